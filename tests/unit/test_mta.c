/* test_mta.c — the MTA's default retry backoff, and whole runs through the world
 * API: the shipped basic-delivery scenario (delivered, accounted for,
 * byte-identical traces from two runs, still delivered with another seed)
 * and two small inline variants of it whose single recipient cannot be
 * delivered: an unknown user (550 5.1.1 at RCPT) and a domain with no DNS
 * zone at all (NXDOMAIN, 5.1.2). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mta.h"
#include "trace_expand.h"
#include "retry.h"
#include "scenario.h"
#include "sim.h"
#include "world.h"

/* ---- backoff --------------------------------------------------------------- */

static void test_backoff_table(void **state)
{
	/* The MTA's default policy: Postfix minimal_backoff_time 300 s,
	 * maximal_backoff_time 4000 s: next = now + clamp(age, 300, 4000). */
	struct retry_policy r;
	retry_policy_postfix(&r);
	static const struct {
		int64_t age_s, want_s;
	} cases[] = {
		{0, 300},     {1, 300},       {299, 300},  {300, 300},   {301, 301},
		{1000, 1000}, {3999, 3999},   {4000, 4000}, {4001, 4000}, {86400, 4000},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t now = SIM_US(cases[i].age_s), next = 0, iv = 0;
		assert_true(retry_next(&r, now, 0, 0, 0, 0.0, &next, &iv));
		if (next - now != SIM_US(cases[i].want_s))
			fail_msg("age %lld s: got %lld us, want %lld us", (long long)cases[i].age_s,
				 (long long)(next - now), (long long)SIM_US(cases[i].want_s));
	}
	/* At the maximal queue lifetime (5 days) the message gives up. */
	int64_t next, iv;
	assert_false(retry_next(&r, SIM_US(5 * 86400), 0, 0, 0, 0.0, &next, &iv));
}

/* ---- running scenarios -------------------------------------------------------- */

struct run {
	struct world_summary sum;
	struct strbuf trace; /* JSONL */
};

static void run_free(struct run *r)
{
	sb_free(&r->trace);
}

/* Run scn to completion (seed NULL = the scenario's) into r. */
static void run_scenario(const struct scenario *scn, const uint64_t *seed, struct run *r)
{
	memset(r, 0, sizeof *r);
	sb_init(&r->trace);
	struct world *w = world_new(scn, seed);
	trace_set_buffer(world_sim(w)->trace, &r->trace);
	world_run(w, -1);
	world_summary(w, &r->sum);
	world_free(w);
}

/* The path of scenarios/<name>: $MAILSIM_SOURCE_DIR, else the source tree
 * this file was compiled from, else the working directory and up to two
 * levels above it (build/ or build/tests/). */
static char *find_scenario(const char *name)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");
	char *from_file = xstrdup(__FILE__);
	char *cut = strstr(from_file, "tests/unit/");
	if (cut)
		*cut = '\0';
	const char *bases[] = {src, cut ? from_file : NULL, ".", "..", "../.."};
	char *found = NULL;
	for (size_t i = 0; i < ARRAY_LEN(bases) && !found; i++) {
		if (!bases[i])
			continue;
		char *p = xasprintf("%s%sscenarios/%s", bases[i],
				    bases[i][0] && bases[i][strlen(bases[i]) - 1] != '/' ? "/" : "",
				    name);
		if (access(p, R_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(from_file);
	if (!found)
		fail_msg("scenarios/%s not found (set MAILSIM_SOURCE_DIR)", name);
	return found;
}

static struct scenario *load_basic(void)
{
	char *path = find_scenario("basic-delivery.json");
	struct scenario *scn = scn_load(path, stderr);
	free(path);
	assert_non_null(scn);
	return scn;
}

/* The events of one kind in a JSONL trace, as parsed objects in a cJSON
 * array (caller deletes), with their implied fields (trace_expand.h).
 * Every line must parse, and none may spell out seq (its line number). */
static cJSON *events_of(const struct strbuf *jsonl, const char *kind)
{
	cJSON *out = cJSON_CreateArray();
	cJSON **all = NULL;
	size_t n = 0;
	for (const char *p = jsonl->data ? jsonl->data : ""; *p; n++) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		cJSON *ev = cJSON_ParseWithLength(p, (size_t)(nl - p));
		if (!ev)
			fail_msg("trace line %zu is not JSON: %.*s", n, (int)(nl - p), p);
		if (cJSON_HasObjectItem(ev, "seq"))
			fail_msg("trace line %zu spells out seq", n);
		all = xrealloc(all, (n + 1) * sizeof *all);
		all[n] = ev;
		p = nl + 1;
	}
	trace_expand_events(&all, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cJSON_GetObjectItemCaseSensitive(all[i], "kind")->valuestring, kind) == 0)
			cJSON_AddItemToArray(out, all[i]);
		else
			cJSON_Delete(all[i]);
	}
	free(all);
	return out;
}

static const char *str_of(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
	return cJSON_IsString(v) ? v->valuestring : "(absent)";
}

static void expect_summary(const struct world_summary *s, long delivered, long bounced)
{
	if (s->messages != 1 || s->rcpts != 1 || s->fate[FATE_INBOX] != delivered ||
	    s->fate[FATE_BOUNCED] != bounced || s->fate[FATE_REJECTED] != 0 || s->queued != 0 || !s->accounted)
		fail_msg("summary: got messages=%ld rcpts=%ld delivered=%ld bounced=%ld rejected=%ld "
			 "queued=%ld accounted=%d; want 1 1 %ld %ld 0 0 1",
			 s->messages, s->rcpts, s->fate[FATE_INBOX], s->fate[FATE_BOUNCED], s->fate[FATE_REJECTED], s->queued,
			 s->accounted, delivered, bounced);
}

/* ---- the basic scenario ----------------------------------------------------------- */

static void test_basic_delivery_delivers(void **state)
{
	struct scenario *scn = load_basic();
	struct run r;
	run_scenario(scn, NULL, &r);
	expect_summary(&r.sum, 1, 0);
	cJSON *stores = events_of(&r.trace, "mailbox.store");
	assert_int_equal(cJSON_GetArraySize(stores), 1);
	const cJSON *st = cJSON_GetArrayItem(stores, 0);
	assert_string_equal(str_of(st, "node"), "mx1.example.net");
	assert_string_equal(str_of(st, "msg"), "m1");
	assert_string_equal(str_of(st, "rcpt"), "bob@example.net");
	assert_string_equal(str_of(st, "folder"), "INBOX");
	cJSON_Delete(stores);
	cJSON *ends = events_of(&r.trace, "sim.end");
	assert_int_equal(cJSON_GetArraySize(ends), 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ends, 0),
								   "accounted")));
	cJSON_Delete(ends);
	run_free(&r);
	scn_free(scn);
}

static void test_basic_delivery_is_deterministic(void **state)
{
	struct scenario *scn = load_basic();
	struct run a, b;
	run_scenario(scn, NULL, &a);
	run_scenario(scn, NULL, &b);
	assert_true(a.trace.len > 0);
	if (a.trace.len != b.trace.len || memcmp(a.trace.data, b.trace.data, a.trace.len) != 0) {
		size_t i = 0;
		while (i < a.trace.len && i < b.trace.len && a.trace.data[i] == b.trace.data[i])
			i++;
		print_error("traces differ at byte %zu of %zu/%zu:\n%.120s\n%.120s\n", i, a.trace.len,
			    b.trace.len, a.trace.data + i, b.trace.data + i);
		run_free(&a);
		run_free(&b);
		scn_free(scn);
		fail();
	}
	run_free(&a);
	run_free(&b);
	scn_free(scn);
}

static void test_other_seed_still_delivers(void **state)
{
	struct scenario *scn = load_basic();
	const uint64_t seed = 12345;
	struct run a, b;
	run_scenario(scn, NULL, &a);
	run_scenario(scn, &seed, &b);
	expect_summary(&b.sum, 1, 0);
	/* The seed is used: at least the DNS ids differ. */
	assert_false(a.trace.len == b.trace.len && memcmp(a.trace.data, b.trace.data, a.trace.len) == 0);
	cJSON *starts = events_of(&b.trace, "sim.start");
	assert_int_equal(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(starts, 0), "seed")->valuedouble,
		12345);
	cJSON_Delete(starts);
	run_free(&a);
	run_free(&b);
	scn_free(scn);
}

/* ---- inline variants -------------------------------------------------------------- */

/* basic-delivery.json cut down to what one relay hop needs (no reverse
 * zones, no mx2, no Bob's laptop, no narration); %s is the recipient. */
static const char scenario_template[] =
	"{\n"
	"  \"mailsim\": 1, \"name\": \"%s\", \"seed\": 42, \"start\": \"2024-05-14T08:15:00Z\",\n"
	"  \"hosts\": [\n"
	"    { \"name\": \"alice-laptop.example.org\", \"role\": \"client\", \"ip\": \"192.0.2.10\",\n"
	"      \"user\": \"alice@example.org\",\n"
	"      \"submit\": { \"server\": \"mail.example.org\", \"port\": 587 } },\n"
	"    { \"name\": \"mail.example.org\", \"role\": \"mta\", \"ip\": \"192.0.2.25\",\n"
	"      \"services\": [\"smtp\", \"submission\"], \"domains\": [\"example.org\"], \"tls\": true },\n"
	"    { \"name\": \"ns.example\", \"role\": \"dns\", \"ip\": \"203.0.113.53\",\n"
	"      \"zones\": [\n"
	"        { \"origin\": \"example.org\", \"ttl\": 3600, \"records\": [\n"
	"            { \"name\": \"@\", \"type\": \"MX\", \"data\": \"10 mail.example.org.\" },\n"
	"            { \"name\": \"mail\", \"type\": \"A\", \"data\": \"192.0.2.25\" } ] },\n"
	"        { \"origin\": \"example.net\", \"ttl\": 3600, \"records\": [\n"
	"            { \"name\": \"@\", \"type\": \"MX\", \"data\": \"10 mx1.example.net.\" },\n"
	"            { \"name\": \"mx1\", \"type\": \"A\", \"data\": \"198.51.100.25\" } ] } ] },\n"
	"    { \"name\": \"mx1.example.net\", \"role\": \"mta\", \"ip\": \"198.51.100.25\",\n"
	"      \"services\": [\"smtp\"], \"domains\": [\"example.net\"], \"tls\": true }\n"
	"  ],\n"
	"  \"users\": [\n"
	"    { \"address\": \"alice@example.org\", \"password\": \"alice-secret\" },\n"
	"    { \"address\": \"bob@example.net\", \"password\": \"bob-secret\" }\n"
	"  ],\n"
	"  \"messages\": [\n"
	"    { \"id\": \"m1\", \"at\": 1.0, \"from\": \"alice@example.org\", \"to\": [\"%s\"],\n"
	"      \"subject\": \"Lunch on Friday?\", \"body\": \"Hi Bob,\\nlunch?\\nAlice\" }\n"
	"  ]\n"
	"}\n";

/* The template for name and rcpt, with the first occurrence of edit_from
 * replaced by edit_to when edit_from is not NULL. */
static struct scenario *inline_scenario_edited(const char *name, const char *rcpt,
					       const char *edit_from, const char *edit_to)
{
	char *text = xasprintf(scenario_template, name, rcpt);
	if (edit_from) {
		char *at = strstr(text, edit_from);
		assert_non_null(at);
		char *edited = xasprintf("%.*s%s%s", (int)(at - text), text, edit_to,
					 at + strlen(edit_from));
		free(text);
		text = edited;
	}
	struct scenario *scn = scn_parse(text, strlen(text), name, stderr);
	free(text);
	assert_non_null(scn);
	return scn;
}

static struct scenario *inline_scenario(const char *name, const char *rcpt)
{
	return inline_scenario_edited(name, rcpt, NULL, NULL);
}

/* Run a variant and check it bounced its one recipient at mail.example.org
 * with the given enhanced status (RFC 3463). */
static void expect_bounce(const char *name, const char *rcpt, const char *status)
{
	struct scenario *scn = inline_scenario(name, rcpt);
	struct run r;
	run_scenario(scn, NULL, &r);
	cJSON *bounces = events_of(&r.trace, "queue.bounce");
	int n = cJSON_GetArraySize(bounces);
	const cJSON *b = cJSON_GetArrayItem(bounces, 0);
	char got[256];
	snprintf(got, sizeof got, "%d bounce(s), first at %s for %s status %s (%s)", n,
		 n ? str_of(b, "node") : "-", n ? str_of(b, "rcpt") : "-",
		 n ? str_of(b, "status") : "-", n ? str_of(b, "reason") : "-");
	bool ok = n == 1 && strcmp(str_of(b, "node"), "mail.example.org") == 0 &&
		  strcmp(str_of(b, "rcpt"), rcpt) == 0 && strcmp(str_of(b, "status"), status) == 0 &&
		  strcmp(str_of(b, "msg"), "m1") == 0;
	struct world_summary sum = r.sum;
	cJSON_Delete(bounces);
	run_free(&r);
	scn_free(scn);
	if (!ok)
		fail_msg("%s: got %s; want 1 bounce at mail.example.org for %s status %s", name, got,
			 rcpt, status);
	expect_summary(&sum, 0, 1);
}

static void test_inline_template_delivers_to_bob(void **state)
{
	/* The variants' baseline: unchanged, the template delivers. */
	struct scenario *scn = inline_scenario("inline-ok", "bob@example.net");
	struct run r;
	run_scenario(scn, NULL, &r);
	struct world_summary sum = r.sum;
	run_free(&r);
	scn_free(scn);
	expect_summary(&sum, 1, 0);
}

static void test_unknown_user_bounces_5_1_1(void **state)
{
	/* mx1 answers RCPT TO:<nobody@example.net> with 550 5.1.1. */
	expect_bounce("unknown-user", "nobody@example.net", "5.1.1");
}

static void test_domain_without_zone_bounces_5_1_2(void **state)
{
	/* Regression (was a bug): ns.example holds no zone covering example.com, and the
	 * DNS node (dnsd_recv() in dnsd.c) sends dns_db_lookup()'s answer
	 * for a name in no zone, REFUSED, instead of NXDOMAIN -- although it is
	 * the world's only DNS server and answers with RA=1 as the MTAs'
	 * recursive resolver, so a name outside every zone does not exist.
	 * mta.c job_mx_answer() treats REFUSED as temporary (4.4.3): the
	 * message is deferred 112 times over the 5-day queue lifetime instead
	 * of bouncing at once with 5.1.2, and the final bounce then also hits
	 * the expiry bug below (empty status). Got "1 bounce(s) ... status  ()"
	 * at t=432804.25 s; want status 5.1.2 at about t=1.2 s. */
	expect_bounce("no-zone", "carol@example.com", "5.1.2");
}

/* A destination that never answers: every attempt times out (4.4.1) until
 * the 5-day queue lifetime expires; the bounce then carries the last
 * deferral's status and reason (Postfix practice). */
static void test_expired_message_bounces_with_last_reason(void **state)
{
	/* Regression (was a bug): mta.c attempt_finished() calls
	 * rcpt_fail(m, q, i, q->r[i].status, q->r[i].diag), and rcpt_fail()
	 * copies its arguments into those same buffers with
	 * snprintf(q->r[i].status, ..., "%s", status): source and destination
	 * overlap, which is undefined behaviour (C11 7.21.6.5); with glibc the
	 * result is "", so the queue.bounce event has "status":"" and
	 * "reason":"". Got status "" / reason ""; want "4.4.1" / "connect to
	 * mx1.example.net[198.51.100.99]:25: Connection timed out". */
	struct scenario *scn = inline_scenario_edited(
		"expiry", "bob@example.net", "\"mx1\", \"type\": \"A\", \"data\": \"198.51.100.25\"",
		"\"mx1\", \"type\": \"A\", \"data\": \"198.51.100.99\"");
	struct run r;
	run_scenario(scn, NULL, &r);
	cJSON *defers = events_of(&r.trace, "queue.defer");
	cJSON *bounces = events_of(&r.trace, "queue.bounce");
	int nd = cJSON_GetArraySize(defers), nb = cJSON_GetArraySize(bounces);
	char last_status[32] = "-", last_reason[256] = "-", got[512] = "no bounce";
	if (nd)
		snprintf(last_status, sizeof last_status, "%s",
			 str_of(cJSON_GetArrayItem(defers, nd - 1), "status"));
	if (nd)
		snprintf(last_reason, sizeof last_reason, "%s",
			 str_of(cJSON_GetArrayItem(defers, nd - 1), "reason"));
	if (nb)
		snprintf(got, sizeof got, "status \"%s\" reason \"%s\"",
			 str_of(cJSON_GetArrayItem(bounces, 0), "status"),
			 str_of(cJSON_GetArrayItem(bounces, 0), "reason"));
	char want[512];
	snprintf(want, sizeof want, "status \"%s\" reason \"%s\"", last_status, last_reason);
	struct world_summary sum = r.sum;
	cJSON_Delete(defers);
	cJSON_Delete(bounces);
	run_free(&r);
	scn_free(scn);
	if (nd < 100)
		fail_msg("got %d deferrals, want one per attempt over 5 days (> 100)", nd);
	assert_string_equal(last_status, "4.4.1");
	if (nb != 1 || strcmp(got, want) != 0)
		fail_msg("%d bounce(s); got %s; want %s", nb, got, want);
	expect_summary(&sum, 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_table),
		cmocka_unit_test(test_basic_delivery_delivers),
		cmocka_unit_test(test_basic_delivery_is_deterministic),
		cmocka_unit_test(test_other_seed_still_delivers),
		cmocka_unit_test(test_inline_template_delivers_to_bob),
		cmocka_unit_test(test_unknown_user_bounces_5_1_1),
		cmocka_unit_test(test_domain_without_zone_bounces_5_1_2),
		cmocka_unit_test(test_expired_message_bounces_with_last_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
