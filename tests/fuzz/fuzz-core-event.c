/*
 * libFuzzer target: the canonical event decoder (core_event_decode), which
 * reads the store and whose bytes the hash chain covers.
 *
 * For every input: decoding either fails with a reason, or the event it
 * gives encodes back to exactly the input, decodes again to an equal event
 * (decode, encode, decode: equal), survives the wire too (the JSON decoder
 * takes every event this one does, to the same canonical bytes, and so does
 * the hub's check before it logs an event), and can be
 * described, shown as a timeline line, folded into a state and exported.
 * A failed check aborts, and ASan and UBSan catch the rest.
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
	fprintf(stderr, "fuzz-core-event: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_event	 a, c;
	struct core_state	 st;
	struct core_ctx		 ctx;
	struct buf		 b;
	char			*cause = NULL, *s;

	if (core_event_decode((const char *)data, size, &a, &cause) != 0) {
		if (cause == NULL)
			fuzz_fail("refused without a reason", NULL);
		free(cause);
		return 0;
	}
	if (cause != NULL)
		fuzz_fail("accepted with a reason", cause);

	/* Encode: exactly the input. */
	util_buf_init(&b);
	core_event_encode(&a, &b);
	if (b.len != size || memcmp(b.data, data, size) != 0)
		fuzz_fail("does not encode back to its bytes", NULL);

	/* Decode again: the same event. */
	if (core_event_decode(b.data, b.len, &c, &cause) != 0)
		fuzz_fail("its encoding does not decode", cause);
	if (!core_event_equal(&a, &c))
		fuzz_fail("decodes to another event the second time", NULL);
	core_event_clear(&c);
	util_buf_clear(&b);

	/* The wire decoder takes it, to the same canonical bytes. */
	if (proto_event_check(&a, &cause) != 0)
		fuzz_fail("does not survive the wire", cause);
	/* So does the hub's check, to the same canonical bytes. */
	util_buf_init(&b);
	if (proto_event_prepare(&a, &b, &cause) != 0)
		fuzz_fail("the hub's check refuses it", cause);
	if (b.len != size || memcmp(b.data, data, size) != 0)
		fuzz_fail("the hub's check gives other bytes", NULL);
	util_buf_clear(&b);

	/* It can be described, shown, folded and exported. */
	s = core_event_describe(&a);
	free(s);
	s = export_event_line(&a);
	free(s);
	core_state_init(&st, "INC-1");
	memset(&ctx, 0, sizeof ctx);
	ctx.actor = a.actor;
	core_state_apply(&st, &a, &ctx);
	util_buf_init(&b);
	export_md(&st, &a, 1, &b);
	util_buf_clear(&b);
	core_state_clear(&st);

	core_event_clear(&a);
	return 0;
}
