/* concord sev N: change the severity (IC); "sev2" and "SEV2" are 2. */
#include "client.h"
#include "util.h"

static int
client_cmd_sev_build(struct client_args *a, struct core_event *ev,
    char **cause)
{
	if (a->nwords != 1)
		return -1;
	if (client_sev_parse(a->words[0], &ev->sev, cause) != 0)
		return -1;
	ev->type = CORE_SEV;
	return 0;
}

const struct client_cmd_entry client_cmd_sev_entry = {
	.name = "sev",
	.usage = "sev 1-4|SEV1-SEV4",
	.opts = "",
	.args = "SEV",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_sev_build,
	.exec = client_cmd_send
};
