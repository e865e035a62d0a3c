/* test_jsonpos.c — positions of cJSON nodes: keys and values at several
 * depths, arrays, escapes, BOM/CRLF/tabs, duplicate keys, text/tree
 * disagreement, and line:col of cJSON parse errors. Expected positions were
 * counted by hand from the texts below. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "scenario.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------- */

/* "hosts/1/deep/x": object members by exact key, array elements by index;
 * "" is the root. */
static const cJSON *at_path(const cJSON *root, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	const cJSON *node = root;
	for (char *part = strtok_r(copy, "/", &save); part && node;
	     part = strtok_r(NULL, "/", &save)) {
		if (cJSON_IsArray(node))
			node = cJSON_GetArrayItem(node, atoi(part));
		else
			node = cJSON_GetObjectItemCaseSensitive(node, part);
	}
	free(copy);
	return node;
}

struct pos_case {
	const char *path;
	int key_line, key_col; /* 0, 0: the node has no key */
	int val_line, val_col;
};

static void expect_node_pos(const struct jsonpos *p, const cJSON *node, const char *what,
                            const struct pos_case *c)
{
	int line = -1, col = -1;
	if (!node)
		fail_msg("%s: no such node", what);
	if (!jsonpos_value(p, node, &line, &col))
		fail_msg("%s: value position not found", what);
	if (line != c->val_line || col != c->val_col)
		fail_msg("%s value: got %d:%d, want %d:%d", what, line, col, c->val_line, c->val_col);
	bool has_key = jsonpos_key(p, node, &line, &col);
	if (c->key_line == 0 && has_key)
		fail_msg("%s key: got %d:%d, want none", what, line, col);
	if (c->key_line != 0 && !has_key)
		fail_msg("%s key: got none, want %d:%d", what, c->key_line, c->key_col);
	if (has_key && (line != c->key_line || col != c->key_col))
		fail_msg("%s key: got %d:%d, want %d:%d", what, line, col, c->key_line, c->key_col);
}

static void check_positions(const char *text, const struct pos_case *cases, size_t n)
{
	cJSON *root = cJSON_Parse(text);
	if (!root)
		fail_msg("cJSON_Parse failed on the test text");
	struct jsonpos *p = jsonpos_build(text, root);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		expect_node_pos(p, at_path(root, cases[i].path),
		                cases[i].path[0] ? cases[i].path : "(root)", &cases[i]);
	jsonpos_free(p);
	cJSON_Delete(root);
}

/* ---- positions ----------------------------------------------------------- */

static const char nested_text[] =
	"{\n"                                                                  /* 1 */
	"  \"name\": \"basic\",\n"                                             /* 2 */
	"  \"hosts\": [\n"                                                     /* 3 */
	"    {\"id\": \"mx1\", \"port\": 25},\n"                               /* 4 */
	"    {\"id\": \"mx2\", \"tags\": [\"a\", \"b\"], \"deep\": {\"x\": {\"y\": null}}}\n"
	"  ],\n"                                                               /* 6 */
	"  \"ok\": true, \"no\": false,\n"                                     /* 7 */
	"  \"n\": -12.5e3\n"                                                   /* 8 */
	"}\n";                                                                 /* 9 */

static void test_nested_positions(void **state)
{
	static const struct pos_case cases[] = {
		{ "", 0, 0, 1, 1 },
		{ "name", 2, 3, 2, 11 },
		{ "hosts", 3, 3, 3, 12 },
		{ "hosts/0", 0, 0, 4, 5 },
		{ "hosts/0/id", 4, 6, 4, 12 },
		{ "hosts/0/port", 4, 19, 4, 27 },
		{ "hosts/1", 0, 0, 5, 5 },
		{ "hosts/1/id", 5, 6, 5, 12 },
		{ "hosts/1/tags", 5, 19, 5, 27 },
		{ "hosts/1/tags/0", 0, 0, 5, 28 },
		{ "hosts/1/tags/1", 0, 0, 5, 33 },
		{ "hosts/1/deep", 5, 39, 5, 47 },
		{ "hosts/1/deep/x", 5, 48, 5, 53 },
		{ "hosts/1/deep/x/y", 5, 54, 5, 59 },
		{ "ok", 7, 3, 7, 9 },
		{ "no", 7, 15, 7, 21 },
		{ "n", 8, 3, 8, 8 },
	};
	check_positions(nested_text, cases, ARRAY_LEN(cases));
}

/* Escaped quotes and backslashes, braces inside strings, \u escapes with a
 * surrogate pair: none may throw the walk out of step. */
static void test_strings_with_escapes(void **state)
{
	static const char text[] =
		"{\"a\\\"b\": \"x\\\"}{[\", \"c\": \"\\\\\", \"d\": \"\\u00e9\\ud83d\\ude00\", \"e\": 1}";
	static const struct pos_case cases[] = {
		{ "a\"b", 1, 2, 1, 10 },
		{ "c", 1, 20, 1, 25 },
		{ "d", 1, 31, 1, 36 },
		{ "e", 1, 58, 1, 63 },
	};
	check_positions(text, cases, ARRAY_LEN(cases));

	/* cJSON cuts a key at a decoded NUL; the walk must agree with it. */
	static const struct pos_case cut[] = { { "a", 1, 2, 1, 14 } };
	check_positions("{\"a\\u0000b\": 1}", cut, ARRAY_LEN(cut));
}

/* A BOM is skipped and not counted; tabs count as one column; "\r\n"
 * ends lines; empty containers and nested arrays. */
static void test_bom_crlf_tabs(void **state)
{
	static const char text[] = "\xEF\xBB\xBF{\r\n\t\"k\": [1,\r\n\t\t2, [], {}, [[true]]]\r\n}";
	static const struct pos_case cases[] = {
		{ "", 0, 0, 1, 1 },
		{ "k", 2, 2, 2, 7 },
		{ "k/0", 0, 0, 2, 8 },
		{ "k/1", 0, 0, 3, 3 },
		{ "k/2", 0, 0, 3, 6 },
		{ "k/3", 0, 0, 3, 10 },
		{ "k/4", 0, 0, 3, 14 },
		{ "k/4/0", 0, 0, 3, 15 },
		{ "k/4/0/0", 0, 0, 3, 16 },
	};
	check_positions(text, cases, ARRAY_LEN(cases));
}

/* A scalar root, with leading whitespace. */
static void test_scalar_root(void **state)
{
	static const struct pos_case cases[] = { { "", 0, 0, 3, 4 } };
	check_positions("\n \n   \"just a string\"  ", cases, ARRAY_LEN(cases));
	check_positions("\n\n   -0.5", cases, ARRAY_LEN(cases));
}

/* ---- duplicate keys ------------------------------------------------------ */

static const char dup_text[] = "{\"a\": 1, \"b\": {\"x\": 1, \"x\": 2}, \"a\": 3}";

static void test_duplicate_keys_positions(void **state)
{
	cJSON *root = cJSON_Parse(dup_text);
	assert_non_null(root);
	struct jsonpos *p = jsonpos_build(dup_text, root);
	assert_non_null(p);
	const cJSON *a1 = root->child, *b = a1->next, *a2 = b->next;
	const cJSON *x1 = b->child, *x2 = x1->next;
	const struct {
		const char *what;
		const cJSON *node;
		struct pos_case want;
	} cases[] = {
		{ "a#1", a1, { "", 1, 2, 1, 7 } },   { "b", b, { "", 1, 10, 1, 15 } },
		{ "x#1", x1, { "", 1, 16, 1, 21 } }, { "x#2", x2, { "", 1, 24, 1, 29 } },
		{ "a#2", a2, { "", 1, 33, 1, 38 } },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_node_pos(p, cases[i].node, cases[i].what, &cases[i].want);
	jsonpos_free(p);
	cJSON_Delete(root);
}

static void test_find_duplicate_key(void **state)
{
	static const struct {
		const char *text;
		const char *want_key; /* NULL: no duplicate */
		int want_value;       /* valueint of the repeat */
		int want_first_value; /* valueint of the original */
	} cases[] = {
		/* the nested repeat comes first in the source */
		{ "{\"a\": 1, \"b\": {\"x\": 1, \"x\": 2}, \"a\": 3}", "x", 2, 1 },
		{ "{\"a\": 1, \"b\": {\"x\": 1}, \"a\": 3}", "a", 3, 1 },
		{ "{\"a\": 1, \"b\": 2, \"c\": 3, \"b\": 4, \"a\": 5}", "b", 4, 2 },
		{ "{\"a\": 1, \"b\": 2, \"a\": 3, \"b\": 4}", "a", 3, 1 },
		{ "[{\"k\": 1}, {\"k\": 2, \"j\": 0, \"k\": 3}]", "k", 3, 2 },
		{ "{\"a\": 1, \"A\": 2}", NULL, 0, 0 }, /* keys compare exactly */
		{ "{\"a\": {\"a\": {\"a\": 1}}}", NULL, 0, 0 },
		{ "[1, 2, 2]", NULL, 0, 0 },
		{ "7", NULL, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		cJSON *root = cJSON_Parse(cases[i].text);
		assert_non_null(root);
		const cJSON *first = NULL;
		const cJSON *dup = jsonpos_find_duplicate_key(root, &first);
		if (!cases[i].want_key) {
			if (dup)
				fail_msg("case %zu: got duplicate \"%s\", want none", i, dup->string);
		} else {
			if (!dup)
				fail_msg("case %zu: got none, want duplicate \"%s\"", i, cases[i].want_key);
			assert_string_equal(dup->string, cases[i].want_key);
			assert_int_equal(dup->valueint, cases[i].want_value);
			assert_non_null(first);
			assert_string_equal(first->string, cases[i].want_key);
			assert_int_equal(first->valueint, cases[i].want_first_value);
		}
		cJSON_Delete(root);
	}
}

/* A large object goes through the sort; the earliest repeat wins. */
static void test_find_duplicate_key_large(void **state)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_putc(&sb, '{');
	for (int i = 0; i < 2000; i++) {
		int key = i == 1500 ? 700 : i == 1200 ? 300 : i; /* repeats at 1200 and 1500 */
		sb_printf(&sb, "%s\"k%d\": %d", i ? ", " : "", key, i);
	}
	sb_putc(&sb, '}');
	cJSON *root = cJSON_Parse(sb.data);
	assert_non_null(root);
	const cJSON *first = NULL;
	const cJSON *dup = jsonpos_find_duplicate_key(root, &first);
	assert_non_null(dup);
	assert_string_equal(dup->string, "k300");
	assert_int_equal(dup->valueint, 1200);
	assert_int_equal(first->valueint, 300);
	cJSON_Delete(root);
	sb_free(&sb);
}

/* ---- text and tree disagree ---------------------------------------------- */

static void test_disagreement_gives_null(void **state)
{
	static const char parsed[] = "{\"a\": [1, \"s\", true], \"b\": {\"c\": null}}";
	static const char *const others[] = {
		"{\"a\": [1, \"s\", true], \"B\": {\"c\": null}}",     /* key differs */
		"{\"a\": [1, \"t\", true], \"b\": {\"c\": null}}",     /* string differs */
		"{\"a\": [1, \"s\", false], \"b\": {\"c\": null}}",    /* literal differs */
		"{\"a\": [1, \"s\"], \"b\": {\"c\": null}}",           /* fewer elements */
		"{\"a\": [1, \"s\", true, 4], \"b\": {\"c\": null}}",  /* more elements */
		"{\"a\": [1, \"s\", true], \"b\": {\"c\": null, \"d\": 1}}", /* more members */
		"{\"a\": [1, \"s\", true]}",                           /* fewer members */
		"{\"a\": [\"1\", \"s\", true], \"b\": {\"c\": null}}", /* number vs string */
		"[]",
		"",
	};
	cJSON *root = cJSON_Parse(parsed);
	assert_non_null(root);
	struct jsonpos *p = jsonpos_build(parsed, root);
	assert_non_null(p);
	jsonpos_free(p);
	for (size_t i = 0; i < ARRAY_LEN(others); i++) {
		p = jsonpos_build(others[i], root);
		if (p) {
			jsonpos_free(p);
			fail_msg("text %zu (%s): got a table, want NULL", i, others[i]);
		}
	}
	/* A tree edited after parsing no longer matches its text. */
	cJSON_AddNumberToObject(root, "late", 1);
	assert_null(jsonpos_build(parsed, root));
	assert_null(jsonpos_build(NULL, root));
	assert_null(jsonpos_build(parsed, NULL));
	cJSON_Delete(root);
}

static void test_unknown_nodes(void **state)
{
	static const char text[] = "[1, {\"k\": 2}]";
	cJSON *root = cJSON_Parse(text);
	struct jsonpos *p = jsonpos_build(text, root);
	assert_non_null(p);
	cJSON *stranger = cJSON_CreateNumber(3);
	int line = 0, col = 0;
	assert_false(jsonpos_value(p, stranger, &line, &col));
	assert_false(jsonpos_key(p, stranger, &line, &col));
	assert_false(jsonpos_key(p, root, &line, &col));        /* the root has no key */
	assert_false(jsonpos_key(p, root->child, &line, &col)); /* nor do elements */
	assert_true(jsonpos_key(p, root->child->next->child, &line, &col));
	assert_int_equal(line, 1);
	assert_int_equal(col, 6);
	assert_false(jsonpos_value(NULL, root, &line, &col));
	cJSON_Delete(stranger);
	jsonpos_free(p);
	cJSON_Delete(root);
}

/* ---- parse errors -------------------------------------------------------- */

static void test_offset_to_linecol(void **state)
{
	static const struct {
		const char *text;
		size_t offset;
		int line, col;
	} cases[] = {
		{ "abc", 0, 1, 1 },
		{ "abc", 2, 1, 3 },
		{ "abc", 3, 1, 4 },      /* the end */
		{ "abc", 99, 1, 4 },     /* past the end: the end */
		{ "a\nbc", 1, 1, 2 },    /* the newline itself ends line 1 */
		{ "a\nbc", 2, 2, 1 },
		{ "a\r\nbc\n\nd", 7, 4, 1 },
		{ "\xEF\xBB\xBFxy", 3, 1, 1 }, /* BOM not counted */
		{ "\xEF\xBB\xBFxy", 4, 1, 2 },
		{ "\xEF\xBB\xBFx\ny", 5, 2, 1 },
		{ "\xEF\xBB\xBFxy", 1, 1, 1 }, /* inside the BOM */
		{ "\xC3\xA9t\xC3\xA9", 3, 1, 4 }, /* bytes, not characters */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int line = 0, col = 0;
		jsonpos_offset_to_linecol(cases[i].text, strlen(cases[i].text), cases[i].offset, &line,
		                          &col);
		if (line != cases[i].line || col != cases[i].col)
			fail_msg("case %zu: got %d:%d, want %d:%d", i, line, col, cases[i].line,
			         cases[i].col);
	}
}

/* Texts shorter than a BOM, not NUL-terminated (as scn_parse gets a file's
 * bytes): only their own bytes are read (AddressSanitizer watches the
 * exact-size heap copies), and a malformed 1-byte scenario is reported at
 * its line and column (where cJSON gave up: the start). */
static void test_short_texts(void **state)
{
	static const struct {
		const char *text;
		size_t len, offset;
		int line, col;
	} cases[] = {
		{ "{", 1, 1, 1, 2 },
		{ "\n", 1, 1, 2, 1 },
		{ "\xEF\xBB", 2, 2, 1, 3 }, /* half a BOM is two bytes of text */
		{ "", 0, 0, 1, 1 },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *copy = malloc(cases[i].len ? cases[i].len : 1);
		assert_non_null(copy);
		memcpy(copy, cases[i].text, cases[i].len);
		int line = 0, col = 0;
		jsonpos_offset_to_linecol(copy, cases[i].len, cases[i].offset, &line, &col);
		free(copy);
		if (line != cases[i].line || col != cases[i].col)
			fail_msg("case %zu: got %d:%d, want %d:%d", i, line, col, cases[i].line,
			         cases[i].col);
	}
	char *one = malloc(1);
	assert_non_null(one);
	one[0] = '{';
	char buf[512] = "";
	FILE *err = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_non_null(err);
	assert_null(scn_parse(one, 1, "one.json", err));
	fclose(err);
	free(one);
	assert_non_null(strstr(buf, "one.json:1:1: error: malformed JSON"));
}

/* cJSON reports where it gave up; we turn that into line:col. */
static void test_parse_error_positions(void **state)
{
	static const struct {
		const char *what, *text;
		int line, col;
	} cases[] = {
		{ "missing comma", "{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3 },
		{ "missing colon", "{\n  \"a\" 1\n}", 2, 7 },
		{ "bad literal", "[\n  true,\n  nul\n]", 3, 3 },
		{ "trailing comma", "{\"a\": [1, 2,]}", 1, 13 },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *end = NULL;
		cJSON *root = cJSON_ParseWithOpts(cases[i].text, &end, 1);
		if (root) {
			cJSON_Delete(root);
			fail_msg("%s: parsed, want a parse error", cases[i].what);
		}
		assert_non_null(end);
		assert_ptr_equal(end, cJSON_GetErrorPtr());
		int line = 0, col = 0;
		jsonpos_offset_to_linecol(cases[i].text, strlen(cases[i].text),
		                          (size_t)(end - cases[i].text), &line, &col);
		if (line != cases[i].line || col != cases[i].col)
			fail_msg("%s: got %d:%d, want %d:%d", cases[i].what, line, col, cases[i].line,
			         cases[i].col);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_positions),
		cmocka_unit_test(test_strings_with_escapes),
		cmocka_unit_test(test_bom_crlf_tabs),
		cmocka_unit_test(test_scalar_root),
		cmocka_unit_test(test_duplicate_keys_positions),
		cmocka_unit_test(test_find_duplicate_key),
		cmocka_unit_test(test_find_duplicate_key_large),
		cmocka_unit_test(test_disagreement_gives_null),
		cmocka_unit_test(test_unknown_nodes),
		cmocka_unit_test(test_offset_to_linecol),
		cmocka_unit_test(test_parse_error_positions),
		cmocka_unit_test(test_short_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
