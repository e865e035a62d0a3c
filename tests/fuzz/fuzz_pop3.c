/* fuzz_pop3.c — the POP3 server engine (pop3d) fed arbitrary client bytes
 * over an in-memory maildrop (its INBOX); with bit 0 of byte 0 set,
 * the fetching client (pop3c) is fed arbitrary server responses instead.
 * With bit 1 set the server offers STLS; a handshake it starts ends after
 * the chunk that asked for it, failed when bit 2 is set.
 * Byte 1 is the chunking (0: all at once, n: n bytes at a time). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "pop3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void c_done(void *ud, const struct pop3c_result *r)
{
	fz_fetch_done(ud, r->reason, r->msgs, r->nmsgs);
}

static bool tls_wanted;

static void s_start_tls(void *ud)
{
	tls_wanted = true;
}

/* One chunk, then the handshake's end if the chunk asked for one. */
static void feed_server(struct pop3d *s, const char *p, size_t n, bool tls_fails)
{
	pop3d_feed(s, p, n);
	if (tls_wanted) {
		tls_wanted = false;
		pop3d_tls_done(s, !tls_fails);
	}
}

static void run_server(struct fz *in, uint8_t conf, uint8_t mode)
{
	static const struct pop3d_callbacks cb = {
		.send_line = fz_send_line, .send_data = fz_send_data, .close = fz_close,
		.start_tls = s_start_tls,
	};
	struct pop3d_config cfg = {.hostname = "pop3.example.net", .offer_stls = conf & 2};
	struct fz_store store;
	struct fz_sess f = {0};
	fz_store_init(&store);
	tls_wanted = false;
	struct pop3d *s = pop3d_new(&cfg, &cb, &f, &fz_store_ops, &store);
	pop3d_start(s);
	size_t off = 0, step = mode ? mode : in->n;
	while (off < in->n && !f.closed) {
		size_t k = in->n - off < step ? in->n - off : step;
		feed_server(s, (const char *)in->p + off, k, conf & 4);
		off += k;
	}
	if (!f.closed)
		pop3d_disconnected(s);
	pop3d_free(s);
	fz_store_free(&store);
}

static void run_client(struct fz *in, uint8_t conf, uint8_t mode)
{
	static const struct pop3c_callbacks cb = {.send_line = fz_send_line, .done = c_done};
	struct pop3c_config cfg = {.user = "bob", .pass = "secret", .keep = conf & 2};
	struct fz_sess f = {0};
	struct pop3c *c = pop3c_new(&cfg, &cb, &f);
	FZ_FEED(pop3c_feed, c, in->p, in->n, mode, f.closed);
	if (!f.closed)
		pop3c_disconnected(c);
	if (f.done_calls != 1)
		__builtin_trap(); /* the outcome is reported exactly once */
	pop3c_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	uint8_t conf = fz_byte(&in), mode = fz_byte(&in);
	if (conf & 1)
		run_client(&in, conf, mode);
	else
		run_server(&in, conf, mode);
	return 0;
}
