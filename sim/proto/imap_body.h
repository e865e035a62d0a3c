/* imap_body.h — what IMAP says about a message without sending it whole:
 * the MIME structure (FETCH BODYSTRUCTURE and BODY [RFC 3501 §7.4.2]),
 * the envelope (FETCH ENVELOPE) and the internal date (INTERNALDATE, the
 * APPEND date-time [RFC 3501 §2.3.3, §9 date-time]).
 *
 * Pure functions of the message bytes (CRLF wire form, as imapd sends it)
 * and of a Unix time; no clock, no I/O.
 *
 * Output conventions: the text is appended to a strbuf as IMAP data. A
 * string that cannot be a quoted string (CR, LF, NUL or 8-bit octets) is
 * written as a literal "{n}\r\n<n octets>" in place; nothing else in the
 * output contains CRLF, so a sender can split the text at each CRLF:
 * the line before it ends in "{n}" and n octets of literal follow. */
#ifndef MAILSIM_IMAP_BODY_H
#define MAILSIM_IMAP_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Nesting followed in BODYSTRUCTURE (multipart in multipart,
 * message/rfc822); deeper parts are described as opaque leaves. */
#define IMAP_MIME_MAX_DEPTH 16

/* One MIME entity: its header block and its body, as offsets into the
 * message. For a multipart, the parts between its boundaries; for a
 * message/rfc822, the one encapsulated message. */
struct mime_part {
	size_t hdr_off, hdr_len;  /* the header block including the blank line */
	size_t body_off, body_len;
	bool digest_child;        /* inside multipart/digest: default message/rfc822 [RFC 2046 §5.1.5] */
	struct mime_part *kids;   /* owned */
	size_t nkids;
};

/* Parse the MIME tree of a whole message (len octets at msg). */
void mime_parse(const char *msg, size_t len, struct mime_part *root);
void mime_free(struct mime_part *p);

/* The header block: up to and including the empty line that ends it, or
 * all len octets when there is none [RFC 5322 §2.1]. */
size_t mime_header_len(const char *b, size_t len);
/* The unfolded value of the first header field called name in the header
 * block [h, h+hlen); false (out left empty) when there is none. */
bool mime_header(const char *h, size_t hlen, const char *name, struct strbuf *out);

/* BODYSTRUCTURE (ext true: with the extension data) or BODY (ext false)
 * of the message [RFC 3501 §7.4.2, §9 body]. */
void imap_bodystructure(const char *msg, size_t len, bool ext, struct strbuf *out);
/* ENVELOPE [RFC 3501 §7.4.2, §9 envelope]. */
void imap_envelope(const char *msg, size_t len, struct strbuf *out);

/* An IMAP string: quoted when it can be, else a literal (see above). */
void imap_put_string(struct strbuf *out, const char *s, size_t len);
/* nstring: NIL for NULL. */
void imap_put_nstring(struct strbuf *out, const char *s);

/* date-time "dd-Mon-yyyy hh:mm:ss +zzzz" [RFC 3501 §9], without the
 * quotes, for unix_s seconds shown at zone offset tz_minutes. out >= 32. */
void imap_format_date_time(int64_t unix_s, int tz_minutes, char *out, size_t cap);
/* Parse that form (the day may be " 5", "05" or "5"); false if malformed
 * or out of range. */
bool imap_parse_date_time(const char *s, int64_t *unix_s);

#endif
