/*
 * libFuzzer target: the console's theme parser (tui_theme_parse, which
 * reads theme files, see concord-theme(5)); it never calls curses, so
 * this links no terminal.
 *
 * For every input, parsed over the built-in default: either it fails with
 * a cause that is one line of text naming the line, and the theme is
 * exactly as it was (parsing is all or nothing), or every style is in its
 * bounds (fg and bg -1..255, fg8 and bg8 -1..7, only TUI_A_* attributes)
 * and the name is 1-64 bytes of text; and the theme written out again
 * (name and every element, each colour with its fallback) parses, over a
 * cleared theme, to the same theme.  A failed check aborts, and ASan
 * (leaks included) and UBSan catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "tui.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ATTRS	(TUI_A_BOLD | TUI_A_DIM | TUI_A_REVERSE | \
			    TUI_A_UNDERLINE | TUI_A_ITALIC)

static void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-tui-theme: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	abort();
}

static int
fuzz_same(const struct tui_theme *a, const struct tui_theme *b)
{
	return memcmp(a->style, b->style, sizeof a->style) == 0 &&
	    a->name != NULL && b->name != NULL && strcmp(a->name, b->name) == 0;
}

static void
fuzz_colour(struct buf *b, int c, int c8)
{
	if (c < 0)
		util_buf_adds(b, "default/");
	else
		util_buf_printf(b, "%d/", c);
	if (c8 < 0)
		util_buf_adds(b, "default");
	else
		util_buf_printf(b, "%d", c8);
}

/* Write a theme out as theme text. */
static void
fuzz_write(const struct tui_theme *t, struct buf *b)
{
	static const struct {
		const char	*word;
		int		 flag;
	} attrs[] = {
		{ "bold", TUI_A_BOLD }, { "dim", TUI_A_DIM },
		{ "reverse", TUI_A_REVERSE }, { "underline", TUI_A_UNDERLINE },
		{ "italic", TUI_A_ITALIC }
	};
	const struct tui_style	*st;
	size_t			 j;
	int			 i;

	util_buf_printf(b, "name = %s\n", t->name);
	for (i = 0; i < TUI_ELEM_COUNT; i++) {
		st = &t->style[i];
		util_buf_printf(b, "%s = ", tui_elem_name(i));
		fuzz_colour(b, st->fg, st->fg8);
		util_buf_adds(b, " on ");
		fuzz_colour(b, st->bg, st->bg8);
		for (j = 0; j < sizeof attrs / sizeof attrs[0]; j++) {
			if (st->attrs & attrs[j].flag)
				util_buf_printf(b, " %s", attrs[j].word);
		}
		util_buf_addc(b, '\n');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_theme	 t, dflt, again;
	const struct tui_style	*st;
	struct buf		 b;
	char			*cause = NULL;
	int			 i;

	tui_theme_default(&t);
	tui_theme_default(&dflt);
	if (tui_theme_parse(&t, (const char *)data, size, &cause) != 0) {
		if (cause == NULL || *cause == '\0' ||
		    strchr(cause, '\n') != NULL ||
		    !core_utf8_valid(cause, strlen(cause)) ||
		    (strncmp(cause, "line ", 5) != 0 &&
		    strncmp(cause, "theme ", 6) != 0))
			fuzz_fail("a cause that is not one line naming the "
			    "line", cause);
		if (!fuzz_same(&t, &dflt))
			fuzz_fail("a failed parse changed the theme", cause);
		free(cause);
		goto out;
	}
	for (i = 0; i < TUI_ELEM_COUNT; i++) {
		st = &t.style[i];
		if (st->fg < -1 || st->fg > 255 || st->bg < -1 ||
		    st->bg > 255 || st->fg8 < -1 || st->fg8 > 7 ||
		    st->bg8 < -1 || st->bg8 > 7 || (st->attrs & ~FUZZ_ATTRS))
			fuzz_fail("a style out of its bounds",
			    tui_elem_name(i));
	}
	if (t.name == NULL || *t.name == '\0' || strlen(t.name) > 64 ||
	    !core_text_valid(t.name, 64) || strpbrk(t.name, "\n#") != NULL)
		fuzz_fail("a name that is not 1-64 bytes of one line", t.name);

	/* Written out and read over a cleared theme: the same theme. */
	util_buf_init(&b);
	fuzz_write(&t, &b);
	memset(&again, 0, sizeof again);
	tui_theme_clear(&again);
	if (tui_theme_parse(&again, b.data, b.len, &cause) != 0)
		fuzz_fail("the theme written out does not parse", cause);
	if (!fuzz_same(&t, &again))
		fuzz_fail("the theme written out parses otherwise", b.data);
	util_buf_clear(&b);
	tui_theme_clear(&again);
out:
	tui_theme_clear(&t);
	tui_theme_clear(&dflt);
	return 0;
}
