/* pop3c.c — sans-IO scripted POP3 client (pop3c; see pop3.h): USER, PASS,
 * STAT, RETR and DELE each message, QUIT (RFC 1939).
 *
 * Invariants:
 *  - Send on entering a stage, decide on the reply (pop3c_enter and the
 *    per-stage table pop3c_on_reply).
 *  - Once a step fails the client still says QUIT (a polite close) and
 *    reports the failing step, not the QUIT, as the outcome.
 *  - done() is called exactly once and is the last thing the client does.
 */
#include "pop3.h"
#include "pop3_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest server line the client accepts: RETR body lines have no
 * practical limit in the wild, but a peer must not make us buffer forever. */
#define POP3C_MAX_LINE (1u << 20)

struct pop3c {
	char *user, *pass;                    /* owned */
	bool keep;
	const struct pop3c_callbacks *cb;     /* not owned */
	void *ud;
	enum pop3c_stage stage;
	struct strbuf in;                     /* bytes not yet forming a line */
	bool in_body;                         /* inside a RETR multi-line reply */
	struct strbuf body;                   /* the message being received */
	size_t server_count;                  /* from STAT */
	size_t cur;                           /* 1-based message in RETR/DELE */
	struct mstore_msg *msgs;              /* owned array, each data owned */
	size_t nmsgs;
	bool failing;                         /* a step failed; QUIT is under way */
	enum pop3c_stage fail_stage;
	const char *fail_reason;              /* static */
	char *fail_line;                      /* owned */
	char *last_line;                      /* owned: the latest status line */
	bool finished;                        /* done() was called */
};

static const char *const pop3c_stage_names[] = {
	[POP3C_GREETING] = "greeting", [POP3C_USER] = "USER", [POP3C_PASS] = "PASS",
	[POP3C_STAT] = "STAT",         [POP3C_RETR] = "RETR", [POP3C_DELE] = "DELE",
	[POP3C_QUIT] = "QUIT",         [POP3C_DONE] = "done",
};

const char *pop3c_stage_name(enum pop3c_stage st)
{
	return (size_t)st < ARRAY_LEN(pop3c_stage_names) ? pop3c_stage_names[st] : "?";
}

static void pop3c_finish(struct pop3c *c, bool ok, enum pop3c_stage stage, const char *reason,
			 const char *line)
{
	struct pop3c_result r = {
		.ok = ok, .stage = stage, .reason = reason, .last_line = line,
		.server_count = c->server_count, .msgs = c->msgs, .nmsgs = c->nmsgs,
	};
	enum pop3c_stage from = c->stage;
	c->stage = POP3C_DONE;
	c->finished = true;
	if (c->cb->state && from != POP3C_DONE)
		c->cb->state(c->ud, from, POP3C_DONE);
	c->cb->done(c->ud, &r);
}

/* Send on entering a stage: the stage's command goes out now, the reply
 * decides the next stage. */
static void pop3c_enter(struct pop3c *c, enum pop3c_stage to)
{
	enum pop3c_stage from = c->stage;
	char *cmd = NULL;
	c->stage = to;
	if (c->cb->state && from != to)
		c->cb->state(c->ud, from, to);
	switch (to) {
	case POP3C_USER: cmd = xasprintf("USER %s", c->user); break;
	case POP3C_PASS: cmd = xasprintf("PASS %s", c->pass); break;
	case POP3C_STAT: cmd = xstrdup("STAT"); break;
	case POP3C_RETR: cmd = xasprintf("RETR %zu", c->cur); break;
	case POP3C_DELE: cmd = xasprintf("DELE %zu", c->cur); break;
	case POP3C_QUIT: cmd = xstrdup("QUIT"); break;
	case POP3C_GREETING:
	case POP3C_DONE: break;
	}
	if (cmd)
		c->cb->send_line(c->ud, cmd);
	free(cmd);
}

/* A step failed: remember why, then QUIT politely (RFC 1939 §6 — the
 * deletions of the messages already fetched still take effect). */
static void pop3c_fail(struct pop3c *c, const char *reason, const char *line)
{
	c->failing = true;
	c->fail_stage = c->stage;
	c->fail_reason = reason;
	free(c->fail_line);
	c->fail_line = line ? xstrdup(line) : NULL;
	pop3c_enter(c, POP3C_QUIT);
}

static void pop3c_next_message(struct pop3c *c)
{
	c->cur++;
	pop3c_enter(c, c->cur <= c->server_count ? POP3C_RETR : POP3C_QUIT);
}

/* "+OK" starts a positive reply, anything else (normally "-ERR") is
 * negative [RFC 1939 §3]. */
static bool pop3c_positive(const char *line)
{
	return strncmp(line, "+OK", 3) == 0 && (line[3] == '\0' || line[3] == ' ');
}

static void pop3c_on_greeting(struct pop3c *c, const char *line)
{
	if (!pop3c_positive(line)) {
		pop3c_finish(c, false, POP3C_GREETING, "server refused the session", line);
		return;
	}
	if (strpbrk(c->user, "\r\n") || strpbrk(c->pass, "\r\n")) {
		/* Never send them: a CRLF inside would smuggle in a command. */
		c->failing = true;
		c->fail_stage = POP3C_USER;
		c->fail_reason = "user name or password contains a line break";
		pop3c_enter(c, POP3C_QUIT);
		return;
	}
	pop3c_enter(c, POP3C_USER);
}

static void pop3c_on_user(struct pop3c *c, const char *line)
{
	if (pop3c_positive(line))
		pop3c_enter(c, POP3C_PASS);
	else
		pop3c_fail(c, "USER refused", line);
}

static void pop3c_on_pass(struct pop3c *c, const char *line)
{
	if (pop3c_positive(line))
		pop3c_enter(c, POP3C_STAT);
	else
		pop3c_fail(c, "login failed", line);
}

/* "+OK nn mm" [RFC 1939 §5 STAT]. */
static void pop3c_on_stat(struct pop3c *c, const char *line)
{
	const char *p = line + 3;
	char *end = NULL;
	if (!pop3c_positive(line)) {
		pop3c_fail(c, "STAT refused", line);
		return;
	}
	unsigned long n = *p == ' ' && p[1] >= '0' && p[1] <= '9' ? strtoul(p + 1, &end, 10) : 0;
	if (!end || (*end != ' ' && *end != '\0')) {
		pop3c_fail(c, "malformed STAT reply", line);
		return;
	}
	c->server_count = n;
	c->cur = 0;
	pop3c_next_message(c);
}

static void pop3c_on_retr(struct pop3c *c, const char *line)
{
	if (!pop3c_positive(line)) {
		pop3c_fail(c, "RETR refused", line);
		return;
	}
	sb_clear(&c->body);
	c->in_body = true;
}

static void pop3c_on_dele(struct pop3c *c, const char *line)
{
	if (pop3c_positive(line))
		pop3c_next_message(c);
	else
		pop3c_fail(c, "DELE refused", line);
}

static void pop3c_on_quit(struct pop3c *c, const char *line)
{
	if (c->failing)
		pop3c_finish(c, false, c->fail_stage, c->fail_reason, c->fail_line);
	else if (pop3c_positive(line))
		pop3c_finish(c, true, POP3C_DONE, "", line);
	else  /* the UPDATE state could not remove everything [RFC 1939 §6] */
		pop3c_finish(c, false, POP3C_QUIT, "QUIT refused", line);
}

static void (*const pop3c_on_reply[])(struct pop3c *c, const char *line) = {
	[POP3C_GREETING] = pop3c_on_greeting, [POP3C_USER] = pop3c_on_user,
	[POP3C_PASS] = pop3c_on_pass,         [POP3C_STAT] = pop3c_on_stat,
	[POP3C_RETR] = pop3c_on_retr,         [POP3C_DELE] = pop3c_on_dele,
	[POP3C_QUIT] = pop3c_on_quit,         [POP3C_DONE] = NULL,
};

/* One line of a RETR body: "." alone ends it, a leading "." on any other
 * line was added by byte-stuffing and goes [RFC 1939 §3]. */
static void pop3c_body_line(struct pop3c *c, const char *line)
{
	if (strcmp(line, ".") == 0) {
		c->in_body = false;
		c->msgs = xrealloc(c->msgs, (c->nmsgs + 1) * sizeof(*c->msgs));
		c->msgs[c->nmsgs].len = c->body.len;
		c->msgs[c->nmsgs].flags = 0;
		c->msgs[c->nmsgs].data = sb_steal(&c->body);
		c->nmsgs++;
		if (c->keep)
			pop3c_next_message(c);
		else
			pop3c_enter(c, POP3C_DELE);
		return;
	}
	sb_puts(&c->body, line[0] == '.' ? line + 1 : line);
	sb_append(&c->body, "\r\n", 2);
}

static void pop3c_line(struct pop3c *c, const char *line)
{
	if (c->in_body) {
		pop3c_body_line(c, line);
		return;
	}
	free(c->last_line);
	c->last_line = xstrdup(line);
	pop3c_on_reply[c->stage](c, c->last_line);
}

struct pop3c *pop3c_new(const struct pop3c_config *cfg, const struct pop3c_callbacks *cb,
			void *ud)
{
	assert(cfg && cb && cb->send_line && cb->done);
	struct pop3c *c = xcalloc(1, sizeof(*c));
	c->user = xstrdup(cfg->user ? cfg->user : "");
	c->pass = xstrdup(cfg->pass ? cfg->pass : "");
	c->keep = cfg->keep;
	c->cb = cb;
	c->ud = ud;
	c->stage = POP3C_GREETING;
	sb_init(&c->in);
	sb_init(&c->body);
	return c;
}

void pop3c_free(struct pop3c *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nmsgs; i++)
		free(c->msgs[i].data);
	free(c->msgs);
	free(c->user);
	free(c->pass);
	free(c->fail_line);
	free(c->last_line);
	sb_free(&c->in);
	sb_free(&c->body);
	free(c);
}

void pop3c_feed(struct pop3c *c, const char *bytes, size_t len)
{
	if (c->finished)
		return;
	sb_append(&c->in, bytes, len);
	while (!c->finished) {
		long lf = pop3_find_line(&c->in);
		if (lf < 0) {
			if (c->in.len > POP3C_MAX_LINE)
				pop3c_finish(c, false, c->stage, "server line too long", NULL);
			return;
		}
		char *line = pop3_take_line(&c->in, (size_t)lf);
		pop3c_line(c, line);
		free(line);
	}
}

void pop3c_disconnected(struct pop3c *c)
{
	if (c->finished)
		return;
	if (c->failing)
		pop3c_finish(c, false, c->fail_stage, c->fail_reason, c->fail_line);
	else
		pop3c_finish(c, false, c->stage, "connection closed by server", c->last_line);
}
