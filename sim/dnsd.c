/* dnsd.c — see dnsd.h. */
#include "dnsd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "resolver.h"
#include "util.h"

struct dns_fault {
	int64_t from, until;
	bool servfail;
};

struct dnsd {
	struct sim *sim;
	struct host *host;        /* not owned */
	struct dns_db *db;        /* owned */
	struct dns_fault *faults; /* owned */
	size_t nfaults;
};

static const struct dns_fault *active_fault(const struct dnsd *d)
{
	for (size_t i = 0; i < d->nfaults; i++)
		if (d->sim->now >= d->faults[i].from && d->sim->now < d->faults[i].until)
			return &d->faults[i];
	return NULL;
}

static void dnsd_recv(void *ctx, struct host *to, const char *from_ip, int from_port,
		      const uint8_t *data, size_t len)
{
	struct dnsd *d = ctx;
	struct sim *sim = d->sim;
	struct dns_msg q, a;
	memset(&q, 0, sizeof q);
	if (!dns_msg_decode(data, len, &q) || q.qr)
		return;
	const struct dns_fault *f = active_fault(d);
	if (f && !f->servfail) {
		dns_answer_clear(&q.ans);
		return; /* silently unresponsive */
	}
	memset(&a, 0, sizeof a);
	a.id = q.id;
	a.qr = true;
	a.rd = q.rd;
	a.ra = true;
	snprintf(a.qname, sizeof a.qname, "%s", q.qname);
	a.qtype = q.qtype;
	if (f)
		a.ans.rcode = DNS_R_SERVFAIL;
	else
		dns_db_lookup(d->db, q.qname, q.qtype, &a.ans);
	/* The scenario's DNS servers stand for the whole DNS: a name under no
	 * zone of theirs does not exist anywhere (NXDOMAIN), rather than being
	 * someone else's business (REFUSED). */
	if (a.ans.rcode == DNS_R_REFUSED) {
		a.ans.rcode = DNS_R_NXDOMAIN;
		a.ans.neg_ttl = 300;
	}
	a.aa = a.ans.authoritative;
	a.rcode = a.ans.rcode;
	uint8_t buf[4096];
	size_t n = dns_msg_encode(&a, buf, sizeof buf);
	trace_begin(sim->trace, sim->now, TK_DNS_ANSWER);
	trace_node(sim->trace, d->host->name);
	trace_peer(sim->trace, net_ip_name(sim, from_ip));
	trace_str(sim->trace, "qname", q.qname);
	trace_str(sim->trace, "qtype", dns_type_name(q.qtype));
	trace_int(sim->trace, "id", q.id);
	trace_str(sim->trace, "rcode", dns_rcode_name(a.ans.rcode));
	resolver_trace_answers(sim->trace, &a.ans);
	trace_end(sim->trace);
	if (n)
		net_dgram_send(sim, d->host, DNS_PORT, from_ip, from_port, buf, n);
	dns_answer_clear(&q.ans);
	dns_answer_clear(&a.ans);
}

struct dnsd *dnsd_new(struct sim *sim, struct host *h)
{
	struct dnsd *d = xcalloc(1, sizeof *d);
	d->sim = sim;
	d->host = h;
	d->db = dns_db_new();
	host_bind_dgram(h, DNS_PORT, dnsd_recv, d);
	return d;
}

void dnsd_free(void *p)
{
	struct dnsd *d = p;
	if (!d)
		return;
	dns_db_free(d->db);
	free(d->faults);
	free(d);
}

struct dns_db *dnsd_db(struct dnsd *d)
{
	return d->db;
}

void dnsd_add_fault(struct dnsd *d, int64_t from, int64_t until, bool servfail)
{
	d->faults = xrealloc(d->faults, (d->nfaults + 1) * sizeof *d->faults);
	d->faults[d->nfaults++] = (struct dns_fault){from, until, servfail};
}
