/*
 * The console's session: one reconnecting websocket connection to a hub,
 * subscribed to one incident, and the replica built from it.
 *
 * The replica is the incident's log as received: every event is checked to
 * follow the previous one (seq + 1) and to extend the chain to the value the
 * hub sent with it; a gap or a mismatch drops the replica and the
 * connection and starts again from seq 0, so what is shown is never a
 * picture the hub did not agree to.  After a lost connection the session
 * reconnects with jittered exponential backoff (capped at
 * CLIENT_BACKOFF_MAX) and resumes after the last seq it holds.
 *
 * Notes go through the outbox: written durably first, then sent with the
 * entry's operation id, removed on acknowledgement (or on a duplicate
 * acknowledgement), so a note typed while the hub is away is delivered
 * exactly once when it is back.  Coordination commands are never queued:
 * without a live connection they are refused locally.
 *
 * Leases held by this session's user are renewed at a third of their TTL
 * while the session is live.  The hub's lease messages give the time left
 * on each held lease (renewals are not in the log), so countdowns agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "client.h"
#include "export.h"
#include "util.h"

#define SESSION_PING_EVERY	5000	/* ms between pings */
#define SESSION_DEAD_AFTER	15000	/* ms of silence before giving up */
#define SESSION_TICK		250	/* ms */

/* A command sent and not yet answered. */
struct session_wait {
	char			*op;
	char			*what;		/* for messages: "claim x" */
	int			 note;		/* an outbox entry */
	struct session_wait	*next;
};

struct client_session {
	struct lws_context		*ctx;
	struct lws			*wsi;
	struct lws_protocols		 protocols[3];
	char				*hub;
	char				*user;
	char				*incident;
	enum client_sync		 sync;
	int				 connected;
	int				 retrying;	/* a reconnect is due */
	int				 closing;	/* being freed */
	int				 attempt;
	int64_t				 head;
	int64_t				 heard_mono;
	int64_t				 heard_wall;
	int64_t				 last_ping;
	struct core_state		 st;
	struct client_tl		*tl;
	size_t				 ntl;
	size_t				 captl;
	struct proto_presence		*users;
	size_t				 nusers;
	struct store_outbox_entry	*pending;
	size_t				 npending;
	struct store_outbox_entry	*own;		/* this user's, shallow */
	size_t				 nown;
	struct session_wait		*waits;
	struct client_outq		 out;
	struct buf			 rx;
	char				*notice;
	lws_sorted_usec_list_t		 retry_sul;
	lws_sorted_usec_list_t		 tick_sul;
	void				(*changed)(void *);
	void				*arg;
};

static void	session_connect(struct client_session *);

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

static void
session_send(struct client_session *s, const struct proto_msg *m)
{
	client_outq_push(&s->out, m);
	if (s->wsi != NULL && s->connected)
		lws_callback_on_writable(s->wsi);
}

static void
session_waits_drop(struct client_session *s)
{
	struct session_wait	*w;

	while ((w = s->waits) != NULL) {
		s->waits = w->next;
		free(w->op);
		free(w->what);
		free(w);
	}
}

static void
session_timeline_clear(struct client_session *s)
{
	size_t	i;

	for (i = 0; i < s->ntl; i++) {
		free(s->tl[i].actor);
		free(s->tl[i].roles);
		free(s->tl[i].text);
		free(s->tl[i].kind);
	}
	s->ntl = 0;
}

static void
session_presence_clear(struct client_session *s)
{
	size_t	i;

	for (i = 0; i < s->nusers; i++)
		free(s->users[i].user);
	free(s->users);
	s->users = NULL;
	s->nusers = 0;
}

static void
session_pending_reload(struct client_session *s)
{
	size_t	i;

	store_outbox_free(s->pending, s->npending);
	s->pending = store_outbox_list(s->hub, s->incident, &s->npending);
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
	core_state_clear(&s->st);
	core_state_init(&s->st, s->incident);
	session_timeline_clear(s);
	s->head = 0;
}

static void
session_retry_cb(lws_sorted_usec_list_t *sul)
{
	struct client_session	*s = lws_container_of(sul,
				    struct client_session, retry_sul);

	session_connect(s);
}

/* Drop the connection; reconnect after a jittered, growing backoff. */
static void
session_lost(struct client_session *s, const char *why)
{
	int64_t		ms = 100;
	uint32_t	r;
	int		i;

	if (s->retrying || s->closing)
		return;
	if (s->wsi != NULL) {
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		s->wsi = NULL;
	}
	s->retrying = 1;
	if (s->connected)
		util_log("connection lost: %s", why);
	s->connected = 0;
	if (s->sync != CLIENT_SYNC_CONNECTING)
		s->sync = CLIENT_SYNC_STALE;
	client_outq_clear(&s->out);
	session_waits_drop(s);
	util_buf_reset(&s->rx);
	for (i = 0; i < s->attempt && ms < CLIENT_BACKOFF_MAX; i++)
		ms *= 2;
	if (ms > CLIENT_BACKOFF_MAX)
		ms = CLIENT_BACKOFF_MAX;
	util_random_bytes(&r, sizeof r);
	ms = ms / 2 + (int64_t)(r % (uint32_t)(ms / 2 + 1));
	s->attempt++;
	lws_sul_schedule(s->ctx, 0, &s->retry_sul, session_retry_cb,
	    (lws_usec_t)ms * 1000);
	session_changed(s);
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
		for (w = s->waits; w != NULL; w = w->next) {
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
		session_send(s, &m);
		w = xcalloc(1, sizeof *w);
		w->op = xstrdup(s->pending[i].op);
		w->what = xstrdup("note");
		w->note = 1;
		w->next = s->waits;
		s->waits = w;
	}
}

static void
session_connect(struct client_session *s)
{
	struct lws_client_connect_info	 ci;
	struct proto_msg		 hello;
	struct lws			*wsi;
	char				*owned = NULL, *cause = NULL;

	s->retrying = 0;
	s->wsi = NULL;
	memset(&ci, 0, sizeof ci);
	if (client_conn_address(s->hub, &ci, &owned, &cause) != 0) {
		session_notice(s, "%s", cause);
		free(cause);
		session_lost(s, "bad hub address");
		return;
	}
	ci.context = s->ctx;
	ci.path = "/";
	ci.origin = ci.host;
	ci.protocol = PROTO_SUBPROTOCOL;
	ci.local_protocol_name = PROTO_SUBPROTOCOL;
	ci.opaque_user_data = s;
	client_outq_clear(&s->out);
	proto_msg_init(&hello, PROTO_HELLO);
	hello.user = s->user;
	hello.incident = s->incident;
	hello.from = s->st.seq;
	session_send(s, &hello);
	wsi = lws_client_connect_via_info(&ci);
	free(owned);
	if (wsi == NULL)
		session_lost(s, "cannot connect");
	else if (!s->retrying)
		s->wsi = wsi;
}

/* Fold one event into the replica; -1 if it does not follow or verify. */
static int
session_event(struct client_session *s, const struct core_event *e,
    const unsigned char *hash)
{
	struct core_ctx		 ctx;
	struct client_tl	*t;
	size_t			 i;

	if (e->seq <= s->st.seq)
		return 0;
	if (e->seq != s->st.seq + 1) {
		util_log("gap: seq %lld after %lld", (long long)e->seq,
		    (long long)s->st.seq);
		return -1;
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.now = util_clock_mono_ms();
	ctx.lock_delay = 0;
	core_state_apply(&s->st, e, &ctx);
	if (memcmp(s->st.chain, hash, CORE_HASH_LEN) != 0) {
		util_log("chain mismatch at seq %lld", (long long)e->seq);
		return -1;
	}
	if (s->ntl == s->captl) {
		s->captl = s->captl == 0 ? 1024 : s->captl * 2;
		s->tl = xreallocarray(s->tl, s->captl, sizeof *s->tl);
	}
	t = &s->tl[s->ntl++];
	memset(t, 0, sizeof *t);
	t->seq = e->seq;
	t->time = e->time;
	t->type = e->type;
	t->actor = xstrdup(e->actor != NULL ? e->actor : "?");
	t->roles = xstrdup(e->roles != NULL ? e->roles : "");
	t->text = core_event_describe(e);
	for (i = 0; t->text[i] != '\0'; i++) {
		if (t->text[i] == '\n' || t->text[i] == '\t')
			t->text[i] = ' ';
	}
	/* The timeline holds every event from seq 1: entry n is seq n + 1. */
	if (e->type == CORE_AMEND && e->ref >= 1 && (size_t)e->ref <= s->ntl)
		s->tl[e->ref - 1].amended_by = e->seq;
	if (e->type == CORE_MARK && e->ref >= 1 && (size_t)e->ref <= s->ntl) {
		free(s->tl[e->ref - 1].kind);
		s->tl[e->ref - 1].kind = xstrdup(e->kind);
	}
	if (e->seq > s->head)
		s->head = e->seq;
	return 0;
}

static void
session_answer(struct client_session *s, struct proto_msg *m)
{
	struct session_wait	**pp, *w;
	size_t			  i;

	for (pp = &s->waits; (w = *pp) != NULL; pp = &w->next) {
		if (m->op != NULL && strcmp(w->op, m->op) == 0)
			break;
	}
	if (w == NULL) {
		if (m->kind != PROTO_ACK)
			session_notice(s, "%s", m->message != NULL ?
			    m->message : m->code);
		return;
	}
	*pp = w->next;
	if (w->note) {
		for (i = 0; i < s->npending; i++) {
			if (strcmp(s->pending[i].op, w->op) == 0) {
				if (m->kind == PROTO_ACK)
					store_outbox_remove(&s->pending[i]);
				else
					store_outbox_reject(&s->pending[i],
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
	free(w);
	session_changed(s);
}

static void
session_message(struct client_session *s, const char *p, size_t len)
{
	struct proto_msg	 m;
	struct core_action	*a;
	char			*cause;
	size_t			 i;

	if (proto_msg_decode(p, len, &m, &cause) != 0) {
		util_log("undecodable message from the hub: %s", cause);
		free(cause);
		proto_msg_clear(&m);
		return;
	}
	s->heard_mono = util_clock_mono_ms();
	s->heard_wall = util_clock_wall_ms();
	switch (m.kind) {
	case PROTO_WELCOME:
		if (m.seq < s->st.seq || (m.seq == s->st.seq && s->st.seq > 0 &&
		    memcmp(m.chain, s->st.chain, CORE_HASH_LEN) != 0)) {
			/* The hub's log is not the one we hold. */
			session_notice(s, "the hub's log differs from the one "
			    "shown (seq %lld): resynchronising", (long long)m.seq);
			session_reset(s);
			proto_msg_clear(&m);
			session_lost(s, "resynchronising");
			return;
		}
		s->attempt = 0;
		s->connected = 1;
		if (m.seq > s->head)
			s->head = m.seq;
		s->sync = s->st.seq >= s->head ? CLIENT_SYNC_LIVE :
		    CLIENT_SYNC_CATCHUP;
		util_log("welcome: head %lld, holding %lld", (long long)m.seq,
		    (long long)s->st.seq);
		session_flush(s);
		break;
	case PROTO_EVENTS:
		for (i = 0; i < m.nevents; i++) {
			if (session_event(s, &m.events[i], m.hashes[i]) != 0) {
				session_notice(s, "the log did not verify at seq "
				    "%lld: resynchronising", (long long)
				    m.events[i].seq);
				session_reset(s);
				proto_msg_clear(&m);
				session_lost(s, "resynchronising");
				return;
			}
		}
		s->sync = s->st.seq >= s->head ? CLIENT_SYNC_LIVE :
		    CLIENT_SYNC_CATCHUP;
		break;
	case PROTO_ACK:
	case PROTO_REFUSED:
	case PROTO_ERROR:
		session_answer(s, &m);
		break;
	case PROTO_PRESENCE:
		session_presence_clear(s);
		s->users = m.users;
		s->nusers = m.nusers;
		m.users = NULL;
		m.nusers = 0;
		break;
	case PROTO_LEASE:
		a = core_state_action(&s->st, m.name);
		if (a != NULL && a->state == CORE_ACTION_HELD &&
		    a->fence == m.fence)
			a->deadline = util_clock_mono_ms() + m.left;
		break;
	default:
		break;
	}
	proto_msg_clear(&m);
	session_changed(s);
}

static int
session_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct client_session	*s;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_CLIENT_RECEIVE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		/* Not before: lws calls early, on a wsi not yet whole. */
		if ((s = lws_get_opaque_user_data(wsi)) == NULL)
			return 0;
		break;
	default:
		return 0;
	}
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (s->wsi == wsi || s->wsi == NULL)
			session_lost(s, in != NULL ? (const char *)in :
			    "connection failed");
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (s->wsi != wsi)
			return -1;
		s->heard_mono = util_clock_mono_ms();
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (s->wsi == wsi)
			session_lost(s, "closed by the hub");
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (s->wsi != wsi)
			return -1;
		if (s->rx.len + len > 4 * (size_t)PROTO_MAX_MSG) {
			session_lost(s, "message from the hub too large");
			return -1;
		}
		util_buf_add(&s->rx, in, len);
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi) > 0)
			return 0;
		session_message(s, s->rx.data, s->rx.len);
		util_buf_reset(&s->rx);
		if (s->rx.cap > 65536)
			util_buf_clear(&s->rx);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (s->wsi != wsi)
			return 0;
		return client_outq_write(&s->out, wsi);
	default:
		return 0;
	}
}

/* Renew this user's leases at a third of their TTL. */
static void
session_renew(struct client_session *s, int64_t now)
{
	struct core_action	*a;
	struct core_event	 e;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < s->st.nactions; i++) {
		a = &s->st.actions[i];
		if (a->state != CORE_ACTION_HELD || a->holder == NULL ||
		    strcmp(a->holder, s->user) != 0 ||
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
	struct proto_msg	 m;
	int64_t			 now = util_clock_mono_ms();

	if (s->connected && now - s->heard_mono > SESSION_DEAD_AFTER)
		session_lost(s, "the hub stopped answering");
	else if (s->connected) {
		if (now - s->last_ping >= SESSION_PING_EVERY) {
			proto_msg_init(&m, PROTO_PING);
			m.t = now;
			session_send(s, &m);
			s->last_ping = now;
		}
		if (s->sync == CLIENT_SYNC_LIVE)
			session_renew(s, now);
	}
	session_changed(s);	/* clocks and countdowns move */
	lws_sul_schedule(s->ctx, 0, &s->tick_sul, session_tick_cb,
	    SESSION_TICK * 1000);
	lws_cancel_service(s->ctx);	/* so the caller's loop draws now */
}

static void
session_log(int level, const char *line)
{
	(void)level;
	util_log("lws: %s", line);
}

struct client_session *
client_session_create(const char *hub, const char *user, const char *incident,
    const struct lws_protocols *extra, void (*changed)(void *), void *arg)
{
	struct lws_context_creation_info	 info;
	struct client_session			*s;

	s = xcalloc(1, sizeof *s);
	s->hub = xstrdup(hub);
	s->user = xstrdup(user);
	s->incident = xstrdup(incident);
	s->changed = changed;
	s->arg = arg;
	client_outq_init(&s->out);
	s->sync = CLIENT_SYNC_CONNECTING;
	util_buf_init(&s->rx);
	core_state_init(&s->st, incident);
	s->protocols[0].name = PROTO_SUBPROTOCOL;
	s->protocols[0].callback = session_callback;
	s->protocols[0].rx_buffer_size = 65536;
	if (extra != NULL)
		s->protocols[1] = *extra;
	lws_set_log_level(LLL_ERR | LLL_WARN, session_log);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = s->protocols;
	info.user = s;
	info.timeout_secs = 10;
	info.connect_timeout_secs = 10;
	if ((s->ctx = lws_create_context(&info)) == NULL)
		fatalx("cannot create an event loop");
	session_pending_reload(s);
	session_connect(s);
	lws_sul_schedule(s->ctx, 0, &s->tick_sul, session_tick_cb,
	    SESSION_TICK * 1000);
	return s;
}

void
client_session_free(struct client_session *s)
{
	if (s == NULL)
		return;
	s->closing = 1;
	s->changed = NULL;
	lws_sul_cancel(&s->retry_sul);
	lws_sul_cancel(&s->tick_sul);
	lws_context_destroy(s->ctx);
	client_outq_clear(&s->out);
	session_waits_drop(s);
	session_timeline_clear(s);
	free(s->tl);
	session_presence_clear(s);
	store_outbox_free(s->pending, s->npending);
	free(s->own);
	core_state_clear(&s->st);
	util_buf_clear(&s->rx);
	free(s->notice);
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
	return &s->st;
}

const struct client_tl *
client_session_timeline(struct client_session *s, size_t *n)
{
	*n = s->ntl;
	return s->tl;
}

enum client_sync
client_session_sync(struct client_session *s)
{
	return s->sync;
}

int64_t
client_session_head(struct client_session *s)
{
	return s->head;
}

int64_t
client_session_heard(struct client_session *s)
{
	return s->heard_wall;
}

const struct proto_presence *
client_session_presence(struct client_session *s, size_t *n)
{
	*n = s->nusers;
	return s->users;
}

const struct store_outbox_entry *
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
	struct core_action	*a = core_state_action(&s->st, action);

	return a != NULL && a->state == CORE_ACTION_HELD ? a->deadline : 0;
}

int
client_session_mine(struct client_session *s, const char *action)
{
	(void)s;
	(void)action;
	return 0;
}

const char *
client_session_hub(struct client_session *s)
{
	return s->hub;
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
	rc = store_outbox_add(s->hub, s->incident, s->user, op, text,
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
			    s->st.seq));
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
	    (cmd->fence = core_state_fence_of(&s->st, cmd->name,
	    s->user)) == 0) {
		*cause = xasprintf("you hold no claim on %s", cmd->name != NULL ?
		    cmd->name : "that");
		return -1;
	}
	proto_msg_init(&m, PROTO_COMMAND);
	m.incident = s->incident;
	m.op = util_opid_create();
	m.based_on = s->st.seq;
	m.cmd = *cmd;
	session_send(s, &m);
	w = xcalloc(1, sizeof *w);
	w->op = m.op;
	words = session_command_words(ce->name);
	w->what = xasprintf("%s%s%s", words, cmd->name != NULL ? " " : "",
	    cmd->name != NULL ? cmd->name : "");
	free(words);
	w->next = s->waits;
	s->waits = w;
	return 0;
}
