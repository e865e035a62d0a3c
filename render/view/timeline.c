/* timeline.c — display-time mapping with idle-gap compression (see
 * timeline.h). Pure integer arithmetic so a frame exported by time is the
 * same on every machine. */
#include "timeline.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int64_t tl_compress_gap(int64_t gap_us)
{
	return gap_us > TL_GAP_THRESHOLD_US ? TL_GAP_SPAN_US : gap_us;
}

void tl_format_gap(int64_t gap_us, char *out, size_t outsz)
{
	static const struct { int64_t us; const char *unit; } units[] = {
		{86400LL * 1000000, "d"}, {3600LL * 1000000, "h"},
		{60LL * 1000000, "min"}, {1000000, "s"}, {1000, "ms"},
	};
	size_t u = 0;

	while (u + 1 < ARRAY_LEN(units) && gap_us < units[u].us)
		u++;
	int64_t unit = units[u].us;
	int64_t tenths = (gap_us * 10 + unit / 2) / unit;
	/* One decimal while it says something ("+1.5 h"), none from 10 up. */
	if (tenths % 10 == 0 || tenths >= 100)
		snprintf(out, outsz, "+%lld %s", (long long)((gap_us + unit / 2) / unit),
			 units[u].unit);
	else
		snprintf(out, outsz, "+%lld.%lld %s", (long long)(tenths / 10),
			 (long long)(tenths % 10), units[u].unit);
}

static void tl_add_gap(struct tl_map *map, size_t after, int64_t sim_us,
		       int64_t d_start, int64_t d_len)
{
	if (map->ngaps % 16 == 0)
		map->gaps = xrealloc(map->gaps, (map->ngaps + 16) * sizeof *map->gaps);
	struct tl_gap *g = &map->gaps[map->ngaps++];
	g->after = after;
	g->sim_us = sim_us;
	g->d_start = d_start;
	g->d_len = d_len;
	tl_format_gap(sim_us, g->label, sizeof g->label);
}

struct tl_map *tl_adopt(int64_t *t, int64_t *dwell, const int64_t *gap, size_t n)
{
	struct tl_map *map = xcalloc(1, sizeof *map);
	int64_t d = 0;

	map->n = n;
	map->t = t;
	map->dwell = dwell;
	map->d = xmalloc((n ? n : 1) * sizeof *map->d);
	for (size_t i = 0; i < n; i++) {
		assert(dwell[i] > 0 && (i == 0 || t[i] >= t[i - 1]));
		map->d[i] = d;
		d += dwell[i];
		if (i + 1 < n) {
			int64_t real = t[i + 1] - t[i];
			int64_t shown = gap ? gap[i] : tl_compress_gap(real);
			assert(shown >= 0);
			if (real > TL_GAP_THRESHOLD_US)
				tl_add_gap(map, i, real, d, shown);
			d += shown;
		}
	}
	map->total = d;
	return map;
}

struct tl_map *tl_build(const int64_t *t, const int64_t *dwell, const int64_t *gap,
			size_t n)
{
	int64_t *tc = xmalloc((n ? n : 1) * sizeof *tc), *dc = xmalloc((n ? n : 1) * sizeof *dc);

	if (n) {
		memcpy(tc, t, n * sizeof *tc);
		memcpy(dc, dwell, n * sizeof *dc);
	}
	return tl_adopt(tc, dc, gap, n);
}

void tl_free(struct tl_map *map)
{
	if (!map)
		return;
	free(map->t);
	free(map->d);
	free(map->dwell);
	free(map->gaps);
	free(map);
}

/* a * b / c without overflow for the sizes we meet (c > 0, 0 <= a <= c). */
static int64_t tl_scale(int64_t a, int64_t b, int64_t c)
{
	if (b != 0 && a > INT64_MAX / b)
		return (int64_t)((double)a / (double)c * (double)b);
	return a * b / c;
}

int64_t tl_sim_to_display(const struct tl_map *map, int64_t t_us)
{
	size_t lo = 0, hi = map->n; /* first event with t > t_us */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (map->t[mid] <= t_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	size_t k = lo - 1;
	int64_t settled = tl_settled(map, k);
	if (k + 1 == map->n)
		return settled;
	int64_t gap = map->t[k + 1] - map->t[k];
	int64_t span = map->d[k + 1] - settled - 1; /* the gap's display length */
	return settled + tl_scale(t_us - map->t[k], span, gap);
}

int64_t tl_display_to_sim(const struct tl_map *map, int64_t d_us)
{
	long i = tl_event_at(map, d_us);

	if (i < 0)
		return map->n ? map->t[0] : 0;
	int64_t settled = tl_settled(map, (size_t)i);
	if (d_us <= settled || (size_t)i + 1 == map->n)
		return map->t[i];
	int64_t span = map->d[i + 1] - settled - 1;
	int64_t gap = map->t[i + 1] - map->t[i];
	return map->t[i] + tl_scale(d_us - settled, gap, span);
}

long tl_event_at(const struct tl_map *map, int64_t d_us)
{
	size_t lo = 0, hi = map->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (map->d[mid] <= d_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return map->n ? 0 : -1;
	return (long)lo - 1;
}

int64_t tl_settled(const struct tl_map *map, size_t i)
{
	assert(i < map->n);
	return map->d[i] + map->dwell[i] - 1;
}

size_t *tl_gaps_by_length(const struct tl_map *map)
{
	size_t *order = xmalloc((map->ngaps ? map->ngaps : 1) * sizeof *order);

	/* insertion sort: stable, and the gap count is small */
	for (size_t i = 0; i < map->ngaps; i++) {
		size_t j = i;
		while (j > 0 && map->gaps[order[j - 1]].sim_us < map->gaps[i].sim_us) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	return order;
}
