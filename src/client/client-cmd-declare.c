/* concord declare ACTION [--desc D] [--after A]... [--conflicts B]... (IC) */
#include <stdlib.h>

#include "client.h"
#include "util.h"

static int
client_cmd_declare_exec(struct client_args *a)
{
	struct core_event	 ev;
	const char		*desc = client_opt(a, "desc");
	int			 rc;

	if (a->nwords != 1)
		return client_usage(&client_cmd_declare_entry);
	core_event_init(&ev);
	ev.type = CORE_DECLARE;
	ev.name = xstrdup(a->words[0]);
	if (desc != NULL)
		ev.text = xstrdup(desc);
	ev.nafter = client_opt_all(a, "after", &ev.after);
	ev.nconflicts = client_opt_all(a, "conflicts", &ev.conflicts);
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_declare_entry = {
	"declare", "declare ACTION [--desc D] [--after A]... [--conflicts B]...",
	"desc:,after:,conflicts:", client_cmd_declare_exec
};
