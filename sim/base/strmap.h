/* strmap.h — a string-keyed hash map (open addressing, linear probing,
 * FNV-1a), for lookups that must not grow with the number of messages.
 * Keys are borrowed: the caller keeps them alive and unchanged while they
 * are in the map. Values are indices or small integers. Iteration order
 * is never exposed, so nothing about a run can depend on it. */
#ifndef MAILSIM_STRMAP_H
#define MAILSIM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	const char *key; /* NULL: empty */
	size_t hash;
	size_t value;
};

struct strmap {
	struct strmap_slot *slots; /* owned */
	size_t cap;                /* a power of two, or 0 */
	size_t n;
};

void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
/* Insert or replace. */
void strmap_put(struct strmap *m, const char *key, size_t value);
/* True and *value when key is present. */
bool strmap_get(const struct strmap *m, const char *key, size_t *value);

#endif
