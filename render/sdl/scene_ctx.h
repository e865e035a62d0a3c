/* scene_ctx.h — what every panel module draws with, and what it hands
 * back: the drawing context, the palette, the base text size, the frame's
 * view model (where drawn texts and decision boxes are recorded) and the
 * list of click targets the frame registers.
 *
 * The panel modules (scene_*.c) call only this and the drawing layer;
 * app.c calls them and reads the hit list back (input.c looks clicks up
 * in it), so nothing a panel calls leads back into app.c. */
#ifndef MAILSIM_SCENE_CTX_H
#define MAILSIM_SCENE_CTX_H

#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "layout.h"
#include "palette.h"
#include "vmodel.h"

/* What a click at a spot means; the frame's drawing registers these, the
 * next click looks them up (the last registered is on top). */
enum hit_kind { HIT_HOST, HIT_MSG, HIT_CHIP, HIT_MSG_CHIP, HIT_TAB, HIT_CLOSE,
		HIT_ROW, HIT_INSP_LINE, HIT_BUTTON, HIT_DECISION };

struct hit {
	SDL_FRect r;
	enum hit_kind kind;
	long arg;           /* node, message, category, tab, event, line, button or
			     * the decision's trace event */
};

struct hit_list {
	struct hit *v;      /* owned */
	size_t n, cap;
};

struct scene_ctx {
	struct dc *dc;          /* borrowed */
	const struct pal *pal;
	int fs;                 /* base text size in pixels */
	bool projector;
	struct vm_frame *frame; /* borrowed */
	struct hit_list hits;
};

void hits_clear(struct hit_list *h);
void hits_free(struct hit_list *h);
void hits_add(struct hit_list *h, float x, float y, float w, float hh, enum hit_kind kind,
	      long arg);
/* The topmost target at (x, y), or NULL. */
const struct hit *hits_at(const struct hit_list *h, float x, float y);

/* Panel chrome: background, border and a header label, clipped to the
 * panel; returns the y below the header. */
float scene_panel(struct scene_ctx *cx, const struct lay_rect *r, const char *label);
/* "1:02:03.456" for the timeline's ends. */
void scene_fmt_clock(int64_t us, char *out, size_t outsz);

#endif
