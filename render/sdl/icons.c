/* icons.c — see icons.h. Each icon is a handful of shapes in a unit square
 * scaled by `size`; the table at the bottom picks one per role. */
#include "icons.h"

#include <math.h>

/* Geometry helper: a point of the icon's square, u and v in -0.5..0.5. */
struct icon_box {
	float cx, cy, s, th;
};

static float ix(const struct icon_box *b, float u)
{
	return b->cx + u * b->s;
}

static float iy(const struct icon_box *b, float v)
{
	return b->cy + v * b->s;
}

static void icon_laptop(struct dc *dc, const struct icon_box *b,
			const struct icon_colors *c)
{
	float x = ix(b, -0.38f), y = iy(b, -0.36f), w = 0.76f * b->s, h = 0.52f * b->s;

	dc_round_rect(dc, x, y, w, h, b->s * 0.05f, c->fill);
	dc_round_frame(dc, x, y, w, h, b->s * 0.05f, b->th, c->line);
	dc_fill_rect(dc, x + 2 * b->th, y + 2 * b->th, w - 4 * b->th, h - 4 * b->th,
		     c->detail);
	SDL_FPoint base[4] = {
		{ix(b, -0.44f), iy(b, 0.2f)}, {ix(b, 0.44f), iy(b, 0.2f)},
		{ix(b, 0.5f), iy(b, 0.3f)}, {ix(b, -0.5f), iy(b, 0.3f)},
	};
	dc_poly(dc, base, 4, c->line);
}

static void icon_server(struct dc *dc, const struct icon_box *b,
			const struct icon_colors *c)
{
	for (int k = 0; k < 3; k++) {
		float x = ix(b, -0.34f), y = iy(b, -0.42f + k * 0.28f);
		float w = 0.68f * b->s, h = 0.24f * b->s;
		dc_round_rect(dc, x, y, w, h, b->s * 0.04f, c->fill);
		dc_round_frame(dc, x, y, w, h, b->s * 0.04f, b->th, c->line);
		dc_disc(dc, x + w * 0.14f, y + h / 2, b->s * 0.035f, c->detail);
		dc_line(dc, x + w * 0.4f, y + h / 2, x + w * 0.85f, y + h / 2, b->th,
			c->line);
	}
}

static void icon_globe(struct dc *dc, const struct icon_box *b,
		       const struct icon_colors *c)
{
	float r = 0.4f * b->s;

	dc_disc(dc, b->cx, b->cy, r, c->fill);
	dc_ellipse_ring(dc, b->cx, b->cy, r * 0.45f, r, b->th * 0.8f, c->detail);
	dc_line(dc, b->cx - r, b->cy, b->cx + r, b->cy, b->th * 0.8f, c->detail);
	for (int k = -1; k <= 1; k += 2) {
		float y = b->cy + k * r * 0.5f, half = r * 0.866f;
		dc_line(dc, b->cx - half, y, b->cx + half, y, b->th * 0.8f, c->detail);
	}
	dc_line(dc, b->cx, b->cy - r, b->cx, b->cy + r, b->th * 0.8f, c->detail);
	dc_ellipse_ring(dc, b->cx, b->cy, r, r, b->th, c->line);
}

static void icon_funnel(struct dc *dc, const struct icon_box *b,
			const struct icon_colors *c)
{
	SDL_FPoint cone[4] = {
		{ix(b, -0.42f), iy(b, -0.36f)}, {ix(b, 0.42f), iy(b, -0.36f)},
		{ix(b, 0.08f), iy(b, 0.08f)}, {ix(b, -0.08f), iy(b, 0.08f)},
	};
	dc_poly(dc, cone, 4, c->fill);
	for (int i = 0; i < 4; i++)
		dc_line(dc, cone[i].x, cone[i].y, cone[(i + 1) % 4].x, cone[(i + 1) % 4].y,
			b->th, c->line);
	dc_fill_rect(dc, ix(b, -0.08f), iy(b, 0.08f), 0.16f * b->s, 0.3f * b->s, c->line);
	dc_disc(dc, b->cx, iy(b, 0.44f), b->s * 0.04f, c->detail);
}

static void icon_mailbox(struct dc *dc, const struct icon_box *b,
			 const struct icon_colors *c)
{
	float x = ix(b, -0.36f), w = 0.72f * b->s, r = 0.16f * b->s;
	float top = iy(b, -0.3f), bot = iy(b, 0.08f);

	dc_fill_rect(dc, ix(b, -0.05f), bot, 0.1f * b->s, 0.42f * b->s, c->line);
	dc_round_rect(dc, x, top, w, bot - top, r, c->fill);
	dc_round_frame(dc, x, top, w, bot - top, r, b->th, c->line);
	dc_line(dc, x + w * 0.3f, top + b->th, x + w * 0.3f, bot - b->th, b->th, c->line);
	/* the flag: up, as when there is mail */
	float fx = x + w * 0.78f;
	dc_line(dc, fx, iy(b, -0.05f), fx, iy(b, -0.46f), b->th, c->line);
	dc_fill_rect(dc, fx, iy(b, -0.46f), 0.16f * b->s, 0.1f * b->s, c->detail);
}

static void icon_other(struct dc *dc, const struct icon_box *b,
		       const struct icon_colors *c)
{
	float x = ix(b, -0.34f), y = iy(b, -0.34f), w = 0.68f * b->s;

	dc_round_rect(dc, x, y, w, w, b->s * 0.12f, c->fill);
	dc_round_frame(dc, x, y, w, w, b->s * 0.12f, b->th, c->line);
	dc_disc(dc, b->cx, b->cy, b->s * 0.08f, c->detail);
}

typedef void (*icon_fn)(struct dc *, const struct icon_box *, const struct icon_colors *);

static const icon_fn icon_by_role[LAY_ROLE_COUNT] = {
	[LAY_CLIENT] = icon_laptop, [LAY_MTA] = icon_server, [LAY_DNS] = icon_globe,
	[LAY_FILTER] = icon_funnel, [LAY_MAILBOX] = icon_mailbox,
	[LAY_OTHER] = icon_other,
};

void icon_draw(struct dc *dc, enum lay_role role, float cx, float cy, float size,
	       const struct icon_colors *c)
{
	struct icon_box b = {cx, cy, size, fmaxf(size * 0.045f, 1.5f)};

	icon_by_role[role < LAY_ROLE_COUNT ? role : LAY_OTHER](dc, &b, c);
}
