/* concord renew ACTION [--fence N]: extend your lease before it runs out. */
#include <stdio.h>

#include "client.h"
#include "util.h"

static int
client_cmd_renew_exec(struct client_args *a)
{
	struct core_event	ev;
	struct proto_msg	ack;
	int64_t			fence;
	int			rc;

	if (a->nwords != 1)
		return client_usage(&client_cmd_renew_entry);
	if ((rc = client_hub_prepare(a, 1)) != 0 ||
	    (rc = client_hub_fence(a, a->words[0], &fence)) != 0)
		return rc;
	core_event_init(&ev);
	ev.type = CORE_RENEW;
	ev.name = xstrdup(a->words[0]);
	ev.fence = fence;
	rc = client_hub_command(a, &ev, -1, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return rc;
	printf("renewed %s in %s, fence %lld\n", a->words[0], a->incident,
	    (long long)fence);
	proto_msg_clear(&ack);
	return CLIENT_EXIT_OK;
}

const struct client_cmd_entry client_cmd_renew_entry = {
	"renew", "renew ACTION [--fence N]", "fence:", client_cmd_renew_exec
};
