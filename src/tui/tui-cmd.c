/*
 * The console's slash commands.  Each mirrors the CLI subcommand of the same
 * name and builds the same core command, which the session sends decided on
 * the replica's current seq (or refuses locally when the hub is not live).
 * Notes are the exception: they go through the outbox whatever the
 * connection.  Words are split on blanks; "double quotes" group words.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "tui.h"
#include "util.h"

#define TUI_CMD_WORDS	64

struct tui_cmd_args {
	char	*w[TUI_CMD_WORDS];
	size_t	 n;
};

struct tui_cmd_entry {
	const char	*name;
	const char	*usage;
	/* Fill e from the words after the name; 0, or -1 (usage). */
	int		(*build)(struct tui_cmd_args *, struct core_event *);
};

/* Words i.. joined by spaces; the caller frees. */
static char *
tui_cmd_rest(struct tui_cmd_args *a, size_t i)
{
	struct buf	b;

	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	for (; i < a->n; i++) {
		if (b.len > 0)
			util_buf_addc(&b, ' ');
		util_buf_adds(&b, a->w[i]);
	}
	return util_buf_steal(&b);
}

static int
tui_cmd_summary(struct tui_cmd_args *a, struct core_event *e)
{
	if (a->n == 0)
		return -1;
	e->type = CORE_SUMMARY;
	e->text = tui_cmd_rest(a, 0);
	return 0;
}

static int
tui_cmd_status(struct tui_cmd_args *a, struct core_event *e)
{
	if (a->n != 1)
		return -1;
	e->type = CORE_STATUS;
	e->state = xstrdup(a->w[0]);
	return 0;
}

static int
tui_cmd_sev(struct tui_cmd_args *a, struct core_event *e)
{
	const char	*p;

	if (a->n != 1)
		return -1;
	p = a->w[0];
	if (strncasecmp(p, "sev", 3) == 0)
		p += 3;
	if (util_num_parse(p, 1, 4, &e->sev) != 0)
		return -1;
	e->type = CORE_SEV;
	return 0;
}

static int
tui_cmd_role(struct tui_cmd_args *a, struct core_event *e)
{
	if (a->n == 3 && strcmp(a->w[0], "assign") == 0) {
		e->type = CORE_ROLE_ASSIGN;
		e->user = xstrdup(a->w[1]);
		e->role = xstrdup(a->w[2]);
		return 0;
	}
	if (a->n == 2 && strcmp(a->w[0], "clear") == 0) {
		e->type = CORE_ROLE_CLEAR;
		e->role = xstrdup(a->w[1]);
		return 0;
	}
	return -1;
}

static int
tui_cmd_command(struct tui_cmd_args *a, struct core_event *e)
{
	if (a->n >= 1 && strcmp(a->w[0], "take") == 0) {
		e->type = CORE_CMD_TAKE;
		if (a->n == 1)
			return 0;
		/* take --force --reason R..., or take --force R... */
		if (strcmp(a->w[1], "--force") != 0 || a->n < 3)
			return -1;
		e->force = 1;
		e->text = tui_cmd_rest(a, strcmp(a->w[2], "--reason") == 0 ?
		    3 : 2);
		return *e->text == '\0' ? -1 : 0;
	}
	if (a->n == 2 && strcmp(a->w[0], "offer") == 0) {
		e->type = CORE_CMD_OFFER;
		e->user = xstrdup(a->w[1]);
		return 0;
	}
	if (a->n == 1 && strcmp(a->w[0], "accept") == 0) {
		e->type = CORE_CMD_ACCEPT;
		return 0;
	}
	if (a->n == 1 && strcmp(a->w[0], "resign") == 0) {
		e->type = CORE_CMD_RESIGN;
		return 0;
	}
	return -1;
}

static int
tui_cmd_declare(struct tui_cmd_args *a, struct core_event *e)
{
	struct buf	desc;
	size_t		i;

	if (a->n < 1)
		return -1;
	e->type = CORE_DECLARE;
	e->name = xstrdup(a->w[0]);
	util_buf_init(&desc);
	util_buf_add(&desc, "", 0);
	for (i = 1; i < a->n; i++) {
		if (strcmp(a->w[i], "--after") == 0 && i + 1 < a->n)
			core_list_add(&e->after, &e->nafter, a->w[++i]);
		else if (strcmp(a->w[i], "--conflicts") == 0 && i + 1 < a->n)
			core_list_add(&e->conflicts, &e->nconflicts, a->w[++i]);
		else if (strcmp(a->w[i], "--desc") == 0)
			continue;
		else {
			if (desc.len > 0)
				util_buf_addc(&desc, ' ');
			util_buf_adds(&desc, a->w[i]);
		}
	}
	if (desc.len > 0)
		e->text = util_buf_steal(&desc);
	else
		util_buf_clear(&desc);
	return 0;
}

static int
tui_cmd_claim(struct tui_cmd_args *a, struct core_event *e)
{
	const char	*ttl = NULL;

	if (a->n == 3 && strcmp(a->w[1], "--ttl") == 0)
		ttl = a->w[2];
	else if (a->n == 2)
		ttl = a->w[1];
	else if (a->n != 1)
		return -1;
	if (ttl != NULL && util_duration_parse(ttl, &e->ttl) != 0)
		return -1;
	e->type = CORE_CLAIM;
	e->name = xstrdup(a->w[0]);
	return 0;
}

static int
tui_cmd_fenced(struct tui_cmd_args *a, struct core_event *e, enum core_type t)
{
	if (a->n != 1)
		return -1;
	e->type = t;
	e->name = xstrdup(a->w[0]);
	return 0;
}

static int
tui_cmd_renew(struct tui_cmd_args *a, struct core_event *e)
{
	return tui_cmd_fenced(a, e, CORE_RENEW);
}

static int
tui_cmd_release(struct tui_cmd_args *a, struct core_event *e)
{
	return tui_cmd_fenced(a, e, CORE_RELEASE);
}

static int
tui_cmd_done(struct tui_cmd_args *a, struct core_event *e)
{
	size_t	i = 1;

	if (a->n < 2)
		return -1;
	if (strcmp(a->w[1], "--outcome") == 0)
		i = 2;
	if (i >= a->n || !core_outcome_valid(a->w[i]))
		return -1;
	e->type = CORE_DONE;
	e->name = xstrdup(a->w[0]);
	e->outcome = xstrdup(a->w[i]);
	if (i + 1 < a->n)
		e->text = tui_cmd_rest(a, strcmp(a->w[i + 1], "--note") == 0 ?
		    i + 2 : i + 1);
	return 0;
}

static int
tui_cmd_break(struct tui_cmd_args *a, struct core_event *e)
{
	if (a->n < 2)
		return -1;
	e->type = CORE_BREAK;
	e->name = xstrdup(a->w[0]);
	e->text = tui_cmd_rest(a, strcmp(a->w[1], "--reason") == 0 ? 2 : 1);
	return *e->text == '\0' ? -1 : 0;
}

static int
tui_cmd_amend(struct tui_cmd_args *a, struct core_event *e)
{
	if (a->n < 2 || util_num_parse(a->w[0][0] == '#' ? a->w[0] + 1 :
	    a->w[0], 1, INT64_MAX, &e->ref) != 0)
		return -1;
	e->type = CORE_AMEND;
	e->text = tui_cmd_rest(a, 1);
	return 0;
}

static int
tui_cmd_mark(struct tui_cmd_args *a, struct core_event *e)
{
	if (a->n != 2 || util_num_parse(a->w[0][0] == '#' ? a->w[0] + 1 :
	    a->w[0], 1, INT64_MAX, &e->ref) != 0)
		return -1;
	e->type = CORE_MARK;
	e->kind = xstrdup(a->w[1]);
	return 0;
}

static const struct tui_cmd_entry tui_cmd_table[] = {
	{ "note", "/note TEXT (or just type it)", NULL },
	{ "claim", "/claim ACTION [TTL]", tui_cmd_claim },
	{ "renew", "/renew ACTION", tui_cmd_renew },
	{ "release", "/release ACTION", tui_cmd_release },
	{ "done", "/done ACTION success|failed|aborted [NOTE]", tui_cmd_done },
	{ "declare", "/declare ACTION [DESC] [--after A] [--conflicts B]",
	  tui_cmd_declare },
	{ "break", "/break ACTION REASON", tui_cmd_break },
	{ "role", "/role assign USER ROLE | /role clear ROLE", tui_cmd_role },
	{ "command", "/command take | offer USER | accept | resign | take "
	  "--force REASON", tui_cmd_command },
	{ "status", "/status investigating|identified|mitigating|monitoring|"
	  "resolved", tui_cmd_status },
	{ "sev", "/sev 1-4", tui_cmd_sev },
	{ "summary", "/summary TEXT", tui_cmd_summary },
	{ "amend", "/amend SEQ TEXT", tui_cmd_amend },
	{ "mark", "/mark SEQ detection|diagnosis|decision|mitigation",
	  tui_cmd_mark },
	{ "search", "/search TEXT (or / in the timeline)", NULL },
	{ "help", "/help (or ?)", NULL },
	{ "quit", "/quit (or Ctrl-C)", NULL },
};
#define TUI_CMD_COUNT (sizeof tui_cmd_table / sizeof tui_cmd_table[0])

const char *const *
tui_cmd_names(void)
{
	static const char	*names[TUI_CMD_COUNT + 1];
	size_t			 i;

	for (i = 0; i < TUI_CMD_COUNT; i++)
		names[i] = tui_cmd_table[i].name;
	return names;
}

const char *const *
tui_cmd_usages(void)
{
	static const char	*usages[TUI_CMD_COUNT + 1];
	size_t			 i;

	for (i = 0; i < TUI_CMD_COUNT; i++)
		usages[i] = tui_cmd_table[i].usage;
	return usages;
}

/* Split a line into words; -1 if there are too many. */
static int
tui_cmd_split(const char *line, struct tui_cmd_args *a)
{
	struct buf	 b;
	const char	*p = line;
	int		 quoted;

	a->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		if (a->n == TUI_CMD_WORDS)
			return -1;
		util_buf_init(&b);
		util_buf_add(&b, "", 0);
		quoted = 0;
		for (; *p != '\0' && (quoted || (*p != ' ' && *p != '\t')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				util_buf_addc(&b, *p);
		}
		a->w[a->n++] = util_buf_steal(&b);
	}
}

static void
tui_cmd_args_clear(struct tui_cmd_args *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		free(a->w[i]);
	a->n = 0;
}

int
tui_cmd_run(struct tui *t, const char *line, char **cause)
{
	const struct tui_cmd_entry	*ce = NULL;
	struct tui_cmd_args		 a, rest;
	struct core_event		 e;
	size_t				 i;
	int				 rc;

	if (tui_cmd_split(line, &a) != 0) {
		tui_cmd_args_clear(&a);
		*cause = xstrdup("too many words");
		return -1;
	}
	if (a.n == 0) {
		*cause = xstrdup("type a command after the slash; /help lists "
		    "them");
		return -1;
	}
	for (i = 0; i < TUI_CMD_COUNT; i++) {
		if (strcmp(tui_cmd_table[i].name, a.w[0]) == 0)
			ce = &tui_cmd_table[i];
	}
	if (ce == NULL) {
		*cause = xasprintf("unknown command /%s; /help lists them",
		    a.w[0]);
		tui_cmd_args_clear(&a);
		return -1;
	}
	rest.n = a.n - 1;
	memcpy(rest.w, a.w + 1, rest.n * sizeof *rest.w);
	rc = 0;
	if (strcmp(ce->name, "quit") == 0)
		t->quit = 1;
	else if (strcmp(ce->name, "help") == 0)
		t->help = 1;
	else if (strcmp(ce->name, "search") == 0) {
		free(t->search);
		t->search = tui_cmd_rest(&rest, 0);
		t->match = 0;
		tui_input_key(t, 'n', -1);	/* find the newest match */
	} else if (strcmp(ce->name, "note") == 0) {
		char	*text = tui_cmd_rest(&rest, 0);

		rc = client_session_note(t->session, text, cause);
		free(text);
	} else {
		core_event_init(&e);
		if (ce->build(&rest, &e) != 0) {
			*cause = xasprintf("usage: %s", ce->usage);
			rc = -1;
		} else
			rc = client_session_command(t->session, &e, cause);
		core_event_clear(&e);
	}
	tui_cmd_args_clear(&a);
	return rc;
}
