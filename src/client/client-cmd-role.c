/* concord role assign USER ROLE | role clear ROLE (IC). */
#include <string.h>

#include "client.h"
#include "util.h"

static int
client_cmd_role_build(struct client_args *a, struct core_event *ev,
    __attribute__((unused)) char **cause)
{
	if (a->nwords == 3 && strcmp(a->words[0], "assign") == 0) {
		ev->type = CORE_ROLE_ASSIGN;
		ev->user = xstrdup(a->words[1]);
		ev->role = xstrdup(a->words[2]);
	} else if (a->nwords == 2 && strcmp(a->words[0], "clear") == 0) {
		ev->type = CORE_ROLE_CLEAR;
		ev->role = xstrdup(a->words[1]);
	} else
		return -1;
	return 0;
}

const struct client_cmd_entry client_cmd_role_entry = {
	.name = "role",
	.usage = "role assign USER ROLE | role clear ROLE",
	.opts = "",
	.args = "assign USER ROLE|clear ROLE",
	.flags = CLIENT_CMD_CONSOLE,
	.build = client_cmd_role_build,
	.exec = client_cmd_send
};
