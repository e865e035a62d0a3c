/* scene_panels.c — the text panels: title bar with the clock, the event
 * list that follows the cursor, the narration caption, the help overlay. */
#include "scene.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "trace_kinds.h"
#include "util.h"

/* ---- title bar ---- */

static void title_play_mark(struct view_app *app, float x, float cy, float s)
{
	SDL_Color c = app->pal->accent;

	if (app->pb.playing) {
		SDL_FPoint tri[3] = {{x, cy - s / 2}, {x + s * 0.85f, cy}, {x, cy + s / 2}};
		dc_poly(app->dc, tri, 3, c);
	} else {
		dc_fill_rect(app->dc, x, cy - s / 2, s * 0.3f, s, c);
		dc_fill_rect(app->dc, x + s * 0.55f, cy - s / 2, s * 0.3f, s, c);
	}
}

/* The title bar: the scenario's title on the left, the clock, speed and
 * event number on the right. A long title is never cut: the clock drops
 * its wall-clock date first, then the title wraps to two lines (in the
 * title font when the bar holds two of its lines, else in bold). */
void scene_title(struct view_app *app)
{
	const struct lay_rect *r = &app->panels.title;
	const struct pal *p = app->pal;
	long cursor = pb_cursor(&app->pb, app->tmap);
	char right[240], clock[sizeof app->frame.clock];
	float pad = (float)app->fs * 0.6f, lh = (float)dc_line_h(app->dc, DC_BOLD);
	float cy = (float)r->y + (float)r->h / 2, tw = 0, rw = 0;
	float title_w = (float)dc_text_w(app->dc, DC_TITLE, app->title);

	scene_panel(&app->cx, r, NULL);
	dc_fill_rect(app->dc, (float)r->x, (float)r->y, (float)r->w, (float)r->h, p->header);
	snprintf(clock, sizeof clock, "%s", app->frame.clock);
	for (int pass = 0; pass < 2; pass++) {
		snprintf(right, sizeof right, "%s   %s   event %ld / %zu", clock,
			 pb_speed_label(&app->pb), cursor, app->model->nev ? app->model->nev - 1 : 0);
		rw = fminf((float)dc_text_w(app->dc, DC_BOLD, right), (float)r->w * 0.75f);
		tw = fmaxf((float)r->w - rw - 4 * pad - lh * 1.2f, 1);
		char *date = strstr(clock, " · ");
		if (title_w <= tw || !date)
			break;
		*date = '\0'; /* the elapsed time stays, the date goes */
	}
	dc_text(app->dc, DC_BOLD, right, (float)(r->x + r->w) - pad, cy - lh / 2, p->text,
		DC_RIGHT, (float)r->w * 0.75f);
	title_play_mark(app, (float)(r->x + r->w) - pad - rw - lh * 1.2f, cy, lh * 0.7f);
	float th = (float)dc_line_h(app->dc, DC_TITLE);
	if (title_w <= tw) {
		dc_text(app->dc, DC_TITLE, app->title, (float)r->x + pad, cy - th / 2, p->text,
			DC_LEFT, tw);
		return;
	}
	enum dc_font f = 2 * th <= (float)r->h ? DC_TITLE : DC_BOLD;
	float fh = (float)dc_line_h(app->dc, f), w;
	int n = dc_wrap_measure(app->dc, f, app->title, tw, 2, &w);
	dc_text_wrapped(app->dc, f, app->title, (float)r->x + pad, cy - (float)n * fh / 2, tw, 2,
			p->text);
}

/* ---- event list ---- */

struct list_cols {
	float time, route, kind, msg, summary, end;
};

static struct list_cols list_cols(struct view_app *app)
{
	const struct lay_rect *r = &app->panels.list;
	float pad = (float)app->fs * 0.5f;
	struct list_cols c;

	c.time = (float)r->x + pad;
	c.route = c.time + (float)dc_text_w(app->dc, DC_MONO, "00000.000000") + pad * 2;
	c.kind = c.route + (float)r->w * 0.29f;
	/* the widest kind name sets the column */
	c.msg = c.kind + (float)dc_text_w(app->dc, DC_MONO, trace_kind_name(TK_POLICY_DECISION)) +
		pad * 1.5f;
	c.summary = c.msg + (float)dc_text_w(app->dc, DC_SMALL_MONO, "m1.delay") + pad * 1.5f;
	c.end = (float)(r->x + r->w) - pad;
	return c;
}

static void list_row(struct view_app *app, const struct list_cols *c, size_t i,
		     float y, bool current)
{
	const struct tm_event *e = &app->model->ev[i];
	const struct pal *p = app->pal;
	SDL_Color text = current ? p->text : p->text_dim;
	char time[32], route[200], a[96] = "", b[96] = "";

	tm_format_time(e->t_us, time, sizeof time);
	if (e->node >= 0)
		vm_short_name(app->model, e->node, a, sizeof a);
	if (e->peer >= 0)
		vm_short_name(app->model, e->peer, b, sizeof b);
	snprintf(route, sizeof route, "%s%s%s", a, b[0] ? " → " : "", b);
	dc_text(app->dc, DC_MONO, time, c->time, y, text, DC_LEFT, 0);
	dc_text(app->dc, DC_SANS, route, c->route, y, text, DC_LEFT, c->kind - c->route - 8);
	dc_text(app->dc, DC_MONO, tm_kind_name(e), c->kind, y,
		tm_kind_is_decision(e->kind) ? p->decision : text, DC_LEFT,
		c->msg - c->kind - 8);
	if (e->msg_idx >= 0) {
		float w = dc_text(app->dc, DC_SMALL_MONO, app->model->msgs[e->msg_idx].id, c->msg,
				  y + (float)app->fs * 0.1f, pal_msg(p, app->model, e->msg_idx),
				  DC_LEFT, c->summary - c->msg - 4);
		hits_add(&app->cx.hits, c->msg, y, w, (float)dc_line_h(app->dc, DC_SANS), HIT_MSG,
			e->msg_idx);
	}
	dc_text(app->dc, DC_SANS, tm_summary(e), c->summary, y, current ? p->text : text,
		DC_LEFT, c->end - c->summary);
}

/* A toggle in the list's header; returns its width. */
static float list_chip(struct view_app *app, float x, float y, const char *label, bool on,
		       SDL_Color col, enum hit_kind kind, long arg)
{
	float pad = (float)app->fs * 0.35f, lh = (float)dc_line_h(app->dc, DC_SMALL);
	float w = (float)dc_text_w(app->dc, DC_SMALL, label) + 2 * pad, h = lh + pad * 0.3f;

	if (on)
		dc_round_rect(app->dc, x, y, w, h, h / 2, dc_alpha(col, 60));
	dc_round_frame(app->dc, x, y, w, h, h / 2, 1.2f, on ? col : app->pal->panel_edge);
	dc_text(app->dc, DC_SMALL, label, x + pad, y + pad * 0.15f,
		on ? app->pal->text : app->pal->text_dim, DC_LEFT, 0);
	if (!on) /* struck through: off is not told by colour alone */
		dc_line(app->dc, x + pad, y + h / 2, x + w - pad, y + h / 2, 1.2f, app->pal->text_dim);
	hits_add(&app->cx.hits, x, y, w, h, kind, arg);
	return w;
}

/* "Events  312 of 1119   [DNS] [SMTP] [Queue] [Filter] [Mailbox] [msg: all]" */
static void list_header(struct view_app *app, const struct lay_rect *r)
{
	char count[64], msg[80];
	float pad = (float)app->fs * 0.5f, y = (float)r->y + pad * 0.35f;
	float x = (float)r->x + pad;

	snprintf(count, sizeof count, "Events  %zu of %zu", app->nrows, app->model->nev);
	x += dc_text(app->dc, DC_SMALL, count, x, y, app->pal->text_dim, DC_LEFT, 0) + pad * 2;
	for (int c = 0; c < EVF_CAT_COUNT; c++)
		x += list_chip(app, x, y, evf_cat_name((enum evf_cat)c),
			       !(app->filter.hidden & (1u << c)), app->pal->accent, HIT_CHIP, c) + pad * 0.6f;
	int k = app->filter.msg_idx;
	snprintf(msg, sizeof msg, "message: %s", k >= 0 ? app->model->msgs[k].id : "all");
	list_chip(app, x + pad, y, msg, true,
		  k >= 0 ? pal_msg(app->pal, app->model, k) : app->pal->accent, HIT_MSG_CHIP, 0);
}

void scene_list(struct view_app *app)
{
	const struct lay_rect *r = &app->panels.list;
	long cursor = pb_cursor(&app->pb, app->tmap);
	float top = scene_panel(&app->cx, r, NULL) + (float)dc_line_h(app->dc, DC_SMALL) +
		    (float)app->fs * 0.5f;
	float row_h = (float)dc_line_h(app->dc, DC_SANS) + (float)app->fs * 0.25f;
	float avail = (float)(r->y + r->h) - top;
	size_t rows = avail > 0 ? (size_t)(avail / row_h) : 0;
	long focus = evf_row_at(app->rows, app->nrows, cursor);
	long first = (long)lay_scroll_first(app->nrows, rows, focus < 0 ? 0 : (size_t)focus, 35);
	struct list_cols c = list_cols(app);

	list_header(app, r);
	first += app->list_scroll; /* the wheel moves the window off the cursor */
	first = first > (long)app->nrows - (long)rows ? (long)app->nrows - (long)rows : first;
	first = first < 0 ? 0 : first;
	app->list_first = (size_t)first;
	app->list_rows = rows;
	app->list_y0 = top;
	app->list_row_h = row_h;
	for (size_t k = (size_t)first; k < app->nrows && k < (size_t)first + rows; k++) {
		float y = top + (float)(k - (size_t)first) * row_h;
		bool current = (long)app->rows[k] == cursor;
		if (current || (long)k == focus) /* a dimmer mark: the cursor is filtered out */
			dc_fill_rect(app->dc, (float)r->x + 1, y, (float)r->w - 1, row_h,
				     dc_alpha(app->pal->accent, current ? 48 : 20));
		hits_add(&app->cx.hits, (float)r->x, y, (float)r->w, row_h, HIT_ROW, (long)app->rows[k]);
		list_row(app, &c, app->rows[k], y + (float)app->fs * 0.12f, current);
	}
}

/* ---- narration caption ---- */

/* FNV-1a of a string (0 for none): the caption layer's key. */
static long caption_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return s ? (long)(h >> 1) : 0;
}

/* The narration changes only at a beat: between two, the panel is kept
 * as a layer (frame_cache.h) and copied. */
void scene_caption(struct view_app *app)
{
	const struct lay_rect *r = &app->panels.caption;
	const char *caption = app->frame.narration;
	float pad = (float)app->fs * 0.8f;
	struct fc_layer_key key = {FC_CAPTION, app->layout_epoch, app->pal, app->projector, *r,
				   caption_hash(caption)};
	struct fc_layer *l = fc_begin(app->fc, app->dc, &key);

	scene_panel(&app->cx, r, NULL);
	dc_fill_rect(app->dc, (float)r->x, (float)r->y, (float)r->w, (float)r->h,
		     app->pal->header);
	dc_fill_rect(app->dc, (float)r->x, (float)r->y, (float)app->fs * 0.3f, (float)r->h,
		     app->pal->accent);
	float lh = (float)dc_line_h(app->dc, DC_CAPTION);
	int max_lines = (int)(((float)r->h - pad / 2) / lh);
	max_lines = max_lines < 1 ? 1 : max_lines > 2 ? 2 : max_lines;
	float y = (float)r->y + ((float)r->h - lh * (float)max_lines) / 2;
	if (caption)
		dc_text_wrapped(app->dc, DC_CAPTION, caption, (float)r->x + pad * 1.5f, y,
				(float)r->w - pad * 3, max_lines, app->pal->text);
	else /* the first-run hint, and whenever no caption is current */
		dc_text_wrapped(app->dc, DC_SANS,
				"Space play · PgDn/→ next beat · . , one event · ↓ ↑ decisions · "
				"P projector · L legend · H keys",
				(float)r->x + pad * 1.5f, y, (float)r->w - pad * 3, max_lines,
				app->pal->text_dim);
	fc_end(app->fc, app->dc, &key, l);
}

/* ---- help overlay ---- */

static const char *const help_lines[][2] = {
	{"Space", "play / pause"},
	{"PgDn PgUp → ←", "next / previous narration beat (a presenter's remote)"},
	{".  ,", "next / previous event"},
	{"↓  ↑", "next / previous decision"},
	{"]  [", "faster / slower (0.25× to 16×)"},
	{"Home  End", "first / last event"},
	{"Click", "an event or the timeline to jump; a host or a message to inspect"},
	{"I  Tab", "inspect the current event's message or host / next tab"},
	{"1 … 5  M  0", "list filters: DNS SMTP Queue Filter Mailbox / message / clear"},
	{"Wheel", "scroll the list, the conversation or the inspector"},
	{"P  L", "projector mode (large type, high contrast) / legend"},
	{"C", "campaign panel on / off"},
	{"A", "network: counts per host and link / one envelope per message"},
	{"Ctrl +  Ctrl −  Ctrl 0", "larger / smaller / normal text"},
	{"F  F12", "fullscreen / save a screenshot (PNG)"},
	{"H  ?", "this help"},
	{"Esc  Q", "close the inspector or help / quit"},
};

void scene_help(struct view_app *app)
{
	const struct pal *p = app->pal;
	float lh = (float)dc_line_h(app->dc, DC_SANS) * 1.25f, pad = (float)app->fs;
	float keyw = (float)dc_text_w(app->dc, DC_BOLD, "Ctrl +  Ctrl −  Ctrl 0") + pad;
	float textw = 0; /* the widest explanation: every line is written whole */
	for (size_t i = 0; i < ARRAY_LEN(help_lines); i++)
		textw = fmaxf(textw, (float)dc_text_w(app->dc, DC_SANS, help_lines[i][1]));
	float w = fminf(keyw + textw + 3 * pad, (float)app->w - 2 * pad);
	float h = lh * (float)(ARRAY_LEN(help_lines) + 1) + 2 * pad;
	float x = ((float)app->w - w) / 2, y = ((float)app->h - h) / 2;

	dc_fill_rect(app->dc, 0, 0, (float)app->w, (float)app->h, dc_alpha(p->bg, 170));
	dc_round_rect(app->dc, x, y, w, h, pad / 2, p->panel);
	dc_round_frame(app->dc, x, y, w, h, pad / 2, 2, p->accent);
	dc_text(app->dc, DC_BOLD, "Keys", x + pad, y + pad, p->accent, DC_LEFT, 0);
	for (size_t i = 0; i < ARRAY_LEN(help_lines); i++) {
		float ly = y + pad + lh * (float)(i + 1);
		dc_text(app->dc, DC_BOLD, help_lines[i][0], x + pad, ly, p->text, DC_LEFT, 0);
		dc_text(app->dc, DC_SANS, help_lines[i][1], x + pad + keyw, ly, p->text_dim,
			DC_LEFT, w - keyw - 2 * pad);
	}
}
