/*
 * decide: a note that records a decision.  It is a note in every way (it
 * may be amended as one) and, in the same event, the key moment
 * "decision", so the postmortem finds what was decided, when and by whom
 * without anyone marking it afterwards.
 */
#include "core.h"
#include "util.h"

static int
core_cmd_decide_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	(void)s;
	(void)ctx;
	if (cmd->text == NULL || *cmd->text == '\0' ||
	    !core_text_valid(cmd->text, CORE_TEXT_MAX))
		return core_refuse(r, "bad-request", "a decision must be 1-%d "
		    "bytes of UTF-8 text without control characters",
		    CORE_TEXT_MAX);
	return 0;
}

static void
core_cmd_decide_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	core_cmd_entry_of(CORE_NOTE)->apply(s, e, ctx);
	core_state_moment_add(s, e->seq, e, "decision");
}

static char *
core_cmd_decide_describe(const struct core_event *e)
{
	return xasprintf("decided: %s", core_str_or(e->text, "?"));
}

const struct core_cmd_entry core_cmd_decide_entry = {
	"decide", CORE_DECIDE, 0,
	CORE_FLD_TEXT | CORE_FLD_SEEN,
	CORE_FLD_TEXT,
	core_cmd_decide_check, core_cmd_decide_apply,
	core_cmd_decide_describe,
	CORE_KIND_NOTE
};
