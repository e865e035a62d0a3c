/* draw_tiles.c — rounded corners and discs as small cached textures.
 *
 * SDL's software renderer rasterises a triangle by testing every pixel of
 * its bounding box; a rounded box drawn as a fan of 30 thin triangles from
 * one point on its edge tests the box's whole area about 30 times. Here a
 * rounded box is three rectangles (plain stores) and four corners copied
 * from a texture of the shape's colour with its coverage in alpha (4x4
 * samples per pixel, so the arcs are anti-aliased). A texture holds the
 * four corners of one (radius, thickness, colour) in its four quadrants,
 * so every corner is a plain copy (no flipping, which the software
 * renderer does through temporary surfaces). A disc is one texture per
 * (radius, colour). The colour is in the pixels rather than applied by
 * colour modulation: the software renderer recomputes its blitter
 * whenever a surface's modulation turns on or off, which cost more than
 * the copy itself.
 *
 * Invariants: tiles are keyed by (kind, radius and thickness in quarter
 * pixels, side, colour) in DC_TILES direct-mapped slots (a new key evicts
 * the one in its slot); they belong to dc->r and go with dc_free. */
#include "draw.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

#define DC_TILES 512 /* direct-mapped slots */
#define DC_SUB 4 /* samples per pixel side */

enum dc_tile_kind { DC_TILE_CORNER, DC_TILE_RING, DC_TILE_DISC };

struct dc_tile {
	enum dc_tile_kind kind;
	int rq, tq;        /* radius and thickness in quarter pixels */
	int side;          /* a corner's side, or the disc's diameter, in pixels */
	uint32_t rgba;     /* the colour */
	SDL_Texture *tex;  /* owned; NULL when the slot is empty */
};

void dc_tiles_free(struct dc *dc)
{
	if (!dc->tiles)
		return;
	for (size_t i = 0; i < DC_TILES; i++)
		if (dc->tiles[i].tex)
			SDL_DestroyTexture(dc->tiles[i].tex);
	free(dc->tiles);
	dc->tiles = NULL;
}

/* Is (px, py) inside a box whose top-left corner is at (o, o), extending
 * right and down without end, with corners rounded to radius r? */
static bool dc_in_corner(float px, float py, float o, float r)
{
	float c = o + r;

	if (px < o || py < o)
		return false;
	if (px >= c || py >= c)
		return true;
	return (px - c) * (px - c) + (py - c) * (py - c) <= r * r;
}

/* Is pixel (i, j) further than half its diagonal from every arc? Then
 * one sample tells its coverage. The arcs are concentric (a disc's
 * centre, or the corner's at (r, r)) and every straight edge lies on
 * pixel boundaries. */
static bool dc_tile_plain(const struct dc_tile *t, int i, int j, float r, float th)
{
	float c = t->kind == DC_TILE_DISC ? (float)t->side / 2 : r;
	float dx = (float)i + 0.5f - c, dy = (float)j + 0.5f - c, d = sqrtf(dx * dx + dy * dy);

	if (fabsf(d - r) < 0.75f)
		return false;
	return t->kind != DC_TILE_RING || r <= th || fabsf(d - (r - th)) >= 0.75f;
}

/* The coverage (0..DC_SUB^2) of pixel (i, j) of the top-left quadrant. */
static int dc_tile_hits(const struct dc_tile *t, int i, int j)
{
	float r = (float)t->rq / 4, th = (float)t->tq / 4;
	int hits = 0, sub = dc_tile_plain(t, i, j, r, th) ? 1 : DC_SUB;

	for (int sy = 0; sy < sub; sy++)
		for (int sx = 0; sx < sub; sx++) {
			float px = (float)i + ((float)sx + 0.5f) / (float)sub;
			float py = (float)j + ((float)sy + 0.5f) / (float)sub;
			bool in;
			if (t->kind == DC_TILE_DISC) {
				float c = (float)t->side / 2;
				in = (px - c) * (px - c) + (py - c) * (py - c) <= r * r;
			} else {
				in = dc_in_corner(px, py, 0, r);
				/* a ring: minus the inside box, inset by th, whose
				 * corner arc is concentric with the outer one */
				if (in && t->kind == DC_TILE_RING)
					in = !dc_in_corner(px, py, th, fmaxf(r - th, 0));
			}
			hits += in;
		}
	return sub == 1 ? hits * DC_SUB * DC_SUB : hits;
}

/* Make the tile's texture: for a corner, 2x2 quadrants of side `side`
 * (top-left as computed, the others mirrored); for a disc, side x side. */
static SDL_Texture *dc_tile_make(struct dc *dc, const struct dc_tile *t)
{
	int n = t->kind == DC_TILE_DISC ? t->side : 2 * t->side, q = t->side;
	uint32_t *px = xcalloc((size_t)n * (size_t)n, sizeof *px);
	uint32_t rgb = t->rgba >> 8, a = t->rgba & 0xFF;

	for (int j = 0; j < n; j++)
		for (int i = 0; i < n; i++) {
			int ii = i, jj = j;
			if (t->kind != DC_TILE_DISC) {
				ii = i < q ? i : n - 1 - i;
				jj = j < q ? j : n - 1 - j;
			}
			uint32_t cov = (uint32_t)dc_tile_hits(t, ii, jj);
			uint32_t alpha = (cov * a + DC_SUB * DC_SUB / 2) / (DC_SUB * DC_SUB);
			px[(size_t)j * (size_t)n + (size_t)i] = alpha << 24 | rgb;
		}
	SDL_Texture *tex = SDL_CreateTexture(dc->r, SDL_PIXELFORMAT_ARGB8888,
					     SDL_TEXTUREACCESS_STATIC, n, n);
	if (tex && (SDL_UpdateTexture(tex, NULL, px, n * 4) != 0 ||
		    SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND) != 0)) {
		SDL_DestroyTexture(tex);
		tex = NULL;
	}
	free(px);
	return tex;
}

/* The cached tile, made on first use; NULL when no texture can be made
 * (the caller then draws the shape as triangles). */
static const struct dc_tile *dc_tile(struct dc *dc, enum dc_tile_kind kind, int rq, int tq,
				     int side, SDL_Color c)
{
	uint32_t rgba = (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
	uint64_t h = ((uint64_t)rgba * 0x9E3779B97F4A7C15ull) ^
		     ((uint64_t)(unsigned)kind << 40 | (uint64_t)(unsigned)rq << 20 |
		      (uint64_t)(unsigned)tq) * 0xC2B2AE3D27D4EB4Full;

	if (!dc->tiles)
		dc->tiles = xcalloc(DC_TILES, sizeof *dc->tiles);
	struct dc_tile *slot = &dc->tiles[(h >> 32) % DC_TILES];
	if (slot->tex && slot->kind == kind && slot->rq == rq && slot->tq == tq &&
	    slot->side == side && slot->rgba == rgba)
		return slot;
	if (slot->tex)
		SDL_DestroyTexture(slot->tex);
	*slot = (struct dc_tile){kind, rq, tq, side, rgba, NULL};
	slot->tex = dc_tile_make(dc, slot);
	return slot->tex ? slot : NULL;
}

/* A box snapped to whole pixels, as the software renderer fills it. */
struct dc_ibox {
	int x0, y0, x1, y1;
};

static struct dc_ibox dc_snap(float x, float y, float w, float h)
{
	return (struct dc_ibox){(int)lroundf(x), (int)lroundf(y), (int)lroundf(x + w),
				(int)lroundf(y + h)};
}

/* The four corners of tile t (side k) at the box's corners. */
static void dc_corners(struct dc *dc, const struct dc_tile *t, struct dc_ibox b)
{
	int k = t->side;
	const SDL_Rect src[4] = {{0, 0, k, k}, {k, 0, k, k}, {0, k, k, k}, {k, k, k, k}};
	const SDL_Rect dst[4] = {{b.x0, b.y0, k, k}, {b.x1 - k, b.y0, k, k},
				 {b.x0, b.y1 - k, k, k}, {b.x1 - k, b.y1 - k, k, k}};

	for (int i = 0; i < 4; i++)
		SDL_RenderCopy(dc->r, t->tex, &src[i], &dst[i]);
}

/* The largest radius, in quarter pixels, whose corners fit the box. */
static int dc_fit_radius(struct dc_ibox b, float rad)
{
	int w = b.x1 - b.x0, h = b.y1 - b.y0, half = (w < h ? w : h) / 2;
	int rq = (int)lroundf(rad * 4);

	return rq < 0 ? 0 : rq > half * 4 ? half * 4 : rq;
}

bool dc_tile_round_rect(struct dc *dc, float x, float y, float w, float h, float rad,
			SDL_Color c)
{
	struct dc_ibox b = dc_snap(x, y, w, h);
	int bw = b.x1 - b.x0, bh = b.y1 - b.y0, rq = dc_fit_radius(b, rad), k = (rq + 3) / 4;

	if (bw <= 0 || bh <= 0)
		return true;
	const struct dc_tile *t = k > 0 ? dc_tile(dc, DC_TILE_CORNER, rq, 0, k, c) : NULL;
	if (k > 0 && !t)
		return false;
	SDL_FRect band[3];
	size_t n = 0;
	if (bw > 2 * k && k > 0) {
		band[n++] = (SDL_FRect){(float)(b.x0 + k), (float)b.y0, (float)(bw - 2 * k), (float)k};
		band[n++] = (SDL_FRect){(float)(b.x0 + k), (float)(b.y1 - k), (float)(bw - 2 * k),
					(float)k};
	}
	if (bh > 2 * k)
		band[n++] = (SDL_FRect){(float)b.x0, (float)(b.y0 + k), (float)bw, (float)(bh - 2 * k)};
	dc_fill_rects(dc, band, n, c);
	if (t)
		dc_corners(dc, t, b);
	return true;
}

bool dc_tile_round_frame(struct dc *dc, float x, float y, float w, float h, float rad,
			 float th, SDL_Color c)
{
	struct dc_ibox b = dc_snap(x, y, w, h);
	int bw = b.x1 - b.x0, bh = b.y1 - b.y0, t_px = (int)lroundf(th);

	t_px = t_px < 1 ? 1 : t_px;
	if (bw <= 2 * t_px || bh <= 2 * t_px)
		return true;
	int rq = dc_fit_radius(b, rad), k = (rq + 3) / 4;
	k = k > t_px ? k : t_px;
	const struct dc_tile *t = dc_tile(dc, DC_TILE_RING, rq, 4 * t_px, k, c);
	if (!t)
		return false;
	SDL_FRect edge[4];
	size_t n = 0;
	if (bw > 2 * k) {
		float ew = (float)(bw - 2 * k);
		edge[n++] = (SDL_FRect){(float)(b.x0 + k), (float)b.y0, ew, (float)t_px};
		edge[n++] = (SDL_FRect){(float)(b.x0 + k), (float)(b.y1 - t_px), ew, (float)t_px};
	}
	if (bh > 2 * k) {
		float eh = (float)(bh - 2 * k);
		edge[n++] = (SDL_FRect){(float)b.x0, (float)(b.y0 + k), (float)t_px, eh};
		edge[n++] = (SDL_FRect){(float)(b.x1 - t_px), (float)(b.y0 + k), (float)t_px, eh};
	}
	dc_fill_rects(dc, edge, n, c);
	dc_corners(dc, t, b);
	return true;
}

bool dc_tile_disc(struct dc *dc, float cx, float cy, float r, SDL_Color c)
{
	int rq = (int)lroundf(r * 4);
	int side = (int)ceilf((float)rq / 2);

	if (rq <= 0)
		return true;
	const struct dc_tile *t = dc_tile(dc, DC_TILE_DISC, rq, 0, side, c);
	if (!t)
		return false;
	SDL_Rect dst = {(int)lroundf(cx - (float)side / 2), (int)lroundf(cy - (float)side / 2), side,
			side};
	SDL_RenderCopy(dc->r, t->tex, NULL, &dst);
	return true;
}
