/* frame_cache.h — pixels and derived lists kept from one frame to the
 * next, so a frame redraws only what changed: the network panel's static
 * layer (panel, organisation boxes, links, host icons and labels, "the
 * Internet") as a texture per hot link, the row of buttons per state of
 * its toggles, the narration panel per caption, the timeline strip played
 * and unplayed, and the timeline's ticks.
 *
 * Only with the software renderer (SDL_RENDERER_SOFTWARE), where every
 * triangle is rasterised on the CPU: a layer is drawn as always the first
 * time, then read back from the target and kept; later frames copy it
 * (blend mode none: the same pixels) after walking the same code in the
 * drawing context's dry mode, which records the texts and click targets
 * without drawing. A GPU renderer draws everything, as before.
 *
 * Invariants: a layer is valid for one key (layout generation, palette,
 * mode, panel rectangle, hot link); textures belong to the renderer and
 * are freed before it (fc_free from app_free). MAILSIM_NO_FRAME_CACHE=1
 * turns the layers off (for comparing pixels). */
#ifndef MAILSIM_FRAME_CACHE_H
#define MAILSIM_FRAME_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "draw.h"
#include "layout.h"
#include "palette.h"

enum fc_panel { FC_TOPO, FC_CONTROLS, FC_CAPTION, FC_TIMELINE, FC_NPANELS };

struct fc_layer_key {
	enum fc_panel panel;
	unsigned layout_gen;   /* the network's layout, or the app's layout epoch */
	const struct pal *pal;
	bool projector;
	struct lay_rect rect;
	long state;            /* the hot link (or -1), the buttons that are on */
};

struct fc_layer {
	struct fc_layer_key key;
	SDL_Texture *tex;      /* owned; NULL: the slot is empty */
	uint64_t used;         /* for least-recently-used eviction */
};

#define FC_LAYERS 16

struct fc_tick {
	float x;
	bool decision;
};

struct frame_cache {
	SDL_Renderer *r;       /* borrowed */
	bool enabled;          /* a software renderer, not turned off */
	struct fc_layer layer[FC_LAYERS];
	uint64_t clock;
	/* the timeline's ticks: one per pixel column and class */
	const void *tick_map;
	float tick_x0, tick_x1;
	size_t tick_nev;
	struct fc_tick *ticks; size_t nticks, tickcap;
	uint64_t hits, misses;  /* layer copies and layer draws, for benchmarks */
	/* per panel, the key of the last layer drawn and not kept: fc_end
	 * keeps a layer the second time in a row its key is drawn, so a
	 * panel that changes on every frame (seeking) is not read back for
	 * nothing */
	struct fc_layer_key seen[FC_NPANELS];
};

struct frame_cache *fc_new(SDL_Renderer *r);
void fc_free(struct frame_cache *fc);
/* Forget every layer (the next frames draw them again). */
void fc_drop(struct frame_cache *fc);

/* The layer for key, or NULL (then draw it and fc_keep it). */
struct fc_layer *fc_find(struct frame_cache *fc, const struct fc_layer_key *key);
/* Read the key's rectangle back from the renderer into a layer. */
void fc_keep(struct frame_cache *fc, const struct fc_layer_key *key);
/* Copy a layer to its rectangle, pixel for pixel. */
void fc_paste(struct frame_cache *fc, const struct fc_layer *l);
/* The same, its leftmost w columns only. */
void fc_paste_part(struct frame_cache *fc, const struct fc_layer *l, int w);

/* Around the drawing of a cached panel: fc_begin returns the layer when
 * it is kept (and turns the context dry, so the drawing only records);
 * fc_end then copies it and clips to its rectangle as scene_panel does,
 * or, when there was none, keeps what was just drawn if the frame before
 * drew the same key (see seen). */
struct fc_layer *fc_begin(struct frame_cache *fc, struct dc *dc, const struct fc_layer_key *key);
void fc_end(struct frame_cache *fc, struct dc *dc, const struct fc_layer_key *key,
	    struct fc_layer *l);

/* The tick list is valid for (map, x0, x1, nev); false when it must be
 * built again (fc_tick_push after fc_tick_reset). */
bool fc_ticks_valid(const struct frame_cache *fc, const void *map, float x0, float x1,
		    size_t nev);
void fc_tick_reset(struct frame_cache *fc, const void *map, float x0, float x1, size_t nev);
void fc_tick_push(struct frame_cache *fc, float x, bool decision);

#endif
