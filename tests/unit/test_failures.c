/* test_failures.c — the failure scenarios (one per row of the seeds' "what
 * can go wrong" table that the other scenario tests do not cover), checked
 * on their decisive facts: reply codes, which host decides, retry gaps,
 * who gets which report, and where each copy is filed. Whole DSN texts and
 * the end-of-run wording are left to the goldens. Scenarios come from
 * scenarios/ (MAILSIM_SOURCE_DIR). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
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

/* The k-th event of a kind (at a node, if given) about one message. */
static const cJSON *nth_msg(const struct run *r, const char *kind, const char *node, const char *msg,
			    int k)
{
	for (int i = 0;; i++) {
		const cJSON *e = nth(r, kind, node, i);
		if (!e)
			return NULL;
		if (strcmp(str(e, "msg"), msg) == 0 && k-- == 0)
			return e;
	}
}

/* The first smtp.send whose line starts with `prefix` (sent by node). */
static const cJSON *line_from(const struct run *r, const char *node, const char *prefix)
{
	for (int i = 0;; i++) {
		const cJSON *e = nth(r, "smtp.send", node, i);
		if (!e || strncmp(str(e, "line"), prefix, strlen(prefix)) == 0)
			return e;
	}
}

static bool near(double a, double b)
{
	return fabs(a - b) < 0.001;
}

static double gap(const cJSON *defer)
{
	return num(defer, "next_attempt") - num(defer, "t");
}

/* dsn.create: the report's recipient, action, status and its one rcpt. */
static void expect_dsn_event(const cJSON *d, const char *to, const char *action, const char *status,
			     const char *rcpt)
{
	assert_non_null(d);
	assert_string_equal(str(d, "to"), to);
	assert_string_equal(str(d, "action"), action);
	assert_string_equal(str(d, "status"), status);
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(d, "rcpts");
	assert_int_equal(cJSON_GetArraySize(rc), 1);
	assert_string_equal(cJSON_GetArrayItem(rc, 0)->valuestring, rcpt);
}

static void expect_store(const cJSON *s, const char *user, const char *folder)
{
	assert_non_null(s);
	assert_string_equal(str(s, "user"), user);
	assert_string_equal(str(s, "folder"), folder);
}

/* Required TLS: every attempt dies at the handshake, 4.7.5, Postfix's
 * backoff, then the one-hour queue lifetime bounces it; nothing is ever
 * sent in the clear. Opportunistic TLS: one failed handshake, then a
 * plaintext session delivers at once. */
static void test_tls_failure(void **state)
{
	struct run r;
	run_scenario("tls-failure", &r);
	int n = count(&r, "queue.defer", "mail.example.org");
	assert_int_equal(n, 5);
	assert_int_equal(count(&r, "tls.fail", "mail.example.org"), n + 1);
	for (int k = 0; k < n; k++) {
		const cJSON *d = nth(&r, "queue.defer", "mail.example.org", k);
		assert_string_equal(str(d, "status"), "4.7.5");
		assert_true(gap(d) >= 299.999 && gap(d) <= 4000.001);
	}
	assert_true(near(gap(nth(&r, "queue.defer", "mail.example.org", 0)), 300));
	assert_null(line_from(&r, "mail.example.org", "MAIL FROM"));
	assert_int_equal(count(&r, "smtp.data", "mail.example.org"), 0);
	const cJSON *exp = nth(&r, "queue.expire", "mail.example.org", 0);
	assert_non_null(exp);
	assert_true(num(exp, "t") >= 3600 && num(exp, "t") < 3600 + 4000);
	const cJSON *b = nth(&r, "queue.bounce", "mail.example.org", 0);
	assert_string_equal(str(b, "status"), "4.7.5");
	expect_dsn_event(nth_msg(&r, "dsn.create", "mail.example.org", "m1", 0), "alice@example.org",
			 "failed", "4.7.5", "bob@example.net");

	assert_int_equal(count(&r, "tls.fail", "mail.example.com"), 1);
	const cJSON *p = nth(&r, "policy.decision", "mail.example.com", 0);
	assert_non_null(strstr(str(p, "reason"), "plaintext"));
	const cJSON *data = nth(&r, "smtp.data", "mail.example.com", 0);
	assert_non_null(data);
	assert_string_equal(str(data, "peer"), "mx1.example.net");
	assert_true(num(data, "seq") > num(nth(&r, "tls.fail", "mail.example.com", 0), "seq"));
	assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "tls")));
	assert_int_equal(count(&r, "queue.defer", "mail.example.com"), 0);
	const cJSON *s = nth_msg(&r, "mailbox.store", "mx1.example.net", "m2", 0);
	expect_store(s, "bob@example.net", "INBOX");
	assert_true(num(s, "t") < 3.0);
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	assert_accounted(&r);
	run_free(&r);
}

/* 2 messages per 10 minutes per client: 451 4.7.0 at MAIL, the sender's
 * backoff spreads six messages into three pairs, none lost. */
static void test_rate_limited(void **state)
{
	struct run r;
	run_scenario("rate-limited", &r);
	const cJSON *refusal = line_from(&r, "mx1.example.net", "451 4.7.0");
	assert_non_null(refusal);
	const cJSON *first = nth(&r, "queue.defer", "mail.example.org", 0);
	assert_string_equal(str(first, "status"), "4.7.0");
	assert_string_equal(str(first, "msg"), "m3");
	assert_true(near(gap(first), 300));
	for (int k = 0; nth(&r, "queue.defer", NULL, k); k++)
		assert_string_equal(str(nth(&r, "queue.defer", NULL, k), "status"), "4.7.0");
	static const struct {
		const char *msg;
		double lo, hi;
	} when[] = {{"m1", 0, 10},     {"m2", 0, 10},       {"m3", 600, 700},
		    {"m4", 600, 700}, {"m5", 1200, 1300}, {"m6", 1200, 1300}};
	for (size_t i = 0; i < ARRAY_LEN(when); i++) {
		const cJSON *s = nth_msg(&r, "mailbox.store", "mx1.example.net", when[i].msg, 0);
		expect_store(s, "bob@example.net", "INBOX");
		if (num(s, "t") < when[i].lo || num(s, "t") > when[i].hi)
			fail_msg("%s stored at %f, want %g..%g", when[i].msg, num(s, "t"), when[i].lo,
				 when[i].hi);
	}
	/* The limit holds: no 600 s window has more than 2 deliveries. */
	int n = count(&r, "mailbox.store", "mx1.example.net");
	assert_int_equal(n, 6);
	for (int i = 0; i < n; i++) {
		double t = num(nth(&r, "mailbox.store", "mx1.example.net", i), "t");
		int in_window = 0;
		for (int k = 0; k < n; k++) {
			double u = num(nth(&r, "mailbox.store", "mx1.example.net", k), "t");
			in_window += u <= t && u > t - 600;
		}
		assert_true(in_window <= 2);
	}
	assert_int_equal(count(&r, "dsn.create", NULL), 0);
	assert_int_equal(r.sum.fate[FATE_INBOX], 6);
	assert_accounted(&r);
	run_free(&r);
}

/* Gatekeeper: the whitelisted sender goes through, the stranger approved
 * at t = 1800 s is held until that moment, the never-approved one is
 * quarantined, and the approved sender's later mail skips the checks. */
static void test_gatekeeper(void **state)
{
	struct run r;
	run_scenario("gatekeeper", &r);
	const cJSON *s1 = nth_msg(&r, "mailbox.store", "mx1.example.net", "m1", 0);
	expect_store(s1, "bob@example.net", "INBOX");
	assert_true(num(s1, "t") < 5);

	const cJSON *hold = NULL;
	for (int k = 0; (hold = nth_msg(&r, "policy.decision", "mx1.example.net", "m2", k)); k++)
		if (strcmp(str(hold, "decision"), "hold") == 0)
			break;
	assert_non_null(hold);
	assert_true(num(hold, "t") < 10);
	/* The sender's server is done with it at once: 250, no retries. */
	assert_int_equal(count(&r, "queue.defer", NULL), 0);
	const cJSON *s2 = nth_msg(&r, "mailbox.store", "mx1.example.net", "m2", 0);
	expect_store(s2, "bob@example.net", "INBOX");
	assert_true(near(num(s2, "t"), 1800));

	const cJSON *p3 = nth_msg(&r, "policy.decision", "mx1.example.net", "m3", 0);
	assert_string_equal(str(p3, "decision"), "quarantine");
	expect_store(nth_msg(&r, "mailbox.store", "mx1.example.net", "m3", 0), "bob@example.net",
		     "Quarantine");

	const cJSON *p4 = nth_msg(&r, "policy.decision", "mx1.example.net", "m4", 0);
	assert_string_equal(str(p4, "decision"), "deliver");
	assert_non_null(strstr(str(p4, "reason"), "approved"));
	assert_null(nth_msg(&r, "filter.check", "mx1.example.net", "m4", 0)); /* no spam scoring */
	assert_non_null(nth_msg(&r, "filter.check", "mx1.example.net", "m2", 0));
	const cJSON *s4 = nth_msg(&r, "mailbox.store", "mx1.example.net", "m4", 0);
	expect_store(s4, "bob@example.net", "INBOX");
	assert_true(num(s4, "t") < 2401);

	assert_int_equal((int)num(nth(&r, "mailbox.fetch", NULL, 0), "count"), 1);
	assert_int_equal((int)num(nth(&r, "mailbox.fetch", NULL, 1), "count"), 3);
	assert_int_equal(r.sum.fate[FATE_INBOX], 3);
	assert_int_equal(r.sum.fate[FATE_QUARANTINE], 1);
	assert_accounted(&r);
	run_free(&r);
}

/* The same world with the approval given to someone else: Carol is a
 * stranger for good, and both her messages go to Quarantine like Dave's. */
static void test_gatekeeper_without_approval_quarantines(void **state)
{
	char *p = scenario_path("gatekeeper");
	char *text = read_text(p);
	free(p);
	text = edit(text, "\"sender\": \"carol@example.com\"", "\"sender\": \"erin@example.com\"");
	struct run r;
	run_text(text, &r);
	assert_string_equal(str(nth_msg(&r, "policy.decision", "mx1.example.net", "m2", 0), "decision"),
			    "quarantine");
	expect_store(nth_msg(&r, "mailbox.store", "mx1.example.net", "m2", 0), "bob@example.net",
		     "Quarantine");
	assert_int_equal(r.sum.fate[FATE_QUARANTINE], 3);
	assert_accounted(&r);
	run_free(&r);
}

/* Snooze: accepted at 07:40, held in mx1's queue, filed at 08:00 sharp. */
static void test_snooze(void **state)
{
	struct run r;
	run_scenario("snooze", &r);
	const cJSON *p = nth_msg(&r, "policy.decision", "mx1.example.net", "m1", 0);
	assert_string_equal(str(p, "decision"), "snooze");
	const cJSON *ok = line_from(&r, "mx1.example.net", "250 2.0.0 Ok: queued");
	assert_non_null(ok);
	assert_true(num(ok, "t") < 2);
	assert_true(num(nth(&r, "queue.done", "mail.example.org", 0), "t") < 2);
	const cJSON *s = nth_msg(&r, "mailbox.store", "mx1.example.net", "m1", 0);
	expect_store(s, "bob@example.net", "INBOX");
	assert_true(near(num(s, "t"), 1200)); /* 08:00 - 07:40 */
	assert_int_equal((int)num(nth(&r, "mailbox.fetch", NULL, 0), "count"), 0);
	assert_int_equal((int)num(nth(&r, "mailbox.fetch", NULL, 1), "count"), 1);
	assert_int_equal(count(&r, "dsn.create", NULL), 0);
	assert_accounted(&r);
	run_free(&r);
}

/* Disabled mailbox: 550 5.2.1 at RCPT for Carol only; Bob gets the copy,
 * Alice a report naming Carol, at once. */
static void test_disabled_user(void **state)
{
	struct run r;
	run_scenario("disabled-user", &r);
	const cJSON *refusal = line_from(&r, "mx1.example.net", "550 5.2.1");
	assert_non_null(refusal);
	assert_non_null(strstr(str(refusal, "line"), "<carol@example.net>"));
	const cJSON *b = nth(&r, "queue.bounce", "mail.example.org", 0);
	assert_string_equal(str(b, "rcpt"), "carol@example.net");
	assert_string_equal(str(b, "status"), "5.2.1");
	assert_string_equal(str(b, "class"), "hard");
	assert_true(num(b, "t") < 5);
	expect_dsn_event(nth(&r, "dsn.create", "mail.example.org", 0), "alice@example.org", "failed",
			 "5.2.1", "carol@example.net");
	expect_store(nth_msg(&r, "mailbox.store", "mx1.example.net", "m1", 0), "bob@example.net",
		     "INBOX");
	assert_int_equal(count(&r, "queue.defer", NULL), 0);
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	assert_accounted(&r);
	run_free(&r);
}

/* Catch-all: unknown local parts land in info@'s mailbox, nothing bounces. */
static void test_catch_all(void **state)
{
	struct run r;
	run_scenario("catch-all", &r);
	static const struct {
		const char *msg, *rcpt, *user;
	} cases[] = {{"m1", "bob@example.net", "bob@example.net"},
		     {"m2", "sales@example.net", "info@example.net"},
		     {"m3", "bbo@example.net", "info@example.net"}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const cJSON *s = nth_msg(&r, "mailbox.store", "mx1.example.net", cases[i].msg, 0);
		expect_store(s, cases[i].user, "INBOX");
		assert_string_equal(str(s, "rcpt"), cases[i].rcpt);
	}
	assert_null(line_from(&r, "mx1.example.net", "550"));
	assert_int_equal(count(&r, "dsn.create", NULL), 0);
	assert_int_equal(r.sum.fate[FATE_INBOX], 3);
	assert_accounted(&r);
	run_free(&r);
}

/* Spam at the reject threshold: 554 5.7.1 after the data, nothing queued
 * at mx1, the sending server reports to its own user. */
static void test_spam_rejected(void **state)
{
	struct run r;
	run_scenario("spam-rejected", &r);
	const cJSON *total = NULL;
	for (int k = 0; (total = nth(&r, "filter.check", "mx1.example.net", k)); k++)
		if (strcmp(str(total, "symbol"), "TOTAL") == 0)
			break;
	assert_non_null(total);
	assert_true(atof(str(total, "score")) >= 15.0); /* "15.60": centipoints as text */
	assert_string_equal(str(total, "result"), "reject");
	assert_string_equal(str(nth_msg(&r, "policy.decision", "mx1.example.net", "m1", 0), "decision"),
			    "reject");
	const cJSON *refusal = line_from(&r, "mx1.example.net", "554 5.7.1");
	const cJSON *data = nth(&r, "smtp.data", "mail.spam.example", 0);
	assert_non_null(refusal);
	assert_non_null(data);
	assert_true(num(refusal, "seq") > num(data, "seq")); /* after DATA */
	assert_int_equal(count(&r, "queue.enter", "mx1.example.net"), 0);
	assert_int_equal(count(&r, "mailbox.store", "mx1.example.net"), 0);
	const cJSON *b = nth(&r, "queue.bounce", "mail.spam.example", 0);
	assert_string_equal(str(b, "status"), "5.7.1");
	expect_dsn_event(nth(&r, "dsn.create", "mail.spam.example", 0), "offers@spam.example",
			 "failed", "5.7.1", "bob@example.net");
	assert_int_equal(count(&r, "dsn.create", "mx1.example.net"), 0);
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	assert_accounted(&r);
	run_free(&r);
}

/* The same dead destination, two schedules. Postfix: 300 s, then the age
 * clamped to 4000 s, bounce at 5 d. Exim F,2h,15m; G,16h,1h,1.5; F,4d,6h
 * counted from the first failure: 900 s gaps, then 1 h ×1.5 each time
 * until 16 h, then 6 h, bounce after 4 d. */
static void test_exim_vs_postfix(void **state)
{
	struct run r;
	run_scenario("exim-retry", &r);
	int np = count(&r, "queue.defer", "mail.example.org");
	assert_true(np > 100);
	assert_true(near(gap(nth(&r, "queue.defer", "mail.example.org", 0)), 300));
	for (int k = 0; k < np; k++) {
		const cJSON *d = nth(&r, "queue.defer", "mail.example.org", k);
		assert_string_equal(str(d, "status"), "4.4.1");
		assert_true(gap(d) >= 299.999 && gap(d) <= 4000.001);
	}
	assert_true(near(gap(nth(&r, "queue.defer", "mail.example.org", np - 1)), 4000));

	int ne = count(&r, "queue.defer", "mail.example.net");
	const cJSON *d0 = nth(&r, "queue.defer", "mail.example.net", 0);
	double first_failure = num(d0, "t");
	double geometric = 3600; /* the G rule's next interval */
	int fixed15 = 0, grown = 0, fixed6h = 0;
	for (int k = 0; k < ne; k++) {
		const cJSON *d = nth(&r, "queue.defer", "mail.example.net", k);
		double failing = num(d, "t") - first_failure;
		if (failing <= 2 * 3600) {
			assert_true(near(gap(d), 900));
			fixed15++;
		} else if (failing <= 16 * 3600) {
			if (!near(gap(d), geometric))
				fail_msg("G rule: gap %f at %f s of failure, want %f", gap(d), failing,
					 geometric);
			geometric *= 1.5;
			grown++;
		} else {
			assert_true(near(gap(d), 6 * 3600));
			fixed6h++;
		}
	}
	/* Failures at 0, 15.5, ..., 108.5 min: each gap is 15 min plus the
	 * 30 s connect timeout of the attempt. */
	assert_int_equal(fixed15, 8);
	assert_int_equal(grown, 6);       /* 1, 1.5, 2.25, 3.375, 5.06, 7.59 h */
	assert_true(fixed6h >= 12);
	assert_true(ne < np / 3);

	const cJSON *eb = nth(&r, "queue.bounce", "mail.example.net", 0);
	assert_true(num(eb, "t") - first_failure > 4 * 86400.0);
	assert_true(num(eb, "t") - first_failure <= 4 * 86400.0 + 6 * 3600 + 60);
	const cJSON *pb = nth(&r, "queue.bounce", "mail.example.org", 0);
	assert_true(num(pb, "t") >= 5 * 86400.0);
	assert_true(num(eb, "t") < num(pb, "t"));

	const cJSON *pw = nth(&r, "dsn.create", "mail.example.org", 0);
	expect_dsn_event(pw, "alice@example.org", "delayed", "4.4.1", "carol@example.com");
	assert_true(num(pw, "t") >= 4 * 3600.0 && num(pw, "t") < 4 * 3600.0 + 4100);
	const cJSON *ew = nth(&r, "dsn.create", "mail.example.net", 0);
	expect_dsn_event(ew, "bob@example.net", "delayed", "4.4.1", "carol@example.com");
	assert_true(num(ew, "t") >= 24 * 3600.0);
	expect_dsn_event(nth(&r, "dsn.create", "mail.example.net", 1), "bob@example.net", "failed",
			 "4.4.1", "carol@example.com");
	expect_dsn_event(nth(&r, "dsn.create", "mail.example.org", 1), "alice@example.org",
			 "failed", "4.4.1", "carol@example.com");
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 2);
	assert_accounted(&r);
	run_free(&r);
}

/* POP3 with keep=false: RETR and DELE per message, then QUIT; the second
 * session finds the maildrop empty, and so does the server's store. */
static void test_pop3_fetch_deletes(void **state)
{
	struct run r;
	run_scenario("pop3-fetch", &r);
	static const char *const want[] = {"USER bob@example.net", "PASS bob-secret", "STAT", "RETR 1",
					   "DELE 1", "RETR 2", "DELE 2", "QUIT"};
	size_t w = 0;
	for (int k = 0; w < ARRAY_LEN(want); k++) {
		const cJSON *e = nth(&r, "pop3.send", "bob-laptop.example.net", k);
		if (!e)
			fail_msg("the client never sent '%s'", want[w]);
		if (strcmp(str(e, "line"), want[w]) == 0)
			w++;
		else if (strncmp(str(e, "line"), "DELE", 4) == 0 || strcmp(str(e, "line"), "QUIT") == 0)
			fail_msg("'%s' out of order (expected '%s')", str(e, "line"), want[w]);
	}
	const cJSON *signoff = NULL;
	for (int k = 0; (signoff = nth(&r, "pop3.send", "mx1.example.net", k)); k++)
		if (strstr(str(signoff, "line"), "signing off"))
			break;
	assert_non_null(strstr(str(signoff, "line"), "maildrop empty"));
	const cJSON *f1 = nth(&r, "mailbox.fetch", "bob-laptop.example.net", 0);
	const cJSON *f2 = nth(&r, "mailbox.fetch", "bob-laptop.example.net", 1);
	assert_string_equal(str(f1, "protocol"), "pop3");
	assert_int_equal((int)num(f1, "count"), 2);
	assert_int_equal((int)num(f2, "count"), 0);
	assert_int_equal(inbox(&r, "mx1.example.net", "bob@example.net")->n, 0);
	assert_int_equal(r.sum.fate[FATE_INBOX], 2);
	assert_accounted(&r);
	run_free(&r);
}

/* The seeds' step 11: the filter's onward SMTP delivery times out while
 * the mailbox host is down; its retry queue delivers at the first attempt
 * after the host is back, and the original sender never hears of it. */
static void test_relay_timeout(void **state)
{
	struct run r;
	run_scenario("relay-timeout", &r);
	int n = count(&r, "queue.defer", "filter.example");
	assert_true(n >= 5);
	for (int k = 0; k < n; k++) {
		const cJSON *d = nth(&r, "queue.defer", "filter.example", k);
		assert_string_equal(str(d, "status"), "4.4.1");
		assert_string_equal(str(d, "rcpt"), "bob@example.com");
		assert_true(num(d, "t") < 10800); /* the host is down until then */
	}
	const cJSON *last = nth(&r, "queue.defer", "filter.example", n - 1);
	assert_true(num(last, "next_attempt") > 10800);
	const cJSON *s = nth(&r, "mailbox.store", "mail.example.com", 0);
	expect_store(s, "bob@example.com", "INBOX");
	assert_true(num(s, "t") > num(last, "next_attempt") &&
		    num(s, "t") < num(last, "next_attempt") + 1); /* that very attempt */
	assert_int_equal(count(&r, "queue.defer", "mail.example.org"), 0);
	assert_string_equal(str(nth(&r, "mailbox.fetch", NULL, 0), "error"), "connection timed out");
	assert_int_equal(count(&r, "dsn.create", NULL), 0);
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	assert_accounted(&r);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_failure),
		cmocka_unit_test(test_rate_limited),
		cmocka_unit_test(test_gatekeeper),
		cmocka_unit_test(test_gatekeeper_without_approval_quarantines),
		cmocka_unit_test(test_snooze),
		cmocka_unit_test(test_disabled_user),
		cmocka_unit_test(test_catch_all),
		cmocka_unit_test(test_spam_rejected),
		cmocka_unit_test(test_exim_vs_postfix),
		cmocka_unit_test(test_pop3_fetch_deletes),
		cmocka_unit_test(test_relay_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
