/*
 * Themes: how each element of the console (enum tui_elem) is drawn.  A theme
 * is a name and one style per element; a style is a foreground and a
 * background for 256-colour terminals (0-255, or -1 for the terminal's
 * default), the same pair for 8-colour terminals (0-7 or -1) and a set of
 * TUI_A_* attributes.  This file never calls curses: the console maps styles
 * to colour pairs itself, so themes can be parsed and tested alone.
 *
 * The built-in default (a dark theme, identical to themes/default.theme) is
 * a static table indexed by the element, so the console works with no theme
 * files at all.  A theme file is UTF-8 text of at most TUI_THEME_MAX_SIZE
 * bytes and lines of at most TUI_THEME_MAX_LINE bytes:
 *
 *	# comment
 *	name = NAME
 *	ELEMENT = FG [on BG] [ATTR ...]
 *
 * Each ELEMENT line replaces that element's whole style; elements not named
 * keep the style they had before (the caller starts from the default).  A
 * colour is "default", a basic name, "bright-NAME" or 0-255, optionally with
 * an explicit 8-colour fallback after a slash ("208/yellow"); without one the
 * fallback is derived: 0-15 fold onto 0-7, 16-255 go to the nearest basic
 * colour (taken as the corners of the RGB cube) by RGB distance, using the
 * RGB values of the xterm 6x6x6 cube and grey ramp.  See concord-theme(5).
 *
 * Invariants: every element has a name in tui_theme_elems; every style in a
 * theme holds fg and bg in -1..255 and fg8 and bg8 in -1..7; parsing is
 * all-or-nothing (on error the theme is unchanged) and never trusts its
 * input: sizes, bytes, UTF-8 and every word are checked and any problem is a
 * -1 with a cause naming the line, never a crash.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core.h"
#include "tui.h"
#include "util.h"

#define TUI_THEME_MAX_SIZE	65536	/* bytes in a theme file */
#define TUI_THEME_MAX_LINE	512	/* bytes in a line, without newline */
#define TUI_THEME_MAX_NAME	64	/* bytes in a theme name */

#define TUI_THEME_SPACE		" \t"

/* Element keys, indexed by enum tui_elem. */
static const char *const tui_theme_elems[] = {
	[TUI_NORMAL] = "normal",
	[TUI_HEADER] = "header",
	[TUI_LIVE] = "sync.live",
	[TUI_CATCHUP] = "sync.catchup",
	[TUI_STALE] = "sync.stale",
	[TUI_BORDER] = "border",
	[TUI_TITLE] = "title",
	[TUI_TITLE_FOCUS] = "title.focus",
	[TUI_TIME] = "time",
	[TUI_ACTOR] = "actor",
	[TUI_ROLE] = "role",
	[TUI_SEQ] = "seq",
	[TUI_EV_NOTE] = "event.note",
	[TUI_EV_COORD] = "event.coord",
	[TUI_EV_DONE] = "event.done",
	[TUI_EV_ALERT] = "event.alert",
	[TUI_EV_COMMAND] = "event.command",
	[TUI_EV_AMEND] = "event.amend",
	[TUI_EV_PENDING] = "event.pending",
	[TUI_ACTION_FREE] = "action.free",
	[TUI_ACTION_HELD] = "action.held",
	[TUI_ACTION_DONE] = "action.done",
	[TUI_ACTION_BLOCKED] = "action.blocked",
	[TUI_VACANT] = "role.vacant",
	[TUI_INPUT] = "input",
	[TUI_ERROR] = "error",
	[TUI_MATCH] = "match",
	[TUI_HELP] = "help",
	[TUI_SEV1] = "sev1",
	[TUI_SEV2] = "sev2",
};
_Static_assert(sizeof tui_theme_elems / sizeof tui_theme_elems[0] ==
    TUI_ELEM_COUNT, "an element has no theme key");

/*
 * The 8 basic colours by index, and the RGB values used to find the nearest
 * one: the corners of the RGB cube rather than any terminal's palette, so
 * that a grey always falls back to black or white, never to a hue.
 */
static const char *const tui_theme_basic[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};
static const unsigned char tui_theme_basic_rgb[8][3] = {
	{ 0, 0, 0 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
	{ 0, 0, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 }
};
/* The levels of one axis of the xterm 6x6x6 colour cube (16-231). */
static const unsigned char tui_theme_cube[6] = { 0, 95, 135, 175, 215, 255 };

static const struct {
	const char	*name;
	int		 flag;
} tui_theme_attrs[] = {
	{ "bold", TUI_A_BOLD },
	{ "dim", TUI_A_DIM },
	{ "reverse", TUI_A_REVERSE },
	{ "underline", TUI_A_UNDERLINE },
	{ "italic", TUI_A_ITALIC },
};

/* Style initialisers: 256-colour fg and bg, each with its 8-colour one. */
#define TUI_STYLE(fg, fg8, bg, bg8, a)	{ (fg), (bg), (fg8), (bg8), (a) }
#define DFLT	-1			/* the terminal's default colour */
#define BLACK	0
#define RED	1
#define GREEN	2
#define YELLOW	3
#define BLUE	4
#define MAGENTA	5
#define CYAN	6
#define WHITE	7
#define BOLD	TUI_A_BOLD
#define DIM	TUI_A_DIM
#define ULINE	TUI_A_UNDERLINE
#define ITALIC	TUI_A_ITALIC

/* The built-in dark theme; themes/default.theme says the same. */
static const struct tui_style tui_theme_dark[TUI_ELEM_COUNT] = {
	[TUI_NORMAL] =		TUI_STYLE(DFLT, DFLT, DFLT, DFLT, 0),
	[TUI_HEADER] =		TUI_STYLE(252, WHITE, 236, BLACK, 0),
	[TUI_LIVE] =		TUI_STYLE(114, GREEN, 236, BLACK, BOLD),
	[TUI_CATCHUP] =		TUI_STYLE(16, BLACK, 220, YELLOW, BOLD),
	[TUI_STALE] =		TUI_STYLE(231, WHITE, 196, RED, BOLD),
	[TUI_BORDER] =		TUI_STYLE(240, BLUE, DFLT, DFLT, 0),
	[TUI_TITLE] =		TUI_STYLE(250, WHITE, DFLT, DFLT, BOLD),
	[TUI_TITLE_FOCUS] =	TUI_STYLE(81, CYAN, DFLT, DFLT, BOLD|ULINE),
	[TUI_TIME] =		TUI_STYLE(245, WHITE, DFLT, DFLT, 0),
	[TUI_ACTOR] =		TUI_STYLE(153, CYAN, DFLT, DFLT, 0),
	[TUI_ROLE] =		TUI_STYLE(180, YELLOW, DFLT, DFLT, 0),
	[TUI_SEQ] =		TUI_STYLE(244, WHITE, DFLT, DFLT, 0),
	[TUI_EV_NOTE] =		TUI_STYLE(DFLT, DFLT, DFLT, DFLT, 0),
	[TUI_EV_COORD] =	TUI_STYLE(110, CYAN, DFLT, DFLT, 0),
	[TUI_EV_DONE] =		TUI_STYLE(114, GREEN, DFLT, DFLT, 0),
	[TUI_EV_ALERT] =	TUI_STYLE(203, RED, DFLT, DFLT, BOLD),
	[TUI_EV_COMMAND] =	TUI_STYLE(179, YELLOW, DFLT, DFLT, BOLD),
	[TUI_EV_AMEND] =	TUI_STYLE(176, MAGENTA, DFLT, DFLT, ITALIC),
	[TUI_EV_PENDING] =	TUI_STYLE(DFLT, DFLT, DFLT, DFLT, DIM|ITALIC),
	[TUI_ACTION_FREE] =	TUI_STYLE(252, WHITE, DFLT, DFLT, 0),
	[TUI_ACTION_HELD] =	TUI_STYLE(214, YELLOW, DFLT, DFLT, BOLD),
	[TUI_ACTION_DONE] =	TUI_STYLE(108, GREEN, DFLT, DFLT, 0),
	[TUI_ACTION_BLOCKED] =	TUI_STYLE(245, WHITE, DFLT, DFLT, ITALIC),
	[TUI_VACANT] =		TUI_STYLE(209, RED, DFLT, DFLT, ITALIC),
	[TUI_INPUT] =		TUI_STYLE(DFLT, DFLT, DFLT, DFLT, 0),
	[TUI_ERROR] =		TUI_STYLE(203, RED, DFLT, DFLT, BOLD),
	[TUI_MATCH] =		TUI_STYLE(16, BLACK, 221, YELLOW, 0),
	[TUI_HELP] =		TUI_STYLE(253, WHITE, 237, BLUE, 0),
	[TUI_SEV1] =		TUI_STYLE(231, WHITE, 160, RED, BOLD),
	[TUI_SEV2] =		TUI_STYLE(16, BLACK, 214, YELLOW, BOLD),
};

#undef TUI_STYLE
#undef DFLT
#undef BLACK
#undef RED
#undef GREEN
#undef YELLOW
#undef BLUE
#undef MAGENTA
#undef CYAN
#undef WHITE
#undef BOLD
#undef DIM
#undef ULINE
#undef ITALIC

/* Return the theme key of an element ("event.note"), or NULL. */
const char *
tui_elem_name(enum tui_elem e)
{
	if ((int)e < 0 || e >= TUI_ELEM_COUNT)
		return NULL;
	return tui_theme_elems[e];
}

/* Initialise a theme to the built-in dark default; free it with clear. */
void
tui_theme_default(struct tui_theme *t)
{
	t->name = xstrdup("default");
	memcpy(t->style, tui_theme_dark, sizeof t->style);
}

/* Free a theme's name and reset every style to the terminal's default. */
void
tui_theme_clear(struct tui_theme *t)
{
	int	i;

	free(t->name);
	t->name = NULL;
	for (i = 0; i < TUI_ELEM_COUNT; i++) {
		t->style[i].fg = t->style[i].bg = -1;
		t->style[i].fg8 = t->style[i].bg8 = -1;
		t->style[i].attrs = 0;
	}
}

/*
 * Check that n bytes are well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF) without control characters other than tab.
 */
static const char *
tui_theme_check_bytes(const unsigned char *s, size_t n)
{
	size_t	i;

	if (memchr(s, '\0', n) != NULL)
		return "NUL byte";
	if (!core_utf8_valid((const char *)s, n))
		return "invalid UTF-8";
	for (i = 0; i < n; i++) {
		/* C0 and DEL, and C1 (U+0080-U+009F: 0xc2 0x80-0x9f). */
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f ||
		    (s[i] == 0xc2 && i + 1 < n && s[i + 1] < 0xa0))
			return "control character";
	}
	return NULL;
}

/* Derive the 8-colour fallback of a colour: nearest basic colour by RGB. */
static int
tui_theme_colour_to8(int c)
{
	int	rgb[3], i, k, d, best = 0, bestd = INT_MAX;

	if (c < 0)
		return -1;
	if (c < 16)
		return c & 7;
	if (c < 232) {
		c -= 16;
		rgb[0] = tui_theme_cube[c / 36];
		rgb[1] = tui_theme_cube[(c / 6) % 6];
		rgb[2] = tui_theme_cube[c % 6];
	} else
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
	for (i = 0; i < 8; i++) {
		d = 0;
		for (k = 0; k < 3; k++) {
			d += (rgb[k] - tui_theme_basic_rgb[i][k]) *
			    (rgb[k] - tui_theme_basic_rgb[i][k]);
		}
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

/* Parse one colour word without a fallback: -1, 0-255; or set *why. */
static int
tui_theme_colour_value(const char *s, int *c, char **why)
{
	size_t	n;
	int	i, v;

	if (strcasecmp(s, "default") == 0) {
		*c = -1;
		return 0;
	}
	for (i = 0; i < 8; i++) {
		if (strcasecmp(s, tui_theme_basic[i]) == 0) {
			*c = i;
			return 0;
		}
		if (strncasecmp(s, "bright-", 7) == 0 &&
		    strcasecmp(s + 7, tui_theme_basic[i]) == 0) {
			*c = 8 + i;
			return 0;
		}
	}
	n = strspn(s, "0123456789");
	if (n == 0 || s[n] != '\0') {
		*why = xasprintf("unknown colour \"%s\"", s);
		return -1;
	}
	if (n > 3 || (v = atoi(s)) > 255) {
		*why = xasprintf("colour %s is out of range (0-255)", s);
		return -1;
	}
	*c = v;
	return 0;
}

/* Parse a colour word with an optional "/FALLBACK"; or set *why. */
static int
tui_theme_colour_parse(char *s, int *c, int *c8, char **why)
{
	char	*slash;
	int	 v;

	if ((slash = strchr(s, '/')) != NULL)
		*slash++ = '\0';
	if (*s == '\0') {
		*why = xstrdup("missing colour before \"/\"");
		return -1;
	}
	if (tui_theme_colour_value(s, c, why) != 0)
		return -1;
	if (slash == NULL) {
		*c8 = tui_theme_colour_to8(*c);
		return 0;
	}
	if (*slash == '\0') {
		*why = xasprintf("missing fallback after \"%s/\"", s);
		return -1;
	}
	if (strchr(slash, '/') != NULL) {
		*why = xasprintf("more than one fallback after \"%s\"", s);
		return -1;
	}
	if (tui_theme_colour_value(slash, &v, why) != 0)
		return -1;
	if (v > 7) {
		*why = xasprintf("fallback \"%s\" is not default or one of the "
		    "8 basic colours", slash);
		return -1;
	}
	*c8 = v;
	return 0;
}

/* Look up an attribute word; returns its TUI_A_* flag or 0. */
static int
tui_theme_attr_find(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof tui_theme_attrs / sizeof tui_theme_attrs[0];
	    i++) {
		if (strcasecmp(s, tui_theme_attrs[i].name) == 0)
			return tui_theme_attrs[i].flag;
	}
	return 0;
}

/* Parse "FG [on BG] [ATTR ...]" into a style; or set *why. */
static int
tui_theme_style_parse(char *value, struct tui_style *st, char **why)
{
	struct tui_style	 new;
	char			*word, *last, *copy;
	int			 flag, c, c8, seen_attr = 0, seen_bg = 0;

	word = strtok_r(value, TUI_THEME_SPACE, &last);
	if (word == NULL) {
		*why = xstrdup("missing colour after \"=\"");
		return -1;
	}
	if (tui_theme_attr_find(word) != 0) {
		*why = xasprintf("expected a colour before \"%s\" (as in "
		    "\"default %s\")", word, word);
		return -1;
	}
	if (tui_theme_colour_parse(word, &new.fg, &new.fg8, why) != 0)
		return -1;
	new.bg = new.bg8 = -1;
	new.attrs = 0;

	while ((word = strtok_r(NULL, TUI_THEME_SPACE, &last)) != NULL) {
		if (strcasecmp(word, "on") == 0) {
			if (seen_attr || seen_bg) {
				*why = xstrdup("\"on\" must come straight "
				    "after the foreground colour");
				return -1;
			}
			word = strtok_r(NULL, TUI_THEME_SPACE, &last);
			if (word == NULL) {
				*why = xstrdup("missing colour after \"on\"");
				return -1;
			}
			if (tui_theme_colour_parse(word, &new.bg, &new.bg8,
			    why) != 0)
				return -1;
			seen_bg = 1;
			continue;
		}
		if ((flag = tui_theme_attr_find(word)) != 0) {
			new.attrs |= flag;
			seen_attr = 1;
			continue;
		}
		copy = xstrdup(word);
		if (tui_theme_colour_parse(copy, &c, &c8, why) == 0) {
			*why = xasprintf("unexpected colour \"%s\" (use \"on "
			    "COLOUR\" for a background)", word);
		} else {
			free(*why);
			*why = xasprintf("unknown attribute \"%s\"", word);
		}
		free(copy);
		return -1;
	}
	*st = new;
	return 0;
}

/* Find an element by its key; returns the element or -1. */
static int
tui_theme_elem_find(const char *key)
{
	int	i;

	for (i = 0; i < TUI_ELEM_COUNT; i++) {
		if (strcasecmp(key, tui_theme_elems[i]) == 0)
			return i;
	}
	return -1;
}

/* Trim spaces and tabs from both ends of a string, in place. */
static char *
tui_theme_trim(char *s)
{
	size_t	n;

	s += strspn(s, TUI_THEME_SPACE);
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Parse one line (NUL-terminated, checked) into styles and name; or *why. */
static int
tui_theme_line_parse(char *line, struct tui_style *style, char **name,
    char **why)
{
	char	*hash, *eq, *key, *value;
	int	 e;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	line = tui_theme_trim(line);
	if (*line == '\0')
		return 0;

	if ((eq = strchr(line, '=')) == NULL) {
		*why = xasprintf("missing \"=\" in \"%s\" (expected "
		    "\"ELEMENT = STYLE\")", line);
		return -1;
	}
	*eq = '\0';
	key = tui_theme_trim(line);
	value = tui_theme_trim(eq + 1);
	if (*key == '\0') {
		*why = xstrdup("missing element before \"=\"");
		return -1;
	}

	if (strcasecmp(key, "name") == 0) {
		if (*value == '\0') {
			*why = xstrdup("empty theme name");
			return -1;
		}
		if (strlen(value) > TUI_THEME_MAX_NAME) {
			*why = xasprintf("theme name longer than %d bytes",
			    TUI_THEME_MAX_NAME);
			return -1;
		}
		free(*name);
		*name = xstrdup(value);
		return 0;
	}

	if ((e = tui_theme_elem_find(key)) == -1) {
		*why = xasprintf("unknown element \"%s\"", key);
		return -1;
	}
	return tui_theme_style_parse(value, &style[e], why);
}

/*
 * Parse theme text over a theme, all or nothing.  Errors are prefixed with
 * "where:LINE:" if where is given, else "line LINE:".  *named says whether a
 * name line was seen.
 */
static int
tui_theme_parse_text(struct tui_theme *t, const char *text, size_t len,
    const char *where, int *named, char **cause)
{
	struct tui_style	 style[TUI_ELEM_COUNT];
	char			 line[TUI_THEME_MAX_LINE + 1];
	char			*name = NULL, *why = NULL;
	const char		*eol, *bad;
	size_t			 off = 0, n, next;
	unsigned int		 lineno = 0;

	if (named != NULL)
		*named = 0;
	if (len > TUI_THEME_MAX_SIZE) {
		why = xasprintf("larger than %d bytes", TUI_THEME_MAX_SIZE);
		goto fail;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		off = 3;	/* a UTF-8 byte order mark */

	memcpy(style, t->style, sizeof style);
	while (off < len) {
		lineno++;
		eol = memchr(text + off, '\n', len - off);
		if (eol != NULL) {
			n = eol - (text + off);
			next = off + n + 1;
		} else {
			n = len - off;
			next = len;
		}
		if (n > 0 && text[off + n - 1] == '\r')
			n--;
		if (n > TUI_THEME_MAX_LINE) {
			why = xasprintf("line longer than %d bytes",
			    TUI_THEME_MAX_LINE);
			goto fail;
		}
		bad = tui_theme_check_bytes((const unsigned char *)text + off,
		    n);
		if (bad != NULL) {
			why = xstrdup(bad);
			goto fail;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		if (tui_theme_line_parse(line, style, &name, &why) != 0)
			goto fail;
		off = next;
	}

	memcpy(t->style, style, sizeof t->style);
	if (name != NULL) {
		free(t->name);
		t->name = name;
		if (named != NULL)
			*named = 1;
	}
	return 0;

fail:
	if (cause != NULL) {
		if (lineno == 0 && where != NULL)
			*cause = xasprintf("%s: %s", where, why);
		else if (lineno == 0)
			*cause = xasprintf("theme %s", why);
		else if (where != NULL)
			*cause = xasprintf("%s:%u: %s", where, lineno, why);
		else
			*cause = xasprintf("line %u: %s", lineno, why);
	}
	free(why);
	free(name);
	return -1;
}

/* Parse theme text over a theme's current styles; 0, or -1 with *cause. */
int
tui_theme_parse(struct tui_theme *t, const char *text, size_t len,
    char **cause)
{
	return tui_theme_parse_text(t, text, len, NULL, NULL, cause);
}

/* Is this a safe theme name: [A-Za-z0-9._-], not starting with '.'? */
static int
tui_theme_name_valid(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > TUI_THEME_MAX_NAME || *s == '.')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/*
 * Read and parse an open theme file, which is closed.  A theme without a
 * name line is named defname.
 */
static int
tui_theme_load_fd(struct tui_theme *t, int fd, const char *path,
    const char *defname, char **cause)
{
	char		*data;
	size_t		 len;
	int		 named, rc;

	data = util_fd_read(fd, path, TUI_THEME_MAX_SIZE, &len, cause);
	close(fd);
	if (data == NULL)
		return -1;
	rc = tui_theme_parse_text(t, data, len, path, &named, cause);
	free(data);
	if (rc == 0 && !named) {
		free(t->name);
		t->name = xstrdup(defname);
	}
	return rc;
}

/* Open a theme file; returns the fd or -1 with errno set. */
static int
tui_theme_open(const char *path)
{
	return open(path, O_RDONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK);
}

/* Load a theme from a path (containing a '/'). */
static int
tui_theme_load_path(struct tui_theme *t, const char *path, char **cause)
{
	const char	*base;
	char		*name;
	size_t		 n;
	int		 fd, rc;

	if ((fd = tui_theme_open(path)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}

	/* Name it after the file if the file does not name itself. */
	base = strrchr(path, '/') + 1;
	n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".theme") == 0)
		n -= 6;
	name = xstrndup(base, n);
	if (!tui_theme_name_valid(name)) {
		free(name);
		name = xstrdup("custom");
	}
	rc = tui_theme_load_fd(t, fd, path, name, cause);
	free(name);
	return rc;
}

/* The directories searched for a theme by name, in order; caller frees. */
static char **
tui_theme_dirs(size_t *count)
{
	char		**dirs;
	const char	 *env;
	char		  exe[PATH_MAX], *slash;
	ssize_t		  r;
	size_t		  n = 0;

	dirs = xcalloc(4, sizeof *dirs);
	env = getenv("XDG_CONFIG_HOME");
	if (env != NULL && *env == '/')
		dirs[n++] = xasprintf("%s/concord/themes", env);
	else if ((env = getenv("HOME")) != NULL && *env == '/')
		dirs[n++] = xasprintf("%s/.config/concord/themes", env);

	r = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (r > 0) {
		exe[r] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			dirs[n++] = xasprintf("%s/../themes", exe);
		}
	}

	dirs[n++] = xstrdup("/usr/local/share/concord/themes");
	dirs[n++] = xstrdup("/usr/share/concord/themes");
	*count = n;
	return dirs;
}

/* Load a theme by name from the search path, or by path. */
static int
tui_theme_load_name(struct tui_theme *t, const char *name, char **cause)
{
	struct buf	  searched;
	char		**dirs, *file, *path, *base;
	size_t		  ndirs, i, n;
	int		  fd, rc = -1;

	if (name == NULL || *name == '\0') {
		*cause = xstrdup("empty theme name");
		return -1;
	}
	if (strchr(name, '/') != NULL)
		return tui_theme_load_path(t, name, cause);
	if (!tui_theme_name_valid(name)) {
		*cause = xstrdup("bad theme name (use letters, digits, '.', "
		    "'-' and '_', or a path containing '/')");
		return -1;
	}

	/* "light" and "light.theme" are the same theme. */
	n = strlen(name);
	if (n > 6 && strcmp(name + n - 6, ".theme") == 0) {
		base = xstrndup(name, n - 6);
		file = xstrdup(name);
	} else {
		base = xstrdup(name);
		file = xasprintf("%s.theme", name);
	}

	util_buf_init(&searched);
	dirs = tui_theme_dirs(&ndirs);
	for (i = 0; i < ndirs; i++) {
		path = xasprintf("%s/%s", dirs[i], file);
		if ((fd = tui_theme_open(path)) != -1) {
			rc = tui_theme_load_fd(t, fd, path, base, cause);
			free(path);
			break;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			free(path);
			break;
		}
		free(path);
		util_buf_printf(&searched, "%s%s", i == 0 ? "" : ", ",
		    dirs[i]);
	}
	if (i == ndirs) {
		*cause = xasprintf("theme \"%s\" not found in %s", base,
		    searched.data != NULL ? searched.data : "(nowhere)");
	}

	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	util_buf_clear(&searched);
	free(file);
	free(base);
	return rc;
}

/* Load a theme by name from the search path or by path; 0 or -1, *cause. */
int
tui_theme_load(struct tui_theme *t, const char *name, char **cause)
{
	char	*dummy = NULL;
	int	 rc;

	if (cause == NULL)
		cause = &dummy;
	rc = tui_theme_load_name(t, name, cause);
	free(dummy);
	return rc;
}
