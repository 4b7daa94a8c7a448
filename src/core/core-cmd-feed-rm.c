/*
 * feed.rm: stop a feed for this incident, whether the log or the hub's
 * configuration gave it.  The feed stays in the state as removed, so a
 * configured feed stays off and its name may be added again.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

/* Does the hub's configuration give the incident a feed called name? */
static int
core_cmd_feed_rm_configured(const struct core_ctx *ctx, const char *name)
{
	size_t	i;

	for (i = 0; i < ctx->nfeeds; i++) {
		if (strcmp(ctx->feeds[i], name) == 0)
			return 1;
	}
	return 0;
}

static int
core_cmd_feed_rm_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	const struct core_feed	*f;

	if (!core_name_valid(cmd->name))
		return core_refuse(r, "bad-request", "a feed's name must be "
		    "1-%d of A-Z a-z 0-9 . _ @ -", CORE_NAME_MAX);
	f = core_state_feed(s, cmd->name);
	if (f != NULL ? f->removed || (f->kind == NULL &&
	    !core_cmd_feed_rm_configured(ctx, cmd->name)) :
	    !core_cmd_feed_rm_configured(ctx, cmd->name))
		return core_refuse(r, "unknown-feed", "the incident has no "
		    "feed %s", cmd->name);
	return 0;
}

static void
core_cmd_feed_rm_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_feed	*f;

	(void)ctx;
	if (e->name == NULL)
		return;
	f = core_state_feed_add(s, e->name);
	f->removed = 1;
	free(f->level);
	f->level = NULL;
}

static char *
core_cmd_feed_rm_describe(const struct core_event *e)
{
	return xasprintf("removed feed %s", core_str_or(e->name, "?"));
}

const struct core_cmd_entry core_cmd_feed_rm_entry = {
	"feed.rm", CORE_FEED_RM, 0,
	CORE_FLD_NAME,
	CORE_FLD_NAME,
	core_cmd_feed_rm_check, core_cmd_feed_rm_apply,
	core_cmd_feed_rm_describe,
	CORE_KIND_SIGNAL
};
