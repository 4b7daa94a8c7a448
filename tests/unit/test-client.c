/*
 * Unit tests of the verb table (client-cmd.c): the command line and a
 * console line parse to the same core command; usage errors and the
 * causes the builders give; the lenient console forms (positional ttl,
 * outcome, reason, "#seq", "sev2"); where each verb applies; and Tab
 * completion by argument kind from a given incident state (a user for role
 * assign, a claimable action for claim, a held one for renew and done, a
 * status, a severity, an outcome, a key-moment kind, option names and
 * option values, the notes one may amend); the checks before sending
 * (names, status, empty and over-long text, control characters written
 * out) and severities as 1-4 or SEV1-SEV4.  And the outbox, on a real
 * SQLite file in a private
 * directory: oldest first per hub, an operation id queued once, a refused
 * entry set aside, a delivered one gone, bad entries refused.  And hub
 * addresses (client-url.c): unix:, ws:// and wss:// parsed, TLS asked of
 * lws for wss:// alone and never with its checks relaxed, which hosts are
 * this machine, and which hubs are warned of as plaintext elsewhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libwebsockets.h>

#include "client.h"
#include "util.h"

/* Parse a command line as client_run does; the event built, or -1. */
static int
cli(struct core_event *ev, const char *first, ...)
{
	const struct client_cmd_entry	*ce;
	struct client_args		 a;
	char				*argv[32], *cause = NULL;
	const char			*s;
	va_list				 ap;
	int				 argc = 0, i, rc = -1;

	argv[argc++] = xstrdup("concord");
	argv[argc++] = xstrdup(first);
	va_start(ap, first);
	while ((s = va_arg(ap, const char *)) != NULL)
		argv[argc++] = xstrdup(s);
	va_end(ap);
	client_args_init(&a);
	core_event_init(ev);
	if ((i = client_cmd_parse_common(&a, argc, argv, &cause)) < 0 ||
	    i >= argc || (ce = client_cmd_find(argv[i], 0)) == NULL ||
	    client_cmd_parse(ce, &a, argc - i, argv + i, 0, &cause) != 0 ||
	    ce->build == NULL || ce->build(&a, ev, &cause) != 0) {
		free(cause);
		core_event_clear(ev);
		core_event_init(ev);
	} else
		rc = 0;
	client_args_clear(&a);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

/* Parse a console line; 0 with ev, 1 console verb, -1 with *cause. */
static int
con(struct core_event *ev, const char *line, char **cause)
{
	struct client_args	a;
	int			rc;

	client_args_init(&a);
	core_event_init(ev);
	*cause = NULL;
	rc = client_cmd_line(line, &a, ev, cause);
	client_args_clear(&a);
	return rc;
}

/* The event's encoding, to compare two; the caller frees. */
static char *
enc(const struct core_event *ev)
{
	struct buf	b;

	util_buf_init(&b);
	core_event_encode(ev, &b);
	util_buf_add(&b, "", 1);
	return util_buf_steal(&b);
}

/* A console line and a command line build the same command. */
static void
same(const char *line, const char *first, ...)
{
	struct core_event	 e1, e2;
	const char		*argv[16], *s;
	char			*cause, *x1, *x2;
	va_list			 ap;
	int			 n = 0;

	va_start(ap, first);
	while ((s = va_arg(ap, const char *)) != NULL && n < 15)
		argv[n++] = s;
	va_end(ap);
	while (n < 16)
		argv[n++] = NULL;
	if (con(&e1, line, &cause) != 0)
		fail_msg("console \"%s\": %s", line, cause);
	if (cli(&e2, first, argv[0], argv[1], argv[2], argv[3], argv[4],
	    argv[5], argv[6], argv[7], argv[8], NULL) != 0)
		fail_msg("command line %s for \"%s\" failed", first, line);
	x1 = enc(&e1);
	x2 = enc(&e2);
	assert_string_equal(x1, x2);
	free(x1);
	free(x2);
	core_event_clear(&e1);
	core_event_clear(&e2);
}

static void
test_same(void **state)
{
	(void)state;
	same("claim db", "claim", "db", NULL);
	same("claim db --ttl 30s", "claim", "db", "--ttl", "30s", NULL);
	same("claim db 30s", "claim", "--ttl=30s", "db", NULL);
	same("done db success all good", "done", "db", "--outcome", "success",
	    "--note", "all good", NULL);
	same("done db --outcome failed", "done", "db", "--outcome", "failed",
	    NULL);
	same("done db aborted --fence 7", "done", "--fence", "7", "db",
	    "--outcome", "aborted", NULL);
	same("renew db", "renew", "db", NULL);
	same("release db --fence 3", "release", "db", "--fence", "3", NULL);
	same("declare db \"fail over\" --after x --after y --conflicts z",
	    "declare", "db", "--desc", "fail over", "--after", "x",
	    "--after", "y", "--conflicts", "z", NULL);
	same("break db stuck holder", "break", "db", "--reason",
	    "stuck holder", NULL);
	same("role assign bob ops", "role", "assign", "bob", "ops", NULL);
	same("role clear ops", "role", "clear", "ops", NULL);
	same("command take", "command", "take", NULL);
	same("command take --force ic gone", "command", "take", "--force",
	    "--reason", "ic gone", NULL);
	same("command offer bob", "command", "offer", "bob", NULL);
	same("command accept", "command", "accept", NULL);
	same("status mitigating", "status", "mitigating", NULL);
	same("sev SEV2", "sev", "2", NULL);
	same("summary db  is slow", "summary", "db", "is", "slow", NULL);
	same("amend #4 fixed text", "amend", "4", "fixed", "text", NULL);
	same("mark 4 decision", "mark", "4", "decision", NULL);
	/* Common options before and after the command. */
	same("claim db", "--as", "bob", "claim", "db", "--json", NULL);
}

static void
test_errors(void **state)
{
	struct core_event	 ev;
	char			*cause;

	(void)state;
	assert_int_equal(con(&ev, "claim", &cause), -1);
	assert_string_equal(cause, "usage: /claim ACTION [--ttl S]");
	free(cause);
	assert_int_equal(con(&ev, "claim db 0s", &cause), -1);
	assert_string_equal(cause, "a lease lasts 1 s to 24 h, not 0s");
	free(cause);
	assert_int_equal(con(&ev, "claim db --bogus", &cause), -1);
	assert_non_null(strstr(cause, "unknown option --bogus"));
	free(cause);
	assert_int_equal(con(&ev, "claim db --ttl", &cause), -1);
	assert_non_null(strstr(cause, "--ttl needs a value"));
	free(cause);
	assert_int_equal(con(&ev, "command take --force", &cause), -1);
	assert_string_equal(cause, "a forced take needs --reason");
	free(cause);
	assert_int_equal(con(&ev, "done db went fine", &cause), -1);
	assert_non_null(strstr(cause, "usage: /done"));
	free(cause);
	assert_int_equal(con(&ev, "frob", &cause), -1);
	assert_string_equal(cause, "unknown command /frob; /help lists them");
	free(cause);
	assert_int_equal(con(&ev, "   ", &cause), -1);
	free(cause);
	/* Command-line-only verbs are not slash commands, and back. */
	assert_int_equal(con(&ev, "open --title x", &cause), -1);
	free(cause);
	assert_int_equal(con(&ev, "log", &cause), -1);
	free(cause);
	assert_null(client_cmd_find("search", 0));
	assert_null(client_cmd_find("quit", 0));
	assert_non_null(client_cmd_find("verify", 0));
	assert_non_null(client_cmd_find("claim", 1));
	assert_int_equal(con(&ev, "quit", &cause), 1);
	assert_int_equal(con(&ev, "search db \"is slow\"", &cause), 1);
	/* A note from the console. */
	assert_int_equal(con(&ev, "note \"a  b\" c", &cause), 0);
	assert_int_equal(ev.type, CORE_NOTE);
	assert_string_equal(ev.text, "a  b c");
	core_event_clear(&ev);
	assert_int_equal(cli(&ev, "claim", "a", "b", "c", NULL), -1);
	assert_int_equal(cli(&ev, "mark", "x", "decision", NULL), -1);
	assert_int_equal(cli(&ev, "sev", "5", NULL), -1);
	assert_int_equal(cli(&ev, "role", "assign", "bob", NULL), -1);
	assert_int_equal(cli(&ev, "--timeout", "0", "show", NULL), -1);
}

/*
 * Issue a console line as actor on st, as the hub would; the event made is
 * left in *out (NULL: dropped).
 */
static void
issue_event(struct core_state *st, const char *actor, const char *line,
    struct core_event *out)
{
	struct core_event	ev;
	struct core_ctx		ctx;
	struct core_refusal	r;
	char			*cause;

	memset(&ctx, 0, sizeof ctx);
	ctx.actor = actor;
	ctx.now = ctx.wall = 1000;
	ctx.ic_present = 1;
	ctx.based_on = st->seq;
	if (con(&ev, line, &cause) != 0)
		fail_msg("%s: %s", line, cause);
	if (core_state_check(st, &ev, &ctx, &r) != 0)
		fail_msg("%s refused: %s", line, r.message);
	ev.seq = st->seq + 1;
	ev.time = ctx.wall;
	core_state_apply(st, &ev, &ctx);
	if (out != NULL)
		*out = ev;
	else
		core_event_clear(&ev);
}

static void
issue(struct core_state *st, const char *actor, const char *line)
{
	issue_event(st, actor, line, NULL);
}

/* The completions of line, space-separated. */
static char *
comp(const struct core_state *st, const char *line, int command)
{
	const char	*present[] = { "carol", "alice" };
	char		**out;
	struct buf	 b;
	size_t		 n, i;

	n = client_cmd_complete(line, command, st, "alice", present, 2, &out);
	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	for (i = 0; i < n; i++)
		util_buf_printf(&b, "%s%s", i > 0 ? " " : "", out[i]);
	core_list_free(out, n);
	return util_buf_steal(&b);
}

#define COMP(st, line, want) do {					\
	char	*got_ = comp(st, line, 1);				\
	assert_string_equal(got_, want);				\
	free(got_);							\
} while (0)

static void
test_complete(void **state)
{
	struct core_state	st;
	struct core_event	ev;
	struct core_ctx		ctx;
	struct core_refusal	r;
	char			*s;

	(void)state;
	core_state_init(&st, "INC-1");
	core_event_init(&ev);
	ev.type = CORE_OPEN;
	ev.text = xstrdup("db down");
	ev.sev = 2;
	memset(&ctx, 0, sizeof ctx);
	ctx.actor = "alice";
	ctx.now = ctx.wall = 1000;
	ctx.based_on = -1;
	assert_int_equal(core_state_check(&st, &ev, &ctx, &r), 0);
	ev.seq = 1;
	core_state_apply(&st, &ev, &ctx);
	core_event_clear(&ev);
	issue(&st, "alice", "declare failover");
	issue(&st, "alice", "declare purge-cache");
	issue(&st, "alice", "declare restore --after failover");
	issue(&st, "alice", "declare flush");
	issue(&st, "alice", "role assign bob ops");
	issue(&st, "alice", "claim flush");
	issue(&st, "bob", "claim purge-cache");

	/* Verb names; console-only verbs are there, CLI-only ones not. */
	COMP(&st, "", "note summary status sev access declare claim renew "
	    "release done break amend mark decide role command feed search help quit");
	COMP(&st, "s", "summary status sev search");
	COMP(&st, "a", "access amend");
	COMP(&st, "access ", "viewers");
	COMP(&st, "access viewers ", "on off");
	COMP(&st, "st", "status");
	/* By kind. */
	COMP(&st, "status mi", "mitigating");
	COMP(&st, "status ", "investigating identified mitigating monitoring "
	    "resolved");
	COMP(&st, "sev ", "1 2 3 4");
	COMP(&st, "feed ", "add rm");
	COMP(&st, "claim ", "failover");
	COMP(&st, "renew ", "flush");
	COMP(&st, "release f", "flush");
	COMP(&st, "done ", "flush");
	COMP(&st, "done flush ", "success failed aborted");
	COMP(&st, "done flush --outcome a", "aborted");
	COMP(&st, "done flush --note x ", "success failed aborted");
	COMP(&st, "break ", "purge-cache flush");
	COMP(&st, "mark 3 d", "detection diagnosis decision");
	COMP(&st, "role ", "assign clear");
	COMP(&st, "role assign ", "carol alice bob");
	COMP(&st, "role assign bob ", "ops comms scribe");
	COMP(&st, "role clear o", "ops");
	COMP(&st, "command ", "take offer accept resign");
	COMP(&st, "command offer b", "bob");
	COMP(&st, "declare x --after ", "failover purge-cache restore flush");
	COMP(&st, "declare x --", "--desc --after --conflicts");
	COMP(&st, "claim failover ", "");
	/* amend: the notes alice may amend (all: she is the IC), newest
	 * first; bob only his own. */
	issue(&st, "bob", "note replica lag 40 s");
	issue(&st, "alice", "note checkout slow");
	COMP(&st, "amend ", "10 9");
	{
		char		**out;
		size_t		  n;

		n = client_cmd_complete("amend ", 1, &st, "bob", NULL, 0, &out);
		assert_int_equal(n, 1);
		assert_string_equal(out[0], "9");
		core_list_free(out, n);
	}
	COMP(&st, "summary ", "");
	COMP(&st, "frob ", "");
	/* A note completes names of people, actions and roles. */
	s = comp(&st, "ask b", 0);
	assert_string_equal(s, "bob");
	free(s);
	s = comp(&st, "see fl", 0);
	assert_string_equal(s, "flush");
	free(s);
	core_state_clear(&st);
}

/* A command built from a console line and checked; 0 or -1 with why. */
static int
checked(const char *line, struct core_event *ev, char **why)
{
	int	rc;

	*why = NULL;
	rc = con(ev, line, why);
	if (rc != 0)
		core_event_clear(ev);
	return rc;
}

/*
 * What the hub would refuse as malformed is a usage error before it is
 * sent, and control characters in text are written out, never refused.
 */
static void
test_check(void **state)
{
	struct core_event	 ev;
	char			*why, *big;
	int64_t			 sev;

	(void)state;
	assert_int_equal(checked("status bogus", &ev, &why), -1);
	assert_non_null(strstr(why, "no status \"bogus\""));
	free(why);
	assert_int_equal(checked("claim \"bad name\"", &ev, &why), -1);
	assert_non_null(strstr(why, "bad name \"bad name\""));
	free(why);
	assert_int_equal(checked("role assign bob \"o p s\"", &ev, &why), -1);
	free(why);
	assert_int_equal(checked("declare x --after \"a b\"", &ev, &why), -1);
	free(why);
	assert_int_equal(checked("summary \"\"", &ev, &why), 0);
	core_event_clear(&ev);
	assert_int_equal(checked("decide \"\"", &ev, &why), -1);
	free(why);
	/* Escapes written out; a bidi override kept (the protocol takes
	 * it). */
	assert_int_equal(checked("note a\033[2J b\033]0;x\007 c\xe2\x80\xae",
	    &ev, &why), 0);
	assert_string_equal(ev.text, "a\\e[2J b\\e]0;x\\a c\xe2\x80\xae");
	assert_true(core_text_valid(ev.text, CORE_TEXT_MAX));
	core_event_clear(&ev);
	/* Too long: refused, saying by how much, nothing cut. */
	big = xmalloc(4102);
	memcpy(big, "note ", 5);
	memset(big + 5, 'x', 4096);
	big[4101] = '\0';
	assert_int_equal(checked(big, &ev, &why), 0);
	core_event_clear(&ev);
	big[4100] = 'x';
	big = xrealloc(big, 4103);
	big[4101] = 'y';
	big[4102] = '\0';
	assert_int_equal(checked(big, &ev, &why), -1);
	assert_string_equal(why, "a note is at most 4096 bytes, this one is "
	    "4097: nothing was sent");
	free(why);
	free(big);
	assert_int_equal(checked("break db \"a reason\"", &ev, &why), 0);
	core_event_clear(&ev);
	/* Severities: 1-4 and SEV1-SEV4, in any case. */
	assert_int_equal(client_sev_parse("SEV1", &sev, &why), 0);
	assert_int_equal(sev, 1);
	assert_int_equal(client_sev_parse("sev4", &sev, &why), 0);
	assert_int_equal(sev, 4);
	assert_int_equal(client_sev_parse("3", &sev, &why), 0);
	assert_int_equal(sev, 3);
	assert_int_equal(client_sev_parse("SEV5", &sev, &why), -1);
	assert_string_equal(why, "a severity is 1-4 or SEV1-SEV4, not SEV5");
	free(why);
	assert_int_equal(client_sev_parse("sev", &sev, &why), -1);
	free(why);
	assert_int_equal(cli(&ev, "sev", "SEV1", NULL), 0);
	assert_int_equal(ev.sev, 1);
	core_event_clear(&ev);
}

static void
test_outbox(void **state)
{
	struct client_outbox_entry	*list;
	const char			*hub = "unix:/x/hub.sock";
	char				 dir[] = "/tmp/concord-test-outbox.XXXXXX";
	char				*cause = NULL, *cmd;
	size_t				 n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	client_outbox_quiet();
	list = client_outbox_list(hub, NULL, &n);
	assert_int_equal(n, 0);		/* no outbox yet: nothing */
	client_outbox_free(list, n);
	assert_int_equal(client_outbox_add(hub, "INC-1", "bob", "op-b",
	    "second", 2000, &cause), 0);
	assert_int_equal(client_outbox_add(hub, "INC-2", "amy", "op-a",
	    "first", 1000, &cause), 0);
	assert_int_equal(client_outbox_add(hub, "INC-1", "bob", "op-b",
	    "second again", 3000, &cause), 0);	/* the same op: kept once */
	assert_int_equal(client_outbox_add("ws://other:1", "INC-1", "bob",
	    "op-c", "elsewhere", 500, &cause), 0);
	assert_int_equal(client_outbox_add("wss://tls:1", "INC-1", "bob",
	    "op-t", "over tls", 600, &cause), 0);
	assert_int_equal(client_outbox_add("http://other:1", "INC-1", "bob",
	    "op-h", "not a hub", 600, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(client_outbox_add(hub, "INC-1", "bob", "op d",
	    "bad op", 4000, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(client_outbox_add(hub, "INC-1", "bob", "op-e", "",
	    4000, &cause), -1);
	free(cause);
	cause = NULL;

	list = client_outbox_list(hub, NULL, &n);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].op, "op-a");	/* oldest first */
	assert_string_equal(list[0].user, "amy");
	assert_int_equal(list[0].time, 1000);
	assert_string_equal(list[1].text, "second");
	client_outbox_reject(&list[0], "no-incident", "no such incident");
	assert_int_equal(client_outbox_remove(&list[1]), 0);
	client_outbox_free(list, n);
	list = client_outbox_list(hub, NULL, &n);
	assert_int_equal(n, 0);		/* refused and delivered: none left */
	client_outbox_free(list, n);
	list = client_outbox_list("ws://other:1", "INC-1", &n);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].text, "elsewhere");
	client_outbox_free(list, n);
	list = client_outbox_list("ws://other:1", "INC-9", &n);
	assert_int_equal(n, 0);
	client_outbox_free(list, n);
	list = client_outbox_list("wss://tls:1", NULL, &n);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].text, "over tls");
	client_outbox_free(list, n);

	/*
	 * A hub list's outbox: kept under the canonical list, found from
	 * any list (or hub) naming a hub of it, in any order.
	 */
	assert_int_equal(client_outbox_add("ws://a:1,ws://b:2", "INC-1", "bob",
	    "op-l", "on the list", 700, &cause), 0);
	assert_int_equal(client_outbox_add("ws://a:1 ws://a:1", "INC-1", "bob",
	    "op-dup", "twice", 700, &cause), -1);
	free(cause);
	cause = NULL;
	list = client_outbox_list("ws://b:2 ws://a:1", NULL, &n);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].hub, "ws://a:1 ws://b:2");
	client_outbox_free(list, n);
	list = client_outbox_list("ws://b:2", "INC-1", &n);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].op, "op-l");
	client_outbox_free(list, n);
	list = client_outbox_list("ws://c:3 ws://other:1", "INC-1", &n);
	assert_int_equal(n, 1);		/* other's alone, not the list's */
	assert_string_equal(list[0].op, "op-c");
	client_outbox_free(list, n);
	list = client_outbox_list("ws://c:3", NULL, &n);
	assert_int_equal(n, 0);
	client_outbox_free(list, n);

	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/*
 * The console's replica folds what the hub sends: each event must follow
 * and extend the chain to the hub's value; the timeline carries key
 * moments and amendments whichever event made them.
 */
static void
test_replica(void **state)
{
	static const char	*lines[] = { "note disk full on db1",
	    "mark 2 detection", "amend 2 disk full on db1 and db2",
	    "declare failover", "claim failover" };
	struct core_state	 hub;
	struct core_event	 ev[8], open;
	unsigned char		 hash[8][CORE_HASH_LEN], bad[CORE_HASH_LEN];
	struct client_replica	 rep;
	struct core_ctx		 ctx;
	struct core_refusal	 r;
	char			*cause;
	size_t			 i, n = 0;

	(void)state;
	core_state_init(&hub, "INC-1");
	core_event_init(&open);
	open.type = CORE_OPEN;
	open.text = xstrdup("db down");
	open.sev = 2;
	memset(&ctx, 0, sizeof ctx);
	ctx.actor = "alice";
	ctx.based_on = -1;
	assert_int_equal(core_state_check(&hub, &open, &ctx, &r), 0);
	open.seq = 1;
	core_state_apply(&hub, &open, &ctx);
	ev[n] = open;
	memcpy(hash[n++], hub.chain, CORE_HASH_LEN);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		issue_event(&hub, "alice", lines[i], &ev[n]);
		memcpy(hash[n++], hub.chain, CORE_HASH_LEN);
	}

	client_replica_init(&rep, "INC-1");
	/* Not the next event: refused, nothing changes. */
	assert_int_equal(client_replica_fold(&rep, &ev[1], hash[1], 5, &cause),
	    -1);
	free(cause);
	assert_int_equal(rep.ntl, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(client_replica_fold(&rep, &ev[i], hash[i], 5,
		    &cause), 1);
	/* Already held: nothing to do. */
	assert_int_equal(client_replica_fold(&rep, &ev[2], hash[2], 5, &cause),
	    0);
	assert_int_equal(rep.ntl, n);
	assert_int_equal(rep.st.seq, hub.seq);
	assert_memory_equal(rep.st.chain, hub.chain, CORE_HASH_LEN);
	assert_string_equal(rep.tl[1].kind, "detection");
	assert_int_equal(rep.tl[1].amended_by, 4);
	assert_null(rep.tl[2].kind);
	assert_string_equal(rep.tl[1].text, "disk full on db1");
	/* It reads as amended now; the amendment knows what it is about. */
	assert_string_equal(rep.tl[1].current, "disk full on db1 and db2");
	assert_int_equal(rep.tl[3].ref, 2);
	assert_null(rep.tl[2].current);
	assert_non_null(core_state_action(&rep.st, "failover"));
	assert_string_equal(core_state_action(&rep.st, "failover")->holder,
	    "alice");

	/* A chain the hub did not send: refused, and reset starts again. */
	client_replica_reset(&rep);
	for (i = 0; i < 3; i++)
		assert_int_equal(client_replica_fold(&rep, &ev[i], hash[i], 5,
		    &cause), 1);
	memcpy(bad, hash[3], sizeof bad);
	bad[0] ^= 1;
	assert_int_equal(client_replica_fold(&rep, &ev[3], bad, 5, &cause), -1);
	assert_non_null(strstr(cause, "chain"));
	free(cause);
	client_replica_reset(&rep);
	assert_int_equal(rep.ntl, 0);
	assert_int_equal(rep.st.seq, 0);
	assert_string_equal(rep.st.id, "INC-1");
	for (i = 0; i < n; i++)
		assert_int_equal(client_replica_fold(&rep, &ev[i], hash[i], 5,
		    &cause), 1);
	assert_memory_equal(rep.st.chain, hub.chain, CORE_HASH_LEN);

	client_replica_clear(&rep);
	for (i = 0; i < n; i++)
		core_event_clear(&ev[i]);
	core_state_clear(&hub);
}

/* Feeds: the verb builds the log's commands; telemetry ages by arrival. */
static void
test_feeds(void **state)
{
	struct core_event	 ev;
	struct client_feeds	 cf;
	struct proto_msg	 m;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(con(&ev, "feed add p99 prom http://127.0.0.1:9090 "
	    "histogram_quantile(0.99, sum(rate(x[5m])) by (le)) --unit ms "
	    "--warn 800 --crit 1000 --every 5s", &cause), 0);
	assert_int_equal(ev.type, CORE_FEED_ADD);
	assert_string_equal(ev.name, "p99");
	assert_string_equal(ev.kind, "prom");
	assert_string_equal(ev.url, "http://127.0.0.1:9090");
	assert_string_equal(ev.query,
	    "histogram_quantile(0.99, sum(rate(x[5m])) by (le))");
	assert_string_equal(ev.unit, "ms");
	assert_string_equal(ev.crit, "1000");
	assert_int_equal(ev.every, 5000);
	core_event_clear(&ev);
	assert_int_equal(con(&ev, "feed rm p99", &cause), 0);
	assert_int_equal(ev.type, CORE_FEED_RM);
	core_event_clear(&ev);
	assert_int_equal(con(&ev, "feed add p99 prom http://x", &cause), -1);
	assert_int_equal(con(&ev, "feed add p99 prom http://x up --every 0.1",
	    &cause), -1);
	free(cause);
	cause = NULL;

	client_feeds_init(&cf);
	proto_msg_init(&m, PROTO_TELEMETRY);
	m.full = 1;
	m.nfeeds = 2;
	m.feeds = xcalloc(2, sizeof *m.feeds);
	m.feeds[0].name = xstrdup("p99");
	m.feeds[0].valued = 1;
	m.feeds[0].value = 840;
	m.feeds[0].age = 3000;
	m.feeds[1].name = xstrdup("errors");
	client_feeds_update(&cf, &m, 10000);
	assert_null(m.feeds);
	assert_true(cf.known);
	assert_int_equal(cf.n, 2);
	assert_int_equal(client_feeds_age(&cf, 0, 12500), 5500);
	/* One feed's new sample replaces it alone. */
	m.nfeeds = 1;
	m.full = 0;
	m.feeds = xcalloc(1, sizeof *m.feeds);
	m.feeds[0].name = xstrdup("errors");
	m.feeds[0].valued = 1;
	m.feeds[0].value = 2.5;
	client_feeds_update(&cf, &m, 20000);
	assert_int_equal(cf.n, 2);
	assert_true(cf.feeds[1].value == 2.5);
	assert_int_equal(client_feeds_age(&cf, 1, 21000), 1000);
	assert_int_equal(client_feeds_age(&cf, 0, 21000), 14000);
	/* A full set drops what it no longer holds. */
	m.nfeeds = 0;
	m.full = 1;
	client_feeds_update(&cf, &m, 30000);
	assert_int_equal(cf.n, 0);
	proto_msg_clear(&m);
	client_feeds_clear(&cf);
}

/* Parse hub as a URL: 0 with its parts as said, or -1 (cause freed). */
static int
url(const char *hub, enum client_url_scheme scheme, const char *host,
    int port)
{
	struct client_url	 u;
	char			*cause = NULL;

	if (client_url_parse(hub, &u, &cause) != 0) {
		assert_non_null(cause);
		assert_non_null(strstr(cause, hub));
		free(cause);
		return -1;
	}
	assert_int_equal(u.scheme, scheme);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	client_url_clear(&u);
	return 0;
}

/*
 * Hub addresses: unix:, ws:// and wss://, what lws is told for each (TLS
 * for wss:// alone), which hosts are this machine, when plaintext is
 * warned of, and --ca among the common options.
 */
static void
test_url(void **state)
{
	struct lws_client_connect_info	 ci;
	struct client_args		 a;
	char				*owned, *cause = NULL, *w;
	char				*argv[7];
	int				 i;

	(void)state;
	assert_int_equal(url("unix:/run/c.sock", CLIENT_URL_UNIX,
	    "/run/c.sock", 0), 0);
	assert_int_equal(url("ws://hub.example:7420", CLIENT_URL_WS,
	    "hub.example", 7420), 0);
	assert_int_equal(url("wss://hub.example:7420", CLIENT_URL_WSS,
	    "hub.example", 7420), 0);
	assert_int_equal(url("wss://127.0.0.1:1/", CLIENT_URL_WSS,
	    "127.0.0.1", 1), 0);
	assert_int_equal(url("wss://h:65535/any/path", CLIENT_URL_WSS, "h",
	    65535), 0);
	assert_int_equal(url("ws://[::1]:7420", CLIENT_URL_WS, "::1", 7420),
	    0);
	/* What a certificate would have to name: no IPv6 literal. */
	assert_int_equal(url("wss://[::1]:7420", CLIENT_URL_WSS, "", 0), -1);
	assert_int_equal(url("wss://hub.example", CLIENT_URL_WSS, "", 0), -1);
	assert_int_equal(url("wss://hub.example:", CLIENT_URL_WSS, "", 0), -1);
	assert_int_equal(url("wss://hub.example:0", CLIENT_URL_WSS, "", 0), -1);
	assert_int_equal(url("wss://hub.example:65536", CLIENT_URL_WSS, "", 0),
	    -1);
	assert_int_equal(url("wss://hub.example:74x", CLIENT_URL_WSS, "", 0),
	    -1);
	assert_int_equal(url("wss://:7420", CLIENT_URL_WSS, "", 0), -1);
	assert_int_equal(url("ws://::1:7420", CLIENT_URL_WS, "", 0), -1);
	assert_int_equal(url("ws://[::1:7420", CLIENT_URL_WS, "", 0), -1);
	assert_int_equal(url("ws://[::1]7420", CLIENT_URL_WS, "", 0), -1);
	assert_int_equal(url("https://hub.example:7420", CLIENT_URL_WS, "", 0),
	    -1);
	assert_int_equal(url("WSS://hub.example:7420", CLIENT_URL_WS, "", 0),
	    -1);
	assert_int_equal(url("unix:run/c.sock", CLIENT_URL_UNIX, "", 0), -1);
	assert_int_equal(url("", CLIENT_URL_UNIX, "", 0), -1);

	memset(&ci, 0, sizeof ci);
	assert_int_equal(client_conn_address("wss://hub.example:7420", &ci,
	    &owned, &cause), 0);
	assert_string_equal(ci.address, "hub.example");
	assert_string_equal(ci.host, "hub.example");
	assert_int_equal(ci.port, 7420);
	assert_true(ci.ssl_connection & LCCSCF_USE_SSL);
	assert_string_equal(ci.alpn, "http/1.1");
	/* Checking the certificate and its name is never turned off. */
	assert_false(ci.ssl_connection & (LCCSCF_ALLOW_SELFSIGNED |
	    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_EXPIRED |
	    LCCSCF_ALLOW_INSECURE));
	free(owned);
	memset(&ci, 0, sizeof ci);
	assert_int_equal(client_conn_address("ws://127.0.0.1:7420", &ci,
	    &owned, &cause), 0);
	assert_int_equal(ci.ssl_connection, 0);
	assert_int_equal(ci.port, 7420);
	free(owned);
	memset(&ci, 0, sizeof ci);
	assert_int_equal(client_conn_address("unix:/run/c.sock", &ci, &owned,
	    &cause), 0);
	assert_string_equal(ci.address, "+/run/c.sock");
	assert_int_equal(ci.ssl_connection, 0);
	free(owned);
	assert_int_equal(client_conn_address("wss://x", &ci, &owned, &cause),
	    -1);
	assert_non_null(strstr(cause, "wss://HOST:PORT"));
	free(cause);
	cause = NULL;

	assert_true(client_url_local("127.0.0.1"));
	assert_true(client_url_local("127.1.2.3"));
	assert_true(client_url_local("::1"));
	assert_true(client_url_local("::ffff:127.0.0.1"));
	assert_true(client_url_local("localhost"));
	assert_true(client_url_local("LocalHost."));
	assert_true(client_url_local("hub.localhost"));
	assert_false(client_url_local("128.0.0.1"));
	assert_false(client_url_local("126.255.255.255"));
	assert_false(client_url_local("10.0.0.1"));
	assert_false(client_url_local("0.0.0.0"));
	assert_false(client_url_local("::"));
	assert_false(client_url_local("::ffff:10.0.0.1"));
	assert_false(client_url_local("fe80::1"));
	assert_false(client_url_local("hub.example"));
	assert_false(client_url_local("localhost.example"));
	assert_false(client_url_local("notlocalhost"));
	assert_false(client_url_local("127.0.0.1.example"));
	assert_false(client_url_local(""));

	assert_true(client_url_plaintext("ws://10.0.0.1:7420"));
	assert_true(client_url_plaintext("ws://hub.example:7420"));
	assert_true(client_url_plaintext("ws://[fe80::1]:7420"));
	assert_false(client_url_plaintext("ws://127.0.0.1:7420"));
	assert_false(client_url_plaintext("ws://localhost:7420"));
	assert_false(client_url_plaintext("ws://[::1]:7420"));
	assert_false(client_url_plaintext("wss://hub.example:7420"));
	assert_false(client_url_plaintext("unix:/run/c.sock"));
	assert_false(client_url_plaintext("ws://hub.example"));
	w = client_hub_plaintext("ws://10.0.0.1:7420");
	assert_non_null(w);
	assert_non_null(strstr(w, "plaintext to a non-local hub "
	    "(ws://10.0.0.1:7420)"));
	free(w);
	assert_null(client_hub_plaintext("ws://127.0.0.1:7420"));
	assert_null(client_hub_plaintext("wss://10.0.0.1:7420"));

	argv[0] = xstrdup("concord");
	argv[1] = xstrdup("--ca");
	argv[2] = xstrdup("/etc/ca.pem");
	argv[3] = xstrdup("--hub");
	argv[4] = xstrdup("wss://hub.example:7420");
	argv[5] = xstrdup("show");
	argv[6] = NULL;
	client_args_init(&a);
	assert_int_equal(client_cmd_parse_common(&a, 6, argv, &cause), 5);
	assert_string_equal(a.ca, "/etc/ca.pem");
	assert_string_equal(a.hub, "wss://hub.example:7420");
	client_args_clear(&a);
	assert_null(a.ca);
	for (i = 0; i < 6; i++)
		free(argv[i]);
}

/* hublist(spec, n, canonical or NULL for a refusal naming why). */
static void
hublist(const char *spec, size_t want, const char *canon, const char *why)
{
	char	**hubs, *cause = NULL, *c;
	size_t	  n;

	if (canon == NULL) {
		assert_int_equal(client_url_list(spec, &hubs, &n, &cause), -1);
		assert_non_null(cause);
		assert_null(strchr(cause, '\n'));	/* one line */
		if (strstr(cause, why) == NULL)
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", spec, cause,
			    why);
		free(cause);
		assert_null(client_url_canon(spec, &cause));
		free(cause);
		return;
	}
	assert_int_equal(client_url_list(spec, &hubs, &n, &cause), 0);
	assert_int_equal(n, want);
	client_url_list_free(hubs, n);
	c = client_url_canon(spec, &cause);
	assert_non_null(c);
	assert_string_equal(c, canon);
	free(c);
}

/*
 * Hub lists: blanks or commas between addresses, each checked, none
 * twice, never empty; the canonical spelling joins them with spaces, and
 * a single hub is spelt as it always was.
 */
static void
test_url_list(void **state)
{
	char	*w;

	(void)state;
	hublist("unix:/run/c.sock", 1, "unix:/run/c.sock", NULL);
	hublist("wss://a:7420", 1, "wss://a:7420", NULL);
	hublist("wss://a:7420 wss://b:7420", 2, "wss://a:7420 wss://b:7420",
	    NULL);
	hublist(" wss://a:7420,wss://b:7420 ,\tws://c:1 ", 3,
	    "wss://a:7420 wss://b:7420 ws://c:1", NULL);
	hublist("ws://a:1,,ws://b:1", 2, "ws://a:1 ws://b:1", NULL);
	hublist("", 0, NULL, "no hub address");
	hublist("  , ,", 0, NULL, "no hub address");
	hublist("wss://a:7420 b:7420", 0, NULL, "bad hub address b:7420");
	hublist("wss://a:7420 wss://b", 0, NULL, "bad hub address wss://b");
	hublist("wss://a:7420 http://b:80", 0, NULL, "bad hub address http");
	hublist("wss://a:7420 wss://b:7420 wss://a:7420", 0, NULL,
	    "wss://a:7420 is listed twice");
	hublist("ws://A:1 wss://a:1/", 0, NULL, "listed twice");
	hublist("unix:/x ws://a:1 unix:/x", 0, NULL, "unix:/x is listed twice");
	hublist("ws://a:1 ws://a:2", 2, "ws://a:1 ws://a:2", NULL);
	hublist("ws://a:1 ws://a:2 ws://a:3 ws://a:4 ws://a:5 ws://a:6 "
	    "ws://a:7 ws://a:8 ws://a:9 ws://a:10 ws://a:11 ws://a:12 "
	    "ws://a:13 ws://a:14 ws://a:15 ws://a:16 ws://a:17", 0, NULL,
	    "at most 16");

	assert_true(client_url_shared("ws://a:1 ws://b:2", "ws://b:2"));
	assert_true(client_url_shared("ws://b:2", "ws://c:3 ws://b:2"));
	assert_false(client_url_shared("ws://a:1 ws://b:2", "ws://c:3"));
	assert_false(client_url_shared("ws://a:1", "bogus"));

	w = client_url_where("wss://hub.example:7420/");
	assert_string_equal(w, "hub.example:7420");
	free(w);
	w = client_url_where("ws://[::1]:7420");
	assert_string_equal(w, "[::1]:7420");
	free(w);
	w = client_url_where("unix:/run/concord/hub.sock");
	assert_string_equal(w, "unix:hub.sock");
	free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_outbox),
		cmocka_unit_test(test_replica),
		cmocka_unit_test(test_feeds),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_url_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
