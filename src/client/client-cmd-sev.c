/* concord sev N: change the severity (IC). */
#include "client.h"
#include "util.h"

static int
client_cmd_sev_exec(struct client_args *a)
{
	struct core_event	ev;
	int64_t			sev;

	if (a->nwords != 1 || util_num_parse(a->words[0], 1, 4, &sev) != 0)
		return client_usage(&client_cmd_sev_entry);
	core_event_init(&ev);
	ev.type = CORE_SEV;
	ev.sev = sev;
	return client_hub_simple(a, &ev);
}

const struct client_cmd_entry client_cmd_sev_entry = {
	"sev", "sev 1-4", "", client_cmd_sev_exec
};
