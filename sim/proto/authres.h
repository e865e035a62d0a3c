/* authres.h — building the Authentication-Results header value
 * [RFC 8601]:
 *
 *   mx.example.net; spf=pass smtp.mailfrom=example.org;
 *   	dkim=pass header.d=example.org header.s=s1; dmarc=pass header.from=example.org
 *
 * A builder collects one result per method in the order added (spf, dkim,
 * dmarc, iprev, auth, ...), each with an optional comment, reason and
 * properties, and formats the value either on one line or folded with
 * CRLF+TAB, preferably at ";" boundaries, to keep lines within 78 characters
 * [RFC 5322 §2.1.1, §2.2.3].
 *
 * Invariants: output depends only on what was added, in order; a builder
 * with no results formats as "<authserv-id>; none" [RFC 8601 §2.2]. */
#ifndef MAILSIM_AUTHRES_H
#define MAILSIM_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define AUTHRES_HEADER "Authentication-Results"
#define AUTHRES_LINE_MAX 78 /* RFC 5322 §2.1.1 SHOULD */

struct authres;
struct authres *authres_new(const char *authserv_id);
void authres_free(struct authres *ar);

/* Start a result "method=result", e.g. ("spf", "pass"), ("dkim", "fail"),
 * ("iprev", "pass"), ("auth", "pass"). The calls below attach to the most
 * recent result; calling them before any authres_add is our bug (assert). */
void authres_add(struct authres *ar, const char *method, const char *result);
/* "(text)" after the result; text must not contain parentheses or CR/LF
 * (they are replaced by spaces). */
void authres_comment(struct authres *ar, const char *text);
/* reason="text" [RFC 8601 §2.2], quoted with \" and \\ escapes. */
void authres_reason(struct authres *ar, const char *text);
/* "ptype.property=value", e.g. ("smtp.mailfrom", "example.org"),
 * ("header.d", "example.org"), ("policy.iprev", "192.0.2.1"). The value is
 * written bare if it is a MIME token or local-part@domain, else quoted. */
void authres_prop(struct authres *ar, const char *ptype_prop, const char *value);
size_t authres_count(const struct authres *ar);

/* The value on one line, appended to out. */
void authres_format(const struct authres *ar, struct strbuf *out);
/* The value folded: first_col is how many characters precede it on the
 * first line (strlen("Authentication-Results: ") = 24). Folds (CRLF+TAB)
 * before a result that would overflow AUTHRES_LINE_MAX; a single result too
 * long for a line of its own is folded between its words. Never folds inside
 * a comment or quoted string. Appended to out. */
void authres_format_folded(const struct authres *ar, size_t first_col, struct strbuf *out);

/* RFC 8601 §5: a border MTA must remove or rename incoming A-R fields that
 * claim its own authserv-id. True if value (a header value, folded or not)
 * starts with authserv_id (case-insensitive) followed by ";", WSP, CRLF or
 * a version number. */
bool authres_claims_id(const char *value, const char *authserv_id);

#endif
