/*
 * What most subcommands share: finding the hub and the incident, sending a
 * command and waiting for its acknowledgement, and reading (and verifying)
 * an incident's whole log.
 *
 * A command keeps its operation id across reconnections, so retrying after
 * a lost connection can never log it twice: the hub answers a retry of an
 * operation it already committed with the original seq.  The first
 * connection failing is reported at once (exit 2); a connection lost after
 * the command was sent is retried with jittered exponential backoff until
 * the process's deadline (--timeout), because the command may already be
 * committed.  Past the deadline the outcome is unknown, and the message
 * says so and names the operation id to look for.
 *
 * The hub may be a list (--hub, $CONCORD_HUB or the configuration's hub:
 * addresses separated by spaces or commas), checked and put in its
 * canonical spelling when resolved; every connection then goes to the
 * first hub of it that answers (client-conn.c), so a retry after a lost
 * connection goes to the next hub with the same operation id.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pwd.h>

#include "client.h"
#include "export.h"
#include "util.h"

/* Are failures printed as JSON (--json)? */
static int	client_hub_json_mode;
/* Do warnings go to the console rather than to standard error? */
static int	client_hub_quiet_mode;
/* Has this process warned of plaintext to a non-local hub? */
static int	client_hub_warned;

void
client_hub_json_errors(int on)
{
	client_hub_json_mode = on;
	client_conn_json(on);
}

int
client_hub_json_failures(void)
{
	return client_hub_json_mode;
}

/* The code of a failure with this exit status, when none is given. */
static const char *
client_hub_code(int status)
{
	switch (status) {
	case CLIENT_EXIT_UNREACHABLE:
		return "unreachable";
	case CLIENT_EXIT_REFUSED:
		return "refused";
	case CLIENT_EXIT_QUEUED:
		return "queued";
	default:
		return "error";
	}
}

static int
client_hub_verror(int, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static int
client_hub_verror(int status, const char *code, const char *fmt, va_list ap)
{
	struct buf	 b;
	char		*msg, *safe;

	msg = xvasprintf(fmt, ap);
	if (client_hub_json_mode) {
		util_buf_init(&b);
		proto_error_json(code != NULL ? code : client_hub_code(status),
		    msg, &b);
		fprintf(stderr, "%s\n", b.data);
		util_buf_clear(&b);
	} else {
		/* What the hub says may quote what someone typed. */
		safe = export_text(msg, EXPORT_TEXT_SAFE);
		if (status == CLIENT_EXIT_REFUSED && code != NULL)
			fprintf(stderr, "concord: refused (%s): %s\n", code,
			    safe);
		else
			fprintf(stderr, "concord: %s\n", safe);
		free(safe);
	}
	free(msg);
	return status;
}

int
client_hub_fail(int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	client_hub_verror(status, NULL, fmt, ap);
	va_end(ap);
	return status;
}

int
client_hub_error(int status, const char *code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	client_hub_verror(status, code, fmt, ap);
	va_end(ap);
	return status;
}

void
client_hub_backoff(int attempt)
{
	struct timespec	ts;
	uint32_t	r;
	int64_t		ms = CLIENT_BACKOFF_MIN, left;

	/* The links' schedule (client-link.c), for callers that block. */
	while (attempt-- > 0 && ms < CLIENT_BACKOFF_MAX)
		ms *= 2;
	if (ms > CLIENT_BACKOFF_MAX)
		ms = CLIENT_BACKOFF_MAX;
	util_random_bytes(&r, sizeof r);
	ms += (int64_t)(r % (uint32_t)(ms / 2 + 1));	/* up to 50% more */
	if ((left = client_conn_left()) >= 0 && left < ms)
		ms = left;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
}

void
client_hub_quiet(void)
{
	client_hub_quiet_mode = 1;
	client_conn_quiet();
}

char *
client_hub_plaintext(const char *hub)
{
	char	**hubs, *cause = NULL, *msg = NULL;
	size_t	  n, i;

	if (client_url_list(hub, &hubs, &n, &cause) != 0) {
		free(cause);
		return NULL;
	}
	for (i = 0; i < n && msg == NULL; i++) {
		if (client_url_plaintext(hubs[i]))
			msg = xasprintf("plaintext to a non-local hub (%s): "
			    "what is sent can be read and changed on the way; "
			    "have the hub serve TLS and use wss://", hubs[i]);
	}
	client_url_list_free(hubs, n);
	return msg;
}

/* Warn once, on standard error, of plaintext to a non-local hub. */
static void
client_hub_warn(const char *hub)
{
	char		*msg;

	if (client_hub_warned || client_hub_quiet_mode ||
	    (msg = client_hub_plaintext(hub)) == NULL)
		return;
	client_hub_warned = 1;
	util_log("warning: %s", msg);
	client_conn_warn("plaintext", msg);
	free(msg);
}

/*
 * Is path a CA bundle: a readable file with a PEM certificate in it?
 * Returns 0, or -1 with *cause.
 */
static int
client_hub_ca(const char *path, char **cause)
{
	char	*text, *why = NULL;
	size_t	 len;
	int	 rc = 0;

	if ((text = util_file_read(path, CLIENT_CA_MAX, &len, &why)) == NULL) {
		*cause = xasprintf("cannot read the CA bundle (--ca): %s", why);
		free(why);
		return -1;
	}
	if (strstr(text, "-----BEGIN CERTIFICATE-----") == NULL) {
		*cause = xasprintf("the CA bundle %s (--ca) holds no PEM "
		    "certificate", path);
		rc = -1;
	}
	free(text);
	return rc;
}

/*
 * The user a token speaks for, when the hub is reached over TCP (a Unix
 * socket's hub knows its peer, and takes no token); the caller frees it.
 */
static char *
client_hub_token_user(const char *hub)
{
	const char	*token = client_link_token();
	unsigned char	 secret[CORE_TOKEN_SECRET];
	char		*name, *cause;

	/* A list of sockets only; else a hub over TCP will want it. */
	if (hub == NULL || token == NULL || (strncmp(hub, "unix:", 5) == 0 &&
	    strstr(hub, "ws://") == NULL && strstr(hub, "wss://") == NULL))
		return NULL;
	if (core_token_parse(token, &name, secret, &cause) != 0) {
		free(cause);	/* the hub will say */
		return NULL;
	}
	explicit_bzero(secret, sizeof secret);
	return name;
}

int
client_hub_resolve(struct client_args *a, char **cause)
{
	struct passwd	*pw;
	const char	*s;
	char		*canon;

	if (a->hub == NULL && (s = getenv("CONCORD_HUB")) != NULL && *s != '\0')
		a->hub = xstrdup(s);
	if (a->hub != NULL) {
		/* One line for a bad address, a repeated one or none. */
		if ((canon = client_url_canon(a->hub, cause)) == NULL)
			return -1;
		free(a->hub);
		a->hub = canon;
	}
	if (a->user == NULL && ((s = getenv("CONCORD_USER")) == NULL ||
	    *s == '\0'))
		a->user = client_hub_token_user(a->hub);
	if (a->user == NULL) {
		if ((s = getenv("CONCORD_USER")) == NULL || *s == '\0')
			s = getenv("USER");
		if (s == NULL || *s == '\0')
			s = getenv("LOGNAME");
		if ((s == NULL || *s == '\0') && (pw = getpwuid(getuid())) != NULL)
			s = pw->pw_name;
		a->user = xstrdup(s != NULL && *s != '\0' ? s : "unknown");
	}
	if (!core_name_valid(a->user) || strcmp(a->user, CORE_ACTOR_HUB) == 0) {
		*cause = xasprintf("bad user name \"%s\": 1-64 of A-Z a-z 0-9 "
		    ". _ @ -, and not %s", a->user, CORE_ACTOR_HUB);
		return -1;
	}
	if (a->ca == NULL && (s = getenv("CONCORD_CA")) != NULL && *s != '\0')
		a->ca = xstrdup(s);
	if (a->ca != NULL && client_hub_ca(a->ca, cause) != 0)
		return -1;
	client_link_ca(a->ca);
	if (a->hub == NULL && (a->hub = client_embed_hub(cause)) == NULL)
		return -2;
	client_hub_warn(a->hub);
	return 0;
}

/*
 * The hub's incidents, in *m; 0, -2 when the hub cannot be reached or does
 * not answer, or -1, with *cause.
 */
static int
client_hub_list(struct client_args *a, struct proto_msg *m, char **cause)
{
	struct client_conn	*cc;
	struct proto_msg	 list;
	int			 unreachable, rc;

	if ((cc = client_conn_open(a->hub, a->user, NULL, -1, 0, &unreachable,
	    cause)) == NULL)
		return unreachable > 0 ? -2 : -1;
	proto_msg_init(&list, PROTO_LIST);
	client_conn_send(cc, &list);
	rc = client_conn_recv(cc, m, 15000, cause);
	client_conn_free(cc);
	if (rc <= 0) {
		if (rc == 0)
			*cause = xstrdup("the hub did not list its incidents");
		return -2;
	}
	if (m->kind != PROTO_INCIDENTS) {
		proto_msg_clear(m);
		*cause = xstrdup("the hub did not list its incidents");
		return -1;
	}
	return 0;
}

/* Append the incidents of m, one a line (open ones only unless all). */
static void
client_hub_list_add(struct buf *b, const struct proto_msg *m, int all)
{
	const struct proto_incident	*pi;
	char				*title;
	size_t				 i;

	for (i = 0; i < m->nincidents; i++) {
		pi = &m->incidents[i];
		if (!all && pi->status != NULL &&
		    strcmp(pi->status, "resolved") == 0)
			continue;
		title = export_text(pi->title, EXPORT_TEXT_SAFE |
		    EXPORT_TEXT_LINE);
		util_buf_printf(b, "\n  %s  SEV%lld  %s  %s", pi->id,
		    (long long)pi->sev, core_str_or(pi->status, "?"), title);
		free(title);
	}
}

int
client_hub_incident(struct client_args *a, char **cause)
{
	struct proto_msg	 m;
	struct buf		 b;
	const char		*s;
	size_t			 i, open = 0, which = 0;
	int			 rc;

	if (a->incident == NULL && (s = getenv("CONCORD_INCIDENT")) != NULL &&
	    *s != '\0')
		a->incident = xstrdup(s);
	if (a->incident != NULL)
		return 0;
	if ((rc = client_hub_list(a, &m, cause)) != 0)
		return rc;
	for (i = 0; i < m.nincidents; i++) {
		if (m.incidents[i].status == NULL ||
		    strcmp(m.incidents[i].status, "resolved") != 0) {
			open++;
			which = i;
		}
	}
	if (open == 1) {
		a->incident = xstrdup(m.incidents[which].id);
		proto_msg_clear(&m);
		return 0;
	}
	util_buf_init(&b);
	if (open == 0)
		util_buf_adds(&b, "no open incident: open one with concord open "
		    "--title TITLE, or name one with -i");
	else {
		util_buf_adds(&b, "several incidents are open; choose one with "
		    "-i ID or $CONCORD_INCIDENT:");
		client_hub_list_add(&b, &m, 0);
	}
	proto_msg_clear(&m);
	*cause = util_buf_steal(&b);
	return -1;
}

int
client_hub_known(struct client_args *a)
{
	struct proto_msg	 m;
	char			*cause = NULL;
	int64_t			 saved, soon;
	size_t			 i;
	int			 found = 0, rc;

	/* A quick look: a slow hub is the console's to show, not to wait on. */
	soon = util_clock_mono_ms() + CLIENT_KNOWN_WAIT;
	saved = client_conn_deadline(0);
	client_conn_deadline(saved != 0 && saved < soon ? saved : soon);
	rc = client_hub_list(a, &m, &cause);
	client_conn_deadline(saved);
	if (rc != 0 && client_conn_untrusted()) {
		/* Not a hub to show: the console would only show STALE. */
		rc = client_hub_fail(CLIENT_EXIT_UNREACHABLE, "%s", cause);
		free(cause);
		return rc;
	}
	if (rc != 0) {
		util_log("cannot list the hub's incidents: %s", cause);
		free(cause);
		return CLIENT_EXIT_OK;	/* the console will say */
	}
	for (i = 0; i < m.nincidents; i++) {
		if (strcmp(m.incidents[i].id, a->incident) == 0)
			found = 1;
	}
	proto_msg_clear(&m);
	if (found)
		return CLIENT_EXIT_OK;
	return client_hub_unopened(a, -1, NULL);
}

int
client_hub_unopened(struct client_args *a, int unreachable,
    const char *cause)
{
	struct proto_msg	 m;
	struct buf		 b;
	char			*why = NULL;
	int			 rc;

	if (unreachable > 0)
		return client_hub_fail(CLIENT_EXIT_UNREACHABLE, "%s", cause);
	if (unreachable == 0)
		return client_hub_fail(CLIENT_EXIT_ERROR, "%s", cause);
	/* No such incident: a refusal, saying which there are. */
	util_buf_init(&b);
	util_buf_printf(&b, "no incident %s on this hub", a->incident);
	if (client_hub_list(a, &m, &why) != 0) {
		free(why);
		util_buf_adds(&b, "; concord incidents lists them");
	} else {
		if (m.nincidents == 0)
			util_buf_adds(&b, "; it has none: open one with "
			    "concord open --title TITLE");
		else
			util_buf_adds(&b, "; its incidents:");
		client_hub_list_add(&b, &m, 1);
		proto_msg_clear(&m);
	}
	rc = client_hub_error(CLIENT_EXIT_REFUSED, "no-incident", "%s", b.data);
	util_buf_clear(&b);
	return rc;
}

int
client_hub_command(struct client_args *a, struct core_event *cmd,
    int64_t based_on, struct proto_msg *ack)
{
	struct client_conn	*cc;
	struct proto_msg	 m;
	char			*cause = NULL, *op;
	int			 unreachable, rc, attempt = 0, sent = 0;

	op = a->op != NULL ? xstrdup(a->op) : util_opid_create();
	proto_msg_init(&m, PROTO_COMMAND);
	m.incident = cmd->type == CORE_OPEN ? NULL : a->incident;
	m.op = op;
	m.cmd = *cmd;
	for (;;) {
		cc = client_conn_open(a->hub, a->user, m.incident, -1,
		    0, &unreachable, &cause);
		if (cc == NULL) {
			if (unreachable <= 0 || unreachable == 2 || !sent) {
				free(op);
				rc = client_hub_unopened(a, unreachable, cause);
				free(cause);
				return rc;
			}
			goto retry;
		}
		if (a->based_on >= 0)
			m.based_on = a->based_on;
		else if (based_on >= 0)
			m.based_on = based_on;
		else if (!sent)
			m.based_on = client_conn_head(cc);
		client_conn_send(cc, &m);
		sent = 1;
		rc = client_conn_answer(cc, op, ack, (int)a->timeout, &cause);
		client_conn_free(cc);
		if (rc > 0)
			break;
		if (rc == 0)
			cause = xstrdup("the hub is not answering");
retry:
		if (client_conn_expired()) {
			rc = client_hub_fail(CLIENT_EXIT_UNREACHABLE, "%s; the "
			    "command was sent and may or may not have been "
			    "applied: look for op %s in concord log --json, or "
			    "send it again with --op %s (it is applied at most "
			    "once)", cause, op, op);
			free(cause);
			free(op);
			return rc;
		}
		util_log("retrying op %s: %s", op, cause);
		free(cause);
		cause = NULL;
		client_hub_backoff(attempt++);
	}
	free(op);
	if (ack->kind == PROTO_REFUSED) {
		rc = client_hub_error(CLIENT_EXIT_REFUSED, ack->code, "%s",
		    ack->message != NULL ? ack->message : "");
		proto_msg_clear(ack);
		return rc;
	}
	if (ack->kind == PROTO_ERROR) {
		rc = client_hub_error(CLIENT_EXIT_ERROR, ack->code, "%s",
		    ack->message != NULL ? ack->message : ack->code);
		proto_msg_clear(ack);
		return rc;
	}
	return CLIENT_EXIT_OK;
}

int
client_hub_sync(struct client_args *a, struct core_state *st,
    struct core_event **events, unsigned char (**hashes)[CORE_HASH_LEN],
    size_t *n)
{
	struct client_conn	*cc;
	struct proto_msg	 m;
	struct core_ctx		 ctx;
	char			*cause = NULL;
	int64_t			 head;
	size_t			 i, cap = 0;
	int			 unreachable, rc;

	if ((cc = client_conn_open(a->hub, a->user, a->incident, 0,
	    events == NULL, &unreachable, &cause)) == NULL) {
		rc = client_hub_unopened(a, unreachable, cause);
		free(cause);
		return rc;
	}
	head = client_conn_head(cc);
	core_state_init(st, a->incident);
	memset(&ctx, 0, sizeof ctx);
	ctx.now = util_clock_mono_ms();
	if (events != NULL) {
		*events = NULL;
		*hashes = NULL;
		*n = 0;
	}
	while (st->seq < head) {
		if ((rc = client_conn_recv(cc, &m, 30000, &cause)) <= 0) {
			client_conn_free(cc);
			rc = client_hub_fail(CLIENT_EXIT_UNREACHABLE, "%s",
			    rc == 0 ? "the hub stopped sending the log" : cause);
			free(cause);
			return rc;
		}
		if (m.kind == PROTO_SNAPSHOT && events == NULL &&
		    m.state != NULL) {
			/* Start from the hub's state; verify what follows. */
			core_state_clear(st);
			*st = *m.state;
			free(m.state);
			m.state = NULL;
			proto_snapshot_rebase(st, ctx.now);
			if (core_state_valid(st, &cause) != 0) {
				client_conn_free(cc);
				proto_msg_clear(&m);
				rc = client_hub_fail(CLIENT_EXIT_ERROR,
				    "the hub sent a malformed snapshot: %s",
				    cause);
				free(cause);
				return rc;
			}
		}
		for (i = 0; m.kind == PROTO_EVENTS && i < m.nevents; i++) {
			if (m.events[i].seq <= st->seq)
				continue;
			if (core_state_follow(st, &m.events[i], m.hashed[i] ?
			    m.hashes[i] : NULL, &ctx, &cause) != 0) {
				client_conn_free(cc);
				proto_msg_clear(&m);
				rc = client_hub_fail(CLIENT_EXIT_ERROR,
				    "%s: the log does not verify", cause);
				free(cause);
				return rc;
			}
			if (events == NULL)
				continue;
			if (*n == cap) {
				cap = cap == 0 ? 256 : cap * 2;
				*events = xreallocarray(*events, cap,
				    sizeof **events);
				*hashes = xreallocarray(*hashes, cap,
				    sizeof **hashes);
			}
			core_event_copy(&(*events)[*n], &m.events[i]);
			memcpy((*hashes)[*n], st->chain, CORE_HASH_LEN);
			(*n)++;
		}
		proto_msg_clear(&m);
	}
	if (st->seq == head &&
	    memcmp(st->chain, client_conn_chain(cc), CORE_HASH_LEN) != 0) {
		client_conn_free(cc);
		return client_hub_fail(CLIENT_EXIT_ERROR, "chain mismatch at the "
		    "head: the log does not verify");
	}
	client_conn_free(cc);
	return CLIENT_EXIT_OK;
}

/*
 * Whichever concord process next reaches the hub delivers the outbox: one
 * directory scan when it is empty; when the hub cannot be reached, the
 * entries stay for the next process and the command goes on to fail (or
 * queue) as it would have.
 */
static void
client_hub_outbox(struct client_args *a)
{
	struct client_outbox_entry	*list;
	char				*cause = NULL;
	size_t				 n;
	int				 done;

	list = client_outbox_list(a->hub, NULL, &n);
	client_outbox_free(list, n);
	if (n == 0)
		return;
	if ((done = client_outbox_flush(a->hub, &cause)) == -1) {
		util_log("outbox: %zu queued notes kept: %s", n, cause);
		free(cause);
	} else
		util_log("outbox: delivered %d queued notes", done);
}

int
client_hub_prepare(struct client_args *a, int incident)
{
	char	*cause = NULL;
	int	 rc;

	if ((rc = client_hub_resolve(a, &cause)) != 0) {
		rc = client_hub_fail(rc == -2 ? CLIENT_EXIT_UNREACHABLE :
		    CLIENT_EXIT_ERROR, "%s", cause);
		free(cause);
		return rc;
	}
	client_hub_outbox(a);
	if (!incident)
		return CLIENT_EXIT_OK;
	if ((rc = client_hub_incident(a, &cause)) != 0) {
		rc = client_hub_fail(rc == -2 ? CLIENT_EXIT_UNREACHABLE :
		    CLIENT_EXIT_ERROR, "%s", cause);
		free(cause);
		return rc;
	}
	return CLIENT_EXIT_OK;
}

void
client_hub_json(const char *incident, const char *action, int64_t seq,
    int64_t fence, int duplicate)
{
	struct buf	b;

	util_buf_init(&b);
	proto_result_json(incident, action, seq, fence, duplicate, &b);
	printf("%s\n", b.data);
	util_buf_clear(&b);
}

int
client_hub_simple(struct client_args *a, struct core_event *ev)
{
	struct proto_msg	ack;
	int			rc;

	if ((rc = client_hub_prepare(a, 1)) != 0)
		return rc;
	if ((rc = client_hub_command(a, ev, -1, &ack)) != 0)
		return rc;
	if (a->json)
		client_hub_json(a->incident, NULL, ack.seq, 0, ack.duplicate);
	else
		printf("%s seq %lld%s\n", a->incident, (long long)ack.seq,
		    ack.duplicate ? " (already logged)" : "");
	proto_msg_clear(&ack);
	return CLIENT_EXIT_OK;
}

int
client_hub_fence(struct client_args *a, const char *name, int64_t *fence)
{
	struct core_state	 st;
	const char		*s = client_opt(a, "fence");
	int			 rc;

	if (s == NULL && (s = getenv("CONCORD_FENCE")) != NULL && *s == '\0')
		s = NULL;
	if (s != NULL) {
		if (util_num_parse(s, 1, INT64_MAX, fence) != 0)
			return client_hub_fail(CLIENT_EXIT_ERROR, "bad fence "
			    "\"%s\"", s);
		return CLIENT_EXIT_OK;
	}
	if ((rc = client_hub_sync(a, &st, NULL, NULL, NULL)) != 0)
		return rc;
	*fence = core_state_fence_of(&st, name, a->user);
	core_state_clear(&st);
	if (*fence == 0)
		return client_hub_error(CLIENT_EXIT_REFUSED, "not-holder",
		    "you hold no claim on %s", name);
	return CLIENT_EXIT_OK;
}
