/*
 * alert: an alert from monitoring (Alertmanager's webhook, or the generic
 * hook) fired or was resolved.  The hub gives each delivery an operation
 * id made of the alert's fingerprint, status and start, so a delivery
 * repeated by the sender is logged once.
 */
#include <string.h>

#include "core.h"
#include "util.h"

static int
core_cmd_alert_check(const struct core_state *s,
    const struct core_event *cmd, const struct core_ctx *ctx,
    struct core_refusal *r)
{
	(void)s;
	(void)ctx;
	if (cmd->state == NULL || (strcmp(cmd->state, "firing") != 0 &&
	    strcmp(cmd->state, "resolved") != 0))
		return core_refuse(r, "bad-request", "an alert is firing or "
		    "resolved");
	if (cmd->text == NULL || *cmd->text == '\0' ||
	    !core_text_valid(cmd->text, CORE_TEXT_MAX))
		return core_refuse(r, "bad-request", "an alert needs a text");
	return 0;
}

static char *
core_cmd_alert_describe(const struct core_event *e)
{
	return xasprintf("%s %s", e->state != NULL &&
	    strcmp(e->state, "resolved") == 0 ? "RESOLVED" : "FIRING",
	    core_str_or(e->text, "?"));
}

const struct core_cmd_entry core_cmd_alert_entry = {
	"alert", CORE_ALERT, CORE_F_HUB,
	CORE_FLD_STATE | CORE_FLD_TEXT | CORE_FLD_LABELS | CORE_FLD_KIND,
	CORE_FLD_STATE | CORE_FLD_TEXT,
	core_cmd_alert_check, NULL, core_cmd_alert_describe,
	CORE_KIND_SIGNAL
};
