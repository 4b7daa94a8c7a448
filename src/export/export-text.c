/*
 * Text made safe for a terminal.  Every string an event carries is shown
 * to people through here (the console, concord log and show, the Markdown
 * export): nothing in it may reach a terminal as a control.  A control
 * character (C0 but tab and line feed, DEL, C1) and a byte that is not
 * UTF-8 become visible escapes ("\e", "\a", "\r", "\x01", "\u009b"), so an
 * escape sequence reads as text ("\e]0;title\a") and never acts.  Bidi
 * overrides and isolates and other invisible formatting characters (which
 * reorder or hide what follows them) become "\u202e" and the like.  For a
 * terminal that cannot show UTF-8, every other non-ASCII character becomes
 * one "?", a whole character, never one per byte.
 *
 * The same escapes neutralise text before it is sent: the protocol takes
 * no control characters in text (concord-protocol(7)), so a note carrying
 * one is sent with it written out instead of being refused.  Pure: the
 * result is a new string, the input is only read.
 */
#include <stdio.h>
#include <string.h>

#include "export.h"

/* Does cp reorder or hide text (bidi controls, invisible formatting)? */
static int
export_text_invisible(unsigned int cp)
{
	return cp == 0x061c || cp == 0x180e || cp == 0x200b ||
	    cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2064) ||
	    (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* The escape of a C0 control or DEL, into out (8 bytes). */
static void
export_text_control(unsigned int cp, char *out, size_t len)
{
	static const struct {
		unsigned int	 cp;
		const char	*s;
	} named[] = {
		{ 0x07, "\\a" }, { 0x08, "\\b" }, { 0x09, "\\t" },
		{ 0x0a, "\\n" }, { 0x0b, "\\v" }, { 0x0c, "\\f" },
		{ 0x0d, "\\r" }, { 0x1b, "\\e" },
	};
	size_t	i;

	for (i = 0; i < sizeof named / sizeof named[0]; i++) {
		if (named[i].cp == cp) {
			snprintf(out, len, "%s", named[i].s);
			return;
		}
	}
	snprintf(out, len, "\\x%02x", cp);
}

char *
export_text(const char *s, int flags)
{
	struct buf	b;
	char		esc[16];
	size_t		i = 0, at, n;
	unsigned int	cp;
	int		bad;

	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	if (s == NULL)
		return util_buf_steal(&b);
	n = strlen(s);
	while (i < n) {
		at = i;
		bad = core_utf8_next(s, n, &i, &cp) != 0;
		if (bad) {
			if (flags & EXPORT_TEXT_CONTROLS) {
				snprintf(esc, sizeof esc, "\\x%02x", cp);
				util_buf_adds(&b, esc);
			} else
				util_buf_addc(&b, '?');
			continue;
		}
		if ((cp == '\t' || cp == '\n') && (flags & EXPORT_TEXT_LINE)) {
			util_buf_addc(&b, ' ');
			continue;
		}
		if ((flags & EXPORT_TEXT_CONTROLS) && cp != '\t' &&
		    cp != '\n' && (cp < 0x20 || cp == 0x7f)) {
			export_text_control(cp, esc, sizeof esc);
			util_buf_adds(&b, esc);
			continue;
		}
		if (((flags & EXPORT_TEXT_CONTROLS) && cp >= 0x80 &&
		    cp < 0xa0) || ((flags & EXPORT_TEXT_INVISIBLE) &&
		    export_text_invisible(cp))) {
			snprintf(esc, sizeof esc, "\\u%04x", cp);
			util_buf_adds(&b, esc);
			continue;
		}
		if (cp >= 0x80 && (flags & EXPORT_TEXT_ASCII)) {
			util_buf_addc(&b, '?');
			continue;
		}
		util_buf_add(&b, s + at, i - at);
	}
	return util_buf_steal(&b);
}
