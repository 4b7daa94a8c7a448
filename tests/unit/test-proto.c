/*
 * Unit tests of the wire protocol: strict decoding (every malformed or
 * mistyped message is an error with a reason, never a crash), round trips
 * of every message kind, batched events, exports, and snapshots: a state
 * sent as a snapshot and decoded folds later events to the same chain as
 * the original.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"
#include "proto.h"
#include "util.h"

static int
decode_fails(const char *json, const char *why)
{
	struct proto_msg	 m;
	char			*cause = NULL;
	int			 rc;

	rc = proto_msg_decode(json, strlen(json), &m, &cause);
	if (rc == 0) {
		print_error("decoded, but should not have: %s\n", json);
		proto_msg_clear(&m);
		return 0;
	}
	if (cause == NULL || strstr(cause, why) == NULL) {
		print_error("cause \"%s\" lacks \"%s\" for %s\n",
		    cause != NULL ? cause : "(null)", why, json);
		free(cause);
		proto_msg_clear(&m);
		return 0;
	}
	free(cause);
	proto_msg_clear(&m);
	return 1;
}

static void
test_decode_rejects(void **state)
{
	char	*big;
	size_t	 n = PROTO_MAX_MSG + 10;

	(void)state;
	assert_true(decode_fails("{", "malformed JSON"));
	assert_true(decode_fails("", "malformed JSON"));
	assert_true(decode_fails("[1,2]", "must be a JSON object"));
	assert_true(decode_fails("{\"x\":1}", "missing field \"type\""));
	assert_true(decode_fails("{\"type\":7}", "\"type\" must be a string"));
	assert_true(decode_fails("{\"type\":\"frob\"}", "unknown message type"));
	assert_true(decode_fails("{\"type\":\"hello\",\"user\":\"a\"}",
	    "missing field \"proto\""));
	assert_true(decode_fails("{\"type\":\"hello\",\"proto\":1}",
	    "missing field \"user\""));
	assert_true(decode_fails("{\"type\":\"hello\",\"proto\":1.5,"
	    "\"user\":\"a\"}", "must be an integer"));
	assert_true(decode_fails("{\"type\":\"hello\",\"proto\":1e300,"
	    "\"user\":\"a\"}", "must be an integer"));
	assert_true(decode_fails("{\"type\":\"command\",\"cmd\":\"note\"}",
	    "missing field \"op\""));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"x\","
	    "\"cmd\":\"frob\"}", "unknown command"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"x\","
	    "\"cmd\":\"action.claim\",\"ttl\":\"abc\"}", "\"ttl\" must be a "
	    "number"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"x\","
	    "\"cmd\":\"action.declare\",\"after\":\"a\"}", "must be an array"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"x\","
	    "\"cmd\":\"action.declare\",\"after\":[1]}", "must be strings"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"x\","
	    "\"cmd\":\"action.declare\",\"after\":[\"a\",\"a\",\"a\",\"a\","
	    "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
	    "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
	    "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]}", "more than"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"xxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\","
	    "\"cmd\":\"note\"}", "at most 64 bytes"));
	assert_true(decode_fails("{\"type\":\"events\",\"items\":[{\"type\":"
	    "\"note\"}]}", "missing field \"hash\""));
	assert_true(decode_fails("{\"type\":\"events\",\"items\":[{\"type\":"
	    "\"note\",\"hash\":\"zz\"}]}", "64 hex digits"));
	big = xmalloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	assert_true(decode_fails(big, "over the"));
	free(big);
}

static void
roundtrip(struct proto_msg *in, struct proto_msg *out)
{
	struct buf	 b;
	char		*cause = NULL;

	util_buf_init(&b);
	proto_msg_encode(in, &b);
	if (proto_msg_decode(b.data, b.len, out, &cause) != 0)
		fail_msg("%s: %s", b.data, cause);
	util_buf_clear(&b);
	assert_int_equal(out->kind, in->kind);
}

static void
test_roundtrip(void **state)
{
	struct proto_msg	in, out;
	static char		*after[] = { (char *)"a", (char *)"b" };

	(void)state;
	proto_msg_init(&in, PROTO_HELLO);
	in.user = (char *)"bob";
	in.incident = (char *)"INC-3";
	in.from = 42;
	in.snapshot = 1;
	roundtrip(&in, &out);
	assert_string_equal(out.user, "bob");
	assert_string_equal(out.incident, "INC-3");
	assert_int_equal(out.from, 42);
	assert_int_equal(out.version, PROTO_VERSION);
	assert_true(out.snapshot);
	proto_msg_clear(&out);

	proto_msg_init(&in, PROTO_COMMAND);
	in.op = (char *)"op1";
	in.incident = (char *)"INC-3";
	in.based_on = 17;
	in.cmd.type = CORE_DECLARE;
	in.cmd.name = (char *)"purge-cache";
	in.cmd.text = (char *)"flush \"all\" \\ now\nplease ✓";
	in.cmd.after = after;
	in.cmd.nafter = 2;
	roundtrip(&in, &out);
	assert_string_equal(out.op, "op1");
	assert_int_equal(out.based_on, 17);
	assert_int_equal(out.cmd.type, CORE_DECLARE);
	assert_string_equal(out.cmd.name, "purge-cache");
	assert_string_equal(out.cmd.text, in.cmd.text);
	assert_int_equal(out.cmd.nafter, 2);
	assert_string_equal(out.cmd.after[1], "b");
	proto_msg_clear(&out);

	proto_msg_init(&in, PROTO_ACK);
	in.op = (char *)"op1";
	in.seq = 9;
	in.fence = 9;
	in.duplicate = 1;
	roundtrip(&in, &out);
	assert_int_equal(out.seq, 9);
	assert_int_equal(out.fence, 9);
	assert_true(out.duplicate);
	proto_msg_clear(&out);

	proto_msg_init(&in, PROTO_REFUSED);
	in.op = (char *)"op2";
	in.code = (char *)"held";
	in.message = (char *)"failover-db is held by bob";
	roundtrip(&in, &out);
	assert_string_equal(out.code, "held");
	assert_string_equal(out.message, in.message);
	proto_msg_clear(&out);

	proto_msg_init(&in, PROTO_PING);
	in.t = 123456;
	roundtrip(&in, &out);
	assert_int_equal(out.t, 123456);
	proto_msg_clear(&out);
}

/* Fold a few events into s (and optionally a second state). */
static void
fold(struct core_state *s, struct core_event *e, int64_t now)
{
	struct core_ctx		ctx;
	struct core_refusal	r;

	memset(&ctx, 0, sizeof ctx);
	ctx.actor = e->actor;
	ctx.now = now;
	ctx.wall = 1700000000000 + s->seq;
	ctx.based_on = s->seq;
	ctx.lock_delay = 5000;
	if (core_state_check(s, e, &ctx, &r) != 0)
		fail_msg("refused: %s", r.message);
	e->seq = s->seq + 1;
	e->time = ctx.wall;
	core_state_apply(s, e, &ctx);
}

static void
mk(struct core_event *e, enum core_type t, const char *actor, const char *name)
{
	core_event_init(e);
	e->type = t;
	e->actor = xstrdup(actor);
	if (name != NULL)
		e->name = xstrdup(name);
}

static void
test_snapshot(void **state)
{
	struct core_state	 s, *d;
	struct core_event	 e;
	struct proto_msg	 m;
	struct buf		 b;
	char			*cause = NULL;
	unsigned char		 chain[CORE_HASH_LEN];

	(void)state;
	core_state_init(&s, "INC-9");
	mk(&e, CORE_OPEN, "alice", NULL);
	e.text = xstrdup("db down");
	e.sev = 1;
	fold(&s, &e, 1000);
	core_event_clear(&e);
	mk(&e, CORE_DECLARE, "alice", "failover-db");
	fold(&s, &e, 1000);
	core_event_clear(&e);
	mk(&e, CORE_DECLARE, "alice", "purge");
	core_list_add(&e.after, &e.nafter, "failover-db");
	fold(&s, &e, 1000);
	core_event_clear(&e);
	mk(&e, CORE_ROLE_ASSIGN, "alice", NULL);
	e.user = xstrdup("bob");
	e.role = xstrdup("ops");
	fold(&s, &e, 1000);
	core_event_clear(&e);
	mk(&e, CORE_CLAIM, "bob", "failover-db");
	e.ttl = 20000;
	fold(&s, &e, 1000);
	core_event_clear(&e);

	util_buf_init(&b);
	proto_snapshot_encode(&s, 6000, &b);	/* 15 s left */
	if (proto_msg_decode(b.data, b.len, &m, &cause) != 0)
		fail_msg("%s", cause);
	util_buf_clear(&b);
	assert_int_equal(m.kind, PROTO_SNAPSHOT);
	d = m.state;
	assert_non_null(d);
	proto_snapshot_rebase(d, 50000);
	assert_int_equal(d->seq, s.seq);
	assert_memory_equal(d->chain, s.chain, CORE_HASH_LEN);
	assert_string_equal(d->ic, "alice");
	assert_string_equal(d->title, "db down");
	assert_int_equal(d->nactions, 2);
	assert_int_equal(d->actions[0].state, CORE_ACTION_HELD);
	assert_string_equal(d->actions[0].holder, "bob");
	assert_int_equal(d->actions[0].fence, s.actions[0].fence);
	assert_int_equal(d->actions[0].deadline, 50000 + 15000);
	assert_string_equal(d->actions[1].after[0], "failover-db");
	assert_string_equal(core_state_role(d, "ops")->user, "bob");

	/* The same later events fold to the same chain on both. */
	mk(&e, CORE_DONE, "bob", "failover-db");
	e.fence = s.actions[0].fence;
	e.outcome = xstrdup("success");
	fold(&s, &e, 2000);
	core_event_clear(&e);
	mk(&e, CORE_DONE, "bob", "failover-db");
	e.fence = d->actions[0].fence;
	e.outcome = xstrdup("success");
	fold(d, &e, 51000);
	core_event_clear(&e);
	mk(&e, CORE_CLAIM, "carol", "purge");
	fold(&s, &e, 2000);
	core_event_clear(&e);
	mk(&e, CORE_CLAIM, "carol", "purge");
	fold(d, &e, 51000);
	core_event_clear(&e);
	memcpy(chain, s.chain, CORE_HASH_LEN);
	assert_memory_equal(d->chain, chain, CORE_HASH_LEN);
	assert_int_equal(d->seq, s.seq);
	proto_msg_clear(&m);
	core_state_clear(&s);

	assert_true(decode_fails("{\"type\":\"snapshot\",\"incident\":\"I\","
	    "\"seq\":3,\"chain\":\"00\",\"state\":{}}", "64 hex digits"));
	assert_true(decode_fails("{\"type\":\"snapshot\",\"seq\":3}",
	    "needs \"incident\""));
}

static void
test_events_batch_and_export(void **state)
{
	struct core_event	 e;
	struct proto_msg	 m;
	struct buf		 b;
	unsigned char		 h[CORE_HASH_LEN], (*hashes)[CORE_HASH_LEN];
	unsigned char		 end[CORE_HASH_LEN];
	int64_t			 head;
	struct core_event	*ev;
	char			*cause = NULL, *id;
	size_t			 n, i;

	(void)state;
	memset(h, 7, sizeof h);
	util_buf_init(&b);
	proto_events_begin("INC-1", &b);
	for (i = 1; i <= 3; i++) {
		core_event_init(&e);
		e.seq = (int64_t)i;
		e.type = CORE_NOTE;
		e.actor = xstrdup("bob");
		e.text = xasprintf("note %zu", i);
		if (i > 1)
			util_buf_addc(&b, ',');
		proto_event_encode(&e, h, &b);
		core_event_clear(&e);
	}
	proto_events_end(&b);
	if (proto_msg_decode(b.data, b.len, &m, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(m.kind, PROTO_EVENTS);
	assert_string_equal(m.incident, "INC-1");
	assert_int_equal(m.nevents, 3);
	assert_string_equal(m.events[2].text, "note 3");
	assert_memory_equal(m.hashes[1], h, CORE_HASH_LEN);
	proto_msg_clear(&m);
	util_buf_clear(&b);

	util_buf_init(&b);
	util_buf_adds(&b, "{\"incident\":\"INC-4\",\"head\":1,\"chain\":"
	    "\"0707070707070707070707070707070707070707070707070707070707070707\","
	    "\"events\":[");
	core_event_init(&e);
	e.seq = 1;
	e.type = CORE_NOTE;
	e.actor = xstrdup("bob");
	e.text = xstrdup("x");
	proto_event_encode(&e, h, &b);
	core_event_clear(&e);
	util_buf_adds(&b, "]}");
	assert_int_equal(proto_export_decode(b.data, b.len, &id, &ev, &hashes,
	    &n, &head, end, &cause), 0);
	assert_string_equal(id, "INC-4");
	assert_int_equal(head, 1);
	assert_memory_equal(end, h, CORE_HASH_LEN);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].text, "x");
	core_event_clear(&ev[0]);
	free(ev);
	free(hashes);
	free(id);
	util_buf_clear(&b);
	assert_int_equal(proto_export_decode("{\"events\":[]}", 13, &id, &ev,
	    &hashes, &n, &head, end, &cause), -1);
	assert_non_null(strstr(cause, "not a concord export"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_events_batch_and_export),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
