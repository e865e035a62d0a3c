/* test_filters.c — the decisive facts of the authentication and filtering
 * scenarios: each check's result in the trace, the SMTP refusals, where
 * accepted mail is filed, and the headers the receiving side adds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "scenario_run.h"

/* The result of the first filter.check of that filter at that node. */
static const char *check_result(const struct run *r, const char *node, const char *filter)
{
	for (int k = 0;; k++) {
		const cJSON *e = nth(r, "filter.check", node, k);
		if (!e)
			return "(none)";
		if (strcmp(str(e, "filter"), filter) == 0)
			return str(e, "result");
	}
}

static const struct stored_msg *only_message(struct run *r, const char *host, const char *user,
					     const char *folder)
{
	struct host *h = sim_host_by_name(world_sim(r->w), host);
	struct mbox_user *u = mailstore_user(mta_store(h->role_obj), user);
	assert_non_null(u);
	struct mfolder *f = mbox_folder(u, folder, false);
	if (!f || f->n != 1)
		fail_msg("%s: want exactly one message in %s, got %zu", user, folder, f ? f->n : 0);
	return &f->msgs[0];
}

static void expect_in(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("missing \"%s\" in:\n%.1500s", needle, hay);
}

static void test_all_pass(void **state)
{
	struct run r;
	run_scenario("all-pass", &r);
	assert_string_equal(check_result(&r, "mx1.example.net", "iprev"), "pass");
	assert_string_equal(check_result(&r, "mx1.example.net", "spf"), "pass");
	assert_string_equal(check_result(&r, "mx1.example.net", "dkim"), "pass");
	assert_string_equal(check_result(&r, "mx1.example.net", "dmarc"), "pass");
	const struct stored_msg *m = only_message(&r, "mx1.example.net", "bob@example.net", "INBOX");
	expect_in(m->data, "Authentication-Results: mx1.example.net; iprev=pass");
	expect_in(m->data, "spf=pass smtp.mailfrom=alice@example.org");
	expect_in(m->data, "dkim=pass header.d=example.org header.s=s1");
	expect_in(m->data, "dmarc=pass (p=reject dis=none) header.from=example.org");
	expect_in(m->data, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s1;");
	expect_in(m->data, "X-Spam-Status: No");
	expect_in(m->data, "X-Virus-Status: Clean");
	assert_true(r.sum.fate[FATE_INBOX] == 1 && r.sum.accounted);
	run_free(&r);
}

static void test_spoofed_sender_rejected_by_dmarc(void **state)
{
	struct run r;
	run_scenario("spoofed-sender", &r);
	assert_string_equal(check_result(&r, "mx1.example.net", "spf"), "fail");
	assert_string_equal(check_result(&r, "mx1.example.net", "dkim"), "none");
	assert_string_equal(check_result(&r, "mx1.example.net", "dmarc"), "fail");
	const cJSON *b = nth(&r, "queue.bounce", "mail.bad.example", 0);
	assert_non_null(b);
	assert_string_equal(str(b, "status"), "5.7.26");
	/* The bounce goes to the forged envelope sender: backscatter to Alice. */
	only_message(&r, "mail.example.org", "alice@example.org", "INBOX");
	assert_int_equal(r.sum.fate[FATE_INBOX], 0);
	assert_true(r.sum.accounted);
	run_free(&r);
}

static void test_forwarding_spf_and_srs(void **state)
{
	struct run r;
	run_scenario("forwarded-breaks-spf", &r);
	struct host *h = sim_host_by_name(world_sim(r.w), "mx1.example.net");
	struct mfolder *f = mbox_folder(mailstore_user(mta_store(h->role_obj), "bob@example.net"),
					"INBOX", false);
	assert_int_equal(f->n, 2);
	int plain = 0, srs = 0;
	for (size_t i = 0; i < f->n; i++) {
		const char *d = f->msgs[i].data;
		expect_in(d, "dkim=pass header.d=example.org");
		expect_in(d, "dmarc=pass");
		if (strstr(d, "Return-Path: <SRS0=")) {
			srs++;
			expect_in(d, "spf=pass smtp.mailfrom=SRS0=");
			expect_in(d, "@new-fwd.example>");
		} else {
			plain++;
			expect_in(d, "spf=fail smtp.mailfrom=alice@example.org");
		}
	}
	assert_int_equal(plain, 1);
	assert_int_equal(srs, 1);
	assert_true(r.sum.fate[FATE_INBOX] == 2 && r.sum.accounted);
	run_free(&r);
}

static void test_tampered_fails_dkim(void **state)
{
	struct run r;
	run_scenario("tampered-in-transit", &r);
	const cJSON *d = NULL;
	for (int k = 0; (d = nth(&r, "filter.check", "mx1.example.net", k)); k++)
		if (strcmp(str(d, "filter"), "dkim") == 0)
			break;
	assert_non_null(d);
	assert_string_equal(str(d, "result"), "fail");
	expect_in(str(d, "detail"), "body hash did not verify");
	const struct stored_msg *m = only_message(&r, "mx1.example.net", "bob@example.net", "Junk");
	expect_in(m->data, "dmarc=fail (p=quarantine dis=quarantine)");
	expect_in(m->data, "Sent through the example list server");
	run_free(&r);
}

static void test_spam_lands_in_junk(void **state)
{
	struct run r;
	run_scenario("spam-scored", &r);
	const struct stored_msg *m = only_message(&r, "mx1.example.net", "bob@example.net", "Junk");
	expect_in(m->data, "X-Spam-Status: Yes, score=14.60 required=6.00");
	expect_in(m->data, "BAYES_SPAM");
	expect_in(m->data, "MISSING_MID");
	/* Junk is its own column, never counted as the inbox. */
	assert_int_equal(r.sum.fate[FATE_JUNK], 1);
	assert_int_equal(r.sum.fate[FATE_INBOX], 0);
	run_free(&r);
}

static void test_quarantine_band(void **state)
{
	struct run r;
	run_scenario("quarantined", &r);
	only_message(&r, "mx1.example.net", "bob@example.net", "Quarantine");
	assert_int_equal(r.sum.fate[FATE_QUARANTINE], 1);
	assert_true(r.sum.accounted);
	run_free(&r);
}

static void test_eicar_rejected_554(void **state)
{
	struct run r;
	run_scenario("eicar-attachment", &r);
	assert_string_equal(check_result(&r, "mx1.example.net", "antivirus"), "infected");
	const cJSON *b = nth(&r, "queue.bounce", "mail.example.org", 0);
	assert_string_equal(str(b, "status"), "5.7.1");
	expect_in(str(b, "reason"), "554 5.7.1 Message rejected: virus found: Win.Test.EICAR_HDB-1");
	/* Nothing was stored at the receiving side, and DKIM never ran. */
	assert_int_equal(count(&r, "mailbox.store", "mx1.example.net"), 0);
	assert_string_equal(check_result(&r, "mx1.example.net", "dkim"), "(none)");
	run_free(&r);
}

static void test_blocked_sender_at_mail(void **state)
{
	struct run r;
	run_scenario("blocked-sender", &r);
	int mail_refused = 0;
	for (size_t i = 0; i < r.nev; i++)
		mail_refused += strcmp(str(r.ev[i], "kind"), "smtp.send") == 0 &&
				strstr(str(r.ev[i], "line"), "550 5.7.1 <offers@spam.example>: Sender address rejected") != NULL;
	assert_int_equal(mail_refused, 1);
	assert_int_equal(count(&r, "smtp.data", "mail.spam.example"), 0);
	run_free(&r);
}

static void test_whitelist_skips_spam(void **state)
{
	struct run r;
	run_scenario("whitelisted-sender", &r);
	only_message(&r, "mx1.example.net", "bob@example.net", "INBOX");
	for (int k = 0;; k++) {
		const cJSON *e = nth(&r, "filter.check", "mx1.example.net", k);
		if (!e)
			break;
		assert_string_not_equal(str(e, "filter"), "spam");
	}
	run_free(&r);
}

static void test_dnsbl_listed_refused(void **state)
{
	struct run r;
	run_scenario("dnsbl-listed", &r);
	assert_string_equal(check_result(&r, "mx1.example.net", "dnsbl"), "listed");
	const cJSON *b = nth(&r, "queue.bounce", "mail.spam.example", 0);
	expect_in(str(b, "reason"), "554 5.7.1 Service unavailable; Client host [203.0.113.77] blocked using zen.spamhaus.org");
	run_free(&r);
}

static void test_filter_relay_delivers_by_imap(void **state)
{
	struct run r;
	run_scenario("filter-relay", &r);
	const struct stored_msg *m = only_message(&r, "mail.example.com", "bob@example.com", "INBOX");
	/* Delivered by IMAP APPEND (seed 003 step 11): the filter is the final
	 * delivery agent, so the reverse-path is the original sender's. */
	expect_in(m->data, "Return-Path: <alice@example.org>");
	expect_in(m->data, "Authentication-Results: filter.example;");
	expect_in(m->data, "X-Spam-Score:");
	expect_in(m->data, "X-Virus-Scanned: clamav-milter at filter.example");
	expect_in(m->data, "by filter.example (mailsim)");
	/* Bob's rule: mail from Alice arrives flagged. */
	assert_true(m->flags & MFLAG_FLAGGED);
	/* No SMTP onward: the filter talks IMAP to the mailbox host. */
	for (int i = 0; nth(&r, "smtp.send", "filter.example", i); i++)
		assert_string_not_equal(str(nth(&r, "smtp.send", "filter.example", i), "peer"),
					"mail.example.com");
	assert_true(count(&r, "imap.send", "filter.example") > 0);
	assert_true(r.sum.fate[FATE_INBOX] == 1 && r.sum.accounted);
	run_free(&r);
}

static void test_imap_delivery_with_a_stale_password(void **state)
{
	struct run r;
	run_scenario("imap-auth-failure", &r);
	int defers = count(&r, "queue.defer", "filter.example");
	assert_true(defers >= 4);
	for (int i = 0; i < defers; i++)
		assert_string_equal(str(nth(&r, "queue.defer", "filter.example", i), "status"), "4.7.0");
	assert_int_equal(count(&r, "mailbox.store", "mail.example.com"), 0);
	expect_dsn(&r, "mail.example.org", "alice@example.org", "bob@example.net", "failed", "4.7.0");
	assert_true(r.sum.fate[FATE_BOUNCED] == 1 && r.sum.accounted);
	run_free(&r);
}

/* ---- the recipient's policy, on variants of all-pass -------------------------- */

static char *all_pass_with(const char *policy)
{
	char *p = scenario_path("all-pass");
	char *t = read_text(p);
	free(p);
	char *with = xasprintf("\"spam\": {},\n        \"policy\": %s", policy);
	t = edit(t, "\"spam\": {}", with);
	free(with);
	return t;
}

static void test_gatekeeper_holds_unknown_senders(void **state)
{
	struct run r;
	run_text(all_pass_with("{ \"gatekeeper\": true, \"whitelist\": [\"@friends.example\"] }"), &r);
	only_message(&r, "mx1.example.net", "bob@example.net", "Quarantine");
	const cJSON *p = nth(&r, "policy.decision", "mx1.example.net", 0);
	assert_string_equal(str(p, "decision"), "quarantine");
	expect_in(str(p, "reason"), "gatekeeper");
	assert_int_equal(r.sum.fate[FATE_QUARANTINE], 1);
	run_free(&r);
}

static void test_rule_folder_with_flags(void **state)
{
	struct run r;
	run_text(all_pass_with("{ \"rules\": [ { \"subject\": \"Lunch\", \"action\": \"folder\", "
			       "\"folder\": \"Promotions\", \"flags\": [\"\\\\Seen\"] } ] }"),
		 &r);
	const struct stored_msg *m = only_message(&r, "mx1.example.net", "bob@example.net", "Promotions");
	assert_true(m->flags & MFLAG_SEEN);
	run_free(&r);
}

static void test_rule_deny_drops_silently(void **state)
{
	struct run r;
	run_text(all_pass_with("{ \"rules\": [ { \"from\": \"alice@\", \"action\": \"deny\" } ] }"), &r);
	assert_int_equal(count(&r, "mailbox.store", "mx1.example.net"), 0);
	assert_int_equal(count(&r, "dsn.create", NULL), 0); /* no bounce: the recipient's choice */
	assert_int_equal(r.sum.fate[FATE_DROPPED], 1);
	assert_int_equal(r.sum.fate[FATE_REJECTED], 0);
	assert_true(r.sum.accounted);
	run_free(&r);
}

static void test_rule_forward(void **state)
{
	struct run r;
	char *t = all_pass_with("{ \"rules\": [ { \"action\": \"forward\", \"forward\": \"alice@example.org\" } ] }");
	run_text(t, &r);
	only_message(&r, "mail.example.org", "alice@example.org", "INBOX");
	assert_int_equal(count(&r, "mailbox.store", "mx1.example.net"), 0);
	assert_true(r.sum.fate[FATE_INBOX] == 1 && r.sum.accounted);
	run_free(&r);
}

static void test_snooze_until_window(void **state)
{
	struct run r;
	/* The story starts at 08:15 UTC; the window opens at 09:00. */
	run_text(all_pass_with("{ \"snooze\": { \"start\": \"09:00\", \"end\": \"17:00\" } }"), &r);
	const cJSON *p = nth(&r, "policy.decision", "mx1.example.net", 0);
	assert_string_equal(str(p, "decision"), "snooze");
	const cJSON *st = nth(&r, "mailbox.store", "mx1.example.net", 0);
	assert_true(num(st, "t") >= 2700.0 && num(st, "t") < 2701.0);
	run_free(&r);
}

static void test_sender_reputation_symbol(void **state)
{
	struct run r;
	char *p = scenario_path("all-pass");
	char *t = edit(read_text(p), "\"spam\": {}",
		       "\"spam\": { \"reputation\": { \"@example.org\": -2.5 } }");
	free(p);
	run_text(t, &r);
	int found = 0;
	for (int k = 0;; k++) {
		const cJSON *e = nth(&r, "filter.check", "mx1.example.net", k);
		if (!e)
			break;
		if (strcmp(str(e, "symbol"), "SENDER_REP_HAM") == 0) {
			found++;
			assert_string_equal(str(e, "score"), "-2.50");
		}
	}
	assert_int_equal(found, 1);
	run_free(&r);
}

static void test_outbound_spam_check(void **state)
{
	static const char sender[] =
		"\"name\": \"mail.example.org\", \"role\": \"mta\", \"ip\": \"192.0.2.25\",";
	for (int spammy = 0; spammy < 2; spammy++) {
		struct run r;
		char *t = edit(basic(), sender,
			       "\"name\": \"mail.example.org\", \"role\": \"mta\", \"ip\": \"192.0.2.25\", "
			       "\"filters\": { \"outbound_spam\": true, \"spam\": { \"greylist\": 1, \"add_header\": 2, \"reject\": 3 } },");
		if (spammy)
			t = edit(t, "\"subject\": \"Lunch on Friday?\"", "\"subject\": \"CHEAP LUNCH DEALS\"");
		run_text(t, &r);
		if (spammy) {
			const cJSON *b = nth(&r, "queue.bounce", "alice-laptop.example.org", 0);
			assert_non_null(b);
			expect_in(str(b, "reason"), "554 Message rejected as spam by the outbound filter");
			assert_int_equal(r.sum.fate[FATE_REJECTED], 1);
		} else {
			assert_int_equal(r.sum.fate[FATE_INBOX], 1);
		}
		assert_true(r.sum.accounted);
		run_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_pass),
		cmocka_unit_test(test_spoofed_sender_rejected_by_dmarc),
		cmocka_unit_test(test_forwarding_spf_and_srs),
		cmocka_unit_test(test_tampered_fails_dkim),
		cmocka_unit_test(test_spam_lands_in_junk),
		cmocka_unit_test(test_quarantine_band),
		cmocka_unit_test(test_eicar_rejected_554),
		cmocka_unit_test(test_blocked_sender_at_mail),
		cmocka_unit_test(test_whitelist_skips_spam),
		cmocka_unit_test(test_dnsbl_listed_refused),
		cmocka_unit_test(test_filter_relay_delivers_by_imap),
		cmocka_unit_test(test_gatekeeper_holds_unknown_senders),
		cmocka_unit_test(test_rule_folder_with_flags),
		cmocka_unit_test(test_imap_delivery_with_a_stale_password),
		cmocka_unit_test(test_rule_deny_drops_silently),
		cmocka_unit_test(test_rule_forward),
		cmocka_unit_test(test_snooze_until_window),
		cmocka_unit_test(test_outbound_spam_check),
		cmocka_unit_test(test_sender_reputation_symbol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
