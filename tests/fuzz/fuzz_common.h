/* fuzz_common.h — small helpers shared by the libFuzzer targets: a cursor
 * over the fuzz input, and an in-memory mailbox (struct mstore_ops) for the
 * POP3 and IMAP servers. Header-only so each target stays one file. */
#ifndef MAILSIM_FUZZ_COMMON_H
#define MAILSIM_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstore.h"
#include "util.h"

/* ---- a cursor over the input ------------------------------------------- */

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_byte(struct fz *f)
{
	if (f->n == 0)
		return 0;
	f->n--;
	return *f->p++;
}

/* The next line (without its LF), as a fresh NUL-terminated string; NUL
 * bytes inside are kept as they come (C consumers stop there). NULL when
 * the input is used up. */
static inline char *fz_line(struct fz *f)
{
	if (f->n == 0)
		return NULL;
	const uint8_t *nl = memchr(f->p, '\n', f->n);
	size_t len = nl ? (size_t)(nl - f->p) : f->n;
	char *s = xstrndup((const char *)f->p, len);
	f->p += len + (nl != NULL);
	f->n -= len + (nl != NULL);
	return s;
}

/* ---- an in-memory mailbox ----------------------------------------------- */

#define FZ_FOLDERS 3
#define FZ_MSGS 4

struct fz_folder {
	const char *name;
	char *msg[FZ_MSGS];
	size_t len[FZ_MSGS];
	char uid[FZ_MSGS][16];
	unsigned flags[FZ_MSGS];
	size_t n;
};

struct fz_store {
	struct fz_folder f[FZ_FOLDERS];
};

static const char *const fz_messages[] = {
	("From: alice@example.org\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
	 "Message-ID: <1@example.org>\r\n\r\nHi Bob,\r\n.hidden dot line\r\n..two dots\r\nBye\r\n"),
	"Subject: two\r\n\r\nsecond\r\n",
	"Subject: bare LF\n\n.\nthird\n",
	"",
};

static inline void fz_store_init(struct fz_store *s)
{
	static const char *const names[FZ_FOLDERS] = {"INBOX", "Junk", "Sent Items"};
	memset(s, 0, sizeof(*s));
	for (size_t k = 0; k < FZ_FOLDERS; k++) {
		struct fz_folder *f = &s->f[k];
		f->name = names[k];
		for (size_t i = 0; i < FZ_MSGS - k; i++) {
			f->msg[i] = xstrdup(fz_messages[i]);
			f->len[i] = strlen(fz_messages[i]);
			snprintf(f->uid[i], sizeof(f->uid[i]), "%zu", 100 * k + i + 1);
			f->flags[i] = i == 1 ? MSTORE_SEEN : 0;
			f->n++;
		}
	}
}

static inline void fz_store_free(struct fz_store *s)
{
	for (size_t k = 0; k < FZ_FOLDERS; k++)
		for (size_t i = 0; i < s->f[k].n; i++)
			free(s->f[k].msg[i]);
}

static inline struct fz_folder *fz_folder(void *ud, const char *name)
{
	struct fz_store *s = ud;
	for (size_t k = 0; k < FZ_FOLDERS; k++)
		if (strcmp(s->f[k].name, name) == 0)
			return &s->f[k];
	return NULL;
}

static inline bool fz_login(void *ud, const char *user, const char *pass)
{
	return (strcmp(user, "bob") == 0 || strcmp(user, "bob@example.net") == 0) &&
	       strcmp(pass, "secret") == 0;
}

static inline size_t fz_count(void *ud, const char *folder)
{
	struct fz_folder *f = fz_folder(ud, folder);
	return f ? f->n : 0;
}

static inline const char *fz_get(void *ud, const char *folder, size_t i, size_t *len)
{
	struct fz_folder *f = fz_folder(ud, folder);
	if (!f || i >= f->n)
		return NULL;
	*len = f->len[i];
	return f->msg[i];
}

static inline const char *fz_uid(void *ud, const char *folder, size_t i)
{
	struct fz_folder *f = fz_folder(ud, folder);
	return f && i < f->n ? f->uid[i] : NULL;
}

/* The servers must only name messages that exist: abort otherwise, so the
 * fuzzer reports it as a crash. */
static inline void fz_set_flags(void *ud, const char *folder, size_t i, unsigned flags)
{
	struct fz_folder *f = fz_folder(ud, folder);
	if (!f || i >= f->n)
		abort();
	f->flags[i] = flags;
}

static inline unsigned fz_get_flags(void *ud, const char *folder, size_t i)
{
	struct fz_folder *f = fz_folder(ud, folder);
	return f && i < f->n ? f->flags[i] : 0;
}

static inline void fz_expunge(void *ud, const char *folder, size_t i)
{
	struct fz_folder *f = fz_folder(ud, folder);
	if (!f || i >= f->n)
		abort();
	free(f->msg[i]);
	for (size_t k = i; k + 1 < f->n; k++) {
		f->msg[k] = f->msg[k + 1];
		f->len[k] = f->len[k + 1];
		memcpy(f->uid[k], f->uid[k + 1], sizeof(f->uid[k]));
		f->flags[k] = f->flags[k + 1];
	}
	f->n--;
}

static inline bool fz_exists(void *ud, const char *folder)
{
	return fz_folder(ud, folder) != NULL;
}

static inline const char *fz_list(void *ud, size_t i)
{
	struct fz_store *s = ud;
	return i < FZ_FOLDERS ? s->f[i].name : NULL;
}

static const struct mstore_ops fz_store_ops = {
	.login = fz_login, .count = fz_count, .get = fz_get, .uid = fz_uid,
	.set_flags = fz_set_flags, .get_flags = fz_get_flags, .expunge = fz_expunge,
	.folder_exists = fz_exists, .list_folders = fz_list,
};

/* ---- callbacks shared by the retrieval targets ---------------------------- */

struct fz_sess {
	bool closed;
	int done_calls;
};

/* A protocol line is one line: the host adds the CRLF. */
static inline void fz_send_line(void *ud, const char *line)
{
	if (!line || strpbrk(line, "\r\n"))
		__builtin_trap();
}

static inline void fz_send_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	if (len && !bytes)
		__builtin_trap();
}

static inline void fz_close(void *ud)
{
	((struct fz_sess *)ud)->closed = true;
}

/* A fetching client's result: reported once, with a reason and readable
 * messages. */
static inline void fz_fetch_done(struct fz_sess *f, const char *reason,
				 const struct mstore_msg *msgs, size_t n)
{
	if (++f->done_calls > 1 || !reason)
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if (msgs[i].len && !msgs[i].data)
			__builtin_trap();
	f->closed = true;
}

/* Feed bytes in chunks: whole when mode is 0, else in pieces of mode bytes
 * (1 = byte by byte), as TCP may split them. */
#define FZ_FEED(fn, obj, data, len, mode, stop)                                      \
	do {                                                                           \
		size_t fz_off_ = 0, fz_step_ = (mode) ? (size_t)(mode) : (len);        \
		while (fz_off_ < (len) && !(stop)) {                                   \
			size_t fz_k_ = (len) - fz_off_ < fz_step_ ? (len) - fz_off_ : fz_step_; \
			fn((obj), (const char *)(data) + fz_off_, fz_k_);              \
			fz_off_ += fz_k_;                                              \
		}                                                                      \
	} while (0)

#endif
