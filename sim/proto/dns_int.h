/* dns_int.h — helpers the DNS model's files share (dns.c, dns_zone.c,
 * dns_cache.c); not part of the DNS API. */
#ifndef MAILSIM_DNS_INT_H
#define MAILSIM_DNS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dns_rr;

/* Write the message into err (if any) and return false. */
bool dns_fail(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Arrays of records: clear each and free the array / append a copy. */
void dns_rr_vec_free(struct dns_rr *v, size_t n);
struct dns_rr *dns_rr_vec_push(struct dns_rr **v, size_t *n, const struct dns_rr *rr);

static inline uint32_t dns_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

#endif
