/* test_reputation.c — sim/reputation.c: the score steps and the rates
 * they follow (SES 5 %/10 % bounces, 0.1 % complaints, Gmail 0.3 %),
 * decay toward neutral, the action thresholds, rep.update events, and
 * determinism of the complaint draws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reputation.h"
#include "trace.h"
#include "util.h"

static struct scn_reputation defaults(void)
{
	struct scn_reputation c;
	scn_reputation_defaults(&c);
	return c;
}

/* Table-driven: rate -> penalty, "got X, want Y" on failure. */
static void test_penalties(void **state)
{
	(void)state;
	static const struct {
		double part, whole;
		long seen;
		double unknown_want, complaint_want;
	} rows[] = {
		{1, 5, 5, 1, 4},       /* under the minimum sample: the mildest step */
		{0, 100, 100, 1, 4},   /* a rate of 0 */
		{4, 100, 100, 1, 12},  /* 4 %: under SES's 5 %; complaints far over 0.3 % */
		{5, 100, 100, 3, 12},  /* 5 %: SES review */
		{10, 100, 100, 5, 12}, /* 10 %: SES pause */
		{1, 2000, 2000, 1, 4}, /* 0.05 % complaints: fine */
		{2, 1000, 1000, 1, 8}, /* 0.2 %: over SES's 0.1 %, under Gmail's 0.3 % */
		{3, 1000, 1000, 1, 12},/* 0.3 %: Gmail's line */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		double u = rep_unknown_penalty(rows[i].part, rows[i].whole, rows[i].seen);
		double c = rep_complaint_penalty(rows[i].part, rows[i].whole, rows[i].seen);
		if (u != rows[i].unknown_want || c != rows[i].complaint_want)
			fail_msg("row %zu: unknown got %g, want %g; complaint got %g, want %g", i, u,
				 rows[i].unknown_want, c, rows[i].complaint_want);
	}
}

static void test_decay(void **state)
{
	(void)state;
	int64_t h = SIM_US(3600);
	assert_true(rep_decayed(10, 50, h, h) == 30);      /* half the distance */
	assert_true(rep_decayed(10, 50, 2 * h, h) == 40);  /* a quarter left */
	assert_true(rep_decayed(90, 50, h, h) == 70);      /* good scores decay down too */
	assert_true(rep_decayed(10, 50, 0, h) == 10);
	assert_true(rep_decayed(10, 50, h, 0) == 10);      /* no half-life: no decay */
}

static void test_levels_and_places(void **state)
{
	(void)state;
	struct scn_reputation c = defaults();
	static const struct {
		double score;
		enum rep_level level;
		enum rep_place place;
	} rows[] = {
		{100, REP_GOOD, REP_PLACE_ASIS},      {70, REP_GOOD, REP_PLACE_ASIS},
		{69.9, REP_NEUTRAL, REP_PLACE_ASIS},  {45, REP_NEUTRAL, REP_PLACE_ASIS},
		{44.9, REP_POOR, REP_PLACE_JUNK},     {35, REP_POOR, REP_PLACE_JUNK},
		{34.9, REP_POOR, REP_PLACE_QUARANTINE}, {25, REP_POOR, REP_PLACE_QUARANTINE},
		{24.9, REP_BAD, REP_PLACE_DROP},      {0, REP_BAD, REP_PLACE_DROP},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		enum rep_level l = rep_level_of(&c, rows[i].score);
		enum rep_place p = rep_place_for(&c, rows[i].score);
		if (l != rows[i].level || p != rows[i].place)
			fail_msg("score %g: level got %s, want %s; place got %d, want %d", rows[i].score,
				 rep_level_name(l), rep_level_name(rows[i].level), p, rows[i].place);
	}
}

struct world1 {
	struct sim *sim;
	struct strbuf tr;
	struct rep *rep;
	struct scn_reputation cfg;
};

static void w_open(struct world1 *w, uint64_t seed)
{
	w->sim = sim_new(seed, 0);
	sb_init(&w->tr);
	trace_set_buffer(w->sim->trace, &w->tr);
	w->rep = rep_new(w->sim, "mx.example", &w->cfg);
}

static void w_close(struct world1 *w)
{
	rep_free(w->rep);
	trace_set_buffer(w->sim->trace, NULL);
	sim_free(w->sim);
	sb_free(&w->tr);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay ? strstr(hay, needle) : NULL; p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Unknown recipients only count for a sender that has sent us mail; the
 * steps grow with the rate; every change is a rep.update. */
static void test_unknown_and_traps(void **state)
{
	(void)state;
	struct world1 w = {.cfg = defaults()};
	w_open(&w, 1);
	rep_rcpt(w.rep, "192.0.2.1", NULL, "nobody@example.net", true); /* a prober: no key */
	assert_true(rep_score(w.rep, "ip:192.0.2.1") == 50);
	assert_int_equal(count(w.tr.data, "\"rep.update\""), 0);
	rep_message(w.rep, "192.0.2.1", NULL, "m1", REP_AUTH_UNCHECKED, 0);
	for (int i = 0; i < 9; i++)
		rep_rcpt(w.rep, "192.0.2.1", NULL, "a@example.net", false);
	rep_rcpt(w.rep, "192.0.2.1", NULL, "gone@example.net", true); /* 1 of 10: 10 % */
	assert_true(rep_score(w.rep, "ip:192.0.2.1") == 45);
	assert_int_equal(count(w.tr.data, "\"cause\":\"unknown_rcpt\""), 1);
	assert_non_null(strstr(w.tr.data, "\"key\":\"ip:192.0.2.1\",\"score\":45,\"level\":\"neutral\""));
	/* A trap hit through an authenticated domain: both keys, -15 each. */
	rep_message(w.rep, "192.0.2.1", "Example.ORG", "m2", REP_AUTH_PASS, 1);
	assert_true(rep_score(w.rep, "ip:192.0.2.1") == 30); /* 30.25 kept, 30 shown and judged */
	assert_true(rep_score(w.rep, "domain:example.org") == 36); /* 35.5 */
	assert_int_equal(count(w.tr.data, "\"cause\":\"spam_trap\""), 2);
	/* Unauthenticated mail counts against the IP only. */
	rep_message(w.rep, "192.0.2.1", "example.org", "m3", REP_AUTH_NONE, 0);
	assert_true(rep_score(w.rep, "ip:192.0.2.1") == 28); /* 28.25 */
	assert_true(rep_score(w.rep, "domain:example.org") == 36);
	w_close(&w);
}

/* Throttling admits one connection per 60/throttle_per_minute s; rejection
 * and placement take the worse key; decay brings the score back. */
static void test_actions_and_decay(void **state)
{
	(void)state;
	struct world1 w = {.cfg = defaults()};
	w_open(&w, 1);
	char why[400];
	assert_false(rep_throttle(w.rep, "192.0.2.9", why, sizeof why)); /* unknown: neutral */
	rep_message(w.rep, "192.0.2.9", NULL, "m1", REP_AUTH_UNCHECKED, 2); /* 50 - 30 = 20 */
	assert_false(rep_throttle(w.rep, "192.0.2.9", why, sizeof why));   /* the first passes */
	assert_true(rep_throttle(w.rep, "192.0.2.9", why, sizeof why));    /* the next: 421 */
	assert_non_null(strstr(why, "throttled to 6 connections per minute"));
	assert_int_equal(rep_place(w.rep, "192.0.2.9", NULL, why, sizeof why), REP_PLACE_DROP);
	assert_false(rep_reject(w.rep, "192.0.2.9", NULL, why, sizeof why)); /* 20 >= 15 */
	rep_message(w.rep, "192.0.2.9", NULL, "m2", REP_AUTH_UNCHECKED, 1); /* 5 */
	assert_true(rep_reject(w.rep, "192.0.2.9", NULL, why, sizeof why));
	assert_non_null(strstr(why, "very low reputation of ip:192.0.2.9 (score 5/100, bad"));
	/* A good domain does not rescue a bad IP: the worse key counts. */
	assert_true(rep_reject(w.rep, "192.0.2.9", "example.org", why, sizeof why));
	/* Two half-lives later: 50 - 45/4, one decay event on the way. */
	sim_run_until(w.sim, 2 * w.cfg.half_life);
	assert_true(rep_score(w.rep, "ip:192.0.2.9") == 39); /* 38.75 */
	assert_int_equal(count(w.tr.data, "\"cause\":\"decay\""), 1);
	assert_int_equal(rep_place(w.rep, "192.0.2.9", NULL, why, sizeof why), REP_PLACE_JUNK);
	/* 38.75 is still under 40, but the last connection let through was
	 * two hours ago: this one passes, the next one at once does not. */
	assert_false(rep_throttle(w.rep, "192.0.2.9", why, sizeof why));
	assert_true(rep_throttle(w.rep, "192.0.2.9", why, sizeof why));
	sim_run_until(w.sim, 2 * w.cfg.half_life + SIM_US(10));
	assert_false(rep_throttle(w.rep, "192.0.2.9", why, sizeof why)); /* 10 s later: admitted */
	w_close(&w);
}

/* Volume: a window over volume_factor x the sender's own average (and
 * over volume_min) is a spike, counted once per window. */
static void test_volume(void **state)
{
	(void)state;
	struct world1 w = {.cfg = defaults()};
	w.cfg.volume_min = 5;
	w.cfg.volume_factor = 3;
	w_open(&w, 1);
	int64_t win = w.cfg.volume_window;
	/* Window 1, a new sender: 4 messages are under volume_min, the
	 * 6th is a spike (no history), the rest of the window not again. */
	for (int i = 0; i < 8; i++)
		rep_message(w.rep, "192.0.2.5", NULL, "m", REP_AUTH_UNCHECKED, 0);
	assert_int_equal(count(w.tr.data, "\"cause\":\"volume\""), 1);
	assert_true(rep_score(w.rep, "ip:192.0.2.5") == 42);
	/* Window 2: 8 again is not over 3 x the average of 8. */
	sim_run_until(w.sim, win);
	for (int i = 0; i < 8; i++)
		rep_message(w.rep, "192.0.2.5", NULL, "m", REP_AUTH_UNCHECKED, 0);
	assert_int_equal(count(w.tr.data, "\"cause\":\"volume\""), 1);
	/* Window 3: 25 is over 3 x 8: a spike again. */
	sim_run_until(w.sim, 2 * win);
	for (int i = 0; i < 25; i++)
		rep_message(w.rep, "192.0.2.5", NULL, "m", REP_AUTH_UNCHECKED, 0);
	assert_int_equal(count(w.tr.data, "\"cause\":\"volume\""), 2);
	w_close(&w);
}

/* Complaints: drawn from the seeded PRNG, traced, the same every run. */
static char *complaints_run(uint64_t seed, int *ncomplaints)
{
	struct world1 w = {.cfg = defaults()};
	w.cfg.complaint_rate = 0.3;
	w_open(&w, seed);
	for (int i = 0; i < 40; i++) {
		char msg[16], rcpt[40];
		snprintf(msg, sizeof msg, "m%d", i);
		snprintf(rcpt, sizeof rcpt, "r%d@example.net", i);
		rep_message(w.rep, "192.0.2.7", "example.org", msg, REP_AUTH_PASS, 0);
		rep_shown(w.rep, "192.0.2.7", "example.org", msg, rcpt, rcpt, "INBOX");
	}
	sim_run(w.sim, 0);
	*ncomplaints = count(w.tr.data, "\"rep.complaint\"");
	/* Each complaint lowers both keys, until a score reaches 0. */
	int updates = count(w.tr.data, "\"cause\":\"complaint\"");
	assert_true(updates >= 2 && updates <= 2 * *ncomplaints);
	assert_true(rep_score(w.rep, "domain:example.org") < 15);
	char *out = xstrdup(w.tr.data);
	cJSON *rj = rep_report_json(w.rep);
	assert_non_null(cJSON_GetObjectItem(rj, "domain:example.org"));
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(rj, "ip:192.0.2.7")) > 0);
	cJSON_Delete(rj);
	w_close(&w);
	return out;
}

static void test_complaints_deterministic(void **state)
{
	(void)state;
	int n1, n2, n3;
	char *a = complaints_run(7, &n1), *b = complaints_run(7, &n2), *c = complaints_run(8, &n3);
	assert_true(n1 > 3 && n1 < 25); /* about 30 % of 40 */
	assert_int_equal(n1, n2);
	assert_string_equal(a, b);
	assert_true(strcmp(a, c) != 0); /* another seed, other readers complain */
	assert_non_null(strstr(a, "\"keys\":\"domain:example.org\""));
	free(a);
	free(b);
	free(c);
	/* No complaint rate: no draw at all (the world's PRNG is untouched). */
	struct world1 w = {.cfg = defaults()};
	w_open(&w, 7);
	struct rng saved = w.sim->rng;
	rep_message(w.rep, "192.0.2.7", NULL, "m", REP_AUTH_UNCHECKED, 0);
	rep_shown(w.rep, "192.0.2.7", NULL, "m", "r@example.net", "r@example.net", "INBOX");
	assert_memory_equal(&saved, &w.sim->rng, sizeof saved);
	w_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_penalties),
		cmocka_unit_test(test_decay),
		cmocka_unit_test(test_levels_and_places),
		cmocka_unit_test(test_unknown_and_traps),
		cmocka_unit_test(test_actions_and_decay),
		cmocka_unit_test(test_volume),
		cmocka_unit_test(test_complaints_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
