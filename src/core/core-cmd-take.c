/*
 * command.take: take command while it is vacant, or, with force and a
 * reason everyone sees, from an IC who is no longer connected to the hub.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_take_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	if (cmd->force && (cmd->text == NULL || *cmd->text == '\0' ||
	    !core_text_valid(cmd->text, 400)))
		return core_refuse(r, "bad-request",
		    "a forced take needs a reason");
	if (s->ic != NULL && strcmp(s->ic, ctx->actor) == 0)
		return core_refuse(r, "no-change", "you are already the IC");
	if (s->ic != NULL && !cmd->force)
		return core_refuse(r, "held", "command is held by %s: ask for "
		    "an offer, or take it with --force --reason if %s has "
		    "vanished", s->ic, s->ic);
	if (s->ic != NULL && ctx->ic_present)
		return core_refuse(r, "ic-present", "%s is connected: ask for "
		    "an offer; a forced take is only for an IC who has "
		    "vanished", s->ic);
	return core_check_fresh(&s->ic_mark, ctx->based_on, "command", ctx, r);
}

static char *
core_cmd_take_describe(const struct core_event *e)
{
	if (e->force)
		return xasprintf("took command by force: %s",
		    core_str_or(e->text, "?"));
	return xstrdup("took command");
}

const struct core_cmd_entry core_cmd_take_entry = {
	"command.take", CORE_CMD_TAKE, CORE_F_COORD,
	CORE_FLD_FORCE | CORE_FLD_TEXT,
	0,
	core_cmd_take_check, core_state_command_to, core_cmd_take_describe,
	CORE_KIND_ROLES
};
