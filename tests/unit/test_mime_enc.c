/* test_mime_enc.c — how mailsim's mail client writes text into a message:
 * header folding (78/76 columns, never a line over 998 octets, folds only
 * at whitespace), RFC 2047 encoded-words (≤ 75 characters, B or Q, each
 * one whole UTF-8 characters, whitespace rules between words), display
 * names (atoms, quoted-strings, encoded-words), quoted-printable bodies
 * (=XX, soft breaks, trailing whitespace, line widths) and the 7bit test.
 * Round trips go through small decoders written here from RFC 2047 §6 and
 * RFC 2045 §6.7; tests/verify/mime_stored.py checks the same output with
 * Python's email package. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_enc.h"
#include "util.h"

/* ---- helpers: line checks and decoders -------------------------------------------------- */

/* Every line ends in CRLF, has no bare CR or LF, no octet over 127, is at
 * most max octets and, when it holds an encoded-word, at most 76; in a
 * header each continuation line starts with whitespace. */
static void check_lines(const struct strbuf *sb, size_t max, bool header)
{
	size_t start = 0, lineno = 0;
	for (size_t i = 0; i < sb->len; i++) {
		unsigned char c = (unsigned char)sb->data[i];
		if (c >= 0x80)
			fail_msg("octet 0x%02X at %zu in\n%s", c, i, sb->data);
		if (c == '\r' && (i + 1 >= sb->len || sb->data[i + 1] != '\n'))
			fail_msg("bare CR at %zu in\n%s", i, sb->data);
		if (c != '\n')
			continue;
		if (i == 0 || sb->data[i - 1] != '\r')
			fail_msg("bare LF at %zu in\n%s", i, sb->data);
		size_t len = i - 1 - start;
		char line[1100];
		snprintf(line, sizeof line, "%.*s", (int)(len < 1000 ? len : 1000), sb->data + start);
		if (len > max)
			fail_msg("line %zu has %zu octets (max %zu): %s", lineno, len, max, line);
		if (strstr(line, "=?UTF-8?") && len > MIME_EW_LINE)
			fail_msg("line %zu with an encoded-word has %zu octets: %s", lineno, len, line);
		if (header && lineno > 0 && line[0] != ' ' && line[0] != '\t')
			fail_msg("continuation line %zu does not start with WSP: %s", lineno, line);
		start = i + 1;
		lineno++;
	}
	assert_int_equal(start, sb->len);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* RFC 2045 §6.7 (1): upper case only */
}

static bool q_phrase_safe(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!*+-/", c));
}

/* RFC 2047 §4.1 / §4.2: the octets of one encoded-word (w, n chars);
 * false when it is not one of ours. */
static bool ew_decode(const char *w, size_t n, struct strbuf *out)
{
	if (n < 12 || memcmp(w, "=?UTF-8?", 8) != 0 || w[9] != '?' || memcmp(w + n - 2, "?=", 2))
		return false;
	assert_true(n <= MIME_EW_MAX);
	const char *t = w + 10;
	size_t tl = n - 12;
	if (w[8] == 'B') {
		char *b = xstrndup(t, tl);
		unsigned char *d;
		long dl = b64_decode(b, &d);
		free(b);
		assert_true(dl >= 0);
		sb_append(out, (const char *)d, (size_t)dl);
		free(d);
		return true;
	}
	assert_int_equal(w[8], 'Q');
	for (size_t i = 0; i < tl; i++) {
		if (t[i] == '_') {
			sb_putc(out, ' ');
		} else if (t[i] == '=') {
			assert_true(i + 2 < tl);
			int hi = hexval(t[i + 1]), lo = hexval(t[i + 2]);
			assert_true(hi >= 0 && lo >= 0);
			sb_putc(out, (char)(hi * 16 + lo));
			i += 2;
		} else {
			/* §5 (3): only these may stand for themselves in a phrase. */
			if (!q_phrase_safe(t[i]))
				fail_msg("'%c' unencoded in %.*s", t[i], (int)n, w);
			sb_putc(out, t[i]);
		}
	}
	return true;
}

/* Each encoded-word alone must decode to whole UTF-8 characters. */
static void check_valid_utf8(const struct strbuf *d)
{
	const unsigned char *p = (const unsigned char *)d->data;
	for (size_t i = 0; i < d->len;) {
		size_t k = utf8_seq(p + i, d->len - i);
		if (!k)
			fail_msg("an encoded-word splits a UTF-8 character: %s", d->data);
		i += k;
	}
}

/* The field's value as a reader sees it: unfolded (RFC 5322 §2.2.3), the
 * space after the colon dropped, encoded-words decoded, whitespace between
 * two adjacent encoded-words dropped (RFC 2047 §6.2). */
static char *field_decode(const struct strbuf *sb, const char *name)
{
	struct strbuf u, out;
	sb_init(&u);
	sb_init(&out);
	size_t nl = strlen(name);
	assert_true(sb->len > nl + 1 && memcmp(sb->data, name, nl) == 0 && sb->data[nl] == ':');
	for (size_t i = nl + 1; i < sb->len; i++)
		if (sb->data[i] != '\r' && sb->data[i] != '\n')
			sb_putc(&u, sb->data[i]);
	const char *p = u.data + (u.data[0] == ' ');
	bool prev_ew = false;
	while (*p) {
		const char *ws = p;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		struct strbuf d;
		sb_init(&d);
		bool ew = ew_decode(w, (size_t)(p - w), &d);
		if (ew)
			check_valid_utf8(&d);
		if (!(ew && prev_ew))
			sb_append(&out, ws, (size_t)(w - ws));
		if (ew)
			sb_append(&out, d.data ? d.data : "", d.len);
		else
			sb_append(&out, w, (size_t)(p - w));
		sb_free(&d);
		prev_ew = ew;
	}
	sb_free(&u);
	return sb_steal(&out);
}

static struct strbuf subject(const char *value)
{
	struct strbuf sb;
	sb_init(&sb);
	mime_put_unstructured(&sb, "Subject", value);
	return sb;
}

static void expect_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("%s:\n--- got:\n%s\n--- want:\n%s", what, got, want);
}

/* Encode, check the lines, decode, compare with the input. */
static void round_trip(const char *value)
{
	struct strbuf sb = subject(value);
	check_lines(&sb, MIME_FOLD_WIDTH, true);
	char *back = field_decode(&sb, "Subject");
	expect_str(sb.data, back, value);
	free(back);
	sb_free(&sb);
}

/* ---- unstructured fields ------------------------------------------------------------- */

static void test_ascii_subject_unchanged(void **state)
{
	struct strbuf sb = subject("Lunch on Friday?  The  new place");
	expect_str("ascii", sb.data, "Subject: Lunch on Friday?  The  new place\r\n");
	sb_free(&sb);
	sb = subject("");
	expect_str("empty", sb.data, "Subject: \r\n");
	sb_free(&sb);
}

static void test_fold_at_whitespace(void **state)
{
	const char *v = "This subject line is much longer than seventy-eight characters, so "
			"the mail program folds it at whitespace, more than once even, because "
			"RFC 5322 section 2.1.1 says lines SHOULD stay within 78 characters.";
	struct strbuf sb = subject(v);
	check_lines(&sb, MIME_FOLD_WIDTH, true);
	assert_null(strstr(sb.data, "=?"));
	/* Three folds at least, and each line is filled: the next word would not fit. */
	size_t lines = 0;
	for (const char *p = sb.data; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_true(lines >= 3);
	for (const char *p = sb.data; (p = strstr(p, "\r\n ")); p += 3) {
		const char *ls = p;
		while (ls > sb.data && ls[-1] != '\n')
			ls--;
		size_t next = strcspn(p + 3, " \r");
		assert_true((size_t)(p - ls) + 1 + next > MIME_FOLD_WIDTH);
	}
	char *back = field_decode(&sb, "Subject");
	expect_str("unfolded", back, v);
	free(back);
	sb_free(&sb);
}

/* A word no line can hold travels as encoded-words, so no line passes
 * 998 octets (nor 76). */
static void test_no_line_over_998(void **state)
{
	char *w = xmalloc(1501);
	for (size_t i = 0; i < 1500; i++)
		w[i] = (char)('a' + i % 26);
	w[1500] = '\0';
	struct strbuf sb = subject(w);
	check_lines(&sb, MIME_EW_LINE, true);
	char *back = field_decode(&sb, "Subject");
	expect_str("long word", back, w);
	free(back);
	sb_free(&sb);
	/* 77 characters still fit a continuation line; 78 do not. */
	w[77] = '\0';
	sb = subject(w);
	assert_null(strstr(sb.data, "=?"));
	sb_free(&sb);
	w[77] = 'z';
	w[78] = '\0';
	sb = subject(w);
	assert_non_null(strstr(sb.data, "=?"));
	sb_free(&sb);
	free(w);
}

static void test_b_or_q(void **state)
{
	/* Only the word that needs it; B 40 characters, Q 33: Q. */
	struct strbuf sb = subject("Der Internationalisierungsprozeß");
	expect_str("Q for mostly ASCII", sb.data,
		   "Subject: Der =?UTF-8?Q?Internationalisierungsproze=C3=9F?=\r\n");
	sb_free(&sb);
	/* B 8, Q 9: B. */
	sb = subject("Café");
	expect_str("B when shorter", sb.data, "Subject: =?UTF-8?B?Q2Fmw6k=?=\r\n");
	sb_free(&sb);
	sb = subject("日本語");
	expect_str("B for CJK", sb.data, "Subject: =?UTF-8?B?5pel5pys6Kqe?=\r\n");
	sb_free(&sb);
	/* Only the word that needs it is encoded; a run of such words is one
	 * encoding with its spaces inside ("_"). */
	sb = subject("Re: Grüße aus Köln und München");
	expect_str("runs", sb.data,
		   "Subject: Re: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4=?= und\r\n"
		   " =?UTF-8?Q?M=C3=BCnchen?=\r\n"); /* a tie (12): Q */
	sb_free(&sb);
	sb = subject("Grüße Köln");
	expect_str("one run", sb.data, "Subject: =?UTF-8?B?R3LDvMOfZSBLw7Zsbg==?=\r\n");
	sb_free(&sb);
}

/* Long non-ASCII text: every encoded-word ≤ 75 characters, whole UTF-8
 * characters each (check_valid_utf8 in the decoder), lines ≤ 76. */
static void test_long_utf8_split(void **state)
{
	struct strbuf v;
	sb_init(&v);
	for (int i = 0; i < 40; i++)
		sb_puts(&v, "日本語のテキスト🎉😀 ");
	sb_puts(&v, "ëéè");
	round_trip(v.data);
	/* A single very long word of 4-octet characters. */
	sb_clear(&v);
	for (int i = 0; i < 200; i++)
		sb_puts(&v, "😀");
	round_trip(v.data);
	sb_free(&v);
}

static void test_tricky_round_trips(void **state)
{
	static const char *const cases[] = {
		"=?UTF-8?Q?not_an_encoded_word?=",
		"a=?b",
		"under_score and 100% ?question? =equals=",
		"tab\tseparated\t\twords",
		"line\nbreak and\r\ncarriage",
		"naïve café — “quotes” ‘single’ «guillemets»",
		"Ünïcödé at the start, ASCII later on in the same subject line of text",
		"ASCII first then a lot of non-ASCII: Größenmaßstäbe für Äpfel, Öl, Übermut",
		"mixed 日本 and ascii 語 alternating 🎉 words ü x",
		"ß",
		"\x01control\x7f",
		"trailing ascii after emoji 😀",
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		round_trip(cases[i]);
}

static void test_outer_whitespace_dropped(void **state)
{
	struct strbuf sb = subject("  padded  ");
	expect_str("trim", sb.data, "Subject: padded\r\n");
	sb_free(&sb);
	sb = subject(" \t ");
	expect_str("blank", sb.data, "Subject: \r\n");
	sb_free(&sb);
}

/* ---- address fields ---------------------------------------------------------------- */

static struct strbuf mailboxes(const char *field, const struct mime_mailbox *mb, size_t n)
{
	struct strbuf sb;
	sb_init(&sb);
	mime_put_mailboxes(&sb, field, mb, n);
	return sb;
}

static void test_display_names(void **state)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{NULL, "From: alice@example.org\r\n"},
		{"", "From: alice@example.org\r\n"},
		{"Alice Smith", "From: Alice Smith <alice@example.org>\r\n"},
		{"Doe, Jane", "From: \"Doe, Jane\" <alice@example.org>\r\n"},
		{"A. \"Al\" \\ B", "From: \"A. \\\"Al\\\" \\\\ B\" <alice@example.org>\r\n"},
		{"Zoë Åström", "From: =?UTF-8?B?Wm/DqyDDhXN0csO2bQ==?= <alice@example.org>\r\n"},
		{"José Garcia", "From: =?UTF-8?Q?Jos=C3=A9_Garcia?= <alice@example.org>\r\n"},
		/* One non-ASCII word: the whole name is encoded, "," and "." too. */
		{"Müller, J.", "From: =?UTF-8?B?TcO8bGxlciwgSi4=?= <alice@example.org>\r\n"},
		{"Zoë Q. van der Berg-Hofstede",
		 "From: =?UTF-8?Q?Zo=C3=AB_Q=2E_van_der_Berg-Hofstede?= <alice@example.org>\r\n"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct mime_mailbox mb = {cases[i].name, "alice@example.org"};
		struct strbuf sb = mailboxes("From", &mb, 1);
		expect_str(cases[i].name ? cases[i].name : "(null)", sb.data, cases[i].want);
		sb_free(&sb);
	}
}

static void test_address_list(void **state)
{
	const struct mime_mailbox mb[] = {
		{NULL, "bob@example.net"},
		{"Carol", "carol@example.net"},
		{"Dörte Bäckström-Müller von und zu Hohenlohe-Schillingsfürst und Waldenburg",
		 "doerte@example.net"},
	};
	struct strbuf sb = mailboxes("To", mb, 3);
	check_lines(&sb, MIME_FOLD_WIDTH, true);
	/* One mailbox per line (as before), the long one folded between its words. */
	assert_true(strncmp(sb.data, "To: bob@example.net,\r\n Carol <carol@example.net>,\r\n =?UTF-8?",
			    58) == 0);
	char *back = field_decode(&sb, "To");
	expect_str("decoded", back,
		   "bob@example.net, Carol <carol@example.net>, Dörte Bäckström-Müller von und zu "
		   "Hohenlohe-Schillingsfürst und Waldenburg <doerte@example.net>");
	free(back);
	sb_free(&sb);
	/* A long ASCII quoted name folds inside the quoted-string. */
	const struct mime_mailbox q = {"The Very Long Department Name, Customer Relations and "
				       "Complaints Handling Unit", "care@example.com"};
	sb = mailboxes("From", &q, 1);
	check_lines(&sb, MIME_FOLD_WIDTH, true);
	assert_null(strstr(sb.data, "=?"));
	back = field_decode(&sb, "From");
	expect_str("quoted", back,
		   "\"The Very Long Department Name, Customer Relations and Complaints Handling "
		   "Unit\" <care@example.com>");
	free(back);
	sb_free(&sb);
}

/* ---- quoted-printable ---------------------------------------------------------------- */

static char *qp_decode(const char *s)
{
	struct strbuf out;
	sb_init(&out);
	for (const char *p = s; *p; p++) {
		if (*p == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
		} else if (*p == '=') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			assert_true(hi >= 0 && lo >= 0);
			sb_putc(&out, (char)(hi * 16 + lo));
			p += 2;
		} else if (*p == '\r') {
			continue; /* CRLF back to LF as in the scenario text */
		} else {
			sb_putc(&out, *p);
		}
	}
	return sb_steal(&out);
}

static void qp_check(const char *text, const char *want_decoded)
{
	struct strbuf sb;
	sb_init(&sb);
	mime_qp_encode(text, &sb);
	check_lines(&sb, MIME_QP_LINE, false);
	/* No encoded line ends in whitespace (rule 3). */
	for (const char *p = sb.data; (p = strstr(p, "\r\n")); p += 2)
		assert_true(p == sb.data || (p[-1] != ' ' && p[-1] != '\t'));
	char *back = qp_decode(sb.data);
	expect_str(sb.data, back, want_decoded);
	free(back);
	sb_free(&sb);
}

static void test_qp_exact(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"Grüße\n", "Gr=C3=BC=C3=9Fe\r\n"},
		{"a=b\n", "a=3Db\r\n"},
		{"ends in spaces  \n", "ends in spaces =20\r\n"},
		{"ends in tab\t\n", "ends in tab=09\r\n"},
		{"crlf\r\nno final break", "crlf\r\nno final break\r\n"},
		{"\n\n", "\r\n\r\n"},
		{"", ""},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct strbuf sb;
		sb_init(&sb);
		mime_qp_encode(cases[i].in, &sb);
		expect_str(cases[i].in, sb.data ? sb.data : "", cases[i].want);
		sb_free(&sb);
	}
}

static void test_qp_soft_breaks(void **state)
{
	char line[200];
	/* 76 characters fit one line; 77 need a soft break after 75. */
	memset(line, 'x', 76);
	strcpy(line + 76, "\n");
	struct strbuf sb;
	sb_init(&sb);
	mime_qp_encode(line, &sb);
	assert_int_equal(sb.len, 78);
	sb_clear(&sb);
	memset(line, 'x', 77);
	strcpy(line + 77, "\n");
	mime_qp_encode(line, &sb);
	assert_int_equal(strstr(sb.data, "=\r\n") - sb.data, 75);
	sb_free(&sb);
	/* Long lines of 2-, 3- and 4-octet characters and "=": no =XX or
	 * character is cut by a soft break (check via the per-line decode). */
	struct strbuf v;
	sb_init(&v);
	for (int i = 0; i < 30; i++)
		sb_puts(&v, "é=日😀 a");
	sb_puts(&v, " \nsecond line with trailing space \n");
	qp_check(v.data, v.data);
	sb_init(&sb);
	mime_qp_encode(v.data, &sb);
	for (char *p = sb.data; (p = strstr(p, "=\r\n")); p += 3) {
		/* The next line starts a whole character: not a continuation octet. */
		assert_false(p[3] == '=' && (hexval(p[4]) & 0xC) == 0x8);
	}
	sb_free(&sb);
	sb_free(&v);
}

static void test_needs_qp(void **state)
{
	assert_false(mime_needs_qp("plain ASCII\nlines\r\n"));
	assert_true(mime_needs_qp("naïve\n"));
	assert_true(mime_needs_qp("bare\rCR\n"));
	char *l = xmalloc(1002);
	memset(l, 'a', 998);
	strcpy(l + 998, "\r\n");
	assert_false(mime_needs_qp(l));
	memset(l, 'a', 999);
	strcpy(l + 999, "\n");
	assert_true(mime_needs_qp(l));
	qp_check(l, l);
	free(l);
}

static void test_utf8_prefix(void **state)
{
	assert_int_equal(utf8_prefix("abc", 10), 3);
	assert_int_equal(utf8_prefix("aé", 2), 1);  /* é is 2 octets */
	assert_int_equal(utf8_prefix("aé", 3), 3);
	assert_int_equal(utf8_prefix("😀x", 3), 0);
	assert_int_equal(utf8_prefix("\xff\xfe", 1), 1); /* invalid octets count alone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_subject_unchanged),
		cmocka_unit_test(test_fold_at_whitespace),
		cmocka_unit_test(test_no_line_over_998),
		cmocka_unit_test(test_b_or_q),
		cmocka_unit_test(test_long_utf8_split),
		cmocka_unit_test(test_tricky_round_trips),
		cmocka_unit_test(test_outer_whitespace_dropped),
		cmocka_unit_test(test_display_names),
		cmocka_unit_test(test_address_list),
		cmocka_unit_test(test_qp_exact),
		cmocka_unit_test(test_qp_soft_breaks),
		cmocka_unit_test(test_needs_qp),
		cmocka_unit_test(test_utf8_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
