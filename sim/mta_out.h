/* mta_out.h — remote delivery: MX routing (RFC 5321 §5.1) and the
 * outbound SMTP session (not a public API; see mta_ctx.h). */
#ifndef MAILSIM_MTA_OUT_H
#define MAILSIM_MTA_OUT_H

#include <stddef.h>

#include "mta_queue.h"

/* remote delivery (mta_out.c): one job for the recipients ridx (owned by
 * the job) of q at one domain; ends with mtaq_attempt_finished(). */
void mta_job_start(struct qentry *q, const char *domain, size_t *ridx, size_t nr);
/* The world ends with deliveries under way (a run stopped early): free
 * them (their DNS answers will never come). */
void mta_jobs_free(struct mta *m);

#endif
