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

/* store-outbox.c */
/*
 * The outbox: notes written while the hub cannot be reached, kept durably
 * (one file per note, fsync'd, under $XDG_STATE_HOME/concord/outbox/) with
 * the operation id they will be sent with, so that delivery after any
 * number of retries logs each exactly once.
 */
struct store_outbox_entry {
	char		*path;		/* the entry's file */
	char		*hub;
	char		*incident;
	char		*user;
	char		*op;
	char		*text;
	int64_t		 time;		/* wall ms when written */
};
/* Queue a note; returns 0, or -1 with *cause. */
int		 store_outbox_add(const char *hub, const char *incident,
		    const char *user, const char *op, const char *text,
		    int64_t wall, char **cause);
/*
 * The pending entries for hub (and for incident, if not NULL), oldest
 * first; *n is set.  Free with store_outbox_free.
 */
struct store_outbox_entry *store_outbox_list(const char *hub,
		    const char *incident, size_t *n);
void		 store_outbox_free(struct store_outbox_entry *, size_t);
/* Forget a delivered entry; 0 or -1. */
int		 store_outbox_remove(const struct store_outbox_entry *);
/* Move a refused entry to outbox/refused/ and report why. */
void		 store_outbox_reject(const struct store_outbox_entry *,
		    const char *code, const char *message);
/* Lock for delivery: fd > 0, 0 if no outbox, -1 busy or failed (*cause). */
int		 store_outbox_lock(int nonblock, char **cause);
void		 store_outbox_unlock(int);
/* Report outbox trouble only in the log (a console owns the screen). */
void		 store_outbox_quiet(void);

#endif
