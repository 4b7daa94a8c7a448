/*
 * Hub addresses: unix:/PATH, ws://HOST:PORT (plaintext) and
 * wss://HOST:PORT (TLS), parsed into their parts; and whether a host is
 * this machine itself, so that plaintext to anywhere else can be warned
 * about.
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
