/* test_imap.c — scripted IMAP dialogs against imapd (exact response
 * lines and literal octets), imapc against scripted responses, and imapc
 * against imapd back to back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap.h"
#include "imap_body.h"
#include "util.h"

/* ---- a fake mailbox with folders ---------------------------------------- */

#define FS_MAX 8

struct ffolder {
	const char *name;
	char *msg[FS_MAX];          /* owned */
	size_t len[FS_MAX];
	char uid[FS_MAX][16];
	unsigned flags[FS_MAX];
	bool recent[FS_MAX];        /* no session has been told of it yet */
	int64_t date[FS_MAX];       /* internal date, Unix seconds */
	size_t n;
	unsigned next_uid;
};

struct fstore {
	struct ffolder f[3];        /* INBOX, Archive, "Sent Items" */
	int set_flag_calls;
	int expunges;
	int expunge_runs;           /* expunged() calls */
};

static const char M1[] = "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
			 "\r\nHi Bob,\r\n.hidden dot line\r\n..two dots\r\nBye\r\n";  /* 108 */
static const char M2[] = "Subject: two\r\n\r\nsecond\r\n";                    /* 24 */
static const char M3[] = "Subject: three\r\n\r\n.\r\nthird\r\n";             /* 28 */

static void fs_add(struct ffolder *f, const char *m, size_t len)
{
	assert_true(f->n < FS_MAX);
	f->msg[f->n] = xstrndup(m, len);
	f->len[f->n] = len;
	snprintf(f->uid[f->n], sizeof(f->uid[0]), "%u", f->next_uid++);
	f->flags[f->n] = 0;
	f->recent[f->n] = true;
	f->date[f->n] = 1715674502 + (int64_t)f->n * 86400 * 40;  /* 14-May-2024 08:15:02 + 40 d */
	f->n++;
}

static void fs_init(struct fstore *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->f[0].name = "INBOX";
	fs->f[1].name = "Archive";
	fs->f[2].name = "Sent Items";
	fs->f[0].next_uid = 101;
	fs->f[1].next_uid = 7;
	fs->f[2].next_uid = 1;
	fs_add(&fs->f[0], M1, strlen(M1));
	fs_add(&fs->f[0], M2, strlen(M2));
	fs_add(&fs->f[0], M3, strlen(M3));
	fs_add(&fs->f[1], M2, strlen(M2));
	fs->f[1].flags[0] = MSTORE_SEEN;
}

static void fs_free(struct fstore *fs)
{
	for (size_t k = 0; k < ARRAY_LEN(fs->f); k++)
		for (size_t i = 0; i < fs->f[k].n; i++)
			free(fs->f[k].msg[i]);
}

static struct ffolder *fs_folder(void *ud, const char *name)
{
	struct fstore *fs = ud;
	for (size_t k = 0; k < ARRAY_LEN(fs->f); k++)
		if (strcmp(fs->f[k].name, name) == 0)
			return &fs->f[k];
	return NULL;
}

static bool fs_login(void *ud, const char *user, const char *pass)
{
	return (strcmp(user, "bob") == 0 || strcmp(user, "bob@example.net") == 0) &&
	       strcmp(pass, "secret pass") == 0;
}

static size_t fs_count(void *ud, const char *folder)
{
	struct ffolder *f = fs_folder(ud, folder);
	return f ? f->n : 0;
}

static const char *fs_get(void *ud, const char *folder, size_t i, size_t *len)
{
	struct ffolder *f = fs_folder(ud, folder);
	if (!f || i >= f->n)
		return NULL;
	*len = f->len[i];
	return f->msg[i];
}

static const char *fs_uid(void *ud, const char *folder, size_t i)
{
	struct ffolder *f = fs_folder(ud, folder);
	return f && i < f->n ? f->uid[i] : NULL;
}

static void fs_set_flags(void *ud, const char *folder, size_t i, unsigned flags)
{
	struct ffolder *f = fs_folder(ud, folder);
	assert_non_null(f);
	assert_true(i < f->n);
	f->flags[i] = flags;
	((struct fstore *)ud)->set_flag_calls++;
}

static unsigned fs_get_flags(void *ud, const char *folder, size_t i)
{
	struct ffolder *f = fs_folder(ud, folder);
	return f && i < f->n ? f->flags[i] : 0;
}

static void fs_expunge(void *ud, const char *folder, size_t i)
{
	struct ffolder *f = fs_folder(ud, folder);
	assert_non_null(f);
	assert_true(i < f->n);
	free(f->msg[i]);
	for (size_t k = i; k + 1 < f->n; k++) {
		f->msg[k] = f->msg[k + 1];
		f->len[k] = f->len[k + 1];
		memcpy(f->uid[k], f->uid[k + 1], sizeof(f->uid[0]));
		f->flags[k] = f->flags[k + 1];
		f->recent[k] = f->recent[k + 1];
		f->date[k] = f->date[k + 1];
	}
	f->n--;
	((struct fstore *)ud)->expunges++;
}

static bool fs_exists(void *ud, const char *folder)
{
	return fs_folder(ud, folder) != NULL;
}

static const char *fs_list(void *ud, size_t i)
{
	struct fstore *fs = ud;
	return i < ARRAY_LEN(fs->f) ? fs->f[i].name : NULL;
}

static const struct mstore_ops fs_ops = {
	.login = fs_login, .count = fs_count, .get = fs_get, .uid = fs_uid,
	.set_flags = fs_set_flags, .get_flags = fs_get_flags, .expunge = fs_expunge,
	.folder_exists = fs_exists, .list_folders = fs_list,
};

static bool fs_recent(void *ud, const char *folder, size_t i, bool claim)
{
	struct ffolder *f = fs_folder(ud, folder);
	bool r = f && i < f->n && f->recent[i];
	if (r && claim)
		f->recent[i] = false;
	return r;
}

static int64_t fs_date(void *ud, const char *folder, size_t i)
{
	struct ffolder *f = fs_folder(ud, folder);
	return f && i < f->n ? f->date[i] : 0;
}

static bool fs_append(void *ud, const char *folder, const char *data, size_t len, unsigned flags,
		      bool has_date, int64_t unix_s, uint32_t *uid)
{
	struct ffolder *f = fs_folder(ud, folder);
	if (!f || f->n == FS_MAX)
		return false;
	fs_add(f, data, len);
	f->flags[f->n - 1] = flags;
	f->date[f->n - 1] = has_date ? unix_s : 1800000000;
	*uid = f->next_uid - 1;
	return true;
}

static void fs_expunged(void *ud, const char *folder)
{
	((struct fstore *)ud)->expunge_runs++;
}

/* The same mailbox with everything a full store offers. */
static const struct mstore_ops fs_ops_full = {
	.login = fs_login, .count = fs_count, .get = fs_get, .uid = fs_uid,
	.set_flags = fs_set_flags, .get_flags = fs_get_flags, .expunge = fs_expunge,
	.folder_exists = fs_exists, .list_folders = fs_list, .recent = fs_recent,
	.internal_date = fs_date, .append = fs_append, .expunged = fs_expunged,
};

/* ---- recording the server's output --------------------------------------- */

struct rec {
	struct strbuf wire;         /* everything written, CRLF added to lines */
	int closes;
	size_t ndata;               /* send_data calls */
	size_t last_len, last_nlines;
	char states[256];
};

static void rec_line(void *ud, const char *line)
{
	struct rec *r = ud;
	sb_puts(&r->wire, line);
	sb_append(&r->wire, "\r\n", 2);
}

static void rec_data(void *ud, const char *b, size_t len, size_t nlines)
{
	struct rec *r = ud;
	sb_append(&r->wire, b, len);
	r->ndata++;
	r->last_len = len;
	r->last_nlines = nlines;
}

static void rec_close(void *ud)
{
	((struct rec *)ud)->closes++;
}

static void rec_state(void *ud, enum imapd_state from, enum imapd_state to)
{
	struct rec *r = ud;
	size_t n = strlen(r->states);
	snprintf(r->states + n, sizeof(r->states) - n, "%s>", imapd_state_name(to));
}

static int tls_starts;

static void rec_start_tls(void *ud)
{
	tls_starts++;
}

static const struct imapd_callbacks rec_cb = {
	.send_line = rec_line, .send_data = rec_data, .close = rec_close, .state = rec_state,
	.start_tls = rec_start_tls,
};

struct fx {
	struct fstore fs;
	struct rec rec;
	struct imapd *s;
};

static struct fx *fx_new(void)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct imapd_config cfg = {.hostname = "imap.example.net"};
	fs_init(&f->fs);
	sb_init(&f->rec.wire);
	f->s = imapd_new(&cfg, &rec_cb, &f->rec, &fs_ops, &f->fs);
	return f;
}

/* A server over the full store (recent, dates, APPEND), sharing fs when
 * given (a second session on the same mailbox). */
static struct fx *fx_new_full(bool starttls, struct fstore *shared)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct imapd_config cfg = {.hostname = "imap.example.net", .offer_starttls = starttls};
	fs_init(&f->fs);
	sb_init(&f->rec.wire);
	f->s = imapd_new(&cfg, &rec_cb, &f->rec, &fs_ops_full, shared ? shared : &f->fs);
	return f;
}

static void fx_free(struct fx *f)
{
	imapd_free(f->s);
	fs_free(&f->fs);
	sb_free(&f->rec.wire);
	free(f);
}

static char *visible(const char *s)
{
	struct strbuf sb;
	sb_init(&sb);
	for (; *s; s++) {
		if (*s == '\r')
			sb_puts(&sb, "\\r");
		else if (*s == '\n')
			sb_puts(&sb, "\\n\n");
		else
			sb_putc(&sb, *s);
	}
	return sb_steal(&sb);
}

static void expect_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return;
	char *l = visible(what), *g = visible(got), *w = visible(want);
	print_error("after %s\ngot:\n%s\nwant:\n%s\n", l, g, w);
	free(l);
	free(g);
	free(w);
	fail();
}

struct step {
	const char *in;
	const char *out;
};

static void run_steps(struct fx *f, const struct step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_clear(&f->rec.wire);
		imapd_feed(f->s, steps[i].in, strlen(steps[i].in));
		expect_str(steps[i].in, f->rec.wire.data ? f->rec.wire.data : "", steps[i].out);
	}
}

#define RUN(f, steps) run_steps((f), (steps), ARRAY_LEN(steps))

#define SELECT_INBOX_REPLY(tag)                                                             \
	"* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] Message 1 is first unseen\r\n"          \
	"* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 104] Predicted next UID\r\n"       \
	"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"                        \
	"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Flags "       \
	"permitted\r\n" tag " OK [READ-WRITE] SELECT completed\r\n"

static const struct step login_select[] = {
	{"a1 LOGIN bob \"secret pass\"\r\n", "a1 OK LOGIN completed\r\n"},
	{"a2 SELECT INBOX\r\n", SELECT_INBOX_REPLY("a2")},
};

/* ---- server dialogs ------------------------------------------------------- */

static void test_greeting_capability_logout(void **state)
{
	struct fx *f = fx_new();
	imapd_start(f->s);
	expect_str("greeting", f->rec.wire.data,
		   "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] imap.example.net IMAP4rev1 server "
		   "ready\r\n");
	static const struct step steps[] = {
		{"c1 CAPABILITY\r\n", "* CAPABILITY IMAP4rev1 LITERAL+ IDLE\r\n"
				       "c1 OK CAPABILITY completed\r\n"},
		{"c2 noop\r\n", "c2 OK NOOP completed\r\n"},
		{"c3 CAPABILITY now\r\n", "c3 BAD Invalid arguments for CAPABILITY\r\n"},
		{"c4 LOGOUT\r\n", "* BYE imap.example.net IMAP4rev1 server logging out\r\n"
				  "c4 OK LOGOUT completed\r\n"},
		{"c5 NOOP\r\n", ""},
	};
	RUN(f, steps);
	assert_int_equal(f->rec.closes, 1);
	assert_int_equal(imapd_get_state(f->s), IMAPD_LOGOUT);
	expect_str("states", f->rec.states, "logout>");
	fx_free(f);
}

static void test_happy_path(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"a3 LIST \"\" \"*\"\r\n", "* LIST () \"/\" INBOX\r\n* LIST () \"/\" Archive\r\n"
					  "* LIST () \"/\" \"Sent Items\"\r\na3 OK LIST completed\r\n"},
		{"a4 FETCH 1 (FLAGS UID RFC822.SIZE)\r\n",
		 "* 1 FETCH (FLAGS () UID 101 RFC822.SIZE 108)\r\na4 OK FETCH completed\r\n"},
		{"a5 FETCH 1:* (FLAGS BODY[])\r\n",
		 "* 1 FETCH (FLAGS (\\Seen) BODY[] {108}\r\n"
		 "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: Hello\r\n\r\n"
		 "Hi Bob,\r\n.hidden dot line\r\n..two dots\r\nBye\r\n)\r\n"
		 "* 2 FETCH (FLAGS (\\Seen) BODY[] {24}\r\nSubject: two\r\n\r\nsecond\r\n)\r\n"
		 "* 3 FETCH (FLAGS (\\Seen) BODY[] {28}\r\nSubject: three\r\n\r\n.\r\nthird\r\n)\r\n"
		 "a5 OK FETCH completed\r\n"},
		{"a6 STORE 1 +FLAGS (\\Deleted)\r\n",
		 "* 1 FETCH (FLAGS (\\Deleted \\Seen))\r\na6 OK STORE completed\r\n"},
		{"a7 EXPUNGE\r\n", "* 1 EXPUNGE\r\na7 OK EXPUNGE completed\r\n"},
		{"a8 FETCH 1 (UID)\r\n", "* 1 FETCH (UID 102)\r\na8 OK FETCH completed\r\n"},
		{"a9 CLOSE\r\n", "a9 OK CLOSE completed\r\n"},
		{"b1 LOGOUT\r\n", "* BYE imap.example.net IMAP4rev1 server logging out\r\n"
				  "b1 OK LOGOUT completed\r\n"},
	};
	RUN(f, login_select);
	RUN(f, steps);
	expect_str("states", f->rec.states, "authenticated>selected>authenticated>logout>");
	assert_int_equal(f->fs.f[0].n, 2);
	expect_str("left", f->fs.f[0].msg[0], M2);
	assert_int_equal(f->fs.f[0].flags[0], MSTORE_SEEN);
	assert_int_equal(f->fs.f[0].flags[1], MSTORE_SEEN);
	assert_int_equal(f->rec.closes, 1);
	fx_free(f);
}

/* Every literal is one send_data whose length is exactly the {n}. */
static void test_literal_events(void **state)
{
	struct fx *f = fx_new();
	RUN(f, login_select);
	size_t before = f->rec.ndata;
	imapd_feed(f->s, "x FETCH 1 BODY.PEEK[]\r\n", 23);
	assert_int_equal(f->rec.ndata, before + 1);
	assert_int_equal(f->rec.last_len, strlen(M1));
	assert_int_equal(f->rec.last_nlines, 8);
	static const char two[] = "x FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT])\r\n";
	imapd_feed(f->s, two, strlen(two));
	assert_int_equal(f->rec.ndata, before + 3);
	assert_int_equal(f->rec.last_len, 44);
	assert_int_equal(f->rec.last_nlines, 4);
	fx_free(f);
}

static void test_seen_rules(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"p1 FETCH 1 BODY.PEEK[]\r\n", "* 1 FETCH (BODY[] {108}\r\n"},   /* prefix checked below */
	};
	RUN(f, login_select);
	sb_clear(&f->rec.wire);
	imapd_feed(f->s, steps[0].in, strlen(steps[0].in));
	assert_true(ascii_startswith_ci(f->rec.wire.data, steps[0].out));
	assert_int_equal(f->fs.f[0].flags[0], 0);

	static const struct step more[] = {
		{"p2 FETCH 2 RFC822.HEADER\r\n",
		 "* 2 FETCH (RFC822.HEADER {16}\r\nSubject: two\r\n\r\n)\r\np2 OK FETCH completed\r\n"},
		{"p3 FETCH 2 (FLAGS BODY[TEXT])\r\n",
		 "* 2 FETCH (FLAGS (\\Seen) BODY[TEXT] {8}\r\nsecond\r\n)\r\np3 OK FETCH completed\r\n"},
		{"p4 FETCH 2 BODY[TEXT]\r\n",   /* already \Seen: FLAGS not repeated */
		 "* 2 FETCH (BODY[TEXT] {8}\r\nsecond\r\n)\r\np4 OK FETCH completed\r\n"},
		{"p5 FETCH 3 RFC822\r\n",
		 "* 3 FETCH (RFC822 {28}\r\nSubject: three\r\n\r\n.\r\nthird\r\n FLAGS (\\Seen))\r\n"
		 "p5 OK FETCH completed\r\n"},
	};
	RUN(f, more);
	assert_int_equal(f->fs.f[0].flags[0], 0);
	assert_int_equal(f->fs.f[0].flags[1], MSTORE_SEEN);
	assert_int_equal(f->fs.f[0].flags[2], MSTORE_SEEN);

	/* EXAMINE: read-only, nothing becomes \Seen, STORE and EXPUNGE refused. */
	static const struct step ro[] = {
		{"e1 EXAMINE inbox\r\n",
		 "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] Message 1 is first unseen\r\n"
		 "* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 104] Predicted next UID\r\n"
		 "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		 "* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n"
		 "e1 OK [READ-ONLY] EXAMINE completed\r\n"},
		{"e2 FETCH 1 (FLAGS BODY[HEADER])\r\n",
		 "* 1 FETCH (FLAGS () BODY[HEADER] {64}\r\nFrom: alice@example.com\r\n"
		 "To: bob@example.net\r\nSubject: Hello\r\n\r\n)\r\ne2 OK FETCH completed\r\n"},
		{"e3 STORE 1 +FLAGS (\\Seen)\r\n", "e3 NO Mailbox is read-only\r\n"},
		{"e4 EXPUNGE\r\n", "e4 NO Mailbox is read-only\r\n"},
	};
	RUN(f, ro);
	assert_int_equal(f->fs.f[0].flags[0], 0);
	fx_free(f);
}

static void test_fetch_ranges(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"r1 FETCH 2:3 UID\r\n", "* 2 FETCH (UID 102)\r\n* 3 FETCH (UID 103)\r\nr1 OK FETCH completed\r\n"},
		{"r2 FETCH 3:2 UID\r\n", "* 2 FETCH (UID 102)\r\n* 3 FETCH (UID 103)\r\nr2 OK FETCH completed\r\n"},
		{"r3 FETCH * UID\r\n", "* 3 FETCH (UID 103)\r\nr3 OK FETCH completed\r\n"},
		{"r4 FETCH 3,1 (UID)\r\n", "* 1 FETCH (UID 101)\r\n* 3 FETCH (UID 103)\r\nr4 OK FETCH completed\r\n"},
		{"r5 FETCH 2:* (UID)\r\n", "* 2 FETCH (UID 102)\r\n* 3 FETCH (UID 103)\r\nr5 OK FETCH completed\r\n"},
		{"r6 FETCH 4 (UID)\r\n", "r6 BAD Invalid message sequence number\r\n"},
		{"r7 FETCH 1:4 (UID)\r\n", "r7 BAD Invalid message sequence number\r\n"},
		{"r8 FETCH 0 (UID)\r\n", "r8 BAD Invalid arguments for FETCH\r\n"},
		{"r9 FETCH 1 (UID\r\n", "r9 BAD Invalid arguments for FETCH\r\n"},
		{"s1 FETCH 1 (ENVELOPE ALL)\r\n", "s1 BAD Invalid arguments for FETCH\r\n"},
		{"s2 FETCH 1 (ALL)\r\n", "s2 BAD Invalid arguments for FETCH\r\n"},
		{"s3 FETCH 1 BODY[1]\r\n", "s3 BAD Invalid arguments for FETCH\r\n"},
		{"s4 FETCH 1\r\n", "s4 BAD Invalid arguments for FETCH\r\n"},
		{"s5 FETCH 1 UID extra\r\n", "s5 BAD Invalid arguments for FETCH\r\n"},
		{"u1 UID FETCH 102:* (FLAGS)\r\n", "* 2 FETCH (UID 102 FLAGS ())\r\n"
						   "* 3 FETCH (UID 103 FLAGS ())\r\nu1 OK UID FETCH completed\r\n"},
		/* 999:* still takes in the last UID [RFC 3501 §6.4.8]; a lone 999 nothing */
		{"u2 UID FETCH 999:* (FLAGS)\r\n", "* 3 FETCH (UID 103 FLAGS ())\r\nu2 OK UID FETCH completed\r\n"},
		{"u3 UID FETCH 999 (FLAGS)\r\n", "u3 OK UID FETCH completed\r\n"},
		{"u4 UID FETCH 101,103 (RFC822.SIZE UID)\r\n",
		 "* 1 FETCH (RFC822.SIZE 108 UID 101)\r\n* 3 FETCH (RFC822.SIZE 28 UID 103)\r\n"
		 "u4 OK UID FETCH completed\r\n"},
		{"u5 UID COPY 1 Archive\r\n", "u5 BAD Unknown UID command\r\n"},
	};
	RUN(f, login_select);
	RUN(f, steps);
	fx_free(f);
}

static void test_sections_and_partial(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"h1 FETCH 1 BODY.PEEK[HEADER.FIELDS (subject FROM)]\r\n",
		 "* 1 FETCH (BODY[HEADER.FIELDS (subject FROM)] {43}\r\n"
		 "From: alice@example.com\r\nSubject: Hello\r\n\r\n)\r\nh1 OK FETCH completed\r\n"},
		{"h2 FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (From Subject)]\r\n",
		 "* 1 FETCH (BODY[HEADER.FIELDS.NOT (From Subject)] {23}\r\n"
		 "To: bob@example.net\r\n\r\n)\r\nh2 OK FETCH completed\r\n"},
		{"h3 FETCH 1 BODY.PEEK[]<0.4>\r\n",
		 "* 1 FETCH (BODY[]<0> {4}\r\nFrom)\r\nh3 OK FETCH completed\r\n"},
		{"h4 FETCH 2 BODY.PEEK[TEXT]<2.100>\r\n",
		 "* 2 FETCH (BODY[TEXT]<2> {6}\r\ncond\r\n)\r\nh4 OK FETCH completed\r\n"},
		{"h5 FETCH 2 BODY.PEEK[]<500.10>\r\n",
		 "* 2 FETCH (BODY[]<500> {0}\r\n)\r\nh5 OK FETCH completed\r\n"},
		{"h6 FETCH 2 BODY.PEEK[]<0.0>\r\n", "h6 BAD Invalid arguments for FETCH\r\n"},
		{"h7 FETCH 2 BODY.PEEK[HEADER.FIELDS ()]\r\n", "h7 BAD Invalid arguments for FETCH\r\n"},
	};
	RUN(f, login_select);
	RUN(f, steps);
	fx_free(f);
}

/* A folded header field travels with its continuation lines. */
static void test_header_fields_folded(void **state)
{
	struct fx *f = fx_new();
	static const char m[] = "Subject: a long\r\n  folded subject\r\nX-A: 1\r\n\r\nbody\r\n";
	static const struct step steps[] = {
		{"t1 NOOP\r\n", "* 4 EXISTS\r\n* 0 RECENT\r\nt1 OK NOOP completed\r\n"},   /* new mail shows */
		{"t2 FETCH 4 BODY.PEEK[HEADER.FIELDS (SUBJECT)]\r\n",
		 "* 4 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {37}\r\n"
		 "Subject: a long\r\n  folded subject\r\n\r\n)\r\nt2 OK FETCH completed\r\n"},
		{"t3 CHECK\r\n", "t3 OK CHECK completed\r\n"},
	};
	RUN(f, login_select);
	fs_add(&f->fs.f[0], m, strlen(m));     /* delivered while selected */
	RUN(f, steps);
	fx_free(f);
}

static void test_search(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"k1 SEARCH ALL\r\n", "* SEARCH 1 2 3\r\nk1 OK SEARCH completed\r\n"},
		{"k2 STORE 2 +FLAGS.SILENT (\\Seen)\r\n", "k2 OK STORE completed\r\n"},
		{"k3 SEARCH UNSEEN\r\n", "* SEARCH 1 3\r\nk3 OK SEARCH completed\r\n"},
		{"k4 search seen\r\n", "* SEARCH 2\r\nk4 OK SEARCH completed\r\n"},
		{"k5 SEARCH FROM alice\r\n", "* SEARCH 1\r\nk5 OK SEARCH completed\r\n"},
		{"k6 SEARCH SUBJECT TWO\r\n", "* SEARCH 2\r\nk6 OK SEARCH completed\r\n"},
		{"k7 SEARCH OR SUBJECT two SUBJECT \"three\"\r\n",
		 "* SEARCH 2 3\r\nk7 OK SEARCH completed\r\n"},
		{"k8 SEARCH NOT 1:2\r\n", "* SEARCH 3\r\nk8 OK SEARCH completed\r\n"},
		{"k9 SEARCH BODY third\r\n", "* SEARCH 3\r\nk9 OK SEARCH completed\r\n"},
		{"j1 SEARCH TEXT \"subject: three\"\r\n", "* SEARCH 3\r\nj1 OK SEARCH completed\r\n"},
		{"j2 SEARCH HEADER To bob\r\n", "* SEARCH 1\r\nj2 OK SEARCH completed\r\n"},
		{"j3 SEARCH LARGER 27\r\n", "* SEARCH 1 3\r\nj3 OK SEARCH completed\r\n"},
		{"j4 SEARCH SMALLER 25\r\n", "* SEARCH 2\r\nj4 OK SEARCH completed\r\n"},
		{"j5 SEARCH (SEEN UNDELETED) 1:*\r\n", "* SEARCH 2\r\nj5 OK SEARCH completed\r\n"},
		{"j6 SEARCH CHARSET UTF-8 ALL\r\n", "* SEARCH 1 2 3\r\nj6 OK SEARCH completed\r\n"},
		{"j7 SEARCH NEW\r\n", "* SEARCH\r\nj7 OK SEARCH completed\r\n"},
		{"j8 UID SEARCH UID 102:*\r\n", "* SEARCH 102 103\r\nj8 OK UID SEARCH completed\r\n"},
		{"j9 UID SEARCH UNSEEN\r\n", "* SEARCH 101 103\r\nj9 OK UID SEARCH completed\r\n"},
		{"i1 SEARCH UNKEYWORD $Junk KEYWORD $Junk\r\n", "* SEARCH\r\ni1 OK SEARCH completed\r\n"},
		{"i2 SEARCH BEFORE 1-Jan-2024\r\n", "i2 BAD Invalid arguments for SEARCH\r\n"},
		{"i3 SEARCH\r\n", "i3 BAD Invalid arguments for SEARCH\r\n"},
		{"i4 SEARCH ALL junk\r\n", "i4 BAD Invalid arguments for SEARCH\r\n"},
		{"i5 SEARCH NOT\r\n", "i5 BAD Invalid arguments for SEARCH\r\n"},
		{"i6 SEARCH (SEEN\r\n", "i6 BAD Invalid arguments for SEARCH\r\n"},
		{"i7 SEARCH CHARSET\r\n", "i7 BAD Invalid arguments for SEARCH\r\n"},
	};
	RUN(f, login_select);
	RUN(f, steps);
	/* An empty mailbox still checks the syntax. */
	static const struct step empty[] = {
		{"e1 SELECT \"Sent Items\"\r\n", NULL},
		{"e2 SEARCH FROM\r\n", "e2 BAD Invalid arguments for SEARCH\r\n"},
		{"e3 SEARCH ALL\r\n", "* SEARCH\r\ne3 OK SEARCH completed\r\n"},
	};
	imapd_feed(f->s, empty[0].in, strlen(empty[0].in));
	run_steps(f, empty + 1, 2);
	fx_free(f);
}

static void test_store_variants(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"f1 STORE 1:2 +FLAGS (\\Flagged \\Seen)\r\n",
		 "* 1 FETCH (FLAGS (\\Flagged \\Seen))\r\n* 2 FETCH (FLAGS (\\Flagged \\Seen))\r\n"
		 "f1 OK STORE completed\r\n"},
		{"f2 STORE 1 -FLAGS \\Flagged\r\n", "* 1 FETCH (FLAGS (\\Seen))\r\nf2 OK STORE completed\r\n"},
		{"f3 STORE 2 FLAGS.SILENT (\\Answered $Label1)\r\n", "f3 OK STORE completed\r\n"},
		{"f4 FETCH 2 FLAGS\r\n", "* 2 FETCH (FLAGS (\\Answered))\r\nf4 OK FETCH completed\r\n"},
		{"f5 UID STORE 103 +FLAGS (\\Draft)\r\n",
		 "* 3 FETCH (UID 103 FLAGS (\\Draft))\r\nf5 OK UID STORE completed\r\n"},
		{"f6 STORE 1 FLAGS ()\r\n", "* 1 FETCH (FLAGS ())\r\nf6 OK STORE completed\r\n"},
		{"f7 STORE 1 +FLAGZ (\\Seen)\r\n", "f7 BAD Invalid arguments for STORE\r\n"},
		{"f8 STORE 1 +FLAGS (\\Seen\r\n", "f8 BAD Invalid arguments for STORE\r\n"},
		{"f9 STORE 9 +FLAGS (\\Seen)\r\n", "f9 BAD Invalid message sequence number\r\n"},
	};
	RUN(f, login_select);
	RUN(f, steps);
	assert_int_equal(f->fs.f[0].flags[0], 0);
	assert_int_equal(f->fs.f[0].flags[1], MSTORE_ANSWERED);
	assert_int_equal(f->fs.f[0].flags[2], MSTORE_DRAFT);
	fx_free(f);
}

/* Expunge announcements follow the RFC 3501 §7.4.1 numbering; CLOSE
 * expunges silently; a dropped connection expunges nothing. */
static void test_expunge_numbering(void **state)
{
	struct fx *f = fx_new();
	fs_add(&f->fs.f[0], M2, strlen(M2));
	static const struct step steps[] = {
		{"x1 SELECT INBOX\r\n", NULL},
		{"x2 STORE 2:3 +FLAGS.SILENT (\\Deleted)\r\n", "x2 OK STORE completed\r\n"},
		{"x3 EXPUNGE\r\n", "* 2 EXPUNGE\r\n* 2 EXPUNGE\r\nx3 OK EXPUNGE completed\r\n"},
		{"x4 FETCH 1:* UID\r\n", "* 1 FETCH (UID 101)\r\n* 2 FETCH (UID 104)\r\nx4 OK FETCH completed\r\n"},
		{"x5 STORE 1 +FLAGS.SILENT (\\Deleted)\r\n", "x5 OK STORE completed\r\n"},
		{"x6 CLOSE\r\n", "x6 OK CLOSE completed\r\n"},
		{"x7 FETCH 1 UID\r\n", "x7 BAD No mailbox selected\r\n"},
	};
	run_steps(f, login_select, 1);
	imapd_feed(f->s, steps[0].in, strlen(steps[0].in));
	run_steps(f, steps + 1, ARRAY_LEN(steps) - 1);
	assert_int_equal(f->fs.f[0].n, 1);
	assert_int_equal(f->fs.expunges, 3);

	/* \Deleted but no EXPUNGE/CLOSE before the connection drops. */
	static const struct step drop[] = {
		{"y1 SELECT INBOX\r\n", NULL},
		{"y2 STORE 1 +FLAGS.SILENT (\\Deleted)\r\n", "y2 OK STORE completed\r\n"},
	};
	imapd_feed(f->s, drop[0].in, strlen(drop[0].in));
	run_steps(f, drop + 1, 1);
	imapd_disconnected(f->s);
	assert_int_equal(f->fs.f[0].n, 1);
	assert_int_equal(f->fs.f[0].flags[0], MSTORE_DELETED);
	assert_int_equal(imapd_get_state(f->s), IMAPD_LOGOUT);
	fx_free(f);
}

static void test_login_variants(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"l1 LOGIN bob wrong\r\n", "l1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n"},
		{"l2 LOGIN bob\r\n", "l2 BAD Invalid arguments for LOGIN\r\n"},
		{"l3 LOGIN bob \"secret pass\r\n", "l3 BAD Invalid arguments for LOGIN\r\n"},
		{"l4 AUTHENTICATE PLAIN\r\n", "l4 NO Unsupported authentication mechanism\r\n"},
		{"l5 LOGIN {3}\r\n", "+ Ready for literal data\r\n"},
		{"bob {11}\r\n", "+ Ready for literal data\r\n"},
		{"secret pass\r\n", "l5 OK LOGIN completed\r\n"},
		{"l6 LOGIN bob \"secret pass\"\r\n", "l6 BAD Already logged in\r\n"},
		{"l7 AUTHENTICATE PLAIN\r\n", "l7 BAD Already logged in\r\n"},
	};
	RUN(f, steps);
	expect_str("states", f->rec.states, "authenticated>");
	fx_free(f);

	/* Quoted-string escapes and the user@domain form. */
	f = fx_new();
	static const struct step quoted[] = {
		{"q1 LOGIN \"bob@example.net\" \"secret\\\\pass\"\r\n",
		 "q1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n"},
		{"q2 LOGIN \"bob@example.net\" {11+}\r\nsecret pass\r\n", "q2 OK LOGIN completed\r\n"},
	};
	RUN(f, quoted);
	fx_free(f);
}

static void test_wrong_state_and_garbage(void **state)
{
	struct fx *f = fx_new();
	static const struct step before[] = {
		{"w1 SELECT INBOX\r\n", "w1 BAD Log in first\r\n"},
		{"w2 FETCH 1 FLAGS\r\n", "w2 BAD Log in first\r\n"},
		{"w3 LIST \"\" *\r\n", "w3 BAD Log in first\r\n"},
		{"w4 FROB\r\n", "w4 BAD Unknown command\r\n"},
		{"* LOGIN bob x\r\n", "* BAD Invalid tag\r\n"},
		{"+tag NOOP\r\n", "* BAD Invalid tag\r\n"},
		{"\r\n", "* BAD Empty command line\r\n"},
		{"lonely\r\n", "lonely BAD Missing command\r\n"},
		{"w5 STARTTLS\r\n", "w5 BAD Unknown command\r\n"},
		{"w6 UID FETCH 1 FLAGS\r\n", "w6 BAD Log in first\r\n"},
	};
	static const struct step authed[] = {
		{"w7 FETCH 1 FLAGS\r\n", "w7 BAD No mailbox selected\r\n"},
		{"w8 STORE 1 +FLAGS (\\Seen)\r\n", "w8 BAD No mailbox selected\r\n"},
		{"w9 CLOSE\r\n", "w9 BAD No mailbox selected\r\n"},
		{"v1 EXPUNGE\r\n", "v1 BAD No mailbox selected\r\n"},
		{"v2 SELECT Nowhere\r\n", "v2 NO [NONEXISTENT] Mailbox does not exist\r\n"},
		{"v3 SELECT\r\n", "v3 BAD Invalid arguments for SELECT\r\n"},
	};
	RUN(f, before);
	run_steps(f, login_select, 1);
	RUN(f, authed);
	assert_int_equal(imapd_get_state(f->s), IMAPD_AUTHENTICATED);
	/* A failed SELECT leaves no mailbox selected [RFC 3501 §6.3.1]. */
	run_steps(f, login_select + 1, 1);
	static const struct step reselect[] = {
		{"v4 SELECT Nowhere\r\n", "v4 NO [NONEXISTENT] Mailbox does not exist\r\n"},
		{"v5 FETCH 1 FLAGS\r\n", "v5 BAD No mailbox selected\r\n"},
	};
	RUN(f, reselect);
	expect_str("states", f->rec.states, "authenticated>selected>authenticated>");
	fx_free(f);
}

static void test_list_and_status(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"l1 LIST \"\" \"\"\r\n", "* LIST (\\Noselect) \"/\" \"\"\r\nl1 OK LIST completed\r\n"},
		{"l2 LIST \"\" %\r\n", "* LIST () \"/\" INBOX\r\n* LIST () \"/\" Archive\r\n"
				       "* LIST () \"/\" \"Sent Items\"\r\nl2 OK LIST completed\r\n"},
		{"l3 LIST \"\" Arch*\r\n", "* LIST () \"/\" Archive\r\nl3 OK LIST completed\r\n"},
		{"l4 LIST \"\" inbox\r\n", "* LIST () \"/\" INBOX\r\nl4 OK LIST completed\r\n"},
		{"l5 LSUB \"\" \"S*\"\r\n", "* LSUB () \"/\" \"Sent Items\"\r\nl5 OK LSUB completed\r\n"},
		{"l6 LIST \"\" nothing\r\n", "l6 OK LIST completed\r\n"},
		{"l7 LIST \"\"\r\n", "l7 BAD Invalid arguments for LIST\r\n"},
		{"s1 STATUS INBOX (MESSAGES UNSEEN UIDNEXT)\r\n",
		 "* STATUS INBOX (MESSAGES 3 UNSEEN 3 UIDNEXT 104)\r\ns1 OK STATUS completed\r\n"},
		{"s2 STATUS Archive (UIDVALIDITY RECENT UNSEEN MESSAGES)\r\n",
		 "* STATUS Archive (UIDVALIDITY 1 RECENT 0 UNSEEN 0 MESSAGES 1)\r\n"
		 "s2 OK STATUS completed\r\n"},
		{"s3 STATUS \"Sent Items\" (UIDNEXT)\r\n",
		 "* STATUS \"Sent Items\" (UIDNEXT 1)\r\ns3 OK STATUS completed\r\n"},
		{"s4 STATUS Nowhere (MESSAGES)\r\n", "s4 NO [NONEXISTENT] Mailbox does not exist\r\n"},
		{"s5 STATUS INBOX (SIZE)\r\n", "s5 BAD Invalid arguments for STATUS\r\n"},
		{"s6 STATUS INBOX ()\r\n", "s6 BAD Invalid arguments for STATUS\r\n"},
		{"e1 EXAMINE Archive\r\n",
		 "* 1 EXISTS\r\n* 0 RECENT\r\n"
		 "* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 8] Predicted next UID\r\n"
		 "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		 "* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n"
		 "e1 OK [READ-ONLY] EXAMINE completed\r\n"},
		{"e2 SELECT \"Sent Items\"\r\n",
		 "* 0 EXISTS\r\n* 0 RECENT\r\n"
		 "* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 1] Predicted next UID\r\n"
		 "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		 "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Flags "
		 "permitted\r\ne2 OK [READ-WRITE] SELECT completed\r\n"},
		{"e3 FETCH 1:* FLAGS\r\n", "e3 BAD Invalid message sequence number\r\n"},
		{"e4 FETCH * FLAGS\r\n", "e4 BAD Invalid message sequence number\r\n"},
		{"e6 STORE * +FLAGS (\\Seen)\r\n", "e6 BAD Invalid message sequence number\r\n"},
		{"e5 UID FETCH 1:* FLAGS\r\n", "e5 OK UID FETCH completed\r\n"},
	};
	run_steps(f, login_select, 1);
	RUN(f, steps);
	fx_free(f);
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_limits(void **state)
{
	struct fx *f = fx_new();
	char *pad = repeat('x', IMAP_MAX_CMD_LINE + 10);
	char *line = xasprintf("t1 LOGIN %s\r\n", pad);
	const struct step steps[] = {
		{line, "* BAD Command line too long\r\n"},
		{"t2 NOOP\r\n", "t2 OK NOOP completed\r\n"},
		{"t3 LOGIN bob {99999999}\r\n", "t3 BAD Literal too large\r\n"},
		{"t4 NOOP\r\n", "t4 OK NOOP completed\r\n"},
		{"t5 LOGIN bob {99999999999999999999999}\r\n", "t5 BAD Literal too large\r\n"},
	};
	RUN(f, steps);

	/* The same overlong line dribbling in: refused once, as soon as it
	 * cannot fit, the rest dropped through its LF. */
	sb_clear(&f->rec.wire);
	for (size_t i = 0; line[i]; i++)
		imapd_feed(f->s, line + i, 1);
	imapd_feed(f->s, "t6 NOOP\r\n", 9);
	expect_str("dribble", f->rec.wire.data,
		   "* BAD Command line too long\r\nt6 OK NOOP completed\r\n");
	free(line);
	free(pad);
	fx_free(f);
}

/* The same session fed whole and byte by byte answers alike. */
static void test_byte_by_byte(void **state)
{
	static const char script[] =
		"a1 LOGIN {3}\r\nbob \"secret pass\"\r\na2 SELECT INBOX\r\n"
		"a3 FETCH 1:* (FLAGS BODY.PEEK[HEADER] RFC822.SIZE)\r\na4 FETCH 2 BODY[]\r\n"
		"a5 STORE 1 +FLAGS (\\Deleted)\na6 EXPUNGE\r\na7 LOGOUT\r\n";
	struct fx *a = fx_new(), *b = fx_new();
	imapd_feed(a->s, script, strlen(script));
	for (size_t i = 0; i < strlen(script); i++)
		imapd_feed(b->s, script + i, 1);
	assert_non_null(a->rec.wire.data);
	expect_str("byte by byte", b->rec.wire.data, a->rec.wire.data);
	assert_true(strstr(a->rec.wire.data, "a7 OK LOGOUT completed\r\n") != NULL);
	assert_int_equal(a->fs.f[0].n, 2);
	assert_int_equal(b->fs.f[0].n, 2);
	fx_free(a);
	fx_free(b);
}

/* A bare-LF message goes out with CRLF and a CRLF-counted literal. */
static void test_bare_lf_message(void **state)
{
	struct fx *f = fx_new();
	fs_add(&f->fs.f[0], "Subject: x\n\nbody\n", 17);
	static const struct step steps[] = {
		{"b1 FETCH 4 (RFC822.SIZE BODY.PEEK[])\r\n",
		 "* 4 FETCH (RFC822.SIZE 20 BODY[] {20}\r\nSubject: x\r\n\r\nbody\r\n)\r\n"
		 "b1 OK FETCH completed\r\n"},
	};
	run_steps(f, login_select, 1);
	imapd_feed(f->s, "b0 SELECT INBOX\r\n", 17);
	RUN(f, steps);
	fx_free(f);
}

/* ---- client against scripted responses ----------------------------------- */

struct cl {
	struct strbuf sent;
	int dones;
	struct imapc_result res;
	char *last_line;
	char stages[256];
};

static void cl_line(void *ud, const char *line)
{
	struct cl *c = ud;
	sb_puts(&c->sent, line);
	sb_append(&c->sent, "\r\n", 2);
}

static void cl_done(void *ud, const struct imapc_result *r)
{
	struct cl *c = ud;
	c->dones++;
	c->res = *r;
	c->last_line = r->last_line ? xstrdup(r->last_line) : NULL;
}

static void cl_state(void *ud, enum imapc_stage from, enum imapc_stage to)
{
	struct cl *c = ud;
	size_t n = strlen(c->stages);
	snprintf(c->stages + n, sizeof(c->stages) - n, "%s>", imapc_stage_name(to));
}

static const struct imapc_callbacks cl_cb = {.send_line = cl_line, .done = cl_done,
					     .state = cl_state};

static struct imapc *cl_new(struct cl *cl, bool keep, const char *pass)
{
	struct imapc_config cfg = {.user = "bob", .pass = pass, .keep = keep};
	memset(cl, 0, sizeof(*cl));
	sb_init(&cl->sent);
	return imapc_new(&cfg, &cl_cb, cl);
}

static void cl_free(struct imapc *c, struct cl *cl)
{
	imapc_free(c);
	sb_free(&cl->sent);
	free(cl->last_line);
}

/* A FETCH answer shaped to be awkward: extra items before and after the
 * body, a literal with a ")" and "{5}" inside, a quoted body, a NIL body,
 * an unsolicited FLAGS update. Fed in every chunk size. */
static const char awkward_fetch[] =
	"* 1 FETCH (UID 7 FLAGS (\\Seen $Junk) BODY[] {20}\r\nA: b)\r\n\r\n{5}\r\nx)\r\n\r\n"
	" INTERNALDATE \"01-Jan-2024 00:00:00 +0000\" X-GM-LABELS (\"a b\" {1}\r\n)))\r\n"
	"* 2 FETCH (BODY[] \"short \\\"q\\\"\" FLAGS ())\r\n"
	"* 3 FETCH (BODY[] NIL)\r\n"
	"* 2 FETCH (FLAGS (\\Answered))\r\n"
	"a3 OK FETCH completed\r\n";

static void test_client_script_any_chunking(void **state)
{
	static const char head[] = "* OK [CAPABILITY IMAP4rev1] hi\r\n";
	static const char login_ok[] = "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n";
	static const char select_ok[] = "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDNEXT 9] x\r\n"
					"a2 OK [READ-WRITE] SELECT completed\r\n";
	for (size_t chunk = 1; chunk <= sizeof(awkward_fetch); chunk++) {
		struct cl cl;
		struct imapc *c = cl_new(&cl, true, "secret pass");
		imapc_feed(c, head, strlen(head));
		imapc_feed(c, login_ok, strlen(login_ok));
		imapc_feed(c, select_ok, strlen(select_ok));
		for (size_t at = 0; at < strlen(awkward_fetch); at += chunk) {
			size_t left = strlen(awkward_fetch) - at;
			imapc_feed(c, awkward_fetch + at, left < chunk ? left : chunk);
		}
		imapc_feed(c, "* BYE bye\r\na4 OK LOGOUT completed\r\n", 35);
		expect_str("sent", cl.sent.data,
			   "a1 LOGIN bob \"secret pass\"\r\na2 SELECT INBOX\r\n"
			   "a3 FETCH 1:* (FLAGS BODY[])\r\na4 LOGOUT\r\n");
		assert_int_equal(cl.dones, 1);
		assert_true(cl.res.ok);
		assert_int_equal(cl.res.server_count, 3);
		assert_int_equal(cl.res.nmsgs, 2);
		assert_int_equal(cl.res.msgs[0].len, 20);
		assert_memory_equal(cl.res.msgs[0].data, "A: b)\r\n\r\n{5}\r\nx)\r\n\r\n", 20);
		assert_int_equal(cl.res.msgs[0].flags, MSTORE_SEEN);
		expect_str("quoted body", cl.res.msgs[1].data, "short \"q\"");
		assert_int_equal(cl.res.msgs[1].flags, MSTORE_ANSWERED);
		expect_str("last", cl.last_line, "a4 OK LOGOUT completed");
		expect_str("stages", cl.stages, "LOGIN>SELECT>FETCH>LOGOUT>done>");
		cl_free(c, &cl);
	}
}

struct client_failure {
	const char *name;
	const char *script;
	const char *client_sent;
	enum imapc_stage stage;
	const char *last_line;
	size_t nmsgs;
	bool logout_reply;      /* feed the LOGOUT answer after the script */
};

static const struct client_failure client_failures[] = {
	{"greeting bye", "* BYE too busy\r\n", "", IMAPC_GREETING, "* BYE too busy", 0, false},
	{"greeting garbage", "hello\r\n", "", IMAPC_GREETING, "hello", 0, false},
	{"login", "* OK [CAPABILITY IMAP4rev1] hi\r\na1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n",
	 "a1 LOGIN bob \"secret pass\"\r\na2 LOGOUT\r\n", IMAPC_LOGIN,
	 "a1 NO [AUTHENTICATIONFAILED] Authentication failed", 0, true},
	{"select", "* OK [CAPABILITY IMAP4rev1] hi\r\na1 OK\r\na2 NO [NONEXISTENT] no\r\n",
	 "a1 LOGIN bob \"secret pass\"\r\na2 SELECT INBOX\r\na3 LOGOUT\r\n", IMAPC_SELECT,
	 "a2 NO [NONEXISTENT] no", 0, true},
	{"fetch", "* OK [CAPABILITY IMAP4rev1] hi\r\na1 OK\r\n* 2 EXISTS\r\na2 OK\r\n* 1 FETCH (BODY[] {2}\r\nhi)\r\n"
		  "a3 BAD Invalid message sequence number\r\n",
	 "a1 LOGIN bob \"secret pass\"\r\na2 SELECT INBOX\r\na3 FETCH 1:* (FLAGS BODY[])\r\n"
	 "a4 LOGOUT\r\n", IMAPC_FETCH, "a3 BAD Invalid message sequence number", 1, true},
	{"store", "* OK [CAPABILITY IMAP4rev1] hi\r\na1 OK\r\n* 1 EXISTS\r\na2 OK\r\n* 1 FETCH (BODY[] {2}\r\nhi)\r\n"
		  "a3 OK\r\na4 NO read-only\r\n",
	 "a1 LOGIN bob \"secret pass\"\r\na2 SELECT INBOX\r\na3 FETCH 1:* (FLAGS BODY[])\r\n"
	 "a4 STORE 1:* +FLAGS.SILENT (\\Deleted)\r\na5 LOGOUT\r\n", IMAPC_STORE,
	 "a4 NO read-only", 1, true},
	{"closed mid-literal", "* OK [CAPABILITY IMAP4rev1] hi\r\na1 OK\r\n* 1 EXISTS\r\na2 OK\r\n* 1 FETCH (BODY[] {9}\r\nhi",
	 "a1 LOGIN bob \"secret pass\"\r\na2 SELECT INBOX\r\na3 FETCH 1:* (FLAGS BODY[])\r\n",
	 IMAPC_FETCH, "a2 OK", 0, false},
	{"other tags ignored", "* OK [CAPABILITY IMAP4rev1] hi\r\nzz NO whatever\r\n+ go on\r\na1 OK\r\nx2 BAD\r\n",
	 "a1 LOGIN bob \"secret pass\"\r\na2 SELECT INBOX\r\n", IMAPC_SELECT, "x2 BAD", 0, false},
};

static void test_client_failures(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(client_failures); i++) {
		const struct client_failure *t = &client_failures[i];
		struct cl cl;
		struct imapc *c = cl_new(&cl, false, "secret pass");
		print_message("case %s\n", t->name);
		imapc_feed(c, t->script, strlen(t->script));
		if (t->logout_reply) {
			assert_int_equal(cl.dones, 0);
			imapc_feed(c, "* BYE\r\n", 7);
			assert_int_equal(cl.dones, 0);
			/* BYE then close without the tagged OK still ends it */
		}
		imapc_disconnected(c);
		assert_int_equal(cl.dones, 1);
		assert_false(cl.res.ok);
		expect_str(t->name, cl.sent.data ? cl.sent.data : "", t->client_sent);
		if (cl.res.stage != t->stage)
			fail_msg("%s: stage got %s, want %s", t->name, imapc_stage_name(cl.res.stage),
				 imapc_stage_name(t->stage));
		expect_str(t->name, cl.last_line ? cl.last_line : "(null)", t->last_line);
		assert_int_equal(cl.res.nmsgs, t->nmsgs);
		cl_free(c, &cl);
	}
}

static void test_client_misc(void **state)
{
	struct cl cl;
	/* PREAUTH skips LOGIN; an empty mailbox skips FETCH; BYE + close ends
	 * a LOGOUT successfully. */
	struct imapc *c = cl_new(&cl, false, "secret pass");
	static const char s1[] = "* PREAUTH welcome\r\n* 0 EXISTS\r\na1 OK selected\r\n* BYE\r\n";
	imapc_feed(c, s1, strlen(s1));
	imapc_disconnected(c);
	expect_str("sent", cl.sent.data, "a1 SELECT INBOX\r\na2 LOGOUT\r\n");
	assert_true(cl.res.ok);
	assert_int_equal(cl.res.nmsgs, 0);
	cl_free(c, &cl);

	/* A password that cannot be quoted is never sent. */
	c = cl_new(&cl, true, "pw\r\na9 DELETE INBOX");
	static const char s2[] = "* OK [CAPABILITY IMAP4rev1] hi\r\na1 OK bye\r\n";
	imapc_feed(c, s2, strlen(s2));
	expect_str("sent", cl.sent.data, "a1 LOGOUT\r\n");
	assert_false(cl.res.ok);
	assert_int_equal(cl.res.stage, IMAPC_LOGIN);
	cl_free(c, &cl);

	/* Quoting: a password with a quote and a backslash. */
	c = cl_new(&cl, true, "a\"b\\c");
	imapc_feed(c, "* OK [CAPABILITY IMAP4rev1] hi\r\n", 32);
	expect_str("sent", cl.sent.data, "a1 LOGIN bob \"a\\\"b\\\\c\"\r\n");
	cl_free(c, &cl);
}

/* ---- client and server back to back --------------------------------------- */

struct b2b {
	struct strbuf to_server, to_client;
	bool server_closed;
	struct cl cl;
	struct imapd *s;
	struct imapc *c;
};

static void b2b_srv_line(void *ud, const char *line)
{
	struct b2b *b = ud;
	sb_puts(&b->to_client, line);
	sb_append(&b->to_client, "\r\n", 2);
}

static void b2b_srv_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	sb_append(&((struct b2b *)ud)->to_client, bytes, len);
}

static void b2b_srv_close(void *ud)
{
	((struct b2b *)ud)->server_closed = true;
}

static void b2b_cli_line(void *ud, const char *line)
{
	struct b2b *b = ud;
	sb_puts(&b->to_server, line);
	sb_append(&b->to_server, "\r\n", 2);
	sb_puts(&b->cl.sent, line);   /* everything the client said, for the tests */
	sb_append(&b->cl.sent, "\r\n", 2);
}

static void b2b_cli_done(void *ud, const struct imapc_result *r)
{
	cl_done(&((struct b2b *)ud)->cl, r);
}

static const struct imapd_callbacks b2b_srv_cb = {
	.send_line = b2b_srv_line, .send_data = b2b_srv_data, .close = b2b_srv_close,
};
static const struct imapc_callbacks b2b_cli_cb = {.send_line = b2b_cli_line,
						  .done = b2b_cli_done};

static void b2b_pump(struct b2b *b, size_t chunk)
{
	while (b->to_server.len || b->to_client.len) {
		struct strbuf in = b->to_client;
		sb_init(&b->to_client);
		for (size_t at = 0; at < in.len; at += chunk)
			imapc_feed(b->c, in.data + at, in.len - at < chunk ? in.len - at : chunk);
		sb_free(&in);
		in = b->to_server;
		sb_init(&b->to_server);
		for (size_t at = 0; at < in.len; at += chunk)
			imapd_feed(b->s, in.data + at, in.len - at < chunk ? in.len - at : chunk);
		sb_free(&in);
	}
	if (b->server_closed)
		imapc_disconnected(b->c);
}



static void back_to_back(bool keep, size_t chunk)
{
	struct fstore fs;
	struct b2b b;
	struct imapd_config scfg = {.hostname = "imap.example.net"};
	struct imapc_config ccfg = {.user = "bob@example.net", .pass = "secret pass", .keep = keep};
	fs_init(&fs);
	memset(&b, 0, sizeof(b));
	b.s = imapd_new(&scfg, &b2b_srv_cb, &b, &fs_ops, &fs);
	b.c = imapc_new(&ccfg, &b2b_cli_cb, &b);
	imapd_start(b.s);
	b2b_pump(&b, chunk);

	print_message("keep=%d chunk=%zu\n", keep, chunk);
	assert_int_equal(b.cl.dones, 1);
	assert_true(b.cl.res.ok);
	assert_true(b.server_closed);
	assert_int_equal(b.cl.res.server_count, 3);
	assert_int_equal(b.cl.res.nmsgs, 3);
	const char *want[] = {M1, M2, M3};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(b.cl.res.msgs[i].len, strlen(want[i]));
		assert_memory_equal(b.cl.res.msgs[i].data, want[i], strlen(want[i]));
		assert_int_equal(b.cl.res.msgs[i].flags, MSTORE_SEEN);
	}
	assert_int_equal(fs.f[0].n, keep ? 3 : 0);
	for (size_t i = 0; i < fs.f[0].n; i++)
		assert_int_equal(fs.f[0].flags[i], MSTORE_SEEN);
	expect_str("last", b.cl.last_line, keep ? "a4 OK LOGOUT completed" : "a6 OK LOGOUT completed");
	imapc_free(b.c);
	imapd_free(b.s);
	free(b.cl.last_line);
	sb_free(&b.cl.sent);
	fs_free(&fs);
}

static void test_back_to_back(void **state)
{
	static const size_t chunks[] = {1, 2, 3, 7, 64, 100000};
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		back_to_back(true, chunks[i]);
		back_to_back(false, chunks[i]);
	}
}

/* ---- RFC 3501 extras, RFC 2177 IDLE, RFC 4315 UIDPLUS ---------------------- */

#define SELECT_FULL_REPLY(tag, recent)                                                      \
	"* 3 EXISTS\r\n* " recent " RECENT\r\n* OK [UNSEEN 1] Message 1 is first unseen\r\n"  \
	"* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 104] Predicted next UID\r\n"       \
	"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"                        \
	"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Flags "       \
	"permitted\r\n" tag " OK [READ-WRITE] SELECT completed\r\n"

static const struct step login_select_full[] = {
	{"a1 LOGIN bob \"secret pass\"\r\n", "a1 OK LOGIN completed\r\n"},
	{"a2 SELECT INBOX\r\n", SELECT_FULL_REPLY("a2", "3")},
};

/* \Recent goes to the first session that is told of a message; EXAMINE
 * only looks [RFC 3501 §2.3.2, §6.3.2]. */
static void test_recent_first_session(void **state)
{
	struct fx *a = fx_new_full(false, NULL);
	struct fx *b = fx_new_full(false, &a->fs);
	static const struct step peek[] = {
		{"e1 LOGIN bob \"secret pass\"\r\n", "e1 OK LOGIN completed\r\n"},
		{"e2 EXAMINE INBOX\r\n",
		 "* 3 EXISTS\r\n* 3 RECENT\r\n* OK [UNSEEN 1] Message 1 is first unseen\r\n"
		 "* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 104] Predicted next UID\r\n"
		 "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		 "* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n"
		 "e2 OK [READ-ONLY] EXAMINE completed\r\n"},
		{"e3 STATUS INBOX (RECENT)\r\n", "* STATUS INBOX (RECENT 3)\r\ne3 OK STATUS completed\r\n"},
	};
	RUN(b, peek);
	static const struct step first[] = {
		{"a1 LOGIN bob \"secret pass\"\r\n", "a1 OK LOGIN completed\r\n"},
		{"a2 SELECT INBOX\r\n", SELECT_FULL_REPLY("a2", "3")},
		{"a3 FETCH 1 FLAGS\r\n", "* 1 FETCH (FLAGS (\\Recent))\r\na3 OK FETCH completed\r\n"},
		{"a4 FETCH 2 BODY[TEXT]\r\n",
		 "* 2 FETCH (BODY[TEXT] {8}\r\nsecond\r\n FLAGS (\\Seen \\Recent))\r\na4 OK FETCH completed\r\n"},
		{"a5 SEARCH RECENT\r\n", "* SEARCH 1 2 3\r\na5 OK SEARCH completed\r\n"},
		{"a6 SEARCH NEW\r\n", "* SEARCH 1 3\r\na6 OK SEARCH completed\r\n"},
		{"a7 SEARCH OLD\r\n", "* SEARCH\r\na7 OK SEARCH completed\r\n"},
		{"a8 STORE 1 +FLAGS (\\Flagged)\r\n",
		 "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\na8 OK STORE completed\r\n"},
	};
	RUN(a, first);
	static const struct step second[] = {
		{"b1 SELECT INBOX\r\n",
		 "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] Message 1 is first unseen\r\n"
		 "* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 104] Predicted next UID\r\n"
		 "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		 "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Flags "
		 "permitted\r\nb1 OK [READ-WRITE] SELECT completed\r\n"},
		{"b2 FETCH 1 FLAGS\r\n", "* 1 FETCH (FLAGS (\\Flagged))\r\nb2 OK FETCH completed\r\n"},
		{"b3 SEARCH OLD\r\n", "* SEARCH 1 2 3\r\nb3 OK SEARCH completed\r\n"},
	};
	RUN(b, second);
	/* new mail: whoever hears of it first gets \Recent, the other not */
	fs_add(&a->fs.f[0], M2, strlen(M2));
	static const struct step noop_b[] = {
		{"b4 NOOP\r\n", "* 4 EXISTS\r\n* 1 RECENT\r\nb4 OK NOOP completed\r\n"},
	};
	static const struct step noop_a[] = {
		{"a9 NOOP\r\n", "* 4 EXISTS\r\n* 3 RECENT\r\na9 OK NOOP completed\r\n"},
	};
	RUN(b, noop_b);
	RUN(a, noop_a);
	fx_free(b);
	fx_free(a);
}

/* INTERNALDATE from the store, in RFC 3501's date-time; the macros. */
static void test_internaldate_and_macros(void **state)
{
	struct fx *f = fx_new_full(false, NULL);
	static const struct step steps[] = {
		{"a1 LOGIN bob \"secret pass\"\r\n", "a1 OK LOGIN completed\r\n"},
		{"a2 EXAMINE INBOX\r\n", NULL},
		{"a3 FETCH 1:2 INTERNALDATE\r\n",
		 "* 1 FETCH (INTERNALDATE \"14-May-2024 08:15:02 +0000\")\r\n"
		 "* 2 FETCH (INTERNALDATE \"23-Jun-2024 08:15:02 +0000\")\r\n"
		 "a3 OK FETCH completed\r\n"},
		{"a4 FETCH 2 FAST\r\n",
		 "* 2 FETCH (FLAGS (\\Recent) INTERNALDATE \"23-Jun-2024 08:15:02 +0000\" "
		 "RFC822.SIZE 24)\r\na4 OK FETCH completed\r\n"},
		{"a5 FETCH 2 ALL\r\n",
		 "* 2 FETCH (FLAGS (\\Recent) INTERNALDATE \"23-Jun-2024 08:15:02 +0000\" "
		 "RFC822.SIZE 24 ENVELOPE (NIL \"two\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
		 "a5 OK FETCH completed\r\n"},
		{"a6 FETCH 2 FULL\r\n",
		 "* 2 FETCH (FLAGS (\\Recent) INTERNALDATE \"23-Jun-2024 08:15:02 +0000\" "
		 "RFC822.SIZE 24 ENVELOPE (NIL \"two\" NIL NIL NIL NIL NIL NIL NIL NIL) "
		 "BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 1))\r\n"
		 "a6 OK FETCH completed\r\n"},
	};
	for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
		sb_clear(&f->rec.wire);
		imapd_feed(f->s, steps[i].in, strlen(steps[i].in));
		if (steps[i].out)
			expect_str(steps[i].in, f->rec.wire.data, steps[i].out);
	}
	fx_free(f);

	/* the date-time form both ways [RFC 3501 §9] */
	char d[40];
	int64_t t;
	imap_format_date_time(1704502800, 0, d, sizeof(d));
	expect_str("format", d, "06-Jan-2024 01:00:00 +0000");
	imap_format_date_time(1704502800, -330, d, sizeof(d));
	expect_str("format zone", d, "05-Jan-2024 19:30:00 -0530");
	assert_true(imap_parse_date_time(" 6-Jan-2024 01:00:00 +0000", &t));
	assert_int_equal(t, 1704502800);
	assert_true(imap_parse_date_time("05-Jan-2024 19:30:00 -0530", &t));
	assert_int_equal(t, 1704502800);
	assert_true(imap_parse_date_time("29-Feb-2024 00:00:00 +0100", &t));
	static const char *const bad[] = {
		"29-Feb-2023 00:00:00 +0000", "32-Jan-2024 00:00:00 +0000", "01-Foo-2024 00:00:00 +0000",
		"01-Jan-2024 24:00:00 +0000", "01-Jan-2024 00:00:00 0000", "01-Jan-2024 00:00:00 +0000x",
		"01-Jan-24 00:00:00 +0000", "",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if (imap_parse_date_time(bad[i], &t))
			fail_msg("accepted \"%s\"", bad[i]);
}

/* Messages for BODYSTRUCTURE: what our MUA sends with an attachment, and
 * a DSN [RFC 3464, RFC 6522] that returns the whole original. */
static const char MIXED[] =
	"From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: report\r\n"
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	"preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n"
	"--b1\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\n"
	"Content-Disposition: attachment; filename=\"r.pdf\"\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\nepilogue\r\n";

static const char REPORT[] =
	"From: MAILER-DAEMON@example.org\r\nTo: alice@example.org\r\nSubject: failed\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
	"--r\r\n\r\nIt failed.\r\n"
	"--r\r\nContent-Type: message/delivery-status\r\n\r\n"
	"Reporting-MTA: dns; mail.example.org\r\n\r\nFinal-Recipient: rfc822; x@example.net\r\n"
	"Action: failed\r\nStatus: 5.1.1\r\n"
	"--r\r\nContent-Type: message/rfc822\r\n\r\n"
	"From: \"Alice A.\" <alice@example.org>\r\nTo: x@example.net, Team: a@b.c, d@e.f;\r\n"
	"Subject: hi\r\nMessage-ID: <1@example.org>\r\n\r\nhello\r\n--r--\r\n";

static void expect_structure(const char *msg, bool ext, const char *want)
{
	struct strbuf sb;
	sb_init(&sb);
	imap_bodystructure(msg, strlen(msg), ext, &sb);
	expect_str(ext ? "BODYSTRUCTURE" : "BODY", sb.data, want);
	sb_free(&sb);
}

/* RFC 3501 §7.4.2: basic/text/message fields, parts without SP between
 * them, the multipart subtype and extension data. */
static void test_bodystructure(void **state)
{
	expect_structure(M1, true,
			 "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 44 4 "
			 "NIL NIL NIL NIL)");
	expect_structure(MIXED, false,
			 "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 13 1)"
			 "(\"application\" \"pdf\" (\"name\" \"r.pdf\") NIL NIL \"base64\" 12) "
			 "\"mixed\")");
	expect_structure(MIXED, true,
			 "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 13 1 "
			 "NIL NIL NIL NIL)"
			 "(\"application\" \"pdf\" (\"name\" \"r.pdf\") NIL NIL \"base64\" 12 NIL "
			 "(\"attachment\" (\"filename\" \"r.pdf\")) NIL NIL) "
			 "\"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)");
	expect_structure(REPORT, false,
			 "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1)"
			 "(\"message\" \"delivery-status\" NIL NIL NIL \"7bit\" 109)"
			 "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 127 "
			 "(NIL \"hi\" ((\"Alice A.\" NIL \"alice\" \"example.org\")) "
			 "((\"Alice A.\" NIL \"alice\" \"example.org\")) "
			 "((\"Alice A.\" NIL \"alice\" \"example.org\")) "
			 "((NIL NIL \"x\" \"example.net\")(NIL NIL \"Team\" NIL)"
			 "(NIL NIL \"a\" \"b.c\")(NIL NIL \"d\" \"e.f\")(NIL NIL NIL NIL)) "
			 "NIL NIL NIL \"<1@example.org>\") "
			 "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 1) 6) "
			 "\"report\")");
	/* a multipart without its boundary in the body still has one part */
	expect_structure("Content-Type: multipart/mixed; boundary=zz\r\n\r\nno parts\r\n", false,
			 "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) "
			 "\"mixed\")");
	/* 8-bit header text goes out as a literal */
	struct strbuf sb;
	sb_init(&sb);
	imap_envelope("Subject: caf\xc3\xa9\r\n\r\n", 17, &sb);
	expect_str("literal", sb.data, "(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL)");
	sb_free(&sb);
}

/* FETCH sends the structure; a literal inside it goes through send_data. */
static void test_fetch_bodystructure_wire(void **state)
{
	struct fx *f = fx_new_full(false, NULL);
	RUN(f, login_select_full);
	fs_add(&f->fs.f[0], REPORT, strlen(REPORT));
	imapd_feed(f->s, "b0 NOOP\r\n", 9);
	sb_clear(&f->rec.wire);
	size_t before = f->rec.ndata;
	static const char cmd[] = "b1 FETCH 4 (BODYSTRUCTURE ENVELOPE)\r\n";
	imapd_feed(f->s, cmd, strlen(cmd));
	assert_true(ascii_startswith_ci(f->rec.wire.data, "* 4 FETCH (BODYSTRUCTURE (("));
	assert_non_null(strstr(f->rec.wire.data, " \"report\" (\"report-type\" \"delivery-status\" "
						 "\"boundary\" \"r\") NIL NIL NIL) ENVELOPE (NIL "
						 "\"failed\" ((NIL NIL \"MAILER-DAEMON\" \"example.org\"))"));
	assert_int_equal(f->rec.ndata, before);
	fs_add(&f->fs.f[0], "Subject: caf\xc3\xa9\r\n\r\nx\r\n", 20);
	imapd_feed(f->s, "b2 NOOP\r\n", 9);
	sb_clear(&f->rec.wire);
	imapd_feed(f->s, "b3 FETCH 5 ENVELOPE\r\n", 21);
	expect_str("literal", f->rec.wire.data,
		   "* 5 FETCH (ENVELOPE (NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
		   "b3 OK FETCH completed\r\n");
	assert_int_equal(f->rec.ndata, before + 1);
	assert_int_equal(f->rec.last_len, 5);
	fx_free(f);
}

/* APPEND [RFC 3501 §6.3.11] with flags, date-time, both literal kinds,
 * APPENDUID [RFC 4315 §3], TRYCREATE, and EXISTS for the selected box. */
static void test_append(void **state)
{
	struct fx *f = fx_new_full(false, NULL);
	static const struct step steps[] = {
		{"a1 LOGIN bob \"secret pass\"\r\n", "a1 OK LOGIN completed\r\n"},
		{"a2 APPEND Archive (\\Seen \\Flagged) \"06-Jan-2024 01:00:00 +0000\" {24}\r\n",
		 "+ Ready for literal data\r\n"},
		{"Subject: two\r\n\r\nsecond\r\n\r\n", "a2 OK [APPENDUID 1 8] APPEND completed\r\n"},
		{"a3 APPEND Nowhere {3+}\r\nabc\r\n", "a3 NO [TRYCREATE] Mailbox does not exist\r\n"},
		{"a4 SELECT INBOX\r\n", SELECT_FULL_REPLY("a4", "3")},
		{"a5 APPEND inbox {14+}\r\nSubject: x\r\n\r\n\r\n",
		 "* 4 EXISTS\r\n* 4 RECENT\r\na5 OK [APPENDUID 1 104] APPEND completed\r\n"},
		{"a6 APPEND INBOX (\\Seen) \"31-Feb-2024 00:00:00 +0000\" {1+}\r\nx\r\n",
		 "a6 BAD Invalid arguments for APPEND\r\n"},
		{"a7 APPEND INBOX {0}\r\n\r\n", "+ Ready for literal data\r\n"
						  "a7 NO Cannot append an empty message\r\n"},
		{"a8 APPEND INBOX (\\Seen\r\n", "a8 BAD Invalid arguments for APPEND\r\n"},
		{"a9 FETCH 4 (FLAGS INTERNALDATE)\r\n",
		 "* 4 FETCH (FLAGS (\\Recent) INTERNALDATE \"15-Jan-2027 08:00:00 +0000\")\r\n"
		 "a9 OK FETCH completed\r\n"},
	};
	RUN(f, steps);
	struct ffolder *ar = &f->fs.f[1];
	assert_int_equal(ar->n, 2);
	assert_int_equal(ar->flags[1], MSTORE_SEEN | MSTORE_FLAGGED);
	assert_int_equal(ar->date[1], 1704502800);
	expect_str("appended", ar->msg[1], M2);
	assert_int_equal(f->fs.f[0].n, 4);
	fx_free(f);

	/* without a store that can append: no UIDPLUS, a NO */
	f = fx_new();
	RUN(f, login_select);
	static const struct step no[] = {
		{"n1 APPEND INBOX {1+}\r\nx\r\n", "n1 NO APPEND is not supported here\r\n"},
	};
	RUN(f, no);
	fx_free(f);
}

/* IDLE [RFC 2177]: "+ idling", new mail pushed only while idling, DONE. */
static void test_idle(void **state)
{
	struct fx *f = fx_new_full(false, NULL);
	RUN(f, login_select_full);
	static const struct step idle[] = {
		{"i1 IDLE\r\n", "+ idling\r\n"},
	};
	RUN(f, idle);
	assert_true(imapd_idling(f->s));
	sb_clear(&f->rec.wire);
	imapd_mailbox_changed(f->s, "INBOX");   /* nothing new yet */
	fs_add(&f->fs.f[1], M3, strlen(M3));
	imapd_mailbox_changed(f->s, "Archive"); /* not the selected one */
	expect_str("quiet", f->rec.wire.data ? f->rec.wire.data : "", "");
	fs_add(&f->fs.f[0], M3, strlen(M3));
	imapd_mailbox_changed(f->s, "INBOX");
	expect_str("push", f->rec.wire.data, "* 4 EXISTS\r\n* 4 RECENT\r\n");
	static const struct step done[] = {
		{"DONE\r\n", "i1 OK IDLE terminated\r\n"},
		{"i2 IDLE\r\n", "+ idling\r\n"},
		{"i3 NOOP\r\n", "i2 BAD Expected DONE\r\n"},
		{"i4 NOOP\r\n", "i4 OK NOOP completed\r\n"},
	};
	RUN(f, done);
	assert_false(imapd_idling(f->s));
	/* not idling: the news waits for the next command */
	sb_clear(&f->rec.wire);
	fs_add(&f->fs.f[0], M2, strlen(M2));
	imapd_mailbox_changed(f->s, NULL);
	expect_str("not idling", f->rec.wire.data ? f->rec.wire.data : "", "");
	static const struct step later[] = {
		{"i5 IDLE\r\n", "+ idling\r\n* 5 EXISTS\r\n* 5 RECENT\r\n"},
		{"done\r\n", "i5 OK IDLE terminated\r\n"},
	};
	RUN(f, later);
	fx_free(f);
}

/* STARTTLS offered: LOGINDISABLED, PRIVACYREQUIRED, input before the
 * handshake dropped, capabilities after it [RFC 3501 §6.2.1, §6.2.3,
 * RFC 5530 §3]. */
static void test_starttls_required(void **state)
{
	struct fx *f = fx_new_full(true, NULL);
	imapd_start(f->s);
	expect_str("greeting", f->rec.wire.data,
		   "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS STARTTLS LOGINDISABLED] "
		   "imap.example.net IMAP4rev1 server ready\r\n");
	static const char privacy[] = "NO [PRIVACYREQUIRED] Plaintext authentication disallowed "
				      "on non-secure (SSL/TLS) connections\r\n";
	char *l1 = xasprintf("t1 %s", privacy), *l2 = xasprintf("t2 %s", privacy);
	const struct step before[] = {
		{"t1 LOGIN bob \"secret pass\"\r\n", l1},
		{"t2 AUTHENTICATE PLAIN\r\n", l2},
		{"t3 AUTHENTICATE\r\n", "t3 BAD Invalid arguments for AUTHENTICATE\r\n"},
		{"t4 SELECT INBOX\r\n", "t4 BAD Log in first\r\n"},
		/* a command smuggled behind STARTTLS is never run [RFC 3501 §6.2.1] */
		{"t5 STARTTLS\r\nt6 LOGIN bob \"secret pass\"\r\n",
		 "t5 OK Begin TLS negotiation now\r\n"},
		{"t7 NOOP\r\n", ""},
	};
	tls_starts = 0;
	RUN(f, before);
	free(l1);
	free(l2);
	assert_int_equal(tls_starts, 1);
	assert_int_equal(imapd_get_state(f->s), IMAPD_NOT_AUTHENTICATED);
	imapd_tls_done(f->s, true);
	static const struct step after[] = {
		{"u1 CAPABILITY\r\n", "* CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS\r\n"
				      "u1 OK CAPABILITY completed\r\n"},
		{"u2 STARTTLS\r\n", "u2 BAD TLS is already active\r\n"},
		{"u3 AUTHENTICATE PLAIN\r\n", "u3 NO Unsupported authentication mechanism\r\n"},
		{"u4 LOGIN bob \"secret pass\"\r\n", "u4 OK LOGIN completed\r\n"},
	};
	RUN(f, after);
	fx_free(f);

	/* a failed handshake ends the session */
	f = fx_new_full(true, NULL);
	imapd_feed(f->s, "v1 STARTTLS\r\n", 13);
	imapd_tls_done(f->s, false);
	assert_int_equal(f->rec.closes, 1);
	assert_int_equal(imapd_get_state(f->s), IMAPD_LOGOUT);
	fx_free(f);

	/* without offer_starttls there is no STARTTLS */
	f = fx_new_full(false, NULL);
	imapd_feed(f->s, "w1 STARTTLS\r\n", 13);
	expect_str("no tls", f->rec.wire.data, "w1 BAD Unknown command\r\n");
	fx_free(f);
}

/* UID EXPUNGE [RFC 4315 §2.1] removes only the \Deleted messages it names;
 * each run of removals is reported to the store once. */
static void test_uid_expunge(void **state)
{
	struct fx *f = fx_new_full(false, NULL);
	RUN(f, login_select_full);
	static const struct step steps[] = {
		{"x1 STORE 1:3 +FLAGS.SILENT (\\Deleted)\r\n", "x1 OK STORE completed\r\n"},
		{"x2 UID EXPUNGE 102:103\r\n", "* 2 EXPUNGE\r\n* 2 EXPUNGE\r\nx2 OK UID EXPUNGE completed\r\n"},
		{"x3 UID EXPUNGE 200\r\n", "x3 OK UID EXPUNGE completed\r\n"},
		{"x4 UID EXPUNGE\r\n", "x4 BAD Invalid arguments for UID EXPUNGE\r\n"},
		{"x5 FETCH 1 UID\r\n", "* 1 FETCH (UID 101)\r\nx5 OK FETCH completed\r\n"},
		{"x6 EXPUNGE\r\n", "* 1 EXPUNGE\r\nx6 OK EXPUNGE completed\r\n"},
	};
	RUN(f, steps);
	assert_int_equal(f->fs.expunges, 3);
	assert_int_equal(f->fs.expunge_runs, 2);
	fx_free(f);
}

/* ---- the client's new jobs against the server ------------------------------- */

static void b2b_cli_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	struct b2b *b = ud;
	sb_append(&b->to_server, bytes, len);
	sb_append(&b->cl.sent, bytes, len);
}

static int b2b_fetch_batches;

static void b2b_cli_fetched(void *ud, size_t count)
{
	b2b_fetch_batches++;
}

/* Both ends start TLS when the client asks (what net_tls_start does). */
static struct b2b *b2b_current;

static void b2b_srv_tls(void *ud)
{
}

static void b2b_cli_tls(void *ud)
{
	imapd_tls_done(b2b_current->s, true);
	imapc_tls_done(b2b_current->c, true);
}

static const struct imapd_callbacks b2b_srv_cb_tls = {
	.send_line = b2b_srv_line, .send_data = b2b_srv_data, .close = b2b_srv_close,
	.start_tls = b2b_srv_tls,
};
static const struct imapc_callbacks b2b_cli_cb_full = {
	.send_line = b2b_cli_line, .done = b2b_cli_done, .send_data = b2b_cli_data,
	.start_tls = b2b_cli_tls, .fetched = b2b_cli_fetched,
};

static void b2b_start(struct b2b *b, struct fstore *fs, const struct imapc_config *ccfg)
{
	struct imapd_config scfg = {.hostname = "imap.example.net", .offer_starttls = true};
	memset(b, 0, sizeof(*b));
	b2b_current = b;
	b->s = imapd_new(&scfg, &b2b_srv_cb_tls, b, &fs_ops_full, fs);
	b->c = imapc_new(ccfg, &b2b_cli_cb_full, b);
	imapd_start(b->s);
}

static void b2b_end(struct b2b *b)
{
	imapc_free(b->c);
	imapd_free(b->s);
	free(b->cl.last_line);
	sb_free(&b->cl.sent);
	sb_free(&b->to_server);
	sb_free(&b->to_client);
}

/* Deliver by APPEND (seed 003 step 11): flags and dates arrive, the UIDs
 * come back; STARTTLS first, since the server disables LOGIN without it. */
static void test_client_append(void **state)
{
	struct fstore fs;
	struct b2b b;
	static const struct imapc_append msgs[] = {
		{.folder = "INBOX", .data = M2, .len = sizeof(M2) - 1,
		 .flags = MSTORE_SEEN | MSTORE_FLAGGED, .has_date = true, .date = 1704502800},
		{.folder = "Sent Items", .data = M3, .len = sizeof(M3) - 1},
	};
	struct imapc_config ccfg = {.user = "bob", .pass = "secret pass", .appends = msgs,
				    .nappends = 2};
	fs_init(&fs);
	for (size_t chunk = 1; chunk <= 64; chunk *= 4) {
		b2b_start(&b, &fs, &ccfg);
		b2b_pump(&b, chunk);
		assert_int_equal(b.cl.dones, 1);
		assert_true(b.cl.res.ok);
		assert_int_equal(b.cl.res.nappended, 2);
		b2b_end(&b);
	}
	/* four rounds: INBOX got 4 copies (UIDs 104..107), Sent Items 4 */
	assert_int_equal(fs.f[0].n, 7);
	assert_int_equal(fs.f[0].flags[3], MSTORE_SEEN | MSTORE_FLAGGED);
	assert_int_equal(fs.f[0].date[3], 1704502800);
	expect_str("inbox copy", fs.f[0].msg[3], M2);
	assert_int_equal(fs.f[2].n, 4);
	assert_int_equal(fs.f[2].flags[0], 0);
	expect_str("sent copy", fs.f[2].msg[0], M3);

	/* the exact dialogue of one more round */
	b2b_start(&b, &fs, &ccfg);
	b2b_pump(&b, 1000);
	expect_str("dialogue", b.cl.sent.data,
		   "a1 STARTTLS\r\na2 CAPABILITY\r\na3 LOGIN bob \"secret pass\"\r\n"
		   "a4 APPEND INBOX (\\Flagged \\Seen) \"06-Jan-2024 01:00:00 +0000\" {24}\r\n"
		   "Subject: two\r\n\r\nsecond\r\n\r\n"
		   "a5 APPEND \"Sent Items\" {28}\r\nSubject: three\r\n\r\n.\r\nthird\r\n\r\n"
		   "a6 LOGOUT\r\n");
	assert_int_equal(b.cl.res.append_uids[0], 108);
	assert_int_equal(b.cl.res.append_uids[1], 5);
	b2b_end(&b);

	/* a folder that does not exist: TRYCREATE, the session fails */
	static const struct imapc_append nowhere = {.folder = "Nowhere", .data = M2, .len = 24};
	struct imapc_config bad = {.user = "bob", .pass = "secret pass", .appends = &nowhere,
				   .nappends = 1};
	b2b_start(&b, &fs, &bad);
	b2b_pump(&b, 1000);
	assert_false(b.cl.res.ok);
	assert_int_equal(b.cl.res.stage, IMAPC_APPEND);
	expect_str("reason", b.cl.res.reason,
		   "APPEND failed: the folder does not exist (TRYCREATE)");
	b2b_end(&b);
	fs_free(&fs);
}

/* The client waits in IDLE; new mail ends it, gets fetched, IDLE again;
 * renew and stop from the host. */
static void test_client_idle(void **state)
{
	struct fstore fs;
	struct b2b b;
	struct imapc_config ccfg = {.user = "bob", .pass = "secret pass", .keep = true,
				    .idle = true};
	fs_init(&fs);
	b2b_fetch_batches = 0;
	b2b_start(&b, &fs, &ccfg);
	b2b_pump(&b, 5);
	assert_true(imapc_idling(b.c));
	assert_true(imapd_idling(b.s));
	assert_int_equal(b2b_fetch_batches, 1);
	fs_add(&fs.f[0], M1, strlen(M1));
	imapd_mailbox_changed(b.s, "INBOX");
	b2b_pump(&b, 5);
	assert_int_equal(b2b_fetch_batches, 2);
	assert_true(imapc_idling(b.c));
	imapc_idle_renew(b.c);
	b2b_pump(&b, 5);
	assert_true(imapc_idling(b.c));
	imapc_idle_stop(b.c);
	b2b_pump(&b, 5);
	assert_int_equal(b.cl.dones, 1);
	assert_true(b.cl.res.ok);
	assert_int_equal(b.cl.res.nmsgs, 4);
	assert_int_equal(b.cl.res.server_count, 4);
	expect_str("pushed one", b.cl.res.msgs[3].data, M1);
	b2b_end(&b);
	fs_free(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_capability_logout),
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_literal_events),
		cmocka_unit_test(test_seen_rules),
		cmocka_unit_test(test_fetch_ranges),
		cmocka_unit_test(test_sections_and_partial),
		cmocka_unit_test(test_header_fields_folded),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_store_variants),
		cmocka_unit_test(test_expunge_numbering),
		cmocka_unit_test(test_login_variants),
		cmocka_unit_test(test_wrong_state_and_garbage),
		cmocka_unit_test(test_list_and_status),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_bare_lf_message),
		cmocka_unit_test(test_client_script_any_chunking),
		cmocka_unit_test(test_client_failures),
		cmocka_unit_test(test_client_misc),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_recent_first_session),
		cmocka_unit_test(test_internaldate_and_macros),
		cmocka_unit_test(test_bodystructure),
		cmocka_unit_test(test_fetch_bodystructure_wire),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_starttls_required),
		cmocka_unit_test(test_uid_expunge),
		cmocka_unit_test(test_client_append),
		cmocka_unit_test(test_client_idle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
