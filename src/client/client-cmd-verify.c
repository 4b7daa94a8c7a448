/*
 * concord verify FILE [--digest PREFIX [--seq N]]: check an exported JSON
 * log offline: the file is UTF-8 JSON whose every event obeys the
 * protocol's field rules (exact integers in range, UTF-8 strings,
 * operation ids included), seqs are gap-free from 1 and every event's chain
 * value is SHA-256 of the previous value and the event's canonical bytes
 * (concord-protocol(7)).  Needs no hub.  FILE may be a pipe, and "-" is
 * standard input.
 *
 * A log can be re-chained after a forgery and still verify, so with
 * --digest the chain value at the end (or after seq N) must also begin
 * with PREFIX, the digest everyone read out on the bridge ("seq 1234 ·
 * 3fa9c2"): only the log they all saw has it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "util.h"

#define CLIENT_VERIFY_MAX	(1024L * 1024 * 1024)

/* Is s 4 to 64 hex digits (a prefix of a chain value)?  Lowered. */
static int
client_cmd_verify_prefix(char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++) {
		if (!isxdigit((unsigned char)s[n]))
			return 0;
		s[n] = (char)tolower((unsigned char)s[n]);
	}
	return n >= 4 && n <= 2 * CORE_HASH_LEN;
}

static int
client_cmd_verify_exec(struct client_args *a)
{
	char			*data = NULL, *id = NULL, *cause = NULL;
	char			 digest[CORE_DIGEST_LEN + 1], *want = NULL;
	char			 hex[2 * CORE_HASH_LEN + 1];
	const char		*seq_s = client_opt(a, "seq");
	struct core_event	*ev = NULL;
	struct core_state	 st;
	struct core_ctx		 ctx;
	struct buf		 b;
	unsigned char		(*hashes)[CORE_HASH_LEN] = NULL;
	unsigned char		 end[CORE_HASH_LEN], at[CORE_HASH_LEN];
	int64_t			 head, seq = 0;
	size_t			 n = 0, i, len;
	int			 fd, rc = CLIENT_EXIT_OK;

	if (a->nwords != 1)
		return client_usage(a->entry);
	if (client_opt(a, "digest") != NULL) {
		want = xstrdup(client_opt(a, "digest"));
		if (!client_cmd_verify_prefix(want)) {
			free(want);
			return client_usage_why(a->entry, "--digest wants the "
			    "chain's digest, 4 to 64 hex digits");
		}
	}
	if (seq_s != NULL && (want == NULL ||
	    util_num_parse(seq_s, 1, CORE_INT_MAX, &seq) != 0)) {
		free(want);
		return client_usage_why(a->entry, "--seq wants a seq, and "
		    "--digest with it");
	}
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
		rc = client_hub_error(CLIENT_EXIT_ERROR, data != NULL ?
		    "unverified" : "error", "%s%s%s", data != NULL ?
		    a->words[0] : "", data != NULL ? ": " : "", cause);
		free(cause);
		free(data);
		free(want);
		return rc;
	}
	free(data);
	core_state_init(&st, id);
	memset(&ctx, 0, sizeof ctx);
	for (i = 0; i < n && rc == CLIENT_EXIT_OK; i++) {
		switch (core_state_follow(&st, &ev[i], hashes[i], &ctx,
		    &cause)) {
		case 0:
			if (st.seq == seq)
				memcpy(at, st.chain, sizeof at);
			break;
		case CORE_FOLLOW_GAP:
			rc = client_hub_error(CLIENT_EXIT_ERROR, "unverified",
			    "%s: seq %lld where %zu was expected", a->words[0],
			    (long long)ev[i].seq, i + 1);
			free(cause);
			break;
		default:
			rc = client_hub_error(CLIENT_EXIT_ERROR, "unverified",
			    "%s: chain broken at seq %lld: the event or an "
			    "earlier one was changed", a->words[0],
			    (long long)ev[i].seq);
			free(cause);
			break;
		}
	}
	if (rc == CLIENT_EXIT_OK && (head != (int64_t)n ||
	    memcmp(st.chain, end, CORE_HASH_LEN) != 0))
		rc = client_hub_error(CLIENT_EXIT_ERROR, "unverified",
		    "%s: the export claims to end at seq %lld but holds %zu "
		    "events, or its chain value does not match them: it was "
		    "cut short or altered", a->words[0], (long long)head, n);
	if (rc == CLIENT_EXIT_OK && want != NULL) {
		if (seq > (int64_t)n)
			rc = client_hub_error(CLIENT_EXIT_ERROR, "unverified",
			    "%s: holds %zu events, not seq %lld", a->words[0],
			    n, (long long)seq);
		else {
			util_hex_encode(seq > 0 ? at : st.chain,
			    CORE_HASH_LEN, hex);
			if (strncmp(hex, want, strlen(want)) != 0)
				rc = client_hub_error(CLIENT_EXIT_ERROR,
				    "digest-mismatch", "%s: the chain at seq "
				    "%lld is %.*s, not %s: this is not the log "
				    "whose digest was read out", a->words[0],
				    (long long)(seq > 0 ? seq : (int64_t)n),
				    (int)strlen(want), hex, want);
		}
	}
	if (rc == CLIENT_EXIT_OK && a->json) {
		util_buf_init(&b);
		proto_verified_json(id, (int64_t)n, st.chain, &b);
		printf("%s\n", b.data);
		util_buf_clear(&b);
	} else if (rc == CLIENT_EXIT_OK) {
		core_chain_digest(st.chain, digest);
		printf("verified %s: %zu events, seq %zu · %s", id, n, n,
		    digest);
		if (want != NULL)
			printf("; the digest read out matches at seq %lld",
			    (long long)(seq > 0 ? seq : (int64_t)n));
		printf("\n");
	}
	free(want);
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
	.usage = "verify FILE|- [--digest PREFIX [--seq N]]",
	.opts = "digest:,seq:",
	.exec = client_cmd_verify_exec
};
