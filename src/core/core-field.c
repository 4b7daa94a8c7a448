/*
 * The fields of an event and the rules they obey, in one table.
 *
 * The table's order is the canonical key order (concord-protocol(7)); the
 * canonical encoder and decoder (core-event.c) and the JSON event encoder
 * and decoder (proto-msg.c) all walk it, so the store, the wire and an
 * export carry the same fields under the same names and accept exactly the
 * same values.  Every integer has a range within +-(2^53 - 1), every list a
 * length, every string a rule (name, roles, line or text) and a size.
 *
 * Commands are checked for shape only (integer ranges, list lengths): the
 * model refuses bad names and text with a reason (core_state_check).  An
 * event, as a log holds it, must obey every rule, carry an actor and a seq
 * and the fields its type requires; "written" is only ever on a note.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

#define CORE_OFF(f)	offsetof(struct core_event, f)
#define CORE_INT(k, f, lo, hi, always, fld) \
	{ k, CORE_FIELD_INT, CORE_OFF(f), 0, lo, hi, CORE_RULE_NONE, \
	    always, fld, 0 }
#define CORE_STR(k, f, lo, hi, rule, fld) \
	{ k, CORE_FIELD_STR, CORE_OFF(f), 0, lo, hi, rule, 0, fld, 0 }
#define CORE_LIST(k, f, n, hi, rule, ebytes, fld) \
	{ k, CORE_FIELD_LIST, CORE_OFF(f), CORE_OFF(n), 0, hi, \
	    rule, 0, fld, ebytes }

static const struct core_field core_fields[] = {
	CORE_INT("seq", seq, 0, CORE_INT_MAX, 1, 0),
	CORE_INT("time", time, 0, CORE_INT_MAX, 1, 0),
	CORE_INT("written", written, 0, CORE_INT_MAX, 0, CORE_FLD_WRITTEN),
	CORE_STR("actor", actor, 1, CORE_NAME_MAX, CORE_RULE_NAME, 0),
	CORE_STR("by", by, 1, CORE_NAME_MAX, CORE_RULE_NAME, 0),
	CORE_STR("roles", roles, 0, CORE_ROLES_MAX, CORE_RULE_ROLES, 0),
	CORE_STR("op", op, 1, CORE_OP_MAX, CORE_RULE_LINE, 0),
	{ "type", CORE_FIELD_TYPE, CORE_OFF(type), 0, 0, 0, CORE_RULE_NONE,
	    1, 0, 0 },
	CORE_STR("name", name, 1, CORE_NAME_MAX, CORE_RULE_NAME,
	    CORE_FLD_NAME),
	CORE_STR("user", user, 1, CORE_NAME_MAX, CORE_RULE_NAME,
	    CORE_FLD_USER),
	CORE_STR("role", role, 1, CORE_NAME_MAX, CORE_RULE_NAME,
	    CORE_FLD_ROLE),
	CORE_STR("state", state, 1, CORE_NAME_MAX, CORE_RULE_NAME,
	    CORE_FLD_STATE),
	CORE_STR("outcome", outcome, 1, CORE_NAME_MAX, CORE_RULE_NAME,
	    CORE_FLD_OUTCOME),
	CORE_STR("kind", kind, 1, CORE_NAME_MAX, CORE_RULE_NAME,
	    CORE_FLD_KIND),
	CORE_INT("sev", sev, 0, 4, 0, CORE_FLD_SEV),
	CORE_INT("ttl", ttl, 0, CORE_TTL_MAX, 0, CORE_FLD_TTL),
	CORE_INT("fence", fence, 0, CORE_INT_MAX, 0, CORE_FLD_FENCE),
	CORE_INT("force", force, 0, 1, 0, CORE_FLD_FORCE),
	CORE_INT("ref", ref, 0, CORE_INT_MAX, 0, CORE_FLD_REF),
	CORE_LIST("after", after, nafter, CORE_LIST_MAX, CORE_RULE_NAME,
	    CORE_NAME_MAX, CORE_FLD_AFTER),
	CORE_LIST("conflicts", conflicts, nconflicts, CORE_LIST_MAX,
	    CORE_RULE_NAME, CORE_NAME_MAX, CORE_FLD_CONFLICTS),
	CORE_STR("url", url, 1, CORE_URL_MAX, CORE_RULE_LINE,
	    CORE_FLD_URL),
	CORE_STR("query", query, 1, CORE_QUERY_MAX, CORE_RULE_LINE,
	    CORE_FLD_QUERY),
	CORE_STR("unit", unit, 1, CORE_UNIT_MAX, CORE_RULE_LINE,
	    CORE_FLD_UNIT),
	CORE_STR("warn", warn, 1, CORE_UNIT_MAX, CORE_RULE_LINE,
	    CORE_FLD_WARN),
	CORE_STR("crit", crit, 1, CORE_UNIT_MAX, CORE_RULE_LINE,
	    CORE_FLD_CRIT),
	CORE_INT("every", every, 0, CORE_EVERY_MAX, 0, CORE_FLD_EVERY),
	CORE_LIST("seen", seen, nseen, CORE_FEEDS_MAX, CORE_RULE_LINE,
	    CORE_LINE_MAX, CORE_FLD_SEEN),
	CORE_LIST("labels", labels, nlabels, CORE_LIST_MAX, CORE_RULE_LINE,
	    CORE_LINE_MAX, CORE_FLD_LABELS),
	CORE_STR("text", text, 0, CORE_TEXT_MAX, CORE_RULE_TEXT,
	    CORE_FLD_TEXT),
};

#define CORE_NFIELDS	(sizeof core_fields / sizeof core_fields[0])

const struct core_field *
core_field_table(size_t *n)
{
	*n = CORE_NFIELDS;
	return core_fields;
}

/* Returns the field whose key is key, or NULL; the table's, not owned. */
const struct core_field *
core_field_find(const char *key)
{
	size_t	i;

	for (i = 0; i < CORE_NFIELDS; i++) {
		if (core_fields[i].key[0] == key[0] &&
		    strcmp(core_fields[i].key, key) == 0)
			return &core_fields[i];
	}
	return NULL;
}

/* Returns a pointer into e; the event's storage, not to be freed. */
int64_t *
core_field_int(const struct core_event *e, const struct core_field *f)
{
	return (int64_t *)((char *)(uintptr_t)e + f->off);
}

/* Returns a pointer into e; the event's storage, not to be freed. */
char **
core_field_str(const struct core_event *e, const struct core_field *f)
{
	return (char **)((char *)(uintptr_t)e + f->off);
}

/* Returns a pointer into e and the count's in *n; not to be freed. */
char ***
core_field_list(const struct core_event *e, const struct core_field *f,
    size_t **n)
{
	*n = (size_t *)((char *)(uintptr_t)e + f->noff);
	return (char ***)((char *)(uintptr_t)e + f->off);
}

int
core_field_check_int(const struct core_field *f, int64_t v, char **cause)
{
	if (v >= f->min && v <= f->max)
		return 0;
	*cause = xasprintf("field \"%s\" must be an integer from %lld to %lld",
	    f->key, (long long)f->min, (long long)f->max);
	return -1;
}

/* Names joined by single commas, or empty. */
static int
core_field_roles_valid(const char *s, size_t max)
{
	char	*copy, *p, *name;
	int	 ok = 1;

	if (strlen(s) > max)
		return 0;
	if (*s == '\0')
		return 1;
	p = copy = xstrdup(s);
	while (ok && (name = strsep(&p, ",")) != NULL)
		ok = core_name_valid(name);
	free(copy);
	return ok;
}

int
core_field_check_str(const struct core_field *f, const char *s, char **cause)
{
	size_t	n = strlen(s);

	switch (f->rule) {
	case CORE_RULE_NAME:
		if (core_name_valid(s))
			return 0;
		*cause = xasprintf("field \"%s\" must be a name: 1 to %d of "
		    "A-Z a-z 0-9 . _ @ -", f->key, CORE_NAME_MAX);
		return -1;
	case CORE_RULE_ROLES:
		if (core_field_roles_valid(s, (size_t)f->max))
			return 0;
		*cause = xasprintf("field \"%s\" must be names joined by "
		    "commas, at most %lld bytes", f->key, (long long)f->max);
		return -1;
	case CORE_RULE_LINE:
		if (n >= (size_t)f->min && core_text_valid(s, (size_t)f->max) &&
		    strpbrk(s, "\t\n") == NULL)
			return 0;
		*cause = xasprintf("field \"%s\" must be %lld to %lld bytes of "
		    "UTF-8 without control characters", f->key,
		    (long long)f->min, (long long)f->max);
		return -1;
	case CORE_RULE_TEXT:
		if (n >= (size_t)f->min && core_text_valid(s, (size_t)f->max))
			return 0;
		*cause = xasprintf("field \"%s\" must be at most %lld bytes of "
		    "UTF-8 without control characters but tab and line feed",
		    f->key, (long long)f->max);
		return -1;
	case CORE_RULE_NONE:
		break;
	}
	return 0;
}

/* Does s obey the rule of the entries of list f?  0, or -1 with *cause. */
static int
core_field_check_entry(const struct core_field *f, const char *s,
    char **cause)
{
	struct core_field	entry = *f;

	entry.min = 1;
	entry.max = f->emax;
	return core_field_check_str(&entry, s, cause);
}

/* Does e carry field f (a nonzero number, a nonempty string or list)? */
static int
core_field_present(const struct core_event *e, const struct core_field *f)
{
	char	**s;
	size_t	 *n;

	switch (f->kind) {
	case CORE_FIELD_INT:
		return *core_field_int(e, f) != 0;
	case CORE_FIELD_STR:
		s = core_field_str(e, f);
		return *s != NULL && **s != '\0';
	case CORE_FIELD_LIST:
		(void)core_field_list(e, f, &n);
		return *n != 0;
	case CORE_FIELD_TYPE:
		break;
	}
	return 1;
}

int
core_event_valid(const struct core_event *e, int how, char **cause)
{
	const struct core_cmd_entry	*ce = core_cmd_entry_of(e->type);
	const struct core_field		*f;
	char				**s, ***l;
	size_t				 i, j, *n;

	if (ce == NULL) {
		*cause = xstrdup("unknown event type");
		return -1;
	}
	for (i = 0; i < CORE_NFIELDS; i++) {
		f = &core_fields[i];
		switch (f->kind) {
		case CORE_FIELD_INT:
			if (core_field_check_int(f, *core_field_int(e, f),
			    cause) != 0)
				return -1;
			break;
		case CORE_FIELD_STR:
			s = core_field_str(e, f);
			if (how == CORE_VALID_EVENT && *s != NULL &&
			    core_field_check_str(f, *s, cause) != 0)
				return -1;
			break;
		case CORE_FIELD_LIST:
			l = core_field_list(e, f, &n);
			if (*n > (size_t)f->max) {
				*cause = xasprintf("field \"%s\" has more than "
				    "%lld entries", f->key, (long long)f->max);
				return -1;
			}
			for (j = 0; how == CORE_VALID_EVENT && j < *n; j++) {
				if (core_field_check_entry(f, (*l)[j],
				    cause) != 0)
					return -1;
			}
			break;
		case CORE_FIELD_TYPE:
			break;
		}
	}
	if (how != CORE_VALID_EVENT)
		return 0;
	if (e->seq < 1) {
		*cause = xstrdup("an event's seq is at least 1");
		return -1;
	}
	if (e->actor == NULL) {
		*cause = xasprintf("a %s event needs field \"actor\"",
		    ce->name);
		return -1;
	}
	if (e->written != 0 && !(ce->fields & CORE_FLD_WRITTEN)) {
		*cause = xasprintf("field \"written\" is only valid on notes, "
		    "not on %s", ce->name);
		return -1;
	}
	for (i = 0; i < CORE_NFIELDS; i++) {
		f = &core_fields[i];
		if ((f->fld & ce->required) && !core_field_present(e, f)) {
			*cause = xasprintf("a %s event needs field \"%s\"",
			    ce->name, f->key);
			return -1;
		}
	}
	return 0;
}

static int
core_field_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
core_event_equal(const struct core_event *a, const struct core_event *b)
{
	const struct core_field	*f;
	char			***la, ***lb;
	size_t			 i, j, *na, *nb;

	if (a->type != b->type)
		return 0;
	for (i = 0; i < CORE_NFIELDS; i++) {
		f = &core_fields[i];
		switch (f->kind) {
		case CORE_FIELD_INT:
			if (*core_field_int(a, f) != *core_field_int(b, f))
				return 0;
			break;
		case CORE_FIELD_STR:
			if (!core_field_str_equal(*core_field_str(a, f),
			    *core_field_str(b, f)))
				return 0;
			break;
		case CORE_FIELD_LIST:
			la = core_field_list(a, f, &na);
			lb = core_field_list(b, f, &nb);
			if (*na != *nb)
				return 0;
			for (j = 0; j < *na; j++) {
				if (!core_field_str_equal((*la)[j], (*lb)[j]))
					return 0;
			}
			break;
		case CORE_FIELD_TYPE:
			break;
		}
	}
	return 1;
}
