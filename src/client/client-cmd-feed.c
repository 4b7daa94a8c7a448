/*
 * concord feed add NAME prom URL QUERY... | feed add NAME json URL PATH
 * [--unit U] [--warn X] [--crit Y] [--every S] | feed rm NAME: give the
 * incident a telemetry feed that the hub polls for everyone, or stop one.
 * A PromQL query may be several words; a threshold with "<" in front is
 * crossed going down.
 */
#include <string.h>

#include "client.h"
#include "util.h"

static int
client_cmd_feed_build(struct client_args *a, struct core_event *ev,
    char **cause)
{
	const char	*every = client_opt(a, "every");

	if (a->nwords == 2 && strcmp(a->words[0], "rm") == 0) {
		ev->type = CORE_FEED_RM;
		ev->name = xstrdup(a->words[1]);
		return 0;
	}
	if (a->nwords < 5 || strcmp(a->words[0], "add") != 0)
		return -1;
	if (every != NULL && (util_duration_parse(every, &ev->every) != 0 ||
	    ev->every < CORE_EVERY_MIN || ev->every > CORE_EVERY_MAX)) {
		*cause = xasprintf("a feed is polled every 1 s to 1 h, not %s",
		    every);
		return -1;
	}
	ev->type = CORE_FEED_ADD;
	ev->name = xstrdup(a->words[1]);
	ev->kind = xstrdup(a->words[2]);
	ev->url = xstrdup(a->words[3]);
	ev->query = client_words_from(a, 4);
	ev->unit = core_strdup_or_null(client_opt(a, "unit"));
	ev->warn = core_strdup_or_null(client_opt(a, "warn"));
	ev->crit = core_strdup_or_null(client_opt(a, "crit"));
	return 0;
}

const struct client_cmd_entry client_cmd_feed_entry = {
	.name = "feed",
	.usage = "feed add NAME prom|json URL QUERY|PATH [--unit U] "
	    "[--warn X] [--crit Y] [--every S] | feed rm NAME",
	.opts = "unit:,warn:,crit:,every:",
	.args = "add NAME prom|add NAME json|rm FEED",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_feed_build,
	.exec = client_cmd_send
};
