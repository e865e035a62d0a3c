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
#include "test_render_story.h"
#include "pace.h"

#include <SDL.h>

/* ---- reading a scene ---- */

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
	/* A campaign's story has thousands of events: about 2,000 frames of
	 * it, evenly spread, keep the sanitized run in minutes. */
	if ((long)s.m->nev / stride > 2000)
		stride = (long)s.m->nev / 2000;
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
			       vm_narration(m, map, (long)end) == tm_text(&m->ev[i]))
				end++;
			int64_t shown = (end < m->nev ? map->d[end] : map->total) - map->d[i];
			if (shown < pace_reading_us(tm_text(&m->ev[i])))
				FAILF("%s: the caption of event %zu shows %lld µs, its reading time is "
				      "%lld µs\n", names[k], i, (long long)shown,
				      (long long)pace_reading_us(tm_text(&m->ev[i])));
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

/* ---- labels wrap, never cut (issue #14, projector mode) ---- */

static bool ends_elided(const char *t)
{
	size_t n = strlen(t), e = strlen("…");
	return n >= e && strcmp(t + n - e, "…") == 0;
}

/* The host's name in the frame's texts, whole or as two consecutive
 * lines (broken after a dot); and no text beside its icon an elided start
 * of its name or a cut piece of its role label ("alice-laptop.exa…",
 * "Alice's laptop — mail cli…"). */
static void check_host_label(const char *sname, long ev, const cJSON *sc, const cJSON *host)
{
	const char *name = str_of(host, "name"), *label = str_of(host, "label");
	const cJSON *texts = cJSON_GetObjectItem(sc, "texts"), *t;
	const char *prev = "";
	bool whole = false;

	cJSON_ArrayForEach(t, texts) {
		const char *s = str_of(t, "text");
		size_t pn = strlen(prev), sn = strlen(s);
		whole |= strcmp(s, name) == 0 ||
			 (pn && pn + sn == strlen(name) && strncmp(name, prev, pn) == 0 &&
			  strcmp(name + pn, s) == 0);
		prev = s;
		/* the host's own label, beside its icon (not the ladder's header) */
		if (!ends_elided(s) || box_dist(box_of(t), box_of(host)) > box_of(host).w)
			continue;
		size_t k = sn - strlen("…");
		if (k > 0 && strncmp(name, s, k) == 0)
			FAILF("%s event %ld: host %s drawn cut as \"%s\"\n", sname, ev, name, s);
		/* a role line cut: the text without "…" is a piece of the label */
		char *piece = strndup(s, k);
		if (k > 3 && strstr(label, piece))
			FAILF("%s event %ld: the role of %s (\"%s\") drawn cut as \"%s\"\n", sname,
			      ev, name, label, s);
		free(piece);
	}
	if (!whole)
		FAILF("%s event %ld: the name %s is not in the frame's texts\n", sname, ev, name);
}

static void labels_whole(const char *name, int w, int h, bool projector)
{
	struct story s;

	story_open(&s, name, w, h, 1.0, projector);
	for (long ev = 0; ev < (long)s.m->nev; ev++) {
		cJSON *sc = story_scene(&s, ev);
		const cJSON *host;
		cJSON_ArrayForEach(host, cJSON_GetObjectItem(sc, "hosts"))
			check_host_label(name, ev, sc, host);
		cJSON_Delete(sc);
	}
	story_close(&s);
}

static void test_host_labels_wrap_not_cut(void **state)
{
	static const char *const names[] = {"basic-delivery", "dead-domain", "spoofed-sender"};

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		labels_whole(names[i], 1280, 720, false);
		labels_whole(names[i], 1920, 1080, true);
	}
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
/* ---- key A: counts or envelopes ---- */

/* Every (host, place) count of an aggregated scene is the number of
 * resting messages the same scene lists there; false when it has none. */
static bool counts_match_resting(const char *name, long ev, const cJSON *sc)
{
	const cJSON *q, *r;
	size_t nq = 0;

	cJSON_ArrayForEach(q, cJSON_GetObjectItem(sc, "queues")) {
		long n = 0;
		cJSON_ArrayForEach(r, cJSON_GetObjectItem(sc, "resting"))
			n += strcmp(str_of(r, "host"), str_of(q, "host")) == 0 &&
			     strcmp(str_of(r, "place"), str_of(q, "place")) == 0;
		if (n != (long)cJSON_GetObjectItem(q, "count")->valuedouble)
			FAILF("%s event %ld: %s %s: got count %g, want %ld resting\n", name, ev,
			      str_of(q, "host"), str_of(q, "place"),
			      cJSON_GetObjectItem(q, "count")->valuedouble, n);
		nq++;
	}
	return nq > 0;
}

static bool aggregated(const cJSON *sc)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(sc, "aggregate"));
}

/* A trace of many messages starts with counts, a small one with
 * envelopes; A switches to the other way and back, at any event, and the
 * counts always add up to the messages at rest. */
static void aggregate_case(const char *name, bool starts)
{
	struct story s;

	story_open(&s, name, 1920, 1080, 1.0, false);
	long ev = (long)s.m->nev * 3 / 4;
	cJSON *sc = story_scene(&s, ev);
	if (aggregated(sc) != starts)
		FAILF("%s (%zu messages): got aggregate %d, want %d\n", name, s.m->nmsgs,
		      aggregated(sc), starts);
	for (int press = 1; press <= 2; press++) {
		view_session_key(s.vs, SDLK_a);
		cJSON *after = story_scene(&s, ev);
		bool want = press == 1 ? !starts : starts;
		if (aggregated(after) != want)
			FAILF("%s after A x%d: got aggregate %d, want %d\n", name, press,
			      aggregated(after), want);
		if (want != (cJSON_GetObjectItem(after, "queues") != NULL))
			FAILF("%s after A x%d: counts %s\n", name, press, want ? "missing" : "drawn");
		if (want && !counts_match_resting(name, ev, after))
			FAILF("%s event %ld: counts but nothing at rest\n", name, ev);
		/* the resting messages do not depend on how they are drawn */
		if (!cJSON_Compare(cJSON_GetObjectItem(sc, "resting"),
				   cJSON_GetObjectItem(after, "resting"), true))
			FAILF("%s after A x%d: the resting messages changed\n", name, press);
		cJSON_Delete(after);
	}
	cJSON_Delete(sc);
	story_close(&s);
}

static void test_aggregate_key(void **state)
{
	(void)state;
	aggregate_case("campaign-verified", true);
	aggregate_case("dead-domain", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backscatter_goes_to_alice),
		cmocka_unit_test(test_dead_domain_dsn_hops),
		cmocka_unit_test(test_spf_fail_on_mx1),
		cmocka_unit_test(test_event_number_matches),
		cmocka_unit_test(test_host_labels_wrap_not_cut),
		cmocka_unit_test(test_no_host_on_a_mail_link),
		cmocka_unit_test(test_list_shows_the_peer),
		cmocka_unit_test(test_captions_hold_their_reading_time),
		cmocka_unit_test(test_beats_are_narrations),
		cmocka_unit_test(test_buttons_work),
		cmocka_unit_test(test_aggregate_key),
		cmocka_unit_test(test_scale_enlarges),
		cmocka_unit_test(test_every_frame_default),
		cmocka_unit_test(test_every_frame_projector),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
