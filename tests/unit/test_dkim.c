/* test_dkim.c — DKIM (RFC 6376): canonicalization tables, the empty-body
 * hashes, the shipped test keys, sign -> verify in every canonicalization,
 * what breaks a signature and what does not, key-record and DNS failures,
 * x= and l=, malformed signatures, several signatures per message.
 * Keys come from scenarios/keys (MAILSIM_SOURCE_DIR, default ".."). DNS is
 * an in-test struct dns_db driven through the step/answer machine. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim.h"
#include "dns.h"
#include "util.h"

#define T0 1700000000 /* t= used throughout: 2023-11-14T22:13:20Z */

static const char base_msg[] =
	"Received: from client.example.org ([192.0.2.10]) by mx.example.org;\r\n"
	"\tTue, 14 Nov 2023 22:13:20 +0000\r\n"
	"From: Alice Example <alice@example.org>\r\n"
	"To: Bob <bob@example.net>\r\n"
	"Subject: Lunch on\r\n"
	"\tThursday?\r\n"
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	"Message-ID: <20231114221320.1@example.org>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n"
	"Hi Bob,\r\n"
	"\r\n"
	"shall we meet at noon?  The usual place.\r\n"
	".\r\n"
	"Alice\r\n";

/* ---- fixture: the shipped keys ------------------------------------------- */

struct fixture {
	struct dkim_key *org, *net;
	char *org_txt, *net_txt; /* scenarios/keys/<d>.s1.txt, without the newline */
	char *org_p, *net_p;     /* their p= values */
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_append(&sb, buf, n);
	fclose(f);
	return sb_steal(&sb);
}

static char *key_file(const char *name)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");
	char *path = xasprintf("%s/scenarios/keys/%s", src ? src : "..", name);
	char *s = slurp(path);
	if (!s)
		fprintf(stderr, "cannot read %s\n", path);
	free(path);
	return s;
}

static struct dkim_key *load_key(const char *name)
{
	char err[160] = "";
	char *pem = key_file(name);
	struct dkim_key *k = pem ? dkim_key_load_pem(pem, err, sizeof err) : NULL;
	if (pem && !k)
		fprintf(stderr, "%s: %s\n", name, err);
	free(pem);
	return k;
}

static char *load_txt(const char *name)
{
	char *s = key_file(name);
	if (s)
		s[strcspn(s, "\r\n")] = '\0';
	return s;
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	fx->org = load_key("example.org.s1.pem");
	fx->net = load_key("example.net.s1.pem");
	fx->org_txt = load_txt("example.org.s1.txt");
	fx->net_txt = load_txt("example.net.s1.txt");
	if (!fx->org || !fx->net || !fx->org_txt || !fx->net_txt)
		return -1;
	fx->org_p = xstrdup(strstr(fx->org_txt, "p=") + 2);
	fx->net_p = xstrdup(strstr(fx->net_txt, "p=") + 2);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	dkim_key_free(fx->org);
	dkim_key_free(fx->net);
	free(fx->org_txt);
	free(fx->net_txt);
	free(fx->org_p);
	free(fx->net_p);
	free(fx);
	return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static void check_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		print_error("%s: got \"%s\", want \"%s\"\n", what, got, want);
		fail();
	}
}

static void check_result(const char *what, const struct dkim_verify *v, size_t i,
			 enum dkim_result want, const char *want_reason)
{
	enum dkim_result got = dkim_verify_result(v, i);
	if (got != want || strcmp(dkim_verify_reason(v, i), want_reason) != 0) {
		print_error("%s: got %s (%s), want %s (%s)\n", what, dkim_result_name(got),
			    dkim_verify_reason(v, i), dkim_result_name(want), want_reason);
		fail();
	}
}

/* Replace every "{P}" / "{PNET}" in a template with the keys' p= values;
 * "{PS}" is {P} with FWS (" \t") after its 32nd character. */
static char *subst(const char *tmpl, const struct fixture *fx)
{
	struct strbuf sb;
	sb_init(&sb);
	for (const char *p = tmpl; *p;) {
		if (strncmp(p, "{PNET}", 6) == 0) {
			sb_puts(&sb, fx->net_p);
			p += 6;
		} else if (strncmp(p, "{PS}", 4) == 0) {
			sb_append(&sb, fx->org_p, 32);
			sb_puts(&sb, " \t");
			sb_puts(&sb, fx->org_p + 32);
			p += 4;
		} else if (strncmp(p, "{P}", 3) == 0) {
			sb_puts(&sb, fx->org_p);
			p += 3;
		} else {
			sb_putc(&sb, *p++);
		}
	}
	return sb_steal(&sb);
}

static void db_put(struct dns_db *db, const char *owner, enum dns_type t, const char *rdata)
{
	struct dns_rr rr;
	char err[160];
	if (!dns_rr_init(&rr, owner, t, 300, rdata, err, sizeof err)) {
		print_error("dns_rr_init %s: %s\n", owner, err);
		fail();
	}
	assert_true(dns_db_add(db, &rr));
	dns_rr_clear(&rr);
}

/* Both zones, both real keys published at s1._domainkey. */
static struct dns_db *db_standard(const struct fixture *fx)
{
	struct dns_db *db = dns_db_new();
	assert_true(dns_db_add_zone(db, "example.org", 300));
	assert_true(dns_db_add_zone(db, "example.net", 300));
	db_put(db, "s1._domainkey.example.org", DNS_T_TXT, fx->org_txt);
	db_put(db, "s1._domainkey.example.net", DNS_T_TXT, fx->net_txt);
	return db;
}

struct vrun {
	struct dkim_verify *v;
	size_t nq;
	char q[8][DNS_NAME_MAX + 1];
};

/* Drive the machine to AUTH_DONE; db NULL = every query times out. */
static void run_verify(struct vrun *r, const char *msg, size_t len, int64_t now,
		       const struct dns_db *db)
{
	char q[DNS_NAME_MAX + 1];
	enum dns_type t;
	memset(r, 0, sizeof *r);
	r->v = dkim_verify_new(msg, len, now);
	while (dkim_verify_step(r->v, q, sizeof q, &t) == AUTH_NEED_DNS) {
		assert_int_equal(t, DNS_T_TXT);
		assert_true(r->nq < ARRAY_LEN(r->q));
		snprintf(r->q[r->nq++], sizeof r->q[0], "%s", q);
		if (!db) {
			dkim_verify_answer(r->v, NULL);
			continue;
		}
		struct dns_answer a = { 0 };
		dns_db_lookup(db, q, t, &a);
		dkim_verify_answer(r->v, &a);
		dns_answer_clear(&a);
	}
}

/* msg with "DKIM-Signature: <sign(o)>" on top, into out. */
static void sign_into(const struct dkim_key *k, const struct dkim_sign_opts *o, const char *msg,
		      size_t len, struct strbuf *out)
{
	char err[160] = "";
	char *value = dkim_sign(k, o, msg, len, err, sizeof err);
	if (!value) {
		print_error("dkim_sign: %s\n", err);
		fail();
	}
	sb_init(out);
	sb_printf(out, "DKIM-Signature: %s\r\n", value);
	sb_append(out, msg, len);
	free(value);
}

static struct dkim_sign_opts org_opts(enum dkim_canon hc, enum dkim_canon bc)
{
	struct dkim_sign_opts o = { .domain = "example.org", .selector = "s1",
				    .header_canon = hc, .body_canon = bc, .timestamp = T0 };
	return o;
}

/* The value of tag name in a DKIM-Signature value, FWS removed. */
static char *tag_value(const char *sigval, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = sigval; *p; p++) {
		bool start = p == sigval || p[-1] == ' ' || p[-1] == '\t' || p[-1] == ';';
		if (start && strncmp(p, name, n) == 0 && p[n] == '=') {
			struct strbuf sb;
			sb_init(&sb);
			for (p += n + 1; *p && *p != ';'; p++)
				if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
					sb_putc(&sb, *p);
			return sb_steal(&sb);
		}
	}
	return xstrdup("");
}

/* ---- canonicalization [RFC 6376 §3.4] ------------------------------------ */

struct canon_case {
	enum dkim_canon c;
	const char *in, *want;
};

static void test_canon_header_table(void **state)
{
	static const struct canon_case cases[] = {
		/* §3.4.5 example, both header lines. */
		{ DKIM_RELAXED, "A: X", "a:X" },
		{ DKIM_RELAXED, "B : Y\t\r\n\tZ  ", "b:Y Z" },
		{ DKIM_SIMPLE, "A: X", "A: X" },
		{ DKIM_SIMPLE, "B : Y\t\r\n\tZ  ", "B : Y\t\r\n\tZ  " },
		/* more relaxed rules */
		{ DKIM_RELAXED, "Subject:  Hello   \t world  ", "subject:Hello world" },
		{ DKIM_RELAXED, "X-Empty:", "x-empty:" },
		{ DKIM_RELAXED, "X-Empty: \t ", "x-empty:" },
		{ DKIM_RELAXED, "TO:\r\n a@b,\r\n\t c@d", "to:a@b, c@d" },
		{ DKIM_RELAXED, "MiXeD-Case: KeEp VaLuE", "mixed-case:KeEp VaLuE" },
		{ DKIM_RELAXED, "Subject: a\r\n b", "subject:a b" },
		{ DKIM_RELAXED, "Subject:a\r\n\tb", "subject:a b" },
		{ DKIM_SIMPLE, "sUbJeCt:  x ", "sUbJeCt:  x " },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct strbuf out;
		sb_init(&out);
		dkim_canon_header(cases[i].c, cases[i].in, &out);
		char what[64];
		snprintf(what, sizeof what, "header case %zu", i);
		check_str(what, out.data ? out.data : "", cases[i].want);
		sb_free(&out);
	}
}

static void test_canon_body_table(void **state)
{
	static const struct canon_case cases[] = {
		/* §3.4.5 example body */
		{ DKIM_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n" },
		{ DKIM_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n" },
		/* empty bodies: simple is one CRLF, relaxed nothing */
		{ DKIM_SIMPLE, "", "\r\n" },
		{ DKIM_RELAXED, "", "" },
		{ DKIM_SIMPLE, "\r\n\r\n\r\n", "\r\n" },
		{ DKIM_RELAXED, "\r\n\r\n\r\n", "" },
		{ DKIM_RELAXED, " \t \r\n\r\n", "" },
		{ DKIM_SIMPLE, " \t \r\n", " \t \r\n" },
		/* a missing final CRLF is added */
		{ DKIM_SIMPLE, "abc", "abc\r\n" },
		{ DKIM_RELAXED, "abc  ", "abc\r\n" },
		/* whitespace-only last line: relaxed drops it, simple keeps it */
		{ DKIM_SIMPLE, "a\r\n \r\n", "a\r\n \r\n" },
		{ DKIM_RELAXED, "a\r\n \r\n", "a\r\n" },
		/* inner empty lines stay */
		{ DKIM_SIMPLE, "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n" },
		{ DKIM_RELAXED, "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n" },
		{ DKIM_RELAXED, "x  y\t\tz \r\n", "x y z\r\n" },
		/* dot lines are content (dot-stuffing is SMTP's business) */
		{ DKIM_SIMPLE, ".\r\n..dot\r\n", ".\r\n..dot\r\n" },
		{ DKIM_RELAXED, ".\r\n..dot\r\n", ".\r\n..dot\r\n" },
		/* a bare LF is not a line end */
		{ DKIM_SIMPLE, "a\nb\r\n", "a\nb\r\n" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct strbuf out;
		sb_init(&out);
		dkim_canon_body(cases[i].c, cases[i].in, strlen(cases[i].in), &out);
		char what[64];
		snprintf(what, sizeof what, "body case %zu", i);
		check_str(what, out.data ? out.data : "", cases[i].want);
		sb_free(&out);
	}
}

/* bh= of an empty body (and of one made only of empty lines) is the hash of
 * "\r\n" (simple) or of nothing (relaxed). */
static void test_empty_body_hashes(void **state)
{
	static const struct {
		enum dkim_canon bc;
		const char *msg, *want;
	} cases[] = {
		{ DKIM_SIMPLE, "From: a@example.org\r\n\r\n", "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
		{ DKIM_RELAXED, "From: a@example.org\r\n\r\n", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
		{ DKIM_SIMPLE, "From: a@example.org\r\n", "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
		{ DKIM_RELAXED, "From: a@example.org\r\n\r\n\r\n \r\n", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	};
	struct fixture *fx = *state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dkim_sign_opts o = org_opts(DKIM_RELAXED, cases[i].bc);
		char err[160];
		char *v = dkim_sign(fx->org, &o, cases[i].msg, strlen(cases[i].msg), err, sizeof err);
		assert_non_null(v);
		char *bh = tag_value(v, "bh");
		check_str("empty-body bh=", bh, cases[i].want);
		free(bh);
		free(v);
	}
}

/* ---- keys ----------------------------------------------------------------- */

static char *pem_of(EVP_PKEY *pk, bool pkcs8)
{
	BIO *b = BIO_new(BIO_s_mem());
	assert_non_null(b);
	int ok = pkcs8 ? PEM_write_bio_PKCS8PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL)
		       : PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
	assert_int_equal(ok, 1);
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *s = xstrndup(data, (size_t)n);
	BIO_free(b);
	return s;
}

static void test_key_txt_matches_shipped(void **state)
{
	struct fixture *fx = *state;
	char *t1 = dkim_key_txt(fx->org), *t2 = dkim_key_txt(fx->net);
	check_str("example.org txt", t1, fx->org_txt);
	check_str("example.net txt", t2, fx->net_txt);
	assert_true(strncmp(t1, "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 62) == 0);
	free(t1);
	free(t2);
}

/* The shipped PEMs are PKCS#1 ("BEGIN RSA PRIVATE KEY", what dkimpy reads);
 * the same key as PKCS#8 must load to the same public key. */
static void test_key_pkcs8(void **state)
{
	struct fixture *fx = *state;
	char *pem1 = key_file("example.org.s1.pem");
	assert_non_null(strstr(pem1, "BEGIN RSA PRIVATE KEY"));
	BIO *b = BIO_new_mem_buf(pem1, -1);
	EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(pk);
	char *pem8 = pem_of(pk, true), err[160];
	assert_non_null(strstr(pem8, "BEGIN PRIVATE KEY"));
	struct dkim_key *k = dkim_key_load_pem(pem8, err, sizeof err);
	assert_non_null(k);
	char *txt = dkim_key_txt(k);
	check_str("PKCS#8 txt", txt, fx->org_txt);
	free(txt);
	dkim_key_free(k);
	free(pem8);
	free(pem1);
	EVP_PKEY_free(pk);
}

static void test_key_rejects(void **state)
{
	char err[160] = "";
	(void)state;
	assert_null(dkim_key_load_pem("not a key", err, sizeof err));
	check_str("garbage", err, "not a PEM private key (PKCS#1 or PKCS#8, unencrypted)");
	/* RFC 8301 §3.2: signers use at least 1024 bits; and DKIM here is RSA. */
	EVP_PKEY *keys[2] = { EVP_RSA_gen(512), EVP_EC_gen("P-256") };
	for (size_t i = 0; i < 2; i++) {
		assert_non_null(keys[i]);
		char *pem = pem_of(keys[i], false);
		err[0] = '\0';
		assert_null(dkim_key_load_pem(pem, err, sizeof err));
		check_str("small/EC key", err, "DKIM needs an RSA key of at least 1024 bits (RFC 8301 3.2)");
		free(pem);
		EVP_PKEY_free(keys[i]);
	}
}

/* ---- sign -> verify -------------------------------------------------------- */

static void test_sign_verify_pass(void **state)
{
	static const struct {
		enum dkim_canon hc, bc;
		bool net;
	} cases[] = {
		{ DKIM_RELAXED, DKIM_RELAXED, false }, { DKIM_SIMPLE, DKIM_SIMPLE, false },
		{ DKIM_RELAXED, DKIM_SIMPLE, false },  { DKIM_SIMPLE, DKIM_RELAXED, false },
		{ DKIM_RELAXED, DKIM_RELAXED, true },
	};
	struct fixture *fx = *state;
	struct dns_db *db = db_standard(fx);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dkim_sign_opts o = org_opts(cases[i].hc, cases[i].bc);
		if (cases[i].net)
			o.domain = "example.net";
		struct strbuf m;
		sign_into(cases[i].net ? fx->net : fx->org, &o, base_msg, strlen(base_msg), &m);
		struct vrun r;
		run_verify(&r, m.data, m.len, T0 + 60, db);
		assert_int_equal(dkim_verify_count(r.v), 1);
		check_result("sign/verify", r.v, 0, DKIM_PASS, "good signature");
		check_str("d=", dkim_verify_domain(r.v, 0), o.domain);
		check_str("s=", dkim_verify_selector(r.v, 0), "s1");
		assert_false(dkim_verify_testing(r.v, 0));
		assert_int_equal(r.nq, 1);
		check_str("query", r.q[0], cases[i].net ? "s1._domainkey.example.net"
							: "s1._domainkey.example.org");
		dkim_verify_free(r.v);
		sb_free(&m);
	}
	dns_db_free(db);
}

/* The value as real signers fold it: lines of at most 76 columns (TAB = 8)
 * counting "DKIM-Signature: ", CRLF+TAB folds, b= last. */
static void test_sign_format(void **state)
{
	struct fixture *fx = *state;
	struct dkim_sign_opts o = org_opts(DKIM_RELAXED, DKIM_RELAXED);
	char err[160];
	char *v = dkim_sign(fx->org, &o, base_msg, strlen(base_msg), err, sizeof err);
	assert_non_null(v);
	const char *want_head =
		"v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s1;\r\n"
		"\tt=1700000000; bh=sMRjshXlxIxdTtmzAay7P81tO/Oq8kEOHPwI5AqpPUg=;\r\n"
		"\th=From:To:Subject:Date:Message-ID:MIME-Version; b=";
	if (strncmp(v, want_head, strlen(want_head)) != 0) {
		print_error("got head \"%.*s\", want \"%s\"\n", (int)strlen(want_head), v, want_head);
		fail();
	}
	size_t col = strlen("DKIM-Signature: ");
	for (const char *p = v; *p; p++) {
		if (*p == '\r') {
			assert_true(p[1] == '\n' && p[2] == '\t'); /* every fold is CRLF TAB */
			col = 0;
			p++;
			continue;
		}
		col += *p == '\t' ? 8 : 1;
		assert_true(col <= 76);
	}
	char *b = tag_value(v, "b");
	assert_int_equal(strlen(b), 344); /* 2048-bit signature in base64 */
	free(b);
	free(v);
}

static void test_sign_deterministic(void **state)
{
	struct fixture *fx = *state;
	struct dkim_sign_opts o = org_opts(DKIM_RELAXED, DKIM_RELAXED);
	char err[160];
	char *a = dkim_sign(fx->org, &o, base_msg, strlen(base_msg), err, sizeof err);
	char *b = dkim_sign(fx->org, &o, base_msg, strlen(base_msg), err, sizeof err);
	o.timestamp = T0 + 1;
	char *c = dkim_sign(fx->org, &o, base_msg, strlen(base_msg), err, sizeof err);
	assert_non_null(a);
	assert_non_null(c);
	check_str("sign twice", b, a);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
}

static void test_sign_errors(void **state)
{
	static const char *const no_from[] = { "To", "Subject" };
	static const char *const bad_name[] = { "From", "Sub ject" };
	struct fixture *fx = *state;
	struct {
		struct dkim_sign_opts o;
		const char *want;
	} cases[] = {
		{ org_opts(DKIM_RELAXED, DKIM_RELAXED), "h= must include From (RFC 6376 5.4)" },
		{ org_opts(DKIM_RELAXED, DKIM_RELAXED), "h= has an invalid header field name" },
		{ org_opts(DKIM_RELAXED, DKIM_RELAXED), "d= and s= must form a valid <s>._domainkey.<d> name" },
		{ org_opts(DKIM_RELAXED, DKIM_RELAXED), "t= must be >= 0 and x= later than t=" },
	};
	cases[0].o.headers = no_from;
	cases[0].o.nheaders = 2;
	cases[1].o.headers = bad_name;
	cases[1].o.nheaders = 2;
	cases[2].o.domain = "bad domain";
	cases[3].o.expire = T0;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char err[160] = "";
		assert_null(dkim_sign(fx->org, &cases[i].o, base_msg, strlen(base_msg), err, sizeof err));
		check_str("sign error", err, cases[i].want);
	}
}

/* ---- what breaks a signature ---------------------------------------------- */

static void replace_once(struct strbuf *m, const char *from, const char *to)
{
	char *p = strstr(m->data, from);
	assert_non_null(p);
	struct strbuf n;
	sb_init(&n);
	sb_append(&n, m->data, (size_t)(p - m->data));
	sb_puts(&n, to);
	sb_puts(&n, p + strlen(from));
	sb_free(m);
	*m = n;
}

static void prepend(struct strbuf *m, const char *s)
{
	struct strbuf n;
	sb_init(&n);
	sb_puts(&n, s);
	sb_append(&n, m->data, m->len);
	sb_free(m);
	*m = n;
}

static void tw_body(struct strbuf *m) { replace_once(m, "at noon?", "at one?"); }
static void tw_subject(struct strbuf *m) { replace_once(m, "Subject: Lunch on", "Subject: Dinner on"); }
static void tw_add_unsigned(struct strbuf *m) { prepend(m, "X-Spam-Flag: NO\r\nReceived: from relay by mx;\r\n\tTue, 14 Nov 2023 22:14:00 +0000\r\n"); }
static void tw_from_on_top(struct strbuf *m) { prepend(m, "From: Mallory <ceo@example.org>\r\n"); }
static void tw_to_below(struct strbuf *m) { replace_once(m, "MIME-Version: 1.0\r\n", "MIME-Version: 1.0\r\nTo: eve@example.com\r\n"); }
static void tw_refold(struct strbuf *m) { replace_once(m, "Subject: Lunch on\r\n\tThursday?", "Subject:   Lunch  on Thursday?  "); }
static void tw_name_case(struct strbuf *m) { replace_once(m, "\r\nSubject:", "\r\nSUBJECT:"); }
static void tw_blank_lines(struct strbuf *m) { sb_puts(m, "\r\n\r\n"); }
static void tw_trailing_ws(struct strbuf *m) { replace_once(m, "Hi Bob,\r\n", "Hi  Bob, \t\r\n"); }
static void tw_add_reply_to(struct strbuf *m) { replace_once(m, "MIME-Version: 1.0\r\n", "MIME-Version: 1.0\r\nReply-To: eve@example.com\r\n"); }
static void tw_sig_respaced(struct strbuf *m) { replace_once(m, "v=1; a=rsa-sha256;", "v=1;  a=rsa-sha256; "); }

static void test_tamper_table(void **state)
{
	static const char *const oversign[] = { "From", "From", "To", "Subject", "Date" };
	static const char *const with_reply_to[] = { "From", "To", "Subject", "Reply-To" };
	static const struct {
		const char *what;
		enum dkim_canon hc, bc;
		const char *const *h; /* NULL = default list */
		size_t nh;
		void (*tweak)(struct strbuf *m);
		enum dkim_result want;
		const char *reason;
	} cases[] = {
		{ "body changed", DKIM_RELAXED, DKIM_RELAXED, NULL, 0, tw_body, DKIM_FAIL, "body hash did not verify" },
		{ "signed Subject changed", DKIM_RELAXED, DKIM_RELAXED, NULL, 0, tw_subject, DKIM_FAIL, "signature did not verify" },
		{ "unsigned fields added on top", DKIM_SIMPLE, DKIM_SIMPLE, NULL, 0, tw_add_unsigned, DKIM_PASS, "good signature" },
		/* h= names From once: a From added above the signed one is not
		 * selected (bottom-up, §5.4.2) — the reason to oversign. */
		{ "From added on top", DKIM_RELAXED, DKIM_RELAXED, NULL, 0, tw_from_on_top, DKIM_PASS, "good signature" },
		{ "From added on top, From oversigned", DKIM_RELAXED, DKIM_RELAXED, oversign, 5, tw_from_on_top, DKIM_FAIL, "signature did not verify" },
		{ "To added below the signed one", DKIM_RELAXED, DKIM_RELAXED, NULL, 0, tw_to_below, DKIM_FAIL, "signature did not verify" },
		{ "Subject refolded, relaxed", DKIM_RELAXED, DKIM_SIMPLE, NULL, 0, tw_refold, DKIM_PASS, "good signature" },
		{ "Subject refolded, simple", DKIM_SIMPLE, DKIM_SIMPLE, NULL, 0, tw_refold, DKIM_FAIL, "signature did not verify" },
		{ "name case, relaxed", DKIM_RELAXED, DKIM_SIMPLE, NULL, 0, tw_name_case, DKIM_PASS, "good signature" },
		{ "name case, simple", DKIM_SIMPLE, DKIM_SIMPLE, NULL, 0, tw_name_case, DKIM_FAIL, "signature did not verify" },
		{ "blank lines appended, simple", DKIM_SIMPLE, DKIM_SIMPLE, NULL, 0, tw_blank_lines, DKIM_PASS, "good signature" },
		{ "blank lines appended, relaxed", DKIM_SIMPLE, DKIM_RELAXED, NULL, 0, tw_blank_lines, DKIM_PASS, "good signature" },
		{ "body whitespace, relaxed", DKIM_SIMPLE, DKIM_RELAXED, NULL, 0, tw_trailing_ws, DKIM_PASS, "good signature" },
		{ "body whitespace, simple", DKIM_SIMPLE, DKIM_SIMPLE, NULL, 0, tw_trailing_ws, DKIM_FAIL, "body hash did not verify" },
		/* An absent field named in h= signs as nothing; adding it breaks. */
		{ "absent Reply-To signed", DKIM_RELAXED, DKIM_RELAXED, with_reply_to, 4, NULL, DKIM_PASS, "good signature" },
		{ "absent Reply-To then added", DKIM_RELAXED, DKIM_RELAXED, with_reply_to, 4, tw_add_reply_to, DKIM_FAIL, "signature did not verify" },
		{ "signature field respaced, relaxed", DKIM_RELAXED, DKIM_SIMPLE, NULL, 0, tw_sig_respaced, DKIM_PASS, "good signature" },
		{ "signature field respaced, simple", DKIM_SIMPLE, DKIM_SIMPLE, NULL, 0, tw_sig_respaced, DKIM_FAIL, "signature did not verify" },
	};
	struct fixture *fx = *state;
	struct dns_db *db = db_standard(fx);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dkim_sign_opts o = org_opts(cases[i].hc, cases[i].bc);
		o.headers = cases[i].h;
		o.nheaders = cases[i].nh;
		struct strbuf m;
		sign_into(fx->org, &o, base_msg, strlen(base_msg), &m);
		if (cases[i].tweak)
			cases[i].tweak(&m);
		struct vrun r;
		run_verify(&r, m.data, m.len, T0 + 60, db);
		assert_int_equal(dkim_verify_count(r.v), 1);
		check_result(cases[i].what, r.v, 0, cases[i].want, cases[i].reason);
		dkim_verify_free(r.v);
		sb_free(&m);
	}
	dns_db_free(db);
}

/* ---- the key record [RFC 6376 §3.6.1, §6.1.2] ------------------------------ */

static void test_key_record_table(void **state)
{
	static const struct {
		const char *what;
		const char *txt[2]; /* TXT records at s1._domainkey.example.org; {P} = the key */
		const char *a_rdata; /* or an A record instead (NODATA for TXT) */
		const char *i_tag;   /* inserted into the signature (t=s check) */
		enum dkim_result want;
		const char *reason;
		bool testing;
	} cases[] = {
		{ "published key", { "v=DKIM1; k=rsa; p={P}" }, NULL, NULL, DKIM_PASS, "good signature", false },
		{ "no v=, no k=", { "p={P}" }, NULL, NULL, DKIM_PASS, "good signature", false },
		{ "h=sha1:sha256", { "v=DKIM1; h=sha1:sha256; p={P}" }, NULL, NULL, DKIM_PASS, "good signature", false },
		{ "s=email", { "v=DKIM1; s=email; p={P}" }, NULL, NULL, DKIM_PASS, "good signature", false },
		{ "t=y testing", { "v=DKIM1; t=y; p={P}" }, NULL, NULL, DKIM_PASS, "good signature", true },
		{ "FWS inside p=", { "v=DKIM1; p={PS}" }, NULL, NULL, DKIM_PASS, "good signature", false },
		{ "SPF record first", { "v=spf1 -all", "v=DKIM1; p={P}" }, NULL, NULL, DKIM_PASS, "good signature", false },
		{ "revoked (empty p=)", { "v=DKIM1; k=rsa; p=" }, NULL, NULL, DKIM_PERMERROR, "key revoked", false },
		{ "no record (NXDOMAIN)", { NULL }, NULL, NULL, DKIM_PERMERROR, "no key for signature", false },
		{ "no TXT (NODATA)", { NULL }, "192.0.2.1", NULL, DKIM_PERMERROR, "no key for signature", false },
		{ "k=ed25519", { "v=DKIM1; k=ed25519; p={P}" }, NULL, NULL, DKIM_PERMERROR, "inappropriate key algorithm", false },
		{ "h=sha1 only", { "v=DKIM1; h=sha1; p={P}" }, NULL, NULL, DKIM_PERMERROR, "inappropriate hash algorithm", false },
		{ "v=DKIM2", { "v=DKIM2; p={P}" }, NULL, NULL, DKIM_PERMERROR, "key syntax error", false },
		{ "v= not first", { "k=rsa; v=DKIM1; p={P}" }, NULL, NULL, DKIM_PERMERROR, "key syntax error", false },
		{ "p= not base64", { "v=DKIM1; p=!!!" }, NULL, NULL, DKIM_PERMERROR, "key syntax error", false },
		{ "no p=", { "v=DKIM1; k=rsa" }, NULL, NULL, DKIM_PERMERROR, "key syntax error", false },
		{ "not a tag list", { "hello world" }, NULL, NULL, DKIM_PERMERROR, "key syntax error", false },
		{ "s=tlsrpt only", { "v=DKIM1; s=tlsrpt; p={P}" }, NULL, NULL, DKIM_PERMERROR, "key not for email (s=)", false },
		{ "another domain's key", { "v=DKIM1; p={PNET}" }, NULL, NULL, DKIM_FAIL, "signature did not verify", false },
		{ "t=s, i= subdomain", { "v=DKIM1; t=s; p={P}" }, NULL, "i=@mail.example.org; ", DKIM_PERMERROR, "domain mismatch (key t=s forbids subdomains in i=)", false },
		{ "t=s, i= exact", { "v=DKIM1; t=s; p={P}" }, NULL, "i=alice@example.org; ", DKIM_FAIL, "signature did not verify", false },
	};
	struct fixture *fx = *state;
	struct dkim_sign_opts o = org_opts(DKIM_RELAXED, DKIM_RELAXED);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct dns_db *db = dns_db_new();
		assert_true(dns_db_add_zone(db, "example.org", 300));
		for (size_t j = 0; j < 2 && cases[i].txt[j]; j++) {
			char *t = subst(cases[i].txt[j], fx);
			db_put(db, "s1._domainkey.example.org", DNS_T_TXT, t);
			free(t);
		}
		if (cases[i].a_rdata)
			db_put(db, "s1._domainkey.example.org", DNS_T_A, cases[i].a_rdata);
		struct strbuf m;
		sign_into(fx->org, &o, base_msg, strlen(base_msg), &m);
		if (cases[i].i_tag) { /* i= was not signed: the key check comes first */
			char *with = xasprintf("%ss=s1;", cases[i].i_tag);
			replace_once(&m, "s=s1;", with);
			free(with);
		}
		struct vrun r;
		run_verify(&r, m.data, m.len, T0 + 60, db);
		check_result(cases[i].what, r.v, 0, cases[i].want, cases[i].reason);
		assert_int_equal(dkim_verify_testing(r.v, 0), cases[i].testing);
		assert_int_equal(r.nq, 1);
		dkim_verify_free(r.v);
		sb_free(&m);
		dns_db_free(db);
	}
}

/* The key query fails: temperror, a later attempt may succeed. */
static void test_dns_failures(void **state)
{
	struct fixture *fx = *state;
	struct dkim_sign_opts o = org_opts(DKIM_RELAXED, DKIM_RELAXED);
	struct strbuf m;
	sign_into(fx->org, &o, base_msg, strlen(base_msg), &m);
	struct vrun r;
	run_verify(&r, m.data, m.len, T0 + 60, NULL);
	check_result("timeout", r.v, 0, DKIM_TEMPERROR, "key unavailable (DNS timeout)");
	dkim_verify_free(r.v);

	struct dns_db *db = db_standard(fx);
	assert_true(dns_db_set_zone_failure(db, "example.org", DNS_R_SERVFAIL));
	run_verify(&r, m.data, m.len, T0 + 60, db);
	check_result("servfail", r.v, 0, DKIM_TEMPERROR, "key unavailable (SERVFAIL)");
	dkim_verify_free(r.v);
	dns_db_free(db);

	db = dns_db_new(); /* serves no zone: REFUSED */
	run_verify(&r, m.data, m.len, T0 + 60, db);
	check_result("refused", r.v, 0, DKIM_TEMPERROR, "key unavailable (REFUSED)");
	dkim_verify_free(r.v);
	dns_db_free(db);
	sb_free(&m);
}

/* x= [§3.5]: past it the signature is not evaluated and no key is fetched. */
static void test_expiry(void **state)
{
	struct fixture *fx = *state;
	struct dns_db *db = db_standard(fx);
	struct dkim_sign_opts o = org_opts(DKIM_RELAXED, DKIM_RELAXED);
	o.expire = T0 + 3600;
	struct strbuf m;
	sign_into(fx->org, &o, base_msg, strlen(base_msg), &m);
	char *x = tag_value(m.data + strlen("DKIM-Signature: "), "x");
	check_str("x=", x, "1700003600");
	free(x);
	struct vrun r;
	run_verify(&r, m.data, m.len, T0 + 3600, db);
	check_result("at x=", r.v, 0, DKIM_PASS, "good signature");
	dkim_verify_free(r.v);
	run_verify(&r, m.data, m.len, T0 + 3601, db);
	check_result("after x=", r.v, 0, DKIM_PERMERROR, "signature expired");
	assert_int_equal(r.nq, 0);
	dkim_verify_free(r.v);
	sb_free(&m);
	dns_db_free(db);
}

static void tw_body_same_len(struct strbuf *m) { replace_once(m, "at noon?", "at n00n?"); }
static void tw_append_footer(struct strbuf *m) { sb_puts(m, "--\r\nmailing list footer\r\n"); }
static void tw_drop_last_line(struct strbuf *m) { m->len -= strlen("Alice\r\n"); m->data[m->len] = '\0'; }

/* l= [§3.5, §8.2]: only the first l octets of the canonical body count. */
static void test_body_length(void **state)
{
	static const struct {
		const char *what;
		void (*tweak)(struct strbuf *m);
		enum dkim_result want;
		const char *reason;
	} cases[] = {
		{ "as signed", NULL, DKIM_PASS, "good signature" },
		{ "footer appended", tw_append_footer, DKIM_PASS, "good signature" },
		{ "signed part changed", tw_body_same_len, DKIM_FAIL, "body hash did not verify" },
		{ "body truncated", tw_drop_last_line, DKIM_FAIL, "body shorter than l=" },
	};
	struct fixture *fx = *state;
	struct dns_db *db = db_standard(fx);
	struct dkim_sign_opts o = org_opts(DKIM_RELAXED, DKIM_RELAXED);
	o.body_length = true;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct strbuf m;
		sign_into(fx->org, &o, base_msg, strlen(base_msg), &m);
		/* relaxed body: "Hi Bob,\r\n\r\nshall we meet at noon? The usual place.\r\n.\r\nAlice\r\n" */
		char *l = tag_value(m.data + strlen("DKIM-Signature: "), "l");
		check_str("l=", l, "62");
		free(l);
		if (cases[i].tweak)
			cases[i].tweak(&m);
		struct vrun r;
		run_verify(&r, m.data, m.len, T0 + 60, db);
		check_result(cases[i].what, r.v, 0, cases[i].want, cases[i].reason);
		dkim_verify_free(r.v);
		sb_free(&m);
	}
	dns_db_free(db);
}

/* ---- malformed signatures: permerror before any DNS query [§6.1.1] -------- */

static void test_signature_syntax_table(void **state)
{
#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
	static const struct {
		const char *value, *reason;
	} cases[] = {
		{ "v=1; a=rsa-sha256; d=example.org; s=s1; h=From; b=AAAA", "signature missing required tag (bh=)" },
		{ "a=rsa-sha256; d=example.org; s=s1; h=From; " BH " b=AAAA", "signature missing required tag (v=)" },
		{ "V=1; a=rsa-sha256; d=example.org; s=s1; h=From; " BH " b=AAAA", "signature missing required tag (v=)" },
		{ "v=1; a=rsa-sha256; s=s1; h=From; " BH " b=AAAA", "signature missing required tag (d=)" },
		{ "v=2; a=rsa-sha256; d=example.org; s=s1; h=From; " BH " b=AAAA", "incompatible version" },
		{ "v=1; a=rsa-sha1; d=example.org; s=s1; h=From; " BH " b=AAAA", "rsa-sha1 is not accepted (RFC 8301)" },
		{ "v=1; a=ed25519-sha256; d=example.org; s=s1; h=From; " BH " b=AAAA", "unsupported signature algorithm" },
		{ "v=1; a=rsa-sha256; d=example.org; s=s1; h=To:Subject; " BH " b=AAAA", "From field not signed" },
		{ "v=1; a=rsa-sha256; d=example.org; d=example.net; s=s1; h=From; " BH " b=AAAA", "signature syntax error" },
		{ "v=1; a=rsa-sha256;; d=example.org; s=s1; h=From; " BH " b=AAAA", "signature syntax error" },
		{ "v=1; a=rsa-sha256; c=fancy/simple; d=example.org; s=s1; h=From; " BH " b=AAAA", "unsupported canonicalization" },
		{ "v=1; a=rsa-sha256; d=example.org; i=@evil.example; s=s1; h=From; " BH " b=AAAA", "domain mismatch (i= not within d=)" },
		{ "v=1; a=rsa-sha256; d=example.org; i=@badexample.org; s=s1; h=From; " BH " b=AAAA", "domain mismatch (i= not within d=)" },
		{ "v=1; a=rsa-sha256; d=example.org; q=https; s=s1; h=From; " BH " b=AAAA", "unsupported query method" },
		{ "v=1; a=rsa-sha256; d=example.org; l=12a; s=s1; h=From; " BH " b=AAAA", "signature syntax error (l=)" },
		{ "v=1; a=rsa-sha256; d=example.org; s=s1; t=100; x=50; h=From; " BH " b=AAAA", "signature syntax error (x= not after t=)" },
		{ "v=1; a=rsa-sha256; d=bad..example; s=s1; h=From; " BH " b=AAAA", "signature syntax error (d= or s=)" },
		{ "v=1; a=rsa-sha256; d=example.org; s=s1; h=From; bh=AAAA; b=AAAA", "signature syntax error (bh=)" },
		{ "v=1; a=rsa-sha256; d=example.org; s=s1; h=From; " BH " b=A", "signature syntax error (b=)" },
	};
#undef BH
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *msg = xasprintf("DKIM-Signature: %s\r\n%s", cases[i].value, base_msg);
		struct vrun r;
		run_verify(&r, msg, strlen(msg), T0, NULL);
		assert_int_equal(dkim_verify_count(r.v), 1);
		check_result(cases[i].value, r.v, 0, DKIM_PERMERROR, cases[i].reason);
		assert_int_equal(r.nq, 0);
		dkim_verify_free(r.v);
		free(msg);
	}
}

/* ---- several signatures, none ------------------------------------------- */

static void test_multiple_signatures(void **state)
{
	struct fixture *fx = *state;
	struct dns_db *db = db_standard(fx);
	struct dkim_sign_opts o = org_opts(DKIM_RELAXED, DKIM_RELAXED);
	struct strbuf m1, m2;
	sign_into(fx->org, &o, base_msg, strlen(base_msg), &m1);
	o.domain = "example.net";
	sign_into(fx->net, &o, m1.data, m1.len, &m2); /* e.g. a mailing list re-signs */
	tw_subject(&m2); /* breaks both */
	struct vrun r;
	run_verify(&r, m2.data, m2.len, T0 + 60, db);
	assert_int_equal(dkim_verify_count(r.v), 2);
	check_str("first d=", dkim_verify_domain(r.v, 0), "example.net"); /* top first */
	check_result("net", r.v, 0, DKIM_FAIL, "signature did not verify");
	check_result("org", r.v, 1, DKIM_FAIL, "signature did not verify");
	assert_int_equal(r.nq, 2);
	check_str("query 1", r.q[0], "s1._domainkey.example.net");
	check_str("query 2", r.q[1], "s1._domainkey.example.org");
	dkim_verify_free(r.v);
	sb_free(&m2);

	/* One good, one without a key: independent results. */
	sign_into(fx->net, &o, m1.data, m1.len, &m2);
	struct dns_db *only_org = dns_db_new();
	assert_true(dns_db_add_zone(only_org, "example.org", 300));
	assert_true(dns_db_add_zone(only_org, "example.net", 300));
	db_put(only_org, "s1._domainkey.example.org", DNS_T_TXT, fx->org_txt);
	run_verify(&r, m2.data, m2.len, T0 + 60, only_org);
	check_result("net, no key", r.v, 0, DKIM_PERMERROR, "no key for signature");
	check_result("org", r.v, 1, DKIM_PASS, "good signature");
	dkim_verify_free(r.v);
	dns_db_free(only_org);

	/* Five signatures: the first four are evaluated. */
	for (int i = 0; i < 3; i++)
		prepend(&m2, "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=x; h=From; bh=AAAA; b=AAAA\r\n");
	run_verify(&r, m2.data, m2.len, T0 + 60, db);
	assert_int_equal(dkim_verify_count(r.v), 4);
	check_result("4th", r.v, 3, DKIM_PASS, "good signature");
	assert_int_equal(r.nq, 1);
	dkim_verify_free(r.v);
	sb_free(&m2);
	sb_free(&m1);
	dns_db_free(db);
}

static void test_unsigned_and_misuse(void **state)
{
	(void)state;
	struct vrun r;
	run_verify(&r, base_msg, strlen(base_msg), T0, NULL);
	assert_int_equal(dkim_verify_count(r.v), 0);
	assert_int_equal(r.nq, 0);
	assert_int_equal(dkim_verify_result(r.v, 0), DKIM_NONE);
	check_str("no domain", dkim_verify_domain(r.v, 0), "");
	dkim_verify_answer(r.v, NULL); /* nothing asked: ignored */
	dkim_verify_free(r.v);
	dkim_verify_free(NULL);
	dkim_key_free(NULL);
}

/* Robustness: every prefix of a signed message, and the signature field
 * with each byte replaced by a delimiter, must give a well-formed result
 * (ASan/UBSan watch the parsing). Only the prefix missing just the final
 * CRLF passes (relaxed adds it back, §3.4.4; a lone CR is not WSP). */
static void test_truncated_and_mangled(void **state)
{
	static const char repl[] = { ';', '=', ' ', '\r', '\n', ':', '\0' };
	struct fixture *fx = *state;
	struct dns_db *db = db_standard(fx);
	struct dkim_sign_opts o = org_opts(DKIM_RELAXED, DKIM_RELAXED);
	struct strbuf m;
	sign_into(fx->org, &o, base_msg, strlen(base_msg), &m);
	size_t passes = 0, siglen = strstr(m.data, "\r\nReceived:") - m.data;
	for (size_t n = 0; n < m.len; n++) {
		struct vrun r;
		run_verify(&r, m.data, n, T0, db);
		assert_true(dkim_verify_count(r.v) <= 1);
		if (dkim_verify_count(r.v) == 1) {
			assert_in_range(dkim_verify_result(r.v, 0), DKIM_PASS, DKIM_PERMERROR);
			assert_true(dkim_verify_reason(r.v, 0)[0] != '\0');
			passes += dkim_verify_result(r.v, 0) == DKIM_PASS;
		}
		dkim_verify_free(r.v);
	}
	assert_int_equal(passes, 1); /* "...Alice": relaxed adds the CRLF back */
	for (size_t i = strlen("DKIM-Signature:"); i < siglen; i++) {
		for (size_t j = 0; j < ARRAY_LEN(repl); j++) {
			char saved = m.data[i];
			m.data[i] = repl[j];
			struct vrun r;
			run_verify(&r, m.data, m.len, T0, db);
			assert_true(dkim_verify_count(r.v) <= 1);
			dkim_verify_free(r.v);
			m.data[i] = saved;
		}
	}
	sb_free(&m);
	dns_db_free(db);
}

static void test_result_names(void **state)
{
	static const struct {
		enum dkim_result r;
		const char *name;
	} cases[] = {
		{ DKIM_NONE, "none" },       { DKIM_PASS, "pass" },
		{ DKIM_FAIL, "fail" },       { DKIM_POLICY, "policy" },
		{ DKIM_NEUTRAL, "neutral" }, { DKIM_TEMPERROR, "temperror" },
		{ DKIM_PERMERROR, "permerror" }, { (enum dkim_result)99, "unknown" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		check_str("result name", dkim_result_name(cases[i].r), cases[i].name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_header_table),
		cmocka_unit_test(test_canon_body_table),
		cmocka_unit_test(test_empty_body_hashes),
		cmocka_unit_test(test_key_txt_matches_shipped),
		cmocka_unit_test(test_key_pkcs8),
		cmocka_unit_test(test_key_rejects),
		cmocka_unit_test(test_sign_verify_pass),
		cmocka_unit_test(test_sign_format),
		cmocka_unit_test(test_sign_deterministic),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_tamper_table),
		cmocka_unit_test(test_key_record_table),
		cmocka_unit_test(test_dns_failures),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_body_length),
		cmocka_unit_test(test_signature_syntax_table),
		cmocka_unit_test(test_multiple_signatures),
		cmocka_unit_test(test_unsigned_and_misuse),
		cmocka_unit_test(test_truncated_and_mangled),
		cmocka_unit_test(test_result_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
