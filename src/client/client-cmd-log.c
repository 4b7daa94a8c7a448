/*
 * concord log [--follow] [--json]: print the incident's timeline, verifying
 * the hash chain over every event received.  With --follow it keeps
 * printing new events and, if the hub goes away (closed, or silent past
 * the link's liveness bound), says so on standard error, reconnects with
 * backoff and resumes after the last seq it printed, saying so again.
 * Given a hub list it moves to the next hub of it (a whole round failing
 * backs off), resumes there after the same seq, verifying the chain as
 * ever, and says which hub it moved to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "export.h"
#include "util.h"

static void
client_cmd_log_print(struct client_args *a, const struct core_event *e,
    const unsigned char *hash)
{
	struct buf	 b;
	char		*line;

	if (a->json) {
		util_buf_init(&b);
		proto_event_encode(e, hash, &b);
		printf("%s\n", b.data);
		util_buf_clear(&b);
		return;
	}
	line = export_event_line(e);
	printf("%s\n", line);
	free(line);
}

static int
client_cmd_log_exec(struct client_args *a)
{
	struct core_state	 st;
	struct core_ctx		 ctx;
	struct client_conn	*cc = NULL;
	struct proto_msg	 m;
	char			*cause = NULL, digest[CORE_DIGEST_LEN + 1];
	char			*on = NULL, *where;
	int			 follow = client_opt(a, "follow") != NULL;
	int			 unreachable, rc, attempt = 0, lost = 0;
	int64_t			 head = 0, from;
	size_t			 i;

	if (a->nwords != 0)
		return client_usage(a->entry);
	if ((rc = client_hub_prepare(a, 1)) != 0)
		return rc;
	core_state_init(&st, a->incident);
	memset(&ctx, 0, sizeof ctx);
	rc = CLIENT_EXIT_OK;
	for (;;) {
		if (cc == NULL) {
			cc = client_conn_open(a->hub, a->user, a->incident,
			    st.seq, 0, &unreachable, &cause);
			if (cc == NULL) {
				if (!follow || unreachable <= 0 ||
				    unreachable == 2) {
					rc = client_hub_unopened(a, unreachable,
					    cause);
					break;
				}
				util_log("log --follow: %s", cause);
				free(cause);
				cause = NULL;
				fflush(stdout);
				client_hub_backoff(attempt++);
				continue;
			}
			attempt = 0;
			head = client_conn_head(cc);
			/* Another hub, or the same one back: the same log? */
			if (st.seq > 0 && head == st.seq && memcmp(st.chain,
			    client_conn_chain(cc), CORE_HASH_LEN) != 0) {
				rc = client_hub_fail(CLIENT_EXIT_ERROR, "the "
				    "hub's chain at seq %lld is not the one "
				    "printed: the log does not verify",
				    (long long)st.seq);
				break;
			}
			if (follow)
				client_conn_deadline(0);	/* no end */
			where = client_url_where(client_conn_hub(cc));
			if (lost && on != NULL &&
			    strcmp(on, client_conn_hub(cc)) != 0) {
				fprintf(stderr, "concord: moved to the hub at "
				    "%s, resuming after seq %lld\n", where,
				    (long long)st.seq);
				util_log("log --follow: moved to the hub at %s",
				    client_conn_hub(cc));
			} else if (lost)
				fprintf(stderr, "concord: reconnected to the "
				    "hub, resuming after seq %lld\n",
				    (long long)st.seq);
			lost = 0;
			free(where);
			free(on);
			on = xstrdup(client_conn_hub(cc));
		}
		if (!follow && st.seq >= head)
			break;
		fflush(stdout);
		rc = client_conn_recv(cc, &m, follow ? 60000 : 30000, &cause);
		if (rc == 0 && follow)
			continue;
		if (rc <= 0) {
			client_conn_free(cc);
			cc = NULL;
			if (!follow) {
				rc = client_hub_fail(CLIENT_EXIT_UNREACHABLE,
				    "%s", rc == 0 ? "the hub stopped sending" :
				    cause);
				break;
			}
			fflush(stdout);
			where = client_url_where(on);
			fprintf(stderr, "concord: lost the hub at %s at seq "
			    "%lld: %s; reconnecting\n", where,
			    (long long)st.seq, cause);
			free(where);
			lost = 1;
			free(cause);
			cause = NULL;
			rc = CLIENT_EXIT_OK;
			continue;
		}
		rc = CLIENT_EXIT_OK;
		/* A message's last event checks the chain of them all:
		 * fold them all before printing any. */
		from = st.seq;
		for (i = 0; m.kind == PROTO_EVENTS && i < m.nevents; i++) {
			if (m.events[i].seq <= st.seq)
				continue;
			if (core_state_follow(&st, &m.events[i], m.hashed[i] ?
			    m.hashes[i] : NULL, &ctx, &cause) != 0) {
				rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s",
				    cause);
				break;
			}
			memcpy(m.hashes[i], st.chain, CORE_HASH_LEN);
		}
		for (i = 0; rc == CLIENT_EXIT_OK && m.kind == PROTO_EVENTS &&
		    i < m.nevents; i++) {
			if (m.events[i].seq > from)
				client_cmd_log_print(a, &m.events[i],
				    m.hashes[i]);
		}
		proto_msg_clear(&m);
		if (rc != CLIENT_EXIT_OK)
			break;
	}
	free(cause);
	free(on);
	client_conn_free(cc);
	if (rc == CLIENT_EXIT_OK && !a->json) {
		core_chain_digest(st.chain, digest);
		printf("-- %s at seq %lld · %s\n", a->incident, (long long)st.seq,
		    digest);
	}
	core_state_clear(&st);
	return rc;
}

const struct client_cmd_entry client_cmd_log_entry = {
	.name = "log",
	.usage = "log [--follow] [--json]",
	.opts = "follow",
	.exec = client_cmd_log_exec
};
