/*
 * A synchronous websocket connection to the hub.
 *
 * Each connection owns a small libwebsockets context with one client wsi.
 * Callers block in client_conn_open or client_conn_recv, which run the loop
 * until a message is decoded, the connection closes or a timer set for the
 * caller's deadline fires (lws_service sleeps until I/O or a timer, so the
 * deadline needs a timer of its own).  Messages to the hub are queued and
 * written one per WRITEABLE callback; messages from the hub are reassembled
 * up to PROTO_MAX_MSG, decoded and queued in arrival order.  Library logs go
 * to the log file (if any), never to the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "client.h"
#include "util.h"

struct client_msg {
	struct proto_msg	 m;
	struct client_msg	*next;
};

struct client_outq_item {
	char			*data;		/* LWS_PRE headroom first */
	size_t			 len;
	struct client_outq_item	*next;
};

struct client_conn {
	struct lws_context	*ctx;
	struct lws		*wsi;
	int			 established;
	int			 closed;
	int			 welcomed;
	char			*error;
	struct buf		 rx;
	struct client_outq	 out;
	struct client_msg	*in;
	struct client_msg	**in_tail;
	lws_sorted_usec_list_t	 timer;
	int			 timer_fired;
	int64_t			 head;
	unsigned char		 chain[CORE_HASH_LEN];
};

static void
client_conn_log(int level, const char *line)
{
	(void)level;
	util_log("lws: %s", line);
}

static void
client_conn_fail(struct client_conn *cc, const char *why)
{
	if (cc->error == NULL)
		cc->error = xstrdup(why);
	cc->closed = 1;
}

static void
client_conn_push(struct client_conn *cc, const char *p, size_t len)
{
	struct client_msg	*cm = xcalloc(1, sizeof *cm);
	char			*cause;

	if (proto_msg_decode(p, len, &cm->m, &cause) != 0) {
		util_log("undecodable message from the hub: %s", cause);
		free(cause);
		proto_msg_clear(&cm->m);
		free(cm);
		return;
	}
	*cc->in_tail = cm;
	cc->in_tail = &cm->next;
}

static int
client_conn_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct client_conn	*cc;
	char			 why[256];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_CLIENT_RECEIVE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		/*
		 * Only here: lws calls early on a connection (and on a failed
		 * one) before the wsi knows its context.
		 */
		cc = lws_context_user(lws_get_context(wsi));
		break;
	default:
		return 0;
	}
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(why, sizeof why, "%s",
		    in != NULL ? (const char *)in : "connection failed");
		client_conn_fail(cc, why);
		cc->wsi = NULL;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		cc->established = 1;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len > 2) {
			snprintf(why, sizeof why, "the hub closed the "
			    "connection: %.*s", (int)(len - 2),
			    (const char *)in + 2);
			client_conn_fail(cc, why);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		client_conn_fail(cc, "the hub closed the connection");
		cc->wsi = NULL;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (cc->rx.len + len > 4 * (size_t)PROTO_MAX_MSG) {
			client_conn_fail(cc, "message from the hub too large");
			return -1;
		}
		util_buf_add(&cc->rx, in, len);
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi) > 0)
			break;
		client_conn_push(cc, cc->rx.data, cc->rx.len);
		util_buf_reset(&cc->rx);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (client_outq_write(&cc->out, wsi) != 0) {
			client_conn_fail(cc, "write to the hub failed");
			return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols client_conn_protocols[] = {
	{ PROTO_SUBPROTOCOL, client_conn_callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
client_conn_timer(lws_sorted_usec_list_t *sul)
{
	struct client_conn	*cc = lws_container_of(sul, struct client_conn,
				    timer);

	cc->timer_fired = 1;
	/*
	 * Timers run before lws_service polls, which would then wait for the
	 * next event: make that poll return at once.
	 */
	lws_cancel_service(cc->ctx);
}

/* Run the loop until a message is queued, the connection closes or ms pass. */
static void
client_conn_run(struct client_conn *cc, int ms)
{
	cc->timer_fired = 0;
	lws_sul_schedule(cc->ctx, 0, &cc->timer, client_conn_timer,
	    (lws_usec_t)ms * 1000);
	while (cc->in == NULL && !cc->closed && !cc->timer_fired) {
		if (lws_service(cc->ctx, 0) < 0) {
			client_conn_fail(cc, "event loop failed");
			break;
		}
	}
	lws_sul_cancel(&cc->timer);
}

struct client_conn *
client_conn_open(const char *hub, const char *user, const char *incident,
    int64_t from, int snapshot, int *unreachable, char **cause)
{
	struct lws_context_creation_info	 info;
	struct lws_client_connect_info		 ci;
	struct client_conn			*cc;
	struct proto_msg			 hello, m;
	char					*owned = NULL;
	int					 rc;

	*unreachable = 0;
	memset(&ci, 0, sizeof ci);
	if (client_conn_address(hub, &ci, &owned, cause) != 0)
		return NULL;

	cc = xcalloc(1, sizeof *cc);
	util_buf_init(&cc->rx);
	client_outq_init(&cc->out);
	cc->in_tail = &cc->in;
	lws_set_log_level(LLL_ERR | LLL_WARN, client_conn_log);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = client_conn_protocols;
	info.user = cc;
	info.timeout_secs = 10;
	info.connect_timeout_secs = 10;
	if ((cc->ctx = lws_create_context(&info)) == NULL)
		fatalx("cannot create an event loop");
	ci.context = cc->ctx;
	ci.path = "/";
	ci.origin = ci.host;
	ci.protocol = PROTO_SUBPROTOCOL;
	ci.pwsi = &cc->wsi;
	if (lws_client_connect_via_info(&ci) == NULL)
		client_conn_fail(cc, "cannot connect");
	free(owned);

	proto_msg_init(&hello, PROTO_HELLO);
	hello.user = (char *)user;
	hello.incident = (char *)incident;
	hello.from = from;
	hello.snapshot = snapshot;
	client_conn_send(cc, &hello);

	while (!cc->established && !cc->closed)
		client_conn_run(cc, 15000);
	if (!cc->established) {
		*unreachable = 1;
		*cause = xasprintf("cannot reach the hub at %s: %s", hub,
		    cc->error != NULL ? cc->error : "timed out");
		client_conn_free(cc);
		return NULL;
	}
	rc = client_conn_recv(cc, &m, 15000, cause);
	if (rc <= 0) {
		if (rc == 0)
			*cause = xasprintf("no welcome from the hub at %s", hub);
		*unreachable = 1;
		client_conn_free(cc);
		return NULL;
	}
	if (m.kind != PROTO_WELCOME) {
		*cause = xasprintf("%s", m.message != NULL ? m.message :
		    "the hub did not welcome us");
		proto_msg_clear(&m);
		client_conn_free(cc);
		return NULL;
	}
	if (m.version != PROTO_VERSION) {
		*cause = xasprintf("the hub speaks protocol version %lld, this "
		    "client %d", (long long)m.version, PROTO_VERSION);
		proto_msg_clear(&m);
		client_conn_free(cc);
		return NULL;
	}
	cc->welcomed = 1;
	cc->head = m.seq;
	memcpy(cc->chain, m.chain, CORE_HASH_LEN);
	proto_msg_clear(&m);
	return cc;
}

void
client_conn_free(struct client_conn *cc)
{
	struct client_msg	*cm;

	if (cc == NULL)
		return;
	lws_sul_cancel(&cc->timer);
	lws_context_destroy(cc->ctx);
	client_outq_clear(&cc->out);
	while ((cm = cc->in) != NULL) {
		cc->in = cm->next;
		proto_msg_clear(&cm->m);
		free(cm);
	}
	util_buf_clear(&cc->rx);
	free(cc->error);
	free(cc);
}

int64_t
client_conn_head(struct client_conn *cc)
{
	return cc->head;
}

const unsigned char *
client_conn_chain(struct client_conn *cc)
{
	return cc->chain;
}

void
client_conn_send(struct client_conn *cc, const struct proto_msg *m)
{
	client_outq_push(&cc->out, m);
	if (cc->wsi != NULL && cc->established)
		lws_callback_on_writable(cc->wsi);
}

int
client_conn_recv(struct client_conn *cc, struct proto_msg *m, int timeout_ms,
    char **cause)
{
	struct client_msg	*cm;
	int64_t			 deadline = util_clock_mono_ms() + timeout_ms;
	int64_t			 left;

	if (timeout_ms <= 0 && cc->in == NULL && !cc->closed) {
		/* Just what is ready: a negative timeout polls without waiting. */
		if (lws_service(cc->ctx, -1) < 0)
			client_conn_fail(cc, "event loop failed");
		if (cc->in == NULL && !cc->closed)
			return 0;
	}
	while (cc->in == NULL && !cc->closed) {
		left = deadline - util_clock_mono_ms();
		if (left <= 0)
			return 0;
		client_conn_run(cc, (int)left);
	}
	if ((cm = cc->in) == NULL) {
		*cause = xstrdup(cc->error != NULL ? cc->error :
		    "connection to the hub lost");
		return -1;
	}
	cc->in = cm->next;
	if (cc->in == NULL)
		cc->in_tail = &cc->in;
	*m = cm->m;
	free(cm);
	return 1;
}

int
client_conn_answer(struct client_conn *cc, const char *op, struct proto_msg *m,
    int timeout_ms, char **cause)
{
	int	rc;

	for (;;) {
		if ((rc = client_conn_recv(cc, m, timeout_ms, cause)) <= 0)
			return rc;
		if ((m->kind == PROTO_ACK || m->kind == PROTO_REFUSED ||
		    m->kind == PROTO_ERROR) && (m->op == NULL ||
		    strcmp(m->op, op) == 0))
			return 1;
		proto_msg_clear(m);	/* not ours: events, presence, ... */
	}
}

void
client_conn_flush(struct client_conn *cc)
{
	while (!client_outq_empty(&cc->out) && !cc->closed) {
		if (lws_service(cc->ctx, 0) < 0) {
			client_conn_fail(cc, "event loop failed");
			break;
		}
	}
}

int
client_conn_address(const char *hub, struct lws_client_connect_info *ci,
    char **owned, char **cause)
{
	char	*host, *colon;
	int64_t	 port;

	*owned = NULL;
	if (strncmp(hub, "unix:", 5) == 0 && hub[5] == '/') {
		*owned = xasprintf("+%s", hub + 5);
		ci->address = *owned;
		ci->host = "localhost";
		ci->port = 0;
		return 0;
	}
	if (strncmp(hub, "ws://", 5) == 0) {
		host = xstrdup(hub + 5);
		host[strcspn(host, "/")] = '\0';
		if ((colon = strrchr(host, ':')) != NULL &&
		    util_num_parse(colon + 1, 1, 65535, &port) == 0) {
			*colon = '\0';
			*owned = host;
			ci->address = host;
			ci->host = host;
			ci->port = (int)port;
			return 0;
		}
		free(host);
	}
	*cause = xasprintf("bad hub address %s: want unix:/PATH or "
	    "ws://HOST:PORT", hub);
	return -1;
}

void
client_outq_init(struct client_outq *q)
{
	q->head = NULL;
	q->tail = &q->head;
}

void
client_outq_push(struct client_outq *q, const struct proto_msg *m)
{
	struct client_outq_item	*o = xcalloc(1, sizeof *o);
	struct buf		 b;

	util_buf_init(&b);
	util_buf_addzero(&b, LWS_PRE);
	proto_msg_encode(m, &b);
	o->len = b.len - LWS_PRE;
	o->data = util_buf_steal(&b);
	*q->tail = o;
	q->tail = &o->next;
}

int
client_outq_write(struct client_outq *q, struct lws *wsi)
{
	struct client_outq_item	*o;
	int			 rc;

	if ((o = q->head) == NULL)
		return 0;
	if ((q->head = o->next) == NULL)
		q->tail = &q->head;
	rc = lws_write(wsi, (unsigned char *)o->data + LWS_PRE, o->len,
	    LWS_WRITE_TEXT);
	free(o->data);
	free(o);
	if (rc < 0)
		return -1;
	if (q->head != NULL)
		lws_callback_on_writable(wsi);
	return 0;
}

int
client_outq_empty(const struct client_outq *q)
{
	return q->head == NULL;
}

void
client_outq_clear(struct client_outq *q)
{
	struct client_outq_item	*o;

	while ((o = q->head) != NULL) {
		q->head = o->next;
		free(o->data);
		free(o);
	}
	q->tail = &q->head;
}
