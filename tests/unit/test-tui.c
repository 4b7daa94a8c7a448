/*
 * Unit tests of the console's curses-free parts.  The wording of a held
 * action (tui-view.c): another's claim with its fence and countdown, the
 * fence giving way first; the user's own claims with the longest hint that
 * fits (renewed here, renewal paused, not renewed here), the hint before
 * the fence and the countdown never cut; and "written HH:MM" for notes
 * typed before they were delivered.  Themes (tui-theme.c): element names,
 * every theme shipped in themes/ (complete, and good enough at 3 a.m.:
 * STALE and alerts stand out, pending notes are dim, held actions differ
 * from free and done ones), colour words and their 8-colour fallbacks,
 * attributes and backgrounds, errors with line numbers for every kind of bad
 * input, the built-in default against themes/default.theme, and loading by
 * path and by name through $XDG_CONFIG_HOME.  Every theme is readable: no
 * element in its own background colour, a search match with a background
 * of its own.  And the rest of tui-view.c: the hub as the header names it
 * ("private" for the embedded one), actions by urgency, wrapping by display
 * columns, and the detail view of an amended, marked entry.  Run from the
 * repository root.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <locale.h>

#include "client.h"
#include "tui.h"
#include "util.h"

static const char *const shipped[] = {
	"default", "light", "high-contrast", "mono"
};

/* Read a whole file; the caller frees. */
static char *
read_all(const char *path, size_t *len)
{
	FILE	*f;
	char	*data;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = xmalloc(n + 1);
	if (fread(data, 1, n, f) != (size_t)n) {
		free(data);
		fclose(f);
		return NULL;
	}
	data[n] = '\0';
	fclose(f);
	*len = n;
	return data;
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* A theme whose every style is impossible, to see what a file sets. */
static void
theme_poison(struct tui_theme *t)
{
	int	i;

	t->name = NULL;
	for (i = 0; i < TUI_ELEM_COUNT; i++) {
		t->style[i].fg = t->style[i].bg = -2;
		t->style[i].fg8 = t->style[i].bg8 = -2;
		t->style[i].attrs = 0x40;
	}
}

static int
style_equal(const struct tui_style *a, const struct tui_style *b)
{
	return a->fg == b->fg && a->bg == b->bg && a->fg8 == b->fg8 &&
	    a->bg8 == b->bg8 && a->attrs == b->attrs;
}

/* Parse text over the default theme and return one element's style. */
static struct tui_style
style_of(const char *text, enum tui_elem e)
{
	struct tui_theme	 t;
	struct tui_style	 st;
	char			*cause = NULL;
	int			 rc;

	tui_theme_default(&t);
	rc = tui_theme_parse(&t, text, strlen(text), &cause);
	if (rc != 0)
		print_error("\"%s\": %s\n", text, cause);
	assert_int_equal(rc, 0);
	assert_null(cause);
	st = t.style[e];
	tui_theme_clear(&t);
	return st;
}

/* Does parsing fail with a cause containing why, leaving the theme alone? */
static int
parse_fails_len(const char *text, size_t len, const char *why)
{
	struct tui_theme	 t, before;
	char			*cause = NULL;
	int			 ok = 1;

	tui_theme_default(&t);
	tui_theme_default(&before);
	if (tui_theme_parse(&t, text, len, &cause) == 0) {
		print_error("parsed, but should not have: %.200s\n", text);
		ok = 0;
	} else if (cause == NULL || strstr(cause, why) == NULL) {
		print_error("cause \"%s\" lacks \"%s\"\n",
		    cause != NULL ? cause : "(null)", why);
		ok = 0;
	} else if (memcmp(t.style, before.style, sizeof t.style) != 0 ||
	    strcmp(t.name, before.name) != 0) {
		print_error("a failed parse changed the theme\n");
		ok = 0;
	}
	free(cause);
	tui_theme_clear(&t);
	tui_theme_clear(&before);
	return ok;
}

static int
parse_fails(const char *text, const char *why)
{
	return parse_fails_len(text, strlen(text), why);
}

static void
test_elem_names(void **state)
{
	const char	*a, *b;
	int		 i, j;
	size_t		 k;

	(void)state;
	for (i = 0; i < TUI_ELEM_COUNT; i++) {
		a = tui_elem_name(i);
		assert_non_null(a);
		assert_true(strlen(a) > 0);
		for (k = 0; a[k] != '\0'; k++)
			assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz"
			    "0123456789.", a[k]));
		for (j = 0; j < i; j++) {
			b = tui_elem_name(j);
			if (strcmp(a, b) == 0)
				print_error("%d and %d are both %s\n", i, j, a);
			assert_string_not_equal(a, b);
		}
	}
	assert_null(tui_elem_name(TUI_ELEM_COUNT));
	assert_null(tui_elem_name((enum tui_elem)-1));
	assert_string_equal(tui_elem_name(TUI_NORMAL), "normal");
	assert_string_equal(tui_elem_name(TUI_STALE), "sync.stale");
	assert_string_equal(tui_elem_name(TUI_EV_NOTE), "event.note");
	assert_string_equal(tui_elem_name(TUI_EV_PENDING), "event.pending");
	assert_string_equal(tui_elem_name(TUI_ACTION_BLOCKED),
	    "action.blocked");
	assert_string_equal(tui_elem_name(TUI_VACANT), "role.vacant");
	assert_string_equal(tui_elem_name(TUI_SEV2), "sev2");
}

/* What every shipped theme must do for an engineer paged at 3 a.m. */
/*
 * Readable: no element draws text in its own background colour (on 256
 * or 8 colours), and a search match has a background of its own (or is
 * reversed) unlike every timeline entry, so it shows on any of them.
 */
static void
check_theme_readable(const char *name, const struct tui_theme *t)
{
	const struct tui_style	*s = t->style, *m = &t->style[TUI_MATCH];
	int			 e;

	for (e = 0; e < TUI_ELEM_COUNT; e++) {
		if (s[e].fg != -1 && s[e].fg == s[e].bg)
			fail_msg("%s: %s is %d on %d", name, tui_elem_name(e),
			    s[e].fg, s[e].bg);
		if (s[e].fg8 != -1 && s[e].fg8 == s[e].bg8)
			fail_msg("%s: %s is %d on %d (8 colours)", name,
			    tui_elem_name(e), s[e].fg8, s[e].bg8);
	}
	if ((m->bg == -1 || m->bg8 == -1) && (m->attrs & TUI_A_REVERSE) == 0)
		fail_msg("%s: a match has no background of its own", name);
	for (e = TUI_EV_NOTE; e <= TUI_EV_PENDING; e++) {
		if (style_equal(&s[e], m))
			fail_msg("%s: a match looks like %s", name,
			    tui_elem_name(e));
	}
}

static void
check_theme_quality(const char *name, const struct tui_theme *t)
{
	const struct tui_style	*s = t->style;

	if (style_equal(&s[TUI_STALE], &s[TUI_LIVE]) ||
	    style_equal(&s[TUI_STALE], &s[TUI_NORMAL]) ||
	    style_equal(&s[TUI_STALE], &s[TUI_HEADER]))
		fail_msg("%s: STALE does not stand out", name);
	if ((s[TUI_STALE].attrs & (TUI_A_BOLD|TUI_A_REVERSE)) == 0)
		fail_msg("%s: STALE is neither bold nor reversed", name);
	if ((s[TUI_EV_ALERT].attrs & (TUI_A_BOLD|TUI_A_REVERSE)) == 0 ||
	    style_equal(&s[TUI_EV_ALERT], &s[TUI_EV_NOTE]))
		fail_msg("%s: alerts do not stand out", name);
	if ((s[TUI_EV_PENDING].attrs & TUI_A_DIM) == 0)
		fail_msg("%s: pending notes are not dim", name);
	if (style_equal(&s[TUI_ACTION_HELD], &s[TUI_ACTION_FREE]) ||
	    style_equal(&s[TUI_ACTION_HELD], &s[TUI_ACTION_DONE]) ||
	    style_equal(&s[TUI_ACTION_FREE], &s[TUI_ACTION_DONE]))
		fail_msg("%s: free, held and done actions look alike", name);
	if (style_equal(&s[TUI_TITLE_FOCUS], &s[TUI_TITLE]))
		fail_msg("%s: the focused title looks like the others", name);
	check_theme_readable(name, t);
}

static void
test_theme_files(void **state)
{
	struct tui_theme	 t;
	DIR			*d;
	struct dirent		*de;
	char			*path, *text, *cause = NULL;
	size_t			 len, n, i;
	int			 e, found = 0;

	(void)state;
	d = opendir("themes");
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n <= 6 || strcmp(de->d_name + n - 6, ".theme") != 0)
			continue;
		found++;
		path = xasprintf("themes/%s", de->d_name);
		text = read_all(path, &len);
		assert_non_null(text);

		/* Every file styles every element itself. */
		theme_poison(&t);
		if (tui_theme_parse(&t, text, len, &cause) != 0)
			fail_msg("%s: %s", path, cause);
		for (e = 0; e < TUI_ELEM_COUNT; e++) {
			if (t.style[e].fg == -2 || t.style[e].attrs == 0x40)
				fail_msg("%s: no line for %s", path,
				    tui_elem_name(e));
		}
		assert_non_null(t.name);
		assert_int_equal(strncmp(t.name, de->d_name, n - 6), 0);
		check_theme_quality(path, &t);
		tui_theme_clear(&t);

		/* And loads by path over the default. */
		tui_theme_default(&t);
		if (tui_theme_load(&t, path, &cause) != 0)
			fail_msg("%s: %s", path, cause);
		tui_theme_clear(&t);
		free(text);
		free(path);
	}
	closedir(d);
	assert_true(found >= 4);

	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		path = xasprintf("themes/%s.theme", shipped[i]);
		assert_int_equal(access(path, R_OK), 0);
		free(path);
	}

	/* mono: attributes only. */
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "themes/mono.theme", &cause), 0);
	for (e = 0; e < TUI_ELEM_COUNT; e++) {
		assert_int_equal(t.style[e].fg, -1);
		assert_int_equal(t.style[e].bg, -1);
		assert_int_equal(t.style[e].fg8, -1);
		assert_int_equal(t.style[e].bg8, -1);
	}
	tui_theme_clear(&t);

	/* The built-in default passes the same checks. */
	tui_theme_default(&t);
	check_theme_quality("built-in", &t);
	tui_theme_clear(&t);
}

static void
test_default_matches_file(void **state)
{
	struct tui_theme	 builtin, file;
	char			*text, *cause = NULL;
	size_t			 len;
	int			 e;

	(void)state;
	text = read_all("themes/default.theme", &len);
	assert_non_null(text);
	theme_poison(&file);
	assert_int_equal(tui_theme_parse(&file, text, len, &cause), 0);
	tui_theme_default(&builtin);
	assert_string_equal(builtin.name, "default");
	assert_string_equal(file.name, builtin.name);
	for (e = 0; e < TUI_ELEM_COUNT; e++) {
		if (!style_equal(&file.style[e], &builtin.style[e]))
			fail_msg("%s differs: file %d/%d on %d/%d %#x, "
			    "built-in %d/%d on %d/%d %#x", tui_elem_name(e),
			    file.style[e].fg, file.style[e].fg8,
			    file.style[e].bg, file.style[e].bg8,
			    file.style[e].attrs, builtin.style[e].fg,
			    builtin.style[e].fg8, builtin.style[e].bg,
			    builtin.style[e].bg8, builtin.style[e].attrs);
	}
	/* Every colour in the built-in is within range. */
	for (e = 0; e < TUI_ELEM_COUNT; e++) {
		assert_in_range(builtin.style[e].fg + 1, 0, 256);
		assert_in_range(builtin.style[e].bg + 1, 0, 256);
		assert_in_range(builtin.style[e].fg8 + 1, 0, 8);
		assert_in_range(builtin.style[e].bg8 + 1, 0, 8);
	}
	tui_theme_clear(&builtin);
	tui_theme_clear(&file);
	free(text);
}

static void
check_colour(const char *word, int fg, int fg8)
{
	struct tui_style	 st;
	char			*text;

	text = xasprintf("normal = %s\n", word);
	st = style_of(text, TUI_NORMAL);
	if (st.fg != fg || st.fg8 != fg8)
		fail_msg("%s: got %d/%d, want %d/%d", word, st.fg, st.fg8,
		    fg, fg8);
	assert_int_equal(st.bg, -1);
	assert_int_equal(st.bg8, -1);
	assert_int_equal(st.attrs, 0);
	free(text);
}

static void
test_colours(void **state)
{
	(void)state;
	/* Names. */
	check_colour("default", -1, -1);
	check_colour("black", 0, 0);
	check_colour("red", 1, 1);
	check_colour("green", 2, 2);
	check_colour("yellow", 3, 3);
	check_colour("blue", 4, 4);
	check_colour("magenta", 5, 5);
	check_colour("cyan", 6, 6);
	check_colour("white", 7, 7);
	check_colour("RED", 1, 1);
	check_colour("bright-black", 8, 0);
	check_colour("bright-red", 9, 1);
	check_colour("bright-white", 15, 7);
	/* Numbers: 0-15 fold onto 0-7. */
	check_colour("0", 0, 0);
	check_colour("7", 7, 7);
	check_colour("8", 8, 0);
	check_colour("12", 12, 4);
	check_colour("15", 15, 7);
	check_colour("007", 7, 7);
	/* The cube: nearest basic colour. */
	check_colour("16", 16, 0);
	check_colour("196", 196, 1);
	check_colour("46", 46, 2);
	check_colour("226", 226, 3);
	check_colour("21", 21, 4);
	check_colour("201", 201, 5);
	check_colour("51", 51, 6);
	check_colour("231", 231, 7);
	check_colour("208", 208, 3);	/* orange is nearer yellow */
	check_colour("17", 17, 0);	/* navy is nearer black */
	/* The grey ramp: up to grey 118 (243) black, from 128 (244) white. */
	check_colour("232", 232, 0);
	check_colour("240", 240, 0);
	check_colour("243", 243, 0);
	check_colour("244", 244, 7);
	check_colour("145", 145, 7);	/* cube grey 175 */
	check_colour("59", 59, 0);	/* cube grey 95 */
	check_colour("255", 255, 7);
	/* Explicit fallbacks. */
	check_colour("208/yellow", 208, 3);
	check_colour("208/red", 208, 1);
	check_colour("236/blue", 236, 4);
	check_colour("240/7", 240, 7);
	check_colour("1/green", 1, 2);
	check_colour("bright-red/magenta", 9, 5);
	check_colour("default/red", -1, 1);
	check_colour("21/default", 21, -1);
}

static void
test_attributes_and_background(void **state)
{
	struct tui_style	st;

	(void)state;
	st = style_of("title = default bold", TUI_TITLE);
	assert_int_equal(st.attrs, TUI_A_BOLD);
	st = style_of("title = default bold dim reverse underline italic",
	    TUI_TITLE);
	assert_int_equal(st.attrs, TUI_A_BOLD|TUI_A_DIM|TUI_A_REVERSE|
	    TUI_A_UNDERLINE|TUI_A_ITALIC);
	st = style_of("title = red  BOLD\tbold", TUI_TITLE);
	assert_int_equal(st.fg, 1);
	assert_int_equal(st.attrs, TUI_A_BOLD);

	st = style_of("header = red on blue bold", TUI_HEADER);
	assert_int_equal(st.fg, 1);
	assert_int_equal(st.bg, 4);
	assert_int_equal(st.bg8, 4);
	assert_int_equal(st.attrs, TUI_A_BOLD);
	st = style_of("header = 208/yellow on 236/black", TUI_HEADER);
	assert_int_equal(st.fg, 208);
	assert_int_equal(st.fg8, 3);
	assert_int_equal(st.bg, 236);
	assert_int_equal(st.bg8, 0);
	assert_int_equal(st.attrs, 0);
	st = style_of("header = default on 21", TUI_HEADER);
	assert_int_equal(st.fg, -1);
	assert_int_equal(st.bg, 21);
	assert_int_equal(st.bg8, 4);
	st = style_of("header = white on default underline", TUI_HEADER);
	assert_int_equal(st.bg, -1);
	assert_int_equal(st.attrs, TUI_A_UNDERLINE);

	/* A line replaces the whole style; others keep theirs. */
	st = style_of("sync.stale = 196 bold\nsync.stale = green\n",
	    TUI_STALE);
	assert_int_equal(st.fg, 2);
	assert_int_equal(st.attrs, 0);
	assert_int_equal(st.bg, -1);
	st = style_of("sync.stale = green\n", TUI_LIVE);
	assert_int_equal(st.fg, 114);
}

static void
test_syntax(void **state)
{
	struct tui_theme	 t;
	struct tui_style	 st;
	char			*cause = NULL;
	const char		*text;

	(void)state;
	/* Comments, blank lines, CRLF, a BOM, UTF-8 in comments and names. */
	text = "\xef\xbb\xbf# caf\xc3\xa9 \xe2\x98\x95 theme\r\n"
	    "\r\n"
	    "   \t\n"
	    "  name =  Nuit \xc3\xa0 Paris  # trailing comment\r\n"
	    "\tevent.alert\t=\tbright-red on black bold # loud\r\n"
	    "seq=244";
	tui_theme_default(&t);
	assert_int_equal(tui_theme_parse(&t, text, strlen(text), &cause), 0);
	assert_string_equal(t.name, "Nuit \xc3\xa0 Paris");
	assert_int_equal(t.style[TUI_EV_ALERT].fg, 9);
	assert_int_equal(t.style[TUI_EV_ALERT].fg8, 1);
	assert_int_equal(t.style[TUI_EV_ALERT].bg, 0);
	assert_int_equal(t.style[TUI_EV_ALERT].attrs, TUI_A_BOLD);
	assert_int_equal(t.style[TUI_SEQ].fg, 244);
	tui_theme_clear(&t);
	assert_null(t.name);

	/* Empty text changes nothing. */
	tui_theme_default(&t);
	assert_int_equal(tui_theme_parse(&t, "", 0, &cause), 0);
	assert_string_equal(t.name, "default");
	tui_theme_clear(&t);

	/* Element keys are case-insensitive. */
	st = style_of("Event.Note = cyan", TUI_EV_NOTE);
	assert_int_equal(st.fg, 6);
}

static void
test_errors(void **state)
{
	char	*big, *text;
	size_t	 n;

	(void)state;
	assert_true(parse_fails("normal = red\n\n# x\nfrob = red\n",
	    "line 4: unknown element \"frob\""));
	assert_true(parse_fails("normal = red\nheader = purpel\n",
	    "line 2: unknown colour \"purpel\""));
	assert_true(parse_fails("header = 256\n",
	    "line 1: colour 256 is out of range (0-255)"));
	assert_true(parse_fails("header = 99999999999999999999\n",
	    "line 1: colour 99999999999999999999 is out of range"));
	assert_true(parse_fails("header = -1\n", "unknown colour \"-1\""));
	assert_true(parse_fails("header = +1\n", "unknown colour \"+1\""));
	assert_true(parse_fails("header = bright-purple\n",
	    "unknown colour \"bright-purple\""));
	assert_true(parse_fails("header = bright-\n",
	    "unknown colour \"bright-\""));
	assert_true(parse_fails("\n\nheader = red blink\n",
	    "line 3: unknown attribute \"blink\""));
	assert_true(parse_fails("header = red bold on blue\n",
	    "line 1: \"on\" must come straight after"));
	assert_true(parse_fails("header = red on blue on green\n",
	    "\"on\" must come straight after"));
	assert_true(parse_fails("header = red blue\n",
	    "unexpected colour \"blue\""));
	assert_true(parse_fails("header = red on\n",
	    "missing colour after \"on\""));
	assert_true(parse_fails("header = red on purpel\n",
	    "unknown colour \"purpel\""));
	assert_true(parse_fails("header = bold\n",
	    "expected a colour before \"bold\""));
	assert_true(parse_fails("header =\n", "missing colour after \"=\""));
	assert_true(parse_fails("header = # nothing\n",
	    "missing colour after \"=\""));
	assert_true(parse_fails("header = 208/\n", "missing fallback"));
	assert_true(parse_fails("header = /red\n", "missing colour before"));
	assert_true(parse_fails("header = 208/9\n",
	    "fallback \"9\" is not default or one of the 8 basic colours"));
	assert_true(parse_fails("header = 208/bright-red\n",
	    "fallback \"bright-red\" is not"));
	assert_true(parse_fails("header = 208/purpel\n",
	    "unknown colour \"purpel\""));
	assert_true(parse_fails("header = 208/red/blue\n",
	    "more than one fallback"));
	assert_true(parse_fails("normal = red\nheader red\n",
	    "line 2: missing \"=\""));
	assert_true(parse_fails("= red\n", "line 1: missing element"));
	assert_true(parse_fails("name =\n", "line 1: empty theme name"));
	assert_true(parse_fails("name = 0123456789012345678901234567890123456"
	    "7890123456789012345678901234567890\n", "theme name longer"));

	/* Over-long lines, even comments. */
	big = xmalloc(1000);
	memset(big, 'x', 999);
	big[0] = '#';
	big[999] = '\0';
	text = xasprintf("normal = red\n%s\n", big);
	assert_true(parse_fails(text, "line 2: line longer than 512 bytes"));
	free(text);
	free(big);

	/* Bytes: NUL, control characters, bad UTF-8. */
	assert_true(parse_fails_len("normal = red\nheader\0 = red\n", 26,
	    "line 2: NUL byte"));
	assert_true(parse_fails("header = red\x1b[31m\n",
	    "line 1: control character"));
	assert_true(parse_fails("# \xc2\x9b\n", "control character"));
	assert_true(parse_fails("# \xff\n", "line 1: invalid UTF-8"));
	assert_true(parse_fails("# \xc0\xaf\n", "invalid UTF-8"));
	assert_true(parse_fails("# \xed\xa0\x80\n", "invalid UTF-8"));
	assert_true(parse_fails("# \xe2\x98\n", "invalid UTF-8"));
	assert_true(parse_fails("# \xf4\x90\x80\x80\n", "invalid UTF-8"));

	/* A theme larger than 64 KiB, however harmless. */
	n = 65537;
	big = xmalloc(n + 1);
	memset(big, '\n', n);
	big[n] = '\0';
	assert_true(parse_fails(big, "theme larger than 65536 bytes"));
	/* Exactly 64 KiB is fine. */
	{
		struct tui_theme	 t;
		char			*cause = NULL;

		tui_theme_default(&t);
		assert_int_equal(tui_theme_parse(&t, big, n - 1, &cause), 0);
		tui_theme_clear(&t);
	}
	free(big);

	/* A good line before a bad one does not stick. */
	assert_true(parse_fails("name = half\nsync.stale = green\nx = red\n",
	    "line 3: unknown element \"x\""));
}

/* A scratch directory standing in for $XDG_CONFIG_HOME. */
struct scratch {
	char	dir[64];
	char	themes[128];
};

static void
scratch_make(struct scratch *s)
{
	char	*p;

	snprintf(s->dir, sizeof s->dir, "/tmp/test-tui.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	p = xasprintf("%s/concord", s->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	snprintf(s->themes, sizeof s->themes, "%s/concord/themes", s->dir);
	assert_int_equal(mkdir(s->themes, 0700), 0);
}

static void
scratch_remove(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*p;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			scratch_remove(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

static void
test_load(void **state)
{
	struct scratch		 s;
	struct tui_theme	 t;
	char			*p, *cause = NULL, *old_xdg, *old_home, *big;

	(void)state;
	old_xdg = getenv("XDG_CONFIG_HOME") != NULL ?
	    xstrdup(getenv("XDG_CONFIG_HOME")) : NULL;
	old_home = getenv("HOME") != NULL ? xstrdup(getenv("HOME")) : NULL;
	scratch_make(&s);
	setenv("XDG_CONFIG_HOME", s.dir, 1);

	/* By name, without a name line: named after the file. */
	p = xasprintf("%s/mine.theme", s.themes);
	write_file(p, "# mine\nsync.stale = 196/red on default reverse\n");
	free(p);
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "mine", &cause), 0);
	assert_string_equal(t.name, "mine");
	assert_int_equal(t.style[TUI_STALE].fg, 196);
	assert_int_equal(t.style[TUI_STALE].attrs, TUI_A_REVERSE);
	assert_int_equal(t.style[TUI_LIVE].fg, 114);	/* from the default */
	tui_theme_clear(&t);
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "mine.theme", &cause), 0);
	assert_string_equal(t.name, "mine");
	tui_theme_clear(&t);

	/* A name line wins over the file name. */
	p = xasprintf("%s/night.theme", s.themes);
	write_file(p, "name = Night shift\nnormal = 252\n");
	free(p);
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "night", &cause), 0);
	assert_string_equal(t.name, "Night shift");
	assert_int_equal(t.style[TUI_NORMAL].fg, 252);
	tui_theme_clear(&t);

	/* By path, relative and absolute. */
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "themes/light.theme", &cause), 0);
	assert_string_equal(t.name, "light");
	tui_theme_clear(&t);
	p = xasprintf("%s/mine.theme", s.themes);
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, p, &cause), 0);
	assert_string_equal(t.name, "mine");
	tui_theme_clear(&t);
	free(p);
	p = xasprintf("%s/x y.theme", s.themes);
	write_file(p, "normal = red\n");
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, p, &cause), 0);
	assert_string_equal(t.name, "custom");
	tui_theme_clear(&t);
	free(p);

	/* Errors name the file and the line; the theme is unchanged. */
	p = xasprintf("%s/bad.theme", s.themes);
	write_file(p, "normal = red\nheader = purpel\n");
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "bad", &cause), -1);
	free(p);
	p = xasprintf("%s/bad.theme:2: unknown colour \"purpel\"", s.themes);
	assert_string_equal(cause, p);
	free(p);
	free(cause);
	cause = NULL;
	assert_int_equal(t.style[TUI_NORMAL].fg, -1);
	assert_string_equal(t.name, "default");
	tui_theme_clear(&t);

	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "no-such-theme", &cause), -1);
	assert_non_null(strstr(cause, "theme \"no-such-theme\" not found in "));
	assert_non_null(strstr(cause, s.themes));
	assert_non_null(strstr(cause, "/usr/share/concord/themes"));
	free(cause);
	cause = NULL;
	assert_int_equal(tui_theme_load(&t, "themes/nope.theme", &cause), -1);
	assert_string_equal(cause, "themes/nope.theme: No such file or "
	    "directory");
	free(cause);
	cause = NULL;
	assert_int_equal(tui_theme_load(&t, "themes/", &cause), -1);
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
	cause = NULL;
	assert_int_equal(tui_theme_load(&t, "", &cause), -1);
	assert_non_null(strstr(cause, "empty theme name"));
	free(cause);
	cause = NULL;
	assert_int_equal(tui_theme_load(&t, ".hidden", &cause), -1);
	assert_non_null(strstr(cause, "bad theme name"));
	free(cause);
	cause = NULL;
	assert_int_equal(tui_theme_load(&t, "a\x1b[2Jb", &cause), -1);
	assert_non_null(strstr(cause, "bad theme name"));
	free(cause);
	cause = NULL;
	assert_int_equal(tui_theme_load(&t, "nope", NULL), -1);

	/* Files over 64 KiB are refused before reading. */
	p = xasprintf("%s/huge.theme", s.themes);
	big = xmalloc(70000);
	memset(big, '#', 69999);
	big[69999] = '\0';
	write_file(p, big);
	free(big);
	assert_int_equal(tui_theme_load(&t, "huge", &cause), -1);
	assert_non_null(strstr(cause, "huge.theme: larger than 65536 bytes"));
	free(cause);
	cause = NULL;
	free(p);
	assert_string_equal(t.name, "default");
	tui_theme_clear(&t);

	/* Without $XDG_CONFIG_HOME, ~/.config is searched. */
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", s.dir, 1);
	p = xasprintf("%s/.config", s.dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/.config/concord", s.dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/.config/concord/themes", s.dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/.config/concord/themes/home.theme", s.dir);
	write_file(p, "error = bright-red bold\n");
	free(p);
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "home", &cause), 0);
	assert_string_equal(t.name, "home");
	assert_int_equal(t.style[TUI_ERROR].fg, 9);
	tui_theme_clear(&t);
	/* A relative $XDG_CONFIG_HOME is ignored, as the spec says. */
	setenv("XDG_CONFIG_HOME", "relative", 1);
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "home", &cause), 0);
	tui_theme_clear(&t);
	/* And $XDG_CONFIG_HOME, when set, is searched instead. */
	setenv("XDG_CONFIG_HOME", s.dir, 1);
	tui_theme_default(&t);
	assert_int_equal(tui_theme_load(&t, "home", &cause), -1);
	free(cause);
	tui_theme_clear(&t);

	scratch_remove(s.dir);
	if (old_xdg != NULL)
		setenv("XDG_CONFIG_HOME", old_xdg, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	if (old_home != NULL)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_xdg);
	free(old_home);
}

/* tui_view_held into a buffer of width columns; returns the text. */
static const char *
held(int width, const char *holder, int mine, int live, int utf8,
    int64_t left)
{
	static char	buf[128];
	struct tui_held	h;
	int		n;

	memset(&h, 0, sizeof h);
	h.holder = holder;
	h.user = "alice";
	h.mine = mine;
	h.live = live;
	h.utf8 = utf8;
	h.fence = 13;
	h.left = left;
	n = tui_view_held(buf, sizeof buf, width, &h);
	assert_true(n >= 0);
	return buf;
}

static void
test_view_held(void **state)
{
	(void)state;
	/* Someone else's: the fence gives way to the countdown. */
	assert_string_equal(held(40, "bob", 0, 1, 1, 23), "HELD bob f13 23s");
	assert_string_equal(held(16, "bob", 0, 1, 1, 23), "HELD bob f13 23s");
	assert_string_equal(held(15, "bob", 0, 1, 1, 23), "HELD bob 23s");
	assert_string_equal(held(5, "bob", 0, 1, 1, 23), "HELD bob 23s");
	/* "mine" means nothing for another user's claim. */
	assert_string_equal(held(40, "bob", 1, 1, 1, 23), "HELD bob f13 23s");

	/* The user's own, from this console, live: renewed here. */
	assert_string_equal(held(40, "alice", 1, 1, 1, 23),
	    "HELD you f13 23s renewed here");
	assert_string_equal(held(25, "alice", 1, 1, 1, 23),
	    "HELD you 23s renewed here");
	/* The hint wins over the fence: the mark, then nothing. */
	assert_string_equal(held(24, "alice", 1, 1, 1, 23),
	    "HELD you f13 23s \xe2\x86\xbb");
	assert_string_equal(held(14, "alice", 1, 1, 1, 23),
	    "HELD you 23s \xe2\x86\xbb");
	assert_string_equal(held(14, "alice", 1, 1, 0, 23), "HELD you 23s +");
	assert_string_equal(held(13, "alice", 1, 1, 1, 23), "HELD you 23s");
	assert_string_equal(held(8, "alice", 1, 1, 1, 23), "HELD you 23s");
	assert_int_equal(tui_view_held((char [64]){ 0 }, 64, 14,
	    &(struct tui_held){ "alice", "alice", 1, 1, 1, 13, 23 }), 14);

	/* From this console but not live: renewals wait for the hub. */
	assert_string_equal(held(40, "alice", 1, 0, 1, 23),
	    "HELD you f13 23s renewal paused");
	assert_string_equal(held(20, "alice", 1, 0, 1, 23),
	    "HELD you 23s paused");

	/* The same user's claim from another process: not renewed here. */
	assert_string_equal(held(40, "alice", 0, 1, 1, 23),
	    "HELD you f13 23s not renewed here");
	assert_string_equal(held(29, "alice", 0, 1, 1, 23),
	    "HELD you 23s not renewed here");
	assert_string_equal(held(28, "alice", 0, 1, 1, 23),
	    "HELD you f13 23s not here");
	assert_string_equal(held(21, "alice", 0, 1, 1, 23),
	    "HELD you 23s not here");
	assert_string_equal(held(15, "alice", 0, 1, 1, 118),
	    "HELD you 118s !");
	assert_string_equal(held(14, "alice", 0, 1, 1, 118), "HELD you 118s");
	/* Not live changes nothing for it: it was never renewed here. */
	assert_string_equal(held(40, "alice", 0, 0, 1, 23),
	    "HELD you f13 23s not renewed here");
	/* A long countdown is never cut. */
	assert_string_equal(held(1, "alice", 0, 1, 1, 86400),
	    "HELD you 86400s");
}

static void
test_view_written(void **state)
{
	char	buf[64];
	char	*old = getenv("TZ") != NULL ? xstrdup(getenv("TZ")) : NULL;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* 2026-11-30 14:02:31 UTC written, delivered 14:20 the same day. */
	tui_view_written(buf, sizeof buf, 1796047351000LL, 1796048400000LL);
	assert_string_equal(buf, "written 14:02");
	/* Delivered after midnight: the day is named. */
	tui_view_written(buf, sizeof buf, 1796047351000LL, 1796090400000LL);
	assert_string_equal(buf, "written Nov 30 14:02");
	/* Another time zone moves both. */
	setenv("TZ", "EST5", 1);	/* POSIX form: no tzdata needed */
	tzset();
	tui_view_written(buf, sizeof buf, 1796047351000LL, 1796048400000LL);
	assert_string_equal(buf, "written 09:02");
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

static void
test_view_hub(void **state)
{
	char	buf[64];

	(void)state;
	tui_view_hub(buf, sizeof buf, "unix:/run/user/1/concord/hub.sock", 1,
	    24);
	assert_string_equal(buf, "private");
	tui_view_hub(buf, sizeof buf, "unix:/var/run/team.sock", 0, 24);
	assert_string_equal(buf, "unix:team.sock");
	tui_view_hub(buf, sizeof buf, "unix:/var/run/team.sock", 0, 10);
	assert_string_equal(buf, "team.sock");
	tui_view_hub(buf, sizeof buf, "ws://hub.example:7420", 0, 24);
	assert_string_equal(buf, "hub.example:7420");
	tui_view_hub(buf, sizeof buf, "ws://hub.example:7420/x", 0, 24);
	assert_string_equal(buf, "hub.example:7420");
}

/* Fold a command into st as actor, checking nothing. */
static void
fold(struct core_state *st, const char *actor, struct core_event *e)
{
	struct core_ctx	ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.actor = actor;
	ctx.now = ctx.wall = 1000 + st->seq;
	e->seq = st->seq + 1;
	e->time = ctx.wall;
	e->actor = xstrdup(actor);
	core_state_apply(st, e, &ctx);
	core_event_clear(e);
}

static void
declare(struct core_state *st, const char *name, const char *after,
    const char *conflicts)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_DECLARE;
	e.name = xstrdup(name);
	if (after != NULL)
		core_list_add(&e.after, &e.nafter, after);
	if (conflicts != NULL)
		core_list_add(&e.conflicts, &e.nconflicts, conflicts);
	fold(st, "alice", &e);
}

static void
claim(struct core_state *st, const char *who, const char *name)
{
	struct core_event	e;

	core_event_init(&e);
	e.type = CORE_CLAIM;
	e.name = xstrdup(name);
	e.ttl = 30000;
	fold(st, who, &e);
}

static void
test_view_order(void **state)
{
	struct core_state	st;
	struct core_event	e;
	size_t			order[8], n, i;
	const char		*want[] = { "held-b", "held-f", "clash",
				    "waits", "free-a", "free-c", "finished" };

	(void)state;
	core_state_init(&st, "INC-1");
	core_event_init(&e);
	e.type = CORE_OPEN;
	e.text = xstrdup("db");
	e.sev = 1;
	fold(&st, "alice", &e);
	declare(&st, "free-a", NULL, NULL);
	declare(&st, "held-b", NULL, NULL);
	declare(&st, "free-c", NULL, NULL);
	declare(&st, "finished", NULL, NULL);
	declare(&st, "waits", "free-a", NULL);
	declare(&st, "held-f", NULL, NULL);
	declare(&st, "clash", NULL, "held-f");
	claim(&st, "bob", "held-b");
	claim(&st, "carol", "held-f");
	claim(&st, "bob", "finished");
	core_event_init(&e);
	e.type = CORE_DONE;
	e.name = xstrdup("finished");
	e.outcome = xstrdup("success");
	e.fence = st.seq;
	fold(&st, "bob", &e);

	n = tui_view_order(&st, order);
	assert_int_equal(n, 7);
	for (i = 0; i < n; i++)
		assert_string_equal(st.actions[order[i]].name, want[i]);
	core_state_clear(&st);
}

/* The wrapped lines of text at width, joined with "|". */
static char *
wrap(const char *text, int width)
{
	char		**l;
	struct buf	  b;
	size_t		  n, i;

	l = tui_view_wrap(text, width, &n);
	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	for (i = 0; i < n; i++)
		util_buf_printf(&b, "%s%s", i > 0 ? "|" : "", l[i]);
	core_list_free(l, n);
	return util_buf_steal(&b);
}

#define WRAP(text, width, want) do {					\
	char	*got_ = wrap(text, width);				\
	assert_string_equal(got_, want);				\
	free(got_);							\
} while (0)

static void
test_view_wrap(void **state)
{
	(void)state;
	WRAP("", 10, "");
	WRAP("short", 10, "short");
	WRAP("the quick brown fox jumps", 10, "the quick|brown fox|jumps");
	WRAP("exactly ten", 11, "exactly ten");
	WRAP("abcdefghijklmnop", 5, "abcde|fghij|klmno|p");
	WRAP("one\ntwo three", 5, "one|two|three");
	/* Wide characters count two columns and are never split. */
	WRAP("日本語テキスト", 5, "日本|語テ|キス|ト");
	WRAP("a 日本 b", 4, "a|日本|b");
}

/* A literal where the struct wants a char * it will not change. */
#define S(x)	((char *)(x))

static void
test_view_detail(void **state)
{
	struct client_tl	 tl[4];
	struct core_state	 st;
	struct core_event	 e;
	char			**l, *all;
	size_t			 n, i;
	struct buf		 b;

	(void)state;
	memset(tl, 0, sizeof tl);
	core_state_init(&st, "INC-1");
	tl[0] = (struct client_tl){ .seq = 1, .time = 1796047351000LL,
	    .type = CORE_OPEN, .actor = S("alice"), .roles = S(""),
	    .text = S("opened \"db\" SEV1") };
	tl[1] = (struct client_tl){ .seq = 2, .time = 1796047352000LL,
	    .type = CORE_NOTE, .actor = S("bob"), .roles = S("ops,comms"),
	    .op = S("0123abcd"), .text = S("cache hit rate looks low"),
	    .amended_by = 3, .current = S("cache hit rate is normal"),
	    .written = 1796047300000LL };
	tl[2] = (struct client_tl){ .seq = 3, .time = 1796047353000LL,
	    .type = CORE_AMEND, .actor = S("bob"), .roles = S("ops"), .ref = 2,
	    .text = S("amended #2: cache hit rate is normal") };
	tl[3] = (struct client_tl){ .seq = 4, .time = 1796047354000LL,
	    .type = CORE_MARK, .actor = S("alice"), .roles = S("ic"), .ref = 2,
	    .text = S("marked #2 as diagnosis") };
	core_event_init(&e);
	e.seq = 4;
	e.type = CORE_MARK;
	e.actor = xstrdup("alice");
	e.ref = 2;
	core_list_add(&e.seen, &e.nseen, "p99: 840 ms (3 s old)");
	core_state_moment_add(&st, 2, &e, "diagnosis");
	core_event_clear(&e);

	l = tui_view_detail(tl, 4, 1, &st, &n);
	util_buf_init(&b);
	for (i = 0; i < n; i++)
		util_buf_printf(&b, "%s\n", l[i]);
	all = util_buf_steal(&b);
	core_list_free(l, n);
	assert_non_null(strstr(all, "#2  note by bob\n"));
	assert_non_null(strstr(all, "Role:     ops,comms\n"));
	assert_non_null(strstr(all, "Logged:   2026-11-30 14:02:32"));
	assert_non_null(strstr(all, "Written:  2026-11-30 14:01:40"));
	assert_non_null(strstr(all, "Op:       0123abcd\n"));
	assert_non_null(strstr(all, "Now reads (amended at #3):\n"
	    "  cache hit rate is normal\nOriginally:\n"
	    "  cache hit rate looks low\n"));
	assert_non_null(strstr(all, "#3 14:02:33 bob: amended #2"));
	assert_non_null(strstr(all, "Key moment: diagnosis, marked by alice "
	    "at #4"));
	assert_non_null(strstr(all, "  p99: 840 ms (3 s old)\n"));
	free(all);
	/* The mark itself says what it marks and what was seen. */
	l = tui_view_detail(tl, 4, 3, &st, &n);
	util_buf_init(&b);
	for (i = 0; i < n; i++)
		util_buf_printf(&b, "%s\n", l[i]);
	all = util_buf_steal(&b);
	core_list_free(l, n);
	assert_non_null(strstr(all, "Marks #2 as the diagnosis"));
	assert_non_null(strstr(all, "About:    #2"));
	assert_non_null(strstr(all, "p99: 840 ms"));
	assert_null(strstr(all, "Written:"));
	free(all);
	core_state_clear(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elem_names),
		cmocka_unit_test(test_theme_files),
		cmocka_unit_test(test_default_matches_file),
		cmocka_unit_test(test_colours),
		cmocka_unit_test(test_attributes_and_background),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_view_held),
		cmocka_unit_test(test_view_written),
		cmocka_unit_test(test_view_hub),
		cmocka_unit_test(test_view_order),
		cmocka_unit_test(test_view_wrap),
		cmocka_unit_test(test_view_detail),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	setlocale(LC_ALL, "C.UTF-8");	/* for wcwidth */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
