/* resolver.h — a host's stub resolver: sends real DNS queries (RFC 1035
 * wire format) as datagrams to its DNS server, retries on timeout the way
 * glibc does (timeout 5 s, 2 attempts), and caches answers by TTL.
 *
 * Every query is a dns.query trace event; a cache hit is a dns.cache event;
 * each expired wait is a dns.timeout event. Callbacks always run from an
 * event, never inside resolver_query(), so callers see one ordering. */
#ifndef MAILSIM_RESOLVER_H
#define MAILSIM_RESOLVER_H

#include <stdbool.h>

#include "dns.h"
#include "sim.h"

struct host;
struct resolver;

/* ans is NULL when every attempt timed out; it is only valid during the
 * call. */
typedef void (*resolver_cb)(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
			    const struct dns_answer *ans);

struct resolver *resolver_new(struct sim *sim, struct host *h, const char *server_ip);
void resolver_free(struct resolver *r);
/* Make r h's resolver (h->resolver), freed with the host. */
void resolver_attach(struct host *h, struct resolver *r);
void resolver_set_timing(struct resolver *r, int64_t timeout_us, int attempts);
void resolver_query(struct resolver *r, const char *qname, enum dns_type qtype, resolver_cb cb,
		    void *ctx);

/* The answers[] field of dns.answer and dns.cache events: each record in
 * presentation format ("10 mx1.example.net."; a CNAME as "CNAME target"). */
void resolver_trace_answers(struct trace *tr, const struct dns_answer *a);

#endif
