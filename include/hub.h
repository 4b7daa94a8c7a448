/*
 * hub: concordd, the single authority that orders every incident's events.
 *
 * One thread runs the libwebsockets loop.  A command is checked against the
 * incident's in-memory state as it arrives and, if accepted, folded in and
 * queued; a timer HUB_COMMIT_DELAY later (0: the next pass of the loop, once
 * what has arrived has been read) commits everything queued in one SQLite
 * transaction (group commit: under load commands gather while the last
 * commit's fsync runs, so one fsync serves many) and only after that
 * acknowledges the commands and lets subscribers' cursors advance over the
 * new events.  The delay is not a fraction of a millisecond: lws's poll
 * counts in milliseconds, so it would spin until then.  A failed
 * commit is fatal: the hub exits and recovers from the store on restart
 * (but a batch that lost its PostgreSQL connection is tried again).
 *
 * With a store other hubs share (PostgreSQL), each batch locks the heads
 * of its incidents and, where another hub got there first, reads what it
 * wrote and decides this hub's waiting commands again before appending;
 * other hubs' commits are heard of (LISTEN) and read into the incidents
 * with nothing pending here, and served from the ring as this hub's are.
 * One of the hubs, elected through the store (hub-elect.c), issues lease
 * expiries and polls telemetry for all of them.
 *
 * Each event is encoded for the wire once, when it is accepted (or checked
 * against the store's copy when loaded): those bytes are stored beside the
 * canonical ones and kept in the incident's ring of recent events, and
 * every follower is sent them as they are, from the ring or, when it is
 * further behind than the ring reaches, from the store.
 */
#ifndef CONCORD_HUB_H
#define CONCORD_HUB_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "core.h"
#include "proto.h"
#include "store.h"
#include "tele.h"
#include "util.h"

#define HUB_VERSION		"concordd 0.1"
#define HUB_OUTQ_PAUSE		256	/* stop reading a client past this */
#define HUB_OUTQ_RESUME		32
#define HUB_HELLO_TIMEOUT	10	/* seconds to say hello */
#define HUB_FRAME_TIMEOUT	10	/* seconds to finish a started message */
#define HUB_COMMIT_DELAY	0	/* us before a batch is committed */
#define HUB_PING_AFTER		3000	/* ms heard nothing: websocket ping */
#define HUB_SILENT_CLOSE	9000	/* ms with nothing received: close */
#define HUB_BEHIND_AFTER	1000	/* ms behind before presence says so */
#define HUB_TICK		250	/* ms between housekeeping passes */
#define HUB_NOFILE		65536	/* open files wanted (soft limit) */
#define HUB_NOFILE_MAX		(1 << 20) /* a soft limit lws can use */
#define HUB_CLIENTS_MIN		1000	/* connections the hub must take */
#define HUB_COMMIT_BUCKETS	10	/* of the commit time histogram */
#define HUB_RATE		50	/* messages a second, per connection */
#define HUB_BURST		100	/* ... read at once when it is full */
#define HUB_RATE_MAX		1000000
#define HUB_USER_CONNECTIONS	32	/* connections per user */
#define HUB_USER_INCIDENTS	20	/* open incidents per user */
#define HUB_TELL_EVERY		10000	/* ms between slow-down notices */
#define HUB_NOTIFY_POLL		1000	/* ms between looks at other hubs'
					   besides the socket's (reconnecting) */
#define HUB_COMMIT_RETRY	250	/* ms between tries of a lost batch */
#define HUB_ELECT_EVERY		1000	/* ms between looks at leadership */

/* A feed the configuration gives every incident, or one (hub.conf). */
struct hub_conf_feed {
	struct tele_feed	 spec;		/* name: the feed's */
	char			*unit;
	char			*warn;
	char			*crit;
	char			*incident;	/* NULL: every incident */
};
#define HUB_RING_EVENTS		4096	/* recent events an incident keeps */
#define HUB_RING_BYTES		(4 << 20) /* ... and at most these bytes */
#define HUB_RX_BUFFER		4096	/* lws receive buffer, per connection */
#define HUB_TX_PACKET		(PROTO_PAGE_BYTES + 65536) /* one send */
#define HUB_TRIM_AFTER		64	/* closes before memory goes back */
#define HUB_BATCH_BYTES		65536	/* replies gathered into one write */

struct hub_config {
	char		*socket;	/* Unix socket path or NULL */
	char		*listen;	/* HOST:PORT or NULL */
	char		*data;		/* data directory */
	char		*store;		/* store spec (store_open), or NULL */
	char		*log;		/* log file */
	int64_t		 lock_delay;	/* ms */
	int64_t		 grace;		/* ms */
	int64_t		 ttl;		/* default lease, ms */
	int64_t		 snapshot_after; /* events behind before a snapshot */
	struct hub_conf_feed *feeds;
	size_t		 nfeeds;
	char		*band;		/* hysteresis, "5%" or absolute */
	char		*hook_token;	/* bearer token of the webhooks */
	char		*hook_incident;	/* where alerts go without a label */
	struct core_authz authz;	/* who may do what (allow.RIGHT) */
	char		*cert;		/* TLS certificate (PEM) or NULL */
	char		*key;		/* its private key (PEM) or NULL */
	int		 private;	/* the socket's own uid alone, acting
					   as anyone */
	int64_t		 rate;		/* messages a second per connection,
					   0: no limit */
	int64_t		 burst;
	int64_t		 user_connections; /* per user, 0: no limit */
	int64_t		 user_incidents; /* open per user, 0: no limit */
	int64_t		 hook_body_max;	/* bytes of a webhook's body */
};

/*
 * One feed of an incident and what everyone sees of it (hub-tele.c): the
 * last good value and when it was read, the failure and since when, and
 * the last good values in a ring.
 */
struct hub_feed {
	char			*name;
	struct tele_feed	 spec;		/* as the engine polls it */
	char			*unit;
	char			*warn;
	char			*crit;
	struct tele_levels	 levels;
	int			 valued;
	double			 value;
	int64_t			 read;		/* mono ms of the value */
	char			*error;
	int64_t			 failing;	/* mono ms the errors began */
	char			*series;	/* how series were reduced */
	double			 history[PROTO_HISTORY_MAX];
	size_t			 nhistory;
	size_t			 first;		/* the oldest in the ring */
	TAILQ_ENTRY(hub_feed)	 entry;
};
TAILQ_HEAD(hub_feeds, hub_feed);
/* One committed event's wire form. */
struct hub_wire {
	char		*data;
	size_t		 len;
};

/*
 * The wire forms of an incident's most recent committed events, seq first
 * to next - 1 (empty when first == next), in slots indexed by seq modulo
 * HUB_RING_EVENTS; the oldest go once it holds HUB_RING_EVENTS events or
 * HUB_RING_BYTES bytes.  Every follower's cursor reads from it.
 */
struct hub_ring {
	struct hub_wire	*slots;		/* HUB_RING_EVENTS, or NULL */
	int64_t		 first;
	int64_t		 next;
	size_t		 bytes;
};

/* A Bloom filter of operation ids (hub-ops.c). */
struct hub_bloom {
	uint64_t	*bits;
	size_t		 nbits;
	size_t		 n;		/* ids added */
	size_t		 cap;		/* ids it is made for */
};

/* The op ids an incident has logged or queued, approximately. */
struct hub_ops {
	struct hub_bloom *f;		/* each twice the last's size */
	size_t		 n;
};

struct hub_incident {
	struct core_state	 state;		/* includes uncommitted events */
	struct core_state	 durable;	/* shared store: the committed
						   events' alone (seq is
						   committed), to decide again
						   from; unused otherwise */
	int64_t			 committed;	/* last durable seq */
	unsigned char		 chain[CORE_HASH_LEN]; /* at committed */
	struct hub_ring		 ring;		/* recent committed events */
	struct hub_ops		 ops;		/* op ids logged, or queued */
	struct buf		 events_head;	/* an events message's start */
	uint64_t		 presence_ver;	/* bumped when it changes */
	int			 presence_stale; /* look again at the tick */
	struct proto_presence	*presence_users; /* as of presence_ver, by
						   name; the names owned */
	size_t			 presence_n;
	struct buf		 presence;	/* all of them, LWS_PRE first */
	struct buf		 presence_delta; /* the last change alone */
	struct hub_feeds	 feeds;		/* polled while not resolved */
	char			*opener;	/* the authenticated user who
						   opened it */
	int			 recheck;	/* decide its pending commands
						   again under the next lock */
	STAILQ_ENTRY(hub_incident) entry;
};
STAILQ_HEAD(hub_incidents, hub_incident);	/* in the order opened */

struct hub_out {
	char		*data;		/* LWS_PRE bytes of headroom first */
	size_t		 len;
	int		 close;		/* close after writing this */
	char		*key;		/* a lease notice's action, or NULL */
	STAILQ_ENTRY(hub_out) entry;
};
STAILQ_HEAD(hub_outq, hub_out);

struct hub_client {
	struct lws		*wsi;
	struct hub		*hub;
	char			*user;		/* after hello: acts as */
	char			*login;		/* after hello: who it is */
	int			 local;		/* on the Unix socket */
	int64_t			 peer_uid;	/* local: the peer's uid */
	int			 token;		/* authenticated by a token */
	unsigned char		 salt[CORE_TOKEN_SALT]; /* of its hash */
	struct core_bucket	 bucket;	/* messages it may send */
	int			 throttled;	/* not read until rate_sul */
	int64_t			 told;		/* mono ms of the last notice */
	lws_sorted_usec_list_t	 rate_sul;
	struct hub_incident	*inc;		/* incident named in hello */
	int			 subscribed;	/* events after cursor go out */
	int			 follows;	/* hello gave from: notices too */
	int			 want_snapshot;	/* once nothing is pending */
	int			 leases_sent;	/* lease times sent after catch-up */
	int64_t			 presence_seq;	/* cursor last announced */
	uint64_t		 presence_ver;	/* incident's, when last sent */
	int64_t			 behind_since;	/* mono ms, 0 if caught up */
	int			 lagging;	/* behind HUB_BEHIND_AFTER */
	int64_t			 cursor;	/* last seq sent */
	int64_t			 heard;		/* mono ms of the last frame */
	int64_t			 pinged;	/* mono ms of our last ping */
	int			 ping_due;	/* write a ping first */
	struct buf		 rx;		/* message being received */
	struct hub_outq		 urgent;	/* pongs: before the rest */
	struct hub_outq		 outq;
	size_t			 noutq;		/* replies queued */
	int			 paused;
	int			 closing;
	LIST_ENTRY(hub_client)	 entry;

	/* An HTTP request (hub-http.c) */
	int			 hook;		/* which webhook, or 0 */
	int			 too_large;	/* its body went past the limit */
	struct buf		 body;
	uint64_t		 hook_commit;	/* answer after this commit */
	int			 hook_waiting;
	LIST_ENTRY(hub_client)	 hook_entry;
};
LIST_HEAD(hub_clients, hub_client);		/* newest first */

/*
 * What waits for the next commit, answered in order after it: an accepted
 * event (stored, then acknowledged), the acknowledgement of a retried
 * operation whose event is in the same batch, or a refusal that may rest on
 * an event of the batch.  Owned by the hub's pending queue.
 */
enum hub_pending_kind {
	HUB_PENDING_EVENT,
	HUB_PENDING_DUPLICATE,
	HUB_PENDING_REFUSAL
};

struct hub_pending {
	enum hub_pending_kind	 kind;
	struct hub_incident	*inc;		/* NULL for a refusal */
	struct hub_client	*client;	/* to answer, or NULL */
	char			*op;
	int64_t			 fence;		/* a claim's, to acknowledge */

	/* HUB_PENDING_EVENT */
	struct core_event	 ev;		/* empty for the others */
	unsigned char		 hash[CORE_HASH_LEN];
	struct buf		 body;		/* canonical bytes */
	struct buf		 wire;		/* its wire form */

	/* HUB_PENDING_DUPLICATE */
	int64_t			 dup_seq;	/* the original's seq */

	/* HUB_PENDING_REFUSAL */
	char			*code;
	char			*message;

	/*
	 * With a shared store (store_shared), a client's command as it came
	 * (cmd, from actor, based on based_on), to decide it again if
	 * another hub wrote to the incident first; redo says it is set.
	 */
	int			 redo;
	struct core_event	 cmd;
	char			*actor;
	int64_t			 based_on;

	STAILQ_ENTRY(hub_pending) entry;
};
STAILQ_HEAD(hub_pendings, hub_pending);

struct hub {
	struct hub_config	 cfg;
	struct lws_context	*ctx;
	struct store		*store;
	struct hub_incidents	 incidents;
	int64_t			 next_incident;
	struct hub_pendings	 pending;
	size_t			 npending;
	int			 commit_armed;
	lws_sorted_usec_list_t	 commit_sul;
	lws_sorted_usec_list_t	 lease_sul;
	lws_sorted_usec_list_t	 tick_sul;	/* notices signals */
	lws_sorted_usec_list_t	 notify_sul;	/* other hubs' commits */
	struct lws_vhost	*notify_vh;	/* of the notifications' socket */
	struct lws		*notify_wsi;	/* watching notify_fd, or NULL */
	int			 notify_fd;	/* a dup of the store's socket */
	int			 notify_failing; /* said so in the log */
	int			 notify_changed;
	int			 commit_failing; /* said so in the log */
	uint64_t		 ticks;
	struct hub_clients	 clients;
	struct buf		 page;		/* the events message made */
	struct buf		 out;		/* frames of one write */
	size_t			 gone;		/* connections closed since the
						   heap was last trimmed */
	uint64_t		 stat_events;
	uint64_t		 stat_commits;
	uint64_t		 stat_silent;	/* clients closed for silence */
	struct hub_clients	 hooks;		/* answers waiting for a commit */
	uint64_t		 stat_commit_le[HUB_COMMIT_BUCKETS];
	double			 stat_commit_sum; /* seconds */
	struct tele		*tele;		/* the feeds' poller */
	int			 tele_dirty;	/* feeds may have changed */
	uint64_t		 stat_hooks;	/* webhook deliveries taken */
	uint64_t		 stat_hook_errors;
	uint64_t		 stat_alerts;	/* alert events logged */
	uint64_t		 stat_levels;	/* feed.level events logged */
	struct store_users	*users;		/* DIR/users.db */
	struct store_user	*userv;		/* as last read */
	size_t			 nusers;
	uint64_t		 users_gen;	/* times they were read */
	uint64_t		 users_swept;	/* ... as of the last sweep */
	uint64_t		 stat_refused;	/* hellos refused */
	uint64_t		 stat_throttled; /* reads paused by the rate */
	int			 leader;	/* times leases, polls feeds */
	int			 elect_failing;	/* said so in the log */
	lws_sorted_usec_list_t	 elect_sul;
	uint64_t		 stat_leader_changes;
	char			*store_down;	/* why nothing can be made
						   durable (told to clients),
						   or NULL */
	uint64_t		 stat_store_down; /* times it was lost */
};

/* hub-state.c */
/* Load every incident from the store; 0 or -1 with *cause. */
int	hub_state_load(struct hub *, char **cause);
void	hub_state_free(struct hub *);
struct hub_incident *hub_state_find(struct hub *, const char *);
/* Handle a decoded command from a client (acks or refuses it). */
void	hub_state_command(struct hub *, struct hub_client *, struct proto_msg *);
/* Commit everything pending, acknowledge and wake subscribers. */
void	hub_state_commit(struct hub *);
/* Expire leases that ran out and re-arm the lease timer. */
void	hub_state_leases(struct hub *);
/* Is user connected to this incident? */
int	hub_state_present(struct hub *, struct hub_incident *, const char *);
int	hub_state_issue(struct hub *, struct hub_incident *,
	    struct core_event *, const char *, char **);
struct hub_incident *hub_state_open(struct hub *, struct core_event *,
	    const char *, char **);
/* The incident operation op opened, or NULL. */
struct hub_incident *hub_state_opened(struct hub *, const char *);
/* Forget a client that is going away (pending acks to it are dropped). */
void	hub_state_client_gone(struct hub *, struct hub_client *);
/*
 * With a shared store: another hub committed incident up to seq (id NULL:
 * anything may have changed).  Reads what is new, if nothing of this hub's
 * is pending for it (else its commit will), and wakes its followers; an
 * incident not known yet is loaded.  Returns 1 if anything changed.
 */
int	hub_state_catchup(struct hub *, const char *id, int64_t seq);
/*
 * With a shared store, catch up on other hubs' commits as soon as the
 * store's notifications arrive (their socket is watched in the event loop)
 * and every HUB_NOTIFY_POLL ms besides (reconnecting); nothing otherwise.
 */
void	hub_state_listen(struct hub *);
/*
 * The database cannot be reached (cause, copied) or can again (NULL): on
 * a change, log it and tell every client (hub_ws_durable).
 */
void	hub_state_store(struct hub *, const char *cause);

/*
 * Every lease held in any incident is timed afresh from now (never
 * shortened) and its followers told; why says so in the log.
 */
void	hub_state_afresh(struct hub *, const char *why);

/* hub-elect.c */
/*
 * Find out whether this hub leads the cluster (always, with a store only
 * it writes) and keep asking every HUB_ELECT_EVERY ms; hub_elect_stop
 * ends that.
 */
void	hub_elect_start(struct hub *);
void	hub_elect_stop(struct hub *);

/* hub-main.c */
int	hub_main(int, char **);

/* hub-tls.c */
/*
 * Check the TLS settings (cert and key, both or neither, with a TCP
 * listener): the files are readable, the key not open to others and the
 * certificate's, the certificate not expired.  Returns 0 (and logs what
 * the certificate is), or -1 with *cause (the caller frees).
 */
int	hub_tls_check(const struct hub_config *, char **cause);
/* hub-user.c: concordd user add|list|revoke|grant; an exit status. */
int	hub_user_main(int, char **);

/* hub-auth.c */
/* Open the users table and read it; 0, or -1 with *cause. */
int	hub_auth_open(struct hub *, char **cause);
void	hub_auth_close(struct hub *);
/* A connection was made: note whether it is local and its peer's uid. */
void	hub_auth_connected(struct hub *, struct hub_client *);
/*
 * Decide who a hello's connection is (c->login, which c owns) and
 * whether it may act as the hello's user.  Returns 0, or -1 with *code
 * (static) and *why (the caller frees) to refuse it with.
 */
int	hub_auth_hello(struct hub *, struct hub_client *,
	    const struct proto_msg *, const char **code, char **why);
/* The authenticated user when c acts as another, else NULL (c's). */
const char *hub_auth_by(const struct hub_client *);
/*
 * If the users changed, read them and close every connection whose
 * authentication no longer holds (each told why).
 */
void	hub_auth_sweep(struct hub *);

/* hub-http.c: GET /healthz, /metrics; POST /hooks/alertmanager, generic */
extern const double hub_commit_le[HUB_COMMIT_BUCKETS];
int	hub_http_request(struct hub *, struct hub_client *, struct lws *,
	    const char *);
int	hub_http_body(struct hub *, struct hub_client *, struct lws *,
	    const void *, size_t);
int	hub_http_body_done(struct hub *, struct hub_client *, struct lws *);
int	hub_http_writeable(struct hub_client *, struct lws *);
void	hub_http_closed(struct hub *, struct hub_client *);
/* A commit happened: answer the webhooks that waited for it. */
void	hub_http_committed(struct hub *);

/* hub-tele.c */
/* Start polling (the engine wakes the loop); stop and free it all. */
void	hub_tele_start(struct hub *);
void	hub_tele_stop(struct hub *);
/*
 * Make every open incident's feeds what its log and the configuration
 * say, and the engine poll them; followers of an incident whose set
 * changed get it whole.  Cheap when nothing changed.
 */
void	hub_tele_sync(struct hub *);
/* Take the engine's samples: values, errors, crossings (the loop's wake). */
void	hub_tele_drain(struct hub *);
/*
 * A hub that does not lead: take the samples the leader told (values and
 * errors; the crossings are the leader's, and arrive in the log).
 */
void	hub_tele_heard(struct hub *);
/* Send a client the whole set of its incident's feeds. */
void	hub_tele_welcome(struct hub *, struct hub_client *);
/*
 * Every feed of inc as everyone sees it now, one "name: value (age)" line
 * each (the caller frees them with core_list_free), for a decision.
 */
char	**hub_tele_seen(struct hub *, struct hub_incident *, size_t *);
/* The names of the feeds the configuration gives inc (borrowed). */
const char **hub_tele_configured(struct hub *, struct hub_incident *,
	    size_t *);
/* Free an incident's feeds. */
void	hub_tele_incident_free(struct hub_incident *);
/*
 * Take a feed setting of the configuration (feed.NAME.SETTING = value):
 * 0, 1 if key is not one, or -1 with *cause.
 */
int	hub_tele_config(struct hub_config *, const char *, const char *,
	    char **);
/* Is every configured feed complete and pollable?  0, or -1 with *cause. */
int	hub_tele_config_check(struct hub_config *, char **);
void	hub_tele_config_clear(struct hub_config *);
/* hub-ops.c */
/* Note that an op id (if not NULL) is logged or queued. */
void	hub_ops_add(struct hub_ops *, const char *);
/* 0 if op was never added; 1 if it may have been (ask the store). */
int	hub_ops_maybe(const struct hub_ops *, const char *);
/* Free the filters and empty the set. */
void	hub_ops_clear(struct hub_ops *);

/* hub-ring.c */
/* Keep an event's wire form (taking w's bytes) as the ring's newest. */
void	hub_ring_add(struct hub_ring *, int64_t seq, struct buf *w);
/* The wire form of seq and its length, or NULL if the ring lacks it. */
const char *hub_ring_get(const struct hub_ring *, int64_t seq, size_t *);
/* Free every wire form the ring holds and empty it. */
void	hub_ring_clear(struct hub_ring *);

/* hub-ws.c */
extern const struct lws_protocols hub_ws_protocols[];
/* Queue a message to a client (copied) and ask to write. */
void	hub_ws_send(struct hub_client *, const char *, size_t, int close);
void	hub_ws_send_msg(struct hub_client *, const struct proto_msg *);
/*
 * Tell to (NULL: every client past hello) whether the hub can make
 * anything durable: a notice PROTO_NOTICE_STALE with hub->store_down, or
 * PROTO_NOTICE_LIVE when it is NULL again.
 */
void	hub_ws_durable(struct hub *, struct hub_client *to);
/*
 * The incident's followers changed (one joined or left): at the next tick
 * each gets a fresh presence message ahead of any further events.
 */
void	hub_ws_presence(struct hub *, struct hub_incident *);
/*
 * Every HUB_TICK ms: ping quiet clients and close silent ones, and
 * announce the followers that joined, left, fell behind, caught up or
 * (with progress set) moved while behind.
 */
void	hub_ws_tick(struct hub *, int progress);
/* Free what hub-ws.c keeps on the incidents (at shutdown). */
void	hub_ws_free(struct hub *);
/*
 * Tell an incident's followers the time left on a lease (or one client); a
 * notice for the same action still queued to a client is replaced.
 */
void	hub_ws_lease(struct hub *, struct hub_incident *, struct hub_client *,
	    const struct core_action *);
/*
 * Queue a notice to inc's followers (or only to), whose hello gave from;
 * one with the same key still queued to a client is replaced.
 */
void	hub_ws_notice(struct hub *, struct hub_incident *, struct hub_client *,
	    const char *key, const char *, size_t);
/* Send a snapshot a client asked for, if the incident has nothing pending. */
void	hub_ws_snapshot(struct hub *, struct hub_client *);
void	hub_ws_send_error(struct hub_client *, const char *code,
	    const char *op, const char *message, enum proto_kind, int close);

#endif
