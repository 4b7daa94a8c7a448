/*
 * Unit tests of export: times are rendered in local time (TZ is pinned to
 * UTC by the test runner), a note written offline shows when it was
 * written, a timeline line names the seq, actor and roles, the JSON export
 * decodes back to the same events and chain values (and so verifies
 * offline), the Markdown timeline marks key moments and amendments and
 * states each action's last episode (no fence for one never claimed), and
 * text is made safe for a terminal (escapes, bidi overrides, ASCII).
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
	free(line);
	/* Nothing raw reaches a terminal: escapes are written out. */
	free(l.ev[2].text);
	l.ev[2].text = xstrdup("x\033]0;pwned\007 \xe2\x80\xae");
	line = export_event_line(&l.ev[2]);
	assert_non_null(strstr(line, "x\\e]0;pwned\\a \\u202e"));
	assert_null(strchr(line, '\033'));
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

static void
test_text(void **state)
{
	char	*s;

	(void)state;
	/* Escape sequences, a bell and a bidi override: written out. */
	s = export_text("a\033[2J\033]0;pwned\007 b\xe2\x80\xae c",
	    EXPORT_TEXT_SAFE);
	assert_string_equal(s, "a\\e[2J\\e]0;pwned\\a b\\u202e c");
	free(s);
	/* Only controls: the override stays (the protocol takes it). */
	s = export_text("x\033y\xe2\x80\xaez\r", EXPORT_TEXT_CONTROLS);
	assert_string_equal(s, "x\\ey\xe2\x80\xaez\\r");
	free(s);
	/* C1 controls, DEL, isolates, a bad byte. */
	s = export_text("\xc2\x9b" "1m\x7f\xe2\x81\xa6\xff",
	    EXPORT_TEXT_SAFE);
	assert_string_equal(s, "\\u009b1m\\x7f\\u2066\\xff");
	free(s);
	/* Tabs and line feeds: kept, or spaces on one line. */
	s = export_text("a\tb\nc", EXPORT_TEXT_SAFE);
	assert_string_equal(s, "a\tb\nc");
	free(s);
	s = export_text("a\tb\nc", EXPORT_TEXT_SAFE | EXPORT_TEXT_LINE);
	assert_string_equal(s, "a b c");
	free(s);
	/* ASCII: one "?" a character, never one a byte. */
	s = export_text("wide \xe6\x97\xa5\xe6\x9c\xac \xe2\x9c\x93 "
	    "\xc3\xbcn", EXPORT_TEXT_SAFE | EXPORT_TEXT_ASCII);
	assert_string_equal(s, "wide ?? ? ?n");
	free(s);
	s = export_text("plain text", EXPORT_TEXT_SAFE);
	assert_string_equal(s, "plain text");
	free(s);
	s = export_text(NULL, EXPORT_TEXT_SAFE);
	assert_string_equal(s, "");
	free(s);
}

/* An event for the episodes log, folded in as the next. */
static void
ep_add(struct core_state *st, struct core_event *ev, size_t *n,
    const char *actor, enum core_type type, const char *name,
    const char *text)
{
	struct core_ctx		 ctx;
	struct core_event	*e = &ev[*n];

	core_event_init(e);
	e->type = type;
	e->name = core_strdup_or_null(name);
	e->text = core_strdup_or_null(text);
	if (type == CORE_OPEN)
		e->sev = 2;
	if (type == CORE_CLAIM)
		e->ttl = 30000;
	if (type == CORE_DONE)
		e->outcome = xstrdup("failed");
	if (type == CORE_RELEASE || type == CORE_DONE || type == CORE_EXPIRE ||
	    type == CORE_BREAK)
		e->fence = core_state_action(st, name)->fence;
	memset(&ctx, 0, sizeof ctx);
	ctx.actor = actor;
	ctx.now = ctx.wall = T0 + (int64_t)*n * 1000;
	e->seq = st->seq + 1;
	e->time = ctx.wall;
	e->actor = xstrdup(actor);
	core_state_apply(st, e, &ctx);
	(*n)++;
}

/* The Markdown row of an action. */
static char *
md_row(const char *md, const char *name)
{
	char		*needle = xasprintf("| %s |", name);
	const char	*p = strstr(md, needle), *end;

	free(needle);
	if (p == NULL)
		return xstrdup("");
	end = strchr(p, '\n');
	return xstrndup(p, (size_t)(end - p));
}

static void
test_episodes(void **state)
{
	struct core_state	 st;
	struct core_event	 ev[16];
	struct buf		 b;
	char			*row;
	size_t			 n = 0, i;

	(void)state;
	core_state_init(&st, "INC-3");
	ep_add(&st, ev, &n, "alice", CORE_OPEN, NULL, "db down");
	ep_add(&st, ev, &n, "alice", CORE_DECLARE, "never", NULL);
	ep_add(&st, ev, &n, "alice", CORE_DECLARE, "lapsed", NULL);
	ep_add(&st, ev, &n, "alice", CORE_DECLARE, "broken", NULL);
	ep_add(&st, ev, &n, "alice", CORE_DECLARE, "given", NULL);
	ep_add(&st, ev, &n, "alice", CORE_DECLARE, "tried", NULL);
	ep_add(&st, ev, &n, "alice", CORE_DECLARE, "held", NULL);
	ep_add(&st, ev, &n, "bob", CORE_CLAIM, "lapsed", NULL);
	ep_add(&st, ev, &n, "concordd", CORE_EXPIRE, "lapsed", NULL);
	ep_add(&st, ev, &n, "carol", CORE_CLAIM, "broken", NULL);
	ep_add(&st, ev, &n, "alice", CORE_BREAK, "broken", "stuck | gone");
	ep_add(&st, ev, &n, "bob", CORE_CLAIM, "given", NULL);
	ep_add(&st, ev, &n, "bob", CORE_RELEASE, "given", NULL);
	ep_add(&st, ev, &n, "dave", CORE_CLAIM, "tried", NULL);
	ep_add(&st, ev, &n, "dave", CORE_DONE, "tried", "timed out");
	ep_add(&st, ev, &n, "erin", CORE_CLAIM, "held", NULL);
	util_buf_init(&b);
	export_md(&st, ev, n, &b);
	row = md_row(b.data, "never");
	assert_string_equal(row, "| never | free | - | - | never claimed |  |");
	free(row);
	row = md_row(b.data, "lapsed");
	assert_string_equal(row, "| lapsed | free | - | 8 | expired (held by "
	    "bob) |  |");
	free(row);
	row = md_row(b.data, "broken");
	assert_string_equal(row, "| broken | free | - | 10 | broken by alice: "
	    "stuck \\| gone (held by carol) |  |");
	free(row);
	row = md_row(b.data, "given");
	assert_string_equal(row, "| given | free | - | 12 | released by bob |"
	    "  |");
	free(row);
	row = md_row(b.data, "tried");
	assert_string_equal(row, "| tried | free | - | 14 | done by dave: "
	    "failed (timed out) |  |");
	free(row);
	row = md_row(b.data, "held");
	assert_string_equal(row, "| held | held | erin | 16 | claimed by erin "
	    "14:02:26 |  |");
	free(row);
	util_buf_clear(&b);
	for (i = 0; i < n; i++)
		core_event_clear(&ev[i]);
	core_state_clear(&st);
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
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_episodes),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
