/* test_srs.c — SRS forward/reverse round trips, hash and age checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "srs.h"

#define DAY 19857 /* 2024-05-14 */

static void test_forward_shape_and_reverse(void **state)
{
	char fwd[512], back[512];
	const char *why;
	assert_true(srs_forward("s3cret", "alice@example.org", "relay.example", DAY, fwd, sizeof fwd));
	/* SRS0=HHHH=TT=example.org=alice@relay.example, TT = day mod 1024 in base32. */
	assert_int_equal(strncmp(fwd, "SRS0=", 5), 0);
	assert_non_null(strstr(fwd, "=example.org=alice@relay.example"));
	int day = DAY % 1024;
	char tt[3] = {"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[day >> 5],
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[day & 31], 0};
	assert_memory_equal(fwd + 10, tt, 2);
	assert_true(srs_is_srs(fwd));
	assert_true(srs_reverse("s3cret", fwd, DAY + 3, back, sizeof back, &why));
	assert_string_equal(back, "alice@example.org");
}

static void test_deterministic(void **state)
{
	char a[512], b[512];
	assert_true(srs_forward("k", "bob@example.net", "fwd.example", DAY, a, sizeof a));
	assert_true(srs_forward("k", "bob@example.net", "fwd.example", DAY, b, sizeof b));
	assert_string_equal(a, b);
	assert_true(srs_forward("other", "bob@example.net", "fwd.example", DAY, b, sizeof b));
	assert_string_not_equal(a, b);
}

static void test_reverse_rejects_forgery_and_age(void **state)
{
	char fwd[512], back[512];
	const char *why;
	assert_true(srs_forward("s3cret", "alice@example.org", "relay.example", DAY, fwd, sizeof fwd));
	assert_false(srs_reverse("wrong", fwd, DAY, back, sizeof back, &why));
	assert_non_null(strstr(why, "hash"));
	assert_false(srs_reverse("s3cret", fwd, DAY + 50, back, sizeof back, &why));
	assert_string_equal(why, "timestamp too old");
	assert_true(srs_reverse("s3cret", fwd, DAY + 49, back, sizeof back, &why));
	char forged[512];
	strcpy(forged, fwd);
	forged[strlen(forged) - strlen("alice@relay.example")] = 'm'; /* alice -> mlice */
	assert_false(srs_reverse("s3cret", forged, DAY, back, sizeof back, &why));
	assert_false(srs_reverse("s3cret", "bob@example.net", DAY, back, sizeof back, &why));
	assert_false(srs_reverse("s3cret", "SRS0=abc@x", DAY, back, sizeof back, &why));
}

static void test_null_sender_and_srs1(void **state)
{
	char out[512], twice[512];
	assert_false(srs_forward("k", "", "relay.example", DAY, out, sizeof out));
	assert_true(srs_forward("k", "alice@example.org", "one.example", DAY, out, sizeof out));
	assert_true(srs_forward("k", out, "two.example", DAY, twice, sizeof twice));
	assert_int_equal(strncmp(twice, "SRS1=", 5), 0);
	assert_non_null(strstr(twice, "=one.example=="));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_shape_and_reverse),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_reverse_rejects_forgery_and_age),
		cmocka_unit_test(test_null_sender_and_srs1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
