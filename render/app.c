/* app.c — building the viewer's state from its input, sizing it for a
 * renderer, and drawing a whole frame (see scene.h). */
#include "scene.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* How long each event holds the screen at 1x. Travelling events need time
 * for the envelope to cross; narration needs time to be read. */
#define DWELL_TRAVEL_US 900000
#define DWELL_NARRATE_US 1500000
#define DWELL_DECISION_US 900000
#define DWELL_OTHER_US 300000

static int64_t app_dwell(enum tm_kind k)
{
	if (k == TM_NARRATE)
		return DWELL_NARRATE_US;
	if (tm_kind_travels(k))
		return DWELL_TRAVEL_US;
	return tm_kind_is_decision(k) ? DWELL_DECISION_US : DWELL_OTHER_US;
}

static struct tl_map *app_build_timeline(const struct tm_model *m)
{
	int64_t *t = xmalloc((m->nev ? m->nev : 1) * sizeof *t);
	int64_t *dwell = xmalloc((m->nev ? m->nev : 1) * sizeof *dwell);

	for (size_t i = 0; i < m->nev; i++) {
		t[i] = m->ev[i].t_us;
		dwell[i] = app_dwell(m->ev[i].kind);
	}
	struct tl_map *map = tl_build(t, dwell, m->nev);
	free(t);
	free(dwell);
	return map;
}

/* Links are unordered host pairs; the flow/ask edges carry direction we
 * do not draw. */
static void app_build_links(struct view_app *app)
{
	struct lay_edge *e;
	size_t n = lay_edges_from_trace(app->model, &e), k = 0;

	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = (e[j].from == e[i].from && e[j].to == e[i].to) ||
			      (e[j].from == e[i].to && e[j].to == e[i].from);
		if (!dup)
			e[k++] = e[i];
	}
	app->links = e;
	app->nlinks = k;
}

struct view_app *app_new(const struct view_input *in, char *err, size_t errsz)
{
	struct tm_model *m = tm_parse(in->trace, in->trace_len, in->hosts, in->nhosts,
				      err, errsz);
	if (!m)
		return NULL;
	struct view_app *app = xcalloc(1, sizeof *app);
	app->title = xstrdup(in->title ? in->title : "mailsim");
	app->model = m;
	app->tmap = app_build_timeline(m);
	app->nodes = lay_nodes_for_model(m);
	app_build_links(app);
	lad_init(&app->lad);
	pb_init(&app->pb);
	app->pal = &pal_high_contrast;
	app->user_scale = 1.0;
	return app;
}

void app_free(struct view_app *app)
{
	if (!app)
		return;
	dc_free(app->dc);
	lad_free(&app->lad);
	free(app->links);
	free(app->nodes);
	tl_free(app->tmap);
	tm_free(app->model);
	free(app->title);
	free(app);
}

void app_attach(struct view_app *app, SDL_Renderer *r, SDL_Window *win)
{
	app->dc = dc_new(r);
	app->win = win;
}

/* Text grows with the window (a projector at 1080p gets larger type than
 * a laptop window) and with the user's scale. */
static int app_font_px(int w, int h, double user_scale)
{
	double auto_scale = (double)w / 1280 < (double)h / 800 ? (double)w / 1280
							      : (double)h / 800;
	auto_scale = auto_scale < 0.7 ? 0.7 : auto_scale > 2.5 ? 2.5 : auto_scale;
	int px = (int)(18 * auto_scale * user_scale + 0.5);
	return px < 8 ? 8 : px > 96 ? 96 : px;
}

bool app_resize(struct view_app *app, int w, int h, char *err, size_t errsz)
{
	app->w = w;
	app->h = h;
	app->fs = app_font_px(w, h, app->user_scale);
	if (!dc_set_px(app->dc, app->fs, err, errsz))
		return false;
	lay_panels(w, h, dc_line_h(app->dc, DC_SANS), &app->panels);
	return true;
}

void app_draw(struct view_app *app)
{
	long cursor = pb_cursor(&app->pb, app->tmap);

	lad_build(&app->lad, app->model, cursor);
	dc_clear(app->dc, app->pal->bg);
	scene_topo(app);
	scene_list(app);
	scene_ladder(app);
	scene_caption(app);
	scene_timeline(app);
	scene_title(app);
	SDL_RenderSetClipRect(app->dc->r, NULL);
	if (app->help)
		scene_help(app);
}

float scene_panel(struct view_app *app, const struct lay_rect *r, const char *label)
{
	const struct pal *p = app->pal;
	float pad = (float)app->fs * 0.5f;
	float hh = label ? (float)dc_line_h(app->dc, DC_SMALL) + pad : 0;

	SDL_Rect clip = {r->x, r->y, r->w, r->h};

	SDL_RenderSetClipRect(app->dc->r, &clip);
	dc_fill_rect(app->dc, (float)r->x, (float)r->y, (float)r->w, (float)r->h, p->panel);
	dc_fill_rect(app->dc, (float)r->x, (float)r->y, (float)r->w, 1, p->panel_edge);
	dc_fill_rect(app->dc, (float)r->x, (float)r->y, 1, (float)r->h, p->panel_edge);
	if (label)
		dc_text(app->dc, DC_SMALL, label, (float)r->x + pad, (float)r->y + pad / 2,
			p->text_dim, DC_LEFT, (float)r->w - 2 * pad);
	return (float)r->y + hh;
}

void scene_fmt_clock(int64_t us, char *out, size_t outsz)
{
	int64_t ms = us / 1000;

	snprintf(out, outsz, "%lld:%02lld:%02lld.%03lld", (long long)(ms / 3600000),
		 (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60),
		 (long long)(ms % 1000));
}
