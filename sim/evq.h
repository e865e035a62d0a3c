/* evq.h — the event queue: 4-ary min-heaps keyed by (time, insertion
 * sequence), with cancellation by id (lazy deletion). Two heaps: near
 * (due within a horizon of the last popped event) and far (retry and idle
 * timers), so in-flight events do not pay for every waiting message; a
 * pop takes the earlier of their tops, so the order is one order.
 *
 * Invariants:
 *  - Events pop in ascending time; equal times pop in the order they were
 *    pushed (FIFO), because the sequence number breaks ties. No floating
 *    point and no pointer value ever takes part in the order.
 *  - A heap entry is 16 bytes: the time and one 64-bit key whose high bits
 *    are the insertion sequence and whose low EVQ_SLOT_BITS bits index the
 *    payload slot. The key is also the event's id, so a cancelled or already
 *    fired id can never be confused with a newer event.
 *  - Cancelled events stay in the heap until they reach the top or until
 *    the dead outnumber the live, when the heap is compacted: it holds
 *    O(live) entries. evq_len() counts only live ones; evq_heap_len() all. */
#ifndef MAILSIM_EVQ_H
#define MAILSIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVQ_SLOT_BITS 24 /* at most 16,777,215 pending events */

typedef uint64_t evq_id; /* 0 is never a valid id */

/* Callback run when the event fires: ctx and arg are what was pushed. */
typedef void (*evq_fn)(void *owner, void *ctx, uint64_t arg);

struct evq_event {
	int64_t time;
	evq_id id;
	evq_fn fn;
	void *ctx;
	uint64_t arg;
};

struct evq;

struct evq *evq_new(void);
void evq_free(struct evq *q);

/* Schedule fn(ctx, arg) at time t; returns the id for evq_cancel. */
evq_id evq_push(struct evq *q, int64_t t, evq_fn fn, void *ctx, uint64_t arg);
/* Schedule fn(ctx, arg) at time t like evq_push, for the many events a
 * run knows at set-up (each message's submission): they wait in a sorted
 * array, not in the heap, so a million of them do not make every other
 * event pay for a million-entry heap. Same order as evq_push (time, then
 * push order); no id: they cannot be cancelled (their evq_event.id is
 * never pending). */
void evq_push_later(struct evq *q, int64_t t, evq_fn fn, void *ctx, uint64_t arg);
/* Take the sequence number the next evq_push would take, without pushing:
 * an event pushed later with evq_push_seq(..., seq, ...) sits in the
 * order exactly where an evq_push made now would have. For a deadline
 * that moves often (an idle timer re-armed by every packet): keep the
 * deadline and its sequence, leave the already-armed event in place, and
 * when it fires early re-push it at the deadline with the reserved
 * sequence; the run is the same as cancelling and re-pushing each time. */
uint64_t evq_reserve_seq(struct evq *q);
/* evq_push with a sequence from evq_reserve_seq, used at most once while
 * pending (its key must be unique). */
evq_id evq_push_seq(struct evq *q, int64_t t, uint64_t seq, evq_fn fn, void *ctx, uint64_t arg);
/* Cancel a pending event; false if it already fired or was cancelled. */
bool evq_cancel(struct evq *q, evq_id id);
/* True if id is pending (pushed, not fired, not cancelled). */
bool evq_pending(const struct evq *q, evq_id id);
/* Remove the earliest live event into *out; false when empty. */
bool evq_pop(struct evq *q, struct evq_event *out);
/* evq_pop, only when the earliest live event's time is <= limit (one
 * look at the top instead of evq_peek_time then evq_pop). */
bool evq_pop_until(struct evq *q, int64_t limit, struct evq_event *out);
/* Time of the earliest live event; false when empty. */
bool evq_peek_time(struct evq *q, int64_t *t);
size_t evq_len(const struct evq *q);
/* Entries in the heap, cancelled ones not yet removed included. */
size_t evq_heap_len(const struct evq *q);
uint64_t evq_pushed_total(const struct evq *q);

#endif
