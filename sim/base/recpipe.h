/* recpipe.h — an ordered pipe of records from one producer thread to one
 * worker thread that consumes them.
 *
 * The producer reserves room for a record, fills it, and commits it; the
 * worker calls consume(ud, record) for every record, one at a time, in the
 * order they were committed. Records travel in batches (RECPIPE_BATCH
 * bytes; a bigger record gets a batch of its own): a committed record
 * waits in the producer's current batch until the batch is full or
 * recpipe_sync() hands it over. At most RECPIPE_BATCHES batches exist;
 * when all are in the worker's hands the producer waits (back-pressure).
 *
 * recpipe_sync() returns once the worker has consumed every committed
 * record and is idle: until the next commit the producer may read and
 * change whatever the worker's consume() touches. Between syncs the two
 * threads must share nothing but the records.
 *
 * Used by the trace (sim/trace.c) to format and write JSONL on the
 * second core while the simulation goes on: the order of the records,
 * hence the bytes written, are the same as with no thread. */
#ifndef MAILSIM_RECPIPE_H
#define MAILSIM_RECPIPE_H

#include <stddef.h>

enum { RECPIPE_BATCH = 256 * 1024, RECPIPE_BATCHES = 8 };

typedef void (*recpipe_fn)(void *ud, void *record, size_t len);

struct recpipe;

/* A pipe and its worker thread; NULL if the thread cannot be started
 * (the caller then does the work itself). */
struct recpipe *recpipe_new(recpipe_fn consume, void *ud);
/* Room for a record of len bytes (8-byte aligned), valid until the
 * matching recpipe_commit(); one reservation at a time. */
void *recpipe_reserve(struct recpipe *p, size_t len);
void recpipe_commit(struct recpipe *p);
/* For a record whose length is known only once it is written: room for
 * at least min bytes (8-byte aligned), *cap the most it may take (up to
 * the current batch's end); commit it with its real length (<= *cap).
 * Nothing else may be reserved in between. */
void *recpipe_room(struct recpipe *p, size_t min, size_t *cap);
void recpipe_commit_len(struct recpipe *p, size_t len);
/* Wait until every committed record is consumed. */
void recpipe_sync(struct recpipe *p);
/* recpipe_sync(), then stop the worker and free everything; NULL is ignored. */
void recpipe_free(struct recpipe *p);

#endif
