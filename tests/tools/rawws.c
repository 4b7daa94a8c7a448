/*
 * rawws: a raw-socket websocket client for the integration tests.
 *
 * libwebsockets clients always speak the protocol correctly, so tests that
 * need to send the hub malformed or hostile traffic use this tool instead.
 * It needs only libc: the SHA-1 and base64 for the handshake are below.
 *
 *	rawws [-t seconds] address [action ...]
 *
 * The address is unix:/path/to/socket or host:port (TCP; [v6addr]:port
 * works too).  rawws connects, sends an RFC 6455 client handshake asking for
 * the "concord" subprotocol, checks the 101 response and its
 * Sec-WebSocket-Accept, then performs the actions in order.  Every frame it
 * sends is masked with a fresh random mask unless said otherwise.
 *
 * send:TEXT		one text frame holding TEXT
 * sendfile:PATH	one text frame holding the file's bytes
 * big:N		one text frame of N bytes of 'a', streamed in
 *			chunks
 * frag:N		one text message in N frames of 64 KiB of 'a':
 *			text with FIN clear, continuations, the last
 *			with FIN set
 * trunc:N		a text frame header declaring N bytes, then only
 *			N/2 bytes; the frame stays unfinished, and when
 *			trunc is the last action rawws holds the socket
 *			until the peer closes or -t passes
 * garbage		64 random bytes, the first with reserved bits set
 * badop		a frame with the reserved opcode 0x3
 * unmasked:TEXT	a text frame without a mask
 * ping			a ping frame
 * close[:CODE]		a close frame with CODE (default 1000)
 * recv			wait for one message and print it
 * recvall		print messages until the peer closes or -t passes
 * expectclose		print messages until the peer closes; a timeout
 *			prints "timeout waiting for close" and exits 4
 * sleep:MS		wait MS milliseconds; messages arriving meanwhile
 *			are kept for a later recv, pings are answered
 * flood:N:RATE:INC	send N concord note commands to incident INC at
 *			RATE a second (0: as fast as the socket takes
 *			them), reading meanwhile, then wait for an answer
 *			to each; print every message that is not an ack
 *			to one, then "flood: sent N in MS ms (R/s),
 *			answered A (K acked) in MS ms (R/s)"
 * rtt:N:MS:INC		send N notes to INC one at a time, MS ms apart,
 *			each once the last was answered, timing each from
 *			its sending to its answer; print "rtt: N answered,
 *			max X ms, median Y ms"
 *
 * A text message is printed on stdout as "< TEXT" on one line, its bytes as
 * they are except that newlines and carriage returns become spaces; a binary
 * message as "< [binary N bytes]".  When the peer sends a close frame, recv,
 * recvall and expectclose print "closed CODE REASON" (1005 for a close frame
 * without a code), answer it and exit 0; a bare TCP close prints "closed".
 * big, frag and trunc stop quietly when the peer closes or the write fails
 * with EPIPE or ECONNRESET, printing "wrote K of N bytes before the peer
 * closed" on stdout.  Pings from the server are answered, except in the
 * middle of a frame of ours.  Frames from the server may have any length and
 * be fragmented; masked frames, reserved bits or opcodes and bad control
 * frames are protocol errors.
 *
 * -t (default 10) bounds every wait: connecting, the handshake, each write
 * making no progress and each recv.  A wait that times out prints "timeout"
 * on stderr and exits 4, except recvall (which just ends) and expectclose.
 * Exit status: 0 ok, 1 usage, 2 connect or handshake failure, 3 connection
 * or protocol error after the handshake, 4 timeout.  SIGPIPE is ignored.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define RAWWS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define RAWWS_CHUNK	65536
#define RAWWS_MAXHEAD	65536

#define EXIT_USAGE	1
#define EXIT_CONNECT	2
#define EXIT_IO		3
#define EXIT_TIMEOUT	4

/* write_all flags: return -1 on EPIPE or ECONNRESET; also once closed. */
#define WF_QUIET	0x1
#define WF_STOP		0x2

enum {
	EV_MSG,
	EV_CLOSE,
	EV_EOF,
	EV_TIMEOUT
};

enum {
	A_SEND,
	A_SENDFILE,
	A_BIG,
	A_FRAG,
	A_TRUNC,
	A_GARBAGE,
	A_BADOP,
	A_UNMASKED,
	A_PING,
	A_CLOSE,
	A_RECV,
	A_RECVALL,
	A_EXPECTCLOSE,
	A_SLEEP,
	A_FLOOD,
	A_RTT
};

enum {
	ARG_NONE,
	ARG_TEXT,
	ARG_PATH,
	ARG_NUM,
	ARG_OPTNUM
};

struct buf {
	unsigned char	*data;
	size_t		 off;
	size_t		 len;
	size_t		 cap;
};

struct msg {
	struct msg	*next;
	int		 op;
	size_t		 len;
	unsigned char	 data[];
};

struct action {
	int		 type;
	const unsigned char *data;
	size_t		 len;
	uint64_t	 n;
	void		*owned;	/* sendfile's bytes, to free */
};

static const struct {
	const char	*name;
	int		 type;
	int		 arg;
	uint64_t	 min;
	uint64_t	 max;
} action_table[] = {
	{ "send", A_SEND, ARG_TEXT, 0, 0 },
	{ "sendfile", A_SENDFILE, ARG_PATH, 0, 0 },
	{ "big", A_BIG, ARG_NUM, 0, UINT64_MAX },
	{ "frag", A_FRAG, ARG_NUM, 1, UINT32_MAX },
	{ "trunc", A_TRUNC, ARG_NUM, 0, UINT64_MAX },
	{ "garbage", A_GARBAGE, ARG_NONE, 0, 0 },
	{ "badop", A_BADOP, ARG_NONE, 0, 0 },
	{ "unmasked", A_UNMASKED, ARG_TEXT, 0, 0 },
	{ "ping", A_PING, ARG_NONE, 0, 0 },
	{ "close", A_CLOSE, ARG_OPTNUM, 0, 65535 },
	{ "recv", A_RECV, ARG_NONE, 0, 0 },
	{ "recvall", A_RECVALL, ARG_NONE, 0, 0 },
	{ "expectclose", A_EXPECTCLOSE, ARG_NONE, 0, 0 },
	{ "sleep", A_SLEEP, ARG_NUM, 0, INT_MAX },
	{ "flood", A_FLOOD, ARG_TEXT, 0, 0 },
	{ "rtt", A_RTT, ARG_TEXT, 0, 0 },
};

static int		 ws_fd = -1;
static int64_t		 ws_timeout = 10000;	/* milliseconds */
static int		 ws_fail = EXIT_CONNECT; /* status of I/O errors */
static int		 ws_open;	/* handshake done, parse frames */
static int		 ws_eof;	/* peer closed or reset the socket */
static int		 ws_closed;	/* peer sent a close frame */
static unsigned int	 ws_close_code;
static struct buf	 ws_close_reason;
static int		 ws_midframe;	/* our frame is unfinished */
static int		 ws_pong_pending;
static unsigned char	 ws_pong[125];
static size_t		 ws_pong_len;
static struct buf	 ws_in;		/* bytes read, not yet parsed */
static struct buf	 ws_frag;	/* fragmented message so far */
static int		 ws_frag_op;	/* its opcode, 0 if none */
static struct msg	*ws_queue;	/* complete messages not printed */
static struct msg      **ws_queue_tail = &ws_queue;

static void	die(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));

/* Print "rawws: message" on stderr and exit with status. */
static void
die(int status, const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("rawws: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* Print the usage summary and exit 1. */
static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: rawws [-t seconds] address [action ...]\n"
	    "address: unix:/path/to/socket or host:port\n"
	    "actions: send:TEXT sendfile:PATH big:N frag:N trunc:N garbage "
	    "badop\n"
	    "         unmasked:TEXT ping close[:CODE] recv recvall "
	    "expectclose sleep:MS\n"
	    "         flood:N:RATE:INCIDENT rtt:N:MS:INCIDENT\n", stderr);
	exit(EXIT_USAGE);
}

/* Report a timed-out wait and exit 4. */
static void __attribute__((noreturn))
timed_out(void)
{
	fflush(stdout);
	fputs("timeout\n", stderr);
	exit(EXIT_TIMEOUT);
}

/* Allocate or die. */
static void *
xrealloc(void *p, size_t size)
{
	if ((p = realloc(p, size == 0 ? 1 : size)) == NULL)
		die(EXIT_IO, "out of memory (%zu bytes)", size);
	return p;
}

/* Make room for at least more bytes after the end of a buffer. */
static void
buf_reserve(struct buf *b, size_t more)
{
	size_t	cap;

	if (b->cap - b->len >= more)
		return;
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= more)
			return;
	}
	if (more > SIZE_MAX / 2 - b->len)
		die(EXIT_IO, "out of memory");
	cap = b->cap == 0 ? RAWWS_CHUNK : b->cap;
	while (cap - b->len < more)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

/* Append bytes to a buffer. */
static void
buf_add(struct buf *b, const void *p, size_t len)
{
	buf_reserve(b, len);
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
}

/* Fill p with len random bytes. */
static void
random_bytes(void *p, size_t len)
{
	unsigned char	*q = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = getrandom(q, len, 0)) == -1) {
			if (errno == EINTR)
				continue;
			die(EXIT_IO, "getrandom: %s", strerror(errno));
		}
		q += n;
		len -= (size_t)n;
	}
}

/* Milliseconds on the monotonic clock. */
static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds from now until deadline, clamped for poll. */
static int
ms_left(int64_t deadline)
{
	int64_t	left;

	left = deadline - now_ms();
	if (left < 0)
		return 0;
	if (left > INT_MAX)
		return INT_MAX;
	return (int)left;
}

/* Sleep until deadline without touching the socket. */
static void
nap(int64_t deadline)
{
	int	left;

	while ((left = ms_left(deadline)) > 0)
		poll(NULL, 0, left);
}

/* Poll the socket for events until deadline; revents, or 0 on timeout. */
static int
wait_fd(short events, int64_t deadline)
{
	struct pollfd	pfd;
	int		n;

	for (;;) {
		pfd.fd = ws_fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, ms_left(deadline));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die(ws_fail, "poll: %s", strerror(errno));
		}
		return n == 0 ? 0 : pfd.revents;
	}
}

/* Rotate a 32-bit word left by n bits. */
static uint32_t
rol32(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

/* Run the SHA-1 compression function over one 64-byte block. */
static void
sha1_block(uint32_t *h, const unsigned char *p)
{
	uint32_t	w[80], a, b, c, d, e, f, k, t;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol32(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

/* Compute the 20-byte SHA-1 digest of len bytes. */
static void
sha1(const void *data, size_t len, unsigned char *out)
{
	uint32_t		 h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
				     0x10325476, 0xc3d2e1f0 };
	const unsigned char	*p = data;
	unsigned char		 tail[128];
	uint64_t		 bits = (uint64_t)len * 8;
	size_t			 n = len, tlen;
	int			 i;

	for (; n >= 64; n -= 64, p += 64)
		sha1_block(h, p);
	memset(tail, 0, sizeof tail);
	memcpy(tail, p, n);
	tail[n] = 0x80;
	tlen = n < 56 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha1_block(h, tail);
	if (tlen == 128)
		sha1_block(h, tail + 64);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* Base64-encode len bytes into out, which needs 4 * ((len + 2) / 3) + 1. */
static void
base64(const unsigned char *in, size_t len, char *out)
{
	static const char	tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t		v;
	size_t			i;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = tab[v & 63];
	}
	if (len - i > 0) {
		v = (uint32_t)in[i] << 16;
		if (len - i == 2)
			v |= (uint32_t)in[i + 1] << 8;
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = len - i == 2 ? tab[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* Print a line with its bytes as-is except newlines turned into spaces. */
static void
print_line(const char *prefix, const unsigned char *p, size_t len)
{
	size_t	i, start;

	fputs(prefix, stdout);
	for (i = start = 0; i < len; i++) {
		if (p[i] != '\n' && p[i] != '\r')
			continue;
		fwrite(p + start, 1, i - start, stdout);
		fputc(' ', stdout);
		start = i + 1;
	}
	fwrite(p + start, 1, len - start, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Print a received message. */
static void
print_msg(const struct msg *m)
{
	if (m->op == 0x1)
		print_line("< ", m->data, m->len);
	else {
		printf("< [binary %zu bytes]\n", m->len);
		fflush(stdout);
	}
}

/* Print how much of a streamed payload went out before the peer closed. */
static void
print_stopped(uint64_t done, uint64_t total)
{
	printf("wrote %" PRIu64 " of %" PRIu64 " bytes before the peer "
	    "closed\n", done, total);
	fflush(stdout);
}

/* Queue a complete message from the server. */
static void
queue_msg(int op, const unsigned char *p, size_t len)
{
	struct msg	*m;

	m = xrealloc(NULL, sizeof *m + len);
	m->next = NULL;
	m->op = op;
	m->len = len;
	if (len > 0)
		memcpy(m->data, p, len);
	*ws_queue_tail = m;
	ws_queue_tail = &m->next;
}

/* Take the oldest queued message, or NULL. */
static struct msg *
dequeue_msg(void)
{
	struct msg	*m;

	if ((m = ws_queue) == NULL)
		return NULL;
	if ((ws_queue = m->next) == NULL)
		ws_queue_tail = &ws_queue;
	return m;
}

/* Fail on a protocol violation by the server. */
static void __attribute__((noreturn))
proto_error(const char *what, unsigned int value)
{
	die(EXIT_IO, "protocol error: %s (0x%x)", what, value);
}

/* Handle one complete frame from the server. */
static void
handle_frame(int fin, int op, const unsigned char *p, size_t len)
{
	switch (op) {
	case 0x0:
		if (ws_frag_op == 0)
			proto_error("continuation frame outside a message",
			    (unsigned int)op);
		buf_add(&ws_frag, p, len);
		if (fin) {
			queue_msg(ws_frag_op, ws_frag.data, ws_frag.len);
			ws_frag.len = 0;
			ws_frag_op = 0;
		}
		break;
	case 0x1:
	case 0x2:
		if (ws_frag_op != 0)
			proto_error("data frame inside a fragmented message",
			    (unsigned int)op);
		if (fin)
			queue_msg(op, p, len);
		else {
			ws_frag_op = op;
			buf_add(&ws_frag, p, len);
		}
		break;
	case 0x8:
		if (len == 1)
			proto_error("close frame of one byte", p[0]);
		ws_closed = 1;
		ws_close_code = 1005;
		if (len >= 2) {
			ws_close_code = (unsigned int)p[0] << 8 | p[1];
			buf_add(&ws_close_reason, p + 2, len - 2);
		}
		break;
	case 0x9:
		memcpy(ws_pong, p, len);
		ws_pong_len = len;
		ws_pong_pending = 1;
		break;
	case 0xa:
		break;
	}
}

/* Parse one frame at the start of the input; 0 if it is not complete yet. */
static int
parse_frame(void)
{
	unsigned char	*p = ws_in.data + ws_in.off;
	size_t		 avail = ws_in.len - ws_in.off, hlen = 2;
	uint64_t	 plen;
	int		 fin, op, i;

	if (avail < 2)
		return 0;
	fin = (p[0] & 0x80) != 0;
	op = p[0] & 0x0f;
	if (p[0] & 0x70)
		proto_error("frame with reserved bits set", p[0]);
	if (p[1] & 0x80)
		proto_error("masked frame from the server", p[1]);
	plen = p[1] & 0x7f;
	if (plen == 126) {
		if (avail < 4)
			return 0;
		plen = (uint64_t)p[2] << 8 | p[3];
		hlen = 4;
	} else if (plen == 127) {
		if (avail < 10)
			return 0;
		for (plen = 0, i = 0; i < 8; i++)
			plen = plen << 8 | p[2 + i];
		if (plen >> 63)
			proto_error("frame length with the top bit set", p[2]);
		hlen = 10;
	}
	switch (op) {
	case 0x0:
	case 0x1:
	case 0x2:
		break;
	case 0x8:
	case 0x9:
	case 0xa:
		if (!fin)
			proto_error("fragmented control frame",
			    (unsigned int)op);
		if (plen > 125)
			proto_error("control frame over 125 bytes",
			    (unsigned int)op);
		break;
	default:
		proto_error("reserved opcode", (unsigned int)op);
	}
	if (plen > avail - hlen) {
		if (plen < SIZE_MAX / 2)
			buf_reserve(&ws_in, (size_t)plen - (avail - hlen));
		return 0;
	}
	ws_in.off += hlen + (size_t)plen;
	handle_frame(fin, op, p + hlen, (size_t)plen);
	if (ws_in.off == ws_in.len)
		ws_in.off = ws_in.len = 0;
	return 1;
}

/* Read what the socket has and parse the frames once the handshake is done. */
static void
fill(void)
{
	ssize_t	n;

	if (ws_eof)
		return;
	buf_reserve(&ws_in, RAWWS_CHUNK);
	n = recv(ws_fd, ws_in.data + ws_in.len, ws_in.cap - ws_in.len, 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (errno != ECONNRESET && errno != EPIPE)
			die(ws_fail, "read: %s", strerror(errno));
		n = 0;
	}
	if (n == 0) {
		ws_eof = 1;
		return;
	}
	ws_in.len += (size_t)n;
	while (ws_open && !ws_closed && parse_frame())
		;
}

/* Write len bytes while reading what arrives; -1 if the peer went away. */
static int
write_all(const void *buf, size_t len, int flags, size_t *done)
{
	const unsigned char	*p = buf;
	size_t			 off = 0;
	ssize_t			 n;
	int			 rev, error = 0;

	while (off < len) {
		if ((flags & WF_STOP) && (ws_closed || ws_eof)) {
			error = -1;
			break;
		}
		rev = wait_fd(POLLOUT | (ws_eof ? 0 : POLLIN),
		    now_ms() + ws_timeout);
		if (rev == 0)
			timed_out();
		if (rev & (POLLIN | POLLHUP | POLLERR))
			fill();
		if ((rev & (POLLOUT | POLLHUP | POLLERR)) == 0)
			continue;
		n = send(ws_fd, p + off, len - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			if ((flags & WF_QUIET) &&
			    (errno == EPIPE || errno == ECONNRESET)) {
				error = -1;
				break;
			}
			die(ws_fail, "write: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	if (done != NULL)
		*done = off;
	return error;
}

/* Build a frame header; with masked, pick a mask and store it in mask. */
static size_t
frame_header(unsigned char *h, unsigned char b0, uint64_t len, int masked,
    unsigned char *mask)
{
	unsigned char	mbit = masked ? 0x80 : 0;
	size_t		n;
	int		i;

	h[0] = b0;
	if (len < 126) {
		h[1] = mbit | (unsigned char)len;
		n = 2;
	} else if (len <= 0xffff) {
		h[1] = mbit | 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		n = 4;
	} else {
		h[1] = mbit | 127;
		for (i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)(len >> (56 - 8 * i));
		n = 10;
	}
	if (masked) {
		random_bytes(mask, 4);
		memcpy(h + n, mask, 4);
		n += 4;
	}
	return n;
}

/* Send one whole frame (b0 is FIN and opcode); -1 if the peer went away. */
static int
send_frame(unsigned char b0, int masked, const void *data, size_t len,
    int flags)
{
	const unsigned char	*p = data;
	unsigned char		*f, mask[4];
	size_t			 hlen, i;
	int			 error, saved = ws_midframe;

	if (len > SIZE_MAX - 14)
		die(EXIT_IO, "out of memory");
	f = xrealloc(NULL, 14 + len);
	hlen = frame_header(f, b0, len, masked, mask);
	for (i = 0; i < len; i++)
		f[hlen + i] = masked ? p[i] ^ mask[i & 3] : p[i];
	ws_midframe = 1;
	error = write_all(f, hlen + len, flags, NULL);
	ws_midframe = saved;
	free(f);
	return error;
}

/* Answer the latest ping unless a frame of ours is unfinished. */
static void
flush_pong(void)
{
	if (!ws_pong_pending || ws_midframe || ws_eof)
		return;
	ws_pong_pending = 0;
	send_frame(0x8a, 1, ws_pong, ws_pong_len, WF_QUIET);
}

/* Send a frame declaring len bytes but carrying count bytes of 'a'. */
static int
stream_frame(unsigned char b0, uint64_t len, uint64_t count, uint64_t *done)
{
	static unsigned char	chunk[RAWWS_CHUNK];
	unsigned char		hdr[14], mask[4];
	size_t			hlen, i, n, wrote;

	hlen = frame_header(hdr, b0, len, 1, mask);
	if (write_all(hdr, hlen, WF_QUIET | WF_STOP, NULL) == -1)
		return -1;
	for (i = 0; i < sizeof chunk; i++)
		chunk[i] = 'a' ^ mask[i & 3];
	while (count > 0) {
		n = count < sizeof chunk ? (size_t)count : sizeof chunk;
		if (write_all(chunk, n, WF_QUIET | WF_STOP, &wrote) == -1) {
			*done += wrote;
			return -1;
		}
		*done += n;
		count -= n;
	}
	return 0;
}

/* Wait until deadline for a queued message, the peer's close or a timeout. */
static int
next_event(int64_t deadline, struct msg **mp)
{
	for (;;) {
		flush_pong();
		if ((*mp = dequeue_msg()) != NULL)
			return EV_MSG;
		if (ws_closed)
			return EV_CLOSE;
		if (ws_eof)
			return EV_EOF;
		if (wait_fd(POLLIN, deadline) == 0)
			return EV_TIMEOUT;
		fill();
	}
}

/* Print the peer's close, answer a close frame and exit 0. */
static void __attribute__((noreturn))
peer_closed(int ev)
{
	unsigned char	code[2];

	if (ev == EV_CLOSE) {
		printf("closed %u", ws_close_code);
		if (ws_close_reason.len > 0)
			print_line(" ", ws_close_reason.data,
			    ws_close_reason.len);
		else
			fputc('\n', stdout);
		fflush(stdout);
		if (!ws_midframe && !ws_eof) {
			code[0] = (unsigned char)(ws_close_code >> 8);
			code[1] = (unsigned char)ws_close_code;
			send_frame(0x88, 1, code,
			    ws_close_code == 1005 ? 0 : 2, WF_QUIET);
		}
	} else {
		printf("closed\n");
		fflush(stdout);
	}
	exit(0);
}

/* Receive and print messages: one (recv), or until close or timeout. */
static void
receive(int type)
{
	struct msg	*m;
	int64_t		 deadline = now_ms() + ws_timeout;
	int		 ev;

	for (;;) {
		ev = next_event(deadline, &m);
		switch (ev) {
		case EV_MSG:
			print_msg(m);
			free(m);
			if (type == A_RECV)
				return;
			break;
		case EV_CLOSE:
		case EV_EOF:
			peer_closed(ev);
			/* NOTREACHED */
		case EV_TIMEOUT:
			if (type == A_RECVALL)
				return;
			if (type == A_EXPECTCLOSE) {
				printf("timeout waiting for close\n");
				exit(EXIT_TIMEOUT);
			}
			timed_out();
		}
	}
}

/* Wait ms milliseconds, queueing messages and answering pings. */
static void
pause_ms(uint64_t ms)
{
	int64_t	deadline = now_ms() + (int64_t)ms;

	while (ms_left(deadline) > 0) {
		flush_pong();
		if (ws_eof || ws_closed) {
			nap(deadline);
			break;
		}
		if (wait_fd(POLLIN, deadline) != 0)
			fill();
	}
}

/*
 * Parse "N:M:INCIDENT" (flood, rtt) into *n, *m and the incident (a
 * pointer into arg); die on a bad one.
 */
static const char *
parse_nmi(const char *what, const unsigned char *arg, uint64_t *n,
    uint64_t *m)
{
	const char	*p = (const char *)arg;
	char		*end;

	errno = 0;
	*n = strtoull(p, &end, 10);
	if (errno != 0 || end == p || *end != ':' || *n == 0 ||
	    *n > 10000000)
		die(EXIT_USAGE, "%s: bad count", what);
	p = end + 1;
	*m = strtoull(p, &end, 10);
	if (errno != 0 || end == p || *end != ':' || *m > 10000000)
		die(EXIT_USAGE, "%s: bad number", what);
	p = end + 1;
	if (*p == '\0' || strpbrk(p, "\"\\") != NULL)
		die(EXIT_USAGE, "%s: bad incident", what);
	return p;
}

/* Send note k of a run named tag to incident as a command. */
static void
send_note(const char *tag, uint64_t k, const char *incident)
{
	char	text[256];
	int	n;

	n = snprintf(text, sizeof text, "{\"type\":\"command\",\"op\":"
	    "\"%s-%ld-%" PRIu64 "\",\"incident\":\"%s\",\"cmd\":\"note\","
	    "\"text\":\"%s %" PRIu64 "\"}", tag, (long)getpid(), k,
	    incident, tag, k);
	if (n < 0 || (size_t)n >= sizeof text)
		die(EXIT_USAGE, "incident name too long");
	send_frame(0x81, 1, text, (size_t)n, 0);
}

/* Is m an answer (ack, refused or error) to an op of run tag? */
static int
is_answer(const struct msg *m, const char *tag, int *acked)
{
	char	want[64];

	snprintf(want, sizeof want, "\"op\":\"%s-%ld-", tag, (long)getpid());
	if (m->op != 0x1 || memmem(m->data, m->len, want, strlen(want)) == NULL)
		return 0;
	*acked = memmem(m->data, m->len, "\"type\":\"ack\"", 12) != NULL;
	return 1;
}

/* Take the queued messages: count answers, print the others. */
static void
drain(const char *tag, uint64_t *answered, uint64_t *acked)
{
	struct msg	*m;
	int		 ack;

	while ((m = dequeue_msg()) != NULL) {
		if (is_answer(m, tag, &ack)) {
			(*answered)++;
			*acked += (uint64_t)ack;
		} else
			print_msg(m);
		free(m);
	}
}

/* A flood of notes, paced at rate a second (0: flat out). */
static void
flood(const unsigned char *arg)
{
	const char	*incident;
	uint64_t	 n, rate, k, was, answered = 0, acked = 0;
	int64_t		 start = now_ms(), sent, last, deadline, due;

	incident = parse_nmi("flood", arg, &n, &rate);
	for (k = 0; k < n; k++) {
		if (rate > 0 && (due = start + (int64_t)(k * 1000 / rate)) >
		    now_ms())
			pause_ms((uint64_t)(due - now_ms()));
		send_note("flood", k, incident);
		drain("flood", &answered, &acked);
		if (ws_eof || ws_closed) {
			k++;
			break;
		}
	}
	sent = now_ms();
	last = sent;
	deadline = last + ws_timeout;
	while (answered < n && !ws_eof && !ws_closed) {
		if (wait_fd(POLLIN, deadline) == 0)
			break;
		fill();
		flush_pong();
		was = answered;
		drain("flood", &answered, &acked);
		if (answered > was) {
			last = now_ms();
			deadline = last + ws_timeout;
		}
	}
	printf("flood: sent %" PRIu64 " in %lld ms (%lld/s), answered %"
	    PRIu64 " (%" PRIu64 " acked) in %lld ms (%lld/s)\n", k,
	    (long long)(sent - start), (long long)((sent - start) > 0 ?
	    (int64_t)k * 1000 / (sent - start) : 0), answered, acked,
	    (long long)(last - start), (long long)((last - start) > 0 ?
	    (int64_t)answered * 1000 / (last - start) : 0));
	fflush(stdout);
}

static int
cmp_ms(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Notes one at a time, each timed from sending to its answer. */
static void
rtt(const unsigned char *arg)
{
	const char	*incident;
	uint64_t	 n, gap, k, answered = 0, acked = 0, before;
	int64_t		*ms, t0, deadline;

	incident = parse_nmi("rtt", arg, &n, &gap);
	ms = xrealloc(NULL, (size_t)n * sizeof *ms);
	for (k = 0; k < n && !ws_eof && !ws_closed; k++) {
		if (k > 0 && gap > 0)
			pause_ms(gap);
		drain("rtt", &answered, &acked);
		before = answered;
		t0 = now_ms();
		send_note("rtt", k, incident);
		deadline = t0 + ws_timeout;
		while (answered == before && !ws_eof && !ws_closed) {
			drain("rtt", &answered, &acked);
			if (answered > before)
				break;
			if (wait_fd(POLLIN, deadline) == 0)
				timed_out();
			fill();
			flush_pong();
		}
		ms[k] = now_ms() - t0;
	}
	qsort(ms, (size_t)k, sizeof *ms, cmp_ms);
	printf("rtt: %" PRIu64 " answered (%" PRIu64 " acked), max %lld ms, "
	    "median %lld ms\n", answered, acked, k > 0 ?
	    (long long)ms[k - 1] : -1LL, k > 0 ? (long long)ms[k / 2] : -1LL);
	fflush(stdout);
	free(ms);
}

/* After a final trunc, hold the socket open until the peer closes. */
static void
stall(void)
{
	int64_t	deadline = now_ms() + ws_timeout;

	while (!ws_eof && !ws_closed) {
		if (wait_fd(POLLIN, deadline) == 0)
			break;
		fill();
	}
}

/* Connect a non-blocking socket, waiting at most the timeout; -1 on error. */
static int
try_connect(int family, const struct sockaddr *sa, socklen_t salen)
{
	socklen_t	len;
	int		fd, error;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, sa, salen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		error = errno;
		close(fd);
		errno = error;
		return -1;
	}
	ws_fd = fd;
	if (wait_fd(POLLOUT, now_ms() + ws_timeout) == 0)
		timed_out();
	len = sizeof error;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	ws_fd = -1;
	if (error != 0) {
		close(fd);
		errno = error;
		return -1;
	}
	return fd;
}

/* Connect to unix:/path or host:port; returns the Host header value. */
static const char *
open_conn(const char *address)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *res, *ai;
	char			*copy, *host, *port;
	int			 error;

	if (strncmp(address, "unix:", 5) == 0) {
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		if (address[5] == '\0' ||
		    strlen(address + 5) >= sizeof sun.sun_path)
			die(EXIT_USAGE, "bad socket path: %s", address + 5);
		strcpy(sun.sun_path, address + 5);
		ws_fd = try_connect(AF_UNIX, (struct sockaddr *)&sun,
		    sizeof sun);
		if (ws_fd == -1)
			die(EXIT_CONNECT, "connect %s: %s", address,
			    strerror(errno));
		return "localhost";
	}

	if ((host = copy = strdup(address)) == NULL)
		die(EXIT_USAGE, "out of memory");
	if ((port = strrchr(host, ':')) == NULL || port == host ||
	    port[1] == '\0')
		die(EXIT_USAGE, "bad address: %s", address);
	*port++ = '\0';
	if (host[0] == '[' && port[-2] == ']') {
		port[-2] = '\0';
		host++;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0)
		die(EXIT_CONNECT, "%s: %s", address, gai_strerror(error));
	error = ECONNREFUSED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		ws_fd = try_connect(ai->ai_family, ai->ai_addr, ai->ai_addrlen);
		if (ws_fd != -1)
			break;
		error = errno;
	}
	freeaddrinfo(res);
	free(copy);
	if (ws_fd == -1)
		die(EXIT_CONNECT, "connect %s: %s", address, strerror(error));
	return address;
}

/* Trim spaces and tabs around a string in place. */
static char *
trim(char *s)
{
	char	*end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* Whether a comma-separated header value holds token (any case). */
static int
has_token(char *value, const char *token)
{
	char	*t;

	while ((t = strsep(&value, ",")) != NULL) {
		if (strcasecmp(trim(t), token) == 0)
			return 1;
	}
	return 0;
}

/* Check the handshake response head (NUL-terminated, CRLF lines). */
static void
check_response(char *head, const char *want)
{
	char	*line, *value;
	int	 upgrade = 0, connection = 0, accept = 0;

	line = strsep(&head, "\r");
	if (strncmp(line, "HTTP/1.1 101", 12) != 0 ||
	    (line[12] != '\0' && line[12] != ' '))
		die(EXIT_CONNECT, "handshake refused: %s", line);
	while (head != NULL) {
		if (*head == '\n')
			head++;
		line = strsep(&head, "\r");
		if (*line == '\0')
			continue;
		if ((value = strchr(line, ':')) == NULL)
			die(EXIT_CONNECT, "bad response header: %s", line);
		*value++ = '\0';
		value = trim(value);
		if (strcasecmp(line, "Upgrade") == 0)
			upgrade = strcasecmp(value, "websocket") == 0;
		else if (strcasecmp(line, "Connection") == 0)
			connection = has_token(value, "upgrade");
		else if (strcasecmp(line, "Sec-WebSocket-Accept") == 0) {
			if (strcmp(value, want) != 0)
				die(EXIT_CONNECT, "bad Sec-WebSocket-Accept: "
				    "%s (want %s)", value, want);
			accept = 1;
		} else if (strcasecmp(line, "Sec-WebSocket-Protocol") == 0) {
			if (strcmp(value, "concord") != 0)
				die(EXIT_CONNECT, "server chose subprotocol "
				    "%s", value);
		}
	}
	if (!upgrade)
		die(EXIT_CONNECT, "handshake response lacks Upgrade: "
		    "websocket");
	if (!connection)
		die(EXIT_CONNECT, "handshake response lacks Connection: "
		    "Upgrade");
	if (!accept)
		die(EXIT_CONNECT, "handshake response lacks "
		    "Sec-WebSocket-Accept");
}

/* Send the client handshake and check the server's 101 response. */
static void
handshake(const char *host)
{
	unsigned char	 nonce[16], digest[20];
	char		 key[25], want[29], keyguid[64], req[1024];
	char		*head, *end;
	size_t		 hlen;
	int64_t		 deadline;
	int		 len;

	random_bytes(nonce, sizeof nonce);
	base64(nonce, sizeof nonce, key);
	snprintf(keyguid, sizeof keyguid, "%s%s", key, RAWWS_GUID);
	sha1(keyguid, strlen(keyguid), digest);
	base64(digest, sizeof digest, want);

	len = snprintf(req, sizeof req, "GET / HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Protocol: concord\r\n"
	    "\r\n", host, key);
	if (len < 0 || (size_t)len >= sizeof req)
		die(EXIT_USAGE, "host name too long");
	if (write_all(req, (size_t)len, WF_QUIET, NULL) == -1)
		die(EXIT_CONNECT, "connection closed during the handshake");

	buf_reserve(&ws_in, RAWWS_CHUNK);
	deadline = now_ms() + ws_timeout;
	for (;;) {
		end = memmem(ws_in.data + ws_in.off, ws_in.len - ws_in.off,
		    "\r\n\r\n", 4);
		if (end != NULL)
			break;
		if (ws_in.len - ws_in.off > RAWWS_MAXHEAD)
			die(EXIT_CONNECT, "handshake response too long");
		if (ws_eof)
			die(EXIT_CONNECT, "connection closed during the "
			    "handshake");
		if (wait_fd(POLLIN, deadline) == 0)
			timed_out();
		fill();
	}
	hlen = (size_t)(end - (char *)(ws_in.data + ws_in.off)) + 2;
	head = xrealloc(NULL, hlen + 1);
	memcpy(head, ws_in.data + ws_in.off, hlen);
	head[hlen] = '\0';
	ws_in.off += hlen + 2;
	check_response(head, want);
	free(head);

	ws_open = 1;
	ws_fail = EXIT_IO;
	while (!ws_closed && parse_frame())
		;
}

/* Parse a decimal number between min and max; -1 if it is not one. */
static int
parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long	 v;
	char			*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Read a whole file for sendfile. */
static void
read_file(const char *path, struct action *a)
{
	struct buf	b;
	ssize_t		n;
	int		fd;

	memset(&b, 0, sizeof b);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	for (;;) {
		buf_reserve(&b, RAWWS_CHUNK);
		n = read(fd, b.data + b.len, b.cap - b.len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die(EXIT_USAGE, "%s: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	close(fd);
	a->owned = b.data;
	a->data = b.data;
	a->len = b.len;
}

/* Parse one action word. */
static void
parse_action(const char *word, struct action *a)
{
	const char	*colon, *arg;
	size_t		 nlen, i;

	colon = strchr(word, ':');
	nlen = colon != NULL ? (size_t)(colon - word) : strlen(word);
	arg = colon != NULL ? colon + 1 : NULL;
	for (i = 0; i < sizeof action_table / sizeof action_table[0]; i++) {
		if (strlen(action_table[i].name) == nlen &&
		    strncmp(action_table[i].name, word, nlen) == 0)
			break;
	}
	if (i == sizeof action_table / sizeof action_table[0])
		die(EXIT_USAGE, "unknown action: %s", word);

	memset(a, 0, sizeof *a);
	a->type = action_table[i].type;
	switch (action_table[i].arg) {
	case ARG_NONE:
		if (arg != NULL)
			die(EXIT_USAGE, "%s takes no argument",
			    action_table[i].name);
		break;
	case ARG_TEXT:
		if (arg == NULL)
			die(EXIT_USAGE, "%s needs :TEXT", action_table[i].name);
		a->data = (const unsigned char *)arg;
		a->len = strlen(arg);
		break;
	case ARG_PATH:
		if (arg == NULL || *arg == '\0')
			die(EXIT_USAGE, "%s needs :PATH", action_table[i].name);
		read_file(arg, a);
		break;
	case ARG_OPTNUM:
		a->n = 1000;
		if (arg == NULL)
			break;
		/* FALLTHROUGH */
	case ARG_NUM:
		if (arg == NULL || parse_num(arg, action_table[i].min,
		    action_table[i].max, &a->n) == -1)
			die(EXIT_USAGE, "bad number in %s (%" PRIu64 " to %"
			    PRIu64 ")", word, action_table[i].min,
			    action_table[i].max);
		break;
	}
}

/* Perform one action. */
static void
run_action(const struct action *a)
{
	unsigned char	g[64], code[2];
	uint64_t	done = 0, i;

	switch (a->type) {
	case A_SEND:
	case A_SENDFILE:
		send_frame(0x81, 1, a->data, a->len, 0);
		break;
	case A_UNMASKED:
		send_frame(0x81, 0, a->data, a->len, 0);
		break;
	case A_BIG:
		ws_midframe = 1;
		if (stream_frame(0x81, a->n, a->n, &done) == -1) {
			print_stopped(done, a->n);
			break;
		}
		ws_midframe = 0;
		break;
	case A_FRAG:
		ws_midframe = 1;
		for (i = 0; i < a->n; i++) {
			if (stream_frame((i == 0 ? 0x1 : 0x0) |
			    (i == a->n - 1 ? 0x80 : 0), RAWWS_CHUNK,
			    RAWWS_CHUNK, &done) == -1) {
				print_stopped(done, a->n * RAWWS_CHUNK);
				return;
			}
		}
		ws_midframe = 0;
		break;
	case A_TRUNC:
		ws_midframe = 1;
		if (stream_frame(0x81, a->n, a->n / 2, &done) == -1)
			print_stopped(done, a->n / 2);
		break;
	case A_GARBAGE:
		random_bytes(g, sizeof g);
		g[0] |= 0x70;
		write_all(g, sizeof g, 0, NULL);
		break;
	case A_BADOP:
		send_frame(0x83, 1, "badop", 5, 0);
		break;
	case A_PING:
		send_frame(0x89, 1, "rawws", 5, 0);
		break;
	case A_CLOSE:
		code[0] = (unsigned char)(a->n >> 8);
		code[1] = (unsigned char)a->n;
		send_frame(0x88, 1, code, sizeof code, 0);
		break;
	case A_RECV:
	case A_RECVALL:
	case A_EXPECTCLOSE:
		receive(a->type);
		break;
	case A_SLEEP:
		pause_ms(a->n);
		break;
	case A_FLOOD:
		flood(a->data);
		break;
	case A_RTT:
		rtt(a->data);
		break;
	}
	flush_pong();
}

/* Parse the arguments, connect, shake hands and run the actions. */
int
main(int argc, char **argv)
{
	struct action	*actions;
	const char	*host;
	char		*end;
	double		 t;
	int		 ch, i, n;

	while ((ch = getopt(argc, argv, "+t:")) != -1) {
		switch (ch) {
		case 't':
			errno = 0;
			t = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(t > 0 && t <= 2000000))
				die(EXIT_USAGE, "bad timeout: %s", optarg);
			ws_timeout = (int64_t)(t * 1000);
			if (ws_timeout < 1)
				ws_timeout = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();

	n = argc - 1;
	actions = xrealloc(NULL, (size_t)(n > 0 ? n : 1) * sizeof *actions);
	for (i = 0; i < n; i++)
		parse_action(argv[i + 1], &actions[i]);

	signal(SIGPIPE, SIG_IGN);
	host = open_conn(argv[0]);
	handshake(host);
	for (i = 0; i < n; i++)
		run_action(&actions[i]);
	if (n > 0 && actions[n - 1].type == A_TRUNC)
		stall();
	close(ws_fd);
	for (i = 0; i < n; i++)
		free(actions[i].owned);
	free(actions);
	return 0;
}
