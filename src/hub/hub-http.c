/*
 * The hub's HTTP side, on the same port as the websockets: GET /healthz
 * ("ok", or 503 with the reason while the hub cannot reach its database),
 * GET /metrics (Prometheus text format), and the webhooks POST
 * /hooks/alertmanager (Alertmanager's version 4) and POST /hooks/generic
 * (concord-protocol(7), "WEBHOOK BODIES").
 *
 * A webhook needs the configuration's bearer token (401 without it, 403
 * when none is configured).  Its body is read up to hook-body-max bytes
 * (at most PROTO_MON_BODY_MAX; 413 past it, announced or not) within
 * HUB_HOOK_TIMEOUT, decoded whole and routed whole before anything is
 * logged: a bad payload, or an alert with nowhere to go, is a 400 with the
 * reason and nothing of it is recorded.  Each alert becomes one alert
 * event whose operation id is its fingerprint, status and start, so a
 * delivery the sender repeats is logged once.  The answer waits for the
 * commit that makes the events durable: a sender told 200 never loses
 * them.  With several hubs on one database every hub takes webhooks, and
 * a delivery taken by two is one event (the unique operation id per
 * incident) and opens at most one incident (store_incident_for).
 *
 * The answer is made once, kept in the connection's buffer and written
 * from the HTTP WRITEABLE callback.
 */
#include <openssl/sha.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

#define HUB_HOOK_TIMEOUT	10	/* seconds to send a body */

/* Upper bounds of the commit time histogram, seconds. */
const double hub_commit_le[HUB_COMMIT_BUCKETS] = { 0.0005, 0.001, 0.002,
    0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1 };

enum hub_hook {
	HUB_HOOK_NONE,
	HUB_HOOK_ALERTMANAGER,
	HUB_HOOK_GENERIC
};

/* Make c's answer: status and body, written when the wsi is writeable. */
static int
hub_http_answer(struct hub_client *c, struct lws *wsi, unsigned int status,
    const char *type, int now)
{
	unsigned char	 hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start;
	unsigned char	*end = hdr + sizeof hdr;

	if (lws_add_http_common_headers(wsi, status, type,
	    c->rx.len - LWS_PRE, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (now)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Start c's answer body over. */
static void
hub_http_body_reset(struct hub_client *c)
{
	util_buf_clear(&c->rx);
	util_buf_init(&c->rx);
	util_buf_addzero(&c->rx, LWS_PRE);
}

/* Answer an error as {"error":CODE,"message":...}. */
static int
hub_http_error(struct hub *hub, struct hub_client *c, struct lws *wsi,
    unsigned int status, const char *code, const char *message)
{
	struct buf	b;

	hub->stat_hook_errors++;
	util_log("hook: %u %s", status, message);
	hub_http_body_reset(c);
	util_buf_init(&b);
	proto_error_json(code, message, &b);
	util_buf_add(&c->rx, b.data, b.len);
	util_buf_clear(&b);
	c->hook = HUB_HOOK_NONE;
	return hub_http_answer(c, wsi, status, "application/json", 1);
}

/* Append a histogram of n buckets (upper bounds in seconds) to b. */
static void
hub_http_histogram(struct buf *b, const char *name, const char *help,
    const double *le, const uint64_t *counts, size_t n, uint64_t count,
    double sum)
{
	uint64_t	cum = 0;
	size_t		i;

	util_buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help,
	    name);
	for (i = 0; i < n; i++) {
		cum += counts[i];
		util_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, le[i],
		    (unsigned long long)cum);
	}
	util_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n"
	    "%s_count %llu\n", name, (unsigned long long)count, name, sum,
	    name, (unsigned long long)count);
}

/* One counter or gauge, with its help. */
static void
hub_http_metric(struct buf *b, const char *name, const char *type,
    const char *help, unsigned long long v)
{
	util_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help,
	    name, type, name, v);
}

/* The body of GET /metrics: Prometheus text format. */
static void
hub_http_metrics(struct hub *hub, struct buf *b)
{
	struct hub_incident	*inc;
	struct hub_client	*c;
	struct hub_feed		*f;
	struct tele_stats	 ts;
	size_t			 ninc = 0, ncli = 0, nfol = 0, nfeeds = 0;
	size_t			 failing = 0;
	unsigned long long	 backlog = 0;

	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		ninc++;
		TAILQ_FOREACH(f, &inc->feeds, entry) {
			nfeeds++;
			failing += f->error != NULL;
		}
	}
	LIST_FOREACH(c, &hub->clients, entry) {
		ncli++;
		if (c->inc != NULL && c->subscribed) {
			nfol++;
			if (c->inc->committed > c->cursor)
				backlog += (unsigned long long)
				    (c->inc->committed - c->cursor);
		}
	}
	memset(&ts, 0, sizeof ts);
	if (hub->tele != NULL)
		tele_stats_get(hub->tele, &ts);
	hub_http_metric(b, "concord_events_total", "counter",
	    "Events committed since the hub started.", hub->stat_events);
	hub_http_metric(b, "concord_commits_total", "counter",
	    "Store transactions (group commits).", hub->stat_commits);
	hub_http_histogram(b, "concord_commit_seconds", "Time to make a group "
	    "of events durable.", hub_commit_le, hub->stat_commit_le,
	    HUB_COMMIT_BUCKETS, hub->stat_commits, hub->stat_commit_sum);
	hub_http_metric(b, "concord_clients", "gauge",
	    "Connected websocket clients.", ncli);
	hub_http_metric(b, "concord_followers", "gauge",
	    "Clients following an incident's events.", nfol);
	hub_http_metric(b, "concord_fanout_backlog_events", "gauge",
	    "Committed events not yet sent to their followers, summed.",
	    backlog);
	hub_http_metric(b, "concord_pending_events", "gauge",
	    "Accepted events waiting for the next commit.", hub->npending);
	hub_http_metric(b, "concord_silent_closes_total", "counter",
	    "Connections closed for saying nothing for 9 s.",
	    hub->stat_silent);
	hub_http_metric(b, "concord_incidents", "gauge",
	    "Incidents on this hub.", ninc);
	hub_http_metric(b, "concord_feeds", "gauge",
	    "Feeds shown across the incidents.", nfeeds);
	hub_http_metric(b, "concord_feeds_failing", "gauge",
	    "Feeds whose last poll failed.", failing);
	hub_http_metric(b, "concord_feed_polls_total", "counter",
	    "Polls of feeds finished.", ts.polls);
	hub_http_metric(b, "concord_feed_poll_errors_total", "counter",
	    "Polls of feeds that failed.", ts.errors);
	hub_http_metric(b, "concord_feed_levels_total", "counter",
	    "Threshold crossings logged.", hub->stat_levels);
	hub_http_metric(b, "concord_hook_deliveries_total", "counter",
	    "Webhook deliveries taken.", hub->stat_hooks);
	hub_http_metric(b, "concord_hook_errors_total", "counter",
	    "Webhook requests refused.", hub->stat_hook_errors);
	hub_http_metric(b, "concord_alerts_total", "counter",
	    "Alert events logged.", hub->stat_alerts);
	hub_http_metric(b, "concord_hellos_refused_total", "counter",
	    "Connections refused at hello (authentication, act-as, "
	    "limits).", hub->stat_refused);
	hub_http_metric(b, "concord_store_reachable", "gauge",
	    "1 while the hub can make events durable, 0 while it cannot "
	    "reach its database.", hub->store_down == NULL);
	hub_http_metric(b, "concord_store_lost_total", "counter",
	    "Times the hub lost its database.", hub->stat_store_down);
	hub_http_metric(b, "concord_throttled_total", "counter",
	    "Times a connection was read more slowly for its rate.",
	    hub->stat_throttled);
	hub_http_metric(b, "concord_leader", "gauge",
	    "1 if this hub leads its cluster (lease expiries, telemetry).",
	    (uint64_t)hub->leader);
	hub_http_metric(b, "concord_leader_changes_total", "counter",
	    "Times this hub took or lost the lead.",
	    hub->stat_leader_changes);
}

/* Does the request carry "Authorization: Bearer TOKEN"? */
static int
hub_http_authorised(struct hub *hub, struct lws *wsi)
{
	char	auth[512];
	int	n;

	n = lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION);
	if (n <= 7 || strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	return strlen(hub->cfg.hook_token) == (size_t)n - 7 &&
	    CRYPTO_memcmp(auth + 7, hub->cfg.hook_token, (size_t)n - 7) == 0;
}

/* Answer 413: the body is over hook-body-max. */
static int
hub_http_too_large(struct hub *hub, struct hub_client *c, struct lws *wsi)
{
	char	*msg;
	int	 rc;

	msg = xasprintf("the body is larger than %lld bytes (hook-body-max)",
	    (long long)hub->cfg.hook_body_max);
	rc = hub_http_error(hub, c, wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE,
	    "too-large", msg);
	free(msg);
	return rc;
}

int
hub_http_request(struct hub *hub, struct hub_client *c, struct lws *wsi,
    const char *path)
{
	char	len[32];
	int	post;

	memset(c, 0, sizeof *c);
	c->wsi = wsi;
	hub_http_body_reset(c);
	post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
	if (strcmp(path, "/hooks/alertmanager") == 0)
		c->hook = HUB_HOOK_ALERTMANAGER;
	else if (strcmp(path, "/hooks/generic") == 0)
		c->hook = HUB_HOOK_GENERIC;
	if (c->hook != HUB_HOOK_NONE) {
		if (!post)
			return hub_http_error(hub, c, wsi,
			    HTTP_STATUS_METHOD_NOT_ALLOWED, "bad-request",
			    "a webhook is a POST");
		if (hub->cfg.hook_token == NULL)
			return hub_http_error(hub, c, wsi, HTTP_STATUS_FORBIDDEN,
			    "forbidden", "webhooks are off: the hub's "
			    "configuration sets no hook-token");
		if (!hub_http_authorised(hub, wsi))
			return hub_http_error(hub, c, wsi,
			    HTTP_STATUS_UNAUTHORIZED, "unauthorized",
			    "a webhook needs Authorization: Bearer and the "
			    "hub's hook-token");
		if (lws_hdr_copy(wsi, len, sizeof len,
		    WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
		    strtoull(len, NULL, 10) > (uint64_t)hub->cfg.hook_body_max)
			return hub_http_too_large(hub, c, wsi);
		util_buf_init(&c->body);
		lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT,
		    HUB_HOOK_TIMEOUT);
		return 0;	/* the body follows */
	}
	if (strcmp(path, "/healthz") == 0 && hub->store_down != NULL) {
		/* Up, but taking nothing it could make durable. */
		util_buf_adds(&c->rx, hub->store_down);
		util_buf_adds(&c->rx, "\n");
		return hub_http_answer(c, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "text/plain", 1);
	} else if (strcmp(path, "/healthz") == 0) {
		util_buf_adds(&c->rx, "ok\n");
		if (store_shared(hub->store))	/* several hubs: which */
			util_buf_adds(&c->rx, hub->leader ? "leader\n" :
			    "follower\n");
	} else if (strcmp(path, "/metrics") == 0)
		hub_http_metrics(hub, &c->rx);
	else {
		util_buf_adds(&c->rx, "not found\n");
		return hub_http_answer(c, wsi, HTTP_STATUS_NOT_FOUND,
		    "text/plain", 1);
	}
	return hub_http_answer(c, wsi, HTTP_STATUS_OK,
	    "text/plain; version=0.0.4", 1);
}

int
hub_http_body(struct hub *hub, struct hub_client *c, struct lws *wsi,
    const void *in, size_t len)
{
	(void)hub;
	(void)wsi;
	if (c->hook == HUB_HOOK_NONE || c->too_large)
		return 0;
	if (c->body.len + len > (size_t)hub->cfg.hook_body_max) {
		c->too_large = 1;
		util_buf_clear(&c->body);
		return 0;
	}
	util_buf_add(&c->body, in, len);
	return 0;
}

/* Copy s into a line of at most max bytes: no tab or line feed, whole
 * characters. */
static char *
hub_http_line(const char *s, size_t max)
{
	char	*l = xstrdup(s), *p;
	size_t	 n;

	for (p = l; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	}
	if ((n = strlen(l)) > max) {
		n = max;
		while (n > 0 && (l[n] & 0xc0) == 0x80)
			n--;
		l[n] = '\0';
	}
	return l;
}

/*
 * The incident an alert goes to: its concord_incident label, else the
 * configuration's hook-incident (an id; "open": the only incident not
 * resolved; "new": one the delivery opens, *fresh set and NULL returned).
 * NULL with *cause if there is none.
 */
static struct hub_incident *
hub_http_route(struct hub *hub, const char *label, int *fresh, char **cause)
{
	struct hub_incident	*inc, *found = NULL;
	const char		*want = label != NULL ? label :
				    hub->cfg.hook_incident;
	size_t			 open = 0;

	if (want != NULL && strcmp(want, "new") == 0) {
		*fresh = 1;
		return NULL;
	}
	if (want != NULL && strcmp(want, "open") != 0) {
		if ((inc = hub_state_find(hub, want)) == NULL ||
		    inc->committed == 0) {
			*cause = xasprintf("no incident %s on this hub", want);
			return NULL;
		}
		return inc;
	}
	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		if (inc->committed > 0 && (inc->state.status == NULL ||
		    strcmp(inc->state.status, "resolved") != 0)) {
			found = inc;
			open++;
		}
	}
	if (open == 1)
		return found;
	*cause = xasprintf("%s: label the alert concord_incident, or set "
	    "hook-incident", open == 0 ? "no incident is open" :
	    "several incidents are open");
	return NULL;
}

/* One alert to log in inc (or in the incident the delivery opens). */
struct hub_alert {
	struct hub_incident	*inc;
	int			 fresh;
	struct core_event	 ev;
};

/* An operation id of prefix and what identifies the delivery. */
static char *
hub_http_op(const char *prefix, const char *what)
{
	unsigned char	md[SHA256_DIGEST_LENGTH];
	char		hex[2 * 12 + 1];

	SHA256((const unsigned char *)what, strlen(what), md);
	util_hex_encode(md, 12, hex);
	return xasprintf("%s-%s", prefix, hex);
}

/* The alerts of an Alertmanager delivery; 0, or -1 with *cause. */
static int
hub_http_alertmanager(struct hub *hub, const struct proto_am *am,
    struct hub_alert *out, char **cause)
{
	const struct proto_am_alert	*a;
	struct core_event		*ev;
	char				*what;
	size_t				 i, j;

	for (i = 0; i < am->nalerts; i++) {
		a = &am->alerts[i];
		if ((out[i].inc = hub_http_route(hub, a->incident,
		    &out[i].fresh, cause)) == NULL && !out[i].fresh)
			return -1;
		ev = &out[i].ev;
		core_event_init(ev);
		ev->type = CORE_ALERT;
		ev->state = xstrdup(strcmp(a->status, "resolved") == 0 ?
		    "resolved" : "firing");
		what = xasprintf("%s%s%s%s%s%s", core_str_or(a->alertname,
		    "alert"), a->summary != NULL || a->description != NULL ?
		    ": " : "", a->summary != NULL ? a->summary :
		    core_str_or(a->description, ""), a->instance != NULL ?
		    " (" : "", core_str_or(a->instance, ""), a->instance != NULL ?
		    ")" : "");
		ev->text = hub_http_line(what, CORE_TEXT_MAX);
		free(what);
		for (j = 0; j < a->nlabels && j < CORE_LIST_MAX; j++) {
			what = hub_http_line(a->labels[j], CORE_LINE_MAX);
			if (*what != '\0')
				core_list_add(&ev->labels, &ev->nlabels, what);
			free(what);
		}
		if (a->severity != NULL && core_name_valid(a->severity))
			ev->kind = xstrdup(a->severity);
		what = xasprintf("%s %s %lld", core_str_or(a->fingerprint, ""),
		    ev->state, (long long)a->starts_ms);
		ev->op = hub_http_op("am", what);
		free(what);
	}
	return 0;
}

/* The alert of a generic delivery; 0, or -1 with *cause. */
static int
hub_http_generic(struct hub *hub, const struct proto_hook *h,
    struct hub_alert *out, char **cause)
{
	struct core_event	*ev = &out->ev;
	char			*what, *l;

	if ((out->inc = hub_http_route(hub, h->incident, &out->fresh,
	    cause)) == NULL && !out->fresh)
		return -1;
	core_event_init(ev);
	ev->type = CORE_ALERT;
	ev->state = xstrdup(h->status != NULL &&
	    strcmp(h->status, "resolved") == 0 ? "resolved" : "firing");
	what = xasprintf("%s%s%s", h->title, h->text != NULL ? ": " : "",
	    core_str_or(h->text, ""));
	ev->text = hub_http_line(what, CORE_TEXT_MAX);
	free(what);
	if (h->severity != NULL && core_name_valid(h->severity))
		ev->kind = xstrdup(h->severity);
	if (h->severity != NULL) {
		what = xasprintf("severity=%s", h->severity);
		l = hub_http_line(what, CORE_LINE_MAX);
		core_list_add(&ev->labels, &ev->nlabels, l);
		free(l);
		free(what);
	}
	if (h->key != NULL) {
		what = xasprintf("%s %s", h->key, ev->state);
		ev->op = hub_http_op("hook", what);
		free(what);
	}
	return 0;
}

/* Would ev, issued by actor, survive its own encodings?  0, or -1. */
static int
hub_http_loggable(const struct core_event *ev, const char *actor,
    char **cause)
{
	struct core_event	e;
	int			rc;

	core_event_copy(&e, ev);
	free(e.actor);
	e.actor = xstrdup(actor);
	e.seq = 1;
	e.time = 1;
	rc = proto_event_check(&e, cause);
	core_event_clear(&e);
	return rc;
}

/*
 * Open the incident a delivery's alerts go to (hook-incident = new): its
 * title is the first alert's text, and a delivery of the same group (the
 * same Alertmanager group key, or text) gives the same incident.  Command
 * is left vacant for a responder to take.  NULL with *cause.
 */
static struct hub_incident *
hub_http_open(struct hub *hub, const struct core_event *first,
    const char *actor, const char *group, char **cause)
{
	struct hub_incident	*inc;
	struct core_event	 ev;
	char			*title;

	core_event_init(&ev);
	ev.type = CORE_OPEN;
	ev.op = hub_http_op("open", group);
	if (strcmp(first->state, "resolved") == 0) {
		/* Into the incident its firing opened, if any. */
		if ((inc = hub_state_opened(hub, ev.op)) == NULL)
			*cause = xstrdup("a resolved alert whose firing opened "
			    "no incident");
		core_event_clear(&ev);
		return inc;
	}
	title = hub_http_line(first->text, 200);
	ev.text = title;
	ev.sev = first->kind != NULL && (strcmp(first->kind, "critical") == 0 ||
	    strcmp(first->kind, "page") == 0) ? 1 : 2;
	inc = hub_state_open(hub, &ev, actor, cause);
	if (inc != NULL && inc->state.ic != NULL &&
	    strcmp(inc->state.ic, actor) == 0) {
		core_event_clear(&ev);
		core_event_init(&ev);
		ev.type = CORE_CMD_RESIGN;
		if (hub_state_issue(hub, inc, &ev, actor, cause) < 0) {
			util_log("hook: %s", *cause);
			free(*cause);
			*cause = NULL;
		}
	}
	core_event_clear(&ev);
	return inc;
}

int
hub_http_body_done(struct hub *hub, struct hub_client *c, struct lws *wsi)
{
	struct proto_am		 am;
	struct proto_hook	 h;
	struct hub_alert	*alerts = NULL;
	struct hub_incident	*fresh = NULL;
	struct buf		 b;
	char			*cause = NULL, *group = NULL;
	size_t			 n = 0, i, logged = 0, again = 0;
	int			 rc = 0;
	const char		*actor;

	lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
	if (c->hook == HUB_HOOK_NONE)
		return 0;
	if (c->too_large) {
		util_buf_clear(&c->body);
		return hub_http_too_large(hub, c, wsi);
	}
	memset(&am, 0, sizeof am);
	memset(&h, 0, sizeof h);
	if (c->hook == HUB_HOOK_ALERTMANAGER) {
		actor = "alertmanager";
		if (proto_am_decode(c->body.data != NULL ? c->body.data : "",
		    c->body.len, &am, &cause) == 0) {
			n = am.nalerts;
			group = core_strdup_or_null(am.group_key);
			alerts = xcalloc(n + 1, sizeof *alerts);
			rc = hub_http_alertmanager(hub, &am, alerts, &cause);
		} else
			rc = -1;
	} else {
		actor = "webhook";
		n = 1;
		alerts = xcalloc(n + 1, sizeof *alerts);
		if (proto_hook_decode(c->body.data != NULL ? c->body.data : "",
		    c->body.len, &h, &cause) == 0)
			rc = hub_http_generic(hub, &h, alerts, &cause);
		else {
			rc = -1;
			n = 0;
		}
	}
	util_buf_clear(&c->body);
	proto_am_clear(&am);
	proto_hook_clear(&h);
	/* Nothing is logged unless every alert can be. */
	for (i = 0; rc == 0 && i < n; i++)
		rc = hub_http_loggable(&alerts[i].ev, actor, &cause);
	for (i = 0; rc == 0 && i < n && fresh == NULL; i++) {
		if (alerts[i].fresh &&
		    (fresh = hub_http_open(hub, &alerts[i].ev, actor,
		    group != NULL ? group : alerts[i].ev.text, &cause)) == NULL)
			rc = -1;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		if (alerts[i].fresh)
			alerts[i].inc = fresh;
		switch (hub_state_issue(hub, alerts[i].inc, &alerts[i].ev,
		    actor, &cause)) {
		case 1:
			logged++;
			hub->stat_alerts++;
			break;
		case 0:
			again++;
			break;
		default:
			util_log("hook: %s", cause);
			free(cause);
			cause = NULL;
			break;
		}
	}
	for (i = 0; i < n; i++)
		core_event_clear(&alerts[i].ev);
	free(alerts);
	free(group);
	if (rc != 0) {
		rc = hub_http_error(hub, c, wsi, HTTP_STATUS_BAD_REQUEST,
		    "bad-request", cause != NULL ? cause : "bad payload");
		free(cause);
		return rc;
	}
	hub->stat_hooks++;
	util_log("hook: %zu alert(s) logged, %zu already", logged, again);
	hub_http_body_reset(c);
	util_buf_init(&b);
	proto_hook_answer(logged, again, &b);
	util_buf_add(&c->rx, b.data, b.len);
	util_buf_clear(&b);
	if (hub_http_answer(c, wsi, HTTP_STATUS_OK, "application/json",
	    logged == 0) != 0)
		return -1;
	if (logged > 0) {
		/* Answer once the commit that holds them is done. */
		c->hook_commit = hub->stat_commits;
		LIST_INSERT_HEAD(&hub->hooks, c, hook_entry);
		c->hook_waiting = 1;
	}
	return 0;
}

void
hub_http_committed(struct hub *hub)
{
	struct hub_client	*c, *next;

	for (c = LIST_FIRST(&hub->hooks); c != NULL; c = next) {
		next = LIST_NEXT(c, hook_entry);
		if (hub->stat_commits <= c->hook_commit)
			continue;
		LIST_REMOVE(c, hook_entry);
		c->hook_waiting = 0;
		lws_callback_on_writable(c->wsi);
	}
}

int
hub_http_writeable(struct hub_client *c, struct lws *wsi)
{
	size_t	n = c->rx.len - LWS_PRE;
	int	rc;

	if (c->rx.data == NULL || c->hook_waiting)
		return 0;
	rc = lws_write(wsi, (unsigned char *)c->rx.data + LWS_PRE, n,
	    LWS_WRITE_HTTP_FINAL);
	util_buf_clear(&c->rx);
	if (rc != (int)n || lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}

void
hub_http_closed(struct hub *hub, struct hub_client *c)
{
	(void)hub;
	if (c == NULL)
		return;
	if (c->hook_waiting) {
		LIST_REMOVE(c, hook_entry);
		c->hook_waiting = 0;
	}
	util_buf_clear(&c->rx);
	util_buf_clear(&c->body);
}
