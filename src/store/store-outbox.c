/*
 * The outbox: notes written while the hub could not be reached, kept on
 * disk until a concord process (or the embedded hub itself) delivers them.
 * This file keeps the entries; delivery over the network is the client's
 * (client-outbox.c) and the embedded hub's (hub-state.c).
 *
 * Each note is one file in util_state_dir()/outbox/, named
 * "<wall ms, 16 digits>-<op>.note" so that names sort in the order the notes
 * were written.  An entry is written to a temporary name (".tmp-XXXXXX"),
 * fsync'd, renamed into place and the directory fsync'd, so a crash leaves
 * either the whole entry or none (at worst a stale temporary file, which a
 * later flush removes).  The entry keeps the operation id the note was (or
 * would have been) sent with: the hub logs an operation id once per
 * incident, so an entry delivered but not yet removed when a process dies is
 * acknowledged as a duplicate next time and never logged twice.  For the
 * same reason removals need no fsync of their own.
 *
 * An entry file is at most STORE_OUTBOX_MAX bytes of lines "key value",
 * with exactly these keys in this order, each once:
 *
 *	concord-outbox 1
 *	hub unix:/run/user/1000/concord/hub.sock
 *	incident INC-7
 *	user alice
 *	op 3f9c...
 *	time 1763800000000
 *	text p99 is back under 200 ms
 *
 * Values escape "\" as "\\" and a line feed as "\n"; every line ends in a
 * line feed.  On reading, every field is validated (names with
 * core_name_valid, the note with core_text_valid, the hub as an address);
 * an entry that is unreadable or invalid is moved to outbox/corrupt/ with a
 * message on standard error and skipped.  A note the hub refuses is moved to
 * outbox/refused/ with the hub's reason on standard error.
 *
 * Flushing holds an flock on outbox/lock, so two processes do not deliver
 * the same entries at once, and delivers a hub's entries oldest first, each
 * as its own author, waiting for each acknowledgement before the next:
 * notes from one machine reach the hub in the order they were written.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

#define STORE_OUTBOX_MAX	32768		/* bytes of one entry file */
#define STORE_OUTBOX_HUB_MAX	1024		/* bytes of a hub address */
#define STORE_OUTBOX_STALE	3600		/* s before a temp file is stale */
#define STORE_OUTBOX_MAGIC	"concord-outbox 1"


static int	store_outbox_quiet_flag;

static void	store_outbox_say(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* Say something about the outbox: in the log, and on stderr unless quiet. */
static void
store_outbox_say(const char *fmt, ...)
{
	va_list	ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	util_log("outbox: %s", msg);
	if (!store_outbox_quiet_flag)
		fprintf(stderr, "concord: %s\n", msg);
	free(msg);
}

void
store_outbox_quiet(void)
{
	store_outbox_quiet_flag = 1;
}

static const char *store_outbox_keys[] = {
	"hub", "incident", "user", "op", "time", "text"
};
#define STORE_OUTBOX_NKEYS \
	(sizeof store_outbox_keys / sizeof store_outbox_keys[0])

/* The outbox directory; the caller frees it. */
static char *
store_outbox_dir(void)
{
	char	*state = util_state_dir(), *dir;

	dir = xasprintf("%s/outbox", state);
	free(state);
	return dir;
}

/* Is name an entry's file name (not a temporary file or a directory)? */
static int
store_outbox_is_entry(const char *name)
{
	size_t	len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".note") == 0;
}

/* Validate an entry's fields; 0, or -1 with *cause. */
static int
store_outbox_check(const char *hub, const char *incident, const char *user,
    const char *op, const char *text, int64_t wall, char **cause)
{
	if (hub == NULL || (strncmp(hub, "unix:", 5) != 0 &&
	    strncmp(hub, "ws://", 5) != 0) || strchr(hub, '\n') != NULL ||
	    !core_text_valid(hub, STORE_OUTBOX_HUB_MAX)) {
		*cause = xstrdup("bad hub address");
		return -1;
	}
	if (incident == NULL || !core_name_valid(incident)) {
		*cause = xstrdup("bad incident id");
		return -1;
	}
	if (user == NULL || !core_name_valid(user) ||
	    strcmp(user, CORE_ACTOR_HUB) == 0) {
		*cause = xstrdup("bad user name");
		return -1;
	}
	if (op == NULL || !core_name_valid(op)) {
		*cause = xstrdup("bad operation id: it must be 1-64 of "
		    "A-Z a-z 0-9 . _ @ - to be queued");
		return -1;
	}
	if (text == NULL || *text == '\0' ||
	    !core_text_valid(text, CORE_TEXT_MAX)) {
		*cause = xasprintf("a note must be 1-%d bytes of UTF-8 text "
		    "without control characters", CORE_TEXT_MAX);
		return -1;
	}
	if (wall < 0) {
		*cause = xstrdup("bad time");
		return -1;
	}
	return 0;
}

/* Parse an entry's bytes into e (path aside); 0, or -1 with *cause. */
static int
store_outbox_parse(const char *p, size_t len, struct store_outbox_entry *e,
    char **cause)
{
	const char	*end = p + len, *nl, *sp;
	char		*v[STORE_OUTBOX_NKEYS];
	size_t		 i, klen;
	int64_t		 t;

	memset(v, 0, sizeof v);
	if (memchr(p, '\0', len) != NULL) {
		*cause = xstrdup("a NUL byte");
		return -1;
	}
	klen = strlen(STORE_OUTBOX_MAGIC);
	if (len < klen + 1 || memcmp(p, STORE_OUTBOX_MAGIC, klen) != 0 ||
	    p[klen] != '\n') {
		*cause = xstrdup("not an outbox entry (no \"" STORE_OUTBOX_MAGIC
		    "\" line)");
		return -1;
	}
	p += klen + 1;
	for (i = 0; i < STORE_OUTBOX_NKEYS; i++) {
		klen = strlen(store_outbox_keys[i]);
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			*cause = xasprintf("cut short before \"%s\"",
			    store_outbox_keys[i]);
			goto out;
		}
		sp = p + klen;
		if ((size_t)(nl - p) < klen + 1 ||
		    memcmp(p, store_outbox_keys[i], klen) != 0 || *sp != ' ') {
			*cause = xasprintf("expected \"%s\" on line %zu",
			    store_outbox_keys[i], i + 2);
			goto out;
		}
		sp++;
		if ((v[i] = util_line_unescape(sp, (size_t)(nl - sp))) ==
		    NULL) {
			*cause = xasprintf("bad escape in \"%s\"",
			    store_outbox_keys[i]);
			goto out;
		}
		p = nl + 1;
	}
	if (p != end) {
		*cause = xstrdup("trailing bytes after \"text\"");
		goto out;
	}
	if (util_num_parse(v[4], 0, INT64_MAX, &t) != 0) {
		*cause = xstrdup("bad time");
		goto out;
	}
	if (store_outbox_check(v[0], v[1], v[2], v[3], v[5], t, cause) != 0)
		goto out;
	e->hub = v[0];
	e->incident = v[1];
	e->user = v[2];
	e->op = v[3];
	e->text = v[5];
	e->time = t;
	free(v[4]);
	return 0;
out:
	for (i = 0; i < STORE_OUTBOX_NKEYS; i++)
		free(v[i]);
	return -1;
}

/*
 * Read the entry at path into e.  Returns 0; 1 if the file is gone (another
 * process delivered it); or -1, corrupt, with *cause.
 */
static int
store_outbox_read(const char *path, struct store_outbox_entry *e,
    char **cause)
{
	struct stat	 sb;
	char		*data;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 1;
		*cause = xasprintf("cannot open it: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		*cause = xstrdup("not a regular file");
		return -1;
	}
	if (sb.st_size > STORE_OUTBOX_MAX) {
		close(fd);
		*cause = xasprintf("larger than %d bytes", STORE_OUTBOX_MAX);
		return -1;
	}
	data = xmalloc(STORE_OUTBOX_MAX + 1);
	for (;;) {
		r = read(fd, data + len, STORE_OUTBOX_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len > STORE_OUTBOX_MAX)
			break;
	}
	close(fd);
	if (r == -1) {
		*cause = xasprintf("cannot read it: %s", strerror(errno));
		rc = -1;
	} else if (len > STORE_OUTBOX_MAX) {
		*cause = xasprintf("larger than %d bytes", STORE_OUTBOX_MAX);
		rc = -1;
	} else
		rc = store_outbox_parse(data, len, e, cause);
	free(data);
	return rc;
}

/*
 * Move name out of the outbox into its subdirectory sub; returns the new
 * path (the caller frees it) or NULL, with a message, if it cannot.
 */
static char *
store_outbox_aside(const char *dir, const char *name, const char *sub)
{
	char	*from, *to, *subdir;

	subdir = xasprintf("%s/%s", dir, sub);
	from = xasprintf("%s/%s", dir, name);
	to = xasprintf("%s/%s", subdir, name);
	if (util_mkdirs(subdir, 0700) != 0 || rename(from, to) != 0) {
		if (errno != ENOENT)
			store_outbox_say("cannot move %s to %s/: %s",
			    from, subdir, strerror(errno));
		free(to);
		to = NULL;
	}
	free(subdir);
	free(from);
	return to;
}

/* Free the strings of one entry. */
static void
store_outbox_clear(struct store_outbox_entry *e)
{
	free(e->path);
	free(e->hub);
	free(e->incident);
	free(e->user);
	free(e->op);
	free(e->text);
	memset(e, 0, sizeof *e);
}

/* Order entries by time, then by file name. */
static int
store_outbox_cmp(const void *va, const void *vb)
{
	const struct store_outbox_entry	*a = va, *b = vb;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return strcmp(a->path, b->path);
}

/* Remove temporary files left by a writer that died; under the lock. */
static void
store_outbox_sweep(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*path;
	time_t		 now = time(NULL);

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".tmp-", 5) != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    now - sb.st_mtime > STORE_OUTBOX_STALE) {
			util_log("outbox: removing stale %s", path);
			unlink(path);
		}
		free(path);
	}
	closedir(d);
}

/* Write all of len bytes to fd; 0 or -1 with errno set. */
static int
store_outbox_write(int fd, const char *p, size_t len)
{
	ssize_t	r;

	while (len > 0) {
		if ((r = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Queue a note durably; 0, or -1 with *cause. */
int
store_outbox_add(const char *hub, const char *incident, const char *user,
    const char *op, const char *text, int64_t wall, char **cause)
{
	struct buf	 b;
	char		*dir, *tmp = NULL, *path = NULL;
	int		 fd = -1, dfd, rc = -1;

	if (store_outbox_check(hub, incident, user, op, text, wall,
	    cause) != 0)
		return -1;
	util_buf_init(&b);
	util_buf_adds(&b, STORE_OUTBOX_MAGIC "\n");
	util_buf_line(&b, "hub", hub);
	util_buf_line(&b, "incident", incident);
	util_buf_line(&b, "user", user);
	util_buf_line(&b, "op", op);
	util_buf_printf(&b, "time %lld\n", (long long)wall);
	util_buf_line(&b, "text", text);

	dir = store_outbox_dir();
	if (util_mkdirs(dir, 0700) != 0) {
		*cause = xasprintf("mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s/.tmp-XXXXXX", dir);
	path = xasprintf("%s/%016lld-%s.note", dir, (long long)wall, op);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		*cause = xasprintf("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (store_outbox_write(fd, b.data, b.len) != 0 || fsync(fd) != 0) {
		*cause = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		*cause = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		*cause = xasprintf("cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) != 0) {
		*cause = xasprintf("cannot sync %s: %s", dir, strerror(errno));
		if (dfd != -1)
			close(dfd);
		/* Not durable: take it back rather than half-promise. */
		unlink(path);
		goto out;
	}
	close(dfd);
	util_log("outbox: queued %s", path);
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(path);
	free(dir);
	util_buf_clear(&b);
	return rc;
}

/* The valid entries for hub (and incident), oldest first. */
struct store_outbox_entry *
store_outbox_list(const char *hub, const char *incident, size_t *n)
{
	struct store_outbox_entry	*list = NULL, e;
	DIR				*d;
	struct dirent			*de;
	char				*dir, *path, *cause, *to;
	size_t				 cap = 0;
	int				 rc;

	*n = 0;
	dir = store_outbox_dir();
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			util_log("outbox: cannot open %s: %s", dir,
			    strerror(errno));
		free(dir);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (!store_outbox_is_entry(de->d_name))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		memset(&e, 0, sizeof e);
		cause = NULL;
		if ((rc = store_outbox_read(path, &e, &cause)) != 0) {
			if (rc == -1 && (to = store_outbox_aside(dir,
			    de->d_name, "corrupt")) != NULL) {
				store_outbox_say("outbox entry %s is "
				    "corrupt (%s); moved to %s", path, cause,
				    to);
				free(to);
			}
			free(cause);
			free(path);
			continue;
		}
		e.path = path;
		if ((hub != NULL && strcmp(e.hub, hub) != 0) ||
		    (incident != NULL && strcmp(e.incident, incident) != 0)) {
			store_outbox_clear(&e);
			continue;
		}
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			list = xreallocarray(list, cap, sizeof *list);
		}
		list[(*n)++] = e;
	}
	closedir(d);
	free(dir);
	if (*n > 1)
		qsort(list, *n, sizeof *list, store_outbox_cmp);
	return list;
}

/* Free a list of entries. */
void
store_outbox_free(struct store_outbox_entry *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		store_outbox_clear(&list[i]);
	free(list);
}

/* Forget an entry: remove its file (one already gone counts as removed). */
int
store_outbox_remove(const struct store_outbox_entry *e)
{
	if (unlink(e->path) != 0 && errno != ENOENT) {
		util_log("outbox: cannot remove %s: %s", e->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}


/*
 * Lock the outbox for delivery (and sweep stale temporary files); returns
 * the lock's descriptor, 0 if there is no outbox, or -1 if it is busy
 * (nonblock) or cannot be locked, with *cause set in the latter case.
 */
int
store_outbox_lock(int nonblock, char **cause)
{
	char	*dir = store_outbox_dir(), *lock;
	int	 fd;

	*cause = NULL;
	if (access(dir, F_OK) != 0) {
		free(dir);
		return 0;
	}
	lock = xasprintf("%s/lock", dir);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		*cause = xasprintf("cannot open %s: %s", lock, strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX | (nonblock ? LOCK_NB : 0)) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			*cause = xasprintf("cannot lock %s: %s", lock,
			    strerror(errno));
		close(fd);
		fd = -1;
		goto out;
	}
	store_outbox_sweep(dir);
out:
	free(lock);
	free(dir);
	return fd;
}

void
store_outbox_unlock(int fd)
{
	if (fd > 0)
		close(fd);
}

/* Move a refused entry to outbox/refused/ and say why. */
void
store_outbox_reject(const struct store_outbox_entry *e, const char *code,
    const char *message)
{
	const char	*name = strrchr(e->path, '/') + 1;
	char		*dir = store_outbox_dir(), *to;

	to = store_outbox_aside(dir, name, "refused");
	store_outbox_say("the hub refused the queued note by %s for %s (%s): "
	    "%s; %s%s", e->user, e->incident, code != NULL ? code : "error",
	    message != NULL ? message : "no reason given",
	    to != NULL ? "moved to " : "left in place", to != NULL ? to :
	    e->path);
	free(to);
	free(dir);
}
