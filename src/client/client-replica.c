/*
 * A replica of one incident: its state and its timeline, folded from the
 * incident's events as a hub sends them.
 *
 * Invariants: the state is at seq ntl (entry n of the timeline is seq
 * n + 1, from seq 1, no gaps) and its chain is the one the hub sent with
 * the last event folded; an event that does not follow, or whose chain
 * does not match, is refused and leaves both unchanged or, when the chain
 * breaks, leaves a replica the caller must reset.  Each entry's kind is
 * the key moment the state gave its event, whatever command marked it;
 * amended_by is the latest amendment and current what the entry reads as
 * with its text (the original stays in text).  Nothing here reads the
 * network or the clock: the time comes in with each event.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "util.h"

/* Start an empty replica of incident; clear it with client_replica_clear. */
void
client_replica_init(struct client_replica *r, const char *incident)
{
	memset(r, 0, sizeof *r);
	core_state_init(&r->st, incident);
}

/* Free what the replica holds; it may be initialised again. */
void
client_replica_clear(struct client_replica *r)
{
	size_t	i;

	for (i = 0; i < r->ntl; i++) {
		free(r->tl[i].actor);
		free(r->tl[i].by);
		free(r->tl[i].roles);
		free(r->tl[i].op);
		free(r->tl[i].text);
		free(r->tl[i].current);
		free(r->tl[i].kind);
	}
	free(r->tl);
	core_state_clear(&r->st);
	memset(r, 0, sizeof *r);
}

/* Forget everything: the next event folded must be seq 1. */
void
client_replica_reset(struct client_replica *r)
{
	char	*incident = xstrdup(r->st.id);

	client_replica_clear(r);
	client_replica_init(r, incident);
	free(incident);
}

/* A description as one line (tabs and line feeds as spaces), in place. */
static char *
client_replica_line(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	}
	return s;
}

/*
 * Fold event e, sent with chain hash, at monotonic time now (ms).  Returns
 * 1 if it was folded, 0 if it is already held, or -1 with *cause (caller
 * frees) if it does not follow or the chain does not match: the replica
 * must then be reset.
 */
int
client_replica_fold(struct client_replica *r, const struct core_event *e,
    const unsigned char *hash, int64_t now, char **cause)
{
	struct core_ctx		 ctx;
	struct core_event	 now_reads;
	struct client_tl	*t, *a;
	const struct core_moment *m;
	size_t			 i, moments = r->st.nmoments;

	if (e->seq <= r->st.seq)
		return 0;
	memset(&ctx, 0, sizeof ctx);
	ctx.now = now;
	if (core_state_follow(&r->st, e, hash, &ctx, cause) != 0)
		return -1;
	if (r->ntl == r->captl) {
		r->captl = r->captl == 0 ? 1024 : r->captl * 2;
		r->tl = xreallocarray(r->tl, r->captl, sizeof *r->tl);
	}
	t = &r->tl[r->ntl++];
	memset(t, 0, sizeof *t);
	t->seq = e->seq;
	t->time = e->time;
	t->written = e->written;
	t->type = e->type;
	t->actor = xstrdup(core_str_or(e->actor, "?"));
	t->by = core_strdup_or_null(e->by);
	t->roles = xstrdup(core_str_or(e->roles, ""));
	t->op = core_strdup_or_null(e->op);
	t->ref = e->ref;
	t->text = client_replica_line(core_event_describe(e));
	if (e->type == CORE_AMEND && e->ref >= 1 && (size_t)e->ref < r->ntl) {
		/* The entry amended reads as its kind does, with the new
		 * text. */
		a = &r->tl[e->ref - 1];
		a->amended_by = e->seq;
		core_event_init(&now_reads);
		now_reads.type = a->type;
		now_reads.text = e->text;	/* borrowed */
		free(a->current);
		a->current = client_replica_line(core_event_describe(
		    &now_reads));
	}
	for (i = moments; i < r->st.nmoments; i++) {
		m = &r->st.moments[i];
		if (m->ref < 1 || (size_t)m->ref > r->ntl)
			continue;
		free(r->tl[m->ref - 1].kind);
		r->tl[m->ref - 1].kind = xstrdup(m->kind);
	}
	return 1;
}
