/* serve.c — `mailsim serve`: see serve.h.
 *
 * About 1,000 lines, kept in one file on purpose: the option table, the
 * poll loop and the per-client buffers and limits are one life cycle
 * (accept, pump, drain, shut down) whose invariants (below) span all of
 * them; the protocol lives elsewhere (sim/session.c, sim/proto/smtpd.c),
 * the sockets' addresses and kinds in listen.c, a connection's plaintext
 * or TLS byte path in tls_link.c, OpenSSL in tls.c. (The option table is
 * the next to move out, once the spool and anvil options have landed.)
 *
 * Shape: one thread, one poll() loop over the listening sockets and every
 * client socket, all non-blocking. Simulated time is the monotonic wall
 * clock since start, so the world's timers (the MTA's idle timeout, DNS,
 * queue retries, the scenario's own messages) fire in real time; each turn
 * of the loop polls until the next simulated event at the latest, handles
 * socket I/O, then runs the simulation up to "now".
 *
 * This file is a socket pump and nothing more: it knows no SMTP. Each
 * client gets a host "live-N.client" carrying its real IP (one per
 * distinct peer address, zero latency to the served host) and a
 * connection made with net_inject(); the MTA accepts it exactly as it
 * accepts simulated clients, and its session (sim/session.h) traces both
 * directions: the server's lines as it sends them, the client's lines and
 * message text as its smtpd reads them. We are the client side of that
 * connection: socket bytes go in with net_send(), the server's bytes come
 * back through live_ops and go out on the socket.
 *
 * Invariants:
 *  - client bytes reach the server in order and unchanged; nothing is read
 *    before the greeting (the MTA looks up the client's name first);
 *  - nothing read in plaintext after STARTTLS reaches the server: it is
 *    dropped, and reading resumes only inside TLS [RFC 3207 §5];
 *  - input is handed over only while the server's session is not holding
 *    input for a pending answer (a DNS check), so memory per client is
 *    bounded: IN_HOLD_MAX read ahead, OUT_MAX unread replies (then the
 *    client is dropped);
 *  - the sim side of a connection is closed only once the server holds
 *    nothing unanswered (or the server closed), so a message the server
 *    accepted is always counted: live messages and their accepted
 *    recipients join the world's ledger where the MTA queues them, and the
 *    summary still adds up. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"
#include "net.h"
#include "scenario.h"
#include "anvil.h"
#include "session.h"
#include "tls_link.h"
#include "spool.h"
#include "util.h"
#include "world.h"

#define DEFAULT_LISTEN "127.0.0.1:2525"
#define READ_CHUNK 16384
#define IN_HOLD_MAX 65536        /* client bytes read ahead of the server */
#define OUT_MAX (1 << 20)        /* replies a client has not read: beyond, it is dropped */
#define POLL_CAP_MS 100
#define ACCEPT_BATCH 64
#define FLUSH_EVERY_US 200000    /* trace file flush period */
#define RFC_IDLE_TIMEOUT_S 300.0 /* RFC 5321 §4.5.3.2.7, Postfix smtpd_timeout */
/* A handshake must end within this, however its bytes trickle in (Postfix
 * smtpd_starttls_timeout is 300 s, 10 s under stress; an honest client
 * takes milliseconds). */
#define TLS_HANDSHAKE_TIMEOUT_US SIM_US(30)
#define DEFAULT_MAX_PER_IP 50    /* Postfix smtpd_client_connection_count_limit */
#define DEFAULT_MAX_AUTH_FAILURES 5
#define DEFAULT_SESSION_LIMIT_S 1800.0
/* A partial line is held (not handed to the server, so its idle timer is
 * not re-armed) until its end comes, up to this much: longer than any
 * line smtpd accepts (RFC 5321 §4.5.3.1.4-6), so an overlong one is still
 * read and refused. */
#define LINE_HOLD_MAX 4096

static volatile sig_atomic_t stop_signal;

/* ===== options ============================================================= */

/* The retrieval listeners' options, in the order of struct serve_opts. */
static const char *const retrieval_kinds[] = {"imap", "imaps", "pop3", "pop3s"};
#define NRETRIEVAL ARRAY_LEN(retrieval_kinds)
#define MAX_LISTENERS (1 + NRETRIEVAL)

struct serve_opts {
	const char *file, *host, *listen, *trace_path, *maildir, *port_kind, *spool;
	const char *retrieval[NRETRIEVAL]; /* --imap --imaps --pop3 --pop3s, or NULL */
	const char *tls_cert, *tls_key;
	bool allow_remote, transcript, no_traffic, has_seed, allow_plain_auth;
	uint64_t seed;
	double idle_timeout;   /* seconds; 0 = not given */
	double timeout_scale;  /* 0 = not given */
	double max_clients;
	double max_per_ip, max_conn_rate, max_auth_failures; /* anvil.h; 0 = off */
	double session_limit;  /* seconds a client may stay connected */
};

enum opt_kind { OPT_FLAG, OPT_STR, OPT_SECONDS, OPT_SCALE, OPT_COUNT, OPT_LIMIT, OPT_SEED };

struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t off;
};

#define OFF(f) offsetof(struct serve_opts, f)
static const struct opt_def opt_defs[] = {
	{"--host", OPT_STR, OFF(host)},
	{"--listen", OPT_STR, OFF(listen)},
	{"--port-kind", OPT_STR, OFF(port_kind)},
	{"--trace", OPT_STR, OFF(trace_path)},
	{"--maildir", OPT_STR, OFF(maildir)},
	{"--spool", OPT_STR, OFF(spool)},
	{"--transcript", OPT_FLAG, OFF(transcript)},
	{"--allow-remote", OPT_FLAG, OFF(allow_remote)},
	{"--no-scenario-traffic", OPT_FLAG, OFF(no_traffic)},
	{"--idle-timeout", OPT_SECONDS, OFF(idle_timeout)},
	{"--timeout-scale", OPT_SCALE, OFF(timeout_scale)},
	{"--max-clients", OPT_COUNT, OFF(max_clients)},
	{"--max-per-ip", OPT_LIMIT, OFF(max_per_ip)},
	{"--max-conn-rate", OPT_LIMIT, OFF(max_conn_rate)},
	{"--max-auth-failures", OPT_LIMIT, OFF(max_auth_failures)},
	{"--session-limit", OPT_SECONDS, OFF(session_limit)},
	{"--seed", OPT_SEED, OFF(seed)},
	{"--imap", OPT_STR, OFF(retrieval[0])},
	{"--imaps", OPT_STR, OFF(retrieval[1])},
	{"--pop3", OPT_STR, OFF(retrieval[2])},
	{"--pop3s", OPT_STR, OFF(retrieval[3])},
	{"--tls-cert", OPT_STR, OFF(tls_cert)},
	{"--tls-key", OPT_STR, OFF(tls_key)},
	{"--allow-plain-auth", OPT_FLAG, OFF(allow_plain_auth)},
};

static int serve_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int serve_usage(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mailsim: serve: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage:\n%s", SERVE_USAGE);
	return 2;
}

/* A number in [lo, hi]; false on anything else. */
static bool parse_range(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

static int set_opt(struct serve_opts *o, const struct opt_def *d, const char *v)
{
	char *field = (char *)o + d->off;
	double num = 0;
	switch (d->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_STR:
		*(const char **)field = v;
		return 0;
	case OPT_SECONDS:
		if (!parse_range(v, 0.001, 86400, &num))
			return serve_usage("%s needs seconds between 0.001 and 86400, not '%s'", d->name, v);
		break;
	case OPT_SCALE:
		if (!parse_range(v, 0.0001, 100, &num))
			return serve_usage("%s needs a factor between 0.0001 and 100, not '%s'", d->name, v);
		break;
	case OPT_COUNT:
		if (!parse_range(v, 1, 65536, &num) || num != (double)(long)num)
			return serve_usage("%s needs a whole number between 1 and 65536, not '%s'", d->name, v);
		break;
	case OPT_LIMIT:
		if (!parse_range(v, 0, 1000000, &num) || num != (double)(long)num)
			return serve_usage("%s needs a whole number between 0 (off) and 1000000, not '%s'",
					   d->name, v);
		break;
	case OPT_SEED: {
		char *end;
		errno = 0;
		o->seed = strtoull(v, &end, 10);
		if (errno || *end || !*v || v[0] == '-')
			return serve_usage("--seed needs a non-negative integer, not '%s'", v);
		o->has_seed = true;
		return 0;
	}
	}
	*(double *)field = num;
	return 0;
}

static const struct opt_def *find_opt(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(opt_defs); i++)
		if (strcmp(opt_defs[i].name, name) == 0)
			return &opt_defs[i];
	return NULL;
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static int parse_opts(int argc, char **argv, struct serve_opts *o)
{
	*o = (struct serve_opts){.listen = DEFAULT_LISTEN, .port_kind = "smtp", .max_clients = 1024,
				 .max_per_ip = DEFAULT_MAX_PER_IP,
				 .max_auth_failures = DEFAULT_MAX_AUTH_FAILURES,
				 .session_limit = DEFAULT_SESSION_LIMIT_S};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			if (o->file)
				return serve_usage("unexpected argument '%s'", a);
			o->file = a;
			continue;
		}
		const struct opt_def *d = find_opt(a);
		if (!d)
			return serve_usage("unknown option '%s'", a);
		if (d->kind != OPT_FLAG && i + 1 >= argc)
			return serve_usage("option '%s' needs a value", a);
		int rc = set_opt(o, d, d->kind == OPT_FLAG ? NULL : argv[++i]);
		if (rc)
			return rc;
	}
	if (!o->file)
		return serve_usage("%s", "missing scenario FILE (or @default)");
	if (!o->host)
		return serve_usage("%s", "--host NAME is required: the scenario MTA to serve");
	static const char *const smtp_kinds[] = {"smtp", "submission", "submissions", NULL};
	if (!name_in(o->port_kind, smtp_kinds))
		return serve_usage("--port-kind is smtp, submission or submissions, not '%s'",
				   o->port_kind);
	if (!o->tls_cert != !o->tls_key)
		return serve_usage("%s", "give --tls-cert and --tls-key together");
	if (o->idle_timeout > 0 && o->timeout_scale > 0)
		return serve_usage("%s", "give --idle-timeout or --timeout-scale, not both");
	return 0;
}

/* ===== the server's state ================================================== */

struct serve;

struct lconn {
	struct serve *sv;
	int fd;                  /* -1 once the socket is closed */
	struct tls_link link;    /* plaintext or TLS on fd (its TLS side owned) */
	struct conn *c;          /* the sim connection (owned by the net) */
	struct strbuf in;        /* read from the socket, not yet handed over */
	struct strbuf out;       /* from the server, not yet written */
	size_t out_pos;
	bool greeted;            /* the server has said something: start reading */
	bool eof;                /* the client will send nothing more */
	bool hup;                /* poll reported a hang-up */
	bool srv_closed;         /* the server closed its side */
	bool released;           /* we closed the sim connection's client side */
	bool expired;            /* the whole-session limit was applied */
	int64_t opened;          /* live_now() at accept */
	char ip[INET6_ADDRSTRLEN];
};

struct serve {
	struct serve_opts o;
	struct scenario *scn;
	bool adapted;            /* adapt_scenario() ran: restore before scn_free */
	size_t scn_nmessages;
	bool *scn_fetch;
	struct world *w;
	struct sim *sim;
	struct host *srv;
	struct host **live;      /* the live hosts (owned by the sim), one per peer IP */
	size_t nlive;
	struct listen_sock ls[MAX_LISTENERS]; /* ls[0]: --listen (SMTP), then retrieval */
	size_t nls;
	struct tls_server *tls;  /* owned */
	struct scn_host *srv_cfg; /* the served host's scenario entry (in scn) */
	unsigned saved_services; /* the served host's, before adapt_scenario */
	bool saved_tls;
	int64_t t0;              /* monotonic µs at start */
	int64_t accept_pause_until, last_flush;
	FILE *trace;
	struct spool *spool;     /* accepted mail, on disk until delivered (spool.h) */
	struct anvil *anvil;     /* per-address limits (anvil.h) */
	struct lconn **conns;
	size_t nconns, capconns;
	struct pollfd *pfd;
	struct lconn **pconn;    /* parallel to pfd[1..] */
	size_t cap_pfd;
	long accepted, turned_away, max_at_once;
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Simulated time in live mode: µs of wall time since start. */
static int64_t live_now(const struct serve *sv)
{
	return mono_us() - sv->t0;
}

/* ===== the simulated connection ============================================ */

/* Server bytes for the client: queue them for the socket. */
static void live_data(void *ctx, struct conn *c, const char *data, size_t len)
{
	struct lconn *lc = ctx;
	lc->greeted = true;
	if (lc->fd >= 0)
		sb_append(&lc->out, data, len);
}

static void live_closed(void *ctx, struct conn *c)
{
	struct lconn *lc = ctx;
	lc->srv_closed = true;
}

/* The server answered STARTTLS: its 220 is on its way. Whatever the
 * client sent behind STARTTLS came in plaintext and is dropped, never read
 * as the first commands inside TLS [RFC 3207 §5; CVE-2011-0411]; nothing
 * more is read in plaintext, and once the 220 is written the handshake
 * begins. */
static void live_tls_wanted(void *ctx, struct conn *c)
{
	struct lconn *lc = ctx;
	if (lc->link.phase != TLS_PHASE_PLAIN || !lc->sv->tls)
		return;
	lc->link.phase = TLS_PHASE_WANTED;
	sb_clear(&lc->in);
}

static const struct conn_ops live_ops = {
	.data = live_data,
	.closed = live_closed,
	.tls_wanted = live_tls_wanted,
};

/* The server holds input it has not answered yet (a pending check). */
static bool server_busy(const struct lconn *lc)
{
	const struct session *s = session_of(lc->c, SIDE_SERVER);
	return s && session_busy(s);
}

/* What of the held input may go: every complete line. Like Postfix's
 * smtpd_per_record_deadline, only a whole line re-arms the server's idle
 * timer, so a client trickling bytes cannot hold its slot; a partial line
 * goes at the end of input, or once longer than any line smtpd takes. */
static size_t forwardable(const struct lconn *lc)
{
	if (lc->eof || lc->in.len >= LINE_HOLD_MAX)
		return lc->in.len;
	size_t n = lc->in.len;
	while (n > 0 && lc->in.data[n - 1] != '\n')
		n--;
	return n;
}

static bool can_forward(const struct lconn *lc)
{
	return !lc->released && !lc->srv_closed && !server_busy(lc) && forwardable(lc) > 0;
}

/* Hand held input to the server. True when something went. */
static bool forward_input(struct lconn *lc)
{
	if (!can_forward(lc))
		return false;
	size_t n = forwardable(lc);
	net_send(lc->c, SIDE_CLIENT, lc->in.data, n);
	sb_consume(&lc->in, n);
	return true;
}

/* ===== sockets ============================================================= */

static bool set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static void sock_close(struct lconn *lc)
{
	if (lc->fd < 0)
		return;
	tls_link_close(&lc->link);
	close(lc->fd);
	lc->fd = -1;
	sb_free(&lc->out);
	lc->out_pos = 0;
	sb_free(&lc->in); /* whatever it still held will never be answered */
}

/* Plaintext is read only outside TLS's set-up (never during a handshake,
 * never between the 220 to STARTTLS and it). */
static bool can_read(const struct lconn *lc)
{
	return lc->fd >= 0 && lc->greeted && !lc->eof && !lc->srv_closed && !lc->released &&
	       lc->in.len < IN_HOLD_MAX && tls_link_readable(&lc->link);
}

static void read_client(struct lconn *lc)
{
	char buf[READ_CHUNK];
	while (can_read(lc)) {
		size_t n = 0;
		enum tls_io r = tls_link_read(&lc->link, buf, sizeof buf, &n);
		if (r == TLS_IO_OK) {
			sb_append(&lc->in, buf, n);
			continue;
		}
		if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
			return;
		lc->eof = true; /* orderly close, or reset: the client has gone */
		if (r == TLS_IO_ERROR)
			sock_close(lc);
	}
}

static void flush_client(struct lconn *lc)
{
	while (lc->fd >= 0 && lc->out_pos < lc->out.len && lc->link.phase != TLS_PHASE_HANDSHAKE) {
		size_t n = 0;
		enum tls_io r = tls_link_write(&lc->link, lc->out.data + lc->out_pos,
					       lc->out.len - lc->out_pos, &n);
		if (r == TLS_IO_OK) {
			lc->out_pos += n;
		} else if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE) {
			break;
		} else {
			lc->eof = true;
			sock_close(lc);
			return;
		}
	}
	if (lc->fd >= 0 && lc->out_pos == lc->out.len) {
		sb_clear(&lc->out);
		lc->out_pos = 0;
	} else if (lc->out.len - lc->out_pos > OUT_MAX) {
		/* It does not read what we say: stop talking to it. */
		lc->eof = true;
		sock_close(lc);
	}
}

/* ===== TLS ================================================================= */

/* One step of the handshake; at its end the trace says tls.ok (with the
 * version the client and OpenSSL agreed on) or tls.fail, and the server's
 * session hears of it: smtpd starts over and waits for EHLO [RFC 3207
 * §4.2], an implicit TLS port's server greets. */
static void tls_step(struct lconn *lc)
{
	char why[256] = "handshake failed";
	enum tls_io r = tls_link_step(&lc->link, live_now(lc->sv), why, sizeof why);
	if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
		return;
	bool ok = r == TLS_IO_OK;
	if (!lc->released && !lc->srv_closed)
		net_tls_finish(lc->c, ok, ok ? tls_conn_version(lc->link.tc) : why);
	if (!ok) {
		lc->eof = true;
		sock_close(lc);
	}
}

static void tls_begin(struct lconn *lc)
{
	net_tls_begin(lc->c);
	if (tls_link_begin(&lc->link, lc->sv->tls, live_now(lc->sv) + TLS_HANDSHAKE_TIMEOUT_US)) {
		tls_step(lc);
		return;
	}
	net_tls_finish(lc->c, false, "cannot set up TLS on the socket");
	lc->eof = true;
	sock_close(lc);
}

/* STARTTLS: once the 220 has gone out in plaintext. A handshake that
 * stalls fails at its deadline (poll wakes us at least every 100 ms). */
static void tls_progress(struct lconn *lc)
{
	if (lc->fd < 0 || lc->released || lc->srv_closed)
		return;
	if (lc->link.phase == TLS_PHASE_WANTED && lc->out_pos == lc->out.len)
		tls_begin(lc);
	else if (lc->link.phase == TLS_PHASE_HANDSHAKE && live_now(lc->sv) >= lc->link.deadline)
		tls_step(lc);
}

/* ===== connection life ===================================================== */

/* The live host for a peer address: one per distinct IP, zero latency. */
static struct host *live_host(struct serve *sv, const char *ip)
{
	for (size_t i = 0; i < sv->nlive; i++)
		if (strcmp(sv->live[i]->ip, ip) == 0)
			return sv->live[i];
	char name[64];
	size_t k = sv->nlive + 1;
	do
		snprintf(name, sizeof name, "live-%zu.client", k++);
	while (sim_host_by_name(sv->sim, name));
	struct host *h = sim_add_host(sv->sim, name, ip, ROLE_CLIENT);
	net_set_host_latency(sv->sim, h, sv->srv, 0);
	sv->live = xrealloc(sv->live, (sv->nlive + 1) * sizeof *sv->live);
	sv->live[sv->nlive++] = h;
	return h;
}

static void conns_add(struct serve *sv, struct lconn *lc)
{
	if (sv->nconns == sv->capconns) {
		sv->capconns = sv->capconns ? 2 * sv->capconns : 64;
		sv->conns = xrealloc(sv->conns, sv->capconns * sizeof *sv->conns);
	}
	sv->conns[sv->nconns++] = lc;
	if ((long)sv->nconns > sv->max_at_once)
		sv->max_at_once = (long)sv->nconns;
}

/* RFC 5321 §3.1: a server that cannot take the session may answer the
 * connection with 421 and close. line (built in a strbuf: the host name
 * is the scenario's, of any length) is traced, sent and freed. */
static void refuse(struct serve *sv, int fd, const char *ip, struct strbuf *line)
{
	net_trace_refusal(sv->sim, sv->srv, ip, TK_SMTP_SEND, line->data);
	sb_puts(line, "\r\n");
	ssize_t w = send(fd, line->data, line->len, MSG_NOSIGNAL); /* best effort */
	(void)w;
	sb_free(line);
	close(fd);
	sv->turned_away++;
}

/* Over --max-clients. No enhanced code: the client has not seen
 * ENHANCEDSTATUSCODES yet [RFC 2034 §4], as smtpd does for greetings. */
static void turn_away(struct serve *sv, int fd, const char *ip)
{
	struct strbuf line;
	sb_init(&line);
	sb_printf(&line, "421 %s Service not available, too many connections", sv->srv->name);
	refuse(sv, fd, ip, &line);
}

/* Over a per-address limit: Postfix's reply for the count and the rate
 * limits alike (smtpd.c). True when the client was refused. */
static bool anvil_refuses(struct serve *sv, int fd, const char *ip)
{
	long count = 0, max = 0;
	enum anvil_verdict v = anvil_connect(sv->anvil, ip, live_now(sv), &count, &max);
	if (v == ANVIL_OK)
		return false;
	net_trace_limit(sv->sim, sv->srv, ip, v == ANVIL_TOO_MANY ? "connections" : "rate", count, max);
	struct strbuf line;
	sb_init(&line);
	sb_printf(&line, "421 4.7.0 %s Error: too many connections from %s", sv->srv->name, ip);
	refuse(sv, fd, ip, &line);
	return true;
}

static void lconn_open(struct serve *sv, int fd, const char *ip, const struct listen_kind *k)
{
	struct lconn *lc = xcalloc(1, sizeof *lc);
	lc->sv = sv;
	lc->fd = fd;
	lc->link.fd = fd;
	lc->opened = live_now(sv);
	snprintf(lc->ip, sizeof lc->ip, "%s", ip);
	lc->c = net_inject(sv->sim, live_host(sv, ip), sv->srv, k->port, &live_ops, lc);
	if (!lc->c) { /* a scenario fault has the host down or the port closed */
		anvil_disconnect(sv->anvil, ip);
		close(fd);
		free(lc);
		return;
	}
	sv->accepted++;
	conns_add(sv, lc);
	if (k->implicit_tls) /* TLS from the first byte [RFC 8314 §3.3] */
		tls_begin(lc);
}

static void peer_ip(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	const void *a = ss->ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
						  : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
	if (!inet_ntop(ss->ss_family, a, out, (socklen_t)cap))
		snprintf(out, cap, "unknown");
}

static void accept_clients(struct serve *sv, const struct listen_sock *ls)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept(ls->fd, (struct sockaddr *)&ss, &sl);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				sv->accept_pause_until = live_now(sv) + SIM_MS(100); /* out of descriptors */
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		char ip[INET6_ADDRSTRLEN];
		peer_ip(&ss, ip, sizeof ip);
		if (!set_nonblock(fd)) {
			close(fd);
		} else if (sv->nconns >= (size_t)sv->o.max_clients) {
			turn_away(sv, fd, ip);
		} else if (!anvil_refuses(sv, fd, ip)) {
			lconn_open(sv, fd, ip, ls->kind);
		}
	}
}

/* Close what is finished. Returns true when the connection can be freed. */
static bool lconn_settle(struct lconn *lc)
{
	/* A server that gave up during a handshake has nothing to say in it. */
	bool mid_tls = lc->link.phase == TLS_PHASE_HANDSHAKE;
	if (lc->fd >= 0 && (lc->srv_closed || lc->released) && (lc->out_pos == lc->out.len || mid_tls))
		sock_close(lc);
	bool client_done = lc->fd < 0 || (lc->eof && lc->in.len == 0);
	/* Only once the server holds nothing unanswered: then a message it
	 * took is counted, and one cut off mid-DATA is dropped. */
	if (!lc->released && (lc->srv_closed || (client_done && !server_busy(lc)))) {
		net_close(lc->c, SIDE_CLIENT);
		lc->released = true;
	}
	return lc->fd < 0 && lc->released;
}

static void lconn_free(struct lconn *lc)
{
	anvil_disconnect(lc->sv->anvil, lc->ip);
	net_release(lc->c); /* the net frees it once the server is done too */
	sock_close(lc);
	sb_free(&lc->in);
	free(lc);
}

/* Run the world up to now and let every client's held input through, until
 * nothing moves; then write, close and free what is finished. */
/* --session-limit: a client connected that long gets the server's timeout
 * (421 4.4.2) whatever it is doing. */
static void expire_sessions(struct serve *sv)
{
	int64_t now = live_now(sv), limit = (int64_t)(sv->o.session_limit * 1e6);
	for (size_t i = 0; i < sv->nconns; i++) {
		struct lconn *lc = sv->conns[i];
		struct session *s = session_of(lc->c, SIDE_SERVER);
		if (lc->expired || lc->released || lc->srv_closed || now - lc->opened < limit || !s)
			continue;
		lc->expired = true;
		net_trace_limit(sv->sim, sv->srv, lc->ip, "session", (long)((now - lc->opened) / 1000000),
				(long)sv->o.session_limit);
		session_expire(s);
	}
}

static void pump(struct serve *sv)
{
	bool moved = true;
	expire_sessions(sv);
	for (int rounds = 0; moved && rounds < 64; rounds++) {
		sim_run_until(sv->sim, live_now(sv));
		moved = false;
		for (size_t i = 0; i < sv->nconns; i++)
			moved |= forward_input(sv->conns[i]);
	}
	size_t keep = 0;
	for (size_t i = 0; i < sv->nconns; i++) {
		struct lconn *lc = sv->conns[i];
		flush_client(lc);
		tls_progress(lc);
		if (lconn_settle(lc))
			lconn_free(lc);
		else
			sv->conns[keep++] = lc;
	}
	sv->nconns = keep;
	net_reap(sv->sim);
}

/* ===== the loop ============================================================ */

static short poll_events(const struct lconn *lc)
{
	return tls_link_events(&lc->link, can_read(lc), lc->out_pos < lc->out.len);
}

/* Decrypted input OpenSSL holds, that poll() will not announce. */
static bool tls_buffered(const struct lconn *lc)
{
	return can_read(lc) && tls_link_buffered(&lc->link);
}

/* pfd[0 .. nls-1] are the listeners (fd -1 while accepting is paused). */
static size_t build_pollfds(struct serve *sv, int64_t now)
{
	if (sv->cap_pfd < sv->nconns + sv->nls) {
		sv->cap_pfd = 2 * (sv->nconns + sv->nls);
		sv->pfd = xrealloc(sv->pfd, sv->cap_pfd * sizeof *sv->pfd);
		sv->pconn = xrealloc(sv->pconn, sv->cap_pfd * sizeof *sv->pconn);
	}
	for (size_t i = 0; i < sv->nls; i++)
		sv->pfd[i] = (struct pollfd){now >= sv->accept_pause_until ? sv->ls[i].fd : -1,
					     POLLIN, 0};
	size_t n = sv->nls;
	for (size_t i = 0; i < sv->nconns; i++) {
		struct lconn *lc = sv->conns[i];
		short ev = poll_events(lc);
		if (lc->fd < 0 || (ev == 0 && lc->hup))
			continue; /* nothing to wait for on it now */
		sv->pconn[n] = lc;
		sv->pfd[n++] = (struct pollfd){lc->fd, ev, 0};
	}
	return n;
}

static int poll_timeout_ms(struct serve *sv, int64_t now)
{
	int64_t next;
	int64_t wait = SIM_MS(POLL_CAP_MS);
	for (size_t i = 0; i < sv->nconns; i++)
		if (can_forward(sv->conns[i]) || tls_buffered(sv->conns[i]))
			return 0; /* pump() stopped early, or TLS holds input: go on at once */
	if (sim_next_event_time(sv->sim, &next))
		wait = next <= now ? 0 : next - now;
	if (wait > SIM_MS(POLL_CAP_MS))
		wait = SIM_MS(POLL_CAP_MS);
	return (int)((wait + 999) / 1000);
}

static void handle_io(struct serve *sv, size_t n)
{
	for (size_t i = 0; i < sv->nls; i++)
		if (sv->pfd[i].revents & POLLIN)
			accept_clients(sv, &sv->ls[i]);
	for (size_t i = sv->nls; i < n; i++) {
		struct lconn *lc = sv->pconn[i];
		short re = sv->pfd[i].revents;
		if (re & (POLLHUP | POLLERR))
			lc->hup = true;
		if (lc->link.phase == TLS_PHASE_HANDSHAKE) {
			if (re)
				tls_step(lc);
			continue;
		}
		if (re & (POLLIN | POLLHUP | POLLERR) || (re & POLLOUT && lc->link.rd_wants_write))
			read_client(lc);
		if (re & POLLOUT || (re & POLLIN && lc->link.wr_wants_read))
			flush_client(lc);
	}
}

/* What OpenSSL decrypted ahead: read it now, poll() will not tell. */
static void read_buffered(struct serve *sv)
{
	for (size_t i = 0; i < sv->nconns; i++)
		if (tls_buffered(sv->conns[i]))
			read_client(sv->conns[i]);
}

static int serve_loop(struct serve *sv)
{
	while (!stop_signal) {
		int64_t now = live_now(sv);
		size_t n = build_pollfds(sv, now);
		int r = poll(sv->pfd, (nfds_t)n, poll_timeout_ms(sv, now));
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "mailsim: serve: poll: %s\n", strerror(errno));
			return 4;
		}
		sim_run_until(sv->sim, live_now(sv));
		if (r > 0)
			handle_io(sv, n);
		read_buffered(sv);
		pump(sv);
		if (sv->trace && live_now(sv) - sv->last_flush >= FLUSH_EVERY_US) {
			fflush(sv->trace);
			sv->last_flush = live_now(sv);
		}
	}
	return 0;
}

/* ===== set-up ============================================================== */

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;   /* a vanished client is an error return, not a death */
	sigaction(SIGPIPE, &sa, NULL);
}

/* Serve up to the descriptor limit: raise the soft limit to the hard one. */
static void raise_fd_limit(struct serve *sv)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	double room = (double)rl.rlim_cur - 32; /* stdio, trace, listener, maildir export */
	if (room >= 1 && sv->o.max_clients > room)
		sv->o.max_clients = room;
}

/* --listen (the SMTP kind --port-kind names), then --imap ... --pop3s. */
static int open_listeners(struct serve *sv)
{
	int rc = listen_open(&sv->ls[0], listen_kind_find(sv->o.port_kind), "--listen", sv->o.listen,
			     sv->o.allow_remote);
	sv->nls = rc == 0;
	for (size_t i = 0; rc == 0 && i < NRETRIEVAL; i++) {
		if (!sv->o.retrieval[i])
			continue;
		char opt[16];
		snprintf(opt, sizeof opt, "--%s", retrieval_kinds[i]);
		rc = listen_open(&sv->ls[sv->nls], listen_kind_find(retrieval_kinds[i]), opt,
				 sv->o.retrieval[i], sv->o.allow_remote);
		sv->nls += rc == 0;
	}
	/* Passwords in clear only where nobody else can listen. */
	for (size_t i = 0; rc == 0 && sv->o.allow_plain_auth && i < sv->nls; i++)
		if (!sv->ls[i].loopback)
			rc = serve_usage("--allow-plain-auth needs loopback listeners only, not %s",
					 sv->ls[i].addr);
	return rc;
}

static struct scenario *load_scenario(const char *path)
{
	if (strcmp(path, "@default") == 0)
		return scn_parse(mailsim_default_scenario, strlen(mailsim_default_scenario),
				 "basic-delivery.json (built in)", stderr);
	return scn_load(path, stderr);
}

/* Does the host offer what the listener stands for? An implicit TLS kind
 * is also served where the scenario lists only its STARTTLS twin
 * (submission for submissions, imap for imaps, pop3 for pop3s). */
static bool offers(const struct scn_host *h, const struct listen_kind *k)
{
	return scn_host_has_service(h, k->service) || scn_host_has_service(h, k->plain);
}

/* The kinds of listener the options ask for, --listen's first. */
static size_t wanted_kinds(const struct serve_opts *o, const struct listen_kind **out)
{
	size_t n = 0;
	out[n++] = listen_kind_find(o->port_kind);
	for (size_t i = 0; i < NRETRIEVAL; i++)
		if (o->retrieval[i])
			out[n++] = listen_kind_find(retrieval_kinds[i]);
	return n;
}

/* The served host's scenario entry, checked: an MTA offering every port. */
static struct scn_host *served_host(struct serve *sv)
{
	struct scenario *s = sv->scn;
	for (size_t i = 0; i < s->nhosts; i++) {
		struct scn_host *h = &s->hosts[i];
		if (!ascii_strcaseeq(h->name, sv->o.host))
			continue;
		if (h->role == SCN_ROLE_CLIENT || h->role == SCN_ROLE_DNS) {
			fprintf(stderr, "mailsim: serve: %s is a %s host, not an MTA\n", h->name,
				scn_role_names[h->role]);
			return NULL;
		}
		const struct listen_kind *want[MAX_LISTENERS];
		size_t n = wanted_kinds(&sv->o, want);
		for (size_t k = 0; k < n; k++)
			if (!offers(h, want[k])) {
				fprintf(stderr,
					"mailsim: serve: %s does not offer %s (see its \"services\")\n",
					h->name, scn_service_names[want[k]->plain]);
				return NULL;
			}
		return h;
	}
	fprintf(stderr, "mailsim: serve: no host named '%s' in %s\n", sv->o.host, sv->o.file);
	return NULL;
}

/* Live mode changes the scenario in memory: the served host offers TLS
 * (real TLS, app/tls.c) and listens on the implicit TLS ports asked for;
 * --allow-plain-auth; optionally no scenario traffic runs. */
static void adapt_scenario(struct serve *sv, struct scn_host *h)
{
	struct scenario *s = sv->scn;
	sv->srv_cfg = h;
	sv->saved_tls = h->tls;
	sv->saved_services = h->services;
	h->tls = true;
	h->plain_auth = sv->o.allow_plain_auth;
	for (size_t k = 0; k < sv->nls; k++)
		h->services |= SCN_SVC(sv->ls[k].kind->service);
	sv->adapted = true;
	sv->scn_nmessages = s->nmessages;
	if (!sv->o.no_traffic)
		return;
	s->nmessages = 0;
	sv->scn_fetch = xcalloc(s->nhosts + 1, sizeof *sv->scn_fetch);
	for (size_t i = 0; i < s->nhosts; i++) {
		sv->scn_fetch[i] = s->hosts[i].has_fetch;
		s->hosts[i].has_fetch = false;
	}
}

static void restore_scenario(struct serve *sv)
{
	struct scenario *s = sv->scn;
	if (!sv->adapted)
		return;
	struct scn_host *h = sv->srv_cfg;
	h->tls = sv->saved_tls;
	h->services = sv->saved_services;
	h->plain_auth = false;
	s->nmessages = sv->scn_nmessages;
	for (size_t i = 0; sv->scn_fetch && i < s->nhosts; i++)
		s->hosts[i].has_fetch = sv->scn_fetch[i];
	free(sv->scn_fetch);
}

static int open_trace(struct serve *sv)
{
	const char *p = sv->o.trace_path;
	if (p) {
		sv->trace = strcmp(p, "-") == 0 ? stdout : fopen(p, "w");
		if (!sv->trace) {
			fprintf(stderr, "mailsim: serve: cannot open %s: %s\n", p, strerror(errno));
			return 4;
		}
		trace_set_jsonl(world_trace(sv->w), sv->trace);
	}
	if (sv->o.transcript)
		trace_set_transcript(world_trace(sv->w), stdout);
	return 0;
}

/* --idle-timeout sets it; --timeout-scale scales the host's own value (the
 * scenario's idle_timeout, else the RFC's 5 minutes); else it stands. */
static void set_idle_timeout(struct serve *sv, const struct scn_host *cfg)
{
	double base = cfg->idle_timeout > 0 ? (double)cfg->idle_timeout / 1e6 : RFC_IDLE_TIMEOUT_S;
	double s = sv->o.idle_timeout > 0 ? sv->o.idle_timeout
		 : sv->o.timeout_scale > 0 ? base * sv->o.timeout_scale : 0;
	if (s > 0)
		world_set_idle_timeout(sv->w, sv->srv->name, (int64_t)(s * 1e6));
}

/* The certificate: the given files, or a self-signed one for the host. */
static int setup_tls(struct serve *sv, const char *name)
{
	char err[512];
	sv->tls = tls_server_new(sv->o.tls_cert, sv->o.tls_key, name, err, sizeof err);
	if (!sv->tls) {
		fprintf(stderr, "mailsim: serve: %s\n", err);
		return 4;
	}
	fprintf(stderr, "mailsim: TLS certificate %s%s, %s\n", tls_server_subject(sv->tls),
		sv->o.tls_cert ? "" : " (self-signed, made at start)",
		tls_server_fingerprint(sv->tls));
	return 0;
}

/* The spool: messages a previous run accepted go back in the queue. */
static int open_spool(struct serve *sv)
{
	char err[1024];
	long n = 0;
	char *dir = sv->o.spool ? xstrdup(sv->o.spool) : spool_default_dir(sv->o.maildir);
	sv->spool = spool_attach(dir, sv->srv, &n, err, sizeof err);
	if (sv->spool && n > 0)
		fprintf(stderr, "mailsim: serve: recovered %ld message%s from the spool %s\n", n,
			n == 1 ? "" : "s", dir);
	else if (!sv->spool)
		fprintf(stderr, "mailsim: serve: %s\n", err);
	free(dir);
	return sv->spool ? 0 : 4;
}

static int64_t anvil_clock(void *ctx)
{
	return live_now(ctx);
}

static void open_anvil(struct serve *sv)
{
	struct anvil_limits lim = {(long)sv->o.max_per_ip, (long)sv->o.max_conn_rate,
				   (long)sv->o.max_auth_failures};
	sv->anvil = anvil_new(&lim);
	anvil_set_clock(sv->anvil, anvil_clock, sv);
	struct mta_auth_gate gate = {anvil_auth_blocked, anvil_auth_failed, sv->anvil};
	mta_live_set_auth_gate(sv->srv->role_obj, &gate);
}

static int serve_setup(struct serve *sv)
{
	sv->scn = load_scenario(sv->o.file);
	if (!sv->scn)
		return strcmp(sv->o.file, "@default") != 0 && scn_unreadable(sv->o.file) ? 4 : 1;
	struct scn_host *cfg = served_host(sv);
	if (!cfg)
		return 2;
	int rc = open_listeners(sv);
	if (rc == 0)
		rc = setup_tls(sv, cfg->name);
	if (rc)
		return rc;
	adapt_scenario(sv, cfg);
	sv->w = world_new(sv->scn, sv->o.has_seed ? &sv->o.seed : NULL);
	sv->sim = world_sim(sv->w);
	sv->srv = sim_host_by_name(sv->sim, cfg->name);
	set_idle_timeout(sv, cfg);
	rc = open_trace(sv);
	if (rc)
		return rc;
	world_trace_start(sv->w);
	rc = open_spool(sv);
	if (rc)
		return rc;
	open_anvil(sv);
	raise_fd_limit(sv);
	sv->t0 = mono_us();
	for (size_t i = 0; i < sv->nls; i++)
		fprintf(stderr, "mailsim: serving %s (%s) on %s\n", sv->srv->name,
			sv->ls[i].kind->name, sv->ls[i].addr);
	fflush(stderr);
	return 0;
}

/* ===== shutdown ============================================================ */

/* Close every client: what the server was answering is answered (and
 * counted) first, an open transaction is dropped [RFC 5321 §4.1.1.10]. */
static void close_clients(struct serve *sv)
{
	for (size_t i = 0; i < sv->nls; i++)
		listen_close(&sv->ls[i]);
	for (size_t i = 0; i < sv->nconns; i++)
		sock_close(sv->conns[i]);
	pump(sv);
	for (size_t i = 0; i < sv->nconns; i++) {
		struct lconn *lc = sv->conns[i];
		if (!lc->released) /* still waiting on a slow answer: give up on it */
			net_close(lc->c, SIDE_CLIENT);
		lconn_free(lc);
	}
	sv->nconns = 0;
	sim_run_until(sv->sim, live_now(sv));
}

static int serve_finish(struct serve *sv)
{
	int rc = 0;
	if (sv->sim) {
		if (stop_signal)
			fprintf(stderr, "mailsim: %s: shutting down\n",
				stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
		close_clients(sv);
		struct world_summary s;
		world_summary(sv->w, &s);
		world_trace_end(sv->w);
		char err[512];
		if (sv->o.maildir && !world_export_maildir(sv->w, sv->o.maildir, err, sizeof err)) {
			fprintf(stderr, "mailsim: %s\n", err);
			rc = 4; /* the spool keeps every message for the next start */
		} else if (sv->spool && !spool_finish(sv->spool, sv->srv, sv->o.maildir, err, sizeof err)) {
			fprintf(stderr, "mailsim: serve: %s\n", err);
			rc = 4;
		}
		fprintf(stderr,
			"mailsim: served %ld connection%s (at most %ld at once, %ld turned away): "
			"%ld message%s to %ld recipient%s accepted live\n",
			sv->accepted, sv->accepted == 1 ? "" : "s", sv->max_at_once, sv->turned_away,
			s.live_messages, s.live_messages == 1 ? "" : "s", s.live_rcpts,
			s.live_rcpts == 1 ? "" : "s");
		world_print_summary(sv->w, stderr);
		if (!s.accounted)
			rc = 3;
	}
	if (sv->trace && sv->trace != stdout && fclose(sv->trace) != 0) {
		fprintf(stderr, "mailsim: cannot write %s: %s\n", sv->o.trace_path, strerror(errno));
		rc = 4;
	}
	fflush(stdout);
	for (size_t i = 0; i < sv->nls; i++)
		listen_close(&sv->ls[i]);
	world_free(sv->w);
	tls_server_free(sv->tls);
	spool_close(sv->spool);
	anvil_free(sv->anvil);
	if (sv->scn) {
		restore_scenario(sv);
		scn_free(sv->scn);
	}
	free(sv->conns);
	free(sv->live);
	free(sv->pfd);
	free(sv->pconn);
	return rc;
}

int serve_main(int argc, char **argv)
{
	struct serve sv = {0};
	int rc = parse_opts(argc, argv, &sv.o);
	if (rc)
		return rc;
	install_signals(); /* a SIGTERM during set-up stops cleanly too */
	rc = serve_setup(&sv);
	if (rc == 0)
		rc = serve_loop(&sv);
	int rc2 = serve_finish(&sv);
	return rc ? rc : rc2;
}
