/* evfilter.h — which events the event list shows: by category (DNS, SMTP,
 * queue, filter, mailbox) and by message.
 *
 * Categories: DNS = dns.*; SMTP = smtp.* and the connection events under
 * it (net.*, tls.*); queue = queue.*, route.mx, dsn.create; filter =
 * filter.check, policy.decision; mailbox = mailbox.*, imap.*, pop3.*.
 * Narration, msg.*, sim.*, fault.* and unknown kinds belong to none and
 * are always listed. An event concerns a message when it names it, or when
 * it belongs to a connection that carried it (its SMTP dialogue). DNS
 * events name no message, so a message filter leaves them out.
 *
 * Invariants: pure; rows are event indices in increasing order. */
#ifndef MAILSIM_EVFILTER_H
#define MAILSIM_EVFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "trace_model.h"

enum evf_cat { EVF_DNS, EVF_SMTP, EVF_QUEUE, EVF_FILTER, EVF_MAILBOX, EVF_CAT_COUNT };
#define EVF_NONE (-1) /* a kind in no category: always listed */

struct evf {
	unsigned hidden;  /* bit (1 << cat) set: that category is hidden */
	int msg_idx;      /* only this message's events; -1 = all */
};

void evf_init(struct evf *f);
int evf_category(enum tm_kind k);
const char *evf_cat_name(enum evf_cat c);
bool evf_active(const struct evf *f);

/* Rows of the filtered list: owned array of event indices, its length in
 * *n. */
size_t *evf_rows(const struct evf *f, const struct tm_model *m, size_t *n);
/* The row showing event ev, or else the last row before it; -1 if none. */
long evf_row_at(const size_t *rows, size_t n, long ev);

/* Cycle the message filter: all, then each message in order, then all. */
void evf_next_msg(struct evf *f, const struct tm_model *m);

#endif
