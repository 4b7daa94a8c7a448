/* concord break ACTION --reason R: end someone's claim (IC). */
#include "client.h"
#include "util.h"

static int
client_cmd_break_exec(struct client_args *a)
{
	struct core_event	 ev;
	const char		*reason = client_opt(a, "reason");
	int			 rc;

	if (a->nwords != 1 || reason == NULL)
		return client_usage(&client_cmd_break_entry);
	core_event_init(&ev);
	ev.type = CORE_BREAK;
	ev.name = xstrdup(a->words[0]);
	ev.text = xstrdup(reason);
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_break_entry = {
	"break", "break ACTION --reason R", "reason:", client_cmd_break_exec
};
