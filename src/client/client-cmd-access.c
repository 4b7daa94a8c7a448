/*
 * concord access viewers on|off: close the incident to newcomers, who may
 * then only follow it, or open it to everyone again (IC, by default).
 */
#include <string.h>

#include "client.h"
#include "util.h"

static int
client_cmd_access_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	if (a->nwords != 2 || strcmp(a->words[0], "viewers") != 0)
		return -1;
	if (strcmp(a->words[1], "on") == 0)
		ev->state = xstrdup("viewers");
	else if (strcmp(a->words[1], "off") == 0)
		ev->state = xstrdup("open");
	else
		return -1;
	ev->type = CORE_ACCESS;
	return 0;
}

const struct client_cmd_entry client_cmd_access_entry = {
	.name = "access",
	.usage = "access viewers on|off",
	.opts = "",
	.args = "viewers on|viewers off",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_access_build,
	.exec = client_cmd_send
};
