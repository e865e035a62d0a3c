/* snap_count.c — places and retry clocks kept as the walk moves (see
 * snap_count.h). */
#include "snap_count.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static struct snap_host_count *host_of(struct snap *s, int host)
{
	return host >= 0 && (size_t)host < s->nhc ? &s->hc[host] : NULL;
}

void snap_count_free(struct snap *s)
{
	for (size_t h = 0; h < s->nhc; h++)
		free(s->hc[h].heap);
	free(s->hc);
	free(s->pairs);
	free(s->qgen);
	s->qgen = NULL;
	s->qgencap = 0;
	s->gen = 0;
	shm_free(&s->by_pair);
	s->hc = NULL;
	s->pairs = NULL;
	s->nhc = s->npairs = s->paircap = 0;
	s->stamp = 0;
}

void snap_count_reset(struct snap *s, size_t nnodes, size_t nmsgs)
{
	snap_count_free(s);
	shm_init(&s->by_pair, nnodes, nmsgs);
	s->nhc = nnodes;
	s->hc = xcalloc(nnodes ? nnodes : 1, sizeof *s->hc);
	for (size_t h = 0; h < nnodes; h++)
		s->hc[h].first_q = SIZE_MAX;
}

/* ---- pairs ---- */

uint32_t snap_count_pair(struct snap *s, int host, int msg)
{
	size_t v;

	if (host < 0 || msg < 0)
		return SNAP_NO_PAIR;
	if (shm_get(&s->by_pair, host, msg, &v))
		return (uint32_t)v;
	if (s->npairs == s->paircap) {
		s->paircap = s->paircap ? 2 * s->paircap : 256;
		s->pairs = xrealloc(s->pairs, s->paircap * sizeof *s->pairs);
	}
	s->pairs[s->npairs] = (struct snap_pair){host, msg, 0, 0, SNAP_NO_PAIR};
	shm_put(&s->by_pair, host, msg, s->npairs);
	return (uint32_t)s->npairs++;
}

/* The places a pair gives and their kind (the rule in snap_count.h). */
static long pair_places(const struct snap *s, const struct snap_pair *p,
			enum snap_place_kind *k)
{
	if (p->unsent) {
		*k = PLACE_OUTBOX;
		return p->unsent;
	}
	if (p->live) {
		*k = PLACE_QUEUE;
		return 1;
	}
	if (p->first_box != SNAP_NO_PAIR) {
		*k = s->box[p->first_box].folder ? PLACE_MAILBOX : PLACE_FETCHED;
		return 1;
	}
	return 0;
}

/* Add (sign 1) or take away (-1) a pair's places from its host's counts. */
static void pair_tally(struct snap *s, const struct snap_pair *p, long sign)
{
	struct snap_host_count *hc = host_of(s, p->host);
	enum snap_place_kind k = PLACE_OUTBOX;
	long n = pair_places(s, p, &k);

	if (hc && n)
		hc->place[k] += sign * n;
}

/* Set one of a pair's fields, its host's counts following: the pair's
 * places are taken out under the old value and put back under the new. */
static void pair_set(struct snap *s, struct snap_pair *p, uint32_t *field, uint32_t value)
{
	pair_tally(s, p, -1);
	*field = value;
	pair_tally(s, p, 1);
}

/* ---- the walk's changes ---- */

/* An unsent outbox comes into the counts (up) or leaves them. */
static void outbox_tally(struct snap *s, const struct snap_outbox *o, bool up)
{
	struct snap_host_count *hc = host_of(s, o->host);

	if (o->pair == SNAP_NO_PAIR) {
		if (hc) { /* composed with no message: placed, never marked */
			hc->anon_out += up ? 1 : -1;
			hc->place[PLACE_OUTBOX] += up ? 1 : -1;
		}
		return;
	}
	struct snap_pair *p = &s->pairs[o->pair];
	pair_set(s, p, &p->unsent, up ? p->unsent + 1 : p->unsent - 1);
}

void snap_count_composed(struct snap *s, size_t v)
{
	outbox_tally(s, &s->outbox[v], true);
}

void snap_count_sent(struct snap *s, size_t v)
{
	snap_count_outbox_out(s, v);
	s->outbox[v].sent = true;
}

void snap_count_outbox_out(struct snap *s, size_t v)
{
	if (!s->outbox[v].sent)
		outbox_tally(s, &s->outbox[v], false);
}

/* An entry's waiting recipients went from none to some (up) or back. */
static void entry_live(struct snap *s, const struct snap_entry *q, bool up)
{
	if (q->pair == SNAP_NO_PAIR)
		return;
	struct snap_pair *p = &s->pairs[q->pair];
	pair_set(s, p, &p->live, up ? p->live + 1 : p->live - 1);
}

void snap_count_touch(struct snap *s, size_t v)
{
	if (v >= s->qgencap) {
		s->qgencap = v < 512 ? 1024 : 2 * v;
		s->qgen = xrealloc(s->qgen, s->qgencap * sizeof *s->qgen);
	}
	s->qgen[v] = ++s->gen;
}

/* ---- retry clocks: a binary min-heap per host on next_us ---- */

static void heap_up(struct snap_retry_ref *h, size_t i)
{
	struct snap_retry_ref x = h[i];

	while (i > 0 && h[(i - 1) / 2].next_us > x.next_us) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
}

static void heap_down(struct snap_retry_ref *h, size_t n, size_t i)
{
	struct snap_retry_ref x = h[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].next_us < h[c].next_us)
			c++;
		if (h[c].next_us >= x.next_us)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static bool ref_current(const struct snap *s, const struct snap_retry_ref *r)
{
	if (r->entry >= s->nq || r->rcpt >= s->q[r->entry].nrcpts)
		return false;
	const struct snap_rcpt *rc = &s->q[r->entry].rcpts[r->rcpt];
	return rc->state == SNAP_DEFERRED && rc->stamp == r->stamp;
}

static void heap_append(struct snap_host_count *hc, struct snap_retry_ref r)
{
	if (hc->nheap == hc->heapcap) {
		hc->heapcap = hc->heapcap ? 2 * hc->heapcap : 16;
		hc->heap = xrealloc(hc->heap, hc->heapcap * sizeof *hc->heap);
	}
	hc->heap[hc->nheap++] = r;
}

static void heap_make(struct snap_host_count *hc)
{
	for (size_t i = hc->nheap / 2; i-- > 0;)
		heap_down(hc->heap, hc->nheap, i);
}

/* More stale items than current ones: keep the current, heap again
 * (amortised O(1) per push). */
static void heap_compact(const struct snap *s, struct snap_host_count *hc)
{
	size_t k = 0;

	for (size_t i = 0; i < hc->nheap; i++)
		if (ref_current(s, &hc->heap[i]))
			hc->heap[k++] = hc->heap[i];
	hc->nheap = k;
	heap_make(hc);
}

static void retry_push(struct snap *s, size_t v, size_t r)
{
	struct snap_entry *q = &s->q[v];
	struct snap_host_count *hc = host_of(s, q->host);

	q->rcpts[r].stamp = ++s->stamp;
	if (!hc)
		return;
	heap_append(hc, (struct snap_retry_ref){q->rcpts[r].next_us, (uint32_t)v, (uint32_t)r,
						 q->rcpts[r].stamp});
	heap_up(hc->heap, hc->nheap - 1);
	if (hc->nheap > 2 * (size_t)hc->deferred + 64)
		heap_compact(s, hc);
}

static bool waiting(enum snap_rcpt_state st)
{
	return st == SNAP_QUEUED || st == SNAP_DEFERRED;
}

void snap_count_entry_in(struct snap *s, size_t v)
{
	struct snap_entry *q = &s->q[v];
	struct snap_host_count *hc = host_of(s, q->host);

	q->nwaiting = 0;
	for (size_t r = 0; r < q->nrcpts; r++) {
		q->nwaiting += waiting(q->rcpts[r].state);
		if (q->rcpts[r].state != SNAP_DEFERRED)
			continue;
		if (hc)
			hc->deferred++;
		retry_push(s, v, r); /* a new stamp: items left from before are stale */
	}
	if (q->nwaiting)
		entry_live(s, q, true);
	if (hc && (hc->first_q == SIZE_MAX || v < hc->first_q))
		hc->first_q = v;
}

void snap_count_entry_out(struct snap *s, size_t v)
{
	struct snap_entry *q = &s->q[v];
	struct snap_host_count *hc = host_of(s, q->host);

	for (size_t r = 0; hc && r < q->nrcpts; r++)
		hc->deferred -= q->rcpts[r].state == SNAP_DEFERRED;
	if (q->nwaiting)
		entry_live(s, q, false);
	q->nwaiting = 0;
}

/* A host whose first entry was cut off has none left (it was the first). */
void snap_count_cut_done(struct snap *s)
{
	for (size_t h = 0; h < s->nhc; h++)
		if (s->hc[h].first_q != SIZE_MAX && s->hc[h].first_q >= s->nq)
			s->hc[h].first_q = SIZE_MAX;
}

void snap_count_entry(struct snap *s, size_t v)
{
	snap_count_touch(s, v);
	snap_count_entry_in(s, v);
}

void snap_count_rcpt(struct snap *s, size_t v, size_t r, enum snap_rcpt_state st,
		     int64_t next_us)
{
	struct snap_entry *q = &s->q[v];
	struct snap_rcpt *rc = &q->rcpts[r];
	struct snap_host_count *hc = host_of(s, q->host);
	bool was_w = waiting(rc->state), was_d = rc->state == SNAP_DEFERRED;

	snap_count_touch(s, v);
	rc->state = st;
	if (hc)
		hc->deferred += (st == SNAP_DEFERRED) - was_d;
	if (st == SNAP_DEFERRED) {
		rc->next_us = next_us;
		retry_push(s, v, r); /* a new stamp: an older item goes stale */
	}
	if (!was_w && waiting(st) && q->nwaiting++ == 0)
		entry_live(s, q, true);
	else if (was_w && !waiting(st) && --q->nwaiting == 0)
		entry_live(s, q, false);
}

void snap_count_box(struct snap *s, size_t v)
{
	const struct snap_stored *b = &s->box[v];

	if (b->pair == SNAP_NO_PAIR || s->pairs[b->pair].first_box != SNAP_NO_PAIR)
		return;
	struct snap_pair *p = &s->pairs[b->pair];
	pair_set(s, p, &p->first_box, (uint32_t)v);
}

void snap_count_box_out(struct snap *s, size_t v)
{
	const struct snap_stored *b = &s->box[v];

	if (b->pair == SNAP_NO_PAIR || s->pairs[b->pair].first_box != v)
		return;
	struct snap_pair *p = &s->pairs[b->pair];
	pair_set(s, p, &p->first_box, SNAP_NO_PAIR);
}

/* ---- from scratch ---- */

static void recount_entries(struct snap *s)
{
	for (size_t v = 0; v < s->nq; v++) {
		struct snap_entry *q = &s->q[v];
		struct snap_host_count *hc = host_of(s, q->host);
		q->nwaiting = 0;
		for (size_t r = 0; r < q->nrcpts; r++) {
			const struct snap_rcpt *rc = &q->rcpts[r];
			q->nwaiting += waiting(rc->state);
			if (rc->state != SNAP_DEFERRED || !hc)
				continue;
			hc->deferred++;
			heap_append(hc, (struct snap_retry_ref){rc->next_us, (uint32_t)v, (uint32_t)r,
								 rc->stamp});
		}
		if (q->nwaiting && q->pair != SNAP_NO_PAIR)
			s->pairs[q->pair].live++;
		if (hc && hc->first_q == SIZE_MAX)
			hc->first_q = v;
	}
}

void snap_count_recount(struct snap *s)
{
	for (size_t i = 0; i < s->npairs; i++) {
		s->pairs[i].unsent = s->pairs[i].live = 0;
		s->pairs[i].first_box = SNAP_NO_PAIR;
	}
	for (size_t h = 0; h < s->nhc; h++) {
		struct snap_host_count *hc = &s->hc[h];
		memset(hc->place, 0, sizeof hc->place);
		hc->anon_out = hc->deferred = 0;
		hc->first_q = SIZE_MAX;
		hc->nheap = 0;
	}
	for (size_t v = 0; v < s->nout; v++) {
		const struct snap_outbox *o = &s->outbox[v];
		struct snap_host_count *hc = host_of(s, o->host);
		if (o->sent)
			continue;
		if (o->pair != SNAP_NO_PAIR)
			s->pairs[o->pair].unsent++;
		else if (hc)
			hc->anon_out++;
	}
	recount_entries(s);
	for (size_t v = 0; v < s->nbox; v++) {
		uint32_t p = s->box[v].pair;
		if (p != SNAP_NO_PAIR && s->pairs[p].first_box == SNAP_NO_PAIR)
			s->pairs[p].first_box = (uint32_t)v;
	}
	for (size_t i = 0; i < s->npairs; i++)
		pair_tally(s, &s->pairs[i], 1);
	for (size_t h = 0; h < s->nhc; h++) {
		s->hc[h].place[PLACE_OUTBOX] += s->hc[h].anon_out;
		heap_make(&s->hc[h]);
	}
}

/* ---- reading ---- */

long snap_count_at(const struct snap *s, int host, enum snap_place_kind k)
{
	return host >= 0 && (size_t)host < s->nhc ? s->hc[host].place[k] : 0;
}

long snap_count_of(const struct snap *s, int host, int msg, enum snap_place_kind *k)
{
	size_t v;

	*k = PLACE_OUTBOX;
	if (host < 0)
		return 0;
	if (msg < 0)
		return (size_t)host < s->nhc ? s->hc[host].anon_out : 0;
	if (!shm_get(&s->by_pair, host, msg, &v))
		return 0;
	return pair_places(s, &s->pairs[v], k);
}

bool snap_count_retry(struct snap *s, int host, long *deferred, int64_t *next,
		      size_t *first_ev)
{
	struct snap_host_count *hc = host_of(s, host);

	if (!hc || hc->first_q == SIZE_MAX)
		return false;
	while (hc->nheap && !ref_current(s, &hc->heap[0])) { /* drop stale tops */
		hc->heap[0] = hc->heap[--hc->nheap];
		if (hc->nheap)
			heap_down(hc->heap, hc->nheap, 0);
	}
	*deferred = hc->deferred;
	*next = hc->nheap ? hc->heap[0].next_us : INT64_MAX;
	*first_ev = s->q[hc->first_q].enter_ev;
	return true;
}

size_t snap_count_queue_order(const struct snap *s, int *order)
{
	size_t n = 0;

	for (size_t h = 0; h < s->nhc; h++) {
		if (s->hc[h].first_q == SIZE_MAX)
			continue;
		size_t j = n++; /* insertion sort by first entry: few hosts */
		for (; j > 0 && s->hc[order[j - 1]].first_q > s->hc[h].first_q; j--)
			order[j] = order[j - 1];
		order[j] = (int)h;
	}
	return n;
}

/* ---- the list ---- */

static void place_push(struct snap_place **arr, size_t *n, size_t *cap, struct snap_place p)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*arr = xrealloc(*arr, *cap * sizeof **arr);
	}
	(*arr)[(*n)++] = p;
}

size_t snap_places_fill(const struct snap *s, struct snap_place **arr, size_t *cap)
{
	size_t n = 0;
	/* pairs already listed from a queue entry */
	uint8_t *listed = xcalloc(s->npairs / 8 + 1, 1);

	for (size_t v = 0; v < s->nout; v++) {
		const struct snap_outbox *o = &s->outbox[v];
		if (!o->sent && o->host >= 0)
			place_push(arr, &n, cap, (struct snap_place){o->msg_idx, o->host, PLACE_OUTBOX});
	}
	for (size_t v = 0; v < s->nq; v++) {
		uint32_t p = s->q[v].pair;
		if (!s->q[v].nwaiting || p == SNAP_NO_PAIR || s->pairs[p].unsent ||
		    (listed[p / 8] >> (p % 8) & 1))
			continue;
		listed[p / 8] |= (uint8_t)(1u << (p % 8));
		place_push(arr, &n, cap, (struct snap_place){s->q[v].msg_idx, s->q[v].host, PLACE_QUEUE});
	}
	for (size_t v = 0; v < s->nbox; v++) {
		uint32_t p = s->box[v].pair;
		if (p == SNAP_NO_PAIR || s->pairs[p].first_box != v || s->pairs[p].unsent ||
		    s->pairs[p].live)
			continue;
		place_push(arr, &n, cap, (struct snap_place){s->box[v].msg_idx, s->box[v].host,
							     s->box[v].folder ? PLACE_MAILBOX
									      : PLACE_FETCHED});
	}
	free(listed);
	return n;
}
