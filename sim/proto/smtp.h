/* smtp.h — shared SMTP protocol bits for the sans-IO engines (smtpd, smtpc):
 * reply struct and its one classification funnel, path and ESMTP-parameter
 * parsing, reply-line parsing and dot-stuffing.
 *
 * Invariants: pure functions of their arguments (no clock, no sockets, no
 * global state); every output buffer is bounded by the caller's capacity and
 * always NUL-terminated; bad protocol input is reported, never asserted. */
#ifndef MAILSIM_SMTP_H
#define MAILSIM_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* RFC 5321 §4.5.3.1 limits. */
#define SMTP_LINE_MAX 512         /* command line incl. CRLF [§4.5.3.1.4] */
#define SMTP_REPLY_LINE_MAX 512   /* reply line incl. CRLF [§4.5.3.1.5] */
#define SMTP_TEXT_LINE_MAX 1000   /* text line incl. CRLF, stuffed dot not counted [§4.5.3.1.6] */
#define SMTP_PATH_MAX 256         /* path incl. "<" ">" [§4.5.3.1.3] */
#define SMTP_LOCAL_MAX 64         /* local-part [§4.5.3.1.1] */
#define SMTP_DOMAIN_MAX 255       /* domain [§4.5.3.1.2] */
#define SMTP_AUTH_LINE_MAX 12288  /* AUTH command / SASL response line [RFC 4954 §4] */

enum smtp_class { SMTP_CLASS_OK, SMTP_CLASS_TEMPFAIL, SMTP_CLASS_PERMFAIL }; /* 2xx/3xx, 4xx, 5xx */

struct smtp_reply {
	int code;
	char enh[16];   /* "2.1.5" or "" */
	char text[480];
	bool pending;   /* smtpd hooks: answer later via smtpd_resume() */
};

/* The one funnel from a reply code to its class [RFC 5321 §4.2.1]: 2xx and 3xx
 * are OK, 4xx TEMPFAIL, 5xx PERMFAIL. Anything else is not a legal code
 * [§4.2, §4.3.2]; it is classed TEMPFAIL (a protocol error is never a reason
 * to bounce mail for good). */
enum smtp_class smtp_classify(int code);
const char *smtp_class_name(enum smtp_class cls); /* "ok", "tempfail", "permfail" */

/* Fill a reply; enh may be NULL or "". The text is truncated to fit. */
void smtp_reply_set(struct smtp_reply *r, int code, const char *enh, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse "<local@domain>" (with optional source route "<@a,@b:local@domain>",
 * which is accepted and ignored [RFC 5321 §4.1.2]; "<>" allowed when
 * allow_null; "<postmaster>" allowed [§4.5.1]) and point *params (may be NULL)
 * at the trailing ESMTP parameters, leading spaces skipped. mailbox gets
 * "local@domain" ("" for <>). False on any syntax error or limit overrun. */
bool smtp_parse_path(const char *arg, bool allow_null, char *mailbox, size_t cap, const char **params);

/* Iterate ESMTP parameters "KEY[=VALUE] KEY2=..." [RFC 5321 §4.1.2].
 * Returns 1 and fills key/val ("" when there is no "="), 0 at the end,
 * -1 on malformed input (bad keyword, or a field that does not fit). */
int smtp_next_param(const char **cursor, char *key, size_t keycap, char *val, size_t valcap);

/* Dot-stuff a message (CRLF or LF line ends in, CRLF out) and append "." CRLF
 * [RFC 5321 §4.5.2]; a missing final line end is supplied. *nlines (may be
 * NULL) gets the number of message lines, not counting the final ".". */
void smtp_dot_stuff(const char *data, size_t len, struct strbuf *out, size_t *nlines);
/* smtp_dot_stuff, also giving smtp_message_size(data, len) in *size (may
 * be NULL) and whether any octet is 8-bit in *eightbit (may be NULL): one
 * pass over the message instead of three. */
void smtp_dot_stuff_sized(const char *data, size_t len, struct strbuf *out, size_t *nlines,
			  size_t *size, bool *eightbit);

/* Size of the message as it travels (LF normalised to CRLF, final line end
 * supplied, dots not stuffed) — the value for MAIL ... SIZE= [RFC 1870 §3]. */
size_t smtp_message_size(const char *data, size_t len);

/* Parse one reply line "250-text", "250 text" or "250" [RFC 5321 §4.2].
 * *more is true for a continuation ("-"). *text points into line. False when
 * the line is not a reply line or the code does not start with 2..5. */
bool smtp_parse_reply_line(const char *line, int *code, bool *more, const char **text);

/* Split "x.y.z rest" off text into r->enh when it is a well-formed enhanced
 * status code whose class matches code's first digit [RFC 3463 §2,
 * RFC 2034 §4]; the remainder goes to r->text. */
void smtp_reply_from_text(struct smtp_reply *r, int code, const char *text);

/* Length of a well-formed enhanced status code at the start of s, or 0. */
size_t smtp_enh_len(const char *s);

#endif
