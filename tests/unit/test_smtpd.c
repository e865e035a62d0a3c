/* test_smtpd.c — the SMTP server engine, driven by scripted dialogs:
 * client lines in, the exact reply lines (and close / start_tls events)
 * asserted in order; plus a state × verb table and byte-level feeding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"

/* ---- harness ---------------------------------------------------------------- */

struct h {
	struct smtpd *s;
	char **ev;        /* reply lines, "<close>", "<starttls>" */
	size_t nev, cap, seen;
	struct strbuf states;
	/* policy knobs */
	int connect_code;             /* 0 → default greeting; 554 / 421 */
	unsigned pending_mask;        /* hooks that answer "later" */
	bool pending_once;            /* ... only the first time */
	bool resume_inside;           /* pending + smtpd_resume() from inside the hook */
	/* what the hooks saw */
	int calls[8];
	int message_calls;
	struct strbuf message;
	char mail_from[300], auth_user[64], auth_pass[64];
	char rcpts[8][300];
	size_t nrcpts;
	int64_t declared_size;
	char body_type[16];
	bool msg_tls, bare_lf;
};

static void push_ev(struct h *h, const char *line)
{
	if (h->nev == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->ev = xrealloc(h->ev, h->cap * sizeof *h->ev);
	}
	h->ev[h->nev++] = xstrdup(line);
}

static void cb_send_line(void *ud, const char *line)
{
	push_ev(ud, line);
}

static void cb_close(void *ud)
{
	push_ev(ud, "<close>");
}

static void cb_start_tls(void *ud)
{
	push_ev(ud, "<starttls>");
}

static void cb_state(void *ud, const char *from, const char *to)
{
	struct h *h = ud;
	sb_printf(&h->states, "%s>%s ", from, to);
}

/* Test policy: only example.net is local; "nobody" does not exist; alice
 * authenticates with "secret"; authenticated users may relay. */
static void rcpt_policy(const struct smtpd_txn *t, const char *rcpt, struct smtp_reply *r)
{
	const char *at = strchr(rcpt, '@');
	if (at && strcmp(at + 1, "example.net") != 0 && !t->auth_user)
		smtp_reply_set(r, 554, "5.7.1", "<%s>: Relay access denied", rcpt);
	else if (strncmp(rcpt, "nobody@", 7) == 0)
		smtp_reply_set(r, 550, "5.1.1",
			       "<%s>: Recipient address rejected: User unknown in local recipient table", rcpt);
	else if (strncmp(rcpt, "shutdown@", 9) == 0)
		smtp_reply_set(r, 421, "4.3.2", "mx.example.net Service shutting down");
}

static void record_message(struct h *h, const struct smtpd_txn *t)
{
	h->message_calls++;
	sb_clear(&h->message);
	sb_append(&h->message, t->data, t->data_len);
	snprintf(h->mail_from, sizeof h->mail_from, "%s", t->mail_from);
	h->nrcpts = t->nrcpts;
	for (size_t i = 0; i < t->nrcpts && i < 8; i++)
		snprintf(h->rcpts[i], sizeof h->rcpts[i], "%s", t->rcpts[i]);
	h->declared_size = t->declared_size;
	snprintf(h->body_type, sizeof h->body_type, "%s", t->body_type);
	h->msg_tls = t->tls;
	h->bare_lf = t->bare_lf;
}

static void cb_check(void *ud, enum smtpd_hook hook, const struct smtpd_txn *t, const char *arg,
		     const char *arg2, struct smtp_reply *r)
{
	struct h *h = ud;
	h->calls[hook]++;
	if (h->pending_mask & (1u << hook)) {
		if (h->pending_once)
			h->pending_mask &= ~(1u << hook);
		r->pending = true;
		if (h->resume_inside) {
			struct smtp_reply now;
			smtp_reply_set(&now, 250, "2.1.5", "Ok, checked");
			smtpd_resume(h->s, &now);
		}
		return;
	}
	switch (hook) {
	case SMTPD_HOOK_CONNECT:
		if (h->connect_code == 554)
			smtp_reply_set(r, 554, "5.7.1", "mx.example.net Service unavailable; client blocked");
		else if (h->connect_code == 421)
			smtp_reply_set(r, 421, "4.3.2", "mx.example.net Service not available, closing transmission channel");
		break;
	case SMTPD_HOOK_HELO:
		if (strcmp(arg, "bad.example") == 0)
			smtp_reply_set(r, 550, "5.7.1", "<bad.example>: Helo command rejected: Host not found");
		break;
	case SMTPD_HOOK_AUTH:
		snprintf(h->auth_user, sizeof h->auth_user, "%s", arg);
		snprintf(h->auth_pass, sizeof h->auth_pass, "%s", arg2);
		if (strcmp(arg, "alice") == 0 && strcmp(arg2, "secret") == 0)
			smtp_reply_set(r, 235, "2.7.0", "Authentication successful");
		break;
	case SMTPD_HOOK_MAIL:
		if (strcmp(arg, "spammer@bad.example") == 0)
			smtp_reply_set(r, 550, "5.7.1", "<%s>: Sender address rejected: Access denied", arg);
		break;
	case SMTPD_HOOK_RCPT:
		rcpt_policy(t, arg, r);
		break;
	case SMTPD_HOOK_MESSAGE:
		record_message(h, t);
		smtp_reply_set(r, 250, "2.0.0", "Ok: queued as 4VB3KQ1XYZ");
		break;
	default:
		break;
	}
}

static const struct smtpd_callbacks callbacks = {
	.send_line = cb_send_line, .close = cb_close, .start_tls = cb_start_tls,
	.check = cb_check, .state = cb_state,
};

static struct smtpd_config mx_config(void)
{
	struct smtpd_config cfg = {
		.hostname = "mx.example.net", .size_limit = 10240000, .offer_starttls = true, .vrfy = true,
	};
	return cfg;
}

static struct smtpd_config submission_config(void)
{
	struct smtpd_config cfg = {
		.hostname = "mx.example.net", .size_limit = 10240000, .submission = true,
	};
	return cfg;
}

static void h_init(struct h *h, const struct smtpd_config *cfg)
{
	memset(h, 0, sizeof *h);
	sb_init(&h->states);
	sb_init(&h->message);
	h->s = smtpd_new(cfg, &callbacks, h);
}

static void h_clear(struct h *h)
{
	for (size_t i = 0; i < h->nev; i++)
		free(h->ev[i]);
	h->nev = h->seen = 0;
}

static void h_free(struct h *h)
{
	smtpd_free(h->s);
	h_clear(h);
	free(h->ev);
	sb_free(&h->states);
	sb_free(&h->message);
}

static void feed_str(struct h *h, const char *s)
{
	smtpd_feed(h->s, s, strlen(s));
}

static void feed_line(struct h *h, const char *s)
{
	feed_str(h, s);
	feed_str(h, "\r\n");
}

/* Script steps:
 *   "C:line"  client sends line + CRLF      "R:bytes" client sends raw bytes
 *   "S:line"  next event must be exactly line ("S:<close>", "S:<starttls>")
 *   "T:1"/"T:0" TLS handshake result         "=STATE" engine state must be STATE
 *   "!timeout" / "!disconnect"
 * At the end no unchecked event may remain. */
static void run_script(struct h *h, const char *const *script)
{
	for (size_t i = 0; script[i]; i++) {
		const char *st = script[i], *arg = st + 2;
		if (strncmp(st, "C:", 2) == 0) {
			feed_line(h, arg);
		} else if (strncmp(st, "R:", 2) == 0) {
			feed_str(h, arg);
		} else if (strncmp(st, "T:", 2) == 0) {
			smtpd_tls_done(h->s, arg[0] == '1');
		} else if (strcmp(st, "!timeout") == 0) {
			smtpd_timeout(h->s);
		} else if (strcmp(st, "!disconnect") == 0) {
			smtpd_disconnected(h->s);
		} else if (st[0] == '=') {
			if (strcmp(smtpd_state_name(h->s), st + 1) != 0)
				fail_msg("step %zu: state got %s, want %s", i, smtpd_state_name(h->s), st + 1);
		} else if (strncmp(st, "S:", 2) == 0) {
			if (h->seen >= h->nev)
				fail_msg("step %zu: got nothing, want '%s'", i, arg);
			if (strcmp(h->ev[h->seen], arg) != 0)
				fail_msg("step %zu: got '%s', want '%s'", i, h->ev[h->seen], arg);
			h->seen++;
		} else {
			fail_msg("bad script step '%s'", st);
		}
	}
	if (h->seen < h->nev)
		fail_msg("unexpected extra event '%s'", h->ev[h->seen]);
}

static void dialog(const struct smtpd_config *cfg, const char *const *script)
{
	struct h h;
	h_init(&h, cfg);
	smtpd_start(h.s);
	run_script(&h, script);
	h_free(&h);
}

#define GREETING "S:220 mx.example.net ESMTP mailsim"
#define EHLO_MX                                                                                  \
	"S:250-mx.example.net", "S:250-PIPELINING", "S:250-SIZE 10240000", "S:250-VRFY",          \
		"S:250-STARTTLS", "S:250-ENHANCEDSTATUSCODES", "S:250 8BITMIME"
#define EHLO_MX_TLS                                                                              \
	"S:250-mx.example.net", "S:250-PIPELINING", "S:250-SIZE 10240000", "S:250-VRFY",          \
		"S:250-ENHANCEDSTATUSCODES", "S:250 8BITMIME"
#define EHLO_SUBMISSION                                                                          \
	"S:250-mx.example.net", "S:250-PIPELINING", "S:250-SIZE 10240000", "S:250-AUTH PLAIN LOGIN", \
		"S:250-ENHANCEDSTATUSCODES", "S:250 8BITMIME"

/* ---- state × verb table --------------------------------------------------------- */

struct prefix {
	const char *label;
	int connect_code;
	const char *const *lines;
};

struct cell_row {
	const char *line;
	int code[5];
	const char *next[5]; /* NULL = state unchanged */
};

static void run_table(const struct smtpd_config *cfg, const struct prefix *pre, size_t npre,
		      const struct cell_row *rows, size_t nrows)
{
	for (size_t r = 0; r < nrows; r++) {
		for (size_t p = 0; p < npre; p++) {
			struct h h;
			h_init(&h, cfg);
			h.connect_code = pre[p].connect_code;
			smtpd_start(h.s);
			for (size_t k = 0; pre[p].lines[k]; k++)
				feed_line(&h, pre[p].lines[k]);
			h_clear(&h);
			char before[32];
			snprintf(before, sizeof before, "%s", smtpd_state_name(h.s));
			feed_line(&h, rows[r].line);
			int got = h.nev ? atoi(h.ev[0]) : 0;
			if (got != rows[r].code[p])
				fail_msg("%s in %s: got %d ('%s'), want %d", rows[r].line, pre[p].label, got,
					 h.nev ? h.ev[0] : "", rows[r].code[p]);
			const char *want = rows[r].next[p] ? rows[r].next[p] : before;
			if (strcmp(smtpd_state_name(h.s), want) != 0)
				fail_msg("%s in %s: state got %s, want %s", rows[r].line, pre[p].label,
					 smtpd_state_name(h.s), want);
			h_free(&h);
		}
	}
}

static const char *const pre_none[] = {NULL};
static const char *const pre_ready[] = {"EHLO client.example.org", NULL};
static const char *const pre_mail[] = {"EHLO client.example.org", "MAIL FROM:<alice@example.org>", NULL};
static const char *const pre_rcpt[] = {"EHLO client.example.org", "MAIL FROM:<alice@example.org>",
				       "RCPT TO:<bob@example.net>", NULL};

static void test_state_verb_table(void **state)
{
	static const struct prefix pre[] = {
		{"GREETED", 0, pre_none}, {"READY", 0, pre_ready}, {"IN_MAIL", 0, pre_mail},
		{"HAS_RCPT", 0, pre_rcpt}, {"REFUSED", 554, pre_none},
	};
#define SAME NULL
	static const struct cell_row rows[] = {
		/*                                   GREETED READY IN_MAIL HAS_RCPT REFUSED */
		{"EHLO c.example", {250, 250, 250, 250, 503}, {"READY", "READY", "READY", "READY", SAME}},
		{"HELO c.example", {250, 250, 250, 250, 503}, {"READY", "READY", "READY", "READY", SAME}},
		{"MAIL FROM:<alice@example.org>", {503, 250, 503, 503, 503}, {SAME, "IN_MAIL", SAME, SAME, SAME}},
		{"RCPT TO:<bob@example.net>", {503, 503, 250, 250, 503}, {SAME, SAME, "HAS_RCPT", SAME, SAME}},
		{"DATA", {503, 503, 554, 354, 503}, {SAME, SAME, SAME, "DATA", SAME}},
		{"RSET", {250, 250, 250, 250, 503}, {"GREETED", "READY", "READY", "READY", SAME}},
		{"NOOP", {250, 250, 250, 250, 503}, {SAME, SAME, SAME, SAME, SAME}},
		{"QUIT", {221, 221, 221, 221, 221}, {"CLOSED", "CLOSED", "CLOSED", "CLOSED", "CLOSED"}},
		{"VRFY bob@example.net", {252, 252, 252, 252, 503}, {SAME, SAME, SAME, SAME, SAME}},
		{"HELP", {214, 214, 214, 214, 503}, {SAME, SAME, SAME, SAME, SAME}},
		{"STARTTLS", {503, 220, 503, 503, 503}, {SAME, "STARTTLS", SAME, SAME, SAME}},
		{"AUTH PLAIN AGFsaWNlAHNlY3JldA==", {503, 503, 503, 503, 503}, {SAME, SAME, SAME, SAME, SAME}},
		{"EXPN staff", {502, 502, 502, 502, 503}, {SAME, SAME, SAME, SAME, SAME}},
		{"BDAT 10 LAST", {502, 502, 502, 502, 503}, {SAME, SAME, SAME, SAME, SAME}},
		{"XYZZY", {500, 500, 500, 500, 503}, {SAME, SAME, SAME, SAME, SAME}},
		{"", {500, 500, 500, 500, 503}, {SAME, SAME, SAME, SAME, SAME}},
	};
	struct smtpd_config cfg = mx_config();
	run_table(&cfg, pre, sizeof pre / sizeof pre[0], rows, sizeof rows / sizeof rows[0]);
}

static const char *const pre_authed[] = {"EHLO client.example.org", "AUTH PLAIN AGFsaWNlAHNlY3JldA==", NULL};
static const char *const pre_amail[] = {"EHLO client.example.org", "AUTH PLAIN AGFsaWNlAHNlY3JldA==",
					"MAIL FROM:<alice@example.org>", NULL};
static const char *const pre_arcpt[] = {"EHLO client.example.org", "AUTH PLAIN AGFsaWNlAHNlY3JldA==",
					"MAIL FROM:<alice@example.org>", "RCPT TO:<carol@example.com>", NULL};

static void test_state_verb_table_submission(void **state)
{
	static const struct prefix pre[] = {
		{"GREETED", 0, pre_none}, {"READY", 0, pre_ready}, {"AUTHED", 0, pre_authed},
		{"IN_MAIL", 0, pre_amail}, {"HAS_RCPT", 0, pre_arcpt},
	};
	static const struct cell_row rows[] = {
		/*                                   GREETED READY AUTHED IN_MAIL HAS_RCPT */
		{"AUTH PLAIN AGFsaWNlAHNlY3JldA==", {503, 235, 503, 503, 503}, {SAME, SAME, SAME, SAME, SAME}},
		{"AUTH LOGIN", {503, 334, 503, 503, 503}, {SAME, "AUTH", SAME, SAME, SAME}},
		{"MAIL FROM:<alice@example.org>", {503, 530, 250, 503, 503}, {SAME, SAME, "IN_MAIL", SAME, SAME}},
		{"RCPT TO:<carol@example.com>", {503, 503, 503, 250, 250}, {SAME, SAME, SAME, "HAS_RCPT", SAME}},
		{"DATA", {503, 503, 503, 554, 354}, {SAME, SAME, SAME, SAME, "DATA"}},
		{"STARTTLS", {502, 502, 502, 502, 502}, {SAME, SAME, SAME, SAME, SAME}},
		{"VRFY bob", {502, 502, 502, 502, 502}, {SAME, SAME, SAME, SAME, SAME}},
	};
#undef SAME
	struct smtpd_config cfg = submission_config();
	run_table(&cfg, pre, sizeof pre / sizeof pre[0], rows, sizeof rows / sizeof rows[0]);
}

/* ---- EHLO / HELO ------------------------------------------------------------------ */

static void test_ehlo_advertisement(void **state)
{
	static const char *const script[] = {
		GREETING,
		"C:EHLO client.example.org", EHLO_MX,
		"C:HELO client.example.org", "S:250 mx.example.net", /* HELO never lists extensions */
		"C:QUIT", "S:221 Bye", "S:<close>",                    /* after HELO: no enhanced codes */
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, script);
}

static void test_ehlo_minimal(void **state)
{
	static const char *const script[] = {
		GREETING, "C:ehlo client.example.org", "S:250-mx.example.net", "S:250 SIZE",
		"C:MAIL FROM:<alice@example.org> BODY=8BITMIME", "S:555 Unsupported option: BODY=8BITMIME",
		NULL,
	};
	struct smtpd_config cfg = {
		.hostname = "mx.example.net", .no_pipelining = true, .no_8bitmime = true,
		.no_enhancedstatuscodes = true,
	};
	dialog(&cfg, script);
}

static void test_ehlo_submission_tls_only(void **state)
{
	static const char *const script[] = {
		GREETING,
		"C:EHLO client.example.org",
		"S:250-mx.example.net", "S:250-PIPELINING", "S:250-SIZE 10240000", "S:250-STARTTLS",
		"S:250-ENHANCEDSTATUSCODES", "S:250 8BITMIME",
		"C:AUTH PLAIN AGFsaWNlAHNlY3JldA==",
		"S:538 5.7.11 Encryption required for requested authentication mechanism",
		"C:STARTTLS", "S:220 2.0.0 Ready to start TLS", "S:<starttls>", "=STARTTLS", "T:1", "=GREETED",
		"C:EHLO client.example.org", EHLO_SUBMISSION,
		"C:AUTH PLAIN AGFsaWNlAHNlY3JldA==", "S:235 2.7.0 Authentication successful",
		"C:MAIL FROM:<alice@example.org> AUTH=<alice@example.org>", "S:250 2.1.0 Ok",
		"C:RCPT TO:<carol@example.com>", "S:250 2.1.5 Ok", /* authenticated: may relay */
		NULL,
	};
	struct smtpd_config cfg = submission_config();
	cfg.offer_starttls = true;
	cfg.auth_tls_only = true;
	dialog(&cfg, script);
}

static void test_implicit_tls(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_SUBMISSION,
		"C:STARTTLS", "S:554 5.5.1 Error: TLS already active",
		"C:AUTH PLAIN AGFsaWNlAHNlY3JldA==", "S:235 2.7.0 Authentication successful",
		NULL,
	};
	struct smtpd_config cfg = submission_config();
	cfg.offer_starttls = true;
	cfg.auth_tls_only = true;
	cfg.implicit_tls = true;
	dialog(&cfg, script);
}

static void test_helo_hook_reject(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		/* rejected EHLO leaves the state alone [RFC 5321 §4.1.4] and
		 * carries no enhanced code [RFC 2034 §4] */
		"C:EHLO bad.example", "S:550 <bad.example>: Helo command rejected: Host not found", "=READY",
		"C:EHLO", "S:501 Syntax: EHLO hostname", "C:HELO", "S:501 Syntax: HELO hostname",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, script);
}

/* ---- STARTTLS ---------------------------------------------------------------------- */

static void test_starttls_reset(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"C:MAIL FROM:<alice@example.org>", "S:250 2.1.0 Ok",
		"C:STARTTLS", "S:503 5.5.1 Error: MAIL transaction in progress",
		"C:RSET", "S:250 2.0.0 Ok",
		"C:STARTTLS now", "S:501 5.5.4 Syntax: STARTTLS",
		/* a command pipelined behind STARTTLS is plaintext: discarded */
		"R:STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n",
		"S:220 2.0.0 Ready to start TLS", "S:<starttls>", "=STARTTLS",
		"T:1", "=GREETED",
		/* the session was reset: EHLO first, and no enhanced codes until then */
		"C:MAIL FROM:<alice@example.org>", "S:503 Error: send HELO/EHLO first",
		"C:EHLO client.example.org", EHLO_MX_TLS,
		"C:STARTTLS", "S:554 5.5.1 Error: TLS already active",
		"C:MAIL FROM:<alice@example.org>", "S:250 2.1.0 Ok",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, script);
}

static void test_starttls_fail_and_not_offered(void **state)
{
	static const char *const fail[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"C:STARTTLS", "S:220 2.0.0 Ready to start TLS", "S:<starttls>", "T:0", "S:<close>", "=CLOSED",
		"C:NOOP", /* ignored after close */
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, fail);
	static const char *const off[] = {
		GREETING, "C:EHLO client.example.org", "S:250-mx.example.net", "S:250-PIPELINING",
		"S:250-SIZE", "S:250-ENHANCEDSTATUSCODES", "S:250 8BITMIME",
		"C:STARTTLS", "S:502 5.5.1 Error: command not implemented", NULL,
	};
	struct smtpd_config plain = {.hostname = "mx.example.net"};
	dialog(&plain, off);
}

static void test_require_tls(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"C:MAIL FROM:<alice@example.org>", "S:530 5.7.0 Must issue a STARTTLS command first",
		"C:NOOP", "S:250 2.0.0 Ok",
		"C:STARTTLS", "S:220 2.0.0 Ready to start TLS", "S:<starttls>", "T:1",
		"C:EHLO client.example.org", EHLO_MX_TLS,
		"C:MAIL FROM:<alice@example.org>", "S:250 2.1.0 Ok",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	cfg.require_tls = true;
	dialog(&cfg, script);
}

/* ---- transactions ------------------------------------------------------------------ */

static void test_transaction_policy(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"C:MAIL FROM:<alice@example.org> SIZE=120 BODY=8BITMIME", "S:250 2.1.0 Ok", "=IN_MAIL",
		"C:RCPT TO:<bob@example.net>", "S:250 2.1.5 Ok", "=HAS_RCPT",
		"C:RCPT TO:<carol@example.com>", "S:554 5.7.1 <carol@example.com>: Relay access denied",
		"C:RCPT TO:<nobody@example.net>",
		"S:550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table",
		"C:RCPT TO:<Postmaster>", "S:250 2.1.5 Ok",
		"C:DATA", "S:354 End data with <CR><LF>.<CR><LF>", "=DATA",
		"C:Subject: hi", "C:", "C:hello", "C:.", "S:250 2.0.0 Ok: queued as 4VB3KQ1XYZ", "=READY",
		"C:QUIT", "S:221 2.0.0 Bye", "S:<close>", "=CLOSED",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	run_script(&h, script);
	assert_int_equal(h.message_calls, 1);
	assert_string_equal(h.message.data, "Subject: hi\r\n\r\nhello\r\n");
	assert_string_equal(h.mail_from, "alice@example.org");
	assert_int_equal(h.nrcpts, 2);
	assert_string_equal(h.rcpts[0], "bob@example.net");
	assert_string_equal(h.rcpts[1], "Postmaster");
	assert_int_equal(h.declared_size, 120);
	assert_string_equal(h.body_type, "8BITMIME");
	assert_false(h.msg_tls);
	assert_string_equal(h.states.data, "CONNECTED>GREETED GREETED>READY READY>IN_MAIL IN_MAIL>HAS_RCPT "
					   "HAS_RCPT>DATA DATA>READY READY>CLOSED ");
	h_free(&h);
}

static void test_pipelined_batch(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"R:MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n"
		"RCPT TO:<nobody@example.net>\r\nRCPT TO:<dave@example.net>\r\nDATA\r\n",
		"S:250 2.1.0 Ok", "S:250 2.1.5 Ok",
		"S:550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table",
		"S:250 2.1.5 Ok", "S:354 End data with <CR><LF>.<CR><LF>",
		"R:Hi\r\n.\r\nQUIT\r\n", "S:250 2.0.0 Ok: queued as 4VB3KQ1XYZ", "S:221 2.0.0 Bye", "S:<close>",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	run_script(&h, script);
	assert_int_equal(h.nrcpts, 2);
	assert_string_equal(h.rcpts[1], "dave@example.net");
	assert_string_equal(h.message.data, "Hi\r\n");
	h_free(&h);
}

static void test_all_rcpts_rejected(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"R:MAIL FROM:<alice@example.org>\r\nRCPT TO:<carol@example.com>\r\n"
		"RCPT TO:<nobody@example.net>\r\nDATA\r\n",
		"S:250 2.1.0 Ok", "S:554 5.7.1 <carol@example.com>: Relay access denied",
		"S:550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table",
		"S:554 5.5.1 Error: no valid recipients", "=IN_MAIL",
		"C:RSET", "S:250 2.0.0 Ok", "=READY",
		"C:MAIL FROM:<spammer@bad.example>", "S:550 5.7.1 <spammer@bad.example>: Sender address rejected: Access denied",
		"=READY",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, script);
}

static void test_syntax_errors(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"C:RCPT TO:<bob@example.net>", "S:503 5.5.1 Error: need MAIL command",
		"C:DATA", "S:503 5.5.1 Error: need RCPT command",
		"C:MAIL FROM:alice@example.org", "S:501 5.5.4 Syntax: MAIL FROM:<address>",
		"C:MAIL TO:<alice@example.org>", "S:501 5.5.4 Syntax: MAIL FROM:<address>",
		"C:MAIL FROM:<alice@@example.org>", "S:501 5.1.7 Bad sender address syntax",
		"C:MAIL FROM:<alice@example.org> FOO=1", "S:555 5.5.4 Unsupported option: FOO=1",
		"C:MAIL FROM:<alice@example.org> SIZE=abc", "S:501 5.5.4 Bad message size syntax",
		"C:MAIL FROM:<alice@example.org> SIZE=20000000", "S:552 5.3.4 Message size exceeds fixed limit",
		"C:MAIL FROM:<alice@example.org> BODY=BINARYMIME", "S:501 5.5.4 Bad BODY keyword syntax",
		"C:MAIL FROM:<alice@example.org> AUTH=<>", "S:555 5.5.4 Unsupported option: AUTH=<>",
		"=READY",
		"C:mail from: <alice@example.org>  \t", "S:250 2.1.0 Ok", /* lower case, space after colon, trailing ws */
		"C:RCPT TO:bob@example.net", "S:501 5.5.4 Syntax: RCPT TO:<address>",
		"C:RCPT TO:<>", "S:501 5.1.3 Bad recipient address syntax",
		"C:RCPT TO:<bob@example.net> NOTIFY=NEVER", "S:555 5.5.4 Unsupported option: NOTIFY=NEVER",
		"C:DATA", "S:554 5.5.1 Error: no valid recipients",
		"C:MAIL FROM:<alice@example.org>", "S:503 5.5.1 Error: nested MAIL command",
		"C:rcpt to:<bob@example.net>", "S:250 2.1.5 Ok",
		"C:DATA now", "S:501 5.5.4 Syntax: DATA",
		"C:RSET all", "S:501 5.5.4 Syntax: RSET",
		"C:QUIT now", "S:501 5.5.4 Syntax: QUIT",
		"C:", "S:500 5.5.2 Error: bad syntax",
		"C:EXPN staff", "S:502 5.5.1 Error: command not implemented",
		"C:XYZZY", "S:500 5.5.2 Error: command not recognized",
		"C:AUTH PLAIN", "S:503 5.5.1 Error: authentication not enabled",
		"C:VRFY bob", "S:252 2.0.0 bob",
		"C:VRFY", "S:501 5.5.4 Syntax: VRFY address",
		"C:NOOP anything", "S:250 2.0.0 Ok",
		"C:HELP", "S:214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS",
		"=HAS_RCPT",
		"R:NOOP\n", "S:250 2.0.0 Ok", /* bare LF tolerated on command lines */
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	cfg.max_errors = 100;
	dialog(&cfg, script);
}

/* Found by tests/fuzz/fuzz_smtpd: a CR inside a command line (it ends at
 * LF) came back inside the reply that echoes the parameter, so the reply
 * line itself held a CR — on the wire, an early end of line. Control
 * characters in echoed text are shown as '?' (Postfix's printable()). */
static void test_echoed_control_characters(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"C:MAIL FROM:<alice@example.org> SIZE=114\rEHLO x",
		"S:555 5.5.4 Unsupported option: SIZE=114?EHLO x",
		"C:MAIL FROM:<alice@example.org> X=1\rEHLO\x01x",
		"S:555 5.5.4 Unsupported option: X=1?EHLO?x",
		"C:VRFY b\rob", "S:252 2.0.0 b?ob",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	cfg.max_errors = 100;
	dialog(&cfg, script);
}

/* A session that ends before the client sent a byte: nothing was ever
 * buffered (clang's UBSan flagged the NULL + 0 of the empty input buffer
 * here, on every session's greeting). */
static void test_no_input_at_all(void **state)
{
	static const char *const script[] = {
		GREETING, "R:", "!disconnect", "=CLOSED", NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, script);
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	smtpd_feed(h.s, NULL, 0);
	smtpd_timeout(h.s);
	assert_int_equal(h.nev, 3);
	assert_string_equal(h.ev[1], "421 mx.example.net Error: timeout exceeded"); /* no EHLO yet */
	h_free(&h);
}

static void test_vrfy_disabled_and_nul(void **state)
{
	static const char *const script[] = {
		GREETING, "C:VRFY bob", "S:502 VRFY command is disabled", /* before EHLO: plain codes */
		"C:EHLO client.example.org", "S:250-mx.example.net", "S:250-PIPELINING", "S:250-SIZE",
		"S:250-ENHANCEDSTATUSCODES", "S:250 8BITMIME",
		"C:VRFY bob", "S:502 5.5.1 VRFY command is disabled",
		NULL,
	};
	struct smtpd_config cfg = {.hostname = "mx.example.net"};
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	run_script(&h, script);
	smtpd_feed(h.s, "NO\0OP\r\n", 7);
	assert_int_equal(h.nev, h.seen + 1);
	assert_string_equal(h.ev[h.seen], "500 5.5.2 Error: bad syntax");
	h_free(&h);
}

static void test_too_many_recipients(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"C:MAIL FROM:<alice@example.org>", "S:250 2.1.0 Ok",
		"C:RCPT TO:<a@example.net>", "S:250 2.1.5 Ok",
		"C:RCPT TO:<b@example.net>", "S:250 2.1.5 Ok",
		"C:RCPT TO:<c@example.net>", "S:452 4.5.3 Error: too many recipients",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	cfg.max_rcpts = 2;
	dialog(&cfg, script);
}

static void test_helo_session_has_no_enhanced_codes(void **state)
{
	static const char *const script[] = {
		GREETING,
		"C:MAIL FROM:<alice@example.org>", "S:503 Error: send HELO/EHLO first",
		"C:HELO client.example.org", "S:250 mx.example.net",
		"C:MAIL FROM:<alice@example.org>", "S:250 Ok",
		"C:RCPT TO:<carol@example.com>", "S:554 <carol@example.com>: Relay access denied",
		"C:RCPT TO:<bob@example.net>", "S:250 Ok",
		"C:DATA", "S:354 End data with <CR><LF>.<CR><LF>",
		"C:x", "C:.", "S:250 Ok: queued as 4VB3KQ1XYZ",
		"C:QUIT", "S:221 Bye", "S:<close>",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, script);
}

/* ---- AUTH -------------------------------------------------------------------------- */

static void test_auth_dialogs(void **state)
{
	static const char *const script[] = {
		GREETING,
		"C:AUTH PLAIN AGFsaWNlAHNlY3JldA==", "S:503 Error: send HELO/EHLO first",
		"C:EHLO client.example.org", EHLO_SUBMISSION,
		"C:AUTH PLAIN AGFsaWNlAHdyb25n", "S:535 5.7.8 Error: authentication failed",
		"C:AUTH PLAIN", "S:334 ", "=AUTH", "C:*", "S:501 5.7.0 Authentication aborted", "=READY",
		"C:AUTH PLAIN", "S:334 ", "C:!!!!", "S:501 5.5.2 Cannot decode response",
		"C:AUTH PLAIN AGFsaWNl", "S:535 5.7.8 Error: authentication failed: Invalid authentication data",
		"C:AUTH PLAIN =", "S:535 5.7.8 Error: authentication failed: Invalid authentication data",
		"C:AUTH PLAIN Ym9iAGFsaWNlAHNlY3JldA==", /* bob\0alice\0secret */
		"S:535 5.7.8 Error: authentication failed: authorization identity not permitted",
		"C:AUTH CRAM-MD5", "S:504 5.5.4 Unrecognized authentication type",
		"C:AUTH", "S:501 5.5.4 Syntax: AUTH mechanism",
		"C:MAIL FROM:<alice@example.org>", "S:530 5.7.0 Authentication required",
		"C:AUTH LOGIN", "S:334 VXNlcm5hbWU6", "C:YWxpY2U=", "S:334 UGFzc3dvcmQ6", "C:c2VjcmV0",
		"S:235 2.7.0 Authentication successful", "=READY",
		"C:AUTH LOGIN", "S:503 5.5.1 Error: already authenticated",
		"C:MAIL FROM:<alice@example.org>", "S:250 2.1.0 Ok",
		"C:AUTH PLAIN AGFsaWNlAHNlY3JldA==", "S:503 5.5.1 Error: MAIL transaction in progress",
		"C:RCPT TO:<carol@example.com>", "S:250 2.1.5 Ok",
		NULL,
	};
	struct smtpd_config cfg = submission_config();
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	run_script(&h, script);
	assert_string_equal(h.auth_user, "alice");
	assert_string_equal(h.auth_pass, "secret");
	assert_int_equal(h.calls[SMTPD_HOOK_AUTH], 2); /* malformed or foreign-authzid PLAIN never reaches the hook */
	h_free(&h);
}

static void test_auth_login_initial_response_and_long_lines(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_SUBMISSION,
		"C:AUTH LOGIN YWxpY2U=", "S:334 UGFzc3dvcmQ6", "C:c2VjcmV0", "S:235 2.7.0 Authentication successful",
		NULL,
	};
	struct smtpd_config cfg = submission_config();
	dialog(&cfg, script);

	/* AUTH lines may exceed 512 octets [RFC 4954 §4]; beyond 12288 → 500 5.5.6 */
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	feed_line(&h, "EHLO client.example.org");
	h_clear(&h);
	char *line = xmalloc(20000);
	strcpy(line, "AUTH PLAIN ");
	memset(line + 11, 'A', 989);
	line[1000] = '\0';
	feed_line(&h, line);
	assert_int_equal(h.nev, 1);
	assert_string_equal(h.ev[0], "501 5.5.2 Cannot decode response");
	feed_line(&h, "AUTH PLAIN");
	memset(line, 'A', 13000);
	line[13000] = '\0';
	feed_line(&h, line);
	assert_int_equal(h.nev, 3);
	assert_string_equal(h.ev[1], "334 ");
	assert_string_equal(h.ev[2], "500 5.5.6 Authentication Exchange line is too long");
	assert_string_equal(smtpd_state_name(h.s), "READY");
	free(line);
	h_free(&h);
}

/* ---- limits -------------------------------------------------------------------------- */

static char *repeat(char c, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	char *s = xmalloc(p + n + 1);
	memcpy(s, prefix, p);
	memset(s + p, c, n);
	s[p + n] = '\0';
	return s;
}

static void test_command_line_limit(void **state)
{
	struct smtpd_config cfg = mx_config();
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	feed_line(&h, "EHLO client.example.org");
	h_clear(&h);
	char *ok = repeat('x', 505, "NOOP "); /* 510 + CRLF = 512: the limit */
	char *bad = repeat('x', 506, "NOOP ");
	feed_line(&h, ok);
	feed_line(&h, bad);
	assert_int_equal(h.nev, 2);
	assert_string_equal(h.ev[0], "250 2.0.0 Ok");
	assert_string_equal(h.ev[1], "500 5.5.2 Error: line too long");
	/* a 1 MB line in 1000-byte pieces: one reply when it ends, then business as usual */
	char chunk[1000];
	memset(chunk, 'y', sizeof chunk);
	feed_str(&h, "NOOP ");
	for (int i = 0; i < 1000; i++)
		smtpd_feed(h.s, chunk, sizeof chunk);
	assert_int_equal(h.nev, 2);
	feed_str(&h, "\r\nNOOP\r\n");
	assert_int_equal(h.nev, 4);
	assert_string_equal(h.ev[2], "500 5.5.2 Error: line too long");
	assert_string_equal(h.ev[3], "250 2.0.0 Ok");
	free(ok);
	free(bad);
	h_free(&h);
}

static void start_data(struct h *h)
{
	feed_str(h, "EHLO client.example.org\r\nMAIL FROM:<alice@example.org>\r\n"
		    "RCPT TO:<bob@example.net>\r\nDATA\r\n");
	h_clear(h);
}

static void test_data_line_limit(void **state)
{
	static const struct {
		const char *prefix;
		size_t fill;
		bool byte_by_byte;
		const char *want;
		const char *stored_prefix; /* what the stored line starts with */
	} cases[] = {
		{"", 998, false, "250 2.0.0 Ok: queued as 4VB3KQ1XYZ", "a"},
		{"", 999, false, "554 5.6.0 Error: message line longer than 1000 octets", NULL},
		{"..", 997, false, "250 2.0.0 Ok: queued as 4VB3KQ1XYZ", ".a"}, /* stuffed dot not counted */
		{"", 5000, true, "554 5.6.0 Error: message line longer than 1000 octets", NULL},
		{"", 100000, false, "554 5.6.0 Error: message line longer than 1000 octets", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct smtpd_config cfg = mx_config();
		struct h h;
		h_init(&h, &cfg);
		smtpd_start(h.s);
		start_data(&h);
		char *line = repeat('a', cases[i].fill, cases[i].prefix);
		feed_str(&h, "first\r\n");
		if (cases[i].byte_by_byte)
			for (const char *p = line; *p; p++)
				smtpd_feed(h.s, p, 1);
		else
			feed_str(&h, line);
		feed_str(&h, "\r\nlast\r\n.\r\n");
		if (h.nev != 1 || strcmp(h.ev[0], cases[i].want) != 0)
			fail_msg("case %zu: got %zu events, first '%s', want '%s'", i, h.nev, h.nev ? h.ev[0] : "",
				 cases[i].want);
		assert_int_equal(h.message_calls, cases[i].stored_prefix ? 1 : 0);
		if (cases[i].stored_prefix)
			assert_memory_equal(h.message.data + 7, cases[i].stored_prefix, strlen(cases[i].stored_prefix));
		assert_string_equal(smtpd_state_name(h.s), "READY");
		free(line);
		h_free(&h);
	}
}

static void test_data_size_limit(void **state)
{
	struct smtpd_config cfg = mx_config();
	cfg.size_limit = 100;
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	start_data(&h);
	char *line = repeat('z', 48, "");
	for (int i = 0; i < 3; i++) {
		feed_str(&h, line);
		feed_str(&h, "\r\n");
	}
	feed_str(&h, ".\r\n");
	assert_int_equal(h.nev, 1);
	assert_string_equal(h.ev[0], "552 5.3.4 Message size exceeds fixed limit");
	assert_int_equal(h.message_calls, 0);
	/* exactly at the limit is fine: 2 × 50 = 100 */
	h_clear(&h);
	feed_str(&h, "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n");
	feed_str(&h, line);
	feed_str(&h, "\r\n");
	feed_str(&h, line);
	feed_str(&h, "\r\n.\r\n");
	assert_int_equal(h.nev, 4);
	assert_string_equal(h.ev[3], "250 2.0.0 Ok: queued as 4VB3KQ1XYZ");
	assert_int_equal(h.message.len, 100);
	free(line);
	h_free(&h);
}

static void test_error_limit(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"R:FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n",
		"S:500 5.5.2 Error: command not recognized", "S:500 5.5.2 Error: command not recognized",
		"S:500 5.5.2 Error: command not recognized", "S:421 4.7.0 mx.example.net Error: too many errors",
		"S:<close>", "=CLOSED",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	cfg.max_errors = 3;
	dialog(&cfg, script);
}

/* ---- greeting, timeout, disconnect ------------------------------------------------- */

static void test_refused_greetings(void **state)
{
	static const char *const s554[] = {
		"S:554 mx.example.net Service unavailable; client blocked", "=REFUSED",
		"C:EHLO client.example.org", "S:503 Error: access denied",
		"C:MAIL FROM:<alice@example.org>", "S:503 Error: access denied",
		"C:QUIT", "S:221 Bye", "S:<close>",
		NULL,
	};
	static const char *const s421[] = {
		"S:421 mx.example.net Service not available, closing transmission channel", "S:<close>",
		"=CLOSED", "C:EHLO client.example.org",
		NULL,
	};
	const struct {
		int code;
		const char *const *script;
	} cases[] = {{554, s554}, {421, s421}};
	for (size_t i = 0; i < 2; i++) {
		struct smtpd_config cfg = mx_config();
		struct h h;
		h_init(&h, &cfg);
		h.connect_code = cases[i].code;
		smtpd_start(h.s);
		run_script(&h, cases[i].script);
		h_free(&h);
	}
}

static void test_timeout(void **state)
{
	static const char *const idle[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX, "!timeout",
		"S:421 4.4.2 mx.example.net Error: timeout exceeded", "S:<close>", "=CLOSED",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, idle);
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	start_data(&h);
	feed_str(&h, "Subject: half\r\n\r\nbody");
	smtpd_timeout(h.s);
	assert_int_equal(h.nev, 2);
	assert_string_equal(h.ev[0], "421 4.4.2 mx.example.net Error: timeout exceeded");
	assert_string_equal(h.ev[1], "<close>");
	assert_int_equal(h.message_calls, 0);
	h_free(&h);
}

static void test_disconnect_mid_data(void **state)
{
	struct smtpd_config cfg = mx_config();
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	start_data(&h);
	feed_str(&h, "Subject: half\r\n\r\nmost of the body\r\n");
	smtpd_disconnected(h.s);
	feed_str(&h, ".\r\n"); /* too late */
	assert_int_equal(h.nev, 0);
	assert_int_equal(h.message_calls, 0);
	assert_int_equal(h.calls[SMTPD_HOOK_MESSAGE], 0);
	assert_true(smtpd_closed(h.s));
	assert_string_equal(smtpd_state_name(h.s), "CLOSED");
	h_free(&h);
}

/* ---- pending hooks ---------------------------------------------------------------- */

static void test_pending_rcpt_and_resume(void **state)
{
	struct smtpd_config cfg = mx_config();
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	feed_line(&h, "EHLO client.example.org");
	h_clear(&h);
	h.pending_mask = 1u << SMTPD_HOOK_RCPT;
	h.pending_once = true;
	feed_str(&h, "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n"
		     "RCPT TO:<dave@example.net>\r\nDATA\r\n");
	assert_int_equal(h.nev, 1);
	assert_string_equal(h.ev[0], "250 2.1.0 Ok");
	assert_true(smtpd_pending(h.s));
	feed_str(&h, "Hello\r\n.\r\n"); /* buffered, not read as commands */
	assert_int_equal(h.nev, 1);
	struct smtp_reply r;
	smtp_reply_set(&r, 450, "4.7.1", "<bob@example.net>: Recipient address rejected: Greylisted");
	smtpd_resume(h.s, &r);
	static const char *const want[] = {
		"250 2.1.0 Ok", "450 4.7.1 <bob@example.net>: Recipient address rejected: Greylisted",
		"250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as 4VB3KQ1XYZ",
	};
	assert_int_equal(h.nev, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(h.ev[i], want[i]);
	assert_false(smtpd_pending(h.s));
	assert_int_equal(h.nrcpts, 1);
	assert_string_equal(h.rcpts[0], "dave@example.net");
	assert_string_equal(h.message.data, "Hello\r\n");
	smtpd_resume(h.s, &r); /* nothing pending: ignored */
	assert_int_equal(h.nev, 5);
	h_free(&h);
}

static void test_pending_message_connect_and_inside(void **state)
{
	struct smtpd_config cfg = mx_config();
	struct h h;
	struct smtp_reply r;
	h_init(&h, &cfg);
	h.pending_mask = (1u << SMTPD_HOOK_CONNECT) | (1u << SMTPD_HOOK_MESSAGE);
	smtpd_start(h.s);
	feed_str(&h, "EHLO client.example.org\r\n"); /* client speaks early: buffered */
	assert_int_equal(h.nev, 0);
	smtp_reply_set(&r, 220, NULL, "mx.example.net ESMTP checked");
	smtpd_resume(h.s, &r);
	assert_int_equal(h.nev, 8);
	assert_string_equal(h.ev[0], "220 mx.example.net ESMTP checked");
	assert_string_equal(h.ev[1], "250-mx.example.net");
	h_clear(&h);
	feed_str(&h, "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n");
	assert_int_equal(h.nev, 3);
	assert_string_equal(smtpd_state_name(h.s), "DATA");
	smtp_reply_set(&r, 451, "4.3.0", "Error: queue file write error");
	smtpd_resume(h.s, &r);
	assert_int_equal(h.nev, 6);
	assert_string_equal(h.ev[3], "451 4.3.0 Error: queue file write error");
	assert_string_equal(h.ev[4], "221 2.0.0 Bye");
	assert_string_equal(h.ev[5], "<close>");
	smtpd_resume(h.s, &r); /* closed: ignored */
	assert_int_equal(h.nev, 6);
	h_free(&h);

	/* the host may also answer from inside the hook after setting pending */
	h_init(&h, &cfg);
	h.pending_mask = 1u << SMTPD_HOOK_RCPT;
	h.resume_inside = true;
	smtpd_start(h.s);
	feed_str(&h, "EHLO client.example.org\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n");
	assert_int_equal(h.nev, 10);
	assert_string_equal(h.ev[9], "250 2.1.5 Ok, checked");
	assert_false(smtpd_pending(h.s));
	h_free(&h);
}

static void test_pending_then_disconnect(void **state)
{
	struct smtpd_config cfg = mx_config();
	struct h h;
	h_init(&h, &cfg);
	smtpd_start(h.s);
	h.pending_mask = 1u << SMTPD_HOOK_RCPT;
	feed_str(&h, "EHLO client.example.org\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n");
	smtpd_disconnected(h.s);
	struct smtp_reply r;
	smtp_reply_set(&r, 250, "2.1.5", "Ok");
	size_t before = h.nev;
	smtpd_resume(h.s, &r);
	assert_int_equal(h.nev, before);
	h_free(&h);
}

static void test_hook_421_closes(void **state)
{
	static const char *const script[] = {
		GREETING, "C:EHLO client.example.org", EHLO_MX,
		"R:MAIL FROM:<alice@example.org>\r\nRCPT TO:<shutdown@example.net>\r\nRCPT TO:<bob@example.net>\r\n",
		"S:250 2.1.0 Ok", "S:421 4.3.2 mx.example.net Service shutting down", "S:<close>", "=CLOSED",
		NULL,
	};
	struct smtpd_config cfg = mx_config();
	dialog(&cfg, script);
}

/* ---- dot-stuffing and chunking ------------------------------------------------------ */

static void test_dot_stuffing_round_trip(void **state)
{
	static const char *const messages[] = {
		"Subject: dots\r\n\r\n.\r\n..\r\n.hidden\r\n...three\r\na.b\r\n\r\n.\r\nend\r\n",
		".\r\n",
		"",
		"no final line end",
		"lf only\n.\n..\nend\n",
	};
	static const char *const want[] = {
		"Subject: dots\r\n\r\n.\r\n..\r\n.hidden\r\n...three\r\na.b\r\n\r\n.\r\nend\r\n",
		".\r\n",
		"",
		"no final line end\r\n",
		"lf only\r\n.\r\n..\r\nend\r\n",
	};
	for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++) {
		for (int bytewise = 0; bytewise < 2; bytewise++) {
			struct smtpd_config cfg = mx_config();
			struct h h;
			struct strbuf sb;
			sb_init(&sb);
			smtp_dot_stuff(messages[i], strlen(messages[i]), &sb, NULL);
			h_init(&h, &cfg);
			smtpd_start(h.s);
			start_data(&h);
			if (bytewise)
				for (size_t k = 0; k < sb.len; k++)
					smtpd_feed(h.s, sb.data + k, 1);
			else
				smtpd_feed(h.s, sb.data, sb.len);
			if (h.message_calls != 1 || strcmp(h.message.data ? h.message.data : "", want[i]) != 0)
				fail_msg("message %zu (bytewise %d): got '%s', want '%s'", i, bytewise,
					 h.message.data ? h.message.data : "(none)", want[i]);
			sb_free(&sb);
			h_free(&h);
		}
	}
}

/* Only CRLF "." CRLF ends data; bare-LF content lines are read as lines
 * and stored with CRLF (Postfix "normalize"). */
static void test_bare_lf_in_data(void **state)
{
	static const struct {
		const char *in, *want;
		bool bare_lf;
	} cases[] = {
		{"line1\n.\nMAIL FROM:<evil@example.org>\r\n.\r\n",
		 "line1\r\n.\r\nMAIL FROM:<evil@example.org>\r\n", true},
		{"a\r\n.\nb\r\n.\r\n", "a\r\n.\r\nb\r\n", true},    /* CRLF . LF */
		{"a\n.\r\nb\r\n.\r\n", "a\r\n.\r\nb\r\n", true},    /* LF . CRLF */
		{"lf only\n..two\n.x\n\r\n.\r\n", "lf only\r\n.two\r\nx\r\n\r\n", true}, /* smtplib sendmail(bytes) */
		{"a\rb\r\n.\r\n", "a\rb\r\n", false},                  /* bare CR is content */
		{"x\r\n.\r\n", "x\r\n", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct smtpd_config cfg = mx_config();
		struct h h;
		h_init(&h, &cfg);
		smtpd_start(h.s);
		start_data(&h);
		feed_str(&h, cases[i].in);
		if (h.nev != 1 || h.message_calls != 1 || strcmp(h.message.data, cases[i].want) != 0 ||
		    h.bare_lf != cases[i].bare_lf)
			fail_msg("case %zu: got %zu replies, message '%s' bare_lf %d, want '%s' %d", i, h.nev,
				 h.message_calls ? h.message.data : "(none)", h.bare_lf, cases[i].want, cases[i].bare_lf);
		h_free(&h);
	}
}

/* The same session fed in one piece, byte by byte, and in odd chunks gives
 * identical replies and message. */
static void test_any_chunking(void **state)
{
	static const char session[] =
		"EHLO client.example.org\r\n"
		"MAIL FROM:<alice@example.org> SIZE=64\r\nRCPT TO:<bob@example.net>\r\n"
		"RCPT TO:<nobody@example.net>\r\nDATA\r\n"
		"Subject: chunks\r\n\r\n..dot\r\n.\r\n"
		"NOOP\nRSET\r\nQUIT\r\n";
	char *ref_ev = NULL, *ref_msg = NULL;
	static const size_t chunks[] = {sizeof session, 1, 2, 3, 7, 13, 64};
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		struct smtpd_config cfg = mx_config();
		struct h h;
		struct strbuf all;
		h_init(&h, &cfg);
		smtpd_start(h.s);
		size_t len = sizeof session - 1;
		for (size_t off = 0; off < len; off += chunks[c])
			smtpd_feed(h.s, session + off, off + chunks[c] <= len ? chunks[c] : len - off);
		sb_init(&all);
		for (size_t i = 0; i < h.nev; i++)
			sb_printf(&all, "%s|", h.ev[i]);
		if (!ref_ev) {
			ref_ev = sb_steal(&all);
			ref_msg = xstrdup(h.message.data);
			assert_string_equal(ref_msg, "Subject: chunks\r\n\r\n.dot\r\n");
			assert_non_null(strstr(ref_ev, "221 2.0.0 Bye|<close>|"));
		} else {
			if (strcmp(all.data, ref_ev) != 0)
				fail_msg("chunk %zu: got '%s', want '%s'", chunks[c], all.data, ref_ev);
			assert_string_equal(h.message.data, ref_msg);
			sb_free(&all);
		}
		h_free(&h);
	}
	free(ref_ev);
	free(ref_msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_verb_table),
		cmocka_unit_test(test_state_verb_table_submission),
		cmocka_unit_test(test_ehlo_advertisement),
		cmocka_unit_test(test_ehlo_minimal),
		cmocka_unit_test(test_ehlo_submission_tls_only),
		cmocka_unit_test(test_implicit_tls),
		cmocka_unit_test(test_helo_hook_reject),
		cmocka_unit_test(test_starttls_reset),
		cmocka_unit_test(test_starttls_fail_and_not_offered),
		cmocka_unit_test(test_require_tls),
		cmocka_unit_test(test_transaction_policy),
		cmocka_unit_test(test_pipelined_batch),
		cmocka_unit_test(test_all_rcpts_rejected),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_vrfy_disabled_and_nul),
		cmocka_unit_test(test_echoed_control_characters),
		cmocka_unit_test(test_no_input_at_all),
		cmocka_unit_test(test_too_many_recipients),
		cmocka_unit_test(test_helo_session_has_no_enhanced_codes),
		cmocka_unit_test(test_auth_dialogs),
		cmocka_unit_test(test_auth_login_initial_response_and_long_lines),
		cmocka_unit_test(test_command_line_limit),
		cmocka_unit_test(test_data_line_limit),
		cmocka_unit_test(test_data_size_limit),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_refused_greetings),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_disconnect_mid_data),
		cmocka_unit_test(test_pending_rcpt_and_resume),
		cmocka_unit_test(test_pending_message_connect_and_inside),
		cmocka_unit_test(test_pending_then_disconnect),
		cmocka_unit_test(test_hook_421_closes),
		cmocka_unit_test(test_dot_stuffing_round_trip),
		cmocka_unit_test(test_bare_lf_in_data),
		cmocka_unit_test(test_any_chunking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
