/*
 * concord decide TEXT: record a decision, a note that is also the key
 * moment "decision" of the postmortem.
 */
#include "client.h"
#include "util.h"

static int
client_cmd_decide_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	if (a->nwords == 0 || *a->words[0] == '\0')
		return -1;
	ev->type = CORE_DECIDE;
	ev->text = client_words(a);
	return 0;
}

const struct client_cmd_entry client_cmd_decide_entry = {
	.name = "decide",
	.usage = "decide TEXT",
	.opts = "",
	.args = "TEXT...",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_decide_build,
	.exec = client_cmd_send
};
