/* scene_topo.c — the network panel: links, host icons with name and IP,
 * the messages resting at each host (coloured envelopes with their ids),
 * decision badges pinned on hosts, and the current event: an envelope or
 * DNS bubble travelling from node to peer, or a highlighted host with a
 * label for events that stay put. Hosts and envelopes are clickable. */
#include "scene.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icons.h"
#include "scene_topo.h"
#include "util.h"

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

/* The name's lines: broken after its first label when it is wider than
 * w ("alice-laptop." over "example.org"), as a name is read. */
static int topo_name_lines(struct dc *dc, const char *name, float w)
{
	return (float)dc_text_w(dc, DC_BOLD, name) > w && strchr(name, '.') ? 2 : 1;
}

float topo_label_h(void *ctx, const char *name, const char *label, float w)
{
	struct dc *dc = ctx;
	float tw;
	int rl = dc_wrap_measure(dc, DC_SMALL, label, w, 2, &tw);

	return (float)topo_name_lines(dc, name, w) * (float)dc_line_h(dc, DC_BOLD) +
	       (float)rl * (float)dc_line_h(dc, DC_SMALL);
}

/* A line of label text on a panel-coloured rounded plate, so a link
 * passing under the label does not cross its glyphs. */
static void topo_plate(struct view_app *app, float x, float y, float w, float h)
{
	float m = (float)app->fs * 0.15f;

	dc_round_rect(app->dc, x - m, y, w + 2 * m, h, h * 0.3f, app->pal->panel);
}

static void topo_label_line(struct view_app *app, enum dc_font f, const char *s, float x,
			    float y, float maxw, SDL_Color c)
{
	topo_plate(app, x, y, fminf((float)dc_text_w(app->dc, f, s), maxw),
		   (float)dc_line_h(app->dc, f));
	dc_text(app->dc, f, s, x, y, c, DC_LEFT, maxw);
}

/* A host's name and role in its label box, left-aligned beside the icon:
 * the name on one or two lines (topo_name_lines), the role wrapped into
 * at most two lines left; the box is as tall as they need (vmodel) unless
 * the panel has no room, and only then is a line elided. */
static void topo_host_label(struct view_app *app, const struct vm_host *h)
{
	const struct vm_box *b = &h->label_box;
	float lh = (float)dc_line_h(app->dc, DC_BOLD), sh = (float)dc_line_h(app->dc, DC_SMALL);
	const char *dot = strchr(h->name, '.');
	int nl = topo_name_lines(app->dc, h->name, b->w) == 2 && b->h + 0.5f >= 2 * lh + sh ? 2 : 1;
	int rl = (int)((b->h - (float)nl * lh) / sh + 0.01f);
	rl = rl > 2 ? 2 : rl;

	/* inside the box that names the organisation, the role need not */
	const char *role = h->label;
	if (h->group >= 0) {
		const char *org = app->frame.groups[h->group].name;
		size_t n = strlen(org);
		if (strncmp(role, org, n) == 0 && strncmp(role + n, "'s ", 3) == 0)
			role += n + 3;
	}
	float tw = 0;
	int used = rl > 0 ? dc_wrap_measure(app->dc, DC_SMALL, role, b->w, rl, &tw) : 0;
	float y = b->y + (b->h - (float)nl * lh - (float)used * sh) / 2;

	if (nl == 2) {
		char *first = xmalloc((size_t)(dot - h->name) + 2);
		memcpy(first, h->name, (size_t)(dot - h->name) + 1);
		first[dot - h->name + 1] = '\0';
		topo_label_line(app, DC_BOLD, first, b->x, y, b->w, app->pal->text);
		topo_label_line(app, DC_BOLD, dot + 1, b->x, y + lh, b->w, app->pal->text);
		free(first);
	} else {
		topo_label_line(app, DC_BOLD, h->name, b->x, y, b->w, app->pal->text);
	}
	if (used > 0) {
		topo_plate(app, b->x, y + (float)nl * lh, tw, (float)used * sh);
		dc_text_wrapped(app->dc, DC_SMALL, role, b->x, y + (float)nl * lh, b->w, used,
				app->pal->text_dim);
	}
}

/* The organisations' boxes with their names, drawn under everything. */
static void topo_groups(struct view_app *app, const struct vm_topo_geom *g)
{
	float th = fmaxf((float)app->fs * (app->projector ? 0.12f : 0.08f), 1.2f);

	for (size_t i = 0; i < app->frame.ngroups; i++) {
		const struct vm_box *b = &app->frame.groups[i].box;
		dc_round_rect(app->dc, b->x, b->y, b->w, b->h, g->pad * 2, dc_alpha(app->pal->header, 90));
		dc_round_frame(app->dc, b->x, b->y, b->w, b->h, g->pad * 2, th, app->pal->link);
		dc_text(app->dc, DC_SMALL, app->frame.groups[i].name, b->x + g->pad * 2,
			b->y + 1, app->pal->text_dim, DC_LEFT, b->w - g->pad * 3);
	}
}

/* "the Internet" between the organisations' boxes: in the widest free
 * stretch near the middle of the panel, where the links cross over. */
static void topo_internet(struct view_app *app)
{
	const char *s = "the Internet";
	float w = (float)dc_text_w(app->dc, DC_SMALL, s), h = (float)dc_line_h(app->dc, DC_SMALL);
	const struct lay_rect *r = &app->panels.topo;
	SDL_FPoint at, mid = {(float)r->x + (float)r->w / 2, (float)r->y + (float)r->h / 2};

	for (size_t i = 0; i < app->frame.ngroups; i++)
		if (vm_box_overlap((struct vm_box){mid.x - w / 2, mid.y - h / 2, w, h},
				   app->frame.groups[i].box))
			mid.y = (float)r->y + (float)r->h * 0.2f; /* above the boxes */
	if (topo_spot(app, &mid, 1, w, h, -1, mid, &at))
		dc_text(app->dc, DC_SMALL, s, at.x, at.y - h / 2, app->pal->text_dim, DC_CENTER, 0);
}

static void topo_hosts(struct view_app *app, const struct vm_topo_geom *g)
{
	const struct pal *p = app->pal;
	struct icon_colors ic = {p->text, p->header, p->dns};

	for (size_t i = 0; i < app->model->nnodes; i++) {
		const struct vm_host *h = &app->frame.hosts[i];
		icon_draw(app->dc, app->nodes[i].role, h->cx, h->cy, g->icon, &ic);
		hits_add(&app->cx.hits, h->cx - g->icon * 0.6f, h->cy - g->icon * 0.6f,
			 g->icon * 1.2f, g->icon * 1.2f, HIT_HOST, (long)i);
		topo_host_label(app, h);
		hits_add(&app->cx.hits, h->label_box.x, h->label_box.y, h->label_box.w,
			 h->label_box.h, HIT_HOST, (long)i);
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
		if (e->dir == TM_DIR_S2C) { /* the last of folded lines: the batch's outcome */
			size_t n = tm_text_lines(e);
			return p->cls[lad_reply_class(e->kind, tm_text_line(e, n ? n - 1 : 0))];
		}
		return p->cls[LAD_CMD];
	}
}

#define PILL_LINES 3

void topo_pill_size(struct view_app *app, const char *text, float maxw, enum dc_font f,
		    const char *mark, float *w, float *h)
{
	float pad = (float)app->fs * 0.45f, lh = (float)dc_line_h(app->dc, f), tw;
	int lines = dc_wrap_measure(app->dc, f, text, maxw, PILL_LINES, &tw);

	*w = tw + (mark ? lh : 0) + 2 * pad;
	*h = (float)lines * lh + pad;
}

float topo_pill(struct view_app *app, float x, float y, const char *text,
		SDL_Color edge, float maxw, enum dc_font f, const char *mark, struct vm_box *box)
{
	float pad = (float)app->fs * 0.45f, lh = (float)dc_line_h(app->dc, f), w, h;
	float mw = mark ? lh : 0, rad = (lh + pad) / 2;
	const struct lay_rect *r = &app->panels.topo;

	topo_pill_size(app, text, maxw, f, mark, &w, &h);
	/* keep the whole pill inside the panel */
	x = fminf(fmaxf(x, (float)r->x + w / 2 + 2), (float)(r->x + r->w) - w / 2 - 2);
	dc_round_rect(app->dc, x - w / 2, y - h / 2, w, h, rad, app->pal->bg);
	if (mark) /* an answer is filled, a question only outlined */
		dc_round_rect(app->dc, x - w / 2, y - h / 2, w, h, rad,
			      dc_alpha(edge, mark[0] == '?' ? 0 : 70));
	dc_round_frame(app->dc, x - w / 2, y - h / 2, w, h, rad,
		       fmaxf((float)app->fs * 0.12f, 1.5f), edge);
	if (mark) {
		float mx = x - w / 2 + pad * 0.6f + mw / 2;
		dc_disc(app->dc, mx, y, lh * 0.42f, edge);
		dc_text(app->dc, DC_BOLD, mark, mx, y - (float)dc_line_h(app->dc, DC_BOLD) / 2,
			app->pal->bg, DC_CENTER, 0);
	}
	dc_text_wrapped(app->dc, f, text, x - w / 2 + pad + mw, y - h / 2 + pad / 2, maxw,
			PILL_LINES, app->pal->text);
	if (box)
		*box = (struct vm_box){x - w / 2, y - h / 2, w, h};
	return h;
}

/* The first free place for a w x h box centred on one of `at` (in order),
 * else on rings around `anchor`, nearest first; with host >= 0 the box
 * must also lie nearer that host than any other. False when the panel has
 * no room left: the caller leaves the text out rather than cover another. */
bool topo_spot(const struct view_app *app, const SDL_FPoint *at, size_t n, float w, float h,
	       int host, SDL_FPoint anchor, SDL_FPoint *out)
{
	for (size_t k = 0; k < n; k++) {
		struct vm_box b = {at[k].x - w / 2, at[k].y - h / 2, w, h};
		if (topo_free(app, b) && (host < 0 || topo_near(app, b, host))) {
			*out = at[k];
			return true;
		}
	}
	float step = fmaxf(h * 0.5f, 4);
	for (int ring = 1; ring <= 16; ring++) {
		int nang = 8 + 4 * ring;
		for (int a = 0; a < nang; a++) {
			/* start straight up, alternate sides */
			float ang = (float)((a + 1) / 2) * (a % 2 ? 1.f : -1.f) * 6.2831853f / (float)nang;
			SDL_FPoint c = {anchor.x + sinf(ang) * step * (float)ring * 1.6f,
					anchor.y - cosf(ang) * step * (float)ring};
			struct vm_box b = {c.x - w / 2, c.y - h / 2, w, h};
			if (topo_free(app, b) && (host < 0 || topo_near(app, b, host))) {
				*out = c;
				return true;
			}
		}
	}
	return false;
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
		snprintf(out, n, "%s · %s", msg->id, tm_bubble(e));
	else
		snprintf(out, n, "%s", tm_bubble(e));
}

static const char *topo_mark(const struct tm_event *e)
{
	return e->kind == TM_DNS_QUERY ? "?" : e->kind == TM_DNS_ANSWER ? "!" : NULL;
}

/* Where the travelling item's label goes: above it, below it, then
 * further off, the first place where it covers nothing already drawn. */
static bool topo_label_spot(struct view_app *app, float x, float y, float lift, float w,
			    float h, SDL_FPoint *out)
{
	const SDL_FPoint at[] = {{x, y - lift}, {x, y + lift}, {x, y - lift - h * 1.2f},
				 {x, y + lift + h * 1.2f}};

	return topo_spot(app, at, sizeof at / sizeof at[0], w, h, -1, (SDL_FPoint){x, y}, out);
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
	float maxw = (float)app->panels.topo.w * 0.45f, w, h;
	SDL_FPoint at;
	topo_pill_size(app, label, maxw, DC_MONO, topo_mark(e), &w, &h);
	if (!topo_label_spot(app, x, y, lift, w, h, &at))
		return; /* no room: the ladder and the list say it in words */
	dc_line(app->dc, x, y, at.x, at.y, 1.5f, col);
	topo_pill(app, at.x, at.y, label, col, maxw, DC_MONO, topo_mark(e), NULL);
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
 * else beside — the first free place near it. Centres are returned. */
static bool topo_pill_place(struct view_app *app, const struct vm_topo_geom *g, int host,
			    float w, float h, SDL_FPoint *out)
{
	SDL_FPoint c = topo_pos(app, g, host);
	float r = g->icon * 0.62f, lh = (float)dc_line_h(app->dc, DC_SMALL);
	const SDL_FPoint at[] = {
		{c.x, c.y - r - h * 0.7f}, {c.x, c.y - r - h * 1.9f},
		{c.x + r + w / 2 + 4, c.y}, {c.x - r - w / 2 - 4, c.y},
		{c.x, c.y + g->icon * 0.5f + 3.4f * lh},
	};
	return topo_spot(app, at, sizeof at / sizeof at[0], w, h, host, c, out);
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
	const char *label = tm_summary(e)[0] ? tm_summary(e) : tm_kind_name(e);
	float maxw = (float)app->panels.topo.w * 0.4f, w, h;
	SDL_FPoint at;
	/* no room for words: the ring around the host is the decision's mark */
	struct vm_box box = {c.x - g->icon * 0.62f, c.y - g->icon * 0.62f, g->icon * 1.24f,
			     g->icon * 1.24f};
	topo_pill_size(app, label, maxw, DC_SMALL, NULL, &w, &h);
	if (topo_pill_place(app, g, e->node, w, h, &at))
		topo_pill(app, at.x, at.y, label, col, maxw, DC_SMALL, NULL, &box);
	if (decision)
		hits_add(&app->cx.hits, box.x, box.y, box.w, box.h, HIT_DECISION,
			 pb_cursor(&app->pb, app->tmap));
	struct vm_decision *d = vm_decision_for(&app->frame, (size_t)pb_cursor(&app->pb, app->tmap),
						true);
	if (d)
		d->box = box;
}

/* The link the cursor event travels on, or -1. */
static long topo_hot_link(const struct view_app *app, const struct tm_event *e)
{
	for (size_t i = 0; i < app->nlinks; i++)
		if (topo_is_hot(e, &app->links[i]))
			return (long)i;
	return -1;
}

/* What changes only with the layout and the hot link: the panel, the
 * organisations' boxes, the links, the hosts with their labels and "the
 * Internet". From the frame cache when it holds them: then the same code
 * runs dry (texts and click targets recorded, nothing drawn) and the kept
 * pixels are copied. */
static void topo_static(struct view_app *app, const struct vm_topo_geom *g,
			const struct tm_event *e)
{
	struct fc_layer_key key = {FC_TOPO, app->frame.layout_gen, app->pal, app->projector,
				   app->panels.topo, topo_hot_link(app, e)};
	struct fc_layer *l = fc_begin(app->fc, app->dc, &key);

	scene_panel(&app->cx, &app->panels.topo, "Network");
	topo_groups(app, g);
	topo_links(app, g, e);
	topo_hosts(app, g);
	topo_internet(app);
	fc_end(app->fc, app->dc, &key, l);
}

void scene_topo(struct view_app *app)
{
	struct vm_topo_geom g = app->frame.geom;
	const struct tm_event *e = topo_cursor_event(app);

	topo_static(app, &g, e);
	if (app->frame.aggregate)
		topo_counts(app, &g);
	else
		topo_parked(app, &g);
	topo_badges(app, &g);
	if (!e || e->node < 0)
		return;
	for (size_t i = 0; i < app->frame.nmoving; i++)
		topo_travel(app, &g, &app->frame.moving[i]);
	if (app->frame.nmoving == 0 && e->kind != TM_NARRATE)
		topo_at_host(app, &g, e);
}
