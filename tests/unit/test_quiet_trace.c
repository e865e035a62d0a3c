/* test_quiet_trace.c — a run nobody traces does the same work.
 *
 * With no sink and no hook (trace_wanted false, a headless benchmark) the
 * network, session, queue and outcome code skip gathering what only the
 * trace reads (wire lines, block summaries, MX texts, fate reasons) but
 * still count each event. So a quiet run must count exactly the events a
 * hook sees in the same world, run the same model events, and end with
 * the same accounting; a skipped trace_begin/trace_end pair, or a skip
 * that changed what the model does, shows here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "sim.h"
#include "trace.h"
#include "world.h"

static void count_event(void *ud, struct trace *tr, const struct trace_event *ev)
{
	(void)tr;
	(void)ev;
	(*(uint64_t *)ud)++;
}

struct outcome_of_run {
	uint64_t counted, hooked, model_events;
	struct world_summary sum;
};

/* The world's own hook (a scenario's narration) is replaced in both
 * runs: by nothing, or by the counter; narration never changes the model. */
static void run_one(const struct scenario *scn, bool hook, struct outcome_of_run *o)
{
	struct world *w = world_new(scn, NULL);
	struct trace *tr = world_sim(w)->trace;
	trace_set_hook(tr, hook ? count_event : NULL, hook ? &o->hooked : NULL);
	assert_true(trace_wanted(tr) == hook);
	world_run(w, -1);
	world_summary(w, &o->sum);
	o->counted = trace_count(tr);
	o->model_events = world_sim(w)->events_run;
	world_free(w);
}

static void test_quiet_runs_count_every_event(void **state)
{
	(void)state;
	static const char *const names[] = {
		"basic-delivery", "multi-recipient-mixed", "mx-fallback", "submission-465",
		"srs-bounce",     "relay-timeout",         "tls-failure", "spam-scored",
	};
	const char *src = getenv("MAILSIM_SOURCE_DIR");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *path = xasprintf("%s/scenarios/%s.json", src ? src : "..", names[i]);
		struct scenario *scn = scn_load(path, stderr);
		assert_non_null(scn);
		struct outcome_of_run quiet = {0}, seen = {0};
		run_one(scn, false, &quiet);
		run_one(scn, true, &seen);
		if (quiet.counted != seen.hooked)
			fail_msg("%s: quiet run counted %llu events, a hook saw %llu", names[i],
				 (unsigned long long)quiet.counted, (unsigned long long)seen.hooked);
		assert_true(seen.hooked > 50);
		assert_int_equal(quiet.model_events, seen.model_events);
		assert_memory_equal(&quiet.sum, &seen.sum, sizeof quiet.sum);
		scn_free(scn);
		free(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_runs_count_every_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
