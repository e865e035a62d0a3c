/* imap.h — sans-IO IMAP4rev1 (RFC 3501 subset): a server (imapd) over a
 * struct mstore_ops mailbox and a scripted fetching client (imapc).
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
 * Server subset: CAPABILITY NOOP LOGOUT LOGIN AUTHENTICATE(refused) SELECT
 * EXAMINE LIST LSUB STATUS CHECK CLOSE EXPUNGE FETCH STORE SEARCH and
 * UID FETCH/STORE/SEARCH; client literals in commands ({n} and {n+}).
 * FETCH items: FLAGS UID RFC822.SIZE RFC822 RFC822.HEADER RFC822.TEXT and
 * BODY[section]<o.n> / BODY.PEEK[...] with section "", HEADER, TEXT,
 * HEADER.FIELDS (...), HEADER.FIELDS.NOT (...). SEARCH keys: sequence
 * sets, UID, ALL, flag keys, NOT, OR, (...), FROM TO CC BCC SUBJECT BODY
 * TEXT HEADER, LARGER SMALLER, KEYWORD UNKEYWORD. Not supported:
 * INTERNALDATE, ENVELOPE, BODYSTRUCTURE, date search keys, COPY, APPEND,
 * CREATE/DELETE/RENAME/SUBSCRIBE, IDLE, STARTTLS.
 *
 * Callbacks must not free the object that called them; free it after the
 * feed/start call returns. */
#ifndef MAILSIM_IMAP_H
#define MAILSIM_IMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "mstore.h"

/* Longest command line the server takes, not counting literals: the
 * minimum RFC 7162 §4 asks servers to accept. */
#define IMAP_MAX_CMD_LINE 8192
/* Largest literal inside a command (only strings: there is no APPEND). */
#define IMAP_MAX_CMD_LITERAL 65536

/* ---- server ------------------------------------------------------------ */

/* RFC 3501 §3 states. */
enum imapd_state { IMAPD_NOT_AUTHENTICATED, IMAPD_AUTHENTICATED, IMAPD_SELECTED, IMAPD_LOGOUT };

struct imapd_config {
	const char *hostname;   /* in the greeting and BYE; copied */
};

struct imapd_callbacks {
	void (*send_line)(void *ud, const char *line);
	void (*send_data)(void *ud, const char *bytes, size_t len, size_t nlines);
	/* The server is done (after LOGOUT): the host closes the connection. */
	void (*close)(void *ud);
	/* Optional: every state change, through one funnel. */
	void (*state)(void *ud, enum imapd_state from, enum imapd_state to);
};

struct imapd;

/* cb, store and the uds must outlive the server. */
struct imapd *imapd_new(const struct imapd_config *cfg, const struct imapd_callbacks *cb,
			void *ud, const struct mstore_ops *store, void *store_ud);
void imapd_free(struct imapd *s);
/* Send the greeting "* OK [CAPABILITY IMAP4rev1] <host> IMAP4rev1 server ready". */
void imapd_start(struct imapd *s);
void imapd_feed(struct imapd *s, const char *bytes, size_t len);
/* The client went away: nothing is expunged [RFC 3501 §6.4.2 needs CLOSE]. */
void imapd_disconnected(struct imapd *s);
enum imapd_state imapd_get_state(const struct imapd *s);
const char *imapd_state_name(enum imapd_state st);

/* ---- client ------------------------------------------------------------ */

/* The script's steps, in order; also where a failed fetch stopped. STORE
 * and CLOSE (flag \Deleted, then expunge) run only when keep is false. */
enum imapc_stage {
	IMAPC_GREETING, IMAPC_LOGIN, IMAPC_SELECT, IMAPC_FETCH, IMAPC_STORE, IMAPC_CLOSE,
	IMAPC_LOGOUT, IMAPC_DONE
};

struct imapc_config {
	const char *user;       /* copied */
	const char *pass;       /* copied */
	bool keep;              /* false: delete the fetched messages before LOGOUT */
	const char *folder;     /* NULL: "INBOX"; copied */
};

struct imapc_result {
	bool ok;
	enum imapc_stage stage;       /* IMAPC_DONE when ok, else the failing step */
	const char *reason;           /* short explanation (static), "" when ok */
	const char *last_line;        /* the server line that decided the outcome:
				       * the LOGOUT reply when ok, else the failing
				       * reply; NULL if there was none */
	size_t server_count;          /* messages SELECT announced (EXISTS) */
	const struct mstore_msg *msgs;/* BODY[] of each message with its FLAGS, in order */
	size_t nmsgs;
};

struct imapc_callbacks {
	void (*send_line)(void *ud, const char *line);
	/* Called exactly once; the result (and msgs) stay valid until
	 * imapc_free. The host then closes the connection. */
	void (*done)(void *ud, const struct imapc_result *r);
	/* Optional. */
	void (*state)(void *ud, enum imapc_stage from, enum imapc_stage to);
};

struct imapc;

/* The client speaks first only after the server's greeting arrives. */
struct imapc *imapc_new(const struct imapc_config *cfg, const struct imapc_callbacks *cb,
			void *ud);
void imapc_free(struct imapc *c);
void imapc_feed(struct imapc *c, const char *bytes, size_t len);
/* The server closed the connection (reports failure unless already done,
 * or unless it said BYE to our LOGOUT). */
void imapc_disconnected(struct imapc *c);
const char *imapc_stage_name(enum imapc_stage st);

#endif
