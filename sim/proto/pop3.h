/* pop3.h — sans-IO POP3 (RFC 1939, with CAPA and response codes from
 * RFC 2449/3206): a server (pop3d) over a struct mstore_ops mailbox and a
 * scripted fetching client (pop3c).
 *
 * Bytes in, lines out. Neither side owns a socket or reads a clock: the
 * host feeds received bytes with *_feed (any chunking, down to one byte),
 * and writes what the callbacks hand it, in order:
 *   send_line(ud, line)   one protocol line WITHOUT its CRLF (the host adds
 *                         "\r\n"); the trace shows it as one pop3.send.
 *   send_data(ud, bytes, len, nlines)
 *                         (server only) the body of a RETR or TOP reply as
 *                         one block: the message dot-stuffed, with CRLF line
 *                         ends, INCLUDING the terminating ".\r\n"; write it
 *                         verbatim. nlines counts the message lines in it,
 *                         not the terminator. LIST/UIDL/CAPA lists are short
 *                         and go line by line through send_line instead.
 * Callbacks must not free the object that called them; free it after the
 * feed/start call returns. */
#ifndef MAILSIM_POP3_H
#define MAILSIM_POP3_H

#include <stdbool.h>
#include <stddef.h>

#include "mstore.h"

/* RFC 2449 §4: a command line is at most 255 octets including CRLF. */
#define POP3_MAX_CMD_LINE 255

/* ---- server ------------------------------------------------------------ */

/* RFC 1939 §3 states, plus CLOSED once the session is over. */
enum pop3d_state { POP3D_AUTHORIZATION, POP3D_TRANSACTION, POP3D_UPDATE, POP3D_CLOSED };

struct pop3d_config {
	const char *hostname;   /* in the greeting and sign-off; copied */
	bool offer_stls;        /* STLS [RFC 2595 §4] (needs cb->start_tls) */
};

struct pop3d_callbacks {
	void (*send_line)(void *ud, const char *line);
	void (*send_data)(void *ud, const char *bytes, size_t len, size_t nlines);
	/* The server is done (after QUIT): the host closes the connection. */
	void (*close)(void *ud);
	/* Optional: every state change, through one funnel. */
	void (*state)(void *ud, enum pop3d_state from, enum pop3d_state to);
	/* After "+OK Begin TLS negotiation": the host runs the handshake, then
	 * calls pop3d_tls_done(). Required with offer_stls. */
	void (*start_tls)(void *ud);
};

struct pop3d;

/* cb, store and the uds must outlive the server. */
struct pop3d *pop3d_new(const struct pop3d_config *cfg, const struct pop3d_callbacks *cb,
			void *ud, const struct mstore_ops *store, void *store_ud);
void pop3d_free(struct pop3d *s);
/* Send the greeting "+OK <host> POP3 server ready". */
void pop3d_start(struct pop3d *s);
void pop3d_feed(struct pop3d *s, const char *bytes, size_t len);
/* The client went away: no UPDATE, nothing is deleted [RFC 1939 §6]. */
void pop3d_disconnected(struct pop3d *s);
/* The STLS handshake ended; a failed one ends the session. */
void pop3d_tls_done(struct pop3d *s, bool ok);
enum pop3d_state pop3d_get_state(const struct pop3d *s);
const char *pop3d_state_name(enum pop3d_state st);

/* ---- client ------------------------------------------------------------ */

/* The script's steps, in order; also where a failed fetch stopped. */
enum pop3c_stage {
	POP3C_GREETING, POP3C_USER, POP3C_PASS, POP3C_STAT, POP3C_RETR, POP3C_DELE,
	POP3C_QUIT, POP3C_DONE
};

struct pop3c_config {
	const char *user;       /* copied */
	const char *pass;       /* copied */
	bool keep;              /* false: DELE each message after its RETR */
};

struct pop3c_result {
	bool ok;
	enum pop3c_stage stage;       /* POP3C_DONE when ok, else the failing step */
	const char *reason;           /* short explanation (static), "" when ok */
	const char *last_line;        /* the server line that decided the outcome:
				       * the QUIT reply when ok, else the failing
				       * reply; NULL if there was none */
	size_t server_count;          /* messages STAT announced */
	const struct mstore_msg *msgs;/* the fetched messages, byte-stuffing undone, in order */
	size_t nmsgs;
};

struct pop3c_callbacks {
	void (*send_line)(void *ud, const char *line);
	/* Called exactly once; the result (and msgs) stay valid until
	 * pop3c_free. The host then closes the connection. */
	void (*done)(void *ud, const struct pop3c_result *r);
	/* Optional. */
	void (*state)(void *ud, enum pop3c_stage from, enum pop3c_stage to);
};

struct pop3c;

/* The client speaks first only after the server's greeting arrives. */
struct pop3c *pop3c_new(const struct pop3c_config *cfg, const struct pop3c_callbacks *cb,
			void *ud);
void pop3c_free(struct pop3c *c);
void pop3c_feed(struct pop3c *c, const char *bytes, size_t len);
/* The server closed the connection (reports failure unless already done). */
void pop3c_disconnected(struct pop3c *c);
const char *pop3c_stage_name(enum pop3c_stage st);

#endif
