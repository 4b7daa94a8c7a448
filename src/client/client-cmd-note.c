/*
 * concord note TEXT: add a note to the timeline (control characters in it
 * are sent written out, "\e" for ESC).  With --stdin, every line
 * of standard input becomes a note as it arrives: they are pipelined (up to
 * a window of unanswered ones), each with its own operation id, and after a
 * lost connection the unanswered ones are sent again with the same ids, so
 * a line is logged exactly once.
 *
 * concord note TEXT with the hub unreachable keeps the note in the outbox
 * (client-outbox.c) if the incident is known (-i or $CONCORD_INCIDENT),
 * and exits 4; the next concord process to reach the hub delivers it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "export.h"
#include "util.h"

#define CLIENT_NOTE_WINDOW	256	/* notes sent and not yet answered */

/*
 * Notes read from standard input and not yet answered, oldest first: a
 * ring of CLIENT_NOTE_WINDOW.  Reading stops while it is full, so memory
 * stays flat however long the input is (tail -f | concord note --stdin).
 */
struct client_note_ring {
	char	*text[CLIENT_NOTE_WINDOW];
	char	*op[CLIENT_NOTE_WINDOW];
	int64_t	 when[CLIENT_NOTE_WINDOW];	/* wall ms it was read */
	size_t	 first;		/* index of the oldest */
	size_t	 n;
};

static void
client_note_send(struct client_args *a, struct client_conn *cc,
    struct client_note_ring *r, size_t k)
{
	struct proto_msg	m;
	size_t			i = (r->first + k) % CLIENT_NOTE_WINDOW;

	proto_msg_init(&m, PROTO_COMMAND);
	m.incident = a->incident;
	m.op = r->op[i];
	m.cmd.type = CORE_NOTE;
	m.cmd.text = r->text[i];
	client_conn_send(cc, &m);
}

/* Take an answer off the ring; returns 1 if it was a refusal. */
static int
client_note_answer(struct client_note_ring *r, const struct proto_msg *m)
{
	size_t	k, i, j;

	for (k = 0; k < r->n; k++) {
		i = (r->first + k) % CLIENT_NOTE_WINDOW;
		if (strcmp(r->op[i], m->op) != 0)
			continue;
		if (m->kind == PROTO_REFUSED)
			client_hub_error(CLIENT_EXIT_REFUSED, m->code, "%s",
			    m->message != NULL ? m->message : "");
		free(r->text[i]);
		free(r->op[i]);
		/* Close the gap, keeping the order of the rest. */
		for (; k + 1 < r->n; k++) {
			i = (r->first + k) % CLIENT_NOTE_WINDOW;
			j = (r->first + k + 1) % CLIENT_NOTE_WINDOW;
			r->text[i] = r->text[j];
			r->op[i] = r->op[j];
			r->when[i] = r->when[j];
		}
		r->n--;
		return m->kind == PROTO_REFUSED;
	}
	return 0;
}

/*
 * Handle what the hub has sent, waiting up to ms; returns 0, or -1 when
 * the connection is gone (it is then closed and *cc is NULL).
 */
static int
client_note_drain(struct client_note_ring *r, struct client_conn **cc, int ms,
    size_t *refused)
{
	struct proto_msg	m;
	char			*cause = NULL;
	int			rc;

	while ((rc = client_conn_recv(*cc, &m, ms, &cause)) > 0) {
		if (m.op != NULL && (m.kind == PROTO_ACK ||
		    m.kind == PROTO_REFUSED || m.kind == PROTO_ERROR))
			*refused += client_note_answer(r, &m);
		proto_msg_clear(&m);
		ms = 0;
	}
	if (rc < 0) {
		util_log("note --stdin: %s", cause);
		free(cause);
		client_conn_free(*cc);
		*cc = NULL;
		return -1;
	}
	return 0;
}

/*
 * Connect (with backoff, for up to --timeout) and send every note on the
 * ring again with its own operation id; 0, -2 when the hub stayed
 * unreachable, -3 when it has no such incident, or -1 (all already
 * reported).
 */
static int
client_note_connect(struct client_args *a, struct client_conn **cc,
    struct client_note_ring *r)
{
	char	*cause = NULL;
	size_t	 k;
	int	 unreachable, attempt = 0;

	client_conn_deadline(util_clock_mono_ms() + a->timeout);
	while ((*cc = client_conn_open(a->hub, a->user, a->incident, -1, 0,
	    &unreachable, &cause)) == NULL) {
		if (unreachable <= 0 || unreachable == 2 ||
		    client_conn_expired()) {
			if ((unreachable <= 0 || unreachable == 2) &&
			    r->n == 0)
				client_hub_unopened(a, unreachable, cause);
			else
				client_hub_fail(unreachable > 0 ?
				    CLIENT_EXIT_UNREACHABLE : CLIENT_EXIT_ERROR,
				    "%s (%zu notes unanswered)", cause, r->n);
			free(cause);
			return unreachable > 0 ? -2 : unreachable < 0 ? -3 : -1;
		}
		free(cause);
		cause = NULL;
		client_hub_backoff(attempt++);
	}
	/* Connected: a stream has no deadline, only each connection. */
	client_conn_deadline(0);
	for (k = 0; k < r->n; k++)
		client_note_send(a, *cc, r, k);
	return 0;
}

/*
 * Lines from standard input, read with read(2) so that "is a whole line
 * ready without waiting?" has an answer (stdio's buffer would hide it).
 */
struct client_note_input {
	struct buf	 buf;
	size_t		 off;		/* start of the next line */
	int		 eof;
};

/*
 * The next line (without its end of line; the caller frees), or NULL: at
 * the end of the input (eof set), or when no whole line is ready yet.  A last line without a line feed counts.
 */
static char *
client_note_line(struct client_note_input *in)
{
	struct pollfd	 pfd = { STDIN_FILENO, POLLIN, 0 };
	char		 chunk[65536], *nl, *line;
	ssize_t		 got;
	size_t		 len;

	for (;;) {
		nl = in->buf.len > in->off ? memchr(in->buf.data + in->off, '\n',
		    in->buf.len - in->off) : NULL;
		if (nl != NULL || (in->eof && in->buf.len > in->off)) {
			len = nl != NULL ? (size_t)(nl - (in->buf.data +
			    in->off)) : in->buf.len - in->off;
			line = xstrndup(in->buf.data + in->off, len);
			in->off += len + (nl != NULL);
			if (in->off == in->buf.len) {
				util_buf_reset(&in->buf);
				in->off = 0;
			}
			len = strlen(line);
			if (len > 0 && line[len - 1] == '\r')
				line[len - 1] = '\0';
			return line;
		}
		if (in->eof)
			return NULL;
		if (poll(&pfd, 1, 0) <= 0)
			return NULL;
		if ((got = read(STDIN_FILENO, chunk, sizeof chunk)) <= 0) {
			if (got < 0 && errno == EINTR)
				continue;
			in->eof = 1;
		} else
			util_buf_add(&in->buf, chunk, (size_t)got);
	}
}

/*
 * The hub stayed unreachable: keep the notes read and not yet answered in
 * the outbox, with their operation ids and the time they were read, and
 * stop reading.  Returns the exit status.
 */
static int
client_note_keep(struct client_args *a, struct client_note_ring *r)
{
	char	*cause = NULL;
	size_t	 k, i, kept = 0;

	for (k = 0; k < r->n; k++) {
		i = (r->first + k) % CLIENT_NOTE_WINDOW;
		if (client_outbox_add(a->hub, a->incident, a->user, r->op[i],
		    r->text[i], r->when[i], &cause) != 0) {
			client_hub_fail(CLIENT_EXIT_UNREACHABLE, "a note was "
			    "not queued: %s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		kept++;
	}
	if (kept == 0)
		return CLIENT_EXIT_UNREACHABLE;
	return client_hub_fail(CLIENT_EXIT_QUEUED, "queued %zu unanswered "
	    "notes for %s; the rest of the input was not read", kept,
	    a->incident);
}

static int
client_note_stdin(struct client_args *a)
{
	struct pollfd			 pfd = { STDIN_FILENO, POLLIN, 0 };
	struct client_note_ring		 r;
	struct client_note_input	 in;
	struct client_conn		*cc = NULL;
	char				*line;
	size_t				 total = 0, refused = 0, i;
	int				 rc = CLIENT_EXIT_OK, c, ready;

	memset(&r, 0, sizeof r);
	memset(&in, 0, sizeof in);
	util_buf_init(&in.buf);
	while (!in.eof || r.n > 0) {
		if (cc == NULL && (c = client_note_connect(a, &cc, &r)) != 0) {
			rc = c == -2 && !client_conn_untrusted() ?
			    client_note_keep(a, &r) : c == -2 ?
			    CLIENT_EXIT_UNREACHABLE : c == -3 ?
			    CLIENT_EXIT_REFUSED : CLIENT_EXIT_ERROR;
			break;
		}
		line = NULL;
		if (!in.eof && r.n < CLIENT_NOTE_WINDOW &&
		    (line = client_note_line(&in)) == NULL && !in.eof) {
			/*
			 * The input is idle: send what is queued, then wait
			 * for input while keeping the connection serviced,
			 * so answers and a silent hub are noticed meanwhile.
			 */
			client_conn_flush(cc);
			if (r.n > 0)
				client_note_drain(&r, &cc, 100, &refused);
			else if (poll(&pfd, 1, 1000) >= 0)
				client_note_drain(&r, &cc, 0, &refused);
			continue;
		}
		ready = line != NULL;
		if (ready && *line != '\0') {
			i = (r.first + r.n) % CLIENT_NOTE_WINDOW;
			/* Control characters go written out. */
			r.text[i] = export_text(line, EXPORT_TEXT_CONTROLS);
			free(line);
			r.op[i] = util_opid_create();
			r.when[i] = util_clock_wall_ms();
			client_note_send(a, cc, &r, r.n++);
			total++;
			continue;
		}
		free(line);
		if (ready)
			continue;	/* an empty line */
		/* The window is full, or the input is done: wait (sending
		 * what is queued meanwhile). */
		client_note_drain(&r, &cc, (int)a->timeout, &refused);
	}
	util_buf_clear(&in.buf);
	client_conn_free(cc);
	for (i = 0; i < r.n; i++) {
		free(r.text[(r.first + i) % CLIENT_NOTE_WINDOW]);
		free(r.op[(r.first + i) % CLIENT_NOTE_WINDOW]);
	}
	if (rc == CLIENT_EXIT_OK && refused > 0)
		rc = CLIENT_EXIT_REFUSED;
	if (rc == CLIENT_EXIT_OK && a->json) {
		util_buf_init(&in.buf);
		proto_count_json(a->incident, "notes", (int64_t)total, &in.buf);
		printf("%s\n", in.buf.data);
		util_buf_clear(&in.buf);
	} else if (rc == CLIENT_EXIT_OK)
		printf("%s: %zu notes logged\n", a->incident, total);
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
	if (client_outbox_add(hub, a->incident, a->user, a->op, text,
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
	char			*cause = NULL;
	int			 rc;

	if (client_opt(a, "stdin") != NULL) {
		if (a->nwords != 0)
			return client_usage(a->entry);
		if ((rc = client_hub_prepare(a, 1)) != 0)
			return rc;
		return client_note_stdin(a);
	}
	if (a->nwords == 0)
		return client_usage(a->entry);
	if (a->incident == NULL && (s = getenv("CONCORD_INCIDENT")) != NULL &&
	    *s != '\0')
		a->incident = xstrdup(s);
	if (a->op == NULL)
		a->op = util_opid_create();	/* known before it is sent */
	core_event_init(&ev);
	ev.type = CORE_NOTE;
	ev.text = client_words(a);
	if (client_cmd_check(&ev, &cause) != 0) {
		core_event_clear(&ev);
		rc = client_hub_error(CLIENT_EXIT_ERROR, "usage", "%s", cause);
		free(cause);
		return rc;
	}
	rc = client_hub_simple(a, &ev);
	/* Kept for the hub, not for whoever holds an unverified one. */
	if (rc == CLIENT_EXIT_UNREACHABLE && !client_conn_untrusted())
		rc = client_note_queue(a, ev.text);
	core_event_clear(&ev);
	return rc;
}

/* The console's note (the command line's is sent by the exec above). */
static int
client_cmd_note_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	if (a->nwords == 0 || client_opt(a, "stdin") != NULL)
		return -1;
	ev->type = CORE_NOTE;
	ev->text = client_words(a);
	return 0;
}

const struct client_cmd_entry client_cmd_note_entry = {
	.name = "note",
	.usage = "note TEXT | note --stdin",
	.opts = "stdin",
	.args = "TEXT...",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_note_build,
	.exec = client_cmd_note_exec
};
