/* session.h — one adapter between the sans-IO protocol engines and whatever
 * carries their bytes.
 *
 * Every engine (smtpd/smtpc, imapd/imapc, pop3d/pop3c) is driven the same
 * way: bytes in (feed), the TLS handshake's end (tls_done), the peer gone
 * (disconnected), a timer (timeout). `struct session_engine` is that
 * vtable; `session_*_engine` wrap each engine. In the other direction every
 * engine hands its host lines, literal/message blocks, a TLS start and a
 * close: the session_cb_* functions are those callbacks (their ud is the
 * session), so an engine's callbacks struct is filled with them and only
 * its own result hooks (done, check, fetched) stay with the owner.
 *
 * A session is bound to one side of a simulated connection (`struct conn`):
 * it implements conn_ops, sends lines with net_send_line() (so each line is
 * one <proto>.send event), blocks with net_send_block(), runs an optional
 * timer re-armed by every input, and tells the owner (the host role: MTA,
 * MUA, retrieval server) of the connection's life through struct
 * session_owner. Real sockets reach the same sessions through a connection
 * injected with net_inject() (live mode): there the server-side session
 * traces the lines its engine read from the peer, since no simulated
 * client exists to trace them when sending.
 *
 * Lifetime: the owner creates the session, then the engine with the
 * session as its callbacks' ud (session_set_engine), then connects or
 * accepts. session_stop() ends input to the engine; session_free() closes
 * our side if still open, detaches from the connection and frees the
 * engine. Never free a session from inside one of its engine's callbacks:
 * owners free from a zero-delay event, as before. */
#ifndef MAILSIM_SESSION_H
#define MAILSIM_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "trace_kinds.h"

/* Any engine, driven through its public entry points. NULL members: the
 * engine has no such input (pop3d has no TLS, clients no start). */
struct session_engine {
	void (*start)(void *eng);                              /* server: greet */
	void (*feed)(void *eng, const char *data, size_t len);
	void (*tls_done)(void *eng, bool ok);
	void (*disconnected)(void *eng);
	void (*timeout)(void *eng);
	bool (*busy)(const void *eng);                         /* input held for a pending answer */
	void (*free)(void *eng);
};

extern const struct session_engine session_smtpd_engine, session_smtpc_engine,
	session_imapd_engine, session_imapc_engine, session_pop3d_engine, session_pop3c_engine;

/* What the owner hears. Every member is optional. */
struct session_owner {
	void (*connected)(void *ctx);                  /* client: the connection is up */
	void (*failed)(void *ctx, enum net_fail why);  /* client: it never came up */
	/* The peer closed; the engine has been told (disconnected) and the
	 * session not stopped meanwhile. */
	void (*closed)(void *ctx);
	/* The engine closes the connection (after QUIT / LOGOUT, or on error).
	 * Without it the session closes its side at once. */
	void (*close)(void *ctx);
	/* The world ends while the session is bound to its connection: free
	 * the owner and its session now (no event will run any more). */
	void (*abandon)(void *ctx);
	/* The timer fired. Without it the engine's timeout runs. */
	void (*timeout)(void *ctx);
	/* The summary (and scenario message id, or NULL) of a block the
	 * engine sends: a message body or literal. */
	void (*summary)(void *ctx, const char *bytes, size_t len, char *sum, size_t cap,
			const char **tag);
};

struct session_config {
	enum trace_kind line_kind;     /* TK_SMTP_SEND, TK_IMAP_SEND, TK_POP3_SEND */
	enum trace_kind data_kind;     /* TK_SMTP_DATA, ... */
	int64_t timeout;               /* µs; 0: no timer. Armed on connect/accept and each input */
	/* Implicit TLS [RFC 8314 §3.3] (465, 993, 995): the handshake comes
	 * first. The client starts it once connected; the server greets only
	 * after it succeeded and closes if it failed. The engines never hear
	 * of it through tls_done (that is for STARTTLS). */
	bool implicit_tls;
};

struct session;

struct session *session_new(struct sim *sim, const struct session_config *cfg,
			    const struct session_owner *owner, void *ctx);
/* The engine, created with this session as its callbacks' ud. */
void session_set_engine(struct session *s, const struct session_engine *e, void *eng);
void *session_engine(const struct session *s);
void *session_ctx(const struct session *s);
struct conn *session_conn(const struct session *s);
/* Client side: open the connection (net_connect). */
void session_connect(struct session *s, struct host *from, const char *ip, int port);
/* Server side, from a listener's accept: bind to c, arm the timer, greet. */
void session_accept(struct session *s, struct conn *c);
/* The owner is done with the engine: no more input reaches it, no timer. */
void session_stop(struct session *s);
bool session_stopped(const struct session *s);
/* Close our side of the connection, if it is still open. */
void session_hangup(struct session *s);
/* Fire the timer now (live mode's whole-session limit): the engine's
 * timeout (smtpd: 421 4.4.2 and close), as if the client had gone idle. */
void session_expire(struct session *s);
/* Re-arm the timer (the owner saw activity of its own). */
void session_touch(struct session *s);
void session_free(struct session *s);

/* The session bound to one side of a connection, or NULL. */
struct session *session_of(const struct conn *c, enum conn_side side);
/* Its engine holds input until an answer comes (a policy check pending). */
bool session_busy(const struct session *s);

/* The engines' host callbacks; ud is the session. */
void session_cb_send_line(void *ud, const char *line);
void session_cb_send_data(void *ud, const char *bytes, size_t len, size_t nlines);
void session_cb_start_tls(void *ud);
void session_cb_close(void *ud);
/* smtpd's record of what it read from the client (live mode's trace). */
void session_cb_received_line(void *ud, const char *line, size_t len, size_t octets);
void session_cb_received_data(void *ud, const char *head, size_t head_len, uint64_t octets,
			      size_t nlines);

#endif
