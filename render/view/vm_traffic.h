/* vm_traffic.h — the network's counts for a trace with many messages:
 * how many messages rest at each host (queued, in mailboxes, not yet
 * sent, fetched) and how many are in flight on each link and direction,
 * drawn as numbers instead of one envelope each.
 *
 * The rule: a trace of more than VM_AGGREGATE_MSGS messages is shown
 * aggregated, the whole way through (the picture does not change its
 * language mid-play by itself); below that every message is its own
 * envelope. The viewer's key A switches between the two at any time
 * (vm_inputs.aggregate).
 *
 * In flight: a message body is in flight from A to B from the event that
 * carries it (smtp.data from A to B, or imap.data/pop3.data from the
 * server A to the reader B) until the next event of the same connection
 * (B's reply, a timeout or a close): until B has answered for it, which is
 * when it becomes B's responsibility (RFC 5321 section 4.1.1.4, the reply
 * to the end of DATA). Carried: every body sent from A to B up to the
 * cursor. Both leave out the cursor event's own item, which the network
 * draws travelling. Resting counts are the
 * snapshot's places at the cursor, without the copy the cursor event is
 * carrying (not arrived yet), by place kind.
 *
 * Invariants: no SDL; the per-model table (per link and direction, its
 * body events and, sorted, the events that end their flights) is built
 * once per model, so a frame's flows take two binary searches per link,
 * whatever the cursor's distance from the last; resting counts are read
 * per host from what the snapshot keeps (snap_count.h), so a frame's
 * counts cost O(hosts), not O(messages); in host order then place order,
 * links in first-use order. */
#ifndef MAILSIM_VM_TRAFFIC_H
#define MAILSIM_VM_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"
#include "trace_model.h"

#define VM_AGGREGATE_MSGS 40

struct vm_count {
	int host;
	enum snap_place_kind place;
	long n;
};

struct vm_flow {
	int from, to;
	long n;                /* in flight */
	long carried;          /* sent so far, in flight or answered */
};

/* One link and direction's body events, and the events ending their
 * flights (the next event of the connection), both ascending. */
struct vmt_link {
	int from, to;
	size_t *body; size_t nbody;   /* owned */
	size_t *until; size_t nuntil; /* owned; flights the trace never ends are left out */
};

struct vm_traffic {
	const struct tm_model *model;   /* the table below is for it */
	struct vmt_link *links; size_t nlinks; /* owned; in first-use order */
	struct vm_count *counts; size_t ncounts, countcap;
	struct vm_flow *flows; size_t nflows, flowcap;
};

void vmt_free(struct vm_traffic *t);
/* Whether the trace is drawn aggregated until the user says otherwise. */
bool vmt_aggregate(const struct tm_model *m);
/* Counts at the cursor; skip_msg/skip_host: the copy the cursor event is
 * carrying (-1: none). */
void vmt_build(struct vm_traffic *t, const struct tm_model *m, const struct snap *s,
	       long cursor, int skip_msg, int skip_host);
/* The counts as the scene description writes them: {"queues": [{host,
 * place, count}], "in_flight": [{from, to, count}] (counts above 0),
 * "carried": [{from, to, count}]} into o (a cJSON
 * object, passed as void * to keep cJSON out of this header). */
void vmt_json(const struct vm_traffic *t, const struct tm_model *m, void *o);
/* "queued", "in mailboxes", "to send", "fetched". */
const char *vmt_place_words(enum snap_place_kind k);
/* n with thousands separated by commas: "1,234". */
void vmt_fmt_count(long n, char *out, size_t outsz);

#endif
