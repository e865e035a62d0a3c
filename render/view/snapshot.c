/* snapshot.c — derive the world at a cursor from the trace (see
 * snapshot.h). The walk over the events is snap_walk.c's; here the
 * decisions near the cursor become badges (one handler per kind in
 * snap_badge_on[]), and the state badges (faults, retry clocks) are added
 * from what the walk keeps (snap_count.h). */
#include "snapshot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_ckpt.h"
#include "snap_count.h"
#include "snap_walk.h"

#define SNAP_DEFAULT_WINDOW 40

void snap_init(struct snap *s)
{
	memset(s, 0, sizeof *s);
	s->cursor = -1;
	s->walked = -1;
	s->walk_hw = -1;
}

/* Forget the walk: the next build starts from the first event. */
static void snap_reset(struct snap *s)
{
	snap_walk_free_rcpts(s);
	snap_ckpt_free_all(s);
	s->nq_hw = 0;
	s->nq = s->nbox = s->nans = s->nfaults = s->nbadges = s->nout = 0;
	snx_clear(&s->by_qid);
	shm_free(&s->by_msg);
	shm_free(&s->by_out);
	s->walked = -1;
	s->walk_hw = -1;
	s->nrec = s->rec_pos = 0;
	s->model = NULL;
	snap_count_free(s);
}

void snap_free(struct snap *s)
{
	snap_reset(s);
	free(s->q);
	free(s->box);
	free(s->ans);
	free(s->faults);
	free(s->badges);
	free(s->outbox);
	free(s->rec);
	snx_free(&s->by_qid);
	shm_free(&s->by_msg);
	shm_free(&s->by_out);
	snap_init(s);
}

size_t snap_rec_bytes(const struct snap *s)
{
	return s->reccap * sizeof *s->rec;
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

/* The recent decisions: the badge each kind pins on its host. */
static const snap_handler snap_badge_on[TM_KIND_COUNT] = {
	[TM_QUEUE_BOUNCE] = badge_bounce, [TM_QUEUE_EXPIRE] = badge_expire,
	[TM_POLICY_DECISION] = on_policy, [TM_FILTER_CHECK] = on_filter,
	[TM_DSN_CREATE] = on_dsn,
};

/* ---- after the walk: state badges ---- */

/* One "retry at" clock per host: the earliest pending retry there, in
 * the order the hosts first queued something (kept by snap_count.h). */
static void snap_retry_badges(struct snap *s)
{
	int *order = xmalloc((s->nhc ? s->nhc : 1) * sizeof *order);
	size_t norder = snap_count_queue_order(s, order);

	for (size_t o = 0; o < norder; o++) {
		long n;
		int64_t next;
		size_t first;
		if (!snap_count_retry(s, order[o], &n, &next, &first) || n == 0)
			continue;
		char when[32], cnt[24];
		snap_fmt_hms(next, when, sizeof when);
		snprintf(cnt, sizeof cnt, "%ld deferred, ", n);
		snap_badge(s, order[o], BADGE_RETRY, first, "%sretry at %s", n > 1 ? cnt : "", when);
	}
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

/* Room, from the first build, for what walking the whole trace appends
 * (an upper bound from the number of events of each kind): the walk
 * never reallocates a table or rehashes an index on its way. Growing by
 * doubling copied the whole table (or hash index) inside the one frame
 * that crossed a power of two, tens of megabytes on a 5-million-event
 * trace; the room reserved is what walking to the end would have grown
 * to anyway, and its pages are touched only as it fills. */
static void snap_reserve(struct snap *s, const struct tm_model *m)
{
	const size_t *k = m->kind_count;
	size_t nrec = k[TM_QUEUE_ATTEMPT] + k[TM_QUEUE_DEFER] + k[TM_QUEUE_DONE] +
		      k[TM_QUEUE_BOUNCE] + k[TM_QUEUE_EXPIRE] + k[TM_DNS_ANSWER];
	size_t nq = k[TM_QUEUE_ENTER], nout = k[TM_MSG_COMPOSE];
	size_t nbox = k[TM_MAILBOX_STORE] + k[TM_IMAP_DATA] + k[TM_POP3_DATA];

#define SNAP_ROOM(arr, cap, n) \
	((n) > (cap) ? ((cap) = (n), (arr) = xrealloc((arr), (cap) * sizeof *(arr))) : 0)
	SNAP_ROOM(s->rec, s->reccap, nrec);
	SNAP_ROOM(s->q, s->qcap, nq);
	SNAP_ROOM(s->qgen, s->qgencap, nq);
	SNAP_ROOM(s->box, s->boxcap, nbox);
	SNAP_ROOM(s->outbox, s->outcap, nout);
	SNAP_ROOM(s->pairs, s->paircap, nq); /* most pairs are a queue entry's */
#undef SNAP_ROOM
	snx_reserve(&s->by_qid, nq);
	/* the (host, message) indexes: a row per host that has one */
	shm_init(&s->by_msg, m->nnodes, m->nmsgs);
	shm_init(&s->by_out, m->nnodes, m->nmsgs);
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
		snap_count_reset(s, m->nnodes, m->nmsgs);
		s->ckpt_every = s->ckpt_every_asked > 0 ? s->ckpt_every_asked
							: snap_ckpt_every(m->nev);
		snap_reserve(s, m);
	}
	s->model = m;
	snap_ckpt_seek(s, cursor);
	for (long i = s->walked + 1, due = snap_ckpt_due(s); i <= cursor; i++) {
		snap_walk_event(s, m, i);
		if (i == due) {
			snap_ckpt_take_due(s, i);
			due = snap_ckpt_due(s);
		}
	}
	s->walked = cursor > s->walked ? cursor : s->walked;
	s->nbadges = 0;
	for (long i = from < 0 ? 0 : from; i <= cursor; i++) {
		const struct tm_event *e = &m->ev[i];
		struct snap_ctx c = {s, m, e, (size_t)i};
		if (snap_badge_on[e->kind])
			snap_badge_on[e->kind](&c);
	}
	size_t first_state = s->nbadges;
	for (size_t i = 0; i < s->nfaults; i++)
		snap_badge(s, s->faults[i].host, BADGE_FAULT, s->faults[i].ev, "%s",
			   s->faults[i].fault);
	snap_retry_badges(s);
	snap_order_badges(s, first_state);
}
