/* mime_enc.h — writing text into a message the way a mail program does:
 * header fields folded at whitespace (RFC 5322 §2.1.1, §2.2.3), non-ASCII
 * header text as RFC 2047 encoded-words (UTF-8, B or Q, whichever is
 * shorter), display names as atoms, quoted-strings or encoded-words, and
 * bodies in quoted-printable (RFC 2045 §6.7) when they are not 7bit.
 *
 * Invariants: output lines end in CRLF; a header line is at most 78
 * octets (76 when it holds an encoded-word, RFC 2047 §2) unless a single
 * address is longer; an encoded-word is at most 75 characters and ends on
 * a UTF-8 character boundary; a QP line is at most 76 characters. Every
 * line the encoders write is under 998 octets, so RFC 5321 §4.5.3.1.6
 * servers accept it. */
#ifndef MAILSIM_MIME_ENC_H
#define MAILSIM_MIME_ENC_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define MIME_FOLD_WIDTH 78  /* RFC 5322 §2.1.1: SHOULD */
#define MIME_EW_LINE 76     /* RFC 2047 §2: a line with an encoded-word */
#define MIME_EW_MAX 75      /* RFC 2047 §2: one encoded-word */
#define MIME_QP_LINE 76     /* RFC 2045 §6.7 rule 5 */

/* One mailbox of an address list: display name (NULL or "" for none), address. */
struct mime_mailbox {
	const char *name;
	const char *addr;
};

/* "Name: value\r\n" for unstructured text (Subject, RFC 5322 §3.6.5):
 * words that are not printable ASCII (or look like an encoded-word, or
 * are too long for any line) become encoded-words, adjacent ones in one
 * run; the rest is kept as written. Leading and trailing whitespace of
 * the value is dropped; an empty value gives "Name: \r\n". */
void mime_put_unstructured(struct strbuf *out, const char *name, const char *value);
/* "Name: mailbox,\r\n mailbox\r\n": each mailbox "addr" or
 * "display-name <addr>" (RFC 5322 §3.4), one per line as mutt writes
 * them, each folded further when it does not fit. */
void mime_put_mailboxes(struct strbuf *out, const char *name, const struct mime_mailbox *mb,
			size_t n);

/* Whether text (LF or CRLF line ends) cannot go as 7bit (RFC 2045 §2.7):
 * an octet over 127, a CR not before LF, or a line over 998 octets. */
bool mime_needs_qp(const char *text);
/* text (LF or CRLF line ends) as quoted-printable lines ending in CRLF,
 * the last one too. Soft breaks never split an =XX or a UTF-8 character. */
void mime_qp_encode(const char *text, struct strbuf *out);

/* Octets of a valid UTF-8 sequence at s (n octets left), 0 if invalid. */
size_t utf8_seq(const unsigned char *s, size_t n);
/* The longest prefix of s of at most max octets that ends on a character
 * boundary (a truncated summary must stay valid UTF-8). */
size_t utf8_prefix(const char *s, size_t max);

#endif
