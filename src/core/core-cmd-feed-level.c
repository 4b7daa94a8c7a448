/*
 * feed.level: the hub's telemetry saw a feed cross a threshold, either way
 * (ok, warn, crit); one event per crossing, the hysteresis being the
 * hub's.  The state keeps each feed's last level, so a restarted hub
 * neither repeats nor misses a crossing.  A feed the configuration gives
 * gets an entry of its own (without a kind) to hold it.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_feed_level_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	(void)s;
	(void)ctx;
	if (!core_name_valid(cmd->name) || !core_level_valid(cmd->state))
		return core_refuse(r, "bad-request", "a feed level names a "
		    "feed and is ok, warn or crit");
	return 0;
}

static void
core_cmd_feed_level_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_feed	*f;

	(void)ctx;
	if (e->name == NULL || e->state == NULL)
		return;
	f = core_state_feed_add(s, e->name);
	free(f->level);
	f->level = xstrdup(e->state);
}

static char *
core_cmd_feed_level_describe(const struct core_event *e)
{
	if (e->text != NULL)
		return xstrdup(e->text);
	return xasprintf("%s is %s", core_str_or(e->name, "?"),
	    core_str_or(e->state, "?"));
}

const struct core_cmd_entry core_cmd_feed_level_entry = {
	"feed.level", CORE_FEED_LEVEL, CORE_F_HUB,
	CORE_FLD_NAME | CORE_FLD_STATE | CORE_FLD_TEXT,
	CORE_FLD_NAME | CORE_FLD_STATE,
	core_cmd_feed_level_check, core_cmd_feed_level_apply,
	core_cmd_feed_level_describe,
	CORE_KIND_SIGNAL
};
