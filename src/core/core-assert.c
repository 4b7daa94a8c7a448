/*
 * Assertions of the core's own invariants (core_assert in core.h).  They
 * guard the code, never its input: input is validated and refused.  A failed
 * assertion is a bug, so it is reported on standard error (the pure core
 * has no log) and the process aborts, leaving a core to read; NDEBUG
 * compiles the checks out.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

void
core_assert_fail(const char *expr, const char *file, int line,
    const char *func)
{
	fprintf(stderr, "%s:%d: %s: assertion \"%s\" failed\n", file, line,
	    func, expr);
	abort();
}
