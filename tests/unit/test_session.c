/* test_session.c — the session adapter between protocol engines and the
 * simulated network.
 *
 * Two hosts (client.test, server.test on the default latency); the server
 * accepts port 25 with an smtpd session, as the MTA does. Checked through
 * the trace (condensed to "kind dir line" / "kind dir bytes lines summary"
 * lines) and through what the owner heard:
 *  - a simulated smtpc client: each line traced once, by its sender;
 *  - a connection injected from outside (live mode): the server's session
 *    traces what its smtpd read — a pipelined group before its replies,
 *    NUL as U+2400, an overlong line cut to 512 octets with its real
 *    length, one smtp.data per message with wire octets and lines;
 *  - a pending policy answer makes the session busy; the idle timer runs
 *    the engine's timeout; the engine's close reaches the owner. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "session.h"
#include "sim.h"
#include "smtpc.h"
#include "smtpd.h"
#include "trace_expand.h"
#include "util.h"

struct fx {
	struct sim *sim;
	struct host *cli, *srv;
	struct strbuf jsonl;
	struct session *srv_sess;   /* the server's session, once accepted */
	int64_t srv_timeout;
	bool pend_mail;             /* the MAIL hook answers later */
	int closes;                 /* owner close calls (server) */
	struct strbuf client_got;   /* bytes the injected client received */
	bool client_closed;
	int smtpc_done;             /* 1 ok, -1 failed */
};

static struct fx *g_fx;

/* ---- the server: smtpd behind a session ------------------------------------- */

static void srv_check(void *ud, enum smtpd_hook hook, const struct smtpd_txn *txn, const char *arg,
		      const char *arg2, struct smtp_reply *reply)
{
	if (hook == SMTPD_HOOK_MAIL && g_fx->pend_mail)
		reply->pending = true;
}

static void srv_close(void *ctx)
{
	struct fx *fx = ctx;
	fx->closes++;
	session_stop(fx->srv_sess);
	session_hangup(fx->srv_sess);
}

static const struct smtpd_callbacks srv_cb = {
	.send_line = session_cb_send_line,
	.close = session_cb_close,
	.start_tls = session_cb_start_tls,
	.check = srv_check,
	.received = session_cb_received_line,
	.received_data = session_cb_received_data,
};

static const struct session_owner srv_owner = {.close = srv_close, .closed = srv_close};

static void srv_accept(void *ctx, struct conn *c)
{
	struct fx *fx = ctx;
	struct session_config sc = {.line_kind = TK_SMTP_SEND, .data_kind = TK_SMTP_DATA,
				    .timeout = fx->srv_timeout};
	fx->srv_sess = session_new(fx->sim, &sc, &srv_owner, fx);
	struct smtpd_config cfg = {.hostname = "server.test"};
	session_set_engine(fx->srv_sess, &session_smtpd_engine,
			   smtpd_new(&cfg, &srv_cb, fx->srv_sess));
	session_accept(fx->srv_sess, c);
}

/* ---- fixture ---------------------------------------------------------------------- */

static int setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof *fx);
	fx->sim = sim_new(1, 0);
	net_new(fx->sim); /* the network hangs on the context (freed by sim_free) */
	fx->cli = sim_add_host(fx->sim, "client.test", "10.0.0.1", ROLE_CLIENT);
	fx->srv = sim_add_host(fx->sim, "server.test", "10.0.0.2", ROLE_MTA);
	host_listen(fx->srv, 25, srv_accept, fx);
	sb_init(&fx->jsonl);
	sb_puts(&fx->jsonl, "");
	sb_init(&fx->client_got);
	sb_puts(&fx->client_got, "");
	trace_set_buffer(fx->sim->trace, &fx->jsonl);
	g_fx = fx;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	session_free(fx->srv_sess);
	sim_free(fx->sim);
	sb_free(&fx->jsonl);
	sb_free(&fx->client_got);
	free(fx);
	g_fx = NULL;
	return 0;
}

/* The protocol events of the trace, one line each:
 * "smtp.send c2s <line>[ octets=N]" or "smtp.data c2s <bytes> <lines> <summary>". */
static char *wire_summary(struct fx *fx)
{
	struct strbuf out;
	sb_init(&out);
	sb_puts(&out, "");
	trace_flush(fx->sim->trace);
	cJSON **all = NULL;
	size_t n = 0;
	for (const char *p = fx->jsonl.data ? fx->jsonl.data : ""; *p; n++) {
		const char *nl = strchr(p, '\n');
		all = xrealloc(all, (n + 1) * sizeof *all);
		all[n] = cJSON_ParseWithLength(p, (size_t)(nl - p));
		p = nl + 1;
	}
	trace_expand_events(&all, &n); /* folded lines one by one */
	for (size_t i = 0; i < n; i++) {
		cJSON *ev = all[i];
		const char *kind = cJSON_GetObjectItem(ev, "kind")->valuestring;
		const cJSON *dir = cJSON_GetObjectItem(ev, "dir");
		if (strcmp(kind, "smtp.send") == 0) {
			sb_printf(&out, "%s %s %s", kind, dir->valuestring,
				  cJSON_GetObjectItem(ev, "line")->valuestring);
			const cJSON *oct = cJSON_GetObjectItem(ev, "octets");
			if (oct)
				sb_printf(&out, " octets=%d", oct->valueint);
			sb_putc(&out, '\n');
		} else if (strcmp(kind, "smtp.data") == 0) {
			sb_printf(&out, "%s %s %d %d %s\n", kind, dir->valuestring,
				  cJSON_GetObjectItem(ev, "bytes")->valueint,
				  cJSON_GetObjectItem(ev, "lines")->valueint,
				  cJSON_GetObjectItem(ev, "summary")->valuestring);
		}
		cJSON_Delete(ev);
	}
	free(all);
	return out.data;
}

static void expect_wire(struct fx *fx, const char *want)
{
	char *got = wire_summary(fx);
	if (strcmp(got, want) != 0)
		fail_msg("trace:\n--- got:\n%s--- want:\n%s", got, want);
	free(got);
}

/* ---- a simulated client ------------------------------------------------------------ */

static void smtpc_done_cb(void *ud, const struct smtpc_result *res)
{
	g_fx->smtpc_done = res->session_failed ? -1 : 1;
}

static const struct smtpc_callbacks cli_cb = {
	.send_line = session_cb_send_line,
	.send_data = session_cb_send_data,
	.start_tls = session_cb_start_tls,
	.done = smtpc_done_cb,
	.close = session_cb_close,
};

static void cli_summary(void *ctx, const char *bytes, size_t len, char *sum, size_t cap,
			const char **tag)
{
	snprintf(sum, cap, "Subject: hi");
}

static const struct session_owner cli_owner = {.summary = cli_summary};

static void test_simulated_client_traces_its_own_lines(void **state)
{
	struct fx *fx = *state;
	struct session_config sc = {.line_kind = TK_SMTP_SEND, .data_kind = TK_SMTP_DATA};
	struct session *s = session_new(fx->sim, &sc, &cli_owner, fx);
	struct smtpc_config cfg = {.helo_name = "client.test"};
	struct smtpc *c = smtpc_new(&cfg, &cli_cb, s);
	session_set_engine(s, &session_smtpc_engine, c);
	const char *rcpt = "bob@server.test";
	const char msg[] = "Subject: hi\r\n\r\nbody\r\n";
	smtpc_set_message(c, "alice@client.test", &rcpt, 1, msg, sizeof msg - 1);
	session_connect(s, fx->cli, "10.0.0.2", 25);
	sim_run(fx->sim, 0);
	assert_int_equal(fx->smtpc_done, 1);
	/* Every line once: the server's session does not trace what it read
	 * from a simulated client (the client did, when it sent it). */
	expect_wire(fx, "smtp.send s2c 220 server.test ESMTP mailsim\n"
			"smtp.send c2s EHLO client.test\n"
			"smtp.send s2c 250-server.test\n"
			"smtp.send s2c 250-PIPELINING\n"
			"smtp.send s2c 250-SIZE\n"
			"smtp.send s2c 250-ENHANCEDSTATUSCODES\n"
			"smtp.send s2c 250 8BITMIME\n"
			"smtp.send c2s MAIL FROM:<alice@client.test> SIZE=21\n"
			"smtp.send c2s RCPT TO:<bob@server.test>\n"
			"smtp.send c2s DATA\n"
			"smtp.send s2c 250 2.1.0 Ok\n"
			"smtp.send s2c 250 2.1.5 Ok\n"
			"smtp.send s2c 354 End data with <CR><LF>.<CR><LF>\n"
			"smtp.data c2s 24 3 Subject: hi\n"
			"smtp.send s2c 250 2.0.0 Ok: queued\n"
			"smtp.send c2s QUIT\n"
			"smtp.send s2c 221 2.0.0 Bye\n");
	assert_int_equal(fx->closes, 1);
	session_free(s);
}

/* ---- a client from outside (live mode) -------------------------------------------- */

static void ext_data(void *ctx, struct conn *c, const char *d, size_t n)
{
	sb_append(&g_fx->client_got, d, n);
}

static void ext_closed(void *ctx, struct conn *c)
{
	g_fx->client_closed = true;
}

static const struct conn_ops ext_ops = {.data = ext_data, .closed = ext_closed};

/* Let what is in flight arrive (a live peer has zero latency). */
static void settle(struct fx *fx)
{
	sim_run_until(fx->sim, fx->sim->now + SIM_MS(100));
}

static struct conn *inject(struct fx *fx)
{
	struct host *live = sim_add_host(fx->sim, "live-1.client", "127.0.0.1", ROLE_CLIENT);
	struct conn *c = net_inject(fx->sim, live, fx->srv, 25, &ext_ops, fx);
	assert_non_null(c);
	settle(fx);
	return c;
}

static void say(struct fx *fx, struct conn *c, const char *bytes, size_t len)
{
	net_send(c, SIDE_CLIENT, bytes, len);
	settle(fx);
}

static void test_live_server_traces_what_it_read(void **state)
{
	struct fx *fx = *state;
	struct conn *c = inject(fx);
	assert_ptr_equal(session_of(c, SIDE_SERVER), fx->srv_sess);
	assert_null(session_of(c, SIDE_CLIENT));
	static const char group[] = "EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n";
	say(fx, c, group, sizeof group - 1);
	static const char text[] = "Subject: Live\r\n\r\n..dot\nbare\r\n.\r\n";
	say(fx, c, text, sizeof text - 1);
	static const char nul[] = "NOOP\0x\r\n";
	say(fx, c, nul, sizeof nul - 1);
	char longline[700];
	memset(longline, 'A', 600);
	memcpy(longline + 600, "\r\nQUIT\r\n", 8);
	say(fx, c, longline, 608);
	char want_long[600];
	memset(want_long, 'A', 512);
	want_long[512] = '\0';
	char want[4096];
	snprintf(want, sizeof want,
		 "smtp.send s2c 220 server.test ESMTP mailsim\n"
		 /* the group as it came, then its replies (RFC 2920 §3.1) */
		 "smtp.send c2s EHLO x\n"
		 "smtp.send c2s MAIL FROM:<a@x>\n"
		 "smtp.send c2s RCPT TO:<b@y>\n"
		 "smtp.send c2s DATA\n"
		 "smtp.send s2c 250-server.test\n"
		 "smtp.send s2c 250-PIPELINING\n"
		 "smtp.send s2c 250-SIZE\n"
		 "smtp.send s2c 250-ENHANCEDSTATUSCODES\n"
		 "smtp.send s2c 250 8BITMIME\n"
		 "smtp.send s2c 250 2.1.0 Ok\n"
		 "smtp.send s2c 250 2.1.5 Ok\n"
		 "smtp.send s2c 354 End data with <CR><LF>.<CR><LF>\n"
		 /* wire octets with the final ".\r\n"; the "." line not counted */
		 "smtp.data c2s %zu 4 Subject: Live\n"
		 "smtp.send s2c 250 2.0.0 Ok: queued\n"
		 "smtp.send c2s NOOP\xe2\x90\x80x\n"
		 "smtp.send s2c 500 5.5.2 Error: bad syntax\n"
		 "smtp.send c2s %s octets=600\n"
		 "smtp.send c2s QUIT\n"
		 "smtp.send s2c 500 5.5.2 Error: line too long\n"
		 "smtp.send s2c 221 2.0.0 Bye\n",
		 sizeof text - 1, want_long);
	expect_wire(fx, want);
	assert_true(fx->client_closed);
	assert_int_equal(fx->closes, 1);
	assert_non_null(strstr(fx->client_got.data, "221 2.0.0 Bye\r\n"));
}

static void test_busy_while_an_answer_is_pending(void **state)
{
	struct fx *fx = *state;
	fx->pend_mail = true;
	struct conn *c = inject(fx);
	static const char helo[] = "HELO x\r\n";
	say(fx, c, helo, sizeof helo - 1);
	assert_false(session_busy(fx->srv_sess));
	static const char group[] = "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n";
	say(fx, c, group, sizeof group - 1);
	assert_true(session_busy(fx->srv_sess));
	struct smtp_reply r;
	smtp_reply_set(&r, 250, "2.1.0", "Ok");
	smtpd_resume(session_engine(fx->srv_sess), &r);
	settle(fx);
	assert_false(session_busy(fx->srv_sess));
	/* A HELO session: no enhanced codes [RFC 2034 §4]. */
	assert_non_null(strstr(fx->client_got.data, "250 server.test\r\n250 Ok\r\n250 Ok\r\n"));
}

static void test_idle_timer_runs_the_engine_timeout(void **state)
{
	struct fx *fx = *state;
	fx->srv_timeout = SIM_US(5);
	struct conn *c = inject(fx);
	sim_run_until(fx->sim, SIM_US(3));
	static const char noop[] = "NOOP\r\n";
	say(fx, c, noop, sizeof noop - 1);
	/* Input re-armed the timer: still open 5 s after the greeting... */
	sim_run_until(fx->sim, SIM_US(7));
	assert_false(fx->client_closed);
	/* ...and 5 s after the NOOP: 421 and the server closes. */
	sim_run_until(fx->sim, SIM_US(8) + SIM_MS(200));
	assert_non_null(strstr(fx->client_got.data,
			       "421 server.test Error: timeout exceeded\r\n"));
	assert_true(fx->client_closed);
	assert_int_equal(fx->closes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_simulated_client_traces_its_own_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_server_traces_what_it_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_while_an_answer_is_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_timer_runs_the_engine_timeout, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
