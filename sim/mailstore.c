/* mailstore.c — see mailstore.h. */
#include "mailstore.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A block of stored messages (mailstore.h): each message is its bytes, a
 * NUL, its tag and a NUL, one after the other. live counts the messages
 * in it; the store's fill block is also held by the store. */
#define MS_BLOCK_BYTES ((size_t)1 << 20)

struct ms_block {
	size_t live, used, cap;
	char bytes[];
};

static void block_drop(struct ms_block *b)
{
	if (b && --b->live == 0)
		free(b);
}

/* Room for need bytes: in the fill block, or a new one (the store lets go
 * of the old fill block, which lives on while it has messages). */
static struct ms_block *block_room(struct mailstore *ms, size_t need)
{
	struct ms_block *b = ms->fill;
	if (b && b->cap - b->used >= need)
		return b;
	bool own = need > MS_BLOCK_BYTES / 4;
	size_t cap = own ? need : MS_BLOCK_BYTES - sizeof *b;
	struct ms_block *nb = xmalloc(sizeof *nb + cap);
	nb->live = 0;
	nb->used = 0;
	nb->cap = cap;
	if (own)
		return nb; /* a large message's own block: the fill block stays */
	block_drop(ms->fill);
	nb->live = 1; /* the store's own hold */
	ms->fill = nb;
	return nb;
}

struct mailstore *mailstore_new(const char *hostname)
{
	struct mailstore *ms = xcalloc(1, sizeof *ms);
	strmap_init(&ms->by_key);
	ms->hostname = xstrdup(hostname);
	return ms;
}

static void folder_free(struct mfolder *f)
{
	for (size_t i = 0; i < f->n; i++) {
		block_drop(f->msgs[i].blk);
		free(f->msgs[i].uniq);
	}
	free(f->msgs);
	free(f->name);
}

static char *lower_dup(const char *s)
{
	char *k = xstrdup(s);
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

void mailstore_free(struct mailstore *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->nusers; i++) {
		struct mbox_user *u = &ms->users[i];
		for (size_t k = 0; k < u->nfolders; k++)
			folder_free(&u->folders[k]);
		free(u->folders);
		free(u->address);
		free(u->key);
		free(u->password);
	}
	block_drop(ms->fill);
	strmap_free(&ms->by_key);
	free(ms->users);
	free(ms->watch);
	free(ms->hostname);
	free(ms);
}

struct mbox_user *mailstore_add_user(struct mailstore *ms, const char *address,
				     const char *password, int64_t quota)
{
	if (ms->nusers == ms->capusers) {
		ms->capusers = ms->capusers ? 2 * ms->capusers : 16;
		ms->users = xrealloc(ms->users, ms->capusers * sizeof *ms->users);
	}
	struct mbox_user *u = &ms->users[ms->nusers];
	memset(u, 0, sizeof *u);
	u->ms = ms;
	u->address = xstrdup(address);
	u->key = lower_dup(address);
	size_t old;
	if (!strmap_get(&ms->by_key, u->key, &old)) /* the first of a duplicate wins, as before */
		strmap_put(&ms->by_key, u->key, ms->nusers);
	ms->nusers++;
	u->password = xstrdup(password ? password : "");
	u->quota = quota;
	mbox_folder(u, "INBOX", true);
	return u;
}

struct mbox_user *mailstore_user(struct mailstore *ms, const char *address)
{
	/* The key in lower case: on the stack for any mailbox (RFC 5321
	 * §4.5.3.1.3: a path is at most 256 octets), else on the heap. */
	char buf[320], *k = strlen(address) < sizeof buf ? buf : xstrdup(address);
	size_t i = 0;
	for (const char *p = address; *p; p++)
		k[i++] = (char)tolower((unsigned char)*p);
	k[i] = '\0';
	bool hit = strmap_get(&ms->by_key, k, &i);
	if (k != buf)
		free(k);
	return hit ? &ms->users[i] : NULL;
}

void mailstore_watch(struct mailstore *ms, mailstore_watch_fn fn, void *ud)
{
	ms->watch = xrealloc(ms->watch, (ms->nwatch + 1) * sizeof *ms->watch);
	ms->watch[ms->nwatch].fn = fn;
	ms->watch[ms->nwatch++].ud = ud;
}

struct mbox_user *mailstore_login(struct mailstore *ms, const char *user, const char *pass)
{
	struct mbox_user *u = mailstore_user(ms, user);
	if (!u) {
		size_t ul = strlen(user);
		for (size_t i = 0; i < ms->nusers; i++) {
			const char *a = ms->users[i].address;
			if (ascii_strncaseeq(a, user, ul) && a[ul] == '@') {
				if (u)
					return NULL; /* ambiguous local part */
				u = &ms->users[i];
			}
		}
	}
	return u && strcmp(u->password, pass) == 0 ? u : NULL;
}

struct mfolder *mbox_folder(struct mbox_user *u, const char *name, bool create)
{
	for (size_t i = 0; i < u->nfolders; i++)
		if (ascii_strcaseeq(u->folders[i].name, name))
			return &u->folders[i];
	if (!create)
		return NULL;
	u->folders = xrealloc(u->folders, (u->nfolders + 1) * sizeof *u->folders);
	struct mfolder *f = &u->folders[u->nfolders++];
	memset(f, 0, sizeof *f);
	f->name = xstrdup(name);
	f->next_uid = 1;
	return f;
}

int64_t mbox_usage(const struct mbox_user *u)
{
	return u->usage;
}

struct stored_msg *mbox_store2(struct mbox_user *u, const char *folder, const char *head,
			       size_t hlen, const char *rest, size_t rlen, int64_t now,
			       int64_t unix_us, const char *tag)
{
	struct mfolder *f = mbox_folder(u, folder, true);
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->msgs = xrealloc(f->msgs, f->cap * sizeof *f->msgs);
	}
	if (!tag)
		tag = "";
	size_t len = hlen + rlen, tlen = strlen(tag);
	struct ms_block *b = block_room(u->ms, len + tlen + 2);
	char *p = b->bytes + b->used;
	b->used += len + tlen + 2;
	b->live++;
	struct stored_msg *m = &f->msgs[f->n++];
	memset(m, 0, sizeof *m);
	m->blk = b;
	m->data = p;
	if (hlen)
		memcpy(p, head, hlen);
	if (rlen)
		memcpy(p + hlen, rest, rlen);
	p[len] = '\0';
	m->tag = p + len + 1;
	memcpy(m->tag, tag, tlen + 1);
	m->len = len;
	u->usage += (int64_t)len;
	m->uid = f->next_uid++;
	m->stored_at = now;
	m->unix_us = unix_us;
	m->seq = ++u->ms->counter;
	m->recent = true;
	/* m stays valid: watchers must not store (mailstore.h) */
	for (size_t i = 0; u->ms && i < u->ms->nwatch; i++)
		u->ms->watch[i].fn(u->ms->watch[i].ud, u, f->name);
	return m;
}

struct stored_msg *mbox_store(struct mbox_user *u, const char *folder, const char *data,
			      size_t len, int64_t now, int64_t unix_us, const char *tag)
{
	return mbox_store2(u, folder, NULL, 0, data, len, now, unix_us, tag);
}

void mfolder_remove(struct mbox_user *u, struct mfolder *f, size_t i)
{
	if (i >= f->n)
		return;
	u->usage -= (int64_t)f->msgs[i].len;
	block_drop(f->msgs[i].blk);
	free(f->msgs[i].uniq);
	memmove(&f->msgs[i], &f->msgs[i + 1], (f->n - i - 1) * sizeof *f->msgs);
	f->n--;
}

/* --- names that become paths ----------------------------------------------- */

const char *mailstore_name_problem(const char *name, size_t len)
{
	if (len == 0)
		return "is empty";
	if (name[0] == '.')
		return "starts with \".\"";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '\0')
			return "contains a NUL character";
		if (c == '/')
			return "contains \"/\"";
		if (c == '\\')
			return "contains a backslash";
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
		if (c == '.' && i + 1 < len && name[i + 1] == '.')
			return "contains \"..\"";
	}
	return NULL;
}
