/*
 * concord export --format json|md [-o FILE]: the incident's full timeline
 * for the postmortem, read from the hub and verified on the way (--json
 * alone is --format json).  The file is written whole, then renamed into
 * place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "export.h"
#include "util.h"

static int
client_cmd_export_write(const char *path, const struct buf *b)
{
	FILE	*f;
	char	*tmp;
	int	 ok;

	if (path == NULL || strcmp(path, "-") == 0) {
		fwrite(b->data, 1, b->len, stdout);
		return fflush(stdout) == 0 ? 0 : -1;
	}
	tmp = xasprintf("%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		client_hub_fail(1, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = fwrite(b->data, 1, b->len, f) == b->len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		client_hub_fail(1, "writing %s: %s", path, strerror(errno));
		remove(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

static int
client_cmd_export_exec(struct client_args *a)
{
	struct core_state	 st;
	struct core_event	*ev;
	unsigned char		(*hashes)[CORE_HASH_LEN];
	const char		*format = client_opt(a, "format");
	const char		*out = client_opt(a, "o");
	struct buf		 b;
	size_t			 n, i;
	int			 rc;

	if (out == NULL)
		out = client_opt(a, "output");
	if (format == NULL)
		format = a->json ? "json" : "md";
	if (a->nwords != 0 || (strcmp(format, "json") != 0 &&
	    strcmp(format, "md") != 0))
		return client_usage(a->entry);
	if ((rc = client_hub_prepare(a, 1)) != 0)
		return rc;
	if ((rc = client_hub_sync(a, &st, &ev, &hashes, &n)) != 0)
		return rc;
	util_buf_init(&b);
	if (strcmp(format, "json") == 0)
		export_json(&st, ev, hashes, n, &b);
	else
		export_md(&st, ev, n, &b);
	rc = client_cmd_export_write(out, &b) == 0 ? CLIENT_EXIT_OK :
	    CLIENT_EXIT_ERROR;
	util_buf_clear(&b);
	for (i = 0; i < n; i++)
		core_event_clear(&ev[i]);
	free(ev);
	free(hashes);
	core_state_clear(&st);
	return rc;
}

const struct client_cmd_entry client_cmd_export_entry = {
	.name = "export",
	.usage = "export [--format json|md] [-o FILE]",
	.opts = "format:,o:,output:",
	.exec = client_cmd_export_exec
};
