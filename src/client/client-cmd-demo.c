/*
 * concord demo: a realistic incident on the hub (the embedded one by
 * default), to see the product work within seconds.  It opens an incident
 * as alice, assigns roles, declares recovery actions with dependencies and
 * a conflict, completes one, has dave hold another, shows two refused
 * claims, marks a key moment and amends a note.  On a terminal it then
 * opens the console on it while a background process keeps the incident
 * moving (notes, dave renewing his lease, actions finishing and being
 * claimed); that process dies with the console.  Without a terminal, or
 * with --script, it prints each step and the timeline instead.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "tui.h"
#include "util.h"

/* Run one CLI command as who; expect its exit status.  0 or -1. */
static int
client_cmd_demo_step(struct client_args *a, int quiet, const char *who,
    const char **argv, int expect)
{
	char	*full[32];
	int	 n = 0, i, rc, saved = -1, fd;

	full[n++] = (char *)"concord";
	full[n++] = (char *)"--hub";
	full[n++] = a->hub;
	full[n++] = (char *)"--as";
	full[n++] = (char *)who;
	for (i = 0; argv[i] != NULL && n < 31; i++)
		full[n++] = (char *)argv[i];
	full[n] = NULL;
	if (!quiet) {
		printf("\n$ concord --as %s", who);
		for (i = 0; argv[i] != NULL; i++)
			printf(strchr(argv[i], ' ') != NULL ? " \"%s\"" : " %s",
			    argv[i]);
		printf("\n");
	}
	fflush(stdout);
	fflush(stderr);
	if (quiet && (fd = open("/dev/null", O_WRONLY)) != -1) {
		saved = dup(STDOUT_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	rc = client_run(n, full);
	fflush(stdout);
	if (saved != -1) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	if (rc != expect && !quiet)
		fprintf(stderr, "concord: demo step exited %d, not %d\n", rc,
		    expect);
	return rc == expect ? 0 : -1;
}

#define STEP(who, expect, ...) do {					\
	const char *v_[] = { __VA_ARGS__, NULL };			\
	if (client_cmd_demo_step(a, quiet, who, v_, expect) != 0)	\
		return -1;						\
} while (0)

/* Open and populate the incident; returns 0 with its id in *id. */
static int
client_cmd_demo_seed(struct client_args *a, int quiet, char **id)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	int			 rc;

	core_event_init(&ev);
	ev.type = CORE_OPEN;
	ev.text = xstrdup("Checkout p99 latency over 800 ms");
	ev.sev = 1;
	if (!quiet)
		printf("$ concord --as alice open --title \"%s\" --sev 1\n",
		    ev.text);
	rc = client_hub_command(a, &ev, 0, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return -1;
	*id = xstrdup(ack.incident);
	proto_msg_clear(&ack);
	if (!quiet)
		printf("opened %s\n", *id);
	setenv("CONCORD_INCIDENT", *id, 1);

	STEP("alice", 0, "role", "assign", "bob", "ops");
	STEP("alice", 0, "role", "assign", "carol", "comms");
	STEP("alice", 0, "role", "assign", "erin", "scribe");
	STEP("carol", 0, "note", "p99 840 ms since 14:02; errors 2.1 %");
	STEP("bob", 0, "note", "db primary shows replication lag 40 s");
	STEP("alice", 0, "mark", "5", "detection");
	STEP("alice", 0, "summary", "db primary degraded; checkout slow");
	STEP("alice", 0, "declare", "failover-db", "--desc",
	    "promote the replica in eu-west");
	STEP("alice", 0, "declare", "restart-api", "--desc",
	    "rolling restart of checkout-api", "--after", "failover-db");
	STEP("alice", 0, "declare", "purge-cache", "--desc",
	    "flush the product cache", "--after", "restart-api");
	STEP("alice", 0, "declare", "rollback-deploy", "--desc",
	    "roll back release 2026.11.3", "--conflicts", "restart-api");
	STEP("bob", 0, "claim", "failover-db", "--ttl", "60");
	STEP("dave", 3, "claim", "failover-db");
	STEP("bob", 0, "done", "failover-db", "--outcome", "success", "--note",
	    "replica promoted, lag 0");
	STEP("carol", 0, "note", "cache hit rate looks low");
	STEP("carol", 0, "amend", "15", "cache hit rate is normal (checked)");
	STEP("alice", 0, "status", "mitigating");
	STEP("dave", 0, "claim", "restart-api", "--ttl", "30");
	STEP("erin", 3, "claim", "rollback-deploy");
	return 0;
}

/* The background life of the demo incident; runs until killed. */
static void
client_cmd_demo_actor(struct client_args *a)
{
	static const char *lines[][2] = {
		{ "carol", "status page updated: investigating checkout" },
		{ "bob", "replica now primary, write latency 4 ms" },
		{ "erin", "customer support reports failed payments" },
		{ "carol", "p99 down to 610 ms" },
		{ "bob", "connection pool at 480 of 500" },
		{ "erin", "timeline: first alert fired 14:02:11" },
		{ "carol", "p99 420 ms and falling" },
		{ "bob", "no errors in the last minute" },
	};
	const int	quiet = 1;
	size_t		i = 0;
	int		beat = 0;

	for (;;) {
		sleep(3);
		beat++;
		if (beat % 3 == 0)
			client_cmd_demo_step(a, quiet, "dave",
			    (const char *[]){ "renew", "restart-api", NULL }, 0);
		if (beat == 6)
			client_cmd_demo_step(a, quiet, "dave", (const char *[]){
			    "done", "restart-api", "--outcome", "success",
			    "--note", "all 12 pods restarted", NULL }, 0);
		if (beat == 7)
			client_cmd_demo_step(a, quiet, "bob", (const char *[]){
			    "claim", "purge-cache", "--ttl", "30", NULL }, 0);
		if (beat == 10)
			client_cmd_demo_step(a, quiet, "bob", (const char *[]){
			    "done", "purge-cache", "--outcome", "success", NULL },
			    0);
		if (beat == 11)
			client_cmd_demo_step(a, quiet, "alice", (const char *[]){
			    "status", "monitoring", NULL }, 0);
		client_cmd_demo_step(a, quiet, lines[i][0],
		    (const char *[]){ "note", lines[i][1], NULL }, 0);
		i = (i + 1) % (sizeof lines / sizeof lines[0]);
	}
}

static int
client_cmd_demo_exec(struct client_args *a)
{
	char	*id = NULL, *me;
	pid_t	 actor, parent = getpid();
	int	 rc, script, status;

	script = client_opt(a, "script") != NULL || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO);
	if ((rc = client_hub_prepare(a, 0)) != 0)
		return rc;
	if (!script)
		printf("concord demo: preparing an incident on %s...\n", a->hub);
	me = a->user;		/* the console's user; the seed is alice's */
	a->user = xstrdup("alice");
	if (client_cmd_demo_seed(a, !script, &id) != 0) {
		free(id);
		free(me);
		return CLIENT_EXIT_ERROR;
	}
	if (script) {
		client_cmd_demo_step(a, 0, "alice",
		    (const char *[]){ "log", NULL }, 0);
		printf("\nOpen the console on it with:\n  concord -i %s\n", id);
		free(id);
		free(me);
		return CLIENT_EXIT_OK;
	}
	fflush(stdout);
	if ((actor = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		client_cmd_demo_actor(a);
		_exit(0);
	}
	free(a->incident);
	a->incident = id;
	free(a->user);
	a->user = me;
	me = NULL;
	rc = tui_main(a);
	if (actor > 0) {
		kill(actor, SIGKILL);
		waitpid(actor, &status, 0);
	}
	return rc;
}

const struct client_cmd_entry client_cmd_demo_entry = {
	"demo", "demo [--script]", "script", client_cmd_demo_exec
};
