/*
 * The client's configuration file: $CONCORD_CONFIG, else
 * $XDG_CONFIG_HOME/concord/concord.conf (default ~/.config/concord/).
 * Lines "key = value" ('#' starts a comment) give defaults for what the
 * environment can also say: hub ($CONCORD_HUB), user ($CONCORD_USER),
 * incident ($CONCORD_INCIDENT) and theme ($CONCORD_THEME).  The environment
 * wins over the file and options win over both, so the file only fills in
 * variables that are unset.  A missing file is fine; a bad line is an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "util.h"

static const struct {
	const char	*key;
	const char	*env;
} client_config_keys[] = {
	{ "hub", "CONCORD_HUB" },
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

/* Trim blanks at both ends, in place. */
static char *
client_config_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

int
client_config_load(char **cause)
{
	FILE	*f;
	char	*path, line[1024], *k, *v, *eq;
	size_t	 i;
	int	 n = 0, explicit = getenv("CONCORD_CONFIG") != NULL;

	if ((path = client_config_path()) == NULL)
		return 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !explicit) {
			free(path);
			return 0;
		}
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		n++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			*cause = xasprintf("%s:%d: line too long", path, n);
			goto fail;
		}
		line[strcspn(line, "#\n")] = '\0';
		k = client_config_trim(line);
		if (*k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			*cause = xasprintf("%s:%d: expected key = value", path,
			    n);
			goto fail;
		}
		*eq = '\0';
		k = client_config_trim(k);
		v = client_config_trim(eq + 1);
		for (i = 0; i < sizeof client_config_keys /
		    sizeof client_config_keys[0]; i++) {
			if (strcmp(k, client_config_keys[i].key) == 0)
				break;
		}
		if (i == sizeof client_config_keys /
		    sizeof client_config_keys[0]) {
			*cause = xasprintf("%s:%d: unknown setting \"%s\" (hub, "
			    "user, incident or theme)", path, n, k);
			goto fail;
		}
		setenv(client_config_keys[i].env, v, 0);
	}
	fclose(f);
	free(path);
	return 0;
fail:
	fclose(f);
	free(path);
	return -1;
}
