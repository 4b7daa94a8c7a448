/*
 * Keys.  The command line has the focus unless a pane has it (Tab moves the
 * focus when the line is empty, and completes a word when it is not).  On
 * the command line, text without a slash is a note and text with one is a
 * command; Up and Down recall history.  In a pane, keys move the timeline:
 * j/k and arrows scroll, g and G go to the top and the bottom (following
 * new events again), / searches, n and N find older and newer matches, and
 * Esc returns to the command line.  ? shows help from an empty line or a
 * pane.  The line is kept as wide characters so editing never splits one.
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

static void
tui_input_set(struct tui *t, const char *s)
{
	mbstate_t	ps;
	wchar_t		wc;
	size_t		n;

	memset(&ps, 0, sizeof ps);
	t->len = 0;
	while (*s != '\0' && t->len < TUI_INPUT_MAX) {
		n = mbrtowc(&wc, s, strlen(s), &ps);
		if (n == 0 || n == (size_t)-1 || n == (size_t)-2)
			break;
		t->input[t->len++] = (int)wc;
		s += n;
	}
	t->cursor = t->len;
}

static void
tui_input_insert(struct tui *t, int wc)
{
	if (t->len >= TUI_INPUT_MAX)
		return;
	memmove(&t->input[t->cursor + 1], &t->input[t->cursor],
	    (t->len - t->cursor) * sizeof t->input[0]);
	t->input[t->cursor++] = wc;
	t->len++;
}

static void
tui_input_delete(struct tui *t, size_t from, size_t to)
{
	if (to > t->len)
		to = t->len;
	if (from >= to)
		return;
	memmove(&t->input[from], &t->input[to],
	    (t->len - to) * sizeof t->input[0]);
	t->len -= to - from;
	if (t->cursor > to)
		t->cursor -= to - from;
	else if (t->cursor > from)
		t->cursor = from;
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

/* Find the next (older, dir < 0) or newer match of the search. */
static void
tui_input_find(struct tui *t, int dir)
{
	const struct client_tl	*tl;
	size_t			 n, i, from;

	if (t->search == NULL || *t->search == '\0')
		return;
	tl = client_session_timeline(t->session, &n);
	if (n == 0)
		return;
	if (t->match < 1 || (size_t)t->match > n)
		from = dir < 0 ? n : 0;
	else
		from = (size_t)t->match - 1 + (dir < 0 ? 0 : 1);
	for (i = from; dir < 0 ? i > 0 : i < n; dir < 0 ? i-- : i++) {
		size_t	k = dir < 0 ? i - 1 : i;

		if (strcasestr(tl[k].text, t->search) != NULL ||
		    strcasestr(tl[k].actor, t->search) != NULL) {
			t->match = tl[k].seq;
			t->scroll = n - 1 - k;	/* show it at the bottom */
			if (t->scroll > 0)
				t->scroll = t->scroll > 3 ? t->scroll - 3 : 0;
			tui_input_message(t, 0, "match at #%lld (n older, N "
			    "newer)", (long long)t->match);
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

/* Enter: a note, a slash command or a search. */
static void
tui_input_submit(struct tui *t)
{
	char	*line = tui_input_text(t, 0, t->len), *cause = NULL;

	t->len = t->cursor = 0;
	if (t->searching) {
		t->searching = 0;
		free(t->search);
		t->search = line;
		t->match = 0;
		tui_input_find(t, -1);
		return;
	}
	if (*line == '\0') {
		free(line);
		return;
	}
	tui_input_history_add(t, line);
	if (line[0] == '/') {
		if (tui_cmd_run(t, line + 1, &cause) != 0) {
			tui_input_message(t, 1, "%s", cause);
			free(cause);
		} else if (!t->help && !t->quit && strncmp(line, "/search", 7) != 0)
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
	size_t	n;

	client_session_timeline(t->session, &n);
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

/* Keys that mean the same wherever the focus is; 1 if handled. */
static int
tui_input_common(struct tui *t, int key, int fkey)
{
	if (t->help) {
		t->help = 0;		/* any key closes help */
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
			t->focus = (t->focus + TUI_FOCUS_COUNT - 1) %
			    TUI_FOCUS_COUNT;
			return 1;
		case KEY_RESIZE:
			return 1;
		}
		return 0;
	}
	switch (key) {
	case 3:			/* Ctrl-C */
		t->quit = 1;
		return 1;
	case 12:		/* Ctrl-L */
		clearok(curscr, TRUE);
		return 1;
	}
	return 0;
}

static void
tui_input_pane(struct tui *t, int key, int fkey)
{
	size_t	n;

	if (fkey) {
		switch (key) {
		case KEY_UP:
			tui_input_scroll(t, 1);
			break;
		case KEY_DOWN:
			tui_input_scroll(t, -1);
			break;
		case KEY_HOME:
			client_session_timeline(t->session, &n);
			tui_input_scroll(t, (long)n);
			break;
		case KEY_END:
			t->scroll = 0;
			break;
		}
		return;
	}
	switch (key) {
	case '\t':
		t->focus = (t->focus + 1) % TUI_FOCUS_COUNT;
		break;
	case 'k':
		tui_input_scroll(t, 1);
		break;
	case 'j':
		tui_input_scroll(t, -1);
		break;
	case 'g':
		client_session_timeline(t->session, &n);
		tui_input_scroll(t, (long)n);
		break;
	case 'G':
	case 'f':
		t->scroll = 0;
		break;
	case '/':
		t->focus = TUI_FOCUS_INPUT;
		t->searching = 1;
		t->len = t->cursor = 0;
		break;
	case 'n':
		tui_input_find(t, -1);
		break;
	case 'N':
		tui_input_find(t, 1);
		break;
	case '?':
		t->help = 1;
		break;
	case 27:
	case 'i':
	case '\r':
	case '\n':
		t->focus = TUI_FOCUS_INPUT;
		break;
	}
}

void
tui_input_key(struct tui *t, int key, int fkey)
{
	size_t	 i;

	t->dirty = 1;
	if (fkey < 0) {			/* internal: search again */
		tui_input_find(t, -1);
		return;
	}
	if (tui_input_common(t, key, fkey))
		return;
	if (t->focus != TUI_FOCUS_INPUT) {
		tui_input_pane(t, key, fkey);
		return;
	}
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
			tui_input_submit(t);
			break;
		case KEY_UP:
			if (t->hpos > 0) {
				t->hpos--;
				tui_input_set(t, t->history[t->hpos]);
			}
			break;
		case KEY_DOWN:
			if (t->hpos + 1 < t->nhistory) {
				t->hpos++;
				tui_input_set(t, t->history[t->hpos]);
			} else {
				t->hpos = t->nhistory;
				t->len = t->cursor = 0;
			}
			break;
		}
		return;
	}
	switch (key) {
	case '\r':
	case '\n':
		tui_input_submit(t);
		return;
	case '\t':
		if (t->len == 0 && !t->searching)
			t->focus = TUI_FOCUS_TIMELINE;
		else if (!t->searching)
			tui_input_complete(t);
		return;
	case 27:		/* Esc */
		free(t->message);
		t->message = NULL;
		if (t->searching) {
			t->searching = 0;
			t->len = t->cursor = 0;
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
			t->help = 1;
			return;
		}
		break;
	}
	if (key < ' ' || (key >= 0x7f && key < 0xa0))
		return;
	tui_input_insert(t, key);
}
