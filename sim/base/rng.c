/* rng.c — PCG32 (see rng.h): a 64-bit LCG whose old state is permuted by
 * XSH-RR (xorshift high bits, then a random rotation) into 32 output bits.
 *
 * Invariants: only integer arithmetic on fixed-width unsigned types, so the
 * stream depends on the seed alone; inc is always odd (a full-period LCG
 * needs an odd increment); bounded draws reject rather than reduce modulo,
 * so every value in range is exactly equally likely. */
#include "rng.h"

#include <assert.h>

#define PCG_MULT UINT64_C(6364136223846793005)

uint32_t rng_u32(struct rng *r)
{
	uint64_t old = r->state;
	r->state = old * PCG_MULT + r->inc;
	uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
	uint32_t rot = (uint32_t)(old >> 59);
	return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

/* The published PCG seeding: the stream selects the increment, and the
 * state is stepped around the seed so that nearby seeds diverge at once. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->state = 0;
	r->inc = (stream << 1) | 1;
	(void)rng_u32(r);
	r->state += seed;
	(void)rng_u32(r);
}

/* Lemire's multiply-shift: the high half of u32 * bound is uniform in
 * [0, bound) once the low half is rejected when it falls below
 * 2^32 mod bound (the few products that would over-weight some results).
 * The rejection test is first done against bound itself, which is never
 * smaller than the threshold, so the division is rarely needed. */
uint32_t rng_below(struct rng *r, uint32_t bound)
{
	assert(bound > 0);
	uint64_t m = (uint64_t)rng_u32(r) * bound;
	uint32_t low = (uint32_t)m;
	if (low < bound) {
		uint32_t threshold = (0u - bound) % bound;
		while (low < threshold) {
			m = (uint64_t)rng_u32(r) * bound;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	assert(hi >= lo);
	/* Unsigned subtraction: hi - lo may not fit int64 in general. */
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	assert(span <= UINT32_MAX);
	uint32_t off = span == UINT32_MAX ? rng_u32(r) : rng_below(r, (uint32_t)span + 1);
	return lo + (int64_t)off;
}
