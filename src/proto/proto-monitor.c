/*
 * Decoders of JSON that monitoring systems write: a Prometheus instant
 * query's answer, the value at a path in any JSON document, Alertmanager's
 * webhook (version 4) and concord's generic hook (see proto.h and
 * concord-protocol(7)).
 *
 * Model: the text is parsed once with cJSON (at most PROTO_MON_BODY_MAX
 * bytes, nothing but white space after the value), then walked into plain
 * structs; the cJSON tree never leaves this file.  Every problem is an error
 * with a cause that names where it is (a member's path such as
 * "alerts[2].labels") and quotes at most a few bytes of what was found,
 * with every byte that is not printable UTF-8 made a '?': a cause is always
 * text fit to answer with.  Every count and string is bounded (proto.h);
 * nothing is truncated silently except a Prometheus series' label text,
 * which is for display and says so with "...".  A decoder that fails
 * part-way frees what it built: the struct is left empty.
 *
 * Numbers are read through cJSON in both directions (a number member's
 * value, and a numeric string parsed again as a JSON number), so the
 * locale's decimal point never matters.  NaN and the infinities, which
 * Prometheus writes as strings, are read as not finite.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto.h"
#include "util.h"

/* The length of the UTF-8 sequence at s (of at most n bytes), or 0. */
static size_t
proto_mon_seqlen(const char *s, size_t n)
{
	unsigned char	c = (unsigned char)s[0];
	size_t		len;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		len = 2;
	else if ((c & 0xf0) == 0xe0)
		len = 3;
	else if ((c & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (len > n || !core_utf8_valid(s, len))
		return 0;
	return len;
}

/*
 * A copy of s (of n bytes) with each byte that is not part of valid UTF-8
 * made a '?', and each control character but tab and line feed (C1's
 * two bytes included) made ctl.  Caller frees.
 */
static char *
proto_mon_clean(const char *s, size_t n, char ctl)
{
	char	*q = xmalloc(n + 1);
	size_t	 i, len;

	for (i = 0; i < n; i += len) {
		if ((len = proto_mon_seqlen(s + i, n - i)) == 0) {
			q[i] = '?';
			len = 1;
		} else if (len == 1 && ((unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f) && s[i] != '\t' && s[i] != '\n')
			q[i] = ctl;
		else if (len == 2 && (unsigned char)s[i] == 0xc2 &&
		    (unsigned char)s[i + 1] < 0xa0) {
			/* A C1 control, U+0080 to U+009F. */
			q[i] = ctl;
			q[i + 1] = ctl;
		} else
			memcpy(q + i, s + i, len);
	}
	q[n] = '\0';
	return q;
}

/*
 * s quoted in a cause: at most max bytes (whole characters, then "..." if
 * there was more), on one line.  Caller frees.
 */
static char *
proto_mon_quote_max(const char *s, size_t max)
{
	size_t	n = 0, len;
	char	*q, *p;

	while (s[n] != '\0' && n < max) {
		if ((len = proto_mon_seqlen(s + n, strlen(s + n))) == 0)
			len = 1;
		if (n + len > max)
			break;
		n += len;
	}
	q = proto_mon_clean(s, n, '?');
	for (p = q; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n')
			*p = '?';
	}
	if (s[n] != '\0') {
		p = xasprintf("%s...", q);
		free(q);
		q = p;
	}
	return q;
}

/* s quoted in a cause, at most 40 bytes of it. */
static char *
proto_mon_quote(const char *s)
{
	return proto_mon_quote_max(s, 40);
}

/* The first n bytes of s, quoted as proto_mon_quote does. */
static char *
proto_mon_quote_n(const char *s, size_t n)
{
	char	*c = xstrndup(s, n), *q;

	q = proto_mon_quote_max(c, PROTO_PATH_MAX);
	free(c);
	return q;
}

/*
 * Parse a whole document of len bytes.  Returns the tree (the caller
 * deletes it) or NULL with *cause.
 */
static cJSON *
proto_mon_parse(const char *p, size_t len, char **cause)
{
	cJSON		*o;
	const char	*end = NULL, *q;

	if (len > PROTO_MON_BODY_MAX) {
		*cause = xasprintf("larger than %d bytes", PROTO_MON_BODY_MAX);
		return NULL;
	}
	if (memchr(p, '\0', len) != NULL) {
		*cause = xstrdup("bad JSON: a NUL byte");
		return NULL;
	}
	for (q = p; q < p + len && strchr(" \t\r\n", *q) != NULL; q++)
		/* nothing */;
	if (q == p + len) {
		*cause = xstrdup("bad JSON: empty");
		return NULL;
	}
	if ((o = cJSON_ParseWithLengthOpts(p, len, &end, 0)) == NULL ||
	    end == NULL || end < p || end > p + len) {
		cJSON_Delete(o);
		*cause = xstrdup("bad JSON: not a JSON document");
		return NULL;
	}
	for (q = end; q < p + len; q++) {
		if (strchr(" \t\r\n", *q) == NULL) {
			cJSON_Delete(o);
			*cause = xstrdup("bad JSON: more after the value");
			return NULL;
		}
	}
	return o;
}

/* What kind of JSON value v is, for causes. */
static const char *
proto_mon_kind(const cJSON *v)
{
	if (cJSON_IsObject(v))
		return "an object";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	return "null";
}

/*
 * A number written as text: a JSON number, with blanks around and an
 * optional '+', or NaN or an infinity as Prometheus and Go write them.
 * Returns 0 with *v finite, 1 if it is NaN or infinite (or overflows), or
 * -1 if it is no number.
 */
static int
proto_mon_number(const char *s, double *v)
{
	static const char	*nonfinite[] = { "nan", "inf", "+inf", "-inf",
				    "infinity", "+infinity", "-infinity" };
	cJSON			*o;
	const char		*end = NULL;
	size_t			 n, i;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (i = 0; i < sizeof nonfinite / sizeof nonfinite[0]; i++) {
		if (n == strlen(nonfinite[i]) &&
		    strncasecmp(s, nonfinite[i], n) == 0) {
			*v = NAN;
			return 1;
		}
	}
	if (n > 0 && *s == '+') {
		s++;
		n--;
	}
	/* Only digits, signs, '.', 'e': cJSON reads nothing else here. */
	if (n == 0 || n > 64 || strspn(s, "0123456789+-.eE") < n)
		return -1;
	if (*s == '.' || (*s == '-' && n > 1 && s[1] == '.'))
		return -1;
	if ((o = cJSON_ParseWithLengthOpts(s, n, &end, 0)) == NULL ||
	    !cJSON_IsNumber(o) || end != s + n) {
		cJSON_Delete(o);
		return -1;
	}
	*v = o->valuedouble;
	cJSON_Delete(o);
	return isfinite(*v) ? 0 : 1;
}

/* ---- Prometheus ----------------------------------------------------- */

void
proto_prom_clear(struct proto_prom *pr)
{
	size_t	i;

	for (i = 0; i < pr->nseries; i++) {
		free(pr->series[i].labels);
		free(pr->series[i].text);
	}
	free(pr->series);
	free(pr->type);
	memset(pr, 0, sizeof *pr);
}

/* Append a label value to b as Prometheus quotes it. */
static void
proto_prom_quote(struct buf *b, const char *s)
{
	util_buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			util_buf_addc(b, '\\');
		if (*s == '\n')
			util_buf_adds(b, "\\n");
		else
			util_buf_addc(b, *s);
	}
	util_buf_addc(b, '"');
}

/* A series' metric as name{k="v",...}, or -1 with *cause. */
static int
proto_prom_labels(const cJSON *metric, const char *where, char **out,
    char **cause)
{
	const cJSON	*l;
	struct buf	 b;
	size_t		 n, len;
	char		*s, *p;
	int		 nlabels = 0;

	if (metric != NULL && !cJSON_IsObject(metric)) {
		*cause = xasprintf("%s.metric must be an object", where);
		return -1;
	}
	util_buf_init(&b);
	l = cJSON_GetObjectItemCaseSensitive(metric, "__name__");
	if (cJSON_IsString(l))
		util_buf_adds(&b, l->valuestring);
	util_buf_addc(&b, '{');
	cJSON_ArrayForEach(l, metric) {
		if (!cJSON_IsString(l) || l->string == NULL) {
			util_buf_clear(&b);
			*cause = xasprintf("%s.metric: a label that is not a "
			    "string", where);
			return -1;
		}
		if (strcmp(l->string, "__name__") == 0)
			continue;
		if (nlabels++ > 0)
			util_buf_addc(&b, ',');
		util_buf_adds(&b, l->string);
		util_buf_addc(&b, '=');
		proto_prom_quote(&b, l->valuestring);
	}
	util_buf_addc(&b, '}');
	if (b.len > PROTO_PROM_LABELS_MAX) {
		/* Cut on a character's boundary, and say so. */
		for (n = 0; n < PROTO_PROM_LABELS_MAX - 3; n += len) {
			len = proto_mon_seqlen(b.data + n, b.len - n);
			if (len == 0)
				len = 1;
			if (n + len > PROTO_PROM_LABELS_MAX - 3)
				break;
		}
		b.len = n;
		util_buf_adds(&b, "...");
	}
	/* One line: a tab in a name or value is shown as '?' too. */
	s = proto_mon_clean(b.data, b.len, '?');
	util_buf_clear(&b);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n')
			*p = '?';
	}
	*out = s;
	return 0;
}

/* A sample pair [time, "value"] into ps, or -1 with *cause. */
static int
proto_prom_pair(const cJSON *v, const char *where,
    struct proto_prom_series *ps, char **cause)
{
	const cJSON	*t, *x;
	char		*q;
	int		 rc;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 ||
	    !cJSON_IsNumber(t = cJSON_GetArrayItem(v, 0)) ||
	    !cJSON_IsString(x = cJSON_GetArrayItem(v, 1))) {
		*cause = xasprintf("%s must be [time, \"value\"]", where);
		return -1;
	}
	if (strlen(x->valuestring) > 64 ||
	    (rc = proto_mon_number(x->valuestring, &ps->value)) < 0) {
		q = proto_mon_quote(x->valuestring);
		*cause = xasprintf("%s: \"%s\" is not a number", where, q);
		free(q);
		return -1;
	}
	ps->finite = rc == 0;
	ps->text = xstrdup(x->valuestring);
	return 0;
}

int
proto_prom_decode(const char *p, size_t len, struct proto_prom *pr,
    char **cause)
{
	cJSON		*o;
	const cJSON	*st, *data, *rt, *res, *e, *et;
	char		*q, *q2, where[64];
	size_t		 n, i;

	memset(pr, 0, sizeof *pr);
	if ((o = proto_mon_parse(p, len, cause)) == NULL)
		return -1;
	st = cJSON_GetObjectItemCaseSensitive(o, "status");
	if (!cJSON_IsObject(o) || !cJSON_IsString(st)) {
		*cause = xstrdup("not a Prometheus answer: no \"status\"");
		goto fail;
	}
	if (strcmp(st->valuestring, "success") != 0) {
		et = cJSON_GetObjectItemCaseSensitive(o, "errorType");
		e = cJSON_GetObjectItemCaseSensitive(o, "error");
		q = proto_mon_quote(cJSON_IsString(et) ? et->valuestring :
		    st->valuestring);
		if (cJSON_IsString(e)) {
			q2 = proto_mon_quote_max(e->valuestring, 200);
			*cause = xasprintf("%s: %s", q, q2);
			free(q2);
		} else
			*cause = xasprintf("status %s", q);
		free(q);
		goto fail;
	}
	data = cJSON_GetObjectItemCaseSensitive(o, "data");
	rt = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	res = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsObject(data) || !cJSON_IsString(rt) || res == NULL) {
		*cause = xstrdup("not a Prometheus answer: no data.resultType "
		    "and data.result");
		goto fail;
	}
	if (strcmp(rt->valuestring, "scalar") == 0) {
		pr->type = xstrdup("scalar");
		pr->series = xcalloc(1, sizeof *pr->series);
		if (proto_prom_pair(res, "data.result", &pr->series[0],
		    cause) != 0)
			goto fail;
		pr->series[0].labels = xstrdup("");
		pr->nseries = 1;
		cJSON_Delete(o);
		return 0;
	}
	if (strcmp(rt->valuestring, "vector") != 0) {
		q = proto_mon_quote(rt->valuestring);
		*cause = xasprintf("a %s result, not an instant vector or a "
		    "scalar", q);
		free(q);
		goto fail;
	}
	if (!cJSON_IsArray(res)) {
		*cause = xstrdup("data.result must be an array");
		goto fail;
	}
	pr->type = xstrdup("vector");
	if ((n = (size_t)cJSON_GetArraySize(res)) > PROTO_PROM_SERIES_MAX) {
		*cause = xasprintf("%zu series, more than %d: aggregate the "
		    "query (e.g. max(...))", n, PROTO_PROM_SERIES_MAX);
		goto fail;
	}
	pr->series = xcalloc(n > 0 ? n : 1, sizeof *pr->series);
	i = 0;
	cJSON_ArrayForEach(e, res) {
		snprintf(where, sizeof where, "data.result[%zu]", i);
		if (!cJSON_IsObject(e)) {
			*cause = xasprintf("%s must be an object", where);
			goto fail;
		}
		if (cJSON_GetObjectItemCaseSensitive(e, "value") == NULL &&
		    cJSON_GetObjectItemCaseSensitive(e, "histogram") != NULL) {
			*cause = xasprintf("%s is a native histogram, not a "
			    "number (use histogram_quantile or "
			    "histogram_count)", where);
			goto fail;
		}
		if (proto_prom_labels(cJSON_GetObjectItemCaseSensitive(e,
		    "metric"), where, &pr->series[i].labels, cause) != 0)
			goto fail;
		pr->nseries = i + 1;
		snprintf(where, sizeof where, "data.result[%zu].value", i);
		if (proto_prom_pair(cJSON_GetObjectItemCaseSensitive(e,
		    "value"), where, &pr->series[i], cause) != 0)
			goto fail;
		i++;
	}
	cJSON_Delete(o);
	return 0;

fail:
	cJSON_Delete(o);
	proto_prom_clear(pr);
	return -1;
}

/* ---- JSON paths ----------------------------------------------------- */

struct proto_step {
	char		*name;		/* a member, or NULL for an index */
	long		 index;		/* negative: from the end */
	size_t		 end;		/* offset in the path after it */
};

static void
proto_steps_free(struct proto_step *st, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(st[i].name);
	free(st);
}

/*
 * Split a path into steps.  Returns the steps (caller frees with
 * proto_steps_free) and their count in *n, or NULL with *cause; a path
 * of "$" alone has no steps (the document is the value).
 */
static struct proto_step *
proto_path_parse(const char *path, size_t *n, char **cause)
{
	struct proto_step	*st;
	const char		*p = path, *start;
	struct buf		 b;
	char			 quote;
	long			 idx;
	int			 neg;

	*n = 0;
	if (*path == '\0') {
		*cause = xstrdup("empty JSON path");
		return NULL;
	}
	if (strlen(path) > PROTO_PATH_MAX) {
		*cause = xasprintf("JSON path longer than %d bytes",
		    PROTO_PATH_MAX);
		return NULL;
	}
	st = xcalloc(PROTO_PATH_STEPS, sizeof *st);
	if (*p == '$')
		p++;
	while (*p != '\0') {
		if (*n == PROTO_PATH_STEPS) {
			*cause = xasprintf("JSON path of more than %d steps",
			    PROTO_PATH_STEPS);
			goto fail;
		}
		if (*p == '[') {
			p++;
			if (*p == '"' || *p == '\'') {
				quote = *p++;
				util_buf_init(&b);
				while (*p != '\0' && *p != quote) {
					if (*p == '\\' && p[1] != '\0')
						p++;
					util_buf_addc(&b, *p++);
				}
				if (*p != quote || p[1] != ']') {
					util_buf_clear(&b);
					goto bad;
				}
				p += 2;
				st[*n].name = util_buf_steal(&b);
			} else {
				neg = *p == '-';
				if (neg)
					p++;
				if (*p < '0' || *p > '9')
					goto bad;
				for (idx = 0; *p >= '0' && *p <= '9'; p++) {
					if (idx > 99999999)
						goto bad;
					idx = idx * 10 + (*p - '0');
				}
				if (*p++ != ']')
					goto bad;
				st[*n].index = neg ? -idx : idx;
				if (neg && idx == 0)
					goto bad;
			}
		} else {
			if (*p == '.')
				p++;
			else if (p != path)
				goto bad;
			start = p;
			while (*p != '\0' && *p != '.' && *p != '[')
				p++;
			if (p == start)
				goto bad;
			st[*n].name = xstrndup(start, (size_t)(p - start));
		}
		st[(*n)++].end = (size_t)(p - path);
	}
	return st;

bad:
	{
		char	*q = proto_mon_quote_max(path, PROTO_PATH_MAX);

		*cause = xasprintf("bad JSON path \"%s\" at byte %zu: use "
		    "a.b[0] or $.a[\"b.c\"]", q, (size_t)(p - path) + 1);
		free(q);
	}
fail:
	proto_steps_free(st, *n);
	*n = 0;
	return NULL;
}

int
proto_path_check(const char *path, char **cause)
{
	struct proto_step	*st;
	size_t			 n;

	if ((st = proto_path_parse(path, &n, cause)) == NULL)
		return -1;
	proto_steps_free(st, n);
	return 0;
}

int
proto_path_value(const char *p, size_t len, const char *path, double *value,
    char **cause)
{
	struct proto_step	*st;
	cJSON			*o;
	const cJSON		*v;
	char			*at, *q;
	size_t			 n, i, from;
	long			 size, idx;
	int			 rc;

	if ((st = proto_path_parse(path, &n, cause)) == NULL)
		return -1;
	if ((o = proto_mon_parse(p, len, cause)) == NULL) {
		proto_steps_free(st, n);
		return -1;
	}
	v = o;
	at = NULL;
	for (i = 0; i < n; i++) {
		from = i == 0 ? 0 : st[i - 1].end;
		free(at);
		at = i == 0 ? xstrdup("the document") :
		    proto_mon_quote_n(path, from);
		if (st[i].name != NULL) {
			if (!cJSON_IsObject(v)) {
				*cause = xasprintf("missing path: %s is %s, "
				    "not an object", at, proto_mon_kind(v));
				goto fail;
			}
			v = cJSON_GetObjectItemCaseSensitive(v, st[i].name);
			if (v == NULL) {
				q = proto_mon_quote(st[i].name);
				*cause = xasprintf("missing path: no \"%s\" "
				    "in %s", q, at);
				free(q);
				goto fail;
			}
			continue;
		}
		if (!cJSON_IsArray(v)) {
			*cause = xasprintf("missing path: %s is %s, not an "
			    "array", at, proto_mon_kind(v));
			goto fail;
		}
		size = cJSON_GetArraySize(v);
		idx = st[i].index < 0 ? size + st[i].index : st[i].index;
		if (idx < 0 || idx >= size) {
			*cause = xasprintf("missing path: no element [%ld] in "
			    "%s (of %ld)", st[i].index, at, size);
			goto fail;
		}
		v = cJSON_GetArrayItem(v, (int)idx);
	}
	free(at);
	at = n == 0 ? xstrdup("the document") :
	    proto_mon_quote_max(path, PROTO_PATH_MAX);
	if (cJSON_IsNumber(v)) {
		*value = v->valuedouble;
		if (!isfinite(*value)) {
			*cause = xasprintf("%s is out of range", at);
			goto fail;
		}
	} else if (cJSON_IsBool(v))
		*value = cJSON_IsTrue(v) ? 1 : 0;
	else if (cJSON_IsString(v)) {
		if ((rc = proto_mon_number(v->valuestring, value)) != 0) {
			q = proto_mon_quote(v->valuestring);
			if (rc > 0)
				*cause = xasprintf("%s is \"%s\", not a finite "
				    "number", at, q);
			else
				*cause = xasprintf("%s is a string \"%s\", not "
				    "a number", at, q);
			free(q);
			goto fail;
		}
	} else {
		*cause = xasprintf("%s is %s, not a number", at,
		    proto_mon_kind(v));
		goto fail;
	}
	free(at);
	cJSON_Delete(o);
	proto_steps_free(st, n);
	return 0;

fail:
	free(at);
	cJSON_Delete(o);
	proto_steps_free(st, n);
	return -1;
}

/* ---- strings of hooks ----------------------------------------------- */

/* How a string member is read. */
#define PROTO_STR_TEXT		0x1	/* free text: control characters made
					   spaces, bad UTF-8 made '?' */
#define PROTO_STR_REQUIRED	0x2
#define PROTO_STR_NONEMPTY	0x4

/*
 * The string member key of o (in where, "" at the top), at most max bytes,
 * into *out (a copy; NULL when absent and not required).  Unless
 * PROTO_STR_TEXT, it must be UTF-8 without control characters.  Returns 0,
 * or -1 with *cause.
 */
static int
proto_mon_str(const cJSON *o, const char *where, const char *key, size_t max,
    int flags, char **out, char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);
	const char	*dot = *where != '\0' ? "." : "";
	const char	*s;
	size_t		 n;

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (flags & PROTO_STR_REQUIRED) {
			*cause = xasprintf("missing field \"%s%s%s\"", where,
			    dot, key);
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		*cause = xasprintf("field \"%s%s%s\" must be a string", where,
		    dot, key);
		return -1;
	}
	s = v->valuestring;
	if ((n = strlen(s)) > max) {
		*cause = xasprintf("field \"%s%s%s\" is longer than %zu bytes",
		    where, dot, key, max);
		return -1;
	}
	if (n == 0 && (flags & PROTO_STR_NONEMPTY)) {
		*cause = xasprintf("field \"%s%s%s\" is empty", where, dot,
		    key);
		return -1;
	}
	if (!(flags & PROTO_STR_TEXT) && (!core_text_valid(s, max) ||
	    strpbrk(s, "\t\n") != NULL)) {
		*cause = xasprintf("field \"%s%s%s\" must be UTF-8 text "
		    "without control characters", where, dot, key);
		return -1;
	}
	*out = proto_mon_clean(s, n, ' ');
	return 0;
}

/* A status member, "firing" or "resolved" (or dflt when absent). */
static int
proto_mon_status(const cJSON *o, const char *where, const char *dflt,
    char **out, char **cause)
{
	char	*q;

	if (proto_mon_str(o, where, "status", 32, dflt == NULL ?
	    PROTO_STR_REQUIRED : 0, out, cause) != 0)
		return -1;
	if (*out == NULL)
		*out = xstrdup(dflt);
	if (strcmp(*out, "firing") == 0 || strcmp(*out, "resolved") == 0)
		return 0;
	q = proto_mon_quote(*out);
	*cause = xasprintf("field \"%s%sstatus\" is \"%s\", not \"firing\" "
	    "or \"resolved\"", where, *where != '\0' ? "." : "", q);
	free(q);
	free(*out);
	*out = NULL;
	return -1;
}

/* Days from 1970-01-01 to a date of the proleptic Gregorian calendar. */
static int64_t
proto_mon_days(int64_t y, int64_t m, int64_t d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at s as a number, or -1. */
static int
proto_mon_digits(const char *s, int n)
{
	int	v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/*
 * An RFC 3339 time ("2023-02-06T13:08:45.828Z", "...+02:00") as ms since
 * the epoch; Go's zero time (year 1) is 0.  Returns 0, or -1.
 */
static int
proto_mon_time(const char *s, int64_t *ms)
{
	int	y, mo, d, h, mi, sec, oh, om, frac = 0, scale = 100;
	int64_t	off = 0;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (strlen(s) < 20 || (y = proto_mon_digits(s, 4)) < 0 ||
	    s[4] != '-' || (mo = proto_mon_digits(s + 5, 2)) < 1 || mo > 12 ||
	    s[7] != '-' || (d = proto_mon_digits(s + 8, 2)) < 1 ||
	    d > mdays[mo - 1] || strchr("Tt ", s[10]) == NULL ||
	    (h = proto_mon_digits(s + 11, 2)) < 0 || h > 23 || s[13] != ':' ||
	    (mi = proto_mon_digits(s + 14, 2)) < 0 || mi > 59 ||
	    s[16] != ':' || (sec = proto_mon_digits(s + 17, 2)) < 0 ||
	    sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -1;
		for (s++; *s >= '0' && *s <= '9'; s++) {
			frac += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		if ((oh = proto_mon_digits(s + 1, 2)) < 0 || oh > 23 ||
		    s[3] != ':' || (om = proto_mon_digits(s + 4, 2)) < 0 ||
		    om > 59)
			return -1;
		off = (int64_t)(oh * 60 + om) * 60000;
		if (*s == '-')
			off = -off;
		s += 6;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	if (y == 1 && mo == 1 && d == 1 && h == 0 && mi == 0 && sec == 0 &&
	    frac == 0 && off == 0) {
		*ms = 0;
		return 0;
	}
	*ms = ((proto_mon_days(y, mo, d) * 24 + h) * 60 + mi) * 60000 +
	    (int64_t)sec * 1000 + frac - off;
	return 0;
}

/* A time member into *text and *ms (0 when absent and optional). */
static int
proto_mon_time_get(const cJSON *o, const char *where, const char *key,
    int required, char **text, int64_t *ms, char **cause)
{
	char	*q;

	*ms = 0;
	if (proto_mon_str(o, where, key, 64, required ? PROTO_STR_REQUIRED : 0,
	    text, cause) != 0)
		return -1;
	if (*text == NULL || proto_mon_time(*text, ms) == 0)
		return 0;
	q = proto_mon_quote(*text);
	*cause = xasprintf("field \"%s.%s\" is \"%s\", not an RFC 3339 time",
	    where, key, q);
	free(q);
	return -1;
}

/* ---- Alertmanager --------------------------------------------------- */

static void
proto_am_alert_clear(struct proto_am_alert *a)
{
	size_t	i;

	free(a->status);
	free(a->fingerprint);
	free(a->alertname);
	free(a->severity);
	free(a->instance);
	free(a->incident);
	for (i = 0; i < a->nlabels; i++)
		free(a->labels[i]);
	free(a->labels);
	free(a->summary);
	free(a->description);
	free(a->starts);
	free(a->ends);
	free(a->generator_url);
	memset(a, 0, sizeof *a);
}

void
proto_am_clear(struct proto_am *am)
{
	size_t	i;

	for (i = 0; i < am->nalerts; i++)
		proto_am_alert_clear(&am->alerts[i]);
	free(am->alerts);
	free(am->receiver);
	free(am->status);
	free(am->group_key);
	free(am->external_url);
	memset(am, 0, sizeof *am);
}

/* An alert's labels: every one as "name=value", the usual ones apart. */
static int
proto_am_labels(const cJSON *e, const char *where, struct proto_am_alert *a,
    char **cause)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} common[] = {
		{ "alertname", offsetof(struct proto_am_alert, alertname) },
		{ "severity", offsetof(struct proto_am_alert, severity) },
		{ "instance", offsetof(struct proto_am_alert, instance) },
		{ "concord_incident", offsetof(struct proto_am_alert,
		    incident) },
	};
	const cJSON	*ls, *l;
	char		*v, **slot, *q, sub[64];
	size_t		 n, i;

	ls = cJSON_GetObjectItemCaseSensitive(e, "labels");
	if (ls == NULL) {
		*cause = xasprintf("missing field \"%s.labels\"", where);
		return -1;
	}
	if (!cJSON_IsObject(ls)) {
		*cause = xasprintf("field \"%s.labels\" must be an object",
		    where);
		return -1;
	}
	if ((n = (size_t)cJSON_GetArraySize(ls)) > PROTO_AM_LABELS_MAX) {
		*cause = xasprintf("%s has %zu labels, more than %d", where, n,
		    PROTO_AM_LABELS_MAX);
		return -1;
	}
	a->labels = xcalloc(n > 0 ? n : 1, sizeof *a->labels);
	cJSON_ArrayForEach(l, ls) {
		if (l->string == NULL || *l->string == '\0' ||
		    strlen(l->string) > PROTO_AM_NAME_MAX ||
		    !core_text_valid(l->string, PROTO_AM_NAME_MAX) ||
		    strpbrk(l->string, "=\t\n") != NULL) {
			q = proto_mon_quote(l->string != NULL ? l->string : "");
			*cause = xasprintf("%s: bad label name \"%s\"", where,
			    q);
			free(q);
			return -1;
		}
		snprintf(sub, sizeof sub, "%s.labels", where);
		if (proto_mon_str(ls, sub, l->string, PROTO_AM_TEXT_MAX,
		    PROTO_STR_TEXT, &v, cause) != 0)
			return -1;
		a->labels[a->nlabels++] = xasprintf("%s=%s", l->string, v);
		for (i = 0; i < sizeof common / sizeof common[0]; i++) {
			if (strcmp(l->string, common[i].name) != 0)
				continue;
			slot = (char **)((char *)a + common[i].off);
			free(*slot);
			*slot = xstrdup(v);
		}
		free(v);
	}
	return 0;
}

/* An alert's annotations: every value a string, two of them kept. */
static int
proto_am_annotations(const cJSON *e, const char *where,
    struct proto_am_alert *a, char **cause)
{
	const cJSON	*as, *x;
	char		 sub[64];

	as = cJSON_GetObjectItemCaseSensitive(e, "annotations");
	if (as == NULL || cJSON_IsNull(as))
		return 0;
	if (!cJSON_IsObject(as)) {
		*cause = xasprintf("field \"%s.annotations\" must be an object",
		    where);
		return -1;
	}
	if (cJSON_GetArraySize(as) > PROTO_AM_LABELS_MAX) {
		*cause = xasprintf("%s has more than %d annotations", where,
		    PROTO_AM_LABELS_MAX);
		return -1;
	}
	cJSON_ArrayForEach(x, as) {
		if (!cJSON_IsString(x) || strlen(x->valuestring) >
		    PROTO_AM_TEXT_MAX) {
			*cause = xasprintf("%s: every annotation must be a "
			    "string of at most %d bytes", where,
			    PROTO_AM_TEXT_MAX);
			return -1;
		}
	}
	snprintf(sub, sizeof sub, "%s.annotations", where);
	if (proto_mon_str(as, sub, "summary", PROTO_AM_TEXT_MAX,
	    PROTO_STR_TEXT, &a->summary, cause) != 0 ||
	    proto_mon_str(as, sub, "description", PROTO_AM_TEXT_MAX,
	    PROTO_STR_TEXT, &a->description, cause) != 0)
		return -1;
	return 0;
}

static int
proto_am_alert_decode(const cJSON *e, const char *where,
    struct proto_am_alert *a, char **cause)
{
	const char	*f;

	if (!cJSON_IsObject(e)) {
		*cause = xasprintf("%s must be an object", where);
		return -1;
	}
	if (proto_mon_status(e, where, NULL, &a->status, cause) != 0 ||
	    proto_mon_str(e, where, "fingerprint", 64, PROTO_STR_REQUIRED |
	    PROTO_STR_NONEMPTY, &a->fingerprint, cause) != 0)
		return -1;
	for (f = a->fingerprint; *f != '\0'; f++) {
		if (strchr("0123456789abcdefABCDEF", *f) == NULL) {
			*cause = xasprintf("field \"%s.fingerprint\" must be "
			    "hex digits", where);
			return -1;
		}
	}
	if (proto_am_labels(e, where, a, cause) != 0 ||
	    proto_am_annotations(e, where, a, cause) != 0 ||
	    proto_mon_time_get(e, where, "startsAt", 1, &a->starts,
	    &a->starts_ms, cause) != 0 ||
	    proto_mon_time_get(e, where, "endsAt", 0, &a->ends, &a->ends_ms,
	    cause) != 0 ||
	    proto_mon_str(e, where, "generatorURL", PROTO_AM_TEXT_MAX, 0,
	    &a->generator_url, cause) != 0)
		return -1;
	return 0;
}

int
proto_am_decode(const char *p, size_t len, struct proto_am *am, char **cause)
{
	cJSON		*o;
	const cJSON	*v, *e;
	char		*q, where[32];
	size_t		 n;

	memset(am, 0, sizeof *am);
	if ((o = proto_mon_parse(p, len, cause)) == NULL)
		return -1;
	if (!cJSON_IsObject(o)) {
		*cause = xstrdup("not a JSON object");
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	if (v == NULL) {
		*cause = xstrdup("missing field \"version\": not an "
		    "Alertmanager webhook");
		goto fail;
	}
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "4") != 0) {
		q = proto_mon_quote(cJSON_IsString(v) ? v->valuestring :
		    proto_mon_kind(v));
		*cause = xasprintf("webhook version \"%s\": concord reads "
		    "version 4", q);
		free(q);
		goto fail;
	}
	if (proto_mon_str(o, "", "receiver", PROTO_AM_TEXT_MAX,
	    PROTO_STR_REQUIRED, &am->receiver, cause) != 0 ||
	    proto_mon_status(o, "", NULL, &am->status, cause) != 0 ||
	    proto_mon_str(o, "", "groupKey", PROTO_AM_TEXT_MAX,
	    PROTO_STR_REQUIRED | PROTO_STR_TEXT, &am->group_key, cause) != 0 ||
	    proto_mon_str(o, "", "externalURL", PROTO_AM_TEXT_MAX, 0,
	    &am->external_url, cause) != 0)
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(o, "truncatedAlerts");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > (double)CORE_INT_MAX ||
		    v->valuedouble != (double)(int64_t)v->valuedouble) {
			*cause = xstrdup("field \"truncatedAlerts\" must be a "
			    "count");
			goto fail;
		}
		am->truncated = (int64_t)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "alerts");
	if (v == NULL) {
		*cause = xstrdup("missing field \"alerts\"");
		goto fail;
	}
	if (!cJSON_IsArray(v)) {
		*cause = xstrdup("field \"alerts\" must be an array");
		goto fail;
	}
	if ((n = (size_t)cJSON_GetArraySize(v)) > PROTO_AM_ALERTS_MAX) {
		*cause = xasprintf("%zu alerts, more than %d: set max_alerts "
		    "in the webhook's configuration", n, PROTO_AM_ALERTS_MAX);
		goto fail;
	}
	am->alerts = xcalloc(n > 0 ? n : 1, sizeof *am->alerts);
	cJSON_ArrayForEach(e, v) {
		snprintf(where, sizeof where, "alerts[%zu]", am->nalerts);
		/* Counted first, so a failed alert is freed with the rest. */
		am->nalerts++;
		if (proto_am_alert_decode(e, where,
		    &am->alerts[am->nalerts - 1], cause) != 0)
			goto fail;
	}
	cJSON_Delete(o);
	return 0;

fail:
	cJSON_Delete(o);
	proto_am_clear(am);
	return -1;
}

/* ---- the generic hook ----------------------------------------------- */

void
proto_hook_clear(struct proto_hook *h)
{
	free(h->title);
	free(h->text);
	free(h->severity);
	free(h->incident);
	free(h->status);
	free(h->key);
	memset(h, 0, sizeof *h);
}

/* A name member (severity, incident): absent, or a core name. */
static int
proto_hook_name(const cJSON *o, const char *key, char **out, char **cause)
{
	if (proto_mon_str(o, "", key, PROTO_HOOK_WORD_MAX, PROTO_STR_NONEMPTY,
	    out, cause) != 0)
		return -1;
	if (*out == NULL || core_name_valid(*out))
		return 0;
	*cause = xasprintf("field \"%s\" must be 1-%d letters, digits or "
	    "._@-", key, CORE_NAME_MAX);
	free(*out);
	*out = NULL;
	return -1;
}

int
proto_hook_decode(const char *p, size_t len, struct proto_hook *h,
    char **cause)
{
	cJSON	*o;
	char	*s;

	memset(h, 0, sizeof *h);
	if ((o = proto_mon_parse(p, len, cause)) == NULL)
		return -1;
	if (!cJSON_IsObject(o)) {
		*cause = xstrdup("not a JSON object");
		goto fail;
	}
	if (proto_mon_str(o, "", "title", PROTO_HOOK_TITLE_MAX,
	    PROTO_STR_REQUIRED | PROTO_STR_NONEMPTY | PROTO_STR_TEXT,
	    &h->title, cause) != 0 ||
	    proto_mon_str(o, "", "text", PROTO_HOOK_TEXT_MAX, PROTO_STR_TEXT,
	    &h->text, cause) != 0 ||
	    proto_hook_name(o, "severity", &h->severity, cause) != 0 ||
	    proto_hook_name(o, "incident", &h->incident, cause) != 0 ||
	    proto_mon_status(o, "", "firing", &h->status, cause) != 0 ||
	    proto_mon_str(o, "", "key", PROTO_HOOK_WORD_MAX,
	    PROTO_STR_NONEMPTY, &h->key, cause) != 0)
		goto fail;
	/* A title is one line. */
	for (s = h->title; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\t')
			*s = ' ';
	}
	if (strcmp(h->status, "resolved") == 0 && h->key == NULL) {
		*cause = xstrdup("a resolved hook needs the \"key\" it fired "
		    "with");
		goto fail;
	}
	cJSON_Delete(o);
	return 0;

fail:
	cJSON_Delete(o);
	proto_hook_clear(h);
	return -1;
}
