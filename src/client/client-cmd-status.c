/* concord status STATE: move the incident's status (IC). */
#include "client.h"
#include "util.h"

static int
client_cmd_status_exec(struct client_args *a)
{
	struct core_event	ev;
	int			rc;

	if (a->nwords != 1)
		return client_usage(&client_cmd_status_entry);
	core_event_init(&ev);
	ev.type = CORE_STATUS;
	ev.state = xstrdup(a->words[0]);
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_status_entry = {
	"status", "status investigating|identified|mitigating|monitoring|"
	"resolved", "", client_cmd_status_exec
};
