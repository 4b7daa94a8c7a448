/*
 * Growable byte buffers.  The data is always NUL-terminated one past len so a
 * buffer holding text can be used as a C string; cap counts that byte too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
util_buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
util_buf_clear(struct buf *b)
{
	free(b->data);
	util_buf_init(b);
}

void
util_buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static void
util_buf_grow(struct buf *b, size_t more)
{
	size_t	need = b->len + more + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
util_buf_add(struct buf *b, const void *p, size_t n)
{
	util_buf_grow(b, n);
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
util_buf_adds(struct buf *b, const char *s)
{
	util_buf_add(b, s, strlen(s));
}

void
util_buf_addzero(struct buf *b, size_t n)
{
	util_buf_grow(b, n);
	memset(b->data + b->len, 0, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
util_buf_addc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		util_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
util_buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	char	small[256];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("bad format string");
	if ((size_t)n < sizeof small) {
		util_buf_add(b, small, (size_t)n);
		return;
	}
	util_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
util_buf_steal(struct buf *b)
{
	char	*s;

	if (b->data == NULL)
		return xstrdup("");
	s = b->data;
	util_buf_init(b);
	return s;
}

void
util_buf_int(struct buf *b, int64_t v)
{
	char		 s[24], *p = s + sizeof s;
	uint64_t	 u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	util_buf_add(b, p, (size_t)(s + sizeof s - p));
}

void
util_buf_line(struct buf *b, const char *key, const char *value)
{
	const char	*p = value;
	size_t		 n;

	util_buf_adds(b, key);
	util_buf_addc(b, ' ');
	for (;;) {
		n = strcspn(p, "\\\n");	/* copy runs, escape the rest */
		util_buf_add(b, p, n);
		p += n;
		if (*p == '\0')
			break;
		util_buf_adds(b, *p == '\\' ? "\\\\" : "\\n");
		p++;
	}
	util_buf_addc(b, '\n');
}

char *
util_line_unescape(const char *p, size_t n)
{
	const char	*end = p + n, *bs;
	char		*out, *q;

	out = q = xmalloc(n + 1);
	while (p < end) {
		if ((bs = memchr(p, '\\', (size_t)(end - p))) == NULL)
			bs = end;
		memcpy(q, p, (size_t)(bs - p));
		q += bs - p;
		if ((p = bs) == end)
			break;
		if (p + 1 < end && p[1] == '\\')
			*q++ = '\\';
		else if (p + 1 < end && p[1] == 'n')
			*q++ = '\n';
		else {
			free(out);
			return NULL;
		}
		p += 2;
	}
	*q = '\0';
	return out;
}
