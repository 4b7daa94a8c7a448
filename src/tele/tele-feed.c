/*
 * Feeds and samples: what a feed may be (tele_feed_check), copies of
 * feeds, the URL a poll asks, and the pure half of a poll, which turns an
 * answer into a sample (tele_sample_decode).
 *
 * A sample is ok only with a finite value.  A Prometheus answer of several
 * series is reduced (max by default) over the series that have a number;
 * the sample says how ("max of 3 series", "max of 2 of 3 series (1 NaN)")
 * and keeps the first TELE_SERIES_KEEP series in the order of their labels,
 * so every poll of the same answer shows the same ones.  An error is one
 * line of UTF-8 text of at most TELE_ERROR_MAX bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "tele.h"
#include "util.h"

static const char *tele_kind_names[] = { "prom", "json" };
static const char *tele_reduce_names[] = { "max", "min", "sum", "avg" };

const char *
tele_kind_name(enum tele_kind k)
{
	if ((int)k < 0 || k > TELE_JSON)
		return "?";
	return tele_kind_names[k];
}

const char *
tele_reduce_name(enum tele_reduce r)
{
	if ((int)r < 0 || r > TELE_REDUCE_AVG)
		return "?";
	return tele_reduce_names[r];
}

int
tele_kind_parse(const char *s, enum tele_kind *k)
{
	if (strcmp(s, "prom") == 0 || strcmp(s, "prometheus") == 0)
		*k = TELE_PROM;
	else if (strcmp(s, "json") == 0)
		*k = TELE_JSON;
	else
		return -1;
	return 0;
}

int
tele_reduce_parse(const char *s, enum tele_reduce *r)
{
	int	i;

	for (i = 0; i <= TELE_REDUCE_AVG; i++) {
		if (strcmp(s, tele_reduce_names[i]) == 0) {
			*r = (enum tele_reduce)i;
			return 0;
		}
	}
	return -1;
}

int64_t
tele_feed_every(const struct tele_feed *f)
{
	return f->every_ms > 0 ? f->every_ms : TELE_EVERY_DEFAULT;
}

int64_t
tele_feed_timeout(const struct tele_feed *f)
{
	int64_t	every = tele_feed_every(f);

	if (f->timeout_ms > 0)
		return f->timeout_ms;
	return every < TELE_TIMEOUT_DEFAULT ? every : TELE_TIMEOUT_DEFAULT;
}

/* Is s printable ASCII without blanks (a URL as written)? */
static int
tele_feed_url_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	}
	return 1;
}

/* A request header: "Name: value", a token, no line breaks. */
static int
tele_feed_header_ok(const char *h)
{
	const char	*p;

	if (strlen(h) > TELE_HEADER_MAX || !core_text_valid(h, TELE_HEADER_MAX)
	    || strpbrk(h, "\r\n") != NULL)
		return 0;
	for (p = h; *p != ':'; p++) {
		if (*p == '\0' || (unsigned char)*p <= ' ' ||
		    strchr("()<>@,;\\\"/[]?={}", *p) != NULL)
			return 0;
	}
	return p != h;
}

int
tele_feed_check(const struct tele_feed *f, char **cause)
{
	const char	*name = f->name != NULL ? f->name : "";
	char		*why;
	size_t		 i;

	if (!core_name_valid(name)) {
		*cause = xasprintf("bad feed name \"%.64s\": 1-%d letters, "
		    "digits or ._@-", name, CORE_NAME_MAX);
		return -1;
	}
	if ((int)f->kind < 0 || f->kind > TELE_JSON) {
		*cause = xasprintf("feed %s: unknown kind", name);
		return -1;
	}
	if (f->url == NULL || strlen(f->url) > TELE_URL_MAX ||
	    !tele_feed_url_ok(f->url) ||
	    (strncasecmp(f->url, "http://", 7) != 0 &&
	    strncasecmp(f->url, "https://", 8) != 0) ||
	    strlen(f->url) <= (strncasecmp(f->url, "http://", 7) == 0 ?
	    7 : 8)) {
		*cause = xasprintf("feed %s: the URL must be http:// or "
		    "https://, at most %d bytes without blanks", name,
		    TELE_URL_MAX);
		return -1;
	}
	if (f->query == NULL || *f->query == '\0' ||
	    strlen(f->query) > TELE_QUERY_MAX ||
	    !core_text_valid(f->query, TELE_QUERY_MAX)) {
		*cause = xasprintf("feed %s: %s must be 1-%d bytes of text",
		    name, f->kind == TELE_PROM ? "the query" : "the path",
		    TELE_QUERY_MAX);
		return -1;
	}
	if (f->kind == TELE_JSON && proto_path_check(f->query, &why) != 0) {
		*cause = xasprintf("feed %s: %s", name, why);
		free(why);
		return -1;
	}
	if (f->nheaders > TELE_HEADERS_MAX) {
		*cause = xasprintf("feed %s: more than %d headers", name,
		    TELE_HEADERS_MAX);
		return -1;
	}
	for (i = 0; i < f->nheaders; i++) {
		if (f->headers[i] == NULL ||
		    !tele_feed_header_ok(f->headers[i])) {
			*cause = xasprintf("feed %s: a header must be \"Name: "
			    "value\" on one line, at most %d bytes", name,
			    TELE_HEADER_MAX);
			return -1;
		}
	}
	if (f->every_ms != 0 && (f->every_ms < TELE_EVERY_MIN ||
	    f->every_ms > TELE_EVERY_MAX)) {
		*cause = xasprintf("feed %s: the interval must be %d ms to "
		    "%d s", name, TELE_EVERY_MIN, TELE_EVERY_MAX / 1000);
		return -1;
	}
	if (f->timeout_ms != 0 && (f->timeout_ms < TELE_TIMEOUT_MIN ||
	    f->timeout_ms > tele_feed_every(f))) {
		*cause = xasprintf("feed %s: the timeout must be %d ms to the "
		    "interval (%lld ms)", name, TELE_TIMEOUT_MIN,
		    (long long)tele_feed_every(f));
		return -1;
	}
	if ((int)f->reduce < 0 || f->reduce > TELE_REDUCE_AVG) {
		*cause = xasprintf("feed %s: unknown reduction", name);
		return -1;
	}
	return 0;
}

void
tele_feed_copy(struct tele_feed *dst, const struct tele_feed *src)
{
	size_t	i;

	*dst = *src;
	dst->name = src->name != NULL ? xstrdup(src->name) : NULL;
	dst->url = src->url != NULL ? xstrdup(src->url) : NULL;
	dst->query = src->query != NULL ? xstrdup(src->query) : NULL;
	dst->headers = NULL;
	if (src->nheaders > 0) {
		dst->headers = xcalloc(src->nheaders, sizeof *dst->headers);
		for (i = 0; i < src->nheaders; i++)
			dst->headers[i] = xstrdup(src->headers[i]);
	}
}

void
tele_feed_clear(struct tele_feed *f)
{
	size_t	i;

	free(f->name);
	free(f->url);
	free(f->query);
	for (i = 0; i < f->nheaders; i++)
		free(f->headers[i]);
	free(f->headers);
	memset(f, 0, sizeof *f);
}

static int
tele_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
tele_feed_equal(const struct tele_feed *a, const struct tele_feed *b)
{
	size_t	i;

	if (!tele_str_eq(a->name, b->name) || a->kind != b->kind ||
	    !tele_str_eq(a->url, b->url) || !tele_str_eq(a->query, b->query) ||
	    a->nheaders != b->nheaders || a->reduce != b->reduce ||
	    tele_feed_every(a) != tele_feed_every(b) ||
	    tele_feed_timeout(a) != tele_feed_timeout(b))
		return 0;
	for (i = 0; i < a->nheaders; i++) {
		if (!tele_str_eq(a->headers[i], b->headers[i]))
			return 0;
	}
	return 1;
}

char *
tele_feed_url(const struct tele_feed *f)
{
	char	*q, *url;
	size_t	 n;

	if (f->kind != TELE_PROM)
		return xstrdup(f->url);
	n = strlen(f->url);
	while (n > 0 && f->url[n - 1] == '/')
		n--;
	if ((q = curl_easy_escape(NULL, f->query, 0)) == NULL)
		fatalx("out of memory escaping a query");
	url = xasprintf("%.*s/api/v1/query?query=%s", (int)n, f->url, q);
	curl_free(q);
	return url;
}

/* ---- samples -------------------------------------------------------- */

void
tele_sample_clear(struct tele_sample *s)
{
	size_t	i;

	free(s->name);
	free(s->error);
	free(s->how);
	for (i = 0; i < s->nkept; i++)
		free(s->series[i].labels);
	free(s->series);
	memset(s, 0, sizeof *s);
}

void
tele_samples_free(struct tele_sample *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		tele_sample_clear(&s[i]);
	free(s);
}

/*
 * Make s's error why (which is taken): one line, at most TELE_ERROR_MAX
 * bytes, cut on a character.
 */
static void
tele_sample_fail(struct tele_sample *s, char *why)
{
	size_t	n = strlen(why), i;

	if (n > TELE_ERROR_MAX) {
		n = TELE_ERROR_MAX - 3;
		while (n > 0 && ((unsigned char)why[n] & 0xc0) == 0x80)
			n--;
		memcpy(why + n, "...", 4);
	}
	for (i = 0; why[i] != '\0'; i++) {
		if ((unsigned char)why[i] < ' ' || why[i] == 0x7f)
			why[i] = ' ';
	}
	free(s->error);
	s->error = why;
	s->ok = 0;
	s->value = 0;
}

static int
tele_series_cmp(const void *a, const void *b)
{
	const struct proto_prom_series	*x = a, *y = b;

	return strcmp(x->labels, y->labels);
}

/* Reduce a Prometheus answer into s. */
static void
tele_sample_prom(const struct tele_feed *f, struct proto_prom *pr,
    struct tele_sample *s)
{
	size_t	i, nfinite = 0, nnan = 0;
	double	v = 0, x;

	s->nseries = pr->nseries;
	if (pr->nseries == 0) {
		tele_sample_fail(s, xstrdup("empty vector: the query matched "
		    "no series"));
		return;
	}
	qsort(pr->series, pr->nseries, sizeof *pr->series, tele_series_cmp);
	s->nkept = pr->nseries < TELE_SERIES_KEEP ? pr->nseries :
	    TELE_SERIES_KEEP;
	s->series = xcalloc(s->nkept, sizeof *s->series);
	for (i = 0; i < s->nkept; i++) {
		s->series[i].labels = xstrdup(pr->series[i].labels);
		s->series[i].value = pr->series[i].value;
		s->series[i].finite = pr->series[i].finite;
	}
	for (i = 0; i < pr->nseries; i++) {
		if (!pr->series[i].finite) {
			nnan++;
			continue;
		}
		x = pr->series[i].value;
		if (nfinite++ == 0)
			v = x;
		else if (f->reduce == TELE_REDUCE_MAX)
			v = x > v ? x : v;
		else if (f->reduce == TELE_REDUCE_MIN)
			v = x < v ? x : v;
		else
			v += x;
	}
	if (nfinite == 0) {
		if (pr->nseries == 1)
			tele_sample_fail(s, xasprintf("not a number: %s",
			    pr->series[0].text));
		else
			tele_sample_fail(s, xasprintf("not a number: none of "
			    "%zu series has a finite value", pr->nseries));
		return;
	}
	if (f->reduce == TELE_REDUCE_AVG)
		v /= (double)nfinite;
	if (!isfinite(v)) {
		tele_sample_fail(s, xasprintf("the %s of %zu series is out of "
		    "range", tele_reduce_name(f->reduce), nfinite));
		return;
	}
	s->ok = 1;
	s->value = v;
	if (strcmp(pr->type, "scalar") == 0)
		s->how = xstrdup("scalar");
	else if (pr->nseries > 1 && nnan == 0)
		s->how = xasprintf("%s of %zu series",
		    tele_reduce_name(f->reduce), pr->nseries);
	else if (pr->nseries > 1)
		s->how = xasprintf("%s of %zu of %zu series (%zu not a number)",
		    tele_reduce_name(f->reduce), nfinite, pr->nseries, nnan);
}

void
tele_sample_decode(const struct tele_feed *f, long http, const char *body,
    size_t len, struct tele_sample *s)
{
	struct proto_prom	 pr;
	char			*why;
	double			 v;

	s->ok = 0;
	s->value = 0;
	s->nseries = 0;
	if (http < 200 || http > 299) {
		/* Prometheus says why in JSON; say it too. */
		if (f->kind == TELE_PROM && len > 0 && memmem(body, len,
		    "\"errorType\"", 11) != NULL &&
		    proto_prom_decode(body, len, &pr, &why) != 0) {
			tele_sample_fail(s, xasprintf("HTTP %ld: %s", http,
			    why));
			free(why);
		} else
			tele_sample_fail(s, xasprintf("HTTP %ld", http));
		return;
	}
	if (f->kind == TELE_JSON) {
		s->nseries = 1;
		if (proto_path_value(body, len, f->query, &v, &why) != 0) {
			tele_sample_fail(s, why);
			return;
		}
		s->ok = 1;
		s->value = v;
		return;
	}
	if (proto_prom_decode(body, len, &pr, &why) != 0) {
		tele_sample_fail(s, why);
		return;
	}
	tele_sample_prom(f, &pr, s);
	proto_prom_clear(&pr);
}
