/* command.offer: the IC offers command to someone, who then accepts it. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_offer_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	if (!core_name_valid(cmd->user))
		return core_refuse(r, "bad-request", "offer needs a user");
	if (strcmp(cmd->user, ctx->actor) == 0)
		return core_refuse(r, "no-change", "you are already the IC");
	return core_check_fresh(&s->ic_mark, ctx->based_on, "command", ctx, r);
}

static void
core_cmd_offer_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	(void)ctx;
	if (e->user == NULL)
		return;
	free(s->offer);
	s->offer = xstrdup(e->user);
	core_mark_set(&s->ic_mark, e);
}

static char *
core_cmd_offer_describe(const struct core_event *e)
{
	return xasprintf("offered command to %s", core_str_or(e->user, "?"));
}

const struct core_cmd_entry core_cmd_offer_entry = {
	"command.offer", CORE_CMD_OFFER, CORE_F_COORD,
	CORE_FLD_USER,
	CORE_FLD_USER,
	core_cmd_offer_check, core_cmd_offer_apply, core_cmd_offer_describe,
	CORE_KIND_ROLES
};
