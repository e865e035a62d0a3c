/* test_spam.c — the Rspamd-like scorer: exact symbol lists, order and
 * totals for crafted messages (a clean signed message, missing
 * Date/Message-ID/To/Subject/MIME-Version, a bad Message-ID, an all-caps
 * subject, many links, a blocklisted URL host, failing authentication with
 * DNSBL codes, DMARC policies, caller symbols and score overrides, links
 * inside base64 text); the Bayes table trained on 10 spam + 10 ham lines
 * (spam, ham, unknown, too little training, training order); actions at
 * every threshold boundary and the quarantine band; exact X-Spam-Score,
 * X-Spam-Status (also folded) and explanation values; small helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spam.h"
#include "util.h"

#define DATE "Date: Tue, 14 May 2024 10:15:02 +0200\r\n"
#define FROM "From: Alice <alice@a.example>\r\n"
#define TO "To: bob@b.example\r\n"
#define SUBJ "Subject: Lunch on Friday?\r\n"
#define MID "Message-ID: <m1@a.example>\r\n"
#define MIME "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n"
#define GOOD DATE FROM TO SUBJ MID MIME
#define BODY "\r\nHi Bob, are you free for lunch on Friday?\r\nAlice\r\n"

/* "SYM=score SYM=score | total action" */
static void describe(const struct spam_result *r, struct strbuf *sb)
{
	char s[32];
	for (size_t i = 0; i < r->n; i++) {
		spam_format_score(r->hits[i].score, s, sizeof s);
		sb_printf(sb, "%s=%s ", r->hits[i].symbol, s);
	}
	spam_format_score(r->total, s, sizeof s);
	sb_printf(sb, "| %s %s", s, spam_action_name(r->action));
}

static void expect_scan(const char *what, const char *msg, const struct spam_auth *auth,
			const struct spam_config *cfg, const char *want)
{
	struct spam_result r;
	struct strbuf got;
	sb_init(&got);
	spam_check(msg, strlen(msg), auth, cfg, &r);
	describe(&r, &got);
	if (strcmp(got.data, want) != 0)
		fail_msg("%s:\n got: %s\nwant: %s", what, got.data, want);
	sb_free(&got);
	spam_result_clear(&r);
}

/* ---- rules -------------------------------------------------------------- */

static void test_header_rules(void **state)
{
	struct spam_config cfg;
	spam_config_init(&cfg);
	static const struct {
		const char *what, *msg, *want;
	} cases[] = {
		{"clean", GOOD BODY, "| 0.00 no action"},
		{"no Date, no Message-ID", FROM TO SUBJ MIME BODY,
		 "MISSING_MID=2.50 MISSING_DATE=1.00 | 3.50 no action"},
		{"no To, no Subject", DATE FROM MID MIME BODY, "MISSING_SUBJECT=2.00 MISSING_TO=2.00 | 4.00 greylist"},
		{"nothing but From", FROM BODY,
		 "MISSING_MID=2.50 MISSING_SUBJECT=2.00 MISSING_TO=2.00 MISSING_DATE=1.00 | 7.50 add header"},
		{"bad Message-ID", DATE FROM TO SUBJ "Message-ID: not-an-id\r\n" MIME BODY,
		 "INVALID_MSGID=1.70 | 1.70 no action"},
		{"Message-ID with a space", DATE FROM TO SUBJ "Message-ID: <a b@c>\r\n" MIME BODY,
		 "INVALID_MSGID=1.70 | 1.70 no action"},
		{"MIME without MIME-Version", DATE FROM TO SUBJ MID "Content-Type: text/plain\r\n" BODY,
		 "MISSING_MIME_VERSION=2.00 | 2.00 no action"},
		{"no MIME at all", DATE FROM TO SUBJ MID BODY, "| 0.00 no action"},
		{"all-caps subject", DATE FROM TO "Subject: FREE MONEY NOW!!!\r\n" MID MIME BODY,
		 "SUBJ_ALL_CAPS=3.00 | 3.00 no action"},
		{"short caps subject", DATE FROM TO "Subject: RE: OK\r\n" MID MIME BODY, "| 0.00 no action"},
		{"one lower-case letter", DATE FROM TO "Subject: FREE MONEy NOW\r\n" MID MIME BODY,
		 "| 0.00 no action"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_scan(cases[i].what, cases[i].msg, NULL, &cfg, cases[i].want);
}

static void test_link_rules(void **state)
{
	static const char *const bad[] = {"bad.example", "phish.test"};
	struct spam_config cfg;
	spam_config_init(&cfg);
	cfg.bad_hosts = bad;
	cfg.nbad_hosts = ARRAY_LEN(bad);
	static const struct {
		const char *what, *body, *want;
	} cases[] = {
		{"five links", "http://a.example/1 http://a.example/2 https://a.example/3\r\n"
			       "http://a.example/4 HTTP://a.example/5\r\n",
		 "| 0.00 no action"},
		{"six links", "http://a.example/1 http://a.example/2 https://a.example/3\r\n"
			      "http://a.example/4 http://a.example/5 <a href=\"https://a.example/6\">x</a>\r\n",
		 "MANY_LINKS=2.00 | 2.00 no action"},
		{"bad host", "see https://www.Bad.Example/login?x=1 now\r\n", "URIBL_BLACK=7.50 | 7.50 add header"},
		{"bad host with user and port", "http://user@phish.test:8080/x\r\n", "URIBL_BLACK=7.50 | 7.50 add header"},
		{"look-alike host", "http://notbad.example/ http://bad.example.org/\r\n", "| 0.00 no action"},
		{"ftp is not counted", "ftp://bad.example/file\r\n", "| 0.00 no action"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *msg = xasprintf(GOOD "\r\n%s", cases[i].body);
		expect_scan(cases[i].what, msg, NULL, &cfg, cases[i].want);
		free(msg);
	}
	/* The description names the first bad host in document order. */
	struct spam_result r;
	const char *msg = GOOD "\r\nhttp://ok.example/ http://x.phish.test/a http://bad.example/\r\n";
	spam_check(msg, strlen(msg), NULL, &cfg, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.hits[0].desc, "a link points to blocklisted host x.phish.test");
	spam_result_clear(&r);
}

/* Links are found after transfer decoding. */
static void test_links_in_base64_text(void **state)
{
	static const char *const bad[] = {"bad.example"};
	struct spam_config cfg;
	spam_config_init(&cfg);
	cfg.bad_hosts = bad;
	cfg.nbad_hosts = 1;
	const char *text = "Click http://bad.example/win to claim\r\n";
	char *b64 = b64_encode((const unsigned char *)text, strlen(text));
	char *msg = xasprintf(DATE FROM TO SUBJ MID "MIME-Version: 1.0\r\n"
			      "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
			      "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n"
			      "--b\r\nContent-Type: image/png\r\n\r\nhttp://bad.example/not-text\r\n--b--\r\n",
			      b64);
	expect_scan("base64 text part", msg, NULL, &cfg, "URIBL_BLACK=7.50 | 7.50 add header");
	free(msg);
	free(b64);
}

static void test_auth_rules(void **state)
{
	struct spam_config cfg;
	spam_config_init(&cfg);
	static const char *const zen[] = {"127.0.0.2", "127.0.0.4", "127.0.0.11", "127.255.255.254",
					  "127.0.0.5", "not an ip"};
	static const char *const zen_drop[] = {"127.0.0.9", "127.0.0.3", "10.0.0.2"};
	static const struct {
		const char *what;
		struct spam_auth auth;
		const char *want;
	} cases[] = {
		{"all pass", {.spf = "pass", .dkim = "pass", .dmarc = "pass"},
		 "R_DKIM_ALLOW=-0.20 R_SPF_ALLOW=-0.20 DMARC_POLICY_ALLOW=-0.50 | -0.90 no action"},
		{"all fail, reject, listed",
		 {.spf = "fail", .dkim = "fail", .dmarc = "fail", .dmarc_policy = "reject", .rdns_none = true,
		  .helo_not_fqdn = true, .dnsbl = zen, .ndnsbl = ARRAY_LEN(zen)},
		 "RBL_SPAMHAUS_SBL=4.00 RBL_SPAMHAUS_XBL=4.00 DMARC_POLICY_REJECT=2.00 HFILTER_HELO_NOT_FQDN=2.00 "
		 "RBL_SPAMHAUS_PBL=2.00 RDNS_NONE=2.00 R_DKIM_REJECT=1.00 R_SPF_FAIL=1.00 | 18.00 reject"},
		{"DROP and CSS", {.dnsbl = zen_drop, .ndnsbl = ARRAY_LEN(zen_drop)},
		 "RBL_SPAMHAUS_DROP=7.00 RBL_SPAMHAUS_CSS=2.00 | 9.00 add header"},
		{"quarantine policy", {.dmarc = "fail", .dmarc_policy = "quarantine"},
		 "DMARC_POLICY_QUARANTINE=1.50 | 1.50 no action"},
		{"p=none", {.dmarc = "fail", .dmarc_policy = "none"}, "DMARC_POLICY_SOFTFAIL=0.10 | 0.10 no action"},
		{"fail without policy", {.dmarc = "FAIL"}, "DMARC_POLICY_SOFTFAIL=0.10 | 0.10 no action"},
		{"zero-score results", {.spf = "softfail", .dkim = "none", .dmarc = "none"},
		 "DMARC_NA=0.00 R_DKIM_NA=0.00 R_SPF_SOFTFAIL=0.00 | 0.00 no action"},
		{"errors", {.spf = "temperror", .dkim = "permerror", .dmarc = "temperror"},
		 "DMARC_DNSFAIL=0.00 R_DKIM_PERMFAIL=0.00 R_SPF_DNSFAIL=0.00 | 0.00 no action"},
		{"spf none/neutral words", {.spf = "neutral", .dmarc = "permerror"},
		 "DMARC_BAD_POLICY=0.00 R_SPF_NEUTRAL=0.00 | 0.00 no action"},
		{"unknown word ignored", {.spf = "bogus"}, "| 0.00 no action"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_scan(cases[i].what, GOOD BODY, &cases[i].auth, &cfg, cases[i].want);
}

static void test_extra_and_overrides(void **state)
{
	static const struct spam_extra rep[] = {
		{"SENDER_REP_SPAM", SPAM_PTS(3.0), "the sender has a bad reputation"},
		{"CLEANBOX_CONTACT_OK", SPAM_PTS(-1.5), "the recipient wrote to this sender before"},
	};
	static const struct spam_override ov[] = {{"MISSING_DATE", SPAM_PTS(4.25)}, {"NO_SUCH", 100}};
	struct spam_config cfg;
	spam_config_init(&cfg);
	cfg.extra = rep;
	cfg.nextra = ARRAY_LEN(rep);
	cfg.overrides = ov;
	cfg.noverrides = ARRAY_LEN(ov);
	expect_scan("reputation + override", FROM TO SUBJ MID MIME BODY, NULL, &cfg,
		    "MISSING_DATE=4.25 SENDER_REP_SPAM=3.00 CLEANBOX_CONTACT_OK=-1.50 | 5.75 greylist");
}

/* ---- Bayes -------------------------------------------------------------- */

static const char *const spam_lines[] = {
	"Cheap pills online, buy viagra now with a huge discount",
	"You are a winner! Claim your free prize money today",
	"Limited offer: cheap watches, replica luxury, buy now",
	"Earn money fast from home, guaranteed income, click here",
	"Free casino bonus, win big money tonight, click here",
	"Lose weight fast with this miracle pill, order now",
	"Your account won a lottery prize, send your bank details",
	"Hot singles waiting, click here for free access now",
	"Buy cheap meds without prescription, discount pharmacy online",
	"Congratulations winner, claim your free gift card now",
};

static const char *const ham_lines[] = {
	"Are we still meeting for lunch on Friday at noon?",
	"Please find attached the minutes of the project meeting",
	"Can you review my pull request before the release?",
	"The quarterly report draft is ready for your comments",
	"Thanks for dinner yesterday, the kids loved it",
	"Reminder: team meeting moved to Thursday afternoon",
	"Here are the slides from this morning's lecture",
	"Could you send me the invoice for last month?",
	"The build is green again after the compiler fix",
	"Let's schedule a call to discuss the project timeline",
};

static struct spam_bayes *trained(bool reverse)
{
	struct spam_bayes *b = spam_bayes_new();
	for (size_t k = 0; k < 10; k++) {
		size_t i = reverse ? 9 - k : k;
		if (reverse) {
			spam_bayes_train(b, ham_lines[i], false);
			spam_bayes_train(b, spam_lines[i], true);
		} else {
			spam_bayes_train(b, spam_lines[i], true);
			spam_bayes_train(b, ham_lines[i], false);
		}
	}
	return b;
}

#define SPAMMY "Click here to claim your free money prize, buy now, cheap discount."
#define HAMMY "Can we move the project meeting to Thursday? The report draft is ready for review."

static void test_bayes_table(void **state)
{
	struct spam_bayes *b = trained(false);
	assert_int_equal(spam_bayes_learned(b, true), 10);
	assert_int_equal(spam_bayes_learned(b, false), 10);
	assert_true(spam_bayes_size(b) > 100);
	double p;
	assert_true(spam_bayes_classify(b, SPAMMY, &p));
	if (p < SPAM_BAYES_SPAM_MIN)
		fail_msg("spammy: got %.6f, want >= 0.95", p);
	assert_true(spam_bayes_classify(b, HAMMY, &p));
	if (p > SPAM_BAYES_HAM_MAX)
		fail_msg("hammy: got %.6f, want <= 0.05", p);
	assert_true(spam_bayes_classify(b, "quantum zebra xylophone", &p));
	assert_true(p == 0.5); /* no known word: no opinion */
	/* Training order does not matter, to the bit. */
	struct spam_bayes *r = trained(true);
	double p1, p2;
	assert_true(spam_bayes_classify(b, SPAMMY " " HAMMY, &p1));
	assert_true(spam_bayes_classify(r, SPAMMY " " HAMMY, &p2));
	assert_memory_equal(&p1, &p2, sizeof p1);
	spam_bayes_free(r);
	spam_bayes_free(b);
}

static void test_bayes_needs_training(void **state)
{
	struct spam_bayes *b = spam_bayes_new();
	for (size_t i = 0; i < 4; i++) {
		spam_bayes_train(b, spam_lines[i], true);
		spam_bayes_train(b, ham_lines[i], false);
	}
	double p = 0;
	assert_false(spam_bayes_classify(b, SPAMMY, &p));
	assert_true(p == 0.5);
	spam_bayes_set_min_learns(b, 4);
	assert_true(spam_bayes_classify(b, SPAMMY, &p));
	assert_true(p > 0.5);
	spam_bayes_free(b);
}

static void test_bayes_symbols(void **state)
{
	struct spam_bayes *b = trained(false);
	struct spam_config cfg;
	spam_config_init(&cfg);
	cfg.bayes = b;
	expect_scan("spammy", DATE FROM TO "Subject: Claim your free prize now\r\n" MID MIME "\r\n" SPAMMY "\r\n",
		    NULL, &cfg, "BAYES_SPAM=5.10 | 5.10 greylist");
	expect_scan("hammy", DATE FROM TO "Subject: Project meeting\r\n" MID MIME "\r\n" HAMMY "\r\n", NULL,
		    &cfg, "BAYES_HAM=-3.00 | -3.00 no action");
	expect_scan("unknown words", DATE FROM TO "Subject: Zebra\r\n" MID MIME "\r\nquantum xylophone\r\n",
		    NULL, &cfg, "| 0.00 no action");
	struct spam_result r;
	const char *msg = GOOD "\r\n" SPAMMY "\r\n";
	spam_check(msg, strlen(msg), NULL, &cfg, &r);
	assert_true(r.bayes_ran);
	assert_int_equal(r.n, 1);
	char want[128];
	unsigned pm = (unsigned)(r.bayes_prob * 1000.0 + 0.5);
	snprintf(want, sizeof want, "the Bayes classifier rates it %u.%u%% spam", pm / 10, pm % 10);
	assert_string_equal(r.hits[0].desc, want);
	spam_result_clear(&r);
	spam_bayes_free(b);
}

/* ---- actions ------------------------------------------------------------ */

static void test_action_boundaries(void **state)
{
	struct spam_config cfg;
	spam_config_init(&cfg);
	struct spam_thresholds rw = cfg.t;
	rw.rewrite_subject = 800;
	static const struct {
		int total;
		enum spam_action def, with_rewrite;
	} cases[] = {
		{-300, SPAM_NO_ACTION, SPAM_NO_ACTION},
		{399, SPAM_NO_ACTION, SPAM_NO_ACTION},
		{400, SPAM_GREYLIST, SPAM_GREYLIST},
		{599, SPAM_GREYLIST, SPAM_GREYLIST},
		{600, SPAM_ADD_HEADER, SPAM_ADD_HEADER},
		{799, SPAM_ADD_HEADER, SPAM_ADD_HEADER},
		{800, SPAM_ADD_HEADER, SPAM_REWRITE_SUBJECT},
		{1499, SPAM_ADD_HEADER, SPAM_REWRITE_SUBJECT},
		{1500, SPAM_REJECT, SPAM_REJECT},
		{99999, SPAM_REJECT, SPAM_REJECT},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		enum spam_action a = spam_action_for(cases[i].total, &cfg.t);
		enum spam_action b = spam_action_for(cases[i].total, &rw);
		if (a != cases[i].def || b != cases[i].with_rewrite)
			fail_msg("total %d: got %s / %s, want %s / %s", cases[i].total, spam_action_name(a),
				 spam_action_name(b), spam_action_name(cases[i].def),
				 spam_action_name(cases[i].with_rewrite));
	}
	struct spam_thresholds off = {SPAM_OFF, SPAM_OFF, SPAM_OFF, SPAM_OFF, SPAM_OFF};
	assert_int_equal(spam_action_for(1000000, &off), SPAM_NO_ACTION);
}

/* Through spam_check: a caller symbol sets the exact total. */
static void test_quarantine_band(void **state)
{
	static const struct {
		int total;
		bool quarantine;
		enum spam_action action;
	} cases[] = {
		{999, false, SPAM_ADD_HEADER},
		{1000, true, SPAM_ADD_HEADER},
		{1499, true, SPAM_ADD_HEADER},
		{1500, false, SPAM_REJECT},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct spam_extra x = {"LOCAL_TEST", cases[i].total, "a test score"};
		struct spam_config cfg;
		spam_config_init(&cfg);
		cfg.t.quarantine = 1000;
		cfg.extra = &x;
		cfg.nextra = 1;
		struct spam_result r;
		spam_check(GOOD BODY, strlen(GOOD BODY), NULL, &cfg, &r);
		if (r.total != cases[i].total || r.quarantine != cases[i].quarantine || r.action != cases[i].action)
			fail_msg("total %d: got total %d quarantine %d %s, want quarantine %d %s", cases[i].total,
				 r.total, r.quarantine, spam_action_name(r.action), cases[i].quarantine,
				 spam_action_name(cases[i].action));
		spam_result_clear(&r);
	}
}

/* ---- report headers ----------------------------------------------------- */

static void test_format_score(void **state)
{
	static const struct {
		int c;
		const char *want;
	} cases[] = {{0, "0.00"}, {730, "7.30"}, {-90, "-0.90"}, {-5, "-0.05"}, {1500, "15.00"}, {7, "0.07"}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char s[32];
		spam_format_score(cases[i].c, s, sizeof s);
		if (strcmp(s, cases[i].want) != 0)
			fail_msg("score %d: got %s, want %s", cases[i].c, s, cases[i].want);
	}
	assert_int_equal(SPAM_PTS(1.7), 170);
	assert_int_equal(SPAM_PTS(-0.2), -20);
	assert_int_equal(SPAM_PTS(7.5), 750);
	assert_int_equal(SPAM_PTS(5.1), 510);
}

static void test_report_headers(void **state)
{
	static const char *const bad[] = {"bad.example"};
	struct spam_config cfg;
	spam_config_init(&cfg);
	cfg.bad_hosts = bad;
	cfg.nbad_hosts = 1;
	struct spam_auth auth = {.spf = "pass", .dkim = "none", .dmarc = "none"};
	const char *msg = FROM TO SUBJ MIME "\r\nWin at http://bad.example/ now\r\n";
	struct spam_result r;
	spam_check(msg, strlen(msg), &auth, &cfg, &r);
	struct strbuf sb;
	sb_init(&sb);
	spam_header_score(&r, &sb);
	assert_string_equal(sb.data, "10.80");
	sb_clear(&sb);
	spam_header_status(&r, &cfg, strlen("X-Spam-Status: "), &sb);
	assert_string_equal(sb.data, "Yes, score=10.80 required=6.00 tests=DMARC_NA,MISSING_DATE,\r\n"
				     "\tMISSING_MID,R_DKIM_NA,R_SPF_ALLOW,URIBL_BLACK");
	sb_clear(&sb);
	spam_header_explanation(&r, &sb);
	assert_string_equal(sb.data, "Probably spam (score 10.80, add header): a link points to blocklisted "
				     "host bad.example (+7.50), the Message-ID header is missing (+2.50) and the "
				     "Date header is missing (+1.00).");
	spam_result_clear(&r);

	/* A clean, signed message. */
	struct spam_auth good = {.spf = "pass", .dkim = "pass", .dmarc = "pass"};
	spam_check(GOOD BODY, strlen(GOOD BODY), &good, &cfg, &r);
	sb_clear(&sb);
	spam_header_status(&r, &cfg, 15, &sb);
	assert_string_equal(sb.data, "No, score=-0.90 required=6.00 tests=DMARC_POLICY_ALLOW,\r\n"
				     "\tR_DKIM_ALLOW,R_SPF_ALLOW");
	sb_clear(&sb);
	spam_header_explanation(&r, &sb);
	assert_string_equal(sb.data, "Looks legitimate (score -0.90, no action): DMARC passes (-0.50), SPF "
				     "allows the sending IP (-0.20) and a DKIM signature verifies (-0.20).");
	spam_result_clear(&r);

	/* Nothing at all. */
	spam_check(GOOD BODY, strlen(GOOD BODY), NULL, &cfg, &r);
	sb_clear(&sb);
	spam_header_status(&r, &cfg, 15, &sb);
	assert_string_equal(sb.data, "No, score=0.00 required=6.00 tests=none");
	sb_clear(&sb);
	spam_header_explanation(&r, &sb);
	assert_string_equal(sb.data, "Looks legitimate (score 0.00, no action): no rule changed the score.");
	spam_result_clear(&r);
	sb_free(&sb);
}

static void test_helpers(void **state)
{
	assert_string_equal(spam_action_reply(SPAM_REJECT), "554 5.7.1 Spam message rejected");
	assert_string_equal(spam_action_reply(SPAM_GREYLIST), "451 4.7.1 Try again later");
	assert_null(spam_action_reply(SPAM_ADD_HEADER));
	assert_null(spam_action_reply(SPAM_NO_ACTION));
	assert_string_equal(spam_action_name(SPAM_REWRITE_SUBJECT), "rewrite subject");
	struct strbuf sb;
	sb_init(&sb);
	spam_rewrite_subject("Lunch?", &sb);
	assert_string_equal(sb.data, "***SPAM*** Lunch?");
	sb_free(&sb);
	struct spam_config cfg;
	spam_config_init(&cfg);
	assert_int_equal(cfg.t.greylist, 400);
	assert_int_equal(cfg.t.add_header, 600);
	assert_int_equal(cfg.t.rewrite_subject, SPAM_OFF);
	assert_int_equal(cfg.t.reject, 1500);
	assert_int_equal(cfg.t.quarantine, SPAM_OFF);
	assert_int_equal(cfg.many_links, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_link_rules),
		cmocka_unit_test(test_links_in_base64_text),
		cmocka_unit_test(test_auth_rules),
		cmocka_unit_test(test_extra_and_overrides),
		cmocka_unit_test(test_bayes_table),
		cmocka_unit_test(test_bayes_needs_training),
		cmocka_unit_test(test_bayes_symbols),
		cmocka_unit_test(test_action_boundaries),
		cmocka_unit_test(test_quarantine_band),
		cmocka_unit_test(test_format_score),
		cmocka_unit_test(test_report_headers),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
