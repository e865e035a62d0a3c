/* test_smtpc.c — the SMTP client engine: back to back against smtpd (wired
 * through byte queues like a socket pair, and once wired directly so every
 * callback re-enters the other engine), and against a scripted fake server
 * for the replies a well-behaved smtpd never gives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc.h"
#include "smtpd.h"

#define MAXR 8

struct wire {
	struct smtpc *c;
	struct smtpd *s;          /* NULL: the test script plays the server */
	bool sync;                /* wire callbacks straight into the peer */
	struct strbuf c2s, s2c;   /* bytes in flight */
	struct strbuf log;        /* back-to-back transcript, one "C: "/"S: " line each */
	char **ev;                /* client events (fake-server mode) */
	size_t nev, cap, seen;
	struct strbuf states;
	bool cli_tls_wait, srv_tls_wait, tls_ok, cli_closed, srv_closed;
	/* client outcome */
	int done_calls;
	struct smtpc_result res;
	struct smtpc_rcpt_result rr[MAXR];
	char rnames[MAXR][80];
	/* server side */
	int connect_code;
	struct smtp_reply message_reply; /* code 0: default */
	int message_calls;
	struct strbuf message;
	bool msg_tls;
	char msg_auth[64], msg_body[16];
};

static void push_ev(struct wire *w, const char *s)
{
	if (w->nev == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->ev = xrealloc(w->ev, w->cap * sizeof *w->ev);
	}
	w->ev[w->nev++] = xstrdup(s);
}

static void maybe_tls(struct wire *w)
{
	if (!w->cli_tls_wait || (w->s && !w->srv_tls_wait))
		return;
	w->cli_tls_wait = w->srv_tls_wait = false;
	if (w->s)
		smtpd_tls_done(w->s, w->tls_ok);
	smtpc_tls_done(w->c, w->tls_ok);
}

/* ---- client callbacks ---- */

static void c_send_line(void *ud, const char *line)
{
	struct wire *w = ud;
	sb_printf(&w->log, "C: %s\n", line);
	push_ev(w, line);
	if (!w->s)
		return;
	if (w->sync) {
		smtpd_feed(w->s, line, strlen(line));
		smtpd_feed(w->s, "\r\n", 2);
	} else {
		sb_puts(&w->c2s, line);
		sb_puts(&w->c2s, "\r\n");
	}
}

static void c_send_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	struct wire *w = ud;
	char *ev = xasprintf("<data>%.*s", (int)len, bytes);
	sb_printf(&w->log, "C: <data %zu bytes, %zu lines>\n", len, nlines);
	push_ev(w, ev);
	free(ev);
	if (!w->s)
		return;
	if (w->sync)
		smtpd_feed(w->s, bytes, len);
	else
		sb_append(&w->c2s, bytes, len);
}

static void c_start_tls(void *ud)
{
	struct wire *w = ud;
	sb_puts(&w->log, "C: <tls>\n");
	push_ev(w, "<tls>");
	w->cli_tls_wait = true;
	if (w->s)
		maybe_tls(w);
}

static void c_close(void *ud)
{
	struct wire *w = ud;
	sb_puts(&w->log, "C: <close>\n");
	push_ev(w, "<close>");
	w->cli_closed = true;
}

static void c_done(void *ud, const struct smtpc_result *res)
{
	struct wire *w = ud;
	w->done_calls++;
	w->res = *res;
	assert_true(res->nrcpts <= MAXR);
	for (size_t i = 0; i < res->nrcpts; i++) {
		w->rr[i] = res->rcpts[i];
		snprintf(w->rnames[i], sizeof w->rnames[i], "%s", res->rcpts[i].rcpt);
		w->rr[i].rcpt = w->rnames[i];
	}
	w->res.rcpts = w->rr;
	push_ev(w, "<done>");
}

static void c_state(void *ud, const char *from, const char *to)
{
	struct wire *w = ud;
	sb_printf(&w->states, "%s>%s ", from, to);
}

static const struct smtpc_callbacks client_cb = {
	.send_line = c_send_line, .send_data = c_send_data, .start_tls = c_start_tls,
	.done = c_done, .close = c_close, .state = c_state,
};

/* ---- server callbacks ---- */

static void s_send_line(void *ud, const char *line)
{
	struct wire *w = ud;
	sb_printf(&w->log, "S: %s\n", line);
	if (w->sync) {
		smtpc_feed(w->c, line, strlen(line));
		smtpc_feed(w->c, "\r\n", 2);
	} else {
		sb_puts(&w->s2c, line);
		sb_puts(&w->s2c, "\r\n");
	}
}

static void s_close(void *ud)
{
	struct wire *w = ud;
	sb_puts(&w->log, "S: <close>\n");
	w->srv_closed = true;
}

static void s_start_tls(void *ud)
{
	struct wire *w = ud;
	sb_puts(&w->log, "S: <tls>\n");
	w->srv_tls_wait = true;
	maybe_tls(w);
}

static void s_check(void *ud, enum smtpd_hook hook, const struct smtpd_txn *t, const char *arg,
		    const char *arg2, struct smtp_reply *r)
{
	struct wire *w = ud;
	if (hook == SMTPD_HOOK_CONNECT && w->connect_code == 421)
		smtp_reply_set(r, 421, "4.3.2", "mx.example.net Service not available, closing transmission channel");
	if (hook == SMTPD_HOOK_CONNECT && w->connect_code == 554)
		smtp_reply_set(r, 554, "5.7.1", "mx.example.net No SMTP service here");
	if (hook == SMTPD_HOOK_AUTH && strcmp(arg, "alice") == 0 && strcmp(arg2, "secret") == 0)
		smtp_reply_set(r, 235, "2.7.0", "Authentication successful");
	if (hook == SMTPD_HOOK_MAIL && strncmp(arg, "spammer@", 8) == 0)
		smtp_reply_set(r, 550, "5.7.1", "<%s>: Sender address rejected: Access denied", arg);
	if (hook == SMTPD_HOOK_RCPT) {
		const char *at = strchr(arg, '@');
		if (at && strcmp(at + 1, "example.net") != 0 && !t->auth_user)
			smtp_reply_set(r, 554, "5.7.1", "<%s>: Relay access denied", arg);
		else if (strncmp(arg, "nobody@", 7) == 0)
			smtp_reply_set(r, 550, "5.1.1",
				       "<%s>: Recipient address rejected: User unknown in local recipient table", arg);
	}
	if (hook == SMTPD_HOOK_MESSAGE) {
		w->message_calls++;
		sb_clear(&w->message);
		sb_append(&w->message, t->data, t->data_len);
		w->msg_tls = t->tls;
		snprintf(w->msg_auth, sizeof w->msg_auth, "%s", t->auth_user ? t->auth_user : "");
		snprintf(w->msg_body, sizeof w->msg_body, "%s", t->body_type);
		if (w->message_reply.code)
			*r = w->message_reply;
		else
			smtp_reply_set(r, 250, "2.0.0", "Ok: queued as 4VB3KQ1XYZ");
	}
}

static const struct smtpd_callbacks server_cb = {
	.send_line = s_send_line, .close = s_close, .start_tls = s_start_tls, .check = s_check,
};

/* ---- set-up and pumping ---- */

static const char *const three_rcpts[] = {"bob@example.net", "nobody@example.net", "dave@example.net"};
static const char message[] = "Subject: test\r\n\r\nHello\r\n.dot line\r\n";

static struct smtpd_config server_config(void)
{
	struct smtpd_config cfg = {.hostname = "mx.example.net", .size_limit = 10240000};
	return cfg;
}

static struct smtpc_config client_config(void)
{
	struct smtpc_config cfg = {.helo_name = "client.example.org"};
	return cfg;
}

static void wire_init(struct wire *w, const struct smtpc_config *ccfg, const struct smtpd_config *scfg)
{
	memset(w, 0, sizeof *w);
	sb_init(&w->c2s);
	sb_init(&w->s2c);
	sb_init(&w->log);
	sb_init(&w->states);
	sb_init(&w->message);
	w->tls_ok = true;
	w->c = smtpc_new(ccfg, &client_cb, w);
	if (scfg)
		w->s = smtpd_new(scfg, &server_cb, w);
}

static void wire_free(struct wire *w)
{
	smtpc_free(w->c);
	smtpd_free(w->s);
	for (size_t i = 0; i < w->nev; i++)
		free(w->ev[i]);
	free(w->ev);
	sb_free(&w->c2s);
	sb_free(&w->s2c);
	sb_free(&w->log);
	sb_free(&w->states);
	sb_free(&w->message);
}

/* Deliver bytes in flight until both sides are quiet; a side that closed is
 * seen by the other as a disconnect once its bytes are delivered. */
static void pump(struct wire *w)
{
	for (;;) {
		if (w->s2c.len) {
			size_t n = w->s2c.len;
			char *b = sb_steal(&w->s2c);
			smtpc_feed(w->c, b, n);
			free(b);
		} else if (w->c2s.len) {
			size_t n = w->c2s.len;
			char *b = sb_steal(&w->c2s);
			smtpd_feed(w->s, b, n);
			free(b);
		} else if (w->srv_closed && !smtpc_finished(w->c)) {
			smtpc_disconnected(w->c);
		} else if (w->cli_closed && !smtpd_closed(w->s)) {
			smtpd_disconnected(w->s);
		} else {
			break;
		}
	}
}

static void run_back_to_back(struct wire *w, const char *from, const char *const *rcpts, size_t n,
			     const char *msg)
{
	smtpc_set_message(w->c, from, rcpts, n, msg, strlen(msg));
	smtpd_start(w->s);
	if (!w->sync)
		pump(w);
	assert_int_equal(w->done_calls, 1);
}

static void expect_log(struct wire *w, const char *want)
{
	if (strcmp(w->log.data, want) != 0)
		fail_msg("transcript:\n--- got ---\n%s--- want ---\n%s", w->log.data, want);
}

static void expect_rcpt(const struct wire *w, size_t i, const char *rcpt, enum smtp_class cls, int code,
			const char *enh)
{
	const struct smtpc_rcpt_result *r = &w->res.rcpts[i];
	if (strcmp(r->rcpt, rcpt) != 0 || r->cls != cls || r->reply.code != code || strcmp(r->reply.enh, enh) != 0)
		fail_msg("rcpt %zu: got %s %s %d %s, want %s %s %d %s", i, r->rcpt, smtp_class_name(r->cls),
			 r->reply.code, r->reply.enh, rcpt, smtp_class_name(cls), code, enh);
}

static void expect_result(const struct wire *w, bool failed, enum smtpc_stage st, int code,
			  enum smtp_class cls, const char *text)
{
	const struct smtpc_result *r = &w->res;
	if (r->session_failed != failed || r->stage != st || r->reply.code != code || r->cls != cls ||
	    strcmp(r->reply.text, text) != 0)
		fail_msg("result: got failed=%d %s %d %s '%s', want failed=%d %s %d %s '%s'", r->session_failed,
			 smtpc_stage_name(r->stage), r->reply.code, smtp_class_name(r->cls), r->reply.text, failed,
			 smtpc_stage_name(st), code, smtp_class_name(cls), text);
}

#define EHLO_LINES                                                                              \
	"S: 250-mx.example.net\nS: 250-PIPELINING\nS: 250-SIZE 10240000\n"                          \
	"S: 250-ENHANCEDSTATUSCODES\nS: 250 8BITMIME\n"

/* ---- back to back --------------------------------------------------------------- */

static void test_full_transaction_pipelined(void **state)
{
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	struct wire w;
	wire_init(&w, &cc, &sc);
	run_back_to_back(&w, "alice@example.org", three_rcpts, 3, message);
	expect_log(&w,
		   "S: 220 mx.example.net ESMTP mailsim\n"
		   "C: EHLO client.example.org\n" EHLO_LINES
		   "C: MAIL FROM:<alice@example.org> SIZE=35\n"
		   "C: RCPT TO:<bob@example.net>\n"
		   "C: RCPT TO:<nobody@example.net>\n"
		   "C: RCPT TO:<dave@example.net>\n"
		   "C: DATA\n"
		   "S: 250 2.1.0 Ok\n"
		   "S: 250 2.1.5 Ok\n"
		   "S: 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table\n"
		   "S: 250 2.1.5 Ok\n"
		   "S: 354 End data with <CR><LF>.<CR><LF>\n"
		   "C: <data 39 bytes, 4 lines>\n"
		   "S: 250 2.0.0 Ok: queued as 4VB3KQ1XYZ\n"
		   "C: QUIT\n"
		   "S: 221 2.0.0 Bye\n"
		   "S: <close>\n"
		   "C: <close>\n");
	expect_result(&w, false, SMTPC_STAGE_DOT, 250, SMTP_CLASS_OK, "Ok: queued as 4VB3KQ1XYZ");
	assert_string_equal(w.res.reply.enh, "2.0.0");
	assert_int_equal(w.res.nrcpts, 3);
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_OK, 250, "2.0.0");
	expect_rcpt(&w, 1, "nobody@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
	expect_rcpt(&w, 2, "dave@example.net", SMTP_CLASS_OK, 250, "2.0.0");
	assert_true(w.res.used_pipelining);
	assert_false(w.res.used_tls);
	assert_false(w.res.used_auth);
	assert_int_equal(w.message_calls, 1);
	assert_string_equal(w.message.data, message);
	assert_string_equal(w.states.data, "GREETING>EHLO EHLO>MAIL MAIL>RCPT RCPT>DATA DATA>DOT DOT>QUIT QUIT>CLOSED ");
	assert_true(smtpd_closed(w.s));
	wire_free(&w);
}

static const char lockstep_tail[] =
	"C: MAIL FROM:<alice@example.org> SIZE=35\n"
	"S: 250 2.1.0 Ok\n"
	"C: RCPT TO:<bob@example.net>\n"
	"S: 250 2.1.5 Ok\n"
	"C: RCPT TO:<nobody@example.net>\n"
	"S: 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table\n"
	"C: RCPT TO:<dave@example.net>\n"
	"S: 250 2.1.5 Ok\n"
	"C: DATA\n"
	"S: 354 End data with <CR><LF>.<CR><LF>\n"
	"C: <data 39 bytes, 4 lines>\n"
	"S: 250 2.0.0 Ok: queued as 4VB3KQ1XYZ\n"
	"C: QUIT\n"
	"S: 221 2.0.0 Bye\n"
	"S: <close>\n"
	"C: <close>\n";

static void test_no_pipelining(void **state)
{
	for (int client_side = 0; client_side < 2; client_side++) {
		struct smtpc_config cc = client_config();
		struct smtpd_config sc = server_config();
		cc.no_pipelining = client_side;
		sc.no_pipelining = !client_side;
		struct wire w;
		wire_init(&w, &cc, &sc);
		run_back_to_back(&w, "alice@example.org", three_rcpts, 3, message);
		char *want = xasprintf("S: 220 mx.example.net ESMTP mailsim\nC: EHLO client.example.org\n%s%s",
				       client_side ? EHLO_LINES
						   : "S: 250-mx.example.net\nS: 250-SIZE 10240000\n"
						     "S: 250-ENHANCEDSTATUSCODES\nS: 250 8BITMIME\n",
				       lockstep_tail);
		expect_log(&w, want);
		free(want);
		assert_false(w.res.used_pipelining);
		expect_rcpt(&w, 1, "nobody@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
		expect_rcpt(&w, 2, "dave@example.net", SMTP_CLASS_OK, 250, "2.0.0");
		wire_free(&w);
	}
}

static void test_starttls_taken(void **state)
{
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	cc.starttls = true;
	sc.offer_starttls = true;
	struct wire w;
	wire_init(&w, &cc, &sc);
	const char *one[] = {"bob@example.net"};
	run_back_to_back(&w, "alice@example.org", one, 1, message);
	expect_log(&w,
		   "S: 220 mx.example.net ESMTP mailsim\n"
		   "C: EHLO client.example.org\n"
		   "S: 250-mx.example.net\nS: 250-PIPELINING\nS: 250-SIZE 10240000\nS: 250-STARTTLS\n"
		   "S: 250-ENHANCEDSTATUSCODES\nS: 250 8BITMIME\n"
		   "C: STARTTLS\n"
		   "S: 220 2.0.0 Ready to start TLS\n"
		   "S: <tls>\n"
		   "C: <tls>\n"
		   "C: EHLO client.example.org\n" EHLO_LINES
		   "C: MAIL FROM:<alice@example.org> SIZE=35\n"
		   "C: RCPT TO:<bob@example.net>\n"
		   "C: DATA\n"
		   "S: 250 2.1.0 Ok\n"
		   "S: 250 2.1.5 Ok\n"
		   "S: 354 End data with <CR><LF>.<CR><LF>\n"
		   "C: <data 39 bytes, 4 lines>\n"
		   "S: 250 2.0.0 Ok: queued as 4VB3KQ1XYZ\n"
		   "C: QUIT\n"
		   "S: 221 2.0.0 Bye\n"
		   "S: <close>\n"
		   "C: <close>\n");
	assert_true(w.res.used_tls);
	assert_true(w.msg_tls);
	assert_string_equal(w.states.data, "GREETING>EHLO EHLO>STARTTLS STARTTLS>TLS TLS>EHLO EHLO>MAIL "
					   "MAIL>RCPT RCPT>DATA DATA>DOT DOT>QUIT QUIT>CLOSED ");
	wire_free(&w);

	/* offered but not wanted: plaintext */
	cc.starttls = false;
	wire_init(&w, &cc, &sc);
	run_back_to_back(&w, "alice@example.org", one, 1, message);
	assert_null(strstr(w.log.data, "C: STARTTLS"));
	assert_false(w.res.used_tls);
	assert_false(w.msg_tls);
	wire_free(&w);
}

static void test_require_tls_not_offered(void **state)
{
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	cc.require_tls = true;
	struct wire w;
	wire_init(&w, &cc, &sc);
	run_back_to_back(&w, "alice@example.org", three_rcpts, 3, message);
	expect_log(&w, "S: 220 mx.example.net ESMTP mailsim\n"
		       "C: EHLO client.example.org\n" EHLO_LINES
		       "C: QUIT\n"
		       "S: 221 2.0.0 Bye\n"
		       "S: <close>\n"
		       "C: <close>\n");
	expect_result(&w, true, SMTPC_STAGE_STARTTLS, 0, SMTP_CLASS_TEMPFAIL,
		      "TLS is required, but was not offered by host");
	for (size_t i = 0; i < 3; i++)
		expect_rcpt(&w, i, three_rcpts[i], SMTP_CLASS_TEMPFAIL, 0, "");
	assert_int_equal(w.message_calls, 0);
	wire_free(&w);
}

static void test_tls_handshake_fails(void **state)
{
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	cc.require_tls = true;
	sc.offer_starttls = true;
	struct wire w;
	wire_init(&w, &cc, &sc);
	w.tls_ok = false;
	run_back_to_back(&w, "alice@example.org", three_rcpts, 1, message);
	expect_result(&w, true, SMTPC_STAGE_TLS, 0, SMTP_CLASS_TEMPFAIL, "TLS handshake failed");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_TEMPFAIL, 0, "");
	assert_true(w.cli_closed);
	assert_true(w.srv_closed);
	assert_null(strstr(w.log.data, "C: QUIT"));
	wire_free(&w);
}

static void test_refused_greetings(void **state)
{
	static const struct {
		int code;
		const char *log;
		enum smtp_class cls;
	} cases[] = {
		{421,
		 "S: 421 mx.example.net Service not available, closing transmission channel\n"
		 "S: <close>\n"
		 "C: <close>\n",
		 SMTP_CLASS_TEMPFAIL},
		{554,
		 "S: 554 mx.example.net No SMTP service here\n"
		 "C: QUIT\n"
		 "S: 221 Bye\n"
		 "S: <close>\n"
		 "C: <close>\n",
		 SMTP_CLASS_PERMFAIL},
	};
	for (size_t i = 0; i < 2; i++) {
		struct smtpc_config cc = client_config();
		struct smtpd_config sc = server_config();
		struct wire w;
		wire_init(&w, &cc, &sc);
		w.connect_code = cases[i].code;
		run_back_to_back(&w, "alice@example.org", three_rcpts, 3, message);
		expect_log(&w, cases[i].log);
		assert_true(w.res.session_failed);
		assert_int_equal(w.res.stage, SMTPC_STAGE_GREETING);
		assert_int_equal(w.res.reply.code, cases[i].code);
		assert_int_equal(w.res.cls, cases[i].cls);
		for (size_t k = 0; k < 3; k++)
			expect_rcpt(&w, k, three_rcpts[k], cases[i].cls, cases[i].code, "");
		wire_free(&w);
	}
}

static void test_auth_back_to_back(void **state)
{
	static const struct {
		const char *pass;
		bool ok;
	} cases[] = {{"secret", true}, {"wrong", false}};
	for (size_t i = 0; i < 2; i++) {
		struct smtpc_config cc = client_config();
		struct smtpd_config sc = server_config();
		cc.auth_user = "alice";
		cc.auth_pass = cases[i].pass;
		sc.submission = true;
		struct wire w;
		wire_init(&w, &cc, &sc);
		const char *rcpt[] = {"carol@example.com"};
		run_back_to_back(&w, "alice@example.org", rcpt, 1, message);
		if (cases[i].ok) {
			assert_non_null(strstr(w.log.data, "C: AUTH PLAIN AGFsaWNlAHNlY3JldA==\n"
							   "S: 235 2.7.0 Authentication successful\n"
							   "C: MAIL FROM:<alice@example.org> SIZE=35\n"));
			expect_result(&w, false, SMTPC_STAGE_DOT, 250, SMTP_CLASS_OK, "Ok: queued as 4VB3KQ1XYZ");
			assert_true(w.res.used_auth);
			assert_string_equal(w.msg_auth, "alice");
		} else {
			assert_non_null(strstr(w.log.data, "S: 535 5.7.8 Error: authentication failed\nC: QUIT\n"));
			expect_result(&w, true, SMTPC_STAGE_AUTH, 535, SMTP_CLASS_PERMFAIL,
				      "Error: authentication failed");
			expect_rcpt(&w, 0, "carol@example.com", SMTP_CLASS_PERMFAIL, 535, "5.7.8");
			assert_false(w.res.used_auth);
		}
		wire_free(&w);
	}
	/* credentials set but no AUTH offered (an MX): carry on without */
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	cc.auth_user = "alice";
	cc.auth_pass = "secret";
	struct wire w;
	wire_init(&w, &cc, &sc);
	const char *rcpt[] = {"bob@example.net"};
	run_back_to_back(&w, "alice@example.org", rcpt, 1, message);
	assert_null(strstr(w.log.data, "AUTH"));
	expect_result(&w, false, SMTPC_STAGE_DOT, 250, SMTP_CLASS_OK, "Ok: queued as 4VB3KQ1XYZ");
	wire_free(&w);
}

static void test_all_rcpts_rejected(void **state)
{
	const char *rcpts[] = {"carol@example.com", "nobody@example.net"};
	for (int pipelined = 0; pipelined < 2; pipelined++) {
		struct smtpc_config cc = client_config();
		struct smtpd_config sc = server_config();
		cc.no_pipelining = !pipelined;
		struct wire w;
		wire_init(&w, &cc, &sc);
		run_back_to_back(&w, "alice@example.org", rcpts, 2, message);
		assert_null(strstr(w.log.data, "<data"));
		/* lock-step never sends DATA; pipelined DATA meets 554 */
		assert_true((strstr(w.log.data, "C: DATA") != NULL) == pipelined);
		if (pipelined)
			assert_non_null(strstr(w.log.data, "S: 554 5.5.1 Error: no valid recipients\nC: QUIT\n"));
		expect_result(&w, false, SMTPC_STAGE_RCPT, 550, SMTP_CLASS_PERMFAIL,
			      "<nobody@example.net>: Recipient address rejected: User unknown in local recipient table");
		expect_rcpt(&w, 0, "carol@example.com", SMTP_CLASS_PERMFAIL, 554, "5.7.1");
		expect_rcpt(&w, 1, "nobody@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
		assert_int_equal(w.message_calls, 0);
		wire_free(&w);
	}
}

static void test_mail_rejected_pipelined(void **state)
{
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	struct wire w;
	wire_init(&w, &cc, &sc);
	const char *rcpts[] = {"bob@example.net", "dave@example.net"};
	run_back_to_back(&w, "spammer@bad.example", rcpts, 2, message);
	assert_non_null(strstr(w.log.data,
			       "S: 550 5.7.1 <spammer@bad.example>: Sender address rejected: Access denied\n"
			       "S: 503 5.5.1 Error: need MAIL command\n"
			       "S: 503 5.5.1 Error: need MAIL command\n"
			       "S: 503 5.5.1 Error: need RCPT command\n"
			       "C: QUIT\n"));
	expect_result(&w, true, SMTPC_STAGE_MAIL, 550, SMTP_CLASS_PERMFAIL,
		      "<spammer@bad.example>: Sender address rejected: Access denied");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_PERMFAIL, 550, "5.7.1");
	expect_rcpt(&w, 1, "dave@example.net", SMTP_CLASS_PERMFAIL, 550, "5.7.1");
	wire_free(&w);
}

static void test_data_refused_at_end(void **state)
{
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	struct wire w;
	wire_init(&w, &cc, &sc);
	smtp_reply_set(&w.message_reply, 552, "5.2.2", "<bob@example.net>: Mailbox full");
	run_back_to_back(&w, "alice@example.org", three_rcpts, 3, message);
	expect_result(&w, false, SMTPC_STAGE_DOT, 552, SMTP_CLASS_PERMFAIL, "<bob@example.net>: Mailbox full");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_PERMFAIL, 552, "5.2.2");
	expect_rcpt(&w, 1, "nobody@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
	expect_rcpt(&w, 2, "dave@example.net", SMTP_CLASS_PERMFAIL, 552, "5.2.2");
	wire_free(&w);
}

static void test_eightbit_body(void **state)
{
	static const char msg8[] = "Subject: caf\xc3\xa9\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\n";
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	struct wire w;
	wire_init(&w, &cc, &sc);
	const char *one[] = {"bob@example.net"};
	run_back_to_back(&w, "", one, 1, msg8);
	char *want = xasprintf("C: MAIL FROM:<> SIZE=%zu BODY=8BITMIME\n", smtp_message_size(msg8, strlen(msg8)));
	assert_non_null(strstr(w.log.data, want));
	free(want);
	assert_string_equal(w.msg_body, "8BITMIME");
	assert_string_equal(w.message.data, "Subject: caf\xc3\xa9\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n");
	wire_free(&w);
}

/* Direct wiring: every send re-enters the peer engine from inside a
 * callback. The outcome must equal the queued wiring's. */
static void test_synchronous_wiring(void **state)
{
	struct smtpc_config cc = client_config();
	struct smtpd_config sc = server_config();
	cc.starttls = true;
	cc.auth_user = "alice";
	cc.auth_pass = "secret";
	sc.offer_starttls = true;
	sc.submission = true;
	sc.auth_tls_only = true;
	const char *rcpts[] = {"bob@example.net", "nobody@example.net", "carol@example.com"};
	char *logs[2];
	for (int sync = 0; sync < 2; sync++) {
		struct wire w;
		wire_init(&w, &cc, &sc);
		w.sync = sync;
		run_back_to_back(&w, "alice@example.org", rcpts, 3, message);
		expect_result(&w, false, SMTPC_STAGE_DOT, 250, SMTP_CLASS_OK, "Ok: queued as 4VB3KQ1XYZ");
		expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_OK, 250, "2.0.0");
		expect_rcpt(&w, 1, "nobody@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
		expect_rcpt(&w, 2, "carol@example.com", SMTP_CLASS_OK, 250, "2.0.0");
		assert_true(w.res.used_tls && w.res.used_auth && w.res.used_pipelining);
		assert_true(w.msg_tls);
		assert_string_equal(w.message.data, message);
		assert_true(smtpd_closed(w.s));
		/* client-side lines, in order, must not depend on the wiring */
		struct strbuf sb;
		sb_init(&sb);
		for (size_t i = 0; i < w.nev; i++)
			sb_printf(&sb, "%s|", w.ev[i]);
		logs[sync] = sb_steal(&sb);
		wire_free(&w);
	}
	assert_string_equal(logs[0], logs[1]);
	free(logs[0]);
	free(logs[1]);
}

/* ---- scripted fake server ------------------------------------------------------- */

/* Steps: "S:reply" feeds reply + CRLF; "R:bytes" feeds raw bytes, "B:bytes"
 * feeds them one at a time; "C:line" / "C:<data>..." / "C:<tls>" / "C:<close>" /
 * "C:<done>" is the next client event; "T:1"/"T:0" TLS result;
 * "!disconnect", "!timeout". No unchecked event may remain. */
static void client_script(struct wire *w, const char *const *script)
{
	for (size_t i = 0; script[i]; i++) {
		const char *st = script[i], *arg = st + 2;
		if (strncmp(st, "S:", 2) == 0) {
			smtpc_feed(w->c, arg, strlen(arg));
			smtpc_feed(w->c, "\r\n", 2);
		} else if (strncmp(st, "R:", 2) == 0) {
			smtpc_feed(w->c, arg, strlen(arg));
		} else if (strncmp(st, "B:", 2) == 0) {
			for (const char *p = arg; *p; p++)
				smtpc_feed(w->c, p, 1);
		} else if (strncmp(st, "T:", 2) == 0) {
			smtpc_tls_done(w->c, arg[0] == '1');
		} else if (strcmp(st, "!disconnect") == 0) {
			smtpc_disconnected(w->c);
		} else if (strcmp(st, "!timeout") == 0) {
			smtpc_timeout(w->c);
		} else if (strncmp(st, "C:", 2) == 0) {
			if (w->seen >= w->nev)
				fail_msg("step %zu: got nothing, want '%s'", i, arg);
			if (strcmp(w->ev[w->seen], arg) != 0)
				fail_msg("step %zu: got '%s', want '%s'", i, w->ev[w->seen], arg);
			w->seen++;
		} else {
			fail_msg("bad step '%s'", st);
		}
	}
	if (w->seen < w->nev)
		fail_msg("unexpected client event '%s'", w->ev[w->seen]);
	assert_int_equal(w->done_calls, 1);
}

static void fake(struct wire *w, const struct smtpc_config *cc, const char *const *rcpts, size_t n,
		 const char *const *script)
{
	wire_init(w, cc, NULL);
	smtpc_set_message(w->c, "alice@example.org", rcpts, n, "Hi\r\n", 4);
	client_script(w, script);
}

static const char *const two_rcpts[] = {"bob@example.net", "dave@example.net"};

static void test_helo_fallback(void **state)
{
	static const char *const script[] = {
		"S:220 old.example.net SMTP ready", "C:EHLO client.example.org",
		"S:502 5.5.1 Error: command not implemented", "C:HELO client.example.org",
		"S:250 old.example.net", "C:MAIL FROM:<alice@example.org>", /* no SIZE: nothing was advertised */
		"S:250 Ok", "C:RCPT TO:<bob@example.net>", "S:250 Ok", "C:RCPT TO:<dave@example.net>",
		"S:250 Ok", "C:DATA", "S:354 go ahead", "C:<data>Hi\r\n.\r\n", "S:250 Ok: queued",
		"C:QUIT", "S:221 Bye", "C:<close>", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, two_rcpts, 2, script);
	expect_result(&w, false, SMTPC_STAGE_DOT, 250, SMTP_CLASS_OK, "Ok: queued");
	assert_false(w.res.used_pipelining);
	wire_free(&w);
}

static void test_data_354_then_552(void **state)
{
	static const char *const script[] = {
		"S:220 mx.example.net ESMTP", "C:EHLO client.example.org", "S:250-mx.example.net",
		"S:250 ENHANCEDSTATUSCODES", "C:MAIL FROM:<alice@example.org>", "S:250 2.1.0 Ok",
		"C:RCPT TO:<bob@example.net>", "S:250 2.1.5 Ok", "C:RCPT TO:<dave@example.net>",
		"S:250 2.1.5 Ok", "C:DATA", "S:354 End data with <CR><LF>.<CR><LF>", "C:<data>Hi\r\n.\r\n",
		"S:552 5.3.4 Message size exceeds fixed limit", "C:QUIT", "S:221 2.0.0 Bye", "C:<close>", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, two_rcpts, 2, script);
	expect_result(&w, false, SMTPC_STAGE_DOT, 552, SMTP_CLASS_PERMFAIL, "Message size exceeds fixed limit");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_PERMFAIL, 552, "5.3.4");
	expect_rcpt(&w, 1, "dave@example.net", SMTP_CLASS_PERMFAIL, 552, "5.3.4");
	wire_free(&w);
}

static void test_data_command_refused(void **state)
{
	static const char *const script[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250 mx", "C:MAIL FROM:<alice@example.org>",
		"S:250 ok", "C:RCPT TO:<bob@example.net>", "S:250 ok", "C:RCPT TO:<dave@example.net>",
		"S:450 4.2.1 busy", "C:DATA", "S:451 4.3.0 try later", "C:QUIT", "S:221 bye", "C:<close>", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, two_rcpts, 2, script);
	expect_result(&w, false, SMTPC_STAGE_DATA, 451, SMTP_CLASS_TEMPFAIL, "try later");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_TEMPFAIL, 451, "4.3.0");
	expect_rcpt(&w, 1, "dave@example.net", SMTP_CLASS_TEMPFAIL, 450, "4.2.1");
	wire_free(&w);
}

static void test_connection_lost_mid_batch(void **state)
{
	static const char *const script[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250-mx", "S:250 PIPELINING",
		"C:MAIL FROM:<alice@example.org>", "C:RCPT TO:<bob@example.net>", "C:RCPT TO:<nobody@example.net>",
		"C:RCPT TO:<dave@example.net>", "C:DATA",
		"S:250 2.1.0 Ok", "S:250 2.1.5 Ok", "S:550 5.1.1 unknown", "!disconnect", "C:<done>",
		"S:250 2.1.5 Ok", "!timeout", "!disconnect", /* after done: ignored */
		NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, three_rcpts, 3, script);
	expect_result(&w, true, SMTPC_STAGE_RCPT, 0, SMTP_CLASS_TEMPFAIL, "lost connection while sending RCPT TO");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_TEMPFAIL, 0, "");
	expect_rcpt(&w, 1, "nobody@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
	expect_rcpt(&w, 2, "dave@example.net", SMTP_CLASS_TEMPFAIL, 0, "");
	assert_true(w.res.used_pipelining);
	assert_false(w.cli_closed);
	wire_free(&w);
}

static void test_timeout_at_dot(void **state)
{
	static const char *const script[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250 mx", "C:MAIL FROM:<alice@example.org>",
		"S:250 ok", "C:RCPT TO:<bob@example.net>", "S:250 ok", "C:DATA", "S:354 go", "C:<data>Hi\r\n.\r\n",
		"!timeout", "C:<close>", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, three_rcpts, 1, script);
	expect_result(&w, true, SMTPC_STAGE_DOT, 0, SMTP_CLASS_TEMPFAIL,
		      "conversation timed out while sending end of data -- message may be sent more than once");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_TEMPFAIL, 0, "");
	wire_free(&w);
}

static void test_lost_after_outcome_keeps_it(void **state)
{
	static const char *const script[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250 mx", "C:MAIL FROM:<alice@example.org>",
		"S:250 ok", "C:RCPT TO:<bob@example.net>", "S:250 ok", "C:DATA", "S:354 go", "C:<data>Hi\r\n.\r\n",
		"S:250 2.0.0 queued", "C:QUIT", "!disconnect", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, three_rcpts, 1, script);
	expect_result(&w, false, SMTPC_STAGE_DOT, 250, SMTP_CLASS_OK, "queued");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_OK, 250, "2.0.0");
	wire_free(&w);
}

static void test_reply_parsing_chunked(void **state)
{
	static const char *const script[] = {
		"B:220-mx.example.net ESMTP\r\n220 second line\r\n", "C:EHLO client.example.org",
		"B:250-mx.example.net\r\n250-SIZE 1000\n250-8BITMIME\r\n250 PIPELINING\r\n",
		"C:MAIL FROM:<alice@example.org> SIZE=4", "C:RCPT TO:<bob@example.net>", "C:DATA",
		"R:250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n35", "R:4 go\r", "R:\n", "C:<data>Hi\r\n.\r\n",
		"R:250-2.0.0 Ok\r\n250-2.0.0 queued as\r\n250 2.0.0 X1\r\n", "C:QUIT", "S:221 bye", "C:<close>", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, three_rcpts, 1, script);
	expect_result(&w, false, SMTPC_STAGE_DOT, 250, SMTP_CLASS_OK, "Ok queued as X1");
	assert_string_equal(w.res.reply.enh, "2.0.0");
	wire_free(&w);
}

/* A reply line far beyond 512 octets is cut, not buffered whole. */
static void test_overlong_reply_line(void **state)
{
	struct smtpc_config cc = client_config();
	struct wire w;
	wire_init(&w, &cc, NULL);
	smtpc_set_message(w.c, "alice@example.org", three_rcpts, 1, "Hi\r\n", 4);
	smtpc_feed(w.c, "220 mx ESMTP\r\n250-", 19);
	char chunk[1000];
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 100; i++)
		smtpc_feed(w.c, chunk, sizeof chunk);
	static const char tail[] = "\r\n250 PIPELINING\r\n";
	smtpc_feed(w.c, tail, sizeof tail - 1);
	assert_int_equal(w.nev, 4);
	assert_string_equal(w.ev[0], "EHLO client.example.org");
	assert_string_equal(w.ev[1], "MAIL FROM:<alice@example.org>");
	assert_string_equal(w.ev[3], "DATA");
	smtpc_disconnected(w.c);
	assert_int_equal(w.done_calls, 1);
	wire_free(&w);
}

static void test_protocol_errors(void **state)
{
	static const char *const bad_code[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:600 what", "C:<close>", "C:<done>", NULL,
	};
	static const char *const mixed[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250-mx", "S:251 oops", "C:<close>", "C:<done>", NULL,
	};
	static const char *const garbage[] = {
		"S:hello there", "C:<close>", "C:<done>", NULL,
	};
	const struct {
		const char *const *script;
		enum smtpc_stage st;
		int code;
		const char *text;
	} cases[] = {
		{bad_code, SMTPC_STAGE_EHLO, 600, "protocol error: malformed reply: 600 what"},
		{mixed, SMTPC_STAGE_EHLO, 251, "protocol error: malformed reply: 251 oops"},
		{garbage, SMTPC_STAGE_GREETING, 0, "protocol error: malformed reply: hello there"},
	};
	for (size_t i = 0; i < 3; i++) {
		struct smtpc_config cc = client_config();
		struct wire w;
		fake(&w, &cc, three_rcpts, 2, cases[i].script);
		expect_result(&w, true, cases[i].st, cases[i].code, SMTP_CLASS_TEMPFAIL, cases[i].text);
		expect_rcpt(&w, 1, "nobody@example.net", SMTP_CLASS_TEMPFAIL, cases[i].code, "");
		wire_free(&w);
	}
}

static void test_lone_dot_after_354(void **state)
{
	static const char *const script[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250-mx", "S:250 PIPELINING",
		"C:MAIL FROM:<alice@example.org>", "C:RCPT TO:<bob@example.net>", "C:RCPT TO:<dave@example.net>",
		"C:DATA", "S:250 ok", "S:550 5.1.1 no", "S:550 5.1.1 no either", "S:354 go ahead anyway",
		"C:<data>.\r\n", /* RFC 2920 §3.1 */
		"S:554 5.5.1 no valid recipients", "C:QUIT", "S:221 bye", "C:<close>", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, two_rcpts, 2, script);
	expect_result(&w, false, SMTPC_STAGE_RCPT, 550, SMTP_CLASS_PERMFAIL, "no either");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
	wire_free(&w);
}

static void test_auth_login_only(void **state)
{
	static const char *const script[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250-mx", "S:250 AUTH LOGIN",
		"C:AUTH LOGIN", "S:334 VXNlcm5hbWU6", "C:YWxpY2U=", "S:334 UGFzc3dvcmQ6", "C:c2VjcmV0",
		"S:235 2.7.0 Authentication successful", "C:MAIL FROM:<alice@example.org>", "S:250 ok",
		"C:RCPT TO:<bob@example.net>", "S:250 ok", "C:DATA", "S:354 go", "C:<data>Hi\r\n.\r\n",
		"S:250 ok", "C:QUIT", "S:221 bye", "C:<close>", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	cc.auth_user = "alice";
	cc.auth_pass = "secret";
	struct wire w;
	fake(&w, &cc, three_rcpts, 1, script);
	assert_true(w.res.used_auth);
	wire_free(&w);
}

static void test_starttls_refusals(void **state)
{
	static const char *const opportunistic[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250-mx", "S:250 STARTTLS", "C:STARTTLS",
		"S:454 4.7.0 TLS not available due to local problem", "C:MAIL FROM:<alice@example.org>",
		"S:250 ok", "C:RCPT TO:<bob@example.net>", "S:250 ok", "C:DATA", "S:354 go", "C:<data>Hi\r\n.\r\n",
		"S:250 ok", "C:QUIT", "S:221 bye", "C:<close>", "C:<done>",
		NULL,
	};
	static const char *const required[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250-mx", "S:250 STARTTLS", "C:STARTTLS",
		"S:454 4.7.0 TLS not available due to local problem", "C:QUIT", "S:221 bye", "C:<close>", "C:<done>",
		NULL,
	};
	/* replies smuggled behind the 220 are plaintext: dropped */
	static const char *const injected[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250-mx", "S:250 STARTTLS", "C:STARTTLS",
		"R:220 2.0.0 go\r\n250 2.1.0 fake\r\n", "C:<tls>", "T:1", "C:EHLO client.example.org",
		"S:250 mx", "C:MAIL FROM:<alice@example.org>", "S:421 4.3.2 shutting down", "C:<close>", "C:<done>",
		NULL,
	};
	struct smtpc_config cc = client_config();
	cc.starttls = true;
	struct wire w;
	fake(&w, &cc, three_rcpts, 1, opportunistic);
	expect_result(&w, false, SMTPC_STAGE_DOT, 250, SMTP_CLASS_OK, "ok");
	assert_false(w.res.used_tls);
	wire_free(&w);
	fake(&w, &cc, three_rcpts, 1, injected);
	expect_result(&w, true, SMTPC_STAGE_MAIL, 421, SMTP_CLASS_TEMPFAIL, "shutting down");
	assert_true(w.res.used_tls);
	wire_free(&w);
	cc.require_tls = true;
	fake(&w, &cc, three_rcpts, 1, required);
	expect_result(&w, true, SMTPC_STAGE_STARTTLS, 454, SMTP_CLASS_TEMPFAIL, "TLS not available due to local problem");
	wire_free(&w);
}

static void test_ehlo_421_and_no_recipients(void **state)
{
	static const char *const s421[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:421 4.7.0 mx Error: too many errors",
		"C:<close>", "C:<done>", NULL,
	};
	struct smtpc_config cc = client_config();
	struct wire w;
	fake(&w, &cc, three_rcpts, 2, s421);
	expect_result(&w, true, SMTPC_STAGE_EHLO, 421, SMTP_CLASS_TEMPFAIL, "mx Error: too many errors");
	wire_free(&w);
	static const char *const none[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250 mx", "C:QUIT", "S:221 bye", "C:<close>",
		"C:<done>", NULL,
	};
	fake(&w, &cc, three_rcpts, 0, none);
	expect_result(&w, true, SMTPC_STAGE_MAIL, 0, SMTP_CLASS_PERMFAIL, "no recipients");
	assert_int_equal(w.res.nrcpts, 0);
	wire_free(&w);
}

static void test_stage_names(void **state)
{
	static const char *const want[] = {"GREETING", "EHLO", "HELO", "STARTTLS", "TLS", "AUTH",
					   "MAIL", "RCPT", "DATA", "DOT", "QUIT", "CONN"};
	for (int i = 0; i <= SMTPC_STAGE_CONN; i++)
		assert_string_equal(smtpc_stage_name((enum smtpc_stage)i), want[i]);
	assert_string_equal(smtpc_stage_name((enum smtpc_stage)99), "?");
}

/* ---- probe mode (address verification) ------------------------------------------- */

static const char *const probe_rcpts[] = {"bob@example.net", "r4nd0m@example.net", "nobody@example.net",
					  "x9y8z7@example.net"};

static void probe(struct wire *w, const char *const *script)
{
	struct smtpc_config cc = client_config();
	wire_init(w, &cc, NULL);
	smtpc_set_probe(w->c, "check@verifier.example", probe_rcpts, 4, 2);
	client_script(w, script);
}

/* Two transactions of two RCPTs, RSET after each, never DATA, no
 * pipelining even when offered; every RCPT keeps its own reply. */
static void test_probe_two_transactions(void **state)
{
	static const char *const script[] = {
		"S:220 mx.example.net ESMTP", "C:EHLO client.example.org", "S:250-mx.example.net",
		"S:250-PIPELINING", "S:250-SIZE 10240000", "S:250 ENHANCEDSTATUSCODES",
		"C:MAIL FROM:<check@verifier.example>", "S:250 2.1.0 Ok", "C:RCPT TO:<bob@example.net>",
		"S:250 2.1.5 Ok", "C:RCPT TO:<r4nd0m@example.net>", "S:550 5.1.1 <r4nd0m@example.net>: User unknown",
		"C:RSET", "S:250 2.0.0 Ok", "C:MAIL FROM:<check@verifier.example>", "S:250 2.1.0 Ok",
		"C:RCPT TO:<nobody@example.net>", "S:550 5.1.1 <nobody@example.net>: User unknown",
		"C:RCPT TO:<x9y8z7@example.net>", "S:550 5.1.1 <x9y8z7@example.net>: User unknown", "C:RSET",
		"S:250 2.0.0 Ok", "C:QUIT", "S:221 2.0.0 Bye", "C:<close>", "C:<done>",
		NULL,
	};
	struct wire w;
	probe(&w, script);
	expect_result(&w, false, SMTPC_STAGE_RSET, 250, SMTP_CLASS_OK, "Ok");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_OK, 250, "2.1.5");
	expect_rcpt(&w, 1, "r4nd0m@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
	expect_rcpt(&w, 2, "nobody@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
	expect_rcpt(&w, 3, "x9y8z7@example.net", SMTP_CLASS_PERMFAIL, 550, "5.1.1");
	assert_int_equal(w.rr[0].stage, SMTPC_STAGE_RCPT);
	assert_false(w.res.used_pipelining);
	wire_free(&w);
}

/* A 421 at the second MAIL (Postfix's error limit): the addresses already
 * asked keep their replies, the rest get the 421. */
static void test_probe_421_midway(void **state)
{
	static const char *const script[] = {
		"S:220 mx ESMTP", "C:EHLO client.example.org", "S:250 mx",
		"C:MAIL FROM:<check@verifier.example>", "S:250 2.1.0 Ok", "C:RCPT TO:<bob@example.net>",
		"S:451 4.7.1 <bob@example.net>: Greylisted", "C:RCPT TO:<r4nd0m@example.net>",
		"S:250 2.1.5 Ok", "C:RSET", "S:250 2.0.0 Ok", "C:MAIL FROM:<check@verifier.example>",
		"S:421 4.7.0 mx Error: too many errors", "C:<close>", "C:<done>",
		NULL,
	};
	struct wire w;
	probe(&w, script);
	expect_result(&w, true, SMTPC_STAGE_MAIL, 421, SMTP_CLASS_TEMPFAIL, "mx Error: too many errors");
	expect_rcpt(&w, 0, "bob@example.net", SMTP_CLASS_TEMPFAIL, 451, "4.7.1");
	expect_rcpt(&w, 1, "r4nd0m@example.net", SMTP_CLASS_OK, 250, "2.1.5");
	expect_rcpt(&w, 2, "nobody@example.net", SMTP_CLASS_TEMPFAIL, 421, "4.7.0");
	expect_rcpt(&w, 3, "x9y8z7@example.net", SMTP_CLASS_TEMPFAIL, 421, "4.7.0");
	assert_int_equal(w.rr[2].stage, SMTPC_STAGE_MAIL);
	wire_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_transaction_pipelined),
		cmocka_unit_test(test_no_pipelining),
		cmocka_unit_test(test_starttls_taken),
		cmocka_unit_test(test_require_tls_not_offered),
		cmocka_unit_test(test_tls_handshake_fails),
		cmocka_unit_test(test_refused_greetings),
		cmocka_unit_test(test_auth_back_to_back),
		cmocka_unit_test(test_all_rcpts_rejected),
		cmocka_unit_test(test_mail_rejected_pipelined),
		cmocka_unit_test(test_data_refused_at_end),
		cmocka_unit_test(test_eightbit_body),
		cmocka_unit_test(test_synchronous_wiring),
		cmocka_unit_test(test_helo_fallback),
		cmocka_unit_test(test_data_354_then_552),
		cmocka_unit_test(test_data_command_refused),
		cmocka_unit_test(test_connection_lost_mid_batch),
		cmocka_unit_test(test_timeout_at_dot),
		cmocka_unit_test(test_lost_after_outcome_keeps_it),
		cmocka_unit_test(test_reply_parsing_chunked),
		cmocka_unit_test(test_overlong_reply_line),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_lone_dot_after_354),
		cmocka_unit_test(test_auth_login_only),
		cmocka_unit_test(test_starttls_refusals),
		cmocka_unit_test(test_ehlo_421_and_no_recipients),
		cmocka_unit_test(test_stage_names),
		cmocka_unit_test(test_probe_two_transactions),
		cmocka_unit_test(test_probe_421_midway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
