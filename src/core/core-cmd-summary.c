/* summary: the one-line working summary everyone currently agrees on. */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_summary_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	(void)s;
	(void)ctx;
	if (cmd->text == NULL || !core_text_valid(cmd->text, 400) ||
	    strchr(cmd->text, '\n') != NULL)
		return core_refuse(r, "bad-request",
		    "a summary is one line of at most 400 bytes");
	return 0;
}

static void
core_cmd_summary_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	(void)ctx;
	free(s->summary);
	s->summary = xstrdup(e->text != NULL ? e->text : "");
}

static char *
core_cmd_summary_describe(const struct core_event *e)
{
	return xasprintf("summary: %s", e->text != NULL ? e->text : "");
}

const struct core_cmd_entry core_cmd_summary_entry = {
	"summary", CORE_SUMMARY, 0,
	CORE_FLD_TEXT,
	0,
	core_cmd_summary_check, core_cmd_summary_apply,
	core_cmd_summary_describe,
	CORE_KIND_STATE
};
