/* concord role assign USER ROLE | role clear ROLE (IC). */
#include <string.h>

#include "client.h"
#include "util.h"

static int
client_cmd_role_exec(struct client_args *a)
{
	struct core_event	ev;
	int			rc;

	core_event_init(&ev);
	if (a->nwords == 3 && strcmp(a->words[0], "assign") == 0) {
		ev.type = CORE_ROLE_ASSIGN;
		ev.user = xstrdup(a->words[1]);
		ev.role = xstrdup(a->words[2]);
	} else if (a->nwords == 2 && strcmp(a->words[0], "clear") == 0) {
		ev.type = CORE_ROLE_CLEAR;
		ev.role = xstrdup(a->words[1]);
	} else
		return client_usage(&client_cmd_role_entry);
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_role_entry = {
	"role", "role assign USER ROLE | role clear ROLE", "",
	client_cmd_role_exec
};
