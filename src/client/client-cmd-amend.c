/* concord amend SEQ TEXT: correct the note at SEQ; both stay in the log. */
#include "client.h"
#include "util.h"

static int
client_cmd_amend_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	const char	*s;

	if (a->nwords < 2)
		return -1;
	s = a->words[0][0] == '#' ? a->words[0] + 1 : a->words[0];
	if (util_num_parse(s, 1, INT64_MAX, &ev->ref) != 0)
		return -1;
	ev->type = CORE_AMEND;
	ev->text = client_words_from(a, 1);
	return 0;
}

const struct client_cmd_entry client_cmd_amend_entry = {
	.name = "amend",
	.usage = "amend SEQ TEXT",
	.opts = "",
	.args = "NOTE TEXT...",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_amend_build,
	.exec = client_cmd_send
};
