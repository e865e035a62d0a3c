/* bench_evq.c — hold-model benchmark of the event queue (a benchmark that
 * prints figures, not a test).
 *
 * The classic hold model: fill the queue with N pending events, then M
 * times pop the earliest and push one at (popped time + increment), the
 * increment uniform in [1, 2 * HOLD_MEAN_US] µs from the simulator's PCG32.
 * The same run is timed on evq and on a tuned hand-rolled 4-ary heap of
 * 16-byte {time, seq} entries (the baseline, see below: no payload, no ids,
 * no cancellation), and the figures are printed with the ratio
 * evq / baseline (issue 12 asks for >= 0.8).
 *
 * Both queues see the same random increments and order by (time, push
 * order), so they pop the same times; a checksum of popped times proves it
 * and keeps the compiler from discarding the work.
 *
 * Usage: bench_evq [M]   (M operations per N; default 10,000,000)
 * Benchmarks may read the clock; the simulator never does. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evq.h"
#include "rng.h"

#define HOLD_MEAN_US 1000
#define HOLD_SEED 20240514
#define DEFAULT_OPS 10000000ULL
#define REPEAT 3

/* ---- baseline: a tuned plain 4-ary heap --------------------------------
 * 16-byte {time, seq} entries, root at index 3 of a 64-byte-aligned block
 * (four siblings share a cache line), (time, seq) compared as one 128-bit
 * number, a branch-free minimum of four children, and the hole sifted
 * down to a leaf then the last entry sifted up (bottom-up). No payload, no
 * ids, no cancellation: the floor any event queue is measured against. */

struct base_entry {
	int64_t time;
	uint64_t seq;
};

struct base_heap {
	struct base_entry *block, *h;
	size_t n, cap;
	uint64_t seq;
};

static inline unsigned __int128 base_rank(struct base_entry a)
{
	return ((unsigned __int128)((uint64_t)a.time ^ (UINT64_C(1) << 63)) << 64) | a.seq;
}

static inline size_t base_less(struct base_entry a, struct base_entry b)
{
	return base_rank(a) < base_rank(b);
}

/* The hole at i goes up until x fits there. */
static inline void base_sift_up(struct base_entry *h, size_t i, struct base_entry x)
{
	unsigned __int128 rx = base_rank(x);
	while (i > 0) {
		size_t p = (i - 1) >> 2;
		if (rx >= base_rank(h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

static void base_push(struct base_heap *q, int64_t t)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 61;
		struct base_entry *block = aligned_alloc(64, ((cap + 3) * 16 + 63) / 64 * 64);
		if (!block) {
			perror("aligned_alloc");
			exit(1);
		}
		if (q->n)
			memcpy(block + 3, q->h, q->n * sizeof(*q->h));
		free(q->block);
		q->block = block;
		q->h = block + 3;
		q->cap = cap;
	}
	base_sift_up(q->h, q->n++, (struct base_entry){ t, q->seq++ });
}

static int64_t base_pop(struct base_heap *q)
{
	struct base_entry *h = q->h;
	int64_t top = h[0].time;
	size_t n = --q->n;
	if (n == 0)
		return top;
	struct base_entry x = h[n];
	size_t i = 0, c;
	while ((c = 4 * i + 1) + 3 < n) {
		size_t a = c + base_less(h[c + 1], h[c]);
		size_t b = c + 2 + base_less(h[c + 3], h[c + 2]);
		size_t m = base_less(h[b], h[a]) ? b : a;
		h[i] = h[m];
		i = m;
	}
	if (c < n) {
		size_t m = c;
		for (size_t j = c + 1; j < n; j++)
			if (base_less(h[j], h[m]))
				m = j;
		h[i] = h[m];
		i = m;
	}
	base_sift_up(h, i, x);
	return top;
}

/* ---- the runs ------------------------------------------------------------ */

struct result {
	double mev_per_s;
	uint64_t checksum;
};

/* CPU time of this process: on a machine shared with other jobs the wall
 * clock would time them too. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t hold_increment(struct rng *r)
{
	return rng_range(r, 1, 2 * HOLD_MEAN_US);
}

static struct result run_evq(size_t n, uint64_t ops)
{
	struct rng r;
	rng_seed(&r, HOLD_SEED, n);
	struct evq *q = evq_new();
	for (size_t i = 0; i < n; i++)
		evq_push(q, hold_increment(&r), NULL, NULL, i);
	uint64_t sum = 0;
	struct evq_event ev;
	double t0 = now_s();
	for (uint64_t k = 0; k < ops; k++) {
		evq_pop(q, &ev);
		sum += (uint64_t)ev.time;
		evq_push(q, ev.time + hold_increment(&r), NULL, NULL, ev.arg);
	}
	double dt = now_s() - t0;
	evq_free(q);
	return (struct result){ (double)ops / dt / 1e6, sum };
}

static struct result run_base(size_t n, uint64_t ops)
{
	struct rng r;
	rng_seed(&r, HOLD_SEED, n);
	struct base_heap q = { 0 };
	for (size_t i = 0; i < n; i++)
		base_push(&q, hold_increment(&r));
	uint64_t sum = 0;
	double t0 = now_s();
	for (uint64_t k = 0; k < ops; k++) {
		int64_t t = base_pop(&q);
		sum += (uint64_t)t;
		base_push(&q, t + hold_increment(&r));
	}
	double dt = now_s() - t0;
	free(q.block);
	return (struct result){ (double)ops / dt / 1e6, sum };
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 100000, 1000000 };
	uint64_t ops = DEFAULT_OPS;
	if (argc > 1) {
		char *end;
		ops = strtoull(argv[1], &end, 10);
		if (*end || ops == 0) {
			fprintf(stderr, "usage: %s [ops per size, default %llu]\n", argv[0],
			        DEFAULT_OPS);
			return 2;
		}
	}
	int status = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* Best of REPEAT alternating runs: the least disturbed of each. */
		struct result e = { 0, 0 }, b = { 0, 0 };
		for (int rep = 0; rep < REPEAT; rep++) {
			struct result re = run_evq(sizes[i], ops), rb = run_base(sizes[i], ops);
			if (re.mev_per_s > e.mev_per_s)
				e = re;
			if (rb.mev_per_s > b.mev_per_s)
				b = rb;
		}
		printf("hold N=%zu ops=%" PRIu64 " evq=%.1f Mev/s tuned-heap=%.1f Mev/s evq/tuned=%.2f"
		       " (best of %d, CPU time)\n",
		       sizes[i], ops, e.mev_per_s, b.mev_per_s, e.mev_per_s / b.mev_per_s, REPEAT);
		if (e.checksum != b.checksum) {
			fprintf(stderr, "bench_evq: N=%zu: evq and baseline popped different times\n",
			        sizes[i]);
			status = 1;
		}
		fflush(stdout);
	}
	return status;
}
