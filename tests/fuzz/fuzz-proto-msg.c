/*
 * libFuzzer target: the wire decoder (proto_msg_decode), which reads every
 * message a hub or a client is sent.
 *
 * For every input: decoding either fails with a reason fit to send back
 * (UTF-8 text), or the message it gives encodes to JSON that decodes to an
 * equal message (decode, encode, decode: equal) and encodes to the same
 * bytes again; every event it carries survives the canonical encoding (the
 * canonical decoder takes every event this one does) and can be described,
 * folded (into a new state, or the snapshot's) and exported, as a client
 * would with whatever a hub sends; a snapshot's state can be shown.  The
 * same input is also read as an export (concord verify).  A failed check
 * aborts, and ASan (leaks included) and UBSan catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "export.h"
#include "proto.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-proto-msg: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	abort();
}

static int
fuzz_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A message as JSON, snapshots included (their lease times from 0). */
static void
fuzz_encode(const struct proto_msg *m, struct buf *b)
{
	if (m->kind == PROTO_SNAPSHOT && m->state != NULL)
		proto_snapshot_encode(m->state, 0, b);
	else
		proto_msg_encode(m, b);
}

/* Are two snapshot states the same, as a snapshot carries them? */
static int
fuzz_state_eq(const struct core_state *a, const struct core_state *b)
{
	struct buf	ba, bb;
	int		eq;

	if (a == NULL || b == NULL)
		return a == b;
	util_buf_init(&ba);
	util_buf_init(&bb);
	proto_snapshot_encode(a, 0, &ba);
	proto_snapshot_encode(b, 0, &bb);
	eq = ba.len == bb.len && memcmp(ba.data, bb.data, ba.len) == 0;
	util_buf_clear(&ba);
	util_buf_clear(&bb);
	return eq;
}

static const char *
fuzz_msg_diff(const struct proto_msg *a, const struct proto_msg *b)
{
	size_t	i;

	if (a->kind != b->kind)
		return "kind";
	if (a->version != b->version || a->from != b->from ||
	    a->snapshot != b->snapshot || a->based_on != b->based_on ||
	    a->seq != b->seq || a->fence != b->fence ||
	    a->duplicate != b->duplicate || a->lock_delay != b->lock_delay ||
	    a->ttl != b->ttl || a->t != b->t || a->left != b->left)
		return "a number";
	if (!fuzz_str_eq(a->user, b->user) ||
	    !fuzz_str_eq(a->incident, b->incident) ||
	    !fuzz_str_eq(a->op, b->op) || !fuzz_str_eq(a->code, b->code) ||
	    !fuzz_str_eq(a->message, b->message) ||
	    !fuzz_str_eq(a->hub, b->hub) || !fuzz_str_eq(a->name, b->name))
		return "a string";
	if (memcmp(a->chain, b->chain, CORE_HASH_LEN) != 0)
		return "chain";
	if (!core_event_equal(&a->cmd, &b->cmd))
		return "the command";
	if (a->nevents != b->nevents)
		return "the number of events";
	for (i = 0; i < a->nevents; i++) {
		if (!core_event_equal(&a->events[i], &b->events[i]))
			return "an event";
		if (memcmp(a->hashes[i], b->hashes[i], CORE_HASH_LEN) != 0)
			return "an event's hash";
	}
	if (a->nincidents != b->nincidents)
		return "the number of incidents";
	for (i = 0; i < a->nincidents; i++) {
		if (!fuzz_str_eq(a->incidents[i].id, b->incidents[i].id) ||
		    !fuzz_str_eq(a->incidents[i].title,
		    b->incidents[i].title) ||
		    !fuzz_str_eq(a->incidents[i].status,
		    b->incidents[i].status) ||
		    !fuzz_str_eq(a->incidents[i].ic, b->incidents[i].ic) ||
		    a->incidents[i].sev != b->incidents[i].sev ||
		    a->incidents[i].seq != b->incidents[i].seq ||
		    a->incidents[i].opened != b->incidents[i].opened)
			return "an incident";
	}
	if (a->nusers != b->nusers)
		return "the number of users";
	for (i = 0; i < a->nusers; i++) {
		if (!fuzz_str_eq(a->users[i].user, b->users[i].user) ||
		    a->users[i].seq != b->users[i].seq)
			return "a user";
	}
	if (!fuzz_state_eq(a->state, b->state))
		return "the snapshot's state";
	return NULL;
}

/* Everything shown of a snapshot's state (as concord show does). */
static void
fuzz_show_state(const struct core_state *st)
{
	char	*why;
	size_t	 i;

	for (i = 0; i < st->nactions; i++) {
		why = core_state_blocked(st, &st->actions[i]);
		free(why);
	}
	why = core_state_roles(st, st->ic);
	free(why);
	(void)core_state_next_deadline(st);
}

/* Fold events into st as a client does, then render the whole log. */
static void
fuzz_fold_export(struct core_state *st, const struct core_event *ev,
    unsigned char (*hashes)[CORE_HASH_LEN], size_t n)
{
	struct core_ctx	ctx;
	struct buf	b;
	char		*s;
	size_t		i;

	memset(&ctx, 0, sizeof ctx);
	for (i = 0; i < n; i++) {
		if (proto_event_check(&ev[i], &s) != 0)
			fuzz_fail("an event does not survive canonical "
			    "encoding", s);
		s = export_event_line(&ev[i]);
		free(s);
		ctx.actor = ev[i].actor;
		core_state_apply(st, &ev[i], &ctx);
	}
	util_buf_init(&b);
	export_md(st, ev, n, &b);
	util_buf_reset(&b);
	export_json(st, ev, hashes, n, &b);
	util_buf_clear(&b);
}

/* The input as an export, as concord verify reads one. */
static void
fuzz_export(const uint8_t *data, size_t size)
{
	struct core_state	 st;
	struct core_event	*ev;
	unsigned char		(*hashes)[CORE_HASH_LEN], end[CORE_HASH_LEN];
	int64_t			 head;
	char			*id, *cause = NULL;
	size_t			 n, i;

	if (proto_export_decode((const char *)data, size, &id, &ev, &hashes,
	    &n, &head, end, &cause) != 0) {
		if (cause == NULL)
			fuzz_fail("an export refused without a reason", NULL);
		free(cause);
		return;
	}
	core_state_init(&st, id);
	fuzz_fold_export(&st, ev, hashes, n);
	core_state_clear(&st);
	for (i = 0; i < n; i++)
		core_event_clear(&ev[i]);
	free(ev);
	free(hashes);
	free(id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg	 a, b;
	struct core_state	 st;
	struct buf		 e1, e2;
	const char		*diff;
	char			*cause = NULL, *s;

	fuzz_export(data, size);
	if (proto_msg_decode((const char *)data, size, &a, &cause) != 0) {
		if (cause == NULL)
			fuzz_fail("refused without a reason", NULL);
		if (!core_text_valid(cause, PROTO_MAX_MSG))
			fuzz_fail("a reason that is not UTF-8 text", NULL);
		free(cause);
		/* An op kept to name the error is fit to send back. */
		if (a.op != NULL && core_field_check_str(core_field_find("op"),
		    a.op, &cause) != 0)
			fuzz_fail("an op kept that is not fit to send", cause);
		proto_msg_clear(&a);
		return 0;
	}

	/* Encode, decode: the same message; encode: the same bytes. */
	util_buf_init(&e1);
	util_buf_init(&e2);
	fuzz_encode(&a, &e1);
	if (proto_msg_decode(e1.data, e1.len, &b, &cause) != 0)
		fuzz_fail("its encoding does not decode", cause);
	if ((diff = fuzz_msg_diff(&a, &b)) != NULL)
		fuzz_fail("decodes to another message the second time", diff);
	fuzz_encode(&b, &e2);
	if (e1.len != e2.len || memcmp(e1.data, e2.data, e1.len) != 0)
		fuzz_fail("encodes differently the second time", e2.data);
	proto_msg_clear(&b);
	util_buf_clear(&e1);
	util_buf_clear(&e2);

	/* Every event: canonical bytes that decode alike; folded, shown. */
	if (a.kind == PROTO_EVENTS) {
		core_state_init(&st, a.incident != NULL ? a.incident : "INC-1");
		fuzz_fold_export(&st, a.events, a.hashes, a.nevents);
		core_state_clear(&st);
	}
	if (a.kind == PROTO_COMMAND) {
		s = core_event_describe(&a.cmd);
		free(s);
	}
	if (a.state != NULL) {
		fuzz_show_state(a.state);
		proto_snapshot_rebase(a.state, 1000);
		fuzz_fold_export(a.state, a.events, a.hashes, a.nevents);
		fuzz_show_state(a.state);
	}
	proto_msg_clear(&a);
	return 0;
}
