/*
 * loadgen: the load generator of `make bench` and of the fan-out test.
 *
 *	loadgen [-NR] [-k kind] [-f followers] [-w writers] [-r rate]
 *	    [-W window] [-n notes | -d seconds] [-s size] [-i incident]
 *	    [-F from] [-V verifying] [-p pid] [-H seconds] [-D seconds]
 *	    [-S stalled] [-A address] address
 *	loadgen -Y file [-n count] [-s size]
 *
 * The address is host:port (TCP) or, for concord, unix:/path; over TCP
 * concord's hellos carry $CONCORD_TOKEN, whose user must be allowed to act
 * as the generator's connections (f1, w1, ...).  Options:
 *
 *	-A address	concord: the writers, the connection that opens the
 *			incident and the probe go to this address (a hub)
 *			and the followers to the other (another hub on the
 *			same store): delivery from hub to hub *
 *	-k kind		what listens there: concord (a concordd hub, the
 *			default), relay (a websocket broadcast relay such
 *			as bench/relay.js: a connection to /sub receives
 *			every message sent on a connection to /pub, and
 *			each sender is answered "+" per message) or redis
 *			(Redis pub/sub, spoken in RESP over plain sockets:
 *			SUBSCRIBE and PUBLISH on the channel "loadgen")
 *	-f followers	connections that follow (default 10)
 *	-w writers	connections that send notes (default 1)
 *	-r rate		notes per second per writer; 0 (the default):
 *			flat out
 *	-W window	notes a writer may have unanswered (default 64)
 *	-n notes	notes in all, shared among the writers, or
 *	-d seconds	how long the writers write
 *	-s size		bytes of note text (default 200)
 *	-i incident	concord: the incident (default: open a new one)
 *	-F from		concord: followers ask for the events after this
 *			seq (past the head: from the head, so that with
 *			writers they see only this run's notes)
 *	-V verifying	followers that recompute the chain (default all)
 *	-p pid		the server's process, to sample
 *	-H seconds	with no writers: hold the followers idle this long
 *			once all have caught up, then sample the server's
 *			memory
 *	-N		with -H: connections name the incident but do not
 *			follow it
 *	-R		followers (concord, relay) read their websocket
 *			themselves: a plain socket adopted raw, the upgrade
 *			and the frames parsed here, a frame's payload at a
 *			time (libwebsockets 4.1.6's client parses a payload
 *			one byte per call); writers stay lws clients
 *	-D seconds	how long the followers may take to drain after the
 *			writers finish (default 60); 0 ends the run when the
 *			writers do, without checking that all arrived
 *	-S stalled	the first this many followers stop reading when the
 *			writers start (an overload); the server may close
 *			them
 *	-Y file		measure the disk instead (below)
 *
 * Model.  One process, one libwebsockets event loop on one thread, holding
 * every connection: F followers, P writers and, for concord, short control
 * connections (one opens the incident unless -i names one; after the
 * writers finish a probe reads the head and chain from its welcome).  A run
 * moves through phases: the followers connect (at most LG_OPENING at a time)
 * and each catches up to the head its welcome names; then the writers start
 * (time t0) and each sends notes of -s bytes, at -r notes/s or, with -r 0,
 * flat out with at most -W commands unanswered; they stop after -n notes
 * in all or -d seconds; then the followers drain until each holds every
 * acknowledged note, or -D seconds pass.  Each note's text is
 * "loadgen wW nN tT ..." padded to its size: writer W's N-th note, sent at
 * T microseconds on this process's monotonic clock, so a follower measures
 * latency with the same clock; its operation id is "wW-N-PID", so that
 * runs into the same incident (-i) never repeat one.  With no writers the run is a catch-up
 * (each follower's time from connecting to holding the head) or, with -H,
 * an idle hold: the hub's memory per follower once all have caught up.
 *
 * Checks, per follower.  Every follower keeps a bit per note of each
 * writer: a note must arrive once (a second time is a duplicate), never
 * after a later note of the same writer (reordered), and be one the writer
 * sent.  Concord events must also arrive with seq one more than the last
 * (a repeat or an older seq is a duplicate, a jump is out of order and
 * leaves the skipped ones missing); at the end each follower must hold the
 * probe's head with the chain value the probe was given, and the same
 * fingerprint of every seq it received as every other follower.
 * The first -V followers (default all) also decode every event with the
 * protocol's own decoder and recompute the hash chain, from the incident's
 * start when they followed from 0.  For the peers, which have no seq, every
 * acknowledged note must have arrived by the end of the drain.
 *
 * With -p the generator samples that process (the server): its CPU time
 * over the measured interval (from t0 to the end of the drain) and its
 * resident memory before the followers connect, once they have caught up,
 * every 100 ms while writing, at the end of writing and after the drain.
 *
 * -Y measures the disk instead: -n appends of -s bytes to a new file, each
 * followed by fdatasync, the rate of an event log that commits each event
 * on its own.
 *
 * Output: one line of key=value pairs starting "loadgen " (for scripts),
 * then one line for people.  Exit status: 0 ok, 1 usage or setup error,
 * 2 a connection failed or was lost, 3 a check failed (missing, duplicate,
 * out-of-order, chain, digest or refused), 4 the drain timed out.
 *
 * Invariants: writes only from the WRITEABLE callback, one lws_write per
 * callback; a connection's state is reached through its opaque pointer,
 * cleared before the generator lets a connection go.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "core.h"
#include "proto.h"
#include "util.h"

#define LG_OPENING	64	/* connections opening at once */
#define LG_TICK		50000	/* us between looks at progress */
#define LG_SAMPLE	100000	/* us between memory samples */
#define LG_RETRIES	20	/* connect attempts per connection */
#define LG_CONNECT_TO	30	/* seconds to connect everyone */
#define LG_MAX_MSG	(4 * 1024 * 1024)
#define LG_CHANNEL	"loadgen"
#define LG_HIST_LIN	1024	/* 1 us buckets below this */
#define LG_HIST_SUB	512	/* buckets per power of two above */
#define LG_HIST_N	(LG_HIST_LIN + 40 * LG_HIST_SUB)

enum lg_kind {
	LG_CONCORD,
	LG_RELAY,
	LG_REDIS
};

enum lg_role {
	LG_FOLLOWER,
	LG_WRITER,
	LG_OPEN,		/* concord: opens the incident */
	LG_PROBE,		/* concord: reads head and chain */
	LG_PACER		/* the timer of writers at a rate */
};

enum lg_phase {
	LG_DOWN,
	LG_CONNECTING,
	LG_UP,
	LG_GONE
};

enum lg_stage {
	LG_SETUP,		/* opening the incident */
	LG_JOIN,		/* followers connecting and catching up */
	LG_WRITE,
	LG_PROBING,		/* concord: reading the final head */
	LG_DRAIN,
	LG_HOLD,		/* idle followers held before sampling */
	LG_DONE
};

/*
 * One connection: a follower, a writer, or a short control connection.
 * Times are microseconds on the monotonic clock.
 */
struct lg_conn {
	struct lws	*wsi;
	enum lg_role	 role;
	int		 id;
	enum lg_phase	 phase;
	int		 said;		/* hello or SUBSCRIBE written */
	int		 tries;
	int		 caught;	/* reached its first target */
	int64_t		 started;	/* connecting began */
	int64_t		 done;		/* reached its target */
	struct buf	 rx;		/* message or stream so far */
	size_t		 rxoff;		/* parsed up to (RESP, -R) */
	int		 raw;		/* -R: frames read here, not by lws */
	int		 upgrade;	/* -R: 0 ask, 1 asked, 2 upgraded */
	struct buf	 frag;		/* -R: a fragmented message so far */
	unsigned char	 pong[125];	/* -R: a ping's payload to return */
	int		 pong_len;	/* -1: no pong due */
	lws_sorted_usec_list_t sul;	/* the retry timer */

	/* A follower. */
	int		 verify;	/* recomputes the chain */
	int		 stalled;	/* stopped reading (-S) */
	int64_t		 head;		/* its welcome's head */
	char		 whash[CORE_HASH_LEN * 2 + 1];	/* and chain */
	int64_t		 seq;		/* last seq held (concord) */
	int64_t		 got;		/* notes received */
	int64_t		*maxn;		/* each writer's latest note */
	uint64_t	**seen;		/* each writer's notes, a bit each */
	size_t		*nseen;		/* words in each */
	int64_t		 missing;
	int64_t		 dup;
	int64_t		 ooo;
	int64_t		 reorder;	/* a writer's notes reordered */
	int64_t		 bogus;		/* notes no writer sent */
	uint64_t	 fp;		/* of every seq */
	char		 hash[CORE_HASH_LEN * 2 + 1];
	int		 chained;	/* chain holds a known value */
	unsigned char	 chain[CORE_HASH_LEN];
	int64_t		 chain_bad;
	int64_t		 checked;	/* events it recomputed */

	/* A writer. */
	int64_t		 sent;
	int64_t		 acked;
	int64_t		 quota;		/* notes to send; -1 by time */
	int64_t		 due;		/* next note, at a rate */
	int64_t		*sent_at;	/* ring of -W send times */
};

/* An address: host and port, or a Unix socket's path. */
struct lg_where {
	const char	*address;
	char		 host[256];
	int		 port;
	char		 unixpath[256];
};

struct lg_hist {
	int64_t		 n;
	int64_t		 max;
	int64_t		 count[LG_HIST_N];
};

static struct {
	/* options */
	enum lg_kind	 kind;
	int		 followers;
	int		 writers;
	int64_t		 rate;
	int		 window;
	int64_t		 notes;
	int64_t		 secs;
	int		 size;
	char		*incident;
	int64_t		 from;
	int		 verifying;
	pid_t		 pid;
	int64_t		 hold;
	int64_t		 drain;
	int		 nofollow;
	int		 stall;
	int		 rawfollow;	/* -R */

	/* where: the followers', and the others' (-A, or the same) */
	struct lg_where	 at;
	struct lg_where	 wat;

	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct lg_conn	*fol;
	struct lg_conn	*wri;
	struct lg_conn	 ctl;
	struct lg_conn	 pacer;
	int		 pacer_fd;
	enum lg_stage	 stage;
	int		 opening;
	int		 next_fol;	/* next follower to start */
	int		 up;		/* followers up and caught up */
	int		 lost;
	int		 dropped;	/* stalled ones the server closed */
	int		 failed;	/* setup failed: stop */
	int		 interrupted;
	lws_sorted_usec_list_t tick;

	int64_t		 t_join;	/* us: followers started */
	int64_t		 t0;		/* us: writers started */
	int64_t		 t_written;	/* us: writers finished */
	int64_t		 t_end;		/* us: drain finished */
	int64_t		 t_last_rx;	/* us: last note delivered */
	int64_t		 t_last_ack;
	int64_t		 t_sample;
	int64_t		 t_hold;

	int64_t		 target;	/* concord: the probe's head */
	char		 target_hash[CORE_HASH_LEN * 2 + 1];
	int64_t		 acked;		/* notes acknowledged in all */
	int64_t		 max_seq;	/* highest seq acknowledged */
	int64_t		 refused;
	int64_t		 errors;
	int64_t		 deliveries;
	int64_t		 rx_bytes;	/* received by followers */
	int64_t		 presence;	/* presence messages received */

	struct lg_hist	 lat;		/* note sent to delivered */
	struct lg_hist	 ack;		/* note sent to acknowledged */

	long		 rss_base, rss_start, rss_max, rss_end, rss_drained;
	long		 rss_idle;
	int64_t		 cpu0, cpu1;	/* server ticks */
	int64_t		 gcpu0, gcpu1;	/* generator us */

	char		 outbuf[LWS_PRE + 16384];
	char		 token[CORE_TOKEN_MAX + 16]; /* ,"token":"..." or "" */
} lg;

static void	lg_start(struct lg_conn *);
static void	lg_pump(void);
static void	lg_writer_kick(struct lg_conn *);

/* Where connection c goes: the followers to the address, the rest to -A. */
static const struct lg_where *
lg_where(const struct lg_conn *c)
{
	return c->role == LG_FOLLOWER ? &lg.at : &lg.wat;
}

static void __attribute__((noreturn, format(printf, 2, 3)))
lg_die(int status, const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void __attribute__((noreturn))
lg_usage(void)
{
	fputs("usage: loadgen [-NR] [-k concord|relay|redis] [-f followers] "
	    "[-w writers]\n"
	    "           [-r rate] [-W window] [-n notes | -d seconds] "
	    "[-s size]\n"
	    "           [-i incident] [-F from] [-V verifying] [-p pid] "
	    "[-H seconds]\n"
	    "           [-D seconds] [-S stalled] [-A address] address\n"
	    "       loadgen -Y file [-n count] [-s size]\n", stderr);
	exit(1);
}

static int64_t
lg_now(void)
{
	return util_clock_mono_us();
}

/* Bucket of a latency in microseconds: exact below 1 ms, 0.2% above. */
static int
lg_hist_index(int64_t v)
{
	int	e;

	if (v < 0)
		v = 0;
	if (v < LG_HIST_LIN)
		return (int)v;
	e = 63 - __builtin_clzll((unsigned long long)v);	/* >= 10 */
	if (e - 10 >= 40)
		return LG_HIST_N - 1;
	return LG_HIST_LIN + (e - 10) * LG_HIST_SUB +
	    (int)((v >> (e - 9)) & (LG_HIST_SUB - 1));
}

/* The smallest value a bucket holds. */
static int64_t
lg_hist_value(int i)
{
	int	e;

	if (i < LG_HIST_LIN)
		return i;
	e = (i - LG_HIST_LIN) / LG_HIST_SUB + 10;
	return ((int64_t)LG_HIST_SUB + (i - LG_HIST_LIN) % LG_HIST_SUB) <<
	    (e - 9);
}

static void
lg_hist_add(struct lg_hist *h, int64_t v)
{
	h->count[lg_hist_index(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

/* The value below which a fraction q of the samples lie. */
static int64_t
lg_hist_quantile(const struct lg_hist *h, double q)
{
	int64_t	want, seen = 0;
	int	i;

	if (h->n == 0)
		return 0;
	want = (int64_t)(q * (double)h->n);
	if (want < 1)
		want = 1;
	for (i = 0; i < LG_HIST_N; i++) {
		seen += h->count[i];
		if (seen >= want)
			return lg_hist_value(i);
	}
	return h->max;
}

/* The server's resident memory in KiB, from /proc; 0 without -p. */
static long
lg_rss(void)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kib = 0;

	if (lg.pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)lg.pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

/* The server's user and system CPU time in clock ticks; 0 without -p. */
static int64_t
lg_cpu(void)
{
	char		 path[64], line[1024], *p;
	FILE		*f;
	long long	 ut, st;
	int		 i;

	if (lg.pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)lg.pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(line, sizeof line, f);
	fclose(f);
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return 0;
	/* After ")": state is field 3; utime and stime are 14 and 15. */
	for (i = 3; i <= 14 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %lld %lld", &ut, &st) != 2)
		return 0;
	return ut + st;
}

/* This process's CPU time in microseconds. */
static int64_t
lg_self_cpu(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void
lg_sample(void)
{
	long	rss;

	if ((rss = lg_rss()) > lg.rss_max)
		lg.rss_max = rss;
}

/*
 * The text of writer w's n-th note, sent at t: "loadgen wW nN tT " and
 * filler up to size bytes.  Returns its length.
 */
static size_t
lg_note_text(char *p, int w, int64_t n, int64_t t)
{
	int	len, i;

	len = snprintf(p, 64, "loadgen w%d n%lld t%lld ", w, (long long)n,
	    (long long)t);
	for (i = len; i < lg.size; i++)
		p[i] = (char)('a' + i % 26);
	return (size_t)(lg.size > len ? lg.size : len);
}

/* Read a decimal number at *pp, moving past it; -1 if there is none. */
static int64_t
lg_num(const char **pp, const char *end)
{
	const char	*p = *pp;
	int64_t		 v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9' && v < INT64_MAX / 10)
		v = v * 10 + (*p++ - '0');
	*pp = p;
	return v;
}

/* Parse a note's text; 0 if it is one of ours. */
static int
lg_note_parse(const char *p, size_t len, int *w, int64_t *n, int64_t *t)
{
	const char	*end = p + len;
	int64_t		 v;

	if (len < 10 || memcmp(p, "loadgen w", 9) != 0)
		return -1;
	p += 9;
	if ((v = lg_num(&p, end)) < 0 || v >= lg.writers)
		return -1;
	*w = (int)v;
	if (end - p < 3 || p[0] != ' ' || p[1] != 'n')
		return -1;
	p += 2;
	if ((*n = lg_num(&p, end)) < 0)
		return -1;
	if (end - p < 3 || p[0] != ' ' || p[1] != 't')
		return -1;
	p += 2;
	if ((*t = lg_num(&p, end)) < 0)
		return -1;
	return 0;
}

/*
 * Mark writer w's note n seen by follower c; returns 1 if it was already.
 * n is at most what the writer has sent, so the bits stay bounded.
 */
static int
lg_seen(struct lg_conn *c, int w, int64_t n)
{
	size_t		 word = (size_t)n / 64, more;
	uint64_t	 bit = 1ULL << (n % 64);

	if (word >= c->nseen[w]) {
		more = word * 2 + 16;
		c->seen[w] = xreallocarray(c->seen[w], more, sizeof **c->seen);
		memset(c->seen[w] + c->nseen[w], 0, (more - c->nseen[w]) *
		    sizeof **c->seen);
		c->nseen[w] = more;
	}
	if (c->seen[w][word] & bit)
		return 1;
	c->seen[w][word] |= bit;
	return 0;
}

/* How many of writer w's notes 1 to n follower c has seen. */
static int64_t
lg_seen_count(const struct lg_conn *c, int w, int64_t n)
{
	int64_t	 count = 0, i;
	size_t	 word;

	for (i = 1; i <= n; i++) {
		word = (size_t)i / 64;
		if (word >= c->nseen[w])
			break;
		if (i % 64 == 0 && i + 63 <= n) {
			count += __builtin_popcountll(c->seen[w][word]);
			i += 63;
		} else if (c->seen[w][word] & 1ULL << (i % 64))
			count++;
	}
	return count;
}

/*
 * A follower received writer w's note n, sent at t: each note must arrive
 * once, and none after a later one of the same writer.
 */
static void
lg_deliver(struct lg_conn *c, int w, int64_t n, int64_t t, int64_t now)
{
	if (n < 1 || n > lg.wri[w].sent) {
		c->bogus++;
		return;
	}
	if (lg_seen(c, w, n)) {
		c->dup++;
		return;
	}
	c->got++;
	lg.deliveries++;
	lg.t_last_rx = now;
	if (lg.t0 != 0)
		lg_hist_add(&lg.lat, now - t);
	if (n < c->maxn[w])
		c->reorder++;
	else
		c->maxn[w] = n;
}

/* 64-bit FNV-1a, folded into h. */
static uint64_t
lg_fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*q = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= q[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * A concord follower received event seq, with its chain value (64 hex) if
 * it was sent (a message's last event), else NULL.
 */
static void
lg_follow_seq(struct lg_conn *c, int64_t seq, const char *hash)
{
	if (seq <= c->seq) {
		c->dup++;
		return;
	}
	if (seq > c->seq + 1) {
		c->ooo++;
		c->missing += seq - c->seq - 1;
	}
	c->seq = seq;
	c->fp = lg_fnv(c->fp, &seq, sizeof seq);
	if (hash != NULL)
		memcpy(c->hash, hash, CORE_HASH_LEN * 2);
	else
		c->hash[0] = '\0';	/* known again at the message's end */
}

/* Find the number after key (such as "\"seq\":") in p; -1 if absent. */
static int64_t
lg_field_num(const char *p, size_t len, const char *key)
{
	const char	*q, *end = p + len;

	if ((q = memmem(p, len, key, strlen(key))) == NULL)
		return -1;
	q += strlen(key);
	return lg_num(&q, end);
}

/* Copy the string after key into out (size n); -1 if absent. */
static int
lg_field_str(const char *p, size_t len, const char *key, char *out, size_t n)
{
	const char	*q, *e, *end = p + len;

	if ((q = memmem(p, len, key, strlen(key))) == NULL)
		return -1;
	q += strlen(key);
	if ((e = memchr(q, '"', (size_t)(end - q))) == NULL ||
	    (size_t)(e - q) >= n)
		return -1;
	memcpy(out, q, (size_t)(e - q));
	out[e - q] = '\0';
	return 0;
}

/*
 * Check the chain over a decoded events message: the protocol's decoder,
 * then SHA-256 of each event's canonical bytes after the previous value.
 */
static void
lg_verify(struct lg_conn *c, const char *p, size_t len)
{
	struct proto_msg	 m;
	unsigned char		 h[CORE_HASH_LEN];
	char			*cause;
	size_t			 i;

	if (proto_msg_decode(p, len, &m, &cause) != 0) {
		fprintf(stderr, "loadgen: follower %d: undecodable events: "
		    "%s\n", c->id, cause);
		free(cause);
		proto_msg_clear(&m);
		c->chain_bad++;
		return;
	}
	for (i = 0; m.kind == PROTO_EVENTS && i < m.nevents; i++) {
		if (!c->chained) {
			if (m.events[i].seq == 1) {
				core_chain_start(lg.incident, c->chain);
				c->chained = 1;
			} else if (m.hashed[i]) {
				/* Joined midway: trust the first value. */
				memcpy(c->chain, m.hashes[i], CORE_HASH_LEN);
				c->chained = 1;
				continue;
			} else
				continue;	/* until one is sent */
		}
		core_chain_next(c->chain, &m.events[i], h);
		if (m.hashed[i] && memcmp(h, m.hashes[i], CORE_HASH_LEN) != 0) {
			if (c->chain_bad++ == 0)
				fprintf(stderr, "loadgen: follower %d: chain "
				    "broken at seq %lld\n", c->id,
				    (long long)m.events[i].seq);
		}
		memcpy(c->chain, h, CORE_HASH_LEN);
		c->checked++;
	}
	proto_msg_clear(&m);
}

/*
 * Past the JSON string whose opening quote is just before q: the byte
 * after its closing quote, or NULL if it does not end before end.  A
 * quote preceded by an odd number of backslashes is escaped.
 */
static const char *
lg_json_str(const char *q, const char *end)
{
	const char	*e, *b;

	while ((e = memchr(q, '"', (size_t)(end - q))) != NULL) {
		for (b = e; b > q && b[-1] == '\\'; b--)
			;
		if ((e - b) % 2 == 0)
			return e + 1;
		q = e + 1;
	}
	return NULL;
}

/*
 * Past the JSON value starting at q (a string, an array or object of
 * them, or a bare number or word): the byte after it, or NULL.
 */
static const char *
lg_json_value(const char *q, const char *end)
{
	int	depth = 0;

	while (q < end) {
		switch (*q) {
		case '"':
			if ((q = lg_json_str(q + 1, end)) == NULL)
				return NULL;
			if (depth == 0)
				return q;
			continue;
		case '[':
		case '{':
			depth++;
			break;
		case ']':
		case '}':
			if (depth == 0)
				return q;	/* a bare value's end */
			if (--depth == 0)
				return q + 1;
			break;
		case ',':
			if (depth == 0)
				return q;
			break;
		}
		q++;
	}
	return NULL;
}

/*
 * An events message from the hub, read without building a JSON tree: the
 * items array is walked once, key by key, jumping over each string with
 * memchr; of each item only seq, text and (on a message's last item) hash
 * are looked at.
 */
static void
lg_events(struct lg_conn *c, const char *p, size_t len, int64_t now)
{
	const char	*end = p + len, *q, *k, *v, *h, *t, *te;
	int64_t		 seq, n, ts;
	size_t		 kl;
	int		 w;

	if ((q = memmem(p, len, "\"items\":[", 9)) == NULL)
		return;
	q += 9;
	while (q < end && *q == '{') {
		q++;
		seq = -1;
		h = t = te = NULL;
		while (q < end && *q == '"') {
			k = q + 1;
			if ((q = memchr(k, '"', (size_t)(end - k))) == NULL)
				return;
			kl = (size_t)(q - k);
			if (++q >= end || *q++ != ':')
				return;
			v = q;
			if ((q = lg_json_value(v, end)) == NULL)
				return;
			if (kl == 3 && memcmp(k, "seq", 3) == 0)
				seq = lg_num(&v, q);
			else if (kl == 4 && memcmp(k, "text", 4) == 0 &&
			    *v == '"') {
				t = v + 1;
				te = q - 1;
			} else if (kl == 4 && memcmp(k, "hash", 4) == 0 &&
			    q - v == CORE_HASH_LEN * 2 + 2)
				h = v + 1;
			if (q < end && *q == ',')
				q++;
		}
		if (q >= end || *q != '}' || seq < 0)
			return;
		q++;
		if (t != NULL && lg_note_parse(t, (size_t)(te - t), &w, &n,
		    &ts) == 0 && seq > c->seq)
			lg_deliver(c, w, n, ts, now);
		lg_follow_seq(c, seq, h);
		if (q < end && *q == ',')
			q++;
	}
	if (c->verify)
		lg_verify(c, p, len);
}

static void
lg_error_msg(struct lg_conn *c, const char *p, size_t len)
{
	if (lg.errors++ < 5)
		fprintf(stderr, "loadgen: %s %d: %.*s\n", c->role ==
		    LG_WRITER ? "writer" : "connection", c->id,
		    (int)(len > 300 ? 300 : len), p);
}

/* Has follower c everything it should hold now? */
static int
lg_follower_complete(const struct lg_conn *c)
{
	int64_t	want = 0;
	int	i;

	if (c->stalled)
		return 1;
	if (c->phase != LG_UP)
		return 0;
	if (lg.kind == LG_CONCORD) {
		if (lg.stage == LG_JOIN || lg.writers == 0)
			return c->seq >= c->head;
		return lg.stage == LG_DRAIN && c->seq >= lg.target;
	}
	if (lg.stage == LG_JOIN)
		return 1;
	for (i = 0; i < lg.writers; i++)
		want += lg.wri[i].acked;
	return c->got >= want;
}

static void
lg_follower_check(struct lg_conn *c, int64_t now)
{
	if (!c->caught && lg_follower_complete(c)) {
		c->caught = 1;
		c->done = now;
		lg.up++;
	}
}

/* A whole message (websocket) for connection c. */
static void
lg_message(struct lg_conn *c, const char *p, size_t len)
{
	int64_t	now = lg_now(), seq, n;
	int	w;
	char	op[80];
	const char *dash;

	if (lg.kind == LG_RELAY) {
		if (c->role == LG_WRITER) {
			c->acked++;
			lg.acked++;
			lg.t_last_ack = now;
			lg_hist_add(&lg.ack, now -
			    c->sent_at[(c->acked - 1) % lg.window]);
			lg_writer_kick(c);
		} else if (lg_note_parse(p, len, &w, &n, &seq) == 0)
			lg_deliver(c, w, n, seq, now);
		return;
	}

	if (len > 20 && memcmp(p, "{\"type\":\"events\"", 16) == 0) {
		if (c->role == LG_FOLLOWER) {
			lg_events(c, p, len, now);
			if (lg.stage == LG_JOIN)
				lg_follower_check(c, now);
		}
		return;
	}
	if (len > 20 && memcmp(p, "{\"type\":\"ack\"", 13) == 0) {
		if (c->role == LG_OPEN) {
			if (lg_field_str(p, len, "\"incident\":\"", op,
			    sizeof op) != 0)
				lg_die(1, "no incident in %.*s", (int)len, p);
			lg.incident = xstrdup(op);
			c->phase = LG_GONE;
			return;
		}
		if (c->role != LG_WRITER)
			return;
		seq = lg_field_num(p, len, "\"seq\":");
		if (seq > lg.max_seq)
			lg.max_seq = seq;
		if (lg_field_str(p, len, "\"op\":\"", op, sizeof op) == 0 &&
		    (dash = strchr(op, '-')) != NULL &&
		    (n = strtoll(dash + 1, NULL, 10)) > 0)
			lg_hist_add(&lg.ack, now -
			    c->sent_at[(n - 1) % lg.window]);
		c->acked++;
		lg.acked++;
		lg.t_last_ack = now;
		lg_writer_kick(c);
		return;
	}
	if (len > 20 && memcmp(p, "{\"type\":\"welcome\"", 17) == 0) {
		c->head = lg_field_num(p, len, "\"head\":");
		if (lg_field_str(p, len, "\"chain\":\"", c->whash,
		    sizeof c->whash) != 0)
			lg_die(1, "no chain in the welcome");
		lg.opening--;
		if (c->role == LG_PROBE) {
			lg.target = c->head;
			memcpy(lg.target_hash, c->whash, sizeof c->whash);
			c->phase = LG_GONE;
			return;
		}
		/* A from past the head is taken as the head. */
		if (c->role == LG_FOLLOWER)
			c->seq = lg.from < c->head ? lg.from : c->head;
		if (c->role == LG_FOLLOWER && lg.nofollow)
			c->head = -1;
		c->phase = LG_UP;
		if (c->role == LG_FOLLOWER)
			lg_follower_check(c, now);
		if (c->role == LG_WRITER)
			lg_writer_kick(c);
		lg_pump();
		return;
	}
	if (len > 20 && memcmp(p, "{\"type\":\"refused\"", 17) == 0) {
		lg.refused++;
		lg_error_msg(c, p, len);
		if (c->role == LG_WRITER) {
			c->acked++;
			lg.acked++;
			lg_writer_kick(c);
		}
		return;
	}
	if (len > 20 && memcmp(p, "{\"type\":\"error\"", 15) == 0) {
		lg_error_msg(c, p, len);
		if (c->phase == LG_CONNECTING || c->role != LG_WRITER)
			lg.failed = 1;
		else {
			c->acked++;
			lg.acked++;
			lg.refused++;
			lg_writer_kick(c);
		}
		return;
	}
	if (len > 20 && memcmp(p, "{\"type\":\"presence\"", 18) == 0)
		lg.presence++;
	/* presence, lease, pong: nothing to check */
}

/* Drop what is parsed of c->rx (up to c->rxoff), now and then. */
static void
lg_rx_compact(struct lg_conn *c)
{
	if (c->rxoff == c->rx.len) {
		util_buf_reset(&c->rx);
		c->rxoff = 0;
	} else if (c->rxoff > 65536) {
		memmove(c->rx.data, c->rx.data + c->rxoff, c->rx.len -
		    c->rxoff);
		c->rx.len -= c->rxoff;
		c->rx.data[c->rx.len] = '\0';
		c->rxoff = 0;
	}
}

/*
 * RESP from Redis, parsed from c->rx at c->rxoff: one complete reply.
 * Returns its length, 0 if incomplete, -1 if malformed.  A subscriber's
 * message push fills *payload; a writer's reply is an integer.
 */
static ssize_t
lg_resp_line(const char *p, const char *end, const char **next)
{
	const char	*e;

	if ((e = memchr(p, '\r', (size_t)(end - p))) == NULL || e + 1 >= end)
		return -1;
	*next = e + 2;
	return e - p;
}

static ssize_t
lg_resp_one(const char *start, const char *end, const char **payload,
    size_t *plen, int *kind)
{
	const char	*p = start, *q, *next;
	int64_t		 items, i, blen;

	*payload = NULL;
	if (p >= end)
		return 0;
	*kind = *p;
	if (*p == ':' || *p == '+' || *p == '-') {
		if (lg_resp_line(p, end, &next) < 0)
			return 0;
		return next - start;
	}
	if (*p != '*')
		return -1;
	if (lg_resp_line(p, end, &next) < 0)
		return 0;
	q = p + 1;
	if ((items = lg_num(&q, end)) < 0)
		return -1;
	p = next;
	for (i = 0; i < items; i++) {
		if (p >= end)
			return 0;
		if (*p == ':') {
			if (lg_resp_line(p, end, &next) < 0)
				return 0;
			p = next;
			continue;
		}
		if (*p != '$')
			return -1;
		if (lg_resp_line(p, end, &next) < 0)
			return 0;
		q = p + 1;
		if ((blen = lg_num(&q, end)) < 0)
			return -1;
		if (end - next < blen + 2)
			return 0;
		if (i == 0 && !(blen == 7 && memcmp(next, "message", 7) == 0))
			*kind = 's';	/* subscribe confirmation */
		if (i == 2) {
			*payload = next;
			*plen = (size_t)blen;
		}
		p = next + blen + 2;
	}
	return p - start;
}

static int
lg_redis_rx(struct lg_conn *c, const char *in, size_t len)
{
	const char	*p, *end, *payload;
	size_t		 plen = 0;
	ssize_t		 n;
	int64_t		 now = lg_now(), num, t;
	int		 kind, w;

	util_buf_add(&c->rx, in, len);
	p = c->rx.data + c->rxoff;
	end = c->rx.data + c->rx.len;
	while ((n = lg_resp_one(p, end, &payload, &plen, &kind)) > 0) {
		if (kind == '-') {
			lg_error_msg(c, p, (size_t)n);
			lg.failed = 1;
		} else if (c->role == LG_WRITER && kind == ':') {
			c->acked++;
			lg.acked++;
			lg.t_last_ack = now;
			lg_hist_add(&lg.ack, now -
			    c->sent_at[(c->acked - 1) % lg.window]);
		} else if (c->role == LG_FOLLOWER && kind == 's') {
			if (c->phase == LG_CONNECTING) {
				c->phase = LG_UP;
				lg.opening--;
				lg_follower_check(c, now);
				lg_pump();
			}
		} else if (c->role == LG_FOLLOWER && payload != NULL &&
		    lg_note_parse(payload, plen, &w, &num, &t) == 0)
			lg_deliver(c, w, num, t, now);
		p += n;
	}
	if (n < 0) {
		fprintf(stderr, "loadgen: malformed reply from redis\n");
		return -1;
	}
	c->rxoff = (size_t)(p - c->rx.data);
	lg_rx_compact(c);
	if (c->role == LG_WRITER)
		lg_writer_kick(c);
	return 0;
}

/*
 * -R: a follower's websocket, read here rather than by libwebsockets (whose
 * 4.1.6 client hands a payload to the parser one byte per call, which
 * bounded the generator's receiving side).  The socket is adopted raw; the
 * bytes in c->rx from c->rxoff are first the answer to the upgrade (a 101),
 * then frames from the server, which are never masked.  A whole unfragmented
 * frame is handed to lg_message where it lies; fragments gather in c->frag.
 * A ping is answered with a pong of the same payload; a close ends it.
 * Returns 0, or -1 to close the connection.
 */
static int
lg_ws_frames(struct lg_conn *c)
{
	const unsigned char	*p, *end;
	uint64_t		 plen;
	size_t			 hl;
	int			 op, fin, i;

	p = (const unsigned char *)c->rx.data + c->rxoff;
	end = (const unsigned char *)c->rx.data + c->rx.len;
	for (;;) {
		if (end - p < 2)
			break;
		fin = p[0] & 0x80;
		op = p[0] & 0x0f;
		if (p[1] & 0x80) {
			fprintf(stderr, "loadgen: a masked frame from the "
			    "server\n");
			return -1;
		}
		plen = p[1] & 0x7f;
		hl = 2;
		if (plen == 126) {
			if (end - p < 4)
				break;
			plen = (uint64_t)p[2] << 8 | p[3];
			hl = 4;
		} else if (plen == 127) {
			if (end - p < 10)
				break;
			plen = 0;
			for (i = 0; i < 8; i++)
				plen = plen << 8 | p[2 + i];
			hl = 10;
		}
		if (plen > LG_MAX_MSG) {
			fprintf(stderr, "loadgen: message too large\n");
			return -1;
		}
		if ((uint64_t)(end - p) < hl + plen)
			break;
		p += hl;
		switch (op) {
		case 0x0:	/* continuation */
		case 0x1:	/* text */
		case 0x2:	/* binary */
			if (c->role == LG_FOLLOWER)
				lg.rx_bytes += (int64_t)plen;
			if (fin && op != 0 && c->frag.len == 0)
				lg_message(c, (const char *)p, plen);
			else {
				if (c->frag.len + plen > LG_MAX_MSG) {
					fprintf(stderr, "loadgen: message "
					    "too large\n");
					return -1;
				}
				util_buf_add(&c->frag, p, plen);
				if (fin) {
					lg_message(c, c->frag.data,
					    c->frag.len);
					util_buf_reset(&c->frag);
				}
			}
			break;
		case 0x8:	/* close */
			return -1;
		case 0x9:	/* ping */
			if (plen <= sizeof c->pong) {
				memcpy(c->pong, p, plen);
				c->pong_len = (int)plen;
				lws_callback_on_writable(c->wsi);
			}
			break;
		default:	/* pong */
			break;
		}
		p += plen;
		if (c->phase == LG_GONE)
			return -1;
	}
	c->rxoff = (size_t)((const char *)p - c->rx.data);
	return 0;
}

static int
lg_ws_rx(struct lg_conn *c, const char *in, size_t len)
{
	const char	*e;
	int		 rc = 0;

	if (c->rx.len + len > 2 * (size_t)LG_MAX_MSG) {
		fprintf(stderr, "loadgen: too much unparsed input\n");
		return -1;
	}
	util_buf_add(&c->rx, in, len);
	if (c->upgrade < 2) {
		if ((e = memmem(c->rx.data, c->rx.len, "\r\n\r\n", 4)) ==
		    NULL)
			return c->rx.len > 8192 ? -1 : 0;
		if (c->rx.len < 12 || memcmp(c->rx.data, "HTTP/1.1 101", 12)
		    != 0) {
			fprintf(stderr, "loadgen: follower %d: the upgrade "
			    "was refused: %.*s\n", c->id, (int)(e -
			    c->rx.data), c->rx.data);
			return -1;
		}
		c->upgrade = 2;
		c->rxoff = (size_t)(e + 4 - c->rx.data);
		if (lg.kind == LG_RELAY) {
			c->phase = LG_UP;
			lg.opening--;
			lg_follower_check(c, lg_now());
			lg_pump();
		} else
			lws_callback_on_writable(c->wsi);
	}
	if (c->upgrade == 2)
		rc = lg_ws_frames(c);
	lg_rx_compact(c);
	return rc;
}

/*
 * -R: what a raw follower writes: the upgrade request, then (as a masked
 * frame, the mask all zeros) its hello, then pongs.  p is lg.outbuf+LWS_PRE
 * holding len bytes of a text payload, or NULL for no payload.  Returns the
 * lws_write result compared with what was asked: 0 or -1.
 */
static int
lg_ws_send(struct lg_conn *c, unsigned char *p, size_t len, int op)
{
	unsigned char	*h;
	size_t		 hl = len < 126 ? 6 : 8;

	h = p - hl;
	h[0] = (unsigned char)(0x80 | op);
	if (len < 126)
		h[1] = (unsigned char)(0x80 | len);
	else {
		h[1] = 0x80 | 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
	}
	memset(h + hl - 4, 0, 4);
	if (lws_write(c->wsi, h, hl + len, LWS_WRITE_RAW) < (int)(hl + len))
		return -1;
	return 0;
}

/* -R: the upgrade request of follower c, written raw; 0 or -1. */
static int
lg_ws_upgrade(struct lg_conn *c)
{
	char	*p = lg.outbuf + LWS_PRE;
	int	 len;

	len = snprintf(p, 1024, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: bG9hZGdlbi1mb2xsb3dlcg==\r\n"
	    "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n",
	    lg.kind == LG_RELAY ? "/sub" : "/",
	    lg.at.unixpath[0] != '\0' ? "localhost" : lg.at.host, lg.at.port,
	    lg.kind == LG_CONCORD ? "Sec-WebSocket-Protocol: " : "",
	    lg.kind == LG_CONCORD ? PROTO_SUBPROTOCOL : "",
	    lg.kind == LG_CONCORD ? "\r\n" : "");
	c->upgrade = 1;
	if (lws_write(c->wsi, (unsigned char *)p, (size_t)len,
	    LWS_WRITE_RAW) < len)
		return -1;
	return 0;
}

/* May writer c send a note now?  In rate mode, arms its timer if not. */
static int
lg_writer_may(struct lg_conn *c, int64_t now)
{
	if (c->role != LG_WRITER || c->phase != LG_UP || lg.stage != LG_WRITE)
		return 0;
	if (c->sent - c->acked >= lg.window)
		return 0;
	if (c->quota >= 0 ? c->sent >= c->quota :
	    now >= lg.t0 + lg.secs * 1000000)
		return 0;
	if (lg.rate > 0 && c->due > now)
		return 0;
	return 1;
}

/* Ask to write if writer c may send now. */
static void
lg_writer_kick(struct lg_conn *c)
{
	if (c->wsi != NULL && lg_writer_may(c, lg_now()))
		lws_callback_on_writable(c->wsi);
}

/*
 * The pacer of writers at a rate: a timerfd on the event loop, firing at
 * each writer's due time in turn.  (An lws timer would not do: lws waits in
 * whole milliseconds rounded down, so one due in less than a millisecond
 * spins the loop until then.)
 */
static void
lg_pacer_start(void)
{
	struct itimerspec	 its;
	lws_adopt_desc_t	 ad;
	int64_t			 ns;
	int			 fd;

	if ((fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1)
		lg_die(1, "timerfd_create: %s", strerror(errno));
	ns = 1000000000LL / lg.rate / lg.writers;
	if (ns < 1000)
		ns = 1000;
	memset(&its, 0, sizeof its);
	its.it_interval.tv_sec = ns / 1000000000;
	its.it_interval.tv_nsec = ns % 1000000000;
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL) == -1)
		lg_die(1, "timerfd_settime: %s", strerror(errno));
	memset(&ad, 0, sizeof ad);
	ad.vh = lg.vh;
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = fd;
	ad.vh_prot_name = "loadgen";
	ad.opaque = &lg.pacer;
	if (lws_adopt_descriptor_vhost_via_info(&ad) == NULL)
		lg_die(1, "cannot watch the pacing timer");
	lg.pacer_fd = fd;
}

static void
lg_pacer_fired(void)
{
	uint64_t	n;
	int		i;

	while (read(lg.pacer_fd, &n, sizeof n) == (ssize_t)sizeof n)
		;
	for (i = 0; i < lg.writers; i++)
		lg_writer_kick(&lg.wri[i]);
}

/* Write the next thing connection c has to say; -1 to close it. */
static int
lg_write(struct lg_conn *c)
{
	char		*p = lg.outbuf + LWS_PRE, text[8192];
	size_t		 len, tlen;
	int64_t		 now = lg_now();
	enum lws_write_protocol proto = LWS_WRITE_TEXT;

	if (lg.kind == LG_REDIS)
		proto = LWS_WRITE_RAW;
	if (c->raw && c->upgrade == 0)
		return lg_ws_upgrade(c);
	if (c->raw && c->upgrade == 1)
		return 0;
	if (c->raw && c->pong_len >= 0) {
		memcpy(p, c->pong, (size_t)c->pong_len);
		len = (size_t)c->pong_len;
		c->pong_len = -1;
		if (!c->said && lg.kind == LG_CONCORD)
			lws_callback_on_writable(c->wsi);
		return lg_ws_send(c, (unsigned char *)p, len, 0xa);
	}
	if (!c->said) {
		c->said = 1;
		switch (lg.kind) {
		case LG_CONCORD:
			if (c->role == LG_FOLLOWER && !lg.nofollow)
				len = (size_t)snprintf(p, 512, "{\"type\":"
				    "\"hello\",\"proto\":%d,\"user\":\"f%d\","
				    "\"incident\":\"%s\",\"from\":%lld%s}",
				    PROTO_VERSION, c->id, lg.incident,
				    (long long)(lg.from < 0 ? 0 : lg.from),
				    lg.token);
			else if (c->role == LG_FOLLOWER || c->role ==
			    LG_PROBE)
				len = (size_t)snprintf(p, 512, "{\"type\":"
				    "\"hello\",\"proto\":%d,\"user\":\"%s%d\","
				    "\"incident\":\"%s\"%s}", PROTO_VERSION,
				    c->role == LG_PROBE ? "probe" : "f",
				    c->id, lg.incident, lg.token);
			else
				len = (size_t)snprintf(p, 512, "{\"type\":"
				    "\"hello\",\"proto\":%d,\"user\":\"%s%d\""
				    "%s}", PROTO_VERSION, c->role == LG_OPEN ?
				    "loadgen" : "w", c->id, lg.token);
			break;
		case LG_REDIS:
			if (c->role != LG_FOLLOWER)
				goto note;
			len = (size_t)snprintf(p, 512, "*2\r\n$9\r\nSUBSCRIBE"
			    "\r\n$%zu\r\n%s\r\n", strlen(LG_CHANNEL),
			    LG_CHANNEL);
			break;
		default:
			goto note;
		}
		if (c->raw)
			return lg_ws_send(c, (unsigned char *)p, len, 0x1);
		if (lws_write(c->wsi, (unsigned char *)p, len, proto) <
		    (int)len)
			return -1;
		if (c->role == LG_OPEN)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
note:
	if (c->role == LG_OPEN) {
		len = (size_t)snprintf(p, 512, "{\"type\":\"command\",\"op\":"
		    "\"loadgen-open-%d-%lld\",\"cmd\":\"open\",\"text\":"
		    "\"loadgen run\",\"sev\":3}", (int)getpid(),
		    (long long)now);
		if (lws_write(c->wsi, (unsigned char *)p, len, proto) <
		    (int)len)
			return -1;
		return 0;
	}
	if (c->role != LG_WRITER || !lg_writer_may(c, now)) {
		lg_writer_kick(c);
		return 0;
	}
	tlen = lg_note_text(text, c->id, c->sent + 1, now);
	switch (lg.kind) {
	case LG_CONCORD:
		len = (size_t)snprintf(p, 256, "{\"type\":\"command\",\"op\":"
		    "\"w%d-%lld-%d\",\"incident\":\"%s\",\"cmd\":"
		    "\"note\",\"text\":\"", c->id, (long long)(c->sent + 1),
		    (int)getpid(), lg.incident);
		memcpy(p + len, text, tlen);
		len += tlen;
		memcpy(p + len, "\"}", 2);
		len += 2;
		break;
	case LG_REDIS:
		len = (size_t)snprintf(p, 256, "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n"
		    "%s\r\n$%zu\r\n", strlen(LG_CHANNEL), LG_CHANNEL, tlen);
		memcpy(p + len, text, tlen);
		len += tlen;
		memcpy(p + len, "\r\n", 2);
		len += 2;
		break;
	default:
		memcpy(p, text, tlen);
		len = tlen;
		break;
	}
	if (lws_write(c->wsi, (unsigned char *)p, len, proto) < (int)len)
		return -1;
	c->sent_at[c->sent % lg.window] = now;
	c->sent++;
	if (lg.rate > 0) {
		c->due += 1000000 / lg.rate;
		if (c->due < now - 1000000)
			c->due = now;	/* a second behind: no burst */
	}
	lg_writer_kick(c);
	return 0;
}

static void
lg_retry_cb(lws_sorted_usec_list_t *sul)
{
	struct lg_conn	*c = lws_container_of(sul, struct lg_conn, sul);

	lg_start(c);
	lws_cancel_service(lg.ctx);
}

/* Connection c failed to open: try again shortly, a bounded number of times. */
static void
lg_connect_failed(struct lg_conn *c, const char *why)
{
	c->wsi = NULL;
	if (c->phase == LG_CONNECTING)
		lg.opening--;
	c->phase = LG_DOWN;
	c->said = 0;
	util_buf_reset(&c->rx);
	util_buf_reset(&c->frag);
	c->rxoff = 0;
	c->upgrade = 0;
	if (++c->tries >= LG_RETRIES) {
		fprintf(stderr, "loadgen: cannot connect to %s: %s\n",
		    lg_where(c)->address, why != NULL ? why : "failed");
		lg.failed = 1;
		lws_cancel_service(lg.ctx);
		return;
	}
	lg.opening++;	/* counted until the retry starts it again */
	c->phase = LG_CONNECTING;
	lws_sul_schedule(lg.ctx, 0, &c->sul, lg_retry_cb,
	    (lws_usec_t)(100000 * c->tries));
}

/* Connection c closed. */
static void
lg_closed(struct lg_conn *c)
{
	c->wsi = NULL;
	if (c->phase == LG_GONE || lg.stage == LG_DONE)
		return;
	if (c->phase == LG_CONNECTING) {
		lg_connect_failed(c, "closed while opening");
		return;
	}
	c->phase = LG_GONE;
	if (c->stalled) {
		lg.dropped++;
		return;
	}
	if (lg.lost++ < 5)
		fprintf(stderr, "loadgen: %s %d lost its connection\n",
		    c->role == LG_WRITER ? "writer" : "follower", c->id);
	lws_cancel_service(lg.ctx);
}

static int
lg_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct lg_conn	*c;
	int		 final;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
	case LWS_CALLBACK_CLIENT_RECEIVE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
	case LWS_CALLBACK_RAW_RX:
	case LWS_CALLBACK_RAW_WRITEABLE:
	case LWS_CALLBACK_RAW_CLOSE:
		break;
	case LWS_CALLBACK_RAW_RX_FILE:
		if (lws_get_opaque_user_data(wsi) == &lg.pacer)
			lg_pacer_fired();
		return 0;
	default:
		return 0;
	}
	if ((c = lws_get_opaque_user_data(wsi)) == NULL)
		return reason == LWS_CALLBACK_CLIENT_RECEIVE ||
		    reason == LWS_CALLBACK_CLIENT_WRITEABLE ||
		    reason == LWS_CALLBACK_RAW_RX ||
		    reason == LWS_CALLBACK_RAW_WRITEABLE ? -1 : 0;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lws_set_opaque_user_data(wsi, NULL);
		lg_connect_failed(c, in);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->wsi = wsi;
		if (lg.kind == LG_RELAY) {
			c->phase = LG_UP;
			lg.opening--;
			if (c->role == LG_FOLLOWER)
				lg_follower_check(c, lg_now());
			lg_pump();
			if (c->role == LG_WRITER)
				lg_writer_kick(c);
			return 0;
		}
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (c->role == LG_FOLLOWER)
			lg.rx_bytes += (int64_t)len;
		final = lws_is_final_fragment(wsi) &&
		    lws_remaining_packet_payload(wsi) == 0;
		if (final && c->rx.len == 0) {
			lg_message(c, in, len);
		} else {
			if (c->rx.len + len > LG_MAX_MSG) {
				fprintf(stderr, "loadgen: message too large\n");
				return -1;
			}
			util_buf_add(&c->rx, in, len);
			if (!final)
				return 0;
			lg_message(c, c->rx.data, c->rx.len);
			util_buf_reset(&c->rx);
			if (c->rx.cap > 1024 * 1024)
				util_buf_clear(&c->rx);
		}
		if (c->phase == LG_GONE) {
			lws_set_opaque_user_data(wsi, NULL);
			c->wsi = NULL;
			lws_cancel_service(lg.ctx);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_RAW_RX:
		if (c->raw)
			return lg_ws_rx(c, in, len);
		if (c->role == LG_FOLLOWER)
			lg.rx_bytes += (int64_t)len;
		if (lg_redis_rx(c, in, len) != 0)
			return -1;
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (lg_write(c) != 0) {
			fprintf(stderr, "loadgen: write failed\n");
			return -1;
		}
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			fprintf(stderr, "loadgen: %s %d: closed by the peer "
			    "(%u)\n", c->role == LG_WRITER ? "writer" :
			    "connection", c->id,
			    ((unsigned char *)in)[0] << 8 |
			    ((unsigned char *)in)[1]);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_RAW_CLOSE:
		lws_set_opaque_user_data(wsi, NULL);
		lg_closed(c);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols lg_protocols[] = {
	{ "loadgen", lg_callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/*
 * Connect a plain socket to address a (Redis, -R followers): TCP, or the
 * Unix socket of a unix: address; -1 on failure.
 */
static int
lg_tcp_connect(const struct lg_where *a)
{
	struct sockaddr_un sun;
	struct addrinfo	 hints, *res, *ai;
	char		 port[16];
	int		 fd = -1, one = 1;

	if (a->unixpath[0] != '\0') {
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		if (strlen(a->unixpath) >= sizeof sun.sun_path) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(sun.sun_path, a->unixpath, strlen(a->unixpath) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd != -1 && connect(fd, (struct sockaddr *)&sun,
		    sizeof sun) != 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", a->port);
	if (getaddrinfo(a->host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd != -1)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* Open connection c. */
static void
lg_start(struct lg_conn *c)
{
	struct lws_client_connect_info	 ci;
	lws_adopt_desc_t		 ad;
	const struct lg_where		*a = lg_where(c);
	char				 hosthdr[300], path[300];
	int				 fd, tries;

	c->phase = LG_CONNECTING;
	c->said = 0;
	if (c->started == 0)
		c->started = lg_now();
	c->raw = lg.kind == LG_REDIS ? 0 : lg.rawfollow &&
	    c->role == LG_FOLLOWER;
	c->upgrade = 0;
	c->pong_len = -1;
	if (lg.kind == LG_REDIS || c->raw) {
		if ((fd = lg_tcp_connect(a)) == -1) {
			lg_connect_failed(c, strerror(errno));
			return;
		}
		memset(&ad, 0, sizeof ad);
		ad.vh = lg.vh;
		ad.type = LWS_ADOPT_SOCKET;
		ad.fd.sockfd = fd;
		ad.vh_prot_name = lg_protocols[0].name;
		ad.opaque = c;
		if ((c->wsi = lws_adopt_descriptor_vhost_via_info(&ad)) ==
		    NULL) {
			lg_connect_failed(c, "cannot adopt the socket");
			return;
		}
		if (c->role == LG_WRITER && !c->raw) {
			c->phase = LG_UP;
			lg.opening--;
			lg_writer_kick(c);
		} else
			lws_callback_on_writable(c->wsi);
		return;
	}
	memset(&ci, 0, sizeof ci);
	ci.context = lg.ctx;
	if (a->unixpath[0] != '\0') {
		snprintf(path, sizeof path, "+%s", a->unixpath);
		ci.address = path;
		ci.host = "localhost";
	} else {
		ci.address = a->host;
		ci.port = a->port;
		snprintf(hosthdr, sizeof hosthdr, "%s:%d", a->host, a->port);
		ci.host = hosthdr;
	}
	ci.origin = ci.host;
	if (lg.kind == LG_RELAY)
		ci.path = c->role == LG_WRITER ? "/pub" : "/sub";
	else {
		ci.path = "/";
		ci.protocol = PROTO_SUBPROTOCOL;
	}
	ci.local_protocol_name = lg_protocols[0].name;
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;
	tries = c->tries;
	/* A failed connect may call back (and fail c) in here. */
	if (lws_client_connect_via_info(&ci) == NULL && c->tries == tries)
		lg_connect_failed(c, "cannot connect");
}

/* Start followers while fewer than LG_OPENING connections are opening. */
static void
lg_pump(void)
{
	while (lg.stage == LG_JOIN && lg.next_fol < lg.followers &&
	    lg.opening < LG_OPENING) {
		lg.opening++;
		lg_start(&lg.fol[lg.next_fol++]);
	}
}

static void
lg_begin_join(void)
{
	lg.stage = LG_JOIN;
	lg.rss_base = lg_rss();
	lg.t_join = lg_now();
	lg.cpu0 = lg_cpu();
	lg.gcpu0 = lg_self_cpu();
	lg_pump();
}

static void
lg_begin_write(void)
{
	int64_t	now = lg_now();
	int	i;

	lg.stage = LG_WRITE;
	lg.rss_start = lg.rss_max = lg_rss();
	lg.t0 = lg.t_sample = now;
	lg.cpu0 = lg_cpu();
	lg.gcpu0 = lg_self_cpu();
	for (i = 0; i < lg.stall; i++) {
		lg.fol[i].stalled = 1;
		if (lg.fol[i].wsi != NULL)
			lws_rx_flow_control(lg.fol[i].wsi, 0);
	}
	for (i = 0; i < lg.writers; i++) {
		/* Writers at a rate are spread over one period. */
		if (lg.rate > 0)
			lg.wri[i].due = now + 1000000 / lg.rate * i /
			    lg.writers;
		lg.opening++;
		lg_start(&lg.wri[i]);
	}
	if (lg.rate > 0)
		lg_pacer_start();
}

static int
lg_writers_done(void)
{
	int	i;

	for (i = 0; i < lg.writers; i++) {
		if (lg.wri[i].phase != LG_UP)
			return 0;
		if (lg_writer_may(&lg.wri[i], lg_now()) ||
		    lg.wri[i].sent != lg.wri[i].acked)
			return 0;
		if (lg.wri[i].quota >= 0 && lg.wri[i].sent < lg.wri[i].quota)
			return 0;
		if (lg.wri[i].quota < 0 &&
		    lg_now() < lg.t0 + lg.secs * 1000000)
			return 0;
	}
	return 1;
}

static void
lg_finish(void)
{
	lg.stage = LG_DONE;
	lg.t_end = lg_now();
	lg.cpu1 = lg_cpu();
	lg.gcpu1 = lg_self_cpu();
	lg.rss_drained = lg_rss();
	lws_cancel_service(lg.ctx);
}

/* Look at progress and move the run on; called from the tick. */
static void
lg_progress(void)
{
	int64_t	now = lg_now();
	int	i;

	if (lg.failed || lg.interrupted) {
		lg_finish();
		return;
	}
	if (lg.stage >= LG_WRITE && lg.stage <= LG_DRAIN &&
	    now - lg.t_sample >= LG_SAMPLE) {
		lg.t_sample = now;
		lg_sample();
	}
	switch (lg.stage) {
	case LG_SETUP:
		if (lg.incident != NULL)
			lg_begin_join();
		break;
	case LG_JOIN:
		if (lg.up < lg.followers) {
			if (lg.writers > 0 && now - lg.t_join >
			    (int64_t)LG_CONNECT_TO * 1000000) {
				fprintf(stderr, "loadgen: only %d of %d "
				    "followers caught up in %d s\n", lg.up,
				    lg.followers, LG_CONNECT_TO);
				lg.failed = 1;
			} else if (lg.writers == 0 && now - lg.t_join >
			    lg.drain * 1000000) {
				lg.t0 = lg.t_join;
				lg_finish();
			}
			break;
		}
		if (lg.writers == 0) {
			if (lg.hold > 0) {
				lg.stage = LG_HOLD;
				lg.t_hold = now;
			} else {
				lg.t0 = lg.t_join;
				lg_finish();
			}
			break;
		}
		lg_begin_write();
		break;
	case LG_WRITE:
		if (!lg_writers_done())
			break;
		lg.t_written = now;
		lg.rss_end = lg_rss();
		if (lg.drain == 0) {
			lg_finish();
			break;
		}
		if (lg.kind == LG_CONCORD) {
			lg.stage = LG_PROBING;
			memset(&lg.ctl, 0, sizeof lg.ctl);
			lg.ctl.role = LG_PROBE;
			lg.opening++;
			lg_start(&lg.ctl);
		} else
			lg.stage = LG_DRAIN;
		break;
	case LG_PROBING:
		if (lg.ctl.phase == LG_GONE)
			lg.stage = LG_DRAIN;
		break;
	case LG_DRAIN:
		lg.up = 0;
		for (i = 0; i < lg.followers; i++) {
			lg.fol[i].caught = 0;
			if (lg_follower_complete(&lg.fol[i])) {
				lg.up++;
				lg.fol[i].caught = 1;
			}
		}
		if (lg.up == lg.followers ||
		    now - lg.t_written > lg.drain * 1000000)
			lg_finish();
		break;
	case LG_HOLD:
		if (now - lg.t_hold >= lg.hold * 1000000) {
			lg.rss_idle = lg_rss();
			lg.t0 = lg.t_join;
			lg_finish();
		}
		break;
	case LG_DONE:
		break;
	}
}

static void
lg_tick_cb(lws_sorted_usec_list_t *sul)
{
	lg_progress();
	if (lg.stage != LG_DONE)
		lws_sul_schedule(lg.ctx, 0, sul, lg_tick_cb, LG_TICK);
	lws_cancel_service(lg.ctx);
}

static void
lg_signal(int sig)
{
	(void)sig;
	lg.interrupted = 1;
}

/* Parse address a into host and port or a Unix socket path, in w. */
static void
lg_address(const char *a, struct lg_where *w)
{
	const char	*colon;
	int64_t		 port;

	w->address = a;
	if (strncmp(a, "unix:", 5) == 0) {
		if (lg.kind != LG_CONCORD || strlen(a + 5) >=
		    sizeof w->unixpath || a[5] == '\0')
			lg_die(1, "bad address: %s", a);
		strcpy(w->unixpath, a + 5);
		return;
	}
	if ((colon = strrchr(a, ':')) == NULL || colon == a ||
	    (size_t)(colon - a) >= sizeof w->host ||
	    util_num_parse(colon + 1, 1, 65535, &port) != 0)
		lg_die(1, "bad address (host:port): %s", a);
	memcpy(w->host, a, (size_t)(colon - a));
	w->host[colon - a] = '\0';
	w->port = (int)port;
}

/* -Y: append count records of size bytes, each made durable on its own. */
static int
lg_fsync_rate(const char *path)
{
	char	 rec[8192];
	int64_t	 start, secs, i;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0600)) == -1)
		lg_die(1, "%s: %s", path, strerror(errno));
	start = lg_now();
	for (i = 0; i < lg.notes; i++) {
		lg_note_text(rec, 0, i + 1, lg_now());
		rec[lg.size - 1] = '\n';
		if (write(fd, rec, (size_t)lg.size) != lg.size ||
		    fdatasync(fd) != 0)
			lg_die(1, "%s: %s", path, strerror(errno));
	}
	secs = lg_now() - start;
	close(fd);
	unlink(path);
	printf("loadgen kind=fsync size=%d count=%lld secs=%.3f "
	    "fsync_per_s=%.0f\n", lg.size, (long long)lg.notes,
	    (double)secs / 1e6, (double)lg.notes * 1e6 / (double)secs);
	printf("disk: %lld appends of %d bytes, each followed by fdatasync: "
	    "%.0f per second\n", (long long)lg.notes, lg.size,
	    (double)lg.notes * 1e6 / (double)secs);
	return 0;
}

static int64_t
lg_opt_num(const char *s, int64_t min, int64_t max, int ch)
{
	int64_t	v;

	if (util_num_parse(s, min, max, &v) != 0)
		lg_die(1, "-%c: %s is not a number from %lld to %lld", ch, s,
		    (long long)min, (long long)max);
	return v;
}

static const char *
lg_kind_name(void)
{
	return lg.kind == LG_CONCORD ? "concord" : lg.kind == LG_RELAY ?
	    "relay" : "redis";
}

/* Print the results; returns the exit status. */
static int
lg_report(void)
{
	struct lg_conn	*c;
	int64_t		 missing = 0, dup = 0, ooo = 0, reorder = 0;
	int64_t		 bogus = 0, chain_bad = 0, checked = 0, catchup = 0;
	int64_t		 span, mismatch = 0, incomplete = 0, heads = 0;
	int64_t		 end, bad;
	const char	*ehash;
	double		 secs, dps, aps, scpu = -1, gcpu;
	long		 per = 0;
	int		 i, w, verified = 0, status = 0;
	char		 digest[CORE_DIGEST_LEN + 1] = "";

	for (i = 0; i < lg.followers; i++) {
		c = &lg.fol[i];
		dup += c->dup;
		bogus += c->bogus;
		ooo += c->ooo;
		reorder += c->reorder;
		chain_bad += c->chain_bad;
		checked += c->checked;
		if (c->verify && c->checked > 0)
			verified++;
		if (c->done - c->started > catchup)
			catchup = c->done - c->started;
		if (lg.drain != 0 && !c->caught)
			incomplete++;
		if (lg.nofollow || c->stalled)
			continue;
		if (lg.kind != LG_CONCORD) {
			/* Every acknowledged note, whatever came besides. */
			for (w = 0; lg.drain != 0 && w < lg.writers; w++)
				missing += lg.wri[w].acked -
				    lg_seen_count(c, w, lg.wri[w].acked);
			continue;
		}
		/* The end: the probe's head, or (no writers) the welcome's. */
		end = lg.target > 0 ? lg.target : c->head;
		ehash = lg.target > 0 ? lg.target_hash : c->whash;
		missing += c->missing;
		if (lg.drain != 0 && c->seq < end)
			missing += end - c->seq;
		if (c->seq == end && end > (lg.from < c->head ? lg.from :
		    c->head) &&
		    strcmp(c->hash, ehash) != 0)
			mismatch++;
		/*
		 * The same seqs as the first reading follower, in the same
		 * order, once both hold as many (without a drain, a run ends
		 * with some still a page or two behind).
		 */
		if (incomplete == 0 && c->seq == lg.fol[lg.stall].seq &&
		    c->fp != lg.fol[lg.stall].fp)
			mismatch++;
	}
	if (lg.kind == LG_CONCORD && lg.target > 0) {
		heads = lg.target;
		memcpy(digest, lg.target_hash, CORE_DIGEST_LEN);
	} else if (lg.kind == LG_CONCORD && lg.followers > lg.stall) {
		heads = lg.fol[lg.stall].seq;
		memcpy(digest, lg.fol[lg.stall].hash, CORE_DIGEST_LEN);
	}
	digest[CORE_DIGEST_LEN] = '\0';

	span = (lg.t_last_rx > lg.t0 ? lg.t_last_rx : lg.t_end) - lg.t0;
	secs = span > 0 ? (double)span / 1e6 : 0;
	dps = span > 0 ? (double)lg.deliveries * 1e6 / (double)span : 0;
	span = lg.t_last_ack - lg.t0;
	aps = span > 0 ? (double)lg.acked * 1e6 / (double)span : 0;
	span = lg.t_end - lg.t0;
	if (lg.pid > 0 && span > 0)
		scpu = (double)(lg.cpu1 - lg.cpu0) * 1e8 /
		    (double)sysconf(_SC_CLK_TCK) / (double)span;
	gcpu = span > 0 ? (double)(lg.gcpu1 - lg.gcpu0) * 100 / (double)span :
	    0;
	if (lg.followers > 0 && lg.rss_idle > 0)
		per = (lg.rss_idle - lg.rss_base) * 1024 / lg.followers;

	printf("loadgen kind=%s incident=%s followers=%d writers=%d rate=%lld "
	    "window=%d "
	    "size=%d notes=%lld refused=%lld deliveries=%lld secs=%.3f "
	    "deliveries_per_s=%.0f accepted_per_s=%.0f p50_us=%lld "
	    "p99_us=%lld max_us=%lld ack_p50_us=%lld ack_p99_us=%lld "
	    "missing=%lld dup=%lld ooo=%lld reorder=%lld bogus=%lld "
	    "verified=%d "
	    "checked=%lld chain_bad=%lld mismatch=%lld lost=%d "
	    "stalled=%d dropped=%d rx_bytes=%lld presence=%lld "
	    "complete=%d head=%lld digest=%s catchup_ms=%.1f "
	    "server_cpu=%.1f gen_cpu=%.1f rss_base_kib=%ld "
	    "rss_start_kib=%ld rss_max_kib=%ld rss_end_kib=%ld "
	    "rss_drained_kib=%ld rss_idle_kib=%ld idle_bytes_per_follower=%ld"
	    "\n",
	    lg_kind_name(), lg.incident != NULL ? lg.incident : "-",
	    lg.followers, lg.writers, (long long)lg.rate,
	    lg.window, lg.size, (long long)lg.acked, (long long)lg.refused,
	    (long long)lg.deliveries, secs, dps, aps,
	    (long long)lg_hist_quantile(&lg.lat, 0.50),
	    (long long)lg_hist_quantile(&lg.lat, 0.99), (long long)lg.lat.max,
	    (long long)lg_hist_quantile(&lg.ack, 0.50),
	    (long long)lg_hist_quantile(&lg.ack, 0.99), (long long)missing,
	    (long long)dup, (long long)ooo, (long long)reorder,
	    (long long)bogus, verified,
	    (long long)checked, (long long)chain_bad, (long long)mismatch,
	    lg.lost, lg.stall, lg.dropped, (long long)lg.rx_bytes,
	    (long long)lg.presence, incomplete == 0 && lg.drain != 0,
	    (long long)heads,
	    digest[0] != '\0' ? digest : "-", (double)catchup / 1000, scpu,
	    gcpu, lg.rss_base, lg.rss_start, lg.rss_max, lg.rss_end,
	    lg.rss_drained, lg.rss_idle, per);

	printf("%s: %d followers, %d writers", lg_kind_name(), lg.followers,
	    lg.writers);
	if (lg.writers > 0) {
		if (lg.rate > 0)
			printf(" at %lld notes/s each", (long long)lg.rate);
		else
			printf(" flat out (window %d)", lg.window);
		printf(": %.0f notes/s accepted", aps);
		if (lg.followers > 0)
			printf(", %.0f deliveries/s, latency p50 %.2f ms "
			    "p99 %.2f ms max %.2f ms", dps,
			    (double)lg_hist_quantile(&lg.lat, 0.50) / 1000,
			    (double)lg_hist_quantile(&lg.lat, 0.99) / 1000,
			    (double)lg.lat.max / 1000);
	} else if (lg.hold > 0)
		printf(" held idle: %ld bytes of server memory per follower",
		    per);
	else
		printf(": caught up to seq %lld in %.1f ms", (long long)heads,
		    (double)catchup / 1000);
	if (scpu >= 0)
		printf(", server CPU %.0f%%", scpu);
	if (lg.stall > 0)
		printf(", %d followers stopped reading (%d closed by the "
		    "server)", lg.stall, lg.dropped);
	printf("; ");
	if (lg.failed)
		printf("the run failed, ");
	bad = missing + dup + ooo + reorder + bogus + chain_bad + mismatch;
	if (bad + lg.lost == 0)
		printf("nothing missing, duplicated or out of order");
	else
		printf("%lld missing, %lld duplicated, %lld out of order, "
		    "%lld of a writer's reordered, %lld never sent, %lld "
		    "chain errors, %lld digest mismatches, %d lost "
		    "connections", (long long)missing, (long long)dup,
		    (long long)ooo, (long long)reorder, (long long)bogus,
		    (long long)chain_bad, (long long)mismatch, lg.lost);
	if (verified > 0)
		printf(", chain recomputed at %d followers", verified);
	if (lg.kind == LG_CONCORD && digest[0] != '\0')
		printf(", head seq %lld · %s", (long long)heads, digest);
	printf("\n");
	fflush(stdout);

	if (lg.failed)
		status = 1;
	else if (lg.lost > 0)
		status = 2;
	else if (bad + lg.refused > 0)
		status = 3;
	else if (incomplete > 0)
		status = 4;
	return status;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info	 info;
	struct rlimit				 rl;
	const char				*fsync_path = NULL, *tok;
	const char				*waddr = NULL;
	int					 ch, i, w, status;
	int64_t					 v;

	/* Over TCP a hub needs a token: $CONCORD_TOKEN, of a user that may
	   act as the generator's connections (f1, w1, ...). */
	if ((tok = getenv("CONCORD_TOKEN")) != NULL && *tok != '\0' &&
	    strlen(tok) <= CORE_TOKEN_MAX && strpbrk(tok, "\"\\") == NULL)
		snprintf(lg.token, sizeof lg.token, ",\"token\":\"%s\"", tok);
	lg.followers = 10;
	lg.writers = 1;
	lg.window = 64;
	lg.notes = -1;
	lg.secs = -1;
	lg.size = 200;
	lg.verifying = -1;
	lg.drain = 60;
	lg.pacer.role = LG_PACER;
	lg.pacer_fd = -1;
	while ((ch = getopt(argc, argv, "A:D:d:F:f:H:i:k:Nn:p:Rr:S:s:V:W:w:Y:"))
	    != -1) {
		switch (ch) {
		case 'A':
			waddr = optarg;
			break;
		case 'R':
			lg.rawfollow = 1;
			break;
		case 'D':
			lg.drain = lg_opt_num(optarg, 0, 86400, ch);
			break;
		case 'd':
			lg.secs = lg_opt_num(optarg, 1, 86400, ch);
			break;
		case 'F':
			lg.from = lg_opt_num(optarg, 0, INT64_MAX / 2, ch);
			break;
		case 'f':
			lg.followers = (int)lg_opt_num(optarg, 0, 100000, ch);
			break;
		case 'H':
			lg.hold = lg_opt_num(optarg, 1, 86400, ch);
			break;
		case 'i':
			lg.incident = xstrdup(optarg);
			break;
		case 'k':
			if (strcmp(optarg, "concord") == 0)
				lg.kind = LG_CONCORD;
			else if (strcmp(optarg, "relay") == 0)
				lg.kind = LG_RELAY;
			else if (strcmp(optarg, "redis") == 0)
				lg.kind = LG_REDIS;
			else
				lg_usage();
			break;
		case 'N':
			lg.nofollow = 1;
			break;
		case 'n':
			lg.notes = lg_opt_num(optarg, 1, INT64_MAX / 2, ch);
			break;
		case 'p':
			lg.pid = (pid_t)lg_opt_num(optarg, 1, INT_MAX, ch);
			break;
		case 'r':
			lg.rate = lg_opt_num(optarg, 0, 1000000, ch);
			break;
		case 'S':
			lg.stall = (int)lg_opt_num(optarg, 0, 100000, ch);
			break;
		case 's':
			lg.size = (int)lg_opt_num(optarg, 64, 4000, ch);
			break;
		case 'V':
			lg.verifying = (int)lg_opt_num(optarg, 0, 100000, ch);
			break;
		case 'W':
			lg.window = (int)lg_opt_num(optarg, 1, 65536, ch);
			break;
		case 'w':
			lg.writers = (int)lg_opt_num(optarg, 0, 10000, ch);
			break;
		case 'Y':
			fsync_path = optarg;
			break;
		default:
			lg_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (fsync_path != NULL) {
		if (argc != 0)
			lg_usage();
		if (lg.notes < 0)
			lg.notes = 1000;
		return lg_fsync_rate(fsync_path);
	}
	if (argc != 1)
		lg_usage();
	if (waddr != NULL) {
		if (lg.kind != LG_CONCORD)
			lg_die(1, "-A is for concord hubs alone");
		lg_address(waddr, &lg.wat);
	}
	if (lg.writers > 0 && (lg.notes < 0) == (lg.secs < 0))
		lg_die(1, "give the writers -n notes or -d seconds");
	if (lg.writers == 0 && lg.followers == 0)
		lg_die(1, "nothing to do: no followers and no writers");
	if ((lg.hold > 0 || lg.nofollow) &&
	    (lg.writers > 0 || lg.kind != LG_CONCORD))
		lg_die(1, "-H and -N are for concord followers alone");
	if (lg.from > 0 && lg.kind != LG_CONCORD)
		lg_die(1, "-F is for concord followers alone");
	if (lg.writers == 0 && lg.kind != LG_CONCORD)
		lg_die(1, "the peers need writers");
	if (lg.nofollow && lg.hold == 0)
		lg_die(1, "-N needs -H");
	lg_address(argv[0], &lg.at);
	if (lg.wat.address == NULL)
		lg.wat = lg.at;
	if (lg.stall > lg.followers || (lg.stall > 0 && lg.writers == 0))
		lg_die(1, "-S: at most the followers, and only with writers");
	if (lg.verifying < 0 || lg.verifying > lg.followers)
		lg.verifying = lg.followers;

	/* A thousand connections need more than the usual 1024 files. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, lg_signal);
	signal(SIGTERM, lg_signal);

	lg.fol = xcalloc((size_t)(lg.followers + 1), sizeof *lg.fol);
	lg.wri = xcalloc((size_t)(lg.writers + 1), sizeof *lg.wri);
	for (i = 0; i < lg.followers; i++) {
		lg.fol[i].role = LG_FOLLOWER;
		lg.fol[i].id = i;
		lg.fol[i].verify = i < lg.verifying;
		lg.fol[i].maxn = xcalloc((size_t)lg.writers + 1,
		    sizeof *lg.fol[i].maxn);
		lg.fol[i].seen = xcalloc((size_t)lg.writers + 1,
		    sizeof *lg.fol[i].seen);
		lg.fol[i].nseen = xcalloc((size_t)lg.writers + 1,
		    sizeof *lg.fol[i].nseen);
		lg.fol[i].fp = 0xcbf29ce484222325ULL;
		util_buf_init(&lg.fol[i].rx);
	}
	for (i = 0; i < lg.writers; i++) {
		lg.wri[i].role = LG_WRITER;
		lg.wri[i].id = i;
		lg.wri[i].quota = -1;
		if (lg.notes >= 0) {
			v = lg.notes / lg.writers;
			lg.wri[i].quota = v + (i < lg.notes % lg.writers);
		}
		lg.wri[i].sent_at = xcalloc((size_t)lg.window, sizeof(int64_t));
		util_buf_init(&lg.wri[i].rx);
	}
	util_buf_init(&lg.ctl.rx);

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = lg_protocols;
	info.pt_serv_buf_size = 65536;
	info.timeout_secs = 20;
	info.connect_timeout_secs = 20;
	if ((lg.ctx = lws_create_context(&info)) == NULL)
		lg_die(1, "cannot create the event loop");
	lg.vh = lws_get_vhost_by_name(lg.ctx, "default");

	if (lg.kind == LG_CONCORD && lg.incident == NULL) {
		lg.ctl.role = LG_OPEN;
		lg.opening++;
		lg_start(&lg.ctl);
		lg.stage = LG_SETUP;
	} else {
		if (lg.incident == NULL)
			lg.incident = xstrdup(LG_CHANNEL);
		lg_begin_join();
	}
	lws_sul_schedule(lg.ctx, 0, &lg.tick, lg_tick_cb, LG_TICK);
	while (lg.stage != LG_DONE) {
		if (lws_service(lg.ctx, 0) < 0)
			break;
	}
	status = lg_report();
	lws_context_destroy(lg.ctx);
	for (i = 0; i < lg.followers; i++) {
		for (w = 0; w < lg.writers; w++)
			free(lg.fol[i].seen[w]);
		free(lg.fol[i].seen);
		free(lg.fol[i].nseen);
		free(lg.fol[i].maxn);
		util_buf_clear(&lg.fol[i].rx);
	}
	for (i = 0; i < lg.writers; i++) {
		free(lg.wri[i].sent_at);
		util_buf_clear(&lg.wri[i].rx);
	}
	util_buf_clear(&lg.ctl.rx);
	free(lg.fol);
	free(lg.wri);
	free(lg.incident);
	return status;
}
