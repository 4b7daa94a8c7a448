/*
 * Small helpers: hex, number and duration parsing, clocks, random operation
 * ids and the log file.  The log is process-wide: a hub or CLI opens it once
 * and every module (and libwebsockets) writes lines to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static FILE		*util_log_file;
static const char	*util_progname = "concord";

void
util_set_progname(const char *name)
{
	util_progname = name;
}

void
util_hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
util_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
util_hex_decode(const char *s, unsigned char *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = util_hex_digit(s[2 * i]);
		lo = util_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
util_num_parse(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_duration_parse(const char *s, int64_t *ms)
{
	char	*end;
	double	 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	/* Written so that NaN fails too. */
	if (errno != 0 || end == s || !(v >= 0 && v <= 86400.0 * 365))
		return -1;
	if (*end == 'm' && end[1] == '\0')
		v *= 60;
	else if (*end == 'h' && end[1] == '\0')
		v *= 3600;
	else if (!(*end == '\0' || (*end == 's' && end[1] == '\0')))
		return -1;
	*ms = (int64_t)(v * 1000.0 + 0.5);
	return 0;
}

int64_t
util_clock_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
util_clock_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
util_clock_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
util_random_bytes(void *p, size_t n)
{
	unsigned char	*c = p;
	ssize_t		 r;

	while (n > 0) {
		r = getrandom(c, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fatalx("getrandom: %s", strerror(errno));
		}
		c += r;
		n -= (size_t)r;
	}
}

char *
util_opid_create(void)
{
	unsigned char	raw[16];
	char		*s = xmalloc(33);

	util_random_bytes(raw, sizeof raw);
	util_hex_encode(raw, sizeof raw, s);
	return s;
}

void
util_log_open(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "a")) == NULL)
		return;
	setvbuf(f, NULL, _IOLBF, 0);
	if (util_log_file != NULL)
		fclose(util_log_file);
	util_log_file = f;
}

void
util_log_close(void)
{
	if (util_log_file != NULL)
		fclose(util_log_file);
	util_log_file = NULL;
}

void
util_log(const char *fmt, ...)
{
	FILE		*f = util_log_file;
	va_list		 ap;
	struct timespec	 ts;
	struct tm	 tm;
	char		 stamp[32];

	if (f == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03ldZ [%ld] ", stamp, ts.tv_nsec / 1000000,
	    (long)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	util_log("fatal: %s", msg);
	fprintf(stderr, "%s: fatal: %s\n", util_progname, msg);
	exit(1);
}

int
util_mkdirs(const char *path, int mode)
{
	char	*p = xstrdup(path), *s;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(path, (mode_t)mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
util_mkparent(const char *path, int mode)
{
	char	*p = xstrdup(path), *slash;
	int	 rc = 0;

	if ((slash = strrchr(p, '/')) != NULL && slash != p) {
		*slash = '\0';
		rc = util_mkdirs(p, mode);
	}
	free(p);
	return rc;
}

char *
util_state_dir(void)
{
	const char	*s;

	if ((s = getenv("XDG_STATE_HOME")) != NULL && *s == '/')
		return xasprintf("%s/concord", s);
	if ((s = getenv("HOME")) != NULL && *s != '\0')
		return xasprintf("%s/.local/state/concord", s);
	return xasprintf("/tmp/concord-%ld/state", (long)getuid());
}
