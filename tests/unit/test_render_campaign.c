/* test_render_campaign.c — the campaign panel in the frame: present for a
 * campaign scenario and absent for another, toggled by key C, its texts
 * inside the window, above the minimum size and apart in both modes; and
 * the reputation gauges of the hand-written fixture
 * (tests/campaign/rep-fixture.jsonl) moving key by key as the trace says. */
#include "test_render_story.h"

static void expect_long(const char *what, long got, long want)
{
	if (got != want)
		FAILF("%s: got %ld, want %ld\n", what, got, want);
}

/* the shared header's helpers this file does not need */
static void unused_helpers(void)
{
	(void)story_find;
	(void)text_named;
}

static const cJSON *panel_of(const cJSON *sc)
{
	const cJSON *c = cJSON_GetObjectItem(sc, "campaign");
	return cJSON_IsObject(c) ? c : NULL;
}

static bool has_text_prefix(const cJSON *sc, const char *prefix)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(sc, "texts"))
		if (strncmp(str_of(t, "text"), prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void test_present_and_absent(void **state)
{
	struct story s;

	(void)state;
	for (int projector = 0; projector < 2; projector++) {
		int w = projector ? 1920 : 1280, h = projector ? 1080 : 720;
		story_open(&s, "campaign-dirty-list", w, h, 1.0, projector);
		long pause = -1;
		for (size_t i = 0; i < s.m->nev && pause < 0; i++)
			if (strcmp(tm_kind_name(&s.m->ev[i]), "campaign.pause") == 0)
				pause = (long)i;
		if (pause < 0)
			FAILF("campaign-dirty-list: no campaign.pause in the trace\n");
		cJSON *sc = story_scene(&s, pause);
		const cJSON *p = panel_of(sc);
		if (!p || !has_text_prefix(sc, "Campaigns"))
			FAILF("campaign-dirty-list: no campaign panel at the pause\n");
		const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "campaigns"), 0);
		/* Paused after its 20th message was composed (the pause is judged before
		 * the next one is handed over): the panel and the pause agree. */
		expect_long("sent at the pause", cJSON_GetObjectItem(c, "sent")->valueint, 20);
		if (!cJSON_IsTrue(cJSON_GetObjectItem(c, "paused")) ||
		    !has_text_prefix(sc, "spring: PAUSED at 20 sent (10%)"))
			FAILF("the pause is not shown at the pause event\n");
		check_texts(&s, sc, pause, projector ? 28 : 16);
		struct box b = box_of(p);
		if (b.x < 0 || b.y < 0 || b.x + b.w > w || b.y + b.h > h || b.w <= 0 || b.h <= 0)
			FAILF("campaign box [%g %g %g %g] outside %dx%d\n", b.x, b.y, b.w, b.h, w, h);
		cJSON_Delete(sc);
		/* C hides it, C shows it again */
		view_session_key(s.vs, 'c');
		sc = story_scene(&s, pause);
		if (panel_of(sc) || has_text_prefix(sc, "Campaigns"))
			FAILF("key C does not hide the campaign panel\n");
		cJSON_Delete(sc);
		view_session_key(s.vs, 'c');
		sc = story_scene(&s, pause);
		if (!panel_of(sc))
			FAILF("key C does not bring the campaign panel back\n");
		cJSON_Delete(sc);
		story_close(&s);

		story_open(&s, "basic-delivery", w, h, 1.0, projector);
		sc = story_scene(&s, 40);
		if (panel_of(sc) || has_text_prefix(sc, "Campaigns"))
			FAILF("basic-delivery shows a campaign panel\n");
		view_session_key(s.vs, 'c'); /* nothing to show: the key does nothing */
		cJSON_Delete(sc);
		sc = story_scene(&s, 40);
		if (panel_of(sc))
			FAILF("basic-delivery shows a campaign panel after key C\n");
		cJSON_Delete(sc);
		story_close(&s);
	}
}

/* ---- the fixture: a trace with rep.update, read as the viewer reads any trace ---- */

static char *fixture_text(size_t *len)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/campaign/rep-fixture.jsonl", src ? src : ".");
	FILE *f = fopen(path, "rb");
	if (!f)
		FAILF("cannot open %s\n", path);
	char *buf = xmalloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static const cJSON *gauge(const cJSON *panel, const char *host, const char *key)
{
	const cJSON *g;

	cJSON_ArrayForEach(g, cJSON_GetObjectItem(panel, "reputation"))
		if (strcmp(str_of(g, "host"), host) == 0 && strcmp(str_of(g, "key"), key) == 0)
			return g;
	return NULL;
}

static void test_fixture_gauges(void **state)
{
	/* event index: the expected IP score and level (-1: no data yet) */
	static const struct { long ev; int ip; const char *text; } steps[] = {
		{2, -1, NULL}, {3, 50, "50 neutral"}, {8, 38, "38 poor"}, {28, 12, "12 bad"},
		{33, 25, "25 poor"},
	};
	size_t len;
	char *text = fixture_text(&len);
	struct view_input in = {.title = "rep fixture", .trace = text, .trace_len = len};
	char err[256] = "";

	(void)state;
	/* the frame as a picture, to look at (not compared) */
	struct view_frame_req req = {.event = 28, .width = 1280, .height = 720,
				     .out_path = "rep-fixture-panel.png"};
	if (view_render_frame(&in, &req, err, sizeof err) != 0)
		FAILF("rep-fixture render: %s\n", err);
	req.projector = true;
	req.width = 1920;
	req.height = 1080;
	req.out_path = "rep-fixture-panel-projector.png";
	if (view_render_frame(&in, &req, err, sizeof err) != 0)
		FAILF("rep-fixture render: %s\n", err);
	for (int projector = 0; projector < 2; projector++) {
		struct story s = {.name = "rep-fixture"};
		s.vs = view_session_new(&in, projector ? 1920 : 1280, projector ? 1080 : 720, 1.0,
					projector, err, sizeof err);
		if (!s.vs)
			FAILF("rep-fixture: %s\n", err);
		for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
			cJSON *sc = story_scene(&s, steps[i].ev);
			const cJSON *p = panel_of(sc);
			if (!p)
				FAILF("rep-fixture event %ld: no campaign panel\n", steps[i].ev);
			const cJSON *g = gauge(p, "mx.bigmail.example", "ip:192.0.2.10");
			expect_long("IP score", g ? cJSON_GetObjectItem(g, "score")->valueint : -2,
				    steps[i].ip);
			if (steps[i].text && !has_text_prefix(sc, steps[i].text))
				FAILF("rep-fixture event %ld: no gauge text \"%s\"\n", steps[i].ev,
				      steps[i].text);
			check_texts(&s, sc, steps[i].ev, projector ? 28 : 16);
			cJSON_Delete(sc);
		}
		view_session_free(s.vs);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_gauges),
		cmocka_unit_test(test_present_and_absent),
	};
	unused_helpers();
	return cmocka_run_group_tests(tests, setup, NULL);
}
