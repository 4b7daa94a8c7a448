/*
 * Unit tests for the pure core (src/core).
 *
 * Covered: the canonical event encoding and its decoder (round trips of
 * every field, exact bytes, rejection of malformed or non-canonical input);
 * the SHA-256 hash chain (start value per incident, sensitivity to every
 * field, known answers computed independently with libcrypto and from fixed
 * digests, the short digest); name and text validation; authorisation of the
 * incident commander's commands; command handover (take, forced take, offer,
 * accept, resign); leases (fencing tokens, renewals that never resurrect,
 * release, expiry by the hub, lock-delay, break, done with each outcome);
 * dependencies and conflicts between actions; refusal of commands decided
 * on a stale view; the restart grace; and a seeded randomized run in which a
 * simulated hub drives the core and every step is checked against a shadow
 * model and the fold's invariants, with a replay of the whole log through
 * the canonical encoding at the end; the chain follower (the good case, a
 * gap, a mismatch) and the invariants of a state received whole.
 *
 * The tests play the hub: check a command, then set seq and time and apply
 * it (or renew, for a renewal), and sweep expired leases with action.expire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core.h"
#include "util.h"

#define VIEW_NOW	(-2)		/* based_on: the current seq */
#define T0		1000000		/* monotonic ms at the start */
#define WALL0		1700000000000LL	/* wall clock at T0, ms */
#define LOCK_DELAY	5000

/* A minimal hub around a state. */
struct hub {
	struct core_state	 s;
	int64_t			 now;
	int64_t			 lock_delay;
	int			 ic_present;
	char			*msg;		/* last refusal */
	struct core_event	 last;		/* last event logged */
	int			 keep;		/* keep a log to replay */
	struct core_event	*log;
	int64_t			*log_now;
	size_t			 nlog;
	const struct core_authz	*authz;		/* NULL: the default */
};

/* Fail at the caller's line unless got and want are the same code. */
#define assert_code(h, got, want) \
	check_code((h), (got), (want), __FILE__, __LINE__)
#define assert_contains(s, sub) \
	check_contains((s), (sub), __FILE__, __LINE__)

static void
check_code(const struct hub *h, const char *got, const char *want,
    const char *file, int line)
{
	if (got == NULL && want == NULL)
		return;
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return;
	print_error("got %s, expected %s (%s)\n",
	    got != NULL ? got : "acceptance",
	    want != NULL ? want : "acceptance",
	    h->msg != NULL ? h->msg : "no message");
	_fail(file, line);
}

static void
check_contains(const char *s, const char *sub, const char *file, int line)
{
	if (s != NULL && strstr(s, sub) != NULL)
		return;
	print_error("\"%s\" does not contain \"%s\"\n",
	    s != NULL ? s : "(null)", sub);
	_fail(file, line);
}

static void
set(char **slot, const char *v)
{
	free(*slot);
	*slot = v == NULL ? NULL : xstrdup(v);
}

/* Add the comma-separated names in csv to a list. */
static void
list_csv(char ***list, size_t *n, const char *csv)
{
	char	*copy, *p, *name;

	if (csv == NULL)
		return;
	p = copy = xstrdup(csv);
	while ((name = strsep(&p, ",")) != NULL)
		core_list_add(list, n, name);
	free(copy);
}

static void
hub_init(struct hub *h, const char *id)
{
	memset(h, 0, sizeof *h);
	core_state_init(&h->s, id);
	core_event_init(&h->last);
	h->now = T0;
	h->lock_delay = LOCK_DELAY;
}

static void
hub_free(struct hub *h)
{
	size_t	i;

	core_state_clear(&h->s);
	core_event_clear(&h->last);
	free(h->msg);
	for (i = 0; i < h->nlog; i++)
		core_event_clear(&h->log[i]);
	free(h->log);
	free(h->log_now);
}

static struct core_ctx
hub_ctx(const struct hub *h, const char *actor, int64_t based_on, int internal)
{
	struct core_ctx	ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.actor = actor;
	ctx.now = h->now;
	ctx.wall = WALL0 + (h->now - T0);
	ctx.lock_delay = h->lock_delay;
	ctx.ic_present = h->ic_present;
	ctx.internal = internal;
	ctx.authz = h->authz;
	ctx.based_on = based_on == VIEW_NOW ? h->s.seq : based_on;
	return ctx;
}

/*
 * Issue cmd as actor, as the hub does; cmd is consumed.  Returns NULL if it
 * was accepted (and logged, unless it is a renewal), or the refusal code
 * with the message left in h->msg.
 */
static const char *
hub_issue(struct hub *h, const char *actor, struct core_event *cmd,
    int64_t based_on, int internal)
{
	struct core_ctx		 ctx;
	struct core_refusal	 r;
	const char		*code;
	char			*why = NULL;
	int64_t			 seq = h->s.seq;

	ctx = hub_ctx(h, actor, based_on, internal);
	free(h->msg);
	h->msg = NULL;
	if (core_state_check(&h->s, cmd, &ctx, &r) != 0) {
		assert_non_null(r.code);
		assert_non_null(r.message);
		code = r.code;
		h->msg = r.message;
		core_event_clear(cmd);
		assert_int_equal(h->s.seq, seq);
		return code;
	}
	assert_null(r.code);
	assert_string_equal(cmd->actor, actor);
	assert_non_null(cmd->roles);
	if (core_cmd_entry_of(cmd->type)->flags & CORE_F_NOLOG) {
		core_state_renew(&h->s, cmd->name, h->now);
		core_event_clear(cmd);
		assert_int_equal(h->s.seq, seq);
		return NULL;
	}
	cmd->seq = h->s.seq + 1;
	cmd->time = ctx.wall;
	/* Whatever the model accepts, a log can hold. */
	if (core_event_valid(cmd, CORE_VALID_EVENT, &why) != 0)
		fail_msg("accepted but invalid: %s", why);
	core_state_apply(&h->s, cmd, &ctx);
	assert_int_equal(h->s.seq, seq + 1);
	if (h->keep) {
		h->log = xreallocarray(h->log, h->nlog + 1, sizeof *h->log);
		h->log_now = xreallocarray(h->log_now, h->nlog + 1,
		    sizeof *h->log_now);
		core_event_copy(&h->log[h->nlog], cmd);
		h->log_now[h->nlog++] = h->now;
	}
	core_event_clear(&h->last);
	h->last = *cmd;
	core_event_init(cmd);
	return NULL;
}

static const char *
cmd_open(struct hub *h, const char *u, const char *title, int64_t sev)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_OPEN;
	set(&e.text, title);
	e.sev = sev;
	return hub_issue(h, u, &e, -1, 0);
}

static const char *
cmd_text(struct hub *h, enum core_type t, const char *u, const char *text,
    int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = t;
	set(&e.text, text);
	return hub_issue(h, u, &e, b, 0);
}

static const char *
cmd_status(struct hub *h, const char *u, const char *state, int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_STATUS;
	set(&e.state, state);
	return hub_issue(h, u, &e, b, 0);
}

static const char *
cmd_sev(struct hub *h, const char *u, int64_t sev, int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_SEV;
	e.sev = sev;
	return hub_issue(h, u, &e, b, 0);
}

static const char *
cmd_role(struct hub *h, enum core_type t, const char *u, const char *role,
    const char *user, int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = t;
	set(&e.role, role);
	set(&e.user, user);
	return hub_issue(h, u, &e, b, 0);
}

static const char *
cmd_declare(struct hub *h, const char *u, const char *name, const char *after,
    const char *conflicts, int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_DECLARE;
	set(&e.name, name);
	set(&e.text, "a recovery step");
	list_csv(&e.after, &e.nafter, after);
	list_csv(&e.conflicts, &e.nconflicts, conflicts);
	return hub_issue(h, u, &e, b, 0);
}

static const char *
cmd_claim(struct hub *h, const char *u, const char *name, int64_t ttl,
    int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_CLAIM;
	set(&e.name, name);
	e.ttl = ttl;
	return hub_issue(h, u, &e, b, 0);
}

/* Renew, release or done, carrying a fence. */
static const char *
cmd_fenced(struct hub *h, enum core_type t, const char *u, const char *name,
    int64_t fence, const char *outcome, int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = t;
	set(&e.name, name);
	e.fence = fence;
	set(&e.outcome, outcome);
	return hub_issue(h, u, &e, b, 0);
}

static const char *
cmd_break(struct hub *h, const char *u, const char *name, const char *reason,
    int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_BREAK;
	set(&e.name, name);
	set(&e.text, reason);
	return hub_issue(h, u, &e, b, 0);
}

static const char *
cmd_expire(struct hub *h, const char *u, const char *name, int internal)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_EXPIRE;
	set(&e.name, name);
	return hub_issue(h, u, &e, -1, internal);
}

static const char *
cmd_take(struct hub *h, const char *u, int force, const char *reason,
    int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_CMD_TAKE;
	e.force = force;
	set(&e.text, reason);
	return hub_issue(h, u, &e, b, 0);
}

static const char *
cmd_offer(struct hub *h, const char *u, const char *to, int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_CMD_OFFER;
	set(&e.user, to);
	return hub_issue(h, u, &e, b, 0);
}

/* Access: state "viewers" or "open". */
static const char *
cmd_access(struct hub *h, const char *u, const char *state)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_ACCESS;
	set(&e.state, state);
	return hub_issue(h, u, &e, -1, 0);
}

/* Accept or resign: no payload. */
static const char *
cmd_bare(struct hub *h, enum core_type t, const char *u, int64_t b)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = t;
	return hub_issue(h, u, &e, b, 0);
}

/* The hub's lease timer: expire every lease that ran out; returns how many. */
static int
hub_sweep(struct hub *h)
{
	struct core_action	*a;
	char			*name;
	int64_t			 fence;
	int			 n = 0;

	while ((a = core_state_expired(&h->s, h->now)) != NULL) {
		assert_true(a->deadline <= h->now);
		name = xstrdup(a->name);
		fence = a->fence;
		assert_code(h, cmd_expire(h, CORE_ACTOR_HUB, name, 1), NULL);
		assert_int_equal(h->last.type, CORE_EXPIRE);
		assert_int_equal(h->last.fence, fence);
		assert_string_equal(h->last.actor, CORE_ACTOR_HUB);
		free(name);
		n++;
	}
	return n;
}

static struct core_action *
action(const struct hub *h, const char *name)
{
	struct core_action	*a = core_state_action(&h->s, name);

	assert_non_null(a);
	return a;
}

/* Is token a member of the comma-separated list? */
static int
csv_has(const char *csv, const char *token)
{
	size_t	n = strlen(token);
	const char	*p = csv;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, token, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return 0;
}

/* Exactly the IC (or nobody, while vacant) has the "ic" role. */
static void
assert_one_ic(const struct hub *h, const char **users, size_t n)
{
	size_t	 i, count = 0;
	char	*roles;

	for (i = 0; i < n; i++) {
		roles = core_state_roles(&h->s, users[i]);
		if (csv_has(roles, "ic")) {
			count++;
			assert_non_null(h->s.ic);
			assert_string_equal(h->s.ic, users[i]);
		}
		free(roles);
	}
	assert_int_equal(count, h->s.ic != NULL ? 1 : 0);
}

/* An incident opened by alice with the usual cast. */
static void
hub_open(struct hub *h)
{
	hub_init(h, "INC-1");
	assert_code(h, cmd_open(h, "alice", "Checkout is down", 2), NULL);
	assert_int_equal(h->s.seq, 1);
}

static void
sha256(const void *p, size_t n, unsigned char *out)
{
	unsigned int	len = 0;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, CORE_HASH_LEN);
}

/* Independently: SHA-256(prev || bytes). */
static void
sha256_next(const unsigned char *prev, const char *bytes, size_t n,
    unsigned char *out)
{
	unsigned char	*p = xmalloc(CORE_HASH_LEN + n);

	memcpy(p, prev, CORE_HASH_LEN);
	memcpy(p + CORE_HASH_LEN, bytes, n);
	sha256(p, CORE_HASH_LEN + n, out);
	free(p);
}

static void
assert_hex(const unsigned char *h, const char *hex)
{
	char	got[2 * CORE_HASH_LEN + 1];

	util_hex_encode(h, CORE_HASH_LEN, got);
	assert_string_equal(got, hex);
}

/* Equal strings; with empty, "" and NULL count as the same (omitted). */
static void
assert_str_same(const char *a, const char *b, int empty)
{
	if (empty && a != NULL && *a == '\0')
		a = NULL;
	if (empty && b != NULL && *b == '\0')
		b = NULL;
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
assert_list_same(char **a, size_t na, char **b, size_t nb)
{
	size_t	i;

	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

static void
assert_event_same(const struct core_event *a, const struct core_event *b,
    int empty)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->time, b->time);
	assert_int_equal(a->written, b->written);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->sev, b->sev);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->fence, b->fence);
	assert_int_equal(a->force, b->force);
	assert_int_equal(a->ref, b->ref);
	assert_str_same(a->kind, b->kind, empty);
	assert_str_same(a->actor, b->actor, empty);
	assert_str_same(a->roles, b->roles, empty);
	assert_str_same(a->op, b->op, empty);
	assert_str_same(a->name, b->name, empty);
	assert_str_same(a->user, b->user, empty);
	assert_str_same(a->role, b->role, empty);
	assert_str_same(a->state, b->state, empty);
	assert_str_same(a->outcome, b->outcome, empty);
	assert_str_same(a->text, b->text, empty);
	assert_list_same(a->after, a->nafter, b->after, b->nafter);
	assert_list_same(a->conflicts, a->nconflicts, b->conflicts,
	    b->nconflicts);
}

/* Text with backslashes, line feeds, a tab and 2-, 3- and 4-byte UTF-8. */
#define FULL_TEXT	"C:\\path\\ line one\nline two\ttabbed \\n not a " \
			"newline: caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80\n\\"
#define FULL_BYTES \
	"seq 42\n" \
	"time 1700000000123\n" \
	"actor alice\n" \
	"roles ic,ops\n" \
	"op 0123456789abcdef0123456789abcdef\n" \
	"type action.declare\n" \
	"name db-failover\n" \
	"user bob@example.org\n" \
	"role ops\n" \
	"state mitigating\n" \
	"outcome failed\n" \
	"sev 2\n" \
	"ttl 15000\n" \
	"fence 17\n" \
	"force 1\n" \
	"after drain.web\n" \
	"after backup_1\n" \
	"conflicts deploy\n" \
	"conflicts cache-flush\n" \
	"text C:\\\\path\\\\ line one\\nline two\ttabbed \\\\n not a " \
	"newline: caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80\\n\\\\\n"

static void
event_full(struct core_event *e)
{
	core_event_init(e);
	e->seq = 42;
	e->time = 1700000000123LL;
	set(&e->actor, "alice");
	set(&e->roles, "ic,ops");
	set(&e->op, "0123456789abcdef0123456789abcdef");
	e->type = CORE_DECLARE;
	set(&e->name, "db-failover");
	set(&e->user, "bob@example.org");
	set(&e->role, "ops");
	set(&e->state, "mitigating");
	set(&e->outcome, "failed");
	e->sev = 2;
	e->ttl = 15000;
	e->fence = 17;
	e->force = 1;
	list_csv(&e->after, &e->nafter, "drain.web,backup_1");
	list_csv(&e->conflicts, &e->nconflicts, "deploy,cache-flush");
	set(&e->text, FULL_TEXT);
}

/* A minimal event of type t: an actor and the fields its type requires. */
static void
event_required(struct core_event *e, enum core_type t)
{
	int	req = core_cmd_entry_of(t)->required;

	core_event_init(e);
	e->type = t;
	e->seq = 1;
	set(&e->actor, "carol");
	if (req & CORE_FLD_NAME)
		set(&e->name, "step-1");
	if (req & CORE_FLD_USER)
		set(&e->user, "bob");
	if (req & CORE_FLD_ROLE)
		set(&e->role, "ops");
	if (req & CORE_FLD_STATE)
		set(&e->state, "mitigating");
	if (req & CORE_FLD_OUTCOME)
		set(&e->outcome, "success");
	if (req & CORE_FLD_KIND)
		set(&e->kind, "decision");
	if (req & CORE_FLD_SEV)
		e->sev = 2;
	if (req & CORE_FLD_FENCE)
		e->fence = 3;
	if (req & CORE_FLD_REF)
		e->ref = 1;
	if (req & CORE_FLD_TEXT)
		set(&e->text, "because");
	if (req & CORE_FLD_URL)
		set(&e->url, "http://127.0.0.1:9090");
	if (req & CORE_FLD_QUERY)
		set(&e->query, "up");
}

/* decode(encode(e)) == e and encode(decode(bytes)) == bytes. */
static void
roundtrip(const struct core_event *e, const char *want)
{
	struct core_event	 d;
	struct buf		 b, b2;
	char			*cause = NULL;

	util_buf_init(&b);
	util_buf_init(&b2);
	core_event_encode(e, &b);
	if (want != NULL)
		assert_string_equal(b.data, want);
	assert_int_equal(core_event_decode(b.data, b.len, &d, &cause), 0);
	assert_null(cause);
	assert_event_same(e, &d, 0);
	core_event_encode(&d, &b2);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	core_event_clear(&d);
	util_buf_clear(&b);
	util_buf_clear(&b2);
}

static void
test_event_roundtrip(void **state)
{
	struct core_event	 e, c;
	struct buf		 b;
	int			 t;

	(void)state;

	/* Every field, with the documented bytes. */
	event_full(&e);
	roundtrip(&e, FULL_BYTES);
	core_event_copy(&c, &e);
	assert_event_same(&e, &c, 0);
	roundtrip(&c, FULL_BYTES);
	core_event_clear(&c);
	core_event_clear(&e);

	/* Text made only of escapes; the largest numbers. */
	core_event_init(&e);
	e.type = CORE_NOTE;
	e.seq = 7;
	e.time = CORE_INT_MAX;
	e.fence = CORE_INT_MAX;
	set(&e.actor, "bob");
	set(&e.text, "\\\n\\\\\n\n\\n");
	roundtrip(&e, "seq 7\ntime 9007199254740991\nactor bob\ntype note\n"
	    "fence 9007199254740991\n"
	    "text \\\\\\n\\\\\\\\\\n\\n\\\\n\n");
	core_event_clear(&e);

	/* A note's written time follows the hub's, only when not 0. */
	core_event_init(&e);
	e.type = CORE_NOTE;
	e.seq = 3;
	e.time = WALL0;
	e.written = WALL0 - 60000;
	set(&e.actor, "bob");
	set(&e.text, "typed on the train");
	roundtrip(&e, "seq 3\ntime 1700000000000\nwritten 1699999940000\n"
	    "actor bob\ntype note\ntext typed on the train\n");
	e.written = 0;
	roundtrip(&e, "seq 3\ntime 1700000000000\n"
	    "actor bob\ntype note\ntext typed on the train\n");
	core_event_clear(&e);

	/* Empty strings and zero numbers are omitted; seq and time are not. */
	core_event_init(&e);
	e.type = CORE_OPEN;
	set(&e.roles, "");
	set(&e.text, "");
	util_buf_init(&b);
	core_event_encode(&e, &b);
	assert_string_equal(b.data, "seq 0\ntime 0\ntype open\n");
	util_buf_clear(&b);
	core_event_clear(&e);

	/* Every type, by its wire name, with the fields it requires. */
	for (t = 0; t < CORE_TYPE_COUNT; t++) {
		event_required(&e, (enum core_type)t);
		e.seq = t + 1;
		e.time = WALL0 + t;
		assert_ptr_equal(core_cmd_find(core_type_name(e.type)),
		    core_cmd_entry_of(e.type));
		assert_int_equal(core_cmd_entry_of(e.type)->type, t);
		roundtrip(&e, NULL);
		core_event_clear(&e);
	}
	assert_null(core_cmd_entry_of(CORE_TYPE_COUNT));
	assert_string_equal(core_type_name(CORE_TYPE_COUNT), "?");
}

static void
test_event_decode_rejects(void **state)
{
	static const struct {
		const char	*in;
		const char	*cause;
	} bad[] = {
		/* malformed */
		{ "seq 1\ntime 2\ntype note\ntext a\\qb\n", "escape" },
		{ "seq 1\ntime 2\ntype note\ntext a backslash\\\n", "escape" },
		{ "seq 1\ntime 2\ncolour red\ntype note\n", "unknown key" },
		{ "seq 1\ntime 2\ntype note\nText hi\n", "unknown key" },
		{ "seq 1\ntime 2\nactor alice\n", "without a type" },
		{ "", "without a type" },
		{ "seq 12x\ntime 2\ntype note\n", "bad number" },
		{ "seq \ntime 2\ntype note\n", "bad number" },
		{ "seq 1\ntime 2\ntype note\nfence 99999999999999999999\n",
		    "bad number" },
		{ "seq 1\ntime 2\ntype note\nsev 0x10\n", "bad number" },
		{ "seq 1\ntime 2\ntype frobnicate\n", "unknown event type" },
		{ "seq 1\ntime 2\ntype note", "line feed" },
		{ "seq 1\ntime 2\ntype\n", "without a value" },
		/* well formed, but not what the encoder writes */
		{ "time 2\nseq 1\ntype note\n", "canonical" },
		{ "seq 1\ntype note\n", "canonical" },
		{ "seq +1\ntime 2\ntype note\n", "canonical" },
		{ "seq 01\ntime 2\ntype note\n", "canonical" },
		{ "seq  1\ntime 2\ntype note\n", "canonical" },
		{ "seq 1\ntime 2\ntype note\nsev 0\n", "canonical" },
		{ "seq 1\ntime 2\nactor \ntype note\n", "canonical" },
		{ "seq 1\ntime 2\ntype note\ntype note\n", "canonical" },
		{ "seq 1\ntime 2\ntype note\ntext b\nactor a\n", "canonical" },
		/* canonical, but against the field rules (as on the wire) */
		{ "seq 0\ntime 0\ntype open\n", "seq is at least 1" },
		{ "seq 1\ntime 2\ntype note\ntext hi\n", "needs field \"actor\"" },
		{ "seq 1\ntime 2\nactor a\ntype note\n", "needs field \"text\"" },
		{ "seq 1\ntime -1\nactor a\ntype note\ntext hi\n",
		    "\"time\" must be an integer from 0 to 9007199254740991" },
		{ "seq 9007199254740992\ntime 2\nactor a\ntype note\ntext hi\n",
		    "\"seq\" must be an integer from 0 to 9007199254740991" },
		{ "seq 1\ntime 2\nactor a\ntype note\nfence -5\ntext hi\n",
		    "\"fence\" must be an integer from 0" },
		{ "seq 3\ntime 2\nactor a\ntype command.take\n"
		    "force 9007199254740991\n",
		    "\"force\" must be an integer from 0 to 1" },
		{ "seq 1\ntime 2\nactor a\ntype sev\nsev 5\n",
		    "\"sev\" must be an integer from 0 to 4" },
		{ "seq 1\ntime 2\nactor a\ntype action.claim\nname x\n"
		    "ttl 86400001\n", "\"ttl\" must be an integer from 0 to" },
		{ "seq 1\ntime 2\nwritten 1\nactor a\ntype action.claim\n"
		    "name x\n", "only valid on notes" },
		{ "seq 1\ntime 2\nwritten -1\nactor a\ntype note\ntext hi\n",
		    "\"written\" must be an integer from 0" },
		{ "seq 1\ntime 2\nactor a\nop \xff\xfe\ntype note\ntext hi\n",
		    "\"op\" must be 1 to 64 bytes of UTF-8" },
		{ "seq 1\ntime 2\nactor a\nop "
		    "01234567890123456789012345678901234567890123456789012345678901234"
		    "\ntype note\ntext hi\n", "\"op\" must be 1 to 64 bytes" },
		{ "seq 1\ntime 2\nactor a b\ntype note\ntext hi\n",
		    "\"actor\" must be a name" },
		{ "seq 1\ntime 2\nactor a\nroles ic,,ops\ntype note\ntext hi\n",
		    "\"roles\" must be names" },
		{ "seq 1\ntime 2\nactor a\ntype note\ntext caf\xc3\n",
		    "\"text\" must be at most 4096 bytes of UTF-8" },
		{ "seq 1\ntime 2\nactor a\ntype note\ntext bell \a\n",
		    "\"text\" must be" },
		{ "seq 1\ntime 2\nactor a\ntype action.declare\nname x\n"
		    "after a\nafter a\nafter a\nafter a\nafter a\nafter a\n"
		    "after a\nafter a\nafter a\nafter a\nafter a\nafter a\n"
		    "after a\nafter a\nafter a\nafter a\nafter a\nafter a\n"
		    "after a\nafter a\nafter a\nafter a\nafter a\nafter a\n"
		    "after a\nafter a\nafter a\nafter a\nafter a\nafter a\n"
		    "after a\nafter a\nafter a\n", "more than 32 entries" },
	};
	static const char	*good = "seq 1\ntime 2\nactor a\ntype note\n"
				    "text hi\n";
	struct core_event	 e;
	char			*cause;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		memset(&e, 0xa5, sizeof e);
		if (core_event_decode(bad[i].in, strlen(bad[i].in), &e,
		    &cause) == 0) {
			print_error("accepted: \"%s\"\n", bad[i].in);
			core_event_clear(&e);
			fail();
		}
		assert_contains(cause, bad[i].cause);
		/* A refused event is left empty. */
		assert_null(e.actor);
		assert_null(e.text);
		assert_null(e.after);
		assert_int_equal(e.seq, 0);
		free(cause);
	}

	/* The canonical form is accepted. */
	cause = NULL;
	assert_int_equal(core_event_decode(good, strlen(good), &e, &cause), 0);
	assert_null(cause);
	assert_int_equal(e.type, CORE_NOTE);
	assert_string_equal(e.text, "hi");
	core_event_clear(&e);
}

/*
 * Every event a log could hold, even one missing what its type needs, can
 * be described and folded without a crash (a note without text once
 * crashed every client a hostile hub sent it to).
 */
static void
test_describe_any(void **state)
{
	struct hub		 h;
	struct core_event	 e;
	struct core_ctx		 ctx;
	char			*d;
	int			 t;

	(void)state;
	core_event_init(&e);
	e.type = CORE_NOTE;
	d = core_event_describe(&e);
	assert_string_equal(d, "?");
	free(d);
	for (t = 0; t < CORE_TYPE_COUNT; t++) {
		hub_open(&h);
		core_event_init(&e);
		e.type = (enum core_type)t;
		e.force = 1;
		d = core_event_describe(&e);
		assert_non_null(d);
		free(d);
		e.seq = h.s.seq + 1;
		ctx = hub_ctx(&h, "bob", VIEW_NOW, 0);
		core_state_apply(&h.s, &e, &ctx);
		assert_int_equal(h.s.seq, e.seq);
		core_event_clear(&e);
		hub_free(&h);
	}
	assert_string_equal(core_str_or(NULL, "x"), "x");
	assert_string_equal(core_str_or("y", "x"), "y");

	/*
	 * A note by someone who is not a person (the hub's name, from a
	 * hostile hub) is not indexed: amending it is refused, and no
	 * author is read from beyond the list of people.
	 */
	hub_open(&h);
	event_required(&e, CORE_NOTE);
	set(&e.actor, CORE_ACTOR_HUB);
	e.seq = h.s.seq + 1;
	ctx = hub_ctx(&h, CORE_ACTOR_HUB, VIEW_NOW, 1);
	core_state_apply(&h.s, &e, &ctx);
	assert_null(core_state_note(&h.s, e.seq));
	core_event_clear(&e);
	core_event_init(&e);
	e.type = CORE_AMEND;
	e.ref = h.s.seq;
	set(&e.text, "fixed");
	assert_code(&h, hub_issue(&h, "alice", &e, -1, 0), "unknown-event");
	hub_free(&h);
}

/*
 * The field table: canonical order, one range per integer, and the
 * model refusing out-of-range integers from any source; a note keeps the
 * written time it was given, other commands lose it.
 */
static void
test_field_rules(void **state)
{
	const struct core_field	*tab, *f;
	struct core_event	 e, c;
	struct hub		 h;
	const char		*code;
	char			*cause = NULL;
	size_t			 n, i;
	int64_t			*v;

	(void)state;
	tab = core_field_table(&n);
	assert_true(n > 20);
	assert_string_equal(tab[0].key, "seq");
	assert_string_equal(tab[1].key, "time");
	assert_string_equal(tab[2].key, "written");
	assert_string_equal(tab[n - 1].key, "text");
	assert_ptr_equal(core_field_find("written"), &tab[2]);
	assert_null(core_field_find("colour"));

	/* Each integer: its bounds are fine, one past them is not. */
	for (i = 0; i < n; i++) {
		f = &tab[i];
		if (f->kind != CORE_FIELD_INT)
			continue;
		assert_true(f->min >= -CORE_INT_MAX && f->max <= CORE_INT_MAX);
		event_required(&e, CORE_NOTE);
		v = core_field_int(&e, f);
		*v = f->max;
		assert_int_equal(core_event_valid(&e, CORE_VALID_SHAPE,
		    &cause), 0);
		*v = f->max + 1;
		assert_int_equal(core_event_valid(&e, CORE_VALID_SHAPE,
		    &cause), -1);
		assert_contains(cause, f->key);
		assert_contains(cause, "must be an integer from");
		free(cause);
		*v = f->min - 1;
		assert_int_equal(core_event_valid(&e, CORE_VALID_EVENT,
		    &cause), -1);
		free(cause);
		core_event_clear(&e);
	}

	/* Equality is field by field; NULL is not "". */
	event_required(&e, CORE_DECLARE);
	core_list_add(&e.after, &e.nafter, "x");
	core_event_copy(&c, &e);
	assert_true(core_event_equal(&e, &c));
	c.written = 1;
	assert_false(core_event_equal(&e, &c));
	c.written = 0;
	set(&c.roles, "");
	assert_false(core_event_equal(&e, &c));
	set(&c.roles, NULL);
	set(&c.after[0], "y");
	assert_false(core_event_equal(&e, &c));
	core_event_clear(&c);
	core_event_clear(&e);

	/* The model refuses what the field rules refuse, as bad-request. */
	hub_open(&h);
	core_event_init(&e);
	e.type = CORE_NOTE;
	set(&e.text, "hi");
	e.written = -1;
	assert_code(&h, hub_issue(&h, "bob", &e, -1, 0), "bad-request");
	assert_contains(h.msg, "\"written\"");
	e.type = CORE_CMD_TAKE;
	e.force = CORE_INT_MAX;
	set(&e.text, "gone");
	assert_code(&h, hub_issue(&h, "bob", &e, VIEW_NOW, 0),
	    "bad-request");
	assert_contains(h.msg, "\"force\" must be an integer from 0 to 1");

	/* A note keeps its written time; a summary drops it. */
	e.type = CORE_NOTE;
	set(&e.text, "typed offline");
	e.written = WALL0 - 5000;
	assert_code(&h, hub_issue(&h, "bob", &e, -1, 0), NULL);
	assert_int_equal(h.last.written, WALL0 - 5000);
	e.type = CORE_SUMMARY;
	set(&e.text, "all fine");
	e.written = WALL0 - 5000;
	assert_code(&h, hub_issue(&h, "bob", &e, -1, 0), NULL);
	assert_int_equal(h.last.written, 0);

	/* A user's roles must fit in the events they issue. */
	for (i = 0; ; i++) {
		char	role[64];

		snprintf(role, sizeof role, "role-%02zu-%s", i,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		if ((code = cmd_role(&h, CORE_ROLE_ASSIGN, "alice", role,
		    "bob", VIEW_NOW)) != NULL)
			break;
		assert_true(i < 100);
	}
	assert_code(&h, code, "bad-request");
	assert_contains(h.msg, "too many roles");
	assert_true(i > 50);
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", "still here", -1), NULL);
	assert_true(strlen(h.last.roles) <= CORE_ROLES_MAX);
	hub_free(&h);
}

static void
test_chain_start(void **state)
{
	unsigned char	a[CORE_HASH_LEN], b[CORE_HASH_LEN];
	unsigned char	c[CORE_HASH_LEN], want[CORE_HASH_LEN];
	static const char tag[] = "concord-chain-v1 INC-2";

	(void)state;
	core_chain_start("INC-1", a);
	core_chain_start("INC-2", b);
	core_chain_start("INC-1", c);
	assert_memory_not_equal(a, b, CORE_HASH_LEN);
	assert_memory_equal(a, c, CORE_HASH_LEN);
	core_chain_start("INC-10", c);
	assert_memory_not_equal(a, c, CORE_HASH_LEN);
	core_chain_start("inc-1", c);
	assert_memory_not_equal(a, c, CORE_HASH_LEN);

	/* h0 = SHA-256("concord-chain-v1 " || id). */
	assert_hex(a, "5c5011bb5e8a874004b34622e5fb722471d7c94a"
	    "3111e5b218bcf510285be33f");
	sha256(tag, sizeof tag - 1, want);
	assert_memory_equal(b, want, CORE_HASH_LEN);

	/* The state starts there. */
	{
		struct core_state	s;

		core_state_init(&s, "INC-2");
		assert_memory_equal(s.chain, want, CORE_HASH_LEN);
		assert_int_equal(s.seq, 0);
		core_state_clear(&s);
	}
}

/* Change field k of e; returns 0 when there are no more fields. */
static int
mutate(struct core_event *e, int k)
{
	char	*t;

	switch (k) {
	case 0: e->seq++; break;
	case 1: e->time++; break;
	case 2: set(&e->actor, "alicf"); break;
	case 3: set(&e->roles, "ic"); break;
	case 4: set(&e->roles, NULL); break;
	case 5: set(&e->op, "0123456789abcdef0123456789abcdee"); break;
	case 6: e->type = CORE_CLAIM; break;
	case 7: set(&e->name, "db-failovers"); break;
	case 8: set(&e->user, "bob@example.com"); break;
	case 9: set(&e->role, "comms"); break;
	case 10: set(&e->state, "resolved"); break;
	case 11: set(&e->outcome, "success"); break;
	case 12: e->sev = 3; break;
	case 13: e->ttl++; break;
	case 14: e->fence++; break;
	case 15: e->force = 0; break;
	case 16: set(&e->after[1], "backup_2"); break;
	case 17: core_list_add(&e->after, &e->nafter, "extra"); break;
	case 18:
		t = e->after[0];
		e->after[0] = e->after[1];
		e->after[1] = t;
		break;
	case 19: set(&e->conflicts[0], "deploy2"); break;
	case 20: free(e->conflicts[--e->nconflicts]); break;
	case 21: e->text[strlen(e->text) - 1] = '/'; break;
	case 22: set(&e->text, NULL); break;
	case 23: e->written++; break;
	default: return 0;
	}
	return 1;
}

static void
chain3(const unsigned char *h0, const struct core_event *ev,
    unsigned char *out)
{
	unsigned char	h[CORE_HASH_LEN], n[CORE_HASH_LEN];
	int		i;

	memcpy(h, h0, CORE_HASH_LEN);
	for (i = 0; i < 3; i++) {
		core_chain_next(h, &ev[i], n);
		memcpy(h, n, CORE_HASH_LEN);
	}
	memcpy(out, h, CORE_HASH_LEN);
}

static void
test_chain_sensitivity(void **state)
{
	struct core_event	ev[3], save;
	unsigned char		h0[CORE_HASH_LEN], base[CORE_HASH_LEN];
	unsigned char		got[CORE_HASH_LEN], h1[CORE_HASH_LEN];
	unsigned char		h1b[CORE_HASH_LEN];
	int			i, k, n = 0;

	(void)state;
	core_chain_start("INC-7", h0);
	for (i = 0; i < 3; i++)
		event_full(&ev[i]);
	ev[0].type = CORE_OPEN;
	ev[2].type = CORE_NOTE;
	chain3(h0, ev, base);

	/* Any change to any field of any event changes the head. */
	for (i = 0; i < 3; i++) {
		for (k = 0; ; k++) {
			core_event_copy(&save, &ev[i]);
			if (!mutate(&ev[i], k)) {
				core_event_clear(&save);
				break;
			}
			chain3(h0, ev, got);
			if (memcmp(got, base, CORE_HASH_LEN) == 0) {
				print_error("event %d field %d\n", i, k);
				fail();
			}
			core_event_clear(&ev[i]);
			ev[i] = save;
			n++;
		}
	}
	assert_int_equal(n, 3 * 24);
	chain3(h0, ev, got);
	assert_memory_equal(got, base, CORE_HASH_LEN);

	/* A different incident, or a different previous hash, too. */
	core_chain_start("INC-8", h1);
	chain3(h1, ev, got);
	assert_memory_not_equal(got, base, CORE_HASH_LEN);
	core_chain_next(h0, &ev[0], h1);
	h0[31] ^= 1;
	core_chain_next(h0, &ev[0], h1b);
	assert_memory_not_equal(h1, h1b, CORE_HASH_LEN);

	for (i = 0; i < 3; i++)
		core_event_clear(&ev[i]);
}

static void
test_chain_known_answer(void **state)
{
	static const char	b1[] = "seq 1\ntime 1700000000000\n"
				    "actor alice\ntype open\nsev 2\n"
				    "text Checkout is down\n";
	static const char	b2[] = "seq 2\ntime 1700000001000\n"
				    "actor bob\ntype note\n"
				    "text caf\xc3\xa9 \\\\ \\n ok\n";
	static const char	tag[] = "concord-chain-v1 INC-1";
	struct hub		h;
	struct core_event	e;
	struct buf		b;
	unsigned char		h0[CORE_HASH_LEN], h1[CORE_HASH_LEN];
	unsigned char		h2[CORE_HASH_LEN], got[CORE_HASH_LEN];
	char			digest[CORE_DIGEST_LEN + 1], hex[65];
	size_t			i;

	(void)state;

	/* Independently over the documented bytes. */
	sha256(tag, sizeof tag - 1, h0);
	sha256_next(h0, b1, sizeof b1 - 1, h1);
	sha256_next(h1, b2, sizeof b2 - 1, h2);
	assert_hex(h1, "a3a9f69deacb70def47d5769c7f7a2a2"
	    "1202519102f1dd11d248f2fbc62f4d00");
	assert_hex(h2, "79427fbc3e1d209df2eae713c44b5bf4"
	    "de4e0bedfe9664256c1e12135884ad35");

	/* The core over an event with those canonical bytes. */
	core_event_init(&e);
	e.seq = 1;
	e.time = WALL0;
	e.type = CORE_OPEN;
	set(&e.actor, "alice");
	set(&e.roles, "");
	e.sev = 2;
	set(&e.text, "Checkout is down");
	util_buf_init(&b);
	core_event_encode(&e, &b);
	assert_string_equal(b.data, b1);
	util_buf_clear(&b);
	core_chain_start("INC-1", got);
	assert_memory_equal(got, h0, CORE_HASH_LEN);
	core_chain_next(h0, &e, got);
	assert_memory_equal(got, h1, CORE_HASH_LEN);
	memset(got, 0, sizeof got);
	core_chain_next_bytes(h0, b1, sizeof b1 - 1, got);
	assert_memory_equal(got, h1, CORE_HASH_LEN);
	/* A fold given the bytes makes its chain from them, not again. */
	{
		struct core_state	s;
		struct core_ctx		ctx;

		memset(&ctx, 0, sizeof ctx);
		core_state_init(&s, "INC-1");
		core_state_apply_encoded(&s, &e, b1, sizeof b1 - 1, &ctx);
		assert_memory_equal(s.chain, h1, CORE_HASH_LEN);
		assert_int_equal(s.seq, 1);
		core_state_clear(&s);
		core_state_init(&s, "INC-1");
		core_state_apply_encoded(&s, &e, b2, sizeof b2 - 1, &ctx);
		assert_memory_not_equal(s.chain, h1, CORE_HASH_LEN);
		core_state_clear(&s);
	}
	core_event_clear(&e);

	/* And the fold, with the hub choosing seq, time and roles. */
	hub_init(&h, "INC-1");
	assert_code(&h, cmd_open(&h, "alice", "Checkout is down", 2), NULL);
	assert_memory_equal(h.s.chain, h1, CORE_HASH_LEN);
	h.now += 1000;
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", "caf\xc3\xa9 \\ \n ok",
	    -1), NULL);
	assert_memory_equal(h.s.chain, h2, CORE_HASH_LEN);

	/* The digest: the first six lowercase hex digits. */
	core_chain_digest(h.s.chain, digest);
	assert_int_equal(strlen(digest), CORE_DIGEST_LEN);
	for (i = 0; i < CORE_DIGEST_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", digest[i]));
	assert_string_equal(digest, "79427f");
	util_hex_encode(h1, CORE_HASH_LEN, hex);
	core_chain_digest(h1, digest);
	assert_memory_equal(digest, hex, CORE_DIGEST_LEN);
	assert_string_equal(digest, "a3a9f6");
	hub_free(&h);
}

static void
test_valid_names(void **state)
{
	char	name[CORE_NAME_MAX + 2];
	struct hub	h;

	(void)state;
	assert_true(core_name_valid("a"));
	assert_true(core_name_valid("A9"));
	assert_true(core_name_valid("a.b_c@d-e"));
	assert_true(core_name_valid("db-failover"));
	assert_false(core_name_valid(NULL));
	assert_false(core_name_valid(""));
	assert_false(core_name_valid("a b"));
	assert_false(core_name_valid("a/b"));
	assert_false(core_name_valid("a:b"));
	assert_false(core_name_valid("a,b"));
	assert_false(core_name_valid("a\n"));
	assert_false(core_name_valid("caf\xc3\xa9"));
	assert_false(core_name_valid("a\\b"));

	memset(name, 'x', sizeof name);
	name[CORE_NAME_MAX] = '\0';
	assert_true(core_name_valid(name));
	name[CORE_NAME_MAX] = 'x';
	name[CORE_NAME_MAX + 1] = '\0';
	assert_false(core_name_valid(name));

	/* Through the core: bad user and action names are refused. */
	hub_open(&h);
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bad user", "hi", -1),
	    "bad-request");
	assert_code(&h, cmd_declare(&h, "alice", "two words", NULL, NULL,
	    VIEW_NOW), "bad-request");
	assert_code(&h, cmd_declare(&h, "alice", name, NULL, NULL, VIEW_NOW),
	    "bad-request");
	name[CORE_NAME_MAX] = '\0';
	assert_code(&h, cmd_declare(&h, "alice", name, NULL, NULL, VIEW_NOW),
	    NULL);
	assert_code(&h, cmd_claim(&h, "bob", "a/b", 0, VIEW_NOW),
	    "bad-request");
	assert_code(&h, cmd_claim(&h, "bob", NULL, 0, VIEW_NOW),
	    "bad-request");
	assert_int_equal(h.s.seq, 2);
	hub_free(&h);
}

static void
test_valid_text(void **state)
{
	static const char *good[] = {
		"",
		"plain ascii ~",
		"tab\there",
		"two\nlines\n",
		"caf\xc3\xa9",			/* U+00E9 */
		"\xc2\xa0",			/* U+00A0 */
		"\xdf\xbf",			/* U+07FF */
		"\xe0\xa0\x80",			/* U+0800 */
		"\xe2\x9c\x93",			/* U+2713 */
		"\xed\x9f\xbf",			/* U+D7FF */
		"\xee\x80\x80",			/* U+E000 */
		"\xef\xbf\xbd",			/* U+FFFD */
		"\xf0\x90\x80\x80",		/* U+10000 */
		"\xf0\x9f\x9a\x80",		/* U+1F680 */
		"\xf4\x8f\xbf\xbf",		/* U+10FFFF */
	};
	static const char *bad[] = {
		"\r",
		"bell\a",
		"\x01",
		"\x1b[2J",
		"\x7f",
		"\xc2\x85",			/* C1 NEL */
		"\xc2\x9f",			/* C1 */
		"\x80",				/* continuation */
		"\xbf",
		"\xfe",
		"\xff",
		"\xc3",				/* truncated */
		"\xe2\x9c",
		"\xf0\x9f\x9a",
		"\xc3\x28",			/* no continuation */
		"\xe2\x28\x93",
		"\xf0\x9f\x28\x80",
		"\xc0\xaf",			/* overlong '/' */
		"\xc1\xbf",
		"\xc0\x80",			/* overlong NUL */
		"\xe0\x80\xaf",			/* overlong '/' */
		"\xe0\x82\xa0",			/* overlong U+00A0 */
		"\xe0\x9f\xbf",			/* overlong U+07FF */
		"\xf0\x80\x80\xaf",		/* overlong '/' */
		"\xf0\x80\xa0\x80",		/* overlong U+0800 */
		"\xf0\x8f\xbf\xbf",		/* overlong U+FFFF */
		"\xed\xa0\x80",			/* surrogates */
		"\xed\xad\xbf",
		"\xed\xbf\xbf",
		"\xf4\x90\x80\x80",		/* above U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80",		/* 5 bytes */
		"\xfc\x84\x80\x80\x80\x80",	/* 6 bytes */
	};
	char	*p;
	size_t	 i;
	struct hub	h;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (!core_text_valid(good[i], CORE_TEXT_MAX)) {
			print_error("refused good text %zu\n", i);
			fail();
		}
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (core_text_valid(bad[i], CORE_TEXT_MAX)) {
			print_error("accepted bad text %zu\n", i);
			fail();
		}
	}
	assert_false(core_text_valid(NULL, CORE_TEXT_MAX));

	/* A bad sequence in the middle spoils the whole text. */
	assert_false(core_text_valid("ok \xe0\x82\xa0 ok", CORE_TEXT_MAX));
	assert_false(core_text_valid("ok\rok", CORE_TEXT_MAX));

	/* The bound is in bytes. */
	assert_true(core_text_valid("\xc3\xa9\xc3\xa9\xc3\xa9", 6));
	assert_false(core_text_valid("\xc3\xa9\xc3\xa9\xc3\xa9", 5));
	p = xmalloc(CORE_TEXT_MAX + 2);
	memset(p, 'n', CORE_TEXT_MAX + 1);
	p[CORE_TEXT_MAX + 1] = '\0';
	assert_false(core_text_valid(p, CORE_TEXT_MAX));

	/* Through the core. */
	hub_open(&h);
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", p, -1), "bad-request");
	p[CORE_TEXT_MAX] = '\0';
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", p, -1), NULL);
	assert_string_equal(h.last.text, p);
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", "", -1), "bad-request");
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", "\x1b[31mred", -1),
	    "bad-request");
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", "\xe0\x82\xa0", -1),
	    "bad-request");
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob",
	    "tab\tand\nline \xf0\x9f\x9a\x80", -1), NULL);
	assert_code(&h, cmd_text(&h, CORE_SUMMARY, "bob", "one\ntwo", -1),
	    "bad-request");
	assert_code(&h, cmd_text(&h, CORE_SUMMARY, "bob", "caf\xc3\xa9 down",
	    -1), NULL);
	assert_string_equal(h.s.summary, "caf\xc3\xa9 down");
	assert_code(&h, cmd_break(&h, "alice", "x", "\xed\xa0\x80", VIEW_NOW),
	    "bad-request");
	assert_int_equal(h.s.seq, 4);
	free(p);
	hub_free(&h);
}

static const enum core_type ic_only[] = {
	CORE_STATUS, CORE_SEV, CORE_ROLE_ASSIGN, CORE_ROLE_CLEAR,
	CORE_DECLARE, CORE_BREAK, CORE_ACCESS, CORE_CMD_OFFER, CORE_CMD_RESIGN
};
#define NIC_ONLY (sizeof ic_only / sizeof ic_only[0])

/* A valid instance of an IC-only command, in the order of ic_only. */
static const char *
cmd_ic_only(struct hub *h, enum core_type t, const char *u)
{
	switch (t) {
	case CORE_STATUS:
		return cmd_status(h, u, "identified", VIEW_NOW);
	case CORE_SEV:
		return cmd_sev(h, u, 1, VIEW_NOW);
	case CORE_ROLE_ASSIGN:
		return cmd_role(h, t, u, "comms", "dave", VIEW_NOW);
	case CORE_ROLE_CLEAR:
		return cmd_role(h, t, u, "ops", NULL, VIEW_NOW);
	case CORE_DECLARE:
		return cmd_declare(h, u, "second", NULL, NULL, VIEW_NOW);
	case CORE_BREAK:
		return cmd_break(h, u, "restart", "stuck", VIEW_NOW);
	case CORE_ACCESS:
		return cmd_access(h, u, "viewers");
	case CORE_CMD_OFFER:
		return cmd_offer(h, u, "carol", VIEW_NOW);
	case CORE_CMD_RESIGN:
		return cmd_bare(h, t, u, VIEW_NOW);
	default:
		fail();
	}
	return NULL;
}

static void
test_auth_ic_only(void **state)
{
	static const char	*users[] = { "alice", "bob", "carol", "dave" };
	const struct core_grant	*g;
	struct core_event	 e;
	struct hub		 h;
	char			*roles;
	size_t			 i, j;
	int			 t, in, right;
	int64_t			 seq;

	(void)state;

	/* The default table gives exactly these to the IC alone. */
	for (t = 0; t < CORE_TYPE_COUNT; t++) {
		for (in = 0, j = 0; j < NIC_ONLY; j++)
			in |= ic_only[j] == (enum core_type)t;
		core_event_init(&e);
		e.type = t;
		right = core_authz_right(&e);
		g = right == CORE_RIGHT_NONE ? NULL :
		    &core_authz_default()->grant[right];
		assert_int_equal(g != NULL && g->who == CORE_WHO_IC &&
		    g->nroles == 0, in);
	}

	/* Nothing but open before the incident exists. */
	hub_init(&h, "INC-1");
	assert_code(&h, cmd_text(&h, CORE_NOTE, "alice", "hi", -1),
	    "no-incident");
	assert_code(&h, cmd_claim(&h, "alice", "x", 0, 0), "no-incident");
	hub_free(&h);

	/* The opener is the IC. */
	hub_open(&h);
	assert_string_equal(h.s.ic, "alice");
	assert_string_equal(h.s.opened_by, "alice");
	roles = core_state_roles(&h.s, "alice");
	assert_string_equal(roles, "ic");
	free(roles);
	assert_one_ic(&h, users, 4);
	assert_code(&h, cmd_open(&h, "bob", "Again", 1), "exists");

	assert_code(&h, cmd_declare(&h, "alice", "restart", NULL, NULL,
	    VIEW_NOW), NULL);
	assert_string_equal(h.last.roles, "ic");
	assert_code(&h, cmd_role(&h, CORE_ROLE_ASSIGN, "alice", "ops",
	    "carol", VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "bob", "restart", 0, VIEW_NOW), NULL);
	assert_string_equal(h.last.roles, "");
	roles = core_state_roles(&h.s, "carol");
	assert_string_equal(roles, "ops");
	free(roles);

	/* Refused for everyone else, naming the IC. */
	seq = h.s.seq;
	for (i = 1; i < 4; i++) {
		for (j = 0; j < NIC_ONLY; j++) {
			assert_code(&h, cmd_ic_only(&h, ic_only[j], users[i]),
			    "not-ic");
			assert_contains(h.msg, "alice");
		}
	}
	assert_int_equal(h.s.seq, seq);

	/* Anyone may note, summarise and claim. */
	assert_code(&h, cmd_text(&h, CORE_NOTE, "dave", "seen it", -1), NULL);
	assert_code(&h, cmd_text(&h, CORE_SUMMARY, "dave", "db", -1), NULL);

	/* Refused for all while command is vacant, the old IC too. */
	assert_code(&h, cmd_bare(&h, CORE_CMD_RESIGN, "alice", VIEW_NOW),
	    NULL);
	assert_null(h.s.ic);
	assert_one_ic(&h, users, 4);
	seq = h.s.seq;
	for (i = 0; i < 4; i++) {
		for (j = 0; j < NIC_ONLY; j++) {
			assert_code(&h, cmd_ic_only(&h, ic_only[j], users[i]),
			    "not-ic");
			assert_contains(h.msg, "vacant");
		}
	}
	assert_int_equal(h.s.seq, seq);

	/* The new IC may issue each of them. */
	assert_code(&h, cmd_take(&h, "dave", 0, NULL, VIEW_NOW), NULL);
	for (j = 0; j < NIC_ONLY; j++)
		assert_code(&h, cmd_ic_only(&h, ic_only[j], "dave"), NULL);
	assert_string_equal(h.s.status, "identified");
	assert_int_equal(h.s.sev, 1);
	assert_string_equal(core_state_role(&h.s, "comms")->user, "dave");
	assert_null(core_state_role(&h.s, "ops")->user);
	assert_non_null(core_state_action(&h.s, "second"));
	assert_int_equal(action(&h, "restart")->state, CORE_ACTION_FREE);
	assert_null(h.s.ic);
	assert_null(h.s.offer);

	/* Only the hub may expire a lease. */
	assert_code(&h, cmd_expire(&h, "dave", "restart", 0), "forbidden");
	hub_free(&h);
}

static void
test_command_handover(void **state)
{
	static const char	*users[] = { "alice", "bob", "carol", "dave" };
	struct hub		 h;

	(void)state;
	hub_open(&h);
	assert_one_ic(&h, users, 4);

	/* Held: no plain take; a forced one needs a reason and an absent IC. */
	assert_code(&h, cmd_take(&h, "bob", 0, NULL, VIEW_NOW), "held");
	assert_contains(h.msg, "alice");
	assert_code(&h, cmd_take(&h, "alice", 0, NULL, VIEW_NOW), "no-change");
	assert_code(&h, cmd_take(&h, "bob", 1, NULL, VIEW_NOW), "bad-request");
	assert_code(&h, cmd_take(&h, "bob", 1, "", VIEW_NOW), "bad-request");
	h.ic_present = 1;
	assert_code(&h, cmd_take(&h, "bob", 1, "alice vanished", VIEW_NOW),
	    "ic-present");
	assert_string_equal(h.s.ic, "alice");
	h.ic_present = 0;
	assert_code(&h, cmd_take(&h, "bob", 1, NULL, VIEW_NOW), "bad-request");
	assert_code(&h, cmd_take(&h, "bob", 1, "alice vanished", VIEW_NOW),
	    NULL);
	assert_string_equal(h.s.ic, "bob");
	assert_int_equal(h.last.force, 1);
	assert_string_equal(h.last.text, "alice vanished");
	assert_one_ic(&h, users, 4);

	/* Offer and accept. */
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "carol", VIEW_NOW),
	    "no-offer");
	assert_code(&h, cmd_offer(&h, "bob", "bob", VIEW_NOW), "no-change");
	assert_code(&h, cmd_offer(&h, "bob", "carol", VIEW_NOW), NULL);
	assert_string_equal(h.s.offer, "carol");
	assert_string_equal(h.s.ic, "bob");
	assert_one_ic(&h, users, 4);
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "dave", VIEW_NOW),
	    "no-offer");
	assert_contains(h.msg, "bob");
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "carol", VIEW_NOW),
	    NULL);
	assert_string_equal(h.s.ic, "carol");
	assert_null(h.s.offer);
	assert_one_ic(&h, users, 4);
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "carol", VIEW_NOW),
	    "no-offer");
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "bob", VIEW_NOW),
	    "no-offer");

	/* A forced take withdraws a pending offer. */
	assert_code(&h, cmd_offer(&h, "carol", "alice", VIEW_NOW), NULL);
	assert_code(&h, cmd_take(&h, "dave", 1, "carol's laptop died",
	    VIEW_NOW), NULL);
	assert_string_equal(h.s.ic, "dave");
	assert_null(h.s.offer);
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "alice", VIEW_NOW),
	    "no-offer");
	assert_one_ic(&h, users, 4);

	/* Resigning leaves command vacant and withdraws the offer. */
	assert_code(&h, cmd_offer(&h, "dave", "alice", VIEW_NOW), NULL);
	assert_code(&h, cmd_bare(&h, CORE_CMD_RESIGN, "carol", VIEW_NOW),
	    "not-ic");
	assert_code(&h, cmd_bare(&h, CORE_CMD_RESIGN, "dave", VIEW_NOW), NULL);
	assert_null(h.s.ic);
	assert_null(h.s.offer);
	assert_one_ic(&h, users, 4);
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "alice", VIEW_NOW),
	    "no-offer");
	assert_contains(h.msg, "not been offered");

	/* Vacant: a plain take, or a forced one, both work. */
	h.ic_present = 1;
	assert_code(&h, cmd_take(&h, "alice", 0, NULL, VIEW_NOW), NULL);
	assert_string_equal(h.s.ic, "alice");
	assert_code(&h, cmd_take(&h, "bob", 0, NULL, VIEW_NOW), "held");
	assert_code(&h, cmd_bare(&h, CORE_CMD_RESIGN, "alice", VIEW_NOW),
	    NULL);
	assert_code(&h, cmd_take(&h, "bob", 1, "no one in charge", VIEW_NOW),
	    NULL);
	assert_string_equal(h.s.ic, "bob");
	assert_one_ic(&h, users, 4);
	assert_int_equal(h.s.ic_mark.seq, h.s.seq);
	assert_string_equal(h.s.ic_mark.by, "bob");
	hub_free(&h);
}

static void
test_lease_claim_renew_expire(void **state)
{
	struct hub		 h;
	struct core_action	*a;
	int64_t			 f1, f2, f3, t;
	char			 want[64];
	size_t			 i;

	(void)state;
	hub_open(&h);
	assert_code(&h, cmd_declare(&h, "alice", "restart", NULL, NULL,
	    VIEW_NOW), NULL);

	/* A grant's fence is the seq of its claim. */
	t = h.now;
	assert_code(&h, cmd_claim(&h, "bob", "restart", 999, VIEW_NOW),
	    "bad-request");
	assert_code(&h, cmd_claim(&h, "bob", "restart", CORE_TTL_MAX + 1,
	    VIEW_NOW), "bad-request");
	assert_code(&h, cmd_claim(&h, "bob", "nope", 0, VIEW_NOW),
	    "unknown-action");
	assert_code(&h, cmd_claim(&h, "bob", "restart", 10000, VIEW_NOW),
	    NULL);
	f1 = h.s.seq;
	a = action(&h, "restart");
	assert_int_equal(a->state, CORE_ACTION_HELD);
	assert_string_equal(a->holder, "bob");
	assert_int_equal(a->fence, f1);
	assert_int_equal(a->deadline, t + 10000);
	assert_int_equal(core_state_fence_of(&h.s, "restart", "bob"), f1);
	assert_int_equal(core_state_fence_of(&h.s, "restart", "carol"), 0);
	assert_int_equal(core_state_next_deadline(&h.s), t + 10000);
	assert_null(core_state_expired(&h.s, t + 9999));

	/* Held: the refusal names the holder, fence and time left. */
	snprintf(want, sizeof want, "fence %lld", (long long)f1);
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW), "held");
	assert_contains(h.msg, "bob");
	assert_contains(h.msg, want);
	assert_contains(h.msg, "10 s left");
	assert_code(&h, cmd_claim(&h, "bob", "restart", 0, VIEW_NOW), "held");
	h.now += 4000;
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW), "held");
	assert_contains(h.msg, "6 s left");

	/* Renew: the holder, with the current fence, before the deadline. */
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "carol", "restart", f1,
	    NULL, VIEW_NOW), "not-holder");
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "bob", "restart", f1 - 1,
	    NULL, VIEW_NOW), "stale-fence");
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "bob", "restart", f1 + 1,
	    NULL, VIEW_NOW), "stale-fence");
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "bob", "restart", 0,
	    NULL, VIEW_NOW), "bad-request");
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "bob", "nope", f1,
	    NULL, VIEW_NOW), "unknown-action");
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "bob", "restart", f1,
	    NULL, VIEW_NOW), NULL);
	assert_int_equal(h.s.seq, f1);			/* not logged */
	assert_int_equal(a->deadline, h.now + 10000);
	assert_int_equal(a->fence, f1);
	h.now += 2500;
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW), "held");
	assert_contains(h.msg, "8 s left");	/* 7.5 s, rounded up */

	/* At the deadline the lease is over: no renewal resurrects it. */
	h.now = a->deadline;
	assert_ptr_equal(core_state_expired(&h.s, h.now), a);
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "bob", "restart", f1,
	    NULL, VIEW_NOW), "stale-fence");
	assert_contains(h.msg, "ran out");
	assert_code(&h, cmd_fenced(&h, CORE_RELEASE, "bob", "restart", f1,
	    NULL, VIEW_NOW), "stale-fence");
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "bob", "restart", f1,
	    "success", VIEW_NOW), "stale-fence");
	assert_int_equal(a->state, CORE_ACTION_HELD);
	assert_int_equal(a->deadline, h.now);
	/* Until the hub's timer runs, it still counts as held. */
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW), "held");
	assert_contains(h.msg, "0 s left");

	/* Expiry: the hub alone; the lock-delay follows. */
	assert_code(&h, cmd_expire(&h, "carol", "restart", 0), "forbidden");
	assert_int_equal(hub_sweep(&h), 1);
	assert_int_equal(h.last.fence, f1);
	assert_int_equal(a->state, CORE_ACTION_FREE);
	assert_null(a->holder);
	assert_string_equal(a->last_holder, "bob");
	assert_int_equal(a->free_at, h.now + LOCK_DELAY);
	assert_int_equal(a->mark.type, CORE_EXPIRE);
	assert_int_equal(core_state_next_deadline(&h.s), INT64_MAX);
	assert_int_equal(core_state_fence_of(&h.s, "restart", "bob"), 0);
	for (i = 0; i < h.s.npeople; i++)
		assert_string_not_equal(h.s.people[i], CORE_ACTOR_HUB);
	assert_code(&h, cmd_expire(&h, CORE_ACTOR_HUB, "restart", 1),
	    "not-held");
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "bob", "restart", f1,
	    NULL, VIEW_NOW), "stale-fence");
	assert_contains(h.msg, "expired");
	assert_int_equal(a->state, CORE_ACTION_FREE);

	h.now += LOCK_DELAY - 1;
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW),
	    "lock-delay");
	assert_contains(h.msg, "ran out");
	h.now += 1;
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW), NULL);
	f2 = h.s.seq;
	assert_true(f2 > f1);
	assert_int_equal(a->fence, f2);
	assert_int_equal(a->deadline, h.now + CORE_TTL_DEFAULT);
	assert_int_equal(a->free_at, 0);

	/* A stale expiry after a new grant is refused. */
	assert_code(&h, cmd_expire(&h, CORE_ACTOR_HUB, "restart", 1),
	    "not-held");
	assert_code(&h, cmd_expire(&h, CORE_ACTOR_HUB, "nope", 1), "not-held");
	assert_int_equal(a->fence, f2);

	/* Release: free at once, no lock-delay; the old fence is dead. */
	assert_code(&h, cmd_fenced(&h, CORE_RELEASE, "bob", "restart", f1,
	    NULL, VIEW_NOW), "stale-fence");
	assert_code(&h, cmd_fenced(&h, CORE_RELEASE, "carol", "restart", f2,
	    NULL, VIEW_NOW), NULL);
	assert_int_equal(h.last.fence, f2);
	assert_int_equal(a->state, CORE_ACTION_FREE);
	assert_int_equal(a->free_at, 0);
	assert_code(&h, cmd_fenced(&h, CORE_RELEASE, "carol", "restart", f2,
	    NULL, VIEW_NOW), "stale-fence");
	assert_code(&h, cmd_claim(&h, "dave", "restart", 0, VIEW_NOW), NULL);
	f3 = h.s.seq;
	assert_true(f3 > f2);
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "carol", "restart", f2,
	    NULL, VIEW_NOW), "stale-fence");
	snprintf(want, sizeof want, "fence %lld", (long long)f3);
	assert_contains(h.msg, want);
	hub_free(&h);
}

static void
test_lease_break_done(void **state)
{
	struct hub		 h;
	struct core_action	*a;
	int64_t			 f1, f2, f3, f4;

	(void)state;
	hub_open(&h);
	assert_code(&h, cmd_declare(&h, "alice", "restart", NULL, NULL,
	    VIEW_NOW), NULL);
	a = action(&h, "restart");

	/* Break: the IC's, with a reason; the event records the fence. */
	assert_code(&h, cmd_break(&h, "alice", "restart", "stuck", VIEW_NOW),
	    "not-held");
	assert_code(&h, cmd_claim(&h, "dave", "restart", 0, VIEW_NOW), NULL);
	f1 = h.s.seq;
	assert_code(&h, cmd_break(&h, "bob", "restart", "stuck", VIEW_NOW),
	    "not-ic");
	assert_code(&h, cmd_break(&h, "alice", "restart", NULL, VIEW_NOW),
	    "bad-request");
	assert_code(&h, cmd_break(&h, "alice", "restart", "", VIEW_NOW),
	    "bad-request");
	assert_code(&h, cmd_break(&h, "alice", "nope", "stuck", VIEW_NOW),
	    "unknown-action");
	h.now += 1000;
	assert_code(&h, cmd_break(&h, "alice", "restart", "dave is asleep",
	    VIEW_NOW), NULL);
	assert_int_equal(h.last.type, CORE_BREAK);
	assert_int_equal(h.last.fence, f1);
	assert_string_equal(h.last.text, "dave is asleep");
	assert_int_equal(a->state, CORE_ACTION_FREE);
	assert_null(a->holder);
	assert_string_equal(a->last_holder, "dave");
	assert_int_equal(a->free_at, h.now + LOCK_DELAY);
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "dave", "restart", f1,
	    "success", VIEW_NOW), "stale-fence");
	assert_contains(h.msg, "broken");
	assert_code(&h, cmd_break(&h, "alice", "restart", "again", VIEW_NOW),
	    "not-held");
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW),
	    "lock-delay");
	assert_contains(h.msg, "broken");
	h.now += LOCK_DELAY;

	/* Done: the holder's, with a valid outcome and the current fence. */
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW), NULL);
	f2 = h.s.seq;
	assert_true(f2 > f1);
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "dave", "restart", f2,
	    "success", VIEW_NOW), "not-holder");
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "carol", "restart", f2,
	    "maybe", VIEW_NOW), "bad-request");
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "carol", "restart", f2,
	    NULL, VIEW_NOW), "bad-request");
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "carol", "restart", f1,
	    "success", VIEW_NOW), "stale-fence");
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "carol", "restart", f2 + 7,
	    "success", VIEW_NOW), "stale-fence");

	/* Failed frees it again, at once. */
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "carol", "restart", f2,
	    "failed", VIEW_NOW), NULL);
	assert_int_equal(a->state, CORE_ACTION_FREE);
	assert_int_equal(a->free_at, 0);
	assert_string_equal(a->outcome, "failed");
	assert_string_equal(a->last_holder, "carol");
	assert_code(&h, cmd_claim(&h, "bob", "restart", 0, VIEW_NOW), NULL);
	f3 = h.s.seq;
	assert_true(f3 > f2);

	/* So does aborted. */
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "bob", "restart", f3,
	    "aborted", VIEW_NOW), NULL);
	assert_int_equal(a->state, CORE_ACTION_FREE);
	assert_string_equal(a->outcome, "aborted");

	/* Success is final. */
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, VIEW_NOW), NULL);
	f4 = h.s.seq;
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "carol", "restart", f4,
	    "success", VIEW_NOW), NULL);
	assert_int_equal(h.last.fence, f4);
	assert_int_equal(a->state, CORE_ACTION_DONE);
	assert_null(a->holder);
	assert_string_equal(a->outcome, "success");
	assert_code(&h, cmd_claim(&h, "bob", "restart", 0, VIEW_NOW), "done");
	assert_contains(h.msg, "carol");
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "carol", "restart", f4,
	    "success", VIEW_NOW), "stale-fence");
	assert_contains(h.msg, "done");
	assert_code(&h, cmd_fenced(&h, CORE_RELEASE, "carol", "restart", f4,
	    NULL, VIEW_NOW), "stale-fence");
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "carol", "restart", f4,
	    NULL, VIEW_NOW), "stale-fence");
	assert_code(&h, cmd_break(&h, "alice", "restart", "undo", VIEW_NOW),
	    "not-held");
	assert_int_equal(a->state, CORE_ACTION_DONE);

	/* An expired holder cannot record done, even before the sweep. */
	assert_code(&h, cmd_declare(&h, "alice", "other", NULL, NULL,
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "bob", "other", 1000, VIEW_NOW), NULL);
	f1 = h.s.seq;
	h.now += 1000;
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "bob", "other", f1,
	    "success", VIEW_NOW), "stale-fence");
	assert_int_equal(action(&h, "other")->state, CORE_ACTION_HELD);
	assert_int_equal(hub_sweep(&h), 1);
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "bob", "other", f1,
	    "success", VIEW_NOW), "stale-fence");
	assert_int_equal(action(&h, "other")->state, CORE_ACTION_FREE);
	hub_free(&h);
}

static void
test_deps_conflicts(void **state)
{
	struct hub	 h;
	char		 list[400];
	int64_t		 fa, fe;
	int		 i;

	(void)state;
	hub_open(&h);

	/* Declarations name actions declared before, never themselves. */
	assert_code(&h, cmd_declare(&h, "alice", "drain", NULL, NULL,
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_declare(&h, "alice", "migrate", "nope", NULL,
	    VIEW_NOW), "unknown-action");
	assert_contains(h.msg, "nope");
	assert_code(&h, cmd_declare(&h, "alice", "migrate", NULL, "drain,nope",
	    VIEW_NOW), "unknown-action");
	assert_code(&h, cmd_declare(&h, "alice", "migrate", "migrate", NULL,
	    VIEW_NOW), "bad-request");
	assert_code(&h, cmd_declare(&h, "alice", "migrate", "bad name", NULL,
	    VIEW_NOW), "bad-request");
	assert_code(&h, cmd_declare(&h, "alice", "drain", NULL, NULL,
	    VIEW_NOW), "exists");
	list[0] = '\0';
	for (i = 0; i <= CORE_LIST_MAX; i++)
		strcat(list, i == 0 ? "drain" : ",drain");
	assert_code(&h, cmd_declare(&h, "alice", "migrate", list, NULL,
	    VIEW_NOW), "bad-request");
	assert_null(core_state_action(&h.s, "migrate"));

	assert_code(&h, cmd_declare(&h, "alice", "migrate", "drain", NULL,
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_declare(&h, "alice", "deploy", NULL, "drain",
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_declare(&h, "alice", "verify", "drain,migrate",
	    "deploy", VIEW_NOW), NULL);
	assert_int_equal(action(&h, "verify")->nafter, 2);
	assert_int_equal(action(&h, "verify")->nconflicts, 1);

	/* After: blocked until every dependency is done. */
	assert_code(&h, cmd_claim(&h, "bob", "migrate", 0, VIEW_NOW),
	    "blocked");
	assert_contains(h.msg, "drain");
	assert_code(&h, cmd_claim(&h, "bob", "drain", 0, VIEW_NOW), NULL);
	fa = h.s.seq;
	assert_code(&h, cmd_claim(&h, "carol", "migrate", 0, VIEW_NOW),
	    "blocked");

	/* Conflicts: deploy names drain, and drain is running. */
	assert_code(&h, cmd_claim(&h, "carol", "deploy", 0, VIEW_NOW),
	    "conflict");
	assert_contains(h.msg, "drain");
	assert_contains(h.msg, "bob");

	/* A failed dependency still blocks. */
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "bob", "drain", fa,
	    "failed", VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "carol", "migrate", 0, VIEW_NOW),
	    "blocked");

	/* The other direction: drain names no conflict, deploy does. */
	assert_code(&h, cmd_claim(&h, "carol", "deploy", 0, VIEW_NOW), NULL);
	fe = h.s.seq;
	assert_code(&h, cmd_claim(&h, "bob", "drain", 0, VIEW_NOW),
	    "conflict");
	assert_contains(h.msg, "deploy");
	assert_code(&h, cmd_fenced(&h, CORE_RELEASE, "carol", "deploy", fe,
	    NULL, VIEW_NOW), NULL);

	/* Success unblocks. */
	assert_code(&h, cmd_claim(&h, "bob", "drain", 0, VIEW_NOW), NULL);
	fa = h.s.seq;
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "bob", "drain", fa,
	    "success", VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "dave", "verify", 0, VIEW_NOW),
	    "blocked");
	assert_contains(h.msg, "migrate");
	assert_code(&h, cmd_claim(&h, "carol", "migrate", 0, VIEW_NOW), NULL);
	fa = h.s.seq;
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "carol", "migrate", fa,
	    "success", VIEW_NOW), NULL);

	/* verify conflicts with deploy, both ways round. */
	assert_code(&h, cmd_claim(&h, "carol", "deploy", 0, VIEW_NOW), NULL);
	fe = h.s.seq;
	assert_code(&h, cmd_claim(&h, "dave", "verify", 0, VIEW_NOW),
	    "conflict");
	assert_code(&h, cmd_fenced(&h, CORE_RELEASE, "carol", "deploy", fe,
	    NULL, VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "dave", "verify", 0, VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "carol", "deploy", 0, VIEW_NOW),
	    "conflict");
	assert_contains(h.msg, "verify");
	assert_contains(h.msg, "dave");
	hub_free(&h);
}

static void
test_stale_views(void **state)
{
	struct hub	 h;
	int64_t		 view, f;
	int		 t;

	(void)state;
	hub_open(&h);
	assert_code(&h, cmd_declare(&h, "alice", "restart", NULL, NULL,
	    VIEW_NOW), NULL);
	view = h.s.seq;

	/* carol claims and releases after bob looked. */
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, view), NULL);
	f = h.s.seq;
	assert_code(&h, cmd_fenced(&h, CORE_RELEASE, "carol", "restart", f,
	    NULL, VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "bob", "restart", 0, view), "stale");
	assert_contains(h.msg, "carol");
	assert_contains(h.msg, "action.release");
	assert_code(&h, cmd_claim(&h, "bob", "restart", 0, h.s.seq - 1),
	    "stale");
	/* A view that includes the change is fresh, even with later events. */
	assert_code(&h, cmd_text(&h, CORE_NOTE, "dave", "later", -1), NULL);
	assert_code(&h, cmd_claim(&h, "bob", "restart", 0, h.s.seq - 1), NULL);
	f = h.s.seq;

	/* Held is reported before stale. */
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, view), "held");
	assert_contains(h.msg, "bob");
	/* So are done, blocked and lock-delay. */
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "bob", "restart", f,
	    "success", VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "carol", "restart", 0, view), "done");

	/* The IC's fields: status, severity, roles, command. */
	view = h.s.seq;
	assert_code(&h, cmd_status(&h, "alice", "mitigating", view), NULL);
	assert_code(&h, cmd_status(&h, "alice", "monitoring", view), "stale");
	assert_contains(h.msg, "status");
	assert_code(&h, cmd_sev(&h, "alice", 1, view), NULL);
	assert_code(&h, cmd_sev(&h, "alice", 3, view), "stale");
	assert_code(&h, cmd_role(&h, CORE_ROLE_ASSIGN, "alice", "ops", "bob",
	    view), NULL);
	assert_code(&h, cmd_role(&h, CORE_ROLE_ASSIGN, "alice", "ops", "dave",
	    view), "stale");
	assert_code(&h, cmd_role(&h, CORE_ROLE_CLEAR, "alice", "ops", NULL,
	    view), "stale");
	assert_code(&h, cmd_role(&h, CORE_ROLE_CLEAR, "alice", "ops", NULL,
	    VIEW_NOW), NULL);
	view = h.s.seq;
	assert_code(&h, cmd_offer(&h, "alice", "bob", view), NULL);
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "bob", view), "stale");
	assert_code(&h, cmd_bare(&h, CORE_CMD_RESIGN, "alice", view), "stale");
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "bob", VIEW_NOW), NULL);
	view = h.s.seq;
	assert_code(&h, cmd_bare(&h, CORE_CMD_RESIGN, "bob", view), NULL);
	assert_code(&h, cmd_take(&h, "carol", 0, NULL, view), "stale");
	assert_code(&h, cmd_take(&h, "carol", 0, NULL, VIEW_NOW), NULL);

	/* Break by an IC who has not seen the current grant. */
	assert_code(&h, cmd_declare(&h, "carol", "flush", NULL, NULL,
	    VIEW_NOW), NULL);
	view = h.s.seq;
	assert_code(&h, cmd_claim(&h, "dave", "flush", 0, VIEW_NOW), NULL);
	assert_code(&h, cmd_break(&h, "carol", "flush", "why", view), "stale");
	assert_code(&h, cmd_break(&h, "carol", "flush", "why", VIEW_NOW), NULL);

	/* Every coordination command needs based_on, but for the fenced
	 * ones, whose fence is their view. */
	for (t = 0; t < CORE_TYPE_COUNT; t++) {
		const struct core_cmd_entry	*ce = core_cmd_entry_of(t);
		struct core_event		 e;
		const char			*code;

		core_event_init(&e);
		e.type = (enum core_type)t;
		set(&e.name, "flush");
		e.fence = 1;
		code = hub_issue(&h, "carol", &e, -1, 0);
		if ((ce->flags & CORE_F_COORD) &&
		    !(ce->flags & CORE_F_FENCED)) {
			assert_code(&h, code, "bad-request");
			assert_contains(h.msg, "based_on");
		}
	}
	/* Even a command that would otherwise be accepted. */
	assert_code(&h, cmd_declare(&h, "carol", "fresh", NULL, NULL, -1),
	    "bad-request");
	assert_code(&h, cmd_role(&h, CORE_ROLE_ASSIGN, "carol", "newrole",
	    "dave", -1), "bad-request");
	h.now += LOCK_DELAY;
	assert_code(&h, cmd_claim(&h, "dave", "flush", 0, VIEW_NOW), NULL);
	f = h.s.seq;
	/* The fenced ones carry their grant instead. */
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "dave", "flush", f, NULL,
	    -1), NULL);
	assert_code(&h, cmd_fenced(&h, CORE_DONE, "dave", "flush", f,
	    "success", -1), NULL);
	assert_int_equal(h.s.seq, f + 1);
	/* Notes and summaries are not coordination. */
	assert_code(&h, cmd_text(&h, CORE_NOTE, "dave", "fine", -1), NULL);
	assert_code(&h, cmd_text(&h, CORE_SUMMARY, "dave", "fine", -1), NULL);
	hub_free(&h);
}

/*
 * Four actions: short (bob, 5 s) and long (carol, 60 s) held, idle free,
 * over done, in *a to *d; for the lease timing tests.
 */
static void
four_leases(struct hub *h, struct core_action **a, struct core_action **b,
    struct core_action **c, struct core_action **d)
{
	const char	*names[] = { "short", "long", "idle", "over" };
	size_t		 i;

	for (i = 0; i < 4; i++)
		assert_code(h, cmd_declare(h, "alice", names[i], NULL, NULL,
		    VIEW_NOW), NULL);
	assert_code(h, cmd_claim(h, "bob", "short", 5000, VIEW_NOW), NULL);
	assert_code(h, cmd_claim(h, "carol", "long", 60000, VIEW_NOW), NULL);
	assert_code(h, cmd_claim(h, "dave", "over", 1000, VIEW_NOW), NULL);
	assert_code(h, cmd_fenced(h, CORE_DONE, "dave", "over", h->s.seq,
	    "success", VIEW_NOW), NULL);
	*a = action(h, "short");
	*b = action(h, "long");
	*c = action(h, "idle");
	*d = action(h, "over");
}

/*
 * A hub taking over the lease timers times every held lease afresh: its
 * full TTL from now, never shortened, the free and done untouched.
 */
static void
test_afresh(void **state)
{
	struct hub		 h;
	struct core_action	*a, *b, *c, *d;

	(void)state;
	hub_open(&h);
	four_leases(&h, &a, &b, &c, &d);

	/* Past the short lease's deadline: it gets its TTL again. */
	h.now += 8000;
	assert_ptr_equal(core_state_expired(&h.s, h.now), a);
	assert_int_equal(core_state_afresh(&h.s, h.now), 2);
	assert_int_equal(a->deadline, h.now + 5000);
	assert_int_equal(b->deadline, h.now + 60000);
	assert_int_equal(c->deadline, 0);
	assert_int_equal(d->state, CORE_ACTION_DONE);
	assert_int_equal(d->deadline, 0);
	assert_null(core_state_expired(&h.s, h.now));

	/* Never shortened: at once again, nothing changes. */
	assert_int_equal(core_state_afresh(&h.s, h.now - 1000), 0);
	assert_int_equal(a->deadline, h.now + 5000);
	h.now += 5000;
	assert_int_equal(hub_sweep(&h), 1);
	assert_int_equal(a->state, CORE_ACTION_FREE);
	assert_int_equal(b->state, CORE_ACTION_HELD);
	hub_free(&h);
}

/* Are the string lists a and b equal? */
static int
lists_same(char **a, size_t na, char **b, size_t nb)
{
	size_t	i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		if (a[i] == b[i] || strcmp(a[i], b[i]) != 0)
			return 0;	/* the same pointer is no copy */
	}
	return 1;
}

/* A string copied: equal, or both NULL, and never the same pointer. */
#define assert_copied(a, b) do {					\
	if ((a) == NULL || (b) == NULL)					\
		assert_true((a) == NULL && (b) == NULL);		\
	else {								\
		assert_ptr_not_equal((a), (b));				\
		assert_string_equal((a), (b));				\
	}								\
} while (0)

/*
 * A copy of a state holds everything the original does, in memory of its
 * own: it outlives the original and folds on as the original would.
 */
static void
test_copy(void **state)
{
	struct hub		 h;
	struct core_state	 c;
	struct core_event	 e;
	struct core_action	*a, *b;
	size_t			 i;

	(void)state;
	hub_open(&h);
	assert_code(&h, cmd_role(&h, CORE_ROLE_ASSIGN, "alice", "ops", "bob",
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_declare(&h, "alice", "drain", NULL, NULL,
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_declare(&h, "alice", "restart", NULL, NULL,
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_declare(&h, "alice", "failover", "drain",
	    "restart", VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "bob", "drain", 30000, VIEW_NOW), NULL);
	assert_code(&h, cmd_text(&h, CORE_NOTE, "carol", "p99 is 2 s", -1),
	    NULL);
	assert_code(&h, cmd_text(&h, CORE_DECIDE, "alice", "fail over", -1),
	    NULL);
	assert_code(&h, cmd_status(&h, "alice", "identified", VIEW_NOW), NULL);
	core_event_init(&e);
	e.type = CORE_FEED_ADD;
	e.name = xstrdup("p99");
	e.kind = xstrdup("prom");
	e.url = xstrdup("http://127.0.0.1:9090");
	e.query = xstrdup("up");
	assert_code(&h, hub_issue(&h, "alice", &e, -1, 0), NULL);

	core_state_copy(&c, &h.s);
	assert_int_equal(c.seq, h.s.seq);
	assert_memory_equal(c.chain, h.s.chain, CORE_HASH_LEN);
	assert_copied(c.id, h.s.id);
	assert_copied(c.title, h.s.title);
	assert_copied(c.status, h.s.status);
	assert_copied(c.ic, h.s.ic);
	assert_copied(c.status_mark.by, h.s.status_mark.by);
	assert_int_equal(c.status_mark.seq, h.s.status_mark.seq);
	assert_int_equal(c.nroles, h.s.nroles);
	for (i = 0; i < c.nroles; i++) {
		assert_copied(c.roles[i].role, h.s.roles[i].role);
		assert_copied(c.roles[i].user, h.s.roles[i].user);
		assert_copied(c.roles[i].mark.by, h.s.roles[i].mark.by);
	}
	assert_int_equal(c.nactions, 3);
	for (i = 0; i < c.nactions; i++) {
		a = &c.actions[i];
		b = &h.s.actions[i];
		assert_copied(a->name, b->name);
		assert_copied(a->desc, b->desc);
		assert_copied(a->holder, b->holder);
		assert_true(lists_same(a->after, a->nafter, b->after,
		    b->nafter));
		assert_true(lists_same(a->conflicts, a->nconflicts,
		    b->conflicts, b->nconflicts));
		assert_int_equal(a->state, b->state);
		assert_int_equal(a->fence, b->fence);
		assert_int_equal(a->deadline, b->deadline);
	}
	assert_int_equal(core_state_action(&c, "failover")->nafter, 1);
	assert_true(lists_same(c.people, c.npeople, h.s.people, h.s.npeople));
	assert_int_equal(c.nnotes, h.s.nnotes);
	assert_ptr_not_equal(c.notes, h.s.notes);
	assert_memory_equal(c.notes, h.s.notes, c.nnotes * sizeof *c.notes);
	assert_int_equal(c.nmoments, h.s.nmoments);
	assert_true(c.nmoments > 0);
	for (i = 0; i < c.nmoments; i++) {
		assert_copied(c.moments[i].kind, h.s.moments[i].kind);
		assert_copied(c.moments[i].text, h.s.moments[i].text);
		assert_true(lists_same(c.moments[i].seen, c.moments[i].nseen,
		    h.s.moments[i].seen, h.s.moments[i].nseen));
	}
	assert_int_equal(c.nfeeds, 1);
	assert_copied(c.feeds[0].name, h.s.feeds[0].name);
	assert_copied(c.feeds[0].url, h.s.feeds[0].url);
	assert_copied(c.feeds[0].query, h.s.feeds[0].query);
	assert_int_equal(core_state_valid(&c, NULL), 0);

	/* The copy goes its own way: the original moves on, then goes. */
	assert_code(&h, cmd_text(&h, CORE_NOTE, "carol", "later", -1), NULL);
	assert_int_equal(c.seq + 1, h.s.seq);
	hub_free(&h);
	assert_string_equal(core_state_action(&c, "drain")->holder, "bob");
	assert_string_equal(c.status, "identified");
	core_state_clear(&c);
}

static void
test_grace(void **state)
{
	struct hub		 h;
	struct core_action	*a, *b, *c, *d;

	(void)state;
	hub_open(&h);
	four_leases(&h, &a, &b, &c, &d);

	/* A restart much later: the short lease would be long gone. */
	h.now += 30000;
	assert_ptr_equal(core_state_expired(&h.s, h.now), a);
	core_state_grace(&h.s, h.now, 20000);
	assert_int_equal(a->deadline, h.now + 20000);
	assert_int_equal(b->deadline, T0 + 60000);	/* never shortened */
	assert_int_equal(c->state, CORE_ACTION_FREE);
	assert_int_equal(c->deadline, 0);
	assert_int_equal(d->state, CORE_ACTION_DONE);
	assert_int_equal(d->deadline, 0);
	assert_null(core_state_expired(&h.s, h.now));
	assert_int_equal(core_state_next_deadline(&h.s), h.now + 20000);

	/* Grace is a minimum: a second, shorter one changes nothing. */
	core_state_grace(&h.s, h.now, 1000);
	assert_int_equal(a->deadline, h.now + 20000);
	assert_int_equal(b->deadline, T0 + 60000);

	/* The holder can renew within the grace, and the lease runs on. */
	h.now += 19999;
	assert_code(&h, cmd_fenced(&h, CORE_RENEW, "bob", "short", a->fence,
	    NULL, VIEW_NOW), NULL);
	assert_int_equal(a->deadline, h.now + 5000);
	assert_int_equal(a->state, CORE_ACTION_HELD);
	h.now += 5000;
	assert_ptr_equal(core_state_expired(&h.s, h.now), a);
	assert_int_equal(hub_sweep(&h), 1);
	assert_int_equal(b->state, CORE_ACTION_HELD);
	h.now = T0 + 60000;
	assert_int_equal(hub_sweep(&h), 1);
	assert_int_equal(b->state, CORE_ACTION_FREE);
	assert_int_equal(core_state_next_deadline(&h.s), INT64_MAX);
	hub_free(&h);
}

/*
 * The randomized run.  A simulated hub with four users and a sliding window
 * of six live actions; the shadow model predicts the outcome of every
 * command (accepted, or which refusal) and the state after it.
 */
#define R_USERS		4
#define R_WINDOW	6
#define R_MAXA		200
#define R_STEPS		4000

static const char *r_users[R_USERS] = { "alice", "bob", "carol", "dave" };

struct m_action {
	char		 name[16];
	int		 state;
	int		 holder;		/* user index, -1 */
	int64_t		 fence;
	int64_t		 ttl;
	int64_t		 deadline;
	int64_t		 free_at;
	int64_t		 mark;
};

struct model {
	struct m_action	 a[R_MAXA];
	int		 na;
	unsigned char	 dep[R_MAXA][R_MAXA];	/* i runs after j */
	unsigned char	 conf[R_MAXA][R_MAXA];	/* i lists j in conflicts */
	int		 ic;			/* user index, -1 vacant */
	int		 offer;
	int64_t		 ic_mark;
	int64_t		 view[R_USERS];
	int64_t		 fence_of[R_USERS][R_MAXA];
};

/* Refusal codes seen over all seeds, to show the run reaches them. */
static const char *r_codes[] = {
	"held", "done", "blocked", "conflict", "lock-delay", "stale",
	"stale-fence", "not-holder", "not-held", "not-ic", "no-offer",
	"ic-present", "no-change", "bad-request", "unknown-action", "exists",
	"forbidden"
};
#define R_NCODES (sizeof r_codes / sizeof r_codes[0])

struct rsim {
	struct hub	 h;
	struct model	*m;
	uint64_t	 rng;
	uint64_t	 seed;
	int		 step;
	const char	*op;
	unsigned long	*seen;			/* per r_codes */
	unsigned long	*accepted;		/* per type */
	unsigned long	 expired;
	unsigned long	 done_success;
};

static uint64_t
r_next(struct rsim *r)
{
	uint64_t	z = (r->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t
r_below(struct rsim *r, int64_t n)
{
	return (int64_t)(r_next(r) % (uint64_t)n);
}

static int
r_chance(struct rsim *r, int pct)
{
	return r_below(r, 100) < pct;
}

/* A live action: one of the last R_WINDOW declared, or -1 for a ghost. */
static int
r_pick(struct rsim *r)
{
	int	n = r->m->na < R_WINDOW ? r->m->na : R_WINDOW;

	if (n == 0 || r_chance(r, 3))
		return -1;
	return r->m->na - 1 - (int)r_below(r, n);
}

/* Usually a held action of the window, so holders get to use their grant. */
static int
r_pick_held(struct rsim *r)
{
	int	held[R_WINDOW], n = 0, i;

	for (i = r->m->na - 1; i >= 0 && i >= r->m->na - R_WINDOW; i--) {
		if (r->m->a[i].state == CORE_ACTION_HELD)
			held[n++] = i;
	}
	if (n == 0 || r_chance(r, 30))
		return r_pick(r);
	return held[r_below(r, n)];
}

static const char *
r_name(struct rsim *r, int i)
{
	return i < 0 ? "ghost" : r->m->a[i].name;
}

static int64_t
r_based_on(struct rsim *r, int u)
{
	int64_t	seq = r->h.s.seq;
	int	p = (int)r_below(r, 100);

	if (p < 55)
		return seq;
	if (p < 75)
		return r->m->view[u];
	if (p < 90)
		return r_below(r, seq + 1);
	if (p < 98)
		return seq - 1;
	return -1;
}

static void
r_expect(struct rsim *r, const char *got, const char *want)
{
	size_t	i;

	if (!((got == NULL && want == NULL) || (got != NULL && want != NULL &&
	    strcmp(got, want) == 0))) {
		print_error("seed %llu step %d %s: got %s, expected %s (%s)\n",
		    (unsigned long long)r->seed, r->step, r->op,
		    got != NULL ? got : "acceptance",
		    want != NULL ? want : "acceptance",
		    r->h.msg != NULL ? r->h.msg : "");
		fail();
	}
	if (got == NULL)
		return;
	for (i = 0; i < R_NCODES; i++) {
		if (strcmp(got, r_codes[i]) == 0) {
			r->seen[i]++;
			return;
		}
	}
	print_error("unexpected code %s\n", got);
	fail();
}

static void
r_accepted(struct rsim *r, enum core_type t)
{
	r->accepted[t]++;
	assert_int_equal(r->h.last.type, t);
	assert_int_equal(r->h.last.seq, r->h.s.seq);
	assert_int_equal((int64_t)r->h.nlog, r->h.s.seq);
}

static int
r_user_index(const char *name)
{
	int	u;

	for (u = 0; name != NULL && u < R_USERS; u++) {
		if (strcmp(r_users[u], name) == 0)
			return u;
	}
	return -1;
}

/* Lease end in the model: expire, break (with lock-delay) or release. */
static void
m_end(struct rsim *r, int i, int64_t free_at)
{
	struct m_action	*a = &r->m->a[i];

	a->state = CORE_ACTION_FREE;
	a->holder = -1;
	a->deadline = 0;
	a->free_at = free_at;
	a->mark = r->h.s.seq;
}

static void
r_sweep(struct rsim *r)
{
	struct core_action	*ca;
	struct model		*m = r->m;
	int			 i, want;

	r->op = "sweep";
	while ((ca = core_state_expired(&r->h.s, r->h.now)) != NULL) {
		for (want = -1, i = 0; i < m->na && want < 0; i++) {
			if (m->a[i].state == CORE_ACTION_HELD &&
			    m->a[i].deadline <= r->h.now)
				want = i;
		}
		assert_true(want >= 0);
		assert_string_equal(ca->name, m->a[want].name);
		r_expect(r, cmd_expire(&r->h, CORE_ACTOR_HUB, m->a[want].name,
		    1), NULL);
		r_accepted(r, CORE_EXPIRE);
		assert_int_equal(r->h.last.fence, m->a[want].fence);
		m_end(r, want, r->h.now + r->h.lock_delay);
		r->expired++;
	}
	for (i = 0; i < m->na; i++)
		assert_false(m->a[i].state == CORE_ACTION_HELD &&
		    m->a[i].deadline <= r->h.now);
}

static const char *
m_claim(const struct rsim *r, int i, int64_t ttl, int64_t b)
{
	const struct model	*m = r->m;
	const struct m_action	*a;
	int			 j;

	if (b < 0)
		return "bad-request";
	if (ttl != 0 && (ttl < CORE_TTL_MIN || ttl > CORE_TTL_MAX))
		return "bad-request";
	if (i < 0)
		return "unknown-action";
	a = &m->a[i];
	if (a->state == CORE_ACTION_HELD)
		return "held";
	if (a->state == CORE_ACTION_DONE)
		return "done";
	for (j = 0; j < m->na; j++) {
		if (m->dep[i][j] && m->a[j].state != CORE_ACTION_DONE)
			return "blocked";
	}
	for (j = 0; j < m->na; j++) {
		if (j != i && m->a[j].state == CORE_ACTION_HELD &&
		    (m->conf[i][j] || m->conf[j][i]))
			return "conflict";
	}
	if (a->free_at > r->h.now)
		return "lock-delay";
	if (a->mark > b)
		return "stale";
	return NULL;
}

static void
r_claim(struct rsim *r)
{
	static const int64_t	 ttls[] = { 0, 2000, 5000, 15000, 0, 500 };
	struct model		*m = r->m;
	struct core_action	*ca;
	const struct core_action *cb;
	const char		*want, *got;
	int			 u = (int)r_below(r, R_USERS), i = r_pick(r);
	int64_t			 b = r_based_on(r, u), ttl, old = 0;
	int			 deps_done = 1, conflict = 0, was_held = 0;
	size_t			 k, j;
	char			 fence[32] = "";

	r->op = "claim";
	ttl = ttls[r_chance(r, 3) ? 5 : r_below(r, 5)];
	want = m_claim(r, i, ttl, b);

	/* What the real state says before the command. */
	if (i >= 0) {
		ca = action(&r->h, m->a[i].name);
		was_held = ca->state == CORE_ACTION_HELD;
		old = ca->fence;
		for (k = 0; k < ca->nafter; k++) {
			cb = core_state_action(&r->h.s, ca->after[k]);
			deps_done &= cb->state == CORE_ACTION_DONE;
		}
		for (j = 0; j < r->h.s.nactions; j++) {
			cb = &r->h.s.actions[j];
			if (cb != ca && cb->state == CORE_ACTION_HELD &&
			    (core_list_has(ca->conflicts, ca->nconflicts,
			    cb->name) || core_list_has(cb->conflicts,
			    cb->nconflicts, ca->name)))
				conflict = 1;
		}
		if (was_held)
			snprintf(fence, sizeof fence, "fence %lld",
			    (long long)ca->fence);
	}
	got = cmd_claim(&r->h, r_users[u], r_name(r, i), ttl, b);
	r_expect(r, got, want);
	if (got != NULL) {
		if (strcmp(got, "held") == 0) {
			assert_contains(r->h.msg, fence);
			assert_contains(r->h.msg, "s left");
			assert_contains(r->h.msg,
			    r_users[m->a[i].holder]);
		}
		return;
	}

	/* A grant never breaks the rules. */
	r_accepted(r, CORE_CLAIM);
	ca = action(&r->h, m->a[i].name);
	assert_false(was_held);
	assert_true(deps_done);
	assert_false(conflict);
	assert_true(b >= m->a[i].mark);
	assert_true(ca->fence > old);
	assert_int_equal(ca->fence, r->h.s.seq);
	m->a[i].state = CORE_ACTION_HELD;
	m->a[i].holder = u;
	m->a[i].fence = r->h.s.seq;
	m->a[i].ttl = ttl != 0 ? ttl : CORE_TTL_DEFAULT;
	m->a[i].deadline = r->h.now + m->a[i].ttl;
	m->a[i].free_at = 0;
	m->a[i].mark = r->h.s.seq;
	m->fence_of[u][i] = r->h.s.seq;
	m->view[u] = r->h.s.seq;
}

static const char *
m_fenced(const struct rsim *r, enum core_type t, int u, int i, int64_t fence,
    const char *outcome, int64_t b)
{
	const struct m_action	*a;

	(void)b;	/* a fenced command's view is its fence */
	if (t == CORE_DONE && !core_outcome_valid(outcome))
		return "bad-request";
	if (i < 0)
		return "unknown-action";
	if (fence <= 0)
		return "bad-request";
	a = &r->m->a[i];
	if (a->state == CORE_ACTION_HELD && fence == a->fence &&
	    a->holder == u && a->deadline > r->h.now)
		return NULL;
	if (a->state == CORE_ACTION_HELD && fence == a->fence && a->holder != u)
		return "not-holder";
	return "stale-fence";
}

/* Renew, release or done. */
static void
r_fenced(struct rsim *r, enum core_type t)
{
	static const char	*outcomes[] = { "success", "success", "failed",
				    "aborted", "failed", "bogus" };
	struct model		*m = r->m;
	const char		*outcome = NULL, *want, *got;
	int			 u, i = r_pick_held(r), p;
	int64_t			 b, fence;

	r->op = core_type_name(t);
	if (i >= 0 && m->a[i].holder >= 0 && r_chance(r, 75))
		u = m->a[i].holder;
	else
		u = (int)r_below(r, R_USERS);
	b = r_based_on(r, u);
	p = (int)r_below(r, 100);
	if (i >= 0 && p < 80)
		fence = m->fence_of[u][i];
	else if (i >= 0 && p < 90)
		fence = m->a[i].fence;
	else
		fence = r_below(r, r->h.s.seq + 2);
	if (t == CORE_DONE)
		outcome = outcomes[r_chance(r, 3) ? 5 : r_below(r, 5)];
	want = m_fenced(r, t, u, i, fence, outcome, b);
	got = cmd_fenced(&r->h, t, r_users[u], r_name(r, i), fence, outcome, b);
	r_expect(r, got, want);
	if (got != NULL)
		return;
	if (t == CORE_RENEW) {
		r->accepted[t]++;
		m->a[i].deadline = r->h.now + m->a[i].ttl;
		return;
	}
	r_accepted(r, t);
	assert_int_equal(r->h.last.fence, m->a[i].fence);
	m_end(r, i, 0);
	if (t == CORE_DONE && strcmp(outcome, "success") == 0) {
		m->a[i].state = CORE_ACTION_DONE;
		r->done_success++;
	}
	m->view[u] = r->h.s.seq;
}

static void
r_break(struct rsim *r)
{
	struct model	*m = r->m;
	int		 u, i = r_pick_held(r);
	int64_t		 b;
	const char	*reason, *want, *got;

	r->op = "break";
	u = m->ic >= 0 && r_chance(r, 75) ? m->ic : (int)r_below(r, R_USERS);
	b = r_based_on(r, u);
	reason = r_chance(r, 5) ? "" : "not responding";
	if (b < 0)
		want = "bad-request";
	else if (u != m->ic)
		want = "not-ic";
	else if (*reason == '\0')
		want = "bad-request";
	else if (i < 0)
		want = "unknown-action";
	else if (m->a[i].state != CORE_ACTION_HELD)
		want = "not-held";
	else if (m->a[i].mark > b)
		want = "stale";
	else
		want = NULL;
	got = cmd_break(&r->h, r_users[u], r_name(r, i), reason, b);
	r_expect(r, got, want);
	if (got != NULL)
		return;
	r_accepted(r, CORE_BREAK);
	assert_int_equal(r->h.last.fence, m->a[i].fence);
	m_end(r, i, r->h.now + r->h.lock_delay);
	m->view[u] = r->h.s.seq;
}

/* Take, offer, accept or resign. */
static void
r_command(struct rsim *r, enum core_type t)
{
	struct model	*m = r->m;
	int		 u, to = -1, force = 0;
	int64_t		 b;
	const char	*reason = NULL, *want, *got;

	r->op = core_type_name(t);
	if ((t == CORE_CMD_OFFER || t == CORE_CMD_RESIGN) && m->ic >= 0 &&
	    r_chance(r, 75))
		u = m->ic;
	else if (t == CORE_CMD_ACCEPT && m->offer >= 0 && r_chance(r, 70))
		u = m->offer;
	else
		u = (int)r_below(r, R_USERS);
	b = r_based_on(r, u);
	if (b < 0)
		want = "bad-request";
	else if (t == CORE_CMD_TAKE) {
		force = r_chance(r, 50);
		reason = force && r_chance(r, 90) ? "gone quiet" : NULL;
		r->h.ic_present = r_chance(r, 50);
		if (force && reason == NULL)
			want = "bad-request";
		else if (m->ic == u)
			want = "no-change";
		else if (m->ic >= 0 && !force)
			want = "held";
		else if (m->ic >= 0 && r->h.ic_present)
			want = "ic-present";
		else
			want = m->ic_mark > b ? "stale" : NULL;
	} else if (t == CORE_CMD_OFFER) {
		to = (int)r_below(r, R_USERS);
		if (u != m->ic)
			want = "not-ic";
		else if (to == u)
			want = "no-change";
		else
			want = m->ic_mark > b ? "stale" : NULL;
	} else if (t == CORE_CMD_ACCEPT) {
		if (m->offer != u)
			want = "no-offer";
		else
			want = m->ic_mark > b ? "stale" : NULL;
	} else {
		if (u != m->ic)
			want = "not-ic";
		else
			want = m->ic_mark > b ? "stale" : NULL;
	}
	if (t == CORE_CMD_TAKE)
		got = cmd_take(&r->h, r_users[u], force, reason, b);
	else if (t == CORE_CMD_OFFER)
		got = cmd_offer(&r->h, r_users[u], r_users[to], b);
	else
		got = cmd_bare(&r->h, t, r_users[u], b);
	r_expect(r, got, want);
	if (got != NULL)
		return;
	r_accepted(r, t);
	switch (t) {
	case CORE_CMD_TAKE:
	case CORE_CMD_ACCEPT:
		m->ic = u;
		m->offer = -1;
		break;
	case CORE_CMD_OFFER:
		m->offer = to;
		break;
	default:
		m->ic = m->offer = -1;
		break;
	}
	m->ic_mark = r->h.s.seq;
	m->view[u] = r->h.s.seq;
}

static void
r_declare(struct rsim *r)
{
	struct model	*m = r->m;
	struct m_action	*a;
	struct buf	 after, conf;
	int		 u, i, j, target, ghost = 0;
	int64_t		 b;
	const char	*want, *got, *name;
	char		 fresh[16];

	r->op = "declare";
	u = m->ic >= 0 && r_chance(r, 85) ? m->ic : (int)r_below(r, R_USERS);
	b = r_based_on(r, u);
	target = m->na > 0 && r_chance(r, 5) ? (int)r_below(r, m->na) : -1;
	snprintf(fresh, sizeof fresh, "act%d", m->na);
	name = target >= 0 ? m->a[target].name : fresh;

	/* Dependencies and conflicts among the live window. */
	util_buf_init(&after);
	util_buf_init(&conf);
	util_buf_add(&after, "", 0);
	util_buf_add(&conf, "", 0);
	for (j = m->na - 1; j >= 0 && j >= m->na - R_WINDOW; j--) {
		if (j == target)
			continue;
		if (r_chance(r, 12))
			util_buf_printf(&after, "%s%s", after.len ? "," : "",
			    m->a[j].name);
		else if (r_chance(r, 20))
			util_buf_printf(&conf, "%s%s", conf.len ? "," : "",
			    m->a[j].name);
	}
	if (r_chance(r, 4)) {
		util_buf_printf(&conf, "%sghost", conf.len ? "," : "");
		ghost = 1;
	}
	if (b < 0)
		want = "bad-request";
	else if (u != m->ic)
		want = "not-ic";
	else if (ghost)
		want = "unknown-action";
	else if (target >= 0)
		want = "exists";
	else
		want = NULL;
	if (want == NULL && m->na == R_MAXA) {
		/* The model is full: only refused declarations from now on. */
		util_buf_clear(&after);
		util_buf_clear(&conf);
		return;
	}
	got = cmd_declare(&r->h, r_users[u], name,
	    after.len ? after.data : NULL, conf.len ? conf.data : NULL, b);
	r_expect(r, got, want);
	if (got == NULL) {
		r_accepted(r, CORE_DECLARE);
		i = m->na++;
		a = &m->a[i];
		memset(a, 0, sizeof *a);
		snprintf(a->name, sizeof a->name, "%s", name);
		a->state = CORE_ACTION_FREE;
		a->holder = -1;
		a->mark = r->h.s.seq;
		for (j = 0; j < i; j++) {
			m->dep[i][j] = core_list_has(r->h.last.after,
			    r->h.last.nafter, m->a[j].name);
			m->conf[i][j] = core_list_has(r->h.last.conflicts,
			    r->h.last.nconflicts, m->a[j].name);
		}
		m->view[u] = r->h.s.seq;
	}
	util_buf_clear(&after);
	util_buf_clear(&conf);
}

static void
r_expire_attempt(struct rsim *r)
{
	struct model	*m = r->m;
	int		 i = r_pick(r), internal = r_chance(r, 60);
	const char	*want, *got;

	r->op = "expire";
	if (!internal)
		want = "forbidden";
	else if (i < 0 || m->a[i].state != CORE_ACTION_HELD ||
	    m->a[i].deadline > r->h.now)
		want = "not-held";
	else
		want = NULL;
	got = cmd_expire(&r->h, internal ? CORE_ACTOR_HUB :
	    r_users[r_below(r, R_USERS)], r_name(r, i), internal);
	r_expect(r, got, want);
	if (got != NULL)
		return;
	r_accepted(r, CORE_EXPIRE);
	assert_int_equal(r->h.last.fence, m->a[i].fence);
	m_end(r, i, r->h.now + r->h.lock_delay);
	r->expired++;
}

/* Invariants of the real state, and agreement with the model. */
static void
r_check(struct rsim *r, int64_t *prev_fence)
{
	const struct core_state		*s = &r->h.s;
	const struct core_action	*a, *b;
	const struct m_action		*ma;
	struct model			*m = r->m;
	int64_t				 next = INT64_MAX;
	size_t				 i, j, k;

	assert_int_equal(s->seq, (int64_t)r->h.nlog);
	assert_int_equal((int)s->nactions, m->na);
	for (i = 0; i < s->nactions; i++) {
		a = &s->actions[i];
		ma = &m->a[i];

		/* One holder, only while held; done means success. */
		assert_int_equal(a->state == CORE_ACTION_HELD,
		    a->holder != NULL);
		if (a->state == CORE_ACTION_HELD) {
			assert_true(r_user_index(a->holder) >= 0);
			assert_true(a->fence > 0 && a->fence <= s->seq);
			assert_true(a->deadline > 0);
			if (a->deadline < next)
				next = a->deadline;
			/* Dependencies done, no conflicting action held. */
			for (k = 0; k < a->nafter; k++) {
				b = core_state_action(s, a->after[k]);
				assert_int_equal(b->state, CORE_ACTION_DONE);
			}
			for (j = 0; j < s->nactions; j++) {
				b = &s->actions[j];
				if (j == i || b->state != CORE_ACTION_HELD)
					continue;
				assert_false(core_list_has(a->conflicts,
				    a->nconflicts, b->name));
			}
		}
		if (a->state == CORE_ACTION_DONE)
			assert_string_equal(a->outcome, "success");

		/* Fences only grow, and only by a grant. */
		assert_true(a->fence >= prev_fence[i]);
		if (a->fence != prev_fence[i]) {
			assert_int_equal(r->h.last.type, CORE_CLAIM);
			assert_int_equal(a->fence, r->h.last.seq);
			prev_fence[i] = a->fence;
		}

		/* The model agrees. */
		assert_string_equal(a->name, ma->name);
		assert_int_equal(a->state, ma->state);
		if (ma->holder < 0)
			assert_null(a->holder);
		else
			assert_string_equal(a->holder, r_users[ma->holder]);
		assert_int_equal(a->fence, ma->fence);
		assert_int_equal(a->deadline, ma->deadline);
		assert_int_equal(a->free_at, ma->free_at);
		assert_int_equal(a->mark.seq, ma->mark);
	}
	assert_int_equal(core_state_next_deadline(s), next);

	/* The IC is one user or nobody; an offer only to someone else. */
	if (s->ic == NULL) {
		assert_int_equal(m->ic, -1);
		assert_null(s->offer);
	} else
		assert_int_equal(r_user_index(s->ic), m->ic);
	if (s->offer == NULL)
		assert_int_equal(m->offer, -1);
	else {
		assert_int_equal(r_user_index(s->offer), m->offer);
		assert_string_not_equal(s->offer, s->ic);
	}
	assert_int_equal(s->ic_mark.seq, m->ic_mark);
	assert_one_ic(&r->h, r_users, R_USERS);
	for (i = 0; i < s->npeople; i++)
		assert_true(r_user_index(s->people[i]) >= 0);
}

/* Fold the log again, through the canonical bytes, and compare. */
static void
r_replay(struct rsim *r)
{
	struct core_state	 s;
	struct core_event	 e;
	struct core_ctx		 ctx;
	struct buf		 b1, b2;
	char			*cause = NULL;
	size_t			 k, i;

	core_state_init(&s, r->h.s.id);
	memset(&ctx, 0, sizeof ctx);
	ctx.lock_delay = r->h.lock_delay;
	util_buf_init(&b1);
	util_buf_init(&b2);
	for (k = 0; k < r->h.nlog; k++) {
		util_buf_reset(&b1);
		util_buf_reset(&b2);
		core_event_encode(&r->h.log[k], &b1);
		assert_int_equal(core_event_decode(b1.data, b1.len, &e,
		    &cause), 0);
		assert_event_same(&e, &r->h.log[k], 1);
		core_event_encode(&e, &b2);
		assert_string_equal(b1.data, b2.data);
		ctx.now = r->h.log_now[k];
		core_state_apply(&s, &e, &ctx);
		core_event_clear(&e);
	}
	util_buf_clear(&b1);
	util_buf_clear(&b2);
	assert_int_equal(s.seq, r->h.s.seq);
	assert_memory_equal(s.chain, r->h.s.chain, CORE_HASH_LEN);
	assert_str_same(s.ic, r->h.s.ic, 0);
	assert_str_same(s.offer, r->h.s.offer, 0);
	assert_int_equal(s.nactions, r->h.s.nactions);
	for (i = 0; i < s.nactions; i++) {
		assert_int_equal(s.actions[i].state, r->h.s.actions[i].state);
		assert_str_same(s.actions[i].holder, r->h.s.actions[i].holder,
		    0);
		assert_int_equal(s.actions[i].fence, r->h.s.actions[i].fence);
		assert_int_equal(s.actions[i].free_at,
		    r->h.s.actions[i].free_at);
		assert_str_same(s.actions[i].outcome,
		    r->h.s.actions[i].outcome, 0);
	}
	core_state_clear(&s);
}

static void
r_run(uint64_t seed, unsigned long *seen, unsigned long *accepted,
    unsigned long *expired)
{
	struct rsim	 r;
	int64_t		*prev_fence;
	int		 u, p, i;

	memset(&r, 0, sizeof r);
	r.m = xcalloc(1, sizeof *r.m);
	r.seed = r.rng = seed;
	r.seen = seen;
	r.accepted = accepted;
	prev_fence = xcalloc(R_MAXA, sizeof *prev_fence);
	hub_init(&r.h, "INC-R");
	r.h.keep = 1;
	r.m->ic = r.m->offer = -1;
	assert_code(&r.h, cmd_open(&r.h, r_users[0], "Random", 3), NULL);
	r.m->ic = 0;
	r.m->ic_mark = 1;
	for (i = 0; i < R_WINDOW; i++)
		r_declare(&r);

	for (r.step = 0; r.step < R_STEPS; r.step++) {
		/* Time passes; usually the hub's timer runs. */
		r.h.now += r_chance(&r, 4) ? 5000 + r_below(&r, 35000) :
		    r_below(&r, 1500);
		if (r_chance(&r, 85))
			r_sweep(&r);
		for (u = 0; u < R_USERS; u++) {
			if (r_chance(&r, 30))
				r.m->view[u] = r.h.s.seq;
		}

		p = (int)r_below(&r, 100);
		if (p < 30)
			r_claim(&r);
		else if (p < 46)
			r_fenced(&r, CORE_RENEW);
		else if (p < 54)
			r_fenced(&r, CORE_RELEASE);
		else if (p < 66)
			r_fenced(&r, CORE_DONE);
		else if (p < 71)
			r_break(&r);
		else if (p < 76)
			r_command(&r, CORE_CMD_TAKE);
		else if (p < 80)
			r_command(&r, CORE_CMD_OFFER);
		else if (p < 84)
			r_command(&r, CORE_CMD_ACCEPT);
		else if (p < 87)
			r_command(&r, CORE_CMD_RESIGN);
		else if (p < 90)
			r_declare(&r);
		else if (p < 93)
			r_expire_attempt(&r);
		else if (p < 95) {
			r.op = "note";
			r_expect(&r, cmd_text(&r.h, CORE_NOTE,
			    r_users[r_below(&r, R_USERS)], "status?", -1),
			    NULL);
			r_accepted(&r, CORE_NOTE);
		} else if (p < 97) {
			int64_t	g = 1000 + r_below(&r, 20000);

			/* A hub restart. */
			core_state_grace(&r.h.s, r.h.now, g);
			for (i = 0; i < r.m->na; i++) {
				if (r.m->a[i].state == CORE_ACTION_HELD &&
				    r.m->a[i].deadline < r.h.now + g)
					r.m->a[i].deadline = r.h.now + g;
			}
		}
		r_check(&r, prev_fence);
	}
	r_replay(&r);
	*expired += r.expired;
	assert_true(r.done_success > 0);
	hub_free(&r.h);
	free(prev_fence);
	free(r.m);
}

static void
test_random(void **state)
{
	static const uint64_t	seeds[] = { 1, 2, 3, 0x5eed, 20240601 };
	unsigned long		seen[R_NCODES], accepted[CORE_TYPE_COUNT];
	unsigned long		expired = 0;
	size_t			i;

	(void)state;
	memset(seen, 0, sizeof seen);
	memset(accepted, 0, sizeof accepted);
	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
		r_run(seeds[i], seen, accepted, &expired);

	/* The run reached every refusal and every kind of event. */
	for (i = 0; i < R_NCODES; i++) {
		if (seen[i] == 0) {
			print_error("never refused with %s\n", r_codes[i]);
			fail();
		}
	}
	for (i = 0; i < CORE_TYPE_COUNT; i++) {
		if (i == CORE_OPEN || i == CORE_SUMMARY || i == CORE_STATUS ||
		    i == CORE_SEV || i == CORE_ROLE_ASSIGN ||
		    i == CORE_ROLE_CLEAR || i == CORE_AMEND || i == CORE_MARK ||
		    i == CORE_DECIDE || i == CORE_FEED_ADD ||
		    i == CORE_FEED_RM || i == CORE_FEED_LEVEL ||
		    i == CORE_ALERT || i == CORE_ACCESS)
			continue;	/* covered by their own tests */
		if (accepted[i] == 0) {
			print_error("never accepted %s\n",
			    core_type_name((enum core_type)i));
			fail();
		}
	}
	assert_true(accepted[CORE_CLAIM] > 500);
	assert_true(expired > 50);
}

/* A command's unused payload fields never reach the log. */
static void
test_unused_fields_dropped(void **state)
{
	struct core_state	s;
	struct core_event	e;
	struct core_ctx		ctx;
	struct core_refusal	r;

	(void)state;
	core_state_init(&s, "INC-T");
	memset(&ctx, 0, sizeof ctx);
	ctx.actor = "alice";
	ctx.based_on = 0;
	core_event_init(&e);
	e.type = CORE_OPEN;
	e.text = xstrdup("t");
	e.sev = 2;
	e.fence = 99;
	e.name = xstrdup("ghost");
	assert_int_equal(core_state_check(&s, &e, &ctx, &r), 0);
	assert_null(e.name);
	assert_int_equal(e.fence, 0);
	assert_int_equal(e.sev, 2);
	e.seq = 1;
	core_state_apply(&s, &e, &ctx);
	core_event_clear(&e);

	core_event_init(&e);
	e.type = CORE_NOTE;
	e.text = xstrdup("hello");
	e.fence = 7;
	e.ttl = 1000;
	e.outcome = xstrdup("success");
	core_list_add(&e.after, &e.nafter, "x");
	assert_int_equal(core_state_check(&s, &e, &ctx, &r), 0);
	assert_string_equal(e.text, "hello");
	assert_int_equal(e.fence, 0);
	assert_int_equal(e.ttl, 0);
	assert_null(e.outcome);
	assert_int_equal(e.nafter, 0);
	core_event_clear(&e);
	core_state_clear(&s);
}

/*
 * Issue a command with ctx (actor, feeds, what is seen) at the state's
 * head; returns the refusal code, or NULL.
 */
static const char *
ctx_issue(struct core_state *s, struct core_event *e, struct core_ctx *c)
{
	static char		code[32];
	struct core_ctx		ctx = *c;
	struct core_refusal	r;

	ctx.based_on = s->seq;
	ctx.wall = 1000 + s->seq;
	if (core_state_check(s, e, &ctx, &r) != 0) {
		snprintf(code, sizeof code, "%s", r.code);
		core_refusal_clear(&r);
		core_event_clear(e);
		return code;
	}
	e->seq = s->seq + 1;
	e->time = ctx.wall;
	core_state_apply(s, e, &ctx);
	core_event_clear(e);
	return NULL;
}

/* Issue a command as actor at the state's head; returns the refusal code. */
static const char *
am_issue(struct core_state *s, struct core_event *e, const char *actor)
{
	struct core_ctx	ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.actor = actor;
	return ctx_issue(s, e, &ctx);
}

/*
 * The authorisation table.  Each rule of the default table, for each kind
 * of actor, is one assertion: the command is accepted, or refused with the
 * right's code and a message naming the right.  The expected table is
 * written out here, independently of src/core/core-authz.c, and the
 * default is checked against it word for word.
 *
 * The fixture, INC-Z: alice opened it (the IC), bob holds ops, erin
 * scribe; alice, bob, erin and carol each wrote a note; actions act and
 * act2 are declared; then viewers were turned on, so dave, who has never
 * acted, is a viewer and carol a plain responder.
 */
enum { AZ_IC, AZ_OPS, AZ_SCRIBE, AZ_RESPONDER, AZ_VIEWER, AZ_NCOLS };
static const char *const az_user[AZ_NCOLS] = {
	"alice", "bob", "erin", "carol", "dave"
};
static const char *const az_col[AZ_NCOLS] = {
	"ic", "role ops", "role scribe", "responder", "viewer"
};

struct az_fix {
	struct hub	 h;
	int64_t		 note[AZ_NCOLS];	/* seq of each one's note */
};

static void
az_setup(struct az_fix *f, const struct core_authz *authz)
{
	int	i;

	hub_init(&f->h, "INC-Z");
	f->h.authz = NULL;		/* the fixture by the default table */
	assert_code(&f->h, cmd_open(&f->h, "alice", "Checkout", 2), NULL);
	assert_code(&f->h, cmd_role(&f->h, CORE_ROLE_ASSIGN, "alice", "ops",
	    "bob", VIEW_NOW), NULL);
	assert_code(&f->h, cmd_role(&f->h, CORE_ROLE_ASSIGN, "alice", "scribe",
	    "erin", VIEW_NOW), NULL);
	f->note[AZ_VIEWER] = 0;
	for (i = 0; i < AZ_VIEWER; i++) {
		assert_code(&f->h, cmd_text(&f->h, CORE_NOTE, az_user[i],
		    "seen it", -1), NULL);
		f->note[i] = f->h.s.seq;
	}
	assert_code(&f->h, cmd_declare(&f->h, "alice", "act", NULL, NULL,
	    VIEW_NOW), NULL);
	assert_code(&f->h, cmd_declare(&f->h, "alice", "act2", NULL, NULL,
	    VIEW_NOW), NULL);
	assert_code(&f->h, cmd_access(&f->h, "alice", "viewers"), NULL);
	assert_true(core_authz_responder(&f->h.s, "carol"));
	assert_false(core_authz_responder(&f->h.s, "dave"));
	f->h.authz = authz;
}

static const char *
az_fenced(struct az_fix *f, enum core_type t, int col, const char *outcome)
{
	const char	*holder = col == AZ_VIEWER ? "alice" : az_user[col];

	assert_code(&f->h, cmd_claim(&f->h, holder, "act", 0, VIEW_NOW), NULL);
	return cmd_fenced(&f->h, t, az_user[col], "act", action(&f->h,
	    "act")->fence, outcome, VIEW_NOW);
}

static const char *
az_feed(struct az_fix *f, enum core_type t, int col)
{
	struct core_event	e;

	if (t == CORE_FEED_RM) {
		core_event_init(&e);
		e.type = CORE_FEED_ADD;
		e.name = xstrdup("p99");
		e.kind = xstrdup("prom");
		e.url = xstrdup("http://127.0.0.1:9090");
		e.query = xstrdup("up");
		assert_code(&f->h, hub_issue(&f->h, "alice", &e, -1, 0), NULL);
	}
	core_event_init(&e);
	e.type = t;
	e.name = xstrdup("p99");
	if (t == CORE_FEED_ADD) {
		e.kind = xstrdup("prom");
		e.url = xstrdup("http://127.0.0.1:9090");
		e.query = xstrdup("up");
	}
	return hub_issue(&f->h, az_user[col], &e, -1, 0);
}

static const char *
az_ref(struct az_fix *f, enum core_type t, int col, int64_t ref)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = t;
	e.ref = ref;
	if (t == CORE_AMEND)
		e.text = xstrdup("corrected");
	else
		e.kind = xstrdup("detection");
	return hub_issue(&f->h, az_user[col], &e, -1, 0);
}

/* Run the command of rule row on the fixture as column col's user. */
static const char *
az_run(struct az_fix *f, int row, int col)
{
	const char	*u = az_user[col];
	struct hub	*h = &f->h;

	switch (row) {
	case 0:
		return NULL;	/* open: its own fixture, below */
	case 1:
		return cmd_text(h, CORE_NOTE, u, "more", -1);
	case 2:
		return cmd_text(h, CORE_DECIDE, u, "fail over", -1);
	case 3:
		return az_ref(f, CORE_MARK, col, 2);
	case 4:
		return az_ref(f, CORE_AMEND, col, f->note[col != AZ_VIEWER ?
		    col : AZ_RESPONDER]);
	case 5:
		return az_ref(f, CORE_AMEND, col, f->note[col !=
		    AZ_RESPONDER ? AZ_RESPONDER : AZ_IC]);
	case 6:
		return cmd_text(h, CORE_SUMMARY, u, "db degraded", -1);
	case 7:
		return cmd_status(h, u, "identified", VIEW_NOW);
	case 8:
		return cmd_status(h, u, "resolved", VIEW_NOW);
	case 9:
		return cmd_sev(h, u, 1, VIEW_NOW);
	case 10:
		return cmd_role(h, CORE_ROLE_ASSIGN, u, "lead",
		    col == AZ_RESPONDER ? "bob" : "carol", VIEW_NOW);
	case 11:
		return cmd_role(h, CORE_ROLE_CLEAR, u, "ops", NULL, VIEW_NOW);
	case 12:
		return cmd_take(h, u, 1, "alice vanished", VIEW_NOW);
	case 13:
		return cmd_offer(h, u, col == AZ_RESPONDER ? "bob" : "carol",
		    VIEW_NOW);
	case 14:
		if (col != AZ_VIEWER)
			assert_code(h, cmd_offer(h, "alice", u, VIEW_NOW),
			    NULL);
		return cmd_bare(h, CORE_CMD_ACCEPT, u, VIEW_NOW);
	case 15:
		return cmd_bare(h, CORE_CMD_RESIGN, u, VIEW_NOW);
	case 16:
		return cmd_access(h, u, "open");
	case 17:
		return cmd_declare(h, u, "act3", "act", NULL, VIEW_NOW);
	case 18:
		return cmd_claim(h, u, "act", 0, VIEW_NOW);
	case 19:
		return az_fenced(f, CORE_RENEW, col, NULL);
	case 20:
		return az_fenced(f, CORE_RELEASE, col, NULL);
	case 21:
		return az_fenced(f, CORE_DONE, col, "success");
	case 22:
		assert_code(h, cmd_claim(h, "carol", "act2", 0, VIEW_NOW),
		    NULL);
		return cmd_break(h, u, "act2", "stuck", VIEW_NOW);
	case 23:
		return az_feed(f, CORE_FEED_ADD, col);
	case 24:
		return az_feed(f, CORE_FEED_RM, col);
	}
	fail();
	return NULL;
}

/*
 * The default table as concord(1) documents it: per command, the right
 * it needs, the right's words, the refusal's code and, per column (ic,
 * role ops, role scribe, responder, viewer), Y allowed, N refused or -
 * not a case there is (the IC taking or accepting command from itself).
 */
static const struct az_rule {
	const char	*command;
	const char	*right;
	const char	*words;
	const char	*code;
	const char	*expect;
} az_rules[] = {
	{ "open", "open", "responder", "forbidden", "YYYYY" },
	{ "note", "note", "responder", "forbidden", "YYYYN" },
	{ "decide", "decide", "responder", "forbidden", "YYYYN" },
	{ "mark", "mark", "responder", "forbidden", "YYYYN" },
	{ "amend (own note)", "amend", "responder", "forbidden", "YYYYN" },
	{ "amend (another's)", "amend-any", "ic scribe", "forbidden",
	    "YNYNN" },
	{ "summary", "summary", "responder", "forbidden", "YYYYN" },
	{ "status identified", "status", "ic", "not-ic", "YNNNN" },
	{ "status resolved", "resolve", "ic", "not-ic", "YNNNN" },
	{ "sev", "sev", "ic", "not-ic", "YNNNN" },
	{ "role assign", "role", "ic", "not-ic", "YNNNN" },
	{ "role clear", "role", "ic", "not-ic", "YNNNN" },
	{ "command take --force", "take", "responder", "forbidden", "-YYYN" },
	{ "command offer", "offer", "ic", "not-ic", "YNNNN" },
	{ "command accept", "accept", "responder", "forbidden", "-YYYN" },
	{ "command resign", "resign", "ic", "not-ic", "YNNNN" },
	{ "access", "access", "ic", "not-ic", "YNNNN" },
	{ "declare", "declare", "ic", "not-ic", "YNNNN" },
	{ "claim", "claim", "responder", "forbidden", "YYYYN" },
	{ "renew", "renew", "responder", "forbidden", "YYYYN" },
	{ "release", "release", "responder", "forbidden", "YYYYN" },
	{ "done", "done", "responder", "forbidden", "YYYYN" },
	{ "break", "break", "ic", "not-ic", "YNNNN" },
	{ "feed add", "feed", "ic ops", "forbidden", "YYNNN" },
	{ "feed rm", "feed", "ic ops", "forbidden", "YYNNN" },
};
#define AZ_NRULES	(sizeof az_rules / sizeof az_rules[0])

/* Fail at the caller's line unless the outcome is the rule's. */
static void
az_check(const struct hub *h, const struct az_rule *rule, int col,
    const char *got, const char *file, int line)
{
	const char	*right = rule->right;
	char		*named;
	int		 ok;

	/* A viewer is refused before the note is looked at. */
	if (col == AZ_VIEWER && strcmp(right, "amend-any") == 0)
		right = "amend";
	named = xasprintf("needs the right '%s'", right);
	if (rule->expect[col] == 'Y')
		ok = got == NULL;
	else
		ok = got != NULL && strcmp(got, rule->code) == 0 &&
		    h->msg != NULL && strstr(h->msg, named) != NULL &&
		    strstr(h->msg, az_user[col]) != NULL;
	if (!ok) {
		print_error("%s by %s (%s): got %s, expected %s (%s)\n",
		    rule->command, az_user[col], az_col[col],
		    got != NULL ? got : "acceptance",
		    rule->expect[col] == 'Y' ? "acceptance" : rule->code,
		    h->msg != NULL ? h->msg : "no message");
		free(named);
		_fail(file, line);
	}
	free(named);
}

static void
test_authz_default(void **state)
{
	const struct core_authz	*dflt = core_authz_default();
	const struct az_rule	*rule;
	struct core_event	 e;
	struct az_fix		 f;
	struct hub		 h;
	char			*words;
	size_t			 i, j, covered[CORE_RIGHT_COUNT];
	int			 col, right;

	(void)state;
	memset(covered, 0, sizeof covered);
	for (i = 0; i < AZ_NRULES; i++) {
		rule = &az_rules[i];
		right = core_right_find(rule->right);
		assert_int_not_equal(right, CORE_RIGHT_NONE);
		covered[right]++;
		words = core_authz_words(&dflt->grant[right]);
		if (strcmp(words, rule->words) != 0)
			fail_msg("default %s: \"%s\", documented \"%s\"",
			    rule->right, words, rule->words);
		free(words);
	}
	/* Every right has a rule, and every command a client sends. */
	for (j = 0; j < CORE_RIGHT_COUNT; j++)
		if (covered[j] == 0)
			fail_msg("no rule for %s", core_right_name(j));
	for (j = 0; j < CORE_TYPE_COUNT; j++) {
		core_event_init(&e);
		e.type = (enum core_type)j;
		right = core_authz_right(&e);
		assert_int_equal(right == CORE_RIGHT_NONE,
		    (core_cmd_entry_of(j)->flags & CORE_F_HUB) != 0);
	}

	/* Open: before an incident exists everyone is a responder. */
	for (col = 0; col < AZ_NCOLS; col++) {
		hub_init(&h, "INC-O");
		az_check(&h, &az_rules[0], col, cmd_open(&h, az_user[col],
		    "Checkout", 2), __FILE__, __LINE__);
		hub_free(&h);
	}
	/* The rest: each rule, each kind of actor, on a fresh fixture. */
	for (i = 1; i < AZ_NRULES; i++) {
		for (col = 0; col < AZ_NCOLS; col++) {
			if (az_rules[i].expect[col] == '-')
				continue;
			az_setup(&f, NULL);
			az_check(&f.h, &az_rules[i], col, az_run(&f, (int)i,
			    col), __FILE__, __LINE__);
			hub_free(&f.h);
		}
	}
}

/* The message names the right, who holds it and what the actor is. */
static void
test_authz_message(void **state)
{
	struct az_fix	f;

	(void)state;
	az_setup(&f, NULL);
	assert_code(&f.h, cmd_sev(&f.h, "carol", 1, VIEW_NOW), "not-ic");
	assert_string_equal(f.h.msg, "changing the severity needs the right "
	    "'sev' (held by: ic (alice)); carol is a responder");
	assert_code(&f.h, cmd_sev(&f.h, "bob", 1, VIEW_NOW), "not-ic");
	assert_string_equal(f.h.msg, "changing the severity needs the right "
	    "'sev' (held by: ic (alice)); bob is a responder holding ops");
	assert_code(&f.h, az_ref(&f, CORE_AMEND, AZ_OPS, f.note[AZ_IC]),
	    "forbidden");
	assert_string_equal(f.h.msg, "amending someone else's note needs "
	    "the right 'amend-any' (held by: ic (alice), role scribe (erin)); "
	    "bob is a responder holding ops; the note at seq 4 is alice's");
	assert_code(&f.h, cmd_text(&f.h, CORE_NOTE, "dave", "hi", -1),
	    "forbidden");
	assert_contains(f.h.msg, "adding a note needs the right 'note' "
	    "(held by: responder); dave is a viewer");
	assert_code(&f.h, cmd_bare(&f.h, CORE_CMD_RESIGN, "alice", VIEW_NOW),
	    NULL);
	assert_code(&f.h, cmd_sev(&f.h, "alice", 1, VIEW_NOW), "not-ic");
	assert_contains(f.h.msg, "(held by: ic (vacant: take command first))");
	hub_free(&f.h);
}

/* Viewers: off by default; on, newcomers may act only once let in. */
static void
test_authz_viewers(void **state)
{
	struct hub	h;

	(void)state;
	hub_open(&h);
	assert_false(h.s.viewers);
	assert_true(core_authz_responder(&h.s, "zoe"));
	assert_code(&h, cmd_access(&h, "bob", "viewers"), "not-ic");
	assert_code(&h, cmd_access(&h, "alice", "open"), "no-change");
	assert_code(&h, cmd_access(&h, "alice", "lock"), "bad-request");
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", "here", -1), NULL);
	assert_code(&h, cmd_access(&h, "alice", "viewers"), NULL);
	assert_true(h.s.viewers);
	assert_string_equal(h.last.state, "viewers");
	assert_code(&h, cmd_access(&h, "alice", "viewers"), "no-change");

	/* bob has acted: a responder; dave and erin have not. */
	assert_code(&h, cmd_text(&h, CORE_NOTE, "bob", "still here", -1),
	    NULL);
	assert_code(&h, cmd_text(&h, CORE_NOTE, "dave", "me too", -1),
	    "forbidden");
	assert_code(&h, cmd_take(&h, "dave", 1, "gone", VIEW_NOW),
	    "forbidden");
	assert_contains(h.msg, "dave is a viewer");
	/* A role lets dave in, and he stays in once he has acted. */
	assert_code(&h, cmd_role(&h, CORE_ROLE_ASSIGN, "alice", "lead", "dave",
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_text(&h, CORE_NOTE, "dave", "me too", -1), NULL);
	assert_code(&h, cmd_role(&h, CORE_ROLE_CLEAR, "alice", "lead", NULL,
	    VIEW_NOW), NULL);
	assert_code(&h, cmd_claim(&h, "dave", "x", 0, VIEW_NOW),
	    "unknown-action");
	/* So does an offer of command. */
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "erin", VIEW_NOW),
	    "forbidden");
	assert_code(&h, cmd_offer(&h, "alice", "erin", VIEW_NOW), NULL);
	assert_code(&h, cmd_bare(&h, CORE_CMD_ACCEPT, "erin", VIEW_NOW), NULL);
	assert_string_equal(h.s.ic, "erin");
	/* Table words are not roles. */
	assert_code(&h, cmd_role(&h, CORE_ROLE_ASSIGN, "erin", "viewer", "zoe",
	    VIEW_NOW), "bad-request");
	assert_code(&h, cmd_role(&h, CORE_ROLE_ASSIGN, "erin", "responder",
	    "zoe", VIEW_NOW), "bad-request");
	/* Off again: zoe, who never acted, may. */
	assert_code(&h, cmd_text(&h, CORE_NOTE, "zoe", "hi", -1), "forbidden");
	assert_code(&h, cmd_access(&h, "erin", "open"), NULL);
	assert_false(h.s.viewers);
	assert_code(&h, cmd_text(&h, CORE_NOTE, "zoe", "hi", -1), NULL);
	hub_free(&h);
}

/* A table from the configuration overrides the default, right by right. */
static void
test_authz_override(void **state)
{
	struct core_authz	 a = *core_authz_default();
	struct core_event	 e;
	struct az_fix		 f;
	char			*cause = NULL, *words;
	int			 i;

	(void)state;
	/* Parsing: unknown rights and words, and the words written back. */
	assert_int_equal(core_authz_set(&a, "sevv", "ic", &cause), -1);
	assert_contains(cause, "unknown right \"sevv\"");
	free(cause);
	assert_int_equal(core_authz_set(&a, "sev", "ic op$", &cause), -1);
	assert_contains(cause, "\"op$\" is not ic, responder, viewer, none");
	free(cause);
	assert_int_equal(core_authz_set(&a, "sev", "  ", &cause), -1);
	assert_contains(cause, "or none");
	free(cause);
	assert_int_equal(core_authz_set(&a, "sev", "none ic", &cause), -1);
	assert_contains(cause, "none stands alone");
	free(cause);
	assert_int_equal(core_authz_set(&a, "sev", "a b c d e f g h i",
	    &cause), -1);
	assert_contains(cause, "more than 8 roles");
	free(cause);
	assert_memory_equal(&a, core_authz_default(), sizeof a);
	assert_int_equal(core_authz_set(&a, "sev", "\tops ic ops\t", &cause),
	    0);
	words = core_authz_words(&a.grant[CORE_RIGHT_SEV]);
	assert_string_equal(words, "ic ops");
	free(words);

	/* sev for ops too: bob may, carol still may not, and is told. */
	az_setup(&f, &a);
	assert_code(&f.h, cmd_sev(&f.h, "bob", 1, VIEW_NOW), NULL);
	assert_code(&f.h, cmd_sev(&f.h, "carol", 3, VIEW_NOW), "forbidden");
	assert_contains(f.h.msg, "'sev' (held by: ic (alice), role ops (bob))");
	hub_free(&f.h);

	/* Notes for the IC alone; then for viewers too. */
	assert_int_equal(core_authz_set(&a, "note", "ic", &cause), 0);
	az_setup(&f, &a);
	assert_code(&f.h, cmd_text(&f.h, CORE_NOTE, "carol", "x", -1),
	    "not-ic");
	assert_code(&f.h, cmd_text(&f.h, CORE_NOTE, "alice", "x", -1), NULL);
	assert_int_equal(core_authz_set(&a, "note", "responder viewer",
	    &cause), 0);
	assert_code(&f.h, cmd_text(&f.h, CORE_NOTE, "dave", "x", -1), NULL);
	assert_true(core_authz_responder(&f.h.s, "dave"));
	/* Nobody may open; nobody may do anything, but the hub still may. */
	assert_int_equal(core_authz_set(&a, "open", "none", &cause), 0);
	for (i = 0; i < CORE_RIGHT_COUNT; i++)
		assert_int_equal(core_authz_set(&a, core_right_name(i),
		    "none", &cause), 0);
	assert_code(&f.h, cmd_claim(&f.h, "alice", "act", 1000, VIEW_NOW),
	    "forbidden");
	assert_contains(f.h.msg, "(held by: nobody but the hub)");
	f.h.authz = NULL;
	assert_code(&f.h, cmd_claim(&f.h, "alice", "act", 1000, VIEW_NOW),
	    NULL);
	f.h.authz = &a;
	f.h.now += 1000;
	assert_int_equal(hub_sweep(&f.h), 1);
	core_event_init(&e);
	e.type = CORE_ALERT;
	e.state = xstrdup("firing");
	e.text = xstrdup("HighLatency");
	assert_code(&f.h, hub_issue(&f.h, CORE_ACTOR_HUB, &e, -1, 1), NULL);
	hub_free(&f.h);
	hub_init(&f.h, "INC-N");
	f.h.authz = &a;
	assert_code(&f.h, cmd_open(&f.h, "alice", "t", 2), "forbidden");
	hub_free(&f.h);
}

/* Amendments supersede a note's text (author, IC or scribe only); marks
 * flag key moments. */
static void
test_amend_mark(void **state)
{
	struct core_state	s;
	struct core_event	e;

	(void)state;
	core_state_init(&s, "INC-A");
	core_event_init(&e);
	e.type = CORE_OPEN;
	e.text = xstrdup("t");
	e.sev = 2;
	assert_null(am_issue(&s, &e, "alice"));
	core_event_init(&e);
	e.type = CORE_NOTE;
	e.text = xstrdup("cache hit rate low");
	assert_null(am_issue(&s, &e, "bob"));		/* seq 2 */
	assert_non_null(core_state_note(&s, 2));
	assert_null(core_state_note(&s, 1));

	core_event_init(&e);
	e.type = CORE_AMEND;
	e.ref = 2;
	e.text = xstrdup("cache hit rate normal");
	assert_string_equal(am_issue(&s, &e, "carol"), "forbidden");
	core_event_init(&e);
	e.type = CORE_AMEND;
	e.ref = 1;
	e.text = xstrdup("x");
	assert_string_equal(am_issue(&s, &e, "alice"), "unknown-event");
	core_event_init(&e);
	e.type = CORE_AMEND;
	e.ref = 2;
	assert_string_equal(am_issue(&s, &e, "bob"), "bad-request");
	core_event_init(&e);
	e.type = CORE_AMEND;
	e.ref = 2;
	e.text = xstrdup("cache hit rate normal");
	assert_null(am_issue(&s, &e, "bob"));		/* author: seq 3 */
	assert_int_equal(core_state_note(&s, 2)->amended, 3);
	core_event_init(&e);
	e.type = CORE_AMEND;
	e.ref = 2;
	e.text = xstrdup("cache hit rate normal (checked)");
	assert_null(am_issue(&s, &e, "alice"));		/* IC: seq 4 */
	assert_int_equal(core_state_note(&s, 2)->amended, 4);

	core_event_init(&e);
	e.type = CORE_MARK;
	e.ref = 2;
	e.kind = xstrdup("hunch");
	assert_string_equal(am_issue(&s, &e, "carol"), "bad-request");
	core_event_init(&e);
	e.type = CORE_MARK;
	e.ref = 99;
	e.kind = xstrdup("detection");
	assert_string_equal(am_issue(&s, &e, "carol"), "unknown-event");
	core_event_init(&e);
	e.type = CORE_MARK;
	e.ref = 2;
	e.kind = xstrdup("diagnosis");
	assert_null(am_issue(&s, &e, "carol"));
	assert_int_equal(s.nmoments, 1);
	assert_int_equal(s.moments[0].ref, 2);
	assert_string_equal(s.moments[0].kind, "diagnosis");
	assert_string_equal(s.moments[0].by, "carol");

	/* A decision is a note and its own key moment, in one event. */
	core_event_init(&e);
	e.type = CORE_DECIDE;
	assert_string_equal(am_issue(&s, &e, "bob"), "bad-request");
	core_event_init(&e);
	e.type = CORE_DECIDE;
	e.text = xstrdup("fail over to the replica");
	assert_null(am_issue(&s, &e, "bob"));		/* seq 6 */
	assert_int_equal(s.nmoments, 2);
	assert_int_equal(s.moments[1].ref, 6);
	assert_int_equal(s.moments[1].seq, 6);
	assert_string_equal(s.moments[1].kind, "decision");
	assert_string_equal(s.moments[1].by, "bob");
	assert_non_null(core_state_note(&s, 6));
	core_event_init(&e);
	e.type = CORE_AMEND;
	e.ref = 6;
	e.text = xstrdup("fail over to the replica in eu-west");
	assert_null(am_issue(&s, &e, "bob"));		/* seq 7 */
	assert_int_equal(core_state_note(&s, 6)->amended, 7);
	core_state_clear(&s);
}

/* A feed event of type t for name, with url and query when adding. */
static void
feed_event(struct core_event *e, enum core_type t, const char *name)
{
	core_event_init(e);
	e->type = t;
	e->name = xstrdup(name);
	if (t == CORE_FEED_ADD) {
		e->kind = xstrdup("prom");
		e->url = xstrdup("http://127.0.0.1:9090");
		e->query = xstrdup("sum(rate(errors_total[1m]))");
	}
}

/*
 * Feeds: added and removed in the log, or given by the hub's configuration
 * (ctx.feeds) and removed in the log; crossings and alerts are the hub's;
 * a decision records what the hub shows (ctx.seen), never what the
 * client sends.
 */
static void
test_feeds(void **state)
{
	static const char	*conf[] = { "p99" };
	static const char	*seen[] = { "p99: 840 ms (3 s old)",
	    "errors: 2.1 % (1 s old)" };
	struct core_state	 s;
	struct core_event	 e;
	struct core_ctx		 ctx, hub;

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	ctx.actor = "alice";
	ctx.feeds = conf;
	ctx.nfeeds = 1;
	hub = ctx;
	hub.actor = CORE_ACTOR_HUB;
	hub.internal = 1;
	core_state_init(&s, "INC-F");
	core_event_init(&e);
	e.type = CORE_OPEN;
	e.text = xstrdup("t");
	e.sev = 2;
	assert_null(ctx_issue(&s, &e, &ctx));

	feed_event(&e, CORE_FEED_ADD, "errors");
	e.unit = xstrdup("%");
	e.warn = xstrdup("1");
	e.crit = xstrdup("5.5");
	e.every = 5000;
	assert_null(ctx_issue(&s, &e, &ctx));		/* seq 2 */
	assert_int_equal(s.nfeeds, 1);
	assert_string_equal(s.feeds[0].query, "sum(rate(errors_total[1m]))");
	assert_string_equal(s.feeds[0].crit, "5.5");
	assert_int_equal(s.feeds[0].every, 5000);
	feed_event(&e, CORE_FEED_ADD, "errors");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "exists");
	feed_event(&e, CORE_FEED_ADD, "p99");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "exists");
	feed_event(&e, CORE_FEED_ADD, "x");
	free(e.url);
	e.url = xstrdup("file:///etc/passwd");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "bad-request");
	feed_event(&e, CORE_FEED_ADD, "x");
	e.warn = xstrdup("high");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "bad-request");
	feed_event(&e, CORE_FEED_ADD, "x");
	e.every = 10;
	assert_string_equal(ctx_issue(&s, &e, &ctx), "bad-request");
	feed_event(&e, CORE_FEED_ADD, "x");
	free(e.kind);
	e.kind = xstrdup("graphite");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "bad-request");

	/* Crossings are the hub's; the state keeps the last level. */
	feed_event(&e, CORE_FEED_LEVEL, "errors");
	e.state = xstrdup("crit");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "forbidden");
	feed_event(&e, CORE_FEED_LEVEL, "p99");
	e.state = xstrdup("warn");
	e.text = xstrdup("p99 is 840 ms, over warn 800");
	assert_null(ctx_issue(&s, &e, &hub));		/* seq 3 */
	assert_string_equal(core_state_feed(&s, "p99")->level, "warn");
	assert_null(core_state_feed(&s, "p99")->kind);	/* configured */
	feed_event(&e, CORE_FEED_LEVEL, "p99");
	e.state = xstrdup("purple");
	assert_string_equal(ctx_issue(&s, &e, &hub), "bad-request");

	/* A decision records what the hub shows, whatever the client sent. */
	core_event_init(&e);
	e.type = CORE_DECIDE;
	e.text = xstrdup("fail over");
	core_list_add(&e.seen, &e.nseen, "p99: 1 ms (forged)");
	ctx.seen = seen;
	ctx.nseen = 2;
	assert_null(ctx_issue(&s, &e, &ctx));		/* seq 4 */
	ctx.seen = NULL;
	ctx.nseen = 0;

	/* Removing: a configured feed too; then its name is free again. */
	feed_event(&e, CORE_FEED_RM, "nope");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "unknown-feed");
	feed_event(&e, CORE_FEED_RM, "p99");
	assert_null(ctx_issue(&s, &e, &ctx));		/* seq 5 */
	assert_true(core_state_feed(&s, "p99")->removed);
	assert_null(core_state_feed(&s, "p99")->level);
	feed_event(&e, CORE_FEED_RM, "p99");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "unknown-feed");
	feed_event(&e, CORE_FEED_RM, "errors");
	assert_null(ctx_issue(&s, &e, &ctx));		/* seq 6 */
	feed_event(&e, CORE_FEED_ADD, "errors");
	assert_null(ctx_issue(&s, &e, &ctx));		/* seq 7 */
	assert_false(core_state_feed(&s, "errors")->removed);
	assert_null(core_state_feed(&s, "errors")->unit);

	/* Alerts: the hub's, firing or resolved. */
	core_event_init(&e);
	e.type = CORE_ALERT;
	e.state = xstrdup("firing");
	e.text = xstrdup("HighLatency checkout");
	core_list_add(&e.labels, &e.nlabels, "severity=page");
	assert_string_equal(ctx_issue(&s, &e, &ctx), "forbidden");
	core_event_init(&e);
	e.type = CORE_ALERT;
	e.state = xstrdup("pending");
	e.text = xstrdup("HighLatency checkout");
	assert_string_equal(ctx_issue(&s, &e, &hub), "bad-request");
	core_event_init(&e);
	e.type = CORE_ALERT;
	e.state = xstrdup("firing");
	e.text = xstrdup("HighLatency checkout");
	assert_null(ctx_issue(&s, &e, &hub));		/* seq 8 */
	assert_int_equal(s.seq, 8);
	core_state_clear(&s);
}

/* The event a decision makes carries the feeds as the hub showed them. */
static void
test_decide_seen(void **state)
{
	static const char	*seen[] = { "p99: 840 ms (3 s old)" };
	struct core_state	 s;
	struct core_event	 e;
	struct core_ctx		 ctx;
	struct core_refusal	 r;
	char			*cause = NULL;

	(void)state;
	memset(&ctx, 0, sizeof ctx);
	ctx.actor = "alice";
	core_state_init(&s, "INC-S");
	core_event_init(&e);
	e.type = CORE_OPEN;
	e.text = xstrdup("t");
	e.sev = 2;
	assert_null(ctx_issue(&s, &e, &ctx));
	core_event_init(&e);
	e.type = CORE_DECIDE;
	e.text = xstrdup("fail over");
	core_list_add(&e.seen, &e.nseen, "forged");
	ctx.seen = seen;
	ctx.nseen = 1;
	ctx.based_on = 1;
	assert_int_equal(core_state_check(&s, &e, &ctx, &r), 0);
	assert_int_equal(e.nseen, 1);
	assert_string_equal(e.seen[0], "p99: 840 ms (3 s old)");
	e.seq = 2;
	e.time = 1;
	assert_int_equal(core_event_valid(&e, CORE_VALID_EVENT, &cause), 0);
	roundtrip(&e, NULL);
	core_event_clear(&e);
	core_state_clear(&s);
}

/*
 * Log one command by actor at the head of s: check it, apply it, and keep
 * the event and the chain value after it in log[n] and hash[n].
 */
static void
follow_log(struct core_state *s, struct core_event *e, const char *actor,
    struct core_event *log, unsigned char (*hash)[CORE_HASH_LEN], size_t n)
{
	struct core_ctx		ctx;
	struct core_refusal	r;

	memset(&ctx, 0, sizeof ctx);
	ctx.actor = actor;
	ctx.based_on = s->seq;
	ctx.wall = 1000 + s->seq;
	ctx.now = T0;
	if (core_state_check(s, e, &ctx, &r) != 0)
		fail_msg("refused: %s", r.message);
	e->seq = s->seq + 1;
	e->time = ctx.wall;
	core_state_apply(s, e, &ctx);
	log[n] = *e;
	memcpy(hash[n], s->chain, CORE_HASH_LEN);
}

/*
 * The chain follower: the next event with its chain value is folded; a gap
 * or a repeat leaves the state alone; a value that does not match is
 * reported at its seq.  A state received whole is checked for the fold's
 * invariants.
 */
static void
test_state_follow(void **state)
{
	struct core_state	 src, s;
	struct core_event	 e, log[4];
	struct core_ctx		 ctx;
	unsigned char		 hash[4][CORE_HASH_LEN];
	unsigned char		 bad[CORE_HASH_LEN];
	char			*cause;
	size_t			 i;

	(void)state;
	core_state_init(&src, "INC-F");
	core_event_init(&e);
	e.type = CORE_OPEN;
	e.text = xstrdup("t");
	e.sev = 2;
	follow_log(&src, &e, "alice", log, hash, 0);
	core_event_init(&e);
	e.type = CORE_NOTE;
	e.text = xstrdup("hello");
	follow_log(&src, &e, "bob", log, hash, 1);
	core_event_init(&e);
	e.type = CORE_DECLARE;
	e.name = xstrdup("failover");
	follow_log(&src, &e, "alice", log, hash, 2);
	core_event_init(&e);
	e.type = CORE_CLAIM;
	e.name = xstrdup("failover");
	e.ttl = 30000;
	follow_log(&src, &e, "bob", log, hash, 3);

	memset(&ctx, 0, sizeof ctx);
	ctx.now = T0;

	/* The good case: every event follows and verifies. */
	core_state_init(&s, "INC-F");
	for (i = 0; i < 4; i++)
		assert_int_equal(core_state_follow(&s, &log[i], hash[i], &ctx,
		    &cause), 0);
	assert_int_equal(s.seq, 4);
	assert_memory_equal(s.chain, src.chain, CORE_HASH_LEN);
	assert_int_equal(core_state_action(&s, "failover")->fence, 4);
	assert_int_equal(core_state_valid(&s, &cause), 0);
	core_state_clear(&s);

	/* A gap, and a repeat: refused, the state untouched. */
	core_state_init(&s, "INC-F");
	assert_int_equal(core_state_follow(&s, &log[1], hash[1], &ctx,
	    &cause), CORE_FOLLOW_GAP);
	assert_string_equal(cause, "gap in the log: seq 2 after 0");
	free(cause);
	assert_int_equal(s.seq, 0);
	assert_int_equal(core_state_follow(&s, &log[0], hash[0], &ctx,
	    &cause), 0);
	assert_int_equal(core_state_follow(&s, &log[0], hash[0], &ctx,
	    &cause), CORE_FOLLOW_GAP);
	assert_string_equal(cause, "gap in the log: seq 1 after 1");
	free(cause);
	assert_int_equal(s.seq, 1);
	assert_memory_equal(s.chain, hash[0], CORE_HASH_LEN);
	core_state_clear(&s);

	/* A chain value that does not match: broken at that seq. */
	core_state_init(&s, "INC-F");
	assert_int_equal(core_state_follow(&s, &log[0], hash[0], &ctx,
	    &cause), 0);
	memcpy(bad, hash[1], CORE_HASH_LEN);
	bad[CORE_HASH_LEN - 1] ^= 1;
	assert_int_equal(core_state_follow(&s, &log[1], bad, &ctx, &cause),
	    CORE_FOLLOW_BROKEN);
	assert_string_equal(cause, "chain mismatch at seq 2");
	free(cause);
	core_state_clear(&s);

	/* Values not sent (NULL): a later one checks them. */
	core_state_init(&s, "INC-F");
	for (i = 0; i < 3; i++)
		assert_int_equal(core_state_follow(&s, &log[i], NULL, &ctx,
		    &cause), 0);
	assert_memory_equal(s.chain, hash[2], CORE_HASH_LEN);
	assert_int_equal(core_state_follow(&s, &log[3], hash[3], &ctx,
	    &cause), 0);
	core_state_clear(&s);

	/* An event changed after its chain value was computed. */
	core_state_init(&s, "INC-F");
	free(log[1].text);
	log[1].text = xstrdup("hellO");
	assert_int_equal(core_state_follow(&s, &log[0], hash[0], &ctx,
	    &cause), 0);
	assert_int_equal(core_state_follow(&s, &log[1], hash[1], &ctx,
	    &cause), CORE_FOLLOW_BROKEN);
	assert_string_equal(cause, "chain mismatch at seq 2");
	free(cause);
	core_state_clear(&s);
	/* ... which the next value sent finds when its own was not. */
	core_state_init(&s, "INC-F");
	assert_int_equal(core_state_follow(&s, &log[0], NULL, &ctx, &cause),
	    0);
	assert_int_equal(core_state_follow(&s, &log[1], NULL, &ctx, &cause),
	    0);
	assert_int_equal(core_state_follow(&s, &log[2], hash[2], &ctx,
	    &cause), CORE_FOLLOW_BROKEN);
	assert_string_equal(cause, "chain mismatch at seq 3");
	free(cause);
	core_state_clear(&s);

	/* A state received whole must keep the fold's invariants. */
	core_state_action(&src, "failover")->fence = 5;
	assert_int_equal(core_state_valid(&src, &cause), -1);
	assert_string_equal(cause, "failover: fence 5 is not within seq 4");
	free(cause);
	core_state_action(&src, "failover")->fence = 4;
	free(core_state_action(&src, "failover")->holder);
	core_state_action(&src, "failover")->holder = NULL;
	assert_int_equal(core_state_valid(&src, &cause), -1);
	assert_string_equal(cause, "failover: held without a holder");
	free(cause);
	core_state_action(&src, "failover")->state = CORE_ACTION_FREE;
	assert_int_equal(core_state_valid(&src, &cause), 0);
	free(src.ic);
	src.ic = xstrdup("");
	assert_int_equal(core_state_valid(&src, &cause), -1);
	assert_string_equal(cause, "the incident commander has no name");
	free(cause);

	for (i = 0; i < 4; i++)
		core_event_clear(&log[i]);
	core_state_clear(&src);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_roundtrip),
		cmocka_unit_test(test_event_decode_rejects),
		cmocka_unit_test(test_describe_any),
		cmocka_unit_test(test_field_rules),
		cmocka_unit_test(test_chain_start),
		cmocka_unit_test(test_chain_sensitivity),
		cmocka_unit_test(test_chain_known_answer),
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_valid_text),
		cmocka_unit_test(test_auth_ic_only),
		cmocka_unit_test(test_command_handover),
		cmocka_unit_test(test_lease_claim_renew_expire),
		cmocka_unit_test(test_lease_break_done),
		cmocka_unit_test(test_deps_conflicts),
		cmocka_unit_test(test_stale_views),
		cmocka_unit_test(test_grace),
		cmocka_unit_test(test_afresh),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_unused_fields_dropped),
		cmocka_unit_test(test_amend_mark),
		cmocka_unit_test(test_authz_default),
		cmocka_unit_test(test_authz_message),
		cmocka_unit_test(test_authz_viewers),
		cmocka_unit_test(test_authz_override),
		cmocka_unit_test(test_feeds),
		cmocka_unit_test(test_decide_seen),
		cmocka_unit_test(test_state_follow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
