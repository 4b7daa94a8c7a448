/*
 * httpstub: a small HTTP server on loopback that the telemetry tests
 * control, standing in for a scrape target, a JSON endpoint, a hanging or
 * failing endpoint, and a webhook receiver.
 *
 *	httpstub --listen 127.0.0.1:PORT --dir DIR
 *
 * The address is IPv4 loopback (127.0.0.0/8), anything else is refused,
 * and port 0 picks a free port.  Once listening it prints one line on
 * stdout, flushed:
 *
 *	httpstub listening on 127.0.0.1:PORT
 *
 * Each request is answered by its method and path, then the connection is
 * closed (HTTP/1.0 style, "Connection: close"):
 *
 * GET /hang...		never answered: the connection stays open, its
 *			input read and dropped, until the peer closes it
 * GET /status/NNN	status NNN with a short text body
 * GET /garbage		200 with a body that is no JSON and no metrics
 * GET /NAME		the file DIR/NAME as it is now (NAME one component:
 *			letters, digits, '.', '-', '_'), 404 if it is
 *			missing; application/json for NAME.json, the
 *			Prometheus text format otherwise
 * POST /NAME		the body is saved as DIR/post-N-NAME (N counts from
 *			1; written to a temporary name, then renamed, so a
 *			file that exists is whole) and answered 200
 *
 * Every request is logged on stderr as "httpstub: METHOD PATH STATUS".
 * Bounds: a request's head at most 16 KiB, a body at most 4 MiB, at most
 * 256 connections (more wait in the listen queue); a request beyond them
 * gets 413 or 431.
 *
 * Model: one thread, one poll(2) over the listener and the connections;
 * a connection is read until its request is whole, then written until its
 * answer is sent, then closed.  SIGTERM and SIGINT end it (exit 0).
 *
 * Exit status: 0 after a signal, 1 on a usage or start-up error.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HS_HEAD_MAX	(16 * 1024)
#define HS_BODY_MAX	(4 * 1024 * 1024)
#define HS_CONNS	256

struct hs_conn {
	int		 fd;
	char		*in;		/* the request read so far */
	size_t		 inlen;
	size_t		 need;		/* head + body, once the head is in */
	int		 hang;		/* read and drop, never answer */
	char		*out;		/* the answer, once known */
	size_t		 outlen;
	size_t		 sent;
};

static volatile sig_atomic_t	hs_stop;
static const char		*hs_dir;
static unsigned			 hs_posts;
static struct hs_conn		 hs_conns[HS_CONNS];

static void
hs_signal(int sig)
{
	(void)sig;
	hs_stop = 1;
}

static void
hs_close(struct hs_conn *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

/* Make c's answer: status, type and body (len bytes). */
static void
hs_answer(struct hs_conn *c, int status, const char *type, const char *body,
    size_t len, const char *method, const char *path)
{
	const char	*reason;
	int		 n;

	switch (status) {
	case 200: reason = "OK"; break;
	case 404: reason = "Not Found"; break;
	case 413: reason = "Payload Too Large"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	case 400: reason = "Bad Request"; break;
	default: reason = "Status"; break;
	}
	n = asprintf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, reason,
	    type, len);
	if (n < 0 || (c->out = realloc(c->out, (size_t)n + len + 1)) == NULL) {
		fprintf(stderr, "httpstub: out of memory\n");
		exit(1);
	}
	memcpy(c->out + n, body, len);
	c->outlen = (size_t)n + len;
	c->sent = 0;
	fprintf(stderr, "httpstub: %s %s %d\n", method, path, status);
}

/* Is name one plain path component? */
static int
hs_name_ok(const char *name)
{
	size_t	i;

	if (*name == '\0' || *name == '.' || strlen(name) > 128)
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", name[i]) == NULL)
			return 0;
	}
	return 1;
}

static void
hs_get_file(struct hs_conn *c, const char *name, const char *path)
{
	char		*file = NULL, *body = NULL;
	const char	*type;
	FILE		*f;
	size_t		 len = 0, cap = 0, n;
	char		 chunk[8192];

	if (!hs_name_ok(name) || asprintf(&file, "%s/%s", hs_dir, name) < 0 ||
	    (f = fopen(file, "r")) == NULL) {
		free(file);
		hs_answer(c, 404, "text/plain", "not found\n", 10, "GET", path);
		return;
	}
	free(file);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + n > cap) {
			cap = (len + n) * 2;
			if ((body = realloc(body, cap)) == NULL) {
				fprintf(stderr, "httpstub: out of memory\n");
				exit(1);
			}
		}
		memcpy(body + len, chunk, n);
		len += n;
	}
	fclose(f);
	n = strlen(name);
	if (n > 5 && strcmp(name + n - 5, ".json") == 0)
		type = "application/json";
	else
		type = "text/plain; version=0.0.4; charset=utf-8";
	hs_answer(c, 200, type, body != NULL ? body : "", len, "GET", path);
	free(body);
}

static void
hs_post(struct hs_conn *c, const char *name, const char *body, size_t len,
    const char *path)
{
	char	*tmp = NULL, *file = NULL;
	FILE	*f;

	if (!hs_name_ok(name)) {
		hs_answer(c, 404, "text/plain", "not found\n", 10, "POST",
		    path);
		return;
	}
	hs_posts++;
	if (asprintf(&tmp, "%s/.post-%u.tmp", hs_dir, hs_posts) < 0 ||
	    asprintf(&file, "%s/post-%u-%s", hs_dir, hs_posts, name) < 0 ||
	    (f = fopen(tmp, "w")) == NULL || fwrite(body, 1, len, f) != len ||
	    fclose(f) != 0 || rename(tmp, file) != 0) {
		fprintf(stderr, "httpstub: cannot save a body: %s\n",
		    strerror(errno));
		exit(1);
	}
	free(tmp);
	free(file);
	hs_answer(c, 200, "text/plain", "ok\n", 3, "POST", path);
}

/* The request in c->in is whole: make its answer. */
static void
hs_request(struct hs_conn *c, size_t headlen)
{
	char		 method[16], path[512];
	const char	*name;
	int		 status;

	if (sscanf(c->in, "%15s %511s", method, path) != 2 || path[0] != '/') {
		hs_answer(c, 400, "text/plain", "bad request\n", 12, "?", "?");
		return;
	}
	name = path + 1;
	if (strcmp(method, "POST") == 0) {
		hs_post(c, name, c->in + headlen, c->inlen - headlen, path);
		return;
	}
	if (strcmp(method, "GET") != 0) {
		hs_answer(c, 400, "text/plain", "GET or POST\n", 12, method,
		    path);
		return;
	}
	if (strncmp(name, "hang", 4) == 0) {
		c->hang = 1;
		fprintf(stderr, "httpstub: GET %s hangs\n", path);
		return;
	}
	if (strncmp(name, "status/", 7) == 0) {
		status = atoi(name + 7);
		if (status < 100 || status > 599)
			status = 400;
		hs_answer(c, status, "text/plain", "as asked\n", 9, method,
		    path);
		return;
	}
	if (strcmp(name, "garbage") == 0) {
		hs_answer(c, 200, "application/json", "<html>\x01\xff{\"x\":",
		    15, method, path);
		return;
	}
	hs_get_file(c, name, path);
}

/* Read what c has; 0, or -1 when it is to be closed. */
static int
hs_read(struct hs_conn *c)
{
	char		 buf[65536], *end, *cl;
	ssize_t		 n;
	size_t		 headlen;
	long		 body;

	if ((n = read(c->fd, buf, sizeof buf)) <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	if (c->hang || c->out != NULL)
		return 0;
	if ((c->in = realloc(c->in, c->inlen + (size_t)n + 1)) == NULL) {
		fprintf(stderr, "httpstub: out of memory\n");
		exit(1);
	}
	memcpy(c->in + c->inlen, buf, (size_t)n);
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL) {
		if (c->inlen > HS_HEAD_MAX)
			hs_answer(c, 431, "text/plain", "too long\n", 9, "?",
			    "?");
		return 0;
	}
	headlen = (size_t)(end - c->in) + 4;
	if (c->need == 0) {
		body = 0;
		for (cl = c->in; (cl = strcasestr(cl, "\r\ncontent-length:")) !=
		    NULL && cl < end; cl++) {
			body = atol(cl + 17);
			break;
		}
		if (body < 0 || body > HS_BODY_MAX) {
			hs_answer(c, 413, "text/plain", "too large\n", 10, "?",
			    "?");
			return 0;
		}
		c->need = headlen + (size_t)body;
	}
	if (c->inlen >= c->need) {
		c->inlen = c->need;
		hs_request(c, headlen);
	}
	return 0;
}

/* Write what c has to send; 0, or -1 when it is to be closed. */
static int
hs_write(struct hs_conn *c)
{
	ssize_t	n;

	n = write(c->fd, c->out + c->sent, c->outlen - c->sent);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	c->sent += (size_t)n;
	if (c->sent == c->outlen) {
		shutdown(c->fd, SHUT_WR);
		return -1;
	}
	return 0;
}

static int
hs_listen(const char *addr, int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			 host[64], *colon;
	int			 fd, one = 1;

	if (strlen(addr) >= sizeof host)
		return -1;
	strcpy(host, addr);
	if ((colon = strrchr(host, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "httpstub: %s is not a loopback address\n",
		    addr);
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		fprintf(stderr, "httpstub: %s: %s\n", addr, strerror(errno));
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

int
main(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct pollfd			 pfd[HS_CONNS + 1];
	struct sigaction		 sa;
	const char			*addr = NULL;
	int				 lfd, port, i, n, fd, ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'l')
			addr = optarg;
		else if (ch == 'd')
			hs_dir = optarg;
		else
			goto usage;
	}
	if (addr == NULL || hs_dir == NULL || optind != argc)
		goto usage;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = hs_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = hs_listen(addr, &port)) < 0)
		return 1;
	for (i = 0; i < HS_CONNS; i++)
		hs_conns[i].fd = -1;
	printf("httpstub listening on 127.0.0.1:%d\n", port);
	fflush(stdout);

	while (!hs_stop) {
		n = 0;
		for (i = 0; i < HS_CONNS; i++) {
			if (hs_conns[i].fd < 0)
				continue;
			pfd[n].fd = hs_conns[i].fd;
			pfd[n].events = hs_conns[i].out != NULL &&
			    hs_conns[i].sent < hs_conns[i].outlen ? POLLOUT :
			    POLLIN;
			pfd[n].revents = 0;
			n++;
		}
		pfd[n].fd = n < HS_CONNS ? lfd : -1;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		if (poll(pfd, (nfds_t)n + 1, 1000) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "httpstub: poll: %s\n",
			    strerror(errno));
			return 1;
		}
		for (i = 0; i < HS_CONNS; i++) {
			struct hs_conn	*c = &hs_conns[i];
			int		 j, rc = 0;

			if (c->fd < 0)
				continue;
			for (j = 0; j < n && pfd[j].fd != c->fd; j++)
				/* find its entry */;
			if (j == n || pfd[j].revents == 0)
				continue;
			if (pfd[j].revents & POLLOUT)
				rc = hs_write(c);
			else if (pfd[j].revents & (POLLIN | POLLHUP | POLLERR))
				rc = hs_read(c);
			if (rc != 0)
				hs_close(c);
		}
		if (pfd[n].revents & POLLIN) {
			fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
			for (i = 0; fd >= 0 && i < HS_CONNS; i++) {
				if (hs_conns[i].fd < 0) {
					hs_conns[i].fd = fd;
					break;
				}
			}
			if (fd >= 0 && i == HS_CONNS)
				close(fd);
		}
	}
	return 0;

usage:
	fprintf(stderr, "usage: httpstub --listen 127.0.0.1:PORT --dir DIR\n");
	return 1;
}
