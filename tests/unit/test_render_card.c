/* test_render_card.c — decisions explained and time told, checked through
 * the scene description against the trace: the decision card (key D) of
 * an SPF fail, of a scored message (the spam waterfall: the trace's
 * symbols, in order, adding up to its TOTAL, against the thresholds the
 * TOTAL carries) and of a message with three recipients; a click on a
 * badge opens its card; the receiving host's check chain at a refusal at
 * RCPT; the timeline's skipped time and day ticks. Card frames pass the
 * every-frame text checks too, in both modes. */
#include "test_render_story.h"
#include "clock.h"


/* The timeline tells how much idle time was skipped, in the words of the
 * longest gap between two events ("… 1 h 6 min later"), and marks each
 * new simulated day ("day 2") of a retry schedule that runs for days. */
static void timeline_case(const char *name, bool days)
{
	struct story s;
	char span[48], want[64];
	int64_t longest = 0;

	story_open(&s, name, 1280, 720, 1.0, false);
	for (size_t i = 1; i < s.m->nev; i++)
		if (s.m->ev[i].t_us - s.m->ev[i - 1].t_us > longest)
			longest = s.m->ev[i].t_us - s.m->ev[i - 1].t_us;
	clk_fmt_span(longest, span, sizeof span);
	snprintf(want, sizeof want, "… %s later", span);
	cJSON *sc = story_scene(&s, (long)s.m->nev / 2);
	if (!text_named(sc, want))
		FAILF("%s: the longest idle gap is not labelled \"%s\"\n", name, want);
	int64_t end = s.m->ev[s.m->nev - 1].t_us;
	if (days && end > INT64_C(86400000000) * 2 && !text_named(sc, "day 2"))
		FAILF("%s: a %lld s trace has no \"day 2\" on its timeline\n", name,
		      (long long)(end / 1000000));
	cJSON_Delete(sc);
	story_close(&s);
}

static void test_timeline_days_and_skips(void **state)
{
	(void)state;
	timeline_case("dead-domain", true);
	timeline_case("exim-retry", true);
}

/* ---- decisions explained ---- */

static const cJSON *card_of(const cJSON *sc)
{
	const cJSON *c = cJSON_GetObjectItem(sc, "card");
	if (!cJSON_IsObject(c))
		FAILF("no decision card in the scene\n");
	return c;
}

/* The frame of event ev with its decision card opened by key D, checked
 * like every frame (texts inside, big enough, none over another). */
static cJSON *card_scene(struct story *s, long ev, int min_px)
{
	cJSON *sc = story_scene(s, ev);
	cJSON_Delete(sc);
	view_session_key(s->vs, 'd');
	sc = story_scene(s, -1);
	check_texts(s, sc, ev, min_px);
	return sc;
}

static bool has_text_with(const cJSON *sc, const char *part)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(sc, "texts"))
		if (strstr(str_of(t, "text"), part))
			return true;
	return false;
}

/* spoofed-sender: the SPF fail at mx1 explained — in words, by its rule,
 * with the reply that followed on that connection and the SPF record the
 * DNS gave mx1 (both as the trace has them). */
static void card_spf_case(bool projector)
{
	struct story s;

	story_open(&s, "spoofed-sender", projector ? 1920 : 1280, projector ? 1080 : 720, 1.0,
		   projector);
	long spf = story_find(&s, TM_FILTER_CHECK, "filter", "spf", 0);
	cJSON *sc = card_scene(&s, spf, projector ? 28 : 16);
	const cJSON *c = card_of(sc);
	assert_int_equal((long)cJSON_GetObjectItem(c, "trace_event")->valuedouble, spf);
	assert_string_equal(str_of(c, "host"), "mx1.example.net");
	if (!strstr(str_of(c, "reason"), "not among the servers") ||
	    !strstr(str_of(c, "reason"), tm_get(&s.m->ev[spf], "detail")))
		FAILF("reason: got \"%s\"\n", str_of(c, "reason"));
	if (!strstr(str_of(c, "rule"), "SPF (RFC 7208)") || !strstr(str_of(c, "rule"), "fail"))
		FAILF("rule: got \"%s\"\n", str_of(c, "rule"));
	long reply = -1; /* the first refusal mx1 sent after the check */
	for (long i = spf + 1; i < (long)s.m->nev && reply < 0; i++)
		if (s.m->ev[i].kind == TM_SMTP_SEND && s.m->ev[i].dir == TM_DIR_S2C &&
		    s.m->ev[i].node == s.m->ev[spf].node && tm_text(&s.m->ev[i])[0] == '5')
			reply = i;
	assert_true(reply > 0);
	assert_string_equal(str_of(c, "reply"), tm_text(&s.m->ev[reply]));
	if (!strstr(str_of(c, "dns"), "v=spf1") || !strstr(str_of(c, "dns"), "TXT"))
		FAILF("dns: got \"%s\"\n", str_of(c, "dns"));
	if (!has_text_with(sc, "SPF (RFC 7208)"))
		FAILF("the rule is not on screen\n");
	cJSON_Delete(sc);
	story_close(&s);
}

static void test_card_spf_fail(void **state)
{
	(void)state;
	card_spf_case(false);
	card_spf_case(true);
}

/* spam-scored: the waterfall's bars are the trace's symbols, in order,
 * with their scores; they add up to the TOTAL; the thresholds are those
 * the TOTAL was held against; each symbol's name is on screen. */
static void card_spam_case(bool projector)
{
	struct story s;

	story_open(&s, "spam-scored", projector ? 1920 : 1280, projector ? 1080 : 720, 1.0,
		   projector);
	long total = story_find(&s, TM_FILTER_CHECK, "symbol", "TOTAL", 0);
	long dec = story_find(&s, TM_POLICY_DECISION, NULL, NULL, total);
	assert_true(total > 0 && dec > total);
	cJSON *sc = card_scene(&s, dec, projector ? 28 : 16);
	const cJSON *w = cJSON_GetObjectItem(card_of(sc), "waterfall"), *b;
	if (!cJSON_IsObject(w))
		FAILF("the spam decision's card has no waterfall\n");
	long i = 0;
	double sum = 0;
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(w, "bars")) {
		while (i < total && !(s.m->ev[i].kind == TM_FILTER_CHECK && tm_get(&s.m->ev[i], "score") &&
				      strcmp(tm_get(&s.m->ev[i], "filter"), "spam") == 0))
			i++;
		assert_true(i < total);
		assert_string_equal(str_of(b, "symbol"), tm_get(&s.m->ev[i], "symbol"));
		double want = strtod(tm_get(&s.m->ev[i], "score"), NULL);
		double got = cJSON_GetObjectItem(b, "score")->valuedouble;
		if (fabs(got - want) > 0.005)
			FAILF("%s: got %g, want %g\n", str_of(b, "symbol"), got, want);
		if (!has_text_with(sc, str_of(b, "symbol")))
			FAILF("the symbol %s is not on screen\n", str_of(b, "symbol"));
		sum += got;
		i++;
	}
	double tot = strtod(tm_get(&s.m->ev[total], "score"), NULL);
	if (fabs(sum - tot) > 0.01 || fabs(cJSON_GetObjectItem(w, "total")->valuedouble - tot) > 0.005)
		FAILF("the bars add up to %g, the TOTAL is %g\n", sum, tot);
	const char *ths = tm_get(&s.m->ev[total], "thresholds");
	const cJSON *t;
	int n = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(w, "thresholds")) {
		char want[64];
		snprintf(want, sizeof want, "%s %.2f", str_of(t, "name"),
			 cJSON_GetObjectItem(t, "score")->valuedouble);
		if (!strstr(ths, want))
			FAILF("threshold %s not in the trace's \"%s\"\n", want, ths);
		n++;
	}
	assert_true(n >= 3); /* greylist, add_header, reject at least */
	cJSON_Delete(sc);
	story_close(&s);
}

static void test_card_spam_waterfall(void **state)
{
	(void)state;
	card_spam_case(false);
	card_spam_case(true);
}

/* multi-recipient-mixed: at the greylisting deferral, the card lists the
 * three recipients with the latest word the trace has on each. */
static void test_card_multi_recipient(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "multi-recipient-mixed", 1280, 720, 1.0, false);
	long defer = story_find(&s, TM_QUEUE_DEFER, NULL, NULL, 0);
	cJSON *sc = card_scene(&s, defer, 16);
	const cJSON *r, *rs = cJSON_GetObjectItem(card_of(sc), "recipients");
	assert_int_equal(cJSON_GetArraySize(rs), 3);
	cJSON_ArrayForEach(r, rs) {
		const struct tm_event *last = NULL; /* the sending queue's last word */
		for (long i = 0; i <= defer; i++) {
			const struct tm_event *e = &s.m->ev[i];
			if (e->rcpt && e->msg && strcmp(e->rcpt, str_of(r, "rcpt")) == 0 &&
			    strcmp(e->msg, "m1") == 0 &&
			    (e->kind == TM_QUEUE_DONE || e->kind == TM_QUEUE_DEFER || e->kind == TM_QUEUE_BOUNCE))
				last = e;
		}
		assert_non_null(last);
		const char *want = last->kind == TM_QUEUE_DONE ? tm_get(last, "result")
				   : last->kind == TM_QUEUE_DEFER ? "deferred" : "bounced";
		assert_string_equal(str_of(r, "fate"), want);
		assert_string_equal(str_of(r, "status"), tm_get(last, "status"));
		if (!has_text_with(sc, str_of(r, "rcpt")))
			FAILF("%s is not on screen\n", str_of(r, "rcpt"));
	}
	cJSON_Delete(sc);
	story_close(&s);
}

/* A click on a decision badge opens that decision's card. */
static void test_badge_click_opens_card(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "multi-recipient-mixed", 1280, 720, 1.0, false);
	bool clicked = false;
	for (long ev = 0; ev < (long)s.m->nev && !clicked; ev++) {
		cJSON *sc = story_scene(&s, ev);
		const cJSON *d;
		cJSON_ArrayForEach(d, cJSON_GetObjectItem(sc, "decisions")) {
			struct box b = box_of(d);
			if (cJSON_IsTrue(cJSON_GetObjectItem(d, "current")) || b.w <= 0)
				continue;
			long want = (long)cJSON_GetObjectItem(d, "trace_event")->valuedouble;
			view_session_click(s.vs, (float)(b.x + b.w / 2), (float)(b.y + b.h / 2));
			cJSON *after = story_scene(&s, -1);
			assert_int_equal((long)cJSON_GetObjectItem(card_of(after), "trace_event")->valuedouble,
					 want);
			cJSON_Delete(after);
			clicked = true;
			break;
		}
		cJSON_Delete(sc);
	}
	assert_true(clicked);
	story_close(&s);
}

static const char *stage_state(const cJSON *sc, const char *name)
{
	const cJSON *st;
	cJSON_ArrayForEach(st, cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "checks"), "stages"))
		if (strcmp(str_of(st, "name"), name) == 0)
			return str_of(st, "state");
	return "(missing)";
}

/* unknown-user: the check chain on mx1 at the refusal of the recipient:
 * connection, HELO and sender passed, recipient failed, nothing after it
 * lit; and at the end of a good delivery (basic-delivery) all seven lit. */
static void test_check_chain(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "unknown-user", 1280, 720, 1.0, false);
	long rej = story_find(&s, TM_POLICY_DECISION, "decision", "reject", 0);
	for (long ev = rej; ev < rej + 3; ev++) {
		cJSON *sc = story_scene(&s, ev);
		assert_string_equal(str_of(cJSON_GetObjectItem(sc, "checks"), "host"), "mx1.example.net");
		static const char *const want[][2] = {
			{"connection", "pass"}, {"HELO", "pass"}, {"sender", "pass"},
			{"recipient", "fail"}, {"content", "unlit"}, {"policy", "unlit"},
			{"delivery", "unlit"},
		};
		for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
			if (strcmp(stage_state(sc, want[k][0]), want[k][1]) != 0)
				FAILF("event %ld: %s is %s, want %s\n", ev, want[k][0],
				      stage_state(sc, want[k][0]), want[k][1]);
		if (!text_named(sc, "recipient"))
			FAILF("event %ld: the strip is not drawn\n", ev);
		cJSON_Delete(sc);
	}
	story_close(&s);
	story_open(&s, "basic-delivery", 1280, 720, 1.0, false);
	long store = story_find(&s, TM_MAILBOX_STORE, NULL, NULL, 0);
	cJSON *sc = story_scene(&s, store);
	static const char *const all[] = {"connection", "HELO", "sender", "recipient", "content",
					  "policy", "delivery"};
	for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
		if (strcmp(stage_state(sc, all[k]), "pass") != 0)
			FAILF("basic-delivery at the store: %s is %s\n", all[k], stage_state(sc, all[k]));
	cJSON_Delete(sc);
	story_close(&s);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeline_days_and_skips),
		cmocka_unit_test(test_card_spf_fail),
		cmocka_unit_test(test_card_spam_waterfall),
		cmocka_unit_test(test_card_multi_recipient),
		cmocka_unit_test(test_badge_click_opens_card),
		cmocka_unit_test(test_check_chain),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
