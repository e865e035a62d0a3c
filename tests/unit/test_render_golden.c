/* test_render_golden.c — a few frames of the basic story compared with
 * stored images (tests/golden-images/NAME.png): the MX answer travelling back
 * as a DNS bubble, the message crossing to mx1 inside TLS, and the end with
 * the message's header block open in the inspector; the decision card of an
 * SPF fail and of a scored message (its spam waterfall); each in the
 * default mode and in projector mode.
 *
 * Frames are drawn headless exactly as `mailsim render` draws them (the
 * trace made in memory by the world API, the software renderer, the
 * shipped fonts), so on one machine they are byte-identical; the tolerance
 * (a channel may differ by GOLDEN_CHANNEL_TOL, at most GOLDEN_MAX_PERMILLE
 * of the pixels may differ more) absorbs another FreeType's antialiasing.
 * A failing frame is written to the working directory as
 * golden-actual-<name>.png.
 *
 * Regenerate after an intended change of the picture:
 *   scripts/update-golden-images   (runs this test with
 *   MAILSIM_UPDATE_GOLDEN_IMAGES=1, which writes instead of comparing) */
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
#include "util.h"
#include "view.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

#define GOLDEN_CHANNEL_TOL 48
#define GOLDEN_MAX_PERMILLE 15

struct golden {
	const char *name;
	const char *scenario;
	long event;          /* -1: the last event */
	const char *inspect; /* or NULL */
	bool projector;      /* projector mode at 1920x1080, else 1280x720 */
	bool card;           /* the decision card open (key D) */
};

static const struct golden goldens[] = {
	{"basic-mx-answer", "basic-delivery", 44, NULL, false, false},
	{"basic-data-to-mx1", "basic-delivery", 69, NULL, false, false},
	{"basic-end-headers", "basic-delivery", -1, "msg:m1", false, false},
	{"projector-basic-data-to-mx1", "basic-delivery", 69, NULL, true, false},
	{"projector-spoofed-backscatter", "spoofed-sender", 106, NULL, true, false},
	{"projector-dead-domain-fetch", "dead-domain", 127, NULL, true, false},
	{"card-spf-fail", "spoofed-sender", 59, NULL, false, true},
	{"card-spam-waterfall", "spam-scored", 72, NULL, false, true},
	{"projector-card-spf-fail", "spoofed-sender", 59, NULL, true, true},
	{"projector-card-spam-waterfall", "spam-scored", 72, NULL, true, true},
	/* the campaign panel: the curve with its pause point, the placement bar */
	{"campaign-dirty-list-end", "campaign-dirty-list", 3298, NULL, false, false},
	{"projector-campaign-paused", "campaign-dirty-list", 981, NULL, true, false},
};

static char tmpdir[64];

static int setup(void **state)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");

	if (src && !getenv("MAILSIM_ASSET_DIR")) {
		char *assets = xasprintf("%s/assets", src);
		setenv("MAILSIM_ASSET_DIR", assets, 1);
		free(assets);
	}
	strcpy(tmpdir, "/tmp/mailsim-golden-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	rmdir(tmpdir);
	return 0;
}

/* Pixels whose largest channel difference exceeds the tolerance, in 1/1000
 * of all pixels. The images must have the same size. */
static int diff_permille(SDL_Surface *a, SDL_Surface *b)
{
	SDL_Surface *x = SDL_ConvertSurfaceFormat(a, SDL_PIXELFORMAT_RGB888, 0);
	SDL_Surface *y = SDL_ConvertSurfaceFormat(b, SDL_PIXELFORMAT_RGB888, 0);
	long bad = 0;

	assert_non_null(x);
	assert_non_null(y);
	for (int r = 0; r < x->h; r++) {
		const Uint32 *p = (const Uint32 *)((const Uint8 *)x->pixels + r * x->pitch);
		const Uint32 *q = (const Uint32 *)((const Uint8 *)y->pixels + r * y->pitch);
		for (int c = 0; c < x->w; c++) {
			int worst = 0;
			for (int sh = 0; sh <= 16; sh += 8) {
				int d = (int)((p[c] >> sh) & 0xff) - (int)((q[c] >> sh) & 0xff);
				d = d < 0 ? -d : d;
				worst = d > worst ? d : worst;
			}
			bad += worst > GOLDEN_CHANNEL_TOL;
		}
	}
	long all = (long)x->w * x->h;
	SDL_FreeSurface(x);
	SDL_FreeSurface(y);
	return (int)(bad * 1000 / all);
}

static void render(const struct rw_run *run, const struct golden *g, const char *path)
{
	struct view_input in = rw_input(run);
	char err[512] = "";
	long n = 0;

	for (const char *p = in.trace; p && *p; p++)
		n += *p == '\n';
	in.inspect = g->inspect;
	struct view_frame_req req = {g->event < 0 ? n - 1 : g->event, 0,
				     g->projector ? 1920 : 1280, g->projector ? 1080 : 720, 1.0,
				     g->projector, path, NULL, g->card};
	if (view_render_frame(&in, &req, err, sizeof err) != 0)
		FAILF("%s: %s\n", g->name, err);
}

static void compare(const struct golden *g, const char *actual, const char *want)
{
	SDL_Surface *a = IMG_Load(actual), *w = IMG_Load(want);

	if (!w)
		FAILF("%s: no golden image %s (scripts/update-golden-images makes it)\n", g->name,
		      want);
	if (!a)
		FAILF("%s: cannot read the frame back: %s\n", g->name, IMG_GetError());
	if (a->w != w->w || a->h != w->h)
		FAILF("%s: got %dx%d, golden is %dx%d\n", g->name, a->w, a->h, w->w, w->h);
	int pm = diff_permille(a, w);
	SDL_FreeSurface(a);
	SDL_FreeSurface(w);
	if (pm > GOLDEN_MAX_PERMILLE) {
		char *keep = xasprintf("golden-actual-%s.png", g->name);
		rename(actual, keep);
		FAILF("%s: %d/1000 pixels differ (allowed %d); the frame is in %s — if the "
		      "change is intended, run scripts/update-golden-images\n", g->name, pm,
		      GOLDEN_MAX_PERMILLE, keep);
	}
	print_message("%s: %d/1000 pixels differ\n", g->name, pm);
}

static void test_golden_frames(void **state)
{
	bool update = getenv("MAILSIM_UPDATE_GOLDEN_IMAGES") != NULL;

	for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
		struct rw_run run;
		if (!rw_load(&run, goldens[i].scenario))
			FAILF("%s does not load\n", goldens[i].scenario);
		char *rel = xasprintf("tests/golden-images/%s.png", goldens[i].name);
		char *want = rw_source_path(rel);
		char *actual = xasprintf("%s/%s.png", tmpdir, goldens[i].name);
		render(&run, &goldens[i], update ? want : actual);
		if (update)
			print_message("wrote %s\n", want);
		else
			compare(&goldens[i], actual, want);
		unlink(actual);
		free(actual);
		free(want);
		free(rel);
		rw_free(&run);
	}
}

/* The comparison itself: a frame matches itself, and a different frame
 * does not. */
static void test_comparison_can_fail(void **state)
{
	struct rw_run run;
	char *a = xasprintf("%s/a.png", tmpdir), *b = xasprintf("%s/b.png", tmpdir);

	if (!rw_load(&run, "basic-delivery"))
		FAILF("basic-delivery does not load\n");
	render(&run, &(struct golden){"a", "basic-delivery", 58, NULL, false, false}, a);
	render(&run, &(struct golden){"b", "basic-delivery", 20, NULL, false, false}, b);
	SDL_Surface *x = IMG_Load(a), *y = IMG_Load(b);
	assert_non_null(x);
	assert_non_null(y);
	int same = diff_permille(x, x), other = diff_permille(x, y);
	SDL_FreeSurface(x);
	SDL_FreeSurface(y);
	if (same != 0 || other <= GOLDEN_MAX_PERMILLE)
		FAILF("self %d/1000, other frame %d/1000: want 0 and > %d\n", same, other,
		      GOLDEN_MAX_PERMILLE);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
	rw_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comparison_can_fail),
		cmocka_unit_test(test_golden_frames),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
