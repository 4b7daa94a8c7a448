/*
 * Unit tests of telemetry (src/tele): threshold levels with hysteresis (a
 * value jittering around a threshold changes level once each way), what a
 * feed may be, the URL a Prometheus poll asks, answers turned into samples
 * (reductions, NaN, empty vectors, HTTP errors) and the engine itself on
 * loopback: a refused port gives an error sample, a port that accepts and
 * never answers gives a timeout without delaying another feed, an
 * unchanged feed keeps its schedule across tele_set, and tele_free
 * returns at once while a poll hangs.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tele.h"
#include "util.h"

/* ---- levels --------------------------------------------------------- */

static struct tele_levels
levels(const char *warn, const char *crit, const char *band)
{
	struct tele_levels	 l;
	char			*cause = NULL;

	tele_levels_init(&l);
	if (warn != NULL)
		assert_int_equal(tele_threshold_parse(warn, &l.warn, &cause),
		    0);
	if (crit != NULL)
		assert_int_equal(tele_threshold_parse(crit, &l.crit, &cause),
		    0);
	if (band != NULL)
		assert_int_equal(tele_band_parse(band, &l, &cause), 0);
	assert_int_equal(tele_levels_check(&l, &cause), 0);
	return l;
}

/* Run values through the evaluator; count the changes of level. */
static int
changes(const struct tele_levels *l, const double *v, size_t n,
    enum tele_level *last)
{
	enum tele_level	lv = TELE_LEVEL_OK, next;
	size_t		i;
	int		c = 0;

	for (i = 0; i < n; i++) {
		next = tele_level_eval(l, lv, v[i]);
		c += next != lv;
		lv = next;
	}
	*last = lv;
	return c;
}

static void
test_level_parse(void **state)
{
	struct tele_threshold	 t;
	struct tele_levels	 l;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(tele_threshold_parse("80", &t, &cause), 0);
	assert_true(t.set && !t.below && t.value == 80);
	assert_int_equal(tele_threshold_parse(">95.5", &t, &cause), 0);
	assert_true(t.set && !t.below && t.value == 95.5);
	assert_int_equal(tele_threshold_parse("<10", &t, &cause), 0);
	assert_true(t.set && t.below && t.value == 10);
	assert_int_equal(tele_threshold_parse("<=-3", &t, &cause), 0);
	assert_true(t.below && t.value == -3);
	assert_int_equal(tele_threshold_parse("abc", &t, &cause), -1);
	assert_non_null(strstr(cause, "bad threshold"));
	free(cause);
	assert_int_equal(tele_threshold_parse("inf", &t, &cause), -1);
	free(cause);
	assert_int_equal(tele_threshold_parse("", &t, &cause), -1);
	free(cause);

	tele_levels_init(&l);
	assert_true(l.relative && l.band == TELE_BAND_DEFAULT);
	assert_int_equal(tele_band_parse("10%", &l, &cause), 0);
	assert_true(l.relative && l.band == 0.1);
	assert_int_equal(tele_band_parse("2.5", &l, &cause), 0);
	assert_true(!l.relative && l.band == 2.5);
	assert_int_equal(tele_band_parse("-1", &l, &cause), -1);
	free(cause);
	assert_int_equal(tele_band_parse("200%", &l, &cause), -1);
	free(cause);

	tele_levels_init(&l);
	assert_int_equal(tele_threshold_parse("90", &l.warn, &cause), 0);
	assert_int_equal(tele_threshold_parse("80", &l.crit, &cause), 0);
	assert_int_equal(tele_levels_check(&l, &cause), -1);
	assert_non_null(strstr(cause, "crit must be at or above warn"));
	free(cause);
	assert_int_equal(tele_threshold_parse("<5", &l.crit, &cause), 0);
	assert_int_equal(tele_levels_check(&l, &cause), -1);
	assert_non_null(strstr(cause, "both"));
	free(cause);
	assert_string_equal(tele_level_name(TELE_LEVEL_CRIT), "crit");
}

static void
test_level_hysteresis(void **state)
{
	/* Jitter around 80 (band 5% = 4): warn once, back once at < 76. */
	static const double	jitter[] = { 70, 79.9, 80, 79.5, 80.2, 77, 81,
				    76.5, 79, 80, 75.9, 78, 79.9, 76 };
	static const double	up[] = { 50, 96, 94, 92, 91.5, 90, 82, 79,
				    75.9 };
	static const double	low[] = { 50, 12, 10, 10.2, 9, 10.4, 10.6,
				    4, 5.5, 5.4, 20 };
	struct tele_levels	l = levels("80", "95", NULL);
	enum tele_level		last;

	(void)state;
	assert_int_equal(changes(&l, jitter, 14, &last), 2);
	assert_int_equal(last, TELE_LEVEL_OK);
	assert_int_equal(changes(&l, jitter, 10, &last), 1);
	assert_int_equal(last, TELE_LEVEL_WARN);

	/* Straight to crit; down through warn, then ok. */
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_OK, 96),
	    TELE_LEVEL_CRIT);
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_CRIT, 91),
	    TELE_LEVEL_CRIT);	/* within 95 - 4.75 */
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_CRIT, 90),
	    TELE_LEVEL_WARN);
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_CRIT, 77),
	    TELE_LEVEL_WARN);	/* within 80 - 4 */
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_CRIT, 70),
	    TELE_LEVEL_OK);
	assert_int_equal(changes(&l, up, 9, &last), 3);
	assert_int_equal(last, TELE_LEVEL_OK);

	/* Not a number: the level stays. */
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_WARN, NAN),
	    TELE_LEVEL_WARN);
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_CRIT, INFINITY),
	    TELE_LEVEL_CRIT);

	/* Lows with an absolute band of 1. */
	l = levels("<10", "<5", "1");
	assert_int_equal(changes(&l, low, 2, &last), 0);
	assert_int_equal(changes(&l, low, 3, &last), 1);	/* 10: warn */
	assert_int_equal(changes(&l, low, 7, &last), 1);	/* held < 11 */
	assert_int_equal(last, TELE_LEVEL_WARN);
	assert_int_equal(changes(&l, low, 8, &last), 2);	/* 4: crit */
	assert_int_equal(changes(&l, low, 10, &last), 2);	/* 5.4 < 6 */
	assert_int_equal(last, TELE_LEVEL_CRIT);
	assert_int_equal(changes(&l, low, 11, &last), 3);	/* 20: ok */
	assert_int_equal(last, TELE_LEVEL_OK);

	/* No band: every crossing counts; no thresholds: always ok. */
	l = levels("80", NULL, "0");
	assert_int_equal(changes(&l, jitter, 14, &last), 8);
	l = levels(NULL, NULL, NULL);
	assert_int_equal(changes(&l, jitter, 14, &last), 0);
	/* Crit alone. */
	l = levels(NULL, "95", NULL);
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_OK, 94),
	    TELE_LEVEL_OK);
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_OK, 95),
	    TELE_LEVEL_CRIT);
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_CRIT, 91),
	    TELE_LEVEL_CRIT);
	assert_int_equal(tele_level_eval(&l, TELE_LEVEL_CRIT, 90),
	    TELE_LEVEL_OK);
}

/* ---- feeds ---------------------------------------------------------- */

static struct tele_feed
feed(const char *name, enum tele_kind kind, const char *url,
    const char *query)
{
	struct tele_feed	f;

	memset(&f, 0, sizeof f);
	f.name = (char *)name;
	f.kind = kind;
	f.url = (char *)url;
	f.query = (char *)query;
	return f;
}

static int
feed_fails(const struct tele_feed *f, const char *want)
{
	char	*cause = NULL;
	int	 good;

	if (tele_feed_check(f, &cause) == 0) {
		print_error("feed %s passed\n", f->name);
		return 0;
	}
	good = strstr(cause, want) != NULL;
	if (!good)
		print_error("cause \"%s\" lacks \"%s\"\n", cause, want);
	free(cause);
	return good;
}

static void
test_feed_check(void **state)
{
	struct tele_feed	 f, g;
	char			*hdr[] = { (char *)"Authorization: Bearer x" };
	char			*bad[] = { (char *)"Authorization: a\r\nX: y" };
	char			*noname[] = { (char *)": v" };
	char			*url, *cause = NULL;

	(void)state;
	f = feed("p99", TELE_PROM, "http://127.0.0.1:9090", "up");
	assert_int_equal(tele_feed_check(&f, &cause), 0);
	f.headers = hdr;
	f.nheaders = 1;
	assert_int_equal(tele_feed_check(&f, &cause), 0);
	f.headers = bad;
	assert_true(feed_fails(&f, "a header must be"));
	f.headers = noname;
	assert_true(feed_fails(&f, "a header must be"));
	f.nheaders = TELE_HEADERS_MAX + 1;
	assert_true(feed_fails(&f, "more than 8 headers"));
	f = feed("a b", TELE_PROM, "http://h", "up");
	assert_true(feed_fails(&f, "bad feed name"));
	f = feed("x", TELE_PROM, "ftp://h", "up");
	assert_true(feed_fails(&f, "http:// or https://"));
	f = feed("x", TELE_PROM, "file:///etc/passwd", "up");
	assert_true(feed_fails(&f, "http:// or https://"));
	f = feed("x", TELE_PROM, "http://", "up");
	assert_true(feed_fails(&f, "http:// or https://"));
	f = feed("x", TELE_PROM, "http://h/a b", "up");
	assert_true(feed_fails(&f, "without blanks"));
	f = feed("x", TELE_PROM, "HTTPS://h", "");
	assert_true(feed_fails(&f, "the query must be"));
	f = feed("x", TELE_JSON, "http://h/x.json", "a..b");
	assert_true(feed_fails(&f, "bad JSON path"));
	f = feed("x", TELE_JSON, "http://h/x.json", "data.items[0].value");
	assert_int_equal(tele_feed_check(&f, &cause), 0);
	f.every_ms = 50;
	assert_true(feed_fails(&f, "the interval must be"));
	f.every_ms = 1000;
	f.timeout_ms = 2000;
	assert_true(feed_fails(&f, "the timeout must be"));
	f.timeout_ms = 0;
	assert_int_equal(tele_feed_timeout(&f), 1000);
	f.every_ms = 0;
	assert_int_equal(tele_feed_every(&f), TELE_EVERY_DEFAULT);
	assert_int_equal(tele_feed_timeout(&f), TELE_TIMEOUT_DEFAULT);

	/* Defaults are the values they stand for. */
	g = f;
	g.every_ms = TELE_EVERY_DEFAULT;
	g.timeout_ms = TELE_TIMEOUT_DEFAULT;
	assert_true(tele_feed_equal(&f, &g));
	g.query = (char *)"data.items[1].value";
	assert_false(tele_feed_equal(&f, &g));
	tele_feed_copy(&g, &f);
	assert_true(tele_feed_equal(&f, &g));
	assert_true(g.name != f.name);
	tele_feed_clear(&g);

	f = feed("x", TELE_PROM, "http://127.0.0.1:9090/prom/",
	    "max(rate(http_seconds{job=\"api\",le=\"+Inf\"}[5m])) > 0.5");
	url = tele_feed_url(&f);
	assert_string_equal(url, "http://127.0.0.1:9090/prom/api/v1/query?"
	    "query=max%28rate%28http_seconds%7Bjob%3D%22api%22%2Cle%3D%22%2BInf"
	    "%22%7D%5B5m%5D%29%29%20%3E%200.5");
	free(url);
	f = feed("x", TELE_JSON, "http://h/x.json?a=1", "a");
	url = tele_feed_url(&f);
	assert_string_equal(url, "http://h/x.json?a=1");
	free(url);
}

/* ---- answers into samples ------------------------------------------- */

static void
decode(struct tele_feed *f, long http, const char *body,
    struct tele_sample *s)
{
	memset(s, 0, sizeof *s);
	tele_sample_decode(f, http, body, strlen(body), s);
	if (!s->ok) {
		assert_non_null(s->error);
		assert_true(strlen(s->error) <= TELE_ERROR_MAX);
		assert_null(strchr(s->error, '\n'));
	}
}

#define VEC3 "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"," \
    "\"result\":[{\"metric\":{\"i\":\"c\"},\"value\":[1,\"3\"]},"	\
    "{\"metric\":{\"i\":\"a\"},\"value\":[1,\"9\"]},"			\
    "{\"metric\":{\"i\":\"b\"},\"value\":[1,\"-6\"]}]}}"

static void
test_sample_decode(void **state)
{
	struct tele_feed	f = feed("x", TELE_PROM, "http://h", "up");
	struct tele_sample	s;
	struct buf		b;
	int			i;

	(void)state;
	decode(&f, 200, VEC3, &s);
	assert_true(s.ok);
	assert_true(s.value == 9);
	assert_int_equal(s.nseries, 3);
	assert_string_equal(s.how, "max of 3 series");
	assert_int_equal(s.nkept, 3);
	assert_string_equal(s.series[0].labels, "{i=\"a\"}");
	assert_string_equal(s.series[2].labels, "{i=\"c\"}");
	tele_sample_clear(&s);
	f.reduce = TELE_REDUCE_MIN;
	decode(&f, 200, VEC3, &s);
	assert_true(s.ok && s.value == -6);
	tele_sample_clear(&s);
	f.reduce = TELE_REDUCE_SUM;
	decode(&f, 200, VEC3, &s);
	assert_true(s.ok && s.value == 6);
	assert_string_equal(s.how, "sum of 3 series");
	tele_sample_clear(&s);
	f.reduce = TELE_REDUCE_AVG;
	decode(&f, 200, VEC3, &s);
	assert_true(s.ok && s.value == 2);
	tele_sample_clear(&s);
	f.reduce = TELE_REDUCE_MAX;

	decode(&f, 200, "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"NaN\"]},"
	    "{\"metric\":{\"a\":\"1\"},\"value\":[1,\"4\"]}]}}", &s);
	assert_true(s.ok && s.value == 4);
	assert_string_equal(s.how, "max of 1 of 2 series (1 not a number)");
	tele_sample_clear(&s);
	decode(&f, 200, "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"NaN\"]}]}}",
	    &s);
	assert_false(s.ok);
	assert_string_equal(s.error, "not a number: NaN");
	tele_sample_clear(&s);
	decode(&f, 200, "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[]}}", &s);
	assert_false(s.ok);
	assert_non_null(strstr(s.error, "empty vector"));
	tele_sample_clear(&s);
	decode(&f, 200, "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"scalar\",\"result\":[1,\"7\"]}}", &s);
	assert_true(s.ok && s.value == 7);
	assert_string_equal(s.how, "scalar");
	tele_sample_clear(&s);
	decode(&f, 200, "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"1.5\"]}]}}",
	    &s);
	assert_true(s.ok && s.value == 1.5);
	assert_null(s.how);
	tele_sample_clear(&s);
	decode(&f, 503, "<html>busy</html>", &s);
	assert_false(s.ok);
	assert_string_equal(s.error, "HTTP 503");
	tele_sample_clear(&s);
	decode(&f, 400, "{\"status\":\"error\",\"errorType\":\"bad_data\","
	    "\"error\":\"1:3: parse error\"}", &s);
	assert_string_equal(s.error, "HTTP 400: bad_data: 1:3: parse error");
	tele_sample_clear(&s);
	decode(&f, 200, "garbage \x01\xff", &s);
	assert_false(s.ok);
	assert_non_null(strstr(s.error, "bad JSON"));
	tele_sample_clear(&s);

	/* Many series: a few kept, in the order of their labels. */
	util_buf_init(&b);
	util_buf_adds(&b, "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[");
	for (i = 0; i < 50; i++)
		util_buf_printf(&b, "%s{\"metric\":{\"i\":\"%02d\"},\"value\":"
		    "[1,\"%d\"]}", i > 0 ? "," : "", 49 - i, i);
	util_buf_adds(&b, "]}}");
	decode(&f, 200, b.data, &s);
	assert_true(s.ok && s.value == 49);
	assert_int_equal(s.nseries, 50);
	assert_int_equal(s.nkept, TELE_SERIES_KEEP);
	assert_string_equal(s.series[0].labels, "{i=\"00\"}");
	assert_true(s.series[0].value == 49);
	tele_sample_clear(&s);
	util_buf_clear(&b);

	f = feed("x", TELE_JSON, "http://h", "a.b[1]");
	decode(&f, 200, "{\"a\":{\"b\":[1,\"2.5\"]}}", &s);
	assert_true(s.ok && s.value == 2.5);
	assert_int_equal(s.nseries, 1);
	tele_sample_clear(&s);
	decode(&f, 200, "{\"a\":{\"b\":[1]}}", &s);
	assert_false(s.ok);
	assert_non_null(strstr(s.error, "missing path"));
	tele_sample_clear(&s);
	decode(&f, 404, "{\"a\":{\"b\":[1,2]}}", &s);
	assert_string_equal(s.error, "HTTP 404");
	tele_sample_clear(&s);
}

/* ---- the engine on loopback ----------------------------------------- */

static int	wake_fds[2];

static void
wake(void *arg)
{
	(void)arg;
	(void)write(wake_fds[1], "w", 1);
}

/* A loopback port: listening (never accepting) or, closed, refusing. */
static int
loopback(int listening, int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	if (listening) {
		assert_int_equal(listen(fd, 16), 0);
		return fd;
	}
	close(fd);
	return -1;
}

/*
 * Wait up to ms for samples, adding them to *all; returns how many have
 * arrived in all.
 */
static size_t
collect(struct tele *t, struct tele_sample **all, size_t *nall, int ms)
{
	struct pollfd		 pfd = { .fd = wake_fds[0], .events = POLLIN };
	struct tele_sample	*s;
	int64_t			 end = util_clock_mono_ms() + ms;
	size_t			 n;
	char			 c[64];

	for (;;) {
		n = tele_take(t, &s);
		if (n > 0) {
			*all = xreallocarray(*all, *nall + n, sizeof **all);
			memcpy(*all + *nall, s, n * sizeof *s);
			*nall += n;
			free(s);
			return *nall;
		}
		if (util_clock_mono_ms() >= end)
			return *nall;
		if (poll(&pfd, 1, (int)(end - util_clock_mono_ms())) > 0)
			(void)read(wake_fds[0], c, sizeof c);
	}
}

/* The first sample of feed name in all, or NULL. */
static struct tele_sample *
find(struct tele_sample *all, size_t n, const char *name, int nth)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(all[i].name, name) == 0 && nth-- == 0)
			return &all[i];
	}
	return NULL;
}

static void
test_engine(void **state)
{
	struct tele		*t;
	struct tele_feed	 f[3];
	struct tele_sample	*all = NULL, *s;
	struct tele_stats	 st;
	size_t			 nall = 0;
	int64_t			 start, took;
	int			 hang, hport, rport;
	char			 hurl[64], rurl[64], *cause = NULL;

	(void)state;
	assert_int_equal(pipe2(wake_fds, O_NONBLOCK | O_CLOEXEC), 0);
	hang = loopback(1, &hport);
	loopback(0, &rport);
	snprintf(hurl, sizeof hurl, "http://127.0.0.1:%d", hport);
	snprintf(rurl, sizeof rurl, "http://127.0.0.1:%d", rport);

	t = tele_create(wake, NULL);
	/* Refused, every 60 s: one sample, an error. */
	f[0] = feed("refused", TELE_PROM, rurl, "up");
	f[0].every_ms = 60000;
	assert_int_equal(tele_set(t, f, 1, &cause), 0);
	start = util_clock_mono_ms();
	while (find(all, nall, "refused", 0) == NULL &&
	    util_clock_mono_ms() - start < 10000)
		collect(t, &all, &nall, 1000);
	assert_non_null(s = find(all, nall, "refused", 0));
	assert_false(s->ok);
	assert_non_null(strstr(s->error, "refused"));
	assert_true(s->t > 0);

	/* Bad sets change nothing. */
	f[1] = f[0];
	assert_int_equal(tele_set(t, f, 2, &cause), -1);
	assert_non_null(strstr(cause, "two feeds named refused"));
	free(cause);
	f[1] = feed("bad name", TELE_PROM, rurl, "up");
	assert_int_equal(tele_set(t, f, 2, &cause), -1);
	free(cause);

	/*
	 * The same feed again, and a hanging one (timeout 300 ms) and a
	 * second refused one every 200 ms: "refused" keeps its schedule (no
	 * new poll for a minute), the hang times out, and "fast" is polled
	 * on time meanwhile.
	 */
	f[1] = feed("hang", TELE_JSON, hurl, "a");
	f[1].every_ms = 5000;
	f[1].timeout_ms = 300;
	f[2] = feed("fast", TELE_PROM, rurl, "up");
	f[2].every_ms = 200;
	assert_int_equal(tele_set(t, f, 3, &cause), 0);
	start = util_clock_mono_ms();
	while (find(all, nall, "hang", 0) == NULL &&
	    util_clock_mono_ms() - start < 10000)
		collect(t, &all, &nall, 1000);
	took = util_clock_mono_ms() - start;
	assert_non_null(s = find(all, nall, "hang", 0));
	assert_false(s->ok);
	assert_non_null(strstr(s->error, "timeout"));
	assert_true(s->took_ms >= 250 && took < 5000);
	/* "fast" was polled while "hang" waited. */
	assert_non_null(find(all, nall, "fast", 0));
	assert_null(find(all, nall, "refused", 1));

	tele_stats_get(t, &st);
	assert_int_equal(st.feeds, 3);
	assert_true(st.polls >= 3 && st.errors == st.polls);

	/* A poll hangs again (every 5 s, so start another): free at once. */
	f[1].every_ms = 6000;
	f[1].timeout_ms = 6000;
	assert_int_equal(tele_set(t, f + 1, 1, &cause), 0);
	collect(t, &all, &nall, 300);
	tele_stats_get(t, &st);
	assert_int_equal(st.inflight, 1);
	start = util_clock_mono_ms();
	tele_free(t);
	took = util_clock_mono_ms() - start;
	assert_true(took < 500);

	tele_samples_free(all, nall);
	close(hang);
	close(wake_fds[0]);
	close(wake_fds[1]);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_level_hysteresis),
		cmocka_unit_test(test_feed_check),
		cmocka_unit_test(test_sample_decode),
		cmocka_unit_test(test_engine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
