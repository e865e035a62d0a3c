/* mailstore.c — see mailstore.h. */
#include "mailstore.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

struct mailstore *mailstore_new(const char *hostname)
{
	struct mailstore *ms = xcalloc(1, sizeof *ms);
	ms->hostname = xstrdup(hostname);
	return ms;
}

static void folder_free(struct mfolder *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->msgs[i].data);
		free(f->msgs[i].tag);
	}
	free(f->msgs);
	free(f->name);
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
		free(u->password);
	}
	free(ms->users);
	free(ms->watch);
	free(ms->hostname);
	free(ms);
}

struct mbox_user *mailstore_add_user(struct mailstore *ms, const char *address,
				     const char *password, int64_t quota)
{
	ms->users = xrealloc(ms->users, (ms->nusers + 1) * sizeof *ms->users);
	struct mbox_user *u = &ms->users[ms->nusers++];
	memset(u, 0, sizeof *u);
	u->ms = ms;
	u->address = xstrdup(address);
	u->password = xstrdup(password ? password : "");
	u->quota = quota;
	mbox_folder(u, "INBOX", true);
	return u;
}

struct mbox_user *mailstore_user(struct mailstore *ms, const char *address)
{
	for (size_t i = 0; i < ms->nusers; i++)
		if (ascii_strcaseeq(ms->users[i].address, address))
			return &ms->users[i];
	return NULL;
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
	int64_t n = 0;
	for (size_t i = 0; i < u->nfolders; i++)
		for (size_t k = 0; k < u->folders[i].n; k++)
			n += (int64_t)u->folders[i].msgs[k].len;
	return n;
}

struct stored_msg *mbox_store(struct mbox_user *u, const char *folder, const char *data,
			      size_t len, int64_t now, int64_t unix_us, const char *tag)
{
	struct mfolder *f = mbox_folder(u, folder, true);
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->msgs = xrealloc(f->msgs, f->cap * sizeof *f->msgs);
	}
	struct stored_msg *m = &f->msgs[f->n++];
	memset(m, 0, sizeof *m);
	m->data = xstrndup(data, len);
	m->len = len;
	m->uid = f->next_uid++;
	m->stored_at = now;
	m->unix_us = unix_us;
	m->tag = xstrdup(tag ? tag : "");
	m->recent = true;
	/* m stays valid: watchers must not store (mailstore.h) */
	for (size_t i = 0; u->ms && i < u->ms->nwatch; i++)
		u->ms->watch[i].fn(u->ms->watch[i].ud, u, f->name);
	return m;
}

void mfolder_remove(struct mfolder *f, size_t i)
{
	if (i >= f->n)
		return;
	free(f->msgs[i].data);
	free(f->msgs[i].tag);
	memmove(&f->msgs[i], &f->msgs[i + 1], (f->n - i - 1) * sizeof *f->msgs);
	f->n--;
}

/* --- Maildir export (https://cr.yp.to/proto/maildir.html) ------------------ */

static bool mkdir_p(const char *path, char *err, size_t errsz)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		goto fail;
	return true;
fail:
	snprintf(err, errsz, "cannot create directory %s: %s", buf, strerror(errno));
	return false;
}

static bool maildir_skeleton(const char *base, char *err, size_t errsz)
{
	static const char *const sub[] = {"cur", "new", "tmp"};
	for (size_t i = 0; i < ARRAY_LEN(sub); i++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", base, sub[i]);
		if (!mkdir_p(p, err, errsz))
			return false;
	}
	return true;
}

/* Flags in ASCII order after ":2," (D F P R S T). */
static void maildir_flags(unsigned flags, char *out)
{
	if (flags & MFLAG_DRAFT)
		*out++ = 'D';
	if (flags & MFLAG_FLAGGED)
		*out++ = 'F';
	if (flags & MFLAG_ANSWERED)
		*out++ = 'R';
	if (flags & MFLAG_SEEN)
		*out++ = 'S';
	if (flags & MFLAG_DELETED)
		*out++ = 'T';
	*out = '\0';
}

static bool write_file(const char *path, const char *data, size_t len, char *err, size_t errsz)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return false;
	}
	return true;
}

static bool export_message(struct mailstore *ms, const char *base, const struct stored_msg *m,
			   char *err, size_t errsz)
{
	/* Deliver as the spec says: write into tmp/, then rename into new/
	 * (unread) or cur/ with the info suffix (seen or flagged). */
	char uniq[512], tmp[4096], final[4096], fl[8];
	uint64_t n = ++ms->counter;
	snprintf(uniq, sizeof uniq, "%" PRId64 ".M%06" PRId64 "Q%" PRIu64 ".%s",
		 m->unix_us / 1000000, m->unix_us % 1000000, n, ms->hostname);
	snprintf(tmp, sizeof tmp, "%s/tmp/%s", base, uniq);
	maildir_flags(m->flags, fl);
	if (m->flags)
		snprintf(final, sizeof final, "%s/cur/%s:2,%s", base, uniq, fl);
	else
		snprintf(final, sizeof final, "%s/new/%s", base, uniq);
	if (!write_file(tmp, m->data, m->len, err, errsz))
		return false;
	if (rename(tmp, final) != 0) {
		snprintf(err, errsz, "cannot rename %s: %s", tmp, strerror(errno));
		return false;
	}
	return true;
}

bool mailstore_export_maildir(struct mailstore *ms, const char *dir, char *err, size_t errsz)
{
	for (size_t i = 0; i < ms->nusers; i++) {
		struct mbox_user *u = &ms->users[i];
		for (size_t k = 0; k < u->nfolders; k++) {
			struct mfolder *f = &u->folders[k];
			char base[4096];
			/* Maildir++: INBOX is the top, other folders are ".Name". */
			if (k == 0)
				snprintf(base, sizeof base, "%s/%s", dir, u->address);
			else
				snprintf(base, sizeof base, "%s/%s/.%s", dir, u->address, f->name);
			if (!maildir_skeleton(base, err, errsz))
				return false;
			for (size_t m = 0; m < f->n; m++)
				if (!export_message(ms, base, &f->msgs[m], err, errsz))
					return false;
		}
	}
	return true;
}
