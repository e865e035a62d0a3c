/* snap_walk.c — the snapshot's walk (see snap_walk.h): one handler per
 * kind in walk_on[]; each reads its event's fields (the first time the
 * walk passes it) and updates the snapshot's tables. */
#include "snap_walk.h"

#include <assert.h>
#include <stdlib.h>

#include "snap_count.h"

/* ---- lookups ---- */

struct snap_key {
	const struct snap *s;
	int host, msg;
	const char *qid;
	size_t qlen;          /* qid's length (it need not end in a NUL) */
};

static bool snap_match_qid(const void *ctx, size_t v)
{
	const struct snap_key *k = ctx;
	const char *id = k->s->q[v].queue_id;
	return k->s->q[v].host == k->host && strncmp(id, k->qid, k->qlen) == 0 &&
	       id[k->qlen] == '\0';
}

/* The indexes may name a slot past the end (the walk went back to a
 * checkpoint, snap_ckpt.h): the newest before the end is down its links. */
static size_t snap_qid_live(const struct snap *s, size_t v)
{
	while (v != SIZE_MAX && v >= s->nq)
		v = s->q[v].prev_qid;
	return v;
}

static size_t snap_msg_live(const struct snap *s, size_t v)
{
	while (v != SIZE_MAX && v >= s->nq)
		v = s->q[v].prev_msg;
	return v;
}

static size_t snap_out_live(const struct snap *s, size_t v)
{
	while (v != SIZE_MAX && v >= s->nout)
		v = s->outbox[v].prev;
	return v;
}

/* The newest entry's index by queue id; an event without one names its
 * message instead. SIZE_MAX when there is none. The id is compared where
 * it stands in the line (tm_peek_raw), not interned: only a lookup. */
static size_t snap_entry_of(struct snap *s, const struct tm_model *m, const struct tm_event *e)
{
	struct snap_key k = {s, e->node, e->msg_idx, NULL, 0};
	size_t v;

	if (!tm_peek_raw(m, e, "queue_id", &k.qid, &k.qlen) &&
	    (k.qid = tm_peek(m, e, "queue_id")) != NULL)
		k.qlen = strlen(k.qid);
	if (k.qid)
		return snx_get(&s->by_qid, snx_hash_strn((uint64_t)(uint32_t)e->node, k.qid, k.qlen),
			       snap_match_qid, &k, &v) ? snap_qid_live(s, v) : SIZE_MAX;
	if (e->msg_idx >= 0 && shm_get(&s->by_msg, e->node, e->msg_idx, &v))
		return snap_msg_live(s, v);
	return SIZE_MAX;
}

static const char *snap_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

/* ---- handlers ---- */

struct snap_ctx {
	struct snap *s;
	const struct tm_model *m;
	const struct tm_event *e;
	size_t idx;
	bool again;            /* walked before: its record is kept */
};

/* The event's record: the kept one, or a new one for the reader to fill
 * (*fresh set). */
static struct snap_rec *walk_rec(struct snap_ctx *c, bool *fresh)
{
	struct snap *s = c->s;

	*fresh = !c->again;
	if (c->again) {
		assert(s->rec_pos < s->nrec);
		return &s->rec[s->rec_pos++];
	}
	assert(s->rec_pos == s->nrec);
	s->rec_pos++;
	return SNAP_PUSH(s->rec, s->nrec, s->reccap);
}

static uint32_t walk_target(size_t v)
{
	return v == SIZE_MAX ? SNAP_REC_NONE : (uint32_t)v;
}

/* Walked again: the entry is in its slot; only what later events changed
 * goes back to how queue.enter made it. */
static void enter_again(struct snap *s)
{
	assert(s->nq < s->nq_hw);
	struct snap_entry *q = &s->q[s->nq++];
	q->attempts = 0;
	q->expired = false;
	for (size_t i = 0; i < q->nrcpts; i++)
		q->rcpts[i] = (struct snap_rcpt){.addr = q->rcpts[i].addr, .state = SNAP_QUEUED};
	snap_count_entry(s, s->nq - 1);
}

/* The queue entries' recipients, in the order the entries were made: a
 * restore goes over the entries in index order and then reads them in
 * sequence (a malloc each had scattered them over the heap, and a far
 * seek paid a cache miss per entry: over half its time on
 * campaign-100k). Entries are never freed one by one (snap_reset frees
 * them all), so the blocks only grow. */
enum { RBLOCK = 4096 };

struct snap_rblock {
	struct snap_rblock *next;
	size_t used, cap;
	struct snap_rcpt r[];
};

static struct snap_rcpt *rcpts_alloc(struct snap *s, size_t n)
{
	struct snap_rblock *b = s->rblocks;

	if (!b || b->cap - b->used < n) {
		size_t cap = n > RBLOCK ? n : RBLOCK;
		b = xmalloc(sizeof *b + cap * sizeof b->r[0]);
		*b = (struct snap_rblock){s->rblocks, 0, cap};
		s->rblocks = b;
	}
	struct snap_rcpt *r = &b->r[b->used];
	b->used += n;
	memset(r, 0, n * sizeof *r);
	return r;
}

void snap_walk_free_rcpts(struct snap *s)
{
	while (s->rblocks) {
		struct snap_rblock *next = s->rblocks->next;
		free(s->rblocks);
		s->rblocks = next;
	}
}

static void on_enter(struct snap_ctx *c)
{
	size_t nrc;
	struct snap *s = c->s;

	if (c->again) {
		enter_again(s);
		return;
	}
	const char *const *rc = tm_peek_items(c->m, c->e, "rcpts", &nrc);
	const char *qid = tm_peek(c->m, c->e, "queue_id");
	if (!qid)
		qid = "?";
	struct snap_key k = {s, c->e->node, c->e->msg_idx, qid, strlen(qid)};
	uint64_t hq = snx_hash_str((uint64_t)(uint32_t)c->e->node, qid);
	size_t v, prev_qid = SIZE_MAX, prev_msg = SIZE_MAX;

	assert(s->nq == s->nq_hw);
	if (snx_get(&s->by_qid, hq, snap_match_qid, &k, &v))
		prev_qid = snap_qid_live(s, v);
	if (c->e->msg_idx >= 0 && shm_get(&s->by_msg, c->e->node, c->e->msg_idx, &v))
		prev_msg = snap_msg_live(s, v);
	struct snap_entry *q = SNAP_PUSH(s->q, s->nq, s->qcap);
	s->nq_hw = s->nq;
	q->host = c->e->node;
	q->queue_id = qid;
	q->from = tm_peek(c->m, c->e, "from");
	q->msg_idx = c->e->msg_idx;
	q->enter_ev = c->idx;
	q->prev_qid = prev_qid;
	q->prev_msg = prev_msg;
	q->nrcpts = nrc;
	q->rcpts = rcpts_alloc(s, q->nrcpts);
	for (size_t i = 0; i < q->nrcpts; i++)
		q->rcpts[i] = (struct snap_rcpt){.addr = rc[i], .state = SNAP_QUEUED};
	q->pair = snap_count_pair(s, q->host, q->msg_idx);
	snx_put(&s->by_qid, hq, snap_match_qid, &k, s->nq - 1);
	if (q->msg_idx >= 0)
		shm_put(&s->by_msg, q->host, q->msg_idx, s->nq - 1);
	snap_count_entry(s, s->nq - 1);
}

static void on_attempt(struct snap_ctx *c)
{
	bool fresh;
	struct snap_rec *r = walk_rec(c, &fresh);

	if (fresh) {
		size_t v = snap_entry_of(c->s, c->m, c->e);
		r->target = walk_target(v);
		if (v != SIZE_MAX) {
			const char *dom = tm_peek(c->m, c->e, "domain");
			int had = c->s->q[v].attempts;
			long n = tm_peek_long(c->m, c->e, "attempt", had + 1);
			r->aux = (uint32_t)(n > had ? (int)n : had);
			r->a = dom;
		}
	}
	if (r->target == SNAP_REC_NONE)
		return;
	struct snap_entry *q = &c->s->q[r->target];
	snap_count_touch(c->s, r->target);
	q->attempts = (int)r->aux;
	for (size_t i = 0; i < q->nrcpts; i++) /* being tried again now */
		if (q->rcpts[i].state == SNAP_DEFERRED &&
		    (!r->a || ascii_strcaseeq(snap_domain(q->rcpts[i].addr), r->a)))
			snap_count_rcpt(c->s, r->target, i, SNAP_QUEUED, 0);
}

/* queue.defer/done/bounce: the state the recipient named by the event (or
 * every recipient still waiting when it names none) goes into, with the
 * latest status and reason. */
static void walk_rcpts(struct snap_ctx *c, enum snap_rcpt_state st)
{
	bool fresh;
	struct snap_rec *r = walk_rec(c, &fresh);

	if (fresh) {
		const char *res = st == SNAP_DELIVERED ? tm_peek(c->m, c->e, "result") : NULL;
		r->target = walk_target(snap_entry_of(c->s, c->m, c->e));
		if (res) /* done: where it went */
			st = strcmp(res, "relayed") == 0 ? SNAP_RELAYED :
			     strcmp(res, "quarantined") == 0 ? SNAP_QUARANTINED : SNAP_DELIVERED;
		r->aux = st;
		r->a = tm_peek(c->m, c->e, "status");
		r->b = tm_peek(c->m, c->e, "reason");
		if (st == SNAP_DEFERRED && !tm_peek_us(c->m, c->e, "next_attempt", &r->n))
			r->n = 0;
	}
	struct snap_entry *q = r->target == SNAP_REC_NONE ? NULL : &c->s->q[r->target];
	const char *only = c->e->rcpt;
	for (size_t i = 0; q && i < q->nrcpts; i++) {
		struct snap_rcpt *rc = &q->rcpts[i];
		bool waiting = rc->state == SNAP_QUEUED || rc->state == SNAP_DEFERRED;
		if (!(only ? ascii_strcaseeq(rc->addr, only) : waiting))
			continue;
		snap_count_rcpt(c->s, r->target, i, (enum snap_rcpt_state)r->aux, r->n);
		rc->status = r->a ? r->a : rc->status;
		rc->reason = r->b ? r->b : rc->reason;
	}
}

static void on_defer(struct snap_ctx *c)
{
	walk_rcpts(c, SNAP_DEFERRED);
}

static void on_done(struct snap_ctx *c)
{
	walk_rcpts(c, SNAP_DELIVERED);
}

static void on_bounce(struct snap_ctx *c)
{
	walk_rcpts(c, SNAP_BOUNCED);
}

static void on_expire(struct snap_ctx *c)
{
	bool fresh;
	struct snap_rec *r = walk_rec(c, &fresh);

	if (fresh)
		r->target = walk_target(snap_entry_of(c->s, c->m, c->e));
	if (r->target != SNAP_REC_NONE) {
		snap_count_touch(c->s, r->target);
		c->s->q[r->target].expired = true;
	}
}

/* Walked again: the stored copy is in its slot past the end. */
static bool box_again(struct snap_ctx *c)
{
	if (!c->again)
		return false;
	assert(c->s->nbox < c->s->boxcap);
	snap_count_box(c->s, c->s->nbox++);
	return true;
}

static void on_store(struct snap_ctx *c)
{
	if (box_again(c))
		return;
	struct snap_stored *b = SNAP_PUSH(c->s->box, c->s->nbox, c->s->boxcap);

	*b = (struct snap_stored){c->e->node, tm_peek(c->m, c->e, "user"), tm_peek(c->m, c->e, "folder"),
				  c->e->msg_idx, tm_peek_long(c->m, c->e, "bytes", 0), c->idx,
				  SNAP_NO_PAIR};
	if (!b->user)
		b->user = c->e->rcpt ? c->e->rcpt : "?";
	if (!b->folder)
		b->folder = "INBOX";
	b->pair = snap_count_pair(c->s, b->host, b->msg_idx);
	snap_count_box(c->s, c->s->nbox - 1);
}

/* A message body travelling (to the peer): it leaves the sender's outbox,
 * or, fetched over IMAP/POP3, rests with the reader. */
static void on_body(struct snap_ctx *c)
{
	const struct tm_event *e = c->e;

	if (e->msg_idx < 0 || e->peer < 0)
		return;
	if (e->kind == TM_SMTP_DATA) {
		size_t v;
		bool found = shm_get(&c->s->by_out, e->node, e->msg_idx, &v);
		for (v = found ? snap_out_live(c->s, v) : SIZE_MAX; v != SIZE_MAX;
		     v = c->s->outbox[v].prev)
			snap_count_sent(c->s, v); /* sent: no longer placed there */
		return;
	}
	if (box_again(c))
		return;
	struct snap_stored *b = SNAP_PUSH(c->s->box, c->s->nbox, c->s->boxcap);
	*b = (struct snap_stored){e->peer, NULL, NULL, e->msg_idx, tm_peek_long(c->m, e, "bytes", 0),
				  c->idx, snap_count_pair(c->s, e->peer, e->msg_idx)};
	snap_count_box(c->s, c->s->nbox - 1);
}

static void on_compose(struct snap_ctx *c)
{
	size_t v, prev = SIZE_MAX;

	if (c->again) { /* in its slot, with its link; not sent yet */
		assert(c->s->nout < c->s->outcap);
		c->s->outbox[c->s->nout++].sent = false;
		snap_count_composed(c->s, c->s->nout - 1);
		return;
	}
	/* the older outbox with this key, found before the slot is filled */
	if (shm_get(&c->s->by_out, c->e->node, c->e->msg_idx, &v))
		prev = snap_out_live(c->s, v);
	struct snap_outbox *o = SNAP_PUSH(c->s->outbox, c->s->nout, c->s->outcap);
	*o = (struct snap_outbox){c->e->msg_idx, c->e->node, false, prev,
				  snap_count_pair(c->s, c->e->node, c->e->msg_idx)};
	shm_put(&c->s->by_out, c->e->node, c->e->msg_idx, c->s->nout - 1);
	snap_count_composed(c->s, c->s->nout - 1);
}

/* The first walk finds the answer (a new one is pushed then, its question
 * set); walked again, a new one's slot past the end holds its question. */
static void on_answer(struct snap_ctx *c)
{
	bool fresh;
	struct snap_rec *r = walk_rec(c, &fresh);
	struct snap *s = c->s;

	if (fresh) {
		const char *qn = tm_peek(c->m, c->e, "qname"), *qt = tm_peek(c->m, c->e, "qtype");
		size_t i = 0, nanswers;
		while (i < s->nans && !(s->ans[i].host == c->e->node && qn && qt &&
					ascii_strcaseeq(s->ans[i].qname, qn) &&
					strcmp(s->ans[i].qtype, qt) == 0))
			i++;
		if (i == s->nans) {
			struct snap_answer *a = SNAP_PUSH(s->ans, s->nans, s->anscap);
			a->host = c->e->node;
			a->qname = qn ? qn : "?";
			a->qtype = qt ? qt : "?";
		}
		r->target = (uint32_t)i;
		r->a = tm_peek(c->m, c->e, "rcode") ? tm_peek(c->m, c->e, "rcode") : "";
		r->b = tm_peek(c->m, c->e, "answers");
		tm_peek_items(c->m, c->e, "answers", &nanswers);
		r->aux = (uint32_t)nanswers;
	}
	if (r->target >= s->nans) { /* new, walked again */
		assert(r->target == s->nans && r->target < s->anscap);
		s->nans++;
		s->ans[r->target].count = 0;
	}
	struct snap_answer *a = &s->ans[r->target];
	a->rcode = r->a;
	a->answers = r->b;
	a->nanswers = r->aux;
	a->count++;
	a->ev = c->idx;
}

static void on_fault_start(struct snap_ctx *c)
{
	struct snap_fault *f = SNAP_PUSH(c->s->faults, c->s->nfaults, c->s->faultcap);

	*f = (struct snap_fault){c->e->node, tm_peek(c->m, c->e, "fault"), tm_peek(c->m, c->e, "summary"),
				 c->idx};
	if (!f->fault)
		f->fault = "fault";
}

static void on_fault_end(struct snap_ctx *c)
{
	const char *type = tm_peek(c->m, c->e, "fault");

	for (size_t i = 0; i < c->s->nfaults; i++) {
		struct snap_fault *f = &c->s->faults[i];
		if (f->host == c->e->node && (!type || strcmp(f->fault, type) == 0)) {
			memmove(f, f + 1, (c->s->nfaults - i - 1) * sizeof *f);
			c->s->nfaults--;
			return;
		}
	}
}

typedef void (*snap_handler)(struct snap_ctx *c);

/* The walk: what each kind changes in the world. */
static const snap_handler walk_on[TM_KIND_COUNT] = {
	[TM_QUEUE_ENTER] = on_enter, [TM_QUEUE_ATTEMPT] = on_attempt,
	[TM_QUEUE_DEFER] = on_defer, [TM_QUEUE_DONE] = on_done,
	[TM_QUEUE_BOUNCE] = on_bounce, [TM_QUEUE_EXPIRE] = on_expire,
	[TM_MAILBOX_STORE] = on_store, [TM_SMTP_DATA] = on_body,
	[TM_IMAP_DATA] = on_body, [TM_POP3_DATA] = on_body,
	[TM_MSG_COMPOSE] = on_compose, [TM_DNS_ANSWER] = on_answer,
	[TM_FAULT_START] = on_fault_start, [TM_FAULT_END] = on_fault_end,
};

void snap_walk_event(struct snap *s, const struct tm_model *m, long i)
{
	const struct tm_event *e = &m->ev[i];
	struct snap_ctx c = {s, m, e, (size_t)i, i <= s->walk_hw};

	if (walk_on[e->kind])
		walk_on[e->kind](&c);
	s->walk_hw = i > s->walk_hw ? i : s->walk_hw;
}
