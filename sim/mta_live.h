/* mta_live.h — live mode's durable acceptance (mailsim serve).
 *
 * RFC 5321 §6.1: once the server has said 250 to the end of data it is
 * responsible for the message. Postfix's smtpd answers only after cleanup
 * has written the queue file and fsync'ed it. Here the MTA hands every
 * message a real client sent, as it will be queued (Received: and the
 * filters' headers added, the verdict's folder and flags decided), to the
 * owner's store hook before it answers; a false return turns the 250 into
 * 451 4.3.0 and nothing is queued. The owner (app/spool.c) keeps it on
 * disk until the message left the queue for good, and after a crash hands
 * it back with mta_live_recover(), which queues it again exactly as it was.
 *
 * A recipient's delivered copy carries a Maildir name derived from the
 * spool id and the recipient (stored_msg.uniq), so a delivery repeated
 * after a crash rewrites the same file instead of adding a second one. */
#ifndef MAILSIM_MTA_LIVE_H
#define MAILSIM_MTA_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mta_hooks.h"

struct mta;

void mta_live_set_spool(struct mta *m, const struct mta_spool_hooks *hooks);

void mta_live_set_auth_gate(struct mta *m, const struct mta_auth_gate *gate);
/* Queue a message recovered from the spool (it counts as a live message). */
void mta_live_recover(struct mta *m, const struct mta_spooled *s);
/* The recipients of spooled message id the queue still has to deliver:
 * how many (0 when the message has left the queue for good); the first
 * cap of them are written to out. */
size_t mta_live_pending(const struct mta *m, const char *id, const char **out, size_t cap);

/* For the MTA (mta.c): hand a queue entry from a real client to the store
 * hook. True when stored (or no hook is set); the entry then has its id. */
struct qentry;
bool mta_live_store(struct mta *m, struct qentry *q, const char *client_ip);
/* For the AUTH hook: when a real client is (before = true) or gets (after
 * a failure) over the gate's limit, traced and reply set to 421 4.7.0. */
struct smtp_reply;
bool mta_live_auth_refused(struct mta *m, const char *ip, bool before, struct smtp_reply *reply);

#endif
