/* concord status STATE: move the incident's status (IC). */
#include "client.h"
#include "util.h"

static int
client_cmd_status_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	if (a->nwords != 1)
		return -1;
	ev->type = CORE_STATUS;
	ev->state = xstrdup(a->words[0]);
	return 0;
}

const struct client_cmd_entry client_cmd_status_entry = {
	.name = "status",
	.usage = "status investigating|identified|mitigating|monitoring|"
	    "resolved",
	.opts = "",
	.args = "STATUS",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_status_build,
	.exec = client_cmd_send
};
