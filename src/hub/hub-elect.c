/*
 * Leadership among the hubs that share a store: one of them, the leader,
 * issues every lease expiry and polls the telemetry feeds, so that leases
 * run on one clock and each feed is polled once per cluster.  The store
 * decides (store_leader: with PostgreSQL a session-level advisory lock held
 * on a connection of the hub's own; a hub that loses that connection loses
 * the lead, and the database frees the lock for another).  Every hub asks
 * at start and then every HUB_ELECT_EVERY ms.  With a store one hub writes
 * (SQLite) that hub always leads and nothing here changes anything.
 *
 * Taking the lead is conservative: every lease held is timed afresh from
 * that moment (hub_state_afresh), so that after a failover a lease may run
 * a little longer, never shorter; renewals through any hub reach the
 * leader through the database.  Losing it stops the lease timer and the
 * polling at once; two hubs that both believe they lead for a moment
 * (one cut off and not yet told) are harmless: each batch locks the heads
 * of its incidents, so an expiry or crossing the other already logged is
 * decided again against it and dropped.
 */
#include <stdlib.h>

#include "hub.h"
#include "store.h"

static void
hub_elect_cb(lws_sorted_usec_list_t *sul)
{
	struct hub	*hub = lws_container_of(sul, struct hub, elect_sul);
	char		*cause = NULL;
	int		 rc, was = hub->leader;

	rc = store_leader(hub->store, &cause);
	if (rc == -1) {
		if (!hub->elect_failing)
			util_log("leader: cannot ask the store: %s", cause);
		hub->elect_failing = 1;
		free(cause);
	} else if (hub->elect_failing) {
		util_log("leader: asking the store again");
		hub->elect_failing = 0;
	}
	hub->leader = rc == 1;
	if (hub->leader != was) {
		hub->stat_leader_changes++;
		hub->tele_dirty = 1;
		if (hub->leader) {
			util_log("leader: this hub now leads the cluster "
			    "(lease expiries, telemetry)");
			hub_state_afresh(hub, "taking the lead");
		} else
			util_log("leader: this hub no longer leads the "
			    "cluster");
		hub_state_leases(hub);
		hub_tele_sync(hub);
		lws_cancel_service(hub->ctx);
	}
	lws_sul_schedule(hub->ctx, 0, &hub->elect_sul, hub_elect_cb,
	    HUB_ELECT_EVERY * 1000);
}

void
hub_elect_start(struct hub *hub)
{
	if (!store_shared(hub->store)) {
		hub->leader = 1;
		return;
	}
	hub_elect_cb(&hub->elect_sul);
}

void
hub_elect_stop(struct hub *hub)
{
	lws_sul_cancel(&hub->elect_sul);
}
