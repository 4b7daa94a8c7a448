/*
 * Input validation for everything a command carries.  Every string from the
 * network passes through here before it reaches the state: names are short
 * and plain, text is valid UTF-8 without control characters (tab and line
 * feed allowed) and bounded in bytes.
 */
#include <string.h>

#include "core.h"

int
core_name_valid(const char *s)
{
	size_t	n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		if (n >= CORE_NAME_MAX)
			return 0;
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') ||
		    strchr("._@-", s[n]) != NULL))
			return 0;
	}
	return n > 0;
}

/*
 * Decode the UTF-8 sequence at p[*i] (of n bytes) into *cp and step past
 * it.  Returns 0, or -1 for a malformed, overlong or surrogate sequence or
 * one beyond U+10FFFF.
 */
static int
core_utf8_step(const unsigned char *p, size_t n, size_t *i, unsigned int *cp)
{
	static const unsigned int min[] = { 0, 0x80, 0x800, 0x10000 };
	size_t			 need, len;
	unsigned int		 c;

	if (p[*i] < 0x80) {
		*cp = p[(*i)++];
		return 0;
	}
	if ((p[*i] & 0xe0) == 0xc0) {
		need = 1;
		c = p[*i] & 0x1f;
	} else if ((p[*i] & 0xf0) == 0xe0) {
		need = 2;
		c = p[*i] & 0x0f;
	} else if ((p[*i] & 0xf8) == 0xf0) {
		need = 3;
		c = p[*i] & 0x07;
	} else
		return -1;
	len = need;
	while (need-- > 0) {
		(*i)++;
		if (*i >= n || (p[*i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (p[*i] & 0x3f);
	}
	(*i)++;
	if (c < min[len])
		return -1;	/* overlong */
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return 0;
}

/*
 * Decode the character at s[*i] (of n bytes) into *cp and step past it.
 * Returns 0, or -1 for a malformed sequence, after stepping one byte (with
 * *cp that byte).
 */
int
core_utf8_next(const char *s, size_t n, size_t *i, unsigned int *cp)
{
	size_t	at = *i;

	if (core_utf8_step((const unsigned char *)s, n, i, cp) == 0)
		return 0;
	*cp = (unsigned char)s[at];
	*i = at + 1;
	return -1;
}

int
core_utf8_valid(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;
	unsigned int		 cp;

	while (i < n) {
		if (core_utf8_step(p, n, &i, &cp) != 0)
			return 0;
	}
	return 1;
}

int
core_text_valid(const char *s, size_t max)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;
	unsigned int		 cp;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n > max)
		return 0;
	while (i < n) {
		/* Printable ASCII, the usual case, a byte at a time. */
		if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ||
		    p[i] == '\t') {
			i++;
			continue;
		}
		if (core_utf8_step(p, n, &i, &cp) != 0)
			return 0;
		if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f)
			return 0;
		if (cp >= 0x80 && cp < 0xa0)
			return 0;	/* C1 controls */
	}
	return 1;
}

int
core_status_valid(const char *s)
{
	static const char	*states[] = { "investigating", "identified",
	    "mitigating", "monitoring", "resolved" };
	size_t			 i;

	for (i = 0; s != NULL && i < sizeof states / sizeof states[0]; i++) {
		if (strcmp(s, states[i]) == 0)
			return 1;
	}
	return 0;
}

int
core_outcome_valid(const char *s)
{
	return s != NULL && (strcmp(s, "success") == 0 ||
	    strcmp(s, "failed") == 0 || strcmp(s, "aborted") == 0);
}

int
core_moment_valid(const char *s)
{
	return s != NULL && (strcmp(s, "detection") == 0 ||
	    strcmp(s, "diagnosis") == 0 || strcmp(s, "decision") == 0 ||
	    strcmp(s, "mitigation") == 0);
}

/*
 * Parse a feed threshold "[<|>]NUMBER" (a decimal, optionally signed and
 * with a fraction; ">" is the default): a value beyond it in that
 * direction is over the threshold.  The decimal point is always ".",
 * whatever the locale.  Returns 0 with *below and *v set, or -1.
 */
int
core_threshold_parse(const char *s, int *below, double *v)
{
	double	 x = 0, scale = 1;
	int	 neg = 0, digits = 0;

	if (s == NULL)
		return -1;
	*below = 0;
	if (*s == '<' || *s == '>')
		*below = *s++ == '<';
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		x = x * 10 + (*s - '0');
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++)
			x += (*s - '0') * (scale /= 10);
	}
	if (*s != '\0' || digits == 0 || digits > 15)
		return -1;
	*v = neg ? -x : x;
	return 0;
}

/* Is s a feed's kind: "prom" (a Prometheus query) or "json"? */
int
core_feed_kind_valid(const char *s)
{
	return s != NULL && (strcmp(s, "prom") == 0 || strcmp(s, "json") == 0);
}

/* Is s a feed's level: ok, warn or crit? */
int
core_level_valid(const char *s)
{
	return s != NULL && (strcmp(s, "ok") == 0 || strcmp(s, "warn") == 0 ||
	    strcmp(s, "crit") == 0);
}
