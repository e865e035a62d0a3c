/* test_render_pace.c — display pacing (render/pace.c) and the timeline it
 * feeds: base dwells by kind, faster repeats, bursts, idle gaps shown
 * shorter when what follows is a repeat, the one-minute budget; and over
 * the shipped scenarios, that five days of retries play in about a
 * minute at 1x while the first attempt is still told slowly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"
#include "playback.h"
#include "test_render_world.h"
#include "timeline.h"
#include "trace_model.h"
#include "util.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

static void expect_long(const char *what, long got, long want)
{
	if (got != want)
		FAILF("%s: got %ld, want %ld\n", what, got, want);
}

static struct tm_model *parse(const char *trace)
{
	char err[256] = "";
	struct tm_model *m = tm_parse(trace, strlen(trace), NULL, 0, err, sizeof err);

	if (!m)
		FAILF("trace did not parse: %s\n", err);
	return m;
}

static void test_repeat_permille(void **state)
{
	static const struct { unsigned r; int want; } c[] = {
		{0, 1000}, {1, 500}, {2, 250}, {3, 125}, {6, 15}, {7, 8}, {8, 8}, {40, 8},
	};

	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		char what[48];
		snprintf(what, sizeof what, "share of repeat %u", c[i].r);
		expect_long(what, pace_repeat_permille(c[i].r), c[i].want);
	}
}

static const char sig_trace[] =
	"{\"t\":1.0,\"kind\":\"queue.attempt\",\"node\":\"a\",\"queue_id\":\"Q1\",\"attempt\":7,\"domain\":\"x.example\"}\n"
	"{\"t\":2.0,\"kind\":\"queue.attempt\",\"node\":\"a\",\"queue_id\":\"Q1\",\"attempt\":8,\"domain\":\"x.example\"}\n"
	"{\"t\":3.0,\"kind\":\"queue.attempt\",\"node\":\"b\",\"queue_id\":\"Q1\",\"attempt\":8,\"domain\":\"x.example\"}\n"
	"{\"t\":4.0,\"kind\":\"queue.attempt\",\"node\":\"a\",\"queue_id\":\"Q1\",\"attempt\":8,\"domain\":\"y.example\"}\n"
	"{\"t\":5.0,\"kind\":\"dns.query\",\"node\":\"a\",\"peer\":\"b\",\"qname\":\"x.example\",\"qtype\":\"MX\",\"id\":17}\n"
	"{\"t\":6.0,\"kind\":\"dns.query\",\"node\":\"a\",\"peer\":\"b\",\"qname\":\"x.example\",\"qtype\":\"MX\",\"id\":40213}\n";

static void test_signature(void **state)
{
	struct tm_model *m = parse(sig_trace);
	uint64_t s[6];

	for (int i = 0; i < 6; i++)
		s[i] = pace_signature(&m->ev[i]);
	expect_long("attempt 7 and 8 are one step told again", s[0] == s[1], 1);
	expect_long("another host is another step", s[1] == s[2], 0);
	expect_long("another domain is another step", s[1] == s[3], 0);
	expect_long("DNS ids do not matter", s[4] == s[5], 1);
	expect_long("kinds differ", s[0] == s[4], 0);
	tm_free(m);
}

/* Repeat counts over more distinct steps than the count table starts
 * with (it grows with them): 3 rounds over 3000 domains named in letters
 * (digits would be squeezed into one step); round r of a step is its
 * r-th repeat, whether the table grew in between or not. */
static void test_many_steps(void **state)
{
	enum { DOMAINS = 3000, ROUNDS = 3, N = DOMAINS * ROUNDS };
	struct strbuf sb;
	int64_t *dwell = xmalloc(N * sizeof *dwell), *gap = xmalloc(N * sizeof *gap);

	sb_init(&sb);
	for (int i = 0; i < N; i++) {
		int d = i % DOMAINS;
		sb_printf(&sb, "{\"t\":%d.0,\"kind\":\"queue.attempt\",\"node\":\"a\","
			  "\"queue_id\":\"Q\",\"attempt\":1,\"domain\":\"%c%c%c.example\"}\n",
			  i, 'a' + d % 26, 'a' + d / 26 % 26, 'a' + d / 676);
	}
	struct tm_model *m = parse(sb.data);
	expect_long("events", (long)m->nev, N);
	pace_compute(m, 0, dwell, gap);
	for (int i = 0; i < N; i++) {
		int64_t want = PACE_OTHER_US * pace_repeat_permille((unsigned)(i / DOMAINS)) / 1000;
		if (dwell[i] != want)
			FAILF("event %d (round %d): dwell %lld, want %lld\n", i, i / DOMAINS,
			      (long long)dwell[i], (long long)want);
	}
	tm_free(m);
	sb_free(&sb);
	free(dwell);
	free(gap);
}

/* Each row: the event, then its expected dwell and following gap. */
static const char pace_trace[] =
	"{\"t\":0.000000,\"kind\":\"narrate\",\"text\":\"Watch.\"}\n"
	"{\"t\":0.001000,\"kind\":\"smtp.send\",\"node\":\"c\",\"peer\":\"s\",\"conn\":1,\"dir\":\"c2s\",\"line\":\"EHLO c\"}\n"
	"{\"t\":0.002000,\"kind\":\"smtp.send\",\"node\":\"s\",\"peer\":\"c\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"250-s\"}\n"
	"{\"t\":0.002000,\"kind\":\"smtp.send\",\"node\":\"s\",\"peer\":\"c\",\"conn\":1,\"dir\":\"s2c\",\"line\":\"250 SIZE\"}\n"
	"{\"t\":0.003000,\"kind\":\"queue.defer\",\"node\":\"c\",\"rcpt\":\"x@y\",\"reason\":\"timeout\",\"next_attempt\":14400.003}\n"
	"{\"t\":14400.003000,\"kind\":\"queue.attempt\",\"node\":\"c\",\"queue_id\":\"Q\",\"attempt\":2,\"domain\":\"y\"}\n"
	"{\"t\":14400.004000,\"kind\":\"queue.defer\",\"node\":\"c\",\"rcpt\":\"x@y\",\"reason\":\"timeout\",\"next_attempt\":28800.004}\n"
	"{\"t\":28800.004000,\"kind\":\"queue.attempt\",\"node\":\"c\",\"queue_id\":\"Q\",\"attempt\":3,\"domain\":\"y\"}\n";

static void test_pace_rules(void **state)
{
	static const int64_t want_dwell[] = {
		PACE_NARRATE_US, PACE_TRAVEL_US, PACE_TRAVEL_US,
		PACE_TRAVEL_US / 2,                /* burst: the reply's last line */
		PACE_DECISION_US, PACE_OTHER_US,
		PACE_DECISION_US / 2,              /* the defer, told again */
		PACE_OTHER_US / 2,                 /* the attempt, told again */
	};
	static const int64_t want_gap[] = {
		1000, 1000, 0, 1000,
		TL_GAP_SPAN_US,                    /* 4 h, then something new */
		1000,
		TL_GAP_SPAN_US / 2,                /* 4 h, then a repeat */
		0,
	};
	struct tm_model *m = parse(pace_trace);
	int64_t dwell[8], gap[8], sum = 0;

	expect_long("events", (long)m->nev, 8);
	int64_t total = pace_compute(m, 0, dwell, gap);
	for (size_t i = 0; i < 8; i++) {
		char what[32];
		snprintf(what, sizeof what, "dwell[%zu]", i);
		expect_long(what, (long)dwell[i], (long)want_dwell[i]);
		snprintf(what, sizeof what, "gap[%zu]", i);
		expect_long(what, (long)gap[i], (long)want_gap[i]);
		sum += dwell[i] + gap[i];
	}
	expect_long("total", (long)total, (long)sum);
	tm_free(m);
}

static void test_pace_budget(void **state)
{
	struct tm_model *m = parse(pace_trace);
	int64_t dwell[8], gap[8], free_dw[8], free_gap[8];
	int64_t natural = pace_compute(m, 0, free_dw, free_gap);
	int64_t budget = natural / 4;
	int64_t total = pace_compute(m, budget, dwell, gap);

	if (total > budget || total < budget - 16)
		FAILF("fitted total: got %lld, want %lld (-16)\n", (long long)total,
		      (long long)budget);
	for (size_t i = 0; i < 8; i++) {
		int64_t want = free_dw[i] * budget / natural;
		if (dwell[i] != (want < PACE_MIN_DWELL_US ? PACE_MIN_DWELL_US : want))
			FAILF("dwell[%zu]: got %lld, want %lld\n", i, (long long)dwell[i],
			      (long long)want);
	}
	/* under the budget nothing changes */
	expect_long("roomy budget", (long)pace_compute(m, natural * 2, dwell, gap),
		    (long)natural);
	expect_long("roomy dwell kept", (long)dwell[0], PACE_NARRATE_US);
	tm_free(m);
}

/* The timeline takes the paced gaps: labelled where the simulated gap is
 * idle, with their paced display length. */
static void test_timeline_with_gaps(void **state)
{
	struct tm_model *m = parse(pace_trace);
	int64_t t[8], dwell[8], gap[8];

	for (size_t i = 0; i < 8; i++)
		t[i] = m->ev[i].t_us;
	int64_t total = pace_compute(m, 0, dwell, gap);
	struct tl_map *map = tl_build(t, dwell, gap, 8);
	expect_long("total", (long)map->total, (long)total);
	expect_long("idle gaps", (long)map->ngaps, 2);
	expect_long("first gap's display length", (long)map->gaps[0].d_len, TL_GAP_SPAN_US);
	expect_long("second gap's display length", (long)map->gaps[1].d_len,
		    TL_GAP_SPAN_US / 2);
	if (strcmp(map->gaps[1].label, "+4 h") != 0)
		FAILF("gap label: got \"%s\", want \"+4 h\"\n", map->gaps[1].label);
	expect_long("event 5 starts after the first gap", (long)map->d[5],
		    (long)(map->d[4] + dwell[4] + TL_GAP_SPAN_US));
	tl_free(map);
	tm_free(m);
}

/* ---- the shipped scenarios ---- */

struct paced {
	struct rw_run *run; /* owns the trace text the model points into */
	struct tm_model *m;
	int64_t *dwell, *gap, total;
};

static struct paced pace_scenario(const char *name)
{
	struct paced p = {xcalloc(1, sizeof *p.run), NULL, NULL, NULL, 0};
	char err[256] = "";

	if (!rw_load(p.run, name))
		FAILF("scenario %s does not load\n", name);
	struct view_input in = rw_input(p.run);
	p.m = tm_parse(in.trace, in.trace_len, in.hosts, in.nhosts, err, sizeof err);
	if (!p.m)
		FAILF("%s: %s\n", name, err);
	p.dwell = xmalloc(p.m->nev * sizeof *p.dwell);
	p.gap = xmalloc(p.m->nev * sizeof *p.gap);
	p.total = pace_compute(p.m, PACE_BUDGET_US, p.dwell, p.gap);
	return p;
}

static void paced_free(struct paced *p)
{
	free(p->dwell);
	free(p->gap);
	tm_free(p->m);
	rw_free(p->run);
	free(p->run);
}

/* Play from the start at 1x in 60 Hz frames, as the window does. */
static double play_seconds(const struct paced *p)
{
	int64_t *t = xmalloc(p->m->nev * sizeof *t);
	struct pb_state pb;
	long frames = 0;

	for (size_t i = 0; i < p->m->nev; i++)
		t[i] = p->m->ev[i].t_us;
	struct tl_map *map = tl_build(t, p->dwell, p->gap, p->m->nev);
	pb_init(&pb);
	pb_toggle(&pb, map);
	while (pb.playing && frames < 100000) {
		pb_advance(&pb, map, 16667);
		frames++;
	}
	tl_free(map);
	free(t);
	return (double)frames * 16667 / 1e6;
}

static long nth_of_kind(const struct tm_model *m, enum tm_kind k, int nth)
{
	for (size_t i = 0; i < m->nev; i++)
		if (m->ev[i].kind == k && nth-- == 0)
			return (long)i;
	return -1;
}

static void test_dead_domain_in_a_minute(void **state)
{
	struct paced p = pace_scenario("dead-domain");
	int64_t span = p.m->ev[p.m->nev - 1].t_us - p.m->ev[0].t_us;
	double secs = play_seconds(&p);

	if (span < 4LL * 86400 * 1000000)
		FAILF("dead-domain spans %lld s, want days\n", (long long)(span / 1000000));
	print_message("dead-domain: %zu events, %.1f simulated days, %.1f s at 1x\n",
		      p.m->nev, (double)span / 86400e6, secs);
	if (secs < 50 || secs > 65)
		FAILF("dead-domain plays in %.1f s at 1x, want about a minute (50..65)\n", secs);
	long first = nth_of_kind(p.m, TM_NET_TIMEOUT, 0);
	long later = nth_of_kind(p.m, TM_NET_TIMEOUT, 50);
	if (first < 0 || later < 0 || p.dwell[first] < 8 * p.dwell[later])
		FAILF("first timeout dwell %lld, 51st %lld: want the first told >= 8x slower\n",
		      (long long)(first >= 0 ? p.dwell[first] : 0),
		      (long long)(later >= 0 ? p.dwell[later] : 0));
	if (p.dwell[first] < 300000)
		FAILF("first timeout dwell %lld us, want >= 0.3 s to be seen\n",
		      (long long)p.dwell[first]);
	paced_free(&p);
}

static void test_every_scenario_fits(void **state)
{
	size_t n;
	char **names = rw_scenarios(&n);

	if (n < 10)
		FAILF("found %zu scenarios, want the shipped ones (>= 10)\n", n);
	for (size_t i = 0; i < n; i++) {
		struct paced p = pace_scenario(names[i]);
		double secs = play_seconds(&p);
		print_message("%-24s %5zu events  %5.1f s at 1x\n", names[i], p.m->nev, secs);
		if (secs < 10 || secs > 62)
			FAILF("%s plays in %.1f s at 1x, want 10..62\n", names[i], secs);
		paced_free(&p);
	}
	rw_free_names(names, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeat_permille),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_pace_rules),
		cmocka_unit_test(test_many_steps),
		cmocka_unit_test(test_pace_budget),
		cmocka_unit_test(test_timeline_with_gaps),
		cmocka_unit_test(test_dead_domain_in_a_minute),
		cmocka_unit_test(test_every_scenario_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
