/* mua.h — a mail client host (a mail user agent): composes the scenario's
 * messages, submits them to its provider on port 587 (STARTTLS, AUTH,
 * one SMTP transaction per message), and fetches its user's mail by IMAP
 * or POP3 at the scenario's times. */
#ifndef MAILSIM_MUA_H
#define MAILSIM_MUA_H

#include "net.h"
#include "scenario.h"

struct mua;

struct mua *mua_new(struct sim *sim, struct host *h, const struct scn_host *cfg,
		    const struct scn_user *user);
void mua_free(void *m);
/* Schedule the composition and submission of one scenario message. */
void mua_schedule_message(struct mua *m, const struct scn_message *msg);

#endif
