/*
 * A link: the one websocket transport every client uses to talk to a hub
 * (the CLI's synchronous connection in client-conn.c and the console's
 * session in client-session.c are both built on it).
 *
 * A link lives on a libwebsockets context that has client_link_protocol;
 * several links may share one context.  It owns at most one connection at
 * a time and moves through three phases:
 *
 *   down  --connect-->  opening  --welcome-->  up
 *     ^                    |                    |
 *     +------ lost --------+-------- lost ------+
 *
 * Opening (TCP or Unix connect, websocket handshake, hello, welcome) has a
 * deadline of CLIENT_CONNECT_TIMEOUT.  While up, the link pings the hub
 * every CLIENT_PING_EVERY and declares it dead after CLIENT_DEAD_AFTER
 * without hearing anything (a stopped process or a black-holed path never
 * closes a socket, so silence is the only sign).  Both deadlines are lws
 * timeouts on the connection, re-armed by every message received.  Losing the connection,
 * however it happens, calls ops->down once; a link made with retry then
 * reconnects after a jittered exponential backoff (lws's retry table), so
 * many clients that lose one hub together come back spread out.
 *
 * A link may know several hubs (a hub list, client_url_list: hubs of one
 * cluster on one database, which agree on every incident's seqs and
 * chain).  It is on one of them at a time; losing it, however (closed,
 * silent past CLIENT_DEAD_AFTER, refused, never reached, a certificate
 * that does not verify), it moves to the next in the list, going round.
 * The backoff grows by rounds, not by attempts: every hub of a round is
 * tried after the same jittered delay, and only a whole round without a
 * welcome moves to the next step of the table (with one hub, every
 * attempt is a round, as before).  A welcome resets it.  The link stays
 * on the hub it reached until it loses it: there is no moving back to
 * the first.  What to resume from is the owner's (client_link_resume);
 * the same hello goes to whichever hub.
 *
 * A wss:// hub is reached over TLS 1.2 or later on a context made for it
 * (client_link_context), its certificate checked by OpenSSL against the CA
 * bundle of client_link_ca (else the system's store) and against the host
 * named; nothing here can relax that.  A certificate that does not verify
 * ends the opening as a refusal with the code CLIENT_LINK_UNTRUSTED and a
 * reason that says so and why (OpenSSL's verify error, kept from its
 * callback); a retrying link still retries, as the hub's certificate may
 * be fixed, but one-shot callers give up at once.
 *
 * Invariants: hello is the first message on every connection, queued
 * before anything else, and carries the user's token ($CONCORD_TOKEN,
 * else the configuration's) over TCP, never to a Unix socket; messages are
 * written only from the WRITEABLE callback, one lws_write per callback; a
 * connection the link has given up on has its opaque pointer cleared
 * before it is killed, so nothing it reports afterwards reaches the
 * link.  Incoming messages are reassembled
 * up to 4 * PROTO_MAX_MSG and decoded here: callers see plain structs.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "client.h"
#include "util.h"

#define LINK_TICK	500	/* ms between looks at whether to ping */

/* Messages waiting to be written to the hub, oldest first. */
struct link_outq_item {
	char			*data;		/* LWS_PRE headroom first */
	size_t			 len;
	STAILQ_ENTRY(link_outq_item) entry;
};
STAILQ_HEAD(link_outq, link_outq_item);

enum link_phase {
	LINK_DOWN,
	LINK_OPENING,
	LINK_UP
};

struct client_link {
	struct lws_context		*ctx;
	struct lws			*wsi;
	char				*hub;		/* the one it is on */
	char				**hubs;		/* the list */
	size_t				 nhubs;
	size_t				 at;		/* hub is hubs[at] */
	size_t				 failed;	/* hubs of this round
							   not reached */
	char				*user;
	char				*incident;
	int				 retry;
	const struct client_link_ops	*ops;
	void				*arg;
	enum link_phase			 phase;
	int				 established;	/* handshake done */
	int64_t				 from;		/* hello: resume after */
	int				 snapshot;
	int64_t				 deadline;	/* opening, mono ms */
	int64_t				 heard;		/* mono ms */
	int64_t				 pinged;
	uint16_t			 tries;		/* rounds failed */
	int				 in_callback;
	int				 freed;
	char				*code;		/* of the error that
							   ended an opening */
	int				 tls;		/* wss:// */
	int				 tls_error;	/* X509_V_ERR_*, 0 */
	char				*parting;	/* the error the hub
							   closes with, if any */
	struct buf			 rx;
	struct link_outq		 out;
	lws_sorted_usec_list_t		 tick_sul;
	lws_sorted_usec_list_t		 retry_sul;
};

/* Reconnect backoff: the base of each attempt, plus up to 50% jitter. */
static const uint32_t link_backoff_ms[] = {
	CLIENT_BACKOFF_MIN, CLIENT_BACKOFF_MIN * 2, CLIENT_BACKOFF_MIN * 4,
	CLIENT_BACKOFF_MIN * 8, CLIENT_BACKOFF_MAX
};
static const lws_retry_bo_t link_backoff = {
	.retry_ms_table = link_backoff_ms,
	.retry_ms_table_count = LWS_ARRAY_SIZE(link_backoff_ms),
	.conceal_count = LWS_RETRY_CONCEAL_ALWAYS,
	.jitter_percent = 50,
};

static void
link_outq_init(struct link_outq *q)
{
	STAILQ_INIT(q);
}

static void
link_outq_push(struct link_outq *q, const struct proto_msg *m)
{
	struct link_outq_item	*o = xcalloc(1, sizeof *o);
	struct buf		 b;

	util_buf_init(&b);
	util_buf_addzero(&b, LWS_PRE);
	proto_msg_encode(m, &b);
	o->len = b.len - LWS_PRE;
	o->data = util_buf_steal(&b);
	STAILQ_INSERT_TAIL(q, o, entry);
}

static int
link_outq_write(struct link_outq *q, struct lws *wsi)
{
	struct link_outq_item	*o;
	int			 rc;

	if ((o = STAILQ_FIRST(q)) == NULL)
		return 0;
	STAILQ_REMOVE_HEAD(q, entry);
	rc = lws_write(wsi, (unsigned char *)o->data + LWS_PRE, o->len,
	    LWS_WRITE_TEXT);
	free(o->data);
	free(o);
	if (rc < 0)
		return -1;
	if (!STAILQ_EMPTY(q))
		lws_callback_on_writable(wsi);
	return 0;
}

static int
link_outq_empty(const struct link_outq *q)
{
	return STAILQ_EMPTY(q);
}

static void
link_outq_clear(struct link_outq *q)
{
	struct link_outq_item	*o;

	while ((o = STAILQ_FIRST(q)) != NULL) {
		STAILQ_REMOVE_HEAD(q, entry);
		free(o->data);
		free(o);
	}
}

static void	link_connect(struct client_link *);

/* The CA bundle wss:// hubs are checked against; NULL: the system's. */
static char	*link_ca;

void
client_link_ca(const char *path)
{
	free(link_ca);
	link_ca = path != NULL ? xstrdup(path) : NULL;
}

static void
link_log(int level, const char *line)
{
	size_t	n = strlen(line);

	(void)level;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	util_log("lws: %.*s", (int)n, line);
}

struct lws_context *
client_link_context(const char *hub, const struct lws_protocols *extra,
    void *user)
{
	struct lws_protocols			 protocols[3];
	struct lws_context_creation_info	 info;
	struct lws_context			*ctx;
	const char				*bundle;

	/* lws copies the list into its vhost. */
	protocols[0] = client_link_protocol;
	memset(&protocols[1], 0, sizeof protocols[1]);
	memset(&protocols[2], 0, sizeof protocols[2]);
	if (extra != NULL)
		protocols[1] = *extra;
	lws_set_log_level(LLL_ERR | LLL_WARN, link_log);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = user;
	info.timeout_secs = CLIENT_CONNECT_TIMEOUT / 1000;
	info.connect_timeout_secs = CLIENT_CONNECT_TIMEOUT / 1000;
	if (strstr(hub, "wss://") != NULL) {	/* any hub of the list */
		/*
		 * With --ca only that bundle is trusted; else the system's
		 * store, named here so that lws does not look in a directory
		 * relative to where we run.  TLS 1.2 at least.
		 */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		if (link_ca != NULL) {
			info.client_ssl_ca_filepath = link_ca;
			info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
		} else {
			if ((bundle = getenv(X509_get_default_cert_file_env())) ==
			    NULL || *bundle == '\0')
				bundle = X509_get_default_cert_file();
			info.client_ssl_ca_filepath = bundle;
		}
		info.ssl_client_options_set = SSL_OP_NO_SSLv3 |
		    SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
	}
	if ((ctx = lws_create_context(&info)) == NULL)
		fatalx("cannot create an event loop");
	return ctx;
}

/* Let go of the current connection, if any, without hearing from it. */
static void
link_detach(struct client_link *l)
{
	if (l->wsi != NULL) {
		lws_set_opaque_user_data(l->wsi, NULL);
		lws_set_timeout(l->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		l->wsi = NULL;
	}
	l->established = 0;
	link_outq_clear(&l->out);
	util_buf_reset(&l->rx);
	if (l->rx.cap > 65536)
		util_buf_clear(&l->rx);
}

static void
link_retry_cb(lws_sorted_usec_list_t *sul)
{
	struct client_link	*l = lws_container_of(sul, struct client_link,
				    retry_sul);

	link_connect(l);
	lws_cancel_service(l->ctx);
}

/* The connection is gone: tell the owner, and schedule a reconnect. */
static void
link_lost(struct client_link *l, const char *why, int refused)
{
	uint32_t	ms;
	uint16_t	tries;
	char		conceal, *parting = l->parting;
	int		was_up;

	if (l->phase == LINK_DOWN)
		return;
	/* The hub said why before it closed: that is the reason. */
	if (parting != NULL) {
		l->parting = NULL;
		why = parting;
		refused = 1;
	}
	link_detach(l);
	was_up = l->phase == LINK_UP;
	l->phase = LINK_DOWN;
	util_log("link to %s lost: %s", l->hub, why);
	if (l->retry) {
		/* One step of the table per round of the list. */
		if (!was_up && ++l->failed >= l->nhubs) {
			l->failed = 0;
			if (l->tries < UINT16_MAX)
				l->tries++;
		}
		tries = l->tries;
		ms = lws_retry_get_delay_ms(l->ctx, &link_backoff, &tries,
		    &conceal);
		lws_sul_schedule(l->ctx, 0, &l->retry_sul, link_retry_cb,
		    (lws_usec_t)ms * 1000);
		if (l->nhubs > 1) {
			l->at = (l->at + 1) % l->nhubs;
			l->hub = l->hubs[l->at];
			util_log("moving to the hub at %s in %u ms", l->hub,
			    (unsigned int)ms);
		}
	}
	if (l->ops->down != NULL)
		l->ops->down(l->arg, why, refused);
	free(parting);
	/* Whoever waits in lws_service should look again. */
	lws_cancel_service(l->ctx);
}

/*
 * Pings go out from here; deadlines are the connection's own lws timeouts
 * (set from its callbacks: lws_set_timeout from a timer corrupts lws's
 * timer list in 4.1.6), so the silence that ends a connection is noticed
 * by lws, which closes it.
 */
static void
link_tick_cb(lws_sorted_usec_list_t *sul)
{
	struct client_link	*l = lws_container_of(sul, struct client_link,
				    tick_sul);
	struct proto_msg	 m;
	int64_t			 now = util_clock_mono_ms();

	if (l->phase == LINK_UP && now - l->pinged >= CLIENT_PING_EVERY) {
		proto_msg_init(&m, PROTO_PING);
		m.t = now;
		client_link_send(l, &m);
		l->pinged = now;
	}
	lws_sul_schedule(l->ctx, 0, &l->tick_sul, link_tick_cb,
	    LINK_TICK * 1000);
}

/* From a callback of wsi: close it after secs more without a word. */
static void
link_arm(struct lws *wsi, int64_t ms)
{
	int	secs = (int)((ms + 999) / 1000);

	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, secs < 1 ? 1 : secs);
}

/* Why did the connection end?  Silence, if a deadline of ours passed. */
static void
link_why(struct client_link *l, const char *fallback, char *why, size_t len)
{
	int64_t	now = util_clock_mono_ms();

	if (l->phase == LINK_UP && now - l->heard >= CLIENT_DEAD_AFTER - 500)
		snprintf(why, len, "the hub stopped answering (silent for "
		    "%lld s)", (long long)((now - l->heard + 500) / 1000));
	else if (l->phase == LINK_OPENING && now >= l->deadline - 500)
		snprintf(why, len, "the hub is not answering (no %s within "
		    "%d s)", l->established ? "welcome" : "handshake",
		    CLIENT_CONNECT_TIMEOUT / 1000);
	else
		snprintf(why, len, "%s", fallback);
}

/*
 * A wss:// connection failed its certificate check: say so, and what to
 * look at, as *why (the caller frees).  Returns 0, or -1 if the
 * certificate is not what failed.
 */
static int
link_tls_why(struct client_link *l, char **why)
{
	const char	*hint;

	if (!l->tls || l->tls_error == 0)
		return -1;
	switch (l->tls_error) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		hint = "the certificate is for another host: use a name it "
		    "gives in --hub";
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		hint = "look at the certificate's dates and this clock";
		break;
	default:
		hint = link_ca != NULL ? "is --ca right?" : "no --ca given: "
		    "is the hub's CA in the system's store?";
		break;
	}
	*why = xasprintf("cannot verify the hub's certificate (%s): %s (%s)",
	    l->hub, X509_verify_cert_error_string(l->tls_error), hint);
	return 0;
}

/*
 * A connection failed before the websocket handshake: why, into why.  A
 * TLS handshake that failed other than on the certificate most likely met
 * a plaintext hub; a plaintext one that was cut off, a TLS hub (which
 * drops what is not TLS): say so.
 */
static void
link_failed(struct client_link *l, const char *in, char *why, size_t len)
{
	const char	*what = in != NULL ? in : "connection failed";

	link_why(l, what, why, len);
	if (strcmp(why, what) != 0)
		return;		/* a deadline passed */
	if (l->tls && strncmp(what, "connect SSL", 11) == 0)
		snprintf(why, len, "no TLS handshake (does the hub serve "
		    "ws://, not wss://?)");
	else if (!l->tls && strncmp(l->hub, "ws://", 5) == 0 &&
	    (strcmp(what, "read failed") == 0 ||
	    strstr(what, "closed before established") != NULL))
		snprintf(why, len, "the connection was cut before the "
		    "websocket handshake (does the hub serve wss://?)");
}

/* The configuration file's token (client-config.c), or NULL. */
static char	*link_token;

void
client_link_token_set(const char *token)
{
	free(link_token);
	link_token = token != NULL ? xstrdup(token) : NULL;
}

const char *
client_link_token(void)
{
	const char	*s = getenv("CONCORD_TOKEN");

	if (s != NULL && *s != '\0')
		return s;
	return link_token;
}

static void
link_connect(struct client_link *l)
{
	struct lws_client_connect_info	 ci;
	struct proto_msg		 hello;
	char				*owned = NULL, *cause = NULL;

	if (l->phase != LINK_DOWN)
		return;
	link_detach(l);
	free(l->parting);
	l->parting = NULL;
	l->phase = LINK_OPENING;
	l->deadline = util_clock_mono_ms() + CLIENT_CONNECT_TIMEOUT;
	l->tls_error = 0;
	memset(&ci, 0, sizeof ci);
	if (client_conn_address(l->hub, &ci, &owned, &cause) != 0) {
		link_lost(l, cause, 1);
		free(cause);
		return;
	}
	l->tls = (ci.ssl_connection & LCCSCF_USE_SSL) != 0;
	proto_msg_init(&hello, PROTO_HELLO);
	hello.user = l->user;
	if (strncmp(l->hub, "unix:", 5) != 0)	/* a socket is its peer */
		hello.token = (char *)client_link_token();
	hello.incident = l->incident;
	hello.from = l->from;
	hello.snapshot = l->snapshot;
	link_outq_push(&l->out, &hello);
	ci.context = l->ctx;
	ci.path = "/";
	ci.origin = ci.host;
	ci.protocol = PROTO_SUBPROTOCOL;
	ci.local_protocol_name = client_link_protocol.name;
	ci.opaque_user_data = l;
	ci.pwsi = &l->wsi;
	/*
	 * A failed connect may call back (and lose the link) in here, and
	 * lws may write the wsi through pwsi after that callback, then free
	 * it: when it returns NULL there is no wsi, whatever l->wsi says.
	 */
	if (lws_client_connect_via_info(&ci) == NULL) {
		l->wsi = NULL;
		if (l->phase == LINK_OPENING)
			link_lost(l, "cannot connect", 0);
	}
	free(owned);
}

static void
link_message(struct client_link *l, const char *p, size_t len)
{
	struct proto_msg	 m;
	char			*cause, *why;

	if (proto_msg_decode(p, len, &m, &cause) != 0) {
		util_log("undecodable message from the hub: %s", cause);
		free(cause);
		proto_msg_clear(&m);
		return;
	}
	if (l->phase == LINK_OPENING) {
		if (m.kind != PROTO_WELCOME) {
			free(l->code);
			l->code = core_strdup_or_null(m.code);
			why = xstrdup(m.message != NULL ? m.message :
			    "the hub did not welcome us");
			proto_msg_clear(&m);
			link_lost(l, why, 1);
			free(why);
			return;
		}
		if (m.version != PROTO_VERSION) {
			why = xasprintf("the hub speaks protocol version %lld, "
			    "this client %d", (long long)m.version,
			    PROTO_VERSION);
			proto_msg_clear(&m);
			link_lost(l, why, 1);
			free(why);
			return;
		}
		l->phase = LINK_UP;
		l->tries = 0;
		l->failed = 0;
		free(l->code);
		l->code = NULL;
		l->pinged = util_clock_mono_ms();
		if (l->ops->up != NULL)
			l->ops->up(l->arg, &m);
		proto_msg_clear(&m);
		return;
	}
	if (m.kind == PROTO_PONG) {
		proto_msg_clear(&m);
		return;
	}
	if (m.kind == PROTO_ERROR && m.op == NULL && m.message != NULL &&
	    m.code != NULL && (strcmp(m.code, "revoked") == 0 ||
	    strcmp(m.code, "store") == 0)) {
		/* The hub closes after these: they are why. */
		free(l->parting);
		l->parting = xstrdup(m.message);
	}
	if (l->ops->message != NULL)
		l->ops->message(l->arg, &m);	/* the callee clears it */
	else
		proto_msg_clear(&m);
}

static int
link_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct client_link	*l;
	char			 why[512], *tls_why;

	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_CLIENT_RECEIVE:
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
	case LWS_CALLBACK_WSI_DESTROY:
		/* Not before: lws calls early, on a wsi not yet whole. */
		if ((l = lws_get_opaque_user_data(wsi)) == NULL)
			return reason == LWS_CALLBACK_CLIENT_RECEIVE ||
			    reason == LWS_CALLBACK_CLIENT_WRITEABLE ? -1 : 0;
		break;
	default:
		return 0;
	}
	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		/*
		 * OpenSSL's check of the hub's chain and name (user is its
		 * X509_STORE_CTX, len whether it passed): keep the first
		 * failure to report, and let OpenSSL's verdict stand.
		 */
		if (len == 0 && l->tls_error == 0)
			l->tls_error = X509_STORE_CTX_get_error(user);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lws_set_opaque_user_data(wsi, NULL);
		l->wsi = NULL;
		if (link_tls_why(l, &tls_why) == 0) {
			/* Not the hub's refusal, but as final: say it. */
			free(l->code);
			l->code = xstrdup(CLIENT_LINK_UNTRUSTED);
			link_lost(l, tls_why, 1);
			free(tls_why);
			return 0;
		}
		link_failed(l, in, why, sizeof why);
		link_lost(l, why, 0);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		l->established = 1;
		l->heard = util_clock_mono_ms();
		link_arm(wsi, l->deadline - l->heard);	/* for the welcome */
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len > 2) {
			snprintf(why, sizeof why, "the hub closed the "
			    "connection: %.*s", (int)(len - 2),
			    (const char *)in + 2);
			lws_set_opaque_user_data(wsi, NULL);
			l->wsi = NULL;
			link_lost(l, why, 1);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		link_why(l, "the hub closed the connection", why, sizeof why);
		lws_set_opaque_user_data(wsi, NULL);
		l->wsi = NULL;
		link_lost(l, why, 0);
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
	case LWS_CALLBACK_WSI_DESTROY:
		/*
		 * A connection that times out before its handshake is done
		 * ends here alone: whatever the way, the wsi is going.
		 */
		lws_set_opaque_user_data(wsi, NULL);
		if (l->wsi == wsi) {
			l->wsi = NULL;
			link_why(l, "the connection closed", why, sizeof why);
			link_lost(l, why, 0);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		l->heard = util_clock_mono_ms();
		if (l->phase == LINK_UP)
			link_arm(wsi, CLIENT_DEAD_AFTER);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		l->heard = util_clock_mono_ms();
		if (l->phase == LINK_UP)
			link_arm(wsi, CLIENT_DEAD_AFTER);
		if (l->rx.len + len > 4 * (size_t)PROTO_MAX_MSG) {
			link_lost(l, "message from the hub too large", 0);
			return -1;
		}
		util_buf_add(&l->rx, in, len);
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi) > 0)
			return 0;
		l->in_callback++;
		link_message(l, l->rx.data, l->rx.len);
		l->in_callback--;
		if (l->freed) {
			free(l);
			return -1;
		}
		if (l->wsi != wsi)
			return -1;	/* given up on while handling it */
		if (l->phase == LINK_UP)
			link_arm(wsi, CLIENT_DEAD_AFTER);	/* welcomed */
		util_buf_reset(&l->rx);
		if (l->rx.cap > 65536)
			util_buf_clear(&l->rx);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (link_outq_write(&l->out, wsi) != 0) {
			link_lost(l, "write to the hub failed", 0);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols client_link_protocol = {
	PROTO_SUBPROTOCOL, link_callback, 0, 65536, 0, NULL, 0
};

struct client_link *
client_link_create(struct lws_context *ctx, const char *hub, const char *user,
    const char *incident, int retry, const struct client_link_ops *ops,
    void *arg)
{
	struct client_link	*l;
	char			*cause = NULL;

	l = xcalloc(1, sizeof *l);
	l->ctx = ctx;
	/* A bad list is one bad "hub": connecting to it fails and says why. */
	if (client_url_list(hub, &l->hubs, &l->nhubs, &cause) != 0) {
		free(cause);
		l->hubs = xcalloc(1, sizeof *l->hubs);
		l->hubs[0] = xstrdup(hub);
		l->nhubs = 1;
	}
	l->hub = l->hubs[0];
	l->user = xstrdup(user);
	l->incident = incident != NULL ? xstrdup(incident) : NULL;
	l->retry = retry;
	l->ops = ops;
	l->arg = arg;
	l->from = -1;
	l->phase = LINK_DOWN;
	util_buf_init(&l->rx);
	link_outq_init(&l->out);
	lws_sul_schedule(ctx, 0, &l->tick_sul, link_tick_cb, LINK_TICK * 1000);
	/* From the loop, so the caller has the link before any callback. */
	lws_sul_schedule(ctx, 0, &l->retry_sul, link_retry_cb, 1);
	return l;
}

void
client_link_free(struct client_link *l)
{
	if (l == NULL)
		return;
	lws_sul_cancel(&l->tick_sul);
	lws_sul_cancel(&l->retry_sul);
	link_detach(l);
	l->phase = LINK_DOWN;
	util_buf_clear(&l->rx);
	client_url_list_free(l->hubs, l->nhubs);
	l->hubs = NULL;
	l->hub = NULL;
	free(l->user);
	free(l->incident);
	free(l->code);
	l->code = NULL;
	free(l->parting);
	l->parting = NULL;
	if (l->in_callback) {
		l->freed = 1;	/* the receive callback frees it */
		return;
	}
	free(l);
}

const char *
client_link_hub(struct client_link *l)
{
	return l->hub;
}

const char *
client_link_code(struct client_link *l)
{
	return l->code;
}

void
client_link_resume(struct client_link *l, int64_t from, int snapshot)
{
	l->from = from;
	l->snapshot = snapshot;
}

int
client_link_send(struct client_link *l, const struct proto_msg *m)
{
	if (l->phase == LINK_DOWN || l->wsi == NULL)
		return -1;
	link_outq_push(&l->out, m);
	if (l->established)
		lws_callback_on_writable(l->wsi);
	return 0;
}

void
client_link_drop(struct client_link *l, const char *why)
{
	link_lost(l, why, 0);
}

int
client_link_up(struct client_link *l)
{
	return l->phase == LINK_UP;
}

int
client_link_pending(struct client_link *l)
{
	return !link_outq_empty(&l->out) && l->phase != LINK_DOWN;
}
