/*
 * feed.add: give the incident a telemetry feed, polled by the hub for
 * everyone: a Prometheus instant query ("prom": url is the server, query
 * the PromQL) or a JSON endpoint ("json": url is the document, query the
 * path to the number).  Thresholds are "[<|>]NUMBER".  A name may be used
 * again once its feed is removed.  Request headers (credentials) are never
 * in the log: they live in the hub's configuration.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_feed_add_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	const struct core_feed	*f;
	size_t			 i, live = 0;
	double			 v;
	int			 below;

	if (!core_name_valid(cmd->name))
		return core_refuse(r, "bad-request", "a feed's name must be "
		    "1-%d of A-Z a-z 0-9 . _ @ -", CORE_NAME_MAX);
	if (!core_feed_kind_valid(cmd->kind))
		return core_refuse(r, "bad-request", "a feed is prom (a "
		    "Prometheus query) or json (a JSON endpoint)");
	if (cmd->url == NULL || (strncmp(cmd->url, "http://", 7) != 0 &&
	    strncmp(cmd->url, "https://", 8) != 0))
		return core_refuse(r, "bad-request", "a feed's URL starts with "
		    "http:// or https://");
	if (cmd->query == NULL || *cmd->query == '\0')
		return core_refuse(r, "bad-request", "a %s feed needs %s",
		    cmd->kind, strcmp(cmd->kind, "prom") == 0 ? "a PromQL query" :
		    "the path to its value");
	if ((cmd->warn != NULL && core_threshold_parse(cmd->warn, &below,
	    &v) != 0) || (cmd->crit != NULL &&
	    core_threshold_parse(cmd->crit, &below, &v) != 0))
		return core_refuse(r, "bad-request", "a threshold is a number, "
		    "with < in front for one that is crossed going down");
	if (cmd->every != 0 && cmd->every < CORE_EVERY_MIN)
		return core_refuse(r, "bad-request", "a feed is polled every "
		    "1 s to 1 h");
	for (i = 0; i < s->nfeeds; i++) {
		f = &s->feeds[i];
		if (f->removed)
			continue;
		live++;
		if (strcmp(f->name, cmd->name) == 0)
			return core_refuse(r, "exists", "the incident already "
			    "has a feed %s", cmd->name);
	}
	for (i = 0; i < ctx->nfeeds; i++) {
		if (strcmp(ctx->feeds[i], cmd->name) == 0 &&
		    (f = core_state_feed(s, cmd->name)) == NULL)
			return core_refuse(r, "exists", "the hub's "
			    "configuration already gives the incident a feed "
			    "%s", cmd->name);
	}
	if (live + ctx->nfeeds >= CORE_FEEDS_MAX)
		return core_refuse(r, "bad-request", "an incident has at most "
		    "%d feeds", CORE_FEEDS_MAX);
	return 0;
}

static void
core_cmd_feed_add_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_feed	*f;

	(void)ctx;
	if (e->name == NULL)
		return;
	f = core_state_feed_add(s, e->name);
	core_feed_clear_spec(f);
	f->kind = core_strdup_or_null(e->kind);
	f->url = core_strdup_or_null(e->url);
	f->query = core_strdup_or_null(e->query);
	f->unit = core_strdup_or_null(e->unit);
	f->warn = core_strdup_or_null(e->warn);
	f->crit = core_strdup_or_null(e->crit);
	f->every = e->every;
	f->removed = 0;
}

static char *
core_cmd_feed_add_describe(const struct core_event *e)
{
	return xasprintf("added feed %s (%s %s)", core_str_or(e->name, "?"),
	    core_str_or(e->kind, "?"), core_str_or(e->query, "?"));
}

const struct core_cmd_entry core_cmd_feed_add_entry = {
	"feed.add", CORE_FEED_ADD, 0,
	CORE_FLD_NAME | CORE_FLD_KIND | CORE_FLD_URL | CORE_FLD_QUERY |
	    CORE_FLD_UNIT | CORE_FLD_WARN | CORE_FLD_CRIT | CORE_FLD_EVERY,
	CORE_FLD_NAME | CORE_FLD_KIND | CORE_FLD_URL | CORE_FLD_QUERY,
	core_cmd_feed_add_check, core_cmd_feed_add_apply,
	core_cmd_feed_add_describe,
	CORE_KIND_SIGNAL
};
