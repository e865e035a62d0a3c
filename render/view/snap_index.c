/* snap_index.c — the snapshot's hash table (see snap_index.h). */
#include "snap_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void snx_clear(struct snx *t)
{
	if (t->slot)
		memset(t->slot, 0, t->cap * sizeof *t->slot);
	t->n = 0;
}

void snx_free(struct snx *t)
{
	free(t->slot);
	*t = (struct snx){0};
}

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t snx_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint64_t snx_hash(uint64_t a, uint64_t b)
{
	uint64_t h = snx_mix(a * 0x9e3779b97f4a7c15ULL ^ snx_mix(b + 1));
	return h ? h : 1;
}

uint64_t snx_hash_strn(uint64_t seed, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL ^ seed; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return snx_hash(h, seed);
}

uint64_t snx_hash_str(uint64_t seed, const char *s)
{
	return snx_hash_strn(seed, s, strlen(s));
}

static void snx_rehash(struct snx *t, size_t cap)
{
	struct snx old = *t;

	t->cap = cap;
	t->slot = xcalloc(t->cap, sizeof *t->slot);
	t->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.slot[i].hash)
			continue;
		size_t k = old.slot[i].hash & (t->cap - 1);
		while (t->slot[k].hash)
			k = (k + 1) & (t->cap - 1);
		t->slot[k] = old.slot[i];
		t->n++;
	}
	free(old.slot);
}

void snx_reserve(struct snx *t, size_t n)
{
	size_t cap = t->cap ? t->cap : 64;

	while (cap < 2 * n)
		cap *= 2;
	if (cap > t->cap)
		snx_rehash(t, cap);
}

bool snx_get(const struct snx *t, uint64_t hash, snx_match match, const void *ctx,
	     size_t *value)
{
	if (!t->cap)
		return false;
	for (size_t k = hash & (t->cap - 1); t->slot[k].hash; k = (k + 1) & (t->cap - 1))
		if (t->slot[k].hash == hash && match(ctx, t->slot[k].value)) {
			*value = t->slot[k].value;
			return true;
		}
	return false;
}

void snx_put(struct snx *t, uint64_t hash, snx_match match, const void *ctx, size_t value)
{
	if (2 * (t->n + 1) > t->cap)
		snx_rehash(t, t->cap ? 2 * t->cap : 64);
	size_t k = hash & (t->cap - 1);
	for (; t->slot[k].hash; k = (k + 1) & (t->cap - 1))
		if (t->slot[k].hash == hash && match(ctx, t->slot[k].value)) {
			t->slot[k].value = value;
			return;
		}
	t->slot[k] = (struct snx_slot){hash, value};
	t->n++;
}

void shm_init(struct snap_hm *t, size_t nhost, size_t nmsg)
{
	shm_free(t);
	t->nhost = nhost;
	t->nmsg = nmsg;
	t->row = xcalloc(nhost + 1, sizeof *t->row);
}

void shm_free(struct snap_hm *t)
{
	for (size_t h = 0; t->row && h <= t->nhost; h++)
		free(t->row[h]);
	free(t->row);
	*t = (struct snap_hm){0};
}

/* A key outside the bounds the model gave is our bug, not input. */
static void shm_check(const struct snap_hm *t, int host, int msg)
{
	if (host < -1 || msg < -1 || (size_t)(host + 1) > t->nhost || (size_t)(msg + 1) > t->nmsg) {
		fprintf(stderr, "mailsim: snapshot: host %d, message %d outside %zu x %zu\n", host,
			msg, t->nhost, t->nmsg);
		abort();
	}
}

bool shm_get(const struct snap_hm *t, int host, int msg, size_t *value)
{
	shm_check(t, host, msg);
	const uint32_t *r = t->row[host + 1];
	if (!r || !r[msg + 1])
		return false;
	*value = r[msg + 1] - 1;
	return true;
}

void shm_put(struct snap_hm *t, int host, int msg, size_t value)
{
	shm_check(t, host, msg);
	if (value >= UINT32_MAX)
		abort(); /* four billion entries: beyond any trace the model opens */
	uint32_t **r = &t->row[host + 1];
	if (!*r)
		*r = xcalloc(t->nmsg + 1, sizeof **r);
	(*r)[msg + 1] = (uint32_t)value + 1;
}
