/*
 * action.done: the holder records the outcome.  Success makes the action
 * final (and unblocks what runs after it); failed or aborted frees it again
 * so someone may retry.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_done_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	if (!core_outcome_valid(cmd->outcome))
		return core_refuse(r, "bad-request",
		    "outcome must be success, failed or aborted");
	if (cmd->text != NULL && !core_text_valid(cmd->text, 1000))
		return core_refuse(r, "bad-request",
		    "a note is at most 1000 bytes of text");
	return core_lease_check_holder(s, cmd, ctx, r) == NULL ? -1 : 0;
}

static void
core_cmd_done_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_action	*a = core_state_action(s, e->name);

	(void)ctx;
	if (a == NULL || e->outcome == NULL)
		return;
	core_lease_end(a, 0);
	if (strcmp(e->outcome, "success") == 0)
		a->state = CORE_ACTION_DONE;
	free(a->outcome);
	a->outcome = xstrdup(e->outcome);
	core_mark_set(&a->mark, e);
}

static char *
core_cmd_done_describe(const struct core_event *e)
{
	return xasprintf("done %s %s (fence %lld)%s%s",
	    core_str_or(e->name, "?"), core_str_or(e->outcome, "?"),
	    (long long)e->fence, e->text != NULL ? ": " : "",
	    e->text != NULL ? e->text : "");
}

const struct core_cmd_entry core_cmd_done_entry = {
	"action.done", CORE_DONE, CORE_F_COORD | CORE_F_FENCED,
	CORE_FLD_NAME | CORE_FLD_FENCE | CORE_FLD_OUTCOME |
	    CORE_FLD_TEXT,
	CORE_FLD_NAME | CORE_FLD_FENCE | CORE_FLD_OUTCOME,
	core_cmd_done_check, core_cmd_done_apply, core_cmd_done_describe,
	CORE_KIND_DONE
};
