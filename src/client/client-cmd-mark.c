/*
 * concord mark SEQ detection|diagnosis|decision|mitigation: flag an event
 * as a key moment for the postmortem.
 */
#include "client.h"
#include "util.h"

static int
client_cmd_mark_exec(struct client_args *a)
{
	struct core_event	ev;
	int64_t			seq;
	int			rc;

	if (a->nwords != 2 || util_num_parse(a->words[0], 1, INT64_MAX,
	    &seq) != 0)
		return client_usage(&client_cmd_mark_entry);
	core_event_init(&ev);
	ev.type = CORE_MARK;
	ev.ref = seq;
	ev.kind = xstrdup(a->words[1]);
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_mark_entry = {
	"mark", "mark SEQ detection|diagnosis|decision|mitigation", "",
	client_cmd_mark_exec
};
