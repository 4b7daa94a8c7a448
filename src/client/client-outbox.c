/*
 * Delivering the outbox (see store-outbox.c for the entries): every entry
 * for a hub, oldest first, each as its own author over one connection per
 * author, waiting for each acknowledgement before the next.  A duplicate
 * acknowledgement (the operation id is already logged) counts as delivered;
 * a refusal moves the entry aside.  The outbox lock keeps two deliverers
 * apart; the hub's deduplication by operation id makes a race harmless.
 */
#include <string.h>

#include "client.h"
#include "store.h"
#include "util.h"

/*
 * Deliver every entry for hub, oldest first, each as its own author; the
 * number delivered, or -1 with *cause if the hub could not be reached.
 */
int
client_outbox_flush(const char *hub, char **cause)
{
	struct store_outbox_entry	*list;
	struct client_conn		*cc = NULL;
	struct proto_msg		 m, ans;
	char				*why = NULL;
	const char			*cc_user = NULL;
	size_t				 n, i;
	int				 fd, unreachable, rc, delivered = 0;

	if ((fd = store_outbox_lock(0, cause)) <= 0)
		return fd;		/* 0: no outbox */
	list = store_outbox_list(hub, NULL, &n);
	for (i = 0; i < n; i++) {
		if (cc == NULL || strcmp(cc_user, list[i].user) != 0) {
			client_conn_free(cc);
			cc_user = list[i].user;
			/*
			 * No incident in the hello: an incident the hub does
			 * not know is then a refusal of the note (moved
			 * aside), not a failure to connect.
			 */
			if ((cc = client_conn_open(hub, cc_user, NULL, -1, 0,
			    &unreachable, &why)) == NULL) {
				delivered = -1;
				break;
			}
		}
		proto_msg_init(&m, PROTO_COMMAND);
		m.incident = list[i].incident;
		m.op = list[i].op;
		m.cmd.type = CORE_NOTE;
		m.cmd.text = list[i].text;
		m.cmd.written = list[i].time;
		client_conn_send(cc, &m);
		if ((rc = client_conn_answer(cc, list[i].op, &ans, 15000,
		    &why)) <= 0) {
			if (rc == 0)
				why = xstrdup("no answer from the hub");
			delivered = -1;
			break;
		}
		if (ans.kind == PROTO_ACK) {
			util_log("outbox: delivered %s as %s seq %lld%s",
			    list[i].path, ans.incident != NULL ? ans.incident :
			    list[i].incident, (long long)ans.seq,
			    ans.duplicate ? " (already logged)" : "");
			store_outbox_remove(&list[i]);
			delivered++;
		} else
			store_outbox_reject(&list[i], ans.code, ans.message);
		proto_msg_clear(&ans);
	}
	client_conn_free(cc);
	store_outbox_free(list, n);
	store_outbox_unlock(fd);
	if (delivered == -1)
		*cause = why;
	return delivered;
}
