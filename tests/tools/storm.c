/*
 * storm: many reconnecting clients in one process, for the reconnect-storm
 * test.  Each client is a real link (src/client/client-link.c, the
 * transport the console uses) following one incident, all on one event
 * loop, reconnecting with the links' own jittered backoff.
 *
 *	storm HUB INCIDENT COUNT
 *
 * Every half second it prints one status line to standard output:
 *
 *	status UP MIN_SEQ MAX_SEQ WELCOMES
 *
 * (clients connected, the lowest and highest seq any client holds, total
 * welcomes so far), and for every welcome a line "welcome MS" with the
 * monotonic time in ms, so a test can see how reconnections spread out.
 * It runs until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "client.h"
#include "util.h"

struct storm_client {
	struct client_link	*link;
	int			 up;
	int64_t			 seq;
};

static volatile sig_atomic_t	storm_stop;
static long			storm_welcomes;

static void
storm_signal(int sig)
{
	(void)sig;
	storm_stop = 1;
}

static void
storm_up(void *arg, const struct proto_msg *m)
{
	struct storm_client	*c = arg;

	(void)m;
	c->up = 1;
	storm_welcomes++;
	printf("welcome %lld\n", (long long)util_clock_mono_ms());
}

static void
storm_message(void *arg, struct proto_msg *m)
{
	struct storm_client	*c = arg;
	size_t			 i;

	for (i = 0; m->kind == PROTO_EVENTS && i < m->nevents; i++) {
		if (m->events[i].seq == c->seq + 1)
			c->seq = m->events[i].seq;
	}
	client_link_resume(c->link, c->seq, 0);
	proto_msg_clear(m);
}

static void
storm_down(void *arg, const char *why, int refused)
{
	struct storm_client	*c = arg;

	(void)why;
	(void)refused;
	c->up = 0;
}

static const struct client_link_ops storm_ops = {
	storm_up, storm_message, storm_down
};

int
main(int argc, char **argv)
{
	struct lws_context	*ctx;
	struct storm_client	*c;
	int64_t			 count, next, now, lo, hi;
	long			 up;
	int			 i;

	if (argc != 4 || util_num_parse(argv[3], 1, 10000, &count) != 0) {
		fprintf(stderr, "usage: storm HUB INCIDENT COUNT\n");
		return 1;
	}
	signal(SIGTERM, storm_signal);
	signal(SIGINT, storm_signal);
	signal(SIGPIPE, SIG_IGN);
	if (getenv("CONCORD_LOG") != NULL)
		util_log_open(getenv("CONCORD_LOG"));
	ctx = client_link_context(argv[1], NULL, NULL);
	c = xcalloc((size_t)count, sizeof *c);
	for (i = 0; i < count; i++) {
		c[i].link = client_link_create(ctx, argv[1], "storm", argv[2],
		    1, &storm_ops, &c[i]);
		client_link_resume(c[i].link, 0, 0);
	}
	next = 0;
	while (!storm_stop) {
		if (lws_service(ctx, 0) < 0)
			break;
		if ((now = util_clock_mono_ms()) < next)
			continue;
		next = now + 500;
		up = 0;
		lo = INT64_MAX;
		hi = 0;
		for (i = 0; i < count; i++) {
			up += c[i].up;
			if (c[i].seq < lo)
				lo = c[i].seq;
			if (c[i].seq > hi)
				hi = c[i].seq;
		}
		printf("status %ld %lld %lld %ld\n", up, (long long)lo,
		    (long long)hi, storm_welcomes);
		fflush(stdout);
	}
	for (i = 0; i < count; i++)
		client_link_free(c[i].link);
	lws_context_destroy(ctx);
	free(c);
	return 0;
}
