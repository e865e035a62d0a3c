/* pace.c — display pacing (see pace.h). The repeat counts live in a small
 * open-addressing table keyed by signature; its order never matters, only
 * the counts, so the result depends on the trace alone. */
#include "pace.h"

#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "util.h"

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t pace_mix(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

/* The summary with every run of digits as one '#': "attempt 7" and
 * "attempt 8" are the same step told again. */
static uint64_t pace_mix_text(uint64_t h, const char *s)
{
	bool in_digits = false;

	for (; s && *s; s++) {
		bool digit = *s >= '0' && *s <= '9';
		if (!digit || !in_digits)
			h = pace_mix(h, digit ? "#" : s, 1);
		in_digits = digit;
	}
	return h;
}

uint64_t pace_signature(const struct tm_event *e)
{
	int32_t ids[4] = {e->node, e->peer, e->port, (int32_t)e->dir};
	uint64_t h = pace_mix_text(FNV_OFFSET, tm_kind_name(e));

	h = pace_mix(h, ids, sizeof ids);
	char *summary = tm_summary_dup(e); /* every event's: not kept in the model */
	h = pace_mix_text(h, summary);
	free(summary);
	return h;
}

int pace_repeat_permille(unsigned r)
{
	int p = r >= 10 ? 0 : 1000 >> r;

	return p < PACE_MIN_PERMILLE ? PACE_MIN_PERMILLE : p;
}

int64_t pace_base_us(enum tm_kind k)
{
	if (k == TM_NARRATE)
		return PACE_NARRATE_US;
	if (tm_kind_travels(k))
		return PACE_TRAVEL_US;
	return tm_kind_is_decision(k) ? PACE_DECISION_US : PACE_OTHER_US;
}

/* ---- repeat counts ---- */

struct pace_counts {
	uint64_t *sig;
	unsigned *count;
	size_t cap; /* a power of two, at least twice the events */
};

static void pace_counts_init(struct pace_counts *c, size_t n)
{
	c->cap = 16;
	while (c->cap < 2 * n)
		c->cap *= 2;
	c->sig = xcalloc(c->cap, sizeof *c->sig);
	c->count = xcalloc(c->cap, sizeof *c->count);
}

/* The slot of sig (count 0 when it is new). */
static size_t pace_slot(const struct pace_counts *c, uint64_t sig)
{
	size_t i = (size_t)(sig ^ (sig >> 29)) & (c->cap - 1);

	while (c->count[i] && c->sig[i] != sig)
		i = (i + 1) & (c->cap - 1);
	return i;
}

static unsigned pace_seen(const struct pace_counts *c, uint64_t sig)
{
	return c->count[pace_slot(c, sig)];
}

static void pace_count(struct pace_counts *c, uint64_t sig)
{
	size_t i = pace_slot(c, sig);

	c->sig[i] = sig;
	c->count[i]++;
}

/* ---- rules ---- */

static bool pace_is_burst(const struct tm_event *prev, const struct tm_event *e)
{
	return prev && prev->t_us == e->t_us && e->conn >= 0 && prev->conn == e->conn &&
	       prev->dir == e->dir && prev->kind == e->kind;
}

static int64_t pace_gap(int64_t real, unsigned next_repeats)
{
	if (real <= TL_GAP_THRESHOLD_US)
		return real;
	int64_t span = (int64_t)TL_GAP_SPAN_US * pace_repeat_permille(next_repeats) / 1000;
	return span < PACE_GAP_MIN_US ? PACE_GAP_MIN_US : span;
}

/* Rule 5: scale everything by budget/total, keeping the dwell floor. */
static int64_t pace_fit(int64_t *dwell, int64_t *gap, size_t n, int64_t total,
			int64_t budget)
{
	int64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		/* a dwell or gap is at most seconds, the budget a minute: the
		 * products stay far below 2^63 */
		dwell[i] = dwell[i] * budget / total;
		if (dwell[i] < PACE_MIN_DWELL_US)
			dwell[i] = PACE_MIN_DWELL_US;
		gap[i] = gap[i] * budget / total;
		sum += dwell[i] + gap[i];
	}
	return sum;
}

int64_t pace_compute(const struct tm_model *m, int64_t budget_us, int64_t *dwell,
		     int64_t *gap)
{
	struct pace_counts counts;
	uint64_t *sig = xmalloc((m->nev ? m->nev : 1) * sizeof *sig);
	int64_t total = 0;

	pace_counts_init(&counts, m->nev);
	for (size_t i = 0; i < m->nev; i++)
		sig[i] = pace_signature(&m->ev[i]);
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		int64_t d = pace_base_us(e->kind) * pace_repeat_permille(pace_seen(&counts, sig[i])) / 1000;
		pace_count(&counts, sig[i]);
		if (pace_is_burst(i ? &m->ev[i - 1] : NULL, e))
			d /= 2;
		dwell[i] = d < PACE_MIN_DWELL_US ? PACE_MIN_DWELL_US : d;
		gap[i] = i + 1 < m->nev ? pace_gap(m->ev[i + 1].t_us - e->t_us,
						   pace_seen(&counts, sig[i + 1])) : 0;
		total += dwell[i] + gap[i];
	}
	if (budget_us > 0 && total > budget_us)
		total = pace_fit(dwell, gap, m->nev, total, budget_us);
	free(counts.sig);
	free(counts.count);
	free(sig);
	return total;
}

int64_t pace_reading_us(const char *text)
{
	int64_t words = 0;
	bool in_word = false;

	for (const char *p = text ? text : ""; *p; p++) {
		bool space = *p == ' ' || *p == '\t' || *p == '\n';
		words += !space && !in_word;
		in_word = !space;
	}
	int64_t t = words * 1000000 / PACE_WORDS_PER_S;
	return t < PACE_READ_MIN_US ? PACE_READ_MIN_US : t;
}

/* Display time from event i's start to the end of its caption's step: the
 * next narrate, or the end of the event before an idle gap. */
static int64_t pace_caption_span(const struct tm_model *m, size_t i, const int64_t *dwell,
				 const int64_t *gap)
{
	int64_t span = 0;

	for (size_t j = i; j < m->nev; j++) {
		if (j > i && m->ev[j].kind == TM_NARRATE)
			break;
		span += dwell[j];
		if (j + 1 < m->nev && m->ev[j + 1].t_us - m->ev[j].t_us > TL_GAP_THRESHOLD_US)
			break; /* the caption is cleared at the idle gap */
		span += gap[j];
	}
	return span;
}

int64_t pace_hold_narration(const struct tm_model *m, int64_t *dwell, const int64_t *gap)
{
	int64_t total = 0;

	for (size_t i = 0; i < m->nev; i++) {
		if (m->ev[i].kind != TM_NARRATE)
			continue;
		int64_t need = pace_reading_us(tm_text(&m->ev[i])), have = pace_caption_span(m, i, dwell, gap);
		if (have < need)
			dwell[i] += need - have;
	}
	for (size_t i = 0; i < m->nev; i++)
		total += dwell[i] + gap[i];
	return total;
}
