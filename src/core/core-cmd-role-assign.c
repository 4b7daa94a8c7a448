/*
 * role.assign: the IC gives a named role to a user.  The incident commander
 * is not a named role: command moves only by take, offer and accept; nor
 * are the authorisation table's other words (responder, viewer, none).  A
 * user's roles, joined by commas, must fit in an event (CORE_ROLES_MAX).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_role_assign_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	struct core_role	*role;
	char			*held;
	size_t			 len;

	if (!core_name_valid(cmd->role) || !core_name_valid(cmd->user))
		return core_refuse(r, "bad-request",
		    "role assign needs a user and a role name");
	if (strcmp(cmd->role, "ic") == 0)
		return core_refuse(r, "bad-request", "command moves by offer "
		    "and accept (command offer USER), not by role assign");
	/* The authorisation table's words (core-authz.c) are not roles. */
	if (strcmp(cmd->role, "responder") == 0 ||
	    strcmp(cmd->role, "viewer") == 0 || strcmp(cmd->role, "none") == 0)
		return core_refuse(r, "bad-request", "%s is a word of the "
		    "authorisation table, not a role", cmd->role);
	role = core_state_role(s, cmd->role);
	if (role != NULL && role->user != NULL &&
	    strcmp(role->user, cmd->user) == 0)
		return core_refuse(r, "no-change", "%s already holds %s",
		    cmd->user, cmd->role);
	/* Every event names its actor's roles (and "ic," may join them). */
	held = core_state_roles(s, cmd->user);
	len = strlen(held) + 1 + strlen(cmd->role) + 3;
	free(held);
	if (len > CORE_ROLES_MAX)
		return core_refuse(r, "bad-request", "%s holds too many roles "
		    "to take %s (their names may add up to %d bytes)",
		    cmd->user, cmd->role, CORE_ROLES_MAX - 3);
	if (role == NULL)
		return 0;
	return core_check_fresh(&role->mark, ctx->based_on, cmd->role, ctx, r);
}

static void
core_cmd_role_assign_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_role	*role;

	(void)ctx;
	if (e->role == NULL || e->user == NULL)
		return;
	if ((role = core_state_role(s, e->role)) == NULL) {
		s->roles = xreallocarray(s->roles, s->nroles + 1,
		    sizeof *s->roles);
		role = &s->roles[s->nroles++];
		memset(role, 0, sizeof *role);
		role->role = xstrdup(e->role);
	}
	free(role->user);
	role->user = xstrdup(e->user);
	core_mark_set(&role->mark, e);
}

static char *
core_cmd_role_assign_describe(const struct core_event *e)
{
	return xasprintf("assigned %s to %s", core_str_or(e->role, "?"),
	    core_str_or(e->user, "?"));
}

const struct core_cmd_entry core_cmd_role_assign_entry = {
	"role.assign", CORE_ROLE_ASSIGN, CORE_F_COORD,
	CORE_FLD_USER | CORE_FLD_ROLE,
	CORE_FLD_USER | CORE_FLD_ROLE,
	core_cmd_role_assign_check, core_cmd_role_assign_apply,
	core_cmd_role_assign_describe,
	CORE_KIND_ROLES
};
