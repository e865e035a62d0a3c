/* dns_cache.c — a stub resolver's cache (see dns.h): answers kept for
 * their TTL (RFC 1035 §7.4), negative answers for the SOA's negative TTL
 * (RFC 2308 §5), SERVFAIL briefly (RFC 2308 §7.1).
 *
 * Invariant: the cache is a sorted array keyed by (qname, qtype); expiry
 * compares simulated µs only, never the clock. */
#include "dns.h"
#include "dns_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define US_PER_S 1000000

struct cache_entry {
	char *qname;
	enum dns_type qtype;
	int64_t stored_us;
	int64_t expires_us;
	uint32_t ttl;
	struct dns_answer ans;
};

struct dns_cache {
	struct cache_entry *v; /* sorted by (qname, qtype) */
	size_t n;
	uint32_t servfail_ttl;
};

struct dns_cache *dns_cache_new(void)
{
	return xcalloc(1, sizeof(struct dns_cache));
}

static void cache_entry_free(struct cache_entry *e)
{
	free(e->qname);
	dns_answer_clear(&e->ans);
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		cache_entry_free(&c->v[i]);
	free(c->v);
	free(c);
}

void dns_cache_set_servfail_ttl(struct dns_cache *c, uint32_t seconds)
{
	c->servfail_ttl = dns_min_u32(seconds, DNS_SERVFAIL_TTL_MAX); /* RFC 2308 §7.1 */
}

size_t dns_cache_len(const struct dns_cache *c)
{
	return c->n;
}

static int cache_cmp(const struct cache_entry *e, const char *qname, enum dns_type qtype)
{
	int c = strcmp(e->qname, qname);
	if (c != 0)
		return c;
	return (int)e->qtype - (int)qtype;
}

static struct cache_entry *cache_find(const struct dns_cache *c, const char *qname,
				      enum dns_type qtype, size_t *pos)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cache_cmp(&c->v[mid], qname, qtype);
		if (r == 0) {
			*pos = mid;
			return &c->v[mid];
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static void cache_remove(struct dns_cache *c, size_t pos)
{
	cache_entry_free(&c->v[pos]);
	memmove(&c->v[pos], &c->v[pos + 1], (c->n - pos - 1) * sizeof *c->v);
	c->n--;
}

/* TTLs with the top bit set count as 0 [RFC 2181 §8]. */
static uint32_t sane_ttl(uint32_t ttl)
{
	return ttl > DNS_TTL_MAX ? 0 : ttl;
}

/* How long an answer may be cached (see dns.h). */
static uint32_t answer_cache_ttl(const struct dns_cache *c, enum dns_type qtype,
				 const struct dns_answer *a)
{
	uint32_t ttl = DNS_TTL_MAX;
	if (a->rcode != DNS_R_NOERROR && a->rcode != DNS_R_NXDOMAIN)
		return c->servfail_ttl;
	for (size_t i = 0; i < a->n; i++)
		ttl = dns_min_u32(ttl, sane_ttl(a->rrs[i].ttl));
	if (dns_answer_is_negative(a, qtype))
		ttl = dns_min_u32(ttl, sane_ttl(a->neg_ttl)); /* no SOA -> 0 [RFC 2308 §5] */
	return ttl;
}

void dns_cache_put(struct dns_cache *c, const char *qname, enum dns_type qtype,
		   const struct dns_answer *a, int64_t now_us)
{
	char name[DNS_NAME_MAX + 1];
	struct cache_entry *e;
	size_t pos;
	uint32_t ttl;
	if (!dns_name_normalize(qname, name, sizeof name))
		return;
	ttl = answer_cache_ttl(c, qtype, a);
	e = cache_find(c, name, qtype, &pos);
	if (e) /* fresh data replaces what was cached, even when it may not be kept */
		cache_remove(c, pos);
	if (ttl == 0)
		return;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	memmove(&c->v[pos + 1], &c->v[pos], (c->n - pos) * sizeof *c->v);
	c->n++;
	e = &c->v[pos];
	e->qname = xstrdup(name);
	e->qtype = qtype;
	e->stored_us = now_us;
	e->expires_us = now_us + (int64_t)ttl * US_PER_S;
	e->ttl = ttl;
	dns_answer_copy(&e->ans, a);
}

static uint32_t ttl_minus(uint32_t ttl, uint32_t elapsed)
{
	return ttl > elapsed ? ttl - elapsed : 0;
}

bool dns_cache_get(struct dns_cache *c, const char *qname, enum dns_type qtype,
		   int64_t now_us, struct dns_answer *out, uint32_t *remaining_ttl)
{
	char name[DNS_NAME_MAX + 1];
	struct cache_entry *e;
	size_t pos;
	uint32_t elapsed;
	if (!dns_name_normalize(qname, name, sizeof name))
		return false;
	if (!(e = cache_find(c, name, qtype, &pos)))
		return false;
	if (now_us >= e->expires_us) {
		cache_remove(c, pos);
		return false;
	}
	elapsed = now_us > e->stored_us ? (uint32_t)((now_us - e->stored_us) / US_PER_S) : 0;
	dns_answer_copy(out, &e->ans);
	for (size_t i = 0; i < out->n; i++)
		out->rrs[i].ttl = ttl_minus(out->rrs[i].ttl, elapsed);
	for (size_t i = 0; i < out->nauth; i++)
		out->auth[i].ttl = ttl_minus(out->auth[i].ttl, elapsed);
	out->neg_ttl = ttl_minus(out->neg_ttl, elapsed);
	if (remaining_ttl)
		*remaining_ttl = e->ttl - elapsed;
	return true;
}

void dns_cache_purge(struct dns_cache *c, int64_t now_us)
{
	size_t keep = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (now_us >= c->v[i].expires_us)
			cache_entry_free(&c->v[i]);
		else
			c->v[keep++] = c->v[i];
	}
	c->n = keep;
}
