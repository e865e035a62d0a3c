/* test_outcome.c — the outcome module (sim/outcome.c) and the stories that
 * used to come out wrong: SRS bounces that never arrived, a full mailbox
 * that can only bounce, postmaster refused, duplicate recipients stored
 * twice, Junk counted as delivered, quota full at delivery time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsn.h"
#include "mailstore.h"
#include "mta.h"
#include "net.h"
#include "outcome.h"
#include "scenario.h"
#include "sim.h"
#include "smtp.h"
#include "trace.h"
#include "world.h"

#include "scenario_run.h"

/* ---- outcomes -------------------------------------------------------------- */

static void test_reply_outcome_keeps_the_whole_reply(void **state)
{
	struct smtp_reply r;
	smtp_reply_set(&r, 550, "5.1.1", "<bob@example.net>: Recipient address rejected: User unknown");
	struct outcome o;
	oc_from_reply(&o, "mx1.example.net", &r, "RCPT TO");
	assert_int_equal(o.cls, OC_HARD);
	assert_int_equal(o.src, OC_SMTP);
	assert_string_equal(o.status, "5.1.1");
	assert_string_equal(o.remote, "mx1.example.net");
	/* RFC 3464 §2.3.6: code, enhanced code and text, nothing else. */
	assert_string_equal(o.text, "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown");
	assert_string_equal(oc_diag_type(&o), "smtp");
	char reason[700];
	oc_reason(&o, reason, sizeof reason);
	assert_string_equal(reason, "host mx1.example.net said: 550 5.1.1 <bob@example.net>: Recipient "
				    "address rejected: User unknown");
}

static void test_reply_without_enhanced_code(void **state)
{
	struct smtp_reply r;
	smtp_reply_set(&r, 451, NULL, "try later");
	struct outcome o;
	oc_from_reply(&o, "mx", &r, NULL);
	assert_int_equal(o.cls, OC_SOFT);
	assert_string_equal(o.status, "4.0.0"); /* RFC 3463 §2: class only */
	assert_string_equal(o.text, "451 try later");
	smtp_reply_set(&r, 250, NULL, "%s", "");
	oc_from_reply(&o, "mx", &r, NULL);
	assert_int_equal(o.cls, OC_OK);
	assert_string_equal(o.status, "2.0.0");
	assert_string_equal(o.text, "250");
}

static void test_local_outcome_is_x_postfix(void **state)
{
	struct outcome o;
	oc_local(&o, OC_SOFT, "4.4.1", "connect to %s[%s]:25: Connection timed out", "mx", "192.0.2.1");
	assert_int_equal(o.src, OC_LOCAL);
	assert_string_equal(oc_diag_type(&o), "X-Postfix");
	assert_string_equal(o.remote, "");
	char reason[700];
	oc_reason(&o, reason, sizeof reason);
	assert_string_equal(reason, "connect to mx[192.0.2.1]:25: Connection timed out");
}

/* The funnel counts final fates once, reports apart, hops not at all, and
 * writes one trace event each. */
static void test_fate_settle_counts_and_traces(void **state)
{
	struct sim *sim = sim_new(1, 0);
	struct strbuf tr;
	sb_init(&tr);
	trace_set_buffer(sim->trace, &tr);
	struct outcome ok, hard;
	oc_local(&ok, OC_OK, "2.0.0", "delivered to mailbox");
	oc_local(&hard, OC_HARD, "5.1.1", "User unknown");
	struct settle s = {.node = "mx", .msg = "m1", .rcpt = "bob@x", .queue_id = "Q1", .o = &ok};
	s.fate = FATE_JUNK;
	fate_settle(sim, &s);
	s.fate = FATE_RELAYED;
	fate_settle(sim, &s);
	s.fate = FATE_INBOX;
	s.report = true;
	fate_settle(sim, &s);
	s.fate = FATE_BOUNCED;
	s.o = &hard;
	fate_settle(sim, &s);
	s.report = false;
	fate_settle(sim, &s);
	assert_int_equal(sim->ledger.n[FATE_JUNK], 1);
	assert_int_equal(sim->ledger.n[FATE_INBOX], 0);
	assert_int_equal(sim->ledger.n[FATE_BOUNCED], 1);
	assert_int_equal(sim->ledger.dsn_stored, 1);
	assert_int_equal(sim->ledger.double_bounces, 1);
	assert_int_equal(ledger_settled(&sim->ledger), 2);
	assert_non_null(strstr(tr.data, "\"kind\":\"queue.done\",\"node\":\"mx\",\"msg\":\"m1\","
					 "\"rcpt\":\"bob@x\",\"queue_id\":\"Q1\",\"result\":\"junk\""));
	assert_non_null(strstr(tr.data, "\"result\":\"relayed\""));
	assert_non_null(strstr(tr.data, "\"kind\":\"queue.bounce\",\"node\":\"mx\",\"msg\":\"m1\","
					 "\"rcpt\":\"bob@x\",\"queue_id\":\"Q1\",\"status\":\"5.1.1\","
					 "\"class\":\"hard\",\"reason\":\"User unknown\""));
	trace_set_buffer(sim->trace, NULL);
	sb_free(&tr);
	sim_free(sim);
}

static void test_addr_same(void **state)
{
	assert_true(addr_same("bob@example.net", "bob@EXAMPLE.net"));
	assert_false(addr_same("Bob@example.net", "bob@example.net")); /* RFC 5321 §2.4 */
	assert_false(addr_same("bob@example.net", "bob@example.ne"));
	assert_true(addr_same("postmaster", "postmaster"));
	assert_false(addr_same("postmaster", "postmaster@x"));
	const char *v[] = {"a@x", "a@X", "b@x", "A@x"};
	assert_int_equal(addr_count_distinct(v, 4), 3);
}

/* ---- stories ---------------------------------------------------------------- */

/* The first smtp.send by node whose line starts with prefix. */
static const cJSON *line_starting(const struct run *r, const char *node, const char *prefix)
{
	for (int i = 0;; i++) {
		const cJSON *e = nth(r, "smtp.send", node, i);
		if (!e || strncmp(str(e, "line"), prefix, strlen(prefix)) == 0)
			return e;
	}
}

/* The event of a kind at a node whose field contains text. */
static const cJSON *find(const struct run *r, const char *kind, const char *node, const char *field,
			 const char *text)
{
	for (int i = 0;; i++) {
		const cJSON *e = nth(r, kind, node, i);
		if (!e || strstr(str(e, field), text))
			return e;
	}
}

static void test_srs_bounce_comes_home(void **state)
{
	struct run r;
	run_scenario("srs-bounce", &r);
	/* The final mailbox refuses; the filter's bounce goes to the SRS
	 * address, is reversed (hash and timestamp checked) and relayed. */
	const cJSON *dsn = nth(&r, "dsn.create", "filter.example", 0);
	assert_non_null(dsn);
	assert_true(strncmp(str(dsn, "to"), "SRS0=", 5) == 0);
	assert_non_null(find(&r, "policy.decision", "filter.example", "reason", "SRS reversed"));
	expect_dsn(&r, "mail.example.org", "alice@example.org", "carol@example.com", "failed", "5.1.1");
	/* Its block names the address Alice used and the server that refused. */
	struct mfolder *f = inbox(&r, "mail.example.org", "alice@example.org");
	const char *report = NULL;
	for (size_t i = 0; i < f->n; i++)
		if (strstr(f->msgs[i].data, "Reporting-MTA: dns; filter.example"))
			report = f->msgs[i].data;
	assert_non_null(report);
	assert_non_null(strstr(report, "Original-Recipient: rfc822; carol@example.net\r\n"));
	assert_non_null(strstr(report, "Remote-MTA: dns; mail.example.com\r\n"));
	assert_non_null(strstr(report, "Diagnostic-Code: smtp; 550 5.1.1 <carol@example.com>:"));
	assert_null(strstr(report, "said:"));
	/* The forged SRS address is refused at RCPT: no open relay. */
	const cJSON *no = line_starting(&r, "filter.example", "550 5.1.1 <SRS0=abcd");
	assert_non_null(no);
	assert_non_null(strstr(str(no, "line"), "SRS address failed verification"));
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 2);
	assert_int_equal(r.sum.dsn_stored, 2);
	assert_int_equal(r.sum.double_bounces, 0);
	assert_accounted(&r);
	run_free(&r);
}

static void test_mailbox_full_soft_retries_then_delivers(void **state)
{
	struct run r;
	run_scenario("mailbox-full-soft", &r);
	const cJSON *no = line_starting(&r, "mx1.example.net", "452 4.2.2");
	assert_non_null(no);
	int defers = count(&r, "queue.defer", "mail.example.org");
	assert_true(defers >= 3);
	for (int i = 0; i < defers; i++)
		assert_string_equal(str(nth(&r, "queue.defer", "mail.example.org", i), "status"), "4.2.2");
	const cJSON *stored = nth(&r, "mailbox.store", "mx1.example.net", 0);
	assert_non_null(stored);
	/* Not before Bob made room (the fault ends at 1800 s). */
	assert_true(num(stored, "t") > 1800);
	assert_int_equal(count(&r, "dsn.create", NULL), 0);
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	assert_accounted(&r);
	run_free(&r);
}

static void test_mailbox_full_reject_is_hard(void **state)
{
	struct run r;
	run_scenario("mailbox-full", &r);
	assert_non_null(line_starting(&r, "mx1.example.net", "552 5.2.2"));
	assert_int_equal(count(&r, "queue.defer", NULL), 0);
	expect_dsn(&r, "mail.example.org", "alice@example.org", "bob@example.net", "failed", "5.2.2");
	run_free(&r);
}

/* Quota exceeded only at delivery (the declared SIZE fits at RCPT, the Received: and Return-Path: added on the way do not): tempfail
 * defers, the default bounces. The receiving host here is mx1 itself. */
static char *full_at_delivery(const char *mode)
{
	char *t = basic();
	t = edit(t, "{ \"address\": \"bob@example.net\", \"password\": \"bob-secret\" }",
		 "{ \"address\": \"bob@example.net\", \"password\": \"bob-secret\", \"quota\": 600 }");
	if (mode) {
		char *with = xasprintf("\"name\": \"mx1.example.net\", \"quota_full\": \"%s\",", mode);
		t = edit(t, "\"name\": \"mx1.example.net\",", with);
		free(with);
	}
	return t;
}

static void test_quota_at_delivery(void **state)
{
	struct run r;
	run_text(full_at_delivery(NULL), &r);
	const cJSON *b = nth(&r, "queue.bounce", "mx1.example.net", 0);
	assert_non_null(b);
	assert_string_equal(str(b, "status"), "5.2.2");
	run_free(&r);
	run_text(full_at_delivery("tempfail"), &r);
	const cJSON *d = nth(&r, "queue.defer", "mx1.example.net", 0);
	assert_non_null(d);
	assert_string_equal(str(d, "status"), "4.2.2");
	assert_true(count(&r, "queue.defer", "mx1.example.net") > 5);
	/* Bob never makes room: after the queue lifetime the soft bounce
	 * becomes final, with the last 4.x.x status (Postfix "expired"). */
	b = nth(&r, "queue.bounce", "mx1.example.net", 0);
	assert_non_null(b);
	assert_string_equal(str(b, "status"), "4.2.2");
	assert_string_equal(str(b, "class"), "expired");
	assert_true(num(b, "t") >= 5 * 86400);
	assert_accounted(&r);
	run_free(&r);
}

static void test_postmaster_accepted_from_a_listed_client(void **state)
{
	struct run r;
	run_scenario("postmaster", &r);
	assert_non_null(line_starting(&r, "mx1.example.net", "554 5.7.1 Service unavailable"));
	const cJSON *d = find(&r, "policy.decision", "mx1.example.net", "reason", "always accepted");
	assert_non_null(d);
	assert_string_equal(str(d, "rcpt"), "postmaster@example.net");
	const cJSON *s = nth(&r, "mailbox.store", "mx1.example.net", 0);
	assert_non_null(s);
	assert_string_equal(str(s, "user"), "bob@example.net");
	/* Accepted is not the inbox: the content filter still filed it. */
	assert_string_equal(str(s, "folder"), "Junk");
	assert_int_equal(r.sum.fate[FATE_JUNK], 1);
	assert_int_equal(r.sum.fate[FATE_BOUNCED], 1);
	assert_accounted(&r);
	run_free(&r);
}

static void test_postmaster_alias(void **state)
{
	struct run r;
	char *t = basic();
	t = edit(t, "\"to\": [\"bob@example.net\"]", "\"to\": [\"postmaster@example.net\"]");
	t = edit(t, "{ \"address\": \"bob@example.net\"",
		 "{ \"address\": \"hostmaster@example.net\", \"password\": \"h\" },\n"
		 "    { \"address\": \"bob@example.net\"");
	t = edit(t, "\"name\": \"mx1.example.net\",",
		 "\"name\": \"mx1.example.net\", \"postmaster\": \"hostmaster@example.net\",");
	run_text(t, &r);
	const cJSON *s = nth(&r, "mailbox.store", "mx1.example.net", 0);
	assert_non_null(s);
	assert_string_equal(str(s, "user"), "hostmaster@example.net");
	assert_accounted(&r);
	run_free(&r);
}

static void test_duplicate_recipients_stored_once(void **state)
{
	struct run r;
	char *t = basic();
	t = edit(t, "\"to\": [\"bob@example.net\"]", "\"to\": [\"bob@example.net\", \"bob@EXAMPLE.NET\"]");
	run_text(t, &r);
	assert_int_equal(count(&r, "mailbox.store", "mx1.example.net"), 1);
	assert_int_equal(r.sum.rcpts, 1);
	assert_int_equal(r.sum.fate[FATE_INBOX], 1);
	assert_accounted(&r);
	run_free(&r);
}

static void test_delay_warning_default_per_profile(void **state)
{
	struct run r;
	/* dead-domain asks for its warning explicitly ... */
	run_scenario("dead-domain", &r);
	assert_int_equal(count(&r, "dsn.create", NULL), 2);
	run_free(&r);
	/* ... without it, Postfix's delay_warning_time = 0h sends none. */
	char *p = scenario_path("dead-domain");
	char *t = read_text(p);
	free(p);
	t = edit(t, ",\n      \"retry\": {\"delay_warning\": \"4h\"}", "");
	run_text(t, &r);
	assert_int_equal(count(&r, "dsn.create", NULL), 1);
	assert_string_equal(str(nth(&r, "dsn.create", NULL, 0), "action"), "failed");
	run_free(&r);
}

/* A note keeps text and remote (one block between them) and gives back
 * the same outcome; an empty one is NULL; set again replaces it. */
static void test_note_round_trip(void **state)
{
	(void)state;
	static const char *const pairs[][2] = {
		{"550 5.1.1 <x@y>: User unknown", "mx.example.net"}, {"text only", ""},
		{"", "remote.only"}, {"", ""},
	};
	struct oc_note n = {0};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		struct outcome o, back;
		oc_local(&o, OC_HARD, "5.1.1", "%s", pairs[i][0]);
		strcpy(o.remote, pairs[i][1]);
		oc_note_set(&n, &o);
		assert_true((n.text == NULL) == !pairs[i][0][0]);
		assert_true((n.remote == NULL) == !pairs[i][1][0]);
		oc_note_get(&n, &back);
		assert_string_equal(back.text, pairs[i][0]);
		assert_string_equal(back.remote, pairs[i][1]);
		assert_string_equal(back.status, "5.1.1");
	}
	oc_note_free(&n);
	assert_null(n.text);
	assert_null(n.remote);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_outcome_keeps_the_whole_reply),
		cmocka_unit_test(test_note_round_trip),
		cmocka_unit_test(test_reply_without_enhanced_code),
		cmocka_unit_test(test_local_outcome_is_x_postfix),
		cmocka_unit_test(test_fate_settle_counts_and_traces),
		cmocka_unit_test(test_addr_same),
		cmocka_unit_test(test_srs_bounce_comes_home),
		cmocka_unit_test(test_mailbox_full_soft_retries_then_delivers),
		cmocka_unit_test(test_mailbox_full_reject_is_hard),
		cmocka_unit_test(test_quota_at_delivery),
		cmocka_unit_test(test_postmaster_accepted_from_a_listed_client),
		cmocka_unit_test(test_postmaster_alias),
		cmocka_unit_test(test_duplicate_recipients_stored_once),
		cmocka_unit_test(test_delay_warning_default_per_profile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
