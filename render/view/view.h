/* view.h — the visualizer's public face: play a trace in a window, or draw
 * one frame of it into an image file.
 *
 * Invariants: the viewer only reads what it is given (the scenario's host
 * list and the trace text); it never calls into the simulator. Every frame
 * is a pure function of (trace, cursor position, window size, scale), so a
 * frame written by view_render_file() is the frame the window shows once a
 * step to that event has settled. */
#ifndef MAILSIM_VIEW_H
#define MAILSIM_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One resource record a DNS host serves, as the scenario wrote it. */
struct view_record {
	const char *name;  /* owner, absolute, without the trailing dot */
	const char *type;  /* "MX", "A", ... */
	const char *data;  /* presentation form */
};

struct view_host {
	const char *name;
	const char *role; /* "client", "mta", "dns", "filter", "mailbox" */
	const char *ip;
	bool has_pos;     /* x, y are a layout hint in 0..1 */
	double x, y;
	/* Optional: the zone data of a DNS host, for its inspector. Without
	 * it the inspector shows only what the server answered so far. */
	const struct view_record *records;
	size_t nrecords;
};

struct view_input {
	const char *title;             /* scenario title */
	const struct view_host *hosts;
	size_t nhosts;
	const char *trace;             /* the JSONL text, every line one event; the
					* trace model points into it (no copy): it
					* must outlive view_run / view_render_frame */
	size_t trace_len;
	/* Optional: an inspector to open from the start, "host:NAME" (its
	 * default tab; "host:NAME/queue", "/mailboxes" or "/zone" for one) or
	 * "msg:ID". NULL: none. */
	const char *inspect;
};

struct view_opts {
	int width, height;             /* initial window size; <= 0: default */
	double scale;                  /* text and layout scale; <= 0: 1.0 */
	bool fullscreen;
	bool projector;                /* large type, high contrast, thick lines */
	bool beats;                    /* autoplay pauses at each narration beat */
};

/* Interactive window; returns 0 on clean exit (Esc/Q/window close),
 * non-zero with a message on stderr if SDL cannot start or the trace is
 * malformed. */
int view_run(const struct view_input *in, const struct view_opts *opts);

/* Headless: draw the frame the viewer shows with the cursor at event index
 * `event` (or at simulated time `at_us` when event < 0) into `out_path`:
 * PNG when it ends in ".png", BMP when it ends in ".bmp" (case-insensitive).
 * Uses a software renderer on an offscreen surface, so no display is
 * needed. Returns 0 on success; on error fills err and returns -1. */
int view_render_file(const struct view_input *in, long event, int64_t at_us,
		     int width, int height, double scale, const char *out_path,
		     char *err, size_t errsz);

/* One headless frame: an image, its description as JSON (the view model:
 * hosts, what moves, decisions, every text with its box and pixel size,
 * the clock, the caption, the event number), or both. */
struct view_frame_req {
	long event;                    /* >= 0: the settled frame of this event */
	int64_t at_us;                 /* else this simulated time */
	int width, height;
	double scale;                  /* <= 0: 1.0 */
	bool projector;                /* projector mode */
	const char *out_path;          /* .png or .bmp, or NULL */
	const char *scene_path;        /* JSON, or NULL */
	bool card;                     /* open the card of the decision at the event (key D) */
};

int view_render_frame(const struct view_input *in, const struct view_frame_req *req,
		      char *err, size_t errsz);

/* A headless session for describing many frames of one trace quickly
 * (tests): the frames are laid out and measured, not rasterised. */
struct view_session;
struct view_session *view_session_new(const struct view_input *in, int width, int height,
				      double scale, bool projector, char *err, size_t errsz);
void view_session_free(struct view_session *vs);
size_t view_session_events(const struct view_session *vs);
/* The scene JSON of event's settled frame (owned), or NULL with err;
 * event -1 keeps the play head where it is. */
char *view_session_scene(struct view_session *vs, long event, char *err, size_t errsz);
/* A click at (x, y) on the last frame described, as the window's mouse
 * would deliver it. */
void view_session_click(struct view_session *vs, float x, float y);
/* A key press as the window would deliver it: a printable key by its
 * character ('d', 'l', 'p', ...). */
void view_session_key(struct view_session *vs, int key);

#endif
