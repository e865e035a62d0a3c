/* test_dns.c — unit tests for the sans-IO DNS model (sim/proto/dns.h): names,
 * record parsing and formatting, zone lookup semantics, wire format
 * (including hostile input), the TTL cache and reverse-name helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "util.h"

#define CHECK_STR(ctx, got, want)                                                    \
	do {                                                                         \
		if (strcmp((got), (want)) != 0)                                      \
			fail_msg("%s: got \"%s\", want \"%s\"", (ctx), (got), (want)); \
	} while (0)

#define CHECK_INT(ctx, got, want)                                                    \
	do {                                                                         \
		long long g_ = (long long)(got), w_ = (long long)(want);             \
		if (g_ != w_)                                                        \
			fail_msg("%s: %s got %lld, want %lld", (ctx), #got, g_, w_); \
	} while (0)

/* "owner. ttl IN TYPE rdata | ..." for a section, for exact comparison. */
static void section_str(const struct dns_rr *v, size_t n, char *out, size_t cap)
{
	struct strbuf sb;
	char line[1024];
	sb_init(&sb);
	for (size_t i = 0; i < n; i++) {
		dns_rr_format(&v[i], line, sizeof line);
		if (i)
			sb_puts(&sb, " | ");
		sb_puts(&sb, line);
	}
	snprintf(out, cap, "%s", sb.data ? sb.data : "");
	sb_free(&sb);
}

/* ---- names and enums ---------------------------------------------------- */

static void test_type_and_rcode_names(void **state)
{
	static const struct {
		const char *text;
		enum dns_type type;
		const char *name;
	} types[] = {
		{ "a", DNS_T_A, "A" },       { "Ns", DNS_T_NS, "NS" },
		{ "cname", DNS_T_CNAME, "CNAME" }, { "SOA", DNS_T_SOA, "SOA" },
		{ "ptr", DNS_T_PTR, "PTR" }, { "mx", DNS_T_MX, "MX" },
		{ "TxT", DNS_T_TXT, "TXT" }, { "aaaa", DNS_T_AAAA, "AAAA" },
	};
	enum dns_type t;
	enum dns_rcode r;
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		assert_true(dns_type_parse(types[i].text, &t));
		CHECK_INT(types[i].text, t, types[i].type);
		CHECK_STR(types[i].text, dns_type_name(types[i].type), types[i].name);
	}
	assert_false(dns_type_parse("SPF", &t));
	assert_false(dns_type_parse("", &t));
	assert_string_equal(dns_type_name((enum dns_type)33), "UNKNOWN");
	assert_string_equal(dns_rcode_name(DNS_R_NOERROR), "NOERROR");
	assert_string_equal(dns_rcode_name(DNS_R_FORMERR), "FORMERR");
	assert_string_equal(dns_rcode_name(DNS_R_SERVFAIL), "SERVFAIL");
	assert_string_equal(dns_rcode_name(DNS_R_NXDOMAIN), "NXDOMAIN");
	assert_string_equal(dns_rcode_name(DNS_R_NOTIMP), "NOTIMP");
	assert_string_equal(dns_rcode_name(DNS_R_REFUSED), "REFUSED");
	assert_string_equal(dns_rcode_name((enum dns_rcode)9), "UNKNOWN");
	assert_true(dns_rcode_parse("servfail", &r));
	assert_int_equal(r, DNS_R_SERVFAIL);
	assert_false(dns_rcode_parse("BADVERS", &r));
}

static void test_name_normalize(void **state)
{
	char l63[64], l64[65], long253[254], long254[255];
	memset(l63, 'a', 63);
	l63[63] = '\0';
	memset(l64, 'b', 64);
	l64[64] = '\0';
	/* 63+1+63+1+63+1+61 = 253 characters */
	snprintf(long253, sizeof long253, "%s.%s.%s.%.61s", l63, l63, l63, l63);
	snprintf(long254, sizeof long254, "%s.%s.%s.%.62s", l63, l63, l63, l63);
	const struct {
		const char *in;
		bool ok;
		const char *want;
	} rows[] = {
		{ "Example.COM.", true, "example.com" },
		{ "example.com", true, "example.com" },
		{ ".", true, "" },
		{ "", true, "" },
		{ "_dmarc.Example.com", true, "_dmarc.example.com" },
		{ "sel._domainkey.example.com", true, "sel._domainkey.example.com" },
		{ "*.example.com", true, "*.example.com" },
		{ "10.2.0.192.in-addr.arpa.", true, "10.2.0.192.in-addr.arpa" },
		{ "mx-1.example.net", true, "mx-1.example.net" },
		{ l63, true, l63 },
		{ long253, true, long253 },
		{ "a..b", false, NULL },
		{ ".example.com", false, NULL },
		{ "example.com..", false, NULL },
		{ "a*.example.com", false, NULL },
		{ "exa mple.com", false, NULL },
		{ "exa/mple.com", false, NULL },
		{ "müller.example", false, NULL },
		{ l64, false, NULL },
		{ long254, false, NULL },
	};
	char out[256];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		bool ok = dns_name_normalize(rows[i].in, out, sizeof out);
		if (ok != rows[i].ok)
			fail_msg("normalize(\"%s\"): got %d, want %d", rows[i].in, ok, rows[i].ok);
		if (ok)
			CHECK_STR(rows[i].in, out, rows[i].want);
	}
	/* in place, and a too-small buffer */
	snprintf(out, sizeof out, "MX1.Example.NET.");
	assert_true(dns_name_normalize(out, out, sizeof out));
	assert_string_equal(out, "mx1.example.net");
	assert_false(dns_name_normalize("example.com", out, 11));
	assert_true(dns_name_normalize("example.com", out, 12));

	assert_true(dns_name_is_under("a.example.com", "example.com"));
	assert_true(dns_name_is_under("example.com", "example.com"));
	assert_true(dns_name_is_under("example.com", ""));
	assert_false(dns_name_is_under("badexample.com", "example.com"));
	assert_false(dns_name_is_under("com", "example.com"));
}

/* ---- records ------------------------------------------------------------ */

static void test_rr_init_good(void **state)
{
	static const struct {
		const char *owner;
		enum dns_type type;
		const char *rdata;
		const char *want; /* dns_rr_rdata() */
	} rows[] = {
		{ "example.com", DNS_T_A, "192.0.2.1", "192.0.2.1" },
		{ "example.com", DNS_T_A, "  192.0.2.1 ", "192.0.2.1" },
		{ "example.com", DNS_T_AAAA, "2001:DB8:0:0::1", "2001:db8::1" },
		{ "example.com", DNS_T_MX, "10 mx1.example.net.", "10 mx1.example.net." },
		{ "example.com", DNS_T_MX, "65535 MX1.Example.NET", "65535 mx1.example.net." },
		{ "example.com", DNS_T_MX, "0 .", "0 ." },
		{ "www.example.com", DNS_T_CNAME, "host.example.", "host.example." },
		{ "example.com", DNS_T_NS, "ns1.example.com", "ns1.example.com." },
		{ "10.2.0.192.in-addr.arpa", DNS_T_PTR, "mail.example.com.", "mail.example.com." },
		{ "example.com", DNS_T_TXT, "v=spf1 -all", "\"v=spf1 -all\"" },
		{ "example.com", DNS_T_TXT, "\"part1\" \"part2\"", "\"part1\" \"part2\"" },
		{ "example.com", DNS_T_TXT, "\"\"", "\"\"" },
		{ "example.com", DNS_T_TXT, "\"say \\\"hi\\\"\" bare", "\"say \\\"hi\\\"\" \"bare\"" },
		{ "example.com", DNS_T_TXT, "\"tab\\009x\"", "\"tab\\009x\"" },
		{ "example.com", DNS_T_SOA, "ns. hostmaster. 1 7200 3600 1209600 300",
		  "ns. hostmaster. 1 7200 3600 1209600 300" },
		{ "example.com", DNS_T_SOA, "NS1.example.com hostmaster.example.com. 4294967295 1 2 3 4",
		  "ns1.example.com. hostmaster.example.com. 4294967295 1 2 3 4" },
	};
	char err[200], out[512];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct dns_rr rr, again;
		err[0] = '\0';
		if (!dns_rr_init(&rr, rows[i].owner, rows[i].type, 300, rows[i].rdata, err, sizeof err))
			fail_msg("rr_init(%s \"%s\") failed: %s", dns_type_name(rows[i].type),
				 rows[i].rdata, err);
		dns_rr_rdata(&rr, out, sizeof out);
		CHECK_STR(rows[i].rdata, out, rows[i].want);
		/* presentation output parses back to the same record */
		if (!dns_rr_init(&again, rows[i].owner, rows[i].type, 300, out, err, sizeof err))
			fail_msg("re-parse of \"%s\" failed: %s", out, err);
		if (!dns_rr_rdata_equal(&rr, &again))
			fail_msg("round trip of \"%s\" changed the rdata", out);
		dns_rr_clear(&again);
		dns_rr_clear(&rr);
	}
}

static void test_rr_fields(void **state)
{
	struct dns_rr rr, cp;
	char err[200], line[512];
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	(void)state;

	assert_true(dns_rr_init(&rr, "Example.COM.", DNS_T_MX, 3600, "10 MX1.example.net.", err,
				sizeof err));
	assert_string_equal(rr.name, "example.com");
	assert_int_equal(rr.type, DNS_T_MX);
	assert_int_equal(rr.ttl, 3600);
	assert_int_equal(rr.pref, 10);
	assert_string_equal(rr.target, "mx1.example.net");
	dns_rr_format(&rr, line, sizeof line);
	assert_string_equal(line, "example.com. 3600 IN MX 10 mx1.example.net.");
	dns_rr_copy(&cp, &rr);
	dns_rr_clear(&rr);
	assert_string_equal(cp.target, "mx1.example.net"); /* deep copy survives */
	dns_rr_clear(&cp);

	assert_true(dns_rr_init(&rr, "example.com", DNS_T_MX, 60, "0 .", err, sizeof err));
	assert_int_equal(rr.pref, 0);
	assert_string_equal(rr.target, "");
	dns_rr_clear(&rr);

	assert_true(dns_rr_init(&rr, "h.example", DNS_T_A, 60, "192.0.2.10", err, sizeof err));
	assert_memory_equal(rr.addr, ((uint8_t[]){ 192, 0, 2, 10 }), 4);
	dns_rr_clear(&rr);
	assert_true(dns_rr_init(&rr, "h.example", DNS_T_AAAA, 60, "2001:db8::1", err, sizeof err));
	assert_memory_equal(rr.addr, v6, 16);
	dns_rr_clear(&rr);

	assert_true(dns_rr_init(&rr, "example.com", DNS_T_TXT, 60, "\"v=spf1 \" \"-all\"", err,
				sizeof err));
	assert_int_equal(rr.txt_nparts, 2);
	assert_string_equal(rr.txt_parts[0], "v=spf1 ");
	assert_string_equal(rr.txt_parts[1], "-all");
	assert_string_equal(rr.txt, "v=spf1 -all"); /* RFC 7208 §3.3 join */
	dns_rr_clear(&rr);

	assert_true(dns_rr_init(&rr, "example.com", DNS_T_SOA, 3600,
				"ns1.example.com. admin.example.com. 2024010101 7200 3600 1209600 600",
				err, sizeof err));
	assert_string_equal(rr.mname, "ns1.example.com");
	assert_string_equal(rr.rname, "admin.example.com");
	assert_int_equal(rr.serial, 2024010101u);
	assert_int_equal(rr.refresh, 7200);
	assert_int_equal(rr.retry, 3600);
	assert_int_equal(rr.expire, 1209600);
	assert_int_equal(rr.minimum, 600);
	dns_rr_clear(&rr);
	dns_rr_clear(&rr); /* clearing twice is harmless */
}

static void test_rr_txt_long(void **state)
{
	char key[601], err[200], out[1024];
	struct dns_rr rr;
	(void)state;
	for (int i = 0; i < 600; i++)
		key[i] = (char)('A' + i % 26);
	key[600] = '\0';
	/* unquoted text longer than one string is cut into 255-octet strings */
	assert_true(dns_rr_init(&rr, "sel._domainkey.example.com", DNS_T_TXT, 300, key, err,
				sizeof err));
	assert_int_equal(rr.txt_nparts, 3);
	assert_int_equal(strlen(rr.txt_parts[0]), 255);
	assert_int_equal(strlen(rr.txt_parts[1]), 255);
	assert_int_equal(strlen(rr.txt_parts[2]), 90);
	assert_string_equal(rr.txt, key);
	dns_rr_clear(&rr);

	/* a quoted string may not exceed 255 octets */
	snprintf(out, sizeof out, "\"%.256s\"", key);
	assert_false(dns_rr_init(&rr, "example.com", DNS_T_TXT, 300, out, err, sizeof err));
	assert_string_equal(err, "TXT string is 256 octets; one string holds at most 255 "
				 "(split it into several quoted strings)");
	snprintf(out, sizeof out, "\"%.255s\"", key);
	assert_true(dns_rr_init(&rr, "example.com", DNS_T_TXT, 300, out, err, sizeof err));
	dns_rr_clear(&rr);

	/* a record built by hand with only .txt still has wire strings */
	memset(&rr, 0, sizeof rr);
	rr.name = xstrdup("example.com");
	rr.type = DNS_T_TXT;
	rr.txt = xstrdup(key);
	assert_int_equal(dns_rr_txt_count(&rr), 3);
	dns_rr_clear(&rr);
}

static void test_rr_init_bad(void **state)
{
	static const struct {
		const char *owner;
		enum dns_type type;
		uint32_t ttl;
		const char *rdata;
		const char *err;
	} rows[] = {
		{ "example.com", DNS_T_MX, 60, "mx1.example.net", "MX data must be '<preference> <host>'" },
		{ "example.com", DNS_T_MX, 60, "10 mx1 extra", "MX data must be '<preference> <host>'" },
		{ "example.com", DNS_T_MX, 60, "70000 mx.example", "MX preference must be a number 0..65535, got '70000'" },
		{ "example.com", DNS_T_MX, 60, "-1 mx.example", "MX preference must be a number 0..65535, got '-1'" },
		{ "example.com", DNS_T_MX, 60, "10 mx..example", "MX host 'mx..example' is not a valid domain name" },
		{ "example.com", DNS_T_A, 60, "192.0.2.256", "A data must be an IPv4 address like 192.0.2.1, got '192.0.2.256'" },
		{ "example.com", DNS_T_A, 60, "2001:db8::1", "A data must be an IPv4 address like 192.0.2.1, got '2001:db8::1'" },
		{ "example.com", DNS_T_A, 60, "", "A data must be an IPv4 address like 192.0.2.1, got ''" },
		{ "example.com", DNS_T_AAAA, 60, "192.0.2.1", "AAAA data must be an IPv6 address like 2001:db8::1, got '192.0.2.1'" },
		{ "example.com", DNS_T_CNAME, 60, "a.example b.example", "CNAME data must be one host name" },
		{ "example.com", DNS_T_PTR, 60, "", "PTR data must be one host name" },
		{ "example.com", DNS_T_NS, 60, "ns_1..example", "NS target 'ns_1..example' is not a valid domain name" },
		{ "example.com", DNS_T_TXT, 60, "", "TXT data must not be empty (write \"\" for an empty string)" },
		{ "example.com", DNS_T_TXT, 60, "\"open", "TXT data has an unterminated quoted string" },
		{ "example.com", DNS_T_TXT, 60, "\"bad \\000\"", "TXT escape \\000 is not an octet 1..255" },
		{ "example.com", DNS_T_TXT, 60, "\"bad \\12x\"", "TXT escape must be \\DDD with three digits" },
		{ "example.com", DNS_T_TXT, 60, "\"a\" b\\", "TXT data ends with a lone backslash" },
		{ "example.com", DNS_T_SOA, 60, "ns. hostmaster. 1 2 3 4", "SOA data must be '<mname> <rname> <serial> <refresh> <retry> <expire> <minimum>'" },
		{ "example.com", DNS_T_SOA, 60, "ns. hostmaster. 1 2 3 4 x", "SOA minimum must be a number 0..4294967295, got 'x'" },
		{ "example.com", DNS_T_SOA, 60, "ns. hostmaster. 4294967296 2 3 4 5", "SOA serial must be a number 0..4294967295, got '4294967296'" },
		{ "example.com", DNS_T_SOA, 60, "ns.. hostmaster. 1 2 3 4 5", "SOA mname 'ns..' is not a valid domain name" },
		{ "bad..owner", DNS_T_A, 60, "192.0.2.1", "owner name 'bad..owner' is not a valid domain name" },
		{ "example.com", DNS_T_A, 2147483648u, "192.0.2.1", "TTL 2147483648 is out of range 0..2147483647 (RFC 2181 §8)" },
		{ "example.com", (enum dns_type)99, 60, "x", "unsupported record type 99" },
	};
	char err[300];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct dns_rr rr;
		err[0] = '\0';
		if (dns_rr_init(&rr, rows[i].owner, rows[i].type, rows[i].ttl, rows[i].rdata, err,
				sizeof err))
			fail_msg("rr_init(\"%s\") succeeded, want error \"%s\"", rows[i].rdata,
				 rows[i].err);
		CHECK_STR(rows[i].rdata, err, rows[i].err);
		/* a failed init leaves nothing to free */
		assert_null(rr.name);
		assert_null(rr.target);
		assert_null(rr.txt_parts);
		dns_rr_clear(&rr);
	}
	/* err may be NULL */
	{
		struct dns_rr rr;
		assert_false(dns_rr_init(&rr, "example.com", DNS_T_A, 1, "x", NULL, 0));
	}
}

static void test_rdata_truncation(void **state)
{
	struct dns_rr rr;
	char err[100], small[8];
	(void)state;
	assert_true(dns_rr_init(&rr, "example.com", DNS_T_MX, 1, "10 mx1.example.net", err,
				sizeof err));
	dns_rr_rdata(&rr, small, sizeof small);
	assert_string_equal(small, "10 mx1.");
	dns_rr_clear(&rr);
}

/* ---- zone database ------------------------------------------------------ */

struct zrec {
	const char *owner;
	enum dns_type type;
	uint32_t ttl;
	const char *rdata;
};

static const struct zrec zone_data[] = {
	{ "example.com", DNS_T_MX, 3600, "10 mx1.example.net." },
	{ "example.com", DNS_T_MX, 3600, "20 mx2.example.net." },
	{ "example.com", DNS_T_NS, 3600, "ns1.example.com." },
	{ "example.com", DNS_T_TXT, 3600, "v=spf1 ip4:192.0.2.0/24 -all" },
	{ "_dmarc.example.com", DNS_T_TXT, 3600, "v=DMARC1; p=reject" },
	{ "ns1.example.com", DNS_T_A, 3600, "192.0.2.53" },
	{ "a.b.example.com", DNS_T_A, 300, "192.0.2.7" },
	{ "www.example.com", DNS_T_CNAME, 300, "web.example.com." },
	{ "web.example.com", DNS_T_CNAME, 600, "host.example.net." },
	{ "dangling.example.com", DNS_T_CNAME, 300, "gone.example.net." },
	{ "loop1.example.com", DNS_T_CNAME, 300, "loop2.example.com." },
	{ "loop2.example.com", DNS_T_CNAME, 300, "loop1.example.com." },
	{ "self.example.com", DNS_T_CNAME, 300, "self.example.com." },
	{ "ext.example.com", DNS_T_CNAME, 300, "mail.example.org." },
	{ "*.wild.example.com", DNS_T_A, 300, "192.0.2.99" },
	{ "*.wild.example.com", DNS_T_TXT, 300, "wildcard" },
	{ "explicit.wild.example.com", DNS_T_TXT, 300, "explicit" },
	{ "*.cn.example.com", DNS_T_CNAME, 300, "host.example.net." },
	{ "x.sub.example.com", DNS_T_A, 300, "192.0.2.50" },
	{ "example.net", DNS_T_SOA, 3600, "ns1.example.net. admin.example.net. 2024010101 7200 3600 1209600 600" },
	{ "host.example.net", DNS_T_A, 120, "192.0.2.10" },
	{ "host.example.net", DNS_T_AAAA, 120, "2001:db8::10" },
	{ "mx1.example.net", DNS_T_A, 300, "192.0.2.25" },
	{ "10.2.0.192.in-addr.arpa", DNS_T_PTR, 86400, "mail.example.com." },
	{ "nullmx.example", DNS_T_MX, 300, "0 ." },
	{ "alias.example.com", DNS_T_CNAME, 300, "nullmx.example." },
	{ "www.broken.test", DNS_T_A, 300, "192.0.2.1" },
};

static void db_load(struct dns_db *db, const struct zrec *recs, size_t n)
{
	char err[200];
	for (size_t i = 0; i < n; i++) {
		struct dns_rr rr;
		if (!dns_rr_init(&rr, recs[i].owner, recs[i].type, recs[i].ttl, recs[i].rdata, err,
				 sizeof err))
			fail_msg("zone data %s: %s", recs[i].owner, err);
		if (!dns_db_add_checked(db, &rr, err, sizeof err))
			fail_msg("db_add %s: %s", recs[i].owner, err);
		dns_rr_clear(&rr);
	}
}

static struct dns_db *test_db(void)
{
	struct dns_db *db = dns_db_new();
	char name[32], target[40];
	assert_true(dns_db_add_zone(db, "example.com", 300));
	assert_true(dns_db_add_zone(db, "Sub.Example.com.", 60));
	assert_true(dns_db_add_zone(db, "example.net", 100)); /* its SOA below takes over */
	assert_true(dns_db_add_zone(db, "2.0.192.in-addr.arpa", 300));
	assert_true(dns_db_add_zone(db, "nullmx.example", 300));
	assert_true(dns_db_add_zone(db, "broken.test", 300));
	assert_true(dns_db_set_zone_failure(db, "broken.test", DNS_R_SERVFAIL));
	db_load(db, zone_data, ARRAY_LEN(zone_data));
	/* c0 -> c1 -> ... -> c9 (A): from c1 that is 8 CNAMEs, from c0 nine */
	for (int i = 0; i <= 8; i++) {
		struct dns_rr rr;
		snprintf(name, sizeof name, "c%d.example.com", i);
		snprintf(target, sizeof target, "c%d.example.com.", i + 1);
		assert_true(dns_rr_init(&rr, name, DNS_T_CNAME, 300, target, NULL, 0));
		assert_true(dns_db_add(db, &rr));
		dns_rr_clear(&rr);
	}
	{
		struct dns_rr rr;
		assert_true(dns_rr_init(&rr, "c9.example.com", DNS_T_A, 300, "192.0.2.9", NULL, 0));
		assert_true(dns_db_add(db, &rr));
		dns_rr_clear(&rr);
	}
	return db;
}

#define SOA_COM "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"
#define SOA_NET "example.net. 600 IN SOA ns1.example.net. admin.example.net. 2024010101 7200 3600 1209600 600"
#define SOA_SUB "sub.example.com. 60 IN SOA ns1.sub.example.com. hostmaster.sub.example.com. 1 7200 3600 1209600 60"
#define WWW_CHAIN "www.example.com. 300 IN CNAME web.example.com. | web.example.com. 600 IN CNAME host.example.net."

static const struct lookup_row {
	const char *qname;
	enum dns_type qtype;
	enum dns_rcode rcode;
	bool aa;
	uint32_t neg_ttl;
	const char *answer;
	const char *auth;
} lookup_rows[] = {
	{ "example.com", DNS_T_MX, DNS_R_NOERROR, true, 0,
	  "example.com. 3600 IN MX 10 mx1.example.net. | example.com. 3600 IN MX 20 mx2.example.net.", "" },
	{ "EXAMPLE.Com.", DNS_T_MX, DNS_R_NOERROR, true, 0,
	  "example.com. 3600 IN MX 10 mx1.example.net. | example.com. 3600 IN MX 20 mx2.example.net.", "" },
	{ "example.com", DNS_T_NS, DNS_R_NOERROR, true, 0, "example.com. 3600 IN NS ns1.example.com.", "" },
	{ "example.com", DNS_T_TXT, DNS_R_NOERROR, true, 0,
	  "example.com. 3600 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"", "" },
	{ "_dmarc.example.com", DNS_T_TXT, DNS_R_NOERROR, true, 0,
	  "_dmarc.example.com. 3600 IN TXT \"v=DMARC1; p=reject\"", "" },
	/* NODATA: the name exists, the type does not */
	{ "example.com", DNS_T_AAAA, DNS_R_NOERROR, true, 300, "", SOA_COM },
	{ "example.com", (enum dns_type)33, DNS_R_NOERROR, true, 300, "", SOA_COM },
	/* NXDOMAIN */
	{ "nosuch.example.com", DNS_T_A, DNS_R_NXDOMAIN, true, 300, "", SOA_COM },
	{ "nosuch.example.net", DNS_T_MX, DNS_R_NXDOMAIN, true, 600, "", SOA_NET },
	/* empty non-terminal: b.example.com has only a child [RFC 8020] */
	{ "b.example.com", DNS_T_A, DNS_R_NOERROR, true, 300, "", SOA_COM },
	{ "a.b.example.com", DNS_T_A, DNS_R_NOERROR, true, 0, "a.b.example.com. 300 IN A 192.0.2.7", "" },
	/* CNAME chains across zones */
	{ "www.example.com", DNS_T_A, DNS_R_NOERROR, true, 0,
	  WWW_CHAIN " | host.example.net. 120 IN A 192.0.2.10", "" },
	{ "www.example.com", DNS_T_AAAA, DNS_R_NOERROR, true, 0,
	  WWW_CHAIN " | host.example.net. 120 IN AAAA 2001:db8::10", "" },
	{ "www.example.com", DNS_T_CNAME, DNS_R_NOERROR, true, 0,
	  "www.example.com. 300 IN CNAME web.example.com.", "" },
	{ "www.example.com", DNS_T_MX, DNS_R_NOERROR, true, 600, WWW_CHAIN, SOA_NET },
	{ "dangling.example.com", DNS_T_A, DNS_R_NXDOMAIN, true, 600,
	  "dangling.example.com. 300 IN CNAME gone.example.net.", SOA_NET },
	{ "ext.example.com", DNS_T_A, DNS_R_NOERROR, true, 0,
	  "ext.example.com. 300 IN CNAME mail.example.org.", "" },
	{ "loop1.example.com", DNS_T_A, DNS_R_SERVFAIL, false, 0, "", "" },
	{ "self.example.com", DNS_T_MX, DNS_R_SERVFAIL, false, 0, "", "" },
	{ "c0.example.com", DNS_T_A, DNS_R_SERVFAIL, false, 0, "", "" },
	/* outside every zone, bad names, broken zones */
	{ "example.org", DNS_T_MX, DNS_R_REFUSED, false, 0, "", "" },
	{ "com", DNS_T_MX, DNS_R_REFUSED, false, 0, "", "" },
	{ "bad..name", DNS_T_A, DNS_R_FORMERR, false, 0, "", "" },
	{ "www.broken.test", DNS_T_A, DNS_R_SERVFAIL, false, 0, "", "" },
	/* wildcards [RFC 4592] */
	{ "foo.wild.example.com", DNS_T_A, DNS_R_NOERROR, true, 0,
	  "foo.wild.example.com. 300 IN A 192.0.2.99", "" },
	{ "a.b.wild.example.com", DNS_T_TXT, DNS_R_NOERROR, true, 0,
	  "a.b.wild.example.com. 300 IN TXT \"wildcard\"", "" },
	{ "foo.wild.example.com", DNS_T_MX, DNS_R_NOERROR, true, 300, "", SOA_COM },
	{ "explicit.wild.example.com", DNS_T_A, DNS_R_NOERROR, true, 300, "", SOA_COM },
	{ "wild.example.com", DNS_T_A, DNS_R_NOERROR, true, 300, "", SOA_COM },
	{ "x.cn.example.com", DNS_T_A, DNS_R_NOERROR, true, 0,
	  "x.cn.example.com. 300 IN CNAME host.example.net. | host.example.net. 120 IN A 192.0.2.10", "" },
	/* a child zone held by the same server */
	{ "x.sub.example.com", DNS_T_A, DNS_R_NOERROR, true, 0, "x.sub.example.com. 300 IN A 192.0.2.50", "" },
	{ "y.sub.example.com", DNS_T_A, DNS_R_NXDOMAIN, true, 60, "", SOA_SUB },
	{ "sub.example.com", DNS_T_A, DNS_R_NOERROR, true, 60, "", SOA_SUB },
	/* SOA queries: synthesized and explicit */
	{ "example.com", DNS_T_SOA, DNS_R_NOERROR, true, 0, SOA_COM, "" },
	{ "example.net", DNS_T_SOA, DNS_R_NOERROR, true, 0,
	  "example.net. 3600 IN SOA ns1.example.net. admin.example.net. 2024010101 7200 3600 1209600 600", "" },
	{ "10.2.0.192.in-addr.arpa", DNS_T_PTR, DNS_R_NOERROR, true, 0,
	  "10.2.0.192.in-addr.arpa. 86400 IN PTR mail.example.com.", "" },
	{ "nullmx.example", DNS_T_MX, DNS_R_NOERROR, true, 0, "nullmx.example. 300 IN MX 0 .", "" },
};

static void test_lookup_table(void **state)
{
	struct dns_db *db = test_db();
	char got[2048], ctx[128];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(lookup_rows); i++) {
		const struct lookup_row *row = &lookup_rows[i];
		struct dns_answer a;
		snprintf(ctx, sizeof ctx, "%s/%s", row->qname, dns_type_name(row->qtype));
		dns_db_lookup(db, row->qname, row->qtype, &a);
		if (a.rcode != row->rcode)
			fail_msg("%s: rcode got %s, want %s", ctx, dns_rcode_name(a.rcode),
				 dns_rcode_name(row->rcode));
		CHECK_INT(ctx, a.authoritative, row->aa);
		CHECK_INT(ctx, a.neg_ttl, row->neg_ttl);
		section_str(a.rrs, a.n, got, sizeof got);
		CHECK_STR(ctx, got, row->answer);
		section_str(a.auth, a.nauth, got, sizeof got);
		CHECK_STR(ctx, got, row->auth);
		dns_answer_clear(&a);
	}
	dns_db_free(db);
}

static void test_lookup_chain_limit(void **state)
{
	struct dns_db *db = test_db();
	struct dns_answer a;
	char line[256];
	(void)state;
	dns_db_lookup(db, "c1.example.com", DNS_T_A, &a); /* exactly DNS_CNAME_MAX_CHAIN */
	assert_int_equal(a.rcode, DNS_R_NOERROR);
	assert_int_equal(a.n, DNS_CNAME_MAX_CHAIN + 1);
	assert_int_equal(dns_answer_count(&a, DNS_T_CNAME), 8);
	dns_rr_format(&a.rrs[0], line, sizeof line);
	assert_string_equal(line, "c1.example.com. 300 IN CNAME c2.example.com.");
	dns_rr_format(&a.rrs[8], line, sizeof line);
	assert_string_equal(line, "c9.example.com. 300 IN A 192.0.2.9");
	dns_answer_clear(&a);
	dns_db_free(db);
}

static void test_db_add_rules(void **state)
{
	struct dns_db *db = dns_db_new();
	struct dns_rr rr;
	struct dns_answer a;
	char err[200];
	static const struct {
		const char *owner;
		enum dns_type type;
		const char *rdata;
		const char *err; /* NULL = accepted */
	} rows[] = {
		{ "host.example.com", DNS_T_A, "192.0.2.1", NULL },
		{ "host.example.com", DNS_T_A, "192.0.2.1", NULL }, /* duplicate: ignored */
		{ "host.example.com", DNS_T_A, "192.0.2.2", NULL },
		{ "host.example.com", DNS_T_CNAME, "other.example.com", "CNAME at 'host.example.com' cannot coexist with other data" },
		{ "alias.example.com", DNS_T_CNAME, "host.example.com", NULL },
		{ "alias.example.com", DNS_T_CNAME, "host.example.com", NULL }, /* duplicate */
		{ "alias.example.com", DNS_T_CNAME, "else.example.com", "'alias.example.com' already has a CNAME record" },
		{ "alias.example.com", DNS_T_TXT, "x", "CNAME at 'alias.example.com' cannot coexist with other data" },
		{ "example.com", DNS_T_CNAME, "elsewhere.example", "CNAME at zone apex 'example.com' would conflict with its SOA" },
		{ "host.example.com", DNS_T_SOA, "ns. h. 1 2 3 4 5", "SOA for 'host.example.com' is not at a zone apex" },
		{ "example.com", DNS_T_SOA, "ns. h. 1 2 3 4 5", NULL },
		{ "example.com", DNS_T_SOA, "ns. h. 2 2 3 4 5", "'example.com' already has a SOA record" },
		{ "mail.example.org", DNS_T_A, "192.0.2.3", "'mail.example.org' is in none of this server's zones" },
	};
	(void)state;
	assert_true(dns_db_add_zone(db, "example.com", 300));
	assert_false(dns_db_add_zone(db, "bad..zone", 300));
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		bool ok;
		assert_true(dns_rr_init(&rr, rows[i].owner, rows[i].type, 300, rows[i].rdata, err,
					sizeof err));
		err[0] = '\0';
		ok = dns_db_add_checked(db, &rr, err, sizeof err);
		if (ok != (rows[i].err == NULL))
			fail_msg("add %s %s: got %s (%s)", rows[i].owner, rows[i].rdata,
				 ok ? "accepted" : "rejected", err);
		if (rows[i].err)
			CHECK_STR(rows[i].owner, err, rows[i].err);
		assert_int_equal(dns_db_add(db, &rr), ok); /* same verdict without err */
		dns_rr_clear(&rr);
	}
	dns_db_lookup(db, "host.example.com", DNS_T_A, &a);
	assert_int_equal(a.n, 2);
	dns_answer_clear(&a);
	/* the zone's own SOA now gives the negative TTL: min(300, 5) */
	dns_db_lookup(db, "nothing.example.com", DNS_T_A, &a);
	assert_int_equal(a.rcode, DNS_R_NXDOMAIN);
	assert_int_equal(a.neg_ttl, 5);
	assert_int_equal(a.auth[0].ttl, 5);
	dns_answer_clear(&a);
	/* zone_of and failure toggling */
	assert_string_equal(dns_db_zone_of(db, "A.Example.COM"), "example.com");
	assert_null(dns_db_zone_of(db, "example.org"));
	assert_false(dns_db_set_zone_failure(db, "example.org", DNS_R_SERVFAIL));
	assert_true(dns_db_set_zone_failure(db, "example.com", DNS_R_REFUSED));
	dns_db_lookup(db, "host.example.com", DNS_T_A, &a);
	assert_int_equal(a.rcode, DNS_R_REFUSED);
	assert_int_equal(a.n, 0);
	assert_true(dns_db_set_zone_failure(db, "example.com", DNS_R_NOERROR));
	dns_db_lookup(db, "host.example.com", DNS_T_A, &a);
	assert_int_equal(a.rcode, DNS_R_NOERROR);
	assert_int_equal(a.n, 2);
	dns_answer_clear(&a);
	dns_db_free(db);
	dns_db_free(NULL);
}

static void test_lookup_root_zone(void **state)
{
	struct dns_db *db = dns_db_new();
	struct dns_rr rr;
	struct dns_answer a;
	char got[512];
	(void)state;
	assert_true(dns_db_add_zone(db, ".", 86400));
	assert_true(dns_rr_init(&rr, "example", DNS_T_A, 60, "192.0.2.1", NULL, 0));
	assert_true(dns_db_add(db, &rr));
	dns_rr_clear(&rr);
	dns_db_lookup(db, "nowhere", DNS_T_A, &a);
	assert_int_equal(a.rcode, DNS_R_NXDOMAIN);
	section_str(a.auth, a.nauth, got, sizeof got);
	assert_string_equal(got, ". 86400 IN SOA ns1. hostmaster. 1 7200 3600 1209600 86400");
	dns_answer_clear(&a);
	dns_db_free(db);
}

static void test_null_mx(void **state)
{
	struct dns_db *db = test_db();
	struct dns_answer a;
	struct dns_rr rr;
	(void)state;
	dns_db_lookup(db, "nullmx.example", DNS_T_MX, &a);
	assert_true(dns_answer_is_null_mx(&a));
	dns_answer_clear(&a);
	dns_db_lookup(db, "alias.example.com", DNS_T_MX, &a); /* via CNAME */
	assert_int_equal(a.n, 2);
	assert_true(dns_answer_is_null_mx(&a));
	dns_answer_clear(&a);
	dns_db_lookup(db, "example.com", DNS_T_MX, &a);
	assert_false(dns_answer_is_null_mx(&a));
	/* "0 ." next to a real MX is not a null MX */
	assert_true(dns_rr_init(&rr, "example.com", DNS_T_MX, 60, "0 .", NULL, 0));
	dns_answer_push(&a, &rr);
	dns_rr_clear(&rr);
	assert_false(dns_answer_is_null_mx(&a));
	dns_answer_clear(&a);
	/* root exchange with a non-zero preference is not the RFC 7505 form */
	assert_true(dns_rr_init(&rr, "example.com", DNS_T_MX, 60, "10 .", NULL, 0));
	dns_answer_push(&a, &rr);
	dns_rr_clear(&rr);
	assert_false(dns_answer_is_null_mx(&a));
	dns_answer_clear(&a);
	dns_db_lookup(db, "nosuch.example.com", DNS_T_MX, &a);
	assert_false(dns_answer_is_null_mx(&a));
	dns_answer_clear(&a);
	dns_db_free(db);
}

/* ---- wire format -------------------------------------------------------- */

static void answers_equal(const char *ctx, const struct dns_answer *got,
			  const struct dns_answer *want)
{
	char g[2048], w[2048];
	CHECK_INT(ctx, got->rcode, want->rcode);
	CHECK_INT(ctx, got->authoritative, want->authoritative);
	CHECK_INT(ctx, got->neg_ttl, want->neg_ttl);
	section_str(got->rrs, got->n, g, sizeof g);
	section_str(want->rrs, want->n, w, sizeof w);
	CHECK_STR(ctx, g, w);
	section_str(got->auth, got->nauth, g, sizeof g);
	section_str(want->auth, want->nauth, w, sizeof w);
	CHECK_STR(ctx, g, w);
	for (size_t i = 0; i < got->n && i < want->n; i++) {
		if (!dns_rr_rdata_equal(&got->rrs[i], &want->rrs[i]))
			fail_msg("%s: rr %zu rdata differs", ctx, i);
	}
}

static void test_wire_round_trip(void **state)
{
	struct dns_db *db = test_db();
	uint8_t buf[4096], buf2[4096];
	char ctx[128];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(lookup_rows); i++) {
		const struct lookup_row *row = &lookup_rows[i];
		struct dns_msg q, resp, dq, dr;
		struct dns_answer a;
		size_t n, n2;
		snprintf(ctx, sizeof ctx, "wire %s/%s", row->qname, dns_type_name(row->qtype));
		if (!dns_msg_make_query(&q, (uint16_t)(0x1000 + i), row->qname, row->qtype))
			continue; /* the FORMERR row has no valid query */
		n = dns_msg_encode(&q, buf, sizeof buf);
		assert_true(n > 0);
		assert_true(dns_msg_decode(buf, n, &dq));
		CHECK_INT(ctx, dq.id, 0x1000 + i);
		CHECK_INT(ctx, dq.qr, 0);
		CHECK_INT(ctx, dq.rd, 1);
		CHECK_INT(ctx, dq.qtype, row->qtype);
		CHECK_STR(ctx, dq.qname, q.qname);

		dns_db_lookup(db, dq.qname, dq.qtype, &a);
		dns_msg_make_response(&resp, &dq, &a);
		n = dns_msg_encode(&resp, buf, sizeof buf);
		if (n == 0)
			fail_msg("%s: encode failed", ctx);
		if (!dns_msg_decode(buf, n, &dr))
			fail_msg("%s: decode failed", ctx);
		CHECK_INT(ctx, dr.id, dq.id);
		CHECK_INT(ctx, dr.qr, 1);
		CHECK_INT(ctx, dr.aa, a.authoritative);
		CHECK_INT(ctx, dr.rd, 1);
		CHECK_INT(ctx, dr.ra, 0);
		CHECK_INT(ctx, dr.tc, 0);
		CHECK_INT(ctx, dr.rcode, a.rcode);
		CHECK_STR(ctx, dr.qname, dq.qname);
		answers_equal(ctx, &dr.ans, &a);
		/* decoding then encoding reproduces the same bytes */
		n2 = dns_msg_encode(&dr, buf2, sizeof buf2);
		CHECK_INT(ctx, n2, n);
		if (memcmp(buf, buf2, n) != 0)
			fail_msg("%s: re-encoding differs", ctx);
		dns_answer_clear(&a);
		dns_msg_clear(&q);
		dns_msg_clear(&dq);
		dns_msg_clear(&resp);
		dns_msg_clear(&dr);
	}
	dns_db_free(db);
}

static void test_wire_exact_bytes(void **state)
{
	static const uint8_t want[] = {
		0xbe, 0xef, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, /* QR AA RD, NOERROR */
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 15, 0, 1,
		0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 0x0e, 0x10, 0, 7, /* owner -> offset 12 */
		0, 10, 2, 'm', 'x', 0xc0, 0x0c, /* exchange "mx" + pointer to example.com */
	};
	struct dns_msg q, r;
	struct dns_answer a = { 0 };
	struct dns_rr rr;
	uint8_t buf[512];
	size_t n;
	(void)state;
	assert_true(dns_msg_make_query(&q, 0xbeef, "Example.com.", DNS_T_MX));
	assert_true(dns_rr_init(&rr, "example.com", DNS_T_MX, 3600, "10 mx.example.com", NULL, 0));
	dns_answer_push(&a, &rr);
	dns_rr_clear(&rr);
	a.authoritative = true;
	dns_msg_make_response(&r, &q, &a);
	n = dns_msg_encode(&r, buf, sizeof buf);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	/* one byte short does not fit */
	assert_int_equal(dns_msg_encode(&r, buf, sizeof want - 1), 0);
	/* TCP framing */
	n = dns_msg_encode_tcp(&r, buf, sizeof buf);
	assert_int_equal(n, sizeof want + 2);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], sizeof want);
	assert_memory_equal(buf + 2, want, sizeof want);
	dns_answer_clear(&a);
	dns_msg_clear(&r);
	dns_msg_clear(&q);
}

/* A negative answer compresses the SOA names against the question. */
static void test_wire_soa_compression(void **state)
{
	struct dns_db *db = test_db();
	struct dns_msg q, r;
	struct dns_answer a;
	uint8_t buf[512];
	size_t n;
	/* owner "example.com" = pointer to offset 12 + 7 ("nosuch" label) */
	static const uint8_t owner[] = { 0xc0, 19, 0, 6, 0, 1, 0, 0, 1, 0x2c };
	static const uint8_t mname[] = { 3, 'n', 's', '1', 0xc0, 19, 10, 'h', 'o', 's', 't' };
	(void)state;
	assert_true(dns_msg_make_query(&q, 7, "nosuch.example.com", DNS_T_A));
	dns_db_lookup(db, q.qname, q.qtype, &a);
	dns_msg_make_response(&r, &q, &a);
	n = dns_msg_encode(&r, buf, sizeof buf);
	/* 12 header + 24 question + 10 RR fixed + 2 owner + 6 mname + 13 rname + 20 */
	assert_int_equal(n, 12 + 24 + 2 + 10 + 6 + 13 + 20);
	assert_memory_equal(buf + 36, owner, sizeof owner);
	assert_memory_equal(buf + 48, mname, sizeof mname);
	assert_int_equal(buf[3] & 0xf, DNS_R_NXDOMAIN);
	assert_int_equal(buf[9], 1); /* NSCOUNT */
	dns_answer_clear(&a);
	dns_msg_clear(&r);
	dns_msg_clear(&q);
	dns_db_free(db);
}

static void test_wire_udp_truncation(void **state)
{
	struct dns_msg q, r, d;
	struct dns_answer a = { 0 };
	uint8_t buf[4096];
	char txt[80];
	size_t n;
	(void)state;
	assert_true(dns_msg_make_query(&q, 42, "big.example.com", DNS_T_TXT));
	for (int i = 0; i < 10; i++) {
		struct dns_rr rr;
		snprintf(txt, sizeof txt, "record %d %s", i,
			 "padding padding padding padding padding padding");
		assert_true(dns_rr_init(&rr, "big.example.com", DNS_T_TXT, 60, txt, NULL, 0));
		dns_answer_push(&a, &rr);
		dns_rr_clear(&rr);
	}
	dns_msg_make_response(&r, &q, &a);
	n = dns_msg_encode(&r, buf, sizeof buf);
	assert_true(n > DNS_UDP_MAX);
	n = dns_msg_encode_udp(&r, buf, sizeof buf);
	assert_int_equal(n, 12 + 17 + 4);
	assert_true(dns_msg_decode(buf, n, &d));
	assert_true(d.tc);
	assert_int_equal(d.ans.n, 0);
	dns_msg_clear(&d);
	/* over TCP the whole answer goes */
	n = dns_msg_encode_tcp(&r, buf, sizeof buf);
	assert_true(n > DNS_UDP_MAX);
	assert_true(dns_msg_decode(buf + 2, n - 2, &d));
	assert_false(d.tc);
	assert_int_equal(d.ans.n, 10);
	dns_msg_clear(&d);
	/* a small response goes over UDP unchanged */
	dns_msg_clear(&r);
	a.n = 1; /* first record only (the rest stay owned by the array) */
	dns_msg_make_response(&r, &q, &a);
	a.n = 10;
	n = dns_msg_encode_udp(&r, buf, sizeof buf);
	assert_true(dns_msg_decode(buf, n, &d));
	assert_false(d.tc);
	assert_int_equal(d.ans.n, 1);
	dns_msg_clear(&d);
	dns_msg_clear(&r);
	dns_answer_clear(&a);
	dns_msg_clear(&q);
}

/* Header with qd/an/ns/ar counts + question "a" A IN. */
#define HDR(an) 0x12, 0x34, 0x81, 0x00, 0, 1, 0, (an), 0, 0, 0, 0
#define QA 1, 'a', 0, 0, 1, 0, 1

static void test_wire_decode_hostile(void **state)
{
	static const uint8_t self_ptr[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
					    0xc0, 0x0c, 0, 1, 0, 1 };
	static const uint8_t label_then_self[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
						   1, 'a', 0xc0, 0x0c, 0, 1, 0, 1 };
	static const uint8_t fwd_ptr[] = { HDR(1), QA, 0xc0, 0x15, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4,
					   192, 0, 2, 1 };
	static const uint8_t ptr_past_end[] = { HDR(0), 0xc0 };
	static const uint8_t label_past_end[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
						  0x3f, 'a', 'b' };
	static const uint8_t rdlen_past_end[] = { HDR(1), QA, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1,
						  0xff, 0xff, 192, 0, 2, 1 };
	static const uint8_t a_rdlen_5[] = { HDR(1), QA, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1,
					     0, 5, 192, 0, 2, 1, 9 };
	static const uint8_t a_rdlen_3[] = { HDR(1), QA, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1,
					     0, 3, 192, 0, 2 };
	static const uint8_t count_too_big[] = { HDR(2), QA, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1,
						 0, 4, 192, 0, 2, 1 };
	/* MX whose exchange name runs past RDLENGTH (3 instead of 5) */
	static const uint8_t mx_name_overrun[] = { HDR(1), 0, 0, 15, 0, 1, 0, 0, 15, 0, 1, 0, 0, 0, 1,
						   0, 3, 0, 10, 1, 'm', 0 };
	static const uint8_t txt_empty[] = { HDR(1), 0, 0, 16, 0, 1, 0, 0, 16, 0, 1, 0, 0, 0, 1,
					     0, 0 };
	static const uint8_t txt_overrun[] = { HDR(1), 0, 0, 16, 0, 1, 0, 0, 16, 0, 1, 0, 0, 0, 1,
					       0, 3, 5, 'a', 'b' };
	static const uint8_t txt_nul[] = { HDR(1), 0, 0, 16, 0, 1, 0, 0, 16, 0, 1, 0, 0, 0, 1,
					   0, 3, 2, 'a', 0 };
	static const uint8_t reserved_label[] = { HDR(0), 0x41, 'a', 0, 0, 1, 0, 1 };
	static const uint8_t dot_in_label[] = { HDR(0), 3, 'a', '.', 'b', 0, 0, 1, 0, 1 };
	static const uint8_t space_in_label[] = { HDR(0), 3, 'a', ' ', 'b', 0, 0, 1, 0, 1 };
	static const uint8_t trailing[] = { HDR(0), QA, 0 };
	static const uint8_t qclass_ch[] = { HDR(0), 1, 'a', 0, 0, 1, 0, 3 };
	static const uint8_t qd_zero[] = { 0x12, 0x34, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t qd_two[] = { 0x12, 0x34, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, QA, QA };
	static const struct {
		const char *what;
		const uint8_t *buf;
		size_t len;
	} rows[] = {
#define ROW(x) { #x, x, sizeof x }
		ROW(self_ptr), ROW(label_then_self), ROW(fwd_ptr), ROW(ptr_past_end),
		ROW(label_past_end), ROW(rdlen_past_end), ROW(a_rdlen_5), ROW(a_rdlen_3),
		ROW(count_too_big), ROW(mx_name_overrun), ROW(txt_empty), ROW(txt_overrun),
		ROW(txt_nul), ROW(reserved_label), ROW(dot_in_label), ROW(space_in_label),
		ROW(trailing), ROW(qclass_ch), ROW(qd_zero), ROW(qd_two),
#undef ROW
	};
	struct dns_msg m;
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		/* copy to an exact-size heap block so ASan catches any overread */
		uint8_t *p = xmalloc(rows[i].len);
		memcpy(p, rows[i].buf, rows[i].len);
		if (dns_msg_decode(p, rows[i].len, &m))
			fail_msg("%s: decoded, want failure", rows[i].what);
		assert_int_equal(m.ans.n, 0); /* left cleared */
		assert_null(m.ans.rrs);
		free(p);
	}
	assert_false(dns_msg_decode(NULL, 0, &m));
	{
		/* the good sibling of the rows above decodes */
		static const uint8_t good[] = { HDR(1), QA, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1,
						0, 4, 192, 0, 2, 1 };
		assert_true(dns_msg_decode(good, sizeof good, &m));
		assert_string_equal(m.qname, "a");
		assert_int_equal(m.ans.n, 1);
		assert_int_equal(m.ans.rrs[0].addr[3], 1);
		dns_msg_clear(&m);
	}
}

/* A name longer than 255 octets assembled from pointers is refused. */
static void test_wire_decode_long_name(void **state)
{
	uint8_t buf[600];
	size_t n = 0, owner_at;
	struct dns_msg m;
	static const uint8_t hdr[] = { 0x12, 0x34, 0x81, 0, 0, 1, 0, 1, 0, 0, 0, 0 };
	static const uint8_t tail[] = { 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 192, 0, 2, 1 };
	(void)state;
	memcpy(buf, hdr, sizeof hdr);
	n = sizeof hdr;
	/* question: 3 labels of 63 (193 octets with the root) */
	for (int l = 0; l < 3; l++) {
		buf[n++] = 63;
		memset(buf + n, 'a' + l, 63);
		n += 63;
	}
	buf[n++] = 0;
	buf[n++] = 0, buf[n++] = 1, buf[n++] = 0, buf[n++] = 1;
	/* answer owner: one label then a pointer to the question */
	owner_at = n;
	assert_int_equal(owner_at, 12 + 193 + 4);
	buf[n++] = 63; /* 64 + 193 = 257 octets: too long */
	memset(buf + n, 'z', 63);
	n += 63;
	buf[n++] = 0xc0, buf[n++] = 12;
	memcpy(buf + n, tail, sizeof tail);
	n += sizeof tail;
	assert_false(dns_msg_decode(buf, n, &m));
	/* with a 61-octet label it is 62 + 193 = 255 octets: allowed */
	buf[owner_at] = 61;
	memmove(buf + owner_at + 1 + 61, buf + owner_at + 1 + 63, n - (owner_at + 1 + 63));
	n -= 2;
	assert_true(dns_msg_decode(buf, n, &m));
	assert_int_equal(strlen(m.ans.rrs[0].name), 253);
	dns_msg_clear(&m);
}

/* Every prefix of a valid response is malformed; every single-byte
 * corruption either fails or decodes into something that re-encodes. */
static void test_wire_decode_truncated_and_mutated(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x3f, 0x40, 0xc0, 0xff };
	struct dns_db *db = test_db();
	struct dns_msg q, r, m;
	struct dns_answer a;
	uint8_t buf[1024], out[4096];
	size_t n;
	(void)state;
	assert_true(dns_msg_make_query(&q, 9, "www.example.com", DNS_T_MX));
	dns_db_lookup(db, q.qname, q.qtype, &a);
	dns_msg_make_response(&r, &q, &a);
	n = dns_msg_encode(&r, buf, sizeof buf);
	assert_true(n > 0);
	for (size_t len = 0; len < n; len++) {
		uint8_t *p = xmalloc(len ? len : 1);
		memcpy(p, buf, len);
		if (dns_msg_decode(p, len, &m))
			fail_msg("prefix of %zu/%zu bytes decoded", len, n);
		free(p);
	}
	for (size_t pos = 0; pos < n; pos++) {
		for (size_t v = 0; v < ARRAY_LEN(vals); v++) {
			uint8_t *p = xmalloc(n);
			memcpy(p, buf, n);
			p[pos] = vals[v];
			if (dns_msg_decode(p, n, &m)) {
				(void)dns_msg_encode(&m, out, sizeof out);
				dns_msg_clear(&m);
			}
			free(p);
		}
	}
	dns_answer_clear(&a);
	dns_msg_clear(&r);
	dns_msg_clear(&q);
	dns_db_free(db);
}

static void test_wire_skips_unknown(void **state)
{
	/* answer: an SPF(99) record then an A; additional: an EDNS OPT */
	static const uint8_t msg[] = {
		0x12, 0x34, 0x84, 0x00, 0, 1, 0, 2, 0, 0, 0, 1,
		1, 'A', 0, 0, 1, 0, 1,
		0xc0, 0x0c, 0, 99, 0, 1, 0, 0, 0, 9, 0, 3, 2, 'h', 'i',
		0xc0, 0x0c, 0, 1, 0, 1, 0x80, 0, 0, 0, 0, 4, 192, 0, 2, 1, /* TTL top bit set */
		0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0,
	};
	struct dns_msg m;
	(void)state;
	assert_true(dns_msg_decode(msg, sizeof msg, &m));
	assert_string_equal(m.qname, "a"); /* lower-cased */
	assert_true(m.qr);
	assert_true(m.aa);
	assert_int_equal(m.ans.n, 1);
	assert_int_equal(m.ans.rrs[0].type, DNS_T_A);
	assert_int_equal(m.ans.rrs[0].ttl, 0); /* RFC 2181 §8 */
	dns_msg_clear(&m);
}

/* ---- cache -------------------------------------------------------------- */

#define T0 1000000000LL /* 1000 s of simulated time */
#define SEC 1000000LL

static void push_rr(struct dns_answer *a, const char *owner, enum dns_type t, uint32_t ttl,
		    const char *rdata)
{
	struct dns_rr rr;
	assert_true(dns_rr_init(&rr, owner, t, ttl, rdata, NULL, 0));
	dns_answer_push(a, &rr);
	dns_rr_clear(&rr);
}

static void test_cache_positive_expiry(void **state)
{
	struct dns_cache *c = dns_cache_new();
	struct dns_answer a = { 0 }, got;
	uint32_t rem = 0;
	(void)state;
	push_rr(&a, "example.com", DNS_T_MX, 300, "10 mx1.example.net");
	push_rr(&a, "example.com", DNS_T_MX, 60, "20 mx2.example.net");
	dns_cache_put(c, "example.com", DNS_T_MX, &a, T0);
	assert_int_equal(dns_cache_len(c), 1);

	assert_true(dns_cache_get(c, "EXAMPLE.COM.", DNS_T_MX, T0, &got, &rem));
	assert_int_equal(rem, 60);
	assert_int_equal(got.rrs[0].ttl, 300);
	dns_answer_clear(&got);

	/* 30.5 s later: whole seconds come off every TTL; 29.5 s left rounds up */
	assert_true(dns_cache_get(c, "example.com", DNS_T_MX, T0 + 30 * SEC + SEC / 2, &got, &rem));
	assert_int_equal(rem, 30);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.rrs[0].ttl, 270);
	assert_int_equal(got.rrs[1].ttl, 30);
	assert_int_equal(got.rrs[1].pref, 20);
	dns_answer_clear(&got);

	/* alive 1 µs before the boundary, gone exactly at it */
	assert_true(dns_cache_get(c, "example.com", DNS_T_MX, T0 + 60 * SEC - 1, &got, &rem));
	assert_int_equal(rem, 1);
	assert_int_equal(got.rrs[1].ttl, 1);
	dns_answer_clear(&got);
	assert_false(dns_cache_get(c, "example.com", DNS_T_MX, T0 + 60 * SEC, &got, &rem));
	assert_int_equal(dns_cache_len(c), 0); /* dropped on the expired get */

	/* other types are other keys */
	dns_cache_put(c, "example.com", DNS_T_MX, &a, T0);
	assert_false(dns_cache_get(c, "example.com", DNS_T_A, T0, &got, NULL));
	assert_false(dns_cache_get(c, "www.example.com", DNS_T_MX, T0, &got, NULL));
	assert_true(dns_cache_get(c, "example.com", DNS_T_MX, T0, &got, NULL));
	dns_answer_clear(&got);
	dns_answer_clear(&a);
	dns_cache_free(c);
	dns_cache_free(NULL);
}

static void test_cache_negative(void **state)
{
	struct dns_db *db = test_db();
	struct dns_cache *c = dns_cache_new();
	struct dns_answer a, got;
	uint32_t rem;
	(void)state;
	/* NXDOMAIN: neg_ttl 300 */
	dns_db_lookup(db, "nosuch.example.com", DNS_T_A, &a);
	dns_cache_put(c, "nosuch.example.com", DNS_T_A, &a, T0);
	dns_answer_clear(&a);
	assert_true(dns_cache_get(c, "nosuch.example.com", DNS_T_A, T0 + 100 * SEC + SEC / 2, &got,
				  &rem));
	assert_int_equal(got.rcode, DNS_R_NXDOMAIN);
	assert_int_equal(rem, 200);
	assert_int_equal(got.neg_ttl, 200);
	assert_int_equal(got.auth[0].ttl, 200);
	dns_answer_clear(&got);
	assert_true(dns_cache_get(c, "nosuch.example.com", DNS_T_A, T0 + 300 * SEC - 1, &got, &rem));
	assert_int_equal(rem, 1);
	dns_answer_clear(&got);
	assert_false(dns_cache_get(c, "nosuch.example.com", DNS_T_A, T0 + 300 * SEC, &got, &rem));

	/* NODATA via a CNAME chain: min(CNAME TTLs 300/600, neg 600) = 300 */
	dns_db_lookup(db, "www.example.com", DNS_T_MX, &a);
	dns_cache_put(c, "www.example.com", DNS_T_MX, &a, T0);
	dns_answer_clear(&a);
	assert_true(dns_cache_get(c, "www.example.com", DNS_T_MX, T0, &got, &rem));
	assert_int_equal(rem, 300);
	assert_int_equal(got.n, 2);
	dns_answer_clear(&got);

	/* a negative answer without SOA/neg_ttl is not cached [RFC 2308 §5] */
	memset(&a, 0, sizeof a);
	a.rcode = DNS_R_NXDOMAIN;
	dns_cache_put(c, "nosoa.example", DNS_T_A, &a, T0);
	assert_false(dns_cache_get(c, "nosoa.example", DNS_T_A, T0, &got, &rem));
	dns_cache_free(c);
	dns_db_free(db);
}

static void test_cache_servfail_and_zero(void **state)
{
	struct dns_cache *c = dns_cache_new();
	struct dns_answer fail = { .rcode = DNS_R_SERVFAIL }, refused = { .rcode = DNS_R_REFUSED };
	struct dns_answer zero = { 0 }, pos = { 0 }, got;
	uint32_t rem;
	(void)state;
	dns_cache_put(c, "a.example", DNS_T_A, &fail, T0);
	assert_false(dns_cache_get(c, "a.example", DNS_T_A, T0, &got, &rem)); /* default 0 */
	dns_cache_set_servfail_ttl(c, 30);
	dns_cache_put(c, "a.example", DNS_T_A, &fail, T0);
	dns_cache_put(c, "b.example", DNS_T_A, &refused, T0);
	assert_true(dns_cache_get(c, "a.example", DNS_T_A, T0 + 30 * SEC - 1, &got, &rem));
	assert_int_equal(got.rcode, DNS_R_SERVFAIL);
	assert_int_equal(rem, 1);
	dns_answer_clear(&got);
	assert_true(dns_cache_get(c, "b.example", DNS_T_A, T0, &got, &rem));
	assert_int_equal(got.rcode, DNS_R_REFUSED);
	dns_answer_clear(&got);
	assert_false(dns_cache_get(c, "a.example", DNS_T_A, T0 + 30 * SEC, &got, &rem));
	dns_cache_set_servfail_ttl(c, 3600); /* capped at 5 minutes [RFC 2308 §7.1] */
	dns_cache_put(c, "a.example", DNS_T_A, &fail, T0);
	assert_true(dns_cache_get(c, "a.example", DNS_T_A, T0, &got, &rem));
	assert_int_equal(rem, 300);
	dns_answer_clear(&got);

	/* TTL 0 is never cached, and fresh TTL-0 data displaces the old entry */
	push_rr(&pos, "z.example", DNS_T_A, 60, "192.0.2.1");
	push_rr(&zero, "z.example", DNS_T_A, 0, "192.0.2.2");
	dns_cache_put(c, "z.example", DNS_T_A, &zero, T0);
	assert_false(dns_cache_get(c, "z.example", DNS_T_A, T0, &got, &rem));
	dns_cache_put(c, "z.example", DNS_T_A, &pos, T0);
	assert_true(dns_cache_get(c, "z.example", DNS_T_A, T0, &got, &rem));
	dns_answer_clear(&got);
	dns_cache_put(c, "z.example", DNS_T_A, &zero, T0 + SEC);
	assert_false(dns_cache_get(c, "z.example", DNS_T_A, T0 + SEC, &got, &rem));

	/* replacing an entry restarts its clock */
	dns_cache_put(c, "z.example", DNS_T_A, &pos, T0);
	dns_cache_put(c, "z.example", DNS_T_A, &pos, T0 + 50 * SEC);
	assert_true(dns_cache_get(c, "z.example", DNS_T_A, T0 + 100 * SEC, &got, &rem));
	assert_int_equal(rem, 10);
	dns_answer_clear(&got);

	/* purge drops only what has expired */
	dns_cache_put(c, "p1.example", DNS_T_A, &pos, T0);
	assert_int_equal(dns_cache_len(c), 4); /* a, b, z, p1 */
	dns_cache_purge(c, T0 + 60 * SEC);
	assert_int_equal(dns_cache_len(c), 2); /* a (300 s) and z (until T0+110 s) */
	assert_true(dns_cache_get(c, "z.example", DNS_T_A, T0 + 60 * SEC, &got, &rem));
	dns_answer_clear(&got);
	dns_answer_clear(&pos);
	dns_answer_clear(&zero);
	dns_cache_free(c);
}

/* ---- addresses ---------------------------------------------------------- */

static void test_reverse_names(void **state)
{
	static const struct {
		const char *ip;
		const char *want; /* NULL = invalid */
	} rows[] = {
		{ "192.0.2.10", "10.2.0.192.in-addr.arpa" },
		{ "127.0.0.2", "2.0.0.127.in-addr.arpa" },
		{ "2001:db8::1",
		  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" },
		{ "2001:DB8:ABCD::F",
		  "f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa" },
		{ "192.0.2", NULL },
		{ "999.0.2.1", NULL },
		{ "mail.example.com", NULL },
		{ "", NULL },
	};
	char out[128], small[10];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		bool ok = dns_reverse_name(rows[i].ip, out, sizeof out);
		if (ok != (rows[i].want != NULL))
			fail_msg("reverse(%s): got %d", rows[i].ip, ok);
		if (ok)
			CHECK_STR(rows[i].ip, out, rows[i].want);
	}
	assert_false(dns_reverse_name("192.0.2.10", small, sizeof small));
	assert_true(dns_dnsbl_name("192.0.2.10", "zen.spamhaus.org.", out, sizeof out));
	assert_string_equal(out, "10.2.0.192.zen.spamhaus.org");
	assert_true(dns_dnsbl_name("2001:db8::1", "bl.example", out, sizeof out));
	assert_string_equal(
		out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example");
	assert_false(dns_dnsbl_name("192.0.2.10", "bad..zone", out, sizeof out));
	assert_false(dns_dnsbl_name("nonsense", "bl.example", out, sizeof out));
}

static void test_parse_format_ip(void **state)
{
	uint8_t addr[16];
	int fam = 0;
	char out[64];
	(void)state;
	memset(addr, 0xaa, sizeof addr);
	assert_true(dns_parse_ip("192.0.2.1", addr, &fam));
	assert_int_equal(fam, 4);
	assert_memory_equal(addr, ((uint8_t[16]){ 192, 0, 2, 1 }), 16); /* rest zeroed */
	assert_true(dns_format_ip(addr, 4, out, sizeof out));
	assert_string_equal(out, "192.0.2.1");
	assert_true(dns_parse_ip("2001:db8::25", addr, &fam));
	assert_int_equal(fam, 6);
	assert_int_equal(addr[15], 0x25);
	assert_true(dns_format_ip(addr, 6, out, sizeof out));
	assert_string_equal(out, "2001:db8::25");
	assert_false(dns_parse_ip("not an ip", addr, &fam));
	assert_false(dns_format_ip(addr, 5, out, sizeof out));
}

/* The first A record's address, skipping a CNAME chain in front of it. */
static void test_answer_first_a(void **state)
{
	struct dns_rr rrs[3] = {{.type = DNS_T_CNAME},
				{.type = DNS_T_A, .addr = {198, 51, 100, 25}},
				{.type = DNS_T_A, .addr = {203, 0, 113, 9}}};
	struct dns_answer a = {.rcode = DNS_R_NOERROR, .rrs = rrs, .n = 3};
	char ip[64];
	assert_true(dns_answer_first_a(&a, ip, sizeof ip));
	assert_string_equal(ip, "198.51.100.25");
	a.n = 1;
	assert_false(dns_answer_first_a(&a, ip, sizeof ip));
	assert_string_equal(ip, "");
	assert_false(dns_answer_first_a(NULL, ip, sizeof ip));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_and_rcode_names),
		cmocka_unit_test(test_answer_first_a),
		cmocka_unit_test(test_name_normalize),
		cmocka_unit_test(test_rr_init_good),
		cmocka_unit_test(test_rr_fields),
		cmocka_unit_test(test_rr_txt_long),
		cmocka_unit_test(test_rr_init_bad),
		cmocka_unit_test(test_rdata_truncation),
		cmocka_unit_test(test_lookup_table),
		cmocka_unit_test(test_lookup_chain_limit),
		cmocka_unit_test(test_db_add_rules),
		cmocka_unit_test(test_lookup_root_zone),
		cmocka_unit_test(test_null_mx),
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_wire_exact_bytes),
		cmocka_unit_test(test_wire_soa_compression),
		cmocka_unit_test(test_wire_udp_truncation),
		cmocka_unit_test(test_wire_decode_hostile),
		cmocka_unit_test(test_wire_decode_long_name),
		cmocka_unit_test(test_wire_decode_truncated_and_mutated),
		cmocka_unit_test(test_wire_skips_unknown),
		cmocka_unit_test(test_cache_positive_expiry),
		cmocka_unit_test(test_cache_negative),
		cmocka_unit_test(test_cache_servfail_and_zero),
		cmocka_unit_test(test_reverse_names),
		cmocka_unit_test(test_parse_format_ip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
