/* retrieval.c — see retrieval.h. One session object per connection; the
 * mailbox is reached through struct mstore_ops bound to the user who
 * logged in on that session.
 *
 * New mail: the IMAP listener watches the mailstore; a store schedules a
 * zero-delay event (so the trace shows mailbox.store first) that tells
 * every live IMAP session of that user, and a session in IDLE pushes
 * "* n EXISTS" at that same simulated instant [RFC 2177]. Expunges (POP3
 * UPDATE, IMAP EXPUNGE/CLOSE) are one mailbox.expunge event per run. */
#include "retrieval.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "imap.h"
#include "pop3.h"
#include "scenario.h"
#include "session.h"
#include "util.h"

struct rsession;

struct listen_ctx {
	struct sim *sim;
	struct mailstore *ms;   /* not owned */
	bool imap;
	bool starttls;          /* the host offers TLS: IMAP STARTTLS (no LOGIN before
				 * it), POP3 STLS */
	bool implicit_tls;      /* 993 / 995: the session begins inside TLS */
	struct rsession *live;  /* the IMAP sessions still open (not owned here) */
};

struct rsession {
	struct listen_ctx *l;
	struct session *sess;   /* owned: the connection and the engine */
	struct mbox_user *user; /* not owned; NULL until login */
	struct imapd *imap;     /* the engine when IMAP (owned by sess), for new-mail news */
	struct rsession *next;  /* in l->live */
	char **gone;            /* owned: scenario ids of the messages just expunged */
	size_t ngone;
};

/* ---- the mailbox as the servers see it -------------------------------------- */

static bool st_login(void *ud, const char *user, const char *pass)
{
	struct rsession *s = ud;
	s->user = mailstore_login(s->l->ms, user, pass);
	return s->user != NULL;
}

static struct mfolder *st_folder(struct rsession *s, const char *folder)
{
	return s->user ? mbox_folder(s->user, folder, false) : NULL;
}

static size_t st_count(void *ud, const char *folder)
{
	struct mfolder *f = st_folder(ud, folder);
	return f ? f->n : 0;
}

/* A message a client has read (POP3's maildrop scan and RETR/TOP, an IMAP
 * FETCH of its text) is no longer new: the Maildir export puts it in cur/,
 * as Dovecot moves it there once a session has seen it. */
static const char *st_get(void *ud, const char *folder, size_t i, size_t *len)
{
	struct mfolder *f = st_folder(ud, folder);
	if (!f || i >= f->n)
		return NULL;
	f->msgs[i].noticed = true;
	*len = f->msgs[i].len;
	return f->msgs[i].data;
}

static const char *st_uid(void *ud, const char *folder, size_t i)
{
	static char buf[32]; /* valid until the next call, as servers use it */
	struct mfolder *f = st_folder(ud, folder);
	if (!f || i >= f->n)
		return NULL;
	fmt_snprintf(buf, sizeof buf, "%u", (unsigned)f->msgs[i].uid);
	return buf;
}

/* mailstore's MFLAG_* bits are defined in the same order as MSTORE_*. */
static void st_set_flags(void *ud, const char *folder, size_t i, unsigned flags)
{
	struct mfolder *f = st_folder(ud, folder);
	if (f && i < f->n)
		f->msgs[i].flags = flags;
}

static unsigned st_get_flags(void *ud, const char *folder, size_t i)
{
	struct mfolder *f = st_folder(ud, folder);
	return f && i < f->n ? f->msgs[i].flags : 0;
}

static void st_expunge(void *ud, const char *folder, size_t i)
{
	struct rsession *s = ud;
	struct mfolder *f = st_folder(s, folder);
	if (!f || i >= f->n)
		return;
	s->gone = xrealloc(s->gone, (s->ngone + 1) * sizeof *s->gone);
	s->gone[s->ngone++] = xstrdup(f->msgs[i].tag);
	mfolder_remove(s->user, f, i);
}

static void rs_forget_gone(struct rsession *s)
{
	for (size_t i = 0; i < s->ngone; i++)
		free(s->gone[i]);
	free(s->gone);
	s->gone = NULL;
	s->ngone = 0;
}

/* The store really lost these messages: POP3's UPDATE state [RFC 1939
 * §6] or IMAP's EXPUNGE/CLOSE [RFC 3501 §6.4.2-3]. */
static void st_expunged(void *ud, const char *folder)
{
	struct rsession *s = ud;
	struct trace *tr = s->l->sim->trace;
	trace_begin(tr, s->l->sim->now, TK_MAILBOX_EXPUNGE);
	struct conn *c = session_conn(s->sess);
	trace_node(tr, c->srv->name);
	trace_peer(tr, c->cli->name);
	trace_conn(tr, c->id);
	trace_str(tr, "user", s->user ? s->user->address : "");
	trace_str(tr, "folder", folder);
	trace_str(tr, "protocol", s->l->imap ? "imap" : "pop3");
	trace_int(tr, "count", (int64_t)s->ngone);
	trace_strv(tr, "msgs", (const char *const *)s->gone, s->ngone);
	trace_end(tr);
	rs_forget_gone(s);
}

/* \Recent belongs to the first session told of the message. */
static bool st_recent(void *ud, const char *folder, size_t i, bool claim)
{
	struct mfolder *f = st_folder(ud, folder);
	if (!f || i >= f->n || !f->msgs[i].recent)
		return false;
	if (claim)
		f->msgs[i].recent = false;
	return true;
}

/* The delivery time on the simulated clock, never the machine's. */
static int64_t st_internal_date(void *ud, const char *folder, size_t i)
{
	struct mfolder *f = st_folder(ud, folder);
	return f && i < f->n ? f->msgs[i].unix_us / 1000000 : 0;
}

static bool st_append(void *ud, const char *folder, const char *data, size_t len,
		      unsigned flags, bool has_date, int64_t unix_s, uint32_t *uid)
{
	struct rsession *s = ud;
	struct sim *sim = s->l->sim;
	if (!s->user || (s->user->quota && mbox_usage(s->user) + (int64_t)len > s->user->quota))
		return false;
	int64_t when = has_date ? unix_s * 1000000 : sim->epoch_unix_us + sim->now;
	const char *tag = sim_tag_find(sim, data, len);
	struct stored_msg *m = mbox_store(s->user, folder, data, len, sim->now, when, tag);
	m->flags = flags;
	*uid = m->uid;
	/* Stored here, by IMAP: the same event as a local delivery. */
	trace_begin(sim->trace, sim->now, TK_MAILBOX_STORE);
	trace_node(sim->trace, s->l->ms->hostname);
	trace_msg(sim->trace, tag);
	trace_rcpt(sim->trace, s->user->address);
	trace_str(sim->trace, "user", s->user->address);
	trace_str(sim->trace, "folder", folder);
	trace_int(sim->trace, "bytes", (int64_t)len);
	trace_str(sim->trace, "via", "imap-append");
	trace_end(sim->trace);
	return true;
}

static bool st_folder_exists(void *ud, const char *folder)
{
	return st_folder(ud, folder) != NULL;
}

static const char *st_list(void *ud, size_t i)
{
	struct rsession *s = ud;
	return s->user && i < s->user->nfolders ? s->user->folders[i].name : NULL;
}

static const struct mstore_ops store_ops = {
	.login = st_login,
	.count = st_count,
	.get = st_get,
	.uid = st_uid,
	.set_flags = st_set_flags,
	.get_flags = st_get_flags,
	.expunge = st_expunge,
	.folder_exists = st_folder_exists,
	.list_folders = st_list,
	.recent = st_recent,
	.internal_date = st_internal_date,
	.append = st_append,
	.expunged = st_expunged,
};

/* ---- connection glue ---------------------------------------------------------- */

static void rs_free_ev(struct sim *sim, void *ctx, uint64_t arg)
{
	struct rsession *s = ctx;
	session_free(s->sess);
	rs_forget_gone(s);
	free(s);
}

static void rs_unlink(struct rsession *s)
{
	for (struct rsession **p = &s->l->live; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			return;
		}
}

/* The server is done (after LOGOUT / QUIT) or the client went away. */
static void rs_retire(void *ctx)
{
	struct rsession *s = ctx;
	if (session_stopped(s->sess))
		return;
	session_stop(s->sess);
	rs_unlink(s);
	session_hangup(s->sess);
	sim_after(s->l->sim, 0, rs_free_ev, s, 0);
}

static void rs_summary(void *ctx, const char *bytes, size_t len, char *sum, size_t cap,
		       const char **tag)
{
	struct rsession *s = ctx;
	fmt_snprintf(sum, cap, "message");
	*tag = sim_tag_find(s->l->sim, bytes, len);
}

static void rs_abandon(void *ctx)
{
	struct rsession *s = ctx;
	if (!session_stopped(s->sess))
		rs_unlink(s);
	rs_free_ev(NULL, s, 0);
}

static const struct session_owner rs_owner = {
	.abandon = rs_abandon,
	.closed = rs_retire,
	.close = rs_retire,
	.summary = rs_summary,
};
static const struct imapd_callbacks imap_cb = {
	.send_line = session_cb_send_line, .send_data = session_cb_send_data,
	.close = session_cb_close, .start_tls = session_cb_start_tls,
};
static const struct pop3d_callbacks pop3_cb = {
	.send_line = session_cb_send_line, .send_data = session_cb_send_data,
	.close = session_cb_close, .start_tls = session_cb_start_tls,
};

static void rs_accept(void *ctx, struct conn *c)
{
	struct listen_ctx *l = ctx;
	struct rsession *s = xcalloc(1, sizeof *s);
	s->l = l;
	struct session_config sc = {
		.line_kind = l->imap ? TK_IMAP_SEND : TK_POP3_SEND,
		.data_kind = l->imap ? TK_IMAP_DATA : TK_POP3_DATA,
		.implicit_tls = l->implicit_tls,
	};
	s->sess = session_new(l->sim, &sc, &rs_owner, s);
	if (l->imap) {
		struct imapd_config cfg = {.hostname = c->srv->name, .offer_starttls = l->starttls};
		s->imap = imapd_new(&cfg, &imap_cb, s->sess, &store_ops, s);
		session_set_engine(s->sess, &session_imapd_engine, s->imap);
		s->next = l->live;
		l->live = s;
	} else {
		struct pop3d_config cfg = {.hostname = c->srv->name, .offer_stls = l->starttls};
		session_set_engine(s->sess, &session_pop3d_engine,
				   pop3d_new(&cfg, &pop3_cb, s->sess, &store_ops, s));
	}
	session_accept(s->sess, c);
}

static void ev_new_mail(struct sim *sim, void *ctx, uint64_t user_index)
{
	struct listen_ctx *l = ctx;
	for (struct rsession *s = l->live; s; s = s->next)
		if (s->user == &l->ms->users[user_index])
			imapd_mailbox_changed(s->imap, NULL);
}

/* mbox_store's notification: act once the store's own trace is written. */
static void rs_watch(void *ud, struct mbox_user *u, const char *folder)
{
	struct listen_ctx *l = ud;
	sim_after(l->sim, 0, ev_new_mail, l, (uint64_t)(u - l->ms->users));
}

void retrieval_listen(struct sim *sim, struct host *h, struct mailstore *ms,
		      const struct scn_host *cfg)
{
	static const struct {
		enum scn_service svc;
		int port;
		bool imap, implicit;
	} kinds[] = {
		{SCN_SERVICE_IMAP, 143, true, false},  {SCN_SERVICE_POP3, 110, false, false},
		{SCN_SERVICE_IMAPS, 993, true, true},  {SCN_SERVICE_POP3S, 995, false, true},
	};
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		if (!scn_host_has_service(cfg, kinds[k].svc))
			continue;
		struct listen_ctx *l = xcalloc(1, sizeof *l);
		l->sim = sim;
		l->ms = ms;
		l->imap = kinds[k].imap;
		l->implicit_tls = kinds[k].implicit;
		l->starttls = cfg->tls && !l->implicit_tls;
		if (l->imap)
			mailstore_watch(ms, rs_watch, l);
		host_listen(h, kinds[k].port, rs_accept, l);
		host_own(h, l);
	}
}
