/*
 * The SQLite store, the default backend (store-open.c).  One table of events
 * keyed by (incident, seq), with a unique (incident, op) index so a retried
 * operation can be recognised, and the canonical bytes, chain value and wire
 * form of each event.  An incident exists when its first event (open)
 * does.  The hub is the only writer: the data directory is locked
 * (store-open.c) for as long as the store is open.
 *
 * Schema versions (PRAGMA user_version): 0, the table without "wire"; 1,
 * with it.  Opening a version 0 store adds the column (NULL in every old
 * row) and sets version 1, in one transaction; the hub then fills in the
 * wire forms as it loads.  Reading wire forms never decodes anything: the
 * serving path (store_wire) reads seq and wire only.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

struct store_sqlite {
	struct store	 base;
	sqlite3		*db;
	sqlite3_stmt	*ins;
	sqlite3_stmt	*sel;
	sqlite3_stmt	*wire;
	sqlite3_stmt	*setwire;
	sqlite3_stmt	*op;
	sqlite3_stmt	*begin;
	sqlite3_stmt	*commit;
};

static void	store_sqlite_close(struct store *);
static const struct store_backend store_sqlite_backend;

static const char store_schema[] =
    "CREATE TABLE IF NOT EXISTS events ("
    " incident TEXT NOT NULL,"
    " seq INTEGER NOT NULL,"
    " op TEXT,"
    " body BLOB NOT NULL,"
    " hash BLOB NOT NULL,"
    " wire BLOB,"
    " PRIMARY KEY (incident, seq)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX IF NOT EXISTS events_op ON events (incident, op)"
    " WHERE op IS NOT NULL;";

static int
store_fail(struct store_sqlite *st, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

/* Does the events table have a wire column?  1, 0, or -1 on error. */
static int
store_has_wire(struct store_sqlite *st)
{
	sqlite3_stmt	*s;
	int		 rc, found = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA table_info(events)", -1, &s,
	    NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(s, 1),
		    "wire") == 0)
			found = 1;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? found : -1;
}

/*
 * Create the table, or bring a store of an earlier schema up to this one.
 * Returns 0, or -1 with *cause.
 */
static int
store_schema_upgrade(struct store_sqlite *st, char **cause)
{
	int	has;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_fail(st, "opening the store", cause);
	if (sqlite3_exec(st->db, store_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    (has = store_has_wire(st)) == -1)
		goto fail;
	if (!has) {
		if (sqlite3_exec(st->db, "ALTER TABLE events ADD COLUMN wire "
		    "BLOB", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		util_log("store: added wire forms to the events table "
		    "(schema 1)");
	}
	if (sqlite3_exec(st->db, "PRAGMA user_version = 1; COMMIT", NULL,
	    NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	store_fail(st, "upgrading the store", cause);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct store *
store_sqlite_open(const char *dir, char **cause)
{
	struct store_sqlite	*st;
	char			*path;

	st = xcalloc(1, sizeof *st);
	path = xasprintf("%s/concord.db", dir);
	if (sqlite3_open(path, &st->db) != SQLITE_OK) {
		*cause = xasprintf("open %s: %s", path, sqlite3_errmsg(st->db));
		free(path);
		store_sqlite_close(&st->base);
		return NULL;
	}
	free(path);
	sqlite3_busy_timeout(st->db, 5000);
	if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(st, "opening the store", cause);
		store_sqlite_close(&st->base);
		return NULL;
	}
	if (store_schema_upgrade(st, cause) != 0) {
		store_sqlite_close(&st->base);
		return NULL;
	}
	if (sqlite3_prepare_v2(st->db, "INSERT INTO events (incident, seq, op,"
	    " body, hash, wire) VALUES (?, ?, ?, ?, ?, ?)", -1, &st->ins,
	    NULL) != 0 ||
	    sqlite3_prepare_v2(st->db, "SELECT seq, op, body, hash, wire FROM"
	    " events WHERE incident = ? AND seq > ? ORDER BY seq LIMIT ?", -1,
	    &st->sel, NULL) != 0 ||
	    sqlite3_prepare_v2(st->db, "SELECT seq, wire FROM events WHERE"
	    " incident = ? AND seq > ? ORDER BY seq LIMIT ?", -1, &st->wire,
	    NULL) != 0 ||
	    sqlite3_prepare_v2(st->db, "UPDATE events SET wire = ? WHERE"
	    " incident = ? AND seq = ?", -1, &st->setwire, NULL) != 0 ||
	    sqlite3_prepare_v2(st->db, "SELECT seq FROM events WHERE"
	    " incident = ? AND op = ?", -1, &st->op, NULL) != 0 ||
	    sqlite3_prepare_v2(st->db, "BEGIN IMMEDIATE", -1, &st->begin,
	    NULL) != 0 ||
	    sqlite3_prepare_v2(st->db, "COMMIT", -1, &st->commit, NULL) != 0) {
		store_fail(st, "preparing the store", cause);
		store_sqlite_close(&st->base);
		return NULL;
	}
	st->base.be = &store_sqlite_backend;
	return &st->base;
}

static void
store_sqlite_close(struct store *base)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;

	if (st == NULL)
		return;
	sqlite3_finalize(st->ins);
	sqlite3_finalize(st->sel);
	sqlite3_finalize(st->wire);
	sqlite3_finalize(st->setwire);
	sqlite3_finalize(st->op);
	sqlite3_finalize(st->begin);
	sqlite3_finalize(st->commit);
	if (st->db != NULL)
		sqlite3_close(st->db);
	free(st);
}

static int
store_step(struct store_sqlite *st, sqlite3_stmt *s, const char *what,
    char **cause)
{
	int	rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, what, cause);
	return 0;
}

static int
store_sqlite_begin(struct store *base, char **cause)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;

	return store_step(st, st->begin, "begin", cause);
}

static int
store_sqlite_commit(struct store *base, char **cause)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;

	return store_step(st, st->commit, "commit", cause);
}

static void
store_sqlite_rollback(struct store *base)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;

	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
store_sqlite_append(struct store *base, const char *incident,
    const struct store_row *r, char **cause)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;
	int			 rc;

	sqlite3_bind_text(st->ins, 1, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->ins, 2, r->seq);
	if (r->op != NULL)
		sqlite3_bind_text(st->ins, 3, r->op, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st->ins, 3);
	sqlite3_bind_blob(st->ins, 4, r->body, (int)r->bodylen, SQLITE_STATIC);
	sqlite3_bind_blob(st->ins, 5, r->hash, CORE_HASH_LEN, SQLITE_STATIC);
	if (r->wire != NULL)
		sqlite3_bind_blob(st->ins, 6, r->wire, (int)r->wirelen,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st->ins, 6);
	rc = store_step(st, st->ins, "append", cause);
	sqlite3_clear_bindings(st->ins);
	return rc;
}

static int64_t
store_sqlite_incident_next(struct store *base)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;
	sqlite3_stmt		*s;
	int64_t			 n = 1;

	if (sqlite3_prepare_v2(st->db, "SELECT max(CAST(substr(incident, 5)"
	    " AS INTEGER)) FROM events WHERE seq = 1", -1, &s, NULL) != 0)
		return n;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0) + 1;
	sqlite3_finalize(s);
	return n;
}

static int
store_sqlite_incidents(struct store *base, char ***ids, size_t *n, char **cause)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;
	sqlite3_stmt		*s;
	int			 rc;

	*ids = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT incident FROM events WHERE"
	    " seq = 1 ORDER BY CAST(substr(incident, 5) AS INTEGER)", -1, &s,
	    NULL) != 0)
		return store_fail(st, "listing incidents", cause);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		core_list_add(ids, n, (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "listing incidents", cause);
	return 0;
}

static int64_t
store_sqlite_op_seq(struct store *base, const char *incident, const char *op)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;
	int64_t			 seq = 0;
	int			 rc;

	sqlite3_bind_text(st->op, 1, incident, -1, SQLITE_STATIC);
	sqlite3_bind_text(st->op, 2, op, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st->op)) == SQLITE_ROW)
		seq = sqlite3_column_int64(st->op, 0);
	else if (rc != SQLITE_DONE) {
		util_log("store: finding an operation: %s",
		    sqlite3_errmsg(st->db));
		seq = -1;
	}
	sqlite3_reset(st->op);
	sqlite3_clear_bindings(st->op);
	return seq;
}

/* Fill r's seq and wire from those columns of s (NULL: no wire form). */
static void
store_row_wire(sqlite3_stmt *s, int seq, int wire, struct store_row *r)
{
	r->seq = sqlite3_column_int64(s, seq);
	if (sqlite3_column_type(s, wire) == SQLITE_NULL) {
		r->wire = NULL;
		r->wirelen = 0;
		return;
	}
	if ((r->wire = sqlite3_column_blob(s, wire)) == NULL)
		r->wire = "";	/* an empty blob */
	r->wirelen = (size_t)sqlite3_column_bytes(s, wire);
}

static int64_t
store_sqlite_events(struct store *base, const char *incident, int64_t after,
    int64_t max, store_event_fn *fn, void *arg, char **cause)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;
	struct core_event	 e;
	struct store_row	 r;
	int64_t			 n = 0;
	int			 rc, stop;
	char			*why = NULL;

	sqlite3_bind_text(st->sel, 1, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->sel, 2, after);
	sqlite3_bind_int64(st->sel, 3, max);
	while ((rc = sqlite3_step(st->sel)) == SQLITE_ROW) {
		memset(&r, 0, sizeof r);
		store_row_wire(st->sel, 0, 4, &r);
		r.op = (const char *)sqlite3_column_text(st->sel, 1);
		r.body = sqlite3_column_blob(st->sel, 2);
		r.bodylen = (size_t)sqlite3_column_bytes(st->sel, 2);
		r.hash = sqlite3_column_blob(st->sel, 3);
		if (sqlite3_column_bytes(st->sel, 3) != CORE_HASH_LEN ||
		    core_event_decode(r.body, r.bodylen, &e, &why) != 0) {
			*cause = xasprintf("corrupt event in %s after seq %lld",
			    incident, (long long)(after + n));
			free(why);
			sqlite3_reset(st->sel);
			sqlite3_clear_bindings(st->sel);
			return -1;
		}
		n++;
		stop = fn(&e, &r, arg);
		core_event_clear(&e);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "reading events", cause);
		n = -1;
	}
	sqlite3_reset(st->sel);
	sqlite3_clear_bindings(st->sel);
	return n;
}

static int64_t
store_sqlite_wire(struct store *base, const char *incident, int64_t after,
    int64_t max, store_wire_fn *fn, void *arg, char **cause)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;
	struct store_row	 r;
	int64_t			 n = 0;
	int			 rc;

	sqlite3_bind_text(st->wire, 1, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->wire, 2, after);
	sqlite3_bind_int64(st->wire, 3, max);
	while ((rc = sqlite3_step(st->wire)) == SQLITE_ROW) {
		memset(&r, 0, sizeof r);
		store_row_wire(st->wire, 0, 1, &r);
		if (r.wire == NULL) {
			*cause = xasprintf("event %lld has no wire form",
			    (long long)r.seq);
			n = -1;
			break;
		}
		n++;
		if (fn(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (n != -1 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "reading events", cause);
		n = -1;
	}
	sqlite3_reset(st->wire);
	sqlite3_clear_bindings(st->wire);
	return n;
}

static int
store_sqlite_wire_set(struct store *base, const char *incident, int64_t seq,
    const char *wire, size_t len, char **cause)
{
	struct store_sqlite	*st = (struct store_sqlite *)base;
	int			 rc;

	sqlite3_bind_blob(st->setwire, 1, wire, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st->setwire, 2, incident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->setwire, 3, seq);
	rc = store_step(st, st->setwire, "setting a wire form", cause);
	sqlite3_clear_bindings(st->setwire);
	return rc;
}

static const struct store_backend store_sqlite_backend = {
	.name = "sqlite",
	.close = store_sqlite_close,
	.begin = store_sqlite_begin,
	.append = store_sqlite_append,
	.commit = store_sqlite_commit,
	.rollback = store_sqlite_rollback,
	.incident_next = store_sqlite_incident_next,
	.incidents = store_sqlite_incidents,
	.op_seq = store_sqlite_op_seq,
	.events = store_sqlite_events,
	.wire = store_sqlite_wire,
	.wire_set = store_sqlite_wire_set,
	/* One hub, the only writer: the rest are for shared stores. */
};
