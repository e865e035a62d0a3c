/* test_render_scenarios.c — render smoke tests over every shipped
 * scenario: each trace is generated in-test through the world API, then
 * frames are drawn headless at several events (the start, the first
 * decision, a third, the middle, the first report, the end) and at a
 * simulated time, and with an inspector open on every host and every
 * message. Each image must have the requested size and real content.
 *
 * MAILSIM_KEEP_FRAMES=DIR keeps the images there (for looking at them). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "test_render_world.h"
#include "trace_model.h"
#include "util.h"
#include "view.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

static char tmpdir[64];

static int setup(void **state)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");

	if (src && !getenv("MAILSIM_ASSET_DIR")) {
		char *assets = xasprintf("%s/assets", src);
		setenv("MAILSIM_ASSET_DIR", assets, 1);
		free(assets);
	}
	strcpy(tmpdir, "/tmp/mailsim-scn-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	rmdir(tmpdir);
	return 0;
}

/* Distinct colours on a grid of samples, and the share (in 1/1000) of
 * samples that differ from the background at (0, h-1)'s colour... the
 * window's ground: a frame with panels, icons and text has both. */
struct frame_stats {
	int colours;
	int ink_permille;
};

static Uint32 pixel_at(SDL_Surface *s, int x, int y)
{
	const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + y * s->pitch);
	return row[x] & 0xffffff;
}

static struct frame_stats frame_stats(SDL_Surface *img)
{
	SDL_Surface *s = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_RGB888, 0);
	struct frame_stats st = {0, 0};
	Uint32 seen[256];
	long samples = 0, ink = 0;

	assert_non_null(s);
	SDL_LockSurface(s);
	Uint32 panel = pixel_at(s, s->w / 4, s->h / 2); /* inside the event list */
	for (int y = 0; y < s->h; y += 4)
		for (int x = 0; x < s->w; x += 4) {
			Uint32 px = pixel_at(s, x, y);
			int k = 0;
			while (k < st.colours && seen[k] != px)
				k++;
			if (k == st.colours && st.colours < 256)
				seen[st.colours++] = px;
			samples++;
			ink += px != panel;
		}
	SDL_UnlockSurface(s);
	SDL_FreeSurface(s);
	st.ink_permille = (int)(ink * 1000 / samples);
	return st;
}

static void keep_frame(const char *path, const char *name)
{
	const char *keep = getenv("MAILSIM_KEEP_FRAMES");

	if (keep && *keep) {
		char *dst = xasprintf("%s/%s", keep, name);
		if (rename(path, dst) != 0)
			fprintf(stderr, "cannot keep %s\n", dst);
		free(dst);
	}
	unlink(path);
}

/* Render one frame and check it; name is used for messages and keeping. */
static void render_check(const struct view_input *in, long event, int64_t at_us, int w,
			 int h, const char *name)
{
	char err[512] = "";
	char *path = xasprintf("%s/%s", tmpdir, name);

	if (view_render_file(in, event, at_us, w, h, 1.0, path, err, sizeof err) != 0)
		FAILF("%s: %s\n", name, err);
	SDL_Surface *img = IMG_Load(path);
	if (!img)
		FAILF("%s: cannot read back: %s\n", name, IMG_GetError());
	if (img->w != w || img->h != h)
		FAILF("%s: got %dx%d, want %dx%d\n", name, img->w, img->h, w, h);
	struct frame_stats st = frame_stats(img);
	SDL_FreeSurface(img);
	if (st.colours < 24 || st.ink_permille < 150)
		FAILF("%s: %d colours, %d/1000 inked, want a real frame (>= 24, >= 150)\n", name,
		      st.colours, st.ink_permille);
	keep_frame(path, name);
	free(path);
}

static long first_of(const struct tm_model *m, enum tm_kind k)
{
	for (size_t i = 0; i < m->nev; i++)
		if (m->ev[i].kind == k)
			return (long)i;
	return -1;
}

static struct tm_model *model_of(const struct view_input *in, const char *name)
{
	char err[256] = "";
	struct tm_model *m = tm_parse(in->trace, in->trace_len, in->hosts, in->nhosts, err,
				      sizeof err);
	if (!m)
		FAILF("%s: %s\n", name, err);
	return m;
}

static void render_events(const struct view_input *in, const struct tm_model *m,
			  const char *scn)
{
	long n = (long)m->nev;
	const long events[] = {0, tm_next_decision(m, -1), n / 3, n / 2,
			       first_of(m, TM_DSN_CREATE), n - 1};

	for (size_t i = 0; i < ARRAY_LEN(events); i++) {
		if (events[i] < 0)
			continue;
		char name[128];
		snprintf(name, sizeof name, "%s-e%ld.png", scn, events[i]);
		render_check(in, events[i], 0, i % 2 ? 1280 : 960, i % 2 ? 720 : 600, name);
	}
	int64_t mid = (m->ev[0].t_us + m->ev[n - 1].t_us) / 2;
	char name[128];
	snprintf(name, sizeof name, "%s-mid.bmp", scn);
	render_check(in, -1, mid, 1024, 640, name);
}

/* An inspector on every host (its default tab) and every message, at the
 * end of the story, when there is most to show. */
static void render_inspectors(struct view_input in, const struct tm_model *m,
			      const char *scn)
{
	/* A campaign has hundreds of messages: the first 30 show every kind. */
	size_t nmsgs = m->nmsgs > 30 ? 30 : m->nmsgs;
	for (size_t i = 0; i < m->nnodes + nmsgs; i++) {
		char spec[256], name[300];
		bool host = i < m->nnodes;
		snprintf(spec, sizeof spec, "%s:%s", host ? "host" : "msg",
			 host ? m->nodes[i].name : m->msgs[i - m->nnodes].id);
		snprintf(name, sizeof name, "%s-inspect-%zu.png", scn, i);
		in.inspect = spec;
		render_check(&in, (long)m->nev - 1, 0, 1000, 640, name);
	}
}

static void test_every_scenario(void **state)
{
	size_t n;
	char **names = rw_scenarios(&n);

	if (n < 10)
		FAILF("found %zu scenarios, want the shipped ones (>= 10)\n", n);
	for (size_t i = 0; i < n; i++) {
		struct rw_run run;
		if (!rw_load(&run, names[i]))
			FAILF("scenario %s does not load\n", names[i]);
		struct view_input in = rw_input(&run);
		struct tm_model *m = model_of(&in, names[i]);
		if (m->nev < 20)
			FAILF("%s: %zu events, want a story\n", names[i], m->nev);
		render_events(&in, m, names[i]);
		render_inspectors(in, m, names[i]);
		tm_free(m);
		rw_free(&run);
	}
	rw_free_names(names, n);
}

static void test_bad_inspect_spec(void **state)
{
	static const char *const bad[] = {"host:nowhere", "msg:m99", "queue", "host:ns.example/mx"};
	struct rw_run run;

	if (!rw_load(&run, "basic-delivery"))
		FAILF("basic-delivery does not load\n");
	struct view_input in = rw_input(&run);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char err[256] = "", *path = xasprintf("%s/bad.png", tmpdir);
		in.inspect = bad[i];
		int rc = view_render_file(&in, 0, 0, 640, 400, 1.0, path, err, sizeof err);
		if (rc == 0 || !strstr(err, "want host:NAME"))
			FAILF("inspect \"%s\": got rc %d \"%s\", want an error\n", bad[i], rc, err);
		if (access(path, F_OK) == 0)
			FAILF("inspect \"%s\": an image was written anyway\n", bad[i]);
		free(path);
	}
	rw_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_scenario),
		cmocka_unit_test(test_bad_inspect_spec),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
