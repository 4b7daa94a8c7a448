/*
 * The users of a hub: DIR/users.db, a SQLite file of its own beside the
 * store, with one row per user (name, the salt and hash of its token,
 * when it was made and revoked, and whether it may act as others).  The
 * hub holds the store's lock, not this file's, so `concordd user` adds,
 * revokes and grants while the hub runs, each change one short
 * transaction; the hub notices a change with PRAGMA data_version, which
 * moves whenever another connection commits, and reads the table again.
 * Only hashes are kept: the table gives nothing to connect with.  The
 * file is made mode 0600, in a directory made 0700, and kept in the
 * default rollback journal, so a reader never needs to write beside it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

struct store_users {
	sqlite3		*db;
	int64_t		 version;	/* data_version when last read */
};

static const char store_users_schema[] =
    "CREATE TABLE IF NOT EXISTS users ("
    " name TEXT PRIMARY KEY NOT NULL,"
    " salt BLOB NOT NULL,"
    " hash BLOB NOT NULL,"
    " created INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0,"
    " act_as INTEGER NOT NULL DEFAULT 0)";

static int
store_users_fail(struct store_users *su, const char *what, char **cause)
{
	*cause = xasprintf("users: %s: %s", what, sqlite3_errmsg(su->db));
	return -1;
}

/* PRAGMA data_version into *v; 0, or -1 with *cause. */
static int
store_users_version(struct store_users *su, int64_t *v, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(su->db, "PRAGMA data_version", -1, &s,
	    NULL) != SQLITE_OK)
		return store_users_fail(su, "data_version", cause);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_users_fail(su, "data_version", cause);
	return 0;
}

struct store_users *
store_users_open(const char *dir, char **cause)
{
	struct store_users	*su;
	char			*path;
	int			 fd;

	if (util_mkdirs(dir, 0700) != 0) {
		*cause = xasprintf("mkdir %s: %s", dir, strerror(errno));
		return NULL;
	}
	path = xasprintf("%s/users.db", dir);
	/* Made here first, so that it is never more than 0600. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		*cause = xasprintf("open %s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	su = xcalloc(1, sizeof *su);
	if (sqlite3_open_v2(path, &su->db, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK) {
		*cause = xasprintf("open %s: %s", path, sqlite3_errmsg(su->db));
		free(path);
		store_users_close(su);
		return NULL;
	}
	free(path);
	sqlite3_busy_timeout(su->db, 5000);
	if (sqlite3_exec(su->db, store_users_schema, NULL, NULL,
	    NULL) != SQLITE_OK) {
		store_users_fail(su, "creating the table", cause);
		store_users_close(su);
		return NULL;
	}
	if (store_users_version(su, &su->version, cause) != 0) {
		store_users_close(su);
		return NULL;
	}
	return su;
}

void
store_users_close(struct store_users *su)
{
	if (su == NULL)
		return;
	if (su->db != NULL)
		sqlite3_close(su->db);
	free(su);
}

int
store_users_changed(struct store_users *su, char **cause)
{
	int64_t	v;

	if (store_users_version(su, &v, cause) != 0)
		return -1;
	if (v == su->version)
		return 0;
	su->version = v;
	return 1;
}

/*
 * Run sql with name bound first and the rest of the integers after it,
 * in a transaction of its own that first checks the user exists (and is
 * not revoked, if live).  Returns 0, 1 if there is no such user, or -1
 * with *cause.
 */
static int
store_users_update(struct store_users *su, const char *sql, const char *name,
    int64_t arg, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_exec(su->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_users_fail(su, "begin", cause);
	if (sqlite3_prepare_v2(su->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_users_fail(su, "update", cause);
		sqlite3_exec(su->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	sqlite3_bind_int64(s, 1, arg);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_users_fail(su, "update", cause);
		sqlite3_exec(su->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_changes(su->db) == 0) {
		sqlite3_exec(su->db, "ROLLBACK", NULL, NULL, NULL);
		return 1;
	}
	if (sqlite3_exec(su->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_users_fail(su, "commit", cause);
		sqlite3_exec(su->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int
store_users_add(struct store_users *su, const struct store_user *u,
    char **cause)
{
	sqlite3_stmt	*s;
	int		 rc, live = 0;

	if (sqlite3_exec(su->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return store_users_fail(su, "begin", cause);
	if (sqlite3_prepare_v2(su->db, "SELECT revoked FROM users WHERE "
	    "name = ?", -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		live = sqlite3_column_int64(s, 0) == 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	if (live) {
		sqlite3_exec(su->db, "ROLLBACK", NULL, NULL, NULL);
		return 1;
	}
	if (sqlite3_prepare_v2(su->db, "INSERT OR REPLACE INTO users (name, "
	    "salt, hash, created, revoked, act_as) VALUES (?, ?, ?, ?, 0, ?)",
	    -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, u->salt, CORE_TOKEN_SALT, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, u->hash, CORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, u->created);
	sqlite3_bind_int(s, 5, u->act_as != 0);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE ||
	    sqlite3_exec(su->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	store_users_fail(su, "adding a user", cause);
	sqlite3_exec(su->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_users_revoke(struct store_users *su, const char *name, int64_t when,
    char **cause)
{
	return store_users_update(su, "UPDATE users SET revoked = ? WHERE "
	    "name = ? AND revoked = 0", name, when, cause);
}

int
store_users_right(struct store_users *su, const char *name, int act_as,
    char **cause)
{
	return store_users_update(su, "UPDATE users SET act_as = ? WHERE "
	    "name = ? AND revoked = 0", name, act_as != 0, cause);
}

int
store_users_list(struct store_users *su, struct store_user **out, size_t *n,
    char **cause)
{
	struct store_user	*u;
	sqlite3_stmt		*s;
	int			 rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(su->db, "SELECT name, salt, hash, created, "
	    "revoked, act_as FROM users ORDER BY name", -1, &s,
	    NULL) != SQLITE_OK)
		return store_users_fail(su, "listing the users", cause);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 1) != CORE_TOKEN_SALT ||
		    sqlite3_column_bytes(s, 2) != CORE_HASH_LEN ||
		    sqlite3_column_text(s, 0) == NULL)
			continue;	/* not a row this code made */
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		u = &(*out)[(*n)++];
		u->name = xstrdup((const char *)sqlite3_column_text(s, 0));
		memcpy(u->salt, sqlite3_column_blob(s, 1), CORE_TOKEN_SALT);
		memcpy(u->hash, sqlite3_column_blob(s, 2), CORE_HASH_LEN);
		u->created = sqlite3_column_int64(s, 3);
		u->revoked = sqlite3_column_int64(s, 4);
		u->act_as = sqlite3_column_int(s, 5) != 0;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_users_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_users_fail(su, "listing the users", cause);
	}
	return 0;
}

void
store_users_free(struct store_user *u, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(u[i].name);
	free(u);
}
