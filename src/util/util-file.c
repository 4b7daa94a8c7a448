/*
 * Bounded reads of whole files, and "key = value" configuration files.
 *
 * Every file the programs read is input: a read is bounded (a file larger
 * than its limit is an error, never read whole), the result is always
 * NUL-terminated, and errors name the file (and the line, for
 * configuration) so the person who wrote it can find what is wrong.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

char *
util_fd_read(int fd, const char *path, size_t max, size_t *len, char **cause)
{
	struct stat	 sb;
	char		*data;
	size_t		 size;
	ssize_t		 r;

	*len = 0;
	if (fstat(fd, &sb) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode)) {
		*cause = xasprintf("%s: not a regular file", path);
		return NULL;
	}
	if (S_ISREG(sb.st_mode) && (size_t)sb.st_size > max) {
		*cause = xasprintf("%s: larger than %zu bytes", path, max);
		return NULL;
	}
	/*
	 * Room for what fstat says (a pipe says nothing) and one byte more,
	 * which catches a file that grew meanwhile; then doubling, up to one
	 * byte past max.
	 */
	size = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 2 : 65536;
	if (size > max + 2)
		size = max + 2;
	data = xmalloc(size);
	for (;;) {
		if (*len + 1 == size) {
			size = size > (max + 2) / 2 ? max + 2 : size * 2;
			data = xrealloc(data, size);
		}
		r = read(fd, data + *len, size - 1 - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			free(data);
			return NULL;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
		if (*len > max) {
			*cause = xasprintf("%s: larger than %zu bytes", path,
			    max);
			free(data);
			return NULL;
		}
	}
	data[*len] = '\0';
	return data;
}

char *
util_file_read(const char *path, size_t max, size_t *len, char **cause)
{
	char	*data;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	data = util_fd_read(fd, path, max, len, cause);
	close(fd);
	return data;
}

/* Blanks (and a carriage return) off both ends, in place. */
static char *
util_conf_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

int
util_conf_parse(const char *text, size_t len, const char *name,
    int (*set)(const char *, const char *, void *, char **), void *arg,
    char **cause)
{
	char		 line[UTIL_CONF_LINE + 1], *k, *v, *eq, *why = NULL;
	const char	*eol;
	size_t		 off = 0, n;
	int		 lineno = 0;

	while (off < len) {
		lineno++;
		if ((eol = memchr(text + off, '\n', len - off)) != NULL)
			n = (size_t)(eol - (text + off));
		else
			n = len - off;
		if (n > UTIL_CONF_LINE) {
			*cause = xasprintf("%s:%d: line longer than %d bytes",
			    name, lineno, UTIL_CONF_LINE);
			return -1;
		}
		if (memchr(text + off, '\0', n) != NULL) {
			*cause = xasprintf("%s:%d: a NUL byte", name, lineno);
			return -1;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		off += n + (eol != NULL);
		line[strcspn(line, "#")] = '\0';
		k = util_conf_trim(line);
		if (*k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			*cause = xasprintf("%s:%d: expected key = value", name,
			    lineno);
			return -1;
		}
		*eq = '\0';
		k = util_conf_trim(k);
		v = util_conf_trim(eq + 1);
		if (*k == '\0') {
			*cause = xasprintf("%s:%d: expected key = value (no key "
			    "before =)", name, lineno);
			return -1;
		}
		if (set(k, v, arg, &why) != 0) {
			*cause = xasprintf("%s:%d: %s", name, lineno,
			    why != NULL ? why : "refused");
			free(why);
			return -1;
		}
	}
	return 0;
}

int
util_conf_read(const char *path, int missing_ok,
    int (*set)(const char *, const char *, void *, char **), void *arg,
    char **cause)
{
	char	*text;
	size_t	 len;
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		if (errno == ENOENT && missing_ok)
			return 0;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	text = util_fd_read(fd, path, UTIL_CONF_MAX, &len, cause);
	close(fd);
	if (text == NULL)
		return -1;
	rc = util_conf_parse(text, len, path, set, arg, cause);
	free(text);
	return rc;
}
