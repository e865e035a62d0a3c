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

/* (host, message) -> an index, for keys that are two small dense
 * integers, each -1 (none) or below the bound given: a row per host,
 * allocated at the host's first value (calloc: the pages a row never
 * writes cost nothing), a slot per message holding value + 1 (0: none).
 * Unlike snx there is no hashing and no probing, and as the walk meets
 * messages roughly in order consecutive lookups touch neighbouring
 * slots. Values are never removed, only replaced. */
struct snap_hm {
	uint32_t **row;        /* owned; [host + 1], each [msg + 1] or NULL */
	size_t nhost, nmsg;    /* the bounds */
};

void shm_init(struct snap_hm *t, size_t nhost, size_t nmsg);
void shm_free(struct snap_hm *t);
bool shm_get(const struct snap_hm *t, int host, int msg, size_t *value);
void shm_put(struct snap_hm *t, int host, int msg, size_t value);

#endif
