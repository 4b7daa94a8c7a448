/*
 * concord mark SEQ detection|diagnosis|decision|mitigation: flag an event
 * as a key moment for the postmortem.
 */
#include "client.h"
#include "util.h"

static int
client_cmd_mark_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	const char	*s;

	if (a->nwords != 2)
		return -1;
	s = a->words[0][0] == '#' ? a->words[0] + 1 : a->words[0];
	if (util_num_parse(s, 1, INT64_MAX, &ev->ref) != 0)
		return -1;
	ev->type = CORE_MARK;
	ev->kind = xstrdup(a->words[1]);
	return 0;
}

const struct client_cmd_entry client_cmd_mark_entry = {
	.name = "mark",
	.usage = "mark SEQ detection|diagnosis|decision|mitigation",
	.opts = "",
	.args = "SEQ MOMENT",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_mark_build,
	.exec = client_cmd_send
};
