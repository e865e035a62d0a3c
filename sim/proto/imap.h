/* imap.h — sans-IO IMAP4rev1 (RFC 3501 subset): a server (imapd) over a
 * struct mstore_ops mailbox and a scripted client (imapc) that fetches
 * (optionally waiting in IDLE) or delivers by APPEND.
 *
 * Bytes in, lines out, exactly as in pop3.h. The host feeds received bytes
 * with *_feed (any chunking, down to one byte) and writes what the
 * callbacks hand it, in call order:
 *   send_line(ud, line)   one protocol line WITHOUT its CRLF (the host adds
 *                         "\r\n"); one imap.send trace event.
 *   send_data(ud, bytes, len, nlines)
 *                         (server only) the octets of one literal, sent
 *                         verbatim with no CRLF added. The line before it
 *                         ends in "{len}" (RFC 3501 §4.3) and the response
 *                         continues on the next send_line, e.g. for
 *                         "* 1 FETCH (BODY[] {342}\r\n<342 octets>)\r\n":
 *                         send_line("* 1 FETCH (BODY[] {342}"),
 *                         send_data(<342 octets>, 342, 9), send_line(")").
 *                         nlines counts the lines in the literal.
 *
 * Server subset: CAPABILITY NOOP LOGOUT STARTTLS LOGIN AUTHENTICATE
 * (refused: no mechanism) SELECT EXAMINE LIST LSUB STATUS APPEND IDLE
 * [RFC 2177] CHECK CLOSE EXPUNGE FETCH STORE SEARCH and UID
 * FETCH/STORE/SEARCH/EXPUNGE [RFC 4315]; client literals in commands
 * ({n} and {n+}, LITERAL+ [RFC 7888]). FETCH items: FLAGS (with \Recent)
 * UID RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY RFC822
 * RFC822.HEADER RFC822.TEXT, the macros ALL FAST FULL, and
 * BODY[section]<o.n> / BODY.PEEK[...] with section "", HEADER, TEXT,
 * HEADER.FIELDS (...), HEADER.FIELDS.NOT (...). SEARCH keys: sequence
 * sets, UID, ALL, flag keys, RECENT NEW OLD, NOT, OR, (...), FROM TO CC BCC
 * SUBJECT BODY TEXT HEADER, LARGER SMALLER, KEYWORD UNKEYWORD. Not
 * supported: BODY[part number], date search keys, COPY,
 * CREATE/DELETE/RENAME/SUBSCRIBE, SASL mechanisms.
 *
 * With offer_starttls and before TLS, CAPABILITY says STARTTLS and
 * LOGINDISABLED, and LOGIN/AUTHENTICATE answer NO [PRIVACYREQUIRED]
 * [RFC 3501 §6.2.3, RFC 9051 §6.2.3, RFC 5530 §3].
 *
 * Callbacks must not free the object that called them; free it after the
 * feed/start call returns. */
#ifndef MAILSIM_IMAP_H
#define MAILSIM_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mstore.h"

/* Longest command line the server takes, not counting literals: the
 * minimum RFC 7162 §4 asks servers to accept. */
#define IMAP_MAX_CMD_LINE 8192
/* Largest literal inside a command: APPEND's message (25 MiB, a common
 * message size limit) or a string. */
#define IMAP_MAX_CMD_LITERAL (25u << 20)

/* ---- server ------------------------------------------------------------ */

/* RFC 3501 §3 states. */
enum imapd_state { IMAPD_NOT_AUTHENTICATED, IMAPD_AUTHENTICATED, IMAPD_SELECTED, IMAPD_LOGOUT };

struct imapd_config {
	const char *hostname;   /* in the greeting and BYE; copied */
	bool offer_starttls;    /* STARTTLS, and no LOGIN before TLS (needs cb->start_tls) */
};

struct imapd_callbacks {
	void (*send_line)(void *ud, const char *line);
	void (*send_data)(void *ud, const char *bytes, size_t len, size_t nlines);
	/* The server is done (after LOGOUT): the host closes the connection. */
	void (*close)(void *ud);
	/* Optional: every state change, through one funnel. */
	void (*state)(void *ud, enum imapd_state from, enum imapd_state to);
	/* After "OK Begin TLS negotiation now": the host runs the handshake
	 * and then calls imapd_tls_done(). Input that came before is dropped
	 * [RFC 3501 §6.2.1]. Required with offer_starttls. */
	void (*start_tls)(void *ud);
};

struct imapd;

/* cb, store and the uds must outlive the server. */
struct imapd *imapd_new(const struct imapd_config *cfg, const struct imapd_callbacks *cb,
			void *ud, const struct mstore_ops *store, void *store_ud);
void imapd_free(struct imapd *s);
/* Send the greeting "* OK [CAPABILITY IMAP4rev1] <host> IMAP4rev1 server ready". */
void imapd_start(struct imapd *s);
void imapd_feed(struct imapd *s, const char *bytes, size_t len);
/* The TLS handshake ended; a failure ends the session (close()). */
void imapd_tls_done(struct imapd *s, bool ok);
/* The host's store changed folder (new mail; NULL: some folder of the
 * session's user): a session idling on it
 * reports "* n EXISTS" and "* n RECENT" at once [RFC 2177 §3]; any other
 * session learns of it at its next NOOP, CHECK or IDLE. */
void imapd_mailbox_changed(struct imapd *s, const char *folder);
bool imapd_idling(const struct imapd *s);
/* The client went away: nothing is expunged [RFC 3501 §6.4.2 needs CLOSE]. */
void imapd_disconnected(struct imapd *s);
enum imapd_state imapd_get_state(const struct imapd *s);
const char *imapd_state_name(enum imapd_state st);

/* ---- client ------------------------------------------------------------ */

/* A scripted client (imapc.c) with two jobs:
 *  - fetch (the default): LOGIN, SELECT the folder, FETCH every message
 *    (FLAGS BODY[]), and unless keep, flag them \Deleted and CLOSE; with
 *    idle it then waits in IDLE [RFC 2177]: on "* n EXISTS" it ends the
 *    IDLE (DONE), FETCHes the new messages and IDLEs again, until the host
 *    calls imapc_idle_stop();
 *  - deliver (appends given): LOGIN, then APPEND each message with its
 *    flags (and date-time) into its folder [RFC 3501 §6.3.11] as a
 *    synchronizing literal: the command line ends in "{n}", the client
 *    waits for the server's "+" and then sends the octets through
 *    send_data followed by an empty send_line (the CRLF ending the
 *    command). [APPENDUID] answers [RFC 4315 §3] are collected.
 * Either way, when the server offers STARTTLS and the host gives a
 * start_tls callback, the client issues STARTTLS first, then CAPABILITY
 * again [RFC 3501 §6.2.1]; LOGINDISABLED without TLS makes it give up. */

/* The script's steps, in order; also where a failed session stopped. */
enum imapc_stage {
	IMAPC_GREETING, IMAPC_STARTTLS, IMAPC_CAPABILITY, IMAPC_LOGIN, IMAPC_APPEND,
	IMAPC_SELECT, IMAPC_FETCH, IMAPC_IDLE, IMAPC_STORE, IMAPC_CLOSE, IMAPC_LOGOUT, IMAPC_DONE
};

/* One message to deliver by APPEND. */
struct imapc_append {
	const char *folder;     /* e.g. "INBOX", "Junk"; copied */
	const char *data;       /* the message, CRLF line ends; copied */
	size_t len;
	unsigned flags;         /* MSTORE_SEEN, MSTORE_FLAGGED, ... */
	bool has_date;          /* send date as APPEND's date-time */
	int64_t date;           /* Unix seconds (sent as UTC, "+0000") */
};

struct imapc_config {
	const char *user;       /* copied */
	const char *pass;       /* copied */
	bool keep;              /* false: delete the fetched messages before LOGOUT */
	const char *folder;     /* NULL: "INBOX"; copied */
	bool idle;              /* wait for new mail in IDLE after the first FETCH */
	const struct imapc_append *appends; /* non-NULL: deliver these instead of fetching */
	size_t nappends;
};

struct imapc_result {
	bool ok;
	enum imapc_stage stage;       /* IMAPC_DONE when ok, else the failing step */
	const char *reason;           /* short explanation (static), "" when ok */
	const char *last_line;        /* the server line that decided the outcome:
				       * the LOGOUT reply when ok, else the failing
				       * reply; NULL if there was none */
	size_t server_count;          /* messages the folder held at last (EXISTS) */
	const struct mstore_msg *msgs;/* BODY[] of each message with its FLAGS, in order */
	size_t nmsgs;
	size_t nappended;             /* APPENDs the server accepted, in order */
	const uint32_t *append_uids;  /* their UIDs from [APPENDUID], 0 if not given */
};

struct imapc_callbacks {
	void (*send_line)(void *ud, const char *line);
	/* Called exactly once; the result (and msgs) stay valid until
	 * imapc_free. The host then closes the connection. */
	void (*done)(void *ud, const struct imapc_result *r);
	/* Optional. */
	void (*state)(void *ud, enum imapc_stage from, enum imapc_stage to);
	/* Required with appends: the octets of a literal, sent verbatim. */
	void (*send_data)(void *ud, const char *bytes, size_t len, size_t nlines);
	/* Optional: after the server's OK to STARTTLS the host runs the
	 * handshake and calls imapc_tls_done(). Without it no STARTTLS. */
	void (*start_tls)(void *ud);
	/* Optional: a FETCH brought count messages (idle mode: each push). */
	void (*fetched)(void *ud, size_t count);
};

struct imapc;

/* The client speaks first only after the server's greeting arrives. */
struct imapc *imapc_new(const struct imapc_config *cfg, const struct imapc_callbacks *cb,
			void *ud);
void imapc_free(struct imapc *c);
void imapc_feed(struct imapc *c, const char *bytes, size_t len);
/* The TLS handshake the client started ended; a failure ends the session. */
void imapc_tls_done(struct imapc *c, bool ok);
/* Idle mode: end the IDLE for good (DONE, then the deletions if !keep,
 * and LOGOUT), now or as soon as the FETCH in progress is over. */
void imapc_idle_stop(struct imapc *c);
/* Idle mode: DONE and IDLE again, as clients do every 29 minutes since a
 * server may drop a client idle for 30 [RFC 2177 §3, RFC 3501 §5.4]. */
void imapc_idle_renew(struct imapc *c);
bool imapc_idling(const struct imapc *c);
/* The server closed the connection (reports failure unless already done,
 * or unless it said BYE to our LOGOUT). */
void imapc_disconnected(struct imapc *c);
const char *imapc_stage_name(enum imapc_stage st);

#endif
