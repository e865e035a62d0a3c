/* scene_inspect.c — the inspector panel under the conversation: a host's
 * queue, mailboxes or DNS zone (tabs), or a message's header block. The
 * lines come from inspect.c; this file lays them out, colours them by
 * style, and registers the tabs, the close box and clickable lines. */
#include "scene.h"

#include <math.h>
#include <stdio.h>

#define INSP_WRAP_ROWS 3 /* a long line wraps onto at most this many rows */

struct insp_geom {
	float x, y, w, bottom; /* the lines' area */
	float line_h, indent, tag_w;
	enum dc_font font;
	size_t rows;           /* lines that fit */
};

static SDL_Color insp_color(const struct pal *p, enum insp_style st)
{
	switch (st) {
	case INSP_HEAD: return p->accent;
	case INSP_DIM: return p->text_dim;
	case INSP_OK: return p->cls[LAD_2XX];
	case INSP_WARN: return p->cls[LAD_4XX];
	case INSP_BAD: return p->cls[LAD_5XX];
	default: return p->text;
	}
}

static void insp_title(const struct view_app *app, char *out, size_t n)
{
	const struct insp_state *in = &app->insp;

	if (in->mode == INSP_HOST_VIEW) {
		const struct tm_node *h = &app->model->nodes[in->host];
		snprintf(out, n, "%s  (%s%s%s)", h->name, h->role[0] ? h->role : "host",
			 h->ip[0] ? ", " : "", h->ip);
	} else {
		snprintf(out, n, "Message %s", app->model->msgs[in->msg].id);
	}
}

/* Title, close box and (for a host) the tabs; returns the y below them. */
static float insp_header(struct view_app *app, const struct lay_rect *r)
{
	char title[256];
	float pad = (float)app->fs * 0.5f, lh = (float)dc_line_h(app->dc, DC_BOLD);
	float y = (float)r->y + pad * 0.5f, xw = lh;
	float xx = (float)(r->x + r->w) - pad - xw;

	insp_title(app, title, sizeof title);
	dc_text(app->dc, DC_BOLD, title, (float)r->x + pad, y, app->pal->text, DC_LEFT,
		(float)r->w - 3 * pad - xw);
	dc_line(app->dc, xx + xw * 0.2f, y + xw * 0.2f, xx + xw * 0.8f, y + xw * 0.8f, 2,
		app->pal->text_dim);
	dc_line(app->dc, xx + xw * 0.2f, y + xw * 0.8f, xx + xw * 0.8f, y + xw * 0.2f, 2,
		app->pal->text_dim);
	hits_add(&app->cx.hits, xx, y, xw, xw, HIT_CLOSE, 0);
	y += lh + pad * 0.4f;
	if (app->insp.mode != INSP_HOST_VIEW)
		return y;
	float x = (float)r->x + pad, th = (float)dc_line_h(app->dc, DC_SMALL) + pad * 0.5f;
	for (int t = 0; t < INSP_TAB_COUNT; t++) {
		const char *name = insp_tab_name((enum insp_tab)t);
		bool on = (int)app->insp.tab == t;
		float w = (float)dc_text_w(app->dc, DC_SMALL, name) + 2 * pad;
		dc_round_rect(app->dc, x, y, w, th, pad * 0.5f,
			      on ? dc_alpha(app->pal->accent, 70) : app->pal->header);
		dc_text(app->dc, DC_SMALL, name, x + pad, y + pad * 0.25f,
			on ? app->pal->text : app->pal->text_dim, DC_LEFT, 0);
		hits_add(&app->cx.hits, x, y, w, th, HIT_TAB, t);
		x += w + pad * 0.5f;
	}
	return y + th + pad * 0.5f;
}

static struct insp_geom insp_geom(struct view_app *app, const struct lay_rect *r, float top)
{
	struct insp_geom g;
	float pad = (float)app->fs * 0.5f;

	g.font = app->insp.mode == INSP_MSG_VIEW ? DC_SMALL_MONO : DC_SMALL;
	g.x = (float)r->x + pad;
	g.y = top;
	g.w = (float)r->w - 2 * pad;
	g.bottom = (float)(r->y + r->h) - pad * 0.5f;
	g.line_h = (float)dc_line_h(app->dc, g.font) + 2;
	g.indent = (float)app->fs * 1.2f;
	g.tag_w = app->insp.mode == INSP_MSG_VIEW ? g.w * 0.28f : 0;
	g.rows = g.bottom > g.y ? (size_t)((g.bottom - g.y) / g.line_h) : 0;
	return g;
}

/* One line, wrapped to at most max_rows rows; returns the rows used. */
static int insp_line(struct view_app *app, const struct insp_geom *g,
		     const struct insp_line *l, float y, int max_rows)
{
	SDL_Color col = insp_color(app->pal, l->style);
	/* headings span the panel; tagged lines and their continuations sit
	 * right of the tag column */
	float x = g->x + (l->tag || l->indent ? g->tag_w : 0) + (float)l->indent * g->indent;
	enum dc_font f = l->style == INSP_HEAD ? DC_SMALL_BOLD : g->font;
	float maxw = g->x + g->w - x;
	int rows = max_rows < INSP_WRAP_ROWS ? max_rows : INSP_WRAP_ROWS;

	if (l->style == INSP_NEW)
		col = app->pal->text;
	if (dc_text_w(app->dc, f, l->text) <= maxw)
		rows = 1;
	if (l->style == INSP_NEW)
		dc_fill_rect(app->dc, g->x - 2, y, g->w + 4, g->line_h * (float)rows,
			     dc_alpha(app->pal->accent, 40));
	if (l->tag)
		dc_text(app->dc, DC_SMALL_BOLD, l->tag, g->x, y, app->pal->text_dim, DC_LEFT,
			g->tag_w - 6);
	rows = dc_text_wrapped(app->dc, f, l->text, x, y, maxw, rows, col);
	rows = rows < 1 ? 1 : rows;
	if (l->msg_idx >= 0)
		hits_add(&app->cx.hits, g->x, y, g->w, g->line_h * (float)rows, HIT_INSP_LINE, l->msg_idx);
	return rows;
}

void scene_inspector(struct view_app *app)
{
	const struct lay_rect *r = &app->panels.inspector;
	const struct insp_view *v = &app->insp.view;

	if (r->h <= 0)
		return;
	scene_panel(&app->cx, r, NULL);
	dc_fill_rect(app->dc, (float)r->x, (float)r->y, (float)r->w, 2, app->pal->accent);
	struct insp_geom g = insp_geom(app, r, insp_header(app, r));
	size_t max_first = v->n > g.rows ? v->n - g.rows : 0;
	if (app->insp.scroll < 0 || max_first == 0)
		app->insp.scroll = 0;
	if ((size_t)app->insp.scroll > max_first)
		app->insp.scroll = (int)max_first;
	size_t row = 0;
	for (size_t i = (size_t)app->insp.scroll; i < v->n && row < g.rows; i++)
		row += (size_t)insp_line(app, &g, &v->lines[i], g.y + (float)row * g.line_h,
					 (int)(g.rows - row));
	if (max_first > 0) { /* a scroll bar: where the window is in the lines */
		float bh = (g.bottom - g.y) * (float)g.rows / (float)v->n;
		float by = g.y + (g.bottom - g.y - bh) * (float)app->insp.scroll / (float)max_first;
		dc_fill_rect(app->dc, (float)(r->x + r->w) - 5, by, 3, bh, app->pal->panel_edge);
	}
}
