/*
 * The concord program entry point.  The command line is the client's
 * (client_run); the console is wired in here, so the client never calls
 * the screen: with no command client_run runs client_console, tui_main.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "tui.h"
#include "util.h"

int
main(int argc, char **argv)
{
	const char	*log;
	char		*cause = NULL;

	signal(SIGPIPE, SIG_IGN);
	if ((log = getenv("CONCORD_LOG")) != NULL && *log != '\0')
		util_log_open(log);
	if (client_config_load(&cause) != 0) {
		fprintf(stderr, "concord: %s\n", cause);
		free(cause);
		return CLIENT_EXIT_ERROR;
	}
	client_console = tui_main;
	return client_run(argc, argv);
}
