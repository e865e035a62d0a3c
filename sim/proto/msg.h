/* msg.h — RFC 5322 messages as text: compose, add trace headers, read
 * headers. Messages are kept exactly as they travel: CRLF line ends, the
 * header block, an empty line, the body. */
#ifndef MAILSIM_MSG_H
#define MAILSIM_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct msg_part;

struct msg_spec {
	const char *from;          /* address */
	const char *from_name;     /* display name or NULL */
	const char *const *to;
	const char *const *to_names; /* display names parallel to to (entries may be NULL), or NULL */
	size_t nto;
	const char *subject;
	const char *body;          /* LF or CRLF line ends */
	const char *date;          /* RFC 5322 date */
	const char *message_id;    /* "<...@...>" */
	size_t pad_to;             /* grow the body to about this size; 0 = no */
	const char *const *omit;   /* header names to leave out (a sloppy sender) */
	size_t nomit;
	const struct msg_part *parts; /* attachments: multipart/mixed when n > 0 */
	size_t nparts;
	const char *boundary;      /* deterministic, supplied by the caller */
};

struct msg_part {
	const char *filename;
	const char *type;
	const unsigned char *data;
	size_t len;
};

/* A new message (headers Date, From, To, Subject, Message-ID,
 * MIME-Version, Content-Type, Content-Transfer-Encoding), into out, as a
 * MUA writes it (mime_enc.h): folded header fields, non-ASCII names and
 * Subject as RFC 2047 encoded-words, a text body that is 7bit or else
 * quoted-printable, attachments in base64. Every line is 7-bit ASCII. */
void msg_compose(const struct msg_spec *spec, struct strbuf *out);
/* Prepend "name: value" (value may contain CRLF+TAB folds) to msg. */
void msg_prepend_header(struct strbuf *msg, const char *name, const char *value);
/* Unfolded value of the first header named name; false if absent. */
bool msg_header(const char *msg, size_t len, const char *name, char *out, size_t cap);
/* Byte offset where the body starts (after the empty line), or len. */
size_t msg_body_offset(const char *msg, size_t len);
size_t msg_count_lines(const char *msg, size_t len);
/* "user" and "domain" of an address; false on anything without one '@'. */
bool addr_split(const char *addr, char *local, size_t lcap, char *domain, size_t dcap);
const char *addr_domain(const char *addr);

#endif
