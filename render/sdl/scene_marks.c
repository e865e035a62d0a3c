/* scene_marks.c — what the network panel pins on hosts: the messages that
 * rest there (queued, filed, fetched, not yet sent), as small envelopes in
 * each message's colour with its id; and decision badges (a clock with the
 * next retry, a bounce with its status code, greylisting, quarantine, a
 * report on its way, an active fault). Both come from the snapshot. */
#include "scene_topo.h"

#include <math.h>
#include <stdio.h>

#include "util.h"

#define PARKED_MAX 4

/* ---- resting messages ---- */

/* room for an envelope and an id like "m1.delay" */
static bool marks_near_left(const struct view_app *app, SDL_FPoint c, float icon)
{
	return c.x - icon * 0.9f - (float)app->fs * 5 < (float)app->panels.topo.x;
}

static void parked_one(struct view_app *app, int msg_idx, float x, float y, float ew,
		       bool label_left)
{
	const char *id = app->model->msgs[msg_idx].id;
	SDL_Color col = pal_msg(app->pal, app->model, msg_idx);
	float lh = (float)dc_line_h(app->dc, DC_SMALL_MONO);

	topo_envelope(app, x, y, ew, col);
	float tx = label_left ? x - ew * 0.65f : x + ew * 0.65f;
	float tw = dc_text(app->dc, DC_SMALL_MONO, id, tx, y - lh / 2, col,
			   label_left ? DC_RIGHT : DC_LEFT, (float)app->fs * 6);
	float hx = label_left ? tx - tw : x - ew / 2;
	hits_add(&app->cx.hits, hx, y - ew * 0.4f, tw + ew * 1.2f, ew * 0.8f, HIT_MSG, msg_idx);
}

/* The envelope and its id would cover nothing drawn so far. */
static bool parked_fits(struct view_app *app, int msg_idx, float x, float y, float ew,
			bool label_left)
{
	const char *id = app->model->msgs[msg_idx].id;
	float lh = (float)dc_line_h(app->dc, DC_SMALL_MONO);
	float tw = (float)dc_text_w(app->dc, DC_SMALL_MONO, id) + ew * 1.3f;
	float x0 = label_left ? x + ew / 2 - tw : x - ew / 2;

	return topo_free(app, (struct vm_box){x0, y - lh / 2, tw, lh});
}

void topo_parked(struct view_app *app, const struct vm_topo_geom *g)
{
	float ew = fmaxf(g->icon * 0.32f, 10);

	for (size_t h = 0; h < app->model->nnodes; h++) {
		SDL_FPoint c = topo_pos(app, g, (int)h);
		bool left = !marks_near_left(app, c, g->icon);
		float x = left ? c.x - g->icon * 0.5f - ew * 0.7f : c.x + g->icon * 0.5f + ew * 0.7f;
		float y = c.y - g->icon * 0.3f;
		int shown = 0, more = 0;
		for (size_t i = 0; i < app->frame.nrest; i++) { /* less what travels */
			const struct vm_resting *p = &app->frame.rest[i];
			if (p->host != (int)h)
				continue;
			if (shown == PARKED_MAX) {
				more++;
				continue;
			}
			if (!parked_fits(app, p->msg, x, y + (float)shown * ew * 0.9f, ew, left)) {
				more++;
				continue;
			}
			parked_one(app, p->msg, x, y + (float)shown * ew * 0.9f, ew, left);
			shown++;
		}
		if (more) {
			char buf[16];
			snprintf(buf, sizeof buf, "+%d", more);
			float tw = (float)dc_text_w(app->dc, DC_SMALL, buf);
			float ty = y + (float)shown * ew * 0.9f - ew * 0.3f;
			if (topo_free(app, (struct vm_box){x - tw / 2, ty, tw,
							   (float)dc_line_h(app->dc, DC_SMALL)}))
				dc_text(app->dc, DC_SMALL, buf, x, ty, app->pal->text_dim, DC_CENTER, 0);
		}
	}
}

/* ---- badges ---- */

SDL_Color topo_badge_color(const struct pal *p, enum snap_badge_kind k)
{
	switch (k) {
	case BADGE_RETRY: case BADGE_GREYLIST: case BADGE_DEFER: return p->cls[LAD_4XX];
	case BADGE_QUARANTINE: case BADGE_SPAM: case BADGE_CHECK: return p->filter;
	case BADGE_DISCARD: return p->text_dim;
	case BADGE_DSN: return p->dsn_failed;
	case BADGE_DSN_DELAYED: return p->dsn_delayed;
	default: return p->cls[LAD_5XX];
	}
}

/* A clock face with its hands at ten past ten. */
static void badge_clock(struct dc *dc, float cx, float cy, float r, SDL_Color c)
{
	float th = fmaxf(r * 0.22f, 1.2f);

	dc_ellipse_ring(dc, cx, cy, r, r, th, c);
	dc_line(dc, cx, cy, cx + r * 0.45f, cy - r * 0.45f, th, c);
	dc_line(dc, cx, cy, cx - r * 0.55f, cy - r * 0.2f, th, c);
}

static void badge_cross(struct dc *dc, float cx, float cy, float r, SDL_Color c)
{
	float th = fmaxf(r * 0.35f, 1.5f), s = r * 0.75f;

	dc_line(dc, cx - s, cy - s, cx + s, cy + s, th, c);
	dc_line(dc, cx - s, cy + s, cx + s, cy - s, th, c);
}

static void badge_warn(struct dc *dc, float cx, float cy, float r, SDL_Color c)
{
	SDL_FPoint tri[3] = {{cx, cy - r}, {cx + r, cy + r * 0.8f}, {cx - r, cy + r * 0.8f}};

	dc_poly(dc, tri, 3, c);
}

void topo_badge_symbol(struct view_app *app, enum snap_badge_kind k, float cx, float cy,
		       float r, SDL_Color c)
{
	switch (k) {
	case BADGE_RETRY: case BADGE_DEFER: case BADGE_GREYLIST:
		badge_clock(app->dc, cx, cy, r, c);
		break;
	case BADGE_BOUNCE: case BADGE_REJECT: case BADGE_EXPIRED: case BADGE_DISCARD:
		badge_cross(app->dc, cx, cy, r, c);
		break;
	case BADGE_QUARANTINE:
		dc_lock(app->dc, cx - r, cy - r, 2 * r, c);
		break;
	case BADGE_DSN: case BADGE_DSN_DELAYED:
		topo_envelope(app, cx, cy, 2 * r, c);
		break;
	case BADGE_FAULT:
		badge_warn(app->dc, cx, cy, r, c);
		break;
	default:
		dc_disc(app->dc, cx, cy, r * 0.8f, c);
		break;
	}
}

/* A badge's size; `bare` is the glyph alone, for a host with no room
 * left for words (the decision card and the list still say them). */
static void badge_size(struct view_app *app, const struct snap_badge *b, bool bare, float *w,
		       float *h)
{
	float lh = (float)dc_line_h(app->dc, DC_SMALL), pad = (float)app->fs * 0.3f;

	*h = lh + pad * 0.6f;
	*w = bare ? *h : (float)dc_text_w(app->dc, DC_SMALL, b->text) + lh + 2.5f * pad;
}

static bool badge_temporary(enum snap_badge_kind k)
{
	return k == BADGE_RETRY || k == BADGE_DEFER || k == BADGE_GREYLIST ||
	       k == BADGE_DSN_DELAYED;
}

/* Temporary outcomes (4xx, a retry will come) get a dashed outline,
 * everything else a solid one: the difference is not told by colour
 * alone. */
void topo_badge_frame(struct view_app *app, enum snap_badge_kind k, float x, float y, float w,
		      float h, SDL_Color col)
{
	float th = fmaxf((float)app->fs * (app->projector ? 0.16f : 0.1f), 1.5f);
	float dash = (float)app->fs * 0.35f;

	if (!badge_temporary(k)) {
		dc_round_frame(app->dc, x, y, w, h, h / 2, th, col);
		return;
	}
	dc_dashed(app->dc, x + h / 2, y, x + w - h / 2, y, th, dash, col);
	dc_dashed(app->dc, x + h / 2, y + h, x + w - h / 2, y + h, th, dash, col);
	dc_dashed(app->dc, x, y + h * 0.2f, x, y + h * 0.8f, th, dash, col);
	dc_dashed(app->dc, x + w, y + h * 0.2f, x + w, y + h * 0.8f, th, dash, col);
}

/* One badge with its left edge at x, top at y; returns its height. */
static float badge_draw(struct view_app *app, const struct snap_badge *b, float x, float y,
			bool bare)
{
	SDL_Color col = topo_badge_color(app->pal, b->kind);
	float lh = (float)dc_line_h(app->dc, DC_SMALL), pad = (float)app->fs * 0.3f, w, h;

	badge_size(app, b, bare, &w, &h);
	dc_round_rect(app->dc, x, y, w, h, h / 2, app->pal->bg);
	dc_round_rect(app->dc, x, y, w, h, h / 2, dc_alpha(col, 50));
	topo_badge_frame(app, b->kind, x, y, w, h, col);
	float gx = bare ? x + w / 2 : x + pad + lh * 0.45f;
	topo_badge_symbol(app, b->kind, gx, y + h / 2, lh * 0.36f, col);
	if (!bare)
		dc_text(app->dc, DC_SMALL, b->text, x + pad * 1.5f + lh, y + pad * 0.3f,
			app->pal->text, DC_LEFT, 0);
	struct vm_decision *d = vm_decision_for(&app->frame, b->ev, false);
	if (d)
		d->box = (struct vm_box){x, y, w, h};
	hits_add(&app->cx.hits, x, y, w, h, HIT_DECISION, (long)b->ev); /* its card */
	return h;
}

/* The size of a host's badge stack. */
static void badge_stack_size(struct view_app *app, int host, bool bare, float *sw, float *sh)
{
	float w, h;

	*sw = *sh = 0;
	for (size_t i = 0; i < app->snap.nbadges; i++)
		if (app->snap.badges[i].host == host) {
			badge_size(app, &app->snap.badges[i], bare, &w, &h);
			*sw = fmaxf(*sw, w);
			*sh += h + 2;
		}
}

/* Where a sw x sh stack goes (top-left): right of the icon, else left,
 * else above or beside going up, else anywhere free near the host. */
static bool badge_spot(struct view_app *app, const struct vm_topo_geom *g, int host, float sw,
		       float sh, SDL_FPoint *p)
{
	SDL_FPoint c = topo_pos(app, g, host);
	float r = g->icon * 0.55f, top = c.y - g->icon * 0.5f;
	const SDL_FPoint tl[] = {
		{c.x + r, top}, {c.x - r - sw, top}, {c.x - sw / 2, top - sh - 2},
		{c.x + r, c.y + g->icon * 0.5f - sh}, {c.x - r - sw, c.y + g->icon * 0.5f - sh},
		{c.x + r, top - sh}, {c.x - r - sw, top - sh},
	};
	SDL_FPoint at[sizeof tl / sizeof tl[0]];

	for (size_t k = 0; k < sizeof tl / sizeof tl[0]; k++)
		at[k] = (SDL_FPoint){tl[k].x + sw / 2, tl[k].y + sh / 2};
	if (!topo_spot(app, at, sizeof at / sizeof at[0], sw, sh, host, c, p))
		return false;
	*p = (SDL_FPoint){p->x - sw / 2, p->y - sh / 2};
	return true;
}

/* A host's badges as one stack where it covers no text, no icon and
 * stays in the panel, nearer its host than any other; with no room for
 * the words, the glyphs alone (which cover no text either). */
static void badge_stack(struct view_app *app, const struct vm_topo_geom *g, int host)
{
	float sw, sh;
	bool bare = false;
	SDL_FPoint p;

	badge_stack_size(app, host, false, &sw, &sh);
	if (sh == 0)
		return;
	if (!badge_spot(app, g, host, sw, sh, &p)) {
		bare = true;
		badge_stack_size(app, host, true, &sw, &sh);
		if (!badge_spot(app, g, host, sw, sh, &p)) {
			SDL_FPoint c = topo_pos(app, g, host);
			p = topo_clamp(app, (SDL_FPoint){c.x + g->icon * 0.55f, c.y - g->icon * 0.5f},
				       sw, sh);
		}
	}
	for (size_t i = 0; i < app->snap.nbadges; i++)
		if (app->snap.badges[i].host == host)
			p.y += badge_draw(app, &app->snap.badges[i], p.x, p.y, bare) + 2;
}

void topo_badges(struct view_app *app, const struct vm_topo_geom *g)
{
	for (size_t h = 0; h < app->model->nnodes; h++)
		badge_stack(app, g, (int)h);
}
