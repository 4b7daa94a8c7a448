/*
 * concord claim ACTION [--ttl S]: take the lease on a recovery action.
 * Prints the fencing token as the last word of its output.
 */
#include <stdio.h>

#include "client.h"
#include "util.h"

static int
client_cmd_claim_exec(struct client_args *a)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	const char		*ttl = client_opt(a, "ttl");
	int64_t			 ms = 0;
	int			 rc;

	if (a->nwords != 1 || (ttl != NULL &&
	    client_ttl_parse(ttl, &ms) != 0))
		return client_usage(&client_cmd_claim_entry);
	if ((rc = client_hub_prepare(a, 1)) != 0)
		return rc;
	core_event_init(&ev);
	ev.type = CORE_CLAIM;
	ev.name = xstrdup(a->words[0]);
	ev.ttl = ms;
	rc = client_hub_command(a, &ev, -1, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return rc;
	if (a->json)
		printf("{\"incident\":\"%s\",\"action\":\"%s\",\"fence\":%lld}\n",
		    a->incident, a->words[0], (long long)ack.fence);
	else
		printf("claimed %s in %s, fence %lld\n", a->words[0],
		    a->incident, (long long)ack.fence);
	proto_msg_clear(&ack);
	return CLIENT_EXIT_OK;
}

const struct client_cmd_entry client_cmd_claim_entry = {
	"claim", "claim ACTION [--ttl S]", "ttl:", client_cmd_claim_exec
};
