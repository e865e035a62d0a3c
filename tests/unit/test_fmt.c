/* test_fmt.c — fmt_snprintf against the C library's snprintf: the same
 * text and the same return value for every format it formats by hand and
 * for those it hands on, at every buffer size (truncation), and the
 * recycling pool (pool.h) hands back zeroed blocks. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fmt.h"
#include "pool.h"

/* Format with both at each cap from 0 to past the whole text. */
#define SAME(...)                                                                    \
	do {                                                                         \
		char want[256], got[256];                                            \
		int nw = snprintf(want, sizeof want, __VA_ARGS__);                   \
		int ng = fmt_snprintf(got, sizeof got, __VA_ARGS__);                 \
		assert_int_equal(ng, nw);                                            \
		assert_string_equal(got, want);                                      \
		for (size_t cap = 0; cap <= (size_t)nw + 1; cap++) {                 \
			memset(want, 'x', sizeof want);                              \
			memset(got, 'x', sizeof got);                                \
			nw = snprintf(want, cap, __VA_ARGS__);                       \
			ng = fmt_snprintf(got, cap, __VA_ARGS__);                    \
			assert_int_equal(ng, nw);                                    \
			assert_memory_equal(got, want, cap + 1);                     \
		}                                                                    \
	} while (0)

static void test_hand_formats(void **state)
{
	(void)state;
	const char *null = NULL;
	SAME("plain text");
	SAME("%s", "");
	SAME("%s", "one");
	SAME("220 %s %s", "mx.example.net", "ESMTP ready");
	SAME("Ok: queued as %s", "0001A0002");
	SAME("<%s>: Recipient address rejected", "bob@example.net");
	SAME("100%% sure %s%%", "x");
	SAME("%c%c", 'a', '\xe9');
	SAME("%d %d %d %i", 0, -1, INT_MIN, INT_MAX);
	SAME("%u %u", 0u, UINT_MAX);
	SAME("%ld %lu", LONG_MIN, ULONG_MAX);
	SAME("%lld %llu", LLONG_MIN, ULLONG_MAX);
	SAME("%zu bytes", (size_t)SIZE_MAX);
	SAME("%s.dsn%d", "m1", 3);
	SAME("[%s]", null);
}

static void test_handed_on(void **state)
{
	(void)state;
	SAME("%03d", 7);
	SAME("%05X%04X", 0x1a2bu, 0xffu);
	SAME("%.3s|%-6s|%6s", "abcdef", "ab", "cd");
	SAME("%.*s", 2, "abcdef");
	SAME("%x %o %g", 255u, 8u, 1.5);
	SAME("%zd", (ptrdiff_t)-5);
	SAME("%s and then %5d", "hand", 42);
}

static void test_pool(void **state)
{
	(void)state;
	struct pool p = {0};
	unsigned char *a = pool_get(&p, 100);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(a[i], 0);
	memset(a, 0xAB, 100);
	pool_put(&p, a);
	unsigned char *b = pool_get(&p, 100);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(b[i], 0);
	pool_put(&p, b);
	pool_put(&p, NULL);
	/* Empty the pool so nothing is left for the leak checker to see. */
	while (p.head)
		free(pool_get(&p, 100));
}

/* pool_get_keep: the front is zeroed, the kept tail is as its last user
 * left it (zero in a new block); a block is recycled only while
 * pool_keeps says so (never under AddressSanitizer). */
static void test_pool_keep(void **state)
{
	(void)state;
	struct pool p = {0};
	unsigned char *a = pool_get_keep(&p, 100, 40);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(a[i], 0);
	memset(a, 0xAB, 100);
	bool keeps = pool_keeps(&p);
	pool_put(&p, a);
	assert_int_equal(p.n, keeps ? 1 : 0);
	unsigned char *b = pool_get_keep(&p, 100, 40);
	for (size_t i = 0; i < 60; i++)
		assert_int_equal(b[i], 0);
	for (size_t i = 60; i < 100; i++)
		assert_int_equal(b[i], keeps ? 0xAB : 0);
	pool_put(&p, b);
	while (p.head)
		free(pool_get(&p, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_formats),
		cmocka_unit_test(test_handed_on),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_pool_keep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
