/* test_rng.c — PCG32: known answers, an independent reference, bounded
 * draws (range, rough uniformity, no bias), determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rng.h"
#include "util.h"

/* ---- an independent reference ---------------------------------------------
 * PCG32 written again from the algorithm's definition (O'Neill 2014, §6.3
 * XSH-RR; the published seeding), deliberately not sharing code or shape
 * with sim/base/rng.c: the output rotation is a loop of single-bit rotations. */
struct ref_pcg {
	uint64_t state, inc;
};

static uint32_t ref_next(struct ref_pcg *p)
{
	uint64_t s = p->state;
	p->state = s * UINT64_C(6364136223846793005) + p->inc;
	uint32_t v = (uint32_t)((s ^ (s >> 18)) >> 27);
	unsigned rot = (unsigned)(s >> 59);
	for (unsigned i = 0; i < rot; i++)
		v = (v >> 1) | ((v & 1u) << 31);
	return v;
}

static void ref_seed(struct ref_pcg *p, uint64_t seed, uint64_t stream)
{
	p->state = 0;
	p->inc = stream * 2 + 1;
	ref_next(p);
	p->state += seed;
	ref_next(p);
}

/* ---- known answers ------------------------------------------------------- */

/* Seed 42, stream 54 is the PCG authors' pcg32-demo; these are its
 * published first outputs. */
static const uint32_t demo_outputs[6] = { 0xa15c02b7, 0x7b47f409, 0xba1d3330,
	                                  0x83d2f293, 0xbfa4784b, 0xcbed606e };

static void expect_stream(uint64_t seed, uint64_t stream, const uint32_t *want, size_t n)
{
	struct rng r;
	rng_seed(&r, seed, stream);
	for (size_t i = 0; i < n; i++) {
		uint32_t got = rng_u32(&r);
		if (got != want[i])
			fail_msg("seed %llu stream %llu output %zu: got 0x%08x, want 0x%08x",
			         (unsigned long long)seed, (unsigned long long)stream, i, got, want[i]);
	}
}

static void test_known_outputs_demo_seed(void **state)
{
	expect_stream(42, 54, demo_outputs, ARRAY_LEN(demo_outputs));
}

/* Computed once with sim/base/rng.c; test_matches_reference confirms them
 * against ref_next. Pinned so any change to the stream (which would change
 * every golden trace) is caught here first. */
static void test_known_outputs_seed1(void **state)
{
	static const uint32_t want[6] = { 0xe2393051, 0x01112f35, 0xd3509d35,
		                          0x0b932f4a, 0x8aa46776, 0x8c532036 };
	expect_stream(1, 0, want, ARRAY_LEN(want));
}

/* Bounded draws consume the stream in a pinned way too. For the demo seed:
 * floor(u * bound / 2^32) of the outputs above. For bound 3 * 2^30 the
 * third output (0xba1d3330) lands in the rejected zone (low half of the
 * product < 2^32 mod bound = 2^30) and is skipped. */
static void test_known_bounded_draws(void **state)
{
	static const uint32_t want10[6] = { 6, 4, 7, 5, 7, 7 };
	static const uint32_t want3g[4] = { 2030371337u, 1551234822u, 1658729966u, 2411420216u };
	static const int64_t want_range[6] = { 261, -37, 454, 30, 497, 593 };
	struct rng r;
	rng_seed(&r, 42, 54);
	for (size_t i = 0; i < ARRAY_LEN(want10); i++)
		assert_int_equal(rng_below(&r, 10), want10[i]);
	rng_seed(&r, 42, 54);
	for (size_t i = 0; i < ARRAY_LEN(want3g); i++)
		assert_int_equal(rng_below(&r, 3u << 30), want3g[i]);
	rng_seed(&r, 42, 54);
	for (size_t i = 0; i < ARRAY_LEN(want_range); i++)
		assert_int_equal(rng_range(&r, -1000, 1000), want_range[i]);
}

static void test_reference_matches_demo(void **state)
{
	struct ref_pcg p;
	ref_seed(&p, 42, 54);
	for (size_t i = 0; i < ARRAY_LEN(demo_outputs); i++)
		assert_int_equal(ref_next(&p), demo_outputs[i]);
}

/* Many seeds and streams, 1000 outputs each, against the reference. */
static void test_matches_reference(void **state)
{
	static const uint64_t seeds[] = { 0, 1, 42, 0xdeadbeefcafef00dULL, UINT64_MAX };
	static const uint64_t streams[] = { 0, 1, 54, UINT64_MAX };
	for (size_t a = 0; a < ARRAY_LEN(seeds); a++)
		for (size_t b = 0; b < ARRAY_LEN(streams); b++) {
			struct rng r;
			struct ref_pcg p;
			rng_seed(&r, seeds[a], streams[b]);
			ref_seed(&p, seeds[a], streams[b]);
			for (int i = 0; i < 1000; i++) {
				uint32_t got = rng_u32(&r), want = ref_next(&p);
				if (got != want)
					fail_msg("seed %zu stream %zu output %d: got 0x%08x, want 0x%08x",
					         a, b, i, got, want);
			}
		}
}

static void test_two_instances_same_stream(void **state)
{
	struct rng a, b, c;
	rng_seed(&a, 2024, 3);
	rng_seed(&b, 2024, 3);
	rng_seed(&c, 2024, 4);
	int differ_c = 0;
	for (int i = 0; i < 10000; i++) {
		uint32_t x = rng_u32(&a), y = rng_u32(&b), z = rng_u32(&c);
		assert_int_equal(x, y);
		differ_c += x != z;
	}
	assert_true(differ_c > 9900); /* another stream is another sequence */
}

/* ---- bounded draws ------------------------------------------------------- */

static void test_below_bounds(void **state)
{
	static const uint32_t bounds[] = { 1, 2, 3, 7, 10, 1000, 0x80000000u, 0x80000001u,
		                           UINT32_MAX };
	struct rng r;
	rng_seed(&r, 5, 5);
	for (size_t b = 0; b < ARRAY_LEN(bounds); b++)
		for (int i = 0; i < 20000; i++) {
			uint32_t v = rng_below(&r, bounds[b]);
			if (v >= bounds[b])
				fail_msg("rng_below(%u): got %u, want < %u", bounds[b], v, bounds[b]);
		}
	for (int i = 0; i < 100; i++)
		assert_int_equal(rng_below(&r, 1), 0);
}

/* Chi-square over 10 cells, 100k draws: 9 degrees of freedom; 27.88 is the
 * 0.001 critical value. The seed is fixed, so this is deterministic. */
static void test_below_rough_uniformity(void **state)
{
	enum { CELLS = 10, DRAWS = 100000 };
	unsigned count[CELLS] = { 0 };
	struct rng r;
	rng_seed(&r, 77, 0);
	for (int i = 0; i < DRAWS; i++)
		count[rng_below(&r, CELLS)]++;
	double expect = (double)DRAWS / CELLS, chi2 = 0;
	for (int c = 0; c < CELLS; c++)
		chi2 += (count[c] - expect) * (count[c] - expect) / expect;
	if (chi2 > 27.88)
		fail_msg("chi-square: got %.2f, want <= 27.88", chi2);
}

/* A bound of 3 * 2^30 is where modulo reduction would be badly biased:
 * u32 % bound would put half the mass on the lowest third. With rejection
 * each third of the range gets a third of the draws. */
static void test_below_no_modulo_bias(void **state)
{
	const uint32_t bound = 3u << 30;
	unsigned third[3] = { 0 };
	struct rng r;
	rng_seed(&r, 11, 2);
	for (int i = 0; i < 60000; i++)
		third[rng_below(&r, bound) / (1u << 30)]++;
	for (int k = 0; k < 3; k++)
		if (third[k] < 19000 || third[k] > 21000)
			fail_msg("third %d: got %u draws, want about 20000", k, third[k]);
}

static void test_range(void **state)
{
	static const struct {
		int64_t lo, hi;
	} cases[] = {
		{ 5, 5 }, { -3, 3 }, { 1, 2000 }, { INT64_MIN, INT64_MIN + 10 },
		{ INT64_MAX - 10, INT64_MAX }, { 0, UINT32_MAX }, { -1, (int64_t)UINT32_MAX - 1 },
	};
	struct rng r;
	rng_seed(&r, 3, 3);
	for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
		int seen_lo = 0, seen_hi = 0;
		for (int i = 0; i < 20000; i++) {
			int64_t v = rng_range(&r, cases[c].lo, cases[c].hi);
			if (v < cases[c].lo || v > cases[c].hi)
				fail_msg("rng_range(%lld, %lld): got %lld", (long long)cases[c].lo,
				         (long long)cases[c].hi, (long long)v);
			seen_lo |= v == cases[c].lo;
			seen_hi |= v == cases[c].hi;
		}
		/* Small spans must reach both ends (inclusive range). */
		if (cases[c].hi - cases[c].lo <= 10)
			assert_true(seen_lo && seen_hi);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_outputs_demo_seed),
		cmocka_unit_test(test_known_outputs_seed1),
		cmocka_unit_test(test_known_bounded_draws),
		cmocka_unit_test(test_reference_matches_demo),
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_two_instances_same_stream),
		cmocka_unit_test(test_below_bounds),
		cmocka_unit_test(test_below_rough_uniformity),
		cmocka_unit_test(test_below_no_modulo_bias),
		cmocka_unit_test(test_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
