/* Unit tests of what every report shares (src/report/envelope.c, report.c):
 * text from input escaped for a terminal, the JSON error object, the finding
 * shape with its server array, the counts in words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/error.h"
#include "findings/findings.h"
#include "report/report.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void test_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"plain.example.", "plain.example."},
	    {"\x1b]0;owned\x07x", "\\027]0;owned\\007x"}, /* OSC title sequence */
	    {"a\nb\rc\td", "a\\010b\\013c\\009d"},        /* no forged line */
	    {"del\x7f", "del\\127"},
	    {"caf\xc3\xa9", "caf\xc3\xa9"}, /* valid UTF-8 kept */
	    {"csi\xc2\x9b"
	     "31m",
	     "csi\\194\\15531m"},               /* U+009B, a C1 control */
	    {"bad\xff\xc3", "bad\\255\\195"},   /* not UTF-8 */
	    {"over\xc0\xaf", "over\\192\\175"}, /* overlong */
	};
	char buf[128];
	for (size_t i = 0; i < NELEM(v); i++)
		assert_string_equal(dv_report_escape(v[i].in, buf, sizeof(buf)), v[i].out);
	/* Cut to fit, never in the middle of an escape. */
	assert_string_equal(dv_report_escape("ab\x1b", buf, 5), "ab");
	assert_string_equal(dv_report_escape("abcdef", buf, 4), "abc");
	/* The same through the stream form. */
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	dv_report_put_text(f, "\x1b[2Jx\xc2\x9b");
	fclose(f);
	assert_string_equal(mem, "\\027[2Jx\\194\\155");
	free(mem);
	/* A JSON string even of bytes that are not UTF-8. */
	json_t *j = dv_report_json_text("a\xff");
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "a\\255");
	json_decref(j);
}

static json_t *error_json(const char *file, const char *msg)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	assert_int_equal(dv_report_error_json(f, "verify", NULL, file, msg), 0);
	fclose(f);
	json_t *j = json_loads(mem, 0, NULL);
	free(mem);
	assert_non_null(j);
	return j;
}

static void test_error_json(void **state)
{
	(void)state;
	static const struct {
		const char *file, *msg, *want_file, *want_msg;
		long line;
	} v[] = {
	    {"z.zone", "z.zone:12: invalid IPv4 address: 'x'", "z.zone",
	     "invalid IPv4 address: 'x'", 12},
	    /* an $INCLUDEd file: the file the message names */
	    {"z.zone", "inc/part.zone:3: bad", "inc/part.zone", "bad", 3},
	    {"z.zone", "z.zone: No such file or directory", "z.zone", "No such file or directory",
	     -1},
	    {NULL, "--warn '1.5': a duration is needed", NULL, "--warn '1.5': a duration is needed",
	     -1},
	    {"-", "-:0: standard input holds more than 1 bytes", "-",
	     "standard input holds more than 1 bytes", 0},
	};
	for (size_t i = 0; i < NELEM(v); i++) {
		json_t *j = error_json(v[i].file, v[i].msg);
		assert_string_equal(json_string_value(json_object_get(j, "status")), "unknown");
		assert_int_equal(json_integer_value(json_object_get(j, "format")),
		                 DV_REPORT_FORMAT);
		assert_string_equal(json_string_value(json_object_get(j, "command")), "verify");
		assert_int_equal(json_array_size(json_object_get(j, "findings")), 0);
		json_t *e = json_object_get(j, "error");
		if (v[i].want_file == NULL)
			assert_true(json_is_null(json_object_get(e, "file")));
		else
			assert_string_equal(json_string_value(json_object_get(e, "file")),
			                    v[i].want_file);
		if (v[i].line < 0)
			assert_true(json_is_null(json_object_get(e, "line")));
		else
			assert_int_equal(json_integer_value(json_object_get(e, "line")), v[i].line);
		assert_string_equal(json_string_value(json_object_get(e, "message")),
		                    v[i].want_msg);
		json_decref(j);
	}
}

static void test_finding_servers(void **state)
{
	(void)state;
	dv_findings_t l = {0};
	static const uint8_t zone[] = "\x07"
	                              "example";
	dv_findings_add(&l, DV_F_SERVER_UNREACHABLE,
	                &(dv_evidence_t){.zone = zone, .server = "192.0.2.1,[2001:db8::1]:53,+3"},
	                "no answer");
	dv_findings_add(&l, DV_F_RRSIG_EXPIRED,
	                &(dv_evidence_t){.zone = zone, .server = "192.0.2.9"}, NULL);
	dv_findings_sort(&l);
	for (size_t i = 0; i < l.len; i++) {
		json_t *f = dv_finding_json(&l.v[i]);
		json_t *s = json_object_get(f, "server");
		assert_true(json_is_array(s));
		if (l.v[i].code == DV_F_SERVER_UNREACHABLE) {
			assert_int_equal(json_array_size(s), 2);
			assert_string_equal(json_string_value(json_array_get(s, 1)),
			                    "[2001:db8::1]:53");
			assert_int_equal(json_integer_value(json_object_get(f, "servers_omitted")),
			                 3);
		} else {
			assert_int_equal(json_array_size(s), 1);
			assert_null(json_object_get(f, "servers_omitted"));
		}
		json_decref(f);
	}
	/* The counts in words: singular, plural, one word for info. */
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);
	dv_report_counts_text(out, &l);
	fclose(out);
	assert_string_equal(mem, "2 errors, 0 warnings, 0 info");
	free(mem);
	dv_findings_add(&l, DV_F_DNSKEY_REVOKED, NULL, NULL);
	out = open_memstream(&mem, &len);
	dv_report_counts_text(out, &l);
	fclose(out);
	assert_string_equal(mem, "2 errors, 1 warning, 0 info");
	free(mem);
	json_t *sum = dv_report_summary_json(&l);
	assert_int_equal(json_integer_value(json_object_get(sum, "errors")), 2);
	assert_int_equal(json_integer_value(json_object_get(sum, "warnings")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "info")), 0);
	json_decref(sum);
	dv_findings_clear(&l);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(dv_report_status_name(0), "ok");
	assert_string_equal(dv_report_status_name(1), "warning");
	assert_string_equal(dv_report_status_name(2), "error");
	assert_string_equal(dv_report_status_name(3), "unknown");
	assert_string_equal(dv_report_status_name(-1), "unknown");
	/* The envelope leads an object built before it. */
	json_t *o = json_pack("{s:i, s:s}", "zone", 1, "status", "stale");
	dv_report_envelope_set(o, "rollover", "plan", "ok");
	const char *k;
	json_t *v;
	const char *want[] = {"dnsvigil", "format", "command", "subcommand", "status", "zone"};
	size_t i = 0;
	json_object_foreach(o, k, v)
	{
		assert_true(i < NELEM(want));
		assert_string_equal(k, want[i++]);
	}
	assert_int_equal(i, NELEM(want));
	assert_string_equal(json_string_value(json_object_get(o, "status")), "ok");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_error_json),
	    cmocka_unit_test(test_finding_servers),
	    cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
