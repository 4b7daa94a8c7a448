/*
 * The PostgreSQL store, over libpq: the same log as the SQLite store, in a
 * database several hubs may share.  Two tables (created if missing, under
 * an advisory lock so that hubs starting together do not race):
 *
 *   concord_incidents (id text PRIMARY KEY, seq bigint, hash bytea)
 *	the head of each incident: its last seq and the chain value after
 *	it (seq 0 and the chain's starting value before its first event);
 *   concord_events (incident text REFERENCES concord_incidents,
 *	seq bigint, op text, body bytea, hash bytea, wire bytea,
 *	PRIMARY KEY (incident, seq)), with a unique index on (incident, op)
 *	where op is not NULL: the canonical bytes, chain value and wire form
 *	of each event, as in SQLite;
 *   concord_opens (op text PRIMARY KEY, incident bigint): the number
 *	reserved for an open the hub itself makes (a webhook's), by its
 *	operation id, so that every hub opening for that operation opens
 *	the same incident (store_incident_for).
 *
 * Ordering is the database's.  A batch (store_begin ... store_commit) is
 * one transaction.  The first append to an incident in it locks the
 * incident's head row (SELECT ... FOR UPDATE; the open event creates it)
 * and every append must then be the head's next seq with the chain value
 * that follows the head's hash (recomputed here from the event's canonical
 * bytes): seqs are gap-free and the chain continuous whatever another hub
 * did, and an append that does not follow fails the batch rather than fork
 * the log.  The commit moves each head it locked, issues NOTIFY concord
 * with payload "INCIDENT SEQ" for each, and COMMITs; the hub acknowledges
 * only after that returns.  A lost connection is re-established before the
 * next operation outside a transaction; inside one it fails the batch.
 *
 * Several hubs: store_head locks a head (the hub calls it for every
 * incident of a batch before appending, and compares); an incident number
 * is reserved by inserting its head at seq 0 (ON CONFLICT DO NOTHING: the
 * first hub to insert has it), so numbering counts every head; a second
 * connection LISTENs on "concord" and store_notified reads what arrived on
 * it without blocking, reconnecting (and saying everything must be read
 * again) when it was lost; store_notify_fd gives its socket, which the hub
 * watches in its event loop.
 *
 * Leadership: a third connection, opened by the first store_leader, asks
 * pg_try_advisory_lock(STORE_PG_LEADER) and, once it holds the lock (a
 * session lock: it is the database that says who leads, and it lets go
 * when that connection ends, a hub killed or cut off included), checks at
 * each later call that the connection still answers; one that does not is
 * closed, so the lock is free for another hub, and opened again.  The
 * session asks the server to probe its client after a few idle seconds,
 * so that a leader cut off by the network loses the lock in seconds, not
 * hours.  The leader's telemetry samples go out as NOTIFY concord_tele;
 * the LISTEN connection keeps those it hears for store_samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store.h"
#include "util.h"

/* An incident's head as locked by the current transaction. */
struct store_pg_head {
	char		*id;
	int64_t		 seq;
	unsigned char	 hash[CORE_HASH_LEN];
	int		 moved;
};

struct store_pg {
	struct store		 base;
	PGconn			*conn;
	char			*conninfo;
	PGconn			*listen;	/* LISTEN concord, or NULL */
	int			 intx;
	struct store_pg_head	*heads;
	size_t			 nheads;
	PGconn			*elect;		/* holds the leader's lock */
	int			 leading;
	char			**heard;	/* concord_tele lines */
	size_t			 nheard;
};

#define STORE_PG_LEADER		"7421"	/* the leader's advisory lock */
#define STORE_PG_HEARD_MAX	4096	/* lines kept for store_samples */

static const struct store_backend store_pg_backend;

static const char store_pg_schema[] =
    "SELECT pg_advisory_xact_lock(7420);"
    "CREATE TABLE IF NOT EXISTS concord_incidents ("
    " id text PRIMARY KEY,"
    " seq bigint NOT NULL,"
    " hash bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS concord_events ("
    " incident text NOT NULL REFERENCES concord_incidents (id),"
    " seq bigint NOT NULL,"
    " op text,"
    " body bytea NOT NULL,"
    " hash bytea NOT NULL,"
    " wire bytea,"
    " PRIMARY KEY (incident, seq));"
    "CREATE UNIQUE INDEX IF NOT EXISTS concord_events_op ON concord_events"
    " (incident, op) WHERE op IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS concord_opens ("
    " op text PRIMARY KEY,"
    " incident bigint NOT NULL);";

/* libpq's notices (NOTICE: relation exists...) go to the log. */
static void
store_pg_notice(void *arg, const char *msg)
{
	size_t	n = strlen(msg);

	(void)arg;
	while (n > 0 && msg[n - 1] == '\n')
		n--;
	util_log("store: %.*s", (int)n, msg);
}

/* Fail with the connection's last error; returns -1. */
static int
store_pg_fail(struct store_pg *st, const char *what, char **cause)
{
	const char	*e = PQerrorMessage(st->conn);
	size_t		 n = strlen(e);

	while (n > 0 && e[n - 1] == '\n')
		n--;
	*cause = xasprintf("%s: %.*s", what, (int)n, e);
	return -1;
}

/*
 * Run sql with n text parameters (vals; lens and fmts NULL, or a length
 * and format, 1 binary, for each), results in binary.  Returns the result
 * if its status is want, which the caller frees with PQclear, or NULL with
 * *cause.
 */
static PGresult *
store_pg_exec(struct store_pg *st, const char *what, const char *sql, int n,
    const char *const *vals, const int *lens, const int *fmts,
    ExecStatusType want, char **cause)
{
	PGresult	*res;

	res = PQexecParams(st->conn, sql, n, NULL, vals, lens, fmts, 1);
	if (res == NULL || PQresultStatus(res) != want) {
		store_pg_fail(st, what, cause);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* A binary bigint column. */
static int64_t
store_pg_int8(PGresult *res, int row, int col)
{
	const unsigned char	*p;
	uint64_t		 v = 0;
	int			 i;

	if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8)
		return 0;
	p = (const unsigned char *)PQgetvalue(res, row, col);
	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (int64_t)v;
}

/* Outside a transaction, reconnect a connection that was lost. */
static void
store_pg_check(struct store_pg *st)
{
	if (st->intx || PQstatus(st->conn) == CONNECTION_OK)
		return;
	util_log("store: the connection to PostgreSQL was lost; reconnecting");
	PQreset(st->conn);
	if (PQstatus(st->conn) == CONNECTION_OK)
		util_log("store: reconnected to PostgreSQL");
}

static void
store_pg_heads_clear(struct store_pg *st)
{
	while (st->nheads > 0)
		free(st->heads[--st->nheads].id);
	free(st->heads);
	st->heads = NULL;
}

static void
store_pg_close(struct store *base)
{
	struct store_pg	*st = (struct store_pg *)base;

	store_pg_heads_clear(st);
	PQfinish(st->conn);
	if (st->listen != NULL)
		PQfinish(st->listen);
	if (st->elect != NULL)
		PQfinish(st->elect);
	core_list_free(st->heard, st->nheard);
	free(st->conninfo);
	free(st);
}

struct store *
store_pg_open(const char *conninfo, char **cause)
{
	struct store_pg	*st;
	PGresult	*res;

	st = xcalloc(1, sizeof *st);
	st->base.be = &store_pg_backend;
	st->conninfo = xstrdup(conninfo);
	st->conn = PQconnectdb(conninfo);
	if (st->conn == NULL)
		fatalx("out of memory");
	if (PQstatus(st->conn) != CONNECTION_OK) {
		store_pg_fail(st, "cannot connect to PostgreSQL", cause);
		store_pg_close(&st->base);
		return NULL;
	}
	PQsetNoticeProcessor(st->conn, store_pg_notice, NULL);
	res = PQexec(st->conn, "BEGIN");
	PQclear(res);
	res = PQexec(st->conn, store_pg_schema);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_pg_fail(st, "creating the tables", cause);
		PQclear(res);
		store_pg_close(&st->base);
		return NULL;
	}
	PQclear(res);
	res = PQexec(st->conn, "COMMIT");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_pg_fail(st, "creating the tables", cause);
		PQclear(res);
		store_pg_close(&st->base);
		return NULL;
	}
	PQclear(res);
	return &st->base;
}

/* Run a statement without parameters or rows; 0, or -1 with *cause. */
static int
store_pg_command(struct store_pg *st, const char *sql, char **cause)
{
	PGresult	*res;

	res = store_pg_exec(st, sql, sql, 0, NULL, NULL, NULL,
	    PGRES_COMMAND_OK, cause);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

static int
store_pg_begin(struct store *base, char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;

	store_pg_check(st);
	if (store_pg_command(st, "BEGIN", cause) != 0)
		return -1;
	st->intx = 1;
	return 0;
}

static void
store_pg_rollback(struct store *base)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;

	res = PQexec(st->conn, "ROLLBACK");
	PQclear(res);
	st->intx = 0;
	store_pg_heads_clear(st);
}

static int
store_pg_commit(struct store *base, char **cause)
{
	struct store_pg		*st = (struct store_pg *)base;
	struct store_pg_head	*h;
	PGresult		*res;
	const char		*vals[3];
	int			 lens[3], fmts[3] = { 0, 0, 1 };
	char			 seq[32];
	size_t			 i;

	for (i = 0; i < st->nheads; i++) {
		h = &st->heads[i];
		if (!h->moved)
			continue;
		snprintf(seq, sizeof seq, "%lld", (long long)h->seq);
		vals[0] = h->id;
		vals[1] = seq;
		vals[2] = (const char *)h->hash;
		lens[0] = lens[1] = 0;
		lens[2] = CORE_HASH_LEN;
		res = store_pg_exec(st, "moving the head", "UPDATE "
		    "concord_incidents SET seq = $2::bigint, hash = $3 "
		    "WHERE id = $1", 3, vals, lens, fmts, PGRES_COMMAND_OK,
		    cause);
		if (res == NULL)
			return -1;
		PQclear(res);
		res = store_pg_exec(st, "notifying", "SELECT pg_notify("
		    "'concord', $1::text || ' ' || $2::text)", 2, vals, NULL,
		    NULL, PGRES_TUPLES_OK, cause);
		if (res == NULL)
			return -1;
		PQclear(res);
	}
	if (store_pg_command(st, "COMMIT", cause) != 0)
		return -1;
	st->intx = 0;
	store_pg_heads_clear(st);
	return 0;
}

/*
 * The head of incident, locked for this transaction (created, at seq 0,
 * when create is set).  Returns it, or NULL with *cause.
 */
static struct store_pg_head *
store_pg_head(struct store_pg *st, const char *incident, int create,
    char **cause)
{
	struct store_pg_head	*h;
	PGresult		*res;
	const char		*vals[2];
	int			 lens[2] = { 0, CORE_HASH_LEN };
	int			 fmts[2] = { 0, 1 };
	unsigned char		 start[CORE_HASH_LEN];
	size_t			 i;

	for (i = 0; i < st->nheads; i++) {
		if (strcmp(st->heads[i].id, incident) == 0)
			return &st->heads[i];
	}
	vals[0] = incident;
	if (create) {
		core_chain_start(incident, start);
		vals[1] = (const char *)start;
		res = store_pg_exec(st, "creating the incident", "INSERT INTO "
		    "concord_incidents (id, seq, hash) VALUES ($1, 0, $2) "
		    "ON CONFLICT (id) DO NOTHING", 2, vals, lens, fmts,
		    PGRES_COMMAND_OK, cause);
		if (res == NULL)
			return NULL;
		PQclear(res);
	}
	res = store_pg_exec(st, "locking the head", "SELECT seq, hash FROM "
	    "concord_incidents WHERE id = $1 FOR UPDATE", 1, vals, NULL, NULL,
	    PGRES_TUPLES_OK, cause);
	if (res == NULL)
		return NULL;
	if (PQntuples(res) != 1 || PQgetlength(res, 0, 1) != CORE_HASH_LEN) {
		*cause = xasprintf("no incident %s", incident);
		PQclear(res);
		return NULL;
	}
	st->heads = xreallocarray(st->heads, st->nheads + 1, sizeof *st->heads);
	h = &st->heads[st->nheads++];
	h->id = xstrdup(incident);
	h->seq = store_pg_int8(res, 0, 0);
	memcpy(h->hash, PQgetvalue(res, 0, 1), CORE_HASH_LEN);
	h->moved = 0;
	PQclear(res);
	return h;
}

static int
store_pg_append(struct store *base, const char *incident,
    const struct store_row *r, char **cause)
{
	struct store_pg		*st = (struct store_pg *)base;
	struct store_pg_head	*h;
	struct core_event	 e;
	PGresult		*res;
	const char		*vals[6];
	int			 lens[6] = { 0, 0, 0, 0, CORE_HASH_LEN, 0 };
	int			 fmts[6] = { 0, 0, 0, 1, 1, 1 };
	unsigned char		 next[CORE_HASH_LEN];
	char			 seq[32], *why;

	if ((h = store_pg_head(st, incident, r->seq == 1, cause)) == NULL)
		return -1;
	if (r->seq != h->seq + 1) {
		*cause = xasprintf("%s: seq %lld does not follow the stored "
		    "head at %lld", incident, (long long)r->seq,
		    (long long)h->seq);
		return -1;
	}
	core_event_init(&e);
	if (core_event_decode(r->body, r->bodylen, &e, &why) != 0) {
		*cause = xasprintf("%s: seq %lld: %s", incident,
		    (long long)r->seq, why);
		free(why);
		return -1;
	}
	core_chain_next(h->hash, &e, next);
	core_event_clear(&e);
	if (memcmp(next, r->hash, CORE_HASH_LEN) != 0) {
		*cause = xasprintf("%s: seq %lld does not continue the stored "
		    "chain", incident, (long long)r->seq);
		return -1;
	}
	snprintf(seq, sizeof seq, "%lld", (long long)r->seq);
	vals[0] = incident;
	vals[1] = seq;
	vals[2] = r->op;
	vals[3] = r->body;
	lens[3] = (int)r->bodylen;
	vals[4] = (const char *)r->hash;
	vals[5] = r->wire;
	lens[5] = (int)r->wirelen;
	res = store_pg_exec(st, "append", "INSERT INTO concord_events "
	    "(incident, seq, op, body, hash, wire) VALUES "
	    "($1, $2::bigint, $3, $4, $5, $6)", 6, vals, lens, fmts,
	    PGRES_COMMAND_OK, cause);
	if (res == NULL)
		return -1;
	PQclear(res);
	h->seq = r->seq;
	memcpy(h->hash, r->hash, CORE_HASH_LEN);
	h->moved = 1;
	return 0;
}

static int64_t
store_pg_incident_next(struct store *base)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	char		*cause = NULL;
	int64_t		 n = 1;

	store_pg_check(st);
	res = store_pg_exec(st, "numbering", "SELECT coalesce(max(substring("
	    "id from '^INC-([0-9]+)$')::bigint), 0)::bigint + 1 FROM "
	    "concord_incidents", 0, NULL, NULL, NULL, PGRES_TUPLES_OK, &cause);
	if (res == NULL) {
		util_log("store: %s", cause);
		free(cause);
		return n;
	}
	if (PQntuples(res) == 1)
		n = store_pg_int8(res, 0, 0);
	PQclear(res);
	return n;
}

static int
store_pg_incidents(struct store *base, char ***ids, size_t *n, char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	char		*id;
	int		 i;

	*ids = NULL;
	*n = 0;
	store_pg_check(st);
	res = store_pg_exec(st, "listing incidents", "SELECT id FROM "
	    "concord_incidents WHERE seq > 0 ORDER BY length(id), id", 0, NULL,
	    NULL, NULL, PGRES_TUPLES_OK, cause);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		id = xasprintf("%.*s", PQgetlength(res, i, 0),
		    PQgetvalue(res, i, 0));
		core_list_add(ids, n, id);
		free(id);
	}
	PQclear(res);
	return 0;
}

static int64_t
store_pg_op_seq(struct store *base, const char *incident, const char *op)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	const char	*vals[2] = { incident, op };
	char		*cause = NULL;
	int64_t		 seq = 0;

	store_pg_check(st);
	res = store_pg_exec(st, "finding an operation", "SELECT seq FROM "
	    "concord_events WHERE incident = $1 AND op = $2", 2, vals, NULL,
	    NULL, PGRES_TUPLES_OK, &cause);
	if (res == NULL) {
		util_log("store: %s", cause);
		free(cause);
		return 0;
	}
	if (PQntuples(res) == 1)
		seq = store_pg_int8(res, 0, 0);
	PQclear(res);
	return seq;
}

/*
 * Select seq, op, body, hash, wire of the events of incident after seq
 * after, at most max, in order.  Returns the result, or NULL with *cause.
 */
static PGresult *
store_pg_select(struct store_pg *st, const char *cols, const char *incident,
    int64_t after, int64_t max, char **cause)
{
	PGresult	*res;
	const char	*vals[3];
	char		 a[32], m[32], *sql;

	snprintf(a, sizeof a, "%lld", (long long)after);
	snprintf(m, sizeof m, "%lld", (long long)max);
	vals[0] = incident;
	vals[1] = a;
	vals[2] = m;
	sql = xasprintf("SELECT %s FROM concord_events WHERE incident = $1 AND"
	    " seq > $2::bigint ORDER BY seq LIMIT $3::bigint", cols);
	store_pg_check(st);
	res = store_pg_exec(st, "reading events", sql, 3, vals, NULL, NULL,
	    PGRES_TUPLES_OK, cause);
	free(sql);
	return res;
}

/* Fill r's wire form from column col (NULL: none). */
static void
store_pg_row_wire(PGresult *res, int row, int col, struct store_row *r)
{
	if (PQgetisnull(res, row, col)) {
		r->wire = NULL;
		r->wirelen = 0;
		return;
	}
	r->wire = PQgetvalue(res, row, col);
	r->wirelen = (size_t)PQgetlength(res, row, col);
}

static int64_t
store_pg_events(struct store *base, const char *incident, int64_t after,
    int64_t max, store_event_fn *fn, void *arg, char **cause)
{
	struct store_pg		*st = (struct store_pg *)base;
	struct core_event	 e;
	struct store_row	 r;
	PGresult		*res;
	int64_t			 n = 0;
	int			 i, stop;
	char			*why = NULL;

	res = store_pg_select(st, "seq, op, body, hash, wire", incident, after,
	    max, cause);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		memset(&r, 0, sizeof r);
		r.seq = store_pg_int8(res, i, 0);
		r.op = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);
		r.body = PQgetvalue(res, i, 2);
		r.bodylen = (size_t)PQgetlength(res, i, 2);
		r.hash = (const unsigned char *)PQgetvalue(res, i, 3);
		store_pg_row_wire(res, i, 4, &r);
		core_event_init(&e);
		if (PQgetlength(res, i, 3) != CORE_HASH_LEN ||
		    core_event_decode(r.body, r.bodylen, &e, &why) != 0) {
			*cause = xasprintf("corrupt event in %s after seq %lld",
			    incident, (long long)(after + n));
			free(why);
			PQclear(res);
			return -1;
		}
		n++;
		stop = fn(&e, &r, arg);
		core_event_clear(&e);
		if (stop)
			break;
	}
	PQclear(res);
	return n;
}

static int64_t
store_pg_wire(struct store *base, const char *incident, int64_t after,
    int64_t max, store_wire_fn *fn, void *arg, char **cause)
{
	struct store_pg		*st = (struct store_pg *)base;
	struct store_row	 r;
	PGresult		*res;
	int64_t			 n = 0;
	int			 i;

	res = store_pg_select(st, "seq, wire", incident, after, max, cause);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		memset(&r, 0, sizeof r);
		r.seq = store_pg_int8(res, i, 0);
		store_pg_row_wire(res, i, 1, &r);
		if (r.wire == NULL) {
			*cause = xasprintf("event %lld has no wire form",
			    (long long)r.seq);
			n = -1;
			break;
		}
		n++;
		if (fn(&r, arg) != 0)
			break;
	}
	PQclear(res);
	return n;
}

static int
store_pg_wire_set(struct store *base, const char *incident, int64_t seq,
    const char *wire, size_t len, char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	const char	*vals[3];
	int		 lens[3] = { 0, 0, 0 }, fmts[3] = { 0, 0, 1 };
	char		 s[32];

	snprintf(s, sizeof s, "%lld", (long long)seq);
	vals[0] = incident;
	vals[1] = s;
	vals[2] = wire;
	lens[2] = (int)len;
	res = store_pg_exec(st, "setting a wire form", "UPDATE concord_events"
	    " SET wire = $3 WHERE incident = $1 AND seq = $2::bigint", 3, vals,
	    lens, fmts, PGRES_COMMAND_OK, cause);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

static int
store_pg_lock_head(struct store *base, const char *incident, int create,
    int64_t *seq, char **cause)
{
	struct store_pg		*st = (struct store_pg *)base;
	struct store_pg_head	*h;

	if ((h = store_pg_head(st, incident, create, cause)) == NULL)
		return -1;
	*seq = h->seq;
	return 0;
}

static int64_t
store_pg_reserve(struct store *base, int64_t n, char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	const char	*vals[2];
	int		 lens[2] = { 0, CORE_HASH_LEN }, fmts[2] = { 0, 1 };
	unsigned char	 start[CORE_HASH_LEN];
	char		*id;
	int64_t		 next;
	int		 taken;

	if ((next = store_pg_incident_next(base)) > n)
		n = next;
	for (;;) {
		id = xasprintf("INC-%lld", (long long)n);
		core_chain_start(id, start);
		vals[0] = id;
		vals[1] = (const char *)start;
		res = store_pg_exec(st, "reserving an incident", "INSERT INTO "
		    "concord_incidents (id, seq, hash) VALUES ($1, 0, $2) "
		    "ON CONFLICT (id) DO NOTHING", 2, vals, lens, fmts,
		    PGRES_COMMAND_OK, cause);
		free(id);
		if (res == NULL)
			return -1;
		taken = strcmp(PQcmdTuples(res), "1") == 0;
		PQclear(res);
		if (taken)
			return n;
		n++;
	}
}

/* The number reserved for op in concord_opens, or 0; -1 with *cause. */
static int64_t
store_pg_opened(struct store_pg *st, const char *op, char **cause)
{
	PGresult	*res;
	const char	*vals[1] = { op };
	int64_t		 n = 0;

	res = store_pg_exec(st, "finding an open", "SELECT incident FROM "
	    "concord_opens WHERE op = $1", 1, vals, NULL, NULL,
	    PGRES_TUPLES_OK, cause);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1)
		n = store_pg_int8(res, 0, 0);
	PQclear(res);
	return n;
}

/*
 * Look op up; if no hub reserved a number for it, reserve one and record
 * it, unless another hub recorded one first (then its number is used and
 * the one reserved here is left unused, a head at seq 0 that no listing
 * shows).
 */
static int64_t
store_pg_incident_for(struct store *base, const char *op, int64_t n,
    char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	const char	*vals[2];
	char		 num[32];
	int64_t		 have;
	int		 taken;

	store_pg_check(st);
	if ((have = store_pg_opened(st, op, cause)) != 0)
		return have;
	if ((n = store_pg_reserve(base, n, cause)) == -1)
		return -1;
	snprintf(num, sizeof num, "%lld", (long long)n);
	vals[0] = op;
	vals[1] = num;
	res = store_pg_exec(st, "recording an open", "INSERT INTO "
	    "concord_opens (op, incident) VALUES ($1, $2::bigint) "
	    "ON CONFLICT (op) DO NOTHING", 2, vals, NULL, NULL,
	    PGRES_COMMAND_OK, cause);
	if (res == NULL)
		return -1;
	taken = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (taken)
		return n;
	if ((have = store_pg_opened(st, op, cause)) == 0)
		*cause = xasprintf("the open %s has no number", op);
	return have > 0 ? have : -1;
}

/* (Re)open the LISTEN connection; 0, or -1 with *cause. */
static int
store_pg_listen(struct store_pg *st, char **cause)
{
	PGresult	*res;

	if (st->listen == NULL) {
		if ((st->listen = PQconnectdb(st->conninfo)) == NULL)
			fatalx("out of memory");
		PQsetNoticeProcessor(st->listen, store_pg_notice, NULL);
	} else
		PQreset(st->listen);
	if (PQstatus(st->listen) != CONNECTION_OK) {
		*cause = xasprintf("listening: %s", PQerrorMessage(st->listen));
		return -1;
	}
	res = PQexec(st->listen, "LISTEN concord; LISTEN concord_lease; "
	    "LISTEN concord_tele");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		*cause = xasprintf("listening: %s", PQerrorMessage(st->listen));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return PQsetnonblocking(st->listen, 1) == 0 ? 0 : -1;
}

static int
store_pg_notified(struct store *base, store_notify_fn *fn, void *arg,
    char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGnotify	*n;
	char		*sp, *end;
	long long	 seq;
	int		 calls = 0;

	if (st->listen == NULL || PQstatus(st->listen) != CONNECTION_OK ||
	    PQconsumeInput(st->listen) == 0) {
		if (store_pg_listen(st, cause) != 0)
			return -1;
		fn(NULL, 0, NULL, arg);	/* anything may have been missed */
		calls++;
	}
	while ((n = PQnotifies(st->listen)) != NULL) {
		if (n->be_pid == PQbackendPID(st->conn))
			;	/* this hub's own */
		else if (strcmp(n->relname, "concord_tele") == 0) {
			if (st->nheard < STORE_PG_HEARD_MAX)
				core_list_add(&st->heard, &st->nheard,
				    n->extra);
		} else if (strcmp(n->relname, "concord_lease") == 0) {
			/* "INCIDENT FENCE ACTION" */
			if ((sp = strchr(n->extra, ' ')) != NULL) {
				*sp = '\0';
				seq = strtoll(sp + 1, &end, 10);
				if (*end == ' ' && seq > 0) {
					fn(n->extra, seq, end + 1, arg);
					calls++;
				}
			}
		} else if ((sp = strrchr(n->extra, ' ')) != NULL) {
			*sp = '\0';
			seq = strtoll(sp + 1, &end, 10);
			if (*end == '\0' && seq > 0) {
				fn(n->extra, seq, NULL, arg);
				calls++;
			}
		}
		PQfreemem(n);
	}
	return calls;
}

static int
store_pg_renewed(struct store *base, const char *incident, const char *action,
    int64_t fence, char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	const char	*vals[1];
	char		*msg;

	store_pg_check(st);
	msg = xasprintf("%s %lld %s", incident, (long long)fence, action);
	vals[0] = msg;
	res = store_pg_exec(st, "announcing a renewal", "SELECT pg_notify("
	    "'concord_lease', $1::text)", 1, vals, NULL, NULL,
	    PGRES_TUPLES_OK, cause);
	free(msg);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

static int
store_pg_lost(struct store *base)
{
	struct store_pg	*st = (struct store_pg *)base;

	return PQstatus(st->conn) != CONNECTION_OK;
}

static int
store_pg_notify_fd(struct store *base)
{
	struct store_pg	*st = (struct store_pg *)base;

	if (st->listen == NULL || PQstatus(st->listen) != CONNECTION_OK)
		return -1;
	return PQsocket(st->listen);
}

/* Close the leader's connection: the lock goes with it. */
static void
store_pg_unelect(struct store_pg *st)
{
	if (st->elect != NULL)
		PQfinish(st->elect);
	st->elect = NULL;
	st->leading = 0;
}

/*
 * Open the leader's connection (with a connect timeout, and keepalives
 * both ways); 0, or -1 with *cause.
 */
static int
store_pg_elect_open(struct store_pg *st, char **cause)
{
	const char *const	 keys[] = { "dbname", "connect_timeout",
				    "keepalives_idle", "keepalives_interval",
				    "keepalives_count", NULL };
	const char *const	 vals[] = { st->conninfo, "5", "5", "2", "3",
				    NULL };
	PGresult		*res;
	const char		*e;

	if ((st->elect = PQconnectdbParams(keys, vals, 1)) == NULL)
		fatalx("out of memory");
	if (PQstatus(st->elect) != CONNECTION_OK) {
		e = PQerrorMessage(st->elect);
		*cause = xasprintf("electing: %.*s", (int)strcspn(e, "\n"), e);
		store_pg_unelect(st);
		return -1;
	}
	PQsetNoticeProcessor(st->elect, store_pg_notice, NULL);
	/* The server notices a client cut off; best effort. */
	res = PQexec(st->elect, "SET tcp_keepalives_idle = 5; "
	    "SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3");
	PQclear(res);
	return 0;
}

static int
store_pg_leader(struct store *base, char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	const char	*sql, *e;
	int		 yes;

	if (st->elect != NULL && PQstatus(st->elect) != CONNECTION_OK)
		store_pg_unelect(st);
	if (st->elect == NULL && store_pg_elect_open(st, cause) != 0)
		return -1;
	if (st->leading)
		sql = "SELECT true";	/* still there? */
	else
		sql = "SELECT pg_try_advisory_lock(" STORE_PG_LEADER ")";
	res = PQexec(st->elect, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		e = PQerrorMessage(st->elect);
		*cause = xasprintf("electing: %.*s", (int)strcspn(e, "\n"), e);
		PQclear(res);
		store_pg_unelect(st);
		return -1;
	}
	yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (yes)
		st->leading = 1;
	return st->leading;
}

static int
store_pg_sample(struct store *base, const char *line, char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	const char	*vals[1] = { line };

	store_pg_check(st);
	res = store_pg_exec(st, "telling a sample", "SELECT pg_notify("
	    "'concord_tele', $1::text)", 1, vals, NULL, NULL,
	    PGRES_TUPLES_OK, cause);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

static int
store_pg_samples(struct store *base, store_sample_fn *fn, void *arg)
{
	struct store_pg	*st = (struct store_pg *)base;
	char		**lines = st->heard;
	size_t		  n = st->nheard, i;

	st->heard = NULL;
	st->nheard = 0;
	for (i = 0; i < n; i++)
		fn(lines[i], arg);
	core_list_free(lines, n);
	return (int)n;
}

static const struct store_backend store_pg_backend = {
	"postgres",
	store_pg_close,
	store_pg_begin,
	store_pg_append,
	store_pg_commit,
	store_pg_rollback,
	store_pg_incident_next,
	store_pg_incidents,
	store_pg_op_seq,
	store_pg_events,
	store_pg_wire,
	store_pg_wire_set,
	store_pg_lock_head,
	store_pg_reserve,
	store_pg_notified,
	store_pg_lost,
	store_pg_renewed,
	store_pg_notify_fd,
	store_pg_leader,
	store_pg_sample,
	store_pg_samples,
	store_pg_incident_for,
};
