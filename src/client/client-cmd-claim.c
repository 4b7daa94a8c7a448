/*
 * concord claim ACTION [--ttl S]: take the lease on a recovery action.
 * Prints the fencing token as the last word of its output.  The lease's
 * length may also be the word after the action.
 */
#include <stdio.h>

#include "client.h"
#include "util.h"

static int
client_cmd_claim_build(struct client_args *a, struct core_event *ev,
    char **cause)
{
	const char	*ttl = client_opt(a, "ttl");

	if (a->nwords == 2 && ttl == NULL)
		ttl = a->words[1];
	else if (a->nwords != 1)
		return -1;
	if (ttl != NULL && client_ttl_parse(ttl, &ev->ttl, cause) != 0)
		return -1;
	ev->type = CORE_CLAIM;
	ev->name = xstrdup(a->words[0]);
	return 0;
}

static int
client_cmd_claim_exec(struct client_args *a)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	int			 rc;

	if ((rc = client_cmd_build(a, &ev)) != 0)
		return rc;
	if ((rc = client_hub_prepare(a, 1)) == 0)
		rc = client_hub_command(a, &ev, -1, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return rc;
	if (a->json)
		client_hub_json(a->incident, a->words[0], 0, ack.fence, 0);
	else
		printf("claimed %s in %s, fence %lld\n", a->words[0],
		    a->incident, (long long)ack.fence);
	proto_msg_clear(&ack);
	return CLIENT_EXIT_OK;
}

const struct client_cmd_entry client_cmd_claim_entry = {
	.name = "claim",
	.usage = "claim ACTION [--ttl S]",
	.opts = "ttl:",
	.args = "CLAIMABLE TTL",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_claim_build,
	.exec = client_cmd_claim_exec
};
