/* net_line.c — protocol lines and blocks on a connection (net.h): each
 * is sent with net_send2 and written to the trace as one event, unless
 * nothing reads the trace (trace_wanted), when it is only counted. */
#include "net.h"

#include <string.h>

#include "sim.h"
#include "trace.h"
#include "util.h"

static struct host *net_side_host(const struct conn *c, enum conn_side s)
{
	return s == SIDE_CLIENT ? c->cli : c->srv;
}

static void trace_wire(struct conn *c, enum conn_side from, enum trace_kind kind)
{
	struct sim *sim = c->sim;
	struct host *src = net_side_host(c, from), *dst = net_side_host(c, conn_other(from));
	/* Borrowed: the hosts' names and the conn outlive the event. */
	trace_begin(sim->trace, sim->now, kind);
	trace_node_ref(sim->trace, src->name);
	trace_peer_ref(sim->trace, dst ? dst->name : c->dst_ip);
	trace_conn(sim->trace, c->id);
	trace_str_ref(sim->trace, "dir", from == SIDE_CLIENT ? "c2s" : "s2c");
}

/* A wire event nothing reads (no sink, no hook: trace_wanted) is only
 * counted, as trace_begin/trace_end do for any quiet event; its fields
 * would go nowhere, so they are not gathered (two lines per command on
 * every hop). */
static bool wire_quiet(struct conn *c, enum trace_kind kind)
{
	struct trace *tr = c->sim->trace;
	if (trace_wanted(tr))
		return false;
	trace_begin(tr, c->sim->now, kind);
	trace_end(tr);
	return true;
}

void net_send_line(struct conn *c, enum conn_side from, enum trace_kind kind, const char *line)
{
	if (!wire_quiet(c, kind)) {
		trace_wire(c, from, kind);
		trace_str_ref(c->sim->trace, "line", line); /* the caller's, sent after trace_end */
		if (c->tls)
			trace_bool(c->sim->trace, "tls", true);
		trace_end(c->sim->trace);
	}
	net_send2(c, from, line, strlen(line), "\r\n", 2);
}

/* One block event: bytes, lines, summary (and the message it carries). */
static void trace_block(struct conn *c, enum conn_side from, enum trace_kind kind,
			const char *msg_tag, uint64_t bytes, size_t nlines, const char *summary)
{
	if (wire_quiet(c, kind))
		return;
	trace_wire(c, from, kind);
	if (msg_tag)
		trace_msg(c->sim->trace, msg_tag);
	trace_int(c->sim->trace, "bytes", (int64_t)bytes);
	trace_int(c->sim->trace, "lines", (int64_t)nlines);
	trace_str(c->sim->trace, "summary", summary ? summary : "");
	if (c->tls)
		trace_bool(c->sim->trace, "tls", true);
	trace_end(c->sim->trace);
}

void net_send_block(struct conn *c, enum conn_side from, enum trace_kind kind, const char *bytes,
		    size_t len, size_t nlines, const char *summary, const char *msg_tag)
{
	trace_block(c, from, kind, msg_tag, len, nlines, summary);
	net_send(c, from, bytes, len);
}

/* The trace keeps C strings: a NUL octet is shown as U+2400 SYMBOL FOR
 * NULL. A bare LF inside a line (RFC 5321 §2.3.8 forbids it; live clients
 * may still send one) is shown as U+240A SYMBOL FOR LINE FEED: in the trace
 * a \n only ever separates folded lines (ARCHITECTURE.md, "Folded lines"). */
static void put_line_shown(struct trace *tr, const char *line, size_t n)
{
	struct strbuf shown;
	sb_init(&shown);
	for (const char *p = line, *end = line + n; p < end;) {
		size_t k = 0;
		while (p + k < end && p[k] != '\0' && p[k] != '\n')
			k++;
		sb_append(&shown, p, k);
		p += k;
		if (p < end) {
			sb_puts(&shown, *p ? "\xe2\x90\x8a" : "\xe2\x90\x80");
			p++;
		}
	}
	trace_strn(tr, "line", shown.data ? shown.data : "", shown.len);
	sb_free(&shown);
}

void net_trace_line(struct conn *c, enum conn_side from, enum trace_kind kind, const char *line,
		    size_t len, size_t octets)
{
	if (wire_quiet(c, kind))
		return;
	trace_wire(c, from, kind);
	put_line_shown(c->sim->trace, line, len);
	if (c->tls)
		trace_bool(c->sim->trace, "tls", true);
	if (octets > len) /* an overlong line: its start, and how long it really was */
		trace_int(c->sim->trace, "octets", (int64_t)octets);
	trace_end(c->sim->trace);
}

void net_trace_block(struct conn *c, enum conn_side from, enum trace_kind kind, uint64_t bytes,
		     size_t nlines, const char *summary)
{
	trace_block(c, from, kind, NULL, bytes, nlines, summary);
}

void net_trace_refusal(struct sim *sim, const struct host *node, const char *peer_ip,
		       enum trace_kind kind, const char *line)
{
	trace_begin(sim->trace, sim->now, kind);
	trace_node(sim->trace, node->name);
	trace_peer(sim->trace, peer_ip);
	trace_str(sim->trace, "dir", "s2c");
	trace_str(sim->trace, "line", line);
	trace_end(sim->trace);
}

void net_trace_limit(struct sim *sim, const struct host *node, const char *peer_ip,
		     const char *limit, long count, long max)
{
	trace_begin(sim->trace, sim->now, TK_LIVE_LIMIT);
	trace_node(sim->trace, node->name);
	trace_peer(sim->trace, peer_ip);
	trace_str(sim->trace, "limit", limit);
	trace_int(sim->trace, "count", count);
	trace_int(sim->trace, "max", max);
	trace_end(sim->trace);
}
