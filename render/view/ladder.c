/* ladder.c — rows of the ladder diagram (see ladder.h). */
#include "ladder.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* How each kind appears in a conversation; kinds not listed are left out
 * (net.accept repeats net.connect from the server's side). */
static const struct {
	enum tm_kind kind;
	enum lad_row_kind row;
	enum lad_class cls; /* for c2s lines and notes */
} lad_kinds[] = {
	{TM_NET_CONNECT, LAD_ARROW, LAD_INFO},
	{TM_TLS_START, LAD_NOTE, LAD_INFO},
	{TM_TLS_OK, LAD_NOTE, LAD_2XX},
	{TM_TLS_FAIL, LAD_NOTE, LAD_4XX},
	{TM_NET_REFUSED, LAD_NOTE, LAD_4XX},
	{TM_NET_TIMEOUT, LAD_NOTE, LAD_4XX},
	{TM_NET_CLOSE, LAD_NOTE, LAD_INFO},
	{TM_SMTP_SEND, LAD_ARROW, LAD_CMD},
	{TM_SMTP_DATA, LAD_ARROW, LAD_CMD},
	{TM_IMAP_SEND, LAD_ARROW, LAD_CMD},
	{TM_POP3_SEND, LAD_ARROW, LAD_CMD},
	{TM_IMAP_DATA, LAD_ARROW, LAD_CMD},
	{TM_POP3_DATA, LAD_ARROW, LAD_CMD},
};

/* RFC 5321 §4.2.1: the first digit of a reply code is its class. */
static enum lad_class lad_smtp_class(const char *line)
{
	static const enum lad_class by_digit[] = {
		['2' - '2'] = LAD_2XX, ['3' - '2'] = LAD_3XX,
		['4' - '2'] = LAD_4XX, ['5' - '2'] = LAD_5XX,
	};

	if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' ||
	    line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' ||
	    (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
		return LAD_INFO;
	return by_digit[line[0] - '2'];
}

/* RFC 9051 §7.1: a status response is "tag OK|NO|BAD ..." (or "* ..."),
 * and "+ " asks the client to continue. */
static enum lad_class lad_imap_class(const char *line)
{
	static const struct { const char *word; enum lad_class cls; } words[] = {
		{"OK ", LAD_2XX}, {"PREAUTH ", LAD_2XX}, {"NO ", LAD_4XX},
		{"BAD ", LAD_5XX},
	};
	const char *sp = strchr(line, ' ');

	if (line[0] == '+')
		return LAD_3XX;
	if (!sp)
		return LAD_INFO;
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (ascii_startswith_ci(sp + 1, words[i].word))
			return words[i].cls;
	return LAD_INFO;
}

/* RFC 1939 §3: "+OK" or "-ERR" start every status; "+ " is a SASL
 * continuation (RFC 5034). Anything else is multi-line data. */
static enum lad_class lad_pop3_class(const char *line)
{
	if (strncmp(line, "+OK", 3) == 0)
		return LAD_2XX;
	if (strncmp(line, "-ERR", 4) == 0)
		return LAD_5XX;
	if (line[0] == '+')
		return LAD_3XX;
	return LAD_INFO;
}

enum lad_class lad_reply_class(enum tm_kind kind, const char *line)
{
	if (!line)
		return LAD_INFO;
	switch (kind) {
	case TM_SMTP_SEND: return lad_smtp_class(line);
	case TM_IMAP_SEND: return lad_imap_class(line);
	case TM_POP3_SEND: return lad_pop3_class(line);
	default: return LAD_INFO;
	}
}

void lad_init(struct lad_view *v)
{
	*v = (struct lad_view){.conn = -1, .client = -1, .server = -1};
}

void lad_free(struct lad_view *v)
{
	free(v->rows);
	lad_init(v);
}

static int lad_kind_row(enum tm_kind k)
{
	for (size_t i = 0; i < ARRAY_LEN(lad_kinds); i++)
		if (lad_kinds[i].kind == k)
			return (int)i;
	return -1;
}

static void lad_push(struct lad_view *v, const struct lad_row *row)
{
	if (v->nrows == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 32;
		v->rows = xrealloc(v->rows, v->cap * sizeof *v->rows);
	}
	v->rows[v->nrows++] = *row;
}

/* Row for line `line` of the event (its only one, or one of the lines
 * folded into it: every line is a row of its own). */
static struct lad_row lad_row_for(const struct lad_view *v, const struct tm_event *e,
				  size_t idx, int k, bool encrypted, size_t line)
{
	const char *text = tm_text_line(e, line);
	struct lad_row row = {idx, lad_kinds[k].row, true, lad_kinds[k].cls,
			      encrypted, text ? text : tm_summary(e)};

	if (e->dir == TM_DIR_S2C || (e->dir == TM_DIR_NONE && v->client >= 0 &&
				     e->node != v->client))
		row.c2s = false;
	/* protocol lines from the server are replies; a message body is not */
	if (!row.c2s && row.kind == LAD_ARROW && text)
		row.cls = lad_reply_class(e->kind, text);
	return row;
}

void lad_build(struct lad_view *v, const struct tm_model *m, long cursor)
{
	v->nrows = 0;
	v->conn = cursor >= 0 && (size_t)cursor < m->nev ? m->ev[cursor].cur_conn : -1;
	v->client = v->server = -1;
	const struct tm_conn *c = v->conn >= 0 ? tm_conn_find(m, v->conn) : NULL;
	if (!c)
		return;
	v->client = c->client;
	v->server = c->server;
	bool encrypted = false;
	for (size_t i = 0; i < c->nevs && c->evs[i] <= (size_t)cursor; i++) {
		const struct tm_event *e = &m->ev[c->evs[i]];
		int k = lad_kind_row(e->kind);
		for (size_t l = 0; k >= 0 && (l == 0 || l < tm_text_lines(e)); l++) {
			struct lad_row row = lad_row_for(v, e, c->evs[i], k, encrypted, l);
			lad_push(v, &row);
		}
		encrypted |= e->kind == TM_TLS_OK;
	}
}
