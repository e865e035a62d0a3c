/* smtpc.h — sans-IO SMTP client protocol engine: one message (one envelope,
 * many recipients) over one connection, as an MTA or MUA submits it.
 *
 * The host feeds raw server bytes (any chunking); the engine answers with
 * command lines and one dot-stuffed body chunk through callbacks, and reports
 * the outcome exactly once through done(). No sockets, no clock: the host
 * runs the timers and calls smtpc_timeout() / smtpc_disconnected().
 *
 * Rules for hosts: call smtpc_set_message() before feeding the greeting; do
 * not call smtpc_free() from inside a callback; other entry points may be
 * called from inside callbacks (reentrant input is queued and run in order). */
#ifndef MAILSIM_SMTPC_H
#define MAILSIM_SMTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp.h"

/* The engine keeps a copy of the config, but its strings are borrowed:
 * helo_name, auth_user and auth_pass must outlive the engine (the
 * simulator passes the host's name and the user's address and password,
 * all freed only with the world). */
struct smtpc_config {
	const char *helo_name;      /* NULL → "localhost" */
	bool starttls;              /* use STARTTLS when offered (opportunistic) */
	bool require_tls;           /* fail (no plaintext) if STARTTLS is not offered or fails */
	const char *auth_user, *auth_pass;  /* AUTH when set; PLAIN preferred, LOGIN if only that is offered */
	bool no_pipelining;         /* don't pipeline even when offered */
	bool implicit_tls;          /* port 465: the host did the handshake before the greeting [RFC 8314 §3.3] */
};

enum smtpc_stage {
	SMTPC_STAGE_GREETING, SMTPC_STAGE_EHLO, SMTPC_STAGE_HELO, SMTPC_STAGE_STARTTLS,
	SMTPC_STAGE_TLS, SMTPC_STAGE_AUTH, SMTPC_STAGE_MAIL, SMTPC_STAGE_RCPT,
	SMTPC_STAGE_DATA, SMTPC_STAGE_DOT, SMTPC_STAGE_QUIT, SMTPC_STAGE_CONN,
	SMTPC_STAGE_RSET
};

struct smtpc_rcpt_result {
	const char *rcpt;
	enum smtp_class cls;
	struct smtp_reply reply;
	enum smtpc_stage stage; /* the command the reply answered (RCPT, DATA, DOT...) */
};

struct smtpc_result {
	bool session_failed;        /* failure before/outside recipients (greeting, EHLO, TLS, AUTH, MAIL, connection lost...) */
	enum smtpc_stage stage;     /* where the decisive reply (or the loss) happened */
	struct smtp_reply reply;    /* that decisive reply (code 0 for connection loss/timeout/local decisions) */
	enum smtp_class cls;
	const struct smtpc_rcpt_result *rcpts; size_t nrcpts;  /* one per recipient, final outcome */
	bool used_tls, used_auth, used_pipelining;
};
/* Per-recipient results are always complete: a recipient refused at RCPT
 * keeps its own reply; every other recipient gets the final reply to the
 * data (DOT), or the DATA refusal, or — when the session failed — the
 * session's decisive reply and class (TEMPFAIL for loss/timeout). */

struct smtpc_callbacks {
	void (*send_line)(void *ud, const char *line);                  /* one command line, no CRLF */
	void (*send_data)(void *ud, const char *bytes, size_t len, size_t nlines); /* dot-stuffed body incl. final ".\r\n" as ONE chunk */
	void (*start_tls)(void *ud);                                    /* after 220 to STARTTLS; host calls smtpc_tls_done() */
	void (*done)(void *ud, const struct smtpc_result *res);          /* exactly once; res valid during the call */
	void (*close)(void *ud);                                        /* client closes after QUIT reply or on failure */
	void (*state)(void *ud, const char *from, const char *to);       /* optional */
};

struct smtpc;

struct smtpc *smtpc_new(const struct smtpc_config *cfg, const struct smtpc_callbacks *cb, void *ud);
void smtpc_free(struct smtpc *c);
/* mail_from "" = null sender <>. Everything is copied. */
void smtpc_set_message(struct smtpc *c, const char *mail_from, const char *const *rcpts, size_t nrcpts, const char *data, size_t len);
/* Probe mode (address verification as Reacher / check-if-email-exists
 * does it): no message. The recipients are tried in transactions of
 * per_txn RCPTs each — MAIL FROM, those RCPTs, RSET — one after another on
 * the connection, then QUIT; DATA is never sent and nothing is
 * pipelined. Each recipient's result is the reply to its RCPT (2xx
 * included, class OK); a failure of the session or of a MAIL or RSET
 * hands its reply to the recipients not yet asked about. */
void smtpc_set_probe(struct smtpc *c, const char *mail_from, const char *const *rcpts,
		     size_t nrcpts, size_t per_txn);
void smtpc_feed(struct smtpc *c, const char *data, size_t len);  /* raw server bytes, any chunking; parses multiline replies */
void smtpc_tls_done(struct smtpc *c, bool ok);
void smtpc_disconnected(struct smtpc *c);
void smtpc_timeout(struct smtpc *c);
const char *smtpc_stage_name(enum smtpc_stage st);
/* The command a stage sends, as Postfix names it in "(in reply to RCPT TO
 * command)": "RCPT TO", "end of DATA", ...; NULL for GREETING/CONN. */
const char *smtpc_stage_command(enum smtpc_stage st);

/* Added helpers. */
bool smtpc_finished(const struct smtpc *c);                       /* done() has been called */
const char *smtpc_state_name(const struct smtpc *c);              /* stage awaited now, or "CLOSED" */

#endif
