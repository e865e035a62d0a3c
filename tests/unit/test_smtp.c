/* test_smtp.c — shared SMTP helpers: classification, path and parameter
 * parsing, dot-stuffing, reply-line parsing. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "smtp.h"

static void test_classify(void **state)
{
	static const struct {
		int code;
		enum smtp_class want;
	} cases[] = {
		{220, SMTP_CLASS_OK},       {250, SMTP_CLASS_OK},       {354, SMTP_CLASS_OK},
		{334, SMTP_CLASS_OK},       {421, SMTP_CLASS_TEMPFAIL}, {450, SMTP_CLASS_TEMPFAIL},
		{452, SMTP_CLASS_TEMPFAIL}, {500, SMTP_CLASS_PERMFAIL}, {550, SMTP_CLASS_PERMFAIL},
		{554, SMTP_CLASS_PERMFAIL}, {0, SMTP_CLASS_TEMPFAIL},   {600, SMTP_CLASS_TEMPFAIL},
		{199, SMTP_CLASS_TEMPFAIL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum smtp_class got = smtp_classify(cases[i].code);
		if (got != cases[i].want)
			fail_msg("classify(%d): got %s, want %s", cases[i].code, smtp_class_name(got),
				 smtp_class_name(cases[i].want));
	}
	assert_string_equal(smtp_class_name(SMTP_CLASS_PERMFAIL), "permfail");
}

static void test_reply_set(void **state)
{
	struct smtp_reply r;
	r.pending = true;
	smtp_reply_set(&r, 550, "5.1.1", "<%s>: User unknown", "bob@example.net");
	assert_int_equal(r.code, 550);
	assert_string_equal(r.enh, "5.1.1");
	assert_string_equal(r.text, "<bob@example.net>: User unknown");
	assert_false(r.pending);
	smtp_reply_set(&r, 354, NULL, "go");
	assert_string_equal(r.enh, "");
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	smtp_reply_set(&r, 250, "", "%s", big);
	assert_int_equal(strlen(r.text), sizeof r.text - 1);
}

static void test_parse_path(void **state)
{
	static const struct {
		const char *arg;
		bool allow_null, ok;
		const char *box, *params;
	} cases[] = {
		{"<alice@example.org>", false, true, "alice@example.org", ""},
		{"<alice@example.org> SIZE=100 BODY=8BITMIME", false, true, "alice@example.org", "SIZE=100 BODY=8BITMIME"},
		{"<alice@example.org>   SIZE=1", false, true, "alice@example.org", "SIZE=1"},
		{"<>", true, true, "", ""},
		{"<>", false, false, NULL, NULL},
		{"<> SIZE=5", true, true, "", "SIZE=5"},
		{"<@relay.example,@b.example:bob@example.net>", false, true, "bob@example.net", ""},
		{"<\"john doe\"@example.net>", false, true, "\"john doe\"@example.net", ""},
		{"<\"a\\\"b\"@example.net>", false, true, "\"a\\\"b\"@example.net", ""},
		{"<Postmaster>", false, true, "Postmaster", ""},
		{"<first.last+tag@sub.example.co.uk>", false, true, "first.last+tag@sub.example.co.uk", ""},
		{"<user@[192.0.2.1]>", false, true, "user@[192.0.2.1]", ""},
		{"<user@[IPv6:2001:db8::1]>", false, true, "user@[IPv6:2001:db8::1]", ""},
		{"alice@example.org", false, false, NULL, NULL},    /* no brackets */
		{"<alice@example.org", false, false, NULL, NULL},   /* unterminated */
		{"<alice>", false, false, NULL, NULL},              /* no domain */
		{"<a@@b.example>", false, false, NULL, NULL},
		{"<a..b@example.org>", false, false, NULL, NULL},
		{"<.a@example.org>", false, false, NULL, NULL},
		{"<a@exa_mple.org>", false, false, NULL, NULL},     /* underscore [§4.1.2] */
		{"<a@-example.org>", false, false, NULL, NULL},
		{"<a@example-.org>", false, false, NULL, NULL},
		{"<a@example.org.>", false, false, NULL, NULL},
		{"<a b@example.org>", false, false, NULL, NULL},
		{"<a@example.org>SIZE=1", false, false, NULL, NULL}, /* params need SP */
		{"<a@[]>", false, false, NULL, NULL},
		{"<\"unterminated@example.org>", false, false, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char box[SMTP_PATH_MAX];
		const char *params = NULL;
		bool ok = smtp_parse_path(cases[i].arg, cases[i].allow_null, box, sizeof box, &params);
		if (ok != cases[i].ok)
			fail_msg("parse_path(%s): got %d, want %d", cases[i].arg, ok, cases[i].ok);
		if (!ok)
			continue;
		if (strcmp(box, cases[i].box) != 0 || strcmp(params, cases[i].params) != 0)
			fail_msg("parse_path(%s): got box '%s' params '%s', want '%s' '%s'", cases[i].arg, box,
				 params, cases[i].box, cases[i].params);
	}
}

static void test_parse_path_limits(void **state)
{
	char arg[400], box[SMTP_PATH_MAX];
	/* local part of 64 ok, 65 not [RFC 5321 §4.5.3.1.1] */
	snprintf(arg, sizeof arg, "<%s@example.org>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_true(smtp_parse_path(arg, false, box, sizeof box, NULL));
	snprintf(arg, sizeof arg, "<%s@example.org>", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_false(smtp_parse_path(arg, false, box, sizeof box, NULL));
	/* label of 64 is too long */
	snprintf(arg, sizeof arg, "<a@%s.org>", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_false(smtp_parse_path(arg, false, box, sizeof box, NULL));
	/* whole path over 256 octets */
	char dom[300] = "";
	for (int i = 0; i < 5; i++)
		strcat(dom, "ccccccccccccccccccccccccccccccccccccccccccccccccc.");
	strcat(dom, "org");
	snprintf(arg, sizeof arg, "<a@%s>", dom);
	assert_false(smtp_parse_path(arg, false, box, sizeof box, NULL));
	/* mailbox buffer too small */
	char small[8];
	assert_false(smtp_parse_path("<alice@example.org>", false, small, sizeof small, NULL));
}

static void test_next_param(void **state)
{
	static const struct {
		const char *in;
		const char *want; /* "K=V|K2=|..." then "!" if it ends malformed */
	} cases[] = {
		{"", ""},
		{"SIZE=100", "SIZE=100|"},
		{"SIZE=100 BODY=8BITMIME", "SIZE=100|BODY=8BITMIME|"},
		{"  SMTPUTF8  RET=HDRS ", "SMTPUTF8=|RET=HDRS|"},
		{"SIZE=", "!"},
		{"=x", "!"},
		{"SIZE=a=b", "!"},
		{"-X=1", "!"},
		{"X-Y=1", "X-Y=1|"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char got[200] = "", key[32], val[64];
		const char *p = cases[i].in;
		int rc;
		while ((rc = smtp_next_param(&p, key, sizeof key, val, sizeof val)) > 0)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s=%s|", key, val);
		if (rc < 0)
			strcat(got, "!");
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("next_param(%s): got '%s', want '%s'", cases[i].in, got, cases[i].want);
	}
}

static void test_dot_stuff(void **state)
{
	static const struct {
		const char *in, *want;
		size_t lines;
	} cases[] = {
		{"", ".\r\n", 0},
		{"a\r\n", "a\r\n.\r\n", 1},
		{"a\n", "a\r\n.\r\n", 1},
		{"a", "a\r\n.\r\n", 1},
		{".\r\n", "..\r\n.\r\n", 1},
		{"..\n.x\nx.\n", "...\r\n..x\r\nx.\r\n.\r\n", 3},
		{"a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n.\r\n", 3},
		{"one\rtwo\n", "one\rtwo\r\n.\r\n", 1},
		{"\n", "\r\n.\r\n", 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strbuf sb;
		size_t n = 99;
		sb_init(&sb);
		smtp_dot_stuff(cases[i].in, strlen(cases[i].in), &sb, &n);
		if (strcmp(sb.data, cases[i].want) != 0 || n != cases[i].lines)
			fail_msg("dot_stuff case %zu: got '%s' (%zu lines), want '%s' (%zu)", i, sb.data, n,
				 cases[i].want, cases[i].lines);
		/* size = unstuffed CRLF message */
		size_t dots = 0;
		for (size_t k = 0; k < sb.len; k++)
			dots += sb.data[k] == '.' && (k == 0 || sb.data[k - 1] == '\n') && k + 3 != sb.len;
		assert_int_equal(smtp_message_size(cases[i].in, strlen(cases[i].in)), sb.len - 3 - dots);
		sb_free(&sb);
	}
}

static void test_parse_reply_line(void **state)
{
	static const struct {
		const char *line;
		bool ok;
		int code;
		bool more;
		const char *text;
	} cases[] = {
		{"250 Ok", true, 250, false, "Ok"},
		{"250-mx.example.net", true, 250, true, "mx.example.net"},
		{"250", true, 250, false, ""},
		{"250-", true, 250, true, ""},
		{"354 End data", true, 354, false, "End data"},
		{"600 bogus", false, 0, false, NULL},
		{"150 bogus", false, 0, false, NULL},
		{"25 short", false, 0, false, NULL},
		{"2500 long", false, 0, false, NULL},
		{"abc def", false, 0, false, NULL},
		{"", false, 0, false, NULL},
		{"250_Ok", false, 0, false, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int code = 0;
		bool more = false;
		const char *text = NULL;
		bool ok = smtp_parse_reply_line(cases[i].line, &code, &more, &text);
		if (ok != cases[i].ok)
			fail_msg("parse_reply_line(%s): got %d, want %d", cases[i].line, ok, cases[i].ok);
		if (ok && (code != cases[i].code || more != cases[i].more || strcmp(text, cases[i].text) != 0))
			fail_msg("parse_reply_line(%s): got %d %d '%s'", cases[i].line, code, more, text);
	}
}

static void test_reply_from_text(void **state)
{
	static const struct {
		int code;
		const char *text, *enh, *rest;
	} cases[] = {
		{250, "2.1.5 Ok", "2.1.5", "Ok"},
		{550, "5.1.1 <b@x>: User unknown", "5.1.1", "<b@x>: User unknown"},
		{550, "2.1.1 mismatched class", "", "2.1.1 mismatched class"},
		{421, "4.4.2 mx Error: timeout exceeded", "4.4.2", "mx Error: timeout exceeded"},
		{250, "2.0.0", "2.0.0", ""},
		{220, "mx.example.net ESMTP", "", "mx.example.net ESMTP"},
		{250, "2.1234.5 x", "", "2.1234.5 x"},
		{250, "2.1.5x y", "", "2.1.5x y"},
		{552, "5.3.4 Message size exceeds fixed limit", "5.3.4", "Message size exceeds fixed limit"},
		{535, "5.7.8 Error: authentication failed", "5.7.8", "Error: authentication failed"},
		{538, "5.7.11 Encryption required", "5.7.11", "Encryption required"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct smtp_reply r;
		smtp_reply_from_text(&r, cases[i].code, cases[i].text);
		if (r.code != cases[i].code || strcmp(r.enh, cases[i].enh) != 0 || strcmp(r.text, cases[i].rest) != 0)
			fail_msg("reply_from_text(%d %s): got %d '%s' '%s', want '%s' '%s'", cases[i].code,
				 cases[i].text, r.code, r.enh, r.text, cases[i].enh, cases[i].rest);
	}
	assert_int_equal(smtp_enh_len("5.7.26 x"), 6);
	assert_int_equal(smtp_enh_len("3.0.0"), 0);
	assert_int_equal(smtp_enh_len(""), 0);
	assert_int_equal(smtp_enh_len("5."), 0);
}

/* smtp_reply_set builds formats of text and "%s" by hand: the same text
 * as the printf engine, cut at the same octet, "(null)" for NULL. */
static void test_reply_set_strings_like_printf(void **state)
{
	(void)state;
	char long1[470], long2[30];
	memset(long1, 'a', sizeof long1 - 1);
	long1[sizeof long1 - 1] = '\0';
	memset(long2, 'b', sizeof long2 - 1);
	long2[sizeof long2 - 1] = '\0';
	const char *args[][2] = {
		{"mx.example.net", "ESMTP mailsim"}, {"", ""}, {long1, long2}, {long2, long1}, {NULL, "x"},
	};
	for (size_t a = 0; a < ARRAY_LEN(args); a++) {
		struct smtp_reply r;
		char want[sizeof r.text];
#define SAME_AS_PRINTF(fmt)                                                                   \
	do {                                                                                  \
		smtp_reply_set(&r, 250, "2.0.0", fmt, args[a][0], args[a][1]);                \
		fmt_snprintf(want, sizeof want, fmt, args[a][0], args[a][1]);                  \
		if (strcmp(r.text, want) != 0)                                                \
			fail_msg("%s, args %zu: got '%s', want '%s'", fmt, a, r.text, want);   \
	} while (0)
		SAME_AS_PRINTF("%s %s");
		SAME_AS_PRINTF("<%s>: Recipient address rejected: %s");
		SAME_AS_PRINTF("%s%s");
		SAME_AS_PRINTF("Ok: queued as %s%s!");
#undef SAME_AS_PRINTF
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),        cmocka_unit_test(test_reply_set),
		cmocka_unit_test(test_reply_set_strings_like_printf),
		cmocka_unit_test(test_parse_path),      cmocka_unit_test(test_parse_path_limits),
		cmocka_unit_test(test_next_param),      cmocka_unit_test(test_dot_stuff),
		cmocka_unit_test(test_parse_reply_line), cmocka_unit_test(test_reply_from_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
