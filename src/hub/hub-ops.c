/*
 * The operation ids an incident has logged, approximately, so that a
 * command with a fresh op id (nearly every one) is known to be fresh
 * without asking the store: a set of Bloom filters per incident.  A
 * "maybe" is settled by the store (store_op_seq), so a false one costs a
 * query and never a wrong answer; "no" is always right, since every logged
 * op id is added, as its event is queued or loaded.
 *
 * Each filter has HUB_OPS_BITS bits per id it was made for and is used for
 * that many ids; a full one is kept and a new one twice its size started,
 * so nothing is ever rebuilt, the memory is about 1.25 bytes per logged
 * id, and each filter answers a false "maybe" about 1% of the time.
 */
#include <stdlib.h>
#include <string.h>

#include "hub.h"

#define HUB_OPS_FIRST	4096	/* ids the first filter is made for */
#define HUB_OPS_BITS	10	/* bits per id */
#define HUB_OPS_HASHES	7	/* bits set per id */

/* 64-bit FNV-1a of s, then mixed (the murmur3 finaliser). */
static uint64_t
hub_ops_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The i'th bit of id hash h in filter f (double hashing). */
static size_t
hub_ops_bit(const struct hub_bloom *f, uint64_t h, int i)
{
	uint64_t	h1 = h & 0xffffffff, h2 = (h >> 32) | 1;

	return (size_t)((h1 + (uint64_t)i * h2) % f->nbits);
}

void
hub_ops_add(struct hub_ops *o, const char *op)
{
	struct hub_bloom	*f;
	uint64_t		 h;
	size_t			 b;
	int			 i;

	if (op == NULL)
		return;
	if (o->n == 0 || o->f[o->n - 1].n == o->f[o->n - 1].cap) {
		o->f = xreallocarray(o->f, o->n + 1, sizeof *o->f);
		f = &o->f[o->n++];
		f->cap = o->n == 1 ? HUB_OPS_FIRST : 2 * o->f[o->n - 2].cap;
		f->nbits = f->cap * HUB_OPS_BITS;
		f->bits = xcalloc((f->nbits + 63) / 64, sizeof *f->bits);
		f->n = 0;
	}
	f = &o->f[o->n - 1];
	h = hub_ops_hash(op);
	for (i = 0; i < HUB_OPS_HASHES; i++) {
		b = hub_ops_bit(f, h, i);
		f->bits[b / 64] |= 1ULL << (b % 64);
	}
	f->n++;
}

int
hub_ops_maybe(const struct hub_ops *o, const char *op)
{
	const struct hub_bloom	*f;
	uint64_t		 h = hub_ops_hash(op);
	size_t			 j, b;
	int			 i;

	for (j = 0; j < o->n; j++) {
		f = &o->f[j];
		for (i = 0; i < HUB_OPS_HASHES; i++) {
			b = hub_ops_bit(f, h, i);
			if ((f->bits[b / 64] & (1ULL << (b % 64))) == 0)
				break;
		}
		if (i == HUB_OPS_HASHES)
			return 1;
	}
	return 0;
}

void
hub_ops_clear(struct hub_ops *o)
{
	size_t	j;

	for (j = 0; j < o->n; j++)
		free(o->f[j].bits);
	free(o->f);
	memset(o, 0, sizeof *o);
}
