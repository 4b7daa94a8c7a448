/*
 * action.expire: the hub's lease timer ends a lease that was not renewed in
 * time.  Only the hub issues it; the lock-delay follows.
 */
#include "core.h"
#include "util.h"

static int
core_cmd_expire_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	struct core_action	*a = core_state_action(s, cmd->name);

	if (a == NULL || a->state != CORE_ACTION_HELD || a->deadline > ctx->now)
		return core_refuse(r, "not-held", "no lease to expire");
	((struct core_event *)cmd)->fence = a->fence;
	return 0;
}

static char *
core_cmd_expire_describe(const struct core_event *e)
{
	return xasprintf("lease on %s expired (fence %lld)",
	    core_str_or(e->name, "?"), (long long)e->fence);
}

const struct core_cmd_entry core_cmd_expire_entry = {
	"action.expire", CORE_EXPIRE, CORE_F_HUB,
	CORE_FLD_NAME | CORE_FLD_FENCE,
	CORE_FLD_NAME | CORE_FLD_FENCE,
	core_cmd_expire_check, core_lease_lost, core_cmd_expire_describe,
	CORE_KIND_LOST
};
