/*
 * note: a line of collaboration text; anyone may add one, at any time.
 * Notes are indexed (seq and author) so they can be amended later.  A note
 * written offline and delivered later carries "written", the author's
 * clock when it was written; the hub keeps it as given (it is not the
 * hub's clock, and nothing orders or checks by it: seq is the order).
 */
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_note_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	(void)s;
	(void)ctx;
	if (cmd->text == NULL || *cmd->text == '\0' ||
	    !core_text_valid(cmd->text, CORE_TEXT_MAX))
		return core_refuse(r, "bad-request", "a note must be 1-%d bytes "
		    "of UTF-8 text without control characters", CORE_TEXT_MAX);
	return 0;
}

/* Index the note so it can be amended; its author is already in people. */
static void
core_cmd_note_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	size_t	i;

	(void)ctx;
	if (e->actor == NULL)
		return;
	for (i = 0; i < s->npeople; i++) {
		if (strcmp(s->people[i], e->actor) == 0)
			break;
	}
	if (i == s->npeople)
		return;		/* not a person's (the hub's): no author */
	s->notes = xreallocarray(s->notes, s->nnotes + 1, sizeof *s->notes);
	s->notes[s->nnotes].seq = e->seq;
	s->notes[s->nnotes].author = i;
	s->notes[s->nnotes].amended = 0;
	s->nnotes++;
}

static char *
core_cmd_note_describe(const struct core_event *e)
{
	return xstrdup(core_str_or(e->text, "?"));
}

const struct core_cmd_entry core_cmd_note_entry = {
	"note", CORE_NOTE, 0,
	CORE_FLD_TEXT | CORE_FLD_WRITTEN,
	CORE_FLD_TEXT,
	core_cmd_note_check, core_cmd_note_apply, core_cmd_note_describe,
	CORE_KIND_NOTE
};
