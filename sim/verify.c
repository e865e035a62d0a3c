/* verify.c — see verify.h.
 *
 * Three stages, each a small table of objects:
 *  - addresses (struct vaddr): syntax and misc at once, then they wait
 *    for their domain;
 *  - domains (struct vdomain, one per distinct domain): MX lookup, then the
 *    A lookup of the best MX (or of the domain itself: implicit MX, RFC 5321
 *    §5.1); a domain that cannot take mail decides its addresses there;
 *  - probe targets (struct vtarget, one per MX address): a FIFO of
 *    addresses and at most one connection (struct vconn) at a time, each
 *    carrying up to per_conn addresses as smtpc probe transactions.
 * An address's verdict is decided once (decide()), which writes its
 * verify.result event. */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrcheck.h"
#include "resolver.h"
#include "session.h"
#include "smtpc.h"
#include "strmap.h"
#include "util.h"

/* Reacher's default probe timeouts are in this range; Postfix's client
 * waits 300 s per reply — a verifier gives up sooner. */
#define PROBE_TIMEOUT SIM_US(60)
#define RANDOM_LOCAL_LEN 12

struct vaddr {
	struct verify_result r;
	char *input, *user, *domain, *random; /* owned */
	char *reason, *reply;                 /* owned */
	size_t dom;                           /* 1 + its domain's index; 0: none */
};

enum dom_state { DOM_MX, DOM_A, DOM_READY, DOM_FAILED };

struct verifier;
/* A resolver callback's context: domains live in an array that grows, so
 * callbacks carry the verifier and an index in a box that stays put (owned
 * by the host). */
struct domain_box {
	struct verifier *v;
	size_t di;
};


struct vdomain {
	char *name;              /* owned */
	enum dom_state st;
	char **mx;               /* owned: MX targets in preference order, with the final dot */
	size_t nmx, imx;
	bool implicit;           /* no MX: the domain itself */
	size_t *wait;            /* owned: addresses waiting for the lookups */
	size_t nwait, capwait;
	size_t target;           /* index into v->t once DOM_READY */
	struct domain_box *box;  /* the resolver callbacks' context (owned by the host) */
	bool accepts;            /* it has a usable MX (or implicit MX) with an address */
	enum verify_verdict fail_verdict; /* DOM_FAILED: what its addresses get... */
	char fail_enh[16];
	char *fail_reason;       /* ...and why (owned) */
};

struct vconn;

struct vtarget {
	char *ip, *host;         /* owned: the MX's address and name */
	size_t *q;               /* owned: FIFO of address indices */
	size_t qhead, qlen, qcap;
	struct vconn *active;    /* owned while the connection lives */
};

struct vconn {
	struct verifier *v;
	size_t target;
	struct session *sess;    /* owned */
	size_t *addrs;           /* owned: the addresses it carries */
	size_t n;
	struct smtp_reply *replies; /* owned: 2 per address (the address, the random one) */
	bool *answered;          /* owned: a reply to that RCPT came */
	bool connected, over;
	bool failed;
	enum net_fail why;
};

struct verifier {
	struct sim *sim;
	struct host *host;
	char *from;              /* owned */
	char **disposable;       /* owned */
	size_t ndisposable;
	size_t per_conn;
	struct vaddr *a;         /* owned */
	size_t na, capa, started;
	struct vdomain *d;       /* owned */
	size_t nd, capd;
	struct strmap dmap;      /* domain name -> index in d (keys borrowed from d[].name) */
	struct vtarget *t;       /* owned */
	size_t nt, capt;
	struct strmap tmap;      /* MX address -> index in t */
};

static const char *const verdict_names[] = {"safe", "risky", "invalid", "unknown"};

const char *verify_verdict_name(enum verify_verdict v)
{
	return (unsigned)v < ARRAY_LEN(verdict_names) ? verdict_names[v] : "?";
}

/* ---- the verdict --------------------------------------------------------------- */

static void trace_result(struct verifier *v, const struct vaddr *x)
{
	struct trace *tr = v->sim->trace;
	trace_begin(tr, v->sim->now, TK_VERIFY_RESULT);
	trace_node(tr, v->host->name);
	trace_str(tr, "address", x->input);
	trace_str(tr, "verdict", verify_verdict_name(x->r.verdict));
	trace_str(tr, "category", bounce_category_name(x->r.bounce.category));
	trace_str(tr, "reason", x->reason);
	if (x->reply)
		trace_str(tr, "reply", x->reply);
	trace_end(tr);
}

/* The misc checks turn a safe answer risky (Reacher: disposable and role
 * accounts are "risky"); they never rescue an invalid one. */
static void decide(struct verifier *v, size_t i, enum verify_verdict verdict, const char *reason)
{
	struct vaddr *x = &v->a[i];
	if (x->r.done)
		return;
	if (verdict == VERDICT_SAFE && x->r.is_disposable) {
		x->reason = xasprintf("%s; but %s is a disposable-address provider", reason, x->domain);
		verdict = VERDICT_RISKY;
	} else if (verdict == VERDICT_SAFE && x->r.is_role_account) {
		x->reason = xasprintf("%s; but \"%s\" is a role account, a shared mailbox rather than a person",
				      reason, x->user);
		verdict = VERDICT_RISKY;
	} else {
		x->reason = xstrdup(reason);
	}
	x->r.verdict = verdict;
	x->r.reason = x->reason;
	if (x->dom) { /* the domain's MX list is final by now */
		const struct vdomain *d = &v->d[x->dom - 1];
		x->r.mx = (const char *const *)d->mx;
		x->r.nmx = d->nmx;
		x->r.accepts_mail = d->accepts;
	}
	x->r.done = true;
	trace_result(v, x);
}

static void set_reply(struct vaddr *x, const struct smtp_reply *r)
{
	free(x->reply);
	x->reply = r->enh[0] ? xasprintf("%d %s %s", r->code, r->enh, r->text)
			     : xasprintf("%d %s", r->code, r->text);
	x->r.reply = x->reply;
	x->r.bounce = bounce_classify(r->code, r->enh, r->text);
}

/* Reading the replies to RCPT TO:<address> and RCPT TO:<random@domain>
 * (email-facts §11.1). */
static void judge(struct verifier *v, size_t i, const struct smtp_reply *mine,
		  const struct smtp_reply *other, bool rcpt_stage)
{
	struct vaddr *x = &v->a[i];
	char why[700];
	set_reply(x, mine);
	struct bounce_class bc = x->r.bounce;
	if (!rcpt_stage) { /* the greeting, EHLO or MAIL refused the probe itself */
		snprintf(why, sizeof why, "the server refused the probe before the address was asked about (%s): %s",
			 bounce_category_text(bc.category), x->reply);
		decide(v, i, VERDICT_UNKNOWN, why);
		return;
	}
	if (mine->code / 100 == 2) {
		x->r.is_deliverable = true;
		if (other && other->code / 100 == 2) {
			x->r.is_catch_all = true;
			snprintf(why, sizeof why, "catch-all domain: the random address %s was accepted too, so "
						 "the server's 250 proves nothing about this mailbox", x->random);
			decide(v, i, VERDICT_RISKY, why);
		} else if (other) {
			snprintf(why, sizeof why, "the server accepted the address and refused a random one at "
						 "the same domain");
			decide(v, i, VERDICT_SAFE, why);
		} else { /* Reacher too counts an unanswered catch-all check as "not a catch-all" */
			snprintf(why, sizeof why, "the server accepted the address; the catch-all check got no answer");
			decide(v, i, VERDICT_SAFE, why);
		}
		return;
	}
	switch (bc.category) {
	case BC_BAD_MAILBOX:
	case BC_BAD_DOMAIN:
	case BC_OTHER:
		snprintf(why, sizeof why, "%s: refused for good at RCPT TO", bounce_category_text(bc.category));
		decide(v, i, VERDICT_INVALID, why);
		return;
	case BC_DISABLED:
		x->r.is_disabled = true;
		decide(v, i, VERDICT_INVALID, "the mailbox exists but is disabled");
		return;
	case BC_MAILBOX_FULL:
		x->r.has_full_inbox = true;
		x->r.is_deliverable = false;
		decide(v, i, VERDICT_RISKY, "the mailbox is full (over quota): mail would bounce for now");
		return;
	case BC_GREYLISTED:
		decide(v, i, VERDICT_UNKNOWN, "greylisted: the server wants the same attempt again later, and a "
					      "verifier answers at once instead of waiting it out");
		return;
	case BC_REPUTATION:
	case BC_POLICY:
	case BC_AUTHENTICATION:
		snprintf(why, sizeof why, "the server refused the probe, not the address (%s): says nothing "
					 "about the mailbox", bounce_category_text(bc.category));
		decide(v, i, VERDICT_UNKNOWN, why);
		return;
	default:
		snprintf(why, sizeof why, "%s: cannot tell", bounce_category_text(bc.category));
		decide(v, i, VERDICT_UNKNOWN, why);
		return;
	}
}

/* ---- probe connections --------------------------------------------------------------- */

static void target_next(struct verifier *v, size_t ti);

static void vconn_free(struct vconn *c)
{
	if (!c)
		return;
	/* A run stopped mid-probe (--until) frees the hosts after the network
	 * and its connections (net_teardown): the session's connection is
	 * gone, so the session is left alone, as the MTA's and mail clients'
	 * unfinished sessions are. */
	if (c->v->sim->net)
		session_free(c->sess);
	free(c->addrs);
	free(c->replies);
	free(c->answered);
	free(c);
}

static void conn_done(void *ud, const struct smtpc_result *res)
{
	struct vconn *c = session_ctx(ud);
	/* Recipients not yet asked carry the session's decisive reply (the
	 * greeting, MAIL, a 421) or our own finding (code 0: lost, timed out). */
	for (size_t k = 0; k < res->nrcpts && k < 2 * c->n; k++) {
		c->replies[k] = res->rcpts[k].reply;
		c->answered[k] = res->rcpts[k].reply.code != 0 && res->rcpts[k].stage == SMTPC_STAGE_RCPT;
	}
}

static void ev_conn_over(struct sim *sim, void *ctx, uint64_t arg);

static void conn_finish(struct vconn *c)
{
	if (c->over)
		return;
	c->over = true;
	sim_after(c->v->sim, 0, ev_conn_over, c, 0);
}

static void conn_close(void *ctx)
{
	struct vconn *c = ctx;
	session_hangup(c->sess);
	conn_finish(c);
}

static void conn_connected(void *ctx)
{
	((struct vconn *)ctx)->connected = true;
}

static void conn_failed(void *ctx, enum net_fail why)
{
	struct vconn *c = ctx;
	c->failed = true;
	c->why = why;
	conn_finish(c);
}

static void conn_closed(void *ctx)
{
	conn_finish(ctx);
}

static const struct session_owner probe_owner = {
	.connected = conn_connected,
	.failed = conn_failed,
	.closed = conn_closed,
	.close = conn_close,
};

static const struct smtpc_callbacks probe_callbacks = {
	.send_line = session_cb_send_line,
	.send_data = session_cb_send_data,
	.start_tls = session_cb_start_tls,
	.done = conn_done,
	.close = session_cb_close,
};

/* Every address the connection carried gets its verdict. */
static void conn_judge(struct vconn *c)
{
	struct verifier *v = c->v;
	const struct vtarget *t = &v->t[c->target];
	for (size_t k = 0; k < c->n; k++) {
		size_t i = c->addrs[k];
		struct vaddr *x = &v->a[i];
		x->r.can_connect_smtp = c->connected;
		const struct smtp_reply *mine = &c->replies[2 * k], *other = &c->replies[2 * k + 1];
		char why[600];
		if (c->failed) {
			snprintf(why, sizeof why, "cannot connect to %s[%s]:25: %s", t->host, t->ip,
				 c->why == NET_REFUSED ? "connection refused" : "connection timed out");
			decide(v, i, VERDICT_UNKNOWN, why);
		} else if (mine->code == 0) {
			snprintf(why, sizeof why, "no answer from %s: %s", t->host,
				 mine->text[0] ? mine->text : "the connection ended");
			x->r.bounce = bounce_classify(0, "4.4.2", mine->text);
			decide(v, i, VERDICT_UNKNOWN, why);
		} else {
			judge(v, i, mine, c->answered[2 * k + 1] ? other : NULL, c->answered[2 * k]);
		}
	}
}

static void ev_conn_over(struct sim *sim, void *ctx, uint64_t arg)
{
	struct vconn *c = ctx;
	struct verifier *v = c->v;
	size_t ti = c->target;
	conn_judge(c);
	v->t[ti].active = NULL;
	vconn_free(c);
	target_next(v, ti);
}

/* Open one connection for the next addresses waiting on this MX address. */
static void target_next(struct verifier *v, size_t ti)
{
	struct vtarget *t = &v->t[ti];
	if (t->active || t->qlen == 0)
		return;
	struct vconn *c = xcalloc(1, sizeof *c);
	c->v = v;
	c->target = ti;
	c->n = t->qlen < v->per_conn ? t->qlen : v->per_conn;
	c->addrs = xcalloc(c->n, sizeof *c->addrs);
	c->replies = xcalloc(2 * c->n, sizeof *c->replies);
	c->answered = xcalloc(2 * c->n, sizeof *c->answered);
	const char **rcpts = xcalloc(2 * c->n, sizeof *rcpts);
	for (size_t k = 0; k < c->n; k++) {
		c->addrs[k] = t->q[t->qhead++];
		t->qlen--;
		rcpts[2 * k] = v->a[c->addrs[k]].input;
		rcpts[2 * k + 1] = v->a[c->addrs[k]].random;
	}
	if (t->qlen == 0)
		t->qhead = 0;
	t->active = c;
	struct smtpc_config cfg = {.helo_name = v->host->name}; /* no STARTTLS: Reacher's default */
	struct session_config sc = {.line_kind = TK_SMTP_SEND, .data_kind = TK_SMTP_DATA,
				    .timeout = PROBE_TIMEOUT};
	c->sess = session_new(v->sim, &sc, &probe_owner, c);
	struct smtpc *e = smtpc_new(&cfg, &probe_callbacks, c->sess);
	session_set_engine(c->sess, &session_smtpc_engine, e);
	smtpc_set_probe(e, v->from, rcpts, 2 * c->n, 2);
	free(rcpts);
	session_connect(c->sess, v->host, t->ip, 25);
}

static size_t target_of(struct verifier *v, const char *ip, const char *host)
{
	size_t ti;
	if (strmap_get(&v->tmap, ip, &ti))
		return ti;
	if (v->nt == v->capt) {
		v->capt = v->capt ? 2 * v->capt : 8;
		v->t = xrealloc(v->t, v->capt * sizeof *v->t);
	}
	ti = v->nt++;
	memset(&v->t[ti], 0, sizeof v->t[ti]);
	v->t[ti].ip = xstrdup(ip);
	v->t[ti].host = xstrdup(host);
	strmap_put(&v->tmap, v->t[ti].ip, ti);
	return ti;
}

static void target_push(struct verifier *v, size_t ti, size_t i)
{
	struct vtarget *t = &v->t[ti];
	if (t->qhead + t->qlen == t->qcap) {
		if (t->qhead > 0) {
			memmove(t->q, t->q + t->qhead, t->qlen * sizeof *t->q);
			t->qhead = 0;
		} else {
			t->qcap = t->qcap ? 2 * t->qcap : 16;
			t->q = xrealloc(t->q, t->qcap * sizeof *t->q);
		}
	}
	t->q[t->qhead + t->qlen++] = i;
}

/* ---- domains: MX, then the best MX's address ------------------------------------ */

/* An address of a domain that cannot be probed: the domain's verdict. */
static void domain_decide(struct verifier *v, const struct vdomain *d, size_t i)
{
	v->a[i].r.bounce = bounce_classify(0, d->fail_enh, d->fail_reason);
	decide(v, i, d->fail_verdict, d->fail_reason);
}

static void domain_fail(struct verifier *v, struct vdomain *d, enum verify_verdict verdict,
			const char *enh, const char *reason)
{
	d->st = DOM_FAILED;
	d->fail_verdict = verdict;
	snprintf(d->fail_enh, sizeof d->fail_enh, "%s", enh);
	d->fail_reason = xstrdup(reason);
	for (size_t k = 0; k < d->nwait; k++)
		domain_decide(v, d, d->wait[k]);
	d->nwait = 0;
}

static void domain_ready(struct verifier *v, struct vdomain *d, const char *ip)
{
	d->st = DOM_READY;
	d->accepts = true;
	char name[256];
	snprintf(name, sizeof name, "%.*s", (int)strlen(d->mx[d->imx]) - 1, d->mx[d->imx]);
	d->target = target_of(v, ip, name);
	for (size_t k = 0; k < d->nwait; k++)
		target_push(v, d->target, d->wait[k]);
	d->nwait = 0;
	target_next(v, d->target);
}

static void domain_a_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			    const struct dns_answer *ans);

static void domain_lookup_a(struct verifier *v, struct vdomain *d)
{
	d->st = DOM_A;
	char name[256];
	snprintf(name, sizeof name, "%.*s", (int)strlen(d->mx[d->imx]) - 1, d->mx[d->imx]);
	resolver_query(v->host->resolver, name, DNS_T_A, domain_a_answer, d->box);
}

static struct vdomain *box_domain(void *ctx, struct verifier **vout)
{
	struct domain_box *b = ctx;
	*vout = b->v;
	return &b->v->d[b->di];
}

static void domain_a_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			    const struct dns_answer *ans)
{
	struct verifier *v;
	struct vdomain *d = box_domain(ctx, &v);
	char ip[64];
	if (dns_answer_first_a(ans, ip, sizeof ip)) {
		domain_ready(v, d, ip);
		return;
	}
	if (!ans || (ans->rcode != DNS_R_NOERROR && ans->rcode != DNS_R_NXDOMAIN)) {
		char why[400];
		snprintf(why, sizeof why, "the address lookup of %s failed (%s): cannot tell", qname,
			 ans ? dns_rcode_name(ans->rcode) : "timed out");
		domain_fail(v, d, VERDICT_UNKNOWN, "4.4.3", why);
		return;
	}
	if (++d->imx < d->nmx) { /* this MX has no address: the next one */
		domain_lookup_a(v, d);
		return;
	}
	char why[400];
	if (d->implicit)
		snprintf(why, sizeof why, "%s has no MX and no address record: it cannot take mail", d->name);
	else
		snprintf(why, sizeof why, "no MX host of %s has an address: no usable MX", d->name);
	domain_fail(v, d, VERDICT_INVALID, d->implicit ? "5.1.2" : "5.4.4", why);
}

static int cmp_mx(const void *a, const void *b)
{
	const struct dns_rr *x = *(const struct dns_rr *const *)a, *y = *(const struct dns_rr *const *)b;
	return (x->pref > y->pref) - (x->pref < y->pref);
}

/* Best first (RFC 5321 §5.1); among equal preferences the order of the
 * answer, so a verifier always asks the same host. */
static void domain_take_mx(struct vdomain *d, const struct dns_answer *ans)
{
	const struct dns_rr **v = xcalloc(ans->n + 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < ans->n; i++)
		if (ans->rrs[i].type == DNS_T_MX)
			v[n++] = &ans->rrs[i];
	for (size_t i = 1; i < n; i++) /* insertion sort: stable */
		for (size_t k = i; k > 0 && cmp_mx(&v[k - 1], &v[k]) > 0; k--) {
			const struct dns_rr *t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	d->mx = xcalloc(n + 1, sizeof *d->mx);
	for (size_t i = 0; i < n; i++)
		d->mx[d->nmx++] = xasprintf("%s.", v[i]->target);
	free(v);
}

static void domain_mx_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			     const struct dns_answer *ans)
{
	struct verifier *v;
	struct vdomain *d = box_domain(ctx, &v);
	char why[400];
	if (!ans || (ans->rcode != DNS_R_NOERROR && ans->rcode != DNS_R_NXDOMAIN)) {
		snprintf(why, sizeof why, "the MX lookup of %s failed (%s): cannot tell", qname,
			 ans ? dns_rcode_name(ans->rcode) : "timed out");
		domain_fail(v, d, VERDICT_UNKNOWN, "4.4.3", why);
		return;
	}
	if (ans->rcode == DNS_R_NXDOMAIN) {
		snprintf(why, sizeof why, "the domain %s does not exist (NXDOMAIN)", qname);
		domain_fail(v, d, VERDICT_INVALID, "5.1.2", why);
		return;
	}
	if (dns_answer_is_null_mx(ans)) {
		d->mx = xcalloc(2, sizeof *d->mx);
		d->mx[d->nmx++] = xstrdup(".");
		snprintf(why, sizeof why, "%s publishes a null MX (RFC 7505): it takes no mail", qname);
		domain_fail(v, d, VERDICT_INVALID, "5.1.10", why);
		return;
	}
	domain_take_mx(d, ans);
	if (d->nmx == 0) { /* NODATA: the implicit MX, the domain's own address */
		d->implicit = true;
		free(d->mx);
		d->mx = xcalloc(2, sizeof *d->mx);
		d->mx[d->nmx++] = xasprintf("%s.", d->name);
	}
	domain_lookup_a(v, d);
}

static size_t domain_of(struct verifier *v, const char *name, bool *fresh)
{
	size_t di;
	*fresh = false;
	if (strmap_get(&v->dmap, name, &di))
		return di;
	if (v->nd == v->capd) {
		v->capd = v->capd ? 2 * v->capd : 16;
		v->d = xrealloc(v->d, v->capd * sizeof *v->d);
	}
	di = v->nd++;
	memset(&v->d[di], 0, sizeof v->d[di]);
	v->d[di].name = xstrdup(name); /* heap-owned: the map's key stays put when d grows */
	strmap_put(&v->dmap, v->d[di].name, di);
	*fresh = true;
	return di;
}

static void domain_wait(struct vdomain *d, size_t i)
{
	if (d->nwait == d->capwait) {
		d->capwait = d->capwait ? 2 * d->capwait : 8;
		d->wait = xrealloc(d->wait, d->capwait * sizeof *d->wait);
	}
	d->wait[d->nwait++] = i;
}

/* ---- addresses ----------------------------------------------------------------------- */

static void random_local(struct verifier *v, char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	for (size_t k = 0; k < len; k++)
		out[k] = alphabet[rng_below(&v->sim->rng, sizeof alphabet - 1)];
	out[len] = '\0';
}

static void address_begin(struct verifier *v, size_t i)
{
	struct vaddr *x = &v->a[i];
	struct trace *tr = v->sim->trace;
	trace_begin(tr, v->sim->now, TK_VERIFY_START);
	trace_node(tr, v->host->name);
	trace_str(tr, "address", x->input);
	trace_end(tr);
	size_t n = strlen(x->input) + 1;
	char *user = xmalloc(n), *domain = xmalloc(n), why[300];
	bool literal;
	x->user = user;
	x->domain = domain;
	x->r.username = x->r.domain = "";
	if (!addr_check_syntax(x->input, user, n, domain, n, &literal, why, sizeof why)) {
		char reason[400];
		snprintf(reason, sizeof reason, "invalid syntax: %s", why);
		x->r.bounce = bounce_classify(0, "5.1.3", reason);
		decide(v, i, VERDICT_INVALID, reason);
		return;
	}
	x->r.is_valid_syntax = true;
	x->r.username = user;
	x->r.domain = domain;
	x->r.is_role_account = addr_is_role(user);
	x->r.is_disposable = addr_is_disposable(domain, (const char *const *)v->disposable, v->ndisposable);
	if (literal) {
		decide(v, i, VERDICT_UNKNOWN, "an address literal names no domain whose MX could be asked");
		return;
	}
	if (!v->host->resolver) {
		decide(v, i, VERDICT_UNKNOWN, "this world has no DNS server to ask");
		return;
	}
	char rnd[RANDOM_LOCAL_LEN + 1];
	random_local(v, rnd, RANDOM_LOCAL_LEN);
	x->random = xasprintf("%s@%s", rnd, domain);
	bool fresh;
	size_t di = domain_of(v, domain, &fresh);
	struct vdomain *d = &v->d[di];
	x->dom = di + 1;
	if (d->st == DOM_READY) {
		target_push(v, d->target, i);
		target_next(v, d->target);
	} else if (d->st == DOM_FAILED) { /* found out already: the same verdict */
		domain_decide(v, d, i);
	} else {
		domain_wait(d, i);
	}
	if (fresh) {
		d->box = xcalloc(1, sizeof *d->box);
		d->box->v = v;
		d->box->di = di;
		host_own(v->host, d->box);
		d->st = DOM_MX;
		resolver_query(v->host->resolver, domain, DNS_T_MX, domain_mx_answer, d->box);
	}
}

static void ev_begin(struct sim *sim, void *ctx, uint64_t arg)
{
	struct verifier *v = ctx;
	while (v->started < v->na)
		address_begin(v, v->started++);
}

/* ---- public ---------------------------------------------------------------------------- */

static void verifier_free(void *p)
{
	struct verifier *v = p;
	for (size_t i = 0; i < v->nt; i++) {
		vconn_free(v->t[i].active);
		free(v->t[i].ip);
		free(v->t[i].host);
		free(v->t[i].q);
	}
	for (size_t i = 0; i < v->nd; i++) {
		for (size_t k = 0; k < v->d[i].nmx; k++)
			free(v->d[i].mx[k]);
		free(v->d[i].mx);
		free(v->d[i].wait);
		free(v->d[i].name);
		free(v->d[i].fail_reason);
	}
	for (size_t i = 0; i < v->na; i++) {
		struct vaddr *x = &v->a[i];
		free(x->input);
		free(x->user);
		free(x->domain);
		free(x->random);
		free(x->reason);
		free(x->reply);
	}
	for (size_t i = 0; i < v->ndisposable; i++)
		free(v->disposable[i]);
	free(v->disposable);
	strmap_free(&v->dmap);
	strmap_free(&v->tmap);
	free(v->t);
	free(v->d);
	free(v->a);
	free(v->from);
	free(v);
}

struct verifier *verifier_new(struct sim *sim, struct host *h, const struct verify_config *cfg)
{
	struct verifier *v = xcalloc(1, sizeof *v);
	v->sim = sim;
	v->host = h;
	v->from = cfg->from ? xstrdup(cfg->from) : xasprintf("verify@%s", h->name);
	v->per_conn = cfg->per_conn ? cfg->per_conn : VERIFY_PER_CONN_DEFAULT;
	v->disposable = xcalloc(cfg->ndisposable + 1, sizeof *v->disposable);
	for (size_t i = 0; i < cfg->ndisposable; i++)
		v->disposable[v->ndisposable++] = xstrdup(cfg->disposable[i]);
	strmap_init(&v->dmap);
	strmap_init(&v->tmap);
	host_own_obj(h, v, verifier_free);
	return v;
}

size_t verifier_add(struct verifier *v, const char *address)
{
	if (v->na == v->capa) {
		v->capa = v->capa ? 2 * v->capa : 64;
		v->a = xrealloc(v->a, v->capa * sizeof *v->a);
	}
	struct vaddr *x = &v->a[v->na];
	memset(x, 0, sizeof *x);
	x->input = xstrdup(address);
	x->r.input = x->input;
	x->r.verdict = VERDICT_UNKNOWN;
	return v->na++;
}

void verifier_start(struct verifier *v, int64_t at)
{
	sim_at(v->sim, at, ev_begin, v, 0);
}

size_t verifier_count(const struct verifier *v)
{
	return v->na;
}

const struct verify_result *verifier_result(const struct verifier *v, size_t i)
{
	if (i >= v->na)
		return NULL;
	return &v->a[i].r;
}

/* ---- the verifier host --------------------------------------------------------------- */

static const struct host *first_dns(const struct sim *sim)
{
	for (size_t i = 0; i < sim->nhosts; i++)
		if (sim->hosts[i]->role == ROLE_DNS)
			return sim->hosts[i];
	return NULL;
}

struct host *verify_host(struct sim *sim, const char *name)
{
	struct host *h = NULL;
	if (name) {
		h = sim_host_by_name(sim, name);
		if (!h)
			return NULL;
	} else {
		/* A name and a TEST-NET-1 address (RFC 5737) nobody else has. */
		char hn[64] = "verifier.example", ip[32];
		for (int k = 2; sim_host_by_name(sim, hn); k++)
			snprintf(hn, sizeof hn, "verifier%d.example", k);
		int last = 200;
		do
			snprintf(ip, sizeof ip, "192.0.2.%d", last++);
		while (sim_host_by_ip(sim, ip) && last < 255);
		h = sim_add_host(sim, hn, ip, ROLE_CLIENT);
	}
	const struct host *ns = first_dns(sim);
	if (!h->resolver && ns)
		resolver_attach(h, resolver_new(sim, h, ns->ip));
	return h;
}
