/*
 * client: the concord command-line client and its connection to the hub.
 *
 * A client_conn is one websocket connection driven synchronously: calls
 * run the libwebsockets loop until what they wait for arrives or a deadline
 * passes.  Commands are one file each (src/client/client-cmd-*.c),
 * registered in client_cmd_table (client-cmd.c), which both the command
 * line and the console parse with.
 */
#ifndef CONCORD_CLIENT_H
#define CONCORD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "proto.h"

/* Exit statuses. */
#define CLIENT_EXIT_OK		0
#define CLIENT_EXIT_ERROR	1
#define CLIENT_EXIT_UNREACHABLE	2
#define CLIENT_EXIT_REFUSED	3
#define CLIENT_EXIT_QUEUED	4

#define CLIENT_BACKOFF_MIN	250	/* ms, first reconnect backoff */
#define CLIENT_BACKOFF_MAX	4000	/* ms, reconnect backoff cap */
#define CLIENT_TIMEOUT		10000	/* ms, a command's default deadline */
#define CLIENT_CONNECT_TIMEOUT	5000	/* ms to connect and be welcomed */
#define CLIENT_PING_EVERY	2000	/* ms between pings to the hub */
#define CLIENT_DEAD_AFTER	6000	/* ms of silence: the hub is gone */
#define CLIENT_KNOWN_WAIT	1500	/* ms to ask if an incident exists */
#define CLIENT_CA_MAX		(16 << 20) /* bytes of a CA bundle (--ca) */

struct client_conn;
struct lws;
struct lws_client_connect_info;

/* Parsed command line: common options, command options and words. */
struct client_opt {
	const char	*name;
	char		*value;		/* NULL for a flag */
};

struct client_cmd_entry;

struct client_args {
	const struct client_cmd_entry *entry;	/* the verb parsed */
	char			*hub;
	char			*ca;		/* --ca: CA bundle for wss:// */
	char			*user;
	char			*incident;
	int			 json;
	int64_t			 based_on;	/* -1 unless --based-on */
	char			*op;		/* --op */
	int64_t			 timeout;	/* --timeout, ms */
	struct client_opt	*opts;
	size_t			 nopts;
	char			**words;
	size_t			 nwords;
	char			**argv_rest;	/* after "--" */
	size_t			 nrest;
};

/*
 * The verb table: one row per command, shared by the command line and the
 * console.  opts lists the verb's options ("ttl:,force,after:ACTION": ":"
 * takes a value, a one-letter name is a short option, and the word after
 * the colon is the value's kind for completion).  args gives the words'
 * kinds for completion as alternatives ("assign USER ROLE|clear ROLE"):
 * lower case is a literal word, upper case a kind (ACTION, CLAIMABLE,
 * HELD by the user, CLAIMED by anyone, USER, ROLE, STATUS, SEV, OUTCOME,
 * MOMENT, FEED, NOTE the user may amend; anything else completes to
 * nothing), and "..." repeats the last.  build turns the parsed words
 * and options into the core command (NULL for verbs that send none);
 * exec runs the verb on the command line.
 */
#define CLIENT_CMD_CONSOLE	0x1	/* also a console slash command */
#define CLIENT_CMD_NOCLI	0x2	/* only a console slash command */

struct client_cmd_entry {
	const char	*name;
	const char	*usage;
	const char	*opts;
	int		(*exec)(struct client_args *);
	const char	*args;
	int		 flags;
	/* Fill the command; 0, or -1 with *cause (NULL: show the usage). */
	int		(*build)(struct client_args *, struct core_event *,
			    char **cause);
};


/* client-cmd.c */
/* The table, NULL-terminated. */
extern const struct client_cmd_entry *client_cmd_table[];
/* The verb called name for the command line (console 0) or the console. */
const struct client_cmd_entry *client_cmd_find(const char *, int console);
void		 client_args_init(struct client_args *);
void		 client_args_clear(struct client_args *);
/*
 * Parse the options before the command (argv[0] is the program); returns
 * the index of the command word (argc if none), or -1 with *cause.
 */
int		 client_cmd_parse_common(struct client_args *, int, char **,
		    char **cause);
/*
 * Parse a verb's words and options, argv[0] being its name, into a (the
 * common options too unless console).  Words after "--" go to argv_rest.
 * Returns 0, or -1 with *cause (the caller frees).
 */
int		 client_cmd_parse(const struct client_cmd_entry *,
		    struct client_args *, int, char **, int console,
		    char **cause);
/*
 * Split a console line into words on blanks, "double quotes" grouping;
 * returns 0, or -1 with *cause.  The caller frees *words.
 */
int		 client_cmd_split(const char *, char ***, size_t *,
		    char **cause);
/*
 * Parse a console line (after the slash) into a and, for a verb with a
 * builder, ev.  Returns 0 with ev built, 1 for a verb the console itself
 * acts on (a->entry says which), or -1 with *cause.
 */
int		 client_cmd_line(const char *, struct client_args *,
		    struct core_event *, char **cause);
/*
 * Completions of the last word of line (the text before the cursor; after
 * the slash if command, else a note) from the state, user and the people
 * present: verb names, then words of the kind the verb takes there.
 * Returns their number; *out is a list the caller frees (core_list_free).
 */
size_t		 client_cmd_complete(const char *, int command,
		    const struct core_state *, const char *user,
		    const char *const *present, size_t npresent, char ***out);
/*
 * Check a built command as the hub would its shape, before sending it:
 * names, a status, a key moment, an outcome, and text (written out where
 * it has control characters, and within its command's length).  Returns
 * 0, or -1 with *cause: a usage error, nothing to send.
 */
int		 client_cmd_check(struct core_event *, char **cause);
/* Build a's verb's command and send it (an exec for simple verbs). */
int		 client_cmd_send(struct client_args *);
/*
 * Run a's verb's builder for the command line; 0, or an exit status after
 * printing the usage or why.
 */
int		 client_cmd_build(struct client_args *, struct core_event *);
/* Option value (last given) or NULL; and every value of a repeated one. */
const char	*client_opt(struct client_args *, const char *);
size_t		 client_opt_all(struct client_args *, const char *, char ***);
/*
 * Print the verb's usage, after why if not NULL, as a failure with the
 * code "usage"; returns CLIENT_EXIT_ERROR.
 */
int		 client_usage(const struct client_cmd_entry *);
int		 client_usage_why(const struct client_cmd_entry *,
		    const char *);
/* Parse --ttl (1 s to 24 h) into ms; 0, or -1 with *cause (caller frees). */
int		 client_ttl_parse(const char *, int64_t *, char **);
/*
 * Parse a severity, 1-4 or SEV1-SEV4 (any case); 0, or -1 with *cause
 * (caller frees).
 */
int		 client_sev_parse(const char *, int64_t *, char **);
/* The command's words from the i-th joined by spaces; the caller frees. */
char		*client_words(struct client_args *);
char		*client_words_from(struct client_args *, size_t);

/* client-main.c */
/* Parse a command line and run it; returns the exit status. */
int		 client_run(int, char **);
/* The console, run with no command; main sets it before client_run. */
extern int	(*client_console)(struct client_args *);

/* client-link.c */
/*
 * A link is one websocket connection to a hub with deadlines and liveness:
 * connecting and being welcomed take at most CLIENT_CONNECT_TIMEOUT, the
 * hub is pinged every CLIENT_PING_EVERY and declared gone after
 * CLIENT_DEAD_AFTER of silence.  A link made with retry reconnects after
 * a jittered exponential backoff.  It runs on a context made by
 * client_link_context (several links may share one), driven by the
 * caller's lws_service loop.
 */
struct client_link;
struct client_link_ops {
	/* Welcomed by the hub (m is the welcome, still owned by the link). */
	void	(*up)(void *, const struct proto_msg *);
	/* A message from the hub after the welcome; the callee clears it. */
	void	(*message)(void *, struct proto_msg *);
	/*
	 * The connection is gone (or never came): why, and whether the hub
	 * refused us (as opposed to being unreachable or silent).
	 */
	void	(*down)(void *, const char *why, int refused);
};
extern const struct lws_protocols client_link_protocol;
/*
 * An event loop for links to hub, with an extra protocol of the caller's
 * (or NULL) and user as its context user; for a wss:// hub it speaks TLS
 * (1.2 or later) and checks the hub's certificate and host name against
 * the CA bundle of client_link_ca.  Destroy with lws_context_destroy.
 */
struct lws_context *client_link_context(const char *hub,
		    const struct lws_protocols *, void *user);
/*
 * Trust only the CA certificates in the file at path for wss:// hubs in
 * contexts made from now on (NULL: the system's store).  The link keeps a
 * copy.
 */
void		 client_link_ca(const char *path);
/*
 * The code client_link_code gives after a wss:// hub's certificate did not
 * verify (the link's down was told why, as a refusal: trying again will
 * not help until the certificate or the CA changes).
 */
#define CLIENT_LINK_UNTRUSTED	"untrusted"
/*
 * Start connecting to hub (an address, or a hub list: the first of it,
 * then the next on every loss) as user, naming incident (may be NULL).
 * Returns the link; free it with client_link_free before destroying the
 * context.
 */
struct client_link *client_link_create(struct lws_context *, const char *hub,
		    const char *user, const char *incident, int retry,
		    const struct client_link_ops *, void *arg);
void		 client_link_free(struct client_link *);
/* The address of the hub the link is on or trying (the link's). */
const char	*client_link_hub(struct client_link *);
/*
 * The token hellos carry: $CONCORD_TOKEN if set, else the one set from
 * the configuration file, else NULL.  Both are the process's.
 */
const char	*client_link_token(void);
void		 client_link_token_set(const char *);
/* What the next hello asks for: events after from (-1 none), snapshot. */
void		 client_link_resume(struct client_link *, int64_t from,
		    int snapshot);
/* Queue a message; 0, or -1 (dropped) when there is no connection. */
int		 client_link_send(struct client_link *,
		    const struct proto_msg *);
/* Give up on the current connection (and reconnect, with retry). */
void		 client_link_drop(struct client_link *, const char *why);
/*
 * The code of the error with which the hub ended the last connection
 * before welcoming it ("no-incident"), or NULL; the link's.
 */
const char	*client_link_code(struct client_link *);
/* Is the link welcomed?  Are messages still waiting to be written? */
int		 client_link_up(struct client_link *);
int		 client_link_pending(struct client_link *);

/* client-url.c */
/* A hub address: unix:/PATH, ws://HOST:PORT or wss://HOST:PORT (TLS). */
enum client_url_scheme {
	CLIENT_URL_UNIX,
	CLIENT_URL_WS,
	CLIENT_URL_WSS
};
struct client_url {
	enum client_url_scheme	 scheme;
	char			*host;		/* the path, for unix: */
	int			 port;		/* 0 for unix: */
};
/*
 * Parse a hub address into u (clear it with client_url_clear); 0, or -1
 * with *cause (the caller frees).
 */
int		 client_url_parse(const char *, struct client_url *,
		    char **cause);
void		 client_url_clear(struct client_url *);
/*
 * Is host this machine by its own spelling (localhost, 127.0.0.0/8, ::1)?
 * 1 or 0; names are not resolved.
 */
int		 client_url_local(const char *host);
/* Is hub a ws:// address of a host that is not local?  1 or 0. */
int		 client_url_plaintext(const char *hub);
/*
 * A hub list: addresses separated by blanks or commas, each checked, at
 * most CLIENT_URL_MAX_HUBS and none twice (the same host and port, or
 * socket path).  client_url_list splits spec into *hubs (*n of them; free
 * with client_url_list_free); 0, or -1 with *cause (the caller frees) for
 * a bad address, a repeated one or none at all.
 */
#define CLIENT_URL_MAX_HUBS	16
int		 client_url_list(const char *, char ***, size_t *,
		    char **cause);
void		 client_url_list_free(char **, size_t);
/*
 * The list's canonical spelling (its addresses joined by single spaces),
 * which the caller frees, or NULL with *cause as client_url_list.
 */
char		*client_url_canon(const char *, char **cause);
/* Do two hub lists name a hub in common?  1 or 0 (0 if either is bad). */
int		 client_url_shared(const char *, const char *);
/*
 * Where a hub is, for people: HOST:PORT, or unix:NAME for a socket (the
 * address itself if it does not parse).  The caller frees.
 */
char		*client_url_where(const char *hub);

/* client-conn.c */
/*
 * Fill ci's address, host, port and TLS flags from a hub address
 * (unix:/PATH, ws://HOST:PORT or wss://HOST:PORT); *owned is what the
 * caller frees after connecting.  Returns 0, or -1 with *cause.
 */
int		 client_conn_address(const char *hub,
		    struct lws_client_connect_info *, char **owned,
		    char **cause);
/*
 * Connect to hub (unix:/PATH, ws:// or wss://HOST:PORT, or a hub list,
 * whose hubs are tried in turn: see client-conn.c) as user, say
 * hello naming incident (may be NULL) and, if from >= 0, subscribe to
 * events after seq from (accepting a snapshot first if far behind and
 * snapshot is set).
 * Waits for the welcome.  Returns NULL with *cause, and *unreachable 1
 * when the hub could not be reached, 2 when a wss:// hub's certificate did
 * not verify (unreachable too, but not worth trying again; of a list:
 * no hub of it verified), -1 when it has no such incident, 0 when it
 * refused us otherwise.
 */
struct client_conn *client_conn_open(const char *hub, const char *user,
		    const char *incident, int64_t from, int snapshot,
		    int *unreachable, char **cause);
void		 client_conn_free(struct client_conn *);
/* The address of the hub the connection is on (the connection's). */
const char	*client_conn_hub(struct client_conn *);
/* Warnings (a hub passed over) only in the log from now on. */
void		 client_conn_quiet(void);
/*
 * Print a warning on standard error: "concord: warning: MSG" (made safe
 * to show), or as JSON {"warning":KIND,"message":MSG} under --json.
 */
void		 client_conn_warn(const char *kind, const char *msg);
/* The welcome: head seq and chain at head. */
int64_t		 client_conn_head(struct client_conn *);
const unsigned char *client_conn_chain(struct client_conn *);
/* Queue a message for the hub. */
void		 client_conn_send(struct client_conn *, const struct proto_msg *);
/* Write every queued message (or give up when the connection goes). */
void		 client_conn_flush(struct client_conn *);
/*
 * Wait up to timeout_ms (0: not at all, only what is ready) for the next
 * message.  Returns 1 with *m filled (clear it with proto_msg_clear), 0 on
 * timeout, -1 when the connection is gone (with *cause).
 */
int		 client_conn_recv(struct client_conn *, struct proto_msg *,
		    int timeout_ms, char **cause);
/*
 * Bound every wait of this process's connections by a deadline on the
 * monotonic clock in ms (0: none).  Past it, opening fails as unreachable
 * and receiving returns 0 at once.  Returns the previous deadline.
 */
int64_t		 client_conn_deadline(int64_t);
/*
 * Print the hub's notices ("slow down") as JSON from now on, or not.
 * A notice answers nothing: it is printed on standard error, once per
 * code and connection, and never returned by client_conn_recv.
 */
void		 client_conn_json(int);
/* Is the deadline (if any) past?  And ms left before it (-1: none). */
int		 client_conn_expired(void);
int64_t		 client_conn_left(void);
/*
 * Has a hub's certificate (every hub's, of a list) failed to verify in
 * this process?  Then nothing meant for it is kept for later (a note is
 * not queued): the hub is not known to be the hub.
 */
int		 client_conn_untrusted(void);
/*
 * Wait for the answer (ack, refused or error) to operation op, skipping
 * other messages; 1 with *m filled, 0 on timeout, -1 when the connection is
 * gone (with *cause).
 */
int		 client_conn_answer(struct client_conn *, const char *op,
		    struct proto_msg *, int timeout_ms, char **cause);

/* client-hub.c */
/*
 * Resolve the user (--as, $CONCORD_USER, the token's user for a hub over
 * TCP, else the login name), the CA bundle for wss:// hubs (--ca,
 * $CONCORD_CA, else the system's store; handed to client_link_ca) and the
 * hub address or list (--hub, $CONCORD_HUB or the embedded hub; a list is
 * put in its canonical spelling, client_url_canon), warning once on
 * standard error of plaintext to a non-local hub.  Returns 0, -1 for a bad
 * user name, a bad hub list or an unreadable CA bundle or -2 when no hub
 * can be had, with *cause.
 */
int		 client_hub_resolve(struct client_args *, char **cause);
/* The console shows warnings itself: none on standard error from now. */
void		 client_hub_quiet(void);
/*
 * The warning for plaintext to a non-local hub (ws:// to a host that is
 * not this machine; the first such of a list), or NULL if there is none;
 * the caller frees.
 */
char		*client_hub_plaintext(const char *hub);
/* Resolve the incident: -i, $CONCORD_INCIDENT, or the only open one. */
int		 client_hub_incident(struct client_args *, char **cause);
/*
 * Send a command and wait for its acknowledgement, retrying on a lost
 * connection with the same operation id.  based_on < 0 uses the head seq
 * of the hub's welcome.  Returns an exit status; on 0 fills *ack.
 */
int		 client_hub_command(struct client_args *, struct core_event *,
		    int64_t based_on, struct proto_msg *ack);
/*
 * Read the incident's log, verifying the chain, into *state and (if
 * events != NULL) a copy of every event with its hash.  Without events, a
 * hub snapshot may stand in for a long prefix (the events after it are
 * still verified against its chain value).  Returns an exit status.
 */
int		 client_hub_sync(struct client_args *, struct core_state *,
		    struct core_event **, unsigned char (**)[CORE_HASH_LEN],
		    size_t *);
/*
 * Report why a connection to the hub for a's incident did not open, with
 * client_conn_open's unreachable: exit 2 unreachable, 3 (a refusal naming
 * the hub's incidents) when the incident does not exist, else 1.  Returns
 * the exit status.
 */
int		 client_hub_unopened(struct client_args *, int, const char *);
/*
 * Does the hub have a's incident?  0 if it does or cannot be asked within
 * CLIENT_KNOWN_WAIT; else the refusal is printed as client_hub_unopened
 * does and 3 returned.
 */
int		 client_hub_known(struct client_args *);
/* Resolve hub and user, and the incident if needed; an exit status. */
int		 client_hub_prepare(struct client_args *, int incident);
/* Print a command's result as JSON (see proto_result_json). */
void		 client_hub_json(const char *incident, const char *action,
		    int64_t seq, int64_t fence, int duplicate);
/* Send ev as a command and print its seq; an exit status. */
int		 client_hub_simple(struct client_args *, struct core_event *);
/*
 * The fence a guarded command carries: --fence, $CONCORD_FENCE, else the
 * caller's own current grant on the action.  An exit status.
 */
int		 client_hub_fence(struct client_args *, const char *, int64_t *);
/*
 * Print a failure for an exit status and return the status: "concord:
 * MESSAGE" on standard error ("concord: refused (CODE): MESSAGE" for a
 * refusal), or with JSON errors on, {"error":CODE,"message":MESSAGE}.
 * client_hub_fail's code follows from the status (error, unreachable,
 * refused, queued); client_hub_error names it (the hub's, or "usage").
 */
int		 client_hub_fail(int, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
int		 client_hub_error(int, const char *code, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Print failures as JSON from now on (--json), or not; and are they? */
void		 client_hub_json_errors(int);
int		 client_hub_json_failures(void);
/* Sleep a reconnect backoff for attempt n (jittered, capped). */
void		 client_hub_backoff(int);

/* client-session.c */
/*
 * A session: the console's long-lived, reconnecting connection to one
 * incident, and the replica it keeps: the folded state, the timeline (one
 * entry per event, with its one-line description made once), presence and
 * lease times.  It is driven by the caller's lws_service loop on
 * client_session_context; it calls changed(arg) whenever something visible
 * changed.
 */
enum client_sync {
	CLIENT_SYNC_CONNECTING,		/* never connected yet */
	CLIENT_SYNC_CATCHUP,		/* connected, behind the hub's head */
	CLIENT_SYNC_LIVE,		/* connected and current */
	CLIENT_SYNC_STALE		/* connection lost, reconnecting; or
					   the hub cannot make anything
					   durable */
};

struct client_tl {
	int64_t		 seq;
	int64_t		 time;
	enum core_type	 type;
	char		*actor;
	char		*by;		/* who acted as actor, or NULL */
	char		*roles;
	char		*op;		/* the operation id, or NULL */
	char		*text;		/* description, one line */
	int64_t		 ref;		/* amend, mark: the event meant */
	int64_t		 amended_by;	/* seq of the latest amendment */
	char		*current;	/* an amended entry's description
					   with the latest text, one line */
	char		*kind;		/* key moment, if marked */
	int64_t		 written;	/* wall ms a note was written, if it
					   was delivered later; else 0 */
};

/* An incident's state and timeline as folded from a hub's events. */
struct client_replica {
	struct core_state	 st;
	struct client_tl	*tl;		/* entry n is seq n + 1 */
	size_t			 ntl;
	size_t			 captl;
};

/* client-replica.c */
void		 client_replica_init(struct client_replica *, const char *);
void		 client_replica_clear(struct client_replica *);
void		 client_replica_reset(struct client_replica *);
int		 client_replica_fold(struct client_replica *,
		    const struct core_event *, const unsigned char *, int64_t,
		    char **);

/* The feeds of an incident as the hub last sent them (client-feeds.c). */
struct client_feeds {
	struct proto_feed	*feeds;
	int64_t			*got;		/* monotonic ms each arrived */
	size_t			 n;
	int			 known;		/* a full set has arrived */
};

void		 client_feeds_init(struct client_feeds *);
void		 client_feeds_clear(struct client_feeds *);
void		 client_feeds_update(struct client_feeds *, struct proto_msg *,
		    int64_t);
int64_t		 client_feeds_age(const struct client_feeds *, size_t,
		    int64_t);

struct client_session;
struct lws_protocols;

/*
 * Start a session as user on incident at hub.  extra is an additional
 * libwebsockets protocol for the caller (e.g. standard input), or NULL.
 */
struct client_session *client_session_create(const char *hub,
		    const char *user, const char *incident,
		    const struct lws_protocols *extra,
		    void (*changed)(void *), void *arg);
void		 client_session_free(struct client_session *);
struct lws_context *client_session_context(struct client_session *);
/* Replica accessors; everything returned is owned by the session. */
const struct core_state *client_session_state(struct client_session *);
/* The incident's feeds as last sent; the session's. */
const struct client_feeds *client_session_feeds(struct client_session *);
const struct client_tl *client_session_timeline(struct client_session *,
		    size_t *);
enum client_sync client_session_sync(struct client_session *);
int64_t		 client_session_head(struct client_session *);
/*
 * Why the hub, though connected, cannot make anything durable (it said
 * so: the session is STALE), or NULL; the session's.
 */
const char	*client_session_stale(struct client_session *);
/*
 * Wall ms when the hub was last heard from, or said it could not make
 * anything durable (for STALE "as of").
 */
int64_t		 client_session_heard(struct client_session *);
/* Who follows the incident (presence) and the last seq each has. */
const struct proto_presence *client_session_presence(
		    struct client_session *, size_t *);
/* Notes written but not yet acknowledged (the outbox), oldest first. */
const struct client_outbox_entry *client_session_pending(
		    struct client_session *, size_t *);
/* The latest message for the user (refusal, error), or NULL; clears it. */
char		*client_session_notice(struct client_session *);
/* Add a note: kept in the outbox until the hub acknowledges it. */
int		 client_session_note(struct client_session *, const char *,
		    char **cause);
/*
 * Send a coordination or other command decided on the replica's current
 * seq.  Refused locally (returns -1 with *cause) unless LIVE; the hub's
 * answer arrives later as a notice.  Fenced commands without a fence get
 * the user's own current grant.
 */
int		 client_session_command(struct client_session *,
		    struct core_event *, char **cause);
/* Monotonic ms at which a held lease runs out (from the hub's times). */
int64_t		 client_session_deadline(struct client_session *,
		    const char *action);
/*
 * Is the current claim on action one this session made (and so renews)?
 * Claims by the same user from other processes are not.
 */
int		 client_session_mine(struct client_session *,
		    const char *action);
/*
 * The address of the hub the session is on, or trying (of a hub list, the
 * one it moved to); owned by the session.
 */
const char	*client_session_hub(struct client_session *);

/* client-config.c */
/*
 * Read the configuration file, filling unset CONCORD_HUB, CONCORD_USER,
 * CONCORD_INCIDENT and CONCORD_THEME.  Returns 0, or -1 with *cause.
 */
int		 client_config_load(char **cause);

/* client-outbox.c */
/*
 * The outbox: notes written while the hub cannot be reached, kept durably
 * (SQLite, util_state_dir()/outbox.db) with the operation id they will be
 * sent with, so that delivery after any number of retries logs each once.
 */
struct client_outbox_entry {
	int64_t		 id;
	char		*hub;
	char		*incident;
	char		*user;
	char		*op;
	char		*text;
	int64_t		 time;		/* wall ms when written */
};
/*
 * Queue a note (once per op) for hub, an address or a hub list (kept in
 * its canonical spelling); returns 0, or -1 with *cause.
 */
int		 client_outbox_add(const char *hub, const char *incident,
		    const char *user, const char *op, const char *text,
		    int64_t wall, char **cause);
/*
 * The entries waiting for hub (an address or a hub list: every entry
 * written for a hub or list that names a hub of it) and for incident, if
 * not NULL, oldest first; *n is set.  Free with client_outbox_free.
 */
struct client_outbox_entry *client_outbox_list(const char *hub,
		    const char *incident, size_t *n);
void		 client_outbox_free(struct client_outbox_entry *, size_t);
/* Forget a delivered entry; 0 or -1. */
int		 client_outbox_remove(const struct client_outbox_entry *);
/* Keep a refused entry aside, marked with the hub's reason, and say so. */
void		 client_outbox_reject(const struct client_outbox_entry *,
		    const char *code, const char *message);
/* Report outbox trouble only in the log (a console owns the screen). */
void		 client_outbox_quiet(void);
/*
 * Deliver every outbox entry for hub, each as its own author, waiting for
 * each acknowledgement.  A refused entry is kept aside and reported.
 * Returns the number delivered, or -1 with *cause if the hub could not be
 * reached.
 */
int		 client_outbox_flush(const char *hub, char **cause);

/* client-embed.c */
/* The embedded hub's unix: URL, whether or not it runs; caller frees. */
char		*client_embed_url(void);
/* The concordd next to this concord, else the one on $PATH; caller frees. */
char		*client_embed_binary(void);
/* Find or start the embedded hub; returns its unix: URL or NULL. */
char		*client_embed_hub(char **cause);

#endif
