/* util.h — small shared helpers for sim/: allocation that cannot fail,
 * a growable byte/string buffer, base64 and ASCII case helpers.
 *
 * Invariants: x* allocators abort on out-of-memory (a bug or an impossible
 * machine, never user input); nothing here touches the clock or the
 * environment. */
#ifndef MAILSIM_UTIL_H
#define MAILSIM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* For an array of megabytes touched at random (the event queue's heaps and
 * slots): n bytes aligned to align (a power of two, at least
 * sizeof(void *)); from 2 MiB up, aligned to and rounded up to whole
 * 2 MiB, and advised MADV_HUGEPAGE (a hint Linux may ignore), so one page
 * fault backs 2 MiB. A fault per 4 KiB costs about 0.25 us on bare metal
 * and about 13 us in a VM whose host backs each page on first touch
 * (measured here: 0.3 GB/s written the first time). Free with free(). */
void *xmalloc_big(size_t n, size_t align);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy the NUL-terminated s to *at, move *at past the copy's NUL and
 * return the copy: packs several strings into one allocation the caller
 * sized for them. */
char *str_pack(char **at, const char *s);

/* Growable buffer; data is always NUL-terminated (len excludes the NUL). */
struct strbuf {
	char *data;   /* owned */
	size_t len;
	size_t cap;
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_clear(struct strbuf *sb);
void sb_reserve(struct strbuf *sb, size_t extra);

/* Inline: the trace writer and the protocol engines append a few bytes at
 * a time, millions of times per run; the growth is the slow path. */
static inline void sb_append(struct strbuf *sb, const char *data, size_t len)
{
	if (sb->len + len + 1 > sb->cap)
		sb_reserve(sb, len);
	if (len)
		memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

static inline void sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

static inline void sb_putc(struct strbuf *sb, char c)
{
	if (sb->len + 2 > sb->cap)
		sb_reserve(sb, 1);
	sb->data[sb->len++] = c;
	sb->data[sb->len] = '\0';
}
/* v in decimal ("%" PRIu64 without the printf machinery): into buf, which
 * needs U64_DIGITS_MAX bytes (NUL included); returns the length. */
#define U64_DIGITS_MAX 21
size_t u64_to_str(uint64_t v, char *buf);
void sb_put_u64(struct strbuf *sb, uint64_t v);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Remove the first n bytes. */
void sb_consume(struct strbuf *sb, size_t n);
/* Hand the buffer to the caller (never NULL); the strbuf is reset. */
char *sb_steal(struct strbuf *sb);

/* A whole file into sb (appended). False with errno set when it cannot be
 * opened or read; the caller reports it. */
bool read_file(const char *path, struct strbuf *sb);

/* RFC 4648 base64. Encode always succeeds; decode returns -1 on bad input,
 * else the decoded length (out gets a NUL after the data). */
char *b64_encode(const unsigned char *data, size_t len);
long b64_decode(const char *in, unsigned char **out);

bool ascii_strcaseeq(const char *a, const char *b);
bool ascii_strncaseeq(const char *a, const char *b, size_t n);
/* Same mailbox: local parts equal byte for byte, domains equal ignoring
 * ASCII case (RFC 5321 §2.4). Postfix's duplicate filter uses this. */
bool addr_same(const char *a, const char *b);
size_t addr_count_distinct(const char *const *v, size_t n);
bool ascii_startswith_ci(const char *s, const char *prefix);
void ascii_lower(char *s);

/* Format µs-since-epoch (Unix epoch, UTC) plus a zone offset in minutes as
 * an RFC 5322 date: "Tue, 14 May 2024 10:15:02 +0200". out >= 40 bytes. */
void rfc5322_date(int64_t unix_us, int tz_minutes, char *out, size_t outsz);
/* The same instant in UTC as C's asctime() writes it, the date format of
 * an mbox From_ line [RFC 4155 §2]: "Tue May 14 08:15:01 2024" (the day of
 * the month padded with a space). out >= 32 bytes. */
void asctime_utc(int64_t unix_us, char *out, size_t outsz);
/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), and
 * back; no libc time zone state involved. */
int64_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
/* Parse "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds; false if malformed. */
bool parse_iso8601_utc(const char *s, int64_t *unix_s);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
