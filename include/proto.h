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

#define PROTO_VERSION		2
#define PROTO_SUBPROTOCOL	"concord"
#define PROTO_MAX_MSG		(1024 * 1024)	/* largest message, bytes */
#define PROTO_PAGE_EVENTS	512		/* events per catch-up page */
#define PROTO_PAGE_BYTES	(256 * 1024)	/* bytes per catch-up page */
#define PROTO_SNAPSHOT_AFTER	10000		/* default snapshot threshold */

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
 * A presence entry's seq for a follower keeping up: past any head, so that
 * a client's head minus it (how far behind it shows) is never above zero.
 */
#define PROTO_PRESENCE_LIVE	CORE_INT_MAX

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
	char			*user;		/* hello */
	char			*incident;
	int64_t			 from;		/* hello: replay after; -1 none */
	int			 snapshot;	/* hello: a snapshot is welcome */
	char			*op;		/* command, ack, refused */
	int64_t			 based_on;	/* command; -1 when absent */
	struct core_event	 cmd;		/* command */
	int64_t			 seq;		/* ack: event seq; welcome: head */
	int64_t			 fence;		/* ack of a claim or renew */
	int			 duplicate;	/* ack: op was already logged */
	char			*code;		/* refused, error */
	char			*message;	/* refused, error */
	char			*hub;		/* welcome: hub version string */
	unsigned char		 chain[CORE_HASH_LEN]; /* welcome: at head */
	int64_t			 lock_delay;	/* welcome, ms */
	int64_t			 ttl;		/* welcome: default lease; ack
						   of a claim: its lease (ms) */
	int64_t			 t;		/* ping, pong */
	struct core_event	*events;	/* events */
	unsigned char		(*hashes)[CORE_HASH_LEN]; /* chain after each */
	size_t			 nevents;
	struct proto_incident	*incidents;
	size_t			 nincidents;
	struct core_state	*state;		/* snapshot: owned; deadlines
						   relative until rebased */
	struct proto_presence	*users;		/* presence */
	size_t			 nusers;
	char			*name;		/* lease: the action */
	int64_t			 left;		/* lease: ms left */
};

/* proto-msg.c */
/* Empty m, of this kind, with the defaults; it owns nothing yet. */
void	proto_msg_init(struct proto_msg *, enum proto_kind);
/* Free what a decoded message owns and empty it; not for borrowed ones. */
void	proto_msg_clear(struct proto_msg *);
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
/* Start and finish an events message around encoded events. */
void	proto_events_begin(const char *incident, struct buf *);
void	proto_events_end(struct buf *);
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
 * proto_event_check's answer, made cheaply when the event's strings need
 * no escaping in JSON; on success the canonical bytes are appended to
 * canon.  Returns 0, or -1 with *cause (caller frees).
 */
int	proto_event_prepare(const struct core_event *, struct buf *canon,
	    char **cause);

#endif
