/* test_trace_vocab.c — the trace vocabulary (sim/trace_kinds.h) is the
 * only place the kinds are spelled: ARCHITECTURE.md's table is generated
 * from it (this test compares, and rewrites the table when
 * MAILSIM_UPDATE_DOCS=1), and no other source file names a kind in a
 * string literal. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trace_kinds.h"
#include "util.h"

#define BEGIN_MARK "<!-- trace-kinds:begin (generated from sim/trace_kinds.h) -->\n"
#define END_MARK "<!-- trace-kinds:end -->\n"

static char *src_path(const char *rel)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");
	return xasprintf("%s/%s", src ? src : "..", rel);
}

/* "a b? c" → "a, b?, c" */
static void put_fields(struct strbuf *sb, const char *f)
{
	bool first = true;
	for (const char *p = f; *p;) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (!w)
			break;
		sb_printf(sb, "%s%.*s", first ? "" : ", ", (int)w, p);
		first = false;
		p += w;
	}
}

static void expected_table(struct strbuf *sb)
{
	sb_puts(sb, BEGIN_MARK);
	sb_puts(sb, "| kind | fields (`?` optional) | meaning |\n|---|---|---|\n");
	for (int k = 0; k < TK_COUNT; k++) {
		sb_printf(sb, "| `%s` | ", trace_kind_name((enum trace_kind)k));
		put_fields(sb, trace_kind_fields((enum trace_kind)k));
		sb_printf(sb, " | %s |\n", trace_kind_meaning((enum trace_kind)k));
	}
	sb_puts(sb, END_MARK);
}

static void test_architecture_table_is_generated(void **state)
{
	char *path = src_path("ARCHITECTURE.md");
	struct strbuf doc, want;
	sb_init(&doc);
	sb_init(&want);
	assert_true(read_file(path, &doc));
	expected_table(&want);
	char *b = strstr(doc.data, BEGIN_MARK), *e = b ? strstr(b, END_MARK) : NULL;
	if (!b || !e)
		fail_msg("%s: no generated trace table between the markers", path);
	size_t have = (size_t)(e + strlen(END_MARK) - b);
	if (have == want.len && memcmp(b, want.data, want.len) == 0)
		goto out;
	if (getenv("MAILSIM_UPDATE_DOCS")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fwrite(doc.data, 1, (size_t)(b - doc.data), f);
		fwrite(want.data, 1, want.len, f);
		fputs(e + strlen(END_MARK), f);
		assert_int_equal(fclose(f), 0);
		goto out;
	}
	fail_msg("%s: the trace table differs from sim/trace_kinds.h; run this test with "
		 "MAILSIM_UPDATE_DOCS=1 to regenerate it. Expected:\n%s",
		 path, want.data);
out:
	sb_free(&doc);
	sb_free(&want);
	free(path);
}

/* Does text hold "name" (with the quotes) for some kind? */
static const char *names_a_kind(const char *text)
{
	for (int k = 0; k < TK_COUNT; k++) {
		char *q = xasprintf("\"%s\"", trace_kind_name((enum trace_kind)k));
		bool hit = strstr(text, q) != NULL;
		free(q);
		if (hit)
			return trace_kind_name((enum trace_kind)k);
	}
	return NULL;
}

static void scan_dir(const char *rel, int *bad)
{
	char *dir = src_path(rel);
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		if (n < 3 || (strcmp(de->d_name + n - 2, ".c") && strcmp(de->d_name + n - 2, ".h")))
			continue;
		if (strcmp(de->d_name, "trace_kinds.h") == 0)
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		struct strbuf sb;
		sb_init(&sb);
		if (read_file(p, &sb)) {
			const char *k = names_a_kind(sb.data ? sb.data : "");
			if (k) {
				fprintf(stderr, "%s/%s spells the kind \"%s\": use TK_* from trace_kinds.h\n",
					rel, de->d_name, k);
				(*bad)++;
			}
		}
		sb_free(&sb);
		free(p);
	}
	closedir(d);
	free(dir);
}

static void test_kinds_spelled_once(void **state)
{
	int bad = 0;
	scan_dir("sim", &bad);
	scan_dir("sim/base", &bad);
	scan_dir("sim/proto", &bad);
	scan_dir("app", &bad);
	scan_dir("render/view", &bad);
	scan_dir("render/sdl", &bad);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_architecture_table_is_generated),
		cmocka_unit_test(test_kinds_spelled_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
