/*
 * libFuzzer target: the decoder of Prometheus instant-query answers
 * (proto_prom_decode), which reads whatever a feed's server sends.
 *
 * For every input: decoding either fails with a reason that is one line
 * of UTF-8 text and leaves nothing allocated, or it gives a vector or a
 * scalar whose every series has labels of at most PROTO_PROM_LABELS_MAX
 * bytes of one-line text, its value's text, and a value that is finite
 * exactly when it says so.  A failed check aborts, and ASan (leaks
 * included) and UBSan catch the rest.
 */
#include <math.h>
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
	fprintf(stderr, "fuzz-proto-prom: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	abort();
}

/* Is s one line of UTF-8 text of at most max bytes? */
static int
fuzz_line(const char *s, size_t max)
{
	return s != NULL && core_text_valid(s, max) &&
	    strpbrk(s, "\t\n") == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_prom	 pr;
	char			*cause = NULL;
	size_t			 i;

	if (proto_prom_decode((const char *)data, size, &pr, &cause) != 0) {
		if (!fuzz_line(cause, 4096))
			fuzz_fail("a reason that is not one line of text",
			    cause);
		if (pr.type != NULL || pr.series != NULL || pr.nseries != 0)
			fuzz_fail("a failed decode left a result", cause);
		free(cause);
		return 0;
	}
	if (strcmp(pr.type, "vector") != 0 && strcmp(pr.type, "scalar") != 0)
		fuzz_fail("neither a vector nor a scalar", pr.type);
	if (strcmp(pr.type, "scalar") == 0 && pr.nseries != 1)
		fuzz_fail("a scalar of other than one series", NULL);
	if (pr.nseries > PROTO_PROM_SERIES_MAX)
		fuzz_fail("too many series", NULL);
	for (i = 0; i < pr.nseries; i++) {
		if (!fuzz_line(pr.series[i].labels, PROTO_PROM_LABELS_MAX))
			fuzz_fail("labels that are not bounded text",
			    pr.series[i].labels);
		if (pr.series[i].text == NULL)
			fuzz_fail("a series without its value's text", NULL);
		if (pr.series[i].finite != (isfinite(pr.series[i].value) != 0))
			fuzz_fail("a value that is not as finite as it says",
			    pr.series[i].text);
	}
	proto_prom_clear(&pr);
	return 0;
}
