/*
 * The screen: curses set-up, colours from the theme, and drawing a frame.
 *
 * A frame is drawn whole from the session's replica into stdscr with
 * erase() and shown with one doupdate(), so there is no flicker and nothing
 * on screen outlives the state it came from.  Only what is visible is
 * visited: the timeline draws its last rows by index, never the whole log.
 * Text is placed by display columns: UTF-8 is decoded to characters and
 * measured with wcwidth, and a character that would cross the edge is left
 * out rather than cut.  Nothing from an event reaches the terminal raw:
 * every string is made safe first (export_text), so control characters,
 * escape sequences and bidi overrides show as escapes ("\e[2J",
 * "\u202e").  When the locale is not UTF-8, lines and marks fall back to
 * ASCII and every other non-ASCII character shows as one "?".  While the
 * hub is lost every pane title says "as of" the last time it was heard and
 * the panes are dimmed.
 *
 * Under the header, always in view, is the situation: the working summary,
 * a banner when command is offered (to this user, with the key that
 * accepts it), and the user's own claims with their countdowns.  The
 * Actions pane lists what needs attention first (held, conflicting,
 * blocked, free, done) and says how many more there are when they do not
 * fit.  The header names the hub it is on (of a hub list, the one it moved
 * to; "private" for the embedded one; both it
 * and a plaintext ws:// hub elsewhere than this machine in the warning
 * style, the console saying why when it starts).  The mode shows: the focused pane's title is marked and the command line
 * says which pane has the keys; a search match is drawn whole in the
 * match style (never a colour pair mixed with another); help and one
 * entry's detail are overlays that scroll.
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
	const char	*pointer;
	const char	*renewed;
};

static const struct tui_glyphs tui_utf8 = {
	"\xe2\x94\x80", "\xe2\x94\x82", "\xc2\xb7", "\xe2\x80\xa6",
	"\xe2\x98\x85", "\xe2\x9c\x94", "\xe2\x80\x94", "\xe2\x86\x91",
	"\xe2\x96\xb6", "\xe2\x86\xbb"
};
static const struct tui_glyphs tui_ascii = {
	"-", "|", ".", "...", "*", "ok", "-", "^", ">", "+"
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
 * (plus extra), made safe for the terminal first; returns the columns
 * used.
 */
static int
tui_screen_text(struct tui *t, int y, int x, int w, enum tui_elem elem,
    attr_t extra, const char *s)
{
	wchar_t		wbuf[512];
	unsigned int	cp;
	char		*safe;
	size_t		len, i = 0, k = 0;
	int		used = 0, cw;

	if (w <= 0 || s == NULL)
		return 0;
	safe = export_text(s, EXPORT_TEXT_SAFE | EXPORT_TEXT_LINE |
	    (t->utf8 ? 0 : EXPORT_TEXT_ASCII));
	len = strlen(safe);
	while (i < len && k < sizeof wbuf / sizeof wbuf[0]) {
		if (core_utf8_next(safe, len, &i, &cp) != 0)
			cp = '?';
		if ((cw = wcwidth((wchar_t)cp)) < 0) {
			cp = '?';
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
		wbuf[k++] = (wchar_t)cp;
		used += cw;
	}
	free(safe);
	attrset((attr_t)t->attr[elem] | extra);
	mvaddnwstr(y, x, wbuf, (int)k);
	return used;
}

/* Columns text takes as tui_screen_text draws it (uncut). */
static int
tui_screen_width(struct tui *t, const char *s)
{
	unsigned int	cp;
	char		*safe;
	size_t		len, i = 0;
	int		used = 0, cw;

	safe = export_text(s, EXPORT_TEXT_SAFE | EXPORT_TEXT_LINE |
	    (t->utf8 ? 0 : EXPORT_TEXT_ASCII));
	len = strlen(safe);
	while (i < len) {
		if (core_utf8_next(safe, len, &i, &cp) != 0)
			cp = '?';
		cw = wcwidth((wchar_t)cp);
		used += cw < 0 ? 1 : cw;
	}
	free(safe);
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
	char			 buf[192], when[16];
	int			 used, focused = t->focus == focus;

	if (tui_screen_stale(t)) {
		tui_screen_clock(client_session_heard(t->session), when,
		    sizeof when);
		snprintf(buf, sizeof buf, " %s%s%s (as of %s) ", focused ?
		    g->pointer : "", focused ? " " : "", title, when);
	} else
		snprintf(buf, sizeof buf, " %s%s%s ", focused ? g->pointer : "",
		    focused ? " " : "", title);
	used = tui_screen_text(t, y, x, w, focused ? TUI_TITLE_FOCUS :
	    TUI_TITLE, 0, buf);
	tui_screen_fill(t, y, x + used, w - used, TUI_BORDER, 0, g->hline);
}

static void
tui_screen_header(struct tui *t)
{
	const struct core_state	*st = client_session_state(t->session);
	char			 left[512], sync[96], up[32], status[32], *p;
	char			 sev[16], hub[64];
	enum tui_elem		 se = TUI_LIVE;
	int64_t			 secs;
	int			 used, sw, hw, tw;

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
	/* The hub, then the sync state, on the right: always there. */
	tui_view_hub(hub, sizeof hub, client_session_hub(t->session),
	    t->embedded, t->cols >= 100 ? 24 : 10);
	hw = tui_screen_width(t, hub);
	if (hw > (t->cols >= 100 ? 24 : 16))
		hw = t->cols >= 100 ? 24 : 16;
	sw = (int)strlen(sync) + 2;
	/* The name of the program gives way first on a narrow screen. */
	used = tui_screen_text(t, 0, 0, t->cols - sw - hw - 2, TUI_HEADER,
	    A_BOLD, t->cols >= 100 ? " concord  " : " ");
	used += tui_screen_text(t, 0, used, t->cols - sw - hw - 2 - used,
	    TUI_HEADER, A_BOLD, t->incident);
	used += tui_screen_text(t, 0, used, t->cols - sw - hw - 2 - used,
	    TUI_HEADER, 0, " ");
	tui_screen_text(t, 0, t->cols - sw - hw - 1, hw, t->embedded ||
	    t->plaintext != NULL ? TUI_SEV2 : TUI_HEADER, A_BOLD, hub);
	tui_screen_text(t, 0, t->cols - sw + 1, sw - 1, se, A_BOLD, sync);
	sw += hw + 3;
	t->titled = 0;
	if (!tui_screen_heard(t)) {
		/* Nothing known yet: say where from, show nothing else. */
		snprintf(left, sizeof left, " %s %s%s%s",
		    client_session_sync(t->session) == CLIENT_SYNC_CONNECTING ?
		    "connecting to" : client_session_sync(t->session) ==
		    CLIENT_SYNC_STALE ? "reconnecting to" : "loading from",
		    t->embedded ? "the private hub " : "",
		    client_session_hub(t->session),
		    tui_screen_glyphs(t)->ellipsis);
		tui_screen_text(t, 0, used, t->cols - sw - used - 1, TUI_HEADER,
		    0, left);
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
	/* Too narrow for a useful part: the situation row shows it. */
	if (tw >= 12 || tw >= tui_screen_width(t, core_str_or(st->title, "")))
		t->titled = 1;
	if (t->titled)
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
}

/*
 * The situation under the header, a row each: the working summary (always),
 * command offered (to this user: a banner with the key that accepts it),
 * and the user's own claims with their countdowns.  Returns the rows it
 * takes; draws them at y unless y < 0.
 */
static int
tui_screen_situation(struct tui *t, int y)
{
	const struct core_state		*st = client_session_state(t->session);
	const struct core_action	*a;
	const struct tui_glyphs		*g = tui_screen_glyphs(t);
	attr_t				 dim = tui_screen_stale(t) ? A_DIM : 0;
	struct buf			 b;
	char				*line;
	int64_t				 now = util_clock_mono_ms(), left;
	int				 rows = 1, used;
	size_t				 i, mine = 0;

	if (y >= 0) {
		attrset((attr_t)t->attr[TUI_NORMAL]);
		move(y, 0);
		hline(' ', t->cols);
		used = 0;
		if (tui_screen_heard(t) && !t->titled && st->title != NULL) {
			/* The header had no room for the title. */
			used = tui_screen_text(t, y, 1, t->cols / 3, TUI_NORMAL,
			    dim | A_BOLD, st->title);
			used += tui_screen_text(t, y, 1 + used, 3, TUI_BORDER,
			    dim, " | ");
		}
		used += tui_screen_text(t, y, 1 + used, t->cols - 2 - used,
		    TUI_TITLE, dim, "Summary ");
		if (!tui_screen_heard(t))
			tui_screen_text(t, y, 1 + used, t->cols - 2 - used,
			    TUI_TIME, dim, "unknown until the hub is heard");
		else if (st->summary == NULL || *st->summary == '\0')
			tui_screen_text(t, y, 1 + used, t->cols - 2 - used,
			    TUI_TIME, dim, "none agreed yet: /summary TEXT "
			    "sets it");
		else
			tui_screen_text(t, y, 1 + used, t->cols - 2 - used,
			    TUI_NORMAL, dim | A_BOLD, st->summary);
	}
	if (!tui_screen_heard(t))
		return rows;
	if (st->offer != NULL) {
		if (y >= 0) {
			if (strcmp(st->offer, t->user) == 0)
				line = xasprintf(" %s %s offers you command: "
				    "Ctrl-Y accepts (or /command accept) ",
				    g->star, core_str_or(st->ic, "the IC"));
			else
				line = xasprintf(" command offered to %s by "
				    "%s, not yet accepted", st->offer,
				    core_str_or(st->ic, "the IC"));
			attrset((attr_t)t->attr[TUI_NORMAL]);
			move(y + rows, 0);
			hline(' ', t->cols);
			tui_screen_text(t, y + rows, 0, t->cols,
			    strcmp(st->offer, t->user) == 0 ? TUI_SEV2 :
			    TUI_EV_COMMAND, dim | A_BOLD, line);
			free(line);
		}
		rows++;
	}
	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	for (i = 0; i < st->nactions; i++) {
		a = &st->actions[i];
		if (a->state != CORE_ACTION_HELD || a->holder == NULL ||
		    strcmp(a->holder, t->user) != 0)
			continue;
		left = a->deadline > now ? (a->deadline - now + 999) / 1000 : 0;
		util_buf_printf(&b, "%s%s %llds%s", mine++ > 0 ? "  " : "",
		    a->name, (long long)left, client_session_mine(t->session,
		    a->name) ? "" : " (not renewed here)");
		if (client_session_mine(t->session, a->name))
			util_buf_printf(&b, " %s", g->renewed);
	}
	if (mine > 0) {
		if (y >= 0) {
			attrset((attr_t)t->attr[TUI_NORMAL]);
			move(y + rows, 0);
			hline(' ', t->cols);
			used = tui_screen_text(t, y + rows, 1, t->cols - 2,
			    TUI_TITLE, dim, "You hold ");
			tui_screen_text(t, y + rows, 1 + used,
			    t->cols - 2 - used, TUI_ACTION_HELD, dim, b.data);
		}
		rows++;
	}
	util_buf_clear(&b);
	return rows;
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

/*
 * One timeline row: time, actor, role, then the text.  A search match is
 * drawn whole in the match style: a style of its own, never OR-ed with
 * another element's colour pair, so it reads in every theme.
 */
static void
tui_screen_row(struct tui *t, int y, int x, int w, int64_t when,
    const char *actor, const char *roles, enum tui_elem kind, attr_t extra,
    int match, const char *text)
{
	char	clock[16], *role;
	int	used;

	tui_screen_clock(when, clock, sizeof clock);
	if (match) {
		/* The whole row, gaps too, so the match reads as one. */
		attrset((attr_t)t->attr[TUI_MATCH] | extra);
		mvhline(y, x, ' ', w);
	}
	used = tui_screen_text(t, y, x, w, match ? TUI_MATCH : TUI_TIME, extra,
	    clock);
	used += tui_screen_text(t, y, x + used, w - used, match ? TUI_MATCH :
	    TUI_NORMAL, extra, " ");
	tui_screen_text(t, y, x + used, TUI_ACTOR_W, match ? TUI_MATCH :
	    TUI_ACTOR, extra, actor);
	used += TUI_ACTOR_W + 1;
	/* The first role, cut with an ellipsis when it is long. */
	role = xstrndup(roles, strcspn(roles, ","));
	tui_screen_text(t, y, x + used, TUI_ROLE_W, match ? TUI_MATCH :
	    TUI_ROLE, extra, role);
	free(role);
	used += TUI_ROLE_W + 1;
	tui_screen_text(t, y, x + used, w - used, match ? TUI_MATCH : kind,
	    extra, text);
}

/* How a timeline entry reads on its row; the caller frees. */
static char *
tui_screen_entry(struct tui *t, const struct client_tl *e)
{
	const struct tui_glyphs	*g = tui_screen_glyphs(t);
	char			*body, *text, written[48];

	/* An amended entry reads as amended now, and says so first. */
	if (e->amended_by != 0)
		body = xasprintf("(amended) %s", e->current != NULL ?
		    e->current : e->text);
	else
		body = xstrdup(e->text);
	if (e->kind != NULL) {
		text = xasprintf("%s %s: %s", g->star, e->kind, body);
		free(body);
		body = text;
	}
	if (e->written != 0) {
		/* Typed earlier (offline), delivered at its seq. */
		tui_view_written(written, sizeof written, e->written, e->time);
		text = xasprintf("(%s) %s", written, body);
		free(body);
		body = text;
	}
	return body;
}

static void
tui_screen_timeline(struct tui *t, int y, int x, int h, int w)
{
	const struct client_tl			*tl;
	const struct client_outbox_entry	*pe;
	const struct tui_glyphs			*g = tui_screen_glyphs(t);
	attr_t					 dim;
	char					*text, title[64];
	size_t					 n, np, total, i, bottom;
	int					 row, top = 1, focused;

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
	focused = t->focus == TUI_FOCUS_TIMELINE && !t->searching;
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
		/* The bottom entry is the one Enter opens: point at it. */
		if (focused && i == bottom && x > 0)
			tui_screen_text(t, y + row, x - 1, 1,
			    TUI_TITLE_FOCUS, 0, g->pointer);
		if (i >= n) {		/* a pending note */
			text = xasprintf("pending%s %s", g->ellipsis,
			    pe[i - n].text);
			tui_screen_row(t, y + row, x, w, pe[i - n].time,
			    pe[i - n].user, "", TUI_EV_PENDING, dim |
			    (focused && i == bottom && x == 0 ? A_REVERSE : 0),
			    0, text);
			free(text);
			continue;
		}
		text = tui_screen_entry(t, &tl[i]);
		tui_screen_row(t, y + row, x, w, tl[i].time, tl[i].actor,
		    tl[i].roles, tui_screen_kinds[core_type_kind(tl[i].type)],
		    dim | (focused && i == bottom && x == 0 ? A_REVERSE : 0),
		    tl[i].seq == t->match, text);
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

/*
 * The Actions pane: what needs attention first (tui_view_order), as many
 * as fit, then "+N more" for the rest.  With the focus its list scrolls.
 */
static int
tui_screen_actions(struct tui *t, int y, int x, int h, int w)
{
	const struct core_state		*st = client_session_state(t->session);
	const struct core_action	*a;
	const struct tui_glyphs		*g = tui_screen_glyphs(t);
	attr_t				 dim = tui_screen_stale(t) ? A_DIM : 0;
	struct tui_held			 held;
	char				*why, line[256], title[64];
	enum tui_elem			 e;
	int64_t				 left, now = util_clock_mono_ms();
	int				 row = 1, used, nw, fit;
	size_t				 i, k, n, *order;

	if (t->ascroll > 0 && t->ascroll >= st->nactions)
		t->ascroll = st->nactions > 0 ? st->nactions - 1 : 0;
	snprintf(title, sizeof title, t->ascroll > 0 ? "Actions (%zu above)" :
	    "Actions", t->ascroll);
	tui_screen_title(t, y, x, w, title, TUI_FOCUS_ACTIONS);
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
	order = xcalloc(st->nactions + 1, sizeof *order);
	n = tui_view_order(st, order);
	/* Rows for actions: all of them, or all but one for "+N more". */
	fit = h - 1;
	if (n - t->ascroll > (size_t)fit && fit > 0)
		fit--;
	for (k = t->ascroll; k < n && row <= fit; k++, row++) {
		a = &st->actions[order[k]];
		why = NULL;
		tui_screen_text(t, y + row, x + 1, nw, TUI_NORMAL, dim,
		    a->name);
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
	if (k < n && row < h) {
		snprintf(line, sizeof line, "+%zu more%s", n - k,
		    t->focus == TUI_FOCUS_ACTIONS ? " (j/k scroll)" :
		    " (Tab to Actions, j/k)");
		tui_screen_text(t, y + row, x + 1, w - 1, TUI_TITLE, dim, line);
		row++;
	}
	/* Every own claim is told of, shown or not. */
	for (i = 0; i < st->nactions; i++) {
		a = &st->actions[i];
		if (a->state != CORE_ACTION_HELD || a->holder == NULL ||
		    strcmp(a->holder, t->user) != 0)
			continue;
		left = a->deadline > now ? (a->deadline - now + 999) / 1000 : 0;
		tui_screen_own(t, a, client_session_mine(t->session, a->name),
		    left, now);
	}
	free(order);
	return row;
}

static void
tui_screen_roles(struct tui *t, int y, int x, int h, int w)
{
	const struct core_state	*st = client_session_state(t->session);
	const struct tui_glyphs	*g = tui_screen_glyphs(t);
	attr_t			 dim = tui_screen_stale(t) ? A_DIM : 0;
	char			 vacant[32];
	int			 row = 1, rw = 2, n;
	size_t			 i;

	snprintf(vacant, sizeof vacant, "%svacant%s", g->dash, g->dash);
	tui_screen_title(t, y, x, w, "Roles", TUI_FOCUS_ROLES);
	if (!tui_screen_heard(t)) {
		if (h > 1)
			tui_screen_text(t, y + 1, x + 1, w - 1, TUI_TIME, dim,
			    tui_screen_unheard(t));
		return;
	}
	/* One column of roles, as wide as the longest (within reason). */
	for (i = 0; i < st->nroles; i++) {
		if ((n = tui_screen_width(t, st->roles[i].role)) > rw)
			rw = n;
	}
	if (rw > (w - 2) / 2)
		rw = (w - 2) / 2;
	if (rw < 7)
		rw = 7;
	if (h > 1) {
		tui_screen_text(t, y + row, x + 1, rw, TUI_ROLE, dim, "IC");
		tui_screen_text(t, y + row, x + 2 + rw, w - 2 - rw,
		    st->ic != NULL ? TUI_ACTOR : TUI_VACANT, dim,
		    st->ic != NULL ? st->ic : vacant);
		row++;
	}
	for (i = 0; i < st->nroles && row < h; i++, row++) {
		tui_screen_text(t, y + row, x + 1, rw, TUI_ROLE, dim,
		    st->roles[i].role);
		tui_screen_text(t, y + row, x + 2 + rw, w - 2 - rw,
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

/* The lines of help: the keys, then every console command's usage. */
static char **
tui_screen_help_lines(struct tui *t, size_t *n)
{
	const char *const	*usages = tui_cmd_usages();
	const struct tui_glyphs	*g = tui_screen_glyphs(t);
	char			**l = NULL, *line;
	size_t			 i;
	static const char *const keys[] = {
		"Typing (the command line has the cursor)",
		"  Enter      send the line: a note, or a /command (below)",
		"  Tab        complete a word; on an empty line, to the panes",
		"  Up Down    history          PgUp PgDn   scroll the timeline",
		"In a pane (its title is marked; keys never become text)",
		"  j k        scroll (Actions: its list)   g G   top, follow",
		"  /          search the timeline          n N   older, newer",
		"  Enter      the bottom entry whole: who, role, times, ...",
		"  Esc or i   back to typing (your line is kept)   Tab   next",
		"Anywhere",
		"  Ctrl-Y     accept command offered to you    Ctrl-C   leave",
		"  ?          this help                        Ctrl-L   redraw",
		NULL,
	};

	*n = 0;
	for (i = 0; keys[i] != NULL; i++)
		core_list_add(&l, n, keys[i]);
	core_list_add(&l, n, "Marks");
	line = xasprintf("  HELD you %s yours, renewed here   HELD you ! from "
	    "another process", g->renewed);
	core_list_add(&l, n, line);
	free(line);
	line = xasprintf("  %s kind     a key moment        (amended) the text "
	    "now", g->star);
	core_list_add(&l, n, line);
	free(line);
	core_list_add(&l, n, "Commands");
	for (i = 0; usages[i] != NULL; i++) {
		line = xasprintf("  %s", usages[i]);
		core_list_add(&l, n, line);
		free(line);
	}
	return l;
}

/* The lines of the detail view of the entry t->detail; NULL if gone. */
static char **
tui_screen_detail_lines(struct tui *t, size_t *n)
{
	const struct client_tl			*tl;
	const struct client_outbox_entry	*pe;
	char					**l = NULL, *line, when[32];
	size_t					 ntl, np, i;

	*n = 0;
	tl = client_session_timeline(t->session, &ntl);
	pe = client_session_pending(t->session, &np);
	if (t->detail >= 1 && (size_t)t->detail <= ntl)
		return tui_view_detail(tl, ntl, (size_t)t->detail - 1,
		    client_session_state(t->session), n);
	i = (size_t)(-1 - t->detail);
	if (t->detail >= 0 || i >= np)
		return NULL;
	export_time(pe[i].time, when, sizeof when);
	line = xasprintf("A note of %s, not yet at the hub", pe[i].user);
	core_list_add(&l, n, line);
	free(line);
	line = xasprintf("Written:  %s", when);
	core_list_add(&l, n, line);
	free(line);
	core_list_add(&l, n, "It waits in the outbox and is sent when the hub "
	    "is reached, once.");
	core_list_add(&l, n, "");
	core_list_add(&l, n, "Text:");
	line = xasprintf("  %s", pe[i].text);
	core_list_add(&l, n, line);
	free(line);
	return l;
}

/*
 * An overlay (help or an entry's detail): a box over the panes, its lines
 * made safe and wrapped to its width, scrolled by t->otop, saying where it
 * is and how to move on its last row.
 */
static void
tui_screen_overlay(struct tui *t)
{
	char		**src, **wrapped = NULL, **part, *safe, foot[128];
	const char	 *title;
	size_t		  nsrc, nw = 0, np, i, k, last;
	int		  w = t->cols, h, y0, x0, rows, indent;

	if (t->overlay == TUI_OVERLAY_HELP) {
		src = tui_screen_help_lines(t, &nsrc);
		title = "Keys and commands";
	} else {
		if ((src = tui_screen_detail_lines(t, &nsrc)) == NULL) {
			t->overlay = TUI_OVERLAY_NONE;
			return;
		}
		title = "Entry";
	}
	if (w > 80)
		w = 80;
	for (i = 0; i < nsrc; i++) {
		/* An indented line stays indented when it wraps. */
		indent = strncmp(src[i], "  ", 2) == 0 ? 2 : 0;
		safe = export_text(src[i] + indent, EXPORT_TEXT_SAFE |
		    (t->utf8 ? 0 : EXPORT_TEXT_ASCII));
		part = tui_view_wrap(safe, w - 4 - indent, &np);
		free(safe);
		for (k = 0; k < np; k++) {
			safe = xasprintf("%*s%s", indent, "", part[k]);
			core_list_add(&wrapped, &nw, safe);
			free(safe);
		}
		core_list_free(part, np);
	}
	core_list_free(src, nsrc);
	h = t->rows - 2;
	rows = h - 3;			/* title, footer, a blank */
	if ((int)nw < rows) {
		rows = (int)nw;
		h = rows + 3;
	}
	last = nw > (size_t)rows ? nw - (size_t)rows : 0;
	if (t->otop > last)
		t->otop = last;
	t->olines = nw;
	t->opage = rows;
	y0 = (t->rows - h) / 2;
	x0 = (t->cols - w) / 2;
	for (i = 0; i < (size_t)h; i++) {
		attrset((attr_t)t->attr[TUI_HELP]);
		move(y0 + (int)i, x0);
		hline(' ', w);
	}
	tui_screen_text(t, y0, x0 + 1, w - 2, TUI_HELP, A_BOLD, title);
	for (i = 0; i < (size_t)rows && t->otop + i < nw; i++)
		tui_screen_text(t, y0 + 1 + (int)i, x0 + 2, w - 4, TUI_HELP, 0,
		    wrapped[t->otop + i]);
	if (nw > (size_t)rows)
		snprintf(foot, sizeof foot, "lines %zu-%zu of %zu  "
		    "j/k PgUp/PgDn scroll  Esc closes", t->otop + 1, t->otop +
		    (size_t)rows, nw);
	else
		snprintf(foot, sizeof foot, "Esc closes");
	tui_screen_text(t, y0 + h - 1, x0 + 1, w - 2, TUI_HELP, A_DIM, foot);
	core_list_free(wrapped, nw);
}

/* The command line: the line typed, a search, or which pane has keys. */
static void
tui_screen_input(struct tui *t)
{
	static const char *const panes[] = {
		[TUI_FOCUS_INPUT] = "",
		[TUI_FOCUS_TIMELINE] = "TIMELINE",
		[TUI_FOCUS_ACTIONS] = "ACTIONS",
		[TUI_FOCUS_ROLES] = "ROLES",
		[TUI_FOCUS_PEOPLE] = "PRESENT",
		[TUI_FOCUS_TELEMETRY] = "TELEMETRY",
	};
	const char	*prompt = t->searching ? "search: " : "> ";
	char		 mb[MB_LEN_MAX + 1], mode[160];
	mbstate_t	 ps;
	size_t		 i, first = 0, k;
	int		 width, cw, col, y = t->rows - 1, *cols;

	attrset((attr_t)t->attr[TUI_INPUT]);
	move(y, 0);
	hline(' ', t->cols);
	if (t->overlay != TUI_OVERLAY_NONE || (t->focus != TUI_FOCUS_INPUT &&
	    !t->searching)) {
		/* A pane has the keys: say so, where the cursor would be. */
		if (t->overlay != TUI_OVERLAY_NONE)
			snprintf(mode, sizeof mode, " %s  j/k PgUp/PgDn "
			    "scroll; Esc closes ", t->overlay ==
			    TUI_OVERLAY_HELP ? "HELP" : "ENTRY");
		else
			snprintf(mode, sizeof mode, " %s  keys move it; Esc or "
			    "i to type%s ", panes[t->focus], t->len > 0 ?
			    " (your line is kept)" : "");
		tui_screen_text(t, y, 0, t->cols, TUI_TITLE_FOCUS, A_REVERSE,
		    mode);
		curs_set(0);
		return;
	}
	curs_set(t->overlay == TUI_OVERLAY_NONE ? 1 : 0);
	col = tui_screen_text(t, y, 0, t->cols, TUI_INPUT, A_BOLD, prompt);
	width = t->cols - col - 1;
	/* Columns of each character as drawn (an escape is wider). */
	cols = xcalloc(t->len + 1, sizeof *cols);
	memset(&ps, 0, sizeof ps);
	for (i = 0; i < t->len; i++) {
		k = wcrtomb(mb, (wchar_t)t->input[i], &ps);
		if (k == (size_t)-1) {
			memset(&ps, 0, sizeof ps);
			cols[i] = 1;
			continue;
		}
		mb[k] = '\0';
		cols[i] = tui_screen_width(t, mb);
	}
	/* Show the end of a line too long for the screen. */
	for (;;) {
		cw = 0;
		for (i = first; i < t->cursor; i++)
			cw += cols[i];
		if (cw < width || first >= t->cursor)
			break;
		first++;
	}
	memset(&ps, 0, sizeof ps);
	for (i = first; i < t->len; i++) {
		k = wcrtomb(mb, (wchar_t)t->input[i], &ps);
		if (k == (size_t)-1) {
			memset(&ps, 0, sizeof ps);
			snprintf(mb, sizeof mb, "?");
		} else
			mb[k] = '\0';
		if (col + cols[i] > t->cols - 1)
			break;
		col += tui_screen_text(t, y, col, cols[i], TUI_INPUT, 0, mb);
	}
	/* Place the cursor. */
	col = (int)strlen(prompt);
	for (i = first; i < t->cursor; i++)
		col += cols[i];
	free(cols);
	move(y, col < t->cols ? col : t->cols - 1);
}

static void
tui_screen_message(struct tui *t)
{
	const char	*hint = t->searching ?
			    "Enter finds it (and stays in the timeline)  Esc "
			    "cancels" : t->focus == TUI_FOCUS_INPUT ?
			    "Tab complete/focus  Up history  PgUp scroll  ? help" :
			    "j/k scroll  / search  n/N matches  Enter opens  G "
			    "follow  Esc type";
	char		*notice;
	const char	*stale;
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
	else if ((stale = client_session_stale(t->session)) != NULL)
		tui_screen_text(t, y, 1, t->cols - 2, TUI_ERROR, 0, stale);
	else
		tui_screen_text(t, y, 1, t->cols - 2, TUI_TIME, 0, hint);
}

void
tui_screen_draw(struct tui *t)
{
	const struct core_state	*st = client_session_state(t->session);
	const struct tui_glyphs	*g = tui_screen_glyphs(t);
	int			 body, lw, y, h, hr, ha, hp, i, sit;
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
	sit = tui_screen_situation(t, 1);
	body = t->rows - 3 - sit;	/* header, situation, message, input */
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
		if (ha < 4) {
			hr = body - h - hp - 4;
			ha = 4;
		}
		if (hr < 2) {
			hp = 0;
			hr = body - h - 4;
		}
		y = 1 + sit;
		tui_screen_telemetry(t, y, 0, h, lw);
		y += h;
		tui_screen_roles(t, y, 0, hr, lw);
		y += hr;
		tui_screen_actions(t, y, 0, ha, lw);
		y += ha;
		if (hp > 0)
			tui_screen_people(t, y, 0, hp, lw);
		for (i = 1 + sit; i <= sit + body; i++)
			tui_screen_text(t, i, lw, 1, TUI_BORDER, 0, g->vline);
		lw++;
	}
	tui_screen_timeline(t, 1 + sit, lw, body, t->cols - lw);
	tui_screen_message(t);
	if (t->overlay != TUI_OVERLAY_NONE)
		tui_screen_overlay(t);
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
