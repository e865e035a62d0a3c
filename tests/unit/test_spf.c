/* test_spf.c — the RFC 7208 evaluator against an in-test fake DNS.
 *
 * Each scenario is a small zone (one root zone holding every record, so an
 * absent name is NXDOMAIN and a name with other types is NODATA), an SMTP
 * client address and a sender; the machine is driven to the end and its
 * result, deciding term, lookup count, reason and queries are checked. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "spf.h"
#include "util.h"

#define MAX_RECS 24

/* ---- fake DNS ----------------------------------------------------------------- */

struct fake_dns {
	struct dns_db *db;
	const char *timeouts[4]; /* names whose every query times out */
	size_t ntimeouts;
	struct strbuf log;       /* "TYPE name\n" per query */
	int nqueries;
};

/* Lines: "owner TYPE rdata", "!timeout name", "!servfail zone". */
static void fake_init(struct fake_dns *f, const char *const *lines)
{
	char err[128];
	memset(f, 0, sizeof *f);
	sb_init(&f->log);
	f->db = dns_db_new();
	assert_true(dns_db_add_zone(f->db, "", 300));
	for (size_t i = 0; i < MAX_RECS && lines[i]; i++) {
		const char *l = lines[i];
		char owner[256], type[16];
		int off = 0;
		if (ascii_startswith_ci(l, "!timeout ")) {
			f->timeouts[f->ntimeouts++] = l + 9;
			continue;
		}
		if (ascii_startswith_ci(l, "!servfail ")) {
			assert_true(dns_db_add_zone(f->db, l + 10, 300));
			assert_true(dns_db_set_zone_failure(f->db, l + 10, DNS_R_SERVFAIL));
			continue;
		}
		assert_int_equal(sscanf(l, "%255s %15s %n", owner, type, &off), 2);
		enum dns_type t;
		struct dns_rr rr;
		assert_true(dns_type_parse(type, &t));
		if (!dns_rr_init(&rr, owner, t, 300, l + off, err, sizeof err))
			fail_msg("bad test record \"%s\": %s", l, err);
		assert_true(dns_db_add(f->db, &rr));
		dns_rr_clear(&rr);
	}
}

static void fake_free(struct fake_dns *f)
{
	dns_db_free(f->db);
	sb_free(&f->log);
}

static bool fake_times_out(const struct fake_dns *f, const char *q)
{
	for (size_t i = 0; i < f->ntimeouts; i++) {
		if (strcmp(f->timeouts[i], q) == 0)
			return true;
	}
	return false;
}

static enum spf_result fake_run(struct fake_dns *f, struct spf *s)
{
	char q[DNS_NAME_MAX + 1];
	enum dns_type t;
	while (spf_step(s, q, sizeof q, &t) == AUTH_NEED_DNS) {
		struct dns_answer a;
		assert_true(++f->nqueries < 200);
		sb_printf(&f->log, "%s %s\n", dns_type_name(t), q);
		if (fake_times_out(f, q)) {
			spf_answer(s, NULL);
			continue;
		}
		memset(&a, 0, sizeof a);
		dns_db_lookup(f->db, q, t, &a);
		spf_answer(s, &a);
		dns_answer_clear(&a);
	}
	return spf_result(s);
}

/* ---- scenario table ------------------------------------------------------------ */

struct scenario {
	const char *name;
	const char *recs[MAX_RECS];
	const char *ip, *sender; /* NULL sender = alice@example.org; ip NULL = 192.0.2.10 */
	enum spf_result want;
	const char *want_mech;
	int want_lookups;        /* -1: not checked */
	const char *want_reason; /* substring of spf_explanation(); NULL: not checked */
};

#define HELO "mail.example.org"

static const struct scenario scenarios[] = {
	/* the qualifiers and the basic results */
	{ "pass via ip4", { "example.org TXT v=spf1 ip4:192.0.2.0/24 -all" },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.0/24", 0, "matched ip4:192.0.2.0/24 at example.org" },
	{ "fail via -all", { "example.org TXT v=spf1 ip4:198.51.100.0/24 -all" },
	  NULL, NULL, SPF_FAIL, "-all", 0, NULL },
	{ "softfail ~all", { "example.org TXT v=spf1 ip4:198.51.100.1 ~all" },
	  NULL, NULL, SPF_SOFTFAIL, "~all", 0, NULL },
	{ "neutral ?all", { "example.org TXT v=spf1 ?all" }, NULL, NULL, SPF_NEUTRAL, "?all", 0, NULL },
	{ "explicit +all", { "example.org TXT v=spf1 +all" }, NULL, NULL, SPF_PASS, "+all", 0, NULL },
	{ "no match: default neutral", { "example.org TXT v=spf1 ip4:198.51.100.1" },
	  NULL, NULL, SPF_NEUTRAL, "", 0, "default neutral" },
	{ "none: TXT but no SPF record", { "example.org TXT google-site-verification=abc" },
	  NULL, NULL, SPF_NONE, "", 0, "no SPF record at example.org" },
	{ "none: NXDOMAIN", { "example.org TXT v=spf1 -all" },
	  NULL, "bob@nowhere.example", SPF_NONE, "", 0, "nowhere.example does not exist" },
	{ "none: v=spf10 is not SPF", { "example.org TXT v=spf10 +all" },
	  NULL, NULL, SPF_NONE, "", 0, NULL },
	{ "none: single-label domain", { "localhost TXT v=spf1 +all" },
	  NULL, "root@localhost", SPF_NONE, "", 0, "malformed domain" },
	{ "version tag is case-insensitive", { "example.org TXT V=SPF1 IP4:192.0.2.10 -ALL" },
	  NULL, NULL, SPF_PASS, "IP4:192.0.2.10", 0, NULL },
	{ "split TXT strings joined without spaces",
	  { "example.org TXT \"v=spf1 ip4:192.0.2.0\" \"/24 -all\"" },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.0/24", 0, NULL },
	{ "runs of spaces between terms", { "example.org TXT v=spf1   ip4:192.0.2.10    -all   " },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.10", 0, NULL },
	{ "unknown modifier ignored", { "example.org TXT v=spf1 foo=bar ip4:192.0.2.10 -all moo=" },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.10", 0, NULL },
	{ "other TXT records beside the SPF one",
	  { "example.org TXT hello", "example.org TXT v=spf1 -all", "example.org TXT v=spf1x" },
	  NULL, NULL, SPF_FAIL, "-all", 0, NULL },

	/* permerror */
	{ "permerror: two SPF records", { "example.org TXT v=spf1 -all", "example.org TXT v=spf1 +all" },
	  NULL, NULL, SPF_PERMERROR, "", 0, "2 SPF records at example.org" },
	{ "permerror: bad ip4", { "example.org TXT v=spf1 ip4:192.0.2.n -all" },
	  NULL, NULL, SPF_PERMERROR, "", 0, "bad term \"ip4:192.0.2.n\"" },
	{ "permerror: unknown mechanism after a match",
	  { "example.org TXT v=spf1 ip4:192.0.2.10 moo -all" },
	  NULL, NULL, SPF_PERMERROR, "", 0, "bad term \"moo\"" },
	{ "permerror: 11 lookups via nested includes",
	  { "example.org TXT v=spf1 include:l1.example.org -all",
	    "l1.example.org TXT v=spf1 include:l2.example.org -all",
	    "l2.example.org TXT v=spf1 include:l3.example.org -all",
	    "l3.example.org TXT v=spf1 include:l4.example.org -all",
	    "l4.example.org TXT v=spf1 include:l5.example.org -all",
	    "l5.example.org TXT v=spf1 include:l6.example.org -all",
	    "l6.example.org TXT v=spf1 include:l7.example.org -all",
	    "l7.example.org TXT v=spf1 include:l8.example.org -all",
	    "l8.example.org TXT v=spf1 include:l9.example.org -all",
	    "l9.example.org TXT v=spf1 include:l10.example.org -all",
	    "l10.example.org TXT v=spf1 include:l11.example.org -all",
	    "l11.example.org TXT v=spf1 +all" },
	  NULL, NULL, SPF_PERMERROR, "include:l1.example.org", 11, "too many DNS lookups (11 > 10)" },
	{ "10 lookups are still fine",
	  { "example.org TXT v=spf1 include:l1.example.org -all",
	    "l1.example.org TXT v=spf1 include:l2.example.org -all",
	    "l2.example.org TXT v=spf1 include:l3.example.org -all",
	    "l3.example.org TXT v=spf1 include:l4.example.org -all",
	    "l4.example.org TXT v=spf1 include:l5.example.org -all",
	    "l5.example.org TXT v=spf1 include:l6.example.org -all",
	    "l6.example.org TXT v=spf1 include:l7.example.org -all",
	    "l7.example.org TXT v=spf1 include:l8.example.org -all",
	    "l8.example.org TXT v=spf1 include:l9.example.org -all",
	    "l9.example.org TXT v=spf1 include:l10.example.org -all",
	    "l10.example.org TXT v=spf1 +all" },
	  NULL, NULL, SPF_PASS, "include:l1.example.org", 10, "(via +all at l10.example.org)" },
	{ "permerror: 11 sibling a: terms",
	  { "example.org TXT v=spf1 a:h.example.org a:h.example.org a:h.example.org a:h.example.org "
	    "a:h.example.org a:h.example.org a:h.example.org a:h.example.org a:h.example.org "
	    "a:h.example.org a:h.example.org -all",
	    "h.example.org A 198.51.100.1" },
	  NULL, NULL, SPF_PERMERROR, "a:h.example.org", 11, "too many DNS lookups (11 > 10)" },
	{ "a redirect= never reached is not counted",
	  { "example.org TXT v=spf1 a:h.example.org a:h.example.org a:h.example.org a:h.example.org "
	    "a:h.example.org a:h.example.org a:h.example.org a:h.example.org a:h.example.org "
	    "a:m.example.org redirect=_spf.example.net",
	    "h.example.org A 198.51.100.1", "m.example.org A 192.0.2.10", "_spf.example.net TXT v=spf1 -all" },
	  NULL, NULL, SPF_PASS, "a:m.example.org", 10, NULL },
	{ "mx stops at the first matching address",
	  { "example.org TXT v=spf1 a:v1.example.org a:v2.example.org mx -all",
	    "example.org MX 10 mx1.example.org", "example.org MX 20 mx2.example.org",
	    "mx1.example.org A 192.0.2.10" },
	  NULL, NULL, SPF_PASS, "mx", 3, NULL },
	{ "mx: a third void among the MX names",
	  { "example.org TXT v=spf1 a:v1.example.org a:v2.example.org mx -all",
	    "example.org MX 10 mx1.example.org", "example.org MX 20 mx2.example.org",
	    "mx2.example.org A 192.0.2.10" },
	  NULL, NULL, SPF_PERMERROR, "mx", 3, "too many void lookups (3 > 2)" },
	{ "include of the own domain loops into the lookup limit",
	  { "example.org TXT v=spf1 ip4:198.51.100.1 include:example.org -all" },
	  NULL, NULL, SPF_PERMERROR, "include:example.org", 11, "too many DNS lookups (11 > 10)" },
	{ "an unreached include of the own domain is harmless",
	  { "example.org TXT v=spf1 ip4:192.0.2.10 include:example.org -all" },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.10", 0, NULL },
	{ "repeated unknown modifiers are ignored", { "example.org TXT v=spf1 foo=1 foo=2 ip4:192.0.2.10 -all" },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.10", 0, NULL },
	{ "permerror: redirect to a domain without a record",
	  { "example.org TXT v=spf1 redirect=_spf.nowhere.example" },
	  NULL, NULL, SPF_PERMERROR, "redirect=_spf.nowhere.example", 1,
	  "redirect=_spf.nowhere.example: no SPF record at _spf.nowhere.example" },
	{ "permerror: 3 void lookups",
	  { "example.org TXT v=spf1 a:v1.example.org a:v2.example.org a:v3.example.org -all" },
	  NULL, NULL, SPF_PERMERROR, "a:v3.example.org", 3, "too many void lookups (3 > 2)" },
	{ "2 void lookups are still fine",
	  { "example.org TXT v=spf1 a:v1.example.org a:v2.example.org -all" },
	  NULL, NULL, SPF_FAIL, "-all", 2, NULL },
	{ "permerror: duplicate redirect",
	  { "example.org TXT v=spf1 redirect=a.example.org redirect=b.example.org" },
	  NULL, NULL, SPF_PERMERROR, "", 0, "bad term \"redirect=b.example.org\"" },
	{ "permerror: more than 10 MX names",
	  { "example.org TXT v=spf1 mx -all", "example.org MX 1 m1.example.org",
	    "example.org MX 2 m2.example.org", "example.org MX 3 m3.example.org",
	    "example.org MX 4 m4.example.org", "example.org MX 5 m5.example.org",
	    "example.org MX 6 m6.example.org", "example.org MX 7 m7.example.org",
	    "example.org MX 8 m8.example.org", "example.org MX 9 m9.example.org",
	    "example.org MX 10 m10.example.org", "example.org MX 11 m11.example.org" },
	  NULL, NULL, SPF_PERMERROR, "mx", 1, "too many MX records (11 > 10)" },

	/* temperror */
	{ "temperror: include times out",
	  { "example.org TXT v=spf1 include:slow.example.net -all", "!timeout slow.example.net" },
	  NULL, NULL, SPF_TEMPERROR, "include:slow.example.net", 1,
	  "DNS timeout looking up TXT slow.example.net" },
	{ "temperror: SERVFAIL on a:",
	  { "example.org TXT v=spf1 a:host.broken.example -all", "!servfail broken.example" },
	  NULL, NULL, SPF_TEMPERROR, "a:host.broken.example", 1,
	  "DNS SERVFAIL looking up A host.broken.example" },
	{ "temperror: the top-level TXT lookup times out",
	  { "!timeout example.org" }, NULL, NULL, SPF_TEMPERROR, "", 0, NULL },
	{ "temperror: MX target address lookup times out",
	  { "example.org TXT v=spf1 mx -all", "example.org MX 10 mx1.example.org", "!timeout mx1.example.org" },
	  NULL, NULL, SPF_TEMPERROR, "mx", 1, "DNS timeout looking up A mx1.example.org" },

	/* include result mapping [§5.2] */
	{ "include pass matches",
	  { "example.org TXT v=spf1 include:_spf.example.net -all",
	    "_spf.example.net TXT v=spf1 ip4:192.0.2.0/24 -all" },
	  NULL, NULL, SPF_PASS, "include:_spf.example.net", 1,
	  "matched include:_spf.example.net at example.org (via ip4:192.0.2.0/24 at _spf.example.net)" },
	{ "include fail does not match",
	  { "example.org TXT v=spf1 include:_spf.example.net ?all", "_spf.example.net TXT v=spf1 -all" },
	  NULL, NULL, SPF_NEUTRAL, "?all", 1, NULL },
	{ "include softfail does not match",
	  { "example.org TXT v=spf1 include:_spf.example.net ip4:192.0.2.10 -all",
	    "_spf.example.net TXT v=spf1 ~all" },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.10", 1, NULL },
	{ "include neutral does not match",
	  { "example.org TXT v=spf1 include:_spf.example.net -all", "_spf.example.net TXT v=spf1 ?all" },
	  NULL, NULL, SPF_FAIL, "-all", 1, NULL },
	{ "-include pass gives fail",
	  { "example.org TXT v=spf1 -include:bad.example.net +all",
	    "bad.example.net TXT v=spf1 ip4:192.0.2.10 -all" },
	  NULL, NULL, SPF_FAIL, "-include:bad.example.net", 1, NULL },
	{ "include none is permerror",
	  { "example.org TXT v=spf1 include:_spf.example.net -all" },
	  NULL, NULL, SPF_PERMERROR, "include:_spf.example.net", 1,
	  "include:_spf.example.net: no SPF record at _spf.example.net" },
	{ "include permerror is permerror",
	  { "example.org TXT v=spf1 include:_spf.example.net +all",
	    "_spf.example.net TXT v=spf1 ip4:192.0.2.300 -all" },
	  NULL, NULL, SPF_PERMERROR, "include:_spf.example.net", 1, "at _spf.example.net" },

	/* a, mx, ip6 with CIDR lengths */
	{ "a/24 pass", { "example.org TXT v=spf1 a/24 -all", "example.org A 192.0.2.1" },
	  NULL, NULL, SPF_PASS, "a/24", 1, NULL },
	{ "a without cidr needs the exact address",
	  { "example.org TXT v=spf1 a -all", "example.org A 192.0.2.1" },
	  NULL, NULL, SPF_FAIL, "-all", 1, NULL },
	{ "a:host//48 for an IPv6 client",
	  { "example.org TXT v=spf1 a:mail.example.org/24//48 -all", "mail.example.org AAAA 2001:db8:1:2::1" },
	  "2001:db8:1:ffff::99", NULL, SPF_PASS, "a:mail.example.org/24//48", 1, NULL },
	{ "a//64 misses outside the /64",
	  { "example.org TXT v=spf1 a//64 -all", "example.org AAAA 2001:db8:1:2::1" },
	  "2001:db8:1:3::1", NULL, SPF_FAIL, "-all", 1, NULL },
	{ "mx pass", { "example.org TXT v=spf1 mx -all", "example.org MX 20 mx2.example.org",
		       "example.org MX 10 mx1.example.org", "mx1.example.org A 192.0.2.9",
		       "mx2.example.org A 192.0.2.10" },
	  NULL, NULL, SPF_PASS, "mx", 1, NULL },
	{ "mx:domain/24//64 for IPv4",
	  { "example.org TXT v=spf1 mx:example.net/24//64 -all", "example.net MX 10 mx.example.net",
	    "mx.example.net A 192.0.2.1" },
	  "192.0.2.77", NULL, SPF_PASS, "mx:example.net/24//64", 1, NULL },
	{ "mx:domain/24//64 for IPv6",
	  { "example.org TXT v=spf1 mx:example.net/24//64 -all", "example.net MX 10 mx.example.net",
	    "mx.example.net AAAA 2001:db8:5::1" },
	  "2001:db8:5::1234", NULL, SPF_PASS, "mx:example.net/24//64", 1, NULL },
	{ "null MX names no host",
	  { "example.org TXT v=spf1 mx -all", "example.org MX 0 ." },
	  NULL, NULL, SPF_FAIL, "-all", 1, NULL },
	{ "ip6 pass", { "example.org TXT v=spf1 ip6:2001:db8::/32 -all" },
	  "2001:db8::1", NULL, SPF_PASS, "ip6:2001:db8::/32", 0, NULL },
	{ "ip6 prefix miss", { "example.org TXT v=spf1 ip6:2001:db8::/48 -all" },
	  "2001:db8:1::1", NULL, SPF_FAIL, "-all", 0, NULL },
	{ "ip4/25 excludes the upper half", { "example.org TXT v=spf1 ip4:192.0.2.0/25 -all" },
	  "192.0.2.200", NULL, SPF_FAIL, "-all", 0, NULL },
	{ "ip4/25 includes the lower half", { "example.org TXT v=spf1 ip4:192.0.2.0/25 -all" },
	  "192.0.2.127", NULL, SPF_PASS, "ip4:192.0.2.0/25", 0, NULL },
	{ "ip4/0 matches every IPv4 client", { "example.org TXT v=spf1 ip4:0.0.0.0/0 -all" },
	  "203.0.113.7", NULL, SPF_PASS, "ip4:0.0.0.0/0", 0, NULL },
	{ "ip6/33 splits a 16-bit group", { "example.org TXT v=spf1 ip6:2001:db8::/33 -all" },
	  "2001:db8:8000::1", NULL, SPF_FAIL, "-all", 0, NULL },
	{ "ip6/33 inside", { "example.org TXT v=spf1 ip6:2001:db8::/33 -all" },
	  "2001:db8:7fff::1", NULL, SPF_PASS, "ip6:2001:db8::/33", 0, NULL },
	{ "a/28 outside the /28", { "example.org TXT v=spf1 a/28 -all", "example.org A 192.0.2.1" },
	  "192.0.2.16", NULL, SPF_FAIL, "-all", 1, NULL },
	{ "a/28 inside the /28", { "example.org TXT v=spf1 a/28 -all", "example.org A 192.0.2.1" },
	  "192.0.2.15", NULL, SPF_PASS, "a/28", 1, NULL },
	{ "ip4 never matches an IPv6 client", { "example.org TXT v=spf1 ip4:0.0.0.0/0 -all" },
	  "2001:db8::1", NULL, SPF_FAIL, "-all", 0, NULL },
	{ "IPv4-mapped IPv6 client is IPv4", { "example.org TXT v=spf1 ip4:192.0.2.10 -all" },
	  "::ffff:192.0.2.10", NULL, SPF_PASS, "ip4:192.0.2.10", 0, NULL },

	/* exists with macros */
	{ "exists:%{i}._spf.%{d}",
	  { "example.org TXT v=spf1 exists:%{i}._spf.%{d} -all", "192.0.2.10._spf.example.org A 127.0.0.2" },
	  NULL, NULL, SPF_PASS, "exists:%{i}._spf.%{d}", 1, NULL },
	{ "exists:%{ir}.%{v}._spf.%{d2}",
	  { "example.org TXT v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all",
	    "10.2.0.192.in-addr._spf.example.org A 127.0.0.2" },
	  NULL, NULL, SPF_PASS, "exists:%{ir}.%{v}._spf.%{d2}", 1, NULL },
	{ "exists:%{l}... misses for another user",
	  { "example.org TXT v=spf1 exists:%{l}.users.%{d} -all", "bob.users.example.org A 127.0.0.2" },
	  NULL, NULL, SPF_FAIL, "-all", 1, NULL },
	{ "exists with %{p}",
	  { "example.org TXT v=spf1 exists:%{p}.allow.%{d} -all",
	    "10.2.0.192.in-addr.arpa PTR mail.example.org.", "mail.example.org A 192.0.2.10",
	    "mail.example.org.allow.example.org A 127.0.0.2" },
	  NULL, NULL, SPF_PASS, "exists:%{p}.allow.%{d}", 1, NULL },

	/* ptr [§5.5] */
	{ "ptr pass with a validated name",
	  { "example.org TXT v=spf1 ptr -all", "10.2.0.192.in-addr.arpa PTR mail.example.org.",
	    "mail.example.org A 192.0.2.10" },
	  NULL, NULL, SPF_PASS, "ptr", 1, NULL },
	{ "ptr: name does not validate",
	  { "example.org TXT v=spf1 ptr -all", "10.2.0.192.in-addr.arpa PTR mail.example.org.",
	    "mail.example.org A 192.0.2.99" },
	  NULL, NULL, SPF_FAIL, "-all", 1, NULL },
	{ "ptr: SERVFAIL on the PTR lookup just fails to match",
	  { "example.org TXT v=spf1 ptr -all", "!servfail 2.0.192.in-addr.arpa" },
	  NULL, NULL, SPF_FAIL, "-all", 1, NULL },
	{ "ptr: only names under the target are validated",
	  { "example.org TXT v=spf1 a:v1.example.org a:v2.example.org ptr -all",
	    "10.2.0.192.in-addr.arpa PTR other.example.net.", "10.2.0.192.in-addr.arpa PTR mail.example.org.",
	    "mail.example.org A 192.0.2.10" },
	  NULL, NULL, SPF_PASS, "ptr", 3, NULL },
	{ "ptr:domain", { "example.org TXT v=spf1 ptr:example.net -all",
			  "10.2.0.192.in-addr.arpa PTR a.example.org.",
			  "10.2.0.192.in-addr.arpa PTR b.example.net.", "b.example.net A 192.0.2.10" },
	  NULL, NULL, SPF_PASS, "ptr:example.net", 1, NULL },

	/* redirect= and the identities */
	{ "redirect", { "example.org TXT v=spf1 redirect=_spf.example.net",
			"_spf.example.net TXT v=spf1 ip4:192.0.2.0/24 -all" },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.0/24", 1, "reached by redirect=_spf.example.net" },
	{ "redirect ignored after all", { "example.org TXT v=spf1 -all redirect=_spf.example.net",
					  "_spf.example.net TXT v=spf1 +all" },
	  NULL, NULL, SPF_FAIL, "-all", 0, NULL },
	{ "redirect inside an include",
	  { "example.org TXT v=spf1 include:a.example.net -all",
	    "a.example.net TXT v=spf1 redirect=b.example.net", "b.example.net TXT v=spf1 ip4:192.0.2.10 -all" },
	  NULL, NULL, SPF_PASS, "include:a.example.net", 2, NULL },
	{ "null sender uses postmaster@HELO",
	  { "mail.example.org TXT v=spf1 a -all", "mail.example.org A 192.0.2.10",
	    "example.org TXT v=spf1 -all" },
	  NULL, "", SPF_PASS, "a", 1, NULL },
	{ "sender without local part", { "example.org TXT v=spf1 exists:%{l}.%{d} -all",
					 "postmaster.example.org A 127.0.0.2" },
	  NULL, "@example.org", SPF_PASS, "exists:%{l}.%{d}", 1, NULL },

	/* syntax details (§12 ABNF) */
	{ "ip4 cidr over 32", { "example.org TXT v=spf1 ip4:1.2.3.4/33 -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "ip6 cidr over 128", { "example.org TXT v=spf1 ip6:2001:db8::/129 -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "ip4 leading zero", { "example.org TXT v=spf1 ip4:1.2.03.4 -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "ip4 dual cidr", { "example.org TXT v=spf1 ip4:1.2.3.4//64 -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "domain with port", { "example.org TXT v=spf1 a:example.com:8080 -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "single-label domain-spec", { "example.org TXT v=spf1 a:localhost -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "numeric top label", { "example.org TXT v=spf1 a:1.2.3.4 -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "all with an argument", { "example.org TXT v=spf1 -all:3030" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "bad qualifier", { "example.org TXT v=spf1 =a -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "include without domain", { "example.org TXT v=spf1 include -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "exists without domain", { "example.org TXT v=spf1 exists -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "ptr with cidr", { "example.org TXT v=spf1 ptr/24 -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "a cidr6 over 128", { "example.org TXT v=spf1 a//129 -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "empty exp=", { "example.org TXT v=spf1 exp= -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "unknown macro letter", { "example.org TXT v=spf1 exists:%{x}.example.com -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "%{c} outside exp", { "example.org TXT v=spf1 exists:%{c}.example.com -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "zero digit transformer", { "example.org TXT v=spf1 exists:%{d0}.example.com -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "unterminated macro", { "example.org TXT v=spf1 exists:%{ir.%{v}._spf.%{d2} -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "r after a delimiter", { "example.org TXT v=spf1 exists:%{l1-r}.e.example.org -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "lone percent", { "example.org TXT v=spf1 exists:100%.example.com -all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "tab inside the record", { "example.org TXT v=spf1 ip4:192.0.2.10\t-all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "bad value of an unknown modifier", { "example.org TXT v=spf1 foo=%{z} +all" }, NULL, NULL, SPF_PERMERROR, "", 0, NULL },
	{ "a/24//64 is valid", { "example.org TXT v=spf1 a/24//64 -all", "example.org A 192.0.2.200" },
	  NULL, NULL, SPF_PASS, "a/24//64", 1, NULL },
	{ "modifier names may have dots", { "example.org TXT v=spf1 ip4:192.0.2.0/24 -all match.sub-domains_9=yes" },
	  NULL, NULL, SPF_PASS, "ip4:192.0.2.0/24", 0, NULL },
	{ "domain-spec with trailing dot", { "example.org TXT v=spf1 a:mail.example.org. -all",
					     "mail.example.org A 192.0.2.10" },
	  NULL, NULL, SPF_PASS, "a:mail.example.org.", 1, NULL },
};

static void test_scenarios(void **state)
{
	int failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(scenarios); i++) {
		const struct scenario *c = &scenarios[i];
		struct fake_dns f;
		fake_init(&f, c->recs);
		struct spf *s = spf_new(c->ip ? c->ip : "192.0.2.10",
					c->sender ? c->sender : "alice@example.org", HELO);
		enum spf_result r = fake_run(&f, s);
		const char *why = spf_explanation(s);
		bool bad = r != c->want || strcmp(spf_mechanism(s), c->want_mech) != 0 ||
			   (c->want_lookups >= 0 && spf_lookups(s) != c->want_lookups) ||
			   (c->want_reason && !strstr(why, c->want_reason));
		if (bad) {
			print_error("scenario \"%s\": got %s \"%s\" lookups=%d (%s), want %s \"%s\" "
				    "lookups=%d (%s)\nqueries:\n%s",
				    c->name, spf_result_name(r), spf_mechanism(s), spf_lookups(s), why,
				    spf_result_name(c->want), c->want_mech, c->want_lookups,
				    c->want_reason ? c->want_reason : "-", f.log.data);
			failures++;
		}
		spf_free(s);
		fake_free(&f);
	}
	assert_int_equal(failures, 0);
}

/* ---- driving details ------------------------------------------------------------ */

static void run_log(const char *const *recs, const char *ip, const char *sender,
		    enum spf_result want, const char *want_log)
{
	struct fake_dns f;
	fake_init(&f, recs);
	struct spf *s = spf_new(ip, sender, HELO);
	enum spf_result r = fake_run(&f, s);
	if (r != want || strcmp(f.log.data ? f.log.data : "", want_log) != 0)
		fail_msg("got %s with queries\n%s\nwant %s with\n%s", spf_result_name(r),
			 f.log.data ? f.log.data : "", spf_result_name(want), want_log);
	spf_free(s);
	fake_free(&f);
}

/* The exact query sequence: MX targets in preference order, the address
 * family of the client, stop at the first match. */
static void test_query_sequence(void **state)
{
	const char *recs[MAX_RECS] = { "example.org TXT v=spf1 mx a:web.example.org -all",
				       "example.org MX 20 mx2.example.org", "example.org MX 10 mx1.example.org",
				       "mx1.example.org AAAA 2001:db8::1", "mx2.example.org AAAA 2001:db8::2",
				       "web.example.org AAAA 2001:db8::80" };
	run_log(recs, "2001:db8::2", "alice@example.org", SPF_PASS,
		"TXT example.org\nMX example.org\nAAAA mx1.example.org\nAAAA mx2.example.org\n");
	run_log(recs, "2001:db8::80", "alice@example.org", SPF_PASS,
		"TXT example.org\nMX example.org\nAAAA mx1.example.org\nAAAA mx2.example.org\n"
		"AAAA web.example.org\n");
}

/* ptr only validates names under the target; %{p} is computed once. */
static void test_ptr_queries(void **state)
{
	const char *recs[MAX_RECS] = { "example.org TXT v=spf1 ptr exists:%{p}.a.%{d} exists:%{p}.b.%{d} -all",
				       "10.2.0.192.in-addr.arpa PTR host.example.net.",
				       "10.2.0.192.in-addr.arpa PTR mail.example.org.",
				       "mail.example.org A 192.0.2.99", "host.example.net A 192.0.2.10",
				       "host.example.net.b.example.org A 127.0.0.2" };
	run_log(recs, "192.0.2.10", "alice@example.org", SPF_PASS,
		"TXT example.org\n"
		"PTR 10.2.0.192.in-addr.arpa\nA mail.example.org\n"         /* ptr: only mail.example.org */
		"PTR 10.2.0.192.in-addr.arpa\nA host.example.net\nA mail.example.org\n" /* %{p} */
		"A host.example.net.a.example.org\nA host.example.net.b.example.org\n");
}

/* A step without an answer repeats the query; a stray answer is ignored. */
static void test_step_protocol(void **state)
{
	char q[DNS_NAME_MAX + 1], small[4];
	enum dns_type t = DNS_T_A;
	struct dns_answer a;
	struct spf *s = spf_new("192.0.2.10", "alice@Example.ORG.", HELO);
	assert_string_equal(spf_domain(s), "example.org");
	assert_int_equal(spf_step(s, q, sizeof q, &t), AUTH_NEED_DNS);
	assert_string_equal(q, "example.org");
	assert_int_equal(t, DNS_T_TXT);
	assert_int_equal(spf_step(s, q, sizeof q, &t), AUTH_NEED_DNS);
	assert_string_equal(q, "example.org");
	memset(&a, 0, sizeof a);
	a.rcode = DNS_R_SERVFAIL;
	spf_answer(s, &a);
	assert_int_equal(spf_step(s, q, sizeof q, &t), AUTH_DONE);
	assert_int_equal(spf_result(s), SPF_TEMPERROR);
	assert_string_equal(spf_explanation(s), "DNS SERVFAIL looking up TXT example.org");
	spf_answer(s, &a); /* nothing pending: ignored */
	assert_int_equal(spf_step(s, q, sizeof q, &t), AUTH_DONE);
	spf_free(s);

	s = spf_new("192.0.2.10", "alice@example.org", HELO);
	assert_int_equal(spf_step(s, small, sizeof small, &t), AUTH_DONE);
	assert_int_equal(spf_result(s), SPF_TEMPERROR);
	spf_free(s);

	s = spf_new("not-an-ip", "alice@example.org", HELO);
	assert_int_equal(spf_step(s, q, sizeof q, &t), AUTH_DONE);
	assert_int_equal(spf_result(s), SPF_PERMERROR);
	spf_free(s);
}

static void test_helo_identity(void **state)
{
	const char *recs[MAX_RECS] = { "mail.example.org TXT v=spf1 ip4:192.0.2.10 -all" };
	struct fake_dns f;
	fake_init(&f, recs);
	struct spf *s = spf_new_helo("192.0.2.10", "Mail.Example.Org");
	assert_int_equal(fake_run(&f, s), SPF_PASS);
	assert_string_equal(spf_domain(s), "mail.example.org");
	assert_string_equal(spf_mechanism(s), "ip4:192.0.2.10");
	spf_free(s);
	fake_free(&f);
}

/* exp= is fetched only for a fail, expanded with exp-only macros; the
 * original record's exp= is dropped on redirect [§6.2]. */
static void test_exp(void **state)
{
	static const struct {
		const char *recs[MAX_RECS];
		const char *ip;
		enum spf_result want;
		const char *want_exp; /* NULL: none */
	} cases[] = {
		{ { "example.org TXT v=spf1 -all exp=explain.%{d}",
		    "explain.example.org TXT %{i} is not one of %{d}'s designated mail servers." },
		  "192.0.2.10", SPF_FAIL, "192.0.2.10 is not one of example.org's designated mail servers." },
		{ { "example.org TXT v=spf1 -all exp=explain.example.org",
		    "explain.example.org TXT See http://%{d}/why.html?s=%{S}&i=%{c}&r=%{r}" },
		  "2001:db8::cb01", SPF_FAIL,
		  "See http://example.org/why.html?s=alice%40example.org&i=2001:db8::cb01&r=unknown" },
		{ { "example.org TXT v=spf1 ?all exp=explain.example.org", "explain.example.org TXT nope" },
		  "192.0.2.10", SPF_NEUTRAL, NULL },
		{ { "example.org TXT v=spf1 -all exp=explain.example.org" }, "192.0.2.10", SPF_FAIL, NULL },
		{ { "example.org TXT v=spf1 -all exp=explain.example.org", "explain.example.org TXT one",
		    "explain.example.org TXT two" }, "192.0.2.10", SPF_FAIL, NULL },
		{ { "example.org TXT v=spf1 -all exp=explain.example.org", "explain.example.org TXT 100%" },
		  "192.0.2.10", SPF_FAIL, NULL },
		{ { "example.org TXT v=spf1 exp=old.example.org redirect=r.example.org",
		    "r.example.org TXT v=spf1 -all", "old.example.org TXT old text" },
		  "192.0.2.10", SPF_FAIL, NULL },
		{ { "example.org TXT v=spf1 redirect=r.example.org", "r.example.org TXT v=spf1 -all exp=e.%{d}",
		    "e.r.example.org TXT %{d} says no%_%%" },
		  "192.0.2.10", SPF_FAIL, "r.example.org says no %" },
		{ { "example.org TXT v=spf1 -all exp=explain.example.org", "!timeout explain.example.org" },
		  "192.0.2.10", SPF_FAIL, NULL },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct fake_dns f;
		fake_init(&f, cases[i].recs);
		struct spf *s = spf_new(cases[i].ip, "alice@example.org", HELO);
		enum spf_result r = fake_run(&f, s);
		const char *got = spf_exp(s);
		if (r != cases[i].want || (got == NULL) != (cases[i].want_exp == NULL) ||
		    (got && strcmp(got, cases[i].want_exp) != 0))
			fail_msg("exp case %zu: got %s \"%s\", want %s \"%s\"", i, spf_result_name(r),
				 got ? got : "(null)", spf_result_name(cases[i].want),
				 cases[i].want_exp ? cases[i].want_exp : "(null)");
		spf_free(s);
		fake_free(&f);
	}
}

/* ---- macros [§7.4] ----------------------------------------------------------------- */

static void test_macro_rfc_examples(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net" },
		{ "%{d2}.trusted-domains.example.net.", "example.com.trusted-domains.example.net" },
		{ "%{h}", "mx.example.org" },
		{ "%{p}", "unknown" },
		{ "%{S}", "strong-bad%40email.example.com" },
		{ "%{L}", "strong-bad" },
		{ "%%%_%-", "% %20" },
		{ "%{d1000}", "email.example.com" },
		{ "%{i.}", "192.0.2.3" },
		{ "%{D2R}", "example.email" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = spf_expand_macros(cases[i].in, "192.0.2.3", "strong-bad@email.example.com",
					      "mx.example.org", "email.example.com", 0);
		if (!got || strcmp(got, cases[i].want) != 0)
			fail_msg("expand \"%s\": got \"%s\", want \"%s\"", cases[i].in, got ? got : "(null)",
				 cases[i].want);
		free(got);
	}
}

static void test_macro_ipv6_and_exp(void **state)
{
	char *got = spf_expand_macros("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01",
				      "strong-bad@email.example.com", "mx.example.org", "email.example.com", 0);
	assert_non_null(got);
	assert_string_equal(got, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
	free(got);
	got = spf_expand_macros("%{c} via %{r} at %{t}.", "2001:db8::cb01", "a@b.example", "h.example",
				"b.example", 1);
	assert_non_null(got);
	assert_string_equal(got, "2001:db8::cb01 via unknown at 0.");
	free(got);
}

static void test_macro_syntax_errors(void **state)
{
	static const char *const bad[] = { "%{x}", "%{d0}", "%", "%a", "%{d", "%{c}", "%{r}", "%{t}",
					   "%{dx}", "%{d2rr}", "%{}", "a b" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *got = spf_expand_macros(bad[i], "192.0.2.3", "a@b.example", "h.example", "b.example", 0);
		if (got)
			fail_msg("expand \"%s\": got \"%s\", want a syntax error", bad[i], got);
	}
}

/* Over 253 octets: labels are dropped from the left [§7.3]. */
static void test_macro_truncation(void **state)
{
	char local[64];
	memset(local, 'x', 63);
	local[63] = '\0';
	char *sender = xasprintf("%s@example.com", local);
	char *got = spf_expand_macros("%{l}.%{l}.%{l}.%{l}.%{l}.example.com", "192.0.2.3", sender, "h.example",
				      "example.com", 0);
	assert_non_null(got);
	/* 5*64 + 11 = 331 octets; dropping two labels leaves 3*64 + 11 = 203 */
	char *want = xasprintf("%s.%s.%s.example.com", local, local, local);
	assert_string_equal(got, want);
	free(want);
	free(got);
	free(sender);
}

static void test_result_names(void **state)
{
	static const char *const want[] = { "none", "neutral", "pass", "fail", "softfail", "temperror",
					    "permerror" };
	for (int r = SPF_NONE; r <= SPF_PERMERROR; r++)
		assert_string_equal(spf_result_name((enum spf_result)r), want[r]);
	assert_string_equal(spf_result_name((enum spf_result)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_query_sequence),
		cmocka_unit_test(test_ptr_queries),
		cmocka_unit_test(test_step_protocol),
		cmocka_unit_test(test_helo_identity),
		cmocka_unit_test(test_exp),
		cmocka_unit_test(test_macro_rfc_examples),
		cmocka_unit_test(test_macro_ipv6_and_exp),
		cmocka_unit_test(test_macro_syntax_errors),
		cmocka_unit_test(test_macro_truncation),
		cmocka_unit_test(test_result_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
