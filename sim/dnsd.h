/* dnsd.h — the DNS server node: answers queries that arrive as datagrams
 * on port 53 (RFC 1035 §4.2.1) from its zone database (dns_zone.c), writes
 * each answer as a dns.answer event and sends the RFC 1035 wire bytes
 * back. It stands for the whole DNS: a name outside its zones is NXDOMAIN.
 * Faults make it silent (the resolver times out) or answer SERVFAIL. */
#ifndef MAILSIM_DNSD_H
#define MAILSIM_DNSD_H

#include <stdbool.h>
#include <stdint.h>

#include "dns.h"
#include "sim.h"

struct host;
struct dnsd;

struct dnsd *dnsd_new(struct sim *sim, struct host *h);
void dnsd_free(void *d);
struct dns_db *dnsd_db(struct dnsd *d);
/* Fault injection: between from and until, drop queries (timeout) or
 * answer SERVFAIL. */
void dnsd_add_fault(struct dnsd *d, int64_t from, int64_t until, bool servfail);

#endif
