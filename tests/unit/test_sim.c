/* test_sim.c — the engine through struct sim: time order, FIFO ties,
 * cancellation, sim_run_until's clock, sim_step on an empty queue,
 * same-time rescheduling, seeded PRNG reproducibility and sim_date.
 *
 * Every callback appends "name@t" to a log, so each test states the whole
 * expected order as one string and a failure prints got/want in full. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------- */

static struct strbuf fired_log;

/* ctx is the event's name (a string literal). */
static void ev_log(struct sim *sim, void *ctx, uint64_t arg)
{
	sb_printf(&fired_log, "%s@%lld ", (const char *)ctx, (long long)sim->now);
}

static int setup(void **state)
{
	sb_init(&fired_log);
	sb_puts(&fired_log, ""); /* data is never NULL from here on */
	*state = sim_new(1, 0);
	return 0;
}

static int teardown(void **state)
{
	sim_free(*state);
	sb_free(&fired_log);
	return 0;
}

static void expect_log(const char *want)
{
	if (strcmp(fired_log.data, want) != 0)
		fail_msg("fired: got \"%s\", want \"%s\"", fired_log.data, want);
}

/* ---- ordering ------------------------------------------------------------ */

static void test_events_run_in_time_order(void **state)
{
	struct sim *sim = *state;
	sim_at(sim, 300, ev_log, "c", 0);
	sim_at(sim, 100, ev_log, "a", 0);
	sim_at(sim, 200, ev_log, "b", 0);
	sim_at(sim, 0, ev_log, "zero", 0);
	sim_run(sim, 0);
	expect_log("zero@0 a@100 b@200 c@300 ");
	assert_int_equal(sim->now, 300);
	assert_int_equal(sim->events_run, 4);
}

static void test_ties_run_fifo(void **state)
{
	struct sim *sim = *state;
	static const char *const names[] = {"e1", "e2", "e3", "e4", "e5", "e6"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		sim_at(sim, 50, ev_log, (void *)names[i], 0);
	sim_at(sim, 10, ev_log, "early", 0);
	sim_run(sim, 0);
	expect_log("early@10 e1@50 e2@50 e3@50 e4@50 e5@50 e6@50 ");
}

/* sim_after is relative to the current clock; a negative delay means now. */
static void ev_schedule_relative(struct sim *sim, void *ctx, uint64_t arg)
{
	ev_log(sim, ctx, arg);
	sim_after(sim, 25, ev_log, "after25", 0);
	sim_after(sim, -5, ev_log, "afterneg", 0);
}

static void test_sim_after_is_relative_to_now(void **state)
{
	struct sim *sim = *state;
	sim_at(sim, 100, ev_schedule_relative, "r", 0);
	sim_run(sim, 0);
	expect_log("r@100 afterneg@100 after25@125 ");
}

/* ---- cancellation --------------------------------------------------------- */

static void test_cancel_pending_never_runs(void **state)
{
	struct sim *sim = *state;
	sim_at(sim, 10, ev_log, "keep1", 0);
	evq_id id = sim_at(sim, 20, ev_log, "cancelled", 0);
	sim_at(sim, 30, ev_log, "keep2", 0);
	assert_true(sim_cancel(sim, id));
	assert_false(sim_cancel(sim, id)); /* already cancelled */
	sim_run(sim, 0);
	expect_log("keep1@10 keep2@30 ");
	assert_int_equal(sim->events_run, 2);
}

static void test_cancel_fired_returns_false(void **state)
{
	struct sim *sim = *state;
	evq_id id = sim_at(sim, 10, ev_log, "once", 0);
	assert_true(sim_step(sim));
	assert_false(sim_cancel(sim, id));
	assert_false(sim_cancel(sim, 0)); /* 0 is never an id */
	expect_log("once@10 ");
}

/* ---- sim_run_until / sim_step -------------------------------------------- */

static void test_run_until_runs_exactly_events_up_to_t(void **state)
{
	struct sim *sim = *state;
	sim_at(sim, 5, ev_log, "a", 0);
	sim_at(sim, 10, ev_log, "b", 0);
	sim_at(sim, 10, ev_log, "c", 0);
	sim_at(sim, 11, ev_log, "d", 0);
	sim_run_until(sim, 10);
	expect_log("a@5 b@10 c@10 ");
	assert_int_equal(sim->now, 10);
	assert_int_equal(evq_len(sim->q), 1);

	/* Nothing between 10 and 7 000: the clock still ends at the target. */
	sim_run_until(sim, 7000);
	expect_log("a@5 b@10 c@10 d@11 ");
	assert_int_equal(sim->now, 7000);
}

static void test_run_until_with_no_event_due_moves_clock(void **state)
{
	struct sim *sim = *state;
	sim_at(sim, 500, ev_log, "later", 0);
	sim_run_until(sim, 499);
	expect_log("");
	assert_int_equal(sim->now, 499);
	assert_int_equal(evq_len(sim->q), 1);
}

static void test_step_false_on_empty(void **state)
{
	struct sim *sim = *state;
	assert_false(sim_step(sim));
	sim_at(sim, 7, ev_log, "x", 0);
	assert_true(sim_step(sim));
	assert_false(sim_step(sim));
	assert_int_equal(sim->now, 7);
	expect_log("x@7 ");
}

static void test_run_max_events(void **state)
{
	struct sim *sim = *state;
	sim_at(sim, 1, ev_log, "a", 0);
	sim_at(sim, 2, ev_log, "b", 0);
	sim_at(sim, 3, ev_log, "c", 0);
	sim_run(sim, 2);
	expect_log("a@1 b@2 ");
	assert_int_equal(evq_len(sim->q), 1);
}

/* ---- rescheduling at the same time ---------------------------------------- */

static void ev_chain(struct sim *sim, void *ctx, uint64_t arg)
{
	ev_log(sim, ctx, arg);
	sim_at(sim, sim->now, ev_log, "spawned", 0);
}

static void test_same_time_reschedule_runs_after_queued(void **state)
{
	struct sim *sim = *state;
	sim_at(sim, 40, ev_chain, "parent", 0);
	sim_at(sim, 40, ev_log, "sibling1", 0);
	sim_at(sim, 40, ev_log, "sibling2", 0);
	sim_at(sim, 41, ev_log, "next", 0);
	sim_run(sim, 0);
	expect_log("parent@40 sibling1@40 sibling2@40 spawned@40 next@41 ");
}

/* ---- PRNG ----------------------------------------------------------------- */

/* The first n draws of a fresh sim seeded with seed. */
static void draws(uint64_t seed, uint32_t *out, size_t n)
{
	struct sim *sim = sim_new(seed, 0);
	for (size_t i = 0; i < n; i++)
		out[i] = rng_u32(&sim->rng);
	sim_free(sim);
}

static void test_same_seed_same_rng_sequence(void **state)
{
	uint32_t a[1000], b[1000];
	draws(42, a, ARRAY_LEN(a));
	draws(42, b, ARRAY_LEN(b));
	for (size_t i = 0; i < ARRAY_LEN(a); i++)
		if (a[i] != b[i])
			fail_msg("draw %zu: got %u and %u from the same seed", i, a[i], b[i]);
}

static void test_different_seed_different_rng_sequence(void **state)
{
	uint32_t a[64], b[64];
	draws(42, a, ARRAY_LEN(a));
	draws(43, b, ARRAY_LEN(b));
	int same = 0;
	for (size_t i = 0; i < ARRAY_LEN(a); i++)
		same += a[i] == b[i];
	/* Two independent 32-bit streams agree by chance ~64/2^32 of the time. */
	if (same > 1)
		fail_msg("seeds 42 and 43: %d of 64 draws equal, want at most 1", same);
}

/* ---- dates ---------------------------------------------------------------- */

static void test_sim_date(void **state)
{
	struct sim *sim = *state;
	int64_t epoch_s;
	assert_true(parse_iso8601_utc("2024-05-14T08:15:00Z", &epoch_s));
	assert_int_equal(epoch_s, 1715674500);
	sim->epoch_unix_us = SIM_US(epoch_s);
	char buf[64];
	sim_date(sim, buf, sizeof buf);
	assert_string_equal(buf, "Tue, 14 May 2024 08:15:00 +0000");
	sim_at(sim, SIM_MS(1500), ev_log, "t1.5", 0);
	sim_run(sim, 0);
	sim_date(sim, buf, sizeof buf);
	assert_string_equal(buf, "Tue, 14 May 2024 08:15:01 +0000");
	/* RFC 5322 §3.3 day = 1*2DIGIT: a one-digit day of month is valid. */
	sim_date_at(sim, SIM_US(86400 * 18), buf, sizeof buf);
	assert_string_equal(buf, "Sat, 1 Jun 2024 08:15:00 +0000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_run_in_time_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ties_run_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sim_after_is_relative_to_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_pending_never_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_fired_returns_false, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_until_runs_exactly_events_up_to_t, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_until_with_no_event_due_moves_clock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_step_false_on_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_max_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_time_reschedule_runs_after_queued, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_same_seed_same_rng_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_different_seed_different_rng_sequence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sim_date, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
