/*
 * The JSON of one event, written directly rather than through a cJSON tree:
 * the hub encodes every event once, as it is accepted or loaded, and sends
 * those bytes to every follower, so this is on the path of every event.
 *
 * The bytes are exactly those cJSON_PrintUnformatted makes of the object
 * proto-msg.c builds for an event (members in the core's field table
 * order, numbers that are not 0, strings that are present, arrays that are
 * not empty, then "hash"), with strings escaped as cJSON escapes them:
 * '"', '\' and the control characters \b \f \n \r \t by their short forms,
 * every other byte below 0x20 as \u00xx in lower case, every other byte as
 * it is.  The unit tests hold the two encoders to the same bytes.
 *
 * proto_wire_encode writes an event as its canonical bytes would give it
 * back (empty strings and empty list entries left out), which is what the
 * store holds and what every follower is sent; in an events message only
 * the last event keeps its "hash" member (proto_events_unhash), since the
 * reader computes the chain and the last value checks all of them.
 *
 * proto_event_prepare gives proto_event_check's answer for the event the
 * hub is about to log, cheaply for the usual one: an event whose strings
 * are all printable ASCII without '"' or '\' is written in JSON exactly
 * as its bytes, with nothing to escape, so its JSON decodes to it by
 * construction and only its canonical leg (encode, decode) is checked;
 * any other event is put through proto_event_check's JSON round trip too.
 */
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "util.h"

/* Bytes a JSON string holds as they are (cJSON's rule). */
static int
proto_wire_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

static void
proto_wire_str(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s, *run;
	char			 esc[7];

	util_buf_addc(b, '"');
	for (;;) {
		for (run = p; proto_wire_plain(*p); p++)
			;
		util_buf_add(b, run, (size_t)(p - run));
		if (*p == '\0')
			break;
		esc[0] = '\\';
		switch (*p) {
		case '"':
		case '\\':
			esc[1] = (char)*p;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			util_buf_add(b, esc, 6);
			p++;
			continue;
		}
		util_buf_add(b, esc, 2);
		p++;
	}
	util_buf_addc(b, '"');
}

/* Start a member: the separator (or the opening brace) and the key. */
static void
proto_wire_key(struct buf *b, int *first, const char *key)
{
	util_buf_adds(b, *first ? "{\"" : ",\"");
	*first = 0;
	util_buf_adds(b, key);
	util_buf_add(b, "\":", 2);
}

/* Is a string member written: present, and not empty if canonical? */
static int
proto_wire_has(const char *s, int canonical)
{
	return s != NULL && (!canonical || *s != '\0');
}

static void
proto_wire_list(struct buf *b, int *first, const char *key, char **l,
    size_t n, int canonical)
{
	size_t	i, k = 0;

	if (n == 0)
		return;
	if (canonical) {
		for (i = 0; i < n; i++)
			k += proto_wire_has(l[i], 1);
		if (k == 0)
			return;
	}
	proto_wire_key(b, first, key);
	util_buf_addc(b, '[');
	for (i = 0, k = 0; i < n; i++) {
		/* cJSON leaves out an entry it cannot make (NULL). */
		if (!proto_wire_has(l[i], canonical))
			continue;
		if (k++ > 0)
			util_buf_addc(b, ',');
		proto_wire_str(b, l[i]);
	}
	util_buf_addc(b, ']');
}

/* Append the event's JSON object to b. */
static void
proto_wire_event(const struct core_event *e, const unsigned char *hash,
    int canonical, struct buf *b)
{
	const struct core_field	*tab, *f;
	char			 hex[2 * CORE_HASH_LEN + 1], **s, ***l;
	size_t			 nf, i, *n;
	int64_t			 v;
	int			 first = 1;

	tab = core_field_table(&nf);
	for (i = 0; i < nf; i++) {
		f = &tab[i];
		switch (f->kind) {
		case CORE_FIELD_INT:
			if ((v = *core_field_int(e, f)) == 0)
				break;
			proto_wire_key(b, &first, f->key);
			util_buf_int(b, v);
			break;
		case CORE_FIELD_STR:
			s = core_field_str(e, f);
			if (!proto_wire_has(*s, canonical))
				break;
			proto_wire_key(b, &first, f->key);
			proto_wire_str(b, *s);
			break;
		case CORE_FIELD_LIST:
			l = core_field_list(e, f, &n);
			proto_wire_list(b, &first, f->key, *l, *n, canonical);
			break;
		case CORE_FIELD_TYPE:
			proto_wire_key(b, &first, "type");
			proto_wire_str(b, core_type_name(e->type));
			break;
		}
	}
	if (hash != NULL) {
		util_hex_encode(hash, CORE_HASH_LEN, hex);
		proto_wire_key(b, &first, "hash");
		proto_wire_str(b, hex);
	}
	util_buf_adds(b, first ? "{}" : "}");
}

/* Is every byte of s printable ASCII that JSON holds as it is? */
static int
proto_wire_verbatim(const char *s)
{
	const unsigned char	*p;

	if (s == NULL)
		return 1;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p > 0x7e || !proto_wire_plain(*p))
			return 0;
	}
	return 1;
}

/* Is every string of e one JSON holds as it is? */
static int
proto_wire_verbatim_event(const struct core_event *e)
{
	const struct core_field	*tab, *f;
	char			***l;
	size_t			 nf, i, j, *n;

	tab = core_field_table(&nf);
	for (i = 0; i < nf; i++) {
		f = &tab[i];
		if (f->kind == CORE_FIELD_STR &&
		    !proto_wire_verbatim(*core_field_str(e, f)))
			return 0;
		if (f->kind == CORE_FIELD_LIST) {
			l = core_field_list(e, f, &n);
			for (j = 0; j < *n; j++) {
				if (!proto_wire_verbatim((*l)[j]))
					return 0;
			}
		}
	}
	return 1;
}

int
proto_event_prepare(const struct core_event *e, struct buf *canon,
    char **cause)
{
	struct core_event	 d;
	char			*why = NULL;

	*cause = NULL;
	if (!proto_wire_verbatim_event(e)) {
		if (proto_event_check(e, cause) != 0)
			return -1;
		core_event_encode(e, canon);
		return 0;
	}
	if (core_event_valid(e, CORE_VALID_EVENT, cause) != 0)
		return -1;
	core_event_encode(e, canon);
	if (core_event_decode(canon->data, canon->len, &d, &why) != 0) {
		*cause = xasprintf("its canonical form does not decode: %s",
		    why);
		free(why);
		return -1;
	}
	core_event_clear(&d);
	return 0;
}

void
proto_event_encode(const struct core_event *e, const unsigned char *hash,
    struct buf *b)
{
	proto_wire_event(e, hash, 0, b);
}

void
proto_wire_encode(const struct core_event *e, const unsigned char *hash,
    struct buf *b)
{
	proto_wire_event(e, hash, 1, b);
}

void
proto_events_unhash(struct buf *b)
{
	static const char	 key[] = ",\"hash\":\"";
	size_t			 n = sizeof key - 1 + CORE_HASH_LEN * 2 + 2;

	if (b->len < n || b->data[b->len - 1] != '}' ||
	    b->data[b->len - 2] != '"' ||
	    memcmp(b->data + b->len - n, key, sizeof key - 1) != 0)
		return;
	b->len -= n;
	util_buf_addc(b, '}');
}

void
proto_ack_encode(const struct proto_msg *m, struct buf *b)
{
	util_buf_adds(b, "{\"type\":\"ack\"");
	if (m->incident != NULL) {
		util_buf_adds(b, ",\"incident\":");
		proto_wire_str(b, m->incident);
	}
	if (m->op != NULL) {
		util_buf_adds(b, ",\"op\":");
		proto_wire_str(b, m->op);
	}
	util_buf_printf(b, ",\"seq\":%lld", (long long)m->seq);
	if (m->fence != 0)
		util_buf_printf(b, ",\"fence\":%lld", (long long)m->fence);
	if (m->ttl != 0)
		util_buf_printf(b, ",\"ttl\":%lld", (long long)m->ttl);
	if (m->duplicate)
		util_buf_adds(b, ",\"duplicate\":true");
	util_buf_addc(b, '}');
}
