/*
 * core: the pure incident model.  Events, the fold from events to state,
 * command validation against state (authorisation, lease rules, dependencies,
 * conflicts, stale views), canonical encoding and the SHA-256 hash chain.
 *
 * Nothing here performs I/O, reads a clock or keeps globals: times come in as
 * arguments (wall milliseconds for display, monotonic milliseconds for lease
 * deadlines, both from the hub).
 */
#ifndef CONCORD_CORE_H
#define CONCORD_CORE_H

#include <stddef.h>
#include <stdint.h>

#define CORE_NAME_MAX	64	/* action, user, role and incident names */
#define CORE_TEXT_MAX	4096	/* free text: notes, titles, reasons */
#define CORE_LIST_MAX	32	/* dependencies or conflicts of one action */
#define CORE_HASH_LEN	32	/* SHA-256 */
#define CORE_DIGEST_LEN	6	/* hex digits of the chain shown to people */
#define CORE_TTL_MIN	1000
#define CORE_TTL_MAX	(24LL * 3600 * 1000)
#define CORE_TTL_DEFAULT 30000
#define CORE_ACTOR_HUB	"concordd"
#define CORE_OP_MAX	64	/* bytes of an operation id */
#define CORE_ROLES_MAX	4096	/* bytes of an event's roles */
#define CORE_LINE_MAX	256	/* bytes of an entry of a list of lines */
#define CORE_URL_MAX	1024
#define CORE_QUERY_MAX	2048	/* a feed's PromQL or JSON path */
#define CORE_UNIT_MAX	32	/* a feed's unit or threshold */
#define CORE_FEEDS_MAX	64	/* feeds of an incident */
#define CORE_EVERY_MIN	1000	/* a feed's poll interval, ms */
#define CORE_EVERY_MAX	(3600LL * 1000)
/*
 * The largest magnitude of any integer in an event or a message: 2^53 - 1,
 * so that every JSON implementation holds it exactly.
 */
#define CORE_INT_MAX	9007199254740991LL

/*
 * Assert an invariant of the core's own code: on failure report where and
 * abort.  Never for input, which is validated and refused.  Compiled in
 * unless NDEBUG is defined (every build of the Makefile has it in).
 */
#ifdef NDEBUG
#define core_assert(e)	((void)0)
#else
#define core_assert(e)	((e) ? (void)0 : \
	core_assert_fail(#e, __FILE__, __LINE__, __func__))
#endif
/* core-assert.c: report a failed core_assert and abort. */
void		 core_assert_fail(const char *, const char *, int,
		    const char *) __attribute__((noreturn));

/*
 * Every command, a row each: V(TYPE, name) for one that the command line
 * and the console offer as the verb "name", C(TYPE, name) for one reached
 * through another verb (role, command) or issued by the hub.  Its rules
 * are core_cmd_<name>_entry (src/core/core-cmd-<name>.c) and its verb
 * client_cmd_<name>_entry (src/client/client-cmd-<name>.c); the enum, the
 * core's table and the verbs' table are made from these rows, so adding a
 * command is a row here and those two files.  The order is enum
 * core_type's and the order of help.
 */
#define CORE_COMMANDS(V, C)		\
	V(OPEN, open)			\
	V(NOTE, note)			\
	V(SUMMARY, summary)		\
	V(STATUS, status)		\
	V(SEV, sev)			\
	C(ROLE_ASSIGN, role_assign)	\
	C(ROLE_CLEAR, role_clear)	\
	C(CMD_TAKE, take)		\
	C(CMD_OFFER, offer)		\
	C(CMD_ACCEPT, accept)		\
	C(CMD_RESIGN, resign)		\
	V(ACCESS, access)		\
	V(DECLARE, declare)		\
	V(CLAIM, claim)			\
	V(RENEW, renew)			\
	V(RELEASE, release)		\
	V(DONE, done)			\
	V(BREAK, break)			\
	C(EXPIRE, expire)		\
	V(AMEND, amend)			\
	V(MARK, mark)			\
	V(DECIDE, decide)		\
	C(FEED_ADD, feed_add)		\
	C(FEED_RM, feed_rm)		\
	C(FEED_LEVEL, feed_level)	\
	C(ALERT, alert)

/*
 * CORE_RENEW is a command only: renewals are not logged.  CORE_EXPIRE is
 * issued by the hub's lease timer only, CORE_FEED_LEVEL by its telemetry
 * (a feed crossing a threshold) and CORE_ALERT by its webhooks.
 */
#define CORE_TYPE_ROW(t, n)	CORE_##t,
enum core_type {
	CORE_COMMANDS(CORE_TYPE_ROW, CORE_TYPE_ROW)
	CORE_TYPE_COUNT
};
#undef CORE_TYPE_ROW

/* What an event is about, for how timelines show it (core_cmd_entry.kind). */
enum core_kind {
	CORE_KIND_STATE,	/* summary, status, severity, declarations */
	CORE_KIND_ROLES,	/* who is in command and holds which role */
	CORE_KIND_NOTE,
	CORE_KIND_LEASE,	/* claims, renewals, releases */
	CORE_KIND_DONE,
	CORE_KIND_LOST,		/* leases expired or broken */
	CORE_KIND_AMEND,	/* corrections and key moments */
	CORE_KIND_SIGNAL	/* feeds and alerts from monitoring */
};

/*
 * An event (or, before the hub accepts it, a command).  Which payload fields
 * are used depends on the type; unused strings are NULL.  All strings are
 * owned by the event.
 */
struct core_event {
	int64_t		 seq;
	int64_t		 time;		/* hub wall clock, ms since 1970 */
	int64_t		 written;	/* note: author's clock, written,
					   ms since 1970; 0: absent */
	char		*actor;
	char		*by;		/* who acted as actor (act-as), or
					   NULL: the actor itself */
	char		*roles;		/* actor's roles before the event, "a,b" */
	char		*op;		/* client operation id */
	enum core_type	 type;

	char		*name;		/* action */
	char		*user;		/* role holder, command offer target */
	char		*role;
	char		*state;		/* status */
	char		*outcome;	/* done: success, failed, aborted */
	char		*kind;		/* mark: detection, diagnosis, ... */
	int64_t		 sev;		/* open, sev: 1-4; 0 when unused */
	int64_t		 ttl;		/* claim: lease ms */
	int64_t		 fence;		/* release, done, break, expire, renew */
	int64_t		 force;		/* command take */
	int64_t		 ref;		/* amend, mark: the event meant */
	char		**after;
	size_t		 nafter;
	char		**conflicts;
	size_t		 nconflicts;
	char		*url;		/* feed: the endpoint */
	char		*query;		/* feed: PromQL, or a JSON path */
	char		*unit;		/* feed: shown after the value */
	char		*warn;		/* feed: thresholds, "[<|>]NUMBER" */
	char		*crit;
	int64_t		 every;		/* feed: poll interval, ms */
	char		**seen;		/* decide, mark: every feed as it
					   was shown, "name: value (age)" */
	size_t		 nseen;
	char		**labels;	/* alert: "key=value" */
	size_t		 nlabels;
	char		*text;		/* title, note, summary, desc, reason */
};

/* A change mark: which event last touched a field, role or action. */
struct core_mark {
	int64_t		 seq;
	int64_t		 time;
	char		*by;
	enum core_type	 type;
};

enum core_action_state {
	CORE_ACTION_FREE,		/* declared, claimable if not blocked */
	CORE_ACTION_HELD,
	CORE_ACTION_DONE		/* completed successfully, final */
};

struct core_action {
	char			*name;
	char			*desc;
	char			*declared_by;
	char			**after;
	size_t			 nafter;
	char			**conflicts;
	size_t			 nconflicts;
	enum core_action_state	 state;
	char			*holder;
	int64_t			 fence;		/* current grant, or last grant */
	int64_t			 ttl;
	int64_t			 deadline;	/* hub monotonic ms */
	int64_t			 free_at;	/* lock-delay end, monotonic ms */
	char			*outcome;	/* last completion, or NULL */
	char			*last_holder;
	struct core_mark	 mark;
};

struct core_role {
	char			*role;
	char			*user;		/* NULL when vacant */
	struct core_mark	 mark;
};

/* A note, for amendments: who wrote it and its latest amendment. */
struct core_note {
	int64_t		 seq;
	size_t		 author;	/* index into people */
	int64_t		 amended;	/* seq of the latest amendment, or 0 */
};

/* A key moment for the postmortem. */
struct core_moment {
	int64_t		 ref;		/* the event marked */
	int64_t		 seq;		/* the mark event */
	char		*kind;
	char		*by;
	char		*text;		/* a decision's own text, or NULL */
	char		**seen;		/* the feeds when it was marked */
	size_t		 nseen;
};

/*
 * A telemetry feed the log defines (feed add), or a tombstone (removed) for
 * one the log or the hub's configuration defined.
 */
struct core_feed {
	char		*name;
	char		*kind;		/* "prom" or "json" */
	char		*url;
	char		*query;
	char		*unit;
	char		*warn;
	char		*crit;
	int64_t		 every;		/* ms; 0: the hub's default */
	int		 removed;
	char		*level;		/* last crossing: ok, warn, crit */
};

struct core_state {
	char			*id;
	char			*title;
	int64_t			 sev;
	char			*status;
	char			*summary;
	char			*opened_by;
	int64_t			 opened;	/* wall ms */
	int64_t			 resolved;	/* wall ms, 0 while open */
	int64_t			 seq;		/* last event folded */
	int64_t			 last_time;
	unsigned char		 chain[CORE_HASH_LEN];

	char			*ic;		/* NULL when vacant */
	char			*offer;		/* pending command offer */
	struct core_mark	 ic_mark;
	struct core_mark	 status_mark;
	struct core_mark	 sev_mark;

	struct core_role	*roles;
	size_t			 nroles;
	struct core_action	*actions;
	size_t			 nactions;
	char			**people;	/* everyone who has acted */
	size_t			 npeople;
	struct core_note	*notes;		/* in seq order */
	size_t			 nnotes;
	struct core_moment	*moments;	/* in mark order */
	size_t			 nmoments;
	struct core_feed	*feeds;		/* in the order added */
	size_t			 nfeeds;
	int			 viewers;	/* only responders may act
						   (access viewers on) */
};

/*
 * Rights: what the authorisation table grants, one row each, R(RIGHT,
 * name, what it allows).  Every command a client may send needs one
 * (core_authz_right); the hub's own (expiry, feed.level, alert) need none.
 */
#define CORE_RIGHTS(R)							\
	R(OPEN, "open", "opening an incident")				\
	R(NOTE, "note", "adding a note")				\
	R(DECIDE, "decide", "recording a decision")			\
	R(MARK, "mark", "marking a key moment")				\
	R(AMEND, "amend", "amending your own note")			\
	R(AMEND_ANY, "amend-any", "amending someone else's note")	\
	R(SUMMARY, "summary", "changing the summary")			\
	R(STATUS, "status", "changing the status")			\
	R(RESOLVE, "resolve", "resolving the incident")			\
	R(SEV, "sev", "changing the severity")				\
	R(ROLE, "role", "assigning and clearing roles")			\
	R(TAKE, "take", "taking command")				\
	R(OFFER, "offer", "offering command")				\
	R(ACCEPT, "accept", "accepting command")			\
	R(RESIGN, "resign", "resigning command")			\
	R(ACCESS, "access", "turning viewers on or off")		\
	R(DECLARE, "declare", "declaring an action")			\
	R(CLAIM, "claim", "claiming an action")				\
	R(RENEW, "renew", "renewing a lease")				\
	R(RELEASE, "release", "releasing a lease")			\
	R(DONE, "done", "finishing an action")				\
	R(BREAK, "break", "breaking someone's lease")			\
	R(FEED, "feed", "adding or removing a feed")

#define CORE_RIGHT_ROW(t, n, w)	CORE_RIGHT_##t,
enum core_right {
	CORE_RIGHTS(CORE_RIGHT_ROW)
	CORE_RIGHT_COUNT
};
#undef CORE_RIGHT_ROW
#define CORE_RIGHT_NONE		(-1)	/* the hub's own commands */

/*
 * Who holds a right: the incident commander, the holders of named roles,
 * every responder (the IC and role holders among them) and viewers.
 * While an incident's viewers are off everyone is a responder; while they
 * are on, a responder is the IC, a holder of any role, the user command is
 * offered to or anyone who has acted in the incident, and everyone else a
 * viewer.
 */
#define CORE_WHO_IC		0x1
#define CORE_WHO_RESPONDER	0x2
#define CORE_WHO_VIEWER		0x4
#define CORE_GRANT_ROLES	8	/* named roles in one grant */

struct core_grant {
	int		 who;		/* CORE_WHO_* */
	char		 roles[CORE_GRANT_ROLES][CORE_NAME_MAX + 1];
	size_t		 nroles;
};

/* The authorisation table: who holds each right (plain data, no heap). */
struct core_authz {
	struct core_grant	 grant[CORE_RIGHT_COUNT];
};

/* Settings the hub passes to validation and the fold. */
struct core_ctx {
	const char	*actor;
	const char	*by;		/* authenticated user acting as actor,
					   or NULL */
	int64_t		 now;		/* monotonic ms */
	int64_t		 wall;		/* wall ms */
	int64_t		 lock_delay;	/* ms after expiry or break */
	int		 ic_present;	/* is the IC connected to the hub? */
	int		 internal;	/* the hub itself (expiry, feeds,
					   alerts): no right needed */
	int64_t		 based_on;	/* seq of the issuer's view, -1: none */
	/* The feeds the hub's configuration gives the incident, by name. */
	const char *const *feeds;
	size_t		 nfeeds;
	/* Every feed of the incident as the hub shows it now, for the
	   events that record what was seen (decide, mark). */
	const char *const *seen;
	size_t		 nseen;
	/* Who may do what; NULL: the built-in default. */
	const struct core_authz *authz;
};

/* Why a command was refused: a stable code and a message for people. */
struct core_refusal {
	const char	*code;
	char		*message;	/* owned; free with core_refusal_clear */
};

/*
 * The command table: one entry per event type, each in its own file
 * (src/core/core-cmd-<name>.c).
 */
#define CORE_F_COORD	0x2	/* coordination: needs a live hub and based_on */
#define CORE_F_FENCED	0x4	/* carries the fencing token of a grant */
#define CORE_F_NOLOG	0x8	/* accepted but produces no event */
#define CORE_F_HUB	0x10	/* only the hub may issue it */

/* The payload fields a command uses; others are dropped before logging. */
#define CORE_FLD_NAME		0x001
#define CORE_FLD_USER		0x002
#define CORE_FLD_ROLE		0x004
#define CORE_FLD_STATE		0x008
#define CORE_FLD_OUTCOME	0x010
#define CORE_FLD_SEV		0x020
#define CORE_FLD_TTL		0x040
#define CORE_FLD_FENCE		0x080
#define CORE_FLD_FORCE		0x100
#define CORE_FLD_AFTER		0x200
#define CORE_FLD_CONFLICTS	0x400
#define CORE_FLD_TEXT		0x800
#define CORE_FLD_REF		0x1000
#define CORE_FLD_KIND		0x2000
#define CORE_FLD_WRITTEN	0x4000
#define CORE_FLD_URL		0x8000
#define CORE_FLD_QUERY		0x10000
#define CORE_FLD_UNIT		0x20000
#define CORE_FLD_WARN		0x40000
#define CORE_FLD_CRIT		0x80000
#define CORE_FLD_EVERY		0x100000
#define CORE_FLD_SEEN		0x200000
#define CORE_FLD_LABELS		0x400000

struct core_cmd_entry {
	const char	*name;		/* wire name, e.g. "action.claim" */
	enum core_type	 type;
	int		 flags;
	int		 fields;	/* CORE_FLD_* */
	int		 required;	/* CORE_FLD_* its events carry */
	/* Check a command against the state; 0 or -1 with *r filled. */
	int		(*check)(const struct core_state *,
			    const struct core_event *, const struct core_ctx *,
			    struct core_refusal *);
	/* Fold an accepted event into the state. */
	void		(*apply)(struct core_state *, const struct core_event *,
			    const struct core_ctx *);
	/* Describe the event in one line for timelines; caller frees. */
	char		*(*describe)(const struct core_event *);
	enum core_kind	 kind;
};

/* core-event.c */
void		 core_event_init(struct core_event *);
void		 core_event_clear(struct core_event *);
void		 core_event_copy(struct core_event *, const struct core_event *);
const struct core_cmd_entry *core_cmd_find(const char *);
const struct core_cmd_entry *core_cmd_entry_of(enum core_type);
const char	*core_type_name(enum core_type);
enum core_kind	 core_type_kind(enum core_type);
/* Append the canonical bytes of an event (see concord-protocol(7)). */
struct buf;
void		 core_event_encode(const struct core_event *, struct buf *);
/* Parse canonical bytes; 0, or -1 with *cause set (caller frees). */
int		 core_event_decode(const char *, size_t, struct core_event *,
		    char **cause);
/*
 * One-line human description; the caller frees it.  Any event can be
 * described, even one missing fields its type needs ("?" stands in).
 */
char		*core_event_describe(const struct core_event *);
/* s, or dflt when s is NULL; for rendering fields that may be absent. */
const char	*core_str_or(const char *, const char *);
/* Returns a copy of s (the caller frees), or NULL if s is NULL. */
char		*core_strdup_or_null(const char *);
void		 core_list_add(char ***, size_t *, const char *);
void		 core_list_free(char **, size_t);
int		 core_list_has(char **, size_t, const char *);

/* core-field.c */
/*
 * The fields of an event, in canonical order, with the rules every decoder
 * applies to them.  The canonical encoding and the JSON event object are
 * both written and read from this one table, so the store, the wire and an
 * export accept exactly the same events.
 */
enum core_field_kind {
	CORE_FIELD_INT,
	CORE_FIELD_STR,
	CORE_FIELD_LIST,		/* of strings */
	CORE_FIELD_TYPE			/* the type, by its wire name */
};

enum core_field_rule {
	CORE_RULE_NONE,
	CORE_RULE_NAME,			/* core_name_valid */
	CORE_RULE_ROLES,		/* names joined by commas, or empty */
	CORE_RULE_LINE,			/* text without controls */
	CORE_RULE_TEXT			/* core_text_valid */
};

struct core_field {
	const char		*key;	/* canonical and JSON name */
	enum core_field_kind	 kind;
	size_t			 off;	/* of the value in an event */
	size_t			 noff;	/* of a list's count */
	int64_t			 min;	/* integers: least; strings:
					   bytes */
	int64_t			 max;	/* integers: most; strings:
					   bytes; lists: entries */
	enum core_field_rule	 rule;	/* strings and list entries */
	int			 always; /* encoded even when 0 */
	int			 fld;	/* its CORE_FLD_*, or 0 */
	int64_t			 emax;	/* lists: bytes of an entry */
};

/* How much core_event_valid checks. */
#define CORE_VALID_SHAPE	0	/* integer ranges, list lengths */
#define CORE_VALID_EVENT	1	/* everything, as the log holds it */

/* The table (static) and its length in *n. */
const struct core_field *core_field_table(size_t *n);
/* The field with this key, or NULL. */
const struct core_field *core_field_find(const char *);
/* Where a field's value lives in e (as strchr, const is not kept). */
int64_t		*core_field_int(const struct core_event *,
		    const struct core_field *);
char		**core_field_str(const struct core_event *,
		    const struct core_field *);
char		***core_field_list(const struct core_event *,
		    const struct core_field *, size_t **);
/* Is v in the field's range?  0, or -1 with *cause (caller frees). */
int		 core_field_check_int(const struct core_field *, int64_t,
		    char **cause);
/* Does s obey the field's string rule?  0, or -1 with *cause. */
int		 core_field_check_str(const struct core_field *,
		    const char *, char **cause);
/*
 * Does e obey the field rules?  CORE_VALID_SHAPE checks integer ranges
 * and list lengths, as a command arrives (its names and text are the
 * model's to refuse); CORE_VALID_EVENT checks everything an event in a log
 * must satisfy: also every string (UTF-8, names, lengths), a seq of at
 * least 1, an actor, the fields its type requires and "written" only on
 * notes.  Returns 0, or -1 with *cause (caller frees).
 */
int		 core_event_valid(const struct core_event *, int,
		    char **cause);
/* Are a and b the same, field by field (NULL and "" differ)? */
int		 core_event_equal(const struct core_event *,
		    const struct core_event *);

/* core-valid.c */
/* Is s a valid name (1-64 of [A-Za-z0-9._@-])? */
int		 core_name_valid(const char *);
/* Is s valid text (UTF-8, no control characters but tab and LF)? */
int		 core_text_valid(const char *, size_t max);
/*
 * Decode the character at s[*i] of n bytes into *cp and step past it;
 * returns 0, or -1 after stepping one byte of a malformed sequence.
 */
int		 core_utf8_next(const char *, size_t, size_t *, unsigned int *);
/* Are n bytes well-formed UTF-8 (no overlong forms or surrogates)? */
int		 core_utf8_valid(const char *, size_t);
int		 core_status_valid(const char *);
int		 core_outcome_valid(const char *);
/* Is s a key-moment kind (detection, diagnosis, decision, mitigation)? */
int		 core_moment_valid(const char *);
int		 core_threshold_parse(const char *, int *, double *);
int		 core_feed_kind_valid(const char *);
int		 core_level_valid(const char *);

/* core-chain.c */
/* The chain's starting value for an incident id. */
void		 core_chain_start(const char *, unsigned char *);
/* h_n = SHA-256(h_{n-1} || canonical(event)). */
void		 core_chain_next(const unsigned char *, const struct core_event *,
		    unsigned char *);
/* The same from the event's canonical bytes, len of them, made already. */
void		 core_chain_next_bytes(const unsigned char *, const char *,
		    size_t, unsigned char *);
/* The short digest people read out: CORE_DIGEST_LEN hex digits. */
void		 core_chain_digest(const unsigned char *, char *);

/* core-state.c */
void		 core_state_init(struct core_state *, const char *);
void		 core_state_clear(struct core_state *);
/*
 * Make dst, uninitialised, a deep copy of src, which is not changed; the
 * caller clears dst with core_state_clear.
 */
void		 core_state_copy(struct core_state *dst,
		    const struct core_state *src);
/*
 * Check a command from ctx->actor against the state; ctx->based_on is the
 * seq of the view it was decided on (-1: none given).  Drops payload
 * fields the command does not use; on success fills the derived fields
 * (actor and by from ctx, roles, the fence a break or expiry ends) and
 * returns 0; otherwise returns -1 with *r filled (free with
 * core_refusal_clear).  A command that names an actor or a by other than
 * ctx's is refused ("not-you"), never corrected.  Refusal order: malformed
 * command, who it claims to be from, permission (the right the
 * authorisation table ctx->authz gives, unless ctx->internal; for amend
 * once the note is found), malformed or unknown names, current state
 * (held, done, blocked, conflicting, lock-delay, stale fence), stale view.
 */
int		 core_state_check(const struct core_state *, struct core_event *,
		    const struct core_ctx *, struct core_refusal *);
/*
 * Fold one event into the state: checks nothing, advances seq and the chain.
 * It takes any event, but the fold keeps its invariants only when the
 * event's seq is state->seq + 1: core_state_follow checks that of a log,
 * the hub of the events it makes.
 */
void		 core_state_apply(struct core_state *, const struct core_event *,
		    const struct core_ctx *);
/*
 * The same, given the event's canonical bytes (core_event_encode's, len
 * of them) when the caller has them already: the chain is made from them.
 */
void		 core_state_apply_encoded(struct core_state *,
		    const struct core_event *, const char *, size_t,
		    const struct core_ctx *);
/*
 * Follow the chain by one event received with hash, the chain value after
 * it: the one place a log from elsewhere (store, hub, export) is folded.
 * Returns 0 when e was event state->seq + 1 and the chain after it equals
 * hash (hash NULL: it was not sent, and a later event's checks it; the
 * value is then state->chain).  Otherwise *cause says why (the caller frees it) and it returns
 * CORE_FOLLOW_GAP when e is not the next event (the state is unchanged), or
 * CORE_FOLLOW_BROKEN when the chain does not match (the state has folded e
 * and no longer verifies: the caller discards it).
 */
#define CORE_FOLLOW_GAP		-1
#define CORE_FOLLOW_BROKEN	-2
int		 core_state_follow(struct core_state *,
		    const struct core_event *, const unsigned char *hash,
		    const struct core_ctx *, char **cause);
/*
 * Does a state received whole (a snapshot) keep the fold's invariants: one
 * named IC or none, every fence at most seq, a holder and a fence exactly
 * while held?
 * The fold asserts them after every event.  Returns 0, or -1 with *cause
 * (caller frees).
 */
int		 core_state_valid(const struct core_state *, char **cause);
/*
 * Assert the invariants core_state_valid checks, of a state the code built
 * itself (by core_state_follow, or the hub's check and apply): a failure is
 * a bug and aborts.
 */
void		 core_state_assert(const struct core_state *);
/* Fill the actor's roles ("ic,ops") for a new event; the caller frees. */
char		*core_state_roles(const struct core_state *, const char *);
struct core_action *core_state_action(const struct core_state *, const char *);
struct core_role *core_state_role(const struct core_state *, const char *);
/* The note with this seq, or NULL. */
struct core_note *core_state_note(const struct core_state *, int64_t);
struct core_feed *core_state_feed(const struct core_state *, const char *);
struct core_feed *core_state_feed_add(struct core_state *, const char *);
void		 core_feed_clear_spec(struct core_feed *);
void		 core_state_moment_add(struct core_state *, int64_t,
		    const struct core_event *, const char *);
/* Fold command passing to the event's actor (taken or accepted). */
void		 core_state_command_to(struct core_state *,
		    const struct core_event *, const struct core_ctx *);
/* Renew a held lease: deadline = now + ttl.  Check first. */
void		 core_state_renew(struct core_state *, const char *, int64_t now);
/*
 * After a restart: extend every held lease to at least now + grace, never
 * shortening one.
 */
void		 core_state_grace(struct core_state *, int64_t now, int64_t grace);
/*
 * Time every held lease afresh: extend it to at least now + its own ttl,
 * never shorten it (a hub that takes over the lease timers).  Returns the
 * leases extended.
 */
size_t		 core_state_afresh(struct core_state *, int64_t now);
/* The earliest deadline of a held lease, or INT64_MAX. */
int64_t		 core_state_next_deadline(const struct core_state *);
/* The first held action whose lease ran out at now, or NULL. */
struct core_action *core_state_expired(const struct core_state *, int64_t now);
/*
 * Why a free action cannot be claimed now ("after X" or "conflicts with Y
 * running"), or NULL; the caller frees.
 */
char		*core_state_blocked(const struct core_state *,
		    const struct core_action *);
/* The current grant held by user on an action, or 0. */
int64_t		 core_state_fence_of(const struct core_state *, const char *,
		    const char *);

/* core-token.c */
#define CORE_TOKEN_PREFIX	"concord:"
#define CORE_TOKEN_SECRET	32	/* random bytes of a token's secret */
#define CORE_TOKEN_SALT		16	/* bytes of the salt of its hash */
/* The longest token: prefix, a name, a colon and the secret in hex. */
#define CORE_TOKEN_MAX		(8 + CORE_NAME_MAX + 1 + 2 * CORE_TOKEN_SECRET)
/*
 * The token of user name with these CORE_TOKEN_SECRET secret bytes,
 * "concord:NAME:HEX"; the caller frees it.
 */
char		*core_token_make(const char *, const unsigned char *);
/*
 * Split a token into its user's name (the caller frees it) and its
 * secret bytes; 0, or -1 with *cause (the caller frees; it never quotes
 * the token).
 */
int		 core_token_parse(const char *, char **,
		    unsigned char *, char **cause);
/* The hash kept of a secret: HMAC-SHA256 keyed with the salt, into out. */
void		 core_token_hash(const unsigned char *salt,
		    const unsigned char *secret, unsigned char *out);
/* Does secret hash to hash with salt?  1 or 0, in constant time. */
int		 core_token_check(const unsigned char *salt,
		    const unsigned char *hash, const unsigned char *secret);

/* core-bucket.c */
/* A token bucket, in thousandths of a token (see core-bucket.c). */
struct core_bucket {
	int64_t		 rate;		/* tokens a second; 0: no limit */
	int64_t		 burst;		/* tokens held at most */
	int64_t		 milli;		/* thousandths held; below 0: debt */
	int64_t		 last;		/* ms of the last refill */
};
/* A full bucket at now (monotonic ms). */
void		 core_bucket_init(struct core_bucket *, int64_t rate,
		    int64_t burst, int64_t now);
/*
 * Take one token at now, into debt if there is none.  Returns 0 if
 * another may be taken at once, else the ms until one may.
 */
int64_t		 core_bucket_take(struct core_bucket *, int64_t now);
/* Is the bucket full at now (nothing taken for a while)? */
int		 core_bucket_full(struct core_bucket *, int64_t now);

/* core-refusal.c */
int		 core_refuse(struct core_refusal *, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void		 core_refusal_clear(struct core_refusal *);
/* Refuse if based_on is older than mark; 0 if fresh. */
int		 core_check_fresh(const struct core_mark *, int64_t based_on,
		    const char *what, const struct core_ctx *,
		    struct core_refusal *);
void		 core_mark_set(struct core_mark *, const struct core_event *);
void		 core_mark_clear(struct core_mark *);

/* core-authz.c */
/* The built-in default table (static: never freed or changed). */
const struct core_authz *core_authz_default(void);
/* A right's name ("sev") or what it allows ("changing the severity"). */
const char	*core_right_name(enum core_right);
const char	*core_right_what(enum core_right);
/* The right named s, or CORE_RIGHT_NONE. */
int		 core_right_find(const char *);
/* The right a command needs (status by its state), or CORE_RIGHT_NONE. */
int		 core_authz_right(const struct core_event *);
/*
 * Set who holds the right named right from words separated by blanks:
 * ic, responder, viewer or a role name; none for nobody.  Returns 0, or
 * -1 with *cause (the caller frees it) for an unknown right or word.
 */
int		 core_authz_set(struct core_authz *, const char *right,
		    const char *words, char **cause);
/* The words of a grant, as core_authz_set reads them; the caller frees. */
char		*core_authz_words(const struct core_grant *);
/* Is user a responder of the incident (rather than a viewer)? */
int		 core_authz_responder(const struct core_state *, const char *);
/* Does user hold right in the incident under table a (NULL: default)? */
int		 core_authz_holds(const struct core_authz *,
		    const struct core_state *, const char *user,
		    enum core_right);
/*
 * Check that ctx->actor holds right under ctx->authz: 0, or -1 with *r
 * filled, naming the right, who holds it and what the actor is, then
 * detail if not NULL.  The code is not-ic when the IC alone holds it,
 * else forbidden.
 */
int		 core_authz_check(const struct core_state *,
		    const struct core_ctx *, enum core_right, const char *detail,
		    struct core_refusal *);

/* core-lease.c */
/*
 * Check that ctx->actor holds name's lease with cmd->fence, unexpired.
 * Returns the action, or NULL with *r filled.
 */
struct core_action *core_lease_check_holder(const struct core_state *,
		    const struct core_event *, const struct core_ctx *,
		    struct core_refusal *);
/* Refuse because a is held: "X is held by bob (fence 7, 21 s left)". */
int		 core_lease_refuse_held(const struct core_action *,
		    const struct core_ctx *, struct core_refusal *);
/* Seconds left on a held lease, rounded up, at least 0. */
int64_t		 core_lease_left(const struct core_action *, int64_t now);
/* End a grant: free the action, lock-delay if delay > 0. */
void		 core_lease_end(struct core_action *, int64_t free_at);
/*
 * Fold a lease that ended without its holder (broken by the IC, or
 * expired): free the action after the lock-delay and mark the change.
 */
void		 core_lease_lost(struct core_state *, const struct core_event *,
		    const struct core_ctx *);

#endif
