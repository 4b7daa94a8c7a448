/*
 * The polling engine: one worker thread runs libcurl's multi interface
 * over every feed's poll in flight (see tele.h for who calls what).
 *
 * Model: the owner and the worker share only what the lock guards: the
 * stop flag, a feed set handed over by tele_set and not yet taken by the
 * worker, the queue of finished samples, and the counters.  Everything
 * else (the multi handle's transfers, the slots with their schedules)
 * belongs to the worker alone.  The owner wakes the worker with
 * curl_multi_wakeup, which is safe from any thread; the worker wakes the
 * owner with the wake callback, called with the lock not held.
 *
 * The worker's loop: take a new feed set if there is one (slots of
 * unchanged feeds are kept with their schedule and any poll in flight,
 * the others' polls are abandoned), start every poll that is due and not
 * in flight, let curl move the transfers, turn each finished transfer
 * into a sample, and wait in curl_multi_poll until the next poll is due,
 * curl has a timeout to run, a socket is ready, or it is woken (at most
 * a second).  A poll is due every interval from its start; a poll still
 * in flight when the next is due makes that one wait for its end.  Every
 * transfer carries its timeout, so no endpoint holds a slot for longer.
 *
 * Invariants: a slot has at most one transfer in flight, and it is in the
 * multi handle exactly while slot->easy is set; the queue never holds
 * more than TELE_QUEUE_MAX samples; tele_free never waits for an
 * endpoint (the worker wakes at once and removes its transfers).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "tele.h"
#include "util.h"

#define TELE_WAIT_MAX	1000	/* ms the worker waits without a cause */
#define TELE_USER_AGENT	"concordd-telemetry"

struct tele_slot {
	struct tele_feed	 feed;
	char			*url;
	struct curl_slist	*hdrs;
	int64_t			 due;		/* monotonic ms */
	CURL			*easy;		/* in flight, or NULL */
	int64_t			 started;
	struct buf		 body;
	int			 toobig;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct tele {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	CURLM			*multi;
	void			(*wake)(void *);
	void			*arg;

	/* Under lock. */
	int			 stop;
	int			 changed;	/* next holds a new set */
	struct tele_feed	*next;
	size_t			 nnext;
	struct tele_sample	*queue;
	size_t			 nqueue;
	struct tele_stats	 stats;

	/* The worker's. */
	struct tele_slot	**slots;
	size_t			 nslots;
};

static pthread_once_t	tele_once = PTHREAD_ONCE_INIT;

static void
tele_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise libcurl");
}

static void
tele_lock(struct tele *t)
{
	if (pthread_mutex_lock(&t->lock) != 0)
		fatalx("telemetry: cannot lock");
}

static void
tele_unlock(struct tele *t)
{
	if (pthread_mutex_unlock(&t->lock) != 0)
		fatalx("telemetry: cannot unlock");
}

static void
tele_feeds_free(struct tele_feed *f, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		tele_feed_clear(&f[i]);
	free(f);
}

/* ---- the worker ----------------------------------------------------- */

/* Abandon a slot's poll in flight, if any. */
static void
tele_slot_abort(struct tele *t, struct tele_slot *sl)
{
	if (sl->easy == NULL)
		return;
	curl_multi_remove_handle(t->multi, sl->easy);
	curl_easy_cleanup(sl->easy);
	sl->easy = NULL;
	util_buf_reset(&sl->body);
}

static void
tele_slot_free(struct tele *t, struct tele_slot *sl)
{
	tele_slot_abort(t, sl);
	util_buf_clear(&sl->body);
	curl_slist_free_all(sl->hdrs);
	free(sl->url);
	tele_feed_clear(&sl->feed);
	free(sl);
}

static struct tele_slot *
tele_slot_create(const struct tele_feed *f, int64_t now)
{
	struct tele_slot	*sl = xcalloc(1, sizeof *sl);
	struct curl_slist	*l;
	size_t			 i;

	tele_feed_copy(&sl->feed, f);
	sl->url = tele_feed_url(f);
	sl->due = now;
	util_buf_init(&sl->body);
	for (i = 0; i < f->nheaders; i++) {
		if ((l = curl_slist_append(sl->hdrs, f->headers[i])) == NULL)
			fatalx("out of memory for a header");
		sl->hdrs = l;
	}
	if ((l = curl_slist_append(sl->hdrs, "Accept: application/json")) ==
	    NULL)
		fatalx("out of memory for a header");
	sl->hdrs = l;
	return sl;
}

/* Take a new feed set: keep the slots of unchanged feeds. */
static void
tele_worker_merge(struct tele *t, struct tele_feed *set, size_t n)
{
	struct tele_slot	**slots;
	size_t			  i, j;
	int64_t			  now = util_clock_mono_ms();

	slots = xcalloc(n > 0 ? n : 1, sizeof *slots);
	for (i = 0; i < n; i++) {
		for (j = 0; j < t->nslots; j++) {
			if (t->slots[j] != NULL &&
			    tele_feed_equal(&t->slots[j]->feed, &set[i])) {
				slots[i] = t->slots[j];
				t->slots[j] = NULL;
				break;
			}
		}
		if (slots[i] == NULL)
			slots[i] = tele_slot_create(&set[i], now);
	}
	for (j = 0; j < t->nslots; j++) {
		if (t->slots[j] != NULL)
			tele_slot_free(t, t->slots[j]);
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
}

static size_t
tele_worker_write(char *p, size_t size, size_t n, void *arg)
{
	struct tele_slot	*sl = arg;

	n *= size;
	if (sl->body.len + n > TELE_BODY_MAX) {
		sl->toobig = 1;
		return 0;	/* ends the transfer with an error */
	}
	util_buf_add(&sl->body, p, n);
	return n;
}

#define TELE_SETOPT(e, o, v) do {					\
	if (curl_easy_setopt(e, o, v) != CURLE_OK)			\
		fatalx("telemetry: cannot set curl option " #o);	\
} while (0)

/* Start a slot's poll. */
static void
tele_worker_start(struct tele *t, struct tele_slot *sl, int64_t now)
{
	CURL	*e;
	int64_t	 timeout = tele_feed_timeout(&sl->feed);

	if ((e = curl_easy_init()) == NULL)
		fatalx("telemetry: cannot create a transfer");
	util_buf_reset(&sl->body);
	sl->toobig = 0;
	sl->errbuf[0] = '\0';
	TELE_SETOPT(e, CURLOPT_URL, sl->url);
	TELE_SETOPT(e, CURLOPT_PRIVATE, sl);
	TELE_SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	TELE_SETOPT(e, CURLOPT_TIMEOUT_MS, (long)timeout);
	TELE_SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout <
	    TELE_CONNECT_MAX ? timeout : TELE_CONNECT_MAX));
#if LIBCURL_VERSION_NUM >= 0x075500
	TELE_SETOPT(e, CURLOPT_PROTOCOLS_STR, "http,https");
	TELE_SETOPT(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	TELE_SETOPT(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP |
	    CURLPROTO_HTTPS));
	TELE_SETOPT(e, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP |
	    CURLPROTO_HTTPS));
#endif
	TELE_SETOPT(e, CURLOPT_FOLLOWLOCATION, 1L);
	TELE_SETOPT(e, CURLOPT_MAXREDIRS, (long)TELE_REDIRECTS_MAX);
	TELE_SETOPT(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)TELE_BODY_MAX);
	TELE_SETOPT(e, CURLOPT_HTTPHEADER, sl->hdrs);
	TELE_SETOPT(e, CURLOPT_USERAGENT, TELE_USER_AGENT);
	TELE_SETOPT(e, CURLOPT_WRITEFUNCTION, tele_worker_write);
	TELE_SETOPT(e, CURLOPT_WRITEDATA, sl);
	TELE_SETOPT(e, CURLOPT_ERRORBUFFER, sl->errbuf);
	if (curl_multi_add_handle(t->multi, e) != CURLM_OK)
		fatalx("telemetry: cannot start a transfer");
	sl->easy = e;
	sl->started = now;
	sl->due = now + tele_feed_every(&sl->feed);
}

/* Turn a finished transfer into a sample. */
static void
tele_worker_done(struct tele *t, struct tele_slot *sl, CURLcode rc,
    struct tele_sample *s)
{
	int64_t	 now = util_clock_mono_ms();
	long	 http = 0;
	char	*why, *p;

	memset(s, 0, sizeof *s);
	s->name = xstrdup(sl->feed.name);
	s->t = util_clock_wall_ms();
	s->took_ms = now - sl->started;
	curl_easy_getinfo(sl->easy, CURLINFO_RESPONSE_CODE, &http);
	if (sl->toobig || rc == CURLE_FILESIZE_EXCEEDED)
		why = xasprintf("the answer is larger than %d bytes",
		    TELE_BODY_MAX);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		why = xasprintf("timeout: no answer in %lld ms",
		    (long long)tele_feed_timeout(&sl->feed));
	else if (rc == CURLE_COULDNT_CONNECT)
		why = xasprintf("refused: %s", sl->errbuf[0] != '\0' ?
		    sl->errbuf : curl_easy_strerror(rc));
	else if (rc != CURLE_OK)
		why = xstrdup(sl->errbuf[0] != '\0' ? sl->errbuf :
		    curl_easy_strerror(rc));
	else
		why = NULL;
	if (why != NULL) {
		/* curl's words: one line, shorter than TELE_ERROR_MAX. */
		for (p = why; *p != '\0'; p++) {
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				*p = ' ';
		}
		s->error = why;
	} else
		tele_sample_decode(&sl->feed, http, sl->body.data,
		    sl->body.len, s);
	curl_multi_remove_handle(t->multi, sl->easy);
	curl_easy_cleanup(sl->easy);
	sl->easy = NULL;
	util_buf_reset(&sl->body);
}

/* Queue finished samples (the oldest dropped past the bound). */
static void
tele_worker_queue(struct tele *t, struct tele_sample *s, size_t n)
{
	size_t	i, drop;

	tele_lock(t);
	for (i = 0; i < n; i++) {
		t->stats.polls++;
		if (!s[i].ok)
			t->stats.errors++;
	}
	if (t->nqueue + n > TELE_QUEUE_MAX) {
		drop = t->nqueue + n - TELE_QUEUE_MAX;
		if (drop > t->nqueue)
			drop = t->nqueue;
		for (i = 0; i < drop; i++)
			tele_sample_clear(&t->queue[i]);
		memmove(t->queue, t->queue + drop,
		    (t->nqueue - drop) * sizeof *t->queue);
		t->nqueue -= drop;
		t->stats.dropped += drop;
	}
	t->queue = xreallocarray(t->queue, t->nqueue + n, sizeof *t->queue);
	memcpy(t->queue + t->nqueue, s, n * sizeof *s);
	t->nqueue += n;
	tele_unlock(t);
}

static void *
tele_worker(void *arg)
{
	struct tele		*t = arg;
	struct tele_feed	*set;
	struct tele_slot	*sl;
	struct tele_sample	*done;
	CURLMsg			*msg;
	size_t			 nset, ndone, i, inflight;
	int64_t			 now, wait;
	int			 running, left, stop, changed;
	char			*p;

	for (;;) {
		tele_lock(t);
		stop = t->stop;
		changed = t->changed;
		set = t->next;
		nset = t->nnext;
		t->changed = 0;
		t->next = NULL;
		t->nnext = 0;
		tele_unlock(t);
		if (stop) {
			tele_feeds_free(set, nset);
			break;
		}
		if (changed) {
			tele_worker_merge(t, set, nset);
			tele_feeds_free(set, nset);
		}

		now = util_clock_mono_ms();
		for (i = 0; i < t->nslots; i++) {
			sl = t->slots[i];
			if (sl->easy == NULL && sl->due <= now)
				tele_worker_start(t, sl, now);
		}
		curl_multi_perform(t->multi, &running);

		done = NULL;
		ndone = 0;
		while ((msg = curl_multi_info_read(t->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			p = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    &p);
			if ((sl = (struct tele_slot *)p) == NULL ||
			    sl->easy != msg->easy_handle)
				continue;
			done = xreallocarray(done, ndone + 1, sizeof *done);
			tele_worker_done(t, sl, msg->data.result,
			    &done[ndone++]);
		}

		inflight = 0;
		now = util_clock_mono_ms();
		wait = TELE_WAIT_MAX;
		for (i = 0; i < t->nslots; i++) {
			sl = t->slots[i];
			if (sl->easy != NULL) {
				inflight++;
				continue;
			}
			if (sl->due - now < wait)
				wait = sl->due - now;
		}
		if (wait < 0)
			wait = 0;
		tele_lock(t);
		t->stats.feeds = t->nslots;
		t->stats.inflight = inflight;
		tele_unlock(t);
		if (ndone > 0) {
			tele_worker_queue(t, done, ndone);
			free(done);
			t->wake(t->arg);
		}
		if (wait > 0)
			curl_multi_poll(t->multi, NULL, 0, (int)wait, NULL);
	}

	for (i = 0; i < t->nslots; i++)
		tele_slot_free(t, t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	t->nslots = 0;
	return NULL;
}

/* ---- the owner's side ----------------------------------------------- */

static void
tele_wake_none(void *arg)
{
	(void)arg;
}

struct tele *
tele_create(void (*wake)(void *), void *arg)
{
	struct tele	*t = xcalloc(1, sizeof *t);

	if (pthread_once(&tele_once, tele_global_init) != 0)
		fatalx("telemetry: cannot initialise");
	t->wake = wake != NULL ? wake : tele_wake_none;
	t->arg = arg;
	if ((t->multi = curl_multi_init()) == NULL)
		fatalx("telemetry: cannot create a curl multi handle");
	if (pthread_mutex_init(&t->lock, NULL) != 0)
		fatalx("telemetry: cannot create a lock");
	if (pthread_create(&t->thread, NULL, tele_worker, t) != 0)
		fatalx("telemetry: cannot start the worker thread");
	return t;
}

int
tele_set(struct tele *t, const struct tele_feed *feeds, size_t n,
    char **cause)
{
	struct tele_feed	*set, *old;
	size_t			 i, j, nold;

	if (n > TELE_FEEDS_MAX) {
		*cause = xasprintf("more than %d feeds", TELE_FEEDS_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (tele_feed_check(&feeds[i], cause) != 0)
			return -1;
		for (j = 0; j < i; j++) {
			if (strcmp(feeds[i].name, feeds[j].name) == 0) {
				*cause = xasprintf("two feeds named %s",
				    feeds[i].name);
				return -1;
			}
		}
	}
	set = xcalloc(n > 0 ? n : 1, sizeof *set);
	for (i = 0; i < n; i++)
		tele_feed_copy(&set[i], &feeds[i]);

	tele_lock(t);
	old = t->next;
	nold = t->nnext;
	t->next = set;
	t->nnext = n;
	t->changed = 1;
	tele_unlock(t);
	tele_feeds_free(old, nold);
	curl_multi_wakeup(t->multi);
	return 0;
}

size_t
tele_take(struct tele *t, struct tele_sample **out)
{
	size_t	n;

	tele_lock(t);
	*out = t->queue;
	n = t->nqueue;
	t->queue = NULL;
	t->nqueue = 0;
	tele_unlock(t);
	if (n == 0) {
		free(*out);
		*out = NULL;
	}
	return n;
}

void
tele_stats_get(struct tele *t, struct tele_stats *st)
{
	tele_lock(t);
	*st = t->stats;
	tele_unlock(t);
}

void
tele_free(struct tele *t)
{
	if (t == NULL)
		return;
	tele_lock(t);
	t->stop = 1;
	tele_unlock(t);
	curl_multi_wakeup(t->multi);
	if (pthread_join(t->thread, NULL) != 0)
		fatalx("telemetry: cannot join the worker thread");
	curl_multi_cleanup(t->multi);
	pthread_mutex_destroy(&t->lock);
	tele_feeds_free(t->next, t->nnext);
	tele_samples_free(t->queue, t->nqueue);
	free(t);
}
