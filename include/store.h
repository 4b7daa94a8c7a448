/*
 * store: the durable event log.  SQLite in WAL mode with synchronous=FULL
 * under the hub's data directory, which the store locks so that two hubs
 * cannot share it.  Events are kept as their canonical bytes (the bytes the
 * hash chain covers) with the chain value after each.  Writes are grouped:
 * store_begin, any number of store_append, store_commit.
 */
#ifndef CONCORD_STORE_H
#define CONCORD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

struct store;

/* Open (creating) the store in dir; NULL with *cause on failure. */
struct store	*store_open(const char *dir, char **cause);
void		 store_close(struct store *);
/* Start, add to and commit a write transaction; 0 or -1 with *cause. */
int		 store_begin(struct store *, char **cause);
int		 store_append(struct store *, const char *incident,
		    const struct core_event *, const unsigned char *hash,
		    char **cause);
int		 store_commit(struct store *, char **cause);
void		 store_rollback(struct store *);
/* The next free incident number (1 + the largest used). */
int64_t		 store_incident_next(struct store *);
/* Every incident id, oldest first; the caller frees with core_list_free. */
int		 store_incidents(struct store *, char ***, size_t *, char **cause);
/* The seq of the event with this op id in the incident, or 0. */
int64_t		 store_op_seq(struct store *, const char *incident, const char *op);
/*
 * Call fn for the events of an incident with seq > after, in order, at most
 * max events; fn returns non-zero to stop early.  Returns the number
 * delivered, or -1 with *cause.
 */
typedef int	 store_event_fn(const struct core_event *, const unsigned char *,
		    void *);
int64_t		 store_events(struct store *, const char *incident,
		    int64_t after, int64_t max, store_event_fn *, void *,
		    char **cause);

#endif
