/* compose.h — a scenario message written as RFC 5322 text by the host
 * that composes it, and shown in the trace (msg.compose, then the
 * headers it starts with as msg.header for the header inspector).
 *
 * Two kinds of host compose: a mail client (mua.c) before it submits on
 * port 587, and a bulk-sending MTA (campaign.c) that hands the message
 * to its own queue as Postfix's sendmail(1) command does on a sending
 * server. Both write the same message from the same spec. */
#ifndef MAILSIM_COMPOSE_H
#define MAILSIM_COMPOSE_H

#include <stdint.h>

#include "net.h"
#include "scenario.h"
#include "util.h"

/* The message for spec into out (appended), composed by host h at the
 * simulated now; *counter is the host's message counter (Message-ID and
 * MIME boundary). The message is tagged with spec->id (sim_tag_add_message)
 * so every later hop knows which scenario message it carries. */
void compose_message(struct sim *sim, const struct host *h, uint32_t *counter,
		     const struct scn_message *spec, struct strbuf *out);
/* msg.compose and the first headers, as node h. */
void compose_trace(struct sim *sim, const struct host *h, const struct scn_message *spec,
		   const struct strbuf *msg);

#endif
