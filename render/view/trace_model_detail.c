/* trace_model_detail.c — each kind's row, and what the trace model reads
 * from an event's line only when asked (see trace_model.h): its fields,
 * its event-list summary, its travelling label and its text, built once
 * per event and kept with it.
 *
 * Each kind's behaviour is one row of tm_kinds[]: whether it travels from
 * node to peer, whether it is a decision (for Up/Down navigation, per the
 * trace contract), which field carries its text, and the templates of its
 * event-list summary and travelling label. */
#include "trace_model.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "trace_kinds.h"
#include "trace_model_intern.h"
#include "trace_model_scan.h"
#include "trace_text.h"
#include "util.h"


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

/* What is built from the line on first ask (see tm_lazy_get). */
struct tm_lazy {
	char *summary, *bubble, *other_kind;
	char *text;        /* a folded line event's lines, each NUL-terminated */
	size_t nlines;
	struct tm_field *fields;
	size_t nfields;
};

unsigned tm_kind_flags(int k)
{
	return tm_kinds[k].flags;
}

enum trace_kind tm_kind_tk(int k)
{
	return tm_kinds[k].tk;
}

static struct tm_lazy *tm_lazy_get(const struct tm_event *e);

const char *tm_kind_name(const struct tm_event *e)
{
	if (e->kind != TM_OTHER)
		return trace_kind_name(tm_kinds[e->kind].tk);
	return tm_lazy_get(e)->other_kind;
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

/* A string member of the event's line, decoded; NULL when absent or not a
 * string. */
static char *tm_line_string(const struct tm_event *e, const char *key)
{
	struct tms_member mb;

	if (!tms_find(e->line, e->len, key, &mb) || mb.type != TMS_STRING)
		return NULL;
	return tms_unescape(&mb);
}

/* The text as lines: a line event's \n separates the lines folded into it
 * (ARCHITECTURE.md, "Folded lines"); each becomes a NUL-terminated string
 * of its own, shown on one line. */
static void tm_split_lines(struct tm_lazy *z, bool folded)
{
	if (!z->text)
		return;
	z->nlines = 1;
	for (char *p = z->text; folded && (p = strchr(p, '\n')) != NULL; p++) {
		*p = '\0';
		z->nlines++;
	}
	char *p = z->text;
	for (size_t i = 0; i < z->nlines; i++, p += strlen(p) + 1)
		tt_one_line(p);
}

/* The event's line parsed, with the fields it left out put back
 * (trace_model_implied.c); NULL when cJSON refuses it. */
cJSON *tm_parse_obj(const struct tm_event *e)
{
	cJSON *obj = cJSON_ParseWithLength(e->line, e->len);
	if (obj && e->kind != TM_OTHER) {
		const struct tm_event *from = e->dns_back ? e - e->dns_back : NULL;
		tm_fill_implied(obj, tm_kinds[e->kind].tk, from ? from->line : NULL,
				from ? from->len : 0, e->port);
	}
	return obj;
}

/* Build what the record does not hold, from the line, once. The line was
 * accepted by tms_object; should cJSON refuse it still (it never does for
 * a trace the simulator wrote), the fields are empty and labels blank. */
static struct tm_lazy *tm_lazy_get(const struct tm_event *ce)
{
	struct tm_event *e = (struct tm_event *)ce; /* the cache is not the event's value */
	const struct tm_kind_info *ki = &tm_kinds[e->kind];

	if (e->lazy)
		return e->lazy;
	struct tm_lazy *z = xcalloc(1, sizeof *z);
	cJSON *obj = tm_parse_obj(e);
	if (obj) {
		z->nfields = tt_read_fields(obj, e->line, e->len, TM_HELD_KEYS, &z->fields);
		z->summary = tt_expand(ki->summary, obj);
		z->bubble = ki->bubble ? tt_expand(ki->bubble, obj) : NULL;
		cJSON_Delete(obj);
	} else {
		z->summary = xstrdup("");
		z->bubble = ki->bubble ? xstrdup("") : NULL;
	}
	if (ki->flags & (TMF_LINE | TMF_NARRATE)) {
		z->text = tm_line_string(e, (ki->flags & TMF_LINE) ? "line" : "text");
		tm_split_lines(z, (ki->flags & TMF_LINE) != 0);
		if (z->nlines > 1 && z->bubble) { /* the pill: the last line, as when unfolded */
			const char *last = z->text;
			for (size_t i = 1; i < z->nlines; i++)
				last += strlen(last) + 1;
			free(z->bubble);
			z->bubble = xstrdup(last);
		}
	}
	if (e->kind == TM_OTHER) {
		z->other_kind = tm_line_string(e, "kind");
		if (!z->other_kind)
			z->other_kind = xstrdup("");
	}
	e->lazy = z;
	return z;
}

const char *tm_summary(const struct tm_event *e)
{
	return tm_lazy_get(e)->summary;
}

const char *tm_bubble(const struct tm_event *e)
{
	return tm_lazy_get(e)->bubble;
}

const char *tm_text(const struct tm_event *e)
{
	return tm_lazy_get(e)->text;
}

size_t tm_text_lines(const struct tm_event *e)
{
	return tm_lazy_get(e)->nlines;
}

const char *tm_text_line(const struct tm_event *e, size_t i)
{
	const struct tm_lazy *z = tm_lazy_get(e);
	if (i >= z->nlines)
		return NULL;
	const char *p = z->text;
	while (i--)
		p += strlen(p) + 1;
	return p;
}

void tm_summary_into(const struct tm_event *e, struct strbuf *sb)
{
	if (e->lazy) {
		sb_clear(sb);
		sb_puts(sb, e->lazy->summary);
		return;
	}
	/* Pacing asks for every event's summary: most need no tree. */
	if (tt_expand_line_into(tm_kinds[e->kind].summary, e->line, e->len, sb))
		return;
	cJSON *obj = tm_parse_obj(e);
	char *s = obj ? tt_expand(tm_kinds[e->kind].summary, obj) : xstrdup("");
	cJSON_Delete(obj);
	sb_clear(sb);
	sb_puts(sb, s);
	free(s);
}

char *tm_summary_dup(const struct tm_event *e)
{
	struct strbuf sb;

	sb_init(&sb);
	tm_summary_into(e, &sb);
	return sb_steal(&sb);
}

void tm_lazy_free(struct tm_lazy *z)
{
	if (!z)
		return;
	tt_free_fields(z->fields, z->nfields);
	free(z->summary);
	free(z->bubble);
	free(z->text);
	free(z->other_kind);
	free(z);
}

const struct tm_field *tm_get_field(const struct tm_event *e, const char *key)
{
	const struct tm_lazy *z = tm_lazy_get(e);

	for (size_t i = 0; i < z->nfields; i++)
		if (strcmp(z->fields[i].key, key) == 0)
			return &z->fields[i];
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
