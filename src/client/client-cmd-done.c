/*
 * concord done ACTION --outcome success|failed|aborted [--note N]
 * [--fence N]: record how a claimed action ended.
 */
#include "client.h"
#include "util.h"

static int
client_cmd_done_exec(struct client_args *a)
{
	struct core_event	 ev;
	const char		*outcome = client_opt(a, "outcome");
	const char		*note = client_opt(a, "note");
	int64_t			 fence;
	int			 rc;

	if (a->nwords != 1 || outcome == NULL)
		return client_usage(&client_cmd_done_entry);
	if ((rc = client_hub_prepare(a, 1)) != 0 ||
	    (rc = client_hub_fence(a, a->words[0], &fence)) != 0)
		return rc;
	core_event_init(&ev);
	ev.type = CORE_DONE;
	ev.name = xstrdup(a->words[0]);
	ev.outcome = xstrdup(outcome);
	if (note != NULL)
		ev.text = xstrdup(note);
	ev.fence = fence;
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_done_entry = {
	"done", "done ACTION --outcome success|failed|aborted [--note N] "
	"[--fence N]", "outcome:,note:,fence:", client_cmd_done_exec
};
