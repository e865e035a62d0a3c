/* tls_link.h — one live connection's byte path: a socket read and written
 * in plaintext, and from a handshake on through TLS (app/tls.h).
 *
 * The phases follow RFC 3207 §4 / RFC 8314 §3.3: plaintext; TLS wanted
 * (the server answered STARTTLS: nothing more is read in plaintext, the
 * answer is still to be written); the handshake (non-blocking, with a
 * deadline); TLS on. An implicit TLS port goes straight to the handshake.
 * serve.c keeps the protocol side (what to trace, whom to tell). */
#ifndef MAILSIM_TLS_LINK_H
#define MAILSIM_TLS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls.h"

enum tls_phase { TLS_PHASE_PLAIN, TLS_PHASE_WANTED, TLS_PHASE_HANDSHAKE, TLS_PHASE_ON };

struct tls_link {
	int fd;                  /* not owned */
	enum tls_phase phase;
	struct tls_conn *tc;     /* owned, from the handshake on */
	enum tls_io hs_want;     /* the handshake waits to read or to write */
	int64_t deadline;        /* µs (the caller's clock) by which the handshake ends */
	bool rd_wants_write;     /* TLS: a read needs the socket writable */
	bool wr_wants_read;      /* TLS: a write needs the socket readable */
};

/* Like recv/send: TLS_IO_OK with *n > 0 octets moved, or why not. */
enum tls_io tls_link_read(struct tls_link *l, void *buf, size_t cap, size_t *n);
enum tls_io tls_link_write(struct tls_link *l, const void *buf, size_t len, size_t *n);
/* Plaintext may be read only before TLS is wanted, or once it is on. */
bool tls_link_readable(const struct tls_link *l);
/* Start the handshake (deadline: µs on the caller's clock). False, with
 * the link back to plaintext, when OpenSSL cannot take the socket. */
bool tls_link_begin(struct tls_link *l, struct tls_server *ts, int64_t deadline);
/* One step of the handshake at time now: TLS_IO_OK (on), WANT_READ or
 * WANT_WRITE (again when poll says so), or TLS_IO_ERROR with why (the link
 * back to plaintext, to be closed). */
enum tls_io tls_link_step(struct tls_link *l, int64_t now, char *why, size_t cap);
/* poll() events: during the handshake its own; else those for reading
 * (want_in) and writing (want_out), and what TLS needs for them. */
short tls_link_events(const struct tls_link *l, bool want_in, bool want_out);
/* Decrypted input OpenSSL holds that poll() cannot see. */
bool tls_link_buffered(const struct tls_link *l);
/* close_notify when on (best effort), then free the TLS side. */
void tls_link_close(struct tls_link *l);

#endif
