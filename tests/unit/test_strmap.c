/* test_strmap.c — the string hash map (sim/strmap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"
#include "util.h"

static void test_put_get_replace(void **state)
{
	struct strmap m;
	strmap_init(&m);
	size_t v = 99;
	assert_false(strmap_get(&m, "a", &v));
	strmap_put(&m, "a", 1);
	strmap_put(&m, "b", 2);
	assert_true(strmap_get(&m, "a", &v));
	assert_int_equal(v, 1);
	strmap_put(&m, "a", 3);
	assert_true(strmap_get(&m, "a", &v));
	assert_int_equal(v, 3);
	assert_int_equal(m.n, 2);
	assert_false(strmap_get(&m, "A", &v)); /* case matters */
	assert_false(strmap_get(&m, "", &v));
	strmap_free(&m);
}

/* Many keys: every one found with its own value across the growths. */
static void test_many_keys(void **state)
{
	enum { N = 20000 };
	char **keys = xcalloc(N, sizeof *keys);
	struct strmap m;
	strmap_init(&m);
	for (size_t i = 0; i < N; i++) {
		keys[i] = xasprintf("<%zu.m%zu@host.example>", i * 7919, i);
		strmap_put(&m, keys[i], i);
	}
	assert_int_equal(m.n, N);
	assert_true(m.n * 10 <= m.cap * 7);
	for (size_t i = 0; i < N; i++) {
		size_t v;
		assert_true(strmap_get(&m, keys[i], &v));
		assert_int_equal(v, i);
	}
	size_t v;
	assert_false(strmap_get(&m, "<missing@host.example>", &v));
	strmap_free(&m);
	for (size_t i = 0; i < N; i++)
		free(keys[i]);
	free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_replace),
		cmocka_unit_test(test_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
