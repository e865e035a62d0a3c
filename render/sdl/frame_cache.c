/* frame_cache.c — layers and lists kept between frames (see
 * frame_cache.h). */
#include "frame_cache.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct frame_cache *fc_new(SDL_Renderer *r)
{
	struct frame_cache *fc = xcalloc(1, sizeof *fc);
	SDL_RendererInfo info;
	const char *off = getenv("MAILSIM_NO_FRAME_CACHE");

	fc->r = r;
	fc->enabled = r && SDL_GetRendererInfo(r, &info) == 0 &&
		      (info.flags & SDL_RENDERER_SOFTWARE) && !(off && *off && *off != '0');
	return fc;
}

void fc_drop(struct frame_cache *fc)
{
	for (size_t i = 0; i < FC_LAYERS; i++) {
		if (fc->layer[i].tex)
			SDL_DestroyTexture(fc->layer[i].tex);
		fc->layer[i] = (struct fc_layer){0};
	}
}

void fc_free(struct frame_cache *fc)
{
	if (!fc)
		return;
	fc_drop(fc);
	free(fc->ticks);
	free(fc);
}

static bool fc_key_eq(const struct fc_layer_key *a, const struct fc_layer_key *b)
{
	return a->panel == b->panel && a->layout_gen == b->layout_gen && a->pal == b->pal &&
	       a->projector == b->projector && a->state == b->state && a->rect.x == b->rect.x &&
	       a->rect.y == b->rect.y && a->rect.w == b->rect.w && a->rect.h == b->rect.h;
}

struct fc_layer *fc_find(struct frame_cache *fc, const struct fc_layer_key *key)
{
	if (!fc->enabled)
		return NULL;
	for (size_t i = 0; i < FC_LAYERS; i++)
		if (fc->layer[i].tex && fc_key_eq(&fc->layer[i].key, key)) {
			fc->layer[i].used = ++fc->clock;
			fc->hits++;
			return &fc->layer[i];
		}
	fc->misses++;
	return NULL;
}

/* An empty slot, else the least recently used one (emptied); a layer of
 * another layout generation is stale and goes first. */
static struct fc_layer *fc_slot(struct frame_cache *fc, const struct fc_layer_key *key)
{
	struct fc_layer *best = &fc->layer[0];

	for (size_t i = 0; i < FC_LAYERS; i++) {
		struct fc_layer *l = &fc->layer[i];
		if (!l->tex)
			return l;
		bool stale = l->key.panel == key->panel &&
			     (l->key.layout_gen != key->layout_gen || l->key.pal != key->pal);
		if (stale) {
			best = l;
			break;
		}
		if (l->used < best->used)
			best = l;
	}
	SDL_DestroyTexture(best->tex);
	*best = (struct fc_layer){0};
	return best;
}

void fc_keep(struct frame_cache *fc, const struct fc_layer_key *key)
{
	const struct lay_rect *r = &key->rect;

	if (!fc->enabled || r->w <= 0 || r->h <= 0)
		return;
	struct fc_layer *l = fc_slot(fc, key);
	/* read straight into the texture's own pixels (the software
	 * renderer's texture is a surface that locking hands out): no buffer
	 * between, which cost a panel-sized allocation and a second copy */
	SDL_Texture *tex = SDL_CreateTexture(fc->r, SDL_PIXELFORMAT_RGB888,
					     SDL_TEXTUREACCESS_STREAMING, r->w, r->h);
	SDL_Rect src = {r->x, r->y, r->w, r->h};
	void *px = NULL;
	int pitch = 0;

	if (!tex || SDL_LockTexture(tex, NULL, &px, &pitch) != 0) {
		if (tex) /* no layer this time: the next frame draws it again */
			SDL_DestroyTexture(tex);
		return;
	}
	int rc = SDL_RenderReadPixels(fc->r, &src, SDL_PIXELFORMAT_RGB888, px, pitch);
	SDL_UnlockTexture(tex);
	if (rc != 0) {
		SDL_DestroyTexture(tex);
		return;
	}
	SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_NONE);
	*l = (struct fc_layer){*key, tex, ++fc->clock};
}

void fc_paste(struct frame_cache *fc, const struct fc_layer *l)
{
	SDL_Rect dst = {l->key.rect.x, l->key.rect.y, l->key.rect.w, l->key.rect.h};

	SDL_RenderCopy(fc->r, l->tex, NULL, &dst);
}

void fc_paste_part(struct frame_cache *fc, const struct fc_layer *l, int w)
{
	w = w < l->key.rect.w ? w : l->key.rect.w;
	SDL_Rect src = {0, 0, w, l->key.rect.h};
	SDL_Rect dst = {l->key.rect.x, l->key.rect.y, w, l->key.rect.h};

	if (w > 0)
		SDL_RenderCopy(fc->r, l->tex, &src, &dst);
}

struct fc_layer *fc_begin(struct frame_cache *fc, struct dc *dc, const struct fc_layer_key *key)
{
	struct fc_layer *l = dc->dry || !fc ? NULL : fc_find(fc, key);

	if (l)
		dc->dry = true;
	return l;
}

void fc_end(struct frame_cache *fc, struct dc *dc, const struct fc_layer_key *key,
	    struct fc_layer *l)
{
	if (l) {
		SDL_Rect clip = {key->rect.x, key->rect.y, key->rect.w, key->rect.h};
		dc->dry = false;
		dc_clip(dc, &clip); /* as scene_panel leaves it; the dry pass did not */
		fc_paste(fc, l);
	} else if (fc && !dc->dry && fc->enabled) {
		struct fc_layer_key *seen = &fc->seen[key->panel];
		if (fc_key_eq(seen, key))
			fc_keep(fc, key);
		else
			*seen = *key;
	}
}

bool fc_ticks_valid(const struct frame_cache *fc, const void *map, float x0, float x1,
		    size_t nev)
{
	return fc->tick_map == map && fc->tick_x0 == x0 && fc->tick_x1 == x1 &&
	       fc->tick_nev == nev;
}

void fc_tick_reset(struct frame_cache *fc, const void *map, float x0, float x1, size_t nev)
{
	fc->tick_map = map;
	fc->tick_x0 = x0;
	fc->tick_x1 = x1;
	fc->tick_nev = nev;
	fc->nticks = 0;
}

void fc_tick_push(struct frame_cache *fc, float x, bool decision)
{
	if (fc->nticks == fc->tickcap) {
		fc->tickcap = fc->tickcap ? 2 * fc->tickcap : 256;
		fc->ticks = xrealloc(fc->ticks, fc->tickcap * sizeof *fc->ticks);
	}
	fc->ticks[fc->nticks++] = (struct fc_tick){x, decision};
}
