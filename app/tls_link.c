/* tls_link.c — see tls_link.h. */
#include "tls_link.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>

enum tls_io tls_link_read(struct tls_link *l, void *buf, size_t cap, size_t *n)
{
	if (l->phase == TLS_PHASE_ON) {
		enum tls_io r = tls_conn_read(l->tc, buf, cap, n);
		l->rd_wants_write = r == TLS_IO_WANT_WRITE;
		return r;
	}
	for (;;) {
		ssize_t r = recv(l->fd, buf, cap, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)
			*n = (size_t)r;
		return r > 0 ? TLS_IO_OK : r == 0 ? TLS_IO_EOF
		     : errno == EAGAIN || errno == EWOULDBLOCK ? TLS_IO_WANT_READ : TLS_IO_ERROR;
	}
}

enum tls_io tls_link_write(struct tls_link *l, const void *buf, size_t len, size_t *n)
{
	if (l->phase == TLS_PHASE_ON) {
		enum tls_io r = tls_conn_write(l->tc, buf, len, n);
		l->wr_wants_read = r == TLS_IO_WANT_READ;
		return r;
	}
	for (;;) {
		ssize_t w = send(l->fd, buf, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w > 0)
			*n = (size_t)w;
		return w > 0 ? TLS_IO_OK
		     : w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? TLS_IO_WANT_WRITE
									   : TLS_IO_ERROR;
	}
}

bool tls_link_readable(const struct tls_link *l)
{
	return l->phase == TLS_PHASE_PLAIN || l->phase == TLS_PHASE_ON;
}

bool tls_link_begin(struct tls_link *l, struct tls_server *ts, int64_t deadline)
{
	l->tc = tls_conn_new(ts, l->fd);
	l->phase = l->tc ? TLS_PHASE_HANDSHAKE : TLS_PHASE_PLAIN;
	l->hs_want = TLS_IO_WANT_READ; /* the client speaks first [RFC 8446 §2] */
	l->deadline = deadline;
	return l->tc != NULL;
}

enum tls_io tls_link_step(struct tls_link *l, int64_t now, char *why, size_t cap)
{
	enum tls_io r;
	if (now >= l->deadline) {
		snprintf(why, cap, "handshake timed out");
		r = TLS_IO_ERROR;
	} else {
		r = tls_conn_handshake(l->tc, why, cap);
	}
	if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE)
		l->hs_want = r;
	else
		l->phase = r == TLS_IO_OK ? TLS_PHASE_ON : TLS_PHASE_PLAIN;
	return r;
}

short tls_link_events(const struct tls_link *l, bool want_in, bool want_out)
{
	if (l->phase == TLS_PHASE_HANDSHAKE)
		return l->hs_want == TLS_IO_WANT_WRITE ? POLLOUT : POLLIN;
	return (short)((want_in || (want_out && l->wr_wants_read) ? POLLIN : 0) |
		       (want_out || (want_in && l->rd_wants_write) ? POLLOUT : 0));
}

bool tls_link_buffered(const struct tls_link *l)
{
	return l->phase == TLS_PHASE_ON && tls_conn_pending(l->tc);
}

void tls_link_close(struct tls_link *l)
{
	if (l->tc && l->phase == TLS_PHASE_ON)
		tls_conn_shutdown(l->tc); /* close_notify [RFC 8446 §6.1] */
	tls_conn_free(l->tc);
	l->tc = NULL;
	l->phase = TLS_PHASE_PLAIN;
}
