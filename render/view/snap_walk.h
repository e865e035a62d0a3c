/* snap_walk.h — the snapshot's walk over one event (snap_walk.c), apart
 * from snapshot.c, which derives places and badges after it.
 *
 * A walked event changes the world in two steps: it is read (its line
 * scanned, its fields interned, the queue entry it names looked up) and
 * then applied. The reading is most of the cost, and it gives the same
 * answer every time the walk passes the event (the walk is deterministic),
 * so the first walk past an event keeps what it read in a small record
 * (struct snap_rec) and every later walk (after a checkpoint is restored,
 * snap_ckpt.h) applies the record without touching the line:
 *
 *  - queue.attempt/defer/done/bounce/expire and dns.answer keep one record
 *    each, in event order; snap.rec_pos is the next one to read, and a
 *    checkpoint remembers it;
 *  - queue.enter, msg.compose, mailbox.store and imap.data/pop3.data append
 *    an entry, outbox or stored copy: walked again, the slot past the end
 *    still holds it (snap_ckpt.h), so only its mutable part is reset;
 *  - smtp.data looks its outbox up by (host, message) index (no line);
 *    fault.start/end (rare) are read each time.
 *
 * Invariants: events 0..snap.walk_hw have been walked once; their records
 * are rec[0..nrec), and the walk standing after event i has read the
 * records of the events 0..i. */
#ifndef MAILSIM_SNAP_WALK_H
#define MAILSIM_SNAP_WALK_H

#include <string.h>

#include "snap_types.h"
#include "util.h"

/* Grow an array member by one slot and return it zeroed. */
#define SNAP_PUSH(arr, n, cap) \
	(((n) == (cap) ? ((cap) = (cap) ? 2 * (cap) : 16, \
			  (arr) = xrealloc((arr), (cap) * sizeof *(arr))) : 0), \
	 memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++])

#define SNAP_REC_NONE UINT32_MAX

/* What the walk read from one event (see above): 32 bytes. */
struct snap_rec {
	uint32_t target;   /* the queue entry or DNS answer; SNAP_REC_NONE */
	uint32_t aux;      /* attempts after it, the recipients' new state,
			    * the number of answers */
	const char *a, *b; /* status and reason; domain; rcode and answers */
	int64_t n;         /* the next attempt (µs) */
};

/* Apply event i of m (the walk stands after event i - 1). */
void snap_walk_event(struct snap *s, const struct tm_model *m, long i);
/* Free every queue entry's recipients (they live in blocks of the walk's,
 * in the order the entries were made). */
void snap_walk_free_rcpts(struct snap *s);

#endif
