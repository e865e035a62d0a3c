/* retrieval.h — IMAP (143) and POP3 (110) servers over a host's mailstore:
 * the glue between connection events, the sans-IO imapd/pop3d engines and
 * struct mailstore. Every line goes to the trace as imap.send/pop3.send. */
#ifndef MAILSIM_RETRIEVAL_H
#define MAILSIM_RETRIEVAL_H

#include <stdbool.h>

#include "mailstore.h"
#include "net.h"

/* IMAP and/or POP3 listeners; tls: IMAP offers STARTTLS (LOGINDISABLED before it). */
void retrieval_listen(struct sim *sim, struct host *h, struct mailstore *ms, bool imap, bool pop3,
		      bool tls);

#endif
