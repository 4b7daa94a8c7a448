/*
 * faultproxy: a TCP proxy on loopback that can pass, delay, drop or
 * black-hole the traffic between clients and a hub, for the tests.
 *
 *	faultproxy --listen ADDR:PORT --to ADDR:PORT --control PATH
 *
 * Both addresses are loopback (127.0.0.0/8 or [::1]; "localhost" is
 * 127.0.0.1), anything else is refused, and port 0 in --listen picks a free
 * port.  Once listening it prints one line on stdout, flushed:
 *
 *	faultproxy listening on 127.0.0.1:PORT
 *
 * and then forwards each connection it accepts to --to, both ways.  The
 * mode comes from PATH, one word per line, the last line read counting:
 *
 * pass		forward everything (data held by an earlier delay goes now)
 * delay MS	hold every chunk read from now on MS milliseconds before
 *		forwarding it
 * drop		close every connection, and close each new one at once
 * blackhole	keep every connection open and accept new ones, but forward
 *		nothing either way: no reading (so nothing is buffered) and no
 *		writing; a connection accepted meanwhile is not even connected
 *		to --to until forwarding resumes.  Back to pass or delay,
 *		the connections still open carry on where they stopped.
 *
 * PATH may be a FIFO, read as lines arrive (held open for writing too, so a
 * writer that closes is not an end of file), or a regular file, read again
 * whenever it changes (looked at every 100 ms), or not exist yet (pass until
 * it does).  Each mode taken is reported on stderr as "faultproxy: mode
 * WORD", and a bad line as an error, which leaves the mode as it was.
 *
 * Model: one thread, one ppoll(2) over the listener, the FIFO and the
 * connections' sockets, with a timeout that is never zero unless a delayed
 * chunk is due: the proxy never spins.  Each direction of a connection has
 * a queue of chunks with the time each may go; a queue past FP_QUEUE_MAX
 * bytes stops reading that side until it drains, so memory is bounded by
 * the number of connections.  A socket that nothing is wanted of is left
 * out of the poll set (a hung-up socket would otherwise report POLLHUP
 * forever).  An end of file is passed on as a shutdown of writing once the
 * queue before it is written; a connection is closed when both directions
 * have ended, or on an error on either side.  SIGTERM and SIGINT end the
 * proxy (exit 0); the open-file limit is raised to its hard limit so that
 * hundreds of connections (two descriptors each) fit.
 *
 * Exit status: 0 after a signal, 1 on a usage or start-up error.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FP_CHUNK	16384		/* bytes read at a time */
#define FP_QUEUE_MAX	(256 * 1024)	/* bytes queued per direction */
#define FP_LOOK		100		/* ms between looks at a control file */
#define FP_DELAY_MAX	3600000		/* ms */

enum fp_mode {
	FP_PASS,
	FP_DELAY,
	FP_DROP,
	FP_BLACKHOLE
};

/* A chunk read from one side, to be written to the other from due on. */
struct fp_chunk {
	struct fp_chunk	*next;
	int64_t		 due;
	size_t		 off;
	size_t		 len;
	char		 data[];
};

/* One direction: what is read from fd[i] goes to fd[!i]. */
struct fp_dir {
	struct fp_chunk	*head;
	struct fp_chunk	**tail;
	size_t		 queued;	/* bytes in the queue */
	int		 eof;		/* fd[i] said end of file */
	int		 shut;		/* fd[!i] was shut for writing */
};

struct fp_conn {
	int		 fd[2];		/* 0: the client, 1: --to; -1 if none */
	int		 connecting;	/* fd[1]'s connect is in progress */
	struct fp_dir	 dir[2];
	int		 pi[2];		/* each fd's slot in the poll set */
	struct fp_conn	*next;
};

static enum fp_mode		 fp_mode = FP_PASS;
static int64_t			 fp_delay;	/* ms, in FP_DELAY */
static struct sockaddr_storage	 fp_to;
static socklen_t		 fp_tolen;
static struct fp_conn		*fp_conns;
static volatile sig_atomic_t	 fp_stop;

/* The control file or FIFO. */
static const char	*fp_path;
static int		 fp_cfd = -1;	/* the FIFO, held open */
static char		 fp_cbuf[4096];	/* a FIFO's unfinished line */
static size_t		 fp_clen;
static struct stat	 fp_cst;	/* the regular file as last read */
static int		 fp_cseen;
static int64_t		 fp_clook;	/* when to look at it again */
static int64_t		 fp_accept_after; /* out of descriptors: wait */

static void	fp_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	fp_warn(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* Print "faultproxy: message" on stderr. */
static void
fp_vsay(const char *fmt, va_list ap)
{
	fputs("faultproxy: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Say why, then exit 1. */
static void
fp_die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fp_vsay(fmt, ap);
	va_end(ap);
	exit(1);
}

/* Say something, and go on. */
static void
fp_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fp_vsay(fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
fp_usage(void)
{
	fputs("usage: faultproxy --listen ADDR:PORT --to ADDR:PORT "
	    "--control PATH\n"
	    "ADDR: 127.x.x.x, [::1] or localhost (loopback only)\n"
	    "PATH: a FIFO or file of modes, one a line: pass, delay MS, drop, "
	    "blackhole\n", stderr);
	exit(1);
}

static void *
fp_malloc(size_t size)
{
	void	*p;

	if ((p = malloc(size)) == NULL)
		fp_die("out of memory");
	return p;
}

/* Milliseconds on the monotonic clock. */
static int64_t
fp_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fp_signal(int sig)
{
	(void)sig;
	fp_stop = 1;
}

/*
 * Parse a loopback ADDR:PORT ([::1]:PORT for IPv6) into ss; 0, or -1 with
 * a reason in why.
 */
static int
fp_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
    const char **why)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;
	char			 host[64], *end;
	const char		*colon, *port;
	size_t			 n;
	long			 p;

	memset(ss, 0, sizeof *ss);
	if (*spec == '[') {
		if ((end = strchr(spec, ']')) == NULL || end[1] != ':') {
			*why = "an IPv6 address is written [ADDR]:PORT";
			return -1;
		}
		n = (size_t)(end - spec - 1);
		port = end + 2;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL) {
			*why = "expected ADDR:PORT";
			return -1;
		}
		n = (size_t)(colon - spec);
		port = colon + 1;
	}
	if (n >= sizeof host) {
		*why = "the address is too long";
		return -1;
	}
	memcpy(host, spec + (*spec == '['), n);
	host[n] = '\0';
	errno = 0;
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno != 0 || p < 0 ||
	    p > 65535) {
		*why = "the port is not a number from 0 to 65535";
		return -1;
	}
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (*spec != '[' && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		if ((ntohl(s4->sin_addr.s_addr) >> 24) != 127) {
			*why = "not a loopback address (127.0.0.0/8 or [::1])";
			return -1;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof *s4;
		return 0;
	}
	if (*spec == '[' && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr)) {
			*why = "not a loopback address (127.0.0.0/8 or [::1])";
			return -1;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof *s6;
		return 0;
	}
	*why = "not a loopback address (127.0.0.0/8 or [::1])";
	return -1;
}

static void
fp_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		fp_die("fcntl: %s", strerror(errno));
}

/* Raise the open-file limit to the hard limit. */
static void
fp_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Free a direction's queue. */
static void
fp_dir_clear(struct fp_dir *d)
{
	struct fp_chunk	*ch;

	while ((ch = d->head) != NULL) {
		d->head = ch->next;
		free(ch);
	}
	d->tail = &d->head;
	d->queued = 0;
}

static void
fp_conn_close(struct fp_conn *c)
{
	struct fp_conn	**pp;

	for (pp = &fp_conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->fd[0] != -1)
		close(c->fd[0]);
	if (c->fd[1] != -1)
		close(c->fd[1]);
	fp_dir_clear(&c->dir[0]);
	fp_dir_clear(&c->dir[1]);
	free(c);
}

/* Start connecting c to --to; -1 if that failed at once. */
static int
fp_conn_upstream(struct fp_conn *c)
{
	int	fd;

	if ((fd = socket(fp_to.ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	fp_nonblock(fd);
	c->fd[1] = fd;
	if (connect(fd, (struct sockaddr *)&fp_to, fp_tolen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	c->connecting = 1;
	return 0;
}

/* Does the mode let data move? */
static int
fp_moving(void)
{
	return fp_mode == FP_PASS || fp_mode == FP_DELAY;
}

/* Take a new mode. */
static void
fp_mode_set(enum fp_mode mode, int64_t delay)
{
	static const char	*names[] = { "pass", "delay", "drop",
				    "blackhole" };
	struct fp_conn		*c, *next;
	struct fp_chunk		*ch;
	int64_t			 now = fp_now();
	int			 i;

	fp_mode = mode;
	fp_delay = delay;
	if (mode == FP_DELAY)
		fp_warn("mode delay %lld", (long long)delay);
	else
		fp_warn("mode %s", names[mode]);
	for (c = fp_conns; c != NULL; c = next) {
		next = c->next;
		if (mode == FP_DROP) {
			fp_conn_close(c);
			continue;
		}
		if (mode == FP_PASS) {
			for (i = 0; i < 2; i++) {
				for (ch = c->dir[i].head; ch != NULL;
				    ch = ch->next)
					ch->due = now;
			}
		}
		if (fp_moving() && c->fd[1] == -1 && fp_conn_upstream(c) != 0)
			fp_conn_close(c);
	}
}

/* Act on one control line. */
static void
fp_control_line(char *line)
{
	char	*w, *arg, *end;
	long	 ms;

	line[strcspn(line, "#\r\n")] = '\0';
	w = strtok(line, " \t");
	if (w == NULL)
		return;
	arg = strtok(NULL, " \t");
	if (strcmp(w, "delay") == 0) {
		if (arg == NULL) {
			fp_warn("control: delay wants milliseconds");
			return;
		}
		errno = 0;
		ms = strtol(arg, &end, 10);
		if (*end != '\0' || errno != 0 || ms < 0 ||
		    ms > FP_DELAY_MAX) {
			fp_warn("control: delay %s: not milliseconds from 0 to "
			    "%d", arg, FP_DELAY_MAX);
			return;
		}
		fp_mode_set(FP_DELAY, ms);
		return;
	}
	if (arg != NULL) {
		fp_warn("control: %s takes no argument", w);
		return;
	}
	if (strcmp(w, "pass") == 0)
		fp_mode_set(FP_PASS, 0);
	else if (strcmp(w, "drop") == 0)
		fp_mode_set(FP_DROP, 0);
	else if (strcmp(w, "blackhole") == 0)
		fp_mode_set(FP_BLACKHOLE, 0);
	else
		fp_warn("control: unknown mode \"%s\" (pass, delay MS, drop, "
		    "blackhole)", w);
}

/* Read what the FIFO has; act on each whole line. */
static void
fp_control_fifo(void)
{
	ssize_t	 n;
	char	*nl;

	for (;;) {
		if (fp_clen == sizeof fp_cbuf - 1)
			fp_clen = 0;	/* a line too long: drop it */
		n = read(fp_cfd, fp_cbuf + fp_clen,
		    sizeof fp_cbuf - 1 - fp_clen);
		if (n <= 0)
			break;
		fp_clen += (size_t)n;
		fp_cbuf[fp_clen] = '\0';
		while ((nl = strchr(fp_cbuf, '\n')) != NULL) {
			*nl = '\0';
			fp_control_line(fp_cbuf);
			fp_clen -= (size_t)(nl + 1 - fp_cbuf);
			memmove(fp_cbuf, nl + 1, fp_clen + 1);
		}
	}
}

/*
 * Look at PATH: open it if it became a FIFO, or read it again if it is a
 * file that changed, acting on its last line.
 */
static void
fp_control_look(void)
{
	struct stat	 st;
	FILE		*f;
	char		 line[4096], last[4096];

	fp_clook = fp_now() + FP_LOOK;
	if (fp_cfd != -1 || stat(fp_path, &st) != 0)
		return;
	if (S_ISFIFO(st.st_mode)) {
		/* Read and write: no end of file when a writer closes. */
		if ((fp_cfd = open(fp_path, O_RDWR | O_NONBLOCK)) == -1)
			fp_die("%s: %s", fp_path, strerror(errno));
		return;
	}
	if (fp_cseen && st.st_ino == fp_cst.st_ino &&
	    st.st_size == fp_cst.st_size &&
	    st.st_mtim.tv_sec == fp_cst.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == fp_cst.st_mtim.tv_nsec)
		return;
	if ((f = fopen(fp_path, "r")) == NULL)
		return;
	fp_cst = st;
	fp_cseen = 1;
	last[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "#\r\n")] = '\0';
		if (strspn(line, " \t") != strlen(line))
			memcpy(last, line, sizeof last);
	}
	fclose(f);
	if (last[0] != '\0')
		fp_control_line(last);
}

/* Accept every waiting connection. */
static void
fp_accept(int lfd)
{
	struct fp_conn	*c;
	int		 fd, i;

	while ((fd = accept(lfd, NULL, NULL)) != -1) {
		if (fp_mode == FP_DROP) {
			close(fd);
			continue;
		}
		fp_nonblock(fd);
		c = fp_malloc(sizeof *c);
		memset(c, 0, sizeof *c);
		c->fd[0] = fd;
		c->fd[1] = -1;
		for (i = 0; i < 2; i++)
			c->dir[i].tail = &c->dir[i].head;
		c->next = fp_conns;
		fp_conns = c;
		if (fp_moving() && fp_conn_upstream(c) != 0)
			fp_conn_close(c);
	}
	if (errno == EMFILE || errno == ENFILE) {
		/* The connection waits: try again in a while, not at once. */
		fp_warn("accept: %s", strerror(errno));
		fp_accept_after = fp_now() + FP_LOOK;
	}
}

/* The events wanted of c->fd[i] now. */
static short
fp_events(const struct fp_conn *c, int i)
{
	const struct fp_dir	*in = &c->dir[i], *out = &c->dir[!i];
	short			 ev = 0;

	if (!fp_moving() || c->fd[i] == -1)
		return 0;
	if (i == 1 && c->connecting)
		return POLLOUT;
	if (!in->eof && in->queued < FP_QUEUE_MAX && c->fd[1] != -1 &&
	    !c->connecting)
		ev |= POLLIN;
	if (out->head != NULL && out->head->due <= fp_now())
		ev |= POLLOUT;
	return ev;
}

/* Read a chunk from c->fd[i]; -1 to close the connection. */
static int
fp_read(struct fp_conn *c, int i)
{
	struct fp_dir	*d = &c->dir[i];
	struct fp_chunk	*ch;
	ssize_t		 n;

	ch = fp_malloc(sizeof *ch + FP_CHUNK);
	n = read(c->fd[i], ch->data, FP_CHUNK);
	if (n <= 0) {
		free(ch);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n == -1)
			return -1;
		d->eof = 1;
		return 0;
	}
	ch->next = NULL;
	ch->off = 0;
	ch->len = (size_t)n;
	ch->due = fp_now() + (fp_mode == FP_DELAY ? fp_delay : 0);
	*d->tail = ch;
	d->tail = &ch->next;
	d->queued += ch->len;
	return 0;
}

/* Write what is due of the queue into c->fd[i]; -1 to close. */
static int
fp_write(struct fp_conn *c, int i)
{
	struct fp_dir	*d = &c->dir[!i];
	struct fp_chunk	*ch;
	int64_t		 now = fp_now();
	ssize_t		 n;

	while ((ch = d->head) != NULL && ch->due <= now) {
		n = send(c->fd[i], ch->data + ch->off, ch->len - ch->off,
		    MSG_NOSIGNAL);
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		ch->off += (size_t)n;
		d->queued -= (size_t)n;
		if (ch->off < ch->len)
			return 0;
		if ((d->head = ch->next) == NULL)
			d->tail = &d->head;
		free(ch);
	}
	return 0;
}

/*
 * Pass on ends of file whose queues are written; 1 when both directions
 * have ended and the connection is done.
 */
static int
fp_finish(struct fp_conn *c)
{
	int	i;

	for (i = 0; i < 2; i++) {
		if (c->dir[i].eof && c->dir[i].head == NULL &&
		    !c->dir[i].shut) {
			shutdown(c->fd[!i], SHUT_WR);
			c->dir[i].shut = 1;
		}
	}
	return c->dir[0].shut && c->dir[1].shut;
}

/* Service c after poll; -1 to close it. */
static int
fp_service(struct fp_conn *c, const struct pollfd *pfd)
{
	short		 re;
	int		 i, err;
	socklen_t	 len;

	if (c->connecting && c->pi[1] != -1 && pfd[c->pi[1]].revents != 0) {
		len = sizeof err;
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err,
		    &len) != 0 || err != 0)
			return -1;
		c->connecting = 0;
		return 0;
	}
	for (i = 0; i < 2; i++) {
		if (c->pi[i] == -1 || (re = pfd[c->pi[i]].revents) == 0)
			continue;
		/* A hang-up or error shows as a read of 0 or -1. */
		if ((re & (POLLIN | POLLHUP | POLLERR)) && !c->dir[i].eof &&
		    fp_read(c, i) != 0)
			return -1;
		if ((re & (POLLOUT | POLLERR)) && fp_write(c, i) != 0)
			return -1;
		if ((re & (POLLHUP | POLLERR)) && !(re & POLLIN) &&
		    c->dir[i].eof && c->dir[!i].head != NULL)
			return -1;	/* cannot write what is left */
	}
	return fp_finish(c) ? -1 : 0;
}

/* Milliseconds until the next thing to do, for ppoll. */
static int64_t
fp_timeout(void)
{
	struct fp_conn	*c;
	int64_t		 now = fp_now(), t = 1000, d;
	int		 i;

	if (fp_cfd == -1)
		t = fp_clook > now ? fp_clook - now : 1;
	if (fp_accept_after > now && fp_accept_after - now < t)
		t = fp_accept_after - now;
	if (!fp_moving())
		return t;
	for (c = fp_conns; c != NULL; c = c->next) {
		for (i = 0; i < 2; i++) {
			if (c->dir[i].head == NULL ||
			    (d = c->dir[i].head->due - now) <= 0)
				continue;	/* due ones wait for POLLOUT */
			if (d < t)
				t = d;
		}
	}
	return t < 1 ? 1 : t;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "to", required_argument, NULL, 't' },
		{ "control", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_storage	 la;
	socklen_t		 lalen;
	struct pollfd		*pfd = NULL;
	struct fp_conn		*c, *next;
	struct sigaction	 sa;
	struct timespec		 ts;
	sigset_t		 block, orig;
	const char		*listen_spec = NULL, *to_spec = NULL, *why;
	char			 host[INET6_ADDRSTRLEN];
	size_t			 npfd, cap = 0;
	int64_t			 t;
	int			 ch, i, lfd, on = 1;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen_spec = optarg;
			break;
		case 't':
			to_spec = optarg;
			break;
		case 'c':
			fp_path = optarg;
			break;
		default:
			fp_usage();
		}
	}
	if (optind != argc || listen_spec == NULL || to_spec == NULL ||
	    fp_path == NULL)
		fp_usage();
	if (fp_addr(listen_spec, &la, &lalen, &why) != 0)
		fp_die("--listen %s: %s", listen_spec, why);
	if (fp_addr(to_spec, &fp_to, &fp_tolen, &why) != 0)
		fp_die("--to %s: %s", to_spec, why);

	fp_nofile();
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fp_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* The signals are let in only while waiting in ppoll. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);

	if ((lfd = socket(la.ss_family, SOCK_STREAM, 0)) == -1)
		fp_die("socket: %s", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(lfd, (struct sockaddr *)&la, lalen) != 0 ||
	    listen(lfd, 4096) != 0)
		fp_die("--listen %s: %s", listen_spec, strerror(errno));
	if (getsockname(lfd, (struct sockaddr *)&la, &lalen) != 0)
		fp_die("getsockname: %s", strerror(errno));
	fp_nonblock(lfd);
	fp_control_look();
	if (la.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&la)->sin6_addr,
		    host, sizeof host);
		printf("faultproxy listening on [%s]:%u\n", host,
		    ntohs(((struct sockaddr_in6 *)&la)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&la)->sin_addr,
		    host, sizeof host);
		printf("faultproxy listening on %s:%u\n", host,
		    ntohs(((struct sockaddr_in *)&la)->sin_port));
	}
	fflush(stdout);

	while (!fp_stop) {
		npfd = 0;
		for (c = fp_conns; c != NULL; c = c->next)
			npfd += 2;
		if (npfd + 2 > cap) {
			cap = (npfd + 2) * 2;
			free(pfd);
			pfd = fp_malloc(cap * sizeof *pfd);
		}
		npfd = 0;
		pfd[npfd].fd = fp_now() < fp_accept_after ? -1 : lfd;
		pfd[npfd++].events = POLLIN;
		pfd[npfd].fd = fp_cfd;		/* -1 is left out */
		pfd[npfd++].events = POLLIN;
		for (c = fp_conns; c != NULL; c = c->next) {
			for (i = 0; i < 2; i++) {
				c->pi[i] = -1;
				if ((pfd[npfd].events = fp_events(c, i)) == 0)
					continue;
				pfd[npfd].fd = c->fd[i];
				c->pi[i] = (int)npfd++;
			}
		}
		t = fp_timeout();
		ts.tv_sec = t / 1000;
		ts.tv_nsec = (t % 1000) * 1000000;
		if (ppoll(pfd, npfd, &ts, &orig) == -1) {
			if (errno == EINTR)
				continue;
			fp_die("poll: %s", strerror(errno));
		}
		if (fp_cfd != -1 && (pfd[1].revents & POLLIN))
			fp_control_fifo();
		else if (fp_cfd == -1 && fp_now() >= fp_clook)
			fp_control_look();
		for (c = fp_conns; fp_moving() && c != NULL; c = next) {
			next = c->next;
			if (fp_service(c, pfd) != 0)
				fp_conn_close(c);
		}
		if (pfd[0].revents & POLLIN)
			fp_accept(lfd);
	}
	while (fp_conns != NULL)
		fp_conn_close(fp_conns);
	free(pfd);
	close(lfd);
	return 0;
}
