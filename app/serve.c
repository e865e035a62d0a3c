/* serve.c — `mailsim serve`: see serve.h.
 *
 * The poll loop and the per-client buffers and limits are one life cycle
 * (accept, pump, drain, shut down) whose invariants (below) span them, so
 * they stay together; the options are in serve_opts.c, the protocol
 * elsewhere (sim/session.c, sim/proto/smtpd.c), the sockets' addresses and
 * kinds in listen.c, a connection's plaintext or TLS byte path in
 * tls_link.c, OpenSSL in tls.c, the accepted mail's spool in spool.c and
 * the per-address limits in anvil.c.
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
#include "serve_opts.h"
#include "serve_state.h"

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

#define READ_CHUNK 16384
#define IN_HOLD_MAX 65536        /* client bytes read ahead of the server */
#define OUT_MAX (1 << 20)        /* replies a client has not read: beyond, it is dropped */
#define POLL_CAP_MS 100
#define ACCEPT_BATCH 64
#define FLUSH_EVERY_US 200000    /* trace file flush period */
/* A handshake must end within this, however its bytes trickle in (Postfix
 * smtpd_starttls_timeout is 300 s, 10 s under stress; an honest client
 * takes milliseconds). */
#define TLS_HANDSHAKE_TIMEOUT_US SIM_US(30)
/* A partial line is held (not handed to the server, so its idle timer is
 * not re-armed) until its end comes, up to this much: longer than any
 * line smtpd accepts (RFC 5321 §4.5.3.1.4-6), so an overlong one is still
 * read and refused. */
#define LINE_HOLD_MAX 4096

static volatile sig_atomic_t stop_signal;


int64_t serve_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Simulated time in live mode: µs of wall time since start. */
int64_t serve_now(const struct serve *sv)
{
	return serve_mono_us() - sv->t0;
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
	enum tls_io r = tls_link_step(&lc->link, serve_now(lc->sv), why, sizeof why);
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
	if (tls_link_begin(&lc->link, lc->sv->tls, serve_now(lc->sv) + TLS_HANDSHAKE_TIMEOUT_US)) {
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
	else if (lc->link.phase == TLS_PHASE_HANDSHAKE && serve_now(lc->sv) >= lc->link.deadline)
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
	enum anvil_verdict v = anvil_connect(sv->anvil, ip, serve_now(sv), &count, &max);
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
	lc->opened = serve_now(sv);
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
				sv->accept_pause_until = serve_now(sv) + SIM_MS(100); /* out of descriptors */
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
	int64_t now = serve_now(sv), limit = (int64_t)(sv->o.session_limit * 1e6);
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
		sim_run_until(sv->sim, serve_now(sv));
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
		int64_t now = serve_now(sv);
		size_t n = build_pollfds(sv, now);
		int r = poll(sv->pfd, (nfds_t)n, poll_timeout_ms(sv, now));
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "mailsim: serve: poll: %s\n", strerror(errno));
			return 4;
		}
		sim_run_until(sv->sim, serve_now(sv));
		if (r > 0)
			handle_io(sv, n);
		read_buffered(sv);
		pump(sv);
		trace_flush(world_trace(sv->w));
		if (sv->trace && serve_now(sv) - sv->last_flush >= FLUSH_EVERY_US) {
			fflush(sv->trace);
			sv->last_flush = serve_now(sv);
		}
	}
	return 0;
}

/* ===== signals ============================================================= */

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
	sim_run_until(sv->sim, serve_now(sv));
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
		serve_restore_scenario(sv);
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
	int rc = serve_parse_opts(argc, argv, &sv.o);
	if (rc)
		return rc;
	install_signals(); /* a SIGTERM during set-up stops cleanly too */
	rc = serve_setup(&sv);
	if (rc == 0)
		rc = serve_loop(&sv);
	int rc2 = serve_finish(&sv);
	return rc ? rc : rc2;
}
