/*
 * access: who may act in the incident.  "viewers" (access viewers on)
 * closes it to newcomers: only responders (the IC, role holders, the user
 * command is offered to and everyone who has acted) may act, and anyone
 * else may follow it as a viewer; "open" (access viewers off, as every
 * incident starts) makes everyone a responder again.  What each may do is
 * the authorisation table's (core-authz.c).
 */
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_access_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	int	viewers;

	(void)ctx;
	if (cmd->state == NULL || (strcmp(cmd->state, "viewers") != 0 &&
	    strcmp(cmd->state, "open") != 0))
		return core_refuse(r, "bad-request", "access is viewers (only "
		    "responders act) or open (everyone does)");
	viewers = strcmp(cmd->state, "viewers") == 0;
	if (viewers == s->viewers)
		return core_refuse(r, "no-change", "viewers are already %s",
		    viewers ? "on" : "off");
	return 0;
}

static void
core_cmd_access_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	(void)ctx;
	if (e->state != NULL)
		s->viewers = strcmp(e->state, "viewers") == 0;
}

static char *
core_cmd_access_describe(const struct core_event *e)
{
	if (e->state != NULL && strcmp(e->state, "viewers") == 0)
		return xstrdup("viewers on: only responders may act");
	return xstrdup("viewers off: everyone may act");
}

const struct core_cmd_entry core_cmd_access_entry = {
	"access", CORE_ACCESS, 0,
	CORE_FLD_STATE,
	CORE_FLD_STATE,
	core_cmd_access_check, core_cmd_access_apply,
	core_cmd_access_describe,
	CORE_KIND_ROLES
};
