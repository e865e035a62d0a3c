/* test_authres.c — the Authentication-Results value [RFC 8601]: exact
 * one-line strings (the canonical spf/dkim/dmarc line, "none", comments,
 * reason quoting, iprev/auth, property value quoting, grammar order),
 * folding at ';' boundaries with exact output, folding inside an overlong
 * result, the fold invariants (lines <= 78 columns, unfolding restores the
 * one-line form) and authserv-id matching for §5 removal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "util.h"

static void expect_ar(const struct authres *ar, const char *want)
{
	struct strbuf sb;
	sb_init(&sb);
	authres_format(ar, &sb);
	if (strcmp(sb.data, want) != 0)
		fail_msg("\n got: %s\nwant: %s", sb.data, want);
	sb_free(&sb);
}

static struct authres *canonical(void)
{
	struct authres *ar = authres_new("mx.example.net");
	authres_add(ar, "spf", "pass");
	authres_prop(ar, "smtp.mailfrom", "example.org");
	authres_add(ar, "dkim", "pass");
	authres_prop(ar, "header.d", "example.org");
	authres_prop(ar, "header.s", "s1");
	authres_add(ar, "dmarc", "pass");
	authres_prop(ar, "header.from", "example.org");
	return ar;
}

static void test_canonical_line(void **state)
{
	struct authres *ar = canonical();
	assert_int_equal(authres_count(ar), 3);
	expect_ar(ar, "mx.example.net; spf=pass smtp.mailfrom=example.org; dkim=pass "
			 "header.d=example.org header.s=s1; dmarc=pass header.from=example.org");
	authres_free(ar);
}

static void test_no_results(void **state)
{
	struct authres *ar = authres_new("mx.example.net");
	expect_ar(ar, "mx.example.net; none");
	struct strbuf sb;
	sb_init(&sb);
	authres_format_folded(ar, 24, &sb);
	assert_string_equal(sb.data, "mx.example.net; none");
	sb_free(&sb);
	authres_free(ar);
}

static void test_comment_reason_iprev_auth(void **state)
{
	struct authres *ar = authres_new("mx1.cleanbox.example");
	authres_add(ar, "iprev", "pass");
	authres_prop(ar, "policy.iprev", "192.0.2.10");
	authres_add(ar, "auth", "pass");
	authres_prop(ar, "smtp.auth", "alice@example.org");
	authres_add(ar, "spf", "fail");
	authres_prop(ar, "smtp.mailfrom", "spammer@example.org"); /* before reason: still printed after */
	authres_reason(ar, "IP \"192.0.2.66\" not in v=spf1 \\ list");
	authres_add(ar, "dmarc", "fail");
	authres_comment(ar, "p=reject dis=none");
	authres_prop(ar, "header.from", "example.org");
	expect_ar(ar, "mx1.cleanbox.example; iprev=pass policy.iprev=192.0.2.10; auth=pass "
			 "smtp.auth=alice@example.org; spf=fail reason=\"IP \\\"192.0.2.66\\\" not in "
			 "v=spf1 \\\\ list\" smtp.mailfrom=spammer@example.org; dmarc=fail (p=reject "
			 "dis=none) header.from=example.org");
	authres_free(ar);
}

static void test_value_quoting(void **state)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{"example.org", "x.y=example.org"},
		{"alice@example.org", "x.y=alice@example.org"},
		{"first.last+tag@mail.example.org", "x.y=first.last+tag@mail.example.org"},
		{"@example.org", "x.y=@example.org"}, /* [local-part] "@" domain */
		{"abc/def+ghi=", "x.y=\"abc/def+ghi=\""},
		{"two words", "x.y=\"two words\""},
		{"say \"hi\"", "x.y=\"say \\\"hi\\\"\""},
		{"", "x.y=\"\""},
		{"a@b@c", "x.y=\"a@b@c\""},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct authres *ar = authres_new("h");
		authres_add(ar, "m", "pass");
		authres_prop(ar, "x.y", cases[i].value);
		char *want = xasprintf("h; m=pass %s", cases[i].want);
		expect_ar(ar, want);
		free(want);
		authres_free(ar);
	}
}

static void test_comment_sanitised(void **state)
{
	struct authres *ar = authres_new("h");
	authres_add(ar, "dkim", "neutral");
	authres_comment(ar, "bad (nested)\r\ntext");
	expect_ar(ar, "h; dkim=neutral (bad  nested   text)");
	authres_free(ar);
}

/* Unfolding (CRLF+TAB -> one space) gives the one-line form and every line
 * fits in 78 columns unless it is a single word. */
static void check_fold_invariants(const struct authres *ar, size_t first_col)
{
	struct strbuf one, folded;
	sb_init(&one);
	sb_init(&folded);
	authres_format(ar, &one);
	authres_format_folded(ar, first_col, &folded);
	struct strbuf unf;
	sb_init(&unf);
	size_t col = first_col;
	for (size_t i = 0; i < folded.len; i++) {
		if (folded.data[i] == '\r') {
			assert_true(i + 2 < folded.len && folded.data[i + 1] == '\n' && folded.data[i + 2] == '\t');
			if (col > AUTHRES_LINE_MAX)
				fail_msg("line of %zu columns in:\n%s", col, folded.data);
			sb_putc(&unf, ' ');
			i += 2;
			col = 1;
			continue;
		}
		sb_putc(&unf, folded.data[i]);
		col++;
	}
	assert_true(col <= AUTHRES_LINE_MAX);
	if (strcmp(unf.data, one.data) != 0)
		fail_msg("unfolded differs:\n got: %s\nwant: %s", unf.data, one.data);
	sb_free(&one);
	sb_free(&folded);
	sb_free(&unf);
}

static void test_fold_exact(void **state)
{
	struct authres *ar = canonical();
	struct strbuf sb;
	sb_init(&sb);
	authres_format_folded(ar, strlen(AUTHRES_HEADER ": "), &sb);
	assert_string_equal(sb.data, "mx.example.net; spf=pass smtp.mailfrom=example.org;\r\n"
				     "\tdkim=pass header.d=example.org header.s=s1;\r\n"
				     "\tdmarc=pass header.from=example.org");
	check_fold_invariants(ar, 24);
	/* Short enough: nothing folds. */
	struct authres *small = authres_new("mx");
	authres_add(small, "spf", "pass");
	authres_prop(small, "smtp.mailfrom", "a.example");
	sb_clear(&sb);
	authres_format_folded(small, 24, &sb);
	assert_string_equal(sb.data, "mx; spf=pass smtp.mailfrom=a.example");
	sb_free(&sb);
	authres_free(small);
	authres_free(ar);
}

static void test_fold_inside_long_result(void **state)
{
	struct authres *ar = authres_new("mx.example.net");
	authres_add(ar, "dkim", "fail");
	authres_reason(ar, "signature verification failed");
	authres_prop(ar, "header.d", "marketing.newsletters.example.org");
	authres_prop(ar, "header.i", "@marketing.newsletters.example.org");
	authres_prop(ar, "header.s", "selector2024");
	authres_prop(ar, "header.b", "AbCdEfGh");
	authres_add(ar, "spf", "pass");
	authres_prop(ar, "smtp.mailfrom", "example.org");
	struct strbuf sb;
	sb_init(&sb);
	authres_format_folded(ar, 24, &sb);
	assert_string_equal(sb.data, "mx.example.net;\r\n"
				     "\tdkim=fail reason=\"signature verification failed\"\r\n"
				     "\theader.d=marketing.newsletters.example.org\r\n"
				     "\theader.i=@marketing.newsletters.example.org header.s=selector2024\r\n"
				     "\theader.b=AbCdEfGh; spf=pass smtp.mailfrom=example.org");
	check_fold_invariants(ar, 24);
	sb_free(&sb);
	authres_free(ar);
}

static void test_claims_id(void **state)
{
	static const struct {
		const char *value;
		bool want;
	} cases[] = {
		{"mx.example.net; spf=pass", true},
		{"MX.Example.NET; none", true},
		{" mx.example.net 1; dkim=pass", true},
		{"mx.example.net\r\n\t; spf=pass", true},
		{"mx.example.net.evil; spf=pass", false},
		{"mx.example.ne; spf=pass", false},
		{"other.example; spf=pass", false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		if (authres_claims_id(cases[i].value, "mx.example.net") != cases[i].want)
			fail_msg("claims(%s): got %d, want %d", cases[i].value, !cases[i].want, cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_line),
		cmocka_unit_test(test_no_results),
		cmocka_unit_test(test_comment_reason_iprev_auth),
		cmocka_unit_test(test_value_quoting),
		cmocka_unit_test(test_comment_sanitised),
		cmocka_unit_test(test_fold_exact),
		cmocka_unit_test(test_fold_inside_long_result),
		cmocka_unit_test(test_claims_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
