/* test_dmarc.c — DMARC [RFC 7489]: organizational domains from the
 * built-in public-suffix subset, record parsing (valid, invalid, not
 * DMARC, the §6.6.3 rua rule), the relaxed/strict alignment matrix, the
 * evaluation machine driven by an in-test fake DNS (SPF/DKIM alignment,
 * pct sampling with u below/above, fallback to the organizational domain
 * with sp, DNS errors, several records), the A-R comment, and RFC5322.From
 * domain extraction. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "dns.h"
#include "util.h"

/* ---- organizational domains --------------------------------------------- */

static void test_org_domain_table(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"example.org", "example.org"},
		{"mail.example.org", "example.org"},
		{"a.b.c.example.org", "example.org"},
		{"Mail.Example.ORG.", "example.org"},
		{"www.bbc.co.uk", "bbc.co.uk"},
		{"bbc.co.uk", "bbc.co.uk"},
		{"shop.example.com.au", "example.com.au"},
		{"mx.a.example", "a.example"},
		{"relay.b.test", "b.test"},
		{"host.foo.zz", "foo.zz"}, /* unlisted TLD: the PSL default rule */
		{"co.uk", "co.uk"},        /* a public suffix is its own */
		{"com", "com"},
		{"localhost", "localhost"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char out[DNS_NAME_MAX + 1];
		if (!dmarc_org_domain(cases[i].in, out, sizeof out))
			fail_msg("org(%s): returned false", cases[i].in);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("org(%s): got %s, want %s", cases[i].in, out, cases[i].want);
	}
}

static void test_org_domain_bad(void **state)
{
	char out[DNS_NAME_MAX + 1] = "junk";
	assert_false(dmarc_org_domain("bad..name", out, sizeof out));
	assert_string_equal(out, "");
	assert_false(dmarc_org_domain("", out, sizeof out));
	assert_false(dmarc_org_domain(NULL, out, sizeof out));
	char small[6];
	assert_false(dmarc_org_domain("mail.example.org", small, sizeof small)); /* needs 12 */
}

/* ---- records ------------------------------------------------------------ */

#define R DMARC_ALIGN_RELAXED
#define S DMARC_ALIGN_STRICT
#define PN DMARC_POLICY_NONE
#define PQ DMARC_POLICY_QUARANTINE
#define PR DMARC_POLICY_REJECT

static void test_record_parse_table(void **state)
{
	static const struct {
		const char *txt;
		enum dmarc_parse want;
		enum dmarc_policy p, sp;
		int pct;
		enum dmarc_align adkim, aspf;
		bool assumed;
	} cases[] = {
		{"v=DMARC1; p=reject", DMARC_PARSE_OK, PR, PR, 100, R, R, false},
		{"v=DMARC1;p=quarantine;sp=none;pct=50;adkim=s;aspf=r", DMARC_PARSE_OK, PQ, PN, 50, S, R, false},
		{"v=DMARC1; p=none; rua=mailto:d@example.org; ruf=mailto:f@example.org; fo=1; rf=afrf; ri=3600",
		 DMARC_PARSE_OK, PN, PN, 100, R, R, false},
		{" v = DMARC1 ; p = Reject ; aspf = S ;", DMARC_PARSE_OK, PR, PR, 100, R, S, false},
		{"v=DMARC1; p=reject; x-future=1", DMARC_PARSE_OK, PR, PR, 100, R, R, false},
		{"v=DMARC1; p=reject; pct=0", DMARC_PARSE_OK, PR, PR, 0, R, R, false},
		{"v=DMARC1; p=bogus; rua=mailto:d@example.org", DMARC_PARSE_OK, PN, PN, 100, R, R, true},
		{"v=DMARC1; rua=mailto:d@example.org", DMARC_PARSE_OK, PN, PN, 100, R, R, true},
		{"p=reject; v=DMARC1", DMARC_PARSE_NOT_DMARC, PN, PN, 0, R, R, false},
		{"v=dmarc1; p=reject", DMARC_PARSE_NOT_DMARC, PN, PN, 0, R, R, false},
		{"v=spf1 -all", DMARC_PARSE_NOT_DMARC, PN, PN, 0, R, R, false},
		{"", DMARC_PARSE_NOT_DMARC, PN, PN, 0, R, R, false},
		{"v=DMARC1", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=block", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=reject; sp=maybe", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=reject; pct=101", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=reject; pct=abc", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=reject; adkim=x", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=reject; p=none", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=reject; garbage", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=reject; ri=-5", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
		{"v=DMARC1; p=reject; rua=not a uri", DMARC_PARSE_INVALID, PN, PN, 0, R, R, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dmarc_record rec;
		char err[96];
		enum dmarc_parse got = dmarc_record_parse(cases[i].txt, &rec, err, sizeof err);
		if (got != cases[i].want)
			fail_msg("parse(\"%s\"): got status %d, want %d (err: %s)", cases[i].txt, got,
				 cases[i].want, err);
		if (got != DMARC_PARSE_OK)
			continue;
		if (rec.p != cases[i].p || rec.sp != cases[i].sp || rec.pct != cases[i].pct ||
		    rec.adkim != cases[i].adkim || rec.aspf != cases[i].aspf || rec.p_assumed != cases[i].assumed)
			fail_msg("parse(\"%s\"): got p=%s sp=%s pct=%d adkim=%d aspf=%d assumed=%d, "
				 "want p=%s sp=%s pct=%d adkim=%d aspf=%d assumed=%d",
				 cases[i].txt, dmarc_policy_name(rec.p), dmarc_policy_name(rec.sp), rec.pct,
				 rec.adkim, rec.aspf, rec.p_assumed, dmarc_policy_name(cases[i].p),
				 dmarc_policy_name(cases[i].sp), cases[i].pct, cases[i].adkim, cases[i].aspf,
				 cases[i].assumed);
	}
}

static void test_record_defaults_and_strings(void **state)
{
	struct dmarc_record rec;
	char err[96];
	assert_int_equal(dmarc_record_parse("v=DMARC1; p=none", &rec, err, sizeof err), DMARC_PARSE_OK);
	assert_false(rec.has_sp);
	assert_string_equal(rec.fo, "0");
	assert_string_equal(rec.rf, "afrf");
	assert_int_equal(rec.ri, 86400);
	assert_string_equal(rec.rua, "");
	assert_int_equal(dmarc_record_parse("v=DMARC1; p=none; rua=mailto:a@example.org,mailto:b@example.net!10m",
					    &rec, err, sizeof err),
			 DMARC_PARSE_OK);
	assert_string_equal(rec.rua, "mailto:a@example.org,mailto:b@example.net!10m");
	assert_int_equal(dmarc_record_parse("v=DMARC1; p=maybe", &rec, err, sizeof err), DMARC_PARSE_INVALID);
	assert_string_equal(err, "invalid p= value");
	assert_int_equal(dmarc_record_parse("v=DMARC1; pct=50", &rec, err, sizeof err), DMARC_PARSE_INVALID);
	assert_string_equal(err, "missing p= tag");
	assert_int_equal(dmarc_record_parse("v=DMARC1; p=none; pct=200", &rec, err, sizeof err),
			 DMARC_PARSE_INVALID);
	assert_string_equal(err, "invalid value for pct");
}

/* ---- alignment [RFC 7489 §3.1] ------------------------------------------ */

static void test_alignment_matrix(void **state)
{
	static const struct {
		const char *a, *b;
		bool relaxed, strict;
	} cases[] = {
		{"example.org", "example.org", true, true},
		{"mail.example.org", "example.org", true, false},
		{"a.example.org", "b.example.org", true, false},
		{"example.org", "example.net", false, false},
		{"EXAMPLE.org", "example.ORG.", true, true},
		{"bbc.co.uk", "other.co.uk", false, false},
		{"news.bbc.co.uk", "bbc.co.uk", true, false},
		{"example.org", "", false, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		bool r = dmarc_aligned(cases[i].a, cases[i].b, DMARC_ALIGN_RELAXED);
		bool s = dmarc_aligned(cases[i].a, cases[i].b, DMARC_ALIGN_STRICT);
		if (r != cases[i].relaxed || s != cases[i].strict)
			fail_msg("aligned(%s, %s): got relaxed=%d strict=%d, want %d %d", cases[i].a, cases[i].b,
				 r, s, cases[i].relaxed, cases[i].strict);
	}
}

/* ---- the machine, against a fake DNS ------------------------------------ */

static struct dns_db *fake_dns(void)
{
	struct dns_db *db = dns_db_new();
	assert_true(dns_db_add_zone(db, "example.org", 300));
	assert_true(dns_db_add_zone(db, "example.net", 300));
	assert_true(dns_db_add_zone(db, "broken.example", 300));
	assert_true(dns_db_set_zone_failure(db, "broken.example", DNS_R_SERVFAIL));
	return db;
}

static void add_txt(struct dns_db *db, const char *owner, const char *rdata)
{
	struct dns_rr rr;
	char err[128];
	if (!dns_rr_init(&rr, owner, DNS_T_TXT, 300, rdata, err, sizeof err))
		fail_msg("dns_rr_init(%s): %s", owner, err);
	assert_true(dns_db_add(db, &rr));
	dns_rr_clear(&rr);
}

/* Drive the machine to the end; queries asked are joined with '|'. A query
 * for timeout_name gets no answer (NULL). */
static struct dmarc_outcome run(const struct dns_db *db, const struct dmarc_input *in,
				const char *timeout_name, char *queries, size_t qcap)
{
	struct dmarc *d = dmarc_new(in);
	char qname[DNS_NAME_MAX + 1];
	enum dns_type qt;
	queries[0] = '\0';
	for (int guard = 0; dmarc_step(d, qname, sizeof qname, &qt) == AUTH_NEED_DNS; guard++) {
		assert_true(guard < 4);
		assert_int_equal(qt, DNS_T_TXT);
		snprintf(queries + strlen(queries), qcap - strlen(queries), "%s%s", queries[0] ? "|" : "", qname);
		if (timeout_name && strcmp(qname, timeout_name) == 0) {
			dmarc_answer(d, NULL);
			continue;
		}
		struct dns_answer ans;
		dns_db_lookup(db, qname, qt, &ans);
		dmarc_answer(d, &ans);
		dns_answer_clear(&ans);
	}
	struct dmarc_outcome o = *dmarc_result(d);
	dmarc_free(d);
	return o;
}

static void expect(const struct dmarc_outcome *o, enum dmarc_result r, enum dmarc_policy pol,
		   const char *queries, const char *want_queries, const char *what)
{
	if (o->result != r || o->policy != pol || strcmp(queries, want_queries) != 0)
		fail_msg("%s: got %s/%s queries %s, want %s/%s queries %s (%s)", what,
			 dmarc_result_name(o->result), dmarc_policy_name(o->policy), queries,
			 dmarc_result_name(r), dmarc_policy_name(pol), want_queries, o->explain);
}

static void test_eval_spf_and_dkim_alignment(void **state)
{
	struct dns_db *db = fake_dns();
	add_txt(db, "_dmarc.example.org", "v=DMARC1; p=reject");
	add_txt(db, "_dmarc.example.net", "v=DMARC1; p=reject; adkim=s; aspf=s");
	static const struct dmarc_dkim d_org[] = {{"example.org", true}};
	static const struct dmarc_dkim d_sub[] = {{"mail.example.org", true}};
	static const struct dmarc_dkim d_third[] = {{"esp.example.com", true}, {"example.org", false}};
	static const struct dmarc_dkim d_net_sub[] = {{"mail.example.net", true}};
	static const struct dmarc_dkim d_net[] = {{"esp.example.com", true}, {"example.net", true}};
	static const struct {
		const char *what, *from;
		bool spf_pass;
		const char *spf_domain;
		const struct dmarc_dkim *dkim;
		size_t ndkim;
		enum dmarc_result want;
		bool spf_al, dkim_al;
	} cases[] = {
		{"spf relaxed subdomain", "example.org", true, "bounce.example.org", NULL, 0, DMARC_PASS, true, false},
		{"spf passes, other domain", "example.org", true, "esp.example.com", NULL, 0, DMARC_FAIL, false, false},
		{"spf aligned but not pass", "example.org", false, "example.org", NULL, 0, DMARC_FAIL, false, false},
		{"dkim exact", "example.org", false, NULL, d_org, 1, DMARC_PASS, false, true},
		{"dkim relaxed subdomain", "example.org", false, NULL, d_sub, 1, DMARC_PASS, false, true},
		{"dkim third party + failing aligned", "example.org", false, NULL, d_third, 2, DMARC_FAIL, false, false},
		{"both aligned", "example.org", true, "example.org", d_org, 1, DMARC_PASS, true, true},
		{"strict spf subdomain", "example.net", true, "bounce.example.net", NULL, 0, DMARC_FAIL, false, false},
		{"strict spf exact", "example.net", true, "example.net", NULL, 0, DMARC_PASS, true, false},
		{"strict dkim subdomain", "example.net", false, NULL, d_net_sub, 1, DMARC_FAIL, false, false},
		{"strict dkim second sig", "example.net", false, NULL, d_net, 2, DMARC_PASS, false, true},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dmarc_input in = {.from_domain = cases[i].from, .spf_pass = cases[i].spf_pass,
					 .spf_domain = cases[i].spf_domain, .dkim = cases[i].dkim,
					 .ndkim = cases[i].ndkim, .u = 0.3};
		char q[512], wantq[128];
		struct dmarc_outcome o = run(db, &in, NULL, q, sizeof q);
		snprintf(wantq, sizeof wantq, "_dmarc.%s", cases[i].from);
		expect(&o, cases[i].want, cases[i].want == DMARC_FAIL ? PR : PN, q, wantq, cases[i].what);
		if (o.spf_aligned != cases[i].spf_al || o.dkim_aligned != cases[i].dkim_al)
			fail_msg("%s: got spf_aligned=%d dkim_aligned=%d, want %d %d", cases[i].what,
				 o.spf_aligned, o.dkim_aligned, cases[i].spf_al, cases[i].dkim_al);
	}
	dns_db_free(db);
}

/* §6.6.4: sampled when u*100 < pct; otherwise the next lower policy. */
static void test_eval_pct_sampling(void **state)
{
	static const struct {
		const char *record;
		double u;
		enum dmarc_policy want;
		bool sampled;
	} cases[] = {
		{"v=DMARC1; p=reject; pct=50", 0.49, PR, true},
		{"v=DMARC1; p=reject; pct=50", 0.50, PQ, false},
		{"v=DMARC1; p=reject; pct=50", 0.99, PQ, false},
		{"v=DMARC1; p=quarantine; pct=20", 0.10, PQ, true},
		{"v=DMARC1; p=quarantine; pct=20", 0.25, PN, false},
		{"v=DMARC1; p=reject; pct=0", 0.0, PQ, false},
		{"v=DMARC1; p=reject", 0.999, PR, true},
		{"v=DMARC1; p=none; pct=10", 0.9, PN, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dns_db *db = fake_dns();
		add_txt(db, "_dmarc.example.org", cases[i].record);
		struct dmarc_input in = {.from_domain = "example.org", .spf_pass = true,
					 .spf_domain = "spammer.example.net", .u = cases[i].u};
		char q[512], what[128];
		struct dmarc_outcome o = run(db, &in, NULL, q, sizeof q);
		snprintf(what, sizeof what, "%s u=%.3f", cases[i].record, cases[i].u);
		expect(&o, DMARC_FAIL, cases[i].want, q, "_dmarc.example.org", what);
		if (o.sampled != cases[i].sampled)
			fail_msg("%s: got sampled=%d, want %d", what, o.sampled, cases[i].sampled);
		dns_db_free(db);
	}
}

static void test_eval_org_fallback_and_sp(void **state)
{
	static const struct {
		const char *what, *from, *org_rec, *sub_rec;
		enum dmarc_policy requested;
		const char *queries;
	} cases[] = {
		{"sp applies to a subdomain", "news.example.org", "v=DMARC1; p=reject; sp=quarantine", NULL, PQ,
		 "_dmarc.news.example.org|_dmarc.example.org"},
		{"no sp: p applies", "news.example.org", "v=DMARC1; p=reject", NULL, PR,
		 "_dmarc.news.example.org|_dmarc.example.org"},
		{"deep subdomain", "a.b.example.org", "v=DMARC1; p=none; sp=reject", NULL, PR,
		 "_dmarc.a.b.example.org|_dmarc.example.org"},
		{"own record wins, p applies", "news.example.org", "v=DMARC1; p=reject; sp=reject",
		 "v=DMARC1; p=none; sp=reject", PN, "_dmarc.news.example.org"},
		{"org domain itself: p, not sp", "example.org", "v=DMARC1; p=quarantine; sp=none", NULL, PQ,
		 "_dmarc.example.org"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dns_db *db = fake_dns();
		add_txt(db, "_dmarc.example.org", cases[i].org_rec);
		if (cases[i].sub_rec) {
			char owner[128];
			snprintf(owner, sizeof owner, "_dmarc.%s", cases[i].from);
			add_txt(db, owner, cases[i].sub_rec);
		}
		struct dmarc_input in = {.from_domain = cases[i].from, .u = 0.0};
		char q[512];
		struct dmarc_outcome o = run(db, &in, NULL, q, sizeof q);
		expect(&o, DMARC_FAIL, cases[i].requested, q, cases[i].queries, cases[i].what);
		assert_int_equal(o.requested, cases[i].requested);
		assert_string_equal(o.org_domain, "example.org");
		dns_db_free(db);
	}
}

static void test_eval_no_record_and_errors(void **state)
{
	struct dns_db *db = fake_dns();
	add_txt(db, "_dmarc.example.net", "v=DMARC1; p=reject");
	add_txt(db, "_dmarc.example.net", "v=DMARC1; p=none");
	add_txt(db, "_dmarc.two.example.org", "v=spf1 -all");
	add_txt(db, "_dmarc.two.example.org", "v=DMARC1; p=quarantine");
	add_txt(db, "_dmarc.bad.example.org", "v=DMARC1; p=sometimes");
	add_txt(db, "_dmarc.split.example.org", "\"v=DMARC1; \" \"p=reject\"");
	struct {
		const char *what, *from, *timeout;
		enum dmarc_result want;
		enum dmarc_policy pol;
		const char *queries;
	} cases[] = {
		{"nothing anywhere", "mail.example.org", NULL, DMARC_NONE, PN,
		 "_dmarc.mail.example.org|_dmarc.example.org"},
		{"org domain: one query", "example.org", NULL, DMARC_NONE, PN, "_dmarc.example.org"},
		{"servfail", "broken.example", NULL, DMARC_TEMPERROR, PN, "_dmarc.broken.example"},
		{"timeout at the org", "x.example.org", "_dmarc.example.org", DMARC_TEMPERROR, PN,
		 "_dmarc.x.example.org|_dmarc.example.org"},
		{"two DMARC records", "example.net", NULL, DMARC_PERMERROR, PN, "_dmarc.example.net"},
		{"non-DMARC TXT ignored", "two.example.org", NULL, DMARC_FAIL, PQ, "_dmarc.two.example.org"},
		{"invalid record", "bad.example.org", NULL, DMARC_PERMERROR, PN, "_dmarc.bad.example.org"},
		{"split TXT strings", "split.example.org", NULL, DMARC_FAIL, PR, "_dmarc.split.example.org"},
		{"no From domain", NULL, NULL, DMARC_PERMERROR, PN, ""},
		{"invalid From domain", "bad..example", NULL, DMARC_PERMERROR, PN, ""},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dmarc_input in = {.from_domain = cases[i].from, .u = 0.0};
		char q[512];
		struct dmarc_outcome o = run(db, &in, cases[i].timeout, q, sizeof q);
		expect(&o, cases[i].want, cases[i].pol, q, cases[i].queries, cases[i].what);
	}
	dns_db_free(db);
}

static void test_eval_explain_and_comment(void **state)
{
	struct dns_db *db = fake_dns();
	add_txt(db, "_dmarc.example.org", "v=DMARC1; p=reject; sp=quarantine; pct=50");
	struct dmarc_input in = {.from_domain = "news.example.org", .u = 0.7};
	char q[512], c[128];
	struct dmarc_outcome o = run(db, &in, NULL, q, sizeof q);
	assert_string_equal(o.record_name, "_dmarc.example.org");
	assert_string_equal(o.explain, "DMARC fail for news.example.org: no aligned SPF or DKIM pass; "
				       "sp=quarantine (not sampled by pct), applying none");
	dmarc_ar_comment(&o, c, sizeof c);
	assert_string_equal(c, "p=reject sp=quarantine pct=50 dis=none");

	struct dns_db *db2 = fake_dns();
	add_txt(db2, "_dmarc.example.org", "v=DMARC1; p=reject");
	static const struct dmarc_dkim sig[] = {{"example.org", true}};
	struct dmarc_input pass = {.from_domain = "example.org", .dkim = sig, .ndkim = 1};
	o = run(db2, &pass, NULL, q, sizeof q);
	assert_string_equal(o.explain, "DMARC pass for example.org: DKIM aligned");
	dmarc_ar_comment(&o, c, sizeof c);
	assert_string_equal(c, "p=reject dis=none");
	struct dmarc_input fail = {.from_domain = "example.org"};
	o = run(db2, &fail, NULL, q, sizeof q);
	dmarc_ar_comment(&o, c, sizeof c);
	assert_string_equal(c, "p=reject dis=reject");
	struct dmarc_input none = {.from_domain = "example.net"};
	o = run(db2, &none, NULL, q, sizeof q);
	dmarc_ar_comment(&o, c, sizeof c);
	assert_string_equal(c, "");
	assert_string_equal(o.explain, "no DMARC record at _dmarc.example.net");
	dns_db_free(db);
	dns_db_free(db2);
}

static void test_step_repeats_until_answered(void **state)
{
	struct dmarc_input in = {.from_domain = "Mail.Example.ORG"};
	struct dmarc *d = dmarc_new(&in);
	char q1[64], q2[64];
	enum dns_type t;
	assert_int_equal(dmarc_step(d, q1, sizeof q1, &t), AUTH_NEED_DNS);
	assert_int_equal(dmarc_step(d, q2, sizeof q2, &t), AUTH_NEED_DNS);
	assert_string_equal(q1, "_dmarc.mail.example.org");
	assert_string_equal(q2, q1);
	struct dns_answer nx = {.rcode = DNS_R_NXDOMAIN};
	dmarc_answer(d, &nx);
	assert_int_equal(dmarc_step(d, q1, sizeof q1, &t), AUTH_NEED_DNS);
	assert_string_equal(q1, "_dmarc.example.org");
	dmarc_answer(d, &nx);
	assert_int_equal(dmarc_step(d, q1, sizeof q1, &t), AUTH_DONE);
	assert_int_equal(dmarc_result(d)->result, DMARC_NONE);
	dmarc_answer(d, &nx); /* ignored once done */
	assert_int_equal(dmarc_result(d)->result, DMARC_NONE);
	dmarc_free(d);
}

/* ---- the From domain ---------------------------------------------------- */

static void test_from_domain_table(void **state)
{
	static const struct {
		const char *headers;
		enum dmarc_from want;
		const char *domain;
	} cases[] = {
		{"From: alice@example.org\r\n", DMARC_FROM_OK, "example.org"},
		{"From: Alice <alice@Example.ORG>\r\n", DMARC_FROM_OK, "example.org"},
		{"From: \"Doe, John\" <john@example.org>\r\n", DMARC_FROM_OK, "example.org"},
		{"From: john@example.org (John, Doe)\r\n", DMARC_FROM_OK, "example.org"},
		{"From: \"x@evil.example\" <ok@example.org>\r\n", DMARC_FROM_OK, "example.org"},
		{"From: Alice\r\n <alice@example.org>\r\n", DMARC_FROM_OK, "example.org"},
		{"FROM: a@example.org\r\n", DMARC_FROM_OK, "example.org"},
		{"From: a@example.org, B <b@EXAMPLE.org>\r\n", DMARC_FROM_OK, "example.org"},
		{"From: Team: a@example.org, b@example.org;\r\n", DMARC_FROM_OK, "example.org"},
		{"From: a@example.org, b@example.net\r\n", DMARC_FROM_MULTIPLE, ""},
		{"From: a@example.org\r\nFrom: b@example.net\r\n", DMARC_FROM_MULTIPLE, ""},
		{"To: bob@example.net\r\n", DMARC_FROM_MISSING, ""},
		{"From: undisclosed-recipients:;\r\n", DMARC_FROM_MISSING, ""},
		{"From: alice\r\n", DMARC_FROM_MISSING, ""},
		{"From: <alice@[192.0.2.1]>\r\n", DMARC_FROM_MISSING, ""},
		{"Sender: s@example.net\r\nFrom: a@example.org\r\n", DMARC_FROM_OK, "example.org"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *msg = xasprintf("%sSubject: hi\r\n\r\nFrom: body@evil.example\r\n", cases[i].headers);
		char out[DNS_NAME_MAX + 1];
		enum dmarc_from got = dmarc_from_domain(msg, strlen(msg), out, sizeof out);
		if (got != cases[i].want || strcmp(out, cases[i].domain) != 0)
			fail_msg("from(%s): got %d \"%s\", want %d \"%s\"", cases[i].headers, got, out,
				 cases[i].want, cases[i].domain);
		free(msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_org_domain_table),
		cmocka_unit_test(test_org_domain_bad),
		cmocka_unit_test(test_record_parse_table),
		cmocka_unit_test(test_record_defaults_and_strings),
		cmocka_unit_test(test_alignment_matrix),
		cmocka_unit_test(test_eval_spf_and_dkim_alignment),
		cmocka_unit_test(test_eval_pct_sampling),
		cmocka_unit_test(test_eval_org_fallback_and_sp),
		cmocka_unit_test(test_eval_no_record_and_errors),
		cmocka_unit_test(test_eval_explain_and_comment),
		cmocka_unit_test(test_step_repeats_until_answered),
		cmocka_unit_test(test_from_domain_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
