/*
 * Choosing the store's backend and calling it.  store_open locks the data
 * directory (an exclusive flock on DIR/lock holding the hub's pid, for as
 * long as the store is open, whichever the backend: two hubs never share a
 * directory, nor its log), reads the spec once and hands the rest of the
 * life of the store to the backend's table (struct store_backend); every
 * other store_* here is one indirect call.  Nothing here touches a
 * database itself.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

/*
 * The libpq connection string a spec names, or NULL if it names none;
 * the caller frees it.
 */
static char *
store_spec_pg(const char *spec)
{
	if (strncmp(spec, "postgres://", 11) == 0 ||
	    strncmp(spec, "postgresql://", 13) == 0)
		return xstrdup(spec);
	if (strncmp(spec, "postgres:", 9) == 0)
		return xstrdup(spec + 9);
	if (strchr(spec, '=') != NULL)
		return xstrdup(spec);
	return NULL;
}

int
store_spec_valid(const char *spec)
{
	char	*conn;

	if (strcmp(spec, "sqlite") == 0)
		return 1;
	if ((conn = store_spec_pg(spec)) == NULL)
		return 0;
	free(conn);
	return 1;
}

/* Lock dir (creating it); the descriptor, or -1 with *cause. */
static int
store_lock(const char *dir, char **cause)
{
	char	*path, pid[32];
	int	 fd, len;

	if (util_mkdirs(dir, 0700) != 0) {
		*cause = xasprintf("mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	path = xasprintf("%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd == -1) {
		*cause = xasprintf("open %s/lock: %s", dir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		len = (int)pread(fd, pid, sizeof pid - 1, 0);
		pid[len > 0 ? len : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (*pid != '\0')
			*cause = xasprintf("%s is in use by another concordd "
			    "(pid %s)", dir, pid);
		else
			*cause = xasprintf("%s is in use by another concordd",
			    dir);
		close(fd);
		return -1;
	}
	len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len)
		util_log("cannot write pid to %s/lock", dir);
	return fd;
}

struct store *
store_open(const char *dir, const char *spec, char **cause)
{
	struct store	*st;
	char		*conn = NULL;
	int		 fd;

	if (spec != NULL && strcmp(spec, "sqlite") != 0 &&
	    (conn = store_spec_pg(spec)) == NULL) {
		*cause = xasprintf("unknown store \"%s\" (sqlite, "
		    "postgres://..., postgres:CONNINFO)", spec);
		return NULL;
	}
	if ((fd = store_lock(dir, cause)) == -1) {
		free(conn);
		return NULL;
	}
	if (conn != NULL)
		st = store_pg_open(conn, cause);
	else
		st = store_sqlite_open(dir, cause);
	free(conn);
	if (st == NULL) {
		close(fd);
		return NULL;
	}
	st->lockfd = fd;
	return st;
}

const char *
store_kind(struct store *st)
{
	return st->be->name;
}

void
store_close(struct store *st)
{
	int	fd;

	if (st == NULL)
		return;
	fd = st->lockfd;
	st->be->close(st);
	close(fd);
}

int
store_begin(struct store *st, char **cause)
{
	return st->be->begin(st, cause);
}

int
store_append(struct store *st, const char *incident, const struct store_row *r,
    char **cause)
{
	return st->be->append(st, incident, r, cause);
}

int
store_commit(struct store *st, char **cause)
{
	return st->be->commit(st, cause);
}

void
store_rollback(struct store *st)
{
	st->be->rollback(st);
}

int64_t
store_incident_next(struct store *st)
{
	return st->be->incident_next(st);
}

int
store_incidents(struct store *st, char ***ids, size_t *n, char **cause)
{
	return st->be->incidents(st, ids, n, cause);
}

int64_t
store_op_seq(struct store *st, const char *incident, const char *op)
{
	return st->be->op_seq(st, incident, op);
}

int64_t
store_events(struct store *st, const char *incident, int64_t after,
    int64_t max, store_event_fn *fn, void *arg, char **cause)
{
	return st->be->events(st, incident, after, max, fn, arg, cause);
}

int64_t
store_wire(struct store *st, const char *incident, int64_t after,
    int64_t max, store_wire_fn *fn, void *arg, char **cause)
{
	return st->be->wire(st, incident, after, max, fn, arg, cause);
}

int
store_wire_set(struct store *st, const char *incident, int64_t seq,
    const char *wire, size_t len, char **cause)
{
	return st->be->wire_set(st, incident, seq, wire, len, cause);
}

int
store_shared(struct store *st)
{
	return st->be->head != NULL;
}

int
store_head(struct store *st, const char *incident, int create, int64_t *seq,
    char **cause)
{
	if (st->be->head == NULL) {
		*cause = xstrdup("the store has one writer");
		return -1;
	}
	return st->be->head(st, incident, create, seq, cause);
}

int64_t
store_incident_reserve(struct store *st, int64_t n, char **cause)
{
	if (st->be->reserve == NULL)
		return n;
	return st->be->reserve(st, n, cause);
}

int
store_notified(struct store *st, store_notify_fn *fn, void *arg,
    char **cause)
{
	if (st->be->notified == NULL)
		return 0;
	return st->be->notified(st, fn, arg, cause);
}

int
store_lost(struct store *st)
{
	return st->be->lost != NULL && st->be->lost(st);
}

int
store_renewed(struct store *st, const char *incident, const char *action,
    int64_t fence, char **cause)
{
	if (st->be->renewed == NULL)
		return 0;
	return st->be->renewed(st, incident, action, fence, cause);
}

int
store_notify_fd(struct store *st)
{
	if (st->be->notify_fd == NULL)
		return -1;
	return st->be->notify_fd(st);
}

int
store_leader(struct store *st, char **cause)
{
	if (st->be->leader == NULL)
		return 1;
	return st->be->leader(st, cause);
}

int
store_sample(struct store *st, const char *line, char **cause)
{
	if (st->be->sample == NULL)
		return 0;
	return st->be->sample(st, line, cause);
}

int
store_samples(struct store *st, store_sample_fn *fn, void *arg)
{
	if (st->be->samples == NULL)
		return 0;
	return st->be->samples(st, fn, arg);
}

int64_t
store_incident_for(struct store *st, const char *op, int64_t n, char **cause)
{
	if (st->be->incident_for == NULL)
		return store_incident_reserve(st, n, cause);
	return st->be->incident_for(st, op, n, cause);
}

int
store_duplicate(struct store *st)
{
	return st->be->duplicate != NULL && st->be->duplicate(st);
}
