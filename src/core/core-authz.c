/*
 * Authorisation: who may do what in an incident, as a table of rights.
 *
 * Every command a client may send needs one right (core_authz_right: by
 * its type, and for status by the state it sets, since resolving is a
 * right of its own); the table says who holds each: the incident
 * commander, the holders of named roles, every responder, viewers.  The
 * table is data: the hub hands its own to the core in the context
 * (ctx->authz, read from its configuration), and NULL means the built-in
 * default below, which concord(1) documents and which keeps the rules the
 * commands always had.
 *
 * Responders and viewers: while an incident's viewers are off (the
 * default) everyone is a responder.  While they are on (access viewers
 * on), the responders are the IC, the holders of roles, the user command
 * is offered to and everyone who has acted in the incident (its people);
 * anyone else is a viewer, who may follow the incident but, under the
 * default table, holds no right.  So turning viewers on closes the
 * incident to newcomers, and the IC lets one in by giving them a role.
 *
 * Invariants: every right has a name and a default grant; a grant's
 * roles are valid role names, never "ic", "responder", "viewer" or
 * "none"; the check is made before a command's fields are looked at
 * (but for amend, whose right depends on the note's author), and a
 * refusal always names the right, who holds it and what the actor is.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

#define CORE_RIGHT_NAME(t, n, w)	[CORE_RIGHT_##t] = n,
static const char *const core_right_names[CORE_RIGHT_COUNT] = {
	CORE_RIGHTS(CORE_RIGHT_NAME)
};
#undef CORE_RIGHT_NAME

#define CORE_RIGHT_WHAT(t, n, w)	[CORE_RIGHT_##t] = w,
static const char *const core_right_whats[CORE_RIGHT_COUNT] = {
	CORE_RIGHTS(CORE_RIGHT_WHAT)
};
#undef CORE_RIGHT_WHAT

#define R	CORE_WHO_RESPONDER
#define IC	CORE_WHO_IC

/* The default table (documented in concord(1), AUTHORISATION). */
static const struct core_authz core_authz_builtin = { {
	[CORE_RIGHT_OPEN] =		{ R, { "" }, 0 },
	[CORE_RIGHT_NOTE] =		{ R, { "" }, 0 },
	[CORE_RIGHT_DECIDE] =		{ R, { "" }, 0 },
	[CORE_RIGHT_MARK] =		{ R, { "" }, 0 },
	[CORE_RIGHT_AMEND] =		{ R, { "" }, 0 },
	[CORE_RIGHT_AMEND_ANY] =	{ IC, { "scribe" }, 1 },
	[CORE_RIGHT_SUMMARY] =		{ R, { "" }, 0 },
	[CORE_RIGHT_STATUS] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_RESOLVE] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_SEV] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_ROLE] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_TAKE] =		{ R, { "" }, 0 },
	[CORE_RIGHT_OFFER] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_ACCEPT] =		{ R, { "" }, 0 },
	[CORE_RIGHT_RESIGN] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_ACCESS] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_DECLARE] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_CLAIM] =		{ R, { "" }, 0 },
	[CORE_RIGHT_RENEW] =		{ R, { "" }, 0 },
	[CORE_RIGHT_RELEASE] =		{ R, { "" }, 0 },
	[CORE_RIGHT_DONE] =		{ R, { "" }, 0 },
	[CORE_RIGHT_BREAK] =		{ IC, { "" }, 0 },
	[CORE_RIGHT_FEED] =		{ IC, { "ops" }, 1 },
} };

/* The right each command needs, by type; status is decided by its state. */
static const int core_authz_types[CORE_TYPE_COUNT] = {
	[CORE_OPEN] = CORE_RIGHT_OPEN,
	[CORE_NOTE] = CORE_RIGHT_NOTE,
	[CORE_SUMMARY] = CORE_RIGHT_SUMMARY,
	[CORE_STATUS] = CORE_RIGHT_STATUS,
	[CORE_SEV] = CORE_RIGHT_SEV,
	[CORE_ROLE_ASSIGN] = CORE_RIGHT_ROLE,
	[CORE_ROLE_CLEAR] = CORE_RIGHT_ROLE,
	[CORE_CMD_TAKE] = CORE_RIGHT_TAKE,
	[CORE_CMD_OFFER] = CORE_RIGHT_OFFER,
	[CORE_CMD_ACCEPT] = CORE_RIGHT_ACCEPT,
	[CORE_CMD_RESIGN] = CORE_RIGHT_RESIGN,
	[CORE_ACCESS] = CORE_RIGHT_ACCESS,
	[CORE_DECLARE] = CORE_RIGHT_DECLARE,
	[CORE_CLAIM] = CORE_RIGHT_CLAIM,
	[CORE_RENEW] = CORE_RIGHT_RENEW,
	[CORE_RELEASE] = CORE_RIGHT_RELEASE,
	[CORE_DONE] = CORE_RIGHT_DONE,
	[CORE_BREAK] = CORE_RIGHT_BREAK,
	[CORE_EXPIRE] = CORE_RIGHT_NONE,
	[CORE_AMEND] = CORE_RIGHT_AMEND,
	[CORE_MARK] = CORE_RIGHT_MARK,
	[CORE_DECIDE] = CORE_RIGHT_DECIDE,
	[CORE_FEED_ADD] = CORE_RIGHT_FEED,
	[CORE_FEED_RM] = CORE_RIGHT_FEED,
	[CORE_FEED_LEVEL] = CORE_RIGHT_NONE,
	[CORE_ALERT] = CORE_RIGHT_NONE,
};

#undef R
#undef IC

const struct core_authz *
core_authz_default(void)
{
	return &core_authz_builtin;
}

/* Returns the right's name, or "?"; static. */
const char *
core_right_name(enum core_right right)
{
	if ((int)right < 0 || right >= CORE_RIGHT_COUNT)
		return "?";
	return core_right_names[right];
}

/* Returns what the right allows, or "?"; static. */
const char *
core_right_what(enum core_right right)
{
	if ((int)right < 0 || right >= CORE_RIGHT_COUNT)
		return "?";
	return core_right_whats[right];
}

int
core_right_find(const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < CORE_RIGHT_COUNT; i++) {
		if (strcmp(core_right_names[i], s) == 0)
			return i;
	}
	return CORE_RIGHT_NONE;
}

int
core_authz_right(const struct core_event *cmd)
{
	if ((int)cmd->type < 0 || cmd->type >= CORE_TYPE_COUNT)
		return CORE_RIGHT_NONE;
	if (cmd->type == CORE_STATUS && cmd->state != NULL &&
	    strcmp(cmd->state, "resolved") == 0)
		return CORE_RIGHT_RESOLVE;
	return core_authz_types[cmd->type];
}

int
core_authz_set(struct core_authz *a, const char *right, const char *words,
    char **cause)
{
	struct core_grant	 g;
	const char		*p = words, *end;
	char			 word[CORE_NAME_MAX + 2];
	size_t			 n, i;
	int			 r, none = 0, seen = 0;

	if ((r = core_right_find(right)) == CORE_RIGHT_NONE) {
		*cause = xasprintf("unknown right \"%.*s\" (see concord(1), "
		    "AUTHORISATION)", CORE_NAME_MAX, right);
		return -1;
	}
	memset(&g, 0, sizeof g);
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		end = p + strcspn(p, " \t");
		n = (size_t)(end - p);
		seen++;
		if (n > CORE_NAME_MAX) {
			*cause = xasprintf("%s: \"%.*s...\" is not ic, "
			    "responder, viewer, none or a role name", right,
			    CORE_NAME_MAX, p);
			return -1;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		p = end;
		if (strcmp(word, "ic") == 0)
			g.who |= CORE_WHO_IC;
		else if (strcmp(word, "responder") == 0)
			g.who |= CORE_WHO_RESPONDER;
		else if (strcmp(word, "viewer") == 0)
			g.who |= CORE_WHO_VIEWER;
		else if (strcmp(word, "none") == 0)
			none = 1;
		else if (!core_name_valid(word)) {
			*cause = xasprintf("%s: \"%s\" is not ic, responder, "
			    "viewer, none or a role name", right, word);
			return -1;
		} else {
			for (i = 0; i < g.nroles; i++) {
				if (strcmp(g.roles[i], word) == 0)
					break;
			}
			if (i < g.nroles)
				continue;
			if (g.nroles == CORE_GRANT_ROLES) {
				*cause = xasprintf("%s: more than %d roles",
				    right, CORE_GRANT_ROLES);
				return -1;
			}
			memcpy(g.roles[g.nroles++], word, n + 1);
		}
	}
	if (seen == 0) {
		*cause = xasprintf("%s: say who holds it (ic, responder, "
		    "viewer, role names) or none", right);
		return -1;
	}
	if (none && seen != 1) {
		*cause = xasprintf("%s: none stands alone", right);
		return -1;
	}
	a->grant[r] = g;
	return 0;
}

/* Returns the words of a grant ("ic scribe", "none"); the caller frees. */
char *
core_authz_words(const struct core_grant *g)
{
	struct buf	b;
	size_t		i;

	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	if (g->who & CORE_WHO_IC)
		util_buf_adds(&b, "ic ");
	for (i = 0; i < g->nroles && i < CORE_GRANT_ROLES; i++)
		util_buf_printf(&b, "%s ", g->roles[i]);
	if (g->who & CORE_WHO_RESPONDER)
		util_buf_adds(&b, "responder ");
	if (g->who & CORE_WHO_VIEWER)
		util_buf_adds(&b, "viewer ");
	if (b.len == 0)
		util_buf_adds(&b, "none ");
	b.data[--b.len] = '\0';
	return util_buf_steal(&b);
}

/* Does user hold any role of the incident? */
static int
core_authz_has_role(const struct core_state *s, const char *user)
{
	size_t	i;

	for (i = 0; i < s->nroles; i++) {
		if (s->roles[i].user != NULL &&
		    strcmp(s->roles[i].user, user) == 0)
			return 1;
	}
	return 0;
}

static int
core_authz_is_ic(const struct core_state *s, const char *user)
{
	return s->ic != NULL && strcmp(s->ic, user) == 0;
}

int
core_authz_responder(const struct core_state *s, const char *user)
{
	if (!s->viewers)
		return 1;
	return core_authz_is_ic(s, user) || core_authz_has_role(s, user) ||
	    (s->offer != NULL && strcmp(s->offer, user) == 0) ||
	    core_list_has(s->people, s->npeople, user);
}

int
core_authz_holds(const struct core_authz *a, const struct core_state *s,
    const char *user, enum core_right right)
{
	const struct core_grant	*g;
	const struct core_role	*role;
	size_t			 i;

	if ((int)right < 0 || right >= CORE_RIGHT_COUNT || user == NULL)
		return 0;
	g = &(a != NULL ? a : &core_authz_builtin)->grant[right];
	if ((g->who & CORE_WHO_IC) && core_authz_is_ic(s, user))
		return 1;
	for (i = 0; i < g->nroles && i < CORE_GRANT_ROLES; i++) {
		role = core_state_role(s, g->roles[i]);
		if (role != NULL && role->user != NULL &&
		    strcmp(role->user, user) == 0)
			return 1;
	}
	if (g->who & (CORE_WHO_RESPONDER | CORE_WHO_VIEWER)) {
		if (core_authz_responder(s, user))
			return (g->who & CORE_WHO_RESPONDER) != 0;
		return (g->who & CORE_WHO_VIEWER) != 0;
	}
	return 0;
}

/* Append who holds a grant now: "ic (alice), role ops (vacant)". */
static void
core_authz_held_by(struct buf *b, const struct core_grant *g,
    const struct core_state *s)
{
	const struct core_role	*role;
	size_t			 i, start = b->len;

	if (g->who & CORE_WHO_IC) {
		if (s->ic != NULL)
			util_buf_printf(b, "ic (%s)", s->ic);
		else if (s->seq == 0)
			util_buf_adds(b, "ic (no incident yet)");
		else
			util_buf_adds(b, "ic (vacant: take command first)");
	}
	for (i = 0; i < g->nroles && i < CORE_GRANT_ROLES; i++) {
		role = core_state_role(s, g->roles[i]);
		util_buf_printf(b, "%srole %s (%s)", b->len > start ? ", " : "",
		    g->roles[i], role == NULL ? "no such role" :
		    role->user != NULL ? role->user : "vacant");
	}
	if (g->who & CORE_WHO_RESPONDER)
		util_buf_printf(b, "%sresponder", b->len > start ? ", " : "");
	if (g->who & CORE_WHO_VIEWER)
		util_buf_printf(b, "%sviewer", b->len > start ? ", " : "");
	if (b->len == start)
		util_buf_adds(b, "nobody but the hub");
}

/* Append what user is in the incident: "bob is a responder holding ops". */
static void
core_authz_standing(struct buf *b, const struct core_state *s,
    const char *user)
{
	size_t	i, n = 0;

	util_buf_printf(b, "%s is ", user);
	if (core_authz_is_ic(s, user))
		util_buf_adds(b, "the IC");
	else if (!core_authz_responder(s, user)) {
		util_buf_adds(b, "a viewer (viewers are on: only the IC, "
		    "role holders and those who have acted may act; the IC "
		    "lets someone in with a role)");
		return;
	} else
		util_buf_adds(b, "a responder");
	for (i = 0; i < s->nroles; i++) {
		if (s->roles[i].user == NULL ||
		    strcmp(s->roles[i].user, user) != 0)
			continue;
		util_buf_printf(b, "%s%s", n++ == 0 ? " holding " : ", ",
		    s->roles[i].role);
	}
}

int
core_authz_check(const struct core_state *s, const struct core_ctx *ctx,
    enum core_right right, const char *detail, struct core_refusal *r)
{
	const struct core_authz	*a = ctx->authz != NULL ? ctx->authz :
				    &core_authz_builtin;
	const struct core_grant	*g;
	struct buf		 b;
	int			 rc;

	if ((int)right < 0 || right >= CORE_RIGHT_COUNT)
		return 0;
	if (core_authz_holds(a, s, ctx->actor, right))
		return 0;
	g = &a->grant[right];
	util_buf_init(&b);
	util_buf_printf(&b, "%s needs the right '%s' (held by: ",
	    core_right_whats[right], core_right_names[right]);
	core_authz_held_by(&b, g, s);
	util_buf_adds(&b, "); ");
	core_authz_standing(&b, s, ctx->actor);
	if (detail != NULL)
		util_buf_printf(&b, "; %s", detail);
	rc = core_refuse(r, g->who == CORE_WHO_IC && g->nroles == 0 ?
	    "not-ic" : "forbidden", "%s", b.data);
	util_buf_clear(&b);
	return rc;
}
