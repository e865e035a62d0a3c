/* smtpc.c — sans-IO SMTP client engine; see smtpc.h.
 *
 * Shape: every command sent pushes the stage whose reply it awaits onto a
 * FIFO; each complete (possibly multiline) reply pops one stage and goes to
 * that stage's handler in reply_handlers[]. Pipelining (RFC 2920) is then
 * just "send MAIL, every RCPT and DATA, push all": replies still come back
 * in order.
 *
 * Invariants:
 *  - the outcome is decided once (decide()); later replies or a lost
 *    connection never change it; done() is called exactly once, last;
 *  - once decided and nothing is outstanding, QUIT is sent; after a QUIT
 *    reply, a 421, a protocol error or a TLS failure the client closes;
 *  - data is sent only after 354 [RFC 5321 §3.3]; a 354 with no accepted
 *    recipient gets a lone "." [RFC 2920 §3.1];
 *  - replies that are not well-formed (code not 2..5, mixed codes in a
 *    multiline reply) are protocol errors: TEMPFAIL, close.
 *
 * A little over 800 lines on purpose: the stage FIFO, the handler table,
 * the one-time decision and the reply reader are one state machine over
 * one struct; moving the reader or the handlers out would expose that
 * struct to a second file for no reader's gain.
 */
#include "smtpc.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pool.h"

/* One engine per connection, over 1 KiB: recycled (pool.h), with its
 * grown buffers (the fields from `in` on). */
static _Thread_local struct pool smtpc_pool;

/* A kept buffer larger than this (a big message) is freed rather than kept
 * in an idle engine. */
#define KEEP_BUF_MAX 65536

#define SMTPC_LINE_MAX 4096 /* tolerate chatty servers beyond the 512 of RFC 5321 §4.5.3.1.5 */

enum rcpt_st { RCPT_OPEN, RCPT_ACCEPTED, RCPT_FINAL };

enum {
	EXT_PIPELINING = 1 << 0, EXT_SIZE = 1 << 1, EXT_8BITMIME = 1 << 2, EXT_STARTTLS = 1 << 3,
	EXT_AUTH_PLAIN = 1 << 4, EXT_AUTH_LOGIN = 1 << 5, EXT_ENHANCEDSTATUSCODES = 1 << 6,
};

enum auth_mech { MECH_PLAIN, MECH_LOGIN };

struct smtpc {
	struct smtpc_config cfg;
	/* borrowed from the config: they outlive the engine (smtpc.h) */
	const char *helo_name, *auth_user, *auth_pass;
	struct smtpc_callbacks cb;
	void *ud;
	/* message (its buffers below) */
	bool has_msg, eightbit;
	const char *from;   /* in names, or "" */
	size_t nrcpts;
	size_t body_lines, msg_size;
	/* input */
	size_t in_pos;
	bool discarding;
	int depth;
	/* reply being assembled */
	bool in_reply;
	size_t reply_lines;
	struct smtp_reply cur;
	/* what the server offers (from the last EHLO) */
	unsigned ext;
	/* flow */
	size_t qhead, qlen;
	enum smtpc_stage stage;   /* stage shown to cb->state */
	bool shown_closed;
	bool handshake, tls, tls_refused, authed, pipelining;
	enum auth_mech mech;
	int auth_step;
	size_t rcpt_sent, rcpt_next, naccepted;
	size_t per_txn, txn_end;  /* probe mode: RCPTs per transaction (0: a message), end of this one */
	bool decided, quit_sent, finished;
	struct smtpc_result res;
	/* Kept when the engine is recycled (pool_get_keep), emptied by
	 * smtpc_new; all owned by the engine. `in` must stay first. */
	struct strbuf in, line;
	struct strbuf cmd;     /* a MAIL command being built */
	struct strbuf body;    /* dot-stuffed, with the final ".\r\n" */
	struct strbuf names;   /* from and the recipients, each NUL-terminated */
	char **rcpts;          /* nrcpts of them, into names */
	struct smtpc_rcpt_result *rr;
	enum rcpt_st *rst;
	size_t rcap;           /* room in rcpts, rr and rst */
	enum smtpc_stage *q;
	size_t qcap;
};

#define SMTPC_KEPT (sizeof(struct smtpc) - offsetof(struct smtpc, in))

static const struct {
	const char *name;
	const char *doing;   /* for "lost connection while ..." texts, Postfix style */
	const char *command; /* Postfix's "(in reply to X command)" */
} stage_info[] = {
	[SMTPC_STAGE_GREETING] = {"GREETING", "receiving the initial server greeting", NULL},
	[SMTPC_STAGE_EHLO] = {"EHLO", "performing the EHLO handshake", "EHLO"},
	[SMTPC_STAGE_HELO] = {"HELO", "performing the HELO handshake", "HELO"},
	[SMTPC_STAGE_STARTTLS] = {"STARTTLS", "sending STARTTLS", "STARTTLS"},
	[SMTPC_STAGE_TLS] = {"TLS", "performing the TLS handshake", NULL},
	[SMTPC_STAGE_AUTH] = {"AUTH", "authenticating", "AUTH"},
	[SMTPC_STAGE_MAIL] = {"MAIL", "sending MAIL FROM", "MAIL FROM"},
	[SMTPC_STAGE_RCPT] = {"RCPT", "sending RCPT TO", "RCPT TO"},
	[SMTPC_STAGE_DATA] = {"DATA", "sending DATA command", "DATA"},
	[SMTPC_STAGE_DOT] = {"DOT", "sending end of data -- message may be sent more than once",
			     "end of DATA"},
	[SMTPC_STAGE_QUIT] = {"QUIT", "sending QUIT", "QUIT"},
	[SMTPC_STAGE_CONN] = {"CONN", "talking to the server", NULL},
	[SMTPC_STAGE_RSET] = {"RSET", "sending RSET", "RSET"},
};

const char *smtpc_stage_name(enum smtpc_stage st)
{
	return (unsigned)st < ARRAY_LEN(stage_info) ? stage_info[st].name : "?";
}

const char *smtpc_stage_command(enum smtpc_stage st)
{
	return (unsigned)st < ARRAY_LEN(stage_info) ? stage_info[st].command : NULL;
}

/* ---- stage FIFO and state reporting --------------------------------------- */

static void q_push(struct smtpc *c, enum smtpc_stage st)
{
	if (c->qhead + c->qlen == c->qcap) {
		if (c->qhead > 0) {
			memmove(c->q, c->q + c->qhead, c->qlen * sizeof *c->q);
			c->qhead = 0;
		} else {
			c->qcap = c->qcap ? 2 * c->qcap : 8;
			c->q = xrealloc(c->q, c->qcap * sizeof *c->q);
		}
	}
	c->q[c->qhead + c->qlen++] = st;
}

static enum smtpc_stage q_pop(struct smtpc *c)
{
	assert(c->qlen > 0);
	enum smtpc_stage st = c->q[c->qhead++];
	if (--c->qlen == 0)
		c->qhead = 0;
	return st;
}

/* The stage we are in: the oldest reply awaited, else the TLS handshake,
 * else wherever we last were. */
static enum smtpc_stage current_stage(const struct smtpc *c)
{
	if (c->qlen)
		return c->q[c->qhead];
	return c->handshake ? SMTPC_STAGE_TLS : c->stage;
}

static void update_state(struct smtpc *c)
{
	if (c->shown_closed)
		return;
	const char *from = stage_info[c->stage].name;
	if (c->finished) {
		c->shown_closed = true;
		if (c->cb.state)
			c->cb.state(c->ud, from, "CLOSED");
		return;
	}
	enum smtpc_stage now = current_stage(c);
	if (now != c->stage) {
		c->stage = now;
		if (c->cb.state)
			c->cb.state(c->ud, from, stage_info[now].name);
	}
}

/* One command line, already formatted. */
static void send_line_cmd(struct smtpc *c, enum smtpc_stage st, const char *line)
{
	q_push(c, st); /* before sending: a synchronous reply must find it */
	c->cb.send_line(c->ud, line);
	update_state(c);
}

/* One command line: verb, then arg and end when not NULL (every command
 * this client sends is such a concatenation). It fits the stack (RFC 5321
 * §4.5.3.1.4: 512 octets); a longer one (an AUTH response) is built in
 * the cmd buffer. */
static void send_cmd(struct smtpc *c, enum smtpc_stage st, const char *verb, const char *arg,
		     const char *end)
{
	char buf[512];
	size_t lv = strlen(verb), la = arg ? strlen(arg) : 0, le = end ? strlen(end) : 0;
	if (lv + la + le >= sizeof buf) {
		sb_clear(&c->cmd);
		sb_append(&c->cmd, verb, lv);
		sb_append(&c->cmd, arg ? arg : "", la);
		sb_append(&c->cmd, end ? end : "", le);
		send_line_cmd(c, st, c->cmd.data);
		return;
	}
	memcpy(buf, verb, lv);
	if (la)
		memcpy(buf + lv, arg, la);
	if (le)
		memcpy(buf + lv + la, end, le);
	buf[lv + la + le] = '\0';
	send_line_cmd(c, st, buf);
}

/* ---- outcome ---------------------------------------------------------------- */

/* Class of a reply that should have started with `want`: the code's class,
 * except that an unexpected 2xx/3xx is a protocol error, hence TEMPFAIL. */
static enum smtp_class outcome(const struct smtp_reply *r, int want)
{
	enum smtp_class cls = smtp_classify(r->code);
	if (r->code / 100 == want)
		return SMTP_CLASS_OK;
	return cls == SMTP_CLASS_OK ? SMTP_CLASS_TEMPFAIL : cls;
}

static void rcpt_final(struct smtpc *c, size_t i, const struct smtp_reply *r, enum smtp_class cls,
		       enum smtpc_stage st)
{
	c->rr[i].stage = st;
	c->rr[i].reply = *r;
	c->rr[i].reply.pending = false;
	c->rr[i].cls = cls;
	c->rst[i] = RCPT_FINAL;
}

/* Fix the outcome once. A session failure hands its reply to every
 * recipient still undecided; otherwise it goes to the accepted ones. */
static void decide(struct smtpc *c, enum smtpc_stage st, const struct smtp_reply *r,
		   enum smtp_class cls, bool session_failed)
{
	if (c->decided)
		return;
	c->decided = true;
	c->res.stage = st;
	c->res.reply = *r;
	c->res.reply.pending = false;
	c->res.cls = cls;
	c->res.session_failed = session_failed;
	for (size_t i = 0; i < c->nrcpts; i++)
		if (c->rst[i] == RCPT_ACCEPTED || (session_failed && c->rst[i] == RCPT_OPEN))
			rcpt_final(c, i, r, cls, st);
}

static void local_fail(struct smtpc *c, enum smtpc_stage st, enum smtp_class cls, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A failure we detect ourselves (no server reply): code 0. */
static void local_fail(struct smtpc *c, enum smtpc_stage st, enum smtp_class cls, const char *fmt, ...)
{
	struct smtp_reply r;
	va_list ap;
	smtp_reply_set(&r, 0, NULL, "%s", "");
	va_start(ap, fmt);
	fmt_vsnprintf(r.text, sizeof r.text, fmt, ap);
	va_end(ap);
	decide(c, st, &r, cls, true);
}

static void finish(struct smtpc *c)
{
	if (c->finished)
		return;
	assert(c->decided);
	c->finished = true;
	c->in_pos = c->in.len;
	c->res.rcpts = c->rr;
	c->res.nrcpts = c->nrcpts;
	update_state(c);
	if (c->cb.done)
		c->cb.done(c->ud, &c->res);
}

static void hard_close(struct smtpc *c)
{
	if (c->finished)
		return;
	if (c->cb.close)
		c->cb.close(c->ud);
	finish(c);
}

/* ---- greeting, EHLO/HELO, STARTTLS, AUTH ------------------------------------ */

static void send_ehlo(struct smtpc *c)
{
	c->ext = 0; /* forget what an earlier EHLO said [RFC 3207 §4.2] */
	send_cmd(c, SMTPC_STAGE_EHLO, "EHLO ", c->helo_name, NULL);
}

static void start_mail(struct smtpc *c);
static void start_auth(struct smtpc *c);

static void after_hello(struct smtpc *c)
{
	bool want_tls = c->cfg.starttls || c->cfg.require_tls;
	if (!c->tls && !c->tls_refused && want_tls && (c->ext & EXT_STARTTLS))
		send_cmd(c, SMTPC_STAGE_STARTTLS, "STARTTLS", NULL, NULL);
	else if (!c->tls && c->cfg.require_tls)
		local_fail(c, SMTPC_STAGE_STARTTLS, SMTP_CLASS_TEMPFAIL,
			   "TLS is required, but was not offered by host");
	else if (c->auth_user && !c->authed && (c->ext & (EXT_AUTH_PLAIN | EXT_AUTH_LOGIN)))
		start_auth(c);
	else
		start_mail(c); /* no AUTH offered: carry on, the server decides (Postfix does so) */
}

static void on_greeting(struct smtpc *c, const struct smtp_reply *r)
{
	if (r->code / 100 == 2)
		send_ehlo(c);
	else
		decide(c, SMTPC_STAGE_GREETING, r, outcome(r, 2), true);
}

/* A 5xx to EHLO means "no ESMTP here": fall back to HELO [RFC 5321 §4.1.4,
 * §3.2]. A 4xx is a temporary refusal of the session. */
static void on_ehlo(struct smtpc *c, const struct smtp_reply *r)
{
	if (r->code / 100 == 2)
		after_hello(c);
	else if (r->code / 100 == 5)
		send_cmd(c, SMTPC_STAGE_HELO, "HELO ", c->helo_name, NULL);
	else
		decide(c, SMTPC_STAGE_EHLO, r, outcome(r, 2), true);
}

static void on_helo(struct smtpc *c, const struct smtp_reply *r)
{
	if (r->code / 100 == 2) {
		c->ext = 0;
		after_hello(c);
	} else {
		decide(c, SMTPC_STAGE_HELO, r, outcome(r, 2), true);
	}
}

static void on_starttls(struct smtpc *c, const struct smtp_reply *r)
{
	if (r->code / 100 == 2) {
		/* Bytes behind the 220 came in plaintext: never trust them
		 * [RFC 3207 §5, the response-injection twin of CVE-2011-0411]. */
		c->in_pos = c->in.len;
		c->handshake = true;
		update_state(c);
		if (c->cb.start_tls)
			c->cb.start_tls(c->ud);
	} else if (c->cfg.require_tls) {
		decide(c, SMTPC_STAGE_STARTTLS, r, outcome(r, 2), true);
	} else {
		c->tls_refused = true; /* opportunistic: go on in plaintext */
		after_hello(c);
	}
}

static void send_b64(struct smtpc *c, const char *s, size_t n, const char *prefix)
{
	char *b64 = b64_encode((const unsigned char *)s, n);
	send_cmd(c, SMTPC_STAGE_AUTH, prefix, b64, NULL);
	free(b64);
}

/* PLAIN: base64(authzid NUL authcid NUL passwd), empty authzid [RFC 4616 §2]. */
static void send_plain(struct smtpc *c, const char *prefix)
{
	size_t nu = strlen(c->auth_user), np = strlen(c->auth_pass);
	char *buf = xmalloc(nu + np + 2);
	buf[0] = '\0';
	memcpy(buf + 1, c->auth_user, nu);
	buf[1 + nu] = '\0';
	memcpy(buf + 2 + nu, c->auth_pass, np);
	send_b64(c, buf, nu + np + 2, prefix);
	free(buf);
}

static void start_auth(struct smtpc *c)
{
	c->auth_step = 0;
	if (c->ext & EXT_AUTH_PLAIN) {
		c->mech = MECH_PLAIN;
		send_plain(c, "AUTH PLAIN "); /* initial response [RFC 4954 §4] */
	} else {
		c->mech = MECH_LOGIN;
		send_cmd(c, SMTPC_STAGE_AUTH, "AUTH LOGIN", NULL, NULL);
	}
}

static void on_auth(struct smtpc *c, const struct smtp_reply *r)
{
	c->auth_step++;
	if (r->code / 100 == 2) {
		c->authed = c->res.used_auth = true;
		start_mail(c);
	} else if (r->code == 334 && c->mech == MECH_LOGIN && c->auth_step == 1) {
		send_b64(c, c->auth_user, strlen(c->auth_user), ""); /* "Username:" */
	} else if (r->code == 334 && c->mech == MECH_LOGIN && c->auth_step == 2) {
		send_b64(c, c->auth_pass, strlen(c->auth_pass), ""); /* "Password:" */
	} else if (r->code == 334 && c->mech == MECH_PLAIN && c->auth_step == 1) {
		send_plain(c, ""); /* server ignored the initial response: answer the empty challenge */
	} else {
		decide(c, SMTPC_STAGE_AUTH, r, outcome(r, 2), true);
	}
}

/* ---- the transaction ---------------------------------------------------------- */

static void send_rcpt(struct smtpc *c)
{
	send_cmd(c, SMTPC_STAGE_RCPT, "RCPT TO:<", c->rcpts[c->rcpt_sent++], ">");
}

static void start_mail(struct smtpc *c)
{
	if (!c->has_msg || c->nrcpts == 0) {
		local_fail(c, SMTPC_STAGE_MAIL, SMTP_CLASS_PERMFAIL, "no recipients");
		return;
	}
	struct strbuf *sb = &c->cmd;
	sb_clear(sb);
	sb_puts(sb, "MAIL FROM:<");
	sb_puts(sb, c->from);
	sb_putc(sb, '>');
	if (c->per_txn) { /* a probe: no message to size, one command at a time */
		c->txn_end = c->rcpt_sent + c->per_txn < c->nrcpts ? c->rcpt_sent + c->per_txn : c->nrcpts;
		send_line_cmd(c, SMTPC_STAGE_MAIL, sb->data);
		return;
	}
	if (c->ext & EXT_SIZE) { /* [RFC 1870 §3] */
		char num[24], *e = num + sizeof num, *d = e;
		size_t v = c->msg_size;
		do
			*--d = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		sb_puts(sb, " SIZE=");
		sb_append(sb, d, (size_t)(e - d));
	}
	if (c->eightbit && (c->ext & EXT_8BITMIME))
		sb_puts(sb, " BODY=8BITMIME"); /* [RFC 6152 §3] */
	c->pipelining = (c->ext & EXT_PIPELINING) && !c->cfg.no_pipelining;
	c->res.used_pipelining = c->pipelining;
	send_line_cmd(c, SMTPC_STAGE_MAIL, sb->data);
	if (!c->pipelining)
		return;
	/* RFC 2920 §3.1: MAIL and RCPT may sit anywhere in a batch, DATA last. */
	while (c->rcpt_sent < c->nrcpts)
		send_rcpt(c);
	send_cmd(c, SMTPC_STAGE_DATA, "DATA", NULL, NULL);
}

static void on_mail(struct smtpc *c, const struct smtp_reply *r)
{
	if (r->code / 100 != 2)
		decide(c, SMTPC_STAGE_MAIL, r, outcome(r, 2), true); /* pipelined RCPT/DATA replies are then ignored */
	else if (!c->pipelining)
		send_rcpt(c);
}

static void on_rcpt(struct smtpc *c, const struct smtp_reply *r)
{
	size_t i = c->rcpt_next++;
	if (c->decided || i >= c->nrcpts)
		return;
	if (c->per_txn) { /* a probe: the reply is the answer; RSET ends the transaction */
		rcpt_final(c, i, r, outcome(r, 2), SMTPC_STAGE_RCPT);
		if (c->rcpt_next < c->txn_end)
			send_rcpt(c);
		else
			send_cmd(c, SMTPC_STAGE_RSET, "RSET", NULL, NULL);
		return;
	}
	if (r->code / 100 == 2) {
		c->rst[i] = RCPT_ACCEPTED;
		c->naccepted++;
	} else {
		rcpt_final(c, i, r, outcome(r, 2), SMTPC_STAGE_RCPT);
	}
	bool last = c->rcpt_next == c->nrcpts;
	if (last && c->naccepted == 0)
		decide(c, SMTPC_STAGE_RCPT, r, outcome(r, 2), false); /* nothing to send */
	else if (!c->pipelining && !last)
		send_rcpt(c);
	else if (!c->pipelining)
		send_cmd(c, SMTPC_STAGE_DATA, "DATA", NULL, NULL);
}

static void on_data(struct smtpc *c, const struct smtp_reply *r)
{
	if (r->code / 100 == 3) {
		q_push(c, SMTPC_STAGE_DOT);
		if (c->decided) /* every recipient failed (or MAIL did): a lone dot [RFC 2920 §3.1] */
			c->cb.send_data(c->ud, ".\r\n", 3, 0);
		else
			c->cb.send_data(c->ud, c->body.data, c->body.len, c->body_lines);
		update_state(c);
	} else {
		decide(c, SMTPC_STAGE_DATA, r, outcome(r, 3), false);
	}
}

/* The one reply to the data decides for every accepted recipient
 * [RFC 5321 §4.1.1.4]. */
static void on_dot(struct smtpc *c, const struct smtp_reply *r)
{
	decide(c, SMTPC_STAGE_DOT, r, outcome(r, 2), false);
}

/* RSET in probe mode [RFC 5321 §4.1.1.5]: the next transaction, or done. */
static void on_rset(struct smtpc *c, const struct smtp_reply *r)
{
	if (r->code / 100 != 2)
		decide(c, SMTPC_STAGE_RSET, r, outcome(r, 2), true);
	else if (c->rcpt_sent < c->nrcpts)
		start_mail(c);
	else
		decide(c, SMTPC_STAGE_RSET, r, SMTP_CLASS_OK, false);
}

static void on_quit(struct smtpc *c, const struct smtp_reply *r)
{
	hard_close(c);
}

static void on_unexpected(struct smtpc *c, const struct smtp_reply *r)
{
	decide(c, current_stage(c), r, outcome(r, 0), true);
	hard_close(c);
}

static void (*const reply_handlers[])(struct smtpc *, const struct smtp_reply *) = {
	[SMTPC_STAGE_GREETING] = on_greeting, [SMTPC_STAGE_EHLO] = on_ehlo,
	[SMTPC_STAGE_HELO] = on_helo,         [SMTPC_STAGE_STARTTLS] = on_starttls,
	[SMTPC_STAGE_TLS] = on_unexpected,    [SMTPC_STAGE_AUTH] = on_auth,
	[SMTPC_STAGE_MAIL] = on_mail,         [SMTPC_STAGE_RCPT] = on_rcpt,
	[SMTPC_STAGE_DATA] = on_data,         [SMTPC_STAGE_DOT] = on_dot,
	[SMTPC_STAGE_QUIT] = on_quit,         [SMTPC_STAGE_CONN] = on_unexpected,
	[SMTPC_STAGE_RSET] = on_rset,
};

static void on_reply(struct smtpc *c, const struct smtp_reply *r)
{
	if (c->finished)
		return;
	if (c->qlen == 0) {
		on_unexpected(c, r);
		return;
	}
	enum smtpc_stage st = q_pop(c);
	if (r->code == 421) {
		/* The server is closing the channel [RFC 5321 §3.8]: no further
		 * command (not even QUIT) would be read. */
		decide(c, st, r, SMTP_CLASS_TEMPFAIL, true);
		hard_close(c);
		return;
	}
	reply_handlers[st](c, r);
	if (c->decided && !c->quit_sent && c->qlen == 0 && !c->handshake && !c->finished) {
		c->quit_sent = true;
		send_cmd(c, SMTPC_STAGE_QUIT, "QUIT", NULL, NULL);
	}
	update_state(c);
}

/* ---- reply parsing ------------------------------------------------------------- */

static const struct {
	const char *keyword; /* upper case */
	size_t len;
	unsigned flag;
} ext_table[] = {
	{"PIPELINING", 10, EXT_PIPELINING},
	{"SIZE", 4, EXT_SIZE},
	{"8BITMIME", 8, EXT_8BITMIME},
	{"STARTTLS", 8, EXT_STARTTLS},
	{"ENHANCEDSTATUSCODES", 19, EXT_ENHANCEDSTATUSCODES},
};

/* One EHLO line after the first: "KEYWORD [params]" [RFC 5321 §4.1.1.1]. */
static void parse_ext(struct smtpc *c, const char *text)
{
	size_t kw = strcspn(text, " =");
	/* the first octet in upper case rules out most keywords at once */
	char first = text[0] >= 'a' && text[0] <= 'z' ? (char)(text[0] - 'a' + 'A') : text[0];
	if (kw == 4 && first == 'A' && ascii_strncaseeq(text, "AUTH", 4)) { /* also legacy "AUTH=LOGIN" */
		const char *p = text + 4;
		while (*p) {
			p += strspn(p, " =");
			size_t n = strcspn(p, " ");
			if (n == 5 && ascii_strncaseeq(p, "PLAIN", 5))
				c->ext |= EXT_AUTH_PLAIN;
			if (n == 5 && ascii_strncaseeq(p, "LOGIN", 5))
				c->ext |= EXT_AUTH_LOGIN;
			p += n;
		}
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(ext_table); i++)
		if (ext_table[i].len == kw && ext_table[i].keyword[0] == first &&
		    (memcmp(text, ext_table[i].keyword, kw) == 0 || /* as servers send them */
		     ascii_strncaseeq(text, ext_table[i].keyword, kw)))
			c->ext |= ext_table[i].flag;
}

static void protocol_error(struct smtpc *c, const char *line)
{
	struct smtp_reply r;
	int code = 0;
	if (strspn(line, "0123456789") >= 3)
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	smtp_reply_set(&r, code, NULL, "protocol error: malformed reply: %.400s", line);
	c->in_reply = false;
	decide(c, current_stage(c), &r, SMTP_CLASS_TEMPFAIL, true);
	hard_close(c);
}

/* Multiline replies: "250-" lines then "250 " [RFC 5321 §4.2.1]; the text of
 * all lines is joined with spaces (truncated), the enhanced code taken from
 * the first. */
static void on_line(struct smtpc *c, const char *line)
{
	int code;
	bool more;
	const char *text;
	if (!smtp_parse_reply_line(line, &code, &more, &text) || (c->in_reply && code != c->cur.code)) {
		protocol_error(c, line);
		return;
	}
	if (!c->in_reply) {
		smtp_reply_from_text(&c->cur, code, text);
		c->in_reply = true;
		c->reply_lines = 0;
	} else {
		size_t used = strlen(c->cur.text), e = smtp_enh_len(text);
		if (e && text[e] == ' ')
			text += e + 1;
		/* " %s" appended, truncated as snprintf would. */
		size_t room = sizeof c->cur.text - used, tl = strlen(text);
		if (room > 1) {
			c->cur.text[used] = ' ';
			size_t k = tl < room - 2 ? tl : room - 2;
			memcpy(c->cur.text + used + 1, text, k);
			c->cur.text[used + 1 + k] = '\0';
		}
	}
	if (c->reply_lines++ > 0 && code == 250 && c->qlen && c->q[c->qhead] == SMTPC_STAGE_EHLO)
		parse_ext(c, text);
	if (!more) {
		struct smtp_reply r = c->cur;
		c->in_reply = false;
		on_reply(c, &r);
	}
}

/* Reply lines end at LF (CR dropped); an absurdly long line is cut at
 * SMTPC_LINE_MAX and the rest of it skipped. */
static bool line_step(struct smtpc *c)
{
	if (c->in_pos >= c->in.len)
		return false; /* nothing buffered (in.data may be NULL) */
	const char *p = c->in.data + c->in_pos;
	size_t avail = c->in.len - c->in_pos;
	const char *nl = memchr(p, '\n', avail);
	size_t n, skip;
	if (nl) {
		n = (size_t)(nl - p);
		skip = n + 1;
	} else if (!c->discarding && avail >= SMTPC_LINE_MAX) {
		n = skip = avail;
	} else {
		if (c->discarding)
			c->in_pos = c->in.len;
		return false;
	}
	bool was_discarding = c->discarding;
	c->discarding = !nl;
	c->in_pos += skip;
	if (was_discarding)
		return true;
	if (n > SMTPC_LINE_MAX)
		n = SMTPC_LINE_MAX;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	sb_clear(&c->line);
	sb_append(&c->line, p, n);
	on_line(c, c->line.data);
	return true;
}

static void drain(struct smtpc *c)
{
	while (!c->finished && line_step(c))
		;
	sb_consume(&c->in, c->in_pos);
	c->in_pos = 0;
}

static void enter(struct smtpc *c)
{
	c->depth++;
}

static void leave(struct smtpc *c)
{
	if (c->depth == 1)
		drain(c);
	c->depth--;
}

/* ---- public API ------------------------------------------------------------------ */

struct smtpc *smtpc_new(const struct smtpc_config *cfg, const struct smtpc_callbacks *cb, void *ud)
{
	struct smtpc *c = pool_get_keep(&smtpc_pool, sizeof *c, SMTPC_KEPT);
	c->cfg = *cfg;
	c->helo_name = cfg->helo_name ? cfg->helo_name : "localhost";
	c->auth_user = cfg->auth_user;
	c->auth_pass = cfg->auth_pass ? cfg->auth_pass : "";
	c->cfg.helo_name = c->helo_name;
	c->cfg.auth_pass = c->auth_pass;
	c->cb = *cb;
	c->ud = ud;
	c->from = "";
	c->tls = c->res.used_tls = cfg->implicit_tls;
	sb_clear(&c->in); /* what a previous connection left */
	sb_clear(&c->line);
	sb_clear(&c->cmd);
	sb_clear(&c->body);
	sb_clear(&c->names);
	c->stage = SMTPC_STAGE_GREETING;
	q_push(c, SMTPC_STAGE_GREETING); /* the server speaks first [RFC 5321 §3.1] */
	return c;
}

/* Free a kept buffer, or keep it for the next connection (emptied then)
 * unless it grew past KEEP_BUF_MAX. */
static void buf_put(struct strbuf *b, bool keep)
{
	if (!keep || b->cap > KEEP_BUF_MAX)
		sb_free(b);
}

void smtpc_free(struct smtpc *c)
{
	if (!c)
		return;
	bool keep = pool_keeps(&smtpc_pool);
	struct strbuf *bufs[] = {&c->in, &c->line, &c->cmd, &c->body, &c->names};
	for (size_t i = 0; i < ARRAY_LEN(bufs); i++)
		buf_put(bufs[i], keep);
	if (!keep) {
		free(c->rcpts);
		free(c->rr);
		free(c->rst);
		free(c->q);
	}
	pool_put(&smtpc_pool, c);
}

/* Room for n recipients in rcpts, rr and rst (kept across messages). */
static void rcpt_room(struct smtpc *c, size_t n)
{
	if (n <= c->rcap)
		return;
	c->rcap = n;
	c->rcpts = xrealloc(c->rcpts, n * sizeof *c->rcpts);
	c->rr = xrealloc(c->rr, n * sizeof *c->rr);
	c->rst = xrealloc(c->rst, n * sizeof *c->rst);
}

void smtpc_set_message(struct smtpc *c, const char *mail_from, const char *const *rcpts, size_t nrcpts,
		       const char *data, size_t len)
{
	c->has_msg = true;
	if (!mail_from)
		mail_from = "";
	/* One copy of all the names: reserved at once, so the pointers into
	 * it stay valid while it is filled. */
	size_t total = strlen(mail_from) + 1;
	for (size_t i = 0; i < nrcpts; i++)
		total += strlen(rcpts[i]) + 1;
	struct strbuf *nm = &c->names;
	sb_clear(nm);
	sb_reserve(nm, total);
	const char *base = nm->data;
	sb_append(nm, mail_from, strlen(mail_from) + 1); /* the NUL too */
	c->from = nm->data;
	c->nrcpts = nrcpts;
	rcpt_room(c, nrcpts);
	if (nrcpts) {
		memset(c->rr, 0, nrcpts * sizeof *c->rr);
		memset(c->rst, 0, nrcpts * sizeof *c->rst);
	}
	for (size_t i = 0; i < nrcpts; i++) {
		c->rcpts[i] = nm->data + nm->len;
		sb_append(nm, rcpts[i], strlen(rcpts[i]) + 1);
		c->rr[i].rcpt = c->rcpts[i];
		c->rr[i].cls = SMTP_CLASS_TEMPFAIL;
	}
	assert(nm->data == base);
	(void)base;
	if (c->body.cap > KEEP_BUF_MAX)
		sb_free(&c->body); /* a big earlier message: room for this one only */
	sb_clear(&c->body);
	smtp_dot_stuff_sized(data, len, &c->body, &c->body_lines, &c->msg_size, &c->eightbit);
}

void smtpc_set_probe(struct smtpc *c, const char *mail_from, const char *const *rcpts,
		     size_t nrcpts, size_t per_txn)
{
	smtpc_set_message(c, mail_from, rcpts, nrcpts, "", 0);
	c->per_txn = per_txn ? per_txn : 1;
}

void smtpc_feed(struct smtpc *c, const char *data, size_t len)
{
	if (c->finished)
		return;
	enter(c);
	sb_append(&c->in, data, len);
	leave(c);
}

void smtpc_tls_done(struct smtpc *c, bool ok)
{
	if (!c->handshake || c->finished)
		return;
	enter(c);
	c->handshake = false;
	if (ok) {
		c->tls = c->res.used_tls = true;
		send_ehlo(c); /* start over: EHLO again [RFC 3207 §4.2] */
	} else {
		/* The connection is unusable after a failed handshake, whether TLS
		 * was required or opportunistic; the host may retry in plaintext. */
		local_fail(c, SMTPC_STAGE_TLS, SMTP_CLASS_TEMPFAIL, "TLS handshake failed");
		hard_close(c);
	}
	leave(c);
}

static void lost(struct smtpc *c, bool timeout)
{
	if (c->finished)
		return;
	enter(c);
	enum smtpc_stage st = current_stage(c);
	local_fail(c, st, SMTP_CLASS_TEMPFAIL, "%s while %s", timeout ? "conversation timed out" : "lost connection",
		   stage_info[st].doing);
	if (timeout)
		hard_close(c);
	else
		finish(c);
	leave(c);
}

void smtpc_disconnected(struct smtpc *c)
{
	lost(c, false);
}

void smtpc_timeout(struct smtpc *c)
{
	lost(c, true);
}

bool smtpc_finished(const struct smtpc *c)
{
	return c->finished;
}

const char *smtpc_state_name(const struct smtpc *c)
{
	return c->finished ? "CLOSED" : stage_info[current_stage(c)].name;
}
