/* outcome.h — what happened to one recipient, and why, in one shape; and
 * the one funnel every recipient's final fate goes through.
 *
 * An outcome is what a delivery attempt learnt about a recipient, the way
 * Postfix's smtp_trouble.c and its bounce logs record it: whether it worked,
 * failed for now (soft) or for good (hard); the RFC 3463 enhanced status;
 * and the cause — either an SMTP reply from a remote server (which host
 * said it, the whole reply, in reply to which command) or something this
 * MTA saw itself (a DNS answer, a timeout, a refused connection, a failed
 * TLS handshake, a local mailbox). DSNs are written from it (RFC 3464:
 * `Diagnostic-Code: smtp; <reply>` with `Remote-MTA` for the first kind,
 * `Diagnostic-Code: X-Postfix; <text>` for the second) and so is the
 * trace's reason.
 *
 * A fate is where a recipient of a scenario message ends: in the Inbox, in
 * another folder, in Junk, in Quarantine, bounced back to its sender,
 * rejected at submission, dropped by a rule, suppressed, or still queued
 * when the run stops. fate_settle() is the only place that counts fates;
 * the end-of-run summary reads those counts and nothing else. Hops on the
 * way (relayed to the next MTA, forwarded to another address) go through
 * the same funnel but are not final: the copy they hand on is. */
#ifndef MAILSIM_OUTCOME_H
#define MAILSIM_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "ledger.h"

struct sim;
struct smtp_reply;

enum oc_class { OC_OK, OC_SOFT, OC_HARD };
enum oc_source { OC_LOCAL, OC_SMTP };

struct outcome {
	enum oc_class cls;
	enum oc_source src;
	char status[16];   /* RFC 3463 "5.1.1" */
	char remote[256];  /* OC_SMTP: the host whose reply decided it */
	char text[600];    /* OC_SMTP: the whole reply "550 5.1.1 <b@x>: ...";
			    * OC_LOCAL: what happened, in Postfix's words */
	char command[32];  /* OC_SMTP: the command it answered ("RCPT TO") */
};

/* From an SMTP reply of `remote` to `command` (NULL when unknown). The
 * class follows the reply code (RFC 5321 §4.2.1); a reply without an
 * enhanced code gets x.0.0 of its class (RFC 3463 §2, as Postfix does). */
void oc_from_reply(struct outcome *o, const char *remote, const struct smtp_reply *r,
		   const char *command);
/* Something this MTA decided or saw itself. */
void oc_local(struct outcome *o, enum oc_class cls, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The reason as the trace and the logs say it: "host mx1.example.net
 * said: 550 5.1.1 ... (in reply to RCPT TO command)" or the local text. */
void oc_reason(const struct outcome *o, char *out, size_t cap);

/* An outcome as a queued recipient keeps it: the same facts in about 80
 * bytes plus its two strings, instead of struct outcome's 900 fixed ones
 * (a queue of 100,000 deferred recipients holds one each). */
struct oc_note {
	enum oc_class cls;
	enum oc_source src;
	char status[16];
	char command[32];
	char *remote;      /* NULL when empty */
	char *text;        /* NULL when empty; owns the block both are in
			    * (remote does when text is NULL) */
};

/* Replace *n by o (the old strings are freed). */
void oc_note_set(struct oc_note *n, const struct outcome *o);
/* The full outcome back. */
void oc_note_get(const struct oc_note *n, struct outcome *o);
void oc_note_free(struct oc_note *n);
/* RFC 3464 §2.3.6 diagnostic-type: "smtp" or "X-Postfix". */
const char *oc_diag_type(const struct outcome *o);

/* ---- fates (enum fate and struct ledger: ledger.h) ---------------------- */

struct settle {
	const char *node;      /* the host deciding */
	const char *msg;       /* scenario message id (tag) */
	const char *rcpt;
	const char *queue_id;  /* NULL when the message never entered a queue */
	enum fate fate;
	bool report;           /* a DSN generated in this world: counted apart */
	const struct outcome *o;
};

/* The one funnel: count it and emit its trace event (queue.done with the
 * result, or queue.bounce with the class). */
void fate_settle(struct sim *sim, const struct settle *s);
const char *fate_name(enum fate f); /* "inbox", "junk", ... */

#endif
