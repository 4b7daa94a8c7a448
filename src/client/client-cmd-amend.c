/* concord amend SEQ TEXT: correct the note at SEQ; both stay in the log. */
#include "client.h"
#include "util.h"

static int
client_cmd_amend_exec(struct client_args *a)
{
	struct core_event	ev;
	int64_t			seq;
	int			rc;

	if (a->nwords < 2 || util_num_parse(a->words[0], 1, INT64_MAX,
	    &seq) != 0)
		return client_usage(&client_cmd_amend_entry);
	core_event_init(&ev);
	ev.type = CORE_AMEND;
	ev.ref = seq;
	a->words++;
	a->nwords--;
	ev.text = client_words(a);
	a->words--;
	a->nwords++;
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

const struct client_cmd_entry client_cmd_amend_entry = {
	"amend", "amend SEQ TEXT", "", client_cmd_amend_exec
};
