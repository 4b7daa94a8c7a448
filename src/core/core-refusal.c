/*
 * Refusals and change marks.  A refusal carries a stable machine-readable
 * code (documented in concord-protocol(7)) and a sentence for people.  A mark
 * records which event last changed a field, role or action, so a command
 * decided on an older view can be refused with who changed it and when.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "core.h"
#include "util.h"

/* Fill r and return -1, so checks can "return core_refuse(...)". */
int
core_refuse(struct core_refusal *r, const char *code, const char *fmt, ...)
{
	va_list	ap;

	r->code = code;
	va_start(ap, fmt);
	r->message = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

void
core_refusal_clear(struct core_refusal *r)
{
	free(r->message);
	r->message = NULL;
	r->code = NULL;
}

void
core_mark_set(struct core_mark *m, const struct core_event *e)
{
	free(m->by);
	m->by = xstrdup(e->actor != NULL ? e->actor : "?");
	m->seq = e->seq;
	m->time = e->time;
	m->type = e->type;
}

void
core_mark_clear(struct core_mark *m)
{
	free(m->by);
	m->by = NULL;
	m->seq = m->time = 0;
}

int
core_check_fresh(const struct core_mark *m, int64_t based_on,
    const char *what, const struct core_ctx *ctx, struct core_refusal *r)
{
	int64_t	ago;

	if (based_on < 0)
		return core_refuse(r, "bad-request",
		    "a coordination command needs based_on (the seq of the "
		    "view it was decided on)");
	if (m->seq <= based_on)
		return 0;
	ago = (ctx->wall - m->time) / 1000;
	if (ago < 0)
		ago = 0;
	return core_refuse(r, "stale",
	    "your view is stale: %s changed at seq %lld (%s by %s, %lld s ago) "
	    "after your view at seq %lld", what, (long long)m->seq,
	    core_type_name(m->type), m->by != NULL ? m->by : "?",
	    (long long)ago, (long long)based_on);
}
