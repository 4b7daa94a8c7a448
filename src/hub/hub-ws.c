/*
 * The hub's websocket and HTTP protocol handler.
 *
 * Each connection is a hub_client.  Incoming messages are reassembled up to
 * PROTO_MAX_MSG bytes; a message that announces or reaches more is refused
 * while it is arriving (close 1009) and never buffered whole, and a message
 * that is started but not finished within HUB_FRAME_TIMEOUT closes the
 * connection.  Outgoing data is written only from the WRITEABLE callback,
 * one lws_write per callback carrying, in this order: pongs (so that a
 * client's liveness check never waits behind anything), queued replies
 * (welcome, ack, refused, error) and lease notices, the incident's presence
 * if it changed, then one page of committed events after the client's
 * cursor.  When there is more than one message the hub frames them itself
 * and writes the frames in one raw write (lws_write's LWS_WRITE_RAW sends
 * bytes as they are), so that a writer's acknowledgements after a commit
 * cost one write, not one each; a page alone is written as a text message.
 * Each message read takes a token from the client's bucket (rate a
 * second, burst at once: core-bucket.c); once it is empty the client is
 * not read (rx flow control, a reason of its own) until a timer says a
 * token is back, so a client sending too fast is slowed to its rate,
 * nothing dropped, and sent a notice saying so.  Who a client is, and
 * whether its hello may act as its user, hub-auth.c decides.
 * A client that stops reading is paused (rx flow control) once
 * HUB_OUTQ_PAUSE of its own replies are queued, rather than buffered
 * without bound; notices to every follower do not count, since there is
 * at most one per held lease (a newer one replaces it) and presence is
 * never queued but made when it is written.
 *
 * A page is made, for one follower at a time, in the hub's one page buffer
 * from the wire forms the incident's events were given when accepted: from
 * the ring of recent events (hub-ring.c) while it holds the follower's
 * next event, and from the store, which keeps the same bytes, for a
 * follower further behind.  Nothing is decoded or encoded per follower: a
 * page is the events message's start, the stored bytes joined by commas
 * (each but the last without its chain value, which the follower computes
 * and the last one checks), and its end.  Each stored form is checked to be the next event's (it
 * starts {"seq":N,) before it is sent.  A store that cannot give a
 * follower its next events (an error, a gap, a wrong form) closes that
 * follower with an error "store" and is logged; the hub and every other
 * client go on.
 *
 * Presence carries, for each user following the incident, PROTO_PRESENCE_LIVE
 * if one of its connections keeps up (so no client ever shows it behind,
 * however far its own head moves), else the highest cursor among them.  A
 * follower whose cursor has stayed below the committed head for
 * HUB_BEHIND_AFTER is lagging and announced at its cursor, and again each
 * second while it moves.  Joins, leaves and those changes are announced at
 * the next tick (HUB_TICK), so a storm of reconnections costs each
 * follower a few presence messages a second, not one per join, and events
 * flowing cost none.  A change is sent as a change (the users whose entry
 * changed or who left), made once for all, to a follower that holds the
 * list before it; one that joined or fell behind by more gets the whole
 * list, also made once per change.
 *
 * Every frame received is a sign of life, and a client not heard from for
 * HUB_PING_AFTER ms is sent a websocket ping (with a payload, so that its
 * pong reaches the callback), again each HUB_PING_AFTER, so an idle client
 * that is alive answers: one not heard from for HUB_SILENT_CLOSE ms is
 * closed.  While a client is
 * paused nothing is read from it, so there what it takes of what the hub
 * writes counts instead.
 *
 * Memory per connection is kept small: lws's receive buffer is
 * HUB_RX_BUFFER bytes (a longer message arrives in pieces, gathered in the
 * client's rx buffer, which is freed once the message is handled), and its
 * send size HUB_TX_PACKET, so that a whole page goes to the kernel in one
 * send.  Once HUB_TRIM_AFTER connections have closed, the next tick gives
 * the heap's free pages back to the system (malloc_trim), so that memory
 * returns when a crowd of followers leaves.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "store.h"

static void	hub_ws_behind(struct hub_client *, int64_t);

static struct hub *
hub_ws_hub(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/*
 * Why a client is not read from, as lws's flow control reasons: its
 * replies are piling up, or it sent faster than its rate.  Either stops
 * reading; reading resumes when neither holds.
 */
#define HUB_RXFLOW_OUTQ	LWS_RXFLOW_REASON_USER_BOOL
#define HUB_RXFLOW_RATE	(1 << 1)

#define HUB_OUT_CLOSE	0x1	/* close the connection after it */
#define HUB_OUT_URGENT	0x2	/* before everything else (pongs) */

/*
 * Queue len bytes for a client and ask to write.  A message with a key (a
 * lease notice: the action's name) replaces a queued one with the same key.
 */
static void
hub_ws_queue(struct hub_client *c, const char *data, size_t len, int flags,
    const char *key)
{
	struct hub_out	*o;

	if (c->closing)
		return;
	o = NULL;
	if (key != NULL) {
		STAILQ_FOREACH(o, &c->outq, entry) {
			if (o->key != NULL && strcmp(o->key, key) == 0)
				break;
		}
	}
	if (o == NULL) {
		o = xcalloc(1, sizeof *o);
		if (key != NULL)
			o->key = xstrdup(key);
		if (flags & HUB_OUT_URGENT)
			STAILQ_INSERT_TAIL(&c->urgent, o, entry);
		else
			STAILQ_INSERT_TAIL(&c->outq, o, entry);
		if (key == NULL)
			c->noutq++;
	} else
		free(o->data);
	o->data = xmalloc(LWS_PRE + len);
	memcpy(o->data + LWS_PRE, data, len);
	o->len = len;
	if (flags & HUB_OUT_CLOSE) {
		o->close = 1;
		c->closing = 1;
	}
	if (!c->paused && c->noutq >= HUB_OUTQ_PAUSE) {
		lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_DISABLE |
		    HUB_RXFLOW_OUTQ);
		c->paused = 1;
	}
	lws_callback_on_writable(c->wsi);
}

/* Take the next queued message, pongs first; NULL if none. */
static struct hub_out *
hub_ws_dequeue(struct hub_client *c)
{
	struct hub_out	*o;

	if ((o = STAILQ_FIRST(&c->urgent)) != NULL)
		STAILQ_REMOVE_HEAD(&c->urgent, entry);
	else if ((o = STAILQ_FIRST(&c->outq)) != NULL)
		STAILQ_REMOVE_HEAD(&c->outq, entry);
	else
		return NULL;
	if (o->key == NULL)
		c->noutq--;
	return o;
}

static void
hub_ws_out_free(struct hub_out *o)
{
	free(o->data);
	free(o->key);
	free(o);
}

void
hub_ws_send(struct hub_client *c, const char *data, size_t len, int close)
{
	hub_ws_queue(c, data, len, close ? HUB_OUT_CLOSE : 0, NULL);
}

void
hub_ws_send_msg(struct hub_client *c, const struct proto_msg *m)
{
	struct buf	b;

	util_buf_init(&b);
	proto_msg_encode(m, &b);
	hub_ws_send(c, b.data, b.len, 0);
	util_buf_clear(&b);
}

void
hub_ws_send_error(struct hub_client *c, const char *code, const char *op,
    const char *message, enum proto_kind kind, int close)
{
	struct buf	b;

	util_buf_init(&b);
	proto_error_encode(code, message, op, kind, &b);
	hub_ws_send(c, b.data, b.len, close);
	util_buf_clear(&b);
}

static void
hub_ws_welcome(struct hub *hub, struct hub_client *c)
{
	struct proto_msg	m;

	proto_msg_init(&m, PROTO_WELCOME);
	m.hub = (char *)HUB_VERSION;
	m.lock_delay = hub->cfg.lock_delay;
	m.ttl = hub->cfg.ttl;
	if (c->inc != NULL) {
		m.incident = c->inc->state.id;
		m.seq = c->inc->committed;
		memcpy(m.chain, c->inc->chain, CORE_HASH_LEN);
	}
	hub_ws_send_msg(c, &m);
}

static void
hub_ws_hello(struct hub *hub, struct hub_client *c, struct proto_msg *m)
{
	const char	*code;
	char		*msg;

	if (m->version != PROTO_VERSION) {
		msg = xasprintf("protocol version %lld is not supported: this "
		    "hub speaks version %d", (long long)m->version,
		    PROTO_VERSION);
		hub_ws_send_error(c, "version", NULL, msg, PROTO_ERROR, 1);
		free(msg);
		return;
	}
	if (!core_name_valid(m->user)) {
		hub_ws_send_error(c, "bad-user", NULL, "a user name is 1-64 of "
		    "A-Z a-z 0-9 . _ @ -", PROTO_ERROR, 1);
		return;
	}
	if (c->user != NULL) {
		hub_ws_send_error(c, "bad-request", NULL, "hello was already "
		    "said on this connection", PROTO_ERROR, 0);
		return;
	}
	if (hub_auth_hello(hub, c, m, &code, &msg) != 0) {
		hub_ws_send_error(c, code, NULL, msg, PROTO_ERROR, 1);
		free(msg);
		return;
	}
	/*
	 * Another hub on a shared store may have opened it, or committed
	 * events this hub has not heard of yet that the client, moving from
	 * that hub, already holds: read them before welcoming it.
	 */
	if (m->incident != NULL && ((c->inc = hub_state_find(hub,
	    m->incident)) == NULL || m->from > c->inc->committed))
		hub_state_catchup(hub, m->incident, c->inc == NULL ?
		    INT64_MAX : m->from);
	if (m->incident != NULL && ((c->inc = hub_state_find(hub,
	    m->incident)) == NULL || c->inc->committed == 0)) {
		c->inc = NULL;
		free(c->login);
		c->login = NULL;
		msg = xasprintf("no incident %s", m->incident);
		hub_ws_send_error(c, "no-incident", NULL, msg, PROTO_ERROR, 1);
		free(msg);
		return;
	}
	c->user = xstrdup(m->user);
	lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	hub_ws_welcome(hub, c);
	if (hub->store_down != NULL)
		hub_ws_durable(hub, c);
	if (c->inc != NULL && m->from >= 0) {
		c->follows = 1;
		hub_tele_welcome(hub, c);
		c->cursor = m->from > c->inc->committed ? c->inc->committed :
		    m->from;
		if (m->snapshot && c->inc->committed - c->cursor >
		    hub->cfg.snapshot_after) {
			c->want_snapshot = 1;
			hub_ws_snapshot(hub, c);
		} else {
			c->subscribed = 1;
			hub_ws_behind(c, util_clock_mono_ms());
			hub_ws_presence(hub, c->inc);
		}
	}
	util_log("hello from %s%s%s (incident %s, from %lld)", c->user,
	    hub_auth_by(c) != NULL ? " by " : "", hub_auth_by(c) != NULL ?
	    c->login : "", m->incident != NULL ? m->incident : "-",
	    (long long)m->from);
}

/* Does c follow inc, as presence counts followers? */
static int
hub_ws_follows(const struct hub_client *c, const struct hub_incident *inc)
{
	return c->inc == inc && c->subscribed && !c->closing;
}

void
hub_ws_presence(struct hub *hub, struct hub_incident *inc)
{
	(void)hub;
	inc->presence_stale = 1;
}

static int
hub_ws_presence_cmp(const void *a, const void *b)
{
	const struct proto_presence	*x = a, *y = b;

	return strcmp(x->user, y->user);
}

/* Encode a presence message of n users (a delta or all) into b. */
static void
hub_ws_presence_encode(struct hub_incident *inc, struct proto_presence *u,
    size_t n, int delta, struct buf *b)
{
	struct proto_msg	m;

	proto_msg_init(&m, PROTO_PRESENCE);
	m.incident = inc->state.id;
	m.users = u;
	m.nusers = n;
	m.delta = delta;
	util_buf_reset(b);
	util_buf_addzero(b, LWS_PRE);
	proto_msg_encode(&m, b);
}

/*
 * Look again at who follows inc: each user live if one of its connections
 * keeps up, else at the highest cursor among them.  If that differs from
 * what was last announced, encode the whole list and the change (entries
 * changed or new, and those gone), bump the version and wake every
 * follower; each is then sent the change if it holds the version before,
 * the whole list otherwise.  Both lists are kept sorted by name, so the
 * change is one merge.
 */
static void
hub_ws_presence_changed(struct hub *hub, struct hub_incident *inc)
{
	struct proto_presence	*now, *old = inc->presence_users, *d;
	struct hub_client	*c;
	size_t			 n = 0, k = 0, i, j, nd = 0;
	int			 cmp;

	inc->presence_stale = 0;
	LIST_FOREACH(c, &hub->clients, entry)
		n++;
	now = xcalloc(n + 1, sizeof *now);
	LIST_FOREACH(c, &hub->clients, entry) {
		if (!hub_ws_follows(c, inc))
			continue;
		c->presence_seq = c->cursor;
		now[k].user = c->user;
		now[k++].seq = c->lagging ? c->cursor : PROTO_PRESENCE_LIVE;
	}
	qsort(now, k, sizeof *now, hub_ws_presence_cmp);
	for (i = 0, n = 0; i < k; i++) {
		if (n > 0 && strcmp(now[n - 1].user, now[i].user) == 0) {
			if (now[i].seq > now[n - 1].seq)
				now[n - 1].seq = now[i].seq;
		} else
			now[n++] = now[i];
	}

	d = xcalloc(n + inc->presence_n + 1, sizeof *d);
	for (i = 0, j = 0; i < n || j < inc->presence_n; ) {
		if (i == n)
			cmp = 1;
		else if (j == inc->presence_n)
			cmp = -1;
		else
			cmp = strcmp(now[i].user, old[j].user);
		if (cmp < 0)
			d[nd++] = now[i++];
		else if (cmp > 0) {
			d[nd].user = old[j++].user;
			d[nd++].seq = PROTO_PRESENCE_GONE;
		} else {
			if (now[i].seq != old[j].seq)
				d[nd++] = now[i];
			i++;
			j++;
		}
	}
	if (nd > 0) {
		hub_ws_presence_encode(inc, now, n, 0, &inc->presence);
		hub_ws_presence_encode(inc, d, nd, 1, &inc->presence_delta);
	}
	free(d);
	if (nd == 0) {
		free(now);
		return;
	}
	proto_presence_free(inc->presence_users, inc->presence_n);
	for (i = 0; i < n; i++)
		now[i].user = xstrdup(now[i].user);
	inc->presence_users = now;
	inc->presence_n = n;
	inc->presence_ver++;
	LIST_FOREACH(c, &hub->clients, entry) {
		if (hub_ws_follows(c, inc))
			lws_callback_on_writable(c->wsi);
	}
}

/* Note where c's cursor stands against the committed head. */
static void
hub_ws_behind(struct hub_client *c, int64_t now)
{
	if (c->cursor >= c->inc->committed)
		c->behind_since = 0;
	else if (c->behind_since == 0)
		c->behind_since = now;
}

/*
 * Ping a client not heard from for HUB_PING_AFTER (and again each
 * HUB_PING_AFTER), close one not heard from for HUB_SILENT_CLOSE.  Returns
 * 0, or -1 if it is being closed.
 */
static int
hub_ws_alive(struct hub *hub, struct hub_client *c, int64_t now)
{
	if (now - c->heard >= HUB_SILENT_CLOSE) {
		util_log("connection from %s silent for %lld ms: closing",
		    c->user != NULL ? c->user : "?",
		    (long long)(now - c->heard));
		hub->stat_silent++;
		c->closing = 1;
		if (c->subscribed)
			c->inc->presence_stale = 1;
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		return -1;
	}
	if (now - c->heard >= HUB_PING_AFTER &&
	    now - c->pinged >= HUB_PING_AFTER) {
		c->ping_due = 1;
		c->pinged = now;
		lws_callback_on_writable(c->wsi);
	}
	return 0;
}

void
hub_ws_tick(struct hub *hub, int progress)
{
	struct hub_incident	*inc;
	struct hub_client	*c;
	int64_t			 now = util_clock_mono_ms();
	int			 lag;

	LIST_FOREACH(c, &hub->clients, entry) {
		if (c->closing || hub_ws_alive(hub, c, now) != 0 ||
		    !c->subscribed)
			continue;
		hub_ws_behind(c, now);
		lag = c->behind_since != 0 &&
		    now - c->behind_since >= HUB_BEHIND_AFTER;
		if (lag != c->lagging ||
		    (lag && progress && c->cursor != c->presence_seq)) {
			c->lagging = lag;
			c->inc->presence_stale = 1;
		}
	}
	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		if (inc->presence_stale)
			hub_ws_presence_changed(hub, inc);
	}
	if (hub->gone >= HUB_TRIM_AFTER) {
		/* Give what the closed connections held back to the system. */
		malloc_trim(0);
		hub->gone = 0;
	}
}

void
hub_ws_free(struct hub *hub)
{
	struct hub_incident	*inc;

	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		util_buf_clear(&inc->presence);
		util_buf_clear(&inc->presence_delta);
		proto_presence_free(inc->presence_users, inc->presence_n);
		inc->presence_users = NULL;
		inc->presence_n = 0;
	}
	util_buf_clear(&hub->page);
	util_buf_clear(&hub->out);
}

void
hub_ws_lease(struct hub *hub, struct hub_incident *inc, struct hub_client *to,
    const struct core_action *a)
{
	struct proto_msg	 m;
	struct hub_client	*c;
	struct buf		 b;
	int64_t			 now = util_clock_mono_ms();

	proto_msg_init(&m, PROTO_LEASE);
	m.incident = inc->state.id;
	m.name = a->name;
	m.fence = a->fence;
	m.left = a->deadline > now ? a->deadline - now : 0;
	util_buf_init(&b);
	proto_msg_encode(&m, &b);
	LIST_FOREACH(c, &hub->clients, entry) {
		if ((to == NULL || c == to) && hub_ws_follows(c, inc))
			hub_ws_queue(c, b.data, b.len, 0, a->name);
	}
	util_buf_clear(&b);
}

void
hub_ws_notice(struct hub *hub, struct hub_incident *inc, struct hub_client *to,
    const char *key, const char *data, size_t len)
{
	struct hub_client	*c;

	LIST_FOREACH(c, &hub->clients, entry) {
		if ((to == NULL || c == to) && c->inc == inc && c->follows &&
		    !c->closing)
			hub_ws_queue(c, data, len, 0, key);
	}
}

void
hub_ws_durable(struct hub *hub, struct hub_client *to)
{
	struct proto_msg	 m;
	struct hub_client	*c;
	struct buf		 b;

	proto_msg_init(&m, PROTO_NOTICE);
	if (hub->store_down != NULL) {
		m.code = (char *)PROTO_NOTICE_STALE;
		m.message = hub->store_down;
	} else {
		m.code = (char *)PROTO_NOTICE_LIVE;
		m.message = (char *)"the hub can make changes durable again";
	}
	util_buf_init(&b);
	proto_msg_encode(&m, &b);
	LIST_FOREACH(c, &hub->clients, entry) {
		if ((to == NULL || c == to) && c->user != NULL && !c->closing)
			hub_ws_queue(c, b.data, b.len, 0, "durable");
	}
	util_buf_clear(&b);
}

void
hub_ws_snapshot(struct hub *hub, struct hub_client *c)
{
	struct buf	b;

	(void)hub;
	if (!c->want_snapshot || c->inc->state.seq != c->inc->committed)
		return;
	util_buf_init(&b);
	proto_snapshot_encode(&c->inc->state, util_clock_mono_ms(), &b);
	hub_ws_send(c, b.data, b.len, 0);
	util_buf_clear(&b);
	c->want_snapshot = 0;
	c->cursor = c->inc->committed;
	c->subscribed = 1;
	c->behind_since = 0;
	hub_ws_presence(hub, c->inc);
	util_log("snapshot of %s at seq %lld to %s", c->inc->state.id,
	    (long long)c->cursor, c->user);
}

static void
hub_ws_list(struct hub *hub, struct hub_client *c)
{
	struct proto_msg	 m;
	struct hub_incident	*inc;
	struct proto_incident	*pi;
	size_t			 n = 0;

	proto_msg_init(&m, PROTO_INCIDENTS);
	STAILQ_FOREACH(inc, &hub->incidents, entry)
		n++;
	m.incidents = xcalloc(n, sizeof *m.incidents);
	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		if (inc->committed == 0)
			continue;
		pi = &m.incidents[m.nincidents++];
		pi->id = xstrdup(inc->state.id);
		pi->title = xstrdup(inc->state.title);
		pi->status = xstrdup(inc->state.status);
		pi->ic = inc->state.ic != NULL ? xstrdup(inc->state.ic) : NULL;
		pi->sev = inc->state.sev;
		pi->seq = inc->committed;
		pi->opened = inc->state.opened;
	}
	hub_ws_send_msg(c, &m);
	proto_msg_clear(&m);
}

/* The client's rate allows reading it again. */
static void
hub_ws_rate_cb(lws_sorted_usec_list_t *sul)
{
	struct hub_client	*c = lws_container_of(sul, struct hub_client,
				    rate_sul);

	c->throttled = 0;
	lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_ENABLE |
	    HUB_RXFLOW_RATE | LWS_RXFLOW_REASON_FLAG_PROCESS_NOW);
	lws_cancel_service(lws_get_context(c->wsi));
}

/*
 * A message was read from c: take it from c's bucket and, when the bucket
 * is empty, stop reading c until it holds one again.  Nothing is dropped:
 * what c sends waits in its socket, so a client sending too fast is slowed
 * to its rate, and told so (at most once every HUB_TELL_EVERY ms).
 */
static void
hub_ws_rate(struct hub *hub, struct hub_client *c)
{
	struct proto_msg	 m;
	int64_t			 now = util_clock_mono_ms(), wait;
	char			*msg;

	if (c->closing || (wait = core_bucket_take(&c->bucket, now)) == 0)
		return;
	if (!c->throttled) {
		c->throttled = 1;
		hub->stat_throttled++;
		lws_rx_flow_control(c->wsi, LWS_RXFLOW_REASON_APPLIES_DISABLE |
		    HUB_RXFLOW_RATE);
	}
	lws_sul_schedule(hub->ctx, 0, &c->rate_sul, hub_ws_rate_cb,
	    (lws_usec_t)wait * 1000);
	if (c->told != 0 && now - c->told < HUB_TELL_EVERY)
		return;
	c->told = now;
	util_log("connection of %s over its rate (%lld a second, %lld at "
	    "once): slowed", c->user != NULL ? c->user : "?",
	    (long long)hub->cfg.rate, (long long)hub->cfg.burst);
	msg = xasprintf("slow down: this hub reads %lld messages a second "
	    "from a connection (%lld at once); the rest wait",
	    (long long)hub->cfg.rate, (long long)hub->cfg.burst);
	proto_msg_init(&m, PROTO_NOTICE);
	m.code = (char *)"slow-down";
	m.message = msg;
	hub_ws_send_msg(c, &m);
	free(msg);
}

/* Handle one complete message from a client. */
static void
hub_ws_message(struct hub *hub, struct hub_client *c, const char *p,
    size_t len)
{
	struct proto_msg	 m;
	struct buf		 b;
	char			*cause;

	if (proto_msg_decode(p, len, &m, &cause) != 0) {
		hub_ws_send_error(c, "malformed", m.op, cause, PROTO_ERROR, 0);
		util_log("malformed message from %s: %s",
		    c->user != NULL ? c->user : "?", cause);
		free(cause);
		proto_msg_clear(&m);
		return;
	}
	if (m.kind != PROTO_HELLO && c->user == NULL) {
		hub_ws_send_error(c, "hello-first", m.op, "say hello first "
		    "(with the protocol version)", PROTO_ERROR, 0);
		proto_msg_clear(&m);
		return;
	}
	switch (m.kind) {
	case PROTO_HELLO:
		hub_ws_hello(hub, c, &m);
		break;
	case PROTO_COMMAND:
		hub_state_command(hub, c, &m);
		break;
	case PROTO_PING:
		m.kind = PROTO_PONG;
		util_buf_init(&b);
		proto_msg_encode(&m, &b);
		hub_ws_queue(c, b.data, b.len, HUB_OUT_URGENT, NULL);
		util_buf_clear(&b);
		break;
	case PROTO_LIST:
		hub_ws_list(hub, c);
		break;
	default:
		hub_ws_send_error(c, "unexpected", m.op, "clients do not send "
		    "this message type", PROTO_ERROR, 0);
		break;
	}
	proto_msg_clear(&m);
}

/* A page being made in hub->page. */
struct hub_ws_page {
	struct buf	*b;
	size_t		 start;		/* where the items begin */
	size_t		 n;
	int64_t		 last;		/* seq of the last event in it */
	int		 full;
	char		*cause;		/* a stored form that is wrong */
};

/* Add the next event's wire form; returns 1 once the page is full. */
static int
hub_ws_page_add(struct hub_ws_page *pg, const char *wire, size_t len)
{
	if (pg->n++ > 0) {
		proto_events_unhash(pg->b);	/* the last one checks it */
		util_buf_addc(pg->b, ',');
	}
	util_buf_add(pg->b, wire, len);
	pg->last++;
	pg->full = pg->n >= PROTO_PAGE_EVENTS ||
	    pg->b->len - pg->start >= PROTO_PAGE_BYTES;
	return pg->full;
}

/* A stored wire form, which must be the next event's. */
static int
hub_ws_page_row(const struct store_row *r, void *arg)
{
	struct hub_ws_page	*pg = arg;
	char			 want[48];
	int			 n;

	if (r->seq != pg->last + 1) {
		pg->cause = xasprintf("event %lld is not in the store",
		    (long long)(pg->last + 1));
		return 1;
	}
	n = snprintf(want, sizeof want, "{\"seq\":%lld,", (long long)r->seq);
	if (r->wirelen < (size_t)n || memcmp(r->wire, want, (size_t)n) != 0) {
		pg->cause = xasprintf("the stored wire form of event %lld is "
		    "not that event's", (long long)r->seq);
		return 1;
	}
	return hub_ws_page_add(pg, r->wire, r->wirelen);
}

/*
 * Make in hub->page the events message of the events after c's cursor, as
 * many as a page holds: from the ring while it holds the next one, from
 * the store before that.  Returns the seq of the last event in it, or -1
 * with *cause if the store could not give the first; a page stops short
 * before an event the store cannot give.
 */
static int64_t
hub_ws_page(struct hub *hub, struct hub_client *c, char **cause)
{
	struct hub_incident	*inc = c->inc;
	struct hub_ws_page	 pg;
	const char		*w;
	size_t			 len;
	int64_t			 upto, got;

	if (inc->events_head.len == 0)
		proto_events_begin(inc->state.id, &inc->events_head);
	util_buf_reset(&hub->page);
	util_buf_addzero(&hub->page, LWS_PRE);
	util_buf_add(&hub->page, inc->events_head.data, inc->events_head.len);
	memset(&pg, 0, sizeof pg);
	pg.b = &hub->page;
	pg.start = hub->page.len;
	pg.last = c->cursor;
	while (!pg.full && pg.last < inc->committed) {
		if ((w = hub_ring_get(&inc->ring, pg.last + 1, &len)) != NULL) {
			hub_ws_page_add(&pg, w, len);
			continue;
		}
		upto = inc->committed;
		if (inc->ring.first > pg.last + 1 && inc->ring.first <= upto)
			upto = inc->ring.first - 1;
		if (upto - pg.last > PROTO_PAGE_EVENTS - (int64_t)pg.n)
			upto = pg.last + PROTO_PAGE_EVENTS - (int64_t)pg.n;
		got = store_wire(hub->store, inc->state.id, pg.last,
		    upto - pg.last, hub_ws_page_row, &pg, cause);
		if (got >= 0 && pg.cause != NULL) {
			*cause = pg.cause;
			got = -1;
		} else if (got == 0)
			*cause = xasprintf("event %lld is not in the store",
			    (long long)(pg.last + 1));
		if (got > 0)
			continue;
		if (pg.n == 0)
			return -1;
		free(*cause);	/* send what there is: the next page fails */
		*cause = NULL;
		break;
	}
	proto_events_end(&hub->page);
	return pg.last;
}

/*
 * The store cannot give a follower its next events: tell it and close its
 * connection (the hub and everyone else go on).
 */
static void
hub_ws_store_fail(struct hub_client *c, const char *cause)
{
	char	*msg;

	util_log("store: %s: %s: closing the connection of %s",
	    c->inc->state.id, cause, c->user);
	msg = xasprintf("the hub cannot read %s's log after seq %lld: %s",
	    c->inc->state.id, (long long)c->cursor, cause);
	hub_ws_send_error(c, "store", NULL, msg, PROTO_ERROR, 1);
	free(msg);
	c->inc->presence_stale = 1;
}

/*
 * A follower has every committed event: tell it the time left on each held
 * lease, which the log alone cannot say (renewals are not logged).
 */
static void
hub_ws_caught_up(struct hub *hub, struct hub_client *c)
{
	size_t	i;

	c->leases_sent = 1;
	for (i = 0; i < c->inc->state.nactions; i++) {
		if (c->inc->state.actions[i].state == CORE_ACTION_HELD &&
		    c->inc->state.actions[i].fence <= c->inc->committed)
			hub_ws_lease(hub, c->inc, c, &c->inc->state.actions[i]);
	}
}

/*
 * Append a text message to b as one websocket frame: FIN and the text
 * opcode, the length in 7, 16 or 64 bits, the payload (frames from a
 * server are not masked, and the hub offers no extension that would
 * change them).
 */
static void
hub_ws_frame(struct buf *b, const char *p, size_t n)
{
	unsigned char	h[10];
	size_t		hl, i;

	h[0] = 0x81;
	if (n < 126) {
		h[1] = (unsigned char)n;
		hl = 2;
	} else if (n < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	} else {
		h[1] = 127;
		for (i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	util_buf_add(b, h, hl);
	util_buf_add(b, p, n);
}

/* Is there more to write to c than the pass that just ended wrote? */
static int
hub_ws_more(const struct hub_client *c)
{
	if (!STAILQ_EMPTY(&c->urgent) || !STAILQ_EMPTY(&c->outq))
		return 1;
	if (!c->subscribed || c->closing)
		return 0;
	return c->presence_ver != c->inc->presence_ver ||
	    c->cursor < c->inc->committed ||
	    (!c->leases_sent && c->cursor >= c->inc->committed);
}

/*
 * One WRITEABLE pass: a ping alone, or in one write whatever c is owed,
 * in order: queued replies (pongs first, up to HUB_BATCH_BYTES and up to
 * one that closes the connection), the incident's presence if it changed,
 * and a page of events.  Several messages go as frames made here, in one
 * raw write; a page alone is written as a text message without a copy.
 * Returns 0, or -1 to close the connection.
 */
static int
hub_ws_writeable(struct hub *hub, struct hub_client *c)
{
	unsigned char		 ping[LWS_PRE + 8];
	struct hub_out		*o;
	struct buf		*out = &hub->out, *pres;
	char			*cause = NULL;
	int64_t			 last = -1, now = util_clock_mono_ms();
	int			 rc, close = 0, replies = 0;

	if (c->ping_due) {
		c->ping_due = 0;
		memcpy(ping + LWS_PRE, "concord", 8);
		if (lws_write(c->wsi, ping + LWS_PRE, 8, LWS_WRITE_PING) < 0)
			return -1;
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	util_buf_reset(out);
	util_buf_addzero(out, LWS_PRE);
	while (!close && out->len - LWS_PRE < HUB_BATCH_BYTES &&
	    (o = hub_ws_dequeue(c)) != NULL) {
		hub_ws_frame(out, o->data + LWS_PRE, o->len);
		close = o->close;
		hub_ws_out_free(o);
		replies++;
	}
	if (replies > 0 && c->paused) {
		/* Not read from, but taking what it is sent. */
		c->heard = now;
		if (c->noutq <= HUB_OUTQ_RESUME) {
			lws_rx_flow_control(c->wsi,
			    LWS_RXFLOW_REASON_APPLIES_ENABLE | HUB_RXFLOW_OUTQ);
			c->paused = 0;
		}
	}
	if (!close && c->subscribed && !c->closing) {
		if (c->presence_ver != c->inc->presence_ver) {
			/* The one encoding serves every follower. */
			pres = c->presence_ver != 0 && c->presence_ver + 1 ==
			    c->inc->presence_ver ? &c->inc->presence_delta :
			    &c->inc->presence;
			hub_ws_frame(out, pres->data + LWS_PRE,
			    pres->len - LWS_PRE);
			c->presence_ver = c->inc->presence_ver;
		}
		if (!c->leases_sent && c->cursor >= c->inc->committed)
			hub_ws_caught_up(hub, c);	/* queues notices */
		else if (c->cursor < c->inc->committed &&
		    (last = hub_ws_page(hub, c, &cause)) < 0) {
			hub_ws_store_fail(c, cause);
			free(cause);
		}
	}
	if (last >= 0 && out->len == LWS_PRE) {
		rc = lws_write(c->wsi, (unsigned char *)hub->page.data +
		    LWS_PRE, hub->page.len - LWS_PRE, LWS_WRITE_TEXT);
	} else {
		if (last >= 0)
			hub_ws_frame(out, hub->page.data + LWS_PRE,
			    hub->page.len - LWS_PRE);
		if (out->len == LWS_PRE)
			return 0;
		rc = lws_write(c->wsi, (unsigned char *)out->data + LWS_PRE,
		    out->len - LWS_PRE, LWS_WRITE_RAW);
	}
	if (hub->page.cap > 2 * (LWS_PRE + PROTO_PAGE_BYTES))
		util_buf_clear(&hub->page);	/* after one huge event */
	if (out->cap > 2 * (LWS_PRE + PROTO_PAGE_BYTES + HUB_BATCH_BYTES))
		util_buf_clear(out);
	if (close) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    (unsigned char *)"closing", 7);
		return -1;
	}
	if (rc < 0)
		return -1;
	if (last >= 0) {
		c->cursor = last;
		hub_ws_behind(c, now);
		if (c->cursor >= c->inc->committed && !c->leases_sent)
			hub_ws_caught_up(hub, c);
	}
	if (hub_ws_more(c))
		lws_callback_on_writable(c->wsi);
	return 0;
}

static void
hub_ws_client_free(struct hub *hub, struct hub_client *c)
{
	struct hub_out		*o;

	hub_state_client_gone(hub, c);
	LIST_REMOVE(c, entry);
	if (c->subscribed && c->inc != NULL)
		hub_ws_presence(hub, c->inc);
	c->closing = 1;
	while ((o = hub_ws_dequeue(c)) != NULL)
		hub_ws_out_free(o);
	util_buf_clear(&c->rx);
	lws_sul_cancel(&c->rate_sul);
	free(c->user);
	free(c->login);
	hub->gone++;
}

static int
hub_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct hub		*hub = NULL;
	struct hub_client	*c = user;
	size_t			 remaining;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
		hub = hub_ws_hub(wsi);	/* the wsi is whole by now */
		break;
	default:
		break;
	}
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		hub_tele_drain(hub_ws_hub(wsi));
		break;
	case LWS_CALLBACK_HTTP:
		return hub_http_request(hub, c, wsi, in != NULL ? in : "");
	case LWS_CALLBACK_HTTP_BODY:
		return hub_http_body(hub_ws_hub(wsi), c, wsi, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return hub_http_body_done(hub_ws_hub(wsi), c, wsi);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return hub_http_writeable(c, wsi);
	case LWS_CALLBACK_CLOSED_HTTP:
		hub_http_closed(hub_ws_hub(wsi), c);
		break;
	case LWS_CALLBACK_ESTABLISHED:
		memset(c, 0, sizeof *c);
		c->wsi = wsi;
		c->hub = hub;
		c->heard = util_clock_mono_ms();
		STAILQ_INIT(&c->urgent);
		STAILQ_INIT(&c->outq);
		util_buf_init(&c->rx);
		core_bucket_init(&c->bucket, hub->cfg.rate, hub->cfg.burst,
		    c->heard);
		hub_auth_connected(hub, c);
		LIST_INSERT_HEAD(&hub->clients, c, entry);
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, HUB_HELLO_TIMEOUT);
		break;
	case LWS_CALLBACK_CLOSED:
		if (c != NULL && c->wsi == wsi) {
			util_log("connection from %s closed",
			    c->user != NULL ? c->user : "?");
			hub_ws_client_free(hub, c);
		}
		break;
	case LWS_CALLBACK_RECEIVE_PONG:
		c->heard = util_clock_mono_ms();
		break;
	case LWS_CALLBACK_RECEIVE:
		c->heard = util_clock_mono_ms();
		remaining = lws_remaining_packet_payload(wsi);
		if (c->rx.len + len + remaining > PROTO_MAX_MSG) {
			util_log("message over %d bytes from %s: closing",
			    PROTO_MAX_MSG, c->user != NULL ? c->user : "?");
			lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
			    (unsigned char *)"message too large", 17);
			return -1;
		}
		if (!lws_is_final_fragment(wsi) || remaining > 0) {
			/*
			 * A deadline from the start of the message (its first
			 * frame, even an empty one).  Before hello the hello
			 * deadline stands: re-arming it here would let a client
			 * that never says hello stay by starting messages.
			 */
			if (lws_is_first_fragment(wsi) && c->user != NULL)
				lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK,
				    HUB_FRAME_TIMEOUT);
			util_buf_add(&c->rx, in, len);
			break;
		}
		util_buf_add(&c->rx, in, len);
		if (c->user != NULL)
			lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
		if (lws_frame_is_binary(wsi))
			hub_ws_send_error(c, "malformed", NULL, "messages are "
			    "JSON text, not binary", PROTO_ERROR, 0);
		else
			hub_ws_message(hub, c, c->rx.data, c->rx.len);
		util_buf_clear(&c->rx);
		hub_ws_rate(hub, c);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return hub_ws_writeable(hub, c);
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols hub_ws_protocols[] = {
	{ PROTO_SUBPROTOCOL, hub_ws_callback, sizeof(struct hub_client),
	  HUB_RX_BUFFER, 0, NULL, HUB_TX_PACKET },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};
