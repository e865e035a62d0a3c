/* test_scenario_typed.c — what the loader hands the simulator is typed:
 * every choice an enum (with its name table in step), durations in
 * microseconds, spam scores in integer centipoints, and every name of
 * another object resolved to a pointer once (a resolver, a submission
 * server, a fetch server, a postmaster, an IMAP delivery host and its
 * login user, fault hosts and users, link ends, a narration node, a
 * message's client, a user's mailbox host). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "scenario.h"

static const char text[] =
	"{ \"mailsim\": 1, \"name\": \"typed\",\n"
	"  \"hosts\": [\n"
	"    { \"name\": \"ns1.example\", \"role\": \"dns\", \"ip\": \"203.0.113.53\", \"zones\": [] },\n"
	"    { \"name\": \"ns2.example\", \"role\": \"dns\", \"ip\": \"203.0.113.54\", \"zones\": [] },\n"
	"    { \"name\": \"laptop.example.org\", \"role\": \"client\", \"ip\": \"192.0.2.10\",\n"
	"      \"user\": \"Alice@example.org\", \"submit\": { \"server\": \"MAIL.example.org\" },\n"
	"      \"fetch\": { \"protocol\": \"pop3\", \"server\": \"mail.example.org\", \"at\": [60] } },\n"
	"    { \"name\": \"mail.example.org\", \"role\": \"mta\", \"ip\": \"192.0.2.25\",\n"
	"      \"services\": [\"submission\", \"pop3\"], \"domains\": [\"example.org\"],\n"
	"      \"tls_policy\": \"encrypt\", \"quota_full\": \"tempfail\",\n"
	"      \"postmaster\": \"alice@example.org\", \"resolver\": \"ns2.example\",\n"
	"      \"retry\": { \"schedule\": \"exim\", \"rules\": \"F,2h,15m\", \"lifetime\": \"2d\" },\n"
	"      \"filters\": { \"spam\": { \"add_header\": 5.5, \"reputation\": { \"@example.com\": -1.25 } },\n"
	"        \"policy\": { \"rules\": [\n"
	"        { \"from\": \"x@example.com\", \"action\": \"deny\" },\n"
	"        { \"from\": \"y@example.com\", \"action\": \"forward\", \"forward\": \"z@example.com\" },\n"
	"        { \"from\": \"w@example.com\", \"folder\": \"Lists\", \"action\": \"folder\" } ] } } },\n"
	"    { \"name\": \"box.example.net\", \"role\": \"mailbox\", \"ip\": \"198.51.100.7\",\n"
	"      \"services\": [\"smtp\", \"imap\"], \"domains\": [\"example.net\"] }\n"
	"  ],\n"
	"  \"users\": [ { \"address\": \"alice@example.org\" },\n"
	"             { \"address\": \"bob@example.org\", \"forward\": \"bob@example.net\",\n"
	"               \"imap_server\": \"box.example.net\" },\n"
	"             { \"address\": \"bob@example.net\" } ],\n"
	"  \"messages\": [ { \"id\": \"m1\", \"at\": 1, \"from\": \"alice@example.org\",\n"
	"                  \"to\": \"bob@example.org\" } ],\n"
	"  \"links\": [ { \"between\": [\"laptop.example.org\", \"mail.example.org\"], \"latency_ms\": 40 } ],\n"
	"  \"narration\": [ { \"before\": \"net.connect\", \"node\": \"Laptop.example.org\", \"text\": \"go\" } ],\n"
	"  \"faults\": [ { \"type\": \"tamper\", \"host\": \"mail.example.org\", \"what\": \"subject\", \"from\": 5 },\n"
	"              { \"type\": \"mailbox_full\", \"user\": \"BOB@example.net\", \"at\": 9 },\n"
	"              { \"type\": \"link\", \"between\": [\"box.example.net\", \"ns1.example\"],\n"
	"                \"latency_ms\": 100 } ]\n"
	"}\n";

static struct scenario *load(void)
{
	FILE *err = tmpfile();
	assert_non_null(err);
	struct scenario *s = scn_parse(text, strlen(text), "typed.json", err);
	if (!s) {
		char buf[2048] = "";
		rewind(err);
		size_t n = fread(buf, 1, sizeof buf - 1, err);
		buf[n] = '\0';
		fail_msg("the scenario must load:\n%s", buf);
	}
	fclose(err);
	return s;
}

static void test_enums(void **state)
{
	struct scenario *s = load();
	const struct scn_host *ns1 = &s->hosts[0], *client = &s->hosts[2], *mta = &s->hosts[3],
			      *box = &s->hosts[4];
	assert_int_equal(ns1->role, SCN_ROLE_DNS);
	assert_int_equal(client->role, SCN_ROLE_CLIENT);
	assert_int_equal(mta->role, SCN_ROLE_MTA);
	assert_int_equal(box->role, SCN_ROLE_MAILBOX);
	assert_int_equal(mta->services, SCN_SVC(SCN_SERVICE_SUBMISSION) | SCN_SVC(SCN_SERVICE_POP3));
	assert_true(scn_host_has_service(box, SCN_SERVICE_IMAP));
	assert_false(scn_host_has_service(box, SCN_SERVICE_POP3));
	assert_int_equal(mta->tls_policy, SCN_TLS_ENCRYPT);
	assert_int_equal(box->tls_policy, SCN_TLS_MAY);            /* the default */
	assert_int_equal(mta->quota_full, SCN_QUOTA_TEMPFAIL);
	assert_int_equal(box->quota_full, SCN_QUOTA_REJECT);        /* the default */
	assert_int_equal(mta->retry_schedule, SCN_RETRY_EXIM);
	assert_int_equal(box->retry_schedule, SCN_RETRY_POSTFIX);   /* the default */
	assert_int_equal(mta->queue_lifetime, INT64_C(2) * 86400 * 1000000);
	assert_int_equal(client->fetch.protocol, SCN_FETCH_POP3);
	assert_int_equal(mta->filters.nrules, 3);
	assert_int_equal(mta->filters.rules[0].action, SCN_RULE_DENY);
	assert_int_equal(mta->filters.rules[1].action, SCN_RULE_FORWARD);
	assert_int_equal(mta->filters.rules[2].action, SCN_RULE_FOLDER);
	/* spam thresholds and reputations in integer centipoints */
	assert_int_equal(mta->filters.greylist, 400);
	assert_int_equal(mta->filters.add_header, 550);
	assert_int_equal(mta->filters.rewrite_subject, 800);
	assert_int_equal(mta->filters.reject, 1500);
	assert_int_equal(mta->filters.quarantine, 1500); /* no band: it starts at reject */
	assert_int_equal(mta->filters.nrep, 1);
	assert_int_equal(mta->filters.rep_scores[0], -125);
	assert_int_equal(s->faults[0].type, FAULT_TAMPER);
	assert_int_equal(s->faults[0].what, SCN_TAMPER_SUBJECT);
	assert_int_equal(s->faults[1].type, FAULT_MAILBOX_FULL);
	scn_free(s);
}

static void test_references_resolved(void **state)
{
	struct scenario *s = load();
	const struct scn_host *ns1 = &s->hosts[0], *ns2 = &s->hosts[1], *client = &s->hosts[2],
			      *mta = &s->hosts[3], *box = &s->hosts[4];
	const struct scn_user *alice = &s->users[0], *bob_org = &s->users[1], *bob_net = &s->users[2];
	assert_ptr_equal(mta->resolver, ns2);          /* named */
	assert_ptr_equal(box->resolver, ns1);          /* the first dns host */
	assert_ptr_equal(client->user, alice);         /* names compare without case */
	assert_ptr_equal(client->submit, mta);
	assert_ptr_equal(client->fetch.server, mta);
	assert_ptr_equal(mta->postmaster, alice);
	assert_null(box->postmaster);
	assert_ptr_equal(bob_org->imap_server, box);
	assert_ptr_equal(bob_org->imap_user, bob_net);
	assert_null(alice->imap_server);
	assert_ptr_equal(alice->home, mta);
	assert_ptr_equal(bob_net->home, box);
	assert_ptr_equal(s->messages[0].client, client);
	assert_ptr_equal(s->links[0].a, client);
	assert_ptr_equal(s->links[0].b, mta);
	assert_ptr_equal(s->narration[0].node, client);
	assert_ptr_equal(s->faults[0].host, mta);
	assert_ptr_equal(s->faults[1].user, bob_net);
	assert_string_equal(s->faults[1].user_name, "BOB@example.net"); /* as written, for the trace */
	assert_ptr_equal(s->faults[2].a, box);
	assert_ptr_equal(s->faults[2].b, ns1);
	assert_int_equal(scn_host_index(s, box), 4);
	scn_free(s);
}

/* Each name table has exactly one entry per enum value, in order. */
static void test_name_tables(void **state)
{
	assert_int_equal(scn_names_count(scn_role_names), SCN_ROLE_MAILBOX + 1);
	assert_string_equal(scn_role_names[SCN_ROLE_FILTER], "filter");
	assert_int_equal(scn_names_count(scn_service_names), SCN_SERVICE_POP3S + 1);
	assert_string_equal(scn_service_names[SCN_SERVICE_SUBMISSION], "submission");
	assert_int_equal(scn_names_count(scn_tls_policy_names), SCN_TLS_NONE + 1);
	assert_string_equal(scn_tls_policy_names[SCN_TLS_ENCRYPT], "encrypt");
	assert_int_equal(scn_names_count(scn_retry_schedule_names), SCN_RETRY_SENDMAIL + 1);
	assert_string_equal(scn_retry_schedule_names[SCN_RETRY_EXIM], "exim");
	assert_int_equal(scn_names_count(scn_quota_full_names), SCN_QUOTA_TEMPFAIL + 1);
	assert_int_equal(scn_names_count(scn_fetch_protocol_names), SCN_FETCH_POP3 + 1);
	assert_int_equal(scn_names_count(scn_rule_action_names), SCN_RULE_FORWARD + 1);
	assert_int_equal(scn_names_count(scn_tamper_names), SCN_TAMPER_SUBJECT + 1);
	assert_int_equal(scn_names_count(scn_fault_names), FAULT_TAMPER + 1);
	assert_string_equal(scn_fault_names[FAULT_MAILBOX_FULL], "mailbox_full");
	assert_int_equal(scn_names_count(scn_canon_names), SCN_CANON_SIMPLE_SIMPLE + 1);
	assert_string_equal(scn_canon_names[SCN_CANON_SIMPLE_RELAXED], "simple/relaxed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_references_resolved),
		cmocka_unit_test(test_name_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
