/*
 * concord command take [--force --reason R] | offer USER | accept | resign:
 * move incident command.
 */
#include <string.h>

#include "client.h"
#include "util.h"

static int
client_cmd_command_exec(struct client_args *a)
{
	struct core_event	 ev;
	const char		*reason = client_opt(a, "reason");
	const char		*verb = a->nwords > 0 ? a->words[0] : "";
	int			 rc;

	core_event_init(&ev);
	if (strcmp(verb, "take") == 0 && a->nwords == 1) {
		ev.type = CORE_CMD_TAKE;
		if (client_opt(a, "force") != NULL) {
			if (reason == NULL || *reason == '\0') {
				return client_hub_fail(CLIENT_EXIT_ERROR,
				    "a forced take needs --reason");
			}
			ev.force = 1;
			ev.text = xstrdup(reason);
		}
	} else if (strcmp(verb, "offer") == 0 && a->nwords == 2) {
		ev.type = CORE_CMD_OFFER;
		ev.user = xstrdup(a->words[1]);
	} else if (strcmp(verb, "accept") == 0 && a->nwords == 1)
		ev.type = CORE_CMD_ACCEPT;
	else if (strcmp(verb, "resign") == 0 && a->nwords == 1)
		ev.type = CORE_CMD_RESIGN;
	else
		return client_usage(&client_cmd_command_entry);
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_command_entry = {
	"command", "command take [--force --reason R] | offer USER | accept | "
	"resign", "force,reason:", client_cmd_command_exec
};
