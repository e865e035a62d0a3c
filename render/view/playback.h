/* playback.h — the play head: where in display time the viewer is, whether
 * it plays, and how fast. Moving backwards is only moving this head.
 *
 * Invariants: 0 <= d_us <= map->total; the cursor (the event shown) is
 * always tl_event_at(map, d_us); after a step the head glides from the
 * event's start to its settled point (end of dwell) even while paused, so
 * every step is animated and then rests on a well-defined frame. Speeds are
 * kept in quarters (1 = 0.25× ... 64 = 16×) so arithmetic stays integral. */
#ifndef MAILSIM_PLAYBACK_H
#define MAILSIM_PLAYBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "timeline.h"

struct pb_state {
	int64_t d_us;      /* display time of the head */
	int64_t settle_us; /* while paused the head glides up to here */
	bool playing;
	int speed_idx;     /* index into the speed table */
	/* A simulated time asked for by pb_seek_time(), shown by the clock
	 * as long as the head stays at pin_d_us: a compressed gap has fewer
	 * display microseconds than simulated ones, so the way back through
	 * the map would round. */
	int64_t pin_us, pin_d_us;
};

void pb_init(struct pb_state *pb);
long pb_cursor(const struct pb_state *pb, const struct tl_map *map);
/* Fraction 0..1 (in 1/1000) of the cursor event's dwell that has elapsed. */
int pb_progress_permille(const struct pb_state *pb, const struct tl_map *map);

void pb_toggle(struct pb_state *pb, const struct tl_map *map);
/* Go to event i and animate it (i is clamped to the trace). */
void pb_jump(struct pb_state *pb, const struct tl_map *map, long i);
/* Rest on event i's settled frame, without animation. */
void pb_rest(struct pb_state *pb, const struct tl_map *map, long i);
void pb_step(struct pb_state *pb, const struct tl_map *map, int delta);
void pb_seek(struct pb_state *pb, const struct tl_map *map, int64_t d_us);
/* Seek to a simulated time. */
void pb_seek_time(struct pb_state *pb, const struct tl_map *map, int64_t t_us);
/* The simulated time to show on the clock. */
int64_t pb_clock(const struct pb_state *pb, const struct tl_map *map);
void pb_home(struct pb_state *pb, const struct tl_map *map);
void pb_end(struct pb_state *pb, const struct tl_map *map);
/* Advance by real elapsed time; stops at the end. */
void pb_advance(struct pb_state *pb, const struct tl_map *map, int64_t real_us);

void pb_faster(struct pb_state *pb);
void pb_slower(struct pb_state *pb);
/* Speed in quarters: 4 means 1×. */
int pb_speed_quarters(const struct pb_state *pb);
/* "0.25×", "1×", "16×". */
const char *pb_speed_label(const struct pb_state *pb);

#endif
