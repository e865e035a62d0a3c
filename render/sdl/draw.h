/* draw.h — drawing primitives over an SDL_Renderer: fonts, cached text,
 * thick lines, discs, rounded boxes, arrows. The scene code draws only
 * through these, so a headless software renderer and a window produce the
 * same pixels.
 *
 * Invariants: coordinates are renderer pixels (floats); colours are
 * straight RGBA with alpha blending on; text textures are cached by
 * (font, colour, width limit, string) and freed with the context or when
 * the font size changes; text widths likewise by (font, string). */
#ifndef MAILSIM_DRAW_H
#define MAILSIM_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "vmodel.h"

enum dc_font { DC_SANS, DC_BOLD, DC_MONO, DC_SMALL, DC_SMALL_BOLD, DC_SMALL_MONO,
	       DC_CAPTION, DC_TITLE, DC_FONT_COUNT };

enum dc_align { DC_LEFT, DC_CENTER, DC_RIGHT };

struct dc_text_slot;
struct dc_measure_slot;
struct dc_tile;

struct dc {
	SDL_Renderer *r;                /* borrowed */
	TTF_Font *font[DC_FONT_COUNT];  /* owned; NULL until dc_set_px */
	int line_h[DC_FONT_COUNT];
	int px;                         /* base text size in pixels */
	int min_px;                     /* no font is smaller */
	int em[DC_FONT_COUNT];          /* each font's size (em height) in pixels */
	struct vm_frame *rec;           /* borrowed; texts drawn are recorded here */
	bool dry;                       /* measure and record only, draw nothing */
	bool clipped;
	SDL_Rect clip;                  /* the clip rectangle when clipped */
	bool limited;
	SDL_Rect limit;                 /* when limited, every clip is kept inside it */
	char *asset_dir;                /* owned */
	struct dc_text_slot *cache;     /* owned; DC_CACHE_SLOTS entries */
	struct dc_measure_slot *widths; /* owned; DC_MEASURE_SLOTS text widths */
	struct dc_tile *tiles;          /* owned; corner and disc textures (draw_tiles.c) */
};

/* Locate the assets: $MAILSIM_ASSET_DIR, else the build's
 * MAILSIM_ASSET_DIR when its fonts exist, else ./assets. Owned result. */
char *dc_asset_dir(void);

struct dc *dc_new(SDL_Renderer *r);
void dc_free(struct dc *dc);
/* (Re)open the fonts for a base size, none smaller than min_px; false
 * with a message in err. */
bool dc_set_px(struct dc *dc, int px, int min_px, char *err, size_t errsz);

/* Draw s with its top at y, aligned on x; elided with "…" to maxw pixels
 * when maxw > 0. Returns the drawn width. */
float dc_text(struct dc *dc, enum dc_font f, const char *s, float x, float y,
	      SDL_Color c, enum dc_align a, float maxw);
int dc_text_w(struct dc *dc, enum dc_font f, const char *s);
int dc_line_h(const struct dc *dc, enum dc_font f);
/* Draw s wrapped to maxw, at most max_lines lines (the last one elided);
 * returns the number of lines drawn. */
int dc_text_wrapped(struct dc *dc, enum dc_font f, const char *s, float x,
		    float y, float maxw, int max_lines, SDL_Color c);

/* The lines s takes wrapped to maxw (at most max_lines) and the widest
 * line's width, as dc_text_wrapped would draw it. */
int dc_wrap_measure(struct dc *dc, enum dc_font f, const char *s, float maxw, int max_lines,
		    float *w);

/* Clip drawing (and recorded text boxes) to r; NULL: no clip. */
void dc_clip(struct dc *dc, const SDL_Rect *r);
/* Keep every later clip inside r (NULL: no more limit), e.g. to draw a
 * panel again over part of itself; applies from the next dc_clip. */
void dc_limit(struct dc *dc, const SDL_Rect *r);

/* The same, each line aligned on x. */
int dc_text_wrapped_at(struct dc *dc, enum dc_font f, const char *s, float x, float y,
		       float maxw, int max_lines, SDL_Color c, enum dc_align a);

void dc_clear(struct dc *dc, SDL_Color c);
void dc_fill_rect(struct dc *dc, float x, float y, float w, float h, SDL_Color c);
/* n rectangles of one colour in one call (the same pixels as n calls of
 * dc_fill_rect in that order, with far less overhead per rectangle). */
void dc_fill_rects(struct dc *dc, const SDL_FRect *r, size_t n, SDL_Color c);
void dc_line(struct dc *dc, float x1, float y1, float x2, float y2, float th,
	     SDL_Color c);
void dc_dashed(struct dc *dc, float x1, float y1, float x2, float y2, float th,
	       float dash, SDL_Color c);
/* A line ending in a filled head of length `head` at (x2, y2). */
void dc_arrow(struct dc *dc, float x1, float y1, float x2, float y2, float th,
	      float head, SDL_Color c);
/* Convex polygon, points in order. n <= 64. */
void dc_poly(struct dc *dc, const SDL_FPoint *p, int n, SDL_Color c);
void dc_disc(struct dc *dc, float cx, float cy, float r, SDL_Color c);
void dc_ellipse_ring(struct dc *dc, float cx, float cy, float rx, float ry,
		     float th, SDL_Color c);
void dc_round_rect(struct dc *dc, float x, float y, float w, float h, float rad,
		   SDL_Color c);
void dc_round_frame(struct dc *dc, float x, float y, float w, float h, float rad,
		    float th, SDL_Color c);
/* A small padlock, the mark of a TLS-protected line. */
void dc_lock(struct dc *dc, float x, float y, float size, SDL_Color c);

SDL_Color dc_alpha(SDL_Color c, uint8_t a);

/* draw_tiles.c: the same shapes as rectangles and cached anti-aliased
 * corner textures, snapped to whole pixels; false when no texture can be
 * made (then draw them as triangles). Not in dry mode. */
bool dc_tile_round_rect(struct dc *dc, float x, float y, float w, float h, float rad,
			SDL_Color c);
bool dc_tile_round_frame(struct dc *dc, float x, float y, float w, float h, float rad,
			 float th, SDL_Color c);
bool dc_tile_disc(struct dc *dc, float cx, float cy, float r, SDL_Color c);
void dc_tiles_free(struct dc *dc);

#endif
