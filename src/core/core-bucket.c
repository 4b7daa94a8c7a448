/*
 * A token bucket: what limits how fast a connection's messages are read.
 * It holds at most burst tokens and gains rate a second; each message
 * takes one.  Counted in thousandths of a token, so that a rate in tokens
 * a second gains exactly rate thousandths a millisecond and nothing is
 * rounded.  A message already read is always taken, even from an empty
 * bucket (it goes into debt): the caller stops reading for as long as
 * core_bucket_take says, so at most burst messages are read at once and
 * rate a second after that.  A rate of 0 is no limit.  Pure: the time
 * comes in as an argument (monotonic ms).
 */
#include "core.h"

void
core_bucket_init(struct core_bucket *b, int64_t rate, int64_t burst,
    int64_t now)
{
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	b->milli = b->burst * 1000;
	b->last = now;
}

/* Add what the time since the last look earned, up to burst. */
static void
core_bucket_fill(struct core_bucket *b, int64_t now)
{
	int64_t	max = b->burst * 1000;

	if (now > b->last) {
		if (b->milli >= max || (now - b->last) >= (max - b->milli) /
		    b->rate + 1)
			b->milli = max;
		else
			b->milli += (now - b->last) * b->rate;
		b->last = now;
	}
}

int64_t
core_bucket_take(struct core_bucket *b, int64_t now)
{
	if (b->rate <= 0)
		return 0;
	core_bucket_fill(b, now);
	b->milli -= 1000;
	if (b->milli >= 1000)
		return 0;
	return (1000 - b->milli + b->rate - 1) / b->rate;
}

int
core_bucket_full(struct core_bucket *b, int64_t now)
{
	if (b->rate <= 0)
		return 1;
	core_bucket_fill(b, now);
	return b->milli >= b->burst * 1000;
}
