/* trace_transcript.c — see trace_transcript.h. */
#include "trace_transcript.h"

#include <inttypes.h>
#include <string.h>

static const struct trace_field *field(const struct trace_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nf; i++)
		if (strcmp(ev->f[i].key, key) == 0)
			return &ev->f[i];
	return NULL;
}

static void put_list(struct strbuf *sb, const struct trace_event *ev, const char *key,
		     const char *sep)
{
	const struct trace_field *f = field(ev, key);
	if (!f || f->type != TF_STRV)
		return;
	for (size_t i = 0; i < f->n; i++)
		sb_printf(sb, "%s%s", i ? sep : "", f->strv[i]);
}

static const char *S(const struct trace_event *ev, const char *key)
{
	const char *v = trace_event_str(ev, key);
	return v ? v : "";
}

static int64_t I(const struct trace_event *ev, const char *key)
{
	int64_t v = 0;
	trace_event_int(ev, key, &v);
	return v;
}

/* The human transcript: one line per event, "time  where  what". Each
 * kind family has a short formatter; unknown kinds print their fields. */
typedef void (*summary_fn)(struct strbuf *sb, const struct trace_event *ev);

static void sum_line(struct strbuf *sb, const struct trace_event *ev)
{
	const char *dir = S(ev, "dir");
	bool tls = false;
	int64_t v;
	if (trace_event_int(ev, "tls", &v))
		tls = v != 0;
	const char *arrow = strcmp(dir, "c2s") == 0 ? (tls ? "C~>" : "C->") : (tls ? "S<~" : "S<-");
	sb_printf(sb, "%s %s", arrow, S(ev, "line"));
}

static void sum_data(struct strbuf *sb, const struct trace_event *ev)
{
	bool c2s = strcmp(S(ev, "dir"), "c2s") == 0, tls = I(ev, "tls") != 0;
	/* SMTP and POP3 end a body with a lone "."; IMAP sends a counted literal. */
	bool literal = ev->id == TK_IMAP_DATA;
	sb_printf(sb, "%s [message: %" PRId64 " bytes, %" PRId64 " lines%s]  %s",
		  c2s ? (tls ? "C~>" : "C->") : (tls ? "S<~" : "S<-"), I(ev, "bytes"), I(ev, "lines"),
		  literal ? ", as a literal" : ", then \".\"", S(ev, "summary"));
}

static void sum_end(struct strbuf *sb, const struct trace_event *ev)
{
	/* sim.end's columns (outcome.h's fates), the non-zero ones. */
	static const char *const cols[] = {"inbox",   "filed",   "junk",	  "quarantined",
					   "bounced", "rejected", "dropped", "suppressed",
					   "queued"};
	sb_printf(sb, "end: %" PRId64 " recipient(s):", I(ev, "recipients"));
	bool any = false;
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		int64_t n = I(ev, cols[i]);
		if (n)
			sb_printf(sb, "%s %" PRId64 " %s", any ? "," : "", n, cols[i]);
		any = any || n;
	}
	int64_t dsn = I(ev, "dsn_stored"), dbl = I(ev, "double_bounces");
	if (dsn || dbl)
		sb_printf(sb, "; reports: %" PRId64 " stored, %" PRId64 " double bounces dropped", dsn, dbl);
}

static void sum_dns_query(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "DNS? %s %s", S(ev, "qtype"), S(ev, "qname"));
}

static void sum_dns_answer(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "DNS! %s %s -> %s", S(ev, "qtype"), S(ev, "qname"), S(ev, "rcode"));
	const struct trace_field *f = field(ev, "answers");
	if (f && f->n) {
		sb_putc(sb, ' ');
		put_list(sb, ev, "answers", ", ");
	}
}

static void sum_net(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "%s port %" PRId64, ev->kind + 4, I(ev, "port"));
}

static void sum_queue(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "%s", ev->kind);
	if (*S(ev, "queue_id"))
		sb_printf(sb, " %s", S(ev, "queue_id"));
	if (field(ev, "rcpts")) {
		sb_printf(sb, " from <%s> to ", S(ev, "from"));
		put_list(sb, ev, "rcpts", ", ");
	}
	if (*S(ev, "domain"))
		sb_printf(sb, " attempt %" PRId64 " for %s", I(ev, "attempt"), S(ev, "domain"));
	if (*S(ev, "result"))
		sb_printf(sb, " %s", S(ev, "result"));
	if (*S(ev, "status"))
		sb_printf(sb, " %s", S(ev, "status"));
	if (*S(ev, "reason"))
		sb_printf(sb, " (%s)", S(ev, "reason"));
	const struct trace_field *na = field(ev, "next_attempt");
	if (na && na->type == TF_TIME) {
		char tb[32];
		trace_format_time(na->num, tb, sizeof tb);
		sb_printf(sb, " next attempt at t=%s", tb);
	}
}

static void sum_check(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "CHECK %s: %s", S(ev, "filter"), S(ev, "result"));
	if (*S(ev, "symbol"))
		sb_printf(sb, " %s", S(ev, "symbol"));
	if (*S(ev, "score"))
		sb_printf(sb, " (%s)", S(ev, "score"));
	if (*S(ev, "detail"))
		sb_printf(sb, " -- %s", S(ev, "detail"));
}

static void sum_policy(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "POLICY %s: %s", S(ev, "decision"), S(ev, "reason"));
	if (*S(ev, "folder"))
		sb_printf(sb, " [%s]", S(ev, "folder"));
}

static void sum_route(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "ROUTE %s via ", S(ev, "domain"));
	put_list(sb, ev, "mx", ", ");
}

static void sum_store(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "STORE into %s of %s (%" PRId64 " bytes)", S(ev, "folder"), S(ev, "user"),
		  I(ev, "bytes"));
}

static void sum_header(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "HEADER %s: %s", S(ev, "name"), S(ev, "value"));
}

static void sum_dsn(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "DSN %s to <%s>: %s %s for ", S(ev, "dsn_msg"), S(ev, "to"), S(ev, "action"),
		  S(ev, "status"));
	put_list(sb, ev, "rcpts", ", ");
}

static void sum_fault(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "FAULT %s", S(ev, "summary"));
}

static void sum_generic(struct strbuf *sb, const struct trace_event *ev)
{
	sb_puts(sb, ev->kind);
	for (size_t i = 0; i < ev->nf; i++) {
		const struct trace_field *f = &ev->f[i];
		sb_printf(sb, " %s=", f->key);
		if (f->type == TF_STR)
			sb_puts(sb, f->str);
		else if (f->type == TF_STRV)
			put_list(sb, ev, f->key, ",");
		else if (f->type == TF_BOOL)
			sb_puts(sb, f->num ? "true" : "false");
		else if (f->type == TF_TIME) {
			char tb[32];
			trace_format_time(f->num, tb, sizeof tb);
			sb_puts(sb, tb);
		} else
			sb_printf(sb, "%" PRId64, f->num);
	}
}

/* The short formatter of each kind; the rest print their fields. */
static const summary_fn summaries[TK_COUNT] = {
	[TK_SMTP_SEND] = sum_line,	 [TK_POP3_SEND] = sum_line,	   [TK_IMAP_SEND] = sum_line,
	[TK_SMTP_DATA] = sum_data,	 [TK_IMAP_DATA] = sum_data,	   [TK_POP3_DATA] = sum_data,
	[TK_SIM_END] = sum_end,		 [TK_FILTER_CHECK] = sum_check,	   [TK_POLICY_DECISION] = sum_policy,
	[TK_ROUTE_MX] = sum_route,	 [TK_MAILBOX_STORE] = sum_store,   [TK_MSG_HEADER] = sum_header,
	[TK_DSN_CREATE] = sum_dsn,	 [TK_FAULT_START] = sum_fault,	   [TK_FAULT_END] = sum_fault,
	[TK_DNS_QUERY] = sum_dns_query,	 [TK_DNS_ANSWER] = sum_dns_answer, [TK_DNS_CACHE] = sum_dns_answer,
	[TK_NET_CONNECT] = sum_net,	 [TK_NET_ACCEPT] = sum_net,	   [TK_NET_REFUSED] = sum_net,
	[TK_NET_TIMEOUT] = sum_net,	 [TK_QUEUE_ENTER] = sum_queue,	   [TK_QUEUE_ATTEMPT] = sum_queue,
	[TK_QUEUE_DEFER] = sum_queue,	 [TK_QUEUE_BOUNCE] = sum_queue,	   [TK_QUEUE_DONE] = sum_queue,
};

void trace_transcript_line(const struct trace_event *ev, struct strbuf *sb)
{
	if (ev->id == TK_NARRATE) {
		sb_printf(sb, "\n      >> %s\n\n", S(ev, "text"));
		return;
	}
	char t[32];
	trace_format_time(ev->t, t, sizeof t);
	sb_printf(sb, "%12s  ", t);
	if (ev->node && ev->peer)
		sb_printf(sb, "%s -> %s  ", ev->node, ev->peer);
	else if (ev->node)
		sb_printf(sb, "%s  ", ev->node);
	if (ev->msg)
		sb_printf(sb, "[%s] ", ev->msg);
	if (ev->rcpt)
		sb_printf(sb, "<%s> ", ev->rcpt);
	summary_fn fn = (unsigned)ev->id < TK_COUNT && summaries[ev->id] ? summaries[ev->id] : sum_generic;
	fn(sb, ev);
	sb_putc(sb, '\n');
}
