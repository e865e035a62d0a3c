/* smtpd.h — sans-IO SMTP server protocol engine (RFC 5321 with SIZE,
 * PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, STARTTLS, AUTH PLAIN/LOGIN).
 *
 * The host feeds raw client bytes (any chunking) and receives reply lines
 * through callbacks; no sockets, no clock, no simulator inside, so the same
 * engine serves simulated events and real TCP connections. Policy (who may
 * relay, which users exist, which credentials are good) is the host's, via
 * the check hook; protocol (order, syntax, limits, texts) is ours.
 *
 * Rules for hosts: do not call smtpd_free() from inside a callback; any other
 * entry point may be called from inside a callback (reentrant calls are
 * queued and run in order). */
#ifndef MAILSIM_SMTPD_H
#define MAILSIM_SMTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp.h"

/* The engine keeps a copy of the config, but its strings are borrowed:
 * hostname and banner must outlive the engine (the simulator passes the
 * host's name and the MTA config's banner, both freed only with the world). */
struct smtpd_config {
	const char *hostname;       /* greeting and EHLO first line; NULL → "localhost" */
	const char *banner;         /* greeting text after hostname; NULL → "ESMTP mailsim" */
	int64_t size_limit;         /* SIZE advertised; 0 = no limit */
	int max_rcpts;              /* per transaction; 0 → 100; extra → 452 4.5.3 */
	bool offer_starttls;        /* advertise STARTTLS (not again once TLS is on) */
	bool submission;            /* advertise AUTH PLAIN LOGIN; MAIL before AUTH → 530 5.7.0 */
	bool auth_tls_only;         /* AUTH only advertised/allowed after TLS (538 5.7.11 otherwise) */
	bool implicit_tls;          /* port 465: session starts already encrypted */
	bool vrfy;                  /* true → 252, false → 502 5.5.1 */
	bool no_pipelining, no_8bitmime, no_enhancedstatuscodes; /* all on by default */
	int max_errors;             /* hard error limit → 421 4.7.0 ... too many errors + close; 0 → 20 */
	/* Added: */
	bool require_tls;           /* everything but EHLO/HELO/STARTTLS/NOOP/RSET/QUIT → 530 5.7.0
	                               "Must issue a STARTTLS command first" until TLS [RFC 3207 §4] */
};

enum smtpd_hook {
	SMTPD_HOOK_CONNECT, SMTPD_HOOK_HELO, SMTPD_HOOK_AUTH, SMTPD_HOOK_MAIL,
	SMTPD_HOOK_RCPT, SMTPD_HOOK_DATA, SMTPD_HOOK_MESSAGE, SMTPD_HOOK_VRFY
};

struct smtpd_txn {             /* read-only view for hooks; valid only during the call */
	const char *helo;           /* current HELO/EHLO name, NULL before one was accepted */
	bool esmtp;                 /* HELO hook: true for EHLO; otherwise: the session used EHLO */
	bool tls;
	const char *auth_user;      /* NULL when not authenticated */
	const char *mail_from;      /* "" for <>; NULL outside a transaction (also during the MAIL hook) */
	const char *const *rcpts; size_t nrcpts;   /* accepted recipients so far */
	int64_t declared_size;      /* MAIL SIZE= (the candidate's during the MAIL hook); 0 when absent */
	const char *body_type;      /* "7BIT", "8BITMIME" or "" (not given) */
	const char *data; size_t data_len;         /* MESSAGE hook: the message, dot-unstuffed, CRLF line ends */
	/* Added: */
	bool bare_lf;               /* MESSAGE hook: the client ended some lines with bare LF (stored as CRLF) */
};

struct smtpd_callbacks {
	void (*send_line)(void *ud, const char *line);   /* one reply line, no CRLF */
	void (*close)(void *ud);                          /* server closes the connection (after 221 / 421) */
	void (*start_tls)(void *ud);                      /* after "220 2.0.0 Ready to start TLS": host does the handshake, then smtpd_tls_done() */
	/* Policy: reply is prefilled with the protocol default (e.g. "250 2.1.5 Ok", AUTH: "535 5.7.8 Error: authentication failed"
	   so the host must approve credentials). The host may rewrite it, or set reply->pending = true and answer later with
	   smtpd_resume() — input stays buffered meanwhile (needed for async checks like DNS lookups). arg/arg2: HELO name;
	   AUTH user+password (decoded); MAIL/RCPT/VRFY mailbox; CONNECT/DATA/MESSAGE NULL.
	   A reply whose class is OK accepts (MAIL/RCPT/HELO/AUTH need 2xx, DATA needs 354); anything else rejects and is
	   sent as given. Any 421 reply closes the connection after it is sent. May be NULL (accept all, refuse AUTH). */
	void (*check)(void *ud, enum smtpd_hook hook, const struct smtpd_txn *txn, const char *arg, const char *arg2, struct smtp_reply *reply);
	void (*state)(void *ud, const char *from, const char *to);  /* optional: every state transition, names from one table */
	/* Optional: what was read from the client, as it is handled. Each
	 * command (or AUTH response) line without its line end: len octets
	 * of it (NULs included), octets its real length; an overlong line
	 * that was dropped keeps only its first SMTPD_KEPT_MAX octets. */
	void (*received)(void *ud, const char *line, size_t len, size_t octets);
	/* Optional: at the end-of-data line, the message text as it came: its
	 * first octets (up to SMTPD_DATA_HEAD_MAX, dot-stuffed), its wire
	 * octets including the final ".\r\n", and its lines (the final "."
	 * not counted). */
	void (*received_data)(void *ud, const char *head, size_t head_len, uint64_t octets,
			      size_t nlines);
};

#define SMTPD_KEPT_MAX 512
#define SMTPD_DATA_HEAD_MAX 16384

struct smtpd;

struct smtpd *smtpd_new(const struct smtpd_config *cfg, const struct smtpd_callbacks *cb, void *ud);
void smtpd_free(struct smtpd *s);
void smtpd_start(struct smtpd *s);                        /* connection open: greeting (CONNECT hook may make it 554 or 421) */
void smtpd_feed(struct smtpd *s, const char *data, size_t len);   /* raw bytes from the client, any chunking */
void smtpd_resume(struct smtpd *s, const struct smtp_reply *reply);
void smtpd_tls_done(struct smtpd *s, bool ok);            /* ok=false: handshake failed → connection closed, no reply */
void smtpd_timeout(struct smtpd *s);                      /* host's idle timer fired: 421 4.4.2 <host> Error: timeout exceeded, close */
void smtpd_disconnected(struct smtpd *s);                 /* peer vanished: abort any open transaction, never deliver a partial message */
bool smtpd_closed(const struct smtpd *s);
const char *smtpd_state_name(const struct smtpd *s);

/* Added helpers. */
const char *smtpd_hook_name(enum smtpd_hook hook);        /* "CONNECT", "HELO", ... */
bool smtpd_pending(const struct smtpd *s);                /* a hook reply is awaited */
bool smtpd_tls_active(const struct smtpd *s);

#endif
