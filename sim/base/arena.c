/* arena.c — see arena.h. Chunks of ARENA_CHUNK bytes; an allocation that
 * would not fit in a fresh chunk gets a chunk of its own. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { ARENA_CHUNK = 16384 };

struct chunk {
	struct chunk *next;
	size_t cap, used;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct chunk *head;   /* the chunk allocations come from; older ones follow */
	size_t used;
};

static size_t round_up(size_t n)
{
	size_t al = alignof(max_align_t);
	if (n > SIZE_MAX - al)
		abort();
	return (n + al - 1) / al * al;
}

static struct chunk *chunk_new(size_t cap)
{
	if (cap > SIZE_MAX - sizeof(struct chunk))
		abort();
	struct chunk *c = xcalloc(1, sizeof *c + cap);
	c->cap = cap;
	return c;
}

struct arena *arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	size_t n = round_up(size ? size : 1);
	struct chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		struct chunk *fresh = chunk_new(n > ARENA_CHUNK ? n : ARENA_CHUNK);
		if (c && n > ARENA_CHUNK) { /* a big one: keep filling the current chunk */
			fresh->next = c->next;
			c->next = fresh;
		} else {
			fresh->next = c;
			a->head = fresh;
		}
		c = fresh;
	}
	void *p = c->data + c->used;
	c->used += n;
	a->used += n;
	return p; /* chunks are calloc'ed and never reused: already zero */
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		abort();
	return arena_alloc(a, count * size);
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);
	memcpy(p, s, n);
	return p;
}

char *arena_strdup_or_null(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

size_t arena_used(const struct arena *a)
{
	return a->used;
}
