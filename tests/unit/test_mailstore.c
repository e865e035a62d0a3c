/* test_mailstore.c — users, login (full address, unique local part,
 * ambiguous local part), folders, usage, removal, delivery numbers. The
 * exports are tested in test_export.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int teardown(void **state)
{
	mailstore_free(*state);
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
	/* Deliveries are numbered per store, across users and folders. */
	assert_int_equal(inbox->msgs[0].seq, 1);
	assert_int_equal(inbox->msgs[1].seq, 2);
	assert_int_equal(mbox_folder(u, "Archive", false)->msgs[0].seq, 3);
	assert_int_equal(mbox_store(mailstore_user(ms, "alice@example.net"), "INBOX", "z", 1, 0, 0,
				    NULL)->seq, 4);
	assert_false(inbox->msgs[0].noticed);
}

static void test_remove(void **state)
{
	struct mailstore *ms = *state;
	struct mbox_user *u = mailstore_user(ms, "bob@example.net");
	mbox_store(u, "INBOX", "first", 5, 0, 0, "m1");
	mbox_store(u, "INBOX", "second", 6, 0, 0, "m2");
	mbox_store(u, "INBOX", "third", 5, 0, 0, "m3");
	struct mfolder *f = mbox_folder(u, "INBOX", false);
	mfolder_remove(u, f, 1);
	assert_int_equal(f->n, 2);
	assert_string_equal(f->msgs[0].tag, "m1");
	assert_string_equal(f->msgs[1].tag, "m3");
	assert_int_equal(f->msgs[1].uid, 3); /* UIDs stay with their messages */
	assert_int_equal(mbox_usage(u), 10);
	mfolder_remove(u, f, 2); /* out of range: nothing happens */
	assert_int_equal(f->n, 2);
	/* A UID is never reused after a removal (RFC 3501 §2.3.1.1). */
	assert_int_equal(mbox_store(u, "INBOX", "4", 1, 0, 0, "m4")->uid, 4);
	mfolder_remove(u, f, 0);
	mfolder_remove(u, f, 0);
	mfolder_remove(u, f, 0);
	assert_int_equal(f->n, 0);
	assert_int_equal(mbox_usage(u), 0);
}

/* Stored messages live in the store's blocks (mailstore.h): thousands of
 * them fill several blocks, a large one gets a block of its own, and
 * removing messages in any order leaves every other message's bytes and
 * tag as they were (ASan would see a block freed while still in use). */
static void test_blocks_keep_every_message(void **state)
{
	struct mailstore *ms = *state;
	struct mbox_user *u = mailstore_user(ms, "bob@example.net");
	enum { N = 6000 };
	char body[400], tag[32];
	int64_t total = 0;
	for (int i = 0; i < N; i++) {
		size_t len = 100 + (size_t)(i % 300);
		memset(body, 'a' + i % 26, len);
		snprintf(tag, sizeof tag, "m%d", i);
		struct stored_msg *m = mbox_store2(u, i % 3 ? "INBOX" : "Archive", "X: 1\r\n", 6,
						   body, len, 0, 0, tag);
		assert_int_equal(m->len, len + 6);
		total += (int64_t)(len + 6);
	}
	size_t big = (size_t)1 << 19; /* more than a quarter of a block */
	char *large = malloc(big);
	assert_non_null(large);
	memset(large, 'L', big);
	struct stored_msg *lm = mbox_store(u, "INBOX", large, big, 0, 0, "large");
	assert_memory_equal(lm->data, large, big);
	assert_int_equal(lm->data[big], '\0');
	total += (int64_t)big;
	free(large);
	assert_int_equal(mbox_usage(u), total);
	/* Messages stored after the large one still share the fill block. */
	struct stored_msg *after = mbox_store(u, "Archive", "tail", 4, 0, 0, "after");
	struct mfolder *arch = mbox_folder(u, "Archive", false);
	assert_ptr_equal(after->blk, arch->msgs[arch->n - 2].blk);
	total += 4;
	/* Remove every other INBOX message from the end, then the first half. */
	struct mfolder *in = mbox_folder(u, "INBOX", false);
	for (size_t i = in->n; i-- > 0;)
		if (i % 2) {
			total -= (int64_t)in->msgs[i].len;
			mfolder_remove(u, in, i);
		}
	while (in->n > 1000) {
		total -= (int64_t)in->msgs[0].len;
		mfolder_remove(u, in, 0);
	}
	assert_int_equal(mbox_usage(u), total);
	for (size_t i = 0; i < in->n; i++) {
		struct stored_msg *m = &in->msgs[i];
		int k = atoi(m->tag + 1);
		if (strcmp(m->tag, "large") == 0)
			continue;
		assert_memory_equal(m->data, "X: 1\r\n", 6);
		assert_int_equal(m->len, 106 + (size_t)(k % 300));
		assert_int_equal(m->data[6], 'a' + k % 26);
		assert_int_equal(m->data[m->len - 1], 'a' + k % 26);
		assert_int_equal(m->data[m->len], '\0');
	}
	for (size_t i = 0; i + 1 < arch->n; i++)
		assert_int_equal(atoi(arch->msgs[i].tag + 1) % 3, 0);
	assert_string_equal(arch->msgs[arch->n - 1].data, "tail");
}

/* A mailbox that keeps one message in ten next to one that deletes all
 * of its own, for long (live mode): without compaction every block stays
 * pinned by the kept ones. The dead bytes never exceed the live ones
 * (plus the four-block floor), the store compacts, and every kept
 * message reads as it was stored. */
static void test_removals_compact(void **state)
{
	struct mailstore *ms = *state;
	struct mbox_user *keep = mailstore_user(ms, "bob@example.net");
	struct mbox_user *drop = mailstore_user(ms, "alice@example.net");
	char body[1000], tag[32];
	size_t kept = 0;
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 500; i++) {
			int k = round * 500 + i;
			size_t len = 200 + (size_t)(k % 700);
			memset(body, 'a' + k % 26, len);
			snprintf(tag, sizeof tag, "k%d", k);
			mbox_store(k % 10 == 0 ? keep : drop, "INBOX", body, len, 0, 0, tag);
			kept += k % 10 == 0;
		}
		struct mfolder *f = mbox_folder(drop, "INBOX", false);
		while (f->n) {
			mfolder_remove(drop, f, f->n - 1);
			assert_true(ms->dead <= ms->live || ms->dead <= (size_t)4 << 20);
		}
		assert_int_equal(mbox_usage(drop), 0);
	}
	assert_true(ms->compactions > 0);
	struct mfolder *f = mbox_folder(keep, "INBOX", false);
	assert_int_equal(f->n, kept);
	int64_t usage = 0;
	for (size_t i = 0; i < f->n; i++) {
		int k = atoi(f->msgs[i].tag + 1);
		assert_int_equal(k % 10, 0);
		assert_int_equal(f->msgs[i].len, 200 + (size_t)(k % 700));
		assert_int_equal(f->msgs[i].data[0], 'a' + k % 26);
		assert_int_equal(f->msgs[i].data[f->msgs[i].len - 1], 'a' + k % 26);
		assert_int_equal(f->msgs[i].data[f->msgs[i].len], '\0');
		assert_int_equal(f->msgs[i].uid, i + 1);
		usage += (int64_t)f->msgs[i].len;
	}
	assert_int_equal(mbox_usage(keep), usage);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_user_lookup),
		T(test_blocks_keep_every_message),
		T(test_removals_compact),
		T(test_login_table),
		T(test_folders),
		T(test_store_uids_and_usage),
		T(test_remove),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
