/* test_resolver.c — the stub resolver against the DNS server node, over
 * the simulated network (default 10 ms one-way latency).
 *
 * ns.test (10.0.0.53) runs dnsd with one zone, example.net (negative TTL
 * 300 s): two MX records (TTL 3600) and mx1's A record (TTL 60). mta.test
 * (10.0.0.25) asks. Each callback is logged as
 * "<µs> <qname>/<qtype> <rcode> [answers]" (or "timed out"); the trace is
 * checked for the dns.* kinds in order. */
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

#include "dns.h"
#include "net.h"
#include "dnsd.h"
#include "resolver.h"
#include "sim.h"
#include "trace_expand.h"
#include "util.h"

struct fx {
	struct sim *sim;
	struct host *ns, *mta;
	struct dnsd *dnsd;
	struct resolver *res;
	struct strbuf jsonl;
	struct strbuf log;
};

/* ---- fixture ------------------------------------------------------------------- */

static void add_rr(struct dns_db *db, const char *owner, enum dns_type t, uint32_t ttl,
		   const char *rdata)
{
	struct dns_rr rr;
	char err[128];
	if (!dns_rr_init(&rr, owner, t, ttl, rdata, err, sizeof err))
		fail_msg("dns_rr_init(%s %s): %s", owner, rdata, err);
	assert_true(dns_db_add(db, &rr));
	dns_rr_clear(&rr);
}

static struct host *add_host(struct sim *sim, const char *name, const char *ip,
			     enum host_role role)
{
	struct host *h = host_new(name, ip, role);
	h->index = sim->nhosts;
	sim->hosts[sim->nhosts++] = h;
	return h;
}

static int setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof *fx);
	struct sim *sim = fx->sim = sim_new(7, 0);
	net_new(sim);
	sim->hosts = xcalloc(2, sizeof *sim->hosts);
	fx->ns = add_host(sim, "ns.test", "10.0.0.53", ROLE_DNS);
	fx->mta = add_host(sim, "mta.test", "10.0.0.25", ROLE_MTA);
	fx->dnsd = dnsd_new(sim, fx->ns);
	fx->ns->role_obj = fx->dnsd;   /* freed with the host */
	fx->ns->role_free = dnsd_free;
	fx->res = resolver_new(sim, fx->mta, "10.0.0.53");
	resolver_attach(fx->mta, fx->res); /* freed with the host */
	struct dns_db *db = dnsd_db(fx->dnsd);
	assert_true(dns_db_add_zone(db, "example.net", 300));
	add_rr(db, "example.net", DNS_T_MX, 3600, "10 mx1.example.net.");
	add_rr(db, "example.net", DNS_T_MX, 3600, "20 mx2.example.net.");
	add_rr(db, "mx1.example.net", DNS_T_A, 60, "192.0.2.25");
	sb_init(&fx->jsonl);
	sb_puts(&fx->jsonl, "");
	sb_init(&fx->log);
	sb_puts(&fx->log, "");
	trace_set_buffer(sim->trace, &fx->jsonl);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	sim_free(fx->sim);
	sb_free(&fx->jsonl);
	sb_free(&fx->log);
	free(fx);
	return 0;
}

/* ---- callbacks and queries --------------------------------------------------------- */

static void on_answer(struct sim *sim, void *ctx, const char *qname, enum dns_type qtype,
		      const struct dns_answer *ans)
{
	struct fx *fx = ctx;
	sb_printf(&fx->log, "%lld %s/%s ", (long long)sim->now, qname, dns_type_name(qtype));
	if (!ans) {
		sb_puts(&fx->log, "timed out\n");
		return;
	}
	sb_puts(&fx->log, dns_rcode_name(ans->rcode));
	for (size_t i = 0; i < ans->n; i++) {
		char rd[256];
		dns_rr_rdata(&ans->rrs[i], rd, sizeof rd);
		sb_printf(&fx->log, "%s%s", i ? ", " : " [", rd);
	}
	sb_puts(&fx->log, ans->n ? "]\n" : "\n");
}

/* Ask at absolute time t (runs the sim up to t first). */
static void ask_at(struct fx *fx, int64_t t, const char *qname, enum dns_type qtype)
{
	sim_run_until(fx->sim, t);
	resolver_query(fx->res, qname, qtype, on_answer, fx);
}

static void expect_log(struct fx *fx, const char *want)
{
	if (strcmp(fx->log.data, want) != 0)
		fail_msg("answers:\n--- got:\n%s--- want:\n%s", fx->log.data, want);
}

/* The dns.* events as "<µs> <kind> <node> <qname>/<qtype>[ extra]", where
 * extra is the rcode (answer, cache) or the attempt (timeout); read with
 * the fields the trace leaves out put back (trace_expand.h). */
static void expect_dns_trace(struct fx *fx, const char *want)
{
	struct strbuf out;
	sb_init(&out);
	sb_puts(&out, "");
	cJSON **all = NULL;
	size_t n = 0;
	for (const char *p = fx->jsonl.data; *p;) {
		const char *nl = strchr(p, '\n');
		all = xrealloc(all, (n + 1) * sizeof *all);
		all[n] = cJSON_ParseWithLength(p, (size_t)(nl - p));
		assert_non_null(all[n]);
		n++;
		p = nl + 1;
	}
	trace_expand_events(&all, &n);
	for (size_t i = 0; i < n; i++) {
		cJSON *ev = all[i];
		const char *kind = cJSON_GetObjectItemCaseSensitive(ev, "kind")->valuestring;
		if (strncmp(kind, "dns.", 4) == 0) {
			const cJSON *rcode = cJSON_GetObjectItemCaseSensitive(ev, "rcode");
			const cJSON *attempt = cJSON_GetObjectItemCaseSensitive(ev, "attempt");
			sb_printf(&out, "%lld %s %s %s/%s",
				  llround(cJSON_GetObjectItemCaseSensitive(ev, "t")->valuedouble * 1e6),
				  kind, cJSON_GetObjectItemCaseSensitive(ev, "node")->valuestring,
				  cJSON_GetObjectItemCaseSensitive(ev, "qname")->valuestring,
				  cJSON_GetObjectItemCaseSensitive(ev, "qtype")->valuestring);
			if (cJSON_IsString(rcode))
				sb_printf(&out, " %s", rcode->valuestring);
			if (cJSON_IsNumber(attempt))
				sb_printf(&out, " attempt=%d", attempt->valueint);
			sb_putc(&out, '\n');
		}
		cJSON_Delete(ev);
	}
	free(all);
	bool same = strcmp(out.data, want) == 0;
	if (!same)
		print_error("dns trace:\n--- got:\n%s--- want:\n%s", out.data, want);
	sb_free(&out);
	if (!same)
		fail();
}

/* ---- answers ------------------------------------------------------------------------ */

static void test_mx_answer_after_round_trip_in_order(void **state)
{
	struct fx *fx = *state;
	ask_at(fx, 0, "Example.NET.", DNS_T_MX); /* normalised: lower case, no dot */
	sim_run(fx->sim, 0);
	expect_log(fx, "20000 example.net/MX NOERROR [10 mx1.example.net., 20 mx2.example.net.]\n");
	expect_dns_trace(fx, "0 dns.query mta.test example.net/MX\n"
			     "10000 dns.answer ns.test example.net/MX NOERROR\n");
}

static void test_trace_fields_of_query_and_answer(void **state)
{
	struct fx *fx = *state;
	ask_at(fx, 0, "example.net", DNS_T_MX);
	sim_run(fx->sim, 0);
	cJSON *q = cJSON_ParseWithLength(fx->jsonl.data, strchr(fx->jsonl.data, '\n') - fx->jsonl.data);
	cJSON *a = cJSON_Parse(strchr(fx->jsonl.data, '\n') + 1);
	assert_non_null(q);
	assert_non_null(a);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(q, "peer")->valuestring, "ns.test");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(a, "peer")->valuestring, "mta.test");
	/* The answer echoes the query's id [RFC 1035 §4.1.1]. */
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(q, "id")->valueint,
			 cJSON_GetObjectItemCaseSensitive(a, "id")->valueint);
	const cJSON *ans = cJSON_GetObjectItemCaseSensitive(a, "answers");
	assert_int_equal(cJSON_GetArraySize(ans), 2);
	assert_string_equal(cJSON_GetArrayItem(ans, 0)->valuestring, "10 mx1.example.net.");
	assert_string_equal(cJSON_GetArrayItem(ans, 1)->valuestring, "20 mx2.example.net.");
	cJSON_Delete(q);
	cJSON_Delete(a);
}

static void test_a_nxdomain_nodata(void **state)
{
	struct fx *fx = *state;
	ask_at(fx, 0, "mx1.example.net", DNS_T_A);
	ask_at(fx, SIM_US(1), "nope.example.net", DNS_T_MX);
	ask_at(fx, SIM_US(2), "mx1.example.net", DNS_T_MX); /* name exists, no MX */
	sim_run(fx->sim, 0);
	expect_log(fx, "20000 mx1.example.net/A NOERROR [192.0.2.25]\n"
		       "1020000 nope.example.net/MX NXDOMAIN\n"
		       "2020000 mx1.example.net/MX NOERROR\n");
}

/* ---- caching ------------------------------------------------------------------------ */

static void test_positive_cache_until_ttl(void **state)
{
	struct fx *fx = *state;
	ask_at(fx, 0, "mx1.example.net", DNS_T_A);   /* cached at 20 ms for 60 s */
	ask_at(fx, SIM_US(30), "mx1.example.net", DNS_T_A);
	ask_at(fx, SIM_US(60), "MX1.example.net", DNS_T_A);  /* 59.98 s old: still cached */
	ask_at(fx, SIM_US(61), "mx1.example.net", DNS_T_A);  /* expired */
	sim_run(fx->sim, 0);
	expect_log(fx, "20000 mx1.example.net/A NOERROR [192.0.2.25]\n"
		       "30000000 mx1.example.net/A NOERROR [192.0.2.25]\n"
		       "60000000 mx1.example.net/A NOERROR [192.0.2.25]\n"
		       "61020000 mx1.example.net/A NOERROR [192.0.2.25]\n");
	expect_dns_trace(fx, "0 dns.query mta.test mx1.example.net/A\n"
			     "10000 dns.answer ns.test mx1.example.net/A NOERROR\n"
			     "30000000 dns.cache mta.test mx1.example.net/A NOERROR\n"
			     "60000000 dns.cache mta.test mx1.example.net/A NOERROR\n"
			     "61000000 dns.query mta.test mx1.example.net/A\n"
			     "61010000 dns.answer ns.test mx1.example.net/A NOERROR\n");
}

/* A cache hit is still delivered from an event, never inside the call. */
static void test_cache_hit_callback_is_deferred(void **state)
{
	struct fx *fx = *state;
	ask_at(fx, 0, "mx1.example.net", DNS_T_A);
	sim_run(fx->sim, 0);
	sb_clear(&fx->log);
	resolver_query(fx->res, "mx1.example.net", DNS_T_A, on_answer, fx);
	assert_int_equal(fx->log.len, 0);
	sim_run(fx->sim, 0);
	expect_log(fx, "20000 mx1.example.net/A NOERROR [192.0.2.25]\n");
}

static void test_negative_cache_for_zone_neg_ttl(void **state)
{
	struct fx *fx = *state;
	ask_at(fx, 0, "nope.example.net", DNS_T_MX);          /* cached at 20 ms for 300 s */
	ask_at(fx, SIM_US(100), "nope.example.net", DNS_T_MX);
	ask_at(fx, SIM_US(301), "nope.example.net", DNS_T_MX);
	sim_run(fx->sim, 0);
	expect_log(fx, "20000 nope.example.net/MX NXDOMAIN\n"
		       "100000000 nope.example.net/MX NXDOMAIN\n"
		       "301020000 nope.example.net/MX NXDOMAIN\n");
	expect_dns_trace(fx, "0 dns.query mta.test nope.example.net/MX\n"
			     "10000 dns.answer ns.test nope.example.net/MX NXDOMAIN\n"
			     "100000000 dns.cache mta.test nope.example.net/MX NXDOMAIN\n"
			     "301000000 dns.query mta.test nope.example.net/MX\n"
			     "301010000 dns.answer ns.test nope.example.net/MX NXDOMAIN\n");
}

/* ---- faults ---------------------------------------------------------------------------- */

static void test_timeout_window_two_attempts_then_null(void **state)
{
	struct fx *fx = *state;
	dnsd_add_fault(fx->dnsd, 0, SIM_US(20), false);
	ask_at(fx, 0, "example.net", DNS_T_MX);
	ask_at(fx, SIM_US(25), "example.net", DNS_T_MX); /* after the window */
	sim_run(fx->sim, 0);
	expect_log(fx, "10000000 example.net/MX timed out\n"
		       "25020000 example.net/MX NOERROR [10 mx1.example.net., 20 mx2.example.net.]\n");
	expect_dns_trace(fx, "0 dns.query mta.test example.net/MX\n"
			     "5000000 dns.timeout mta.test example.net/MX attempt=1\n"
			     "5000000 dns.query mta.test example.net/MX\n"
			     "10000000 dns.timeout mta.test example.net/MX attempt=2\n"
			     "25000000 dns.query mta.test example.net/MX\n"
			     "25010000 dns.answer ns.test example.net/MX NOERROR\n");
}

static void test_resolver_timing_setting(void **state)
{
	struct fx *fx = *state;
	resolver_set_timing(fx->res, SIM_US(2), 3);
	dnsd_add_fault(fx->dnsd, 0, SIM_US(60), false);
	ask_at(fx, 0, "example.net", DNS_T_MX);
	sim_run(fx->sim, 0);
	expect_log(fx, "6000000 example.net/MX timed out\n");
}

/* Each attempt has a fresh id (RFC 5452 §4). The first answer travels a
 * 3 s path and arrives at 6 s; the network is fast again by the time the
 * retry goes out at 5 s, so the retry's answer completes the query at
 * 5.02 s and the stale answer (old id) is ignored: one callback only. */
static void test_late_answer_to_old_attempt_is_ignored(void **state)
{
	struct fx *fx = *state;
	net_set_default_latency(fx->sim->net, SIM_US(3));
	ask_at(fx, 0, "example.net", DNS_T_MX);
	sim_run_until(fx->sim, SIM_US(4));
	net_set_default_latency(fx->sim->net, SIM_MS(10));
	sim_run(fx->sim, 0);
	expect_log(fx, "5020000 example.net/MX NOERROR [10 mx1.example.net., 20 mx2.example.net.]\n");
	expect_dns_trace(fx, "0 dns.query mta.test example.net/MX\n"
			     "3000000 dns.answer ns.test example.net/MX NOERROR\n"
			     "5000000 dns.timeout mta.test example.net/MX attempt=1\n"
			     "5000000 dns.query mta.test example.net/MX\n"
			     "5010000 dns.answer ns.test example.net/MX NOERROR\n");
}

static void test_servfail_window(void **state)
{
	struct fx *fx = *state;
	dnsd_add_fault(fx->dnsd, SIM_US(10), SIM_US(20), true);
	ask_at(fx, 0, "mx1.example.net", DNS_T_MX);         /* before the window */
	ask_at(fx, SIM_US(10), "example.net", DNS_T_MX);    /* inside */
	ask_at(fx, SIM_US(15), "example.net", DNS_T_MX);    /* inside; SERVFAIL not cached */
	ask_at(fx, SIM_US(20), "example.net", DNS_T_MX);    /* window ends at 20 s */
	sim_run(fx->sim, 0);
	expect_log(fx, "20000 mx1.example.net/MX NOERROR\n"
		       "10020000 example.net/MX SERVFAIL\n"
		       "15020000 example.net/MX SERVFAIL\n"
		       "20020000 example.net/MX NOERROR [10 mx1.example.net., 20 mx2.example.net.]\n");
}

/* Concurrent identical queries each get their own answer. */
static void test_two_queries_in_flight(void **state)
{
	struct fx *fx = *state;
	ask_at(fx, 0, "example.net", DNS_T_MX);
	ask_at(fx, 0, "mx1.example.net", DNS_T_A);
	sim_run(fx->sim, 0);
	expect_log(fx, "20000 example.net/MX NOERROR [10 mx1.example.net., 20 mx2.example.net.]\n"
		       "20000 mx1.example.net/A NOERROR [192.0.2.25]\n");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_mx_answer_after_round_trip_in_order),
		T(test_trace_fields_of_query_and_answer),
		T(test_a_nxdomain_nodata),
		T(test_positive_cache_until_ttl),
		T(test_cache_hit_callback_is_deferred),
		T(test_negative_cache_for_zone_neg_ttl),
		T(test_timeout_window_two_attempts_then_null),
		T(test_resolver_timing_setting),
		T(test_late_answer_to_old_attempt_is_ignored),
		T(test_servfail_window),
		T(test_two_queries_in_flight),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
