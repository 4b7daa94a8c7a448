/*
 * export: rendering an incident's log for people and for machines: one-line
 * timeline entries, the JSON export (verifiable offline) and the Markdown
 * postmortem timeline.  Pure rendering into buffers; callers do the I/O.
 */
#ifndef CONCORD_EXPORT_H
#define CONCORD_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "util.h"

/*
 * Text made safe to show (export-text.c), a new string the caller frees:
 * EXPORT_TEXT_CONTROLS writes control characters (but tab and line feed)
 * and bytes that are not UTF-8 as escapes ("\e", "\x01", "\u009b"),
 * EXPORT_TEXT_INVISIBLE bidi overrides and invisible formatting
 * ("\u202e"), EXPORT_TEXT_ASCII every other non-ASCII character as one
 * "?", and EXPORT_TEXT_LINE tabs and line feeds as spaces.
 */
#define EXPORT_TEXT_CONTROLS	0x1
#define EXPORT_TEXT_INVISIBLE	0x2
#define EXPORT_TEXT_ASCII	0x4
#define EXPORT_TEXT_LINE	0x8
#define EXPORT_TEXT_SAFE	(EXPORT_TEXT_CONTROLS | EXPORT_TEXT_INVISIBLE)
char	*export_text(const char *, int flags);
/* "2026-11-22 14:02:11" (local time) for a wall ms; buf of 32 bytes. */
void	export_time(int64_t, char *, size_t);
/*
 * "written 13:58:40" for a note written offline (with the date when it is
 * not the day the hub logged it), or "" when the event has no written
 * time; in out, of len bytes (48 is enough).
 */
void	export_written(const struct core_event *, char *, size_t);
/*
 * One timeline line for an event, "2026-11-22 14:02:11 (written
 * 13:58:40)  #12    bob (by carol) (ops)  text" (by: acting as bob);
 * the caller frees it.
 */
char	*export_event_line(const struct core_event *);
/* The JSON export of a whole log (see concord-protocol(7)). */
void	export_json(const struct core_state *, const struct core_event *,
	    unsigned char (*)[CORE_HASH_LEN], size_t, struct buf *);
/* The Markdown postmortem timeline. */
void	export_md(const struct core_state *, const struct core_event *, size_t,
	    struct buf *);

#endif
