/*
 * Events and their canonical encoding.
 *
 * The canonical bytes of an event are what the hash chain covers and what the
 * store keeps.  They are lines "key SP value LF" in the fixed key order of
 * the field table (core-field.c: seq, time, written, actor, by, roles, op,
 * type, name, user, role, state, outcome, kind, sev, ttl, fence, force, ref,
 * after..., conflicts..., url, query, unit, warn, crit, every, seen...,
 * labels..., text).  Empty strings and zero numbers are omitted, but for
 * seq and time; a list's key repeats once per element.  In values a backslash is written "\\" and a line feed "\n".
 * Decoding accepts exactly what encoding produces, and only events that obey
 * every field rule (core_event_valid), so decode(encode(e)) == e and the
 * wire decoder accepts every event this one does.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

#define CORE_EVENT_EXTERN(t, n) \
	extern const struct core_cmd_entry core_cmd_##n##_entry;
CORE_COMMANDS(CORE_EVENT_EXTERN, CORE_EVENT_EXTERN)

/* Indexed by enum core_type, made from CORE_COMMANDS (core.h). */
#define CORE_EVENT_ROW(t, n)	[CORE_##t] = &core_cmd_##n##_entry,
static const struct core_cmd_entry *core_cmd_table[CORE_TYPE_COUNT] = {
	CORE_COMMANDS(CORE_EVENT_ROW, CORE_EVENT_ROW)
};

const struct core_cmd_entry *
core_cmd_entry_of(enum core_type t)
{
	if ((int)t < 0 || t >= CORE_TYPE_COUNT)
		return NULL;
	return core_cmd_table[t];
}

/* Returns the entry whose wire name is s, or NULL. */
const struct core_cmd_entry *
core_cmd_find(const char *s)
{
	int	i;

	for (i = 0; i < CORE_TYPE_COUNT; i++) {
		if (strcmp(core_cmd_table[i]->name, s) == 0)
			return core_cmd_table[i];
	}
	return NULL;
}

const char *
core_type_name(enum core_type t)
{
	const struct core_cmd_entry	*e = core_cmd_entry_of(t);

	return e == NULL ? "?" : e->name;
}

/* Returns what events of type t are about (CORE_KIND_STATE if unknown). */
enum core_kind
core_type_kind(enum core_type t)
{
	const struct core_cmd_entry	*e = core_cmd_entry_of(t);

	return e == NULL ? CORE_KIND_STATE : e->kind;
}

void
core_event_init(struct core_event *e)
{
	memset(e, 0, sizeof *e);
}

void
core_list_add(char ***list, size_t *n, const char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = xstrdup(s);
}

void
core_list_free(char **list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int
core_list_has(char **list, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i], s) == 0)
			return 1;
	}
	return 0;
}

void
core_event_clear(struct core_event *e)
{
	const struct core_field	*tab, *f;
	size_t			 nf, i;

	tab = core_field_table(&nf);
	for (i = 0; i < nf; i++) {
		f = &tab[i];
		if (f->kind == CORE_FIELD_STR)
			free(*(char **)((char *)e + f->off));
		else if (f->kind == CORE_FIELD_LIST)
			core_list_free(*(char ***)((char *)e + f->off),
			    *(size_t *)((char *)e + f->noff));
	}
	core_event_init(e);
}

void
core_event_copy(struct core_event *dst, const struct core_event *src)
{
	const struct core_field	*tab, *f;
	char			**s, ***l, **from;
	size_t			 nf, i, j, *n, count;

	*dst = *src;	/* the integers; every pointer is replaced below */
	tab = core_field_table(&nf);
	for (i = 0; i < nf; i++) {
		f = &tab[i];
		if (f->kind == CORE_FIELD_STR) {
			s = (char **)((char *)dst + f->off);
			if (*s != NULL)
				*s = xstrdup(*s);
		} else if (f->kind == CORE_FIELD_LIST) {
			l = (char ***)((char *)dst + f->off);
			n = (size_t *)((char *)dst + f->noff);
			from = *l;
			count = *n;
			*l = NULL;
			*n = 0;
			for (j = 0; j < count; j++)
				core_list_add(l, n, from[j]);
		}
	}
}

void
core_event_encode(const struct core_event *e, struct buf *b)
{
	const struct core_field	*tab, *f;
	char			**s, ***l;
	int64_t			 v;
	size_t			 nf, i, j, *n;

	tab = core_field_table(&nf);
	for (i = 0; i < nf; i++) {
		f = &tab[i];
		switch (f->kind) {
		case CORE_FIELD_INT:
			v = *core_field_int(e, f);
			if (v != 0 || f->always) {
				util_buf_adds(b, f->key);
				util_buf_addc(b, ' ');
				util_buf_int(b, v);
				util_buf_addc(b, '\n');
			}
			break;
		case CORE_FIELD_STR:
			s = core_field_str(e, f);
			if (*s != NULL && **s != '\0')
				util_buf_line(b, f->key, *s);
			break;
		case CORE_FIELD_LIST:
			l = core_field_list(e, f, &n);
			for (j = 0; j < *n; j++) {
				if ((*l)[j] != NULL && *(*l)[j] != '\0')
					util_buf_line(b, f->key, (*l)[j]);
			}
			break;
		case CORE_FIELD_TYPE:
			util_buf_line(b, f->key, core_type_name(e->type));
			break;
		}
	}
}

/* Set field f of e from the unescaped value v (which it may take). */
static int
core_decode_field(struct core_event *e, const struct core_field *f, char **v,
    int *have_type, char **cause)
{
	const struct core_cmd_entry	*ce;
	char				**s, ***l;
	int64_t				 num;
	size_t				*n;

	switch (f->kind) {
	case CORE_FIELD_INT:
		if (util_num_parse(*v, INT64_MIN, INT64_MAX, &num) != 0) {
			*cause = xasprintf("bad number \"%.40s\" in canonical "
			    "event", *v);
			return -1;
		}
		if (core_field_check_int(f, num, cause) != 0)
			return -1;
		*core_field_int(e, f) = num;
		return 0;
	case CORE_FIELD_STR:
		s = core_field_str(e, f);
		free(*s);
		*s = *v;
		*v = NULL;
		return 0;
	case CORE_FIELD_LIST:
		l = core_field_list(e, f, &n);
		if (*n >= (size_t)f->max) {
			*cause = xasprintf("field \"%s\" has more than %lld "
			    "entries", f->key, (long long)f->max);
			return -1;
		}
		*l = xreallocarray(*l, *n + 1, sizeof **l);
		(*l)[(*n)++] = *v;
		*v = NULL;
		return 0;
	case CORE_FIELD_TYPE:
		if ((ce = core_cmd_find(*v)) == NULL) {
			*cause = xasprintf("unknown event type \"%.40s\"", *v);
			return -1;
		}
		e->type = ce->type;
		*have_type = 1;
		return 0;
	}
	return 0;
}

int
core_event_decode(const char *p, size_t n, struct core_event *e,
    char **cause)
{
	const char		*start = p, *end = p + n, *nl, *sp;
	const struct core_field	*f;
	struct buf		 b;
	char			*key, *v, *why;
	int			 rc = 0, have_type = 0;

	core_event_init(e);
	while (p < end && rc == 0) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			*cause = xstrdup("canonical event not ending in a line feed");
			rc = -1;
			break;
		}
		if ((sp = memchr(p, ' ', (size_t)(nl - p))) == NULL) {
			*cause = xstrdup("canonical line without a value");
			rc = -1;
			break;
		}
		key = xstrndup(p, (size_t)(sp - p));
		if ((v = util_line_unescape(sp + 1,
		    (size_t)(nl - sp - 1))) == NULL) {
			*cause = xstrdup("bad escape in canonical event");
			free(key);
			rc = -1;
			break;
		}
		if ((f = core_field_find(key)) == NULL) {
			*cause = xasprintf("unknown key \"%.40s\" in canonical "
			    "event", key);
			rc = -1;
		} else
			rc = core_decode_field(e, f, &v, &have_type, cause);
		free(key);
		free(v);
		p = nl + 1;
	}
	if (rc == 0 && !have_type) {
		*cause = xstrdup("canonical event without a type");
		rc = -1;
	}
	if (rc == 0) {
		/* Key order, omissions, number forms: exactly the encoding. */
		util_buf_init(&b);
		core_event_encode(e, &b);
		if (b.len != n || memcmp(b.data, start, n) != 0) {
			*cause = xstrdup("event is not in canonical form");
			rc = -1;
		}
		util_buf_clear(&b);
	}
	if (rc == 0 && core_event_valid(e, CORE_VALID_EVENT, &why) != 0) {
		*cause = xasprintf("canonical event: %s", why);
		free(why);
		rc = -1;
	}
	if (rc != 0)
		core_event_clear(e);
	return rc;
}

/* Returns s, or dflt when s is NULL; neither is copied. */
const char *
core_str_or(const char *s, const char *dflt)
{
	return s != NULL ? s : dflt;
}

char *
core_strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

char *
core_event_describe(const struct core_event *e)
{
	const struct core_cmd_entry	*ce = core_cmd_entry_of(e->type);
	struct buf			 b;
	char				*what;
	size_t				 i;

	if (ce == NULL || ce->describe == NULL)
		return xstrdup(core_type_name(e->type));
	what = ce->describe(e);
	if (e->nseen == 0)
		return what;
	/* What everyone saw when it was decided or marked. */
	util_buf_init(&b);
	util_buf_adds(&b, what);
	free(what);
	for (i = 0; i < e->nseen; i++)
		util_buf_printf(&b, "%s%s", i == 0 ? " [" : "; ", e->seen[i]);
	util_buf_addc(&b, ']');
	return util_buf_steal(&b);
}
