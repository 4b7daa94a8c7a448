/*
 * Incident state: the fold of an incident's event log.
 *
 * Invariants kept by check-then-apply: at most one holder per action and
 * only while its lease runs; an action's fence is the seq of the event that
 * granted it, so fences strictly increase; the IC is exactly one person or
 * vacant; seq advances by one per event and the chain covers every event.
 * Lease deadlines and lock-delay ends are on the hub's monotonic clock,
 * passed in through the context; they are not part of the log (renewals are
 * not logged), so after a restart core_state_grace extends every live lease.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

void
core_state_init(struct core_state *s, const char *id)
{
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	s->status = xstrdup("investigating");
	core_chain_start(id, s->chain);
}

static void
core_action_clear(struct core_action *a)
{
	free(a->name);
	free(a->desc);
	free(a->declared_by);
	core_list_free(a->after, a->nafter);
	core_list_free(a->conflicts, a->nconflicts);
	free(a->holder);
	free(a->outcome);
	free(a->last_holder);
	core_mark_clear(&a->mark);
}

/* Free a feed's definition (not its name, level or removal). */
void
core_feed_clear_spec(struct core_feed *f)
{
	free(f->kind);
	free(f->url);
	free(f->query);
	free(f->unit);
	free(f->warn);
	free(f->crit);
	f->kind = f->url = f->query = f->unit = f->warn = f->crit = NULL;
	f->every = 0;
}

void
core_state_clear(struct core_state *s)
{
	size_t	i;

	for (i = 0; i < s->nfeeds; i++) {
		core_feed_clear_spec(&s->feeds[i]);
		free(s->feeds[i].name);
		free(s->feeds[i].level);
	}
	free(s->feeds);

	for (i = 0; i < s->nactions; i++)
		core_action_clear(&s->actions[i]);
	free(s->actions);
	for (i = 0; i < s->nroles; i++) {
		free(s->roles[i].role);
		free(s->roles[i].user);
		core_mark_clear(&s->roles[i].mark);
	}
	free(s->roles);
	core_list_free(s->people, s->npeople);
	free(s->notes);
	for (i = 0; i < s->nmoments; i++) {
		free(s->moments[i].kind);
		free(s->moments[i].by);
		free(s->moments[i].text);
		core_list_free(s->moments[i].seen, s->moments[i].nseen);
	}
	free(s->moments);
	free(s->id);
	free(s->title);
	free(s->status);
	free(s->summary);
	free(s->opened_by);
	free(s->ic);
	free(s->offer);
	core_mark_clear(&s->ic_mark);
	core_mark_clear(&s->status_mark);
	core_mark_clear(&s->sev_mark);
	memset(s, 0, sizeof *s);
}

/* A copy of list l of n strings (NULL when empty). */
static char **
core_list_copy(char **l, size_t n)
{
	char	**c;
	size_t	  i;

	if (n == 0)
		return NULL;
	c = xreallocarray(NULL, n, sizeof *c);
	for (i = 0; i < n; i++)
		c[i] = xstrdup(l[i]);
	return c;
}

static void
core_mark_copy(struct core_mark *dst, const struct core_mark *src)
{
	*dst = *src;
	dst->by = core_strdup_or_null(src->by);
}

void
core_state_copy(struct core_state *dst, const struct core_state *src)
{
	const struct core_action	*a;
	struct core_action		*b;
	const struct core_feed		*f;
	struct core_feed		*g;
	size_t				 i;

	*dst = *src;
	dst->id = core_strdup_or_null(src->id);
	dst->title = core_strdup_or_null(src->title);
	dst->status = core_strdup_or_null(src->status);
	dst->summary = core_strdup_or_null(src->summary);
	dst->opened_by = core_strdup_or_null(src->opened_by);
	dst->ic = core_strdup_or_null(src->ic);
	dst->offer = core_strdup_or_null(src->offer);
	core_mark_copy(&dst->ic_mark, &src->ic_mark);
	core_mark_copy(&dst->status_mark, &src->status_mark);
	core_mark_copy(&dst->sev_mark, &src->sev_mark);

	dst->roles = src->nroles == 0 ? NULL :
	    xreallocarray(NULL, src->nroles, sizeof *dst->roles);
	for (i = 0; i < src->nroles; i++) {
		dst->roles[i].role = xstrdup(src->roles[i].role);
		dst->roles[i].user = core_strdup_or_null(src->roles[i].user);
		core_mark_copy(&dst->roles[i].mark, &src->roles[i].mark);
	}
	dst->actions = src->nactions == 0 ? NULL :
	    xreallocarray(NULL, src->nactions, sizeof *dst->actions);
	for (i = 0; i < src->nactions; i++) {
		a = &src->actions[i];
		b = &dst->actions[i];
		*b = *a;
		b->name = xstrdup(a->name);
		b->desc = core_strdup_or_null(a->desc);
		b->declared_by = core_strdup_or_null(a->declared_by);
		b->after = core_list_copy(a->after, a->nafter);
		b->conflicts = core_list_copy(a->conflicts, a->nconflicts);
		b->holder = core_strdup_or_null(a->holder);
		b->outcome = core_strdup_or_null(a->outcome);
		b->last_holder = core_strdup_or_null(a->last_holder);
		core_mark_copy(&b->mark, &a->mark);
	}
	dst->people = core_list_copy(src->people, src->npeople);
	dst->notes = src->nnotes == 0 ? NULL :
	    xreallocarray(NULL, src->nnotes, sizeof *dst->notes);
	if (src->nnotes != 0)
		memcpy(dst->notes, src->notes, src->nnotes * sizeof *src->notes);
	dst->moments = src->nmoments == 0 ? NULL :
	    xreallocarray(NULL, src->nmoments, sizeof *dst->moments);
	for (i = 0; i < src->nmoments; i++) {
		dst->moments[i] = src->moments[i];
		dst->moments[i].kind = core_strdup_or_null(src->moments[i].kind);
		dst->moments[i].by = core_strdup_or_null(src->moments[i].by);
		dst->moments[i].text = core_strdup_or_null(src->moments[i].text);
		dst->moments[i].seen = core_list_copy(src->moments[i].seen,
		    src->moments[i].nseen);
	}
	dst->feeds = src->nfeeds == 0 ? NULL :
	    xreallocarray(NULL, src->nfeeds, sizeof *dst->feeds);
	for (i = 0; i < src->nfeeds; i++) {
		f = &src->feeds[i];
		g = &dst->feeds[i];
		*g = *f;
		g->name = xstrdup(f->name);
		g->kind = core_strdup_or_null(f->kind);
		g->url = core_strdup_or_null(f->url);
		g->query = core_strdup_or_null(f->query);
		g->unit = core_strdup_or_null(f->unit);
		g->warn = core_strdup_or_null(f->warn);
		g->crit = core_strdup_or_null(f->crit);
		g->level = core_strdup_or_null(f->level);
	}
}

/* Returns the action named name, or NULL; owned by the state. */
struct core_action *
core_state_action(const struct core_state *s, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < s->nactions; i++) {
		if (strcmp(s->actions[i].name, name) == 0)
			return &s->actions[i];
	}
	return NULL;
}

/* Returns the feed (or removed feed) named name, or NULL; the state's. */
struct core_feed *
core_state_feed(const struct core_state *s, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < s->nfeeds; i++) {
		if (strcmp(s->feeds[i].name, name) == 0)
			return &s->feeds[i];
	}
	return NULL;
}

/* Returns the feed named name, added (empty) if there is none; the state's. */
struct core_feed *
core_state_feed_add(struct core_state *s, const char *name)
{
	struct core_feed	*f;

	if ((f = core_state_feed(s, name)) != NULL)
		return f;
	s->feeds = xreallocarray(s->feeds, s->nfeeds + 1, sizeof *s->feeds);
	f = &s->feeds[s->nfeeds++];
	memset(f, 0, sizeof *f);
	f->name = xstrdup(name);
	return f;
}

/* Record that event e makes the event at ref the key moment kind. */
void
core_state_moment_add(struct core_state *s, int64_t ref,
    const struct core_event *e, const char *kind)
{
	struct core_moment	*m;
	size_t			 i;

	s->moments = xreallocarray(s->moments, s->nmoments + 1,
	    sizeof *s->moments);
	m = &s->moments[s->nmoments++];
	m->ref = ref;
	m->seq = e->seq;
	m->kind = xstrdup(kind);
	m->by = xstrdup(core_str_or(e->actor, "?"));
	m->text = ref == e->seq ? core_strdup_or_null(e->text) : NULL;
	m->seen = NULL;
	m->nseen = 0;
	for (i = 0; i < e->nseen; i++)
		core_list_add(&m->seen, &m->nseen, e->seen[i]);
}

/* Returns the note with seq (binary search: notes are in seq order). */
struct core_note *
core_state_note(const struct core_state *s, int64_t seq)
{
	size_t	lo = 0, hi = s->nnotes, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->notes[mid].seq == seq)
			return &s->notes[mid];
		if (s->notes[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Returns the role named role, or NULL; owned by the state. */
struct core_role *
core_state_role(const struct core_state *s, const char *role)
{
	size_t	i;

	for (i = 0; role != NULL && i < s->nroles; i++) {
		if (strcmp(s->roles[i].role, role) == 0)
			return &s->roles[i];
	}
	return NULL;
}

char *
core_state_roles(const struct core_state *s, const char *user)
{
	struct buf	b;
	size_t		i;

	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	if (s->ic != NULL && user != NULL && strcmp(s->ic, user) == 0)
		util_buf_adds(&b, "ic");
	for (i = 0; user != NULL && i < s->nroles; i++) {
		if (s->roles[i].user == NULL ||
		    strcmp(s->roles[i].user, user) != 0)
			continue;
		if (b.len != 0)
			util_buf_addc(&b, ',');
		util_buf_adds(&b, s->roles[i].role);
	}
	return util_buf_steal(&b);
}

/* Drop the payload fields a command does not use, so they are never logged. */
static void
core_state_trim(struct core_event *e, int fields)
{
	if (!(fields & CORE_FLD_NAME)) {
		free(e->name);
		e->name = NULL;
	}
	if (!(fields & CORE_FLD_USER)) {
		free(e->user);
		e->user = NULL;
	}
	if (!(fields & CORE_FLD_ROLE)) {
		free(e->role);
		e->role = NULL;
	}
	if (!(fields & CORE_FLD_STATE)) {
		free(e->state);
		e->state = NULL;
	}
	if (!(fields & CORE_FLD_OUTCOME)) {
		free(e->outcome);
		e->outcome = NULL;
	}
	if (!(fields & CORE_FLD_KIND)) {
		free(e->kind);
		e->kind = NULL;
	}
	if (!(fields & CORE_FLD_REF))
		e->ref = 0;
	if (!(fields & CORE_FLD_TEXT)) {
		free(e->text);
		e->text = NULL;
	}
	if (!(fields & CORE_FLD_AFTER)) {
		core_list_free(e->after, e->nafter);
		e->after = NULL;
		e->nafter = 0;
	}
	if (!(fields & CORE_FLD_CONFLICTS)) {
		core_list_free(e->conflicts, e->nconflicts);
		e->conflicts = NULL;
		e->nconflicts = 0;
	}
	if (!(fields & CORE_FLD_SEV))
		e->sev = 0;
	if (!(fields & CORE_FLD_TTL))
		e->ttl = 0;
	if (!(fields & CORE_FLD_FENCE))
		e->fence = 0;
	if (!(fields & CORE_FLD_FORCE))
		e->force = 0;
	if (!(fields & CORE_FLD_WRITTEN))
		e->written = 0;
}

/*
 * Does a command claim to be from someone other than the connection it
 * came on acts as (its actor), or to be done by another (its by)?  The hub
 * alone says who did what: such a command is refused, never corrected.
 * The hub's own events (ctx->internal) are exempt.  Returns 0, or -1 with
 * *r filled.
 */
static int
core_state_claims(const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	if (ctx->internal)
		return 0;
	if (cmd->actor != NULL && strcmp(cmd->actor, ctx->actor) != 0) {
		if (!core_name_valid(cmd->actor))
			return core_refuse(r, "not-you", "the command names "
			    "another actor; this connection acts as %s",
			    ctx->actor);
		return core_refuse(r, "not-you", "the command says it is "
		    "from %s; this connection acts as %s", cmd->actor,
		    ctx->actor);
	}
	if (cmd->by != NULL && (ctx->by == NULL ||
	    strcmp(cmd->by, ctx->by) != 0)) {
		if (ctx->by == NULL)
			return core_refuse(r, "not-you", "the command says it "
			    "is done on behalf of another; this connection "
			    "is %s itself", ctx->actor);
		return core_refuse(r, "not-you", "the command says it is "
		    "done by another; this connection is %s acting as %s",
		    ctx->by, ctx->actor);
	}
	return 0;
}

int
core_state_check(const struct core_state *s, struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	const struct core_cmd_entry	*ce = core_cmd_entry_of(cmd->type);
	char				*actor, *by, *why;
	size_t				 i;
	int				 right;

	r->code = NULL;
	r->message = NULL;
	if (ce == NULL)
		return core_refuse(r, "bad-request", "unknown command");
	if (!core_name_valid(ctx->actor))
		return core_refuse(r, "bad-request",
		    "user name must be 1-%d of A-Z a-z 0-9 . _ @ -",
		    CORE_NAME_MAX);
	if (!ctx->internal && strcmp(ctx->actor, CORE_ACTOR_HUB) == 0)
		return core_refuse(r, "bad-request", "the name %s is the hub's",
		    CORE_ACTOR_HUB);
	if ((ce->flags & CORE_F_HUB) && !ctx->internal)
		return core_refuse(r, "forbidden",
		    "%s is issued by the hub only", ce->name);
	if (core_state_claims(cmd, ctx, r) != 0)
		return -1;
	/* A fenced command's view is its fence; the others name a seq. */
	if ((ce->flags & CORE_F_COORD) && !(ce->flags & CORE_F_FENCED) &&
	    ctx->based_on < 0)
		return core_refuse(r, "bad-request", "%s needs based_on (the "
		    "seq of the view it was decided on)", ce->name);
	if (ce->type != CORE_OPEN && s->seq == 0)
		return core_refuse(r, "no-incident", "no such incident");
	/*
	 * Permission, by the table (core-authz.c); the hub's own commands
	 * need none.  Who may amend depends on the note: here anyone who may
	 * amend some note passes, and the amendment's check decides.
	 */
	right = core_authz_right(cmd);
	if (!ctx->internal && right != CORE_RIGHT_NONE &&
	    !(right == CORE_RIGHT_AMEND && core_authz_holds(ctx->authz, s,
	    ctx->actor, CORE_RIGHT_AMEND_ANY)) &&
	    core_authz_check(s, ctx, right, NULL, r) != 0)
		return -1;
	core_state_trim(cmd, ce->fields);
	if (core_event_valid(cmd, CORE_VALID_SHAPE, &why) != 0) {
		core_refuse(r, "bad-request", "%s", why);
		free(why);
		return -1;
	}
	if (ce->check(s, cmd, ctx, r) != 0)
		return -1;
	actor = xstrdup(ctx->actor);	/* ctx->actor may be cmd->actor */
	free(cmd->actor);
	cmd->actor = actor;
	by = ctx->by != NULL ? xstrdup(ctx->by) : NULL;
	free(cmd->by);
	cmd->by = by;
	if (ce->fields & CORE_FLD_SEEN) {
		core_list_free(cmd->seen, cmd->nseen);
		cmd->seen = NULL;
		cmd->nseen = 0;
		for (i = 0; i < ctx->nseen && i < CORE_FEEDS_MAX; i++)
			core_list_add(&cmd->seen, &cmd->nseen, ctx->seen[i]);
	}
	free(cmd->roles);
	cmd->roles = core_state_roles(s, actor);
	return 0;
}

void
core_state_assert(const struct core_state *s)
{
#ifndef NDEBUG
	char	*cause;

	if (core_state_valid(s, &cause) != 0)
		core_assert_fail(cause, __FILE__, __LINE__, __func__);
#else
	(void)s;
#endif
}

/* Fold e into s, whose chain is already next. */
static void
core_state_fold(struct core_state *s, const struct core_event *e,
    const unsigned char *next, const struct core_ctx *ctx)
{
	const struct core_cmd_entry	*ce = core_cmd_entry_of(e->type);

	memcpy(s->chain, next, CORE_HASH_LEN);
	s->seq = e->seq;
	s->last_time = e->time;
	if (e->actor != NULL && strcmp(e->actor, CORE_ACTOR_HUB) != 0 &&
	    !core_list_has(s->people, s->npeople, e->actor))
		core_list_add(&s->people, &s->npeople, e->actor);
	if (ce != NULL && ce->apply != NULL)
		ce->apply(s, e, ctx);
}

void
core_state_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	unsigned char	next[CORE_HASH_LEN];

	core_chain_next(s->chain, e, next);
	core_state_fold(s, e, next, ctx);
}

void
core_state_apply_encoded(struct core_state *s, const struct core_event *e,
    const char *canon, size_t len, const struct core_ctx *ctx)
{
	unsigned char	next[CORE_HASH_LEN];

	core_chain_next_bytes(s->chain, canon, len, next);
	core_state_fold(s, e, next, ctx);
}

int
core_state_follow(struct core_state *s, const struct core_event *e,
    const unsigned char *hash, const struct core_ctx *ctx, char **cause)
{
	if (e->seq != s->seq + 1) {
		*cause = xasprintf("gap in the log: seq %lld after %lld",
		    (long long)e->seq, (long long)s->seq);
		return CORE_FOLLOW_GAP;
	}
	core_state_apply(s, e, ctx);
	core_assert(s->seq == e->seq);
	core_state_assert(s);
	if (hash != NULL && memcmp(s->chain, hash, CORE_HASH_LEN) != 0) {
		*cause = xasprintf("chain mismatch at seq %lld",
		    (long long)e->seq);
		return CORE_FOLLOW_BROKEN;
	}
	return 0;
}

int
core_state_valid(const struct core_state *s, char **cause)
{
	const struct core_action	*a;
	size_t				 i;

	if (s->seq < 0) {
		*cause = xasprintf("seq %lld is negative", (long long)s->seq);
		return -1;
	}
	if (s->ic != NULL && s->ic[0] == '\0') {
		*cause = xstrdup("the incident commander has no name");
		return -1;
	}
	for (i = 0; i < s->nactions; i++) {
		a = &s->actions[i];
		if (a->fence < 0 || a->fence > s->seq) {
			*cause = xasprintf("%s: fence %lld is not within seq "
			    "%lld", a->name, (long long)a->fence,
			    (long long)s->seq);
			return -1;
		}
		if (a->state == CORE_ACTION_HELD && a->fence < 1) {
			*cause = xasprintf("%s: held without a fence",
			    a->name);
			return -1;
		}
		if ((a->state == CORE_ACTION_HELD) != (a->holder != NULL)) {
			*cause = xasprintf("%s: %s", a->name,
			    a->holder != NULL ? "a holder but not held" :
			    "held without a holder");
			return -1;
		}
	}
	return 0;
}

void
core_state_renew(struct core_state *s, const char *name, int64_t now)
{
	struct core_action	*a = core_state_action(s, name);

	if (a != NULL && a->state == CORE_ACTION_HELD)
		a->deadline = now + a->ttl;
}

void
core_state_grace(struct core_state *s, int64_t now, int64_t grace)
{
	size_t	i;

	for (i = 0; i < s->nactions; i++) {
		if (s->actions[i].state == CORE_ACTION_HELD &&
		    s->actions[i].deadline < now + grace)
			s->actions[i].deadline = now + grace;
	}
}

size_t
core_state_afresh(struct core_state *s, int64_t now)
{
	struct core_action	*a;
	size_t			 i, n = 0;

	for (i = 0; i < s->nactions; i++) {
		a = &s->actions[i];
		if (a->state == CORE_ACTION_HELD &&
		    a->deadline < now + a->ttl) {
			a->deadline = now + a->ttl;
			n++;
		}
	}
	return n;
}

int64_t
core_state_next_deadline(const struct core_state *s)
{
	int64_t	next = INT64_MAX;
	size_t	i;

	for (i = 0; i < s->nactions; i++) {
		if (s->actions[i].state == CORE_ACTION_HELD &&
		    s->actions[i].deadline < next)
			next = s->actions[i].deadline;
	}
	return next;
}

struct core_action *
core_state_expired(const struct core_state *s, int64_t now)
{
	size_t	i;

	for (i = 0; i < s->nactions; i++) {
		if (s->actions[i].state == CORE_ACTION_HELD &&
		    s->actions[i].deadline <= now)
			return &s->actions[i];
	}
	return NULL;
}

int64_t
core_state_fence_of(const struct core_state *s, const char *name,
    const char *user)
{
	struct core_action	*a = core_state_action(s, name);

	if (a == NULL || a->state != CORE_ACTION_HELD || user == NULL ||
	    strcmp(a->holder, user) != 0)
		return 0;
	return a->fence;
}

char *
core_state_blocked(const struct core_state *s, const struct core_action *a)
{
	const struct core_action	*b;
	size_t				 i;

	for (i = 0; i < a->nafter; i++) {
		b = core_state_action(s, a->after[i]);
		if (b != NULL && b->state != CORE_ACTION_DONE)
			return xasprintf("after %s", b->name);
	}
	for (i = 0; i < s->nactions; i++) {
		b = &s->actions[i];
		if (b != a && b->state == CORE_ACTION_HELD &&
		    (core_list_has(a->conflicts, a->nconflicts, b->name) ||
		    core_list_has(b->conflicts, b->nconflicts, a->name)))
			return xasprintf("conflicts with %s running", b->name);
	}
	return NULL;
}

void
core_state_command_to(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	(void)ctx;
	free(s->ic);
	s->ic = e->actor != NULL ? xstrdup(e->actor) : NULL;
	free(s->offer);
	s->offer = NULL;
	core_mark_set(&s->ic_mark, e);
}
