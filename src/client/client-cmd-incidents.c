/* concord incidents: list the hub's incidents. */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "export.h"
#include "util.h"

static int
client_cmd_incidents_exec(struct client_args *a)
{
	struct client_conn	*cc;
	struct proto_msg	 list, m;
	struct proto_incident	*pi;
	struct buf		 b;
	char			*cause = NULL, when[32], *title;
	size_t			 i;
	int			 unreachable, rc;

	if (a->nwords != 0)
		return client_usage(a->entry);
	if ((rc = client_hub_prepare(a, 0)) != 0)
		return rc;
	if ((cc = client_conn_open(a->hub, a->user, NULL, -1, 0, &unreachable,
	    &cause)) == NULL) {
		rc = client_hub_fail(unreachable > 0 ?
		    CLIENT_EXIT_UNREACHABLE : CLIENT_EXIT_ERROR, "%s", cause);
		free(cause);
		return rc;
	}
	proto_msg_init(&list, PROTO_LIST);
	client_conn_send(cc, &list);
	rc = client_conn_recv(cc, &m, 15000, &cause);
	client_conn_free(cc);
	if (rc <= 0 || m.kind != PROTO_INCIDENTS) {
		if (rc > 0)
			proto_msg_clear(&m);
		rc = client_hub_fail(CLIENT_EXIT_UNREACHABLE, "%s",
		    rc < 0 ? cause : "the hub did not list its incidents");
		free(cause);
		return rc;
	}
	util_buf_init(&b);
	if (a->json)
		proto_incidents_json(m.incidents, m.nincidents, &b);
	for (i = 0; !a->json && i < m.nincidents; i++) {
		pi = &m.incidents[i];
		export_time(pi->opened, when, sizeof when);
		title = export_text(pi->title, EXPORT_TEXT_SAFE |
		    EXPORT_TEXT_LINE);
		printf("%-8s SEV%lld  %-13s IC %-12s %s  seq %-6lld %s\n",
		    pi->id, (long long)pi->sev, core_str_or(pi->status, "?"),
		    pi->ic != NULL ? pi->ic : "vacant", when,
		    (long long)pi->seq, title);
		free(title);
	}
	if (a->json)
		printf("%s\n", b.data);
	else if (m.nincidents == 0)
		printf("no incidents\n");
	util_buf_clear(&b);
	proto_msg_clear(&m);
	return CLIENT_EXIT_OK;
}

const struct client_cmd_entry client_cmd_incidents_entry = {
	.name = "incidents",
	.usage = "incidents",
	.opts = "",
	.exec = client_cmd_incidents_exec
};
