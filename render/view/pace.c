/* pace.c — display pacing (see pace.h). The repeat counts live in a small
 * open-addressing table keyed by signature; its order never matters, only
 * the counts, so the result depends on the trace alone. */
#include "pace.h"

#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "util.h"

#define SIG_SEED 0x243f6a8885a308d3ULL
#define SIG_MUL 0x9e3779b97f4a7c15ULL

/* One 64-bit word into the hash: multiply, then fold the high bits down
 * so every input bit reaches the low bits the table indexes with. */
static uint64_t pace_mix_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * SIG_MUL;
	return h ^ (h >> 29);
}

/* n bytes, eight at a time; the last word carries the tail's length in
 * its top byte (a tail has at most seven bytes), so "a" and "a\0" differ. */
static uint64_t pace_mix(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = pace_mix_word(h, w);
	}
	w = 0;
	memcpy(&w, p, n);
	return pace_mix_word(h, w ^ ((uint64_t)n << 56));
}

/* Every run of digits as one '#', in place: "attempt 7" and "attempt 8"
 * are the same step told again. Returns the new length. */
static size_t pace_squeeze_digits(char *s, size_t n)
{
	size_t k = 0;
	bool in_digits = false;

	for (size_t i = 0; i < n; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';
		if (!digit || !in_digits)
			s[k++] = digit ? '#' : s[i];
		in_digits = digit;
	}
	return k;
}

/* The signature, with sb as scratch for the summary (a pass over every
 * event reuses one buffer instead of allocating a summary each). */
static uint64_t pace_signature_sb(const struct tm_event *e, struct strbuf *sb)
{
	int32_t ids[4] = {e->node, e->peer, e->port, (int32_t)e->dir};
	const char *kind = tm_kind_name(e);
	uint64_t h = pace_mix(SIG_SEED, kind, strlen(kind));

	h = pace_mix(h, ids, sizeof ids);
	tm_summary_into(e, sb); /* every event's: not kept in the model */
	return pace_mix(h, sb->data, pace_squeeze_digits(sb->data, sb->len));
}

uint64_t pace_signature(const struct tm_event *e)
{
	struct strbuf sb;

	sb_init(&sb);
	uint64_t h = pace_signature_sb(e, &sb);
	sb_free(&sb);
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

struct pace_slot {
	uint64_t sig;
	unsigned count; /* 0: empty */
};

/* Grows with the distinct signatures, not the events: a big trace repeats
 * most of its steps, and a table sized for every event would be pages of
 * zeros touched at random. */
struct pace_counts {
	struct pace_slot *slot;
	size_t cap; /* a power of two, at least twice used */
	size_t used;
};

static void pace_counts_init(struct pace_counts *c, size_t cap)
{
	c->cap = cap;
	c->used = 0;
	c->slot = xcalloc(c->cap, sizeof *c->slot);
}

/* The slot of sig (count 0 when it is new). */
static size_t pace_find(const struct pace_counts *c, uint64_t sig)
{
	size_t i = (size_t)(sig ^ (sig >> 32)) & (c->cap - 1);

	while (c->slot[i].count && c->slot[i].sig != sig)
		i = (i + 1) & (c->cap - 1);
	return i;
}

static unsigned pace_seen(const struct pace_counts *c, uint64_t sig)
{
	return c->slot[pace_find(c, sig)].count;
}

static void pace_count(struct pace_counts *c, uint64_t sig)
{
	size_t i = pace_find(c, sig);

	c->slot[i].sig = sig;
	if (c->slot[i].count++ || ++c->used * 2 <= c->cap)
		return;
	struct pace_counts bigger;
	pace_counts_init(&bigger, c->cap * 2);
	for (size_t j = 0; j < c->cap; j++)
		if (c->slot[j].count)
			bigger.slot[pace_find(&bigger, c->slot[j].sig)] = c->slot[j];
	bigger.used = c->used;
	free(c->slot);
	*c = bigger;
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
	struct strbuf sb;
	int64_t total = 0;
	uint64_t next = 0; /* the signature of event i + 1, once known */

	pace_counts_init(&counts, 1024);
	sb_init(&sb);
	if (m->nev)
		next = pace_signature_sb(&m->ev[0], &sb);
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		uint64_t sig = next;
		int64_t d = pace_base_us(e->kind) * pace_repeat_permille(pace_seen(&counts, sig)) / 1000;
		pace_count(&counts, sig);
		if (pace_is_burst(i ? &m->ev[i - 1] : NULL, e))
			d /= 2;
		dwell[i] = d < PACE_MIN_DWELL_US ? PACE_MIN_DWELL_US : d;
		gap[i] = 0;
		if (i + 1 < m->nev) {
			next = pace_signature_sb(&m->ev[i + 1], &sb);
			gap[i] = pace_gap(m->ev[i + 1].t_us - e->t_us, pace_seen(&counts, next));
		}
		total += dwell[i] + gap[i];
	}
	if (budget_us > 0 && total > budget_us)
		total = pace_fit(dwell, gap, m->nev, total, budget_us);
	free(counts.slot);
	sb_free(&sb);
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
