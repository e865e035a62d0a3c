/* rng.h — the simulation's one PRNG: PCG32 (O'Neill, pcg-random.org,
 * XSH-RR output on a 64-bit LCG). Seeded from the scenario or --seed;
 * same seed, same stream, on every machine. */
#ifndef MAILSIM_RNG_H
#define MAILSIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state;
	uint64_t inc;
};

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint32_t rng_u32(struct rng *r);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint32_t rng_below(struct rng *r, uint32_t bound);
/* Uniform in [lo, hi] for int64 (hi >= lo, hi - lo < 2^32). */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);

#endif
