/* scene_campaign.c — the campaign panel (key C), a column beside the
 * network when the trace has campaigns or receiver reputation: for the
 * campaign in focus (the one that changed last) its counters, the
 * hard-bounce rate over the messages sent against the pause threshold with
 * the pause point, and where the accepted mail was placed (Inbox /
 * Promotions / Junk / Quarantine / dropped); the other campaigns one line
 * each; then each receiving host's reputation of its senders, one gauge
 * per key, moving as mail arrives.
 *
 * Everything comes from campaign_view (render/view), brought to the
 * cursor here. Texts sit on their own lines, so none overlaps another;
 * colour is never the only cue (every bar is named in words beside it). */
#include "scene.h"

#include <math.h>
#include <stdio.h>

struct cp_geom {
	float x, w;      /* the content column */
	float y, bottom; /* the next free y, the panel's bottom */
	float lh, pad;   /* a small line's height, the padding */
};

static SDL_Color cp_place_color(const struct pal *p, enum cv_place pl)
{
	switch (pl) {
	case CV_INBOX: return p->cls[LAD_2XX];
	case CV_PROMOTIONS: return p->dns;
	case CV_JUNK: return p->cls[LAD_4XX];
	case CV_QUARANTINE: return p->filter;
	default: return p->text_dim;
	}
}

static SDL_Color cp_level_color(const struct pal *p, enum cv_level l)
{
	switch (l) {
	case CV_GOOD: return p->cls[LAD_2XX];
	case CV_NEUTRAL: return p->accent;
	case CV_POOR: return p->cls[LAD_4XX];
	case CV_BAD: return p->cls[LAD_5XX];
	default: return p->text_dim;
	}
}

/* One line of small text if it fits above the bottom; false when not. */
static bool cp_line(struct view_app *app, struct cp_geom *g, enum dc_font f, const char *s,
		    SDL_Color c)
{
	float lh = (float)dc_line_h(app->dc, f);
	if (g->y + lh > g->bottom)
		return false;
	dc_text(app->dc, f, s, g->x, g->y, c, DC_LEFT, g->w);
	g->y += lh;
	return true;
}

static void cp_status(const struct cv_campaign *c, char *out, size_t outsz)
{
	const struct cv_counts *n = &c->now;
	char rate[16];

	cv_format_bp(c->pause_rate_bp, rate, sizeof rate);
	if (n->phase == CV_PAUSED)
		snprintf(out, outsz, "%s: PAUSED at %ld sent (%s)", c->name, c->pause_sent, rate);
	else if (n->phase == CV_DONE && n->pause_seen && c->resume_ev < 0)
		snprintf(out, outsz, "%s: stopped, paused", c->name);
	else if (n->phase == CV_SENDING && n->pause_seen)
		snprintf(out, outsz, "%s: resumed after cleaning", c->name);
	else
		snprintf(out, outsz, "%s: %s", c->name, cv_phase_name(n->phase));
}

static void cp_counters(struct view_app *app, struct cp_geom *g, const struct cv_campaign *c)
{
	const struct cv_counts *n = &c->now;
	char s[200];

	snprintf(s, sizeof s, "sent %ld of %ld · accepted %ld", n->sent, c->recipients,
		 n->accepted);
	cp_line(app, g, DC_SMALL, s, app->pal->text);
	snprintf(s, sizeof s, "hard %ld · soft %ld · suppressed %ld", n->hard, n->soft,
		 n->suppressed);
	if (n->blocked) /* refusals that are the sender's fault, not the address's */
		snprintf(s, sizeof s, "hard %ld · soft %ld · blocked %ld · suppr. %ld", n->hard,
			 n->soft, n->blocked, n->suppressed);
	cp_line(app, g, DC_SMALL, s, app->pal->text);
}

/* The hard-bounce rate over the messages sent: x is messages sent (up to
 * the list's size), y the rate, clipped to a scale that shows the
 * threshold at a third of the height; the pause point as a ring. */
static void cp_curve(struct view_app *app, struct cp_geom *g, const struct cv_campaign *c,
		     float h)
{
	const struct pal *p = app->pal;
	char s[160], rate[16], th[16];
	const struct cv_point *last = c->ncurve_now ? &c->curve[c->ncurve_now - 1] : NULL;

	cv_format_bp(last ? cv_rate_bp(last) : 0, rate, sizeof rate);
	cv_format_bp(c->threshold_bp, th, sizeof th);
	if (c->threshold_bp >= 0) {
		snprintf(s, sizeof s, "bounce rate %s (pause: %s)", rate, th);
		if ((float)dc_text_w(app->dc, DC_SMALL, s) > g->w) /* a narrow band column */
			snprintf(s, sizeof s, "bounces %s · pause %s", rate, th);
	} else
		snprintf(s, sizeof s, "hard-bounce rate %s", rate);
	if (!cp_line(app, g, DC_SMALL, s, p->text_dim))
		return;
	h = fminf(h, g->bottom - g->y - g->pad * 0.5f);
	if (h < g->lh)
		return;
	float x0 = g->x, y0 = g->y + g->pad * 0.2f, w = g->w, th_lw = app->projector ? 3 : 2;
	double xmax = c->recipients > 0 ? (double)c->recipients : 1;
	if (c->ncurve && c->curve[c->ncurve - 1].sent > xmax)
		xmax = c->curve[c->ncurve - 1].sent;
	double ymax = c->threshold_bp > 0 ? c->threshold_bp * 3.0 : 1500.0; /* basis points */
	dc_fill_rect(app->dc, x0, y0, w, h, p->bg);
	dc_line(app->dc, x0, y0 + h, x0 + w, y0 + h, 1.5f, p->text_dim);
	dc_line(app->dc, x0, y0, x0, y0 + h, 1.5f, p->text_dim);
	if (c->threshold_bp >= 0) {
		float ty = y0 + h - (float)(c->threshold_bp / ymax) * h;
		dc_dashed(app->dc, x0, ty, x0 + w, ty, th_lw, (float)app->fs * 0.4f, p->cls[LAD_5XX]);
	}
	float px = x0, py = y0 + h;
	/* at most one segment per pixel column: a 100,000-message campaign
	 * draws as fast as a small one */
	size_t step = c->ncurve_now > (size_t)w ? c->ncurve_now / (size_t)w : 1;
	for (size_t i = 0; i < c->ncurve_now; i += step) {
		const struct cv_point *pt = &c->curve[i + step - 1 < c->ncurve_now ? i + step - 1 : i];
		float nx = x0 + (float)(pt->sent / xmax) * w;
		float ny = y0 + h - (float)fmin(cv_rate_bp(pt) / ymax, 1.0) * h;
		dc_line(app->dc, px, py, nx, ny, th_lw, p->accent);
		px = nx;
		py = ny;
	}
	if (c->now.pause_seen && c->pause_rate_bp >= 0) {
		float cx = x0 + (float)(c->pause_sent / xmax) * w;
		float cy = y0 + h - (float)fmin(c->pause_rate_bp / ymax, 1.0) * h;
		dc_dashed(app->dc, cx, y0, cx, y0 + h, 1.5f, (float)app->fs * 0.25f, p->text);
		dc_ellipse_ring(app->dc, cx, cy, g->lh * 0.3f, g->lh * 0.3f, th_lw, p->cls[LAD_5XX]);
	}
	g->y = y0 + h + g->pad * 0.4f;
}

/* The placement bar: segments in proportion, then each named with its
 * count beside a swatch, flowing onto as many lines as it takes. */
static void cp_placement(struct view_app *app, struct cp_geom *g, const struct cv_counts *n)
{
	const struct pal *p = app->pal;
	float bh = g->lh * 0.6f;

	if (g->y + bh + g->lh > g->bottom)
		return;
	dc_fill_rect(app->dc, g->x, g->y, g->w, bh, p->bg);
	float x = g->x;
	for (int i = 0; i < CV_NPLACE && n->accepted > 0; i++) {
		float sw = g->w * (float)n->place[i] / (float)n->accepted;
		dc_fill_rect(app->dc, x, g->y, sw, bh, cp_place_color(p, (enum cv_place)i));
		x += sw;
	}
	dc_round_frame(app->dc, g->x, g->y, g->w, bh, 2, 1.5f, p->panel_edge);
	g->y += bh + g->pad * 0.3f;
	float lx = g->x, sq = g->lh * 0.5f;
	/* Every segment on the bar is named; a place with nothing in it is
	 * left out of the legend, so a narrow panel still names them all. */
	for (int i = 0; i < CV_NPLACE; i++) {
		if (n->place[i] == 0)
			continue;
		char s[64];
		snprintf(s, sizeof s, "%s %ld", cv_place_name((enum cv_place)i), n->place[i]);
		float tw = (float)dc_text_w(app->dc, DC_SMALL, s) + sq * 1.4f;
		if (lx > g->x && lx + tw > g->x + g->w) {
			lx = g->x;
			g->y += g->lh;
		}
		if (g->y + g->lh > g->bottom)
			return;
		dc_fill_rect(app->dc, lx, g->y + (g->lh - sq) / 2, sq, sq,
			     cp_place_color(p, (enum cv_place)i));
		dc_text(app->dc, DC_SMALL, s, lx + sq * 1.4f, g->y, p->text, DC_LEFT, g->w);
		lx += tw + sq * 1.2f;
	}
	g->y += g->lh + g->pad * 0.3f;
}

/* One gauge row: the key, a bar of the score 0..100, the score and level. */
static void cp_gauge(struct view_app *app, struct cp_geom *g, const struct cv_gauge *ga)
{
	const struct pal *p = app->pal;
	char v[48];
	if (ga->score >= 0)
		snprintf(v, sizeof v, "%d %s", ga->score, cv_level_name(ga->level));
	else
		snprintf(v, sizeof v, "no data");
	/* the value takes its own width, the bar a fifth (an eighth on a
	 * projector), the key what is left (cut with "…" in a narrow panel) */
	float vw = (float)dc_text_w(app->dc, DC_SMALL, v) + g->pad * 0.8f;
	float bw = g->w * (app->projector ? 0.12f : 0.2f);
	float kw = g->w - vw - bw - g->pad * 0.4f, bx = g->x + kw + g->pad * 0.4f;
	float bh = g->lh * 0.5f, by = g->y + (g->lh - bh) / 2;

	/* A key too long for what is left goes on a line of its own, the bar
	 * and value on the next: the key is the sender, never cut. */
	if ((float)dc_text_w(app->dc, DC_SMALL, ga->key) > kw - g->pad * 0.6f &&
	    g->y + 2 * g->lh <= g->bottom) {
		dc_text(app->dc, DC_SMALL, ga->key, g->x + g->pad * 0.6f, g->y, p->text, DC_LEFT,
			g->w - g->pad * 0.6f);
		g->y += g->lh;
		by += g->lh;
		kw = g->pad * 0.6f;
		bx = g->x + kw + g->pad * 0.4f;
	} else {
		dc_text(app->dc, DC_SMALL, ga->key, g->x + g->pad * 0.6f, g->y, p->text, DC_LEFT,
			kw - g->pad * 0.6f);
	}
	dc_fill_rect(app->dc, bx, by, bw, bh, p->bg);
	if (ga->score >= 0)
		dc_fill_rect(app->dc, bx, by, bw * (float)ga->score / 100.0f, bh,
			     cp_level_color(p, ga->level));
	dc_round_frame(app->dc, bx, by, bw, bh, 2, 1.5f, p->panel_edge);
	float vx = bx + bw + g->pad * 0.4f;
	dc_text(app->dc, DC_SMALL, v, vx, g->y, p->text, DC_LEFT, g->x + g->w - vx);
	g->y += g->lh;
}

/* The lines the reputation section takes at the cursor: a header, then
 * each host's name and its keys seen so far. */
static size_t cp_rep_lines(const struct cv_model *cv)
{
	size_t n = 0;
	int host = -2;

	for (size_t i = 0; i < cv->ngauges; i++)
		if (cv->gauges[i].updates > 0) {
			n += cv->gauges[i].host != host ? 2 : 1;
			host = cv->gauges[i].host;
		}
	return n ? n + 1 : (cv->ngauges ? 2 : 0);
}

/* A list cut short says so on its last line: "+N more ...", never a
 * silent cut (the viewer must not show less than it seems to). */
static void cp_more(struct view_app *app, struct cp_geom *g, size_t left, const char *what)
{
	char s[96];

	snprintf(s, sizeof s, "+%zu more %s", left, what);
	cp_line(app, g, DC_SMALL, s, app->pal->text_dim);
}

static void cp_reputation(struct view_app *app, struct cp_geom *g)
{
	const struct cv_model *cv = app->camp;
	int host = -2;
	size_t shown = 0, left = 0;

	int only = -1; /* the one receiving host of every gauge seen, else -1 */
	for (size_t i = 0; i < cv->ngauges; i++)
		if (cv->gauges[i].updates > 0) {
			only = left == 0 || only == cv->gauges[i].host ? cv->gauges[i].host : -1;
			left++;
		}
	/* One receiver: its name goes in the title, a line saved for a gauge. */
	char title[300] = "Reputation (0-100)";
	for (int k = 0; only >= 0 && k < 3; k++) { /* the longest form that fits */
		const char *h = app->model->nodes[only].name;
		char t[300];
		if (k == 0)
			snprintf(t, sizeof t, "Reputation at %s (0-100)", h);
		else if (k == 1)
			snprintf(t, sizeof t, "Reputation at %s", h);
		else
			snprintf(t, sizeof t, "%s (0-100)", h);
		if ((float)dc_text_w(app->dc, DC_SMALL_BOLD, t) <= g->w - g->pad) {
			snprintf(title, sizeof title, "%s", t);
			host = only;
			break;
		}
	}
	/* no room under the title for one gauge: the title says how many */
	if (left > 0 && g->y + 2 * g->lh > g->bottom)
		snprintf(title, sizeof title, "Reputation: %zu gauge%s, no room", left,
			 left == 1 ? "" : "s");
	if (cv->ngauges == 0 || !cp_line(app, g, DC_SMALL_BOLD, title, app->pal->text))
		return;
	for (size_t i = 0; i < cv->ngauges; i++) {
		const struct cv_gauge *ga = &cv->gauges[i];
		if (ga->updates == 0)
			continue; /* not seen yet at the cursor */
		bool head = ga->host != host;
		/* this gauge, and a line to say what is left after it */
		float need = g->lh * ((head ? 2 : 1) + (left > 1 ? 1 : 0));
		if (g->y + need > g->bottom) {
			if (shown > 0)
				cp_more(app, g, left, left == 1 ? "gauge" : "gauges");
			break;
		}
		left--;
		if (head) {
			cp_line(app, g, DC_SMALL, app->model->nodes[ga->host].name, app->pal->text_dim);
			host = ga->host;
		}
		cp_gauge(app, g, ga);
		shown++;
	}
	if (shown == 0) {
		char s[96] = "no reputation change yet";
		if (left > 0)
			snprintf(s, sizeof s, "(%zu gauge%s: no room)", left,
				 left == 1 ? "" : "s");
		cp_line(app, g, DC_SMALL, s, app->pal->text_dim);
	}
}

/* The campaign in focus: its status and counters; the other campaigns
 * one line each go after the placement (see cp_others). */
static void cp_head(struct view_app *app, struct cp_geom *g, const struct cv_campaign *c)
{
	char s[300];

	cp_status(c, s, sizeof s);
	cp_line(app, g, DC_SMALL_BOLD, s, c->now.phase == CV_PAUSED ? app->pal->accent
								   : app->pal->text);
	cp_counters(app, g, c);
}

static void cp_others(struct view_app *app, struct cp_geom *g, size_t focus)
{
	const struct cv_model *cv = app->camp;
	char s[300], line[400];
	size_t left = cv->ncamps - 1;

	for (size_t i = 0; i < cv->ncamps; i++) {
		if (i == focus)
			continue;
		if (left > 1 && g->y + 2 * g->lh > g->bottom) {
			cp_more(app, g, left, "campaigns");
			break;
		}
		left--;
		const struct cv_campaign *o = &cv->camps[i];
		cp_status(o, s, sizeof s);
		snprintf(line, sizeof line, "%s · sent %ld · hard %ld · soft %ld", s, o->now.sent,
			 o->now.hard, o->now.soft);
		if (!cp_line(app, g, DC_SMALL, line, app->pal->text_dim))
			break;
	}
}

/* A column beside the network: everything one under the other. */
static void cp_column(struct view_app *app, struct cp_geom *g)
{
	const struct cv_model *cv = app->camp;

	if (cv->ncamps > 0) {
		size_t f = cv_focus(cv);
		const struct cv_campaign *c = &cv->camps[f];
		cp_head(app, g, c);
		/* the curve takes what the rest leaves (the placement's three
		 * lines, the other campaigns, the gauges seen so far), between 2
		 * and 6 lines */
		float rest = g->lh * (4.8f + (float)(cv->ncamps - 1) + (float)cp_rep_lines(cv));
		float ch = fminf(fmaxf(g->bottom - g->y - rest, g->lh * 2), g->lh * 6);
		cp_curve(app, g, c, ch);
		cp_placement(app, g, &c->now);
		cp_others(app, g, f);
		g->y += g->pad * 0.3f;
	}
	cp_reputation(app, g);
}

/* A band across the window (projector mode): four columns, the counters,
 * the curve, the placement, the reputation gauges. */
static void cp_strip(struct view_app *app, const struct cp_geom *all)
{
	static const float share4[4] = {0.29f, 0.21f, 0.14f, 0.36f};
	static const float share3[4] = {0.34f, 0.30f, 0.36f, 0}; /* no gauges */
	const struct cv_model *cv = app->camp;
	const float *share = cv->ngauges ? share4 : share3;
	float gap = all->pad * 1.5f, x = all->x, room = all->w - 3 * gap;
	struct cp_geom g[4];

	for (int i = 0; i < 4; i++) {
		g[i] = *all;
		g[i].x = x;
		g[i].w = room * share[i];
		x += g[i].w + gap;
	}
	if (cv->ncamps > 0) {
		size_t f = cv_focus(cv);
		const struct cv_campaign *c = &cv->camps[f];
		cp_head(app, &g[0], c);
		cp_others(app, &g[0], f);
		cp_curve(app, &g[1], c, g[1].bottom - g[1].y - g[1].lh);
		cp_placement(app, &g[2], &c->now);
	}
	cp_reputation(app, &g[cv->ncamps > 0 ? 3 : 0]);
}

void scene_campaign(struct view_app *app)
{
	const struct lay_rect *r = &app->panels.campaign;
	struct cv_model *cv = app->camp;

	if (r->w <= 0 || r->h <= 0 || !cv_has_content(cv))
		return;
	cv_seek(cv, pb_cursor(&app->pb, app->tmap));
	float top = scene_panel(&app->cx, r, "Campaigns — C hides");
	float pad = (float)app->fs * 0.5f;
	struct cp_geom g = {(float)r->x + pad, (float)r->w - 2 * pad, top,
			    (float)(r->y + r->h) - pad * 0.5f,
			    (float)dc_line_h(app->dc, DC_SMALL), pad};
	app->frame.campaign = cv;
	app->frame.campaign_box = (struct vm_box){(float)r->x, (float)r->y, (float)r->w,
						  (float)r->h};
	if (r->w > r->h * 3)
		cp_strip(app, &g);
	else
		cp_column(app, &g);
}
