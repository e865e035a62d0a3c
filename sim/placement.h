/* placement.h — where a receiver shows accepted mail, beyond the spam
 * filter's Inbox / Junk / Quarantine (checks.c): a tabbed provider (a
 * host with "tabs": true, like Gmail's Promotions tab) files bulk mail
 * bound for the Inbox in the "Promotions" folder. Delivery and placement
 * are different outcomes (email-facts §11): the ledger counts such a
 * message as `filed` (FATE_FILED), a campaign's report as `promotions`. */
#ifndef MAILSIM_PLACEMENT_H
#define MAILSIM_PLACEMENT_H

#include "mta_queue.h"
#include "scenario.h"

/* After the filter verdict: move bulk mail on its way to the Inbox to
 * Promotions when the host is tabbed. */
void placement_tab(const struct scn_host *cfg, struct qentry *q);

#endif
