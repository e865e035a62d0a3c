/* test_arena.c — the bump allocator: zeroed, aligned, non-overlapping
 * allocations across chunk boundaries, big allocations, strings, and one
 * free for everything (ASan reports any leak or overlap). */
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"

static void test_zeroed_and_aligned(void **state)
{
	struct arena *a = arena_new();
	for (size_t size = 0; size < 200; size++) {
		unsigned char *p = arena_alloc(a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xAB, size);
	}
	arena_free(a);
}

/* Fill allocations with distinct bytes, then check none was overwritten:
 * allocations do not overlap, also across chunks and around big ones. */
static void test_no_overlap_across_chunks(void **state)
{
	struct arena *a = arena_new();
	enum { N = 400 };
	unsigned char *p[N];
	size_t sizes[N];
	for (size_t i = 0; i < N; i++) {
		sizes[i] = i % 50 == 7 ? 40000 : (i * 37) % 300 + 1; /* some bigger than a chunk */
		p[i] = arena_alloc(a, sizes[i]);
		memset(p[i], (int)(i & 0xff), sizes[i]);
	}
	for (size_t i = 0; i < N; i++)
		for (size_t k = 0; k < sizes[i]; k++)
			if (p[i][k] != (unsigned char)(i & 0xff))
				fail_msg("allocation %zu byte %zu overwritten", i, k);
	assert_true(arena_used(a) >= 8 * 40000);
	arena_free(a);
}

static void test_zero_size_distinct(void **state)
{
	struct arena *a = arena_new();
	void *x = arena_alloc(a, 0), *y = arena_alloc(a, 0);
	assert_non_null(x);
	assert_ptr_not_equal(x, y);
	arena_free(a);
}

static void test_strings_and_arrays(void **state)
{
	struct arena *a = arena_new();
	char src[] = "mx1.example.net";
	char *s = arena_strdup(a, src);
	assert_ptr_not_equal(s, src);
	src[0] = 'X';
	assert_string_equal(s, "mx1.example.net");
	assert_null(arena_strdup_or_null(a, NULL));
	assert_string_equal(arena_strdup_or_null(a, ""), "");
	int64_t *v = arena_calloc(a, 1000, sizeof *v);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(v[i], 0);
	v[999] = 7;
	assert_int_equal(v[999], 7);
	arena_free(a);
	arena_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeroed_and_aligned),
		cmocka_unit_test(test_no_overlap_across_chunks),
		cmocka_unit_test(test_zero_size_distinct),
		cmocka_unit_test(test_strings_and_arrays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
