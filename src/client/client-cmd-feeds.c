/*
 * concord feeds [--json]: the incident's telemetry as the hub shows it to
 * everyone: each feed's value with its unit and age, its level against
 * its thresholds, STALE once the value is older than the feed allows, and
 * the error while polling fails.  Read from the hub's first telemetry
 * message after joining.
 */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "export.h"
#include "util.h"

/* Wait for the incident's whole set of feeds; 0 or an exit code. */
static int
client_cmd_feeds_get(struct client_args *a, struct client_feeds *cf)
{
	struct client_conn	*cc;
	struct proto_msg	 m;
	char			*cause = NULL;
	int			 unreachable, rc;

	if ((cc = client_conn_open(a->hub, a->user, a->incident, 0, 1,
	    &unreachable, &cause)) == NULL) {
		rc = client_hub_unopened(a, unreachable, cause);
		free(cause);
		return rc;
	}
	while (!cf->known) {
		if ((rc = client_conn_recv(cc, &m, 30000, &cause)) <= 0) {
			client_conn_free(cc);
			rc = client_hub_fail(CLIENT_EXIT_UNREACHABLE, "%s",
			    rc == 0 ? "the hub sent no telemetry" : cause);
			free(cause);
			return rc;
		}
		if (m.kind == PROTO_TELEMETRY && m.full)
			client_feeds_update(cf, &m, util_clock_mono_ms());
		proto_msg_clear(&m);
	}
	client_conn_free(cc);
	return CLIENT_EXIT_OK;
}

static int
client_cmd_feeds_exec(struct client_args *a)
{
	struct client_feeds	 cf;
	struct buf		 b;
	int64_t			*ages, now;
	char			*text, *line;
	size_t			 i;
	int			 rc;

	if (a->nwords != 0)
		return client_usage(a->entry);
	client_feeds_init(&cf);
	if ((rc = client_hub_prepare(a, 1)) != 0 ||
	    (rc = client_cmd_feeds_get(a, &cf)) != 0) {
		client_feeds_clear(&cf);
		return rc;
	}
	now = util_clock_mono_ms();
	ages = xcalloc(cf.n + 1, sizeof *ages);
	for (i = 0; i < cf.n; i++)
		ages[i] = client_feeds_age(&cf, i, now);
	if (a->json) {
		util_buf_init(&b);
		proto_feeds_json(a->incident, cf.feeds, ages, cf.n, &b);
		printf("%s\n", b.data);
		util_buf_clear(&b);
	} else if (cf.n == 0)
		printf("%s has no feeds\n", a->incident);
	for (i = 0; !a->json && i < cf.n; i++) {
		line = proto_feed_text(&cf.feeds[i], ages[i]);
		text = export_text(line, EXPORT_TEXT_SAFE | EXPORT_TEXT_LINE);
		free(line);
		line = export_text(cf.feeds[i].series, EXPORT_TEXT_SAFE |
		    EXPORT_TEXT_LINE);
		printf("%-16s %-5s %s%s%s\n", cf.feeds[i].name,
		    cf.feeds[i].level != NULL ? cf.feeds[i].level : "-", text,
		    cf.feeds[i].series != NULL ? ", " : "", line);
		free(line);
		free(text);
	}
	free(ages);
	client_feeds_clear(&cf);
	return CLIENT_EXIT_OK;
}

const struct client_cmd_entry client_cmd_feeds_entry = {
	.name = "feeds",
	.usage = "feeds [--json]",
	.opts = "",
	.exec = client_cmd_feeds_exec
};
