/* test_net.c — the simulated network, driven by hand-built hosts.
 *
 * Three hosts (client.test 10.0.0.1, server.test 10.0.0.2 listening on 25,
 * far.test 10.0.0.3) on the default 10 ms one-way latency. Each test checks
 * two things:
 *  - what the endpoints saw: every callback appends "<µs> <side> <what>"
 *    to one log, asserted as a whole;
 *  - what the trace says: the JSONL buffer is parsed back with cJSON and
 *    condensed to "<µs> <kind> <node>><peer> key=value..." lines. */
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

#include "net.h"
#include "sim.h"
#include "trace_expand.h"
#include "util.h"

#define LAT SIM_MS(10) /* the network's default one-way latency */

struct fx {
	struct sim *sim;
	struct host *cli, *srv, *far;
	struct strbuf jsonl;
	size_t mark;          /* expect_trace looks at the events from here on */
	struct strbuf log;
	struct conn *server_conn; /* set by the accept callback */
	char *greeting;           /* sent by the server from accept, if set */
};

static struct fx *g_fx; /* the callbacks' view of the running test */

/* ---- logging callbacks ------------------------------------------------------- */

static void logf_(const char *side, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const char *side, const char *fmt, ...)
{
	va_list ap;
	sb_printf(&g_fx->log, "%lld %s ", (long long)g_fx->sim->now, side);
	va_start(ap, fmt);
	sb_vprintf(&g_fx->log, fmt, ap);
	va_end(ap);
	sb_putc(&g_fx->log, '\n');
}

/* Data as printable text: CR and LF shown as \r and \n. */
static void log_data(const char *side, const char *data, size_t len)
{
	struct strbuf t;
	sb_init(&t);
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r')
			sb_puts(&t, "\\r");
		else if (data[i] == '\n')
			sb_puts(&t, "\\n");
		else
			sb_putc(&t, data[i]);
	}
	logf_(side, "data %s", t.data ? t.data : "");
	sb_free(&t);
}

static void cli_connected(void *ctx, struct conn *c) { logf_("cli", "connected"); }
static void cli_failed(void *ctx, struct conn *c, enum net_fail why)
{
	logf_("cli", "failed %s", why == NET_REFUSED ? "refused" : "timeout");
}
static void cli_data(void *ctx, struct conn *c, const char *d, size_t n) { log_data("cli", d, n); }
static void cli_tls(void *ctx, struct conn *c, bool ok) { logf_("cli", "tls %s", ok ? "ok" : "fail"); }
static void cli_closed(void *ctx, struct conn *c) { logf_("cli", "closed"); }

static void srv_data(void *ctx, struct conn *c, const char *d, size_t n) { log_data("srv", d, n); }
static void srv_tls(void *ctx, struct conn *c, bool ok) { logf_("srv", "tls %s", ok ? "ok" : "fail"); }
static void srv_closed(void *ctx, struct conn *c) { logf_("srv", "closed"); }

static const struct conn_ops cli_ops = {
	.connected = cli_connected,
	.failed = cli_failed,
	.data = cli_data,
	.tls = cli_tls,
	.closed = cli_closed,
};

static const struct conn_ops srv_ops = {
	.data = srv_data,
	.tls = srv_tls,
	.closed = srv_closed,
};

static void srv_accept(void *ctx, struct conn *c)
{
	struct fx *fx = ctx;
	logf_("srv", "accept port %d from %s", c->port, c->cli->name);
	c->ops[SIDE_SERVER] = &srv_ops;
	c->ctx[SIDE_SERVER] = fx;
	fx->server_conn = c;
	if (fx->greeting)
		net_send_line(c, SIDE_SERVER, TK_SMTP_SEND, fx->greeting);
}

static void dgram_recv(void *ctx, struct host *to, const char *from_ip, int from_port,
		       const uint8_t *data, size_t len)
{
	logf_(to->name, "dgram from %s:%d \"%.*s\"", from_ip, from_port, (int)len,
	      (const char *)data);
}

/* ---- fixture ----------------------------------------------------------------- */

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
	fx->sim = sim_new(1, 0);
	net_new(fx->sim);
	fx->sim->hosts = xcalloc(3, sizeof *fx->sim->hosts);
	fx->cli = add_host(fx->sim, "client.test", "10.0.0.1", ROLE_CLIENT);
	fx->srv = add_host(fx->sim, "server.test", "10.0.0.2", ROLE_MTA);
	fx->far = add_host(fx->sim, "far.test", "10.0.0.3", ROLE_MTA);
	host_listen(fx->srv, 25, srv_accept, fx);
	sb_init(&fx->jsonl);
	sb_puts(&fx->jsonl, "");
	sb_init(&fx->log);
	sb_puts(&fx->log, "");
	trace_set_buffer(fx->sim->trace, &fx->jsonl);
	g_fx = fx;
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
	g_fx = NULL;
	return 0;
}

static void expect_log(struct fx *fx, const char *want)
{
	if (strcmp(fx->log.data, want) != 0)
		fail_msg("callbacks:\n--- got:\n%s--- want:\n%s", fx->log.data, want);
}

/* The trace condensed: "<µs> <kind> <node>><peer>" then the fields other
 * than t/seq/kind/node/peer as key=value, one event per line. */
static char *trace_summary(struct fx *fx)
{
	struct strbuf out;
	sb_init(&out);
	sb_puts(&out, "");
	cJSON **all = NULL;
	size_t n = 0, first = 0;
	for (const char *p = fx->jsonl.data; *p; n++) {
		if ((size_t)(p - fx->jsonl.data) < fx->mark)
			first = n + 1;
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		all = xrealloc(all, (n + 1) * sizeof *all);
		all[n] = cJSON_ParseWithLength(p, (size_t)(nl - p));
		if (!all[n])
			fail_msg("trace line is not JSON: %.*s", (int)(nl - p), p);
		p = nl + 1;
	}
	trace_expand_events(&all, &n); /* node, peer as the conn's first event implies them */
	for (size_t e = 0; e < n; e++) {
		cJSON *ev = all[e];
		if ((size_t)cJSON_GetObjectItemCaseSensitive(ev, "seq")->valuedouble < first) {
			cJSON_Delete(ev);
			continue;
		}
		double t = cJSON_GetObjectItemCaseSensitive(ev, "t")->valuedouble;
		const cJSON *node = cJSON_GetObjectItemCaseSensitive(ev, "node");
		const cJSON *peer = cJSON_GetObjectItemCaseSensitive(ev, "peer");
		sb_printf(&out, "%lld %s %s>%s", (long long)llround(t * 1e6),
			  cJSON_GetObjectItemCaseSensitive(ev, "kind")->valuestring,
			  cJSON_IsString(node) ? node->valuestring : "-",
			  cJSON_IsString(peer) ? peer->valuestring : "-");
		for (const cJSON *f = ev->child; f; f = f->next) {
			static const char *const skip[] = {"t", "seq", "kind", "node", "peer"};
			bool skipped = false;
			for (size_t i = 0; i < ARRAY_LEN(skip); i++)
				skipped |= strcmp(f->string, skip[i]) == 0;
			if (skipped)
				continue;
			if (cJSON_IsString(f))
				sb_printf(&out, " %s=%s", f->string, f->valuestring);
			else if (cJSON_IsBool(f))
				sb_printf(&out, " %s=%s", f->string, cJSON_IsTrue(f) ? "true" : "false");
			else
				sb_printf(&out, " %s=%g", f->string, f->valuedouble);
		}
		sb_putc(&out, '\n');
		cJSON_Delete(ev);
	}
	free(all);
	return sb_steal(&out);
}

static void expect_trace(struct fx *fx, const char *want)
{
	char *got = trace_summary(fx);
	bool same = strcmp(got, want) == 0;
	if (!same)
		print_error("trace:\n--- got:\n%s--- want:\n%s", got, want);
	free(got);
	if (!same)
		fail();
}

/* Connect client -> server:25 and run until the client is connected. */
static struct conn *connect_and_settle(struct fx *fx, int64_t until)
{
	struct conn *c = net_connect(fx->sim, fx->cli, "10.0.0.2", 25, &cli_ops, fx);
	sim_run_until(fx->sim, until);
	return c;
}

/* ---- connection set-up --------------------------------------------------------- */

static void test_connect_accept_then_connected(void **state)
{
	struct fx *fx = *state;
	struct conn *c = net_connect(fx->sim, fx->cli, "10.0.0.2", 25, &cli_ops, fx);
	assert_int_equal(c->id, 1);
	assert_false(c->established);
	sim_run(fx->sim, 0);
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n");
	assert_true(c->established);
	assert_ptr_equal(c->srv, fx->srv);
	assert_ptr_equal(fx->server_conn, c);
	expect_trace(fx, "0 net.connect client.test>server.test conn=1 port=25\n"
			 "10000 net.accept server.test>client.test conn=1 port=25\n");
	/* Connection ids count up per sim. */
	struct conn *c2 = net_connect(fx->sim, fx->cli, "10.0.0.2", 25, &cli_ops, fx);
	assert_int_equal(c2->id, 2);
	sim_run(fx->sim, 0);
}

/* A server that greets from its accept callback (IMAP, POP3, SMTP without a
 * PTR lookup): the greeting leaves one latency after the SYN arrived, the
 * same instant the SYN-ACK does, so the client must see "connected" first
 * and the greeting after it. */
static void test_greeting_from_accept_arrives_after_connected(void **state)
{
	/* Regression (was a bug): net.c ev_syn() calls the accept callback (which queues the
	 * greeting's ev_data at now+lat) before it queues ev_connected at the
	 * same time, so the FIFO tie-break delivers the greeting's bytes to the
	 * client *before* its connected callback. Got "20000 cli data ...\n20000
	 * cli connected", want connected first. */
	struct fx *fx = *state;
	fx->greeting = "220 server.test ESMTP";
	connect_and_settle(fx, SIM_MS(100));
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "20000 cli data 220 server.test ESMTP\\r\\n\n");
}

static void test_link_latency_overrides_default(void **state)
{
	struct fx *fx = *state;
	/* Names match case-insensitively and in either order. */
	net_set_link_latency(fx->sim->net, "SERVER.test", "client.test", SIM_MS(40));
	assert_int_equal(net_latency(fx->sim->net, fx->cli, fx->srv), SIM_MS(40));
	assert_int_equal(net_latency(fx->sim->net, fx->srv, fx->cli), SIM_MS(40));
	assert_int_equal(net_latency(fx->sim->net, fx->cli, fx->far), LAT);
	struct conn *c = connect_and_settle(fx, SIM_MS(80));
	net_send(c, SIDE_CLIENT, "x", 1);
	sim_run(fx->sim, 0);
	expect_log(fx, "40000 srv accept port 25 from client.test\n"
		       "80000 cli connected\n"
		       "120000 srv data x\n");
}

static void test_default_latency_setting(void **state)
{
	struct fx *fx = *state;
	net_set_default_latency(fx->sim->net, SIM_MS(3));
	connect_and_settle(fx, SIM_MS(100));
	expect_log(fx, "3000 srv accept port 25 from client.test\n"
		       "6000 cli connected\n");
}

static void test_no_listener_refused_after_round_trip(void **state)
{
	struct fx *fx = *state;
	net_connect(fx->sim, fx->cli, "10.0.0.2", 2525, &cli_ops, fx);
	sim_run(fx->sim, 0);
	expect_log(fx, "20000 cli failed refused\n");
	expect_trace(fx, "0 net.connect client.test>server.test conn=1 port=2525\n"
			 "20000 net.refused client.test>server.test conn=1 port=2525\n");
}

static void test_unknown_ip_times_out_after_30s(void **state)
{
	struct fx *fx = *state;
	net_connect(fx->sim, fx->cli, "10.9.9.9", 25, &cli_ops, fx);
	sim_run(fx->sim, 0);
	expect_log(fx, "30000000 cli failed timeout\n");
	expect_trace(fx, "0 net.connect client.test>10.9.9.9 conn=1 port=25\n"
			 "30000000 net.timeout client.test>10.9.9.9 conn=1 port=25\n");
}

static void test_down_host_times_out(void **state)
{
	struct fx *fx = *state;
	fx->srv->down = true;
	net_connect(fx->sim, fx->cli, "10.0.0.2", 25, &cli_ops, fx);
	sim_run(fx->sim, 0);
	expect_log(fx, "30000000 cli failed timeout\n");
	expect_trace(fx, "0 net.connect client.test>server.test conn=1 port=25\n"
			 "30000000 net.timeout client.test>server.test conn=1 port=25\n");
}

/* The timeout counts from the SYN, whatever the link latency. */
static void test_connect_timeout_setting(void **state)
{
	struct fx *fx = *state;
	fx->srv->down = true;
	net_set_connect_timeout(fx->sim->net, SIM_US(5));
	net_set_link_latency(fx->sim->net, "client.test", "server.test", SIM_MS(40));
	sim_run_until(fx->sim, SIM_MS(7)); /* start from a non-zero clock */
	net_connect(fx->sim, fx->cli, "10.0.0.2", 25, &cli_ops, fx);
	sim_run(fx->sim, 0);
	expect_log(fx, "5007000 cli failed timeout\n");
}

/* ---- data ------------------------------------------------------------------------ */

static void test_data_arrives_after_latency_in_order(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	net_send(c, SIDE_CLIENT, "one", 3);
	net_send(c, SIDE_CLIENT, "two", 3);
	net_send(c, SIDE_SERVER, "back", 4);
	net_send(c, SIDE_CLIENT, "three", 5);
	sim_run_until(fx->sim, SIM_MS(25));
	net_send(c, SIDE_CLIENT, "four", 4);
	sim_run(fx->sim, 0);
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "30000 srv data one\n"
		       "30000 srv data two\n"
		       "30000 cli data back\n"
		       "30000 srv data three\n"
		       "35000 srv data four\n");
}

/* Bytes sent while the TLS handshake runs wait for it (FIFO per direction). */
static void test_data_during_tls_handshake_waits_for_it(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	net_tls_start(c);
	sim_run_until(fx->sim, SIM_MS(25));
	net_send(c, SIDE_SERVER, "after", 5);
	sim_run(fx->sim, 0);
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "40000 srv tls ok\n"
		       "40000 cli tls ok\n"
		       "40000 cli data after\n");
}

static void test_send_line_appends_crlf_and_traces(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	net_send_line(c, SIDE_CLIENT, TK_SMTP_SEND, "EHLO client.test");
	sim_run(fx->sim, 0);
	net_send_line(c, SIDE_SERVER, TK_SMTP_SEND, "250 server.test");
	sim_run(fx->sim, 0);
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "30000 srv data EHLO client.test\\r\\n\n"
		       "40000 cli data 250 server.test\\r\\n\n");
	expect_trace(fx, "0 net.connect client.test>server.test conn=1 port=25\n"
			 "10000 net.accept server.test>client.test conn=1 port=25\n"
			 "20000 smtp.send client.test>server.test conn=1 dir=c2s "
			 "line=EHLO client.test\n"
			 "30000 smtp.send server.test>client.test conn=1 dir=s2c "
			 "line=250 server.test\n");
}

static void test_send_line_after_tls_is_marked(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	net_tls_start(c);
	sim_run(fx->sim, 0);
	fx->mark = fx->jsonl.len; /* not cleared: a conn's first event implies later fields */
	net_send_line(c, SIDE_CLIENT, TK_SMTP_SEND, "EHLO client.test");
	sim_run(fx->sim, 0);
	expect_trace(fx, "40000 smtp.send client.test>server.test conn=1 dir=c2s "
			 "line=EHLO client.test tls=true\n");
}

static void test_send_block_traces_one_event(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	fx->mark = fx->jsonl.len; /* not cleared: a conn's first event implies later fields */
	static const char body[] = "Subject: hi\r\n\r\nhello\r\n.\r\n";
	net_send_block(c, SIDE_CLIENT, TK_SMTP_DATA, body, sizeof body - 1, 4, "Subject: hi", "m1");
	sim_run(fx->sim, 0);
	expect_trace(fx, "20000 smtp.data client.test>server.test conn=1 msg=m1 dir=c2s bytes=25 "
			 "lines=4 summary=Subject: hi\n");
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "30000 srv data Subject: hi\\r\\n\\r\\nhello\\r\\n.\\r\\n\n");
}

/* ---- close -------------------------------------------------------------------------- */

static void test_close_reaches_peer_after_latency(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	net_send(c, SIDE_CLIENT, "QUIT", 4);
	net_close(c, SIDE_CLIENT);
	net_close(c, SIDE_CLIENT); /* twice is harmless */
	sim_run(fx->sim, 0);
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "30000 srv data QUIT\n"
		       "30000 srv closed\n");
	expect_trace(fx, "0 net.connect client.test>server.test conn=1 port=25\n"
			 "10000 net.accept server.test>client.test conn=1 port=25\n"
			 "20000 net.close client.test>server.test conn=1 port=25\n");
}

static void test_sends_after_close_are_dropped(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	net_close(c, SIDE_SERVER);
	sim_run(fx->sim, 0); /* client sees closed at 30 ms */
	net_send(c, SIDE_CLIENT, "late", 4);  /* the server end is gone */
	net_send(c, SIDE_SERVER, "ghost", 5); /* the server closed its end */
	sim_run(fx->sim, 0);
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "30000 cli closed\n");
}

/* Lines sent the same way at the same instant with nothing scheduled in
 * between (a multi-line reply, a pipelined group) share one heap entry,
 * but each still arrives as its own delivery, in order, and counts as an
 * event; anything pushed in between starts a new entry. */
static void noop_event(struct sim *sim, void *ctx, uint64_t arg) { logf_("sim", "noop"); }

static void test_burst_shares_an_event_but_arrives_line_by_line(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	uint64_t pushed = evq_pushed_total(fx->sim->q), run = fx->sim->events_run;
	net_send_line(c, SIDE_CLIENT, TK_SMTP_SEND, "MAIL FROM:<a@client.test>");
	net_send_line(c, SIDE_CLIENT, TK_SMTP_SEND, "RCPT TO:<b@server.test>");
	net_send_line(c, SIDE_CLIENT, TK_SMTP_SEND, "DATA");
	assert_int_equal(evq_pushed_total(fx->sim->q) - pushed, 1);
	net_send_line(c, SIDE_SERVER, TK_SMTP_SEND, "250 ok"); /* the other way: its own */
	assert_int_equal(evq_pushed_total(fx->sim->q) - pushed, 2);
	sim_after(fx->sim, 0, noop_event, NULL, 0);
	net_send_line(c, SIDE_CLIENT, TK_SMTP_SEND, "NOOP"); /* after a push: its own */
	assert_int_equal(evq_pushed_total(fx->sim->q) - pushed, 4);
	sim_run(fx->sim, 0);
	assert_int_equal(fx->sim->events_run - run, 6);
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "20000 sim noop\n"
		       "30000 srv data MAIL FROM:<a@client.test>\\r\\n\n"
		       "30000 srv data RCPT TO:<b@server.test>\\r\\n\n"
		       "30000 srv data DATA\\r\\n\n"
		       "30000 cli data 250 ok\\r\\n\n"
		       "30000 srv data NOOP\\r\\n\n");
}

/* A receiver that closes its end on the first line of a burst gets no
 * more of it, as it would not from separate events. */
static void srv_data_closing(void *ctx, struct conn *c, const char *d, size_t n)
{
	log_data("srv", d, n);
	net_close(c, SIDE_SERVER);
}

static void test_burst_stops_at_a_close(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	static const struct conn_ops closing_ops = {.data = srv_data_closing, .closed = srv_closed};
	c->ops[SIDE_SERVER] = &closing_ops;
	net_send_line(c, SIDE_CLIENT, TK_SMTP_SEND, "QUIT");
	net_send_line(c, SIDE_CLIENT, TK_SMTP_SEND, "NOOP");
	sim_run(fx->sim, 0);
	expect_log(fx, "10000 srv accept port 25 from client.test\n"
		       "20000 cli connected\n"
		       "30000 srv data QUIT\\r\\n\n"
		       "40000 cli closed\n");
}

/* A client that gives up before its SYN is answered must not leave the
 * server holding a connection that never closes. */
static void test_close_before_accept_leaves_server_nothing_open(void **state)
{
	/* Regression (was a bug): net_close() from the client before the connection is
	 * established schedules nothing (it only notifies the peer when
	 * c->established), but the SYN already in flight still reaches ev_syn(),
	 * which does not check c->open[SIDE_CLIENT]: the server's accept
	 * callback runs at 10 ms and its closed callback never does, so a
	 * server session would wait forever. Got "10000 srv accept ..." with no
	 * "srv closed"; want no accept, or accept followed by closed. */
	struct fx *fx = *state;
	struct conn *c = net_connect(fx->sim, fx->cli, "10.0.0.2", 25, &cli_ops, fx);
	sim_run_until(fx->sim, SIM_MS(5));
	net_close(c, SIDE_CLIENT);
	sim_run(fx->sim, 0);
	bool accepted = strstr(fx->log.data, "srv accept") != NULL;
	bool closed = strstr(fx->log.data, "srv closed") != NULL;
	if (accepted && !closed)
		fail_msg("server accepted a connection the client had already closed and was "
			 "never told; callbacks:\n%s",
			 fx->log.data);
	assert_null(strstr(fx->log.data, "cli connected"));
}

/* ---- TLS ------------------------------------------------------------------------------ */

static void test_tls_ok_after_round_trip(void **state)
{
	struct fx *fx = *state;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	fx->mark = fx->jsonl.len; /* not cleared: a conn's first event implies later fields */
	sb_clear(&fx->log);
	net_tls_start(c);
	sim_run(fx->sim, 0);
	assert_non_null(strstr(fx->log.data, "40000 srv tls ok\n"));
	assert_non_null(strstr(fx->log.data, "40000 cli tls ok\n"));
	assert_int_equal(fx->log.len, strlen("40000 srv tls ok\n") * 2);
	assert_true(c->tls);
	expect_trace(fx, "20000 tls.start client.test>server.test conn=1\n"
			 "40000 tls.ok client.test>server.test conn=1 version=TLSv1.3\n");
}

static void test_tls_broken_server_fails(void **state)
{
	struct fx *fx = *state;
	fx->srv->tls_broken = true;
	struct conn *c = connect_and_settle(fx, SIM_MS(20));
	fx->mark = fx->jsonl.len; /* not cleared: a conn's first event implies later fields */
	sb_clear(&fx->log);
	net_tls_start(c);
	sim_run(fx->sim, 0);
	assert_non_null(strstr(fx->log.data, "40000 srv tls fail\n"));
	assert_non_null(strstr(fx->log.data, "40000 cli tls fail\n"));
	assert_int_equal(fx->log.len, strlen("40000 srv tls fail\n") * 2);
	assert_false(c->tls);
	expect_trace(fx, "20000 tls.start client.test>server.test conn=1\n"
			 "40000 tls.fail client.test>server.test conn=1 "
			 "reason=handshake failure (alert 40)\n");
}

/* ---- datagrams -------------------------------------------------------------------------- */

static void test_datagrams(void **state)
{
	struct fx *fx = *state;
	host_bind_dgram(fx->srv, 53, dgram_recv, fx);
	host_bind_dgram(fx->far, 53, dgram_recv, fx);
	net_set_link_latency(fx->sim->net, "client.test", "far.test", SIM_MS(70));
	static const uint8_t q[] = "query";
	net_dgram_send(fx->sim, fx->cli, 40053, "10.0.0.2", 53, q, 5);  /* arrives */
	net_dgram_send(fx->sim, fx->cli, 40053, "10.0.0.2", 54, q, 5);  /* unbound port */
	net_dgram_send(fx->sim, fx->cli, 40053, "10.9.9.9", 53, q, 5);  /* nobody */
	net_dgram_send(fx->sim, fx->cli, 40054, "10.0.0.3", 53, q, 3);  /* over the slow link */
	sim_run(fx->sim, 0);
	expect_log(fx, "10000 server.test dgram from 10.0.0.1:40053 \"query\"\n"
		       "70000 far.test dgram from 10.0.0.1:40054 \"que\"\n");
	expect_trace(fx, ""); /* datagrams are traced by the protocols, not the net */
}

static void test_datagram_to_down_host_vanishes(void **state)
{
	struct fx *fx = *state;
	host_bind_dgram(fx->srv, 53, dgram_recv, fx);
	fx->srv->down = true;
	net_dgram_send(fx->sim, fx->cli, 40053, "10.0.0.2", 53, (const uint8_t *)"q", 1);
	sim_run(fx->sim, 0);
	expect_log(fx, "");
}

/* ---- names ------------------------------------------------------------------------------- */

/* Live mode: a released injected connection is freed once both sides are
 * closed, the server detached and nothing is on its way; one still busy
 * is kept. */
static void test_released_injected_connections_are_freed(void **state)
{
	struct fx *fx = *state;
	static const struct conn_ops none = {0};
	net_set_host_latency(fx->sim, fx->cli, fx->srv, 0);
	for (int i = 0; i < 1000; i++) {
		struct conn *c = net_inject(fx->sim, fx->cli, fx->srv, 25, &cli_ops, fx);
		assert_non_null(c);
		net_send(c, SIDE_CLIENT, "QUIT\r\n", 6);
		net_close(c, SIDE_CLIENT);
		sim_run(fx->sim, 0);
		net_close(c, SIDE_SERVER);
		c->ops[SIDE_SERVER] = &none; /* what session_free does */
		c->ctx[SIDE_SERVER] = NULL;
		net_release(c);
		sim_run(fx->sim, 0);
		net_reap(fx->sim);
	}
	assert_int_equal(net_conn_count(fx->sim), 0);
	struct conn *busy = net_inject(fx->sim, fx->cli, fx->srv, 25, &cli_ops, fx);
	net_close(busy, SIDE_CLIENT);
	net_release(busy);
	net_reap(fx->sim); /* the server side is still open and attached */
	assert_int_equal(net_conn_count(fx->sim), 1);
}

static void test_ip_names_and_roles(void **state)
{
	struct fx *fx = *state;
	assert_string_equal(net_ip_name(fx->sim, "10.0.0.2"), "server.test");
	assert_string_equal(net_ip_name(fx->sim, "10.9.9.9"), "10.9.9.9");
	assert_ptr_equal(sim_host_by_name(fx->sim, "Far.Test"), fx->far);
	assert_null(sim_host_by_name(fx->sim, "nowhere.test"));
	assert_int_equal(conn_other(SIDE_CLIENT), SIDE_SERVER);
	assert_int_equal(conn_other(SIDE_SERVER), SIDE_CLIENT);
	static const char *const want[] = {"client", "mta", "dns", "filter", "mailbox"};
	for (int i = 0; i < ROLE__COUNT; i++)
		assert_string_equal(host_role_names[i], want[i]);
	assert_null(host_role_names[ROLE__COUNT]);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_connect_accept_then_connected),
		T(test_greeting_from_accept_arrives_after_connected),
		T(test_link_latency_overrides_default),
		T(test_default_latency_setting),
		T(test_no_listener_refused_after_round_trip),
		T(test_unknown_ip_times_out_after_30s),
		T(test_down_host_times_out),
		T(test_connect_timeout_setting),
		T(test_data_arrives_after_latency_in_order),
		T(test_data_during_tls_handshake_waits_for_it),
		T(test_send_line_appends_crlf_and_traces),
		T(test_send_line_after_tls_is_marked),
		T(test_send_block_traces_one_event),
		T(test_close_reaches_peer_after_latency),
		T(test_sends_after_close_are_dropped),
		T(test_burst_shares_an_event_but_arrives_line_by_line),
		T(test_burst_stops_at_a_close),
		T(test_close_before_accept_leaves_server_nothing_open),
		T(test_tls_ok_after_round_trip),
		T(test_tls_broken_server_fails),
		T(test_datagrams),
		T(test_datagram_to_down_host_vanishes),
		T(test_ip_names_and_roles),
		T(test_released_injected_connections_are_freed),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
