/* snap_count.h — where messages rest and each host's retry clock, kept
 * up to date as the snapshot's walk moves (snap_walk.h), so that a frame
 * reads them in O(hosts) instead of deriving them from every queue
 * entry, stored copy and outbox again.
 *
 * The rule being kept (the same one a reader of the trace would apply):
 * a message rests at a host at most once per (host, message) pair, in the
 * first of these that applies:
 *  - an outbox: composed there and not sent off (each such outbox is a
 *    place; an outbox of no message is one too);
 *  - the queue: a queue entry there still has a recipient queued or
 *    deferred (RFC 5321 section 4.5.4.1: the message stays in the queue
 *    until every recipient is delivered or given up);
 *  - the first copy stored there (filed in a mailbox, or fetched).
 * The retry clock of a host: how many of its queued recipients are
 * deferred and the earliest next attempt among them; the hosts in the
 * order they first queued something.
 *
 * What is kept: per pair (snap_pair) the number of unsent outboxes, of
 * live queue entries and the first stored copy; per queue entry its
 * waiting recipients; per host the places by kind, the deferred count,
 * its first queue entry and a heap of its deferred recipients' next
 * attempts (lazy deletion: an item is current while its recipient is
 * deferred with the same stamp). Every change of a recipient's state goes
 * through snap_count_rcpt, every outbox sent through snap_count_sent.
 *
 * Moving to a checkpoint (snap_ckpt.h) takes out what it cuts off or
 * copies back and puts in what it copied: O(what changed since), the same
 * functions as the walk. snap_count_recount counts everything again from
 * the arrays (the tests' reference).
 *
 * Invariants: pairs are found by (host, message) through snap.by_pair and
 * never removed (a pair met once stays, its counts 0 when nothing rests
 * there); entries, copies and outboxes name their pair in their slot, so
 * walking again needs no lookup; the counts equal those a recount from
 * the arrays gives (snap_count_recount), which the tests check. */
#ifndef MAILSIM_SNAP_COUNT_H
#define MAILSIM_SNAP_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snap_types.h"

/* Forget everything; per host tables for nnodes hosts. */
void snap_count_reset(struct snap *s, size_t nnodes, size_t nmsgs);
void snap_count_free(struct snap *s);

/* The pair of (host, msg), made when new; SNAP_NO_PAIR when either is
 * negative (nothing rests there by the rule above). */
uint32_t snap_count_pair(struct snap *s, int host, int msg);

/* outbox[v] was appended (composed, not sent) / marked sent / is cut
 * off (a checkpoint before it restored). */
void snap_count_composed(struct snap *s, size_t v);
void snap_count_sent(struct snap *s, size_t v);
void snap_count_outbox_out(struct snap *s, size_t v);
/* q[v] was appended, every recipient queued. */
void snap_count_entry(struct snap *s, size_t v);
/* q[v]'s attempts or expiry changed (its recipients: snap_count_rcpt). */
void snap_count_touch(struct snap *s, size_t v);
/* A checkpoint being restored (snap_ckpt.c): q[v] leaves the counts
 * before it is overwritten or cut off, and comes back in as it now is;
 * after cutting entries off, snap_count_cut_done. */
void snap_count_entry_out(struct snap *s, size_t v);
void snap_count_entry_in(struct snap *s, size_t v);
void snap_count_cut_done(struct snap *s);
/* The one way a recipient of q[v] changes state (next_us: when st is
 * SNAP_DEFERRED, its next attempt). */
void snap_count_rcpt(struct snap *s, size_t v, size_t r, enum snap_rcpt_state st,
		     int64_t next_us);
/* box[v] was appended / is cut off (then every copy after it already is). */
void snap_count_box(struct snap *s, size_t v);
void snap_count_box_out(struct snap *s, size_t v);

/* Everything again from q[0..nq), box[0..nbox), outbox[0..nout). */
void snap_count_recount(struct snap *s);

/* The places at a host by kind. */
long snap_count_at(const struct snap *s, int host, enum snap_place_kind k);
/* The places of (host, msg) (msg -1: the outboxes of no message), and
 * their kind; 0 when none. */
long snap_count_of(const struct snap *s, int host, int msg, enum snap_place_kind *k);
/* A host's retry clock: its deferred recipients, the earliest next
 * attempt among them (when any) and its first queue entry's event; false
 * when it never queued anything. */
bool snap_count_retry(struct snap *s, int host, long *deferred, int64_t *next,
		      size_t *first_ev);
/* The hosts that queued something, in the order they first did; returns
 * how many were written into order (sized for every host). */
size_t snap_count_queue_order(const struct snap *s, int *order);

/* Every place, in the order the rule lists them (outboxes, then queue
 * entries, then stored copies, each in trace order): into *arr (grown,
 * caller-owned); returns how many. O(entries): for a frame that draws
 * every message, or a scene description. */
size_t snap_places_fill(const struct snap *s, struct snap_place **arr, size_t *cap);

#endif
