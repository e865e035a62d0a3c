/* draw.c — fonts and cached text (see draw.h); shapes are in
 * draw_shapes.c.
 *
 * The cache is direct-mapped: a string hashes to one slot and evicts what
 * was there. A frame draws a few hundred strings, almost all the same as
 * the frame before, so this keeps text to a texture copy per string. */
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#define DC_CACHE_SLOTS 2048
#define DC_MEASURE_SLOTS 4096

/* A measured width: the panels measure the same strings every frame
 * (wrapping, pills, placement), and shaping them is not free. */
struct dc_measure_slot {
	uint64_t hash;
	char *s;            /* owned; NULL when the slot is empty */
	int font, w;
};

struct dc_text_slot {
	uint64_t hash;
	char *s;            /* owned; the requested (unelided) string */
	char *shown;        /* owned; the string as drawn (maybe elided) */
	int font, maxw;
	uint32_t rgba;
	SDL_Texture *tex;   /* owned; NULL when the slot is empty */
	int w, h;
};

static const struct {
	const char *file;
	int pct; /* size relative to the base */
} dc_faces[DC_FONT_COUNT] = {
	[DC_SANS] = {"DejaVuSans.ttf", 100},
	[DC_BOLD] = {"DejaVuSans-Bold.ttf", 100},
	[DC_MONO] = {"DejaVuSansMono.ttf", 95},
	[DC_SMALL] = {"DejaVuSans.ttf", 80},
	[DC_SMALL_BOLD] = {"DejaVuSans-Bold.ttf", 80},
	[DC_SMALL_MONO] = {"DejaVuSansMono.ttf", 78},
	[DC_CAPTION] = {"DejaVuSans.ttf", 130},
	[DC_TITLE] = {"DejaVuSans-Bold.ttf", 125},
};

#ifdef MAILSIM_ASSET_DIR
static bool dc_file_exists(const char *dir, const char *rel)
{
	struct stat st;
	char *path = xasprintf("%s/%s", dir, rel);
	bool ok = stat(path, &st) == 0;

	free(path);
	return ok;
}
#endif

char *dc_asset_dir(void)
{
	const char *env = getenv("MAILSIM_ASSET_DIR");

	if (env && *env)
		return xstrdup(env);
#ifdef MAILSIM_ASSET_DIR
	if (dc_file_exists(MAILSIM_ASSET_DIR, "fonts/DejaVuSans.ttf"))
		return xstrdup(MAILSIM_ASSET_DIR);
#endif
	return xstrdup("assets");
}

struct dc *dc_new(SDL_Renderer *r)
{
	struct dc *dc = xcalloc(1, sizeof *dc);

	dc->r = r;
	dc->asset_dir = dc_asset_dir();
	dc->cache = xcalloc(DC_CACHE_SLOTS, sizeof *dc->cache);
	dc->widths = xcalloc(DC_MEASURE_SLOTS, sizeof *dc->widths);
	SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
	return dc;
}

static void dc_cache_clear(struct dc *dc)
{
	for (size_t i = 0; i < DC_CACHE_SLOTS; i++) {
		struct dc_text_slot *s = &dc->cache[i];
		if (s->tex)
			SDL_DestroyTexture(s->tex);
		free(s->s);
		free(s->shown);
		*s = (struct dc_text_slot){0};
	}
}

static void dc_widths_clear(struct dc *dc)
{
	for (size_t i = 0; i < DC_MEASURE_SLOTS; i++) {
		free(dc->widths[i].s);
		dc->widths[i] = (struct dc_measure_slot){0};
	}
}

static void dc_close_fonts(struct dc *dc)
{
	for (int f = 0; f < DC_FONT_COUNT; f++) {
		if (dc->font[f])
			TTF_CloseFont(dc->font[f]);
		dc->font[f] = NULL;
	}
}

void dc_free(struct dc *dc)
{
	if (!dc)
		return;
	dc_cache_clear(dc);
	dc_widths_clear(dc);
	dc_tiles_free(dc);
	dc_close_fonts(dc);
	free(dc->cache);
	free(dc->widths);
	free(dc->asset_dir);
	free(dc);
}

bool dc_set_px(struct dc *dc, int px, int min_px, char *err, size_t errsz)
{
	if (px == dc->px && min_px == dc->min_px && dc->font[0])
		return true;
	dc_cache_clear(dc);
	dc_widths_clear(dc);
	dc_close_fonts(dc);
	for (int f = 0; f < DC_FONT_COUNT; f++) {
		char *path = xasprintf("%s/fonts/%s", dc->asset_dir, dc_faces[f].file);
		int size = px * dc_faces[f].pct / 100;
		size = size < min_px ? min_px : size < 6 ? 6 : size;
		dc->font[f] = TTF_OpenFont(path, size);
		if (!dc->font[f]) {
			snprintf(err, errsz, "cannot open font %s: %s (set MAILSIM_ASSET_DIR)",
				 path, TTF_GetError());
			free(path);
			dc_close_fonts(dc);
			return false;
		}
		free(path);
		dc->line_h[f] = TTF_FontLineSkip(dc->font[f]);
		dc->em[f] = size;
	}
	dc->px = px;
	dc->min_px = min_px;
	return true;
}

int dc_line_h(const struct dc *dc, enum dc_font f)
{
	return dc->line_h[f];
}

static uint64_t dc_hash(int font, uint32_t rgba, int maxw, const char *s);

int dc_text_w(struct dc *dc, enum dc_font f, const char *s)
{
	int w = 0;

	if (!s || !*s)
		return 0;
	uint64_t h = dc_hash((int)f, 0, -1, s);
	struct dc_measure_slot *slot = &dc->widths[h % DC_MEASURE_SLOTS];
	if (slot->s && slot->hash == h && slot->font == (int)f && strcmp(slot->s, s) == 0)
		return slot->w;
	TTF_SizeUTF8(dc->font[f], s, &w, NULL);
	free(slot->s);
	*slot = (struct dc_measure_slot){h, xstrdup(s), (int)f, w};
	return w;
}

/* The longest prefix of s (whole UTF-8 characters) that fits in maxw with
 * "…" after it. */
static char *dc_elide(TTF_Font *font, const char *s, int maxw)
{
	size_t n = strlen(s), lo = 0, hi = n;
	int w = 0;
	char *buf = xmalloc(n + 4);

	TTF_SizeUTF8(font, s, &w, NULL);
	if (w <= maxw) {
		memcpy(buf, s, n + 1);
		return buf;
	}
	while (lo < hi) { /* largest fitting byte length, then snap back */
		size_t mid = lo + (hi - lo + 1) / 2;
		memcpy(buf, s, mid);
		memcpy(buf + mid, "…", 4);
		TTF_SizeUTF8(font, buf, &w, NULL);
		if (w <= maxw)
			lo = mid;
		else
			hi = mid - 1;
	}
	while (lo > 0 && ((unsigned char)s[lo] & 0xc0) == 0x80)
		lo--;
	memcpy(buf, s, lo);
	memcpy(buf + lo, "…", 4);
	return buf;
}

static uint64_t dc_hash(int font, uint32_t rgba, int maxw, const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	h = (h ^ (uint64_t)font) * 1099511628211ULL;
	h = (h ^ rgba) * 1099511628211ULL;
	h = (h ^ (uint64_t)(uint32_t)maxw) * 1099511628211ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool dc_slot_render(struct dc *dc, struct dc_text_slot *slot, enum dc_font f,
			   const char *s, SDL_Color c, int maxw)
{
	char *text = maxw > 0 ? dc_elide(dc->font[f], s, maxw) : xstrdup(s);
	SDL_Surface *surf = TTF_RenderUTF8_Blended(dc->font[f], text, c);

	slot->shown = text;
	if (!surf)
		return false;
	slot->tex = SDL_CreateTextureFromSurface(dc->r, surf);
	slot->w = surf->w;
	slot->h = surf->h;
	SDL_FreeSurface(surf);
	return slot->tex != NULL;
}

static struct dc_text_slot *dc_text_get(struct dc *dc, enum dc_font f, const char *s,
					SDL_Color c, int maxw)
{
	uint32_t rgba = (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
	uint64_t h = dc_hash((int)f, rgba, maxw, s);
	struct dc_text_slot *slot = &dc->cache[h % DC_CACHE_SLOTS];

	if (slot->tex && slot->hash == h && slot->font == (int)f && slot->rgba == rgba &&
	    slot->maxw == maxw && strcmp(slot->s, s) == 0)
		return slot;
	if (slot->tex)
		SDL_DestroyTexture(slot->tex);
	free(slot->s);
	free(slot->shown);
	*slot = (struct dc_text_slot){h, xstrdup(s), NULL, (int)f, maxw, rgba, NULL, 0, 0};
	return dc_slot_render(dc, slot, f, s, c, maxw) ? slot : NULL;
}

void dc_limit(struct dc *dc, const SDL_Rect *r)
{
	dc->limited = r != NULL;
	if (r)
		dc->limit = *r;
}

void dc_clip(struct dc *dc, const SDL_Rect *r)
{
	SDL_Rect both;

	if (dc->limited) {
		if (!r || !SDL_IntersectRect(r, &dc->limit, &both))
			both = r ? (SDL_Rect){dc->limit.x, dc->limit.y, 0, 0} : dc->limit;
		r = &both;
	}
	dc->clipped = r != NULL;
	if (r)
		dc->clip = *r;
	if (!dc->dry)
		SDL_RenderSetClipRect(dc->r, r);
}

/* The visible part of a text's box goes into the frame's description, with
 * the text as it reads on screen (elided or not). */
static void dc_record(struct dc *dc, enum dc_font f, const char *shown, SDL_FRect b)
{
	if (!dc->rec)
		return;
	if (dc->clipped) {
		float x0 = SDL_max(b.x, (float)dc->clip.x), y0 = SDL_max(b.y, (float)dc->clip.y);
		float x1 = SDL_min(b.x + b.w, (float)(dc->clip.x + dc->clip.w));
		float y1 = SDL_min(b.y + b.h, (float)(dc->clip.y + dc->clip.h));
		if (x1 - x0 < 1 || y1 - y0 < 1)
			return;
		b = (SDL_FRect){x0, y0, x1 - x0, y1 - y0};
	}
	vm_add_text(dc->rec, shown, (struct vm_box){b.x, b.y, b.w, b.h}, dc->em[f]);
}

/* Dry mode: the size the text would have, without a texture. */
static float dc_text_dry(struct dc *dc, enum dc_font f, const char *s, float x, float y,
			 enum dc_align a, float maxw)
{
	char *shown = maxw > 0 ? dc_elide(dc->font[f], s, (int)maxw) : xstrdup(s);
	int w = 0, h = 0;

	TTF_SizeUTF8(dc->font[f], shown, &w, &h);
	float left = a == DC_CENTER ? x - w / 2.0f : a == DC_RIGHT ? x - w : x;
	dc_record(dc, f, shown, (SDL_FRect){SDL_floorf(left), SDL_floorf(y), (float)w, (float)h});
	free(shown);
	return (float)w;
}

float dc_text(struct dc *dc, enum dc_font f, const char *s, float x, float y,
	      SDL_Color c, enum dc_align a, float maxw)
{
	if (!s || !*s || (maxw > 0 && maxw < 4))
		return 0;
	if (dc->dry)
		return dc_text_dry(dc, f, s, x, y, a, maxw);
	struct dc_text_slot *slot = dc_text_get(dc, f, s, c, maxw > 0 ? (int)maxw : 0);
	if (!slot)
		return 0;
	float left = a == DC_CENTER ? x - slot->w / 2.0f : a == DC_RIGHT ? x - slot->w : x;
	SDL_FRect dst = {SDL_floorf(left), SDL_floorf(y), (float)slot->w, (float)slot->h};
	SDL_RenderCopyF(dc->r, slot->tex, NULL, &dst);
	dc_record(dc, f, slot->shown, dst);
	return (float)slot->w;
}

/* Length of the longest run of whole words from s that fits in maxw. */
static size_t dc_wrap_len(struct dc *dc, enum dc_font f, const char *s, float maxw)
{
	size_t best = 0, n = strlen(s);
	char *buf = xmalloc(n + 1);

	for (size_t i = 0; i <= n; i++) {
		if (s[i] != ' ' && s[i] != '\0')
			continue;
		memcpy(buf, s, i);
		buf[i] = '\0';
		if (best > 0 && dc_text_w(dc, f, buf) > maxw)
			break;
		best = i;
	}
	free(buf);
	return best ? best : n; /* one over-long word: elided by the caller */
}

/* The next line of s wrapped at maxw into line (the last allowed line takes
 * the rest, elided when drawn); *s moves past it and the spaces after.
 * False when nothing is left or max_lines are used. */
static bool wrap_next(struct dc *dc, enum dc_font f, const char **s, float maxw, int lines,
		      int max_lines, char *line)
{
	if (!**s || lines >= max_lines)
		return false;
	size_t k = lines + 1 == max_lines ? strlen(*s) : dc_wrap_len(dc, f, *s, maxw);
	memcpy(line, *s, k);
	line[k] = '\0';
	*s += k;
	while (**s == ' ')
		(*s)++;
	return true;
}

int dc_wrap_measure(struct dc *dc, enum dc_font f, const char *s, float maxw, int max_lines,
		    float *w)
{
	int lines = 0;
	char *line = xmalloc(strlen(s) + 1);

	*w = 0;
	for (; wrap_next(dc, f, &s, maxw, lines, max_lines, line); lines++)
		*w = fmaxf(*w, fminf((float)dc_text_w(dc, f, line), maxw));
	free(line);
	return lines;
}

int dc_text_wrapped(struct dc *dc, enum dc_font f, const char *s, float x,
		    float y, float maxw, int max_lines, SDL_Color c)
{
	return dc_text_wrapped_at(dc, f, s, x, y, maxw, max_lines, c, DC_LEFT);
}

int dc_text_wrapped_at(struct dc *dc, enum dc_font f, const char *s, float x, float y,
		       float maxw, int max_lines, SDL_Color c, enum dc_align a)
{
	int lines = 0;
	char *line = xmalloc(strlen(s) + 1);

	for (; wrap_next(dc, f, &s, maxw, lines, max_lines, line); lines++)
		dc_text(dc, f, line, x, y + (float)(lines * dc->line_h[f]), c, a, maxw);
	free(line);
	return lines;
}
