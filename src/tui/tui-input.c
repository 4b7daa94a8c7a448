/*
 * Keys.  The console is in one of three modes, each drawn differently:
 * typing (the command line has the focus and the cursor), a pane (one pane
 * has the focus; the command line says which and how to get back), or an
 * overlay (help, or one timeline entry in detail) over everything.
 *
 * Typing: text without a slash is a note and text with one is a command;
 * Up and Down recall history, Tab completes a word (on an empty line it
 * moves the focus to the timeline), ? on an empty line is help.  A key
 * past the line's limit (TUI_INPUT_MAX characters, TUI_LINE_BYTES bytes)
 * is refused with a message, and the next Enter sends nothing but says so
 * again: a line is never sent cut without its user knowing.
 *
 * A pane: keys move it and never become text.  j/k and arrows scroll (the
 * Actions pane its list, the others the timeline), g and G go to the top
 * and the bottom (following new events again), / types a search that stays
 * in the timeline, n and N find older and newer matches, Enter opens the
 * entry at the bottom of the timeline whole, Esc or i returns to typing
 * (the line being typed is kept), Tab moves on.  Any other key only says
 * so.  Overlays scroll with j/k, arrows, PgUp/PgDn and Space; other keys
 * close them.
 *
 * Everywhere: Ctrl-C leaves, Ctrl-L redraws, PgUp/PgDn scroll the timeline,
 * and Ctrl-Y accepts command when it is offered to this user (the offer
 * banner says so).  The line is kept as wide characters so editing never
 * splits one.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "client.h"
#include "tui.h"
#include "util.h"

#define TUI_KEY_ACCEPT	25	/* Ctrl-Y: accept command offered to you */

void
tui_input_message(struct tui *t, int error, const char *fmt, ...)
{
	va_list	ap;

	free(t->message);
	va_start(ap, fmt);
	t->message = xvasprintf(fmt, ap);
	va_end(ap);
	t->message_error = error;
	t->message_time = util_clock_mono_ms();
}

/* The command line as UTF-8; the caller frees. */
static char *
tui_input_text(struct tui *t, size_t from, size_t to)
{
	struct buf	b;
	char		mb[MB_LEN_MAX];
	mbstate_t	ps;
	size_t		i, n;

	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	memset(&ps, 0, sizeof ps);
	for (i = from; i < to; i++) {
		n = wcrtomb(mb, (wchar_t)t->input[i], &ps);
		if (n == (size_t)-1) {
			util_buf_addc(&b, '?');
			memset(&ps, 0, sizeof ps);
		} else
			util_buf_add(&b, mb, n);
	}
	return util_buf_steal(&b);
}

/* Bytes of a character in the line as the locale writes it. */
static size_t
tui_input_charbytes(int wc)
{
	char		mb[MB_LEN_MAX];
	mbstate_t	ps;
	size_t		n;

	memset(&ps, 0, sizeof ps);
	n = wcrtomb(mb, (wchar_t)wc, &ps);
	return n == (size_t)-1 ? 1 : n;
}

static void
tui_input_clear(struct tui *t)
{
	t->len = t->cursor = 0;
	t->bytes = 0;
	t->overflow = 0;
}

static void
tui_input_set(struct tui *t, const char *s)
{
	mbstate_t	ps;
	wchar_t		wc;
	size_t		n;

	memset(&ps, 0, sizeof ps);
	tui_input_clear(t);
	while (*s != '\0' && t->len < TUI_INPUT_MAX) {
		n = mbrtowc(&wc, s, strlen(s), &ps);
		if (n == 0 || n == (size_t)-1 || n == (size_t)-2)
			break;
		t->input[t->len++] = (int)wc;
		t->bytes += n;
		s += n;
	}
	t->cursor = t->len;
}

/* Insert a key; past the line's limit it is refused, with a message. */
static void
tui_input_insert(struct tui *t, int wc)
{
	size_t	n = tui_input_charbytes(wc);

	if (t->len >= TUI_INPUT_MAX || t->bytes + n > TUI_LINE_BYTES) {
		t->overflow++;
		tui_input_message(t, 1, "the line is full (at most %d bytes): "
		    "%zu characters were not taken, so Enter will not send it "
		    "as it is", TUI_LINE_BYTES, t->overflow);
		return;
	}
	memmove(&t->input[t->cursor + 1], &t->input[t->cursor],
	    (t->len - t->cursor) * sizeof t->input[0]);
	t->input[t->cursor++] = wc;
	t->len++;
	t->bytes += n;
}

static void
tui_input_delete(struct tui *t, size_t from, size_t to)
{
	size_t	i;

	if (to > t->len)
		to = t->len;
	if (from >= to)
		return;
	for (i = from; i < to; i++)
		t->bytes -= tui_input_charbytes(t->input[i]);
	memmove(&t->input[from], &t->input[to],
	    (t->len - to) * sizeof t->input[0]);
	t->len -= to - from;
	if (t->cursor > to)
		t->cursor -= to - from;
	else if (t->cursor > from)
		t->cursor = from;
	if (t->len == 0)
		t->overflow = 0;
}

/* Keep the line being typed aside while a search is typed, and back. */
static void
tui_input_stash(struct tui *t)
{
	memcpy(t->draft, t->input, t->len * sizeof t->input[0]);
	t->dlen = t->len;
	t->dcursor = t->cursor;
	t->dbytes = t->bytes;
	t->len = t->cursor = t->bytes = 0;
}

static void
tui_input_unstash(struct tui *t)
{
	memcpy(t->input, t->draft, t->dlen * sizeof t->input[0]);
	t->len = t->dlen;
	t->cursor = t->dcursor;
	t->bytes = t->dbytes;
	t->dlen = t->dcursor = t->dbytes = 0;
}

static void
tui_input_history_add(struct tui *t, const char *line)
{
	if (t->nhistory > 0 && strcmp(t->history[t->nhistory - 1], line) == 0) {
		t->hpos = t->nhistory;
		return;
	}
	if (t->nhistory == TUI_HISTORY_MAX) {
		free(t->history[0]);
		memmove(t->history, t->history + 1,
		    (t->nhistory - 1) * sizeof *t->history);
		t->nhistory--;
	}
	core_list_add(&t->history, &t->nhistory, line);
	t->hpos = t->nhistory;
}

/* Entries in the timeline, the user's pending notes included. */
static size_t
tui_input_total(struct tui *t)
{
	size_t	n, np;

	client_session_timeline(t->session, &n);
	client_session_pending(t->session, &np);
	return n + np;
}

/* Find the next (older, dir < 0) or newer match of the search. */
static void
tui_input_find(struct tui *t, int dir)
{
	const struct client_tl	*tl;
	size_t			 n, i, from, k;

	if (t->search == NULL || *t->search == '\0') {
		tui_input_message(t, 1, "no search yet: / types one");
		return;
	}
	tl = client_session_timeline(t->session, &n);
	if (n == 0)
		return;
	if (t->match < 1 || (size_t)t->match > n)
		from = dir < 0 ? n : 0;
	else
		from = (size_t)t->match - 1 + (dir < 0 ? 0 : 1);
	for (i = from; dir < 0 ? i > 0 : i < n; dir < 0 ? i-- : i++) {
		k = dir < 0 ? i - 1 : i;
		if (strcasestr(tl[k].text, t->search) != NULL ||
		    (tl[k].current != NULL &&
		    strcasestr(tl[k].current, t->search) != NULL) ||
		    strcasestr(tl[k].actor, t->search) != NULL) {
			t->match = tl[k].seq;
			/* At the bottom, where Enter opens it. */
			t->scroll = tui_input_total(t) - 1 - k;
			tui_input_message(t, 0, "match at #%lld (n older, N "
			    "newer, Enter opens it, Esc to type)",
			    (long long)t->match);
			return;
		}
	}
	tui_input_message(t, 1, "no %s match for \"%s\"", dir < 0 ? "older" :
	    "newer", t->search);
}

/*
 * Complete the word before the cursor from the verb table: a verb name, or
 * a word of the kind the verb takes there (client_cmd_complete).
 */
static void
tui_input_complete(struct tui *t)
{
	const struct core_state		*st = client_session_state(t->session);
	const struct proto_presence	*pp;
	char				**cand = NULL, **present = NULL;
	char				*word, *line, *common;
	size_t				 ncand, npresent = 0, start, i, np, k;
	int				 command, first;

	start = t->cursor;
	while (start > 0 && t->input[start - 1] != ' ')
		start--;
	word = tui_input_text(t, start, t->cursor);
	line = tui_input_text(t, 0, t->cursor);
	command = t->len > 0 && t->input[0] == '/';
	first = command && start == 0;
	pp = client_session_presence(t->session, &np);
	for (i = 0; i < np; i++)
		core_list_add(&present, &npresent, pp[i].user);
	ncand = client_cmd_complete(line + command, command, st, t->user,
	    (const char *const *)present, npresent, &cand);
	core_list_free(present, npresent);
	free(line);
	if (ncand == 0) {
		tui_input_message(t, 0, "no completion for \"%s\"", word);
		free(word);
		return;
	}
	common = xstrdup(cand[0]);
	for (i = 1; i < ncand; i++) {
		for (k = 0; common[k] != '\0' && common[k] == cand[i][k]; k++)
			;
		common[k] = '\0';
	}
	tui_input_delete(t, start, t->cursor);
	if (first)
		tui_input_insert(t, '/');
	for (k = 0; common[k] != '\0'; k++)
		tui_input_insert(t, (unsigned char)common[k]);
	if (ncand == 1)
		tui_input_insert(t, ' ');
	else {
		struct buf	b;

		util_buf_init(&b);
		for (i = 0; i < ncand && i < 12; i++)
			util_buf_printf(&b, "%s%s", i > 0 ? "  " : "", cand[i]);
		if (ncand > 12)
			util_buf_adds(&b, "  ...");
		tui_input_message(t, 0, "%s", b.data);
		util_buf_clear(&b);
	}
	free(common);
	free(word);
	core_list_free(cand, ncand);
}

/* Enter while a search is typed: find it, and stay in the timeline. */
static void
tui_input_search(struct tui *t)
{
	char	*line = tui_input_text(t, 0, t->len);

	t->searching = 0;
	tui_input_unstash(t);
	t->focus = TUI_FOCUS_TIMELINE;
	if (*line == '\0') {
		free(line);
		tui_input_message(t, 0, "no search typed");
		return;
	}
	free(t->search);
	t->search = line;
	t->match = 0;
	tui_input_find(t, -1);
}

/* Enter on the command line: a note or a slash command. */
static void
tui_input_submit(struct tui *t)
{
	char	*line, *cause = NULL;
	size_t	 bytes;

	if (t->overflow > 0) {
		tui_input_message(t, 1, "not sent: %zu characters did not fit "
		    "the line; it holds only what fitted (Enter again sends "
		    "that, Ctrl-U clears it)", t->overflow);
		t->overflow = 0;
		return;
	}
	line = tui_input_text(t, 0, t->len);
	if (*line == '\0') {
		free(line);
		return;
	}
	bytes = strlen(line);
	if (line[0] != '/' && bytes > CORE_TEXT_MAX) {
		/* Kept on the line, to be shortened. */
		tui_input_message(t, 1, "not sent: a note is at most %d bytes, "
		    "this one is %zu", CORE_TEXT_MAX, bytes);
		free(line);
		return;
	}
	tui_input_clear(t);
	tui_input_history_add(t, line);
	if (line[0] == '/') {
		if (tui_cmd_run(t, line + 1, &cause) != 0) {
			tui_input_message(t, 1, "%s", cause);
			free(cause);
		} else if (t->overlay == TUI_OVERLAY_NONE && !t->quit &&
		    strncmp(line, "/search", 7) != 0)
			tui_input_message(t, 0, "sent: %s", line);
	} else if (client_session_note(t->session, line, &cause) != 0) {
		tui_input_message(t, 1, "%s", cause);
		free(cause);
	} else {
		t->scroll = 0;		/* follow, to see it land */
		if (client_session_sync(t->session) != CLIENT_SYNC_LIVE)
			tui_input_message(t, 0, "not connected: the note is "
			    "kept and will be sent on reconnect");
	}
	free(line);
}

static void
tui_input_scroll(struct tui *t, long delta)
{
	size_t	n = tui_input_total(t);

	if (delta < 0 && (size_t)-delta > t->scroll)
		t->scroll = 0;
	else if (delta < 0)
		t->scroll -= (size_t)-delta;
	else
		t->scroll += (size_t)delta;
	if (n == 0)
		t->scroll = 0;
	else if (t->scroll > n - 1)
		t->scroll = n - 1;
}

static void
tui_input_ascroll(struct tui *t, long delta)
{
	size_t	n = client_session_state(t->session)->nactions;

	if (delta < 0 && (size_t)-delta > t->ascroll)
		t->ascroll = 0;
	else if (delta < 0)
		t->ascroll -= (size_t)-delta;
	else
		t->ascroll += (size_t)delta;
	if (t->ascroll >= n)
		t->ascroll = n > 0 ? n - 1 : 0;
}

/* Ctrl-Y: accept command, if it is offered to this user. */
static void
tui_input_accept(struct tui *t)
{
	const struct core_state	*st = client_session_state(t->session);
	char			*cause = NULL;

	if (st->offer == NULL || strcmp(st->offer, t->user) != 0) {
		tui_input_message(t, 1, "command is not offered to you");
		return;
	}
	if (tui_cmd_run(t, "command accept", &cause) != 0) {
		tui_input_message(t, 1, "%s", cause);
		free(cause);
	} else
		tui_input_message(t, 0, "sent: /command accept");
}

/* Open the entry at the bottom of the timeline whole. */
static void
tui_input_detail(struct tui *t)
{
	size_t	n, total = tui_input_total(t), i;

	client_session_timeline(t->session, &n);
	if (total == 0) {
		tui_input_message(t, 0, "nothing in the timeline yet");
		return;
	}
	if (t->scroll > total - 1)
		t->scroll = total - 1;
	i = total - 1 - t->scroll;
	t->detail = i < n ? (int64_t)i + 1 : -1 - (int64_t)(i - n);
	t->overlay = TUI_OVERLAY_DETAIL;
	t->otop = 0;
}

/* Keys of an overlay: scroll it, or close it. */
static void
tui_input_overlay(struct tui *t, int key, int fkey)
{
	size_t	page = t->opage > 1 ? (size_t)t->opage - 1 : 1;
	size_t	last = t->olines > (size_t)t->opage ? t->olines -
		    (size_t)t->opage : 0;

	if (fkey && key == KEY_RESIZE)
		return;
	if ((fkey && (key == KEY_DOWN || key == KEY_NPAGE || key == KEY_END)) ||
	    (!fkey && (key == 'j' || key == ' ' || key == 'G'))) {
		if (fkey && key == KEY_END)
			t->otop = last;
		else if (!fkey && key == 'G')
			t->otop = last;
		else
			t->otop += (fkey && key == KEY_NPAGE) || key == ' ' ?
			    page : 1;
		if (t->otop > last)
			t->otop = last;
		return;
	}
	if ((fkey && (key == KEY_UP || key == KEY_PPAGE || key == KEY_HOME)) ||
	    (!fkey && (key == 'k' || key == 'g'))) {
		if ((fkey && key == KEY_HOME) || (!fkey && key == 'g'))
			t->otop = 0;
		else if (fkey && key == KEY_PPAGE)
			t->otop = t->otop > page ? t->otop - page : 0;
		else if (t->otop > 0)
			t->otop--;
		return;
	}
	t->overlay = TUI_OVERLAY_NONE;	/* any other key closes it */
}

/* Keys that mean the same wherever the focus is; 1 if handled. */
static int
tui_input_common(struct tui *t, int key, int fkey)
{
	if (!fkey && key == 3) {	/* Ctrl-C */
		t->quit = 1;
		return 1;
	}
	if (t->overlay != TUI_OVERLAY_NONE) {
		tui_input_overlay(t, key, fkey);
		return 1;
	}
	if (fkey) {
		switch (key) {
		case KEY_PPAGE:
			tui_input_scroll(t, t->rows / 2);
			return 1;
		case KEY_NPAGE:
			tui_input_scroll(t, -(t->rows / 2));
			return 1;
		case KEY_BTAB:
			if (t->searching)
				return 1;
			t->focus = (t->focus + TUI_FOCUS_COUNT - 1) %
			    TUI_FOCUS_COUNT;
			return 1;
		case KEY_RESIZE:
			return 1;
		}
		return 0;
	}
	switch (key) {
	case 12:		/* Ctrl-L */
		clearok(curscr, TRUE);
		return 1;
	case TUI_KEY_ACCEPT:
		tui_input_accept(t);
		return 1;
	}
	return 0;
}

/* The pane with the focus, as the command line names it. */
static const char *
tui_input_pane_name(enum tui_focus f)
{
	switch (f) {
	case TUI_FOCUS_ACTIONS:
		return "Actions";
	case TUI_FOCUS_ROLES:
		return "Roles";
	case TUI_FOCUS_PEOPLE:
		return "Present";
	case TUI_FOCUS_TELEMETRY:
		return "Telemetry";
	default:
		return "Timeline";
	}
}

static void
tui_input_pane(struct tui *t, int key, int fkey)
{
	int	actions = t->focus == TUI_FOCUS_ACTIONS;

	if (fkey) {
		switch (key) {
		case KEY_UP:
			if (actions)
				tui_input_ascroll(t, -1);
			else
				tui_input_scroll(t, 1);
			break;
		case KEY_DOWN:
			if (actions)
				tui_input_ascroll(t, 1);
			else
				tui_input_scroll(t, -1);
			break;
		case KEY_HOME:
			if (actions)
				t->ascroll = 0;
			else
				tui_input_scroll(t, (long)tui_input_total(t));
			break;
		case KEY_END:
			t->scroll = 0;
			break;
		case KEY_ENTER:
			tui_input_detail(t);
			break;
		}
		return;
	}
	switch (key) {
	case '\t':
		t->focus = (t->focus + 1) % TUI_FOCUS_COUNT;
		break;
	case 'k':
		if (actions)
			tui_input_ascroll(t, -1);
		else
			tui_input_scroll(t, 1);
		break;
	case 'j':
		if (actions)
			tui_input_ascroll(t, 1);
		else
			tui_input_scroll(t, -1);
		break;
	case 'g':
		if (actions)
			t->ascroll = 0;
		else
			tui_input_scroll(t, (long)tui_input_total(t));
		break;
	case 'G':
	case 'f':
		t->scroll = 0;
		break;
	case '/':
		t->focus = TUI_FOCUS_TIMELINE;
		t->searching = 1;
		tui_input_stash(t);
		break;
	case 'n':
		tui_input_find(t, -1);
		break;
	case 'N':
		tui_input_find(t, 1);
		break;
	case '?':
		t->overlay = TUI_OVERLAY_HELP;
		t->otop = 0;
		break;
	case '\r':
	case '\n':
		tui_input_detail(t);
		break;
	case 27:		/* Esc */
	case 'i':
		t->focus = TUI_FOCUS_INPUT;
		free(t->message);
		t->message = NULL;
		break;
	default:
		/* Never text: a pane's keys only move it. */
		tui_input_message(t, 0, "in the %s, keys move it (j/k, / "
		    "search, n/N, Enter opens an entry); Esc or i to type",
		    tui_input_pane_name(t->focus));
		break;
	}
}

/* Keys of the line editor: typing a note, a command or a search. */
static void
tui_input_line(struct tui *t, int key, int fkey)
{
	size_t	i;

	if (fkey) {
		switch (key) {
		case KEY_LEFT:
			if (t->cursor > 0)
				t->cursor--;
			break;
		case KEY_RIGHT:
			if (t->cursor < t->len)
				t->cursor++;
			break;
		case KEY_HOME:
			t->cursor = 0;
			break;
		case KEY_END:
			t->cursor = t->len;
			break;
		case KEY_BACKSPACE:
			if (t->cursor > 0)
				tui_input_delete(t, t->cursor - 1, t->cursor);
			break;
		case KEY_DC:
			tui_input_delete(t, t->cursor, t->cursor + 1);
			break;
		case KEY_ENTER:
			if (t->searching)
				tui_input_search(t);
			else
				tui_input_submit(t);
			break;
		case KEY_UP:
			if (!t->searching && t->hpos > 0) {
				t->hpos--;
				tui_input_set(t, t->history[t->hpos]);
			}
			break;
		case KEY_DOWN:
			if (t->searching)
				break;
			if (t->hpos + 1 < t->nhistory) {
				t->hpos++;
				tui_input_set(t, t->history[t->hpos]);
			} else {
				t->hpos = t->nhistory;
				tui_input_clear(t);
			}
			break;
		}
		return;
	}
	switch (key) {
	case '\r':
	case '\n':
		if (t->searching)
			tui_input_search(t);
		else
			tui_input_submit(t);
		return;
	case '\t':
		if (t->searching)
			return;
		if (t->len == 0)
			t->focus = TUI_FOCUS_TIMELINE;
		else
			tui_input_complete(t);
		return;
	case 27:		/* Esc */
		free(t->message);
		t->message = NULL;
		if (t->searching) {	/* back to the pane, unsearched */
			t->searching = 0;
			tui_input_unstash(t);
		}
		return;
	case 127:
	case 8:
		if (t->cursor > 0)
			tui_input_delete(t, t->cursor - 1, t->cursor);
		return;
	case 1:			/* Ctrl-A */
		t->cursor = 0;
		return;
	case 5:			/* Ctrl-E */
		t->cursor = t->len;
		return;
	case 21:		/* Ctrl-U */
		tui_input_delete(t, 0, t->cursor);
		return;
	case 23:		/* Ctrl-W */
		i = t->cursor;
		while (i > 0 && t->input[i - 1] == ' ')
			i--;
		while (i > 0 && t->input[i - 1] != ' ')
			i--;
		tui_input_delete(t, i, t->cursor);
		return;
	case '?':
		if (t->len == 0 && !t->searching) {
			t->overlay = TUI_OVERLAY_HELP;
			t->otop = 0;
			return;
		}
		break;
	}
	if (key < ' ' || (key >= 0x7f && key < 0xa0))
		return;
	tui_input_insert(t, key);
}

void
tui_input_key(struct tui *t, int key, int fkey)
{
	t->dirty = 1;
	if (fkey < 0) {			/* internal: search again */
		tui_input_find(t, -1);
		return;
	}
	if (tui_input_common(t, key, fkey))
		return;
	if (t->focus != TUI_FOCUS_INPUT && !t->searching)
		tui_input_pane(t, key, fkey);
	else
		tui_input_line(t, key, fkey);
}
