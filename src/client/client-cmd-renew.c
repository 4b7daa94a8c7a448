/* concord renew ACTION [--fence N]: extend your lease before it runs out. */
#include <stdio.h>

#include "client.h"
#include "util.h"

static int
client_cmd_renew_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	const char	*fence = client_opt(a, "fence");

	if (a->nwords != 1 || (fence != NULL && util_num_parse(fence, 1,
	    INT64_MAX, &ev->fence) != 0))
		return -1;
	ev->type = CORE_RENEW;
	ev->name = xstrdup(a->words[0]);
	return 0;
}

static int
client_cmd_renew_exec(struct client_args *a)
{
	struct core_event	ev;
	struct proto_msg	ack;
	int			rc;

	if ((rc = client_cmd_build(a, &ev)) != 0)
		return rc;
	if ((rc = client_hub_prepare(a, 1)) != 0 ||
	    (rc = client_hub_fence(a, a->words[0], &ev.fence)) != 0) {
		core_event_clear(&ev);
		return rc;
	}
	rc = client_hub_command(a, &ev, -1, &ack);
	if (rc == 0) {
		if (a->json)
			client_hub_json(a->incident, a->words[0], 0, ev.fence,
			    0);
		else
			printf("renewed %s in %s, fence %lld\n", a->words[0],
			    a->incident, (long long)ev.fence);
		proto_msg_clear(&ack);
	}
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_renew_entry = {
	.name = "renew",
	.usage = "renew ACTION [--fence N]",
	.opts = "fence:",
	.args = "HELD",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_renew_build,
	.exec = client_cmd_renew_exec
};
