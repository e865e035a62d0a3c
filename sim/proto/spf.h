/* spf.h — a sans-IO Sender Policy Framework evaluator (RFC 7208).
 *
 * check_host() [RFC 7208 §4] as a state machine: spf_step() names the next
 * DNS query (or says AUTH_DONE), the caller resolves it and feeds the answer
 * to spf_answer(). Nothing here touches sockets, the clock or randomness;
 * the same answers in the same order always give the same result, the same
 * queries and the same texts.
 *
 * What is modelled: record selection (§4.5), the full term syntax (§4.6,
 * §12 ABNF) checked before any term is evaluated, the mechanisms all,
 * include, a, mx, ptr, ip4, ip6, exists with qualifiers and dual CIDR
 * lengths (§5), redirect= and exp= (§6; exp= is fetched lazily, only for a
 * fail, and is available from spf_exp()), unknown modifiers (ignored),
 * macros (§7, all letters; c/r/t only in exp= text), the processing limits
 * (§4.6.4: 10 DNS-querying terms, 10 MX names per mx, 10 PTR names per
 * ptr/%{p}, 2 void lookups) and DNS errors (timeout/SERVFAIL → temperror,
 * except where §5.5 says a ptr lookup error just fails to match).
 *
 * Usage:
 *	struct spf *s = spf_new("192.0.2.10", "alice@example.org", "mx.example.org");
 *	while (spf_step(s, qname, sizeof qname, &qtype) == AUTH_NEED_DNS)
 *		spf_answer(s, resolve(qname, qtype));   // NULL answer = timeout
 *	spf_result(s), spf_domain(s), spf_mechanism(s), spf_explanation(s)
 *	spf_free(s);
 *
 * Call protocol: after AUTH_NEED_DNS the caller answers with spf_answer();
 * calling spf_step() again before that repeats the same query. qname must
 * hold at least DNS_NAME_MAX + 1 bytes; query names are canonical (lower
 * case, no trailing dot) and valid for dns_name_normalize(). */
#ifndef MAILSIM_SPF_H
#define MAILSIM_SPF_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "dns.h"

/* RFC 7208 §2.6 results. */
enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR
};

#define SPF_MAX_DNS_TERMS 10  /* §4.6.4: include/a/mx/ptr/exists/redirect */
#define SPF_MAX_MX_NAMES 10   /* §4.6.4: MX names per "mx" (more → permerror) */
#define SPF_MAX_PTR_NAMES 10  /* §4.6.4: PTR names looked at (rest ignored) */
#define SPF_MAX_VOID 2        /* §4.6.4: NXDOMAIN / no-answer lookups */

/* "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"
 * — the RFC 8601 §2.7.2 spellings; "unknown" for an out-of-range value. */
const char *spf_result_name(enum spf_result r);

struct spf;

/* Check the MAIL FROM identity [§2.4]. ip: client address, IPv4 or IPv6
 * text (an IPv4-mapped IPv6 address is checked as IPv4); sender: the MAIL
 * FROM address without <>, "" for the null reverse-path (then
 * postmaster@<helo> is checked); helo: the HELO/EHLO argument (%{h}).
 * Never NULL: bad input (an unparsable ip) gives a finished permerror, a
 * malformed or single-label domain a finished none [§4.3]. */
struct spf *spf_new(const char *ip, const char *sender, const char *helo);
/* Check the HELO identity [§2.3]: <sender> is postmaster@<helo>. */
struct spf *spf_new_helo(const char *ip, const char *helo);
/* Optional context for exp= text macros [§7.3]: %{r} (default "unknown")
 * and %{t} (default 0 — the simulator passes its clock; nothing here reads
 * the real one). Call before the first spf_step(). */
void spf_set_receiver(struct spf *s, const char *receiver, int64_t unix_time);

enum auth_step spf_step(struct spf *s, char *qname, size_t cap, enum dns_type *qtype);
/* The answer to the query the last spf_step() asked for; NULL = timeout. */
void spf_answer(struct spf *s, const struct dns_answer *ans);

/* Valid once spf_step() returned AUTH_DONE. */
enum spf_result spf_result(const struct spf *s);
/* The domain checked: the MAIL FROM domain (smtp.mailfrom) or the HELO name
 * (smtp.helo), canonical. */
const char *spf_domain(const struct spf *s);
/* A short human reason: "matched ip4:192.0.2.0/24 (example.org)",
 * "no SPF record at example.org", "too many DNS lookups (11 > 10)". */
const char *spf_explanation(const struct spf *s);
/* The top-level term that decided the result, as written in the record
 * ("-all", "include:_spf.example.org", "redirect=_spf.example.org"); ""
 * when none did (no record, no match → neutral, a record syntax error). */
const char *spf_mechanism(const struct spf *s);
/* The domain owner's exp= explanation, expanded [§6.2]: only for a fail
 * whose record has exp= resolving to one TXT record; otherwise NULL. */
const char *spf_exp(const struct spf *s);
/* DNS-querying terms counted so far (§4.6.4), and void lookups. */
int spf_lookups(const struct spf *s);
int spf_void_lookups(const struct spf *s);
void spf_free(struct spf *s);

/* Macro expansion [§7] outside an evaluation, for tests and tools: the
 * macro-string in is expanded for client ip, sender, helo and current
 * domain d (exp_text allows %{c} %{r} %{t} and keeps a trailing dot).
 * %{p} expands to "unknown". Returns a malloc'd string, or NULL on a macro
 * syntax error. */
char *spf_expand_macros(const char *in, const char *ip, const char *sender,
			const char *helo, const char *d, int exp_text);

#endif
