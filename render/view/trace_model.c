/* trace_model.c — parse a JSONL trace into tm_event records (see
 * trace_model.h for the invariants).
 *
 * Each kind's row (trace_model_detail.c) says which field carries its
 * text; what else a line holds is read on demand there. */
#include "trace_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_kinds.h"
#include "trace_model_intern.h"
#include "trace_model_scan.h"
#include "util.h"


/* Every kind's name, at its enum tm_kind index (once per model). */
static void tm_kinds_index(struct tm_intern *in)
{
	for (int k = 0; k < TM_OTHER; k++) {
		const char *kn = trace_kind_name(tm_kind_tk(k));
		tm_tab_add(&in->kinds, kn, strlen(kn));
	}
}

/* A hash lookup: every line names its kind, and there are dozens. */
static enum tm_kind tm_kind_lookup(const struct tm_intern *in, const char *name, size_t n)
{
	int32_t k = tm_tab_find(&in->kinds, name, n);

	return k < 0 ? TM_OTHER : (enum tm_kind)k;
}

/* ---- the scan of one line: the first occurrence of each held key. */
enum tm_key {
	TK_T, TK_KIND, TK_NODE, TK_PEER, TK_MSG, TK_RCPT, TK_SEQ, TK_CONN,
	TK_PORT, TK_DIR, TK_LINE, TK_TEXT, TK_DSN_MSG, TK_ACTION, TK_NKEYS
};
static const char *const tm_key_names[TK_NKEYS] = {
	"t", "kind", "node", "peer", "msg", "rcpt", "seq", "conn",
	"port", "dir", "line", "text", "dsn_msg", "action",
};

/* Parse state for one line; `why` receives the reason a line is bad. */
struct tm_line {
	const char *text;
	size_t len;
	struct tms_member got[TK_NKEYS];
	unsigned have; /* bit per enum tm_key */
	char why[160];
};

static bool tm_line_visit(void *ctx, const struct tms_member *mb)
{
	struct tm_line *ln = ctx;

	static const unsigned char klen[TK_NKEYS] = {1, 4, 4, 4, 3, 4, 3, 4, 4, 3, 4, 4, 7, 6};

	if (!mb->kesc && (mb->klen > 7 || mb->klen == 0))
		return true; /* no held key is that long: the common case, quickly */
	for (int k = 0; k < TK_NKEYS; k++)
		if (!(ln->have & (1u << k)) && (mb->kesc || mb->klen == klen[k]) &&
		    tms_key_is(mb, tm_key_names[k])) {
			ln->got[k] = *mb;
			ln->have |= 1u << k;
			break;
		}
	return true;
}

static const struct tms_member *tm_line_get(const struct tm_line *ln, enum tm_key k)
{
	return (ln->have & (1u << k)) ? &ln->got[k] : NULL;
}

/* An optional string member; NULL when absent, false when not a string. */
static bool tm_opt_string(struct tm_line *ln, enum tm_key k, const struct tms_member **out)
{
	*out = tm_line_get(ln, k);
	if (*out && (*out)->type != TMS_STRING) {
		snprintf(ln->why, sizeof ln->why, "\"%s\" must be a string", tm_key_names[k]);
		return false;
	}
	return true;
}

/* A string member's content compared, or copied, without allocating when
 * it has no escapes (nearly always). */
static bool tm_str_is(const struct tms_member *mb, const char *s)
{
	if (mb->vesc) {
		char *d = tms_unescape(mb);
		bool same = strcmp(d, s) == 0;
		free(d);
		return same;
	}
	return mb->vlen - 2 == strlen(s) && memcmp(mb->val + 1, s, mb->vlen - 2) == 0;
}

static bool tm_opt_int(struct tm_line *ln, enum tm_key k, long max, int32_t *out)
{
	const struct tms_member *mb = tm_line_get(ln, k);
	double v = 0;

	if (!mb)
		return true;
	if (mb->type == TMS_NUMBER) {
		size_t i = 0;
		long n = 0;
		while (i < mb->vlen && i < 12 && mb->val[i] >= '0' && mb->val[i] <= '9')
			n = n * 10 + (mb->val[i++] - '0');
		/* plain digits fast; anything else (1.0, 1e2) as cJSON reads it.
		 * strtod stops at the ',' or '}' that must follow the number. */
		v = i == mb->vlen ? (double)n : strtod(mb->val, NULL);
	}
	if (mb->type != TMS_NUMBER || v < 0 || v > (double)max || v != (double)(long)v) {
		snprintf(ln->why, sizeof ln->why,
			 "\"%s\" must be an integer from 0 to %ld", tm_key_names[k], max);
		return false;
	}
	*out = (int32_t)v;
	return true;
}

/* Node names are a table too (its index is the node's): every event names
 * one or two. */
static int tm_node_index(struct tm_model *m, const char *name, size_t n)
{
	int32_t k = tm_tab_find(&m->intern->nodes, name, n);

	if (k >= 0)
		return k;
	if (m->nnodes == m->nodecap) {
		m->nodecap = m->nodecap ? 2 * m->nodecap : 8;
		m->nodes = xrealloc(m->nodes, m->nodecap * sizeof *m->nodes);
	}
	struct tm_node *nd = &m->nodes[m->nnodes];
	*nd = (struct tm_node){xstrndup(name, n), xstrdup(""), xstrdup(""), false, 0, 0,
			       NULL, 0, false};
	tm_tab_add(&m->intern->nodes, name, n);
	return (int)m->nnodes++;
}

/* Call f with a string member's decoded content and length. */
#define TM_WITH_STR(mb, s, n, body) do { \
	char *tm_d_ = (mb)->vesc ? tms_unescape(mb) : NULL; \
	const char *s = tm_d_ ? tm_d_ : (mb)->val + 1; \
	size_t n = tm_d_ ? strlen(tm_d_) : (mb)->vlen - 2; \
	body; \
	free(tm_d_); \
} while (0)

static bool tm_read_time(const struct tm_model *m, struct tm_line *ln, struct tm_event *e)
{
	const struct tms_member *mb = tm_line_get(ln, TK_T);

	if (!mb && m->nev) { /* at the t of the line before (ARCHITECTURE.md) */
		e->t_us = m->ev[m->nev - 1].t_us;
		return true;
	}
	if (!mb) {
		snprintf(ln->why, sizeof ln->why, "missing \"t\"");
		return false;
	}
	if (!tm_parse_seconds(mb->val, mb->vlen, &e->t_us)) {
		snprintf(ln->why, sizeof ln->why,
			 "\"t\" must be seconds with at most 6 decimals, got %.*s",
			 (int)(mb->vlen > 40 ? 40 : mb->vlen), mb->val);
		return false;
	}
	return true;
}

static bool tm_read_kind(const struct tm_model *m, struct tm_line *ln, struct tm_event *e)
{
	const struct tms_member *mb;

	if (!tm_opt_string(ln, TK_KIND, &mb))
		return false;
	if (!mb) {
		snprintf(ln->why, sizeof ln->why, "missing \"kind\"");
		return false;
	}
	TM_WITH_STR(mb, s, n, e->kind = (uint8_t)tm_kind_lookup(m->intern, s, n));
	return true;
}

static bool tm_read_dir(struct tm_line *ln, struct tm_event *e)
{
	const struct tms_member *mb;

	if (!tm_opt_string(ln, TK_DIR, &mb))
		return false;
	if (!mb && e->kind == TM_SMTP_SEND) { /* implied by the line's shape */
		const struct tms_member *lm;
		if (!tm_opt_string(ln, TK_LINE, &lm))
			return false;
		if (lm && !lm->vesc) { /* the raw text between the quotes */
			e->dir = trace_line_is_reply(lm->val + 1, lm->vlen - 2) ? TM_DIR_S2C : TM_DIR_C2S;
		} else if (lm) {
			char *line = tms_unescape(lm);
			e->dir = trace_line_is_reply(line, strlen(line)) ? TM_DIR_S2C : TM_DIR_C2S;
			free(line);
		}
		return true;
	}
	if (!mb)
		return true;
	if (tm_str_is(mb, "c2s") || tm_str_is(mb, "s2c")) {
		e->dir = mb->val[1] == 'c' ? TM_DIR_C2S : TM_DIR_S2C;
		return true;
	}
	char *d = tms_unescape(mb);
	snprintf(ln->why, sizeof ln->why,
		 "\"dir\" must be \"c2s\" or \"s2c\", got \"%.40s\"", d);
	free(d);
	return false;
}

static int tm_msg_get(struct tm_model *m, const char *id, size_t n)
{
	int32_t k = tm_tab_find(&m->intern->msgs, id, n);

	if (k >= 0)
		return k;
	if (m->nmsgs % 16 == 0)
		m->msgs = xrealloc(m->msgs, (m->nmsgs + 16) * sizeof *m->msgs);
	k = tm_tab_add(&m->intern->msgs, id, n);
	m->msgs[m->nmsgs] = (struct tm_msg){m->intern->msgs.str[k], -1, false, -1};
	return (int)m->nmsgs++;
}

static const char *tm_rcpt_intern(struct tm_model *m, const char *s, size_t n)
{
	int32_t k = tm_tab_find(&m->intern->rcpts, s, n);

	if (k < 0) /* before reading .str: adding may move it */
		k = tm_tab_add(&m->intern->rcpts, s, n);
	return m->intern->rcpts.str[k];
}

static bool tm_read_ids(struct tm_model *m, struct tm_line *ln, struct tm_event *e)
{
	const struct tms_member *node, *peer, *msg, *rcpt;
	int32_t port = 0;

	if (!tm_opt_string(ln, TK_NODE, &node) || !tm_opt_string(ln, TK_PEER, &peer) ||
	    !tm_opt_string(ln, TK_MSG, &msg) || !tm_opt_string(ln, TK_RCPT, &rcpt) ||
	    !tm_opt_int(ln, TK_SEQ, 0x7fffffffL, &e->seq) ||
	    !tm_opt_int(ln, TK_CONN, 0x7fffffffL, &e->conn) ||
	    !tm_opt_int(ln, TK_PORT, 65535, &port) || !tm_read_dir(ln, e))
		return false;
	e->port = (uint16_t)port;
	if (node)
		TM_WITH_STR(node, s, n, e->node = tm_node_index(m, s, n));
	if (peer)
		TM_WITH_STR(peer, s, n, e->peer = tm_node_index(m, s, n));
	if (msg)
		TM_WITH_STR(msg, s, n, e->msg_idx = tm_msg_get(m, s, n));
	if (rcpt)
		TM_WITH_STR(rcpt, s, n, e->rcpt = tm_rcpt_intern(m, s, n));
	return true;
}

/* A kind whose text is a required field must have it, as a string. */
static bool tm_check_text(struct tm_line *ln, const struct tm_event *e)
{
	unsigned flags = tm_kind_flags(e->kind);
	enum tm_key k = (flags & TMF_LINE) ? TK_LINE : TK_TEXT;
	const struct tms_member *mb;

	if (!(flags & (TMF_LINE | TMF_NARRATE)))
		return true;
	if (!tm_opt_string(ln, k, &mb))
		return false;
	if (!mb) {
		snprintf(ln->why, sizeof ln->why, "%s without \"%s\"",
			 trace_kind_name(tm_kind_tk(e->kind)), tm_key_names[k]);
		return false;
	}
	return true;
}

static struct tm_conn *tm_conn_get(struct tm_model *m, long id)
{
	struct tm_conn *c = (struct tm_conn *)tm_conn_find(m, id);

	if (c)
		return c;
	if (m->nconns == m->conncap) {
		m->conncap = m->conncap ? 2 * m->conncap : 8;
		m->conns = xrealloc(m->conns, m->conncap * sizeof *m->conns);
	}
	c = &m->conns[m->nconns++];
	*c = (struct tm_conn){.id = id, .client = -1, .server = -1};
	tm_conn_add(m->intern, id);
	return c;
}

/* Record the event in its connection and learn which side is the client:
 * the connecting side, or the sender of a c2s line. */
static void tm_conn_note(struct tm_model *m, const struct tm_event *e, size_t idx)
{
	struct tm_conn *c = tm_conn_get(m, e->conn);

	if (c->nevs == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->evs = xrealloc(c->evs, c->cap * sizeof *c->evs);
	}
	c->evs[c->nevs++] = (uint32_t)idx;
	if (c->client >= 0 || e->node < 0 || e->peer < 0)
		return;
	/* The rule the writer uses (sim/trace_ends.h): the first event naming
	 * both ends fixes them; node is the server on net.accept or s2c. */
	bool at_server = e->kind == TM_NET_ACCEPT || e->dir == TM_DIR_S2C;
	c->client = at_server ? e->peer : e->node;
	c->server = at_server ? e->node : e->peer;
}

/* Fill in what the trace leaves out because the conn's first event said
 * it (ARCHITECTURE.md, "Implied fields"): a line's ends from its dir,
 * another conn event's peer as the other end of its node, and both when
 * neither is written: the client's event (net.accept: the server's). */
static void tm_imply_ends(const struct tm_model *m, struct tm_event *e)
{
	const struct tm_conn *c = e->conn >= 0 ? tm_conn_find(m, e->conn) : NULL;

	if (!c || c->client < 0)
		return;
	if (e->dir != TM_DIR_NONE) {
		bool c2s = e->dir == TM_DIR_C2S;
		if (e->node < 0)
			e->node = c2s ? c->client : c->server;
		if (e->peer < 0)
			e->peer = c2s ? c->server : c->client;
	} else if (e->node >= 0 && e->peer < 0) {
		e->peer = e->node == c->client ? c->server : c->client;
	} else if (e->node < 0 && e->peer < 0) { /* the client's, net.accept the server's */
		bool at_server = e->kind == TM_NET_ACCEPT;
		e->node = at_server ? c->server : c->client;
		e->peer = at_server ? c->client : c->server;
	}
}

/* Learn message ids; a dsn.create names a new message, the report. */
static void tm_note_msgs(struct tm_model *m, struct tm_line *ln, struct tm_event *e)
{
	e->msg = e->msg_idx >= 0 ? m->msgs[e->msg_idx].id : NULL;
	const struct tms_member *dsn = NULL, *action = NULL;
	if (e->kind != TM_DSN_CREATE)
		return;
	/* tm_get reads arrays joined and numbers as written: only strings
	 * name a report here, as they do in every trace the simulator writes */
	dsn = tm_line_get(ln, TK_DSN_MSG);
	action = tm_line_get(ln, TK_ACTION);
	if (!dsn || dsn->type != TMS_STRING)
		return;
	int k;
	TM_WITH_STR(dsn, s, n, k = tm_msg_get(m, s, n));
	m->msgs[k].dsn_of = e->msg_idx;
	m->msgs[k].dsn_failed = !action || action->type != TMS_STRING ||
				!tm_str_is(action, "delayed");
}

static void tm_push(struct tm_model *m, struct tm_line *ln, struct tm_event *e)
{
	size_t idx = m->nev;

	tm_note_msgs(m, ln, e);
	/* no growth: tm_events_alloc made room for one event per line */
	const struct tm_event *prev = idx ? &m->ev[idx - 1] : NULL;
	if (e->seq < 0) /* not written: an event's seq is its index */
		e->seq = (int32_t)idx;
	tm_imply_ends(m, e);
	if (e->kind == TM_MSG_COMPOSE && e->msg_idx >= 0 && m->msgs[e->msg_idx].compose_ev < 0)
		m->msgs[e->msg_idx].compose_ev = (long)idx; /* its subject, found at once */
	e->cur_conn = e->conn >= 0 ? e->conn : prev ? prev->cur_conn : -1;
	e->narration = e->kind == TM_NARRATE ? (int32_t)idx :
		       prev ? prev->narration : -1;
	m->ev[m->nev++] = *e;
	m->kind_count[e->kind]++;
	if (e->conn >= 0)
		tm_conn_note(m, e, idx);
	if (e->conn >= 0 && e->kind >= TM_NET_CONNECT && e->kind <= TM_NET_CLOSE) {
		/* a net.* event leaves out the port its conn said first (once
		 * its ends are known: ARCHITECTURE.md, "Implied fields") */
		struct tm_conn *c = (struct tm_conn *)tm_conn_find(m, e->conn);
		if (c && c->client >= 0 && e->port && !c->port)
			c->port = e->port;
		else if (c && c->client >= 0 && !e->port)
			m->ev[idx].port = c->port;
	}
}

static bool tm_check_order(const struct tm_model *m, struct tm_line *ln,
			   const struct tm_event *e)
{
	char a[32], b[32];

	if (m->nev == 0 || m->ev[m->nev - 1].t_us <= e->t_us)
		return true;
	tm_format_time(e->t_us, a, sizeof a);
	tm_format_time(m->ev[m->nev - 1].t_us, b, sizeof b);
	snprintf(ln->why, sizeof ln->why, "\"t\" goes backwards (%s after %s)", a, b);
	return false;
}

static bool tm_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}


static bool tm_parse_line(struct tm_model *m, struct tm_line *ln)
{
	struct tm_event e = {.node = -1, .peer = -1, .conn = -1, .seq = -1, .msg_idx = -1,
			     .line = ln->text, .len = (uint32_t)ln->len};
	size_t col;

	switch (tms_object(ln->text, ln->len, tm_line_visit, ln, &col)) {
	case TMS_OK: break;
	case TMS_NOT_OBJECT: snprintf(ln->why, sizeof ln->why, "not a JSON object"); return false;
	case TMS_TRAILING: snprintf(ln->why, sizeof ln->why, "text after the JSON object"); return false;
	default: snprintf(ln->why, sizeof ln->why, "not valid JSON"); return false;
	}
	if (ln->len > UINT32_MAX || m->nev >= INT32_MAX) { /* the record's widths */
		snprintf(ln->why, sizeof ln->why, ln->len > UINT32_MAX ?
			 "line longer than 4 GiB" : "more than 2^31 events");
		return false;
	}
	if (!tm_read_time(m, ln, &e) || !tm_check_order(m, ln, &e) || !tm_read_kind(m, ln, &e) ||
	    !tm_read_ids(m, ln, &e) || !tm_check_text(ln, &e))
		return false;
	const struct tm_event *prev = m->nev ? &m->ev[m->nev - 1] : NULL;
	if (e.kind == TM_MSG_HEADER && e.node < 0 && e.msg_idx < 0 && prev &&
	    (prev->kind == TM_MSG_HEADER || prev->kind == TM_MSG_COMPOSE)) {
		/* the node and msg of the header (or compose) before */
		e.node = prev->node;
		e.msg_idx = prev->msg_idx;
	}
	if (e.kind == TM_DNS_CACHE)
		e.dns_back = tm_dns_note(m->intern, e.line, e.len, e.node, m->nev);
	tm_push(m, ln, &e);
	return true;
}

static char *tm_dup(const char *s)
{
	return xstrdup(s ? s : "");
}

static void tm_free_records(struct tm_node *n)
{
	for (size_t k = 0; k < n->nrecords; k++) {
		free(n->records[k].name);
		free(n->records[k].type);
		free(n->records[k].data);
	}
	free(n->records);
	n->records = NULL;
	n->nrecords = 0;
}

static void tm_add_records(struct tm_node *n, const struct view_record *r, size_t nr)
{
	tm_free_records(n);
	n->has_zone = r != NULL;
	n->nrecords = nr;
	n->records = xcalloc(nr ? nr : 1, sizeof *n->records);
	for (size_t i = 0; i < nr; i++)
		n->records[i] = (struct tm_record){tm_dup(r[i].name), tm_dup(r[i].type),
						   tm_dup(r[i].data)};
}

static void tm_add_hosts(struct tm_model *m, const struct view_host *hosts,
			 size_t nhosts)
{
	for (size_t i = 0; i < nhosts; i++) {
		const char *name = hosts[i].name ? hosts[i].name : "";
		int k = tm_node_index(m, name, strlen(name));
		struct tm_node *n = &m->nodes[k];
		free(n->role);
		free(n->ip);
		n->role = xstrdup(hosts[i].role ? hosts[i].role : "");
		n->ip = xstrdup(hosts[i].ip ? hosts[i].ip : "");
		n->has_pos = hosts[i].has_pos;
		n->x = hosts[i].x;
		n->y = hosts[i].y;
		tm_add_records(n, hosts[i].records, hosts[i].nrecords);
	}
}

/* Room for one event per line, in one piece, instead of growing by
 * doubling and shrinking at the end. (Not in huge pages: xmalloc_big
 * here opened 10^6 events in a median 0.58 s instead of 1.0 s in this
 * project's VM, but made campaign-100k's scrub frames twice as slow, p99
 * 6 -> 13-19 ms over three runs; the cause is not understood.) */
static void tm_events_alloc(struct tm_model *m, const char *text, size_t len)
{
	size_t lines = 1;

	for (const char *p = text, *end = text + len; p < end; lines++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			break;
		p++;
	}
	m->ev = xmalloc(lines * sizeof *m->ev);
	m->evcap = lines;
}

struct tm_model *tm_parse(const char *text, size_t len,
			  const struct view_host *hosts, size_t nhosts,
			  char *err, size_t errsz)
{
	struct tm_model *m = xcalloc(1, sizeof *m);
	size_t lineno = 0;

	if (!text)
		len = 0;
	m->intern = xcalloc(1, sizeof *m->intern);
	tm_kinds_index(m->intern);
	/* Borrowed, not copied: events point into the caller's text (the
	 * viewer's run buffer, or a mapped file with tm_open). */
	m->text = text ? text : "";
	m->text_len = len;
	tm_add_hosts(m, hosts, nhosts);
	tm_events_alloc(m, m->text, len);
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		struct tm_line ln = {.text = text + pos, .len = end - pos};
		lineno++;
		pos = end + 1;
		if (tm_blank(ln.text, ln.len))
			continue;
		if (!tm_parse_line(m, &ln)) {
			snprintf(err, errsz, "trace line %zu: %s", lineno, ln.why);
			tm_free(m);
			return NULL;
		}
	}
	if (m->nev && m->nev < m->evcap / 2) { /* mostly blank lines */
		m->ev = xrealloc(m->ev, m->nev * sizeof *m->ev);
		m->evcap = m->nev;
	}
	return m;
}

void tm_free(struct tm_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nev; i++)
		tm_lazy_free(m->ev[i].lazy);
	for (size_t i = 0; i < m->nnodes; i++) {
		struct tm_node *n = &m->nodes[i];
		tm_free_records(n);
		free(n->name);
		free(n->role);
		free(n->ip);
	}
	for (size_t i = 0; i < m->nconns; i++)
		free(m->conns[i].evs);
	tm_intern_free(m->intern); /* the msgs' ids are its strings */
	tm_release_text(m);
	free(m->msgs);
	free(m->ev);
	free(m->nodes);
	free(m->conns);
	free(m);
}


int tm_msg_find(const struct tm_model *m, const char *id)
{
	return m->intern ? tm_tab_find(&m->intern->msgs, id, strlen(id)) : -1;
}

/* By the id table: a long trace has tens of thousands of connections. */
const struct tm_conn *tm_conn_find(const struct tm_model *m, long id)
{
	int32_t k = m->intern ? tm_conn_lookup(m->intern, id) : -1;

	return k >= 0 ? &m->conns[k] : NULL;
}

long tm_next_decision(const struct tm_model *m, long from)
{
	for (long i = from < 0 ? 0 : from + 1; i < (long)m->nev; i++)
		if (tm_kind_is_decision(m->ev[i].kind))
			return i;
	return -1;
}

long tm_prev_decision(const struct tm_model *m, long from)
{
	if (from > (long)m->nev)
		from = (long)m->nev;
	for (long i = from - 1; i >= 0; i--)
		if (tm_kind_is_decision(m->ev[i].kind))
			return i;
	return -1;
}

long tm_event_at_time(const struct tm_model *m, int64_t t_us)
{
	size_t lo = 0, hi = m->nev; /* first index with t > t_us, by bisection */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->ev[mid].t_us <= t_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

void tm_format_time(int64_t t_us, char *out, size_t outsz)
{
	snprintf(out, outsz, "%lld.%06lld", (long long)(t_us / 1000000),
		 (long long)(t_us % 1000000));
}

bool tm_parse_seconds(const char *s, size_t len, int64_t *out_us)
{
	int64_t whole = 0, frac = 0;
	size_t i = 0, fdigits = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (i >= 12) /* over 30,000 years of simulated time */
			return false;
		whole = whole * 10 + (s[i] - '0');
	}
	if (i == 0)
		return false;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, fdigits++) {
			if (fdigits == 6)
				return false;
			frac = frac * 10 + (s[i] - '0');
		}
		if (fdigits == 0)
			return false;
	}
	if (i != len)
		return false;
	for (; fdigits < 6; fdigits++)
		frac *= 10;
	*out_us = whole * 1000000 + frac;
	return true;
}
