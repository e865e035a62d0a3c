/* dkim.h — DKIM signatures (RFC 6376): real rsa-sha256 signing and
 * verification over libcrypto, sans-IO.
 *
 * Signing is a pure function of (key, options, message): RSASSA-PKCS1-v1_5
 * is deterministic and t= comes from the caller (the simulated clock), so the
 * same input always gives byte-identical DKIM-Signature values.
 *
 * Verification is a state machine per message that follows the auth.h
 * pattern: every DKIM-Signature header (the first DKIM_MAX_SIGS from the
 * top) is checked; each valid-looking one asks for the TXT record at
 * <s>._domainkey.<d> and then gets a final result.
 *
 * Results use the RFC 8601 §2.7.1 vocabulary. RFC 6376 only says PERMFAIL or
 * TEMPFAIL; this module maps them as follows (real receivers differ here —
 * Gmail reports "neutral (no key for signature)", Microsoft "fail (...)"):
 *   pass       both hashes verified
 *   fail       the signature was checked and is wrong: "body hash did not
 *              verify", "signature did not verify", "body shorter than l="
 *   permerror  it can never be checked: syntax errors, unsupported a= or c=,
 *              From not in h=, "signature expired" (x= in the past; decided
 *              before any DNS query, RFC 6376 §6.1.1), "no key for
 *              signature" (NXDOMAIN/NODATA), "key revoked" (empty p=;
 *              §6.1.2 makes it a PERMFAIL just like a missing key, so it is
 *              reported like one), "key syntax error", RSA key < 1024 bits
 *              (RFC 8301 §3.2), rsa-sha1 (RFC 8301 §3.1)
 *   temperror  the key query timed out or failed (SERVFAIL, REFUSED ...):
 *              "key unavailable"
 * policy and neutral are never produced here: policy is the receiver's own
 * decision about a verified signature (RFC 8601 §2.7.1). A key with t=y
 * (testing) does not change the result; dkim_verify_testing() reports it so
 * a receiver can treat the message like unsigned mail (RFC 6376 §3.6.1).
 *
 * Messages are text with CRLF line ends (as msg.h keeps them). */
#ifndef MAILSIM_DKIM_H
#define MAILSIM_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "dns.h"
#include "util.h"

#define DKIM_MAX_SIGS 4 /* signatures evaluated per message; later ones are ignored */

enum dkim_canon { DKIM_SIMPLE, DKIM_RELAXED };

/* An RSA private key (and its public half). */
struct dkim_key;
/* PKCS#1 ("BEGIN RSA PRIVATE KEY") or PKCS#8 ("BEGIN PRIVATE KEY") PEM text.
 * NULL with err set if it is not an RSA key of at least 1024 bits. */
struct dkim_key *dkim_key_load_pem(const char *pem, char *err, size_t errsz);
void dkim_key_free(struct dkim_key *k);
/* The TXT value publishing the public key (caller frees):
 * "v=DKIM1; k=rsa; p=<base64 DER SubjectPublicKeyInfo>" [RFC 6376 §3.6.1]. */
char *dkim_key_txt(const struct dkim_key *k);

struct dkim_sign_opts {
	const char *domain, *selector;           /* d=, s= */
	enum dkim_canon header_canon, body_canon; /* c= */
	/* h=, in this order and spelling. NULL/0 = From To Subject Date
	 * Message-ID MIME-Version. Must name From [RFC 6376 §5.4]. A name may be
	 * listed more times than the message has it ("oversigning"); the extra
	 * entries sign as nothing, so adding such a field later breaks the
	 * signature [§5.4.2]. */
	const char *const *headers;
	size_t nheaders;
	int64_t timestamp;  /* t=, seconds; from the simulated clock */
	int64_t expire;     /* x=, seconds; 0 = none (must be > timestamp) */
	bool body_length;   /* add l= (the canonical body length) [§3.5] */
};

/* The DKIM-Signature value (caller frees) for msg, to be added as
 * "DKIM-Signature: " + value + CRLF at the top of the message (which is
 * exactly msg_prepend_header(msg, "DKIM-Signature", value)). Folded with
 * CRLF+TAB like real signers; b= is last, so the header as signed (b= empty,
 * folds included) is the header as sent minus the b= value. rsa-sha256,
 * tags v a c d s t [x] [l] bh h b. NULL with err set on bad options. */
char *dkim_sign(const struct dkim_key *k, const struct dkim_sign_opts *o,
		const char *msg, size_t len, char *err, size_t errsz);

enum dkim_result {
	DKIM_NONE,
	DKIM_PASS,
	DKIM_FAIL,
	DKIM_POLICY,
	DKIM_NEUTRAL,
	DKIM_TEMPERROR,
	DKIM_PERMERROR
};
const char *dkim_result_name(enum dkim_result r); /* "pass", ... (RFC 8601) */

struct dkim_verify;
/* msg is copied. now_unix_s is the verifier's clock for x= (simulated). */
struct dkim_verify *dkim_verify_new(const char *msg, size_t len, int64_t now_unix_s);
/* AUTH_NEED_DNS: make the TXT query written to qname (cap >= 256) and pass
 * the answer to dkim_verify_answer(). AUTH_DONE: all results are final. */
enum auth_step dkim_verify_step(struct dkim_verify *v, char *qname, size_t cap,
				enum dns_type *qtype);
/* The answer to the query the last step asked for; NULL = timed out. */
void dkim_verify_answer(struct dkim_verify *v, const struct dns_answer *ans);
/* Signatures evaluated (0 = unsigned: report dkim=none). */
size_t dkim_verify_count(const struct dkim_verify *v);
enum dkim_result dkim_verify_result(const struct dkim_verify *v, size_t i);
const char *dkim_verify_domain(const struct dkim_verify *v, size_t i);   /* d=, "" if unreadable */
const char *dkim_verify_selector(const struct dkim_verify *v, size_t i); /* s=, "" if unreadable */
/* Why: "good signature", "body hash did not verify", "signature did not
 * verify", "key revoked", "no key for signature", "key unavailable",
 * "signature expired", ... (RFC 6376 §6.1 wording where it has one). */
const char *dkim_verify_reason(const struct dkim_verify *v, size_t i);
/* The key record had t=y: the signer is testing DKIM [RFC 6376 §3.6.1]. */
bool dkim_verify_testing(const struct dkim_verify *v, size_t i);
void dkim_verify_free(struct dkim_verify *v);

/* Canonicalization [RFC 6376 §3.4], exposed for tests. Both append to out.
 * Body: the whole body (after the empty line) -> canonical body.
 * Header: one field as in the message ("Name: value", folds included, no
 * final CRLF) -> canonical field, also without the final CRLF. */
void dkim_canon_body(enum dkim_canon c, const char *body, size_t len, struct strbuf *out);
void dkim_canon_header(enum dkim_canon c, const char *name_and_value, struct strbuf *out);

#endif
