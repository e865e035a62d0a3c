/* pop3.c — sans-IO POP3 server (pop3d); the scripted client (pop3c) is
 * pop3c.c.
 *
 * Server invariants:
 *  - The maildrop is a snapshot taken at PASS: message numbers 1..n and
 *    their sizes do not change during the session, mail delivered later
 *    shows up in the next session [RFC 1939 §4: the server locks the maildrop].
 *  - DELE only marks; the store's expunge runs in the UPDATE state entered
 *    by QUIT, and never when the connection just drops [RFC 1939 §6].
 *  - Every state change goes through pop3d_enter_state.
 *  - Sizes are wire sizes: CRLF counts as two octets [RFC 1939 §10].
 */
#include "pop3.h"
#include "pop3_int.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers ------------------------------------------------------ */

/* Length of the first line in buf (up to, not including, LF), or -1 when no
 * complete line is buffered yet. */
long pop3_find_line(const struct strbuf *in)
{
	const char *lf = in->len ? memchr(in->data, '\n', in->len) : NULL;
	return lf ? (long)(lf - in->data) : -1;
}

/* Copy of the first line without CR LF; consumes it from in. */
char *pop3_take_line(struct strbuf *in, size_t lf)
{
	size_t n = lf > 0 && in->data[lf - 1] == '\r' ? lf - 1 : lf;
	char *line = xstrndup(in->data, n);
	sb_consume(in, lf + 1);
	return line;
}

/* Append b (wire form, CRLF lines) dot-stuffed to out, a line that starts
 * with "." getting one more [RFC 1939 §3]; an unterminated last line is
 * completed with CRLF so the terminator stays on a line of its own.
 * Returns the number of lines appended. */
static size_t pop3_stuff(struct strbuf *out, const char *b, size_t len)
{
	size_t lines = 0;
	size_t at = 0;
	while (at < len) {
		const char *lf = memchr(b + at, '\n', len - at);
		size_t end = lf ? (size_t)(lf - b) + 1 : len;
		if (b[at] == '.')
			sb_putc(out, '.');
		sb_append(out, b + at, end - at);
		if (!lf)
			sb_append(out, "\r\n", 2);
		lines++;
		at = end;
	}
	return lines;
}

/* Bytes of b that TOP n k returns: the header, the blank line that ends it
 * and then k lines of the body [RFC 1939 §7]. */
static size_t pop3_top_len(const char *b, size_t len, size_t k)
{
	size_t at = 0;
	bool in_header = true;
	while (at < len && (in_header || k > 0)) {
		const char *lf = memchr(b + at, '\n', len - at);
		size_t end = lf ? (size_t)(lf - b) + 1 : len;
		bool blank = end - at <= 2 && (b[at] == '\r' || b[at] == '\n');
		if (!in_header)
			k--;
		else if (blank)
			in_header = false;
		at = end;
	}
	return at;
}

/* A message number: 1 to 9 digits and nothing else. */
static bool pop3_parse_num(const char *s, size_t *out)
{
	size_t n = 0, digits = 0;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		n = n * 10 + (size_t)(*s - '0');
	if (*s || digits == 0 || digits > 9)
		return false;
	*out = n;
	return true;
}

/* ---- server -------------------------------------------------------------- */

struct pop3d {
	char *hostname;                       /* owned */
	const struct pop3d_callbacks *cb;     /* not owned */
	void *ud;
	const struct mstore_ops *store;       /* not owned */
	void *store_ud;
	enum pop3d_state state;
	struct strbuf in;                     /* bytes not yet forming a line */
	bool discarding;                      /* dropping an overlong line up to its LF */
	char *user;                           /* owned; set by USER, cleared by a failed PASS */
	size_t nmsgs;                         /* snapshot at PASS */
	size_t *sizes;                        /* owned, nmsgs wire sizes */
	bool *deleted;                        /* owned, nmsgs marks from DELE */
	struct strbuf out;                    /* scratch for multi-line bodies */
	struct strbuf wire;                   /* scratch for CRLF normalisation */
	bool offer_stls, tls;
	bool handshake;                       /* after STLS's +OK, until pop3d_tls_done */
};

static const char *const pop3d_state_names[] = {
	[POP3D_AUTHORIZATION] = "AUTHORIZATION",
	[POP3D_TRANSACTION] = "TRANSACTION",
	[POP3D_UPDATE] = "UPDATE",
	[POP3D_CLOSED] = "CLOSED",
};

const char *pop3d_state_name(enum pop3d_state st)
{
	return (size_t)st < ARRAY_LEN(pop3d_state_names) ? pop3d_state_names[st] : "?";
}

static void pop3d_enter_state(struct pop3d *s, enum pop3d_state to)
{
	enum pop3d_state from = s->state;
	s->state = to;
	if (s->cb->state && from != to)
		s->cb->state(s->ud, from, to);
}

__attribute__((format(printf, 2, 3)))
static void pop3d_reply(struct pop3d *s, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	s->cb->send_line(s->ud, sb.data ? sb.data : "");
	sb_free(&sb);
}

/* Message i (0-based) in wire form; the pointer lives until the next call. */
static const char *pop3d_message(struct pop3d *s, size_t i, size_t *len)
{
	size_t raw_len = 0;
	const char *raw = s->store->get(s->store_ud, "INBOX", i, &raw_len);
	if (!raw) {
		raw = "";
		raw_len = 0;
	}
	return mstore_wire_form(raw, raw_len, &s->wire, len);
}

static void pop3d_totals(const struct pop3d *s, size_t *count, size_t *octets)
{
	*count = *octets = 0;
	for (size_t i = 0; i < s->nmsgs; i++) {
		if (!s->deleted[i]) {
			(*count)++;
			*octets += s->sizes[i];
		}
	}
}

/* Resolve a message-number argument, replying -ERR when it names nothing
 * that RETR/LIST/DELE could act on [RFC 1939 §5]. */
static bool pop3d_pick(struct pop3d *s, const char *arg, size_t *idx)
{
	size_t n, count, octets;
	if (!pop3_parse_num(arg, &n)) {
		pop3d_reply(s, "-ERR invalid message number");
		return false;
	}
	if (n == 0 || n > s->nmsgs) {
		pop3d_totals(s, &count, &octets);
		pop3d_reply(s, "-ERR no such message, only %zu messages in maildrop", count);
		return false;
	}
	if (s->deleted[n - 1]) {
		pop3d_reply(s, "-ERR message %zu already deleted", n);
		return false;
	}
	*idx = n - 1;
	return true;
}

static void pop3d_send_block(struct pop3d *s, const char *b, size_t len)
{
	sb_clear(&s->out);
	size_t lines = pop3_stuff(&s->out, b, len);
	sb_append(&s->out, ".\r\n", 3);
	s->cb->send_data(s->ud, s->out.data, s->out.len, lines);
}

static void pop3d_snapshot(struct pop3d *s)
{
	s->nmsgs = s->store->count(s->store_ud, "INBOX");
	s->sizes = xcalloc(s->nmsgs, sizeof(*s->sizes));
	s->deleted = xcalloc(s->nmsgs, sizeof(*s->deleted));
	for (size_t i = 0; i < s->nmsgs; i++)
		pop3d_message(s, i, &s->sizes[i]);
}

/* -- command handlers: arg is everything after "VERB " ("" if none) -- */

static void pop3d_cmd_user(struct pop3d *s, const char *arg)
{
	if (!*arg) {
		pop3d_reply(s, "-ERR missing user name");
		return;
	}
	free(s->user);
	s->user = xstrdup(arg);
	pop3d_reply(s, "+OK send PASS");
}

static void pop3d_cmd_pass(struct pop3d *s, const char *arg)
{
	size_t count, octets;
	if (!s->user) {
		pop3d_reply(s, "-ERR USER first");
		return;
	}
	/* PASS takes the rest of the line: spaces belong to the password [§7]. */
	if (!s->store->login(s->store_ud, s->user, arg)) {
		free(s->user);
		s->user = NULL;
		/* Stay in AUTHORIZATION [§7]; [AUTH] per RFC 3206 §4. */
		pop3d_reply(s, "-ERR [AUTH] invalid user name or password");
		return;
	}
	pop3d_snapshot(s);
	pop3d_enter_state(s, POP3D_TRANSACTION);
	pop3d_totals(s, &count, &octets);
	pop3d_reply(s, "+OK maildrop has %zu messages (%zu octets)", count, octets);
}

/* QUIT from TRANSACTION enters UPDATE: only now do deletions happen, from
 * the highest number down so the store's indices stay valid [§6]. */
static void pop3d_cmd_quit(struct pop3d *s, const char *arg)
{
	if (s->state == POP3D_TRANSACTION) {
		size_t removed = 0;
		pop3d_enter_state(s, POP3D_UPDATE);
		for (size_t i = s->nmsgs; i-- > 0;)
			if (s->deleted[i]) {
				s->store->expunge(s->store_ud, "INBOX", i);
				removed++;
			}
		if (removed && s->store->expunged)
			s->store->expunged(s->store_ud, "INBOX");
		size_t left = s->store->count(s->store_ud, "INBOX");
		if (left)
			pop3d_reply(s, "+OK %s POP3 server signing off (%zu messages left)",
				    s->hostname, left);
		else
			pop3d_reply(s, "+OK %s POP3 server signing off (maildrop empty)", s->hostname);
	} else {
		pop3d_reply(s, "+OK %s POP3 server signing off", s->hostname);
	}
	pop3d_enter_state(s, POP3D_CLOSED);
	s->cb->close(s->ud);
}

/* RFC 2449 §5: valid in both states. */
static void pop3d_cmd_capa(struct pop3d *s, const char *arg)
{
	static const char *const caps[] = {
		"+OK Capability list follows", "USER", "TOP", "UIDL", "RESP-CODES",
		"AUTH-RESP-CODE", "PIPELINING",
	};
	for (size_t i = 0; i < ARRAY_LEN(caps); i++)
		s->cb->send_line(s->ud, caps[i]);
	/* Not once TLS is on, nor after login [RFC 2595 §4]. */
	if (s->offer_stls && !s->tls && s->state == POP3D_AUTHORIZATION)
		s->cb->send_line(s->ud, "STLS");
	s->cb->send_line(s->ud, ".");
}

/* RFC 2595 §4: only in AUTHORIZATION; what the client pipelined behind it
 * came in plaintext and is dropped. */
static void pop3d_cmd_stls(struct pop3d *s, const char *arg)
{
	if (!s->offer_stls)
		pop3d_reply(s, "-ERR unknown command");
	else if (s->tls)
		pop3d_reply(s, "-ERR Command not permitted when TLS active");
	else {
		pop3d_reply(s, "+OK Begin TLS negotiation");
		s->handshake = true;
		s->cb->start_tls(s->ud);
	}
}

static void pop3d_cmd_stat(struct pop3d *s, const char *arg)
{
	size_t count, octets;
	if (*arg) {
		pop3d_reply(s, "-ERR STAT takes no argument");
		return;
	}
	pop3d_totals(s, &count, &octets);
	pop3d_reply(s, "+OK %zu %zu", count, octets);
}

/* LIST and UIDL share their shape: one line for "VERB n", a multi-line
 * scan listing of the undeleted messages for plain "VERB" [§5, §7]. */
static const char *pop3d_uid(struct pop3d *s, size_t i, char *buf, size_t bufsz)
{
	const char *u = s->store->uid(s->store_ud, "INBOX", i);
	if (u && *u)
		return u;
	snprintf(buf, bufsz, "%zu", i + 1);
	return buf;
}

static void pop3d_listing(struct pop3d *s, const char *arg, bool uidl)
{
	char buf[24];
	size_t idx, count, octets;
	if (*arg) {
		if (!pop3d_pick(s, arg, &idx))
			return;
		if (uidl)
			pop3d_reply(s, "+OK %zu %s", idx + 1, pop3d_uid(s, idx, buf, sizeof(buf)));
		else
			pop3d_reply(s, "+OK %zu %zu", idx + 1, s->sizes[idx]);
		return;
	}
	pop3d_totals(s, &count, &octets);
	if (uidl)
		pop3d_reply(s, "+OK unique-id listing follows");
	else
		pop3d_reply(s, "+OK %zu messages (%zu octets)", count, octets);
	for (size_t i = 0; i < s->nmsgs; i++) {
		if (s->deleted[i])
			continue;
		if (uidl)
			pop3d_reply(s, "%zu %s", i + 1, pop3d_uid(s, i, buf, sizeof(buf)));
		else
			pop3d_reply(s, "%zu %zu", i + 1, s->sizes[i]);
	}
	s->cb->send_line(s->ud, ".");
}

static void pop3d_cmd_list(struct pop3d *s, const char *arg)
{
	pop3d_listing(s, arg, false);
}

static void pop3d_cmd_uidl(struct pop3d *s, const char *arg)
{
	pop3d_listing(s, arg, true);
}

static void pop3d_cmd_retr(struct pop3d *s, const char *arg)
{
	size_t idx, len;
	if (!pop3d_pick(s, arg, &idx))
		return;
	const char *b = pop3d_message(s, idx, &len);
	pop3d_reply(s, "+OK %zu octets", s->sizes[idx]);
	pop3d_send_block(s, b, len);
	/* Like Dovecot (pop3_no_flag_updates = no): a retrieved message is \Seen
	 * for IMAP clients of the same mailbox. */
	if (s->store->set_flags) {
		unsigned f = s->store->get_flags ? s->store->get_flags(s->store_ud, "INBOX", idx) : 0;
		if (!(f & MSTORE_SEEN))
			s->store->set_flags(s->store_ud, "INBOX", idx, f | MSTORE_SEEN);
	}
}

static void pop3d_cmd_top(struct pop3d *s, const char *arg)
{
	size_t idx, k, len;
	const char *sp = strchr(arg, ' ');
	char *num = xstrndup(arg, sp ? (size_t)(sp - arg) : strlen(arg));
	bool ok = sp && pop3_parse_num(sp + 1, &k);
	if (!ok)
		pop3d_reply(s, "-ERR usage: TOP msg lines");
	else if (pop3d_pick(s, num, &idx)) {
		const char *b = pop3d_message(s, idx, &len);
		pop3d_reply(s, "+OK top of message follows");
		pop3d_send_block(s, b, pop3_top_len(b, len, k));
	}
	free(num);
}

static void pop3d_cmd_dele(struct pop3d *s, const char *arg)
{
	size_t idx;
	if (!pop3d_pick(s, arg, &idx))
		return;
	s->deleted[idx] = true;
	pop3d_reply(s, "+OK message %zu deleted", idx + 1);
}

static void pop3d_cmd_noop(struct pop3d *s, const char *arg)
{
	pop3d_reply(s, "+OK");
}

static void pop3d_cmd_rset(struct pop3d *s, const char *arg)
{
	size_t count, octets;
	memset(s->deleted, 0, s->nmsgs * sizeof(*s->deleted));
	pop3d_totals(s, &count, &octets);
	pop3d_reply(s, "+OK maildrop has %zu messages (%zu octets)", count, octets);
}

#define IN_AUTH (1u << POP3D_AUTHORIZATION)
#define IN_TRANS (1u << POP3D_TRANSACTION)

struct pop3d_cmd {
	const char *verb;
	unsigned states;      /* bit per enum pop3d_state where the verb is valid */
	void (*fn)(struct pop3d *s, const char *arg);
};

static const struct pop3d_cmd pop3d_cmds[] = {
	{"USER", IN_AUTH, pop3d_cmd_user},
	{"PASS", IN_AUTH, pop3d_cmd_pass},
	{"QUIT", IN_AUTH | IN_TRANS, pop3d_cmd_quit},
	{"CAPA", IN_AUTH | IN_TRANS, pop3d_cmd_capa},
	{"STLS", IN_AUTH, pop3d_cmd_stls},
	{"STAT", IN_TRANS, pop3d_cmd_stat},
	{"LIST", IN_TRANS, pop3d_cmd_list},
	{"UIDL", IN_TRANS, pop3d_cmd_uidl},
	{"RETR", IN_TRANS, pop3d_cmd_retr},
	{"TOP", IN_TRANS, pop3d_cmd_top},
	{"DELE", IN_TRANS, pop3d_cmd_dele},
	{"NOOP", IN_TRANS, pop3d_cmd_noop},
	{"RSET", IN_TRANS, pop3d_cmd_rset},
};

/* Keywords are case-insensitive [RFC 1939 §3]. */
static const struct pop3d_cmd *pop3d_lookup(const char *line, size_t kwlen)
{
	for (size_t i = 0; i < ARRAY_LEN(pop3d_cmds); i++)
		if (strlen(pop3d_cmds[i].verb) == kwlen &&
		    ascii_strncaseeq(line, pop3d_cmds[i].verb, kwlen))
			return &pop3d_cmds[i];
	return NULL;
}

static void pop3d_line(struct pop3d *s, const char *line)
{
	size_t kw = strcspn(line, " ");
	const char *arg = line[kw] ? line + kw + 1 : "";
	const struct pop3d_cmd *cmd = pop3d_lookup(line, kw);
	if (!cmd)
		pop3d_reply(s, "-ERR unknown command");
	else if (!(cmd->states & (1u << s->state)))
		pop3d_reply(s, s->state == POP3D_AUTHORIZATION ? "-ERR log in first (USER, PASS)"
							      : "-ERR already logged in");
	else
		cmd->fn(s, arg);
}

struct pop3d *pop3d_new(const struct pop3d_config *cfg, const struct pop3d_callbacks *cb,
			void *ud, const struct mstore_ops *store, void *store_ud)
{
	assert(cb && cb->send_line && cb->send_data && cb->close);
	assert(store && store->login && store->count && store->get && store->uid &&
	       store->expunge);
	struct pop3d *s = xcalloc(1, sizeof(*s));
	s->hostname = xstrdup(cfg && cfg->hostname ? cfg->hostname : "localhost");
	s->cb = cb;
	s->ud = ud;
	s->store = store;
	s->store_ud = store_ud;
	s->state = POP3D_AUTHORIZATION;
	s->offer_stls = cfg && cfg->offer_stls;
	assert(!s->offer_stls || cb->start_tls);
	sb_init(&s->in);
	sb_init(&s->out);
	sb_init(&s->wire);
	return s;
}

void pop3d_free(struct pop3d *s)
{
	if (!s)
		return;
	free(s->hostname);
	free(s->user);
	free(s->sizes);
	free(s->deleted);
	sb_free(&s->in);
	sb_free(&s->out);
	sb_free(&s->wire);
	free(s);
}

void pop3d_start(struct pop3d *s)
{
	pop3d_reply(s, "+OK %s POP3 server ready", s->hostname);
}

/* True when a line start of n octets can no longer fit the RFC 2449 §4
 * limit of 255 octets including CRLF. */
static bool pop3d_overlong(const char *b, size_t n)
{
	if (n && b[n - 1] == '\r')
		n--;
	return n + 2 > POP3_MAX_CMD_LINE;
}

/* One complete buffered line: answer (or refuse) it and consume it. */
static void pop3d_take(struct pop3d *s, size_t lf)
{
	bool skip = s->discarding;        /* the tail of a line already refused */
	bool too_long = pop3d_overlong(s->in.data, lf);
	bool has_nul = memchr(s->in.data, '\0', lf) != NULL;
	char *line = pop3_take_line(&s->in, lf);
	s->discarding = false;
	if (skip)
		;
	else if (too_long)
		pop3d_reply(s, "-ERR line too long");
	else if (has_nul)
		pop3d_reply(s, "-ERR invalid command");
	else
		pop3d_line(s, line);
	free(line);
}

void pop3d_feed(struct pop3d *s, const char *bytes, size_t len)
{
	if (s->state == POP3D_CLOSED || s->handshake)
		return;
	sb_append(&s->in, bytes, len);
	while (s->state != POP3D_CLOSED) {
		if (s->handshake) {
			sb_clear(&s->in);
			return;
		}
		long lf = pop3_find_line(&s->in);
		if (lf >= 0) {
			pop3d_take(s, (size_t)lf);
			continue;
		}
		if (!s->discarding && pop3d_overlong(s->in.data, s->in.len)) {
			pop3d_reply(s, "-ERR line too long");
			s->discarding = true;
		}
		if (s->discarding)
			sb_clear(&s->in);
		return;
	}
}

void pop3d_disconnected(struct pop3d *s)
{
	if (s->state != POP3D_CLOSED)
		pop3d_enter_state(s, POP3D_CLOSED);
}

void pop3d_tls_done(struct pop3d *s, bool ok)
{
	if (!s->handshake)
		return;
	s->handshake = false;
	s->tls = ok;
	if (!ok && s->state != POP3D_CLOSED) {
		pop3d_enter_state(s, POP3D_CLOSED);
		s->cb->close(s->ud);
	}
}

enum pop3d_state pop3d_get_state(const struct pop3d *s)
{
	return s->state;
}
