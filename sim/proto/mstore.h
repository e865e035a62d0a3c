/* mstore.h — the mailbox as a retrieval server (POP3, IMAP) sees it.
 *
 * The host (the simulator's mailbox server, a test, a live-mode adapter)
 * implements struct mstore_ops; pop3d and imapd only ever reach the
 * mailbox through it, so they stay sans-IO and know nothing of maildir,
 * mbox or the simulator's own storage.
 *
 * Invariants the servers rely on:
 *  - Messages in a folder are indexed 0..count-1 in arrival order; a new
 *    delivery is appended (it never shifts existing indices).
 *  - expunge(i) removes message i and the later ones shift down by one, so
 *    the servers expunge from the highest index to the lowest.
 *  - get() returns the message with CRLF line ends; a bare LF is tolerated
 *    and sent (and counted) as CRLF, because both protocols size and frame
 *    messages in CRLF lines [RFC 1939 §10, RFC 3501 §2.3.4].
 *
 * Also here: the flag bits both servers share, the shape of a fetched
 * message both clients return, and three small wire-form helpers. */
#ifndef MAILSIM_MSTORE_H
#define MAILSIM_MSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* IMAP system flags [RFC 3501 §2.3.2]; \Recent is session state, not stored. */
#define MSTORE_SEEN     (1u << 0)
#define MSTORE_ANSWERED (1u << 1)
#define MSTORE_FLAGGED  (1u << 2)
#define MSTORE_DELETED  (1u << 3)
#define MSTORE_DRAFT    (1u << 4)

struct mstore_ops {
	/* Required. user may be "bob" or "bob@example.net". */
	bool (*login)(void *ud, const char *user, const char *pass);
	size_t (*count)(void *ud, const char *folder);   /* POP3 uses "INBOX" */
	/* 0-based; NULL (treated as an empty message) if i vanished. */
	const char *(*get)(void *ud, const char *folder, size_t i, size_t *len);
	/* Unique id: POP3 UIDL [RFC 1939 §7] uses it verbatim (1-70 printable
	 * characters); IMAP uses it as the UID when it is a decimal number,
	 * else index+1 (which is only stable while nothing is expunged). NULL
	 * return means "use index+1". */
	const char *(*uid)(void *ud, const char *folder, size_t i);
	/* Optional (may be NULL): without it flag changes last only for the
	 * IMAP session, and SELECT says so with PERMANENTFLAGS (). */
	void (*set_flags)(void *ud, const char *folder, size_t i, unsigned flags);
	/* Optional: NULL means every message has no flags. */
	unsigned (*get_flags)(void *ud, const char *folder, size_t i);
	/* Required: delete message i (POP3 UPDATE state, IMAP EXPUNGE/CLOSE). */
	void (*expunge)(void *ud, const char *folder, size_t i);
	/* Optional: NULL means only INBOX exists. INBOX is always assumed. */
	bool (*folder_exists)(void *ud, const char *folder);
	/* Optional: the i-th folder name (0-based), NULL past the end. INBOX may
	 * or may not be among them; IMAP LIST adds it once either way. */
	const char *(*list_folders)(void *ud, size_t i);
	/* Optional: is message i \Recent [RFC 3501 §2.3.2]? The first session
	 * to be told about a message gets \Recent for it: with claim the
	 * caller takes it (later calls answer false); without, it only looks
	 * (EXAMINE, STATUS). NULL: no message is ever recent. */
	bool (*recent)(void *ud, const char *folder, size_t i, bool claim);
	/* Optional: the internal date [RFC 3501 §2.3.3] in Unix seconds (the
	 * delivery time, or APPEND's date-time). NULL: 0, the Unix epoch. */
	int64_t (*internal_date)(void *ud, const char *folder, size_t i);
	/* Optional: APPEND [RFC 3501 §6.3.11]: add a message at the end of an
	 * existing folder with flags and, when has_date, that internal date
	 * (else the store's current time). False when it cannot (the server
	 * answers NO). *uid receives the new message's UID. NULL: APPEND is
	 * refused. */
	bool (*append)(void *ud, const char *folder, const char *data, size_t len, unsigned flags,
		       bool has_date, int64_t unix_s, uint32_t *uid);
	/* Optional: a run of expunge() calls is over (POP3 UPDATE, IMAP
	 * EXPUNGE/CLOSE), e.g. to report them as one event. */
	void (*expunged)(void *ud, const char *folder);
};

/* A message as a retrieval client hands it back. */
struct mstore_msg {
	char *data;        /* owned by the client object that fetched it */
	size_t len;
	unsigned flags;    /* MSTORE_* as the server reported them (IMAP); 0 for POP3 */
};

/* Octets of the message on the wire, every line end counted as CRLF. */
static inline size_t mstore_wire_size(const char *b, size_t len)
{
	size_t n = len;
	if (!len)
		return 0; /* b may be NULL then */
	/* from line end to line end (memchr), not octet by octet */
	for (const char *p = b, *end = b + len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		if (p == b || p[-1] != '\r')
			n++;
	return n;
}

/* The message as sent: b itself when it already uses CRLF throughout (the
 * usual case: no copy), else a CRLF copy built in tmp. */
static inline const char *mstore_wire_form(const char *b, size_t len, struct strbuf *tmp,
					   size_t *out_len)
{
	size_t wire = mstore_wire_size(b, len);
	if (wire == len) {
		*out_len = len;
		return b;
	}
	sb_clear(tmp);
	sb_reserve(tmp, wire);
	for (size_t i = 0; i < len; i++) {
		if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
			sb_putc(tmp, '\r');
		sb_putc(tmp, b[i]);
	}
	*out_len = tmp->len;
	return tmp->data;
}

/* Lines in b: each LF ends one, and a non-empty unterminated tail is one. */
static inline size_t mstore_count_lines(const char *b, size_t len)
{
	size_t n = 0;
	if (!len)
		return 0; /* b may be NULL then */
	for (const char *p = b, *end = b + len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		n++;
	return n + (len > 0 && b[len - 1] != '\n');
}

#endif
