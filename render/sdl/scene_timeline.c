/* scene_timeline.c — the timeline strip: the whole trace in display time,
 * a tick per event (decisions taller and coloured), compressed idle gaps
 * shaded and labelled with what was skipped ("… 1 h 11 min later", or
 * "+1 h" where that does not fit), a tick at each new simulated day
 * ("day 2"), and the play head. Clicking or dragging
 * maps x back to display time through the same geometry. */
#include "scene.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "util.h"

struct tl_geom {
	float x0, x1;       /* the bar's ends */
	float bar_y, bar_h; /* centre line and thickness */
	float label_y;      /* gap labels, above the bar */
	float ends_y;       /* start/end times, below the bar */
};

static struct tl_geom tl_geom(const struct view_app *app)
{
	const struct lay_rect *r = &app->panels.timeline;
	float fs = (float)app->fs, lh = (float)dc_line_h(app->dc, DC_SMALL);
	struct tl_geom g;

	g.x0 = (float)r->x + fs * 1.2f;
	g.x1 = fmaxf((float)(r->x + r->w) - fs * 1.2f, g.x0 + 1);
	g.label_y = (float)r->y + fs * 0.15f;
	g.bar_h = fs * 0.5f;
	g.bar_y = g.label_y + lh + fs * 0.6f;
	g.ends_y = g.bar_y + g.bar_h / 2 + fs * 0.45f;
	return g;
}

static float tl_x(const struct view_app *app, const struct tl_geom *g, int64_t d)
{
	int64_t total = app->tmap->total;

	if (total <= 0)
		return g->x0;
	return g->x0 + (g->x1 - g->x0) * (float)((double)d / (double)total);
}

int64_t app_timeline_at(const struct view_app *app, float x)
{
	struct tl_geom g = tl_geom(app);
	double f = (x - g.x0) / (g.x1 - g.x0);

	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return (int64_t)(f * (double)app->tmap->total);
}

#define TL_MAX_LABELS 64 /* more would not fit on any screen */

/* Shade each compressed gap with a break mark; label the longest gaps
 * first, each where it does not crowd a label already placed. */
static void tl_gaps(struct view_app *app, const struct tl_geom *g)
{
	float placed[TL_MAX_LABELS][2], h = g->bar_h * 2.2f;
	size_t nplaced = 0;

	for (size_t i = 0; i < app->tmap->ngaps; i++) {
		const struct tl_gap *gap = &app->tmap->gaps[i];
		float a = tl_x(app, g, gap->d_start), b = tl_x(app, g, gap->d_start + gap->d_len);
		float mid = (a + b) / 2, s = g->bar_h * 0.6f;
		dc_fill_rect(app->dc, a, g->bar_y - h / 2, fmaxf(b - a, 2), h, app->pal->gap);
		for (int k = -1; k <= 1; k += 2) /* a "//" break mark */
			dc_line(app->dc, mid + k * s * 0.5f - s / 2, g->bar_y + s,
				mid + k * s * 0.5f + s / 2, g->bar_y - s, 2, app->pal->text_dim);
	}
	for (size_t k = 0; k < app->tmap->ngaps && nplaced < TL_MAX_LABELS; k++) {
		const struct tl_gap *gap = &app->tmap->gaps[app->gap_order[k]];
		float mid = tl_x(app, g, gap->d_start + gap->d_len / 2);
		char span[48], label[64];
		clk_fmt_span(gap->sim_us, span, sizeof span);
		snprintf(label, sizeof label, "… %s later", span);
		const char *try[2] = {label, gap->label};
		for (int t = 0; t < 2; t++) {
			float w = (float)dc_text_w(app->dc, DC_SMALL, try[t]), l = mid - w / 2 - 4;
			bool free_spot = l >= g->x0 - 4 && mid + w / 2 <= g->x1 + 4;
			for (size_t j = 0; j < nplaced && free_spot; j++)
				free_spot = l + w + 8 <= placed[j][0] || l >= placed[j][1];
			if (!free_spot)
				continue;
			dc_text(app->dc, DC_SMALL, try[t], mid, g->label_y, app->pal->text_dim,
				DC_CENTER, 0);
			placed[nplaced][0] = l;
			placed[nplaced][1] = l + w + 8;
			nplaced++;
			break;
		}
	}
}

/* One tick per pixel column and class is enough at any trace length; the
 * columns are found once per trace and bar width (the frame cache). */
static void tl_ticks(struct view_app *app, const struct tl_geom *g)
{
	struct frame_cache *fc = app->fc;
	float tall = g->bar_h * 1.6f, short_h = g->bar_h * 0.9f;

	if (!fc_ticks_valid(fc, app->tmap, g->x0, g->x1, app->tmap->n)) {
		int last_plain = -1, last_decision = -1;
		fc_tick_reset(fc, app->tmap, g->x0, g->x1, app->tmap->n);
		for (size_t i = 0; i < app->tmap->n; i++) {
			float x = tl_x(app, g, app->tmap->d[i]);
			bool dec = tm_kind_is_decision(app->model->ev[i].kind);
			int *last = dec ? &last_decision : &last_plain;
			if ((int)x == *last)
				continue;
			*last = (int)x;
			fc_tick_push(fc, x, dec);
		}
	}
	/* in their order (where a decision's tick and a plain one share a
	 * column, the later is blended over the earlier), a run of one class
	 * at a time */
	SDL_FRect *run = xmalloc((fc->nticks ? fc->nticks : 1) * sizeof *run);
	for (size_t i = 0, n = 0; i < fc->nticks; i++) {
		bool dec = fc->ticks[i].decision;
		float h = dec ? tall : short_h;
		run[n++] = (SDL_FRect){fc->ticks[i].x, g->bar_y - h / 2, dec ? 2.5f : 1, h};
		if (i + 1 == fc->nticks || fc->ticks[i + 1].decision != dec) {
			dc_fill_rects(app->dc, run, n,
				      dec ? app->pal->decision : dc_alpha(app->pal->text, 150));
			n = 0;
		}
	}
	free(run);
}

#define TL_DAY_US INT64_C(86400000000)

/* The start and end times under the bar's ends, and between them a tick
 * where each simulated day begins, labelled "day N" where the label
 * crowds neither end nor the previous day's. */
static void tl_ends(struct view_app *app, const struct tl_geom *g)
{
	char a[32], b[32], day[24];
	size_t n = app->model->nev;
	int64_t t0 = n ? app->model->ev[0].t_us : 0, t1 = n ? app->model->ev[n - 1].t_us : 0;

	scene_fmt_clock(t0, a, sizeof a);
	scene_fmt_clock(t1, b, sizeof b);
	float la = dc_text(app->dc, DC_SMALL, a, g->x0, g->ends_y, app->pal->text_dim, DC_LEFT, 0);
	float rb = g->x1 - (float)dc_text_w(app->dc, DC_SMALL, b);
	dc_text(app->dc, DC_SMALL, b, g->x1, g->ends_y, app->pal->text_dim, DC_RIGHT, 0);
	float last = g->x0 + la;
	for (int64_t d = t0 / TL_DAY_US + 1; d * TL_DAY_US <= t1 && d < 400; d++) {
		float x = tl_x(app, g, tl_sim_to_display(app->tmap, d * TL_DAY_US));
		dc_fill_rect(app->dc, x - 1, g->bar_y - g->bar_h * 1.4f, 2, g->bar_h * 2.8f,
			     app->pal->text);
		snprintf(day, sizeof day, "day %lld", (long long)d + 1);
		float w = (float)dc_text_w(app->dc, DC_SMALL, day);
		if (x - w / 2 < last + 8 || x + w / 2 > rb - 8)
			continue;
		dc_text(app->dc, DC_SMALL, day, x, g->ends_y, app->pal->text, DC_CENTER, 0);
		last = x + w / 2;
	}
}

/* The strip without the play head: the panel, the bar, the played part
 * (all of it or none), the gaps, the ticks and the end times. */
static void tl_strip(struct view_app *app, const struct tl_geom *g, bool played)
{
	scene_panel(&app->cx, &app->panels.timeline, NULL);
	dc_round_rect(app->dc, g->x0, g->bar_y - g->bar_h / 2, g->x1 - g->x0, g->bar_h,
		      g->bar_h / 2, app->pal->panel_edge);
	if (played)
		dc_round_rect(app->dc, g->x0, g->bar_y - g->bar_h / 2, g->x1 - g->x0, g->bar_h,
			      g->bar_h / 2, dc_alpha(app->pal->accent, 110));
	tl_gaps(app, g);
	tl_ticks(app, g);
	tl_ends(app, g);
}

static struct fc_layer_key tl_key(const struct view_app *app, bool played)
{
	return (struct fc_layer_key){FC_TIMELINE, app->layout_epoch, app->pal, app->projector,
				     app->panels.timeline, played};
}

/* Draw a strip again without recording its texts (they are recorded once,
 * with the unplayed strip). */
static void tl_strip_unrecorded(struct view_app *app, const struct tl_geom *g, bool played)
{
	struct vm_frame *rec = app->dc->rec;

	app->dc->rec = NULL;
	tl_strip(app, g, played);
	app->dc->rec = rec;
}

/* The played strip left of column hx over the unplayed one: both are
 * frame-cache layers (the strip changes only with the layout), so a frame
 * copies them instead of drawing some 2,000 ticks; without the cache the
 * played strip is drawn clipped, the same pixels. */
static void tl_played(struct view_app *app, const struct tl_geom *g, int hx)
{
	const struct lay_rect *r = &app->panels.timeline;
	struct fc_layer_key pk = tl_key(app, true), uk = tl_key(app, false);
	SDL_Rect part = {r->x, r->y, hx - r->x, r->h}, whole = {r->x, r->y, r->w, r->h};
	struct fc_layer *p = app->dc->dry ? NULL : fc_find(app->fc, &pk);

	if (app->dc->dry)
		return;
	if (!p && app->fc->enabled) { /* make it, then put the unplayed strip back */
		tl_strip_unrecorded(app, g, true);
		fc_keep(app->fc, &pk);
		p = fc_find(app->fc, &pk);
		struct fc_layer *u = fc_find(app->fc, &uk);
		if (u)
			fc_paste(app->fc, u);
		else
			tl_strip_unrecorded(app, g, false);
	}
	if (p) {
		fc_paste_part(app->fc, p, part.w);
	} else {
		dc_limit(app->dc, &part);
		tl_strip_unrecorded(app, g, true);
		dc_limit(app->dc, NULL);
		dc_clip(app->dc, &whole);
	}
}

void scene_timeline(struct view_app *app)
{
	struct tl_geom g = tl_geom(app);
	const struct lay_rect *r = &app->panels.timeline;
	float head = tl_x(app, &g, app->pb.d_us);
	int hx = (int)lroundf(head);
	struct fc_layer_key uk = tl_key(app, false);
	struct fc_layer *u = fc_begin(app->fc, app->dc, &uk);

	tl_strip(app, &g, false);
	fc_end(app->fc, app->dc, &uk, u);
	hx = hx > r->x + r->w ? r->x + r->w : hx;
	if (hx > r->x)
		tl_played(app, &g, hx);
	dc_line(app->dc, head, g.bar_y - g.bar_h * 1.5f, head, g.bar_y + g.bar_h * 1.5f,
		2.5f, app->pal->accent);
	dc_disc(app->dc, head, g.bar_y, g.bar_h * 0.75f, app->pal->accent);
}
