/* fuzz_pop3.c — the POP3 server engine (pop3d) fed arbitrary client bytes
 * over an in-memory maildrop (its INBOX); with bit 0 of byte 0 set,
 * the fetching client (pop3c) is fed arbitrary server responses instead.
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

static void run_server(struct fz *in, uint8_t mode)
{
	static const struct pop3d_callbacks cb = {
		.send_line = fz_send_line, .send_data = fz_send_data, .close = fz_close,
	};
	struct pop3d_config cfg = {.hostname = "pop3.example.net"};
	struct fz_store store;
	struct fz_sess f = {0};
	fz_store_init(&store);
	struct pop3d *s = pop3d_new(&cfg, &cb, &f, &fz_store_ops, &store);
	pop3d_start(s);
	FZ_FEED(pop3d_feed, s, in->p, in->n, mode, f.closed);
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
		run_server(&in, mode);
	return 0;
}
