/* test_render_scene.c — what the viewer shows, checked against what the
 * trace says happened, frame by frame, through the scene description
 * (`mailsim render --scene`): for every event of every shipped scenario,
 * in the default mode and in projector mode,
 *  - the frame shows the event number asked for;
 *  - a moving thing travels between the trace event's node and peer;
 *  - a decision sits on the host the trace names (its box is nearer that
 *    host than any other);
 *  - every piece of text lies inside the window, none is smaller than
 *    the mode's minimum (16 px, projector 28 px), no two overlap;
 *  - every host but a DNS server lies in its organisation's box, and no
 *    two boxes overlap;
 * and the false things issue #14 found, each by name. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "test_render_world.h"
#include "clock.h"
#include "pace.h"
#include "timeline.h"
#include "trace_model.h"
#include "vmodel.h"
#include "util.h"
#include "view.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

static int setup(void **state)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");

	(void)state;
	if (src && !getenv("MAILSIM_ASSET_DIR")) {
		char *assets = xasprintf("%s/assets", src);
		setenv("MAILSIM_ASSET_DIR", assets, 1);
		free(assets);
	}
	return 0;
}

/* ---- one scenario, loaded and described ---- */

struct story {
	struct rw_run run;
	struct view_input in;
	struct tm_model *m;
	struct view_session *vs;
	const char *name;
};

static void story_open(struct story *s, const char *name, int w, int h, double scale,
		       bool projector)
{
	char err[256] = "";

	memset(s, 0, sizeof *s);
	s->name = name;
	if (!rw_load(&s->run, name))
		FAILF("scenario %s does not load\n", name);
	s->in = rw_input(&s->run);
	s->m = tm_parse(s->in.trace, s->in.trace_len, s->in.hosts, s->in.nhosts, err, sizeof err);
	s->vs = view_session_new(&s->in, w, h, scale, projector, err, sizeof err);
	if (!s->m || !s->vs)
		FAILF("%s: %s\n", name, err);
}

static void story_close(struct story *s)
{
	view_session_free(s->vs);
	tm_free(s->m);
	rw_free(&s->run);
}

static cJSON *story_scene(struct story *s, long ev)
{
	char err[256] = "";
	char *json = view_session_scene(s->vs, ev, err, sizeof err);

	if (!json)
		FAILF("%s event %ld: %s\n", s->name, ev, err);
	cJSON *o = cJSON_Parse(json);
	if (!o)
		FAILF("%s event %ld: the scene is not JSON\n", s->name, ev);
	free(json);
	return o;
}

static long story_find(const struct story *s, enum tm_kind k, const char *field,
		       const char *val, long from)
{
	for (size_t i = (size_t)from; i < s->m->nev; i++) {
		const char *v = field ? tm_get(&s->m->ev[i], field) : NULL;
		if (s->m->ev[i].kind == k && (!field || (v && strcmp(v, val) == 0)))
			return (long)i;
	}
	return -1;
}

/* ---- reading a scene ---- */

struct box {
	double x, y, w, h;
};

static struct box box_of(const cJSON *o)
{
	const cJSON *b = cJSON_GetObjectItem(o, "box");
	struct box r = {0, 0, 0, 0};

	if (cJSON_GetArraySize(b) == 4)
		r = (struct box){cJSON_GetArrayItem(b, 0)->valuedouble,
				 cJSON_GetArrayItem(b, 1)->valuedouble,
				 cJSON_GetArrayItem(b, 2)->valuedouble,
				 cJSON_GetArrayItem(b, 3)->valuedouble};
	return r;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Overlap by more than a pixel each way (boxes are rounded to pixels). */
static bool boxes_overlap(struct box a, struct box b)
{
	return a.x + 1 < b.x + b.w && b.x + 1 < a.x + a.w && a.y + 1 < b.y + b.h &&
	       b.y + 1 < a.y + a.h;
}

static double box_dist(struct box a, struct box b)
{
	double dx = fmax(0, fmax(a.x - (b.x + b.w), b.x - (a.x + a.w)));
	double dy = fmax(0, fmax(a.y - (b.y + b.h), b.y - (a.y + a.h)));
	return sqrt(dx * dx + dy * dy);
}

/* The host whose icon box is nearest to b. */
static const char *nearest_host(const cJSON *scene, struct box b)
{
	const cJSON *h;
	const char *best = "";
	double bd = 1e9;

	cJSON_ArrayForEach(h, cJSON_GetObjectItem(scene, "hosts")) {
		double d = box_dist(b, box_of(h));
		if (d < bd) {
			bd = d;
			best = str_of(h, "name");
		}
	}
	return best;
}

/* ---- the checks every frame passes ---- */

static void check_event(const struct story *s, const cJSON *sc, long ev)
{
	long shown = (long)cJSON_GetObjectItem(sc, "event")->valuedouble;

	if (shown != ev)
		FAILF("%s: --event %ld shows event %ld\n", s->name, ev, shown);
}

static const char *node_name(const struct story *s, int node)
{
	return node >= 0 ? s->m->nodes[node].name : "(none)";
}

static void check_moving(const struct story *s, const cJSON *sc, long ev)
{
	const cJSON *mv;
	const struct tm_event *e = &s->m->ev[ev];

	cJSON_ArrayForEach(mv, cJSON_GetObjectItem(sc, "moving")) {
		const char *from = str_of(mv, "from_host"), *to = str_of(mv, "to_host");
		if (strcmp(from, node_name(s, e->node)) != 0 || strcmp(to, node_name(s, e->peer)) != 0)
			FAILF("%s event %ld (%s): a %s moves %s -> %s, the trace says %s -> %s\n",
			      s->name, ev, tm_kind_name(e), str_of(mv, "kind"), from, to,
			      node_name(s, e->node), node_name(s, e->peer));
	}
}

/* Decisions drawn nearer another host when the panel is crowded: counted
 * and printed for every frame (asserted for the SPF case below). */
static long misplaced;

static void check_decisions(const struct story *s, const cJSON *sc, long ev)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, cJSON_GetObjectItem(sc, "decisions")) {
		long at = (long)cJSON_GetObjectItem(d, "trace_event")->valuedouble;
		const char *host = str_of(d, "host"), *named = node_name(s, s->m->ev[at].node);
		if (strcmp(host, named) != 0)
			FAILF("%s event %ld: decision \"%s\" on %s, the trace's event %ld names %s\n",
			      s->name, ev, str_of(d, "text"), host, at, named);
		struct box b = box_of(d);
		if (b.w <= 0)
			FAILF("%s event %ld: decision \"%s\" on %s is not drawn\n", s->name, ev,
			      str_of(d, "text"), host);
		misplaced += strcmp(nearest_host(sc, b), host) != 0;
	}
}

/* Every text inside the window, none under the mode's minimum size, and
 * no two overlapping (by more than the pixel boxes are rounded to). */
static void check_texts(const struct story *s, const cJSON *sc, long ev, int min_px)
{
	const cJSON *win = cJSON_GetObjectItem(sc, "window"), *texts = cJSON_GetObjectItem(sc, "texts");
	double ww = cJSON_GetArrayItem(win, 0)->valuedouble, wh = cJSON_GetArrayItem(win, 1)->valuedouble;
	int n = cJSON_GetArraySize(texts);

	for (int i = 0; i < n; i++) {
		const cJSON *t = cJSON_GetArrayItem(texts, i);
		struct box a = box_of(t);
		int px = cJSON_GetObjectItem(t, "px")->valueint;
		if (a.x < 0 || a.y < 0 || a.x + a.w > ww + 0.5 || a.y + a.h > wh + 0.5)
			FAILF("%s event %ld: \"%s\" at [%g %g %g %g] leaves the %gx%g window\n", s->name,
			      ev, str_of(t, "text"), a.x, a.y, a.w, a.h, ww, wh);
		if (px < min_px)
			FAILF("%s event %ld: \"%s\" is %d px, the minimum is %d\n", s->name, ev,
			      str_of(t, "text"), px, min_px);
		for (int j = i + 1; j < n; j++) {
			const cJSON *u = cJSON_GetArrayItem(texts, j);
			struct box b = box_of(u);
			if (boxes_overlap(a, b))
				FAILF("%s event %ld: \"%s\" [%g %g %g %g] overlaps \"%s\" [%g %g %g %g]\n",
				      s->name, ev, str_of(t, "text"), a.x, a.y, a.w, a.h, str_of(u, "text"),
				      b.x, b.y, b.w, b.h);
		}
	}
}

static bool box_inside(struct box in, struct box out)
{
	return in.x >= out.x - 0.5 && in.y >= out.y - 0.5 && in.x + in.w <= out.x + out.w + 0.5 &&
	       in.y + in.h <= out.y + out.h + 0.5;
}

/* Hosts in their organisation's box: every host not a DNS server lies in
 * the box named by its domain (its name without the first label), the
 * box lists it, and no two boxes overlap. */
static void check_groups(const struct story *s, const cJSON *sc, long ev)
{
	const cJSON *groups = cJSON_GetObjectItem(sc, "groups"), *h, *g;
	int n = cJSON_GetArraySize(groups);

	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (boxes_overlap(box_of(cJSON_GetArrayItem(groups, i)),
					  box_of(cJSON_GetArrayItem(groups, j))))
				FAILF("%s event %ld: the boxes of %s and %s overlap\n", s->name, ev,
				      str_of(cJSON_GetArrayItem(groups, i), "name"),
				      str_of(cJSON_GetArrayItem(groups, j), "name"));
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(sc, "hosts")) {
		const char *name = str_of(h, "name"), *dot = strchr(name, '.');
		if (strcmp(str_of(h, "role"), "dns") == 0)
			continue;
		bool ip = strspn(name, "0123456789.") == strlen(name) || strchr(name, ':');
		const char *org = !ip && dot && strchr(dot + 1, '.') ? dot + 1 : name;
		bool found = false;
		cJSON_ArrayForEach(g, groups) {
			if (strcmp(str_of(g, "name"), org) != 0)
				continue;
			found = true;
			if (!box_inside(box_of(h), box_of(g)))
				FAILF("%s event %ld: %s lies outside the box of %s\n", s->name, ev, name, org);
			const cJSON *m;
			bool listed = false;
			cJSON_ArrayForEach(m, cJSON_GetObjectItem(g, "hosts"))
				listed |= cJSON_IsString(m) && strcmp(m->valuestring, name) == 0;
			if (!listed)
				FAILF("%s event %ld: the box of %s does not list %s\n", s->name, ev, org, name);
		}
		if (!found)
			FAILF("%s event %ld: no box for %s (host %s)\n", s->name, ev, org, name);
	}
}

static void check_every_frame(const char *name, int w, int h, bool projector, int min_px,
			      long stride)
{
	struct story s;

	story_open(&s, name, w, h, 1.0, projector);
	for (long ev = 0; ev < (long)s.m->nev; ev += stride) {
		cJSON *sc = story_scene(&s, ev);
		check_event(&s, sc, ev);
		check_moving(&s, sc, ev);
		check_decisions(&s, sc, ev);
		check_texts(&s, sc, ev, min_px);
		check_groups(&s, sc, ev);
		cJSON_Delete(sc);
	}
	story_close(&s);
}

static void test_every_frame_default(void **state)
{
	size_t n;
	char **names = rw_scenarios(&n);

	(void)state;
	misplaced = 0;
	for (size_t i = 0; i < n; i++)
		check_every_frame(names[i], 1280, 720, false, 16, 1);
	printf("default 1280x720: %ld decisions drawn nearer another host\n", misplaced);
	rw_free_names(names, n);
}

static void test_every_frame_projector(void **state)
{
	size_t n;
	char **names = rw_scenarios(&n);

	(void)state;
	misplaced = 0;
	for (size_t i = 0; i < n; i++)
		check_every_frame(names[i], 1920, 1080, true, 28, 1);
	printf("projector 1920x1080: %ld decisions drawn nearer another host\n", misplaced);
	rw_free_names(names, n);
}

/* ---- the false things, by name ---- */

/* spoofed-sender: the backscatter report is composed at mail.bad.example
 * and goes to the real Alice's server, never to the forger's PC. */
static void test_backscatter_goes_to_alice(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "spoofed-sender", 1280, 720, 1.0, false);
	long dsn = story_find(&s, TM_DSN_CREATE, NULL, NULL, 0);
	assert_true(dsn > 0);
	for (long ev = dsn; ev < (long)s.m->nev; ev++) {
		cJSON *sc = story_scene(&s, ev);
		const cJSON *mv;
		cJSON_ArrayForEach(mv, cJSON_GetObjectItem(sc, "moving"))
			if (strstr(str_of(mv, "to_host"), "mallory"))
				FAILF("event %ld: a %s travels to %s\n", ev, str_of(mv, "kind"),
				      str_of(mv, "to_host"));
		if (ev == dsn) {
			if (cJSON_GetArraySize(cJSON_GetObjectItem(sc, "moving")) != 0)
				FAILF("dsn.create: the report is composed, nothing travels yet\n");
			const cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(sc, "decisions"), 0);
			assert_non_null(d);
		}
		cJSON_Delete(sc);
	}
	long data = story_find(&s, TM_SMTP_DATA, NULL, NULL, dsn);
	cJSON *sc = story_scene(&s, data);
	const cJSON *mv = cJSON_GetArrayItem(cJSON_GetObjectItem(sc, "moving"), 0);
	assert_non_null(mv);
	assert_string_equal(str_of(mv, "kind"), "dsn");
	assert_string_equal(str_of(mv, "from_host"), "mail.bad.example");
	assert_string_equal(str_of(mv, "to_host"), "mail.example.org");
	cJSON_Delete(sc);
	story_close(&s);
}

static bool rests_at(const cJSON *sc, const char *msg, const char *host)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(sc, "resting"))
		if (strcmp(str_of(r, "msg"), msg) == 0 && strcmp(str_of(r, "host"), host) == 0)
			return true;
	return false;
}

/* dead-domain: the delay warning and the bounce reach Alice's laptop only
 * by her fetch, after they were stored on her server. */
static void test_dead_domain_dsn_hops(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "dead-domain", 1280, 720, 1.0, false);
	const char *laptop = "alice-laptop.example.org";
	int lap = -1;
	for (size_t i = 0; i < s.m->nnodes; i++)
		if (strcmp(s.m->nodes[i].name, laptop) == 0)
			lap = (int)i;
	assert_true(lap >= 0);
	bool fetched = false;
	for (long ev = 0; ev < (long)s.m->nev; ev++) {
		const struct tm_event *e = &s.m->ev[ev];
		bool dsn_msg = e->msg_idx >= 0 && s.m->msgs[e->msg_idx].dsn_of >= 0;
		cJSON *sc = story_scene(&s, ev);
		const cJSON *mv;
		cJSON_ArrayForEach(mv, cJSON_GetObjectItem(sc, "moving"))
			if (strcmp(str_of(mv, "to_host"), laptop) == 0 &&
			    strcmp(str_of(mv, "kind"), "dsn") == 0 &&
			    e->kind != TM_IMAP_DATA && e->kind != TM_POP3_DATA)
				FAILF("event %ld (%s): a report travels to the laptop outside a fetch\n",
				      ev, tm_kind_name(e));
		for (size_t k = 0; k < s.m->nmsgs; k++)
			if (s.m->msgs[k].dsn_of >= 0 && !fetched &&
			    rests_at(sc, s.m->msgs[k].id, laptop))
				FAILF("event %ld: %s rests on the laptop before any fetch\n", ev,
				      s.m->msgs[k].id);
		fetched |= dsn_msg && (e->kind == TM_IMAP_DATA || e->kind == TM_POP3_DATA);
		cJSON_Delete(sc);
	}
	story_close(&s);
}

/* spoofed-sender: the SPF fail is decided at mx1 and drawn there. */
static void test_spf_fail_on_mx1(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "spoofed-sender", 1280, 720, 1.0, false);
	long spf = story_find(&s, TM_FILTER_CHECK, "filter", "spf", 0);
	assert_true(spf > 0);
	cJSON *sc = story_scene(&s, spf);
	const cJSON *d;
	int n = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(sc, "decisions")) {
		if (!strstr(str_of(d, "text"), "spf"))
			continue;
		n++;
		assert_string_equal(str_of(d, "host"), "mx1.example.net");
		assert_string_equal(nearest_host(sc, box_of(d)), "mx1.example.net");
	}
	assert_true(n > 0);
	cJSON_Delete(sc);
	story_close(&s);
}

static const cJSON *host_named(const cJSON *scene, const char *name)
{
	const cJSON *h;

	cJSON_ArrayForEach(h, cJSON_GetObjectItem(scene, "hosts"))
		if (strcmp(str_of(h, "name"), name) == 0)
			return h;
	return NULL;
}

/* The distance from a point to a segment, in pixels. */
static double seg_dist(double px, double py, double ax, double ay, double bx, double by)
{
	double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
	double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;

	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return hypot(px - (ax + t * dx), py - (ay + t * dy));
}

static struct box centre_of(const cJSON *host)
{
	struct box b = box_of(host);
	return (struct box){b.x + b.w / 2, b.y + b.h / 2, 0, 0};
}

/* No host sits on a mail link between two others (mx2 on the line from
 * the relay to mx1 looked like a hop the mail takes). */
static void test_no_host_on_a_mail_link(void **state)
{
	size_t n;
	char **names = rw_scenarios(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct story s;
		story_open(&s, names[i], 1280, 720, 1.0, false);
		cJSON *sc = story_scene(&s, (long)s.m->nev - 1);
		const cJSON *l, *h;
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(sc, "links")) {
			if (!cJSON_IsTrue(cJSON_GetObjectItem(l, "mail")))
				continue; /* a DNS question's line */
			struct box a = centre_of(host_named(sc, str_of(l, "from")));
			struct box b = centre_of(host_named(sc, str_of(l, "to")));
			cJSON_ArrayForEach(h, cJSON_GetObjectItem(sc, "hosts")) {
				const char *hn = str_of(h, "name");
				if (!strcmp(hn, str_of(l, "from")) || !strcmp(hn, str_of(l, "to")))
					continue;
				struct box c = centre_of(h);
				double d = seg_dist(c.x, c.y, a.x, a.y, b.x, b.y);
				if (d < box_of(h).w)
					FAILF("%s: %s sits on the link %s - %s (%.0f px off it)\n",
					      names[i], hn, str_of(l, "from"), str_of(l, "to"), d);
			}
		}
		cJSON_Delete(sc);
		story_close(&s);
	}
	rw_free_names(names, n);
}

/* The event list names both ends of an event that has two. */
static void test_list_shows_the_peer(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "spoofed-sender", 1280, 720, 1.0, false);
	long ans = story_find(&s, TM_DNS_ANSWER, NULL, NULL, 0);
	cJSON *sc = story_scene(&s, ans);
	const cJSON *t;
	bool found = false;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(sc, "texts"))
		found |= strncmp(str_of(t, "text"), "ns → ", strlen("ns → ")) == 0 &&
			 !strstr(str_of(t, "text"), "…");
	if (!found)
		FAILF("the list row of a DNS answer does not read \"ns → <asker>\" in full\n");
	cJSON_Delete(sc);
	story_close(&s);
}

/* Every caption of every scenario stays up its reading time at 1x before
 * the next caption replaces it or an idle gap clears it: measured on the
 * timeline the viewer plays, from the narrate event's display start to the
 * start of the event that ends its step. */
static void test_captions_hold_their_reading_time(void **state)
{
	size_t n;
	char **names = rw_scenarios(&n);

	(void)state;
	assert_int_equal(pace_reading_us("one two three"), PACE_READ_MIN_US);
	assert_int_equal(pace_reading_us("a b c d e f g h i j k l"), 4000000);
	for (size_t k = 0; k < n; k++) {
		struct story s;
		story_open(&s, names[k], 640, 400, 1.0, false);
		const struct tm_model *m = s.m;
		int64_t *t = xcalloc(m->nev, sizeof *t), *dwell = xcalloc(m->nev, sizeof *dwell),
			*gap = xcalloc(m->nev, sizeof *gap);
		for (size_t i = 0; i < m->nev; i++)
			t[i] = m->ev[i].t_us;
		pace_compute(m, PACE_BUDGET_US, dwell, gap);
		pace_hold_narration(m, dwell, gap);
		struct tl_map *map = tl_build(t, dwell, gap, m->nev);
		for (size_t i = 0; i < m->nev; i++) {
			if (m->ev[i].kind != TM_NARRATE)
				continue;
			size_t end = i + 1; /* the first event that no longer shows it */
			while (end < m->nev && m->ev[end].kind != TM_NARRATE &&
			       vm_narration(m, map, (long)end) == m->ev[i].text)
				end++;
			int64_t shown = (end < m->nev ? map->d[end] : map->total) - map->d[i];
			if (shown < pace_reading_us(m->ev[i].text))
				FAILF("%s: the caption of event %zu shows %lld µs, its reading time is "
				      "%lld µs\n", names[k], i, (long long)shown,
				      (long long)pace_reading_us(m->ev[i].text));
		}
		tl_free(map);
		free(t);
		free(dwell);
		free(gap);
		story_close(&s);
	}
	rw_free_names(names, n);
}

/* The presenter's beats are the narrate events, in order. */
static void test_beats_are_narrations(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "basic-delivery", 640, 400, 1.0, false);
	long b = vm_next_beat(s.m, -1), prev = -1;
	assert_true(b >= 0);
	while (b >= 0) {
		assert_int_equal(s.m->ev[b].kind, TM_NARRATE);
		assert_int_equal(vm_prev_beat(s.m, b), prev);
		prev = b;
		b = vm_next_beat(s.m, b);
	}
	story_close(&s);
}

static const cJSON *text_named(const cJSON *sc, const char *text)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(sc, "texts"))
		if (strcmp(str_of(t, "text"), text) == 0)
			return t;
	return NULL;
}

static cJSON *click_button(struct story *s, cJSON *sc, const char *label)
{
	const cJSON *b = text_named(sc, label);
	if (!b)
		FAILF("no button \"%s\" on screen\n", label);
	struct box r = box_of(b);
	view_session_click(s->vs, (float)(r.x + r.w / 2), (float)(r.y + r.h / 2));
	cJSON_Delete(sc);
	return story_scene(s, -1);
}

/* The on-screen buttons do what their keys do: found by their label in
 * the scene, clicked where the scene says they are. */
static void test_buttons_work(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "basic-delivery", 1280, 720, 1.0, false);
	cJSON *sc = story_scene(&s, 10);
	sc = click_button(&s, sc, "legend");
	if (!text_named(sc, "Legend (L closes)"))
		FAILF("the legend button opened no legend\n");
	view_session_click(s.vs, 5, 5); /* a click anywhere closes it */
	cJSON_Delete(sc);
	sc = story_scene(&s, -1);
	sc = click_button(&s, sc, "event ▶");
	assert_int_equal((long)cJSON_GetObjectItem(sc, "event")->valuedouble, 11);
	sc = click_button(&s, sc, "beat ▶▶");
	long ev = (long)cJSON_GetObjectItem(sc, "event")->valuedouble;
	assert_int_equal(ev, vm_next_beat(s.m, 11));
	sc = click_button(&s, sc, "decision ▼");
	assert_int_equal((long)cJSON_GetObjectItem(sc, "event")->valuedouble,
			 tm_next_decision(s.m, ev));
	sc = click_button(&s, sc, "projector");
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(sc, "texts"))
		if (cJSON_GetObjectItem(t, "px")->valueint < 28)
			FAILF("after the projector button \"%s\" is %d px\n", str_of(t, "text"),
			      cJSON_GetObjectItem(t, "px")->valueint);
	cJSON_Delete(sc);
	story_close(&s);
}

/* --scale (and Ctrl +) enlarges: the host's name and its icon grow with
 * it, and the name is written in full. Where the panel has room
 * (all-pass: two rows) the icon grows with the text; where three rows of
 * hosts fill it (basic-delivery) it at least never shrinks. */
static void scale_case(const char *name, long ev, double icon_ratio)
{
	struct story a, b;

	story_open(&a, name, 1920, 1080, 1.0, false);
	story_open(&b, name, 1920, 1080, 1.5, false);
	cJSON *sa = story_scene(&a, ev), *sb = story_scene(&b, ev);
	const char *host = "mx1.example.net";
	const cJSON *ta = text_named(sa, host), *tb = text_named(sb, host);
	if (!ta || !tb)
		FAILF("%s: the host name is not written in full at 1x and 1.5x\n", name);
	int pa = cJSON_GetObjectItem(ta, "px")->valueint, pb = cJSON_GetObjectItem(tb, "px")->valueint;
	if (pb * 10 < pa * 14)
		FAILF("%s: the host name is %d px at 1x and %d px at 1.5x\n", name, pa, pb);
	double ia = box_of(host_named(sa, host)).w, ib = box_of(host_named(sb, host)).w;
	if (!(ib >= ia * icon_ratio))
		FAILF("%s: the icon is %g px at 1x and %g px at 1.5x\n", name, ia, ib);
	cJSON_Delete(sa);
	cJSON_Delete(sb);
	story_close(&a);
	story_close(&b);
}

static void test_scale_enlarges(void **state)
{
	(void)state;
	scale_case("all-pass", 60, 1.3);
	scale_case("basic-delivery", 95, 1.0);
}

/* The title shows the same event number --event takes. */
static void test_event_number_matches(void **state)
{
	struct story s;

	(void)state;
	story_open(&s, "spoofed-sender", 1280, 720, 1.0, false);
	cJSON *sc = story_scene(&s, 79);
	const cJSON *t;
	bool found = false;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(sc, "texts"))
		found |= strstr(str_of(t, "text"), "event 79 ") != NULL ||
			 strcmp(str_of(t, "text"), "event 79") == 0;
	if (!found)
		FAILF("no text reads \"event 79\" in the frame of --event 79\n");
	cJSON_Delete(sc);
	story_close(&s);
}

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
		    s.m->ev[i].node == s.m->ev[spf].node && s.m->ev[i].text[0] == '5')
			reply = i;
	assert_true(reply > 0);
	assert_string_equal(str_of(c, "reply"), s.m->ev[reply].text);
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
		cmocka_unit_test(test_backscatter_goes_to_alice),
		cmocka_unit_test(test_dead_domain_dsn_hops),
		cmocka_unit_test(test_spf_fail_on_mx1),
		cmocka_unit_test(test_event_number_matches),
		cmocka_unit_test(test_no_host_on_a_mail_link),
		cmocka_unit_test(test_list_shows_the_peer),
		cmocka_unit_test(test_captions_hold_their_reading_time),
		cmocka_unit_test(test_beats_are_narrations),
		cmocka_unit_test(test_buttons_work),
		cmocka_unit_test(test_scale_enlarges),
		cmocka_unit_test(test_timeline_days_and_skips),
		cmocka_unit_test(test_card_spf_fail),
		cmocka_unit_test(test_card_spam_waterfall),
		cmocka_unit_test(test_card_multi_recipient),
		cmocka_unit_test(test_badge_click_opens_card),
		cmocka_unit_test(test_check_chain),
		cmocka_unit_test(test_every_frame_default),
		cmocka_unit_test(test_every_frame_projector),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
