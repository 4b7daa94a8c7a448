/* concord open --title T [--sev 1-4]: open an incident; prints its id last. */
#include <stdio.h>

#include "client.h"
#include "util.h"

static int
client_cmd_open_exec(struct client_args *a)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	const char		*title = client_opt(a, "title");
	const char		*sev = client_opt(a, "sev");
	int64_t			 n = 3;
	int			 rc;

	if (title == NULL || a->nwords != 0 ||
	    (sev != NULL && util_num_parse(sev, 1, 4, &n) != 0))
		return client_usage(a->entry);
	if ((rc = client_hub_prepare(a, 0)) != 0)
		return rc;
	core_event_init(&ev);
	ev.type = CORE_OPEN;
	ev.text = xstrdup(title);
	ev.sev = n;
	rc = client_hub_command(a, &ev, 0, &ack);
	core_event_clear(&ev);
	if (rc != 0)
		return rc;
	if (a->json)
		client_hub_json(ack.incident, NULL, ack.seq, 0, 0);
	else
		printf("opened %s\n", ack.incident);
	proto_msg_clear(&ack);
	return CLIENT_EXIT_OK;
}

const struct client_cmd_entry client_cmd_open_entry = {
	.name = "open",
	.usage = "open --title TITLE [--sev 1-4]",
	.opts = "title:,sev:",
	.exec = client_cmd_open_exec
};
