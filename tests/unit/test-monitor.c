/*
 * Unit tests of the decoders of monitoring JSON (proto-monitor.c): the
 * answers of a Prometheus instant query (vectors of any size, scalars, NaN
 * and infinities, error answers, histograms and malformed ones), values at
 * JSON paths (numbers, numeric strings, every way to miss), Alertmanager's
 * webhook of version 4 (as Alertmanager 0.25 delivers it, and every
 * malformed or oversized part refused with a cause naming it) and the
 * generic hook.  Every cause is UTF-8 text; a decoder that fails leaves
 * nothing allocated.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"
#include "proto.h"
#include "util.h"

/* A body Alertmanager 0.25 delivered (one alert, firing). */
static const char am_body[] =
    "{\"receiver\":\"concord\",\"status\":\"firing\",\"alerts\":[{"
    "\"status\":\"firing\",\"labels\":{\"alertname\":\"HighLatency\","
    "\"concord_incident\":\"INC-7\",\"instance\":\"api:9100\","
    "\"severity\":\"critical\"},\"annotations\":{\"description\":"
    "\"p99 over 800 ms\\nfor 5 minutes\",\"summary\":\"Checkout is "
    "slow\"},\"startsAt\":\"2024-03-01T12:00:00.5+02:00\",\"endsAt\":"
    "\"0001-01-01T00:00:00Z\",\"generatorURL\":\"http://prom:9090/graph"
    "?g0.expr=up\\u0026g0.tab=1\",\"fingerprint\":\"1a30ba71cca2921f\"}],"
    "\"groupLabels\":{\"alertname\":\"HighLatency\"},\"commonLabels\":{},"
    "\"commonAnnotations\":{},\"externalURL\":\"http://am:9093\","
    "\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"HighLatency\\\"}\","
    "\"truncatedAlerts\":0}\n";

static int
cause_has(int rc, char *cause, const char *want, const char *input)
{
	int	good;

	if (rc == 0) {
		print_error("decoded, but should not have: %s\n", input);
		return 0;
	}
	good = cause != NULL && strstr(cause, want) != NULL &&
	    core_text_valid(cause, 4096);
	if (!good)
		print_error("cause \"%s\" lacks \"%s\" for %s\n",
		    cause != NULL ? cause : "(null)", want, input);
	free(cause);
	return good;
}

static int
prom_fails(const char *json, const char *want)
{
	struct proto_prom	 pr;
	char			*cause = NULL;
	int			 rc;

	rc = proto_prom_decode(json, strlen(json), &pr, &cause);
	if (rc == 0)
		proto_prom_clear(&pr);
	else if (pr.series != NULL || pr.type != NULL || pr.nseries != 0)
		return 0;
	return cause_has(rc, cause, want, json);
}

static void
test_prom_vector(void **state)
{
	const char	*j = "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[{\"metric\":{\"__name__\":\"up\","
	    "\"instance\":\"a:9100\",\"job\":\"node\"},\"value\":[1700000000.5,"
	    "\"1\"]},{\"metric\":{\"job\":\"x\\\"y\"},\"value\":[1,\"NaN\"]},"
	    "{\"metric\":{},\"value\":[1,\"-2.5e3\"]},{\"metric\":{},\"value\":"
	    "[1,\"+Inf\"]}]},\"warnings\":[\"w\"]}";
	struct proto_prom	 pr;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(proto_prom_decode(j, strlen(j), &pr, &cause), 0);
	assert_string_equal(pr.type, "vector");
	assert_int_equal(pr.nseries, 4);
	assert_string_equal(pr.series[0].labels,
	    "up{instance=\"a:9100\",job=\"node\"}");
	assert_true(pr.series[0].finite);
	assert_true(pr.series[0].value == 1);
	assert_string_equal(pr.series[1].labels, "{job=\"x\\\"y\"}");
	assert_false(pr.series[1].finite);
	assert_string_equal(pr.series[1].text, "NaN");
	assert_true(pr.series[2].value == -2500);
	assert_string_equal(pr.series[2].labels, "{}");
	assert_false(pr.series[3].finite);
	proto_prom_clear(&pr);

	j = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
	    "\"result\":[]}}";
	assert_int_equal(proto_prom_decode(j, strlen(j), &pr, &cause), 0);
	assert_int_equal(pr.nseries, 0);
	proto_prom_clear(&pr);

	j = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
	    "\"result\":[1700000000,\"42.25\"]}}";
	assert_int_equal(proto_prom_decode(j, strlen(j), &pr, &cause), 0);
	assert_string_equal(pr.type, "scalar");
	assert_int_equal(pr.nseries, 1);
	assert_true(pr.series[0].value == 42.25);
	assert_string_equal(pr.series[0].labels, "");
	proto_prom_clear(&pr);
}

static void
test_prom_labels_bounded(void **state)
{
	struct proto_prom	 pr;
	struct buf		 b;
	char			*cause = NULL;
	int			 i;

	(void)state;
	util_buf_init(&b);
	util_buf_adds(&b, "{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[{\"metric\":{");
	for (i = 0; i < 40; i++)
		util_buf_printf(&b, "%s\"label%d\":\"valu\\u00e9%d\"",
		    i > 0 ? "," : "", i, i);
	util_buf_adds(&b, "},\"value\":[1,\"3\"]}]}}");
	assert_int_equal(proto_prom_decode(b.data, b.len, &pr, &cause), 0);
	assert_true(strlen(pr.series[0].labels) <= PROTO_PROM_LABELS_MAX);
	assert_true(core_text_valid(pr.series[0].labels, 4096));
	assert_non_null(strstr(pr.series[0].labels, "..."));
	proto_prom_clear(&pr);
	util_buf_clear(&b);
}

#define OK_DATA	"{\"status\":\"success\",\"data\":{\"resultType\":"

static void
test_prom_rejects(void **state)
{
	char	*big;
	size_t	 n = PROTO_MON_BODY_MAX + 1;

	(void)state;
	assert_true(prom_fails("", "bad JSON"));
	assert_true(prom_fails("   ", "bad JSON"));
	assert_true(prom_fails("<html>", "bad JSON"));
	assert_true(prom_fails("{\"status\":\"success\"} x", "more after"));
	assert_true(prom_fails("[]", "not a Prometheus answer"));
	assert_true(prom_fails("{\"status\":\"error\",\"errorType\":"
	    "\"bad_data\",\"error\":\"1:5: parse error: unexpected\"}",
	    "bad_data: 1:5: parse error"));
	assert_true(prom_fails("{\"status\":\"success\",\"data\":{}}",
	    "no data.resultType"));
	assert_true(prom_fails(OK_DATA "\"matrix\",\"result\":[]}}",
	    "a matrix result"));
	assert_true(prom_fails(OK_DATA "\"vector\",\"result\":{}}}",
	    "must be an array"));
	assert_true(prom_fails(OK_DATA "\"vector\",\"result\":[{\"metric\":"
	    "{},\"value\":[1,2]}]}}",
	    "data.result[0].value must be [time, \"value\"]"));
	assert_true(prom_fails(OK_DATA "\"vector\",\"result\":[{\"metric\":"
	    "{},\"value\":[1,\"abc\"]}]}}", "\"abc\" is not a number"));
	assert_true(prom_fails(OK_DATA "\"vector\",\"result\":[{\"metric\":"
	    "{\"a\":1},\"value\":[1,\"1\"]}]}}",
	    "a label that is not a string"));
	assert_true(prom_fails(OK_DATA "\"vector\",\"result\":[{\"metric\":"
	    "{},\"histogram\":[1,{}]}]}}", "native histogram"));
	assert_true(prom_fails(OK_DATA "\"scalar\",\"result\":[1,\"\xff\"]}}",
	    "is not a number"));
	big = xmalloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	big[0] = '{';
	big[n - 1] = '}';
	assert_true(prom_fails(big, "larger than"));
	free(big);
}

static int
path_is(const char *json, const char *path, double want)
{
	double	 v = -12345;
	char	*cause = NULL;

	if (proto_path_value(json, strlen(json), path, &v, &cause) != 0) {
		print_error("%s in %s: %s\n", path, json, cause);
		free(cause);
		return 0;
	}
	if (v != want) {
		print_error("%s in %s: %g, not %g\n", path, json, v, want);
		return 0;
	}
	return 1;
}

static int
path_fails(const char *json, const char *path, const char *want)
{
	double	 v;
	char	*cause = NULL;
	int	 rc;

	rc = proto_path_value(json, strlen(json), path, &v, &cause);
	return cause_has(rc, cause, want, path);
}

static void
test_path(void **state)
{
	const char	*doc = "{\"data\":{\"items\":[{\"value\":12.5},"
	    "{\"value\":\" 7 \"},{\"value\":\"NaN\"},{\"value\":\"12abc\"},"
	    "{\"value\":true},{\"value\":null},{\"value\":1e999}]},"
	    "\"a.b\":{\"c\":[[1,2],[3,4]]},\"s\":\"x\"}";

	(void)state;
	assert_true(path_is(doc, "data.items[0].value", 12.5));
	assert_true(path_is(doc, "$.data.items[0].value", 12.5));
	assert_true(path_is(doc, "data.items[1].value", 7));
	assert_true(path_is(doc, "data.items[4].value", 1));
	assert_true(path_is(doc, "[\"a.b\"].c[1][0]", 3));
	assert_true(path_is(doc, "$['a.b'].c[-1][-1]", 4));
	assert_true(path_is("42", "$", 42));
	assert_true(path_is("\"-3.5e2\"", "$", -350));

	assert_true(path_fails(doc, "data.nope", "missing path: no \"nope\" "
	    "in data"));
	assert_true(path_fails(doc, "data.items[9].value",
	    "no element [9] in data.items (of 7)"));
	assert_true(path_fails(doc, "data.items.value",
	    "data.items is an array, not an object"));
	assert_true(path_fails(doc, "s[0]", "s is a string, not an array"));
	assert_true(path_fails(doc, "data.items[2].value",
	    "\"NaN\", not a finite number"));
	assert_true(path_fails(doc, "data.items[3].value",
	    "a string \"12abc\", not a number"));
	assert_true(path_fails(doc, "data.items[5].value", "null, not a "
	    "number"));
	assert_true(path_fails(doc, "data.items[6].value", "out of range"));
	assert_true(path_fails(doc, "data", "an object, not a number"));
	assert_true(path_fails("{\"a\":1", "a", "bad JSON"));
	assert_true(path_fails(doc, "", "empty JSON path"));
	assert_true(path_fails(doc, "a..b", "bad JSON path"));
	assert_true(path_fails(doc, "a[x]", "bad JSON path"));
	assert_true(path_fails(doc, "a[\"x]", "bad JSON path"));
	assert_true(path_fails(doc, "a[-0]", "bad JSON path"));
	assert_true(path_fails(doc, "a[99999999999]", "bad JSON path"));
	assert_true(path_fails(doc, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t."
	    "u.v.w.x.y.z.a.b.c.d.e.f.g", "more than 32 steps"));
	assert_int_equal(proto_path_check("data.items[0].value", NULL), 0);
}

static int
am_fails(const char *json, const char *want)
{
	struct proto_am	 am;
	char		*cause = NULL;
	int		 rc;

	rc = proto_am_decode(json, strlen(json), &am, &cause);
	if (rc == 0)
		proto_am_clear(&am);
	else if (am.alerts != NULL || am.receiver != NULL)
		return 0;
	return cause_has(rc, cause, want, json);
}

/* The sample body with from replaced by to (the caller frees it). */
static char *
am_edit(const char *from, const char *to)
{
	const char	*p = strstr(am_body, from);

	assert_non_null(p);
	return xasprintf("%.*s%s%s", (int)(p - am_body), am_body, to,
	    p + strlen(from));
}

static int
am_edit_fails(const char *from, const char *to, const char *want)
{
	char	*j = am_edit(from, to);
	int	 rc = am_fails(j, want);

	free(j);
	return rc;
}

static void
test_am(void **state)
{
	struct proto_am		 am;
	struct proto_am_alert	*a;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(proto_am_decode(am_body, strlen(am_body), &am,
	    &cause), 0);
	assert_string_equal(am.receiver, "concord");
	assert_string_equal(am.status, "firing");
	assert_string_equal(am.group_key, "{}:{alertname=\"HighLatency\"}");
	assert_string_equal(am.external_url, "http://am:9093");
	assert_int_equal(am.nalerts, 1);
	a = &am.alerts[0];
	assert_string_equal(a->status, "firing");
	assert_string_equal(a->fingerprint, "1a30ba71cca2921f");
	assert_string_equal(a->alertname, "HighLatency");
	assert_string_equal(a->severity, "critical");
	assert_string_equal(a->instance, "api:9100");
	assert_string_equal(a->incident, "INC-7");
	assert_int_equal(a->nlabels, 4);
	assert_string_equal(a->labels[1], "concord_incident=INC-7");
	assert_string_equal(a->summary, "Checkout is slow");
	assert_string_equal(a->description, "p99 over 800 ms\nfor 5 minutes");
	/* 2024-03-01T10:00:00.5Z */
	assert_int_equal(a->starts_ms, 1709287200500LL);
	assert_int_equal(a->ends_ms, 0);
	assert_string_equal(a->ends, "0001-01-01T00:00:00Z");
	assert_string_equal(a->generator_url,
	    "http://prom:9090/graph?g0.expr=up&g0.tab=1");
	proto_am_clear(&am);
}

static void
test_am_rejects(void **state)
{
	struct buf	b;
	int		i;

	(void)state;
	assert_true(am_fails("{}", "missing field \"version\""));
	assert_true(am_fails("[1]", "not a JSON object"));
	assert_true(am_edit_fails("\"version\":\"4\"", "\"version\":\"3\"",
	    "webhook version \"3\": concord reads version 4"));
	assert_true(am_edit_fails("\"version\":\"4\"", "\"version\":4",
	    "webhook version"));
	assert_true(am_edit_fails("\"receiver\":\"concord\",", "",
	    "missing field \"receiver\""));
	assert_true(am_edit_fails("\"status\":\"firing\",\"alerts\"",
	    "\"status\":\"burning\",\"alerts\"", "\"status\" is \"burning\""));
	assert_true(am_edit_fails("[{\"status\":\"firing\"",
	    "[{\"status\":\"gone\"", "alerts[0].status\" is \"gone\""));
	assert_true(am_edit_fails("\"fingerprint\":\"1a30ba71cca2921f\"",
	    "\"fingerprint\":\"xyz\"", "alerts[0].fingerprint\" must be hex"));
	assert_true(am_edit_fails(",\"fingerprint\":\"1a30ba71cca2921f\"", "",
	    "missing field \"alerts[0].fingerprint\""));
	assert_true(am_edit_fails("\"labels\":{\"alertname\"",
	    "\"labels\":[],\"x\":{\"alertname\"",
	    "\"alerts[0].labels\" must be an object"));
	assert_true(am_edit_fails("\"severity\":\"critical\"",
	    "\"severity\":5", "alerts[0].labels.severity\" must be a string"));
	assert_true(am_edit_fails("\"2024-03-01T12:00:00.5+02:00\"",
	    "\"yesterday\"", "alerts[0].startsAt\" is \"yesterday\", not an "
	    "RFC 3339 time"));
	assert_true(am_edit_fails("\"2024-03-01T12:00:00.5+02:00\"",
	    "\"2024-02-30T12:00:00Z\"", "not an RFC 3339 time"));
	assert_true(am_edit_fails("\"summary\":\"Checkout is slow\"",
	    "\"summary\":[]", "every annotation must be a string"));
	assert_true(am_edit_fails("\"alerts\":[", "\"alerts\":{\"x\":[",
	    "bad JSON"));
	assert_true(am_edit_fails("\"truncatedAlerts\":0",
	    "\"truncatedAlerts\":-1", "\"truncatedAlerts\" must be a count"));
	assert_true(am_edit_fails("\"receiver\":\"concord\"",
	    "\"receiver\":\"con\\u0001cord\"", "without control characters"));

	/* Too many alerts, labels, or bytes: refused, naming the bound. */
	util_buf_init(&b);
	util_buf_adds(&b, "{\"version\":\"4\",\"receiver\":\"r\",\"status\":"
	    "\"firing\",\"groupKey\":\"k\",\"alerts\":[");
	for (i = 0; i <= PROTO_AM_ALERTS_MAX; i++)
		util_buf_printf(&b, "%s{}", i > 0 ? "," : "");
	util_buf_adds(&b, "]}");
	assert_true(am_fails(b.data, "more than 1000: set max_alerts"));
	util_buf_reset(&b);
	util_buf_adds(&b, "{\"version\":\"4\",\"receiver\":\"r\",\"status\":"
	    "\"firing\",\"groupKey\":\"k\",\"alerts\":[{\"status\":\"firing\","
	    "\"fingerprint\":\"ab\",\"startsAt\":\"2024-01-01T00:00:00Z\","
	    "\"labels\":{");
	for (i = 0; i <= PROTO_AM_LABELS_MAX; i++)
		util_buf_printf(&b, "%s\"l%d\":\"v\"", i > 0 ? "," : "", i);
	util_buf_adds(&b, "}}]}");
	assert_true(am_fails(b.data, "labels, more than 128"));
	util_buf_reset(&b);
	util_buf_adds(&b, "{\"version\":\"4\",\"receiver\":\"r\",\"status\":"
	    "\"firing\",\"groupKey\":\"k\",\"alerts\":[{\"status\":\"firing\","
	    "\"fingerprint\":\"ab\",\"startsAt\":\"2024-01-01T00:00:00Z\","
	    "\"labels\":{\"a\":\"");
	for (i = 0; i <= PROTO_AM_TEXT_MAX; i++)
		util_buf_addc(&b, 'x');
	util_buf_adds(&b, "\"}}]}");
	assert_true(am_fails(b.data, "alerts[0].labels.a\" is longer than"));
	util_buf_clear(&b);
}

static int
hook_fails(const char *json, const char *want)
{
	struct proto_hook	 h;
	char			*cause = NULL;
	int			 rc;

	rc = proto_hook_decode(json, strlen(json), &h, &cause);
	if (rc == 0)
		proto_hook_clear(&h);
	else if (h.title != NULL || h.status != NULL)
		return 0;
	return cause_has(rc, cause, want, json);
}

static void
test_hook(void **state)
{
	struct proto_hook	 h;
	const char		*j;
	char			*cause = NULL;

	(void)state;
	j = "{\"title\":\"Disk\\nfull\",\"text\":\"db1 at 99%\\r\","
	    "\"severity\":\"critical\",\"incident\":\"INC-3\",\"key\":\"db1/"
	    "disk\",\"extra\":[1]}";
	assert_int_equal(proto_hook_decode(j, strlen(j), &h, &cause), 0);
	assert_string_equal(h.title, "Disk full");
	assert_string_equal(h.text, "db1 at 99% ");
	assert_string_equal(h.severity, "critical");
	assert_string_equal(h.incident, "INC-3");
	assert_string_equal(h.status, "firing");
	assert_string_equal(h.key, "db1/disk");
	proto_hook_clear(&h);
	j = "{\"title\":\"t\",\"status\":\"resolved\",\"key\":\"k\"}";
	assert_int_equal(proto_hook_decode(j, strlen(j), &h, &cause), 0);
	assert_string_equal(h.status, "resolved");
	assert_null(h.text);
	assert_null(h.incident);
	proto_hook_clear(&h);

	assert_true(hook_fails("{}", "missing field \"title\""));
	assert_true(hook_fails("{\"title\":\"\"}", "\"title\" is empty"));
	assert_true(hook_fails("{\"title\":3}", "\"title\" must be a string"));
	assert_true(hook_fails("{\"title\":\"t\",\"status\":\"open\"}",
	    "not \"firing\" or \"resolved\""));
	assert_true(hook_fails("{\"title\":\"t\",\"status\":\"resolved\"}",
	    "needs the \"key\""));
	assert_true(hook_fails("{\"title\":\"t\",\"incident\":\"a b\"}",
	    "\"incident\" must be"));
	assert_true(hook_fails("{\"title\":\"t\",\"key\":\"a\\nb\"}",
	    "\"key\" must be UTF-8 text without control"));
	assert_true(hook_fails("\"title\"", "not a JSON object"));
	assert_true(hook_fails("{\"title\":\"t\"}{}", "more after"));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_prom_vector),
		cmocka_unit_test(test_prom_labels_bounded),
		cmocka_unit_test(test_prom_rejects),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_am),
		cmocka_unit_test(test_am_rejects),
		cmocka_unit_test(test_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
