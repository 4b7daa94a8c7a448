/*
 * Unit tests of the wire protocol: strict decoding (every malformed or
 * mistyped message is an error with a reason, never a crash), round trips
 * of every message kind, batched events, exports, and snapshots: a state
 * sent as a snapshot and decoded folds later events to the same chain as
 * the original.  Integers are exact on the wire (never through a double),
 * within each field's range; the wire and canonical decoders accept the
 * same events; an event the hub would log survives its encodings; and a
 * decoder that fails part-way leaks nothing.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "core.h"
#include "export.h"
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
	    "\"cmd\":\"note\"}", "\"op\" must be 1 to 64 bytes"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"\xff\","
	    "\"cmd\":\"note\"}", "\"op\" must be 1 to 64 bytes of UTF-8"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"\","
	    "\"cmd\":\"note\"}", "\"op\" must be 1 to 64 bytes"));
	assert_true(decode_fails("{\"type\":\"ping\",\"t\":1} {}",
	    "more after the value"));
	assert_true(decode_fails("{\"type\":\"ping\",\"t\":1}x",
	    "more after the value"));
	assert_true(decode_fails("{\"type\":\"hello\",\"proto\":1,"
	    "\"user\":\"a\",\"snapshot\":2}", "\"snapshot\" must be an "
	    "integer from 0 to 1"));
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
	struct buf		 b, b2;
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

	mk(&e, CORE_MARK, "bob", NULL);
	e.ref = 2;
	e.kind = xstrdup("diagnosis");
	fold(&s, &e, 1000);
	core_event_clear(&e);
	mk(&e, CORE_SUMMARY, "bob", NULL);
	e.text = xstrdup("failing over");
	fold(&s, &e, 1000);
	core_event_clear(&e);
	mk(&e, CORE_ACCESS, "alice", NULL);
	e.state = xstrdup("viewers");
	fold(&s, &e, 1000);
	core_event_clear(&e);
	assert_true(s.viewers);

	util_buf_init(&b);
	proto_snapshot_encode(&s, 6000, &b);	/* 15 s left */
	if (proto_msg_decode(b.data, b.len, &m, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(m.kind, PROTO_SNAPSHOT);
	d = m.state;
	assert_non_null(d);
	/* Every member comes back: encoded again, the same bytes. */
	util_buf_init(&b2);
	proto_snapshot_encode(d, 0, &b2);	/* deadlines are still "left" */
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	util_buf_clear(&b2);
	util_buf_clear(&b);
	assert_int_equal(d->nmoments, 1);
	assert_string_equal(d->moments[0].kind, "diagnosis");
	assert_string_equal(d->summary, "failing over");
	assert_true(d->viewers);
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
	mk(&e, CORE_CLAIM, "bob", "purge");
	fold(&s, &e, 2000);
	core_event_clear(&e);
	mk(&e, CORE_CLAIM, "bob", "purge");
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
	const char		*unhashed;
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
		if (i > 1) {
			proto_events_unhash(&b);
			util_buf_addc(&b, ',');
		}
		proto_event_encode(&e, h, &b);
		core_event_clear(&e);
	}
	proto_events_end(&b);
	/* Only the last event keeps its chain value. */
	assert_non_null(strstr(b.data, "\"hash\""));
	assert_null(strstr(strstr(b.data, "\"hash\"") + 1, "\"hash\""));
	assert_non_null(strstr(b.data, "\"text\":\"note 3\",\"hash\":"));
	if (proto_msg_decode(b.data, b.len, &m, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(m.kind, PROTO_EVENTS);
	assert_string_equal(m.incident, "INC-1");
	assert_int_equal(m.nevents, 3);
	assert_string_equal(m.events[0].text, "note 1");
	assert_string_equal(m.events[2].text, "note 3");
	assert_int_equal(m.hashed[0], 0);
	assert_int_equal(m.hashed[1], 0);
	assert_int_equal(m.hashed[2], 1);
	assert_memory_equal(m.hashes[2], h, CORE_HASH_LEN);
	proto_msg_clear(&m);
	/* Nothing to drop from a form without a hash, or from no form. */
	n = b.len;
	proto_events_unhash(&b);
	assert_int_equal(b.len, n);
	util_buf_clear(&b);

	/* The last event must carry its hash; an export's every event. */
	assert_true(decode_fails("{\"type\":\"events\",\"incident\":\"I\","
	    "\"items\":[{\"seq\":1,\"type\":\"note\",\"actor\":\"a\","
	    "\"text\":\"x\"}]}", "hash"));

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
	unhashed = "{\"incident\":\"I\",\"head\":2,\"chain\":\"07070707070707"
	    "07070707070707070707070707070707070707070707070707\",\"events\":["
	    "{\"seq\":1,\"type\":\"note\",\"actor\":\"a\",\"text\":\"x\"},"
	    "{\"seq\":2,\"type\":\"note\",\"actor\":\"a\",\"text\":\"y\","
	    "\"hash\":\"07070707070707070707070707070707070707070707070707070707"
	    "07070707\"}]}";
	assert_int_equal(proto_export_decode(unhashed, strlen(unhashed), &id,
	    &ev, &hashes, &n, &head, end, &cause), -1);
	assert_non_null(strstr(cause, "hash"));
	free(cause);
	assert_int_equal(proto_export_decode("{\"events\":[]}", 13, &id, &ev,
	    &hashes, &n, &head, end, &cause), -1);
	assert_non_null(strstr(cause, "not a concord export"));
	free(cause);
}

/* Decode a command message, which must succeed; the caller clears m. */
static void
decode_ok(const char *json, struct proto_msg *m)
{
	char	*cause = NULL;

	if (proto_msg_decode(json, strlen(json), m, &cause) != 0)
		fail_msg("%s: %s", json, cause);
}

/*
 * Integers travel exactly: read from the text they were written as, never
 * through a double, and written with %lld.  Any JSON form of an integer is
 * one; a fraction, or a value outside the field's range, is an error
 * naming the field.  (A force of 2^53 - 1 was once logged exactly but sent
 * on as 9.00719925474099e+15, breaking the chain for everyone.)
 */
static void
test_exact_integers(void **state)
{
	static const struct {
		const char	*num;
		int64_t		 want;
	} good[] = {
		{ "9007199254740991", 9007199254740991LL },
		{ "9007199254740991.0", 9007199254740991LL },
		{ "9.007199254740991e15", 9007199254740991LL },
		{ "900719925474099100e-2", 9007199254740991LL },
		{ "1e3", 1000 }, { "1E+3", 1000 }, { "1000.000", 1000 },
		{ "0", 0 }, { "-0", 0 }, { "0e999999999", 0 }, { "0.0", 0 },
		{ "true", 1 }, { "false", 0 },
	};
	static const struct {
		const char	*num;
		const char	*why;
	} bad[] = {
		{ "9007199254740992", "must be an integer from 0 to "
		    "9007199254740991" },
		{ "9007199254740993", "from 0 to 9007199254740991" },
		{ "99999999999999999999", "from 0 to 9007199254740991" },
		{ "1e16", "from 0 to" }, { "1e400", "from 0 to" },
		{ "-1", "from 0 to" },
		{ "1.5", "must be an integer" }, { "1e-3", "must be an integer" },
		{ "9007199254740991.5", "must be an integer" },
		{ "01", "in JSON's form" }, { "1.", "in JSON's form" },
		{ "-", "malformed JSON" }, { "\"5\"", "must be a number" },
		{ "[5]", "must be a number" },
	};
	struct proto_msg	 m, in;
	struct buf		 b;
	char			*json;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		json = xasprintf("{\"type\":\"command\",\"op\":\"o\","
		    "\"cmd\":\"action.release\",\"name\":\"x\",\"fence\":%s}",
		    good[i].num);
		decode_ok(json, &m);
		assert_int_equal(m.cmd.fence, good[i].want);
		proto_msg_clear(&m);
		free(json);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json = xasprintf("{\"type\":\"command\",\"op\":\"o\","
		    "\"cmd\":\"action.release\",\"name\":\"x\",\"fence\":%s}",
		    bad[i].num);
		assert_true(decode_fails(json, bad[i].why));
		free(json);
	}

	/* The finding itself: refused, naming the field and its range. */
	assert_true(decode_fails("{\"type\":\"command\",\"cmd\":\"command.take\","
	    "\"force\":9007199254740991,\"text\":\"gone\",\"op\":\"big\","
	    "\"incident\":\"INC-1\",\"based_on\":2}",
	    "field \"force\" must be an integer from 0 to 1"));

	/* Every range: sev 0-4, ttl up to 24 h, based_on not negative. */
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"o\","
	    "\"cmd\":\"sev\",\"sev\":5}", "\"sev\" must be an integer from 0 "
	    "to 4"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"o\","
	    "\"cmd\":\"action.claim\",\"ttl\":86400001}", "\"ttl\" must be an "
	    "integer from 0 to 86400000"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"o\","
	    "\"cmd\":\"note\",\"based_on\":-1}", "\"based_on\" must be an "
	    "integer from 0"));
	assert_true(decode_fails("{\"type\":\"command\",\"op\":\"o\","
	    "\"cmd\":\"note\",\"written\":-5}", "\"written\" must be an "
	    "integer from 0"));
	assert_true(decode_fails("{\"type\":\"ping\",\"t\":9007199254740992}",
	    "\"t\" must be an integer from -9007199254740991 to "
	    "9007199254740991"));
	decode_ok("{\"type\":\"ping\",\"t\":-9007199254740991}", &m);
	assert_int_equal(m.t, -9007199254740991LL);
	proto_msg_clear(&m);
	/* A hello's negative from means none, as absent does. */
	decode_ok("{\"type\":\"hello\",\"proto\":1,\"user\":\"a\",\"from\":-5}",
	    &m);
	assert_int_equal(m.from, -1);
	proto_msg_clear(&m);

	/* Written with %lld: the largest values, exactly, both ways. */
	proto_msg_init(&in, PROTO_COMMAND);
	in.op = (char *)"op1";
	in.based_on = CORE_INT_MAX;
	in.cmd.type = CORE_NOTE;
	in.cmd.text = (char *)"late";
	in.cmd.written = CORE_INT_MAX;
	in.cmd.fence = CORE_INT_MAX - 1;
	util_buf_init(&b);
	proto_msg_encode(&in, &b);
	assert_non_null(strstr(b.data, "\"based_on\":9007199254740991"));
	assert_non_null(strstr(b.data, "\"written\":9007199254740991"));
	assert_non_null(strstr(b.data, "\"fence\":9007199254740990"));
	assert_null(strstr(b.data, "e+"));
	decode_ok(b.data, &m);
	assert_int_equal(m.based_on, CORE_INT_MAX);
	assert_int_equal(m.cmd.written, CORE_INT_MAX);
	assert_int_equal(m.cmd.fence, CORE_INT_MAX - 1);
	assert_string_equal(m.cmd.op, "op1");
	/* One "op" member: the message's is the command's. */
	assert_null(strstr(strstr(b.data, "\"op\"") + 1, "\"op\""));
	proto_msg_clear(&m);
	util_buf_clear(&b);
}

/* An event as an events message, then decoded; 0 if it was accepted. */
static int
wire_accepts(const struct core_event *e, char **cause)
{
	static const unsigned char	 h[CORE_HASH_LEN];
	struct proto_msg		 m;
	struct buf			 b;
	int				 rc;

	util_buf_init(&b);
	proto_events_begin("INC-1", &b);
	proto_event_encode(e, h, &b);
	proto_events_end(&b);
	rc = proto_msg_decode(b.data, b.len, &m, cause);
	proto_msg_clear(&m);
	util_buf_clear(&b);
	return rc;
}

/* The canonical bytes of e, decoded; 0 if they were accepted. */
static int
canonical_accepts(const struct core_event *e, char **cause)
{
	struct core_event	d;
	struct buf		b;
	int			rc;

	util_buf_init(&b);
	core_event_encode(e, &b);
	rc = core_event_decode(b.data, b.len, &d, cause);
	if (rc == 0)
		core_event_clear(&d);
	util_buf_clear(&b);
	return rc;
}

/* A decoder's cause without the "event 1: " it may start with. */
static const char *
reason(const char *cause)
{
	if (strncmp(cause, "canonical event: ", 17) == 0)
		return cause + 17;
	if (strncmp(cause, "event 1: ", 9) == 0)
		return cause + 9;
	return cause;
}

/* Both decoders accept e, or both refuse it for the same reason. */
static void
assert_agree(const struct core_event *e, int want)
{
	char	*wc = NULL, *cc = NULL;
	int	 w, c;

	w = wire_accepts(e, &wc);
	c = canonical_accepts(e, &cc);
	if (w != want || c != want)
		fail_msg("wire %d (%s), canonical %d (%s), want %d", w,
		    wc != NULL ? wc : "-", c, cc != NULL ? cc : "-", want);
	if (want != 0 && strcmp(reason(wc), reason(cc)) != 0)
		fail_msg("different reasons: wire \"%s\", canonical \"%s\"",
		    wc, cc);
	free(wc);
	free(cc);
}

static void
event_note(struct core_event *e)
{
	core_event_init(e);
	e->seq = 4;
	e->time = 1700000000000LL;
	e->type = CORE_NOTE;
	e->actor = xstrdup("bob");
	e->op = xstrdup("0123456789abcdef");
	e->text = xstrdup("replica lag 0 s");
}

/*
 * The wire decoder and the canonical decoder apply the same rules to every
 * field: ranges, list lengths, UTF-8 in every string (operation ids too),
 * required fields.  The canonical one once took numbers and lists the wire
 * refused, and op ids that were not UTF-8.
 */
static void
test_decoders_agree(void **state)
{
	const struct core_field	*tab, *f;
	struct core_event	 e;
	size_t			 n, i;
	int64_t			*v;

	(void)state;
	tab = core_field_table(&n);
	for (i = 0; i < n; i++) {
		f = &tab[i];
		if (f->kind != CORE_FIELD_INT || strcmp(f->key, "seq") == 0)
			continue;
		event_note(&e);
		v = core_field_int(&e, f);
		*v = f->max;
		assert_agree(&e, 0);
		*v = f->max + 1;
		assert_agree(&e, -1);
		*v = f->min - 1;
		assert_agree(&e, -1);
		core_event_clear(&e);
	}
	event_note(&e);
	e.seq = CORE_INT_MAX + 1;
	assert_agree(&e, -1);
	e.seq = 0;
	assert_agree(&e, -1);
	e.seq = 4;

	/* Lists: 32 entries, not 33. */
	e.type = CORE_DECLARE;
	e.name = xstrdup("purge");
	for (i = 0; i < CORE_LIST_MAX; i++)
		core_list_add(&e.after, &e.nafter, "a");
	assert_agree(&e, 0);
	core_list_add(&e.after, &e.nafter, "a");
	assert_agree(&e, -1);
	core_event_clear(&e);

	/* Strings: op ids, names, roles, text. */
	event_note(&e);
	free(e.op);
	e.op = xstrdup("op-\xff\xfe");
	assert_agree(&e, -1);
	free(e.op);
	e.op = xstrdup("op\twith a tab");
	assert_agree(&e, -1);
	free(e.op);
	e.op = xstrdup("caf\xc3\xa9-\xe2\x9c\x93");
	assert_agree(&e, 0);
	free(e.actor);
	e.actor = xstrdup("bob smith");
	assert_agree(&e, -1);
	free(e.actor);
	e.actor = xstrdup("bob");
	e.roles = xstrdup("ic,,ops");
	assert_agree(&e, -1);
	free(e.roles);
	e.roles = xstrdup("ic,ops");
	assert_agree(&e, 0);
	free(e.text);
	e.text = xstrdup("overlong \xc0\xaf");
	assert_agree(&e, -1);
	free(e.text);
	e.text = NULL;
	assert_agree(&e, -1);	/* a note needs its text */
	e.text = xstrdup("ok");
	e.written = 5;
	assert_agree(&e, 0);
	e.type = CORE_SUMMARY;
	assert_agree(&e, -1);	/* written is for notes */
	core_event_clear(&e);
}

/*
 * The hub's last check before it logs an event: it must survive its own
 * canonical and wire encodings unchanged.
 */
static void
test_event_check(void **state)
{
	struct core_event	 e;
	char			*cause = NULL;

	(void)state;
	event_note(&e);
	e.written = 1699999999000LL;
	e.roles = xstrdup("");
	assert_int_equal(proto_event_check(&e, &cause), 0);
	assert_null(cause);
	e.force = 2;
	assert_int_equal(proto_event_check(&e, &cause), -1);
	assert_non_null(strstr(cause, "\"force\""));
	free(cause);
	e.force = 0;
	free(e.op);
	e.op = xstrdup("\xc3");
	assert_int_equal(proto_event_check(&e, &cause), -1);
	assert_non_null(strstr(cause, "\"op\""));
	free(cause);
	core_event_clear(&e);
}

/* Do the cheap and the full check agree on e, and give its bytes? */
static int
prepare_agrees(const struct core_event *e)
{
	struct buf	 b, want;
	char		*c1 = NULL, *c2 = NULL;
	int		 r1, r2, same;

	util_buf_init(&b);
	util_buf_init(&want);
	r1 = proto_event_check(e, &c1);
	r2 = proto_event_prepare(e, &b, &c2);
	core_event_encode(e, &want);
	same = r1 == r2 && (r2 != 0 || (b.len == want.len &&
	    memcmp(b.data, want.data, b.len) == 0));
	if (!same)
		print_error("check %d (%s), prepare %d (%s)\n", r1,
		    c1 != NULL ? c1 : "-", r2, c2 != NULL ? c2 : "-");
	free(c1);
	free(c2);
	util_buf_clear(&b);
	util_buf_clear(&want);
	return same;
}

/*
 * The hub's check of an event it is about to log takes the short way for
 * strings JSON holds as they are and the long way otherwise, with the same
 * answers as proto_event_check.
 */
static void
test_event_prepare(void **state)
{
	struct core_event	 e;
	int			 c;

	(void)state;
	event_note(&e);
	e.roles = xstrdup("");
	assert_true(prepare_agrees(&e));
	for (c = 1; c < 256; c++) {
		free(e.text);
		e.text = xasprintf("a%cb", c);
		assert_true(prepare_agrees(&e));
	}
	free(e.text);
	e.text = xstrdup("plain");
	e.force = 2;
	assert_true(prepare_agrees(&e));
	e.force = 0;
	free(e.op);
	e.op = xstrdup("\xc3");
	assert_true(prepare_agrees(&e));
	free(e.op);
	e.op = xstrdup("op");
	free(e.actor);
	e.actor = xstrdup("not a name");
	assert_true(prepare_agrees(&e));
	core_event_clear(&e);
}

/* Bytes malloc holds for the program now (tcache is bounded). */
static size_t
heap_in_use(void)
{
	struct mallinfo2	mi = mallinfo2();

	return mi.uordblks;
}

/*
 * Decoding json, which must fail, a thousand times leaks nothing.  (A
 * snapshot whose action failed after its state was read leaked the
 * state's name, to any client.)
 */
static void
assert_fails_clean(const char *json, const char *why)
{
	size_t	before, i;

	for (i = 0; i < 50; i++)
		assert_true(decode_fails(json, why));
	before = heap_in_use();
	for (i = 0; i < 2000; i++)
		assert_true(decode_fails(json, why));
	if (heap_in_use() > before + 16384)
		fail_msg("%zu bytes more in use after decoding %s",
		    heap_in_use() - before, json);
}

#define SNAP_HEAD	"{\"type\":\"snapshot\",\"incident\":\"INC-1\",\"seq\":3," \
	"\"chain\":\"0000000000000000000000000000000000000000000000000000000" \
	"000000000\",\"state\":{\"status\":\"investigating\",\"ic_mark\":" \
	"{\"seq\":1,\"type\":\"open\"},\"status_mark\":{\"seq\":1,\"type\":" \
	"\"open\"},\"sev_mark\":{\"seq\":1,\"type\":\"open\"},"

static void
test_decode_no_leaks(void **state)
{
	(void)state;
	assert_fails_clean(SNAP_HEAD "\"actions\":[{\"name\":\"a\","
	    "\"state\":\"held\",\"holder\":7}]}}", "\"holder\" must be a string");
	assert_fails_clean(SNAP_HEAD "\"actions\":[{\"name\":\"a\","
	    "\"state\":\"held\",\"mark\":{\"seq\":1,\"type\":\"frob\"}}]}}",
	    "unknown type");
	assert_fails_clean(SNAP_HEAD "\"actions\":[{\"name\":\"a\","
	    "\"state\":\"held\",\"mark\":{\"seq\":1,\"by\":\"x\",\"type\":5}}]}}",
	    "\"type\" must be a string");
	assert_fails_clean(SNAP_HEAD "\"roles\":[{\"role\":\"ops\","
	    "\"user\":\"bob\",\"mark\":{\"seq\":-1,\"type\":\"open\"}}]}}",
	    "\"seq\" must be an integer");
	assert_fails_clean(SNAP_HEAD "\"roles\":{}}}", "must be an array");
	assert_fails_clean("{\"type\":\"events\",\"incident\":\"INC-1\","
	    "\"items\":[{\"seq\":1,\"type\":\"note\",\"actor\":\"a\","
	    "\"text\":\"x\",\"hash\":\"00\"}]}", "64 hex digits");
	assert_fails_clean("{\"type\":\"events\",\"incident\":\"INC-1\","
	    "\"items\":[{\"seq\":1,\"type\":\"note\",\"actor\":\"a\","
	    "\"after\":[\"a\",2]}]}", "must be strings");
	assert_fails_clean("{\"type\":\"presence\",\"users\":[{\"user\":\"a\","
	    "\"seq\":\"x\"}]}", "must be a number");
	assert_fails_clean("{\"type\":\"incidents\",\"items\":[{\"id\":\"a\","
	    "\"sev\":9}]}", "\"sev\" must be an integer from 0 to 4");
	assert_fails_clean("{\"type\":\"command\",\"op\":\"x\",\"cmd\":\"note\","
	    "\"text\":\"a\",\"after\":[\"a\"],\"ttl\":1.5}", "must be an integer");
}

/*
 * Strings in what a hub sends are UTF-8 text; an export must be UTF-8
 * throughout, or `concord verify` would pass a file that is not JSON.
 */
static void
test_hub_strings_and_exports(void **state)
{
	struct core_event	*ev;
	unsigned char		(*hashes)[CORE_HASH_LEN], end[CORE_HASH_LEN];
	int64_t			 head;
	char			*cause = NULL, *id;
	size_t			 n;
	static const char	 ok[] = "{\"incident\":\"INC-1\",\"head\":1,"
	    "\"chain\":\"0000000000000000000000000000000000000000000000000000000"
	    "000000000\",\"events\":[{\"seq\":1,\"time\":5,\"actor\":\"a\","
	    "\"op\":\"OP\",\"type\":\"note\",\"text\":\"x\",\"hash\":"
	    "\"0000000000000000000000000000000000000000000000000000000000000000"
	    "\"}]}";
	char			 bad[sizeof ok];
	char			*p;

	(void)state;
	assert_true(decode_fails("{\"type\":\"refused\",\"code\":\"held\","
	    "\"message\":\"bad \xff\"}", "\"message\" must be UTF-8 text"));
	assert_true(decode_fails("{\"type\":\"incidents\",\"items\":[{\"id\":"
	    "\"a\",\"title\":\"\\u0007\"}]}", "a title must be UTF-8 text"));
	assert_true(decode_fails("{\"type\":\"frob\\u0007\\u00ff\"}",
	    "unknown message type \"frob?\xc3\xbf\""));

	assert_int_equal(proto_export_decode(ok, sizeof ok - 1, &id, &ev,
	    &hashes, &n, &head, end, &cause), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].op, "OP");
	core_event_clear(&ev[0]);
	free(ev);
	free(hashes);
	free(id);

	/* The op id made of bytes that are not UTF-8. */
	memcpy(bad, ok, sizeof ok);
	p = strstr(bad, "OP");
	p[0] = '\xff';
	p[1] = '\xfe';
	assert_int_equal(proto_export_decode(bad, sizeof bad - 1, &id, &ev,
	    &hashes, &n, &head, end, &cause), -1);
	assert_non_null(strstr(cause, "not UTF-8"));
	free(cause);
	/* Escaped: UTF-8 text, but an op id with a control character. */
	p = strstr(ok, "OP");
	cause = xasprintf("%.*s\\u0001%s", (int)(p - ok), ok, p + 2);
	p = cause;
	cause = NULL;
	assert_int_equal(proto_export_decode(p, strlen(p), &id, &ev,
	    &hashes, &n, &head, end, &cause), -1);
	assert_non_null(strstr(cause, "\"op\" must be 1 to 64 bytes"));
	free(cause);
	free(p);
}

/*
 * A note written offline shows when it was written beside the hub's time,
 * in the timeline line, the Markdown and (as a number) the JSON export;
 * and every event a log can hold renders, even one missing its fields.
 */
static void
test_export_written(void **state)
{
	struct core_state	 st;
	struct core_event	 ev[3];
	struct buf		 b;
	char			*line, w[48];
	int			 t;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	core_state_init(&st, "INC-5");
	core_event_init(&ev[0]);
	ev[0].seq = 1;
	ev[0].time = 1700000000000LL;		/* 2023-11-14 22:13:20 */
	ev[0].type = CORE_OPEN;
	ev[0].actor = xstrdup("alice");
	ev[0].sev = 2;
	ev[0].text = xstrdup("db down");
	event_note(&ev[1]);
	ev[1].seq = 2;
	ev[1].time = 1700000000000LL + 90000;
	ev[1].written = 1700000000000LL - 5000;	/* 22:13:15 */
	event_note(&ev[2]);
	ev[2].seq = 3;
	ev[2].time = 1700000000000LL + 91000;
	ev[2].written = 1700000000000LL - 86400000;	/* the day before */

	export_written(&ev[0], w, sizeof w);
	assert_string_equal(w, "");
	line = export_event_line(&ev[1]);
	assert_string_equal(line, "2023-11-14 22:14:50 (written 22:13:15)  "
	    "#2     bob  replica lag 0 s");
	free(line);
	line = export_event_line(&ev[2]);
	assert_non_null(strstr(line, "(written 2023-11-13 22:13:20)"));
	free(line);

	util_buf_init(&b);
	for (t = 0; t < 3; t++)
		core_state_apply(&st, &ev[t], &(struct core_ctx){ .now = 1 });
	export_md(&st, ev, 3, &b);
	assert_non_null(strstr(b.data, "| 2023-11-14 22:14:50 (written "
	    "22:13:15) | 2 | bob |"));
	util_buf_reset(&b);
	export_json(&st, ev, (unsigned char (*)[CORE_HASH_LEN])st.chain, 1,
	    &b);
	assert_non_null(strstr(b.data, "\"incident\":\"INC-5\""));
	util_buf_reset(&b);
	proto_event_encode(&ev[1], NULL, &b);
	assert_non_null(strstr(b.data, "\"time\":1700000090000,"
	    "\"written\":1699999995000,"));
	util_buf_clear(&b);

	/* Events missing what their type needs still render. */
	for (t = 0; t < 3; t++)
		core_event_clear(&ev[t]);
	for (t = 0; t < 3; t++) {
		core_event_init(&ev[t]);
		ev[t].seq = t + 1;
		ev[t].type = t == 0 ? CORE_NOTE : t == 1 ? CORE_AMEND :
		    CORE_MARK;
	}
	ev[1].ref = 1;
	ev[2].ref = 1;
	line = export_event_line(&ev[0]);
	assert_non_null(strstr(line, "#1     ?  ?"));
	free(line);
	core_state_clear(&st);
	core_state_init(&st, "INC-6");
	for (t = 0; t < 3; t++)
		core_state_apply(&st, &ev[t], &(struct core_ctx){ .now = 1 });
	util_buf_init(&b);
	export_md(&st, ev, 3, &b);
	assert_non_null(strstr(b.data, "## Timeline"));
	util_buf_clear(&b);
	for (t = 0; t < 3; t++)
		core_event_clear(&ev[t]);
	core_state_clear(&st);
}

/*
 * Telemetry: feeds with values, ages, errors and history survive the wire;
 * what people read of them says how old and whether stale or failing.
 */
static void
test_telemetry(void **state)
{
	struct proto_msg	 m, d;
	struct proto_feed	 f[2], c;
	struct buf		 b;
	char			*cause = NULL, *t, big[4096];
	double			 hist[] = { 1, 2.5, 840 };
	size_t			 i, n;

	(void)state;
	memset(f, 0, sizeof f);
	f[0].name = (char *)"p99";
	f[0].unit = (char *)"ms";
	f[0].warn = (char *)"800";
	f[0].crit = (char *)">1000";
	f[0].level = (char *)"warn";
	f[0].every = 15000;
	f[0].stale = 40000;
	f[0].valued = 1;
	f[0].value = 840;
	f[0].age = 3000;
	f[0].history = hist;
	f[0].nhistory = 3;
	f[1].name = (char *)"errors";
	f[1].error = (char *)"HTTP 503";
	f[1].error_age = 61000;
	proto_msg_init(&m, PROTO_TELEMETRY);
	m.incident = (char *)"INC-1";
	m.full = 1;
	m.feeds = f;
	m.nfeeds = 2;
	util_buf_init(&b);
	proto_msg_encode(&m, &b);
	if (proto_msg_decode(b.data, b.len, &d, &cause) != 0)
		fail_msg("%s", cause);
	util_buf_clear(&b);
	assert_int_equal(d.kind, PROTO_TELEMETRY);
	assert_string_equal(d.incident, "INC-1");
	assert_true(d.full);
	assert_int_equal(d.nfeeds, 2);
	assert_string_equal(d.feeds[0].name, "p99");
	assert_string_equal(d.feeds[0].crit, ">1000");
	assert_true(d.feeds[0].valued);
	assert_true(d.feeds[0].value == 840);
	assert_int_equal(d.feeds[0].nhistory, 3);
	assert_true(d.feeds[0].history[1] == 2.5);
	assert_false(d.feeds[1].valued);
	assert_string_equal(d.feeds[1].error, "HTTP 503");

	t = proto_feed_text(&d.feeds[0], 3000);
	assert_string_equal(t, "840 ms (3 s old)");
	free(t);
	t = proto_feed_text(&d.feeds[0], 50000);
	assert_string_equal(t, "840 ms (50 s old, STALE)");
	free(t);
	t = proto_feed_text(&d.feeds[1], 0);
	assert_string_equal(t, "no value (failing: HTTP 503)");
	free(t);
	proto_feed_copy(&c, &d.feeds[0]);
	free(c.error);
	c.error = xstrdup("timeout");
	c.error_age = 180000;
	t = proto_feed_text(&c, 200000);
	assert_string_equal(t, "840 ms (3 min old, STALE; failing for 3 min: "
	    "timeout)");
	free(t);
	proto_feed_clear(&c);
	proto_msg_clear(&d);

	/* Values are never anything but finite numbers, history is bounded. */
	assert_true(decode_fails("{\"type\":\"telemetry\",\"incident\":"
	    "\"I\",\"feeds\":[{\"name\":\"a\",\"value\":\"840\"}]}",
	    "must be a number"));
	assert_true(decode_fails("{\"type\":\"telemetry\",\"incident\":"
	    "\"I\",\"feeds\":[{\"name\":\"a\",\"history\":[1,null]}]}",
	    "must hold numbers"));
	assert_true(decode_fails("{\"type\":\"telemetry\",\"incident\":"
	    "\"I\",\"feeds\":[{\"unit\":\"ms\"}]}", "name"));
	n = (size_t)snprintf(big, sizeof big, "{\"type\":\"telemetry\","
	    "\"incident\":\"I\",\"feeds\":[{\"name\":\"a\","
	    "\"history\":[");
	for (i = 0; i <= PROTO_HISTORY_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "%s1",
		    i > 0 ? "," : "");
	snprintf(big + n, sizeof big - n, "]}]}");
	assert_true(decode_fails(big, "more than 120 entries"));

	{
		char	v[32];

		proto_value_format(2.1, v, sizeof v);
		assert_string_equal(v, "2.1");
		proto_value_format(0.0123, v, sizeof v);
		assert_string_equal(v, "0.0123");
		proto_value_format(123456, v, sizeof v);
		assert_string_equal(v, "123456");
	}
}

/* The JSON of e as cJSON prints it, through proto_msg_encode's events. */
static char *
wire_reference(const struct core_event *e, const unsigned char *h)
{
	struct proto_msg	 m;
	struct buf		 b;
	char			*p, *q;

	proto_msg_init(&m, PROTO_EVENTS);
	m.events = (struct core_event *)(uintptr_t)e;
	m.hashes = (unsigned char (*)[CORE_HASH_LEN])(uintptr_t)h;
	m.nevents = 1;
	util_buf_init(&b);
	proto_msg_encode(&m, &b);
	p = strstr(b.data, "\"items\":[") + 9;
	q = xstrndup(p, b.len - (size_t)(p - b.data) - 2);
	util_buf_clear(&b);
	return q;
}

/* Does the direct encoder write e exactly as cJSON does? */
static int
wire_same(const struct core_event *e, const unsigned char *h)
{
	struct buf	 b;
	char		*want = wire_reference(e, h);
	int		 same;

	util_buf_init(&b);
	proto_event_encode(e, h, &b);
	same = strcmp(b.data, want) == 0;
	if (!same)
		print_error("direct %s\ncJSON  %s\n", b.data, want);
	util_buf_clear(&b);
	free(want);
	return same;
}

/*
 * The events the hub sends are written without cJSON: the bytes must be
 * cJSON's for every field and every byte a string can hold, and the hub's
 * form of an event must be the JSON of the event its canonical bytes give
 * back.
 */
static void
test_wire_bytes(void **state)
{
	struct core_event	 e, d;
	struct buf		 b, w;
	unsigned char		 h[CORE_HASH_LEN];
	char			 s[64], *cause = NULL;
	int			 c, i, j;

	(void)state;
	memset(h, 0xa5, sizeof h);
	core_event_init(&e);
	e.seq = 42;
	e.time = CORE_INT_MAX;
	e.written = 1;
	e.actor = xstrdup("bob");
	e.roles = xstrdup("ic,ops");
	e.op = xstrdup("op-1");
	e.type = CORE_DECLARE;
	e.name = xstrdup("failover-db");
	e.user = xstrdup("carol");
	e.role = xstrdup("ops");
	e.state = xstrdup("mitigated");
	e.outcome = xstrdup("success");
	e.kind = xstrdup("decision");
	e.sev = 2;
	e.ttl = 30000;
	e.fence = 7;
	e.force = 1;
	e.ref = -5;
	core_list_add(&e.after, &e.nafter, "a");
	core_list_add(&e.after, &e.nafter, "b");
	core_list_add(&e.conflicts, &e.nconflicts, "c");
	e.text = xstrdup("");
	assert_true(wire_same(&e, h));
	assert_true(wire_same(&e, NULL));
	for (c = 1; c < 256; c++) {
		free(e.text);
		e.text = xasprintf("a%cb%c", c, c);
		assert_true(wire_same(&e, h));
	}
	srand(8);
	for (i = 0; i < 2000; i++) {
		for (j = 0; j < (int)sizeof s - 1; j++)
			s[j] = (char)(1 + rand() % 255);
		s[rand() % (int)sizeof s] = '\0';
		free(e.text);
		e.text = xstrdup(s);
		free(e.after[1]);
		e.after[1] = xstrdup(s);
		assert_true(wire_same(&e, h));
	}
	core_event_clear(&e);

	/* As the store gives it back: empty strings are not there. */
	core_event_init(&e);
	e.seq = 3;
	e.time = 1700000000000;
	e.actor = xstrdup("bob");
	e.roles = xstrdup("");
	e.type = CORE_NOTE;
	e.text = xstrdup("p99 \"840 ms\"\\\nsince 14:02\t\xc3\xa9");
	util_buf_init(&b);
	util_buf_init(&w);
	core_event_encode(&e, &b);
	if (core_event_decode(b.data, b.len, &d, &cause) != 0)
		fail_msg("%s", cause);
	util_buf_reset(&b);
	proto_event_encode(&d, h, &b);
	proto_wire_encode(&e, h, &w);
	assert_string_equal(w.data, b.data);
	assert_null(strstr(w.data, "roles"));
	util_buf_reset(&b);
	proto_event_encode(&e, h, &b);
	assert_non_null(strstr(b.data, "\"roles\":\"\""));
	core_event_clear(&d);
	core_event_clear(&e);
	util_buf_clear(&b);
	util_buf_clear(&w);
}

/*
 * Presence: a whole list replaces what a client holds; a delta replaces,
 * adds and (seq -1) removes users; a delta's -1 is refused in a whole list.
 */
static void
test_presence_delta(void **state)
{
	struct proto_msg	 in, out;
	struct proto_presence	 all[] = { { (char *)"alice", 7 },
	    { (char *)"bob", PROTO_PRESENCE_LIVE } };
	struct proto_presence	 chg[] = { { (char *)"bob", 9 },
	    { (char *)"carol", PROTO_PRESENCE_LIVE },
	    { (char *)"alice", PROTO_PRESENCE_GONE },
	    { (char *)"dave", PROTO_PRESENCE_GONE } };
	struct proto_presence	*held = NULL;
	size_t			 n = 0;
	struct buf		 b;
	char			*cause = NULL;

	(void)state;
	proto_msg_init(&in, PROTO_PRESENCE);
	in.incident = (char *)"INC-1";
	in.users = all;
	in.nusers = 2;
	roundtrip(&in, &out);
	assert_false(out.delta);
	proto_presence_apply(&held, &n, &out);
	assert_null(out.users);
	proto_msg_clear(&out);
	assert_int_equal(n, 2);

	in.users = chg;
	in.nusers = 4;
	in.delta = 1;
	roundtrip(&in, &out);
	assert_true(out.delta);
	assert_int_equal(out.nusers, 4);
	proto_presence_apply(&held, &n, &out);
	proto_msg_clear(&out);
	assert_int_equal(n, 2);		/* alice gone, carol new */
	assert_true((strcmp(held[0].user, "bob") == 0 && held[0].seq == 9 &&
	    strcmp(held[1].user, "carol") == 0) ||
	    (strcmp(held[1].user, "bob") == 0 && held[1].seq == 9 &&
	    strcmp(held[0].user, "carol") == 0));
	proto_presence_free(held, n);

	util_buf_init(&b);
	util_buf_adds(&b, "{\"type\":\"presence\",\"incident\":\"INC-1\","
	    "\"users\":[{\"user\":\"a\",\"seq\":-1}]}");
	assert_int_equal(proto_msg_decode(b.data, b.len, &out, &cause), -1);
	assert_non_null(cause);
	free(cause);
	proto_msg_clear(&out);
	util_buf_clear(&b);
}

/* An ack is written directly, as cJSON would print it, and reads back. */
static void
test_ack_bytes(void **state)
{
	struct proto_msg	in, out;
	struct buf		b;

	(void)state;
	proto_msg_init(&in, PROTO_ACK);
	in.incident = (char *)"INC-1";
	in.op = (char *)"o\"p\\\x01";
	in.seq = 5;
	in.fence = 5;
	in.ttl = 30000;
	in.duplicate = 1;
	util_buf_init(&b);
	proto_msg_encode(&in, &b);
	assert_string_equal(b.data, "{\"type\":\"ack\",\"incident\":\"INC-1\","
	    "\"op\":\"o\\\"p\\\\\\u0001\",\"seq\":5,\"fence\":5,\"ttl\":30000,"
	    "\"duplicate\":true}");
	util_buf_clear(&b);
	in.op = (char *)"w1-7";
	roundtrip(&in, &out);
	assert_string_equal(out.op, "w1-7");
	assert_int_equal(out.seq, 5);
	assert_int_equal(out.fence, 5);
	assert_int_equal(out.ttl, 30000);
	assert_true(out.duplicate);
	proto_msg_clear(&out);
	in.fence = in.ttl = in.duplicate = 0;
	util_buf_init(&b);
	proto_msg_encode(&in, &b);
	assert_string_equal(b.data, "{\"type\":\"ack\",\"incident\":\"INC-1\","
	    "\"op\":\"w1-7\",\"seq\":5}");
	util_buf_clear(&b);
}

/* The decoder indexes an event's members by field: room for every field. */
static void
test_field_room(void **state)
{
	size_t	nf;

	(void)state;
	(void)core_field_table(&nf);
	assert_true(nf <= PROTO_FIELDS_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_room),
		cmocka_unit_test(test_ack_bytes),
		cmocka_unit_test(test_presence_delta),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_events_batch_and_export),
		cmocka_unit_test(test_exact_integers),
		cmocka_unit_test(test_decoders_agree),
		cmocka_unit_test(test_event_check),
		cmocka_unit_test(test_decode_no_leaks),
		cmocka_unit_test(test_hub_strings_and_exports),
		cmocka_unit_test(test_export_written),
		cmocka_unit_test(test_telemetry),
		cmocka_unit_test(test_wire_bytes),
		cmocka_unit_test(test_event_prepare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
