/* snapshot.h — the simulated world as the trace tells it up to a cursor:
 * each host's queue (messages, recipients, attempts, next retry), its
 * mailboxes, what its DNS server has answered, its active faults; where
 * each message is; and the decision badges to pin on hosts.
 *
 * It is derived from trace events only (queue.enter/attempt/defer/done/
 * bounce/expire, mailbox.store, imap.data/pop3.data, dns.answer,
 * fault.start/end, policy.decision, filter.check, dsn.create), never from
 * the simulator, so it shows exactly what a reader of the trace can know.
 *
 * The records are declared in snap_types.h.
 *
 * Invariants: strings are borrowed from the model (valid while it lives);
 * arrays are in trace order; snap_build() is a pure function of
 * (model, from, cursor): it walks on from the last cursor when the new one
 * is not before it (the queues, mailboxes and answers are kept between
 * calls, found through hash indexes), else from the latest checkpoint
 * before it (snap_ckpt.h: at most K events back), applying what the first
 * walk read from each line (snap_walk.h); where messages rest and the
 * retry clocks are kept as the walk moves (snap_count.h: read per host,
 * the list of places only when asked); the recent decision badges are
 * derived again on each call. A snap follows one model: free
 * it before building for another (one at the same address is not told
 * apart). */
#ifndef MAILSIM_SNAPSHOT_H
#define MAILSIM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snap_types.h"
#include "trace_model.h"

void snap_init(struct snap *s);
void snap_free(struct snap *s);
/* Rebuild for the events 0..cursor. Decisions from `from` on (an event
 * index; the caller's notion of "recent") become badges; -1 = cursor - 40. */
void snap_build(struct snap *s, const struct tm_model *m, long from, long cursor);

/* The memory of what the walk read and keeps for walking again
 * (snap_walk.h); the checkpoints' is snap.ckpt_bytes. */
size_t snap_rec_bytes(const struct snap *s);

/* A queue entry still has a recipient queued or deferred. */
bool snap_entry_live(const struct snap_entry *e);
const char *snap_rcpt_state_name(enum snap_rcpt_state st);
/* "1:23:45" (hours may exceed 24), for next-retry times. */
void snap_fmt_hms(int64_t us, char *out, size_t outsz);

#endif
