/* test_delivery.c — the decisive facts of each delivery scenario, checked
 * on the trace and the mailboxes rather than only through whole goldens:
 * retry times, DSN contents, who got what, and that every message is
 * accounted for. Scenarios come from scenarios/ (MAILSIM_SOURCE_DIR). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "mailstore.h"
#include "mta.h"
#include "net.h"
#include "scenario.h"
#include "world.h"

#include "scenario_run.h"

static void test_greylisting_retry_after_300s(void **state)
{
	struct run r;
	run_scenario("greylisting", &r);
	const cJSON *defer = nth(&r, "queue.defer", "mail.example.org", 0);
	assert_non_null(defer);
	assert_string_equal(str(defer, "status"), "4.7.1");
	/* Postfix minimal backoff: the retry comes 300 s after the failure. */
	double failed = num(defer, "t"), next = num(defer, "next_attempt");
	assert_true(next - failed > 299.999 && next - failed < 300.001);
	const cJSON *att = nth(&r, "queue.attempt", "mail.example.org", 1);
	assert_non_null(att);
	assert_true(num(att, "t") == next);
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	assert_true(num(nth(&r, "mailbox.store", "mx1.example.net", 0), "t") > next);
	assert_accounted(&r);
	run_free(&r);
}

static void test_dead_domain_schedule_warning_bounce(void **state)
{
	struct run r;
	run_scenario("dead-domain", &r);
	/* Intervals between attempts: 300 s first, then the message's age,
	 * doubling-ish, clamped at 4000 s (Postfix). */
	double prev_next = -1;
	int n = count(&r, "queue.defer", "mail.example.org");
	assert_true(n > 100);
	for (int k = 0; k < n; k++) {
		const cJSON *d = nth(&r, "queue.defer", "mail.example.org", k);
		double gap = num(d, "next_attempt") - num(d, "t");
		assert_string_equal(str(d, "status"), "4.4.1");
		assert_true(gap >= 299.999 && gap <= 4000.001);
		if (k == 0)
			assert_true(gap < 300.001);
		if (prev_next >= 0)
			assert_true(num(d, "t") >= prev_next); /* never early */
		prev_next = num(d, "next_attempt");
	}
	const cJSON *warn = nth(&r, "dsn.create", "mail.example.org", 0);
	assert_string_equal(str(warn, "action"), "delayed");
	assert_true(num(warn, "t") >= 4 * 3600.0 && num(warn, "t") < 4 * 3600.0 + 4100);
	const cJSON *fail = nth(&r, "dsn.create", "mail.example.org", 1);
	assert_string_equal(str(fail, "action"), "failed");
	assert_true(num(fail, "t") >= 5 * 86400.0);
	assert_non_null(nth(&r, "queue.expire", "mail.example.org", 0));
	expect_dsn(&r, "mail.example.org", "alice@example.org", "carol@example.com", "delayed", "4.4.1");
	expect_dsn(&r, "mail.example.org", "alice@example.org", "carol@example.com", "failed", "4.4.1");
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	assert_accounted(&r);
	run_free(&r);
}

static void test_unknown_user_immediate_dsn(void **state)
{
	struct run r;
	run_scenario("unknown-user", &r);
	const cJSON *b = nth(&r, "queue.bounce", "mail.example.org", 0);
	assert_string_equal(str(b, "status"), "5.1.1");
	assert_string_equal(str(b, "class"), "hard");
	assert_true(num(b, "t") < 5.0);
	assert_int_equal(count(&r, "queue.defer", NULL), 0);
	expect_dsn(&r, "mail.example.org", "alice@example.org", "bbo@example.net", "failed", "5.1.1");
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	assert_accounted(&r);
	run_free(&r);
}

static void test_status_bounces(void **state)
{
	static const struct {
		const char *scenario, *rcpt, *status;
	} cases[] = {
		{"mailbox-full", "bob@example.net", "5.2.2"},
		{"too-large", "bob@example.net", "5.3.4"},
		{"null-mx", "bob@example.net", "5.1.10"},
		{"nxdomain", "bob@exmaple.net", "5.1.2"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct run r;
		run_scenario(cases[i].scenario, &r);
		expect_dsn(&r, "mail.example.org", "alice@example.org", cases[i].rcpt, "failed",
			   cases[i].status);
		assert_int_equal(count(&r, "queue.defer", NULL), 0);
		assert_accounted(&r);
		run_free(&r);
	}
}

static void test_too_large_sends_no_data(void **state)
{
	struct run r;
	run_scenario("too-large", &r);
	assert_int_equal(count(&r, "smtp.data", "mail.example.org"), 0);
	run_free(&r);
}

static void test_null_mx_never_connects(void **state)
{
	struct run r;
	run_scenario("null-mx", &r);
	for (size_t i = 0; i < r.nev; i++)
		if (strcmp(str(r.ev[i], "kind"), "net.connect") == 0)
			assert_string_not_equal(str(r.ev[i], "node"), "mail.example.org");
	run_free(&r);
}

static void test_implicit_mx(void **state)
{
	struct run r;
	run_scenario("no-mx-implicit-a", &r);
	const cJSON *route = nth(&r, "route.mx", "mail.example.org", 0);
	const cJSON *mx = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(route, "mx"), 0);
	assert_string_equal(mx->valuestring, "0 example.net. (implicit MX)");
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	run_free(&r);
}

static void test_dns_timeout_defers_then_delivers(void **state)
{
	struct run r;
	run_scenario("dns-timeout", &r);
	assert_true(count(&r, "dns.timeout", "mail.example.org") >= 2);
	const cJSON *d = nth(&r, "queue.defer", "mail.example.org", 0);
	assert_string_equal(str(d, "status"), "4.4.3");
	const cJSON *st = nth(&r, "mailbox.store", "mx1.example.net", 0);
	assert_non_null(st);
	assert_true(num(st, "t") >= 900.0);
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	assert_accounted(&r);
	run_free(&r);
}

static void test_mixed_recipients(void **state)
{
	struct run r;
	run_scenario("multi-recipient-mixed", &r);
	assert_int_equal(r.sum.rcpts, 3);
	assert_int_equal(r.sum.fate[FATE_INBOX], 2);
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	assert_int_equal(count(&r, "dsn.create", NULL), 1);
	expect_dsn(&r, "mail.example.org", "alice@example.org", "nobody@example.net", "failed",
		   "5.1.1");
	const cJSON *carol = nth(&r, "mailbox.store", "mx.example.com", 0);
	assert_true(num(carol, "t") >= 300.0);
	assert_true(num(nth(&r, "mailbox.store", "mx1.example.net", 0), "t") < 5.0);
	assert_accounted(&r);
	run_free(&r);
}

static void test_mx_fallback_through_backup(void **state)
{
	struct run r;
	run_scenario("mx-fallback", &r);
	const cJSON *to = nth(&r, "net.timeout", "mail.example.org", 0);
	assert_non_null(to);
	assert_string_equal(str(to, "peer"), "mx1.example.net");
	assert_non_null(nth(&r, "queue.enter", "mx2.example.net", 0));
	const cJSON *st = nth(&r, "mailbox.store", "mx1.example.net", 0);
	assert_true(num(st, "t") >= 600.0);
	struct mfolder *f = inbox(&r, "mx1.example.net", "bob@example.net");
	assert_int_equal(f->n, 1);
	assert_non_null(strstr(f->msgs[0].data, "by mx2.example.net"));
	assert_accounted(&r);
	run_free(&r);
}

#define MX1 "\"name\": \"mx1.example.net\", \"role\": \"mta\", \"ip\": \"198.51.100.25\","
#define SENDER "\"name\": \"mail.example.org\", \"role\": \"mta\", \"ip\": \"192.0.2.25\","

static void test_tls_failure_opportunistic_falls_back(void **state)
{
	struct run r;
	char *t = edit(basic(), "\"messages\": [",
		       "\"faults\": [ { \"type\": \"tls_failure\", \"host\": \"mx1.example.net\" } ],\n"
		       "  \"messages\": [");
	run_text(t, &r);
	assert_non_null(nth(&r, "tls.fail", "mail.example.org", 0));
	/* A second connection to mx1, this time without STARTTLS. */
	int connects = 0;
	for (size_t i = 0; i < r.nev; i++)
		connects += strcmp(str(r.ev[i], "kind"), "net.connect") == 0 &&
			    strcmp(str(r.ev[i], "node"), "mail.example.org") == 0 &&
			    strcmp(str(r.ev[i], "peer"), "mx1.example.net") == 0;
	assert_int_equal(connects, 2);
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	struct mfolder *f = inbox(&r, "mx1.example.net", "bob@example.net");
	assert_non_null(strstr(f->msgs[0].data, "with ESMTP id")); /* plaintext hop */
	run_free(&r);
}

static void test_tls_failure_required_defers(void **state)
{
	struct run r;
	char *t = edit(basic(), SENDER, SENDER " \"tls_policy\": \"encrypt\",");
	t = edit(t, "\"messages\": [",
		 "\"faults\": [ { \"type\": \"tls_failure\", \"host\": \"mx1.example.net\", "
		 "\"until\": 1000 }, { \"type\": \"tls_failure\", \"host\": \"mx2.example.net\", "
		 "\"until\": 1000 } ],\n  \"messages\": [");
	run_text(t, &r);
	const cJSON *d = nth(&r, "queue.defer", "mail.example.org", 0);
	assert_non_null(d);
	assert_string_equal(str(d, "status"), "4.7.5");
	assert_int_equal(r.sum.fate[FATE_INBOX], 1); /* once TLS works again */
	assert_true(num(nth(&r, "mailbox.store", "mx1.example.net", 0), "t") >= 1000.0);
	run_free(&r);
}

static void test_exim_schedule(void **state)
{
	struct run r;
	char *t = edit(basic(), SENDER,
		       SENDER " \"retry\": { \"schedule\": \"exim\", \"rules\": \"F,2h,15m; F,4d,6h\" },");
	t = edit(t, "\"messages\": [",
		 "\"faults\": [ { \"type\": \"host_down\", \"host\": \"mx1.example.net\" }, "
		 "{ \"type\": \"host_down\", \"host\": \"mx2.example.net\" } ],\n  \"messages\": [");
	run_text(t, &r);
	/* Every 15 minutes for the first two hours after the first failure. */
	for (int k = 0; k < 6; k++) {
		const cJSON *d = nth(&r, "queue.defer", "mail.example.org", k);
		double gap = num(d, "next_attempt") - num(d, "t");
		if (gap < 899.999 || gap > 900.001)
			fail_msg("deferral %d: gap %.6f s, want 900", k, gap);
	}
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1); /* past the last cutoff */
	assert_true(r.sum.accounted);
	run_free(&r);
}

static void test_alias_disabled_catch_all(void **state)
{
	struct run r;
	char *t = edit(basic(), "{ \"address\": \"bob@example.net\", \"password\": \"bob-secret\" }",
		       "{ \"address\": \"bob@example.net\", \"password\": \"bob-secret\", "
		       "\"aliases\": [\"robert@example.net\"] },\n"
		       "    { \"address\": \"old@example.net\", \"disabled\": true },\n"
		       "    { \"address\": \"info@example.net\", \"catch_all\": true }");
	t = edit(t, "\"to\": [\"bob@example.net\"]",
		 "\"to\": [\"robert@example.net\", \"old@example.net\", \"whoever@example.net\"]");
	run_text(t, &r);
	assert_int_equal(inbox(&r, "mx1.example.net", "bob@example.net")->n, 1);
	assert_int_equal(inbox(&r, "mx1.example.net", "info@example.net")->n, 1);
	assert_int_equal(inbox(&r, "mx1.example.net", "old@example.net")->n, 0);
	const cJSON *b = nth(&r, "queue.bounce", "mail.example.org", 0);
	assert_string_equal(str(b, "rcpt"), "old@example.net");
	assert_string_equal(str(b, "status"), "5.2.1");
	assert_int_equal(r.sum.fate[FATE_INBOX], 2);
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	run_free(&r);
}

static void test_rate_limit(void **state)
{
	struct run r;
	char *t = edit(basic(), MX1, MX1 " \"rate_limit\": { \"messages\": 1, \"per\": \"1h\" },");
	t = edit(t, "\"messages\": [",
		 "\"messages\": [\n    { \"id\": \"m0\", \"at\": 0.5, \"from\": \"alice@example.org\", "
		 "\"to\": [\"bob@example.net\"], \"subject\": \"first\" },");
	run_text(t, &r);
	const cJSON *p = nth(&r, "policy.decision", "mx1.example.net", 0);
	assert_non_null(p);
	assert_string_equal(str(p, "decision"), "defer");
	const cJSON *d = nth(&r, "queue.defer", "mail.example.org", 0);
	assert_string_equal(str(d, "status"), "4.7.0");
	assert_int_equal(r.sum.fate[FATE_INBOX], 2); /* the second one after the window */
	run_free(&r);
}

static void test_bounce_of_bounce_is_dropped(void **state)
{
	struct run r;
	char *t = edit(basic(), "{ \"address\": \"alice@example.org\", \"password\": \"alice-secret\" }",
		       "{ \"address\": \"alice@example.org\", \"password\": \"alice-secret\", "
		       "\"quota\": 100 }");
	t = edit(t, "\"to\": [\"bob@example.net\"]", "\"to\": [\"nobody@example.net\"]");
	run_text(t, &r);
	/* The DSN to alice cannot be stored (her quota), and a DSN is never
	 * answered with another DSN (RFC 5321 §4.5.5). */
	assert_int_equal(count(&r, "dsn.create", NULL), 1);
	const cJSON *p = nth(&r, "policy.decision", "mail.example.org", 0);
	assert_non_null(p);
	assert_string_equal(str(p, "decision"), "discard");
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	assert_true(r.sum.accounted);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greylisting_retry_after_300s),
		cmocka_unit_test(test_dead_domain_schedule_warning_bounce),
		cmocka_unit_test(test_unknown_user_immediate_dsn),
		cmocka_unit_test(test_status_bounces),
		cmocka_unit_test(test_too_large_sends_no_data),
		cmocka_unit_test(test_null_mx_never_connects),
		cmocka_unit_test(test_implicit_mx),
		cmocka_unit_test(test_dns_timeout_defers_then_delivers),
		cmocka_unit_test(test_mixed_recipients),
		cmocka_unit_test(test_mx_fallback_through_backup),
		cmocka_unit_test(test_tls_failure_opportunistic_falls_back),
		cmocka_unit_test(test_tls_failure_required_defers),
		cmocka_unit_test(test_exim_schedule),
		cmocka_unit_test(test_alias_disabled_catch_all),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_bounce_of_bounce_is_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
