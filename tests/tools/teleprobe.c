/*
 * teleprobe: drive the telemetry engine (src/tele) and the webhook
 * decoders from the command line, for the tests with real peers.
 *
 *	teleprobe poll [--seconds S] [--free-after MS] FEED...
 *	teleprobe am FILE
 *	teleprobe hook FILE
 *
 * poll runs an engine with the feeds given, each written as
 *
 *	--feed NAME --kind prom|json --url URL --query Q [--every MS]
 *	    [--timeout MS] [--reduce max|min|sum|avg] [--header H]...
 *
 * and prints each sample as one line on stdout, flushed, with its time
 * since the engine started (ms):
 *
 *	sample NAME t=MS took=MS ok value=V [series=N how="..."]
 *	sample NAME t=MS took=MS error="..."
 *
 * for S seconds (default 10), or until MS ms have passed if --free-after
 * is given; then it frees the engine and prints "freed in N ms".  Samples
 * are taken when the engine's wake function says they are ready (it
 * writes to a pipe that the loop polls), as the hub takes them.
 *
 * am and hook decode an Alertmanager webhook body or a generic hook body
 * from FILE ("-" for standard input) and print what they hold, one field
 * a line ("alert 0 status=firing", ...), or "error: CAUSE" and exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "tele.h"
#include "util.h"

static int	probe_pipe[2];

static void
probe_wake(void *arg)
{
	(void)arg;
	(void)write(probe_pipe[1], "w", 1);
}

static void
probe_usage(void)
{
	fprintf(stderr, "usage: teleprobe poll [--seconds S] [--free-after MS]"
	    " --feed NAME --kind prom|json --url URL --query Q [--every MS]"
	    " [--timeout MS] [--reduce R] [--header H]...\n"
	    "       teleprobe am|hook FILE\n");
	exit(2);
}

static int64_t
probe_num(const char *s)
{
	int64_t	v;

	if (util_num_parse(s, 0, INT32_MAX, &v) != 0)
		probe_usage();
	return v;
}

static void
probe_print(const struct tele_sample *s, int64_t start)
{
	if (s->ok) {
		printf("sample %s t=%lld took=%lld ok value=%.17g series=%zu",
		    s->name, (long long)(util_clock_mono_ms() - start),
		    (long long)s->took_ms, s->value, s->nseries);
		if (s->how != NULL)
			printf(" how=\"%s\"", s->how);
		printf("\n");
	} else
		printf("sample %s t=%lld took=%lld error=\"%s\"\n", s->name,
		    (long long)(util_clock_mono_ms() - start),
		    (long long)s->took_ms, s->error);
	fflush(stdout);
}

static int
probe_poll(int argc, char **argv)
{
	struct tele_feed	*f = NULL, *cur = NULL;
	struct tele_sample	*s;
	struct tele		*t;
	struct pollfd		 pfd;
	size_t			 nf = 0, n, i;
	int64_t			 seconds = 10, free_after = -1, start, end;
	int64_t			 now;
	char			*cause = NULL, c[64];
	int			 a;

	for (a = 0; a < argc; a++) {
		if (a + 1 >= argc)
			probe_usage();
		if (strcmp(argv[a], "--seconds") == 0)
			seconds = probe_num(argv[++a]);
		else if (strcmp(argv[a], "--free-after") == 0)
			free_after = probe_num(argv[++a]);
		else if (strcmp(argv[a], "--feed") == 0) {
			f = xreallocarray(f, nf + 1, sizeof *f);
			cur = &f[nf++];
			memset(cur, 0, sizeof *cur);
			cur->name = argv[++a];
		} else if (cur == NULL)
			probe_usage();
		else if (strcmp(argv[a], "--kind") == 0) {
			if (tele_kind_parse(argv[++a], &cur->kind) != 0)
				probe_usage();
		} else if (strcmp(argv[a], "--url") == 0)
			cur->url = argv[++a];
		else if (strcmp(argv[a], "--query") == 0)
			cur->query = argv[++a];
		else if (strcmp(argv[a], "--every") == 0)
			cur->every_ms = probe_num(argv[++a]);
		else if (strcmp(argv[a], "--timeout") == 0)
			cur->timeout_ms = probe_num(argv[++a]);
		else if (strcmp(argv[a], "--reduce") == 0) {
			if (tele_reduce_parse(argv[++a], &cur->reduce) != 0)
				probe_usage();
		} else if (strcmp(argv[a], "--header") == 0) {
			cur->headers = xreallocarray(cur->headers,
			    cur->nheaders + 1, sizeof *cur->headers);
			cur->headers[cur->nheaders++] = argv[++a];
		} else
			probe_usage();
	}
	if (pipe2(probe_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		fatalx("pipe: %s", strerror(errno));
	t = tele_create(probe_wake, NULL);
	if (tele_set(t, f, nf, &cause) != 0) {
		fprintf(stderr, "teleprobe: %s\n", cause);
		return 1;
	}
	start = util_clock_mono_ms();
	end = start + (free_after >= 0 ? free_after : seconds * 1000);
	pfd.fd = probe_pipe[0];
	pfd.events = POLLIN;
	while ((now = util_clock_mono_ms()) < end) {
		if (poll(&pfd, 1, (int)(end - now)) > 0)
			(void)read(probe_pipe[0], c, sizeof c);
		n = tele_take(t, &s);
		for (i = 0; i < n; i++)
			probe_print(&s[i], start);
		tele_samples_free(s, n);
	}
	now = util_clock_mono_ms();
	tele_free(t);
	printf("freed in %lld ms\n", (long long)(util_clock_mono_ms() - now));
	for (i = 0; i < nf; i++)
		free(f[i].headers);
	free(f);
	return 0;
}

static char *
probe_read(const char *path, size_t *len)
{
	char	*p, *cause = NULL;

	if (strcmp(path, "-") == 0)
		p = util_fd_read(0, "stdin", 8 * 1024 * 1024, len, &cause);
	else
		p = util_file_read(path, 8 * 1024 * 1024, len, &cause);
	if (p == NULL) {
		fprintf(stderr, "teleprobe: %s\n", cause);
		exit(1);
	}
	return p;
}

static int
probe_am(const char *path)
{
	struct proto_am		 am;
	struct proto_am_alert	*al;
	size_t			 len, i, j;
	char			*p, *cause = NULL;

	p = probe_read(path, &len);
	if (proto_am_decode(p, len, &am, &cause) != 0) {
		printf("error: %s\n", cause);
		return 1;
	}
	printf("receiver=%s\nstatus=%s\ngroupKey=%s\nalerts=%zu\n"
	    "truncated=%lld\n", am.receiver, am.status, am.group_key,
	    am.nalerts, (long long)am.truncated);
	for (i = 0; i < am.nalerts; i++) {
		al = &am.alerts[i];
		printf("alert %zu status=%s\nalert %zu fingerprint=%s\n"
		    "alert %zu alertname=%s\nalert %zu severity=%s\n"
		    "alert %zu instance=%s\nalert %zu incident=%s\n"
		    "alert %zu summary=%s\nalert %zu starts_ms=%lld\n"
		    "alert %zu ends_ms=%lld\n", i, al->status, i,
		    al->fingerprint, i, al->alertname ? al->alertname : "-", i,
		    al->severity ? al->severity : "-", i,
		    al->instance ? al->instance : "-", i,
		    al->incident ? al->incident : "-", i,
		    al->summary ? al->summary : "-", i,
		    (long long)al->starts_ms, i, (long long)al->ends_ms);
		for (j = 0; j < al->nlabels; j++)
			printf("alert %zu label %s\n", i, al->labels[j]);
	}
	proto_am_clear(&am);
	free(p);
	return 0;
}

static int
probe_hook(const char *path)
{
	struct proto_hook	 h;
	size_t			 len;
	char			*p, *cause = NULL;

	p = probe_read(path, &len);
	if (proto_hook_decode(p, len, &h, &cause) != 0) {
		printf("error: %s\n", cause);
		return 1;
	}
	printf("title=%s\nstatus=%s\nseverity=%s\nincident=%s\nkey=%s\n",
	    h.title, h.status, h.severity ? h.severity : "-",
	    h.incident ? h.incident : "-", h.key ? h.key : "-");
	proto_hook_clear(&h);
	free(p);
	return 0;
}

int
main(int argc, char **argv)
{
	util_set_progname("teleprobe");
	if (argc >= 2 && strcmp(argv[1], "poll") == 0)
		return probe_poll(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "am") == 0)
		return probe_am(argv[2]);
	if (argc == 3 && strcmp(argv[1], "hook") == 0)
		return probe_hook(argv[2]);
	probe_usage();
	return 2;
}
