/* mta.h — a mail transfer agent host: SMTP server on its ports (25 relay /
 * MX, 587 submission), a queue, a delivery agent that finds the next hop
 * by MX (RFC 5321 §5) and speaks SMTP to it, local delivery into its
 * mailstore, and retrieval servers (IMAP, POP3) for its users.
 *
 * Everything the MTA decides is a trace event: queue.enter, route.mx,
 * queue.attempt, queue.defer (with the reason and the next attempt time),
 * queue.bounce, queue.done, mailbox.store, msg.header. */
#ifndef MAILSIM_MTA_H
#define MAILSIM_MTA_H

#include <stdbool.h>

#include "mailstore.h"
#include "net.h"
#include "scenario.h"

struct mta;
struct rep;

struct mta *mta_new(struct sim *sim, struct host *h, const struct scn_host *cfg);
/* The host's sender reputation (reputation.h), or NULL when it keeps none. */
struct rep *mta_reputation(const struct mta *m);
void mta_free(void *m);
struct mailstore *mta_store(struct mta *m);
/* How long an inbound SMTP session may sit idle before 421 4.4.2
 * (RFC 5321 §4.5.3.2.7: at least 5 minutes; Postfix smtpd_timeout 300 s). */
void mta_set_idle_timeout(struct mta *m, int64_t us);
/* A message handed to the MTA on its own host, as Postfix's sendmail(1)
 * command or a bulk sender's injector does: no SMTP session and no
 * client checks. The MTA writes its Received: line, signs with DKIM when
 * it signs for the From domain, and queues the message for delivery by
 * MX with its retries and DSNs (queue.enter ...). The message and its
 * recipients (distinct, the caller's job) join the run's ledger here. */
void mta_inject(struct mta *m, const char *sender, const char *const *rcpts, size_t n,
		const char *data, size_t len);
/* Recipients still queued (deferred or in flight) at this host. */
long mta_queued(const struct mta *m);


#endif
