/*
 * concord demo: a short scripted incident on the hub (the embedded one by
 * default), to see the product work: open an incident, assign roles, note
 * what is seen, declare recovery actions, claim one (and watch a second
 * claim be refused), complete it, and print the timeline.
 */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "util.h"

static int
client_cmd_demo_step(struct client_args *a, const char *who, const char *show,
    const char **argv, int expect)
{
	char	*full[24];
	int	 n = 0, i, rc;

	full[n++] = (char *)"concord";
	full[n++] = (char *)"--hub";
	full[n++] = a->hub;
	full[n++] = (char *)"--as";
	full[n++] = (char *)who;
	for (i = 0; argv[i] != NULL && n < 23; i++)
		full[n++] = (char *)argv[i];
	full[n] = NULL;
	printf("\n$ concord --as %s %s\n", who, show);
	fflush(stdout);
	rc = client_run(n, full);
	fflush(stdout);
	if (rc != expect)
		fprintf(stderr, "concord: demo step exited %d, not %d\n", rc,
		    expect);
	return rc == expect ? 0 : -1;
}

#define STEP(who, show, expect, ...) do {				\
	const char *v_[] = { __VA_ARGS__, NULL };			\
	if (client_cmd_demo_step(a, who, show, v_, expect) != 0)	\
		return CLIENT_EXIT_ERROR;				\
} while (0)

static int
client_cmd_demo_exec(struct client_args *a)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	char			*id;
	int			 rc;

	if ((rc = client_hub_prepare(a, 0)) != 0)
		return rc;
	free(a->user);
	a->user = xstrdup("alice");
	core_event_init(&ev);
	ev.type = CORE_OPEN;
	ev.text = xstrdup("Checkout p99 latency over 800 ms");
	ev.sev = 1;
	printf("$ concord --as alice open --title \"%s\" --sev 1\n", ev.text);
	rc = client_hub_command(a, &ev, 0, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return rc;
	id = xstrdup(ack.incident);
	proto_msg_clear(&ack);
	printf("opened %s\n", id);
	setenv("CONCORD_INCIDENT", id, 1);

	STEP("alice", "role assign bob ops", 0, "role", "assign", "bob", "ops");
	STEP("alice", "role assign carol comms", 0, "role", "assign", "carol",
	    "comms");
	STEP("carol", "note \"p99 840 ms since 14:02, errors 2.1 %\"", 0,
	    "note", "p99 840 ms since 14:02, errors 2.1 %");
	STEP("alice", "declare failover-db --desc \"promote the replica\"", 0,
	    "declare", "failover-db", "--desc", "promote the replica");
	STEP("alice", "declare restart-api --conflicts failover-db", 0,
	    "declare", "restart-api", "--desc", "rolling restart",
	    "--conflicts", "failover-db");
	STEP("alice", "declare purge-cache --after restart-api", 0, "declare",
	    "purge-cache", "--after", "restart-api");
	STEP("bob", "claim failover-db --ttl 60", 0, "claim", "failover-db",
	    "--ttl", "60");
	STEP("dave", "claim failover-db   # someone else tries", 3, "claim",
	    "failover-db");
	STEP("dave", "claim restart-api   # conflicts with a running action",
	    3, "claim", "restart-api");
	STEP("bob", "done failover-db --outcome success", 0, "done",
	    "failover-db", "--outcome", "success", "--note", "replica promoted");
	STEP("alice", "status mitigating", 0, "status", "mitigating");
	STEP("alice", "summary \"db primary failed; replica promoted\"", 0,
	    "summary", "db primary failed; replica promoted, p99 recovering");
	STEP("alice", "log", 0, "log");
	printf("\nExport the postmortem timeline with:\n  concord -i %s export "
	    "--format md\n", id);
	free(id);
	return CLIENT_EXIT_OK;
}

const struct client_cmd_entry client_cmd_demo_entry = {
	"demo", "demo", "", client_cmd_demo_exec
};
