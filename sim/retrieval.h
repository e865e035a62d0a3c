/* retrieval.h — IMAP (143, 993) and POP3 (110, 995) servers over a host's mailstore:
 * the glue between connection events, the sans-IO imapd/pop3d engines and
 * struct mailstore. Every line goes to the trace as imap.send/pop3.send. */
#ifndef MAILSIM_RETRIEVAL_H
#define MAILSIM_RETRIEVAL_H

#include <stdbool.h>

#include "mailstore.h"
#include "net.h"

struct scn_host;

/* The listeners the host's services name: imap (143; with "tls" it offers
 * STARTTLS and says LOGINDISABLED before it), pop3 (110), and the implicit
 * TLS ports imaps (993) and pop3s (995) [RFC 8314 §3.3]. */
void retrieval_listen(struct sim *sim, struct host *h, struct mailstore *ms,
		      const struct scn_host *cfg);

#endif
