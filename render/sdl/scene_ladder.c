/* scene_ladder.c — the sequence diagram of the current conversation: a
 * lifeline for the client (left) and the server (right), one arrow per
 * protocol line with its exact text, coloured by reply class; lines sent
 * inside TLS are dashed and carry a padlock. The newest row stays visible
 * unless the wheel scrolled back (ladder_scroll rows). */
#include "scene.h"

#include <math.h>
#include <stdio.h>

struct ladder_geom {
	float left, right;   /* lifeline x */
	float y0, row_h;     /* first row top, row height */
	float th;            /* arrow thickness */
	size_t first, rows;  /* visible window over app->lad.rows */
};

static const char *ladder_name(const struct view_app *app, int node)
{
	return node >= 0 ? app->model->nodes[node].name : "?";
}

static void ladder_heads(struct view_app *app, const struct ladder_geom *g, float y)
{
	const struct lay_rect *r = &app->panels.ladder;
	/* each name keeps to its half, so the two never meet */
	float maxw = fminf((g->right - g->left) * 0.9f, (float)r->w / 2 - (float)app->fs * 1.2f);
	float bottom = (float)(r->y + r->h);

	for (int k = 0; k < 2; k++) {
		const char *name = ladder_name(app, k ? app->lad.server : app->lad.client);
		float x = k ? g->right : g->left, pad = (float)app->fs * 0.4f;
		float half = fminf((float)dc_text_w(app->dc, DC_BOLD, name), maxw) / 2;
		/* centred on the lifeline, but never past the panel's edge */
		float tx = fminf(fmaxf(x, (float)r->x + pad + half),
				 (float)(r->x + r->w) - pad - half);
		dc_text(app->dc, DC_BOLD, name, tx, y, app->pal->text, DC_CENTER, maxw);
		dc_dashed(app->dc, x, g->y0, x, bottom, 1.5f, (float)app->fs * 0.3f,
			  app->pal->panel_edge);
	}
}

static void ladder_note(struct view_app *app, const struct ladder_geom *g,
			const struct lad_row *row, float y)
{
	SDL_Color col = app->pal->cls[row->cls];
	float lh = (float)dc_line_h(app->dc, DC_SANS), pad = (float)app->fs * 0.4f;
	float w = g->right - g->left, h = lh + pad;
	float top = y + (g->row_h - h) / 2;

	dc_round_rect(app->dc, g->left, top, w, h, h / 3, app->pal->header);
	dc_round_frame(app->dc, g->left, top, w, h, h / 3, 1.5f, col);
	if (app->model->ev[row->ev].kind == TM_TLS_OK)
		dc_lock(app->dc, g->left + pad, top + pad / 2, lh * 0.8f, app->pal->lock);
	dc_text(app->dc, DC_SANS, row->text, (g->left + g->right) / 2, top + pad / 2,
		col, DC_CENTER, w - 4 * pad);
}

static void ladder_arrow(struct view_app *app, const struct ladder_geom *g,
			 const struct lad_row *row, float y)
{
	SDL_Color col = app->pal->cls[row->cls];
	float lh = (float)dc_line_h(app->dc, DC_MONO), pad = (float)app->fs * 0.4f;
	float ay = y + lh + pad * 0.9f;
	float from = row->c2s ? g->left : g->right, to = row->c2s ? g->right : g->left;
	float head = (float)app->fs * 0.6f, lock = row->encrypted ? lh : 0;
	float maxw = g->right - g->left - 2 * pad - lock;

	if (row->encrypted)
		dc_dashed(app->dc, from, ay, to - (to > from ? head : -head), ay, g->th,
			  (float)app->fs * 0.45f, col);
	if (row->encrypted)
		dc_arrow(app->dc, to - (to > from ? head : -head) * 1.01f, ay, to, ay, g->th,
			 head, col);
	else
		dc_arrow(app->dc, from, ay, to, ay, g->th, head, col);
	/* text starts at the sender's lifeline, so direction reads twice */
	float tx = row->c2s ? g->left + pad : g->right - pad;
	if (row->encrypted) {
		float lx = row->c2s ? tx : tx - lh * 0.8f;
		dc_lock(app->dc, lx, y + pad * 0.3f, lh * 0.8f, app->pal->lock);
		tx += row->c2s ? lock : -lock;
	}
	dc_text(app->dc, DC_MONO, row->text, tx, y + pad * 0.3f, col,
		row->c2s ? DC_LEFT : DC_RIGHT, maxw);
}

static struct ladder_geom ladder_geom(struct view_app *app, float top)
{
	const struct lay_rect *r = &app->panels.ladder;
	struct ladder_geom g;
	float lh = (float)dc_line_h(app->dc, DC_MONO);

	g.left = (float)r->x + (float)r->w * 0.1f;
	g.right = (float)r->x + (float)r->w * 0.9f;
	g.y0 = top + (float)dc_line_h(app->dc, DC_BOLD) * 1.3f;
	g.row_h = lh + (float)app->fs * 1.1f;
	g.th = fmaxf((float)app->fs * 0.14f, 1.5f);
	float avail = (float)(r->y + r->h) - g.y0;
	g.rows = avail > 0 ? (size_t)(avail / g.row_h) : 0;
	g.first = lay_scroll_first(app->lad.nrows, g.rows, app->lad.nrows ? app->lad.nrows - 1 : 0, 100);
	/* the wheel scrolls back from the newest row */
	if (app->ladder_scroll > (int)g.first)
		app->ladder_scroll = (int)g.first;
	if (app->ladder_scroll < 0)
		app->ladder_scroll = 0;
	g.first -= (size_t)app->ladder_scroll;
	return g;
}

void scene_ladder(struct view_app *app)
{
	char label[96];

	if (app->lad.conn >= 0)
		snprintf(label, sizeof label, "Conversation (connection %ld)", app->lad.conn);
	else
		snprintf(label, sizeof label, "Conversation");
	float top = scene_panel(&app->cx, &app->panels.ladder, label);
	if (app->lad.conn != app->ladder_conn) { /* a new conversation: follow it */
		app->ladder_conn = app->lad.conn;
		app->ladder_scroll = 0;
	}
	if (app->lad.conn < 0) {
		dc_text(app->dc, DC_SANS, "No connection yet.",
			(float)app->panels.ladder.x + (float)app->fs,
			top + (float)app->fs, app->pal->text_dim, DC_LEFT, 0);
		return;
	}
	struct ladder_geom g = ladder_geom(app, top);
	ladder_heads(app, &g, top + (float)app->fs * 0.2f);
	for (size_t i = g.first; i < app->lad.nrows && i < g.first + g.rows; i++) {
		const struct lad_row *row = &app->lad.rows[i];
		float y = g.y0 + (float)(i - g.first) * g.row_h;
		if (i + 1 == app->lad.nrows && row->ev == (size_t)pb_cursor(&app->pb, app->tmap))
			dc_fill_rect(app->dc, (float)app->panels.ladder.x + 1, y,
				     (float)app->panels.ladder.w - 1, g.row_h,
				     dc_alpha(app->pal->accent, 36));
		if (row->kind == LAD_NOTE)
			ladder_note(app, &g, row, y);
		else
			ladder_arrow(app, &g, row, y);
	}
}
