/*
 * libFuzzer target: JSON paths (proto_path_check, proto_path_value), which
 * read a feed's path as configured and whatever its endpoint sends.  The
 * input's first line is the path, the rest the document.
 *
 * For every input: a path that fails the check fails to find a value too;
 * finding either fails with a reason that is one line of UTF-8 text, or
 * gives a finite number.  A failed check aborts, and ASan (leaks included)
 * and UBSan catch the rest.
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
	fprintf(stderr, "fuzz-proto-path: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	abort();
}

static int
fuzz_line(const char *s)
{
	return s != NULL && core_text_valid(s, 4096) &&
	    strpbrk(s, "\t\n") == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *nl;
	char		*path, *cause = NULL;
	double		 v = 0;
	int		 bad, rc;

	if ((nl = memchr(p, '\n', size)) == NULL)
		return 0;
	path = xstrndup(p, (size_t)(nl - p));
	if (strlen(path) != (size_t)(nl - p)) {
		free(path);	/* a NUL in the path: no C string */
		return 0;
	}
	bad = proto_path_check(path, &cause) != 0;
	if (bad) {
		if (!fuzz_line(cause))
			fuzz_fail("a path refused without a line of text",
			    cause);
		free(cause);
		cause = NULL;
	}
	rc = proto_path_value(nl + 1, size - (size_t)(nl - p) - 1, path, &v,
	    &cause);
	if (rc != 0) {
		if (!fuzz_line(cause))
			fuzz_fail("a reason that is not one line of text",
			    cause);
		free(cause);
	} else if (bad)
		fuzz_fail("a value at a path the check refuses", path);
	else if (!isfinite(v))
		fuzz_fail("a value that is not finite", path);
	free(path);
	return 0;
}
