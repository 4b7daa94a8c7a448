/*
 * The outbox: notes written while the hub could not be reached, kept until
 * a concord process delivers them, and their delivery.
 *
 * The entries are rows of one SQLite table in util_state_dir()/outbox.db
 * (WAL, synchronous=FULL: a note is on disk before the command says it is
 * queued).  Each keeps the operation id the note was (or would have been)
 * sent with, which is unique in the table: queuing the same operation
 * twice keeps one row, and since the hub logs an operation id once per
 * incident, an entry delivered but not yet removed when a process dies is
 * acknowledged as a duplicate next time and never logged twice.  For the
 * same reason two processes delivering at once is harmless, and no lock is
 * needed beyond SQLite's own.  A note the hub refuses stays in the table,
 * marked with the hub's reason, and is no longer offered for delivery.
 *
 * An entry is kept for the hub, or the hub list, it was written for (its
 * canonical spelling, client_url_canon), and offered to any client whose
 * hub or list names a hub in common with it: the hubs of a list share one
 * database, so a note queued for "a b" is delivered by a client on "b"
 * alone, or on "b a", and one queued for "a" by a client on "a b" (which
 * may deliver it through b).  A single hub's entries are found by that
 * hub, as always.
 *
 * Delivery sends a hub's entries oldest first (by the time they were
 * written), each as its own author, waiting for each acknowledgement
 * before the next, so notes from one machine reach the hub in the order
 * they were written; each carries the time it was written.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "client.h"
#include "util.h"

#define OUTBOX_HUB_MAX	8192		/* bytes of a hub list */
#define OUTBOX_BUSY	5000		/* ms to wait for another process */

static const char outbox_schema[] =
	"CREATE TABLE IF NOT EXISTS outbox ("
	" id INTEGER PRIMARY KEY,"
	" hub TEXT NOT NULL,"
	" incident TEXT NOT NULL,"
	" user TEXT NOT NULL,"
	" op TEXT NOT NULL UNIQUE,"
	" text TEXT NOT NULL,"
	" written INTEGER NOT NULL,"
	" refused TEXT,"		/* the hub's code, once refused */
	" reason TEXT);"
	"CREATE INDEX IF NOT EXISTS outbox_hub ON outbox (hub, written);";

static int	outbox_quiet;

static void	outbox_say(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* Say something about the outbox: in the log, and on stderr unless quiet. */
static void
outbox_say(const char *fmt, ...)
{
	va_list	ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	util_log("outbox: %s", msg);
	if (!outbox_quiet)
		fprintf(stderr, "concord: %s\n", msg);
	free(msg);
}

void
client_outbox_quiet(void)
{
	outbox_quiet = 1;
}

/*
 * Open the outbox database (creating it unless create is 0).  Returns
 * the handle, or NULL: with *cause on failure, without it when there is
 * no outbox and create is 0.
 */
static sqlite3 *
outbox_open(int create, char **cause)
{
	sqlite3	*db = NULL;
	char	*dir = util_state_dir(), *path, *err = NULL;
	int	 flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	*cause = NULL;
	path = xasprintf("%s/outbox.db", dir);
	if (create) {
		flags |= SQLITE_OPEN_CREATE;
		if (util_mkdirs(dir, 0700) != 0) {
			*cause = xasprintf("cannot create %s", dir);
			goto fail;
		}
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		if (create)
			*cause = xasprintf("%s: %s", path, db != NULL ?
			    sqlite3_errmsg(db) : "cannot open");
		goto fail;
	}
	/* Private: its journal files take the database's permissions. */
	if (create && chmod(path, 0600) != 0)
		util_log("outbox: cannot make %s private", path);
	sqlite3_busy_timeout(db, OUTBOX_BUSY);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;", NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(db, outbox_schema, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, err != NULL ? err : "?");
		sqlite3_free(err);
		goto fail;
	}
	free(path);
	free(dir);
	return db;
fail:
	sqlite3_close(db);
	free(path);
	free(dir);
	return NULL;
}

int
client_outbox_add(const char *hub, const char *incident, const char *user,
    const char *op, const char *text, int64_t wall, char **cause)
{
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	char		*canon, *why = NULL;
	int		 rc = -1;

	if (hub == NULL || !core_text_valid(hub, OUTBOX_HUB_MAX) ||
	    (canon = client_url_canon(hub, &why)) == NULL) {
		free(why);
		*cause = xstrdup("bad hub address");
		return -1;
	}
	if (incident == NULL || !core_name_valid(incident) || user == NULL ||
	    !core_name_valid(user) || strcmp(user, CORE_ACTOR_HUB) == 0) {
		*cause = xstrdup("bad incident id or user name");
		return -1;
	}
	if (op == NULL || !core_name_valid(op)) {
		*cause = xstrdup("bad operation id: it must be 1-64 of "
		    "A-Z a-z 0-9 . _ @ - to be queued");
		return -1;
	}
	if (text == NULL || *text == '\0' || !core_text_valid(text,
	    CORE_TEXT_MAX)) {
		*cause = xstrdup("a note is 1-4096 bytes of text");
		return -1;
	}
	if ((db = outbox_open(1, cause)) == NULL) {
		free(canon);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO outbox (hub, "
	    "incident, user, op, text, written) VALUES (?, ?, ?, ?, ?, ?)", -1,
	    &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, incident, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, wall);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
out:
	if (rc != 0)
		*cause = xasprintf("cannot queue the note: %s",
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(canon);
	return rc;
}

struct client_outbox_entry *
client_outbox_list(const char *hub, const char *incident, size_t *n)
{
	struct client_outbox_entry	*list = NULL, *e;
	sqlite3				*db;
	sqlite3_stmt			*st = NULL;
	const char			*row;
	char				*cause;
	size_t				 cap = 0;

	*n = 0;
	if ((db = outbox_open(0, &cause)) == NULL) {
		if (cause != NULL)
			outbox_say("%s", cause);
		free(cause);
		return NULL;
	}
	if (sqlite3_prepare_v2(db, "SELECT id, hub, incident, user, op, text, "
	    "written FROM outbox WHERE refused IS NULL AND (hub = ?1 OR "
	    "instr(hub, ' ') > 0 OR instr(?1, ' ') > 0) AND "
	    "(?2 IS NULL OR incident = ?2) ORDER BY written, id", -1, &st,
	    NULL) != SQLITE_OK) {
		outbox_say("cannot read the outbox: %s", sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_bind_text(st, 1, hub, -1, SQLITE_STATIC);
	if (incident != NULL)
		sqlite3_bind_text(st, 2, incident, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		/* A list's: only if it names a hub of ours. */
		row = (const char *)sqlite3_column_text(st, 1);
		if (strcmp(row, hub) != 0 && !client_url_shared(row, hub))
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			list = xreallocarray(list, cap, sizeof *list);
		}
		e = &list[(*n)++];
		e->id = sqlite3_column_int64(st, 0);
		e->hub = xstrdup((const char *)sqlite3_column_text(st, 1));
		e->incident = xstrdup((const char *)sqlite3_column_text(st, 2));
		e->user = xstrdup((const char *)sqlite3_column_text(st, 3));
		e->op = xstrdup((const char *)sqlite3_column_text(st, 4));
		e->text = xstrdup((const char *)sqlite3_column_text(st, 5));
		e->time = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return list;
}

void
client_outbox_free(struct client_outbox_entry *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(list[i].hub);
		free(list[i].incident);
		free(list[i].user);
		free(list[i].op);
		free(list[i].text);
	}
	free(list);
}

/* Run one statement on an entry's row; 0 or -1 (said). */
static int
outbox_update(const char *sql, int64_t id, const char *code,
    const char *message)
{
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	char		*cause;
	int		 rc = -1;

	if ((db = outbox_open(0, &cause)) == NULL) {
		if (cause != NULL)
			outbox_say("%s", cause);
		free(cause);
		return -1;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (code != NULL) {
			sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, message, -1, SQLITE_STATIC);
		}
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = 0;
	}
	if (rc != 0)
		outbox_say("cannot update the outbox: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

int
client_outbox_remove(const struct client_outbox_entry *e)
{
	return outbox_update("DELETE FROM outbox WHERE id = ?1", e->id, NULL,
	    NULL);
}

void
client_outbox_reject(const struct client_outbox_entry *e, const char *code,
    const char *message)
{
	if (code == NULL)
		code = "error";
	if (message == NULL)
		message = "no reason given";
	outbox_update("UPDATE outbox SET refused = ?2, reason = ?3 WHERE "
	    "id = ?1", e->id, code, message);
	outbox_say("the hub refused the queued note by %s for %s (%s): %s; "
	    "it is kept, marked refused, in the outbox", e->user, e->incident,
	    code, message);
}

int
client_outbox_flush(const char *hub, char **cause)
{
	struct client_outbox_entry	*list;
	struct client_conn		*cc = NULL;
	struct proto_msg		 m, ans;
	char				*why = NULL;
	const char			*cc_user = NULL;
	size_t				 n, i;
	int				 unreachable, rc, delivered = 0;

	list = client_outbox_list(hub, NULL, &n);
	for (i = 0; i < n; i++) {
		if (cc == NULL || strcmp(cc_user, list[i].user) != 0) {
			client_conn_free(cc);
			cc_user = list[i].user;
			/*
			 * No incident in the hello: an incident the hub does
			 * not know is then a refusal of the note (kept
			 * aside), not a failure to connect.
			 */
			if ((cc = client_conn_open(hub, cc_user, NULL, -1, 0,
			    &unreachable, &why)) == NULL) {
				delivered = -1;
				break;
			}
		}
		proto_msg_init(&m, PROTO_COMMAND);
		m.incident = list[i].incident;
		m.op = list[i].op;
		m.cmd.type = CORE_NOTE;
		m.cmd.text = list[i].text;
		m.cmd.written = list[i].time;
		client_conn_send(cc, &m);
		if ((rc = client_conn_answer(cc, list[i].op, &ans, 15000,
		    &why)) <= 0) {
			if (rc == 0)
				why = xstrdup("no answer from the hub");
			delivered = -1;
			break;
		}
		if (ans.kind == PROTO_ACK) {
			util_log("outbox: delivered op %s as %s seq %lld%s",
			    list[i].op, list[i].incident, (long long)ans.seq,
			    ans.duplicate ? " (already logged)" : "");
			client_outbox_remove(&list[i]);
			delivered++;
		} else
			client_outbox_reject(&list[i], ans.code, ans.message);
		proto_msg_clear(&ans);
	}
	client_conn_free(cc);
	client_outbox_free(list, n);
	if (delivered == -1)
		*cause = why;
	return delivered;
}
