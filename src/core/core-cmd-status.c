/* status: the IC moves the incident through its states. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_status_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	if (!core_status_valid(cmd->state))
		return core_refuse(r, "bad-request", "status must be one of "
		    "investigating, identified, mitigating, monitoring, "
		    "resolved");
	return core_check_fresh(&s->status_mark, ctx->based_on, "status", ctx,
	    r);
}

static void
core_cmd_status_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	(void)ctx;
	if (e->state == NULL)
		return;
	free(s->status);
	s->status = xstrdup(e->state);
	s->resolved = strcmp(e->state, "resolved") == 0 ? e->time : 0;
	core_mark_set(&s->status_mark, e);
}

static char *
core_cmd_status_describe(const struct core_event *e)
{
	return xasprintf("status %s", core_str_or(e->state, "?"));
}

const struct core_cmd_entry core_cmd_status_entry = {
	"status", CORE_STATUS, CORE_F_COORD,
	CORE_FLD_STATE,
	CORE_FLD_STATE,
	core_cmd_status_check, core_cmd_status_apply, core_cmd_status_describe,
	CORE_KIND_STATE
};
