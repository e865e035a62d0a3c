/* resolver.c — see resolver.h. */
#include "resolver.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "net.h"
#include "util.h"

#define RESOLVER_PORT 40053
/* glibc resolv.conf(5) defaults: timeout 5 s, attempts 2 (email-facts §7.1). */
#define DEFAULT_TIMEOUT SIM_US(5)
#define DEFAULT_ATTEMPTS 2

struct query {
	struct query *next;
	struct resolver *r;
	char qname[256];
	enum dns_type qtype;
	uint16_t id;
	int attempt;
	evq_id timer;
	resolver_cb cb;
	void *ctx;
	struct dns_answer ans;   /* for cache hits delivered from an event */
	bool from_cache;
};

struct resolver {
	struct sim *sim;
	struct host *host;       /* not owned */
	char *server_ip;         /* owned */
	struct dns_cache *cache; /* owned */
	struct query *pending;   /* owned list */
	int64_t timeout;
	int attempts;
};

static void on_dgram(void *ctx, struct host *to, const char *from_ip, int from_port,
		     const uint8_t *data, size_t len);

struct resolver *resolver_new(struct sim *sim, struct host *h, const char *server_ip)
{
	struct resolver *r = xcalloc(1, sizeof *r);
	r->sim = sim;
	r->host = h;
	r->server_ip = xstrdup(server_ip);
	r->cache = dns_cache_new();
	r->timeout = DEFAULT_TIMEOUT;
	r->attempts = DEFAULT_ATTEMPTS;
	host_bind_dgram(h, RESOLVER_PORT, on_dgram, r);
	return r;
}

static void query_free(struct query *q)
{
	dns_answer_clear(&q->ans);
	free(q);
}

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	while (r->pending) {
		struct query *q = r->pending;
		r->pending = q->next;
		query_free(q);
	}
	dns_cache_free(r->cache);
	free(r->server_ip);
	free(r);
}

static void resolver_free_obj(void *r)
{
	resolver_free(r);
}

void resolver_attach(struct host *h, struct resolver *r)
{
	h->resolver = r;
	host_own_obj(h, r, resolver_free_obj);
}

void resolver_set_timing(struct resolver *r, int64_t timeout_us, int attempts)
{
	r->timeout = timeout_us;
	r->attempts = attempts;
}

static void unlink_query(struct resolver *r, struct query *q)
{
	for (struct query **pp = &r->pending; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			return;
		}
}

void resolver_trace_answers(struct trace *tr, const struct dns_answer *a)
{
	/* Every answer's text in one buffer, each cut at 1023 octets as a
	 * 1 KiB dns_rr_rdata buffer would, NUL-separated. */
	enum { RDATA_MAX = 1023 };
	if (!trace_wanted(tr))
		return; /* only counted: the answers' text would go nowhere */
	size_t n = a->n, stack_off[16];
	size_t *off = n <= 16 ? stack_off : xcalloc(n, sizeof *off);
	struct strbuf sb;
	sb_init(&sb);
	sb_reserve(&sb, 64 * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		off[i] = sb.len;
		if (a->rrs[i].type == DNS_T_CNAME)
			sb_puts(&sb, "CNAME ");
		size_t start = sb.len;
		dns_rr_put_rdata(&a->rrs[i], &sb);
		if (sb.len - start > RDATA_MAX)
			sb.len = start + RDATA_MAX;
		sb_putc(&sb, '\0');
	}
	const char *stack_v[16];
	const char **v = n <= 16 ? stack_v : xcalloc(n, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = sb.data + off[i];
	trace_strv(tr, "answers", v, n);
	if (v != stack_v)
		free(v);
	if (off != stack_off)
		free(off);
	sb_free(&sb);
}

static void finish(struct query *q, const struct dns_answer *ans)
{
	struct resolver *r = q->r;
	unlink_query(r, q);
	q->cb(r->sim, q->ctx, q->qname, q->qtype, ans);
	query_free(q);
}

static void ev_cached(struct sim *sim, void *ctx, uint64_t arg)
{
	struct query *q = ctx;
	finish(q, &q->ans);
}

static void ev_timeout(struct sim *sim, void *ctx, uint64_t arg);

static void send_query(struct query *q)
{
	struct resolver *r = q->r;
	struct sim *sim = r->sim;
	struct dns_msg m;
	memset(&m, 0, sizeof m);
	/* A fresh random id per attempt (RFC 5452 §4), from the seeded PRNG. */
	q->id = (uint16_t)rng_u32(&sim->rng);
	q->attempt++;
	m.id = q->id;
	m.rd = true;
	fmt_snprintf(m.qname, sizeof m.qname, "%s", q->qname);
	m.qtype = q->qtype;
	uint8_t buf[512];
	size_t len = dns_msg_encode(&m, buf, sizeof buf);
	trace_begin(sim->trace, sim->now, TK_DNS_QUERY);
	trace_node(sim->trace, r->host->name);
	trace_peer(sim->trace, net_ip_name(sim, r->server_ip));
	trace_str(sim->trace, "qname", q->qname);
	trace_str(sim->trace, "qtype", dns_type_name(q->qtype));
	trace_int(sim->trace, "id", q->id);
	trace_int(sim->trace, "bytes", (int64_t)len);
	trace_end(sim->trace);
	net_dgram_send(sim, r->host, RESOLVER_PORT, r->server_ip, DNS_PORT, buf, len);
	q->timer = sim_after(sim, r->timeout, ev_timeout, q, 0);
}

static void ev_timeout(struct sim *sim, void *ctx, uint64_t arg)
{
	struct query *q = ctx;
	struct resolver *r = q->r;
	trace_begin(sim->trace, sim->now, TK_DNS_TIMEOUT);
	trace_node(sim->trace, r->host->name);
	trace_peer(sim->trace, net_ip_name(sim, r->server_ip));
	trace_str(sim->trace, "qname", q->qname);
	trace_str(sim->trace, "qtype", dns_type_name(q->qtype));
	trace_int(sim->trace, "attempt", q->attempt);
	trace_end(sim->trace);
	if (q->attempt < r->attempts)
		send_query(q);
	else
		finish(q, NULL);
}

void resolver_query(struct resolver *r, const char *qname, enum dns_type qtype, resolver_cb cb,
		    void *ctx)
{
	struct sim *sim = r->sim;
	struct query *q = xcalloc(1, sizeof *q);
	q->r = r;
	if (!dns_name_normalize(qname, q->qname, sizeof q->qname))
		fmt_snprintf(q->qname, sizeof q->qname, "%s", qname);
	q->qtype = qtype;
	q->cb = cb;
	q->ctx = ctx;
	q->next = r->pending;
	r->pending = q;
	uint32_t ttl;
	if (dns_cache_get(r->cache, q->qname, qtype, sim->now, &q->ans, &ttl)) {
		/* Borrowed: the host's name, the query's and static names. */
		trace_begin(sim->trace, sim->now, TK_DNS_CACHE);
		trace_node_ref(sim->trace, r->host->name);
		trace_str_ref(sim->trace, "qname", q->qname);
		trace_str_ref(sim->trace, "qtype", dns_type_name(qtype));
		trace_str_ref(sim->trace, "rcode", dns_rcode_name(q->ans.rcode));
		resolver_trace_answers(sim->trace, &q->ans);
		trace_int(sim->trace, "ttl", ttl);
		trace_end(sim->trace);
		q->from_cache = true;
		sim_after(sim, 0, ev_cached, q, 0);
		return;
	}
	send_query(q);
}

static void on_dgram(void *ctx, struct host *to, const char *from_ip, int from_port,
		     const uint8_t *data, size_t len)
{
	struct resolver *r = ctx;
	struct dns_msg m;
	memset(&m, 0, sizeof m);
	if (!dns_msg_decode(data, len, &m))
		return; /* garbage is dropped; the timer will fire */
	for (struct query *q = r->pending; q; q = q->next) {
		if (q->from_cache || !m.qr || m.id != q->id || m.qtype != q->qtype ||
		    !ascii_strcaseeq(m.qname, q->qname) || strcmp(from_ip, r->server_ip) != 0)
			continue;
		sim_cancel(r->sim, q->timer);
		dns_cache_put(r->cache, q->qname, q->qtype, &m.ans, r->sim->now);
		finish(q, &m.ans);
		break;
	}
	dns_answer_clear(&m.ans);
}
