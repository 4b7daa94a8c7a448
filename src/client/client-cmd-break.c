/* concord break ACTION --reason R: end someone's claim (IC). */
#include <stdlib.h>

#include "client.h"
#include "util.h"

static int
client_cmd_break_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	const char	*reason = client_opt(a, "reason");

	if (a->nwords < 1 || (reason != NULL && a->nwords != 1))
		return -1;
	ev->type = CORE_BREAK;
	ev->name = xstrdup(a->words[0]);
	ev->text = reason != NULL ? xstrdup(reason) : client_words_from(a, 1);
	return *ev->text == '\0' ? -1 : 0;
}

const struct client_cmd_entry client_cmd_break_entry = {
	.name = "break",
	.usage = "break ACTION --reason R",
	.opts = "reason:",
	.args = "CLAIMED TEXT...",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_break_build,
	.exec = client_cmd_send
};
