/*
 * The hub's telemetry: which feeds each open incident has, what everyone
 * sees of them, and the crossings that enter the log.
 *
 * An incident's feeds are those the configuration gives it (every
 * incident, or that one) that its log has not removed, then those its log
 * added.  The engine (tele) polls each distinct feed once: a configured
 * feed as "@NAME" for every incident that shows it, a feed of the log as
 * "INC-N.NAME".  Its worker wakes the loop (lws_cancel_service) and the
 * loop takes the samples here, on the hub's one thread, and updates every
 * view of the feed: the last good value and when it was read, the error
 * and since when, a ring of the last PROTO_HISTORY_MAX good values.  A
 * good value is checked against the feed's thresholds with hysteresis,
 * from the level the log holds; a change of level is one feed.level event,
 * issued like a lease's expiry.  Each change goes to the clients of the
 * incident as a telemetry message for that feed (a newer one replaces it
 * while queued); a change of the set goes out whole.  A resolved incident
 * is not polled.  Nothing here waits on an endpoint.
 *
 * With several hubs on one store only the leader (hub-elect.c) polls and
 * logs crossings: it tells each sample to the other hubs through the store
 * (store_sample, one line: the engine's feed name, then 1, the value and
 * how series were reduced, or 0 and the error, separated by tabs), and
 * they update their views from it (hub_tele_heard) without judging
 * crossings, which reach them in the log.  A hub that loses the lead stops
 * polling at the next sync.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

/* How long a value stays current: two intervals and a timeout. */
static int64_t
hub_tele_stale(const struct hub_feed *f)
{
	return 2 * tele_feed_every(&f->spec) + tele_feed_timeout(&f->spec);
}

static void
hub_tele_feed_free(struct hub_feed *f)
{
	free(f->name);
	free(f->spec.name);
	free(f->spec.url);
	free(f->spec.query);
	core_list_free(f->spec.headers, f->spec.nheaders);
	free(f->unit);
	free(f->warn);
	free(f->crit);
	free(f->error);
	free(f->series);
	free(f);
}

void
hub_tele_incident_free(struct hub_incident *inc)
{
	struct hub_feed	*f;

	while ((f = TAILQ_FIRST(&inc->feeds)) != NULL) {
		TAILQ_REMOVE(&inc->feeds, f, entry);
		hub_tele_feed_free(f);
	}
}

/*
 * A view of a feed called name, polled as engine by spec (whose strings
 * are copied), with its thresholds.  A feed the engine cannot poll, or
 * whose thresholds make no sense, is shown failing with why, not polled.
 */
static struct hub_feed *
hub_tele_feed_new(struct hub *hub, const char *name, const char *engine,
    const struct tele_feed *spec, const char *unit, const char *warn,
    const char *crit)
{
	struct hub_feed	*f = xcalloc(1, sizeof *f);
	char		*cause = NULL;
	size_t		 i;

	f->name = xstrdup(name);
	f->spec = *spec;
	f->spec.name = xstrdup(engine);
	f->spec.url = xstrdup(spec->url);
	f->spec.query = xstrdup(spec->query);
	f->spec.headers = NULL;
	f->spec.nheaders = 0;
	for (i = 0; i < spec->nheaders; i++)
		core_list_add(&f->spec.headers, &f->spec.nheaders,
		    spec->headers[i]);
	f->unit = core_strdup_or_null(unit);
	f->warn = core_strdup_or_null(warn);
	f->crit = core_strdup_or_null(crit);
	tele_levels_init(&f->levels);
	if ((hub->cfg.band != NULL && tele_band_parse(hub->cfg.band,
	    &f->levels, &cause) != 0) ||
	    (warn != NULL && tele_threshold_parse(warn, &f->levels.warn,
	    &cause) != 0) ||
	    (crit != NULL && tele_threshold_parse(crit, &f->levels.crit,
	    &cause) != 0) ||
	    tele_levels_check(&f->levels, &cause) != 0 ||
	    tele_feed_check(&f->spec, &cause) != 0 ||
	    (spec->kind == TELE_JSON && proto_path_check(spec->query,
	    &cause) != 0)) {
		f->error = xasprintf("not polled: %s", cause);
		f->failing = util_clock_mono_ms();
		free(cause);
		free(f->spec.name);
		f->spec.name = NULL;		/* not the engine's */
	}
	return f;
}

/* Is view f what a new one with these settings would be? */
static int
hub_tele_feed_same(const struct hub_feed *f, const struct hub_feed *g)
{
	if (f->spec.name == NULL || g->spec.name == NULL)
		return f->spec.name == g->spec.name &&
		    strcmp(f->error, g->error) == 0;
	return strcmp(f->spec.name, g->spec.name) == 0 &&
	    tele_feed_equal(&f->spec, &g->spec) &&
	    strcmp(core_str_or(f->unit, ""), core_str_or(g->unit, "")) == 0 &&
	    strcmp(core_str_or(f->warn, ""), core_str_or(g->warn, "")) == 0 &&
	    strcmp(core_str_or(f->crit, ""), core_str_or(g->crit, "")) == 0;
}

/* The names are valid until the next call (the hub has one thread). */
const char **
hub_tele_configured(struct hub *hub, struct hub_incident *inc, size_t *n)
{
	static const char	*names[CORE_FEEDS_MAX];
	const struct hub_conf_feed *cf;
	size_t			 i;

	*n = 0;
	for (i = 0; i < hub->cfg.nfeeds && *n < CORE_FEEDS_MAX; i++) {
		cf = &hub->cfg.feeds[i];
		if (cf->incident == NULL ||
		    strcmp(cf->incident, inc->state.id) == 0)
			names[(*n)++] = cf->spec.name;
	}
	return names;
}

/* The feeds inc should have now, as new views, in *want. */
static void
hub_tele_wanted(struct hub *hub, struct hub_incident *inc,
    struct hub_feeds *want)
{
	const struct core_state		*st = &inc->state;
	const struct hub_conf_feed	*cf;
	const struct core_feed		*lf;
	struct tele_feed		 spec;
	struct hub_feed			*f;
	char				*engine;
	size_t				 i;

	TAILQ_INIT(want);
	if (st->status != NULL && strcmp(st->status, "resolved") == 0)
		return;
	for (i = 0; i < hub->cfg.nfeeds; i++) {
		cf = &hub->cfg.feeds[i];
		if (cf->incident != NULL && strcmp(cf->incident, st->id) != 0)
			continue;
		if ((lf = core_state_feed(st, cf->spec.name)) != NULL &&
		    lf->removed)
			continue;
		engine = xasprintf("@%s", cf->spec.name);
		f = hub_tele_feed_new(hub, cf->spec.name, engine, &cf->spec,
		    cf->unit, cf->warn, cf->crit);
		free(engine);
		TAILQ_INSERT_TAIL(want, f, entry);
	}
	for (i = 0; i < st->nfeeds; i++) {
		lf = &st->feeds[i];
		if (lf->removed || lf->kind == NULL)
			continue;
		TAILQ_FOREACH(f, want, entry) {
			if (strcmp(f->name, lf->name) == 0)
				break;
		}
		if (f != NULL)
			continue;	/* the configuration's came first */
		memset(&spec, 0, sizeof spec);
		spec.kind = strcmp(lf->kind, "json") == 0 ? TELE_JSON :
		    TELE_PROM;
		spec.url = lf->url;
		spec.query = lf->query;
		spec.every_ms = lf->every;
		engine = xasprintf("%s.%s", st->id, lf->name);
		f = hub_tele_feed_new(hub, lf->name, engine, &spec, lf->unit,
		    lf->warn, lf->crit);
		free(engine);
		TAILQ_INSERT_TAIL(want, f, entry);
	}
}

/* The feed as the wire shows it at now; borrows f's strings. */
static void
hub_tele_wire(struct hub_incident *inc, const struct hub_feed *f,
    int64_t now, struct proto_feed *pf, double *history)
{
	const struct core_feed	*lf = core_state_feed(&inc->state, f->name);
	size_t			 i;

	memset(pf, 0, sizeof *pf);
	pf->name = f->name;
	pf->unit = f->unit;
	pf->warn = f->warn;
	pf->crit = f->crit;
	if (f->levels.warn.set || f->levels.crit.set)
		pf->level = lf != NULL && lf->level != NULL ? lf->level :
		    (char *)"ok";
	pf->series = f->series;
	pf->error = f->error;
	pf->every = tele_feed_every(&f->spec);
	pf->stale = hub_tele_stale(f);
	pf->valued = f->valued;
	pf->value = f->value;
	pf->age = f->valued && now > f->read ? now - f->read : 0;
	pf->error_age = f->error != NULL && now > f->failing ?
	    now - f->failing : 0;
	for (i = 0; i < f->nhistory; i++)
		history[i] = f->history[(f->first + i) % PROTO_HISTORY_MAX];
	pf->history = history;
	pf->nhistory = f->nhistory;
}

/* Send inc's clients (or only to) one feed, or all of them if f is NULL. */
static void
hub_tele_send(struct hub *hub, struct hub_incident *inc,
    struct hub_client *to, const struct hub_feed *f)
{
	struct proto_feed	 pf[CORE_FEEDS_MAX];
	double			*history;
	struct proto_msg	 m;
	struct buf		 b;
	const struct hub_feed	*g;
	char			*key;
	int64_t			 now = util_clock_mono_ms();
	size_t			 n = 0;

	TAILQ_FOREACH(g, &inc->feeds, entry)
		n++;
	if (f != NULL || n > CORE_FEEDS_MAX)
		n = f != NULL ? 1 : CORE_FEEDS_MAX;
	history = xreallocarray(NULL, (n > 0 ? n : 1) * PROTO_HISTORY_MAX,
	    sizeof *history);
	n = 0;
	proto_msg_init(&m, PROTO_TELEMETRY);
	m.incident = inc->state.id;
	if (f != NULL)
		hub_tele_wire(inc, f, now, &pf[n++], history);
	else {
		m.full = 1;
		TAILQ_FOREACH(g, &inc->feeds, entry) {
			if (n == CORE_FEEDS_MAX)
				break;
			hub_tele_wire(inc, g, now, &pf[n],
			    history + n * PROTO_HISTORY_MAX);
			n++;
		}
	}
	m.feeds = pf;
	m.nfeeds = n;
	util_buf_init(&b);
	proto_msg_encode(&m, &b);
	key = f != NULL ? xasprintf("feed %s", f->name) : xstrdup("feeds");
	hub_ws_notice(hub, inc, to, key, b.data, b.len);
	free(key);
	util_buf_clear(&b);
	free(history);
}

void
hub_tele_welcome(struct hub *hub, struct hub_client *c)
{
	if (c->inc != NULL)
		hub_tele_send(hub, c->inc, c, NULL);
}

/*
 * Make inc's views the wanted ones, keeping what is known of a feed whose
 * settings did not change.  Returns 1 if the set changed.
 */
static int
hub_tele_sync_incident(struct hub *hub, struct hub_incident *inc)
{
	struct hub_feeds	 want;
	struct hub_feed		*f, *g, *next;
	int			 changed = 0;

	hub_tele_wanted(hub, inc, &want);
	for (f = TAILQ_FIRST(&want); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		TAILQ_FOREACH(g, &inc->feeds, entry) {
			if (strcmp(g->name, f->name) == 0)
				break;
		}
		if (g != NULL && hub_tele_feed_same(g, f)) {
			/* Keep the old view, in the new order. */
			TAILQ_REMOVE(&inc->feeds, g, entry);
			TAILQ_INSERT_BEFORE(f, g, entry);
			TAILQ_REMOVE(&want, f, entry);
			hub_tele_feed_free(f);
			continue;
		}
		changed = 1;
	}
	if (!TAILQ_EMPTY(&inc->feeds))
		changed = 1;		/* views no longer wanted */
	hub_tele_incident_free(inc);
	TAILQ_CONCAT(&inc->feeds, &want, entry);
	return changed;
}

void
hub_tele_sync(struct hub *hub)
{
	struct hub_incident	*inc;
	struct hub_feed		*f;
	struct tele_feed	*set = NULL;
	char			*cause = NULL;
	size_t			 n = 0, i;

	if (!hub->tele_dirty || hub->tele == NULL)
		return;
	hub->tele_dirty = 0;
	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		if (inc->committed == 0)
			continue;
		if (hub_tele_sync_incident(hub, inc))
			hub_tele_send(hub, inc, NULL, NULL);
		TAILQ_FOREACH(f, &inc->feeds, entry) {
			if (f->spec.name == NULL)
				continue;
			for (i = 0; i < n; i++) {
				if (strcmp(set[i].name, f->spec.name) == 0)
					break;
			}
			if (i < n || n == TELE_FEEDS_MAX)
				continue;	/* a configured feed, again */
			set = xreallocarray(set, n + 1, sizeof *set);
			set[n++] = f->spec;	/* borrowed */
		}
	}
	if (!hub->leader)
		n = 0;		/* the leader polls */
	if (tele_set(hub->tele, set, n, &cause) != 0) {
		util_log("telemetry: %s", cause);
		free(cause);
	}
	free(set);
}

/* "840 ms" for a value of f. */
static void
hub_tele_value(const struct hub_feed *f, double v, char *buf, size_t len)
{
	char	num[32];

	proto_value_format(v, num, sizeof num);
	snprintf(buf, len, "%s%s%s", num, f->unit != NULL ? " " : "",
	    f->unit != NULL ? f->unit : "");
}

/* Log a crossing of f in inc from level from to level to at value v. */
static void
hub_tele_cross(struct hub *hub, struct hub_incident *inc, struct hub_feed *f,
    enum tele_level from, enum tele_level to, double v)
{
	struct core_event	 ev;
	char			 value[64], *cause = NULL, *text;
	const char		*over;

	hub_tele_value(f, v, value, sizeof value);
	core_event_init(&ev);
	ev.type = CORE_FEED_LEVEL;
	ev.name = xstrdup(f->name);
	ev.state = xstrdup(tele_level_name(to));
	over = to == TELE_LEVEL_CRIT ? f->crit : f->warn;
	if (to > from)
		ev.text = xasprintf("%s is %s, %s %s %s", f->name, value,
		    f->levels.crit.below ? "under" : "over",
		    tele_level_name(to), core_str_or(over, "?"));
	else if (to == TELE_LEVEL_OK)
		ev.text = xasprintf("%s is back to %s", f->name, value);
	else
		ev.text = xasprintf("%s is down to %s, still %s %s %s",
		    f->name, value, f->levels.warn.below ? "under" : "over",
		    tele_level_name(to), core_str_or(over, "?"));
	text = xstrdup(ev.text);	/* the queue takes ev's */
	if (hub_state_issue(hub, inc, &ev, CORE_ACTOR_HUB, &cause) < 0) {
		util_log("%s: cannot log %s: %s", inc->state.id, text, cause);
		free(cause);
	} else {
		util_log("%s: %s", inc->state.id, text);
		hub->stat_levels++;
	}
	free(text);
	core_event_clear(&ev);
}

/* What one sample means for one view of its feed. */
static void
hub_tele_sample(struct hub *hub, struct hub_incident *inc, struct hub_feed *f,
    const struct tele_sample *s, int64_t now)
{
	const struct core_feed	*lf;
	enum tele_level		 from = TELE_LEVEL_OK, to;

	if (!s->ok) {
		if (f->error == NULL || strcmp(f->error, s->error) != 0) {
			if (f->error == NULL)
				f->failing = now;
			free(f->error);
			f->error = xstrdup(core_str_or(s->error, "failed"));
		}
		return;
	}
	free(f->error);
	f->error = NULL;
	free(f->series);
	f->series = core_strdup_or_null(s->how);
	f->valued = 1;
	f->value = s->value;
	f->read = now;
	if (f->nhistory < PROTO_HISTORY_MAX)
		f->history[(f->first + f->nhistory++) % PROTO_HISTORY_MAX] =
		    s->value;
	else {
		f->history[f->first] = s->value;
		f->first = (f->first + 1) % PROTO_HISTORY_MAX;
	}
	if (!f->levels.warn.set && !f->levels.crit.set)
		return;
	if ((lf = core_state_feed(&inc->state, f->name)) != NULL &&
	    lf->level != NULL)
		from = strcmp(lf->level, "crit") == 0 ? TELE_LEVEL_CRIT :
		    strcmp(lf->level, "warn") == 0 ? TELE_LEVEL_WARN :
		    TELE_LEVEL_OK;
	to = tele_level_eval(&f->levels, from, s->value);
	if (to != from && hub->leader)
		hub_tele_cross(hub, inc, f, from, to, s->value);
}

/* Apply a sample to every view of its feed and tell their followers. */
static void
hub_tele_apply(struct hub *hub, const struct tele_sample *s, int64_t now)
{
	struct hub_incident	*inc;
	struct hub_feed		*f;

	STAILQ_FOREACH(inc, &hub->incidents, entry) {
		TAILQ_FOREACH(f, &inc->feeds, entry) {
			if (f->spec.name == NULL ||
			    strcmp(f->spec.name, s->name) != 0)
				continue;
			hub_tele_sample(hub, inc, f, s, now);
			hub_tele_send(hub, inc, NULL, f);
		}
	}
}

/* Tell the other hubs of a store a sample, as one line. */
static void
hub_tele_tell(struct hub *hub, const struct tele_sample *s)
{
	char	*line, *cause = NULL, *p;
	size_t	 n;

	if (!store_shared(hub->store))
		return;
	if (s->ok)
		line = xasprintf("%s\t1\t%.17g\t%s", s->name, s->value,
		    core_str_or(s->how, ""));
	else
		line = xasprintf("%s\t0\t%s", s->name,
		    core_str_or(s->error, "failed"));
	if ((n = strlen(line)) > 7000) {	/* a notification's payload */
		for (n = 7000; n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80;
		    n--)
			;	/* whole characters */
		line[n] = '\0';
	}
	for (p = line; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	if (store_sample(hub->store, line, &cause) != 0) {
		util_log("telemetry: %s", cause);
		free(cause);
	}
	free(line);
}

/* One line another hub told (hub_tele_tell), applied to the views. */
static void
hub_tele_line(const char *line, void *arg)
{
	struct hub		*hub = arg;
	struct tele_sample	 s;
	char			*copy = xstrdup(line), *ok, *rest, *how, *end;

	memset(&s, 0, sizeof s);
	if ((ok = strchr(copy, '\t')) == NULL || (rest = strchr(ok + 1,
	    '\t')) == NULL) {
		free(copy);
		return;
	}
	*ok++ = '\0';
	*rest++ = '\0';
	s.name = copy;
	if (strcmp(ok, "1") == 0) {
		if ((how = strchr(rest, '\t')) != NULL)
			*how++ = '\0';
		s.value = strtod(rest, &end);
		if (end == rest || *end != '\0' || !isfinite(s.value)) {
			free(copy);
			return;
		}
		s.ok = 1;
		s.how = how != NULL && *how != '\0' ? how : NULL;
	} else
		s.error = rest;
	hub_tele_apply(hub, &s, util_clock_mono_ms());
	free(copy);
}

void
hub_tele_heard(struct hub *hub)
{
	if (hub->tele == NULL)
		return;
	hub_tele_sync(hub);
	store_samples(hub->store, hub_tele_line, hub);
}

void
hub_tele_drain(struct hub *hub)
{
	struct tele_sample	*s;
	int64_t			 now = util_clock_mono_ms();
	size_t			 n, i;

	if (hub->tele == NULL)
		return;
	hub_tele_sync(hub);
	n = tele_take(hub->tele, &s);
	for (i = 0; i < n; i++) {
		hub_tele_apply(hub, &s[i], now);
		if (hub->leader)
			hub_tele_tell(hub, &s[i]);
	}
	tele_samples_free(s, n);
}

char **
hub_tele_seen(struct hub *hub, struct hub_incident *inc, size_t *n)
{
	double			 history[PROTO_HISTORY_MAX];
	struct proto_feed	 pf;
	const struct hub_feed	*f;
	char			**lines = NULL, *line;
	int64_t			 now = util_clock_mono_ms();

	(void)hub;
	*n = 0;
	TAILQ_FOREACH(f, &inc->feeds, entry) {
		if (*n == CORE_FEEDS_MAX)
			break;
		hub_tele_wire(inc, f, now, &pf, history);
		line = proto_feed_seen(&pf, pf.age);
		core_list_add(&lines, n, line);
		free(line);
	}
	return lines;
}

/* The engine's worker has samples: end the loop's wait (any thread). */
static void
hub_tele_wake(void *arg)
{
	struct hub	*hub = arg;

	lws_cancel_service(hub->ctx);
}

void
hub_tele_start(struct hub *hub)
{
	hub->tele = tele_create(hub_tele_wake, hub);
	hub->tele_dirty = 1;
	hub_tele_sync(hub);
}

void
hub_tele_stop(struct hub *hub)
{
	struct hub_incident	*inc;

	if (hub->tele != NULL)
		tele_free(hub->tele);
	hub->tele = NULL;
	STAILQ_FOREACH(inc, &hub->incidents, entry)
		hub_tele_incident_free(inc);
}

/* The configured feed called name, added if new. */
static struct hub_conf_feed *
hub_tele_conf_feed(struct hub_config *cfg, const char *name, size_t len)
{
	struct hub_conf_feed	*cf;
	size_t			 i;

	for (i = 0; i < cfg->nfeeds; i++) {
		cf = &cfg->feeds[i];
		if (strlen(cf->spec.name) == len &&
		    strncmp(cf->spec.name, name, len) == 0)
			return cf;
	}
	cfg->feeds = xreallocarray(cfg->feeds, cfg->nfeeds + 1,
	    sizeof *cfg->feeds);
	cf = &cfg->feeds[cfg->nfeeds++];
	memset(cf, 0, sizeof *cf);
	cf->spec.name = xmalloc(len + 1);
	memcpy(cf->spec.name, name, len);
	cf->spec.name[len] = '\0';
	return cf;
}

/* Set *slot to a copy of val. */
static void
hub_tele_conf_str(char **slot, const char *val)
{
	free(*slot);
	*slot = xstrdup(val);
}

int
hub_tele_config(struct hub_config *cfg, const char *key, const char *val,
    char **cause)
{
	struct hub_conf_feed	*cf;
	const char		*name, *dot;
	int64_t			 ms;
	int			 below;
	double			 v;

	if (strncmp(key, "feed.", 5) != 0)
		return 1;
	name = key + 5;
	if ((dot = strrchr(name, '.')) == NULL || dot == name) {
		*cause = xasprintf("%s: a feed's setting is feed.NAME.SETTING",
		    key);
		return -1;
	}
	cf = hub_tele_conf_feed(cfg, name, (size_t)(dot - name));
	if (!core_name_valid(cf->spec.name)) {
		*cause = xasprintf("%s: a feed's name is 1-%d of A-Z a-z 0-9 . "
		    "_ @ -", key, CORE_NAME_MAX);
		return -1;
	}
	dot++;
	if (strcmp(dot, "kind") == 0) {
		if (tele_kind_parse(val, &cf->spec.kind) != 0)
			goto bad;
	} else if (strcmp(dot, "url") == 0)
		hub_tele_conf_str(&cf->spec.url, val);
	else if (strcmp(dot, "query") == 0 || strcmp(dot, "path") == 0)
		hub_tele_conf_str(&cf->spec.query, val);
	else if (strcmp(dot, "unit") == 0)
		hub_tele_conf_str(&cf->unit, val);
	else if (strcmp(dot, "warn") == 0 || strcmp(dot, "crit") == 0) {
		if (core_threshold_parse(val, &below, &v) != 0)
			goto bad;
		hub_tele_conf_str(*dot == 'w' ? &cf->warn : &cf->crit, val);
	} else if (strcmp(dot, "every") == 0 || strcmp(dot, "timeout") == 0) {
		if (util_duration_parse(val, &ms) != 0 || ms <= 0)
			goto bad;
		if (*dot == 'e')
			cf->spec.every_ms = ms;
		else
			cf->spec.timeout_ms = ms;
	} else if (strcmp(dot, "header") == 0) {
		if (cf->spec.nheaders == TELE_HEADERS_MAX ||
		    strchr(val, ':') == NULL)
			goto bad;
		core_list_add(&cf->spec.headers, &cf->spec.nheaders, val);
	} else if (strcmp(dot, "reduce") == 0) {
		if (tele_reduce_parse(val, &cf->spec.reduce) != 0)
			goto bad;
	} else if (strcmp(dot, "incident") == 0)
		hub_tele_conf_str(&cf->incident, val);
	else {
		*cause = xasprintf("%s: unknown feed setting \"%s\"", key, dot);
		return -1;
	}
	return 0;
bad:
	*cause = xasprintf("%s: \"%s\" is not a valid %s", key, val, dot);
	return -1;
}

int
hub_tele_config_check(struct hub_config *cfg, char **cause)
{
	struct hub_conf_feed	*cf;
	struct tele_levels	 l;
	char			*why = NULL;
	size_t			 i;

	tele_levels_init(&l);
	if (cfg->band != NULL && tele_band_parse(cfg->band, &l, &why) != 0)
		goto bad;
	for (i = 0; i < cfg->nfeeds; i++) {
		cf = &cfg->feeds[i];
		if (cf->spec.url == NULL || cf->spec.query == NULL) {
			*cause = xasprintf("feed %s needs a url and a %s",
			    cf->spec.name, cf->spec.kind == TELE_JSON ? "path" :
			    "query");
			return -1;
		}
		if (tele_feed_check(&cf->spec, &why) != 0 ||
		    (cf->spec.kind == TELE_JSON &&
		    proto_path_check(cf->spec.query, &why) != 0)) {
			*cause = xasprintf("feed %s: %s", cf->spec.name, why);
			free(why);
			return -1;
		}
	}
	return 0;
bad:
	*cause = xasprintf("band: %s", why);
	free(why);
	return -1;
}

void
hub_tele_config_clear(struct hub_config *cfg)
{
	struct hub_conf_feed	*cf;
	size_t			 i;

	for (i = 0; i < cfg->nfeeds; i++) {
		cf = &cfg->feeds[i];
		free(cf->spec.name);
		free(cf->spec.url);
		free(cf->spec.query);
		core_list_free(cf->spec.headers, cf->spec.nheaders);
		free(cf->unit);
		free(cf->warn);
		free(cf->crit);
		free(cf->incident);
	}
	free(cfg->feeds);
	cfg->feeds = NULL;
	cfg->nfeeds = 0;
}
