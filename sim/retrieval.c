/* retrieval.c — see retrieval.h. One session object per connection; the
 * mailbox is reached through struct mstore_ops bound to the user who
 * logged in on that session. */
#include "retrieval.h"

#include <stdlib.h>
#include <string.h>

#include "imap.h"
#include "pop3.h"
#include "util.h"

struct listen_ctx {
	struct sim *sim;
	struct mailstore *ms;   /* not owned */
	bool imap;
};

struct rsession {
	struct listen_ctx *l;
	struct conn *c;
	struct mbox_user *user; /* not owned; NULL until login */
	struct imapd *imap;     /* owned */
	struct pop3d *pop3;     /* owned */
	bool closed;
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
	snprintf(buf, sizeof buf, "%u", (unsigned)f->msgs[i].uid);
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
	struct mfolder *f = st_folder(ud, folder);
	if (f)
		mfolder_remove(f, i);
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
};

/* ---- connection glue ---------------------------------------------------------- */

static const char *kind_line(const struct rsession *s)
{
	return s->l->imap ? "imap.send" : "pop3.send";
}

static void rs_free_ev(struct sim *sim, void *ctx, uint64_t arg)
{
	struct rsession *s = ctx;
	imapd_free(s->imap);
	pop3d_free(s->pop3);
	free(s);
}

static void rs_retire(struct rsession *s)
{
	if (s->closed)
		return;
	s->closed = true;
	net_close(s->c, SIDE_SERVER);
	sim_after(s->l->sim, 0, rs_free_ev, s, 0);
}

static void rs_send_line(void *ud, const char *line)
{
	struct rsession *s = ud;
	net_send_line(s->c, SIDE_SERVER, kind_line(s), line);
}

static void rs_send_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	struct rsession *s = ud;
	const char *tag = sim_tag_find(s->l->sim, bytes, len);
	net_send_block(s->c, SIDE_SERVER, s->l->imap ? "imap.data" : "pop3.data", bytes, len, nlines,
		       "message", tag);
}

static void rs_close(void *ud)
{
	rs_retire(ud);
}

static void rs_data(void *ctx, struct conn *c, const char *data, size_t len)
{
	struct rsession *s = ctx;
	if (s->closed)
		return;
	if (s->imap)
		imapd_feed(s->imap, data, len);
	else
		pop3d_feed(s->pop3, data, len);
}

static void rs_closed(void *ctx, struct conn *c)
{
	struct rsession *s = ctx;
	if (s->closed)
		return;
	if (s->imap)
		imapd_disconnected(s->imap);
	else
		pop3d_disconnected(s->pop3);
	rs_retire(s);
}

static const struct conn_ops rs_ops = {.data = rs_data, .closed = rs_closed};
static const struct imapd_callbacks imap_cb = {rs_send_line, rs_send_data, rs_close, NULL};
static const struct pop3d_callbacks pop3_cb = {rs_send_line, rs_send_data, rs_close, NULL};

static void rs_accept(void *ctx, struct conn *c)
{
	struct listen_ctx *l = ctx;
	struct rsession *s = xcalloc(1, sizeof *s);
	s->l = l;
	s->c = c;
	c->ops[SIDE_SERVER] = &rs_ops;
	c->ctx[SIDE_SERVER] = s;
	if (l->imap) {
		struct imapd_config cfg = {.hostname = c->srv->name};
		s->imap = imapd_new(&cfg, &imap_cb, s, &store_ops, s);
		imapd_start(s->imap);
	} else {
		struct pop3d_config cfg = {.hostname = c->srv->name};
		s->pop3 = pop3d_new(&cfg, &pop3_cb, s, &store_ops, s);
		pop3d_start(s->pop3);
	}
}

void retrieval_listen(struct sim *sim, struct host *h, struct mailstore *ms, bool imap, bool pop3)
{
	for (int k = 0; k < 2; k++) {
		bool is_imap = k == 0;
		if (!(is_imap ? imap : pop3))
			continue;
		struct listen_ctx *l = xcalloc(1, sizeof *l);
		l->sim = sim;
		l->ms = ms;
		l->imap = is_imap;
		host_listen(h, is_imap ? 143 : 110, rs_accept, l);
		host_own(h, l);
	}
}
