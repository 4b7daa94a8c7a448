/*
 * Users' tokens.  A token is "concord:NAME:SECRET": the user it belongs
 * to, then CORE_TOKEN_SECRET random bytes as lower-case hex.  The prefix
 * makes a token recognisable wherever it leaks (a log, a paste, a
 * repository); the name lets the hub find the one user to check and a
 * client know whom it speaks for.  The hub keeps only a salted hash of
 * the secret, HMAC-SHA256 keyed with a random salt of the user's own:
 * the secret has 256 bits, so no stretching is needed, and a stolen
 * users table gives nothing to connect with.  Comparison is in constant
 * time.  Pure: the random bytes come from the caller.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core.h"
#include "util.h"

char *
core_token_make(const char *name, const unsigned char *secret)
{
	char	hex[2 * CORE_TOKEN_SECRET + 1];

	util_hex_encode(secret, CORE_TOKEN_SECRET, hex);
	return xasprintf("%s%s:%s", CORE_TOKEN_PREFIX, name, hex);
}

int
core_token_parse(const char *token, char **name, unsigned char *secret,
    char **cause)
{
	const char	*p, *colon;
	size_t		 plen = strlen(CORE_TOKEN_PREFIX), i;
	char		*n;

	*name = NULL;
	if (strncmp(token, CORE_TOKEN_PREFIX, plen) != 0) {
		*cause = xstrdup("a token starts with " CORE_TOKEN_PREFIX);
		return -1;
	}
	p = token + plen;
	if ((colon = strchr(p, ':')) == NULL) {
		*cause = xstrdup("a token is " CORE_TOKEN_PREFIX
		    "NAME:SECRET");
		return -1;
	}
	n = xstrndup(p, (size_t)(colon - p));
	if (!core_name_valid(n)) {
		free(n);
		*cause = xstrdup("the token's user name is not valid");
		return -1;
	}
	p = colon + 1;
	for (i = 0; p[i] != '\0'; i++) {
		if ((p[i] < '0' || p[i] > '9') && (p[i] < 'a' || p[i] > 'f'))
			break;
	}
	if (p[i] != '\0' || i != 2 * CORE_TOKEN_SECRET ||
	    util_hex_decode(p, secret, CORE_TOKEN_SECRET) != 0) {
		free(n);
		*cause = xasprintf("a token's secret is %d lower-case hex "
		    "digits", 2 * CORE_TOKEN_SECRET);
		return -1;
	}
	*name = n;
	return 0;
}

void
core_token_hash(const unsigned char *salt, const unsigned char *secret,
    unsigned char *out)
{
	unsigned int	n = CORE_HASH_LEN;

	if (HMAC(EVP_sha256(), salt, CORE_TOKEN_SALT, secret,
	    CORE_TOKEN_SECRET, out, &n) == NULL || n != CORE_HASH_LEN)
		fatalx("HMAC-SHA256 failed");
}

int
core_token_check(const unsigned char *salt, const unsigned char *hash,
    const unsigned char *secret)
{
	unsigned char	mine[CORE_HASH_LEN];

	core_token_hash(salt, secret, mine);
	return CRYPTO_memcmp(mine, hash, CORE_HASH_LEN) == 0;
}
