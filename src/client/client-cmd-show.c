/*
 * concord show [--json]: the incident's current picture: status, severity,
 * commander, whether viewers are on, working summary, roles (vacant ones too), key moments (with
 * what every feed showed when each was decided or marked) and recovery
 * actions with holders, fences, and what blocks or conflicts with them.
 * Whatever the hub sent (a snapshot may lack a title or an opener), it is
 * shown, with "?" for what is missing.  Text is made safe for the terminal
 * (no control or bidi character goes out raw), and the role and action
 * columns are as wide as their longest name (up to a bound), so they line
 * up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "export.h"
#include "util.h"

static void
client_cmd_show_json(const struct core_state *st)
{
	struct buf	b;

	util_buf_init(&b);
	proto_state_json(st, &b);
	printf("%s\n", b.data);
	util_buf_clear(&b);
}

/* Print text made safe for the terminal, one line. */
static void
client_cmd_show_text(const char *s)
{
	char	*safe = export_text(s, EXPORT_TEXT_SAFE | EXPORT_TEXT_LINE);

	fputs(safe, stdout);
	free(safe);
}

/* The width of a column of names: the longest, at most max. */
static int
client_cmd_show_width(int have, const char *name, int max)
{
	int	n = name != NULL ? (int)strlen(name) : 1;

	if (n > max)
		n = max;
	return n > have ? n : have;
}

static int
client_cmd_show_exec(struct client_args *a)
{
	struct core_state		 st;
	const struct core_action	*ac;
	const struct core_moment	*mo;
	char				 digest[CORE_DIGEST_LEN + 1], when[32];
	char				*why;
	size_t				 i, j;
	int				 rc, rw = 2, aw = 4;

	if (a->nwords != 0)
		return client_usage(a->entry);
	if ((rc = client_hub_prepare(a, 1)) != 0 ||
	    (rc = client_hub_sync(a, &st, NULL, NULL, NULL)) != 0)
		return rc;
	if (a->json) {
		client_cmd_show_json(&st);
		core_state_clear(&st);
		return CLIENT_EXIT_OK;
	}
	for (i = 0; i < st.nroles; i++)
		rw = client_cmd_show_width(rw, st.roles[i].role, 24);
	for (i = 0; i < st.nactions; i++)
		aw = client_cmd_show_width(aw, st.actions[i].name, 32);
	core_chain_digest(st.chain, digest);
	export_time(st.opened, when, sizeof when);
	printf("%s  ", st.id);
	client_cmd_show_text(core_str_or(st.title, "?"));
	printf("  SEV%lld  %s  IC %s  seq %lld · %s\n", (long long)st.sev,
	    core_str_or(st.status, "?"), st.ic != NULL ? st.ic : "vacant",
	    (long long)st.seq, digest);
	printf("opened %s by %s%s%s\n", when, core_str_or(st.opened_by, "?"),
	    st.offer != NULL ? "; command offered to " : "",
	    st.offer != NULL ? st.offer : "");
	if (st.viewers)
		printf("viewers on: only responders may act\n");
	if (st.summary != NULL) {
		printf("summary: ");
		client_cmd_show_text(st.summary);
		printf("\n");
	}
	printf("\nRoles\n  %-*s  %s\n", rw, "ic", st.ic != NULL ? st.ic :
	    "-vacant-");
	for (i = 0; i < st.nroles; i++)
		printf("  %-*s  %s\n", rw, core_str_or(st.roles[i].role, "?"),
		    st.roles[i].user != NULL ? st.roles[i].user : "-vacant-");
	if (st.nmoments > 0)
		printf("\nKey moments\n");
	for (i = 0; i < st.nmoments; i++) {
		mo = &st.moments[i];
		printf("  #%-5lld %-10s by %s%s", (long long)mo->ref,
		    core_str_or(mo->kind, "?"), core_str_or(mo->by, "?"),
		    mo->text != NULL ? ": " : "");
		client_cmd_show_text(core_str_or(mo->text, ""));
		printf("\n");
		for (j = 0; j < mo->nseen; j++) {
			printf("          ");
			client_cmd_show_text(mo->seen[j]);
			printf("\n");
		}
	}
	printf("\nActions\n");
	if (st.nactions == 0)
		printf("  none declared\n");
	for (i = 0; i < st.nactions; i++) {
		ac = &st.actions[i];
		printf("  %-*s  ", aw, core_str_or(ac->name, "?"));
		if (ac->state == CORE_ACTION_HELD)
			printf("HELD by %s, fence %lld\n",
			    core_str_or(ac->holder, "?"), (long long)ac->fence);
		else if (ac->state == CORE_ACTION_DONE)
			printf("DONE %s by %s, fence %lld\n",
			    core_str_or(ac->outcome, "?"),
			    ac->last_holder != NULL ? ac->last_holder : "?",
			    (long long)ac->fence);
		else if ((why = core_state_blocked(&st, ac)) != NULL) {
			printf("BLOCKED %s\n", why);
			free(why);
		} else
			printf("FREE%s%s\n", ac->outcome != NULL ? ", last " : "",
			    ac->outcome != NULL ? ac->outcome : "");
	}
	core_state_clear(&st);
	return CLIENT_EXIT_OK;
}

const struct client_cmd_entry client_cmd_show_entry = {
	.name = "show",
	.usage = "show [--json]",
	.opts = "",
	.exec = client_cmd_show_exec
};
