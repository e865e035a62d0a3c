/* fuzz_dkim.c — DKIM verification on arbitrary messages: the
 * DKIM-Signature tag-list parser, canonicalization, the key-record parser
 * and the RSA check.
 *
 * Input: byte 0 is the mode; the first line is the key record the DNS
 * answers with (unless bit 4 asks for the real one), the rest the message.
 * Bit 0: sign the message first with scenarios/keys/example.org.s1.pem
 * (bits 1-2 pick the canonicalizations, bit 3 adds l=), so verification
 * goes past the signature parser into the hashes. Bits 5-6: the key query
 * times out, or answers NXDOMAIN. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"
#include "dns.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dkim_key *key;
static char *key_txt;

static void load_key(void)
{
	if (key)
		return;
	FILE *f = fopen(MAILSIM_KEY_DIR "/example.org.s1.pem", "rb");
	if (!f) {
		fprintf(stderr, "fuzz_dkim: cannot open %s\n", MAILSIM_KEY_DIR "/example.org.s1.pem");
		abort();
	}
	static char pem[8192];
	size_t n = fread(pem, 1, sizeof(pem) - 1, f);
	fclose(f);
	pem[n] = '\0';
	char err[128];
	key = dkim_key_load_pem(pem, err, sizeof(err));
	if (!key)
		abort();
	key_txt = dkim_key_txt(key);
}

/* The message signed as mail.example.org signs it, or NULL. */
static char *sign(const char *msg, size_t len, uint8_t mode, size_t *out_len)
{
	struct dkim_sign_opts o = {
		.domain = "example.org", .selector = "s1",
		.header_canon = (mode & 2) ? DKIM_RELAXED : DKIM_SIMPLE,
		.body_canon = (mode & 4) ? DKIM_RELAXED : DKIM_SIMPLE,
		.timestamp = 1700000000, .body_length = mode & 8,
	};
	static const char *const heads[] = {"From", "To", "Subject", "Date", "From"};
	o.headers = heads;
	o.nheaders = 5;
	char err[128];
	char *v = dkim_sign(key, &o, msg, len, err, sizeof(err));
	if (!v)
		return NULL;
	struct strbuf sb;
	sb_init(&sb);
	sb_printf(&sb, "DKIM-Signature: %s\r\n", v);
	sb_append(&sb, msg, len);
	free(v);
	*out_len = sb.len;
	return sb.data;
}

static void answer(struct dkim_verify *v, const char *qname, const char *rec, uint8_t mode)
{
	if (mode & 0x20) {
		dkim_verify_answer(v, NULL);
		return;
	}
	struct dns_answer a;
	memset(&a, 0, sizeof(a));
	a.rcode = (mode & 0x40) ? DNS_R_NXDOMAIN : DNS_R_NOERROR;
	struct dns_rr rr;
	char err[128];
	if (!(mode & 0x40) && dns_rr_init(&rr, qname, DNS_T_TXT, 300, rec, err, sizeof(err))) {
		dns_answer_push(&a, &rr);
		dns_rr_clear(&rr);
	}
	dkim_verify_answer(v, &a);
	dns_answer_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_key();
	struct fz in = {data, size};
	uint8_t mode = fz_byte(&in);
	char *rec = fz_line(&in);
	if (!rec)
		return 0;
	const char *msg = (const char *)in.p;
	size_t len = in.n;
	size_t signed_len = 0;
	char *signed_msg = (mode & 1) ? sign(msg, len, mode, &signed_len) : NULL;
	if (signed_msg) {
		msg = signed_msg;
		len = signed_len;
	}
	struct dkim_verify *v = dkim_verify_new(msg, len, 1700000100);
	char qname[256];
	enum dns_type qt;
	int steps = 0;
	while (dkim_verify_step(v, qname, sizeof(qname), &qt) == AUTH_NEED_DNS) {
		if (++steps > 4 * DKIM_MAX_SIGS)
			__builtin_trap(); /* one key query per signature */
		answer(v, qname, (mode & 0x10) ? key_txt : rec, mode);
	}
	for (size_t i = 0; i < dkim_verify_count(v); i++) {
		(void)dkim_result_name(dkim_verify_result(v, i));
		(void)strlen(dkim_verify_domain(v, i));
		(void)strlen(dkim_verify_selector(v, i));
		(void)strlen(dkim_verify_reason(v, i));
	}
	dkim_verify_free(v);
	free(signed_msg);
	free(rec);
	return 0;
}
