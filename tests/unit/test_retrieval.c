/* test_retrieval.c — the retrieval side in whole scenario runs: IMAP IDLE
 * push at the moment of storage (imap-idle), STARTTLS before LOGIN, and
 * POP3/IMAP deletions as mailbox.expunge events with the store really
 * emptied. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "scenario_run.h"

/* The first imap.send whose line is exactly `line` (and dir), or NULL. */
static const cJSON *imap_line(const struct run *r, const char *dir, const char *line)
{
	for (size_t i = 0; i < r->nev; i++)
		if (!strcmp(str(r->ev[i], "kind"), "imap.send") && !strcmp(str(r->ev[i], "dir"), dir) &&
		    !strcmp(str(r->ev[i], "line"), line))
			return r->ev[i];
	return NULL;
}

static size_t index_of(const struct run *r, const cJSON *ev)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i] == ev)
			return i;
	fail_msg("event not in the run");
	return 0;
}

/* Seed 003 step 12: the client in IDLE hears "* 1 EXISTS" at the very
 * simulated time the message is stored, then DONE and FETCH. */
static void test_idle_push_at_store_time(void **state)
{
	struct run r;
	run_scenario("imap-idle", &r);
	assert_accounted(&r);
	const cJSON *store = nth(&r, "mailbox.store", "mx1.example.net", 0);
	const cJSON *idle = imap_line(&r, "s2c", "+ idling");
	const cJSON *exists = imap_line(&r, "s2c", "* 1 EXISTS");
	const cJSON *done = imap_line(&r, "c2s", "DONE");
	assert_non_null(store);
	assert_non_null(idle);
	assert_non_null(exists);
	assert_non_null(done);
	/* idling before the mail came, pushed at the store's instant */
	assert_true(num(idle, "t") < num(store, "t"));
	assert_true(num(exists, "t") == num(store, "t"));
	assert_true(index_of(&r, exists) > index_of(&r, store));
	assert_true(index_of(&r, done) > index_of(&r, exists));
	/* the RECENT that goes with it, then the fetch of exactly the new one */
	const cJSON *recent = r.ev[index_of(&r, exists) + 1];
	assert_string_equal(str(recent, "line"), "* 1 RECENT");
	assert_non_null(imap_line(&r, "c2s", "a6 FETCH 1:* (FLAGS BODY[])"));
	const cJSON *fetch = nth(&r, "mailbox.fetch", "bob-laptop.example.net", 0);
	assert_non_null(fetch);
	assert_int_equal((int)num(fetch, "count"), 1);
	assert_true(num(fetch, "t") - num(store, "t") < 0.1);
	assert_int_equal(count(&r, "mailbox.fetch", "bob-laptop.example.net"), 1);
	/* LOGIN only after TLS: the cleartext greeting says LOGINDISABLED */
	const cJSON *login = imap_line(&r, "c2s", "a3 LOGIN bob@example.net bob-secret");
	assert_non_null(login);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(login, "tls")));
	/* the window ends: DONE, LOGOUT, and the message stays (keep) */
	assert_non_null(imap_line(&r, "c2s", "a8 LOGOUT"));
	assert_int_equal(inbox(&r, "mx1.example.net", "bob@example.net")->n, 1);
	run_free(&r);
}

/* A long window: IDLE is renewed every 29 minutes [RFC 2177 §3]. */
static void test_idle_renewed(void **state)
{
	struct run r;
	run_text(edit(basic(), "\"at\": [30] }", "\"at\": [0.2], \"idle\": 3600 }"), &r);
	int idles = 0, dones = 0;
	for (size_t i = 0; i < r.nev; i++) {
		const char *line = str(r.ev[i], "line");
		idles += !strcmp(str(r.ev[i], "dir"), "c2s") && strstr(line, " IDLE") != NULL;
		dones += !strcmp(line, "DONE");
	}
	/* after SELECT, after the push's FETCH, at 29 min and 58 min */
	assert_int_equal(idles, 4);
	assert_int_equal(dones, 4);
	run_free(&r);
}

static void expect_expunge(const struct run *r, const char *protocol, const char *msg)
{
	const cJSON *ex = nth(r, "mailbox.expunge", "mx1.example.net", 0);
	assert_non_null(ex);
	assert_string_equal(str(ex, "protocol"), protocol);
	assert_string_equal(str(ex, "user"), "bob@example.net");
	assert_string_equal(str(ex, "folder"), "INBOX");
	assert_int_equal((int)num(ex, "count"), 1);
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(ex, "msgs");
	assert_int_equal(cJSON_GetArraySize(msgs), 1);
	assert_string_equal(cJSON_GetArrayItem(msgs, 0)->valuestring, msg);
	assert_int_equal(count(r, "mailbox.expunge", NULL), 1);
}

/* POP3 DELE marks, QUIT's UPDATE state removes [RFC 1939 §6]: the trace
 * says so and the store has lost the message. */
static void test_pop3_quit_expunges(void **state)
{
	struct run r;
	char *t = edit(basic(), "\"protocol\": \"imap\", \"server\": \"mx1.example.net\", \"at\": [30] }",
		       "\"protocol\": \"pop3\", \"server\": \"mx1.example.net\", \"at\": [30], "
		       "\"keep\": false }");
	run_text(t, &r);
	expect_expunge(&r, "pop3", "m1");
	const cJSON *ex = nth(&r, "mailbox.expunge", NULL, 0);
	const cJSON *quit = NULL;
	for (size_t i = 0; i < r.nev && !quit; i++)
		if (!strcmp(str(r.ev[i], "line"), "QUIT"))
			quit = r.ev[i];
	assert_non_null(quit);
	assert_true(index_of(&r, ex) > index_of(&r, quit));
	assert_int_equal(inbox(&r, "mx1.example.net", "bob@example.net")->n, 0);
	run_free(&r);
}

/* IMAP: STORE \Deleted then CLOSE expunges silently [RFC 3501 §6.4.2]. */
static void test_imap_close_expunges(void **state)
{
	struct run r;
	run_text(edit(basic(), "\"at\": [30] }", "\"at\": [30], \"keep\": false }"), &r);
	expect_expunge(&r, "imap", "m1");
	assert_int_equal(inbox(&r, "mx1.example.net", "bob@example.net")->n, 0);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_push_at_store_time),
		cmocka_unit_test(test_idle_renewed),
		cmocka_unit_test(test_pop3_quit_expunges),
		cmocka_unit_test(test_imap_close_expunges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
