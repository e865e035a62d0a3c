/* test_render_filter.c — the event list's filters (render/evfilter.c):
 * every kind's category, hiding categories, following one message through
 * the connections that carried it, the cursor's row in a filtered list,
 * and cycling the message filter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evfilter.h"
#include "test_render_fixture.h"
#include "test_render_world.h"
#include "trace_model.h"
#include "util.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

static void expect_long(const char *what, long got, long want)
{
	if (got != want)
		FAILF("%s: got %ld, want %ld\n", what, got, want);
}

static struct tm_model *parse_in(const struct view_input *in)
{
	char err[256] = "";
	struct tm_model *m = tm_parse(in->trace, in->trace_len, in->hosts, in->nhosts, err,
				      sizeof err);
	if (!m)
		FAILF("trace did not parse: %s\n", err);
	return m;
}

static void test_categories(void **state)
{
	static const struct { enum tm_kind k; int cat; } c[] = {
		{TM_DNS_QUERY, EVF_DNS}, {TM_DNS_ANSWER, EVF_DNS}, {TM_DNS_CACHE, EVF_DNS},
		{TM_DNS_TIMEOUT, EVF_DNS}, {TM_SMTP_SEND, EVF_SMTP}, {TM_SMTP_DATA, EVF_SMTP},
		{TM_NET_CONNECT, EVF_SMTP}, {TM_NET_REFUSED, EVF_SMTP}, {TM_TLS_OK, EVF_SMTP},
		{TM_QUEUE_ENTER, EVF_QUEUE}, {TM_QUEUE_DEFER, EVF_QUEUE}, {TM_QUEUE_EXPIRE, EVF_QUEUE},
		{TM_ROUTE_MX, EVF_QUEUE}, {TM_DSN_CREATE, EVF_QUEUE},
		{TM_FILTER_CHECK, EVF_FILTER}, {TM_POLICY_DECISION, EVF_FILTER},
		{TM_MAILBOX_STORE, EVF_MAILBOX}, {TM_MAILBOX_FETCH, EVF_MAILBOX},
		{TM_IMAP_SEND, EVF_MAILBOX}, {TM_POP3_DATA, EVF_MAILBOX},
		{TM_NARRATE, EVF_NONE}, {TM_MSG_HEADER, EVF_NONE}, {TM_SIM_END, EVF_NONE},
		{TM_FAULT_START, EVF_NONE}, {TM_OTHER, EVF_NONE},
	};

	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		char what[64];
		snprintf(what, sizeof what, "category of kind %d", c[i].k);
		expect_long(what, evf_category(c[i].k), c[i].cat);
	}
	/* and none of the kinds is forgotten: 0 is a real category (DNS), so
	 * a kind left out of the table would silently land there */
	int dns = 0;
	for (int k = 0; k < TM_KIND_COUNT; k++)
		dns += evf_category((enum tm_kind)k) == EVF_DNS;
	expect_long("kinds in DNS", dns, 4);
}

static void test_hide_categories(void **state)
{
	struct view_input in = {"t", fixture_hosts, ARRAY_LEN(fixture_hosts), fixture_trace,
				strlen(fixture_trace), NULL};
	struct tm_model *m = parse_in(&in);
	struct evf f;
	size_t n, want_smtp = 0;

	evf_init(&f);
	expect_long("inactive", evf_active(&f), 0);
	size_t *rows = evf_rows(&f, m, &n);
	expect_long("everything", (long)n, FIX_NEVENTS);
	free(rows);
	f.hidden = 1u << EVF_DNS;
	rows = evf_rows(&f, m, &n);
	expect_long("without DNS (query, answer, cache)", (long)n, FIX_NEVENTS - 3);
	for (size_t i = 0; i < n; i++)
		if (evf_category(m->ev[rows[i]].kind) == EVF_DNS)
			FAILF("row %zu is a DNS event\n", i);
	free(rows);
	f.hidden = ~(1u << EVF_SMTP) & ((1u << EVF_CAT_COUNT) - 1);
	rows = evf_rows(&f, m, &n);
	for (size_t i = 0; i < m->nev; i++)
		want_smtp += evf_category(m->ev[i].kind) == EVF_SMTP ||
			     evf_category(m->ev[i].kind) == EVF_NONE;
	expect_long("only SMTP and the uncategorised", (long)n, (long)want_smtp);
	expect_long("active", evf_active(&f), 1);
	free(rows);
	tm_free(m);
}

static void test_row_at(void **state)
{
	static const size_t rows[] = {2, 5, 9, 30};
	static const struct { long ev, want; } c[] = {
		{0, -1}, {2, 0}, {3, 0}, {5, 1}, {8, 1}, {9, 2}, {29, 2}, {30, 3}, {1000, 3},
	};

	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		char what[48];
		snprintf(what, sizeof what, "row at event %ld", c[i].ev);
		expect_long(what, evf_row_at(rows, ARRAY_LEN(rows), c[i].ev), c[i].want);
	}
	expect_long("empty list", evf_row_at(rows, 0, 5), -1);
}

/* mailbox-full sends two messages; following one leaves the other's
 * dialogue out but keeps the narration. */
static void test_follow_a_message(void **state)
{
	struct rw_run run;
	struct evf f;
	size_t n;

	if (!rw_load(&run, "mailbox-full"))
		FAILF("mailbox-full does not load\n");
	struct view_input in = rw_input(&run);
	struct tm_model *m = parse_in(&in);
	int m0 = tm_msg_find(m, "m0"), m1 = tm_msg_find(m, "m1");
	if (m0 < 0 || m1 < 0)
		FAILF("mailbox-full: want messages m0 and m1\n");
	evf_init(&f);
	f.msg_idx = m1;
	size_t *rows = evf_rows(&f, m, &n);
	size_t lines = 0, narr = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tm_event *e = &m->ev[rows[i]];
		if (e->msg_idx == m0)
			FAILF("row %zu (event %zu) belongs to m0\n", i, rows[i]);
		if (e->kind == TM_DNS_QUERY)
			FAILF("row %zu is a DNS query, which names no message\n", i);
		lines += e->kind == TM_SMTP_SEND;
		narr += e->kind == TM_NARRATE;
	}
	if (lines < 5)
		FAILF("following m1: %zu SMTP lines, want its dialogue (>= 5)\n", lines);
	size_t all_narr = 0;
	for (size_t i = 0; i < m->nev; i++)
		all_narr += m->ev[i].kind == TM_NARRATE;
	expect_long("narration kept", (long)narr, (long)all_narr);
	free(rows);
	/* cycling: all, each message in order, all again */
	evf_init(&f);
	for (size_t k = 0; k < m->nmsgs; k++) {
		evf_next_msg(&f, m);
		expect_long("next message", f.msg_idx, (long)k);
	}
	evf_next_msg(&f, m);
	expect_long("back to all", f.msg_idx, -1);
	tm_free(m);
	rw_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_hide_categories),
		cmocka_unit_test(test_row_at),
		cmocka_unit_test(test_follow_a_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
