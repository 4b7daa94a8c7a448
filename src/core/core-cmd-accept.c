/* command.accept: the user command was offered to becomes the IC. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_accept_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	(void)cmd;
	if (s->offer == NULL || strcmp(s->offer, ctx->actor) != 0)
		return core_refuse(r, "no-offer", "command has not been offered "
		    "to you%s%s", s->ic != NULL ? "; the IC is " : "",
		    s->ic != NULL ? s->ic : "");
	return core_check_fresh(&s->ic_mark, ctx->based_on, "command", ctx, r);
}

static char *
core_cmd_accept_describe(const struct core_event *e)
{
	(void)e;
	return xstrdup("accepted command");
}

const struct core_cmd_entry core_cmd_accept_entry = {
	"command.accept", CORE_CMD_ACCEPT, CORE_F_COORD,
	0,
	0,
	core_cmd_accept_check, core_state_command_to, core_cmd_accept_describe,
	CORE_KIND_ROLES
};
