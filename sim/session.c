/* session.c — see session.h. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "imap.h"
#include "msg.h"
#include "pool.h"
#include "pop3.h"
#include "smtpc.h"
#include "smtpd.h"
#include "trace.h"
#include "util.h"

/* Octets of a line the peer sent kept in the trace (an RFC 5321 command
 * line's limit, §4.5.3.1.4); the trace says how long it really was. */
#define SESSION_TRACE_LINE_MAX 512

struct session {
	struct sim *sim;
	struct session_config cfg;
	const struct session_owner *owner;
	void *ctx;
	const struct session_engine *e;
	void *eng;               /* owned through e->free */
	struct conn *c;          /* not owned; NULL before connect/accept */
	enum conn_side side;
	bool stopped;
	bool tls_up;             /* implicit TLS: the first handshake is over */
	/* The idle timer, moved lazily: every input moves the deadline, but
	 * the armed event stays where it is; when it fires before the
	 * deadline it is re-pushed there with the sequence the deadline's
	 * touch reserved, so events run exactly as if each touch had
	 * cancelled and re-pushed it (evq_reserve_seq), without a heap push
	 * and a dead entry per packet. */
	evq_id timer;            /* the armed event, 0 when none */
	int64_t timer_at;        /* when the armed event fires */
	int64_t deadline;        /* when the timeout is really due */
	uint64_t deadline_seq;   /* its place among events at that time */
	/* Live mode: replies to what one feed brought, held until the feed is
	 * read, so the trace shows a pipelined group [RFC 2920 §3.1] before
	 * its answers, as it does when a simulated client sends one. */
	bool feeding;
	char **held;             /* owned */
	size_t nheld;
	/* Live mode, IMAP and POP3 (whose engines keep no record of what they
	 * read, unlike smtpd): the start of a client line not yet ended. */
	struct strbuf partial;   /* owned */
	size_t partial_octets;   /* its whole length so far */
};

static bool traces_peer(const struct session *s);
static void flush_held(struct session *s);

/* ---- the engines, behind one vtable ----------------------------------------- */

static void smtpd_start_v(void *e) { smtpd_start(e); }
static void smtpd_feed_v(void *e, const char *d, size_t n) { smtpd_feed(e, d, n); }
static void smtpd_tls_v(void *e, bool ok) { smtpd_tls_done(e, ok); }
static void smtpd_disc_v(void *e) { smtpd_disconnected(e); }
static void smtpd_timeout_v(void *e) { smtpd_timeout(e); }
static bool smtpd_busy_v(const void *e) { return smtpd_pending(e); }
static void smtpd_free_v(void *e) { smtpd_free(e); }

const struct session_engine session_smtpd_engine = {
	.start = smtpd_start_v, .feed = smtpd_feed_v, .tls_done = smtpd_tls_v,
	.disconnected = smtpd_disc_v, .timeout = smtpd_timeout_v, .busy = smtpd_busy_v,
	.free = smtpd_free_v,
};

static void smtpc_feed_v(void *e, const char *d, size_t n) { smtpc_feed(e, d, n); }
static void smtpc_tls_v(void *e, bool ok) { smtpc_tls_done(e, ok); }
static void smtpc_disc_v(void *e) { smtpc_disconnected(e); }
static void smtpc_timeout_v(void *e) { smtpc_timeout(e); }
static void smtpc_free_v(void *e) { smtpc_free(e); }

const struct session_engine session_smtpc_engine = {
	.feed = smtpc_feed_v, .tls_done = smtpc_tls_v, .disconnected = smtpc_disc_v,
	.timeout = smtpc_timeout_v, .free = smtpc_free_v,
};

static void imapd_start_v(void *e) { imapd_start(e); }
static void imapd_feed_v(void *e, const char *d, size_t n) { imapd_feed(e, d, n); }
static void imapd_tls_v(void *e, bool ok) { imapd_tls_done(e, ok); }
static void imapd_disc_v(void *e) { imapd_disconnected(e); }
static void imapd_free_v(void *e) { imapd_free(e); }

const struct session_engine session_imapd_engine = {
	.start = imapd_start_v, .feed = imapd_feed_v, .tls_done = imapd_tls_v,
	.disconnected = imapd_disc_v, .free = imapd_free_v,
};

static void imapc_feed_v(void *e, const char *d, size_t n) { imapc_feed(e, d, n); }
static void imapc_tls_v(void *e, bool ok) { imapc_tls_done(e, ok); }
static void imapc_disc_v(void *e) { imapc_disconnected(e); }
static void imapc_free_v(void *e) { imapc_free(e); }

const struct session_engine session_imapc_engine = {
	.feed = imapc_feed_v, .tls_done = imapc_tls_v, .disconnected = imapc_disc_v,
	.free = imapc_free_v,
};

static void pop3d_start_v(void *e) { pop3d_start(e); }
static void pop3d_feed_v(void *e, const char *d, size_t n) { pop3d_feed(e, d, n); }
static void pop3d_disc_v(void *e) { pop3d_disconnected(e); }
static void pop3d_tls_v(void *e, bool ok) { pop3d_tls_done(e, ok); }
static void pop3d_free_v(void *e) { pop3d_free(e); }

const struct session_engine session_pop3d_engine = {
	.start = pop3d_start_v, .feed = pop3d_feed_v, .tls_done = pop3d_tls_v,
	.disconnected = pop3d_disc_v,
	.free = pop3d_free_v,
};

static void pop3c_feed_v(void *e, const char *d, size_t n) { pop3c_feed(e, d, n); }
static void pop3c_disc_v(void *e) { pop3c_disconnected(e); }
static void pop3c_free_v(void *e) { pop3c_free(e); }

const struct session_engine session_pop3c_engine = {
	.feed = pop3c_feed_v, .disconnected = pop3c_disc_v, .free = pop3c_free_v,
};

/* ---- the timer ------------------------------------------------------------------ */

static void timer_fire(struct session *s);

static void ev_timer(struct sim *sim, void *ctx, uint64_t arg)
{
	struct session *s = ctx;
	s->timer = 0;
	if (arg != s->deadline_seq) {
		/* Armed for an earlier touch (arg is its sequence): input came
		 * since, so the timeout is due later in the order. Not an event
		 * of the model, so it is not counted as one. */
		sim->events_run--;
		s->timer_at = s->deadline;
		s->timer = sim_at_seq(sim, s->deadline, s->deadline_seq, ev_timer, s, s->deadline_seq);
		return;
	}
	timer_fire(s);
}

static void timer_fire(struct session *s)
{
	if (s->cfg.implicit_tls && !s->tls_up && s->side == SIDE_SERVER && !s->stopped) {
		/* Nothing can be said before the handshake: no 421, just close. */
		session_cb_close(s);
		return;
	}
	if (s->owner->timeout)
		s->owner->timeout(s->ctx);
	else if (!s->stopped && s->e->timeout)
		s->e->timeout(s->eng);
}

void session_expire(struct session *s)
{
	if (s->stopped)
		return;
	sim_cancel(s->sim, s->timer);
	s->timer = 0;
	timer_fire(s);
}

void session_touch(struct session *s)
{
	if (s->cfg.timeout <= 0)
		return;
	s->deadline = s->sim->now + s->cfg.timeout;
	s->deadline_seq = sim_reserve_seq(s->sim);
	if (s->timer && s->timer_at <= s->deadline)
		return; /* it fires early and moves itself (ev_timer) */
	sim_cancel(s->sim, s->timer);
	s->timer_at = s->deadline;
	s->timer = sim_at_seq(s->sim, s->deadline, s->deadline_seq, ev_timer, s, s->deadline_seq);
}

/* ---- the connection's events ------------------------------------------------------ */

static void on_connected(void *ctx, struct conn *c)
{
	struct session *s = ctx;
	if (s->owner->connected)
		s->owner->connected(s->ctx);
	session_touch(s);
	if (s->cfg.implicit_tls && !c->external)
		net_tls_start(c);
}

static void on_failed(void *ctx, struct conn *c, enum net_fail why)
{
	struct session *s = ctx;
	if (s->owner->failed)
		s->owner->failed(s->ctx, why);
}

/* Trace each line a live IMAP or POP3 client sent, as its simulated twin
 * traces what it sends (a literal's lines too: they are what came). */
static void trace_peer_lines(struct session *s, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) + 1 : len;
		size_t room = SESSION_TRACE_LINE_MAX - s->partial.len;
		sb_append(&s->partial, data, n < room ? n : room);
		s->partial_octets += n;
		data += n;
		len -= n;
		if (!nl)
			break;
		size_t keep = s->partial.len;
		while (keep && (s->partial.data[keep - 1] == '\n' || s->partial.data[keep - 1] == '\r'))
			keep--;
		size_t octets = s->partial_octets - (s->partial.len - keep);
		net_trace_line(s->c, conn_other(s->side), s->cfg.line_kind, s->partial.data, keep,
			       octets > keep ? octets : keep);
		sb_clear(&s->partial);
		s->partial_octets = 0;
	}
}

static void on_data(void *ctx, struct conn *c, const char *data, size_t len)
{
	struct session *s = ctx;
	if (s->stopped)
		return;
	session_touch(s);
	if (traces_peer(s) && s->cfg.line_kind != TK_SMTP_SEND)
		trace_peer_lines(s, data, len);
	s->feeding = traces_peer(s);
	s->e->feed(s->eng, data, len);
	s->feeding = false;
	flush_held(s);
}

/* The implicit handshake's end: the server greets, or the session ends
 * (a client's engine hears of a lost connection). */
static void implicit_tls_done(struct session *s, bool ok)
{
	s->tls_up = true;
	if (ok && s->side == SIDE_SERVER && s->e->start)
		s->e->start(s->eng);
	else if (!ok && s->side == SIDE_SERVER)
		session_cb_close(s);
	else if (!ok) {
		session_hangup(s);
		s->e->disconnected(s->eng);
	}
}

static void on_tls(void *ctx, struct conn *c, bool ok)
{
	struct session *s = ctx;
	if (s->stopped)
		return;
	if (s->cfg.implicit_tls && !s->tls_up)
		implicit_tls_done(s, ok);
	else if (s->e->tls_done)
		s->e->tls_done(s->eng, ok);
}

static void on_closed(void *ctx, struct conn *c)
{
	struct session *s = ctx;
	if (s->stopped)
		return;
	s->e->disconnected(s->eng);
	if (!s->stopped && s->owner->closed)
		s->owner->closed(s->ctx);
}

static void on_abandon(void *ctx, struct conn *c)
{
	struct session *s = ctx;
	if (s->owner->abandon)
		s->owner->abandon(s->ctx);
}

static const struct conn_ops session_ops = {
	.connected = on_connected,
	.failed = on_failed,
	.data = on_data,
	.tls = on_tls,
	.closed = on_closed,
	.abandon = on_abandon,
};

/* What a connection calls once its session is gone. */
static const struct conn_ops detached_ops = {0};

/* ---- life ------------------------------------------------------------------------- */

/* Two sessions per message and hop: recycled (pool.h). */
static _Thread_local struct pool session_pool;

struct session *session_new(struct sim *sim, const struct session_config *cfg,
			    const struct session_owner *owner, void *ctx)
{
	static const struct session_owner none = {0};
	struct session *s = pool_get(&session_pool, sizeof *s);
	s->sim = sim;
	s->cfg = *cfg;
	s->owner = owner ? owner : &none;
	s->ctx = ctx;
	return s;
}

void session_set_engine(struct session *s, const struct session_engine *e, void *eng)
{
	s->e = e;
	s->eng = eng;
}

void *session_engine(const struct session *s)
{
	return s->eng;
}

void *session_ctx(const struct session *s)
{
	return s->ctx;
}

struct conn *session_conn(const struct session *s)
{
	return s->c;
}

void session_connect(struct session *s, struct host *from, const char *ip, int port)
{
	s->side = SIDE_CLIENT;
	s->c = net_connect(s->sim, from, ip, port, &session_ops, s);
}

void session_accept(struct session *s, struct conn *c)
{
	s->side = SIDE_SERVER;
	s->c = c;
	c->ops[SIDE_SERVER] = &session_ops;
	c->ctx[SIDE_SERVER] = s;
	session_touch(s);
	if (s->e->start && !s->cfg.implicit_tls)
		s->e->start(s->eng);
}

void session_stop(struct session *s)
{
	s->stopped = true;
	sim_cancel(s->sim, s->timer);
	s->timer = 0;
}

bool session_stopped(const struct session *s)
{
	return s->stopped;
}

void session_hangup(struct session *s)
{
	flush_held(s);
	if (s->c && s->c->open[s->side])
		net_close(s->c, s->side);
}

void session_free(struct session *s)
{
	if (!s)
		return;
	session_hangup(s);
	session_stop(s);
	if (s->c && s->c->ctx[s->side] == s)
		net_unbind(s->c, s->side, &detached_ops);
	if (s->e && s->eng)
		s->e->free(s->eng);
	free(s->held);
	sb_free(&s->partial);
	pool_put(&session_pool, s);
}

struct session *session_of(const struct conn *c, enum conn_side side)
{
	return c->ops[side] == &session_ops ? c->ctx[side] : NULL;
}

bool session_busy(const struct session *s)
{
	return !s->stopped && s->e->busy && s->e->busy(s->eng);
}

/* ---- the engines' output ------------------------------------------------------------ */

static void flush_held(struct session *s)
{
	for (size_t i = 0; i < s->nheld; i++) {
		net_send_line(s->c, s->side, s->cfg.line_kind, s->held[i]);
		free(s->held[i]);
	}
	s->nheld = 0;
}

void session_cb_send_line(void *ud, const char *line)
{
	struct session *s = ud;
	if (s->feeding) {
		s->held = xrealloc(s->held, (s->nheld + 1) * sizeof *s->held);
		s->held[s->nheld++] = xstrdup(line);
		return;
	}
	net_send_line(s->c, s->side, s->cfg.line_kind, line);
}

void session_cb_send_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	struct session *s = ud;
	flush_held(s);
	char sum[300] = "";
	const char *tag = NULL;
	/* The summary and tag are the trace's: not made for one nobody reads. */
	if (s->owner->summary && trace_wanted(s->sim->trace))
		s->owner->summary(s->ctx, bytes, len, sum, sizeof sum, &tag);
	net_send_block(s->c, s->side, s->cfg.data_kind, bytes, len, nlines, sum, tag);
}

/* The client drives the handshake (net_tls_start); a server waits for it
 * and hears of it through conn_ops.tls like the client. */
void session_cb_start_tls(void *ud)
{
	struct session *s = ud;
	if (s->side == SIDE_CLIENT)
		net_tls_start(s->c);
	else if (s->c->external && s->c->ops[SIDE_CLIENT]->tls_wanted)
		s->c->ops[SIDE_CLIENT]->tls_wanted(s->c->ctx[SIDE_CLIENT], s->c);
}

void session_cb_close(void *ud)
{
	struct session *s = ud;
	if (s->owner->close)
		s->owner->close(s->ctx);
	else
		session_hangup(s);
}

/* In live mode nobody simulates the client: the server side traces what
 * it read, as the client would have traced it when sending. */
static bool traces_peer(const struct session *s)
{
	return s->c && s->c->external && s->side == SIDE_SERVER;
}

void session_cb_received_line(void *ud, const char *line, size_t len, size_t octets)
{
	struct session *s = ud;
	if (!traces_peer(s))
		return;
	size_t keep = len < SESSION_TRACE_LINE_MAX ? len : SESSION_TRACE_LINE_MAX;
	net_trace_line(s->c, conn_other(s->side), s->cfg.line_kind, line, keep,
		       octets > len ? octets : len);
}

void session_cb_received_data(void *ud, const char *head, size_t head_len, uint64_t octets,
			      size_t nlines)
{
	struct session *s = ud;
	if (!traces_peer(s))
		return;
	char subj[256] = "", sum[300];
	msg_header(head, head_len, "Subject", subj, sizeof subj);
	fmt_snprintf(sum, sizeof sum, "Subject: %s", subj);
	net_trace_block(s->c, conn_other(s->side), s->cfg.data_kind, octets, nlines, sum);
}
