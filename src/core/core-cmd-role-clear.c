/* role.clear: the IC leaves a role vacant; the role stays visible. */
#include <stdlib.h>

#include "core.h"
#include "util.h"

static int
core_cmd_role_clear_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	struct core_role	*role;

	if (!core_name_valid(cmd->role))
		return core_refuse(r, "bad-request", "role clear needs a role");
	if ((role = core_state_role(s, cmd->role)) == NULL)
		return core_refuse(r, "unknown-role", "no role named %s",
		    cmd->role);
	if (role->user == NULL)
		return core_refuse(r, "no-change", "%s is already vacant",
		    cmd->role);
	return core_check_fresh(&role->mark, ctx->based_on, cmd->role, ctx, r);
}

static void
core_cmd_role_clear_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_role	*role = core_state_role(s, e->role);

	(void)ctx;
	if (role == NULL)
		return;
	free(role->user);
	role->user = NULL;
	core_mark_set(&role->mark, e);
}

static char *
core_cmd_role_clear_describe(const struct core_event *e)
{
	return xasprintf("cleared %s", core_str_or(e->role, "?"));
}

const struct core_cmd_entry core_cmd_role_clear_entry = {
	"role.clear", CORE_ROLE_CLEAR, CORE_F_COORD,
	CORE_FLD_ROLE,
	CORE_FLD_ROLE,
	core_cmd_role_clear_check, core_cmd_role_clear_apply,
	core_cmd_role_clear_describe,
	CORE_KIND_ROLES
};
