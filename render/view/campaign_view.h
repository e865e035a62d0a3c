/* campaign_view.h — the campaign panel's model: what a reader of the trace
 * knows about each bulk campaign and each receiver's reputation of its
 * senders, at any cursor.
 *
 * Built once from the trace model in one pass, as a list of small deltas
 * (an event index and what it changes); cv_seek applies them up to a
 * cursor, forward from where it stands or afresh when the cursor moves
 * back. Sources, all from the trace alone:
 *  - campaign.start / pause / resume / end / suppress: the campaign's
 *    life (threshold and pause point from campaign.pause, or from
 *    campaign.start's optional threshold);
 *  - a campaign message is `NAME.N` (its DSNs, `NAME.N.dsn`, are not):
 *    msg.compose counts it sent; queue.bounce classifies it with the
 *    bulk senders' classes (bounceclass.h, email-facts §11.2): hard,
 *    soft, or a block (the sending's fault, not the address's); class
 *    `suppressed` counts an address skipped for the suppression list;
 *  - placement: one function (cv_place_of) maps queue.done results,
 *    mailbox.store folders and policy.decision discard/quarantine to
 *    Inbox / Promotions / Junk / Quarantine / dropped; a message counts
 *    as accepted at its first placement, and a later event only moves it;
 *  - rep.update: each (receiving host, key) pair is a gauge, score 0..100.
 *
 * Invariants: fields are read with the scanner (tms_find), never through
 * the model's lazy cache, so building costs no memory per event beyond
 * the deltas; names are owned copies; everything is in trace order. */
#ifndef MAILSIM_CAMPAIGN_VIEW_H
#define MAILSIM_CAMPAIGN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_model.h"

enum cv_place { CV_INBOX, CV_PROMOTIONS, CV_JUNK, CV_QUARANTINE, CV_DROPPED, CV_NPLACE };

enum cv_level { CV_LEVEL_NONE, CV_GOOD, CV_NEUTRAL, CV_POOR, CV_BAD };

enum cv_phase { CV_WAITING, CV_SENDING, CV_PAUSED, CV_DONE };

/* A campaign's counters at the cursor. */
struct cv_counts {
	long sent, accepted, hard, soft, blocked, suppressed;
	long listed; /* addresses put on the suppression list (campaign.suppress) */
	long place[CV_NPLACE];
	enum cv_phase phase;
	bool pause_seen; /* the cursor is at or past the pause */
	long last_ev;    /* the latest event that changed it, -1 none */
};

/* One point of the hard-bounce curve: the totals after event ev. */
struct cv_point {
	uint32_t ev;
	uint32_t sent, hard;
};

struct cv_campaign {
	char *name;            /* owned */
	int node;              /* the sending host (campaign.start's node) */
	long recipients;
	int threshold_bp;      /* pause threshold in basis points (500 = 5%); -1 unknown */
	long start_ev, pause_ev, resume_ev, end_ev; /* -1 when absent */
	long pause_sent;       /* total sent when it paused */
	int pause_rate_bp;     /* the rate the pause event gives */
	struct cv_point *curve; /* owned; every change of (sent, hard) */
	size_t ncurve, curve_cap;
	struct cv_counts now;  /* at the cursor (cv_seek) */
	size_t ncurve_now;     /* curve points at or before the cursor */
};

struct cv_gauge {
	int host;              /* the receiving host (rep.update's node) */
	char *key;             /* owned: "ip:ADDR" or "domain:NAME" */
	int score;             /* at the cursor; -1 before its first update */
	enum cv_level level;
	long updates;          /* updates seen up to the cursor */
};

struct cv_delta;

struct cv_model {
	struct cv_campaign *camps; /* owned */
	size_t ncamps;
	struct cv_gauge *gauges;   /* owned; in order of first update */
	size_t ngauges;
	struct cv_delta *deltas;   /* owned */
	size_t ndeltas, dcap;
	size_t applied;            /* deltas applied (cv_seek) */
	long cursor;               /* -1: before the first event */
};

/* Build from a trace model (which must outlive nothing: names are
 * copied). Never NULL; ncamps == 0 and ngauges == 0 when the trace has
 * no campaign and no reputation. */
struct cv_model *cv_build(const struct tm_model *m);
void cv_free(struct cv_model *cv);

/* Is there anything for the panel to show? */
bool cv_has_content(const struct cv_model *cv);

/* Bring now/ncurve_now/score up to the cursor (an event index; -1 before
 * everything). */
void cv_seek(struct cv_model *cv, long cursor);

/* The placement an event gives a campaign message, or -1 when it places
 * nothing: the one mapping of results, folders and decisions. */
int cv_place_of(const struct tm_event *e);

const char *cv_place_name(enum cv_place p);   /* "Inbox", "Promotions", ... */
const char *cv_level_name(enum cv_level l);   /* "good", ..., "" for none */
const char *cv_phase_name(enum cv_phase p);   /* "waiting", "sending", "paused", "done" */

/* The hard-bounce rate after a curve point, in basis points. */
int cv_rate_bp(const struct cv_point *p);

/* The campaign to show in full: the one that changed last at the
 * cursor (the first when none has started). ncamps must be > 0. */
size_t cv_focus(const struct cv_model *cv);

/* What the panel shows, for the scene description: each campaign's
 * counters, placement and pause, each gauge; box is where it was drawn
 * (x, y, w, h). A cJSON object (the caller adds it to its tree). */
struct cJSON;
struct cJSON *cv_scene_json(const struct cv_model *cv, const struct tm_model *m,
			    const float box[4]);

/* "5.0%" from basis points. */
void cv_format_bp(int bp, char *out, size_t outsz);

#endif
