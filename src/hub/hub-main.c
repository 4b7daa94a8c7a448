/*
 * concordd: options, the configuration file, start-up and the event loop.
 *
 * Start-up order matters: the data directory is locked and the store
 * replayed (verifying every chain value) before any listener exists, and the
 * "listening" line is printed only once every listener accepts connections.
 * libwebsockets logs go to the hub's log file, never to a terminal.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"
#include "store.h"

static const char hub_usage[] =
    "usage: concordd [--socket PATH] [--listen HOST:PORT] [--data DIR]\n"
    "                [--config FILE] [--log FILE] [--lock-delay S]\n"
    "                [--grace S] [--ttl S] [--snapshot-after N]\n"
    "                [--deliver-outbox]\n"
    "\n"
    "The concord hub: orders, stores and fans out every incident's events.\n"
    "  --socket PATH     listen on a Unix socket\n"
    "  --listen H:P      listen on TCP; port 0 picks a free port, printed on\n"
    "                    the listening line (both listeners serve the\n"
    "                    websocket and GET /healthz and /metrics)\n"
    "  --data DIR        store directory (default $XDG_STATE_HOME/concord)\n"
    "  --config FILE     read settings (key = value lines) from FILE\n"
    "  --log FILE        log file (default DIR/concordd.log)\n"
    "  --lock-delay S    seconds an action stays unclaimable after a lease\n"
    "                    expires or is broken (default 5, 0 allowed)\n"
    "  --grace S         leases held at a restart last at least S more\n"
    "                    seconds (default 30, at least one lease TTL)\n"
    "  --ttl S           default lease TTL in seconds (default 30, min 1)\n"
    "  --snapshot-after N  a client that accepts snapshots and is more than\n"
    "                    N events behind gets one (default 10000)\n"
    "  --deliver-outbox  deliver notes queued in the local outbox for this\n"
    "                    hub's socket (as the embedded hub does)\n";

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

	if (++hub->ticks % 20 == 0)
		hub_ws_presence_tick(hub);	/* every 5 s */
	if (hub->ticks % 8 == 0)
		hub_state_outbox(hub);		/* every 2 s */
	lws_sul_schedule(hub->ctx, 0, sul, hub_main_tick, 250 * 1000);
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

static int
hub_set(struct hub_config *cfg, const char *key, const char *val, char **cause)
{
	int64_t	 ms;
	char	**slot = NULL;

	if (strcmp(key, "socket") == 0)
		slot = &cfg->socket;
	else if (strcmp(key, "listen") == 0)
		slot = &cfg->listen;
	else if (strcmp(key, "data") == 0)
		slot = &cfg->data;
	else if (strcmp(key, "log") == 0)
		slot = &cfg->log;
	if (slot != NULL) {
		free(*slot);
		*slot = xstrdup(val);
		return 0;
	}
	if (strcmp(key, "snapshot-after") == 0) {
		if (util_num_parse(val, 0, INT64_MAX, &cfg->snapshot_after) != 0) {
			*cause = xasprintf("%s: \"%s\" is not a count", key, val);
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

static int
hub_config_read(struct hub_config *cfg, const char *path, char **cause)
{
	FILE	*f;
	char	 line[1024], *k, *v, *e, *why = NULL;
	int	 n = 0;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		n++;
		line[strcspn(line, "#\n")] = '\0';
		for (k = line; *k == ' ' || *k == '\t'; k++)
			;
		if (*k == '\0')
			continue;
		if ((v = strchr(k, '=')) == NULL) {
			*cause = xasprintf("%s:%d: expected key = value", path, n);
			fclose(f);
			return -1;
		}
		for (e = v; e > k && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t');
		    e--)
			;
		*e = '\0';
		if (hub_set(cfg, k, v, &why) != 0) {
			*cause = xasprintf("%s:%d: %s", path, n, why);
			free(why);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static struct lws_vhost *
hub_vhost(struct hub *hub, const char *name, const char *iface, int port,
    int unix_sock)
{
	static const uint32_t		 backoff[] = { 1000 };
	static const lws_retry_bo_t	 policy = {
		.retry_ms_table = backoff,
		.retry_ms_table_count = 1,
		.secs_since_valid_ping = 20,
		.secs_since_valid_hangup = 40,
	};
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof info);
	info.vhost_name = name;
	info.protocols = hub_ws_protocols;
	info.iface = iface;
	info.port = port;
	info.options = unix_sock ? LWS_SERVER_OPTION_UNIX_SOCK : 0;
	info.retry_and_idle_policy = &policy;
	info.keepalive_timeout = 5;
	info.timeout_secs = 10;
	return lws_create_vhost(hub->ctx, &info);
}

int
hub_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "log", required_argument, NULL, 'L' },
		{ "lock-delay", required_argument, NULL, 'D' },
		{ "grace", required_argument, NULL, 'g' },
		{ "ttl", required_argument, NULL, 't' },
		{ "snapshot-after", required_argument, NULL, 'S' },
		{ "deliver-outbox", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hub			 hub;
	struct lws_context_creation_info info;
	struct lws_vhost		*vh;
	const char			*config = NULL;
	char				*cause = NULL, *host, *colon, *where;
	int				 ch, i, port;
	int64_t				 port64;
	struct buf			 listening;

	util_set_progname("concordd");
	memset(&hub, 0, sizeof hub);
	hub.cfg.lock_delay = 5000;
	hub.cfg.grace = 30000;
	hub.cfg.ttl = CORE_TTL_DEFAULT;
	hub.cfg.snapshot_after = PROTO_SNAPSHOT_AFTER;
	hub.pending_tail = &hub.pending;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			fputs(hub_usage, stdout);
			return 0;
		case 'O':
			hub.cfg.outbox = 1;
			break;
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
		if (ch == 'c' || ch == 'h' || ch == '?' || ch == 'O')
			continue;
		if (hub_set(&hub.cfg, longopts[i].name, optarg, &cause) != 0) {
			fprintf(stderr, "concordd: --%s\n", cause);
			return 1;
		}
	}
	if (hub.cfg.socket == NULL && hub.cfg.listen == NULL) {
		fprintf(stderr, "concordd: nothing to listen on: give --socket "
		    "or --listen\n");
		return 1;
	}
	if (hub.cfg.grace < hub.cfg.ttl)
		hub.cfg.grace = hub.cfg.ttl;
	if (hub.cfg.data == NULL)
		hub.cfg.data = util_state_dir();
	if (hub.cfg.log == NULL)
		hub.cfg.log = xasprintf("%s/concordd.log", hub.cfg.data);

	signal(SIGPIPE, SIG_IGN);
	if ((hub.store = store_open(hub.cfg.data, &cause)) == NULL) {
		fprintf(stderr, "concordd: %s\n", cause);
		return 1;
	}
	util_log_open(hub.cfg.log);
	util_log("starting %s, data %s", HUB_VERSION, hub.cfg.data);
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE, hub_lws_log);
	if (hub_state_load(&hub, &cause) != 0) {
		fprintf(stderr, "concordd: cannot recover the store: %s\n",
		    cause);
		util_log("cannot recover the store: %s", cause);
		return 1;
	}

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = &hub;
	info.port = CONTEXT_PORT_NO_LISTEN;
	if ((hub.ctx = lws_create_context(&info)) == NULL) {
		fprintf(stderr, "concordd: cannot create the event loop\n");
		return 1;
	}
	util_buf_init(&listening);
	util_buf_adds(&listening, "concordd: listening on");
	if (hub.cfg.socket != NULL) {
		if (util_mkparent(hub.cfg.socket, 0700) != 0 || hub_vhost(&hub, "unix",
		    hub.cfg.socket, 0, 1) == NULL) {
			fprintf(stderr, "concordd: cannot listen on %s\n",
			    hub.cfg.socket);
			return 1;
		}
		util_buf_printf(&listening, " unix:%s", hub.cfg.socket);
	}
	if (hub.cfg.listen != NULL) {
		host = xstrdup(hub.cfg.listen);
		if ((colon = strrchr(host, ':')) == NULL ||
		    util_num_parse(colon + 1, 0, 65535, &port64) != 0) {
			fprintf(stderr, "concordd: --listen wants HOST:PORT\n");
			return 1;
		}
		*colon = '\0';
		port = (int)port64;
		if ((vh = hub_vhost(&hub, "tcp", *host == '\0' ? NULL : host,
		    port, 0)) == NULL) {
			fprintf(stderr, "concordd: cannot listen on %s\n",
			    hub.cfg.listen);
			return 1;
		}
		port = lws_get_vhost_listen_port(vh);
		util_buf_printf(&listening, " ws://%s:%d",
		    *host == '\0' ? "0.0.0.0" : host, port);
		free(host);
	}
	hub_state_leases(&hub);
	if (hub.cfg.outbox) {
		store_outbox_quiet();
		hub_state_outbox(&hub);
	}
	where = util_buf_steal(&listening);
	util_log("%s", where);
	printf("%s\n", where);
	fflush(stdout);
	free(where);

	signal(SIGTERM, hub_main_signal);
	signal(SIGINT, hub_main_signal);
	hub_main_tick(&hub.tick_sul);
	while (!hub_stop && lws_service(hub.ctx, 0) >= 0)
		;
	util_log("shutting down on a signal");
	hub_state_commit(&hub);
	lws_sul_cancel(&hub.tick_sul);
	lws_sul_cancel(&hub.lease_sul);
	lws_sul_cancel(&hub.commit_sul);
	lws_context_destroy(hub.ctx);
	hub_state_free(&hub);
	store_close(hub.store);
	util_log_close();
	free(hub.cfg.socket);
	free(hub.cfg.listen);
	free(hub.cfg.data);
	free(hub.cfg.log);
	return 0;
}
