/* strmap.c — see strmap.h. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Eight bytes per step (a multiply and a shift each), then a final mix
 * (the 64-bit finalizer of MurmurHash3 / SplitMix64): at a million
 * Message-IDs of 40-odd bytes, FNV-1a's multiply per byte was a chain of
 * 40 dependent multiplies per lookup. The value never leaves the map, so
 * it may differ between byte orders. */
static size_t hash_str(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n;
	for (; n >= 8; s += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 32;
	}
	uint64_t w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 29;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 32;
	return (size_t)h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof *m);
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	strmap_init(m);
}

static struct strmap_slot *find(const struct strmap *m, const char *key, size_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

static void grow(struct strmap *m)
{
	struct strmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key) {
			*find(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
			m->n++;
		}
	free(old.slots);
}

void strmap_put(struct strmap *m, const char *key, size_t value)
{
	if ((m->n + 1) * 10 > m->cap * 7) /* keep the load under 0.7 */
		grow(m);
	size_t h = hash_str(key);
	struct strmap_slot *s = find(m, key, h);
	if (!s->key)
		m->n++;
	*s = (struct strmap_slot){key, h, value};
}

bool strmap_get(const struct strmap *m, const char *key, size_t *value)
{
	if (!m->cap)
		return false;
	const struct strmap_slot *s = find(m, key, hash_str(key));
	if (!s->key)
		return false;
	*value = s->value;
	return true;
}
