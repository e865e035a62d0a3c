/* test_evq.c — the event queue: order, FIFO ties, cancellation, slot reuse,
 * counts, and a 100k-operation run against a simple reference model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evq.h"
#include "rng.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------- */

static int fn_marker_ctx; /* any address works as a distinguishable ctx */

static void fn_marker(void *owner, void *ctx, uint64_t arg)
{
	(void)owner;
	(void)ctx;
	(void)arg;
}

static void expect_pop(struct evq *q, int64_t want_time, uint64_t want_arg)
{
	struct evq_event ev;
	if (!evq_pop(q, &ev))
		fail_msg("pop: got empty queue, want time=%lld arg=%llu", (long long)want_time,
		         (unsigned long long)want_arg);
	if (ev.time != want_time || ev.arg != want_arg)
		fail_msg("pop: got time=%lld arg=%llu, want time=%lld arg=%llu", (long long)ev.time,
		         (unsigned long long)ev.arg, (long long)want_time,
		         (unsigned long long)want_arg);
}

static void expect_len(const struct evq *q, size_t want)
{
	if (evq_len(q) != want)
		fail_msg("evq_len: got %zu, want %zu", evq_len(q), want);
}

/* ---- ordering ------------------------------------------------------------ */

struct ref_ev {
	int64_t time;
	uint64_t seq; /* push order */
};

static int ref_cmp(const void *a, const void *b)
{
	const struct ref_ev *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Random times from a narrow range (many ties) and a wide one, negative
 * times included: pops must equal the (time, push order) sort. */
static void test_random_pushes_pop_sorted(void **state)
{
	static const struct {
		int64_t lo, hi;
	} ranges[] = { { 0, 50 }, { -1000000, 1000000 }, { INT64_MAX - 1000, INT64_MAX } };
	enum { COUNT = 20000 };
	for (size_t r = 0; r < ARRAY_LEN(ranges); r++) {
		struct rng g;
		rng_seed(&g, 1234 + r, 7);
		struct evq *q = evq_new();
		struct ref_ev *ref = xmalloc(COUNT * sizeof(*ref));
		for (uint64_t i = 0; i < COUNT; i++) {
			int64_t t = rng_range(&g, ranges[r].lo, ranges[r].hi);
			ref[i] = (struct ref_ev){ t, i };
			evq_push(q, t, fn_marker, &fn_marker_ctx, i);
		}
		expect_len(q, COUNT);
		qsort(ref, COUNT, sizeof(*ref), ref_cmp);
		for (size_t i = 0; i < COUNT; i++)
			expect_pop(q, ref[i].time, ref[i].seq);
		struct evq_event ev;
		assert_false(evq_pop(q, &ev));
		expect_len(q, 0);
		free(ref);
		evq_free(q);
	}
}

static void test_fifo_on_equal_times(void **state)
{
	struct evq *q = evq_new();
	for (uint64_t i = 0; i < 1000; i++)
		evq_push(q, 42, fn_marker, NULL, i);
	for (uint64_t i = 0; i < 1000; i++)
		expect_pop(q, 42, i);
	evq_free(q);
}

/* The popped event carries exactly what was pushed, and its id. */
static void test_pop_returns_payload(void **state)
{
	struct evq *q = evq_new();
	evq_id id = evq_push(q, 7, fn_marker, &fn_marker_ctx, 99);
	assert_true(id != 0);
	struct evq_event ev;
	assert_true(evq_pop(q, &ev));
	assert_int_equal(ev.time, 7);
	assert_true(ev.id == id);
	assert_ptr_equal(ev.fn, fn_marker);
	assert_ptr_equal(ev.ctx, &fn_marker_ctx);
	assert_int_equal(ev.arg, 99);
	evq_free(q);
}

/* ---- cancellation -------------------------------------------------------- */

static void test_cancel_middle_and_top(void **state)
{
	struct evq *q = evq_new();
	evq_id id[5];
	for (int i = 0; i < 5; i++)
		id[i] = evq_push(q, 10 * (i + 1), fn_marker, NULL, (uint64_t)i);
	expect_len(q, 5);

	assert_true(evq_cancel(q, id[2])); /* middle: t=30 */
	expect_len(q, 4);
	assert_false(evq_pending(q, id[2]));
	assert_true(evq_pending(q, id[3]));
	assert_false(evq_cancel(q, id[2])); /* twice */

	assert_true(evq_cancel(q, id[0])); /* top: t=10 */
	expect_len(q, 3);
	int64_t t;
	assert_true(evq_peek_time(q, &t));
	assert_int_equal(t, 20); /* the dead top is skipped */

	expect_pop(q, 20, 1);
	assert_false(evq_pending(q, id[1])); /* fired */
	assert_false(evq_cancel(q, id[1]));  /* cancel a fired id */
	expect_pop(q, 40, 3);                /* 30 was cancelled */
	expect_pop(q, 50, 4);
	struct evq_event ev;
	assert_false(evq_pop(q, &ev));
	assert_false(evq_peek_time(q, &t));
	expect_len(q, 0);
	evq_free(q);
}

/* Most events cancelled (live mode's idle timers): the queue compacts and
 * what is left still pops in (time, push order). */
static void test_many_cancels_compact(void **state)
{
	struct evq *q = evq_new();
	enum { N = 20000 };
	static evq_id id[N];
	for (size_t i = 0; i < N; i++)
		id[i] = evq_push(q, (int64_t)((i * 7919) % 1000), fn_marker, NULL, i);
	for (size_t i = 0; i < N; i++)
		if (i % 10 != 0)
			assert_true(evq_cancel(q, id[i]));
	expect_len(q, N / 10);
	for (size_t i = 0; i < N; i += 10)
		assert_false(evq_cancel(q, id[i + 1])); /* cancelled ids stay dead */
	int64_t prev_t = -1;
	uint64_t prev_arg = 0;
	size_t n = 0;
	struct evq_event ev;
	while (evq_pop(q, &ev)) {
		assert_true(ev.arg % 10 == 0);
		assert_true(ev.time > prev_t || (ev.time == prev_t && ev.arg > prev_arg));
		prev_t = ev.time;
		prev_arg = ev.arg;
		n++;
	}
	assert_int_equal(n, N / 10);
	evq_free(q);
}

static void test_cancel_bogus_ids(void **state)
{
	struct evq *q = evq_new();
	evq_id id = evq_push(q, 1, fn_marker, NULL, 0);
	assert_false(evq_cancel(q, 0));
	assert_false(evq_pending(q, 0));
	assert_false(evq_cancel(q, id + 1));                   /* next slot: never used */
	assert_false(evq_cancel(q, id ^ (UINT64_C(1) << 40))); /* same slot, other sequence */
	assert_false(evq_pending(q, (UINT64_C(5) << EVQ_SLOT_BITS) | 12345)); /* beyond slots */
	assert_true(evq_pending(q, id));
	evq_free(q);
}

/* A slot freed by a fired or cancelled event is reused, but the new event's
 * id differs, so the old id stays dead and cannot cancel the new event. */
static void test_slot_reuse_keeps_old_ids_dead(void **state)
{
	struct evq *q = evq_new();
	evq_id a = evq_push(q, 5, fn_marker, NULL, 1);
	assert_true(evq_cancel(q, a));
	int64_t t;
	assert_false(evq_peek_time(q, &t)); /* discards the dead entry, frees the slot */
	evq_id b = evq_push(q, 6, fn_marker, NULL, 2);
	assert_true((a & ((UINT64_C(1) << EVQ_SLOT_BITS) - 1)) ==
	            (b & ((UINT64_C(1) << EVQ_SLOT_BITS) - 1))); /* same slot reused */
	assert_true(a != b);
	assert_false(evq_pending(q, a));
	assert_false(evq_cancel(q, a));
	assert_true(evq_pending(q, b));
	expect_pop(q, 6, 2);

	evq_id c = evq_push(q, 7, fn_marker, NULL, 3);
	assert_false(evq_pending(q, b)); /* b fired; c took its slot */
	assert_false(evq_cancel(q, b));
	expect_len(q, 1);
	expect_pop(q, 7, 3);
	assert_false(evq_pending(q, c));
	evq_free(q);
}

static void test_len_and_pushed_total(void **state)
{
	struct evq *q = evq_new();
	expect_len(q, 0);
	assert_int_equal(evq_pushed_total(q), 0);
	evq_id ids[10];
	for (int i = 0; i < 10; i++)
		ids[i] = evq_push(q, 100 - i, fn_marker, NULL, (uint64_t)i);
	expect_len(q, 10);
	for (int i = 0; i < 10; i += 2)
		assert_true(evq_cancel(q, ids[i]));
	expect_len(q, 5);
	struct evq_event ev;
	assert_true(evq_pop(q, &ev));
	assert_int_equal(ev.time, 91); /* i=9 */
	expect_len(q, 4);
	assert_int_equal(evq_pushed_total(q), 10);
	evq_free(q);
}

static void test_peek_time_skips_dead(void **state)
{
	struct evq *q = evq_new();
	evq_id ids[4];
	for (int i = 0; i < 4; i++)
		ids[i] = evq_push(q, i, fn_marker, NULL, (uint64_t)i);
	int64_t t = -1;
	assert_true(evq_peek_time(q, &t));
	assert_int_equal(t, 0);
	assert_true(evq_cancel(q, ids[0]));
	assert_true(evq_cancel(q, ids[1]));
	assert_true(evq_cancel(q, ids[2]));
	assert_true(evq_peek_time(q, &t));
	assert_int_equal(t, 3);
	expect_len(q, 1);
	assert_true(evq_pending(q, ids[3]));
	assert_true(evq_cancel(q, ids[3]));
	assert_false(evq_peek_time(q, &t));
	evq_free(q);
}

/* ---- reference model ----------------------------------------------------- */

/* The model: a sorted array of live events, insertion by binary search.
 * Entirely different from a heap, and obviously right. */
struct model {
	struct ref_ev *ev;
	evq_id *ids;
	size_t n, cap;
};

static size_t model_find(const struct model *m, struct ref_ev e)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ref_cmp(&m->ev[mid], &e) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void model_insert(struct model *m, struct ref_ev e, evq_id id)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->ev = xrealloc(m->ev, m->cap * sizeof(*m->ev));
		m->ids = xrealloc(m->ids, m->cap * sizeof(*m->ids));
	}
	size_t at = model_find(m, e);
	memmove(&m->ev[at + 1], &m->ev[at], (m->n - at) * sizeof(*m->ev));
	memmove(&m->ids[at + 1], &m->ids[at], (m->n - at) * sizeof(*m->ids));
	m->ev[at] = e;
	m->ids[at] = id;
	m->n++;
}

static void model_remove(struct model *m, size_t at)
{
	memmove(&m->ev[at], &m->ev[at + 1], (m->n - at - 1) * sizeof(*m->ev));
	memmove(&m->ids[at], &m->ids[at + 1], (m->n - at - 1) * sizeof(*m->ids));
	m->n--;
}

/* One random operation on both; returns via cmocka failure on mismatch. */
static void model_step(struct evq *q, struct model *m, struct rng *g, uint64_t *seq,
                       int64_t *now)
{
	uint32_t dice = rng_below(g, 100);
	if (dice < 50 || m->n == 0) { /* push, at or after the last pop time */
		struct ref_ev e = { *now + rng_range(g, 0, 300), (*seq)++ };
		evq_id id = evq_push(q, e.time, fn_marker, NULL, e.seq);
		model_insert(m, e, id);
	} else if (dice < 85) { /* pop */
		expect_pop(q, m->ev[0].time, m->ev[0].seq);
		*now = m->ev[0].time;
		model_remove(m, 0);
	} else if (dice < 95) { /* cancel a random live event */
		size_t at = rng_below(g, (uint32_t)m->n);
		assert_true(evq_cancel(q, m->ids[at]));
		assert_false(evq_cancel(q, m->ids[at]));
		model_remove(m, at);
	} else { /* peek */
		int64_t t;
		assert_true(evq_peek_time(q, &t));
		if (t != m->ev[0].time)
			fail_msg("peek: got %lld, want %lld", (long long)t, (long long)m->ev[0].time);
	}
	if (evq_len(q) != m->n)
		fail_msg("evq_len: got %zu, want %zu", evq_len(q), m->n);
}

static void test_interleaved_against_model(void **state)
{
	struct evq *q = evq_new();
	struct model m = { 0 };
	struct rng g;
	rng_seed(&g, 99, 1);
	uint64_t seq = 0;
	int64_t now = 0;
	for (int i = 0; i < 100000; i++)
		model_step(q, &m, &g, &seq, &now);
	while (m.n) { /* drain */
		expect_pop(q, m.ev[0].time, m.ev[0].seq);
		model_remove(&m, 0);
	}
	struct evq_event ev;
	assert_false(evq_pop(q, &ev));
	assert_int_equal(evq_pushed_total(q), seq);
	free(m.ev);
	free(m.ids);
	evq_free(q);
}

/* Growing past the initial capacities keeps everything (heap and slots are
 * reallocated several times). */
static void test_growth_keeps_order(void **state)
{
	struct evq *q = evq_new();
	enum { COUNT = 70000 };
	for (uint64_t i = 0; i < COUNT; i++)
		evq_push(q, (int64_t)(COUNT - 1 - i), fn_marker, NULL, i);
	for (uint64_t i = 0; i < COUNT; i++)
		expect_pop(q, (int64_t)i, COUNT - 1 - i);
	evq_free(q);
}

/* The simulator's timer pattern: every live event gets a timer that is
 * almost always cancelled. The heap must stay O(live) (compaction), and
 * what is left must still pop in (time, push order). */
static void test_cancelled_timers_are_compacted(void **state)
{
	enum { LIVE = 1000, ROUNDS = 200 };
	struct evq *q = evq_new();
	evq_id *timer = xcalloc(LIVE, sizeof *timer);
	size_t max_heap = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (uint64_t i = 0; i < LIVE; i++) {
			if (timer[i])
				assert_true(evq_cancel(q, timer[i]));
			timer[i] = evq_push(q, 1000000 + r * 7 + (int64_t)(i % 13), fn_marker, NULL,
					    (uint64_t)r * LIVE + i);
			if (evq_heap_len(q) > max_heap)
				max_heap = evq_heap_len(q);
		}
	expect_len(q, LIVE);
	if (max_heap > 2 * LIVE + 65)
		fail_msg("heap grew to %zu entries for %d live ones", max_heap, LIVE);
	/* The survivors are the last round's, in (time, push order). */
	struct ref_ev *ref = xmalloc(LIVE * sizeof(*ref));
	for (uint64_t i = 0; i < LIVE; i++)
		ref[i] = (struct ref_ev){ 1000000 + (ROUNDS - 1) * 7 + (int64_t)(i % 13), i };
	qsort(ref, LIVE, sizeof(*ref), ref_cmp);
	for (size_t i = 0; i < LIVE; i++)
		expect_pop(q, ref[i].time, (uint64_t)(ROUNDS - 1) * LIVE + ref[i].seq);
	for (size_t i = 0; i < LIVE; i++)
		assert_false(evq_pending(q, timer[i]));
	free(ref);
	free(timer);
	evq_free(q);
}

/* Events pushed "later" (out of time order, as a scenario lists its
 * messages) interleave with heap events exactly by (time, push order). */
static void test_push_later_keeps_the_order(void **state)
{
	enum { COUNT = 5000 };
	struct rng g;
	rng_seed(&g, 99, 3);
	struct evq *q = evq_new();
	struct ref_ev *ref = xmalloc(COUNT * sizeof(*ref));
	for (uint64_t i = 0; i < COUNT; i++) {
		int64_t t = rng_range(&g, 0, 300); /* many ties */
		ref[i] = (struct ref_ev){ t, i };
		if (rng_range(&g, 0, 1))
			evq_push_later(q, t, fn_marker, NULL, i);
		else
			evq_push(q, t, fn_marker, NULL, i);
	}
	expect_len(q, COUNT);
	qsort(ref, COUNT, sizeof(*ref), ref_cmp);
	for (size_t i = 0; i < COUNT; i++) {
		int64_t t;
		assert_true(evq_peek_time(q, &t));
		assert_int_equal(t, ref[i].time);
		expect_pop(q, ref[i].time, ref[i].seq);
	}
	struct evq_event ev;
	assert_false(evq_pop(q, &ev));
	expect_len(q, 0);
	free(ref);
	evq_free(q);
}

/* ---- lazily moved deadlines (evq_reserve_seq / evq_push_seq) ----------------- */

enum { LZ_TIMERS = 4, LZ_TIMEOUT = 25, LZ_EVENTS = 20000 };
#define LZ_TIMER (UINT64_C(1) << 63)

struct lz_world {
	struct evq *q;
	bool lazy;
	struct rng g;
	int64_t now;
	uint64_t next_work;
	evq_id timer[LZ_TIMERS];
	int64_t armed_at[LZ_TIMERS], deadline[LZ_TIMERS];
	uint64_t dseq[LZ_TIMERS];
	uint64_t *log; /* time, arg pairs of the events of the model */
	size_t nlog;
};

static void lz_push_timer(struct lz_world *w, int i)
{
	w->armed_at[i] = w->deadline[i];
	w->timer[i] = evq_push_seq(w->q, w->deadline[i], w->dseq[i], fn_marker, NULL,
				   LZ_TIMER | (w->dseq[i] << 8) | (uint64_t)i);
}

static void lz_touch(struct lz_world *w, int i)
{
	if (!w->lazy) {
		evq_cancel(w->q, w->timer[i]);
		w->timer[i] = evq_push(w->q, w->now + LZ_TIMEOUT, fn_marker, NULL, LZ_TIMER | (uint64_t)i);
		return;
	}
	w->deadline[i] = w->now + LZ_TIMEOUT;
	w->dseq[i] = evq_reserve_seq(w->q);
	if (w->timer[i] && w->armed_at[i] <= w->deadline[i])
		return;
	evq_cancel(w->q, w->timer[i]);
	lz_push_timer(w, i);
}

static void lz_work(struct lz_world *w, int64_t delay)
{
	evq_push(w->q, w->now + delay, fn_marker, NULL, w->next_work++);
}

/* Runs the same random workload of work items and idle timers re-armed by
 * every item, eagerly (cancel and push) or lazily; returns the log. */
static void lz_run(struct lz_world *w, bool lazy)
{
	memset(w, 0, sizeof *w);
	w->q = evq_new();
	w->lazy = lazy;
	rng_seed(&w->g, 2024, 7);
	w->log = xmalloc(2 * LZ_EVENTS * sizeof *w->log);
	for (int i = 0; i < 8; i++)
		lz_work(w, rng_range(&w->g, 0, 20));
	struct evq_event ev;
	while (w->nlog < LZ_EVENTS && evq_pop(w->q, &ev)) {
		w->now = ev.time;
		if (ev.arg & LZ_TIMER) {
			int i = (int)(ev.arg & 0xff);
			w->timer[i] = 0;
			if (lazy && ((ev.arg & ~LZ_TIMER) >> 8) != w->dseq[i]) {
				lz_push_timer(w, i); /* fired early: moves itself */
				continue;
			}
			w->log[2 * w->nlog] = (uint64_t)ev.time;
			w->log[2 * w->nlog++ + 1] = LZ_TIMER | (uint64_t)i;
			lz_work(w, rng_range(&w->g, 1, 40));
			continue;
		}
		w->log[2 * w->nlog] = (uint64_t)ev.time;
		w->log[2 * w->nlog++ + 1] = ev.arg;
		lz_touch(w, (int)(ev.arg % LZ_TIMERS));
		int more = (int)rng_range(&w->g, 0, 2);
		for (int k = 0; k < more; k++)
			lz_work(w, rng_range(&w->g, 0, 6) * 5); /* many ties */
		if (w->next_work % 97 == 0) /* quiet spells: timers do fire */
			lz_work(w, rng_range(&w->g, 150, 400));
	}
	evq_free(w->q);
}

static void test_lazy_deadline_same_order(void **state)
{
	static struct lz_world eager, lazy;
	lz_run(&eager, false);
	lz_run(&lazy, true);
	assert_int_equal(eager.nlog, lazy.nlog);
	size_t timers = 0;
	for (size_t i = 0; i < eager.nlog; i++) {
		if (eager.log[2 * i] != lazy.log[2 * i] || eager.log[2 * i + 1] != lazy.log[2 * i + 1])
			fail_msg("event %zu: eager t=%llu arg=%llx, lazy t=%llu arg=%llx", i,
				 (unsigned long long)eager.log[2 * i], (unsigned long long)eager.log[2 * i + 1],
				 (unsigned long long)lazy.log[2 * i], (unsigned long long)lazy.log[2 * i + 1]);
		timers += (eager.log[2 * i + 1] & LZ_TIMER) != 0;
	}
	printf("lazy deadlines: %zu events, %zu timeouts\n", eager.nlog, timers);
	assert_true(timers > 10); /* the timers did fire, not only move */
	free(eager.log);
	free(lazy.log);
}

/* Two touches at one instant with an event for the deadline's time pushed
 * between them: the timeout comes after that event, as the second touch's
 * push would have put it, though the armed event has the same time. */
static void test_lazy_deadline_tie(void **state)
{
	static struct lz_world w;
	memset(&w, 0, sizeof w);
	w.q = evq_new();
	w.lazy = true;
	lz_touch(&w, 0);
	evq_push(w.q, LZ_TIMEOUT, fn_marker, NULL, 7);
	lz_touch(&w, 0);
	struct evq_event ev;
	assert_true(evq_pop(w.q, &ev));
	assert_true(ev.arg & LZ_TIMER); /* the armed one, early */
	assert_int_not_equal((ev.arg & ~LZ_TIMER) >> 8, w.dseq[0]);
	lz_push_timer(&w, 0);
	expect_pop(w.q, LZ_TIMEOUT, 7);
	assert_true(evq_pop(w.q, &ev));
	assert_int_equal(ev.time, LZ_TIMEOUT);
	assert_int_equal((ev.arg & ~LZ_TIMER) >> 8, w.dseq[0]); /* now it is due */
	evq_free(w.q);
}

static void test_pop_until_stops_at_the_limit(void **state)
{
	struct evq *q = evq_new();
	evq_push(q, 10, fn_marker, NULL, 1);
	evq_push_later(q, 20, fn_marker, NULL, 2);
	evq_push(q, 30, fn_marker, NULL, 3);
	struct evq_event ev;
	assert_true(evq_pop_until(q, 10, &ev));
	assert_int_equal(ev.arg, 1);
	assert_false(evq_pop_until(q, 19, &ev));
	assert_true(evq_pop_until(q, 25, &ev));
	assert_int_equal(ev.arg, 2);
	assert_false(evq_pop_until(q, 29, &ev));
	expect_len(q, 1);
	assert_true(evq_pop_until(q, 30, &ev));
	assert_int_equal(ev.arg, 3);
	assert_false(evq_pop_until(q, INT64_MAX, &ev));
	evq_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_pushes_pop_sorted),
		cmocka_unit_test(test_fifo_on_equal_times),
		cmocka_unit_test(test_pop_returns_payload),
		cmocka_unit_test(test_cancel_middle_and_top),
		cmocka_unit_test(test_cancel_bogus_ids),
		cmocka_unit_test(test_many_cancels_compact),
		cmocka_unit_test(test_slot_reuse_keeps_old_ids_dead),
		cmocka_unit_test(test_len_and_pushed_total),
		cmocka_unit_test(test_peek_time_skips_dead),
		cmocka_unit_test(test_interleaved_against_model),
		cmocka_unit_test(test_growth_keeps_order),
		cmocka_unit_test(test_cancelled_timers_are_compacted),
		cmocka_unit_test(test_push_later_keeps_the_order),
		cmocka_unit_test(test_lazy_deadline_same_order),
		cmocka_unit_test(test_lazy_deadline_tie),
		cmocka_unit_test(test_pop_until_stops_at_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
