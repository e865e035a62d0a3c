/* mta_append.c — delivery by IMAP APPEND: a filtering service that holds
 * the user's mailbox credentials logs in to the mailbox server and appends
 * the message to the folder its verdict chose, with the verdict's flags
 * (the seeds' "alias (IMAP delivery)": RFC 3501 §6.3.11 APPEND, after
 * STARTTLS when the server offers it). One recipient per session.
 *
 * The recipient walks the same states as a remote SMTP delivery:
 * resolving (the server's A record) → connecting (port 143) → in session,
 * and ends delivered (filed where APPEND put it) or deferred: a refused
 * login, a missing folder, a full mailbox, a timeout or a lost connection
 * are all retried on the queue's schedule, as a relay's retry queue does. */
#include "mta_append.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "imap.h"
#include "msg.h"
#include "resolver.h"
#include "session.h"
#include "util.h"

/* Like the SMTP client's reply timeout (Postfix smtp_*_timeout 300 s). */
#define APPEND_TIMEOUT SIM_US(300)

struct append_job {
	struct append_job *prev, *next; /* in the MTA's list of appends under way */
	struct mta *m;
	struct qentry *q;
	size_t i;                 /* the recipient */
	const struct scn_user *target; /* the mailbox user we log in as */
	const char *login_pass;   /* the alias's stored password, or NULL */
	char server[256];
	char ip[64];
	char folder[64];
	struct session *sess;     /* owned: the connection and imapc; NULL before the address */
	struct strbuf msg;        /* the message as appended (Return-Path on top) */
	bool over;
};

static void job_free_ev(struct sim *sim, void *ctx, uint64_t arg)
{
	struct append_job *j = ctx;
	if (j->prev)
		j->prev->next = j->next;
	else
		j->m->appends = j->next;
	if (j->next)
		j->next->prev = j->prev;
	session_free(j->sess);
	sb_free(&j->msg);
	free(j);
}

/* The recipient's end of this attempt; then the entry's attempt may end. */
static void job_end(struct append_job *j, enum oc_class cls, const struct outcome *o)
{
	if (j->over)
		return;
	j->over = true;
	struct qentry *q = j->q;
	struct mta *m = q->m;
	if (j->sess)
		session_stop(j->sess);
	if (cls == OC_OK) {
		enum fate f = ascii_strcaseeq(j->folder, "INBOX") ? FATE_INBOX
			      : ascii_strcaseeq(j->folder, "Junk") ? FATE_JUNK
			      : q->quarantine ? FATE_QUARANTINE : FATE_FILED;
		mtaq_settle(m, q, j->i, f, o);
	} else {
		mtaq_rcpt_defer(m, q, j->i, o);
	}
	sim_after(m->sim, 0, job_free_ev, j, 0);
	if (--q->active_jobs == 0)
		mtaq_attempt_finished(m, q);
}

static void job_fail(struct append_job *j, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void job_fail(struct append_job *j, const char *status, const char *fmt, ...)
{
	struct outcome o;
	char text[sizeof o.text];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	oc_local(&o, OC_SOFT, status, "%s", text);
	job_end(j, OC_SOFT, &o);
}

static void on_timeout(void *ctx)
{
	struct append_job *j = ctx;
	job_fail(j, "4.4.2", "conversation with %s[%s] timed out while delivering by IMAP", j->server,
		 j->ip);
}

/* ---- the IMAP client ----------------------------------------------------- */

static void ic_summary(void *ctx, const char *bytes, size_t len, char *sum, size_t cap,
		       const char **tag)
{
	struct append_job *j = ctx;
	char subj[256] = "";
	msg_header(j->q->data, j->q->len, "Subject", subj, sizeof subj);
	snprintf(sum, cap, "APPEND to %s: %s", j->folder, subj);
	*tag = j->q->tag;
}

/* What the session's end means for the message (RFC 3501 §6.3.11: a NO to
 * APPEND leaves nothing stored; [TRYCREATE] names a missing folder). */
static void ic_done(void *ud, const struct imapc_result *r)
{
	struct append_job *j = session_ctx(ud);
	struct outcome o;
	const char *said = r->last_line ? r->last_line : "no answer";
	if (r->ok && r->nappended == 1) {
		oc_local(&o, OC_OK, "2.0.0", "appended to %s of %s on %s by IMAP (UID %" PRIu32 ")",
			 j->folder, j->target->address, j->server, r->append_uids ? r->append_uids[0] : 0);
		job_end(j, OC_OK, &o);
		return;
	}
	const char *status = r->stage == IMAPC_LOGIN ? "4.7.0" : r->stage == IMAPC_APPEND ? "4.2.0"
											     : "4.4.2";
	job_fail(j, status, "IMAP delivery to %s[%s] failed in %s: %s (server said: %s)", j->server,
		 j->ip, imapc_stage_name(r->stage), r->reason && r->reason[0] ? r->reason : "failed",
		 said);
}

static const struct imapc_callbacks ic_callbacks = {
	.send_line = session_cb_send_line,
	.done = ic_done,
	.send_data = session_cb_send_data,
	.start_tls = session_cb_start_tls,
};

/* ---- the connection ------------------------------------------------------ */

static void on_connected(void *ctx)
{
	struct append_job *j = ctx;
	qr_enter(j->q, j->i, QR_IN_SESSION);
}

/* The client had nothing more to say about it. */
static void on_closed(void *ctx)
{
	struct append_job *j = ctx;
	job_fail(j, "4.4.2", "lost connection with %s[%s] while delivering by IMAP", j->server, j->ip);
}

static void on_failed(void *ctx, enum net_fail why)
{
	struct append_job *j = ctx;
	job_fail(j, "4.4.1", "connect to %s[%s]:143: %s", j->server, j->ip,
		 why == NET_REFUSED ? "Connection refused" : "Connection timed out");
}

/* The world ends mid-dialog (a run stopped early). */
static void append_abandon(void *ctx)
{
	job_free_ev(NULL, ctx, 0);
}

void mta_appends_free(struct mta *m)
{
	while (m->appends)
		job_free_ev(NULL, m->appends, 0);
}

static const struct session_owner append_owner = {
	.abandon = append_abandon,
	.connected = on_connected,
	.failed = on_failed,
	.closed = on_closed,
	.timeout = on_timeout,
	.summary = ic_summary,
};

static void on_address(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
		       const struct dns_answer *ans)
{
	struct append_job *j = ctx;
	if (!dns_answer_first_a(ans, j->ip, sizeof j->ip)) {
		job_fail(j, "4.4.3", "Host or domain name not found. Name service error for name=%s type=A: %s",
			 qname, ans ? dns_rcode_name(ans->rcode) : "timed out");
		return;
	}
	struct mta *m = j->q->m;
	struct imapc_append a = {
		.folder = j->folder,
		.data = j->msg.data,
		.len = j->msg.len,
		.flags = j->q->flags,
	};
	/* The password the service was given, which may be out of date. */
	const char *pass = j->login_pass ? j->login_pass : j->target->password;
	struct imapc_config cfg = {.user = j->target->address,
				   .pass = pass ? pass : "",
				   .appends = &a,
				   .nappends = 1};
	struct session_config sc = {.line_kind = TK_IMAP_SEND, .data_kind = TK_IMAP_DATA,
				    .timeout = APPEND_TIMEOUT};
	j->sess = session_new(m->sim, &sc, &append_owner, j);
	session_set_engine(j->sess, &session_imapc_engine, imapc_new(&cfg, &ic_callbacks, j->sess));
	qr_enter(j->q, j->i, QR_CONNECTING);
	session_connect(j->sess, m->host, j->ip, 143);
}

void mta_append_start(struct qentry *q, size_t i, const struct scn_user *target, const char *server,
		      const char *password)
{
	struct mta *m = q->m;
	struct append_job *j = xcalloc(1, sizeof *j);
	j->m = q->m;
	j->next = q->m->appends;
	if (j->next)
		j->next->prev = j;
	q->m->appends = j;
	j->q = q;
	j->i = i;
	j->target = target;
	j->login_pass = password;
	snprintf(j->server, sizeof j->server, "%s", server);
	snprintf(j->folder, sizeof j->folder, "%s", q->folder ? q->folder : "INBOX");
	/* The final delivery agent records the reverse-path [RFC 5321 §4.4]. */
	sb_init(&j->msg);
	sb_append(&j->msg, q->data, q->len);
	char rp[600];
	snprintf(rp, sizeof rp, "<%s>", q->sender);
	msg_prepend_header(&j->msg, "Return-Path", rp);
	q->active_jobs++;
	qr_enter(q, i, QR_RESOLVING);
	char why[600];
	snprintf(why, sizeof why, "deliver %s by IMAP APPEND into %s of %s at %s", q->r[i].addr,
		 j->folder, target->address, server);
	mta_policy_event(m, PD_DELIVER, q->r[i].addr, why);
	if (!m->host->resolver) {
		job_fail(j, "4.3.0", "no resolver configured");
		return;
	}
	resolver_query(m->host->resolver, server, DNS_T_A, on_address, j);
}
