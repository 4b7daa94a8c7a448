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
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui.h"

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
