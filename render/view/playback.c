/* playback.c — play head movement (see playback.h). Pure: real elapsed
 * time comes in as an argument, never from a clock. */
#include "playback.h"

#include "util.h"

static const struct {
	int quarters;
	const char *label;
} pb_speeds[] = {
	{1, "0.25×"}, {2, "0.5×"}, {4, "1×"}, {8, "2×"},
	{16, "4×"}, {32, "8×"}, {64, "16×"},
};

enum { PB_SPEED_1X = 2 };

void pb_init(struct pb_state *pb)
{
	*pb = (struct pb_state){.speed_idx = PB_SPEED_1X, .pin_us = -1, .pin_d_us = -1};
}

static int64_t pb_clamp(const struct tl_map *map, int64_t d)
{
	return d < 0 ? 0 : d > map->total ? map->total : d;
}

long pb_cursor(const struct pb_state *pb, const struct tl_map *map)
{
	return tl_event_at(map, pb->d_us);
}

int pb_progress_permille(const struct pb_state *pb, const struct tl_map *map)
{
	long i = pb_cursor(pb, map);

	if (i < 0)
		return 1000;
	/* +1: the settled point is the dwell's last microsecond. */
	int64_t into = pb->d_us - map->d[i] + 1;
	if (into >= map->dwell[i])
		return 1000;
	return (int)(into * 1000 / map->dwell[i]);
}

void pb_toggle(struct pb_state *pb, const struct tl_map *map)
{
	pb->playing = !pb->playing;
	if (pb->playing && pb->d_us >= map->total)
		pb->d_us = 0; /* play from the start again, like a media player */
	pb->settle_us = pb->d_us;
}

void pb_jump(struct pb_state *pb, const struct tl_map *map, long i)
{
	if (map->n == 0)
		return;
	i = i < 0 ? 0 : i >= (long)map->n ? (long)map->n - 1 : i;
	pb->d_us = map->d[i];
	pb->settle_us = tl_settled(map, (size_t)i);
}

void pb_rest(struct pb_state *pb, const struct tl_map *map, long i)
{
	pb_jump(pb, map, i);
	pb->d_us = pb->settle_us;
}

void pb_step(struct pb_state *pb, const struct tl_map *map, int delta)
{
	pb->playing = false;
	pb_jump(pb, map, pb_cursor(pb, map) + delta);
}

void pb_seek(struct pb_state *pb, const struct tl_map *map, int64_t d_us)
{
	pb->d_us = pb_clamp(map, d_us);
	pb->settle_us = pb->d_us;
}

void pb_seek_time(struct pb_state *pb, const struct tl_map *map, int64_t t_us)
{
	pb_seek(pb, map, tl_sim_to_display(map, t_us));
	pb->pin_us = t_us;
	pb->pin_d_us = pb->d_us;
}

int64_t pb_clock(const struct pb_state *pb, const struct tl_map *map)
{
	if (pb->pin_us >= 0 && pb->pin_d_us == pb->d_us)
		return pb->pin_us;
	return tl_display_to_sim(map, pb->d_us);
}

void pb_home(struct pb_state *pb, const struct tl_map *map)
{
	pb->playing = false;
	pb_jump(pb, map, 0);
}

void pb_end(struct pb_state *pb, const struct tl_map *map)
{
	pb->playing = false;
	pb_seek(pb, map, map->total);
}

void pb_advance(struct pb_state *pb, const struct tl_map *map, int64_t real_us)
{
	/* A paused step glides at no less than 1x so it never drags. */
	int q = pb_speed_quarters(pb);
	int64_t by = real_us * q / 4;

	if (pb->playing) {
		pb->d_us = pb_clamp(map, pb->d_us + by);
		pb->settle_us = pb->d_us;
		if (pb->d_us >= map->total)
			pb->playing = false;
	} else if (pb->d_us < pb->settle_us) {
		int64_t glide = q < 4 ? real_us : by;
		pb->d_us = pb->d_us + glide > pb->settle_us ? pb->settle_us
							    : pb->d_us + glide;
	}
}

void pb_faster(struct pb_state *pb)
{
	if (pb->speed_idx + 1 < (int)ARRAY_LEN(pb_speeds))
		pb->speed_idx++;
}

void pb_slower(struct pb_state *pb)
{
	if (pb->speed_idx > 0)
		pb->speed_idx--;
}

int pb_speed_quarters(const struct pb_state *pb)
{
	return pb_speeds[pb->speed_idx].quarters;
}

const char *pb_speed_label(const struct pb_state *pb)
{
	return pb_speeds[pb->speed_idx].label;
}
