/* checks.h — the receiving MTA's checks, in the order the seeds give them:
 * at connection the client's name (PTR, forward-confirmed: iprev) and
 * DNSBL listings; at MAIL FROM the sender policy (blocked) and SPF; at the
 * end of DATA antivirus, DKIM, DMARC, spam scoring and the recipient's
 * policy (whitelist, gatekeeper, filter rules, quarantine band, snooze).
 *
 * Every DNS lookup is a real query through the host's resolver; every
 * result is a filter.check trace event (filter, result, symbol, score) and
 * the outcome a policy.decision event. The verdict says what the SMTP
 * server answers and, for accepted mail, the headers to add and where the
 * copy is filed. */
#ifndef MAILSIM_CHECKS_H
#define MAILSIM_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "checks_types.h"
#include "scenario.h"
#include "sim.h"

struct host;
struct chk;


/* f may be NULL (no filters: only the PTR lookup runs). */
struct chk *chk_new(struct sim *sim, struct host *h, const struct scn_filters *f,
		    const char *client_ip);
void chk_free(struct chk *c);
/* The same when the world ends: freed at once, a query pending or not. */
void chk_abandon(struct chk *c);

/* Connection: PTR, iprev, DNSBL. Calls done from a later event. */
void chk_connect(struct chk *c, chk_done_fn done, void *ud);
const char *chk_client_name(const struct chk *c);   /* PTR name or "unknown" */
/* RCPT-time refusal of a DNSBL-listed client (when dnsbl_reject). */
bool chk_dnsbl_refusal(const struct chk *c, struct smtp_reply *reply);

/* MAIL FROM: blocked senders (sync; returns false with reply filled) ... */
bool chk_sender_allowed(struct chk *c, const char *sender, struct smtp_reply *reply);
/* ... and SPF (async). After done, chk_spf_refusal tells whether to refuse
 * now (SPF fail without DMARC to decide: 550 5.7.23). */
void chk_mail(struct chk *c, const char *helo, const char *sender, chk_done_fn done, void *ud);
bool chk_spf_refusal(const struct chk *c, struct smtp_reply *reply);

/* End of DATA: the whole chain; then chk_verdict(). */
void chk_message(struct chk *c, const char *msg, size_t len, const char *tag,
		 const char *const *rcpts, size_t nrcpts, chk_done_fn done, void *ud);
const struct chk_verdict *chk_verdict(const struct chk *c);
/* Sender reputation's identities (reputation.h): the SPF-passing MAIL
 * FROM domain (NULL if none), and after end of DATA the authenticated
 * domain: the DKIM d= that passed, else the SPF-passing domain ("" when
 * neither). chk_auth_domain returns false when neither SPF nor DKIM ran. */
const char *chk_spf_pass_domain(const struct chk *c);
bool chk_auth_domain(const struct chk *c, char *out, size_t cap);
/* Outbound mode (a sender's provider checking its own users' mail): only
 * the virus scan and the spam score run, and only a reject counts. */
void chk_set_outbound(struct chk *c, bool outbound);

#endif
