/*
 * util: memory (out-of-memory is fatal), growable byte buffers, logging and
 * small string helpers shared by every module.
 */
#ifndef CONCORD_UTIL_H
#define CONCORD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Allocate or die; never return NULL.  Free with free(). */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Formatted allocation; the caller frees the result. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* Growable byte buffer, always NUL-terminated after len bytes. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 util_buf_init(struct buf *);
void	 util_buf_clear(struct buf *);
void	 util_buf_reset(struct buf *);
void	 util_buf_add(struct buf *, const void *, size_t);
void	 util_buf_adds(struct buf *, const char *);
void	 util_buf_addc(struct buf *, char);
/* Append n zero bytes (headroom, e.g. LWS_PRE). */
void	 util_buf_addzero(struct buf *, size_t);
void	 util_buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Append v in decimal (what "%lld" prints, without printf's cost). */
void	 util_buf_int(struct buf *, int64_t);
/* Detach the contents; the caller frees them and the buffer is empty. */
char	*util_buf_steal(struct buf *);

/*
 * Line values: append "key value\n" with "\" written "\\" and a line feed
 * "\n"; and undo that for n bytes of a value (NULL on a bad escape; the
 * caller frees).
 */
void	 util_buf_line(struct buf *, const char *key, const char *value);
char	*util_line_unescape(const char *, size_t);

/* Hex-encode n bytes into out (2n+1 bytes). */
void	 util_hex_encode(const unsigned char *, size_t, char *);
/* Decode 2n hex digits into n bytes; returns 0 or -1 on a bad digit. */
int	 util_hex_decode(const char *, unsigned char *, size_t);

/* Parse a decimal integer in [min,max]; returns 0 or -1. */
int	 util_num_parse(const char *, int64_t, int64_t, int64_t *);
/* Parse seconds ("30", "1.5", "30s", "2m") into milliseconds; 0 or -1. */
int	 util_duration_parse(const char *, int64_t *);

/* Clocks: monotonic and wall time in milliseconds. */
int64_t	 util_clock_mono_ms(void);
int64_t	 util_clock_mono_us(void);
int64_t	 util_clock_wall_ms(void);

/* Logging to a file; lines are dropped until util_log_open is called. */
void	 util_log_open(const char *path);
void	 util_log_close(void);
void	 util_log(const char *, ...) __attribute__((format(printf, 1, 2)));
/* The program name used by fatalx (default "concord"). */
void	 util_set_progname(const char *);
/* Log and print "PROG: fatal: msg" to stderr, then exit(1). */
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Read a whole regular file or pipe (or an open fd, which stays open) of
 * at most max bytes.  Returns the bytes, NUL-terminated, with *len set (the caller
 * frees), or NULL with *cause naming the file.
 */
char	*util_fd_read(int, const char *path, size_t max, size_t *len,
	    char **cause);
char	*util_file_read(const char *path, size_t max, size_t *len,
	    char **cause);
/*
 * Parse "key = value" lines from len bytes of text ('#' starts a comment,
 * blanks around key and value are not part of them, lines of at most
 * UTIL_CONF_LINE bytes without a NUL), calling set for each; set returns
 * 0, or -1 with *why (freed here, and given in *cause prefixed with
 * "name:line: ").  Returns 0, or -1 with *cause (the caller frees it).
 */
#define UTIL_CONF_LINE	1022
#define UTIL_CONF_MAX	(1024 * 1024)	/* bytes of a configuration file */
int	 util_conf_parse(const char *text, size_t len, const char *name,
	    int (*set)(const char *, const char *, void *, char **),
	    void *arg, char **cause);
/*
 * Read a configuration file of at most UTIL_CONF_MAX bytes and parse it
 * with util_conf_parse, named by its path.  A missing file is fine if
 * missing_ok.  Returns 0, or -1 with *cause (the caller frees it).
 */
int	 util_conf_read(const char *path, int missing_ok,
	    int (*set)(const char *, const char *, void *, char **),
	    void *arg, char **cause);

/* mkdir -p with mode; 0 or -1 with errno set. */
int	 util_mkdirs(const char *, int mode);
/* Create the directories above a file path; 0 or -1 with errno set. */
int	 util_mkparent(const char *, int mode);

/*
 * The default store directory: $XDG_STATE_HOME/concord, else
 * ~/.local/state/concord, else /tmp/concord-UID/state.  Caller frees.
 */
char	*util_state_dir(void);

/* Random bytes from the kernel; dies if unavailable. */
void	 util_random_bytes(void *, size_t);
/* A fresh 128-bit operation id as 32 hex digits; the caller frees it. */
char	*util_opid_create(void);

#endif
