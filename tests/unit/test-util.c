/*
 * Unit tests of util: growable buffers stay NUL-terminated and give their
 * bytes away whole, line escaping round-trips every byte that matters,
 * hex round-trips and refuses bad digits, numbers and durations parse
 * exactly within their bounds and refuse everything else, operation
 * ids are fresh 32-hex-digit strings, and configuration text parses to
 * trimmed pairs, naming the line of anything wrong.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

static void
test_buf(void **state)
{
	struct buf	 b;
	char		*s;
	int		 i;

	(void)state;
	util_buf_init(&b);
	util_buf_adds(&b, "abc");
	util_buf_addc(&b, '-');
	util_buf_printf(&b, "%d", 42);
	assert_string_equal(b.data, "abc-42");
	assert_int_equal(b.len, 6);
	util_buf_reset(&b);
	util_buf_int(&b, 0);
	util_buf_addc(&b, ' ');
	util_buf_int(&b, -7);
	util_buf_addc(&b, ' ');
	util_buf_int(&b, 1700000000000);
	util_buf_addc(&b, ' ');
	util_buf_int(&b, INT64_MAX);
	util_buf_addc(&b, ' ');
	util_buf_int(&b, INT64_MIN);
	assert_string_equal(b.data, "0 -7 1700000000000 9223372036854775807 "
	    "-9223372036854775808");
	util_buf_reset(&b);
	util_buf_printf(&b, "abc-42");
	util_buf_addzero(&b, 3);
	assert_int_equal(b.len, 9);
	assert_int_equal(b.data[8], '\0');
	util_buf_reset(&b);
	assert_int_equal(b.len, 0);
	for (i = 0; i < 10000; i++)
		util_buf_addc(&b, 'x');
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[b.len], '\0');
	s = util_buf_steal(&b);
	assert_int_equal(strlen(s), 10000);
	assert_int_equal(b.len, 0);
	free(s);
	util_buf_clear(&b);
}

static void
test_line_escape(void **state)
{
	struct buf	 b;
	const char	*value = "a\\b\nc\\\\n";
	char		*back, *nl;

	(void)state;
	util_buf_init(&b);
	util_buf_line(&b, "text", value);
	/* One line: the key, a space, the escaped value, a line feed. */
	nl = strchr(b.data, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - b.data, (long)b.len - 1);
	assert_memory_equal(b.data, "text ", 5);
	back = util_line_unescape(b.data + 5, b.len - 6);
	assert_non_null(back);
	assert_string_equal(back, value);
	free(back);
	assert_null(util_line_unescape("bad\\q", 5));
	assert_null(util_line_unescape("trailing\\", 9));
	util_buf_clear(&b);
}

static void
test_hex(void **state)
{
	const unsigned char	in[4] = { 0x00, 0xa3, 0xf9, 0xff };
	unsigned char		out[4];
	char			hex[9];

	(void)state;
	util_hex_encode(in, sizeof in, hex);
	assert_string_equal(hex, "00a3f9ff");
	assert_int_equal(util_hex_decode(hex, out, sizeof out), 0);
	assert_memory_equal(in, out, sizeof in);
	assert_int_equal(util_hex_decode("00a3f9fg", out, 4), -1);
	assert_int_equal(util_hex_decode("00a3", out, 4), -1);
}

static void
test_num_parse(void **state)
{
	int64_t	v;

	(void)state;
	assert_int_equal(util_num_parse("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(util_num_parse("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(util_num_parse("9223372036854775807", 0, INT64_MAX,
	    &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(util_num_parse("9223372036854775808", 0, INT64_MAX,
	    &v), -1);
	assert_int_equal(util_num_parse("101", 0, 100, &v), -1);
	assert_int_equal(util_num_parse("", 0, 100, &v), -1);
	assert_int_equal(util_num_parse(NULL, 0, 100, &v), -1);
	assert_int_equal(util_num_parse("12x", 0, 100, &v), -1);
	assert_int_equal(util_num_parse("1.5", 0, 100, &v), -1);
}

static void
test_duration_parse(void **state)
{
	int64_t	ms;

	(void)state;
	assert_int_equal(util_duration_parse("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(util_duration_parse("1.5", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(util_duration_parse("30s", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(util_duration_parse("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(util_duration_parse("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(util_duration_parse("0.1", &ms), 0);
	assert_int_equal(ms, 100);
	assert_int_equal(util_duration_parse("-1", &ms), -1);
	assert_int_equal(util_duration_parse("", &ms), -1);
	assert_int_equal(util_duration_parse("5d", &ms), -1);
	assert_int_equal(util_duration_parse("5ss", &ms), -1);
	assert_int_equal(util_duration_parse("1e300", &ms), -1);
	assert_int_equal(util_duration_parse("nan", &ms), -1);
}

static void
test_opid(void **state)
{
	char	*a, *b;
	size_t	 i;

	(void)state;
	a = util_opid_create();
	b = util_opid_create();
	assert_int_equal(strlen(a), 32);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void
test_clocks(void **state)
{
	int64_t	m1, m2;

	(void)state;
	m1 = util_clock_mono_ms();
	m2 = util_clock_mono_ms();
	assert_true(m2 >= m1);
	/* After 2020 and before 2100: a wall clock in ms, not s or us. */
	assert_true(util_clock_wall_ms() > 1577836800000LL);
	assert_true(util_clock_wall_ms() < 4102444800000LL);
	assert_true(util_clock_mono_us() / 1000 >= m2);
}

/* Write n bytes of 'x' into a new pipe; returns its read end. */
static int
pipe_of(size_t n)
{
	char	buf[4096];
	size_t	k;
	int	p[2];
	pid_t	pid;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		memset(buf, 'x', sizeof buf);
		for (; n > 0; n -= k) {
			k = n < sizeof buf ? n : sizeof buf;
			if (write(p[1], buf, k) != (ssize_t)k)
				_exit(1);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	close(p[1]);
	return p[0];
}

/* Whole-file reads are bounded, for files and pipes alike. */
static void
test_file_read(void **state)
{
	char	 path[] = "/tmp/test-util.XXXXXX", *data, *cause = NULL;
	size_t	 len;
	int	 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	data = util_file_read(path, 6, &len, &cause);
	assert_non_null(data);
	assert_int_equal(len, 6);
	assert_string_equal(data, "hello\n");
	free(data);
	assert_null(util_file_read(path, 5, &len, &cause));
	assert_non_null(strstr(cause, "larger than 5 bytes"));
	free(cause);
	unlink(path);
	assert_null(util_file_read(path, 5, &len, &cause));
	assert_non_null(strstr(cause, path));
	free(cause);
	assert_null(util_file_read("/tmp", 5, &len, &cause));
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);

	/* A pipe of 300,000 bytes: read whole past the first buffers. */
	fd = pipe_of(300000);
	data = util_fd_read(fd, "pipe", 300000, &len, &cause);
	close(fd);
	assert_non_null(data);
	assert_int_equal(len, 300000);
	assert_int_equal(strspn(data, "x"), 300000);
	free(data);
	while (wait(NULL) > 0)
		;
	/* One byte more than allowed. */
	fd = pipe_of(300001);
	assert_null(util_fd_read(fd, "pipe", 300000, &len, &cause));
	close(fd);
	assert_non_null(strstr(cause, "pipe: larger than 300000 bytes"));
	free(cause);
	while (wait(NULL) > 0)
		;
}

/* Record "key=value;" for each pair; a key "no" is refused. */
static int
conf_set(const char *key, const char *value, void *arg, char **why)
{
	if (strcmp(key, "no") == 0) {
		*why = xstrdup("not this one");
		return -1;
	}
	util_buf_printf(arg, "%s=%s;", key, value);
	return 0;
}

/* Parse text; returns the pairs, or the cause; the caller frees. */
static char *
conf(const char *text, size_t len)
{
	struct buf	 b;
	char		*cause = NULL;

	util_buf_init(&b);
	util_buf_add(&b, "", 0);
	if (util_conf_parse(text, len, "f.conf", conf_set, &b, &cause) != 0) {
		util_buf_clear(&b);
		return cause;
	}
	return util_buf_steal(&b);
}

#define CONF(text, want) do {						\
	char	*got_ = conf((text), sizeof (text) - 1);		\
	assert_string_equal(got_, (want));				\
	free(got_);							\
} while (0)

static void
test_conf_parse(void **state)
{
	char	*text, path[] = "/tmp/test-util.XXXXXX", *cause = NULL;
	struct buf b;
	int	 fd;

	(void)state;
	CONF("", "");
	CONF("a = b\n", "a=b;");
	CONF("  a\t=\tb c  # comment\r\n\n# only\nd=e=f", "a=b c;d=e=f;");
	CONF("k =\n", "k=;");
	CONF("a = b\nnothing here\n", "f.conf:2: expected key = value");
	CONF("a = b\n = c\n", "f.conf:2: expected key = value (no key "
	    "before =)");
	CONF("a = b\nno = x\n", "f.conf:2: not this one");
	CONF("a = b\0c\n", "f.conf:1: a NUL byte");
	text = xmalloc(UTIL_CONF_LINE + 3);
	memset(text, 'v', UTIL_CONF_LINE + 2);
	memcpy(text, "k=", 2);
	text[UTIL_CONF_LINE] = '\n';		/* a line of the most bytes */
	cause = conf(text, UTIL_CONF_LINE + 1);
	assert_int_equal(strlen(cause), UTIL_CONF_LINE + 1);
	free(cause);
	text[UTIL_CONF_LINE] = 'v';		/* one byte more */
	cause = conf(text, UTIL_CONF_LINE + 2);
	assert_string_equal(cause, "f.conf:1: line longer than 1022 bytes");
	free(cause);
	free(text);

	/* From a file: named by its path; a missing one may be fine. */
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "x = 1\ny\n", 8), 8);
	close(fd);
	util_buf_init(&b);
	assert_int_equal(util_conf_read(path, 0, conf_set, &b, &cause), -1);
	assert_non_null(strstr(cause, ":2: expected key = value"));
	assert_true(strncmp(cause, path, strlen(path)) == 0);
	free(cause);
	unlink(path);
	assert_int_equal(util_conf_read(path, 1, conf_set, &b, &cause), 0);
	assert_int_equal(util_conf_read(path, 0, conf_set, &b, &cause), -1);
	free(cause);
	util_buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_line_escape),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_num_parse),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_opid),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_file_read),
		cmocka_unit_test(test_conf_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
