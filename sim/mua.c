/* mua.c — see mua.h. */
#include "mua.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "fmt.h"
#include "imap.h"
#include "mime_enc.h"
#include "outcome.h"
#include "msg.h"
#include "pop3.h"
#include "session.h"
#include "smtpc.h"
#include "util.h"

struct mua {
	struct sim *sim;
	struct host *host;            /* not owned */
	const struct scn_host *cfg;   /* not owned */
	const struct scn_user *user;  /* not owned */
	uint32_t msg_counter;
	/* Scheduled submissions whose time has not come: owned here until
	 * ev_submit takes them (slot set to NULL), freed by mua_free when the
	 * world ends first (a run stopped early, or one that never ran). */
	struct submission **waiting;
	size_t nwaiting;
};

/* ---- submission ------------------------------------------------------------ */

struct submission {
	struct mua *m;
	const struct scn_message *spec; /* not owned */
	struct session *sess;           /* owned: the connection and smtpc */
	struct strbuf data;             /* the composed message */
	size_t slot;                    /* index in m->waiting until submitted */
};

static void sub_free_ev(struct sim *sim, void *ctx, uint64_t arg)
{
	struct submission *s = ctx;
	session_free(s->sess);
	sb_free(&s->data);
	free(s);
}

static void sub_finish(void *ctx)
{
	struct submission *s = ctx;
	if (session_stopped(s->sess))
		return;
	session_stop(s->sess);
	sim_after(s->m->sim, 0, sub_free_ev, s, 0);
}

static void sub_summary(void *ctx, const char *bytes, size_t len, char *sum, size_t cap,
			const char **tag)
{
	struct submission *s = ctx;
	/* The summary keeps whole characters of a long non-ASCII Subject. */
	const char *subj = s->spec->subject;
	fmt_snprintf(sum, cap, "Subject: %.*s", (int)utf8_prefix(subj, cap - 10), subj);
	*tag = s->spec->id;
}

/* Recipients the submission server refused never enter any queue: they
 * are "rejected" in the run's accounting (the user sees the error at once). */
static void sub_done(void *ud, const struct smtpc_result *res)
{
	struct submission *s = session_ctx(ud);
	struct sim *sim = s->m->sim;
	for (size_t i = 0; i < s->spec->nto; i++) {
		const struct smtpc_rcpt_result *r = i < res->nrcpts ? &res->rcpts[i] : NULL;
		bool ok = r && r->cls == SMTP_CLASS_OK && !res->session_failed;
		if (ok)
			continue;
		const struct smtp_reply *rep = r && r->reply.code ? &r->reply : &res->reply;
		struct outcome o;
		oc_local(&o, OC_HARD, rep->enh[0] ? rep->enh : "5.0.0", "submission refused: %d %s",
			 rep->code, rep->text);
		fate_settle(sim, &(struct settle){.node = s->m->host->name, .msg = s->spec->id,
						  .rcpt = s->spec->to[i], .fate = FATE_REJECTED, .o = &o});
		sim->ledger.with_clients--;
	}
}

static void sub_failed(void *ctx, enum net_fail why)
{
	struct submission *s = ctx;
	if (!session_stopped(s->sess))
		smtpc_disconnected(session_engine(s->sess));
	sub_finish(s);
}

static const struct smtpc_callbacks sub_callbacks = {
	.send_line = session_cb_send_line,
	.send_data = session_cb_send_data,
	.start_tls = session_cb_start_tls,
	.done = sub_done,
	.close = session_cb_close,
};

static void sub_abandon(void *ctx)
{
	sub_free_ev(NULL, ctx, 0);
}

static const struct session_owner sub_owner = {
	.abandon = sub_abandon,
	.failed = sub_failed,
	.closed = sub_finish,
	.close = sub_finish,
	.summary = sub_summary,
};

static void ev_submit(struct sim *sim, void *ctx, uint64_t arg)
{
	struct submission *s = ctx;
	struct mua *m = s->m;
	m->waiting[s->slot] = NULL; /* the session owns it from now on */
	compose_message(sim, m->host, &m->msg_counter, s->spec, &s->data);
	compose_trace(sim, m->host, s->spec, &s->data);
	sim->ledger.messages++;
	/* The same address twice is one recipient (RFC 5321 §2.4 equality). */
	long n = (long)addr_count_distinct((const char *const *)s->spec->to, s->spec->nto);
	sim->ledger.rcpts += n;
	sim->ledger.with_clients += n;
	const struct scn_host *srv_cfg = m->cfg->submit;
	/* Port 465: TLS from the first byte, as a mail program's "SSL/TLS"
	 * setting does [RFC 8314 §3.3]; else STARTTLS on 587. */
	bool implicit = m->cfg->submit_port == 465;
	struct smtpc_config cfg = {
		.helo_name = m->host->name,
		.starttls = true,
		.require_tls = srv_cfg->tls, /* a careful client insists */
		.auth_user = m->user->address,
		.auth_pass = m->user->password,
		.implicit_tls = implicit,
	};
	struct session_config sc = {.line_kind = TK_SMTP_SEND, .data_kind = TK_SMTP_DATA,
				    .implicit_tls = implicit};
	s->sess = session_new(sim, &sc, &sub_owner, s);
	struct smtpc *c = smtpc_new(&cfg, &sub_callbacks, s->sess);
	session_set_engine(s->sess, &session_smtpc_engine, c);
	/* A forger puts the victim's address in the envelope too. */
	smtpc_set_message(c, s->spec->spoof_from ? s->spec->spoof_from : s->spec->from,
			  (const char *const *)s->spec->to, s->spec->nto, s->data.data, s->data.len);
	struct host *srv = sim->hosts[scn_host_index(sim->scn, srv_cfg)];
	session_connect(s->sess, m->host, srv->ip, m->cfg->submit_port);
}

void mua_schedule_message(struct mua *m, const struct scn_message *msg)
{
	struct submission *s = xcalloc(1, sizeof *s);
	s->m = m;
	s->spec = msg;
	sb_init(&s->data);
	s->slot = m->nwaiting;
	m->waiting = xrealloc(m->waiting, (m->nwaiting + 1) * sizeof *m->waiting);
	m->waiting[m->nwaiting++] = s;
	sim_at_later(m->sim, msg->at, ev_submit, s, 0);
}

/* ---- retrieval --------------------------------------------------------------- */

struct fetch {
	struct mua *m;
	struct session *sess; /* owned: the connection and pop3c/imapc */
	bool imap;
	struct imapc *ic;   /* the IMAP engine (owned by sess), for IDLE */
	int64_t idle_until; /* IMAP IDLE: when to stop waiting (µs); 0 = no IDLE */
	evq_id idle_ev;     /* the pending renew/stop event, 0 if none */
};

/* A client re-issues IDLE every 29 minutes: servers may log out a client
 * idle for 30 [RFC 2177 §3, RFC 3501 §5.4]. */
#define IDLE_RENEW SIM_US(29 * 60)

static void fetch_free_ev(struct sim *sim, void *ctx, uint64_t arg)
{
	struct fetch *f = ctx;
	session_free(f->sess);
	free(f);
}

static void fetch_finish(void *ctx)
{
	struct fetch *f = ctx;
	if (session_stopped(f->sess))
		return;
	session_stop(f->sess);
	if (f->idle_ev)
		sim_cancel(f->m->sim, f->idle_ev);
	f->idle_ev = 0;
	sim_after(f->m->sim, 0, fetch_free_ev, f, 0);
}

static void fetch_event(struct fetch *f, bool ok, size_t n, const char *why)
{
	struct sim *sim = f->m->sim;
	trace_begin(sim->trace, sim->now, TK_MAILBOX_FETCH);
	trace_node(sim->trace, f->m->host->name);
	trace_peer(sim->trace, f->m->cfg->fetch.server->name);
	trace_str(sim->trace, "user", f->m->user->address);
	trace_str(sim->trace, "protocol", f->imap ? "imap" : "pop3");
	trace_int(sim->trace, "count", (int64_t)n);
	if (!ok)
		trace_str(sim->trace, "error", why ? why : "failed");
	trace_end(sim->trace);
}

/* The session is over: one mailbox.fetch (with IDLE, each FETCH had its
 * own, so only a failure is left to say). */
static void fetch_report(struct fetch *f, bool ok, size_t n, const char *why)
{
	if (!f->idle_until || !ok)
		fetch_event(f, ok, f->idle_until ? 0 : n, why);
	session_hangup(f->sess);
	fetch_finish(f);
}

static void pop3_done(void *ud, const struct pop3c_result *r)
{
	fetch_report(session_ctx(ud), r->ok, r->nmsgs, r->reason);
}

static void imap_done(void *ud, const struct imapc_result *r)
{
	fetch_report(session_ctx(ud), r->ok, r->nmsgs, r->reason);
}

/* With IDLE: each FETCH (the first look, then every push) is a fetch. */
static void imap_fetched(void *ud, size_t count)
{
	struct fetch *f = session_ctx(ud);
	if (f->idle_until && count)
		fetch_event(f, true, count, NULL);
}

static const struct pop3c_callbacks pop3_cb = {.send_line = session_cb_send_line,
					       .done = pop3_done};
static const struct imapc_callbacks imap_cb = {.send_line = session_cb_send_line,
					       .done = imap_done,
					       .start_tls = session_cb_start_tls,
					       .fetched = imap_fetched};

/* The IDLE window: renew every IDLE_RENEW, stop at idle_until. */
static void ev_idle(struct sim *sim, void *ctx, uint64_t arg)
{
	struct fetch *f = ctx;
	f->idle_ev = 0;
	if (sim->now >= f->idle_until) {
		imapc_idle_stop(f->ic);
		return;
	}
	imapc_idle_renew(f->ic);
	int64_t next = sim->now + IDLE_RENEW;
	f->idle_ev = sim_at(sim, next < f->idle_until ? next : f->idle_until, ev_idle, f, 0);
}

static void fetch_failed(void *ctx, enum net_fail why)
{
	fetch_report(ctx, false, 0, why == NET_REFUSED ? "connection refused" : "connection timed out");
}

static void fetch_abandon(void *ctx)
{
	fetch_free_ev(NULL, ctx, 0);
}

static const struct session_owner fetch_owner = {
	.abandon = fetch_abandon,
	.failed = fetch_failed,
	.closed = fetch_finish,
};

static void ev_fetch(struct sim *sim, void *ctx, uint64_t arg)
{
	struct mua *m = ctx;
	struct fetch *f = xcalloc(1, sizeof *f);
	f->m = m;
	f->imap = m->cfg->fetch.protocol == SCN_FETCH_IMAP;
	struct session_config sc = {.line_kind = f->imap ? TK_IMAP_SEND : TK_POP3_SEND,
				    .data_kind = f->imap ? TK_IMAP_DATA : TK_POP3_DATA};
	f->sess = session_new(sim, &sc, &fetch_owner, f);
	if (f->imap) {
		struct imapc_config cfg = {.user = m->user->address, .pass = m->user->password,
					   .keep = m->cfg->fetch.keep, .idle = m->cfg->fetch.idle > 0};
		f->ic = imapc_new(&cfg, &imap_cb, f->sess);
		session_set_engine(f->sess, &session_imapc_engine, f->ic);
		if (cfg.idle) {
			f->idle_until = sim->now + m->cfg->fetch.idle;
			int64_t first = sim->now + IDLE_RENEW;
			f->idle_ev = sim_at(sim, first < f->idle_until ? first : f->idle_until,
					    ev_idle, f, 0);
		}
	} else {
		struct pop3c_config cfg = {.user = m->user->address, .pass = m->user->password,
					   .keep = m->cfg->fetch.keep};
		session_set_engine(f->sess, &session_pop3c_engine, pop3c_new(&cfg, &pop3_cb, f->sess));
	}
	struct host *srv = sim->hosts[scn_host_index(sim->scn, m->cfg->fetch.server)];
	session_connect(f->sess, m->host, srv->ip, f->imap ? 143 : 110);
}

struct mua *mua_new(struct sim *sim, struct host *h, const struct scn_host *cfg,
		    const struct scn_user *user)
{
	struct mua *m = xcalloc(1, sizeof *m);
	m->sim = sim;
	m->host = h;
	m->cfg = cfg;
	m->user = user;
	for (size_t i = 0; cfg->has_fetch && user && i < cfg->fetch.nat; i++)
		sim_at(sim, cfg->fetch.at[i], ev_fetch, m, 0);
	return m;
}

void mua_free(void *p)
{
	struct mua *m = p;
	if (!m)
		return;
	for (size_t i = 0; i < m->nwaiting; i++)
		if (m->waiting[i]) {
			sb_free(&m->waiting[i]->data);
			free(m->waiting[i]);
		}
	free(m->waiting);
	free(m);
}
