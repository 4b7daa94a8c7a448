/*
 * The verb table and its one grammar.  Every command, whether typed on the
 * command line or after a slash in the console, is a row of
 * client_cmd_table (one file per verb) and is parsed here: options with
 * getopt_long from the row's option list (the common ones too on the
 * command line), words in order, and words after "--" kept apart.  The
 * row's builder then makes the core command, which the command line sends
 * to the hub and the console hands to its session.  Completion reads the
 * same rows: the kind of word a verb takes at each position, or an
 * option's value, gives the candidates from the incident's state.
 *
 * Nothing here draws: the console's own verbs (search, help, quit) are rows
 * without a builder that the console acts on.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "export.h"
#include "util.h"

/*
 * The verbs, one file each (src/client/client-cmd-*.c): first one for each
 * command of CORE_COMMANDS (core.h) offered as a verb of its own name, in
 * its order, then those that read, run or reach several commands.
 */
#define CLIENT_CMD_EXTERN(t, n) \
	extern const struct client_cmd_entry client_cmd_##n##_entry;
#define CLIENT_CMD_NONE(t, n)
#define CLIENT_CMD_ROW(t, n)	&client_cmd_##n##_entry,
CORE_COMMANDS(CLIENT_CMD_EXTERN, CLIENT_CMD_NONE)
extern const struct client_cmd_entry client_cmd_role_entry;
extern const struct client_cmd_entry client_cmd_command_entry;
extern const struct client_cmd_entry client_cmd_feed_entry;
extern const struct client_cmd_entry client_cmd_run_entry;
extern const struct client_cmd_entry client_cmd_incidents_entry;
extern const struct client_cmd_entry client_cmd_show_entry;
extern const struct client_cmd_entry client_cmd_feeds_entry;
extern const struct client_cmd_entry client_cmd_log_entry;
extern const struct client_cmd_entry client_cmd_export_entry;
extern const struct client_cmd_entry client_cmd_verify_entry;
extern const struct client_cmd_entry client_cmd_demo_entry;
extern const struct client_cmd_entry client_cmd_search_entry;
extern const struct client_cmd_entry client_cmd_help_entry;
extern const struct client_cmd_entry client_cmd_quit_entry;

const struct client_cmd_entry *client_cmd_table[] = {
	CORE_COMMANDS(CLIENT_CMD_ROW, CLIENT_CMD_NONE)
	&client_cmd_role_entry,
	&client_cmd_command_entry,
	&client_cmd_feed_entry,
	&client_cmd_run_entry,
	&client_cmd_incidents_entry,
	&client_cmd_show_entry,
	&client_cmd_feeds_entry,
	&client_cmd_log_entry,
	&client_cmd_export_entry,
	&client_cmd_verify_entry,
	&client_cmd_demo_entry,
	&client_cmd_search_entry,
	&client_cmd_help_entry,
	&client_cmd_quit_entry,
	NULL
};

/* The options every command line takes, and those before the command. */
#define CLIENT_CMD_COMMON \
	"hub:,ca:,as:,i:,incident:,json,based-on:,op:,timeout:,help,h"
#define CLIENT_CMD_FIRST	CLIENT_CMD_COMMON ",theme:"

#define CLIENT_CMD_OPTS	64

/* One option of a list, parsed from its text. */
struct client_cmd_opt {
	char	*name;
	int	 value;		/* takes a value */
	char	*kind;		/* the value's kind, or "" */
};

struct client_cmd_opts {
	struct client_cmd_opt	 o[CLIENT_CMD_OPTS];
	size_t			 n;
};

static const char *client_cmd_statuses[] = { "investigating", "identified",
    "mitigating", "monitoring", "resolved", NULL };
static const char *client_cmd_outcomes[] = { "success", "failed", "aborted",
    NULL };
static const char *client_cmd_moments[] = { "detection", "diagnosis",
    "decision", "mitigation", NULL };
static const char *client_cmd_sevs[] = { "1", "2", "3", "4", NULL };

const struct client_cmd_entry *
client_cmd_find(const char *name, int console)
{
	const struct client_cmd_entry	*ce;
	size_t				 i;

	for (i = 0; client_cmd_table[i] != NULL; i++) {
		ce = client_cmd_table[i];
		if (strcmp(ce->name, name) != 0)
			continue;
		if (console ? (ce->flags & (CLIENT_CMD_CONSOLE |
		    CLIENT_CMD_NOCLI)) != 0 : (ce->flags & CLIENT_CMD_NOCLI) ==
		    0)
			return ce;
	}
	return NULL;
}

void
client_args_init(struct client_args *a)
{
	memset(a, 0, sizeof *a);
	a->based_on = -1;
	a->timeout = CLIENT_TIMEOUT;
}

void
client_args_clear(struct client_args *a)
{
	size_t	i;

	free(a->hub);
	free(a->ca);
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
	client_args_init(a);
}

/* Add the options of spec ("ttl:,force,after:ACTION") to the list. */
static void
client_cmd_opts_add(struct client_cmd_opts *l, const char *spec)
{
	struct client_cmd_opt	*o;
	const char		*p = spec, *end, *colon;

	while (p != NULL && *p != '\0' && l->n < CLIENT_CMD_OPTS) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		colon = memchr(p, ':', end - p);
		o = &l->o[l->n++];
		o->name = xasprintf("%.*s", (int)((colon != NULL ? colon :
		    end) - p), p);
		o->value = colon != NULL;
		o->kind = colon != NULL ? xasprintf("%.*s", (int)(end - colon -
		    1), colon + 1) : xstrdup("");
		p = *end == ',' ? end + 1 : end;
	}
}

static void
client_cmd_opts_clear(struct client_cmd_opts *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->o[i].name);
		free(l->o[i].kind);
	}
	l->n = 0;
}

static const struct client_cmd_opt *
client_cmd_opts_find(const struct client_cmd_opts *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->o[i].name, name) == 0)
			return &l->o[i];
	}
	return NULL;
}

/* Record one option; 0, or -1 with *cause for a bad common value. */
static int
client_cmd_set(struct client_args *a, const char *name, const char *value,
    char **cause)
{
	int64_t	n;

	if (strcmp(name, "hub") == 0) {
		free(a->hub);
		a->hub = xstrdup(value);
	} else if (strcmp(name, "ca") == 0) {
		free(a->ca);
		a->ca = xstrdup(value);
	} else if (strcmp(name, "as") == 0) {
		free(a->user);
		a->user = xstrdup(value);
	} else if (strcmp(name, "i") == 0 || strcmp(name, "incident") == 0) {
		free(a->incident);
		a->incident = xstrdup(value);
	} else if (strcmp(name, "op") == 0) {
		free(a->op);
		a->op = xstrdup(value);
	} else if (strcmp(name, "json") == 0)
		a->json = 1;
	else if (strcmp(name, "timeout") == 0) {
		if (util_duration_parse(value, &n) != 0 || n < 100 ||
		    n > 86400000) {
			*cause = xstrdup("--timeout wants seconds (0.1 to "
			    "86400)");
			return -1;
		}
		a->timeout = n;
	} else if (strcmp(name, "based-on") == 0) {
		if (util_num_parse(value, 0, INT64_MAX, &n) != 0) {
			*cause = xstrdup("--based-on wants a seq");
			return -1;
		}
		a->based_on = n;
	} else {
		a->opts = xreallocarray(a->opts, a->nopts + 1, sizeof *a->opts);
		a->opts[a->nopts].name = xstrdup(name);
		a->opts[a->nopts].value = value != NULL ? xstrdup(value) : NULL;
		a->nopts++;
	}
	return 0;
}

/*
 * Run getopt_long over argv with the options of l; mode is "+" (stop at
 * the first word) or "-" (words in order, to a->words).  Returns optind
 * after the last option, or -1 with *cause.
 */
static int
client_cmd_getopt(const struct client_cmd_opts *l, const char *mode,
    struct client_args *a, int argc, char **argv, char **cause)
{
	struct option	 lo[CLIENT_CMD_OPTS + 1];
	struct buf	 so;
	const char	*name;
	char		 one[2];
	size_t		 i, nlo = 0;
	int		 c, rc = -1;

	util_buf_init(&so);
	util_buf_printf(&so, "%s:", mode);
	for (i = 0; i < l->n; i++) {
		if (strlen(l->o[i].name) == 1) {
			util_buf_printf(&so, "%s%s", l->o[i].name,
			    l->o[i].value ? ":" : "");
			continue;
		}
		lo[nlo].name = l->o[i].name;
		lo[nlo].has_arg = l->o[i].value ? required_argument :
		    no_argument;
		lo[nlo].flag = NULL;
		lo[nlo].val = 256 + (int)i;
		nlo++;
	}
	memset(&lo[nlo], 0, sizeof lo[nlo]);
	optind = 0;	/* start afresh */
	opterr = 0;
	while ((c = getopt_long(argc, argv, so.data, lo, NULL)) != -1) {
		if (c == 1) {
			core_list_add(&a->words, &a->nwords, optarg);
			continue;
		}
		if (c == ':') {
			*cause = xasprintf("%s needs a value",
			    argv[optind - 1]);
			goto out;
		}
		if (c == '?') {
			if (optopt != 0 && optopt < 256)
				*cause = xasprintf("unknown option -%c",
				    optopt);
			else
				*cause = xasprintf("unknown option %s",
				    argv[optind - 1]);
			goto out;
		}
		if (c >= 256)
			name = l->o[c - 256].name;
		else {
			one[0] = (char)c;
			one[1] = '\0';
			name = one;
		}
		if (client_cmd_set(a, name, optarg, cause) != 0)
			goto out;
	}
	rc = optind;
out:
	util_buf_clear(&so);
	return rc;
}

int
client_cmd_parse_common(struct client_args *a, int argc, char **argv,
    char **cause)
{
	struct client_cmd_opts	l;
	int			rc;

	l.n = 0;
	client_cmd_opts_add(&l, CLIENT_CMD_FIRST);
	rc = client_cmd_getopt(&l, "+", a, argc, argv, cause);
	client_cmd_opts_clear(&l);
	return rc;
}

int
client_cmd_parse(const struct client_cmd_entry *ce, struct client_args *a,
    int argc, char **argv, int console, char **cause)
{
	struct client_cmd_opts	l;
	int			rc, i;

	a->entry = ce;
	l.n = 0;
	if (!console)
		client_cmd_opts_add(&l, CLIENT_CMD_COMMON);
	client_cmd_opts_add(&l, ce->opts);
	rc = client_cmd_getopt(&l, "-", a, argc, argv, cause);
	client_cmd_opts_clear(&l);
	if (rc < 0)
		return -1;
	for (i = rc; i < argc; i++)	/* after "--" */
		core_list_add(&a->argv_rest, &a->nrest, argv[i]);
	return 0;
}

int
client_cmd_split(const char *line, char ***words, size_t *n, char **cause)
{
	struct buf	 b;
	const char	*p = line;
	int		 quoted;

	*words = NULL;
	*n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		if (*n == 64) {
			core_list_free(*words, *n);
			*words = NULL;
			*n = 0;
			*cause = xstrdup("too many words");
			return -1;
		}
		util_buf_init(&b);
		util_buf_add(&b, "", 0);
		quoted = 0;
		for (; *p != '\0' && (quoted || (*p != ' ' && *p != '\t')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				util_buf_addc(&b, *p);
		}
		*words = xreallocarray(*words, *n + 1, sizeof **words);
		(*words)[(*n)++] = util_buf_steal(&b);
	}
}

int
client_cmd_line(const char *line, struct client_args *a,
    struct core_event *ev, char **cause)
{
	const struct client_cmd_entry	*ce;
	char				**w, *why = NULL;
	size_t				 n;
	int				 rc = -1;

	if (client_cmd_split(line, &w, &n, cause) != 0)
		return -1;
	if (n == 0) {
		*cause = xstrdup("type a command after the slash; /help lists "
		    "them");
		return -1;
	}
	if ((ce = client_cmd_find(w[0], 1)) == NULL) {
		*cause = xasprintf("unknown command /%s; /help lists them",
		    w[0]);
		goto out;
	}
	if (client_cmd_parse(ce, a, (int)n, w, 1, &why) != 0) {
		*cause = xasprintf("%s; usage: /%s", why, ce->usage);
		free(why);
		goto out;
	}
	if (ce->build == NULL) {
		rc = 1;
		goto out;
	}
	if (ce->build(a, ev, &why) != 0 || client_cmd_check(ev, &why) != 0) {
		if (why != NULL)
			*cause = why;
		else
			*cause = xasprintf("usage: /%s", ce->usage);
		goto out;
	}
	rc = 0;
out:
	core_list_free(w, n);
	return rc;
}

int
client_cmd_build(struct client_args *a, struct core_event *ev)
{
	char	*cause = NULL;

	core_event_init(ev);
	if (a->entry->build(a, ev, &cause) == 0 &&
	    client_cmd_check(ev, &cause) == 0)
		return 0;
	core_event_clear(ev);
	if (cause == NULL)
		return client_usage(a->entry);
	client_hub_error(CLIENT_EXIT_ERROR, "usage", "%s", cause);
	free(cause);
	return CLIENT_EXIT_ERROR;
}

/* The most bytes of text each command takes (see concord(1)). */
static size_t
client_cmd_text_max(enum core_type type)
{
	switch (type) {
	case CORE_OPEN:
		return 200;
	case CORE_SUMMARY:
	case CORE_BREAK:
	case CORE_CMD_TAKE:
		return 400;
	case CORE_DECLARE:
	case CORE_DONE:
		return 1000;
	default:
		return CORE_TEXT_MAX;
	}
}

/* What a command's text is called in messages. */
static const char *
client_cmd_text_what(enum core_type type)
{
	switch (type) {
	case CORE_OPEN:
		return "a title";
	case CORE_SUMMARY:
		return "the summary";
	case CORE_BREAK:
	case CORE_CMD_TAKE:
		return "a reason";
	case CORE_DECLARE:
		return "a description";
	case CORE_DONE:
		return "the note of an outcome";
	case CORE_DECIDE:
		return "a decision";
	case CORE_AMEND:
		return "an amendment";
	default:
		return "a note";
	}
}

int
client_cmd_check(struct core_event *ev, char **cause)
{
	const char	*bad = NULL;
	char		*text;
	size_t		 i, max = client_cmd_text_max(ev->type);

	if (ev->name != NULL && !core_name_valid(ev->name))
		bad = ev->name;
	else if (ev->user != NULL && !core_name_valid(ev->user))
		bad = ev->user;
	else if (ev->role != NULL && !core_name_valid(ev->role))
		bad = ev->role;
	for (i = 0; bad == NULL && i < ev->nafter; i++) {
		if (!core_name_valid(ev->after[i]))
			bad = ev->after[i];
	}
	for (i = 0; bad == NULL && i < ev->nconflicts; i++) {
		if (!core_name_valid(ev->conflicts[i]))
			bad = ev->conflicts[i];
	}
	if (bad != NULL) {
		text = export_text(bad, EXPORT_TEXT_SAFE);
		*cause = xasprintf("bad name \"%s\": a name is 1-%d of A-Z a-z "
		    "0-9 . _ @ -", text, CORE_NAME_MAX);
		free(text);
		return -1;
	}
	if (ev->type == CORE_STATUS && !core_status_valid(ev->state)) {
		*cause = xasprintf("no status \"%s\": investigating, "
		    "identified, mitigating, monitoring or resolved",
		    core_str_or(ev->state, ""));
		return -1;
	}
	if (ev->type == CORE_MARK && !core_moment_valid(ev->kind)) {
		*cause = xasprintf("no key moment \"%s\": detection, "
		    "diagnosis, decision or mitigation",
		    core_str_or(ev->kind, ""));
		return -1;
	}
	if (ev->outcome != NULL && !core_outcome_valid(ev->outcome)) {
		*cause = xasprintf("no outcome \"%s\": success, failed or "
		    "aborted", ev->outcome);
		return -1;
	}
	if (ev->text == NULL)
		return 0;
	/* Control characters are sent written out, never refused. */
	text = export_text(ev->text, EXPORT_TEXT_CONTROLS);
	free(ev->text);
	ev->text = text;
	if (ev->type == CORE_SUMMARY && strchr(text, '\n') != NULL) {
		*cause = xstrdup("the summary is one line");
		return -1;
	}
	if (*text == '\0' && ev->type != CORE_DECLARE &&
	    ev->type != CORE_DONE && ev->type != CORE_SUMMARY) {
		*cause = xasprintf("%s cannot be empty",
		    client_cmd_text_what(ev->type));
		return -1;
	}
	if (strlen(text) > max) {
		*cause = xasprintf("%s is at most %zu bytes, this one is %zu: "
		    "nothing was sent", client_cmd_text_what(ev->type), max,
		    strlen(text));
		return -1;
	}
	return 0;
}

int
client_cmd_send(struct client_args *a)
{
	struct core_event	ev;
	int			rc;

	if ((rc = client_cmd_build(a, &ev)) != 0)
		return rc;
	/* A fenced command carries the caller's grant unless given one. */
	if (core_cmd_entry_of(ev.type)->flags & CORE_F_FENCED) {
		if ((rc = client_hub_prepare(a, 1)) != 0 ||
		    (rc = client_hub_fence(a, ev.name, &ev.fence)) != 0) {
			core_event_clear(&ev);
			return rc;
		}
	}
	rc = client_hub_simple(a, &ev);
	core_event_clear(&ev);
	return rc;
}

int
client_usage_why(const struct client_cmd_entry *ce, const char *why)
{
	if (client_hub_json_failures())
		return client_hub_error(CLIENT_EXIT_ERROR, "usage",
		    "%s%susage: concord %s", why != NULL ? why : "",
		    why != NULL ? "; " : "", ce->usage);
	if (why != NULL)
		client_hub_fail(CLIENT_EXIT_ERROR, "%s", why);
	fprintf(stderr, "usage: concord %s\n", ce->usage);
	return CLIENT_EXIT_ERROR;
}

int
client_usage(const struct client_cmd_entry *ce)
{
	return client_usage_why(ce, NULL);
}

int
client_ttl_parse(const char *s, int64_t *ms, char **cause)
{
	if (util_duration_parse(s, ms) != 0 || *ms < CORE_TTL_MIN ||
	    *ms > CORE_TTL_MAX) {
		*cause = xasprintf("a lease lasts 1 s to 24 h, not %s", s);
		return -1;
	}
	return 0;
}

int
client_sev_parse(const char *s, int64_t *sev, char **cause)
{
	const char	*p = s;

	if (strncasecmp(p, "sev", 3) == 0)
		p += 3;
	if (util_num_parse(p, 1, 4, sev) != 0) {
		*cause = xasprintf("a severity is 1-4 or SEV1-SEV4, not %s", s);
		return -1;
	}
	return 0;
}

char *
client_words_from(struct client_args *a, size_t from)
{
	struct buf	b;
	size_t		i;

	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	for (i = from; i < a->nwords; i++) {
		if (i > from)
			util_buf_addc(&b, ' ');
		util_buf_adds(&b, a->words[i]);
	}
	return util_buf_steal(&b);
}

char *
client_words(struct client_args *a)
{
	return client_words_from(a, 0);
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

/* Add every word of list. */
static void
client_cmd_add_words(char ***out, size_t *n, const char **list)
{
	for (; *list != NULL; list++)
		core_list_add(out, n, *list);
}

/* Add the candidates of one kind of word. */
static void
client_cmd_add_kind(char ***out, size_t *n, const char *kind, size_t len,
    const struct core_state *st, const char *user, const char *const *present,
    size_t npresent)
{
	const struct core_action	*ca;
	char				*why, seq[24];
	size_t				 i, k;
	int				 any;

#define KIND(s) (len == strlen(s) && strncmp(kind, s, len) == 0)
	if (KIND("STATUS"))
		client_cmd_add_words(out, n, client_cmd_statuses);
	else if (KIND("OUTCOME"))
		client_cmd_add_words(out, n, client_cmd_outcomes);
	else if (KIND("MOMENT"))
		client_cmd_add_words(out, n, client_cmd_moments);
	else if (KIND("SEV"))
		client_cmd_add_words(out, n, client_cmd_sevs);
	else if (KIND("ROLE")) {
		for (i = 0; i < st->nroles; i++)
			core_list_add(out, n, st->roles[i].role);
	} else if (KIND("USER")) {
		for (i = 0; i < npresent; i++)
			core_list_add(out, n, present[i]);
		for (i = 0; i < st->nroles; i++) {
			if (st->roles[i].user != NULL)
				core_list_add(out, n, st->roles[i].user);
		}
		for (i = 0; i < st->npeople; i++)
			core_list_add(out, n, st->people[i]);
	} else if (KIND("NOTE")) {
		/* Notes the user may amend (by the default table), newest
		   first. */
		any = core_authz_holds(NULL, st, user, CORE_RIGHT_AMEND_ANY);
		for (i = st->nnotes, k = 0; i > 0 && k < 10; i--) {
			if (!any && (user == NULL || strcmp(st->people[
			    st->notes[i - 1].author], user) != 0))
				continue;
			snprintf(seq, sizeof seq, "%lld",
			    (long long)st->notes[i - 1].seq);
			core_list_add(out, n, seq);
			k++;
		}
	} else if (KIND("FEED")) {
		for (i = 0; i < st->nfeeds; i++) {
			if (!st->feeds[i].removed)
				core_list_add(out, n, st->feeds[i].name);
		}
	} else if (KIND("ACTION") || KIND("CLAIMABLE") || KIND("HELD") ||
	    KIND("CLAIMED")) {
		for (i = 0; i < st->nactions; i++) {
			ca = &st->actions[i];
			if (KIND("CLAIMED") && ca->state != CORE_ACTION_HELD)
				continue;
			if (KIND("HELD") && (ca->state != CORE_ACTION_HELD ||
			    user == NULL || ca->holder == NULL ||
			    strcmp(ca->holder, user) != 0))
				continue;
			if (KIND("CLAIMABLE")) {
				if (ca->state != CORE_ACTION_FREE)
					continue;
				if ((why = core_state_blocked(st, ca)) != NULL) {
					free(why);
					continue;
				}
			}
			core_list_add(out, n, ca->name);
		}
	}
#undef KIND
}

/*
 * Add what alternatives ("assign USER ROLE|clear ROLE") allow as word pos
 * after the words w.
 */
static void
client_cmd_add_args(char ***out, size_t *n, const char *args, char **w,
    size_t pos, const struct core_state *st, const char *user,
    const char *const *present, size_t npresent)
{
	const char	*alt = args, *end, *tok, *tend, *last;
	size_t		 i, len, llen;
	int		 ok;

	while (alt != NULL && *alt != '\0') {
		if ((end = strchr(alt, '|')) == NULL)
			end = alt + strlen(alt);
		tok = alt;
		last = NULL;
		llen = 0;
		ok = 1;
		for (i = 0; ok && i <= pos; i++) {
			while (tok < end && *tok == ' ')
				tok++;
			if (tok >= end) {
				if (last == NULL || llen < 3 || strncmp(last +
				    llen - 3, "...", 3) != 0) {
					ok = 0;
					break;
				}
				tok = last;	/* repeat the last */
			}
			for (tend = tok; tend < end && *tend != ' '; tend++)
				;
			len = (size_t)(tend - tok);
			last = tok;
			llen = len;
			if (len >= 3 && strncmp(tok + len - 3, "...", 3) == 0)
				len -= 3;
			if (i == pos) {
				if (len > 0 && *tok >= 'a' && *tok <= 'z') {
					char	*lit = xasprintf("%.*s",
					    (int)len, tok);

					core_list_add(out, n, lit);
					free(lit);
				} else
					client_cmd_add_kind(out, n, tok, len,
					    st, user, present, npresent);
			} else if (*tok >= 'a' && *tok <= 'z' &&
			    (strlen(w[i]) != len || strncmp(w[i], tok,
			    len) != 0))
				ok = 0;
			tok = tend;
		}
		alt = *end == '|' ? end + 1 : end;
	}
}

size_t
client_cmd_complete(const char *line, int command,
    const struct core_state *st, const char *user, const char *const *present,
    size_t npresent, char ***out)
{
	const struct client_cmd_entry	*ce;
	const struct client_cmd_opt	*o;
	struct client_cmd_opts		 l;
	char				**w = NULL, **pos = NULL, *cause = NULL;
	char				*part, *p;
	const char			*kind = NULL;
	size_t				 nw = 0, npos = 0, n = 0, i, k;

	*out = NULL;
	l.n = 0;
	if (client_cmd_split(line, &w, &nw, &cause) != 0) {
		free(cause);
		return 0;
	}
	/* The word being completed: the last, or an empty one after a blank. */
	if (nw == 0 || *line == '\0' || strchr(" \t", line[strlen(line) - 1]))
		core_list_add(&w, &nw, "");
	part = w[nw - 1];
	if (!command)
		kind = "USER";
	else if (nw == 1) {
		for (i = 0; client_cmd_table[i] != NULL; i++) {
			ce = client_cmd_table[i];
			if (client_cmd_find(ce->name, 1) == ce)
				core_list_add(out, &n, ce->name);
		}
	} else if ((ce = client_cmd_find(w[0], 1)) != NULL) {
		client_cmd_opts_add(&l, ce->opts);
		for (i = 1; i + 1 < nw; i++) {
			if (w[i][0] != '-' || w[i][1] == '\0') {
				core_list_add(&pos, &npos, w[i]);
				continue;
			}
			p = w[i] + (w[i][1] == '-' ? 2 : 1);
			if ((o = client_cmd_opts_find(&l, p)) == NULL ||
			    !o->value || strchr(p, '=') != NULL)
				continue;
			if (i + 2 == nw) {
				kind = *o->kind != '\0' ? o->kind : "NONE";
				break;
			}
			i++;	/* its value */
		}
		if (kind == NULL && part[0] == '-') {
			for (i = 0; i < l.n; i++) {
				p = xasprintf("%s%s", strlen(l.o[i].name) ==
				    1 ? "-" : "--", l.o[i].name);
				core_list_add(out, &n, p);
				free(p);
			}
		} else if (kind == NULL)
			client_cmd_add_args(out, &n, ce->args, pos, npos, st,
			    user, present, npresent);
	}
	if (kind != NULL) {
		client_cmd_add_kind(out, &n, kind, strlen(kind), st, user,
		    present, npresent);
		if (!command) {
			client_cmd_add_kind(out, &n, "ACTION", 6, st, user,
			    present, npresent);
			for (i = 0; i < st->nroles; i++)
				core_list_add(out, &n, st->roles[i].role);
		}
	}
	/* Keep the candidates that extend the word, once each, in order. */
	for (i = 0, k = 0; i < n; i++) {
		if (strncmp((*out)[i], part, strlen(part)) == 0 &&
		    !core_list_has(*out, k, (*out)[i])) {
			p = (*out)[i];
			(*out)[i] = (*out)[k];
			(*out)[k++] = p;
		}
	}
	for (i = k; i < n; i++)
		free((*out)[i]);
	if (k == 0) {
		free(*out);
		*out = NULL;
	}
	client_cmd_opts_clear(&l);
	core_list_free(pos, npos);
	core_list_free(w, nw);
	return k;
}
