/*
 * concord: the command-line client.  Parses the common options and the
 * subcommand's own with the verb table's grammar (client-cmd.c), then runs
 * the subcommand from client_cmd_table (one file per subcommand).  Exit
 * statuses: 0 done, 1 usage or other error, 2 hub unreachable, 3 refused
 * by the hub (an unknown incident too), 4 queued for later delivery; with
 * --json every failure is one JSON object on standard error.  With no
 * command it runs client_console, which the program's main (tui-concord.c)
 * points at the console: nothing here calls the screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "util.h"

static void
client_main_usage(FILE *f)
{
	int	i;

	fputs("usage: concord [--hub URL] [--ca FILE] [--as NAME] [-i ID] "
	    "[--theme NAME]\n"
	    "       concord [--hub URL] [--ca FILE] [--as NAME] [-i ID] COMMAND "
	    "[ARGS]\n"
	    "\n"
	    "With no command, concord opens the console on the incident.\n"
	    "\n"
	    "Common options (before or after the command):\n"
	    "  --hub URL        unix:/PATH, wss://HOST:PORT (TLS) or "
	    "ws://HOST:PORT\n"
	    "                   (default $CONCORD_HUB, else a private embedded "
	    "hub); or\n"
	    "                   several hubs of one cluster, separated by "
	    "spaces or commas\n"
	    "                   (\"wss://a:7420 wss://b:7420\"): tried in "
	    "order, and a hub\n"
	    "                   lost is left for the next\n"
	    "  --ca FILE        trust only these CA certificates for a wss:// "
	    "hub (default\n"
	    "                   $CONCORD_CA, else the system's store); a hub "
	    "whose\n"
	    "                   certificate does not verify or name HOST is "
	    "refused (exit 2)\n"
	    "  --as NAME        whom you act as (default $CONCORD_USER, else "
	    "your token's\n"
	    "                   user over TCP, else $USER); the hub decides "
	    "who you are:\n"
	    "                   your login on its socket, your token's user "
	    "over TCP\n"
	    "                   ($CONCORD_TOKEN, or token in concord.conf), "
	    "and acting as\n"
	    "                   another needs its act-as right\n"
	    "  -i ID            the incident (default $CONCORD_INCIDENT, else "
	    "the\n"
	    "                   only open incident)\n"
	    "  --json           machine-readable output, and failures as\n"
	    "                   {\"error\":CODE,\"message\":...} on "
	    "standard error\n"
	    "  --based-on N     decide a coordination command on the view at "
	    "seq N\n"
	    "  --op ID          the operation id (a retry with the same id is "
	    "logged once)\n"
	    "  --timeout S      give up waiting for the hub after S seconds "
	    "(default 10):\n"
	    "                   exit 2, or 4 for a note kept in the outbox\n"
	    "\nCommands:\n", f);
	for (i = 0; client_cmd_table[i] != NULL; i++) {
		if ((client_cmd_table[i]->flags & CLIENT_CMD_NOCLI) == 0)
			fprintf(f, "  %s\n", client_cmd_table[i]->usage);
	}
	fputs("\nSeverities are 1-4 or SEV1-SEV4.\n"
	    "Exit status: 0 done, 1 a usage error (before anything is sent) or "
	    "another\nerror, 2 hub unreachable or not answering, 3 refused (an "
	    "unknown incident\ntoo), 4 queued; run: its command's, or 75 (-E) "
	    "when the claim is refused;\nthe console: 129 when its terminal "
	    "goes, 128+N on signal N.  See concord(1).\n", f);
}

int	(*client_console)(struct client_args *);

int
client_run(int argc, char **argv)
{
	const struct client_cmd_entry	*ce = NULL;
	struct client_args		 a;
	int64_t				 saved;
	char				*cause = NULL;
	int				 i, rc;

	client_args_init(&a);
	/* Failures are JSON with --json, even before it is parsed. */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--json") == 0)
			a.json = 1;
	}
	client_hub_json_errors(a.json);
	if ((i = client_cmd_parse_common(&a, argc, argv, &cause)) >= 0 &&
	    i < argc) {
		if ((ce = client_cmd_find(argv[i], 0)) == NULL) {
			client_hub_error(CLIENT_EXIT_ERROR, "usage",
			    "unknown command %s", argv[i]);
			if (!a.json)
				client_main_usage(stderr);
			client_args_clear(&a);
			return CLIENT_EXIT_ERROR;
		}
		if (client_cmd_parse(ce, &a, argc - i, argv + i, 0,
		    &cause) != 0)
			i = -1;
	}
	if (i < 0) {
		if (ce != NULL)
			rc = client_usage_why(ce, cause);
		else
			rc = client_hub_error(CLIENT_EXIT_ERROR, "usage", "%s",
			    cause);
		free(cause);
		client_args_clear(&a);
		return rc;
	}
	client_hub_json_errors(a.json);
	/* Every wait for the hub ends by the deadline (restored after). */
	saved = client_conn_deadline(util_clock_mono_ms() + a.timeout);
	if (ce == NULL && a.nwords == 0 && client_opt(&a, "help") == NULL &&
	    client_opt(&a, "h") == NULL) {
		rc = client_console(&a);	/* no command: the console */
		client_args_clear(&a);
		client_conn_deadline(saved);
		return rc;
	}
	if (ce == NULL || client_opt(&a, "help") != NULL ||
	    client_opt(&a, "h") != NULL) {
		rc = ce == NULL && argc > 1 && client_opt(&a, "help") == NULL &&
		    client_opt(&a, "h") == NULL;
		if (ce != NULL && !rc)
			printf("usage: concord %s\n", ce->usage);
		else
			client_main_usage(rc ? stderr : stdout);
		client_args_clear(&a);
		client_conn_deadline(saved);
		return rc ? CLIENT_EXIT_ERROR : 0;
	}
	rc = ce->exec(&a);
	client_args_clear(&a);
	client_conn_deadline(saved);
	return rc;
}
