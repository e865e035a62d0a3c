/* test_mailstore.c — users, login (full address, unique local part,
 * ambiguous local part), folders, usage, removal and the Maildir export
 * (into a mkdtemp directory, removed afterwards). */
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

#include "mailstore.h"
#include "util.h"

/* The store every test starts from: bob exists in two domains (so "bob"
 * alone is ambiguous), alice in one. */
static int setup(void **state)
{
	struct mailstore *ms = mailstore_new("mx1.example.net");
	mailstore_add_user(ms, "bob@example.net", "bob-secret", 0);
	mailstore_add_user(ms, "alice@example.net", "alice-secret", 0);
	mailstore_add_user(ms, "bob@example.org", "other-bob", 0);
	*state = ms;
	return 0;
}

/* The export directory of the running test ("" if none): removed by the
 * teardown even when an assertion failed half-way. */
static char export_dir[64];

static void rm_rf(const char *path);

static int teardown(void **state)
{
	mailstore_free(*state);
	if (export_dir[0])
		rm_rf(export_dir);
	export_dir[0] = '\0';
	return 0;
}

/* ---- users and login --------------------------------------------------------- */

static void test_user_lookup(void **state)
{
	struct mailstore *ms = *state;
	assert_int_equal(ms->nusers, 3);
	struct mbox_user *bob = mailstore_user(ms, "bob@example.net");
	assert_non_null(bob);
	assert_string_equal(bob->address, "bob@example.net");
	assert_ptr_equal(mailstore_user(ms, "BOB@Example.NET"), bob);
	assert_null(mailstore_user(ms, "bob"));
	assert_null(mailstore_user(ms, "carol@example.net"));
}

static void test_login_table(void **state)
{
	struct mailstore *ms = *state;
	static const struct {
		const char *user, *pass;
		const char *want; /* address, or NULL for failure */
	} cases[] = {
		{"bob@example.net", "bob-secret", "bob@example.net"},
		{"bob@example.org", "other-bob", "bob@example.org"},
		{"Bob@Example.Net", "bob-secret", "bob@example.net"},
		{"alice", "alice-secret", "alice@example.net"},     /* unique local part */
		{"ALICE", "alice-secret", "alice@example.net"},
		{"bob", "bob-secret", NULL},                       /* ambiguous local part */
		{"bob", "other-bob", NULL},
		{"alice", "wrong", NULL},
		{"bob@example.net", "other-bob", NULL},            /* someone else's password */
		{"bob@example.net", "", NULL},
		{"ali", "alice-secret", NULL},                      /* prefix of a local part */
		{"carol", "x", NULL},
		{"", "", NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct mbox_user *u = mailstore_login(ms, cases[i].user, cases[i].pass);
		const char *got = u ? u->address : "(none)";
		const char *want = cases[i].want ? cases[i].want : "(none)";
		if (strcmp(got, want) != 0)
			fail_msg("login(%s, %s): got %s, want %s", cases[i].user, cases[i].pass, got,
				 want);
	}
}

/* ---- folders, storing, usage ------------------------------------------------------ */

static void test_folders(void **state)
{
	struct mailstore *ms = *state;
	struct mbox_user *u = mailstore_user(ms, "bob@example.net");
	assert_int_equal(u->nfolders, 1);
	assert_string_equal(u->folders[0].name, "INBOX");
	assert_ptr_equal(mbox_folder(u, "inbox", false), &u->folders[0]);
	assert_null(mbox_folder(u, "Junk", false));
	assert_int_equal(u->nfolders, 1);
	struct mfolder *junk = mbox_folder(u, "Junk", true);
	assert_non_null(junk);
	assert_string_equal(junk->name, "Junk");
	assert_int_equal(u->nfolders, 2);
	assert_ptr_equal(mbox_folder(u, "JUNK", true), mbox_folder(u, "Junk", false));
	assert_int_equal(u->nfolders, 2);
}

static void test_store_uids_and_usage(void **state)
{
	struct mailstore *ms = *state;
	struct mbox_user *u = mailstore_user(ms, "bob@example.net");
	assert_int_equal(mbox_usage(u), 0);
	struct stored_msg *m1 = mbox_store(u, "INBOX", "12345", 5, 100, 1000, "m1");
	assert_int_equal(m1->uid, 1);
	assert_int_equal(m1->len, 5);
	assert_memory_equal(m1->data, "12345", 5);
	assert_string_equal(m1->tag, "m1");
	assert_int_equal(m1->stored_at, 100);
	assert_int_equal(m1->flags, 0);
	assert_int_equal(mbox_store(u, "INBOX", "abc", 3, 200, 2000, NULL)->uid, 2);
	/* Storing into a missing folder creates it; UIDs count per folder. */
	struct stored_msg *a = mbox_store(u, "Archive", "xy", 2, 300, 3000, "m3");
	assert_int_equal(a->uid, 1);
	assert_int_equal(u->nfolders, 2);
	assert_int_equal(mbox_usage(u), 10);
	/* Other users are unaffected. */
	assert_int_equal(mbox_usage(mailstore_user(ms, "alice@example.net")), 0);
	struct mfolder *inbox = mbox_folder(u, "INBOX", false);
	assert_string_equal(inbox->msgs[1].tag, "");
}

static void test_remove(void **state)
{
	struct mailstore *ms = *state;
	struct mbox_user *u = mailstore_user(ms, "bob@example.net");
	mbox_store(u, "INBOX", "first", 5, 0, 0, "m1");
	mbox_store(u, "INBOX", "second", 6, 0, 0, "m2");
	mbox_store(u, "INBOX", "third", 5, 0, 0, "m3");
	struct mfolder *f = mbox_folder(u, "INBOX", false);
	mfolder_remove(f, 1);
	assert_int_equal(f->n, 2);
	assert_string_equal(f->msgs[0].tag, "m1");
	assert_string_equal(f->msgs[1].tag, "m3");
	assert_int_equal(f->msgs[1].uid, 3); /* UIDs stay with their messages */
	assert_int_equal(mbox_usage(u), 10);
	mfolder_remove(f, 2); /* out of range: nothing happens */
	assert_int_equal(f->n, 2);
	/* A UID is never reused after a removal (RFC 3501 §2.3.1.1). */
	assert_int_equal(mbox_store(u, "INBOX", "4", 1, 0, 0, "m4")->uid, 4);
	mfolder_remove(f, 0);
	mfolder_remove(f, 0);
	mfolder_remove(f, 0);
	assert_int_equal(f->n, 0);
	assert_int_equal(mbox_usage(u), 0);
}

/* ---- Maildir export --------------------------------------------------------------------- */

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

static void expect_dir(const char *dir, const char *sub, const char *want)
{
	char *path = xasprintf("%s/%s", dir, sub);
	char *got = list_dir(path);
	bool same = strcmp(got, want) == 0;
	if (!same)
		print_error("%s: got [%s], want [%s]\n", sub, got, want);
	free(path);
	free(got);
	if (!same)
		fail();
}

static void expect_file(const char *dir, const char *sub, const char *want, size_t want_len)
{
	char *path = xasprintf("%s/%s", dir, sub);
	FILE *f = fopen(path, "rb");
	free(path);
	if (!f)
		fail_msg("%s: cannot open", sub);
	char buf[4096];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n != want_len || memcmp(buf, want, n) != 0)
		fail_msg("%s: got %zu bytes, want %zu identical bytes", sub, n, want_len);
}

static const char msg_unseen[] = "Subject: one\r\n\r\nunseen\r\n";
static const char msg_seen[] = "Subject: two\r\n\r\nseen\r\n\0binary\xff tail";
static const char msg_all_flags[] = "Subject: three\r\n\r\nflags\r\n";
static const char msg_junk[] = "Subject: spam\r\n\r\nbuy\r\n";

static void test_export_maildir(void **state)
{
	struct mailstore *ms = *state;
	snprintf(export_dir, sizeof export_dir, "/tmp/mailsim-test-mailstore-XXXXXX");
	assert_non_null(mkdtemp(export_dir));
	const char *dir = export_dir;
	struct mbox_user *u = mailstore_user(ms, "bob@example.net");
	/* 2024-05-14T08:15:01.5Z as delivery date. */
	const int64_t when = INT64_C(1715674501500000);
	mbox_store(u, "INBOX", msg_unseen, sizeof msg_unseen - 1, 0, when, "m1");
	mbox_store(u, "INBOX", msg_seen, sizeof msg_seen - 1, 0, when, "m2")->flags = MFLAG_SEEN;
	mbox_store(u, "INBOX", msg_all_flags, sizeof msg_all_flags - 1, 0, when, "m3")->flags =
		MFLAG_SEEN | MFLAG_ANSWERED | MFLAG_FLAGGED | MFLAG_DELETED | MFLAG_DRAFT;
	mbox_store(u, "Junk", msg_junk, sizeof msg_junk - 1, 0, when + 1000000, "m4");

	char err[256] = "";
	bool ok = mailstore_export_maildir(ms, dir, err, sizeof err);
	if (!ok)
		fail_msg("export failed: %s", err);
	/* One Maildir per user; Maildir++ sub-folders as dot-directories. */
	expect_dir(dir, "", "alice@example.net|bob@example.net|bob@example.org");
	expect_dir(dir, "bob@example.net", ".Junk|cur|new|tmp");
	expect_dir(dir, "alice@example.net", "cur|new|tmp");
	expect_dir(dir, "bob@example.net/.Junk", "cur|new|tmp");
	expect_dir(dir, "bob@example.net/tmp", "");
	expect_dir(dir, "bob@example.net/.Junk/tmp", "");
	expect_dir(dir, "bob@example.net/.Junk/cur", "");
	/* Names: <seconds>.M<µs>Q<counter>.<host>, plus ":2,<flags>" in cur/
	 * with the flags in ASCII order. */
	expect_dir(dir, "bob@example.net/new", "1715674501.M500000Q1.mx1.example.net");
	expect_dir(dir, "bob@example.net/cur",
		   "1715674501.M500000Q2.mx1.example.net:2,S|"
		   "1715674501.M500000Q3.mx1.example.net:2,DFRST");
	expect_dir(dir, "bob@example.net/.Junk/new", "1715674502.M500000Q4.mx1.example.net");
	expect_file(dir, "bob@example.net/new/1715674501.M500000Q1.mx1.example.net", msg_unseen,
		    sizeof msg_unseen - 1);
	expect_file(dir, "bob@example.net/cur/1715674501.M500000Q2.mx1.example.net:2,S", msg_seen,
		    sizeof msg_seen - 1);
	expect_file(dir, "bob@example.net/cur/1715674501.M500000Q3.mx1.example.net:2,DFRST",
		    msg_all_flags, sizeof msg_all_flags - 1);
	expect_file(dir, "bob@example.net/.Junk/new/1715674502.M500000Q4.mx1.example.net",
		    msg_junk, sizeof msg_junk - 1);
}

static void test_export_reports_io_error(void **state)
{
	struct mailstore *ms = *state;
	char err[256] = "";
	/* A regular file where the directory should be. */
	char path[] = "/tmp/mailsim-test-notdir-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	bool ok = mailstore_export_maildir(ms, path, err, sizeof err);
	unlink(path);
	assert_false(ok);
	if (!strstr(err, "cannot create directory"))
		fail_msg("error: got \"%s\", want it to say \"cannot create directory\"", err);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_user_lookup),
		T(test_login_table),
		T(test_folders),
		T(test_store_uids_and_usage),
		T(test_remove),
		T(test_export_maildir),
		T(test_export_reports_io_error),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
