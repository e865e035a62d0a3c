/* scene_controls.c — a row of buttons for everything the keyboard does,
 * for a mouse, a touch screen or a teacher who does not know the keys.
 * A button is its key: a click sends the key's code through app_key(), so
 * the two cannot drift apart. */
#include "scene.h"

#include <math.h>

#include "util.h"

static const struct {
	const char *label;
	SDL_Keycode key;
} ctl_buttons[] = {
	{"|◀", SDLK_HOME},         {"◀◀ beat", SDLK_PAGEUP},   {"◀ event", SDLK_COMMA},
	{"play / pause", SDLK_SPACE}, {"event ▶", SDLK_PERIOD}, {"beat ▶▶", SDLK_PAGEDOWN},
	{"▶|", SDLK_END},          {"▲ decision", SDLK_UP},     {"decision ▼", SDLK_DOWN},
	{"why?", SDLK_d},
	{"slower", SDLK_LEFTBRACKET}, {"faster", SDLK_RIGHTBRACKET},
	{"projector", SDLK_p},     {"legend", SDLK_l},          {"keys", SDLK_h},
};

SDL_Keycode scene_button_key(long id)
{
	return id >= 0 && (size_t)id < ARRAY_LEN(ctl_buttons) ? ctl_buttons[id].key : SDLK_UNKNOWN;
}

void scene_controls(struct view_app *app)
{
	const struct lay_rect *r = &app->panels.controls;
	const struct pal *p = app->pal;
	float pad = (float)app->fs * 0.45f, gap = (float)app->fs * 0.3f;
	float lh = (float)dc_line_h(app->dc, DC_SMALL), h = fminf(lh + pad, (float)r->h - 2);
	float x = (float)r->x + pad, y = (float)r->y + ((float)r->h - h) / 2;

	if (r->h <= 0)
		return;
	float need = 0; /* a narrower window first tightens the row */
	for (size_t i = 0; i < ARRAY_LEN(ctl_buttons); i++)
		need += (float)dc_text_w(app->dc, DC_SMALL, ctl_buttons[i].label) + 2 * pad + gap;
	if (need + pad > (float)r->w) {
		pad = (float)app->fs * 0.2f;
		gap = (float)app->fs * 0.12f;
		x = (float)r->x + pad;
	}
	/* the row changes only with the layout and its four toggles */
	long state = app->pb.playing | app->projector << 1 | app->legend << 2 |
		     (app->card_ev >= 0) << 3;
	struct fc_layer_key key = {FC_CONTROLS, app->layout_epoch, p, app->projector, *r, state};
	struct fc_layer *l = fc_begin(app->fc, app->dc, &key);
	scene_panel(&app->cx, r, NULL);
	for (size_t i = 0; i < ARRAY_LEN(ctl_buttons); i++) {
		const char *label = ctl_buttons[i].label;
		bool on = (ctl_buttons[i].key == SDLK_SPACE && app->pb.playing) ||
			  (ctl_buttons[i].key == SDLK_p && app->projector) ||
			  (ctl_buttons[i].key == SDLK_l && app->legend) ||
			  (ctl_buttons[i].key == SDLK_d && app->card_ev >= 0);
		float w = (float)dc_text_w(app->dc, DC_SMALL, label) + 2 * pad;
		if (x + w > (float)(r->x + r->w) - pad)
			break; /* a narrow window: the keys still do it all */
		dc_round_rect(app->dc, x, y, w, h, h / 4, on ? dc_alpha(p->accent, 90) : p->header);
		dc_round_frame(app->dc, x, y, w, h, h / 4, app->projector ? 2.5f : 1.5f,
			       on ? p->accent : p->panel_edge);
		dc_text(app->dc, DC_SMALL, label, x + pad, y + (h - lh) / 2, p->text, DC_LEFT, 0);
		hits_add(&app->cx.hits, x, y, w, h, HIT_BUTTON, (long)i);
		x += w + gap;
	}
	fc_end(app->fc, app->dc, &key, l);
}
