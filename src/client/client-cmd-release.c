/* concord release ACTION [--fence N]: give your lease back. */
#include "client.h"
#include "util.h"

static int
client_cmd_release_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	const char	*fence = client_opt(a, "fence");

	if (a->nwords != 1 || (fence != NULL && util_num_parse(fence, 1,
	    INT64_MAX, &ev->fence) != 0))
		return -1;
	ev->type = CORE_RELEASE;
	ev->name = xstrdup(a->words[0]);
	return 0;
}

const struct client_cmd_entry client_cmd_release_entry = {
	.name = "release",
	.usage = "release ACTION [--fence N]",
	.opts = "fence:",
	.args = "HELD",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_release_build,
	.exec = client_cmd_send
};
