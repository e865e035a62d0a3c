/* snap_ckpt.c — checkpoints of the snapshot's walk (see snap_ckpt.h). */
#include "snap_ckpt.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snap_count.h"
#include "util.h"

/* One queue entry's part that the walk changes after queue.enter. */
struct snap_qmut {
	int attempts;
	bool expired;
};

struct snap_ckpt {
	long ev;                  /* the walk's state after events 0..ev */
	size_t rec_pos;           /* the walk's records read by then (snap_walk.h) */
	size_t nq, nbox, nout, nans, nfaults;
	uint32_t gen_at;          /* snap.gen when it was taken */
	uint32_t *gen;            /* snap.qgen[0..nq): the change that left each */
	/* the entries changed since the checkpoint before (their gen above
	 * its gen_at), in index order, as they were: an entry left by
	 * change g is kept by the first checkpoint whose gen_at >= g */
	size_t nd, nrcpts;
	uint32_t *didx;           /* their indices */
	struct snap_qmut *q;      /* q[0..nd) */
	uint32_t *roff;           /* where each one's recipients start in rcpts */
	struct snap_rcpt *rcpts;  /* their recipients, entry after entry */
	uint8_t *sent;            /* outbox[0..nout).sent, one bit each */
	struct snap_answer *ans;
	struct snap_fault *faults;
	size_t bytes;
};

long snap_ckpt_every(size_t nev)
{
	long k = (long)((nev + SNAP_CKPT_MAX - 1) / SNAP_CKPT_MAX);

	return k < SNAP_CKPT_MIN_EVERY ? SNAP_CKPT_MIN_EVERY : k;
}

/* A copy of n items of size sz (NULL when n is 0), counted into *bytes. */
static void *snap_ckpt_dup(const void *p, size_t n, size_t sz, size_t *bytes)
{
	if (!n)
		return NULL;
	void *d = xmalloc(n * sz);
	memcpy(d, p, n * sz);
	*bytes += n * sz;
	return d;
}

static struct snap_ckpt *snap_ckpt_take(const struct snap *s, long ev)
{
	struct snap_ckpt *c = xcalloc(1, sizeof *c);
	uint32_t since = s->nckpt ? s->ckpt[s->nckpt - 1]->gen_at : 0;

	*c = (struct snap_ckpt){.ev = ev, .rec_pos = s->rec_pos, .nq = s->nq, .nbox = s->nbox,
				.nout = s->nout, .nans = s->nans, .nfaults = s->nfaults,
				.gen_at = s->gen, .bytes = sizeof *c};
	c->gen = snap_ckpt_dup(s->qgen, s->nq, sizeof *s->qgen, &c->bytes);
	for (size_t i = 0; i < s->nq; i++)
		if (s->qgen[i] > since) {
			c->nd++;
			c->nrcpts += s->q[i].nrcpts;
		}
	c->didx = xmalloc((c->nd ? c->nd : 1) * sizeof *c->didx);
	c->roff = xmalloc((c->nd ? c->nd : 1) * sizeof *c->roff);
	c->q = xmalloc((c->nd ? c->nd : 1) * sizeof *c->q);
	c->rcpts = xmalloc((c->nrcpts ? c->nrcpts : 1) * sizeof *c->rcpts);
	c->sent = xcalloc(s->nout / 8 + 1, 1);
	c->bytes += c->nd * (sizeof *c->didx + sizeof *c->roff + sizeof *c->q) +
		    c->nrcpts * sizeof *c->rcpts + s->nout / 8 + 1;
	for (size_t i = 0, d = 0, r = 0; i < s->nq; i++) {
		if (s->qgen[i] <= since)
			continue; /* kept, as it is, by an earlier checkpoint */
		c->didx[d] = (uint32_t)i;
		c->roff[d] = (uint32_t)r;
		c->q[d++] = (struct snap_qmut){s->q[i].attempts, s->q[i].expired};
		memcpy(&c->rcpts[r], s->q[i].rcpts, s->q[i].nrcpts * sizeof *c->rcpts);
		r += s->q[i].nrcpts;
	}
	for (size_t i = 0; i < s->nout; i++)
		if (s->outbox[i].sent)
			c->sent[i / 8] |= (uint8_t)(1u << (i % 8));
	c->ans = snap_ckpt_dup(s->ans, s->nans, sizeof *s->ans, &c->bytes);
	c->faults = snap_ckpt_dup(s->faults, s->nfaults, sizeof *s->faults, &c->bytes);
	return c;
}

static void snap_ckpt_free(struct snap_ckpt *c)
{
	free(c->q);
	free(c->gen);
	free(c->didx);
	free(c->roff);
	free(c->rcpts);
	free(c->sent);
	free(c->ans);
	free(c->faults);
	free(c);
}

void snap_ckpt_free_all(struct snap *s)
{
	for (size_t i = 0; i < s->nckpt; i++)
		snap_ckpt_free(s->ckpt[i]);
	free(s->ckpt);
	s->ckpt = NULL;
	s->nckpt = s->ckptcap = 0;
	s->ckpt_bytes = 0;
}

/* Checkpoint j stands after event (j + 1) * k - 1; the walk never skips
 * an event, so the ones taken are always a prefix. */
long snap_ckpt_due(const struct snap *s)
{
	long k = s->ckpt_every;

	return k > 0 ? ((long)s->nckpt + 1) * k - 1 : LONG_MAX;
}

void snap_ckpt_take_due(struct snap *s, long ev)
{
	if (ev != snap_ckpt_due(s))
		return;
	if (s->nckpt == s->ckptcap) {
		s->ckptcap = s->ckptcap ? 2 * s->ckptcap : 16;
		s->ckpt = xrealloc(s->ckpt, s->ckptcap * sizeof *s->ckpt);
	}
	s->ckpt[s->nckpt] = snap_ckpt_take(s, ev);
	s->ckpt_bytes += s->ckpt[s->nckpt++]->bytes;
}

/* Where the checkpoints keep entry v as change g left it: the first
 * checkpoint whose gen_at >= g kept it (snap_ckpt_take); at[] holds a
 * position per checkpoint that only moves forwards, as v does. */
static size_t snap_ckpt_kept(const struct snap *s, uint32_t g, size_t v, size_t *at,
			     const struct snap_ckpt **out)
{
	size_t lo = 0, hi = s->nckpt;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->ckpt[mid]->gen_at < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	assert(lo < s->nckpt);
	const struct snap_ckpt *k = s->ckpt[lo];
	size_t d = at[lo];
	while (d < k->nd && k->didx[d] < v)
		d++;
	assert(d < k->nd && k->didx[d] == v);
	at[lo] = d;
	*out = k;
	return d;
}

/* Queue entries as the checkpoint has them: those appended after it cut
 * off, and of the rest only those changed since it was taken (their gen
 * differs) copied back, from the checkpoint that kept that change; a
 * slot past the end whose gen is the checkpoint's still holds the entry
 * as it was then (cutting off leaves slots alone). The counts
 * (snap_count.h) follow each. */
static void snap_ckpt_restore_q(struct snap *s, const struct snap_ckpt *c)
{
	size_t had = s->nq, keep = had < c->nq ? had : c->nq;
	size_t *at = xcalloc(s->nckpt ? s->nckpt : 1, sizeof *at);

	for (size_t v = had; v-- > c->nq;)
		snap_count_entry_out(s, v);
	s->nq = c->nq;
	for (size_t v = 0; v < c->nq; v++) {
		bool same = s->qgen[v] == c->gen[v];
		if (v < keep && same)
			continue;
		struct snap_entry *q = &s->q[v];
		if (v < keep)
			snap_count_entry_out(s, v);
		if (same) { /* appended again: its slot still holds that change */
			snap_count_entry_in(s, v);
			continue;
		}
		const struct snap_ckpt *k;
		size_t d = snap_ckpt_kept(s, c->gen[v], v, at, &k);
		q->attempts = k->q[d].attempts;
		q->expired = k->q[d].expired;
		memcpy(q->rcpts, &k->rcpts[k->roff[d]], q->nrcpts * sizeof *k->rcpts);
		s->qgen[v] = c->gen[v];
		snap_count_entry_in(s, v);
	}
	free(at);
	snap_count_cut_done(s);
}

/* Outboxes and stored copies: the same, one sent flag each. */
static void snap_ckpt_restore_rest(struct snap *s, const struct snap_ckpt *c)
{
	size_t had = s->nout;

	for (size_t v = had; v-- > c->nout;)
		snap_count_outbox_out(s, v);
	s->nout = c->nout;
	for (size_t v = 0; v < c->nout; v++) {
		bool sent = (c->sent[v / 8] >> (v % 8)) & 1u;
		if (v < had && sent == s->outbox[v].sent)
			continue;
		if (v < had)
			snap_count_outbox_out(s, v);
		s->outbox[v].sent = sent;
		if (!sent)
			snap_count_composed(s, v);
	}
	for (size_t v = s->nbox; v-- > c->nbox;)
		snap_count_box_out(s, v);
	for (size_t v = s->nbox; v < c->nbox; v++)
		snap_count_box(s, v);
	s->nbox = c->nbox;
}

/* The slots past the new ends keep everything (their keys and links for
 * the hash indexes, their recipients) up to the high-water marks: a
 * checkpoint further on finds its entries there. */
static void snap_ckpt_restore(struct snap *s, const struct snap_ckpt *c)
{
	snap_ckpt_restore_q(s, c);
	snap_ckpt_restore_rest(s, c);
	/* answers and faults: copied back whole (both tables stay small) */
	if (c->nans > s->anscap) {
		s->anscap = c->nans;
		s->ans = xrealloc(s->ans, s->anscap * sizeof *s->ans);
	}
	if (c->nfaults > s->faultcap) {
		s->faultcap = c->nfaults;
		s->faults = xrealloc(s->faults, s->faultcap * sizeof *s->faults);
	}
	if (c->nans)
		memcpy(s->ans, c->ans, c->nans * sizeof *s->ans);
	if (c->nfaults)
		memcpy(s->faults, c->faults, c->nfaults * sizeof *s->faults);
	s->nans = c->nans;
	s->nfaults = c->nfaults;
	s->walked = c->ev;
	s->rec_pos = c->rec_pos;
}

void snap_ckpt_seek(struct snap *s, long cursor)
{
	long k = s->ckpt_every;
	/* the latest checkpoint at or before the cursor: j = (cursor + 1) / k - 1 */
	long j = k > 0 ? (cursor + 1) / k - 1 : -1;

	if (j >= (long)s->nckpt)
		j = (long)s->nckpt - 1;
	long at = j >= 0 ? s->ckpt[j]->ev : -1;
	if (s->walked <= cursor && s->walked >= at)
		return; /* walking on from here is no longer */
	static const struct snap_ckpt start = {.ev = -1}; /* nothing walked */
	snap_ckpt_restore(s, j >= 0 ? s->ckpt[j] : &start);
}
