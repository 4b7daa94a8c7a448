/*
 * The hash chain.  h_0 = SHA-256("concord-chain-v1 " || incident id) and
 * h_n = SHA-256(h_{n-1} || canonical bytes of event n), where h_{n-1} is the
 * 32 raw bytes.  People compare the first CORE_DIGEST_LEN hex digits of h_n.
 * SHA-256 is pure computation, so libcrypto is allowed in the core.
 */
#include <string.h>

#include <openssl/evp.h>

#include "core.h"
#include "util.h"

static void
core_chain_hash(const void *a, size_t alen, const void *b, size_t blen,
    unsigned char *out)
{
	EVP_MD_CTX	*ctx;
	unsigned int	 n = CORE_HASH_LEN;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("out of memory for a digest");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, a, alen) != 1 ||
	    EVP_DigestUpdate(ctx, b, blen) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1)
		fatalx("SHA-256 failed");
	EVP_MD_CTX_free(ctx);
}

void
core_chain_start(const char *id, unsigned char *out)
{
	static const char	tag[] = "concord-chain-v1 ";

	core_chain_hash(tag, sizeof tag - 1, id, strlen(id), out);
}

void
core_chain_next(const unsigned char *prev, const struct core_event *e,
    unsigned char *out)
{
	struct buf	b;

	util_buf_init(&b);
	core_event_encode(e, &b);
	core_chain_next_bytes(prev, b.data, b.len, out);
	util_buf_clear(&b);
}

void
core_chain_next_bytes(const unsigned char *prev, const char *canon,
    size_t len, unsigned char *out)
{
	core_chain_hash(prev, CORE_HASH_LEN, canon, len, out);
}

void
core_chain_digest(const unsigned char *h, char *out)
{
	char	hex[2 * CORE_HASH_LEN + 1];

	util_hex_encode(h, CORE_HASH_LEN, hex);
	memcpy(out, hex, CORE_DIGEST_LEN);
	out[CORE_DIGEST_LEN] = '\0';
}
