/*
 * Who a connection is: the hub, never the client, decides.
 *
 * Over the Unix socket a connection is its peer's login (SO_PEERCRED,
 * the uid mapped to its name; "uid-N" for a uid without one) and needs no
 * token.  Over TCP the hello must carry a token of a valid user of the
 * hub's users table (DIR/users.db, store-users.c): its name is the one in
 * the token, its secret must hash to the stored hash (checked in constant
 * time) and the user must not be revoked.  A hello that fails says why,
 * closes the connection and leaves nothing in any incident's log; the
 * hub's log says whence it came and why, never the token.
 *
 * The hello's user is who the connection acts as.  It is the
 * authenticated user unless the connection may act as others: a user
 * with the act-as right, or, on a private hub (--private, the CLI's
 * embedded hub), the hub's own uid over its socket.  Acting as another,
 * the authenticated user is recorded beside the actor of every event it
 * causes (the event's "by"); a hello naming another without the right
 * is refused.  At most connections-per-user connections of one
 * authenticated user are welcomed at once.
 *
 * The users are kept in memory and read again when the table changes
 * (store_users_changed): before every hello, so a revoked token is
 * refused at once, and at every tick, when each welcomed connection whose
 * user was revoked, whose token was replaced or whose act-as right was
 * taken away is told so and closed.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"
#include "store.h"

/* Read the users again; on failure keep the last and log why. */
static void
hub_auth_load(struct hub *hub)
{
	struct store_user	*u;
	size_t			 n;
	char			*cause;

	if (store_users_list(hub->users, &u, &n, &cause) != 0) {
		util_log("cannot read the users: %s", cause);
		free(cause);
		return;
	}
	store_users_free(hub->userv, hub->nusers);
	hub->userv = u;
	hub->nusers = n;
	hub->users_gen++;
}

/* Read the users again if they changed. */
static void
hub_auth_refresh(struct hub *hub)
{
	char	*cause;
	int	 rc;

	if ((rc = store_users_changed(hub->users, &cause)) < 0) {
		util_log("cannot ask if the users changed: %s", cause);
		free(cause);
		return;
	}
	if (rc == 1)
		hub_auth_load(hub);
}

int
hub_auth_open(struct hub *hub, char **cause)
{
	if ((hub->users = store_users_open(hub->cfg.data, cause)) == NULL)
		return -1;
	hub_auth_load(hub);
	hub->users_swept = hub->users_gen;
	return 0;
}

void
hub_auth_close(struct hub *hub)
{
	store_users_free(hub->userv, hub->nusers);
	hub->userv = NULL;
	hub->nusers = 0;
	store_users_close(hub->users);
	hub->users = NULL;
}

/* The user called name, revoked or not, or NULL. */
static const struct store_user *
hub_auth_find(struct hub *hub, const char *name)
{
	size_t	i;

	for (i = 0; i < hub->nusers; i++) {
		if (strcmp(hub->userv[i].name, name) == 0)
			return &hub->userv[i];
	}
	return NULL;
}

void
hub_auth_connected(struct hub *hub, struct hub_client *c)
{
	struct sockaddr_storage	ss;
	struct ucred		cr;
	socklen_t		sl = sizeof ss, cl = sizeof cr;
	int			fd = lws_get_socket_fd(c->wsi);

	(void)hub;
	c->peer_uid = -1;
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    ss.ss_family != AF_UNIX)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 &&
	    cl == sizeof cr)
		c->peer_uid = (int64_t)cr.uid;
	c->local = 1;
}

/* The login name of uid ("uid-N" if it has none); the caller frees. */
static char *
hub_auth_login(int64_t uid)
{
	struct passwd	 pw, *res = NULL;
	char		*buf, *name;
	long		 size = sysconf(_SC_GETPW_R_SIZE_MAX);

	if (size < 1024)
		size = 16384;
	buf = xmalloc((size_t)size);
	if (getpwuid_r((uid_t)uid, &pw, buf, (size_t)size, &res) == 0 &&
	    res != NULL && core_name_valid(pw.pw_name))
		name = xstrdup(pw.pw_name);
	else
		name = xasprintf("uid-%lld", (long long)uid);
	free(buf);
	return name;
}

/* Where c comes from, for the log: the peer's address or its uid. */
static void
hub_auth_whence(const struct hub_client *c, char *out, size_t len)
{
	if (c->local)
		snprintf(out, len, "the socket (uid %lld)",
		    (long long)c->peer_uid);
	else if (lws_get_peer_simple(c->wsi, out, len) == NULL)
		snprintf(out, len, "?");
}

/* May c, authenticated as login, act as another user? */
static int
hub_auth_may_act(struct hub *hub, const struct hub_client *c,
    const char *login)
{
	const struct store_user	*u;

	if (c->local && hub->cfg.private && c->peer_uid == (int64_t)geteuid())
		return 1;
	u = hub_auth_find(hub, login);
	return u != NULL && u->revoked == 0 && u->act_as;
}

/*
 * Who c is by its token: 0 with *login (the caller frees), or -1 with
 * *why for the client (the caller frees) and *log for the hub's log.
 */
static int
hub_auth_token(struct hub *hub, struct hub_client *c, const char *token,
    char **login, char **why, char **log)
{
	const struct store_user	*u;
	unsigned char		 secret[CORE_TOKEN_SECRET];
	unsigned char		 dummy[CORE_TOKEN_SALT], hash[CORE_HASH_LEN];
	char			*name, *cause;

	if (token == NULL || *token == '\0') {
		*why = xstrdup("this hub needs a token over TCP: set "
		    "$CONCORD_TOKEN, or token in concord.conf (an "
		    "administrator makes one with concordd user add NAME)");
		*log = xstrdup("no token");
		return -1;
	}
	if (core_token_parse(token, &name, secret, &cause) != 0) {
		*why = xasprintf("the token is not valid: %s", cause);
		*log = xasprintf("a malformed token: %s", cause);
		free(cause);
		return -1;
	}
	/* An unknown name costs the same hash: no telling names by time. */
	if ((u = hub_auth_find(hub, name)) == NULL) {
		memset(dummy, 0, sizeof dummy);
		core_token_hash(dummy, secret, hash);
	}
	if (u == NULL || !core_token_check(u->salt, u->hash, secret)) {
		*why = xstrdup("the token is not valid on this hub");
		*log = xasprintf("a wrong token for %s%s", name, u == NULL ?
		    " (no such user)" : "");
		free(name);
		explicit_bzero(secret, sizeof secret);
		return -1;
	}
	explicit_bzero(secret, sizeof secret);
	if (u->revoked != 0) {
		*why = xasprintf("the token of %s was revoked", name);
		*log = xasprintf("the revoked token of %s", name);
		free(name);
		return -1;
	}
	memcpy(c->salt, u->salt, sizeof c->salt);
	c->token = 1;
	*login = name;
	return 0;
}

/* Count the welcomed connections of login other than c. */
static size_t
hub_auth_count(struct hub *hub, const struct hub_client *c,
    const char *login)
{
	struct hub_client	*o;
	size_t			 n = 0;

	LIST_FOREACH(o, &hub->clients, entry) {
		if (o != c && !o->closing && o->login != NULL &&
		    strcmp(o->login, login) == 0)
			n++;
	}
	return n;
}

int
hub_auth_hello(struct hub *hub, struct hub_client *c,
    const struct proto_msg *m, const char **code, char **why)
{
	const struct store_user	*u;
	char			*login = NULL, *log = NULL, whence[128];

	hub_auth_refresh(hub);
	*code = "auth";
	if (c->local) {
		if (hub->cfg.private && c->peer_uid != (int64_t)geteuid()) {
			*why = xasprintf("this hub is private to uid %lld",
			    (long long)geteuid());
			log = xstrdup("another uid on a private hub");
			goto refuse;
		}
		login = hub_auth_login(c->peer_uid);
		if ((u = hub_auth_find(hub, login)) != NULL &&
		    u->revoked != 0) {
			*why = xasprintf("%s was revoked on this hub", login);
			log = xasprintf("%s, revoked", login);
			goto refuse;
		}
	} else if (hub_auth_token(hub, c, m->token, &login, why, &log) != 0)
		goto refuse;
	if (strcmp(m->user, login) != 0 && !hub_auth_may_act(hub, c, login)) {
		*code = "not-you";
		*why = xasprintf("you are %s here: acting as %s needs the "
		    "act-as right (concordd user grant %s act-as)", login,
		    m->user, login);
		log = xasprintf("%s asked to act as %s", login, m->user);
		goto refuse;
	}
	if (hub->cfg.user_connections > 0 && hub_auth_count(hub, c, login) >=
	    (size_t)hub->cfg.user_connections) {
		*code = "limit";
		*why = xasprintf("%s has %lld connections to this hub, the "
		    "most one user may have (connections-per-user)", login,
		    (long long)hub->cfg.user_connections);
		log = xasprintf("%s is at connections-per-user", login);
		goto refuse;
	}
	c->login = login;
	return 0;
refuse:
	hub_auth_whence(c, whence, sizeof whence);
	util_log("refused a hello from %s: %s", whence, log);
	hub->stat_refused++;
	free(log);
	free(login);
	return -1;
}

const char *
hub_auth_by(const struct hub_client *c)
{
	if (c->login == NULL || c->user == NULL ||
	    strcmp(c->login, c->user) == 0)
		return NULL;
	return c->login;
}

/* Does c's authentication still hold?  NULL, or why not (static). */
static const char *
hub_auth_holds(struct hub *hub, const struct hub_client *c)
{
	const struct store_user	*u = hub_auth_find(hub, c->login);

	if (c->token && (u == NULL || u->revoked != 0))
		return "was revoked";
	if (c->token && memcmp(u->salt, c->salt, sizeof c->salt) != 0)
		return "was given a new token";
	if (!c->token && u != NULL && u->revoked != 0)
		return "was revoked";
	if (hub_auth_by(c) != NULL && !hub_auth_may_act(hub, c, c->login))
		return "may no longer act as others";
	return NULL;
}

void
hub_auth_sweep(struct hub *hub)
{
	struct hub_client	*c;
	const char		*what;
	char			*msg;

	/* A hello may have read them first: sweep once per reading. */
	hub_auth_refresh(hub);
	if (hub->users_swept == hub->users_gen)
		return;
	hub->users_swept = hub->users_gen;
	LIST_FOREACH(c, &hub->clients, entry) {
		if (c->closing || c->login == NULL ||
		    (what = hub_auth_holds(hub, c)) == NULL)
			continue;
		util_log("closing the connection of %s%s%s: %s %s", c->user,
		    hub_auth_by(c) != NULL ? " by " : "",
		    hub_auth_by(c) != NULL ? c->login : "", c->login, what);
		msg = xasprintf("%s %s on this hub: the connection is closed",
		    c->login, what);
		hub_ws_send_error(c, "revoked", NULL, msg, PROTO_ERROR, 1);
		free(msg);
		if (c->subscribed && c->inc != NULL)
			hub_ws_presence(hub, c->inc);
	}
}
