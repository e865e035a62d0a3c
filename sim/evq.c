/* evq.c — the event queue (see evq.h): two 4-ary min-heaps (near and far,
 * struct heap) of 16-byte {time, key} entries plus one array of payload
 * slots. What is said below of "the heap" holds for each.
 *
 * Layout and invariants:
 *  - key = (sequence << EVQ_SLOT_BITS) | slot. Sequences start at 1 and only
 *    grow, so keys are unique, never 0, and comparing keys of equal-time
 *    entries compares push order: equal times pop FIFO.
 *  - The heap is stored with the root at physical index HEAP_PAD (3) of a
 *    64-byte-aligned block, so node i's children 4i+1..4i+4 sit at physical
 *    4(i+1)..4(i+1)+3: the four 16-byte siblings share one cache line and a
 *    sift-down step touches one line per level.
 *  - A slot belongs to exactly one heap entry from push until that entry
 *    leaves the heap. slot.key == entry key means the event is live; slot.key
 *    == 0 means it was cancelled (lazy deletion) and the entry is discarded
 *    when it reaches the top, which is also when the slot is freed. So a slot
 *    is never reused while a stale heap entry still points at it, and a
 *    reused slot carries a new sequence: old ids can never match it again.
 *  - Free slots form a LIFO list linked through their arg field; LIFO reuse
 *    means the slot freed by a pop is the one the next push takes, still in
 *    cache.
 *  - live counts pushed-but-not-fired-not-cancelled events; n counts heap
 *    entries, dead ones included. When the dead entries outnumber the live
 *    ones (and exceed COMPACT_MIN), compact() removes them all, so the heap
 *    holds O(live) entries however many timers are cancelled. */
#include "evq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SLOT_MASK ((UINT64_C(1) << EVQ_SLOT_BITS) - 1)
/* Slots 0 .. SLOT_LIMIT-1: at most 2^EVQ_SLOT_BITS - 1 pending events. */
#define SLOT_LIMIT ((size_t)SLOT_MASK)
#define SEQ_MAX (UINT64_MAX >> EVQ_SLOT_BITS)
#define SLOT_NONE UINT32_MAX
#define HEAP_PAD 3
#define HEAP_ALIGN 64
/* Compact when more than this many dead entries outnumber the live. */
#define COMPACT_MIN 64
#define HEAP_INITIAL 61 /* 61 + HEAP_PAD = 64 entries = 1 KiB */

struct evq_entry {
	int64_t time;
	uint64_t key;
};

struct evq_slot {
	uint64_t key; /* the live event's key; 0 when free or cancelled */
	evq_fn fn;
	void *ctx;
	uint64_t arg; /* the payload, or the next free slot while free */
};

_Static_assert(sizeof(struct evq_entry) == 16, "heap entries are 16 bytes");
_Static_assert(sizeof(struct evq_slot) == 32, "slots divide a cache line");

/* An event pushed with evq_push_later: kept in a plain array, sorted by
 * (time, seq) before it is needed, instead of in the heap. */
struct evq_later {
	int64_t time;
	uint64_t seq;
	evq_fn fn;
	void *ctx;
	uint64_t arg;
};

/* One 4-ary heap of entries. */
struct heap {
	struct evq_entry *block; /* aligned allocation */
	struct evq_entry *e;     /* block + HEAP_PAD: e[0] is the root */
	size_t n, cap;
};

/* Entries due more than this after the last popped event's time go to the
 * far heap: retry timers (minutes), idle timeouts (5 minutes). The near
 * heap then holds what is in flight — packets, handshakes, lookups — and
 * stays a few levels deep however many messages wait in queues. Which
 * heap an entry is in never changes the order: a pop takes the smaller of
 * the two tops in the one (time, key) order. */
#define FAR_HORIZON ((int64_t)10 * 1000000) /* 10 s of simulated time */

struct evq {
	struct evq_later *later; /* [later_head, nlater) not yet fired */
	size_t nlater, later_head, later_cap;
	bool later_sorted;
	struct heap near, far;
	int64_t last_time;       /* of the last popped event */
	struct evq_slot *slots;
	size_t nslots, slots_cap;
	uint32_t free_head;
	size_t live;
	uint64_t next_seq;
};

static void evq_die(const char *why)
{
	fprintf(stderr, "mailsim: event queue: %s\n", why);
	abort();
}

/* bytes (a multiple of HEAP_ALIGN) aligned to a cache line. A large queue
 * is touched at random, one or two lines per level: with 4 KiB pages
 * nearly every access of a million-event queue also misses the TLB, so
 * arrays of 2 MiB and more are asked for in transparent huge pages
 * (xmalloc_big; a hint, and it never changes the order of events). */
static void *queue_alloc(size_t bytes)
{
	return xmalloc_big(bytes, HEAP_ALIGN);
}

/* Order by time, then key (= push order for equal times). The pair is
 * compared as one unsigned 128-bit number (time with its sign bit flipped
 * in the high half, key in the low half): two instructions and no branch. */
static inline unsigned __int128 entry_rank(struct evq_entry a)
{
	return ((unsigned __int128)((uint64_t)a.time ^ (UINT64_C(1) << 63)) << 64) | a.key;
}

static inline bool entry_less(struct evq_entry a, struct evq_entry b)
{
	return entry_rank(a) < entry_rank(b);
}

static void heap_alloc(struct heap *h, size_t cap)
{
	size_t bytes = (cap + HEAP_PAD) * sizeof(struct evq_entry);
	bytes = (bytes + HEAP_ALIGN - 1) / HEAP_ALIGN * HEAP_ALIGN;
	struct evq_entry *block = queue_alloc(bytes);
	if (h->n)
		memcpy(block + HEAP_PAD, h->e, h->n * sizeof(struct evq_entry));
	free(h->block);
	h->block = block;
	h->e = block + HEAP_PAD;
	h->cap = cap;
}

struct evq *evq_new(void)
{
	struct evq *q = xcalloc(1, sizeof(*q));
	heap_alloc(&q->near, HEAP_INITIAL);
	heap_alloc(&q->far, HEAP_INITIAL);
	q->last_time = INT64_MIN;
	q->free_head = SLOT_NONE;
	q->next_seq = 1;
	q->later_sorted = true;
	return q;
}

void evq_free(struct evq *q)
{
	if (!q)
		return;
	free(q->near.block);
	free(q->far.block);
	free(q->slots);
	free(q->later);
	free(q);
}

/* Slots are 32 bytes in a 64-byte-aligned array so that no slot straddles
 * two cache lines: a pop then costs at most one miss for its payload. */
static void slots_grow(struct evq *q)
{
	size_t cap = q->slots_cap ? q->slots_cap * 2 : 64;
	if (cap > SLOT_LIMIT)
		cap = SLOT_LIMIT;
	size_t bytes = (cap * sizeof(struct evq_slot) + HEAP_ALIGN - 1) / HEAP_ALIGN * HEAP_ALIGN;
	struct evq_slot *slots = queue_alloc(bytes);
	if (q->nslots)
		memcpy(slots, q->slots, q->nslots * sizeof(struct evq_slot));
	free(q->slots);
	q->slots = slots;
	q->slots_cap = cap;
}

static uint32_t slot_alloc(struct evq *q)
{
	uint32_t s = q->free_head;
	if (s != SLOT_NONE) {
		q->free_head = (uint32_t)q->slots[s].arg;
		return s;
	}
	if (q->nslots == SLOT_LIMIT)
		evq_die("more than 2^EVQ_SLOT_BITS - 1 (16777215) events pending");
	if (q->nslots == q->slots_cap)
		slots_grow(q);
	return (uint32_t)q->nslots++;
}

static inline void slot_free(struct evq *q, uint32_t s)
{
	q->slots[s].key = 0;
	q->slots[s].arg = q->free_head;
	q->free_head = s;
}

/* Move the hole at i up until x fits, then drop x into it. */
static inline void sift_up(struct evq_entry *h, size_t i, struct evq_entry x)
{
	unsigned __int128 rx = entry_rank(x);
	while (i > 0) {
		size_t p = (i - 1) >> 2;
		if (rx >= entry_rank(h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

/* Index of the smallest of the children c .. n-1 (fewer than four). */
static inline size_t min_child_tail(const struct evq_entry *h, size_t c, size_t n)
{
	size_t m = c;
	for (size_t j = c + 1; j < n; j++)
		if (entry_less(h[j], h[m]))
			m = j;
	return m;
}

/* Index of the smallest of the four children at c, without a branch: a
 * fixed tournament whose winners are picked by arithmetic (cmov). */
static inline size_t min_child4(const struct evq_entry *h, size_t c)
{
	size_t a = c + (size_t)entry_less(h[c + 1], h[c]);
	size_t b = c + 2 + (size_t)entry_less(h[c + 3], h[c + 2]);
	return entry_less(h[b], h[a]) ? b : a;
}

/* Remove the root of the n + 1 entries, x = h[n] being the last one: the
 * hole at the root goes down to a leaf along the smaller children (no
 * comparison with x on the way: the last entry almost always belongs near
 * the bottom), then x goes up from there. Fewer comparisons per level than
 * stopping early, and a predictable loop (Wegener's bottom-up heapsort). */
static inline void sift_down(struct evq_entry *h, size_t n, struct evq_entry x)
{
	size_t i = 0, c;
	while ((c = 4 * i + 1) + 3 < n) {
		size_t m = min_child4(h, c);
		h[i] = h[m];
		i = m;
	}
	if (c < n) {
		size_t m = min_child_tail(h, c, n);
		h[i] = h[m];
		i = m;
	}
	sift_up(h, i, x);
}

static inline void heap_remove_top(struct heap *h)
{
	size_t n = --h->n;
	if (n)
		sift_down(h->e, n, h->e[n]);
}

uint64_t evq_reserve_seq(struct evq *q)
{
	if (q->next_seq > SEQ_MAX)
		evq_die("sequence numbers exhausted");
	return q->next_seq++;
}

evq_id evq_push(struct evq *q, int64_t t, evq_fn fn, void *ctx, uint64_t arg)
{
	return evq_push_seq(q, t, evq_reserve_seq(q), fn, ctx, arg);
}

evq_id evq_push_seq(struct evq *q, int64_t t, uint64_t seq, evq_fn fn, void *ctx, uint64_t arg)
{
	if (seq == 0 || seq >= q->next_seq)
		evq_die("evq_push_seq: a sequence number that was never reserved");
	uint32_t s = slot_alloc(q);
	uint64_t key = (seq << EVQ_SLOT_BITS) | s;
	struct evq_slot *sl = &q->slots[s];
	sl->key = key;
	sl->fn = fn;
	sl->ctx = ctx;
	sl->arg = arg;
	bool far = q->last_time != INT64_MIN && t > q->last_time &&
		   (uint64_t)t - (uint64_t)q->last_time > (uint64_t)FAR_HORIZON;
	struct heap *h = far ? &q->far : &q->near;
	if (h->n == h->cap)
		heap_alloc(h, h->cap * 2);
	sift_up(h->e, h->n++, (struct evq_entry){ t, key });
	q->live++;
	return key;
}

bool evq_pending(const struct evq *q, evq_id id)
{
	size_t s = (size_t)(id & SLOT_MASK);
	return id != 0 && s < q->nslots && q->slots[s].key == id;
}

/* Put entry x at i of the n entries, moving down (Floyd's heap building). */
static void settle(struct evq_entry *h, size_t n, size_t i, struct evq_entry x)
{
	size_t c;
	while ((c = 4 * i + 1) < n) {
		size_t m = c + 3 < n ? min_child4(h, c) : min_child_tail(h, c, n);
		if (!entry_less(h[m], x))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = x;
}

/* Drop every dead entry and rebuild the heap in O(n). Called when the dead
 * outnumber the live, so its cost is O(1) per cancellation amortized and
 * the heap never holds more than about twice the live events. The order
 * of events cannot change: it is the total order of (time, key). */
static void compact_heap(struct evq *q, struct heap *hp)
{
	struct evq_entry *h = hp->e;
	size_t n = 0;
	for (size_t i = 0; i < hp->n; i++) {
		uint32_t s = (uint32_t)(h[i].key & SLOT_MASK);
		if (q->slots[s].key == h[i].key)
			h[n++] = h[i];
		else
			slot_free(q, s);
	}
	hp->n = n;
	for (size_t i = n / 4 + 1; i-- > 0;)
		if (i < n)
			settle(h, n, i, h[i]);
}

static void compact(struct evq *q)
{
	compact_heap(q, &q->near);
	compact_heap(q, &q->far);
}

bool evq_cancel(struct evq *q, evq_id id)
{
	if (!evq_pending(q, id))
		return false;
	q->slots[id & SLOT_MASK].key = 0; /* the heap entry is now dead */
	q->live--;
	size_t n = q->near.n + q->far.n;
	if (n - q->live > COMPACT_MIN && n - q->live > q->live)
		compact(q);
	return true;
}

/* Discard dead entries at the top; true if a live one is left there. */
static inline bool skip_dead(struct evq *q, struct heap *h)
{
	while (h->n > 0) {
		uint64_t key = h->e[0].key;
		uint32_t s = (uint32_t)(key & SLOT_MASK);
		if (q->slots[s].key == key)
			return true;
		heap_remove_top(h);
		slot_free(q, s);
	}
	return false;
}

/* The heap whose live top comes first, or NULL when both are empty. */
static inline struct heap *first_heap(struct evq *q)
{
	bool near = skip_dead(q, &q->near), far = skip_dead(q, &q->far);
	if (!far)
		return near ? &q->near : NULL;
	if (!near)
		return &q->far;
	return entry_less(q->far.e[0], q->near.e[0]) ? &q->far : &q->near;
}

/* The root's smallest child is almost always the next top, and the next pop
 * will read its slot, which in a large queue has long left the cache.
 * Prefetching it before this sift-down overlaps that miss with the
 * sift-down and the caller's work. A hint only: it never affects order.
 * (The prefetch itself stays in evq_pop: gcc deems a void helper whose only
 * effect is a prefetch "pure" and deletes the call.) */
static inline const struct evq_slot *next_top_slot(const struct evq *q, const struct heap *h)
{
	size_t end = h->n < 5 ? h->n : 5;
	size_t m = min_child_tail(h->e, 1, end);
	return &q->slots[h->e[m].key & SLOT_MASK];
}

void evq_push_later(struct evq *q, int64_t t, evq_fn fn, void *ctx, uint64_t arg)
{
	if (q->next_seq > SEQ_MAX)
		evq_die("sequence numbers exhausted");
	if (q->nlater == q->later_cap) {
		q->later_cap = q->later_cap ? q->later_cap * 2 : 64;
		q->later = xrealloc(q->later, q->later_cap * sizeof *q->later);
	}
	if (q->nlater > q->later_head && t < q->later[q->nlater - 1].time)
		q->later_sorted = false;
	q->later[q->nlater++] = (struct evq_later){t, q->next_seq++, fn, ctx, arg};
}

static int later_cmp(const void *a, const void *b)
{
	const struct evq_later *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq; /* unique: a total order */
}

/* The earliest not-yet-fired later event, or NULL. */
static const struct evq_later *later_head(struct evq *q)
{
	if (q->later_head == q->nlater)
		return NULL;
	if (!q->later_sorted) {
		qsort(q->later + q->later_head, q->nlater - q->later_head, sizeof *q->later, later_cmp);
		q->later_sorted = true;
	}
	return &q->later[q->later_head];
}

/* Consume the head; once the fired part is the larger, move the rest to
 * the front so the array holds O(pending) entries. */
static void later_advance(struct evq *q)
{
	if (++q->later_head == q->nlater) {
		q->later_head = q->nlater = 0;
	} else if (q->later_head >= 4096 && q->later_head * 2 >= q->nlater) {
		memmove(q->later, q->later + q->later_head,
			(q->nlater - q->later_head) * sizeof *q->later);
		q->nlater -= q->later_head;
		q->later_head = 0;
	}
}

/* Whether the later event l comes before the live top of h (NULL: no
 * heap entry): the same (time, push order) that orders the heaps. */
static inline bool later_first(const struct heap *h, const struct evq_later *l)
{
	if (!l)
		return false;
	if (!h)
		return true;
	const struct evq_entry *top = &h->e[0];
	return l->time < top->time || (l->time == top->time && l->seq < (top->key >> EVQ_SLOT_BITS));
}

bool evq_pop(struct evq *q, struct evq_event *out)
{
	return evq_pop_until(q, INT64_MAX, out);
}

bool evq_pop_until(struct evq *q, int64_t limit, struct evq_event *out)
{
	struct heap *h = first_heap(q);
	const struct evq_later *l = later_head(q);
	if (later_first(h, l)) {
		if (l->time > limit)
			return false;
		out->time = l->time;
		out->id = (l->seq << EVQ_SLOT_BITS) | SLOT_MASK; /* never pending */
		out->fn = l->fn;
		out->ctx = l->ctx;
		out->arg = l->arg;
		q->last_time = l->time;
		later_advance(q);
		return true;
	}
	if (!h || h->e[0].time > limit)
		return false;
	struct evq_entry top = h->e[0];
	uint32_t s = (uint32_t)(top.key & SLOT_MASK);
	const struct evq_slot *sl = &q->slots[s];
	out->time = top.time;
	out->id = top.key;
	out->fn = sl->fn;
	out->ctx = sl->ctx;
	out->arg = sl->arg;
	if (h->n > 1)
		__builtin_prefetch(next_top_slot(q, h));
	heap_remove_top(h);
	slot_free(q, s);
	q->live--;
	q->last_time = top.time;
	return true;
}

bool evq_peek_time(struct evq *q, int64_t *t)
{
	struct heap *h = first_heap(q);
	const struct evq_later *l = later_head(q);
	if (later_first(h, l)) {
		*t = l->time;
		return true;
	}
	if (!h)
		return false;
	*t = h->e[0].time;
	return true;
}

size_t evq_len(const struct evq *q)
{
	return q->live + (q->nlater - q->later_head);
}

size_t evq_heap_len(const struct evq *q)
{
	return q->near.n + q->far.n;
}

uint64_t evq_pushed_total(const struct evq *q)
{
	return q->next_seq - 1;
}
