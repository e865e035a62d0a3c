/* draw_shapes.c — filled shapes as triangle lists through
 * SDL_RenderGeometry, which every SDL renderer (the software one included)
 * supports, so thick lines and round shapes look the same everywhere.
 *
 * An opaque colour is drawn with blending off: blending with alpha 255
 * gives the same pixels, but SDL's software renderer blends pixel by pixel
 * while it fills an unblended shape with plain stores, several times
 * faster. */
#include "draw.h"

#include <math.h>

#define DC_MAX_PTS 64
#define DC_PI 3.14159265f

static SDL_Vertex dc_vtx(float x, float y, SDL_Color c)
{
	return (SDL_Vertex){{x, y}, c, {0, 0}};
}

/* Blending only for a colour that lets something through. */
static void dc_blend_for(struct dc *dc, SDL_Color c)
{
	SDL_SetRenderDrawBlendMode(dc->r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

SDL_Color dc_alpha(SDL_Color c, uint8_t a)
{
	c.a = a;
	return c;
}

void dc_clear(struct dc *dc, SDL_Color c)
{
	SDL_SetRenderDrawColor(dc->r, c.r, c.g, c.b, c.a);
	if (!dc->dry)
		SDL_RenderClear(dc->r);
}

void dc_fill_rect(struct dc *dc, float x, float y, float w, float h, SDL_Color c)
{
	SDL_FRect rect = {x, y, w, h};

	if (w <= 0 || h <= 0)
		return;
	SDL_SetRenderDrawColor(dc->r, c.r, c.g, c.b, c.a);
	dc_blend_for(dc, c);
	if (!dc->dry)
		SDL_RenderFillRectF(dc->r, &rect);
}

void dc_fill_rects(struct dc *dc, const SDL_FRect *r, size_t n, SDL_Color c)
{
	if (n == 0)
		return;
	SDL_SetRenderDrawColor(dc->r, c.r, c.g, c.b, c.a);
	dc_blend_for(dc, c);
	if (!dc->dry)
		SDL_RenderFillRectsF(dc->r, r, (int)n);
}

void dc_line(struct dc *dc, float x1, float y1, float x2, float y2, float th,
	     SDL_Color c)
{
	float dx = x2 - x1, dy = y2 - y1, len = sqrtf(dx * dx + dy * dy);

	if (len < 0.01f)
		return;
	float nx = -dy / len * th / 2, ny = dx / len * th / 2;
	SDL_Vertex v[6] = {
		dc_vtx(x1 + nx, y1 + ny, c), dc_vtx(x2 + nx, y2 + ny, c),
		dc_vtx(x2 - nx, y2 - ny, c), dc_vtx(x1 + nx, y1 + ny, c),
		dc_vtx(x2 - nx, y2 - ny, c), dc_vtx(x1 - nx, y1 - ny, c),
	};
	dc_blend_for(dc, c);
	if (!dc->dry)
		SDL_RenderGeometry(dc->r, NULL, v, 6, NULL, 0);
}

void dc_dashed(struct dc *dc, float x1, float y1, float x2, float y2, float th,
	       float dash, SDL_Color c)
{
	float dx = x2 - x1, dy = y2 - y1, len = sqrtf(dx * dx + dy * dy);

	if (len < 0.01f || dash < 1)
		return;
	for (float s = 0; s < len; s += 2 * dash) {
		float e = s + dash > len ? len : s + dash;
		dc_line(dc, x1 + dx * s / len, y1 + dy * s / len, x1 + dx * e / len,
			y1 + dy * e / len, th, c);
	}
}

void dc_arrow(struct dc *dc, float x1, float y1, float x2, float y2, float th,
	      float head, SDL_Color c)
{
	float dx = x2 - x1, dy = y2 - y1, len = sqrtf(dx * dx + dy * dy);

	if (len < 0.01f)
		return;
	float ux = dx / len, uy = dy / len;
	float bx = x2 - ux * head, by = y2 - uy * head;
	dc_line(dc, x1, y1, bx + ux, by + uy, th, c);
	SDL_FPoint tri[3] = {
		{x2, y2}, {bx - uy * head * 0.5f, by + ux * head * 0.5f},
		{bx + uy * head * 0.5f, by - ux * head * 0.5f},
	};
	dc_poly(dc, tri, 3, c);
}

void dc_poly(struct dc *dc, const SDL_FPoint *p, int n, SDL_Color c)
{
	SDL_Vertex v[3 * DC_MAX_PTS];
	int k = 0;

	if (n > DC_MAX_PTS)
		n = DC_MAX_PTS;
	for (int i = 1; i + 1 < n; i++) {
		v[k++] = dc_vtx(p[0].x, p[0].y, c);
		v[k++] = dc_vtx(p[i].x, p[i].y, c);
		v[k++] = dc_vtx(p[i + 1].x, p[i + 1].y, c);
	}
	dc_blend_for(dc, c);
	if (k > 0 && !dc->dry)
		SDL_RenderGeometry(dc->r, NULL, v, k, NULL, 0);
}

static int dc_segments(float r)
{
	int n = (int)(r * 0.9f);
	return n < 12 ? 12 : n > DC_MAX_PTS ? DC_MAX_PTS : n;
}

void dc_disc(struct dc *dc, float cx, float cy, float r, SDL_Color c)
{
	SDL_FPoint p[DC_MAX_PTS];
	int n = dc_segments(r);

	if (dc->dry || dc_tile_disc(dc, cx, cy, r, c))
		return;

	for (int i = 0; i < n; i++) {
		float a = 2 * DC_PI * i / n;
		p[i] = (SDL_FPoint){cx + r * cosf(a), cy + r * sinf(a)};
	}
	dc_poly(dc, p, n, c);
}

/* A closed band between two point loops of the same length. */
static void dc_band(struct dc *dc, const SDL_FPoint *outer, const SDL_FPoint *inner,
		    int n, SDL_Color c)
{
	SDL_Vertex v[6 * DC_MAX_PTS];
	int k = 0;

	for (int i = 0; i < n; i++) {
		int j = (i + 1) % n;
		v[k++] = dc_vtx(outer[i].x, outer[i].y, c);
		v[k++] = dc_vtx(outer[j].x, outer[j].y, c);
		v[k++] = dc_vtx(inner[j].x, inner[j].y, c);
		v[k++] = dc_vtx(outer[i].x, outer[i].y, c);
		v[k++] = dc_vtx(inner[j].x, inner[j].y, c);
		v[k++] = dc_vtx(inner[i].x, inner[i].y, c);
	}
	dc_blend_for(dc, c);
	if (!dc->dry)
		SDL_RenderGeometry(dc->r, NULL, v, k, NULL, 0);
}

void dc_ellipse_ring(struct dc *dc, float cx, float cy, float rx, float ry,
		     float th, SDL_Color c)
{
	SDL_FPoint out[DC_MAX_PTS], in[DC_MAX_PTS];
	int n = dc_segments(rx > ry ? rx : ry);

	for (int i = 0; i < n; i++) {
		float a = 2 * DC_PI * i / n, ca = cosf(a), sa = sinf(a);
		out[i] = (SDL_FPoint){cx + (rx + th / 2) * ca, cy + (ry + th / 2) * sa};
		in[i] = (SDL_FPoint){cx + fmaxf(rx - th / 2, 0) * ca,
				     cy + fmaxf(ry - th / 2, 0) * sa};
	}
	dc_band(dc, out, in, n, c);
}

/* Outline of a rounded rectangle: 4 corner arcs of 8 steps each. */
static int dc_round_path(float x, float y, float w, float h, float rad, SDL_FPoint *p)
{
	static const struct { int sx, sy; float a0; } corners[4] = {
		{1, 1, 0}, {0, 1, 90}, {0, 0, 180}, {1, 0, 270},
	};
	int n = 0;

	rad = fminf(rad, fminf(w, h) / 2);
	for (int c = 0; c < 4; c++) {
		float ccx = corners[c].sx ? x + w - rad : x + rad;
		float ccy = corners[c].sy ? y + h - rad : y + rad;
		for (int s = 0; s <= 7; s++) {
			float a = (corners[c].a0 + s * 90.0f / 7) * DC_PI / 180;
			p[n++] = (SDL_FPoint){ccx + rad * cosf(a), ccy + rad * sinf(a)};
		}
	}
	return n;
}

void dc_round_rect(struct dc *dc, float x, float y, float w, float h, float rad,
		   SDL_Color c)
{
	SDL_FPoint p[32];

	if (w <= 0 || h <= 0 || dc->dry || dc_tile_round_rect(dc, x, y, w, h, rad, c))
		return;
	dc_poly(dc, p, dc_round_path(x, y, w, h, rad, p), c);
}

void dc_round_frame(struct dc *dc, float x, float y, float w, float h, float rad,
		    float th, SDL_Color c)
{
	SDL_FPoint out[32], in[32];

	if (w <= 2 * th || h <= 2 * th || dc->dry || dc_tile_round_frame(dc, x, y, w, h, rad, th, c))
		return;
	int n = dc_round_path(x, y, w, h, rad, out);
	dc_round_path(x + th, y + th, w - 2 * th, h - 2 * th, fmaxf(rad - th, 0), in);
	dc_band(dc, out, in, n, c);
}

void dc_lock(struct dc *dc, float x, float y, float size, SDL_Color c)
{
	float bw = size * 0.8f, bh = size * 0.55f;
	float bx = x + (size - bw) / 2, by = y + size - bh;
	float th = fmaxf(size * 0.12f, 1.5f);

	dc_ellipse_ring(dc, x + size / 2, by, bw * 0.3f, size * 0.32f, th, c);
	dc_round_rect(dc, bx, by, bw, bh, size * 0.1f, c);
}
