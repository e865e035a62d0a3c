/* test_render_story.h — what the scene tests share: a scenario loaded,
 * run and described frame by frame through a headless view session (the
 * scene JSON of `mailsim render --scene`), and readers of a scene: boxes,
 * strings, texts by name, and the check every frame passes on its texts
 * (inside the window, none under the mode's minimum, none over another).
 * Included by test_render_scene.c and test_render_card.c only. */
#ifndef MAILSIM_TEST_RENDER_STORY_H
#define MAILSIM_TEST_RENDER_STORY_H

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


static const cJSON *text_named(const cJSON *sc, const char *text)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(sc, "texts"))
		if (strcmp(str_of(t, "text"), text) == 0)
			return t;
	return NULL;
}

#endif
