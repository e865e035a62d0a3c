/* net.c — see net.h. */
#include "net.h"

#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "util.h"

const char *const host_role_names[] = {"client", "mta", "dns", "filter", "mailbox", NULL};

#define DEFAULT_LATENCY SIM_MS(10)
/* Postfix smtp_connect_timeout: 30 s (email-facts §1.6). */
#define DEFAULT_CONNECT_TIMEOUT SIM_US(30)

struct link {
	char *a, *b;  /* owned */
	int64_t latency;
	double loss;
};

/* Something in flight; owned by the net until delivered or the run ends. */
/* The in-flight list's links: a list head of its own type, since a struct
 * with a flexible array member may not be a member of another struct
 * (C11 6.7.2.1p3). First in struct packet, so a link is its packet. */
struct packet_link {
	struct packet_link *prev, *next;
};

struct packet {
	struct packet_link link;     /* in flight; the pool's next while pooled */
	struct net *net;
	struct conn *conn;           /* stream packets */
	enum conn_side to;
	struct host *dst;            /* datagrams */
	char *from_ip;
	int from_port, port;
	size_t len;
	bool pooled;                 /* PACKET_SMALL bytes of room: back to the pool */
	/* Stream packets sent back to back (see net_send2): the next one, which
	 * rides this one's event, and for the first of a burst its last one
	 * and the event count when its own event was pushed. */
	struct packet *burst_next, *burst_last;
	uint64_t pushed;
	char data[];
};

/* Most packets are one protocol line: they come from and go back to a
 * free list instead of malloc (a run sends dozens per message). */
enum { PACKET_SMALL = 240, PACKET_POOL_MAX = 4096 };

enum { LINK_MEMO = 256 };

struct link_memo {
	const struct host *a, *b;
	const struct link *l;
	uint64_t gen;
};

struct net {
	struct sim *sim;
	int64_t default_latency;
	int64_t connect_timeout;
	struct link *links;
	size_t nlinks;
	uint64_t link_gen;       /* bumped by every change of a latency */
	struct packet *pool;     /* free small packets, linked through next */
	size_t npool;
	struct conn **conns;     /* owned */
	size_t nconns, capconns;
	struct conn **released;  /* released injected connections not freed yet */
	size_t nreleased, capreleased;
	/* Simulated connections found finished (both sides closed, both
	 * sessions gone, no event scheduled): freed at the start of the net's
	 * next event, when no caller can still hold one. Without this every
	 * connection stayed until the run ended: memory and cache misses that
	 * grew with the number of messages. */
	struct conn **grave;
	size_t ngrave, capgrave;
	struct packet_link inflight; /* list head */
	/* The link between two hosts, remembered by the hosts' addresses
	 * (hosts live as long as the run) for the names' case-insensitive
	 * search, which every SYN, connect and handshake asked again: direct
	 * mapped, an entry valid while gen == link_gen + 1 (LINK_MEMO of them,
	 * owned). */
	struct link_memo *memo;
};

enum conn_side conn_other(enum conn_side s)
{
	return s == SIDE_CLIENT ? SIDE_SERVER : SIDE_CLIENT;
}

static void net_teardown(struct sim *sim)
{
	/* Sessions still bound to a connection (a run stopped mid-dialog)
	 * are freed by their owners while hosts and connections still exist. */
	struct net *net = sim->net;
	/* Closed without a word: the trace may already be finished. */
	for (size_t i = 0; net && i < net->nconns; i++)
		net->conns[i]->open[SIDE_CLIENT] = net->conns[i]->open[SIDE_SERVER] = false;
	for (size_t i = 0; net && i < net->nconns; i++)
		for (int side = SIDE_CLIENT; side <= SIDE_SERVER; side++) {
			struct conn *c = net->conns[i];
			if (c->ops[side] && c->ops[side]->abandon)
				c->ops[side]->abandon(c->ctx[side], c);
		}
	net_free(sim->net);
	sim->net = NULL;
	for (size_t i = 0; i < sim->nhosts; i++)
		host_free(sim->hosts[i]);
	free(sim->hosts);
	sim->hosts = NULL;
	sim->nhosts = 0;
}

struct net *net_new(struct sim *sim)
{
	struct net *net = xcalloc(1, sizeof *net);
	net->memo = xcalloc(LINK_MEMO, sizeof *net->memo);
	net->sim = sim;
	net->default_latency = DEFAULT_LATENCY;
	net->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	net->inflight.next = net->inflight.prev = &net->inflight;
	sim->net = net;
	sim->teardown = net_teardown;
	return net;
}

static void packet_unlink(struct packet *p)
{
	p->link.prev->next = p->link.next;
	p->link.next->prev = p->link.prev;
}

/* One per connection (two per message and hop): recycled (pool.h). */
static _Thread_local struct pool conn_pool;

static void conn_free(struct conn *c)
{
	if (c->dst_ip != c->dst_ip_buf)
		free(c->dst_ip);
	pool_put(&conn_pool, c);
}

void net_free(struct net *net)
{
	if (!net)
		return;
	while (net->inflight.next != &net->inflight) {
		struct packet *p = (struct packet *)net->inflight.next;
		packet_unlink(p);
		free(p->from_ip);
		free(p);
	}
	while (net->pool) {
		struct packet *p = net->pool;
		net->pool = (struct packet *)p->link.next;
		free(p);
	}
	for (size_t i = 0; i < net->nlinks; i++) {
		free(net->links[i].a);
		free(net->links[i].b);
	}
	free(net->links);
	for (size_t i = 0; i < net->nconns; i++) {
		conn_free(net->conns[i]);
	}
	free(net->conns);
	free(net->released);
	free(net->grave);
	free(net->memo);
	free(net);
}

void net_set_default_latency(struct net *net, int64_t us)
{
	net->default_latency = us;
	net->link_gen++;
}
void net_set_connect_timeout(struct net *net, int64_t us) { net->connect_timeout = us; }

static struct link *find_link(const struct net *net, const char *a, const char *b)
{
	for (size_t i = 0; i < net->nlinks; i++) {
		struct link *l = &net->links[i];
		if ((ascii_strcaseeq(l->a, a) && ascii_strcaseeq(l->b, b)) ||
		    (ascii_strcaseeq(l->a, b) && ascii_strcaseeq(l->b, a)))
			return l;
	}
	return NULL;
}

void net_update_link(struct net *net, const char *a, const char *b, int64_t latency, double loss)
{
	struct link *l = find_link(net, a, b);
	if (!l) {
		net->links = xrealloc(net->links, (net->nlinks + 1) * sizeof *net->links);
		l = &net->links[net->nlinks++];
		*l = (struct link){xstrdup(a), xstrdup(b), net->default_latency, 0};
	}
	if (latency >= 0)
		l->latency = latency;
	l->loss = loss;
	net->link_gen++;
}

void net_set_link_latency(struct net *net, const char *a, const char *b, int64_t us)
{
	net_update_link(net, a, b, us, 0);
}

void net_link_params(const struct net *net, const char *a, const char *b, int64_t *latency,
		     double *loss)
{
	const struct link *l = find_link(net, a, b);
	*latency = l ? l->latency : net->default_latency;
	*loss = l ? l->loss : 0;
}

/* find_link for two hosts, through the memo. */
static const struct link *host_link(const struct net *net, const struct host *a,
				    const struct host *b)
{
	uintptr_t h = ((uintptr_t)a >> 4) * 31 + ((uintptr_t)b >> 4);
	struct link_memo *m = &net->memo[(h ^ (h >> 8)) % LINK_MEMO];
	if (m->a != a || m->b != b || m->gen != net->link_gen + 1)
		*m = (struct link_memo){a, b, find_link(net, a->name, b->name), net->link_gen + 1};
	return m->l;
}

int64_t net_latency(const struct net *net, const struct host *a, const struct host *b)
{
	if (!a || !b)
		return net->default_latency;
	const struct link *l = host_link(net, a, b);
	return l ? l->latency : net->default_latency;
}

/* Lossy links drop connection attempts and datagrams (TCP data itself is
 * retransmitted, so it only arrives). Drawn from the seeded PRNG. */
static bool lost(struct sim *sim, const struct host *a, const struct host *b)
{
	if (!a || !b)
		return false;
	const struct link *l = host_link(sim->net, a, b);
	if (!l || l->loss <= 0)
		return false;
	return rng_u32(&sim->rng) < (uint32_t)(l->loss * 4294967295.0);
}

const char *net_ip_name(const struct sim *sim, const char *ip)
{
	struct host *h = sim_host_by_ip(sim, ip);
	return h ? h->name : ip;
}

/* A packet of data followed by tail (a line and its CRLF, without a
 * copy in between). */
static struct packet *packet_new2(struct net *net, const void *data, size_t dlen, const char *tail,
				  size_t tlen)
{
	struct packet *p;
	size_t len = dlen + tlen;
	bool small = len <= PACKET_SMALL;
	if (small && net->pool) {
		p = net->pool;
		net->pool = (struct packet *)p->link.next;
		net->npool--;
	} else {
		p = xmalloc(sizeof *p + (small ? PACKET_SMALL : len) + 1);
	}
	memset(p, 0, sizeof *p);
	p->pooled = small;
	p->net = net;
	p->len = len;
	if (dlen)
		memcpy(p->data, data, dlen);
	if (tlen)
		memcpy(p->data + dlen, tail, tlen);
	p->data[len] = '\0';
	p->link.prev = net->inflight.prev;
	p->link.next = &net->inflight;
	net->inflight.prev->next = &p->link;
	net->inflight.prev = &p->link;
	return p;
}

static struct packet *packet_new(struct net *net, const void *data, size_t len)
{
	return packet_new2(net, data, len, NULL, 0);
}

static void packet_free(struct packet *p)
{
	struct net *net = p->net;
	packet_unlink(p);
	free(p->from_ip);
	if (p->pooled && net->npool < PACKET_POOL_MAX) {
		p->link.next = (struct packet_link *)net->pool;
		net->pool = p;
		net->npool++;
		return;
	}
	free(p);
}

static void trace_conn_event(struct conn *c, enum trace_kind kind, struct host *node, const char *peer)
{
	struct sim *sim = c->sim;
	trace_begin(sim->trace, sim->now, kind);
	trace_node_ref(sim->trace, node->name);
	trace_peer_ref(sim->trace, peer);
	trace_conn(sim->trace, c->id);
	trace_int(sim->trace, "port", c->port);
	trace_end(sim->trace);
}

/* --- finished connections -------------------------------------------------- */

static bool reapable(const struct conn *c)
{
	return !c->open[SIDE_CLIENT] && !c->open[SIDE_SERVER] && c->refs == 0 &&
	       c->ctx[SIDE_SERVER] == NULL;
}

/* Out of the net's list and freed. */
static void conn_destroy(struct net *net, struct conn *c)
{
	struct conn *last = net->conns[--net->nconns];
	net->conns[c->slot] = last;
	last->slot = c->slot;
	conn_free(c);
}

/* A simulated connection nothing refers to any more goes on the grave
 * list (injected ones are net_release's and net_reap's). */
static void conn_settle(struct conn *c)
{
	struct net *net = c->sim->net;
	if (c->external || c->in_grave || !reapable(c) || c->ctx[SIDE_CLIENT] != NULL)
		return;
	if (net->ngrave == net->capgrave) {
		net->capgrave = net->capgrave ? 2 * net->capgrave : 64;
		net->grave = xrealloc(net->grave, net->capgrave * sizeof *net->grave);
	}
	c->in_grave = true;
	net->grave[net->ngrave++] = c;
}

/* Called first in each of the net's events, straight from the engine:
 * nothing up the stack can hold a connection on the list. */
static void bury(struct net *net)
{
	for (size_t i = 0; i < net->ngrave; i++) {
		struct conn *c = net->grave[i];
		c->in_grave = false;
		if (reapable(c) && c->ctx[SIDE_CLIENT] == NULL)
			conn_destroy(net, c);
	}
	net->ngrave = 0;
}

void net_unbind(struct conn *c, enum conn_side side, const struct conn_ops *ops)
{
	c->ops[side] = ops;
	c->ctx[side] = NULL;
	conn_settle(c);
}

/* --- connection set-up ---------------------------------------------------- */

static void ev_fail(struct sim *sim, void *ctx, uint64_t why)
{
	struct conn *c = ctx;
	bury(sim->net);
	c->refs--;
	enum trace_kind kind = why == NET_REFUSED ? TK_NET_REFUSED : TK_NET_TIMEOUT;
	trace_conn_event(c, kind, c->cli, net_ip_name(sim, c->dst_ip));
	c->open[SIDE_CLIENT] = false;
	if (c->ops[SIDE_CLIENT]->failed)
		c->ops[SIDE_CLIENT]->failed(c->ctx[SIDE_CLIENT], c, (enum net_fail)why);
	conn_settle(c);
}

static void ev_connected(struct sim *sim, void *ctx, uint64_t arg)
{
	struct conn *c = ctx;
	bury(sim->net);
	c->refs--;
	c->established = true;
	if (c->open[SIDE_CLIENT] && c->ops[SIDE_CLIENT]->connected)
		c->ops[SIDE_CLIENT]->connected(c->ctx[SIDE_CLIENT], c);
	conn_settle(c);
}

static const struct listener *find_listener(const struct host *h, int port)
{
	for (size_t i = 0; i < h->nlisteners; i++)
		if (h->listeners[i].port == port)
			return &h->listeners[i];
	return NULL;
}

static void syn_arrives(struct sim *sim, struct conn *c);

/* The SYN reaches the destination address. */
static void ev_syn(struct sim *sim, void *ctx, uint64_t arg)
{
	struct conn *c = ctx;
	bury(sim->net);
	c->refs--;
	syn_arrives(sim, c);
	conn_settle(c);
}

static void syn_arrives(struct sim *sim, struct conn *c)
{
	struct host *dst = sim_host_by_ip(sim, c->dst_ip);
	int64_t lat = net_latency(sim->net, c->cli, dst);
	if (!dst || dst->down || lost(sim, c->cli, dst)) {
		/* Nobody answers: the client gives up after its connect timeout,
		 * counted from when it sent the SYN. */
		int64_t sent = sim->now - lat;
		c->refs++;
		sim_at(sim, sent + sim->net->connect_timeout, ev_fail, c, NET_TIMEOUT);
		return;
	}
	if (!c->open[SIDE_CLIENT])
		return; /* the client gave up before its SYN arrived */
	const struct listener *l = find_listener(dst, c->port);
	if (!l || l->closed) {
		c->refs++;
		sim_after(sim, lat, ev_fail, c, NET_REFUSED); /* RST travels back */
		return;
	}
	c->srv = dst;
	c->latency_gen = 0;
	c->open[SIDE_SERVER] = true;
	trace_conn_event(c, TK_NET_ACCEPT, dst, c->cli->name);
	/* The SYN-ACK is on its way before the server can say anything, so
	 * "connected" reaches the client ahead of any greeting. */
	c->last_arrival[SIDE_CLIENT] = sim->now + lat;
	c->refs++;
	sim_after(sim, lat, ev_connected, c, 0);
	l->accept(l->ctx, c);
}

static struct conn *conn_new(struct sim *sim, struct host *from, const char *ip, int port)
{
	struct net *net = sim->net;
	struct conn *c = pool_get(&conn_pool, sizeof *c);
	c->id = sim->next_conn_id++;
	c->sim = sim;
	c->cli = from;
	size_t iplen = strlen(ip);
	c->dst_ip = iplen < sizeof c->dst_ip_buf ? memcpy(c->dst_ip_buf, ip, iplen + 1) : xstrdup(ip);
	c->port = port;
	c->open[SIDE_CLIENT] = true;
	if (net->nconns == net->capconns) {
		net->capconns = net->capconns ? net->capconns * 2 : 16;
		net->conns = xrealloc(net->conns, net->capconns * sizeof *net->conns);
	}
	c->slot = net->nconns;
	net->conns[net->nconns++] = c;
	return c;
}

struct conn *net_connect(struct sim *sim, struct host *from, const char *ip, int port,
			 const struct conn_ops *ops, void *ctx)
{
	struct conn *c = conn_new(sim, from, ip, port);
	c->ops[SIDE_CLIENT] = ops;
	c->ctx[SIDE_CLIENT] = ctx;
	trace_conn_event(c, TK_NET_CONNECT, from, net_ip_name(sim, ip));
	struct host *dst = sim_host_by_ip(sim, ip);
	c->refs++;
	sim_after(sim, net_latency(sim->net, from, dst), ev_syn, c, 0);
	return c;
}

struct conn *net_inject(struct sim *sim, struct host *from, struct host *srv, int port,
			const struct conn_ops *ops, void *ctx)
{
	const struct listener *l = find_listener(srv, port);
	if (!l || l->closed || srv->down)
		return NULL;
	struct conn *c = conn_new(sim, from, srv->ip, port);
	c->ops[SIDE_CLIENT] = ops;
	c->ctx[SIDE_CLIENT] = ctx;
	c->srv = srv;
	c->latency_gen = 0;
	c->open[SIDE_SERVER] = true;
	c->established = true;
	c->external = true;
	trace_conn_event(c, TK_NET_CONNECT, from, srv->name);
	trace_conn_event(c, TK_NET_ACCEPT, srv, from->name);
	l->accept(l->ctx, c);
	return c;
}

/* What the client side of a released connection answers to: nothing. */
static const struct conn_ops released_ops = {0};

void net_release(struct conn *c)
{
	struct net *net = c->sim->net;
	if (!c->external || c->released)
		return;
	c->released = true;
	c->ops[SIDE_CLIENT] = &released_ops;
	c->ctx[SIDE_CLIENT] = NULL;
	if (net->nreleased == net->capreleased) {
		net->capreleased = net->capreleased ? 2 * net->capreleased : 64;
		net->released = xrealloc(net->released, net->capreleased * sizeof *net->released);
	}
	net->released[net->nreleased++] = c;
}

void net_reap(struct sim *sim)
{
	struct net *net = sim->net;
	size_t keep = 0;
	for (size_t i = 0; i < net->nreleased; i++) {
		struct conn *c = net->released[i];
		if (!reapable(c)) {
			net->released[keep++] = c;
			continue;
		}
		conn_destroy(net, c);
	}
	net->nreleased = keep;
}

size_t net_conn_count(const struct sim *sim)
{
	return sim->net->nconns;
}

/* --- data, close, TLS ------------------------------------------------------ */

static struct host *side_host(const struct conn *c, enum conn_side s)
{
	return s == SIDE_CLIENT ? c->cli : c->srv;
}

static int64_t arrival_time(struct conn *c, enum conn_side to)
{
	struct sim *sim = c->sim;
	const struct host *from = side_host(c, conn_other(to));
	/* The link's latency, looked up by name once per connection and
	 * again only after a fault changed a link. */
	if (c->latency_gen != sim->net->link_gen + 1) {
		c->latency = net_latency(sim->net, c->cli, c->srv);
		c->latency_gen = sim->net->link_gen + 1;
	}
	int64_t t = sim->now + c->latency + (from ? from->slow : 0);
	if (t < c->last_arrival[to])
		t = c->last_arrival[to];
	c->last_arrival[to] = t;
	return t;
}

/* Each packet of a burst is delivered as its own arrival, exactly as if
 * it had its own event right after the previous one (see net_send2): the
 * connection's checks, the receiver's callback and the bookkeeping run
 * once per packet, and each counts as an event of the model. */
static void ev_data(struct sim *sim, void *ctx, uint64_t arg)
{
	struct packet *p = ctx;
	struct conn *c = p->conn;
	if (c->burst[p->to] == p)
		c->burst[p->to] = NULL;
	for (struct packet *next; p; p = next) {
		next = p->burst_next;
		if (p != ctx)
			sim->events_run++;
		bury(sim->net);
		c->refs--;
		if (c->open[p->to] && c->ops[p->to]->data)
			c->ops[p->to]->data(c->ctx[p->to], c, p->data, p->len);
		packet_free(p);
		conn_settle(c);
	}
}

/* A packet due at the same microsecond as the last one sent the same way
 * on the connection, with no event pushed in between (so no event could
 * run between the two), rides that packet's event instead of pushing its
 * own: a server's multi-line reply or a client's pipelined group [RFC 2920
 * §3.1] costs one heap entry, and the order of everything is unchanged.
 * The event count (evq_pushed_total) tells whether anything was pushed
 * since. */
void net_send2(struct conn *c, enum conn_side from, const char *data, size_t len,
	       const char *tail, size_t tlen)
{
	enum conn_side to = conn_other(from);
	if (!c->open[from] || !c->open[to])
		return;
	struct sim *sim = c->sim;
	struct packet *p = packet_new2(sim->net, data, len, tail, tlen);
	p->conn = c;
	p->to = to;
	c->refs++;
	int64_t at = arrival_time(c, to);
	struct packet *head = c->burst[to];
	if (head && c->burst_at[to] == at && head->pushed == evq_pushed_total(sim->q)) {
		head->burst_last->burst_next = p;
		head->burst_last = p;
		return;
	}
	sim_at(sim, at, ev_data, p, 0);
	p->burst_last = p;
	p->pushed = evq_pushed_total(sim->q);
	c->burst[to] = p;
	c->burst_at[to] = at;
}

void net_send(struct conn *c, enum conn_side from, const char *data, size_t len)
{
	net_send2(c, from, data, len, NULL, 0);
}

static void ev_closed(struct sim *sim, void *ctx, uint64_t to)
{
	struct conn *c = ctx;
	bury(sim->net);
	c->refs--;
	if (c->open[to]) {
		c->open[to] = false;
		if (c->ops[to]->closed)
			c->ops[to]->closed(c->ctx[to], c);
	}
	conn_settle(c);
}

void net_close(struct conn *c, enum conn_side from)
{
	if (!c->open[from])
		return;
	c->open[from] = false;
	struct host *other = side_host(c, conn_other(from));
	trace_conn_event(c, TK_NET_CLOSE, side_host(c, from),
			 other ? other->name : net_ip_name(c->sim, c->dst_ip));
	if (c->established || from == SIDE_SERVER) {
		c->refs++;
		sim_at(c->sim, arrival_time(c, conn_other(from)), ev_closed, c,
		       (uint64_t)conn_other(from));
	}
}

void net_tls_finish(struct conn *c, bool ok, const char *detail)
{
	struct sim *sim = c->sim;
	trace_begin(sim->trace, sim->now, ok ? TK_TLS_OK : TK_TLS_FAIL);
	trace_node(sim->trace, c->cli->name);
	trace_peer(sim->trace, c->srv->name);
	trace_conn(sim->trace, c->id);
	trace_str(sim->trace, ok ? "version" : "reason", detail);
	trace_end(sim->trace);
	c->tls = ok;
	for (int s = SIDE_SERVER; s >= SIDE_CLIENT; s--)
		if (c->open[s] && c->ops[s]->tls)
			c->ops[s]->tls(c->ctx[s], c, ok);
}

static void ev_tls_done(struct sim *sim, void *ctx, uint64_t arg)
{
	struct conn *c = ctx;
	bury(sim->net);
	c->refs--;
	bool ok = !c->srv->tls_broken;
	net_tls_finish(c, ok, ok ? "TLSv1.3" : "handshake failure (alert 40)");
	conn_settle(c);
}

void net_tls_begin(struct conn *c)
{
	struct sim *sim = c->sim;
	trace_begin(sim->trace, sim->now, TK_TLS_START);
	trace_node(sim->trace, c->cli->name);
	trace_peer(sim->trace, c->srv->name);
	trace_conn(sim->trace, c->id);
	trace_end(sim->trace);
}

void net_tls_start(struct conn *c)
{
	struct sim *sim = c->sim;
	net_tls_begin(c);
	/* TLS 1.3 full handshake: one round trip before application data. */
	int64_t rtt = 2 * net_latency(sim->net, c->cli, c->srv);
	int64_t t = sim->now + rtt;
	for (int s = 0; s < 2; s++)
		if (c->last_arrival[s] < t)
			c->last_arrival[s] = t;
	c->refs++;
	sim_at(sim, t, ev_tls_done, c, 0);
}

/* --- datagrams ------------------------------------------------------------- */

static void ev_dgram(struct sim *sim, void *ctx, uint64_t arg)
{
	struct packet *p = ctx;
	struct host *h = p->dst;
	if (!h->down)
		for (size_t i = 0; i < h->ndgrams; i++)
			if (h->dgrams[i].port == p->port) {
				h->dgrams[i].recv(h->dgrams[i].ctx, h, p->from_ip, p->from_port,
						  (const uint8_t *)p->data, p->len);
				break;
			}
	packet_free(p);
}

void net_dgram_send(struct sim *sim, struct host *from, int from_port, const char *ip, int port,
		    const uint8_t *data, size_t len)
{
	struct host *dst = sim_host_by_ip(sim, ip);
	if (!dst || lost(sim, from, dst))
		return; /* nobody has that address, or the link lost it */
	struct packet *p = packet_new(sim->net, data, len);
	p->dst = dst;
	p->from_ip = xstrdup(from->ip);
	p->from_port = from_port;
	p->port = port;
	sim_after(sim, net_latency(sim->net, from, dst), ev_dgram, p, 0);
}

void net_set_host_latency(struct sim *sim, const struct host *a, const struct host *b, int64_t us)
{
	net_set_link_latency(sim->net, a->name, b->name, us);
}
