/*
 * concordd user: the hub's users and their tokens, kept in DIR/users.db
 * (store-users.c) beside the store.  Each subcommand is one short
 * transaction on that file, never on the store, so it works while the
 * hub runs: the hub sees the change at its next tick (a revoked user's
 * connections are closed then) and before every hello.
 *
 * add prints the user's token once, on standard output alone, and keeps
 * only a salted hash of its secret: a token cannot be shown again, only
 * replaced (revoke, then add again).  The secret is 32 bytes from the
 * kernel's random source (getrandom).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub.h"
#include "store.h"

static const char hub_user_usage[] =
    "usage: concordd user add NAME [--act-as] [--data DIR | --config FILE]\n"
    "       concordd user list [--data DIR | --config FILE]\n"
    "       concordd user revoke NAME [act-as] [--data DIR | --config FILE]\n"
    "       concordd user grant NAME act-as [--data DIR | --config FILE]\n"
    "\n"
    "  add NAME          make user NAME and print its token (once: only a\n"
    "                    hash is kept); a revoked NAME gets a new token\n"
    "  --act-as          NAME may act as other users (concord --as)\n"
    "  list              every user: when made, when revoked, its rights\n"
    "  revoke NAME       NAME's token no longer works; its connections are\n"
    "                    closed within a second\n"
    "  revoke NAME act-as  take away only the right to act as others\n"
    "  grant NAME act-as   let NAME act as other users\n"
    "  --data DIR        the hub's data directory (default\n"
    "                    $XDG_STATE_HOME/concord)\n"
    "  --config FILE     the hub's configuration, for its data directory\n";

/* The configuration's data directory, if it sets one. */
static int
hub_user_conf(const char *key, const char *value, void *arg, char **why)
{
	char	**data = arg;

	(void)why;
	if (strcmp(key, "data") == 0) {
		free(*data);
		*data = xstrdup(value);
	}
	return 0;
}

static void
hub_user_time(int64_t ms, char *out, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL)
		snprintf(out, len, "%lld", (long long)ms);
	else
		strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static int
hub_user_add(struct store_users *su, const char *name, int act_as)
{
	struct store_user	 u;
	unsigned char		 secret[CORE_TOKEN_SECRET];
	char			*token, *cause;
	int			 rc;

	memset(&u, 0, sizeof u);
	u.name = (char *)name;
	u.created = util_clock_wall_ms();
	u.act_as = act_as;
	util_random_bytes(u.salt, sizeof u.salt);
	util_random_bytes(secret, sizeof secret);
	core_token_hash(u.salt, secret, u.hash);
	token = core_token_make(name, secret);
	explicit_bzero(secret, sizeof secret);
	if ((rc = store_users_add(su, &u, &cause)) != 0) {
		if (rc == 1)
			fprintf(stderr, "concordd: user %s exists (revoke it "
			    "first to give it a new token)\n", name);
		else {
			fprintf(stderr, "concordd: %s\n", cause);
			free(cause);
		}
		explicit_bzero(token, strlen(token));
		free(token);
		return 1;
	}
	printf("%s\n", token);
	fflush(stdout);
	explicit_bzero(token, strlen(token));
	free(token);
	fprintf(stderr, "concordd: added %s%s; its token is shown once, "
	    "above, and only its hash is kept\n", name,
	    act_as ? " (may act as others)" : "");
	return 0;
}

static int
hub_user_list(struct store_users *su)
{
	struct store_user	*u;
	size_t			 n, i;
	char			*cause, made[32], gone[32];

	if (store_users_list(su, &u, &n, &cause) != 0) {
		fprintf(stderr, "concordd: %s\n", cause);
		free(cause);
		return 1;
	}
	for (i = 0; i < n; i++) {
		hub_user_time(u[i].created, made, sizeof made);
		if (u[i].revoked != 0)
			hub_user_time(u[i].revoked, gone, sizeof gone);
		printf("%-20s  created %s  %s%s%s\n", u[i].name, made,
		    u[i].revoked != 0 ? "revoked " : "valid",
		    u[i].revoked != 0 ? gone : "",
		    u[i].act_as && u[i].revoked == 0 ? "  act-as" : "");
	}
	store_users_free(u, n);
	return 0;
}

/* Revoke name, or (right) only its act-as right; or grant the right. */
static int
hub_user_change(struct store_users *su, const char *verb, const char *name,
    int right)
{
	char	*cause;
	int	 rc;

	if (strcmp(verb, "grant") == 0)
		rc = store_users_right(su, name, 1, &cause);
	else if (right)
		rc = store_users_right(su, name, 0, &cause);
	else
		rc = store_users_revoke(su, name, util_clock_wall_ms(), &cause);
	if (rc == 1) {
		fprintf(stderr, "concordd: no valid user %s\n", name);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "concordd: %s\n", cause);
		free(cause);
		return 1;
	}
	if (strcmp(verb, "grant") == 0)
		fprintf(stderr, "concordd: %s may act as others\n", name);
	else if (right)
		fprintf(stderr, "concordd: %s may no longer act as others\n",
		    name);
	else
		fprintf(stderr, "concordd: revoked %s\n", name);
	return 0;
}

int
hub_user_main(int argc, char **argv)
{
	struct store_users	*su;
	const char		*verb, *name = NULL, *right = NULL;
	char			*data = NULL, *config = NULL, *cause = NULL;
	int			 i, act_as = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(hub_user_usage, stdout);
			return 0;
		}
	}
	if (argc < 2)
		goto usage;
	verb = argv[1];
	for (i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "--data") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			if (strcmp(argv[i], "--data") == 0) {
				free(data);
				data = xstrdup(argv[++i]);
			} else
				config = argv[++i];
		} else if (strcmp(argv[i], "--act-as") == 0)
			act_as = 1;
		else if (argv[i][0] == '-')
			goto usage;
		else if (name == NULL)
			name = argv[i];
		else if (right == NULL)
			right = argv[i];
		else
			goto usage;
	}
	if (strcmp(verb, "list") == 0) {
		if (name != NULL || act_as)
			goto usage;
	} else if (strcmp(verb, "add") == 0) {
		if (name == NULL || right != NULL)
			goto usage;
	} else if (strcmp(verb, "revoke") == 0 || strcmp(verb, "grant") == 0) {
		if (name == NULL || act_as ||
		    (right != NULL && strcmp(right, "act-as") != 0) ||
		    (strcmp(verb, "grant") == 0 && right == NULL))
			goto usage;
	} else
		goto usage;
	if (name != NULL && (!core_name_valid(name) ||
	    strcmp(name, CORE_ACTOR_HUB) == 0)) {
		fprintf(stderr, "concordd: bad user name \"%s\": 1-%d of A-Z "
		    "a-z 0-9 . _ @ -, and not %s\n", name, CORE_NAME_MAX,
		    CORE_ACTOR_HUB);
		free(data);
		return 1;
	}
	if (data == NULL && config != NULL && util_conf_read(config, 0,
	    hub_user_conf, &data, &cause) != 0) {
		fprintf(stderr, "concordd: %s\n", cause);
		free(cause);
		free(data);
		return 1;
	}
	if (data == NULL)
		data = util_state_dir();
	if ((su = store_users_open(data, &cause)) == NULL) {
		fprintf(stderr, "concordd: %s\n", cause);
		free(cause);
		free(data);
		return 1;
	}
	if (strcmp(verb, "add") == 0)
		rc = hub_user_add(su, name, act_as);
	else if (strcmp(verb, "list") == 0)
		rc = hub_user_list(su);
	else
		rc = hub_user_change(su, verb, name, right != NULL);
	store_users_close(su);
	free(data);
	return rc;
usage:
	fputs(hub_user_usage, stderr);
	free(data);
	return 1;
}
