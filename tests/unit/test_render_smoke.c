/* test_render_smoke.c — view_render_file end to end, headless: a frame of
 * the synthetic trace written as BMP and PNG, read back, with the size
 * asked for and real content; and the errors a caller can make. */
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

#include "test_render_fixture.h"
#include "util.h"
#include "view.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

static char tmpdir[64];

static int setup(void **state)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");

	/* The build bakes the asset path in; a source-tree run may say where. */
	if (src && !getenv("MAILSIM_ASSET_DIR")) {
		char *assets = xasprintf("%s/assets", src);
		setenv("MAILSIM_ASSET_DIR", assets, 1);
		free(assets);
	}
	strcpy(tmpdir, "/tmp/mailsim-render-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	rmdir(tmpdir);
	return 0;
}

static struct view_input fixture_input(void)
{
	return (struct view_input){"Greylisting delays a message", fixture_hosts,
				   ARRAY_LEN(fixture_hosts), fixture_trace,
				   strlen(fixture_trace), NULL};
}

/* Count distinct colours on a grid of samples (enough to tell a real
 * frame from a flat fill). */
static int distinct_colours(SDL_Surface *s)
{
	Uint32 seen[512];
	int n = 0;
	SDL_Surface *rgb = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGB888, 0);

	assert_non_null(rgb);
	SDL_LockSurface(rgb);
	for (int y = 0; y < rgb->h; y += 3) {
		const Uint32 *row = (const Uint32 *)((const Uint8 *)rgb->pixels + y * rgb->pitch);
		for (int x = 0; x < rgb->w && n < 512; x += 3) {
			Uint32 px = row[x] & 0xffffff;
			int k = 0;
			while (k < n && seen[k] != px)
				k++;
			if (k == n)
				seen[n++] = px;
		}
	}
	SDL_UnlockSurface(rgb);
	SDL_FreeSurface(rgb);
	return n;
}

static void check_frame(const char *path, int w, int h)
{
	SDL_Surface *s = IMG_Load(path);

	if (!s)
		FAILF("cannot read back %s: %s\n", path, IMG_GetError());
	if (s->w != w || s->h != h)
		FAILF("%s: got %dx%d, want %dx%d\n", path, s->w, s->h, w, h);
	int colours = distinct_colours(s);
	if (colours < 20)
		FAILF("%s: only %d distinct colours, want a real frame (>= 20)\n", path, colours);
	SDL_FreeSurface(s);
}

static void render_ok(long event, int64_t at_us, int w, int h, const char *name)
{
	struct view_input in = fixture_input();
	char err[256] = "";
	char *path = xasprintf("%s/%s", tmpdir, name);

	if (view_render_file(&in, event, at_us, w, h, 1.0, path, err, sizeof err) != 0)
		FAILF("view_render_file(%s): %s\n", name, err);
	check_frame(path, w, h);
	unlink(path);
	free(path);
}

static void test_bmp_at_event(void **state)
{
	render_ok(FIX_EV_GREYLIST, 0, 800, 500, "greylist.bmp");
}

static void test_png_at_event(void **state)
{
	render_ok(FIX_EV_DNS_ANSWER, 0, 1280, 720, "dns.PNG");
}

static void test_png_at_time(void **state)
{
	/* in the middle of the 15-minute idle gap */
	render_ok(-1, 450000000, 1024, 640, "gap.png");
}

static void test_errors(void **state)
{
	static const struct { long event; int w, h; const char *name, *want; } c[] = {
		{FIX_NEVENTS, 640, 480, "x.png", "event 90 does not exist: the trace has 90 events"},
		{0, 640, 480, "x.jpg", "the image name must end in .png or .bmp"},
		{0, 10, 480, "x.bmp", "frame size 10x480"},
	};
	struct view_input in = fixture_input();

	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		char err[256] = "", *path = xasprintf("%s/%s", tmpdir, c[i].name);
		int rc = view_render_file(&in, c[i].event, 0, c[i].w, c[i].h, 1.0, path, err,
					  sizeof err);
		if (rc == 0 || !strstr(err, c[i].want))
			FAILF("case %zu: got rc %d \"%s\", want failure \"%s\"\n", i, rc, err,
			      c[i].want);
		if (access(path, F_OK) == 0)
			FAILF("case %zu: %s was written anyway\n", i, path);
		free(path);
	}
}

static void test_malformed_trace(void **state)
{
	const char *bad = "{\"t\":0.000000,\"seq\":0,\"kind\":\"sim.start\"}\n{\"t\":oops}\n";
	struct view_input in = {"bad", NULL, 0, bad, strlen(bad), NULL};
	char err[256] = "", *path = xasprintf("%s/bad.png", tmpdir);

	int rc = view_render_file(&in, 0, 0, 640, 480, 1.0, path, err, sizeof err);
	if (rc == 0 || strcmp(err, "trace line 2: not valid JSON") != 0)
		FAILF("got rc %d \"%s\", want \"trace line 2: not valid JSON\"\n", rc, err);
	free(path);
}

static void test_empty_trace_renders(void **state)
{
	struct view_input in = {"nothing yet", fixture_hosts, ARRAY_LEN(fixture_hosts), "", 0, NULL};
	char err[256] = "", *path = xasprintf("%s/empty.bmp", tmpdir);

	if (view_render_file(&in, -1, 0, 640, 400, 1.0, path, err, sizeof err) != 0)
		FAILF("empty trace: %s\n", err);
	check_frame(path, 640, 400);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bmp_at_event),
		cmocka_unit_test(test_png_at_event),
		cmocka_unit_test(test_png_at_time),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_malformed_trace),
		cmocka_unit_test(test_empty_trace_renders),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
