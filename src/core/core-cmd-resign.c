/* command.resign: the IC steps down and command is vacant. */
#include <stdlib.h>

#include "core.h"
#include "util.h"

static int
core_cmd_resign_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	(void)cmd;
	return core_check_fresh(&s->ic_mark, ctx->based_on, "command", ctx, r);
}

static void
core_cmd_resign_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	(void)ctx;
	free(s->ic);
	s->ic = NULL;
	free(s->offer);
	s->offer = NULL;
	core_mark_set(&s->ic_mark, e);
}

static char *
core_cmd_resign_describe(const struct core_event *e)
{
	(void)e;
	return xstrdup("resigned command");
}

const struct core_cmd_entry core_cmd_resign_entry = {
	"command.resign", CORE_CMD_RESIGN, CORE_F_COORD,
	0,
	0,
	core_cmd_resign_check, core_cmd_resign_apply, core_cmd_resign_describe,
	CORE_KIND_ROLES
};
