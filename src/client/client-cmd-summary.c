/* concord summary TEXT: set the one-line working summary. */
#include "client.h"
#include "util.h"

static int
client_cmd_summary_exec(struct client_args *a)
{
	struct core_event	ev;
	int			rc;

	if (a->nwords == 0)
		return client_usage(&client_cmd_summary_entry);
	core_event_init(&ev);
	ev.type = CORE_SUMMARY;
	ev.text = client_words(a);
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_summary_entry = {
	"summary", "summary TEXT", "", client_cmd_summary_exec
};
