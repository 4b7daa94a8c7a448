/*
 * The client's configuration file: $CONCORD_CONFIG, else
 * $XDG_CONFIG_HOME/concord/concord.conf (default ~/.config/concord/).
 * Lines "key = value" ('#' starts a comment) give defaults for what the
 * environment can also say: hub ($CONCORD_HUB), ca ($CONCORD_CA, the CA
 * bundle a wss:// hub's certificate is checked against), user
 * ($CONCORD_USER), incident ($CONCORD_INCIDENT), theme ($CONCORD_THEME)
 * and token ($CONCORD_TOKEN).  The environment wins over the file and
 * options win over both, so the file only fills in variables that are
 * unset.  A file with a token must be the user's and readable by nobody
 * else (mode 0600 or stricter), else it is refused, as ssh refuses such a
 * key.  A missing file is fine; a bad line is an error naming its line,
 * and so is a hub that is empty or not an address (never a silent fall
 * back to the private embedded hub).  hub may list several hubs, separated
 * by spaces or commas ("hub = wss://a:7420 wss://b:7420"): each address is
 * checked, and a list naming one twice is refused too.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
 * Is value a hub address, or a list of them?  An empty or malformed one is
 * an error, never the embedded hub: a team's console must not quietly
 * open incidents on a private hub nobody else sees.
 */
static int
client_config_hub(const char *value, char **why)
{
	char	**hubs, *cause = NULL;
	size_t	  n;

	if (value[strspn(value, " \t,")] == '\0') {
		*why = xstrdup("hub is empty: give unix:/PATH, "
		    "ws://HOST:PORT or wss://HOST:PORT (or several, separated "
		    "by spaces or commas), or remove the line to use the "
		    "private embedded hub");
		return -1;
	}
	if (client_url_list(value, &hubs, &n, &cause) != 0) {
		*why = cause;
		return -1;
	}
	client_url_list_free(hubs, n);
	return 0;
}

/*
 * One setting: fill its variable unless the environment has it.  The
 * token is kept by the link (never put in the environment, which
 * commands run by concord run would inherit).
 */
static int
client_config_set(const char *key, const char *value, void *arg, char **why)
{
	char	**token = arg;
	size_t	  i;

	if (strcmp(key, "hub") == 0 && client_config_hub(value, why) != 0)
		return -1;
	if (strcmp(key, "token") == 0) {
		free(*token);
		*token = xstrdup(value);
		return 0;
	}
	for (i = 0; i < sizeof client_config_keys /
	    sizeof client_config_keys[0]; i++) {
		if (strcmp(key, client_config_keys[i].key) == 0) {
			setenv(client_config_keys[i].env, value, 0);
			return 0;
		}
	}
	*why = xasprintf("unknown setting \"%s\" (hub, ca, user, incident, "
	    "theme or token)", key);
	return -1;
}

/*
 * A file holding a token must be the user's alone, as ssh wants of a
 * private key: refuse one that others may read or change.  Returns 0,
 * or -1 with *cause.
 */
static int
client_config_private(const char *path, char **cause)
{
	struct stat	sb;

	if (stat(path, &sb) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		*cause = xasprintf("%s holds a token and others may read or "
		    "change it (mode %04o): refusing to use it; chmod 600 %s, "
		    "and have the token replaced if others may have read it",
		    path,
		    (unsigned int)(sb.st_mode & 07777), path);
		return -1;
	}
	if (sb.st_uid != getuid()) {
		*cause = xasprintf("%s holds a token and is not yours: "
		    "refusing to use it", path);
		return -1;
	}
	return 0;
}

int
client_config_load(char **cause)
{
	char	*path, *token = NULL;
	int	 rc;

	if ((path = client_config_path()) == NULL)
		return 0;
	rc = util_conf_read(path, getenv("CONCORD_CONFIG") == NULL,
	    client_config_set, &token, cause);
	if (rc == 0 && token != NULL) {
		if ((rc = client_config_private(path, cause)) == 0)
			client_link_token_set(token);
		explicit_bzero(token, strlen(token));
	}
	free(token);
	free(path);
	return rc;
}
