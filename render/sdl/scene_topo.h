/* scene_topo.h — pieces of the network panel shared by scene_topo.c (hosts,
 * links, the current event) and scene_marks.c (badges, resting messages).
 * Private to those two files. */
#ifndef MAILSIM_SCENE_TOPO_H
#define MAILSIM_SCENE_TOPO_H

#include "scene.h"

SDL_FPoint topo_pos(const struct view_app *app, const struct vm_topo_geom *g, int node);
/* A pill with the label, centred on (x, y), kept inside the panel, with an
 * optional one-character mark in a disc at its left ("?" outlined pill for
 * a question, "!" filled for an answer); returns its height. */
float topo_pill(struct view_app *app, float x, float y, const char *text,
		SDL_Color edge, float maxw, enum dc_font f, const char *mark,
		struct vm_box *box);
/* The size of that pill: its text wrapped to maxw, at most three lines. */
void topo_pill_size(struct view_app *app, const char *text, float maxw, enum dc_font f,
		    const char *mark, float *w, float *h);
/* The first free place for a w x h box: centred on one of at[0..n), else
 * on rings around anchor; with host >= 0 nearer that host than any other.
 * False when there is no room left. */
bool topo_spot(const struct view_app *app, const SDL_FPoint *at, size_t n, float w, float h,
	       int host, SDL_FPoint anchor, SDL_FPoint *out);
/* An envelope of width s centred on (cx, cy). */
void topo_envelope(struct view_app *app, float cx, float cy, float s, SDL_Color c);

/* The box lies in the panel and covers no text, icon or badge drawn so
 * far in this frame. */
bool topo_free(const struct view_app *app, struct vm_box b);
/* The box is nearer the host's icon than any other icon. */
bool topo_near(const struct view_app *app, struct vm_box b, int host);
/* Top-left p moved so a w x h box stays inside the panel. */
SDL_FPoint topo_clamp(const struct view_app *app, SDL_FPoint p, float w, float h);

/* scene_marks.c */
SDL_Color topo_badge_color(const struct pal *p, enum snap_badge_kind k);
/* The glyph of a badge kind (clock, cross, lock, envelope, triangle,
 * disc) centred on (cx, cy), radius r; and its outline, dashed for the
 * temporary kinds. */
void topo_badge_symbol(struct view_app *app, enum snap_badge_kind k, float cx, float cy,
		       float r, SDL_Color c);
void topo_badge_frame(struct view_app *app, enum snap_badge_kind k, float x, float y, float w,
		      float h, SDL_Color col);
void topo_parked(struct view_app *app, const struct vm_topo_geom *g);
void topo_badges(struct view_app *app, const struct vm_topo_geom *g);

/* scene_counts.c: resting and in-flight counts, for an aggregated frame
 * (vm_frame.aggregate) in place of topo_parked's envelopes. */
void topo_counts(struct view_app *app, const struct vm_topo_geom *g);

#endif
