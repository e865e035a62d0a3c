/* pool.h — recycles fixed-size blocks (the per-connection engines and
 * filter state, a few KiB each; sessions, connections and jobs, made and
 * freed a few times per message).
 *
 * glibc serves a request of more than about 1 KiB from its sorted bins,
 * and first merges every freed small chunk back (malloc_consolidate): one
 * such malloc per connection cost more than the rest of the connection's
 * small allocations together. A pool keeps up to POOL_KEEP freed blocks of
 * one size on a list and hands them back zeroed, like calloc. Blocks are
 * never shared between pools of different sizes; a pool is per thread
 * (the owner declares it _Thread_local). Under AddressSanitizer nothing is
 * kept, so a use after free is still caught. */
#ifndef MAILSIM_POOL_H
#define MAILSIM_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct pool {
	void *head; /* freed blocks, linked through their first word */
	size_t n;
};

/* size bytes, zeroed (size must be the same for every call on p, and at
 * least a pointer). Out of memory aborts, as xcalloc does. */
void *pool_get(struct pool *p, size_t size);
/* Give back a block from pool_get(p, ...); NULL is ignored. */
void pool_put(struct pool *p, void *block);

/* Like pool_get, but the last `keep` bytes of a recycled block are left as
 * its previous user left them (a new block's are zero): an owner keeps its
 * grown buffers there, so a reused engine does not allocate and grow them
 * again. The owner puts the kept part at the end of its struct and resets
 * what it needs (lengths, counts) itself. */
void *pool_get_keep(struct pool *p, size_t size, size_t keep);
/* Whether pool_put(p, ...) would keep the next block (never under
 * AddressSanitizer): when not, the owner frees what the kept part owns
 * before giving the block back. */
bool pool_keeps(const struct pool *p);

#endif
