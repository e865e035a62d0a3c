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
	/* never so narrow that a name breaks into letters */
	return fmaxf((float)dx * g->w - (float)app->fs * 0.5f, (float)app->fs * 7);
}

/* Lines of a label centred under x, wrapped (never cut) to maxw, shifted
 * inward if they would leave the panel; returns the lines used. */
static int topo_label(struct view_app *app, enum dc_font f, const char *s, float x,
		      float y, SDL_Color c, float maxw)
{
	const struct lay_rect *r = &app->panels.topo;
	float half = fminf((float)dc_text_w(app->dc, f, s), maxw) / 2, pad = 4;

	x = fminf(fmaxf(x, (float)r->x + pad + half), (float)(r->x + r->w) - pad - half);
	return dc_text_wrapped_at(app->dc, f, s, x, y, maxw, 3, c, DC_CENTER);
}

/* A host name wider than its room breaks after its first label
 * ("alice-laptop." over "example.org"), as a name is read. */
static int topo_name(struct view_app *app, const char *name, float x, float y, float maxw)
{
	const char *dot = strchr(name, '.');
	char buf[256];

	if ((float)dc_text_w(app->dc, DC_BOLD, name) <= maxw || !dot)
		return topo_label(app, DC_BOLD, name, x, y, app->pal->text, maxw);
	snprintf(buf, sizeof buf, "%.*s %s", (int)(dot - name + 1), name, dot + 1);
	return topo_label(app, DC_BOLD, buf, x, y, app->pal->text, maxw);
}

/* The height a host's labels need under its icon: name and role line. */
static float topo_label_h(struct view_app *app)
{
	return (float)dc_line_h(app->dc, DC_BOLD) + 2 * (float)dc_line_h(app->dc, DC_SMALL);
}

/* Labels go beside the icon when another host sits too close below it. */
static bool topo_side_labels(struct view_app *app, const struct vm_topo_geom *g, int i)
{
	const struct vm_host *a = &app->frame.hosts[i];

	for (size_t j = 0; j < app->frame.nhosts; j++) {
		const struct vm_host *b = &app->frame.hosts[j];
		float dy = b->cy - a->cy;
		if ((int)j != i && fabsf(b->cx - a->cx) < g->icon * 2 && dy > 0 &&
		    dy < g->icon + topo_label_h(app) + 4)
			return true;
	}
	return false;
}

/* Name and role left-aligned beside the icon (right of it, or left near
 * the panel's right edge); returns the block's height. */
static void topo_side_label(struct view_app *app, const struct vm_topo_geom *g, int i,
			    float maxw)
{
	const struct vm_host *h = &app->frame.hosts[i];
	const struct lay_rect *r = &app->panels.topo;
	float lh = (float)dc_line_h(app->dc, DC_BOLD);
	float w = fmaxf((float)dc_text_w(app->dc, DC_BOLD, h->name),
			fminf((float)dc_text_w(app->dc, DC_SMALL, h->label), maxw));
	bool left = h->cx + g->icon * 0.7f + w > (float)(r->x + r->w) - 4;
	float x = left ? h->cx - g->icon * 0.7f : h->cx + g->icon * 0.7f;
	enum dc_align a = left ? DC_RIGHT : DC_LEFT;

	dc_text(app->dc, DC_BOLD, h->name, x, h->cy - lh * 0.9f, app->pal->text, a, 0);
	dc_text_wrapped_at(app->dc, DC_SMALL, h->label, x, h->cy + lh * 0.1f, maxw, 2,
			   app->pal->text_dim, a);
}

static void topo_hosts(struct view_app *app, const struct vm_topo_geom *g)
{
	const struct pal *p = app->pal;
	struct icon_colors ic = {p->text, p->header, p->dns};
	float maxw = topo_label_w(app, g);
	float lh = (float)dc_line_h(app->dc, DC_BOLD), sh = (float)dc_line_h(app->dc, DC_SMALL);

	for (size_t i = 0; i < app->model->nnodes; i++) {
		SDL_FPoint c = topo_pos(app, g, (int)i);
		icon_draw(app->dc, app->nodes[i].role, c.x, c.y, g->icon, &ic);
		hits_add(&app->cx.hits, c.x - g->icon * 0.6f, c.y - g->icon * 0.6f, g->icon * 1.2f,
			g->icon * 1.2f, HIT_HOST, (long)i);
		if (topo_side_labels(app, g, (int)i)) {
			topo_side_label(app, g, (int)i, maxw);
			continue;
		}
		float ty = c.y + g->icon * 0.5f + 2;
		int nl = topo_name(app, app->model->nodes[i].name, c.x, ty, maxw);
		int rl = topo_label(app, DC_SMALL, app->frame.hosts[i].label, c.x,
				    ty + (float)nl * lh, p->text_dim, maxw);
		hits_add(&app->cx.hits, c.x - maxw / 2, ty, maxw, (float)nl * lh + (float)rl * sh, HIT_HOST,
			(long)i);
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

/* How far above (or, negative, below) the travelling item its label goes:
 * the first height where the pill covers nothing already drawn. */
static float topo_lift(struct view_app *app, float x, float y, float lift, const char *label,
		       float maxw)
{
	float pad = (float)app->fs * 0.45f, lh = (float)dc_line_h(app->dc, DC_MONO);
	float w = fminf((float)dc_text_w(app->dc, DC_MONO, label), maxw) + 2 * pad, h = lh + pad;
	const float tries[] = {lift, -lift, lift + h * 1.2f, -lift - h * 1.2f, lift + h * 2.4f,
			       -lift - h * 2.4f, lift + h * 3.6f};

	for (size_t k = 0; k < sizeof tries / sizeof tries[0]; k++) {
		SDL_FPoint c = topo_clamp(app, (SDL_FPoint){x - w / 2, y - tries[k] - h / 2}, w, h);
		if (topo_free(app, (struct vm_box){c.x, c.y, w, h}))
			return tries[k];
	}
	return lift;
}

/* What the view model says moves, from its host to its host. */
static void topo_travel(struct view_app *app, const struct vm_topo_geom *g,
			const struct vm_moving *mv)
{
	const struct tm_event *e = &app->model->ev[mv->ev];
	SDL_FPoint a = topo_pos(app, g, mv->from), b = topo_pos(app, g, mv->to);
	float dx = b.x - a.x, dy = b.y - a.y, len = sqrtf(dx * dx + dy * dy);
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
	float x = mv->x, y = mv->y;
	float lift = g->icon * 0.55f + (float)dc_line_h(app->dc, DC_MONO) * 0.5f;
	if (tm_kind_carries_message(e->kind)) {
		topo_envelope(app, x, y, g->icon * 0.5f, col);
		hits_add(&app->cx.hits, x - g->icon * 0.3f, y - g->icon * 0.25f, g->icon * 0.6f,
			g->icon * 0.5f, HIT_MSG, e->msg_idx);
	} else {
		dc_disc(app->dc, x, y, g->icon * 0.12f, col);
	}
	topo_travel_label(app, e, label, sizeof label);
	lift = topo_lift(app, x, y, lift, label, (float)app->panels.topo.w * 0.6f);
	dc_line(app->dc, x, y, x, y - lift, 1.5f, col);
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
		hits_add(&app->cx.hits, ex - s / 2, ey - s / 2, s, s, HIT_MSG, k);
}

bool topo_free(const struct view_app *app, struct vm_box b)
{
	const struct lay_rect *r = &app->panels.topo;
	const struct vm_frame *f = &app->frame;

	if (b.x < (float)r->x + 2 || b.y < (float)r->y + 2 || b.x + b.w > (float)(r->x + r->w) - 2 ||
	    b.y + b.h > (float)(r->y + r->h) - 2)
		return false;
	for (size_t i = 0; i < f->ntexts; i++)
		if (vm_box_overlap(b, f->texts[i].box))
			return false;
	for (size_t i = 0; i < f->nhosts; i++)
		if (vm_box_overlap(b, f->hosts[i].box))
			return false;
	for (size_t i = 0; i < f->ndec; i++)
		if (f->dec[i].box.w > 0 && vm_box_overlap(b, f->dec[i].box))
			return false;
	return true;
}

bool topo_near(const struct view_app *app, struct vm_box b, int host)
{
	const struct vm_frame *f = &app->frame;
	float cx = b.x + b.w / 2, cy = b.y + b.h / 2, best = 1e9f;
	int who = -1;

	for (size_t i = 0; i < f->nhosts; i++) {
		const struct vm_box *h = &f->hosts[i].box;
		float dx = fmaxf(0, fmaxf(b.x - (h->x + h->w), h->x - (b.x + b.w)));
		float dy = fmaxf(0, fmaxf(b.y - (h->y + h->h), h->y - (b.y + b.h)));
		float d = sqrtf(dx * dx + dy * dy);
		if (d < best) {
			best = d;
			who = (int)i;
		}
	}
	(void)cx;
	(void)cy;
	return who == host;
}

SDL_FPoint topo_clamp(const struct view_app *app, SDL_FPoint p, float w, float h)
{
	const struct lay_rect *r = &app->panels.topo;

	p.x = fminf(fmaxf(p.x, (float)r->x + 2), (float)(r->x + r->w) - w - 2);
	p.y = fminf(fmaxf(p.y, (float)r->y + 2), (float)(r->y + r->h) - h - 2);
	return p;
}

/* The current event's pill over its host: above, else under the labels,
 * else beside — the first free place. Centres are returned. */
static SDL_FPoint topo_pill_place(struct view_app *app, const struct vm_topo_geom *g,
				  int host, const char *label, float maxw)
{
	SDL_FPoint c = topo_pos(app, g, host);
	float pad = (float)app->fs * 0.45f, lh = (float)dc_line_h(app->dc, DC_SMALL);
	float w = fminf((float)dc_text_w(app->dc, DC_SMALL, label), maxw) + 2 * pad, h = lh + pad;
	float r = g->icon * 0.62f;
	const SDL_FPoint at[] = {
		{c.x, c.y - r - h * 0.7f}, {c.x, c.y - r - h * 1.9f},
		{c.x + r + w / 2 + 4, c.y}, {c.x - r - w / 2 - 4, c.y},
		{c.x, c.y + g->icon * 0.5f + 3.4f * lh}, {c.x + r + w / 2 + 4, c.y - h * 1.2f},
		{c.x - r - w / 2 - 4, c.y - h * 1.2f}, {c.x + r + w / 2 + 4, c.y + h * 1.2f},
		{c.x - r - w / 2 - 4, c.y + h * 1.2f}, {c.x, c.y - r - h * 3.1f},
		{c.x + r + w / 2 + 4, c.y - h * 2.4f}, {c.x - r - w / 2 - 4, c.y - h * 2.4f},
	};
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		struct vm_box b = {at[k].x - w / 2, at[k].y - h / 2, w, h};
		if (topo_free(app, b) && topo_near(app, b, host))
			return at[k];
	}
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) /* crowded: near it at least */
		if (topo_near(app, (struct vm_box){at[k].x - w / 2, at[k].y - h / 2, w, h}, host))
			return at[k];
	return at[0];
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
	/* the summary says what happened; the event list names the kind */
	const char *label = e->summary[0] ? e->summary : tm_kind_name(e);
	float maxw = (float)app->panels.topo.w * 0.6f;
	SDL_FPoint at = topo_pill_place(app, g, e->node, label, maxw);
	struct vm_box box;
	topo_pill(app, at.x, at.y, label, col, maxw, DC_SMALL, NULL, &box);
	struct vm_decision *d = vm_decision_for(&app->frame, (size_t)pb_cursor(&app->pb, app->tmap),
						true);
	if (d)
		d->box = box;
}

void scene_topo(struct view_app *app)
{
	scene_panel(&app->cx, &app->panels.topo, "Network");
	struct vm_topo_geom g = app->frame.geom;
	const struct tm_event *e = topo_cursor_event(app);

	topo_links(app, &g, e);
	topo_hosts(app, &g);
	topo_parked(app, &g, e);
	topo_badges(app, &g);
	if (!e || e->node < 0)
		return;
	for (size_t i = 0; i < app->frame.nmoving; i++)
		topo_travel(app, &g, &app->frame.moving[i]);
	if (app->frame.nmoving == 0 && e->kind != TM_NARRATE)
		topo_at_host(app, &g, e);
}
