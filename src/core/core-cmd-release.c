/* action.release: the holder gives the lease back; no lock-delay follows. */
#include "core.h"
#include "util.h"

static int
core_cmd_release_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	return core_lease_check_holder(s, cmd, ctx, r) == NULL ? -1 : 0;
}

static void
core_cmd_release_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_action	*a = core_state_action(s, e->name);

	(void)ctx;
	if (a == NULL)
		return;
	core_lease_end(a, 0);
	core_mark_set(&a->mark, e);
}

static char *
core_cmd_release_describe(const struct core_event *e)
{
	return xasprintf("released %s (fence %lld)", core_str_or(e->name, "?"),
	    (long long)e->fence);
}

const struct core_cmd_entry core_cmd_release_entry = {
	"action.release", CORE_RELEASE, CORE_F_COORD | CORE_F_FENCED,
	CORE_FLD_NAME | CORE_FLD_FENCE,
	CORE_FLD_NAME | CORE_FLD_FENCE,
	core_cmd_release_check, core_cmd_release_apply,
	core_cmd_release_describe,
	CORE_KIND_LEASE
};
