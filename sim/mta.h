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

/* Retry schedule (Postfix defaults, email-facts §5.1). */
struct mta_retry {
	int64_t min_backoff;      /* minimal_backoff_time 300 s */
	int64_t max_backoff;      /* maximal_backoff_time 4000 s */
	int64_t queue_lifetime;   /* maximal_queue_lifetime 5 d */
};

struct mta *mta_new(struct sim *sim, struct host *h, const struct scn_host *cfg);
void mta_free(void *m);
struct mailstore *mta_store(struct mta *m);
/* How long an inbound SMTP session may sit idle before 421 4.4.2
 * (RFC 5321 §4.5.3.2.7: at least 5 minutes; Postfix smtpd_timeout 300 s). */
void mta_set_idle_timeout(struct mta *m, int64_t us);
/* Recipients still queued (deferred or in flight) at this host. */
long mta_queued(const struct mta *m);

/* Postfix-style backoff: the delay before the next attempt for a message
 * of the given age, clamp(age, min, max). Pure; unit-tested. */
int64_t mta_backoff(const struct mta_retry *r, int64_t age);

#endif
