/*
 * libFuzzer target: the decoders of the hub's webhooks, Alertmanager's
 * (proto_am_decode) and the generic one (proto_hook_decode), which read
 * whatever is posted to /hooks/alertmanager and /hooks/generic.  Every
 * input goes to both.
 *
 * For every input: a decoder either fails with a reason that is one line
 * of UTF-8 text (fit for a 400 answer) and leaves nothing allocated, or
 * gives a struct within every bound of proto.h: statuses "firing" or
 * "resolved", hex fingerprints, labels "name=value", the usual labels
 * copied out as they are among them, every string UTF-8 text; a generic
 * hook's title one line, and a key when it is resolved.  A failed check
 * aborts, and ASan (leaks included) and UBSan catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "proto.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-proto-hooks: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	abort();
}

static int
fuzz_line(const char *s, size_t max)
{
	return s != NULL && core_text_valid(s, max) &&
	    strpbrk(s, "\t\n") == NULL;
}

/* Is s, if present, text (tab and line feed allowed) of at most max? */
static int
fuzz_text(const char *s, size_t max)
{
	return s == NULL || core_text_valid(s, max);
}

static int
fuzz_status(const char *s)
{
	return s != NULL && (strcmp(s, "firing") == 0 ||
	    strcmp(s, "resolved") == 0);
}

/* Is label name=value among a's labels? */
static int
fuzz_has_label(const struct proto_am_alert *a, const char *name,
    const char *value)
{
	char	*want;
	size_t	 i;
	int	 found = 0;

	if (value == NULL)
		return 1;
	want = xasprintf("%s=%s", name, value);
	for (i = 0; i < a->nlabels; i++)
		found |= strcmp(a->labels[i], want) == 0;
	free(want);
	return found;
}

static void
fuzz_am(const uint8_t *data, size_t size)
{
	struct proto_am		 am;
	struct proto_am_alert	*a;
	char			*cause = NULL;
	size_t			 i, j;

	if (proto_am_decode((const char *)data, size, &am, &cause) != 0) {
		if (!fuzz_line(cause, 4096))
			fuzz_fail("a reason that is not one line of text",
			    cause);
		if (am.alerts != NULL || am.nalerts != 0 ||
		    am.receiver != NULL || am.status != NULL)
			fuzz_fail("a failed decode left a result", cause);
		free(cause);
		return;
	}
	if (!fuzz_line(am.receiver, PROTO_AM_TEXT_MAX) ||
	    !fuzz_status(am.status) || am.group_key == NULL ||
	    !fuzz_text(am.group_key, PROTO_AM_TEXT_MAX) ||
	    !fuzz_text(am.external_url, PROTO_AM_TEXT_MAX) ||
	    am.truncated < 0 || am.nalerts > PROTO_AM_ALERTS_MAX)
		fuzz_fail("a delivery out of its bounds", NULL);
	for (i = 0; i < am.nalerts; i++) {
		a = &am.alerts[i];
		if (!fuzz_status(a->status) || a->fingerprint == NULL ||
		    *a->fingerprint == '\0' || strlen(a->fingerprint) > 64 ||
		    strspn(a->fingerprint, "0123456789abcdefABCDEF") !=
		    strlen(a->fingerprint))
			fuzz_fail("an alert's status or fingerprint",
			    a->fingerprint);
		if (a->nlabels > PROTO_AM_LABELS_MAX)
			fuzz_fail("too many labels", NULL);
		for (j = 0; j < a->nlabels; j++) {
			if (!fuzz_text(a->labels[j], PROTO_AM_NAME_MAX + 1 +
			    PROTO_AM_TEXT_MAX) ||
			    strchr(a->labels[j], '=') == NULL ||
			    a->labels[j][0] == '=')
				fuzz_fail("a label not name=value",
				    a->labels[j]);
		}
		if (!fuzz_has_label(a, "alertname", a->alertname) ||
		    !fuzz_has_label(a, "severity", a->severity) ||
		    !fuzz_has_label(a, "instance", a->instance) ||
		    !fuzz_has_label(a, "concord_incident", a->incident))
			fuzz_fail("a usual label not among the labels", NULL);
		if (!fuzz_text(a->summary, PROTO_AM_TEXT_MAX) ||
		    !fuzz_text(a->description, PROTO_AM_TEXT_MAX) ||
		    a->starts == NULL ||
		    !fuzz_line(a->generator_url != NULL ? a->generator_url :
		    "", PROTO_AM_TEXT_MAX))
			fuzz_fail("an alert's text", NULL);
	}
	proto_am_clear(&am);
}

static void
fuzz_hook(const uint8_t *data, size_t size)
{
	struct proto_hook	 h;
	char			*cause = NULL;

	if (proto_hook_decode((const char *)data, size, &h, &cause) != 0) {
		if (!fuzz_line(cause, 4096))
			fuzz_fail("a reason that is not one line of text",
			    cause);
		if (h.title != NULL || h.status != NULL || h.key != NULL)
			fuzz_fail("a failed decode left a result", cause);
		free(cause);
		return;
	}
	if (!fuzz_line(h.title, PROTO_HOOK_TITLE_MAX) || *h.title == '\0' ||
	    !fuzz_text(h.text, PROTO_HOOK_TEXT_MAX) ||
	    (h.severity != NULL && !core_name_valid(h.severity)) ||
	    (h.incident != NULL && !core_name_valid(h.incident)) ||
	    !fuzz_status(h.status) ||
	    (h.key != NULL && !fuzz_line(h.key, PROTO_HOOK_WORD_MAX)) ||
	    (strcmp(h.status, "resolved") == 0 && h.key == NULL))
		fuzz_fail("a hook out of its bounds", h.title);
	proto_hook_clear(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_am(data, size);
	fuzz_hook(data, size);
	return 0;
}
