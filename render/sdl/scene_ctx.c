/* scene_ctx.c — click targets and panel chrome (see scene_ctx.h). */
#include "scene_ctx.h"

#include <stdio.h>
#include <stdlib.h>

#include "util.h"

void hits_clear(struct hit_list *h)
{
	h->n = 0;
}

void hits_free(struct hit_list *h)
{
	free(h->v);
	*h = (struct hit_list){0};
}

void hits_add(struct hit_list *h, float x, float y, float w, float hh, enum hit_kind kind,
	      long arg)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	h->v[h->n++] = (struct hit){{x, y, w, hh}, kind, arg};
}

const struct hit *hits_at(const struct hit_list *h, float x, float y)
{
	for (size_t i = h->n; i > 0; i--) {
		const SDL_FRect *r = &h->v[i - 1].r;
		if (x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h)
			return &h->v[i - 1];
	}
	return NULL;
}

float scene_panel(struct scene_ctx *cx, const struct lay_rect *r, const char *label)
{
	const struct pal *p = cx->pal;
	float pad = (float)cx->fs * 0.5f;
	float hh = label ? (float)dc_line_h(cx->dc, DC_SMALL) + pad : 0;
	SDL_Rect clip = {r->x, r->y, r->w, r->h};

	dc_clip(cx->dc, &clip);
	dc_fill_rect(cx->dc, (float)r->x, (float)r->y, (float)r->w, (float)r->h, p->panel);
	dc_fill_rect(cx->dc, (float)r->x, (float)r->y, (float)r->w, cx->projector ? 2 : 1,
		     p->panel_edge);
	dc_fill_rect(cx->dc, (float)r->x, (float)r->y, cx->projector ? 2 : 1, (float)r->h,
		     p->panel_edge);
	if (label)
		dc_text(cx->dc, DC_SMALL, label, (float)r->x + pad, (float)r->y + pad / 2,
			p->text_dim, DC_LEFT, (float)r->w - 2 * pad);
	return (float)r->y + hh;
}

void scene_fmt_clock(int64_t us, char *out, size_t outsz)
{
	int64_t ms = us / 1000;

	snprintf(out, outsz, "%lld:%02lld:%02lld.%03lld", (long long)(ms / 3600000),
		 (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60),
		 (long long)(ms % 1000));
}
