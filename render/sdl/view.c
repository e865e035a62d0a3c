/* view.c — the two entry points of view.h: the interactive window loop and
 * the headless frame export. Both build the same view_app and call the
 * same app_draw(); only the target differs (a window's renderer, or a
 * software renderer on an offscreen surface). */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include "scene.h"
#include "util.h"

#define VIEW_DEFAULT_W 1280
#define VIEW_DEFAULT_H 800
#define VIEW_MIN_SIDE 64
#define VIEW_MAX_SIDE 16384
#define VIEW_MAX_STEP_US 100000 /* a stalled frame never skips more */

/* ---- window ---- */

struct view_window {
	SDL_Window *win;
	SDL_Renderer *r;
};

static bool view_open_window(const struct view_opts *o, struct view_window *vw)
{
	int w = o && o->width > 0 ? o->width : VIEW_DEFAULT_W;
	int h = o && o->height > 0 ? o->height : VIEW_DEFAULT_H;
	Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;

	if (o && o->fullscreen)
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	vw->win = SDL_CreateWindow("mailsim", SDL_WINDOWPOS_CENTERED,
				   SDL_WINDOWPOS_CENTERED, w, h, flags);
	if (!vw->win)
		return false;
	SDL_SetWindowMinimumSize(vw->win, 480, 320);
	vw->r = SDL_CreateRenderer(vw->win, -1,
				   SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
	if (!vw->r)
		vw->r = SDL_CreateRenderer(vw->win, -1, SDL_RENDERER_SOFTWARE);
	return vw->r != NULL;
}

/* Mouse events come in window points; drawing is in renderer pixels
 * (they differ on high-DPI screens). */
static float view_pixel_ratio(const struct view_window *vw)
{
	int ww, wh, rw, rh;

	SDL_GetWindowSize(vw->win, &ww, &wh);
	SDL_GetRendererOutputSize(vw->r, &rw, &rh);
	return ww > 0 ? (float)rw / (float)ww : 1.0f;
}

static bool view_fit(struct view_app *app, const struct view_window *vw)
{
	char err[256];
	int rw, rh;

	SDL_GetRendererOutputSize(vw->r, &rw, &rh);
	if (rw == app->w && rh == app->h && app->dc->px)
		return true;
	if (app_resize(app, rw, rh, err, sizeof err))
		return true;
	fprintf(stderr, "mailsim: %s\n", err);
	return false;
}

static void view_handle(struct view_app *app, const struct view_window *vw,
			const SDL_Event *ev)
{
	float k = view_pixel_ratio(vw);

	switch (ev->type) {
	case SDL_QUIT: app->quit = true; break;
	case SDL_KEYDOWN: app_key(app, ev->key.keysym.sym, (SDL_Keymod)ev->key.keysym.mod); break;
	case SDL_MOUSEBUTTONDOWN:
		if (ev->button.button == SDL_BUTTON_LEFT)
			app_mouse_down(app, (float)ev->button.x * k, (float)ev->button.y * k);
		break;
	case SDL_MOUSEMOTION:
		app_mouse_move(app, (float)ev->motion.x * k, (float)ev->motion.y * k);
		break;
	case SDL_MOUSEBUTTONUP: app_mouse_up(app); break;
	case SDL_MOUSEWHEEL: {
		int mx, my;
		SDL_GetMouseState(&mx, &my);
		app_wheel(app, (float)mx * k, (float)my * k, ev->wheel.y);
		break;
	}
	default: break;
	}
}

/* Nothing moves while paused and settled: sleep until an input arrives
 * instead of redrawing 60 times a second. */
static bool view_idle(const struct view_app *app)
{
	return !app->pb.playing && app->pb.d_us >= app->pb.settle_us && !app->dragging;
}

/* F12 / Ctrl+S: the frame just drawn, as a PNG in $MAILSIM_SCREENSHOT_DIR
 * (else the working directory), under the first free name. */
static void view_screenshot(struct view_app *app, SDL_Renderer *r)
{
	const char *dir = getenv("MAILSIM_SCREENSHOT_DIR");
	int w, h;
	char *path = NULL;

	app->want_shot = false;
	SDL_GetRendererOutputSize(r, &w, &h);
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
	if (!s || SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_RGB888, s->pixels, s->pitch) != 0) {
		fprintf(stderr, "mailsim: cannot read the frame: %s\n", SDL_GetError());
		SDL_FreeSurface(s);
		return;
	}
	do {
		free(path);
		path = xasprintf("%s/mailsim-%03d.png", dir && *dir ? dir : ".", ++app->shots);
	} while (access(path, F_OK) == 0 && app->shots < 999);
	if (IMG_SavePNG(s, path) == 0)
		printf("mailsim: screenshot %s (%dx%d) at event %ld\n", path, w, h,
		       pb_cursor(&app->pb, app->tmap));
	else
		fprintf(stderr, "mailsim: cannot write %s: %s\n", path, SDL_GetError());
	/* beside it, what the frame shows (the scene JSON of `render
	 * --scene`): a state a test or a teacher's notes can read */
	char *json = vm_scene_json(&app->frame, app->model);
	char *jpath = xasprintf("%.*s.json", (int)strlen(path) - 4, path); /* "….png" */
	char *tmp = xasprintf("%s.part", jpath);
	FILE *f = fopen(tmp, "w");
	bool ok = f && fputs(json, f) >= 0;
	ok = f && fclose(f) == 0 && ok;
	/* renamed into place whole, after the PNG: a reader that sees the
	 * JSON sees both files complete */
	if (!ok || rename(tmp, jpath) != 0)
		fprintf(stderr, "mailsim: cannot write %s\n", jpath);
	free(tmp);
	free(jpath);
	free(json);
	fflush(stdout);
	free(path);
	SDL_FreeSurface(s);
}

/* --beats: autoplay stops at each narration beat it reaches, so the
 * teacher talks and then moves on (Space or the remote). */
static void view_beat_pause(struct view_app *app, long before)
{
	long beat = vm_next_beat(app->model, before);

	if (!app->beats || !app->pb.playing || beat < 0 || beat == app->beat_paused ||
	    pb_cursor(&app->pb, app->tmap) < beat)
		return;
	app->beat_paused = beat;
	app->pb.playing = false;
	pb_jump(&app->pb, app->tmap, beat);
}

static int view_loop(struct view_app *app, struct view_window *vw)
{
	Uint64 freq = SDL_GetPerformanceFrequency(), last = SDL_GetPerformanceCounter();
	SDL_Event ev;

	while (!app->quit) {
		if (view_idle(app))
			SDL_WaitEventTimeout(NULL, 250);
		while (SDL_PollEvent(&ev))
			view_handle(app, vw, &ev);
		Uint64 now = SDL_GetPerformanceCounter();
		int64_t dt = (int64_t)((now - last) * 1000000 / freq);
		last = now;
		long before = pb_cursor(&app->pb, app->tmap);
		pb_advance(&app->pb, app->tmap, dt > VIEW_MAX_STEP_US ? VIEW_MAX_STEP_US : dt);
		view_beat_pause(app, before);
		if (!view_fit(app, vw))
			return 1;
		app_draw(app);
		if (app->want_shot)
			view_screenshot(app, vw->r);
		SDL_RenderPresent(vw->r);
	}
	return 0;
}

int view_run(const struct view_input *in, const struct view_opts *opts)
{
	char err[256];
	struct view_window vw = {0};
	int rc = 1;
	struct view_app *app = app_new(in, err, sizeof err);

	if (!app) {
		fprintf(stderr, "mailsim: %s\n", err);
		return 1;
	}
	if (SDL_Init(SDL_INIT_VIDEO) != 0 || TTF_Init() != 0) {
		fprintf(stderr, "mailsim: cannot start SDL: %s\n", SDL_GetError());
		app_free(app);
		SDL_Quit();
		return 1;
	}
	if (!view_open_window(opts, &vw)) {
		fprintf(stderr, "mailsim: cannot open a window: %s\n", SDL_GetError());
	} else {
		SDL_SetWindowTitle(vw.win, app->title);
		app_attach(app, vw.r, vw.win);
		app->user_scale = opts && opts->scale > 0 ? opts->scale : 1.0;
		app->projector = opts && opts->projector;
		app->pal = app->projector ? &pal_projector : &pal_high_contrast;
		app->beats = opts && opts->beats;
		rc = view_loop(app, &vw);
	}
	app_free(app); /* before the renderer: it owns textures made by it */
	if (vw.r)
		SDL_DestroyRenderer(vw.r);
	if (vw.win)
		SDL_DestroyWindow(vw.win);
	TTF_Quit();
	SDL_Quit();
	return rc;
}

/* ---- headless frame ---- */

enum view_image { VIEW_IMG_NONE, VIEW_IMG_PNG, VIEW_IMG_BMP };

static enum view_image view_image_type(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (n >= 4 && ascii_strcaseeq(path + n - 4, ".png"))
		return VIEW_IMG_PNG;
	if (n >= 4 && ascii_strcaseeq(path + n - 4, ".bmp"))
		return VIEW_IMG_BMP;
	return VIEW_IMG_NONE;
}

static bool view_check_size(int width, int height, char *err, size_t errsz)
{
	if (width < VIEW_MIN_SIDE || height < VIEW_MIN_SIDE || width > VIEW_MAX_SIDE ||
	    height > VIEW_MAX_SIDE) {
		snprintf(err, errsz, "frame size %dx%d: each side must be %d to %d pixels",
			 width, height, VIEW_MIN_SIDE, VIEW_MAX_SIDE);
		return false;
	}
	return true;
}

static bool view_check_event(const struct view_app *app, long event, char *err, size_t errsz)
{
	if (event >= 0 && (size_t)event >= app->model->nev) {
		if (app->model->nev == 0)
			snprintf(err, errsz, "event %ld does not exist: the trace is empty", event);
		else
			snprintf(err, errsz,
				 "event %ld does not exist: the trace has %zu events (0 to %zu)",
				 event, app->model->nev, app->model->nev - 1);
		return false;
	}
	return true;
}

static bool view_check_args(const struct view_frame_req *req, char *err, size_t errsz)
{
	if (req->out_path && view_image_type(req->out_path) == VIEW_IMG_NONE) {
		snprintf(err, errsz, "%s: the image name must end in .png or .bmp", req->out_path);
		return false;
	}
	if (!req->out_path && !req->scene_path) {
		snprintf(err, errsz, "nothing to write: want an image, a scene file or both");
		return false;
	}
	return view_check_size(req->width, req->height, err, errsz);
}

/* The frame a step to `event` settles on, or the moment `at_us`. */
static void view_place_head(struct view_app *app, long event, int64_t at_us)
{
	if (app->model->nev == 0)
		return;
	if (event >= 0)
		pb_rest(&app->pb, app->tmap, event);
	else
		pb_seek_time(&app->pb, app->tmap, at_us);
}

static bool view_save(SDL_Surface *surf, const char *path, char *err, size_t errsz)
{
	int rc = view_image_type(path) == VIEW_IMG_PNG ? IMG_SavePNG(surf, path)
						       : SDL_SaveBMP(surf, path);
	if (rc != 0)
		snprintf(err, errsz, "cannot write %s: %s", path, SDL_GetError());
	return rc == 0;
}

static bool view_save_scene(const struct view_app *app, const char *path, char *err,
			    size_t errsz)
{
	char *json = vm_scene_json(&app->frame, app->model);
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(json, f) >= 0 && fputc('\n', f) != EOF;

	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		snprintf(err, errsz, "cannot write %s", path);
	free(json);
	return ok;
}

/* A software renderer on an offscreen surface: no display needed. No
 * SDL_Init: TTF_Init/TTF_Quit are counted, so a caller's own use is
 * unaffected. RGB888 has no alpha channel, so the image is opaque
 * whatever was blended into it. */
struct view_session {
	struct view_app *app;
	SDL_Surface *surf;
	SDL_Renderer *r;
};

struct view_session *view_session_new(const struct view_input *in, int width, int height,
				      double scale, bool projector, char *err, size_t errsz)
{
	if (!view_check_size(width, height, err, errsz))
		return NULL;
	struct view_app *app = app_new(in, err, errsz);
	if (!app)
		return NULL;
	if (TTF_Init() != 0) {
		snprintf(err, errsz, "cannot start SDL_ttf: %s", TTF_GetError());
		app_free(app);
		return NULL;
	}
	struct view_session *vs = xcalloc(1, sizeof *vs);
	vs->app = app;
	vs->surf = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_RGB888);
	vs->r = vs->surf ? SDL_CreateSoftwareRenderer(vs->surf) : NULL;
	if (!vs->r) {
		snprintf(err, errsz, "cannot create a %dx%d software renderer: %s", width, height,
			 SDL_GetError());
		view_session_free(vs);
		return NULL;
	}
	app_attach(app, vs->r, NULL);
	app->user_scale = scale > 0 ? scale : 1.0;
	app->projector = projector;
	app->pal = projector ? &pal_projector : &pal_high_contrast;
	if (!app_resize(app, width, height, err, errsz)) {
		view_session_free(vs);
		return NULL;
	}
	return vs;
}

void view_session_free(struct view_session *vs)
{
	if (!vs)
		return;
	app_free(vs->app); /* before the renderer: its textures belong to r */
	if (vs->r)
		SDL_DestroyRenderer(vs->r);
	if (vs->surf)
		SDL_FreeSurface(vs->surf);
	TTF_Quit();
	free(vs);
}

size_t view_session_events(const struct view_session *vs)
{
	return vs->app->model->nev;
}

/* Lay out and measure the frame without drawing pixels. */
char *view_session_scene(struct view_session *vs, long event, char *err, size_t errsz)
{
	if (!view_check_event(vs->app, event, err, errsz))
		return NULL;
	if (event >= 0)
		view_place_head(vs->app, event, 0);
	vs->app->dc->dry = true;
	app_draw(vs->app);
	vs->app->dc->dry = false;
	return vm_scene_json(&vs->app->frame, vs->app->model);
}

void view_session_click(struct view_session *vs, float x, float y)
{
	app_mouse_down(vs->app, x, y);
	app_mouse_up(vs->app);
}

void view_session_key(struct view_session *vs, int key)
{
	app_key(vs->app, (SDL_Keycode)key, KMOD_NONE);
}

int view_render_frame(const struct view_input *in, const struct view_frame_req *req,
		      char *err, size_t errsz)
{
	if (!view_check_args(req, err, errsz))
		return -1;
	struct view_session *vs = view_session_new(in, req->width, req->height, req->scale,
						   req->projector, err, errsz);
	bool ok = vs && view_check_event(vs->app, req->event, err, errsz);

	if (ok) {
		view_place_head(vs->app, req->event, req->at_us);
		if (req->card)
			vs->app->card_ev = card_decision_at(vs->app->model,
							    pb_cursor(&vs->app->pb, vs->app->tmap));
		app_draw(vs->app);
		SDL_RenderFlush(vs->r);
		ok = !req->out_path || view_save(vs->surf, req->out_path, err, errsz);
		ok = ok && (!req->scene_path || view_save_scene(vs->app, req->scene_path, err, errsz));
	}
	view_session_free(vs);
	return ok ? 0 : -1;
}

int view_render_file(const struct view_input *in, long event, int64_t at_us,
		     int width, int height, double scale, const char *out_path,
		     char *err, size_t errsz)
{
	struct view_frame_req req = {event, at_us, width, height, scale, false,
				     out_path ? out_path : "", NULL, false};

	return view_render_frame(in, &req, err, errsz);
}
