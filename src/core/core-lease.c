/*
 * Lease rules shared by the claim, renew, release, done, break and expire
 * commands.  The hub's monotonic clock alone decides expiry; a renewal only
 * extends a lease that has not run out; the fencing token of a grant is the
 * seq of its claim event; commands guarded by a claim must carry the current
 * token and are refused with a stale one.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

int64_t
core_lease_left(const struct core_action *a, int64_t now)
{
	int64_t	ms = a->deadline - now;

	return ms <= 0 ? 0 : (ms + 999) / 1000;
}

int
core_lease_refuse_held(const struct core_action *a, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	return core_refuse(r, "held", "%s is held by %s (fence %lld, %lld s left)",
	    a->name, a->holder, (long long)a->fence,
	    (long long)core_lease_left(a, ctx->now));
}

struct core_action *
core_lease_check_holder(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	struct core_action	*a;

	if (!core_name_valid(cmd->name)) {
		core_refuse(r, "bad-request", "an action name is required");
		return NULL;
	}
	if ((a = core_state_action(s, cmd->name)) == NULL) {
		core_refuse(r, "unknown-action", "no action named %s", cmd->name);
		return NULL;
	}
	if (cmd->fence <= 0) {
		core_refuse(r, "bad-request", "a fence (the token of your grant) "
		    "is required");
		return NULL;
	}
	if (a->state == CORE_ACTION_HELD && cmd->fence == a->fence &&
	    strcmp(a->holder, ctx->actor) == 0 && a->deadline > ctx->now) {
		core_assert(a->fence >= 1 && a->fence <= s->seq);
		return a;
	}
	if (a->state == CORE_ACTION_HELD && cmd->fence == a->fence &&
	    strcmp(a->holder, ctx->actor) == 0)
		core_refuse(r, "stale-fence", "fence %lld is stale: your lease "
		    "on %s ran out", (long long)cmd->fence, a->name);
	else if (a->state == CORE_ACTION_HELD && cmd->fence == a->fence)
		core_refuse(r, "not-holder", "%s is held by %s, not by you "
		    "(fence %lld)", a->name, a->holder, (long long)a->fence);
	else if (a->state == CORE_ACTION_HELD)
		core_refuse(r, "stale-fence", "fence %lld is stale: %s is held "
		    "by %s (fence %lld, %lld s left)", (long long)cmd->fence,
		    a->name, a->holder, (long long)a->fence,
		    (long long)core_lease_left(a, ctx->now));
	else if (a->state == CORE_ACTION_DONE)
		core_refuse(r, "stale-fence", "fence %lld is stale: %s is done "
		    "(%s)", (long long)cmd->fence, a->name,
		    a->outcome != NULL ? a->outcome : "?");
	else
		core_refuse(r, "stale-fence", "fence %lld is stale: %s is not "
		    "held (last grant fence %lld to %s, %s)",
		    (long long)cmd->fence, a->name, (long long)a->fence,
		    a->last_holder != NULL ? a->last_holder : "nobody",
		    a->mark.type == CORE_EXPIRE ? "expired" :
		    a->mark.type == CORE_BREAK ? "broken" : "ended");
	return NULL;
}

void
core_lease_end(struct core_action *a, int64_t free_at)
{
	free(a->last_holder);
	a->last_holder = a->holder;
	a->holder = NULL;
	a->state = CORE_ACTION_FREE;
	a->deadline = 0;
	a->free_at = free_at;
}

void
core_lease_lost(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_action	*a = core_state_action(s, e->name);

	if (a == NULL)
		return;
	core_lease_end(a, ctx->now + ctx->lock_delay);
	core_mark_set(&a->mark, e);
}
