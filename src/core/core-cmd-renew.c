/*
 * action.renew: extend a lease that has not yet run out (never resurrect
 * one).  Renewals are not logged; the hub extends the deadline directly.
 */
#include "core.h"
#include "util.h"

static int
core_cmd_renew_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	return core_lease_check_holder(s, cmd, ctx, r) == NULL ? -1 : 0;
}

static char *
core_cmd_renew_describe(const struct core_event *e)
{
	return xasprintf("renewed %s (fence %lld)", core_str_or(e->name, "?"),
	    (long long)e->fence);
}

const struct core_cmd_entry core_cmd_renew_entry = {
	"action.renew", CORE_RENEW, CORE_F_COORD | CORE_F_FENCED | CORE_F_NOLOG,
	CORE_FLD_NAME | CORE_FLD_FENCE,
	CORE_FLD_NAME | CORE_FLD_FENCE,
	core_cmd_renew_check, NULL, core_cmd_renew_describe,
	CORE_KIND_LEASE
};
