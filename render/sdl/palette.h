/* palette.h — the viewer's colours, in one place.
 *
 * The default is high-contrast (light text on a near-black ground, for
 * projectors and small type), and the reply classes use the Okabe–Ito
 * palette, which stays distinguishable with the common colour-vision
 * deficiencies. Class colours are never the only cue: each ladder row also
 * carries its code or verb as text. */
#ifndef MAILSIM_PALETTE_H
#define MAILSIM_PALETTE_H

#include <SDL.h>

#include "ladder.h"
#include "trace_model.h"

#define PAL_MSG_COLORS 5

struct pal {
	SDL_Color bg, panel, panel_edge, header;
	SDL_Color text, text_dim, text_on_accent;
	SDL_Color accent;       /* play head, the cursor row */
	SDL_Color link, link_hot;
	SDL_Color node_ring;    /* the host the current event happens at */
	SDL_Color dns;          /* DNS question/answer bubbles */
	SDL_Color envelope;
	SDL_Color decision;     /* decision events: ticks, badges */
	SDL_Color gap;          /* compressed idle time on the timeline */
	SDL_Color lock;         /* TLS */
	SDL_Color cls[LAD_CLASS_COUNT];
	SDL_Color msg[PAL_MSG_COLORS]; /* messages in flight, in turn */
	SDL_Color dsn_failed, dsn_delayed; /* delivery reports */
	SDL_Color filter;       /* quarantine, spam score */
};

extern const struct pal pal_high_contrast;
extern const struct pal pal_projector;

/* WCAG 2.x contrast ratio of two colours, 1 to 21. */
double pal_contrast(SDL_Color a, SDL_Color b);

/* A message's colour: reports by their action, other messages in turn
 * (the id is always written beside it, so colour is never the only cue). */
SDL_Color pal_msg(const struct pal *p, const struct tm_model *m, int msg_idx);

#endif
