/* test_render_logic.c — the viewer's pure logic, without SDL: trace
 * parsing (exact times, errors with line numbers), host layout, ladder
 * rows, time compression, play-head stepping, panel geometry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder.h"
#include "layout.h"
#include "playback.h"
#include "test_render_fixture.h"
#include "timeline.h"
#include "trace_model.h"
#include "trace_text.h"
#include "util.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

static void expect_str(const char *what, const char *got, const char *want)
{
	if (!got || strcmp(got, want) != 0)
		FAILF("%s: got \"%s\", want \"%s\"\n", what, got ? got : "(null)", want);
}

static void expect_long(const char *what, long got, long want)
{
	if (got != want)
		FAILF("%s: got %ld, want %ld\n", what, got, want);
}

static struct tm_model *parse_fixture(void)
{
	char err[256] = "";
	struct tm_model *m = tm_parse(fixture_trace, strlen(fixture_trace),
				      fixture_hosts, ARRAY_LEN(fixture_hosts),
				      err, sizeof err);
	if (!m)
		FAILF("fixture did not parse: %s\n", err);
	return m;
}

/* ---- trace parsing ---- */

static void test_parse_fixture(void **state)
{
	struct tm_model *m = parse_fixture();

	expect_long("events", (long)m->nev, FIX_NEVENTS);
	expect_long("nodes (all named by the scenario)", (long)m->nnodes, 6);
	expect_long("kind of event 0", m->ev[0].kind, TM_SIM_START);
	expect_long("t of the retry", (long)m->ev[FIX_EV_RETRY].t_us, 900124000L);
	expect_long("port of connect", m->ev[3].port, 587);
	expect_long("conn of connect", m->ev[3].conn, 1);
	expect_long("seq", m->ev[FIX_EV_DEFER].seq, FIX_EV_DEFER);
	expect_str("node name", m->nodes[m->ev[3].node].name, "alice-pc");
	expect_str("dns.query summary", tm_summary(&m->ev[FIX_EV_DNS_QUERY]),
		   "MX b.example? (id 1)");
	expect_str("dns.query bubble", tm_bubble(&m->ev[FIX_EV_DNS_QUERY]), "MX b.example?");
	expect_str("dns.answer bubble", tm_bubble(&m->ev[FIX_EV_DNS_ANSWER]),
		   "10 mx1.b.example.");
	expect_str("defer summary", tm_summary(&m->ev[FIX_EV_DEFER]),
		   "bob@b.example: 450 4.2.0 Greylisted; retry at 900.124");
	expect_str("greylist line", tm_text(&m->ev[FIX_EV_GREYLIST]),
		   "450 4.2.0 Greylisted, try again in 300 seconds");
	expect_long("dir", m->ev[FIX_EV_GREYLIST].dir, TM_DIR_S2C);
	if (tm_bubble(&m->ev[FIX_EV_DEFER]))
		FAILF("queue.defer does not travel, yet has a bubble\n");
	expect_long("narration before the greylist", m->ev[FIX_EV_GREYLIST].narration, 38);
	expect_long("conversation after the close", m->ev[FIX_EV_DEFER].cur_conn, 2);
	expect_long("connections", (long)m->nconns, 5);
	tm_free(m);
}

static void test_parse_seconds_table(void **state)
{
	static const struct { const char *s; bool ok; int64_t us; } cases[] = {
		{"12.000150", true, 12000150}, {"0", true, 0}, {"1.5", true, 1500000},
		{"86399.999999", true, 86399999999LL},
		{"123456789012.000001", true, 123456789012000001LL},
		{"1234567890123", false, 0}, {"1.1234567", false, 0},
		{"-1.0", false, 0}, {"1e3", false, 0}, {"", false, 0}, {"1.", false, 0},
		{".5", false, 0}, {"\"1.0\"", false, 0},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t us = -1;
		bool ok = tm_parse_seconds(cases[i].s, strlen(cases[i].s), &us);
		if (ok != cases[i].ok || (ok && us != cases[i].us))
			FAILF("tm_parse_seconds(\"%s\"): got %s %lld, want %s %lld\n",
			      cases[i].s, ok ? "ok" : "fail", (long long)us,
			      cases[i].ok ? "ok" : "fail", (long long)cases[i].us);
	}
}

static void test_parse_time_is_exact(void **state)
{
	/* 0.1 + 0.2-style accumulation would drift; the text must not. */
	const char *trace = "{\"t\":9007199.254741,\"seq\":0,\"kind\":\"sim.end\"}\n"
			    "{ \"seq\":1, \"kind\":\"narrate\", \"text\":\"t later\", \"t\" : 9007199.254742 }\n";
	char err[200];
	struct tm_model *m = tm_parse(trace, strlen(trace), NULL, 0, err, sizeof err);

	if (!m)
		FAILF("parse failed: %s\n", err);
	expect_long("t0", (long)m->ev[0].t_us, 9007199254741L);
	expect_long("t1 (key not first)", (long)m->ev[1].t_us, 9007199254742L);
	char buf[32];
	tm_format_time(m->ev[1].t_us, buf, sizeof buf);
	expect_str("format", buf, "9007199.254742");
	tm_free(m);
}

static void test_parse_errors_table(void **state)
{
	static const struct { const char *trace; const char *want; } cases[] = {
		{"{\"t\":0.0,\"kind\":\"sim.start\"}\n{\"t\":1.0,", "trace line 2: not valid JSON"},
		{"[1,2]\n", "trace line 1: not a JSON object"},
		{"{\"t\":1.0,\"kind\":\"sim.end\"} {\"t\":2.0}\n",
		 "trace line 1: text after the JSON object"},
		{"{\"t\":1.0,\"kind\":\"sim.end\"} \r\n{\"t\":1.5,\"kind\":\"sim.end\",\"seq\":1.5}",
		 "trace line 2: \"seq\" must be an integer"},
		{"{\"kind\":\"narrate\",\"text\":\"x\"}", "trace line 1: missing \"t\""},
		{"{\"t\":\"1.0\",\"kind\":\"sim.end\"}", "trace line 1: \"t\" must be seconds"},
		{"{\"t\":1.0}", "trace line 1: missing \"kind\""},
		{"{\"t\":1.0,\"kind\":\"net.close\",\"node\":7}", "trace line 1: \"node\" must be a string"},
		{"{\"t\":1.0,\"kind\":\"smtp.send\",\"dir\":\"up\",\"line\":\"x\"}",
		 "trace line 1: \"dir\" must be \"c2s\" or \"s2c\", got \"up\""},
		{"{\"t\":1.0,\"kind\":\"smtp.send\",\"dir\":\"c2s\"}",
		 "trace line 1: smtp.send without \"line\""},
		{"{\"t\":2.0,\"kind\":\"sim.start\"}\n{\"t\":1.5,\"kind\":\"sim.end\"}",
		 "trace line 2: \"t\" goes backwards (1.500000 after 2.000000)"},
		{"\n\n{bad", "trace line 3: not valid JSON"},
		{"{\"t\":1.0,\"kind\":\"net.close\",\"conn\":-4}",
		 "trace line 1: \"conn\" must be an integer"},
		{"{\"t\":1.0,\"kind\":\"net.connect\",\"port\":70000}",
		 "trace line 1: \"port\" must be an integer from 0 to 65535"},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char err[256] = "";
		struct tm_model *m = tm_parse(cases[i].trace, strlen(cases[i].trace),
					      NULL, 0, err, sizeof err);
		if (m) {
			tm_free(m);
			FAILF("case %zu parsed, want error \"%s\"\n", i, cases[i].want);
		}
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			FAILF("case %zu: got \"%s\", want \"%s...\"\n", i, err, cases[i].want);
	}
}

static void test_parse_unknown_kind_and_hosts(void **state)
{
	const char *trace =
		"{\"t\":0.5,\"kind\":\"spf.check\",\"node\":\"mx9\",\"result\":\"pass\"}\n"
		"{\"t\":0.6,\"kind\":\"dns.query\",\"node\":\"mx9\",\"peer\":\"ns\",\"qname\":\"x.example\",\"qtype\":\"A\",\"id\":2}\n";
	char err[200];
	struct tm_model *m = tm_parse(trace, strlen(trace), NULL, 0, err, sizeof err);

	if (!m)
		FAILF("parse failed: %s\n", err);
	expect_long("kind", m->ev[0].kind, TM_OTHER);
	expect_str("kind name kept", tm_kind_name(&m->ev[0]), "spf.check");
	expect_long("nodes learned from the trace", (long)m->nnodes, 2);
	expect_str("second node", m->nodes[1].name, "ns");
	expect_str("unknown role", m->nodes[1].role, "");
	tm_free(m);
}

static void test_label_templates(void **state)
{
	static const struct { const char *tmpl, *want; } c[] = {
		{"{qtype} {qname}?", "MX b.example?"},
		{"{answers|rcode}", "10 mx1.b.example., 20 mx2.b.example."},
		{"{none|rcode}", "NOERROR"},
		{"[{missing}]", "[]"},
		{"{n} {f} {neg} {yes}", "42 0.25 -3 true"},
		{"{line}", "a  b"}, /* CR and LF each become a space */
		{"trailing {missing}", "trailing"},
		{"{unclosed", "{unclosed"},
	};
	cJSON *o = cJSON_Parse("{\"qtype\":\"MX\",\"qname\":\"b.example\",\"rcode\":\"NOERROR\","
			       "\"answers\":[\"10 mx1.b.example.\",\"20 mx2.b.example.\"],"
			       "\"none\":[],\"n\":42,\"f\":0.25,\"neg\":-3,\"yes\":true,"
			       "\"line\":\"a\\r\\nb\"}");

	assert_non_null(o);
	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		char *got = tt_expand(c[i].tmpl, o);
		char what[64];
		snprintf(what, sizeof what, "expand \"%s\"", c[i].tmpl);
		bool same = strcmp(got, c[i].want) == 0;
		if (!same)
			print_error("%s: got \"%s\", want \"%s\"\n", what, got, c[i].want);
		free(got);
		if (!same) {
			cJSON_Delete(o);
			fail();
		}
	}
	cJSON_Delete(o);
}

static void test_decision_stepping(void **state)
{
	struct tm_model *m = parse_fixture();
	static const struct { long from; long next, prev; } cases[] = {
		{-1, 30, -1}, {0, 30, -1}, {30, 39, -1}, {31, 39, 30},
		{44, 66, 39}, {74, -1, 66}, {FIX_NEVENTS - 1, -1, 74},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char what[64];
		snprintf(what, sizeof what, "next decision after %ld", cases[i].from);
		expect_long(what, tm_next_decision(m, cases[i].from), cases[i].next);
		snprintf(what, sizeof what, "previous decision before %ld", cases[i].from);
		expect_long(what, tm_prev_decision(m, cases[i].from), cases[i].prev);
	}
	expect_long("event at t=0.0335", tm_event_at_time(m, 33500), 31);
	expect_long("event at t=-1", tm_event_at_time(m, -1), -1);
	expect_long("event at t=900.124", tm_event_at_time(m, 900124000), 46);
	tm_free(m);
}

/* ---- layout ---- */

static int node_of(const struct tm_model *m, const char *name)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return (int)i;
	FAILF("no node %s\n", name);
	return -1;
}

static void test_layout_flow_order(void **state)
{
	struct tm_model *m = parse_fixture();
	struct lay_node *n = lay_nodes_for_model(m);
	const char *order[] = {"alice-pc", "mta.a.example", "mx1.b.example",
			       "mbox.b.example", "bob-pc"};
	int dns = node_of(m, "dns"), mta = node_of(m, "mta.a.example");

	for (size_t i = 0; i < m->nnodes; i++)
		if (n[i].x < 0 || n[i].x > 1 || n[i].y < 0 || n[i].y > 1)
			FAILF("%s out of bounds: (%g, %g)\n", m->nodes[i].name, n[i].x, n[i].y);
	for (size_t i = 0; i + 1 < ARRAY_LEN(order); i++) {
		int a = node_of(m, order[i]), b = node_of(m, order[i + 1]);
		if (!(n[a].x < n[b].x))
			FAILF("%s (x=%g) should be left of %s (x=%g)\n", order[i], n[a].x,
			      order[i + 1], n[b].x);
	}
	for (size_t i = 0; i < ARRAY_LEN(order); i++)
		if (!(n[dns].y < n[node_of(m, order[i])].y))
			FAILF("dns should be above %s\n", order[i]);
	if (n[dns].x != n[mta].x)
		FAILF("dns x: got %g, want %g (over the host that asks it)\n", n[dns].x, n[mta].x);
	free(n);
	tm_free(m);
}

static void test_layout_edges(void **state)
{
	struct tm_model *m = parse_fixture();
	struct lay_edge *e;
	size_t n = lay_edges_from_trace(m, &e);
	static const struct { const char *from, *to; bool flow; } want[] = {
		{"alice-pc", "mta.a.example", true}, {"mta.a.example", "dns", false},
		{"mta.a.example", "mx1.b.example", true},
		{"mx1.b.example", "mbox.b.example", true},
		{"mbox.b.example", "bob-pc", true}, /* IMAP: mail flows to the reader */
	};

	expect_long("edges", (long)n, (long)ARRAY_LEN(want));
	for (size_t i = 0; i < n && i < ARRAY_LEN(want); i++) {
		if (e[i].from != node_of(m, want[i].from) || e[i].to != node_of(m, want[i].to) ||
		    e[i].flow != want[i].flow)
			FAILF("edge %zu: got %s -> %s (%s), want %s -> %s (%s)\n", i,
			      m->nodes[e[i].from].name, m->nodes[e[i].to].name,
			      e[i].flow ? "flow" : "ask", want[i].from, want[i].to,
			      want[i].flow ? "flow" : "ask");
	}
	free(e);
	tm_free(m);
}

static void test_layout_hints_and_cycles(void **state)
{
	/* client, relay1, relay2, dns; relay2 -> relay1 (a bounce) comes
	 * after relay1 -> relay2 and must not reverse them. */
	struct lay_node n[4] = {
		{LAY_CLIENT, false, 0, 0, 0, 0, 0}, {LAY_MTA, false, 0, 0, 0, 0, 0},
		{LAY_MTA, false, 0, 0, 0, 0, 0}, {LAY_DNS, true, 0.9, 0.05, 0, 0, 0},
	};
	const struct lay_edge e[] = {
		{0, 1, true}, {1, 2, true}, {2, 1, true}, {1, 3, false},
	};

	lay_compute(n, 4, e, ARRAY_LEN(e));
	if (!(n[0].x < n[1].x && n[1].x < n[2].x))
		FAILF("order: got x %g %g %g, want increasing\n", n[0].x, n[1].x, n[2].x);
	if (n[3].x != 0.9 || n[3].y != 0.05)
		FAILF("hint: got (%g, %g), want (0.9, 0.05)\n", n[3].x, n[3].y);
}

static void test_layout_without_traffic(void **state)
{
	/* No trace: a client listed after a server reads mail (right side);
	 * an idle second MX stacks with the other server column. */
	struct lay_node n[4] = {
		{LAY_CLIENT, false, 0, 0, 0, 0, 0}, {LAY_MTA, false, 0, 0, 0, 0, 0},
		{LAY_MAILBOX, false, 0, 0, 0, 0, 0}, {LAY_CLIENT, false, 0, 0, 0, 0, 0},
	};

	lay_compute(n, 4, NULL, 0);
	if (!(n[0].x < n[1].x && n[1].x < n[2].x && n[2].x < n[3].x))
		FAILF("order: got x %g %g %g %g\n", n[0].x, n[1].x, n[2].x, n[3].x);
	if (n[0].y != 0.5)
		FAILF("without DNS the row is centred: got y %g\n", n[0].y);
}

static void test_layout_role_names(void **state)
{
	static const struct { const char *name; enum lay_role want; } cases[] = {
		{"client", LAY_CLIENT}, {"mta", LAY_MTA}, {"dns", LAY_DNS},
		{"filter", LAY_FILTER}, {"mailbox", LAY_MAILBOX}, {"toaster", LAY_OTHER},
		{"", LAY_OTHER}, {NULL, LAY_OTHER},
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_long(cases[i].name ? cases[i].name : "(null)",
			    lay_role_from_name(cases[i].name), cases[i].want);
}

static bool rect_inside(const struct lay_rect *r, int w, int h)
{
	return r->x >= 0 && r->y >= 0 && r->w >= 0 && r->h >= 0 &&
	       r->x + r->w <= w && r->y + r->h <= h;
}

static bool rects_overlap(const struct lay_rect *a, const struct lay_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w &&
	       a->y < b->y + b->h && b->y < a->y + a->h;
}

static void test_layout_panels(void **state)
{
	static const int sizes[][3] = {
		{1280, 720, 16}, {640, 480, 14}, {3840, 2160, 40}, {200, 150, 16},
		{1, 1, 16},
	};

	for (size_t i = 0; i < 8 * ARRAY_LEN(sizes); i++) {
		struct lay_panels p;
		int w = sizes[i / 8][0], h = sizes[i / 8][1];
		bool insp = i % 2; /* with and without the inspector */
		bool projector = (i / 2) % 2; /* the default and the projector layout */
		bool campaign = (i / 4) % 2; /* with and without the campaign panel */
		(projector ? lay_panels_projector : lay_panels)(w, h, sizes[i / 8][2], insp, &p);
		if (campaign) {
			lay_panels_campaign(sizes[i / 8][2], projector, &p);
			if (h >= 480 && p.campaign.h < sizes[i / 8][2] * 4)
				FAILF("%dx%d: the campaign panel gets %d rows\n", w, h, p.campaign.h);
		} else if (p.campaign.w || p.campaign.h) {
			FAILF("%dx%d: a campaign panel nobody asked for\n", w, h);
		}
		const struct lay_rect *r[] = {&p.title, &p.topo, &p.list, &p.ladder,
					      &p.caption, &p.controls, &p.timeline, &p.inspector,
					      &p.campaign};
		if (!insp && p.inspector.h != 0)
			FAILF("%dx%d: a closed inspector has height %d\n", w, h, p.inspector.h);
		if (insp && h >= 480 && p.inspector.h < h / 4)
			FAILF("%dx%d: the inspector gets %d rows, want >= %d\n", w, h,
			      p.inspector.h, h / 4);
		long area = 0;
		for (size_t a = 0; a < ARRAY_LEN(r); a++) {
			if (!rect_inside(r[a], w, h))
				FAILF("%dx%d: panel %zu outside the window\n", w, h, a);
			area += (long)r[a]->w * r[a]->h;
			for (size_t b = a + 1; b < ARRAY_LEN(r); b++)
				if (rects_overlap(r[a], r[b]))
					FAILF("%dx%d: panels %zu and %zu overlap\n", w, h, a, b);
		}
		expect_long("panels tile the window", area, (long)w * h);
	}
}

static void test_scroll_first(void **state)
{
	static const struct { size_t total, visible, focus; int anchor; size_t want; } c[] = {
		{10, 20, 5, 50, 0}, {100, 10, 50, 100, 41}, {100, 10, 99, 30, 90},
		{100, 10, 0, 30, 0}, {100, 10, 50, 30, 48}, {100, 0, 50, 30, 0},
	};

	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		char what[80];
		snprintf(what, sizeof what, "scroll(%zu, %zu, %zu, %d)", c[i].total,
			 c[i].visible, c[i].focus, c[i].anchor);
		expect_long(what, (long)lay_scroll_first(c[i].total, c[i].visible,
							 c[i].focus, c[i].anchor),
			    (long)c[i].want);
	}
}

/* ---- ladder ---- */

static void test_ladder_rows_at_mail_from(void **state)
{
	struct tm_model *m = parse_fixture();
	struct lad_view v;

	lad_init(&v);
	lad_build(&v, m, FIX_EV_MAIL1);
	expect_long("conn", v.conn, 1);
	expect_str("client", m->nodes[v.client].name, "alice-pc");
	expect_str("server", m->nodes[v.server].name, "mta.a.example");
	/* connect, 220, EHLO, 3x 250, STARTTLS, 220, tls.start, tls.ok, MAIL */
	expect_long("rows", (long)v.nrows, 11);
	static const struct { size_t ev; bool c2s; enum lad_class cls; bool enc; } want[] = {
		{3, true, LAD_INFO, false}, {5, false, LAD_2XX, false},
		{6, true, LAD_CMD, false}, {7, false, LAD_2XX, false},
		{12, true, LAD_INFO, false}, {13, true, LAD_2XX, false},
		{14, true, LAD_CMD, true},
	};
	for (size_t i = 0, r = 0; i < ARRAY_LEN(want); i++) {
		while (r < v.nrows && v.rows[r].ev != want[i].ev)
			r++;
		if (r == v.nrows)
			FAILF("no row for event %zu\n", want[i].ev);
		if (v.rows[r].c2s != want[i].c2s || v.rows[r].cls != want[i].cls ||
		    v.rows[r].encrypted != want[i].enc)
			FAILF("row for event %zu: got c2s=%d cls=%d enc=%d, want %d %d %d\n",
			      want[i].ev, v.rows[r].c2s, v.rows[r].cls, v.rows[r].encrypted,
			      want[i].c2s, want[i].cls, want[i].enc);
	}
	expect_str("last row text", v.rows[v.nrows - 1].text, "MAIL FROM:<alice@a.example>");
	expect_long("tls.ok is a note", v.rows[9].kind, LAD_NOTE);
	lad_free(&v);
	tm_free(m);
}

static void test_ladder_follows_cursor(void **state)
{
	struct tm_model *m = parse_fixture();
	struct lad_view v;

	lad_init(&v);
	lad_build(&v, m, 0);
	expect_long("no conversation at the start", v.conn, -1);
	expect_long("no rows at the start", (long)v.nrows, 0);
	lad_build(&v, m, FIX_EV_GREYLIST);
	expect_long("greylist conn", v.conn, 2);
	expect_long("greylist class", v.rows[v.nrows - 1].cls, LAD_4XX);
	expect_long("greylist not encrypted", v.rows[v.nrows - 1].encrypted, false);
	expect_long("greylist is s2c", v.rows[v.nrows - 1].c2s, false);
	lad_build(&v, m, FIX_EV_DEFER);
	expect_long("after the close, still conn", v.conn, 2);
	expect_long("rows through the close", (long)v.nrows, 11);
	lad_build(&v, m, FIX_EV_IMAP_OK);
	expect_long("imap conn", v.conn, 5);
	expect_long("imap OK class", v.rows[v.nrows - 1].cls, LAD_2XX);
	expect_str("imap client", m->nodes[v.client].name, "bob-pc");
	lad_free(&v);
	tm_free(m);
}

/* A fetched message (imap.data/pop3.data) travels server to client as an
 * envelope, and in the ladder it is content, not a reply. */
static void test_fetched_message(void **state)
{
	const char *trace =
		"{\"t\":1.0,\"kind\":\"net.connect\",\"node\":\"bob\",\"peer\":\"mbox\",\"conn\":9,\"port\":110}\n"
		"{\"t\":1.1,\"kind\":\"pop3.send\",\"node\":\"mbox\",\"peer\":\"bob\",\"conn\":9,\"dir\":\"s2c\",\"line\":\"-ERR locked\"}\n"
		"{\"t\":1.2,\"kind\":\"pop3.data\",\"node\":\"mbox\",\"peer\":\"bob\",\"conn\":9,\"dir\":\"s2c\",\"bytes\":771,\"lines\":22,\"summary\":\"message\"}\n";
	char err[200];
	struct tm_model *m = tm_parse(trace, strlen(trace), NULL, 0, err, sizeof err);
	struct lad_view v;

	if (!m)
		FAILF("parse failed: %s\n", err);
	expect_long("kind", m->ev[2].kind, TM_POP3_DATA);
	expect_long("travels", tm_kind_travels(m->ev[2].kind), true);
	expect_long("carries a message", tm_kind_carries_message(m->ev[2].kind), true);
	expect_str("summary", tm_summary(&m->ev[2]), "message (771 bytes, 22 lines)");
	lad_init(&v);
	lad_build(&v, m, 2);
	expect_long("rows", (long)v.nrows, 3);
	expect_long("-ERR class", v.rows[1].cls, LAD_5XX);
	expect_long("body class", v.rows[2].cls, LAD_CMD);
	expect_long("body direction", v.rows[2].c2s, false);
	lad_free(&v);
	tm_free(m);
}

static void test_reply_classes(void **state)
{
	static const struct { enum tm_kind k; const char *line; enum lad_class want; } c[] = {
		{TM_SMTP_SEND, "250 ok", LAD_2XX}, {TM_SMTP_SEND, "250-SIZE 1000", LAD_2XX},
		{TM_SMTP_SEND, "354 go ahead", LAD_3XX}, {TM_SMTP_SEND, "421", LAD_4XX},
		{TM_SMTP_SEND, "550 5.1.1 no such user", LAD_5XX},
		{TM_SMTP_SEND, "hello", LAD_INFO}, {TM_SMTP_SEND, "2500 x", LAD_INFO},
		{TM_SMTP_SEND, "650 x", LAD_INFO}, {TM_SMTP_SEND, "", LAD_INFO},
		{TM_IMAP_SEND, "a1 OK done", LAD_2XX}, {TM_IMAP_SEND, "* OK ready", LAD_2XX},
		{TM_IMAP_SEND, "a2 NO quota", LAD_4XX}, {TM_IMAP_SEND, "a3 BAD syntax", LAD_5XX},
		{TM_IMAP_SEND, "+ go on", LAD_3XX}, {TM_IMAP_SEND, "* 1 EXISTS", LAD_INFO},
		{TM_POP3_SEND, "+OK 2 messages", LAD_2XX}, {TM_POP3_SEND, "-ERR no", LAD_5XX},
		{TM_POP3_SEND, "+ ", LAD_3XX}, {TM_POP3_SEND, "1 120", LAD_INFO},
		{TM_NET_CLOSE, "250 ok", LAD_INFO},
	};

	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		enum lad_class got = lad_reply_class(c[i].k, c[i].line);
		if (got != c[i].want)
			FAILF("class of \"%s\": got %d, want %d\n", c[i].line, got, c[i].want);
	}
}

/* ---- time compression ---- */

static void test_gap_labels(void **state)
{
	static const struct { int64_t us; const char *want; } c[] = {
		{4LL * 3600 * 1000000, "+4 h"}, {90LL * 60 * 1000000, "+1.5 h"},
		{300LL * 1000000, "+5 min"}, {2500000, "+2.5 s"},
		{36LL * 3600 * 1000000, "+1.5 d"}, {15LL * 86400 * 1000000, "+15 d"},
		{59LL * 1000000, "+59 s"}, {740400000LL, "+12 min"},
		{900LL * 1000000, "+15 min"},
	};

	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		char buf[24];
		tl_format_gap(c[i].us, buf, sizeof buf);
		expect_str("gap label", buf, c[i].want);
	}
}

static void test_gap_compression(void **state)
{
	expect_long("1 s kept", (long)tl_compress_gap(1000000), 1000000);
	expect_long("threshold kept", (long)tl_compress_gap(TL_GAP_THRESHOLD_US),
		    TL_GAP_THRESHOLD_US);
	expect_long("just over compressed", (long)tl_compress_gap(TL_GAP_THRESHOLD_US + 1),
		    TL_GAP_SPAN_US);
	expect_long("5 days compressed", (long)tl_compress_gap(432000LL * 1000000),
		    TL_GAP_SPAN_US);
}

static void test_timeline_map(void **state)
{
	const int64_t h4 = 4LL * 3600 * 1000000;
	const int64_t t[] = {0, 1000000, 1000000, 1000000 + h4};
	const int64_t dwell[] = {100000, 100000, 100000, 100000};
	struct tl_map *map = tl_build(t, dwell, NULL, 4);

	expect_long("d1", (long)map->d[1], 1100000);
	expect_long("d2 (same time: dwell only)", (long)map->d[2], 1200000);
	expect_long("d3 (4 h shown as the span)", (long)map->d[3],
		    1300000 + TL_GAP_SPAN_US);
	expect_long("total", (long)map->total, 1400000 + TL_GAP_SPAN_US);
	expect_long("gaps", (long)map->ngaps, 1);
	expect_str("gap label", map->gaps[0].label, "+4 h");
	expect_long("gap after", (long)map->gaps[0].after, 2);
	/* Monotone over the whole range, and each event's own time lands on
	 * that event (its settled frame). */
	int64_t prev = -1;
	for (int64_t x = -5; x <= t[3] + 5; x += h4 / 997) {
		int64_t d = tl_sim_to_display(map, x);
		if (d < prev)
			FAILF("not monotone at t=%lld: %lld after %lld\n", (long long)x,
			      (long long)d, (long long)prev);
		prev = d;
	}
	expect_long("t1 -> event 2 (last at that time)",
		    tl_event_at(map, tl_sim_to_display(map, t[1])), 2);
	expect_long("t3 -> event 3", tl_event_at(map, tl_sim_to_display(map, t[3])), 3);
	expect_long("before start", (long)tl_sim_to_display(map, -7), 0);
	/* Short gaps keep their length; the clock reads back exactly there. */
	expect_long("clock in a short gap",
		    (long)tl_display_to_sim(map, tl_sim_to_display(map, 400000)), 400000);
	int64_t mid = 1000000 + h4 / 2;
	int64_t back = tl_display_to_sim(map, tl_sim_to_display(map, mid));
	int64_t tol = h4 / TL_GAP_SPAN_US + 1;
	if (back < mid - tol || back > mid + tol)
		FAILF("clock in a compressed gap: got %lld, want %lld +- %lld\n",
		      (long long)back, (long long)mid, (long long)tol);
	tl_free(map);
}

/* ---- play head ---- */

static struct tl_map *fixture_map(const struct tm_model *m)
{
	int64_t *t = xmalloc(m->nev * sizeof *t), *dw = xmalloc(m->nev * sizeof *dw);

	for (size_t i = 0; i < m->nev; i++) {
		t[i] = m->ev[i].t_us;
		dw[i] = 500000;
	}
	struct tl_map *map = tl_build(t, dw, NULL, m->nev);
	free(t);
	free(dw);
	return map;
}

static void test_playback_steps(void **state)
{
	struct tm_model *m = parse_fixture();
	struct tl_map *map = fixture_map(m);
	struct pb_state pb;

	expect_long("compressed gaps in the fixture", (long)map->ngaps, 2);
	pb_init(&pb);
	expect_str("default speed", pb_speed_label(&pb), "1×");
	expect_long("starts at event 0", pb_cursor(&pb, map), 0);
	pb_step(&pb, map, +1);
	expect_long("after Right", pb_cursor(&pb, map), 1);
	expect_long("step animates from 0", pb_progress_permille(&pb, map) < 10, 1);
	pb_advance(&pb, map, 10000000);
	expect_long("settles on event 1", pb_cursor(&pb, map), 1);
	expect_long("settled progress", pb_progress_permille(&pb, map), 1000);
	pb_step(&pb, map, -1);
	pb_step(&pb, map, -1);
	expect_long("Left stops at 0", pb_cursor(&pb, map), 0);
	pb_rest(&pb, map, tm_next_decision(m, pb_cursor(&pb, map)));
	expect_long("Down to the first decision", pb_cursor(&pb, map), 30);
	pb_end(&pb, map);
	expect_long("End", pb_cursor(&pb, map), FIX_NEVENTS - 1);
	pb_home(&pb, map);
	expect_long("Home", pb_cursor(&pb, map), 0);
	for (int i = 0; i < 10; i++)
		pb_faster(&pb);
	expect_str("fastest", pb_speed_label(&pb), "16×");
	for (int i = 0; i < 10; i++)
		pb_slower(&pb);
	expect_str("slowest", pb_speed_label(&pb), "0.25×");
	tl_free(map);
	tm_free(m);
}

static void test_playback_plays_to_end(void **state)
{
	struct tm_model *m = parse_fixture();
	struct tl_map *map = fixture_map(m);
	struct pb_state pb;
	long last = 0;

	pb_init(&pb);
	pb_toggle(&pb, map);
	for (int i = 0; i < 100000 && pb.playing; i++) {
		pb_advance(&pb, map, 16667);
		long c = pb_cursor(&pb, map);
		if (c < last)
			FAILF("cursor went back while playing: %ld after %ld\n", c, last);
		last = c;
	}
	expect_long("stopped", pb.playing, false);
	expect_long("at the end", last, FIX_NEVENTS - 1);
	expect_long("head at total", (long)pb.d_us, (long)map->total);
	pb_seek(&pb, map, map->d[FIX_EV_RETRY]);
	expect_long("seek", pb_cursor(&pb, map), FIX_EV_RETRY);
	/* Seeking to a time inside the 15-minute gap: the clock says exactly
	 * that time, though the display map alone would round it. */
	pb_seek_time(&pb, map, 450000000);
	expect_long("cursor in the gap", pb_cursor(&pb, map), FIX_EV_DEFER);
	expect_long("pinned clock", (long)pb_clock(&pb, map), 450000000L);
	pb_advance(&pb, map, 1000);
	expect_long("settled, still pinned", (long)pb_clock(&pb, map), 450000000L);
	pb_toggle(&pb, map);
	pb_advance(&pb, map, 1000);
	if (pb_clock(&pb, map) <= 450000000)
		FAILF("clock after playing on: got %lld, want > 450000000\n",
		      (long long)pb_clock(&pb, map));
	tl_free(map);
	tm_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fixture),
		cmocka_unit_test(test_parse_seconds_table),
		cmocka_unit_test(test_parse_time_is_exact),
		cmocka_unit_test(test_parse_errors_table),
		cmocka_unit_test(test_parse_unknown_kind_and_hosts),
		cmocka_unit_test(test_label_templates),
		cmocka_unit_test(test_decision_stepping),
		cmocka_unit_test(test_layout_flow_order),
		cmocka_unit_test(test_layout_edges),
		cmocka_unit_test(test_layout_hints_and_cycles),
		cmocka_unit_test(test_layout_without_traffic),
		cmocka_unit_test(test_layout_role_names),
		cmocka_unit_test(test_layout_panels),
		cmocka_unit_test(test_scroll_first),
		cmocka_unit_test(test_ladder_rows_at_mail_from),
		cmocka_unit_test(test_ladder_follows_cursor),
		cmocka_unit_test(test_fetched_message),
		cmocka_unit_test(test_reply_classes),
		cmocka_unit_test(test_gap_labels),
		cmocka_unit_test(test_gap_compression),
		cmocka_unit_test(test_timeline_map),
		cmocka_unit_test(test_playback_steps),
		cmocka_unit_test(test_playback_plays_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
