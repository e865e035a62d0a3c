/* net.h — hosts and the network between them.
 *
 * A host has a name, an IP and a role; it may listen on TCP-like ports
 * (stream connections) and bind datagram ports (DNS). Bytes sent on a
 * connection arrive at the peer after the link's one-way latency and in
 * order; a connection to a port nobody listens on is refused; a connection
 * to an address nobody has, or to a host that is down, times out.
 *
 * The network knows nothing about protocols: protocol adapters (mta.c,
 * mua.c, dnsd.c) feed the bytes into sans-IO state machines and write the
 * protocol lines to the trace. The network writes net.* and tls.* events. */
#ifndef MAILSIM_NET_H
#define MAILSIM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "strmap.h"

enum host_role { ROLE_CLIENT, ROLE_MTA, ROLE_DNS, ROLE_FILTER, ROLE_MAILBOX, ROLE__COUNT };
extern const char *const host_role_names[]; /* NULL-terminated, enum order */

enum conn_side { SIDE_CLIENT = 0, SIDE_SERVER = 1 };
enum net_fail { NET_REFUSED, NET_TIMEOUT };

struct conn;
struct scn_fault;

struct conn_ops {
	void (*connected)(void *ctx, struct conn *c);                 /* client side */
	void (*failed)(void *ctx, struct conn *c, enum net_fail why);  /* client side */
	void (*data)(void *ctx, struct conn *c, const char *data, size_t len);
	void (*tls)(void *ctx, struct conn *c, bool ok);
	void (*closed)(void *ctx, struct conn *c);                    /* the peer closed */
	/* Live mode, the real client's stand-in: the server answered STARTTLS
	 * and waits for a handshake the stand-in runs (net_tls_begin/_finish). */
	void (*tls_wanted)(void *ctx, struct conn *c);
	/* The world ends (a run stopped early, a server shut down) with this
	 * side still bound: free what hangs on it. No event runs after. */
	void (*abandon)(void *ctx, struct conn *c);
};

struct packet;

struct conn {
	long id;
	struct sim *sim;
	struct host *cli, *srv;   /* not owned; srv NULL until accepted */
	char *dst_ip;             /* dst_ip_buf, or owned when longer */
	char dst_ip_buf[48];      /* any IPv4 or IPv6 text (INET6_ADDRSTRLEN is 46) */
	int port;
	const struct conn_ops *ops[2];
	void *ctx[2];
	bool open[2];
	bool established;
	bool tls;
	bool external;            /* injected from a real socket (live mode) */
	bool released;            /* external: its owner is done with it (net_release) */
	int refs;                 /* events scheduled on it: set-up, data, close, TLS */
	bool in_grave;            /* on the net's list of finished connections */
	size_t slot;              /* its index in the net's list */
	int64_t last_arrival[2];  /* keeps each direction FIFO */
	int64_t latency;          /* cli <-> srv, cached while latency_gen matches */
	uint64_t latency_gen;     /* the net's link generation + 1; 0: not cached */
	/* Per direction, the first packet of the burst whose event is still
	 * pending and when it arrives (net.c, send2); NULL: none. */
	struct packet *burst[2];
	int64_t burst_at[2];
};

/* Called when a connection arrives; must set c->ops[SIDE_SERVER] and
 * c->ctx[SIDE_SERVER]. */
typedef void (*net_accept_fn)(void *ctx, struct conn *c);
typedef void (*net_dgram_fn)(void *ctx, struct host *to, const char *from_ip, int from_port,
			     const uint8_t *data, size_t len);

struct listener {
	int port;
	net_accept_fn accept;
	void *ctx;
	bool closed;              /* faults: the port refuses connections for now */
};

struct dgram_binding {
	int port;
	net_dgram_fn recv;
	void *ctx;
};

struct host {
	size_t index;             /* scenario order */
	char *name;               /* owned */
	char *ip;                 /* owned */
	enum host_role role;
	bool down;                /* not answering at all (faults) */
	bool tls_broken;          /* TLS handshakes to it fail (faults) */
	int64_t slow;             /* extra µs before everything it sends (faults) */
	const struct scn_fault *tamper; /* a tamper fault on: it alters mail it relays */
	struct listener *listeners; /* owned array */
	size_t nlisteners;
	struct dgram_binding *dgrams; /* owned array */
	size_t ndgrams;
	void *role_obj;           /* owned via role_free */
	void (*role_free)(void *role_obj);
	struct host_obj *objs;    /* owned: objects freed with the host (host_own_obj) */
	size_t nobjs;
	struct resolver *resolver; /* NULL if the host never resolves; set and
				    * freed through resolver_attach() (the
				    * network never uses it) */
	char **seen;              /* owned: keys remembered by its filters (content greylisting) */
	size_t nseen;
	struct strmap seen_index; /* the keys of seen, found without a scan */
	void **owned;             /* owned: plain allocations freed with the host */
	size_t nowned;
};

struct host *host_new(const char *name, const char *ip, enum host_role role);
void host_free(struct host *h);
/* A host joining the running world (live mode's stand-ins for real
 * peers): created, indexed after the scenario's, owned by the sim. */
struct host *sim_add_host(struct sim *sim, const char *name, const char *ip, enum host_role role);
void host_listen(struct host *h, int port, net_accept_fn fn, void *ctx);
void host_bind_dgram(struct host *h, int port, net_dgram_fn fn, void *ctx);
/* Free p (with free()) when the host goes. */
void host_own(struct host *h, void *p);
/* Free obj with free_fn when the host goes, right after its role object
 * (how the layers above the network hang their parts on a host). */
struct host_obj {
	void *obj;
	void (*free_fn)(void *obj);
};
void host_own_obj(struct host *h, void *obj, void (*free_fn)(void *obj));

/* The host of that name (ASCII case-insensitive) / address, or NULL. */
struct host *sim_host_by_name(const struct sim *sim, const char *name);
struct host *sim_host_by_ip(const struct sim *sim, const char *ip);

/* The network of sim (sim->net): sim_free frees it, with sim->hosts,
 * through sim->teardown. */
struct net *net_new(struct sim *sim);
void net_free(struct net *net);
/* One-way latency between two hosts (scenario link or the default). */
void net_set_default_latency(struct net *net, int64_t us);
void net_set_link_latency(struct net *net, const char *a, const char *b, int64_t us);
/* Change a link (creating it if needed): latency (< 0 keeps it) and the
 * probability that a connection attempt or a datagram on it is lost. */
void net_update_link(struct net *net, const char *a, const char *b, int64_t latency, double loss);
void net_link_params(const struct net *net, const char *a, const char *b, int64_t *latency,
		     double *loss);
/* Close or reopen a listening port (faults). False if nothing listens there. */
bool host_set_port_closed(struct host *h, int port, bool closed);
int64_t net_latency(const struct net *net, const struct host *a, const struct host *b);
void net_set_connect_timeout(struct net *net, int64_t us);

struct conn *net_connect(struct sim *sim, struct host *from, const char *ip, int port,
			 const struct conn_ops *ops, void *ctx);
/* A connection from outside the simulation (live mode): `from` is a host
 * standing for the real peer; srv accepts at once (no SYN travel). The
 * caller drives the client side through ops/ctx and net_send(). NULL, with
 * nothing traced, when srv does not listen on port. */
struct conn *net_inject(struct sim *sim, struct host *from, struct host *srv, int port,
			const struct conn_ops *ops, void *ctx);
/* The owner of an injected connection's client side is done with it (it
 * closed that side and will not touch c again). The net frees c once the
 * server side is closed and detached (session_free) and no event is
 * scheduled on it: a long-lived server keeps no memory per finished
 * client. Call net_reap() now and then to free what is ready. */
void net_release(struct conn *c);
void net_reap(struct sim *sim);
/* A session lets go of its side (session_free): ops instead of it, no
 * ctx. A simulated connection with both sides closed and let go, and no
 * event scheduled on it, is freed soon after (not at once: the caller may
 * still be inside one of its events). */
void net_unbind(struct conn *c, enum conn_side side, const struct conn_ops *ops);
/* Connections the net holds now (for tests and benchmarks). */
size_t net_conn_count(const struct sim *sim);
void net_send(struct conn *c, enum conn_side from, const char *data, size_t len);
/* The same with data followed by tail (a line and its CRLF), one packet,
 * no copy in between. */
void net_send2(struct conn *c, enum conn_side from, const char *data, size_t len,
	       const char *tail, size_t tlen);
void net_close(struct conn *c, enum conn_side from);
/* The client starts a TLS handshake (after the server's 220 to STARTTLS);
 * both sides' tls callback fires when it completes or fails. */
void net_tls_start(struct conn *c);
/* A real handshake (live mode) in two steps: tls.start now; tls.ok (with
 * the negotiated version) or tls.fail (with the reason) when it ends, and
 * both sides' tls callbacks. */
void net_tls_begin(struct conn *c);
void net_tls_finish(struct conn *c, bool ok, const char *detail);
void net_dgram_send(struct sim *sim, struct host *from, int from_port, const char *ip, int port,
		    const uint8_t *data, size_t len);

/* Name of the host that owns ip, or ip itself when nobody does. */
const char *net_ip_name(const struct sim *sim, const char *ip);
enum conn_side conn_other(enum conn_side s);

/* Send one protocol line (CRLF appended on the wire) and write it to the
 * trace as `kind` (smtp.send, imap.send, pop3.send) with dir and line. */
void net_send_line(struct conn *c, enum conn_side from, enum trace_kind kind, const char *line);
/* Send a message body as one chunk, traced as one `kind` event (smtp.data,
 * imap.data, pop3.data) with bytes, lines and a summary. */
void net_send_block(struct conn *c, enum conn_side from, enum trace_kind kind, const char *bytes,
		    size_t len, size_t nlines, const char *summary, const char *msg_tag);

/* The one-way latency between two hosts (a link created if needed). */
void net_set_host_latency(struct sim *sim, const struct host *a, const struct host *b, int64_t us);
/* A line a host says to a peer it will not serve (no connection: live
 * mode's "too many connections" reply), traced from node to peer_ip. */
void net_trace_refusal(struct sim *sim, const struct host *node, const char *peer_ip,
		       enum trace_kind kind, const char *line);
/* Live mode: a real client over a per-address limit (live.limit). */
void net_trace_limit(struct sim *sim, const struct host *node, const char *peer_ip,
		     const char *limit, long count, long max);
/* Trace a line or block without sending it: what a side read from a peer
 * nobody simulates (live mode). A NUL octet shows as U+2400; octets > len
 * marks a line kept only in part. */
void net_trace_line(struct conn *c, enum conn_side from, enum trace_kind kind, const char *line,
		    size_t len, size_t octets);
void net_trace_block(struct conn *c, enum conn_side from, enum trace_kind kind, uint64_t bytes,
		     size_t nlines, const char *summary);

#endif
