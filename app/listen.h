/* listen.h — live mode's listening sockets and what each one serves.
 *
 * A listener has a kind: the SMTP ports (smtp 25, submission 587 with
 * STARTTLS, submissions 465 with implicit TLS) and the retrieval ports
 * (imap 143, imaps 993, pop3 110, pop3s 995) [RFC 8314 §7]. A real
 * connection on it is injected into the served host's simulated port of
 * the same number; on an implicit TLS kind the pump runs the handshake
 * before anything else. */
#ifndef MAILSIM_LISTEN_H
#define MAILSIM_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

struct listen_kind {
	const char *name;          /* "smtp", "imaps", ... as the options and messages say */
	int port;                  /* the simulated port it stands for */
	bool implicit_tls;         /* TLS from the first byte [RFC 8314 §3.3] */
	enum scn_service service;  /* the scenario service it needs ... */
	enum scn_service plain;    /* ... or this one (the same protocol with STARTTLS) */
};

/* The kind of that name, or NULL. */
const struct listen_kind *listen_kind_find(const char *name);

struct listen_sock {
	const struct listen_kind *kind;
	int fd;                    /* -1 when closed */
	bool loopback;
	char addr[80];             /* the bound address, "127.0.0.1:2525" */
};

/* Bind and listen (non-blocking) on spec: "HOST:PORT", "[V6]:PORT", or a
 * bare "PORT" (on 127.0.0.1). A non-loopback address needs allow_remote.
 * 0, or an exit code (2 usage, 4 I/O) after a message on stderr naming
 * option (the option that gave spec). */
int listen_open(struct listen_sock *ls, const struct listen_kind *kind, const char *option,
		const char *spec, bool allow_remote);
void listen_close(struct listen_sock *ls);

#endif
