/*
 * concord show [--json]: the incident's current picture: status, severity,
 * commander, working summary, roles (vacant ones too) and recovery actions
 * with holders, fences, and what blocks or conflicts with them.  Whatever
 * the hub sent (a snapshot may lack a title or an opener), it is shown,
 * with "?" for what is missing.
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
	const struct core_action	*ac;
	struct buf			 b;
	char				 hex[2 * CORE_HASH_LEN + 1];
	size_t				 i;

	util_hex_encode(st->chain, CORE_HASH_LEN, hex);
	util_buf_init(&b);
	util_buf_adds(&b, "{\"incident\":");
	proto_json_str(&b, st->id);
	util_buf_adds(&b, ",\"title\":");
	proto_json_str(&b, st->title);
	util_buf_printf(&b, ",\"seq\":%lld,\"chain\":\"%s\",\"sev\":%lld,"
	    "\"status\":", (long long)st->seq, hex, (long long)st->sev);
	proto_json_str(&b, st->status);
	util_buf_adds(&b, ",\"summary\":");
	proto_json_str(&b, st->summary);
	util_buf_adds(&b, ",\"ic\":");
	proto_json_str(&b, st->ic);
	util_buf_adds(&b, ",\"offer\":");
	proto_json_str(&b, st->offer);
	util_buf_adds(&b, ",\"roles\":{");
	for (i = 0; i < st->nroles; i++) {
		if (i > 0)
			util_buf_addc(&b, ',');
		proto_json_str(&b, st->roles[i].role);
		util_buf_addc(&b, ':');
		proto_json_str(&b, st->roles[i].user);
	}
	util_buf_adds(&b, "},\"actions\":[");
	for (i = 0; i < st->nactions; i++) {
		ac = &st->actions[i];
		util_buf_adds(&b, i > 0 ? ",{\"name\":" : "{\"name\":");
		proto_json_str(&b, ac->name);
		util_buf_printf(&b, ",\"state\":\"%s\",\"holder\":",
		    ac->state == CORE_ACTION_HELD ? "held" :
		    ac->state == CORE_ACTION_DONE ? "done" : "free");
		proto_json_str(&b, ac->holder);
		util_buf_printf(&b, ",\"fence\":%lld,\"outcome\":",
		    (long long)ac->fence);
		proto_json_str(&b, ac->outcome);
		util_buf_addc(&b, '}');
	}
	util_buf_adds(&b, "]}");
	printf("%s\n", b.data);
	util_buf_clear(&b);
}

static int
client_cmd_show_exec(struct client_args *a)
{
	struct core_state		 st;
	const struct core_action	*ac;
	char				 digest[CORE_DIGEST_LEN + 1], when[32];
	char				*why;
	size_t				 i;
	int				 rc;

	if (a->nwords != 0)
		return client_usage(&client_cmd_show_entry);
	if ((rc = client_hub_prepare(a, 1)) != 0 ||
	    (rc = client_hub_sync(a, &st, NULL, NULL, NULL)) != 0)
		return rc;
	if (a->json) {
		client_cmd_show_json(&st);
		core_state_clear(&st);
		return CLIENT_EXIT_OK;
	}
	core_chain_digest(st.chain, digest);
	export_time(st.opened, when, sizeof when);
	printf("%s  %s  SEV%lld  %s  IC %s  seq %lld · %s\n", st.id,
	    core_str_or(st.title, "?"), (long long)st.sev,
	    core_str_or(st.status, "?"), st.ic != NULL ? st.ic : "vacant",
	    (long long)st.seq, digest);
	printf("opened %s by %s%s%s\n", when, core_str_or(st.opened_by, "?"),
	    st.offer != NULL ? "; command offered to " : "",
	    st.offer != NULL ? st.offer : "");
	if (st.summary != NULL)
		printf("summary: %s\n", st.summary);
	printf("\nRoles\n  %-12s %s\n", "ic", st.ic != NULL ? st.ic : "-vacant-");
	for (i = 0; i < st.nroles; i++)
		printf("  %-12s %s\n", core_str_or(st.roles[i].role, "?"),
		    st.roles[i].user != NULL ? st.roles[i].user : "-vacant-");
	printf("\nActions\n");
	if (st.nactions == 0)
		printf("  none declared\n");
	for (i = 0; i < st.nactions; i++) {
		ac = &st.actions[i];
		printf("  %-16s ", core_str_or(ac->name, "?"));
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
