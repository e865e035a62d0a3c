/* scene_topo.c — the network panel: links, host icons with name and IP,
 * the messages resting at each host (coloured envelopes with their ids),
 * decision badges pinned on hosts, and the current event: an envelope or
 * DNS bubble travelling from node to peer, or a highlighted host with a
 * label for events that stay put. Hosts and envelopes are clickable. */
#include "scene.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "icons.h"
#include "scene_topo.h"

SDL_FPoint topo_pos(const struct view_app *app, const struct vm_topo_geom *g, int node)
{
	(void)g;
	return (SDL_FPoint){app->frame.hosts[node].cx, app->frame.hosts[node].cy};
}

static const struct tm_event *topo_cursor_event(const struct view_app *app)
{
	long c = pb_cursor(&app->pb, app->tmap);
	return c >= 0 ? &app->model->ev[c] : NULL;
}

static bool topo_is_hot(const struct tm_event *e, const struct lay_edge *l)
{
	return e && tm_kind_travels(e->kind) &&
	       ((e->node == l->from && e->peer == l->to) ||
		(e->node == l->to && e->peer == l->from));
}

static void topo_links(struct view_app *app, const struct vm_topo_geom *g,
		       const struct tm_event *e)
{
	float th = fmaxf((float)app->fs * 0.15f, 1.5f);

	for (size_t i = 0; i < app->nlinks; i++) {
		const struct lay_edge *l = &app->links[i];
		SDL_FPoint a = topo_pos(app, g, l->from), b = topo_pos(app, g, l->to);
		bool hot = topo_is_hot(e, l);
		dc_line(app->dc, a.x, a.y, b.x, b.y, hot ? th * 2 : th,
			hot ? dc_alpha(app->pal->link_hot, 140) : app->pal->link);
	}
}

/* Label width: the room to the nearest host on about the same row. */
static float topo_label_w(const struct view_app *app, const struct vm_topo_geom *g)
{
	double dx = 1;

	for (size_t i = 0; i < app->model->nnodes; i++)
		for (size_t j = i + 1; j < app->model->nnodes; j++) {
			const struct lay_node *a = &app->nodes[i], *b = &app->nodes[j];
			double d = fabs(a->x - b->x);
			if (fabs(a->y - b->y) * g->h < g->icon * 1.5f && d < dx)
				dx = d;
		}
	return fmaxf((float)dx * g->w - (float)app->fs * 0.5f, g->icon);
}

/* A label centred under x, shifted inward if it would leave the panel. */
static void topo_label(struct view_app *app, enum dc_font f, const char *s, float x,
		       float y, SDL_Color c, float maxw)
{
	const struct lay_rect *r = &app->panels.topo;
	float half = fminf((float)dc_text_w(app->dc, f, s), maxw) / 2, pad = 4;

	x = fminf(fmaxf(x, (float)r->x + pad + half), (float)(r->x + r->w) - pad - half);
	dc_text(app->dc, f, s, x, y, c, DC_CENTER, maxw);
}

/* Regular labels when every name fits its room, smaller ones otherwise. */
static bool topo_small_labels(struct view_app *app, float maxw)
{
	for (size_t i = 0; i < app->model->nnodes; i++)
		if ((float)dc_text_w(app->dc, DC_BOLD, app->model->nodes[i].name) > maxw)
			return true;
	return false;
}

static void topo_hosts(struct view_app *app, const struct vm_topo_geom *g)
{
	const struct pal *p = app->pal;
	struct icon_colors ic = {p->text, p->header, p->dns};
	float maxw = topo_label_w(app, g);
	bool small = topo_small_labels(app, maxw);
	enum dc_font fname = small ? DC_SMALL_BOLD : DC_BOLD;
	enum dc_font fip = small ? DC_SMALL_MONO : DC_MONO;
	float lh = (float)dc_line_h(app->dc, fname);

	for (size_t i = 0; i < app->model->nnodes; i++) {
		const struct tm_node *n = &app->model->nodes[i];
		SDL_FPoint c = topo_pos(app, g, (int)i);
		icon_draw(app->dc, app->nodes[i].role, c.x, c.y, g->icon, &ic);
		float ty = c.y + g->icon * 0.5f + 2;
		topo_label(app, fname, n->name, c.x, ty, p->text, maxw);
		topo_label(app, fip, n->ip, c.x, ty + lh, p->text_dim, maxw);
		app_hit(app, c.x - g->icon * 0.6f, c.y - g->icon * 0.6f, g->icon * 1.2f,
			g->icon * 1.1f + 2 * lh, HIT_HOST, (long)i);
	}
}

static SDL_Color topo_bubble_color(const struct view_app *app, const struct tm_event *e)
{
	const struct pal *p = app->pal;

	const char *rcode;

	switch (e->kind) {
	case TM_DNS_QUERY: return p->dns;
	case TM_DNS_ANSWER:
		rcode = tm_get(e, "rcode");
		if (!rcode || strcmp(rcode, "NOERROR") == 0)
			return p->dns;
		return strcmp(rcode, "NXDOMAIN") == 0 ? p->cls[LAD_5XX] : p->cls[LAD_4XX];
	case TM_NET_CONNECT: return p->cls[LAD_INFO];
	default:
		if (tm_kind_carries_message(e->kind))
			return pal_msg(p, app->model, e->msg_idx);
		if (e->dir == TM_DIR_S2C)
			return p->cls[lad_reply_class(e->kind, e->text)];
		return p->cls[LAD_CMD];
	}
}

float topo_pill(struct view_app *app, float x, float y, const char *text,
		SDL_Color edge, float maxw, enum dc_font f, const char *mark, struct vm_box *box)
{
	float pad = (float)app->fs * 0.45f, lh = (float)dc_line_h(app->dc, f);
	float tw = fminf((float)dc_text_w(app->dc, f, text), maxw);
	float mw = mark ? lh : 0, w = tw + mw + 2 * pad, h = lh + pad;
	const struct lay_rect *r = &app->panels.topo;

	/* keep the whole pill inside the panel */
	x = fminf(fmaxf(x, (float)r->x + w / 2 + 2), (float)(r->x + r->w) - w / 2 - 2);
	dc_round_rect(app->dc, x - w / 2, y - h / 2, w, h, h / 2, app->pal->bg);
	if (mark) /* an answer is filled, a question only outlined */
		dc_round_rect(app->dc, x - w / 2, y - h / 2, w, h, h / 2,
			      dc_alpha(edge, mark[0] == '?' ? 0 : 70));
	dc_round_frame(app->dc, x - w / 2, y - h / 2, w, h, h / 2,
		       fmaxf((float)app->fs * 0.12f, 1.5f), edge);
	if (mark) {
		float mx = x - w / 2 + pad * 0.6f + mw / 2;
		dc_disc(app->dc, mx, y, lh * 0.42f, edge);
		dc_text(app->dc, DC_BOLD, mark, mx, y - (float)dc_line_h(app->dc, DC_BOLD) / 2,
			app->pal->bg, DC_CENTER, 0);
	}
	dc_text(app->dc, f, text, x - w / 2 + pad + mw, y - lh / 2, app->pal->text, DC_LEFT,
		maxw);
	if (box)
		*box = (struct vm_box){x - w / 2, y - h / 2, w, h};
	return h;
}

void topo_envelope(struct view_app *app, float cx, float cy, float s, SDL_Color c)
{
	float w = s, h = s * 0.66f, x = cx - w / 2, y = cy - h / 2;
	float th = fmaxf(s * 0.07f, 1.5f);

	dc_fill_rect(app->dc, x, y, w, h, c);
	dc_line(app->dc, x, y, cx, cy + h * 0.1f, th, app->pal->bg);
	dc_line(app->dc, x + w, y, cx, cy + h * 0.1f, th, app->pal->bg);
}

static float topo_ease(float t)
{
	return t * t * (3 - 2 * t);
}

/* The label over a travelling item: the message id first, so several
 * messages in flight are told apart by more than colour. */
static void topo_travel_label(const struct view_app *app, const struct tm_event *e,
			      char *out, size_t n)
{
	const struct tm_msg *msg = e->msg_idx >= 0 ? &app->model->msgs[e->msg_idx] : NULL;
	const char *subj = msg ? insp_subject(app->model, e->msg_idx) : NULL;

	if (msg && msg->dsn_of >= 0)
		snprintf(out, n, "%s · %s report on %s", msg->id,
			 msg->dsn_failed ? "failure" : "delay", app->model->msgs[msg->dsn_of].id);
	else if (msg && subj)
		snprintf(out, n, "%s · \"%s\"", msg->id, subj);
	else if (msg)
		snprintf(out, n, "%s · %s", msg->id, e->bubble);
	else
		snprintf(out, n, "%s", e->bubble);
}

static const char *topo_mark(const struct tm_event *e)
{
	return e->kind == TM_DNS_QUERY ? "?" : e->kind == TM_DNS_ANSWER ? "!" : NULL;
}

static void topo_travel(struct view_app *app, const struct vm_topo_geom *g,
			const struct tm_event *e)
{
	SDL_FPoint a = topo_pos(app, g, e->node), b = topo_pos(app, g, e->peer);
	float dx = b.x - a.x, dy = b.y - a.y, len = sqrtf(dx * dx + dy * dy);
	float prog = (float)pb_progress_permille(&app->pb, app->tmap) / 1000;
	SDL_Color col = topo_bubble_color(app, e);
	char label[320];

	if (len < 1)
		return;
	/* the arrow ends at the receiver's icon edge */
	float r = g->icon * 0.6f;
	dc_arrow(app->dc, b.x - dx / len * (r + g->icon * 0.4f),
		 b.y - dy / len * (r + g->icon * 0.4f), b.x - dx / len * r,
		 b.y - dy / len * r, fmaxf((float)app->fs * 0.2f, 2), g->icon * 0.3f, col);
	/* From just outside the sender to short of the receiver, so the
	 * settled frame still shows the item on its way. The label floats
	 * above the item, off the icons on the row. */
	float f = 0.2f + 0.5f * topo_ease(prog);
	float x = a.x + dx * f, y = a.y + dy * f;
	float lift = g->icon * 0.55f + (float)dc_line_h(app->dc, DC_MONO) * 0.5f;
	if (tm_kind_carries_message(e->kind)) {
		topo_envelope(app, x, y, g->icon * 0.5f, col);
		app_hit(app, x - g->icon * 0.3f, y - g->icon * 0.25f, g->icon * 0.6f,
			g->icon * 0.5f, HIT_MSG, e->msg_idx);
	} else {
		dc_disc(app->dc, x, y, g->icon * 0.12f, col);
	}
	dc_line(app->dc, x, y, x, y - lift, 1.5f, col);
	topo_travel_label(app, e, label, sizeof label);
	topo_pill(app, x, y - lift, label, col, app->panels.topo.w * 0.6f, DC_MONO,
		  topo_mark(e), NULL);
}

/* A failed attempt (refused, timed out): a dashed line to the host that
 * did not answer, crossed out at its end. */
static void topo_failed_try(struct view_app *app, const struct vm_topo_geom *g,
			    const struct tm_event *e, SDL_Color col)
{
	SDL_FPoint a = topo_pos(app, g, e->node), b = topo_pos(app, g, e->peer);
	float th = fmaxf((float)app->fs * 0.15f, 2), s = g->icon * 0.3f;

	dc_dashed(app->dc, a.x, a.y, b.x, b.y, th, (float)app->fs * 0.5f, col);
	dc_line(app->dc, b.x - s, b.y - s, b.x + s, b.y + s, th * 1.6f, col);
	dc_line(app->dc, b.x - s, b.y + s, b.x + s, b.y - s, th * 1.6f, col);
}

/* dsn.create: the report appears as an envelope in its colour at the host
 * that composes it. Where it goes from here the trace shows hop by hop
 * (queue, SMTP relay, local delivery, a fetch), and each hop is drawn when
 * it happens. */
static void topo_dsn(struct view_app *app, const struct vm_topo_geom *g,
		     const struct tm_event *e)
{
	const char *id = tm_get(e, "dsn_msg");
	int k = id ? tm_msg_find(app->model, id) : -1;
	SDL_Color col = pal_msg(app->pal, app->model, k);
	SDL_FPoint c = topo_pos(app, g, e->node);
	float s = g->icon * 0.45f;
	float ex = c.x + g->icon * 0.3f, ey = c.y + g->icon * 0.5f;

	topo_envelope(app, ex, ey, s, col);
	if (k >= 0)
		app_hit(app, ex - s / 2, ey - s / 2, s, s, HIT_MSG, k);
}

static void topo_at_host(struct view_app *app, const struct vm_topo_geom *g,
			 const struct tm_event *e)
{
	SDL_FPoint c = topo_pos(app, g, e->node);
	bool decision = tm_kind_is_decision(e->kind);
	SDL_Color col = decision ? app->pal->decision : app->pal->node_ring;

	bool failed = e->kind == TM_NET_REFUSED || e->kind == TM_NET_TIMEOUT ||
		      e->kind == TM_DNS_TIMEOUT;
	if (failed && e->peer >= 0 && e->peer != e->node)
		topo_failed_try(app, g, e, col);
	if (e->kind == TM_DSN_CREATE)
		topo_dsn(app, g, e);
	dc_ellipse_ring(app->dc, c.x, c.y, g->icon * 0.62f, g->icon * 0.62f,
			fmaxf((float)app->fs * 0.18f, 2), col);
	float lh = (float)dc_line_h(app->dc, DC_SMALL);
	float y = c.y - g->icon * 0.62f - lh * 0.8f;
	if (y - lh < (float)app->panels.topo.y) /* no room above: under the labels */
		y = c.y + g->icon * 0.5f + 3.2f * lh;
	/* the summary says what happened; the event list names the kind */
	const char *label = e->summary[0] ? e->summary : tm_kind_name(e);
	struct vm_box box;
	topo_pill(app, c.x, y, label, col, app->panels.topo.w * 0.5f, DC_SMALL, NULL, &box);
	struct vm_decision *d = vm_decision_for(&app->frame, (size_t)pb_cursor(&app->pb, app->tmap),
						true);
	if (d)
		d->box = box;
}

void scene_topo(struct view_app *app)
{
	scene_panel(app, &app->panels.topo, "Network");
	struct vm_topo_geom g = app->frame.geom;
	const struct tm_event *e = topo_cursor_event(app);

	topo_links(app, &g, e);
	topo_hosts(app, &g);
	topo_parked(app, &g, e);
	topo_badges(app, &g);
	if (!e || e->node < 0)
		return;
	if (e->bubble && e->peer >= 0 && e->peer != e->node)
		topo_travel(app, &g, e);
	else if (e->kind != TM_NARRATE)
		topo_at_host(app, &g, e);
}
