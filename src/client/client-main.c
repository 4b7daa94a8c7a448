/*
 * concord: the command-line client.  Parses the common options and the
 * subcommand's own, then runs the subcommand from client_cmd_table (one
 * file per subcommand).  Exit statuses: 0 done, 1 usage or other error,
 * 2 hub unreachable, 3 refused by the hub, 4 queued for later delivery.
 * With no command it runs client_console, which the program's main
 * (tui-concord.c) points at the console: nothing here calls the screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "util.h"

const struct client_cmd_entry *client_cmd_table[] = {
	&client_cmd_open_entry,
	&client_cmd_incidents_entry,
	&client_cmd_show_entry,
	&client_cmd_note_entry,
	&client_cmd_amend_entry,
	&client_cmd_mark_entry,
	&client_cmd_summary_entry,
	&client_cmd_status_entry,
	&client_cmd_sev_entry,
	&client_cmd_role_entry,
	&client_cmd_command_entry,
	&client_cmd_declare_entry,
	&client_cmd_claim_entry,
	&client_cmd_renew_entry,
	&client_cmd_release_entry,
	&client_cmd_done_entry,
	&client_cmd_break_entry,
	&client_cmd_run_entry,
	&client_cmd_log_entry,
	&client_cmd_export_entry,
	&client_cmd_verify_entry,
	&client_cmd_demo_entry,
	NULL
};

static void
client_main_usage(FILE *f)
{
	int	i;

	fputs("usage: concord [--hub URL] [--as NAME] [-i ID] [--theme NAME]\n"
	    "       concord [--hub URL] [--as NAME] [-i ID] COMMAND [ARGS]\n"
	    "\n"
	    "With no command, concord opens the console on the incident.\n"
	    "\n"
	    "Common options (before or after the command):\n"
	    "  --hub URL        unix:/PATH or ws://HOST:PORT (default "
	    "$CONCORD_HUB,\n"
	    "                   else a private embedded hub)\n"
	    "  --as NAME        who you are (default $CONCORD_USER, else "
	    "$USER)\n"
	    "  -i ID            the incident (default $CONCORD_INCIDENT, else "
	    "the\n"
	    "                   only open incident)\n"
	    "  --json           machine-readable output from read commands\n"
	    "  --based-on N     decide a coordination command on the view at "
	    "seq N\n"
	    "  --op ID          the operation id (a retry with the same id is "
	    "logged once)\n"
	    "  --timeout S      give up waiting for the hub after S seconds "
	    "(default 10):\n"
	    "                   exit 2, or 4 for a note kept in the outbox\n"
	    "\nCommands:\n", f);
	for (i = 0; client_cmd_table[i] != NULL; i++)
		fprintf(f, "  %s\n", client_cmd_table[i]->usage);
	fputs("\nExit status: 0 done, 1 error, 2 hub unreachable or not "
	    "answering, 3 refused,\n4 queued; run: its command's, or 75 (-E) "
	    "when the claim is refused;\nthe console: 129 when its terminal "
	    "goes, 128+N on signal N.\nSee concord(1).\n", f);
}

int
client_usage(const struct client_cmd_entry *ce)
{
	fprintf(stderr, "usage: concord %s\n", ce->usage);
	return CLIENT_EXIT_ERROR;
}

int
client_ttl_parse(const char *s, int64_t *ms)
{
	if (util_duration_parse(s, ms) != 0 || *ms < CORE_TTL_MIN ||
	    *ms > CORE_TTL_MAX) {
		fprintf(stderr, "concord: a lease lasts 1 s to 24 h, not %s\n",
		    s);
		return -1;
	}
	return 0;
}

char *
client_words(struct client_args *a)
{
	struct buf	b;
	size_t		i;

	util_buf_init(&b);
	for (i = 0; i < a->nwords; i++) {
		if (i > 0)
			util_buf_addc(&b, ' ');
		util_buf_adds(&b, a->words[i]);
	}
	return util_buf_steal(&b);
}

const char *
client_opt(struct client_args *a, const char *name)
{
	const char	*v = NULL;
	size_t		 i;

	for (i = 0; i < a->nopts; i++) {
		if (strcmp(a->opts[i].name, name) == 0)
			v = a->opts[i].value != NULL ? a->opts[i].value : "";
	}
	return v;
}

size_t
client_opt_all(struct client_args *a, const char *name, char ***out)
{
	size_t	i, n = 0;

	*out = NULL;
	for (i = 0; i < a->nopts; i++) {
		if (strcmp(a->opts[i].name, name) == 0 &&
		    a->opts[i].value != NULL)
			core_list_add(out, &n, a->opts[i].value);
	}
	return n;
}

/* Does spec ("ttl:,force,o:") name opt?  1 flag, 2 with a value, 0 no. */
static int
client_spec(const char *spec, const char *opt)
{
	size_t		 n = strlen(opt);
	const char	*p = spec;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == ':' ||
		    p[n] == '\0'))
			return p[n] == ':' ? 2 : 1;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return 0;
}

/*
 * Parse one option at argv[*i]; returns 0, or -1 after printing why.
 * spec is the command's own options (NULL before the command).
 */
static int
client_parse_opt(struct client_args *a, const char *spec, int argc,
    char **argv, int *i)
{
	char		*name, *eq, *value = NULL;
	int		 kind;
	int64_t		 n;

	if (strcmp(argv[*i], "-i") == 0)
		name = xstrdup("incident");
	else if (argv[*i][1] == '-')
		name = xstrdup(argv[*i] + 2);
	else
		name = xstrdup(argv[*i] + 1);
	if ((eq = strchr(name, '=')) != NULL) {
		*eq = '\0';
		value = eq + 1;
	}
	if (strcmp(name, "hub") == 0 || strcmp(name, "as") == 0 ||
	    strcmp(name, "incident") == 0 || strcmp(name, "based-on") == 0 ||
	    strcmp(name, "op") == 0 || strcmp(name, "timeout") == 0)
		kind = 2;
	else if (strcmp(name, "json") == 0 || strcmp(name, "help") == 0 ||
	    strcmp(name, "h") == 0)
		kind = 1;
	else if (spec == NULL && strcmp(name, "theme") == 0)
		kind = 2;
	else if (spec == NULL || (kind = client_spec(spec, name)) == 0) {
		fprintf(stderr, "concord: unknown option %s\n", argv[*i]);
		free(name);
		return -1;
	}
	if (kind == 2 && value == NULL) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "concord: %s needs a value\n", argv[*i]);
			free(name);
			return -1;
		}
		value = argv[++(*i)];
	}
	if (strcmp(name, "hub") == 0)
		a->hub = xstrdup(value);
	else if (strcmp(name, "as") == 0)
		a->user = xstrdup(value);
	else if (strcmp(name, "incident") == 0)
		a->incident = xstrdup(value);
	else if (strcmp(name, "op") == 0)
		a->op = xstrdup(value);
	else if (strcmp(name, "json") == 0)
		a->json = 1;
	else if (strcmp(name, "timeout") == 0) {
		if (util_duration_parse(value, &n) != 0 || n < 100 ||
		    n > 86400000) {
			fprintf(stderr, "concord: --timeout wants seconds "
			    "(0.1 to 86400)\n");
			free(name);
			return -1;
		}
		a->timeout = n;
	}
	else if (strcmp(name, "based-on") == 0) {
		if (util_num_parse(value, 0, INT64_MAX, &n) != 0) {
			fprintf(stderr, "concord: --based-on wants a seq\n");
			free(name);
			return -1;
		}
		a->based_on = n;
	} else {
		a->opts = xreallocarray(a->opts, a->nopts + 1, sizeof *a->opts);
		a->opts[a->nopts].name = xstrdup(name);
		a->opts[a->nopts].value = value != NULL ? xstrdup(value) : NULL;
		a->nopts++;
	}
	free(name);
	return 0;
}

static void
client_args_clear(struct client_args *a)
{
	size_t	i;

	free(a->hub);
	free(a->user);
	free(a->incident);
	free(a->op);
	for (i = 0; i < a->nopts; i++) {
		free((char *)a->opts[i].name);
		free(a->opts[i].value);
	}
	free(a->opts);
	core_list_free(a->words, a->nwords);
	core_list_free(a->argv_rest, a->nrest);
}

int	(*client_console)(struct client_args *);

int
client_run(int argc, char **argv)
{
	const struct client_cmd_entry	*ce = NULL;
	struct client_args		 a;
	int64_t				 saved;
	int				 i, rc;

	memset(&a, 0, sizeof a);
	a.based_on = -1;
	a.timeout = CLIENT_TIMEOUT;
	for (i = 1; i < argc; i++) {
		if (ce == NULL && argv[i][0] != '-') {
			for (rc = 0; client_cmd_table[rc] != NULL; rc++) {
				if (strcmp(client_cmd_table[rc]->name,
				    argv[i]) == 0)
					ce = client_cmd_table[rc];
			}
			if (ce == NULL) {
				fprintf(stderr, "concord: unknown command %s\n",
				    argv[i]);
				client_main_usage(stderr);
				client_args_clear(&a);
				return CLIENT_EXIT_ERROR;
			}
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			for (i++; i < argc; i++)
				core_list_add(&a.argv_rest, &a.nrest, argv[i]);
			break;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			if (client_parse_opt(&a, ce != NULL ? ce->opts : NULL,
			    argc, argv, &i) != 0) {
				rc = ce != NULL ? client_usage(ce) :
				    CLIENT_EXIT_ERROR;
				client_args_clear(&a);
				return rc;
			}
			continue;
		}
		core_list_add(&a.words, &a.nwords, argv[i]);
	}
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
