/* mta_queue.c — the MTA's queue: entries, per-recipient outcomes, DSNs
 * (RFC 3464), the retry schedule and expiry (retry.c), local delivery
 * into the mailstore and forwarding (SRS). Every decision is a trace
 * event: queue.enter, queue.attempt, queue.defer, queue.bounce,
 * queue.expire, queue.done, dsn.create, mailbox.store. */
#include "mta_queue.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "fmt.h"
#include "mailstore.h"
#include "msg.h"
#include "reputation.h"
#include "srs.h"
#include "util.h"

static void ev_attempt(struct sim *sim, void *ctx, uint64_t arg);
static void deliver_local(struct mta *m, struct qentry *q, size_t i);

/* ===== the queue ========================================================== */

void mtaq_free(struct qentry *q)
{
	for (size_t i = 0; i < q->nr; i++) {
		free(q->r[i].orig);
		oc_note_free(&q->r[i].last);
	}
	free(q->forward);
	free(q->spool_id);
	free(q->drop_reason);
	free(q->rep_ip);
	free(q->rep_domain);
	free(q->folder);
	free(q->data);
	free(q); /* tag, sender, r and the addresses with it */
}

static void unlink_entry(struct mta *m, struct qentry *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else if (m->queue == q)
		m->queue = q->next;
	else
		return; /* not linked */
	if (q->next)
		q->next->prev = q->prev;
	q->next = q->prev = NULL;
}

void mtaq_discard(struct mta *m, struct qentry *q)
{
	unlink_entry(m, q);
	mtaq_free(q);
}

void mtaq_trace(struct mta *m, struct qentry *q, enum trace_kind kind, const char *rcpt)
{
	trace_begin(m->sim->trace, m->sim->now, kind);
	trace_node(m->sim->trace, m->host->name);
	trace_msg(m->sim->trace, q->tag);
	if (rcpt)
		trace_rcpt(m->sim->trace, rcpt);
	trace_str(m->sim->trace, "queue_id", q->qid);
}


void mtaq_header(struct mta *m, const char *tag, const char *name, const char *value)
{
	trace_begin(m->sim->trace, m->sim->now, TK_MSG_HEADER);
	trace_node(m->sim->trace, m->host->name);
	trace_msg(m->sim->trace, tag);
	trace_str(m->sim->trace, "name", name);
	trace_str(m->sim->trace, "value", value);
	trace_end(m->sim->trace);
}


/* Prepend one header to the queued copy and show it in the trace. */
void mtaq_prepend(struct mta *m, struct qentry *q, const char *name, const char *value)
{
	/* "name: value\r\n" + the message, in one allocation of the exact
	 * size: the entry keeps it as long as it is queued. */
	size_t nl = strlen(name), vl = strlen(value), len = nl + 2 + vl + 2 + q->len;
	char *d = xmalloc(len + 1);
	memcpy(d, name, nl);
	memcpy(d + nl, ": ", 2);
	memcpy(d + nl + 2, value, vl);
	memcpy(d + nl + 2 + vl, "\r\n", 2);
	memcpy(d + nl + vl + 4, q->data, q->len);
	d[len] = '\0';
	free(q->data);
	q->data = d;
	q->len = len;
	mtaq_header(m, q->tag, name, value);
}

/* v as exactly `digits` upper-case hex digits ("%0*X" of a value that
 * fits). */
static char *put_hex(char *p, uint64_t v, int digits)
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = hex[v & 15];
		v >>= 4;
	}
	return p + digits;
}

struct qentry *mtaq_new(struct mta *m, const char *sender, const char *const *rcpts,
				 size_t n, const char *data, size_t len, const char *tag)
{
	return mtaq_adopt(m, sender, rcpts, n, xstrndup(data, len), len, tag);
}

struct qentry *mtaq_adopt(struct mta *m, const char *sender, const char *const *rcpts, size_t n,
			  char *data, size_t len, const char *tag)
{
	/* One allocation: the entry, its recipients, then the names (sender,
	 * addresses, tag), which never change while it is queued. */
	size_t nslots = n ? n : 1;
	size_t names = strlen(sender) + 1 + (tag ? strlen(tag) + 1 : sizeof ((struct qentry *)0)->qid);
	for (size_t i = 0; i < n; i++)
		names += strlen(rcpts[i]) + 1;
	_Static_assert(sizeof(struct qentry) % _Alignof(struct qrcpt) == 0, "r follows the entry");
	struct qentry *q = xcalloc(1, sizeof *q + nslots * sizeof *q->r + names);
	q->r = (struct qrcpt *)(q + 1);
	char *at = (char *)(q->r + nslots);
	q->m = m;
	/* Postfix-like queue ids: hex of a per-host counter mixed with time;
	 * sequential, never random, so traces stay stable. Five and four hex
	 * digits ("%05X%04X" of values masked to fit). */
	_Static_assert(sizeof q->qid >= 10, "a queue id is nine hex digits");
	char *e = put_hex(q->qid, (uint64_t)(m->sim->now / 1000) & 0xFFFFF, 5);
	e = put_hex(e, ++m->qcounter & 0xFFFF, 4);
	*e = '\0';
	q->sender = str_pack(&at, sender);
	q->nr = n;
	for (size_t i = 0; i < n; i++)
		q->r[i].addr = str_pack(&at, rcpts[i]);
	q->data = data;
	q->len = len;
	q->arrival = m->sim->now;
	q->first_failure = -1;
	q->tag = str_pack(&at, tag ? tag : q->qid);
	q->next = m->queue;
	if (m->queue)
		m->queue->prev = q;
	m->queue = q;
	return q;
}

void mtaq_enqueue(struct mta *m, struct qentry *q)
{
	mtaq_trace(m, q, TK_QUEUE_ENTER, NULL);
	trace_str(m->sim->trace, "from", q->sender);
	const char *few[8]; /* most messages have fewer recipients */
	const char **v = q->nr <= ARRAY_LEN(few) ? few : xcalloc(q->nr, sizeof *v);
	for (size_t i = 0; i < q->nr; i++)
		v[i] = q->r[i].addr;
	trace_strv(m->sim->trace, "rcpts", v, q->nr);
	if (v != few)
		free(v);
	trace_int(m->sim->trace, "bytes", (int64_t)q->len);
	trace_end(m->sim->trace);
	sim_after(m->sim, 0, ev_attempt, q, 0);
}

/* ===== outcomes ============================================================ */

/* The recipient state machine's allowed steps (see enum qr_state). */
static bool qr_step_ok(enum qr_state from, enum qr_state to)
{
	switch (from) {
	case QR_QUEUED:
	case QR_DEFERRED:
		return to == QR_RESOLVING || to == QR_DEFERRED || to == QR_DONE || to == QR_FAILED;
	case QR_RESOLVING:
		return to == QR_CONNECTING || to == QR_DEFERRED || to == QR_FAILED;
	case QR_CONNECTING:
		/* refused or timed out: the next MX needs its address first */
		return to == QR_IN_SESSION || to == QR_RESOLVING || to == QR_DEFERRED ||
		       to == QR_FAILED;
	case QR_IN_SESSION:
		/* an early failure moves on to the next MX; a failed handshake
		 * under opportunistic TLS reconnects in plaintext */
		return to == QR_RESOLVING || to == QR_CONNECTING || to == QR_DEFERRED ||
		       to == QR_DONE || to == QR_FAILED;
	case QR_DONE:
	case QR_FAILED:
		return false;
	}
	return false;
}

void qr_enter(struct qentry *q, size_t i, enum qr_state to)
{
	if (!qr_step_ok(q->r[i].state, to))
		abort(); /* a delivery path skipped a step: our bug */
	q->r[i].state = to;
}

bool qr_pending(const struct qrcpt *r)
{
	return r->state != QR_DONE && r->state != QR_FAILED;
}

void mtaq_settle(struct mta *m, struct qentry *q, size_t i, enum fate f, const struct outcome *o)
{
	struct qrcpt *r = &q->r[i];
	oc_note_set(&r->last, o);
	qr_enter(q, i, f == FATE_BOUNCED ? QR_FAILED : QR_DONE);
	r->last_attempt = m->sim->now;
	fate_settle(m->sim, &(struct settle){.node = m->host->name, .msg = q->tag, .rcpt = r->addr,
					     .queue_id = q->qid, .fate = f, .report = q->report,
					     .o = o});
}

void mtaq_rcpt_defer(struct mta *m, struct qentry *q, size_t i, const struct outcome *o)
{
	qr_enter(q, i, QR_DEFERRED);
	q->r[i].last_attempt = m->sim->now;
	oc_note_set(&q->r[i].last, o);
}

/* ===== delivery status notifications (RFC 3464) =========================== */

static void dsn_event(struct mta *m, struct qentry *q, const char *dsn_tag, const char *action,
		      const struct dsn_rcpt *v, size_t n)
{
	struct sim *sim = m->sim;
	trace_begin(sim->trace, sim->now, TK_DSN_CREATE);
	trace_node(sim->trace, m->host->name);
	trace_msg(sim->trace, q->tag);
	trace_str(sim->trace, "dsn_msg", dsn_tag);
	trace_str(sim->trace, "to", q->sender);
	trace_str(sim->trace, "action", action);
	trace_str(sim->trace, "status", n ? v[0].status : "");
	const char **r = xcalloc(n ? n : 1, sizeof *r);
	for (size_t i = 0; i < n; i++)
		r[i] = v[i].final_recipient;
	trace_strv(sim->trace, "rcpts", r, n);
	free(r);
	trace_end(sim->trace);
}

/* A recipient's block, from its last outcome (RFC 3464 §2.3): the reply
 * that caused it with the host that sent it, or this MTA's own finding. */
static struct dsn_rcpt dsn_block(const struct qrcpt *r, enum dsn_action action,
				 const char *last_date, const char *until)
{
	const struct oc_note *o = &r->last;
	return (struct dsn_rcpt){
		.final_recipient = r->addr,
		.original_recipient = r->orig,
		.action = action,
		.status = o->status[0] ? o->status : "4.0.0",
		.remote_mta = o->src == OC_SMTP ? o->remote : NULL,
		.diagnostic = o->text,
		.diagnostic_type = oc_diag_type(&(struct outcome){.src = o->src}),
		.last_attempt_date = last_date,
		.will_retry_until = action == DSN_DELAYED ? until : NULL,
	};
}

static bool dsn_wants(const struct qrcpt *r, enum dsn_action action)
{
	if (action == DSN_FAILED)
		return r->state == QR_FAILED && !r->reported;
	return r->state == QR_DEFERRED;
}

/* The DSN's own id in the trace: m1.dsn, m1.dsn2, ... or m1.delay. */
static void dsn_tag(const struct qentry *q, enum dsn_action action, char *out, size_t cap)
{
	if (action == DSN_FAILED && q->fail_dsns > 1)
		fmt_snprintf(out, cap, "%s.dsn%d", q->tag, q->fail_dsns);
	else
		fmt_snprintf(out, cap, "%s.%s", q->tag, action == DSN_FAILED ? "dsn" : "delay");
}

/* A message the MTA writes itself enters its queue with a Received line
 * of its own, without a "from" clause (no client sent it): Postfix's
 * bounce daemon posts its notices through cleanup with "Received: by
 * HOST (Postfix) id QID; DATE" on top [RFC 5321 §4.4, every server that
 * takes a message in prepends one]. */
static void local_received(struct mta *m, struct qentry *d, const char *date)
{
	struct strbuf v;
	sb_init(&v);
	sb_printf(&v, "by %s (mailsim)\r\n\tid %s; %s", m->host->name, d->qid, date);
	mtaq_prepend(m, d, "Received", v.data);
	sb_free(&v);
}

/* One DSN for every recipient in `action`'s state that no DSN named yet,
 * sent back to the envelope sender with MAIL FROM:<> through our own
 * queue (RFC 3464, RFC 6522; Postfix's bounce daemon). */
static void send_dsn(struct mta *m, struct qentry *q, enum dsn_action action)
{
	struct sim *sim = m->sim;
	size_t n = 0, want = 0;
	for (size_t i = 0; i < q->nr; i++)
		want += dsn_wants(&q->r[i], action);
	if (want == 0)
		return; /* nothing to report (after most attempts) */
	struct dsn_rcpt *v = xcalloc(want, sizeof *v);
	char (*last)[64] = xcalloc(want, sizeof *last);
	char until[64], arrival[64], date[64], mid[300], boundary[80], tag[300], postmaster[300];
	sim_date_at(sim, retry_give_up_time(&m->retry, q->arrival, q->first_failure < 0 ? sim->now : q->first_failure), until, sizeof until);
	for (size_t i = 0; i < q->nr; i++) {
		struct qrcpt *r = &q->r[i];
		if (!dsn_wants(r, action))
			continue;
		r->reported = r->reported || action == DSN_FAILED;
		sim_date_at(sim, r->last_attempt, last[n], sizeof last[n]);
		v[n] = dsn_block(r, action, last[n], until);
		n++;
	}
	if (n == 0)
		goto out;
	if (!q->sender[0]) {
		/* RFC 5321 §4.5.5 / §6.1: never a report about a report. */
		mta_policy_event(m, PD_DISCARD, NULL,
				 "no DSN for a message sent with the null sender <> (it is itself a bounce)");
		goto out;
	}
	q->dsn_count++;
	if (action == DSN_FAILED)
		q->fail_dsns++;
	dsn_tag(q, action, tag, sizeof tag);
	sim_date(sim, date, sizeof date);
	sim_date_at(sim, q->arrival, arrival, sizeof arrival);
	fmt_snprintf(mid, sizeof mid, "<%" PRId64 ".%s.%d@%s>", (sim->epoch_unix_us + sim->now) / 1000000,
		 q->qid, q->dsn_count, m->host->name);
	fmt_snprintf(boundary, sizeof boundary, "%s.%d/%s", q->qid, q->dsn_count, m->host->name);
	fmt_snprintf(postmaster, sizeof postmaster, "MAILER-DAEMON@%s", m->host->name);
	struct dsn_report rep = {
		.reporting_mta = m->host->name,
		.arrival_date = arrival,
		.date = date,
		.message_id = mid,
		.to = q->sender,
		.postmaster = postmaster,
		.rcpts = v,
		.nrcpts = n,
		.original = q->data,
		.original_len = q->len,
		.return_full = false,
		.boundary = boundary,
	};
	struct strbuf out;
	sb_init(&out);
	dsn_build(&rep, &out);
	dsn_event(m, q, tag, dsn_action_name(action), v, n);
	sim_tag_add_report(sim, mid, tag);
	const char *to = q->sender;
	struct qentry *d = mtaq_new(m, "", &to, 1, out.data, out.len, tag);
	d->report = true;
	sb_free(&out);
	local_received(m, d, date);
	mtaq_enqueue(m, d);
out:
	free(v);
	free(last);
}

static void retire(struct mta *m, struct qentry *q)
{
	unlink_entry(m, q);
	mtaq_free(q);
}

static void trace_deferrals(struct mta *m, struct qentry *q, int64_t next)
{
	struct sim *sim = m->sim;
	for (size_t i = 0; i < q->nr; i++) {
		if (q->r[i].state != QR_DEFERRED)
			continue;
		char reason[1000];
		struct outcome o;
		oc_note_get(&q->r[i].last, &o);
		oc_reason(&o, reason, sizeof reason);
		if (sim->defer_hook && !q->report)
			sim->defer_hook(sim->settle_ud, q->tag, q->r[i].addr);
		mtaq_trace(m, q, TK_QUEUE_DEFER, q->r[i].addr);
		trace_str(sim->trace, "status", q->r[i].last.status);
		trace_str(sim->trace, "class", "soft");
		trace_str(sim->trace, "reason", reason);
		trace_str(sim->trace, "queue", "deferred");
		trace_int(sim->trace, "attempt", q->attempts);
		trace_time(sim->trace, "next_attempt", next);
		trace_end(sim->trace);
	}
}

/* After every job of an attempt has finished: report failures, then retry,
 * warn, expire or retire (Postfix qmgr semantics, email-facts §5). */
void mtaq_attempt_finished(struct mta *m, struct qentry *q)
{
	struct sim *sim = m->sim;
	send_dsn(m, q, DSN_FAILED);
	bool pending = false;
	for (size_t i = 0; i < q->nr; i++)
		pending |= q->r[i].state == QR_DEFERRED;
	if (!pending) {
		retire(m, q);
		return;
	}
	if (q->first_failure < 0)
		q->first_failure = sim->now;
	int64_t next, interval;
	double u = rng_u32(&sim->rng) / 4294967296.0;
	if (!retry_next(&m->retry, sim->now, q->arrival, q->first_failure, q->last_interval, u, &next,
			&interval)) {
		/* Give up: the last temporary reason becomes the bounce (Postfix
		 * "status=expired, returned to sender"). */
		mtaq_trace(m, q, TK_QUEUE_EXPIRE, NULL);
		trace_time(sim->trace, "age", sim->now - q->arrival);
		trace_end(sim->trace);
		for (size_t i = 0; i < q->nr; i++) {
			struct qrcpt *r = &q->r[i];
			if (r->state != QR_DEFERRED)
				continue;
			struct outcome o;
			oc_note_get(&r->last, &o);
			if (!o.status[0]) /* RFC 3463: delivery time expired */
				fmt_snprintf(o.status, sizeof o.status, "4.4.7");
			mtaq_settle(m, q, i, FATE_BOUNCED, &o);
		}
		send_dsn(m, q, DSN_FAILED);
		retire(m, q);
		return;
	}
	q->last_interval = interval;
	trace_deferrals(m, q, next);
	if (m->retry.delay_warning > 0 && !q->warned && q->sender[0] &&
	    sim->now - q->arrival >= m->retry.delay_warning) {
		q->warned = true;
		send_dsn(m, q, DSN_DELAYED);
	}
	q->retry_timer = sim_at(sim, next, ev_attempt, q, 0);
}

/* ===== local delivery ===================================================== */

/* Hand a copy on to another address (a relay user's real mailbox, a filter
 * rule, or the sender an SRS address stands for): a new queue entry, its
 * envelope sender rewritten with SRS when this host has a secret, so SPF
 * at the next hop checks our domain. A DSN keeps its null sender. */
static void forward_copy(struct mta *m, struct qentry *q, size_t i, const char *to,
			 const char *why_prefix)
{
	struct sim *sim = m->sim;
	char sender[600];
	fmt_snprintf(sender, sizeof sender, "%s", q->sender);
	if (m->cfg->srs_secret && q->sender[0])
		/* The forwarding address's domain vouches for the new sender. */
		srs_forward(m->cfg->srs_secret, q->sender, addr_domain(q->r[i].addr),
			    (sim->epoch_unix_us + sim->now) / 86400000000LL, sender, sizeof sender);
	struct outcome o;
	oc_local(&o, OC_OK, "2.0.0", "%s%s to %s%s%s", why_prefix, q->r[i].addr, to,
		 strcmp(sender, q->sender) ? ", envelope sender rewritten (SRS) to " : "",
		 strcmp(sender, q->sender) ? sender : "");
	mta_policy_event(m, PD_FORWARD, q->r[i].addr, o.text);
	struct qentry *f = mtaq_new(m, sender, &to, 1, q->data, q->len, q->tag);
	f->report = q->report;
	/* Original-Recipient of any later DSN: the address the sender used. */
	f->r[0].orig = xstrdup(q->r[i].orig ? q->r[i].orig : q->r[i].addr);
	mtaq_settle(m, q, i, FATE_FORWARDED, &o);
	mtaq_enqueue(m, f);
}

/* An SRS address of ours (SRS0=HHHH=TT=domain=local@us): a bounce coming
 * home. Reverse it, checking the hash and the age as real SRS does, and
 * pass the DSN on to the original sender. */
static void deliver_srs(struct mta *m, struct qentry *q, size_t i)
{
	struct sim *sim = m->sim;
	char orig[600];
	const char *why = NULL;
	if (!srs_reverse(m->cfg->srs_secret, q->r[i].addr, (sim->epoch_unix_us + sim->now) / 86400000000LL,
			 orig, sizeof orig, &why)) {
		struct outcome o;
		oc_local(&o, OC_HARD, "5.1.1", "<%s>: SRS address refused: %s", q->r[i].addr, why);
		mtaq_settle(m, q, i, FATE_BOUNCED, &o);
		return;
	}
	forward_copy(m, q, i, orig, "SRS reversed (hash and timestamp valid): relay ");
}

/* Junk and Quarantine are not the inbox: the ledger says where it went. */
static enum fate stored_fate(const struct qentry *q, const char *folder)
{
	if (q->quarantine)
		return FATE_QUARANTINE;
	if (ascii_strcaseeq(folder, "Junk"))
		return FATE_JUNK;
	return ascii_strcaseeq(folder, "INBOX") ? FATE_INBOX : FATE_FILED;
}

/* The mailbox is over quota: Dovecot's quota_full_tempfail. "tempfail"
 * defers (452 4.2.2 semantics: the sender retries, a soft bounce), the
 * default rejects for good (552 5.2.2, a hard bounce). */
static void mailbox_full(struct mta *m, struct qentry *q, size_t i, const struct mbox_user *u)
{
	bool soft = m->cfg->quota_full == SCN_QUOTA_TEMPFAIL;
	struct outcome o;
	oc_local(&o, soft ? OC_SOFT : OC_HARD, soft ? "4.2.2" : "5.2.2",
		 "<%s>: mailbox full: %" PRId64 " of %" PRId64 " bytes used, this message needs %zu more",
		 q->r[i].addr, mbox_usage(u), u->quota, q->len);
	if (soft)
		mtaq_rcpt_defer(m, q, i, &o);
	else
		mtaq_settle(m, q, i, FATE_BOUNCED, &o);
}

/* The Maildir name of a spooled message's copy for one recipient: the
 * spool id and a hash (FNV-1a) of the address, the same on every replay. */
static char *spooled_name(const char *id, const char *rcpt)
{
	uint32_t h = 2166136261u;
	for (const char *p = rcpt; *p; p++) {
		unsigned char c = (unsigned char)*p;
		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "%sR%08" PRIx32, id, h);
	return sb_steal(&b);
}

static void store_copy(struct mta *m, struct qentry *q, size_t i, struct mbox_user *u)
{
	struct sim *sim = m->sim;
	struct qrcpt *r = &q->r[i];
	/* RFC 5321 §4.4: final delivery records the reverse-path. */
	char rp[600], head[620];
	fmt_snprintf(rp, sizeof rp, "<%s>", q->sender);
	size_t hlen = (size_t)fmt_snprintf(head, sizeof head, "Return-Path: %s\r\n", rp);
	int64_t bytes = (int64_t)(hlen + q->len);
	if (u->quota && mbox_usage(u) + bytes > u->quota) {
		mailbox_full(m, q, i, u);
		return;
	}
	mtaq_header(m, q->tag, "Return-Path", rp);
	const char *folder = q->folder ? q->folder : "INBOX";
	struct stored_msg *sm = mbox_store2(u, folder, head, hlen, q->data, q->len, sim->now,
					    sim->epoch_unix_us + sim->now, q->tag);
	sm->flags = q->flags;
	if (q->spool_id)
		sm->uniq = spooled_name(q->spool_id, r->addr);
	trace_begin(sim->trace, sim->now, TK_MAILBOX_STORE);
	trace_node(sim->trace, m->host->name);
	trace_msg(sim->trace, q->tag);
	trace_rcpt(sim->trace, r->addr);
	trace_str(sim->trace, "user", u->address);
	trace_str(sim->trace, "folder", folder);
	trace_int(sim->trace, "bytes", bytes);
	trace_end(sim->trace);
	struct outcome o;
	oc_local(&o, OC_OK, "2.0.0", q->quarantine ? "held in quarantine" : "delivered to mailbox");
	enum fate fate = stored_fate(q, folder);
	mtaq_settle(m, q, i, fate, &o);
	/* Shown to the reader (Inbox or the Promotions tab): the reader may
	 * press "report spam" (sender reputation, reputation.h). */
	if (m->rep && q->rep_ip &&
	    (fate == FATE_INBOX || (fate == FATE_FILED && ascii_strcaseeq(folder, "Promotions"))))
		rep_shown(m->rep, q->rep_ip, q->rep_domain, q->tag, r->addr, u->address, folder);
}

static void deliver_local(struct mta *m, struct qentry *q, size_t i)
{
	struct qrcpt *r = &q->r[i];
	if (m->cfg->srs_secret && srs_is_srs(r->addr)) {
		deliver_srs(m, q, i);
		return;
	}
	const struct scn_user *su = mta_resolve_local(m, r->addr);
	struct mbox_user *u = su ? mailstore_user(m->store, su->address) : NULL;
	struct outcome o;
	if (!u) {
		oc_local(&o, OC_HARD, "5.1.1", "<%s>: User unknown in local recipient table", r->addr);
		mtaq_settle(m, q, i, FATE_BOUNCED, &o);
		return;
	}
	if (!q->forward && su->forward && su->imap_server && su->imap_user) {
		/* The alias is delivered into its real mailbox over IMAP. */
		m->deliver_append(q, i, su->imap_user, su->imap_server->name, su->imap_password);
		return;
	}
	if (q->forward || su->forward) {
		forward_copy(m, q, i, q->forward ? q->forward : su->forward, "forward ");
		return;
	}
	if (q->deny) {
		/* The recipient's own rule: accepted, then dropped, no bounce. */
		oc_local(&o, OC_OK, "2.0.0", "%s",
			 q->drop_reason ? q->drop_reason : "dropped by the recipient's filter rule");
		mtaq_settle(m, q, i, FATE_DROPPED, &o);
		return;
	}
	store_copy(m, q, i, u);
}

/* Not yet tried in this attempt. */
static bool waiting(const struct qrcpt *r)
{
	return r->state == QR_QUEUED || r->state == QR_DEFERRED;
}

/* One attempt: local recipients are delivered now; remote ones are grouped
 * by domain, one job per domain, in first-appearance order. */
static void ev_attempt(struct sim *sim, void *ctx, uint64_t arg)
{
	struct qentry *q = ctx;
	struct mta *m = q->m;
	if (q->not_before > sim->now) {
		/* Snoozed: nothing moves until the delivery window opens. */
		q->retry_timer = sim_at(sim, q->not_before, ev_attempt, q, 0);
		q->not_before = 0;
		return;
	}
	q->attempts++;
	q->retry_timer = 0;
	q->active_jobs++; /* hold the entry while jobs start */
	for (size_t i = 0; i < q->nr; i++)
		if (waiting(&q->r[i]) && mta_is_local_rcpt(m, q->r[i].addr))
			deliver_local(m, q, i);
	for (size_t i = 0; i < q->nr; i++) {
		if (!waiting(&q->r[i]) || mta_is_local_rcpt(m, q->r[i].addr))
			continue; /* local ones were tried above */
		const char *dom = addr_domain(q->r[i].addr);
		size_t *ridx = xcalloc(q->nr, sizeof *ridx);
		size_t n = 0;
		for (size_t k = i; k < q->nr; k++)
			if (waiting(&q->r[k]) && ascii_strcaseeq(addr_domain(q->r[k].addr), dom)) {
				ridx[n++] = k;
				qr_enter(q, k, QR_RESOLVING);
			}
		m->deliver_remote(q, dom, ridx, n);
	}
	if (--q->active_jobs == 0)
		mtaq_attempt_finished(m, q);
}

/* ----- one SMTP session to one MX host ------------------------------------ */

