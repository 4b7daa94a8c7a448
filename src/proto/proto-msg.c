/*
 * Encoding and decoding of protocol messages (see proto.h and
 * concord-protocol(7)).
 *
 * Decoding is strict about types: a field of the wrong JSON type, a
 * missing required field, or a number that is not an exact integer in the
 * field's range is an error with a message naming the field.  Integers
 * never pass through a double: every number keeps the text it was written
 * as (proto_parse) and is read exactly from it, and every integer is
 * written with %lld, so any value in range arrives as it was sent.  Unknown
 * fields are ignored so that later minor additions stay readable.
 *
 * The fields of an event are read and written from the core's field table,
 * the same table the canonical encoding uses: an event object is accepted
 * only if it obeys every field rule (core_event_valid), exactly as the
 * canonical decoder accepts it.  A command is checked for shape only
 * (integer ranges, list lengths, its operation id); its names and text are
 * the model's to refuse with a reason.  Every other string a hub sends must
 * be UTF-8 text.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto.h"
#include "util.h"

/* Integers in a message that is not an event: any in +-(2^53 - 1). */
#define PROTO_ANY	(-CORE_INT_MAX), CORE_INT_MAX
#define PROTO_COUNT	0, CORE_INT_MAX
#define PROTO_BOOL	0, 1
/* Strings in hub messages other than events: text of any length. */
#define PROTO_TEXT_MAX	PROTO_MAX_MSG
static const char *proto_kind_names[PROTO_KIND_COUNT] = {
	[PROTO_HELLO] = "hello",
	[PROTO_WELCOME] = "welcome",
	[PROTO_COMMAND] = "command",
	[PROTO_ACK] = "ack",
	[PROTO_REFUSED] = "refused",
	[PROTO_EVENTS] = "events",
	[PROTO_PING] = "ping",
	[PROTO_PONG] = "pong",
	[PROTO_ERROR] = "error",
	[PROTO_LIST] = "list",
	[PROTO_INCIDENTS] = "incidents",
	[PROTO_SNAPSHOT] = "snapshot",
	[PROTO_PRESENCE] = "presence",
	[PROTO_LEASE] = "lease",
	[PROTO_TELEMETRY] = "telemetry",
	[PROTO_NOTICE] = "notice",
};

const char *
proto_kind_name(enum proto_kind k)
{
	if ((int)k < 0 || k >= PROTO_KIND_COUNT)
		return "?";
	return proto_kind_names[k];
}

void
proto_msg_init(struct proto_msg *m, enum proto_kind kind)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->version = PROTO_VERSION;
	m->from = -1;
	m->based_on = -1;
	core_event_init(&m->cmd);
}

void
proto_msg_clear(struct proto_msg *m)
{
	size_t	i;

	free(m->user);
	free(m->token);
	free(m->incident);
	free(m->op);
	free(m->code);
	free(m->message);
	free(m->hub);
	core_event_clear(&m->cmd);
	for (i = 0; i < m->nevents; i++)
		core_event_clear(&m->events[i]);
	free(m->events);
	free(m->hashes);
	free(m->hashed);
	for (i = 0; i < m->nincidents; i++) {
		free(m->incidents[i].id);
		free(m->incidents[i].title);
		free(m->incidents[i].status);
		free(m->incidents[i].ic);
	}
	free(m->incidents);
	for (i = 0; i < m->nusers; i++)
		free(m->users[i].user);
	free(m->users);
	for (i = 0; i < m->nfeeds; i++)
		proto_feed_clear(&m->feeds[i]);
	free(m->feeds);
	free(m->name);
	if (m->state != NULL) {
		core_state_clear(m->state);
		free(m->state);
	}
	proto_msg_init(m, m->kind);
}

/* ---- exact JSON --------------------------------------------------- */

/* Where proto_parse is in the JSON text while it pairs numbers. */
struct proto_scan {
	const char	*p;
	const char	*end;
};

/*
 * Find the next number outside strings in the text.  Returns 1 with the
 * token in *tok and *n, or 0 at the end.  cJSON reads a number as the
 * longest run of these characters (and fails if its value ends sooner),
 * so a text cJSON parsed holds its numbers exactly as these runs.
 */
static int
proto_scan_number(struct proto_scan *sc, const char **tok, size_t *n)
{
	char	c;

	while (sc->p < sc->end) {
		c = *sc->p;
		if (c == '"') {
			while (++sc->p < sc->end && *sc->p != '"') {
				if (*sc->p == '\\' && sc->p + 1 < sc->end)
					sc->p++;
			}
			if (sc->p < sc->end)
				sc->p++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			*tok = sc->p;
			while (sc->p < sc->end && *sc->p != '\0' &&
			    strchr("0123456789+-eE.", *sc->p) != NULL)
				sc->p++;
			*n = (size_t)(sc->p - *tok);
			return 1;
		}
		sc->p++;
	}
	return 0;
}

/*
 * Give every number item, in document order, the text it was written as:
 * the item becomes a raw item holding that text.  Returns 0, or -1 if the
 * numbers in the text and in the tree do not pair up.
 */
static int
proto_pair_numbers(cJSON *it, struct proto_scan *sc)
{
	const char	*tok;
	size_t		 n;

	for (; it != NULL; it = it->next) {
		if (cJSON_IsNumber(it)) {
			if (!proto_scan_number(sc, &tok, &n))
				return -1;
			if ((it->valuestring = cJSON_malloc(n + 1)) == NULL)
				fatalx("out of memory decoding JSON");
			memcpy(it->valuestring, tok, n);
			it->valuestring[n] = '\0';
			it->type = cJSON_Raw;
		}
		/* cJSON nests at most CJSON_NESTING_LIMIT deep. */
		if (it->child != NULL && proto_pair_numbers(it->child, sc) != 0)
			return -1;
	}
	return 0;
}

/*
 * Parse len bytes of JSON text: exactly one value with nothing but white
 * space after it, its numbers kept as written (see proto_pair_numbers).
 * Returns the tree (free with cJSON_Delete), or NULL with *cause.
 */
static cJSON *
proto_parse(const char *p, size_t len, char **cause)
{
	cJSON			*o;
	const char		*end = NULL, *q, *tok;
	struct proto_scan	 sc;
	size_t			 n;

	if ((o = cJSON_ParseWithLengthOpts(p, len, &end, 0)) == NULL ||
	    end == NULL || end < p || end > p + len) {
		cJSON_Delete(o);
		*cause = xstrdup("malformed JSON");
		return NULL;
	}
	for (q = end; q < p + len; q++) {
		if (strchr(" \t\r\n", *q) == NULL || *q == '\0') {
			cJSON_Delete(o);
			*cause = xstrdup("malformed JSON: more after the "
			    "value");
			return NULL;
		}
	}
	sc.p = p;
	sc.end = end;
	if (proto_pair_numbers(o, &sc) != 0 ||
	    proto_scan_number(&sc, &tok, &n)) {
		cJSON_Delete(o);
		*cause = xstrdup("malformed JSON: numbers out of step");
		return NULL;
	}
	return o;
}

#define PROTO_NUM_SYNTAX	(-1)	/* not a JSON number */
#define PROTO_NUM_FRACTION	(-2)	/* not an integer */
#define PROTO_NUM_RANGE		(-3)	/* beyond +-(2^53 - 1) */

/*
 * Read the JSON number s exactly.  Any form whose value is an integer is
 * one (10, 1e1, 10.0, 100e-1); its magnitude must be at most CORE_INT_MAX.
 * Returns 0 with *out, or PROTO_NUM_*.
 */
static int
proto_num_parse(const char *s, int64_t *out)
{
	char		 dig[128];
	const char	*p = s;
	size_t		 nd = 0, first, i;
	int64_t		 scale = 0, exp = 0, v = 0;
	int		 neg = 0, eneg = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == '0')
		dig[nd++] = *p++;
	else if (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9') {
			if (nd == sizeof dig)
				return PROTO_NUM_RANGE;
			dig[nd++] = *p++;
		}
	} else
		return PROTO_NUM_SYNTAX;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return PROTO_NUM_SYNTAX;
		while (*p >= '0' && *p <= '9') {
			if (nd == sizeof dig)
				return PROTO_NUM_RANGE;
			dig[nd++] = *p++;
			scale--;
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		if (*p < '0' || *p > '9')
			return PROTO_NUM_SYNTAX;
		while (*p >= '0' && *p <= '9') {
			if (exp < 1000000)
				exp = exp * 10 + (*p - '0');
			p++;
		}
	}
	if (*p != '\0')
		return PROTO_NUM_SYNTAX;
	scale += eneg ? -exp : exp;
	for (first = 0; first < nd && dig[first] == '0'; first++)
		;
	if (first == nd) {
		*out = 0;		/* 0, -0, 0e99, 0.000 */
		return 0;
	}
	while (dig[nd - 1] == '0') {
		nd--;
		scale++;
	}
	if (scale < 0)
		return PROTO_NUM_FRACTION;
	if ((int64_t)(nd - first) + scale > 16)
		return PROTO_NUM_RANGE;	/* 10^16 > CORE_INT_MAX */
	for (i = first; i < nd; i++)
		v = v * 10 + (dig[i] - '0');
	while (scale-- > 0)
		v *= 10;
	if (v > CORE_INT_MAX)
		return PROTO_NUM_RANGE;
	*out = neg ? -v : v;
	return 0;
}

/* ---- decoding ------------------------------------------------------- */

static int	proto_decode_snapshot(const cJSON *, struct proto_msg *, int64_t,
		    char **);
static int	proto_decode_telemetry(const cJSON *, struct proto_msg *,
		    char **);
static void	proto_put_telemetry(cJSON *, const struct proto_msg *);

/*
 * A copy of s fit to quote in a message: at most max bytes, and every
 * byte that is not part of printable UTF-8 text made a '?'.  Caller frees.
 */
static char *
proto_quote(const char *s, size_t max)
{
	char	*q = xstrndup(s, max), one[5];
	size_t	 i, len;

	for (i = 0; q[i] != '\0'; i += len) {
		for (len = 4; len > 0; len--) {
			if (i + len > strlen(q))
				continue;
			memcpy(one, q + i, len);
			one[len] = '\0';
			if (core_text_valid(one, len) &&
			    strpbrk(one, "\t\n") == NULL)
				break;
		}
		if (len == 0) {
			q[i] = '?';
			len = 1;
		}
	}
	return q;
}

/*
 * The command named type (which is freed), or NULL with *cause: what,
 * then the name quoted.
 */
static const struct core_cmd_entry *
proto_cmd_find(char *type, const char *what, char **cause)
{
	const struct core_cmd_entry	*ce;
	char				*q;

	if ((ce = core_cmd_find(type)) == NULL) {
		q = proto_quote(type, 40);
		*cause = xasprintf("%s \"%s\"", what, q);
		free(q);
	}
	free(type);
	return ce;
}

/* A string member v (NULL when absent) named key. */
static int
proto_str_at(const cJSON *v, const char *key, char **out, int required,
    char **cause)
{
	if (v == NULL || cJSON_IsNull(v)) {
		if (required) {
			*cause = xasprintf("missing field \"%s\"", key);
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		*cause = xasprintf("field \"%s\" must be a string", key);
		return -1;
	}
	free(*out);
	*out = xstrdup(v->valuestring);
	return 0;
}

static int
proto_get_str(const cJSON *o, const char *key, char **out, int required,
    char **cause)
{
	return proto_str_at(cJSON_GetObjectItemCaseSensitive(o, key), key,
	    out, required, cause);
}

/*
 * An integer: a JSON number whose value is an exact integer in [min,
 * max]; true and false are read as 1 and 0.
 */
static int
proto_int_at(const cJSON *v, const char *key, int64_t *out, int64_t min,
    int64_t max, int required, char **cause)
{
	int64_t		 n;
	int		 rc;

	if (v == NULL || cJSON_IsNull(v)) {
		if (required) {
			*cause = xasprintf("missing field \"%s\"", key);
			return -1;
		}
		return 0;
	}
	if (cJSON_IsBool(v))
		n = cJSON_IsTrue(v);
	else if (!cJSON_IsRaw(v) || v->valuestring == NULL) {
		*cause = xasprintf("field \"%s\" must be a number", key);
		return -1;
	} else if ((rc = proto_num_parse(v->valuestring, &n)) != 0) {
		if (rc == PROTO_NUM_SYNTAX)
			*cause = xasprintf("field \"%s\" must be a number in "
			    "JSON's form", key);
		else if (rc == PROTO_NUM_FRACTION)
			*cause = xasprintf("field \"%s\" must be an integer",
			    key);
		else
			*cause = xasprintf("field \"%s\" must be an integer "
			    "from %lld to %lld", key, (long long)min,
			    (long long)max);
		return -1;
	}
	if (n < min || n > max) {
		*cause = xasprintf("field \"%s\" must be an integer from %lld "
		    "to %lld", key, (long long)min, (long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

static int
proto_get_int(const cJSON *o, const char *key, int64_t *out, int64_t min,
    int64_t max, int required, char **cause)
{
	return proto_int_at(cJSON_GetObjectItemCaseSensitive(o, key), key,
	    out, min, max, required, cause);
}

/* A boolean: true, false, 1 or 0. */
static int
proto_get_bool(const cJSON *o, const char *key, int *out, char **cause)
{
	int64_t	v = 0;

	if (proto_get_int(o, key, &v, PROTO_BOOL, 0, cause) != 0)
		return -1;
	*out = v != 0;
	return 0;
}

/* An array, absent (NULL) or null; or -1 with *cause. */
static int
proto_array_at(const cJSON *v, const char *key, const cJSON **out,
    char **cause)
{
	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v)) {
		*cause = xasprintf("field \"%s\" must be an array", key);
		return -1;
	}
	*out = v;
	return 0;
}

static int
proto_get_array(const cJSON *o, const char *key, const cJSON **out,
    char **cause)
{
	return proto_array_at(cJSON_GetObjectItemCaseSensitive(o, key), key,
	    out, cause);
}

static int
proto_list_at(const cJSON *a, const char *key, char ***list, size_t *n,
    size_t max, char **cause)
{
	const cJSON	*v, *e;

	if (proto_array_at(a, key, &v, cause) != 0)
		return -1;
	if (v == NULL)
		return 0;
	if ((size_t)cJSON_GetArraySize(v) > max) {
		*cause = xasprintf("field \"%s\" has more than %zu entries",
		    key, max);
		return -1;
	}
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e) || e->valuestring == NULL) {
			*cause = xasprintf("entries of \"%s\" must be strings",
			    key);
			return -1;
		}
		core_list_add(list, n, e->valuestring);
	}
	return 0;
}

static int
proto_get_list(const cJSON *o, const char *key, char ***list, size_t *n,
    size_t max, char **cause)
{
	return proto_list_at(cJSON_GetObjectItemCaseSensitive(o, key), key,
	    list, n, max, cause);
}

static int
proto_get_hash(const cJSON *o, const char *key, unsigned char *out,
    int required, char **cause)
{
	char	*s = NULL;
	int	 rc;

	if (proto_get_str(o, key, &s, required, cause) != 0)
		return -1;
	if (s == NULL)
		return 0;
	rc = util_hex_decode(s, out, CORE_HASH_LEN);
	free(s);
	if (rc != 0)
		*cause = xasprintf("field \"%s\" must be 64 hex digits", key);
	return rc;
}

/*
 * Decode the event fields of o into e, from the core's field table; the
 * member typekey names the event type.
 */
static int
proto_event_fields(const cJSON *o, const char *typekey, struct core_event *e,
    char **cause)
{
	const struct core_cmd_entry	*ce;
	const struct core_field		*tab, *f;
	const cJSON			*at[PROTO_FIELDS_MAX], *v;
	char				*type = NULL, ***l;
	size_t				 nf, i, *n;

	if (proto_get_str(o, typekey, &type, 1, cause) != 0)
		return -1;
	if ((ce = proto_cmd_find(type, "unknown command", cause)) == NULL)
		return -1;
	e->type = ce->type;
	tab = core_field_table(&nf);
	if (nf > PROTO_FIELDS_MAX)
		nf = PROTO_FIELDS_MAX;	/* never: test-proto holds it */

	/* Each field's member, the first of its name, in one pass. */
	memset(at, 0, sizeof at);
	cJSON_ArrayForEach(v, o) {
		if (v->string != NULL && (f = core_field_find(v->string)) !=
		    NULL && (size_t)(f - tab) < nf && at[f - tab] == NULL)
			at[f - tab] = v;
	}
	for (i = 0; i < nf; i++) {
		f = &tab[i];
		switch (f->kind) {
		case CORE_FIELD_INT:
			if (proto_int_at(at[i], f->key, core_field_int(e, f),
			    f->min, f->max, 0, cause) != 0)
				return -1;
			break;
		case CORE_FIELD_STR:
			if (proto_str_at(at[i], f->key, core_field_str(e, f),
			    0, cause) != 0)
				return -1;
			break;
		case CORE_FIELD_LIST:
			l = core_field_list(e, f, &n);
			if (proto_list_at(at[i], f->key, l, n, (size_t)f->max,
			    cause) != 0)
				return -1;
			break;
		case CORE_FIELD_TYPE:
			break;
		}
	}
	return 0;
}

/*
 * Decode an array of event objects, each obeying every field rule.  Each
 * carries the chain value after it when every is set; otherwise only the
 * last must (the reader computes the others, and the last one checks them).
 */
static int
proto_decode_events(const cJSON *o, const char *key, int every,
    struct proto_msg *m, char **cause)
{
	const cJSON	*items = cJSON_GetObjectItemCaseSensitive(o, key);
	const cJSON	*it;
	char		*why;
	size_t		 n, i = 0;

	if (!cJSON_IsArray(items)) {
		*cause = xasprintf("field \"%s\" must be an array", key);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(items);
	m->events = xcalloc(n + 1, sizeof *m->events);
	m->hashes = xcalloc(n + 1, sizeof *m->hashes);
	m->hashed = xcalloc(n + 1, 1);
	cJSON_ArrayForEach(it, items) {
		core_event_init(&m->events[i]);
		m->nevents = i + 1;
		if (!cJSON_IsObject(it)) {
			*cause = xstrdup("events must be objects");
			return -1;
		}
		if (proto_event_fields(it, "type", &m->events[i], cause) != 0 ||
		    proto_get_hash(it, "hash", m->hashes[i],
		    every || i + 1 == n, cause) != 0)
			return -1;
		m->hashed[i] = cJSON_GetObjectItemCaseSensitive(it,
		    "hash") != NULL;
		if (core_event_valid(&m->events[i], CORE_VALID_EVENT,
		    &why) != 0) {
			*cause = xasprintf("event %zu: %s", i + 1, why);
			free(why);
			return -1;
		}
		i++;
	}
	return 0;
}

static int
proto_decode_presence(const cJSON *o, struct proto_msg *m, char **cause)
{
	const cJSON	*items = cJSON_GetObjectItemCaseSensitive(o, "users");
	const cJSON	*it;

	if (!cJSON_IsArray(items)) {
		*cause = xstrdup("field \"users\" must be an array");
		return -1;
	}
	m->users = xcalloc((size_t)cJSON_GetArraySize(items) + 1,
	    sizeof *m->users);
	cJSON_ArrayForEach(it, items) {
		if (proto_get_str(it, "user", &m->users[m->nusers].user, 1,
		    cause) != 0)
			return -1;
		m->nusers++;
		if (proto_get_int(it, "seq", &m->users[m->nusers - 1].seq,
		    m->delta ? PROTO_PRESENCE_GONE : 0, CORE_INT_MAX, 0,
		    cause) != 0)
			return -1;
	}
	return 0;
}

void
proto_presence_free(struct proto_presence *users, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(users[i].user);
	free(users);
}

void
proto_presence_apply(struct proto_presence **users, size_t *n,
    struct proto_msg *m)
{
	struct proto_presence	*u, *d;
	size_t			 i, j;

	if (!m->delta) {
		proto_presence_free(*users, *n);
		*users = m->users;
		*n = m->nusers;
		m->users = NULL;
		m->nusers = 0;
		return;
	}
	for (j = 0; j < m->nusers; j++) {
		d = &m->users[j];
		for (i = 0; i < *n; i++) {
			if (strcmp((*users)[i].user, d->user) == 0)
				break;
		}
		if (d->seq == PROTO_PRESENCE_GONE) {
			if (i == *n) {
				free(d->user);
				continue;
			}
			free((*users)[i].user);
			(*users)[i] = (*users)[--*n];
			free(d->user);
			continue;
		}
		if (i == *n) {
			*users = xreallocarray(*users, *n + 1, sizeof **users);
			u = &(*users)[(*n)++];
			u->user = d->user;
		} else {
			u = &(*users)[i];
			free(d->user);
		}
		u->seq = d->seq;
	}
	free(m->users);
	m->users = NULL;
	m->nusers = 0;
}

static int
proto_decode_incidents(const cJSON *o, struct proto_msg *m, char **cause)
{
	const cJSON		*items = cJSON_GetObjectItemCaseSensitive(o, "items");
	const cJSON		*it;
	struct proto_incident	*pi;
	size_t			 n;

	if (!cJSON_IsArray(items)) {
		*cause = xstrdup("field \"items\" must be an array");
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(items);
	m->incidents = xcalloc(n + 1, sizeof *m->incidents);
	cJSON_ArrayForEach(it, items) {
		pi = &m->incidents[m->nincidents++];
		if (proto_get_str(it, "id", &pi->id, 1, cause) != 0 ||
		    proto_get_str(it, "title", &pi->title, 0, cause) != 0 ||
		    proto_get_str(it, "status", &pi->status, 0, cause) != 0 ||
		    proto_get_str(it, "ic", &pi->ic, 0, cause) != 0 ||
		    proto_get_int(it, "sev", &pi->sev, 0, 4, 0, cause) != 0 ||
		    proto_get_int(it, "seq", &pi->seq, PROTO_COUNT, 0,
		    cause) != 0 ||
		    proto_get_int(it, "opened", &pi->opened, PROTO_COUNT, 0,
		    cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * Does the JSON text hold a NUL, raw or escaped as \u0000 in a string?
 * cJSON cuts a string at a NUL, so a field would silently hold less than
 * was sent (a note shortened, an op id made to match another).
 */
static int
proto_has_nul(const char *p, size_t len)
{
	size_t	i;
	int	instr = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\0')
			return 1;
		if (!instr) {
			if (p[i] == '"')
				instr = 1;
		} else if (p[i] == '"')
			instr = 0;
		else if (p[i] == '\\') {
			if (len - i > 5 && memcmp(p + i + 1, "u0000", 5) == 0)
				return 1;
			i++;	/* the escaped character */
		}
	}
	return 0;
}

/* Is s, if present, UTF-8 text?  0, or -1 with *cause naming what. */
static int
proto_text_ok(const char *s, const char *what, char **cause)
{
	if (s == NULL || core_text_valid(s, PROTO_TEXT_MAX))
		return 0;
	*cause = xasprintf("%s must be UTF-8 text without control "
	    "characters", what);
	return -1;
}

static int
proto_mark_text_ok(const struct core_mark *mk, char **cause)
{
	return proto_text_ok(mk->by, "a mark's \"by\"", cause);
}

static int
proto_list_text_ok(char **list, size_t n, const char *what, char **cause)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (proto_text_ok(list[i], what, cause) != 0)
			return -1;
	}
	return 0;
}

/* Every string of a decoded snapshot state is UTF-8 text. */
static int
proto_state_text_ok(const struct core_state *st, char **cause)
{
	const struct core_action	*ac;
	size_t				 i;

	if (proto_text_ok(st->title, "the title", cause) != 0 ||
	    proto_text_ok(st->status, "the status", cause) != 0 ||
	    proto_text_ok(st->summary, "the summary", cause) != 0 ||
	    proto_text_ok(st->opened_by, "\"opened_by\"", cause) != 0 ||
	    proto_text_ok(st->ic, "the IC", cause) != 0 ||
	    proto_text_ok(st->offer, "the offer", cause) != 0 ||
	    proto_mark_text_ok(&st->ic_mark, cause) != 0 ||
	    proto_mark_text_ok(&st->status_mark, cause) != 0 ||
	    proto_mark_text_ok(&st->sev_mark, cause) != 0 ||
	    proto_list_text_ok(st->people, st->npeople, "people", cause) != 0)
		return -1;
	for (i = 0; i < st->nroles; i++) {
		if (proto_text_ok(st->roles[i].role, "a role", cause) != 0 ||
		    proto_text_ok(st->roles[i].user, "a role's user",
		    cause) != 0 ||
		    proto_mark_text_ok(&st->roles[i].mark, cause) != 0)
			return -1;
	}
	for (i = 0; i < st->nmoments; i++) {
		if (proto_text_ok(st->moments[i].kind, "a moment's kind",
		    cause) != 0 ||
		    proto_text_ok(st->moments[i].by, "a moment's \"by\"",
		    cause) != 0)
			return -1;
	}
	for (i = 0; i < st->nactions; i++) {
		ac = &st->actions[i];
		if (proto_text_ok(ac->name, "an action's name", cause) != 0 ||
		    proto_text_ok(ac->desc, "an action's desc", cause) != 0 ||
		    proto_text_ok(ac->declared_by, "\"declared_by\"",
		    cause) != 0 ||
		    proto_list_text_ok(ac->after, ac->nafter, "\"after\"",
		    cause) != 0 ||
		    proto_list_text_ok(ac->conflicts, ac->nconflicts,
		    "\"conflicts\"", cause) != 0 ||
		    proto_text_ok(ac->holder, "a holder", cause) != 0 ||
		    proto_text_ok(ac->outcome, "an outcome", cause) != 0 ||
		    proto_text_ok(ac->last_holder, "\"last_holder\"",
		    cause) != 0 ||
		    proto_mark_text_ok(&ac->mark, cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * Every string of a message from the hub is UTF-8 text (events have
 * already obeyed their own, stricter rules).
 */
static int
proto_hub_text_ok(const struct proto_msg *m, char **cause)
{
	size_t	i;

	if (proto_text_ok(m->incident, "\"incident\"", cause) != 0 ||
	    proto_text_ok(m->code, "\"code\"", cause) != 0 ||
	    proto_text_ok(m->message, "\"message\"", cause) != 0 ||
	    proto_text_ok(m->hub, "\"hub\"", cause) != 0 ||
	    proto_text_ok(m->name, "\"name\"", cause) != 0)
		return -1;
	for (i = 0; i < m->nincidents; i++) {
		if (proto_text_ok(m->incidents[i].id, "an incident id",
		    cause) != 0 ||
		    proto_text_ok(m->incidents[i].title, "a title",
		    cause) != 0 ||
		    proto_text_ok(m->incidents[i].status, "a status",
		    cause) != 0 ||
		    proto_text_ok(m->incidents[i].ic, "an IC", cause) != 0)
			return -1;
	}
	for (i = 0; i < m->nusers; i++) {
		if (proto_text_ok(m->users[i].user, "a user", cause) != 0)
			return -1;
	}
	if (m->state != NULL)
		return proto_state_text_ok(m->state, cause);
	return 0;
}

/* Does kind carry an operation id? */
static int
proto_kind_has_op(enum proto_kind kind)
{
	return kind == PROTO_COMMAND || kind == PROTO_ACK ||
	    kind == PROTO_REFUSED || kind == PROTO_ERROR;
}

int
proto_msg_decode(const char *p, size_t len, struct proto_msg *m, char **cause)
{
	const struct core_field	*opf = core_field_find("op");
	cJSON			*o;
	char			*type = NULL, *q;
	int			 rc = -1, k;

	proto_msg_init(m, PROTO_ERROR);
	*cause = NULL;
	if (len > PROTO_MAX_MSG) {
		*cause = xasprintf("message of %zu bytes is over the %d byte "
		    "limit", len, PROTO_MAX_MSG);
		return -1;
	}
	if ((o = proto_parse(p, len, cause)) == NULL)
		return -1;
	if (!cJSON_IsObject(o)) {
		*cause = xstrdup("a message must be a JSON object");
		goto out;
	}
	if (proto_get_str(o, "type", &type, 1, cause) != 0)
		goto out;
	for (k = 0; k < PROTO_KIND_COUNT; k++) {
		if (strcmp(type, proto_kind_names[k]) == 0)
			break;
	}
	if (k == PROTO_KIND_COUNT) {
		q = proto_quote(type, 40);
		*cause = xasprintf("unknown message type \"%s\"", q);
		free(q);
		goto out;
	}
	m->kind = (enum proto_kind)k;
	if (proto_kind_has_op(m->kind) &&
	    proto_get_str(o, "op", &m->op, m->kind == PROTO_COMMAND,
	    cause) != 0)
		goto out;
	if (m->op != NULL && core_field_check_str(opf, m->op, cause) != 0) {
		free(m->op);	/* not fit to be named in an answer */
		m->op = NULL;
		goto out;
	}
	if (proto_get_str(o, "incident", &m->incident, 0, cause) != 0)
		goto out;
	if (proto_has_nul(p, len)) {
		*cause = xstrdup("strings may not hold NUL (\\u0000)");
		goto out;
	}
	switch (m->kind) {
	case PROTO_HELLO:
		m->version = -1;
		if (proto_get_int(o, "proto", &m->version, PROTO_COUNT, 1,
		    cause) != 0 ||
		    proto_get_str(o, "user", &m->user, 1, cause) != 0 ||
		    proto_get_str(o, "token", &m->token, 0, cause) != 0 ||
		    proto_get_int(o, "from", &m->from, PROTO_ANY, 0,
		    cause) != 0 ||
		    proto_get_bool(o, "snapshot", &m->snapshot, cause) != 0)
			goto out;
		if (m->from < 0)
			m->from = -1;	/* none */
		break;
	case PROTO_WELCOME:
		if (proto_get_int(o, "proto", &m->version, PROTO_COUNT, 1,
		    cause) != 0 ||
		    proto_get_str(o, "hub", &m->hub, 0, cause) != 0 ||
		    proto_get_int(o, "head", &m->seq, PROTO_COUNT, 0,
		    cause) != 0 ||
		    proto_get_hash(o, "chain", m->chain, 0, cause) != 0 ||
		    proto_get_int(o, "lock_delay", &m->lock_delay, PROTO_COUNT,
		    0, cause) != 0 ||
		    proto_get_int(o, "ttl", &m->ttl, 0, CORE_TTL_MAX, 0,
		    cause) != 0)
			goto out;
		break;
	case PROTO_COMMAND:
		if (proto_get_int(o, "based_on", &m->based_on, PROTO_COUNT, 0,
		    cause) != 0 ||
		    proto_event_fields(o, "cmd", &m->cmd, cause) != 0 ||
		    core_event_valid(&m->cmd, CORE_VALID_SHAPE, cause) != 0)
			goto out;
		free(m->cmd.op);	/* the event's op is the message's */
		m->cmd.op = xstrdup(m->op);
		break;
	case PROTO_ACK:
		if (proto_get_int(o, "seq", &m->seq, PROTO_COUNT, 0,
		    cause) != 0 ||
		    proto_get_int(o, "fence", &m->fence, PROTO_COUNT, 0,
		    cause) != 0 ||
		    proto_get_bool(o, "duplicate", &m->duplicate, cause) != 0 ||
		    proto_get_int(o, "ttl", &m->ttl, 0, CORE_TTL_MAX, 0,
		    cause) != 0)
			goto out;
		break;
	case PROTO_REFUSED:
	case PROTO_ERROR:
	case PROTO_NOTICE:
		if (proto_get_str(o, "code", &m->code, 1, cause) != 0 ||
		    proto_get_str(o, "message", &m->message, 0, cause) != 0)
			goto out;
		break;
	case PROTO_EVENTS:
		if (proto_decode_events(o, "items", 0, m, cause) != 0)
			goto out;
		break;
	case PROTO_PING:
	case PROTO_PONG:
		if (proto_get_int(o, "t", &m->t, PROTO_ANY, 0, cause) != 0)
			goto out;
		break;
	case PROTO_LIST:
		break;
	case PROTO_INCIDENTS:
		if (proto_decode_incidents(o, m, cause) != 0)
			goto out;
		break;
	case PROTO_SNAPSHOT:
		if (proto_decode_snapshot(o, m, 0, cause) != 0)
			goto out;
		break;
	case PROTO_PRESENCE:
		if (proto_get_bool(o, "delta", &m->delta, cause) != 0 ||
		    proto_decode_presence(o, m, cause) != 0)
			goto out;
		break;
	case PROTO_TELEMETRY:
		if (proto_decode_telemetry(o, m, cause) != 0)
			goto out;
		break;
	case PROTO_LEASE:
		if (proto_get_str(o, "name", &m->name, 1, cause) != 0 ||
		    proto_get_int(o, "fence", &m->fence, PROTO_COUNT, 1,
		    cause) != 0 ||
		    proto_get_int(o, "left", &m->left, PROTO_COUNT, 1,
		    cause) != 0)
			goto out;
		break;
	case PROTO_KIND_COUNT:
		break;
	}
	switch (m->kind) {
	case PROTO_HELLO:
	case PROTO_COMMAND:
	case PROTO_LIST:
	case PROTO_PING:
		break;		/* the hub checks what a client sends */
	default:
		if (proto_hub_text_ok(m, cause) != 0)
			goto out;
		break;
	}
	rc = 0;
out:
	free(type);
	cJSON_Delete(o);
	return rc;
}

/* ---- encoding ------------------------------------------------------- */

static void
proto_put_str(cJSON *o, const char *key, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, key, v);
}

/* Integers are written exactly, never through a double. */
static void
proto_put_num(cJSON *o, const char *key, int64_t v, int always)
{
	char	s[32];

	if (v == 0 && !always)
		return;
	snprintf(s, sizeof s, "%lld", (long long)v);
	if (cJSON_AddRawToObject(o, key, s) == NULL)
		fatalx("out of memory encoding JSON");
}

static void
proto_put_list(cJSON *o, const char *key, char **list, size_t n)
{
	cJSON	*a;
	size_t	 i;

	if (n == 0)
		return;
	a = cJSON_AddArrayToObject(o, key);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(list[i]));
}

static void
proto_put_hash(cJSON *o, const char *key, const unsigned char *h)
{
	char	hex[2 * CORE_HASH_LEN + 1];

	util_hex_encode(h, CORE_HASH_LEN, hex);
	cJSON_AddStringToObject(o, key, hex);
}

/*
 * The members of an event, from the core's field table: numbers that are
 * not 0, strings that are present (even empty), arrays that are not empty.
 * A command's op is the message's, so withop is 0 for one.
 */
static void
proto_put_event(cJSON *o, const char *typekey, const struct core_event *e,
    int withop)
{
	const struct core_field	*tab, *f;
	char			***l;
	size_t			 nf, i, *n;

	tab = core_field_table(&nf);
	for (i = 0; i < nf; i++) {
		f = &tab[i];
		switch (f->kind) {
		case CORE_FIELD_INT:
			proto_put_num(o, f->key, *core_field_int(e, f), 0);
			break;
		case CORE_FIELD_STR:
			if (withop || strcmp(f->key, "op") != 0)
				proto_put_str(o, f->key, *core_field_str(e, f));
			break;
		case CORE_FIELD_LIST:
			l = core_field_list(e, f, &n);
			proto_put_list(o, f->key, *l, *n);
			break;
		case CORE_FIELD_TYPE:
			cJSON_AddStringToObject(o, typekey,
			    core_type_name(e->type));
			break;
		}
	}
}

static void
proto_emit(cJSON *o, struct buf *b)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory encoding JSON");
	util_buf_adds(b, s);
	cJSON_free(s);
	cJSON_Delete(o);
}

static cJSON *
proto_new(enum proto_kind kind)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL)
		fatalx("out of memory encoding JSON");
	cJSON_AddStringToObject(o, "type", proto_kind_name(kind));
	return o;
}

void
proto_msg_encode(const struct proto_msg *m, struct buf *b)
{
	cJSON			*o, *a, *it;
	size_t			 i;
	struct proto_incident	*pi;

	if (m->kind == PROTO_ACK) {
		proto_ack_encode(m, b);
		return;
	}
	o = proto_new(m->kind);
	proto_put_str(o, "incident", m->incident);
	switch (m->kind) {
	case PROTO_HELLO:
		proto_put_num(o, "proto", m->version, 1);
		proto_put_str(o, "user", m->user);
		proto_put_str(o, "token", m->token);
		if (m->from >= 0)
			proto_put_num(o, "from", m->from, 1);
		if (m->snapshot)
			cJSON_AddTrueToObject(o, "snapshot");
		break;
	case PROTO_WELCOME:
		proto_put_num(o, "proto", m->version, 1);
		proto_put_str(o, "hub", m->hub);
		proto_put_num(o, "head", m->seq, 1);
		proto_put_hash(o, "chain", m->chain);
		proto_put_num(o, "lock_delay", m->lock_delay, 1);
		proto_put_num(o, "ttl", m->ttl, 1);
		break;
	case PROTO_COMMAND:
		proto_put_str(o, "op", m->op);
		if (m->based_on >= 0)
			proto_put_num(o, "based_on", m->based_on, 1);
		proto_put_event(o, "cmd", &m->cmd, 0);
		break;
	case PROTO_ACK:		/* see proto_ack_encode */
	case PROTO_REFUSED:
	case PROTO_ERROR:
		proto_put_str(o, "op", m->op);
		proto_put_str(o, "code", m->code);
		proto_put_str(o, "message", m->message);
		break;
	case PROTO_NOTICE:
		proto_put_str(o, "code", m->code);
		proto_put_str(o, "message", m->message);
		break;
	case PROTO_EVENTS:
		a = cJSON_AddArrayToObject(o, "items");
		for (i = 0; i < m->nevents; i++) {
			it = cJSON_CreateObject();
			proto_put_event(it, "type", &m->events[i], 1);
			if (m->hashes != NULL && (m->hashed == NULL ||
			    m->hashed[i]))
				proto_put_hash(it, "hash", m->hashes[i]);
			cJSON_AddItemToArray(a, it);
		}
		break;
	case PROTO_PING:
	case PROTO_PONG:
		proto_put_num(o, "t", m->t, 1);
		break;
	case PROTO_LIST:
	case PROTO_SNAPSHOT:	/* see proto_snapshot_encode */
	case PROTO_KIND_COUNT:
		break;
	case PROTO_PRESENCE:
		if (m->delta)
			cJSON_AddTrueToObject(o, "delta");
		a = cJSON_AddArrayToObject(o, "users");
		for (i = 0; i < m->nusers; i++) {
			it = cJSON_CreateObject();
			proto_put_str(it, "user", m->users[i].user);
			proto_put_num(it, "seq", m->users[i].seq, 1);
			cJSON_AddItemToArray(a, it);
		}
		break;
	case PROTO_TELEMETRY:
		proto_put_telemetry(o, m);
		break;
	case PROTO_LEASE:
		proto_put_str(o, "name", m->name);
		proto_put_num(o, "fence", m->fence, 1);
		proto_put_num(o, "left", m->left, 1);
		break;
	case PROTO_INCIDENTS:
		a = cJSON_AddArrayToObject(o, "items");
		for (i = 0; i < m->nincidents; i++) {
			pi = &m->incidents[i];
			it = cJSON_CreateObject();
			proto_put_str(it, "id", pi->id);
			proto_put_str(it, "title", pi->title);
			proto_put_num(it, "sev", pi->sev, 1);
			proto_put_str(it, "status", pi->status);
			proto_put_str(it, "ic", pi->ic);
			proto_put_num(it, "seq", pi->seq, 1);
			proto_put_num(it, "opened", pi->opened, 1);
			cJSON_AddItemToArray(a, it);
		}
		break;
	}
	proto_emit(o, b);
}

void
proto_json_str(struct buf *b, const char *s)
{
	cJSON	*o;
	char	*p;

	if (s == NULL) {
		util_buf_adds(b, "null");
		return;
	}
	if ((o = cJSON_CreateString(s)) == NULL ||
	    (p = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory encoding JSON");
	util_buf_adds(b, p);
	cJSON_free(p);
	cJSON_Delete(o);
}

/* Print o, unformatted, into b, and free it. */
static void
proto_print(cJSON *o, struct buf *b)
{
	char	*p;

	if ((p = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory encoding JSON");
	util_buf_adds(b, p);
	cJSON_free(p);
	cJSON_Delete(o);
}

/* A string, or null when v is NULL. */
static void
proto_put_strnull(cJSON *o, const char *key, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

void
proto_result_json(const char *incident, const char *action, int64_t seq,
    int64_t fence, int duplicate, struct buf *b)
{
	cJSON	*o = cJSON_CreateObject();

	proto_put_str(o, "incident", incident);
	proto_put_str(o, "action", action);
	proto_put_num(o, "seq", seq, 0);
	proto_put_num(o, "fence", fence, 0);
	if (duplicate)
		cJSON_AddTrueToObject(o, "duplicate");
	proto_print(o, b);
}

void
proto_hook_answer(size_t logged, size_t again, struct buf *b)
{
	cJSON	*o = cJSON_CreateObject();

	proto_put_num(o, "recorded", (int64_t)logged, 1);
	proto_put_num(o, "duplicates", (int64_t)again, 1);
	proto_print(o, b);
}

void
proto_error_json(const char *code, const char *message, struct buf *b)
{
	cJSON	*o = cJSON_CreateObject();

	proto_put_strnull(o, "error", code);
	proto_put_strnull(o, "message", message);
	proto_print(o, b);
}

void
proto_count_json(const char *incident, const char *key, int64_t n,
    struct buf *b)
{
	cJSON	*o = cJSON_CreateObject();

	proto_put_str(o, "incident", incident);
	proto_put_num(o, key, n, 1);
	proto_print(o, b);
}

void
proto_verified_json(const char *incident, int64_t seq,
    const unsigned char *chain, struct buf *b)
{
	cJSON	*o = cJSON_CreateObject();
	char	 digest[CORE_DIGEST_LEN + 1];

	core_chain_digest(chain, digest);
	proto_put_str(o, "incident", incident);
	cJSON_AddTrueToObject(o, "verified");
	proto_put_num(o, "events", seq, 1);
	proto_put_num(o, "seq", seq, 1);
	proto_put_str(o, "digest", digest);
	proto_put_hash(o, "chain", chain);
	proto_print(o, b);
}

void
proto_feeds_json(const char *incident, const struct proto_feed *f,
    const int64_t *ages, size_t n, struct buf *b)
{
	cJSON	*o = cJSON_CreateObject(), *list, *it;
	size_t	 i;

	proto_put_str(o, "incident", incident);
	list = cJSON_AddArrayToObject(o, "feeds");
	for (i = 0; i < n; i++) {
		it = cJSON_CreateObject();
		proto_put_str(it, "name", f[i].name);
		if (f[i].valued) {
			cJSON_AddNumberToObject(it, "value", f[i].value);
			proto_put_num(it, "age_ms", ages[i], 1);
		} else
			cJSON_AddNullToObject(it, "value");
		proto_put_str(it, "unit", f[i].unit);
		proto_put_str(it, "level", f[i].level);
		cJSON_AddBoolToObject(it, "stale",
		    proto_feed_stale(&f[i], ages[i]));
		proto_put_str(it, "error", f[i].error);
		proto_put_str(it, "series", f[i].series);
		proto_put_str(it, "warn", f[i].warn);
		proto_put_str(it, "crit", f[i].crit);
		proto_put_num(it, "every_ms", f[i].every, 0);
		cJSON_AddItemToArray(list, it);
	}
	proto_print(o, b);
}

void
proto_state_json(const struct core_state *st, struct buf *b)
{
	const struct core_action	*ac;
	cJSON				*o = cJSON_CreateObject(), *roles, *list;
	cJSON				*a;
	size_t				 i;

	proto_put_strnull(o, "incident", st->id);
	proto_put_strnull(o, "title", st->title);
	proto_put_num(o, "seq", st->seq, 1);
	proto_put_hash(o, "chain", st->chain);
	proto_put_num(o, "sev", st->sev, 1);
	proto_put_strnull(o, "status", st->status);
	proto_put_strnull(o, "summary", st->summary);
	proto_put_strnull(o, "ic", st->ic);
	proto_put_strnull(o, "offer", st->offer);
	cJSON_AddBoolToObject(o, "viewers", st->viewers != 0);
	roles = cJSON_AddObjectToObject(o, "roles");
	for (i = 0; i < st->nroles; i++)
		proto_put_strnull(roles, st->roles[i].role, st->roles[i].user);
	list = cJSON_AddArrayToObject(o, "actions");
	for (i = 0; i < st->nactions; i++) {
		ac = &st->actions[i];
		a = cJSON_CreateObject();
		proto_put_strnull(a, "name", ac->name);
		cJSON_AddStringToObject(a, "state", ac->state ==
		    CORE_ACTION_HELD ? "held" : ac->state == CORE_ACTION_DONE ?
		    "done" : "free");
		proto_put_strnull(a, "holder", ac->holder);
		proto_put_num(a, "fence", ac->fence, 1);
		proto_put_strnull(a, "outcome", ac->outcome);
		cJSON_AddItemToArray(list, a);
	}
	list = cJSON_AddArrayToObject(o, "moments");
	for (i = 0; i < st->nmoments; i++) {
		a = cJSON_CreateObject();
		proto_put_num(a, "ref", st->moments[i].ref, 1);
		proto_put_strnull(a, "kind", st->moments[i].kind);
		proto_put_strnull(a, "by", st->moments[i].by);
		proto_put_str(a, "text", st->moments[i].text);
		proto_put_list(a, "seen", st->moments[i].seen,
		    st->moments[i].nseen);
		cJSON_AddItemToArray(list, a);
	}
	proto_print(o, b);
}

void
proto_incidents_json(const struct proto_incident *pi, size_t n,
    struct buf *b)
{
	cJSON	*list = cJSON_CreateArray(), *o;
	size_t	 i;

	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		proto_put_strnull(o, "id", pi[i].id);
		proto_put_strnull(o, "title", pi[i].title);
		proto_put_num(o, "sev", pi[i].sev, 1);
		proto_put_strnull(o, "status", pi[i].status);
		proto_put_strnull(o, "ic", pi[i].ic);
		proto_put_num(o, "seq", pi[i].seq, 1);
		proto_put_num(o, "opened", pi[i].opened, 1);
		cJSON_AddItemToArray(list, o);
	}
	proto_print(list, b);
}

void
proto_events_begin(const char *incident, struct buf *b)
{
	cJSON	*o = proto_new(PROTO_EVENTS);
	char	*s;

	proto_put_str(o, "incident", incident);
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory encoding JSON");
	/* Drop the closing brace to append the items array. */
	util_buf_add(b, s, strlen(s) - 1);
	util_buf_adds(b, ",\"items\":[");
	cJSON_free(s);
	cJSON_Delete(o);
}

void
proto_events_end(struct buf *b)
{
	util_buf_adds(b, "]}");
}

void
proto_error_encode(const char *code, const char *message, const char *op,
    enum proto_kind kind, struct buf *b)
{
	struct proto_msg	m;

	proto_msg_init(&m, kind);
	m.code = (char *)code;
	m.message = (char *)message;
	m.op = (char *)op;
	proto_msg_encode(&m, b);
}

/* ---- exported logs -------------------------------------------------- */

/*
 * An exported JSON log (concord export --format json) is an object with
 * "incident" (the id) and "events", each as on the wire with its "hash";
 * see concord-protocol(7).  It is not bounded by PROTO_MAX_MSG, but it is
 * held to the rules of a message: UTF-8 throughout, no NUL in a string,
 * numbers exact, every event obeying every field rule.
 */
int
proto_export_decode(const char *p, size_t len, char **id,
    struct core_event **events, unsigned char (**hashes)[CORE_HASH_LEN],
    size_t *n, int64_t *head, unsigned char *chain, char **cause)
{
	cJSON			*o, *inc;
	struct proto_msg	 m;
	char			*why = NULL;

	*cause = NULL;
	*id = NULL;
	if (!core_utf8_valid(p, len)) {
		*cause = xstrdup("not UTF-8 text");
		return -1;
	}
	if ((o = proto_parse(p, len, &why)) == NULL) {
		*cause = xasprintf("not a JSON document (%s)", why);
		free(why);
		return -1;
	}
	inc = cJSON_GetObjectItemCaseSensitive(o, "incident");
	if (!cJSON_IsString(inc) || inc->valuestring == NULL ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "events"))) {
		*cause = xstrdup("not a concord export (needs \"incident\" and "
		    "\"events\")");
		cJSON_Delete(o);
		return -1;
	}
	if (proto_has_nul(p, len)) {
		*cause = xstrdup("strings may not hold NUL (\\u0000)");
		cJSON_Delete(o);
		return -1;
	}
	proto_msg_init(&m, PROTO_EVENTS);
	*head = -1;
	if (proto_get_int(o, "head", head, PROTO_COUNT, 1, &why) != 0 ||
	    proto_get_hash(o, "chain", chain, 1, &why) != 0 ||
	    proto_decode_events(o, "events", 1, &m, &why) != 0) {
		*cause = xasprintf("bad event in export: %s", why);
		free(why);
		proto_msg_clear(&m);
		cJSON_Delete(o);
		return -1;
	}
	*id = xstrdup(inc->valuestring);
	cJSON_Delete(o);
	*events = m.events;
	*hashes = m.hashes;
	*n = m.nevents;
	m.events = NULL;
	m.hashes = NULL;
	m.nevents = 0;
	proto_msg_clear(&m);
	return 0;
}

/* ---- surviving the wire --------------------------------------------- */

/*
 * Encode e as the wire does and decode it again; 0 if the result has the
 * canonical bytes want, else -1 with *cause.
 */
static int
proto_event_wire(const struct core_event *e, const struct buf *want,
    char **cause)
{
	static const unsigned char	 zero[CORE_HASH_LEN];
	struct proto_msg		 m;
	struct buf			 b;
	char				*why = NULL;
	int				 rc = -1;

	util_buf_init(&b);
	proto_events_begin("check", &b);
	proto_event_encode(e, zero, &b);
	proto_events_end(&b);
	if (proto_msg_decode(b.data, b.len, &m, &why) != 0)
		*cause = xasprintf("its JSON does not decode: %s", why);
	else if (m.kind != PROTO_EVENTS || m.nevents != 1)
		*cause = xstrdup("its JSON decodes to something else");
	else {
		util_buf_reset(&b);
		core_event_encode(&m.events[0], &b);
		if (b.len != want->len ||
		    memcmp(b.data, want->data, b.len) != 0)
			*cause = xstrdup("its JSON decodes to another event");
		else
			rc = 0;
	}
	free(why);
	proto_msg_clear(&m);
	util_buf_clear(&b);
	return rc;
}

int
proto_event_check(const struct core_event *e, char **cause)
{
	struct core_event	 d;
	struct buf		 want;
	char			*why = NULL;
	int			 rc = -1;

	*cause = NULL;
	if (core_event_valid(e, CORE_VALID_EVENT, &why) != 0) {
		*cause = why;
		return -1;
	}
	util_buf_init(&want);
	core_event_encode(e, &want);
	if (core_event_decode(want.data, want.len, &d, &why) != 0) {
		*cause = xasprintf("its canonical form does not decode: %s",
		    why);
		free(why);
	} else {
		/*
		 * What is sent is the event as read back from the store.  As
		 * held it differs from that only in empty strings (which
		 * canonical bytes leave out), and those obeyed the rules.
		 */
		if (proto_event_wire(&d, &want, cause) == 0)
			rc = 0;
		core_event_clear(&d);
	}
	util_buf_clear(&want);
	return rc;
}

/* ---- snapshots ------------------------------------------------------ */

/*
 * A snapshot carries an incident's folded state at a seq with the chain
 * value there, so a client far behind can start from it and verify every
 * event after it.  Deadlines are sent as milliseconds left, since monotonic
 * clocks are per machine.  The index of notes (for amendments) is not
 * carried: only the hub checks amendments.
 *
 * Each object of the state (the state itself, a role, a key moment, an
 * action) is described once, by a table of its members that both the
 * encoder and the decoder walk; what a table cannot say (an action's
 * state and deadlines) is written beside it.
 */
enum proto_member_kind {
	PROTO_M_INT,
	PROTO_M_BOOL,			/* an int, true or false */
	PROTO_M_NUM,			/* a finite double */
	PROTO_M_NUMS,			/* an array of them, with a count */
	PROTO_M_STR,
	PROTO_M_LIST,
	PROTO_M_MARK
};

struct proto_member {
	const char		*key;
	enum proto_member_kind	 kind;
	size_t			 off;		/* of the value */
	size_t			 noff;		/* of a list's count */
	int64_t			 min;		/* integers */
	int64_t			 max;		/* integers; lists: entries */
	int			 need;		/* encoded even when 0 or
						   empty; must be decoded */
};

#define PROTO_INT(s, k, lo, hi, need) \
	{ #k, PROTO_M_INT, offsetof(struct s, k), 0, lo, hi, need }
#define PROTO_STR(s, k, need) \
	{ #k, PROTO_M_STR, offsetof(struct s, k), 0, 0, 0, need }
#define PROTO_LIST(s, k, n, max) \
	{ #k, PROTO_M_LIST, offsetof(struct s, k), offsetof(struct s, n), \
	    0, max, 0 }
#define PROTO_FLAG(s, k) \
	{ #k, PROTO_M_BOOL, offsetof(struct s, k), 0, 0, 1, 0 }
#define PROTO_NUM(s, k) \
	{ #k, PROTO_M_NUM, offsetof(struct s, k), 0, 0, 0, 0 }
#define PROTO_NUMS(s, k, n, max) \
	{ #k, PROTO_M_NUMS, offsetof(struct s, k), offsetof(struct s, n), \
	    0, max, 0 }
#define PROTO_MARK(s, k) \
	{ #k, PROTO_M_MARK, offsetof(struct s, k), 0, 0, 0, 1 }

static const struct proto_member proto_state_members[] = {
	PROTO_STR(core_state, title, 0),
	PROTO_INT(core_state, sev, 0, 4, 0),
	PROTO_STR(core_state, status, 1),
	PROTO_STR(core_state, summary, 0),
	PROTO_STR(core_state, opened_by, 0),
	PROTO_INT(core_state, opened, 0, CORE_INT_MAX, 0),
	PROTO_INT(core_state, resolved, 0, CORE_INT_MAX, 0),
	PROTO_INT(core_state, last_time, 0, CORE_INT_MAX, 0),
	PROTO_STR(core_state, ic, 0),
	PROTO_STR(core_state, offer, 0),
	PROTO_MARK(core_state, ic_mark),
	PROTO_MARK(core_state, status_mark),
	PROTO_MARK(core_state, sev_mark),
	PROTO_LIST(core_state, people, npeople, CORE_INT_MAX),
	PROTO_FLAG(core_state, viewers),
	{ NULL, PROTO_M_INT, 0, 0, 0, 0, 0 }
};

static const struct proto_member proto_role_members[] = {
	PROTO_STR(core_role, role, 1),
	PROTO_STR(core_role, user, 0),
	PROTO_MARK(core_role, mark),
	{ NULL, PROTO_M_INT, 0, 0, 0, 0, 0 }
};

static const struct proto_member proto_moment_members[] = {
	PROTO_INT(core_moment, ref, 0, CORE_INT_MAX, 1),
	PROTO_INT(core_moment, seq, 0, CORE_INT_MAX, 1),
	PROTO_STR(core_moment, kind, 1),
	PROTO_STR(core_moment, by, 1),
	PROTO_STR(core_moment, text, 0),
	PROTO_LIST(core_moment, seen, nseen, CORE_FEEDS_MAX),
	{ NULL, PROTO_M_INT, 0, 0, 0, 0, 0 }
};

static const struct proto_member proto_action_members[] = {
	PROTO_STR(core_action, name, 1),
	PROTO_STR(core_action, desc, 0),
	PROTO_STR(core_action, declared_by, 0),
	PROTO_LIST(core_action, after, nafter, CORE_LIST_MAX),
	PROTO_LIST(core_action, conflicts, nconflicts, CORE_LIST_MAX),
	PROTO_STR(core_action, holder, 0),
	PROTO_INT(core_action, fence, 0, CORE_INT_MAX, 0),
	PROTO_INT(core_action, ttl, 0, CORE_TTL_MAX, 0),
	PROTO_STR(core_action, outcome, 0),
	PROTO_STR(core_action, last_holder, 0),
	PROTO_MARK(core_action, mark),
	{ NULL, PROTO_M_INT, 0, 0, 0, 0, 0 }
};

static const struct proto_member proto_feed_members[] = {
	PROTO_STR(core_feed, name, 1),
	PROTO_STR(core_feed, kind, 0),
	PROTO_STR(core_feed, url, 0),
	PROTO_STR(core_feed, query, 0),
	PROTO_STR(core_feed, unit, 0),
	PROTO_STR(core_feed, warn, 0),
	PROTO_STR(core_feed, crit, 0),
	PROTO_INT(core_feed, every, 0, CORE_EVERY_MAX, 0),
	PROTO_FLAG(core_feed, removed),
	PROTO_STR(core_feed, level, 0),
	{ NULL, PROTO_M_INT, 0, 0, 0, 0, 0 }
};

static void
proto_put_mark(cJSON *o, const char *key, const struct core_mark *m)
{
	cJSON	*mo = cJSON_AddObjectToObject(o, key);

	proto_put_num(mo, "seq", m->seq, 1);
	proto_put_num(mo, "time", m->time, 1);
	proto_put_str(mo, "by", m->by);
	cJSON_AddStringToObject(mo, "type", core_type_name(m->type));
}

static int
proto_get_mark(const cJSON *o, const char *key, struct core_mark *m,
    char **cause)
{
	const cJSON			*mo = cJSON_GetObjectItemCaseSensitive(o, key);
	const struct core_cmd_entry	*ce;
	char				*type = NULL;

	if (!cJSON_IsObject(mo)) {
		*cause = xasprintf("snapshot: \"%s\" must be an object", key);
		return -1;
	}
	if (proto_get_int(mo, "seq", &m->seq, PROTO_COUNT, 1, cause) != 0 ||
	    proto_get_int(mo, "time", &m->time, PROTO_COUNT, 0, cause) != 0 ||
	    proto_get_str(mo, "by", &m->by, 0, cause) != 0 ||
	    proto_get_str(mo, "type", &type, 1, cause) != 0) {
		free(type);
		return -1;
	}
	if ((ce = proto_cmd_find(type, "snapshot: unknown type", cause)) ==
	    NULL)
		return -1;
	m->type = ce->type;
	return 0;
}

/*
 * A finite number, or absent (0); or -1 with *cause.  A number item is raw
 * (see proto_pair_numbers) but keeps the value cJSON read.
 */
static int
proto_get_num(const cJSON *o, const char *key, double *out, char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!cJSON_IsRaw(v) || !isfinite(v->valuedouble)) {
		*cause = xasprintf("field \"%s\" must be a number", key);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

/* An array of at most max finite numbers, or absent; or -1 with *cause. */
static int
proto_get_nums(const cJSON *o, const char *key, double **out, size_t *n,
    size_t max, char **cause)
{
	const cJSON	*arr, *it;

	if (proto_get_array(o, key, &arr, cause) != 0)
		return -1;
	if (arr == NULL)
		return 0;
	if ((size_t)cJSON_GetArraySize(arr) > max) {
		*cause = xasprintf("field \"%s\" has more than %zu entries",
		    key, max);
		return -1;
	}
	*out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsRaw(it) || !isfinite(it->valuedouble)) {
			*cause = xasprintf("field \"%s\" must hold numbers",
			    key);
			return -1;
		}
		(*out)[(*n)++] = it->valuedouble;
	}
	return 0;
}

static void
proto_put_nums(cJSON *o, const char *key, const double *v, size_t n)
{
	cJSON	*a = cJSON_AddArrayToObject(o, key);
	size_t	 i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
}

/* Add the members of the struct at base to o, as its table says. */
static void
proto_put_members(cJSON *o, const void *base, const struct proto_member *t)
{
	const char	*p;

	for (; t->key != NULL; t++) {
		p = (const char *)base + t->off;
		switch (t->kind) {
		case PROTO_M_INT:
			proto_put_num(o, t->key, *(const int64_t *)p, t->need);
			break;
		case PROTO_M_BOOL:
			if (*(const int *)p)
				cJSON_AddTrueToObject(o, t->key);
			break;
		case PROTO_M_NUM:
			cJSON_AddNumberToObject(o, t->key, *(const double *)p);
			break;
		case PROTO_M_NUMS:
			proto_put_nums(o, t->key, *(double *const *)p,
			    *(const size_t *)((const char *)base + t->noff));
			break;
		case PROTO_M_STR:
			proto_put_str(o, t->key, *(char *const *)p);
			break;
		case PROTO_M_LIST:
			proto_put_list(o, t->key, *(char **const *)p,
			    *(const size_t *)((const char *)base + t->noff));
			break;
		case PROTO_M_MARK:
			proto_put_mark(o, t->key, (const struct core_mark *)p);
			break;
		}
	}
}

/* Decode the members of o into the struct at base; 0, or -1 with *cause. */
static int
proto_get_members(const cJSON *o, void *base, const struct proto_member *t,
    char **cause)
{
	char	*p;
	int	 rc = 0;

	for (; t->key != NULL && rc == 0; t++) {
		p = (char *)base + t->off;
		switch (t->kind) {
		case PROTO_M_INT:
			rc = proto_get_int(o, t->key, (int64_t *)p, t->min,
			    t->max, t->need, cause);
			break;
		case PROTO_M_BOOL:
			rc = proto_get_bool(o, t->key, (int *)p, cause);
			break;
		case PROTO_M_NUM:
			rc = proto_get_num(o, t->key, (double *)p, cause);
			break;
		case PROTO_M_NUMS:
			rc = proto_get_nums(o, t->key, (double **)p,
			    (size_t *)((char *)base + t->noff), (size_t)t->max,
			    cause);
			break;
		case PROTO_M_STR:
			rc = proto_get_str(o, t->key, (char **)p, t->need,
			    cause);
			break;
		case PROTO_M_LIST:
			rc = proto_get_list(o, t->key, (char ***)p,
			    (size_t *)((char *)base + t->noff), (size_t)t->max,
			    cause);
			break;
		case PROTO_M_MARK:
			rc = proto_get_mark(o, t->key, (struct core_mark *)p,
			    cause);
			break;
		}
	}
	return rc;
}

/* Add an array key of n objects of size each, from base, to o. */
static void
proto_put_objects(cJSON *o, const char *key, const void *base, size_t n,
    size_t size, const struct proto_member *t)
{
	cJSON	*a = cJSON_AddArrayToObject(o, key), *it;
	size_t	 i;

	for (i = 0; i < n; i++) {
		it = cJSON_CreateObject();
		proto_put_members(it, (const char *)base + i * size, t);
		cJSON_AddItemToArray(a, it);
	}
}

/*
 * Decode the array key of o into *base, a new array of structs of size
 * each with *n of them, every one by table t; decode (if not NULL) takes
 * what t does not.  On failure what was decoded so far is kept, for the
 * caller to free.  Returns 0, or -1 with *cause.
 */
static int
proto_get_objects(const cJSON *o, const char *key, void *base, size_t *n,
    size_t size, const struct proto_member *t,
    int (*decode)(const cJSON *, void *, int64_t, char **), int64_t now,
    char **cause)
{
	const cJSON	*arr, *it;
	char		*p;

	if (proto_get_array(o, key, &arr, cause) != 0)
		return -1;
	p = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, size);
	*(void **)base = p;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsObject(it)) {
			*cause = xasprintf("snapshot: %s must be objects", key);
			return -1;
		}
		p = *(char **)base + (*n)++ * size;
		if (proto_get_members(it, p, t, cause) != 0 ||
		    (decode != NULL && decode(it, p, now, cause) != 0))
			return -1;
	}
	return 0;
}

static const char *proto_action_states[] = { "free", "held", "done" };

/* An action's state and its deadlines, as time left from now. */
static void
proto_put_action(cJSON *it, const struct core_action *ac, int64_t now)
{
	cJSON_AddStringToObject(it, "state", proto_action_states[ac->state]);
	if (ac->state == CORE_ACTION_HELD)
		proto_put_num(it, "left", ac->deadline > now ?
		    ac->deadline - now : 0, 1);
	if (ac->free_at > now)
		proto_put_num(it, "delay_left", ac->free_at - now, 1);
}

void
proto_snapshot_encode(const struct core_state *st, int64_t now, struct buf *b)
{
	cJSON	*o = proto_new(PROTO_SNAPSHOT), *s, *a, *it;
	size_t	 i;

	proto_put_str(o, "incident", st->id);
	proto_put_num(o, "seq", st->seq, 1);
	proto_put_hash(o, "chain", st->chain);
	s = cJSON_AddObjectToObject(o, "state");
	proto_put_members(s, st, proto_state_members);
	proto_put_objects(s, "roles", st->roles, st->nroles,
	    sizeof *st->roles, proto_role_members);
	proto_put_objects(s, "moments", st->moments, st->nmoments,
	    sizeof *st->moments, proto_moment_members);
	proto_put_objects(s, "actions", st->actions, st->nactions,
	    sizeof *st->actions, proto_action_members);
	proto_put_objects(s, "feeds", st->feeds, st->nfeeds,
	    sizeof *st->feeds, proto_feed_members);
	a = cJSON_GetObjectItemCaseSensitive(s, "actions");
	i = 0;
	cJSON_ArrayForEach(it, a)
		proto_put_action(it, &st->actions[i++], now);
	proto_emit(o, b);
}

/* Decode an action's state and deadlines, which are from now. */
static int
proto_decode_action(const cJSON *it, void *p, int64_t now, char **cause)
{
	struct core_action	*ac = p;
	char			*state = NULL;
	int64_t			 left = 0, delay = 0;
	size_t			 i;
	int			 rc = -1;

	if (proto_get_str(it, "state", &state, 1, cause) != 0 ||
	    proto_get_int(it, "left", &left, PROTO_COUNT, 0, cause) != 0 ||
	    proto_get_int(it, "delay_left", &delay, PROTO_COUNT, 0,
	    cause) != 0)
		goto out;
	ac->deadline = now + left;
	ac->free_at = delay > 0 ? now + delay : 0;
	for (i = 0; i < 3; i++) {
		if (strcmp(state, proto_action_states[i]) == 0)
			break;
	}
	if (i == 3 || (i == CORE_ACTION_HELD && ac->holder == NULL)) {
		*cause = xstrdup("snapshot: bad action state");
		goto out;
	}
	ac->state = (enum core_action_state)i;
	rc = 0;
out:
	free(state);
	return rc;
}

/*
 * Decode the "state" of a snapshot into m->state, deadlines from now.  On
 * failure what was decoded so far is in m->state, freed with the message.
 */
static int
proto_decode_snapshot(const cJSON *o, struct proto_msg *m, int64_t now,
    char **cause)
{
	const cJSON		*s = cJSON_GetObjectItemCaseSensitive(o, "state");
	struct core_state	*st;

	if (!cJSON_IsObject(s) || m->incident == NULL) {
		*cause = xstrdup("snapshot needs \"incident\" and \"state\"");
		return -1;
	}
	st = m->state = xcalloc(1, sizeof *st);
	core_state_init(st, m->incident);
	free(st->status);
	st->status = NULL;
	if (proto_get_int(o, "seq", &st->seq, PROTO_COUNT, 1, cause) != 0 ||
	    proto_get_hash(o, "chain", st->chain, 1, cause) != 0 ||
	    proto_get_members(s, st, proto_state_members, cause) != 0 ||
	    proto_get_objects(s, "roles", &st->roles, &st->nroles,
	    sizeof *st->roles, proto_role_members, NULL, now, cause) != 0 ||
	    proto_get_objects(s, "moments", &st->moments, &st->nmoments,
	    sizeof *st->moments, proto_moment_members, NULL, now,
	    cause) != 0 ||
	    proto_get_objects(s, "actions", &st->actions, &st->nactions,
	    sizeof *st->actions, proto_action_members, proto_decode_action,
	    now, cause) != 0 ||
	    proto_get_objects(s, "feeds", &st->feeds, &st->nfeeds,
	    sizeof *st->feeds, proto_feed_members, NULL, now, cause) != 0)
		return -1;
	return 0;
}

/* ---- telemetry ------------------------------------------------------ */

static const struct proto_member proto_feed_wire_members[] = {
	PROTO_STR(proto_feed, name, 1),
	PROTO_STR(proto_feed, unit, 0),
	PROTO_STR(proto_feed, warn, 0),
	PROTO_STR(proto_feed, crit, 0),
	PROTO_STR(proto_feed, level, 0),
	PROTO_STR(proto_feed, series, 0),
	PROTO_STR(proto_feed, error, 0),
	PROTO_INT(proto_feed, every, 0, CORE_EVERY_MAX, 0),
	PROTO_INT(proto_feed, stale, 0, CORE_INT_MAX, 0),
	PROTO_FLAG(proto_feed, valued),
	PROTO_NUM(proto_feed, value),
	PROTO_INT(proto_feed, age, 0, CORE_INT_MAX, 0),
	PROTO_INT(proto_feed, error_age, 0, CORE_INT_MAX, 0),
	PROTO_NUMS(proto_feed, history, nhistory, PROTO_HISTORY_MAX),
	{ NULL, PROTO_M_INT, 0, 0, 0, 0, 0 }
};

static void
proto_put_telemetry(cJSON *o, const struct proto_msg *m)
{
	if (m->full)
		cJSON_AddTrueToObject(o, "full");
	proto_put_objects(o, "feeds", m->feeds, m->nfeeds, sizeof *m->feeds,
	    proto_feed_wire_members);
}

static int
proto_decode_telemetry(const cJSON *o, struct proto_msg *m, char **cause)
{
	const cJSON	*arr;

	if (proto_get_str(o, "incident", &m->incident, 1, cause) != 0 ||
	    proto_get_bool(o, "full", &m->full, cause) != 0 ||
	    proto_get_array(o, "feeds", &arr, cause) != 0)
		return -1;
	if (cJSON_GetArraySize(arr) > PROTO_FEEDS_MAX) {
		*cause = xasprintf("more than %d feeds", PROTO_FEEDS_MAX);
		return -1;
	}
	return proto_get_objects(o, "feeds", &m->feeds, &m->nfeeds,
	    sizeof *m->feeds, proto_feed_wire_members, NULL, 0, cause);
}

void
proto_feed_clear(struct proto_feed *f)
{
	free(f->name);
	free(f->unit);
	free(f->warn);
	free(f->crit);
	free(f->level);
	free(f->series);
	free(f->error);
	free(f->history);
	memset(f, 0, sizeof *f);
}

void
proto_feed_copy(struct proto_feed *dst, const struct proto_feed *src)
{
	*dst = *src;
	dst->name = core_strdup_or_null(src->name);
	dst->unit = core_strdup_or_null(src->unit);
	dst->warn = core_strdup_or_null(src->warn);
	dst->crit = core_strdup_or_null(src->crit);
	dst->level = core_strdup_or_null(src->level);
	dst->series = core_strdup_or_null(src->series);
	dst->error = core_strdup_or_null(src->error);
	dst->history = NULL;
	if (src->nhistory > 0) {
		dst->history = xreallocarray(NULL, src->nhistory,
		    sizeof *dst->history);
		memcpy(dst->history, src->history,
		    src->nhistory * sizeof *dst->history);
	}
}

int
proto_feed_stale(const struct proto_feed *f, int64_t age)
{
	return !f->valued || (f->stale > 0 && age > f->stale);
}

void
proto_value_format(double v, char *buf, size_t len)
{
	char	*p;

	if (fabs(v) >= 1e4 && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.4g", v);
	/* A locale's decimal comma would read as a list. */
	if ((p = strchr(buf, ',')) != NULL)
		*p = '.';
}

void
proto_age_format(int64_t ms, char *buf, size_t len)
{
	int64_t	s = ms / 1000;

	if (s < 120)
		snprintf(buf, len, "%lld s", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, len, "%lld h", (long long)(s / 3600));
}

char *
proto_feed_text(const struct proto_feed *f, int64_t age)
{
	char	value[32], old[16], since[16];

	if (!f->valued) {
		if (f->error != NULL)
			return xasprintf("no value (failing: %s)", f->error);
		return xstrdup("no value yet");
	}
	proto_value_format(f->value, value, sizeof value);
	proto_age_format(age, old, sizeof old);
	if (f->error != NULL) {
		proto_age_format(f->error_age, since, sizeof since);
		return xasprintf("%s%s%s (%s old%s; failing for %s: %s)", value,
		    f->unit != NULL ? " " : "", core_str_or(f->unit, ""), old,
		    proto_feed_stale(f, age) ? ", STALE" : "", since, f->error);
	}
	return xasprintf("%s%s%s (%s old%s)", value, f->unit != NULL ? " " : "",
	    core_str_or(f->unit, ""), old, proto_feed_stale(f, age) ?
	    ", STALE" : "");
}

char *
proto_feed_seen(const struct proto_feed *f, int64_t age)
{
	char	*text, *line;
	size_t	 n;

	text = proto_feed_text(f, age);
	line = xasprintf("%s: %s", f->name, text);
	free(text);
	/* Cut to an entry's size, never inside a character. */
	if ((n = strlen(line)) > CORE_LINE_MAX) {
		n = CORE_LINE_MAX;
		while (n > 0 && (line[n] & 0xc0) == 0x80)
			n--;
		line[n] = '\0';
	}
	return line;
}

void
proto_snapshot_rebase(struct core_state *st, int64_t now)
{
	size_t	i;

	for (i = 0; i < st->nactions; i++) {
		if (st->actions[i].state == CORE_ACTION_HELD)
			st->actions[i].deadline += now;
		if (st->actions[i].free_at > 0)
			st->actions[i].free_at += now;
	}
}
