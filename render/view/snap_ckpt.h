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
 * A checkpoint also remembers how many of the walk's records had been
 * read (snap.rec_pos, snap_walk.h), so walking on from it applies the
 * records that follow.
 *
 * K is chosen at the first build from the trace's length: at least
 * SNAP_CKPT_MIN_EVERY, and large enough that there are at most
 * SNAP_CKPT_MAX checkpoints, so their memory is bounded by SNAP_CKPT_MAX
 * times the walk's mutable state (snap.ckpt_bytes says how much). The
 * bound is a trade of memory for seek time: walking again from a
 * checkpoint applies kept records (tens of nanoseconds an event,
 * snap_walk.h), so on a 1.4-million-event trace (K = 42,797) a seek
 * costs about 0.4 ms on average and 1 ms at most, while each checkpoint
 * holds about 0.7 MB (bench_frame prints both memories). */
#ifndef MAILSIM_SNAP_CKPT_H
#define MAILSIM_SNAP_CKPT_H

#include <stddef.h>

#include "snap_types.h"

#define SNAP_CKPT_MIN_EVERY 1024
#define SNAP_CKPT_MAX 32

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
