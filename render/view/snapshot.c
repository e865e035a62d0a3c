/* snapshot.c — derive the world at a cursor from the trace (see
 * snapshot.h). One handler per kind in snap_on[]; each reads its event's
 * fields and updates the snapshot's tables. */
#include "snapshot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_ckpt.h"
#include "util.h"

#define SNAP_DEFAULT_WINDOW 40

/* Grow an array member by one slot and return it zeroed. */
#define SNAP_PUSH(arr, n, cap) \
	(((n) == (cap) ? ((cap) = (cap) ? 2 * (cap) : 16, \
			  (arr) = xrealloc((arr), (cap) * sizeof *(arr))) : 0), \
	 memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++])

void snap_init(struct snap *s)
{
	memset(s, 0, sizeof *s);
	s->cursor = -1;
	s->walked = -1;
}

/* Forget the walk: the next build starts from the first event. */
static void snap_reset(struct snap *s)
{
	for (size_t i = 0; i < (s->nq > s->nq_hw ? s->nq : s->nq_hw); i++)
		free(s->q[i].rcpts);
	snap_ckpt_free_all(s);
	s->nq_hw = 0;
	s->nq = s->nbox = s->nans = s->nfaults = s->nplaces = s->nbadges = s->nout = 0;
	snx_clear(&s->by_qid);
	snx_clear(&s->by_msg);
	snx_clear(&s->by_out);
	s->walked = -1;
	s->model = NULL;
}

void snap_free(struct snap *s)
{
	snap_reset(s);
	free(s->q);
	free(s->box);
	free(s->ans);
	free(s->faults);
	free(s->places);
	free(s->badges);
	free(s->outbox);
	snx_free(&s->by_qid);
	snx_free(&s->by_msg);
	snx_free(&s->by_out);
	free(s->place_gen);
	free(s->place_head);
	free(s->place_next);
	snap_init(s);
}

const char *snap_rcpt_state_name(enum snap_rcpt_state st)
{
	static const char *const names[] = {
		[SNAP_QUEUED] = "queued", [SNAP_DEFERRED] = "deferred",
		[SNAP_DELIVERED] = "delivered", [SNAP_RELAYED] = "relayed",
		[SNAP_BOUNCED] = "bounced", [SNAP_QUARANTINED] = "quarantined",
	};
	return names[st];
}

void snap_fmt_hms(int64_t us, char *out, size_t outsz)
{
	int64_t s = us / 1000000;

	snprintf(out, outsz, "%lld:%02lld:%02lld", (long long)(s / 3600),
		 (long long)(s / 60 % 60), (long long)(s % 60));
}

bool snap_entry_live(const struct snap_entry *e)
{
	for (size_t i = 0; i < e->nrcpts; i++)
		if (e->rcpts[i].state == SNAP_QUEUED || e->rcpts[i].state == SNAP_DEFERRED)
			return true;
	return false;
}

/* ---- lookups ---- */

struct snap_key {
	const struct snap *s;
	int host, msg;
	const char *qid;
};

static bool snap_match_qid(const void *ctx, size_t v)
{
	const struct snap_key *k = ctx;
	return k->s->q[v].host == k->host && strcmp(k->s->q[v].queue_id, k->qid) == 0;
}

static bool snap_match_msg(const void *ctx, size_t v)
{
	const struct snap_key *k = ctx;
	return k->s->q[v].host == k->host && k->s->q[v].msg_idx == k->msg;
}

static bool snap_match_out(const void *ctx, size_t v)
{
	const struct snap_key *k = ctx;
	return k->s->outbox[v].host == k->host && k->s->outbox[v].msg_idx == k->msg;
}

static uint64_t snap_hash_msg(int host, int msg)
{
	return snx_hash((uint64_t)(uint32_t)host, (uint64_t)(uint32_t)msg);
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

/* The newest entry with this queue id at this host. */
static struct snap_entry *snap_entry_find(struct snap *s, int host, const char *qid)
{
	struct snap_key k = {s, host, -1, qid};
	size_t v;

	if (qid && snx_get(&s->by_qid, snx_hash_str((uint64_t)(uint32_t)host, qid),
			   snap_match_qid, &k, &v) && (v = snap_qid_live(s, v)) != SIZE_MAX)
		return &s->q[v];
	return NULL;
}

/* By queue id; an event without one names its message instead. */
static struct snap_entry *snap_entry_of(struct snap *s, const struct tm_model *m,
					const struct tm_event *e)
{
	const char *qid = tm_peek(m, e, "queue_id");
	struct snap_key k = {s, e->node, e->msg_idx, NULL};
	size_t v;

	if (qid)
		return snap_entry_find(s, e->node, qid);
	if (e->msg_idx >= 0 &&
	    snx_get(&s->by_msg, snap_hash_msg(e->node, e->msg_idx), snap_match_msg, &k, &v) &&
	    (v = snap_msg_live(s, v)) != SIZE_MAX)
		return &s->q[v];
	return NULL;
}

static const char *snap_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

/* Apply fn to the recipient named by the event, or to every recipient
 * still waiting when the event names none. */
static void snap_each_rcpt(struct snap_entry *q, const struct tm_model *m,
			   const struct tm_event *e,
			   void (*fn)(struct snap_rcpt *r, const struct tm_model *m,
				      const struct tm_event *e))
{
	for (size_t i = 0; q && i < q->nrcpts; i++) {
		struct snap_rcpt *r = &q->rcpts[i];
		bool waiting = r->state == SNAP_QUEUED || r->state == SNAP_DEFERRED;
		if (e->rcpt ? ascii_strcaseeq(r->addr, e->rcpt) : waiting)
			fn(r, m, e);
	}
}

/* ---- badges ---- */

static void snap_badge(struct snap *s, int host, enum snap_badge_kind k, size_t ev,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void snap_badge(struct snap *s, int host, enum snap_badge_kind k, size_t ev,
		       const char *fmt, ...)
{
	va_list ap;

	if (host < 0)
		return;
	struct snap_badge *bd = SNAP_PUSH(s->badges, s->nbadges, s->badgecap);
	bd->host = host;
	bd->kind = k;
	bd->ev = ev;
	va_start(ap, fmt);
	vsnprintf(bd->text, sizeof bd->text, fmt, ap);
	va_end(ap);
	/* keep labels short and on one line */
	for (char *p = bd->text; *p; p++)
		*p = *p == '_' || (unsigned char)*p < 0x20 ? ' ' : *p;
}

/* ---- handlers ---- */

struct snap_ctx {
	struct snap *s;
	const struct tm_model *m;
	const struct tm_event *e;
	size_t idx;
};

static void on_enter(struct snap_ctx *c)
{
	size_t nrc;
	const char *const *rc = tm_peek_items(c->m, c->e, "rcpts", &nrc);
	struct snap *s = c->s;
	const char *qid = tm_peek(c->m, c->e, "queue_id") ? tm_peek(c->m, c->e, "queue_id") : "?";
	struct snap_key k = {s, c->e->node, c->e->msg_idx, qid};
	uint64_t hq = snx_hash_str((uint64_t)(uint32_t)c->e->node, qid);
	uint64_t hm = snap_hash_msg(c->e->node, c->e->msg_idx);
	size_t v, prev_qid = SIZE_MAX, prev_msg = SIZE_MAX;

	/* the older entries with the same keys, found before the slot is
	 * filled (walked again, it held this same entry: its links count) */
	if (snx_get(&s->by_qid, hq, snap_match_qid, &k, &v))
		prev_qid = snap_qid_live(s, v);
	if (c->e->msg_idx >= 0 && snx_get(&s->by_msg, hm, snap_match_msg, &k, &v))
		prev_msg = snap_msg_live(s, v);
	if (s->nq < s->nq_hw) /* walked again: the same entry, made anew */
		free(s->q[s->nq].rcpts);
	struct snap_entry *q = SNAP_PUSH(s->q, s->nq, s->qcap);
	s->nq_hw = s->nq > s->nq_hw ? s->nq : s->nq_hw;
	q->host = c->e->node;
	q->queue_id = qid;
	q->from = tm_peek(c->m, c->e, "from");
	q->msg_idx = c->e->msg_idx;
	q->enter_ev = c->idx;
	q->prev_qid = prev_qid;
	q->prev_msg = prev_msg;
	q->nrcpts = nrc;
	q->rcpts = xcalloc(q->nrcpts ? q->nrcpts : 1, sizeof *q->rcpts);
	for (size_t i = 0; i < q->nrcpts; i++)
		q->rcpts[i] = (struct snap_rcpt){rc[i], SNAP_QUEUED, 0, NULL, NULL};
	snx_put(&s->by_qid, hq, snap_match_qid, &k, s->nq - 1);
	if (q->msg_idx >= 0)
		snx_put(&s->by_msg, hm, snap_match_msg, &k, s->nq - 1);
}

static void on_attempt(struct snap_ctx *c)
{
	struct snap_entry *q = snap_entry_of(c->s, c->m, c->e);
	const char *dom = tm_peek(c->m, c->e, "domain");

	if (!q)
		return;
	long n = tm_peek_long(c->m, c->e, "attempt", q->attempts + 1);
	q->attempts = n > q->attempts ? (int)n : q->attempts;
	for (size_t i = 0; i < q->nrcpts; i++) /* being tried again now */
		if (q->rcpts[i].state == SNAP_DEFERRED &&
		    (!dom || ascii_strcaseeq(snap_domain(q->rcpts[i].addr), dom)))
			q->rcpts[i].state = SNAP_QUEUED;
}

static void set_status(struct snap_rcpt *r, const struct tm_model *m, const struct tm_event *e)
{
	const char *status = tm_peek(m, e, "status"), *reason = tm_peek(m, e, "reason");

	r->status = status ? status : r->status;
	r->reason = reason ? reason : r->reason;
}

static void set_deferred(struct snap_rcpt *r, const struct tm_model *m, const struct tm_event *e)
{
	r->state = SNAP_DEFERRED;
	if (!tm_peek_us(m, e, "next_attempt", &r->next_us))
		r->next_us = 0;
	set_status(r, m, e);
}

static void set_done(struct snap_rcpt *r, const struct tm_model *m, const struct tm_event *e)
{
	const char *res = tm_peek(m, e, "result");

	r->state = !res ? SNAP_DELIVERED : strcmp(res, "relayed") == 0 ? SNAP_RELAYED :
		   strcmp(res, "quarantined") == 0 ? SNAP_QUARANTINED : SNAP_DELIVERED;
	set_status(r, m, e);
}

static void set_bounced(struct snap_rcpt *r, const struct tm_model *m, const struct tm_event *e)
{
	r->state = SNAP_BOUNCED;
	set_status(r, m, e);
}

static void on_defer(struct snap_ctx *c)
{
	snap_each_rcpt(snap_entry_of(c->s, c->m, c->e), c->m, c->e, set_deferred);
}

static void on_done(struct snap_ctx *c)
{
	snap_each_rcpt(snap_entry_of(c->s, c->m, c->e), c->m, c->e, set_done);
}

static void on_bounce(struct snap_ctx *c)
{
	snap_each_rcpt(snap_entry_of(c->s, c->m, c->e), c->m, c->e, set_bounced);
}

static void on_expire(struct snap_ctx *c)
{
	struct snap_entry *q = snap_entry_of(c->s, c->m, c->e);

	if (q)
		q->expired = true;
}

static void on_store(struct snap_ctx *c)
{
	struct snap_stored *b = SNAP_PUSH(c->s->box, c->s->nbox, c->s->boxcap);

	*b = (struct snap_stored){c->e->node, tm_peek(c->m, c->e, "user"), tm_peek(c->m, c->e, "folder"),
				  c->e->msg_idx, tm_peek_long(c->m, c->e, "bytes", 0), c->idx};
	if (!b->user)
		b->user = c->e->rcpt ? c->e->rcpt : "?";
	if (!b->folder)
		b->folder = "INBOX";
}

/* A message body travelling (to the peer): it leaves the sender's outbox,
 * or, fetched over IMAP/POP3, rests with the reader. */
static void on_body(struct snap_ctx *c)
{
	const struct tm_event *e = c->e;

	if (e->msg_idx < 0 || e->peer < 0)
		return;
	if (e->kind == TM_SMTP_DATA) {
		struct snap_key k = {c->s, e->node, e->msg_idx, NULL};
		size_t v;
		bool found = snx_get(&c->s->by_out, snap_hash_msg(e->node, e->msg_idx),
				     snap_match_out, &k, &v);
		for (v = found ? snap_out_live(c->s, v) : SIZE_MAX; v != SIZE_MAX;
		     v = c->s->outbox[v].prev)
			c->s->outbox[v].sent = true; /* sent: no longer placed there */
		return;
	}
	struct snap_stored *b = SNAP_PUSH(c->s->box, c->s->nbox, c->s->boxcap);
	*b = (struct snap_stored){e->peer, NULL, NULL, e->msg_idx, tm_peek_long(c->m, e, "bytes", 0),
				  c->idx};
}

static void on_compose(struct snap_ctx *c)
{
	struct snap_key k = {c->s, c->e->node, c->e->msg_idx, NULL};
	uint64_t h = snap_hash_msg(c->e->node, c->e->msg_idx);
	size_t v, prev = SIZE_MAX;

	/* the older outbox with this key, found before the slot is filled */
	if (snx_get(&c->s->by_out, h, snap_match_out, &k, &v))
		prev = snap_out_live(c->s, v);
	struct snap_outbox *o = SNAP_PUSH(c->s->outbox, c->s->nout, c->s->outcap);
	*o = (struct snap_outbox){c->e->msg_idx, c->e->node, false, prev};
	snx_put(&c->s->by_out, h, snap_match_out, &k, c->s->nout - 1);
}

static void on_answer(struct snap_ctx *c)
{
	const char *qn = tm_peek(c->m, c->e, "qname"), *qt = tm_peek(c->m, c->e, "qtype");
	struct snap_answer *a = NULL;

	for (size_t i = 0; i < c->s->nans && !a; i++)
		if (c->s->ans[i].host == c->e->node && qn && qt &&
		    ascii_strcaseeq(c->s->ans[i].qname, qn) && strcmp(c->s->ans[i].qtype, qt) == 0)
			a = &c->s->ans[i];
	if (!a) {
		a = SNAP_PUSH(c->s->ans, c->s->nans, c->s->anscap);
		a->host = c->e->node;
		a->qname = qn ? qn : "?";
		a->qtype = qt ? qt : "?";
	}
	a->rcode = tm_peek(c->m, c->e, "rcode") ? tm_peek(c->m, c->e, "rcode") : "";
	a->answers = tm_peek(c->m, c->e, "answers");
	tm_peek_items(c->m, c->e, "answers", &a->nanswers);
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

/* policy.decision: refusals and holds; a delivery into another folder
 * than the inbox (a spam verdict's "Junk") is a decision too. */
static void on_policy(struct snap_ctx *c)
{
	static const struct { const char *decision; enum snap_badge_kind k; } rows[] = {
		{"reject", BADGE_REJECT}, {"greylist", BADGE_GREYLIST},
		{"discard", BADGE_DISCARD}, {"defer", BADGE_DEFER},
		{"quarantine", BADGE_QUARANTINE},
	};
	const char *d = tm_peek(c->m, c->e, "decision"), *folder = tm_peek(c->m, c->e, "folder");

	if (!d)
		return;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++)
		if (strcmp(d, rows[i].decision) == 0) {
			snap_badge(c->s, c->e->node, rows[i].k, c->idx, "%s", d);
			return;
		}
	if (strcmp(d, "deliver") == 0 && folder && strcmp(folder, "INBOX") != 0)
		snap_badge(c->s, c->e->node, BADGE_CHECK, c->idx, "into %s", folder);
}

/* filter.check: the total spam score, and checks that failed (SPF, DKIM,
 * DMARC, iprev, a DNSBL listing, a virus); passes are not decisions. */
static void on_filter(struct snap_ctx *c)
{
	static const char *const bad[] = {"fail", "softfail", "permerror", "temperror",
					  "listed", "infected", "virus", "reject", "quarantine"};
	const char *res = tm_peek(c->m, c->e, "result"), *score = tm_peek(c->m, c->e, "score");
	const char *sym = tm_peek(c->m, c->e, "symbol"), *filter = tm_peek(c->m, c->e, "filter");

	if (score && sym && strcmp(sym, "TOTAL") == 0) {
		snap_badge(c->s, c->e->node, BADGE_SPAM, c->idx, "spam score %s", score);
		return;
	}
	for (size_t i = 0; res && i < ARRAY_LEN(bad); i++)
		if (strcmp(res, bad[i]) == 0) {
			snap_badge(c->s, c->e->node, BADGE_CHECK, c->idx, "%s %s",
				   filter ? filter : "filter", res);
			return;
		}
}

static void on_dsn(struct snap_ctx *c)
{
	const char *action = tm_peek(c->m, c->e, "action"), *st = tm_peek(c->m, c->e, "status");

	bool delayed = action && strcmp(action, "delayed") == 0;

	snap_badge(c->s, c->e->node, delayed ? BADGE_DSN_DELAYED : BADGE_DSN, c->idx,
			   "DSN %s %s", action ? action : "failed", st ? st : "");
}

static void badge_bounce(struct snap_ctx *c)
{
	snap_badge(c->s, c->e->node, BADGE_BOUNCE, c->idx, "bounce %s",
		   tm_peek(c->m, c->e, "status") ? tm_peek(c->m, c->e, "status") : "");
}

static void badge_expire(struct snap_ctx *c)
{
	snap_badge(c->s, c->e->node, BADGE_EXPIRED, c->idx, "expired");
}

typedef void (*snap_handler)(struct snap_ctx *c);

/* The walk: what each kind changes in the world. */
static const snap_handler snap_on[TM_KIND_COUNT] = {
	[TM_QUEUE_ENTER] = on_enter, [TM_QUEUE_ATTEMPT] = on_attempt,
	[TM_QUEUE_DEFER] = on_defer, [TM_QUEUE_DONE] = on_done,
	[TM_QUEUE_BOUNCE] = on_bounce, [TM_QUEUE_EXPIRE] = on_expire,
	[TM_MAILBOX_STORE] = on_store, [TM_SMTP_DATA] = on_body,
	[TM_IMAP_DATA] = on_body, [TM_POP3_DATA] = on_body,
	[TM_MSG_COMPOSE] = on_compose, [TM_DNS_ANSWER] = on_answer,
	[TM_FAULT_START] = on_fault_start, [TM_FAULT_END] = on_fault_end,
};

/* The recent decisions: the badge each kind pins on its host. */
static const snap_handler snap_badge_on[TM_KIND_COUNT] = {
	[TM_QUEUE_BOUNCE] = badge_bounce, [TM_QUEUE_EXPIRE] = badge_expire,
	[TM_POLICY_DECISION] = on_policy, [TM_FILTER_CHECK] = on_filter,
	[TM_DSN_CREATE] = on_dsn,
};

/* ---- after the walk: places and state badges ---- */

static bool snap_placed(const struct snap *s, int msg_idx, int host)
{
	if (s->place_gen[msg_idx] != s->place_epoch)
		return false;
	for (size_t v = s->place_head[msg_idx]; v != SIZE_MAX; v = s->place_next[v])
		if (s->places[v].host == host)
			return true;
	return false;
}

/* Push a place; with mark, note it for snap_placed. */
static void snap_place_push(struct snap *s, int msg_idx, int host, enum snap_place_kind kind,
			    bool mark)
{
	struct snap_place *p = SNAP_PUSH(s->places, s->nplaces, s->placecap);
	size_t v = s->nplaces - 1;

	*p = (struct snap_place){msg_idx, host, kind};
	if (!mark)
		return;
	if (s->place_nextcap < s->placecap) {
		s->place_nextcap = s->placecap;
		s->place_next = xrealloc(s->place_next, s->place_nextcap * sizeof *s->place_next);
	}
	s->place_next[v] = s->place_gen[msg_idx] == s->place_epoch ? s->place_head[msg_idx]
								     : SIZE_MAX;
	s->place_head[msg_idx] = v;
	s->place_gen[msg_idx] = s->place_epoch;
}

static void snap_place(struct snap *s, int msg_idx, int host, enum snap_place_kind kind)
{
	if (msg_idx < 0 || host < 0 || snap_placed(s, msg_idx, host))
		return;
	snap_place_push(s, msg_idx, host, kind, true);
}

/* A new build's marks: per message arrays sized for the model, a new
 * epoch (all of them cleared when it wraps). */
static void snap_places_begin(struct snap *s, size_t nmsgs)
{
	if (s->place_nmsgs != nmsgs || !s->place_gen) {
		free(s->place_gen);
		free(s->place_head);
		s->place_nmsgs = nmsgs;
		s->place_gen = xcalloc(nmsgs ? nmsgs : 1, sizeof *s->place_gen);
		s->place_head = xmalloc((nmsgs ? nmsgs : 1) * sizeof *s->place_head);
		s->place_epoch = 0;
	}
	if (++s->place_epoch == 0) {
		memset(s->place_gen, 0, (nmsgs ? nmsgs : 1) * sizeof *s->place_gen);
		s->place_epoch = 1;
	}
}

/* Messages not yet sent, then queued, then filed or fetched: at most one
 * place per (message, host), the first that applies. */
static void snap_finish_places(struct snap *s)
{
	snap_places_begin(s, s->model->nmsgs);
	for (size_t i = 0; i < s->nout; i++) { /* composed and not sent off */
		const struct snap_outbox *o = &s->outbox[i];
		if (!o->sent && o->host >= 0)
			snap_place_push(s, o->msg_idx, o->host, PLACE_OUTBOX, o->msg_idx >= 0);
	}
	for (size_t i = 0; i < s->nq; i++)
		if (snap_entry_live(&s->q[i]))
			snap_place(s, s->q[i].msg_idx, s->q[i].host, PLACE_QUEUE);
	for (size_t i = 0; i < s->nbox; i++)
		snap_place(s, s->box[i].msg_idx, s->box[i].host,
			   s->box[i].folder ? PLACE_MAILBOX : PLACE_FETCHED);
}

/* One "retry at" clock per host: the earliest pending retry there, in
 * the order the hosts first queued something. */
static void snap_retry_badges(struct snap *s, size_t nnodes)
{
	struct retry { int n; int64_t next; size_t first; bool seen; };
	struct retry *per = xcalloc(nnodes ? nnodes : 1, sizeof *per);
	int *order = xmalloc((nnodes ? nnodes : 1) * sizeof *order);
	size_t norder = 0;

	for (size_t i = 0; i < s->nq; i++) {
		int host = s->q[i].host;
		if (host < 0 || (size_t)host >= nnodes)
			continue;
		struct retry *r = &per[host];
		if (!r->seen) {
			*r = (struct retry){0, INT64_MAX, s->q[i].enter_ev, true};
			order[norder++] = host;
		}
		for (size_t k = 0; k < s->q[i].nrcpts; k++)
			if (s->q[i].rcpts[k].state == SNAP_DEFERRED) {
				r->n++;
				r->next = s->q[i].rcpts[k].next_us < r->next ? s->q[i].rcpts[k].next_us
									     : r->next;
			}
	}
	for (size_t o = 0; o < norder; o++) {
		const struct retry *r = &per[order[o]];
		if (r->n == 0)
			continue;
		char when[32], cnt[16];
		snap_fmt_hms(r->next, when, sizeof when);
		snprintf(cnt, sizeof cnt, "%d deferred, ", r->n);
		snap_badge(s, order[o], BADGE_RETRY, r->first, "%sretry at %s", r->n > 1 ? cnt : "",
			   when);
	}
	free(per);
	free(order);
}

/* Per host: faults, the retry clock, then the newest recent decisions
 * (at most SNAP_BADGES_PER_HOST of them). Stable: equal hosts keep order. */
static void snap_order_badges(struct snap *s, size_t first_recent)
{
	size_t n = s->nbadges, k = 0;
	struct snap_badge *out = xmalloc((n ? n : 1) * sizeof *out);

	for (size_t i = first_recent; i < n; i++) /* state badges, in order */
		out[k++] = s->badges[i];
	for (size_t i = first_recent; i-- > 0;) { /* recent, newest first */
		int same = 0;
		for (size_t j = 0; j < k; j++)
			same += out[j].host == s->badges[i].host && out[j].kind != BADGE_FAULT &&
				out[j].kind != BADGE_RETRY;
		if (same < SNAP_BADGES_PER_HOST)
			out[k++] = s->badges[i];
	}
	if (k)
		memcpy(s->badges, out, k * sizeof *out);
	s->nbadges = k;
	free(out);
}

void snap_build(struct snap *s, const struct tm_model *m, long from, long cursor)
{
	s->cursor = cursor;
	if (cursor >= (long)m->nev)
		cursor = (long)m->nev - 1;
	if (from < 0)
		from = cursor - SNAP_DEFAULT_WINDOW;
	if (s->model != m) {
		snap_reset(s);
		s->ckpt_every = s->ckpt_every_asked > 0 ? s->ckpt_every_asked
							: snap_ckpt_every(m->nev);
	}
	s->model = m;
	snap_ckpt_seek(s, cursor);
	for (long i = s->walked + 1; i <= cursor; i++) {
		const struct tm_event *e = &m->ev[i];
		struct snap_ctx c = {s, m, e, (size_t)i};
		if (snap_on[e->kind])
			snap_on[e->kind](&c);
		snap_ckpt_maybe_take(s, i);
	}
	s->walked = cursor > s->walked ? cursor : s->walked;
	s->nplaces = s->nbadges = 0;
	for (long i = from < 0 ? 0 : from; i <= cursor; i++) {
		const struct tm_event *e = &m->ev[i];
		struct snap_ctx c = {s, m, e, (size_t)i};
		if (snap_badge_on[e->kind])
			snap_badge_on[e->kind](&c);
	}
	snap_finish_places(s);
	size_t first_state = s->nbadges;
	for (size_t i = 0; i < s->nfaults; i++)
		snap_badge(s, s->faults[i].host, BADGE_FAULT, s->faults[i].ev, "%s",
			   s->faults[i].fault);
	snap_retry_badges(s, m->nnodes);
	snap_order_badges(s, first_state);
}
