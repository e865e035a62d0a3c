/* vmodel.h — the view model: what one frame shows, as data. The window,
 * the headless PNG and `mailsim render --scene` all come from it, so the
 * scene description cannot disagree with the pixels.
 *
 * vm_build() fills the parts that follow from the trace and the layout
 * alone (hosts and their boxes, the travelling item, the decision badges,
 * the messages at rest, the clock and the caption). The drawing layer adds
 * every piece of text it puts on screen (vm_add_text) and the boxes it
 * gives each decision badge, then vm_scene_json() writes the whole frame.
 *
 * Invariants: no SDL here; strings in hosts/moving/resting are borrowed
 * from the model (valid while it lives); texts and decision texts are
 * owned copies; boxes are in renderer pixels, [x, y, w, h]. */
#ifndef MAILSIM_VMODEL_H
#define MAILSIM_VMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card.h"
#include "layout.h"
#include "snapshot.h"
#include "timeline.h"
#include "trace_model.h"
#include "vm_traffic.h"

struct cv_model; /* campaign_view.h */

struct vm_box {
	float x, y, w, h;
};

/* The network panel's geometry: a grid of cells, one column per flow
 * tier, one row per band; a cell holds an icon with its labels to the
 * right, and under a group's name when it opens an organisation's box. */
struct vm_topo_geom {
	float icon;
	float cell_w, row_h;       /* column and row pitch */
	float content_h;           /* the icon's and the label block's height */
	float head_h, pad, gap;    /* a box's name line, padding, gutter */
	bool dns_row;              /* the top row holds DNS servers, in no box */
};

struct vm_host {
	int node;
	const char *name, *role;   /* borrowed */
	char label[160];           /* "Alice's laptop — mail client" */
	float cx, cy;              /* the icon's centre */
	struct vm_box box;         /* the icon */
	struct vm_box label_box;   /* where its name and role label go */
	int group;                 /* index into vm_frame.groups, or -1 */
};

/* An organisation's box around its hosts and their labels. */
struct vm_group {
	char name[128];            /* "example.org" */
	struct vm_box box;
};

/* Something on its way from one host to another: the cursor event. */
struct vm_moving {
	const char *kind;          /* message, dsn, dns-query, dns-answer, smtp, imap, pop3, connect */
	int msg;                   /* message index, or -1 */
	int from, to;              /* node indices: the event's node and peer */
	float pos;                 /* 0 at `from` .. 1 at `to` */
	float x, y;
	size_t ev;
};

/* A decision pinned on the host that made it. `box` is set by the drawing
 * (zero size until drawn). */
struct vm_decision {
	int host;
	const char *kind;          /* "bounce", "retry", "spf", "current" ... */
	char text[200];
	size_t ev;                 /* the trace event that decided it */
	bool current;              /* the cursor event itself, not a badge */
	struct vm_box box;
};

struct vm_resting {
	int msg, host;
	const char *place;         /* outbox, queue, mailbox, fetched */
};

struct vm_text {
	char *text;                /* owned */
	struct vm_box box;
	int px;                    /* the font's em height in pixels */
};

struct vm_frame {
	long event;                /* the cursor: the N of --event N; -1 = none */
	int width, height;
	int64_t clock_us;
	char clock[128];
	const char *narration;     /* borrowed; NULL = no caption */
	struct vm_topo_geom geom;
	struct vm_host *hosts;     size_t nhosts;
	struct vm_group *groups;   size_t ngroups;
	const struct lay_edge *links; size_t nlinks; /* borrowed */
	struct vm_moving moving[2]; size_t nmoving;
	struct vm_decision *dec;   size_t ndec, deccap;
	struct vm_resting *rest;   size_t nrest, restcap; /* not when aggregate */
	const struct snap *snap;   /* borrowed: the walk at the frame's cursor; an
				    * aggregated frame's resting messages are
				    * listed from it when the scene is written */
	struct vm_text *texts;     size_t ntexts, textcap;
	struct card card;          /* the decision card, when card_open */
	bool card_open;
	struct vm_box card_box;    /* where the drawing put it */
	struct chain chain;        /* the receiving host's check chain */
	struct vm_box chain_box;   /* where the drawing put it (zero: not drawn) */
	const struct cv_model *campaign; /* borrowed; the campaign panel, when drawn */
	struct vm_box campaign_box;
	bool record_texts;         /* vm_add_text keeps texts only when set */
	/* The network's layout (geom, hosts, groups) is computed again only
	 * when one of its inputs changes; layout_gen counts the times, so a
	 * drawing cache keyed on it knows when its pixels are stale. */
	struct vm_layout_key {
		const struct tm_model *model;
		const struct lay_node *nodes;
		int width, height;
		struct lay_rect topo;
		float topo_top, fs, line_h;
		void *label_ctx;
		unsigned epoch;
	} layout_key;
	unsigned layout_gen;
	bool projector, legend;    /* the mode and the overlay, as the drawing set them */
	bool aggregate;            /* counts instead of envelopes (vm_traffic.h) */
	struct vm_traffic traffic; /* the counts, when aggregate */
};

/* Inputs of one frame, all derived by the caller from its state. */
struct vm_inputs {
	const struct tm_model *model;
	const struct tl_map *tmap;
	const struct lay_node *nodes;
	const struct lay_edge *links;  /* host pairs drawn as links */
	size_t nlinks;
	const struct snap *snap;
	long cursor;
	int progress_permille;     /* of the cursor event's animation */
	int64_t clock_us;
	int width, height;
	struct lay_rect topo;      /* the network panel */
	float topo_top;            /* y under its header */
	float fs, line_h;          /* base text size and a text line's height */
	long card_ev;              /* the decision whose card is open, or -1 */
	bool aggregate;            /* counts instead of envelopes (vm_traffic.h): the
				    * viewer starts with vmt_aggregate(model) */
	/* The height a host's name and role label need at width w, wrapped
	 * as the network panel draws them (NULL: the uniform rows only). */
	float (*label_h)(void *ctx, const char *name, const char *label, float w);
	void *label_ctx;
	/* Bumped by the caller when anything else the labels' measures
	 * depend on changes (fonts reopened); 0 is fine for one-off frames. */
	unsigned layout_epoch;
};

void vm_init(struct vm_frame *f);
void vm_free(struct vm_frame *f);
void vm_build(struct vm_frame *f, const struct vm_inputs *in);

/* The messages at rest at the cursor (snap_count.h's list, less the copy
 * the cursor event is carrying, which has not arrived): into *arr
 * (grown, caller-owned); returns how many. */
size_t vm_resting_fill(const struct snap *s, const struct tm_model *m, long cursor,
		       struct vm_resting **arr, size_t *cap);

/* Record a piece of text drawn with its box and em height. */
void vm_add_text(struct vm_frame *f, const char *text, struct vm_box box, int px);
/* The decision whose event is ev (and current flag), or NULL. */
struct vm_decision *vm_decision_for(struct vm_frame *f, size_t ev, bool current);

/* The role label a host is introduced with: "Alice's laptop — mail
 * client", "example.org's mail server — MTA", "DNS server". */
void vm_role_label(const struct tm_model *m, int node, char *out, size_t outsz);

/* A host's first label ("mx1"), or its whole name when another host's
 * name starts with the same label (mail.example.org, mail.bad.example). */
void vm_short_name(const struct tm_model *m, int node, char *out, size_t outsz);

/* Narration beats: the next narrate event strictly after `from` (-1 =
 * before the start), the previous one strictly before it; -1 if none. */
long vm_next_beat(const struct tm_model *m, long from);
long vm_prev_beat(const struct tm_model *m, long from);

/* The moving kind of a travelling event (see vm_moving.kind), or NULL
 * for an event that does not travel. */
const char *vm_moving_kind(const struct tm_model *m, const struct tm_event *e);

/* Whether the caption of the cursor event is still current: the narrate
 * belongs to the steps after it until the next narrate, but not past an
 * idle gap (the story has moved on to another time). */
const char *vm_narration(const struct tm_model *m, const struct tl_map *tmap, long cursor);

/* The whole frame as one JSON object (owned string). */
char *vm_scene_json(const struct vm_frame *f, const struct tm_model *m);

bool vm_box_overlap(struct vm_box a, struct vm_box b);

#endif
