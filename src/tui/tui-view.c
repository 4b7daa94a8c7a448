/*
 * What the screen says, decided without curses so it can be tested alone:
 * the words for a held action and for a note written before it was
 * delivered.  Everything is written into the caller's buffer, always
 * NUL-terminated, and measured in display columns (the only characters
 * wider than one byte are the marks, one column each).
 *
 * A held action reads "HELD bob f12 23s", the fence giving way first when
 * the width is short, the countdown never.  The user's own claims read
 * "HELD you 23s" followed by the longest hint that fits whole (before the
 * fence, which is shown only if it fits too): this
 * console's own claims are "renewed here" (it renews them at a third of
 * their TTL), or "renewal paused" while the hub is not live; a claim of
 * the same user made by another process (concord run, a bare concord
 * claim) is "not renewed here", so nobody takes the console to be keeping
 * it alive.
 *
 * Also decided here: how the header names the hub ("private" for the
 * embedded one, so nobody takes a private incident for the team's), the
 * order of the Actions pane (what needs attention first: held, then
 * conflicting, blocked, free, done), wrapping text by display columns,
 * and what the detail view says of one timeline entry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "client.h"
#include "export.h"
#include "tui.h"
#include "util.h"

/* Display columns of UTF-8 text whose characters are one column each. */
static int
tui_view_width(const char *s)
{
	int	n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

int
tui_view_held(char *buf, size_t len, int width, const struct tui_held *h)
{
	static const char *const mine_utf8[] = { "renewed here", "\xe2\x86\xbb",
	    "", NULL };
	static const char *const mine_ascii[] = { "renewed here", "+", "",
	    NULL };
	static const char *const paused[] = { "renewal paused", "paused", "",
	    NULL };
	static const char *const other[] = { "not renewed here", "not here",
	    "!", "", NULL };
	static const char *const none[] = { "", NULL };
	const char *const	*hints;
	const char		*who;
	size_t			 i;
	int			 fence;

	who = strcmp(h->holder, h->user) == 0 ? "you" : h->holder;
	if (who == h->holder)
		hints = none;
	else if (!h->mine)
		hints = other;
	else if (!h->live)
		hints = paused;
	else
		hints = h->utf8 ? mine_utf8 : mine_ascii;
	/* The hint before the fence, the countdown before both. */
	for (i = 0; hints[i] != NULL; i++) {
		for (fence = 1; fence >= 0; fence--) {
			if (fence)
				snprintf(buf, len, "HELD %s f%lld %llds%s%s",
				    who, (long long)h->fence,
				    (long long)h->left,
				    *hints[i] != '\0' ? " " : "", hints[i]);
			else
				snprintf(buf, len, "HELD %s %llds%s%s", who,
				    (long long)h->left, *hints[i] != '\0' ?
				    " " : "", hints[i]);
			if (tui_view_width(buf) <= width)
				return tui_view_width(buf);
		}
	}
	return tui_view_width(buf);	/* too narrow: cut by the caller */
}

void
tui_view_written(char *buf, size_t len, int64_t written, int64_t at)
{
	time_t		tw = (time_t)(written / 1000), ta = (time_t)(at / 1000);
	struct tm	mw, ma;

	localtime_r(&tw, &mw);
	localtime_r(&ta, &ma);
	if (mw.tm_year == ma.tm_year && mw.tm_yday == ma.tm_yday)
		strftime(buf, len, "written %H:%M", &mw);
	else
		strftime(buf, len, "written %b %d %H:%M", &mw);
}

void
tui_view_hub(char *buf, size_t len, const char *hub, int embedded, int max)
{
	const char	*p, *slash;
	size_t		 n;

	if (embedded) {
		snprintf(buf, len, "private");
		return;
	}
	if (strncmp(hub, "unix:", 5) == 0) {
		slash = strrchr(hub + 5, '/');
		p = slash != NULL ? slash + 1 : hub + 5;
		snprintf(buf, len, "unix:%s", p);
		if ((int)strlen(buf) > max)
			snprintf(buf, len, "%s", p);
		return;
	}
	if ((p = strstr(hub, "://")) != NULL)
		p += 3;
	else
		p = hub;
	n = strcspn(p, "/");
	snprintf(buf, len, "%.*s", (int)n, p);
}

/* How urgent an action is: 0 held, 1 conflicting, 2 blocked, 3 free, 4 done. */
static int
tui_view_rank(const struct core_state *st, const struct core_action *a)
{
	char	*why;
	int	 rank;

	if (a->state == CORE_ACTION_HELD)
		return 0;
	if (a->state == CORE_ACTION_DONE)
		return 4;
	if ((why = core_state_blocked(st, a)) == NULL)
		return 3;
	rank = strncmp(why, "after", 5) == 0 ? 2 : 1;
	free(why);
	return rank;
}

size_t
tui_view_order(const struct core_state *st, size_t *order)
{
	size_t	i, k = 0;
	int	rank;

	for (rank = 0; rank <= 4; rank++) {
		for (i = 0; i < st->nactions; i++) {
			if (tui_view_rank(st, &st->actions[i]) == rank)
				order[k++] = i;
		}
	}
	return k;
}

/* Display columns of the character cp (a control or unknown one: 1). */
static int
tui_view_cols(unsigned int cp)
{
	int	w = wcwidth((wchar_t)cp);

	return w < 0 ? 1 : w;
}

char **
tui_view_wrap(const char *text, int width, size_t *n)
{
	char		**lines = NULL;
	const char	 *s = text != NULL ? text : "";
	size_t		  len = strlen(s), i = 0, start = 0, brk = 0, at;
	unsigned int	  cp;
	int		  cols = 0, brkcols = 0;
	char		 *line;

	*n = 0;
	if (width < 1)
		width = 1;
	while (i < len) {
		at = i;
		core_utf8_next(s, len, &i, &cp);
		if (cp == '\n') {
			line = xstrndup(s + start, at - start);
			core_list_add(&lines, n, line);
			free(line);
			start = i;
			brk = 0;
			cols = 0;
			continue;
		}
		if (cp == ' ' && at > start) {
			brk = at;	/* the line may end before this blank */
			brkcols = cols;
		}
		cols += tui_view_cols(cp);
		if (cols <= width)
			continue;
		if (brk > start) {
			line = xstrndup(s + start, brk - start);
			start = brk + 1;
			cols -= brkcols + 1;
		} else if (at > start) {
			line = xstrndup(s + start, at - start);
			start = at;
			cols = tui_view_cols(cp);
		} else {
			line = xstrndup(s + start, i - start);
			start = i;
			cols = 0;
		}
		core_list_add(&lines, n, line);
		free(line);
		brk = 0;
	}
	if (start < len || *n == 0) {
		line = xstrndup(s + start, len - start);
		core_list_add(&lines, n, line);
		free(line);
	}
	return lines;
}

/* Add a formatted line to the list. */
static void
tui_view_add(char ***l, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tui_view_add(char ***l, size_t *n, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	core_list_add(l, n, s);
	free(s);
}

char **
tui_view_detail(const struct client_tl *tl, size_t n, size_t i,
    const struct core_state *st, size_t *nl)
{
	const struct client_tl		*e = &tl[i];
	const struct core_moment	*m;
	char				**l = NULL, when[32], written[32];
	size_t				 j, k, count = 0;

	*nl = 0;
	tui_view_add(&l, nl, "#%lld  %s by %s%s%s%s", (long long)e->seq,
	    core_type_name(e->type), e->actor, e->by != NULL ? " (by " : "",
	    e->by != NULL ? e->by : "", e->by != NULL ? ")" : "");
	tui_view_add(&l, nl, "Role:     %s", *e->roles != '\0' ? e->roles :
	    "none");
	export_time(e->time, when, sizeof when);
	tui_view_add(&l, nl, "Logged:   %s (the hub's clock)", when);
	if (e->written != 0) {
		export_time(e->written, written, sizeof written);
		tui_view_add(&l, nl, "Written:  %s (the author's clock; "
		    "delivered later)", written);
	}
	tui_view_add(&l, nl, "Seq:      %lld", (long long)e->seq);
	tui_view_add(&l, nl, "Op:       %s", e->op != NULL ? e->op : "-");
	if (e->ref != 0)
		tui_view_add(&l, nl, "About:    #%lld", (long long)e->ref);
	tui_view_add(&l, nl, "%s", "");
	if (e->amended_by != 0) {
		tui_view_add(&l, nl, "Now reads (amended at #%lld):",
		    (long long)e->amended_by);
		tui_view_add(&l, nl, "  %s", e->current != NULL ? e->current :
		    e->text);
		tui_view_add(&l, nl, "Originally:");
	} else
		tui_view_add(&l, nl, "Text:");
	tui_view_add(&l, nl, "  %s", e->text);
	for (j = i + 1; j < n; j++) {
		if (tl[j].type != CORE_AMEND || tl[j].ref != e->seq)
			continue;
		if (count++ == 0) {
			tui_view_add(&l, nl, "%s", "");
			tui_view_add(&l, nl, "Amendments:");
		}
		export_time(tl[j].time, when, sizeof when);
		tui_view_add(&l, nl, "  #%lld %s %s: %s", (long long)tl[j].seq,
		    when + 11, tl[j].actor, tl[j].text);
	}
	for (j = 0; j < st->nmoments; j++) {
		m = &st->moments[j];
		if (m->ref != e->seq && m->seq != e->seq)
			continue;
		tui_view_add(&l, nl, "%s", "");
		if (m->ref == e->seq && m->seq == e->seq)
			tui_view_add(&l, nl, "Key moment: %s, by %s", m->kind,
			    m->by);
		else if (m->ref == e->seq)
			tui_view_add(&l, nl, "Key moment: %s, marked by %s at "
			    "#%lld", m->kind, m->by, (long long)m->seq);
		else
			tui_view_add(&l, nl, "Marks #%lld as the %s",
			    (long long)m->ref, m->kind);
		if (m->nseen > 0)
			tui_view_add(&l, nl, "What the feeds showed then:");
		for (k = 0; k < m->nseen; k++)
			tui_view_add(&l, nl, "  %s", m->seen[k]);
	}
	return l;
}
