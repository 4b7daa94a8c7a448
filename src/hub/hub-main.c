/*
 * concordd: options, the configuration file, start-up and the event loop.
 *
 * Start-up order matters: the data directory is locked and the store
 * replayed (verifying every chain value) before any listener exists, and the
 * "listening" line is printed only once every listener accepts connections.
 * libwebsockets logs go to the hub's log file, never to a terminal.
 *
 * A TCP listener binds exactly the address asked for.  libwebsockets 4.1.6
 * opens an IPv6 socket whenever IPv6 is enabled for the vhost and then
 * parses an IPv4 literal into the wrong part of the IPv6 address, binding
 * [::], every interface; so the hub turns the host into one numeric address
 * itself and tells lws the family: an IPv4 address goes to a vhost with
 * IPv6 disabled, an IPv6 one to a vhost whose socket is IPv6-only, and an
 * empty host to one dual-stack socket on [::] (0.0.0.0 without IPv6).  The
 * listening line shows the address read back from the bound socket.
 *
 * With --cert and --key the TCP listener serves only TLS (1.2 or later),
 * the websocket and HTTP/1.1 alike (ALPN offers nothing else, so TLS
 * serves just what plaintext does), and the listening line says wss://; the
 * pair is checked (hub-tls.c) before the store is replayed, and a vhost
 * lws cannot set up with it ends the start-up, never a half-started hub.
 * The Unix socket is local and stays plaintext.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "hub.h"
#include "store.h"

static const char hub_usage[] =
    "usage: concordd [--socket PATH] [--listen HOST:PORT] [--data DIR]\n"
    "                [--store sqlite|postgres://...|postgres:CONNINFO]\n"
    "                [--cert FILE --key FILE] [--config FILE] [--log FILE]\n"
    "                [--lock-delay S] [--grace S] [--ttl S]\n"
    "                [--snapshot-after N] [--private]\n"
    "                [--rate N] [--burst N] [--connections-per-user N]\n"
    "                [--open-incidents-per-user N] [--hook-body-max BYTES]\n"
    "       concordd user add|list|revoke|grant ...\n"
    "\n"
    "The concord hub: orders, stores and fans out every incident's events.\n"
    "  --socket PATH     listen on a Unix socket\n"
    "  --listen H:P      listen on TCP at exactly host H: an IPv4 address,\n"
    "                    [IPv6 address], a name (its first address) or\n"
    "                    empty for every interface; port 0 picks a free\n"
    "                    port; the listening line shows the address and\n"
    "                    port bound (both listeners serve the websocket\n"
    "                    and GET /healthz and /metrics)\n"
    "  --cert FILE       serve TLS on the TCP listener (wss://, https://)\n"
    "                    with this PEM certificate (chain) ...\n"
    "  --key FILE        ... and its PEM private key (unencrypted, not\n"
    "                    readable by others); TLS 1.2 or later only; the\n"
    "                    Unix socket stays plaintext\n"
    "  --data DIR        store directory (default $XDG_STATE_HOME/concord)\n"
    "  --store S         where events are kept: sqlite (the default, in\n"
    "                    DIR), or PostgreSQL given a postgres:// URL,\n"
    "                    postgres: and a libpq connection string, or\n"
    "                    postgres: alone for the PG* environment\n"
    "  --config FILE     read settings (key = value lines) from FILE\n"
    "  --log FILE        log file (default DIR/concordd.log)\n"
    "  --lock-delay S    seconds an action stays unclaimable after a lease\n"
    "                    expires or is broken (default 5, 0 allowed)\n"
    "  --grace S         leases held at a restart last at least S more\n"
    "                    seconds (default 30, at least one lease TTL)\n"
    "  --ttl S           default lease TTL in seconds (default 30, min 1)\n"
    "  --snapshot-after N  a client that accepts snapshots and is more than\n"
    "                    N events behind gets one (default 10000)\n"
    "  --private         serve the socket's own user alone (the uid the\n"
    "                    hub runs as), who may act as anyone; no --listen\n"
    "  --rate N          messages a second read from a connection (default\n"
    "                    50; 0: no limit); a faster one is slowed and told\n"
    "  --burst N         ... and read at once after a pause (default 100)\n"
    "  --connections-per-user N  connections one user may have (default\n"
    "                    32; 0: no limit)\n"
    "  --open-incidents-per-user N  incidents one user may have open\n"
    "                    (default 20; 0: no limit)\n"
    "  --hook-body-max BYTES  largest webhook body (default and most 1 MiB)\n"
    "\n"
    "Over TCP every client needs a token; over the socket a client is its\n"
    "login user.  Users and tokens (in DIR/users.db, changed while the hub\n"
    "runs; revoking closes the user's connections):\n"
    "  concordd user add NAME [--act-as]   make NAME and print its token once\n"
    "  concordd user list                  names, when made and revoked\n"
    "  concordd user revoke NAME [act-as]  revoke NAME, or only its right\n"
    "  concordd user grant NAME act-as     let NAME act as others (--as)\n"
    "each with [--data DIR] [--config FILE] to find the store.\n";

/*
 * A signal only sets a flag: poll returns EINTR and the loop looks at it; a
 * signal that lands just before poll is seen at the next 250 ms tick.
 */
static volatile sig_atomic_t	hub_stop;

static void
hub_main_signal(int sig)
{
	(void)sig;
	hub_stop = 1;
}

static void
hub_main_tick(lws_sorted_usec_list_t *sul)
{
	struct hub	*hub = lws_container_of(sul, struct hub, tick_sul);

	++hub->ticks;
	hub_auth_sweep(hub);
	hub_ws_tick(hub, hub->ticks % (1000 / HUB_TICK) == 0);
	hub_tele_sync(hub);
	hub_tele_heard(hub);
	lws_sul_schedule(hub->ctx, 0, sul, hub_main_tick, HUB_TICK * 1000);
}

static void
hub_lws_log(int level, const char *line)
{
	size_t	n = strlen(line);

	(void)level;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	util_log("lws: %.*s", (int)n, line);
}

/* The settings that are counts, and their bounds. */
static const struct {
	const char	*key;
	size_t		 off;
	int64_t		 min;
	int64_t		 max;
} hub_counts[] = {
	{ "snapshot-after", offsetof(struct hub_config, snapshot_after), 0,
	  INT64_MAX },
	{ "rate", offsetof(struct hub_config, rate), 0, HUB_RATE_MAX },
	{ "burst", offsetof(struct hub_config, burst), 1, HUB_RATE_MAX },
	{ "connections-per-user", offsetof(struct hub_config,
	  user_connections), 0, INT32_MAX },
	{ "open-incidents-per-user", offsetof(struct hub_config,
	  user_incidents), 0, INT32_MAX },
	{ "hook-body-max", offsetof(struct hub_config, hook_body_max), 1,
	  PROTO_MON_BODY_MAX },
};

static int
hub_set(struct hub_config *cfg, const char *key, const char *val, char **cause)
{
	int64_t	 ms, *slot64;
	char	**slot = NULL;
	size_t	 i;
	int	 rc;

	if ((rc = hub_tele_config(cfg, key, val, cause)) != 1)
		return rc;
	if (strncmp(key, "allow.", 6) == 0)
		return core_authz_set(&cfg->authz, key + 6, val, cause);
	if (strcmp(key, "socket") == 0)
		slot = &cfg->socket;
	else if (strcmp(key, "listen") == 0)
		slot = &cfg->listen;
	else if (strcmp(key, "data") == 0)
		slot = &cfg->data;
	else if (strcmp(key, "store") == 0) {
		if (!store_spec_valid(val)) {
			*cause = xasprintf("store: \"%s\" is not a store "
			    "(sqlite, postgres://..., postgres:CONNINFO)", val);
			return -1;
		}
		slot = &cfg->store;
	}
	else if (strcmp(key, "log") == 0)
		slot = &cfg->log;
	else if (strcmp(key, "band") == 0)
		slot = &cfg->band;
	else if (strcmp(key, "hook-token") == 0)
		slot = &cfg->hook_token;
	else if (strcmp(key, "hook-incident") == 0)
		slot = &cfg->hook_incident;
	else if (strcmp(key, "cert") == 0)
		slot = &cfg->cert;
	else if (strcmp(key, "key") == 0)
		slot = &cfg->key;
	if (slot != NULL) {
		free(*slot);
		*slot = xstrdup(val);
		return 0;
	}
	if (strcmp(key, "private") == 0) {
		if (val == NULL || strcmp(val, "yes") == 0)
			cfg->private = 1;
		else if (strcmp(val, "no") == 0)
			cfg->private = 0;
		else {
			*cause = xasprintf("%s: \"%s\" is not yes or no", key,
			    val);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < sizeof hub_counts / sizeof hub_counts[0]; i++) {
		if (strcmp(key, hub_counts[i].key) != 0)
			continue;
		slot64 = (int64_t *)((char *)cfg + hub_counts[i].off);
		if (util_num_parse(val, hub_counts[i].min, hub_counts[i].max,
		    slot64) != 0) {
			*cause = xasprintf("%s: \"%s\" is not a count from "
			    "%lld to %lld", key, val,
			    (long long)hub_counts[i].min,
			    (long long)hub_counts[i].max);
			return -1;
		}
		return 0;
	}
	if (util_duration_parse(val, &ms) != 0) {
		*cause = xasprintf("%s: \"%s\" is not a duration in seconds",
		    key, val);
		return -1;
	}
	if (strcmp(key, "lock-delay") == 0)
		cfg->lock_delay = ms;
	else if (strcmp(key, "grace") == 0)
		cfg->grace = ms;
	else if (strcmp(key, "ttl") == 0) {
		if (ms < CORE_TTL_MIN || ms > CORE_TTL_MAX) {
			*cause = xstrdup("ttl: a lease lasts 1 s to 24 h");
			return -1;
		}
		cfg->ttl = ms;
	} else {
		*cause = xasprintf("unknown setting \"%s\"", key);
		return -1;
	}
	return 0;
}

/* Log every right the configuration gives otherwise than the default. */
static void
hub_main_authz(const struct hub_config *cfg)
{
	const struct core_authz	*dflt = core_authz_default();
	char			*words;
	int			 r;

	for (r = 0; r < CORE_RIGHT_COUNT; r++) {
		if (memcmp(&cfg->authz.grant[r], &dflt->grant[r],
		    sizeof dflt->grant[r]) == 0)
			continue;
		words = core_authz_words(&cfg->authz.grant[r]);
		util_log("authorisation: allow.%s = %s", core_right_name(r),
		    words);
		free(words);
	}
}

static int
hub_config_set(const char *key, const char *value, void *arg, char **why)
{
	return hub_set(arg, key, value, why);
}

static int
hub_config_read(struct hub_config *cfg, const char *path, char **cause)
{
	return util_conf_read(path, 0, hub_config_set, cfg, cause);
}

/* A TCP listener: where --listen asked to bind. */
struct hub_listen {
	char	*addr;		/* numeric address; NULL: every interface */
	int	 family;	/* of addr; AF_UNSPEC for every interface */
	int	 port;
	char	*resolved;	/* how a host name was resolved, or NULL */
};

static void
hub_listen_clear(struct hub_listen *l)
{
	free(l->addr);
	free(l->resolved);
	memset(l, 0, sizeof *l);
}

/*
 * Resolve a host name to its first address (numeric, without a scope: lws
 * finds the interface from the address).  Returns 0, or -1 with *cause.
 */
static int
hub_listen_resolve(const char *host, struct hub_listen *l, char **cause)
{
	struct addrinfo	 hints, *res, *ai;
	struct buf	 others;
	char		 num[NI_MAXHOST];
	int		 rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		*cause = xasprintf("cannot resolve %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	util_buf_init(&others);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof num,
		    NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		num[strcspn(num, "%")] = '\0';
		if (l->addr == NULL) {
			l->addr = xstrdup(num);
			l->family = ai->ai_family;
		} else
			util_buf_printf(&others, " %s", num);
	}
	freeaddrinfo(res);
	if (l->addr == NULL) {
		util_buf_clear(&others);
		*cause = xasprintf("%s has no IPv4 or IPv6 address", host);
		return -1;
	}
	if (others.len > 0)
		l->resolved = xasprintf("%s is %s (not bound:%s)", host,
		    l->addr, others.data);
	else
		l->resolved = xasprintf("%s is %s", host, l->addr);
	util_buf_clear(&others);
	return 0;
}

/*
 * Parse HOST:PORT, [IPV6]:PORT or :PORT into l.  Returns 0, or -1 with
 * *cause.
 */
static int
hub_listen_parse(const char *spec, struct hub_listen *l, char **cause)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	char		*host, *end, *port;
	int64_t		 n;
	int		 rc = -1;

	memset(l, 0, sizeof *l);
	host = xstrdup(spec);
	if (*host == '[') {
		if ((end = strchr(host, ']')) == NULL || end[1] != ':') {
			*cause = xstrdup("an IPv6 address is written "
			    "[ADDRESS]:PORT");
			goto out;
		}
		*end = '\0';
		port = end + 2;
		if (inet_pton(AF_INET6, host + 1, &a6) != 1) {
			*cause = xasprintf("%s is not an IPv6 address",
			    host + 1);
			goto out;
		}
		l->addr = xstrdup(host + 1);
		l->family = AF_INET6;
	} else {
		if ((end = strrchr(host, ':')) == NULL) {
			*cause = xstrdup("expected HOST:PORT, [IPV6]:PORT or "
			    ":PORT");
			goto out;
		}
		*end = '\0';
		port = end + 1;
		if (strchr(host, ':') != NULL) {
			*cause = xasprintf("an IPv6 address goes in brackets, "
			    "as [%s]:%s", host, port);
			goto out;
		}
	}
	if (util_num_parse(port, 0, 65535, &n) != 0) {
		*cause = xasprintf("\"%s\" is not a port (0 to 65535)", port);
		goto out;
	}
	l->port = (int)n;
	if (l->family == AF_INET6)
		rc = 0;
	else if (*host == '\0') {
		l->family = AF_UNSPEC;
		rc = 0;
	} else if (inet_pton(AF_INET, host, &a4) == 1) {
		l->addr = xstrdup(host);
		l->family = AF_INET;
		rc = 0;
	} else
		rc = hub_listen_resolve(host, l, cause);
out:
	free(host);
	if (rc != 0)
		hub_listen_clear(l);
	return rc;
}

/* Can this system make IPv6 sockets? */
static int
hub_listen_ipv6(void)
{
	int	fd;

	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1)
		return 0;
	close(fd);
	return 1;
}

/* The lws vhost options that make it bind l exactly. */
static uint64_t
hub_listen_options(const struct hub_listen *l)
{
	uint64_t	o = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;

	switch (l->family) {
	case AF_INET6:
		return o | LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY |
		    LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
	case AF_UNSPEC:
		if (hub_listen_ipv6())	/* dual-stack: IPv4 as well */
			return o | LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY;
		return o | LWS_SERVER_OPTION_DISABLE_IPV6;
	default:
		return o | LWS_SERVER_OPTION_DISABLE_IPV6;
	}
}

/*
 * Why lws could not listen on l: bind a socket the same way and return
 * the error (a static string), or NULL if that works.
 */
static const char *
hub_listen_why(const struct hub_listen *l)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	const char		*why = NULL;
	int			 fd, on = 1, family = l->family;

	if (family == AF_UNSPEC)
		family = hub_listen_ipv6() ? AF_INET6 : AF_INET;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->port);
		if (l->addr != NULL &&
		    inet_pton(AF_INET6, l->addr, &s6->sin6_addr) != 1)
			return why;
		sl = sizeof *s6;
	} else {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->port);
		if (l->addr != NULL &&
		    inet_pton(AF_INET, l->addr, &s4->sin_addr) != 1)
			return why;
		sl = sizeof *s4;
	}
	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return strerror(errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (family == AF_INET6 && l->addr != NULL)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(fd, 1) != 0)
		why = strerror(errno);
	close(fd);
	return why;
}

/*
 * The address the TCP listener is bound to, as SCHEME://ADDRESS:PORT (the
 * caller frees it), or NULL if it cannot be found.  lws 4.1.6 does not hand
 * out a vhost's listening socket, but it is this process's only TCP socket
 * that listens, and at start-up only low descriptors are open: look there.
 */
static char *
hub_listen_bound(const char *scheme, int port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl, ol;
	char			 host[NI_MAXHOST], serv[NI_MAXSERV];
	int			 fd, on;

	for (fd = 0; fd < 1024; fd++) {
		ol = sizeof on;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) != 0 ||
		    !on)
			continue;
		sl = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host,
		    serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0 ||
		    atoi(serv) != port)
			continue;
		if (ss.ss_family == AF_INET6)
			return xasprintf("%s://[%s]:%s", scheme, host, serv);
		return xasprintf("%s://%s:%s", scheme, host, serv);
	}
	return NULL;
}

/* What l asked for, as SCHEME://ADDRESS:PORT; the caller frees it. */
static char *
hub_listen_asked(const char *scheme, const struct hub_listen *l)
{
	if (l->family == AF_INET6)
		return xasprintf("%s://[%s]:%d", scheme, l->addr, l->port);
	if (l->family == AF_INET)
		return xasprintf("%s://%s:%d", scheme, l->addr, l->port);
	if (hub_listen_ipv6())
		return xasprintf("%s://[::]:%d", scheme, l->port);
	return xasprintf("%s://0.0.0.0:%d", scheme, l->port);
}

/*
 * Raise the soft limit on open files to the hard limit, at most HUB_NOFILE:
 * every connection is a descriptor, and lws sizes its tables (and refuses
 * connections past them) by the soft limit when the context is created.
 */
static void
hub_main_nofile(void)
{
	struct rlimit	rl;
	rlim_t		want = HUB_NOFILE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur < want ||
	    rl.rlim_cur > HUB_NOFILE_MAX) {
		/* lws takes a limit past HUB_NOFILE_MAX for a mistake. */
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			util_log("cannot raise the open file limit to %llu: %s",
			    (unsigned long long)want, strerror(errno));
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	util_log("open file limit %llu", (unsigned long long)rl.rlim_cur);
	if (rl.rlim_cur < HUB_CLIENTS_MIN + 64)
		util_log("warning: an open file limit of %llu leaves room "
		    "for fewer than %d connections (raise the hard limit)",
		    (unsigned long long)rl.rlim_cur, HUB_CLIENTS_MIN);
}

static struct lws_vhost *
hub_vhost(struct hub *hub, const char *name, const char *iface, int port,
    uint64_t options)
{
	/*
	 * No lws pings or hang-ups (both 0): the pong to lws 4.1.6's empty
	 * ping never reaches the protocol's callback, and its hang-up counts
	 * pongs alone, so the hub pings and hangs up itself (hub_ws_tick),
	 * counting every frame a client sends as a sign of life.
	 */
	static const uint32_t		 backoff[] = { 1000 };
	static const lws_retry_bo_t	 policy = {
		.retry_ms_table = backoff,
		.retry_ms_table_count = 1,
		.secs_since_valid_ping = 0,
		.secs_since_valid_hangup = 0,
	};
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof info);
	info.vhost_name = name;
	info.protocols = hub_ws_protocols;
	info.iface = iface;
	info.port = port;
	info.options = options;
	info.retry_and_idle_policy = &policy;
	info.keepalive_timeout = 5;
	info.timeout_secs = 10;
	if ((options & LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT) != 0) {
		info.ssl_cert_filepath = hub->cfg.cert;
		info.ssl_private_key_filepath = hub->cfg.key;
		info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
		    SSL_OP_NO_TLSv1_1;
		/* HTTP/1.1 alone, as in plaintext: lws would offer h2. */
		info.alpn = "http/1.1";
	}
	return lws_create_vhost(hub->ctx, &info);
}

int
hub_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "store", required_argument, NULL, 'T' },
		{ "config", required_argument, NULL, 'c' },
		{ "log", required_argument, NULL, 'L' },
		{ "lock-delay", required_argument, NULL, 'D' },
		{ "grace", required_argument, NULL, 'g' },
		{ "ttl", required_argument, NULL, 't' },
		{ "snapshot-after", required_argument, NULL, 'S' },
		{ "cert", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'K' },
		{ "private", no_argument, NULL, 'P' },
		{ "rate", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "connections-per-user", required_argument, NULL, 'C' },
		{ "open-incidents-per-user", required_argument, NULL, 'O' },
		{ "hook-body-max", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hub			 hub;
	struct lws_context_creation_info info;
	struct lws_vhost		*vh;
	const char			*config = NULL;
	struct hub_listen		 tcp;
	char				*cause = NULL, *where;
	const char			*scheme, *why;
	uint64_t			 tls;
	int				 ch, i;
	struct buf			 listening;

	util_set_progname("concordd");
	if (argc > 1 && strcmp(argv[1], "user") == 0)
		return hub_user_main(argc - 1, argv + 1);
	memset(&hub, 0, sizeof hub);
	memset(&tcp, 0, sizeof tcp);
	hub.cfg.lock_delay = 5000;
	hub.cfg.grace = 30000;
	hub.cfg.ttl = CORE_TTL_DEFAULT;
	hub.cfg.snapshot_after = PROTO_SNAPSHOT_AFTER;
	hub.cfg.authz = *core_authz_default();
	hub.cfg.rate = HUB_RATE;
	hub.cfg.burst = HUB_BURST;
	hub.cfg.user_connections = HUB_USER_CONNECTIONS;
	hub.cfg.user_incidents = HUB_USER_INCIDENTS;
	hub.cfg.hook_body_max = PROTO_MON_BODY_MAX;
	STAILQ_INIT(&hub.incidents);
	STAILQ_INIT(&hub.pending);
	LIST_INIT(&hub.clients);
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			fputs(hub_usage, stdout);
			return 0;
		case '?':
			fputs(hub_usage, stderr);
			return 1;
		default:
			break;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "concordd: unexpected argument %s\n%s",
		    argv[optind], hub_usage);
		return 1;
	}
	if (config != NULL && hub_config_read(&hub.cfg, config, &cause) != 0) {
		fprintf(stderr, "concordd: %s\n", cause);
		return 1;
	}
	/* Command-line settings override the configuration file. */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, &i)) != -1) {
		if (ch == 'c' || ch == 'h' || ch == '?')
			continue;
		if (hub_set(&hub.cfg, longopts[i].name, optarg, &cause) != 0) {
			fprintf(stderr, "concordd: --%s\n", cause);
			return 1;
		}
	}
	if (hub_tele_config_check(&hub.cfg, &cause) != 0) {
		fprintf(stderr, "concordd: %s%s%s\n", config != NULL ? config :
		    "", config != NULL ? ": " : "", cause);
		return 1;
	}
	if (hub.cfg.socket == NULL && hub.cfg.listen == NULL) {
		fprintf(stderr, "concordd: nothing to listen on: give --socket "
		    "or --listen\n");
		return 1;
	}
	if (hub.cfg.private && hub.cfg.listen != NULL) {
		fprintf(stderr, "concordd: a private hub listens on its socket "
		    "alone: no --listen\n");
		return 1;
	}
	if (hub.cfg.listen != NULL &&
	    hub_listen_parse(hub.cfg.listen, &tcp, &cause) != 0) {
		fprintf(stderr, "concordd: cannot listen on \"%s\": %s\n",
		    hub.cfg.listen, cause);
		return 1;
	}
	if (hub.cfg.grace < hub.cfg.ttl)
		hub.cfg.grace = hub.cfg.ttl;
	if (hub.cfg.data == NULL)
		hub.cfg.data = util_state_dir();
	if (hub.cfg.log == NULL)
		hub.cfg.log = xasprintf("%s/concordd.log", hub.cfg.data);

	signal(SIGPIPE, SIG_IGN);
	if ((hub.store = store_open(hub.cfg.data, hub.cfg.store,
	    &cause)) == NULL) {
		fprintf(stderr, "concordd: %s\n", cause);
		return 1;
	}
	util_log_open(hub.cfg.log);
	util_log("starting %s, data %s, store %s", HUB_VERSION, hub.cfg.data,
	    store_kind(hub.store));
	hub_main_authz(&hub.cfg);
	if (hub_auth_open(&hub, &cause) != 0) {
		fprintf(stderr, "concordd: %s\n", cause);
		util_log("%s", cause);
		return 1;
	}
	hub_main_nofile();
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE, hub_lws_log);
	if (hub_tls_check(&hub.cfg, &cause) != 0) {
		fprintf(stderr, "concordd: %s\n", cause);
		util_log("cannot serve TLS: %s", cause);
		return 1;
	}
	tls = hub.cfg.cert != NULL ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
	scheme = tls != 0 ? "wss" : "ws";
	if (hub_state_load(&hub, &cause) != 0) {
		fprintf(stderr, "concordd: cannot recover the store: %s\n",
		    cause);
		util_log("cannot recover the store: %s", cause);
		return 1;
	}

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | tls;
	info.user = &hub;
	info.port = CONTEXT_PORT_NO_LISTEN;
	if ((hub.ctx = lws_create_context(&info)) == NULL) {
		fprintf(stderr, "concordd: cannot create the event loop\n");
		return 1;
	}
	util_buf_init(&listening);
	util_buf_adds(&listening, "concordd: listening on");
	if (hub.cfg.socket != NULL) {
		if (util_mkparent(hub.cfg.socket, 0700) != 0 ||
		    hub_vhost(&hub, "unix", hub.cfg.socket, 0,
		    LWS_SERVER_OPTION_UNIX_SOCK) == NULL) {
			fprintf(stderr, "concordd: cannot listen on %s\n",
			    hub.cfg.socket);
			return 1;
		}
		util_buf_printf(&listening, " unix:%s", hub.cfg.socket);
	}
	if (hub.cfg.listen != NULL) {
		if (tcp.resolved != NULL)
			util_log("listen: %s", tcp.resolved);
		if ((vh = hub_vhost(&hub, "tcp", tcp.addr, tcp.port,
		    hub_listen_options(&tcp) | tls)) == NULL) {
			if ((why = hub_listen_why(&tcp)) != NULL)
				fprintf(stderr, "concordd: cannot listen on "
				    "\"%s\": %s\n", hub.cfg.listen, why);
			else if (tls != 0)
				fprintf(stderr, "concordd: cannot serve TLS on "
				    "\"%s\" with %s and %s (see the log)\n",
				    hub.cfg.listen, hub.cfg.cert, hub.cfg.key);
			else
				fprintf(stderr, "concordd: cannot listen on "
				    "\"%s\": the listener could not be "
				    "created (see the log)\n", hub.cfg.listen);
			return 1;
		}
		tcp.port = lws_get_vhost_listen_port(vh);
		if ((where = hub_listen_bound(scheme, tcp.port)) == NULL)
			where = hub_listen_asked(scheme, &tcp);
		util_buf_printf(&listening, " %s", where);
		free(where);
	}
	hub_elect_start(&hub);
	hub_state_leases(&hub);
	hub_tele_start(&hub);
	where = util_buf_steal(&listening);
	util_log("%s", where);
	printf("%s\n", where);
	fflush(stdout);
	free(where);

	signal(SIGTERM, hub_main_signal);
	signal(SIGINT, hub_main_signal);
	hub_main_tick(&hub.tick_sul);
	hub_state_listen(&hub);
	while (!hub_stop && lws_service(hub.ctx, 0) >= 0)
		;
	util_log("shutting down on a signal");
	hub_state_commit(&hub);
	lws_sul_cancel(&hub.tick_sul);
	lws_sul_cancel(&hub.lease_sul);
	lws_sul_cancel(&hub.commit_sul);
	lws_sul_cancel(&hub.notify_sul);
	hub_elect_stop(&hub);
	hub_tele_stop(&hub);
	lws_context_destroy(hub.ctx);
	hub_listen_clear(&tcp);		/* the vhost pointed at tcp.addr */
	hub_ws_free(&hub);
	hub_state_free(&hub);
	hub_auth_close(&hub);
	store_close(hub.store);
	util_log_close();
	free(hub.cfg.socket);
	free(hub.cfg.listen);
	free(hub.cfg.data);
	free(hub.cfg.store);
	free(hub.cfg.log);
	free(hub.cfg.band);
	free(hub.cfg.hook_token);
	free(hub.cfg.hook_incident);
	free(hub.cfg.cert);
	free(hub.cfg.key);
	hub_tele_config_clear(&hub.cfg);
	return 0;
}
