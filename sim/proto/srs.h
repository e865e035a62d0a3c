/* srs.h — the Sender Rewriting Scheme (libsrs2 / Mail::SRS conventions),
 * so a forwarder can pass SPF at the next hop and still route bounces home.
 *
 *   SRS0=HHHH=TT=orig-domain=orig-local@forwarder
 *
 * HHHH: the first 4 characters of base64(HMAC-SHA1(secret, TT + orig-domain
 * + orig-local)), case-folded for comparison; TT: the day number (Unix days
 * mod 1024) in 2 base32 characters. A reverse checks the hash and the age
 * (at most max_age days, 49 by default). Addresses that are already SRS0
 * become SRS1 (second forwarder), as the spec describes.
 *
 * Pure: the day comes from the caller (the simulated date). */
#ifndef MAILSIM_SRS_H
#define MAILSIM_SRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRS_MAX_AGE_DAYS 49

/* Rewrite sender (local@domain) for forwarding domain `alias_domain`.
 * false if sender is not an address (e.g. the null sender stays <>). */
bool srs_forward(const char *secret, const char *sender, const char *alias_domain,
		 int64_t unix_day, char *out, size_t cap);
/* Reverse an SRS0 address back to the original sender; false (with a
 * reason) on a bad hash, a stale timestamp or a malformed address. */
bool srs_reverse(const char *secret, const char *srs_addr, int64_t unix_day, char *out, size_t cap,
		 const char **why);
bool srs_is_srs(const char *addr);

#endif
