/* input.c — keys and mouse to play-head moves. One table row per key;
 * Ctrl rows come first so Ctrl+0 is not taken for something else. */
#include "scene.h"

#include <stdio.h>

#include "util.h"

#define SCALE_STEP 1.15
#define SCALE_MIN 0.5
#define SCALE_MAX 3.0

static void key_toggle(struct view_app *app) { pb_toggle(&app->pb, app->tmap); }
static void key_next(struct view_app *app) { pb_step(&app->pb, app->tmap, +1); }
static void key_prev(struct view_app *app) { pb_step(&app->pb, app->tmap, -1); }
static void key_faster(struct view_app *app) { pb_faster(&app->pb); }
static void key_slower(struct view_app *app) { pb_slower(&app->pb); }
static void key_home(struct view_app *app) { pb_home(&app->pb, app->tmap); }
static void key_end(struct view_app *app) { pb_end(&app->pb, app->tmap); }
static void key_help(struct view_app *app) { app->help = !app->help; }
static void key_quit(struct view_app *app) { app->quit = true; }

static void key_decision(struct view_app *app, bool forward)
{
	long c = pb_cursor(&app->pb, app->tmap);
	long i = forward ? tm_next_decision(app->model, c) : tm_prev_decision(app->model, c);

	if (i < 0)
		return;
	app->pb.playing = false;
	pb_jump(&app->pb, app->tmap, i);
}

static void key_next_decision(struct view_app *app) { key_decision(app, true); }
static void key_prev_decision(struct view_app *app) { key_decision(app, false); }

static void key_escape(struct view_app *app)
{
	if (app->help)
		app->help = false;
	else
		app->quit = true;
}

static void key_fullscreen(struct view_app *app)
{
	if (!app->win)
		return;
	bool full = SDL_GetWindowFlags(app->win) & SDL_WINDOW_FULLSCREEN;
	SDL_SetWindowFullscreen(app->win, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
}

static void app_rescale(struct view_app *app, double scale)
{
	char err[256];

	app->user_scale = scale < SCALE_MIN ? SCALE_MIN : scale > SCALE_MAX ? SCALE_MAX : scale;
	if (!app_resize(app, app->w, app->h, err, sizeof err))
		fprintf(stderr, "mailsim: %s\n", err);
}

static void key_bigger(struct view_app *app) { app_rescale(app, app->user_scale * SCALE_STEP); }
static void key_smaller(struct view_app *app) { app_rescale(app, app->user_scale / SCALE_STEP); }
static void key_normal(struct view_app *app) { app_rescale(app, 1.0); }

static const struct {
	SDL_Keycode key;
	bool ctrl; /* true: only with Ctrl held */
	void (*fn)(struct view_app *app);
} key_table[] = {
	{SDLK_PLUS, true, key_bigger}, {SDLK_EQUALS, true, key_bigger},
	{SDLK_KP_PLUS, true, key_bigger}, {SDLK_MINUS, true, key_smaller},
	{SDLK_KP_MINUS, true, key_smaller}, {SDLK_0, true, key_normal},
	{SDLK_KP_0, true, key_normal},
	{SDLK_SPACE, false, key_toggle}, {SDLK_RIGHT, false, key_next},
	{SDLK_LEFT, false, key_prev}, {SDLK_DOWN, false, key_next_decision},
	{SDLK_UP, false, key_prev_decision}, {SDLK_RIGHTBRACKET, false, key_faster},
	{SDLK_LEFTBRACKET, false, key_slower}, {SDLK_HOME, false, key_home},
	{SDLK_END, false, key_end}, {SDLK_f, false, key_fullscreen},
	{SDLK_h, false, key_help}, {SDLK_SLASH, false, key_help},
	{SDLK_QUESTION, false, key_help}, {SDLK_q, false, key_quit},
	{SDLK_ESCAPE, false, key_escape},
};

void app_key(struct view_app *app, SDL_Keycode key, SDL_Keymod mod)
{
	bool ctrl = (mod & KMOD_CTRL) != 0;

	for (size_t i = 0; i < ARRAY_LEN(key_table); i++) {
		if (key_table[i].key == key && (!key_table[i].ctrl || ctrl)) {
			key_table[i].fn(app);
			return;
		}
	}
}

static bool in_rect(const struct lay_rect *r, float x, float y)
{
	return x >= (float)r->x && x < (float)(r->x + r->w) && y >= (float)r->y &&
	       y < (float)(r->y + r->h);
}

void app_mouse_down(struct view_app *app, float x, float y)
{
	if (app->help) {
		app->help = false;
		return;
	}
	if (in_rect(&app->panels.timeline, x, y)) {
		app->dragging = true;
		pb_seek(&app->pb, app->tmap, app_timeline_at(app, x));
		return;
	}
	if (in_rect(&app->panels.list, x, y) && y >= app->list_y0 && app->list_row_h > 0) {
		size_t row = (size_t)((y - app->list_y0) / app->list_row_h);
		size_t i = app->list_first + row;
		if (row < app->list_rows && i < app->model->nev) {
			app->pb.playing = false;
			pb_jump(&app->pb, app->tmap, (long)i);
		}
	}
}

void app_mouse_move(struct view_app *app, float x, float y)
{
	if (app->dragging)
		pb_seek(&app->pb, app->tmap, app_timeline_at(app, x));
}

void app_mouse_up(struct view_app *app)
{
	app->dragging = false;
}
