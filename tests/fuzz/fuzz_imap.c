/* fuzz_imap.c — the IMAP server engine (imapd) fed arbitrary client bytes
 * over an in-memory mailbox with three folders; with bit 0 of byte 0 set,
 * the fetching client (imapc) is fed arbitrary server responses instead.
 * Byte 1 is the chunking (0: all at once, n: n bytes at a time). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "imap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void c_done(void *ud, const struct imapc_result *r)
{
	fz_fetch_done(ud, r->reason, r->msgs, r->nmsgs);
}

static void run_server(struct fz *in, uint8_t mode)
{
	static const struct imapd_callbacks cb = {
		.send_line = fz_send_line, .send_data = fz_send_data, .close = fz_close,
	};
	struct imapd_config cfg = {.hostname = "imap.example.net"};
	struct fz_store store;
	struct fz_sess f = {0};
	fz_store_init(&store);
	struct imapd *s = imapd_new(&cfg, &cb, &f, &fz_store_ops, &store);
	imapd_start(s);
	FZ_FEED(imapd_feed, s, in->p, in->n, mode, f.closed);
	if (!f.closed)
		imapd_disconnected(s);
	imapd_free(s);
	fz_store_free(&store);
}

static void run_client(struct fz *in, uint8_t conf, uint8_t mode)
{
	static const struct imapc_callbacks cb = {.send_line = fz_send_line, .done = c_done};
	struct imapc_config cfg = {.user = "bob", .pass = "secret", .keep = conf & 2,
				   .folder = (conf & 4) ? "Junk" : NULL};
	struct fz_sess f = {0};
	struct imapc *c = imapc_new(&cfg, &cb, &f);
	FZ_FEED(imapc_feed, c, in->p, in->n, mode, f.closed);
	if (!f.closed)
		imapc_disconnected(c);
	if (f.done_calls != 1)
		__builtin_trap(); /* the outcome is reported exactly once */
	imapc_free(c);
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
