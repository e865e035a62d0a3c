/* dsn.h — delivery status notifications: the bounce, delay-warning and
 * success reports a sending MTA mails back to the envelope sender, built as
 * RFC 6522 multipart/report messages carrying an RFC 3464
 * message/delivery-status part, and read back for tests and the viewer.
 *
 * The caller sends the result with MAIL FROM:<> (RFC 5321 §4.5.5) so a DSN
 * can never cause another one.
 *
 * Invariants of dsn_build's output: CRLF line ends only; no line longer
 * than 998 octets (RFC 5322 §2.1.1) as long as the embedded original has
 * none; the MIME boundary occurs nowhere inside the parts; the same input
 * gives the same bytes. */
#ifndef MAILSIM_DSN_H
#define MAILSIM_DSN_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* RFC 3464 §2.3.3 */
enum dsn_action { DSN_FAILED, DSN_DELAYED, DSN_DELIVERED, DSN_RELAYED, DSN_EXPANDED };

struct dsn_rcpt {
	const char *final_recipient;    /* address, required */
	const char *original_recipient; /* ORCPT address or NULL */
	enum dsn_action action;
	const char *status;             /* "5.1.1", required */
	const char *remote_mta;         /* host name or NULL */
	const char *diagnostic;         /* "550 5.1.1 <bob@x>: ... User unknown" or NULL */
	const char *diagnostic_type;    /* "smtp" when NULL; or "x-unix" etc. */
	const char *last_attempt_date;  /* RFC 5322 date or NULL */
	const char *will_retry_until;   /* RFC 5322 date; written only for DSN_DELAYED */
};

struct dsn_report {
	const char *reporting_mta;      /* "mail.example.org", required */
	const char *received_from_mta;  /* host name or NULL */
	const char *arrival_date;       /* RFC 5322 date or NULL */
	const char *date;               /* Date: of the DSN, required */
	const char *message_id;         /* "<...>" of the DSN, required */
	const char *to;                 /* the original envelope sender, required */
	const char *postmaster;         /* "MAILER-DAEMON@mail.example.org", required */
	const struct dsn_rcpt *rcpts;   /* at least one */
	size_t nrcpts;
	const char *original;           /* the original message (CRLF) or NULL: no part 3 */
	size_t original_len;
	bool return_full;               /* RET=FULL: message/rfc822; else text/rfc822-headers */
	const char *boundary;           /* deterministic, from the caller; NULL = "dsn-boundary" */
};

/* Build the whole DSN into out (appended). Header: Date, From
 * "<postmaster> (Mail Delivery System)", To, Subject, Message-ID,
 * Auto-Submitted: auto-replied (RFC 3834 §5), MIME-Version, Content-Type
 * multipart/report; report-type=delivery-status (RFC 6522 §3).
 *
 * Subject (Postfix's bounce templates): any failed recipient →
 * "Undelivered Mail Returned to Sender" (failure wins over delay in a mixed
 * report); else any delayed → "Delayed Mail (still being retried)"; else
 * "Successful Mail Delivery Report".
 *
 * Parts: 1 text/plain, plain words for people, each recipient with what
 * happened and the remote reply, and for delays when the system gives up;
 * 2 message/delivery-status, the per-message block then one block per
 * recipient, blank-line separated, fields in RFC 3464 §2.2/§2.3 grammar
 * order (so Original-Recipient precedes Final-Recipient); 3 the original's
 * header block as text/rfc822-headers, or with return_full the whole
 * original as message/rfc822 (RFC 3461 §4.3).
 *
 * Header and status fields are folded at spaces to stay within 78 columns
 * where possible (RFC 5322 §2.2.3; unfolding gives the value back); a run
 * without spaces longer than 998 is split with CRLF SP, which adds a space.
 * Caller strings are written as printable ASCII: CR, LF, other controls
 * and 8-bit bytes become '?' or ' ' (CR/LF/TAB → space). The original is
 * copied byte for byte except bare CR or LF → CRLF; if it has 8-bit bytes
 * the part and the message say Content-Transfer-Encoding: 8bit. If the
 * boundary occurs in any part, ".1", ".2", ... is appended until it does
 * not. */
void dsn_build(const struct dsn_report *r, struct strbuf *out);

/* "failed", "delayed", "delivered", "relayed", "expanded"; "unknown" if out
 * of range. */
const char *dsn_action_name(enum dsn_action a);

/* Find the message/delivery-status part of msg (a multipart/report, or a
 * bare message/delivery-status message) and read its recipient blocks.
 * Returns how many recipient blocks there are (even beyond max) and fills
 * the first max of them: final_rcpt = the address after "rfc822;" (the
 * whole value if there is no ';'), action and status = the first word of
 * those fields; values unfolded and truncated to fit. -1 if msg is not a
 * delivery-status report. */
int dsn_parse_status(const char *msg, size_t len, char (*final_rcpt)[256], char (*action)[16],
		     char (*status)[16], int max);

#endif
