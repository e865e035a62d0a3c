/* mailstore.c — see mailstore.h. */
#include "mailstore.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A block of stored messages (mailstore.h): each message is its bytes, a
 * NUL, its tag and a NUL, one after the other. live counts the messages
 * in it (and the store's hold on its fill block); dead is the bytes of the
 * messages removed from it, which stay until the block goes. */
#define MS_BLOCK_BYTES ((size_t)1 << 20)
#define MS_COMPACT_MIN (4 * MS_BLOCK_BYTES)

struct ms_block {
	struct mailstore *ms;
	size_t live, used, cap, dead;
	bool own;                /* one large message's block */
	char bytes[];
};

static size_t footprint(const struct stored_msg *m)
{
	return m->len + strlen(m->tag) + 2;
}

static void block_drop(struct ms_block *b)
{
	if (b && --b->live == 0) {
		b->ms->dead -= b->dead;
		free(b);
	}
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
	*nb = (struct ms_block){.ms = ms, .cap = cap, .own = own};
	if (own)
		return nb; /* a large message's own block: the fill block stays */
	block_drop(ms->fill);
	nb->live = 1; /* the store's own hold */
	ms->fill = nb;
	return nb;
}

/* Copy a message's bytes and tag into the store's blocks: m->data and
 * m->tag point at the copy. */
static void block_put(struct mailstore *ms, struct stored_msg *m, const char *head, size_t hlen,
		      const char *rest, size_t rlen, const char *tag)
{
	size_t len = hlen + rlen, tlen = strlen(tag);
	struct ms_block *b = block_room(ms, len + tlen + 2);
	char *p = b->bytes + b->used;
	/* head, rest and tag may lie in the block being filled (compact):
	 * memmove, and the tag measured before anything is written. */
	if (hlen)
		memmove(p, head, hlen);
	if (rlen)
		memmove(p + hlen, rest, rlen);
	p[len] = '\0';
	memmove(p + len + 1, tag, tlen + 1);
	b->used += len + tlen + 2;
	b->live++;
	m->blk = b;
	m->data = p;
	m->tag = p + len + 1;
	m->len = len;
	ms->live += len + tlen + 2;
}

/* Removed messages leave their bytes in blocks that other messages keep
 * (a mailbox that keeps its mail next to one that deletes it, in live
 * mode for days). When the dead bytes outgrow both the live ones and
 * four blocks, the messages of blocks with dead bytes move to fresh
 * blocks and the old ones go: the store never holds more than about
 * twice its messages, and each move is paid for by as many bytes removed
 * before it. Pointers into a message (stored_msg.data) are good until
 * the next removal, as the retrieval servers assume (mstore.h: get's
 * answer is used at once). */
static void compact(struct mailstore *ms)
{
	block_drop(ms->fill);
	ms->fill = NULL;
	for (size_t u = 0; u < ms->nusers; u++)
		for (size_t k = 0; k < ms->users[u].nfolders; k++) {
			struct mfolder *f = &ms->users[u].folders[k];
			for (size_t i = 0; i < f->n; i++) {
				struct stored_msg *m = &f->msgs[i];
				struct ms_block *old = m->blk;
				if (old->own || old->dead == 0) /* fresh blocks have none */
					continue;
				ms->live -= footprint(m);
				block_put(ms, m, NULL, 0, m->data, m->len, m->tag);
				block_drop(old);
			}
		}
	ms->compactions++;
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
	struct stored_msg *m = &f->msgs[f->n++];
	memset(m, 0, sizeof *m);
	block_put(u->ms, m, head, hlen, rest, rlen, tag);
	size_t len = m->len;
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
	struct stored_msg *m = &f->msgs[i];
	struct mailstore *ms = m->blk->ms;
	size_t fp = footprint(m);
	u->usage -= (int64_t)m->len;
	ms->live -= fp;
	ms->dead += fp;
	m->blk->dead += fp;
	block_drop(m->blk);
	free(m->uniq);
	memmove(&f->msgs[i], &f->msgs[i + 1], (f->n - i - 1) * sizeof *f->msgs);
	f->n--;
	if (ms->dead > MS_COMPACT_MIN && ms->dead > ms->live)
		compact(ms);
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
