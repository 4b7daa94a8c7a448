/*
 * mark: flag an earlier event as a key moment (detection, diagnosis,
 * decision, mitigation) for the postmortem, which lists them first.
 * Anyone may mark; a moment can be marked more than once.
 */
#include <stdlib.h>

#include "core.h"
#include "util.h"

static int
core_cmd_mark_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	(void)ctx;
	if (!core_moment_valid(cmd->kind))
		return core_refuse(r, "bad-request", "a key moment is detection, "
		    "diagnosis, decision or mitigation");
	if (cmd->ref < 1 || cmd->ref > s->seq)
		return core_refuse(r, "unknown-event", "there is no event at seq "
		    "%lld to mark", (long long)cmd->ref);
	return 0;
}

static void
core_cmd_mark_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	(void)ctx;
	if (e->kind != NULL)
		core_state_moment_add(s, e->ref, e, e->kind);
}

static char *
core_cmd_mark_describe(const struct core_event *e)
{
	return xasprintf("marked #%lld as %s", (long long)e->ref,
	    core_str_or(e->kind, "?"));
}

const struct core_cmd_entry core_cmd_mark_entry = {
	"mark", CORE_MARK, 0,
	CORE_FLD_REF | CORE_FLD_KIND | CORE_FLD_SEEN,
	CORE_FLD_REF | CORE_FLD_KIND,
	core_cmd_mark_check, core_cmd_mark_apply, core_cmd_mark_describe,
	CORE_KIND_AMEND
};
