/* snap_index.h — a small open-addressing hash table from a 64-bit key to
 * an index, for the snapshot's lookups (a queue id at a host, a message
 * at a host). The caller hashes its key and, on lookup, confirms a
 * candidate against its own arrays: the table keeps only (hash, value).
 *
 * Invariants: linear probing, the table at most half full (it doubles);
 * hash 0 is reserved for empty slots (snx_hash maps it away); values are
 * never removed, only replaced, so probing needs no tombstones. */
#ifndef MAILSIM_SNAP_INDEX_H
#define MAILSIM_SNAP_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snx_slot {
	uint64_t hash;
	size_t value;
};

struct snx {
	struct snx_slot *slot; /* owned */
	size_t cap, n;         /* cap is 0 or a power of two */
};

/* Confirms that `value` stands for the key being looked up. */
typedef bool (*snx_match)(const void *ctx, size_t value);

void snx_clear(struct snx *t);
void snx_free(struct snx *t);
/* Mixes a key's parts into a hash that is never 0. */
uint64_t snx_hash(uint64_t a, uint64_t b);
uint64_t snx_hash_str(uint64_t seed, const char *s);
/* The same hash of s[0..n) (no NUL needed). */
uint64_t snx_hash_strn(uint64_t seed, const char *s, size_t n);
/* The value stored for the key (hash, match), or false. */
bool snx_get(const struct snx *t, uint64_t hash, snx_match match, const void *ctx,
	     size_t *value);
/* Make room for n keys in all, so that storing them does not rehash. */
void snx_reserve(struct snx *t, size_t n);
/* Store value for the key, replacing the value of an equal key. */
void snx_put(struct snx *t, uint64_t hash, snx_match match, const void *ctx, size_t value);

#endif
