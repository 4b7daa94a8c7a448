/*
 * action.declare: the IC declares a recovery action, with the actions it
 * must wait for (after) and those it may not run beside (conflicts, which
 * hold in both directions).  Both lists name actions declared before.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_declare_list(const struct core_state *s, const struct core_event *cmd,
    char **list, size_t n, const char *what, struct core_refusal *r)
{
	size_t	i;

	if (n > CORE_LIST_MAX)
		return core_refuse(r, "bad-request", "at most %d %s",
		    CORE_LIST_MAX, what);
	for (i = 0; i < n; i++) {
		if (!core_name_valid(list[i]))
			return core_refuse(r, "bad-request", "bad action name "
			    "in %s", what);
		if (strcmp(list[i], cmd->name) == 0)
			return core_refuse(r, "bad-request", "%s cannot name "
			    "itself in %s", cmd->name, what);
		if (core_state_action(s, list[i]) == NULL)
			return core_refuse(r, "unknown-action", "no action "
			    "named %s (in %s); declare it first", list[i], what);
	}
	return 0;
}

static int
core_cmd_declare_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	(void)ctx;
	if (!core_name_valid(cmd->name))
		return core_refuse(r, "bad-request", "an action name is 1-%d "
		    "of A-Z a-z 0-9 . _ @ -", CORE_NAME_MAX);
	if (cmd->text != NULL && !core_text_valid(cmd->text, 1000))
		return core_refuse(r, "bad-request", "a description is at most "
		    "1000 bytes of text");
	if (core_cmd_declare_list(s, cmd, cmd->after, cmd->nafter,
	    "dependencies", r) != 0 || core_cmd_declare_list(s, cmd,
	    cmd->conflicts, cmd->nconflicts, "conflicts", r) != 0)
		return -1;
	if (core_state_action(s, cmd->name) != NULL)
		return core_refuse(r, "exists", "action %s is already declared",
		    cmd->name);
	return 0;
}

static void
core_cmd_declare_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_action	*a;
	size_t			 i;

	(void)ctx;
	if (e->name == NULL)
		return;
	s->actions = xreallocarray(s->actions, s->nactions + 1,
	    sizeof *s->actions);
	a = &s->actions[s->nactions++];
	memset(a, 0, sizeof *a);
	a->name = xstrdup(e->name);
	a->desc = xstrdup(e->text != NULL ? e->text : "");
	a->declared_by = xstrdup(core_str_or(e->actor, "?"));
	for (i = 0; i < e->nafter; i++)
		core_list_add(&a->after, &a->nafter, e->after[i]);
	for (i = 0; i < e->nconflicts; i++)
		core_list_add(&a->conflicts, &a->nconflicts, e->conflicts[i]);
	a->state = CORE_ACTION_FREE;
	core_mark_set(&a->mark, e);
}

static char *
core_cmd_declare_describe(const struct core_event *e)
{
	struct buf	b;
	size_t		i;

	util_buf_init(&b);
	util_buf_printf(&b, "declared %s", core_str_or(e->name, "?"));
	if (e->text != NULL && *e->text != '\0')
		util_buf_printf(&b, " \"%s\"", e->text);
	for (i = 0; i < e->nafter; i++)
		util_buf_printf(&b, "%s%s", i == 0 ? " after " : ",", e->after[i]);
	for (i = 0; i < e->nconflicts; i++)
		util_buf_printf(&b, "%s%s", i == 0 ? " conflicts " : ",",
		    e->conflicts[i]);
	return util_buf_steal(&b);
}

const struct core_cmd_entry core_cmd_declare_entry = {
	"action.declare", CORE_DECLARE, CORE_F_COORD,
	CORE_FLD_NAME | CORE_FLD_TEXT | CORE_FLD_AFTER |
	    CORE_FLD_CONFLICTS,
	CORE_FLD_NAME,
	core_cmd_declare_check, core_cmd_declare_apply,
	core_cmd_declare_describe,
	CORE_KIND_STATE
};
