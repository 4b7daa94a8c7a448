/* concord summary TEXT: set the one-line working summary. */
#include "client.h"
#include "util.h"

static int
client_cmd_summary_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	if (a->nwords == 0)
		return -1;
	ev->type = CORE_SUMMARY;
	ev->text = client_words(a);
	return 0;
}

const struct client_cmd_entry client_cmd_summary_entry = {
	.name = "summary",
	.usage = "summary TEXT",
	.opts = "",
	.args = "TEXT...",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_summary_build,
	.exec = client_cmd_send
};
