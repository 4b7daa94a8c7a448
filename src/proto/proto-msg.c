/*
 * Encoding and decoding of protocol messages (see proto.h and
 * concord-protocol(7)).  Decoding is strict about types: a field of the
 * wrong JSON type, a non-integral or out-of-range number, or a missing
 * required field is an error with a message naming the field.  Unknown
 * fields are ignored so that later minor additions stay readable.  Content
 * (names, text) is validated by the core, not here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto.h"
#include "util.h"

static const char *proto_kind_names[PROTO_KIND_COUNT] = {
	[PROTO_HELLO] = "hello",
	[PROTO_WELCOME] = "welcome",
	[PROTO_COMMAND] = "command",
	[PROTO_ACK] = "ack",
	[PROTO_REFUSED] = "refused",
	[PROTO_EVENTS] = "events",
	[PROTO_PING] = "ping",
	[PROTO_PONG] = "pong",
	[PROTO_ERROR] = "error",
	[PROTO_LIST] = "list",
	[PROTO_INCIDENTS] = "incidents",
	[PROTO_SNAPSHOT] = "snapshot",
	[PROTO_PRESENCE] = "presence",
	[PROTO_LEASE] = "lease",
};

const char *
proto_kind_name(enum proto_kind k)
{
	if ((int)k < 0 || k >= PROTO_KIND_COUNT)
		return "?";
	return proto_kind_names[k];
}

void
proto_msg_init(struct proto_msg *m, enum proto_kind kind)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->version = PROTO_VERSION;
	m->from = -1;
	m->based_on = -1;
	core_event_init(&m->cmd);
}

void
proto_msg_clear(struct proto_msg *m)
{
	size_t	i;

	free(m->user);
	free(m->incident);
	free(m->op);
	free(m->code);
	free(m->message);
	free(m->hub);
	core_event_clear(&m->cmd);
	for (i = 0; i < m->nevents; i++)
		core_event_clear(&m->events[i]);
	free(m->events);
	free(m->hashes);
	for (i = 0; i < m->nincidents; i++) {
		free(m->incidents[i].id);
		free(m->incidents[i].title);
		free(m->incidents[i].status);
		free(m->incidents[i].ic);
	}
	free(m->incidents);
	for (i = 0; i < m->nusers; i++)
		free(m->users[i].user);
	free(m->users);
	free(m->name);
	if (m->state != NULL) {
		core_state_clear(m->state);
		free(m->state);
	}
	proto_msg_init(m, m->kind);
}

/* ---- decoding ------------------------------------------------------- */

static int	proto_decode_snapshot(const cJSON *, struct proto_msg *, int64_t,
		    char **);

static int
proto_get_str(const cJSON *o, const char *key, char **out, int required,
    char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL || cJSON_IsNull(v)) {
		if (required) {
			*cause = xasprintf("missing field \"%s\"", key);
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		*cause = xasprintf("field \"%s\" must be a string", key);
		return -1;
	}
	free(*out);
	*out = xstrdup(v->valuestring);
	return 0;
}

static int
proto_get_num(const cJSON *o, const char *key, int64_t *out, int required,
    char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);
	double		 d;

	if (v == NULL || cJSON_IsNull(v)) {
		if (required) {
			*cause = xasprintf("missing field \"%s\"", key);
			return -1;
		}
		return 0;
	}
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return 0;
	}
	if (!cJSON_IsNumber(v)) {
		*cause = xasprintf("field \"%s\" must be a number", key);
		return -1;
	}
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0) {
		*cause = xasprintf("field \"%s\" must be an integer", key);
		return -1;
	}
	*out = (int64_t)d;
	return 0;
}

static int
proto_get_list(const cJSON *o, const char *key, char ***list, size_t *n,
    char **cause)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key), *e;

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v)) {
		*cause = xasprintf("field \"%s\" must be an array", key);
		return -1;
	}
	if (cJSON_GetArraySize(v) > CORE_LIST_MAX) {
		*cause = xasprintf("field \"%s\" has more than %d entries", key,
		    CORE_LIST_MAX);
		return -1;
	}
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			*cause = xasprintf("entries of \"%s\" must be strings",
			    key);
			return -1;
		}
		core_list_add(list, n, e->valuestring);
	}
	return 0;
}

static int
proto_get_hash(const cJSON *o, const char *key, unsigned char *out,
    int required, char **cause)
{
	char	*s = NULL;
	int	 rc;

	if (proto_get_str(o, key, &s, required, cause) != 0)
		return -1;
	if (s == NULL)
		return 0;
	rc = util_hex_decode(s, out, CORE_HASH_LEN);
	free(s);
	if (rc != 0)
		*cause = xasprintf("field \"%s\" must be 64 hex digits", key);
	return rc;
}

/* Decode the event fields of o into e; "type" names the event type. */
static int
proto_event_fields(const cJSON *o, const char *typekey, struct core_event *e,
    char **cause)
{
	const struct core_cmd_entry	*ce;
	char				*type = NULL;

	if (proto_get_str(o, typekey, &type, 1, cause) != 0)
		return -1;
	if ((ce = core_cmd_find(type)) == NULL) {
		*cause = xasprintf("unknown command \"%s\"", type);
		free(type);
		return -1;
	}
	free(type);
	e->type = ce->type;
	if (proto_get_num(o, "seq", &e->seq, 0, cause) != 0 ||
	    proto_get_num(o, "time", &e->time, 0, cause) != 0 ||
	    proto_get_str(o, "actor", &e->actor, 0, cause) != 0 ||
	    proto_get_str(o, "roles", &e->roles, 0, cause) != 0 ||
	    proto_get_str(o, "op", &e->op, 0, cause) != 0 ||
	    proto_get_str(o, "name", &e->name, 0, cause) != 0 ||
	    proto_get_str(o, "user", &e->user, 0, cause) != 0 ||
	    proto_get_str(o, "role", &e->role, 0, cause) != 0 ||
	    proto_get_str(o, "state", &e->state, 0, cause) != 0 ||
	    proto_get_str(o, "outcome", &e->outcome, 0, cause) != 0 ||
	    proto_get_str(o, "kind", &e->kind, 0, cause) != 0 ||
	    proto_get_num(o, "ref", &e->ref, 0, cause) != 0 ||
	    proto_get_num(o, "sev", &e->sev, 0, cause) != 0 ||
	    proto_get_num(o, "ttl", &e->ttl, 0, cause) != 0 ||
	    proto_get_num(o, "fence", &e->fence, 0, cause) != 0 ||
	    proto_get_num(o, "force", &e->force, 0, cause) != 0 ||
	    proto_get_list(o, "after", &e->after, &e->nafter, cause) != 0 ||
	    proto_get_list(o, "conflicts", &e->conflicts, &e->nconflicts,
	    cause) != 0 ||
	    proto_get_str(o, "text", &e->text, 0, cause) != 0)
		return -1;
	return 0;
}

static int
proto_decode_events(const cJSON *o, const char *key, struct proto_msg *m,
    char **cause)
{
	const cJSON	*items = cJSON_GetObjectItemCaseSensitive(o, key);
	const cJSON	*it;
	size_t		 n, i = 0;

	if (!cJSON_IsArray(items)) {
		*cause = xasprintf("field \"%s\" must be an array", key);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(items);
	m->events = xcalloc(n, sizeof *m->events);
	m->hashes = xcalloc(n, sizeof *m->hashes);
	cJSON_ArrayForEach(it, items) {
		core_event_init(&m->events[i]);
		m->nevents = i + 1;
		if (!cJSON_IsObject(it)) {
			*cause = xstrdup("events must be objects");
			return -1;
		}
		if (proto_event_fields(it, "type", &m->events[i], cause) != 0 ||
		    proto_get_hash(it, "hash", m->hashes[i], 1, cause) != 0)
			return -1;
		i++;
	}
	return 0;
}

static int
proto_decode_presence(const cJSON *o, struct proto_msg *m, char **cause)
{
	const cJSON	*items = cJSON_GetObjectItemCaseSensitive(o, "users");
	const cJSON	*it;

	if (!cJSON_IsArray(items)) {
		*cause = xstrdup("field \"users\" must be an array");
		return -1;
	}
	m->users = xcalloc((size_t)cJSON_GetArraySize(items) + 1,
	    sizeof *m->users);
	cJSON_ArrayForEach(it, items) {
		if (proto_get_str(it, "user", &m->users[m->nusers].user, 1,
		    cause) != 0)
			return -1;
		m->nusers++;
		if (proto_get_num(it, "seq", &m->users[m->nusers - 1].seq, 0,
		    cause) != 0)
			return -1;
	}
	return 0;
}

static int
proto_decode_incidents(const cJSON *o, struct proto_msg *m, char **cause)
{
	const cJSON		*items = cJSON_GetObjectItemCaseSensitive(o, "items");
	const cJSON		*it;
	struct proto_incident	*pi;
	size_t			 n;

	if (!cJSON_IsArray(items)) {
		*cause = xstrdup("field \"items\" must be an array");
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(items);
	m->incidents = xcalloc(n, sizeof *m->incidents);
	cJSON_ArrayForEach(it, items) {
		pi = &m->incidents[m->nincidents++];
		if (proto_get_str(it, "id", &pi->id, 1, cause) != 0 ||
		    proto_get_str(it, "title", &pi->title, 0, cause) != 0 ||
		    proto_get_str(it, "status", &pi->status, 0, cause) != 0 ||
		    proto_get_str(it, "ic", &pi->ic, 0, cause) != 0 ||
		    proto_get_num(it, "sev", &pi->sev, 0, cause) != 0 ||
		    proto_get_num(it, "seq", &pi->seq, 0, cause) != 0 ||
		    proto_get_num(it, "opened", &pi->opened, 0, cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * Does the JSON text hold a NUL, raw or escaped as \u0000 in a string?
 * cJSON cuts a string at a NUL, so a field would silently hold less than
 * was sent (a note shortened, an op id made to match another).
 */
static int
proto_has_nul(const char *p, size_t len)
{
	size_t	i;
	int	instr = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\0')
			return 1;
		if (!instr) {
			if (p[i] == '"')
				instr = 1;
		} else if (p[i] == '"')
			instr = 0;
		else if (p[i] == '\\') {
			if (len - i > 5 && memcmp(p + i + 1, "u0000", 5) == 0)
				return 1;
			i++;	/* the escaped character */
		}
	}
	return 0;
}

int
proto_msg_decode(const char *p, size_t len, struct proto_msg *m, char **cause)
{
	cJSON		*o;
	char		*type = NULL;
	int64_t		 dup = 0, snap = 0;
	int		 rc = -1, k;

	proto_msg_init(m, PROTO_ERROR);
	*cause = NULL;
	if (len > PROTO_MAX_MSG) {
		*cause = xasprintf("message of %zu bytes is over the %d byte "
		    "limit", len, PROTO_MAX_MSG);
		return -1;
	}
	if ((o = cJSON_ParseWithLength(p, len)) == NULL) {
		*cause = xstrdup("malformed JSON");
		return -1;
	}
	if (!cJSON_IsObject(o)) {
		*cause = xstrdup("a message must be a JSON object");
		goto out;
	}
	if (proto_get_str(o, "type", &type, 1, cause) != 0)
		goto out;
	for (k = 0; k < PROTO_KIND_COUNT; k++) {
		if (strcmp(type, proto_kind_names[k]) == 0)
			break;
	}
	if (k == PROTO_KIND_COUNT) {
		*cause = xasprintf("unknown message type \"%.40s\"", type);
		goto out;
	}
	m->kind = (enum proto_kind)k;
	if (proto_get_str(o, "op", &m->op, 0, cause) != 0 ||
	    proto_get_str(o, "incident", &m->incident, 0, cause) != 0)
		goto out;
	if (proto_has_nul(p, len)) {
		*cause = xstrdup("strings may not hold NUL (\\u0000)");
		goto out;
	}
	switch (m->kind) {
	case PROTO_HELLO:
		m->version = -1;
		if (proto_get_num(o, "proto", &m->version, 1, cause) != 0 ||
		    proto_get_str(o, "user", &m->user, 1, cause) != 0 ||
		    proto_get_num(o, "from", &m->from, 0, cause) != 0 ||
		    proto_get_num(o, "snapshot", &snap, 0, cause) != 0)
			goto out;
		m->snapshot = snap != 0;
		break;
	case PROTO_WELCOME:
		if (proto_get_num(o, "proto", &m->version, 1, cause) != 0 ||
		    proto_get_str(o, "hub", &m->hub, 0, cause) != 0 ||
		    proto_get_num(o, "head", &m->seq, 0, cause) != 0 ||
		    proto_get_hash(o, "chain", m->chain, 0, cause) != 0 ||
		    proto_get_num(o, "lock_delay", &m->lock_delay, 0,
		    cause) != 0 ||
		    proto_get_num(o, "ttl", &m->ttl, 0, cause) != 0)
			goto out;
		break;
	case PROTO_COMMAND:
		if (proto_get_str(o, "op", &m->op, 1, cause) != 0 ||
		    proto_get_num(o, "based_on", &m->based_on, 0, cause) != 0 ||
		    proto_event_fields(o, "cmd", &m->cmd, cause) != 0)
			goto out;
		if (strlen(m->op) > 64) {
			*cause = xstrdup("an operation id is at most 64 bytes");
			goto out;
		}
		break;
	case PROTO_ACK:
		if (proto_get_num(o, "seq", &m->seq, 0, cause) != 0 ||
		    proto_get_num(o, "fence", &m->fence, 0, cause) != 0 ||
		    proto_get_num(o, "duplicate", &dup, 0, cause) != 0 ||
		    proto_get_num(o, "ttl", &m->ttl, 0, cause) != 0)
			goto out;
		m->duplicate = dup != 0;
		break;
	case PROTO_REFUSED:
	case PROTO_ERROR:
		if (proto_get_str(o, "code", &m->code, 1, cause) != 0 ||
		    proto_get_str(o, "message", &m->message, 0, cause) != 0)
			goto out;
		break;
	case PROTO_EVENTS:
		if (proto_decode_events(o, "items", m, cause) != 0)
			goto out;
		break;
	case PROTO_PING:
	case PROTO_PONG:
		if (proto_get_num(o, "t", &m->t, 0, cause) != 0)
			goto out;
		break;
	case PROTO_LIST:
		break;
	case PROTO_INCIDENTS:
		if (proto_decode_incidents(o, m, cause) != 0)
			goto out;
		break;
	case PROTO_SNAPSHOT:
		if (proto_decode_snapshot(o, m, 0, cause) != 0)
			goto out;
		break;
	case PROTO_PRESENCE:
		if (proto_decode_presence(o, m, cause) != 0)
			goto out;
		break;
	case PROTO_LEASE:
		if (proto_get_str(o, "name", &m->name, 1, cause) != 0 ||
		    proto_get_num(o, "fence", &m->fence, 1, cause) != 0 ||
		    proto_get_num(o, "left", &m->left, 1, cause) != 0)
			goto out;
		break;
	case PROTO_KIND_COUNT:
		break;
	}
	rc = 0;
out:
	free(type);
	cJSON_Delete(o);
	return rc;
}

/* ---- encoding ------------------------------------------------------- */

static void
proto_put_str(cJSON *o, const char *key, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, key, v);
}

static void
proto_put_num(cJSON *o, const char *key, int64_t v, int always)
{
	if (v != 0 || always)
		cJSON_AddNumberToObject(o, key, (double)v);
}

static void
proto_put_list(cJSON *o, const char *key, char **list, size_t n)
{
	cJSON	*a;
	size_t	 i;

	if (n == 0)
		return;
	a = cJSON_AddArrayToObject(o, key);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(list[i]));
}

static void
proto_put_hash(cJSON *o, const char *key, const unsigned char *h)
{
	char	hex[2 * CORE_HASH_LEN + 1];

	util_hex_encode(h, CORE_HASH_LEN, hex);
	cJSON_AddStringToObject(o, key, hex);
}

static void
proto_put_event(cJSON *o, const char *typekey, const struct core_event *e)
{
	proto_put_num(o, "seq", e->seq, 0);
	proto_put_num(o, "time", e->time, 0);
	proto_put_str(o, "actor", e->actor);
	proto_put_str(o, "roles", e->roles);
	proto_put_str(o, "op", e->op);
	cJSON_AddStringToObject(o, typekey, core_type_name(e->type));
	proto_put_str(o, "name", e->name);
	proto_put_str(o, "user", e->user);
	proto_put_str(o, "role", e->role);
	proto_put_str(o, "state", e->state);
	proto_put_str(o, "outcome", e->outcome);
	proto_put_str(o, "kind", e->kind);
	proto_put_num(o, "sev", e->sev, 0);
	proto_put_num(o, "ttl", e->ttl, 0);
	proto_put_num(o, "fence", e->fence, 0);
	proto_put_num(o, "force", e->force, 0);
	proto_put_num(o, "ref", e->ref, 0);
	proto_put_list(o, "after", e->after, e->nafter);
	proto_put_list(o, "conflicts", e->conflicts, e->nconflicts);
	proto_put_str(o, "text", e->text);
}

static void
proto_emit(cJSON *o, struct buf *b)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory encoding JSON");
	util_buf_adds(b, s);
	cJSON_free(s);
	cJSON_Delete(o);
}

static cJSON *
proto_new(enum proto_kind kind)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL)
		fatalx("out of memory encoding JSON");
	cJSON_AddStringToObject(o, "type", proto_kind_name(kind));
	return o;
}

void
proto_msg_encode(const struct proto_msg *m, struct buf *b)
{
	cJSON			*o = proto_new(m->kind), *a, *it;
	size_t			 i;
	struct proto_incident	*pi;

	proto_put_str(o, "incident", m->incident);
	switch (m->kind) {
	case PROTO_HELLO:
		proto_put_num(o, "proto", m->version, 1);
		proto_put_str(o, "user", m->user);
		if (m->from >= 0)
			proto_put_num(o, "from", m->from, 1);
		if (m->snapshot)
			cJSON_AddTrueToObject(o, "snapshot");
		break;
	case PROTO_WELCOME:
		proto_put_num(o, "proto", m->version, 1);
		proto_put_str(o, "hub", m->hub);
		proto_put_num(o, "head", m->seq, 1);
		proto_put_hash(o, "chain", m->chain);
		proto_put_num(o, "lock_delay", m->lock_delay, 1);
		proto_put_num(o, "ttl", m->ttl, 1);
		break;
	case PROTO_COMMAND:
		proto_put_str(o, "op", m->op);
		if (m->based_on >= 0)
			proto_put_num(o, "based_on", m->based_on, 1);
		proto_put_event(o, "cmd", &m->cmd);
		break;
	case PROTO_ACK:
		proto_put_str(o, "op", m->op);
		proto_put_num(o, "seq", m->seq, 1);
		proto_put_num(o, "fence", m->fence, 0);
		proto_put_num(o, "ttl", m->ttl, 0);
		if (m->duplicate)
			cJSON_AddTrueToObject(o, "duplicate");
		break;
	case PROTO_REFUSED:
	case PROTO_ERROR:
		proto_put_str(o, "op", m->op);
		proto_put_str(o, "code", m->code);
		proto_put_str(o, "message", m->message);
		break;
	case PROTO_EVENTS:
		a = cJSON_AddArrayToObject(o, "items");
		for (i = 0; i < m->nevents; i++) {
			it = cJSON_CreateObject();
			proto_put_event(it, "type", &m->events[i]);
			if (m->hashes != NULL)
				proto_put_hash(it, "hash", m->hashes[i]);
			cJSON_AddItemToArray(a, it);
		}
		break;
	case PROTO_PING:
	case PROTO_PONG:
		proto_put_num(o, "t", m->t, 1);
		break;
	case PROTO_LIST:
	case PROTO_SNAPSHOT:	/* see proto_snapshot_encode */
	case PROTO_KIND_COUNT:
		break;
	case PROTO_PRESENCE:
		a = cJSON_AddArrayToObject(o, "users");
		for (i = 0; i < m->nusers; i++) {
			it = cJSON_CreateObject();
			proto_put_str(it, "user", m->users[i].user);
			proto_put_num(it, "seq", m->users[i].seq, 1);
			cJSON_AddItemToArray(a, it);
		}
		break;
	case PROTO_LEASE:
		proto_put_str(o, "name", m->name);
		proto_put_num(o, "fence", m->fence, 1);
		proto_put_num(o, "left", m->left, 1);
		break;
	case PROTO_INCIDENTS:
		a = cJSON_AddArrayToObject(o, "items");
		for (i = 0; i < m->nincidents; i++) {
			pi = &m->incidents[i];
			it = cJSON_CreateObject();
			proto_put_str(it, "id", pi->id);
			proto_put_str(it, "title", pi->title);
			proto_put_num(it, "sev", pi->sev, 1);
			proto_put_str(it, "status", pi->status);
			proto_put_str(it, "ic", pi->ic);
			proto_put_num(it, "seq", pi->seq, 1);
			proto_put_num(it, "opened", pi->opened, 1);
			cJSON_AddItemToArray(a, it);
		}
		break;
	}
	proto_emit(o, b);
}

void
proto_event_encode(const struct core_event *e, const unsigned char *hash,
    struct buf *b)
{
	cJSON	*o = cJSON_CreateObject();

	proto_put_event(o, "type", e);
	if (hash != NULL)
		proto_put_hash(o, "hash", hash);
	proto_emit(o, b);
}

void
proto_json_str(struct buf *b, const char *s)
{
	cJSON	*o;
	char	*p;

	if (s == NULL) {
		util_buf_adds(b, "null");
		return;
	}
	if ((o = cJSON_CreateString(s)) == NULL ||
	    (p = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory encoding JSON");
	util_buf_adds(b, p);
	cJSON_free(p);
	cJSON_Delete(o);
}

void
proto_events_begin(const char *incident, struct buf *b)
{
	cJSON	*o = proto_new(PROTO_EVENTS);
	char	*s;

	proto_put_str(o, "incident", incident);
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory encoding JSON");
	/* Drop the closing brace to append the items array. */
	util_buf_add(b, s, strlen(s) - 1);
	util_buf_adds(b, ",\"items\":[");
	cJSON_free(s);
	cJSON_Delete(o);
}

void
proto_events_end(struct buf *b)
{
	util_buf_adds(b, "]}");
}

void
proto_error_encode(const char *code, const char *message, const char *op,
    enum proto_kind kind, struct buf *b)
{
	struct proto_msg	m;

	proto_msg_init(&m, kind);
	m.code = (char *)code;
	m.message = (char *)message;
	m.op = (char *)op;
	proto_msg_encode(&m, b);
}

/* ---- exported logs -------------------------------------------------- */

/*
 * An exported JSON log (concord export --format json) is an object with
 * "incident" (the id) and "events", each as on the wire with its "hash";
 * see concord-protocol(7).  It is not bounded by PROTO_MAX_MSG.
 */
int
proto_export_decode(const char *p, size_t len, char **id,
    struct core_event **events, unsigned char (**hashes)[CORE_HASH_LEN],
    size_t *n, int64_t *head, unsigned char *chain, char **cause)
{
	cJSON			*o, *inc;
	struct proto_msg	 m;
	char			*why = NULL;

	*cause = NULL;
	*id = NULL;
	if ((o = cJSON_ParseWithLength(p, len)) == NULL) {
		*cause = xstrdup("not a JSON document");
		return -1;
	}
	inc = cJSON_GetObjectItemCaseSensitive(o, "incident");
	if (!cJSON_IsString(inc) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "events"))) {
		*cause = xstrdup("not a concord export (needs \"incident\" and "
		    "\"events\")");
		cJSON_Delete(o);
		return -1;
	}
	proto_msg_init(&m, PROTO_EVENTS);
	*head = -1;
	if (proto_get_num(o, "head", head, 1, &why) != 0 ||
	    proto_get_hash(o, "chain", chain, 1, &why) != 0 ||
	    proto_decode_events(o, "events", &m, &why) != 0) {
		*cause = xasprintf("bad event in export: %s", why);
		free(why);
		proto_msg_clear(&m);
		cJSON_Delete(o);
		return -1;
	}
	*id = xstrdup(inc->valuestring);
	cJSON_Delete(o);
	*events = m.events;
	*hashes = m.hashes;
	*n = m.nevents;
	m.events = NULL;
	m.hashes = NULL;
	m.nevents = 0;
	proto_msg_clear(&m);
	return 0;
}

/* ---- snapshots ------------------------------------------------------ */

/*
 * A snapshot carries an incident's folded state at a seq with the chain
 * value there, so a client far behind can start from it and verify every
 * event after it.  Deadlines are sent as milliseconds left, since monotonic
 * clocks are per machine.  The index of notes (for amendments) is not
 * carried: only the hub checks amendments.
 */
static void
proto_put_mark(cJSON *o, const char *key, const struct core_mark *m)
{
	cJSON	*mo = cJSON_AddObjectToObject(o, key);

	proto_put_num(mo, "seq", m->seq, 1);
	proto_put_num(mo, "time", m->time, 1);
	proto_put_str(mo, "by", m->by);
	cJSON_AddStringToObject(mo, "type", core_type_name(m->type));
}

static int
proto_get_mark(const cJSON *o, const char *key, struct core_mark *m,
    char **cause)
{
	const cJSON			*mo = cJSON_GetObjectItemCaseSensitive(o, key);
	const struct core_cmd_entry	*ce;
	char				*type = NULL;

	if (!cJSON_IsObject(mo)) {
		*cause = xasprintf("snapshot: \"%s\" must be an object", key);
		return -1;
	}
	if (proto_get_num(mo, "seq", &m->seq, 1, cause) != 0 ||
	    proto_get_num(mo, "time", &m->time, 0, cause) != 0 ||
	    proto_get_str(mo, "by", &m->by, 0, cause) != 0 ||
	    proto_get_str(mo, "type", &type, 1, cause) != 0)
		return -1;
	if ((ce = core_cmd_find(type)) == NULL) {
		*cause = xasprintf("snapshot: unknown type \"%s\"", type);
		free(type);
		return -1;
	}
	m->type = ce->type;
	free(type);
	return 0;
}

static const char *proto_action_states[] = { "free", "held", "done" };

void
proto_snapshot_encode(const struct core_state *st, int64_t now, struct buf *b)
{
	cJSON				*o = proto_new(PROTO_SNAPSHOT), *s, *a, *it;
	const struct core_action	*ac;
	size_t				 i;

	proto_put_str(o, "incident", st->id);
	proto_put_num(o, "seq", st->seq, 1);
	proto_put_hash(o, "chain", st->chain);
	s = cJSON_AddObjectToObject(o, "state");
	proto_put_str(s, "title", st->title);
	proto_put_num(s, "sev", st->sev, 1);
	proto_put_str(s, "status", st->status);
	proto_put_str(s, "summary", st->summary);
	proto_put_str(s, "opened_by", st->opened_by);
	proto_put_num(s, "opened", st->opened, 1);
	proto_put_num(s, "resolved", st->resolved, 0);
	proto_put_num(s, "last_time", st->last_time, 1);
	proto_put_str(s, "ic", st->ic);
	proto_put_str(s, "offer", st->offer);
	proto_put_mark(s, "ic_mark", &st->ic_mark);
	proto_put_mark(s, "status_mark", &st->status_mark);
	proto_put_mark(s, "sev_mark", &st->sev_mark);
	proto_put_list(s, "people", st->people, st->npeople);
	a = cJSON_AddArrayToObject(s, "roles");
	for (i = 0; i < st->nroles; i++) {
		it = cJSON_CreateObject();
		proto_put_str(it, "role", st->roles[i].role);
		proto_put_str(it, "user", st->roles[i].user);
		proto_put_mark(it, "mark", &st->roles[i].mark);
		cJSON_AddItemToArray(a, it);
	}
	a = cJSON_AddArrayToObject(s, "moments");
	for (i = 0; i < st->nmoments; i++) {
		it = cJSON_CreateObject();
		proto_put_num(it, "ref", st->moments[i].ref, 1);
		proto_put_num(it, "seq", st->moments[i].seq, 1);
		proto_put_str(it, "kind", st->moments[i].kind);
		proto_put_str(it, "by", st->moments[i].by);
		cJSON_AddItemToArray(a, it);
	}
	a = cJSON_AddArrayToObject(s, "actions");
	for (i = 0; i < st->nactions; i++) {
		ac = &st->actions[i];
		it = cJSON_CreateObject();
		proto_put_str(it, "name", ac->name);
		proto_put_str(it, "desc", ac->desc);
		proto_put_str(it, "declared_by", ac->declared_by);
		proto_put_list(it, "after", ac->after, ac->nafter);
		proto_put_list(it, "conflicts", ac->conflicts, ac->nconflicts);
		cJSON_AddStringToObject(it, "state",
		    proto_action_states[ac->state]);
		proto_put_str(it, "holder", ac->holder);
		proto_put_num(it, "fence", ac->fence, 0);
		proto_put_num(it, "ttl", ac->ttl, 0);
		if (ac->state == CORE_ACTION_HELD)
			proto_put_num(it, "left", ac->deadline > now ?
			    ac->deadline - now : 0, 1);
		if (ac->free_at > now)
			proto_put_num(it, "delay_left", ac->free_at - now, 1);
		proto_put_str(it, "outcome", ac->outcome);
		proto_put_str(it, "last_holder", ac->last_holder);
		proto_put_mark(it, "mark", &ac->mark);
		cJSON_AddItemToArray(a, it);
	}
	proto_emit(o, b);
}

/* Decode the "state" of a snapshot into m->state, deadlines from now. */
static int
proto_decode_snapshot(const cJSON *o, struct proto_msg *m, int64_t now,
    char **cause)
{
	const cJSON		*s = cJSON_GetObjectItemCaseSensitive(o, "state");
	const cJSON		*arr, *it;
	struct core_state	*st;
	struct core_action	*ac;
	struct core_role	*r;
	struct core_moment	*mo;
	char			*state = NULL;
	int64_t			 left;
	size_t			 i;

	if (!cJSON_IsObject(s) || m->incident == NULL) {
		*cause = xstrdup("snapshot needs \"incident\" and \"state\"");
		return -1;
	}
	st = m->state = xcalloc(1, sizeof *st);
	core_state_init(st, m->incident);
	free(st->status);
	st->status = NULL;
	if (proto_get_num(o, "seq", &st->seq, 1, cause) != 0 ||
	    proto_get_hash(o, "chain", st->chain, 1, cause) != 0 ||
	    proto_get_str(s, "title", &st->title, 0, cause) != 0 ||
	    proto_get_num(s, "sev", &st->sev, 0, cause) != 0 ||
	    proto_get_str(s, "status", &st->status, 1, cause) != 0 ||
	    proto_get_str(s, "summary", &st->summary, 0, cause) != 0 ||
	    proto_get_str(s, "opened_by", &st->opened_by, 0, cause) != 0 ||
	    proto_get_num(s, "opened", &st->opened, 0, cause) != 0 ||
	    proto_get_num(s, "resolved", &st->resolved, 0, cause) != 0 ||
	    proto_get_num(s, "last_time", &st->last_time, 0, cause) != 0 ||
	    proto_get_str(s, "ic", &st->ic, 0, cause) != 0 ||
	    proto_get_str(s, "offer", &st->offer, 0, cause) != 0 ||
	    proto_get_mark(s, "ic_mark", &st->ic_mark, cause) != 0 ||
	    proto_get_mark(s, "status_mark", &st->status_mark, cause) != 0 ||
	    proto_get_mark(s, "sev_mark", &st->sev_mark, cause) != 0 ||
	    proto_get_list(s, "people", &st->people, &st->npeople, cause) != 0)
		return -1;
	arr = cJSON_GetObjectItemCaseSensitive(s, "roles");
	st->roles = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof *st->roles);
	cJSON_ArrayForEach(it, arr) {
		r = &st->roles[st->nroles++];
		if (proto_get_str(it, "role", &r->role, 1, cause) != 0 ||
		    proto_get_str(it, "user", &r->user, 0, cause) != 0 ||
		    proto_get_mark(it, "mark", &r->mark, cause) != 0)
			return -1;
	}
	arr = cJSON_GetObjectItemCaseSensitive(s, "moments");
	st->moments = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof *st->moments);
	cJSON_ArrayForEach(it, arr) {
		mo = &st->moments[st->nmoments++];
		if (proto_get_num(it, "ref", &mo->ref, 1, cause) != 0 ||
		    proto_get_num(it, "seq", &mo->seq, 1, cause) != 0 ||
		    proto_get_str(it, "kind", &mo->kind, 1, cause) != 0 ||
		    proto_get_str(it, "by", &mo->by, 1, cause) != 0)
			return -1;
	}
	arr = cJSON_GetObjectItemCaseSensitive(s, "actions");
	st->actions = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof *st->actions);
	cJSON_ArrayForEach(it, arr) {
		ac = &st->actions[st->nactions++];
		left = 0;
		if (proto_get_str(it, "name", &ac->name, 1, cause) != 0 ||
		    proto_get_str(it, "desc", &ac->desc, 0, cause) != 0 ||
		    proto_get_str(it, "declared_by", &ac->declared_by, 0,
		    cause) != 0 ||
		    proto_get_list(it, "after", &ac->after, &ac->nafter,
		    cause) != 0 ||
		    proto_get_list(it, "conflicts", &ac->conflicts,
		    &ac->nconflicts, cause) != 0 ||
		    proto_get_str(it, "state", &state, 1, cause) != 0 ||
		    proto_get_str(it, "holder", &ac->holder, 0, cause) != 0 ||
		    proto_get_num(it, "fence", &ac->fence, 0, cause) != 0 ||
		    proto_get_num(it, "ttl", &ac->ttl, 0, cause) != 0 ||
		    proto_get_num(it, "left", &left, 0, cause) != 0 ||
		    proto_get_str(it, "outcome", &ac->outcome, 0, cause) != 0 ||
		    proto_get_str(it, "last_holder", &ac->last_holder, 0,
		    cause) != 0 ||
		    proto_get_mark(it, "mark", &ac->mark, cause) != 0)
			return -1;
		ac->deadline = now + left;
		left = 0;
		if (proto_get_num(it, "delay_left", &left, 0, cause) != 0)
			return -1;
		ac->free_at = left > 0 ? now + left : 0;
		for (i = 0; i < 3; i++) {
			if (strcmp(state, proto_action_states[i]) == 0)
				break;
		}
		free(state);
		state = NULL;
		if (i == 3 || (i == CORE_ACTION_HELD && ac->holder == NULL)) {
			*cause = xstrdup("snapshot: bad action state");
			return -1;
		}
		ac->state = (enum core_action_state)i;
	}
	return 0;
}

void
proto_snapshot_rebase(struct core_state *st, int64_t now)
{
	size_t	i;

	for (i = 0; i < st->nactions; i++) {
		if (st->actions[i].state == CORE_ACTION_HELD)
			st->actions[i].deadline += now;
		if (st->actions[i].free_at > 0)
			st->actions[i].free_at += now;
	}
}
