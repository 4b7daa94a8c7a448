/*
 * Hub addresses: unix:/PATH, ws://HOST:PORT (plaintext) and
 * wss://HOST:PORT (TLS), parsed into their parts; and whether a host is
 * this machine itself, so that plaintext to anywhere else can be warned
 * about.
 *
 * A client may know several hubs (of one cluster, on one database): a hub
 * list is addresses separated by blanks or commas, each checked, at most
 * CLIENT_URL_MAX_HUBS, none named twice (the same host and port, or the
 * same socket path, whatever the scheme), and never empty.  Its canonical
 * spelling, the addresses joined by single spaces, is what the rest of
 * the client passes around; a single address is a list of one, spelt as
 * before.
 *
 * Pure: nothing here resolves a name or opens a socket.  A host is local
 * only when it says so itself: localhost (and names under .localhost),
 * 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; any other name is taken to be
 * remote, whatever it resolves to.  HOST may be an IPv6 address in
 * brackets for ws:// ([::1]:7420); wss:// wants a name or an IPv4 address,
 * which the hub's certificate is checked against.  Anything after the port
 * ("/", a path) is ignored, as the hub serves every path alike.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "util.h"

#define CLIENT_URL_WANT	"want unix:/PATH, ws://HOST:PORT or wss://HOST:PORT"

int
client_url_parse(const char *hub, struct client_url *u, char **cause)
{
	const char	*p, *end, *colon;
	char		*port;
	int64_t		 n;
	size_t		 len;

	memset(u, 0, sizeof *u);
	if (strncmp(hub, "unix:", 5) == 0 && hub[5] == '/') {
		u->scheme = CLIENT_URL_UNIX;
		u->host = xstrdup(hub + 5);
		return 0;
	}
	if (strncmp(hub, "ws://", 5) == 0) {
		u->scheme = CLIENT_URL_WS;
		p = hub + 5;
	} else if (strncmp(hub, "wss://", 6) == 0) {
		u->scheme = CLIENT_URL_WSS;
		p = hub + 6;
	} else
		goto bad;
	len = strcspn(p, "/");
	end = p + len;
	if (*p == '[') {
		if ((colon = memchr(p, ']', len)) == NULL || colon + 1 == end ||
		    colon[1] != ':')
			goto bad;
		u->host = xasprintf("%.*s", (int)(colon - p - 1), p + 1);
		colon++;
		if (u->scheme == CLIENT_URL_WSS) {
			*cause = xasprintf("bad hub address %s: a wss:// hub is "
			    "named by a host name or an IPv4 address, which "
			    "its certificate must name", hub);
			client_url_clear(u);
			return -1;
		}
	} else {
		colon = NULL;
		for (end = p; end < p + len; end++) {
			if (*end == ':')
				colon = end;
		}
		if (colon == NULL || memchr(p, ':', (size_t)(colon - p)) != NULL)
			goto bad;
		u->host = xasprintf("%.*s", (int)(colon - p), p);
	}
	port = xasprintf("%.*s", (int)(p + len - colon - 1), colon + 1);
	if (*u->host == '\0' || util_num_parse(port, 1, 65535, &n) != 0) {
		free(port);
		goto bad;
	}
	free(port);
	u->port = (int)n;
	return 0;
bad:
	client_url_clear(u);
	*cause = xasprintf("bad hub address %s: " CLIENT_URL_WANT, hub);
	return -1;
}

void
client_url_clear(struct client_url *u)
{
	free(u->host);
	memset(u, 0, sizeof *u);
}

int
client_url_local(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 len = strlen(host);
	char		*name;
	int		 local;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	/* A name: localhost, or under .localhost (RFC 6761), a final dot. */
	name = xstrdup(host);
	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	local = strcasecmp(name, "localhost") == 0 || (len > 10 &&
	    strcasecmp(name + len - 10, ".localhost") == 0);
	free(name);
	return local;
}

int
client_url_plaintext(const char *hub)
{
	struct client_url	 u;
	char			*cause = NULL;
	int			 plain;

	if (client_url_parse(hub, &u, &cause) != 0) {
		free(cause);
		return 0;
	}
	plain = u.scheme == CLIENT_URL_WS && !client_url_local(u.host);
	client_url_clear(&u);
	return plain;
}

/* The blanks and commas that separate the addresses of a hub list. */
#define CLIENT_URL_SEP	" \t\r\n,"

/* Do two parsed addresses name the same hub (scheme aside)? */
static int
client_url_same(const struct client_url *a, const struct client_url *b)
{
	if ((a->scheme == CLIENT_URL_UNIX) != (b->scheme == CLIENT_URL_UNIX))
		return 0;
	return a->port == b->port && strcasecmp(a->host, b->host) == 0;
}

int
client_url_list(const char *spec, char ***hubs, size_t *n, char **cause)
{
	struct client_url	 u[CLIENT_URL_MAX_HUBS];
	const char		*p = spec;
	char			*one;
	size_t			 len, i;

	*hubs = NULL;
	*n = 0;
	for (;;) {
		p += strspn(p, CLIENT_URL_SEP);
		if (*p == '\0')
			break;
		len = strcspn(p, CLIENT_URL_SEP);
		one = xstrndup(p, len);
		p += len;
		if (*n == CLIENT_URL_MAX_HUBS) {
			*cause = xasprintf("too many hubs in \"%s\": at most "
			    "%d", spec, CLIENT_URL_MAX_HUBS);
			free(one);
			goto fail;
		}
		if (client_url_parse(one, &u[*n], cause) != 0) {
			free(one);
			goto fail;
		}
		for (i = 0; i < *n; i++) {
			if (!client_url_same(&u[i], &u[*n]))
				continue;
			if (strcmp(one, (*hubs)[i]) == 0)
				*cause = xasprintf("hub %s is listed twice",
				    one);
			else
				*cause = xasprintf("hub %s is listed twice "
				    "(as %s)", one, (*hubs)[i]);
			client_url_clear(&u[*n]);
			free(one);
			goto fail;
		}
		*hubs = xreallocarray(*hubs, *n + 1, sizeof **hubs);
		(*hubs)[(*n)++] = one;
	}
	if (*n == 0) {
		*cause = xstrdup("no hub address given: " CLIENT_URL_WANT
		    ", or several separated by spaces or commas");
		goto fail;
	}
	for (i = 0; i < *n; i++)
		client_url_clear(&u[i]);
	return 0;
fail:
	for (i = 0; i < *n; i++) {
		client_url_clear(&u[i]);
		free((*hubs)[i]);
	}
	free(*hubs);
	*hubs = NULL;
	*n = 0;
	return -1;
}

void
client_url_list_free(char **hubs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(hubs[i]);
	free(hubs);
}

char *
client_url_canon(const char *spec, char **cause)
{
	struct buf	  b;
	char		**hubs;
	size_t		  n, i;

	if (client_url_list(spec, &hubs, &n, cause) != 0)
		return NULL;
	util_buf_init(&b);
	for (i = 0; i < n; i++)
		util_buf_printf(&b, "%s%s", i == 0 ? "" : " ", hubs[i]);
	client_url_list_free(hubs, n);
	return util_buf_steal(&b);
}

int
client_url_shared(const char *a, const char *b)
{
	char	**x, **y, *cause = NULL;
	size_t	  nx, ny, i, j;
	int	  shared = 0;

	if (client_url_list(a, &x, &nx, &cause) != 0) {
		free(cause);
		return 0;
	}
	if (client_url_list(b, &y, &ny, &cause) != 0) {
		free(cause);
		client_url_list_free(x, nx);
		return 0;
	}
	for (i = 0; i < nx && !shared; i++) {
		for (j = 0; j < ny && !shared; j++)
			shared = strcmp(x[i], y[j]) == 0;
	}
	client_url_list_free(x, nx);
	client_url_list_free(y, ny);
	return shared;
}

char *
client_url_where(const char *hub)
{
	struct client_url	 u;
	char			*cause = NULL, *where, *slash;

	if (client_url_parse(hub, &u, &cause) != 0) {
		free(cause);
		return xstrdup(hub);
	}
	if (u.scheme == CLIENT_URL_UNIX) {
		slash = strrchr(u.host, '/');
		where = xasprintf("unix:%s", slash != NULL ? slash + 1 :
		    u.host);
	} else if (strchr(u.host, ':') != NULL)
		where = xasprintf("[%s]:%d", u.host, u.port);
	else
		where = xasprintf("%s:%d", u.host, u.port);
	client_url_clear(&u);
	return where;
}
