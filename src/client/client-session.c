/*
 * The console's session: one reconnecting link to a hub (client-link.c),
 * subscribed to one incident, and the replica built from it.
 *
 * The replica is the incident's log as received: every event is checked to
 * follow the previous one (seq + 1) and to extend the chain to the value the
 * hub sent with it; a gap or a mismatch drops the replica and the
 * connection and starts again from seq 0, so what is shown is never a
 * picture the hub did not agree to.  The link notices a hub that stops
 * answering, reconnects with jittered exponential backoff and the session
 * resumes after the last seq it holds.  Given a hub list, the link moves to
 * the next hub of it instead (client-link.c), and the session resumes
 * there the same way: the hubs share one database, so the new hub's log is
 * the same log, and the welcome's seq and chain are checked against the
 * replica as on any reconnection (a hub behind the replica, or with
 * another chain, means a replay from seq 0).  Its notice says which hub
 * it moved to.
 *
 * Notes go through the outbox: written durably first, then sent with the
 * entry's operation id, removed on acknowledgement (or on a duplicate
 * acknowledgement), so a note typed while the hub is away is delivered
 * exactly once when it is back (or when another hub of the list is: the
 * outbox is the list's, client-outbox.c, and a note first sent to a hub
 * that died is acknowledged by the next with the seq it has, logged or
 * not).  Coordination commands are never queued:
 * without a live connection they are refused locally.
 *
 * A hub that cannot make anything durable (its database is lost) says so
 * with a notice (PROTO_NOTICE_STALE, and PROTO_NOTICE_LIVE when it can
 * again): while it lasts the session shows STALE, as of when it was told,
 * with the hub's reason, though the connection stays up.
 *
 * A lease belongs to the process that claimed it: the session renews, at
 * a third of their TTL while live, only the grants it was acknowledged
 * (action and fence), never another claim of the same user (a `concord
 * run` that died must lose its lease).  The hub's lease messages give the
 * time left on each held lease (renewals are not in the log), so
 * countdowns agree.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "client.h"
#include "export.h"
#include "util.h"

#define SESSION_TICK		250	/* ms */

/* A command sent and not yet answered. */
struct session_wait {
	char			*op;
	char			*what;		/* for messages: "claim x" */
	int			 note;		/* an outbox entry */
	enum core_type		 type;
	char			*name;		/* the action, if any */
	LIST_ENTRY(session_wait) entry;
};
LIST_HEAD(session_waits, session_wait);

/* A grant this session was given, which it renews. */
struct session_grant {
	char			*name;
	int64_t			 fence;
	LIST_ENTRY(session_grant) entry;
};
LIST_HEAD(session_grants, session_grant);

struct client_session {
	struct lws_context		*ctx;
	struct client_link		*link;
	char				*hub;		/* the list */
	char				*on;		/* the hub last
							   welcomed by */
	char				*user;
	char				*incident;
	enum client_sync		 sync;
	int				 connected;
	int64_t				 head;
	int64_t				 heard_wall;
	struct client_replica		 rep;
	struct client_feeds		 feeds;
	struct proto_presence		*users;
	size_t				 nusers;
	struct client_outbox_entry	*pending;
	size_t				 npending;
	struct client_outbox_entry	*own;		/* this user's, shallow */
	size_t				 nown;
	struct session_waits		 waits;
	struct session_grants		 grants;
	char				*notice;
	char				*hub_stale;	/* the hub's reason */
	int64_t				 stale_wall;	/* ... told then */
	lws_sorted_usec_list_t		 tick_sul;
	void				(*changed)(void *);
	void				*arg;
};

static void
session_changed(struct client_session *s)
{
	if (s->changed != NULL)
		s->changed(s->arg);
}

static void
session_notice(struct client_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
session_notice(struct client_session *s, const char *fmt, ...)
{
	va_list	ap;

	free(s->notice);
	va_start(ap, fmt);
	s->notice = xvasprintf(fmt, ap);
	va_end(ap);
	util_log("notice: %s", s->notice);
	session_changed(s);
}

/*
 * A notice from the hub: shown; one saying the hub cannot make anything
 * durable (or can again) also changes what the session shows.
 */
static void
session_hub_notice(struct client_session *s, const struct proto_msg *m)
{
	const char	*text = m->message != NULL ? m->message : m->code;

	if (text == NULL)
		return;
	if (m->code != NULL && strcmp(m->code, PROTO_NOTICE_STALE) == 0) {
		if (s->hub_stale == NULL)
			s->stale_wall = util_clock_wall_ms();
		free(s->hub_stale);
		s->hub_stale = xstrdup(text);
	} else if (m->code != NULL && strcmp(m->code, PROTO_NOTICE_LIVE) == 0) {
		if (s->hub_stale == NULL)
			return;
		free(s->hub_stale);
		s->hub_stale = NULL;
	}
	session_notice(s, "%s", text);
}

static void
session_send(struct client_session *s, const struct proto_msg *m)
{
	client_link_send(s->link, m);
}

static void
session_waits_drop(struct client_session *s)
{
	struct session_wait	*w;

	while ((w = LIST_FIRST(&s->waits)) != NULL) {
		LIST_REMOVE(w, entry);
		free(w->op);
		free(w->what);
		free(w->name);
		free(w);
	}
}

static void
session_grants_drop(struct client_session *s)
{
	struct session_grant	*g;

	while ((g = LIST_FIRST(&s->grants)) != NULL) {
		LIST_REMOVE(g, entry);
		free(g->name);
		free(g);
	}
}

/* Is the current grant on a one this session was given? */
static int
session_grant_mine(struct client_session *s, const struct core_action *a)
{
	struct session_grant	*g;

	if (a == NULL || a->state != CORE_ACTION_HELD)
		return 0;
	LIST_FOREACH(g, &s->grants, entry) {
		if (g->fence == a->fence && strcmp(g->name, a->name) == 0)
			return 1;
	}
	return 0;
}

/* Forget grants that are no longer current (released, done, lost). */
static void
session_grants_prune(struct client_session *s)
{
	struct session_grant	*g, *next;
	struct core_action	*a;

	for (g = LIST_FIRST(&s->grants); g != NULL; g = next) {
		next = LIST_NEXT(g, entry);
		a = core_state_action(&s->rep.st, g->name);
		if (session_grant_mine(s, a))
			continue;
		LIST_REMOVE(g, entry);
		free(g->name);
		free(g);
	}
}

static void
session_presence_clear(struct client_session *s)
{
	proto_presence_free(s->users, s->nusers);
	s->users = NULL;
	s->nusers = 0;
}

static void
session_pending_reload(struct client_session *s)
{
	size_t	i;

	client_outbox_free(s->pending, s->npending);
	s->pending = client_outbox_list(s->hub, s->incident, &s->npending);
	/* Show only this user's: others' notes wait for their own delivery. */
	free(s->own);
	s->own = xcalloc(s->npending + 1, sizeof *s->own);
	s->nown = 0;
	for (i = 0; i < s->npending; i++) {
		if (strcmp(s->pending[i].user, s->user) == 0)
			s->own[s->nown++] = s->pending[i];	/* shallow */
	}
}

/* Forget the replica: the next connection replays from seq 0. */
static void
session_reset(struct client_session *s)
{
	client_replica_reset(&s->rep);
	s->head = 0;
}

/* The link is gone: everything on screen is now as of the last word. */
static void
session_down(void *arg, const char *why, int refused)
{
	struct client_session	*s = arg;

	if (s->connected || refused)
		session_notice(s, "%s", why);
	s->connected = 0;
	if (s->sync != CLIENT_SYNC_CONNECTING)
		s->sync = CLIENT_SYNC_STALE;
	session_waits_drop(s);
	session_changed(s);
}

/* Drop the replica and the connection, and replay from seq 0. */
static void
session_resync(struct client_session *s, const char *why)
{
	session_notice(s, "%s: resynchronising", why);
	session_reset(s);
	client_link_resume(s->link, 0, 0);
	client_link_drop(s->link, "resynchronising");
}

/*
 * Send the outbox entries of this user and incident that are not already
 * on their way over this connection, with their op ids.
 */
static void
session_flush(struct client_session *s)
{
	struct proto_msg	 m;
	struct session_wait	*w;
	size_t			 i;

	session_pending_reload(s);
	for (i = 0; i < s->npending; i++) {
		if (strcmp(s->pending[i].user, s->user) != 0)
			continue;
		LIST_FOREACH(w, &s->waits, entry) {
			if (strcmp(w->op, s->pending[i].op) == 0)
				break;
		}
		if (w != NULL)
			continue;	/* sent on this connection already */
		proto_msg_init(&m, PROTO_COMMAND);
		m.incident = s->incident;
		m.op = s->pending[i].op;
		m.cmd.type = CORE_NOTE;
		m.cmd.text = s->pending[i].text;
		/* The time it was typed, if it waited in the outbox. */
		if (util_clock_wall_ms() - s->pending[i].time > 2000)
			m.cmd.written = s->pending[i].time;
		session_send(s, &m);
		w = xcalloc(1, sizeof *w);
		w->op = xstrdup(s->pending[i].op);
		w->what = xstrdup("note");
		w->note = 1;
		LIST_INSERT_HEAD(&s->waits, w, entry);
	}
}

/* Fold one event into the replica; -1 if it does not follow or verify. */
static int
session_event(struct client_session *s, const struct core_event *e,
    const unsigned char *hash)
{
	char	*cause;

	if (client_replica_fold(&s->rep, e, hash, util_clock_mono_ms(),
	    &cause) < 0) {
		util_log("%s", cause);
		free(cause);
		return -1;
	}
	if (e->seq > s->head)
		s->head = e->seq;
	return 0;
}

static void
session_answer(struct client_session *s, struct proto_msg *m)
{
	struct session_wait	*w;
	struct session_grant	*g;
	size_t			 i;

	LIST_FOREACH(w, &s->waits, entry) {
		if (m->op != NULL && strcmp(w->op, m->op) == 0)
			break;
	}
	if (w == NULL) {
		if (m->kind != PROTO_ACK)
			session_notice(s, "%s", m->message != NULL ?
			    m->message : m->code);
		return;
	}
	LIST_REMOVE(w, entry);
	if (m->kind == PROTO_ACK && w->type == CORE_CLAIM && w->name != NULL &&
	    m->fence > 0) {
		g = xcalloc(1, sizeof *g);
		g->name = xstrdup(w->name);
		g->fence = m->fence;
		LIST_INSERT_HEAD(&s->grants, g, entry);
	}
	if (w->note) {
		for (i = 0; i < s->npending; i++) {
			if (strcmp(s->pending[i].op, w->op) == 0) {
				if (m->kind == PROTO_ACK)
					client_outbox_remove(&s->pending[i]);
				else
					client_outbox_reject(&s->pending[i],
					    m->code, m->message);
				break;
			}
		}
		session_pending_reload(s);
	}
	if (m->kind == PROTO_REFUSED)
		session_notice(s, "%s refused: %s", w->what, m->message != NULL ?
		    m->message : m->code);
	else if (m->kind == PROTO_ERROR)
		session_notice(s, "%s: %s", w->what, m->message != NULL ?
		    m->message : m->code);
	free(w->op);
	free(w->what);
	free(w->name);
	free(w);
	session_changed(s);
}

/* Welcomed: resume, or resynchronise if the hub holds another log. */
static void
session_up(void *arg, const struct proto_msg *m)
{
	struct client_session	*s = arg;
	const struct core_state	*st = &s->rep.st;
	const char		*hub;
	char			*where;

	s->heard_wall = util_clock_wall_ms();
	hub = client_link_hub(s->link);
	if (s->on != NULL && strcmp(s->on, hub) != 0) {
		where = client_url_where(hub);
		session_notice(s, "moved to the hub at %s", where);
		free(where);
	}
	free(s->on);
	s->on = xstrdup(hub);
	if (m->seq < st->seq || (m->seq == st->seq && st->seq > 0 &&
	    memcmp(m->chain, st->chain, CORE_HASH_LEN) != 0)) {
		session_resync(s, "the hub's log differs from the one shown");
		return;
	}
	s->connected = 1;
	if (m->seq > s->head)
		s->head = m->seq;
	s->sync = st->seq >= s->head ? CLIENT_SYNC_LIVE : CLIENT_SYNC_CATCHUP;
	free(s->hub_stale);	/* the hub says it again if it still is */
	s->hub_stale = NULL;
	util_log("welcome: head %lld, holding %lld", (long long)m->seq,
	    (long long)st->seq);
	session_flush(s);
	session_changed(s);
}

static void
session_message(void *arg, struct proto_msg *m)
{
	struct client_session	*s = arg;
	struct core_action	*a;
	char			 why[96];
	size_t			 i;

	s->heard_wall = util_clock_wall_ms();
	switch (m->kind) {
	case PROTO_EVENTS:
		for (i = 0; i < m->nevents; i++) {
			if (session_event(s, &m->events[i], m->hashed[i] ?
			    m->hashes[i] : NULL) != 0) {
				snprintf(why, sizeof why, "the log did not "
				    "verify at seq %lld", (long long)
				    m->events[i].seq);
				proto_msg_clear(m);
				session_resync(s, why);
				return;
			}
		}
		client_link_resume(s->link, s->rep.st.seq, 0);
		session_grants_prune(s);
		s->sync = s->rep.st.seq >= s->head ? CLIENT_SYNC_LIVE :
		    CLIENT_SYNC_CATCHUP;
		break;
	case PROTO_ACK:
	case PROTO_REFUSED:
	case PROTO_ERROR:
		session_answer(s, m);
		break;
	case PROTO_NOTICE:
		session_hub_notice(s, m);
		break;
	case PROTO_PRESENCE:
		proto_presence_apply(&s->users, &s->nusers, m);
		break;
	case PROTO_TELEMETRY:
		if (m->incident != NULL && strcmp(m->incident, s->incident) == 0)
			client_feeds_update(&s->feeds, m, util_clock_mono_ms());
		break;
	case PROTO_LEASE:
		a = core_state_action(&s->rep.st, m->name);
		if (a != NULL && a->state == CORE_ACTION_HELD &&
		    a->fence == m->fence)
			a->deadline = util_clock_mono_ms() + m->left;
		break;
	default:
		break;
	}
	proto_msg_clear(m);
	session_changed(s);
}

static const struct client_link_ops session_ops = {
	session_up, session_message, session_down
};

/*
 * Renew, at a third of their TTL, the grants this session was given (and
 * no other claim, even of the same user).
 */
static void
session_renew(struct client_session *s, int64_t now)
{
	struct core_action	*a;
	struct core_event	 e;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < s->rep.st.nactions; i++) {
		a = &s->rep.st.actions[i];
		if (!session_grant_mine(s, a) ||
		    a->deadline - now > a->ttl * 2 / 3)
			continue;
		core_event_init(&e);
		e.type = CORE_RENEW;
		e.name = xstrdup(a->name);
		e.fence = a->fence;
		/* Not again until the hub says how long is left. */
		a->deadline = now + a->ttl;
		if (client_session_command(s, &e, &cause) != 0)
			free(cause);
		core_event_clear(&e);
	}
}

static void
session_tick_cb(lws_sorted_usec_list_t *sul)
{
	struct client_session	*s = lws_container_of(sul,
				    struct client_session, tick_sul);

	if (s->connected && s->sync == CLIENT_SYNC_LIVE)
		session_renew(s, util_clock_mono_ms());
	session_changed(s);	/* clocks and countdowns move */
	lws_sul_schedule(s->ctx, 0, &s->tick_sul, session_tick_cb,
	    SESSION_TICK * 1000);
	lws_cancel_service(s->ctx);	/* so the caller's loop draws now */
}

struct client_session *
client_session_create(const char *hub, const char *user, const char *incident,
    const struct lws_protocols *extra, void (*changed)(void *), void *arg)
{
	struct client_session	*s;

	s = xcalloc(1, sizeof *s);
	LIST_INIT(&s->waits);
	LIST_INIT(&s->grants);
	s->hub = xstrdup(hub);
	s->user = xstrdup(user);
	s->incident = xstrdup(incident);
	s->changed = changed;
	s->arg = arg;
	s->sync = CLIENT_SYNC_CONNECTING;
	client_replica_init(&s->rep, incident);
	client_feeds_init(&s->feeds);
	s->ctx = client_link_context(hub, extra, s);
	session_pending_reload(s);
	s->link = client_link_create(s->ctx, hub, user, incident, 1,
	    &session_ops, s);
	client_link_resume(s->link, 0, 0);
	lws_sul_schedule(s->ctx, 0, &s->tick_sul, session_tick_cb,
	    SESSION_TICK * 1000);
	return s;
}

void
client_session_free(struct client_session *s)
{
	if (s == NULL)
		return;
	s->changed = NULL;
	lws_sul_cancel(&s->tick_sul);
	client_link_free(s->link);
	lws_context_destroy(s->ctx);
	session_waits_drop(s);
	session_grants_drop(s);
	client_replica_clear(&s->rep);
	client_feeds_clear(&s->feeds);
	session_presence_clear(s);
	client_outbox_free(s->pending, s->npending);
	free(s->own);
	free(s->notice);
	free(s->on);
	free(s->hub_stale);
	free(s->hub);
	free(s->user);
	free(s->incident);
	free(s);
}

struct lws_context *
client_session_context(struct client_session *s)
{
	return s->ctx;
}

const struct core_state *
client_session_state(struct client_session *s)
{
	return &s->rep.st;
}

const struct client_feeds *
client_session_feeds(struct client_session *s)
{
	return &s->feeds;
}

const struct client_tl *
client_session_timeline(struct client_session *s, size_t *n)
{
	*n = s->rep.ntl;
	return s->rep.tl;
}

enum client_sync
client_session_sync(struct client_session *s)
{
	if (s->hub_stale != NULL && s->connected)
		return CLIENT_SYNC_STALE;
	return s->sync;
}

const char *
client_session_stale(struct client_session *s)
{
	return s->connected ? s->hub_stale : NULL;
}

int64_t
client_session_head(struct client_session *s)
{
	return s->head;
}

int64_t
client_session_heard(struct client_session *s)
{
	if (s->hub_stale != NULL && s->connected)
		return s->stale_wall;
	return s->heard_wall;
}

const struct proto_presence *
client_session_presence(struct client_session *s, size_t *n)
{
	*n = s->nusers;
	return s->users;
}

const struct client_outbox_entry *
client_session_pending(struct client_session *s, size_t *n)
{
	*n = s->nown;
	return s->own;
}

char *
client_session_notice(struct client_session *s)
{
	char	*n = s->notice;

	s->notice = NULL;
	return n;
}

int64_t
client_session_deadline(struct client_session *s, const char *action)
{
	struct core_action	*a = core_state_action(&s->rep.st, action);

	return a != NULL && a->state == CORE_ACTION_HELD ? a->deadline : 0;
}

int
client_session_mine(struct client_session *s, const char *action)
{
	return session_grant_mine(s, core_state_action(&s->rep.st, action));
}

const char *
client_session_hub(struct client_session *s)
{
	return client_link_hub(s->link);
}

int
client_session_note(struct client_session *s, const char *text, char **cause)
{
	char	*op;
	int	 rc;

	if (!core_text_valid(text, CORE_TEXT_MAX) || *text == '\0') {
		*cause = xstrdup("a note is 1-4096 bytes of text");
		return -1;
	}
	op = util_opid_create();
	rc = client_outbox_add(s->hub, s->incident, s->user, op, text,
	    util_clock_wall_ms(), cause);
	free(op);
	if (rc != 0)
		return -1;
	if (s->connected)
		session_flush(s);
	else
		session_pending_reload(s);
	session_changed(s);
	return 0;
}

/*
 * A command as the user types it ("claim", "role assign"), not its wire
 * name ("action.claim", "role.assign"); the caller frees.
 */
static char *
session_command_words(const char *name)
{
	char	*words, *dot;

	if (strncmp(name, "action.", 7) == 0)
		name += 7;
	words = xstrdup(name);
	if ((dot = strchr(words, '.')) != NULL)
		*dot = ' ';
	return words;
}

int
client_session_command(struct client_session *s, struct core_event *cmd,
    char **cause)
{
	const struct core_cmd_entry	*ce = core_cmd_entry_of(cmd->type);
	struct session_wait		*w;
	struct proto_msg		 m;
	char				 when[32], *words;

	if (s->sync != CLIENT_SYNC_LIVE) {
		words = session_command_words(ce->name);
		if (s->sync == CLIENT_SYNC_CATCHUP)
			*cause = xasprintf("%s must wait: still catching up "
			    "(%lld behind)", words, (long long)(s->head -
			    s->rep.st.seq));
		else if (s->heard_wall != 0) {
			export_time(s->heard_wall, when, sizeof when);
			*cause = xasprintf("%s needs a live hub: not connected "
			    "since %s", words, when + 11);
		} else
			*cause = xasprintf("%s needs a live hub: not connected",
			    words);
		free(words);
		return -1;
	}
	if ((ce->flags & CORE_F_FENCED) && cmd->fence == 0 &&
	    (cmd->fence = core_state_fence_of(&s->rep.st, cmd->name,
	    s->user)) == 0) {
		*cause = xasprintf("you hold no claim on %s", cmd->name != NULL ?
		    cmd->name : "that");
		return -1;
	}
	proto_msg_init(&m, PROTO_COMMAND);
	m.incident = s->incident;
	m.op = util_opid_create();
	m.based_on = s->rep.st.seq;
	m.cmd = *cmd;
	session_send(s, &m);
	w = xcalloc(1, sizeof *w);
	w->op = m.op;
	words = session_command_words(ce->name);
	w->what = xasprintf("%s%s%s", words, cmd->name != NULL ? " " : "",
	    cmd->name != NULL ? cmd->name : "");
	free(words);
	w->type = cmd->type;
	w->name = cmd->name != NULL ? xstrdup(cmd->name) : NULL;
	LIST_INSERT_HEAD(&s->waits, w, entry);
	return 0;
}
