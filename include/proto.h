/*
 * proto: the wire protocol between concord clients and the concordd hub.
 *
 * Every message is one websocket text message holding one JSON object with
 * a "type".  The protocol version travels in hello and welcome, so a client
 * of another version gets a readable error rather than a failed handshake.
 * cJSON is used only inside this module: callers see plain structs.
 *
 * Bump PROTO_VERSION when any message below changes shape or meaning, and
 * update man/concord-protocol.7 with it.
 */
#ifndef CONCORD_PROTO_H
#define CONCORD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define PROTO_VERSION		5
#define PROTO_SUBPROTOCOL	"concord"
#define PROTO_MAX_MSG		(1024 * 1024)	/* largest message, bytes */
#define PROTO_PAGE_EVENTS	512		/* events per catch-up page */
#define PROTO_PAGE_BYTES	(256 * 1024)	/* bytes per catch-up page */
#define PROTO_SNAPSHOT_AFTER	10000		/* default snapshot threshold */
/*
 * Notice codes that change what a client shows: the hub cannot make
 * anything durable (message: why; the client is STALE until told
 * otherwise), and it can again.  A client that does not know them shows
 * the message like any notice.
 */
#define PROTO_NOTICE_STALE	"stale"
#define PROTO_NOTICE_LIVE	"live"

enum proto_kind {
	PROTO_HELLO,		/* client: who, which incident, resume point */
	PROTO_WELCOME,		/* hub: version, head seq and chain */
	PROTO_COMMAND,		/* client: a command with an operation id */
	PROTO_ACK,		/* hub: committed (or a duplicate op) */
	PROTO_REFUSED,		/* hub: not accepted, with code and reason */
	PROTO_EVENTS,		/* hub: committed events, in order */
	PROTO_PING,
	PROTO_PONG,
	PROTO_ERROR,		/* hub: malformed or unacceptable message */
	PROTO_LIST,		/* client: list incidents */
	PROTO_INCIDENTS,	/* hub: the list */
	PROTO_SNAPSHOT,		/* hub: state at a seq, for a far-behind client */
	PROTO_PRESENCE,		/* hub: who follows the incident, how far */
	PROTO_LEASE,		/* hub: time left on a held lease (ephemeral) */
	PROTO_TELEMETRY,	/* hub: feeds' values and ages (ephemeral) */
	PROTO_NOTICE,		/* hub: for the user, answering nothing */
	PROTO_KIND_COUNT
};

struct proto_incident {
	char		*id;
	char		*title;
	char		*status;
	char		*ic;
	int64_t		 sev;
	int64_t		 seq;
	int64_t		 opened;
};

/*
 * One telemetry feed as the hub shows it.  Ages are milliseconds as of the
 * message, so that a receiver adds the time since it arrived and never
 * compares two machines' clocks.
 */
#define PROTO_HISTORY_MAX	120	/* values of a feed's history */
#define PROTO_FEEDS_MAX		64	/* feeds in one message */
#define PROTO_FIELDS_MAX	64	/* at least the core's event fields */
struct proto_feed {
	char		*name;
	char		*unit;
	char		*warn;		/* thresholds, "[<|>]NUMBER" */
	char		*crit;
	char		*level;		/* ok, warn or crit; NULL: none */
	char		*series;	/* how several series were reduced */
	char		*error;		/* why the last poll failed, or NULL */
	int64_t		 every;		/* ms between polls */
	int64_t		 stale;		/* a value older than this is stale */
	int		 valued;	/* a good value was ever read */
	double		 value;		/* the last good value */
	int64_t		 age;		/* ms since it was read */
	int64_t		 error_age;	/* ms since the failures began */
	double		*history;	/* good values, oldest first */
	size_t		 nhistory;
};

/*
 * A presence entry's seq for a follower keeping up: past any head, so that
 * a client's head minus it (how far behind it shows) is never above zero.
 */
#define PROTO_PRESENCE_LIVE	CORE_INT_MAX
/* In a presence delta: the user no longer follows. */
#define PROTO_PRESENCE_GONE	(-1)

struct proto_presence {
	char		*user;
	int64_t		 seq;		/* the last event sent to them, or
					   PROTO_PRESENCE_LIVE */
};

/*
 * A message, in one of two ownerships:
 *
 * - Decoded (proto_msg_decode): the message owns every string, array and
 *   the snapshot state it points to; proto_msg_clear frees them all.  A
 *   caller may take one (copy the pointer, then set it to NULL) before the
 *   clear.
 * - To encode (proto_msg_init, fields set, proto_msg_encode): the fields
 *   only borrow the caller's data, often const data through a cast such as
 *   m.incident = (char *)id.  The encoder reads them and changes nothing;
 *   such a message is never passed to proto_msg_clear, and the data must
 *   outlive the encode call only.
 *
 * proto_msg_init fills the defaults (based_on and from -1) and nothing
 * else is allocated by it, so a message to encode needs no clearing.
 */
struct proto_msg {
	enum proto_kind		 kind;
	int64_t			 version;	/* hello, welcome */
	char			*user;		/* hello: who to act as */
	char			*token;		/* hello: the user's token */
	char			*incident;
	int64_t			 from;		/* hello: replay after; -1 none */
	int			 snapshot;	/* hello: a snapshot is welcome */
	char			*op;		/* command, ack, refused */
	int64_t			 based_on;	/* command; -1 when absent */
	struct core_event	 cmd;		/* command */
	int64_t			 seq;		/* ack: event seq; welcome: head */
	int64_t			 fence;		/* ack of a claim or renew */
	int			 duplicate;	/* ack: op was already logged */
	char			*code;		/* refused, error, notice */
	char			*message;	/* refused, error, notice */
	char			*hub;		/* welcome: hub version string */
	unsigned char		 chain[CORE_HASH_LEN]; /* welcome: at head */
	int64_t			 lock_delay;	/* welcome, ms */
	int64_t			 ttl;		/* welcome: default lease; ack
						   of a claim: its lease (ms) */
	int64_t			 t;		/* ping, pong */
	struct core_event	*events;	/* events */
	unsigned char		(*hashes)[CORE_HASH_LEN]; /* chain after each */
	char			*hashed;	/* events: 1 where the hash was
						   sent (always the last; the
						   others' are zero) */
	size_t			 nevents;
	struct proto_incident	*incidents;
	size_t			 nincidents;
	struct core_state	*state;		/* snapshot: owned; deadlines
						   relative until rebased */
	struct proto_presence	*users;		/* presence */
	size_t			 nusers;
	int			 delta;		/* presence: users are the
						   changes since the last one
						   (seq PROTO_PRESENCE_GONE:
						   left); else all of them */
	char			*name;		/* lease: the action */
	int64_t			 left;		/* lease: ms left */
	struct proto_feed	*feeds;		/* telemetry */
	size_t			 nfeeds;
	int			 full;		/* telemetry: these are all the
						   incident's feeds */
};

/* proto-msg.c */
/* Free what a decoded feed owns (not f itself). */
void	proto_feed_clear(struct proto_feed *);
/* Copy src into dst, which the caller clears. */
void	proto_feed_copy(struct proto_feed *, const struct proto_feed *);
/* Is a feed's value, age ms old, past what the feed allows (or none)? */
int	proto_feed_stale(const struct proto_feed *, int64_t age);
/*
 * A feed's value as people read it: "840 ms (3 s old)", "no value yet",
 * "810 ms (2 min old, STALE; failing: timeout)".  Caller frees.
 */
char	*proto_feed_text(const struct proto_feed *, int64_t age);
/*
 * A feed as a decision records it: "p99: 840 ms (3 s old)", at most
 * CORE_LINE_MAX bytes.  Caller frees.
 */
char	*proto_feed_seen(const struct proto_feed *, int64_t age);
/* Format a value as a feed shows it ("840", "2.1", "0.0123") into buf. */
void	proto_value_format(double, char *, size_t);
/* Format an age in ms as "3 s", "2 min", "5 h" into buf. */
void	proto_age_format(int64_t, char *, size_t);
/* Empty m, of this kind, with the defaults; it owns nothing yet. */
void	proto_msg_init(struct proto_msg *, enum proto_kind);
/* Free what a decoded message owns and empty it; not for borrowed ones. */
void	proto_msg_clear(struct proto_msg *);
/*
 * Apply presence message m to the list *users of *n entries (the caller's,
 * freed with proto_presence_free): a whole list replaces it; a delta's
 * entries replace or add a user's, or with seq PROTO_PRESENCE_GONE remove
 * it.  m's entries are moved out of it (m->users is NULL after).
 */
void	proto_presence_apply(struct proto_presence **, size_t *,
	    struct proto_msg *);
/* Free a presence list of n entries. */
void	proto_presence_free(struct proto_presence *, size_t);
const char *proto_kind_name(enum proto_kind);
/*
 * Decode one message.  Returns 0, or -1 with *cause (caller frees) and,
 * when it could be read, the kind and op filled so a refusal can name them.
 */
int	proto_msg_decode(const char *, size_t, struct proto_msg *, char **cause);
/* Append the JSON of a message to b; reads m only (its fields may borrow). */
struct buf;
void	proto_msg_encode(const struct proto_msg *, struct buf *);
/*
 * Does e survive its own encodings unchanged?  It must obey every field
 * rule, its canonical bytes must decode, and the JSON of what they decode
 * to must decode to the same canonical bytes.  The hub asks before it
 * accepts an event.  Returns 0, or -1 with *cause (caller frees).
 */
int	proto_event_check(const struct core_event *, char **cause);
/*
 * Start and finish an events message around encoded events (wire forms
 * joined by commas).  Only the last event of a message need carry its
 * chain value: before adding the next, proto_events_unhash drops the hash
 * member from the wire form that ends b if it has one.
 */
void	proto_events_begin(const char *incident, struct buf *);
void	proto_events_end(struct buf *);
void	proto_events_unhash(struct buf *);
/*
 * Append a snapshot message of st (which must be at a committed seq); lease
 * deadlines travel as time left relative to now (monotonic ms).
 */
void	proto_snapshot_encode(const struct core_state *, int64_t now,
	    struct buf *);
/*
 * A decoded snapshot's lease deadlines are milliseconds left; make them
 * absolute on the local monotonic clock.
 */
void	proto_snapshot_rebase(struct core_state *, int64_t now);
/*
 * What the CLI prints with --json, appended to b: a command's result (the
 * incident, and the action, seq and fence when not 0/NULL, and
 * "duplicate":true), an incident's current picture (concord show), and
 * the list of incidents.
 */
void	proto_result_json(const char *incident, const char *action,
	    int64_t seq, int64_t fence, int duplicate, struct buf *);
void	proto_state_json(const struct core_state *, struct buf *);
/*
 * A failure as the CLI prints it with --json on standard error:
 * {"error":CODE,"message":MESSAGE}.  A count ({"incident":ID,KEY:N}, as
 * concord note --stdin reports), and a verified export (concord verify:
 * the incident, seq, digest and chain value at the end).
 */
void	proto_error_json(const char *code, const char *message, struct buf *);
void	proto_count_json(const char *incident, const char *key, int64_t,
	    struct buf *);
void	proto_verified_json(const char *incident, int64_t seq,
	    const unsigned char *chain, struct buf *);
/*
 * A webhook's answer: {"recorded":logged,"duplicates":again}.
 */
void	proto_hook_answer(size_t, size_t, struct buf *);
/* The feeds (ages[i] ms old now) of an incident, as concord feeds --json. */
void	proto_feeds_json(const char *, const struct proto_feed *,
	    const int64_t *, size_t, struct buf *);
void	proto_incidents_json(const struct proto_incident *, size_t,
	    struct buf *);
/* Append s as a JSON string literal, or null when s is NULL. */
void	proto_json_str(struct buf *, const char *);
/* Append a complete error or refusal message. */
void	proto_error_encode(const char *code, const char *message,
	    const char *op, enum proto_kind, struct buf *);

/*
 * Parse an exported JSON log: the incident id, its events and the chain
 * value each claims, and the head seq and chain value the export claims
 * to end at.  Returns 0, or -1 with *cause (caller frees).
 */
int	proto_export_decode(const char *, size_t, char **id,
	    struct core_event **, unsigned char (**)[CORE_HASH_LEN], size_t *,
	    int64_t *head, unsigned char *chain, char **cause);

/* ---- monitoring: JSON from outside (proto-monitor.c) ------------------- */
/*
 * Decoders of what monitoring systems send or answer: a Prometheus instant
 * query's response, a value at a path in any JSON document, Alertmanager's
 * webhook (version 4) and concord's own generic hook.  Each is strict and
 * bounded: a problem is an error whose *cause (caller frees) is fit to
 * answer with (a 400, or a feed's error), never a crash.  A decoded struct
 * owns its strings; the matching _clear frees them and empties it.
 */
#define PROTO_MON_BODY_MAX	(1024 * 1024)	/* largest document read */
#define PROTO_PROM_SERIES_MAX	10000		/* series in one answer */
#define PROTO_PROM_LABELS_MAX	256		/* bytes of a series' labels */
#define PROTO_PATH_MAX		256		/* bytes of a JSON path */
#define PROTO_PATH_STEPS	32		/* members and indexes in one */
#define PROTO_AM_ALERTS_MAX	1000		/* alerts in one delivery */
#define PROTO_AM_LABELS_MAX	128		/* labels of one alert */
#define PROTO_AM_NAME_MAX	256		/* bytes of a label's name */
#define PROTO_AM_TEXT_MAX	16384		/* bytes of any other string */
#define PROTO_HOOK_TITLE_MAX	256
#define PROTO_HOOK_TEXT_MAX	4096
#define PROTO_HOOK_WORD_MAX	128		/* severity, incident, key */

/* One series of a Prometheus answer. */
struct proto_prom_series {
	char		*labels;	/* name{k="v",...}, at most
					   PROTO_PROM_LABELS_MAX bytes */
	char		*text;		/* the value as sent: "1.5", "NaN" */
	double		 value;
	int		 finite;	/* 0 for NaN and +-Inf */
};
struct proto_prom {
	char			*type;		/* "vector" or "scalar" */
	struct proto_prom_series *series;	/* a scalar: one, no labels */
	size_t			 nseries;
};
/*
 * Decode a /api/v1/query response.  A vector (of any number of series) or
 * a scalar gives 0; an answer with status "error", a matrix or string
 * result, or anything malformed gives -1 with *cause (the server's
 * errorType and error for an error answer).  Free with proto_prom_clear.
 */
int	proto_prom_decode(const char *, size_t, struct proto_prom *,
	    char **cause);
void	proto_prom_clear(struct proto_prom *);

/*
 * JSON paths: "data.items[0].value", "$.a.b", "a[\"odd.key\"][2]": members
 * by name (after '.', or quoted in brackets) and array elements by index.
 * proto_path_check returns 0 if the path is well-formed, or -1 with
 * *cause.  proto_path_value finds the value at the path in a document: a
 * number, or a string holding a number, gives 0 with *value; a missing
 * member or index, another type, NaN or an infinity gives -1 with *cause
 * naming where and why.
 */
int	proto_path_check(const char *, char **cause);
int	proto_path_value(const char *, size_t, const char *path, double *value,
	    char **cause);

/*
 * One alert of an Alertmanager webhook.  labels holds every label as
 * "name=value" in the order sent; the common ones are copied out too
 * (NULL when absent).  Times are milliseconds since the epoch, 0 for
 * Go's zero time ("0001-01-01T00:00:00Z", an alert still firing).  Free
 * text (values, annotations) has control characters other than tab and
 * line feed made spaces.
 */
struct proto_am_alert {
	char		*status;	/* "firing" or "resolved" */
	char		*fingerprint;
	char		*alertname;
	char		*severity;
	char		*instance;
	char		*incident;	/* label concord_incident */
	char		**labels;
	size_t		 nlabels;
	char		*summary;	/* annotations */
	char		*description;
	char		*starts;	/* as sent */
	char		*ends;
	int64_t		 starts_ms;
	int64_t		 ends_ms;
	char		*generator_url;
};
struct proto_am {
	char			*receiver;
	char			*status;	/* of the group */
	char			*group_key;
	char			*external_url;
	int64_t			 truncated;	/* alerts the sender left out */
	struct proto_am_alert	*alerts;
	size_t			 nalerts;
};
/*
 * Decode an Alertmanager webhook body (version "4").  Returns 0, or -1
 * with *cause fit for a 400 answer.  Free with proto_am_clear.
 */
int	proto_am_decode(const char *, size_t, struct proto_am *, char **cause);
void	proto_am_clear(struct proto_am *);

/*
 * The generic hook (concord-protocol(7), WEBHOOK BODIES): a title, and
 * optional text, severity, incident, status ("firing" unless "resolved")
 * and dedup key (required when resolved).  Returns 0, or -1 with *cause
 * fit for a 400 answer.  Free with proto_hook_clear.
 */
struct proto_hook {
	char		*title;
	char		*text;
	char		*severity;
	char		*incident;
	char		*status;
	char		*key;
};
int	proto_hook_decode(const char *, size_t, struct proto_hook *,
	    char **cause);
void	proto_hook_clear(struct proto_hook *);
/* ---- end of monitoring -------------------------------------------------- */

/* proto-wire.c */
/*
 * Append one event as a JSON object (with its chain hash if non-NULL):
 * the bytes cJSON would print for it (proto_msg_encode's events), made
 * without it.
 */
void	proto_event_encode(const struct core_event *, const unsigned char *,
	    struct buf *);
/*
 * Append the JSON object of an event as its canonical bytes give it back
 * (empty strings and list entries left out), with its chain hash: the
 * bytes the hub sends for it.
 */
void	proto_wire_encode(const struct core_event *, const unsigned char *,
	    struct buf *);
/*
 * Append an ack as proto_msg_encode writes it, without a cJSON tree (the
 * bytes cJSON would print; it is on the path of every command).
 */
void	proto_ack_encode(const struct proto_msg *, struct buf *);
/*
 * proto_event_check's answer, made cheaply when the event's strings need
 * no escaping in JSON; on success the canonical bytes are appended to
 * canon.  Returns 0, or -1 with *cause (caller frees).
 */
int	proto_event_prepare(const struct core_event *, struct buf *canon,
	    char **cause);

#endif
