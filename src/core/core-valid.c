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

int
core_text_valid(const char *s, size_t max)
{
	static const unsigned int min[] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n, need, len;
	unsigned int		 cp;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] < 0x80) {
			if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n') ||
			    p[i] == 0x7f)
				return 0;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = p[i] & 0x07;
		} else
			return 0;
		len = need;
		while (need-- > 0) {
			i++;
			if (i >= n || (p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min[len])
			return 0;	/* overlong */
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
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
