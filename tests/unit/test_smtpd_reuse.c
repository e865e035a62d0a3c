/* test_smtpd_reuse.c — a recycled SMTP server engine starts clean.
 *
 * smtpd engines come from a pool that keeps their grown buffers (the
 * input, the message, the HELO name, the authenticated user, the
 * recipient slots) for the next connection. Whatever one connection left
 * there must not show: the next one starts without HELO name, without
 * authentication, without transaction, and its hooks see only its own
 * recipients and message text. Under AddressSanitizer the pool keeps
 * nothing, so the same dialogs check a fresh engine there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_engine_starts_clean),
		cmocka_unit_test(test_borrowed_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
