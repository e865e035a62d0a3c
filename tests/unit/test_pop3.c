/* test_pop3.c — scripted POP3 dialogs against pop3d (exact reply lines),
 * pop3c against scripted replies, and pop3c against pop3d back to back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3.h"
#include "util.h"

/* ---- a fake mailbox ------------------------------------------------------ */

#define FS_MAX 8

struct fstore {
	char *msg[FS_MAX];          /* owned */
	size_t len[FS_MAX];
	char uid[FS_MAX][16];
	unsigned flags[FS_MAX];
	size_t n;
	int expunges;
	int expunge_runs;           /* expunged() calls: one per UPDATE that removed */
};

static const char M1[] = "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
			 "\r\nHi Bob,\r\n.hidden dot line\r\n..two dots\r\nBye\r\n";  /* 108 */
static const char M2[] = "Subject: two\r\n\r\nsecond\r\n";                    /* 24 */
static const char M3[] = "Subject: three\r\n\r\n.\r\nthird\r\n";             /* 28 */

static void fs_add(struct fstore *fs, const char *m, size_t len)
{
	assert_true(fs->n < FS_MAX);
	fs->msg[fs->n] = xstrndup(m, len);
	fs->len[fs->n] = len;
	snprintf(fs->uid[fs->n], sizeof(fs->uid[0]), "uid-%zu", fs->n + 101);
	fs->flags[fs->n] = 0;
	fs->n++;
}

static void fs_init3(struct fstore *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs_add(fs, M1, strlen(M1));
	fs_add(fs, M2, strlen(M2));
	fs_add(fs, M3, strlen(M3));
}

static void fs_free(struct fstore *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->msg[i]);
}

static bool fs_login(void *ud, const char *user, const char *pass)
{
	return (strcmp(user, "bob") == 0 || strcmp(user, "bob@example.net") == 0) &&
	       strcmp(pass, "secret pass") == 0;
}

static size_t fs_count(void *ud, const char *folder)
{
	struct fstore *fs = ud;
	return strcmp(folder, "INBOX") == 0 ? fs->n : 0;
}

static const char *fs_get(void *ud, const char *folder, size_t i, size_t *len)
{
	struct fstore *fs = ud;
	if (i >= fs->n)
		return NULL;
	*len = fs->len[i];
	return fs->msg[i];
}

static const char *fs_uid(void *ud, const char *folder, size_t i)
{
	struct fstore *fs = ud;
	return i < fs->n ? fs->uid[i] : NULL;
}

static void fs_set_flags(void *ud, const char *folder, size_t i, unsigned flags)
{
	struct fstore *fs = ud;
	assert_true(i < fs->n);
	fs->flags[i] = flags;
}

static unsigned fs_get_flags(void *ud, const char *folder, size_t i)
{
	struct fstore *fs = ud;
	return i < fs->n ? fs->flags[i] : 0;
}

static void fs_expunge(void *ud, const char *folder, size_t i)
{
	struct fstore *fs = ud;
	assert_true(i < fs->n);
	free(fs->msg[i]);
	for (size_t k = i; k + 1 < fs->n; k++) {
		fs->msg[k] = fs->msg[k + 1];
		fs->len[k] = fs->len[k + 1];
		memcpy(fs->uid[k], fs->uid[k + 1], sizeof(fs->uid[0]));
		fs->flags[k] = fs->flags[k + 1];
	}
	fs->n--;
	fs->expunges++;
}

static void fs_expunged(void *ud, const char *folder)
{
	struct fstore *fs = ud;
	assert_string_equal(folder, "INBOX");
	fs->expunge_runs++;
}

static const struct mstore_ops fs_ops = {
	.login = fs_login, .count = fs_count, .get = fs_get, .uid = fs_uid,
	.set_flags = fs_set_flags, .get_flags = fs_get_flags, .expunge = fs_expunge,
	.expunged = fs_expunged,
};

/* ---- recording the server's output --------------------------------------- */

struct rec {
	struct strbuf wire;         /* everything written, CRLF added to lines */
	int closes;
	size_t ndata;               /* send_data calls */
	size_t last_nlines;
	char states[256];           /* "AUTHORIZATION>TRANSACTION;..." */
	int tls_starts;
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
	r->last_nlines = nlines;
}

static void rec_close(void *ud)
{
	((struct rec *)ud)->closes++;
}

static void rec_state(void *ud, enum pop3d_state from, enum pop3d_state to)
{
	struct rec *r = ud;
	size_t n = strlen(r->states);
	snprintf(r->states + n, sizeof(r->states) - n, "%s>%s;", pop3d_state_name(from),
		 pop3d_state_name(to));
}

static const struct pop3d_callbacks rec_cb = {
	.send_line = rec_line, .send_data = rec_data, .close = rec_close, .state = rec_state,
};

/* Test fixture: a server over a 3-message store, greeting already taken. */
struct fx {
	struct fstore fs;
	struct rec rec;
	struct pop3d *s;
};

static struct fx *fx_new(void)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct pop3d_config cfg = {.hostname = "pop.example.net"};
	fs_init3(&f->fs);
	sb_init(&f->rec.wire);
	f->s = pop3d_new(&cfg, &rec_cb, &f->rec, &fs_ops, &f->fs);
	return f;
}

static void fx_free(struct fx *f)
{
	pop3d_free(f->s);
	fs_free(&f->fs);
	sb_free(&f->rec.wire);
	free(f);
}

/* Show CR and LF so a mismatch is readable. */
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
	const char *in;     /* client bytes */
	const char *out;    /* the server's exact answer */
};

static void run_steps(struct fx *f, const struct step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_clear(&f->rec.wire);
		pop3d_feed(f->s, steps[i].in, strlen(steps[i].in));
		expect_str(steps[i].in, f->rec.wire.data ? f->rec.wire.data : "", steps[i].out);
	}
}

#define RUN(f, steps) run_steps((f), (steps), ARRAY_LEN(steps))

static const struct step login_steps[] = {
	{"USER bob\r\n", "+OK send PASS\r\n"},
	{"PASS secret pass\r\n", "+OK maildrop has 3 messages (160 octets)\r\n"},
};

/* ---- server dialogs ------------------------------------------------------ */

static void test_greeting_and_capa(void **state)
{
	struct fx *f = fx_new();
	pop3d_start(f->s);
	expect_str("greeting", f->rec.wire.data, "+OK pop.example.net POP3 server ready\r\n");
	static const struct step steps[] = {
		{"CAPA\r\n", "+OK Capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
			     "AUTH-RESP-CODE\r\nPIPELINING\r\n.\r\n"},
	};
	RUN(f, steps);
	assert_int_equal(pop3d_get_state(f->s), POP3D_AUTHORIZATION);
	fx_free(f);
}

static void rec_start_tls(void *ud)
{
	((struct rec *)ud)->tls_starts++;
}

/* RFC 2595 §4: STLS in CAPA until TLS is on; "+OK" then the handshake;
 * what was pipelined behind STLS is dropped; no STLS after TLS or login;
 * a failed handshake ends the session. */
static void test_stls(void **state)
{
	static const struct pop3d_callbacks cb = {
		.send_line = rec_line, .send_data = rec_data, .close = rec_close,
		.start_tls = rec_start_tls,
	};
	struct pop3d_config cfg = {.hostname = "pop.example.net", .offer_stls = true};
	for (int ok = 1; ok >= 0; ok--) {
		struct fx *f = fx_new();
		pop3d_free(f->s);
		f->s = pop3d_new(&cfg, &cb, &f->rec, &fs_ops, &f->fs);
		static const struct step before[] = {
			{"CAPA\r\n", "+OK Capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\n"
				     "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nSTLS\r\n.\r\n"},
			{"STLS\r\nUSER mallory\r\n", "+OK Begin TLS negotiation\r\n"},
			{"USER bob\r\n", ""}, /* still in the handshake: not read */
		};
		RUN(f, before);
		assert_int_equal(f->rec.tls_starts, 1);
		pop3d_tls_done(f->s, ok);
		if (!ok) {
			assert_int_equal(pop3d_get_state(f->s), POP3D_CLOSED);
			assert_int_equal(f->rec.closes, 1);
			fx_free(f);
			continue;
		}
		static const struct step after[] = {
			{"CAPA\r\n", "+OK Capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\n"
				     "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n.\r\n"},
			{"STLS\r\n", "-ERR Command not permitted when TLS active\r\n"},
			{"USER bob\r\n", "+OK send PASS\r\n"},
			{"PASS secret pass\r\n", "+OK maildrop has 3 messages (160 octets)\r\n"},
			{"STLS\r\n", "-ERR already logged in\r\n"},
		};
		RUN(f, after);
		fx_free(f);
	}
}

static void test_happy_path(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"STAT\r\n", "+OK 3 160\r\n"},
		{"LIST\r\n", "+OK 3 messages (160 octets)\r\n1 108\r\n2 24\r\n3 28\r\n.\r\n"},
		{"LIST 2\r\n", "+OK 2 24\r\n"},
		{"UIDL\r\n", "+OK unique-id listing follows\r\n1 uid-101\r\n2 uid-102\r\n"
			     "3 uid-103\r\n.\r\n"},
		{"UIDL 3\r\n", "+OK 3 uid-103\r\n"},
		{"RETR 1\r\n", "+OK 108 octets\r\n"
			       "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
			       "\r\nHi Bob,\r\n..hidden dot line\r\n...two dots\r\nBye\r\n.\r\n"},
		{"RETR 3\r\n", "+OK 28 octets\r\nSubject: three\r\n\r\n..\r\nthird\r\n.\r\n"},
		{"TOP 1 0\r\n", "+OK top of message follows\r\nFrom: alice@example.com\r\n"
				"To: bob@example.net\r\nSubject: Hello\r\n\r\n.\r\n"},
		{"TOP 1 2\r\n", "+OK top of message follows\r\nFrom: alice@example.com\r\n"
				"To: bob@example.net\r\nSubject: Hello\r\n\r\nHi Bob,\r\n"
				"..hidden dot line\r\n.\r\n"},
		{"TOP 2 99\r\n", "+OK top of message follows\r\nSubject: two\r\n\r\nsecond\r\n.\r\n"},
		{"DELE 1\r\n", "+OK message 1 deleted\r\n"},
		{"STAT\r\n", "+OK 2 52\r\n"},
		{"LIST\r\n", "+OK 2 messages (52 octets)\r\n2 24\r\n3 28\r\n.\r\n"},
		{"NOOP\r\n", "+OK\r\n"},
		{"QUIT\r\n", "+OK pop.example.net POP3 server signing off (2 messages left)\r\n"},
	};
	RUN(f, login_steps);
	RUN(f, steps);
	assert_int_equal(f->rec.closes, 1);
	assert_int_equal(pop3d_get_state(f->s), POP3D_CLOSED);
	expect_str("states", f->rec.states,
		   "AUTHORIZATION>TRANSACTION;TRANSACTION>UPDATE;UPDATE>CLOSED;");
	/* Message 1 went at QUIT, not before; 2 and 3 moved up; the store
	 * heard of the run once (the host's mailbox.expunge event). */
	assert_int_equal(f->fs.n, 2);
	assert_int_equal(f->fs.expunges, 1);
	assert_int_equal(f->fs.expunge_runs, 1);
	expect_str("first left", f->fs.msg[0], M2);
	/* RETR marks \Seen (in the store's numbering of the time), TOP does not. */
	assert_int_equal(f->fs.flags[0], 0);
	assert_int_equal(f->fs.flags[1], MSTORE_SEEN);
	fx_free(f);
}

static void test_retr_is_one_data_event(void **state)
{
	struct fx *f = fx_new();
	RUN(f, login_steps);
	pop3d_feed(f->s, "RETR 1\r\n", 8);
	assert_int_equal(f->rec.ndata, 1);
	assert_int_equal(f->rec.last_nlines, 8);
	pop3d_feed(f->s, "TOP 3 1\r\n", 9);
	assert_int_equal(f->rec.ndata, 2);
	assert_int_equal(f->rec.last_nlines, 3);
	/* LIST goes line by line. */
	pop3d_feed(f->s, "LIST\r\n", 6);
	assert_int_equal(f->rec.ndata, 2);
	fx_free(f);
}

static void test_bad_password(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"USER bob\r\n", "+OK send PASS\r\n"},
		{"PASS wrong\r\n", "-ERR [AUTH] invalid user name or password\r\n"},
		/* the failed PASS forgot the user: RFC 1939 §7 starts over */
		{"PASS secret pass\r\n", "-ERR USER first\r\n"},
		{"STAT\r\n", "-ERR log in first (USER, PASS)\r\n"},
		{"USER bob@example.net\r\n", "+OK send PASS\r\n"},
		{"PASS secret pass\r\n", "+OK maildrop has 3 messages (160 octets)\r\n"},
	};
	RUN(f, steps);
	assert_int_equal(pop3d_get_state(f->s), POP3D_TRANSACTION);
	fx_free(f);
}

static void test_wrong_state_and_unknown(void **state)
{
	struct fx *f = fx_new();
	static const struct step before[] = {
		{"RETR 1\r\n", "-ERR log in first (USER, PASS)\r\n"},
		{"DELE 1\r\n", "-ERR log in first (USER, PASS)\r\n"},
		{"LIST\r\n", "-ERR log in first (USER, PASS)\r\n"},
		{"PASS x\r\n", "-ERR USER first\r\n"},
		{"USER\r\n", "-ERR missing user name\r\n"},
		{"HELO there\r\n", "-ERR unknown command\r\n"},
		{"\r\n", "-ERR unknown command\r\n"},
		{"STATUS\r\n", "-ERR unknown command\r\n"},
	};
	static const struct step after[] = {
		{"USER bob\r\n", "-ERR already logged in\r\n"},
		{"PASS secret pass\r\n", "-ERR already logged in\r\n"},
		{"APOP bob 0123456789abcdef\r\n", "-ERR unknown command\r\n"},
		{"stat\r\n", "+OK 3 160\r\n"},       /* keywords are case-insensitive */
		{"StAt x\r\n", "-ERR STAT takes no argument\r\n"},
	};
	RUN(f, before);
	RUN(f, login_steps);
	RUN(f, after);
	fx_free(f);
}

static void test_nul_in_line(void **state)
{
	struct fx *f = fx_new();
	pop3d_feed(f->s, "USER b\0b\r\n", 10);
	expect_str("nul", f->rec.wire.data, "-ERR invalid command\r\n");
	fx_free(f);
}

static void test_message_number_errors(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"RETR 0\r\n", "-ERR no such message, only 3 messages in maildrop\r\n"},
		{"RETR 4\r\n", "-ERR no such message, only 3 messages in maildrop\r\n"},
		{"RETR\r\n", "-ERR invalid message number\r\n"},
		{"RETR one\r\n", "-ERR invalid message number\r\n"},
		{"RETR 1 2\r\n", "-ERR invalid message number\r\n"},
		{"RETR -1\r\n", "-ERR invalid message number\r\n"},
		{"RETR 99999999999\r\n", "-ERR invalid message number\r\n"},
		{"LIST 9\r\n", "-ERR no such message, only 3 messages in maildrop\r\n"},
		{"UIDL x\r\n", "-ERR invalid message number\r\n"},
		{"TOP 1\r\n", "-ERR usage: TOP msg lines\r\n"},
		{"TOP 1 x\r\n", "-ERR usage: TOP msg lines\r\n"},
		{"TOP 7 1\r\n", "-ERR no such message, only 3 messages in maildrop\r\n"},
		{"DELE 2\r\n", "+OK message 2 deleted\r\n"},
		{"DELE 2\r\n", "-ERR message 2 already deleted\r\n"},
		{"RETR 2\r\n", "-ERR message 2 already deleted\r\n"},
		{"TOP 2 0\r\n", "-ERR message 2 already deleted\r\n"},
		{"LIST 2\r\n", "-ERR message 2 already deleted\r\n"},
		{"UIDL 2\r\n", "-ERR message 2 already deleted\r\n"},
		{"RETR 4\r\n", "-ERR no such message, only 2 messages in maildrop\r\n"},
		{"UIDL\r\n", "+OK unique-id listing follows\r\n1 uid-101\r\n3 uid-103\r\n.\r\n"},
	};
	RUN(f, login_steps);
	RUN(f, steps);
	fx_free(f);
}

static void test_rset_undoes_deletes(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"DELE 1\r\n", "+OK message 1 deleted\r\n"},
		{"DELE 3\r\n", "+OK message 3 deleted\r\n"},
		{"STAT\r\n", "+OK 1 24\r\n"},
		{"RSET\r\n", "+OK maildrop has 3 messages (160 octets)\r\n"},
		{"RETR 2\r\n", "+OK 24 octets\r\nSubject: two\r\n\r\nsecond\r\n.\r\n"},
		{"QUIT\r\n", "+OK pop.example.net POP3 server signing off (3 messages left)\r\n"},
	};
	RUN(f, login_steps);
	RUN(f, steps);
	assert_int_equal(f->fs.n, 3);
	assert_int_equal(f->fs.expunges, 0);
	assert_int_equal(f->fs.expunge_runs, 0);
	fx_free(f);
}

static void test_delete_all_at_quit(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"DELE 1\r\nDELE 2\r\nDELE 3\r\n",
		 "+OK message 1 deleted\r\n+OK message 2 deleted\r\n+OK message 3 deleted\r\n"},
		{"QUIT\r\nNOOP\r\n", "+OK pop.example.net POP3 server signing off (maildrop empty)\r\n"},
		{"NOOP\r\n", ""},     /* closed: ignored */
	};
	RUN(f, login_steps);
	assert_int_equal(f->fs.n, 3);
	RUN(f, steps);
	assert_int_equal(f->fs.n, 0);
	assert_int_equal(f->fs.expunges, 3);
	fx_free(f);
}

static void test_disconnect_means_no_update(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"DELE 1\r\n", "+OK message 1 deleted\r\n"},
	};
	RUN(f, login_steps);
	RUN(f, steps);
	pop3d_disconnected(f->s);
	assert_int_equal(pop3d_get_state(f->s), POP3D_CLOSED);
	assert_int_equal(f->fs.n, 3);
	assert_int_equal(f->fs.expunge_runs, 0);
	assert_int_equal(f->rec.closes, 0);
	expect_str("states", f->rec.states, "AUTHORIZATION>TRANSACTION;TRANSACTION>CLOSED;");
	fx_free(f);
}

static void test_quit_before_login(void **state)
{
	struct fx *f = fx_new();
	static const struct step steps[] = {
		{"QUIT\r\n", "+OK pop.example.net POP3 server signing off\r\n"},
	};
	RUN(f, steps);
	assert_int_equal(f->rec.closes, 1);
	expect_str("states", f->rec.states, "AUTHORIZATION>CLOSED;");
	fx_free(f);
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* RFC 2449 §4: 255 octets including CRLF is the most a command may use. */
static void test_line_limit(void **state)
{
	struct fx *f = fx_new();
	char *name248 = repeat('a', 248), *name249 = repeat('a', 249);
	char *fits = xasprintf("USER %s\r\n", name248);   /* 255 octets */
	char *over = xasprintf("USER %s\r\n", name249);   /* 256 octets */
	assert_int_equal(strlen(fits), 255);
	const struct step steps[] = {
		{fits, "+OK send PASS\r\n"},
		{over, "-ERR line too long\r\n"},
		{"NOOP\r\n", "-ERR log in first (USER, PASS)\r\n"},
	};
	RUN(f, steps);

	/* An overlong line arriving in pieces is refused once, as soon as it
	 * cannot fit, and its tail is dropped up to the LF. */
	char *big = repeat('x', 1000);
	sb_clear(&f->rec.wire);
	for (size_t i = 0; i < 1000; i++)
		pop3d_feed(f->s, big + i, 1);
	pop3d_feed(f->s, "\r\nQUIT\r\n", 8);
	expect_str("overlong in pieces", f->rec.wire.data,
		   "-ERR line too long\r\n+OK pop.example.net POP3 server signing off\r\n");
	free(big);
	free(fits);
	free(over);
	free(name248);
	free(name249);
	fx_free(f);
}

/* The same dialog fed in one piece and one byte at a time answers alike. */
static void test_byte_by_byte(void **state)
{
	static const char script[] = "CAPA\r\nUSER bob\r\nPASS secret pass\r\nLIST\r\nRETR 1\r\n"
				     "TOP 3 1\r\nDELE 2\r\nRSET\r\nDELE 3\nUIDL\r\nQUIT\r\n";
	struct fx *a = fx_new(), *b = fx_new();
	pop3d_feed(a->s, script, strlen(script));
	for (size_t i = 0; i < strlen(script); i++)
		pop3d_feed(b->s, script + i, 1);
	assert_non_null(a->rec.wire.data);
	expect_str("byte by byte", b->rec.wire.data, a->rec.wire.data);
	assert_int_equal(a->fs.n, 2);
	assert_int_equal(b->fs.n, 2);
	assert_int_equal(b->rec.closes, 1);
	fx_free(a);
	fx_free(b);
}

/* A store that hands out bare-LF messages still gets CRLF on the wire and
 * CRLF-counted sizes [RFC 1939 §11]; an unterminated last line is closed. */
static void test_bare_lf_store(void **state)
{
	struct fx *f = fx_new();
	fs_free(&f->fs);
	f->fs.n = 0;
	fs_add(&f->fs, "Subject: x\n\nbody\n", 17);
	fs_add(&f->fs, "Subject: y\r\n\r\n.no newline", 25);
	static const struct step steps[] = {
		{"USER bob\r\nPASS secret pass\r\n",
		 "+OK send PASS\r\n+OK maildrop has 2 messages (45 octets)\r\n"},
		{"LIST 1\r\n", "+OK 1 20\r\n"},
		{"RETR 1\r\n", "+OK 20 octets\r\nSubject: x\r\n\r\nbody\r\n.\r\n"},
		{"RETR 2\r\n", "+OK 25 octets\r\nSubject: y\r\n\r\n..no newline\r\n.\r\n"},
	};
	RUN(f, steps);
	fx_free(f);
}

/* An empty maildrop and an empty message. */
static void test_empty(void **state)
{
	struct fx *f = fx_new();
	fs_free(&f->fs);
	f->fs.n = 0;
	fs_add(&f->fs, "", 0);
	static const struct step steps[] = {
		{"LIST\r\n", "+OK 1 messages (0 octets)\r\n1 0\r\n.\r\n"},
		{"RETR 1\r\n", "+OK 0 octets\r\n.\r\n"},
		{"DELE 1\r\n", "+OK message 1 deleted\r\n"},
		{"LIST\r\n", "+OK 0 messages (0 octets)\r\n.\r\n"},
		{"QUIT\r\n", "+OK pop.example.net POP3 server signing off (maildrop empty)\r\n"},
	};
	sb_clear(&f->rec.wire);
	pop3d_feed(f->s, "USER bob\r\nPASS secret pass\r\n", 28);
	expect_str("login", f->rec.wire.data,
		   "+OK send PASS\r\n+OK maildrop has 1 messages (0 octets)\r\n");
	RUN(f, steps);
	fx_free(f);
}

/* ---- client against scripted replies -------------------------------------- */

struct cl {
	struct strbuf sent;          /* client lines, CRLF added */
	int dones;
	struct pop3c_result res;
	char *last_line;             /* copy of res.last_line */
	char stages[256];
};

static void cl_line(void *ud, const char *line)
{
	struct cl *c = ud;
	sb_puts(&c->sent, line);
	sb_append(&c->sent, "\r\n", 2);
}

static void cl_done(void *ud, const struct pop3c_result *r)
{
	struct cl *c = ud;
	c->dones++;
	c->res = *r;
	c->last_line = r->last_line ? xstrdup(r->last_line) : NULL;
}

static void cl_state(void *ud, enum pop3c_stage from, enum pop3c_stage to)
{
	struct cl *c = ud;
	size_t n = strlen(c->stages);
	snprintf(c->stages + n, sizeof(c->stages) - n, "%s>", pop3c_stage_name(to));
}

static const struct pop3c_callbacks cl_cb = {.send_line = cl_line, .done = cl_done,
					     .state = cl_state};

struct cstep {
	const char *server;    /* bytes the server sends */
	const char *client;    /* what the client must answer */
};

static void run_client(struct pop3c *c, struct cl *cl, const struct cstep *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_clear(&cl->sent);
		pop3c_feed(c, steps[i].server, strlen(steps[i].server));
		expect_str(steps[i].server, cl->sent.data ? cl->sent.data : "", steps[i].client);
	}
}

static struct pop3c *cl_new(struct cl *cl, bool keep, const char *pass)
{
	struct pop3c_config cfg = {.user = "bob", .pass = pass, .keep = keep};
	memset(cl, 0, sizeof(*cl));
	sb_init(&cl->sent);
	return pop3c_new(&cfg, &cl_cb, cl);
}

static void cl_free(struct pop3c *c, struct cl *cl)
{
	pop3c_free(c);
	sb_free(&cl->sent);
	free(cl->last_line);
}

static void test_client_script(void **state)
{
	struct cl cl;
	struct pop3c *c = cl_new(&cl, false, "secret pass");
	static const struct cstep steps[] = {
		{"+OK pop.example.net POP3 server ready\r\n", "USER bob\r\n"},
		{"+OK send PASS\r\n", "PASS secret pass\r\n"},
		{"+OK maildrop has 2 messages (52 octets)\r\n", "STAT\r\n"},
		{"+OK 2 52\r\n", "RETR 1\r\n"},
		{"+OK 24 octets\r\nSubject: two\r\n\r\n", ""},
		{"second\r\n.", ""},
		{"\r\n", "DELE 1\r\n"},
		{"+OK message 1 deleted\r\n", "RETR 2\r\n"},
		{"+OK 28 octets\r\nSubject: three\r\n\r\n..\r\nthird\r\n.\r\n", "DELE 2\r\n"},
		{"+OK message 2 deleted\r\n", "QUIT\r\n"},
		{"+OK bye (maildrop empty)\r\n", ""},
	};
	run_client(c, &cl, steps, ARRAY_LEN(steps));
	assert_int_equal(cl.dones, 1);
	assert_true(cl.res.ok);
	assert_int_equal(cl.res.stage, POP3C_DONE);
	assert_int_equal(cl.res.server_count, 2);
	assert_int_equal(cl.res.nmsgs, 2);
	expect_str("msg 1", cl.res.msgs[0].data, M2);
	expect_str("msg 2", cl.res.msgs[1].data, M3);
	expect_str("last line", cl.last_line, "+OK bye (maildrop empty)");
	expect_str("stages", cl.stages, "USER>PASS>STAT>RETR>DELE>RETR>DELE>QUIT>done>");
	cl_free(c, &cl);
}

/* A failing step: the client QUITs and reports the step and its reply. */
struct client_failure {
	const char *name;
	const char *script;           /* server side up to the failure */
	const char *client_sent;      /* everything the client said */
	enum pop3c_stage stage;
	const char *last_line;        /* NULL: none */
	size_t nmsgs;
	bool quit_reply;              /* feed "+OK bye" after the QUIT */
};

static const struct client_failure client_failures[] = {
	{"greeting", "-ERR go away\r\n", "", POP3C_GREETING, "-ERR go away", 0, false},
	{"pass", "+OK hi\r\n+OK\r\n-ERR [AUTH] invalid user name or password\r\n",
	 "USER bob\r\nPASS secret pass\r\nQUIT\r\n", POP3C_PASS,
	 "-ERR [AUTH] invalid user name or password", 0, true},
	{"user", "+OK hi\r\n-ERR no\r\n", "USER bob\r\nQUIT\r\n", POP3C_USER, "-ERR no", 0, true},
	{"stat", "+OK hi\r\n+OK\r\n+OK\r\n+OK lots\r\n",
	 "USER bob\r\nPASS secret pass\r\nSTAT\r\nQUIT\r\n", POP3C_STAT, "+OK lots", 0, true},
	{"retr", "+OK hi\r\n+OK\r\n+OK\r\n+OK 2 50\r\n+OK\r\nA\r\n.\r\n+OK\r\n"
		 "-ERR no such message\r\n",
	 "USER bob\r\nPASS secret pass\r\nSTAT\r\nRETR 1\r\nDELE 1\r\nRETR 2\r\nQUIT\r\n",
	 POP3C_RETR, "-ERR no such message", 1, true},
	{"dele", "+OK hi\r\n+OK\r\n+OK\r\n+OK 1 5\r\n+OK\r\nA\r\n.\r\n-ERR locked\r\n",
	 "USER bob\r\nPASS secret pass\r\nSTAT\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n", POP3C_DELE,
	 "-ERR locked", 1, true},
	{"quit", "+OK hi\r\n+OK\r\n+OK\r\n+OK 0 0\r\n-ERR some deleted messages not removed\r\n",
	 "USER bob\r\nPASS secret pass\r\nSTAT\r\nQUIT\r\n", POP3C_QUIT,
	 "-ERR some deleted messages not removed", 0, false},
	{"closed mid-body", "+OK hi\r\n+OK\r\n+OK\r\n+OK 1 5\r\n+OK\r\nA\r\n",
	 "USER bob\r\nPASS secret pass\r\nSTAT\r\nRETR 1\r\n", POP3C_RETR, "+OK", 0, false},
};

static void test_client_failures(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(client_failures); i++) {
		const struct client_failure *t = &client_failures[i];
		struct cl cl;
		struct pop3c *c = cl_new(&cl, false, "secret pass");
		pop3c_feed(c, t->script, strlen(t->script));
		if (t->quit_reply) {
			assert_int_equal(cl.dones, 0);
			pop3c_feed(c, "+OK bye\r\n", 9);
		}
		pop3c_disconnected(c);   /* a no-op once done */
		print_message("case %s\n", t->name);
		assert_int_equal(cl.dones, 1);
		assert_false(cl.res.ok);
		expect_str(t->name, cl.sent.data ? cl.sent.data : "", t->client_sent);
		if (cl.res.stage != t->stage)
			fail_msg("%s: stage got %s, want %s", t->name, pop3c_stage_name(cl.res.stage),
				 pop3c_stage_name(t->stage));
		if (t->last_line)
			expect_str(t->name, cl.last_line ? cl.last_line : "(null)", t->last_line);
		else
			assert_null(cl.last_line);
		assert_int_equal(cl.res.nmsgs, t->nmsgs);
		cl_free(c, &cl);
	}
}

static void test_client_empty_maildrop_and_crlf_password(void **state)
{
	struct cl cl;
	struct pop3c *c = cl_new(&cl, true, "secret pass");
	static const char script[] = "+OK hi\r\n+OK\r\n+OK\r\n+OK 0 0\r\n+OK bye\r\n";
	pop3c_feed(c, script, strlen(script));
	assert_true(cl.res.ok);
	assert_int_equal(cl.res.nmsgs, 0);
	expect_str("sent", cl.sent.data, "USER bob\r\nPASS secret pass\r\nSTAT\r\nQUIT\r\n");
	cl_free(c, &cl);

	c = cl_new(&cl, true, "evil\r\nDELE 1");
	pop3c_feed(c, "+OK hi\r\n+OK bye\r\n", 17);
	assert_false(cl.res.ok);
	assert_int_equal(cl.res.stage, POP3C_USER);
	expect_str("sent", cl.sent.data, "QUIT\r\n");
	cl_free(c, &cl);
}

/* ---- client and server back to back --------------------------------------- */

struct b2b {
	struct strbuf to_server, to_client;
	bool server_closed;
	struct cl cl;
	struct pop3d *s;
	struct pop3c *c;
	struct rec slog;     /* unused recording of states */
};

static void b2b_srv_line(void *ud, const char *line)
{
	struct b2b *b = ud;
	sb_puts(&b->to_client, line);
	sb_append(&b->to_client, "\r\n", 2);
}

static void b2b_srv_data(void *ud, const char *bytes, size_t len, size_t nlines)
{
	struct b2b *b = ud;
	sb_append(&b->to_client, bytes, len);
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
}

static void b2b_cli_done(void *ud, const struct pop3c_result *r)
{
	cl_done(&((struct b2b *)ud)->cl, r);
}

static const struct pop3d_callbacks b2b_srv_cb = {
	.send_line = b2b_srv_line, .send_data = b2b_srv_data, .close = b2b_srv_close,
};
static const struct pop3c_callbacks b2b_cli_cb = {.send_line = b2b_cli_line,
						  .done = b2b_cli_done};

/* Move bytes in chunks of `chunk` until both directions are quiet. */
static void b2b_pump(struct b2b *b, size_t chunk)
{
	while (b->to_server.len || b->to_client.len) {
		struct strbuf in = b->to_client;
		sb_init(&b->to_client);
		for (size_t at = 0; at < in.len; at += chunk)
			pop3c_feed(b->c, in.data + at, in.len - at < chunk ? in.len - at : chunk);
		sb_free(&in);
		in = b->to_server;
		sb_init(&b->to_server);
		for (size_t at = 0; at < in.len; at += chunk)
			pop3d_feed(b->s, in.data + at, in.len - at < chunk ? in.len - at : chunk);
		sb_free(&in);
	}
	if (b->server_closed)
		pop3c_disconnected(b->c);
}

static void back_to_back(bool keep, size_t chunk)
{
	struct fstore fs;
	struct b2b b;
	struct pop3d_config scfg = {.hostname = "pop.example.net"};
	struct pop3c_config ccfg = {.user = "bob@example.net", .pass = "secret pass", .keep = keep};
	fs_init3(&fs);
	memset(&b, 0, sizeof(b));
	b.s = pop3d_new(&scfg, &b2b_srv_cb, &b, &fs_ops, &fs);
	b.c = pop3c_new(&ccfg, &b2b_cli_cb, &b);
	pop3d_start(b.s);
	b2b_pump(&b, chunk);

	print_message("keep=%d chunk=%zu\n", keep, chunk);
	assert_int_equal(b.cl.dones, 1);
	assert_true(b.cl.res.ok);
	assert_true(b.server_closed);
	assert_int_equal(b.cl.res.nmsgs, 3);
	const char *want[] = {M1, M2, M3};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(b.cl.res.msgs[i].len, strlen(want[i]));
		assert_memory_equal(b.cl.res.msgs[i].data, want[i], strlen(want[i]));
	}
	assert_int_equal(fs.n, keep ? 3 : 0);
	pop3c_free(b.c);
	pop3d_free(b.s);
	free(b.cl.last_line);
	fs_free(&fs);
}

static void test_back_to_back(void **state)
{
	static const size_t chunks[] = {1, 2, 3, 7, 64, 100000};
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		back_to_back(false, chunks[i]);
		back_to_back(true, chunks[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_and_capa),
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_stls),
		cmocka_unit_test(test_retr_is_one_data_event),
		cmocka_unit_test(test_bad_password),
		cmocka_unit_test(test_wrong_state_and_unknown),
		cmocka_unit_test(test_nul_in_line),
		cmocka_unit_test(test_message_number_errors),
		cmocka_unit_test(test_rset_undoes_deletes),
		cmocka_unit_test(test_delete_all_at_quit),
		cmocka_unit_test(test_disconnect_means_no_update),
		cmocka_unit_test(test_quit_before_login),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_bare_lf_store),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_client_script),
		cmocka_unit_test(test_client_failures),
		cmocka_unit_test(test_client_empty_maildrop_and_crlf_password),
		cmocka_unit_test(test_back_to_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
