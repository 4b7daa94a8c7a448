/*
 * An incident's ring of recent wire forms.
 *
 * Each committed event's wire form (the bytes every follower is sent for
 * it) is made once and kept here, newest last, so that followers keeping
 * up, or a little behind, are served from memory: a WRITEABLE pass copies
 * the forms after the follower's cursor into one events message.  The ring
 * holds consecutive seqs first to next - 1 in slots indexed by seq modulo
 * HUB_RING_EVENTS; adding a seq other than next (which does not happen
 * while the hub runs, since commits are in seq order) starts it afresh.
 * It holds at most HUB_RING_EVENTS events and, beyond the newest, at most
 * HUB_RING_BYTES bytes: the oldest are freed first.  A follower behind
 * first is served from the store, which keeps the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "hub.h"

static struct hub_wire *
hub_ring_slot(const struct hub_ring *r, int64_t seq)
{
	return &r->slots[(uint64_t)seq % HUB_RING_EVENTS];
}

/* Free the oldest event. */
static void
hub_ring_drop(struct hub_ring *r)
{
	struct hub_wire	*w = hub_ring_slot(r, r->first);

	r->bytes -= w->len;
	free(w->data);
	w->data = NULL;
	w->len = 0;
	r->first++;
}

void
hub_ring_add(struct hub_ring *r, int64_t seq, struct buf *b)
{
	struct hub_wire	*w;
	size_t		 len = b->len;

	if (r->slots == NULL || seq != r->next) {
		hub_ring_clear(r);
		r->slots = xcalloc(HUB_RING_EVENTS, sizeof *r->slots);
		r->first = r->next = seq;
	}
	while (r->first < r->next &&
	    (r->next - r->first >= HUB_RING_EVENTS ||
	    r->bytes + len > HUB_RING_BYTES))
		hub_ring_drop(r);
	w = hub_ring_slot(r, seq);
	w->data = util_buf_steal(b);
	w->len = len;
	r->bytes += len;
	r->next = seq + 1;
}

const char *
hub_ring_get(const struct hub_ring *r, int64_t seq, size_t *len)
{
	const struct hub_wire	*w;

	if (seq < r->first || seq >= r->next)
		return NULL;
	w = hub_ring_slot(r, seq);
	*len = w->len;
	return w->data;
}

void
hub_ring_clear(struct hub_ring *r)
{
	if (r->slots != NULL) {
		while (r->first < r->next)
			hub_ring_drop(r);
		free(r->slots);
	}
	memset(r, 0, sizeof *r);
}
