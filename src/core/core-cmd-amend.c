/*
 * amend: a correction.  A new event that supersedes the text of an earlier
 * note; both stay in the log.  Its author needs the right amend, anyone
 * else amend-any (by default the IC and the scribe): which one is known
 * only once the note is found, so this check asks the table itself.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_amend_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	const struct core_note	*n;
	const char		*author;
	char			*detail;
	int			 rc;

	if (cmd->text == NULL || *cmd->text == '\0' ||
	    !core_text_valid(cmd->text, CORE_TEXT_MAX))
		return core_refuse(r, "bad-request", "an amendment needs the "
		    "corrected text (1-%d bytes)", CORE_TEXT_MAX);
	if ((n = core_state_note(s, cmd->ref)) == NULL)
		return core_refuse(r, "unknown-event", "there is no note at seq "
		    "%lld to amend", (long long)cmd->ref);
	author = s->people[n->author];
	if (ctx->internal)
		return 0;
	detail = xasprintf("the note at seq %lld is %s's", (long long)cmd->ref,
	    author);
	rc = core_authz_check(s, ctx, strcmp(author, ctx->actor) == 0 ?
	    CORE_RIGHT_AMEND : CORE_RIGHT_AMEND_ANY, detail, r);
	free(detail);
	return rc;
}

static void
core_cmd_amend_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_note	*n = core_state_note(s, e->ref);

	(void)ctx;
	if (n != NULL)
		n->amended = e->seq;
}

static char *
core_cmd_amend_describe(const struct core_event *e)
{
	return xasprintf("amended #%lld: %s", (long long)e->ref,
	    core_str_or(e->text, "?"));
}

const struct core_cmd_entry core_cmd_amend_entry = {
	"amend", CORE_AMEND, 0,
	CORE_FLD_REF | CORE_FLD_TEXT,
	CORE_FLD_REF | CORE_FLD_TEXT,
	core_cmd_amend_check, core_cmd_amend_apply, core_cmd_amend_describe,
	CORE_KIND_AMEND
};
