/* test_export.c — the Maildir and mbox exports of a mail store built by
 * hand (no scenario loader in between): layout, unique names, cur/ vs new/
 * and flags, LF line ends, the mbox From_ line and mboxrd quoting, I/O
 * errors, and refusing names that would leave the export directory. Files
 * go into a mkdtemp directory that the teardown removes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "mailstore.h"
#include "util.h"

/* The export directory of the running test ("" if none): removed by the
 * teardown even when an assertion failed half-way. */
static char export_dir[64];

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *sub = xasprintf("%s/%s", path, e->d_name);
			rm_rf(sub);
			free(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* bob has two folders, alice none but INBOX. */
static int setup(void **state)
{
	struct mailstore *ms = mailstore_new("mx1.example.net");
	mailstore_add_user(ms, "bob@example.net", "b", 0);
	mailstore_add_user(ms, "alice@example.net", "a", 0);
	*state = ms;
	snprintf(export_dir, sizeof export_dir, "/tmp/mailsim-test-export-XXXXXX");
	return mkdtemp(export_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	mailstore_free(*state);
	rm_rf(export_dir);
	export_dir[0] = '\0';
	return 0;
}

/* The names in a directory, sorted, joined with '|' (caller frees). */
static char *list_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return xstrdup("(missing)");
	char *names[64];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < ARRAY_LEN(names))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			names[n++] = xstrdup(e->d_name);
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
			char *t = names[k];
			names[k] = names[k - 1];
			names[k - 1] = t;
		}
	struct strbuf sb;
	sb_init(&sb);
	sb_puts(&sb, "");
	for (size_t i = 0; i < n; i++) {
		sb_printf(&sb, "%s%s", i ? "|" : "", names[i]);
		free(names[i]);
	}
	return sb_steal(&sb);
}

static void expect_dir(const char *sub, const char *want)
{
	char *path = xasprintf("%s/%s", export_dir, sub);
	char *got = list_dir(path);
	bool same = strcmp(got, want) == 0;
	if (!same)
		print_error("%s: got [%s], want [%s]\n", sub, got, want);
	free(path);
	free(got);
	if (!same)
		fail();
}

static void expect_file(const char *sub, const char *want, size_t want_len)
{
	char *path = xasprintf("%s/%s", export_dir, sub);
	struct strbuf got;
	sb_init(&got);
	bool ok = read_file(path, &got);
	free(path);
	bool same = ok && got.len == want_len && (want_len == 0 || memcmp(got.data, want, want_len) == 0);
	if (!same)
		print_error("%s: got %zu bytes [%s], want %zu bytes [%s]\n", sub, got.len,
			    got.data ? got.data : "(unreadable)", want_len, want);
	sb_free(&got);
	if (!same)
		fail();
}

#define EXPECT_FILE(sub, lit) expect_file(sub, lit, sizeof lit - 1)

static const char msg_unseen[] = "Subject: one\r\n\r\nunseen\r\n";
static const char msg_seen[] = "Subject: two\r\n\r\nseen\r\n\0binary\xff tail";
static const char msg_all_flags[] = "Subject: three\r\n\r\nflags\r\n";
static const char msg_junk[] = "Subject: spam\r\n\r\nbuy\r\n";
static const char msg_read[] = "Subject: four\r\n\r\nread, no flags\r\n";

/* 2024-05-14T08:15:01.5Z as the delivery date. */
static const int64_t when = INT64_C(1715674501500000);

static struct stored_msg *store(struct mailstore *ms, const char *user, const char *folder,
				const char *text, size_t len, int64_t at)
{
	return mbox_store(mailstore_user(ms, user), folder, text, len, 0, at, "m");
}

#define STORE(ms, user, folder, lit, at) store(ms, user, folder, lit, sizeof lit - 1, at)

static void test_maildir(void **state)
{
	struct mailstore *ms = *state;
	const char *bob = "bob@example.net";
	STORE(ms, bob, "INBOX", msg_unseen, when);
	STORE(ms, bob, "INBOX", msg_seen, when)->flags = MFLAG_SEEN;
	STORE(ms, bob, "INBOX", msg_all_flags, when)->flags =
		MFLAG_SEEN | MFLAG_ANSWERED | MFLAG_FLAGGED | MFLAG_DELETED | MFLAG_DRAFT;
	STORE(ms, bob, "Junk", msg_junk, when + 1000000);
	STORE(ms, bob, "INBOX", msg_read, when + 2000000)->noticed = true;

	char err[512] = "";
	if (!export_store_maildir(ms, 7, export_dir, err, sizeof err))
		fail_msg("export failed: %s", err);
	/* One Maildir per user; Maildir++ sub-folders as dot-directories. */
	expect_dir("", "alice@example.net|bob@example.net");
	expect_dir("bob@example.net", ".Junk|cur|new|tmp");
	expect_dir("alice@example.net", "cur|new|tmp");
	expect_dir("bob@example.net/.Junk", "cur|new|tmp");
	expect_dir("bob@example.net/tmp", "");
	expect_dir("bob@example.net/.Junk/tmp", "");
	expect_dir("bob@example.net/.Junk/cur", "");
	/* <seconds>.M<µs>P<pid>Q<delivery>.<host>; unread in new/ without
	 * info, the rest in cur/ with ":2," and the flags in ASCII order. */
	expect_dir("bob@example.net/new", "1715674501.M500000P7Q1.mx1.example.net");
	expect_dir("bob@example.net/cur",
		   "1715674501.M500000P7Q2.mx1.example.net:2,S|"
		   "1715674501.M500000P7Q3.mx1.example.net:2,DFRST|"
		   "1715674503.M500000P7Q5.mx1.example.net:2,");
	expect_dir("bob@example.net/.Junk/new", "1715674502.M500000P7Q4.mx1.example.net");
	/* LF line ends; every other byte as stored. */
	EXPECT_FILE("bob@example.net/new/1715674501.M500000P7Q1.mx1.example.net",
		    "Subject: one\n\nunseen\n");
	EXPECT_FILE("bob@example.net/cur/1715674501.M500000P7Q2.mx1.example.net:2,S",
		    "Subject: two\n\nseen\n\0binary\xff tail");
	EXPECT_FILE("bob@example.net/cur/1715674501.M500000P7Q3.mx1.example.net:2,DFRST",
		    "Subject: three\n\nflags\n");
	EXPECT_FILE("bob@example.net/.Junk/new/1715674502.M500000P7Q4.mx1.example.net",
		    "Subject: spam\n\nbuy\n");
}

/* Unique names never depend on the export: exporting twice gives the same
 * names, and a host name with '/' or ':' is escaped as the spec asks. */
static void test_maildir_names_stable_and_escaped(void **state)
{
	(void)state;
	struct mailstore *ms = mailstore_new("odd/host:name");
	mailstore_add_user(ms, "bob@example.net", "b", 0);
	STORE(ms, "bob@example.net", "INBOX", msg_unseen, when);
	char err[512] = "";
	for (int i = 0; i < 2; i++)
		if (!export_store_maildir(ms, 1, export_dir, err, sizeof err))
			fail_msg("export failed: %s", err);
	mailstore_free(ms);
	expect_dir("bob@example.net/new", "1715674501.M500000P1Q1.odd\\057host\\072name");
}

static void test_maildir_io_error(void **state)
{
	struct mailstore *ms = *state;
	char err[512] = "";
	/* A regular file where the directory should be. */
	char *path = xasprintf("%s/file", export_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	bool ok = export_store_maildir(ms, 1, path, err, sizeof err);
	free(path);
	assert_false(ok);
	if (!strstr(err, "cannot create directory"))
		fail_msg("error: got \"%s\", want it to say \"cannot create directory\"", err);
}

/* The From_ line, mboxrd quoting (only ^>*From , one more '>'), LF, a
 * missing final newline supplied, a blank line after every message. */
static void test_mbox_text(void **state)
{
	struct mailstore *ms = *state;
	static const char a[] = "Return-Path: <alice@example.org>\r\nSubject: a\r\n\r\n"
				"From here\r\n>From there\r\n>>From afar\r\nFrom\r\n From x\r\n"
				"Fromage\r\nno newline";
	static const char dsn[] = "Return-Path: <>\r\nSubject: bounce\r\n\r\nsorry\r\n";
	static const char none[] = "Subject: no return path\r\n\r\nReturn-Path: <not@header>\r\n";
	static const char odd[] = "return-path:  <\"a b\"@example.org>\r\n\r\nx\r\n";
	const char *bob = "bob@example.net";
	STORE(ms, bob, "INBOX", a, when);
	STORE(ms, bob, "INBOX", dsn, INT64_C(1704067199000000)); /* 2023-12-31 23:59:59 */
	STORE(ms, bob, "INBOX", none, INT64_C(1709251200000000)); /* 2024-03-01 00:00:00 */
	STORE(ms, bob, "INBOX", odd, 0);
	struct strbuf out;
	sb_init(&out);
	export_mbox_folder(mbox_folder(mailstore_user(ms, bob), "INBOX", false), &out);
	static const char want[] =
		"From alice@example.org Tue May 14 08:15:01 2024\n"
		"Return-Path: <alice@example.org>\nSubject: a\n\n"
		">From here\n>>From there\n>>>From afar\nFrom\n From x\nFromage\nno newline\n"
		"\n"
		"From MAILER-DAEMON Sun Dec 31 23:59:59 2023\n"
		"Return-Path: <>\nSubject: bounce\n\nsorry\n"
		"\n"
		"From MAILER-DAEMON Fri Mar  1 00:00:00 2024\n"
		"Subject: no return path\n\nReturn-Path: <not@header>\n"
		"\n"
		"From \"a_b\"@example.org Thu Jan  1 00:00:00 1970\n"
		"return-path:  <\"a b\"@example.org>\n\nx\n"
		"\n";
	assert_string_equal(out.data, want);
	sb_free(&out);
}

static void test_mbox_files(void **state)
{
	struct mailstore *ms = *state;
	STORE(ms, "bob@example.net", "INBOX", "Return-Path: <a@b.example>\r\n\r\nhi\r\n", when);
	STORE(ms, "bob@example.net", "Junk", "Return-Path: <s@p.example>\r\n\r\nbuy\r\n", when);
	char err[512] = "";
	if (!export_store_mbox(ms, export_dir, err, sizeof err))
		fail_msg("export failed: %s", err);
	expect_dir("", "alice@example.net|bob@example.net");
	expect_dir("bob@example.net", "INBOX|Junk");
	expect_dir("alice@example.net", "INBOX");
	EXPECT_FILE("alice@example.net/INBOX", "");
	EXPECT_FILE("bob@example.net/INBOX",
		    "From a@b.example Tue May 14 08:15:01 2024\nReturn-Path: <a@b.example>\n\nhi\n\n");
	EXPECT_FILE("bob@example.net/Junk",
		    "From s@p.example Tue May 14 08:15:01 2024\nReturn-Path: <s@p.example>\n\nbuy\n\n");
}

/* A failed flush at close (the disk is full): reported once, the stream
 * closed once. /dev/full takes the open and the buffered write and fails
 * the flush with ENOSPC; the export used to fclose() the stream again after
 * that failed fclose() (a double free under AddressSanitizer). */
static void test_mbox_write_error_at_close(void **state)
{
	struct mailstore *ms = *state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	STORE(ms, "bob@example.net", "INBOX", "Return-Path: <a@b.example>\r\n\r\nhi\r\n", when);
	char *user_dir = xasprintf("%s/bob@example.net", export_dir);
	char *inbox = xasprintf("%s/INBOX", user_dir);
	assert_int_equal(mkdir(user_dir, 0755), 0);
	assert_int_equal(symlink("/dev/full", inbox), 0);
	char err[512] = "";
	bool ok = export_store_mbox(ms, export_dir, err, sizeof err);
	assert_int_equal(unlink(inbox), 0);
	free(inbox);
	free(user_dir);
	assert_false(ok);
	if (!strstr(err, "cannot write") || !strstr(err, "No space left on device"))
		fail_msg("error: got \"%s\", want \"cannot write ...: No space left on device\"", err);
}

static void test_name_problem(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		size_t len;
		const char *want; /* NULL: fine */
	} cases[] = {
		{"INBOX", 5, NULL},
		{"bob@example.net", 15, NULL},
		{"Lists.debian-user", 17, NULL},
		{"a.b", 3, NULL},
		{"", 0, "is empty"},
		{".", 1, "starts with \".\""},
		{"..", 2, "starts with \".\""},
		{".hidden", 7, "starts with \".\""},
		{"../x@example.net", 16, "starts with \".\""},
		{"a/b", 3, "contains \"/\""},
		{"x..y", 4, "contains \"..\""},
		{"a\\b", 3, "contains a backslash"},
		{"a\nb", 3, "contains a control character"},
		{"tab\there", 8, "contains a control character"},
		{"del\x7f", 4, "contains a control character"},
		{"nul\0/../x", 9, "contains a NUL character"},
		{"caf\xc3\xa9", 5, NULL}, /* UTF-8 is fine */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *got = mailstore_name_problem(cases[i].name, cases[i].len);
		const char *want = cases[i].want;
		if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got ? got : "(ok)",
				 want ? want : "(ok)");
	}
}

/* Defence in depth: names the scenario loader refuses, put into a store
 * directly, are refused by the exporter too, before any file is written. */
static void test_refuses_escaping_names(void **state)
{
	(void)state;
	static const struct {
		const char *address, *folder, *want;
	} cases[] = {
		{"../../etc@example.net", "INBOX", "refusing to export mailbox \"../../etc@example.net\" "
						   "of mx1.example.net: the name starts with \".\""},
		{"a/b@example.net", "INBOX", "mailbox \"a/b@example.net\" of mx1.example.net: the "
					     "name contains \"/\""},
		{"bob@example.net", "../../../tmp/x", "folder \"../../../tmp/x\""},
		{"bob@example.net", "Junk/../../x", "the name contains \"/\""},
		{"bob@example.net", "..", "folder \"..\" of mx1.example.net: the name starts with"},
		{"bob@example.net", "a\\b", "contains a backslash"},
		{"bob@example.net", "bell\a", "folder \"bell?\" of mx1.example.net: the name contains "
					     "a control character"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct mailstore *ms = mailstore_new("mx1.example.net");
		mailstore_add_user(ms, "carol@example.net", "c", 0);
		struct mbox_user *u = mailstore_add_user(ms, cases[i].address, "x", 0);
		mbox_store(u, cases[i].folder, "x\r\n", 3, 0, when, "m");
		for (int mbox = 0; mbox < 2; mbox++) {
			char err[512] = "";
			bool ok = mbox ? export_store_mbox(ms, export_dir, err, sizeof err)
				       : export_store_maildir(ms, 1, export_dir, err, sizeof err);
			if (ok || !strstr(err, cases[i].want))
				fail_msg("case %zu (%s): ok=%d, error \"%s\", want \"%s\"", i,
					 mbox ? "mbox" : "maildir", ok, err, cases[i].want);
			if (!strstr(err, "must stay inside the export directory"))
				fail_msg("case %zu: the error does not say why: %s", i, err);
		}
		mailstore_free(ms);
		/* Not even carol's mailbox was written. */
		expect_dir("", "");
	}
}

static void test_asctime(void **state)
{
	(void)state;
	char out[40];
	asctime_utc(0, out, sizeof out);
	assert_string_equal(out, "Thu Jan  1 00:00:00 1970");
	asctime_utc(INT64_C(951782400000000), out, sizeof out); /* a leap day */
	assert_string_equal(out, "Tue Feb 29 00:00:00 2000");
	asctime_utc(INT64_C(4102444799999999), out, sizeof out);
	assert_string_equal(out, "Thu Dec 31 23:59:59 2099");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_maildir),
		T(test_maildir_names_stable_and_escaped),
		T(test_maildir_io_error),
		T(test_mbox_text),
		T(test_mbox_files),
		T(test_mbox_write_error_at_close),
		T(test_name_problem),
		T(test_refuses_escaping_names),
		T(test_asctime),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
