/* test_smtp_reuse.c — recycled SMTP engines start clean.
 *
 * smtpd and smtpc engines come from pools that keep their grown buffers
 * (input, message, names, recipient slots, the reply FIFO) for the next
 * connection. Whatever one connection left there must not show: a server
 * starts without HELO name, authentication or transaction, and its hooks
 * see only its own recipients and message text; a client sends only its
 * own envelope and body and reports only its own recipients. Under
 * AddressSanitizer the pools keep nothing, so the same dialogs check
 * fresh engines there. */
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

struct seen {
	struct strbuf replies;   /* every reply line, '\n' after each */
	struct strbuf message;   /* the MESSAGE hook's text */
	char helo[300], from[300], auth[64], mail_helo[300], mail_auth[64];
	size_t nrcpts, messages;
	char last_rcpt[300];
};

static void on_line(void *ud, const char *line)
{
	struct seen *w = ud;
	sb_puts(&w->replies, line);
	sb_putc(&w->replies, '\n');
}

static void on_check(void *ud, enum smtpd_hook hook, const struct smtpd_txn *t, const char *arg,
		     const char *arg2, struct smtp_reply *r)
{
	struct seen *w = ud;
	switch (hook) {
	case SMTPD_HOOK_AUTH:
		if (strcmp(arg, "alice") == 0 && strcmp(arg2, "secret") == 0)
			smtp_reply_set(r, 235, "2.7.0", "Authentication successful");
		break;
	case SMTPD_HOOK_MAIL: /* what the session knows before the transaction */
		snprintf(w->mail_helo, sizeof w->mail_helo, "%s", t->helo ? t->helo : "(none)");
		snprintf(w->mail_auth, sizeof w->mail_auth, "%s", t->auth_user ? t->auth_user : "(none)");
		if (t->mail_from || t->nrcpts)
			smtp_reply_set(r, 451, "4.3.0", "stale transaction");
		break;
	case SMTPD_HOOK_MESSAGE:
		w->messages++;
		sb_clear(&w->message);
		sb_append(&w->message, t->data, t->data_len);
		snprintf(w->helo, sizeof w->helo, "%s", t->helo ? t->helo : "(none)");
		snprintf(w->from, sizeof w->from, "%s", t->mail_from);
		snprintf(w->auth, sizeof w->auth, "%s", t->auth_user ? t->auth_user : "(none)");
		w->nrcpts = t->nrcpts;
		snprintf(w->last_rcpt, sizeof w->last_rcpt, "%s", t->nrcpts ? t->rcpts[t->nrcpts - 1] : "");
		break;
	default:
		break;
	}
}

static const struct smtpd_callbacks callbacks = {.send_line = on_line, .check = on_check};

static void feed(struct smtpd *s, const char *text)
{
	smtpd_feed(s, text, strlen(text));
}

static const char *last_reply(const struct seen *w)
{
	static char buf[600];
	const char *end = w->replies.data + w->replies.len - 1, *p = end;
	while (p > w->replies.data && p[-1] != '\n')
		p--;
	snprintf(buf, sizeof buf, "%.*s", (int)(end - p), p);
	return buf;
}

/* One connection that fills every kept buffer: AUTH, 20 recipients (more
 * than the slots an idle engine keeps), a message of 70,000 octets (more
 * than a kept buffer may hold) and then a short one. */
static void busy_connection(const struct smtpd_config *cfg)
{
	struct seen w = {0};
	struct smtpd *s = smtpd_new(cfg, &callbacks, &w);
	smtpd_start(s);
	feed(s, "EHLO first.example.org\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
	assert_string_equal(last_reply(&w), "235 2.7.0 Authentication successful");
	feed(s, "MAIL FROM:<alice@first.example.org>\r\n");
	for (int i = 0; i < 20; i++) {
		char line[80];
		snprintf(line, sizeof line, "RCPT TO:<r%02d@example.net>\r\n", i);
		feed(s, line);
	}
	feed(s, "DATA\r\n");
	const char *text = "Subject: a long line of the first, much longer message body....\r\n";
	for (int i = 0; i < 1000; i++)
		feed(s, text);
	feed(s, ".\r\n");
	assert_int_equal(w.nrcpts, 20);
	assert_int_equal(w.message.len, 1000 * strlen(text));
	feed(s, "MAIL FROM:<alice@first.example.org>\r\nRCPT TO:<r99@example.net>\r\n"
		"DATA\r\nSubject: short\r\n\r\nleft behind\r\n.\r\n");
	assert_int_equal(w.messages, 2);
	assert_int_equal(w.nrcpts, 1);
	feed(s, "MAIL FROM:<alice@first.example.org>\r\nRCPT TO:<r98@example.net>\r\nDATA\r\nhalf");
	smtpd_free(s); /* mid-DATA: the kept buffers hold a transaction */
	sb_free(&w.replies);
	sb_free(&w.message);
}

static void test_reused_engine_starts_clean(void **state)
{
	(void)state;
	struct smtpd_config cfg = {.hostname = "mx.example.net", .submission = true};
	busy_connection(&cfg);
	busy_connection(&cfg); /* the buffers are now grown (when kept) */
	struct seen w = {0};
	struct smtpd *s = smtpd_new(&cfg, &callbacks, &w);
	smtpd_start(s);
	assert_string_equal(last_reply(&w), "220 mx.example.net ESMTP mailsim");
	feed(s, "RSET\r\n"); /* no HELO name yet: back to GREETED, not READY */
	assert_string_equal(smtpd_state_name(s), "GREETED");
	feed(s, "EHLO second.example.org\r\nMAIL FROM:<bob@second.example.org>\r\n");
	assert_string_equal(last_reply(&w), "530 5.7.0 Authentication required");
	feed(s, "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nMAIL FROM:<bob@second.example.org>\r\n");
	assert_string_equal(last_reply(&w), "250 2.1.0 Ok");
	assert_string_equal(w.mail_helo, "second.example.org");
	assert_string_equal(w.mail_auth, "alice");
	feed(s, "RCPT TO:<carol@example.net>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\n");
	assert_string_equal(last_reply(&w), "250 2.0.0 Ok: queued");
	assert_int_equal(w.messages, 1);
	assert_string_equal(w.message.data, "Subject: hi\r\n\r\nbody\r\n");
	assert_string_equal(w.from, "bob@second.example.org");
	assert_int_equal(w.nrcpts, 1);
	assert_string_equal(w.last_rcpt, "carol@example.net");
	assert_string_equal(w.helo, "second.example.org");
	smtpd_free(s);
	sb_free(&w.replies);
	sb_free(&w.message);
}

/* The borrowed hostname and banner (smtpd.h) are the ones the config
 * names, also in the replies that quote the hostname. */
static void test_borrowed_names(void **state)
{
	(void)state;
	struct smtpd_config cfg = {.hostname = "mx.borrowed.test", .banner = "ESMTP here",
				   .max_errors = 1};
	struct seen w = {0};
	struct smtpd *s = smtpd_new(&cfg, &callbacks, &w);
	smtpd_start(s);
	assert_string_equal(last_reply(&w), "220 mx.borrowed.test ESMTP here");
	feed(s, "BOGUS\r\n");
	/* no EHLO: no enhanced status code [RFC 2034 §4] */
	assert_string_equal(last_reply(&w), "421 mx.borrowed.test Error: too many errors");
	smtpd_free(s);
	struct smtpd_config dflt = {0};
	sb_clear(&w.replies);
	s = smtpd_new(&dflt, &callbacks, &w);
	smtpd_start(s);
	assert_string_equal(last_reply(&w), "220 localhost ESMTP mailsim");
	smtpd_free(s);
	sb_free(&w.replies);
}

/* ---- client ---------------------------------------------------------------- */

struct cli {
	struct strbuf sent;      /* command lines, '\n' after each */
	struct strbuf data;      /* the body as sent */
	size_t done, closed, nrcpts;
	enum smtp_class cls;
	char first_rcpt[300], last_rcpt[300];
};

static void cli_line(void *ud, const char *line)
{
	struct cli *w = ud;
	sb_puts(&w->sent, line);
	sb_putc(&w->sent, '\n');
}

static void cli_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	struct cli *w = ud;
	(void)nlines;
	sb_append(&w->data, bytes, len);
}

static void cli_done(void *ud, const struct smtpc_result *res)
{
	struct cli *w = ud;
	w->done++;
	w->cls = res->cls;
	w->nrcpts = res->nrcpts;
	snprintf(w->first_rcpt, sizeof w->first_rcpt, "%s", res->nrcpts ? res->rcpts[0].rcpt : "");
	snprintf(w->last_rcpt, sizeof w->last_rcpt, "%s",
		 res->nrcpts ? res->rcpts[res->nrcpts - 1].rcpt : "");
}

static void cli_close(void *ud)
{
	((struct cli *)ud)->closed++;
}

static const struct smtpc_callbacks cli_callbacks = {
	.send_line = cli_line, .send_data = cli_data, .done = cli_done, .close = cli_close,
};

static void cli_feed(struct smtpc *c, const char *text)
{
	smtpc_feed(c, text, strlen(text));
}

#define EHLO_REPLY "220 mx.example.net ESMTP\r\n250-mx.example.net\r\n250-PIPELINING\r\n250 SIZE\r\n"

/* A client that sends 20 recipients and a body over 65,536 octets, then one
 * left in the middle of a reply with more commands outstanding. */
static void busy_client(void)
{
	static char rcpt_text[20][40];
	const char *rcpts[20];
	for (int i = 0; i < 20; i++) {
		snprintf(rcpt_text[i], sizeof rcpt_text[i], "r%02d@far-away.example.org", i);
		rcpts[i] = rcpt_text[i];
	}
	struct strbuf body;
	sb_init(&body);
	for (int i = 0; i < 1200; i++)
		sb_puts(&body, ".a line of the first, much longer message body, dot-stuffed\r\n");
	struct cli w = {0};
	struct smtpc_config cfg = {.helo_name = "first.example.org"};
	struct smtpc *c = smtpc_new(&cfg, &cli_callbacks, &w);
	smtpc_set_message(c, "alice@first.example.org", rcpts, 20, body.data, body.len);
	cli_feed(c, EHLO_REPLY);
	for (int i = 0; i < 21; i++)
		cli_feed(c, "250 2.1.5 Ok\r\n");
	cli_feed(c, "354 go\r\n250 2.0.0 queued\r\n221 bye\r\n");
	assert_int_equal(w.done, 1);
	assert_int_equal(w.nrcpts, 20);
	assert_true(w.data.len > 65536);
	smtpc_free(c);
	sb_free(&w.sent);
	sb_free(&w.data);
	memset(&w, 0, sizeof w);
	c = smtpc_new(&cfg, &cli_callbacks, &w);
	smtpc_set_message(c, "alice@first.example.org", rcpts, 20, "x\r\n", 3);
	cli_feed(c, EHLO_REPLY "250 2.1.0 Ok\r\n250-partial"); /* freed mid-reply */
	smtpc_free(c);
	sb_free(&w.sent);
	sb_free(&w.data);
	sb_free(&body);
}

static void test_reused_client_starts_clean(void **state)
{
	(void)state;
	busy_client();
	busy_client();
	struct cli w = {0};
	struct smtpc_config cfg = {.helo_name = "second.example.org"};
	struct smtpc *c = smtpc_new(&cfg, &cli_callbacks, &w);
	const char *rcpts[] = {"carol@example.net"};
	const char *text = "Subject: hi\r\n\r\n.body\r\n";
	smtpc_set_message(c, "", rcpts, 1, text, strlen(text));
	cli_feed(c, EHLO_REPLY "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n250 2.0.0 queued\r\n");
	assert_string_equal(w.sent.data, "EHLO second.example.org\n"
					 "MAIL FROM:<> SIZE=22\n"
					 "RCPT TO:<carol@example.net>\n"
					 "DATA\n"
					 "QUIT\n");
	assert_string_equal(w.data.data, "Subject: hi\r\n\r\n..body\r\n.\r\n");
	cli_feed(c, "221 2.0.0 Bye\r\n");
	assert_int_equal(w.closed, 1);
	assert_int_equal(w.done, 1); /* last, after the QUIT reply */
	assert_int_equal(w.cls, SMTP_CLASS_OK);
	assert_int_equal(w.nrcpts, 1);
	assert_string_equal(w.first_rcpt, "carol@example.net");
	assert_string_equal(w.last_rcpt, "carol@example.net");
	smtpc_free(c);
	sb_free(&w.sent);
	sb_free(&w.data);
}

/* A command longer than the 512 octets a stack line holds (an AUTH PLAIN
 * initial response with a long password [RFC 4954 §4]) goes out whole,
 * and the next command is not disturbed by it. */
static void test_client_long_command(void **state)
{
	(void)state;
	char pass[700];
	memset(pass, 'p', sizeof pass - 1);
	pass[sizeof pass - 1] = '\0';
	struct cli w = {0};
	struct smtpc_config cfg = {.helo_name = "c.example.org", .auth_user = "alice", .auth_pass = pass};
	struct smtpc *c = smtpc_new(&cfg, &cli_callbacks, &w);
	const char *rcpts[] = {"bob@example.net"};
	smtpc_set_message(c, "alice@example.org", rcpts, 1, "x\r\n", 3);
	cli_feed(c, "220 mx ESMTP\r\n250-mx\r\n250 AUTH PLAIN\r\n");
	/* base64 of NUL "alice" NUL and 699 'p': 4 * ceil(706 / 3) octets */
	const char *auth = strchr(w.sent.data, '\n') + 1;
	assert_true(strncmp(auth, "AUTH PLAIN AGFsaWNlAHBwcH", 25) == 0);
	assert_int_equal(strchr(auth, '\n') - auth, 11 + 4 * ((706 + 2) / 3));
	cli_feed(c, "235 2.7.0 ok\r\n");
	assert_string_equal(strchr(auth, '\n') + 1, "MAIL FROM:<alice@example.org>\n");
	smtpc_free(c);
	sb_free(&w.sent);
	sb_free(&w.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_client_starts_clean),
		cmocka_unit_test(test_client_long_command),
		cmocka_unit_test(test_reused_engine_starts_clean),
		cmocka_unit_test(test_borrowed_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
