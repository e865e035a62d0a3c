/* dmarc.h — DMARC (RFC 7489): organizational domains, policy records,
 * identifier alignment and policy evaluation as a sans-IO DNS-step machine
 * (see auth.h for the step/answer pattern).
 *
 * Inputs are results other checks already produced: the RFC5322.From
 * domain, whether SPF passed and for which domain, the DKIM signatures that
 * were checked and their d= domains, and one uniform random number in [0,1)
 * for pct sampling that the simulator draws from its seeded PRNG — this
 * module never draws randomness itself, so it is deterministic.
 *
 * Invariants:
 *  - Domain names handled here are canonical (ASCII lower case, no trailing
 *    dot); inputs are canonicalised on the way in.
 *  - The organizational domain comes from a small built-in SUBSET of the
 *    Public Suffix List (see dmarc.c); unknown TLDs follow the PSL default
 *    rule "*" (the TLD is the public suffix).
 *  - A machine asks for at most two queries: _dmarc.<From domain> TXT, then,
 *    only if that yields no DMARC record, _dmarc.<organizational domain> TXT
 *    [RFC 7489 §6.6.3]. */
#ifndef MAILSIM_DMARC_H
#define MAILSIM_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "dns.h"

/* Authentication-Results values for dmarc [RFC 7489 §11.2]. */
enum dmarc_result {
	DMARC_NONE,      /* no policy record published (or none usable) */
	DMARC_PASS,      /* SPF or DKIM passed and aligned with the From domain */
	DMARC_FAIL,
	DMARC_TEMPERROR, /* DNS failure while looking for the record */
	DMARC_PERMERROR  /* broken record, several records, unusable From */
};

/* Requested / applied handling of failing mail [RFC 7489 §6.3 p=]. Ordered
 * from mildest to harshest. */
enum dmarc_policy {
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT
};

/* adkim= / aspf= [RFC 7489 §3.1.1-§3.1.2]. */
enum dmarc_align {
	DMARC_ALIGN_RELAXED, /* same organizational domain */
	DMARC_ALIGN_STRICT   /* exactly the same domain */
};

const char *dmarc_result_name(enum dmarc_result r);  /* "pass", "permerror", ... */
const char *dmarc_policy_name(enum dmarc_policy p);  /* "none", "quarantine", "reject" */

/* Organizational domain [RFC 7489 §3.2]: the longest matching public suffix
 * plus one label. A name that is itself a public suffix (or a single label)
 * is its own organizational domain. False (out = "") if domain is not a
 * valid DNS name or out is too small. */
bool dmarc_org_domain(const char *domain, char *out, size_t cap);

/* Do a and b align in mode m? Case-insensitive; false for invalid names. */
bool dmarc_aligned(const char *a, const char *b, enum dmarc_align m);

/* A parsed policy record [RFC 7489 §6.3]. Strings are copies, truncated to
 * fit; only p/sp/pct/adkim/aspf change evaluation. */
struct dmarc_record {
	enum dmarc_policy p;
	enum dmarc_policy sp;     /* = p when the record has no sp= */
	bool has_sp;
	bool p_assumed;           /* p/sp was invalid but rua= valid: acting as
				   * if p=none [RFC 7489 §6.6.3 step 6.1] */
	int pct;                  /* 0..100, default 100 */
	enum dmarc_align adkim, aspf; /* default relaxed */
	char rua[256], ruf[256];  /* "" when absent */
	char fo[16];              /* default "0" */
	char rf[16];              /* default "afrf" */
	uint32_t ri;              /* default 86400 */
};

enum dmarc_parse {
	DMARC_PARSE_OK,
	DMARC_PARSE_NOT_DMARC, /* does not begin with v=DMARC1: not a DMARC record, ignored */
	DMARC_PARSE_INVALID    /* a DMARC record that cannot be used: permerror */
};

/* Parse one TXT string. On DMARC_PARSE_INVALID err (may be NULL) says why. */
enum dmarc_parse dmarc_record_parse(const char *txt, struct dmarc_record *rec,
				    char *err, size_t errsz);

/* Result of dmarc_from_domain(). */
enum dmarc_from {
	DMARC_FROM_OK,
	DMARC_FROM_MISSING,  /* no From field, or no usable domain in it */
	DMARC_FROM_MULTIPLE  /* several From fields/addresses with different domains */
};

/* The RFC5322.From domain of a whole message (header block only): handles
 * "Name <a@b>", bare "a@b", comments, quoted display names and several
 * addresses (one domain if they all agree; else MULTIPLE, which the caller
 * reports as permerror [RFC 7489 §6.6.1]). out gets the canonical domain. */
enum dmarc_from dmarc_from_domain(const char *msg, size_t len, char *out, size_t cap);

/* One DKIM signature as the DKIM check saw it. */
struct dmarc_dkim {
	const char *domain;  /* d= */
	bool pass;           /* dkim=pass for this signature */
};

struct dmarc_input {
	const char *from_domain;       /* RFC5322.From domain; NULL/"" -> permerror */
	bool spf_pass;                 /* spf=pass */
	const char *spf_domain;        /* the domain SPF checked (MAIL FROM, or HELO for <>) */
	const struct dmarc_dkim *dkim; /* copied by dmarc_new */
	size_t ndkim;
	double u;                      /* uniform in [0,1) for pct sampling */
};

struct dmarc_outcome {
	enum dmarc_result result;
	enum dmarc_policy policy;     /* what to do with the message: the requested
				       * policy on fail after pct sampling, else none */
	enum dmarc_policy requested;  /* p (or sp for a subdomain) from the record */
	bool have_record;
	struct dmarc_record rec;      /* valid when have_record */
	bool sampled;                 /* u*100 < pct: the policy applied in full */
	bool spf_aligned, dkim_aligned;
	char from_domain[DNS_NAME_MAX + 1];
	char org_domain[DNS_NAME_MAX + 1];
	char record_name[DNS_NAME_MAX + 8]; /* "_dmarc.example.org": the last name queried */
	char explain[512];            /* one sentence for the trace / narration */
};

struct dmarc;
struct dmarc *dmarc_new(const struct dmarc_input *in);
/* AUTH_NEED_DNS: qname/qtype get the query to make (the same again until
 * dmarc_answer is called). AUTH_DONE: read dmarc_result(). */
enum auth_step dmarc_step(struct dmarc *d, char *qname, size_t cap, enum dns_type *qtype);
/* The answer to the last query asked; NULL = it timed out (temperror). */
void dmarc_answer(struct dmarc *d, const struct dns_answer *ans);
const struct dmarc_outcome *dmarc_result(const struct dmarc *d);
void dmarc_free(struct dmarc *d);

/* The comment for the Authentication-Results line, "p=reject dis=none"
 * (plus "sp=..." / "pct=..." when the record sets them); "" without a
 * record. dis is the disposition applied after pct sampling. */
void dmarc_ar_comment(const struct dmarc_outcome *o, char *out, size_t cap);

#endif
