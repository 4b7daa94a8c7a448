/*
 * Unit tests of who may do what and how fast: tokens make, parse and
 * check (a wrong secret, salt or name is refused, and the hash never
 * holds the secret); the token bucket reads burst messages at once, then
 * rate a second, into debt and out of it exactly; the core refuses a
 * command claiming another actor or by and records by when acting as
 * another; the users table adds, refuses a second live user of a name,
 * revokes, grants, gives a revoked user a new token, notices another
 * process's change and keeps its file mode 0600; a timeline line shows
 * both names; a hello carries its token and a notice its code.
 */
#include <sys/stat.h>

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
#include "export.h"
#include "proto.h"
#include "store.h"
#include "util.h"

static void
test_token(void **state)
{
	unsigned char	 secret[CORE_TOKEN_SECRET], back[CORE_TOKEN_SECRET];
	unsigned char	 salt[CORE_TOKEN_SALT], hash[CORE_HASH_LEN];
	unsigned char	 other[CORE_TOKEN_SALT];
	char		*token, *name, *cause, *bad;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof secret; i++)
		secret[i] = (unsigned char)(i * 7 + 1);
	memset(salt, 0x5a, sizeof salt);
	token = core_token_make("bob.ops@example", secret);
	assert_int_equal(strncmp(token, "concord:bob.ops@example:", 24), 0);
	assert_int_equal(strlen(token), 24 + 2 * CORE_TOKEN_SECRET);
	assert_true(strlen(token) <= CORE_TOKEN_MAX);
	assert_int_equal(core_token_parse(token, &name, back, &cause), 0);
	assert_string_equal(name, "bob.ops@example");
	assert_memory_equal(back, secret, sizeof secret);
	free(name);

	/* The hash checks the secret with the salt, and nothing else. */
	core_token_hash(salt, secret, hash);
	assert_memory_not_equal(hash, secret, sizeof hash);
	assert_int_equal(core_token_check(salt, hash, secret), 1);
	back[5] ^= 1;
	assert_int_equal(core_token_check(salt, hash, back), 0);
	memset(other, 0xa5, sizeof other);
	assert_int_equal(core_token_check(other, hash, secret), 0);
	core_token_hash(other, secret, back);
	assert_memory_not_equal(back, hash, sizeof hash);

	/* Malformed tokens: each refused, never quoted. */
	{
		const char *bads[] = {
			"", "bob", "concord:", "concord:bob", "concord:bob:",
			"concord::00", "concord:b b:00", "token:bob:00",
		};
		for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
			assert_int_equal(core_token_parse(bads[i], &name, back,
			    &cause), -1);
			assert_null(name);
			free(cause);
		}
	}
	bad = xstrdup(token);
	bad[strlen(bad) - 1] = 'G';		/* not hex */
	assert_int_equal(core_token_parse(bad, &name, back, &cause), -1);
	free(cause);
	bad[strlen(bad) - 1] = 'A';		/* upper case */
	assert_int_equal(core_token_parse(bad, &name, back, &cause), -1);
	free(cause);
	bad[strlen(bad) - 1] = '\0';		/* a digit short */
	assert_int_equal(core_token_parse(bad, &name, back, &cause), -1);
	assert_null(strstr(cause, bad + 24));
	free(cause);
	free(bad);
	bad = xasprintf("%s0", token);		/* a digit long */
	assert_int_equal(core_token_parse(bad, &name, back, &cause), -1);
	free(cause);
	free(bad);
	free(token);
}

static void
test_bucket(void **state)
{
	struct core_bucket	b;
	int64_t			now = 1000, wait;
	int			i, taken;

	(void)state;
	/* A full bucket of 100 at 50 a second. */
	core_bucket_init(&b, 50, 100, now);
	assert_true(core_bucket_full(&b, now));
	for (i = 0; i < 99; i++)
		assert_int_equal(core_bucket_take(&b, now), 0);
	assert_false(core_bucket_full(&b, now));
	/* The 100th empties it: the next may be read in 1/50 s. */
	assert_int_equal(core_bucket_take(&b, now), 20);
	/* One read anyway goes into debt: twice as long. */
	assert_int_equal(core_bucket_take(&b, now), 40);
	now += 40;
	assert_int_equal(core_bucket_take(&b, now), 20);
	/* Paced at the wait it gives, it reads 50 a second. */
	for (taken = 0, i = 0; i < 1000; i++) {
		now += 20;
		wait = core_bucket_take(&b, now);
		assert_int_equal(wait, 20);
		taken++;
	}
	assert_int_equal(taken, 1000);
	/* After 2 s of nothing it is full again, and no fuller. */
	now += 2000;
	assert_true(core_bucket_full(&b, now));
	now += 3600 * 1000;
	for (i = 0; i < 99; i++)
		assert_int_equal(core_bucket_take(&b, now), 0);
	assert_int_equal(core_bucket_take(&b, now), 20);
	/* A rate that does not divide 1000: the wait rounds up. */
	core_bucket_init(&b, 3, 1, now);
	assert_int_equal(core_bucket_take(&b, now), 334);
	now += 333;
	assert_int_equal(core_bucket_take(&b, now), 334);	/* 999 gained */
	/* Rate 0 is no limit; a burst below 1 is 1. */
	core_bucket_init(&b, 0, 0, now);
	for (i = 0; i < 100000; i++)
		assert_int_equal(core_bucket_take(&b, now), 0);
	core_bucket_init(&b, 10, 0, now);
	assert_int_equal(b.burst, 1);
	assert_int_equal(core_bucket_take(&b, now), 100);
}

/* Check cmd from a connection acting as actor (by: who it is). */
static const char *
check(struct core_state *s, struct core_event *cmd, const char *actor,
    const char *by, char **msg)
{
	struct core_ctx		ctx;
	struct core_refusal	r;

	memset(&ctx, 0, sizeof ctx);
	ctx.actor = actor;
	ctx.by = by;
	ctx.now = 1000;
	ctx.wall = 1795356131000LL;
	ctx.based_on = s->seq;
	*msg = NULL;
	if (core_state_check(s, cmd, &ctx, &r) != 0) {
		*msg = r.message;
		return r.code;
	}
	cmd->seq = s->seq + 1;
	cmd->time = ctx.wall;
	core_state_apply(s, cmd, &ctx);
	return NULL;
}

static void
test_claims(void **state)
{
	struct core_state	 s;
	struct core_event	 e;
	char			*msg, *line;

	(void)state;
	core_state_init(&s, "INC-1");
	core_event_init(&e);
	e.type = CORE_OPEN;
	e.text = xstrdup("t");
	e.sev = 2;
	assert_null(check(&s, &e, "alice", NULL, &msg));
	assert_null(e.by);
	core_event_clear(&e);

	/* A note claiming to be bob's, from alice: refused, not corrected. */
	e.type = CORE_NOTE;
	e.text = xstrdup("x");
	e.actor = xstrdup("bob");
	assert_string_equal(check(&s, &e, "alice", NULL, &msg), "not-you");
	assert_non_null(strstr(msg, "says it is from bob"));
	assert_non_null(strstr(msg, "acts as alice"));
	free(msg);
	/* Naming the connection's own actor is fine. */
	free(e.actor);
	e.actor = xstrdup("alice");
	assert_null(check(&s, &e, "alice", NULL, &msg));
	core_event_clear(&e);
	/* A name that is not one is refused without being quoted. */
	e.type = CORE_NOTE;
	e.text = xstrdup("x");
	e.actor = xstrdup("\x1b[2J");
	assert_string_equal(check(&s, &e, "alice", NULL, &msg), "not-you");
	assert_null(strchr(msg, '\x1b'));
	free(msg);
	core_event_clear(&e);

	/* A by the connection does not have is refused too. */
	e.type = CORE_NOTE;
	e.text = xstrdup("x");
	e.by = xstrdup("carol");
	assert_string_equal(check(&s, &e, "alice", NULL, &msg), "not-you");
	free(msg);
	assert_string_equal(check(&s, &e, "alice", "dave", &msg), "not-you");
	free(msg);
	core_event_clear(&e);

	/* Acting as alice, dave's event records both. */
	e.type = CORE_NOTE;
	e.text = xstrdup("for alice");
	assert_null(check(&s, &e, "alice", "dave", &msg));
	assert_string_equal(e.actor, "alice");
	assert_string_equal(e.by, "dave");
	assert_string_equal(e.roles, "ic");
	line = export_event_line(&e);
	assert_non_null(strstr(line, "alice (by dave) (ic)  for alice"));
	free(line);
	assert_int_equal(core_event_valid(&e, CORE_VALID_EVENT, &msg), 0);
	core_event_clear(&e);

	/* The hub's own events are its to name. */
	e.type = CORE_NOTE;
	e.text = xstrdup("y");
	e.actor = xstrdup("someone");
	{
		struct core_ctx		ctx;
		struct core_refusal	r;

		memset(&ctx, 0, sizeof ctx);
		ctx.actor = CORE_ACTOR_HUB;
		ctx.internal = 1;
		ctx.based_on = -1;
		assert_int_equal(core_state_check(&s, &e, &ctx, &r), 0);
		assert_string_equal(e.actor, CORE_ACTOR_HUB);
	}
	core_event_clear(&e);
	core_state_clear(&s);
}

static void
test_users(void **state)
{
	struct store_users	*su, *other;
	struct store_user	 u, *list;
	struct stat		 sb;
	char			 dir[64], *cause, *path, *cmd;
	size_t			 n;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/concord-test-auth.XXXXXX");
	assert_non_null(mkdtemp(dir));
	su = store_users_open(dir, &cause);
	assert_non_null(su);
	path = xasprintf("%s/users.db", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(path);

	memset(&u, 0, sizeof u);
	u.name = (char *)"bob";
	memset(u.salt, 1, sizeof u.salt);
	memset(u.hash, 2, sizeof u.hash);
	u.created = 1000;
	assert_int_equal(store_users_add(su, &u, &cause), 0);
	/* A second live bob is refused. */
	assert_int_equal(store_users_add(su, &u, &cause), 1);
	u.name = (char *)"alice";
	u.act_as = 1;
	assert_int_equal(store_users_add(su, &u, &cause), 0);

	/* Another process's change is noticed, our own reads are not. */
	assert_int_equal(store_users_changed(su, &cause), 0);
	other = store_users_open(dir, &cause);
	assert_non_null(other);
	assert_int_equal(store_users_revoke(other, "bob", 5000, &cause), 0);
	assert_int_equal(store_users_revoke(other, "bob", 6000, &cause), 1);
	assert_int_equal(store_users_revoke(other, "nobody", 6000, &cause), 1);
	assert_int_equal(store_users_changed(su, &cause), 1);
	assert_int_equal(store_users_changed(su, &cause), 0);

	assert_int_equal(store_users_list(su, &list, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "alice");
	assert_int_equal(list[0].act_as, 1);
	assert_int_equal(list[0].revoked, 0);
	assert_string_equal(list[1].name, "bob");
	assert_int_equal(list[1].revoked, 5000);
	assert_int_equal(list[1].act_as, 0);
	assert_int_equal(list[1].created, 1000);
	store_users_free(list, n);

	/* Rights come and go; a revoked user has none to change. */
	assert_int_equal(store_users_right(other, "alice", 0, &cause), 0);
	assert_int_equal(store_users_right(other, "bob", 1, &cause), 1);
	/* A revoked user is made again with a new token. */
	u.name = (char *)"bob";
	u.act_as = 0;
	memset(u.salt, 3, sizeof u.salt);
	u.created = 7000;
	assert_int_equal(store_users_add(other, &u, &cause), 0);
	assert_int_equal(store_users_changed(su, &cause), 1);
	assert_int_equal(store_users_list(su, &list, &n, &cause), 0);
	assert_int_equal(list[0].act_as, 0);
	assert_int_equal(list[1].revoked, 0);
	assert_int_equal(list[1].created, 7000);
	assert_int_equal(list[1].salt[0], 3);
	store_users_free(list, n);

	store_users_close(other);
	store_users_close(su);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
test_wire(void **state)
{
	struct proto_msg	 m, back;
	struct buf		 b;
	char			*cause;

	(void)state;
	/* A hello carries its token; a notice its code and message. */
	proto_msg_init(&m, PROTO_HELLO);
	m.user = (char *)"dave";
	m.token = (char *)"concord:dave:00ff";
	util_buf_init(&b);
	proto_msg_encode(&m, &b);
	assert_int_equal(proto_msg_decode(b.data, b.len, &back, &cause), 0);
	assert_int_equal(back.kind, PROTO_HELLO);
	assert_string_equal(back.user, "dave");
	assert_string_equal(back.token, "concord:dave:00ff");
	proto_msg_clear(&back);
	util_buf_clear(&b);
	proto_msg_init(&m, PROTO_HELLO);
	m.user = (char *)"dave";
	proto_msg_encode(&m, &b);
	assert_null(strstr(b.data, "token"));
	assert_int_equal(proto_msg_decode(b.data, b.len, &back, &cause), 0);
	assert_null(back.token);
	proto_msg_clear(&back);
	util_buf_clear(&b);

	proto_msg_init(&m, PROTO_NOTICE);
	m.code = (char *)"slow-down";
	m.message = (char *)"slow down";
	proto_msg_encode(&m, &b);
	assert_string_equal(b.data, "{\"type\":\"notice\",\"code\":"
	    "\"slow-down\",\"message\":\"slow down\"}");
	assert_int_equal(proto_msg_decode(b.data, b.len, &back, &cause), 0);
	assert_int_equal(back.kind, PROTO_NOTICE);
	assert_string_equal(back.code, "slow-down");
	assert_null(back.op);
	proto_msg_clear(&back);
	util_buf_clear(&b);

	/* A token that is not a string is malformed. */
	assert_int_equal(proto_msg_decode("{\"type\":\"hello\",\"proto\":4,"
	    "\"user\":\"a\",\"token\":5}", 47, &back, &cause), -1);
	assert_non_null(strstr(cause, "token"));
	free(cause);
	proto_msg_clear(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
