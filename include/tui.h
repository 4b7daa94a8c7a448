/*
 * tui: the console.  The only module that calls curses.  It renders the
 * replica kept by a client_session (see client.h) and turns keys into
 * notes and commands.  Themes are parsed without curses (tui-theme.c) so
 * they can be tested alone.
 */
#ifndef CONCORD_TUI_H
#define CONCORD_TUI_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* Everything on screen that a theme can style. */
enum tui_elem {
	TUI_NORMAL,		/* default text */
	TUI_HEADER,		/* the header line */
	TUI_LIVE,		/* LIVE seq · digest */
	TUI_CATCHUP,		/* CATCHING UP */
	TUI_STALE,		/* STALE since, "as of" marks */
	TUI_BORDER,		/* pane rules */
	TUI_TITLE,		/* pane titles */
	TUI_TITLE_FOCUS,	/* the focused pane's title */
	TUI_TIME,		/* timeline times */
	TUI_ACTOR,
	TUI_ROLE,
	TUI_SEQ,
	TUI_EV_NOTE,		/* timeline entries by kind */
	TUI_EV_COORD,		/* claims, releases, renewals */
	TUI_EV_DONE,
	TUI_EV_ALERT,		/* expiries, breaks, refusals */
	TUI_EV_COMMAND,		/* roles, command, status, severity */
	TUI_EV_AMEND,		/* amendments and key moments */
	TUI_EV_PENDING,		/* notes in the outbox */
	TUI_ACTION_FREE,
	TUI_ACTION_HELD,
	TUI_ACTION_DONE,
	TUI_ACTION_BLOCKED,
	TUI_VACANT,		/* a vacant role */
	TUI_INPUT,		/* the command line */
	TUI_ERROR,		/* refusals and errors on the command line */
	TUI_MATCH,		/* search matches */
	TUI_HELP,		/* the help overlay */
	TUI_SEV1,		/* severity badges */
	TUI_SEV2,
	TUI_ELEM_COUNT
};

#define TUI_A_BOLD	0x1
#define TUI_A_DIM	0x2
#define TUI_A_REVERSE	0x4
#define TUI_A_UNDERLINE	0x8
#define TUI_A_ITALIC	0x10

/* A colour: 0-255, or -1 for the terminal's default. */
struct tui_style {
	int	fg;		/* on 256-colour terminals */
	int	bg;
	int	fg8;		/* on 8-colour terminals: 0-7 or -1 */
	int	bg8;
	int	attrs;		/* TUI_A_* */
};

struct tui_theme {
	char			*name;
	struct tui_style	 style[TUI_ELEM_COUNT];
};

enum tui_focus {
	TUI_FOCUS_INPUT,
	TUI_FOCUS_TIMELINE,
	TUI_FOCUS_ACTIONS,
	TUI_FOCUS_ROLES,
	TUI_FOCUS_PEOPLE,
	TUI_FOCUS_TELEMETRY,
	TUI_FOCUS_COUNT
};

/*
 * The command line holds at most TUI_INPUT_MAX characters and
 * TUI_LINE_BYTES bytes (a note of CORE_TEXT_MAX and a command's words);
 * keys past either are refused with a message, and the line is not sent
 * before its user has seen that.
 */
#define TUI_INPUT_MAX	4352
#define TUI_LINE_BYTES	(4096 + 256)
/* The console's exit status when its terminal went away (128 + SIGHUP). */
#define TUI_EXIT_HANGUP	129
#define TUI_HISTORY_MAX	200

struct client_session;
struct client_args;

/* A held action, as the Actions pane words it (tui_view_held). */
struct tui_held {
	const char	*holder;
	const char	*user;		/* the console's user */
	int		 mine;		/* claimed from this console */
	int		 live;		/* the hub is live, so renewals go */
	int		 utf8;		/* else ASCII marks */
	int64_t		 fence;
	int64_t		 left;		/* seconds of lease left */
};

/* One of the user's own claims, as seen by the Actions pane. */
struct tui_own {
	int64_t		 fence;
	int64_t		 seen;		/* monotonic ms, first seen held */
	int		 told;		/* 0, or 1 + mine when told of */
};
#define TUI_OWN_MAX	16		/* own claims remembered */

/* What is drawn over the panes, if anything. */
enum tui_overlay {
	TUI_OVERLAY_NONE,
	TUI_OVERLAY_HELP,	/* keys and commands */
	TUI_OVERLAY_DETAIL	/* one timeline entry, whole */
};

/* The console's view state; everything drawn is derived from the session. */
struct tui {
	struct client_session	*session;
	struct tui_theme	 theme;
	char			*hub;
	int			 embedded;	/* the private embedded hub */
	char			*plaintext;	/* the warning for ws:// to a
						   hub elsewhere, or NULL */
	char			*user;
	char			*incident;
	int			 colors;	/* 0, 8 or 256 */
	int			 utf8;		/* else ASCII fallbacks */
	int			 rows;
	int			 cols;
	int			 titled;	/* the header has the title */
	enum tui_focus		 focus;
	enum tui_overlay	 overlay;
	size_t			 otop;		/* overlay lines scrolled */
	size_t			 olines;	/* overlay lines last drawn */
	int			 opage;		/* and rows that showed them */
	int64_t			 detail;	/* the entry shown: a seq, or
						   -1 - i for pending note i */
	int			 quit;
	int			 exit;		/* tui_main's exit status */
	const char		*lost;		/* why the terminal is gone */
	int			 tty_empty;	/* wakes with nothing to read */
	int64_t			 started;	/* monotonic ms */
	struct tui_own		 own[TUI_OWN_MAX];	/* a ring */
	size_t			 nown;
	int			 dirty;
	int			 frame_armed;

	size_t			 scroll;	/* timeline entries below view */
	size_t			 seen;		/* timeline length last drawn */
	size_t			 ascroll;	/* actions scrolled past */
	int			 searching;	/* typing a search */
	char			*search;	/* the last search */
	int64_t			 match;		/* seq of the current match */

	int			 input[TUI_INPUT_MAX + 1]; /* wide chars */
	size_t			 len;
	size_t			 cursor;
	size_t			 bytes;		/* of the line in UTF-8 */
	size_t			 overflow;	/* characters refused */
	int			 draft[TUI_INPUT_MAX + 1]; /* kept while a */
	size_t			 dlen;		/* search is typed */
	size_t			 dcursor;
	size_t			 dbytes;
	char			**history;
	size_t			 nhistory;
	size_t			 hpos;

	char			*message;	/* under the panes */
	int			 message_error;
	int64_t			 message_time;
	int64_t			 frames;	/* counted, for the benchmark */
	unsigned long		 attr[TUI_ELEM_COUNT]; /* curses attributes */
	int			 bench_fd;	/* $CONCORD_BENCH_LOG, or -1 */
	int64_t			 key_us;	/* when an undrawn key arrived */
};

/* tui-main.c */
/* Run the console on the incident in args; returns an exit status. */
int		 tui_main(struct client_args *);
/* Ask for a frame soon (coalesced). */
void		 tui_main_dirty(struct tui *);

/* tui-screen.c */
/* Set up curses and colours from the theme; 0 or -1 with *cause. */
int		 tui_screen_init(struct tui *, char **cause);
void		 tui_screen_end(struct tui *);
/* Draw a whole frame from the session (one doupdate). */
void		 tui_screen_draw(struct tui *);
/*
 * Read and handle every key waiting on the terminal (never blocks);
 * returns the number handled.
 */
int		 tui_screen_keys(struct tui *);

/* tui-input.c */
/* Handle one key (a wide character, or a curses KEY_ code if fkey). */
void		 tui_input_key(struct tui *, int key, int fkey);
/* Set the message line; error styles it as a refusal. */
void		 tui_input_message(struct tui *, int error, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* tui-cmd.c */
/*
 * Run a slash command line ("claim failover-db", without the slash);
 * returns 0, or -1 with *cause for a usage error or a local refusal.
 */
int		 tui_cmd_run(struct tui *, const char *, char **cause);
/* The command names, NULL-terminated, for completion and help. */
const char	*const *tui_cmd_names(void);
/* One line of help per command, NULL-terminated. */
const char	*const *tui_cmd_usages(void);

/* tui-view.c */
/*
 * The hub as the header names it, into buf: "private" for the embedded
 * one, else the host and port of ws://, or the socket file of unix:
 * (without "unix:" when that is longer than max columns).
 */
void		 tui_view_hub(char *buf, size_t len, const char *hub,
		    int embedded, int max);
/*
 * The actions of st by urgency into order (st->nactions entries): held
 * first, then those that conflict with a running one, blocked, free and
 * done, each group in the order declared.  Returns the number.
 */
size_t		 tui_view_order(const struct core_state *, size_t *order);
/*
 * Text wrapped into lines of at most width display columns, at blanks
 * where it can be (a word longer than a line is cut), and at line feeds.
 * Returns the lines, at least one (core_list_free them), with *n set.
 */
char		**tui_view_wrap(const char *, int width, size_t *n);
/*
 * Everything about timeline entry i of tl (n entries) and of st as lines
 * for the detail view, not yet wrapped or made safe: who, role, times,
 * seq and op, the text whole (an amended one's current and original),
 * its amendments, the key moments it is, and what every feed showed when
 * it was decided or marked.  Returns the lines (core_list_free), *nl set.
 */
struct client_tl;
char		**tui_view_detail(const struct client_tl *, size_t n, size_t i,
		    const struct core_state *, size_t *nl);

/*
 * Word a held action in at most width columns into buf ("HELD bob f12
 * 23s"; the user's own with a hint saying whether this console renews
 * it); returns the columns used.
 */
int		 tui_view_held(char *buf, size_t len, int width,
		    const struct tui_held *);
/*
 * "written HH:MM" for a note written at wall ms written and delivered at
 * at ("written Mon DD HH:MM" if on another day), into buf.
 */
void		 tui_view_written(char *buf, size_t len, int64_t written,
		    int64_t at);

/* tui-theme.c */
/* The theme key of an element ("timeline.note"), or NULL. */
const char	*tui_elem_name(enum tui_elem);
/* The built-in default (dark) theme. */
void		 tui_theme_default(struct tui_theme *);
/*
 * Parse theme text over the theme's current styles (start from the
 * default); returns 0, or -1 with *cause naming the line (caller frees).
 */
int		 tui_theme_parse(struct tui_theme *, const char *, size_t,
		    char **cause);
/*
 * Load a theme by name (searched in $XDG_CONFIG_HOME/concord/themes, then
 * the themes/ directory next to the binary's ../themes, then
 * /usr/local/share/concord/themes and /usr/share/concord/themes) or by
 * path (if it contains a '/').  Returns 0, or -1 with *cause.
 */
int		 tui_theme_load(struct tui_theme *, const char *, char **cause);
void		 tui_theme_clear(struct tui_theme *);

#endif
