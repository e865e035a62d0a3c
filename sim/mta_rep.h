/* mta_rep.h — the MTA's side of sender reputation (reputation.h): where
 * the inbound SMTP session feeds a host's reputation and where it acts on
 * it, in seed 002's order — at connect the IP may be throttled (421
 * 4.7.0), at RCPT the sender may be refused (550 5.7.1) and an unknown
 * recipient counted, at end of DATA reputation may file the message in
 * Junk or Quarantine or drop it, and the message's authentication, trap
 * hits and volume are counted. Only mail from outside counts: not our
 * own users' submissions, not this world's DSNs. Every step is a trace
 * event (policy.decision, rep.update). Part of the MTA (mta_ctx.h). */
#ifndef MAILSIM_MTA_REP_H
#define MAILSIM_MTA_REP_H

#include <stdbool.h>

#include "checks.h"
#include "mta_ctx.h"
#include "mta_queue.h"
#include "smtp.h"

/* At connect (port 25): true with a 421 reply when the IP is throttled. */
bool mta_rep_throttled(struct mta *m, const char *ip, struct smtp_reply *reply);
/* At RCPT, before the recipient check: true with a 550 5.7.1 reply. */
bool mta_rep_refused(struct mta *m, const struct chk *chk, const char *ip, const char *rcpt,
		     struct smtp_reply *reply);
/* After the recipient check: count the RCPT (and a 550 5.1.1 or
 * 5.2.1 answer: an address nobody reads). */
void mta_rep_rcpt_seen(struct mta *m, const struct chk *chk, const char *ip, const char *rcpt,
		       const struct smtp_reply *reply);
/* An accepted message from outside: reputation's placement, then the
 * message's signals. checked: the filter chain ran. */
void mta_rep_message(struct mta *m, const struct chk *chk, bool checked, const char *ip,
		     struct qentry *q);

#endif
