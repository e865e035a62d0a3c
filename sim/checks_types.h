/* checks_types.h — the types the filter chain's API (checks.h) and its
 * state (checks_int.h) share: the verdict and the completion callback. */
#ifndef MAILSIM_CHECKS_TYPES_H
#define MAILSIM_CHECKS_TYPES_H

#include <stdint.h>

#include "smtp.h"
#include "trace_kinds.h"
#include "util.h"

/* The verdict's decision is the trace's policy decision (trace_kinds.h). */

struct chk_verdict {
	enum policy_decision decision;
	struct smtp_reply reply;    /* for reject / greylist */
	char reason[300];
	char folder[64];            /* INBOX, Junk, Quarantine, or a rule's folder */
	unsigned flags;             /* MFLAG_* set on the stored copy */
	char forward[256];          /* a rule forwards the message here */
	int64_t snooze_until;       /* simulated time, PD_SNOOZE */
	struct strbuf headers;      /* "Name: value\r\n" lines to prepend, in order */
	char subject_prefix[32];    /* rewrite_subject */
};

typedef void (*chk_done_fn)(void *ud);

#endif
