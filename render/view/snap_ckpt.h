/* snap_ckpt.h — checkpoints of the snapshot's walk, so that a seek
 * anywhere (backwards too) walks at most K events instead of the whole
 * trace from the start.
 *
 * A checkpoint is taken when the walk passes event K-1, 2K-1, 3K-1 ...;
 * it keeps only what the walk can still change: the lengths of the
 * append-only arrays (queue entries, stored copies, outboxes), each
 * entry's attempts, expiry and recipients, each outbox's "sent" flag, and
 * copies of the small tables (DNS answers, active faults). Entries
 * appended after it are cut off on restore (their counts taken out,
 * snap_count.h), but their slots keep them
 * (up to snap.nq_hw, the most ever appended): their keys and the links to
 * the older entry with the same key (snap_entry.prev_qid, .prev_msg,
 * snap_outbox.prev), so the hash indexes stay right without being
 * rebuilt (a lookup that lands past the end follows the links back), and
 * a checkpoint further on finds its entries in place. The walk is
 * deterministic, so walking on again appends the same entries into the
 * same slots.
 *
 * Each entry's slot carries a change number (snap.qgen, handed out once
 * per change); a checkpoint keeps them too, and a restore copies back
 * only the entries whose number differs and the outboxes whose flag
 * differs, so moving between two checkpoints costs what changed between
 * them (entries appended or touched), not every entry.
 *
 * A checkpoint keeps every entry's change number but the entries
 * themselves (attempts, expiry, recipients) only for those changed since
 * the checkpoint before it: change numbers only grow, so the entry left
 * by change g is kept, as it was, by the first checkpoint whose snap.gen
 * at the time was >= g, and a restore finds it there. Most entries of a
 * long trace are finished and never change again, so a checkpoint costs
 * 4 bytes per entry plus what changed in its interval, not a copy of the
 * whole queue (taking one copied megabytes inside a single frame).
 *
 * A checkpoint also remembers how many of the walk's records had been
 * read (snap.rec_pos, snap_walk.h), so walking on from it applies the
 * records that follow.
 *
 * K is chosen at the first build from the trace's length: at least
 * SNAP_CKPT_MIN_EVERY, and large enough that there are at most
 * SNAP_CKPT_MAX checkpoints (snap.ckpt_bytes says how much they hold).
 * The bound is a trade of memory for seek time: walking again from a
 * checkpoint applies kept records (tens of nanoseconds an event,
 * snap_walk.h). bench_frame prints the memory: with the entries kept
 * once, 128 checkpoints hold 9.6 B/event on a 1.4-million-event trace
 * (K = 10,715) and 12.6 B/event on a 5-million-event one (K = 39,105),
 * where 32 full copies held 19.2 and 34.7. */
#ifndef MAILSIM_SNAP_CKPT_H
#define MAILSIM_SNAP_CKPT_H

#include <stddef.h>

#include "snap_types.h"

#define SNAP_CKPT_MIN_EVERY 1024
#define SNAP_CKPT_MAX 128

/* The checkpoint interval for a trace of nev events. */
long snap_ckpt_every(size_t nev);
/* The event after which the next checkpoint is due (LONG_MAX: none). */
long snap_ckpt_due(const struct snap *s);
/* After the walk applied event ev: take the checkpoint due there, if any. */
void snap_ckpt_take_due(struct snap *s, long ev);
/* Make the walk stand at the latest checkpoint at or before `cursor`
 * (or at the start), if that is nearer `cursor` than where it stands or
 * the walk is past `cursor`. */
void snap_ckpt_seek(struct snap *s, long cursor);
void snap_ckpt_free_all(struct snap *s);

#endif
