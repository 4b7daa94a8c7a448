/*
 * Unit tests of export: times are rendered in local time (TZ is pinned to
 * UTC by the test runner), a note written offline shows when it was
 * written, a timeline line names the seq, actor and roles, the JSON export
 * decodes back to the same events and chain values (and so verifies
 * offline), and the Markdown timeline marks key moments and amendments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core.h"
#include "export.h"
#include "proto.h"
#include "util.h"

#define T0	1795356131000LL		/* 2026-11-22 14:02:11 UTC */
#define NEV	5

struct log {
	struct core_state	 st;
	struct core_event	 ev[NEV];
	unsigned char		 hash[NEV][CORE_HASH_LEN];
	size_t			 n;
};

/* Fold e (filled by the caller) in as the next event. */
static void
log_add(struct log *l, struct core_event *e, const char *actor, int64_t t)
{
	struct core_ctx	ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.now = t;
	ctx.wall = t;
	e->seq = l->st.seq + 1;
	e->time = t;
	e->actor = xstrdup(actor);
	e->roles = core_state_roles(&l->st, actor);
	core_state_apply(&l->st, e, &ctx);
	memcpy(l->hash[l->n], l->st.chain, CORE_HASH_LEN);
	l->ev[l->n++] = *e;
}

static void
log_build(struct log *l)
{
	struct core_event	e;

	memset(l, 0, sizeof *l);
	core_state_init(&l->st, "INC-7");
	core_event_init(&e);
	e.type = CORE_OPEN;
	e.text = xstrdup("Checkout p99");
	e.sev = 1;
	log_add(l, &e, "alice", T0);
	core_event_init(&e);
	e.type = CORE_NOTE;
	e.text = xstrdup("p99 840 ms");
	log_add(l, &e, "alice", T0 + 4000);
	core_event_init(&e);
	e.type = CORE_NOTE;
	e.text = xstrdup("typed on the train");
	e.written = T0 - 3600000;	/* an hour before, offline */
	log_add(l, &e, "bob", T0 + 9000);
	core_event_init(&e);
	e.type = CORE_MARK;
	e.ref = 2;
	e.kind = xstrdup("detection");
	log_add(l, &e, "alice", T0 + 10000);
	core_event_init(&e);
	e.type = CORE_AMEND;
	e.ref = 2;
	e.text = xstrdup("p99 850 ms");
	log_add(l, &e, "alice", T0 + 11000);
}

static void
log_free(struct log *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		core_event_clear(&l->ev[i]);
	core_state_clear(&l->st);
}

static void
test_time(void **state)
{
	char	buf[32];

	(void)state;
	export_time(T0, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-22 14:02:11");
}

static void
test_written(void **state)
{
	struct log	l;
	char		buf[48];

	(void)state;
	log_build(&l);
	export_written(&l.ev[1], buf, sizeof buf);
	assert_string_equal(buf, "");
	export_written(&l.ev[2], buf, sizeof buf);
	assert_string_equal(buf, "written 13:02:11");
	log_free(&l);
}

static void
test_event_line(void **state)
{
	struct log	 l;
	char		*line;

	(void)state;
	log_build(&l);
	line = export_event_line(&l.ev[1]);
	assert_non_null(strstr(line, "2026-11-22 14:02:15"));
	assert_non_null(strstr(line, "#2 "));
	assert_non_null(strstr(line, "alice (ic)"));
	assert_non_null(strstr(line, "p99 840 ms"));
	free(line);
	line = export_event_line(&l.ev[2]);
	assert_non_null(strstr(line, "(written 13:02:11)"));
	assert_non_null(strstr(line, "bob"));
	assert_null(strchr(line, '\n'));
	free(line);
	log_free(&l);
}

static void
test_json_round_trip(void **state)
{
	struct log		  l;
	struct buf		  b;
	struct core_event	 *ev = NULL;
	unsigned char		(*hashes)[CORE_HASH_LEN] = NULL;
	unsigned char		  head_chain[CORE_HASH_LEN];
	char			 *id = NULL, *cause = NULL;
	int64_t			  head = 0;
	size_t			  n = 0, i;

	(void)state;
	log_build(&l);
	util_buf_init(&b);
	export_json(&l.st, l.ev, l.hash, l.n, &b);
	if (proto_export_decode(b.data, b.len, &id, &ev, &hashes, &n, &head,
	    head_chain, &cause) != 0)
		fail_msg("the export does not decode: %s", cause);
	assert_string_equal(id, "INC-7");
	assert_int_equal(n, l.n);
	assert_int_equal(head, l.st.seq);
	assert_memory_equal(head_chain, l.st.chain, CORE_HASH_LEN);
	for (i = 0; i < n; i++) {
		assert_true(core_event_equal(&ev[i], &l.ev[i]));
		assert_memory_equal(hashes[i], l.hash[i], CORE_HASH_LEN);
	}
	for (i = 0; i < n; i++)
		core_event_clear(&ev[i]);
	free(ev);
	free(hashes);
	free(id);
	util_buf_clear(&b);
	log_free(&l);
}

static void
test_markdown(void **state)
{
	struct log	l;
	struct buf	b;

	(void)state;
	log_build(&l);
	util_buf_init(&b);
	export_md(&l.st, l.ev, l.n, &b);
	assert_non_null(strstr(b.data, "Checkout p99"));
	/* The amended note shows its latest text, and what it was. */
	assert_non_null(strstr(b.data, "p99 850 ms"));
	assert_non_null(strstr(b.data, "p99 840 ms"));
	assert_non_null(strstr(b.data, "detection"));
	assert_non_null(strstr(b.data, "written 13:02:11"));
	util_buf_clear(&b);
	log_free(&l);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_written),
		cmocka_unit_test(test_event_line),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_markdown),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
