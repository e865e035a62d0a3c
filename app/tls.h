/* tls.h — live mode's real TLS (OpenSSL): one server context with a
 * certificate, and non-blocking server-side connections over a socket.
 *
 * The certificate comes from PEM files (--tls-cert/--tls-key) or is made at
 * start: a P-256 key and a self-signed X.509 certificate for the served
 * host's name, valid for a year; its SHA-256 fingerprint is what a student
 * compares with the one their client shows. Nothing here knows a protocol:
 * serve.c runs the handshake when a session asks for it (STARTTLS) or as
 * soon as a connection arrives on an implicit TLS port [RFC 8314 §3.3]. */
#ifndef MAILSIM_TLS_H
#define MAILSIM_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tls_server;
struct tls_conn;

/* cert and key both NULL: a self-signed certificate for cn. NULL and a
 * message in err on failure. */
struct tls_server *tls_server_new(const char *cert, const char *key, const char *cn, char *err,
				  size_t cap);
void tls_server_free(struct tls_server *ts);
/* "SHA256 Fingerprint=AB:CD:..." as openssl x509 -fingerprint prints it. */
const char *tls_server_fingerprint(const struct tls_server *ts);
/* The certificate's subject, for the start-up line. */
const char *tls_server_subject(const struct tls_server *ts);

/* The TLS side of one accepted socket (not owned: the caller closes fd). */
struct tls_conn *tls_conn_new(struct tls_server *ts, int fd);
void tls_conn_free(struct tls_conn *tc);

enum tls_io { TLS_IO_OK, TLS_IO_WANT_READ, TLS_IO_WANT_WRITE, TLS_IO_EOF, TLS_IO_ERROR };

/* One step of the server handshake. TLS_IO_OK when done; on TLS_IO_ERROR
 * why says what went wrong (OpenSSL's reason). */
enum tls_io tls_conn_handshake(struct tls_conn *tc, char *why, size_t cap);
/* The negotiated protocol, "TLSv1.3". */
const char *tls_conn_version(const struct tls_conn *tc);
/* Read / write like recv/send: TLS_IO_OK with *n octets moved (> 0), or
 * why nothing moved. A handshake message may make a read want a write
 * and the other way round. */
enum tls_io tls_conn_read(struct tls_conn *tc, void *buf, size_t cap, size_t *n);
enum tls_io tls_conn_write(struct tls_conn *tc, const void *buf, size_t len, size_t *n);
/* Decrypted octets OpenSSL holds that poll() cannot see. */
bool tls_conn_pending(const struct tls_conn *tc);
/* Send close_notify (best effort, never blocks). */
void tls_conn_shutdown(struct tls_conn *tc);

#endif
