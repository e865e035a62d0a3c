/* fuzz_smtpc.c — the SMTP client engine fed arbitrary server replies.
 *
 * Input: byte 0 picks the client configuration (STARTTLS wanted or
 * required, AUTH credentials, no pipelining, TLS handshake outcome), byte
 * 1 the chunking and the recipients; the rest is what the server says.
 * Checks what smtpc.h promises: done() exactly once, with one result per
 * recipient, and only one-line commands. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "smtpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fclient {
	struct smtpc *c;
	bool closed, tls_requested, tls_ok;
	int done_calls;
	size_t nrcpts;
};

static void c_send_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	/* One dot-stuffed chunk ending in the terminator [RFC 5321 §4.1.1.4]. */
	if (len < 3 || memcmp(bytes + len - 3, ".\r\n", 3) != 0)
		__builtin_trap();
}

static void c_start_tls(void *ud)
{
	((struct fclient *)ud)->tls_requested = true;
}

static void c_done(void *ud, const struct smtpc_result *res)
{
	struct fclient *f = ud;
	if (++f->done_calls > 1 || res->nrcpts != f->nrcpts)
		__builtin_trap();
	for (size_t i = 0; i < res->nrcpts; i++)
		if (!res->rcpts[i].rcpt)
			__builtin_trap();
}

static void c_close(void *ud)
{
	((struct fclient *)ud)->closed = true;
}

static const char message[] =
	"From: alice@example.org\r\nTo: bob@example.net\r\nSubject: fuzz\r\n\r\n"
	"Hello\r\n.dot line\r\n.\r\n..\r\nBye\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rcpts[] = {"bob@example.net", "carol@example.net",
					    "dave@example.com"};
	struct fz in = {data, size};
	uint8_t conf = fz_byte(&in), mode = fz_byte(&in);
	struct smtpc_config cfg = {
		.helo_name = "mail.example.org",
		.starttls = conf & 1,
		.require_tls = (conf & 3) == 3,
		.auth_user = (conf & 4) ? "alice" : NULL,
		.auth_pass = (conf & 4) ? "secret" : NULL,
		.no_pipelining = conf & 8,
	};
	static const struct smtpc_callbacks cb = {
		.send_line = fz_send_line, .send_data = c_send_data, .start_tls = c_start_tls,
		.done = c_done, .close = c_close,
	};
	struct fclient f = {.tls_ok = !(conf & 0x10), .nrcpts = 1 + (mode >> 6) % 3};
	f.c = smtpc_new(&cfg, &cb, &f);
	smtpc_set_message(f.c, (conf & 0x20) ? "" : "alice@example.org", rcpts, f.nrcpts,
			  message, sizeof(message) - 1);
	size_t step = mode & 0x3f;
	size_t off = 0;
	while (off < in.n && !f.closed) {
		size_t k = step && in.n - off > step ? step : in.n - off;
		smtpc_feed(f.c, (const char *)in.p + off, k);
		off += k;
		if (f.tls_requested && !f.closed) {
			f.tls_requested = false;
			smtpc_tls_done(f.c, f.tls_ok);
		}
	}
	if (!f.closed)
		(conf & 0x40) ? smtpc_timeout(f.c) : smtpc_disconnected(f.c);
	if (f.done_calls != 1)
		__builtin_trap(); /* the outcome is reported exactly once */
	smtpc_free(f.c);
	return 0;
}
