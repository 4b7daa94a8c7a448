/*
 * The telemetry of one incident as the hub last showed it.
 *
 * The hub sends the whole set (full) when a client joins and when feeds
 * are added or removed, and one feed whenever it has a new sample or
 * error.  Each feed remembers when it arrived on this machine's monotonic
 * clock, so its age is the age the hub gave plus the time since, and no
 * two machines' clocks are ever compared.  Nothing here does I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "util.h"

void
client_feeds_init(struct client_feeds *cf)
{
	memset(cf, 0, sizeof *cf);
}

void
client_feeds_clear(struct client_feeds *cf)
{
	size_t	i;

	for (i = 0; i < cf->n; i++)
		proto_feed_clear(&cf->feeds[i]);
	free(cf->feeds);
	free(cf->got);
	memset(cf, 0, sizeof *cf);
}

/* Returns the index of the feed called name, or -1. */
static ssize_t
client_feeds_find(const struct client_feeds *cf, const char *name)
{
	size_t	i;

	for (i = 0; i < cf->n; i++) {
		if (strcmp(cf->feeds[i].name, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/*
 * Take the feeds of a telemetry message m that arrived at now (monotonic
 * ms): all of them if m is full, else those it names.  The feeds move out
 * of m.
 */
void
client_feeds_update(struct client_feeds *cf, struct proto_msg *m,
    int64_t now)
{
	ssize_t	j;
	size_t	i;

	if (m->full) {
		client_feeds_clear(cf);
		cf->known = 1;
	}
	for (i = 0; i < m->nfeeds; i++) {
		if ((j = client_feeds_find(cf, m->feeds[i].name)) == -1) {
			cf->feeds = xreallocarray(cf->feeds, cf->n + 1,
			    sizeof *cf->feeds);
			cf->got = xreallocarray(cf->got, cf->n + 1,
			    sizeof *cf->got);
			j = (ssize_t)cf->n++;
		} else
			proto_feed_clear(&cf->feeds[j]);
		cf->feeds[j] = m->feeds[i];
		cf->got[j] = now;
	}
	free(m->feeds);
	m->feeds = NULL;
	m->nfeeds = 0;
}

/* Returns the age at now (monotonic ms) of feed i's value. */
int64_t
client_feeds_age(const struct client_feeds *cf, size_t i, int64_t now)
{
	return cf->feeds[i].age + (now > cf->got[i] ? now - cf->got[i] : 0);
}
