/* test_addrcheck.c — the verifier's checks without the network: RFC 5321
 * mailbox syntax (valid forms, and each invalid one with its reason), role
 * accounts, disposable providers (built-in and added). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "addrcheck.h"
#include "util.h"

static void test_valid(void **state)
{
	static const char *const ok[] = {
		"alice@example.net", "Alice.Smith+tag@Example.NET", "\"john doe\"@example.org",
		"o'brien@mail.example.co.uk", "x@[192.0.2.1]", "a-b_c=d@sub-domain.example",
	};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		char u[300], d[300], why[300] = "";
		bool lit;
		if (!addr_check_syntax(ok[i], u, sizeof u, d, sizeof d, &lit, why, sizeof why))
			fail_msg("%s: got invalid (%s), want valid", ok[i], why);
	}
	char u[64], d[64], why[200];
	bool lit;
	assert_true(addr_check_syntax("Alice@Example.NET", u, sizeof u, d, sizeof d, &lit, why, sizeof why));
	assert_string_equal(u, "Alice"); /* the local part keeps its case (RFC 5321 §2.4) */
	assert_string_equal(d, "example.net");
	assert_false(lit);
	assert_true(addr_check_syntax("x@[192.0.2.1]", u, sizeof u, d, sizeof d, &lit, why, sizeof why));
	assert_true(lit);
}

static void test_invalid(void **state)
{
	static const struct {
		const char *addr, *why;
	} bad[] = {
		{"", "empty"},
		{"alice.example.net", "no @"},
		{"@example.net", "local part is missing"},
		{"alice@", "domain is missing"},
		{"alice..smith@example.net", "two dots in a row"},
		{".alice@example.net", "starts or ends with a dot"},
		{"al ice@example.net", "a space"},
		{"al(ice@example.net", "character '('"},
		{"alice@example", "single label"},
		{"alice@-example.net", "start and end with a letter or digit"},
		{"alice@exa_mple.net", "character '_'"},
		{"alice@example..net", "empty label"},
		{"alice@example.net.", "ends with a dot"},
		{"\"alice@example.net", "not closed"},
		{"alice@[192.0.2.1", "closed by ]"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.net", "64 octets"},
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char u[300], d[300], why[300] = "";
		bool lit;
		if (addr_check_syntax(bad[i].addr, u, sizeof u, d, sizeof d, &lit, why, sizeof why))
			fail_msg("%s: got valid, want invalid (%s)", bad[i].addr, bad[i].why);
		if (!strstr(why, bad[i].why))
			fail_msg("%s: got reason '%s', want one with '%s'", bad[i].addr, why, bad[i].why);
	}
}

static void test_role_and_disposable(void **state)
{
	assert_true(addr_is_role("postmaster"));
	assert_true(addr_is_role("Sales"));
	assert_true(addr_is_role("support+tickets"));
	assert_true(addr_is_role("no-reply"));
	assert_false(addr_is_role("alice"));
	assert_false(addr_is_role("salesman"));
	assert_true(addr_is_disposable("mailinator.com", NULL, 0));
	assert_true(addr_is_disposable("eu.mailinator.com", NULL, 0));
	assert_false(addr_is_disposable("notmailinator.com", NULL, 0));
	const char *const extra[] = {"tempbox.example"};
	assert_true(addr_is_disposable("tempbox.example", extra, 1));
	assert_false(addr_is_disposable("tempbox.example", NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_role_and_disposable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
