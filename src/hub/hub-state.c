/*
 * The hub's incidents: command handling, group commit and lease timers.
 *
 * Each incident's core_state runs ahead of the store by the events pending
 * in the current batch; inc->committed and inc->chain say what is durable.
 * An accepted event's canonical bytes and wire form are made once, as it is
 * queued: the commit stores both and hands the wire form to the ring.
 * Clients only ever see committed events (their cursors stop at committed)
 * and acknowledgements are only sent after the batch's COMMIT returned, so
 * an acknowledged event is never lost.  A failed commit exits the hub: the
 * in-memory state is ahead of the store and only a restart, which replays
 * the store, makes them agree again (but a batch that lost its connection
 * to a shared store is kept and tried again, and the clients told, see
 * hub_state_commit_failed).  An operation id the store cannot look up is
 * never taken as new for good: the incident is marked (recheck) and its
 * commands are decided again under the next batch's lock.
 *
 * With a shared store (several hubs on one PostgreSQL) a command is decided
 * at once against what this hub knows, but the batch that makes it durable
 * first locks the head of each incident it touches (hub_state_lock): if
 * another hub has moved a head, the incident is read again from the store
 * under that lock and each of this hub's waiting commands for it, which
 * keep the command as it came (redo), is decided again in order, refusals
 * included.  So what is acknowledged was decided against the locked head,
 * and two hubs never both grant a claim.  Other hubs' commits are read in
 * by hub_state_catchup when the store says so (notifications, handled as
 * soon as their socket is readable), into incidents with nothing pending
 * here, and followers are woken.  Events
 * the hub issued itself are decided again too (hub_state_redo_own).
 *
 * Leases run on one clock, the leader's (hub-elect.c): only the hub that
 * leads issues expiries; on the others a lease that ran out by their
 * clock is held until the leader's expiry arrives (hub_state_hold), and a
 * renewal through any hub is announced to all.  Taking the lead, or
 * hearing the other hubs again after missing what they announced, times
 * every held lease afresh (hub_state_afresh): a lease may then run a
 * little longer than its TTL, never shorter.  With SQLite the hub always
 * leads.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "store.h"

static void	hub_state_arm_commit(struct hub *);
static void	hub_state_watch(struct hub *);
static void	hub_state_commit_cb(lws_sorted_usec_list_t *);
static int	hub_state_opened_by_op(struct hub *, struct hub_incident *,
		    const char *);

struct hub_incident *
hub_state_find(struct hub *hub, const char *id)
{
	struct hub_incident	*inc;

	if (id == NULL)
		return NULL;
	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		if (strcmp(inc->state.id, id) == 0)
			return inc;
	}
	return NULL;
}

/* A wire form the store lacks or holds wrong, to be written. */
struct hub_load_fix {
	int64_t		 seq;
	char		*wire;
	size_t		 len;
};

struct hub_load {
	struct hub_incident	*inc;
	struct core_ctx		 ctx;
	char			*cause;
	struct buf		 wire;
	struct hub_load_fix	*fixes;
	size_t			 nfixes;
	int64_t			 filled;
};

static int
hub_state_load_event(const struct core_event *e, const struct store_row *r,
    void *arg)
{
	struct hub_load		*l = arg;
	struct hub_load_fix	*f;
	char			*why;

	if (core_state_follow(&l->inc->state, e, r->hash, &l->ctx, &why) != 0) {
		l->cause = xasprintf("%s: %s", l->inc->state.id, why);
		free(why);
		return 1;
	}
	if (e->seq == 1) {
		free(l->inc->opener);
		l->inc->opener = xstrdup(core_str_or(e->by,
		    core_str_or(e->actor, "?")));
	}
	hub_ops_add(&l->inc->ops, e->op);
	util_buf_reset(&l->wire);
	proto_wire_encode(e, r->hash, &l->wire);
	if (r->wire != NULL && r->wirelen == l->wire.len &&
	    memcmp(r->wire, l->wire.data, r->wirelen) == 0)
		return 0;
	l->fixes = xreallocarray(l->fixes, l->nfixes + 1, sizeof *l->fixes);
	f = &l->fixes[l->nfixes++];
	f->seq = e->seq;
	f->len = l->wire.len;
	f->wire = util_buf_steal(&l->wire);
	return 0;
}

/*
 * Write the wire forms the last batch of events lacked (a store made
 * before they were kept) or held wrong.  Returns 0, or -1 with *cause.
 */
static int
hub_state_load_fix(struct hub *hub, struct hub_load *l, char **cause)
{
	size_t	i;
	int	rc = 0;

	if (l->nfixes == 0)
		return 0;
	if (store_begin(hub->store, cause) != 0)
		rc = -1;
	for (i = 0; i < l->nfixes; i++) {
		if (rc == 0 && store_wire_set(hub->store, l->inc->state.id,
		    l->fixes[i].seq, l->fixes[i].wire, l->fixes[i].len,
		    cause) != 0) {
			store_rollback(hub->store);
			rc = -1;
		}
		free(l->fixes[i].wire);
	}
	if (rc == 0 && store_commit(hub->store, cause) != 0) {
		store_rollback(hub->store);
		rc = -1;
	}
	l->filled += (int64_t)l->nfixes;
	free(l->fixes);
	l->fixes = NULL;
	l->nfixes = 0;
	return rc;
}

/*
 * Load one incident from the store and add it to the hub's.  Returns it,
 * or NULL with *cause, or with *cause NULL if the store has no events of
 * it.
 */
static struct hub_incident *
hub_state_load_one(struct hub *hub, const char *id, char **cause)
{
	struct hub_incident	*inc;
	struct hub_load		 l;
	char			*why = NULL;
	int64_t			 n, now = util_clock_mono_ms();

	inc = xcalloc(1, sizeof *inc);
	core_state_init(&inc->state, id);
	TAILQ_INIT(&inc->feeds);
	memset(&l, 0, sizeof l);
	l.inc = inc;
	l.ctx.now = now;
	l.ctx.lock_delay = hub->cfg.lock_delay;
	util_buf_init(&l.wire);
	do {
		n = store_events(hub->store, id, inc->state.seq, 4096,
		    hub_state_load_event, &l, cause);
		if (n >= 0 && hub_state_load_fix(hub, &l, &why) != 0) {
			l.cause = xasprintf("%s: cannot store wire forms: %s",
			    id, why);
			free(why);
		}
	} while (n > 0 && l.cause == NULL);
	util_buf_clear(&l.wire);
	if (n < 0 || l.cause != NULL) {
		if (l.cause != NULL) {
			if (n < 0)
				free(*cause);
			*cause = l.cause;
		}
		while (l.nfixes > 0)
			free(l.fixes[--l.nfixes].wire);
		free(l.fixes);
		core_state_clear(&inc->state);
		hub_ops_clear(&inc->ops);
		free(inc->opener);
		free(inc);
		return NULL;
	}
	if (inc->state.seq == 0) {
		*cause = NULL;
		core_state_clear(&inc->state);
		hub_ops_clear(&inc->ops);
		free(inc->opener);
		free(inc);
		return NULL;
	}
	core_state_grace(&inc->state, now, hub->cfg.grace);
	if (store_shared(hub->store))
		core_state_copy(&inc->durable, &inc->state);
	inc->committed = inc->state.seq;
	memcpy(inc->chain, inc->state.chain, CORE_HASH_LEN);
	STAILQ_INSERT_TAIL(&hub->incidents, inc, entry);
	util_log("loaded %s: %lld events", id, (long long)inc->state.seq);
	if (l.filled > 0)
		util_log("%s: wrote the wire form of %lld events", id,
		    (long long)l.filled);
	return inc;
}

int
hub_state_load(struct hub *hub, char **cause)
{
	char	**ids;
	size_t	  nids, i;

	if (store_incidents(hub->store, &ids, &nids, cause) != 0)
		return -1;
	for (i = 0; i < nids; i++) {
		if (hub_state_load_one(hub, ids[i], cause) == NULL) {
			if (*cause == NULL)
				*cause = xasprintf("%s has no events", ids[i]);
			core_list_free(ids, nids);
			return -1;
		}
	}
	core_list_free(ids, nids);
	hub->next_incident = store_incident_next(hub->store);
	return 0;
}

/*
 * Following what other hubs committed to a shared store: each event is
 * folded in (checked to continue the chain), its op id noted and its wire
 * form put in the ring, past ring_after.
 */
struct hub_follow {
	struct hub_incident	*inc;
	struct core_state	*st;		/* followed: checked */
	struct core_state	*also;		/* and folded, or NULL */
	struct core_ctx		 ctx;
	int64_t			 ring_after;
	char			*cause;
};

static int
hub_state_follow_event(const struct core_event *e, const struct store_row *r,
    void *arg)
{
	struct hub_follow	*f = arg;
	struct hub_incident	*inc = f->inc;
	struct buf		 b;
	char			*why;

	if (r->wire == NULL) {
		f->cause = xasprintf("%s: seq %lld has no wire form",
		    inc->state.id, (long long)e->seq);
		return 1;
	}
	if (core_state_follow(f->st, e, r->hash, &f->ctx, &why) != 0) {
		f->cause = xasprintf("%s: %s", inc->state.id, why);
		free(why);
		return 1;
	}
	if (f->also != NULL)
		core_state_apply(f->also, e, &f->ctx);
	hub_ops_add(&inc->ops, e->op);
	inc->committed = e->seq;
	memcpy(inc->chain, r->hash, CORE_HASH_LEN);
	if (e->seq > f->ring_after) {
		util_buf_init(&b);
		util_buf_add(&b, r->wire, r->wirelen);
		hub_ring_add(&inc->ring, e->seq, &b);
		util_buf_clear(&b);
	}
	return 0;
}

/*
 * Read inc's events past st's seq from the store and fold them into st
 * (checking the chain) and into also, unless NULL, which is at the same
 * seq.  Returns 0, or -1 with *cause.
 */
static int
hub_state_follow(struct hub *hub, struct hub_incident *inc,
    struct core_state *st, struct core_state *also, int64_t ring_after,
    char **cause)
{
	struct hub_follow	f;
	int64_t			n;

	memset(&f, 0, sizeof f);
	f.inc = inc;
	f.st = st;
	f.also = also;
	f.ctx.now = util_clock_mono_ms();
	f.ctx.lock_delay = hub->cfg.lock_delay;
	f.ring_after = ring_after;
	do {
		n = store_events(hub->store, inc->state.id, st->seq,
		    4096, hub_state_follow_event, &f, cause);
	} while (n > 0 && f.cause == NULL);
	if (f.cause != NULL) {
		if (n < 0)
			free(*cause);
		*cause = f.cause;
		return -1;
	}
	return n < 0 ? -1 : 0;
}

/* Wake the followers of inc that are behind what is committed. */
static void
hub_state_wake(struct hub *hub, struct hub_incident *inc)
{
	struct hub_client	*c;

	LIST_FOREACH(c, &hub->clients, entry) {
		if (c->subscribed && c->inc == inc &&
		    c->cursor < inc->committed)
			lws_callback_on_writable(c->wsi);
	}
}

/*
 * The event pending for inc with operation id op, or NULL: accepted, not
 * yet durable, so the store does not know it.
 */
static struct hub_pending *
hub_state_queued(struct hub *hub, struct hub_incident *inc, const char *op)
{
	struct hub_pending	*p;

	STAILQ_FOREACH(p, &hub->pending, entry) {
		if (p->kind == HUB_PENDING_EVENT && p->inc == inc &&
		    p->op != NULL && strcmp(p->op, op) == 0)
			return p;
	}
	return NULL;
}

/* Is anything of this hub's pending for inc? */
static int
hub_state_pending_for(struct hub *hub, struct hub_incident *inc)
{
	struct hub_pending	*p;

	STAILQ_FOREACH(p, &hub->pending, entry) {
		if (p->inc == inc)
			return 1;
	}
	return 0;
}

int
hub_state_catchup(struct hub *hub, const char *id, int64_t seq)
{
	struct hub_incident	*inc;
	char			**ids, *cause = NULL;
	size_t			 nids, i;
	int64_t			 before, num;
	int			 changed = 0;

	if (!store_shared(hub->store))
		return 0;
	if (id == NULL) {
		if (store_incidents(hub->store, &ids, &nids, &cause) != 0) {
			util_log("store: %s", cause);
			free(cause);
			return 0;
		}
		for (i = 0; i < nids; i++)
			changed |= hub_state_catchup(hub, ids[i], INT64_MAX);
		core_list_free(ids, nids);
		return changed;
	}
	if ((inc = hub_state_find(hub, id)) == NULL) {
		if ((inc = hub_state_load_one(hub, id, &cause)) == NULL) {
			if (cause != NULL)	/* not just no such incident */
				util_log("cannot load %s: %s", id, cause);
			free(cause);
			return 0;
		}
		if (sscanf(id, "INC-%" SCNd64, &num) == 1 &&
		    num >= hub->next_incident)
			hub->next_incident = num + 1;
		hub->tele_dirty = 1;
		return 1;
	}
	if (seq <= inc->committed || inc->state.seq != inc->committed ||
	    hub_state_pending_for(hub, inc))
		return 0;	/* known, or this hub's commit will catch up */
	before = inc->committed;
	if (hub_state_follow(hub, inc, &inc->state, &inc->durable,
	    inc->committed, &cause) != 0) {
		util_log("cannot follow %s: %s", id, cause);
		free(cause);
	}
	if (inc->committed == before)
		return 0;
	hub_state_wake(hub, inc);
	hub->tele_dirty = 1;
	return 1;
}

/*
 * Another hub renewed the lease on action of incident id, grant fence:
 * renew it here too, if this hub has that grant held.
 */
static void
hub_state_renewed(struct hub *hub, const char *id, int64_t fence,
    const char *action)
{
	struct hub_incident	*inc;
	struct core_action	*a;

	if ((inc = hub_state_find(hub, id)) == NULL ||
	    (a = core_state_action(&inc->state, action)) == NULL ||
	    a->state != CORE_ACTION_HELD || a->fence != fence)
		return;
	core_state_renew(&inc->state, action, util_clock_mono_ms());
	hub_ws_lease(hub, inc, NULL, a);
	hub->notify_changed = 1;
}

static void
hub_state_notified(const char *id, int64_t seq, const char *lease,
    void *arg)
{
	struct hub	*hub = arg;

	if (lease != NULL)
		hub_state_renewed(hub, id, seq, lease);
	else if (hub_state_catchup(hub, id, seq))
		hub->notify_changed = 1;
	if (id == NULL) {
		/* Renewals announced meanwhile are lost: count them. */
		hub_state_afresh(hub, "hearing other hubs again");
		hub->notify_changed = 1;
	}
}

void
hub_state_afresh(struct hub *hub, const char *why)
{
	struct hub_incident	*inc;
	struct core_action	*a;
	int64_t			 now = util_clock_mono_ms();
	size_t			 n = 0, i;

	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		if (core_state_afresh(&inc->state, now) == 0)
			continue;
		for (i = 0; i < inc->state.nactions; i++) {
			a = &inc->state.actions[i];
			if (a->state == CORE_ACTION_HELD) {
				hub_ws_lease(hub, inc, NULL, a);
				n++;
			}
		}
	}
	if (n > 0)
		util_log("%s: %zu held leases timed afresh", why, n);
}

/* Read what other hubs committed, as the store says, and catch up. */
static void
hub_state_hear(struct hub *hub)
{
	char	*cause = NULL;

	hub->notify_changed = 0;
	if (store_notified(hub->store, hub_state_notified, hub,
	    &cause) == -1) {
		if (!hub->notify_failing)
			util_log("store: cannot hear other hubs: %s", cause);
		hub->notify_failing = 1;
		hub_state_store(hub, cause);
		free(cause);
	} else if (hub->notify_failing) {
		util_log("store: hearing other hubs again");
		hub->notify_failing = 0;
		if (!hub->commit_failing)
			hub_state_store(hub, NULL);
	}
	if (hub->notify_changed) {
		hub_http_committed(hub);
		hub_state_leases(hub);
		lws_cancel_service(hub->ctx);
	}
}

/*
 * The notifications' socket in the event loop.  libpq owns its socket and
 * closes it when it reconnects, so the loop watches a dup of it, which lws
 * owns and closes: the watch is dropped (its wsi loses the hub and is
 * closed) whenever the store's socket is gone or is no longer the one the
 * dup refers to, and a dup of the new one is watched instead.
 */
static int
hub_state_notify_cb(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct hub	*hub;

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if ((hub = lws_get_opaque_user_data(wsi)) == NULL)
			return -1;	/* dropped: lws closes the dup */
		hub_state_hear(hub);
		hub_state_watch(hub);	/* it may have reconnected */
		return lws_get_opaque_user_data(wsi) == NULL ? -1 : 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if ((hub = lws_get_opaque_user_data(wsi)) != NULL &&
		    hub->notify_wsi == wsi)
			hub->notify_wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols hub_state_notify_protocols[] = {
	{ "concord-store", hub_state_notify_cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
hub_state_unwatch(struct hub *hub)
{
	if (hub->notify_wsi == NULL)
		return;
	lws_set_opaque_user_data(hub->notify_wsi, NULL);
	lws_set_timeout(hub->notify_wsi, PENDING_TIMEOUT_USER_OK,
	    LWS_TO_KILL_ASYNC);
	hub->notify_wsi = NULL;
}

/* Watch the store's notifications' socket, if it is not watched yet. */
static void
hub_state_watch(struct hub *hub)
{
	struct lws_context_creation_info	 info;
	lws_adopt_desc_t			 ad;
	struct stat				 now, was;
	int					 fd, copy;

	if ((fd = store_notify_fd(hub->store)) == -1) {
		hub_state_unwatch(hub);
		return;
	}
	if (hub->notify_wsi != NULL && fstat(fd, &now) == 0 &&
	    fstat(hub->notify_fd, &was) == 0 && now.st_dev == was.st_dev &&
	    now.st_ino == was.st_ino)
		return;
	hub_state_unwatch(hub);
	if (hub->notify_vh == NULL) {
		memset(&info, 0, sizeof info);
		info.vhost_name = "store";
		info.port = CONTEXT_PORT_NO_LISTEN;
		info.protocols = hub_state_notify_protocols;
		if ((hub->notify_vh = lws_create_vhost(hub->ctx,
		    &info)) == NULL) {
			util_log("store: cannot watch for other hubs' "
			    "commits (every %d ms instead)", HUB_NOTIFY_POLL);
			return;
		}
	}
	if ((copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return;		/* the timer looks again */
	memset(&ad, 0, sizeof ad);
	ad.vh = hub->notify_vh;
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = copy;
	ad.vh_prot_name = hub_state_notify_protocols[0].name;
	ad.opaque = hub;
	/* On failure lws has closed the copy. */
	if ((hub->notify_wsi = lws_adopt_descriptor_vhost_via_info(&ad)) !=
	    NULL)
		hub->notify_fd = copy;
}

static void
hub_state_listen_cb(lws_sorted_usec_list_t *sul)
{
	struct hub	*hub = lws_container_of(sul, struct hub, notify_sul);

	hub_state_hear(hub);
	hub_state_watch(hub);
	lws_sul_schedule(hub->ctx, 0, &hub->notify_sul, hub_state_listen_cb,
	    HUB_NOTIFY_POLL * 1000);
	lws_cancel_service(hub->ctx);
}

void
hub_state_store(struct hub *hub, const char *cause)
{
	const char	*p;

	if (cause == NULL) {
		if (hub->store_down == NULL)
			return;
		free(hub->store_down);
		hub->store_down = NULL;
		util_log("store: the database can be reached again");
	} else {
		if (hub->store_down != NULL)
			return;
		/* Not "listening: ", "BEGIN: ": the database's words. */
		p = strstr(cause, ": ");
		if (p != NULL && strcspn(cause, " ") > (size_t)(p - cause))
			cause = p + 2;
		hub->store_down = xasprintf("hub cannot reach its database: "
		    "%s", cause);
		hub->stat_store_down++;
		util_log("store: %s; telling the clients", hub->store_down);
	}
	hub_ws_durable(hub, NULL);
}

void
hub_state_listen(struct hub *hub)
{
	if (store_shared(hub->store))
		hub_state_listen_cb(&hub->notify_sul);
}

static void
hub_pending_free(struct hub_pending *p)
{
	if (p->redo)
		core_event_clear(&p->cmd);
	free(p->actor);
	core_event_clear(&p->ev);
	util_buf_clear(&p->body);
	util_buf_clear(&p->wire);
	free(p->op);
	free(p->code);
	free(p->message);
	free(p);
}

void
hub_state_free(struct hub *hub)
{
	struct hub_incident	*inc;
	struct hub_pending	*p;

	while ((p = STAILQ_FIRST(&hub->pending)) != NULL) {
		STAILQ_REMOVE_HEAD(&hub->pending, entry);
		hub_pending_free(p);
	}
	hub->npending = 0;
	free(hub->store_down);
	hub->store_down = NULL;
	while ((inc = STAILQ_FIRST(&hub->incidents)) != NULL) {
		STAILQ_REMOVE_HEAD(&hub->incidents, entry);
		hub_tele_incident_free(inc);
		core_state_clear(&inc->state);
		core_state_clear(&inc->durable);
		hub_ring_clear(&inc->ring);
		hub_ops_clear(&inc->ops);
		util_buf_clear(&inc->events_head);
		free(inc->opener);
		free(inc);
	}
}

int
hub_state_present(struct hub *hub, struct hub_incident *inc, const char *user)
{
	struct hub_client	*c;

	if (user == NULL)
		return 0;
	LIST_FOREACH(c, &hub->clients, entry) {
		if (c->inc == inc && c->user != NULL && !c->closing &&
		    strcmp(c->user, user) == 0)
			return 1;
	}
	return 0;
}

void
hub_state_client_gone(struct hub *hub, struct hub_client *c)
{
	struct hub_pending	*p;

	STAILQ_FOREACH(p, &hub->pending, entry) {
		if (p->client == c)
			p->client = NULL;
	}
}

static void
hub_state_ack_ttl(struct hub_client *c, const char *incident, const char *op,
    int64_t seq, int64_t fence, int duplicate, int64_t ttl)
{
	struct proto_msg	m;

	if (c == NULL)
		return;
	proto_msg_init(&m, PROTO_ACK);
	m.ttl = ttl;
	m.incident = (char *)incident;
	m.op = (char *)op;
	m.seq = seq;
	m.fence = fence;
	m.duplicate = duplicate;
	hub_ws_send_msg(c, &m);
}

static void
hub_state_ack(struct hub_client *c, const char *incident, const char *op,
    int64_t seq, int64_t fence, int duplicate)
{
	hub_state_ack_ttl(c, incident, op, seq, fence, duplicate, 0);
}

/*
 * Queue something of this kind for the next commit, which answers c (if it
 * is still there) for op; fill in the rest of the kind.  The queue owns it.
 */
static struct hub_pending *
hub_pending_add(struct hub *hub, enum hub_pending_kind kind,
    struct hub_incident *inc, struct hub_client *c, const char *op)
{
	struct hub_pending	*p = xcalloc(1, sizeof *p);

	p->kind = kind;
	p->inc = inc;
	p->client = c;
	p->op = op != NULL ? xstrdup(op) : NULL;
	core_event_init(&p->ev);
	util_buf_init(&p->body);
	util_buf_init(&p->wire);
	STAILQ_INSERT_TAIL(&hub->pending, p, entry);
	hub->npending++;
	hub_state_arm_commit(hub);
	return p;
}

/*
 * Queue an accepted event (already folded into the state) with its
 * canonical bytes and its wire form, made once here; takes *ev and *body.
 */
static void
hub_state_queue(struct hub *hub, struct hub_incident *inc,
    struct core_event *ev, struct buf *body, struct hub_client *c)
{
	struct hub_pending	*p;

	p = hub_pending_add(hub, HUB_PENDING_EVENT, inc, c, ev->op);
	core_assert(ev->seq == inc->state.seq);
	p->ev = *ev;
	core_event_init(ev);
	p->body = *body;
	util_buf_init(body);
	memcpy(p->hash, inc->state.chain, CORE_HASH_LEN);
	proto_wire_encode(&p->ev, p->hash, &p->wire);
	hub_ops_add(&inc->ops, p->ev.op);
	if (p->ev.type == CORE_CLAIM)
		p->fence = p->ev.seq;
}

/*
 * Check a command and, if accepted, fold it in and queue it.  Returns 0, or
 * -1 with *r filled.  Before the event is logged it must survive its own
 * encodings unchanged (canonical bytes for the store and the chain, JSON
 * for every client and the export): an event that would come back
 * different would break the chain for everyone, so it is refused instead
 * (proto_event_prepare, which also gives the canonical bytes to store).
 */
static int
hub_state_accept(struct hub *hub, struct hub_incident *inc,
    struct core_event *cmd, struct core_ctx *ctx, struct hub_client *c,
    struct core_refusal *r)
{
	struct buf	 body;
	char		*why;

	if (core_state_check(&inc->state, cmd, ctx, r) != 0)
		return -1;
	cmd->seq = inc->state.seq + 1;
	cmd->time = ctx->wall > inc->state.last_time ? ctx->wall :
	    inc->state.last_time;
	util_buf_init(&body);
	if (proto_event_prepare(cmd, &body, &why) != 0) {
		util_log("%s: refused %s from %s: %s", inc->state.id,
		    core_type_name(cmd->type), ctx->actor, why);
		core_refuse(r, "bad-request", "the event would not survive its "
		    "own encoding: %s", why);
		free(why);
		util_buf_clear(&body);
		return -1;
	}
	core_state_apply_encoded(&inc->state, cmd, body.data, body.len, ctx);
	core_state_assert(&inc->state);
	hub_state_queue(hub, inc, cmd, &body, c);
	return 0;
}

/*
 * The context a command of this type is checked in, and what it may
 * record of the feeds: the names the configuration gives inc, and (seen
 * not NULL) each feed as everyone sees it now, which the caller frees
 * with core_list_free.  Whether the IC is connected is a walk over every
 * connection, so it is found only for the one command whose check asks
 * it (command.take, core-cmd-take.c).
 */
static void
hub_state_ctx(struct hub *hub, struct hub_incident *inc, const char *actor,
    enum core_type type, struct core_ctx *ctx, char ***seen)
{
	size_t	n;

	memset(ctx, 0, sizeof *ctx);
	ctx->actor = actor;
	ctx->now = util_clock_mono_ms();
	ctx->wall = util_clock_wall_ms();
	ctx->lock_delay = hub->cfg.lock_delay;
	ctx->based_on = -1;
	ctx->authz = &hub->cfg.authz;
	if (seen != NULL)
		*seen = NULL;
	if (inc == NULL)
		return;
	if (type == CORE_CMD_TAKE)
		ctx->ic_present = hub_state_present(hub, inc, inc->state.ic);
	ctx->feeds = hub_tele_configured(hub, inc, &ctx->nfeeds);
	if (seen != NULL) {
		*seen = hub_tele_seen(hub, inc, &n);
		ctx->seen = (const char *const *)*seen;
		ctx->nseen = n;
	}
}

/*
 * Log an event the hub itself issues (a feed's crossing, an alert) as
 * actor.  An event with an operation id already logged or pending is
 * logged once: returns 0 then too, and 1 when it was queued, or -1 with
 * *cause.  Takes nothing from ev, which the caller clears.
 */
int
hub_state_issue(struct hub *hub, struct hub_incident *inc,
    struct core_event *ev, const char *actor, char **cause)
{
	struct core_ctx		 ctx;
	struct core_refusal	 r;
	int64_t			 seq;

	if (ev->op != NULL) {
		if (hub_state_queued(hub, inc, ev->op) != NULL)
			return 0;
		/*
		 * A store that cannot say: queued, and if it was logged
		 * after all the append finds it so (store_duplicate) and the
		 * batch drops it, deciding the incident again.
		 */
		if (inc->committed > 0 && (seq = store_op_seq(hub->store,
		    inc->state.id, ev->op)) > 0)
			return 0;
	}
	hub_state_ctx(hub, inc, actor, ev->type, &ctx, NULL);
	ctx.internal = 1;
	ctx.based_on = inc->state.seq;	/* the hub's view is current */
	if (hub_state_accept(hub, inc, ev, &ctx, NULL, &r) != 0) {
		*cause = xstrdup(r.message);
		core_refusal_clear(&r);
		return -1;
	}
	return 1;
}

/*
 * Open an incident as actor, the hub's own doing (an alert with nowhere
 * else to go): ev is the open event, with an operation id, and a retry of
 * it gives the incident it opened.  Returns the incident, or NULL with
 * *cause.  Takes nothing from ev.
 */
struct hub_incident *
hub_state_opened(struct hub *hub, const char *op)
{
	struct hub_incident	*inc;

	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		if (inc->state.seq > 0 &&
		    hub_state_opened_by_op(hub, inc, op) == 1)
			return inc;
	}
	return NULL;
}

struct hub_incident *
hub_state_open(struct hub *hub, struct core_event *ev, const char *actor,
    char **cause)
{
	struct hub_incident	*inc;
	struct core_ctx		 ctx;
	struct core_refusal	 r;
	char			*id;
	int64_t			 num;

	if ((inc = hub_state_opened(hub, ev->op)) != NULL)
		return inc;
	num = hub->next_incident;
	if (store_shared(hub->store)) {
		/* Another hub opening for the same op opens the same one. */
		if ((num = ev->op != NULL ? store_incident_for(hub->store,
		    ev->op, num, cause) : store_incident_reserve(hub->store,
		    num, cause)) == -1)
			return NULL;
		id = xasprintf("INC-%lld", (long long)num);
		if ((inc = hub_state_find(hub, id)) == NULL)
			hub_state_catchup(hub, id, INT64_MAX);
		if ((inc = hub_state_find(hub, id)) != NULL) {
			free(id);
			return inc;	/* opened by the other hub */
		}
		free(id);
	}
	id = xasprintf("INC-%lld", (long long)num);
	inc = xcalloc(1, sizeof *inc);
	core_state_init(&inc->state, id);
	if (store_shared(hub->store))
		core_state_init(&inc->durable, id);
	memcpy(inc->chain, inc->state.chain, CORE_HASH_LEN);
	free(id);
	hub_state_ctx(hub, inc, actor, CORE_OPEN, &ctx, NULL);
	ctx.internal = 1;
	if (hub_state_accept(hub, inc, ev, &ctx, NULL, &r) != 0) {
		*cause = xstrdup(r.message);
		core_refusal_clear(&r);
		core_state_clear(&inc->state);
		core_state_clear(&inc->durable);
		free(inc);
		return NULL;
	}
	if (num >= hub->next_incident)
		hub->next_incident = num + 1;
	inc->opener = xstrdup(actor);
	TAILQ_INIT(&inc->feeds);
	STAILQ_INSERT_TAIL(&hub->incidents, inc, entry);
	hub->tele_dirty = 1;
	return inc;
}

/*
 * A hub that does not lead issues no expiry: a lease that ran out by its
 * clock stays held (a moment past its deadline) until the leader's expiry
 * arrives, and a renewal through this hub, which the leader hears, still
 * counts until then.
 */
static void
hub_state_hold(struct hub_incident *inc)
{
	struct core_action	*a;
	int64_t			 now = util_clock_mono_ms();

	while ((a = core_state_expired(&inc->state, now)) != NULL)
		a->deadline = now + 1;
}

/*
 * Issue expiry events for every lease of inc that ran out (the leader
 * alone; see hub_state_hold).
 */
static void
hub_state_expire(struct hub *hub, struct hub_incident *inc)
{
	struct core_action	*a;
	struct core_event	 ev;
	struct core_ctx		 ctx;
	struct core_refusal	 r;

	if (core_state_expired(&inc->state, util_clock_mono_ms()) == NULL)
		return;		/* the usual case: nothing ran out */
	if (!hub->leader) {
		hub_state_hold(inc);
		return;
	}
	hub_state_ctx(hub, inc, CORE_ACTOR_HUB, CORE_EXPIRE, &ctx, NULL);
	ctx.internal = 1;
	while ((a = core_state_expired(&inc->state, ctx.now)) != NULL) {
		core_event_init(&ev);
		ev.type = CORE_EXPIRE;
		ev.name = xstrdup(a->name);
		util_log("%s: lease on %s ran out (fence %lld)", inc->state.id,
		    a->name, (long long)a->fence);
		if (hub_state_accept(hub, inc, &ev, &ctx, NULL, &r) != 0) {
			util_log("cannot expire %s: %s", a->name, r.message);
			core_refusal_clear(&r);
			core_event_clear(&ev);
			break;
		}
		core_event_clear(&ev);
	}
}

static void
hub_state_lease_cb(lws_sorted_usec_list_t *sul)
{
	struct hub	*hub = lws_container_of(sul, struct hub, lease_sul);

	hub_state_leases(hub);
}

void
hub_state_leases(struct hub *hub)
{
	struct hub_incident	*inc;
	int64_t			 next = INT64_MAX, d, now;

	if (!hub->leader) {	/* the leader's timer decides */
		lws_sul_cancel(&hub->lease_sul);
		return;
	}
	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		hub_state_expire(hub, inc);
		d = core_state_next_deadline(&inc->state);
		if (d < next)
			next = d;
	}
	lws_sul_cancel(&hub->lease_sul);
	if (next == INT64_MAX)
		return;
	now = util_clock_mono_ms();
	d = next > now ? next - now : 0;
	lws_sul_schedule(hub->ctx, 0, &hub->lease_sul, hub_state_lease_cb,
	    (lws_usec_t)(d + 1) * 1000);
}

static void
hub_state_commit_cb(lws_sorted_usec_list_t *sul)
{
	struct hub	*hub = lws_container_of(sul, struct hub, commit_sul);

	hub->commit_armed = 0;
	hub_state_commit(hub);
}

static void
hub_state_arm_commit(struct hub *hub)
{
	if (hub->commit_armed)
		return;
	hub->commit_armed = 1;
	lws_sul_schedule(hub->ctx, 0, &hub->commit_sul, hub_state_commit_cb,
	    HUB_COMMIT_DELAY);
}

/* The pending item queued last. */
static struct hub_pending *
hub_pending_last(struct hub *hub)
{
	struct hub_pending	*p, *last = NULL;

	STAILQ_FOREACH(p, &hub->pending, entry)
		last = p;
	return last;
}

/* Remember the command p was decided on, to decide it again (redo). */
static void
hub_state_redo_set(struct hub_pending *p, const struct core_event *cmd,
    const char *actor, int64_t based_on)
{
	p->redo = 1;
	core_event_copy(&p->cmd, cmd);
	p->actor = actor != NULL ? xstrdup(actor) : NULL;
	p->based_on = based_on;
}

static void	hub_state_refuse_redo(struct hub *, struct hub_client *,
		    struct hub_incident *, const struct core_event *,
		    const char *, int64_t, const char *, const char *);

/*
 * Decide again an event the hub issued itself (p), now that inc is as the
 * store has it: an expiry is dropped (the lease timer issues it again after
 * the commit if it still applies), an event whose operation id is logged
 * (an alert another hub took too) is dropped, a feed crossing to the level
 * the log now holds is dropped, and anything else is checked and queued
 * again (or dropped, logged, if it no longer applies).
 */
static void
hub_state_redo_own(struct hub *hub, struct hub_incident *inc,
    struct hub_pending *p)
{
	const struct core_feed	*f;
	struct core_event	 ev;
	struct core_ctx		 ctx;
	struct core_refusal	 r;
	const char		*why = NULL;

	if (p->ev.type == CORE_EXPIRE)
		why = "the lease timer decides it again";
	else if (p->op != NULL && store_op_seq(hub->store, inc->state.id,
	    p->op) != 0)
		why = "already logged";
	else if (p->ev.type == CORE_FEED_LEVEL && (f = core_state_feed(
	    &inc->state, p->ev.name)) != NULL && f->level != NULL &&
	    p->ev.state != NULL && strcmp(f->level, p->ev.state) == 0)
		why = "the log holds that level";
	if (why != NULL) {
		util_log("%s: dropped the hub's own %s: %s", inc->state.id,
		    core_type_name(p->ev.type), why);
		return;
	}
	core_event_copy(&ev, &p->ev);
	ev.seq = 0;
	ev.time = 0;
	hub_state_ctx(hub, inc, p->ev.actor, ev.type, &ctx, NULL);
	ctx.internal = 1;
	ctx.based_on = inc->state.seq;
	if (hub_state_accept(hub, inc, &ev, &ctx, p->client, &r) != 0) {
		util_log("%s: dropped the hub's own %s: %s", inc->state.id,
		    core_type_name(p->ev.type), r.message);
		core_refusal_clear(&r);
	}
	core_event_clear(&ev);
}

/*
 * Make inc's state its committed state again (after the other hub's
 * events were folded into that): a copy of it, in which each grant the
 * old state also held keeps the later of the two deadlines and lock-delay
 * ends, so no renewal (not logged) and no fresh timing is lost.
 */
static void
hub_state_adopt(struct hub_incident *inc)
{
	struct core_state	 old = inc->state;
	struct core_action	*a, *b;
	size_t			 i;

	core_state_copy(&inc->state, &inc->durable);
	for (i = 0; i < inc->state.nactions; i++) {
		a = &inc->state.actions[i];
		if ((b = core_state_action(&old, a->name)) == NULL)
			continue;
		if (b->free_at > a->free_at)
			a->free_at = b->free_at;
		if (a->state == CORE_ACTION_HELD &&
		    b->state == CORE_ACTION_HELD && a->fence == b->fence &&
		    b->deadline > a->deadline)
			a->deadline = b->deadline;
	}
	core_state_clear(&old);
}

/*
 * Decide again, against inc as the store has it now, what this hub had
 * decided against a state another hub has since moved past: what the
 * other hub wrote is read from the store (inside the batch, its head
 * locked) into the committed state, the state is made from that again
 * (hub_state_adopt), and each of its pending commands, in the order they
 * came, is checked again and accepted, refused or found to be a retry of
 * an operation already logged; the hub's own events are decided again by
 * hub_state_redo_own.  Returns 0, or -1 with *cause.
 */
static int
hub_state_redo(struct hub *hub, struct hub_incident *inc, char **cause)
{
	struct hub_pendings	 mine = STAILQ_HEAD_INITIALIZER(mine);
	struct hub_pendings	 rest = STAILQ_HEAD_INITIALIZER(rest);
	struct hub_pending	*p, *next;
	struct core_event	 cmd;
	struct core_ctx		 ctx;
	struct core_refusal	 r;
	int64_t			 old = inc->committed;

	/* First what is logged: a store that cannot say changes nothing. */
	STAILQ_FOREACH(p, &hub->pending, entry) {
		if (p->inc != inc || !p->redo)
			continue;
		p->dup_seq = 0;
		if (p->op != NULL && (p->dup_seq = store_op_seq(hub->store,
		    inc->state.id, p->op)) == -1) {
			*cause = xasprintf("%s: cannot look operation %s up",
			    inc->state.id, p->op);
			inc->recheck = 1;
			return -1;
		}
	}
	while ((p = STAILQ_FIRST(&hub->pending)) != NULL) {
		STAILQ_REMOVE_HEAD(&hub->pending, entry);
		if (p->inc != inc)
			STAILQ_INSERT_TAIL(&rest, p, entry);
		else {
			hub->npending--;
			STAILQ_INSERT_TAIL(&mine, p, entry);
		}
	}
	STAILQ_CONCAT(&hub->pending, &rest);
	/*
	 * From the committed state, not from seq 1: the other hub's events
	 * are folded into it and the state is made from it again, so the
	 * cost is what was written since, not the whole log.  Op ids of
	 * this hub's dropped events stay in the filter: it may say "maybe".
	 */
	if (hub_state_follow(hub, inc, &inc->durable, NULL, old,
	    cause) != 0) {
		/* Put them back: the next batch decides them again. */
		while ((p = STAILQ_FIRST(&mine)) != NULL) {
			STAILQ_REMOVE_HEAD(&mine, entry);
			STAILQ_INSERT_TAIL(&hub->pending, p, entry);
			hub->npending++;
		}
		inc->recheck = 1;
		return -1;
	}
	hub_state_adopt(inc);
	inc->recheck = 0;
	if (inc->committed != old)
		util_log("%s: another hub wrote seqs %lld to %lld; deciding "
		    "this hub's commands again", inc->state.id,
		    (long long)old + 1, (long long)inc->committed);
	else
		util_log("%s: deciding this hub's commands again",
		    inc->state.id);
	while ((p = STAILQ_FIRST(&mine)) != NULL) {
		STAILQ_REMOVE_HEAD(&mine, entry);
		if (!p->redo) {
			if (p->kind == HUB_PENDING_EVENT)
				hub_state_redo_own(hub, inc, p);
			else {
				STAILQ_INSERT_TAIL(&hub->pending, p, entry);
				hub->npending++;
				continue;
			}
		} else if (p->dup_seq > 0) {
			next = hub_pending_add(hub, HUB_PENDING_DUPLICATE, inc,
			    p->client, p->op);
			next->dup_seq = p->dup_seq;
			next->fence = p->cmd.type == CORE_CLAIM ?
			    p->dup_seq : 0;
		} else {
			core_event_copy(&cmd, &p->cmd);
			hub_state_ctx(hub, inc, p->actor, cmd.type, &ctx, NULL);
			ctx.based_on = p->based_on;
			if (hub_state_accept(hub, inc, &cmd, &ctx, p->client,
			    &r) == 0)
				hub_state_redo_set(hub_pending_last(hub),
				    &p->cmd, p->actor, p->based_on);
			else {
				hub_state_refuse_redo(hub, p->client, inc,
				    &p->cmd, p->actor, p->based_on, r.code,
				    r.message);
				core_refusal_clear(&r);
			}
			core_event_clear(&cmd);
		}
		hub_pending_free(p);
	}
	return 0;
}

/*
 * With a shared store, inside the batch: lock the head of every incident
 * something is pending for and, where another hub has moved it, decide
 * this hub's commands for it again.  Returns 0, or -1 with *cause.
 */
static int
hub_state_lock(struct hub *hub, char **cause)
{
	struct hub_incident	**incs = NULL, *inc;
	struct hub_pending	*p;
	size_t			 n = 0, i;
	int64_t			 seq;
	int			 rc = 0;

	STAILQ_FOREACH(p, &hub->pending, entry) {
		if ((inc = p->inc) == NULL)
			continue;
		for (i = 0; i < n && incs[i] != inc; i++)
			;
		if (i == n) {
			incs = xreallocarray(incs, n + 1, sizeof *incs);
			incs[n++] = inc;
		}
	}
	for (i = 0; i < n && rc == 0; i++) {
		inc = incs[i];
		if (store_head(hub->store, inc->state.id, inc->committed == 0,
		    &seq, cause) != 0)
			rc = -1;
		else if (seq != inc->committed || inc->recheck)
			rc = hub_state_redo(hub, inc, cause);
	}
	free(incs);
	return rc;
}

/*
 * A batch failed.  With SQLite, or when the database says the batch
 * itself is wrong, the hub exits (it recovers from the store on restart).
 * When the connection to the database was lost, nothing of the batch was
 * acknowledged: it is rolled back and tried again every HUB_COMMIT_RETRY
 * ms, still pending, until the database is back.  A COMMIT whose answer
 * was lost may have been made: the retry then finds the heads moved and
 * decides the batch's commands again, which finds each one's operation id
 * logged and acknowledges it with its seq.  Meanwhile the clients are told
 * the hub cannot make anything durable (hub_state_store).  An append that
 * repeats an operation id already logged is not a failure of the batch:
 * the incident's commands are decided again (inc->recheck) and the batch
 * tried again.  Takes cause.
 */
static void
hub_state_commit_failed(struct hub *hub, char *cause)
{
	if (!store_shared(hub->store) || !store_lost(hub->store))
		fatalx("store: %s", cause);
	store_rollback(hub->store);
	if (!hub->commit_failing)
		util_log("store: %s; %zu waiting, retrying every %d ms", cause,
		    hub->npending, HUB_COMMIT_RETRY);
	hub->commit_failing = 1;
	hub_state_store(hub, cause);
	free(cause);
	lws_sul_cancel(&hub->commit_sul);
	hub->commit_armed = 1;
	lws_sul_schedule(hub->ctx, 0, &hub->commit_sul, hub_state_commit_cb,
	    HUB_COMMIT_RETRY * 1000);
}

void
hub_state_commit(struct hub *hub)
{
	struct hub_pendings	 list = STAILQ_HEAD_INITIALIZER(list);
	struct hub_pending	*p;
	struct hub_client	*c;
	struct store_row	 r;
	struct core_ctx		 fold;
	char			*cause = NULL;
	size_t			 n = 0, i;
	int64_t			 t0;
	double			 took;
	int			 shared = store_shared(hub->store);

	if (STAILQ_EMPTY(&hub->pending))
		return;
	t0 = util_clock_mono_us();
	memset(&fold, 0, sizeof fold);
	fold.now = util_clock_mono_ms();
	fold.lock_delay = hub->cfg.lock_delay;
	if (store_begin(hub->store, &cause) != 0 ||
	    (store_shared(hub->store) && hub_state_lock(hub, &cause) != 0)) {
		hub_state_commit_failed(hub, cause);
		return;
	}
	STAILQ_FOREACH(p, &hub->pending, entry) {
		if (p->kind != HUB_PENDING_EVENT)
			continue;
		memset(&r, 0, sizeof r);
		r.seq = p->ev.seq;
		r.op = p->ev.op;
		r.body = p->body.data;
		r.bodylen = p->body.len;
		r.hash = p->hash;
		r.wire = p->wire.data;
		r.wirelen = p->wire.len;
		if (store_append(hub->store, p->inc->state.id, &r,
		    &cause) != 0) {
			if (store_shared(hub->store) &&
			    store_duplicate(hub->store)) {
				/* Logged already: decide it again. */
				util_log("store: %s; deciding %s again", cause,
				    p->inc->state.id);
				free(cause);
				store_rollback(hub->store);
				p->inc->recheck = 1;
				lws_sul_cancel(&hub->commit_sul);
				hub->commit_armed = 1;
				lws_sul_schedule(hub->ctx, 0, &hub->commit_sul,
				    hub_state_commit_cb,
				    HUB_COMMIT_RETRY * 1000);
				return;
			}
			hub_state_commit_failed(hub, cause);
			return;
		}
		n++;
	}
	if (store_commit(hub->store, &cause) != 0) {
		hub_state_commit_failed(hub, cause);
		return;
	}
	if (hub->commit_failing) {
		util_log("store: committing again");
		hub->commit_failing = 0;
		if (!hub->notify_failing)
			hub_state_store(hub, NULL);
	}
	took = (double)(util_clock_mono_us() - t0) / 1e6;
	for (i = 0; i < HUB_COMMIT_BUCKETS - 1 && took > hub_commit_le[i]; i++)
		;
	hub->stat_commit_le[i]++;
	hub->stat_commit_sum += took;
	hub->stat_commits++;
	hub->stat_events += n;
	STAILQ_CONCAT(&list, &hub->pending);
	hub->npending = 0;
	while ((p = STAILQ_FIRST(&list)) != NULL) {
		STAILQ_REMOVE_HEAD(&list, entry);
		switch (p->kind) {
		case HUB_PENDING_EVENT:
			core_assert(p->ev.seq == p->inc->committed + 1);
			if (shared) {
				core_assert(p->inc->durable.seq ==
				    p->inc->committed);
				core_state_apply(&p->inc->durable, &p->ev,
				    &fold);
			}
			p->inc->committed = p->ev.seq;
			memcpy(p->inc->chain, p->hash, CORE_HASH_LEN);
			hub_ring_add(&p->inc->ring, p->ev.seq, &p->wire);
			hub_state_ack_ttl(p->client, p->inc->state.id, p->op,
			    p->ev.seq, p->fence, 0, p->ev.type == CORE_CLAIM ?
			    p->ev.ttl : 0);
			break;
		case HUB_PENDING_DUPLICATE:
			hub_state_ack(p->client, p->inc->state.id, p->op,
			    p->dup_seq, p->fence, 1);
			break;
		case HUB_PENDING_REFUSAL:
			if (p->client != NULL)
				hub_ws_send_error(p->client, p->code, p->op,
				    p->message, PROTO_REFUSED, 0);
			break;
		}
		hub_pending_free(p);
	}
	LIST_FOREACH(c, &hub->clients, entry) {
		if (c->want_snapshot)
			hub_ws_snapshot(hub, c);
		if (c->subscribed && c->inc != NULL &&
		    c->cursor < c->inc->committed)
			lws_callback_on_writable(c->wsi);
	}
	hub_http_committed(hub);
	hub_state_leases(hub);
}

/*
 * Refuse a command.  While events are pending the refusal may rest on one
 * of them ("held by bob" before bob's claim is durable), so it waits for
 * the same commit as they do: nobody is told anything the store could
 * still lose.
 */
static void
hub_state_refuse(struct hub *hub, struct hub_client *c, const char *op,
    const char *code, const char *message)
{
	struct hub_pending	*p;

	if (STAILQ_EMPTY(&hub->pending)) {
		hub_ws_send_error(c, code, op, message, PROTO_REFUSED, 0);
		return;
	}
	p = hub_pending_add(hub, HUB_PENDING_REFUSAL, NULL, c, op);
	p->code = xstrdup(code);
	p->message = xstrdup(message);
}

/*
 * Refuse a command for inc with a shared store: the refusal always waits
 * for the next batch, which locks inc's head and, if another hub moved it,
 * decides the command again (the holder it names may have changed).
 */
static void
hub_state_refuse_redo(struct hub *hub, struct hub_client *c,
    struct hub_incident *inc, const struct core_event *cmd, const char *actor,
    int64_t based_on, const char *code, const char *message)
{
	struct hub_pending	*p;

	p = hub_pending_add(hub, HUB_PENDING_REFUSAL, inc, c, cmd->op);
	p->code = xstrdup(code);
	p->message = xstrdup(message);
	hub_state_redo_set(p, cmd, actor, based_on);
}

/*
 * A retried operation: acknowledge it with the original seq once that is
 * durable.  Returns 1 if op was seen before.
 */
static int
hub_state_duplicate(struct hub *hub, struct hub_incident *inc,
    struct hub_client *c, const struct proto_msg *m)
{
	struct hub_pending	*p, *d;
	int64_t			 seq;

	/* The filter holds every op id pending too: most are new. */
	if (!hub_ops_maybe(&inc->ops, m->op))
		return 0;
	if ((p = hub_state_queued(hub, inc, m->op)) != NULL) {
		d = hub_pending_add(hub, HUB_PENDING_DUPLICATE, inc, c, m->op);
		d->dup_seq = p->ev.seq;
		d->fence = p->ev.type == CORE_CLAIM ? p->ev.seq : 0;
		return 1;
	}
	if ((seq = store_op_seq(hub->store, inc->state.id, m->op)) == 0)
		return 0;
	if (seq == -1) {
		/*
		 * The store cannot say: decide it now, and again under the
		 * batch's lock, which looks it up before anything is logged.
		 */
		inc->recheck = 1;
		return 0;
	}
	hub_state_ack(c, inc->state.id, m->op, seq,
	    m->cmd.type == CORE_CLAIM ? seq : 0, 1);
	return 1;
}

/*
 * Was inc opened by operation op (pending or durable)?  1 or 0, or -1 if
 * the store cannot say.
 */
static int
hub_state_opened_by_op(struct hub *hub, struct hub_incident *inc,
    const char *op)
{
	struct hub_pending	*p;
	int64_t			 seq;

	if ((p = hub_state_queued(hub, inc, op)) != NULL)
		return p->ev.seq == 1;
	if (inc->committed == 0 || !hub_ops_maybe(&inc->ops, op))
		return 0;
	if ((seq = store_op_seq(hub->store, inc->state.id, op)) == -1)
		return -1;
	return seq == 1;
}

/*
 * May c open another incident?  Its authenticated user may have at most
 * open-incidents-per-user not resolved (those it opened acting as others
 * count too).  Returns 0, or -1 after refusing.
 */
static int
hub_state_open_limit(struct hub *hub, struct hub_client *c, const char *op)
{
	struct hub_incident	*inc;
	int64_t			 n = 0;
	char			*msg;

	if (hub->cfg.user_incidents <= 0)
		return 0;
	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		if (inc->opener != NULL && strcmp(inc->opener, c->login) == 0 &&
		    (inc->state.status == NULL ||
		    strcmp(inc->state.status, "resolved") != 0))
			n++;
	}
	if (n < hub->cfg.user_incidents)
		return 0;
	msg = xasprintf("%s has %lld incidents open, the most one user may "
	    "have (open-incidents-per-user): resolve one first", c->login,
	    (long long)n);
	hub_state_refuse(hub, c, op, "limit", msg);
	free(msg);
	return -1;
}

/*
 * An open the store cannot decide now (it cannot say whether the op opened
 * one already, or give a number), or a renewal it cannot tell the leader
 * of: an error, not a refusal, so that the command may be tried again with
 * the same op once the database is back.
 */
static void
hub_state_unavailable(struct hub *hub, struct hub_client *c, const char *op)
{
	hub_ws_send_error(c, "unavailable", op, hub->store_down != NULL ?
	    hub->store_down : "hub cannot reach its database", PROTO_ERROR,
	    0);
}

void
hub_state_command(struct hub *hub, struct hub_client *c, struct proto_msg *m)
{
	const struct core_cmd_entry	*ce = core_cmd_entry_of(m->cmd.type);
	struct hub_incident		*inc;
	struct core_ctx			 ctx;
	struct core_refusal		 r;
	struct core_event		 orig;
	struct core_action		*a;
	char				*id, **seen = NULL, *cause = NULL;
	int				 shared = store_shared(hub->store);
	int				 found = 0;
	int64_t				 num;

	if (ce->type == CORE_OPEN) {
		/* A retried open names the incident it already opened. */
		STAILQ_FOREACH(inc, &hub->incidents, entry) {
			if (inc->state.seq > 0 && (found =
			    hub_state_opened_by_op(hub, inc, m->op)) != 0)
				break;
		}
		if (found == -1) {
			hub_state_unavailable(hub, c, m->op);
			return;
		}
		if (inc != NULL) {
			if (inc->committed > 0)
				hub_state_ack(c, inc->state.id, m->op, 1, 0, 1);
			else
				hub_state_duplicate(hub, inc, c, m);
			return;
		}
		if (hub_state_open_limit(hub, c, m->op) != 0)
			return;
		if (shared) {
			/* The number is this hub's alone before it is used. */
			num = store_incident_reserve(hub->store,
			    hub->next_incident, &cause);
			if (num == -1) {
				util_log("store: %s", cause);
				free(cause);
				hub_state_unavailable(hub, c, m->op);
				return;
			}
			hub->next_incident = num;
		}
		id = xasprintf("INC-%lld", (long long)hub->next_incident);
		inc = xcalloc(1, sizeof *inc);
		core_state_init(&inc->state, id);
		if (shared)
			core_state_init(&inc->durable, id);
		memcpy(inc->chain, inc->state.chain, CORE_HASH_LEN);
		free(id);
		hub_state_ctx(hub, inc, c->user, m->cmd.type, &ctx, NULL);
		ctx.by = hub_auth_by(c);
		ctx.based_on = m->based_on;
		free(m->cmd.op);
		m->cmd.op = xstrdup(m->op);
		if (m->cmd.sev == 0)
			m->cmd.sev = 3;
		if (hub_state_accept(hub, inc, &m->cmd, &ctx, c, &r) != 0) {
			hub_state_refuse(hub, c, m->op, r.code, r.message);
			core_refusal_clear(&r);
			core_state_clear(&inc->state);
			core_state_clear(&inc->durable);
			free(inc);
			return;
		}
		hub->next_incident++;
		inc->opener = xstrdup(c->login);
		TAILQ_INIT(&inc->feeds);
		STAILQ_INSERT_TAIL(&hub->incidents, inc, entry);
		hub->tele_dirty = 1;
		return;
	}
	if (shared && m->incident != NULL &&
	    hub_state_find(hub, m->incident) == NULL)
		hub_state_catchup(hub, m->incident, INT64_MAX);
	if ((inc = hub_state_find(hub, m->incident)) == NULL ||
	    inc->committed == 0) {
		hub_state_refuse(hub, c, m->op, "no-incident", m->incident == NULL ?
		    "the command names no incident" : "no such incident");
		return;
	}
	if (hub_state_duplicate(hub, inc, c, m))
		return;
	if (m->cmd.type == CORE_CLAIM && m->cmd.ttl == 0)
		m->cmd.ttl = hub->cfg.ttl;
	hub_state_expire(hub, inc);
	hub_state_ctx(hub, inc, c->user, m->cmd.type, &ctx,
	    (ce->fields & CORE_FLD_SEEN) ? &seen : NULL);
	ctx.by = hub_auth_by(c);
	ctx.based_on = m->based_on;
	free(m->cmd.op);
	m->cmd.op = xstrdup(m->op);
	if (ce->flags & CORE_F_NOLOG) {
		if (core_state_check(&inc->state, &m->cmd, &ctx, &r) != 0) {
			hub_state_refuse(hub, c, m->op, r.code, r.message);
			core_refusal_clear(&r);
			core_list_free(seen, ctx.nseen);
			return;
		}
		core_state_renew(&inc->state, m->cmd.name, ctx.now);
		/*
		 * The leader times leases: a renewal it cannot hear of is
		 * not acknowledged here (the client sends it again).
		 */
		if (shared && (a = core_state_action(&inc->state,
		    m->cmd.name)) != NULL && store_renewed(hub->store,
		    inc->state.id, a->name, a->fence, &cause) != 0) {
			util_log("store: %s", cause);
			free(cause);
			if (!hub->leader) {
				hub_state_unavailable(hub, c, m->op);
				core_list_free(seen, ctx.nseen);
				return;
			}
		}
		hub_state_ack(c, inc->state.id, m->op, 0, m->cmd.fence, 0);
		hub_ws_lease(hub, inc, NULL, core_state_action(&inc->state,
		    m->cmd.name));
		hub_state_leases(hub);
		core_list_free(seen, ctx.nseen);
		return;
	}
	if (shared)
		core_event_copy(&orig, &m->cmd);
	if (hub_state_accept(hub, inc, &m->cmd, &ctx, c, &r) != 0) {
		if (shared)
			hub_state_refuse_redo(hub, c, inc, &orig, c->user,
			    m->based_on, r.code, r.message);
		else
			hub_state_refuse(hub, c, m->op, r.code, r.message);
		core_refusal_clear(&r);
	} else {
		if (shared)
			hub_state_redo_set(hub_pending_last(hub), &orig,
			    c->user, m->based_on);
		if (ce->type == CORE_FEED_ADD || ce->type == CORE_FEED_RM ||
		    ce->type == CORE_STATUS)
			hub->tele_dirty = 1;
	}
	if (shared)
		core_event_clear(&orig);
	core_list_free(seen, ctx.nseen);
}

