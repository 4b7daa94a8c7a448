/*
 * The client's configuration file: $CONCORD_CONFIG, else
 * $XDG_CONFIG_HOME/concord/concord.conf (default ~/.config/concord/).
 * Lines "key = value" ('#' starts a comment) give defaults for what the
 * environment can also say: hub ($CONCORD_HUB), ca ($CONCORD_CA, the CA
 * bundle a wss:// hub's certificate is checked against), user
 * ($CONCORD_USER), incident ($CONCORD_INCIDENT) and theme ($CONCORD_THEME).  The environment
 * wins over the file and options win over both, so the file only fills in
 * variables that are unset.  A missing file is fine; a bad line is an
 * error naming its line, and so is a hub that is empty or not an address
 * (never a silent fall back to the private embedded hub).
 */
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "client.h"
#include "util.h"

static const struct {
	const char	*key;
	const char	*env;
} client_config_keys[] = {
	{ "hub", "CONCORD_HUB" },
	{ "ca", "CONCORD_CA" },
	{ "user", "CONCORD_USER" },
	{ "incident", "CONCORD_INCIDENT" },
	{ "theme", "CONCORD_THEME" },
};

static char *
client_config_path(void)
{
	const char	*s;

	if ((s = getenv("CONCORD_CONFIG")) != NULL && *s != '\0')
		return xstrdup(s);
	if ((s = getenv("XDG_CONFIG_HOME")) != NULL && *s == '/')
		return xasprintf("%s/concord/concord.conf", s);
	if ((s = getenv("HOME")) != NULL && *s != '\0')
		return xasprintf("%s/.config/concord/concord.conf", s);
	return NULL;
}

/*
 * Is value a hub address?  An empty or malformed one is an error, never
 * the embedded hub: a team's console must not quietly open incidents on
 * a private hub nobody else sees.
 */
static int
client_config_hub(const char *value, char **why)
{
	struct lws_client_connect_info	 ci;
	char				*owned = NULL, *cause = NULL;

	if (*value == '\0') {
		*why = xstrdup("hub is empty: give unix:/PATH, "
		    "ws://HOST:PORT or wss://HOST:PORT, or remove the line to "
		    "use the private embedded hub");
		return -1;
	}
	memset(&ci, 0, sizeof ci);
	if (client_conn_address(value, &ci, &owned, &cause) != 0) {
		*why = cause;
		return -1;
	}
	free(owned);
	return 0;
}

/* One setting: fill its variable unless the environment has it. */
static int
client_config_set(const char *key, const char *value, void *arg, char **why)
{
	size_t	i;

	(void)arg;
	if (strcmp(key, "hub") == 0 && client_config_hub(value, why) != 0)
		return -1;
	for (i = 0; i < sizeof client_config_keys /
	    sizeof client_config_keys[0]; i++) {
		if (strcmp(key, client_config_keys[i].key) == 0) {
			setenv(client_config_keys[i].env, value, 0);
			return 0;
		}
	}
	*why = xasprintf("unknown setting \"%s\" (hub, ca, user, incident "
	    "or theme)", key);
	return -1;
}

int
client_config_load(char **cause)
{
	char	*path;
	int	 rc;

	if ((path = client_config_path()) == NULL)
		return 0;
	rc = util_conf_read(path, getenv("CONCORD_CONFIG") == NULL,
	    client_config_set, NULL, cause);
	free(path);
	return rc;
}
