/* export.c — see export.h. */
#include "export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mta.h"
#include "net.h"

/* ---- files and directories ------------------------------------------------- */

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

static bool write_file(const char *path, const char *data, size_t len, char *err, size_t errsz)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
		return false;
	}
	bool ok = fwrite(data, 1, len, f) == len;
	int saved = errno;
	/* fclose() releases the stream even when it fails (a full disk shows
	 * up only when the buffer is flushed): close it exactly once. */
	if (fclose(f) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (!ok)
		snprintf(err, errsz, "cannot write %s: %s", path, strerror(saved));
	return ok;
}

/* ---- names ------------------------------------------------------------------ */

/* name for an error message: unprintable bytes as '?'. */
static void printable(const char *name, char *out, size_t cap)
{
	size_t i = 0;
	for (; name[i] && i + 1 < cap; i++)
		out[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
	out[i] = '\0';
}

static bool name_ok(const struct mailstore *ms, const char *what, const char *name, char *err,
		    size_t errsz)
{
	const char *why = mailstore_name_problem(name, strlen(name));
	if (!why)
		return true;
	char shown[256];
	printable(name, shown, sizeof shown);
	snprintf(err, errsz,
		 "refusing to export %s \"%s\" of %s: the name %s, and names become files "
		 "and directories that must stay inside the export directory",
		 what, shown, ms->hostname, why);
	return false;
}

/* Every address and folder name of the store is a safe path component. */
static bool names_ok(const struct mailstore *ms, char *err, size_t errsz)
{
	for (size_t i = 0; i < ms->nusers; i++) {
		const struct mbox_user *u = &ms->users[i];
		if (!name_ok(ms, "mailbox", u->address, err, errsz))
			return false;
		for (size_t k = 0; k < u->nfolders; k++)
			if (!name_ok(ms, "folder", u->folders[k].name, err, errsz))
				return false;
	}
	return true;
}

/* ---- message text ------------------------------------------------------------ */

/* ^>*From  — a line an mbox reader could take for a separator, once
 * unquoted [RFC 4155 App. A, the mboxrd rule]. */
static bool is_from_line(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && line[i] == '>')
		i++;
	return n - i >= 5 && memcmp(line + i, "From ", 5) == 0;
}

/* Append message d with LF line ends (a CR before LF dropped, other bytes
 * kept). For mbox, quote From lines and end the last line with LF. */
static void append_lf_lines(struct strbuf *out, const char *d, size_t len, bool mbox)
{
	size_t at = 0;
	while (at < len) {
		const char *lf = memchr(d + at, '\n', len - at);
		size_t end = lf ? (size_t)(lf - d) : len;
		size_t n = end - at;
		if (lf && n > 0 && d[end - 1] == '\r')
			n--;
		if (mbox && is_from_line(d + at, n))
			sb_putc(out, '>');
		sb_append(out, d + at, n);
		if (lf || mbox)
			sb_putc(out, '\n');
		at = end + 1;
	}
}

/* The envelope sender recorded at final delivery [RFC 5321 §4.4] from the
 * message's Return-Path header; "MAILER-DAEMON" for the null sender "<>"
 * or a message without one, as Postfix's local(8) writes it. Blanks and
 * control characters would split the From_ line: each becomes '_'. */
static void envelope_sender(const char *d, size_t len, char *out, size_t cap)
{
	snprintf(out, cap, "MAILER-DAEMON");
	size_t at = 0;
	while (at < len) {
		const char *lf = memchr(d + at, '\n', len - at);
		size_t end = lf ? (size_t)(lf - d) : len;
		size_t n = end - at;
		if (n == 0 || (n == 1 && d[at] == '\r'))
			return; /* end of the header */
		if (n > 12 && ascii_strncaseeq(d + at, "Return-Path:", 12)) {
			const char *lt = memchr(d + at, '<', n);
			const char *gt = lt ? memchr(lt, '>', (size_t)(d + end - lt)) : NULL;
			size_t k = gt ? (size_t)(gt - lt - 1) : 0;
			if (k == 0 || k >= cap)
				return;
			for (size_t i = 0; i < k; i++) {
				unsigned char c = (unsigned char)lt[1 + i];
				out[i] = c <= 0x20 || c == 0x7f ? '_' : (char)c;
			}
			out[k] = '\0';
			return;
		}
		at = end + 1;
	}
}

void export_mbox_folder(const struct mfolder *f, struct strbuf *out)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct stored_msg *m = &f->msgs[i];
		char sender[512], date[40];
		envelope_sender(m->data, m->len, sender, sizeof sender);
		asctime_utc(m->unix_us, date, sizeof date);
		sb_printf(out, "From %s %s\n", sender, date);
		append_lf_lines(out, m->data, m->len, true);
		sb_putc(out, '\n');
	}
}

/* ---- Maildir -------------------------------------------------------------- */

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

/* The host part of a unique name, with '/' and ':' escaped as the spec
 * asks ("\057", "\072"). */
static void maildir_host(const char *host, struct strbuf *out)
{
	for (; *host; host++) {
		if (*host == '/')
			sb_puts(out, "\\057");
		else if (*host == ':')
			sb_puts(out, "\\072");
		else
			sb_putc(out, *host);
	}
}

static bool export_message(const struct mailstore *ms, unsigned pid, const char *base,
			   const struct stored_msg *m, char *err, size_t errsz)
{
	/* Deliver as the spec says: write into tmp/, then rename into new/
	 * (unread) or cur/ with the info suffix (read by a client, or flagged). */
	struct strbuf uniq, text;
	sb_init(&uniq);
	sb_init(&text);
	if (m->uniq && mailstore_name_problem(m->uniq, strlen(m->uniq))) {
		/* Made from a spool id: checked here too, where it becomes a name. */
		snprintf(err, errsz, "refusing to export a message of %s named \"%s\": %s",
			 ms->hostname, m->uniq, mailstore_name_problem(m->uniq, strlen(m->uniq)));
		return false;
	}
	if (m->uniq)
		sb_printf(&uniq, "%s.", m->uniq);
	else
		sb_printf(&uniq, "%" PRId64 ".M%06" PRId64 "P%uQ%" PRIu64 ".", m->unix_us / 1000000,
			  m->unix_us % 1000000, pid, m->seq);
	maildir_host(ms->hostname, &uniq);
	char tmp[4096], final[4096], fl[8];
	snprintf(tmp, sizeof tmp, "%s/tmp/%s", base, uniq.data);
	maildir_flags(m->flags, fl);
	if (m->flags || m->noticed)
		snprintf(final, sizeof final, "%s/cur/%s:2,%s", base, uniq.data, fl);
	else
		snprintf(final, sizeof final, "%s/new/%s", base, uniq.data);
	append_lf_lines(&text, m->data, m->len, false);
	bool ok = write_file(tmp, text.data ? text.data : "", text.len, err, errsz);
	if (ok && rename(tmp, final) != 0) {
		snprintf(err, errsz, "cannot rename %s: %s", tmp, strerror(errno));
		ok = false;
	}
	if (ok && m->uniq && (m->flags || m->noticed)) {
		/* A fixed name written before as unread (new/) is now in cur/:
		 * one copy, not two. */
		snprintf(final, sizeof final, "%s/new/%s", base, uniq.data);
		if (unlink(final) != 0 && errno != ENOENT) {
			snprintf(err, errsz, "cannot remove %s: %s", final, strerror(errno));
			ok = false;
		}
	}
	sb_free(&uniq);
	sb_free(&text);
	return ok;
}

bool export_store_maildir(const struct mailstore *ms, unsigned pid, const char *dir, char *err,
			  size_t errsz)
{
	if (!names_ok(ms, err, errsz))
		return false;
	for (size_t i = 0; i < ms->nusers; i++) {
		const struct mbox_user *u = &ms->users[i];
		for (size_t k = 0; k < u->nfolders; k++) {
			const struct mfolder *f = &u->folders[k];
			char base[4096];
			/* Maildir++: INBOX is the top, other folders are ".Name". */
			if (k == 0)
				snprintf(base, sizeof base, "%s/%s", dir, u->address);
			else
				snprintf(base, sizeof base, "%s/%s/.%s", dir, u->address, f->name);
			if (!maildir_skeleton(base, err, errsz))
				return false;
			for (size_t m = 0; m < f->n; m++)
				if (!export_message(ms, pid, base, &f->msgs[m], err, errsz))
					return false;
		}
	}
	return true;
}

/* ---- mbox ------------------------------------------------------------------- */

bool export_store_mbox(const struct mailstore *ms, const char *dir, char *err, size_t errsz)
{
	if (!names_ok(ms, err, errsz))
		return false;
	for (size_t i = 0; i < ms->nusers; i++) {
		const struct mbox_user *u = &ms->users[i];
		char base[4096], path[4096 + 256];
		snprintf(base, sizeof base, "%s/%s", dir, u->address);
		if (!mkdir_p(base, err, errsz))
			return false;
		for (size_t k = 0; k < u->nfolders; k++) {
			struct strbuf text;
			sb_init(&text);
			export_mbox_folder(&u->folders[k], &text);
			snprintf(path, sizeof path, "%s/%s", base, u->folders[k].name);
			bool ok = write_file(path, text.data ? text.data : "", text.len, err, errsz);
			sb_free(&text);
			if (!ok)
				return false;
		}
	}
	return true;
}

/* ---- the whole simulation ---------------------------------------------------- */

static struct mailstore *store_of(struct host *h)
{
	bool keeps_mail = h->role == ROLE_MTA || h->role == ROLE_MAILBOX || h->role == ROLE_FILTER;
	return keeps_mail ? mta_store(h->role_obj) : NULL;
}

/* Check every store's names before writing anything, then write each. */
static bool export_all(struct sim *sim, const char *dir, bool maildir, char *err, size_t errsz)
{
	for (size_t i = 0; i < sim->nhosts; i++) {
		struct mailstore *ms = store_of(sim->hosts[i]);
		if (ms && !names_ok(ms, err, errsz))
			return false;
	}
	if (!mkdir_p(dir, err, errsz))
		return false;
	for (size_t i = 0; i < sim->nhosts; i++) {
		struct mailstore *ms = store_of(sim->hosts[i]);
		if (!ms)
			continue;
		bool ok = maildir ? export_store_maildir(ms, (unsigned)i + 1, dir, err, errsz)
				  : export_store_mbox(ms, dir, err, errsz);
		if (!ok)
			return false;
	}
	return true;
}

bool export_maildir(struct sim *sim, const char *dir, char *err, size_t errsz)
{
	return export_all(sim, dir, true, err, errsz);
}

bool export_mbox(struct sim *sim, const char *dir, char *err, size_t errsz)
{
	return export_all(sim, dir, false, err, errsz);
}
