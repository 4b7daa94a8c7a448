/*
 * open: the first event of an incident.  Its actor becomes the incident
 * commander; the usual roles start vacant so everyone sees what is unfilled.
 */
#include <stdlib.h>

#include "core.h"
#include "util.h"

static int
core_cmd_open_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	(void)ctx;
	if (s->seq != 0)
		return core_refuse(r, "exists", "incident %s exists", s->id);
	if (cmd->text == NULL || *cmd->text == '\0' ||
	    !core_text_valid(cmd->text, 200))
		return core_refuse(r, "bad-request",
		    "a title of 1-200 bytes of text is required");
	if (cmd->sev < 1 || cmd->sev > 4)
		return core_refuse(r, "bad-request", "severity must be 1-4");
	return 0;
}

static void
core_cmd_open_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	static const char	*roles[] = { "ops", "comms", "scribe" };
	size_t			 i;

	(void)ctx;
	free(s->title);
	s->title = xstrdup(core_str_or(e->text, ""));
	s->sev = e->sev;
	s->opened = e->time;
	free(s->opened_by);
	s->opened_by = xstrdup(core_str_or(e->actor, "?"));
	free(s->ic);
	s->ic = e->actor != NULL ? xstrdup(e->actor) : NULL;
	core_mark_set(&s->ic_mark, e);
	core_mark_set(&s->sev_mark, e);
	core_mark_set(&s->status_mark, e);
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		if (core_state_role(s, roles[i]) != NULL)
			continue;
		s->roles = xreallocarray(s->roles, s->nroles + 1,
		    sizeof *s->roles);
		s->roles[s->nroles].role = xstrdup(roles[i]);
		s->roles[s->nroles].user = NULL;
		s->roles[s->nroles].mark = (struct core_mark){ 0 };
		core_mark_set(&s->roles[s->nroles].mark, e);
		s->nroles++;
	}
}

static char *
core_cmd_open_describe(const struct core_event *e)
{
	return xasprintf("opened \"%s\" SEV%lld", core_str_or(e->text, ""),
	    (long long)e->sev);
}

const struct core_cmd_entry core_cmd_open_entry = {
	"open", CORE_OPEN, 0,
	CORE_FLD_TEXT | CORE_FLD_SEV,
	CORE_FLD_TEXT | CORE_FLD_SEV,
	core_cmd_open_check, core_cmd_open_apply, core_cmd_open_describe,
	CORE_KIND_ROLES
};
