/*
 * concord verify FILE: check an exported JSON log offline: the file is
 * UTF-8 JSON whose every event obeys the protocol's field rules (exact
 * integers in range, UTF-8 strings, operation ids included), seqs are
 * gap-free from 1 and every event's chain value is SHA-256 of the previous
 * value and the event's canonical bytes (concord-protocol(7)).  Needs no
 * hub.  FILE may be a pipe, and "-" is standard input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "util.h"

#define CLIENT_VERIFY_MAX	(1024L * 1024 * 1024)

static int
client_cmd_verify_exec(struct client_args *a)
{
	char			*data = NULL, *id = NULL, *cause = NULL;
	char			 digest[CORE_DIGEST_LEN + 1];
	struct core_event	*ev = NULL;
	struct core_state	 st;
	struct core_ctx		 ctx;
	unsigned char		(*hashes)[CORE_HASH_LEN] = NULL;
	unsigned char		 end[CORE_HASH_LEN];
	int64_t			 head;
	size_t			 n = 0, i, len;
	int			 fd, rc = CLIENT_EXIT_OK;

	if (a->nwords != 1)
		return client_usage(a->entry);
	if (strcmp(a->words[0], "-") == 0)
		data = util_fd_read(STDIN_FILENO, "standard input",
		    CLIENT_VERIFY_MAX, &len, &cause);
	else if ((fd = open(a->words[0], O_RDONLY | O_CLOEXEC)) == -1)
		cause = xasprintf("%s: %s", a->words[0], strerror(errno));
	else {
		data = util_fd_read(fd, a->words[0], CLIENT_VERIFY_MAX, &len,
		    &cause);
		close(fd);
	}
	if (data == NULL ||
	    proto_export_decode(data, len, &id, &ev, &hashes, &n, &head, end,
	    &cause) != 0) {
		rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s%s%s", data != NULL ?
		    a->words[0] : "", data != NULL ? ": " : "", cause);
		free(cause);
		free(data);
		return rc;
	}
	free(data);
	core_state_init(&st, id);
	memset(&ctx, 0, sizeof ctx);
	for (i = 0; i < n && rc == CLIENT_EXIT_OK; i++) {
		switch (core_state_follow(&st, &ev[i], hashes[i], &ctx,
		    &cause)) {
		case 0:
			break;
		case CORE_FOLLOW_GAP:
			rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s: seq %lld "
			    "where %zu was expected", a->words[0],
			    (long long)ev[i].seq, i + 1);
			free(cause);
			break;
		default:
			rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s: "
			    "chain broken at seq %lld: the event or an "
			    "earlier one was changed", a->words[0],
			    (long long)ev[i].seq);
			free(cause);
			break;
		}
	}
	if (rc == CLIENT_EXIT_OK && (head != (int64_t)n ||
	    memcmp(st.chain, end, CORE_HASH_LEN) != 0))
		rc = client_hub_fail(CLIENT_EXIT_ERROR, "%s: the export claims "
		    "to end at seq %lld but holds %zu events, or its chain value "
		    "does not match them: it was cut short or altered",
		    a->words[0], (long long)head, n);
	if (rc == CLIENT_EXIT_OK) {
		core_chain_digest(st.chain, digest);
		printf("verified %s: %zu events, seq %zu · %s\n", id, n, n,
		    digest);
	}
	core_state_clear(&st);
	for (i = 0; i < n; i++)
		core_event_clear(&ev[i]);
	free(ev);
	free(hashes);
	free(id);
	return rc;
}

const struct client_cmd_entry client_cmd_verify_entry = {
	.name = "verify",
	.usage = "verify FILE|-",
	.opts = "",
	.exec = client_cmd_verify_exec
};
