/* test_bounceclass.c — the bounce classes of email-facts §11.2, one row per
 * class with the replies real servers send (Postfix, Gmail, Dovecot). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bounceclass.h"
#include "util.h"

struct row {
	int code;
	const char *enh, *text;
	const char *type, *category;
};

static const struct row rows[] = {
	/* hard: bad mailbox */
	{550, "5.1.1", "<x@example.net>: Recipient address rejected: User unknown in local recipient table", "hard", "bad-mailbox"},
	{550, "5.1.0", "Address rejected", "hard", "bad-mailbox"},
	{553, "5.1.3", "Bad recipient address syntax", "hard", "bad-mailbox"},
	{0, "5.1.10", "Recipient address has null MX (RFC 7505)", "hard", "bad-mailbox"},
	{550, "", "No such user here", "hard", "bad-mailbox"},
	/* hard: bad domain */
	{0, "5.1.2", "Host or domain name not found. Name service error for name=x.example type=MX: Host not found", "hard", "bad-domain"},
	{0, "5.4.4", "Host or domain name not found", "hard", "bad-domain"},
	/* hard: disabled */
	{550, "5.2.1", "<x@example.net>: Recipient address rejected: Mailbox disabled", "hard", "disabled"},
	{550, "", "Account suspended", "hard", "disabled"},
	/* soft: mailbox full */
	{452, "4.2.2", "The email account that you tried to reach is over quota", "soft", "mailbox-full"},
	{552, "5.2.2", "<x@example.net>: Recipient address rejected: Mailbox full", "soft", "mailbox-full"},
	{552, "", "Quota exceeded", "soft", "mailbox-full"},
	/* soft: too large */
	{552, "5.3.4", "Message size exceeds fixed limit", "soft", "too-large"},
	{552, "5.2.3", "Message length exceeds administrative limit", "soft", "too-large"},
	/* soft: temporary, greylisting */
	{451, "4.7.1", "<x@example.net>: Recipient address rejected: Greylisted, try again in 300 seconds", "soft", "greylisted"},
	{451, "4.3.0", "Temporary lookup failure", "soft", "temporary"},
	{0, "4.4.1", "connect to mx.example.net[192.0.2.1]:25: Connection timed out", "soft", "temporary"},
	{421, "4.4.2", "mx.example.net Error: timeout exceeded", "soft", "temporary"},
	{450, "", "Try again later", "soft", "temporary"},
	/* block: reputation, authentication, policy */
	{421, "4.7.0", "Try again later, closing connection", "soft", "reputation"},
	{421, "4.7.28", "Our system has detected an unusual rate of unsolicited mail", "soft", "reputation"},
	{554, "5.7.1", "Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org", "block", "reputation"},
	{550, "5.7.26", "Unauthenticated email from example.com is not accepted due to domain's DMARC policy", "block", "authentication"},
	{550, "5.7.1", "Message rejected as spam", "block", "policy"},
	{554, "5.7.1", "<x@example.org>: Relay access denied", "block", "policy"},
	{554, "5.6.0", "Content rejected", "block", "policy"},
	{501, "5.5.4", "Syntax error in parameters", "block", "protocol"},
	/* other: permanent with nothing more specific */
	{554, "5.0.0", "Permanent failure", "hard", "other"},
	{550, "", "Rejected", "hard", "other"},
	/* success */
	{250, "2.1.5", "Ok", "none", "none"},
};

static void test_rows(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		const struct row *r = &rows[i];
		struct bounce_class c = bounce_classify(r->code, r->enh, r->text);
		const char *t = bounce_type_name(c.type), *k = bounce_category_name(c.category);
		if (strcmp(t, r->type) || strcmp(k, r->category)) {
			print_error("%d %s %s: got %s/%s, want %s/%s\n", r->code, r->enh, r->text, t, k,
				    r->type, r->category);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_suppress(void **state)
{
	(void)state;
	assert_true(bounce_suppress_now(bounce_classify(550, "5.1.1", "")));
	assert_true(bounce_suppress_now(bounce_classify(550, "5.2.1", "")));
	assert_false(bounce_suppress_now(bounce_classify(552, "5.2.2", "")));
	assert_false(bounce_suppress_now(bounce_classify(554, "5.7.1", "blocked using zen.spamhaus.org")));
	assert_false(bounce_suppress_now(bounce_classify(451, "4.7.1", "Greylisted")));
}

static void test_names(void **state)
{
	(void)state;
	for (int c = 0; c < BC_COUNT; c++) {
		assert_non_null(bounce_category_name((enum bounce_category)c));
		assert_string_not_equal(bounce_category_text((enum bounce_category)c), "?");
	}
	assert_string_equal(bounce_category_name(BC_COUNT), "?");
	/* A malformed enhanced code falls back on the basic code and text. */
	struct bounce_class c = bounce_classify(550, "x.y", "User unknown");
	assert_int_equal(c.category, BC_BAD_MAILBOX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_suppress),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
