/* scene_counts.c — the network panel of a trace with many messages
 * (vm_traffic.h): beside each host, how many messages rest there
 * ("1,234 queued", "8,000 in mailboxes"), and on each link, per
 * direction, how many it has carried and how many are in flight
 * ("1,234 msgs · 2 in flight", with an arrow the way they go). The cursor event's own item still travels as one envelope. */
#include "scene_topo.h"

#include <math.h>
#include <stdio.h>

static SDL_Color counts_color(const struct pal *p, enum snap_place_kind k)
{
	return k == PLACE_QUEUE ? p->accent : k == PLACE_OUTBOX ? p->envelope : p->text_dim;
}

/* One count pill centred near the host: beside the icon on the side with
 * room, going down, else the first free place around it. */
static float counts_pill(struct view_app *app, const struct vm_topo_geom *g,
			 const struct vm_count *c, float y)
{
	char num[32], text[64];
	float maxw = (float)app->panels.topo.w * 0.3f, w, h;
	SDL_FPoint p = topo_pos(app, g, c->host), at;

	vmt_fmt_count(c->n, num, sizeof num);
	snprintf(text, sizeof text, "%s %s", num, vmt_place_words(c->place));
	topo_pill_size(app, text, maxw, DC_SMALL, NULL, &w, &h);
	float r = g->icon * 0.55f;
	const SDL_FPoint spots[] = {{p.x - r - w / 2 - 4, y}, {p.x + r + w / 2 + 4, y},
				    {p.x, p.y + g->icon * 0.5f + h}};
	if (!topo_spot(app, spots, sizeof spots / sizeof spots[0], w, h, c->host, p, &at))
		return 0; /* no room: the host's inspector lists its queue */
	struct vm_box box;
	topo_pill(app, at.x, at.y, text, counts_color(app->pal, c->place), maxw, DC_SMALL, NULL,
		  &box);
	hits_add(&app->cx.hits, box.x, box.y, box.w, box.h, HIT_HOST, c->host);
	return h + 2;
}

/* The counts of one link direction, a little way from the sender so the
 * two directions do not meet; the arrow is bright while some are in
 * flight. */
static void counts_flow(struct view_app *app, const struct vm_topo_geom *g,
			const struct vm_flow *fl)
{
	SDL_FPoint a = topo_pos(app, g, fl->from), b = topo_pos(app, g, fl->to);
	float dx = b.x - a.x, dy = b.y - a.y, len = sqrtf(dx * dx + dy * dy);
	char num[32], fly[32], text[96];

	if (len < 1)
		return;
	float ux = dx / len, uy = dy / len, s = g->icon * 0.3f;
	SDL_FPoint m = {a.x + dx * 0.36f, a.y + dy * 0.36f}, at;
	SDL_Color col = fl->n ? app->pal->link_hot : app->pal->text_dim;
	dc_arrow(app->dc, m.x - ux * s, m.y - uy * s, m.x + ux * s, m.y + uy * s,
		 fmaxf((float)app->fs * 0.2f, 2), s * 0.8f, col);
	vmt_fmt_count(fl->carried, num, sizeof num);
	vmt_fmt_count(fl->n, fly, sizeof fly);
	if (fl->n)
		snprintf(text, sizeof text, "%s msg%s · %s in flight", num, fl->carried == 1 ? "" : "s",
			 fly);
	else
		snprintf(text, sizeof text, "%s msg%s", num, fl->carried == 1 ? "" : "s");
	float maxw = (float)app->panels.topo.w * 0.3f, w, h;
	topo_pill_size(app, text, maxw, DC_SMALL, NULL, &w, &h);
	/* beside the arrow, across the link from the other direction's */
	float off = h * 0.9f;
	const SDL_FPoint spots[] = {{m.x - uy * off, m.y + ux * off}, {m.x + uy * off, m.y - ux * off}};
	if (topo_spot(app, spots, 2, w, h, -1, m, &at))
		topo_pill(app, at.x, at.y, text, col, maxw, DC_SMALL, NULL, NULL);
}

void topo_counts(struct view_app *app, const struct vm_topo_geom *g)
{
	const struct vm_traffic *t = &app->frame.traffic;

	for (size_t h = 0; h < app->model->nnodes; h++) {
		SDL_FPoint c = topo_pos(app, g, (int)h);
		float y = c.y - g->icon * 0.3f;
		for (size_t i = 0; i < t->ncounts; i++)
			if (t->counts[i].host == (int)h)
				y += counts_pill(app, g, &t->counts[i], y);
	}
	for (size_t i = 0; i < t->nflows; i++)
		counts_flow(app, g, &t->flows[i]);
}
