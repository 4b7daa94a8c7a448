/*
 * tele: telemetry.  An engine that polls feeds (a Prometheus instant query,
 * or any JSON endpoint and the path to a value in its answer) on their own
 * schedules, and a pure evaluator of warn and critical thresholds with
 * hysteresis.
 *
 * The engine runs libcurl's multi interface in a worker thread of its own,
 * so nothing its owner does ever waits for an endpoint.  Its owner (the
 * hub) calls tele_create, tele_set, tele_take, tele_stats_get and
 * tele_free from one thread; the worker calls the wake function given to
 * tele_create, from the worker thread and with no lock held, whenever
 * samples are ready, and the owner then drains them with tele_take (the
 * hub's wake calls lws_cancel_service, and its loop takes the samples when
 * the wait is cancelled).  Samples wait for tele_take in a queue of at most
 * TELE_QUEUE_MAX; beyond that the oldest are dropped and counted.
 *
 * Every poll is bounded: a timeout (at most the feed's interval), a
 * connect timeout, an answer of at most TELE_BODY_MAX bytes (a larger one
 * is an error), http and https only, at most TELE_REDIRECTS_MAX redirects,
 * no signals.  The engine keeps no history: each sample says what one poll
 * found, and the owner keeps what it shows.
 */
#ifndef CONCORD_TELE_H
#define CONCORD_TELE_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define TELE_FEEDS_MAX		256
#define TELE_HEADERS_MAX	8	/* request headers of a feed */
#define TELE_HEADER_MAX		1024	/* bytes of one, "Name: value" */
#define TELE_URL_MAX		2048
#define TELE_QUERY_MAX		4096	/* PromQL, or a JSON path */
#define TELE_BODY_MAX		PROTO_MON_BODY_MAX
#define TELE_EVERY_DEFAULT	15000	/* ms between polls */
#define TELE_EVERY_MIN		100
#define TELE_EVERY_MAX		86400000
#define TELE_TIMEOUT_DEFAULT	10000	/* ms, or the interval if shorter */
#define TELE_TIMEOUT_MIN	50
#define TELE_CONNECT_MAX	5000	/* ms to connect, within the timeout */
#define TELE_REDIRECTS_MAX	3
#define TELE_SERIES_KEEP	10	/* series a sample shows */
#define TELE_ERROR_MAX		300	/* bytes of a sample's error */
#define TELE_QUEUE_MAX		4096	/* samples not yet taken */

enum tele_kind {
	TELE_PROM,		/* url: the server; query: PromQL */
	TELE_JSON		/* url: the document; query: a JSON path */
};

/* How the series of a Prometheus answer become one value. */
enum tele_reduce {
	TELE_REDUCE_MAX,	/* the default */
	TELE_REDUCE_MIN,
	TELE_REDUCE_SUM,
	TELE_REDUCE_AVG
};

/*
 * A feed.  The engine copies what it is given; a feed the caller built
 * owns nothing the engine cares about (tele_feed_clear frees a copy made
 * by tele_feed_copy).  every_ms and timeout_ms of 0 take the defaults:
 * TELE_EVERY_DEFAULT, and the interval or TELE_TIMEOUT_DEFAULT, whichever
 * is shorter.
 */
struct tele_feed {
	char		 *name;		/* a core name */
	enum tele_kind	  kind;
	char		 *url;		/* http:// or https:// */
	char		 *query;
	char		**headers;	/* "Authorization: Bearer x" */
	size_t		  nheaders;
	int64_t		  every_ms;
	int64_t		  timeout_ms;
	enum tele_reduce  reduce;
};

struct tele_series {
	char		*labels;	/* name{k="v",...} */
	double		 value;
	int		 finite;	/* 0: value is NaN or infinite */
};

/*
 * What one poll found.  When ok, value is a finite number; otherwise
 * error says why (refused, a timeout, "HTTP 503", bad JSON, a missing
 * path, NaN, an empty vector) and value is 0 and means nothing.
 */
struct tele_sample {
	char			*name;		/* the feed's */
	int64_t			 t;		/* wall clock ms, poll's end */
	int64_t			 took_ms;	/* how long the poll took */
	int			 ok;
	char			*error;		/* when !ok */
	double			 value;
	size_t			 nseries;	/* in the answer; 1 for JSON */
	char			*how;		/* "max of 3 series", "scalar",
						   or NULL for one series */
	struct tele_series	*series;	/* at most TELE_SERIES_KEEP,
						   by labels; Prometheus only */
	size_t			 nkept;
};

/* Counters since tele_create, for the owner's /metrics. */
struct tele_stats {
	uint64_t	polls;		/* finished, ok or not */
	uint64_t	errors;		/* finished with an error */
	uint64_t	dropped;	/* samples dropped, queue full */
	size_t		feeds;
	size_t		inflight;
};

/* tele-feed.c */
/* The name of a kind or a reduction ("prom", "max"); static strings. */
const char	*tele_kind_name(enum tele_kind);
const char	*tele_reduce_name(enum tele_reduce);
/* Parse a kind ("prom", "json") or a reduction; 0, or -1 if unknown. */
int		 tele_kind_parse(const char *, enum tele_kind *);
int		 tele_reduce_parse(const char *, enum tele_reduce *);
/* Is f a feed the engine can poll?  0, or -1 with *cause (caller frees). */
int		 tele_feed_check(const struct tele_feed *, char **cause);
/* Copy src into dst, which then owns its strings (tele_feed_clear). */
void		 tele_feed_copy(struct tele_feed *, const struct tele_feed *);
/* Free what a copy owns and empty it. */
void		 tele_feed_clear(struct tele_feed *);
/* Are two feeds the same in every field (defaults applied)? */
int		 tele_feed_equal(const struct tele_feed *,
		    const struct tele_feed *);
/* The interval and timeout in force for a feed, defaults applied (ms). */
int64_t		 tele_feed_every(const struct tele_feed *);
int64_t		 tele_feed_timeout(const struct tele_feed *);
/*
 * The URL a poll of f asks (for a Prometheus feed,
 * URL/api/v1/query?query=ESCAPED).  The caller frees it.
 */
char		*tele_feed_url(const struct tele_feed *);
/*
 * The pure half of a poll: fill s (whose name and times the caller sets)
 * from an answer with HTTP status http and its body, as the feed reads it
 * (decode, reduce, keep a few series).
 */
void		 tele_sample_decode(const struct tele_feed *, long http,
		    const char *body, size_t len, struct tele_sample *);
/* Free what one sample owns and empty it. */
void		 tele_sample_clear(struct tele_sample *);
/* Free n samples and the array (from tele_take); NULL is fine. */
void		 tele_samples_free(struct tele_sample *, size_t);

/* tele-poll.c */
struct tele;
/*
 * Start an engine with no feeds; wake(arg) is called from its worker when
 * samples are ready.  Returns the engine (tele_free ends it).
 */
struct tele	*tele_create(void (*wake)(void *), void *arg);
/*
 * Replace the set of feeds with copies of feeds[0..n-1] (names unique,
 * each passing tele_feed_check, at most TELE_FEEDS_MAX).  A feed whose
 * name and every field are unchanged keeps its schedule and a poll in
 * flight; a changed one is polled at once; one no longer in the set has
 * its poll abandoned.  Returns 0, or -1 with *cause and nothing changed.
 */
int		 tele_set(struct tele *, const struct tele_feed *, size_t n,
		    char **cause);
/*
 * Take every sample ready, oldest first: returns how many, with the array
 * in *out (NULL when 0); the caller frees it with tele_samples_free.
 */
size_t		 tele_take(struct tele *, struct tele_sample **out);
/* The counters as they are now. */
void		 tele_stats_get(struct tele *, struct tele_stats *);
/*
 * Stop the worker, abandoning the polls in flight (it does not wait for
 * a hanging endpoint), and free the engine and the samples not taken.
 */
void		 tele_free(struct tele *);

/* tele-level.c: pure, no I/O. */
enum tele_level {
	TELE_LEVEL_OK,
	TELE_LEVEL_WARN,
	TELE_LEVEL_CRIT
};
/*
 * A threshold: reached when the value is at or above it, or with below,
 * at or below it ("80" or ">80" is above, "<10" below).
 */
struct tele_threshold {
	int		set;
	int		below;
	double		value;
};
/*
 * Warn and critical thresholds (either may be unset; both set, they face
 * the same way and critical is the further) and the hysteresis band: a
 * level once reached is left only when the value is back past its
 * threshold by the band, which is absolute, or with relative a fraction of
 * the threshold's magnitude ("5%").  tele_levels_init gives no thresholds
 * and a band of TELE_BAND_DEFAULT.
 */
#define TELE_BAND_DEFAULT	0.05	/* relative: 5% */
struct tele_levels {
	struct tele_threshold	warn;
	struct tele_threshold	crit;
	double			band;
	int			relative;
};
void		 tele_levels_init(struct tele_levels *);
/* Parse "80", ">80", "<10" into t; 0, or -1 with *cause (caller frees). */
int		 tele_threshold_parse(const char *, struct tele_threshold *,
		    char **cause);
/* Parse a band, "5%" or "2.5", into l; 0, or -1 with *cause. */
int		 tele_band_parse(const char *, struct tele_levels *,
		    char **cause);
/* Do l's thresholds make sense together?  0, or -1 with *cause. */
int		 tele_levels_check(const struct tele_levels *, char **cause);
/*
 * The level for a new value, given the level before it: a level is
 * entered when its threshold is reached and kept until the value is back
 * past the threshold by the band.  A value that is not finite keeps prev.
 */
enum tele_level	 tele_level_eval(const struct tele_levels *,
		    enum tele_level prev, double value);
/* "ok", "warn" or "crit"; a static string. */
const char	*tele_level_name(enum tele_level);

#endif
