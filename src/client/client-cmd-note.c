/*
 * concord note TEXT: add a note to the timeline.  With --stdin, every line
 * of standard input becomes a note: they are pipelined (up to a window of
 * unacknowledged ones), each with its own operation id, and after a lost
 * connection the unacknowledged ones are resent with the same ids, so a
 * line is logged exactly once.
 *
 * concord note TEXT with the hub unreachable keeps the note in the outbox
 * (client-outbox.c) if the incident is known (-i or $CONCORD_INCIDENT),
 * and exits 4; the next concord process to reach the hub delivers it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "util.h"

#define CLIENT_NOTE_WINDOW	256

struct client_note_line {
	char	*text;
	char	*op;
	int	 acked;
};

/* Send lines[from..] that are unacked, up to the window; returns next. */
static size_t
client_note_send(struct client_args *a, struct client_conn *cc,
    struct client_note_line *lines, size_t n, size_t from, size_t acked)
{
	struct proto_msg	m;

	while (from < n && from < acked + CLIENT_NOTE_WINDOW) {
		if (!lines[from].acked) {
			proto_msg_init(&m, PROTO_COMMAND);
			m.incident = a->incident;
			m.op = lines[from].op;
			m.cmd.type = CORE_NOTE;
			m.cmd.text = lines[from].text;
			client_conn_send(cc, &m);
		}
		from++;
	}
	return from;
}

static int
client_note_stdin(struct client_args *a)
{
	struct client_note_line	*lines = NULL;
	struct client_conn	*cc = NULL;
	struct proto_msg	 m;
	char			*line = NULL, *cause = NULL;
	size_t			 cap = 0, n = 0, linecap = 0, sent = 0, acked = 0;
	size_t			 lo = 0, i;
	ssize_t			 len;
	int			 unreachable, rc = CLIENT_EXIT_OK, attempt = 0;
	int			 refused = 0;

	while ((len = getline(&line, &linecap, stdin)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			lines = xreallocarray(lines, cap, sizeof *lines);
		}
		lines[n].text = xstrdup(line);
		lines[n].op = util_opid_create();
		lines[n].acked = 0;
		n++;
	}
	free(line);
	while (acked < n) {
		if (cc == NULL) {
			cc = client_conn_open(a->hub, a->user, a->incident, -1,
			    0, &unreachable, &cause);
			if (cc == NULL) {
				if (!unreachable || attempt > 20) {
					rc = client_hub_fail(unreachable ?
					    CLIENT_EXIT_UNREACHABLE :
					    CLIENT_EXIT_ERROR, "%s (%zu of %zu "
					    "notes acknowledged)", cause, acked, n);
					break;
				}
				free(cause);
				cause = NULL;
				client_hub_backoff(attempt++);
				continue;
			}
			attempt = 0;
			sent = client_note_send(a, cc, lines, n, lo, acked);
		}
		if (client_conn_recv(cc, &m, CLIENT_RETRY_FOR, &cause) <= 0) {
			free(cause);
			cause = NULL;
			client_conn_free(cc);
			cc = NULL;
			continue;
		}
		if (m.op != NULL && (m.kind == PROTO_ACK ||
		    m.kind == PROTO_REFUSED)) {
			for (i = lo; i < sent; i++) {
				if (!lines[i].acked &&
				    strcmp(lines[i].op, m.op) == 0) {
					lines[i].acked = 1;
					acked++;
					if (m.kind == PROTO_REFUSED) {
						refused++;
						fprintf(stderr, "concord: refused "
						    "(%s): %s\n", m.code,
						    m.message);
					}
					break;
				}
			}
			while (lo < n && lines[lo].acked)
				lo++;
			sent = client_note_send(a, cc, lines, n, sent, acked);
		} else if (m.kind == PROTO_ERROR) {
			rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s", m.message);
			proto_msg_clear(&m);
			break;
		}
		proto_msg_clear(&m);
	}
	client_conn_free(cc);
	if (rc == CLIENT_EXIT_OK && refused > 0)
		rc = CLIENT_EXIT_REFUSED;
	if (rc == CLIENT_EXIT_OK)
		printf("%s: %zu notes logged\n", a->incident, n);
	for (i = 0; i < n; i++) {
		free(lines[i].text);
		free(lines[i].op);
	}
	free(lines);
	return rc;
}

/*
 * The hub could not be reached (the failure is already printed): keep the
 * note in the outbox with the operation id it was sent with, so it is
 * logged once however often it is delivered.
 */
static int
client_note_queue(struct client_args *a, const char *text)
{
	char	*cause = NULL, *hub;
	int	 rc;

	if (a->incident == NULL)
		return client_hub_fail(CLIENT_EXIT_UNREACHABLE, "the note was "
		    "not queued: name the incident with -i ID (or "
		    "$CONCORD_INCIDENT) to queue it while the hub is "
		    "unreachable");
	hub = a->hub != NULL ? xstrdup(a->hub) : client_embed_url();
	if (store_outbox_add(hub, a->incident, a->user, a->op, text,
	    util_clock_wall_ms(), &cause) != 0) {
		rc = client_hub_fail(CLIENT_EXIT_UNREACHABLE, "the note was "
		    "not queued: %s", cause);
		free(cause);
		free(hub);
		return rc;
	}
	free(hub);
	return client_hub_fail(CLIENT_EXIT_QUEUED, "queued note for %s: the "
	    "hub is unreachable; it will be delivered when a concord process "
	    "next reaches the hub", a->incident);
}

static int
client_cmd_note_exec(struct client_args *a)
{
	struct core_event	 ev;
	const char		*s;
	int			 rc;

	if (client_opt(a, "stdin") != NULL) {
		if (a->nwords != 0)
			return client_usage(&client_cmd_note_entry);
		if ((rc = client_hub_prepare(a, 1)) != 0)
			return rc;
		return client_note_stdin(a);
	}
	if (a->nwords == 0)
		return client_usage(&client_cmd_note_entry);
	if (a->incident == NULL && (s = getenv("CONCORD_INCIDENT")) != NULL &&
	    *s != '\0')
		a->incident = xstrdup(s);
	if (a->op == NULL)
		a->op = util_opid_create();	/* known before it is sent */
	core_event_init(&ev);
	ev.type = CORE_NOTE;
	ev.text = client_words(a);
	rc = client_hub_simple(a, &ev);
	if (rc == CLIENT_EXIT_UNREACHABLE)
		rc = client_note_queue(a, ev.text);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_note_entry = {
	"note", "note TEXT | note --stdin", "stdin", client_cmd_note_exec
};
