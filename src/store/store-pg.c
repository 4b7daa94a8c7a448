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
 * Nothing waits on PostgreSQL for long: every exchange (a connection, a
 * statement and its answer) has STORE_PG_DEADLINE ms, over libpq's
 * asynchronous interface with the connection in non-blocking mode and
 * poll(2) on its socket.  A server that does not answer in time (stopped,
 * or the network silent) is taken as lost: the connection is closed, what
 * the transaction held is gone (the hub tries the batch again), and a new
 * connection is tried at most every STORE_PG_RETRY ms, and only while the
 * LISTEN connection is not failing, failing at once otherwise with the
 * reason of the last failure.  The LISTEN connection is
 * never waited on: it is re-established step by step (PQconnectPoll, one
 * look per store_notified) and asked SELECT 1 every STORE_PG_PROBE ms, so
 * that a server that went silent is noticed while nothing is written.  A
 * failure that repeats an operation id already logged (a unique
 * violation, SQLSTATE 23505) is told apart (store_duplicate).
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
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store.h"
#include "util.h"

#define STORE_PG_DEADLINE	2000	/* ms for any one exchange */
#define STORE_PG_RETRY		1000	/* ms between connection attempts */
#define STORE_PG_PROBE		1000	/* ms between probes of the server */

/* An incident's head as locked by the current transaction. */
struct store_pg_head {
	char		*id;
	int64_t		 seq;
	unsigned char	 hash[CORE_HASH_LEN];
	int		 moved;
};

struct store_pg {
	struct store		 base;
	PGconn			*conn;		/* NULL while lost */
	char			*conninfo;
	char			*why;		/* why conn was lost, or NULL */
	int64_t			 retry;		/* mono ms: connect again */
	int			 duplicate;	/* the last failure was 23505 */
	PGconn			*listen;	/* LISTEN concord, or NULL */
	int			 listening;	/* ... and it is connected */
	int64_t			 listen_since;	/* mono ms it was started */
	PostgresPollingStatusType listen_pst;	/* what connecting waits for */
	int64_t			 listen_retry;	/* mono ms: start it again */
	char			*listen_why;	/* why it was lost, or NULL */
	int64_t			 probe_sent;	/* mono ms, or 0: none out */
	int64_t			 probed;	/* mono ms of the last answer */
	int			 intx;
	struct store_pg_head	*heads;
	size_t			 nheads;
	PGconn			*elect;		/* holds the leader's lock */
	int			 leading;
	char			**heard;	/* concord_tele lines */
	size_t			 nheard;
};

#define STORE_PG_LEADER		"7421"	/* the leader's advisory lock */
#define STORE_PG_NAME		"concordd" /* application_name, and the
					   LISTEN and leader's with
					   " (listen)", " (leader)" */
#define STORE_PG_HEARD_MAX	4096	/* lines kept for store_samples */

static const struct store_backend store_pg_backend;

static int	store_pg_command(struct store_pg *, const char *, char **);
static void	store_pg_listen_first(struct store_pg *);

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

/*
 * libpq's message e (several lines, indented) as one line, "" as dflt;
 * the caller frees it.
 */
static char *
store_pg_line(const char *e, const char *dflt)
{
	char	*l, *p;
	int	 space = 1;

	p = l = xmalloc(strlen(e) + 1);
	for (; *e != '\0'; e++) {
		if (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r') {
			if (!space)
				*p++ = ' ';
			space = 1;
		} else {
			*p++ = *e;
			space = 0;
		}
	}
	while (p > l && p[-1] == ' ')
		p--;
	*p = '\0';
	if (*l == '\0') {
		free(l);
		l = xstrdup(dflt);
	}
	return l;
}

/* The main connection's last error, one line; the caller frees it. */
static char *
store_pg_error(struct store_pg *st)
{
	if (st->conn == NULL)
		return xstrdup(st->why != NULL ? st->why : "not connected");
	return store_pg_line(PQerrorMessage(st->conn), "failed");
}

/* Fail with the connection's last error; returns -1. */
static int
store_pg_fail(struct store_pg *st, const char *what, char **cause)
{
	char	*e = store_pg_error(st);

	*cause = xasprintf("%s: %s", what, e);
	free(e);
	return -1;
}

/* Milliseconds left before deadline (mono ms), at least 0. */
static int
store_pg_left(int64_t deadline)
{
	int64_t	left = deadline - util_clock_mono_ms();

	return left > 0 ? (int)left : 0;
}

/*
 * Wait until conn's socket is ready for events, or deadline (mono ms).
 * Returns 1 if it is, 0 if the deadline passed, -1 on error.
 */
static int
store_pg_poll(PGconn *conn, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int		n;

	if ((pfd.fd = PQsocket(conn)) < 0)
		return -1;
	pfd.events = events;
	for (;;) {
		pfd.revents = 0;
		n = poll(&pfd, 1, store_pg_left(deadline));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		return n > 0;
	}
}

/*
 * Start connecting to conninfo (a URL or key=value string) as application
 * name, so that pg_stat_activity says which connection of which hub each
 * session is.  Returns what PQconnectStartParams does.
 */
static PGconn *
store_pg_start(const char *conninfo, const char *name)
{
	const char *const	keys[] = { "dbname", "application_name", NULL };
	const char *const	vals[] = { conninfo, name, NULL };

	return PQconnectStartParams(keys, vals, 1);
}

/*
 * Connect to conninfo as name, waiting at most STORE_PG_DEADLINE ms.
 * Returns the connection, in non-blocking mode, or NULL with *cause.
 */
static PGconn *
store_pg_connect(const char *conninfo, const char *name, char **cause)
{
	PGconn			*conn;
	PostgresPollingStatusType pst = PGRES_POLLING_WRITING;
	int64_t			 deadline;
	int			 n;

	deadline = util_clock_mono_ms() + STORE_PG_DEADLINE;
	if ((conn = store_pg_start(conninfo, name)) == NULL)
		fatalx("out of memory");
	while (PQstatus(conn) != CONNECTION_BAD && pst != PGRES_POLLING_OK &&
	    pst != PGRES_POLLING_FAILED) {
		n = store_pg_poll(conn, pst == PGRES_POLLING_READING ? POLLIN :
		    POLLOUT, deadline);
		if (n == 0) {
			*cause = xasprintf("PostgreSQL did not answer within "
			    "%d ms", STORE_PG_DEADLINE);
			PQfinish(conn);
			return NULL;
		}
		if (n == -1)
			break;
		pst = PQconnectPoll(conn);
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		*cause = store_pg_line(PQerrorMessage(conn), "cannot connect");
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, store_pg_notice, NULL);
	if (PQsetnonblocking(conn, 1) != 0) {
		*cause = xstrdup("cannot make the connection non-blocking");
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* The main connection is lost (why): close it, to be made again. */
static void
store_pg_drop(struct store_pg *st, const char *why)
{
	if (st->conn != NULL) {
		util_log("store: the connection to PostgreSQL was lost: %s",
		    why);
		PQfinish(st->conn);
		st->conn = NULL;
	}
	free(st->why);
	st->why = xstrdup(why);
	st->retry = util_clock_mono_ms() + STORE_PG_RETRY;
}

/*
 * Wait for the answer to what was sent on conn, at most until deadline:
 * the last result (or the first error), which the caller frees, or NULL
 * (then *late says whether the deadline passed).
 */
static PGresult *
store_pg_answer(PGconn *conn, int64_t deadline, int *late)
{
	PGresult	*res, *last = NULL;
	int		 f, n;

	*late = 0;
	while ((f = PQflush(conn)) == 1) {
		n = store_pg_poll(conn, POLLIN | POLLOUT, deadline);
		if (n <= 0) {
			*late = n == 0;
			return NULL;
		}
		if (PQconsumeInput(conn) == 0)
			return NULL;
	}
	if (f == -1)
		return NULL;
	for (;;) {
		while (PQisBusy(conn)) {
			n = store_pg_poll(conn, POLLIN, deadline);
			if (n <= 0) {
				*late = n == 0;
				PQclear(last);
				return NULL;
			}
			if (PQconsumeInput(conn) == 0)
				break;
		}
		if ((res = PQgetResult(conn)) == NULL)
			break;
		if (last != NULL &&
		    PQresultStatus(last) == PGRES_FATAL_ERROR) {
			PQclear(res);
			continue;
		}
		PQclear(last);
		last = res;
		if (PQstatus(conn) == CONNECTION_BAD)
			break;
	}
	return last;
}

/*
 * Run sql with n text parameters (vals; lens and fmts NULL, or a length
 * and format, 1 binary, for each), results in binary; with n 0, vals NULL
 * and no rows wanted, sql may be several statements.  Returns the result
 * if its status is want, which the caller frees with PQclear, or NULL with
 * *cause.  No answer within STORE_PG_DEADLINE ms loses the connection.
 */
static PGresult *
store_pg_exec(struct store_pg *st, const char *what, const char *sql, int n,
    const char *const *vals, const int *lens, const int *fmts,
    ExecStatusType want, char **cause)
{
	PGresult	*res = NULL;
	const char	*state;
	char		*why;
	int		 sent, late = 0;

	st->duplicate = 0;
	if (st->conn == NULL || PQstatus(st->conn) != CONNECTION_OK) {
		store_pg_fail(st, what, cause);
		return NULL;
	}
	if (n == 0 && vals == NULL && want == PGRES_COMMAND_OK)
		sent = PQsendQuery(st->conn, sql);
	else
		sent = PQsendQueryParams(st->conn, sql, n, NULL, vals, lens,
		    fmts, 1);
	if (sent)
		res = store_pg_answer(st->conn,
		    util_clock_mono_ms() + STORE_PG_DEADLINE, &late);
	if (late) {
		why = xasprintf("PostgreSQL did not answer within %d ms",
		    STORE_PG_DEADLINE);
		store_pg_drop(st, why);
		*cause = xasprintf("%s: %s", what, why);
		free(why);
		return NULL;
	}
	if (res == NULL || PQresultStatus(res) != want) {
		if (res != NULL && (state = PQresultErrorField(res,
		    PG_DIAG_SQLSTATE)) != NULL && strcmp(state, "23505") == 0)
			st->duplicate = 1;
		store_pg_fail(st, what, cause);
		PQclear(res);
		if (PQstatus(st->conn) != CONNECTION_OK) {
			why = store_pg_error(st);
			store_pg_drop(st, why);
			free(why);
		}
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

/*
 * Outside a transaction, reconnect a connection that was lost, at most
 * every STORE_PG_RETRY ms.
 */
static void
store_pg_check(struct store_pg *st)
{
	char	*cause;

	if (st->intx || (st->conn != NULL &&
	    PQstatus(st->conn) == CONNECTION_OK))
		return;
	if (st->conn != NULL) {
		store_pg_drop(st, "the server closed the connection");
		st->retry = 0;
	}
	if (util_clock_mono_ms() < st->retry)
		return;
	if (st->listen_why != NULL) {
		/* The LISTEN connection, which never waits, goes first. */
		free(st->why);
		st->why = xstrdup(st->listen_why);
		return;
	}
	if ((st->conn = store_pg_connect(st->conninfo, STORE_PG_NAME,
	    &cause)) == NULL) {
		free(st->why);
		st->why = cause;
		st->retry = util_clock_mono_ms() + STORE_PG_RETRY;
		return;
	}
	util_log("store: reconnected to PostgreSQL");
	free(st->why);
	st->why = NULL;
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
	if (st->conn != NULL)
		PQfinish(st->conn);
	if (st->listen != NULL)
		PQfinish(st->listen);
	if (st->elect != NULL)
		PQfinish(st->elect);
	core_list_free(st->heard, st->nheard);
	free(st->conninfo);
	free(st->why);
	free(st->listen_why);
	free(st);
}

struct store *
store_pg_open(const char *conninfo, char **cause)
{
	struct store_pg	*st;
	char		*why;

	st = xcalloc(1, sizeof *st);
	st->base.be = &store_pg_backend;
	st->conninfo = xstrdup(conninfo);
	if ((st->conn = store_pg_connect(conninfo, STORE_PG_NAME, &why)) == NULL) {
		*cause = xasprintf("cannot connect to PostgreSQL: %s", why);
		free(why);
		store_pg_close(&st->base);
		return NULL;
	}
	if (store_pg_command(st, "BEGIN", cause) != 0 ||
	    store_pg_command(st, store_pg_schema, cause) != 0 ||
	    store_pg_command(st, "COMMIT", cause) != 0) {
		why = *cause;
		*cause = xasprintf("creating the tables: %s", why);
		free(why);
		store_pg_close(&st->base);
		return NULL;
	}
	store_pg_listen_first(st);
	return &st->base;
}

/* Run a statement without parameters or rows; 0, or -1 with *cause. */
static int
store_pg_command(struct store_pg *st, const char *sql, char **cause)
{
	PGresult	*res;

	res = store_pg_exec(st, strncmp(sql, "SELECT", 6) == 0 ? "schema" :
	    sql, sql, 0, NULL, NULL, NULL, PGRES_COMMAND_OK, cause);
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
	char		*cause = NULL;

	if (st->conn != NULL && PQstatus(st->conn) == CONNECTION_OK &&
	    store_pg_command(st, "ROLLBACK", &cause) != 0)
		free(cause);
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
		return -1;
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

/* The LISTEN connection is lost (why): close it, to be made again. */
static void
store_pg_unlisten(struct store_pg *st, const char *why)
{
	if (st->listen != NULL)
		PQfinish(st->listen);
	st->listen = NULL;
	st->listening = 0;
	st->probe_sent = 0;
	free(st->listen_why);
	st->listen_why = xstrdup(why);
	st->listen_retry = util_clock_mono_ms() + STORE_PG_RETRY;
}

/* Fail with the LISTEN connection's error; returns -1. */
static int
store_pg_listen_fail(struct store_pg *st, const char *why, char **cause)
{
	if (why != NULL)
		*cause = xstrdup(why);
	else
		*cause = store_pg_line(st->listen != NULL ?
		    PQerrorMessage(st->listen) : "", "lost");
	store_pg_unlisten(st, *cause);
	free(*cause);
	*cause = xasprintf("listening: %s", st->listen_why);
	return -1;
}

/*
 * Take the LISTEN connection one step further without waiting: start it
 * (at most every STORE_PG_RETRY ms), or go on connecting as far as its
 * socket allows, or, once connected, LISTEN.  Returns 1 once it listens,
 * 0 while it is on its way (the first time), or -1 with *cause (while it
 * is on its way after a failure too: the server is not known to answer).
 */
static int
store_pg_listen(struct store_pg *st, char **cause)
{
	PostgresPollingStatusType	 pst;
	PGresult			*res;
	int64_t				 now = util_clock_mono_ms();
	int				 n, late;

	if (st->listen == NULL) {
		if (now < st->listen_retry) {
			*cause = xasprintf("listening: %s", st->listen_why !=
			    NULL ? st->listen_why : "not connected");
			return -1;
		}
		if ((st->listen = store_pg_start(st->conninfo,
		    STORE_PG_NAME " (listen)")) == NULL)
			fatalx("out of memory");
		st->listen_since = now;
		st->listen_pst = PGRES_POLLING_WRITING;
		if (PQstatus(st->listen) == CONNECTION_BAD)
			return store_pg_listen_fail(st, NULL, cause);
	}
	while (st->listen_pst != PGRES_POLLING_OK) {
		if (now - st->listen_since > STORE_PG_DEADLINE)
			return store_pg_listen_fail(st, "PostgreSQL did not "
			    "answer in time", cause);
		n = store_pg_poll(st->listen, st->listen_pst ==
		    PGRES_POLLING_READING ? POLLIN : POLLOUT, now);
		if (n == -1)
			return store_pg_listen_fail(st, NULL, cause);
		if (n == 0) {
			/* Not yet: look again next time. */
			if (st->listen_why == NULL)
				return 0;
			*cause = xasprintf("listening: %s", st->listen_why);
			return -1;
		}
		pst = PQconnectPoll(st->listen);
		if (pst == PGRES_POLLING_FAILED)
			return store_pg_listen_fail(st, NULL, cause);
		st->listen_pst = pst;
	}
	PQsetNoticeProcessor(st->listen, store_pg_notice, NULL);
	if (PQsetnonblocking(st->listen, 1) != 0 ||
	    !PQsendQuery(st->listen, "LISTEN concord; LISTEN concord_lease; "
	    "LISTEN concord_tele"))
		return store_pg_listen_fail(st, NULL, cause);
	res = store_pg_answer(st->listen, now + STORE_PG_DEADLINE, &late);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		return store_pg_listen_fail(st, late ? "PostgreSQL did not "
		    "answer in time" : NULL, cause);
	}
	PQclear(res);
	st->listening = 1;
	st->probed = now;
	free(st->listen_why);
	st->listen_why = NULL;
	return 1;
}

/*
 * At open, before the hub loads anything: LISTEN at once (within the
 * deadline), so that whatever another hub commits after the load is
 * heard and nothing needs to be read again.  If it cannot, store_notified
 * goes on trying, and says everything must be read again once it can.
 */
static void
store_pg_listen_first(struct store_pg *st)
{
	int64_t	deadline = util_clock_mono_ms() + STORE_PG_DEADLINE;
	char	*cause = NULL;
	int	 rc;

	while ((rc = store_pg_listen(st, &cause)) == 0 && st->listen != NULL &&
	    util_clock_mono_ms() < deadline)
		store_pg_poll(st->listen, st->listen_pst ==
		    PGRES_POLLING_READING ? POLLIN : POLLOUT,
		    util_clock_mono_ms() + 50);
	free(cause);
}

/*
 * Read what the LISTEN connection has without waiting, and ask the
 * server SELECT 1 every STORE_PG_PROBE ms: an answer later than
 * STORE_PG_DEADLINE ms loses the connection.  Returns 0, or -1 with
 * *cause.
 */
static int
store_pg_probe(struct store_pg *st, char **cause)
{
	PGresult	*res;
	int64_t		 now = util_clock_mono_ms();

	if (PQstatus(st->listen) != CONNECTION_OK ||
	    PQconsumeInput(st->listen) == 0 || PQflush(st->listen) == -1)
		return store_pg_listen_fail(st, NULL, cause);
	if (st->probe_sent != 0) {
		while (!PQisBusy(st->listen)) {
			if ((res = PQgetResult(st->listen)) == NULL) {
				st->probe_sent = 0;
				st->probed = now;
				break;
			}
			PQclear(res);
		}
		if (st->probe_sent != 0 &&
		    now - st->probe_sent > STORE_PG_DEADLINE) {
			*cause = xasprintf("PostgreSQL did not answer within "
			    "%d ms", STORE_PG_DEADLINE);
			store_pg_unlisten(st, *cause);
			if (st->conn != NULL && !st->intx)
				store_pg_drop(st, *cause);
			free(*cause);
			*cause = xasprintf("listening: %s", st->listen_why);
			return -1;
		}
	} else if (now - st->probed >= STORE_PG_PROBE) {
		if (!PQsendQuery(st->listen, "SELECT 1"))
			return store_pg_listen_fail(st, NULL, cause);
		st->probe_sent = now;
		if (PQflush(st->listen) == -1)
			return store_pg_listen_fail(st, NULL, cause);
	}
	return 0;
}

static int
store_pg_notified(struct store *base, store_notify_fn *fn, void *arg,
    char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGnotify	*n;
	char		*sp, *end;
	long long	 seq;
	int		 calls = 0, rc;

	if (!st->listening) {
		if ((rc = store_pg_listen(st, cause)) <= 0)
			return rc;
		fn(NULL, 0, NULL, arg);	/* anything may have been missed */
		calls++;
	}
	if (store_pg_probe(st, cause) != 0)
		return -1;
	while ((n = PQnotifies(st->listen)) != NULL) {
		if (st->conn != NULL && n->be_pid == PQbackendPID(st->conn))
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

	return st->conn == NULL || PQstatus(st->conn) != CONNECTION_OK;
}

static int
store_pg_duplicate(struct store *base)
{
	struct store_pg	*st = (struct store_pg *)base;

	return st->duplicate;
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
 * Send sql on the leader's connection and wait at most STORE_PG_DEADLINE
 * ms for the answer: the result, which the caller frees with PQclear, or
 * NULL.
 */
static PGresult *
store_pg_elect_exec(struct store_pg *st, const char *sql)
{
	int	late;

	if (!PQsendQuery(st->elect, sql))
		return NULL;
	return store_pg_answer(st->elect,
	    util_clock_mono_ms() + STORE_PG_DEADLINE, &late);
}

/*
 * Open the leader's connection, within the deadline, asking the server to
 * probe it when idle so that a hub cut off loses the lock in seconds; 0,
 * or -1 with *cause.
 */
static int
store_pg_elect_open(struct store_pg *st, char **cause)
{
	PGresult	*res;
	char		*why;

	if ((st->elect = store_pg_connect(st->conninfo,
	    STORE_PG_NAME " (leader)", &why)) == NULL) {
		*cause = xasprintf("electing: %s", why);
		free(why);
		return -1;
	}
	/* Best effort: the lock is released however the session ends. */
	res = store_pg_elect_exec(st, "SET tcp_keepalives_idle = 5; "
	    "SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3");
	PQclear(res);
	return 0;
}

/*
 * Whoever holds the advisory lock leads.  The leader's connection is
 * opened, and the lock tried, only while the LISTEN connection has not
 * failed (the database answers), so a lost database costs the loop no
 * wait here; a
 * leader that cannot say it still holds the lock (no answer in time, or
 * the database lost) lets go of it by closing the connection: it never
 * goes on issuing expiries on a lock it may have lost.
 */
static int
store_pg_leader(struct store *base, char **cause)
{
	struct store_pg	*st = (struct store_pg *)base;
	PGresult	*res;
	const char	*sql;
	char		*why;
	int		 yes;

	if (st->elect != NULL && PQstatus(st->elect) != CONNECTION_OK)
		store_pg_unelect(st);
	if (st->listen_why != NULL) {	/* lost, and not back yet */
		store_pg_unelect(st);
		*cause = xasprintf("electing: %s", st->listen_why);
		return -1;
	}
	if (st->elect == NULL && store_pg_elect_open(st, cause) != 0)
		return -1;
	if (st->leading)
		sql = "SELECT true";	/* still there? */
	else
		sql = "SELECT pg_try_advisory_lock(" STORE_PG_LEADER ")";
	res = store_pg_elect_exec(st, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		why = store_pg_line(PQerrorMessage(st->elect), "no answer "
		    "in time");
		*cause = xasprintf("electing: %s", why);
		free(why);
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
	.name = "postgres",
	.close = store_pg_close,
	.begin = store_pg_begin,
	.append = store_pg_append,
	.commit = store_pg_commit,
	.rollback = store_pg_rollback,
	.incident_next = store_pg_incident_next,
	.incidents = store_pg_incidents,
	.op_seq = store_pg_op_seq,
	.events = store_pg_events,
	.wire = store_pg_wire,
	.wire_set = store_pg_wire_set,
	.head = store_pg_lock_head,
	.reserve = store_pg_reserve,
	.notified = store_pg_notified,
	.lost = store_pg_lost,
	.renewed = store_pg_renewed,
	.notify_fd = store_pg_notify_fd,
	.leader = store_pg_leader,
	.sample = store_pg_sample,
	.samples = store_pg_samples,
	.incident_for = store_pg_incident_for,
	.duplicate = store_pg_duplicate,
};
