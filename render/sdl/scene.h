/* scene.h — the viewer's state (struct view_app) and the functions that
 * draw one frame of it. Shared by the window loop and the headless frame
 * export, so both show the same picture.
 *
 * Invariants: drawing reads the model, the layout and the play head and
 * writes only pixels plus the hit-test fields marked below; all geometry
 * derives from (window size, fs), where fs is the base text size. */
#ifndef MAILSIM_SCENE_H
#define MAILSIM_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "campaign_view.h"
#include "draw.h"
#include "scene_ctx.h"
#include "evfilter.h"
#include "frame_cache.h"
#include "inspect.h"
#include "ladder.h"
#include "layout.h"
#include "palette.h"
#include "playback.h"
#include "snapshot.h"
#include "timeline.h"
#include "trace_model.h"
#include "view.h"
#include "vmodel.h"

enum insp_mode { INSP_OFF, INSP_HOST_VIEW, INSP_MSG_VIEW };

/* The inspector panel's state: what it shows and its scroll position. */
struct insp_state {
	enum insp_mode mode;
	int host, msg;
	enum insp_tab tab;
	struct insp_view view;
	long built_for;     /* cursor the lines were built for; -2 = stale */
	int scroll;         /* first line shown */
};

/* How long a decision badge stays pinned on its host, in display time. */
#define BADGE_LIFE_US 6000000

struct view_app {
	char *title;                 /* owned */
	struct tm_model *model;      /* owned */
	struct tl_map *tmap;         /* owned */
	size_t *gap_order;           /* owned; tl_gaps_by_length(tmap) */
	struct lay_node *nodes;      /* owned; model->nnodes entries */
	struct lay_edge *links;      /* owned; host pairs that exchange events */
	size_t nlinks;
	struct lad_view lad;         /* rebuilt for every frame */
	struct pb_state pb;
	const struct pal *pal;
	struct dc *dc;               /* owned; NULL until app_attach */
	struct frame_cache *fc;      /* owned; NULL until app_attach */
	unsigned layout_epoch;       /* bumped by every app_resize */
	SDL_Window *win;             /* borrowed; NULL when headless */
	double user_scale;           /* Ctrl +/-; 1.0 by default */
	int w, h, fs;                /* renderer size, base text size */
	struct lay_panels panels;
	bool help, legend, quit, dragging, want_shot;
	long card_ev;                /* the decision whose card is open (key D), or -1 */
	long beat_paused;            /* the beat autoplay last paused at */
	/* the world at the cursor, rebuilt when the cursor moves */
	struct snap snap;
	long snap_cursor, snap_from;
	/* the event list: its filter, the rows it leaves, a wheel offset */
	struct evf filter;
	size_t *rows, nrows;
	long list_scroll;
	long last_cursor;            /* the list follows the cursor again when it moves */
	int shots;                   /* screenshots saved */
	int ladder_scroll;           /* rows scrolled back from the newest */
	long ladder_conn;            /* the conversation ladder_scroll is for */
	struct insp_state insp;
	struct cv_model *camp;       /* owned; the campaign panel's model */
	bool camp_on;                /* the campaign panel is shown (key C) */
	bool aggregate;              /* the network shows counts, not envelopes (key A);
				      * starts as vmt_aggregate(model) */
	struct vm_frame frame;       /* the view model of the last frame */
	bool projector;              /* projector mode: large text, thick lines */
	bool beats;                  /* autoplay pauses at each narration beat */
	/* what the panels draw with; its hit list is written by the last frame */
	struct scene_ctx cx;
	size_t list_first, list_rows;
	float list_y0, list_row_h;
};

#define APP_MIN_PX 16            /* no text smaller, in pixels of em height */
#define APP_MIN_PX_PROJECTOR 28

/* ---- app.c ---- */
int app_min_px(const struct view_app *app);
struct view_app *app_new(const struct view_input *in, char *err, size_t errsz);
void app_free(struct view_app *app);
void app_attach(struct view_app *app, SDL_Renderer *r, SDL_Window *win);
/* Re-lay out for a renderer size and the current scale; reopens fonts. */
bool app_resize(struct view_app *app, int w, int h, char *err, size_t errsz);
void app_draw(struct view_app *app);
/* Timeline x (renderer pixels) to display time. */
int64_t app_timeline_at(const struct view_app *app, float x);
/* Rebuild the filtered event rows after a filter change. */
void app_refilter(struct view_app *app);
/* Bring the snapshot and the inspector's lines up to the cursor. */
void app_update_state(struct view_app *app);
/* Open the inspector on a host (its default tab) or a message. */
void app_inspect_host(struct view_app *app, int host);
void app_inspect_msg(struct view_app *app, int msg_idx);
void app_inspect_close(struct view_app *app);

/* ---- scene_card.c ---- */
/* The decision card over the network and the lists: reason, rule, reply,
 * recipients, and the spam waterfall when the message was scored. */
void scene_card(struct view_app *app);
/* The receiving host's check chain, a strip near it in the network. */
void scene_chain(struct view_app *app);

/* ---- input.c ---- */
void app_key(struct view_app *app, SDL_Keycode key, SDL_Keymod mod);
void app_mouse_down(struct view_app *app, float x, float y);
void app_mouse_move(struct view_app *app, float x, float y);
void app_mouse_up(struct view_app *app);
void app_wheel(struct view_app *app, float x, float y, int dy);

/* ---- scene_*.c: one panel each ---- */
void scene_title(struct view_app *app);
void scene_topo(struct view_app *app);
/* The height a host's name and role label need at width w (ctx: the
 * struct dc), as topo draws them: vm_inputs.label_h. */
float topo_label_h(void *ctx, const char *name, const char *label, float w);
void scene_ladder(struct view_app *app);
void scene_list(struct view_app *app);
void scene_caption(struct view_app *app);
void scene_timeline(struct view_app *app);
void scene_help(struct view_app *app);
void scene_legend(struct view_app *app);
void scene_controls(struct view_app *app);
/* The key a control button stands for (SDLK_UNKNOWN for no button). */
SDL_Keycode scene_button_key(long id);
void scene_inspector(struct view_app *app);
/* The campaign panel beside the network (scene_campaign.c). */
void scene_campaign(struct view_app *app);

#endif
