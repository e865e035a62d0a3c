/* verify.h — an address verifier in the simulated world, the way
 * Reacher (check-if-email-exists) and the commercial verifiers work on the
 * real internet (email-facts §11.1): syntax, the domain's MX (or implicit
 * MX, or null MX), then an SMTP probe to the best MX — EHLO, MAIL FROM,
 * RCPT TO the address, RCPT TO a random local part at the same domain
 * (catch-all?), RSET, QUIT; never DATA — and the misc checks (disposable
 * provider, role account). The verdict is Reacher's is_reachable: safe,
 * risky, invalid or unknown.
 *
 * Everything goes through the world's engines: DNS queries through the
 * verifier host's resolver (dns.query events), the probe through a session
 * with smtpc in probe mode (smtp.send events), and each address is one
 * verify.start and one verify.result event. Addresses for the same MX
 * host share connections, up to per_conn addresses each (RSET between),
 * one connection at a time per MX host, as careful verifiers do.
 *
 * Ownership: the verifier is hung on its host (host_own_obj) and freed
 * with the world; results stay readable until then. */
#ifndef MAILSIM_VERIFY_H
#define MAILSIM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounceclass.h"
#include "net.h"

/* Postfix's smtpd_hard_error_limit is 20: each address costs up to two
 * refused RCPTs, so 8 addresses per connection stay under it. */
#define VERIFY_PER_CONN_DEFAULT 8

struct verify_config {
	const char *from;                  /* MAIL FROM of the probes; NULL: verify@<host> */
	const char *const *disposable;     /* extra disposable domains (borrowed) */
	size_t ndisposable;
	size_t per_conn;                   /* addresses per SMTP connection; 0: the default */
};

enum verify_verdict { VERDICT_SAFE, VERDICT_RISKY, VERDICT_INVALID, VERDICT_UNKNOWN };
const char *verify_verdict_name(enum verify_verdict v);

/* One address's answer, Reacher's fields. Strings are owned by the
 * verifier; mx is shared by the addresses of one domain. */
struct verify_result {
	const char *input;
	bool done;
	enum verify_verdict verdict;
	bool is_valid_syntax;
	const char *username, *domain;     /* "" when the syntax is invalid */
	bool accepts_mail;
	const char *const *mx;             /* MX host names, best first, with the final dot */
	size_t nmx;
	bool can_connect_smtp, has_full_inbox, is_catch_all, is_deliverable, is_disabled;
	bool is_disposable, is_role_account;
	const char *reason;                /* plain words */
	const char *reply;                 /* the SMTP reply that decided, or NULL */
	struct bounce_class bounce;        /* that reply (or DNS finding) classified */
};

struct verifier;

/* The world's verifier host: the host called name when given (it must
 * exist), else a client host added to the world ("verifier.example" or a
 * free variant, on a TEST-NET-1 address). It gets a resolver pointed at
 * the world's first DNS server if it has none. NULL when name is unknown. */
struct host *verify_host(struct sim *sim, const char *name);
struct verifier *verifier_new(struct sim *sim, struct host *h, const struct verify_config *cfg);
/* Queue an address (copied); returns its index for verifier_result. */
size_t verifier_add(struct verifier *v, const char *address);
/* Begin at simulated time at (the queued addresses, in order). */
void verifier_start(struct verifier *v, int64_t at);
size_t verifier_count(const struct verifier *v);
const struct verify_result *verifier_result(const struct verifier *v, size_t i);

#endif
