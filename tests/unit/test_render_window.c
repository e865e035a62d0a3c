/* test_render_window.c — view_run() with a real (offscreen) window: a
 * scripted session of keys, clicks and the wheel (play, step, decisions,
 * speed, scale, filters, inspectors, a screenshot), played in through
 * SDL's event queue from a timer, must end cleanly on Q with every step
 * consumed, and the screenshot must be a PNG of the window's size.
 *
 * SDL's offscreen driver would load the system's EGL for an OpenGL
 * renderer; its allocations are not ours and show up as leaks under ASan,
 * so the test asks for the software renderer on the window surface. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "test_render_fixture.h"
#include "util.h"
#include "view.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

struct script_step {
	Uint32 type;
	SDL_Keycode key;
	Uint16 mod;
	int x, y;
};

/* Window is 1280x800: the timeline is the bottom strip, the event list
 * sits left, under the network panel. */
static const struct script_step script[] = {
	{SDL_KEYDOWN, SDLK_RIGHT, 0, 0, 0}, {SDL_KEYDOWN, SDLK_RIGHT, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_DOWN, 0, 0, 0}, {SDL_KEYDOWN, SDLK_UP, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_h, 0, 0, 0}, {SDL_KEYDOWN, SDLK_ESCAPE, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_RIGHTBRACKET, 0, 0, 0}, {SDL_KEYDOWN, SDLK_SPACE, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_LEFTBRACKET, 0, 0, 0}, {SDL_KEYDOWN, SDLK_EQUALS, KMOD_LCTRL, 0, 0},
	{SDL_KEYDOWN, SDLK_MINUS, KMOD_LCTRL, 0, 0}, {SDL_KEYDOWN, SDLK_0, KMOD_LCTRL, 0, 0},
	{SDL_MOUSEBUTTONDOWN, 0, 0, 500, 780}, {SDL_MOUSEMOTION, 0, 0, 700, 780},
	{SDL_MOUSEBUTTONUP, 0, 0, 700, 780}, {SDL_MOUSEBUTTONDOWN, 0, 0, 100, 520},
	{SDL_MOUSEBUTTONUP, 0, 0, 100, 520}, {SDL_KEYDOWN, SDLK_END, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_HOME, 0, 0, 0}, {SDL_KEYDOWN, SDLK_f, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_f, 0, 0, 0},
	/* filters, the inspector, scrolling, a screenshot */
	{SDL_KEYDOWN, SDLK_1, 0, 0, 0}, {SDL_KEYDOWN, SDLK_m, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_0, 0, 0, 0}, {SDL_KEYDOWN, SDLK_HOME, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_DOWN, 0, 0, 0}, {SDL_KEYDOWN, SDLK_i, 0, 0, 0},
	{SDL_MOUSEWHEEL, 0, 0, 1000, 600}, {SDL_KEYDOWN, SDLK_PAGEDOWN, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_ESCAPE, 0, 0, 0}, {SDL_MOUSEBUTTONDOWN, 0, 0, 380, 260},
	{SDL_MOUSEBUTTONUP, 0, 0, 380, 260}, {SDL_KEYDOWN, SDLK_TAB, 0, 0, 0},
	{SDL_MOUSEWHEEL, 0, 0, 300, 560}, {SDL_KEYDOWN, SDLK_F12, 0, 0, 0},
	{SDL_KEYDOWN, SDLK_q, 0, 0, 0},
};

static SDL_atomic_t next_step;

static SDL_Event script_event(const struct script_step *s)
{
	SDL_Event ev;

	memset(&ev, 0, sizeof ev);
	ev.type = s->type;
	if (s->type == SDL_KEYDOWN) {
		ev.key.keysym.sym = s->key;
		ev.key.keysym.mod = s->mod;
	} else if (s->type == SDL_MOUSEMOTION) {
		ev.motion.x = s->x;
		ev.motion.y = s->y;
	} else if (s->type == SDL_MOUSEWHEEL) {
		SDL_WarpMouseInWindow(NULL, s->x, s->y);
		ev.wheel.y = 1;
	} else {
		ev.button.button = SDL_BUTTON_LEFT;
		ev.button.x = s->x;
		ev.button.y = s->y;
	}
	return ev;
}

static Uint32 script_tick(Uint32 interval, void *arg)
{
	int i = SDL_AtomicGet(&next_step);

	if (i >= (int)ARRAY_LEN(script))
		return 0;
	SDL_Event ev = script_event(&script[i]);
	if (SDL_PushEvent(&ev) == 1) /* 0 or -1: not ready yet, try again */
		SDL_AtomicSet(&next_step, i + 1);
	return interval;
}

/* The window went fullscreen and back (F twice), which the offscreen
 * driver may answer with its own desktop size: any real window size will
 * do, as long as the image is the frame. */
static void check_shot(const char *dir, int min_w, int min_h)
{
	char *path = xasprintf("%s/mailsim-001.png", dir);
	SDL_Surface *img = IMG_Load(path);

	if (!img)
		FAILF("no screenshot at %s: %s\n", path, IMG_GetError());
	if (img->w < min_w || img->h < min_h)
		FAILF("screenshot: got %dx%d, want at least %dx%d\n", img->w, img->h, min_w,
		      min_h);
	Uint32 corner = 0, centre = 0;
	SDL_Surface *rgb = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_RGB888, 0);
	assert_non_null(rgb);
	corner = ((const Uint32 *)rgb->pixels)[0] & 0xffffff;
	centre = ((const Uint32 *)((const Uint8 *)rgb->pixels + rgb->pitch * 2))[rgb->w / 2] &
		 0xffffff;
	SDL_FreeSurface(rgb);
	if (corner == 0 && centre == 0)
		FAILF("screenshot is black: the frame was not read back\n");
	SDL_FreeSurface(img);
	unlink(path);
	free(path);
}

static void test_scripted_session(void **state)
{
	struct view_input in = {"Greylisting delays a message", fixture_hosts,
				ARRAY_LEN(fixture_hosts), fixture_trace,
				strlen(fixture_trace), NULL};
	struct view_opts opts = {1280, 800, 1.0, false, false, false};
	char dir[] = "/tmp/mailsim-shot-XXXXXX";

	assert_non_null(mkdtemp(dir));
	setenv("MAILSIM_SCREENSHOT_DIR", dir, 1);
	setenv("SDL_VIDEODRIVER", "offscreen", 0);
	setenv("SDL_RENDER_DRIVER", "software", 1);
	setenv("SDL_VIDEO_EGL_DRIVER", "mailsim-no-egl", 1);
	assert_int_equal(SDL_Init(SDL_INIT_TIMER), 0);
	SDL_AtomicSet(&next_step, 0);
	SDL_TimerID timer = SDL_AddTimer(40, script_tick, NULL);
	assert_true(timer != 0);
	int rc = view_run(&in, &opts); /* its SDL_Quit() also ends the timer */
	SDL_Quit();
	if (rc != 0)
		FAILF("view_run: got %d, want 0\n", rc);
	if (SDL_AtomicGet(&next_step) != (int)ARRAY_LEN(script))
		FAILF("steps consumed: got %d, want %zu\n", SDL_AtomicGet(&next_step),
		      ARRAY_LEN(script));
	check_shot(dir, 640, 400);
	rmdir(dir);
}

static void test_bad_trace_fails_cleanly(void **state)
{
	const char *bad = "{\"t\":1.0,\"kind\":\"smtp.send\",\"dir\":\"sideways\",\"line\":\"x\"}\n";
	struct view_input in = {"bad", NULL, 0, bad, strlen(bad), NULL};

	setenv("SDL_VIDEODRIVER", "offscreen", 0);
	if (view_run(&in, NULL) == 0)
		FAILF("view_run on a malformed trace: got 0, want non-zero\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripted_session),
		cmocka_unit_test(test_bad_trace_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
