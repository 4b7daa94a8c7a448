/*
 * The console's slash commands.  The line after the slash is parsed by the
 * verb table's grammar (client-cmd.c), the same one the command line uses,
 * and the verb's builder makes the core command, which the session sends
 * decided on the replica's current seq (or refuses locally when the hub is
 * not live).  Notes are the exception: they go through the outbox whatever
 * the connection.  The console's own verbs (search, help, quit) act here;
 * a search moves the focus to the timeline, so that n and N find the next
 * matches and nothing typed after it becomes a note.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "tui.h"
#include "util.h"

#define TUI_CMD_MAX	64	/* console verbs */

const char *const *
tui_cmd_names(void)
{
	static const char	*names[TUI_CMD_MAX + 1];
	size_t			 i, n = 0;

	for (i = 0; client_cmd_table[i] != NULL && n < TUI_CMD_MAX; i++) {
		if (client_cmd_find(client_cmd_table[i]->name, 1) ==
		    client_cmd_table[i])
			names[n++] = client_cmd_table[i]->name;
	}
	names[n] = NULL;
	return names;
}

const char *const *
tui_cmd_usages(void)
{
	static char		*usages[TUI_CMD_MAX + 1];
	const char *const	*names = tui_cmd_names();
	size_t			 i;

	if (usages[0] != NULL)
		return (const char *const *)usages;
	for (i = 0; names[i] != NULL; i++)
		usages[i] = xasprintf("/%s", client_cmd_find(names[i],
		    1)->usage);
	usages[i] = NULL;
	return (const char *const *)usages;
}

int
tui_cmd_run(struct tui *t, const char *line, char **cause)
{
	const char		*name;
	struct client_args	 a;
	struct core_event	 e;
	int			 rc;

	client_args_init(&a);
	core_event_init(&e);
	rc = client_cmd_line(line, &a, &e, cause);
	if (rc == 1) {
		rc = 0;
		name = a.entry->name;
		if (strcmp(name, "quit") == 0)
			t->quit = 1;
		else if (strcmp(name, "help") == 0) {
			t->overlay = TUI_OVERLAY_HELP;
			t->otop = 0;
		} else if (strcmp(name, "search") == 0) {
			free(t->search);
			t->search = client_words(&a);
			t->match = 0;
			/* The search stays in the timeline, where n/N work. */
			t->focus = TUI_FOCUS_TIMELINE;
			tui_input_key(t, 'n', -1);	/* the newest match */
		}
	} else if (rc == 0 && e.type == CORE_NOTE)
		rc = client_session_note(t->session, e.text, cause);
	else if (rc == 0)
		rc = client_session_command(t->session, &e, cause);
	core_event_clear(&e);
	client_args_clear(&a);
	return rc;
}
