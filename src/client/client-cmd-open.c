/*
 * concord open --title T [--sev 1-4|SEV1-SEV4]: open an incident; prints
 * its id last.
 */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "util.h"

static int
client_cmd_open_exec(struct client_args *a)
{
	struct core_event	 ev;
	struct proto_msg	 ack;
	const char		*title = client_opt(a, "title");
	const char		*sev = client_opt(a, "sev");
	char			*cause = NULL;
	int64_t			 n = 3;
	int			 rc;

	if (title == NULL || a->nwords != 0)
		return client_usage(a->entry);
	if (sev != NULL && client_sev_parse(sev, &n, &cause) != 0) {
		rc = client_usage_why(a->entry, cause);
		free(cause);
		return rc;
	}
	core_event_init(&ev);
	ev.type = CORE_OPEN;
	ev.text = xstrdup(title);
	ev.sev = n;
	if (client_cmd_check(&ev, &cause) != 0) {
		core_event_clear(&ev);
		rc = client_hub_error(CLIENT_EXIT_ERROR, "usage", "%s", cause);
		free(cause);
		return rc;
	}
	if ((rc = client_hub_prepare(a, 0)) != 0) {
		core_event_clear(&ev);
		return rc;
	}
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
	.usage = "open --title TITLE [--sev 1-4|SEV1-SEV4]",
	.opts = "title:,sev:",
	.exec = client_cmd_open_exec
};
