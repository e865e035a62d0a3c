/* mta_append.h — delivery by IMAP APPEND (RFC 3501 §6.3.11) into a
 * remote mailbox (not a public API; see mta_ctx.h). */
#ifndef MAILSIM_MTA_APPEND_H
#define MAILSIM_MTA_APPEND_H

#include <stddef.h>

#include "mta_queue.h"

/* IMAP delivery (mta_append.c): log in to `server` as target (with
 * password, or target's own when NULL) and APPEND recipient i of q into
 * the verdict's folder with its flags; ends with mtaq_attempt_finished()
 * like a job. */
void mta_append_start(struct qentry *q, size_t i, const struct scn_user *target, const char *server,
		      const char *password);
/* The world ends with appends under way: free them. */
void mta_appends_free(struct mta *m);

#endif
