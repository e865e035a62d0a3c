/* icons.h — host icons drawn from primitives, one per role: laptop
 * (client), server stack (mta), globe (dns), funnel (filter), mailbox.
 * Invariant: an icon stays inside the size x size square centred on
 * (cx, cy), so labels can be placed under it. */
#ifndef MAILSIM_ICONS_H
#define MAILSIM_ICONS_H

#include "draw.h"
#include "layout.h"

struct icon_colors {
	SDL_Color line;   /* outlines */
	SDL_Color fill;   /* bodies */
	SDL_Color detail; /* screens, lights, the mailbox flag */
};

void icon_draw(struct dc *dc, enum lay_role role, float cx, float cy, float size,
	       const struct icon_colors *c);

#endif
