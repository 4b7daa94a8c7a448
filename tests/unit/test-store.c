/*
 * Unit tests of the store, on a real SQLite file in a private directory:
 * what is committed is read back in order with its chain values and
 * survives closing and reopening; a rolled-back batch leaves nothing; an
 * operation id is found by its seq; incident numbers go on from the
 * largest used; reading from the middle, and at most N, works; a second
 * opener of the same directory is refused while the first holds it.
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

static int
collect(const struct core_event *e, const unsigned char *hash, void *arg)
{
	struct seen	*s = arg;
	unsigned char	 want[CORE_HASH_LEN];

	memset(want, (int)e->seq, sizeof want);
	if (memcmp(hash, want, sizeof want) != 0 || e->text == NULL)
		s->hashes_ok = 0;
	if (s->n < 16)
		s->seqs[s->n++] = e->seq;
	return 0;
}

static void
append(struct store *st, int64_t from, int64_t to, const char *tag)
{
	struct core_event	 e;
	unsigned char		 hash[CORE_HASH_LEN];
	char			*cause = NULL, op[32];
	int64_t			 i;

	for (i = from; i <= to; i++) {
		snprintf(op, sizeof op, "%s%lld", tag, (long long)i);
		note(&e, hash, i, op);
		if (store_append(st, "INC-1", &e, hash, &cause) != 0)
			fail_msg("append %lld: %s", (long long)i, cause);
		core_event_clear(&e);
	}
}

static void
test_log(void **state)
{
	struct store	*st, *other;
	struct seen	 s;
	char		*cause = NULL, *data;

	(void)state;
	data = xasprintf("%s/data", dir);
	if ((st = store_open(data, &cause)) == NULL)
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
	other = store_open(data, &cause);
	assert_null(other);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	store_close(st);

	/* Reopened: the same log; reading after seq 1, at most 1 event. */
	if ((st = store_open(data, &cause)) == NULL)
		fail_msg("reopen: %s", cause);
	memset(&s, 0, sizeof s);
	s.hashes_ok = 1;
	assert_int_equal(store_events(st, "INC-1", 1, 1, collect, &s,
	    &cause), 1);
	assert_int_equal(s.seqs[0], 2);
	assert_true(s.hashes_ok);
	store_close(st);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_log),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
