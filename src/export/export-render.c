/*
 * Rendering a log.  The JSON export is the wire form of every event (with
 * its chain value) inside an object naming the incident, so `concord verify`
 * can recompute the chain with nothing but the file.  The Markdown export is
 * a postmortem-ready timeline: a header (title, severity, status, duration,
 * commanders and roles over time), the recovery actions with their holder
 * (who completed a done one; none for a free one), fence and last episode
 * (claimed, released, expired, broken with the reason, done with the
 * outcome; a fence only once one was granted), then every event in order.
 * A note written offline shows when it was written beside when the hub
 * logged it, and an event done by one user acting as another shows both
 * ("alice (by bob)"); the order is always the log's.  Any event a log can
 * hold renders, even one missing a field its type needs ("?" stands in).
 * Text for people is made safe for a terminal first (export_text): no
 * control or bidi character reaches a reader raw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "proto.h"

void
export_time(int64_t ms, char *out, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL)
		snprintf(out, len, "%lld ms", (long long)ms);
	else
		strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

void
export_written(const struct core_event *e, char *out, size_t len)
{
	time_t		t = (time_t)(e->written / 1000);
	time_t		h = (time_t)(e->time / 1000);
	struct tm	tm, htm;

	*out = '\0';
	if (e->written == 0 || len == 0)
		return;
	if (localtime_r(&t, &tm) == NULL || localtime_r(&h, &htm) == NULL) {
		snprintf(out, len, "written at %lld ms", (long long)e->written);
		return;
	}
	if (tm.tm_year == htm.tm_year && tm.tm_yday == htm.tm_yday)
		strftime(out, len, "written %H:%M:%S", &tm);
	else
		strftime(out, len, "written %Y-%m-%d %H:%M:%S", &tm);
}

char *
export_event_line(const struct core_event *e)
{
	char	 when[32], written[48], *what, *line, *p;

	export_time(e->time, when, sizeof when);
	export_written(e, written, sizeof written);
	p = core_event_describe(e);
	what = export_text(p, EXPORT_TEXT_SAFE | EXPORT_TEXT_LINE);
	free(p);		/* one event, one line, nothing raw */
	line = xasprintf("%s%s%s%s  #%-5lld %s%s%s%s%s%s%s  %s", when,
	    *written != '\0' ? " (" : "", written, *written != '\0' ? ")" : "",
	    (long long)e->seq, core_str_or(e->actor, "?"),
	    e->by != NULL ? " (by " : "", e->by != NULL ? e->by : "",
	    e->by != NULL ? ")" : "",
	    e->roles != NULL && *e->roles != '\0' ? " (" : "",
	    e->roles != NULL ? e->roles : "",
	    e->roles != NULL && *e->roles != '\0' ? ")" : "", what);
	free(what);
	return line;
}

void
export_json(const struct core_state *st, const struct core_event *ev,
    unsigned char (*hashes)[CORE_HASH_LEN], size_t n, struct buf *b)
{
	char	hex[2 * CORE_HASH_LEN + 1];
	size_t	i;

	util_hex_encode(st->chain, CORE_HASH_LEN, hex);
	util_buf_printf(b, "{\"format\":\"concord-export\",\"version\":%d,"
	    "\"incident\":", PROTO_VERSION);
	proto_json_str(b, st->id);
	util_buf_printf(b, ",\"head\":%lld,\"chain\":\"%s\",\"events\":[\n",
	    (long long)st->seq, hex);
	for (i = 0; i < n; i++) {
		proto_event_encode(&ev[i], hashes[i], b);
		util_buf_adds(b, i + 1 < n ? ",\n" : "\n");
	}
	util_buf_adds(b, "]}\n");
}

static void
export_md_duration(struct buf *b, int64_t ms)
{
	int64_t	s = ms / 1000;

	util_buf_printf(b, "%lldh %02lldm %02llds", (long long)(s / 3600),
	    (long long)(s / 60 % 60), (long long)(s % 60));
}

/* The time column: when the hub logged e, and when it was written. */
static void
export_md_when(struct buf *b, const struct core_event *e)
{
	char	when[32], written[48];

	export_time(e->time, when, sizeof when);
	export_written(e, written, sizeof written);
	util_buf_adds(b, when);
	if (*written != '\0')
		util_buf_printf(b, " (%s)", written);
}

/* Escape Markdown table and inline characters in text made safe. */
static void
export_md_text(struct buf *b, const char *text)
{
	char	*safe = export_text(text, EXPORT_TEXT_SAFE), *s;

	for (s = safe; *s != '\0'; s++) {
		if (*s == '\n')
			util_buf_adds(b, " / ");
		else if (strchr("|*_`[]<>\\", *s) != NULL) {
			util_buf_addc(b, '\\');
			util_buf_addc(b, *s);
		} else
			util_buf_addc(b, *s);
	}
	free(safe);
}

/*
 * An action's last episode, from the events about it: "claimed by bob
 * 14:02:15", "released by bob", "expired (held by bob)", "broken by alice:
 * reason (held by bob)", "done by bob: failed", or "never claimed".  Into
 * b, escaped.
 */
static void
export_md_episode(struct buf *b, const struct core_action *a,
    const struct core_event *ev, size_t n)
{
	const struct core_event	*e = NULL, *grant;
	char			 when[32];
	size_t			 i;

	for (i = n; i > 0 && e == NULL; i--) {
		switch (ev[i - 1].type) {
		case CORE_CLAIM:
		case CORE_RELEASE:
		case CORE_DONE:
		case CORE_EXPIRE:
		case CORE_BREAK:
			if (ev[i - 1].name != NULL && a->name != NULL &&
			    strcmp(ev[i - 1].name, a->name) == 0)
				e = &ev[i - 1];
			break;
		default:
			break;
		}
	}
	if (e == NULL) {
		util_buf_adds(b, "never claimed");
		return;
	}
	/* The grant an episode ended: the fence is its seq. */
	grant = e->fence >= 1 && (size_t)e->fence <= n &&
	    ev[e->fence - 1].type == CORE_CLAIM ? &ev[e->fence - 1] : NULL;
	switch (e->type) {
	case CORE_CLAIM:
		export_time(e->time, when, sizeof when);
		util_buf_printf(b, "claimed by %s %s",
		    core_str_or(e->actor, "?"), when + 11);
		break;
	case CORE_RELEASE:
		util_buf_printf(b, "released by %s",
		    core_str_or(e->actor, "?"));
		break;
	case CORE_DONE:
		util_buf_printf(b, "done by %s: %s", core_str_or(e->actor, "?"),
		    core_str_or(e->outcome, "?"));
		if (e->text != NULL && *e->text != '\0') {
			util_buf_adds(b, " (");
			export_md_text(b, e->text);
			util_buf_addc(b, ')');
		}
		break;
	case CORE_EXPIRE:
		util_buf_adds(b, "expired");
		if (grant != NULL)
			util_buf_printf(b, " (held by %s)",
			    core_str_or(grant->actor, "?"));
		break;
	default:
		util_buf_printf(b, "broken by %s: ",
		    core_str_or(e->actor, "?"));
		export_md_text(b, e->text);
		if (grant != NULL)
			util_buf_printf(b, " (held by %s)",
			    core_str_or(grant->actor, "?"));
		break;
	}
}

/*
 * An event's description; a note that was amended shows its latest text
 * and says which event amended it.  The caller frees the result.
 */
static char *
export_md_latest(const struct core_state *st, const struct core_event *ev,
    size_t n, const struct core_event *e)
{
	const struct core_note	*note;
	int64_t			 last;

	if ((note = core_state_note(st, e->seq)) == NULL ||
	    (last = note->amended) < 1 || (size_t)last > n)
		return core_event_describe(e);
	return xasprintf("%s (amended at #%lld; was: %s)",
	    core_str_or(ev[last - 1].text, "?"), (long long)last,
	    core_str_or(e->text, "?"));
}

void
export_md(const struct core_state *st, const struct core_event *ev, size_t n,
    struct buf *b)
{
	const struct core_action	*a;
	char				 when[32], *what;
	size_t				 i, j;
	int64_t				 end;

	util_buf_adds(b, "# ");
	util_buf_adds(b, st->id);
	util_buf_adds(b, ": ");
	export_md_text(b, st->title);
	util_buf_adds(b, "\n\n");
	util_buf_printf(b, "- **Severity:** SEV%lld\n", (long long)st->sev);
	util_buf_printf(b, "- **Status:** %s\n", core_str_or(st->status, "?"));
	export_time(st->opened, when, sizeof when);
	util_buf_printf(b, "- **Opened:** %s by %s\n", when,
	    core_str_or(st->opened_by, "?"));
	if (st->resolved != 0) {
		export_time(st->resolved, when, sizeof when);
		util_buf_printf(b, "- **Resolved:** %s\n", when);
	}
	end = st->resolved != 0 ? st->resolved : st->last_time;
	util_buf_adds(b, st->resolved != 0 ? "- **Duration:** " :
	    "- **Duration so far:** ");
	export_md_duration(b, end - st->opened);
	util_buf_printf(b, "\n- **Incident commander:** %s\n",
	    st->ic != NULL ? st->ic : "vacant");
	if (st->summary != NULL && *st->summary != '\0') {
		util_buf_adds(b, "- **Working summary:** ");
		export_md_text(b, st->summary);
		util_buf_addc(b, '\n');
	}
	util_buf_printf(b, "- **Events:** %lld, chain `seq %lld",
	    (long long)st->seq, (long long)st->seq);
	{
		char	digest[CORE_DIGEST_LEN + 1];

		core_chain_digest(st->chain, digest);
		util_buf_printf(b, " · %s`\n", digest);
	}

	util_buf_adds(b, "\n## Key moments\n\n");
	if (st->nmoments == 0)
		util_buf_adds(b, "None marked.\n");
	for (i = 0; i < st->nmoments; i++) {
		const struct core_event	*m;

		if (st->moments[i].ref < 1 || (size_t)st->moments[i].ref > n)
			continue;
		m = &ev[st->moments[i].ref - 1];
		what = export_md_latest(st, ev, n, m);
		util_buf_printf(b, "- **%s** ",
		    core_str_or(st->moments[i].kind, "?"));
		export_md_when(b, m);
		util_buf_printf(b, " (#%lld, %s): ", (long long)m->seq,
		    core_str_or(m->actor, "?"));
		export_md_text(b, what);
		util_buf_printf(b, " (marked by %s",
		    core_str_or(st->moments[i].by, "?"));
		/* A decision's own event says what was seen; a mark's here. */
		for (j = 0; st->moments[i].seq != st->moments[i].ref &&
		    j < st->moments[i].nseen; j++) {
			util_buf_adds(b, j == 0 ? "; seen then: " : "; ");
			export_md_text(b, st->moments[i].seen[j]);
		}
		util_buf_adds(b, ")\n");
		free(what);
	}

	util_buf_adds(b, "\n## Roles over time\n\n");
	for (i = 0; i < n; i++) {
		if (core_type_kind(ev[i].type) != CORE_KIND_ROLES)
			continue;
		export_time(ev[i].time, when, sizeof when);
		what = core_event_describe(&ev[i]);
		util_buf_printf(b, "- %s %s: ", when,
		    core_str_or(ev[i].actor, "?"));
		export_md_text(b, ev[i].type == CORE_OPEN ?
		    "opened the incident and took command" : what);
		util_buf_addc(b, '\n');
		free(what);
	}

	util_buf_adds(b, "\n## Recovery actions\n\n");
	if (st->nactions == 0)
		util_buf_adds(b, "None declared.\n");
	else
		util_buf_adds(b, "| Action | State | Holder | Fence | "
		    "Last episode | Description |\n"
		    "|---|---|---|---|---|---|\n");
	for (i = 0; i < st->nactions; i++) {
		a = &st->actions[i];
		util_buf_printf(b, "| %s | %s | %s | ",
		    core_str_or(a->name, "?"),
		    a->state == CORE_ACTION_HELD ? "held" :
		    a->state == CORE_ACTION_DONE ? "done" : "free",
		    a->state == CORE_ACTION_HELD && a->holder != NULL ?
		    a->holder : a->state == CORE_ACTION_DONE &&
		    a->last_holder != NULL ? a->last_holder : "-");
		if (a->fence > 0)
			util_buf_printf(b, "%lld | ", (long long)a->fence);
		else
			util_buf_adds(b, "- | ");
		export_md_episode(b, a, ev, n);
		util_buf_adds(b, " | ");
		export_md_text(b, a->desc);
		util_buf_adds(b, " |\n");
	}

	util_buf_adds(b, "\n## Timeline\n\n| Time | Seq | Who | Roles | "
	    "Event |\n|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		what = export_md_latest(st, ev, n, &ev[i]);
		util_buf_adds(b, "| ");
		export_md_when(b, &ev[i]);
		util_buf_printf(b, " | %lld | %s%s%s%s | %s | ",
		    (long long)ev[i].seq, core_str_or(ev[i].actor, "?"),
		    ev[i].by != NULL ? " (by " : "", ev[i].by != NULL ?
		    ev[i].by : "", ev[i].by != NULL ? ")" : "",
		    ev[i].roles != NULL && *ev[i].roles != '\0' ? ev[i].roles :
		    "-");
		export_md_text(b, what);
		util_buf_adds(b, " |\n");
		free(what);
	}
}
