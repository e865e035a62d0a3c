/* imapc.c — the scripted IMAP client of imap.h: fetch (optionally waiting
 * in IDLE) or deliver by APPEND.
 *
 * Invariants, like pop3c: a command is sent on entering a stage, with a
 * fresh tag; the stage's tagged reply decides the next one; after a
 * failure the client still says LOGOUT; done() is called exactly once and
 * last. Only one command is in flight at a time (no pipelining), so a
 * tagged reply always answers the current stage. */
#include "imap.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_body.h"
#include "imap_int.h"

/* Limits the client puts on a server: a response line, one literal (a
 * whole message). */
#define IMAPC_MAX_LINE (1u << 20)
#define IMAPC_MAX_LITERAL ((size_t)1 << 30)

/* One message's FETCH data as it arrives. */
struct imapc_entry {
	uint32_t seq;
	bool have_body;
	struct mstore_msg m;      /* data owned */
};

struct imapc {
	char *user, *pass, *folder;           /* owned */
	bool keep, idle;
	const struct imapc_callbacks *cb;     /* not owned */
	void *ud;
	enum imapc_stage stage;
	struct imap_rd rd;
	unsigned tagno;
	char tag[16];                         /* the tag of the command in flight */
	char *login_args;                     /* owned: "user pass" as astrings */
	/* capabilities [RFC 3501 §7.2.1], forgotten when TLS starts */
	bool caps_known, cap_starttls, cap_logindisabled;
	bool tls;                             /* the handshake succeeded */
	size_t exists;                        /* latest EXISTS */
	size_t fetched;                       /* messages 1..fetched are fetched */
	size_t batch_from;                    /* entries before the FETCH in flight */
	bool idling;                          /* the server said "+" to our IDLE */
	bool done_sent;                       /* DONE went out for this IDLE */
	bool idle_stop, idle_renew;           /* what the host asked for */
	struct imapc_append *appends;         /* owned copies */
	size_t nappends, next_append;
	bool literal_wait;                    /* APPEND sent "{n}", waiting for "+" */
	uint32_t *append_uids;                /* owned */
	size_t nappended;
	bool bye;                             /* the server said BYE */
	struct imapc_entry *entries;          /* owned */
	size_t nentries, centries;
	bool entries_unsorted;                /* some entry came after a higher seq */
	struct mstore_msg *msgs;              /* owned array; data borrowed from entries */
	size_t nmsgs;
	bool failing;                         /* a step failed; LOGOUT is under way */
	enum imapc_stage fail_stage;
	const char *fail_reason;              /* static */
	char *fail_line;                      /* owned */
	char *last_line;                      /* owned: first line of the latest response */
	bool finished;                        /* done() was called */
};

static const char *const imapc_stage_names[] = {
	[IMAPC_GREETING] = "greeting", [IMAPC_STARTTLS] = "STARTTLS",
	[IMAPC_CAPABILITY] = "CAPABILITY", [IMAPC_LOGIN] = "LOGIN",
	[IMAPC_APPEND] = "APPEND",     [IMAPC_SELECT] = "SELECT",
	[IMAPC_FETCH] = "FETCH",       [IMAPC_IDLE] = "IDLE",
	[IMAPC_STORE] = "STORE",       [IMAPC_CLOSE] = "CLOSE",
	[IMAPC_LOGOUT] = "LOGOUT",     [IMAPC_DONE] = "done",
};

const char *imapc_stage_name(enum imapc_stage st)
{
	return (size_t)st < ARRAY_LEN(imapc_stage_names) ? imapc_stage_names[st] : "?";
}

static int imapc_entry_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct imapc_entry *)a)->seq, y = ((const struct imapc_entry *)b)->seq;
	return x < y ? -1 : x > y;
}

static void imapc_finish(struct imapc *c, bool ok, enum imapc_stage stage, const char *reason,
			 const char *line)
{
	if (c->nentries)
		qsort(c->entries, c->nentries, sizeof(*c->entries), imapc_entry_cmp);
	c->msgs = xcalloc(c->nentries, sizeof(*c->msgs));
	for (size_t i = 0; i < c->nentries; i++)
		if (c->entries[i].have_body)
			c->msgs[c->nmsgs++] = c->entries[i].m;
	struct imapc_result r = {
		.ok = ok, .stage = stage, .reason = reason, .last_line = line,
		.server_count = c->exists, .msgs = c->msgs, .nmsgs = c->nmsgs,
		.nappended = c->nappended, .append_uids = c->append_uids,
	};
	enum imapc_stage from = c->stage;
	c->stage = IMAPC_DONE;
	c->finished = true;
	if (c->cb->state && from != IMAPC_DONE)
		c->cb->state(c->ud, from, IMAPC_DONE);
	c->cb->done(c->ud, &r);
}

/* "aN APPEND folder (flags) "date-time" {n}" for the next message. */
static char *imapc_append_cmd(const struct imapc *c)
{
	const struct imapc_append *a = &c->appends[c->next_append];
	struct strbuf sb;
	sb_init(&sb);
	sb_printf(&sb, "%s APPEND %s", c->tag, a->folder);
	if (a->flags) {
		sb_putc(&sb, ' ');
		imap_put_flags(&sb, a->flags, false);
	}
	if (a->has_date) {
		char d[40];
		imap_format_date_time(a->date, 0, d, sizeof(d));
		sb_printf(&sb, " \"%s\"", d);
	}
	sb_printf(&sb, " {%zu}", a->len);
	return sb_steal(&sb);
}

/* The command a stage sends. */
static char *imapc_command(struct imapc *c, enum imapc_stage st)
{
	switch (st) {
	case IMAPC_STARTTLS: return xasprintf("%s STARTTLS", c->tag);
	case IMAPC_CAPABILITY: return xasprintf("%s CAPABILITY", c->tag);
	case IMAPC_LOGIN: return xasprintf("%s LOGIN %s", c->tag, c->login_args);
	case IMAPC_APPEND: return imapc_append_cmd(c);
	case IMAPC_SELECT: return xasprintf("%s SELECT %s", c->tag, c->folder);
	case IMAPC_FETCH: return xasprintf("%s FETCH %zu:* (FLAGS BODY[])", c->tag, c->fetched + 1);
	case IMAPC_IDLE: return xasprintf("%s IDLE", c->tag);
	case IMAPC_STORE: return xasprintf("%s STORE 1:* +FLAGS.SILENT (\\Deleted)", c->tag);
	case IMAPC_CLOSE: return xasprintf("%s CLOSE", c->tag);
	case IMAPC_LOGOUT: return xasprintf("%s LOGOUT", c->tag);
	case IMAPC_GREETING:
	case IMAPC_DONE: break;
	}
	return NULL;
}

/* Send on entering a stage, with a fresh tag [RFC 3501 §2.2.1]. */
static void imapc_enter(struct imapc *c, enum imapc_stage to)
{
	enum imapc_stage from = c->stage;
	c->stage = to;
	if (c->cb->state && from != to)
		c->cb->state(c->ud, from, to);
	if (to == IMAPC_GREETING || to == IMAPC_DONE)
		return;
	snprintf(c->tag, sizeof(c->tag), "a%u", ++c->tagno);
	c->literal_wait = to == IMAPC_APPEND;
	c->idling = c->done_sent = false;
	c->batch_from = c->nentries;
	char *cmd = imapc_command(c, to);
	c->cb->send_line(c->ud, cmd);
	free(cmd);
}

/* A step failed: remember why, then LOGOUT politely. */
static void imapc_fail_at(struct imapc *c, enum imapc_stage stage, const char *reason,
			  const char *line)
{
	c->failing = true;
	c->fail_stage = stage;
	c->fail_reason = reason;
	free(c->fail_line);
	c->fail_line = line ? xstrdup(line) : NULL;
	imapc_enter(c, IMAPC_LOGOUT);
}

static void imapc_fail(struct imapc *c, const char *reason, const char *line)
{
	imapc_fail_at(c, c->stage, reason, line);
}

/* An astring for a command: an atom when possible, else a quoted string.
 * Quoted strings are 7-bit without CR/LF [RFC 3501 §4.3, §9]; anything else
 * would need a literal, which this scripted client does not send. */
static bool imapc_put_astring(struct strbuf *out, const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p == '\r' || *p == '\n' || (unsigned char)*p >= 0x80)
			return false;
	imap_put_astring(out, s);
	return true;
}

/* Remember the capabilities named in text ("IMAP4rev1 STARTTLS ..."). */
static void imapc_caps(struct imapc *c, const char *text, size_t len)
{
	struct imap_p p = {text, len, 0};
	struct strbuf atom;
	sb_init(&atom);
	c->caps_known = true;
	c->cap_starttls = c->cap_logindisabled = false;
	while (ip_atom(&p, &atom, NULL)) {
		c->cap_starttls |= ascii_strcaseeq(atom.data, "STARTTLS");
		c->cap_logindisabled |= ascii_strcaseeq(atom.data, "LOGINDISABLED");
		if (!ip_sp(&p))
			break;
	}
	sb_free(&atom);
}

/* "[CAPABILITY ...]" in a status response [RFC 3501 §7.1]. */
static void imapc_resp_code_caps(struct imapc *c, const char *line)
{
	const char *code = strstr(line, "[CAPABILITY ");
	const char *end = code ? strchr(code, ']') : NULL;
	if (end)
		imapc_caps(c, code + 12, (size_t)(end - code - 12));
}

/* What comes after the capabilities are known: STARTTLS when offered and
 * the host can do it, else LOGIN unless it is disabled [RFC 3501 §6.2.3]. */
static void imapc_auth_step(struct imapc *c)
{
	if (!c->caps_known)
		imapc_enter(c, IMAPC_CAPABILITY);
	else if (c->cap_starttls && !c->tls && c->cb->start_tls)
		imapc_enter(c, IMAPC_STARTTLS);
	else if (c->cap_logindisabled)
		imapc_fail_at(c, IMAPC_LOGIN, "the server allows no LOGIN without TLS (LOGINDISABLED)",
			      c->last_line);
	else
		imapc_enter(c, IMAPC_LOGIN);
}

/* After LOGIN (or PREAUTH): deliver, or open the folder. */
static void imapc_after_login(struct imapc *c)
{
	imapc_enter(c, c->nappends ? IMAPC_APPEND : IMAPC_SELECT);
}

static void imapc_on_greeting(struct imapc *c, const char *status, const char *line)
{
	struct strbuf args;
	sb_init(&args);
	bool ok = imapc_put_astring(&args, c->user);
	sb_putc(&args, ' ');
	ok = ok && imapc_put_astring(&args, c->pass);
	c->login_args = sb_steal(&args);
	imapc_resp_code_caps(c, line);
	/* Greeting: OK, PREAUTH (already logged in) or BYE [RFC 3501 §7.1]. */
	if (ascii_strcaseeq(status, "PREAUTH"))
		imapc_after_login(c);
	else if (!ascii_strcaseeq(status, "OK"))
		imapc_finish(c, false, IMAPC_GREETING, "server refused the session", line);
	else if (!ok)   /* never send them: a CRLF inside would smuggle in a command */
		imapc_fail_at(c, IMAPC_LOGIN,
			      "user name or password cannot be sent as a quoted string", NULL);
	else
		imapc_auth_step(c);
}

/* After the folder's messages so far are fetched: IDLE, or finish. */
static void imapc_after_fetch(struct imapc *c)
{
	if (c->idle && !c->idle_stop)
		imapc_enter(c, IMAPC_IDLE);
	else
		imapc_enter(c, c->keep || !c->exists ? IMAPC_LOGOUT : IMAPC_STORE);
}

/* The FETCH in flight is over: count it, tell the host. */
static void imapc_fetch_done(struct imapc *c)
{
	size_t got = 0;
	for (size_t i = c->batch_from; i < c->nentries; i++)
		got += c->entries[i].have_body;
	c->fetched = c->exists;
	if (c->cb->fetched)
		c->cb->fetched(c->ud, got);
}

/* "[APPENDUID uidvalidity uid]" [RFC 4315 §3]; 0 when absent. */
static uint32_t imapc_appenduid(const char *line)
{
	const char *code = strstr(line, "[APPENDUID ");
	unsigned long validity, uid;
	if (!code || sscanf(code + 11, "%lu %lu", &validity, &uid) != 2 || uid > UINT32_MAX)
		return 0;
	return (uint32_t)uid;
}

static void imapc_appended(struct imapc *c, const char *line)
{
	c->append_uids = xrealloc(c->append_uids, (c->nappended + 1) * sizeof(*c->append_uids));
	c->append_uids[c->nappended++] = imapc_appenduid(line);
	if (++c->next_append < c->nappends)
		imapc_enter(c, IMAPC_APPEND);
	else
		imapc_enter(c, IMAPC_LOGOUT);
}

/* The tagged OK to IDLE (after our DONE). */
static void imapc_idle_over(struct imapc *c)
{
	if (c->idle_renew) {
		c->idle_renew = false;
		imapc_enter(c, IMAPC_IDLE);
	} else if (c->idle_stop) {
		imapc_after_fetch(c);
	} else {
		imapc_enter(c, c->exists > c->fetched ? IMAPC_FETCH : IMAPC_IDLE);
	}
}

static const char *imapc_refusal(const struct imapc *c, const char *line)
{
	static const char *const refused[] = {
		[IMAPC_STARTTLS] = "STARTTLS failed", [IMAPC_CAPABILITY] = "CAPABILITY failed",
		[IMAPC_LOGIN] = "login failed",       [IMAPC_APPEND] = "APPEND failed",
		[IMAPC_SELECT] = "SELECT failed",     [IMAPC_FETCH] = "FETCH failed",
		[IMAPC_IDLE] = "IDLE failed",         [IMAPC_STORE] = "STORE failed",
		[IMAPC_CLOSE] = "CLOSE failed",
	};
	if (c->stage == IMAPC_APPEND && strstr(line, "[TRYCREATE]"))
		return "APPEND failed: the folder does not exist (TRYCREATE)";
	if (c->stage == IMAPC_LOGIN && strstr(line, "[PRIVACYREQUIRED]"))
		return "login refused without TLS (PRIVACYREQUIRED)";
	return refused[c->stage] ? refused[c->stage] : "command failed";
}

/* Decide on the tagged reply to the command of the current stage. */
static void imapc_on_tagged(struct imapc *c, bool ok, const char *line)
{
	if (c->stage == IMAPC_LOGOUT) {
		if (c->failing)
			imapc_finish(c, false, c->fail_stage, c->fail_reason, c->fail_line);
		else if (ok)
			imapc_finish(c, true, IMAPC_DONE, "", line);
		else
			imapc_finish(c, false, IMAPC_LOGOUT, "LOGOUT failed", line);
		return;
	}
	if (!ok) {
		imapc_fail(c, imapc_refusal(c, line), line);
		return;
	}
	switch (c->stage) {
	case IMAPC_STARTTLS:
		/* the handshake now; what we knew of the server no longer counts */
		c->caps_known = false;
		c->cb->start_tls(c->ud);
		break;
	case IMAPC_CAPABILITY:
		c->caps_known = true;
		imapc_auth_step(c);
		break;
	case IMAPC_LOGIN: imapc_resp_code_caps(c, line); imapc_after_login(c); break;
	case IMAPC_APPEND: imapc_appended(c, line); break;
	case IMAPC_SELECT:
		/* "1:*" on an empty mailbox is an error, so skip the FETCH. */
		if (c->exists)
			imapc_enter(c, IMAPC_FETCH);
		else
			imapc_after_fetch(c);
		break;
	case IMAPC_FETCH:
		imapc_fetch_done(c);
		imapc_after_fetch(c);
		break;
	case IMAPC_IDLE: imapc_idle_over(c); break;
	case IMAPC_STORE: imapc_enter(c, IMAPC_CLOSE); break;
	case IMAPC_CLOSE: imapc_enter(c, IMAPC_LOGOUT); break;
	case IMAPC_GREETING:
	case IMAPC_LOGOUT:
	case IMAPC_DONE: break;
	}
}

/* End the IDLE in progress [RFC 2177 §3]. */
static void imapc_send_done(struct imapc *c)
{
	if (c->stage != IMAPC_IDLE || !c->idling || c->done_sent)
		return;
	c->done_sent = true;
	c->cb->send_line(c->ud, "DONE");
}

/* A continuation request: the literal of an APPEND, or IDLE began. */
static void imapc_continuation(struct imapc *c)
{
	if (c->stage == IMAPC_APPEND && c->literal_wait) {
		const struct imapc_append *a = &c->appends[c->next_append];
		c->literal_wait = false;
		c->cb->send_data(c->ud, a->data, a->len, mstore_count_lines(a->data, a->len));
		c->cb->send_line(c->ud, "");
	} else if (c->stage == IMAPC_IDLE && !c->idling) {
		c->idling = true;
		if (c->idle_stop || c->idle_renew || c->exists > c->fetched)
			imapc_send_done(c);
	}
}

static struct imapc_entry *imapc_entry(struct imapc *c, uint32_t seq)
{
	/* Responses come in ascending order, so the entries are usually
	 * sorted by seq: a binary search then, instead of a scan of the whole
	 * mailbox for every new message (quadratic in a big inbox). */
	if (!c->entries_unsorted) {
		size_t lo = 0, hi = c->nentries;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (c->entries[mid].seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < c->nentries && c->entries[lo].seq == seq)
			return &c->entries[lo];
	} else {
		for (size_t i = c->nentries; i-- > 0;)
			if (c->entries[i].seq == seq)
				return &c->entries[i];
	}
	if (c->nentries && c->entries[c->nentries - 1].seq > seq)
		c->entries_unsorted = true;
	if (c->nentries == c->centries) {
		c->centries = c->centries ? 2 * c->centries : 16;
		c->entries = xrealloc(c->entries, c->centries * sizeof(*c->entries));
	}
	struct imapc_entry *e = &c->entries[c->nentries++];
	memset(e, 0, sizeof(*e));
	e->seq = seq;
	return e;
}

/* msg-att name: up to SP or a parenthesis outside the [section]. */
static bool ip_att_name(struct imap_p *p, struct strbuf *out)
{
	size_t start = p->pos;
	int depth = 0;
	for (int c; (c = ip_peek(p)) >= 0 && c != '\r' && c != '\n'; p->pos++) {
		if (c == '[')
			depth++;
		else if (c == ']')
			depth--;
		else if (depth <= 0 && (c == ' ' || c == '(' || c == ')'))
			break;
	}
	sb_clear(out);
	sb_append(out, p->s + start, p->pos - start);
	return p->pos > start;
}

/* Skip one value of any shape: list, string, literal, atom or number. */
static bool ip_skip_value(struct imap_p *p, int depth)
{
	struct strbuf tmp;
	bool ok;
	sb_init(&tmp);
	if (depth > 32) {
		ok = false;
	} else if (ip_eat(p, '(')) {
		ok = true;
		while (ok && !ip_eat(p, ')')) {
			ok = ip_skip_value(p, depth + 1);
			ip_sp(p);
		}
	} else if (ip_peek(p) == '"' || ip_peek(p) == '{') {
		ok = ip_string(p, &tmp);
	} else {
		ok = ip_att_name(p, &tmp);
	}
	sb_free(&tmp);
	return ok;
}

/* nstring: NIL or a string [RFC 3501 §9]. */
static bool ip_nstring(struct imap_p *p, struct strbuf *out, bool *nil)
{
	*nil = p->len - p->pos >= 3 && ascii_strncaseeq(p->s + p->pos, "NIL", 3);
	if (*nil) {
		p->pos += 3;
		return true;
	}
	return ip_string(p, out);
}

/* "* n FETCH (" msg-att *(SP msg-att) ")" — keep FLAGS and the body. A
 * malformed response is ignored from the point it goes wrong. */
static void imapc_fetch_data(struct imapc *c, uint32_t seq, struct imap_p *p)
{
	struct strbuf name, val;
	unsigned bits;
	bool nil, ok = ip_eat(p, '(');
	sb_init(&name);
	sb_init(&val);
	for (bool first = true; ok && !ip_eat(p, ')'); first = false) {
		ok = (first || ip_sp(p)) && ip_att_name(p, &name) && ip_sp(p);
		if (ok && ascii_strcaseeq(imap_str(&name), "FLAGS")) {
			ok = ip_flags(p, &bits, false);
			if (ok)
				imapc_entry(c, seq)->m.flags = bits;
		} else if (ok && (ascii_strcaseeq(imap_str(&name), "BODY[]") ||
				  ascii_strcaseeq(imap_str(&name), "RFC822"))) {
			ok = ip_nstring(p, &val, &nil);
			struct imapc_entry *e = imapc_entry(c, seq);
			if (ok && !nil && !e->have_body) {
				e->have_body = true;
				e->m.len = val.len;
				e->m.data = sb_steal(&val);
			}
		} else if (ok) {
			ok = ip_skip_value(p, 0);
		}
	}
	sb_free(&name);
	sb_free(&val);
}

/* "* n EXISTS" / "* n EXPUNGE" keep the count (and what we fetched) true;
 * new mail during IDLE ends it. */
static void imapc_count(struct imapc *c, const char *what, uint32_t n)
{
	if (ascii_strcaseeq(what, "EXISTS")) {
		c->exists = n;
		if (c->exists > c->fetched)
			imapc_send_done(c);
	} else if (ascii_strcaseeq(what, "EXPUNGE") && n > 0) {
		c->exists -= c->exists > 0;
		c->fetched -= n <= c->fetched;
	}
}

static void imapc_untagged(struct imapc *c, struct imap_p *p, const char *line)
{
	struct strbuf word;
	uint32_t n = 0;
	sb_init(&word);
	if (ip_number(p, &n)) {
		if (ip_sp(p) && ip_atom(p, &word, NULL)) {
			if (ascii_strcaseeq(word.data, "FETCH") && ip_sp(p) && n > 0)
				imapc_fetch_data(c, n, p);
			else
				imapc_count(c, word.data, n);
		}
	} else if (ip_atom(p, &word, NULL)) {
		if (c->stage == IMAPC_GREETING)
			imapc_on_greeting(c, word.data, line);
		else if (ascii_strcaseeq(word.data, "BYE"))
			c->bye = true;
		else if (ascii_strcaseeq(word.data, "CAPABILITY") && ip_sp(p))
			imapc_caps(c, p->s + p->pos, p->len - p->pos);
	} else if (c->stage == IMAPC_GREETING) {
		imapc_finish(c, false, IMAPC_GREETING, "malformed greeting", line);
	}
	sb_free(&word);
}

static void imapc_response(struct imapc *c, const char *buf, size_t len)
{
	struct imap_p p = {buf, len, 0};
	struct strbuf tag, status;
	size_t first = 0;
	while (first < len && buf[first] != '\r' && buf[first] != '\n')
		first++;
	free(c->last_line);
	c->last_line = xstrndup(buf, first);
	sb_init(&tag);
	sb_init(&status);
	if (ip_eat(&p, '*') && ip_sp(&p)) {
		imapc_untagged(c, &p, c->last_line);
	} else if (c->stage == IMAPC_GREETING) {
		imapc_finish(c, false, IMAPC_GREETING, "malformed greeting", c->last_line);
	} else if (ip_eat(&p, '+')) {
		imapc_continuation(c);
	} else if (ip_atom(&p, &tag, "]") && strcmp(tag.data, c->tag) == 0 && ip_sp(&p) &&
		   ip_atom(&p, &status, NULL)) {
		imapc_on_tagged(c, ascii_strcaseeq(status.data, "OK"), c->last_line);
	}
	sb_free(&tag);
	sb_free(&status);
}

/* Copy the messages to deliver; a folder name that cannot be sent as an
 * astring becomes NULL and fails its APPEND. */
static void imapc_copy_appends(struct imapc *c, const struct imapc_config *cfg)
{
	c->nappends = cfg->appends ? cfg->nappends : 0;
	c->appends = xcalloc(c->nappends + 1, sizeof(*c->appends));
	for (size_t i = 0; i < c->nappends; i++) {
		struct strbuf f;
		const struct imapc_append *a = &cfg->appends[i];
		sb_init(&f);
		if (!imapc_put_astring(&f, a->folder ? a->folder : "INBOX"))
			sb_clear(&f);
		c->appends[i] = *a;
		c->appends[i].folder = f.len ? sb_steal(&f) : xstrdup("INBOX");
		c->appends[i].data = xstrndup(a->data, a->len);
		sb_free(&f);
	}
}

struct imapc *imapc_new(const struct imapc_config *cfg, const struct imapc_callbacks *cb,
			void *ud)
{
	assert(cfg && cb && cb->send_line && cb->done);
	assert(!cfg->nappends || cb->send_data);
	struct imapc *c = xcalloc(1, sizeof(*c));
	struct strbuf folder;
	c->user = xstrdup(cfg->user ? cfg->user : "");
	c->pass = xstrdup(cfg->pass ? cfg->pass : "");
	sb_init(&folder);
	if (!imapc_put_astring(&folder, cfg->folder ? cfg->folder : "INBOX")) {
		sb_clear(&folder);
		sb_puts(&folder, "INBOX");
	}
	c->folder = sb_steal(&folder);
	c->keep = cfg->keep;
	c->idle = cfg->idle;
	imapc_copy_appends(c, cfg);
	c->cb = cb;
	c->ud = ud;
	c->stage = IMAPC_GREETING;
	rd_init(&c->rd, IMAPC_MAX_LINE, IMAPC_MAX_LITERAL, SIZE_MAX);
	return c;
}

void imapc_free(struct imapc *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nentries; i++)
		free(c->entries[i].m.data);
	for (size_t i = 0; i < c->nappends; i++) {
		free((char *)c->appends[i].folder);
		free((char *)c->appends[i].data);
	}
	free(c->appends);
	free(c->append_uids);
	free(c->entries);
	free(c->msgs);
	free(c->user);
	free(c->pass);
	free(c->folder);
	free(c->login_args);
	free(c->fail_line);
	free(c->last_line);
	sb_free(&c->rd.buf);
	free(c);
}

void imapc_feed(struct imapc *c, const char *bytes, size_t len)
{
	if (c->finished)
		return;
	sb_append(&c->rd.buf, bytes, len);
	while (!c->finished) {
		size_t n, resp_len;
		switch (rd_next(&c->rd, &n)) {
		case RD_MORE:
			return;
		case RD_LITERAL:
			break;
		case RD_DONE:
			resp_len = n - 1 - (n >= 2 && c->rd.buf.data[n - 2] == '\r');
			imapc_response(c, c->rd.buf.data, resp_len);
			rd_consume(&c->rd, n);
			break;
		case RD_TOO_LONG:
		case RD_TOO_BIG:
			imapc_finish(c, false, c->stage, "server response too long", NULL);
			return;
		}
	}
}

void imapc_tls_done(struct imapc *c, bool ok)
{
	if (c->finished || c->stage != IMAPC_STARTTLS)
		return;
	if (!ok) {
		imapc_finish(c, false, IMAPC_STARTTLS, "TLS handshake failed", c->last_line);
		return;
	}
	c->tls = true;
	imapc_enter(c, IMAPC_CAPABILITY);
}

void imapc_idle_stop(struct imapc *c)
{
	if (c->finished || !c->idle)
		return;
	c->idle_stop = true;
	imapc_send_done(c);
}

void imapc_idle_renew(struct imapc *c)
{
	if (c->finished || c->stage != IMAPC_IDLE || !c->idling || c->done_sent)
		return;
	c->idle_renew = true;
	imapc_send_done(c);
}

bool imapc_idling(const struct imapc *c)
{
	return !c->finished && c->stage == IMAPC_IDLE && c->idling && !c->done_sent;
}

void imapc_disconnected(struct imapc *c)
{
	if (c->finished)
		return;
	if (c->failing)
		imapc_finish(c, false, c->fail_stage, c->fail_reason, c->fail_line);
	else if (c->stage == IMAPC_LOGOUT && c->bye)
		/* BYE then close without the tagged OK: the logout happened. */
		imapc_finish(c, true, IMAPC_DONE, "", c->last_line);
	else
		imapc_finish(c, false, c->stage, "connection closed by server", c->last_line);
}
