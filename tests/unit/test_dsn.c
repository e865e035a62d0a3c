/* test_dsn.c — RFC 3464 / RFC 6522 delivery status notifications: one
 * failure DSN byte for byte against a hand-written golden, the subject rule
 * for mixed reports (failure wins), RET=HDRS vs RET=FULL, Will-Retry-Until
 * only on delayed recipients, folding and the 998-octet limit, CRLF only,
 * caller text that tries to break out of its field, boundary collisions,
 * 8-bit originals, and dsn_parse_status round trips and refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "msg.h"
#include "util.h"

#define BOUNDARY "20240514081503.4F2A1/mail.example.org"

static const char original_msg[] = "Date: Tue, 14 May 2024 10:15:01 +0200\r\n"
				   "From: Alice <alice@example.org>\r\n"
				   "To: nobody@example.net\r\n"
				   "Subject: Hello\r\n"
				   "Message-ID: <m1@example.org>\r\n"
				   "\r\n"
				   "Hi!\r\n";

static const struct dsn_rcpt nobody_failed = {
	.final_recipient = "nobody@example.net",
	.action = DSN_FAILED,
	.status = "5.1.1",
	.remote_mta = "mx.example.net",
	.diagnostic = "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown",
	.last_attempt_date = "Tue, 14 May 2024 10:15:03 +0200",
};

static struct dsn_report base_report(const struct dsn_rcpt *rcpts, size_t n)
{
	return (struct dsn_report){
		.reporting_mta = "mail.example.org",
		.received_from_mta = "laptop.example.org",
		.arrival_date = "Tue, 14 May 2024 10:15:02 +0200",
		.date = "Tue, 14 May 2024 10:15:03 +0200",
		.message_id = "<20240514081503.4F2A1@mail.example.org>",
		.to = "alice@example.org",
		.postmaster = "MAILER-DAEMON@mail.example.org",
		.rcpts = rcpts,
		.nrcpts = n,
		.original = original_msg,
		.original_len = sizeof original_msg - 1,
		.return_full = false,
		.boundary = BOUNDARY,
	};
}

static char *build(const struct dsn_report *r)
{
	struct strbuf out;
	sb_init(&out);
	dsn_build(r, &out);
	return sb_steal(&out);
}

static void expect_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return;
	size_t i = 0;
	while (got[i] && got[i] == want[i])
		i++;
	fail_msg("%s: differs at byte %zu\n--- got:\n%s\n--- want:\n%s", what, i, got, want);
}

static void expect_contains(const char *what, const char *hay, const char *needle, bool want)
{
	bool got = strstr(hay, needle) != NULL;
	if (got != want)
		fail_msg("%s: \"%s\" %s, want %s\n--- message:\n%s", what, needle,
			 got ? "present" : "absent", want ? "present" : "absent", hay);
}

static void expect_header(const char *msg, const char *name, const char *want)
{
	char got[1024];
	if (!msg_header(msg, strlen(msg), name, got, sizeof got))
		fail_msg("header %s: missing, want \"%s\"", name, want);
	if (strcmp(got, want) != 0)
		fail_msg("header %s: got \"%s\", want \"%s\"", name, got, want);
}

/* Every line ends in CRLF, none longer than 998 octets (RFC 5322 §2.1.1). */
static void expect_wire_clean(const char *what, const char *m)
{
	size_t col = 0, line = 1;
	for (size_t i = 0; m[i]; i++) {
		if (m[i] == '\r' && m[i + 1] != '\n')
			fail_msg("%s: bare CR on line %zu", what, line);
		if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r'))
			fail_msg("%s: bare LF on line %zu", what, line);
		if (m[i] == '\r' || m[i] == '\n') {
			col = 0;
			line += m[i] == '\n';
			continue;
		}
		if (++col > 998)
			fail_msg("%s: line %zu longer than 998 octets", what, line);
	}
	size_t n = strlen(m);
	if (n < 2 || m[n - 2] != '\r' || m[n - 1] != '\n')
		fail_msg("%s: does not end in CRLF", what);
}

/* ---- the golden ----------------------------------------------------------- */

static void test_golden_failure(void **state)
{
	struct dsn_report r = base_report(&nobody_failed, 1);
	char *got = build(&r);
	expect_str("failure DSN", got,
		   "Date: Tue, 14 May 2024 10:15:03 +0200\r\n"
		   "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\r\n"
		   "To: alice@example.org\r\n"
		   "Subject: Undelivered Mail Returned to Sender\r\n"
		   "Message-ID: <20240514081503.4F2A1@mail.example.org>\r\n"
		   "Auto-Submitted: auto-replied\r\n"
		   "MIME-Version: 1.0\r\n"
		   "Content-Type: multipart/report; report-type=delivery-status;\r\n"
		   " boundary=\"20240514081503.4F2A1/mail.example.org\"\r\n"
		   "\r\n"
		   "This is a MIME-encapsulated message.\r\n"
		   "\r\n"
		   "--20240514081503.4F2A1/mail.example.org\r\n"
		   "Content-Description: Notification\r\n"
		   "Content-Type: text/plain; charset=us-ascii\r\n"
		   "\r\n"
		   "This is the mail system at host mail.example.org.\r\n"
		   "\r\n"
		   "I'm sorry to tell you that your message could not be delivered to one or\r\n"
		   "more recipients. The details are below.\r\n"
		   "\r\n"
		   "<nobody@example.net>\r\n"
		   "    Could not be delivered; the mail system has given up (status 5.1.1).\r\n"
		   "    The mail server mx.example.net answered:\r\n"
		   "    550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\r\n"
		   "\r\n"
		   "The header of your message is attached below. If you need help, please write\r\n"
		   "to the postmaster of mail.example.org and include this report.\r\n"
		   "\r\n"
		   "--20240514081503.4F2A1/mail.example.org\r\n"
		   "Content-Description: Delivery report\r\n"
		   "Content-Type: message/delivery-status\r\n"
		   "\r\n"
		   "Reporting-MTA: dns; mail.example.org\r\n"
		   "Received-From-MTA: dns; laptop.example.org\r\n"
		   "Arrival-Date: Tue, 14 May 2024 10:15:02 +0200\r\n"
		   "\r\n"
		   "Final-Recipient: rfc822; nobody@example.net\r\n"
		   "Action: failed\r\n"
		   "Status: 5.1.1\r\n"
		   "Remote-MTA: dns; mx.example.net\r\n"
		   "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address\r\n"
		   " rejected: User unknown\r\n"
		   "Last-Attempt-Date: Tue, 14 May 2024 10:15:03 +0200\r\n"
		   "\r\n"
		   "--20240514081503.4F2A1/mail.example.org\r\n"
		   "Content-Description: Undelivered Message Headers\r\n"
		   "Content-Type: text/rfc822-headers\r\n"
		   "\r\n"
		   "Date: Tue, 14 May 2024 10:15:01 +0200\r\n"
		   "From: Alice <alice@example.org>\r\n"
		   "To: nobody@example.net\r\n"
		   "Subject: Hello\r\n"
		   "Message-ID: <m1@example.org>\r\n"
		   "\r\n"
		   "--20240514081503.4F2A1/mail.example.org--\r\n");
	/* Unfolding the folded Diagnostic-Code gives the reply back. */
	char f[1][256], a[1][16], s[1][16];
	assert_int_equal(dsn_parse_status(got, strlen(got), f, a, s, 1), 1);
	expect_wire_clean("golden", got);
	free(got);
}

/* Same input, same bytes (the simulator must be deterministic). */
static void test_deterministic(void **state)
{
	struct dsn_report r = base_report(&nobody_failed, 1);
	char *a = build(&r), *b = build(&r);
	expect_str("second build", b, a);
	free(a);
	free(b);
}

/* ---- subjects and mixed reports ------------------------------------------ */

static void test_subjects(void **state)
{
	static const struct {
		enum dsn_action a1, a2;
		const char *subject;
	} rows[] = {
		{DSN_FAILED, DSN_DELAYED, "Undelivered Mail Returned to Sender"},
		{DSN_DELAYED, DSN_FAILED, "Undelivered Mail Returned to Sender"},
		{DSN_DELAYED, DSN_DELAYED, "Delayed Mail (still being retried)"},
		{DSN_DELIVERED, DSN_DELAYED, "Delayed Mail (still being retried)"},
		{DSN_DELIVERED, DSN_RELAYED, "Successful Mail Delivery Report"},
		{DSN_EXPANDED, DSN_DELIVERED, "Successful Mail Delivery Report"},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct dsn_rcpt rc[2] = {nobody_failed, nobody_failed};
		rc[1].final_recipient = "carol@example.net";
		rc[0].action = rows[i].a1;
		rc[1].action = rows[i].a2;
		struct dsn_report r = base_report(rc, 2);
		char *m = build(&r);
		expect_header(m, "Subject", rows[i].subject);
		free(m);
	}
}

/* One failed and one delayed recipient: one report, both blocks, each with
 * its own action; Will-Retry-Until only on the delayed one. */
static void test_mixed_failed_delayed(void **state)
{
	struct dsn_rcpt rc[2] = {nobody_failed, {
		.final_recipient = "carol@example.net",
		.original_recipient = "carol@example.com",
		.action = DSN_DELAYED,
		.status = "4.4.1",
		.remote_mta = "mx2.example.net",
		.diagnostic = "451 4.4.1 Try again later",
		.will_retry_until = "Sun, 19 May 2024 10:15:02 +0200",
	}};
	rc[0].will_retry_until = "Sun, 19 May 2024 10:15:02 +0200"; /* ignored: failed */
	struct dsn_report r = base_report(rc, 2);
	char *m = build(&r);
	expect_header(m, "Subject", "Undelivered Mail Returned to Sender");
	expect_contains("delayed block", m,
			"\r\n\r\nOriginal-Recipient: rfc822; carol@example.com\r\n"
			"Final-Recipient: rfc822; carol@example.net\r\n"
			"Action: delayed\r\n"
			"Status: 4.4.1\r\n"
			"Remote-MTA: dns; mx2.example.net\r\n"
			"Diagnostic-Code: smtp; 451 4.4.1 Try again later\r\n"
			"Will-Retry-Until: Sun, 19 May 2024 10:15:02 +0200\r\n\r\n--",
			true);
	const char *first = strstr(m, "Will-Retry-Until");
	assert_non_null(first);
	if (strstr(first + 1, "Will-Retry-Until"))
		fail_msg("Will-Retry-Until twice; want it only for the delayed recipient");
	expect_contains("text part", m,
			"<carol@example.net> (originally <carol@example.com>)\r\n"
			"    Not delivered yet; the mail system is still trying (status 4.4.1).\r\n"
			"    It will keep trying until Sun, 19 May 2024 10:15:02 +0200.\r\n"
			"    The mail server mx2.example.net answered:\r\n"
			"    451 4.4.1 Try again later\r\n",
			true);
	char f[4][256], a[4][16], s[4][16];
	assert_int_equal(dsn_parse_status(m, strlen(m), f, a, s, 4), 2);
	expect_str("rcpt 2", f[1], "carol@example.net");
	expect_str("action 2", a[1], "delayed");
	expect_str("status 2", s[1], "4.4.1");
	expect_wire_clean("mixed", m);
	free(m);
}

/* A delay warning alone: subject, intro and the give-up time. */
static void test_delayed_only(void **state)
{
	struct dsn_rcpt rc = {
		.final_recipient = "bob@example.net",
		.action = DSN_DELAYED,
		.status = "4.4.1",
		.diagnostic = "connect to mx.example.net[192.0.2.25]:25: Connection refused",
		.diagnostic_type = "x-unix",
		.last_attempt_date = "Tue, 14 May 2024 14:15:02 +0200",
		.will_retry_until = "Sun, 19 May 2024 10:15:02 +0200",
	};
	struct dsn_report r = base_report(&rc, 1);
	r.received_from_mta = NULL;
	r.arrival_date = NULL;
	char *m = build(&r);
	expect_header(m, "Subject", "Delayed Mail (still being retried)");
	expect_contains("intro", m,
			"Your message has not been delivered yet to one or more recipients. There is\r\n"
			"no need to send it again: the mail system will keep trying. The details are\r\n"
			"below.\r\n",
			true);
	expect_contains("no remote MTA", m, "    The reason given was:\r\n", true);
	expect_contains("per-message block", m,
			"\r\n\r\nReporting-MTA: dns; mail.example.org\r\n\r\nFinal-Recipient:", true);
	expect_contains("diagnostic type", m,
			"Diagnostic-Code: x-unix; connect to mx.example.net[192.0.2.25]:25: Connection\r\n"
			" refused\r\n"
			"Last-Attempt-Date: Tue, 14 May 2024 14:15:02 +0200\r\n"
			"Will-Retry-Until: Sun, 19 May 2024 10:15:02 +0200\r\n",
			true);
	expect_contains("part 3", m, "Content-Description: Delayed Message Headers\r\n", true);
	expect_contains("no Remote-MTA", m, "Remote-MTA", false);
	expect_wire_clean("delayed", m);
	free(m);
}

/* ---- part 3 --------------------------------------------------------------- */

static void test_ret_hdrs_vs_full(void **state)
{
	struct dsn_report r = base_report(&nobody_failed, 1);
	char *hdrs = build(&r);
	expect_contains("HDRS type", hdrs, "Content-Type: text/rfc822-headers\r\n\r\nDate: ", true);
	expect_contains("HDRS ends at the header", hdrs,
			"Message-ID: <m1@example.org>\r\n\r\n--" BOUNDARY "--\r\n", true);
	expect_contains("HDRS has no body", hdrs, "Hi!", false);
	expect_contains("HDRS has no message/rfc822", hdrs, "message/rfc822", false);

	r.return_full = true;
	char *full = build(&r);
	expect_contains("FULL", full,
			"Content-Description: Undelivered Message\r\n"
			"Content-Type: message/rfc822\r\n\r\n"
			"Date: Tue, 14 May 2024 10:15:01 +0200\r\n",
			true);
	expect_contains("FULL has the body", full,
			"Message-ID: <m1@example.org>\r\n\r\nHi!\r\n\r\n--" BOUNDARY "--\r\n",
			true);
	expect_contains("FULL note", full, "A copy of your message is attached below.", true);
	expect_contains("FULL has no headers part", full, "text/rfc822-headers", false);
	expect_wire_clean("FULL", full);
	free(hdrs);
	free(full);

	r.original = NULL;
	char *none = build(&r);
	expect_contains("no original: no part 3", none, "Content-Description: Undelivered", false);
	expect_contains("no original: close after status", none,
			"Last-Attempt-Date: Tue, 14 May 2024 10:15:03 +0200\r\n\r\n--" BOUNDARY
			"--\r\n",
			true);
	free(none);
}

/* Originals in odd shapes: LF only, header only, no header, 8-bit. */
static void test_original_shapes(void **state)
{
	static const struct {
		const char *orig;
		bool full;
		const char *want; /* part 3 content up to the close delimiter */
	} rows[] = {
		{"Subject: x\nTo: y\n\nbody\n", false, "Subject: x\r\nTo: y\r\n"},
		{"Subject: x\nTo: y\n\nbody\n", true, "Subject: x\r\nTo: y\r\n\r\nbody\r\n"},
		{"Subject: x\r\n", false, "Subject: x\r\n"},
		{"Subject: x", false, "Subject: x\r\n"},
		{"\r\nbody only\r\n", false, ""},
		{"Subject: caf\xc3\xa9\r\n\r\nb\r\n", false, "Subject: caf\xc3\xa9\r\n"},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct dsn_report r = base_report(&nobody_failed, 1);
		r.original = rows[i].orig;
		r.original_len = strlen(rows[i].orig);
		r.return_full = rows[i].full;
		char *m = build(&r);
		char *want = xasprintf("\r\n\r\n%s\r\n--" BOUNDARY "--\r\n", rows[i].want);
		size_t ml = strlen(m), wl = strlen(want);
		if (ml < wl || strcmp(m + ml - wl, want) != 0)
			fail_msg("row %zu: message ends\n%s\nwant it to end\n%s", i,
				 m + (ml > wl + 40 ? ml - wl - 40 : 0), want);
		expect_wire_clean("shape", m);
		bool eight = strchr(rows[i].orig, '\xc3') != NULL;
		expect_contains("8bit label", m, "Content-Transfer-Encoding: 8bit\r\n", eight);
		free(want);
		free(m);
	}
}

/* ---- lines, folding, hostile text ----------------------------------------- */

static void test_long_lines(void **state)
{
	/* A 3000-character reply with spaces, and a 2500-octet run without. */
	struct strbuf spaced, solid;
	sb_init(&spaced);
	sb_init(&solid);
	sb_puts(&spaced, "550 5.7.1");
	while (spaced.len < 3000)
		sb_puts(&spaced, " blocked");
	for (int i = 0; i < 2500; i++)
		sb_putc(&solid, (char)('a' + i % 26));
	struct dsn_rcpt rc[2] = {nobody_failed, nobody_failed};
	rc[0].diagnostic = spaced.data;
	rc[1].diagnostic = solid.data;
	rc[1].final_recipient = solid.data;
	struct dsn_report r = base_report(rc, 2);
	char *m = build(&r);
	expect_wire_clean("long lines", m);
	/* The spaced reply folds at spaces: unfolded it is the reply again. */
	const char *dc = strstr(m, "Diagnostic-Code: ");
	assert_non_null(dc);
	char *nl = strstr(dc, "\r\nLast-Attempt-Date");
	assert_non_null(nl);
	struct strbuf unf;
	sb_init(&unf);
	for (const char *p = dc + strlen("Diagnostic-Code: smtp; "); p < nl; p++)
		if (*p != '\r' && *p != '\n')
			sb_putc(&unf, *p);
	expect_str("unfolded Diagnostic-Code", unf.data, spaced.data);
	/* Folded lines stay within 78 where there are spaces to fold at. */
	for (const char *p = dc; p < nl;) {
		const char *e = strstr(p, "\r\n");
		if (e - p > 78)
			fail_msg("folded line of %td octets, want <= 78", e - p);
		p = e + 2;
	}
	char f[2][256], a[2][16], s[2][16];
	assert_int_equal(dsn_parse_status(m, strlen(m), f, a, s, 2), 2);
	if (strlen(f[1]) != 255 || strncmp(f[1], solid.data, 255) != 0)
		fail_msg("long Final-Recipient: got %zu chars, want the first 255", strlen(f[1]));
	sb_free(&unf);
	sb_free(&spaced);
	sb_free(&solid);
	free(m);
}

/* CR/LF in caller text must not start new header lines or fields. */
static void test_hostile_text(void **state)
{
	struct dsn_rcpt rc = nobody_failed;
	rc.diagnostic = "550 no\r\nAction: delivered\r\n\r\nFinal-Recipient: rfc822; evil@x\t\x01\xff";
	struct dsn_report r = base_report(&rc, 1);
	r.to = "alice@example.org\r\nBcc: victim@example.com";
	char *m = build(&r);
	expect_wire_clean("hostile", m);
	expect_contains("To kept on one field", m,
			"To: alice@example.org  Bcc: victim@example.com\r\n", true);
	expect_contains("no injected header line", m, "\r\nBcc:", false);
	expect_contains("no injected field line", m, "\r\nAction: delivered", false);
	expect_contains("controls and 8-bit as ?", m, "evil@x ??\r\n", true);
	char f[4][256], a[4][16], s[4][16];
	assert_int_equal(dsn_parse_status(m, strlen(m), f, a, s, 4), 1);
	expect_str("action", a[0], "failed");
	free(m);
}

/* ---- the boundary --------------------------------------------------------- */

/* Returns the boundary named in the Content-Type header. */
static void header_boundary(const char *m, char *out, size_t cap)
{
	char ct[512];
	assert_true(msg_header(m, strlen(m), "Content-Type", ct, sizeof ct));
	const char *b = strstr(ct, "boundary=\"");
	assert_non_null(b);
	b += strlen("boundary=\"");
	const char *e = strchr(b, '"');
	assert_non_null(e);
	snprintf(out, cap, "%.*s", (int)(e - b), b);
}

/* Occurrences of "--boundary" at the start of a line, and anywhere. */
static void count_delims(const char *m, const char *b, int *at_line_start, int *anywhere)
{
	char *d = xasprintf("--%s", b);
	*at_line_start = *anywhere = 0;
	for (const char *p = strstr(m, d); p; p = strstr(p + 1, d)) {
		(*anywhere)++;
		*at_line_start += p > m && p[-1] == '\n';
	}
	free(d);
}

static void test_boundary_collision(void **state)
{
	static const struct {
		const char *want_boundary;
		const char *orig;
		const char *diag;
		const char *expect;
	} rows[] = {
		{"b1", "Subject: x\r\n\r\n--b1\r\n", "550 x", "b1"},     /* body not sent (HDRS) */
		{"b1", "X-Note: --b1\r\n\r\nhi\r\n", "550 x", "b1.1"},   /* in the header */
		{"b1", "X: --b1 --b1.1\r\n\r\n", "550 x", "b1.2"},      /* suffix taken too */
		{"b1", "Subject: x\r\n\r\n", "550 see --b1", "b1.1"},   /* in a diagnostic */
		{"bad \"b\"\r\n", "Subject: x\r\n\r\n", "550 x", "bad--b---"}, /* made legal */
		{"", "Subject: x\r\n\r\n", "550 x", "dsn-boundary"},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct dsn_rcpt rc = nobody_failed;
		rc.diagnostic = rows[i].diag;
		struct dsn_report r = base_report(&rc, 1);
		r.boundary = rows[i].want_boundary;
		r.original = rows[i].orig;
		r.original_len = strlen(rows[i].orig);
		char *m = build(&r);
		char b[128];
		header_boundary(m, b, sizeof b);
		if (strcmp(b, rows[i].expect) != 0)
			fail_msg("row %zu: got boundary \"%s\", want \"%s\"", i, b, rows[i].expect);
		int starts, any;
		count_delims(m, b, &starts, &any);
		/* three opening delimiters and the close, nothing else */
		if (starts != 4 || any != 4)
			fail_msg("row %zu: \"--%s\" %d times (%d at line start), want 4", i, b, any,
				 starts);
		char f[1][256], a[1][16], s[1][16];
		assert_int_equal(dsn_parse_status(m, strlen(m), f, a, s, 1), 1);
		free(m);
	}
	struct dsn_report r = base_report(&nobody_failed, 1);
	r.boundary = NULL;
	char *m = build(&r);
	char b[128];
	header_boundary(m, b, sizeof b);
	expect_str("NULL boundary", b, "dsn-boundary");
	free(m);
}

/* ---- dsn_parse_status ----------------------------------------------------- */

static void test_parse_round_trip(void **state)
{
	static const enum dsn_action actions[] = {DSN_FAILED, DSN_DELAYED, DSN_DELIVERED,
						  DSN_RELAYED, DSN_EXPANDED};
	static const char *const statuses[] = {"5.1.1", "4.4.1", "2.0.0", "2.0.0", "2.0.0"};
	struct dsn_rcpt rc[5];
	char addrs[5][32];
	for (size_t i = 0; i < 5; i++) {
		snprintf(addrs[i], sizeof addrs[i], "user%zu@example.net", i);
		rc[i] = (struct dsn_rcpt){.final_recipient = addrs[i],
					  .action = actions[i],
					  .status = statuses[i],
					  .original_recipient = i == 2 ? "orig@example.com" : NULL};
	}
	struct dsn_report r = base_report(rc, 5);
	char *m = build(&r);
	char f[3][256], a[3][16], s[3][16];
	/* max smaller than the count: the count, and the first three filled */
	assert_int_equal(dsn_parse_status(m, strlen(m), f, a, s, 3), 5);
	for (size_t i = 0; i < 3; i++) {
		expect_str("final", f[i], addrs[i]);
		expect_str("action", a[i], dsn_action_name(actions[i]));
		expect_str("status", s[i], statuses[i]);
	}
	assert_int_equal(dsn_parse_status(m, strlen(m), NULL, NULL, NULL, 0), 5);
	free(m);
}

/* Reports written by others: folded fields, comments, odd spacing, a bare
 * message/delivery-status, a close delimiter before any status part. */
static void test_parse_foreign(void **state)
{
	static const char postfix_like[] =
		"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
		"Content-Type: multipart/report; report-type=delivery-status;\n"
		"\tboundary=\"ABC123.1715674503/mx.example.org\"\n"
		"\n"
		"This is a MIME-encapsulated message.\n"
		"\n"
		"--ABC123.1715674503/mx.example.org\n"
		"Content-Type: text/plain\n"
		"\n"
		"Final-Recipient: rfc822; decoy@example.net\n"
		"\n"
		"--ABC123.1715674503/mx.example.org\n"
		"Content-Description: Delivery report\n"
		"Content-Type: Message/Delivery-Status\n"
		"\n"
		"Reporting-MTA: dns; mx.example.org\n"
		"X-Postfix-Queue-ID: ABC123\n"
		"\n"
		"\n"
		"final-recipient : rfc822;\n"
		"    bob@example.net\n"
		"Action: Failed\n"
		"Status: 5.1.1 (bad destination mailbox address)\n"
		"\n"
		"Final-Recipient: RFC822; carol@example.net\n"
		"Action: delayed\n"
		"Status: 4.4.1\n"
		"--ABC123.1715674503/mx.example.org--\n";
	char f[4][256], a[4][16], s[4][16];
	assert_int_equal(dsn_parse_status(postfix_like, strlen(postfix_like), f, a, s, 4), 2);
	expect_str("folded final", f[0], "bob@example.net");
	expect_str("action as written", a[0], "Failed");
	expect_str("status without comment", s[0], "5.1.1");
	expect_str("final 2", f[1], "carol@example.net");
	expect_str("status 2", s[1], "4.4.1");

	static const char bare[] = "Content-Type: message/delivery-status\r\n\r\n"
				   "Reporting-MTA: dns; a\r\n\r\n"
				   "Final-Recipient: rfc822; x@y\r\nAction: relayed\r\nStatus: 2.0.0\r\n";
	assert_int_equal(dsn_parse_status(bare, strlen(bare), f, a, s, 4), 1);
	expect_str("bare action", a[0], "relayed");

	static const char no_rcpts[] = "Content-Type: message/delivery-status\r\n\r\n"
				       "Reporting-MTA: dns; a\r\n";
	assert_int_equal(dsn_parse_status(no_rcpts, strlen(no_rcpts), f, a, s, 4), 0);
}

static void test_parse_not_a_report(void **state)
{
	static const char *const rows[] = {
		"Subject: hi\r\n\r\nFinal-Recipient: rfc822; x@y\r\n",
		"Content-Type: text/plain\r\n\r\nFinal-Recipient: rfc822; x@y\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
		"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; a\r\n--b--\r\n",
		"Content-Type: multipart/report; report-type=delivery-status\r\n\r\nno boundary\r\n",
		"Content-Type: multipart/report; boundary=b\r\n\r\n--b\r\n"
		"Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
		"Content-Type: message/delivery-status\r\n\r\n",
		"Content-Type: multipart/report; boundary=b\r\n\r\n--bx\r\n"
		"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; a\r\n--b--\r\n",
		"",
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char f[1][256], a[1][16], s[1][16];
		int got = dsn_parse_status(rows[i], strlen(rows[i]), f, a, s, 1);
		if (got != -1)
			fail_msg("row %zu: got %d, want -1", i, got);
	}
}

static void test_action_names(void **state)
{
	static const struct {
		enum dsn_action a;
		const char *want;
	} rows[] = {
		{DSN_FAILED, "failed"},	    {DSN_DELAYED, "delayed"},	{DSN_DELIVERED, "delivered"},
		{DSN_RELAYED, "relayed"},   {DSN_EXPANDED, "expanded"}, {(enum dsn_action)99, "unknown"},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++)
		expect_str("dsn_action_name", dsn_action_name(rows[i].a), rows[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_failure),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_mixed_failed_delayed),
		cmocka_unit_test(test_delayed_only),
		cmocka_unit_test(test_ret_hdrs_vs_full),
		cmocka_unit_test(test_original_shapes),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_boundary_collision),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_foreign),
		cmocka_unit_test(test_parse_not_a_report),
		cmocka_unit_test(test_action_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
