/* test_render_tscan.c — the trace line scanner (trace_model_scan.h) and
 * the model built with it: escapes decode as JSON says (RFC 8259 section
 * 7, checked against Python's json module's answers written out here),
 * nested values are skipped, missing keys are reported, and malformed
 * lines are refused with their line (and, from the scanner, column). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace_model.h"
#include "trace_model_scan.h"

static char *find_string(const char *line, const char *key)
{
	struct tms_member mb;

	if (!tms_find(line, strlen(line), key, &mb) || mb.type != TMS_STRING)
		return NULL;
	return tms_unescape(&mb);
}

static void test_escapes(void **state)
{
	(void)state;
	static const struct {
		const char *line, *want;
	} cases[] = {
		{"{\"a\":\"plain\"}", "plain"},
		{"{\"a\":\"q\\\"b\\\\s\\/\"}", "q\"b\\s/"},
		{"{\"a\":\"\\b\\f\\n\\r\\t\"}", "\b\f\n\r\t"},
		{"{\"a\":\"caf\\u00e9\"}", "caf\xc3\xa9"},
		{"{\"a\":\"\\u20ac\"}", "\xe2\x82\xac"},
		{"{\"a\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80"}, /* a surrogate pair */
		{"{\"a\":\"x\\ud800y\"}", "x\xef\xbf\xbdy"},         /* lone: U+FFFD */
		{"{\"a\":\"\\u0041\\u00DF\"}", "A\xc3\x9f"},
		{"{\"a\":\"\"}", ""},
		{"{\"\\u0061\":\"escaped key\"}", "escaped key"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = find_string(cases[i].line, "a");
		if (!got || strcmp(got, cases[i].want) != 0) {
			print_error("%s: got \"%s\"\n", cases[i].line, got ? got : "(none)");
			free(got);
			fail();
		}
		free(got);
	}
}

static void test_nested_and_missing(void **state)
{
	(void)state;
	const char *line = "{\"x\":{\"a\":\"inner\",\"b\":[1,{\"a\":\"deeper\"}]},"
			   "\"l\":[\"a\",\"}\",\"]\"],\"s\":\"{\\\"a\\\":1}\",\"a\":\"top\","
			   "\"n\":-1.5e+3,\"z\":null,\"y\":true}";
	struct tms_member mb;
	char *a = find_string(line, "a");

	assert_non_null(a);
	assert_string_equal(a, "top");
	free(a);
	assert_true(tms_find(line, strlen(line), "n", &mb));
	assert_int_equal(mb.type, TMS_NUMBER);
	assert_int_equal(mb.vlen, 7);
	assert_memory_equal(mb.val, "-1.5e+3", 7);
	assert_true(tms_find(line, strlen(line), "x", &mb));
	assert_int_equal(mb.type, TMS_OBJECT);
	assert_true(tms_find(line, strlen(line), "l", &mb));
	assert_int_equal(mb.type, TMS_ARRAY);
	assert_memory_equal(mb.val, "[\"a\",\"}\",\"]\"]", mb.vlen);
	assert_false(tms_find(line, strlen(line), "b", &mb)); /* only inside x */
	assert_false(tms_find(line, strlen(line), "missing", &mb));
	/* the first of two equal keys, as cJSON's lookup answers */
	char *d = find_string("{\"a\":\"one\",\"a\":\"two\"}", "a");
	assert_string_equal(d, "one");
	free(d);
}

static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		enum tms_result want;
		size_t col;
	} cases[] = {
		{"{\"t\":1", TMS_BAD_JSON, 7},
		{"{\"t\":1,}", TMS_BAD_JSON, 8},
		{"{\"t\":01}", TMS_BAD_JSON, 7},
		{"{\"t\":\"a\\x\"}", TMS_BAD_JSON, 9},
		{"{\"t\":\"a\tb\"}", TMS_BAD_JSON, 8},   /* a raw control character */
		{"{\"t\":[1,2}", TMS_BAD_JSON, 10},
		{"{\"t\":tru}", TMS_BAD_JSON, 6},
		{"{\"t\" 1}", TMS_BAD_JSON, 6},
		{"{t:1}", TMS_BAD_JSON, 2},
		{"{\"t\":\"\\u12G4\"}", TMS_BAD_JSON, 11},
		{"[1,2]", TMS_NOT_OBJECT, 6},
		{"\"s\"", TMS_NOT_OBJECT, 4},
		{"{\"t\":1} x", TMS_TRAILING, 9},
		{"{\"t\":1}  \r", TMS_OK, 0},
		{" {} ", TMS_OK, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t col = 99;
		enum tms_result r = tms_object(cases[i].line, strlen(cases[i].line), NULL, NULL, &col);
		if (r != cases[i].want || (r != TMS_OK && r != TMS_NOT_OBJECT && col != cases[i].col)) {
			print_error("%s: got result %d column %zu, want %d column %zu\n",
				    cases[i].line, (int)r, col, (int)cases[i].want, cases[i].col);
			fail();
		}
	}
	/* nesting deeper than the limit is refused, not a stack overflow */
	size_t depth = 5000;
	char *deep = malloc(2 * depth + 8);
	strcpy(deep, "{\"a\":");
	memset(deep + 5, '[', depth);
	memset(deep + 5 + depth, ']', depth);
	strcpy(deep + 5 + 2 * depth, "}");
	size_t col;
	assert_int_equal(tms_object(deep, strlen(deep), NULL, NULL, &col), TMS_BAD_JSON);
	free(deep);
}

static void parse_err(const char *trace, const char *want)
{
	char err[256] = "";
	struct tm_model *m = tm_parse(trace, strlen(trace), NULL, 0, err, sizeof err);

	if (m || strcmp(err, want) != 0) {
		print_error("%s: got \"%s\", want \"%s\"\n", trace, m ? "(parsed)" : err, want);
		tm_free(m);
		fail();
	}
}

static void test_model_errors(void **state)
{
	(void)state;
	parse_err("{\"t\":0,\"kind\":\"sim.start\"}\n\n{\"t\":1,\"kind\":", "trace line 3: not valid JSON");
	parse_err("{\"kind\":\"sim.start\"}", "trace line 1: missing \"t\"");
	parse_err("{\"t\":1}", "trace line 1: missing \"kind\"");
	parse_err("{\"t\":1,\"kind\":7}", "trace line 1: \"kind\" must be a string");
	parse_err("{\"t\":1,\"kind\":\"smtp.send\",\"conn\":1.5}",
		  "trace line 1: \"conn\" must be an integer from 0 to 2147483647");
	parse_err("{\"t\":1,\"kind\":\"smtp.send\"}", "trace line 1: smtp.send without \"line\"");
	parse_err("[]", "trace line 1: not a JSON object");
	parse_err("{\"t\":1,\"kind\":\"narrate\",\"text\":\"x\"} {}",
		  "trace line 1: text after the JSON object");
}

static void test_model_lazy_fields(void **state)
{
	(void)state;
	const char *trace =
		"{\"t\":1.5,\"seq\":0,\"kind\":\"smtp.send\",\"node\":\"a\\u002eexample\","
		"\"peer\":\"b\",\"conn\":3,\"dir\":\"c2s\",\"line\":\"RCPT TO:<\\u00e9@b>\\r\\n\","
		"\"msg\":\"m1\",\"rcpt\":\"\\u00e9@b\",\"extra\":{\"k\":[1,2]},\"n\":[\"x\",\"y\"]}\n"
		"{\"t\":2,\"seq\":1,\"kind\":\"queue.defer\",\"node\":\"b\",\"msg\":\"m1\","
		"\"rcpt\":\"\\u00e9@b\",\"reason\":\"try \\\"later\\\"\",\"next_attempt\":302.25}\n"
		"{\"t\":3,\"seq\":2,\"kind\":\"made.up\",\"msg\":\"m2\"}\n";
	char err[256];
	struct tm_model *m = tm_parse(trace, strlen(trace), NULL, 0, err, sizeof err);

	assert_non_null(m);
	assert_int_equal(m->nev, 3);
	assert_string_equal(m->nodes[m->ev[0].node].name, "a.example");
	assert_int_equal(m->ev[0].conn, 3);
	assert_int_equal(m->ev[0].dir, TM_DIR_C2S);
	/* a \n separates folded lines: the CR stays on the first, shown as a space */
	assert_int_equal(tm_text_lines(&m->ev[0]), 2);
	assert_string_equal(tm_text(&m->ev[0]), "RCPT TO:<\xc3\xa9@b> ");
	assert_string_equal(tm_text_line(&m->ev[0], 1), "");
	assert_null(tm_text_line(&m->ev[0], 2));
	assert_string_equal(tm_get(&m->ev[0], "n"), "x, y");
	assert_null(tm_get(&m->ev[0], "line")); /* held, not a field */
	assert_true(m->ev[0].rcpt == m->ev[1].rcpt); /* interned */
	assert_string_equal(m->ev[1].rcpt, "\xc3\xa9@b");
	assert_string_equal(tm_get(&m->ev[1], "reason"), "try \"later\"");
	int64_t us;
	assert_true(tm_get_us(&m->ev[1], "next_attempt", &us));
	assert_int_equal(us, 302250000);
	assert_string_equal(tm_kind_name(&m->ev[2]), "made.up");
	assert_int_equal(m->ev[2].kind, TM_OTHER);
	assert_int_equal(tm_msg_find(m, "m2"), 1);
	assert_int_equal(tm_msg_find(m, "m3"), -1);
	char *s = tm_summary_dup(&m->ev[1]);
	assert_string_equal(s, tm_summary(&m->ev[1]));
	free(s);
	tm_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_nested_and_missing),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_model_errors),
		cmocka_unit_test(test_model_lazy_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
