/* sev: the IC changes the severity (SEV1 is the worst). */
#include "core.h"
#include "util.h"

static int
core_cmd_sev_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	if (cmd->sev < 1 || cmd->sev > 4)
		return core_refuse(r, "bad-request", "severity must be 1-4");
	return core_check_fresh(&s->sev_mark, ctx->based_on, "severity", ctx, r);
}

static void
core_cmd_sev_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	(void)ctx;
	s->sev = e->sev;
	core_mark_set(&s->sev_mark, e);
}

static char *
core_cmd_sev_describe(const struct core_event *e)
{
	return xasprintf("severity SEV%lld", (long long)e->sev);
}

const struct core_cmd_entry core_cmd_sev_entry = {
	"sev", CORE_SEV, CORE_F_COORD,
	CORE_FLD_SEV,
	CORE_FLD_SEV,
	core_cmd_sev_check, core_cmd_sev_apply, core_cmd_sev_describe,
	CORE_KIND_STATE
};
