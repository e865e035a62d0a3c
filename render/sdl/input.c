/* input.c — keys and mouse to play-head moves, filters and inspectors.
 * One table row per key; Ctrl rows come first so Ctrl+0 is not taken for
 * something else. Clicks are resolved against the hit areas the last
 * frame registered (app_hit), topmost first. */
#include "scene.h"

#include <stdio.h>

#include "util.h"

#define SCALE_STEP 1.15
#define SCALE_MIN 0.5
#define SCALE_MAX 3.0
#define WHEEL_ROWS 3

static void key_toggle(struct view_app *app) { pb_toggle(&app->pb, app->tmap); }
static void key_next(struct view_app *app) { pb_step(&app->pb, app->tmap, +1); }
static void key_prev(struct view_app *app) { pb_step(&app->pb, app->tmap, -1); }
static void key_faster(struct view_app *app) { pb_faster(&app->pb); }
static void key_slower(struct view_app *app) { pb_slower(&app->pb); }
static void key_home(struct view_app *app) { pb_home(&app->pb, app->tmap); }
static void key_end(struct view_app *app) { pb_end(&app->pb, app->tmap); }
static void key_help(struct view_app *app) { app->help = !app->help; }
static void key_quit(struct view_app *app) { app->quit = true; }
static void key_shot(struct view_app *app) { app->want_shot = true; }

static void key_decision(struct view_app *app, bool forward)
{
	long c = pb_cursor(&app->pb, app->tmap);
	long i = forward ? tm_next_decision(app->model, c) : tm_prev_decision(app->model, c);

	if (i < 0)
		return;
	app->pb.playing = false;
	pb_jump(&app->pb, app->tmap, i);
}

/* A presenter's remote sends PageDown/PageUp (or →/←): the next or
 * previous narration beat, where the caption changes. */
static void key_beat(struct view_app *app, bool forward)
{
	long c = pb_cursor(&app->pb, app->tmap);
	long i = forward ? vm_next_beat(app->model, c) : vm_prev_beat(app->model, c);

	app->pb.playing = false;
	if (i >= 0)
		pb_jump(&app->pb, app->tmap, i);
	else if (forward)
		pb_end(&app->pb, app->tmap);
	else
		pb_home(&app->pb, app->tmap);
}

static void key_next_beat(struct view_app *app) { key_beat(app, true); }
static void key_prev_beat(struct view_app *app) { key_beat(app, false); }

static void key_projector(struct view_app *app)
{
	char err[256];

	app->projector = !app->projector;
	app->pal = app->projector ? &pal_projector : &pal_high_contrast;
	if (app->dc && !app_resize(app, app->w, app->h, err, sizeof err))
		fprintf(stderr, "mailsim: %s\n", err);
}

static void key_legend(struct view_app *app) { app->legend = !app->legend; }

/* A: the network's counts per host and link, or one envelope per message.
 * A trace with many messages starts with counts (vm_traffic.h); a teacher
 * may want the envelopes back for a moment, or counts on a small trace. */
static void key_aggregate(struct view_app *app) { app->aggregate = !app->aggregate; }

/* C: the campaign panel, when the trace has campaigns or reputation. */
static void key_campaign(struct view_app *app)
{
	char err[256];

	if (!cv_has_content(app->camp))
		return;
	app->camp_on = !app->camp_on;
	if (app->dc && !app_resize(app, app->w, app->h, err, sizeof err))
		fprintf(stderr, "mailsim: %s\n", err);
}

/* D: the card of the decision at the cursor (or the latest before it);
 * D again closes it. */
static void key_card(struct view_app *app)
{
	app->card_ev = app->card_ev >= 0 ? -1
					 : card_decision_at(app->model, pb_cursor(&app->pb, app->tmap));
}

static void key_next_decision(struct view_app *app) { key_decision(app, true); }
static void key_prev_decision(struct view_app *app) { key_decision(app, false); }

/* Esc closes what is open, innermost first; with nothing open it quits. */
static void key_escape(struct view_app *app)
{
	if (app->help)
		app->help = false;
	else if (app->legend)
		app->legend = false;
	else if (app->card_ev >= 0)
		app->card_ev = -1;
	else if (app->insp.mode != INSP_OFF)
		app_inspect_close(app);
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

/* ---- filters and inspectors ---- */

static void filter_toggle(struct view_app *app, int cat)
{
	app->filter.hidden ^= 1u << cat;
	app_refilter(app);
}

static void key_f1(struct view_app *app) { filter_toggle(app, EVF_DNS); }
static void key_f2(struct view_app *app) { filter_toggle(app, EVF_SMTP); }
static void key_f3(struct view_app *app) { filter_toggle(app, EVF_QUEUE); }
static void key_f4(struct view_app *app) { filter_toggle(app, EVF_FILTER); }
static void key_f5(struct view_app *app) { filter_toggle(app, EVF_MAILBOX); }

static void key_msg_filter(struct view_app *app)
{
	evf_next_msg(&app->filter, app->model);
	app_refilter(app);
}

static void key_clear_filter(struct view_app *app)
{
	evf_init(&app->filter);
	app_refilter(app);
}

/* I: the current event's message, else the host it happens at. */
static void key_inspect(struct view_app *app)
{
	long c = pb_cursor(&app->pb, app->tmap);
	const struct tm_event *e = c >= 0 ? &app->model->ev[c] : NULL;

	if (e && e->msg_idx >= 0)
		app_inspect_msg(app, e->msg_idx);
	else if (e && e->node >= 0)
		app_inspect_host(app, e->node);
}

static void key_tab(struct view_app *app)
{
	if (app->insp.mode != INSP_HOST_VIEW)
		return;
	app->insp.tab = (enum insp_tab)((app->insp.tab + 1) % INSP_TAB_COUNT);
	app->insp.built_for = -2;
	app->insp.scroll = 0;
}

static const struct {
	SDL_Keycode key;
	bool ctrl; /* true: only with Ctrl held */
	void (*fn)(struct view_app *app);
} key_table[] = {
	{SDLK_PLUS, true, key_bigger}, {SDLK_EQUALS, true, key_bigger},
	{SDLK_KP_PLUS, true, key_bigger}, {SDLK_MINUS, true, key_smaller},
	{SDLK_KP_MINUS, true, key_smaller}, {SDLK_0, true, key_normal},
	{SDLK_KP_0, true, key_normal}, {SDLK_s, true, key_shot},
	{SDLK_SPACE, false, key_toggle}, {SDLK_RIGHT, false, key_next_beat},
	{SDLK_LEFT, false, key_prev_beat}, {SDLK_PAGEDOWN, false, key_next_beat},
	{SDLK_PAGEUP, false, key_prev_beat}, {SDLK_PERIOD, false, key_next},
	{SDLK_COMMA, false, key_prev}, {SDLK_p, false, key_projector},
	{SDLK_l, false, key_legend}, {SDLK_c, false, key_campaign}, {SDLK_a, false, key_aggregate},
	{SDLK_d, false, key_card}, {SDLK_DOWN, false, key_next_decision},
	{SDLK_UP, false, key_prev_decision}, {SDLK_RIGHTBRACKET, false, key_faster},
	{SDLK_LEFTBRACKET, false, key_slower}, {SDLK_HOME, false, key_home},
	{SDLK_END, false, key_end}, {SDLK_f, false, key_fullscreen},
	{SDLK_h, false, key_help}, {SDLK_SLASH, false, key_help},
	{SDLK_QUESTION, false, key_help}, {SDLK_q, false, key_quit},
	{SDLK_ESCAPE, false, key_escape}, {SDLK_F12, false, key_shot},
	{SDLK_1, false, key_f1}, {SDLK_2, false, key_f2}, {SDLK_3, false, key_f3},
	{SDLK_4, false, key_f4}, {SDLK_5, false, key_f5}, {SDLK_m, false, key_msg_filter},
	{SDLK_0, false, key_clear_filter}, {SDLK_i, false, key_inspect},
	{SDLK_TAB, false, key_tab},
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

/* ---- mouse ---- */

static bool in_rect(const struct lay_rect *r, float x, float y)
{
	return x >= (float)r->x && x < (float)(r->x + r->w) && y >= (float)r->y &&
	       y < (float)(r->y + r->h);
}

static void click_hit(struct view_app *app, const struct hit *h)
{
	switch (h->kind) {
	case HIT_HOST: app_inspect_host(app, (int)h->arg); break;
	case HIT_MSG: case HIT_INSP_LINE: app_inspect_msg(app, (int)h->arg); break;
	case HIT_CHIP: filter_toggle(app, (int)h->arg); break;
	case HIT_MSG_CHIP: key_msg_filter(app); break;
	case HIT_CLOSE: app_inspect_close(app); break;
	case HIT_TAB:
		app->insp.tab = (enum insp_tab)h->arg;
		app->insp.built_for = -2;
		app->insp.scroll = 0;
		break;
	case HIT_BUTTON: app_key(app, scene_button_key(h->arg), KMOD_NONE); break;
	case HIT_DECISION: app->card_ev = h->arg; break;
	case HIT_ROW:
		app->pb.playing = false;
		app->list_scroll = 0;
		pb_jump(&app->pb, app->tmap, h->arg);
		break;
	}
}

void app_mouse_down(struct view_app *app, float x, float y)
{
	if (app->help || app->legend) {
		app->help = app->legend = false;
		return;
	}
	if (in_rect(&app->panels.timeline, x, y)) {
		app->dragging = true;
		pb_seek(&app->pb, app->tmap, app_timeline_at(app, x));
		return;
	}
	const struct hit *h = hits_at(&app->cx.hits, x, y);
	if (h)
		click_hit(app, h);
	else if (app->card_ev >= 0) /* a click on the card (or beside it) closes it */
		app->card_ev = -1;
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

/* dy > 0: the wheel turned away from the user (scroll up, towards older). */
void app_wheel(struct view_app *app, float x, float y, int dy)
{
	if (in_rect(&app->panels.list, x, y))
		app->list_scroll -= dy * WHEEL_ROWS;
	else if (in_rect(&app->panels.ladder, x, y))
		app->ladder_scroll += dy * WHEEL_ROWS;
	else if (in_rect(&app->panels.inspector, x, y))
		app->insp.scroll -= dy * WHEEL_ROWS;
}
