/* chain.c — the receiving host's check chain (see card.h): seed 003's
 * steps, connection → HELO → sender → recipient → content → policy →
 * delivery, lit as the trace of the current SMTP connection passes them.
 *
 * A reply to a command lights the command's step: 2xx/3xx pass, 4xx
 * temporary, 5xx fail (RFC 5321 §4.2.1). A receiving check lights the
 * step it belongs to (iprev and DNSBL the connection, SPF the sender,
 * DKIM, DMARC, antivirus and spam the content); the policy decision the
 * policy step, or the recipient step when it answers a RCPT; storing or
 * relaying the message the delivery step. A step only ever gets worse. */
#include "card.h"

#include <string.h>

const char *chain_stage_name(enum chain_stage s)
{
	static const char *const names[CH_COUNT] = {"connection", "HELO", "sender", "recipient",
						    "content", "policy", "delivery"};
	return s < CH_COUNT ? names[s] : "";
}

const char *chain_state_name(enum chain_state s)
{
	static const char *const names[] = {"unlit", "pass", "temp", "fail"};
	return names[s];
}

static void chain_mark(struct chain *ch, enum chain_stage s, enum chain_state st)
{
	if (st > ch->st[s])
		ch->st[s] = st;
}

static enum chain_state chain_of_reply(const char *line)
{
	if (!line || !*line || line[0] == '3') /* 354: go ahead, nothing decided yet */
		return CH_UNLIT;
	return line[0] == '5' ? CH_FAIL : line[0] == '4' ? CH_TEMP : CH_PASS;
}

/* The step a client command's reply answers. */
static int chain_stage_of_command(const char *line)
{
	static const struct { const char *verb; enum chain_stage s; } t[] = {
		{"EHLO", CH_HELO}, {"HELO", CH_HELO}, {"MAIL", CH_SENDER}, {"RCPT", CH_RECIPIENT},
		{"BDAT", CH_CONTENT}, /* DATA: its 354 decides nothing; the reply after the dot does */
	};
	for (size_t i = 0; line && i < sizeof t / sizeof t[0]; i++)
		if (strncmp(line, t[i].verb, strlen(t[i].verb)) == 0)
			return (int)t[i].s;
	return -1;
}

static int chain_stage_of_filter(const char *f)
{
	static const struct { const char *f; enum chain_stage s; } t[] = {
		{"iprev", CH_CONNECTION}, {"dnsbl", CH_CONNECTION}, {"spf", CH_SENDER},
		{"dkim", CH_CONTENT}, {"dmarc", CH_CONTENT}, {"antivirus", CH_CONTENT},
		{"spam", CH_CONTENT},
	};
	for (size_t i = 0; f && i < sizeof t / sizeof t[0]; i++)
		if (strcmp(f, t[i].f) == 0)
			return (int)t[i].s;
	return -1;
}

static enum chain_state chain_of_filter(const char *result)
{
	static const char *const bad[] = {"fail", "permerror", "listed", "infected", "reject"};
	static const char *const soft[] = {"temperror", "softfail", "greylist"};

	for (size_t i = 0; result && i < sizeof bad / sizeof bad[0]; i++)
		if (strcmp(result, bad[i]) == 0)
			return CH_FAIL;
	for (size_t i = 0; result && i < sizeof soft / sizeof soft[0]; i++)
		if (strcmp(result, soft[i]) == 0)
			return CH_TEMP;
	return CH_PASS;
}

static enum chain_state chain_of_decision(const char *d)
{
	if (!d)
		return CH_PASS;
	if (strcmp(d, "reject") == 0 || strcmp(d, "deny") == 0)
		return CH_FAIL;
	if (strcmp(d, "greylist") == 0 || strcmp(d, "defer") == 0)
		return CH_TEMP;
	return CH_PASS;
}

/* The server of the SMTP connection current at the cursor, or -1. */
static const struct tm_conn *chain_conn(const struct tm_model *m, long cursor)
{
	const struct tm_conn *c = tm_conn_find(m, m->ev[cursor].cur_conn);

	if (!c || c->server < 0 || c->nevs == 0)
		return NULL;
	for (size_t i = 0; i < c->nevs; i++)
		if (m->ev[c->evs[i]].kind == TM_SMTP_SEND)
			return c;
	return NULL;
}

/* One event of the server's: a check, a decision or the delivery. */
static void chain_host_event(struct chain *ch, const struct tm_event *e, int stage)
{
	switch (e->kind) {
	case TM_FILTER_CHECK: {
		int s = chain_stage_of_filter(tm_get(e, "filter"));
		if (s >= 0 && (strcmp(tm_get(e, "filter"), "spam") != 0 || tm_get(e, "thresholds")))
			chain_mark(ch, (enum chain_stage)s, chain_of_filter(tm_get(e, "result")));
		break;
	}
	case TM_POLICY_DECISION:
		chain_mark(ch, !e->msg && e->rcpt && stage <= CH_RECIPIENT ? CH_RECIPIENT : CH_POLICY,
			   chain_of_decision(tm_get(e, "decision")));
		break;
	case TM_MAILBOX_STORE: case TM_QUEUE_DONE:
		chain_mark(ch, CH_POLICY, CH_PASS);
		chain_mark(ch, CH_DELIVERY, CH_PASS);
		break;
	case TM_QUEUE_ENTER:
		chain_mark(ch, CH_POLICY, CH_PASS);
		break;
	default:
		break;
	}
}

/* Commands awaiting their replies, oldest first: with PIPELINING
 * (RFC 2920) MAIL, RCPT and DATA go out together and the replies come
 * back in order. */
#define CHAIN_PENDING 32

struct chain_fifo {
	int st[CHAIN_PENDING];
	size_t head, n;
};

static void chain_push(struct chain_fifo *q, int stage)
{
	if (q->n == CHAIN_PENDING) /* more in flight than any client pipelines */
		return;
	q->st[(q->head + q->n++) % CHAIN_PENDING] = stage;
}

/* The step the next reply answers: the oldest command in flight, or the
 * connection itself (the greeting). */
static int chain_front(const struct chain_fifo *q)
{
	return q->n ? q->st[q->head] : CH_CONNECTION;
}

static void chain_pop(struct chain_fifo *q)
{
	if (q->n) {
		q->head = (q->head + 1) % CHAIN_PENDING;
		q->n--;
	}
}

static bool chain_continued(const char *line)
{
	return line && strlen(line) > 3 && line[3] == '-'; /* "250-PIPELINING" */
}

void chain_build(struct chain *ch, const struct tm_model *m, long cursor)
{
	memset(ch, 0, sizeof *ch);
	ch->host = -1;
	ch->conn = -1;
	if (cursor < 0 || (size_t)cursor >= m->nev)
		return;
	const struct tm_conn *c = chain_conn(m, cursor);
	if (!c)
		return;
	ch->host = c->server;
	ch->conn = c->id;
	struct chain_fifo q = {{0}, 0, 0};
	int stage = CH_CONNECTION;
	for (size_t i = c->evs[0]; i <= (size_t)cursor; i++) {
		const struct tm_event *e = &m->ev[i];
		bool on_conn = e->conn == c->id;
		if (on_conn && e->kind == TM_NET_ACCEPT) {
			chain_mark(ch, CH_CONNECTION, CH_PASS);
		} else if (on_conn && (e->kind == TM_NET_REFUSED || e->kind == TM_NET_TIMEOUT)) {
			chain_mark(ch, CH_CONNECTION, CH_FAIL);
		} else if (on_conn && e->kind == TM_SMTP_SEND && e->dir == TM_DIR_C2S) {
			for (size_t l = 0; l < tm_text_lines(e); l++) { /* pipelined: each */
				int s = chain_stage_of_command(tm_text_line(e, l));
				chain_push(&q, s >= 0 ? s : -1);
			}
		} else if (on_conn && e->kind == TM_SMTP_DATA) {
			chain_push(&q, CH_CONTENT); /* the reply after the final dot */
		} else if (on_conn && e->kind == TM_SMTP_SEND && e->dir == TM_DIR_S2C) {
			for (size_t l = 0; l < tm_text_lines(e); l++) {
				const char *line = tm_text_line(e, l);
				int s = chain_front(&q);
				if (s >= 0)
					chain_mark(ch, (enum chain_stage)s, chain_of_reply(line));
				if (!chain_continued(line))
					chain_pop(&q);
			}
		} else if (e->conn < 0 && e->node == c->server) {
			stage = chain_front(&q);
			chain_host_event(ch, e, stage);
		}
		if (on_conn && e->kind == TM_NET_CLOSE)
			break;
	}
}
