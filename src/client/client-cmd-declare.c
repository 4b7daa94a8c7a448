/*
 * concord declare ACTION [--desc D] [--after A]... [--conflicts B]... (IC)
 * Words after the action are the description too.
 */
#include <stdlib.h>

#include "client.h"
#include "util.h"

static int
client_cmd_declare_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	const char	*desc = client_opt(a, "desc");
	char		*rest;

	if (a->nwords < 1)
		return -1;
	ev->type = CORE_DECLARE;
	ev->name = xstrdup(a->words[0]);
	rest = client_words_from(a, 1);
	if (desc != NULL && *rest != '\0')
		ev->text = xasprintf("%s %s", desc, rest);
	else if (desc != NULL)
		ev->text = xstrdup(desc);
	else if (*rest != '\0')
		ev->text = xstrdup(rest);
	free(rest);
	ev->nafter = client_opt_all(a, "after", &ev->after);
	ev->nconflicts = client_opt_all(a, "conflicts", &ev->conflicts);
	return 0;
}

const struct client_cmd_entry client_cmd_declare_entry = {
	.name = "declare",
	.usage = "declare ACTION [--desc D] [--after A]... [--conflicts B]...",
	.opts = "desc:,after:ACTION,conflicts:ACTION",
	.args = "NAME TEXT...",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_declare_build,
	.exec = client_cmd_send
};
