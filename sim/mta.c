/* mta.c — see mta.h. This part: set-up, and the inbound SMTP session:
 * smtpd driven by connection events, the MTA's policy in its check hook
 * (relaying, recipients, quotas, greylisting, rate limits, the filter
 * chain of checks.c), and turning an accepted message into a queue entry
 * (Received:, the verdict's headers, DKIM signing on submission). The
 * other parts and how they depend on each other: mta_ctx.h. */
#include "mta.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dkim.h"
#include "dmarc.h"
#include "fmt.h"
#include "msg.h"
#include "mta_append.h"
#include "mta_ctx.h"
#include "mta_live.h"
#include "mta_out.h"
#include "mta_rep.h"
#include "mta_queue.h"
#include "retrieval.h"
#include "session.h"
#include "resolver.h"
#include "smtpd.h"
#include "srs.h"
#include "placement.h"
#include "pool.h"
#include "reputation.h"
#include "util.h"

void mta_set_idle_timeout(struct mta *m, int64_t us)
{
	m->idle_timeout = us;
}

long mta_queued(const struct mta *m)
{
	long n = 0;
	for (const struct qentry *q = m->queue; q; q = q->next)
		for (size_t i = 0; i < q->nr; i++)
			n += !q->report && qr_pending(&q->r[i]);
	return n;
}

struct rep *mta_reputation(const struct mta *m)
{
	return m->rep;
}

struct mailstore *mta_store(struct mta *m)
{
	return m->store;
}

static const char *received_with(const struct smtpd_txn *txn)
{
	/* RFC 3848 §2: ESMTP + S for TLS + A for authenticated. */
	static const char *const names[] = {"ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA"};
	if (!txn->esmtp)
		return "SMTP";
	return names[(txn->tls ? 1 : 0) + (txn->auth_user ? 2 : 0)];
}


/* ===== inbound SMTP ======================================================== */

struct smtp_in {
	struct mta *m;
	struct conn *c;
	struct session *sess;    /* owned: the connection and smtpd */
	struct smtpd *d;         /* the engine (owned by sess) */
	struct chk *chk;         /* owned: the receiving-side checks */
	struct msg_in *held;     /* owned: a message waiting for its checks */
	bool submission;         /* port 587/465: our users, not senders with a reputation */
};

/* A message as accepted at end of DATA, copied out of smtpd's transaction
 * (which is only valid during the hook) while the checks run. The names
 * and the recipient list live in the same allocation as the struct. */
struct msg_in {
	char *sender, *helo, *auth_user;  /* in mi's block; auth_user may be NULL */
	char **rcpts;                      /* in mi's block */
	size_t nrcpts;
	char *data;                        /* owned */
	size_t len;
	const char *with;                  /* static */
};

static void msg_in_free(struct msg_in *mi)
{
	if (!mi)
		return;
	free(mi->data);
	free(mi); /* the names with it */
}

/* One per inbound connection: recycled (pool.h). */
static _Thread_local struct pool smtp_in_pool;

static void in_free_ev(struct sim *sim, void *ctx, uint64_t arg)
{
	struct smtp_in *s = ctx;
	session_free(s->sess);
	chk_free(s->chk);
	msg_in_free(s->held);
	pool_put(&smtp_in_pool, s);
}

/* smtpd closes (after 221 / 421), or the client went away. */
static void in_retire(void *ctx)
{
	struct smtp_in *s = ctx;
	if (session_stopped(s->sess))
		return;
	session_stop(s->sess);
	session_hangup(s->sess);
	/* Freed from an event: we may be inside one of smtpd's callbacks. */
	sim_after(s->m->sim, 0, in_free_ev, s, 0);
}

static struct msg_in *msg_in_from(const struct smtpd_txn *txn);
static void queue_message(struct mta *m, struct msg_in *mi, struct smtp_in *s,
			  const struct chk_verdict *v, struct smtp_reply *reply);

static void in_resume(struct smtp_in *s, const struct smtp_reply *r)
{
	if (!session_stopped(s->sess))
		smtpd_resume(s->d, r);
}

static void in_connect_done(void *ud)
{
	struct smtp_in *s = ud;
	struct smtp_reply r;
	if (!s->submission && mta_rep_throttled(s->m, s->c->cli->ip, &r)) {
		in_resume(s, &r);
		return;
	}
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
	if (v->decision == PD_REJECT || v->decision == PD_GREYLIST)
		r = v->reply;
	else
		queue_message(s->m, mi, s, v, &r);
	msg_in_free(mi);
	in_resume(s, &r);
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
	if (m->cfg->srs_secret && srs_is_srs(rcpt)) {
		/* A bounce to an address we rewrote: valid only if it reverses
		 * (hash and timestamp), so forged SRS addresses are no open relay. */
		char orig[600];
		const char *why = NULL;
		if (!srs_reverse(m->cfg->srs_secret, rcpt, (m->sim->epoch_unix_us + m->sim->now) / 86400000000LL,
				 orig, sizeof orig, &why))
			smtp_reply_set(reply, 550, "5.1.1",
				       "<%s>: Recipient address rejected: SRS address failed verification: %s",
				       rcpt, why);
		return;
	}
	const struct scn_user *u = mta_resolve_local(m, rcpt);
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
		 * SIZE= (RFC 1870) would not fit; for good (552 5.2.2) or, with
		 * quota_full "tempfail", for now (452 4.2.2: the sender retries,
		 * as Gmail answers for a full mailbox). */
		bool soft = m->cfg->quota_full == SCN_QUOTA_TEMPFAIL;
		smtp_reply_set(reply, soft ? 452 : 552, soft ? "4.2.2" : "5.2.2",
			       "<%s>: Recipient address rejected: Mailbox full", rcpt);
	}
}

/* A client address the scenario marks as a bad-reputation prober
 * (refuse_probes_from): big providers refuse verifiers' probes from IPs
 * without reputation (email-facts §11.1). */
static bool refuses_prober(const struct mta *m, const char *ip)
{
	for (size_t i = 0; i < m->cfg->nrefuse_probes_from; i++)
		if (strcmp(m->cfg->refuse_probes_from[i], ip) == 0)
			return true;
	return false;
}

static void check_rcpt(struct smtp_in *s, const struct smtpd_txn *txn, const char *rcpt,
		       struct smtp_reply *reply)
{
	struct mta *m = s->m;
	const char *domain = addr_domain(rcpt);
	if (refuses_prober(m, s->c->cli->ip))
		/* Postfix's check_client_access REJECT, decided at RCPT
		 * (smtpd_delay_reject = yes). */
		smtp_reply_set(reply, 554, "5.7.1", "<%s[%s]>: Client host rejected: Access denied",
			       s->c->cli->name, s->c->cli->ip);
	else if (mta_is_local_domain(m, domain))
		check_local_rcpt(s, txn, rcpt, reply);
	else if (!txn->auth_user && !is_relay_domain(m, domain))
		/* RFC 5321 §3.6.2/§7.1: relay only for our own authenticated
		 * users, or for domains we are a backup MX for. */
		smtp_reply_set(reply, 554, "5.7.1", "<%s>: Relay access denied", rcpt);
	if (reply->code >= 400) {
		mta_policy_event(m, PD_REJECT, rcpt, reply->text);
		return;
	}
	int64_t wait;
	if (m->cfg->greylist_delay > 0 && !txn->auth_user &&
	    greylisted(m, s->c->cli->ip, txn->mail_from ? txn->mail_from : "", rcpt, &wait)) {
		char why[200];
		fmt_snprintf(why, sizeof why, "first time this (IP, sender, recipient) is seen: try again "
					 "in %" PRId64 " s",
			 (wait + 999999) / 1000000);
		mta_policy_event(m, PD_GREYLIST, rcpt, why);
		smtp_reply_set(reply, 451, "4.7.1",
			       "<%s>: Recipient address rejected: Greylisted, try again in %" PRId64
			       " seconds",
			       rcpt, (wait + 999999) / 1000000);
	}
}

/* RFC 5321 §4.5.1: mail to postmaster (bare, or at any of our domains)
 * is accepted even from a client whose other mail we refuse, so that
 * problems can always be reported. */
static bool accept_postmaster(struct smtp_in *s, const char *rcpt)
{
	struct mta *m = s->m;
	if (!mta_is_postmaster(rcpt) || !mta_is_local_rcpt(m, rcpt))
		return false;
	const struct scn_user *u = mta_resolve_local(m, rcpt);
	if (!u || !mailstore_user(m->store, u->address))
		return false;
	char why[400];
	fmt_snprintf(why, sizeof why, "postmaster is always accepted (RFC 5321 section 4.5.1); it reaches %s",
		 u->address);
	mta_policy_event(m, PD_DELIVER, rcpt, why);
	return true;
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
	fmt_snprintf(why, sizeof why, "%d messages from %s within %" PRId64 " s", n, s->c->cli->ip,
		 m->cfg->rate_window / 1000000);
	mta_policy_event(m, PD_DEFER, NULL, why);
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
	struct smtp_in *s = session_ctx(ud);
	struct mta *m = s->m;
	switch (hook) {
	case SMTPD_HOOK_CONNECT:
		/* Like Postfix, look the client up (and run the connection
		 * checks) before greeting it. */
		reply->pending = true;
		chk_connect(s->chk, in_connect_done, s);
		break;
	case SMTPD_HOOK_AUTH: {
		bool live = s->c->external;
		if (live && mta_live_auth_refused(m, s->c->cli->ip, true, reply))
			break;
		struct mbox_user *u = mailstore_login(m->store, arg, arg2 ? arg2 : "");
		if (u)
			smtp_reply_set(reply, 235, "2.7.0", "Authentication successful");
		else if (live)
			mta_live_auth_refused(m, s->c->cli->ip, false, reply);
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
		if (accept_postmaster(s, arg))
			break;
		if (!txn->auth_user && chk_dnsbl_refusal(s->chk, reply))
			break;
		if (!txn->auth_user && mta_rep_refused(m, s->chk, s->c->cli->ip, arg, reply))
			break;
		check_rcpt(s, txn, arg, reply);
		if (!txn->auth_user)
			mta_rep_rcpt_seen(m, s->chk, s->c->cli->ip, arg, reply);
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
	.send_line = session_cb_send_line,
	.close = session_cb_close,
	.start_tls = session_cb_start_tls,
	.check = in_check,
	.received = session_cb_received_line,
	.received_data = session_cb_received_data,
};

static void in_abandon(void *ctx)
{
	struct smtp_in *s = ctx;
	chk_abandon(s->chk);
	s->chk = NULL;
	in_free_ev(NULL, s, 0);
}

static const struct session_owner in_owner = {
	.closed = in_retire,
	.close = in_retire,
	.abandon = in_abandon,
};

/* Submission with TLS on offer: nothing but EHLO/HELO/STARTTLS/NOOP/RSET/
 * QUIT before TLS, so AUTH and MAIL get "530 5.7.0 Must issue a STARTTLS
 * command first" and no password travels in clear (Postfix's submission
 * service with smtpd_tls_security_level=encrypt; RFC 8314 §3.3). Live
 * mode's --allow-plain-auth (loopback only) lifts it. */
static bool tls_first(const struct mta *m, bool submission)
{
	return submission && m->cfg->tls && !m->cfg->plain_auth;
}

static void accept_smtp(struct mta *m, struct conn *c, bool submission, bool implicit)
{
	struct smtp_in *s = pool_get(&smtp_in_pool, sizeof *s);
	s->m = m;
	s->c = c;
	s->submission = submission;
	s->chk = chk_new(m->sim, m->host, m->cfg->has_filters ? &m->cfg->filters : NULL, c->cli->ip);
	struct smtpd_config cfg = {
		.hostname = m->host->name,
		.banner = m->cfg->banner,
		.size_limit = m->cfg->size_limit,
		.max_rcpts = m->cfg->max_rcpts,
		.offer_starttls = m->cfg->tls && !implicit,
		.submission = submission,
		.auth_tls_only = tls_first(m, submission),
		.require_tls = tls_first(m, submission) && !implicit,
		.implicit_tls = implicit,
		.vrfy = m->cfg->vrfy,
	};
	struct session_config sc = {.line_kind = TK_SMTP_SEND, .data_kind = TK_SMTP_DATA,
				    .timeout = m->idle_timeout, .implicit_tls = implicit};
	s->sess = session_new(m->sim, &sc, &in_owner, s);
	s->d = smtpd_new(&cfg, &in_callbacks, s->sess);
	session_set_engine(s->sess, &session_smtpd_engine, s->d);
	session_accept(s->sess, c);
}

static void accept_port25(void *ctx, struct conn *c) { accept_smtp(ctx, c, false, false); }
static void accept_port587(void *ctx, struct conn *c) { accept_smtp(ctx, c, true, false); }
static void accept_port465(void *ctx, struct conn *c) { accept_smtp(ctx, c, true, true); }

/* A relay that changes what it passes on, as mailing lists do (a footer,
 * a subject tag): exactly what breaks DKIM body hashes and signatures. */
static void tamper(struct mta *m, struct qentry *q)
{
	struct strbuf out;
	sb_init(&out);
	enum scn_tamper what = m->host->tamper->what;
	if (what == SCN_TAMPER_BODY) {
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
	mta_policy_event(m, PD_TAMPER, NULL, what == SCN_TAMPER_BODY ? "appended a footer to the body"
								    : "tagged the Subject: with [list]");
}


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
	/* The key is the scenario's, fixed for the run: parsed once (an RSA
	 * PEM parse per message was most of a signed message's cost). */
	if (!m->sign_key && !m->sign_key_err) {
		m->sign_key = dkim_key_load_pem(d->key_pem, err, sizeof err);
		if (!m->sign_key)
			m->sign_key_err = xstrdup(err);
	}
	const struct dkim_key *k = m->sign_key;
	if (!k) {
		mta_policy_event(m, PD_DEFER, NULL, m->sign_key_err);
		return;
	}
	struct dkim_sign_opts o = {
		.domain = d->domain,
		.selector = d->selector,
		.header_canon = d->header_relaxed ? DKIM_RELAXED : DKIM_SIMPLE,
		.body_canon = d->body_relaxed ? DKIM_RELAXED : DKIM_SIMPLE,
		.timestamp = (m->sim->epoch_unix_us + m->sim->now) / 1000000,
	};
	char *sig = dkim_sign(k, &o, q->data, q->len, err, sizeof err);
	if (sig)
		mtaq_prepend(m, q, "DKIM-Signature", sig);
	free(sig);
}

static struct msg_in *msg_in_from(const struct smtpd_txn *txn)
{
	const char *sender = txn->mail_from ? txn->mail_from : "", *helo = txn->helo ? txn->helo : "";
	size_t names = strlen(sender) + 1 + strlen(helo) + 1;
	if (txn->auth_user)
		names += strlen(txn->auth_user) + 1;
	for (size_t i = 0; i < txn->nrcpts; i++)
		names += strlen(txn->rcpts[i]) + 1;
	size_t nslots = txn->nrcpts + 1;
	_Static_assert(sizeof(struct msg_in) % _Alignof(char *) == 0, "rcpts follow the struct");
	struct msg_in *mi = xcalloc(1, sizeof *mi + nslots * sizeof *mi->rcpts + names);
	mi->rcpts = (char **)(mi + 1);
	char *at = (char *)(mi->rcpts + nslots);
	mi->sender = str_pack(&at, sender);
	mi->helo = str_pack(&at, helo);
	mi->auth_user = txn->auth_user ? str_pack(&at, txn->auth_user) : NULL;
	for (size_t i = 0; i < txn->nrcpts; i++) {
		/* Like Postfix's cleanup duplicate filter: the same recipient
		 * twice in one transaction gets one copy. */
		size_t k = 0;
		while (k < mi->nrcpts && !addr_same(mi->rcpts[k], txn->rcpts[i]))
			k++;
		if (k == mi->nrcpts)
			mi->rcpts[mi->nrcpts++] = str_pack(&at, txn->rcpts[i]);
	}
	mi->data = xstrndup(txn->data, txn->data_len);
	mi->len = txn->data_len;
	mi->with = received_with(txn);
	return mi;
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
		mtaq_prepend(m, q, name, value);
		free(name);
		free(value);
		p = eol + 2;
	}
	if (v->subject_prefix[0])
		subject_prefix(m, q, v->subject_prefix);
	/* At most 63 characters, as the fixed field it replaced kept. */
	free(q->folder);
	q->folder = v->folder[0] && strcmp(v->folder, "INBOX") != 0 ? xstrndup(v->folder, strnlen(v->folder, 63))
								    : NULL;
	q->flags = v->flags;
	q->deny = v->decision == PD_DENY;
	q->quarantine = v->decision == PD_QUARANTINE;
	q->not_before = v->decision == PD_SNOOZE ? v->snooze_until : 0;
	if (v->forward[0])
		q->forward = xstrdup(v->forward);
}

/* The end of a Received: line [RFC 5321 §4.4]: "for <rcpt>" when there is
 * one recipient, then the date; prepended to the queued copy. */
static void received_end(struct mta *m, struct qentry *q, struct strbuf *rv,
			 const char *const *rcpts, size_t n)
{
	char date[64];
	sim_date(m->sim, date, sizeof date);
	if (n == 1) {
		sb_puts(rv, "\r\n\tfor <");
		sb_puts(rv, rcpts[0]);
		sb_putc(rv, '>');
	}
	sb_puts(rv, "; ");
	sb_puts(rv, date);
	mtaq_prepend(m, q, "Received", rv->data);
	sb_free(rv);
}

static void queue_message(struct mta *m, struct msg_in *mi, struct smtp_in *s,
			  const struct chk_verdict *v, struct smtp_reply *reply)
{
	struct sim *sim = m->sim;
	const char *tag = sim_tag_find(sim, mi->data, mi->len);
	/* The entry takes the received text over: mi goes right after. */
	struct qentry *q = mtaq_adopt(m, mi->sender, (const char *const *)mi->rcpts, mi->nrcpts,
				      mi->data, mi->len, tag);
	mi->data = NULL;
	mi->len = 0;
	/* A DSN this world generated is not a scenario recipient; mail from
	 * <> that arrives from outside (live mode) is. */
	q->report = sim_tag_is_report(sim, tag);
	/* RFC 5321 §4.4: every relay and final server prepends Received:. */
	struct strbuf rv;
	sb_init(&rv);
	/* "from %s (%s [%s])\r\n\tby %s (mailsim) with %s id %s", without
	 * printf (once per message and hop). */
	const char *parts[] = {"from ",		  mi->helo, " (",		chk_client_name(s->chk),
			       " [",		  s->c->cli->ip, "])\r\n\tby ", m->host->name,
			       " (mailsim) with ", mi->with, " id ",	q->qid};
	sb_reserve(&rv, 256);
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		sb_puts(&rv, parts[i] ? parts[i] : "(null)");
	received_end(m, q, &rv, (const char *const *)mi->rcpts, mi->nrcpts);
	if (v)
		apply_verdict(m, q, v);
	if (!mi->auth_user)
		mta_rep_message(m, s->chk, v != NULL, s->c->cli->ip, q);
	placement_tab(m->cfg, q);
	if (mi->auth_user && m->cfg->has_dkim_sign)
		dkim_sign_queued(m, q);
	if (m->host->tamper)
		tamper(m, q);
	if (s->c->external) {
		/* RFC 5321 §6.1: no 250 before the message is safe on disk
		 * (Postfix: cleanup fsyncs the queue file first). Postfix's
		 * reply when that fails. */
		if (!mta_live_store(m, q, s->c->cli->ip)) {
			smtp_reply_set(reply, 451, "4.3.0", "Error: queue file write error");
			mtaq_discard(m, q);
			return;
		}
		/* Mail from a real client (live mode) joins the ledger here,
		 * each distinct recipient once. */
		sim->ledger.messages++;
		sim->ledger.rcpts += (long)mi->nrcpts;
		sim->ledger.live_messages++;
		sim->ledger.live_rcpts += (long)mi->nrcpts;
	} else if (s->c->cli->role == ROLE_CLIENT) {
		sim->ledger.with_clients -= (long)mi->nrcpts; /* out of the mail client's outbox */
	} else if (!q->report) {
		sim->ledger.handed += (long)mi->nrcpts; /* the sending MTA settles them on our 250 */
	}
	smtp_reply_set(reply, 250, "2.0.0", "Ok: queued as %s", q->qid);
	mtaq_enqueue(m, q);
}

void mta_inject(struct mta *m, const char *sender, const char *const *rcpts, size_t n,
		const char *data, size_t len)
{
	struct sim *sim = m->sim;
	const char *tag = sim_tag_find(sim, data, len);
	struct qentry *q = mtaq_new(m, sender, rcpts, n, data, len, tag);
	/* No SMTP client, so no "from" clause: Postfix's pickup writes
	 * "by HOST (Postfix, from userid N) id QID" [RFC 5321 §4.4]. */
	struct strbuf rv;
	sb_init(&rv);
	sb_puts(&rv, "by ");
	sb_puts(&rv, m->host->name);
	sb_puts(&rv, " (mailsim, from local submission)\r\n\tid ");
	sb_puts(&rv, q->qid);
	received_end(m, q, &rv, rcpts, n);
	/* The host's own sender: signed like authenticated submission. */
	if (m->cfg->has_dkim_sign)
		dkim_sign_queued(m, q);
	sim->ledger.messages++;
	sim->ledger.rcpts += (long)n;
	mtaq_enqueue(m, q);
}

/* ===== set-up ============================================================== */

/* The retry policy: Postfix defaults or the Exim rules (validated by the
 * scenario loader), with the scenario's overrides. */
static void mta_setup_retry(struct mta *m, const struct scn_host *cfg)
{
	char err[256];
	if (cfg->retry_schedule == SCN_RETRY_SENDMAIL)
		retry_policy_sendmail(&m->retry);
	else
		retry_policy_postfix(&m->retry);
	if (cfg->retry_rules && cfg->retry_schedule == SCN_RETRY_EXIM &&
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
	m->deliver_remote = mta_job_start;
	m->deliver_append = mta_append_start;
	mta_setup_retry(m, cfg);
	m->idle_timeout = cfg->idle_timeout > 0 ? cfg->idle_timeout : SIM_US(300);
	if (scn_host_has_service(cfg, SCN_SERVICE_SMTP))
		host_listen(h, 25, accept_port25, m);
	if (scn_host_has_service(cfg, SCN_SERVICE_SUBMISSION))
		host_listen(h, 587, accept_port587, m);
	if (scn_host_has_service(cfg, SCN_SERVICE_SUBMISSIONS))
		host_listen(h, 465, accept_port465, m);
	retrieval_listen(sim, h, m->store, cfg);
	if (cfg->has_reputation)
		m->rep = rep_new(sim, h->name, &cfg->reputation);
	return m;
}

void mta_free(void *p)
{
	struct mta *m = p;
	if (!m)
		return;
	mta_jobs_free(m);
	mta_appends_free(m);
	dkim_key_free(m->sign_key);
	free(m->sign_key_err);
	while (m->queue) {
		struct qentry *q = m->queue;
		m->queue = q->next;
		mtaq_free(q);
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
	rep_free(m->rep);
	free(m);
}

