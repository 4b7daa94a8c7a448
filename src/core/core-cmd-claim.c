/*
 * action.claim: take the lease on an action.  Refused while someone holds
 * it, while it is done, while a dependency is not done, while a conflicting
 * action is held, during the lock-delay after an expiry or a break, and when
 * the claimer's view of the action is stale.  The grant's fencing token is
 * the seq of the claim event itself.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_claim_check(const struct core_state *s, const struct core_event *cmd,
    const struct core_ctx *ctx, struct core_refusal *r)
{
	struct core_action	*a, *b;
	size_t			 i;

	if (!core_name_valid(cmd->name))
		return core_refuse(r, "bad-request", "an action name is required");
	if (cmd->ttl != 0 && (cmd->ttl < CORE_TTL_MIN || cmd->ttl > CORE_TTL_MAX))
		return core_refuse(r, "bad-request", "a lease lasts 1 s to 24 h");
	if ((a = core_state_action(s, cmd->name)) == NULL)
		return core_refuse(r, "unknown-action", "no action named %s",
		    cmd->name);
	if (a->state == CORE_ACTION_HELD)
		return core_lease_refuse_held(a, ctx, r);
	if (a->state == CORE_ACTION_DONE)
		return core_refuse(r, "done", "%s is done (%s by %s)", a->name,
		    a->outcome, a->last_holder != NULL ? a->last_holder : "?");
	for (i = 0; i < a->nafter; i++) {
		b = core_state_action(s, a->after[i]);
		if (b != NULL && b->state != CORE_ACTION_DONE)
			return core_refuse(r, "blocked", "%s is blocked: it "
			    "runs after %s, which is not done", a->name, b->name);
	}
	for (i = 0; i < s->nactions; i++) {
		b = &s->actions[i];
		if (b == a || b->state != CORE_ACTION_HELD)
			continue;
		if (core_list_has(a->conflicts, a->nconflicts, b->name) ||
		    core_list_has(b->conflicts, b->nconflicts, a->name))
			return core_refuse(r, "conflict", "%s conflicts with %s, "
			    "running (held by %s, fence %lld)", a->name, b->name,
			    b->holder, (long long)b->fence);
	}
	if (a->free_at > ctx->now)
		return core_refuse(r, "lock-delay", "%s is in lock-delay after "
		    "its last lease %s (%lld s more)", a->name,
		    a->mark.type == CORE_BREAK ? "was broken" : "ran out",
		    (long long)((a->free_at - ctx->now + 999) / 1000));
	core_assert(a->fence <= s->seq);	/* the new fence is larger */
	return core_check_fresh(&a->mark, ctx->based_on, a->name, ctx, r);
}

static void
core_cmd_claim_apply(struct core_state *s, const struct core_event *e,
    const struct core_ctx *ctx)
{
	struct core_action	*a = core_state_action(s, e->name);

	if (a == NULL)
		return;
	a->state = CORE_ACTION_HELD;
	free(a->holder);
	a->holder = xstrdup(core_str_or(e->actor, "?"));
	a->fence = e->seq;
	a->ttl = e->ttl != 0 ? e->ttl : CORE_TTL_DEFAULT;
	a->deadline = ctx->now + a->ttl;
	a->free_at = 0;
	core_mark_set(&a->mark, e);
}

static char *
core_cmd_claim_describe(const struct core_event *e)
{
	return xasprintf("claimed %s (fence %lld, %lld s lease)",
	    core_str_or(e->name, "?"),
	    (long long)e->seq, (long long)((e->ttl != 0 ? e->ttl :
	    CORE_TTL_DEFAULT) / 1000));
}

const struct core_cmd_entry core_cmd_claim_entry = {
	"action.claim", CORE_CLAIM, CORE_F_COORD,
	CORE_FLD_NAME | CORE_FLD_TTL,
	CORE_FLD_NAME,
	core_cmd_claim_check, core_cmd_claim_apply, core_cmd_claim_describe,
	CORE_KIND_LEASE
};
