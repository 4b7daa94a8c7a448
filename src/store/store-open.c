/*
 * Choosing the store's backend and calling it.  store_open reads the spec
 * once and hands the rest of the life of the store to the backend's table
 * (struct store_backend); every other store_* here is one indirect call.
 * Nothing here touches a database itself.
 */
#include <stdlib.h>
#include <string.h>

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

struct store *
store_open(const char *dir, const char *spec, char **cause)
{
	struct store	*st;
	char		*conn;

	if (spec == NULL || strcmp(spec, "sqlite") == 0)
		return store_sqlite_open(dir, cause);
	if ((conn = store_spec_pg(spec)) == NULL) {
		*cause = xasprintf("unknown store \"%s\" (sqlite, "
		    "postgres://..., postgres:CONNINFO)", spec);
		return NULL;
	}
	st = store_pg_open(conn, cause);
	free(conn);
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
	if (st != NULL)
		st->be->close(st);
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
