/*
 * store: the durable event log, one interface with two backends chosen at
 * start (store_open): SQLite under the hub's data directory (the default,
 * store-sqlite.c) or PostgreSQL (store-pg.c, --store postgres://...).
 * Events are kept as their canonical bytes (the bytes the hash chain
 * covers) with the chain value after each and, beside them, their wire
 * form: the JSON object the hub sends for the event, made once when it is
 * accepted, so that a follower reading the log is sent stored bytes without
 * anything being decoded or encoded for it.  A store made before wire forms
 * were kept opens with the column added and empty; the hub fills it in as
 * it loads (store_wire_set).  Writes are grouped: store_begin, any number
 * of store_append, store_commit.  The hub gives each append the incident's
 * next seq and the chain value after it; the SQLite store, whose hub is its
 * only writer, keeps them, while PostgreSQL, where another hub may have
 * written first, checks both against the incident's head row, locked until
 * the commit, and fails the append if they do not follow it (the hub locks
 * the heads first with store_head and, if another hub moved one, decides
 * its commands again).
 */
#ifndef CONCORD_STORE_H
#define CONCORD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

struct store;

/*
 * One event as the store holds it.  Everything is borrowed: what a read
 * hands a callback is valid during the call only.
 */
struct store_row {
	int64_t			 seq;
	const char		*op;		/* operation id, or NULL */
	const char		*body;		/* canonical bytes */
	size_t			 bodylen;
	const unsigned char	*hash;		/* CORE_HASH_LEN: chain after it */
	const char		*wire;		/* wire form, or NULL if none */
	size_t			 wirelen;
};

/*
 * The backends: each keeps a struct store as the first member of its own
 * and fills in be.  Only src/store uses these.
 */
struct store_backend;
struct store {
	const struct store_backend	*be;
	int				 lockfd;	/* DIR/lock */
};

/*
 * Open (creating) the store, locking dir (two hubs never share one, nor its
 * log, whichever the backend): with spec NULL, SQLite in dir; otherwise spec
 * names the backend: "sqlite" (in dir), a postgres:// or postgresql:// URL,
 * "postgres:" followed by a libpq connection string (empty: the PG*
 * environment), or a connection string ("key=value ...").  Returns the
 * store, which the caller closes with store_close, or NULL with *cause.
 */
struct store	*store_open(const char *dir, const char *spec, char **cause);
/* Is spec a store store_open would take?  1 or 0. */
int		 store_spec_valid(const char *spec);
/* The backend's name, "sqlite" or "postgres"; static. */
const char	*store_kind(struct store *);
void		 store_close(struct store *);
/*
 * Start, add to and commit a write transaction (store_append copies the
 * row's bytes); each returns 0, or -1 with *cause.
 */
int		 store_begin(struct store *, char **cause);
int		 store_append(struct store *, const char *incident,
		    const struct store_row *, char **cause);
int		 store_commit(struct store *, char **cause);
void		 store_rollback(struct store *);
/* The next free incident number (1 + the largest used). */
int64_t		 store_incident_next(struct store *);
/* Every incident id, oldest first; the caller frees with core_list_free. */
int		 store_incidents(struct store *, char ***, size_t *, char **cause);
/*
 * The seq of the event with this op id in the incident, 0 if there is
 * none, or -1 if the store could not say (the reason is logged): never
 * take -1 for "none".
 */
int64_t		 store_op_seq(struct store *, const char *incident, const char *op);
/*
 * Call fn for the events of an incident with seq > after, in order, at most
 * max events, each decoded (and checked to be canonical) with its row;
 * fn returns non-zero to stop early.  Returns the number delivered, or -1
 * with *cause.  For loading: followers are served with store_wire.
 */
typedef int	 store_event_fn(const struct core_event *,
		    const struct store_row *, void *);
int64_t		 store_events(struct store *, const char *incident,
		    int64_t after, int64_t max, store_event_fn *, void *,
		    char **cause);
/*
 * Call fn with the seq and wire form (row->body and row->hash are NULL) of
 * the events of an incident with seq > after, in order, at most max; nothing
 * is decoded.  fn returns non-zero to stop early.  A row without a wire form
 * is an error.  Returns the number delivered, or -1 with *cause.
 */
typedef int	 store_wire_fn(const struct store_row *, void *);
int64_t		 store_wire(struct store *, const char *incident,
		    int64_t after, int64_t max, store_wire_fn *, void *,
		    char **cause);
/* Set the wire form of a stored event; 0, or -1 with *cause. */
int		 store_wire_set(struct store *, const char *incident,
		    int64_t seq, const char *wire, size_t len, char **cause);

/*
 * The hub's users (store-users.c): DIR/users.db, beside the store and not
 * under its lock, so that `concordd user` changes it while the hub runs.
 * Each change is one short transaction; the hub asks store_users_changed
 * and reads the users again when it says so.
 */
struct store_users;

/* One user: its name and the salted hash of its token. */
struct store_user {
	char		*name;
	unsigned char	 salt[CORE_TOKEN_SALT];
	unsigned char	 hash[CORE_HASH_LEN];
	int64_t		 created;	/* wall ms */
	int64_t		 revoked;	/* wall ms; 0 while it is valid */
	int		 act_as;	/* may act as other users */
};

/* Open (creating, mode 0600) DIR/users.db; NULL with *cause. */
struct store_users *store_users_open(const char *dir, char **cause);
void		 store_users_close(struct store_users *);
/*
 * Has another process changed the users since the last call (or the
 * open)?  1 or 0, or -1 with *cause.
 */
int		 store_users_changed(struct store_users *, char **cause);
/*
 * Add a user, or give a revoked one a fresh token and rights.  Returns 0,
 * 1 if a valid user has that name, or -1 with *cause.
 */
int		 store_users_add(struct store_users *,
		    const struct store_user *, char **cause);
/*
 * Revoke a valid user (when: wall ms), or set whether it may act as
 * others.  Each returns 0, 1 if there is no such valid user, or -1 with
 * *cause.
 */
int		 store_users_revoke(struct store_users *, const char *,
		    int64_t when, char **cause);
int		 store_users_right(struct store_users *, const char *,
		    int act_as, char **cause);
/* Every user by name into *u (free with store_users_free); 0 or -1. */
int		 store_users_list(struct store_users *, struct store_user **u,
		    size_t *n, char **cause);
void		 store_users_free(struct store_user *, size_t);

/*
 * Several hubs on one store (PostgreSQL).  store_shared says whether other
 * hubs may write to the store (1) or not (0: SQLite, whose hub is the only
 * writer; the others are then trivial).  store_head, inside a batch, locks
 * the head of an incident (creating it, at seq 0, when create is set) until
 * the commit and gives its last durable seq in *seq; 0, or -1 with *cause.
 * store_incident_reserve claims incident number n, or the first free one
 * above it and above every number used, for this hub alone; returns it, or
 * -1 with *cause.  store_notified calls fn for each commit by another
 * hub heard of since the last call, with the incident and its new last
 * seq (lease NULL), for each renewal another hub announced (store_renewed:
 * the incident, the grant's fence in seq and the action in lease), or
 * once with incident NULL when some may have been missed (a reconnection):
 * every incident must then be read again.  Returns the calls made, or -1
 * with *cause; it never blocks.  store_renewed tells the other hubs that
 * the lease on action of incident, grant fence, was renewed; 0, or -1
 * with *cause.
 */
typedef void	 store_notify_fn(const char *incident, int64_t seq,
		    const char *lease, void *);
int		 store_shared(struct store *);
int		 store_head(struct store *, const char *incident, int create,
		    int64_t *seq, char **cause);
int64_t		 store_incident_reserve(struct store *, int64_t n,
		    char **cause);
/*
 * The incident number of the open whose operation id is op: the one
 * reserved for op already (by any hub), or n reserved for it as by
 * store_incident_reserve, so that hubs opening an incident for the same
 * operation (a webhook delivered to each) open the same one.  Returns it,
 * or -1 with *cause; n with a store one hub writes.
 */
int64_t		 store_incident_for(struct store *, const char *op, int64_t n,
		    char **cause);
int		 store_notified(struct store *, store_notify_fn *, void *,
		    char **cause);
int		 store_renewed(struct store *, const char *incident,
		    const char *action, int64_t fence, char **cause);
/*
 * The socket on which other hubs' notifications arrive, for the caller's
 * event loop to watch (readable: call store_notified), or -1 if there is
 * none (SQLite; or the connection is lost, and the next store_notified
 * makes a new one).  The store owns it and closes it when it reconnects,
 * in store_notified, after which the new socket may have the same number:
 * the caller never closes it, and watches a dup of it that it compares
 * with it (fstat) after each store_notified.
 */
int		 store_notify_fd(struct store *);
/*
 * After a failure: was the connection to the database lost, so that the
 * same batch may succeed once it is back?  1 or 0 (always 0 for SQLite).
 */
int		 store_lost(struct store *);
/*
 * One hub of those sharing a store, the leader, issues lease expiries and
 * polls telemetry.  store_leader tries to become it, or checks that this
 * hub still is (on a connection of its own holding a session-level
 * advisory lock: whoever holds the lock leads, and a hub whose connection
 * is lost no longer does).  Returns 1 if this hub leads, 0 if another
 * does, or -1 with *cause (the database cannot be reached: not leading).
 * Always 1 for a store one hub writes.  store_sample tells the other hubs
 * a line of telemetry (the leader's samples; 0, or -1 with *cause) and
 * store_samples calls fn for each line other hubs told since the last
 * call (heard by store_notified); it returns the calls made.
 */
int		 store_leader(struct store *, char **cause);
int		 store_sample(struct store *, const char *line, char **cause);
typedef void	 store_sample_fn(const char *line, void *);
int		 store_samples(struct store *, store_sample_fn *, void *);
/*
 * After a failed store_append: did it repeat an operation id (or seq) the
 * incident already has, logged by another hub or by a COMMIT whose answer
 * was lost, so that the commands must be decided again?  1 or 0 (always 0
 * for SQLite).
 */
int		 store_duplicate(struct store *);

struct store_backend {
	const char	*name;
	void		 (*close)(struct store *);
	int		 (*begin)(struct store *, char **);
	int		 (*append)(struct store *, const char *,
			    const struct store_row *, char **);
	int		 (*commit)(struct store *, char **);
	void		 (*rollback)(struct store *);
	int64_t		 (*incident_next)(struct store *);
	int		 (*incidents)(struct store *, char ***, size_t *,
			    char **);
	int64_t		 (*op_seq)(struct store *, const char *, const char *);
	int64_t		 (*events)(struct store *, const char *, int64_t,
			    int64_t, store_event_fn *, void *, char **);
	int64_t		 (*wire)(struct store *, const char *, int64_t,
			    int64_t, store_wire_fn *, void *, char **);
	int		 (*wire_set)(struct store *, const char *, int64_t,
			    const char *, size_t, char **);
	/* Several hubs: NULL in a store only one hub writes. */
	int		 (*head)(struct store *, const char *, int, int64_t *,
			    char **);
	int64_t		 (*reserve)(struct store *, int64_t, char **);
	int		 (*notified)(struct store *, store_notify_fn *, void *,
			    char **);
	int		 (*lost)(struct store *);
	int		 (*renewed)(struct store *, const char *, const char *,
			    int64_t, char **);
	int		 (*notify_fd)(struct store *);
	int		 (*leader)(struct store *, char **);
	int		 (*sample)(struct store *, const char *, char **);
	int		 (*samples)(struct store *, store_sample_fn *, void *);
	int64_t		 (*incident_for)(struct store *, const char *, int64_t,
			    char **);
	int		 (*duplicate)(struct store *);
};
/* The backends' openers (store-sqlite.c, store-pg.c): as store_open. */
struct store	*store_sqlite_open(const char *dir, char **cause);
struct store	*store_pg_open(const char *conninfo, char **cause);

#endif
