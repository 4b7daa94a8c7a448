/*
 * concord done ACTION --outcome success|failed|aborted [--note N]
 * [--fence N]: record how a claimed action ended.  The outcome and the
 * note may also be the words after the action.
 */
#include "client.h"
#include "util.h"

static int
client_cmd_done_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	const char	*outcome = client_opt(a, "outcome");
	const char	*note = client_opt(a, "note");
	const char	*fence = client_opt(a, "fence");
	size_t		 i = 1;

	if (a->nwords < 1)
		return -1;
	if (outcome == NULL && a->nwords >= 2) {
		outcome = a->words[i++];
		if (!core_outcome_valid(outcome))
			return -1;
	}
	if (outcome == NULL || (note != NULL && a->nwords > i))
		return -1;
	if (fence != NULL && util_num_parse(fence, 1, INT64_MAX,
	    &ev->fence) != 0)
		return -1;
	ev->type = CORE_DONE;
	ev->name = xstrdup(a->words[0]);
	ev->outcome = xstrdup(outcome);
	if (note != NULL)
		ev->text = xstrdup(note);
	else if (a->nwords > i)
		ev->text = client_words_from(a, i);
	return 0;
}

const struct client_cmd_entry client_cmd_done_entry = {
	.name = "done",
	.usage = "done ACTION --outcome success|failed|aborted [--note N] "
	    "[--fence N]",
	.opts = "outcome:OUTCOME,note:,fence:",
	.args = "HELD OUTCOME TEXT...",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_done_build,
	.exec = client_cmd_send
};
