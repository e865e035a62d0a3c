/* fuzz_smtpd.c — the SMTP server engine fed arbitrary client bytes.
 *
 * Input: byte 0 picks the configuration (submission, STARTTLS offered or
 * required, implicit TLS, SIZE limit, no PIPELINING), byte 1 the chunking
 * (0: all at once, n: n bytes at a time) and how the policy hook answers
 * (at once, or "later" through smtpd_resume as the MTA does after a DNS
 * lookup); the rest is what the client sends. The policy is a small fixed
 * one (unknown user, relay denied, a 421 that closes), so every reply path
 * runs. STARTTLS handshakes succeed or fail by a bit of byte 0. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "smtpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fsess {
	struct smtpd *s;
	bool closed, tls_requested, tls_ok, defer;
	struct smtp_reply later;
	bool have_later;
};

static void f_close(void *ud)
{
	((struct fsess *)ud)->closed = true;
}

static void f_start_tls(void *ud)
{
	((struct fsess *)ud)->tls_requested = true;
}

static void f_policy(const char *arg, const char *arg2, enum smtpd_hook hook, struct smtp_reply *r)
{
	if (hook == SMTPD_HOOK_AUTH) {
		if (arg && arg2 && strcmp(arg, "alice") == 0 && strcmp(arg2, "secret") == 0)
			smtp_reply_set(r, 235, "2.7.0", "Authentication successful");
		return;
	}
	if (!arg)
		return;
	if (strstr(arg, "nobody"))
		smtp_reply_set(r, 550, "5.1.1", "<%s>: Recipient address rejected: User unknown", arg);
	else if (strstr(arg, "relay"))
		smtp_reply_set(r, 554, "5.7.1", "<%s>: Relay access denied", arg);
	else if (strstr(arg, "grey"))
		smtp_reply_set(r, 451, "4.7.1", "<%s>: Recipient address rejected: Greylisted", arg);
	else if (strstr(arg, "shutdown"))
		smtp_reply_set(r, 421, "4.3.2", "Service shutting down");
}

static void f_check(void *ud, enum smtpd_hook hook, const struct smtpd_txn *t, const char *arg,
		    const char *arg2, struct smtp_reply *reply)
{
	struct fsess *f = ud;
	if (hook == SMTPD_HOOK_MESSAGE && t->data_len && !t->data)
		__builtin_trap();
	f_policy(arg, arg2, hook, reply);
	if (f->defer && !f->have_later) {
		f->later = *reply;
		f->have_later = true;
		reply->pending = true;
	}
}

static void f_resume(struct fsess *f)
{
	while (f->have_later && !f->closed && smtpd_pending(f->s)) {
		struct smtp_reply r = f->later;
		f->have_later = false;
		smtpd_resume(f->s, &r);
	}
	if (f->tls_requested && !f->closed) {
		f->tls_requested = false;
		smtpd_tls_done(f->s, f->tls_ok);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	uint8_t conf = fz_byte(&in), mode = fz_byte(&in);
	struct smtpd_config cfg = {
		.hostname = "mx1.example.net",
		.submission = conf & 1,
		.offer_starttls = conf & 2,
		.require_tls = (conf & 6) == 6,
		.implicit_tls = (conf & 0x18) == 0x18,
		.auth_tls_only = conf & 0x20,
		.size_limit = (conf & 0x40) ? 1000 : 0,
		.max_rcpts = (conf & 0x40) ? 3 : 0,
		.no_pipelining = conf & 0x80,
		.max_errors = (conf & 0x80) ? 4 : 0,
	};
	static const struct smtpd_callbacks cb = {
		.send_line = fz_send_line, .close = f_close, .start_tls = f_start_tls,
		.check = f_check,
	};
	struct fsess f = {.tls_ok = !(conf & 0x10), .defer = mode & 0x80};
	f.s = smtpd_new(&cfg, &cb, &f);
	smtpd_start(f.s);
	f_resume(&f);
	size_t step = mode & 0x7f;
	size_t off = 0;
	while (off < in.n && !f.closed) {
		size_t k = step && in.n - off > step ? step : in.n - off;
		smtpd_feed(f.s, (const char *)in.p + off, k);
		off += k;
		f_resume(&f);
	}
	if (!f.closed && (conf & 0x08))
		smtpd_timeout(f.s);
	if (!f.closed)
		smtpd_disconnected(f.s);
	smtpd_free(f.s);
	return 0;
}
