/* scene_card.c — decisions explained: the decision card (key D, or a
 * click on a badge) drawn from the view model's card, with the spam
 * waterfall for scored mail; and the receiving host's check chain, a strip
 * of seed 003's steps near that host in the network.
 *
 * Non-colour cues throughout: a pass is a tick, a temporary failure a
 * clock in a dashed frame, a permanent one a cross in a solid frame; a
 * symbol that lowers the spam score is an outlined bar, one that raises it
 * a filled bar. Every text is placed where it covers no other: the card
 * stops a section at the panel's bottom rather than run over. */
#include "scene_topo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- glyphs ---- */

static void card_tick(struct view_app *app, float cx, float cy, float r, SDL_Color c)
{
	float th = fmaxf(r * 0.35f, 1.5f);

	dc_line(app->dc, cx - r * 0.8f, cy, cx - r * 0.2f, cy + r * 0.6f, th, c);
	dc_line(app->dc, cx - r * 0.2f, cy + r * 0.6f, cx + r * 0.8f, cy - r * 0.7f, th, c);
}

/* The mark of a check's outcome, centred on (cx, cy). */
static void card_mark(struct view_app *app, enum chain_state st, float cx, float cy, float r)
{
	const struct pal *p = app->pal;

	switch (st) {
	case CH_PASS: card_tick(app, cx, cy, r, p->cls[LAD_2XX]); break;
	case CH_TEMP: topo_badge_symbol(app, BADGE_RETRY, cx, cy, r, p->cls[LAD_4XX]); break;
	case CH_FAIL: topo_badge_symbol(app, BADGE_REJECT, cx, cy, r, p->cls[LAD_5XX]); break;
	default: dc_ellipse_ring(app->dc, cx, cy, r * 0.6f, r * 0.6f, 1.5f, p->text_dim); break;
	}
}

static enum chain_state card_rcpt_state(const struct card_rcpt *r)
{
	return r->permanent ? CH_FAIL : r->temporary ? CH_TEMP
	       : strcmp(r->fate, "on its way") == 0 ? CH_UNLIT : CH_PASS;
}

/* ---- the card's text column ---- */

struct card_col {
	float x, y, w, bottom;
};

/* A labelled section: the label, then the value wrapped into the lines
 * left above the bottom (at most max_lines). */
static void card_section(struct view_app *app, struct card_col *c, const char *label,
			 const char *value, enum dc_font f, int max_lines)
{
	float lh = (float)dc_line_h(app->dc, f), sh = (float)dc_line_h(app->dc, DC_SMALL_BOLD);
	int room = (int)((c->bottom - c->y - sh) / lh);

	if (!value || !*value || room < 1)
		return;
	dc_text(app->dc, DC_SMALL_BOLD, label, c->x, c->y, app->pal->text_dim, DC_LEFT, c->w);
	c->y += sh;
	int n = dc_text_wrapped(app->dc, f, value, c->x, c->y, c->w,
				room < max_lines ? room : max_lines, app->pal->text);
	c->y += (float)n * lh + (float)app->fs * 0.4f;
}

/* Each recipient's fate so far: a mark, the address, the fate, the status. */
static void card_recipients(struct view_app *app, struct card_col *c, const struct card *cd)
{
	float lh = (float)dc_line_h(app->dc, DC_SANS), sh = (float)dc_line_h(app->dc, DC_SMALL_BOLD);

	if (cd->nrcpts == 0 || c->y + sh + lh > c->bottom)
		return;
	dc_text(app->dc, DC_SMALL_BOLD, "Each recipient so far", c->x, c->y, app->pal->text_dim,
		DC_LEFT, c->w);
	c->y += sh;
	float addr_w = 0;
	for (size_t i = 0; i < cd->nrcpts; i++)
		addr_w = fmaxf(addr_w, (float)dc_text_w(app->dc, DC_MONO, cd->rcpts[i].rcpt));
	addr_w = fminf(addr_w, c->w * 0.5f);
	float fate_x = c->x + lh + addr_w + (float)app->fs * 1.2f;
	for (size_t i = 0; i < cd->nrcpts && c->y + lh <= c->bottom; i++) {
		const struct card_rcpt *r = &cd->rcpts[i];
		char fate[80];
		card_mark(app, card_rcpt_state(r), c->x + lh * 0.4f, c->y + lh / 2, lh * 0.3f);
		dc_text(app->dc, DC_MONO, r->rcpt, c->x + lh, c->y, app->pal->text, DC_LEFT, addr_w);
		snprintf(fate, sizeof fate, "%s%s%s", r->fate, r->status[0] ? " " : "", r->status);
		dc_text(app->dc, DC_SANS, fate, fate_x, c->y, app->pal->text, DC_LEFT,
			c->x + c->w - fate_x);
		c->y += lh;
	}
}

/* ---- the spam waterfall ---- */

struct wf_geom {
	float x0, x1;              /* the score axis on screen */
	double lo, hi;             /* the scores at its ends */
};

static float wf_x(const struct wf_geom *g, double v)
{
	return g->x0 + (float)((v - g->lo) / (g->hi - g->lo)) * (g->x1 - g->x0);
}

static struct wf_geom wf_scale(const struct card_waterfall *w, float x0, float x1)
{
	struct wf_geom g = {x0, x1, 0, 1};
	double cum = 0;

	for (size_t i = 0; i < w->nbars; i++) {
		cum += w->bars[i].score;
		g.lo = fmin(g.lo, cum);
		g.hi = fmax(g.hi, cum);
	}
	for (int t = 0; t < CARD_TH_COUNT; t++)
		if (w->th_on[t])
			g.hi = fmax(g.hi, w->th[t]);
	g.hi = fmax(g.hi, w->total) * 1.05 + 0.5;
	g.lo = g.lo < 0 ? g.lo - 0.5 : 0;
	return g;
}

/* Threshold names over the axis, each on the first label row where it
 * covers no other; returns the rows used. */
static int wf_threshold_labels(struct view_app *app, const struct card_waterfall *w,
			       const struct wf_geom *g, float y, int max_rows)
{
	float lh = (float)dc_line_h(app->dc, DC_SMALL), right[CARD_TH_COUNT];
	int rows = 0;

	for (int r = 0; r < CARD_TH_COUNT; r++)
		right[r] = -1e9f;
	for (int t = 0; t < CARD_TH_COUNT; t++) {
		if (!w->th_on[t])
			continue;
		char s[48];
		snprintf(s, sizeof s, "%s %.0f", card_th_name((enum card_th)t), w->th[t]);
		float tw = (float)dc_text_w(app->dc, DC_SMALL, s), x = wf_x(g, w->th[t]);
		float l = fminf(fmaxf(x - tw / 2, g->x0), g->x1 + (float)app->fs * 4 - tw);
		int r = 0;
		while (r < max_rows && l < right[r] + 6)
			r++;
		if (r == max_rows)
			continue;
		dc_text(app->dc, DC_SMALL, s, l, y + (float)r * lh, app->pal->cls[LAD_4XX], DC_LEFT, 0);
		right[r] = l + tw;
		rows = r + 1 > rows ? r + 1 : rows;
	}
	return rows;
}

static void wf_bar(struct view_app *app, const struct wf_geom *g, double from, double to,
		   float y, float h, SDL_Color c)
{
	float a = wf_x(g, fmin(from, to)), b = wf_x(g, fmax(from, to));

	if (to >= from) /* raises the score: filled */
		dc_fill_rect(app->dc, a, y, fmaxf(b - a, 2), h, c);
	else            /* lowers it: outlined */
		dc_round_frame(app->dc, a, y, fmaxf(b - a, 2), h, 0, 2, c);
}

/* Each symbol's score as a bar starting where the previous one ended, the
 * total under them, the thresholds as dashed lines across. */
static void card_waterfall(struct view_app *app, const struct card_waterfall *w, float x,
			   float y, float cw, float bottom)
{
	float lh = (float)dc_line_h(app->dc, DC_SMALL_MONO), sh = (float)dc_line_h(app->dc, DC_SMALL);
	float symw = fminf(cw * 0.34f, (float)dc_text_w(app->dc, DC_SMALL_MONO, "SUBJ_ALL_CAPS__"));
	float scw = (float)dc_text_w(app->dc, DC_SMALL_MONO, "-10.00") + (float)app->fs * 0.6f;
	struct wf_geom g = wf_scale(w, x + symw + (float)app->fs * 0.5f,
				    x + cw - scw - (float)app->fs * 4);
	char s[64];

	dc_text(app->dc, DC_SMALL_BOLD, "Spam score, symbol by symbol", x, y, app->pal->text_dim,
		DC_LEFT, cw);
	y += (float)dc_line_h(app->dc, DC_SMALL_BOLD);
	int rows = wf_threshold_labels(app, w, &g, y, 3);
	y += (float)rows * sh + (float)app->fs * 0.2f;
	float top = y, row = fminf(lh * 1.3f, (bottom - y) / (float)(w->nbars + 1));
	if (row < lh)
		row = lh;
	double cum = 0;
	for (size_t i = 0; i < w->nbars && y + 2 * row <= bottom; i++) {
		const struct card_bar *b = &w->bars[i];
		dc_text(app->dc, DC_SMALL_MONO, b->symbol, x, y + (row - lh) / 2, app->pal->text,
			DC_LEFT, symw);
		wf_bar(app, &g, cum, cum + b->score, y + row * 0.15f, row * 0.7f, app->pal->filter);
		cum += b->score;
		snprintf(s, sizeof s, "%+.2f", b->score);
		dc_text(app->dc, DC_SMALL_MONO, s, x + cw, y + (row - lh) / 2, app->pal->text,
			DC_RIGHT, 0);
		y += row;
	}
	dc_text(app->dc, DC_SMALL_MONO, "TOTAL", x, y + (row - lh) / 2, app->pal->text, DC_LEFT, symw);
	wf_bar(app, &g, 0, w->total, y + row * 0.1f, row * 0.8f, app->pal->accent);
	snprintf(s, sizeof s, "%.2f", w->total);
	dc_text(app->dc, DC_SMALL_MONO, s, x + cw, y + (row - lh) / 2, app->pal->text, DC_RIGHT, 0);
	for (int t = 0; t < CARD_TH_COUNT; t++)
		if (w->th_on[t])
			dc_dashed(app->dc, wf_x(&g, w->th[t]), top, wf_x(&g, w->th[t]), y + row, 2,
				  (float)app->fs * 0.3f, app->pal->cls[LAD_4XX]);
	dc_line(app->dc, wf_x(&g, 0), top, wf_x(&g, 0), y + row, 1.5f, app->pal->text_dim);
}

/* ---- the card ---- */

void scene_card(struct view_app *app)
{
	const struct card *cd = &app->frame.card;
	const struct lay_panels *p = &app->panels;
	struct lay_rect r = {p->topo.x, p->topo.y, p->topo.w, p->caption.y - p->topo.y};
	float pad = (float)app->fs * 0.8f;
	float y = scene_panel(&app->cx, &r, "Decision card — D, Esc or a click closes it");
	bool wf = cd->spam.nbars > 0;
	float colw = wf ? (float)r.w * 0.46f : (float)r.w - 2 * pad;
	struct card_col c = {(float)r.x + pad, y + pad * 0.3f, colw, (float)(r.y + r.h) - pad * 0.5f};
	float th = (float)dc_line_h(app->dc, DC_BOLD);

	app->frame.card_box = (struct vm_box){(float)r.x, (float)r.y, (float)r.w, (float)r.h};
	c.y += th * (float)dc_text_wrapped(app->dc, DC_BOLD, cd->title, c.x, c.y, (float)r.w - 2 * pad,
					   2, app->pal->text) + pad * 0.3f;
	float cols_top = c.y;
	card_section(app, &c, "Why", cd->reason, DC_SANS, 4);
	card_section(app, &c, "The rule that decided it", cd->rule, DC_SANS, 4);
	card_section(app, &c, "The SMTP reply it led to", cd->reply, DC_MONO, 3);
	card_section(app, &c, "The DNS answer it rested on", cd->dns, DC_MONO, 2);
	card_recipients(app, &c, cd);
	if (wf)
		card_waterfall(app, &cd->spam, (float)r.x + (float)r.w * 0.5f, cols_top,
			       (float)r.w * 0.5f - pad, c.bottom);
}

/* ---- the check chain ---- */

static float chain_chip_w(struct view_app *app, enum chain_stage s, bool bare)
{
	float lh = (float)dc_line_h(app->dc, DC_SMALL), pad = (float)app->fs * 0.3f;
	return (bare ? 0 : (float)dc_text_w(app->dc, DC_SMALL, chain_stage_name(s)) + pad) + lh +
	       pad;
}

static float chain_w(struct view_app *app, bool bare)
{
	float w = 0;
	for (int s = 0; s < CH_COUNT; s++)
		w += chain_chip_w(app, (enum chain_stage)s, bare) + (float)app->fs * 0.25f;
	return w;
}

static void chain_draw(struct view_app *app, const struct chain *ch, float x, float y, bool bare)
{
	float lh = (float)dc_line_h(app->dc, DC_SMALL), pad = (float)app->fs * 0.3f, h = lh + pad;

	for (int s = 0; s < CH_COUNT; s++) {
		float w = chain_chip_w(app, (enum chain_stage)s, bare);
		enum chain_state st = ch->st[s];
		SDL_Color edge = st == CH_UNLIT ? app->pal->panel_edge : st == CH_PASS ? app->pal->cls[LAD_2XX]
				 : st == CH_TEMP ? app->pal->cls[LAD_4XX] : app->pal->cls[LAD_5XX];
		dc_round_rect(app->dc, x, y, w, h, h / 3, st == CH_UNLIT ? app->pal->bg
								: dc_alpha(edge, 60));
		if (st == CH_TEMP)
			topo_badge_frame(app, BADGE_RETRY, x, y, w, h, edge);
		else
			dc_round_frame(app->dc, x, y, w, h, h / 3, st == CH_UNLIT ? 1 : 2, edge);
		card_mark(app, st, x + pad / 2 + lh / 2, y + h / 2, lh * 0.3f);
		if (!bare)
			dc_text(app->dc, DC_SMALL, chain_stage_name((enum chain_stage)s), x + pad / 2 + lh,
				y + pad / 2, st == CH_UNLIT ? app->pal->text_dim : app->pal->text,
				DC_LEFT, 0);
		x += w + (float)app->fs * 0.25f;
	}
}

void scene_chain(struct view_app *app)
{
	const struct chain *ch = &app->frame.chain;

	if (ch->host < 0)
		return;
	const struct vm_host *host = &app->frame.hosts[ch->host];
	float h = (float)dc_line_h(app->dc, DC_SMALL) + (float)app->fs * 0.3f;
	SDL_FPoint below = {host->cx, host->box.y + host->box.h + h}, at;
	const SDL_FPoint pref[] = {below, {host->cx, host->box.y - h}};
	for (int bare = 0; bare < 2; bare++) {
		float w = chain_w(app, bare);
		SDL_FPoint cand[2] = {{pref[0].x + w / 2 - app->frame.geom.icon / 2, pref[0].y},
				      {pref[1].x + w / 2 - app->frame.geom.icon / 2, pref[1].y}};
		if (!topo_spot(app, cand, 2, w, h, -1, below, &at))
			continue;
		chain_draw(app, ch, at.x - w / 2, at.y - h / 2, bare);
		app->frame.chain_box = (struct vm_box){at.x - w / 2, at.y - h / 2, w, h};
		return;
	}
}
