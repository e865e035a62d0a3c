/* timeline.h — display time: how simulated time is paced on screen.
 *
 * Every event gets a dwell (time on screen for its animation or caption),
 * and the simulated time between two events is shown as it is, unless the
 * gap exceeds TL_GAP_THRESHOLD_US; such an idle gap is compressed to
 * TL_GAP_SPAN_US of display time and labelled ("+4 h"), so a five-day
 * retry schedule plays in a minute.
 *
 *   D[0] = 0,  D[i+1] = D[i] + dwell[i] + tl_compress_gap(t[i+1] - t[i])
 *
 * Invariants: all times are int64 µs, no floating point; D is strictly
 * increasing when every dwell is positive; tl_sim_to_display() is monotone
 * non-decreasing; tl_event_at() inverts D. */
#ifndef MAILSIM_TIMELINE_H
#define MAILSIM_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_GAP_THRESHOLD_US 2000000 /* gaps longer than 2 s are compressed */
#define TL_GAP_SPAN_US 1000000      /* ... to 1 s of display time */

/* An idle gap that was compressed, after event `after`. */
struct tl_gap {
	size_t after;
	int64_t sim_us;    /* the real length of the gap */
	int64_t d_start;   /* display time where the compressed span starts */
	int64_t d_len;     /* its display length */
	char label[24];    /* "+4 h" */
};

struct tl_map {
	size_t n;
	int64_t *t;        /* owned; event times */
	int64_t *d;        /* owned; display time each event starts */
	int64_t *dwell;    /* owned */
	int64_t total;     /* display time when the last dwell ends */
	struct tl_gap *gaps; /* owned */
	size_t ngaps;
};

/* Gap indices, longest simulated gap first (ties: earlier first), so the
 * labels that matter most are placed first when they crowd. Owned. */
size_t *tl_gaps_by_length(const struct tl_map *map);

/* The display length of a simulated gap. */
int64_t tl_compress_gap(int64_t gap_us);
/* "+4 h", "+1.5 d", "+90 s" ... for a gap length; out >= 16 bytes. */
void tl_format_gap(int64_t gap_us, char *out, size_t outsz);

/* t must be non-decreasing, every dwell > 0 and every gap >= 0; gap may be
 * NULL for the default compression. */
struct tl_map *tl_build(const int64_t *t, const int64_t *dwell, const int64_t *gap,
			size_t n);
/* tl_build taking t and dwell (n entries, from malloc) as the map's own
 * arrays instead of copying them; gap stays the caller's. */
struct tl_map *tl_adopt(int64_t *t, int64_t *dwell, const int64_t *gap, size_t n);
void tl_free(struct tl_map *map);

/* Display time for a simulated time: the settled point of the last event
 * at or before it, then through the following gap in proportion. Times
 * before the first event map to 0. */
int64_t tl_sim_to_display(const struct tl_map *map, int64_t t_us);
/* Simulated time shown at a display time (the clock). */
int64_t tl_display_to_sim(const struct tl_map *map, int64_t d_us);
/* The last event whose display start is <= d_us (event 0 for d_us < 0);
 * -1 only when there are no events. */
long tl_event_at(const struct tl_map *map, int64_t d_us);
/* The last instant of event i's dwell: the frame a step to it settles on.
 * (Not the dwell's end, which is where the next event starts when no
 * simulated time passes between them.) */
int64_t tl_settled(const struct tl_map *map, size_t i);

#endif
