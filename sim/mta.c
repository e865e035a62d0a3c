/* mta.c — see mta.h.
 *
 * Three parts: the inbound SMTP session (smtpd driven by connection
 * events, with the MTA's policy in its check hook), the queue with its
 * delivery jobs (one per destination domain and attempt: MX lookup, address
 * lookup, smtpc session, per-recipient outcome), and local delivery. */
#include "mta.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dkim.h"
#include "dmarc.h"
#include "dsn.h"
#include "msg.h"
#include "retrieval.h"
#include "resolver.h"
#include "retry.h"
#include "smtpc.h"
#include "srs.h"
#include "smtpd.h"
#include "util.h"

enum qr_state { QR_PENDING, QR_ACTIVE, QR_DONE, QR_FAILED };

struct qrcpt {
	char *addr;              /* owned */
	enum qr_state state;
	char status[16];         /* last enhanced status */
	char diag[1024];         /* last diagnostic (remote reply or local reason) */
	char remote[256];        /* remote MTA that answered, if any */
	int64_t last_attempt;    /* when its outcome was last decided */
	bool reported;           /* a failure DSN already names it */
};

struct qentry {
	struct qentry *next;
	struct mta *m;
	char qid[16];
	char *tag;               /* owned: scenario message id for the trace */
	char *sender;            /* owned: "" for <> */
	struct qrcpt *r;         /* owned */
	size_t nr;
	char *data;              /* owned */
	size_t len;
	int64_t arrival;
	int attempts;
	int active_jobs;
	evq_id retry_timer;
	bool is_dsn;             /* a DSN we generated (its sender is <>) */
	bool warned;             /* the delay warning went out */
	int64_t first_failure;   /* -1 until an attempt fails (Exim measures from it) */
	int64_t last_interval;
	int dsn_count;           /* DSNs sent about it (delay warnings included) */
	int fail_dsns;           /* failure DSNs: m1.dsn, m1.dsn2, ... */
	/* the receiving checks' verdict, for local delivery */
	char folder[64];
	unsigned flags;
	bool deny, quarantine;
	int64_t not_before;      /* snooze: no delivery before this time */
	char *forward;           /* owned: a filter rule forwards it here */
};

struct job {
	struct qentry *q;
	char domain[256];
	size_t *ridx;            /* owned: indices into q->r */
	size_t nr;
	char **mx;               /* owned: target host names in try order */
	size_t nmx, imx;
	char last_error[1024];
	char last_status[16];
	struct conn *c;
	struct smtpc *sc;        /* owned */
	const char **rcpts;      /* owned array, strings borrowed */
	bool session_done;
	bool try_next;
	struct smtpc_rcpt_result *res; /* owned copy of the outcome */
	size_t nres;
	char remote[256];
	char ip[64];
	bool plaintext;          /* retrying this MX without STARTTLS */
	bool retry_plain;        /* the TLS handshake failed: go again in plaintext */
	int unresolvable;        /* MX targets with no address at all */
	bool self_listed;        /* we are one of the domain's MX hosts */
	evq_id cmd_timer;        /* waiting for the server's next reply */
};

struct grey {
	char *ip, *sender, *rcpt; /* owned */
	int64_t first_seen;
};

struct rate_mark {
	char *ip; /* owned */
	int64_t t;
};

struct mta {
	struct sim *sim;
	struct host *host;           /* not owned */
	const struct scn_host *cfg;  /* not owned */
	struct mailstore *store;     /* owned */
	struct qentry *queue;        /* owned list */
	uint32_t qcounter;
	struct retry_policy retry;
	int64_t idle_timeout;
	struct grey *grey;           /* owned */
	size_t ngrey;
	struct rate_mark *rate;      /* owned */
	size_t nrate;
};

void mta_set_idle_timeout(struct mta *m, int64_t us)
{
	m->idle_timeout = us;
}

static bool is_local_domain(const struct mta *m, const char *domain)
{
	for (size_t i = 0; i < m->cfg->ndomains; i++)
		if (ascii_strcaseeq(m->cfg->domains[i], domain))
			return true;
	return false;
}

struct mailstore *mta_store(struct mta *m)
{
	return m->store;
}

/* ===== inbound SMTP ======================================================== */

struct smtp_in {
	struct mta *m;
	struct conn *c;
	struct smtpd *d;         /* owned */
	bool closed;
	evq_id idle_timer;
	struct chk *chk;         /* owned: the receiving-side checks */
	struct msg_in *held;     /* owned: a message waiting for its checks */
};

/* A message as accepted at end of DATA, copied out of smtpd's transaction
 * (which is only valid during the hook) while the checks run. */
struct msg_in {
	char *sender, *helo, *auth_user;  /* owned */
	char **rcpts;                      /* owned */
	size_t nrcpts;
	char *data;                        /* owned */
	size_t len;
	const char *with;                  /* static */
};

static void msg_in_free(struct msg_in *mi)
{
	if (!mi)
		return;
	free(mi->sender);
	free(mi->helo);
	free(mi->auth_user);
	for (size_t i = 0; i < mi->nrcpts; i++)
		free(mi->rcpts[i]);
	free(mi->rcpts);
	free(mi->data);
	free(mi);
}

static void in_idle(struct sim *sim, void *ctx, uint64_t arg)
{
	struct smtp_in *s = ctx;
	s->idle_timer = 0;
	if (!s->closed)
		smtpd_timeout(s->d);
}

/* Any input restarts the server's wait for the next command. */
static void in_touch(struct smtp_in *s)
{
	struct sim *sim = s->m->sim;
	sim_cancel(sim, s->idle_timer);
	s->idle_timer = sim_after(sim, s->m->idle_timeout, in_idle, s, 0);
}

static void in_free_ev(struct sim *sim, void *ctx, uint64_t arg)
{
	struct smtp_in *s = ctx;
	smtpd_free(s->d);
	chk_free(s->chk);
	msg_in_free(s->held);
	free(s);
}

static void in_retire(struct smtp_in *s)
{
	if (s->closed)
		return;
	s->closed = true;
	sim_cancel(s->m->sim, s->idle_timer);
	net_close(s->c, SIDE_SERVER);
	/* Freed from an event: we may be inside one of smtpd's callbacks. */
	sim_after(s->m->sim, 0, in_free_ev, s, 0);
}

static void in_send_line(void *ud, const char *line)
{
	struct smtp_in *s = ud;
	net_send_line(s->c, SIDE_SERVER, "smtp.send", line);
}

static void in_close(void *ud)
{
	in_retire(ud);
}

static void in_start_tls(void *ud)
{
	/* The client drives the handshake (net_tls_start); we wait for it. */
}

static struct msg_in *msg_in_from(const struct smtpd_txn *txn);
static void queue_message(struct mta *m, struct msg_in *mi, struct smtp_in *s,
			  const struct chk_verdict *v, struct smtp_reply *reply);

static void in_resume(struct smtp_in *s, const struct smtp_reply *r)
{
	if (!s->closed)
		smtpd_resume(s->d, r);
}

static void in_connect_done(void *ud)
{
	struct smtp_in *s = ud;
	struct smtp_reply r;
	smtp_reply_set(&r, 220, NULL, "%s %s", s->m->host->name,
		       s->m->cfg->banner ? s->m->cfg->banner : "ESMTP mailsim");
	in_resume(s, &r);
}

static void in_mail_done(void *ud)
{
	struct smtp_in *s = ud;
	struct smtp_reply r;
	if (!chk_spf_refusal(s->chk, &r))
		smtp_reply_set(&r, 250, "2.1.0", "Ok");
	in_resume(s, &r);
}

static void in_message_done(void *ud)
{
	struct smtp_in *s = ud;
	const struct chk_verdict *v = chk_verdict(s->chk);
	struct smtp_reply r;
	struct msg_in *mi = s->held;
	s->held = NULL;
	if (v->decision == CHK_REJECT || v->decision == CHK_GREYLIST)
		r = v->reply;
	else
		queue_message(s->m, mi, s, v, &r);
	msg_in_free(mi);
	in_resume(s, &r);
}

/* The mailbox an address at one of our domains reaches: the user itself,
 * a user that lists it as an alias, or the domain's catch-all user. */
static const struct scn_user *resolve_local(const struct mta *m, const char *rcpt)
{
	const struct scenario *scn = m->sim->scn;
	const struct scn_user *u = scn_user(scn, rcpt);
	if (u)
		return u;
	for (size_t i = 0; i < scn->nusers; i++)
		for (size_t k = 0; k < scn->users[i].naliases; k++)
			if (ascii_strcaseeq(scn->users[i].aliases[k], rcpt))
				return &scn->users[i];
	for (size_t i = 0; i < scn->nusers; i++)
		if (scn->users[i].catch_all &&
		    ascii_strcaseeq(addr_domain(scn->users[i].address), addr_domain(rcpt)))
			return &scn->users[i];
	return NULL;
}

static void policy_event(struct mta *m, const char *decision, const char *rcpt, const char *reason)
{
	trace_begin(m->sim->trace, m->sim->now, "policy.decision");
	trace_node(m->sim->trace, m->host->name);
	if (rcpt)
		trace_rcpt(m->sim->trace, rcpt);
	trace_str(m->sim->trace, "decision", decision);
	trace_str(m->sim->trace, "reason", reason);
	trace_end(m->sim->trace);
}

static bool is_relay_domain(const struct mta *m, const char *domain)
{
	for (size_t i = 0; i < m->cfg->nrelay_domains; i++)
		if (ascii_strcaseeq(m->cfg->relay_domains[i], domain))
			return true;
	return false;
}

/* Greylisting (postgrey's triplet: client IP, sender, recipient): the first
 * attempt is deferred; a retry after the delay passes and is remembered. */
static bool greylisted(struct mta *m, const char *ip, const char *sender, const char *rcpt,
		       int64_t *wait)
{
	struct sim *sim = m->sim;
	for (size_t i = 0; i < m->ngrey; i++) {
		struct grey *g = &m->grey[i];
		if (strcmp(g->ip, ip) || strcmp(g->sender, sender) || !ascii_strcaseeq(g->rcpt, rcpt))
			continue;
		*wait = g->first_seen + m->cfg->greylist_delay - sim->now;
		return *wait > 0;
	}
	m->grey = xrealloc(m->grey, (m->ngrey + 1) * sizeof *m->grey);
	m->grey[m->ngrey++] = (struct grey){xstrdup(ip), xstrdup(sender), xstrdup(rcpt), sim->now};
	*wait = m->cfg->greylist_delay;
	return true;
}

static void check_local_rcpt(struct smtp_in *s, const struct smtpd_txn *txn, const char *rcpt,
			     struct smtp_reply *reply)
{
	struct mta *m = s->m;
	const struct scn_user *u = resolve_local(m, rcpt);
	struct mbox_user *mb = u ? mailstore_user(m->store, u->address) : NULL;
	if (!u || !mb) {
		smtp_reply_set(reply, 550, "5.1.1",
			       "<%s>: Recipient address rejected: User unknown in local recipient table",
			       rcpt);
	} else if (u->disabled) {
		smtp_reply_set(reply, 550, "5.2.1", "<%s>: Recipient address rejected: Mailbox disabled",
			       rcpt);
	} else if (mb->quota && mbox_usage(mb) + (txn->declared_size > 0 ? txn->declared_size : 0) >=
					mb->quota) {
		/* Like Dovecot's quota-status service: refuse at RCPT when the
		 * mailbox is full, or when the size declared with MAIL FROM ...
		 * SIZE= (RFC 1870) would not fit. */
		smtp_reply_set(reply, 552, "5.2.2", "<%s>: Recipient address rejected: Mailbox full",
			       rcpt);
	}
}

static void check_rcpt(struct smtp_in *s, const struct smtpd_txn *txn, const char *rcpt,
		       struct smtp_reply *reply)
{
	struct mta *m = s->m;
	const char *domain = addr_domain(rcpt);
	if (is_local_domain(m, domain))
		check_local_rcpt(s, txn, rcpt, reply);
	else if (!txn->auth_user && !is_relay_domain(m, domain))
		/* RFC 5321 §3.6.2/§7.1: relay only for our own authenticated
		 * users, or for domains we are a backup MX for. */
		smtp_reply_set(reply, 554, "5.7.1", "<%s>: Relay access denied", rcpt);
	if (reply->code >= 400) {
		policy_event(m, "reject", rcpt, reply->text);
		return;
	}
	int64_t wait;
	if (m->cfg->greylist_delay > 0 && !txn->auth_user &&
	    greylisted(m, s->c->cli->ip, txn->mail_from ? txn->mail_from : "", rcpt, &wait)) {
		char why[200];
		snprintf(why, sizeof why, "first time this (IP, sender, recipient) is seen: try again "
					 "in %" PRId64 " s",
			 (wait + 999999) / 1000000);
		policy_event(m, "greylist", rcpt, why);
		smtp_reply_set(reply, 451, "4.7.1",
			       "<%s>: Recipient address rejected: Greylisted, try again in %" PRId64
			       " seconds",
			       rcpt, (wait + 999999) / 1000000);
	}
}

/* Rate limit per client address over a sliding window, at MAIL. */
static void check_rate(struct smtp_in *s, struct smtp_reply *reply)
{
	struct mta *m = s->m;
	if (m->cfg->rate_limit <= 0 || m->cfg->rate_window <= 0)
		return;
	struct sim *sim = m->sim;
	int n = 0;
	for (size_t i = 0; i < m->nrate; i++)
		if (strcmp(m->rate[i].ip, s->c->cli->ip) == 0 &&
		    sim->now - m->rate[i].t < m->cfg->rate_window)
			n++;
	if (n < m->cfg->rate_limit)
		return;
	char why[160];
	snprintf(why, sizeof why, "%d messages from %s within %" PRId64 " s", n, s->c->cli->ip,
		 m->cfg->rate_window / 1000000);
	policy_event(m, "defer", NULL, why);
	smtp_reply_set(reply, 451, "4.7.0", "Rate limit exceeded: %s, try again later", why);
}

static void note_rate(struct smtp_in *s)
{
	struct mta *m = s->m;
	if (m->cfg->rate_limit <= 0)
		return;
	m->rate = xrealloc(m->rate, (m->nrate + 1) * sizeof *m->rate);
	m->rate[m->nrate++] = (struct rate_mark){xstrdup(s->c->cli->ip), m->sim->now};
}

static void in_check(void *ud, enum smtpd_hook hook, const struct smtpd_txn *txn,
		     const char *arg, const char *arg2, struct smtp_reply *reply)
{
	struct smtp_in *s = ud;
	struct mta *m = s->m;
	switch (hook) {
	case SMTPD_HOOK_CONNECT:
		/* Like Postfix, look the client up (and run the connection
		 * checks) before greeting it. */
		reply->pending = true;
		chk_connect(s->chk, in_connect_done, s);
		break;
	case SMTPD_HOOK_AUTH: {
		struct mbox_user *u = mailstore_login(m->store, arg, arg2 ? arg2 : "");
		if (u)
			smtp_reply_set(reply, 235, "2.7.0", "Authentication successful");
		break;
	}
	case SMTPD_HOOK_MAIL:
		check_rate(s, reply);
		if (reply->code < 400 && !txn->auth_user &&
		    chk_sender_allowed(s->chk, arg ? arg : "", reply)) {
			reply->pending = true;
			chk_mail(s->chk, txn->helo, arg, in_mail_done, s);
		}
		break;
	case SMTPD_HOOK_RCPT:
		if (!txn->auth_user && chk_dnsbl_refusal(s->chk, reply))
			break;
		check_rcpt(s, txn, arg, reply);
		break;
	case SMTPD_HOOK_MESSAGE: {
		struct msg_in *mi = msg_in_from(txn);
		note_rate(s);
		bool outbound = txn->auth_user && m->cfg->filters.outbound_spam;
		if (m->cfg->has_filters && (!txn->auth_user || outbound)) {
			chk_set_outbound(s->chk, outbound);
			/* The filter chain needs DNS: answer when it is done. */
			msg_in_free(s->held);
			s->held = mi;
			reply->pending = true;
			chk_message(s->chk, mi->data, mi->len, sim_tag_find(m->sim, mi->data, mi->len),
				    (const char *const *)mi->rcpts, mi->nrcpts, in_message_done, s);
			break;
		}
		queue_message(m, mi, s, NULL, reply);
		msg_in_free(mi);
		break;
	}
	default:
		break;
	}
}

static const struct smtpd_callbacks in_callbacks = {
	.send_line = in_send_line,
	.close = in_close,
	.start_tls = in_start_tls,
	.check = in_check,
};

static void in_data(void *ctx, struct conn *c, const char *data, size_t len)
{
	struct smtp_in *s = ctx;
	if (s->closed)
		return;
	in_touch(s);
	smtpd_feed(s->d, data, len);
}

static void in_tls(void *ctx, struct conn *c, bool ok)
{
	struct smtp_in *s = ctx;
	if (!s->closed)
		smtpd_tls_done(s->d, ok);
}

static void in_closed(void *ctx, struct conn *c)
{
	struct smtp_in *s = ctx;
	if (s->closed)
		return;
	smtpd_disconnected(s->d);
	in_retire(s);
}

static const struct conn_ops in_ops = {
	.data = in_data,
	.tls = in_tls,
	.closed = in_closed,
};

static void accept_smtp(struct mta *m, struct conn *c, bool submission)
{
	struct smtp_in *s = xcalloc(1, sizeof *s);
	s->m = m;
	s->c = c;
	s->chk = chk_new(m->sim, m->host, m->cfg->has_filters ? &m->cfg->filters : NULL, c->cli->ip);
	struct smtpd_config cfg = {
		.hostname = m->host->name,
		.banner = m->cfg->banner,
		.size_limit = m->cfg->size_limit,
		.max_rcpts = m->cfg->max_rcpts,
		.offer_starttls = m->cfg->tls,
		.submission = submission,
		.auth_tls_only = submission && m->cfg->tls,
		.vrfy = m->cfg->vrfy,
	};
	s->d = smtpd_new(&cfg, &in_callbacks, s);
	c->ops[SIDE_SERVER] = &in_ops;
	c->ctx[SIDE_SERVER] = s;
	in_touch(s);
	smtpd_start(s->d);
}

static void accept_port25(void *ctx, struct conn *c) { accept_smtp(ctx, c, false); }
static void accept_port587(void *ctx, struct conn *c) { accept_smtp(ctx, c, true); }

/* ===== the queue ========================================================== */

static void qentry_free(struct qentry *q)
{
	for (size_t i = 0; i < q->nr; i++)
		free(q->r[i].addr);
	free(q->r);
	free(q->forward);
	free(q->tag);
	free(q->sender);
	free(q->data);
	free(q);
}

static void unlink_entry(struct mta *m, struct qentry *q)
{
	for (struct qentry **pp = &m->queue; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			return;
		}
}

long mta_queued(const struct mta *m)
{
	long n = 0;
	for (const struct qentry *q = m->queue; q; q = q->next)
		for (size_t i = 0; i < q->nr; i++)
			n += !q->is_dsn && (q->r[i].state == QR_PENDING || q->r[i].state == QR_ACTIVE);
	return n;
}

static void trace_q(struct mta *m, struct qentry *q, const char *kind, const char *rcpt)
{
	trace_begin(m->sim->trace, m->sim->now, kind);
	trace_node(m->sim->trace, m->host->name);
	trace_msg(m->sim->trace, q->tag);
	if (rcpt)
		trace_rcpt(m->sim->trace, rcpt);
	trace_str(m->sim->trace, "queue_id", q->qid);
}

static const char *received_with(const struct smtpd_txn *txn)
{
	/* RFC 3848 §2: ESMTP + S for TLS + A for authenticated. */
	static const char *const names[] = {"ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA"};
	if (!txn->esmtp)
		return "SMTP";
	return names[(txn->tls ? 1 : 0) + (txn->auth_user ? 2 : 0)];
}

static void header_event(struct mta *m, const char *tag, const char *name, const char *value)
{
	trace_begin(m->sim->trace, m->sim->now, "msg.header");
	trace_node(m->sim->trace, m->host->name);
	trace_msg(m->sim->trace, tag);
	trace_str(m->sim->trace, "name", name);
	trace_str(m->sim->trace, "value", value);
	trace_end(m->sim->trace);
}

static void ev_attempt(struct sim *sim, void *ctx, uint64_t arg);
static void deliver_local(struct mta *m, struct qentry *q, size_t i);

static struct qentry *qentry_new(struct mta *m, const char *sender, const char *const *rcpts,
				 size_t n, const char *data, size_t len, const char *tag)
{
	struct qentry *q = xcalloc(1, sizeof *q);
	q->m = m;
	/* Postfix-like queue ids: hex of a per-host counter mixed with time;
	 * sequential, never random, so traces stay stable. */
	snprintf(q->qid, sizeof q->qid, "%05" PRIX64 "%04" PRIX32,
		 (m->sim->now / 1000) & 0xFFFFF, ++m->qcounter & 0xFFFF);
	q->sender = xstrdup(sender);
	q->r = xcalloc(n ? n : 1, sizeof *q->r);
	q->nr = n;
	for (size_t i = 0; i < n; i++)
		q->r[i].addr = xstrdup(rcpts[i]);
	q->data = xstrndup(data, len);
	q->len = len;
	q->arrival = m->sim->now;
	q->first_failure = -1;
	q->tag = xstrdup(tag ? tag : q->qid);
	q->next = m->queue;
	m->queue = q;
	return q;
}

static void enqueue(struct mta *m, struct qentry *q)
{
	trace_q(m, q, "queue.enter", NULL);
	trace_str(m->sim->trace, "from", q->sender);
	const char **v = xcalloc(q->nr, sizeof *v);
	for (size_t i = 0; i < q->nr; i++)
		v[i] = q->r[i].addr;
	trace_strv(m->sim->trace, "rcpts", v, q->nr);
	free(v);
	trace_int(m->sim->trace, "bytes", (int64_t)q->len);
	trace_end(m->sim->trace);
	sim_after(m->sim, 0, ev_attempt, q, 0);
}

/* A relay that changes what it passes on, as mailing lists do (a footer,
 * a subject tag): exactly what breaks DKIM body hashes and signatures. */
static void tamper(struct mta *m, struct qentry *q)
{
	struct strbuf out;
	sb_init(&out);
	const char *what = m->host->tamper;
	if (strcmp(what, "body") == 0) {
		sb_append(&out, q->data, q->len);
		sb_puts(&out, "-- \r\nSent through the example list server\r\n");
	} else {
		const char *subj = strstr(q->data, "\r\nSubject: ");
		size_t cut = subj ? (size_t)(subj - q->data) + 11 : 0;
		sb_append(&out, q->data, cut);
		if (subj)
			sb_puts(&out, "[list] ");
		sb_append(&out, q->data + cut, q->len - cut);
	}
	free(q->data);
	q->len = out.len;
	q->data = sb_steal(&out);
	policy_event(m, "tamper", NULL, strcmp(what, "body") == 0 ? "appended a footer to the body"
								   : "tagged the Subject: with [list]");
}

static void q_prepend(struct mta *m, struct qentry *q, const char *name, const char *value);

static void subject_prefix(struct mta *m, struct qentry *q, const char *prefix)
{
	const char *subj = strstr(q->data, "\r\nSubject: ");
	if (!subj)
		return;
	size_t cut = (size_t)(subj - q->data) + 11;
	struct strbuf out;
	sb_init(&out);
	sb_append(&out, q->data, cut);
	sb_puts(&out, prefix);
	sb_append(&out, q->data + cut, q->len - cut);
	free(q->data);
	q->len = out.len;
	q->data = sb_steal(&out);
}

/* RFC 6376 signing by the outbound MTA for its own domain (the seeds'
 * step 2): a real rsa-sha256 DKIM-Signature over the queued message. */
static void dkim_sign_queued(struct mta *m, struct qentry *q)
{
	const struct scn_dkim_sign *d = &m->cfg->dkim_sign;
	char from[256] = "";
	if (!d->key_pem || dmarc_from_domain(q->data, q->len, from, sizeof from) != DMARC_FROM_OK ||
	    !ascii_strcaseeq(from, d->domain))
		return;
	char err[256];
	struct dkim_key *k = dkim_key_load_pem(d->key_pem, err, sizeof err);
	if (!k) {
		policy_event(m, "defer", NULL, err);
		return;
	}
	bool relaxed_h = strncmp(d->canon, "relaxed/", 8) == 0;
	bool relaxed_b = strstr(d->canon, "/relaxed") != NULL;
	struct dkim_sign_opts o = {
		.domain = d->domain,
		.selector = d->selector,
		.header_canon = relaxed_h ? DKIM_RELAXED : DKIM_SIMPLE,
		.body_canon = relaxed_b ? DKIM_RELAXED : DKIM_SIMPLE,
		.timestamp = (m->sim->epoch_unix_us + m->sim->now) / 1000000,
	};
	char *sig = dkim_sign(k, &o, q->data, q->len, err, sizeof err);
	dkim_key_free(k);
	if (sig)
		q_prepend(m, q, "DKIM-Signature", sig);
	free(sig);
}

static struct msg_in *msg_in_from(const struct smtpd_txn *txn)
{
	struct msg_in *mi = xcalloc(1, sizeof *mi);
	mi->sender = xstrdup(txn->mail_from ? txn->mail_from : "");
	mi->helo = xstrdup(txn->helo ? txn->helo : "");
	mi->auth_user = txn->auth_user ? xstrdup(txn->auth_user) : NULL;
	mi->rcpts = xcalloc(txn->nrcpts + 1, sizeof *mi->rcpts);
	for (size_t i = 0; i < txn->nrcpts; i++)
		mi->rcpts[i] = xstrdup(txn->rcpts[i]);
	mi->nrcpts = txn->nrcpts;
	mi->data = xstrndup(txn->data, txn->data_len);
	mi->len = txn->data_len;
	mi->with = received_with(txn);
	return mi;
}

/* Prepend one header to the queued copy and show it in the trace. */
static void q_prepend(struct mta *m, struct qentry *q, const char *name, const char *value)
{
	struct strbuf msg;
	sb_init(&msg);
	sb_append(&msg, q->data, q->len);
	msg_prepend_header(&msg, name, value);
	free(q->data);
	q->len = msg.len;
	q->data = sb_steal(&msg);
	header_event(m, q->tag, name, value);
}

/* The filter verdict's headers (Authentication-Results, X-Spam-*, ...),
 * newest on top like every trace header, and a rewritten Subject. */
static void apply_verdict(struct mta *m, struct qentry *q, const struct chk_verdict *v)
{
	const char *p = v->headers.data ? v->headers.data : "";
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		const char *colon = strchr(p, ':');
		if (!eol || !colon || colon > eol)
			break;
		/* A value may be folded: the header ends at a CRLF not followed by WSP. */
		while (eol[2] == ' ' || eol[2] == '\t')
			eol = strstr(eol + 2, "\r\n");
		char *name = xstrndup(p, (size_t)(colon - p));
		char *value = xstrndup(colon + 2, (size_t)(eol - colon - 2));
		q_prepend(m, q, name, value);
		free(name);
		free(value);
		p = eol + 2;
	}
	if (v->subject_prefix[0])
		subject_prefix(m, q, v->subject_prefix);
	snprintf(q->folder, sizeof q->folder, "%s", v->folder[0] ? v->folder : "INBOX");
	q->flags = v->flags;
	q->deny = v->decision == CHK_DENY;
	q->quarantine = v->decision == CHK_QUARANTINE;
	q->not_before = v->decision == CHK_SNOOZE ? v->snooze_until : 0;
	if (v->forward[0])
		q->forward = xstrdup(v->forward);
}

static void queue_message(struct mta *m, struct msg_in *mi, struct smtp_in *s,
			  const struct chk_verdict *v, struct smtp_reply *reply)
{
	struct sim *sim = m->sim;
	const char *tag = sim_tag_find(sim, mi->data, mi->len);
	struct qentry *q = qentry_new(m, mi->sender, (const char *const *)mi->rcpts, mi->nrcpts,
				      mi->data, mi->len, tag);
	q->is_dsn = !mi->sender[0]; /* MAIL FROM:<> carries reports, not user mail */
	/* RFC 5321 §4.4: every relay and final server prepends Received:. */
	char date[64];
	sim_date(sim, date, sizeof date);
	struct strbuf rv;
	sb_init(&rv);
	sb_printf(&rv, "from %s (%s [%s])\r\n\tby %s (mailsim) with %s id %s", mi->helo,
		  chk_client_name(s->chk), s->c->cli->ip, m->host->name, mi->with, q->qid);
	if (mi->nrcpts == 1)
		sb_printf(&rv, "\r\n\tfor <%s>", mi->rcpts[0]);
	sb_printf(&rv, "; %s", date);
	q_prepend(m, q, "Received", rv.data);
	sb_free(&rv);
	if (v)
		apply_verdict(m, q, v);
	if (mi->auth_user && m->cfg->has_dkim_sign)
		dkim_sign_queued(m, q);
	if (m->host->tamper)
		tamper(m, q);
	smtp_reply_set(reply, 250, "2.0.0", "Ok: queued as %s", q->qid);
	enqueue(m, q);
}
/* ===== outcomes ============================================================ */

static void rcpt_done(struct mta *m, struct qentry *q, size_t i, const char *result,
		      const char *status, const char *reason)
{
	q->r[i].state = QR_DONE;
	q->r[i].last_attempt = m->sim->now;
	trace_q(m, q, "queue.done", q->r[i].addr);
	trace_str(m->sim->trace, "result", result);
	if (status)
		trace_str(m->sim->trace, "status", status);
	if (reason)
		trace_str(m->sim->trace, "reason", reason);
	trace_end(m->sim->trace);
}

static void rcpt_fail(struct mta *m, struct qentry *q, size_t i, const char *status,
		      const char *diag)
{
	/* status/diag may point into q->r[i] itself (expiry reuses the last
	 * reason), so copy through locals. */
	char st[sizeof q->r[i].status], dg[sizeof q->r[i].diag];
	snprintf(st, sizeof st, "%s", status);
	snprintf(dg, sizeof dg, "%s", diag);
	status = st;
	diag = dg;
	q->r[i].state = QR_FAILED;
	q->r[i].last_attempt = m->sim->now;
	memcpy(q->r[i].status, st, sizeof st);
	memcpy(q->r[i].diag, dg, sizeof dg);
	trace_q(m, q, "queue.bounce", q->r[i].addr);
	trace_str(m->sim->trace, "status", status);
	trace_str(m->sim->trace, "class", status[0] == '5' ? "hard" : "expired");
	trace_str(m->sim->trace, "reason", diag);
	trace_end(m->sim->trace);
	if (!q->is_dsn)
		m->sim->stats.bounced++;
}

static void rcpt_defer(struct mta *m, struct qentry *q, size_t i, const char *status,
		       const char *diag)
{
	q->r[i].state = QR_PENDING;
	q->r[i].last_attempt = m->sim->now;
	snprintf(q->r[i].status, sizeof q->r[i].status, "%s", status);
	snprintf(q->r[i].diag, sizeof q->r[i].diag, "%s", diag);
}

/* ===== delivery status notifications (RFC 3464) =========================== */

static void dsn_event(struct mta *m, struct qentry *q, const char *dsn_tag, const char *action,
		      const struct dsn_rcpt *v, size_t n)
{
	struct sim *sim = m->sim;
	trace_begin(sim->trace, sim->now, "dsn.create");
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

/* One DSN for every recipient in `want` state that no DSN named yet, sent
 * back to the envelope sender with MAIL FROM:<> through our own queue. */
static void send_dsn(struct mta *m, struct qentry *q, enum dsn_action action)
{
	struct sim *sim = m->sim;
	enum qr_state want = action == DSN_FAILED ? QR_FAILED : QR_PENDING;
	size_t n = 0;
	struct dsn_rcpt *v = xcalloc(q->nr, sizeof *v);
	char (*last)[64] = xcalloc(q->nr, sizeof *last);
	char until[64], arrival[64], date[64], mid[300], boundary[80], tag[300], remote_diag[1100];
	sim_date_at(sim, retry_give_up_time(&m->retry, q->arrival, q->first_failure < 0 ? sim->now : q->first_failure), until, sizeof until);
	for (size_t i = 0; i < q->nr; i++) {
		struct qrcpt *r = &q->r[i];
		if (r->state != want || (action == DSN_FAILED && r->reported))
			continue;
		r->reported = action == DSN_FAILED;
		sim_date_at(sim, r->last_attempt, last[n], sizeof last[n]);
		v[n] = (struct dsn_rcpt){.final_recipient = r->addr, .action = action,
					 .status = r->status[0] ? r->status : "4.0.0",
					 .remote_mta = r->remote[0] ? r->remote : NULL,
					 .diagnostic = r->diag[0] ? r->diag : NULL,
					 .last_attempt_date = last[n],
					 .will_retry_until = action == DSN_DELAYED ? until : NULL};
		n++;
	}
	if (n == 0)
		goto out;
	if (!q->sender[0]) {
		/* RFC 5321 §4.5.5 / §6.1: never a report about a report. */
		policy_event(m, "discard", NULL,
			     "no DSN for a message sent with the null sender <> (it is itself a bounce)");
		goto out;
	}
	q->dsn_count++;
	if (action == DSN_FAILED && ++q->fail_dsns > 1)
		snprintf(tag, sizeof tag, "%s.dsn%d", q->tag, q->fail_dsns);
	else
		snprintf(tag, sizeof tag, "%s.%s", q->tag, action == DSN_FAILED ? "dsn" : "delay");
	sim_date(sim, date, sizeof date);
	sim_date_at(sim, q->arrival, arrival, sizeof arrival);
	snprintf(mid, sizeof mid, "<%" PRId64 ".%s.%d@%s>", (sim->epoch_unix_us + sim->now) / 1000000,
		 q->qid, q->dsn_count, m->host->name);
	snprintf(boundary, sizeof boundary, "%s.%d/%s", q->qid, q->dsn_count, m->host->name);
	char postmaster[300];
	snprintf(postmaster, sizeof postmaster, "MAILER-DAEMON@%s", m->host->name);
	(void)remote_diag;
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
	sim_tag_add(sim, mid, tag);
	const char *to = q->sender;
	struct qentry *d = qentry_new(m, "", &to, 1, out.data, out.len, tag);
	d->is_dsn = true;
	sb_free(&out);
	enqueue(m, d);
out:
	free(v);
	free(last);
}

static void retire(struct mta *m, struct qentry *q)
{
	unlink_entry(m, q);
	qentry_free(q);
}

static void trace_deferrals(struct mta *m, struct qentry *q, int64_t next)
{
	struct sim *sim = m->sim;
	for (size_t i = 0; i < q->nr; i++) {
		if (q->r[i].state != QR_PENDING)
			continue;
		trace_q(m, q, "queue.defer", q->r[i].addr);
		trace_str(sim->trace, "status", q->r[i].status);
		trace_str(sim->trace, "class", "soft");
		trace_str(sim->trace, "reason", q->r[i].diag);
		trace_str(sim->trace, "queue", "deferred");
		trace_int(sim->trace, "attempt", q->attempts);
		trace_time(sim->trace, "next_attempt", next);
		trace_end(sim->trace);
	}
}

/* After every job of an attempt has finished: report failures, then retry,
 * warn, expire or retire (Postfix qmgr semantics, email-facts §5). */
static void attempt_finished(struct mta *m, struct qentry *q)
{
	struct sim *sim = m->sim;
	send_dsn(m, q, DSN_FAILED);
	bool pending = false;
	for (size_t i = 0; i < q->nr; i++)
		pending |= q->r[i].state == QR_PENDING;
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
		trace_q(m, q, "queue.expire", NULL);
		trace_time(sim->trace, "age", sim->now - q->arrival);
		trace_end(sim->trace);
		for (size_t i = 0; i < q->nr; i++)
			if (q->r[i].state == QR_PENDING)
				rcpt_fail(m, q, i, q->r[i].status[0] ? q->r[i].status : "4.4.7",
					  q->r[i].diag);
		send_dsn(m, q, DSN_FAILED);
		retire(m, q);
		return;
	}
	q->last_interval = interval;
	trace_deferrals(m, q, next);
	if (m->retry.delay_warning > 0 && !q->warned && !q->is_dsn &&
	    sim->now - q->arrival >= m->retry.delay_warning) {
		q->warned = true;
		send_dsn(m, q, DSN_DELAYED);
	}
	q->retry_timer = sim_at(sim, next, ev_attempt, q, 0);
}

/* ===== local delivery ===================================================== */

/* Hand a copy on to another address (a relay user's real mailbox, or a
 * filter rule): a new queue entry, its envelope sender rewritten with SRS
 * when this host has a secret, so SPF at the next hop checks our domain. */
static void forward_copy(struct mta *m, struct qentry *q, size_t i, const char *to)
{
	struct sim *sim = m->sim;
	char sender[600];
	snprintf(sender, sizeof sender, "%s", q->sender);
	if (m->cfg->srs_secret && q->sender[0])
		/* The forwarding address's domain vouches for the new sender. */
		srs_forward(m->cfg->srs_secret, q->sender, addr_domain(q->r[i].addr),
			    (sim->epoch_unix_us + sim->now) / 86400000000LL, sender, sizeof sender);
	char why[900];
	snprintf(why, sizeof why, "forward %s to %s%s%s", q->r[i].addr, to,
		 strcmp(sender, q->sender) ? ", envelope sender rewritten (SRS) to " : "",
		 strcmp(sender, q->sender) ? sender : "");
	policy_event(m, "forward", q->r[i].addr, why);
	struct qentry *f = qentry_new(m, sender, &to, 1, q->data, q->len, q->tag);
	f->is_dsn = q->is_dsn;
	rcpt_done(m, q, i, "forwarded", "2.0.0", why);
	enqueue(m, f);
}

static void deliver_local(struct mta *m, struct qentry *q, size_t i)
{
	struct sim *sim = m->sim;
	struct qrcpt *r = &q->r[i];
	const struct scn_user *su = resolve_local(m, r->addr);
	struct mbox_user *u = su ? mailstore_user(m->store, su->address) : NULL;
	if (!u) {
		rcpt_fail(m, q, i, "5.1.1", "User unknown in local recipient table");
		return;
	}
	if (q->forward || su->forward) {
		forward_copy(m, q, i, q->forward ? q->forward : su->forward);
		return;
	}
	if (q->deny) {
		/* The recipient's own rule: accepted, then dropped, no bounce. */
		r->state = QR_DONE;
		if (!q->is_dsn)
			sim->stats.rejected++;
		rcpt_done(m, q, i, "denied", "2.0.0", "dropped by the recipient's filter rule");
		return;
	}
	struct strbuf copy;
	sb_init(&copy);
	sb_append(&copy, q->data, q->len);
	char rp[600];
	snprintf(rp, sizeof rp, "<%s>", q->sender);
	/* RFC 5321 §4.4: final delivery records the reverse-path. */
	msg_prepend_header(&copy, "Return-Path", rp);
	if (u->quota && mbox_usage(u) + (int64_t)copy.len > u->quota) {
		sb_free(&copy);
		char why[600];
		snprintf(why, sizeof why, "<%s>: mailbox full: %" PRId64 " of %" PRId64
					  " bytes used, this message needs %zu more",
			 r->addr, mbox_usage(u), u->quota, q->len);
		rcpt_fail(m, q, i, "5.2.2", why);
		return;
	}
	header_event(m, q->tag, "Return-Path", rp);
	const char *folder = q->folder[0] ? q->folder : "INBOX";
	struct stored_msg *sm = mbox_store(u, folder, copy.data, copy.len, sim->now,
					   sim->epoch_unix_us + sim->now, q->tag);
	sm->flags = q->flags;
	trace_begin(sim->trace, sim->now, "mailbox.store");
	trace_node(sim->trace, m->host->name);
	trace_msg(sim->trace, q->tag);
	trace_rcpt(sim->trace, r->addr);
	trace_str(sim->trace, "user", u->address);
	trace_str(sim->trace, "folder", folder);
	trace_int(sim->trace, "bytes", (int64_t)copy.len);
	trace_end(sim->trace);
	sb_free(&copy);
	if (q->is_dsn)
		sim->stats.dsn_sent++;
	else if (q->quarantine)
		sim->stats.quarantined++;
	else
		sim->stats.delivered++;
	rcpt_done(m, q, i, q->quarantine ? "quarantined" : "delivered", "2.0.0",
		  q->quarantine ? "held in quarantine" : "delivered to mailbox");
}

/* ===== remote delivery: one job per destination domain ===================== */

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->nmx; i++)
		free(j->mx[i]);
	free(j->mx);
	free(j->ridx);
	free(j->rcpts);
	free(j->res);
	smtpc_free(j->sc);
	free(j);
}

static void job_end(struct job *j)
{
	struct qentry *q = j->q;
	job_free(j);
	if (--q->active_jobs == 0)
		attempt_finished(q->m, q);
}

static void job_defer_all(struct job *j, const char *status, const char *diag)
{
	for (size_t k = 0; k < j->nr; k++)
		rcpt_defer(j->q->m, j->q, j->ridx[k], status, diag);
	job_end(j);
}

static void job_fail_all(struct job *j, const char *status, const char *diag)
{
	for (size_t k = 0; k < j->nr; k++)
		rcpt_fail(j->q->m, j->q, j->ridx[k], status, diag);
	job_end(j);
}

static void job_next_mx(struct job *j);

static void route_event(struct job *j, const struct dns_answer *ans)
{
	struct mta *m = j->q->m;
	char **v = xcalloc(j->nmx ? j->nmx : 1, sizeof *v);
	for (size_t i = 0; i < j->nmx; i++) {
		int pref = -1;
		for (size_t k = 0; ans && k < ans->n; k++)
			if (ans->rrs[k].type == DNS_T_MX && ascii_strcaseeq(ans->rrs[k].target, j->mx[i]))
				pref = ans->rrs[k].pref;
		v[i] = pref >= 0 ? xasprintf("%d %s.", pref, j->mx[i])
				 : xasprintf("0 %s. (implicit MX)", j->mx[i]);
	}
	trace_q(m, j->q, "route.mx", NULL);
	trace_str(m->sim->trace, "domain", j->domain);
	trace_strv(m->sim->trace, "mx", (const char *const *)v, j->nmx);
	trace_end(m->sim->trace);
	for (size_t i = 0; i < j->nmx; i++)
		free(v[i]);
	free(v);
}

static int cmp_pref(const void *a, const void *b)
{
	const struct dns_rr *x = *(const struct dns_rr *const *)a, *y = *(const struct dns_rr *const *)b;
	return (x->pref > y->pref) - (x->pref < y->pref);
}

/* RFC 5321 §5.1: lowest preference first; equal preferences in random
 * order (the seeded PRNG, so runs stay reproducible). */
static void order_mx(struct job *j, const struct dns_answer *ans)
{
	struct sim *sim = j->q->m->sim;
	const struct dns_rr **v = xcalloc(ans->n ? ans->n : 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < ans->n; i++)
		if (ans->rrs[i].type == DNS_T_MX)
			v[n++] = &ans->rrs[i];
	/* Insertion-stable sort, then shuffle each run of equal preference. */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && cmp_pref(&v[k - 1], &v[k]) > 0; k--) {
			const struct dns_rr *t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	for (size_t s = 0; s < n;) {
		size_t e = s;
		while (e < n && v[e]->pref == v[s]->pref)
			e++;
		/* Fisher-Yates over v[s..e). */
		for (size_t left = e - s; left > 1; left--) {
			size_t i = s + left - 1;
			size_t k = s + rng_below(&sim->rng, (uint32_t)left);
			const struct dns_rr *t = v[i];
			v[i] = v[k];
			v[k] = t;
		}
		s = e;
	}
	/* RFC 5321 §5.1 rule 9: a relay in the MX list drops itself and every
	 * entry of equal or higher preference (a backup MX hands mail upward). */
	const struct host *me = j->q->m->host;
	int own = -1;
	for (size_t i = 0; i < n && own < 0; i++)
		if (ascii_strcaseeq(v[i]->target, me->name))
			own = v[i]->pref;
	j->mx = xcalloc(n ? n : 1, sizeof *j->mx);
	for (size_t i = 0; i < n; i++)
		if (own < 0 || v[i]->pref < own)
			j->mx[j->nmx++] = xstrdup(v[i]->target);
	j->self_listed = own >= 0;
	free(v);
}

static void job_mx_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			  const struct dns_answer *ans)
{
	struct job *j = ctx;
	char diag[1024];
	if (!ans || ans->rcode == DNS_R_SERVFAIL || ans->rcode == DNS_R_REFUSED) {
		snprintf(diag, sizeof diag, "Host or domain name lookup failed: %s type=MX: %s", qname,
			 ans ? dns_rcode_name(ans->rcode) : "timed out");
		job_defer_all(j, "4.4.3", diag); /* RFC 5321 §5.1: temporary, retry */
		return;
	}
	if (ans->rcode == DNS_R_NXDOMAIN) {
		snprintf(diag, sizeof diag,
			 "Host or domain name not found. Name service error for name=%s type=MX: "
			 "Host not found",
			 qname);
		job_fail_all(j, "5.1.2", diag);
		return;
	}
	if (dns_answer_is_null_mx(ans)) {
		job_fail_all(j, "5.1.10", "Recipient address has null MX (RFC 7505)");
		return;
	}
	order_mx(j, ans);
	if (j->nmx == 0 && j->self_listed) {
		snprintf(diag, sizeof diag, "mail for %s loops back to myself", j->domain);
		job_fail_all(j, "5.4.6", diag);
		return;
	}
	if (j->nmx == 0) { /* NODATA: the domain itself is the implicit MX */
		free(j->mx);
		j->mx = xcalloc(1, sizeof *j->mx);
		j->mx[j->nmx++] = xstrdup(j->domain);
	}
	route_event(j, ans);
	job_next_mx(j);
}

static void job_start(struct qentry *q, const char *domain, size_t *ridx, size_t nr)
{
	struct mta *m = q->m;
	struct job *j = xcalloc(1, sizeof *j);
	j->q = q;
	snprintf(j->domain, sizeof j->domain, "%s", domain);
	j->ridx = ridx;
	j->nr = nr;
	q->active_jobs++;
	trace_q(m, q, "queue.attempt", NULL);
	trace_int(m->sim->trace, "attempt", q->attempts);
	trace_str(m->sim->trace, "domain", domain);
	trace_end(m->sim->trace);
	if (!m->host->resolver) {
		job_defer_all(j, "4.3.0", "no resolver configured");
		return;
	}
	resolver_query(m->host->resolver, domain, DNS_T_MX, job_mx_answer, j);
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
		if (q->r[i].state == QR_PENDING && is_local_domain(m, addr_domain(q->r[i].addr)))
			deliver_local(m, q, i);
	for (size_t i = 0; i < q->nr; i++) {
		if (q->r[i].state != QR_PENDING)
			continue;
		const char *dom = addr_domain(q->r[i].addr);
		size_t *ridx = xcalloc(q->nr, sizeof *ridx);
		size_t n = 0;
		for (size_t k = i; k < q->nr; k++)
			if (q->r[k].state == QR_PENDING && ascii_strcaseeq(addr_domain(q->r[k].addr), dom)) {
				ridx[n++] = k;
				q->r[k].state = QR_ACTIVE;
			}
		job_start(q, dom, ridx, n);
	}
	if (--q->active_jobs == 0)
		attempt_finished(m, q);
}

/* ----- one SMTP session to one MX host ------------------------------------ */

static void job_a_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			 const struct dns_answer *ans);

static void job_next_mx(struct job *j)
{
	struct mta *m = j->q->m;
	if (j->imx >= j->nmx) {
		/* RFC 5321 §5.1: MX hosts exist but none has an address → error;
		 * anything temporary on the way → defer. */
		if (j->unresolvable == (int)j->nmx)
			job_fail_all(j, "5.4.4", j->last_error);
		else
			job_defer_all(j, j->last_status[0] ? j->last_status : "4.4.1",
				      j->last_error[0] ? j->last_error : "no MX host answered");
		return;
	}
	resolver_query(m->host->resolver, j->mx[j->imx], DNS_T_A, job_a_answer, j);
}

static void sess_send_line(void *ud, const char *line)
{
	struct job *j = ud;
	net_send_line(j->c, SIDE_CLIENT, "smtp.send", line);
}

static void sess_send_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	struct job *j = ud;
	char subj[256] = "";
	msg_header(j->q->data, j->q->len, "Subject", subj, sizeof subj);
	char sum[300];
	snprintf(sum, sizeof sum, "Subject: %s", subj);
	net_send_block(j->c, SIDE_CLIENT, "smtp.data", bytes, len, nlines, sum, j->q->tag);
}

static void sess_start_tls(void *ud)
{
	struct job *j = ud;
	net_tls_start(j->c);
}

static void sess_done(void *ud, const struct smtpc_result *res)
{
	struct job *j = ud;
	j->session_done = true;
	j->nres = res->nrcpts;
	j->res = xcalloc(res->nrcpts ? res->nrcpts : 1, sizeof *j->res);
	memcpy(j->res, res->rcpts, res->nrcpts * sizeof *j->res);
	for (size_t i = 0; i < j->nres; i++)
		j->res[i].rcpt = NULL; /* borrowed from smtpc; we index by position */
	char text[1024];
	snprintf(text, sizeof text, "host %s said: %d %s%s%s", j->remote, res->reply.code,
		 res->reply.enh, res->reply.enh[0] ? " " : "", res->reply.text);
	if (res->session_failed) {
		/* Refused greeting or a connection lost before any recipient was
		 * decided: try the next MX (Postfix practice, email-facts §1.10). */
		bool early = res->stage == SMTPC_STAGE_GREETING || res->stage == SMTPC_STAGE_CONN ||
			     res->stage == SMTPC_STAGE_EHLO || res->stage == SMTPC_STAGE_HELO ||
			     res->stage == SMTPC_STAGE_STARTTLS || res->stage == SMTPC_STAGE_TLS;
		if (res->reply.code == 0)
			snprintf(text, sizeof text, "lost connection with %s while in %s stage",
				 j->remote, smtpc_stage_name(res->stage));
		snprintf(j->last_error, sizeof j->last_error, "%s", text);
		snprintf(j->last_status, sizeof j->last_status, "%s",
			 res->reply.enh[0] ? res->reply.enh
					   : (res->cls == SMTP_CLASS_PERMFAIL ? "5.0.0" : "4.4.2"));
		j->try_next = early && (res->cls != SMTP_CLASS_OK);
		/* Opportunistic TLS (Postfix smtp_tls_security_level = may): a
		 * failed handshake is retried in plaintext with the same host. */
		const char *pol = j->q->m->cfg->tls_policy;
		if (res->stage == SMTPC_STAGE_TLS && !j->plaintext && pol && strcmp(pol, "may") == 0)
			j->retry_plain = true;
		if (res->stage == SMTPC_STAGE_TLS || (res->stage == SMTPC_STAGE_EHLO &&
						      res->reply.code < 400 && res->reply.code > 0))
			snprintf(j->last_status, sizeof j->last_status, "4.7.5");
	}
}

static void ev_session_over(struct sim *sim, void *ctx, uint64_t arg);

static void sess_close(void *ud)
{
	struct job *j = ud;
	if (j->c->open[SIDE_CLIENT])
		net_close(j->c, SIDE_CLIENT);
	sim_after(j->q->m->sim, 0, ev_session_over, j, 0);
}

static const struct smtpc_callbacks sess_callbacks = {
	.send_line = sess_send_line,
	.send_data = sess_send_data,
	.start_tls = sess_start_tls,
	.done = sess_done,
	.close = sess_close,
};

static void apply_results(struct job *j)
{
	struct mta *m = j->q->m;
	for (size_t k = 0; k < j->nr; k++) {
		size_t i = j->ridx[k];
		const struct smtpc_rcpt_result *r = k < j->nres ? &j->res[k] : NULL;
		char diag[1024];
		if (!r) {
			rcpt_defer(m, j->q, i, "4.4.2", "no result for recipient");
			continue;
		}
		snprintf(diag, sizeof diag, "host %s said: %d %s%s%s", j->remote, r->reply.code,
			 r->reply.enh, r->reply.enh[0] ? " " : "", r->reply.text);
		const char *st = r->reply.enh[0] ? r->reply.enh : NULL;
		if (r->reply.code == 0)
			snprintf(diag, sizeof diag, "%s", j->last_error);
		switch (r->cls) {
		case SMTP_CLASS_OK:
			snprintf(j->q->r[i].remote, sizeof j->q->r[i].remote, "%s", j->remote);
			rcpt_done(m, j->q, i, "relayed", st ? st : "2.0.0", diag);
			break;
		case SMTP_CLASS_TEMPFAIL:
			rcpt_defer(m, j->q, i, st ? st : "4.0.0", diag);
			break;
		case SMTP_CLASS_PERMFAIL:
			rcpt_fail(m, j->q, i, st ? st : "5.0.0", diag);
			break;
		}
	}
}

static void job_connect(struct job *j, const char *ip);

static void ev_session_over(struct sim *sim, void *ctx, uint64_t arg)
{
	struct job *j = ctx;
	if (j->c->open[SIDE_CLIENT])
		net_close(j->c, SIDE_CLIENT);
	sim_cancel(sim, j->cmd_timer);
	j->cmd_timer = 0;
	smtpc_free(j->sc);
	j->sc = NULL;
	if (j->retry_plain) {
		free(j->res);
		j->res = NULL;
		j->nres = 0;
		j->session_done = j->try_next = j->retry_plain = false;
		j->plaintext = true;
		policy_event(j->q->m, "defer", NULL,
			     "TLS handshake failed; opportunistic TLS retries the same host in plaintext");
		job_connect(j, j->ip);
		return;
	}
	if (!j->session_done || j->try_next) {
		free(j->res);
		j->res = NULL;
		j->nres = 0;
		j->session_done = j->try_next = false;
		j->imx++;
		job_next_mx(j);
		return;
	}
	apply_results(j);
	job_end(j);
}

/* Postfix smtp_*_timeout: 300 s for the greeting and each reply (600 s
 * after the final dot is the RFC's minimum; one value keeps it simple). */
#define SMTP_CLIENT_TIMEOUT SIM_US(300)

static void ev_cmd_timeout(struct sim *sim, void *ctx, uint64_t arg)
{
	struct job *j = ctx;
	j->cmd_timer = 0;
	if (j->sc)
		smtpc_timeout(j->sc);
}

static void arm_cmd_timer(struct job *j)
{
	struct sim *sim = j->q->m->sim;
	sim_cancel(sim, j->cmd_timer);
	j->cmd_timer = sim_after(sim, SMTP_CLIENT_TIMEOUT, ev_cmd_timeout, j, 0);
}

static void out_connected(void *ctx, struct conn *c)
{
	arm_cmd_timer(ctx);
}

static void out_data(void *ctx, struct conn *c, const char *data, size_t len)
{
	struct job *j = ctx;
	if (!j->sc)
		return;
	arm_cmd_timer(j);
	smtpc_feed(j->sc, data, len);
}

static void out_tls(void *ctx, struct conn *c, bool ok)
{
	struct job *j = ctx;
	if (j->sc)
		smtpc_tls_done(j->sc, ok);
}

static void out_closed(void *ctx, struct conn *c)
{
	struct job *j = ctx;
	if (j->sc)
		smtpc_disconnected(j->sc);
}

static void out_failed(void *ctx, struct conn *c, enum net_fail why)
{
	struct job *j = ctx;
	snprintf(j->last_error, sizeof j->last_error, "connect to %s[%s]:25: %s", j->remote,
		 c->dst_ip, why == NET_REFUSED ? "Connection refused" : "Connection timed out");
	snprintf(j->last_status, sizeof j->last_status, "4.4.1");
	j->try_next = true;
	sim_after(j->q->m->sim, 0, ev_session_over, j, 0);
}

static const struct conn_ops out_ops = {
	.connected = out_connected,
	.failed = out_failed,
	.data = out_data,
	.tls = out_tls,
	.closed = out_closed,
};

static void job_connect(struct job *j, const char *ip)
{
	struct mta *m = j->q->m;
	snprintf(j->remote, sizeof j->remote, "%s", j->mx[j->imx]);
	const char *pol = m->cfg->tls_policy ? m->cfg->tls_policy : "may";
	struct smtpc_config cfg = {
		.helo_name = m->host->name,
		/* "may": opportunistic TLS between MTAs; "encrypt": insist. */
		.starttls = strcmp(pol, "none") != 0 && !j->plaintext,
		.require_tls = strcmp(pol, "encrypt") == 0,
	};
	j->sc = smtpc_new(&cfg, &sess_callbacks, j);
	free(j->rcpts);
	j->rcpts = xcalloc(j->nr, sizeof *j->rcpts);
	for (size_t k = 0; k < j->nr; k++)
		j->rcpts[k] = j->q->r[j->ridx[k]].addr;
	smtpc_set_message(j->sc, j->q->sender, j->rcpts, j->nr, j->q->data, j->q->len);
	j->c = net_connect(m->sim, m->host, ip, 25, &out_ops, j);
}

static void job_a_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			 const struct dns_answer *ans)
{
	struct job *j = ctx;
	char ip[64] = "";
	for (size_t i = 0; ans && i < ans->n; i++)
		if (ans->rrs[i].type == DNS_T_A) {
			snprintf(ip, sizeof ip, "%u.%u.%u.%u", ans->rrs[i].addr[0], ans->rrs[i].addr[1],
				 ans->rrs[i].addr[2], ans->rrs[i].addr[3]);
			break;
		}
	if (!ip[0]) {
		snprintf(j->last_error, sizeof j->last_error,
			 "Host or domain name not found. Name service error for name=%s type=A: %s",
			 qname, ans ? dns_rcode_name(ans->rcode) : "timed out");
		snprintf(j->last_status, sizeof j->last_status, "4.4.3");
		if (ans && (ans->rcode == DNS_R_NXDOMAIN || ans->rcode == DNS_R_NOERROR))
			j->unresolvable++;
		j->imx++;
		job_next_mx(j);
		return;
	}
	snprintf(j->ip, sizeof j->ip, "%s", ip);
	j->plaintext = false;
	job_connect(j, ip);
}

/* ===== set-up ============================================================== */

/* The retry policy: Postfix defaults or the Exim rules (validated by the
 * scenario loader), with the scenario's overrides. */
static void mta_setup_retry(struct mta *m, const struct scn_host *cfg)
{
	char err[256];
	retry_policy_postfix(&m->retry);
	if (cfg->retry_rules && strcmp(cfg->retry_schedule, "exim") == 0 &&
	    !retry_policy_exim(&m->retry, cfg->retry_rules, err, sizeof err))
		abort(); /* the loader checked it: our bug */
	if (cfg->min_backoff >= 0)
		m->retry.min_backoff = cfg->min_backoff;
	if (cfg->max_backoff >= 0)
		m->retry.max_backoff = cfg->max_backoff;
	if (cfg->queue_lifetime >= 0)
		m->retry.queue_lifetime = cfg->queue_lifetime;
	if (cfg->delay_warning >= 0)
		m->retry.delay_warning = cfg->delay_warning;
}

struct mta *mta_new(struct sim *sim, struct host *h, const struct scn_host *cfg)
{
	struct mta *m = xcalloc(1, sizeof *m);
	m->sim = sim;
	m->host = h;
	m->cfg = cfg;
	m->store = mailstore_new(h->name);
	mta_setup_retry(m, cfg);
	m->idle_timeout = cfg->idle_timeout > 0 ? cfg->idle_timeout : SIM_US(300);
	if (scn_host_has_service(cfg, "smtp"))
		host_listen(h, 25, accept_port25, m);
	if (scn_host_has_service(cfg, "submission"))
		host_listen(h, 587, accept_port587, m);
	retrieval_listen(sim, h, m->store, scn_host_has_service(cfg, "imap"),
			 scn_host_has_service(cfg, "pop3"));
	return m;
}

void mta_free(void *p)
{
	struct mta *m = p;
	if (!m)
		return;
	while (m->queue) {
		struct qentry *q = m->queue;
		m->queue = q->next;
		qentry_free(q);
	}
	for (size_t i = 0; i < m->ngrey; i++) {
		free(m->grey[i].ip);
		free(m->grey[i].sender);
		free(m->grey[i].rcpt);
	}
	free(m->grey);
	for (size_t i = 0; i < m->nrate; i++)
		free(m->rate[i].ip);
	free(m->rate);
	mailstore_free(m->store);
	free(m);
}
