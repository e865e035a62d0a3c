/* checks.c — see checks.h.
 *
 * One struct chk per inbound SMTP session. Each stage is a chain of steps;
 * DNS-driven steps (SPF, DKIM, DMARC) are the modules' sans-IO machines,
 * run by run_machine() through the host's resolver. A session may end while
 * a query is in flight: chk_free() then only marks the object, and the
 * answer callback frees it instead of continuing.
 *
 * It is the one place the receiving filter chain is ordered (connect,
 * MAIL FROM, end of DATA, then the policy in the seeds' order, which
 * checks_policy.c decides); each check's logic lives in its own module
 * (spf.c, dkim.c, dmarc.c, spam.c, av.c), this file only runs and records
 * them. */
#include "checks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "checks_int.h"
#include "fmt.h"
#include "mailstore.h"
#include "msg.h"
#include "net.h"
#include "pool.h"
#include "resolver.h"
#include "util.h"

/* One per connection, 5 KiB: recycled (pool.h). */
static _Thread_local struct pool chk_pool;

void chk_set_outbound(struct chk *c, bool outbound)
{
	c->outbound = outbound;
}

struct chk *chk_new(struct sim *sim, struct host *h, const struct scn_filters *f,
		    const char *client_ip)
{
	struct chk *c = pool_get(&chk_pool, sizeof *c);
	c->sim = sim;
	c->host = h;
	c->f = f;
	fmt_snprintf(c->ip, sizeof c->ip, "%s", client_ip);
	c->iprev = "none";
	sb_init(&c->v.headers);
	return c;
}

static void really_free(struct chk *c)
{
	for (size_t i = 0; i < c->ndnsbl; i++)
		free(c->dnsbl_codes[i]);
	free(c->dnsbl_codes);
	spf_free(c->spf_obj);
	dkim_verify_free(c->dkim);
	dmarc_free(c->dmarc);
	spam_result_clear(&c->spam);
	authres_free(c->ar);
	sb_free(&c->v.headers);
	pool_put(&chk_pool, c);
}

void chk_free(struct chk *c)
{
	if (!c)
		return;
	if (c->in_flight)
		c->dead = true; /* the pending answer frees it */
	else
		really_free(c);
}

void chk_abandon(struct chk *c)
{
	if (c)
		really_free(c); /* a pending answer will never come: the world ends */
}

const struct chk_verdict *chk_verdict(const struct chk *c)
{
	return &c->v;
}

const char *chk_client_name(const struct chk *c)
{
	return c->ptr[0] ? c->ptr : "unknown";
}

const char *chk_spf_pass_domain(const struct chk *c)
{
	return c->spf_ran && c->spf == SPF_PASS && c->spf_domain[0] ? c->spf_domain : NULL;
}

bool chk_auth_domain(const struct chk *c, char *out, size_t cap)
{
	out[0] = 0;
	if (!c->spf_ran && !c->dkim_ran)
		return false;
	for (size_t i = 0; c->dkim && i < dkim_verify_count(c->dkim); i++)
		if (dkim_verify_result(c->dkim, i) == DKIM_PASS) {
			fmt_snprintf(out, cap, "%s", dkim_verify_domain(c->dkim, i));
			return true;
		}
	if (chk_spf_pass_domain(c))
		fmt_snprintf(out, cap, "%s", c->spf_domain);
	return true;
}

static void finish(struct chk *c)
{
	chk_done_fn done = c->done;
	c->done = NULL;
	if (done)
		done(c->done_ud);
}

/* The spam thresholds as the viewer's waterfall draws them, in the order
 * of the actions they trigger: "greylist 4.00, add_header 6.00,
 * rewrite_subject off, quarantine off, reject 15.00". */
static void spam_thresholds_text(const struct spam_thresholds *t, char *out, size_t cap)
{
	const struct { const char *name; int v; } th[] = {
		{"greylist", t->greylist}, {"add_header", t->add_header},
		{"rewrite_subject", t->rewrite_subject}, {"quarantine", t->quarantine},
		{"reject", t->reject},
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof th / sizeof th[0] && len < cap; i++) {
		char v[32] = "off";
		if (th[i].v != SPAM_OFF)
			spam_format_score(th[i].v, v, sizeof v);
		len += (size_t)fmt_snprintf(out + len, cap - len, "%s%s %s", i ? ", " : "", th[i].name, v);
	}
}

static void check_event_th(struct chk *c, const char *filter, const char *result,
			   const char *symbol, int centi, bool has_score, const char *detail,
			   const char *thresholds);

static void check_event(struct chk *c, const char *filter, const char *result, const char *symbol,
			int centi, bool has_score, const char *detail)
{
	check_event_th(c, filter, result, symbol, centi, has_score, detail, NULL);
}

static void check_event_th(struct chk *c, const char *filter, const char *result,
			   const char *symbol, int centi, bool has_score, const char *detail,
			   const char *thresholds)
{
	struct trace *tr = c->sim->trace;
	trace_begin(tr, c->sim->now, TK_FILTER_CHECK);
	trace_node(tr, c->host->name);
	if (c->tag[0])
		trace_msg(tr, c->tag);
	trace_str(tr, "filter", filter);
	trace_str(tr, "result", result);
	if (symbol)
		trace_str(tr, "symbol", symbol);
	if (has_score) {
		char sc[32];
		spam_format_score(centi, sc, sizeof sc);
		trace_str(tr, "score", sc);
	}
	if (detail && *detail)
		trace_str(tr, "detail", detail);
	if (thresholds)
		trace_str(tr, "thresholds", thresholds);
	trace_end(tr);
}

/* ---- DNS plumbing ------------------------------------------------------------ */

static void query(struct chk *c, const char *qname, enum dns_type t, resolver_cb cb)
{
	c->in_flight = true;
	resolver_query(c->host->resolver, qname, t, cb, c);
}

/* Common prologue of every answer callback: false when the session is gone. */
static bool answered(struct chk *c)
{
	c->in_flight = false;
	if (c->dead) {
		really_free(c);
		return false;
	}
	return true;
}

static void run_step(struct chk *c);

static void machine_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			   const struct dns_answer *ans)
{
	struct chk *c = ctx;
	if (!answered(c))
		return;
	c->answer(c->obj, ans);
	run_step(c);
}

static void run_step(struct chk *c)
{
	char q[300];
	enum dns_type t;
	if (c->step(c->obj, q, sizeof q, &t) == AUTH_NEED_DNS)
		query(c, q, t, machine_answer);
	else
		c->then(c);
}

static void run_machine(struct chk *c, void *obj, step_fn step, answer_fn answer,
			void (*then)(struct chk *))
{
	c->obj = obj;
	c->step = step;
	c->answer = answer;
	c->then = then;
	run_step(c);
}

static enum auth_step spf_step_w(void *o, char *q, size_t cap, enum dns_type *t) { return spf_step(o, q, cap, t); }
static void spf_answer_w(void *o, const struct dns_answer *a) { spf_answer(o, a); }
static enum auth_step dkim_step_w(void *o, char *q, size_t cap, enum dns_type *t) { return dkim_verify_step(o, q, cap, t); }
static void dkim_answer_w(void *o, const struct dns_answer *a) { dkim_verify_answer(o, a); }
static enum auth_step dmarc_step_w(void *o, char *q, size_t cap, enum dns_type *t) { return dmarc_step(o, q, cap, t); }
static void dmarc_answer_w(void *o, const struct dns_answer *a) { dmarc_answer(o, a); }

/* ---- connection: PTR, iprev, DNSBL ------------------------------------------- */

static void dnsbl_next(struct chk *c);

static void dnsbl_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			 const struct dns_answer *ans)
{
	struct chk *c = ctx;
	if (!answered(c))
		return;
	const char *zone = c->f->dnsbl[c->dnsbl_next - 1];
	char code[64] = "";
	for (size_t i = 0; ans && i < ans->n; i++)
		if (ans->rrs[i].type == DNS_T_A) {
			dns_format_ip(ans->rrs[i].addr, 4, code, sizeof code);
			c->dnsbl_codes = xrealloc(c->dnsbl_codes, (c->ndnsbl + 1) * sizeof *c->dnsbl_codes);
			c->dnsbl_codes[c->ndnsbl++] = xstrdup(code);
		}
	char detail[400];
	if (code[0]) {
		fmt_snprintf(c->dnsbl_zone, sizeof c->dnsbl_zone, "%s", zone);
		fmt_snprintf(detail, sizeof detail, "%s is listed in %s (%s)", c->ip, zone, code);
	} else {
		fmt_snprintf(detail, sizeof detail, "%s is not listed in %s", c->ip, zone);
	}
	check_event(c, "dnsbl", code[0] ? "listed" : (ans ? "clean" : "temperror"), NULL, 0, false,
		    detail);
	dnsbl_next(c);
}

static void dnsbl_next(struct chk *c)
{
	if (!c->f || c->dnsbl_next >= c->f->ndnsbl) {
		finish(c);
		return;
	}
	char q[300];
	/* RFC 5782 §2.1: the reversed octets under the list's zone. */
	if (!dns_dnsbl_name(c->ip, c->f->dnsbl[c->dnsbl_next++], q, sizeof q)) {
		dnsbl_next(c);
		return;
	}
	query(c, q, DNS_T_A, dnsbl_answer);
}

static void iprev_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			 const struct dns_answer *ans)
{
	struct chk *c = ctx;
	if (!answered(c))
		return;
	uint8_t want[16];
	int fam;
	bool match = false;
	dns_parse_ip(c->ip, want, &fam);
	for (size_t i = 0; ans && i < ans->n; i++)
		match |= ans->rrs[i].type == DNS_T_A && memcmp(ans->rrs[i].addr, want, 4) == 0;
	/* RFC 8601 §3 iprev: the PTR name must resolve back to the address. */
	c->iprev = !ans ? "temperror" : match ? "pass" : "fail";
	char detail[400];
	fmt_snprintf(detail, sizeof detail, "%s -> %s -> %s", c->ip, c->ptr,
		 match ? "the same address (forward-confirmed)" : "a different address or none");
	check_event(c, "iprev", c->iprev, NULL, 0, false, detail);
	dnsbl_next(c);
}

static void ptr_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
		       const struct dns_answer *ans)
{
	struct chk *c = ctx;
	if (!answered(c))
		return;
	for (size_t i = 0; ans && ans->rcode == DNS_R_NOERROR && i < ans->n; i++)
		if (ans->rrs[i].type == DNS_T_PTR) {
			fmt_snprintf(c->ptr, sizeof c->ptr, "%s", ans->rrs[i].target);
			break;
		}
	if (c->f && c->f->iprev) {
		if (c->ptr[0]) {
			query(c, c->ptr, DNS_T_A, iprev_answer);
			return;
		}
		c->iprev = ans ? "fail" : "temperror";
		check_event(c, "iprev", c->iprev, NULL, 0, false, "the client address has no PTR record");
	}
	dnsbl_next(c);
}

void chk_connect(struct chk *c, chk_done_fn done, void *ud)
{
	c->done = done;
	c->done_ud = ud;
	char rev[128];
	if (c->host->resolver && dns_reverse_name(c->ip, rev, sizeof rev))
		query(c, rev, DNS_T_PTR, ptr_answer); /* Postfix looks the client up first */
	else
		dnsbl_next(c);
}

bool chk_dnsbl_refusal(const struct chk *c, struct smtp_reply *reply)
{
	if (!c->f || !c->f->dnsbl_reject || c->ndnsbl == 0)
		return false;
	smtp_reply_set(reply, 554, "5.7.1", "Service unavailable; Client host [%s] blocked using %s",
		       c->ip, c->dnsbl_zone);
	return true;
}

/* ---- MAIL FROM: blocked senders, SPF ------------------------------------------ */

/* A list entry is an address or "@domain". */
static bool listed(char *const *list, size_t n, const char *addr)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = list[i];
		if (e[0] == '@' ? ascii_strcaseeq(e + 1, addr_domain(addr)) : ascii_strcaseeq(e, addr))
			return true;
	}
	return false;
}

/* The recipient's approval of this sender (gatekeeper), if any. */
const struct scn_approval *chk_approval(const struct chk *c)
{
	for (size_t i = 0; i < c->f->napprovals; i++) {
		const struct scn_approval *a = &c->f->approvals[i];
		if (listed(&a->sender, 1, c->sender))
			return a;
	}
	return NULL;
}

static void policy_event(struct chk *c, enum policy_decision decision, const char *reason,
			 const char *folder)
{
	trace_policy(c->sim->trace, c->sim->now, c->host->name, c->tag[0] ? c->tag : NULL, NULL,
		     decision, reason, folder);
}

bool chk_sender_allowed(struct chk *c, const char *sender, struct smtp_reply *reply)
{
	if (!c->f || !listed(c->f->blocked, c->f->nblocked, sender))
		return true;
	policy_event(c, PD_REJECT, "the sender is on the recipient's block list", NULL);
	smtp_reply_set(reply, 550, "5.7.1", "<%s>: Sender address rejected: Access denied", sender);
	return false;
}

static const char *spf_symbol(enum spf_result r)
{
	static const char *const s[] = {"R_SPF_NA", "R_SPF_NEUTRAL", "R_SPF_ALLOW", "R_SPF_FAIL",
					"R_SPF_SOFTFAIL", "R_SPF_DNSFAIL", "R_SPF_PERMFAIL"};
	return s[r];
}

static void spf_done(struct chk *c)
{
	c->spf = spf_result(c->spf_obj);
	c->spf_ran = true;
	fmt_snprintf(c->spf_domain, sizeof c->spf_domain, "%s", spf_domain(c->spf_obj));
	char detail[600];
	fmt_snprintf(detail, sizeof detail, "%s for %s: %s", c->ip, c->spf_domain,
		 spf_explanation(c->spf_obj));
	check_event(c, "spf", spf_result_name(c->spf), spf_symbol(c->spf), 0, false, detail);
	spf_free(c->spf_obj);
	c->spf_obj = NULL;
	finish(c);
}

void chk_mail(struct chk *c, const char *helo, const char *sender, chk_done_fn done, void *ud)
{
	c->done = done;
	c->done_ud = ud;
	fmt_snprintf(c->helo, sizeof c->helo, "%s", helo ? helo : "");
	fmt_snprintf(c->sender, sizeof c->sender, "%s", sender ? sender : "");
	c->spf_ran = false;
	if (!c->f || !c->f->spf || !c->host->resolver) {
		finish(c);
		return;
	}
	c->spf_obj = spf_new(c->ip, c->sender, c->helo);
	spf_set_receiver(c->spf_obj, c->host->name, (c->sim->epoch_unix_us + c->sim->now) / 1000000);
	run_machine(c, c->spf_obj, spf_step_w, spf_answer_w, spf_done);
}

bool chk_spf_refusal(const struct chk *c, struct smtp_reply *reply)
{
	/* RFC 7208 §8.4: reject a fail, unless DMARC is to weigh it (§8.4's
	 * "SHOULD reject" is commonly deferred to DMARC, as here). */
	if (!c->spf_ran || c->spf != SPF_FAIL || c->f->dmarc)
		return false;
	smtp_reply_set(reply, 550, "5.7.23", "<%s>: SPF check failed: %s is not allowed to send for %s",
		       c->sender, c->ip, c->spf_domain);
	return true;
}

/* ---- end of DATA ----------------------------------------------------------------- */

static void stage_dkim(struct chk *c);
static void stage_dmarc(struct chk *c);
static void stage_policy(struct chk *c);

void chk_set_verdict(struct chk *c, enum policy_decision d, int code, const char *enh,
		    const char *reason)
{
	c->v.decision = d;
	fmt_snprintf(c->v.reason, sizeof c->v.reason, "%s", reason);
	if (code)
		smtp_reply_set(&c->v.reply, code, enh, "%s", reason);
}

static void stage_av(struct chk *c)
{
	if (!c->f->antivirus) {
		c->outbound ? stage_policy(c) : stage_dkim(c);
		return;
	}
	c->av_ran = true;
	av_scan(c->msg, c->len, &c->av);
	char reply[200], where[200];
	av_clamd_reply(&c->av, reply, sizeof reply);
	check_event(c, "antivirus", c->av.verdict == AV_FOUND ? "infected" : "clean",
		    c->av.verdict == AV_FOUND ? c->av.signature : NULL, 0, false, reply);
	if (c->av.verdict == AV_FOUND) {
		/* The scan comes before everything else and ends the chain: the
		 * message is refused at the end of DATA, nothing is delivered. */
		av_part_label(&c->av, where, sizeof where);
		char why[400];
		fmt_snprintf(why, sizeof why, "Message rejected: virus found: %s in %s", c->av.signature, where);
		chk_set_verdict(c, PD_REJECT, 554, "5.7.1", why);
		policy_event(c, PD_REJECT, why, NULL);
		finish(c);
		return;
	}
	if (c->outbound)
		stage_policy(c);
	else
		stage_dkim(c);
}

static void dkim_done(struct chk *c)
{
	c->dkim_ran = true;
	size_t n = dkim_verify_count(c->dkim);
	if (n == 0)
		check_event(c, "dkim", "none", "R_DKIM_NA", 0, false, "the message carries no DKIM signature");
	for (size_t i = 0; i < n; i++) {
		enum dkim_result r = dkim_verify_result(c->dkim, i);
		char detail[600];
		fmt_snprintf(detail, sizeof detail, "d=%s s=%s: %s", dkim_verify_domain(c->dkim, i),
			 dkim_verify_selector(c->dkim, i), dkim_verify_reason(c->dkim, i));
		check_event(c, "dkim", dkim_result_name(r),
			    r == DKIM_PASS ? "R_DKIM_ALLOW" : r == DKIM_FAIL ? "R_DKIM_REJECT" : "R_DKIM_NA",
			    0, false, detail);
	}
	stage_dmarc(c);
}

static void stage_dkim(struct chk *c)
{
	if (!c->f->dkim) {
		stage_dmarc(c);
		return;
	}
	c->dkim = dkim_verify_new(c->msg, c->len, (c->sim->epoch_unix_us + c->sim->now) / 1000000);
	run_machine(c, c->dkim, dkim_step_w, dkim_answer_w, dkim_done);
}

static void dmarc_done(struct chk *c)
{
	c->dmarc_ran = true;
	c->dm = *dmarc_result(c->dmarc);
	static const char *const sym[] = {"DMARC_NA", "DMARC_POLICY_ALLOW", "DMARC_POLICY_REJECT",
					  "DMARC_DNSFAIL", "DMARC_BAD_POLICY"};
	const char *symbol = sym[c->dm.result];
	if (c->dm.result == DMARC_FAIL && c->dm.requested == DMARC_POLICY_QUARANTINE)
		symbol = "DMARC_POLICY_QUARANTINE";
	else if (c->dm.result == DMARC_FAIL && c->dm.requested == DMARC_POLICY_NONE)
		symbol = "DMARC_POLICY_SOFTFAIL";
	check_event(c, "dmarc", dmarc_result_name(c->dm.result), symbol, 0, false, c->dm.explain);
	dmarc_free(c->dmarc);
	c->dmarc = NULL;
	stage_policy(c);
}

static void stage_dmarc(struct chk *c)
{
	if (!c->f->dmarc) {
		stage_policy(c);
		return;
	}
	char from[256] = "";
	dmarc_from_domain(c->msg, c->len, from, sizeof from);
	size_t n = c->dkim ? dkim_verify_count(c->dkim) : 0;
	struct dmarc_dkim *d = xcalloc(n + 1, sizeof *d);
	for (size_t i = 0; i < n; i++)
		d[i] = (struct dmarc_dkim){dkim_verify_domain(c->dkim, i),
					   dkim_verify_result(c->dkim, i) == DKIM_PASS};
	struct dmarc_input in = {
		.from_domain = from,
		.spf_pass = c->spf_ran && c->spf == SPF_PASS,
		.spf_domain = c->spf_domain,
		.dkim = d,
		.ndkim = n,
		.u = rng_u32(&c->sim->rng) / 4294967296.0, /* pct sampling, seeded */
	};
	c->dmarc = dmarc_new(&in);
	free(d);
	run_machine(c, c->dmarc, dmarc_step_w, dmarc_answer_w, dmarc_done);
}

/* ---- spam scoring ------------------------------------------------------------ */

static const char *dkim_summary(const struct chk *c)
{
	if (!c->dkim_ran || !c->dkim || dkim_verify_count(c->dkim) == 0)
		return c->dkim_ran ? "none" : NULL;
	for (size_t i = 0; i < dkim_verify_count(c->dkim); i++)
		if (dkim_verify_result(c->dkim, i) == DKIM_PASS)
			return "pass";
	return dkim_result_name(dkim_verify_result(c->dkim, 0));
}

static void run_spam(struct chk *c)
{
	const struct scn_filters *f = c->f;
	spam_config_init(&c->spam_cfg);
	c->spam_cfg.t = (struct spam_thresholds){f->greylist, f->add_header, f->rewrite_subject,
						 f->reject, f->quarantine};
	c->spam_cfg.bad_hosts = (const char *const *)f->bad_urls;
	c->spam_cfg.nbad_hosts = f->nbad_urls;
	struct spam_bayes *b = NULL;
	if (f->nbayes_spam || f->nbayes_ham) {
		b = spam_bayes_new();
		for (size_t i = 0; i < f->nbayes_spam; i++)
			spam_bayes_train(b, f->bayes_spam[i], true);
		for (size_t i = 0; i < f->nbayes_ham; i++)
			spam_bayes_train(b, f->bayes_ham[i], false);
		c->spam_cfg.bayes = b;
	}
	struct spam_auth auth = {
		.spf = c->spf_ran ? spf_result_name(c->spf) : NULL,
		.dkim = dkim_summary(c),
		.dmarc = c->dmarc_ran ? dmarc_result_name(c->dm.result) : NULL,
		.dmarc_policy = c->dmarc_ran ? dmarc_policy_name(c->dm.policy) : NULL,
		.rdns_none = !c->ptr[0],
		.helo_not_fqdn = !strchr(c->helo, '.'),
		.dnsbl = (const char *const *)c->dnsbl_codes,
		.ndnsbl = c->ndnsbl,
	};
	/* Sender reputation (the seeds' "crowd-sourced reputation"): the
	 * first entry matching the client IP, the sender or its @domain. */
	struct spam_extra rep = {0};
	for (size_t i = 0; i < f->nrep && !rep.symbol; i++) {
		const char *k = f->rep_keys[i];
		bool hit = strcmp(k, c->ip) == 0 || ascii_strcaseeq(k, c->sender) ||
			   (k[0] == '@' && ascii_strcaseeq(k + 1, addr_domain(c->sender)));
		if (hit)
			rep = (struct spam_extra){f->rep_scores[i] >= 0 ? "SENDER_REP_SPAM" : "SENDER_REP_HAM",
						  f->rep_scores[i],
						  f->rep_scores[i] >= 0 ? "the sender has a bad reputation"
									: "the sender has a good reputation"};
	}
	c->spam_cfg.extra = rep.symbol ? &rep : NULL;
	c->spam_cfg.nextra = rep.symbol ? 1 : 0;
	spam_check(c->msg, c->len, &auth, &c->spam_cfg, &c->spam);
	c->spam_cfg.extra = NULL;
	c->spam_cfg.nextra = 0;
	c->spam_ran = true;
	for (size_t i = 0; i < c->spam.n; i++)
		check_event(c, "spam", "symbol", c->spam.hits[i].symbol, c->spam.hits[i].score, true,
			    c->spam.hits[i].desc);
	char th[160];
	spam_thresholds_text(&c->spam_cfg.t, th, sizeof th);
	check_event_th(c, "spam", spam_action_name(c->spam.action), "TOTAL", c->spam.total, true,
		       c->spam.quarantine ? "in the quarantine band" : NULL, th);
	spam_bayes_free(b);
	c->spam_cfg.bayes = NULL;
}

/* Rspamd's greylist action: a soft reject the first time a (client,
 * sender) pair scores in the band, accepted when it comes back. */
bool chk_seen_before(struct chk *c)
{
	char key[700];
	fmt_snprintf(key, sizeof key, "%s|%s", c->ip, c->sender);
	struct host *h = c->host;
	size_t at;
	if (strmap_get(&h->seen_index, key, &at))
		return true;
	h->seen = xrealloc(h->seen, (h->nseen + 1) * sizeof *h->seen);
	h->seen[h->nseen] = xstrdup(key);
	strmap_put(&h->seen_index, h->seen[h->nseen], h->nseen); /* the key lives in seen */
	h->nseen++;
	return false;
}

/* A provider scoring its own users' mail only refuses the worst of it. */
static void outbound_policy(struct chk *c)
{
	if (c->f->spam)
		run_spam(c);
	chk_set_verdict(c, PD_DELIVER, 0, NULL, "outbound check passed");
	if (c->spam_ran && c->spam.action == SPAM_REJECT)
		chk_set_verdict(c, PD_REJECT, 554, "5.7.1",
			"Message rejected as spam by the outbound filter (it would harm our reputation)");
	policy_event(c, c->v.decision, c->v.reason, NULL);
	finish(c);
}

static void stage_policy(struct chk *c)
{
	if (c->outbound) {
		outbound_policy(c);
		return;
	}
	c->whitelisted = listed(c->f->whitelist, c->f->nwhitelist, c->sender);
	const struct scn_approval *ap = chk_approval(c);
	if (c->whitelisted) {
		policy_event(c, PD_DELIVER, "the sender is whitelisted: spam checks are skipped", NULL);
	} else if (ap && ap->at <= c->sim->now) {
		/* An approved sender is a known contact from then on. */
		c->whitelisted = true;
		policy_event(c, PD_DELIVER,
			     "the recipient approved this sender: like the whitelist, spam checks are skipped",
			     NULL);
	} else if (c->f->spam)
		run_spam(c);
	chk_decide(c);
	chk_build_headers(c);
	policy_event(c, c->held_for_approval ? PD_HOLD : c->v.decision, c->v.reason,
		     c->v.decision == PD_DELIVER || c->v.decision == PD_QUARANTINE ? c->v.folder
										: NULL);
	finish(c);
}

void chk_message(struct chk *c, const char *msg, size_t len, const char *tag,
		 const char *const *rcpts, size_t nrcpts, chk_done_fn done, void *ud)
{
	c->done = done;
	c->done_ud = ud;
	c->msg = msg;
	c->len = len;
	c->rcpts = rcpts;
	c->nrcpts = nrcpts;
	fmt_snprintf(c->tag, sizeof c->tag, "%s", tag ? tag : "");
	memset(&c->v, 0, offsetof(struct chk_verdict, headers));
	sb_clear(&c->v.headers);
	fmt_snprintf(c->v.folder, sizeof c->v.folder, "INBOX");
	c->dkim_ran = c->dmarc_ran = c->av_ran = c->spam_ran = c->whitelisted = false;
	c->held_for_approval = false;
	dkim_verify_free(c->dkim);
	c->dkim = NULL;
	spam_result_clear(&c->spam);
	if (!c->f) {
		finish(c);
		return;
	}
	stage_av(c);
}
