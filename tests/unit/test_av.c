/* test_av.c — the ClamAV-like scanner: the EICAR string and the "starts
 * with it, whitespace up to 128 bytes" rule; quoted-printable and base64
 * decoding; MIME walking (section numbers, nested multiparts,
 * message/rfc822, missing final boundary, LF-only mail); scans of whole
 * messages — EICAR in a plain body, a base64 attachment, a QP part, with
 * trailing whitespace (found), with leading bytes, 200 bytes of trailing
 * whitespace (not found), a clean message — with the exact clamd reply and
 * header values; every prefix of a message scanned without a crash.
 *
 * The EICAR string never appears whole here either: it comes from
 * av_eicar_string() and is encoded at run time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "av.h"
#include "util.h"

static char eicar[AV_EICAR_LEN + 1];

static int setup(void **state)
{
	av_eicar_string(eicar);
	return 0;
}

/* ---- the EICAR rule ----------------------------------------------------- */

static void test_eicar_string(void **state)
{
	assert_int_equal(strlen(eicar), 68);
	assert_int_equal(eicar[2], 'O');
	assert_memory_equal(eicar, "X5O!", 4);
	assert_string_equal(eicar + 64, "H+H*");
	assert_null(strchr(eicar, ' '));
}

static void test_eicar_rule_table(void **state)
{
	static const struct {
		const char *what, *before, *after;
		size_t after_spaces;
		bool want;
	} cases[] = {
		{"exact", "", "", 0, true},
		{"CRLF after", "", "\r\n", 0, true},
		{"tab, LF, Ctrl-Z after", "", "\t\n\x1a", 0, true},
		{"128 bytes in all", "", "", 60, true},
		{"129 bytes in all", "", "", 61, false},
		{"200 bytes of whitespace after", "", "", 200, false},
		{"a letter after", "", " x", 0, false},
		{"a byte before", "A", "", 0, false},
		{"a space before", " ", "", 0, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct strbuf sb;
		sb_init(&sb);
		sb_puts(&sb, cases[i].before);
		sb_puts(&sb, eicar);
		sb_puts(&sb, cases[i].after);
		for (size_t k = 0; k < cases[i].after_spaces; k++)
			sb_putc(&sb, ' ');
		bool got = av_is_eicar((const unsigned char *)sb.data, sb.len);
		if (got != cases[i].want)
			fail_msg("%s (%zu bytes): got %d, want %d", cases[i].what, sb.len, got, cases[i].want);
		sb_free(&sb);
	}
	assert_false(av_is_eicar((const unsigned char *)eicar, AV_EICAR_LEN - 1));
}

/* ---- decoders ----------------------------------------------------------- */

static void test_decode_qp(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"a=3Db", "a=b"},
		{"soft=\r\nbreak", "softbreak"},
		{"soft=  \r\nbreak", "softbreak"},
		{"trail  \r\nx", "trail\r\nx"},
		{"lf only\nnext\n", "lf only\r\nnext\r\n"},
		{"=4a=4A", "JJ"},
		{"bad=zz and =4", "bad=zz and =4"},
		{"caf=C3=A9", "caf\xc3\xa9"},
		{"end=", "end"},
		{"", ""},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t n;
		unsigned char *out = av_decode_qp(cases[i].in, strlen(cases[i].in), &n);
		if (n != strlen(cases[i].want) || memcmp(out, cases[i].want, n) != 0)
			fail_msg("qp(%s): got \"%.*s\", want \"%s\"", cases[i].in, (int)n, out, cases[i].want);
		free(out);
	}
}

static void test_decode_base64(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"SGVsbG8=", "Hello"},
		{"SGVs\r\nbG8=\r\n", "Hello"},
		{" S G V s b G 8 = ", "Hello"},
		{"SGVsbG8", "Hello"},
		{"SGVsbG8=trailing junk", "Hello"},
		{"SGVsbA==", "Hell"},
		{"SGVs*bG8=", "Hello"}, /* outside the alphabet: ignored */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t n;
		unsigned char *out = av_decode_base64(cases[i].in, strlen(cases[i].in), &n);
		if (!out)
			fail_msg("b64(%s): got NULL, want \"%s\"", cases[i].in, cases[i].want);
		if (n != strlen(cases[i].want) || memcmp(out, cases[i].want, n) != 0)
			fail_msg("b64(%s): got \"%.*s\", want \"%s\"", cases[i].in, (int)n, out, cases[i].want);
		free(out);
	}
	size_t n;
	assert_null(av_decode_base64("!!!", 3, &n));
	assert_null(av_decode_base64("", 0, &n));
}

/* ---- message builders --------------------------------------------------- */

/* base64 of data, in lines of 76 [RFC 2045 §6.8]. */
static void put_b64(struct strbuf *sb, const char *data, size_t len)
{
	char *enc = b64_encode((const unsigned char *)data, len);
	for (size_t i = 0, n = strlen(enc); i < n; i += 76) {
		sb_append(sb, enc + i, n - i < 76 ? n - i : 76);
		sb_puts(sb, "\r\n");
	}
	free(enc);
}

#define HEAD                                                                                       \
	"From: alice@a.example\r\nTo: bob@b.example\r\nSubject: test\r\n"                          \
	"Date: Tue, 14 May 2024 10:15:02 +0200\r\nMessage-ID: <m1@a.example>\r\nMIME-Version: 1.0\r\n"

/* multipart/mixed: a text part and an attachment holding content. */
static char *with_attachment(const char *content, size_t len, const char *cte, const char *filename)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_puts(&sb, HEAD "Content-Type: multipart/mixed; boundary=\"=_b1 x\"\r\n\r\n"
			  "This is a multi-part message in MIME format.\r\n"
			  "--=_b1 x\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee attached.\r\n"
			  "--=_b1 x\r\n");
	sb_printf(&sb, "Content-Type: application/octet-stream; name=\"%s\"\r\n", filename);
	sb_printf(&sb, "Content-Disposition: attachment; filename=\"%s\"\r\n", filename);
	sb_printf(&sb, "Content-Transfer-Encoding: %s\r\n\r\n", cte);
	if (strcmp(cte, "base64") == 0)
		put_b64(&sb, content, len);
	else {
		sb_append(&sb, content, len);
		sb_puts(&sb, "\r\n");
	}
	sb_puts(&sb, "--=_b1 x--\r\nepilogue\r\n");
	return sb_steal(&sb);
}

/* EICAR as quoted-printable: two soft line breaks and some =XX escapes. */
static char *eicar_qp(void)
{
	struct strbuf sb;
	sb_init(&sb);
	for (size_t i = 0; i < AV_EICAR_LEN; i++) {
		if (i == 20 || i == 50)
			sb_puts(&sb, "=\r\n");
		if (eicar[i] == '!' || eicar[i] == '$')
			sb_printf(&sb, "=%02X", (unsigned char)eicar[i]);
		else
			sb_putc(&sb, eicar[i]);
	}
	return sb_steal(&sb);
}

struct scan_case {
	const char *what;
	char *msg; /* owned */
	enum av_verdict want;
	const char *part, *label;
};

static void run_scan_cases(struct scan_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct av_result r;
		char reply[96], label[160];
		av_scan(cases[i].msg, strlen(cases[i].msg), &r);
		av_clamd_reply(&r, reply, sizeof reply);
		av_part_label(&r, label, sizeof label);
		const char *want_reply = cases[i].want == AV_FOUND ? "stream: Win.Test.EICAR_HDB-1 FOUND"
								   : "stream: OK";
		if (r.verdict != cases[i].want || strcmp(reply, want_reply) != 0 ||
		    strcmp(r.part_id, cases[i].part) != 0 || strcmp(label, cases[i].label) != 0)
			fail_msg("%s: got \"%s\" part \"%s\" label \"%s\", want \"%s\" part \"%s\" label \"%s\"",
				 cases[i].what, reply, r.part_id, label, want_reply, cases[i].part, cases[i].label);
		free(cases[i].msg);
	}
}

static void test_scan_messages(void **state)
{
	char ws200[201];
	memset(ws200, ' ', 200);
	ws200[200] = '\0';
	char *trailing = xasprintf("%s \t\r\n\x1a", eicar);
	char *leading = xasprintf("Hello %s", eicar);
	char *long_ws = xasprintf("%s%s", eicar, ws200);
	char *qp = eicar_qp();
	struct strbuf single;
	sb_init(&single);
	sb_puts(&single, HEAD "Content-Type: application/octet-stream\r\n"
			      "Content-Transfer-Encoding: base64\r\n\r\n");
	put_b64(&single, eicar, AV_EICAR_LEN);
	struct scan_case cases[] = {
		{"plain body", xasprintf(HEAD "Content-Type: text/plain\r\n\r\n%s\r\n", eicar), AV_FOUND, "1",
		 "message body"},
		{"plain body, no MIME headers", xasprintf("From: a@a.example\r\n\r\n%s", eicar), AV_FOUND, "1",
		 "message body"},
		{"base64 attachment", with_attachment(eicar, AV_EICAR_LEN, "base64", "eicar.com"), AV_FOUND,
		 "2", "attachment eicar.com"},
		{"quoted-printable part", with_attachment(qp, strlen(qp), "quoted-printable", "e.txt"),
		 AV_FOUND, "2", "attachment e.txt"},
		{"base64 body of a single-part message", sb_steal(&single), AV_FOUND, "1", "message body"},
		{"trailing whitespace", with_attachment(trailing, strlen(trailing), "base64", "t.com"),
		 AV_FOUND, "2", "attachment t.com"},
		{"leading bytes", with_attachment(leading, strlen(leading), "base64", "l.com"), AV_CLEAN, "",
		 ""},
		{"200 bytes of trailing whitespace", with_attachment(long_ws, strlen(long_ws), "base64", "w.com"),
		 AV_CLEAN, "", ""},
		{"clean message", xasprintf(HEAD "\r\nHi Bob,\r\nlunch?\r\n"), AV_CLEAN, "", ""},
	};
	run_scan_cases(cases, ARRAY_LEN(cases));
	free(trailing);
	free(leading);
	free(long_ws);
	free(qp);
}

static void test_scan_nested(void **state)
{
	struct strbuf sb;
	sb_init(&sb);
	sb_puts(&sb, HEAD "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
			  "--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
			  "--alt\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
			  "--alt\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--alt--\r\n"
			  "--outer\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n"
			  "--inner\r\nContent-Type: text/plain\r\n\r\nnote\r\n"
			  "--inner\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	put_b64(&sb, eicar, AV_EICAR_LEN);
	sb_puts(&sb, "--inner--\r\n--outer--\r\n");
	struct scan_case cases[] = {
		{"nested multipart", sb_steal(&sb), AV_FOUND, "2.2", "part 2.2"},
		{"forwarded message/rfc822",
		 xasprintf(HEAD "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
			   "fwd\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y.example\r\n"
			   "Subject: inner\r\n\r\n%s\r\n--b--\r\n",
			   eicar),
		 AV_FOUND, "2.1", "part 2.1"},
		{"no closing boundary",
		 xasprintf(HEAD "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\ntext\r\n--b\r\n"
			   "Content-Disposition: attachment; filename=x.bin\r\n\r\n%s\r\n",
			   eicar),
		 AV_FOUND, "2", "attachment x.bin"},
		{"LF-only line ends",
		 xasprintf("From: a@a.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n--b\n"
			   "Content-Type: application/octet-stream; name=n.com\n\n%s\n--b--\n",
			   eicar),
		 AV_FOUND, "2", "attachment n.com"},
		{"boundary missing: one leaf",
		 xasprintf(HEAD "Content-Type: multipart/mixed\r\n\r\n%s\r\n", eicar), AV_FOUND, "1",
		 "message body"},
	};
	run_scan_cases(cases, ARRAY_LEN(cases));
}

static void test_parts_parse(void **state)
{
	const char *msg = HEAD "Content-Type: multipart/mixed; BOUNDARY=\"xyz\"\r\n\r\n"
			       "preamble\r\n--xyz\r\n\r\nno headers\r\n"
			       "--xyz  \r\nContent-Type: TEXT/HTML; charset=utf-8\r\n"
			       "Content-Transfer-Encoding: Quoted-Printable\r\n\r\n<b>caf=C3=A9</b>\r\n"
			       "--xyz\r\nContent-Type: application/pdf; name=\"a \\\"b\\\".pdf\"\r\n"
			       "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n"
			       "--xyz\r\nContent-Type: text/plain\r\n"
			       "Content-Disposition: attachment; filename*=utf-8''notes.txt\r\n\r\nline\r\n"
			       "--xyz--\r\n";
	struct av_parts p;
	av_parts_parse(msg, strlen(msg), &p);
	static const struct {
		const char *id, *ctype, *enc, *filename, *data;
	} want[] = {
		{"1", "text/plain", "7bit", NULL, "no headers"},
		{"2", "text/html", "quoted-printable", NULL, "<b>caf\xc3\xa9</b>"},
		{"3", "application/pdf", "base64", "a \"b\".pdf", "Hello"},
		{"4", "text/plain", "7bit", "notes.txt", "line"},
	};
	assert_int_equal(p.n, ARRAY_LEN(want));
	for (size_t i = 0; i < p.n; i++) {
		const struct av_part *a = &p.v[i];
		const char *fn = a->filename ? a->filename : "(null)";
		const char *wfn = want[i].filename ? want[i].filename : "(null)";
		if (strcmp(a->id, want[i].id) || strcmp(a->content_type, want[i].ctype) ||
		    strcmp(a->encoding, want[i].enc) || strcmp(fn, wfn) || a->len != strlen(want[i].data) ||
		    memcmp(a->data, want[i].data, a->len) != 0 || a->whole_body)
			fail_msg("part %zu: got %s %s %s %s \"%.*s\", want %s %s %s %s \"%s\"", i, a->id,
				 a->content_type, a->encoding, fn, (int)a->len, a->data, want[i].id, want[i].ctype,
				 want[i].enc, wfn, want[i].data);
	}
	av_parts_clear(&p);
	assert_int_equal(p.n, 0);
}

static void test_headers(void **state)
{
	char out[128];
	struct av_result clean = {.verdict = AV_CLEAN};
	struct av_result found = {.verdict = AV_FOUND, .signature = AV_EICAR_NAME, .part_id = "2"};
	av_header_scanned("mx.b.example", out, sizeof out);
	assert_string_equal(out, "clamav-milter at mx.b.example");
	av_header_status(&clean, out, sizeof out);
	assert_string_equal(out, "Clean");
	av_header_status(&found, out, sizeof out);
	assert_string_equal(out, "Infected (Win.Test.EICAR_HDB-1)");
	av_part_label(&found, out, sizeof out);
	assert_string_equal(out, "part 2");
	av_part_label(&clean, out, sizeof out);
	assert_string_equal(out, "");
}

/* Every prefix of a nested message, and a byte-flipped copy, must scan
 * without reading out of bounds (ASan watches). */
static void test_truncations_are_safe(void **state)
{
	char *msg = with_attachment(eicar, AV_EICAR_LEN, "base64", "eicar.com");
	size_t len = strlen(msg);
	size_t found = 0;
	for (size_t n = 0; n <= len; n++) {
		char *copy = xmalloc(n ? n : 1); /* not NUL-terminated on purpose */
		memcpy(copy, msg, n);
		struct av_result r;
		av_scan(copy, n, &r);
		found += r.verdict == AV_FOUND;
		for (size_t k = 0; k < n; k += 7)
			copy[k] = (char)(copy[k] ^ 0x5a);
		av_scan(copy, n, &r);
		free(copy);
	}
	/* Found once the base64 is complete up to its padding (and beyond). */
	assert_true(found > 0 && found < len);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eicar_string),
		cmocka_unit_test(test_eicar_rule_table),
		cmocka_unit_test(test_decode_qp),
		cmocka_unit_test(test_decode_base64),
		cmocka_unit_test(test_scan_messages),
		cmocka_unit_test(test_scan_nested),
		cmocka_unit_test(test_parts_parse),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_truncations_are_safe),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
