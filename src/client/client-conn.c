/*
 * A synchronous connection to the hub for the CLI: a link (client-link.c)
 * that does not reconnect, on an event loop of its own, and calls that run
 * the loop until what they wait for arrives, the link is lost, or a
 * deadline passes.
 *
 * Every wait is bounded twice: by the caller's timeout, and by the
 * process's deadline (client_conn_deadline, set from --timeout), so a
 * command against a hub that has stopped answering ends in time whatever
 * it was waiting for.  The link's own liveness (pings, CLIENT_DEAD_AFTER)
 * notices a silent hub sooner.  Messages are queued in arrival order.
 *
 * Given a hub list (client_url_list), opening tries its hubs in turn
 * within the deadline, starting with the one this process was last
 * welcomed by (the first of the list in a new process), or the one after
 * it once that connection was lost, so that a command retried after its
 * hub died goes to the next hub at once (or with the first hub not tried
 * when the deadline cut the last round short, so that a short attempt
 * stuck on a silent hub does not keep the others from being tried).
 * A hub that cannot be reached or refuses us is passed over (and why is
 * logged); a hub saying it has no such incident is believed, as every hub
 * of the list reads the same database.  A hub whose certificate does not
 * verify is never talked to: it is passed over too, with a warning on
 * standard error naming it (once a process), and only when no hub of
 * the list verifies is that the failure.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "client.h"
#include "export.h"
#include "util.h"

struct client_msg {
	struct proto_msg		 m;	/* decoded: owned */
	STAILQ_ENTRY(client_msg)	 entry;
};
STAILQ_HEAD(client_msgs, client_msg);

struct client_conn {
	struct lws_context	*ctx;
	struct client_link	*link;
	char			*hub;		/* the one it is on */
	size_t			 index;		/* of hub in conn_list */
	int			 welcomed;
	int			 closed;
	int			 refused;
	char			*error;
	char			*noticed;	/* the last notice's code */
	struct client_msgs	 in;		/* oldest first */
	lws_sorted_usec_list_t	 timer;
	int			 timer_fired;
	int64_t			 head;
	unsigned char		 chain[CORE_HASH_LEN];
};

/* The process's deadline on the monotonic clock; 0 for none. */
static int64_t	conn_deadline;
/* Has a hub's certificate failed to verify in this process? */
static int	conn_untrusted;
/* Are notices printed as JSON (--json)? */
static int	conn_json;
/* Are warnings only logged (the console shows its own)? */
static int	conn_quiet;
/* The hubs passed over with a warning on standard error. */
static char	*conn_warned[CLIENT_URL_MAX_HUBS];
static size_t	 conn_nwarned;
/* The hub list last opened, and which of it to try first. */
static char	*conn_list;
static size_t	 conn_first;

void
client_conn_quiet(void)
{
	conn_quiet = 1;
}

int
client_conn_untrusted(void)
{
	return conn_untrusted;
}

void
client_conn_json(int on)
{
	conn_json = on;
}

int64_t
client_conn_deadline(int64_t at)
{
	int64_t	old = conn_deadline;

	conn_deadline = at;
	return old;
}

int
client_conn_expired(void)
{
	return conn_deadline != 0 && util_clock_mono_ms() >= conn_deadline;
}

int64_t
client_conn_left(void)
{
	int64_t	left;

	if (conn_deadline == 0)
		return -1;
	left = conn_deadline - util_clock_mono_ms();
	return left < 0 ? 0 : left;
}

/* ms until the earlier of now + ms and the process's deadline (>= 0). */
static int64_t
client_conn_bound(int64_t ms)
{
	int64_t	now = util_clock_mono_ms(), left;

	if (conn_deadline != 0) {
		left = conn_deadline - now;
		if (left < ms)
			ms = left;
	}
	return ms < 0 ? 0 : ms;
}

static void
client_conn_up(void *arg, const struct proto_msg *m)
{
	struct client_conn	*cc = arg;

	cc->welcomed = 1;
	cc->head = m->seq;
	memcpy(cc->chain, m->chain, CORE_HASH_LEN);
}

/*
 * A notice from the hub (slow down; stale, the hub cannot make anything
 * durable; live, it can again) answers nothing: it is printed on standard
 * error, once for each code in a row on a connection, and not queued.
 */
static void
client_conn_notice(struct client_conn *cc, struct proto_msg *m)
{
	struct buf	 b;
	char		*safe;
	const char	*code = m->code != NULL ? m->code : "notice";

	util_log("notice from the hub: %s: %s", code,
	    m->message != NULL ? m->message : "");
	if (cc->noticed != NULL && strcmp(cc->noticed, code) == 0)
		return;
	free(cc->noticed);
	cc->noticed = xstrdup(code);
	if (conn_json) {
		util_buf_init(&b);
		proto_error_json(code, m->message != NULL ? m->message : "",
		    &b);
		fprintf(stderr, "%s\n", b.data);
		util_buf_clear(&b);
		return;
	}
	safe = export_text(m->message != NULL ? m->message : code,
	    EXPORT_TEXT_SAFE);
	fprintf(stderr, "concord: %s%s\n", strcmp(code, PROTO_NOTICE_STALE) ==
	    0 ? "STALE: " : "", safe);
	free(safe);
}

static void
client_conn_message(void *arg, struct proto_msg *m)
{
	struct client_conn	*cc = arg;
	struct client_msg	*cm;

	if (m->kind == PROTO_NOTICE) {
		client_conn_notice(cc, m);
		proto_msg_clear(m);
		return;
	}
	cm = xcalloc(1, sizeof *cm);
	cm->m = *m;
	STAILQ_INSERT_TAIL(&cc->in, cm, entry);
}

static void
client_conn_down(void *arg, const char *why, int refused)
{
	struct client_conn	*cc = arg;

	if (cc->error == NULL)
		cc->error = xstrdup(why);
	cc->refused = refused;
	cc->closed = 1;
	/* Lost once welcomed: the next opening tries the next hub first. */
	if (cc->welcomed && cc->hub != NULL && conn_list != NULL)
		conn_first = cc->index + 1;
}

static const struct client_link_ops client_conn_ops = {
	client_conn_up, client_conn_message, client_conn_down
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

/*
 * Run the loop until a message is queued, the connection closes, the
 * welcome arrives (while waiting for it) or ms pass.
 */
static void
client_conn_run(struct client_conn *cc, int64_t ms)
{
	int	welcomed = cc->welcomed;

	cc->timer_fired = 0;
	lws_sul_schedule(cc->ctx, 0, &cc->timer, client_conn_timer,
	    (lws_usec_t)ms * 1000);
	while (STAILQ_EMPTY(&cc->in) && !cc->closed && !cc->timer_fired &&
	    cc->welcomed == welcomed) {
		if (lws_service(cc->ctx, 0) < 0) {
			client_conn_down(cc, "event loop failed", 0);
			break;
		}
	}
	lws_sul_cancel(&cc->timer);
}

/* Open a connection to one hub, as client_conn_open. */
static struct client_conn *
client_conn_open_one(const char *hub, const char *user, const char *incident,
    int64_t from, int snapshot, int *unreachable, char **cause)
{
	struct client_conn	*cc;
	struct lws_client_connect_info ci;
	const char		*code;
	char			*owned = NULL;
	int64_t			 ms;

	*unreachable = 0;
	memset(&ci, 0, sizeof ci);
	if (client_conn_address(hub, &ci, &owned, cause) != 0)
		return NULL;
	free(owned);
	if (client_conn_expired()) {
		*unreachable = 1;
		*cause = xasprintf("the hub at %s is not answering (out of "
		    "time)", hub);
		return NULL;
	}
	cc = xcalloc(1, sizeof *cc);
	STAILQ_INIT(&cc->in);
	cc->hub = xstrdup(hub);
	cc->ctx = client_link_context(hub, NULL, cc);
	cc->link = client_link_create(cc->ctx, hub, user, incident, 0,
	    &client_conn_ops, cc);
	client_link_resume(cc->link, from, snapshot);
	/* The link's own deadline ends opening; ours may end it sooner. */
	while (!cc->welcomed && !cc->closed &&
	    (ms = client_conn_bound(CLIENT_CONNECT_TIMEOUT + 1000)) > 0)
		client_conn_run(cc, ms);
	if (!cc->welcomed) {
		*unreachable = !cc->refused;
		code = client_link_code(cc->link);
		if (cc->refused && code != NULL &&
		    strcmp(code, "no-incident") == 0)
			*unreachable = -1;
		/* Never reached, and trying again will not help. */
		if (cc->refused && code != NULL &&
		    strcmp(code, CLIENT_LINK_UNTRUSTED) == 0) {
			*unreachable = 2;
		}
		if (cc->refused)
			*cause = xstrdup(cc->error);
		else
			*cause = xasprintf("cannot reach the hub at %s: %s", hub,
			    cc->error != NULL ? cc->error : "not answering "
			    "(out of time)");
		client_conn_free(cc);
		return NULL;
	}
	return cc;
}

void
client_conn_free(struct client_conn *cc)
{
	struct client_msg	*cm;

	if (cc == NULL)
		return;
	lws_sul_cancel(&cc->timer);
	client_link_free(cc->link);
	lws_context_destroy(cc->ctx);
	while ((cm = STAILQ_FIRST(&cc->in)) != NULL) {
		STAILQ_REMOVE_HEAD(&cc->in, entry);
		proto_msg_clear(&cm->m);
		free(cm);
	}
	free(cc->error);
	free(cc->noticed);
	free(cc->hub);
	free(cc);
}

/* Warn that the hub at hub was passed over, for why. */
static void
client_conn_skip(const char *hub, const char *why)
{
	char		*msg;
	size_t		 i;

	msg = xasprintf("passing over the hub at %s: %s", hub, why);
	util_log("warning: %s", msg);
	/* On standard error once a hub: a follower goes round and round. */
	for (i = 0; i < conn_nwarned; i++) {
		if (strcmp(conn_warned[i], hub) == 0)
			break;
	}
	if (conn_quiet || i < conn_nwarned) {
		free(msg);
		return;
	}
	if (conn_nwarned < CLIENT_URL_MAX_HUBS)
		conn_warned[conn_nwarned++] = xstrdup(hub);
	client_conn_warn("untrusted", msg);
	free(msg);
}

void
client_conn_warn(const char *kind, const char *msg)
{
	struct buf	 b;
	char		*safe;

	if (conn_json) {
		util_buf_init(&b);
		util_buf_adds(&b, "{\"warning\":");
		proto_json_str(&b, kind);
		util_buf_adds(&b, ",\"message\":");
		proto_json_str(&b, msg);
		util_buf_adds(&b, "}");
		fprintf(stderr, "%s\n", b.data);
		util_buf_clear(&b);
	} else {
		safe = export_text(msg, EXPORT_TEXT_SAFE);
		fprintf(stderr, "concord: warning: %s\n", safe);
		free(safe);
	}
}

struct client_conn *
client_conn_open(const char *hub, const char *user, const char *incident,
    int64_t from, int snapshot, int *unreachable, char **cause)
{
	struct client_conn	 *cc = NULL;
	struct buf		  b;
	char			**hubs, *why = NULL, *refusal = NULL;
	size_t			  n, k, i, start, untrusted = 0, tried = 0;
	int			  u;

	*unreachable = 0;
	if (client_url_list(hub, &hubs, &n, cause) != 0)
		return NULL;
	if (n == 1) {
		/* One hub: exactly as it always was. */
		cc = client_conn_open_one(hubs[0], user, incident, from,
		    snapshot, unreachable, cause);
		if (cc == NULL && *unreachable == 2)
			conn_untrusted = 1;
		client_url_list_free(hubs, n);
		return cc;
	}
	if (conn_list == NULL || strcmp(conn_list, hub) != 0) {
		free(conn_list);
		conn_list = xstrdup(hub);
		conn_first = 0;
	}
	start = conn_first % n;
	util_buf_init(&b);
	for (k = 0; k < n; k++) {
		i = (start + k) % n;
		if (k > 0 && client_conn_expired()) {
			conn_first = i;		/* next time, the untried */
			break;
		}
		tried++;
		cc = client_conn_open_one(hubs[i], user, incident, from,
		    snapshot, &u, &why);
		if (cc != NULL) {
			cc->index = i;
			conn_first = i;
			if (k > 0)
				util_log("on the hub at %s (the %zu before it "
				    "failed)", hubs[i], k);
			break;
		}
		util_log("hub %s: %s", hubs[i], why);
		if (u == -1) {		/* the same on every hub */
			*unreachable = -1;
			free(refusal);
			refusal = why;
			why = NULL;
			tried = 0;
			break;
		}
		if (u == 2) {
			untrusted++;
			client_conn_skip(hubs[i], why);
		}
		if (u == 0 && refusal == NULL) {
			refusal = xasprintf("the hub at %s: %s", hubs[i], why);
			free(why);
		} else {
			util_buf_printf(&b, "%s%s", b.len == 0 ? "" : "; ",
			    why);
			free(why);
		}
		why = NULL;
	}
	if (cc == NULL) {
		if (refusal != NULL) {
			*cause = refusal;
			refusal = NULL;
		} else if (tried > 0 && untrusted == tried) {
			*unreachable = 2;
			conn_untrusted = 1;
			*cause = xasprintf("no hub of the list verifies: %s",
			    b.data);
		} else {
			*unreachable = 1;
			*cause = xasprintf("cannot reach any of the %zu hubs%s "
			    "%s", n, tried < n ? " in time:" : ":",
			    b.len != 0 ? b.data : "out of time");
		}
	}
	free(refusal);
	util_buf_clear(&b);
	client_url_list_free(hubs, n);
	return cc;
}

const char *
client_conn_hub(struct client_conn *cc)
{
	return cc->hub;
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
	if (!cc->closed)
		client_link_send(cc->link, m);
}

int
client_conn_recv(struct client_conn *cc, struct proto_msg *m, int timeout_ms,
    char **cause)
{
	struct client_msg	*cm;
	int64_t			 deadline, left;

	if (timeout_ms <= 0 && STAILQ_EMPTY(&cc->in) && !cc->closed) {
		/* Just what is ready: a negative timeout polls without waiting. */
		if (lws_service(cc->ctx, -1) < 0)
			client_conn_down(cc, "event loop failed", 0);
		if (STAILQ_EMPTY(&cc->in) && !cc->closed)
			return 0;
	}
	deadline = util_clock_mono_ms() + client_conn_bound(timeout_ms);
	while (STAILQ_EMPTY(&cc->in) && !cc->closed) {
		left = deadline - util_clock_mono_ms();
		if (left <= 0)
			return 0;
		client_conn_run(cc, left);
	}
	if ((cm = STAILQ_FIRST(&cc->in)) == NULL) {
		*cause = xstrdup(cc->error != NULL ? cc->error :
		    "connection to the hub lost");
		return -1;
	}
	STAILQ_REMOVE_HEAD(&cc->in, entry);
	*m = cm->m;
	free(cm);
	return 1;
}

int
client_conn_answer(struct client_conn *cc, const char *op, struct proto_msg *m,
    int timeout_ms, char **cause)
{
	int64_t	deadline = util_clock_mono_ms() + timeout_ms, left;
	int	rc;

	for (;;) {
		left = deadline - util_clock_mono_ms();
		if ((rc = client_conn_recv(cc, m, left > 0 ? (int)left : 0,
		    cause)) <= 0)
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
	/* lws_service returns at least at every tick of the link. */
	while (client_link_pending(cc->link) && !cc->closed &&
	    !client_conn_expired()) {
		if (lws_service(cc->ctx, 0) < 0) {
			client_conn_down(cc, "event loop failed", 0);
			break;
		}
	}
}

int
client_conn_address(const char *hub, struct lws_client_connect_info *ci,
    char **owned, char **cause)
{
	struct client_url	u;

	*owned = NULL;
	if (client_url_parse(hub, &u, cause) != 0)
		return -1;
	if (u.scheme == CLIENT_URL_UNIX) {
		*owned = xasprintf("+%s", u.host);
		client_url_clear(&u);
		ci->address = *owned;
		ci->host = "localhost";
		ci->port = 0;
		return 0;
	}
	*owned = u.host;		/* the caller's now */
	ci->address = u.host;
	ci->host = u.host;
	ci->port = u.port;
	/* lws checks the certificate and that it names the host. */
	if (u.scheme == CLIENT_URL_WSS) {
		ci->ssl_connection = LCCSCF_USE_SSL;
		ci->alpn = "http/1.1";
	}
	return 0;
}
