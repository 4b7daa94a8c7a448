/* concord summary TEXT: set the one-line working summary. */
#include "client.h"
#include "util.h"

static int
client_cmd_summary_exec(struct client_args *a)
{
	struct core_event	ev;
	struct buf		b;
	size_t			i;
	int			rc;

	if (a->nwords == 0)
		return client_usage(&client_cmd_summary_entry);
	util_buf_init(&b);
	for (i = 0; i < a->nwords; i++) {
		if (i > 0)
			util_buf_addc(&b, ' ');
		util_buf_adds(&b, a->words[i]);
	}
	core_event_init(&ev);
	ev.type = CORE_SUMMARY;
	ev.text = util_buf_steal(&b);
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_summary_entry = {
	"summary", "summary TEXT", "", client_cmd_summary_exec
};
