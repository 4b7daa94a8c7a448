/*
 * The screen: curses set-up, colours from the theme, and drawing a frame.
 *
 * A frame is drawn whole from the session's replica into stdscr with
 * erase() and shown with one doupdate(), so there is no flicker and nothing
 * on screen outlives the state it came from.  Only what is visible is
 * visited: the timeline draws its last rows by index, never the whole log.
 * Text is placed by display columns: UTF-8 is decoded to wide characters
 * and measured with wcwidth, and a character that would cross the edge is
 * left out rather than cut.  When the locale is not UTF-8, lines and marks
 * fall back to ASCII.  While the hub is lost every pane title says "as of"
 * the last time it was heard and the panes are dimmed.
 *
 * Nothing is made up: until the hub has sent the incident's log (before
 * the first welcome, or after the replica was dropped to resynchronise)
 * the header says only which hub is being reached, with no severity,
 * status, IC or clock, and every pane says it has not heard from the hub,
 * rather than showing an empty state's SEV0, vacant roles and no actions.
 * The user's own claims read "you", with whether this console renews them
 * (it renews only the claims it made) and, once, a line saying so.
 */
#include <ctype.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <curses.h>

#include "client.h"
#include "export.h"
#include "tui.h"
#include "util.h"

#define TUI_LEFT_WIDE	40	/* left column on wide screens */
#define TUI_LEFT_NARROW	32	/* at 80 columns */
#define TUI_ACTOR_W	9
#define TUI_ROLE_W	6

struct tui_glyphs {
	const char	*hline;
	const char	*vline;
	const char	*dot;
	const char	*ellipsis;
	const char	*star;
	const char	*check;
	const char	*dash;
	const char	*arrow;
};

static const struct tui_glyphs tui_utf8 = {
	"\xe2\x94\x80", "\xe2\x94\x82", "\xc2\xb7", "\xe2\x80\xa6",
	"\xe2\x98\x85", "\xe2\x9c\x94", "\xe2\x80\x94", "\xe2\x86\x91"
};
static const struct tui_glyphs tui_ascii = {
	"-", "|", ".", "...", "*", "ok", "-", "^"
};

static const struct tui_glyphs *
tui_screen_glyphs(struct tui *t)
{
	return t->utf8 ? &tui_utf8 : &tui_ascii;
}

static attr_t
tui_screen_attr(const struct tui_style *st, int pair, int colors)
{
	attr_t	a = 0;

	if (st->attrs & TUI_A_BOLD)
		a |= A_BOLD;
	if (st->attrs & TUI_A_DIM)
		a |= A_DIM;
	if (st->attrs & TUI_A_REVERSE)
		a |= A_REVERSE;
	if (st->attrs & TUI_A_UNDERLINE)
		a |= A_UNDERLINE;
	if (st->attrs & TUI_A_ITALIC)
		a |= A_ITALIC;
	if (colors > 0)
		a |= COLOR_PAIR(pair);
	return a;
}

int
tui_screen_init(struct tui *t, char **cause)
{
	const struct tui_style	*st;
	struct tui_theme	 mono;
	const char		*nc = getenv("NO_COLOR");
	char			*why = NULL;
	int			 i, fg, bg;

	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (initscr() == NULL) {
		*cause = xstrdup("cannot initialise the terminal");
		return -1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(1);
	t->colors = 0;
	if ((nc == NULL || *nc == '\0') && has_colors()) {
		start_color();
		use_default_colors();
		t->colors = COLORS >= 256 ? 256 : 8;
	}
	if (t->colors == 0) {
		/* No colour (NO_COLOR, or the terminal has none): mono. */
		tui_theme_default(&mono);
		if (tui_theme_load(&mono, "mono", &why) == 0) {
			tui_theme_clear(&t->theme);
			t->theme = mono;
		} else {
			util_log("no mono theme: %s", why);
			free(why);
			tui_theme_clear(&mono);
		}
	}
	for (i = 0; i < TUI_ELEM_COUNT; i++) {
		st = &t->theme.style[i];
		if (t->colors == 256) {
			fg = st->fg;
			bg = st->bg;
		} else {
			fg = st->fg8;
			bg = st->bg8;
		}
		if (t->colors > 0)
			init_pair((short)(i + 1), (short)fg, (short)bg);
		t->attr[i] = tui_screen_attr(st, i + 1, t->colors);
	}
	return 0;
}

void
tui_screen_end(struct tui *t)
{
	(void)t;
	endwin();
}

/*
 * Put UTF-8 text at (y, x) in at most w columns with elem's attributes
 * (plus extra); returns the columns used.
 */
static int
tui_screen_text(struct tui *t, int y, int x, int w, enum tui_elem elem,
    attr_t extra, const char *s)
{
	wchar_t		wbuf[512];
	mbstate_t	ps;
	wchar_t		wc;
	size_t		n, len, k = 0;
	int		used = 0, cw;

	if (w <= 0 || s == NULL)
		return 0;
	memset(&ps, 0, sizeof ps);
	len = strlen(s);
	while (len > 0 && k < sizeof wbuf / sizeof wbuf[0]) {
		n = mbrtowc(&wc, s, len, &ps);
		if (n == (size_t)-1 || n == (size_t)-2) {
			memset(&ps, 0, sizeof ps);
			wc = L'?';
			n = 1;
		} else if (n == 0)
			break;
		s += n;
		len -= n;
		if (!t->utf8 && wc >= 0x80)
			wc = L'?';
		if (wc == L'\t' || wc == L'\n')
			wc = L' ';
		if ((cw = wcwidth(wc)) < 0) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > w) {
			/* Cut: end on an ellipsis so nobody reads it whole. */
			while (k > 0 && used + 1 > w) {
				k--;
				used -= wcwidth(wbuf[k]) > 0 ? wcwidth(wbuf[k]) :
				    0;
			}
			if (used + 1 <= w) {
				wbuf[k++] = t->utf8 ? L'\x2026' : L'~';
				used++;
			}
			break;
		}
		if (cw == 0 && k == 0)
			continue;	/* nothing to combine with */
		wbuf[k++] = wc;
		used += cw;
	}
	attrset((attr_t)t->attr[elem] | extra);
	mvaddnwstr(y, x, wbuf, (int)k);
	return used;
}

/* Fill w columns at (y, x) with a glyph. */
static void
tui_screen_fill(struct tui *t, int y, int x, int w, enum tui_elem elem,
    attr_t extra, const char *g)
{
	int	i;

	for (i = 0; i < w; i++)
		tui_screen_text(t, y, x + i, 1, elem, extra, g);
}

/* "HH:MM:SS" for a wall time in ms. */
static void
tui_screen_clock(int64_t ms, char *out, size_t len)
{
	time_t		tt = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&tt, &tm);
	strftime(out, len, "%H:%M:%S", &tm);
}

static const char *
tui_screen_sync(struct tui *t, enum tui_elem *elem, char *buf, size_t len)
{
	const struct core_state	*st = client_session_state(t->session);
	const struct tui_glyphs	*g = tui_screen_glyphs(t);
	char			 digest[CORE_DIGEST_LEN + 1], when[16];
	int64_t			 heard = client_session_heard(t->session);
	int64_t			 ago;

	switch (client_session_sync(t->session)) {
	case CLIENT_SYNC_LIVE:
		core_chain_digest(st->chain, digest);
		snprintf(buf, len, "LIVE seq %lld %s %s", (long long)st->seq,
		    g->dot, digest);
		*elem = TUI_LIVE;
		break;
	case CLIENT_SYNC_CATCHUP:
		snprintf(buf, len, "CATCHING UP %lld behind",
		    (long long)(client_session_head(t->session) - st->seq));
		*elem = TUI_CATCHUP;
		break;
	case CLIENT_SYNC_CONNECTING:
		ago = (util_clock_mono_ms() - t->started) / 1000;
		snprintf(buf, len, "CONNECTING %lld:%02lld",
		    (long long)(ago / 60), (long long)(ago % 60));
		*elem = TUI_CATCHUP;
		break;
	case CLIENT_SYNC_STALE:
		ago = heard == 0 ? 0 : (util_clock_wall_ms() - heard) / 1000;
		tui_screen_clock(heard, when, sizeof when);
		snprintf(buf, len, "STALE %lld:%02lld %s as of %s",
		    (long long)(ago / 60), (long long)(ago % 60), g->dash, when);
		*elem = TUI_STALE;
		break;
	}
	return buf;
}

static int
tui_screen_stale(struct tui *t)
{
	return client_session_sync(t->session) == CLIENT_SYNC_STALE;
}

/*
 * Has the hub sent the incident's log?  Until then there is no state to
 * show, only that it is not known.
 */
static int
tui_screen_heard(struct tui *t)
{
	return client_session_sync(t->session) != CLIENT_SYNC_CONNECTING &&
	    client_session_state(t->session)->seq > 0;
}

/* What a pane says while nothing is known. */
static const char *
tui_screen_unheard(struct tui *t)
{
	return client_session_sync(t->session) == CLIENT_SYNC_CONNECTING ?
	    "not yet heard from the hub" : "waiting for the incident's log";
}

/* A pane title on a rule: "Title ────" (and "as of" when stale). */
static void
tui_screen_title(struct tui *t, int y, int x, int w, const char *title,
    enum tui_focus focus)
{
	const struct tui_glyphs	*g = tui_screen_glyphs(t);
	char			 buf[96], when[16];
	int			 used;

	if (tui_screen_stale(t)) {
		tui_screen_clock(client_session_heard(t->session), when,
		    sizeof when);
		snprintf(buf, sizeof buf, " %s (as of %s) ", title, when);
	} else
		snprintf(buf, sizeof buf, " %s ", title);
	used = tui_screen_text(t, y, x, w, t->focus == focus ?
	    TUI_TITLE_FOCUS : TUI_TITLE, 0, buf);
	tui_screen_fill(t, y, x + used, w - used, TUI_BORDER, 0, g->hline);
}

static void
tui_screen_header(struct tui *t)
{
	const struct core_state	*st = client_session_state(t->session);
	char			 left[512], sync[96], up[32], status[32], *p;
	char			 sev[16];
	enum tui_elem		 se = TUI_LIVE;
	int64_t			 secs;
	int			 used, sw, tw;

	attrset((attr_t)t->attr[TUI_HEADER]);
	move(0, 0);
	hline(' ', t->cols);
	secs = st->opened == 0 ? 0 : ((st->resolved != 0 ? st->resolved :
	    util_clock_wall_ms()) - st->opened) / 1000;
	if (secs < 0)
		secs = 0;
	snprintf(up, sizeof up, "%02lld:%02lld:%02lld", (long long)(secs / 3600),
	    (long long)(secs / 60 % 60), (long long)(secs % 60));
	tui_screen_sync(t, &se, sync, sizeof sync);
	sw = (int)strlen(sync) + 2;
	used = tui_screen_text(t, 0, 0, t->cols - sw, TUI_HEADER, A_BOLD,
	    " concord  ");
	used += tui_screen_text(t, 0, used, t->cols - sw - used, TUI_HEADER,
	    A_BOLD, t->incident);
	used += tui_screen_text(t, 0, used, t->cols - sw - used, TUI_HEADER,
	    0, " ");
	if (!tui_screen_heard(t)) {
		/* Nothing known yet: say where from, show nothing else. */
		snprintf(left, sizeof left, " %s %s%s",
		    client_session_sync(t->session) == CLIENT_SYNC_CONNECTING ?
		    "connecting to" : client_session_sync(t->session) ==
		    CLIENT_SYNC_STALE ? "reconnecting to" : "loading from",
		    client_session_hub(t->session),
		    tui_screen_glyphs(t)->ellipsis);
		tui_screen_text(t, 0, used, t->cols - sw - used - 1, TUI_HEADER,
		    0, left);
		tui_screen_text(t, 0, t->cols - sw + 1, sw - 1, se, A_BOLD,
		    sync);
		return;
	}
	snprintf(status, sizeof status, "%s", st->status != NULL ?
	    st->status : "");
	for (p = status; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	snprintf(left, sizeof left, "  %s  IC %s  %s", status,
	    st->ic != NULL ? st->ic : "vacant", up);
	/* The title gets what the rest leaves, the clock giving way first. */
	tw = t->cols - sw - used - 6 - (int)strlen(left);
	if (tw < 12)
		tw += (int)strlen(up) + 2;
	used += tui_screen_text(t, 0, used, tw, TUI_HEADER, 0,
	    st->title != NULL ? st->title : "");
	used += tui_screen_text(t, 0, used, t->cols - sw - used, TUI_HEADER, 0,
	    "  ");
	snprintf(sev, sizeof sev, "SEV%lld", (long long)st->sev);
	used += tui_screen_text(t, 0, used, t->cols - sw - used,
	    st->sev <= 1 ? TUI_SEV1 : st->sev == 2 ? TUI_SEV2 : TUI_HEADER,
	    A_BOLD, sev);
	/* Leave the clock out rather than show a cut, wrong time. */
	if ((int)strlen(left) > t->cols - sw - used)
		left[strlen(left) - strlen(up) - 2] = '\0';
	tui_screen_text(t, 0, used, t->cols - sw - used, TUI_HEADER, 0, left);
	tui_screen_text(t, 0, t->cols - sw + 1, sw - 1, se, A_BOLD, sync);
}

/* How the timeline colours an event, by what it is about. */
static const enum tui_elem tui_screen_kinds[] = {
	[CORE_KIND_STATE] = TUI_EV_COMMAND,
	[CORE_KIND_ROLES] = TUI_EV_COMMAND,
	[CORE_KIND_NOTE] = TUI_EV_NOTE,
	[CORE_KIND_LEASE] = TUI_EV_COORD,
	[CORE_KIND_DONE] = TUI_EV_DONE,
	[CORE_KIND_LOST] = TUI_EV_ALERT,
	[CORE_KIND_AMEND] = TUI_EV_AMEND,
	[CORE_KIND_SIGNAL] = TUI_EV_ALERT
};

/* One timeline row: time, actor, role, then the text. */
static void
tui_screen_row(struct tui *t, int y, int x, int w, int64_t when,
    const char *actor, const char *roles, enum tui_elem kind, attr_t extra,
    const char *text)
{
	char	clock[16], role[16];
	int	used;

	tui_screen_clock(when, clock, sizeof clock);
	used = tui_screen_text(t, y, x, w, TUI_TIME, extra, clock);
	used += tui_screen_text(t, y, x + used, w - used, TUI_NORMAL, extra,
	    " ");
	tui_screen_text(t, y, x + used, TUI_ACTOR_W, TUI_ACTOR, extra, actor);
	used += TUI_ACTOR_W + 1;
	snprintf(role, sizeof role, "%.*s", TUI_ROLE_W, roles);
	role[strcspn(role, ",")] = '\0';
	tui_screen_text(t, y, x + used, TUI_ROLE_W, TUI_ROLE, extra, role);
	used += TUI_ROLE_W + 1;
	tui_screen_text(t, y, x + used, w - used, kind, extra, text);
}

static void
tui_screen_timeline(struct tui *t, int y, int x, int h, int w)
{
	const struct client_tl			*tl;
	const struct client_outbox_entry	*pe;
	const struct tui_glyphs			*g = tui_screen_glyphs(t);
	attr_t					 dim;
	char					*text, *with, title[64];
	char					 written[48];
	size_t					 n, np, total, i, bottom;
	int					 row, top = 1;

	tl = client_session_timeline(t->session, &n);
	pe = client_session_pending(t->session, &np);
	if (n > t->seen && t->scroll > 0)
		t->scroll += n - t->seen;	/* keep the view still */
	t->seen = n;
	total = n + np;
	if (total > 0 && t->scroll > total - 1)
		t->scroll = total - 1;
	snprintf(title, sizeof title, t->scroll == 0 ? "Timeline" :
	    "Timeline (scrolled %zu up; G follows)", t->scroll);
	tui_screen_title(t, y, x, w, title, TUI_FOCUS_TIMELINE);
	dim = tui_screen_stale(t) ? A_DIM : 0;
	if (!tui_screen_heard(t) || total == 0) {
		tui_screen_text(t, y + 1, x + 1, w - 1, TUI_TIME, dim,
		    !tui_screen_heard(t) ? tui_screen_unheard(t) : "no events");
		top = 2;	/* the user's pending notes below it */
		if (np == 0)
			return;
	}
	bottom = total - 1 - t->scroll;
	for (row = h - 1, i = bottom + 1; row >= top && i > 0; row--) {
		i--;
		if (i >= n) {		/* a pending note */
			text = xasprintf("pending%s %s", g->ellipsis,
			    pe[i - n].text);
			tui_screen_row(t, y + row, x, w, pe[i - n].time,
			    pe[i - n].user, "", TUI_EV_PENDING, dim, text);
			free(text);
			continue;
		}
		if (tl[i].kind != NULL && tl[i].amended_by != 0)
			text = xasprintf("%s %s: %s (amended #%lld)", g->star,
			    tl[i].kind, tl[i].text, (long long)tl[i].amended_by);
		else if (tl[i].kind != NULL)
			text = xasprintf("%s %s: %s", g->star, tl[i].kind,
			    tl[i].text);
		else if (tl[i].amended_by != 0)
			text = xasprintf("%s (amended #%lld)", tl[i].text,
			    (long long)tl[i].amended_by);
		else
			text = xstrdup(tl[i].text);
		if (tl[i].written != 0) {
			/* Typed earlier (offline), delivered at its seq. */
			tui_view_written(written, sizeof written, tl[i].written,
			    tl[i].time);
			with = xasprintf("(%s) %s", written, text);
			free(text);
			text = with;
		}
		tui_screen_row(t, y + row, x, w, tl[i].time, tl[i].actor,
		    tl[i].roles, tui_screen_kinds[core_type_kind(tl[i].type)],
		    dim | (tl[i].seq == t->match ? (attr_t)t->attr[TUI_MATCH] :
		    0), text);
		free(text);
	}
}

/*
 * Tell the user, once per claim, who keeps one of their own claims alive:
 * this console, or another process.  A claim not (yet) this console's is
 * told of only after a second, since the claim's event can arrive before
 * the answer that makes it this console's.
 */
static void
tui_screen_own(struct tui *t, const struct core_action *a, int mine,
    int64_t left, int64_t now)
{
	struct tui_own	*o = NULL;
	size_t		 i;

	if (client_session_sync(t->session) != CLIENT_SYNC_LIVE)
		return;
	for (i = 0; i < t->nown && i < TUI_OWN_MAX; i++) {
		if (t->own[i].fence == a->fence) {
			o = &t->own[i];
			break;
		}
	}
	if (o == NULL) {
		o = &t->own[t->nown++ % TUI_OWN_MAX];
		o->fence = a->fence;
		o->seen = now;
		o->told = 0;
	}
	if (o->told == 1 + mine || (!mine && now - o->seen < 1000))
		return;
	if (mine)
		tui_input_message(t, 0, "you hold %s: this console renews it "
		    "while it runs", a->name);
	else
		tui_input_message(t, 1, "you hold %s from another process: "
		    "this console does not renew it (%llds left)", a->name,
		    (long long)left);
	o->told = 1 + mine;
}

static int
tui_screen_actions(struct tui *t, int y, int x, int h, int w)
{
	const struct core_state		*st = client_session_state(t->session);
	const struct core_action	*a;
	const struct tui_glyphs		*g = tui_screen_glyphs(t);
	attr_t				 dim = tui_screen_stale(t) ? A_DIM : 0;
	struct tui_held			 held;
	char				*why, line[256];
	enum tui_elem			 e;
	int64_t				 left, now = util_clock_mono_ms();
	int				 row = 1, used, nw;
	size_t				 i;

	tui_screen_title(t, y, x, w, "Actions", TUI_FOCUS_ACTIONS);
	if (!tui_screen_heard(t)) {
		if (h > 1)
			tui_screen_text(t, y + 1, x + 1, w - 1, TUI_TIME, dim,
			    tui_screen_unheard(t));
		return row;
	}
	if (st->nactions == 0 && h > 1)
		tui_screen_text(t, y + 1, x + 1, w - 1, TUI_TIME, dim,
		    "none declared");
	for (nw = 4, i = 0; i < st->nactions; i++) {
		if ((int)strlen(st->actions[i].name) > nw)
			nw = (int)strlen(st->actions[i].name);
	}
	if (nw > w / 2 - 1)
		nw = w / 2 - 1;
	if (nw > 16)
		nw = 16;
	for (i = 0; i < st->nactions && row < h; i++, row++) {
		a = &st->actions[i];
		why = NULL;
		used = 1 + tui_screen_text(t, y + row, x + 1, nw, TUI_NORMAL,
		    dim, a->name);
		used = nw + 2;
		if (a->state == CORE_ACTION_HELD) {
			left = a->deadline > now ? (a->deadline - now + 999) /
			    1000 : 0;
			memset(&held, 0, sizeof held);
			held.holder = a->holder != NULL ? a->holder : "?";
			held.user = t->user;
			held.mine = client_session_mine(t->session, a->name);
			held.live = client_session_sync(t->session) ==
			    CLIENT_SYNC_LIVE;
			held.utf8 = t->utf8;
			held.fence = a->fence;
			held.left = left;
			tui_view_held(line, sizeof line, w - used, &held);
			if (strcmp(held.holder, t->user) == 0)
				tui_screen_own(t, a, held.mine, left, now);
			e = TUI_ACTION_HELD;
		} else if (a->state == CORE_ACTION_DONE) {
			snprintf(line, sizeof line, "DONE %s %s f%lld",
			    g->check, a->last_holder != NULL ? a->last_holder :
			    "", (long long)a->fence);
			e = TUI_ACTION_DONE;
		} else if ((why = core_state_blocked(st, a)) != NULL) {
			snprintf(line, sizeof line, "%s%s", strncmp(why,
			    "after", 5) == 0 ? "BLOCKED " : "", why);
			e = TUI_ACTION_BLOCKED;
		} else {
			snprintf(line, sizeof line, "FREE%s%s",
			    a->outcome != NULL ? " last " : "",
			    a->outcome != NULL ? a->outcome : "");
			e = TUI_ACTION_FREE;
		}
		free(why);
		tui_screen_text(t, y + row, x + used, w - used, e, dim, line);
	}
	return row;
}

static void
tui_screen_roles(struct tui *t, int y, int x, int h, int w)
{
	const struct core_state	*st = client_session_state(t->session);
	const struct tui_glyphs	*g = tui_screen_glyphs(t);
	attr_t			 dim = tui_screen_stale(t) ? A_DIM : 0;
	char			 vacant[32];
	int			 row = 1;
	size_t			 i;

	snprintf(vacant, sizeof vacant, "%svacant%s", g->dash, g->dash);
	tui_screen_title(t, y, x, w, "Roles", TUI_FOCUS_ROLES);
	if (!tui_screen_heard(t)) {
		if (h > 1)
			tui_screen_text(t, y + 1, x + 1, w - 1, TUI_TIME, dim,
			    tui_screen_unheard(t));
		return;
	}
	if (h > 1) {
		tui_screen_text(t, y + row, x + 1, 8, TUI_ROLE, dim, "IC");
		tui_screen_text(t, y + row, x + 9, w - 9, st->ic != NULL ?
		    TUI_ACTOR : TUI_VACANT, dim, st->ic != NULL ? st->ic :
		    vacant);
		row++;
	}
	for (i = 0; i < st->nroles && row < h; i++, row++) {
		tui_screen_text(t, y + row, x + 1, 8, TUI_ROLE, dim,
		    st->roles[i].role);
		tui_screen_text(t, y + row, x + 9, w - 9,
		    st->roles[i].user != NULL ? TUI_ACTOR : TUI_VACANT, dim,
		    st->roles[i].user != NULL ? st->roles[i].user : vacant);
	}
}

static void
tui_screen_people(struct tui *t, int y, int x, int h, int w)
{
	const struct proto_presence	*pp;
	attr_t				 dim = tui_screen_stale(t) ? A_DIM : 0;
	char				 line[128];
	int64_t				 head = client_session_head(t->session);
	size_t				 n, i;
	int				 row = 1;

	tui_screen_title(t, y, x, w, "Present", TUI_FOCUS_PEOPLE);
	if (!tui_screen_heard(t)) {
		if (h > 1)
			tui_screen_text(t, y + 1, x + 1, w - 1, TUI_TIME, dim,
			    tui_screen_unheard(t));
		return;
	}
	pp = client_session_presence(t->session, &n);
	for (i = 0; i < n && row < h; i++, row++) {
		if (strcmp(pp[i].user, t->user) == 0)
			snprintf(line, sizeof line, "%s (you)", pp[i].user);
		else if (head - pp[i].seq > 0)
			snprintf(line, sizeof line, "%s, %lld behind", pp[i].user,
			    (long long)(head - pp[i].seq));
		else
			snprintf(line, sizeof line, "%s", pp[i].user);
		tui_screen_text(t, y + row, x + 1, w - 1, TUI_ACTOR, dim, line);
	}
	if (n == 0 && h > 1)
		tui_screen_text(t, y + 1, x + 1, w - 1, TUI_TIME, dim,
		    "nobody (yet)");
}

/* Rows the telemetry pane wants, its title included. */
#define TUI_FEEDS_ROWS	6
static int
tui_screen_telemetry_rows(struct tui *t)
{
	size_t	n = client_session_feeds(t->session)->n;

	return 1 + (n == 0 ? 1 : n > TUI_FEEDS_ROWS ? TUI_FEEDS_ROWS : (int)n);
}

/*
 * A sparkline of a feed's history into buf: eight levels between its
 * least and greatest value, the newest on the right, at most cells wide.
 */
static void
tui_screen_spark(struct tui *t, const struct proto_feed *f, int cells,
    char *buf, size_t len)
{
	static const char	*blocks[] = { "\xe2\x96\x81", "\xe2\x96\x82",
	    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	    "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char	 ascii[] = "_.-:=+*#";
	double			 lo, hi;
	size_t			 i, from, used = 0;
	int			 k;

	buf[0] = '\0';
	if (f->nhistory == 0 || cells <= 0)
		return;
	from = f->nhistory > (size_t)cells ? f->nhistory - (size_t)cells : 0;
	lo = hi = f->history[from];
	for (i = from; i < f->nhistory; i++) {
		if (f->history[i] < lo)
			lo = f->history[i];
		if (f->history[i] > hi)
			hi = f->history[i];
	}
	for (i = from; i < f->nhistory && used + 4 < len; i++) {
		k = hi > lo ? (int)((f->history[i] - lo) / (hi - lo) * 7.999) :
		    3;
		if (t->utf8)
			used += (size_t)snprintf(buf + used, len - used, "%s",
			    blocks[k]);
		else
			buf[used++] = ascii[k];
		buf[used] = '\0';
	}
}

/*
 * One feed: name, sparkline (or, while polling fails, the error), value
 * with unit, then STALE once the value is older than the feed allows, its
 * level against its thresholds, ERR while failing, or its age.
 */
static void
tui_screen_feed(struct tui *t, int y, int x, int w,
    const struct proto_feed *f, int64_t age)
{
	char		 spark[64], value[48], v[32], right[16];
	enum tui_elem	 elem = TUI_NORMAL;
	attr_t		 dim = tui_screen_stale(t) ? A_DIM : 0;
	int		 nw, sw, vw, used;
	int		 stale = proto_feed_stale(f, age);

	nw = w >= 40 ? 12 : w / 3;
	vw = 10;
	sw = w - nw - vw - 6 - 3;
	if (sw > 16)
		sw = 16;
	tui_screen_text(t, y, x, nw, TUI_ACTOR, dim, f->name);
	used = nw + 1;
	if (f->valued) {
		proto_value_format(f->value, v, sizeof v);
		snprintf(value, sizeof value, "%s%s%s", v,
		    f->unit != NULL ? " " : "", f->unit != NULL ? f->unit : "");
	} else
		snprintf(value, sizeof value, "-");
	if (f->error != NULL) {
		/* The error takes the sparkline's room, and the value's too
		   when there never was one. */
		tui_screen_text(t, y, x + used, (sw > 0 ? sw + 1 : 0) +
		    (f->valued ? 0 : vw + 1) - 1, TUI_ERROR, dim, f->error);
	} else if (sw > 0) {
		tui_screen_spark(t, f, sw, spark, sizeof spark);
		tui_screen_text(t, y, x + used, sw, TUI_TIME, dim, spark);
	}
	if (sw > 0)
		used += sw + 1;
	if (stale)
		snprintf(right, sizeof right, "STALE");
	else if (f->level != NULL && strcmp(f->level, "crit") == 0) {
		snprintf(right, sizeof right, "CRIT");
		elem = TUI_SEV1;
	} else if (f->level != NULL && strcmp(f->level, "warn") == 0) {
		snprintf(right, sizeof right, "WARN");
		elem = TUI_SEV2;
	} else if (f->error != NULL)
		snprintf(right, sizeof right, "ERR");
	else
		proto_age_format(age, right, sizeof right);
	if (f->valued || f->error == NULL)
		tui_screen_text(t, y, x + used, vw, stale ? TUI_STALE : elem,
		    dim | (stale || f->error != NULL ? A_DIM : 0), value);
	used += vw + 1;
	tui_screen_text(t, y, x + used, w - used, stale ? TUI_STALE :
	    f->error != NULL && elem == TUI_NORMAL ? TUI_ERROR :
	    elem == TUI_NORMAL ? TUI_TIME : elem, dim, right);
}

static void
tui_screen_telemetry(struct tui *t, int y, int x, int h, int w)
{
	const struct client_feeds	*cf = client_session_feeds(t->session);
	int64_t				 now = util_clock_mono_ms();
	size_t				 i;

	tui_screen_title(t, y, x, w, "Telemetry", TUI_FOCUS_TELEMETRY);
	for (i = 0; i < cf->n && (int)i + 1 < h; i++)
		tui_screen_feed(t, y + 1 + (int)i, x + 1, w - 1, &cf->feeds[i],
		    client_feeds_age(cf, i, now));
	if (cf->n == 0 && h > 1)
		tui_screen_text(t, y + 1, x + 1, w - 1, TUI_TIME,
		    tui_screen_stale(t) ? A_DIM : 0, !tui_screen_heard(t) ?
		    tui_screen_unheard(t) : cf->known ?
		    "no feeds on this incident" : "no telemetry from the hub");
}

static void
tui_screen_help(struct tui *t)
{
	char	mine[80], other[80];
	const char *keys[] = {
		"Typing          a line without a slash is a note",
		"Enter           send the note or /command",
		"Tab             complete a word; on an empty line, move focus",
		"Up / Down       command history",
		"PgUp / PgDn     scroll the timeline",
		"In a pane       j k scroll, g top, G follow, / search,",
		"                n older match, N newer, Esc back to typing",
		"?               this help (any key closes it)",
		"Ctrl-C, /quit   leave",
		mine,
		other,
		"",
	};
	const char *const	*usages = tui_cmd_usages();
	int			 n = 0, i, w = t->cols - 4, h, y0;

	snprintf(mine, sizeof mine, "HELD you %s      your claim from this "
	    "console, which renews it", t->utf8 ? "\xe2\x86\xbb" : "+");
	snprintf(other, sizeof other, "HELD you !      your claim from another "
	    "process: not renewed here");
	while (usages[n] != NULL)
		n++;
	h = (int)(sizeof keys / sizeof keys[0]) + n + 2;
	if (h > t->rows - 2)
		h = t->rows - 2;
	if (w > 76)
		w = 76;
	y0 = (t->rows - h) / 2;
	for (i = 0; i < h; i++) {
		attrset((attr_t)t->attr[TUI_HELP]);
		move(y0 + i, (t->cols - w) / 2);
		hline(' ', w);
	}
	tui_screen_text(t, y0, (t->cols - w) / 2 + 1, w - 2, TUI_HELP, A_BOLD,
	    "Keys and commands");
	for (i = 0; i < h - 2; i++) {
		const char	*line = i < (int)(sizeof keys / sizeof keys[0]) ?
				    keys[i] : usages[i - (int)(sizeof keys /
				    sizeof keys[0])];

		tui_screen_text(t, y0 + 1 + i, (t->cols - w) / 2 + 1, w - 2,
		    TUI_HELP, 0, line);
	}
}

static void
tui_screen_input(struct tui *t)
{
	const char	*prompt = t->searching ? "search: " : "> ";
	char		 mb[MB_LEN_MAX + 1];
	mbstate_t	 ps;
	size_t		 i, first = 0, k;
	int		 width, cw, col, y = t->rows - 1;

	attrset((attr_t)t->attr[TUI_INPUT]);
	move(y, 0);
	hline(' ', t->cols);
	col = tui_screen_text(t, y, 0, t->cols, TUI_INPUT, A_BOLD, prompt);
	width = t->cols - col - 1;
	/* Show the end of a line too long for the screen. */
	for (;;) {
		cw = 0;
		for (i = first; i < t->cursor; i++)
			cw += wcwidth((wchar_t)t->input[i]) > 0 ?
			    wcwidth((wchar_t)t->input[i]) : 1;
		if (cw < width || first >= t->cursor)
			break;
		first++;
	}
	memset(&ps, 0, sizeof ps);
	for (i = first; i < t->len; i++) {
		k = wcrtomb(mb, (wchar_t)t->input[i], &ps);
		if (k == (size_t)-1)
			continue;
		mb[k] = '\0';
		cw = wcwidth((wchar_t)t->input[i]);
		if (cw < 0)
			cw = 1;
		if (col + cw > t->cols - 1)
			break;
		col += tui_screen_text(t, y, col, cw, TUI_INPUT, 0, mb);
	}
	/* Place the cursor. */
	col = (int)strlen(prompt);
	for (i = first; i < t->cursor; i++)
		col += wcwidth((wchar_t)t->input[i]) > 0 ?
		    wcwidth((wchar_t)t->input[i]) : 1;
	move(y, col < t->cols ? col : t->cols - 1);
}

static void
tui_screen_message(struct tui *t)
{
	const char	*hint = t->focus == TUI_FOCUS_INPUT ?
			    "Tab complete/focus  Up history  PgUp scroll  ? help" :
			    "j/k scroll  / search  n/N matches  G follow  Esc type";
	char		*notice;
	int		 y = t->rows - 2;

	if ((notice = client_session_notice(t->session)) != NULL) {
		tui_input_message(t, 1, "%s", notice);
		free(notice);
	}
	attrset((attr_t)t->attr[TUI_NORMAL]);
	move(y, 0);
	hline(' ', t->cols);
	if (t->message != NULL && util_clock_mono_ms() - t->message_time >
	    (t->message_error ? 30000 : 8000)) {
		free(t->message);	/* old news */
		t->message = NULL;
	}
	if (t->message != NULL)
		tui_screen_text(t, y, 1, t->cols - 2, t->message_error ?
		    TUI_ERROR : TUI_NORMAL, 0, t->message);
	else
		tui_screen_text(t, y, 1, t->cols - 2, TUI_TIME, 0, hint);
}

void
tui_screen_draw(struct tui *t)
{
	const struct core_state	*st = client_session_state(t->session);
	const struct tui_glyphs	*g = tui_screen_glyphs(t);
	int			 body, lw, y, h, hr, ha, hp, i;
	size_t			 np;

	getmaxyx(stdscr, t->rows, t->cols);
	erase();
	if (t->rows < 10 || t->cols < 40) {
		tui_screen_text(t, 0, 0, t->cols, TUI_ERROR, 0,
		    "terminal too small for concord");
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	tui_screen_header(t);
	body = t->rows - 3;		/* header, message, input */
	lw = t->cols >= 120 ? TUI_LEFT_WIDE : t->cols >= 70 ? TUI_LEFT_NARROW :
	    0;
	if (lw > 0) {
		client_session_presence(t->session, &np);
		hr = (int)st->nroles + 2;
		hp = (int)np + 1 < 4 ? (int)np + 1 : 4;
		if (hp < 2)
			hp = 2;
		h = tui_screen_telemetry_rows(t);
		ha = body - h - hr - hp;
		if (ha < 3) {
			hr = body - h - hp - 3;
			ha = 3;
		}
		if (hr < 2) {
			hp = 0;
			hr = body - h - 3;
		}
		y = 1;
		tui_screen_telemetry(t, y, 0, h, lw);
		y += h;
		tui_screen_roles(t, y, 0, hr, lw);
		y += hr;
		tui_screen_actions(t, y, 0, ha, lw);
		y += ha;
		if (hp > 0)
			tui_screen_people(t, y, 0, hp, lw);
		for (i = 1; i <= body; i++)
			tui_screen_text(t, i, lw, 1, TUI_BORDER, 0, g->vline);
		lw++;
	}
	tui_screen_timeline(t, 1, lw, body, t->cols - lw);
	tui_screen_message(t);
	if (t->help)
		tui_screen_help(t);
	tui_screen_input(t);
	wnoutrefresh(stdscr);
	doupdate();
	t->frames++;
}

int
tui_screen_keys(struct tui *t)
{
	wint_t	wc;
	int	rc, n = 0;

	while ((rc = wget_wch(stdscr, &wc)) != ERR) {
		if (t->key_us == 0)
			t->key_us = util_clock_mono_us();
		tui_input_key(t, (int)wc, rc == KEY_CODE_YES);
		n++;
		if (t->quit)
			break;
	}
	return n;
}
