/* note: a line of collaboration text; anyone may add one, at any time. */
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

static char *
core_cmd_note_describe(const struct core_event *e)
{
	return xstrdup(e->text);
}

const struct core_cmd_entry core_cmd_note_entry = {
	"note", CORE_NOTE, 0,
	CORE_FLD_TEXT,
	core_cmd_note_check, NULL, core_cmd_note_describe
};
