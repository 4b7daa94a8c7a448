/*
 * Unit tests of the store, on a real SQLite file in a private directory:
 * what is committed is read back in order with its chain values and
 * survives closing and reopening; a rolled-back batch leaves nothing; an
 * operation id is found by its seq; incident numbers go on from the
 * largest used; reading from the middle, and at most N, works; a second
 * opener of the same directory is refused while the first holds it.  Wire
 * forms are read back as stored, a row without one is an error until it
 * is set, and a store made before they were kept opens and takes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "store.h"
#include "util.h"

static char	dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/concord-test-store.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	*cmd;

	(void)state;
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		print_error("cannot remove %s\n", dir);
	free(cmd);
	return 0;
}

/* A note event at seq with an op id, its hash made up from seq. */
static void
note(struct core_event *e, unsigned char *hash, int64_t seq, const char *op)
{
	core_event_init(e);
	e->seq = seq;
	e->time = 1795356131000LL + seq;
	e->actor = xstrdup("alice");
	e->roles = xstrdup("");
	e->op = xstrdup(op);
	e->type = CORE_NOTE;
	e->text = xasprintf("note %lld", (long long)seq);
	memset(hash, (int)seq, CORE_HASH_LEN);
}

struct seen {
	int64_t	seqs[16];
	size_t	n;
	int	hashes_ok;
};

/* The wire form the test stores for seq (any bytes would do). */
static char *
wire_of(int64_t seq)
{
	return xasprintf("{\"seq\":%lld,\"test\":1}", (long long)seq);
}

static int
collect(const struct core_event *e, const struct store_row *r, void *arg)
{
	struct seen	*s = arg;
	unsigned char	 want[CORE_HASH_LEN];
	char		*w = wire_of(e->seq);

	memset(want, (int)e->seq, sizeof want);
	if (memcmp(r->hash, want, sizeof want) != 0 || e->text == NULL ||
	    r->seq != e->seq || r->wire == NULL || r->wirelen != strlen(w) ||
	    memcmp(r->wire, w, r->wirelen) != 0)
		s->hashes_ok = 0;
	if (s->n < 16)
		s->seqs[s->n++] = e->seq;
	free(w);
	return 0;
}

static int
collect_wire(const struct store_row *r, void *arg)
{
	struct seen	*s = arg;
	char		*w = wire_of(r->seq);

	if (r->body != NULL || r->wire == NULL || r->wirelen != strlen(w) ||
	    memcmp(r->wire, w, r->wirelen) != 0)
		s->hashes_ok = 0;
	if (s->n < 16)
		s->seqs[s->n++] = r->seq;
	free(w);
	return 0;
}

static void
append(struct store *st, int64_t from, int64_t to, const char *tag)
{
	struct core_event	 e;
	struct store_row	 r;
	struct buf		 b;
	unsigned char		 hash[CORE_HASH_LEN];
	char			*cause = NULL, op[32], *w;
	int64_t			 i;

	for (i = from; i <= to; i++) {
		snprintf(op, sizeof op, "%s%lld", tag, (long long)i);
		note(&e, hash, i, op);
		util_buf_init(&b);
		core_event_encode(&e, &b);
		w = wire_of(i);
		memset(&r, 0, sizeof r);
		r.seq = i;
		r.op = e.op;
		r.body = b.data;
		r.bodylen = b.len;
		r.hash = hash;
		r.wire = w;
		r.wirelen = strlen(w);
		if (store_append(st, "INC-1", &r, &cause) != 0)
			fail_msg("append %lld: %s", (long long)i, cause);
		free(w);
		util_buf_clear(&b);
		core_event_clear(&e);
	}
}

/* Run SQL on the store in dir with the sqlite3 program; its status. */
static int
sql_run(const char *data, const char *sql)
{
	char	*cmd;
	int	 rc;

	cmd = xasprintf("sqlite3 '%s/concord.db' '%s'", data, sql);
	rc = system(cmd);
	free(cmd);
	return rc;
}

static void
test_log(void **state)
{
	struct store	*st, *other;
	struct seen	 s;
	char		*cause = NULL, *data;

	(void)state;
	data = xasprintf("%s/data", dir);
	if ((st = store_open(data, NULL, &cause)) == NULL)
		fail_msg("open: %s", cause);
	assert_int_equal(store_incident_next(st), 1);

	assert_int_equal(store_begin(st, &cause), 0);
	append(st, 1, 3, "op");
	assert_int_equal(store_commit(st, &cause), 0);
	/* A batch rolled back is not there. */
	assert_int_equal(store_begin(st, &cause), 0);
	append(st, 4, 5, "gone");
	store_rollback(st);

	memset(&s, 0, sizeof s);
	s.hashes_ok = 1;
	assert_int_equal(store_events(st, "INC-1", 0, 100, collect, &s,
	    &cause), 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seqs[0], 1);
	assert_int_equal(s.seqs[2], 3);
	assert_true(s.hashes_ok);
	assert_int_equal(store_op_seq(st, "INC-1", "op2"), 2);
	assert_int_equal(store_op_seq(st, "INC-1", "gone4"), 0);
	assert_int_equal(store_op_seq(st, "INC-2", "op2"), 0);
	assert_int_equal(store_incident_next(st), 2);

	/* The directory is locked while open. */
	other = store_open(data, NULL, &cause);
	assert_null(other);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	store_close(st);

	/* Reopened: the same log; reading after seq 1, at most 1 event. */
	if ((st = store_open(data, NULL, &cause)) == NULL)
		fail_msg("reopen: %s", cause);
	memset(&s, 0, sizeof s);
	s.hashes_ok = 1;
	assert_int_equal(store_events(st, "INC-1", 1, 1, collect, &s,
	    &cause), 1);
	assert_int_equal(s.seqs[0], 2);
	assert_true(s.hashes_ok);

	/* Wire forms are read as they were stored, without decoding. */
	memset(&s, 0, sizeof s);
	s.hashes_ok = 1;
	assert_int_equal(store_wire(st, "INC-1", 1, 5, collect_wire, &s,
	    &cause), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.seqs[1], 3);
	assert_true(s.hashes_ok);

	/* A row without a wire form cannot be served; setting it mends it. */
	assert_int_equal(sql_run(data, "UPDATE events SET wire ="
	    " NULL WHERE seq = 2"), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_wire(st, "INC-1", 0, 5, collect_wire, &s,
	    &cause), -1);
	assert_non_null(strstr(cause, "event 2 has no wire form"));
	free(cause);
	cause = NULL;
	assert_int_equal(s.n, 1);
	assert_int_equal(store_wire_set(st, "INC-1", 2, "{\"seq\":2,"
	    "\"test\":1}", 18, &cause), 0);
	memset(&s, 0, sizeof s);
	s.hashes_ok = 1;
	assert_int_equal(store_wire(st, "INC-1", 0, 5, collect_wire, &s,
	    &cause), 3);
	assert_true(s.hashes_ok);
	store_close(st);
	free(data);
}

/*
 * A store made before wire forms were kept (schema 0: no wire column)
 * opens, keeps its events, gains the column empty, and takes new events
 * with their wire forms.
 */
static void
test_upgrade(void **state)
{
	struct store	*st;
	struct seen	 s;
	char		*cause = NULL, *data, *cmd;

	(void)state;
	data = xasprintf("%s/old", dir);
	cmd = xasprintf("mkdir -p '%s' && sqlite3 '%s/concord.db' "
	    "\"CREATE TABLE events (incident TEXT NOT NULL, seq INTEGER NOT "
	    "NULL, op TEXT, body BLOB NOT NULL, hash BLOB NOT NULL, PRIMARY KEY"
	    " (incident, seq)) WITHOUT ROWID; CREATE UNIQUE INDEX events_op ON"
	    " events (incident, op) WHERE op IS NOT NULL; INSERT INTO events "
	    "VALUES ('INC-1', 1, 'op1', CAST('seq 1' || char(10) || 'time 5' "
	    "|| char(10) || 'actor alice' || char(10) || 'type note' || "
	    "char(10) AS BLOB), zeroblob(32))\"", data, data);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	if ((st = store_open(data, NULL, &cause)) == NULL)
		fail_msg("open: %s", cause);
	assert_int_equal(store_op_seq(st, "INC-1", "op1"), 1);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_wire(st, "INC-1", 0, 5, collect_wire, &s,
	    &cause), -1);
	assert_non_null(strstr(cause, "has no wire form"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_begin(st, &cause), 0);
	append(st, 2, 3, "new");
	assert_int_equal(store_commit(st, &cause), 0);
	memset(&s, 0, sizeof s);
	s.hashes_ok = 1;
	assert_int_equal(store_wire(st, "INC-1", 1, 5, collect_wire, &s,
	    &cause), 2);
	assert_true(s.hashes_ok);
	store_close(st);
	/* Opened again, nothing more to do. */
	if ((st = store_open(data, NULL, &cause)) == NULL)
		fail_msg("reopen: %s", cause);
	assert_int_equal(store_incident_next(st), 2);
	store_close(st);
	free(data);
}

/*
 * The --store specs: SQLite, PostgreSQL URLs and connection strings; an
 * unknown one is refused before anything is opened or locked, and the
 * SQLite store is never shared.
 */
static void
test_spec(void **state)
{
	struct store	*st;
	char		*cause = NULL, *data;

	(void)state;
	assert_true(store_spec_valid("sqlite"));
	assert_true(store_spec_valid("postgres://u@db/concord"));
	assert_true(store_spec_valid("postgresql://db:5433/concord"));
	assert_true(store_spec_valid("postgres:"));
	assert_true(store_spec_valid("postgres:host=/run/postgresql"));
	assert_true(store_spec_valid("host=db dbname=concord"));
	assert_false(store_spec_valid("mysql://db"));
	assert_false(store_spec_valid("/var/lib/concord"));
	data = xasprintf("%s/spec", dir);
	assert_null(store_open(data, "redis://x", &cause));
	assert_non_null(strstr(cause, "unknown store"));
	free(cause);
	cause = NULL;
	assert_int_equal(access(data, F_OK), -1);	/* nothing made */
	if ((st = store_open(data, "sqlite", &cause)) == NULL)
		fail_msg("open: %s", cause);
	assert_string_equal(store_kind(st), "sqlite");
	assert_false(store_shared(st));
	assert_false(store_lost(st));
	assert_int_equal(store_incident_reserve(st, 7, &cause), 7);
	store_close(st);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_spec),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
