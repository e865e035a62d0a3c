/* arena.h — a bump allocator: many small allocations, one free.
 *
 * A scenario's strings and arrays all live in one arena, so freeing the
 * scenario is one call and no field has an owner of its own. Memory comes
 * from a chain of chunks; an allocation never moves, and nothing is freed
 * before arena_free. Every allocation is zeroed and aligned for any type
 * (max_align_t). Out of memory aborts, as the x* allocators do. */
#ifndef MAILSIM_ARENA_H
#define MAILSIM_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);

/* size bytes, zeroed; size 0 gives a valid, distinct pointer. */
void *arena_alloc(struct arena *a, size_t size);
/* count * size bytes, zeroed; aborts if the product overflows. */
void *arena_calloc(struct arena *a, size_t count, size_t size);
char *arena_strdup(struct arena *a, const char *s);
/* NULL stays NULL. */
char *arena_strdup_or_null(struct arena *a, const char *s);
/* Bytes handed out so far (the sum of the rounded sizes), for tests. */
size_t arena_used(const struct arena *a);

#endif
