/* test_render_inspect.c — the inspectors' lines (render/inspect.c): a
 * host's queue with recipients, attempts and next retry; its mailboxes;
 * a DNS host's zone with the asked records marked and the answers given;
 * a message's header block in RFC 5322 order, newest on top, hop by hop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "snapshot.h"
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

struct want_line {
	enum insp_style style;
	int indent;
	const char *tag;   /* NULL: no tag expected */
	const char *text;
};

static void expect_lines(const char *what, const struct insp_view *v,
			 const struct want_line *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i >= v->n)
			FAILF("%s: %zu lines, want at least %zu\n", what, v->n, n);
		const struct insp_line *l = &v->lines[i];
		bool tag_ok = w[i].tag ? l->tag && strcmp(l->tag, w[i].tag) == 0 : !l->tag;
		if (strcmp(l->text, w[i].text) != 0 || l->style != w[i].style ||
		    l->indent != w[i].indent || !tag_ok)
			FAILF("%s, line %zu: got [%d,%d,%s] \"%s\", want [%d,%d,%s] \"%s\"\n", what, i,
			      l->style, l->indent, l->tag ? l->tag : "-", l->text, w[i].style,
			      w[i].indent, w[i].tag ? w[i].tag : "-", w[i].text);
	}
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

static int node(const struct tm_model *m, const char *name)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return (int)i;
	FAILF("no node %s\n", name);
	return -1;
}

static struct tm_model *fixture_model(void)
{
	struct view_input in = {"t", fixture_hosts, ARRAY_LEN(fixture_hosts), fixture_trace,
				strlen(fixture_trace), NULL};
	return parse_in(&in);
}

static void test_queue_tab(void **state)
{
	static const struct want_line want[] = {
		{INSP_HEAD, 0, NULL, "Queue: 1 waiting, 0 finished"},
		{INSP_TEXT, 0, NULL, "4A1  m1 \"Lunch?\"  from <alice@a.example>, 1 attempt"},
		{INSP_WARN, 1, NULL, "bob@b.example  deferred, next try 0:15:00"},
		{INSP_DIM, 2, NULL, "450 4.2.0 Greylisted"},
	};
	static const struct want_line done[] = {
		{INSP_HEAD, 0, NULL, "Queue: 0 waiting, 1 finished"},
		{INSP_DIM, 0, NULL, "4A1  m1 \"Lunch?\"  from <alice@a.example>, 2 attempts"},
		{INSP_DIM, 1, NULL, "bob@b.example  delivered 2.0.0"},
	};
	struct tm_model *m = fixture_model();
	struct snap s;
	struct insp_view v;

	snap_init(&s);
	insp_init(&v);
	snap_build(&s, m, -1, FIX_EV_DEFER);
	insp_host(&v, m, &s, node(m, "mta.a.example"), INSP_QUEUE);
	expect_lines("queue at the deferral", &v, want, ARRAY_LEN(want));
	expect_long("the entry opens its message", v.lines[1].msg_idx, 0);
	snap_build(&s, m, -1, 70);
	insp_host(&v, m, &s, node(m, "mta.a.example"), INSP_QUEUE);
	expect_lines("queue after delivery", &v, done, ARRAY_LEN(done));
	insp_host(&v, m, &s, node(m, "bob-pc"), INSP_QUEUE);
	expect_lines("an empty queue", &v, (const struct want_line[]){
		{INSP_HEAD, 0, NULL, "Queue: 0 waiting, 0 finished"},
		{INSP_DIM, 0, NULL, "Nothing has entered this host's queue yet."}}, 2);
	insp_free(&v);
	snap_free(&s);
	tm_free(m);
}

static void test_zone_without_records(void **state)
{
	struct tm_model *m = fixture_model();
	struct snap s;
	struct insp_view v;

	snap_init(&s);
	insp_init(&v);
	snap_build(&s, m, -1, FIX_EV_DNS_ANSWER);
	insp_host(&v, m, &s, node(m, "dns"), INSP_ZONE);
	expect_lines("answers only", &v, (const struct want_line[]){
		{INSP_HEAD, 0, NULL, "Answers given so far"},
		{INSP_NEW, 1, NULL, "MX b.example  →  NOERROR 10 mx1.b.example.  (asked 1×)"},
		{INSP_DIM, 0, NULL, "(The trace records answers, not zone files: this is what "
				    "the server has said so far.)"}}, 3);
	insp_free(&v);
	snap_free(&s);
	tm_free(m);
}

struct scn_case {
	struct rw_run run;
	struct tm_model *m;
	struct snap s;
	struct insp_view v;
};

static void scn_open(struct scn_case *c, const char *name, long cursor)
{
	if (!rw_load(&c->run, name))
		FAILF("scenario %s does not load\n", name);
	struct view_input in = rw_input(&c->run);
	c->m = parse_in(&in);
	snap_init(&c->s);
	insp_init(&c->v);
	snap_build(&c->s, c->m, -1, cursor < 0 ? (long)c->m->nev - 1 : cursor);
}

static void scn_close(struct scn_case *c)
{
	insp_free(&c->v);
	snap_free(&c->s);
	tm_free(c->m);
	rw_free(&c->run);
}

static void test_zone_with_records(void **state)
{
	struct scn_case c;

	scn_open(&c, "basic-delivery", -1);
	insp_host(&c.v, c.m, &c.s, node(c.m, "ns.example"), INSP_ZONE);
	expect_lines("zone", &c.v, (const struct want_line[]){
		{INSP_HEAD, 0, NULL, "Zone data (13 records; asked ones marked)"},
		{INSP_TEXT, 1, NULL, "example.org.  MX  10 mail.example.org."},
		{INSP_TEXT, 1, NULL, "mail.example.org.  A  192.0.2.25"},
		{INSP_TEXT, 1, NULL, "alice-laptop.example.org.  A  192.0.2.10"},
		{INSP_OK, 1, NULL, "» example.net.  MX  10 mx1.example.net."},
		{INSP_OK, 1, NULL, "» example.net.  MX  20 mx2.example.net."},
		{INSP_OK, 1, NULL, "» mx1.example.net.  A  198.51.100.25"}}, 7);
	bool found = false;
	for (size_t i = 0; i < c.v.n; i++)
		found |= strcmp(c.v.lines[i].text, "MX example.net  →  NOERROR 10 mx1.example.net., "
					   "20 mx2.example.net.  (asked 1×)") == 0;
	expect_long("the MX answer is listed", found, 1);
	expect_long("a DNS host opens on its zone",
		    insp_default_tab(c.m, node(c.m, "ns.example")), INSP_ZONE);
	expect_long("an MTA opens on its queue",
		    insp_default_tab(c.m, node(c.m, "mail.example.org")), INSP_QUEUE);
	expect_long("a client opens on its mail",
		    insp_default_tab(c.m, node(c.m, "bob-laptop.example.net")), INSP_MAILBOX);
	scn_close(&c);
}

static void test_mailboxes(void **state)
{
	struct scn_case c;

	scn_open(&c, "basic-delivery", -1);
	insp_host(&c.v, c.m, &c.s, node(c.m, "mx1.example.net"), INSP_MAILBOX);
	expect_lines("mx1's mailboxes", &c.v, (const struct want_line[]){
		{INSP_HEAD, 0, NULL, "Mailboxes"},
		{INSP_TEXT, 0, NULL, "bob@example.net / INBOX"},
		{INSP_TEXT, 1, NULL, "m1 \"Lunch on Friday?\"  (771 bytes)"}}, 3);
	insp_host(&c.v, c.m, &c.s, node(c.m, "bob-laptop.example.net"), INSP_MAILBOX);
	expect_lines("bob's laptop", &c.v, (const struct want_line[]){
		{INSP_HEAD, 0, NULL, "Mailboxes"},
		{INSP_TEXT, 0, NULL, "Fetched by this client"},
		{INSP_TEXT, 1, NULL, "m1 \"Lunch on Friday?\"  (771 bytes)"}}, 3);
	scn_close(&c);
}

/* The header block at the end of the basic story: what mx1 added on top,
 * then mail.example.org's Received, then the header Alice's program wrote,
 * in its order. Folded lines continue, indented, without their tab. */
static void test_message_headers(void **state)
{
	static const struct { const char *tag, *start; } want[] = {
		{"mx1.example.net", "Return-Path: <alice@example.org>"},
		{"mx1.example.net", "Received: from mail.example.org (mail.example.org [192.0.2.25])"},
		{NULL, "by mx1.example.net (mailsim) with ESMTPS id 006D60001"},
		{NULL, "for <bob@example.net>; Tue, 14 May 2024 08:15:01 +0000"},
		{"mail.example.org", "Received: from alice-laptop.example.org"},
		{NULL, "by mail.example.org (mailsim) with ESMTPSA id 004920001"},
		{NULL, "for <bob@example.net>; "},
		{"alice-laptop.example.org", "Date: Tue, 14 May 2024 08:15:01 +0000"},
		{"alice-laptop.example.org", "From: alice@example.org"},
		{"alice-laptop.example.org", "To: bob@example.net"},
		{"alice-laptop.example.org", "Subject: Lunch on Friday?"},
		{"alice-laptop.example.org", "Message-ID: <1715674501.1.m1@alice-laptop.example.org>"},
		{"alice-laptop.example.org", "MIME-Version: 1.0"},
	};
	struct scn_case c;

	scn_open(&c, "basic-delivery", -1);
	insp_message(&c.v, c.m, tm_msg_find(c.m, "m1"), (long)c.m->nev - 1);
	expect_long("lines", (long)c.v.n, (long)ARRAY_LEN(want) + 2);
	if (strcmp(c.v.lines[0].text, "Message m1 \"Lunch on Friday?\"") != 0)
		FAILF("title: got \"%s\"\n", c.v.lines[0].text);
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		const struct insp_line *l = &c.v.lines[i + 2];
		bool tag_ok = want[i].tag ? l->tag && strcmp(l->tag, want[i].tag) == 0 : !l->tag;
		if (strncmp(l->text, want[i].start, strlen(want[i].start)) != 0 || !tag_ok)
			FAILF("header line %zu: got [%s] \"%s\", want [%s] \"%s...\"\n", i,
			      l->tag ? l->tag : "-", l->text, want[i].tag ? want[i].tag : "-",
			      want[i].start);
		expect_long("continuations are indented", l->indent, want[i].tag ? 0 : 1);
	}
	expect_long("the newest (Return-Path) is marked", c.v.lines[2].style, INSP_NEW);
	expect_long("older ones are not", c.v.lines[3].style, INSP_TEXT);
	/* one hop earlier: only what existed then */
	long first_received = -1;
	for (size_t i = 0; i < c.m->nev && first_received < 0; i++)
		if (c.m->ev[i].kind == TM_MSG_HEADER && strcmp(tm_get(&c.m->ev[i], "name"), "Received") == 0)
			first_received = (long)i;
	insp_message(&c.v, c.m, 0, first_received);
	if (strncmp(c.v.lines[2].text, "Received: from alice-laptop", 27) != 0 ||
	    c.v.lines[2].style != INSP_NEW)
		FAILF("after the first hop: got \"%s\" (style %d), want the new Received on top\n",
		      c.v.lines[2].text, c.v.lines[2].style);
	scn_close(&c);
}

static void test_dead_domain_queue(void **state)
{
	struct scn_case c;
	long defer = -1;

	scn_open(&c, "dead-domain", 0);
	for (size_t i = 0; i < c.m->nev && defer < 0; i++)
		if (c.m->ev[i].kind == TM_QUEUE_DEFER && tm_get_long(&c.m->ev[i], "attempt", 0) == 3)
			defer = (long)i;
	snap_build(&c.s, c.m, -1, defer);
	insp_host(&c.v, c.m, &c.s, node(c.m, "mail.example.org"), INSP_QUEUE);
	expect_lines("the third deferral", &c.v, (const struct want_line[]){
		{INSP_HEAD, 0, NULL, "Queue: 1 waiting, 0 finished"},
		{INSP_TEXT, 0, NULL, "004920001  m1 \"Are you still at this address?\"  "
				     "from <alice@example.org>, 3 attempts"},
		{INSP_WARN, 1, NULL, "carol@example.com  deferred 4.4.1, next try 0:25:01"},
		{INSP_DIM, 2, NULL, "connect to mx.example.com[203.0.113.99]:25: Connection timed out"}},
		4);
	scn_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_tab),
		cmocka_unit_test(test_zone_without_records),
		cmocka_unit_test(test_zone_with_records),
		cmocka_unit_test(test_mailboxes),
		cmocka_unit_test(test_message_headers),
		cmocka_unit_test(test_dead_domain_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
