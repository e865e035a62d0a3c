/* pool.c — see pool.h. */
#include "pool.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_KEEP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_KEEP 0
#endif
#endif
#ifndef POOL_KEEP
#define POOL_KEEP 64 /* more than a run keeps open at once, in practice */
#endif

void *pool_get(struct pool *p, size_t size)
{
	return pool_get_keep(p, size, 0);
}

void *pool_get_keep(struct pool *p, size_t size, size_t keep)
{
	assert(keep <= size && size - keep >= sizeof p->head); /* the link is never kept */
	void *b = p->head;
	if (!b)
		return xcalloc(1, size);
	memcpy(&p->head, b, sizeof p->head);
	p->n--;
	memset(b, 0, size - keep);
	return b;
}

bool pool_keeps(const struct pool *p)
{
	return p->n + 1 <= POOL_KEEP; /* not "< POOL_KEEP": 0 under ASan, and n unsigned */
}

void pool_put(struct pool *p, void *block)
{
	if (!block)
		return;
	if (!pool_keeps(p)) {
		free(block);
		return;
	}
	memcpy(block, &p->head, sizeof p->head);
	p->head = block;
	p->n++;
}
