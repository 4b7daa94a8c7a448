/*
 * action.break: the IC ends someone's lease, with a reason.  The event
 * records the fence it ends; the next grant gets a larger one, and the
 * action stays unclaimable for the lock-delay.
 */
#include "core.h"
#include "util.h"

static int
core_cmd_break_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	struct core_action	*a;

	if (!core_name_valid(cmd->name))
		return core_refuse(r, "bad-request", "an action name is required");
	if (cmd->text == NULL || *cmd->text == '\0' ||
	    !core_text_valid(cmd->text, 400))
		return core_refuse(r, "bad-request", "breaking a claim needs a "
		    "reason");
	if ((a = core_state_action(s, cmd->name)) == NULL)
		return core_refuse(r, "unknown-action", "no action named %s",
		    cmd->name);
	if (a->state != CORE_ACTION_HELD)
		return core_refuse(r, "not-held", "%s is not held", a->name);
	if (core_check_fresh(&a->mark, ctx->based_on, a->name, ctx, r) != 0)
		return -1;
	((struct core_event *)cmd)->fence = a->fence;
	return 0;
}

static char *
core_cmd_break_describe(const struct core_event *e)
{
	return xasprintf("broke the claim on %s (fence %lld): %s",
	    core_str_or(e->name, "?"), (long long)e->fence,
	    core_str_or(e->text, "?"));
}

const struct core_cmd_entry core_cmd_break_entry = {
	"action.break", CORE_BREAK, CORE_F_COORD,
	CORE_FLD_NAME | CORE_FLD_FENCE | CORE_FLD_TEXT,
	CORE_FLD_NAME | CORE_FLD_FENCE | CORE_FLD_TEXT,
	core_cmd_break_check, core_lease_lost, core_cmd_break_describe,
	CORE_KIND_LOST
};
