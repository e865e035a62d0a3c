/* mta_out.c — remote delivery: for each destination domain of a queued
 * message, the MX lookup and ordering (RFC 5321 §5.1), address lookups,
 * and one outbound SMTP session (smtpc) per MX host tried, with the TLS
 * policy, the client's command timeout and the per-recipient outcome. */
#include "mta_out.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "msg.h"
#include "pool.h"
#include "resolver.h"
#include "session.h"
#include "smtpc.h"
#include "util.h"

struct job {
	struct job *prev, *next;  /* in the MTA's list of jobs under way */
	struct mta *m;
	struct qentry *q;
	char *domain;            /* owned (at most 255 octets, as it was) */
	size_t *ridx;            /* owned: indices into q->r */
	size_t nr;
	char **mx;               /* owned, one block with the names (mx_set):
				  * target host names in try order */
	size_t nmx, imx;
	struct outcome *last;    /* owned, NULL until noted (job_last): why the
				  * last MX host did not take it; a job waiting
				  * on a connection does not carry its 900 bytes */
	bool have_last;
	struct session *sess;    /* owned: the connection and smtpc of this MX try */
	const char **rcpts;      /* owned array, strings borrowed */
	bool session_done;
	bool try_next;
	struct smtpc_rcpt_result *res; /* owned copy of the outcome */
	size_t nres;
	char *remote;            /* owned: the MX host of this try (at most 255 octets) */
	char ip[64];
	bool plaintext;          /* retrying this MX without STARTTLS */
	bool retry_plain;        /* the TLS handshake failed: go again in plaintext */
	int unresolvable;        /* MX targets with no address at all */
	bool self_listed;        /* we are one of the domain's MX hosts */
};


/* ===== remote delivery: one job per destination domain ===================== */

/* One per destination domain and attempt: recycled (pool.h). */
static _Thread_local struct pool job_pool;

/* The try list: the n names, copied with their pointers into one block. */
static void mx_set(struct job *j, const char *const *names, size_t n)
{
	size_t room = (n ? n : 1) * sizeof *j->mx;
	for (size_t i = 0; i < n; i++)
		room += strlen(names[i]) + 1;
	free(j->mx);
	j->mx = xmalloc(room);
	char *at = (char *)(j->mx + (n ? n : 1));
	for (size_t i = 0; i < n; i++)
		j->mx[i] = str_pack(&at, names[i]);
	j->nmx = n;
}

static struct outcome *job_last(struct job *j)
{
	if (!j->last)
		j->last = xcalloc(1, sizeof *j->last);
	return j->last;
}

static void job_free(struct job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		j->m->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	free(j->mx); /* the names with it */
	free(j->ridx);
	free(j->rcpts);
	free(j->res);
	free(j->last);
	free(j->domain);
	free(j->remote);
	session_free(j->sess);
	pool_put(&job_pool, j);
}

static void job_end(struct job *j)
{
	struct qentry *q = j->q;
	job_free(j);
	if (--q->active_jobs == 0)
		mtaq_attempt_finished(q->m, q);
}

/* Every recipient of the job steps together until the session's replies
 * set them apart. */
static void job_enter(struct job *j, enum qr_state st)
{
	for (size_t k = 0; k < j->nr; k++)
		if (j->q->r[j->ridx[k]].state != st)
			qr_enter(j->q, j->ridx[k], st);
}

static void job_defer_all(struct job *j, const struct outcome *o)
{
	for (size_t k = 0; k < j->nr; k++)
		mtaq_rcpt_defer(j->q->m, j->q, j->ridx[k], o);
	job_end(j);
}

static void job_fail_all(struct job *j, const struct outcome *o)
{
	for (size_t k = 0; k < j->nr; k++)
		mtaq_settle(j->q->m, j->q, j->ridx[k], FATE_BOUNCED, o);
	job_end(j);
}

/* A finding of our own about the current MX host (no reply to quote). */
static void job_note(struct job *j, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void job_note(struct job *j, const char *status, const char *fmt, ...)
{
	char text[sizeof ((struct outcome *)0)->text];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	oc_local(job_last(j), OC_SOFT, status, "%s", text);
	j->have_last = true;
}

static void job_next_mx(struct job *j);

static void route_event(struct job *j, const struct dns_answer *ans)
{
	struct mta *m = j->q->m;
	if (!trace_wanted(m->sim->trace)) {
		/* Only counted: the "pref name." texts would go nowhere. */
		mtaq_trace(m, j->q, TK_ROUTE_MX, NULL);
		trace_end(m->sim->trace);
		return;
	}
	char **v = xcalloc(j->nmx ? j->nmx : 1, sizeof *v);
	for (size_t i = 0; i < j->nmx; i++) {
		int pref = -1;
		for (size_t k = 0; ans && k < ans->n; k++)
			if (ans->rrs[k].type == DNS_T_MX && ascii_strcaseeq(ans->rrs[k].target, j->mx[i]))
				pref = ans->rrs[k].pref;
		v[i] = pref >= 0 ? xasprintf("%d %s.", pref, j->mx[i])
				 : xasprintf("0 %s. (implicit MX)", j->mx[i]);
	}
	mtaq_trace(m, j->q, TK_ROUTE_MX, NULL);
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
	const struct dns_rr *few[16]; /* MX sets are small */
	const struct dns_rr **v = ans->n <= ARRAY_LEN(few) ? few : xcalloc(ans->n, sizeof *v);
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
	const char *names[ARRAY_LEN(few)], **kept = n <= ARRAY_LEN(few) ? names : xcalloc(n, sizeof *kept);
	size_t nk = 0;
	for (size_t i = 0; i < n; i++)
		if (own < 0 || v[i]->pref < own)
			kept[nk++] = v[i]->target;
	mx_set(j, kept, nk);
	j->self_listed = own >= 0;
	if (kept != names)
		free(kept);
	if (v != few)
		free(v);
}

static void job_mx_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			  const struct dns_answer *ans)
{
	struct job *j = ctx;
	struct outcome o;
	if (!ans || ans->rcode == DNS_R_SERVFAIL || ans->rcode == DNS_R_REFUSED) {
		/* RFC 5321 §5.1: a temporary lookup failure is retried. */
		oc_local(&o, OC_SOFT, "4.4.3", "Host or domain name lookup failed: %s type=MX: %s", qname,
			 ans ? dns_rcode_name(ans->rcode) : "timed out");
		job_defer_all(j, &o);
		return;
	}
	if (ans->rcode == DNS_R_NXDOMAIN) {
		oc_local(&o, OC_HARD, "5.1.2",
			 "Host or domain name not found. Name service error for name=%s type=MX: "
			 "Host not found",
			 qname);
		job_fail_all(j, &o);
		return;
	}
	if (dns_answer_is_null_mx(ans)) {
		oc_local(&o, OC_HARD, "5.1.10", "Recipient address has null MX (RFC 7505)");
		job_fail_all(j, &o);
		return;
	}
	order_mx(j, ans);
	if (j->nmx == 0 && j->self_listed) {
		oc_local(&o, OC_HARD, "5.4.6", "mail for %s loops back to myself", j->domain);
		job_fail_all(j, &o);
		return;
	}
	if (j->nmx == 0) { /* NODATA: the domain itself is the implicit MX */
		const char *self = j->domain;
		mx_set(j, &self, 1);
	}
	route_event(j, ans);
	job_next_mx(j);
}

void mta_jobs_free(struct mta *m)
{
	while (m->jobs)
		job_free(m->jobs);
}

void mta_job_start(struct qentry *q, const char *domain, size_t *ridx, size_t nr)
{
	struct mta *m = q->m;
	struct job *j = pool_get(&job_pool, sizeof *j);
	j->m = m;
	j->next = m->jobs;
	if (m->jobs)
		m->jobs->prev = j;
	m->jobs = j;
	j->q = q;
	/* A job waiting on its MX keeps no fixed-size name buffers. */
	j->domain = xstrndup(domain, strnlen(domain, 255));
	j->ridx = ridx;
	j->nr = nr;
	q->active_jobs++;
	mtaq_trace(m, q, TK_QUEUE_ATTEMPT, NULL);
	trace_int(m->sim->trace, "attempt", q->attempts);
	trace_str(m->sim->trace, "domain", domain);
	trace_end(m->sim->trace);
	if (!m->host->resolver) {
		struct outcome o;
		oc_local(&o, OC_SOFT, "4.3.0", "no resolver configured");
		job_defer_all(j, &o);
		return;
	}
	resolver_query(m->host->resolver, domain, DNS_T_MX, job_mx_answer, j);
}


static void job_a_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			 const struct dns_answer *ans);

static void job_next_mx(struct job *j)
{
	struct mta *m = j->q->m;
	if (j->imx >= j->nmx) {
		/* RFC 5321 §5.1: MX hosts exist but none has an address → error;
		 * anything temporary on the way → defer. */
		if (!j->have_last)
			job_note(j, "4.4.1", "no MX host answered");
		if (j->unresolvable == (int)j->nmx) {
			fmt_snprintf(job_last(j)->status, sizeof job_last(j)->status, "5.4.4");
			job_last(j)->cls = OC_HARD;
			job_fail_all(j, job_last(j));
		} else {
			job_last(j)->cls = OC_SOFT; /* every host failed for now: try later */
			job_defer_all(j, job_last(j));
		}
		return;
	}
	job_enter(j, QR_RESOLVING);
	resolver_query(m->host->resolver, j->mx[j->imx], DNS_T_A, job_a_answer, j);
}

static void sess_summary(void *ctx, const char *bytes, size_t len, char *sum, size_t cap,
			 const char **tag)
{
	struct job *j = ctx;
	char subj[256] = "";
	msg_header(j->q->data, j->q->len, "Subject", subj, sizeof subj);
	fmt_snprintf(sum, cap, "Subject: %s", subj);
	*tag = j->q->tag;
}

/* Why a session failed before its recipients were decided, in Postfix's
 * words: the server's reply when there was one, else what we saw. */
static void note_session_failure(struct job *j, const struct smtpc_result *res)
{
	const char *ip = j->ip;
	if (res->reply.code != 0) {
		oc_from_reply(job_last(j), j->remote, &res->reply, smtpc_stage_command(res->stage));
		j->have_last = true;
		if (res->stage == SMTPC_STAGE_STARTTLS) /* RFC 3463: 4.7.5 crypto failure */
			fmt_snprintf(job_last(j)->status, sizeof job_last(j)->status, "4.7.5");
		return;
	}
	if (res->stage == SMTPC_STAGE_TLS)
		job_note(j, "4.7.5", "Cannot start TLS: handshake failure with %s[%s]", j->remote, ip);
	else if (res->stage == SMTPC_STAGE_STARTTLS)
		job_note(j, "4.7.4", "TLS is required, but was not offered by host %s[%s]", j->remote, ip);
	else if (strncmp(res->reply.text, "conversation timed out", 22) == 0)
		job_note(j, "4.4.2", "conversation with %s[%s] timed out%s", j->remote, ip,
			 res->reply.text + 22);
	else if (strncmp(res->reply.text, "lost connection", 15) == 0)
		job_note(j, "4.4.2", "lost connection with %s[%s]%s", j->remote, ip, res->reply.text + 15);
	else
		job_note(j, "4.4.2", "%s (host %s[%s])", res->reply.text, j->remote, ip);
}

static void sess_done(void *ud, const struct smtpc_result *res)
{
	struct job *j = session_ctx(ud);
	j->session_done = true;
	j->nres = res->nrcpts;
	j->res = xcalloc(res->nrcpts ? res->nrcpts : 1, sizeof *j->res);
	memcpy(j->res, res->rcpts, res->nrcpts * sizeof *j->res);
	for (size_t i = 0; i < j->nres; i++)
		j->res[i].rcpt = NULL; /* borrowed from smtpc; we index by position */
	if (!res->session_failed)
		return;
	note_session_failure(j, res);
	/* Refused greeting or a connection lost before any recipient was
	 * decided: try the next MX (Postfix practice, email-facts §1.10). */
	bool early = res->stage == SMTPC_STAGE_GREETING || res->stage == SMTPC_STAGE_CONN ||
		     res->stage == SMTPC_STAGE_EHLO || res->stage == SMTPC_STAGE_HELO ||
		     res->stage == SMTPC_STAGE_STARTTLS || res->stage == SMTPC_STAGE_TLS;
	j->try_next = early && (res->cls != SMTP_CLASS_OK);
	/* Opportunistic TLS (Postfix smtp_tls_security_level = may): a
	 * failed handshake is retried in plaintext with the same host. */
	if (res->stage == SMTPC_STAGE_TLS && !j->plaintext && j->q->m->cfg->tls_policy == SCN_TLS_MAY)
		j->retry_plain = true;
}

static void ev_session_over(struct sim *sim, void *ctx, uint64_t arg);

static void sess_close(void *ctx)
{
	struct job *j = ctx;
	session_hangup(j->sess);
	sim_after(j->q->m->sim, 0, ev_session_over, j, 0);
}

static const struct smtpc_callbacks sess_callbacks = {
	.send_line = session_cb_send_line,
	.send_data = session_cb_send_data,
	.start_tls = session_cb_start_tls,
	.done = sess_done,
	.close = session_cb_close,
};

/* Each recipient's fate from the reply that decided it (RFC 5321 §4.2.1:
 * 2xx taken, 4xx try again, 5xx give up). */
static void apply_results(struct job *j)
{
	struct mta *m = j->q->m;
	for (size_t k = 0; k < j->nr; k++) {
		size_t i = j->ridx[k];
		const struct smtpc_rcpt_result *r = k < j->nres ? &j->res[k] : NULL;
		struct outcome o;
		if (!r)
			oc_local(&o, OC_SOFT, "4.4.2", "no result for recipient");
		else if (r->reply.code == 0)
			o = *job_last(j); /* a failure we saw ourselves, noted by sess_done */
		else
			oc_from_reply(&o, j->remote, &r->reply, smtpc_stage_command(r->stage));
		switch (o.cls) {
		case OC_OK:
			mtaq_settle(m, j->q, i, FATE_RELAYED, &o);
			if (!j->q->report)
				m->sim->ledger.handed--; /* counted at the next hop alone now */
			break;
		case OC_SOFT:
			mtaq_rcpt_defer(m, j->q, i, &o);
			break;
		case OC_HARD:
			mtaq_settle(m, j->q, i, FATE_BOUNCED, &o);
			break;
		}
	}
}

static void job_connect(struct job *j, const char *ip);

static void ev_session_over(struct sim *sim, void *ctx, uint64_t arg)
{
	struct job *j = ctx;
	session_free(j->sess);
	j->sess = NULL;
	if (j->retry_plain) {
		free(j->res);
		j->res = NULL;
		j->nres = 0;
		j->session_done = j->try_next = j->retry_plain = false;
		j->plaintext = true;
		mta_policy_event(j->q->m, PD_DEFER, NULL,
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

static void job_engine(struct job *j);

static void out_connected(void *ctx)
{
	job_engine(ctx);
	job_enter(ctx, QR_IN_SESSION);
}

static void out_failed(void *ctx, enum net_fail why)
{
	struct job *j = ctx;
	job_note(j, "4.4.1", "connect to %s[%s]:25: %s", j->remote, session_conn(j->sess)->dst_ip,
		 why == NET_REFUSED ? "Connection refused" : "Connection timed out");
	j->try_next = true;
	sim_after(j->q->m->sim, 0, ev_session_over, j, 0);
}

/* The world ends mid-dialog: the queue entry goes with the MTA. */
static void out_abandon(void *ctx)
{
	job_free(ctx);
}

static const struct session_owner out_owner = {
	.abandon = out_abandon,
	.connected = out_connected,
	.failed = out_failed,
	.close = sess_close,
	.summary = sess_summary,
};

static void job_connect(struct job *j, const char *ip)
{
	struct mta *m = j->q->m;
	free(j->remote);
	j->remote = xstrndup(j->mx[j->imx], strnlen(j->mx[j->imx], 255));
	struct session_config sc = {.line_kind = TK_SMTP_SEND, .data_kind = TK_SMTP_DATA,
				    .timeout = SMTP_CLIENT_TIMEOUT};
	j->sess = session_new(m->sim, &sc, &out_owner, j);
	job_enter(j, QR_CONNECTING);
	session_connect(j->sess, m->host, ip, 25);
}

/* The SMTP client and its copy of the message, made once the connection
 * is up (before the greeting can arrive): a job waiting on a host that
 * does not answer (30 s, then again at each retry) holds neither. */
static void job_engine(struct job *j)
{
	struct mta *m = j->q->m;
	enum scn_tls_policy pol = m->cfg->tls_policy;
	struct smtpc_config cfg = {
		.helo_name = m->host->name,
		/* "may": opportunistic TLS between MTAs; "encrypt": insist. */
		.starttls = pol != SCN_TLS_NONE && !j->plaintext,
		.require_tls = pol == SCN_TLS_ENCRYPT,
	};
	struct smtpc *c = smtpc_new(&cfg, &sess_callbacks, j->sess);
	session_set_engine(j->sess, &session_smtpc_engine, c);
	free(j->rcpts);
	j->rcpts = xcalloc(j->nr, sizeof *j->rcpts);
	for (size_t k = 0; k < j->nr; k++)
		j->rcpts[k] = j->q->r[j->ridx[k]].addr;
	smtpc_set_message(c, j->q->sender, j->rcpts, j->nr, j->q->data, j->q->len);
}

static void job_a_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			 const struct dns_answer *ans)
{
	struct job *j = ctx;
	char ip[64];
	if (!dns_answer_first_a(ans, ip, sizeof ip)) {
		job_note(j, "4.4.3", "Host or domain name not found. Name service error for name=%s type=A: %s",
			 qname, ans ? dns_rcode_name(ans->rcode) : "timed out");
		if (ans && (ans->rcode == DNS_R_NXDOMAIN || ans->rcode == DNS_R_NOERROR))
			j->unresolvable++;
		j->imx++;
		job_next_mx(j);
		return;
	}
	fmt_snprintf(j->ip, sizeof j->ip, "%s", ip);
	j->plaintext = false;
	job_connect(j, ip);
}

