/*
 * concord command take [--force --reason R] | offer USER | accept | resign:
 * move incident command.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "util.h"

static int
client_cmd_command_build(struct client_args *a, struct core_event *ev,
    char **cause)
{
	const char	*reason = client_opt(a, "reason");
	const char	*verb = a->nwords > 0 ? a->words[0] : "";

	if (strcmp(verb, "take") == 0 && client_opt(a, "force") != NULL) {
		ev->type = CORE_CMD_TAKE;
		ev->force = 1;
		if (reason != NULL && a->nwords == 1)
			ev->text = xstrdup(reason);
		else if (reason == NULL)
			ev->text = client_words_from(a, 1);
		else
			return -1;
		if (*ev->text == '\0') {
			*cause = xstrdup("a forced take needs --reason");
			return -1;
		}
	} else if (strcmp(verb, "take") == 0 && a->nwords == 1)
		ev->type = CORE_CMD_TAKE;
	else if (strcmp(verb, "offer") == 0 && a->nwords == 2) {
		ev->type = CORE_CMD_OFFER;
		ev->user = xstrdup(a->words[1]);
	} else if (strcmp(verb, "accept") == 0 && a->nwords == 1)
		ev->type = CORE_CMD_ACCEPT;
	else if (strcmp(verb, "resign") == 0 && a->nwords == 1)
		ev->type = CORE_CMD_RESIGN;
	else
		return -1;
	return 0;
}

const struct client_cmd_entry client_cmd_command_entry = {
	.name = "command",
	.usage = "command take [--force --reason R] | offer USER | accept | "
	    "resign",
	.opts = "force,reason:",
	.args = "take|offer USER|accept|resign",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_command_build,
	.exec = client_cmd_send
};
