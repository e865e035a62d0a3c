/* test_retry.c — retry schedules: the Postfix backoff sequence and its 5-day
 * give-up, Exim's default rule list walked failure by failure to its final
 * cutoff, rule boundaries, the H rule's randomization, the 24 h cap,
 * parse errors with their exact messages, and durations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "retry.h"
#include "util.h"

#define S(x) ((int64_t)(x) * INT64_C(1000000))
#define MS(x) ((int64_t)(x) * INT64_C(1000))
#define HOURS(x) S((x) * 3600)
#define DAYS(x) S((x) * 86400)

static void expect_i64(const char *what, int64_t got, int64_t want)
{
	if (got != want)
		fail_msg("%s: got %" PRId64 ", want %" PRId64, what, got, want);
}

/* ---- Postfix -------------------------------------------------------------- */

static void test_postfix_defaults(void **state)
{
	struct retry_policy p;
	memset(&p, 0x5a, sizeof p);
	retry_policy_postfix(&p);
	assert_int_equal(p.kind, RETRY_POSTFIX);
	expect_i64("min_backoff", p.min_backoff, S(300));
	expect_i64("max_backoff", p.max_backoff, S(4000));
	expect_i64("queue_lifetime", p.queue_lifetime, DAYS(5));
	expect_i64("delay_warning", p.delay_warning, 0); /* delay_warning_time = 0h: off */
	expect_i64("nrules", (int64_t)p.nrules, 0);
}

static void test_sendmail_defaults(void **state)
{
	struct retry_policy p;
	retry_policy_sendmail(&p);
	expect_i64("delay_warning", p.delay_warning, HOURS(4)); /* Timeout.queuewarn */
	expect_i64("queue_lifetime", p.queue_lifetime, DAYS(5)); /* Timeout.queuereturn */
	int64_t next, interval;
	/* A queue run every hour, whatever the message's age. */
	assert_true(retry_next(&p, S(10), 0, 0, 0, 0.5, &next, &interval));
	expect_i64("first retry", next, S(10) + HOURS(1));
	assert_true(retry_next(&p, DAYS(2), 0, 0, 0, 0.5, &next, &interval));
	expect_i64("later retry", next, DAYS(2) + HOURS(1));
}

/* Arrival 0, each attempt failing the moment it starts: the qmgr(8)
 * doubling 300, 600, 1200, 2400, 4800, then every 4000 s. */
static void test_postfix_schedule(void **state)
{
	static const struct {
		int64_t fail_s, next_s, interval_s;
	} rows[] = {
		{0, 300, 300},		{300, 600, 300},       {600, 1200, 600},
		{1200, 2400, 1200},	{2400, 4800, 2400},    {4800, 8800, 4000},
		{8800, 12800, 4000},	{12800, 16800, 4000},  {16800, 20800, 4000},
		{20800, 24800, 4000},
	};
	struct retry_policy p;
	retry_policy_postfix(&p);
	int64_t t = 0;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char what[64];
		int64_t next = -1, iv = -1;
		expect_i64("table is a chain", t, S(rows[i].fail_s));
		snprintf(what, sizeof what, "attempt %zu failing at %" PRId64 " s", i + 1,
			 rows[i].fail_s);
		if (!retry_next(&p, S(rows[i].fail_s), 0, 0, 0, 0.0, &next, &iv))
			fail_msg("%s: gave up, want a retry", what);
		expect_i64(what, next, S(rows[i].next_s));
		expect_i64(what, iv, S(rows[i].interval_s));
		t = next;
	}
}

static void test_postfix_give_up(void **state)
{
	static const struct {
		int64_t now;
		bool again;
		int64_t next;
	} rows[] = {
		{DAYS(5) - 1, true, DAYS(5) - 1 + S(4000)},
		{DAYS(5), false, DAYS(5)},
		{DAYS(6), false, DAYS(6)},
		{S(100), true, S(400)}, /* young: minimal_backoff_time */
	};
	struct retry_policy p;
	retry_policy_postfix(&p);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		int64_t next = -1, iv = -1;
		bool again = retry_next(&p, rows[i].now, 0, 0, 0, 0.0, &next, &iv);
		if (again != rows[i].again)
			fail_msg("row %zu (age %" PRId64 " us): got %s, want %s", i, rows[i].now,
				 again ? "retry" : "give up", rows[i].again ? "retry" : "give up");
		expect_i64("next", next, rows[i].next);
		expect_i64("interval", iv, again ? rows[i].next - rows[i].now : 0);
	}
	/* A message that arrived later: age counts from its arrival. */
	int64_t next;
	assert_true(retry_next(&p, DAYS(7), DAYS(3), DAYS(3), 0, 0.0, &next, NULL));
	expect_i64("late arrival", next, DAYS(7) + S(4000));
	expect_i64("give-up time", retry_give_up_time(&p, S(10), S(10)), S(10) + DAYS(5));
}

/* maximal_queue_lifetime 0: bounce after the first temporary failure. */
static void test_postfix_zero_lifetime(void **state)
{
	struct retry_policy p;
	retry_policy_postfix(&p);
	p.queue_lifetime = 0;
	int64_t next = -1;
	assert_false(retry_next(&p, 0, 0, 0, 0, 0.0, &next, NULL));
	expect_i64("next on give-up", next, 0);
}

/* ---- Exim ----------------------------------------------------------------- */

static void test_exim_default_rules_parsed(void **state)
{
	static const struct retry_rule want[] = {
		{'F', HOURS(2), S(15 * 60), 1.0},
		{'G', HOURS(16), HOURS(1), 1.5},
		{'F', DAYS(4), HOURS(6), 1.0},
	};
	struct retry_policy p;
	char err[200] = "";
	if (!retry_policy_exim(&p, NULL, err, sizeof err))
		fail_msg("default rules: %s", err);
	assert_int_equal(p.kind, RETRY_EXIM);
	expect_i64("nrules", (int64_t)p.nrules, 3);
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		if (p.rules[i].type != want[i].type)
			fail_msg("rule %zu type: got %c, want %c", i, p.rules[i].type, want[i].type);
		expect_i64("cutoff", p.rules[i].cutoff, want[i].cutoff);
		expect_i64("interval", p.rules[i].interval, want[i].interval);
		if (p.rules[i].factor != want[i].factor)
			fail_msg("rule %zu factor: got %g, want %g", i, p.rules[i].factor,
				 want[i].factor);
	}
	expect_i64("retry_interval_max", p.max_backoff, HOURS(24));
	expect_i64("queue_lifetime = final cutoff", p.queue_lifetime, DAYS(4));
	expect_i64("delay_warning", p.delay_warning, HOURS(24)); /* Exim's delay_warning */

	struct retry_policy q;
	assert_true(retry_policy_exim(&q, RETRY_EXIM_DEFAULT_RULES, err, sizeof err));
	assert_memory_equal(&p.rules, &q.rules, sizeof p.rules);
}

/* "F,2h,15m; G,16h,1h,1.5; F,4d,6h" with arrival = first failure = 0 and
 * every attempt failing as it starts: 15 min for 2 h; then 1 h, 1.5 h,
 * 2.25 h, ... while under 16 h; then 6 h until 4 days; then give up. */
static void test_exim_default_schedule(void **state)
{
	static const int64_t want_ms[] = {
		/* F,2h,15m: failures at 0, 900, ..., 7200 (7200 <= 2 h still F) */
		900000, 1800000, 2700000, 3600000, 4500000, 5400000, 6300000, 7200000, 8100000,
		/* G,16h,1h,1.5: 1 h, 1.5 h, 2.25 h, 3.375 h, 5.0625 h, 7.59375 h */
		11700000, 17100000, 25200000, 37350000, 55575000, 82912500,
		/* F,4d,6h from 82912.5 s (past 16 h) */
		104512500, 126112500, 147712500, 169312500, 190912500, 212512500, 234112500,
		255712500, 277312500, 298912500, 320512500, 342112500, 363712500,
	};
	struct retry_policy p;
	char err[200];
	assert_true(retry_policy_exim(&p, NULL, err, sizeof err));
	int64_t now = 0, last = 0;
	size_t i = 0;
	for (;; i++) {
		int64_t next, iv;
		if (!retry_next(&p, now, 0, 0, last, 0.0, &next, &iv))
			break;
		if (i >= ARRAY_LEN(want_ms))
			fail_msg("attempt %zu at %" PRId64 " us: got a retry, want give up", i + 1,
				 now);
		char what[80];
		snprintf(what, sizeof what, "failure %zu at %" PRId64 " ms: next", i + 1, now / 1000);
		expect_i64(what, next, MS(want_ms[i]));
		expect_i64("interval", iv, next - now);
		last = iv;
		now = next;
	}
	if (i != ARRAY_LEN(want_ms))
		fail_msg("gave up after %zu retries, want %zu", i, ARRAY_LEN(want_ms));
	expect_i64("gave up at", now, MS(363712500));
	expect_i64("give-up time", retry_give_up_time(&p, 0, 0), DAYS(4));
}

/* Which rule applies exactly at and just past each cutoff (Exim uses
 * failing <= cutoff). */
static void test_exim_cutoff_edges(void **state)
{
	static const struct {
		int64_t failing, last;
		bool again;
		int64_t interval;
	} rows[] = {
		{HOURS(2), S(900), true, S(900)},	     /* still F,2h,15m */
		{HOURS(2) + 1, S(900), true, HOURS(1)},   /* G starts at 1 h */
		{HOURS(16), HOURS(2), true, HOURS(3)},    /* G: 2 h × 1.5 */
		{HOURS(16) + 1, HOURS(3), true, HOURS(6)}, /* F,4d,6h */
		{DAYS(4), HOURS(6), true, HOURS(6)},
		{DAYS(4) + 1, HOURS(6), false, 0},
	};
	struct retry_policy p;
	char err[200];
	assert_true(retry_policy_exim(&p, NULL, err, sizeof err));
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		int64_t ff = S(1000); /* first failure; arrival the same */
		int64_t next, iv;
		bool again = retry_next(&p, ff + rows[i].failing, ff, ff, rows[i].last, 0.0, &next,
					&iv);
		if (again != rows[i].again)
			fail_msg("row %zu: got %s, want %s", i, again ? "retry" : "give up",
				 rows[i].again ? "retry" : "give up");
		char what[40];
		snprintf(what, sizeof what, "row %zu interval", i);
		expect_i64(what, iv, rows[i].interval);
	}
}

/* Exim measures from the destination's first failure, but a message that has
 * waited longer than the final cutoff also times out; and a message that
 * arrives while the host is long dead bounces at its first failure. */
static void test_exim_first_failure_vs_arrival(void **state)
{
	struct retry_policy p;
	char err[200];
	int64_t next;
	assert_true(retry_policy_exim(&p, NULL, err, sizeof err));
	/* Host failing since 3 d; message arrived at 3 d: F,4d,6h. */
	assert_true(retry_next(&p, DAYS(3), DAYS(3), 0, HOURS(6), 0.0, &next, NULL));
	expect_i64("dead host, new message", next, DAYS(3) + HOURS(6));
	/* Same host at 4 d + 1 s: past the final cutoff. */
	assert_false(retry_next(&p, DAYS(4) + S(1), DAYS(3), 0, HOURS(6), 0.0, &next, NULL));
	/* Message queued at 0, host's first failure only at 3 d (earlier
	 * successes reset it): the message's own age times it out. */
	assert_true(retry_next(&p, DAYS(4), 0, DAYS(3), S(900), 0.0, &next, NULL));
	assert_false(retry_next(&p, DAYS(4) + S(1), 0, DAYS(3), S(900), 0.0, &next, NULL));
	expect_i64("give-up (arrival first)", retry_give_up_time(&p, 0, DAYS(3)), DAYS(4));
	expect_i64("give-up (host first)", retry_give_up_time(&p, DAYS(3), DAYS(1)), DAYS(5));
}

static void test_exim_no_rules(void **state)
{
	struct retry_policy p;
	char err[200];
	int64_t next = -1, iv = -1;
	assert_true(retry_policy_exim(&p, "", err, sizeof err));
	expect_i64("nrules", (int64_t)p.nrules, 0);
	assert_false(retry_next(&p, S(5), 0, S(5), 0, 0.0, &next, &iv));
	expect_i64("next", next, S(5));
	expect_i64("interval", iv, 0);
	expect_i64("give-up time", retry_give_up_time(&p, 0, 0), INT64_MIN);
}

/* H,10d,1h,2: g = last × 2; interval = 1 h + (g - 1 h)/2 + floor(u(g - 1 h))/2. */
static void test_exim_h_rule(void **state)
{
	static const struct {
		int64_t last;
		double u;
		int64_t want;
	} rows[] = {
		{0, 0.7, HOURS(1)},			 /* first time: the start interval */
		{S(1200), 0.7, HOURS(1)},		 /* g = 40 min <= 1 h */
		{HOURS(2), 0.0, S(9000)},		 /* g = 4 h: low end 2.5 h */
		{HOURS(2), 0.5, S(11700)},		 /* 2.5 h + 0.75 h */
		{HOURS(2), 0.9999999999, HOURS(4) - 1},	 /* just under g */
		{HOURS(2), 1.0, HOURS(4) - 1},		 /* out-of-range u clamped */
		{HOURS(2), -0.5, S(9000)},
		{HOURS(20), 0.5, HOURS(24)},		 /* capped at retry_interval_max */
	};
	struct retry_policy p;
	char err[200];
	if (!retry_policy_exim(&p, "H,10d,1h,2", err, sizeof err))
		fail_msg("%s", err);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		int64_t next, iv;
		assert_true(retry_next(&p, S(50), S(50), S(50), rows[i].last, rows[i].u, &next, &iv));
		char what[40];
		snprintf(what, sizeof what, "row %zu interval", i);
		expect_i64(what, iv, rows[i].want);
		expect_i64("next", next, S(50) + rows[i].want);
	}
}

static void test_exim_interval_max(void **state)
{
	struct retry_policy p;
	char err[200];
	int64_t next, iv;
	assert_true(retry_policy_exim(&p, "G,30d,1d,2; F,40d,3d", err, sizeof err));
	assert_true(retry_next(&p, DAYS(2), 0, 0, HOURS(24), 0.0, &next, &iv));
	expect_i64("G capped", iv, HOURS(24));
	assert_true(retry_next(&p, DAYS(31), 0, 0, HOURS(24), 0.0, &next, &iv));
	expect_i64("F capped", iv, HOURS(24));
	/* G with a fractional factor, in thousandths: 1000 s × 1.25 */
	assert_true(retry_policy_exim(&p, " G , 1d , 10m , 1.25 ", err, sizeof err));
	assert_true(retry_next(&p, S(5000), 0, 0, S(1000), 0.0, &next, &iv));
	expect_i64("factor 1.25", iv, S(1250));
}

/* ---- parsing -------------------------------------------------------------- */

static void test_exim_parse_errors(void **state)
{
	static const struct {
		const char *rules, *want;
	} rows[] = {
		{"F,2h", "rule 1 (\"F,2h\") field 3 (interval): missing"},
		{"X,1h,1m", "rule 1 (\"X,1h,1m\") field 1 (type): bad type (want F, G or H)"},
		{"G,1h,1m,0.5", "rule 1 (\"G,1h,1m,0.5\") field 4 (factor): 0.5 is below 1"},
		{"F,1x,1m",
		 "rule 1 (\"F,1x,1m\") field 2 (cutoff): bad duration \"1x\" (want e.g. 15m, 2h, 4d)"},
		{"F,2h,15m; G,16h,1h", "rule 2 (\"G,16h,1h\") field 4 (factor): missing"},
		{"F,2h,15m;;F,4d,6h", "rule 2 (\"\"): empty rule"},
		{"F,2h,15m,3", "rule 1 (\"F,2h,15m,3\") field 4 (extra): unexpected field"},
		{"G,16h,1h,abc",
		 "rule 1 (\"G,16h,1h,abc\") field 4 (factor): bad number \"abc\" (want e.g. 1.5)"},
		{"G,16h,1h,1.", "rule 1 (\"G,16h,1h,1.\") field 4 (factor): bad number \"1.\" (want e.g. 1.5)"},
		{"F,2h,0", "rule 1 (\"F,2h,0\") field 3 (interval): must be above 0"},
		{"F,,1m", "rule 1 (\"F,,1m\") field 2 (cutoff): empty"},
		{"FF,1h,1m", "rule 1 (\"FF,1h,1m\") field 1 (type): bad type (want F, G or H)"},
		{"f,1h,1m", "rule 1 (\"f,1h,1m\") field 1 (type): bad type (want F, G or H)"},
		{"F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m",
		 "rule 9 (\"F,1h,1m\"): too many rules (at most 8)"},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct retry_policy p;
		retry_policy_postfix(&p);
		struct retry_policy before;
		memcpy(&before, &p, sizeof p);
		char err[200] = "";
		if (retry_policy_exim(&p, rows[i].rules, err, sizeof err))
			fail_msg("\"%s\": got success, want error \"%s\"", rows[i].rules, rows[i].want);
		if (strcmp(err, rows[i].want) != 0)
			fail_msg("\"%s\": got error \"%s\", want \"%s\"", rows[i].rules, err,
				 rows[i].want);
		assert_memory_equal(&p, &before, sizeof p); /* untouched on error */
	}
}

static void test_exim_parse_ok(void **state)
{
	static const struct {
		const char *rules;
		size_t n;
		double last_factor;
	} rows[] = {
		{"F,2h,15m;", 1, 1.0},
		{"  F,2h,15m ;  H,1d,1h,2.5 ", 2, 2.5},
		{"G,1d,1h,1", 1, 1.0},
		{"G,1d,1h,1.2345", 1, 1.234}, /* thousandths, like Exim */
		{"F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m;F,1h,1m", 8, 1.0},
		{"   ", 0, 0.0},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct retry_policy p;
		char err[200] = "";
		if (!retry_policy_exim(&p, rows[i].rules, err, sizeof err))
			fail_msg("\"%s\": got error \"%s\", want success", rows[i].rules, err);
		if (p.nrules != rows[i].n)
			fail_msg("\"%s\": got %zu rules, want %zu", rows[i].rules, p.nrules, rows[i].n);
		if (p.nrules && p.rules[p.nrules - 1].factor != rows[i].last_factor)
			fail_msg("\"%s\": got factor %.6f, want %.6f", rows[i].rules,
				 p.rules[p.nrules - 1].factor, rows[i].last_factor);
	}
}

static void test_durations(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		int64_t us;
	} rows[] = {
		{"300s", true, S(300)},	 {"5m", true, S(300)},	     {"4h", true, HOURS(4)},
		{"5d", true, DAYS(5)},	 {"1w", true, DAYS(7)},	     {"300", true, S(300)},
		{"0", true, 0},		 {"1h30m", true, S(5400)},   {"1h30", true, S(3630)},
		{"2d12h", true, HOURS(60)}, {"", false, 0},	     {"5x", false, 0},
		{"-5", false, 0},	 {"5 m", false, 0},	     {" 5m", false, 0},
		{"1.5h", false, 0},	 {"h", false, 0},	     {"5mm", false, 0},
		{"99999999999999999999", false, 0},		     {"10000000000000w", false, 0},
		{"9223372036854s", true, S(INT64_C(9223372036854))},
		{"9223372036855s", false, 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		int64_t us = -7;
		bool ok = retry_parse_duration(rows[i].s, &us);
		if (ok != rows[i].ok)
			fail_msg("\"%s\": got %s, want %s", rows[i].s, ok ? "ok" : "error",
				 rows[i].ok ? "ok" : "error");
		expect_i64(rows[i].s, us, rows[i].ok ? rows[i].us : -7);
	}
	int64_t us = -7;
	assert_false(retry_parse_duration(NULL, &us));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_defaults),
		cmocka_unit_test(test_sendmail_defaults),
		cmocka_unit_test(test_postfix_schedule),
		cmocka_unit_test(test_postfix_give_up),
		cmocka_unit_test(test_postfix_zero_lifetime),
		cmocka_unit_test(test_exim_default_rules_parsed),
		cmocka_unit_test(test_exim_default_schedule),
		cmocka_unit_test(test_exim_cutoff_edges),
		cmocka_unit_test(test_exim_first_failure_vs_arrival),
		cmocka_unit_test(test_exim_no_rules),
		cmocka_unit_test(test_exim_h_rule),
		cmocka_unit_test(test_exim_interval_max),
		cmocka_unit_test(test_exim_parse_errors),
		cmocka_unit_test(test_exim_parse_ok),
		cmocka_unit_test(test_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
