/* trace_model.c — parse a JSONL trace into tm_event records (see
 * trace_model.h for the invariants).
 *
 * Each kind's behaviour is one row of tm_kinds[]: whether it travels from
 * node to peer, whether it is a decision (for Up/Down navigation, per the
 * trace contract), which field carries its text, and the templates of its
 * event-list summary and travelling label. */
#include "trace_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "trace_kinds.h"
#include "trace_text.h"
#include "util.h"

enum {
	TMF_TRAVEL = 1 << 0,   /* animates from node to peer */
	TMF_DECISION = 1 << 1, /* a stop for next/previous decision */
	TMF_LINE = 1 << 2,     /* text is the required "line" field */
	TMF_NARRATE = 1 << 3,  /* text is the required "text" field */
	TMF_BODY = 1 << 4,     /* the event carries a whole message */
};

struct tm_kind_info {
	enum trace_kind tk;  /* the vocabulary's kind (sim/trace_kinds.h): its name */
	unsigned flags;
	const char *summary; /* tt_expand template */
	const char *bubble;  /* tt_expand template; NULL unless TMF_TRAVEL */
};

static const struct tm_kind_info tm_kinds[TM_KIND_COUNT] = {
	[TM_SIM_START] = {TK_SIM_START, 0, "{title|scenario} (seed {seed})", NULL},
	[TM_SIM_END] = {TK_SIM_END, 0,
		"inbox {inbox}, junk {junk}, quarantined {quarantined}, bounced {bounced}, "
		"rejected {rejected}, queued {queued}", NULL},
	[TM_NARRATE] = {TK_NARRATE, TMF_NARRATE, "{text}", NULL},
	[TM_MSG_COMPOSE] = {TK_MSG_COMPOSE, 0,
		"{from} → {to}: \"{subject}\" ({bytes} bytes)", NULL},
	[TM_MSG_HEADER] = {TK_MSG_HEADER, 0, "{name}: {value}", NULL},
	[TM_DNS_QUERY] = {TK_DNS_QUERY, TMF_TRAVEL, "{qtype} {qname}? (id {id})",
		"{qtype} {qname}?"},
	[TM_DNS_ANSWER] = {TK_DNS_ANSWER, TMF_TRAVEL, "{rcode} {answers}",
		"{answers|rcode}"},
	[TM_DNS_CACHE] = {TK_DNS_CACHE, 0,
		"cached {qtype} {qname}: {answers|rcode}", NULL},
	[TM_DNS_TIMEOUT] = {TK_DNS_TIMEOUT, TMF_DECISION,
		"{qtype} {qname}: no answer", NULL},
	[TM_NET_CONNECT] = {TK_NET_CONNECT, TMF_TRAVEL, "connect to port {port}",
		"SYN :{port}"},
	[TM_NET_ACCEPT] = {TK_NET_ACCEPT, 0, "accept on port {port}", NULL},
	[TM_NET_REFUSED] = {TK_NET_REFUSED, TMF_DECISION,
		"port {port} refused", NULL},
	[TM_NET_TIMEOUT] = {TK_NET_TIMEOUT, TMF_DECISION,
		"port {port}: no answer", NULL},
	[TM_NET_CLOSE] = {TK_NET_CLOSE, 0, "connection closed", NULL},
	[TM_TLS_START] = {TK_TLS_START, 0, "TLS handshake", NULL},
	[TM_TLS_OK] = {TK_TLS_OK, 0, "TLS established {version}", NULL},
	[TM_TLS_FAIL] = {TK_TLS_FAIL, 0, "TLS failed {reason}", NULL},
	[TM_SMTP_SEND] = {TK_SMTP_SEND, TMF_TRAVEL | TMF_LINE, "{line}", "{line}"},
	[TM_SMTP_DATA] = {TK_SMTP_DATA, TMF_TRAVEL | TMF_BODY,
		"{summary} ({bytes} bytes, {lines} lines)", "{summary}"},
	[TM_POP3_SEND] = {TK_POP3_SEND, TMF_TRAVEL | TMF_LINE, "{line}", "{line}"},
	[TM_IMAP_SEND] = {TK_IMAP_SEND, TMF_TRAVEL | TMF_LINE, "{line}", "{line}"},
	[TM_POP3_DATA] = {TK_POP3_DATA, TMF_TRAVEL | TMF_BODY,
		"{summary} ({bytes} bytes, {lines} lines)", "{summary}"},
	[TM_IMAP_DATA] = {TK_IMAP_DATA, TMF_TRAVEL | TMF_BODY,
		"{summary} ({bytes} bytes, {lines} lines)", "{summary}"},
	[TM_ROUTE_MX] = {TK_ROUTE_MX, TMF_DECISION, "{domain}: {mx}", NULL},
	[TM_QUEUE_ENTER] = {TK_QUEUE_ENTER, 0,
		"{queue_id} {from} → {rcpts}", NULL},
	[TM_QUEUE_ATTEMPT] = {TK_QUEUE_ATTEMPT, 0,
		"{queue_id} attempt {attempt} for {domain}", NULL},
	[TM_QUEUE_DEFER] = {TK_QUEUE_DEFER, TMF_DECISION,
		"{rcpt}: {reason}; retry at {next_attempt}", NULL},
	[TM_QUEUE_BOUNCE] = {TK_QUEUE_BOUNCE, TMF_DECISION,
		"{rcpt}: {status} {reason}", NULL},
	[TM_QUEUE_EXPIRE] = {TK_QUEUE_EXPIRE, TMF_DECISION,
		"{queue_id}: queue lifetime over; pending recipients bounce", NULL},
	[TM_QUEUE_DONE] = {TK_QUEUE_DONE, TMF_DECISION,
		"{rcpt}: {result} {status}", NULL},
	[TM_MAILBOX_STORE] = {TK_MAILBOX_STORE, TMF_DECISION,
		"{user}/{folder} ({bytes} bytes)", NULL},
	[TM_MAILBOX_FETCH] = {TK_MAILBOX_FETCH, 0, "{user}: {count} message(s)",
		NULL},
	[TM_DSN_CREATE] = {TK_DSN_CREATE, TMF_DECISION,
		"{dsn_msg} to {to}: {action} {status}", NULL},
	[TM_FILTER_CHECK] = {TK_FILTER_CHECK, TMF_DECISION,
		"{filter}: {result} {symbol} {score}", NULL},
	[TM_POLICY_DECISION] = {TK_POLICY_DECISION, TMF_DECISION,
		"{decision}: {reason}", NULL},
	[TM_FAULT_START] = {TK_FAULT_START, 0, "{fault}: {summary}", NULL},
	[TM_FAULT_END] = {TK_FAULT_END, 0, "{fault} ends: {summary}", NULL},
	[TM_OTHER] = {TK_COUNT, 0, "", NULL}, /* named by the event itself */
};

/* Keys held in tm_event members rather than as fields. */
#define TM_HELD_KEYS " t seq kind node peer conn msg rcpt dir line text port "

/* Parse state for one line; `why` receives the reason a line is bad. */
struct tm_line {
	const char *text;
	size_t len;
	const cJSON *obj;
	char why[160];
};

static enum tm_kind tm_kind_lookup(const char *name)
{
	for (int k = 0; k < TM_OTHER; k++)
		if (strcmp(trace_kind_name(tm_kinds[k].tk), name) == 0)
			return (enum tm_kind)k;
	return TM_OTHER;
}

const char *tm_kind_name(const struct tm_event *e)
{
	return e->kind == TM_OTHER ? e->other_kind : trace_kind_name(tm_kinds[e->kind].tk);
}

bool tm_kind_travels(enum tm_kind k)
{
	return (tm_kinds[k].flags & TMF_TRAVEL) != 0;
}

bool tm_kind_is_decision(enum tm_kind k)
{
	return (tm_kinds[k].flags & TMF_DECISION) != 0;
}

bool tm_kind_carries_message(enum tm_kind k)
{
	return (tm_kinds[k].flags & TMF_BODY) != 0;
}

/* ---- small field readers; each fills ln->why and returns false on a
 * wrongly typed field. Absent optional fields are fine. */

static bool tm_opt_string(struct tm_line *ln, const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ln->obj, key);

	*out = NULL;
	if (!v)
		return true;
	if (!cJSON_IsString(v)) {
		snprintf(ln->why, sizeof ln->why, "\"%s\" must be a string", key);
		return false;
	}
	*out = v->valuestring;
	return true;
}

static bool tm_opt_int(struct tm_line *ln, const char *key, long max, long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ln->obj, key);

	if (!v)
		return true;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (double)max ||
	    v->valuedouble != (double)(long)v->valuedouble) {
		snprintf(ln->why, sizeof ln->why,
			 "\"%s\" must be an integer from 0 to %ld", key, max);
		return false;
	}
	*out = (long)v->valuedouble;
	return true;
}

static int tm_node_index(struct tm_model *m, const char *name)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return (int)i;
	if (m->nnodes == m->nodecap) {
		m->nodecap = m->nodecap ? 2 * m->nodecap : 8;
		m->nodes = xrealloc(m->nodes, m->nodecap * sizeof *m->nodes);
	}
	struct tm_node *n = &m->nodes[m->nnodes];
	*n = (struct tm_node){xstrdup(name), xstrdup(""), xstrdup(""), false, 0, 0,
			      NULL, 0, false};
	return (int)m->nnodes++;
}

static bool tm_read_time(struct tm_line *ln, struct tm_event *e)
{
	const char *v;
	size_t vlen;

	if (!tt_find_top_value(ln->text, ln->len, "t", &v, &vlen)) {
		snprintf(ln->why, sizeof ln->why, "missing \"t\"");
		return false;
	}
	if (!tm_parse_seconds(v, vlen, &e->t_us)) {
		snprintf(ln->why, sizeof ln->why,
			 "\"t\" must be seconds with at most 6 decimals, got %.*s",
			 (int)(vlen > 40 ? 40 : vlen), v);
		return false;
	}
	return true;
}

static bool tm_read_kind(struct tm_line *ln, struct tm_event *e)
{
	const char *kind;

	if (!tm_opt_string(ln, "kind", &kind))
		return false;
	if (!kind) {
		snprintf(ln->why, sizeof ln->why, "missing \"kind\"");
		return false;
	}
	e->kind = tm_kind_lookup(kind);
	if (e->kind == TM_OTHER)
		e->other_kind = xstrdup(kind);
	return true;
}

static bool tm_read_dir(struct tm_line *ln, struct tm_event *e)
{
	const char *dir;

	if (!tm_opt_string(ln, "dir", &dir))
		return false;
	if (!dir)
		return true;
	if (strcmp(dir, "c2s") == 0 || strcmp(dir, "s2c") == 0) {
		e->dir = dir[0] == 'c' ? TM_DIR_C2S : TM_DIR_S2C;
		return true;
	}
	snprintf(ln->why, sizeof ln->why,
		 "\"dir\" must be \"c2s\" or \"s2c\", got \"%.40s\"", dir);
	return false;
}

static bool tm_read_ids(struct tm_model *m, struct tm_line *ln, struct tm_event *e)
{
	const char *node, *peer, *msg, *rcpt;
	long port = 0;

	if (!tm_opt_string(ln, "node", &node) || !tm_opt_string(ln, "peer", &peer) ||
	    !tm_opt_string(ln, "msg", &msg) || !tm_opt_string(ln, "rcpt", &rcpt) ||
	    !tm_opt_int(ln, "seq", 0x7fffffffL, &e->seq) ||
	    !tm_opt_int(ln, "conn", 0x7fffffffL, &e->conn) ||
	    !tm_opt_int(ln, "port", 65535, &port) || !tm_read_dir(ln, e))
		return false;
	e->port = (int)port;
	e->node = node ? tm_node_index(m, node) : -1;
	e->peer = peer ? tm_node_index(m, peer) : -1;
	e->msg = msg ? xstrdup(msg) : NULL;
	e->rcpt = rcpt ? xstrdup(rcpt) : NULL;
	return true;
}

static bool tm_read_text(struct tm_line *ln, struct tm_event *e)
{
	unsigned flags = tm_kinds[e->kind].flags;
	const char *key = (flags & TMF_LINE) ? "line" :
			  (flags & TMF_NARRATE) ? "text" : NULL;
	const char *text;

	if (!key)
		return true;
	if (!tm_opt_string(ln, key, &text))
		return false;
	if (!text) {
		snprintf(ln->why, sizeof ln->why, "%s without \"%s\"",
			 trace_kind_name(tm_kinds[e->kind].tk), key);
		return false;
	}
	e->text = xstrdup(text);
	tt_one_line(e->text);
	return true;
}

static void tm_event_clear(struct tm_event *e)
{
	tt_free_fields(e->fields, e->nfields);
	free(e->other_kind);
	free(e->msg);
	free(e->rcpt);
	free(e->text);
	free(e->summary);
	free(e->bubble);
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
	c->evs[c->nevs++] = idx;
	if (c->client >= 0 || e->node < 0 || e->peer < 0)
		return;
	if (e->kind == TM_NET_CONNECT || e->dir == TM_DIR_C2S) {
		c->client = e->node;
		c->server = e->peer;
	} else if (e->dir == TM_DIR_S2C || e->kind == TM_NET_ACCEPT) {
		c->client = e->peer;
		c->server = e->node;
	}
}

static int tm_msg_get(struct tm_model *m, const char *id)
{
	int k = tm_msg_find(m, id);

	if (k >= 0)
		return k;
	if (m->nmsgs % 16 == 0)
		m->msgs = xrealloc(m->msgs, (m->nmsgs + 16) * sizeof *m->msgs);
	m->msgs[m->nmsgs] = (struct tm_msg){xstrdup(id), -1, false};
	return (int)m->nmsgs++;
}

/* Learn message ids; a dsn.create names a new message, the report. */
static void tm_note_msgs(struct tm_model *m, struct tm_event *e)
{
	e->msg_idx = e->msg ? tm_msg_get(m, e->msg) : -1;
	const char *dsn = e->kind == TM_DSN_CREATE ? tm_get(e, "dsn_msg") : NULL;
	if (!dsn)
		return;
	const char *action = tm_get(e, "action");
	int k = tm_msg_get(m, dsn);
	m->msgs[k].dsn_of = e->msg_idx;
	m->msgs[k].dsn_failed = !action || strcmp(action, "delayed") != 0;
}

static void tm_push(struct tm_model *m, struct tm_event *e)
{
	size_t idx = m->nev;

	tm_note_msgs(m, e);

	if (m->nev == m->evcap) {
		m->evcap = m->evcap ? 2 * m->evcap : 256;
		m->ev = xrealloc(m->ev, m->evcap * sizeof *m->ev);
	}
	const struct tm_event *prev = idx ? &m->ev[idx - 1] : NULL;
	e->cur_conn = e->conn >= 0 ? e->conn : prev ? prev->cur_conn : -1;
	e->narration = e->kind == TM_NARRATE ? (long)idx :
		       prev ? prev->narration : -1;
	m->ev[m->nev++] = *e;
	if (e->conn >= 0)
		tm_conn_note(m, e, idx);
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

/* One JSON object and nothing after it but blanks. */
static cJSON *tm_parse_object(struct tm_line *ln)
{
	const char *end = NULL;
	cJSON *obj = cJSON_ParseWithLengthOpts(ln->text, ln->len, &end, false);

	if (!obj) {
		snprintf(ln->why, sizeof ln->why, "not valid JSON");
		return NULL;
	}
	if (!cJSON_IsObject(obj))
		snprintf(ln->why, sizeof ln->why, "not a JSON object");
	else if (!tm_blank(end, (size_t)(ln->text + ln->len - end)))
		snprintf(ln->why, sizeof ln->why, "text after the JSON object");
	else
		return obj;
	cJSON_Delete(obj);
	return NULL;
}

static bool tm_parse_line(struct tm_model *m, struct tm_line *ln)
{
	cJSON *obj = tm_parse_object(ln);
	struct tm_event e = {.node = -1, .peer = -1, .conn = -1, .seq = -1};
	bool ok;

	if (!obj)
		return false;
	ln->obj = obj;
	ok = tm_read_time(ln, &e) && tm_check_order(m, ln, &e) &&
	     tm_read_kind(ln, &e) && tm_read_ids(m, ln, &e) && tm_read_text(ln, &e);
	if (ok) {
		e.nfields = tt_read_fields(obj, ln->text, ln->len, TM_HELD_KEYS, &e.fields);
		e.summary = tt_expand(tm_kinds[e.kind].summary, obj);
		if (tm_kinds[e.kind].bubble)
			e.bubble = tt_expand(tm_kinds[e.kind].bubble, obj);
		tm_push(m, &e);
	} else {
		tm_event_clear(&e);
	}
	cJSON_Delete(obj);
	return ok;
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
		int k = tm_node_index(m, hosts[i].name ? hosts[i].name : "");
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

struct tm_model *tm_parse(const char *text, size_t len,
			  const struct view_host *hosts, size_t nhosts,
			  char *err, size_t errsz)
{
	struct tm_model *m = xcalloc(1, sizeof *m);
	size_t lineno = 0;

	tm_add_hosts(m, hosts, nhosts);
	for (size_t pos = 0; text && pos < len;) {
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
	return m;
}

void tm_free(struct tm_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nev; i++)
		tm_event_clear(&m->ev[i]);
	for (size_t i = 0; i < m->nnodes; i++) {
		struct tm_node *n = &m->nodes[i];
		tm_free_records(n);
		free(n->name);
		free(n->role);
		free(n->ip);
	}
	for (size_t i = 0; i < m->nconns; i++)
		free(m->conns[i].evs);
	for (size_t i = 0; i < m->nmsgs; i++)
		free(m->msgs[i].id);
	free(m->msgs);
	free(m->ev);
	free(m->nodes);
	free(m->conns);
	free(m);
}

const struct tm_field *tm_get_field(const struct tm_event *e, const char *key)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i].key, key) == 0)
			return &e->fields[i];
	return NULL;
}

const char *tm_get(const struct tm_event *e, const char *key)
{
	const struct tm_field *f = tm_get_field(e, key);

	return f ? f->val : NULL;
}

long tm_get_long(const struct tm_event *e, const char *key, long dflt)
{
	const char *v = tm_get(e, key);
	char *end;

	if (!v || !*v)
		return dflt;
	long n = strtol(v, &end, 10);
	return *end ? dflt : n;
}

bool tm_get_us(const struct tm_event *e, const char *key, int64_t *out)
{
	const char *v = tm_get(e, key);

	return v && tm_parse_seconds(v, strlen(v), out);
}

int tm_msg_find(const struct tm_model *m, const char *id)
{
	for (size_t i = 0; i < m->nmsgs; i++)
		if (strcmp(m->msgs[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Newest first: the connection asked for is nearly always a recent one. */
const struct tm_conn *tm_conn_find(const struct tm_model *m, long id)
{
	for (size_t i = m->nconns; i > 0; i--)
		if (m->conns[i - 1].id == id)
			return &m->conns[i - 1];
	return NULL;
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
