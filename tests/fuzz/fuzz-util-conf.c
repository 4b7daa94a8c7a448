/*
 * libFuzzer target: the "key = value" configuration parser
 * (util_conf_parse, which reads concordd's --config file and the client's
 * config) with the hub's authorisation keys (allow.RIGHT = WORDS, read by
 * core_authz_set) behind it.
 *
 * For every input: the parser either fails with a cause that is one line
 * naming "fuzz.conf:LINE:" or gives pairs whose keys are non-empty and
 * whose keys and values hold no '#', line feed or NUL and have no blanks
 * at either end (keys no '='); the pairs, written out again as
 * "key=value" lines (never longer than the lines they came from), parse
 * to the same pairs.  A key "fail" makes the
 * setter refuse, so the error path is taken too.  Every allow.RIGHT pair
 * goes to core_authz_set, which either refuses with a one-line cause and
 * leaves the table as it was, or sets a grant whose words, read again,
 * give the same grant.  A failed check aborts, and ASan (leaks included)
 * and UBSan catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_PAIRS	4096

struct fuzz_conf {
	char			*key[FUZZ_PAIRS];
	char			*value[FUZZ_PAIRS];
	size_t			 n;
	struct core_authz	 authz;
};

static void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-util-conf: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	abort();
}

/* Is s free of '#', line feeds and blanks at either end? */
static int
fuzz_clean(const char *s)
{
	size_t	n = strlen(s);

	if (strpbrk(s, "#\n") != NULL)
		return 0;
	if (n > 0 && (strchr(" \t", s[0]) != NULL ||
	    strchr(" \t\r", s[n - 1]) != NULL))
		return 0;
	return n <= UTIL_CONF_LINE;
}

static int
fuzz_line(const char *s)
{
	return s != NULL && *s != '\0' && strchr(s, '\n') == NULL;
}

/* An allow.RIGHT pair: set, or refused leaving the table unchanged. */
static void
fuzz_authz(struct fuzz_conf *c, const char *right, const char *value)
{
	struct core_authz	 before = c->authz, again;
	char			*cause = NULL, *words, *words2;
	int			 r;
	size_t			 i;

	if (core_authz_set(&c->authz, right, value, &cause) != 0) {
		if (!fuzz_line(cause))
			fuzz_fail("a refusal that is not one line", cause);
		if (memcmp(&before, &c->authz, sizeof before) != 0)
			fuzz_fail("a refused grant changed the table", cause);
		free(cause);
		return;
	}
	if ((r = core_right_find(right)) == CORE_RIGHT_NONE)
		fuzz_fail("an unknown right was set", right);
	if (c->authz.grant[r].nroles > CORE_GRANT_ROLES ||
	    (c->authz.grant[r].who & ~(CORE_WHO_IC | CORE_WHO_RESPONDER |
	    CORE_WHO_VIEWER)) != 0)
		fuzz_fail("a grant out of its bounds", value);
	for (i = 0; i < c->authz.grant[r].nroles; i++) {
		if (!core_name_valid(c->authz.grant[r].roles[i]))
			fuzz_fail("a role that is not a name",
			    c->authz.grant[r].roles[i]);
	}
	words = core_authz_words(&c->authz.grant[r]);
	again = c->authz;
	if (core_authz_set(&again, right, words, &cause) != 0)
		fuzz_fail("a grant's words do not read back", cause);
	words2 = core_authz_words(&again.grant[r]);
	if (strcmp(words, words2) != 0)
		fuzz_fail("a grant's words read back otherwise", words2);
	free(words);
	free(words2);
}

static int
fuzz_set(const char *key, const char *value, void *arg, char **why)
{
	struct fuzz_conf	*c = arg;

	if (*key == '\0' || strchr(key, '=') != NULL || !fuzz_clean(key) ||
	    !fuzz_clean(value))
		fuzz_fail("a pair that is not trimmed and clean", key);
	if (strcmp(key, "fail") == 0) {
		*why = xasprintf("refused \"%s\"", value);
		return -1;
	}
	if (c->n == FUZZ_PAIRS)
		fuzz_fail("more pairs than lines", NULL);
	c->key[c->n] = xstrdup(key);
	c->value[c->n] = xstrdup(value);
	c->n++;
	if (strncmp(key, "allow.", 6) == 0)
		fuzz_authz(c, key + 6, value);
	return 0;
}

static void
fuzz_clear(struct fuzz_conf *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++) {
		free(c->key[i]);
		free(c->value[i]);
	}
	c->n = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_conf	*c, *d;
	struct buf		 b;
	char			*cause = NULL;
	size_t			 i;

	if (size > 256 * 1024)
		return 0;
	c = xcalloc(1, sizeof *c);
	d = xcalloc(1, sizeof *d);
	c->authz = *core_authz_default();
	d->authz = *core_authz_default();
	if (util_conf_parse((const char *)data, size, "fuzz.conf", fuzz_set, c,
	    &cause) != 0) {
		if (!fuzz_line(cause) || strncmp(cause, "fuzz.conf:", 10) != 0)
			fuzz_fail("a cause that is not one line naming the "
			    "line", cause);
		free(cause);
		goto out;
	}
	/* The pairs written out again read back the same. */
	util_buf_init(&b);
	for (i = 0; i < c->n; i++)
		util_buf_printf(&b, "%s=%s\n", c->key[i], c->value[i]);
	if (util_conf_parse(b.data != NULL ? b.data : "", b.len, "fuzz.conf",
	    fuzz_set, d, &cause) != 0)
		fuzz_fail("the pairs written out do not read back", cause);
	if (d->n != c->n)
		fuzz_fail("the pairs written out read back otherwise", NULL);
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->key[i], d->key[i]) != 0 ||
		    strcmp(c->value[i], d->value[i]) != 0)
			fuzz_fail("a pair read back otherwise", c->key[i]);
	}
	if (memcmp(&c->authz, &d->authz, sizeof c->authz) != 0)
		fuzz_fail("the table read back otherwise", NULL);
	util_buf_clear(&b);
out:
	fuzz_clear(c);
	fuzz_clear(d);
	free(c);
	free(d);
	return 0;
}
