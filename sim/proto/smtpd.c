/* smtpd.c — sans-IO SMTP server engine; see smtpd.h.
 *
 * Shape: bytes go into `in`; drain() cuts complete lines and hands each to
 * the verb table (command mode) or to the data reader (DATA mode). Every
 * verb row has a check function, which emits the exact 503/501/502 for the
 * wrong state or arguments, and a proceed function. Verbs that need policy
 * prefill a default reply and go through call_hook(); the hook's answer —
 * now or later via smtpd_resume() — lands in that hook's finish function.
 *
 * Invariants:
 *  - state changes only through enter_state(), names from state_names[];
 *  - one reply per complete command line, in order; while a hook reply is
 *    pending nothing further is processed and nothing is dropped. Input is
 *    discarded only for the rest of an overlong line, for plaintext queued
 *    behind STARTTLS (RFC 3207 §5: injected commands), and after close;
 *  - the MESSAGE hook only ever sees a complete message that passed the
 *    line-length and size checks; a disconnect or timeout mid-DATA drops it;
 *  - no line is buffered beyond its legal length plus one read;
 *  - data ends only on CRLF "." CRLF (see data_line()).
 *
 * Over 800 lines on purpose: the verb table, the transaction it builds
 * and the DATA reader are one state machine (RFC 5321 §4.1.4's command
 * order) with one reply queue and one enter_state() funnel; AUTH and
 * STARTTLS change that same state. Splitting the table from its check and
 * proceed functions would only make the rows point into other files.
 */
#include "smtpd.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pool.h"

/* One engine per connection, over 1 KiB: recycled (pool.h), with its
 * grown buffers (struct smtpd_kept). */
static _Thread_local struct pool smtpd_pool;

/* A kept buffer larger than this (a big message) is freed rather than kept
 * in an idle engine. */
#define KEEP_BUF_MAX 65536
/* Recipient slots kept in an idle engine (a transaction may have up to
 * max_rcpts; beyond this many they are freed with the engine). */
#define KEEP_RCPT_SLOTS 16

enum smtpd_st {
	ST_CONNECTED, /* before smtpd_start() */
	ST_GREETED,   /* 220 sent, no HELO/EHLO yet (also after STARTTLS) */
	ST_READY,     /* HELO/EHLO accepted, no transaction */
	ST_MAIL,      /* MAIL accepted, no recipient accepted yet */
	ST_RCPT,      /* at least one recipient accepted */
	ST_DATA,      /* reading message text */
	ST_AUTH,      /* inside an AUTH exchange (334 sent) */
	ST_STARTTLS,  /* 220 to STARTTLS sent, host doing the handshake */
	ST_REFUSED,   /* 554 greeting: only QUIT is served [RFC 5321 §3.1] */
	ST_CLOSED,
};

static const char *const state_names[] = {
	"CONNECTED", "GREETED", "READY", "IN_MAIL", "HAS_RCPT",
	"DATA", "AUTH", "STARTTLS", "REFUSED", "CLOSED",
};

static const char *const hook_names[] = {
	"CONNECT", "HELO", "AUTH", "MAIL", "RCPT", "DATA", "MESSAGE", "VRFY",
};

enum auth_step { AUTH_NONE, AUTH_PLAIN, AUTH_LOGIN_USER, AUTH_LOGIN_PASS };

/* What a recycled engine keeps (pool_get_keep): buffers grown once per
 * engine, not once per connection. smtpd_new empties them; all of them
 * are owned by the engine. */
struct smtpd_kept {
	struct strbuf in;        /* unprocessed client bytes from in_pos on */
	struct strbuf kept;      /* an overlong line's first SMTPD_KEPT_MAX octets (for received) */
	struct strbuf line;      /* the command line being handled */
	struct strbuf helo;      /* current HELO/EHLO name, when has_helo */
	struct strbuf auth_user; /* authenticated user, when has_auth */
	struct strbuf cand_name; /* HELO name / AUTH user under check */
	struct strbuf msg;       /* DATA: the message, dot-unstuffed */
	struct strbuf data_head; /* DATA: the text as it came, first SMTPD_DATA_HEAD_MAX octets */
	/* accepted recipients: rcpts[i] for i < nslots points to SMTP_PATH_MAX
	 * octets (each a cand_box copy), reused by every transaction */
	char **rcpts;
	size_t nslots, rcpts_cap;
};

struct smtpd {
	struct smtpd_config cfg; /* hostname and banner borrowed (smtpd.h) */
	struct smtpd_callbacks cb;
	void *ud;
	enum smtpd_st st;
	/* input (buffers in k) */
	size_t in_pos;
	bool discarding;      /* inside an overlong command line */
	size_t disc_octets;   /* its octets so far */
	bool disc_cr;         /* its last octet so far is CR */
	int depth;            /* public entry nesting; drain only at depth 1 */
	/* session */
	bool has_helo, has_auth;
	bool esmtp, tls;
	int errors;
	/* transaction */
	bool has_mail;
	char mail_from[SMTP_PATH_MAX]; /* when has_mail; "" for <> */
	int64_t declared_size;
	const char *body_type;
	size_t nrcpts;
	/* DATA */
	uint64_t data_bytes;
	size_t data_partial;  /* bytes of the current overlong line already dropped */
	bool data_bad_line, data_oversize;
	bool data_prev_crlf;  /* the previous line ended in CRLF (end-of-data rule) */
	bool data_bare_lf;    /* some line ended in a bare LF (normalised to CRLF) */
	uint64_t data_wire;   /* its octets on the wire */
	size_t data_lines;    /* its lines so far */
	/* AUTH */
	enum auth_step auth_step;
	char *login_user;
	/* hooks */
	bool pending, in_hook, have_early;
	enum smtpd_hook pend_hook;
	struct smtp_reply early; /* smtpd_resume() called from inside the hook */
	bool cand_esmtp;
	char cand_box[SMTP_PATH_MAX];
	int64_t cand_size;
	const char *cand_body;
	struct smtpd_kept k;     /* last: pool_get_keep leaves it as it was */
};

/* ---- state, output ----------------------------------------------------- */

static void enter_state(struct smtpd *s, enum smtpd_st to)
{
	enum smtpd_st from = s->st;
	if (from == to)
		return;
	s->st = to;
	if (s->cb.state)
		s->cb.state(s->ud, state_names[from], state_names[to]);
}

/* RFC 2034 §4: enhanced codes go on 2xx/4xx/5xx lines, never on 3xx, the
 * greeting or replies to HELO/EHLO; and since an extension is only in force
 * once the client has seen it in an EHLO reply (RFC 5321 §2.2.1), a session
 * that used HELO (or has not re-sent EHLO after STARTTLS) gets plain replies. */
static bool enh_wanted(const struct smtpd *s, int code, const char *enh)
{
	return !s->cfg.no_enhancedstatuscodes && s->esmtp && code / 100 != 3 && enh[0] &&
	       enh[0] - '0' == code / 100;
}

static void emit_line(struct smtpd *s, int code, char sep, const char *enh, const char *text)
{
	char buf[16 + sizeof ((struct smtp_reply *)0)->text + sizeof ((struct smtp_reply *)0)->enh];
	size_t len;
	if (code < 0 || code > 999) { /* never from this engine; kept exact */
		if (enh_wanted(s, code, enh))
			fmt_snprintf(buf, sizeof buf, "%03d%c%s %s", code, sep, enh, text);
		else
			fmt_snprintf(buf, sizeof buf, "%03d%c%s", code, sep, text);
		len = strlen(buf);
	} else {
		/* "%03d%c[%s ]%s" by hand (one line per reply: the hot path),
		 * cut at the buffer like snprintf would. */
		char head[3 + 1 + sizeof ((struct smtp_reply *)0)->enh + 1];
		size_t h = 0;
		head[h++] = (char)('0' + code / 100);
		head[h++] = (char)('0' + code / 10 % 10);
		head[h++] = (char)('0' + code % 10);
		head[h++] = sep;
		if (enh_wanted(s, code, enh)) {
			size_t e = strnlen(enh, sizeof ((struct smtp_reply *)0)->enh);
			memcpy(head + h, enh, e);
			h += e;
			head[h++] = ' ';
		}
		size_t room = sizeof buf - 1;
		size_t n = h < room ? h : room;
		memcpy(buf, head, n);
		size_t t = strlen(text);
		if (t > room - n)
			t = room - n;
		memcpy(buf + n, text, t);
		buf[n + t] = '\0';
		len = n + t; /* text has no NUL before t: t is its strlen, or less */
	}
	/* Replies echo client text (a parameter, an address): a CR or another
	 * control character from it must not reach the wire, where a CR could
	 * end the reply line early. Like Postfix's printable(), show it as '?'. */
	/* Eight octets at a time while none is below 0x20 or 0x7F (Hacker's
	 * Delight §6-1), within the text; the rest one by one. */
	char *p = buf, *end = buf + len;
	for (uint64_t w; end - p >= 8; p += 8) {
		memcpy(&w, p, 8);
		uint64_t ctl = (w - UINT64_C(0x2020202020202020)) & ~w;
		uint64_t del = w ^ UINT64_C(0x7F7F7F7F7F7F7F7F);
		del = (del - UINT64_C(0x0101010101010101)) & ~del;
		if ((ctl | del) & UINT64_C(0x8080808080808080))
			break;
	}
	for (; p < end; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			*p = '?';
		else if (*p == 0x7f)
			*p = '?';
	s->cb.send_line(s->ud, buf);
}

static void close_conn(struct smtpd *s);

/* Send a reply to a client command: 4xx/5xx count towards the error limit,
 * and 421 means we close [RFC 5321 §3.8, §4.2.2]. */
static void say_reply(struct smtpd *s, const struct smtp_reply *r)
{
	emit_line(s, r->code, ' ', r->enh, r->text);
	if (r->code == 421)
		close_conn(s);
	else if (r->code >= 400)
		s->errors++;
}

static void say(struct smtpd *s, int code, const char *enh, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct smtpd *s, int code, const char *enh, const char *fmt, ...)
{
	struct smtp_reply r;
	va_list ap;
	smtp_reply_set(&r, code, enh, "%s", "");
	va_start(ap, fmt);
	fmt_vsnprintf(r.text, sizeof r.text, fmt, ap);
	va_end(ap);
	say_reply(s, &r);
}

/* ---- transaction and session memory ------------------------------------- */

/* Empty a kept buffer; one grown past KEEP_BUF_MAX is given back. */
static void buf_release(struct strbuf *b)
{
	if (b->cap > KEEP_BUF_MAX)
		sb_free(b);
	else
		sb_clear(b);
}

static void set_str(struct strbuf *b, const char *v)
{
	sb_clear(b);
	sb_puts(b, v);
}

static void txn_reset(struct smtpd *s)
{
	s->has_mail = false;
	s->nrcpts = 0;
	s->declared_size = 0;
	s->body_type = "";
	buf_release(&s->k.msg);
	s->data_bytes = 0;
	s->data_partial = 0;
	s->data_bad_line = s->data_oversize = false;
}

static void auth_end(struct smtpd *s)
{
	s->auth_step = AUTH_NONE;
	free(s->login_user);
	s->login_user = NULL;
	if (s->st == ST_AUTH)
		enter_state(s, ST_READY);
}

/* After STARTTLS both sides forget everything learnt before [RFC 3207 §4.2]. */
static void session_reset(struct smtpd *s)
{
	txn_reset(s);
	auth_end(s);
	s->has_helo = false;
	s->has_auth = false;
	s->esmtp = false;
}

static void close_conn(struct smtpd *s)
{
	if (s->st == ST_CLOSED)
		return;
	txn_reset(s);
	auth_end(s);
	s->pending = false;
	s->in_pos = s->k.in.len; /* nothing after close is read */
	enter_state(s, ST_CLOSED);
	if (s->cb.close)
		s->cb.close(s->ud);
}

static bool auth_offered(const struct smtpd *s)
{
	return s->cfg.submission && (!s->cfg.auth_tls_only || s->tls);
}

/* ---- hooks ------------------------------------------------------------- */

static void txn_view(const struct smtpd *s, enum smtpd_hook h, struct smtpd_txn *t)
{
	memset(t, 0, sizeof *t);
	t->helo = s->has_helo ? s->k.helo.data : NULL;
	t->esmtp = h == SMTPD_HOOK_HELO ? s->cand_esmtp : s->esmtp;
	t->tls = s->tls;
	t->auth_user = s->has_auth ? s->k.auth_user.data : NULL;
	t->mail_from = s->has_mail ? s->mail_from : NULL;
	t->rcpts = (const char *const *)s->k.rcpts;
	t->nrcpts = s->nrcpts;
	t->declared_size = h == SMTPD_HOOK_MAIL ? s->cand_size : s->declared_size;
	t->body_type = h == SMTPD_HOOK_MAIL ? s->cand_body : s->body_type;
	if (h == SMTPD_HOOK_MESSAGE) {
		t->data = s->k.msg.data ? s->k.msg.data : "";
		t->data_len = s->k.msg.len;
		t->bare_lf = s->data_bare_lf;
	}
}

static void finish_connect(struct smtpd *s, struct smtp_reply *r);
static void finish_helo(struct smtpd *s, struct smtp_reply *r);
static void finish_auth(struct smtpd *s, struct smtp_reply *r);
static void finish_mail(struct smtpd *s, struct smtp_reply *r);
static void finish_rcpt(struct smtpd *s, struct smtp_reply *r);
static void finish_data(struct smtpd *s, struct smtp_reply *r);
static void finish_message(struct smtpd *s, struct smtp_reply *r);
static void finish_vrfy(struct smtpd *s, struct smtp_reply *r);

static void (*const hook_finish[])(struct smtpd *, struct smtp_reply *) = {
	[SMTPD_HOOK_CONNECT] = finish_connect, [SMTPD_HOOK_HELO] = finish_helo,
	[SMTPD_HOOK_AUTH] = finish_auth,       [SMTPD_HOOK_MAIL] = finish_mail,
	[SMTPD_HOOK_RCPT] = finish_rcpt,       [SMTPD_HOOK_DATA] = finish_data,
	[SMTPD_HOOK_MESSAGE] = finish_message, [SMTPD_HOOK_VRFY] = finish_vrfy,
};

/* Ask the host; r holds the protocol default. A pending answer parks the
 * engine until smtpd_resume(). */
static void call_hook(struct smtpd *s, enum smtpd_hook h, const char *arg, const char *arg2,
		      struct smtp_reply *r)
{
	r->pending = false;
	if (s->cb.check) {
		struct smtpd_txn t;
		txn_view(s, h, &t);
		s->in_hook = true;
		s->have_early = false;
		s->cb.check(s->ud, h, &t, arg, arg2, r);
		s->in_hook = false;
		if (s->st == ST_CLOSED)
			return;
		if (r->pending && s->have_early)
			*r = s->early;
		if (r->pending) {
			s->pending = true;
			s->pend_hook = h;
			return;
		}
	}
	hook_finish[h](s, r);
}

/* ---- greeting, HELO/EHLO -------------------------------------------------- */

static void finish_connect(struct smtpd *s, struct smtp_reply *r)
{
	emit_line(s, r->code, ' ', "", r->text); /* no enhanced code on a greeting [RFC 2034 §4] */
	if (r->code / 100 == 2)
		enter_state(s, ST_GREETED);
	else if (r->code / 100 == 5)
		enter_state(s, ST_REFUSED); /* 554: answer 503 until QUIT [RFC 5321 §3.1] */
	else
		close_conn(s);              /* 421 (or any other code): close [§3.1] */
}

static void ehlo_reply(struct smtpd *s, const char *first)
{
	const char *ext[8];
	char size[8 + U64_DIGITS_MAX] = "SIZE"; /* no fixed maximum: no number [RFC 1870 §4] */
	size_t n = 0;
	if (!s->cfg.no_pipelining)
		ext[n++] = "PIPELINING";
	if (s->cfg.size_limit > 0) {
		size[4] = ' ';
		u64_to_str((uint64_t)s->cfg.size_limit, size + 5);
	}
	ext[n++] = size;
	if (s->cfg.vrfy)
		ext[n++] = "VRFY";
	if (s->cfg.offer_starttls && !s->tls)
		ext[n++] = "STARTTLS"; /* never again once TLS is on [RFC 3207 §4.2] */
	if (auth_offered(s))
		ext[n++] = "AUTH PLAIN LOGIN";
	if (!s->cfg.no_enhancedstatuscodes)
		ext[n++] = "ENHANCEDSTATUSCODES";
	if (!s->cfg.no_8bitmime)
		ext[n++] = "8BITMIME";
	assert(n <= ARRAY_LEN(ext));
	emit_line(s, 250, '-', "", first);
	for (size_t i = 0; i < n; i++)
		emit_line(s, 250, i + 1 < n ? '-' : ' ', "", ext[i]);
}

static void finish_helo(struct smtpd *s, struct smtp_reply *r)
{
	if (r->code / 100 != 2) {
		r->enh[0] = '\0'; /* no enhanced code on HELO/EHLO replies [RFC 2034 §4] */
		say_reply(s, r);
		return;
	}
	/* EHLO/HELO in any state resets the transaction [RFC 5321 §4.1.4]. */
	txn_reset(s);
	struct strbuf old = s->k.helo; /* the candidate becomes the name, no copy */
	s->k.helo = s->k.cand_name;
	s->k.cand_name = old;
	s->has_helo = true;
	s->esmtp = s->cand_esmtp;
	enter_state(s, ST_READY);
	if (s->esmtp)
		ehlo_reply(s, r->text);
	else
		emit_line(s, 250, ' ', "", r->text); /* HELO never lists extensions [§4.1.1.1] */
}

static void greet_cmd(struct smtpd *s, const char *arg, bool esmtp)
{
	struct smtp_reply r;
	set_str(&s->k.cand_name, arg);
	s->cand_esmtp = esmtp;
	smtp_reply_set(&r, 250, NULL, "%s", s->cfg.hostname);
	call_hook(s, SMTPD_HOOK_HELO, arg, NULL, &r);
}

/* ---- verb table: checks ------------------------------------------------- */

struct smtpd_verb;
typedef bool (*verb_check_fn)(struct smtpd *s, const struct smtpd_verb *v, const char *arg);
typedef void (*verb_proceed_fn)(struct smtpd *s, const char *arg);

enum { VERB_PRE_TLS = 1 }; /* allowed before STARTTLS when TLS is required */

struct smtpd_verb {
	const char *name;
	verb_check_fn check;
	verb_proceed_fn proceed;
	unsigned flags;
};

static bool in_txn(const struct smtpd *s)
{
	return s->st == ST_MAIL || s->st == ST_RCPT;
}

static bool check_helo(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	if (*arg)
		return true;
	say(s, 501, NULL, "Syntax: %s hostname", v->name); /* no enhanced code: reply to HELO/EHLO */
	return false;
}

/* DATA, RSET, QUIT, STARTTLS take no arguments [RFC 5321 §4.3.2, RFC 3207 §4]. */
static bool check_noarg(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	if (!*arg)
		return true;
	say(s, 501, "5.5.4", "Syntax: %s", v->name);
	return false;
}

static bool check_mail(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	if (s->st == ST_GREETED)
		say(s, 503, "5.5.1", "Error: send HELO/EHLO first");
	else if (in_txn(s))
		say(s, 503, "5.5.1", "Error: nested MAIL command");
	else
		return true;
	return false;
}

static bool check_rcpt(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	if (in_txn(s))
		return true;
	say(s, 503, "5.5.1", "Error: need MAIL command");
	return false;
}

/* Postfix order: a transaction without accepted recipients is 554 (the
 * client may have pipelined DATA behind rejected RCPTs [RFC 2920 §3.1]). */
static bool check_data(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	if (s->st == ST_MAIL)
		say(s, 554, "5.5.1", "Error: no valid recipients");
	else if (s->st != ST_RCPT)
		say(s, 503, "5.5.1", "Error: need RCPT command");
	else
		return check_noarg(s, v, arg);
	return false;
}

static bool check_vrfy(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	if (!s->cfg.vrfy)
		say(s, 502, "5.5.1", "VRFY command is disabled");
	else if (!*arg)
		say(s, 501, "5.5.4", "Syntax: VRFY address");
	else
		return true;
	return false;
}

static bool check_starttls(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	if (!s->cfg.offer_starttls)
		say(s, 502, "5.5.1", "Error: command not implemented");
	else if (s->tls)
		say(s, 554, "5.5.1", "Error: TLS already active"); /* [RFC 3207 §4.2] */
	else if (!check_noarg(s, v, arg))
		return false;
	else if (s->st == ST_GREETED)
		say(s, 503, "5.5.1", "Error: send HELO/EHLO first");
	else if (in_txn(s))
		say(s, 503, "5.5.1", "Error: MAIL transaction in progress");
	else
		return true;
	return false;
}

/* RFC 4954 §4: AUTH once per session, not inside a transaction. */
static bool check_auth(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	if (!s->cfg.submission)
		say(s, 503, "5.5.1", "Error: authentication not enabled");
	else if (!auth_offered(s))
		say(s, 538, "5.7.11", "Encryption required for requested authentication mechanism");
	else if (s->st == ST_GREETED)
		say(s, 503, "5.5.1", "Error: send HELO/EHLO first");
	else if (in_txn(s))
		say(s, 503, "5.5.1", "Error: MAIL transaction in progress");
	else if (s->has_auth)
		say(s, 503, "5.5.1", "Error: already authenticated");
	else if (!*arg)
		say(s, 501, "5.5.4", "Syntax: AUTH mechanism");
	else
		return true;
	return false;
}

/* Known verbs we do not implement get 502, unknown ones 500 [RFC 5321 §4.2.4]. */
static bool check_unimplemented(struct smtpd *s, const struct smtpd_verb *v, const char *arg)
{
	say(s, 502, "5.5.1", "Error: command not implemented");
	return false;
}

/* ---- MAIL ---------------------------------------------------------------- */

static bool param_unsupported(struct smtpd *s, const char *key, const char *val)
{
	say(s, 555, "5.5.4", "Unsupported option: %s%s%s", key, *val ? "=" : "", val);
	return false;
}

static bool param_size(struct smtpd *s, const char *key, const char *val)
{
	size_t n = strlen(val);
	if (n == 0 || n > 18 || strspn(val, "0123456789") != n) {
		say(s, 501, "5.5.4", "Bad message size syntax");
		return false;
	}
	s->cand_size = strtoll(val, NULL, 10);
	if (s->cfg.size_limit > 0 && s->cand_size > s->cfg.size_limit) {
		say(s, 552, "5.3.4", "Message size exceeds fixed limit"); /* [RFC 1870 §6] */
		return false;
	}
	return true;
}

static bool param_body(struct smtpd *s, const char *key, const char *val)
{
	if (s->cfg.no_8bitmime)
		return param_unsupported(s, key, val);
	if (ascii_strcaseeq(val, "7BIT"))
		s->cand_body = "7BIT";
	else if (ascii_strcaseeq(val, "8BITMIME"))
		s->cand_body = "8BITMIME";
	else {
		say(s, 501, "5.5.4", "Bad BODY keyword syntax");
		return false;
	}
	return true;
}

/* MAIL ... AUTH=<mailbox> [RFC 4954 §5]: accepted and ignored. */
static bool param_auth(struct smtpd *s, const char *key, const char *val)
{
	return auth_offered(s) ? true : param_unsupported(s, key, val);
}

static const struct {
	const char *key;
	bool (*fn)(struct smtpd *s, const char *key, const char *val);
} mail_params[] = {
	{"SIZE", param_size},
	{"BODY", param_body},
	{"AUTH", param_auth},
};

static bool parse_mail_params(struct smtpd *s, const char *params)
{
	char key[32], val[SMTP_PATH_MAX];
	int rc;
	while ((rc = smtp_next_param(&params, key, sizeof key, val, sizeof val)) > 0) {
		size_t i = 0;
		while (i < ARRAY_LEN(mail_params) && !ascii_strcaseeq(key, mail_params[i].key))
			i++;
		if (i == ARRAY_LEN(mail_params) ? !param_unsupported(s, key, val)
						: !mail_params[i].fn(s, key, val))
			return false;
	}
	if (rc < 0) {
		say(s, 555, "5.5.4", "Unsupported option: %s", params);
		return false;
	}
	return true;
}

/* "FROM:" / "TO:" then the path; a space after the colon is tolerated, as
 * real MTAs do, although RFC 5321 §3.3 has none. */
static const char *path_after(const char *arg, const char *keyword)
{
	if (!ascii_startswith_ci(arg, keyword))
		return NULL;
	arg += strlen(keyword);
	while (*arg == ' ' || *arg == '\t')
		arg++;
	return *arg == '<' ? arg : NULL;
}

static void proceed_mail(struct smtpd *s, const char *arg)
{
	const char *path = path_after(arg, "FROM:"), *params;
	struct smtp_reply r;
	s->cand_size = 0;
	s->cand_body = "";
	if (!path) {
		say(s, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
		return;
	}
	if (!smtp_parse_path(path, true, s->cand_box, sizeof s->cand_box, &params)) {
		say(s, 501, "5.1.7", "Bad sender address syntax");
		return;
	}
	if (!parse_mail_params(s, params))
		return;
	if (s->cfg.submission && !s->has_auth) {
		say(s, 530, "5.7.0", "Authentication required"); /* [RFC 4954 §6] */
		return;
	}
	smtp_reply_set(&r, 250, "2.1.0", "Ok");
	call_hook(s, SMTPD_HOOK_MAIL, s->cand_box, NULL, &r);
}

static void finish_mail(struct smtpd *s, struct smtp_reply *r)
{
	if (r->code / 100 == 2) {
		/* MAIL starts a transaction and clears all buffers [RFC 5321 §4.1.1.2] */
		txn_reset(s);
		memcpy(s->mail_from, s->cand_box, sizeof s->mail_from);
		s->has_mail = true;
		s->declared_size = s->cand_size;
		s->body_type = s->cand_body;
		enter_state(s, ST_MAIL);
	}
	say_reply(s, r);
}

/* ---- RCPT ---------------------------------------------------------------- */

static void proceed_rcpt(struct smtpd *s, const char *arg)
{
	const char *path = path_after(arg, "TO:"), *params;
	struct smtp_reply r;
	char key[32], val[SMTP_PATH_MAX];
	if (!path) {
		say(s, 501, "5.5.4", "Syntax: RCPT TO:<address>");
		return;
	}
	if (!smtp_parse_path(path, false, s->cand_box, sizeof s->cand_box, &params)) {
		say(s, 501, "5.1.3", "Bad recipient address syntax");
		return;
	}
	if (*params) { /* no RCPT parameters are advertised (no DSN) */
		if (smtp_next_param(&params, key, sizeof key, val, sizeof val) > 0)
			param_unsupported(s, key, val);
		else
			say(s, 555, "5.5.4", "Unsupported option: %s", params);
		return;
	}
	if (s->nrcpts >= (size_t)s->cfg.max_rcpts) {
		say(s, 452, "4.5.3", "Error: too many recipients"); /* [RFC 5321 §4.5.3.1.10] */
		return;
	}
	smtp_reply_set(&r, 250, "2.1.5", "Ok");
	call_hook(s, SMTPD_HOOK_RCPT, s->cand_box, NULL, &r);
}

static void finish_rcpt(struct smtpd *s, struct smtp_reply *r)
{
	if (r->code / 100 == 2) {
		struct smtpd_kept *k = &s->k;
		if (s->nrcpts == k->nslots) {
			if (k->nslots == k->rcpts_cap) {
				k->rcpts_cap = k->rcpts_cap ? 2 * k->rcpts_cap : 8;
				k->rcpts = xrealloc(k->rcpts, k->rcpts_cap * sizeof *k->rcpts);
			}
			k->rcpts[k->nslots++] = xmalloc(SMTP_PATH_MAX);
		}
		memcpy(k->rcpts[s->nrcpts++], s->cand_box, SMTP_PATH_MAX);
		enter_state(s, ST_RCPT);
	}
	say_reply(s, r);
}

/* ---- DATA ---------------------------------------------------------------- */

static void proceed_data(struct smtpd *s, const char *arg)
{
	struct smtp_reply r;
	smtp_reply_set(&r, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	call_hook(s, SMTPD_HOOK_DATA, NULL, NULL, &r);
}

static void finish_data(struct smtpd *s, struct smtp_reply *r)
{
	if (r->code == 354) {
		buf_release(&s->k.msg);
		s->data_bytes = 0;
		s->data_partial = 0;
		s->data_bad_line = s->data_oversize = false;
		s->data_prev_crlf = true; /* the DATA command line ended the previous line */
		s->data_bare_lf = false;
		sb_clear(&s->k.data_head);
		s->data_wire = 0;
		s->data_lines = 0;
		enter_state(s, ST_DATA);
	}
	say_reply(s, r);
}

static void data_finish(struct smtpd *s)
{
	txn_reset(s);
	enter_state(s, ST_READY);
}

static void data_end(struct smtpd *s)
{
	struct smtp_reply r;
	if (s->data_bad_line) {
		/* RFC 5321 §4.5.3.1.6: text lines are at most 1000 octets incl. CRLF.
		 * We read on to the end of data (so the dialog stays in sync) and
		 * refuse the whole message: 554 is the permanent "transaction
		 * failed" reply §4.3.2 lists for end of data (the 500 "Line too long"
		 * example of §4.5.3.1 is not among them), 5.6.0 "other media error"
		 * [RFC 3463 §3.7] because the content is at fault. */
		say(s, 554, "5.6.0", "Error: message line longer than 1000 octets");
		data_finish(s);
	} else if (s->data_oversize) {
		say(s, 552, "5.3.4", "Message size exceeds fixed limit"); /* [RFC 1870 §6] */
		data_finish(s);
	} else {
		smtp_reply_set(&r, 250, "2.0.0", "Ok: queued");
		call_hook(s, SMTPD_HOOK_MESSAGE, NULL, NULL, &r);
	}
}

static void finish_message(struct smtpd *s, struct smtp_reply *r)
{
	say_reply(s, r);
	if (s->st != ST_CLOSED)
		data_finish(s);
}

/* One text line, line end removed; crlf says whether it ended in CRLF.
 *
 * End of data is exactly CRLF "." CRLF: the line is "." and both it and the
 * line before it ended in CRLF [RFC 5321 §4.1.1.4]. So no bare-LF variant
 * ("LF . LF", "CRLF . LF", "LF . CRLF") can end the data — the SMTP
 * smuggling hole. Content lines may end in bare LF, though: RFC 5321 §2.3.8
 * forbids clients to send one, but real ones do (Python's smtplib
 * sendmail() passes LF-only bytes through), and Postfix by default
 * (smtpd_forbid_bare_newline=normalize) reads them as if CRLF had been sent.
 * We do the same, store CRLF, and tell the MESSAGE hook (txn->bare_lf).
 * One leading "." is removed [§4.5.2]; a lone "." that did not end the data
 * is kept as is, so a smuggling attempt stays visible in the message. */
static void data_line(struct smtpd *s, const char *p, size_t n, bool crlf)
{
	bool whole = s->data_partial == 0;
	bool prev_crlf = s->data_prev_crlf;
	s->data_prev_crlf = crlf;
	if (!crlf)
		s->data_bare_lf = true;
	if (whole && n == 1 && p[0] == '.' && crlf && prev_crlf) {
		if (s->cb.received_data)
			s->cb.received_data(s->ud, s->k.data_head.data ? s->k.data_head.data : "",
					    s->k.data_head.len, s->data_wire, s->data_lines);
		data_end(s);
		return;
	}
	s->data_lines++;
	if (whole && n > 1 && p[0] == '.') {
		p++;
		n--;
	}
	size_t total = s->data_partial + n;
	s->data_partial = 0;
	if (total + 2 > SMTP_TEXT_LINE_MAX)
		s->data_bad_line = true;
	s->data_bytes += total + 2;
	if (s->cfg.size_limit > 0 && s->data_bytes > (uint64_t)s->cfg.size_limit)
		s->data_oversize = true;
	if (s->data_bad_line || s->data_oversize) {
		buf_release(&s->k.msg); /* never store a message we will refuse */
		return;
	}
	sb_append(&s->k.msg, p, n);
	sb_append(&s->k.msg, "\r\n", 2);
}

/* Text octets as they came, for the received_data report. */
static void data_wire(struct smtpd *s, const char *p, size_t n)
{
	s->data_wire += n;
	if (!s->cb.received_data || s->k.data_head.len >= SMTPD_DATA_HEAD_MAX)
		return;
	size_t room = SMTPD_DATA_HEAD_MAX - s->k.data_head.len;
	sb_append(&s->k.data_head, p, n < room ? n : room);
}

static bool data_step(struct smtpd *s)
{
	if (s->in_pos >= s->k.in.len)
		return false; /* nothing buffered (in.data may be NULL) */
	const char *p = s->k.in.data + s->in_pos;
	size_t avail = s->k.in.len - s->in_pos;
	const char *nl = memchr(p, '\n', avail);
	if (!nl) {
		if (avail > SMTP_TEXT_LINE_MAX) {
			/* Already too long to be legal: count it, drop it (keeping a
			 * final CR that may pair with the next LF). */
			size_t drop = avail - (p[avail - 1] == '\r');
			data_wire(s, p, drop);
			s->data_partial += drop;
			s->in_pos += drop;
		}
		return false;
	}
	size_t n = (size_t)(nl - p);
	bool crlf = n > 0 && p[n - 1] == '\r';
	s->in_pos += n + 1;
	data_wire(s, p, n + 1);
	data_line(s, p, crlf ? n - 1 : n, crlf);
	return true;
}

/* ---- RSET NOOP QUIT VRFY HELP ---------------------------------------------- */

static void proceed_rset(struct smtpd *s, const char *arg)
{
	txn_reset(s);
	enter_state(s, s->has_helo ? ST_READY : ST_GREETED);
	say(s, 250, "2.0.0", "Ok");
}

static void proceed_noop(struct smtpd *s, const char *arg)
{
	say(s, 250, "2.0.0", "Ok");
}

static void proceed_quit(struct smtpd *s, const char *arg)
{
	say(s, 221, "2.0.0", "Bye");
	close_conn(s);
}

static void proceed_vrfy(struct smtpd *s, const char *arg)
{
	struct smtp_reply r;
	if (arg[0] != '<' || !smtp_parse_path(arg, false, s->cand_box, sizeof s->cand_box, NULL))
		fmt_snprintf(s->cand_box, sizeof s->cand_box, "%s", arg);
	smtp_reply_set(&r, 252, "2.0.0", "%s", arg);
	call_hook(s, SMTPD_HOOK_VRFY, s->cand_box, NULL, &r);
}

static void finish_vrfy(struct smtpd *s, struct smtp_reply *r)
{
	say_reply(s, r);
}

static void proceed_help(struct smtpd *s, const char *arg)
{
	say(s, 214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP%s%s",
	    s->cfg.offer_starttls && !s->tls ? " STARTTLS" : "", auth_offered(s) ? " AUTH" : "");
}

static void proceed_ehlo(struct smtpd *s, const char *arg)
{
	greet_cmd(s, arg, true);
}

static void proceed_helo(struct smtpd *s, const char *arg)
{
	greet_cmd(s, arg, false);
}

/* ---- STARTTLS ------------------------------------------------------------- */

static void proceed_starttls(struct smtpd *s, const char *arg)
{
	/* Anything the client pipelined behind STARTTLS arrived in plaintext and
	 * must not be obeyed after the handshake [RFC 3207 §5; CVE-2011-0411].
	 * Discard before replying: bytes that arrive after the 220 belong to the
	 * new TLS session. */
	s->in_pos = s->k.in.len;
	s->discarding = false;
	enter_state(s, ST_STARTTLS);
	say(s, 220, "2.0.0", "Ready to start TLS");
	if (s->cb.start_tls)
		s->cb.start_tls(s->ud);
}

/* ---- AUTH (RFC 4954; PLAIN RFC 4616; LOGIN draft-murchison-sasl-login) --- */

static void auth_check(struct smtpd *s, const char *user, const char *pass)
{
	struct smtp_reply r;
	set_str(&s->k.cand_name, user);
	smtp_reply_set(&r, 535, "5.7.8", "Error: authentication failed");
	call_hook(s, SMTPD_HOOK_AUTH, user, pass, &r);
}

static void finish_auth(struct smtpd *s, struct smtp_reply *r)
{
	if (r->code / 100 == 2) {
		struct strbuf old = s->k.auth_user; /* no copy, as in finish_helo */
		s->k.auth_user = s->k.cand_name;
		s->k.cand_name = old;
		s->has_auth = true;
	}
	auth_end(s);
	say_reply(s, r);
}

/* Decode a client SASL response; "=" (initial response) or "" is empty
 * [RFC 4954 §4]. On bad base64 the exchange ends with 501 5.5.2. */
static bool auth_decode(struct smtpd *s, const char *b64, unsigned char **out, long *len)
{
	if (!*b64 || strcmp(b64, "=") == 0) {
		*out = (unsigned char *)xstrdup("");
		*len = 0;
		return true;
	}
	*len = b64_decode(b64, out);
	if (*len >= 0)
		return true;
	auth_end(s);
	say(s, 501, "5.5.2", "Cannot decode response");
	return false;
}

/* PLAIN: authzid NUL authcid NUL passwd [RFC 4616 §2]. */
static void auth_plain(struct smtpd *s, const char *b64)
{
	unsigned char *buf;
	long len;
	if (!auth_decode(s, b64, &buf, &len))
		return;
	const char *authzid = (const char *)buf, *end = authzid + len;
	const char *user = memchr(authzid, '\0', (size_t)len);
	const char *pass = user ? memchr(user + 1, '\0', (size_t)(end - user - 1)) : NULL;
	if (!pass || memchr(pass + 1, '\0', (size_t)(end - pass - 1)) || user + 1 == pass) {
		auth_end(s);
		say(s, 535, "5.7.8", "Error: authentication failed: Invalid authentication data");
	} else if (authzid[0] && strcmp(authzid, user + 1) != 0) {
		/* acting for someone else needs proxy authorisation, which we do
		 * not offer [RFC 4616 §2: the server must check authzid] */
		auth_end(s);
		say(s, 535, "5.7.8", "Error: authentication failed: authorization identity not permitted");
	} else {
		auth_end(s);
		auth_check(s, user + 1, pass + 1);
	}
	free(buf);
}

static void auth_login_user(struct smtpd *s, const char *b64)
{
	unsigned char *buf;
	long len;
	if (!auth_decode(s, b64, &buf, &len))
		return;
	free(s->login_user);
	s->login_user = (char *)buf;
	s->auth_step = AUTH_LOGIN_PASS;
	enter_state(s, ST_AUTH);
	emit_line(s, 334, ' ', "", "UGFzc3dvcmQ6"); /* "Password:" */
}

static void auth_login_pass(struct smtpd *s, const char *b64)
{
	unsigned char *buf;
	long len;
	if (!auth_decode(s, b64, &buf, &len))
		return;
	char *user = s->login_user;
	s->login_user = NULL;
	auth_end(s);
	auth_check(s, user, (const char *)buf);
	free(user);
	free(buf);
}

/* A line received while in ST_AUTH. "*" cancels [RFC 4954 §4]. */
static void auth_response(struct smtpd *s, const char *line)
{
	if (strcmp(line, "*") == 0) {
		auth_end(s);
		say(s, 501, "5.7.0", "Authentication aborted");
	} else if (s->auth_step == AUTH_PLAIN) {
		auth_plain(s, line);
	} else if (s->auth_step == AUTH_LOGIN_USER) {
		auth_login_user(s, line);
	} else {
		auth_login_pass(s, line);
	}
}

static void proceed_auth(struct smtpd *s, const char *arg)
{
	size_t mlen = strcspn(arg, " \t");
	const char *ir = arg + mlen + strspn(arg + mlen, " \t");
	if (strcspn(ir, " \t") != strlen(ir)) {
		say(s, 501, "5.5.4", "Syntax: AUTH mechanism");
	} else if (mlen == 5 && ascii_strncaseeq(arg, "PLAIN", 5)) {
		if (*ir) {
			auth_plain(s, ir);
		} else {
			s->auth_step = AUTH_PLAIN;
			enter_state(s, ST_AUTH);
			emit_line(s, 334, ' ', "", ""); /* empty challenge: "334 " */
		}
	} else if (mlen == 5 && ascii_strncaseeq(arg, "LOGIN", 5)) {
		if (*ir) {
			auth_login_user(s, ir); /* initial response = user name */
		} else {
			s->auth_step = AUTH_LOGIN_USER;
			enter_state(s, ST_AUTH);
			emit_line(s, 334, ' ', "", "VXNlcm5hbWU6"); /* "Username:" */
		}
	} else {
		say(s, 504, "5.5.4", "Unrecognized authentication type");
	}
}

/* ---- dispatch --------------------------------------------------------------- */

static const struct smtpd_verb verbs[] = {
	{"EHLO", check_helo, proceed_ehlo, VERB_PRE_TLS},
	{"HELO", check_helo, proceed_helo, VERB_PRE_TLS},
	{"MAIL", check_mail, proceed_mail, 0},
	{"RCPT", check_rcpt, proceed_rcpt, 0},
	{"DATA", check_data, proceed_data, 0},
	{"RSET", check_noarg, proceed_rset, VERB_PRE_TLS},
	{"NOOP", NULL, proceed_noop, VERB_PRE_TLS},
	{"QUIT", check_noarg, proceed_quit, VERB_PRE_TLS},
	{"VRFY", check_vrfy, proceed_vrfy, 0},
	{"HELP", NULL, proceed_help, VERB_PRE_TLS},
	{"STARTTLS", check_starttls, proceed_starttls, VERB_PRE_TLS},
	{"AUTH", check_auth, proceed_auth, 0},
	{"EXPN", check_unimplemented, NULL, 0},
	{"BDAT", check_unimplemented, NULL, 0},
	{"ETRN", check_unimplemented, NULL, 0},
	{"TURN", check_unimplemented, NULL, 0},
	{"SEND", check_unimplemented, NULL, 0},
	{"SOML", check_unimplemented, NULL, 0},
	{"SAML", check_unimplemented, NULL, 0},
};

static const struct smtpd_verb *find_verb(const char *name)
{
	/* The first letter, folded to upper case, rules out most rows before
	 * the whole name is compared (one lookup per command line). */
	char first = name[0] >= 'a' && name[0] <= 'z' ? (char)(name[0] - 'a' + 'A') : name[0];
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		if (verbs[i].name[0] == first && ascii_strcaseeq(name, verbs[i].name))
			return &verbs[i];
	return NULL;
}

/* Split "VERB arg  " in place; verbs are case-insensitive, trailing
 * whitespace is ignored. */
static char *split_verb(char *line)
{
	char *sp = line + strcspn(line, " \t");
	char *arg = sp;
	if (*sp) {
		*sp = '\0';
		arg = sp + 1 + strspn(sp + 1, " \t");
	}
	size_t n = strlen(arg);
	while (n > 0 && (arg[n - 1] == ' ' || arg[n - 1] == '\t'))
		arg[--n] = '\0';
	return arg;
}

static void handle_line(struct smtpd *s)
{
	char *line = s->k.line.data;
	if (strlen(line) != s->k.line.len) { /* NUL inside a command line */
		say(s, 500, "5.5.2", "Error: bad syntax");
		return;
	}
	if (s->st == ST_AUTH) {
		auth_response(s, line);
		return;
	}
	char *arg = split_verb(line);
	const struct smtpd_verb *v = find_verb(line);
	if (s->st == ST_REFUSED && !(v && v->proceed == proceed_quit))
		say(s, 503, "5.5.1", "Error: access denied");
	else if (!*line)
		say(s, 500, "5.5.2", "Error: bad syntax");
	else if (!v)
		say(s, 500, "5.5.2", "Error: command not recognized");
	else if (s->cfg.require_tls && !s->tls && !(v->flags & VERB_PRE_TLS))
		say(s, 530, "5.7.0", "Must issue a STARTTLS command first");
	else if (!v->check || v->check(s, v, arg))
		v->proceed(s, arg);
}

static void line_too_long(struct smtpd *s)
{
	if (s->st == ST_AUTH) {
		auth_end(s);
		say(s, 500, "5.5.6", "Authentication Exchange line is too long"); /* [RFC 4954 §4] */
	} else {
		say(s, 500, "5.5.2", "Error: line too long"); /* [RFC 5321 §4.5.3.1.4] */
	}
}

/* AUTH lines may be longer than ordinary commands [RFC 4954 §4]. */
static size_t line_limit(const struct smtpd *s, const char *p, size_t avail)
{
	if (s->st == ST_AUTH || (avail >= 5 && (p[0] == 'A' || p[0] == 'a') && ascii_strncaseeq(p, "AUTH ", 5)))
		return SMTP_AUTH_LINE_MAX;
	return SMTP_LINE_MAX;
}

/* Command lines end at LF; a CR before it is dropped. RFC 5321 §2.3.8 asks
 * for CRLF, but clients typed by hand or tools like `nc` send bare LF, most
 * MTAs accept it, and in command mode it is unambiguous — the smuggling risk
 * of bare LF exists only at end of data, where we stay strict. */
static void discard_more(struct smtpd *s, const char *p, size_t n)
{
	if (!s->discarding) {
		sb_clear(&s->k.kept);
		s->disc_octets = 0;
		s->disc_cr = false;
		s->discarding = true;
	}
	if (s->k.kept.len < SMTPD_KEPT_MAX) {
		size_t room = SMTPD_KEPT_MAX - s->k.kept.len;
		sb_append(&s->k.kept, p, n < room ? n : room);
	}
	s->disc_octets += n;
	if (n)
		s->disc_cr = p[n - 1] == '\r';
}

static void report_line(struct smtpd *s, const char *p, size_t len, size_t octets)
{
	if (s->cb.received)
		s->cb.received(s->ud, p, len, octets);
}

static bool command_step(struct smtpd *s)
{
	if (s->in_pos >= s->k.in.len)
		return false; /* nothing buffered: in.data may still be NULL (no NULL + 0) */
	const char *p = s->k.in.data + s->in_pos;
	size_t avail = s->k.in.len - s->in_pos;
	const char *nl = memchr(p, '\n', avail);
	size_t limit = line_limit(s, p, avail);
	if (!nl) {
		if (s->discarding || avail >= limit) {
			discard_more(s, p, avail); /* drop it now; answer when the line ends */
			s->in_pos = s->k.in.len;
		}
		return false;
	}
	size_t n = (size_t)(nl - p);
	size_t content = (n > 0 && p[n - 1] == '\r') ? n - 1 : n;
	bool too_long = s->discarding || content + 2 > limit;
	if (too_long) {
		discard_more(s, p, n);
		size_t octets = s->disc_octets - s->disc_cr; /* a final CR is the line end's */
		report_line(s, s->k.kept.data, s->k.kept.len < octets ? s->k.kept.len : octets, octets);
	} else {
		report_line(s, p, content, content);
	}
	sb_clear(&s->k.line);
	sb_append(&s->k.line, p, too_long ? 0 : content);
	s->in_pos += n + 1;
	s->discarding = false;
	if (too_long)
		line_too_long(s);
	else
		handle_line(s);
	return true;
}

static void check_error_limit(struct smtpd *s)
{
	if (s->st != ST_CLOSED && s->errors >= s->cfg.max_errors)
		say(s, 421, "4.7.0", "%s Error: too many errors", s->cfg.hostname);
}

static bool can_process(const struct smtpd *s)
{
	return !s->pending && s->st != ST_CLOSED && s->st != ST_STARTTLS && s->st != ST_CONNECTED;
}

/* Handle every complete buffered line, in order (PIPELINING, RFC 2920 §3.1). */
static void drain(struct smtpd *s)
{
	while (can_process(s)) {
		bool progressed = s->st == ST_DATA ? data_step(s) : command_step(s);
		if (!progressed)
			break;
		check_error_limit(s);
	}
	sb_consume(&s->k.in, s->in_pos);
	s->in_pos = 0;
}

/* Public entry points nest; only the outermost one drains, so callbacks may
 * safely call back into the engine. */
static void enter(struct smtpd *s)
{
	s->depth++;
}

static void leave(struct smtpd *s)
{
	if (s->depth == 1)
		drain(s);
	s->depth--;
}

/* ---- public API ----------------------------------------------------------- */

struct smtpd *smtpd_new(const struct smtpd_config *cfg, const struct smtpd_callbacks *cb, void *ud)
{
	struct smtpd *s = pool_get_keep(&smtpd_pool, sizeof *s, sizeof s->k);
	s->cfg = *cfg;
	if (!s->cfg.hostname)
		s->cfg.hostname = "localhost";
	if (!s->cfg.banner)
		s->cfg.banner = "ESMTP mailsim";
	if (s->cfg.max_rcpts <= 0)
		s->cfg.max_rcpts = 100; /* RFC 5321 §4.5.3.1.8 minimum */
	if (s->cfg.max_errors <= 0)
		s->cfg.max_errors = 20; /* Postfix smtpd_hard_error_limit */
	s->cb = *cb;
	s->ud = ud;
	s->st = ST_CONNECTED;
	s->tls = cfg->implicit_tls;
	s->body_type = "";
	struct smtpd_kept *k = &s->k; /* empty what a previous connection left */
	sb_clear(&k->in);
	sb_clear(&k->kept);
	sb_clear(&k->line);
	sb_clear(&k->helo);
	sb_clear(&k->auth_user);
	sb_clear(&k->cand_name);
	sb_clear(&k->msg);
	sb_clear(&k->data_head);
	return s;
}

/* Free a kept buffer, or keep it for the next connection (emptied then)
 * unless it grew past KEEP_BUF_MAX. */
static void buf_put(struct strbuf *b, bool keep)
{
	if (!keep || b->cap > KEEP_BUF_MAX)
		sb_free(b);
}

static void kept_put(struct smtpd_kept *k, bool keep)
{
	struct strbuf *bufs[] = {&k->in, &k->kept, &k->line, &k->helo, &k->auth_user,
				 &k->cand_name, &k->msg, &k->data_head};
	for (size_t i = 0; i < ARRAY_LEN(bufs); i++)
		buf_put(bufs[i], keep);
	size_t slots = keep ? (k->nslots < KEEP_RCPT_SLOTS ? k->nslots : KEEP_RCPT_SLOTS) : 0;
	for (size_t i = slots; i < k->nslots; i++)
		free(k->rcpts[i]);
	k->nslots = slots;
	if (!slots) {
		free(k->rcpts);
		k->rcpts = NULL;
		k->rcpts_cap = 0;
	}
}

void smtpd_free(struct smtpd *s)
{
	if (!s)
		return;
	txn_reset(s);
	free(s->login_user);
	kept_put(&s->k, pool_keeps(&smtpd_pool));
	pool_put(&smtpd_pool, s);
}

void smtpd_start(struct smtpd *s)
{
	struct smtp_reply r;
	if (s->st != ST_CONNECTED)
		return;
	enter(s);
	smtp_reply_set(&r, 220, NULL, "%s %s", s->cfg.hostname, s->cfg.banner);
	call_hook(s, SMTPD_HOOK_CONNECT, NULL, NULL, &r);
	leave(s);
}

void smtpd_feed(struct smtpd *s, const char *data, size_t len)
{
	if (s->st == ST_CLOSED)
		return;
	enter(s);
	sb_append(&s->k.in, data, len);
	leave(s);
}

void smtpd_resume(struct smtpd *s, const struct smtp_reply *reply)
{
	if (s->in_hook) { /* answered from inside the hook after all */
		s->early = *reply;
		s->early.pending = false;
		s->have_early = true;
		return;
	}
	if (!s->pending || s->st == ST_CLOSED)
		return;
	enter(s);
	struct smtp_reply r = *reply;
	r.pending = false;
	s->pending = false;
	hook_finish[s->pend_hook](s, &r);
	check_error_limit(s);
	leave(s);
}

void smtpd_tls_done(struct smtpd *s, bool ok)
{
	if (s->st != ST_STARTTLS)
		return;
	enter(s);
	if (ok) {
		s->tls = true;
		session_reset(s);
		enter_state(s, ST_GREETED); /* client must send EHLO again [RFC 3207 §4.2] */
	} else {
		close_conn(s); /* nothing can be said over a failed handshake */
	}
	leave(s);
}

void smtpd_timeout(struct smtpd *s)
{
	if (s->st == ST_CLOSED)
		return;
	enter(s);
	s->pending = false;
	txn_reset(s); /* a half-received message is never delivered */
	say(s, 421, "4.4.2", "%s Error: timeout exceeded", s->cfg.hostname);
	leave(s);
}

void smtpd_disconnected(struct smtpd *s)
{
	if (s->st == ST_CLOSED)
		return;
	/* Cancel the open transaction, keep nothing partial [RFC 5321 §4.1.1.10]. */
	txn_reset(s);
	auth_end(s);
	s->pending = false;
	s->in_pos = s->k.in.len;
	enter_state(s, ST_CLOSED);
}

bool smtpd_closed(const struct smtpd *s)
{
	return s->st == ST_CLOSED;
}

const char *smtpd_state_name(const struct smtpd *s)
{
	return state_names[s->st];
}

const char *smtpd_hook_name(enum smtpd_hook hook)
{
	return (unsigned)hook < ARRAY_LEN(hook_names) ? hook_names[hook] : "?";
}

bool smtpd_pending(const struct smtpd *s)
{
	return s->pending;
}

bool smtpd_tls_active(const struct smtpd *s)
{
	return s->tls;
}
