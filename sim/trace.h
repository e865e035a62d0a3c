/* trace.h — the trace: every observable step of a run is one event.
 *
 * The trace is the product's spine: golden tests, the terminal transcript
 * and the viewer all consume the same stream. An event is built with
 * trace_begin(), the common fields and then kind-specific fields in a fixed
 * order, and written by trace_end() to every sink: JSON Lines (the
 * contract in ARCHITECTURE.md), a human transcript, an in-memory buffer.
 *
 * Invariants: key order is fixed ("t","kind", then node, peer, conn, msg,
 * rcpt as set, then the extra fields in the order added); "t" is printed
 * from the integer µs clock, exactly, in its shortest form ("1.03", "2");
 * an event's seq is its 0-based line number and is not written;
 * consecutive protocol lines of a conn in one direction at one instant
 * are written as one line event (their lines joined by \n); the
 * fields a conn's first event implies are left out (trace_ends.h), and so
 * are a t the line before has, a msg.header's node and msg the msg.header
 * or msg.compose before has, a field's usual value (DNS rcode NOERROR, TLS version
 * TLSv1.3, queue.done status 2.0.0), a net.* event's port its conn said,
 * and a dns.cache's answer that repeats its node's last for the name and
 * type (ARCHITECTURE.md); strings
 * are escaped to valid JSON (invalid UTF-8 becomes U+FFFD). */
#ifndef MAILSIM_TRACE_H
#define MAILSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "trace_event.h"
#include "trace_kinds.h"
#include "util.h"

struct trace;

/* Called before each event is written (not for narrate events), e.g. to
 * emit the scenario's narration for the step that follows. */
typedef void (*trace_hook_fn)(void *ud, struct trace *tr, const struct trace_event *ev);

struct trace *trace_new(void);
void trace_free(struct trace *tr);
void trace_set_jsonl(struct trace *tr, FILE *f);       /* not owned */
void trace_set_transcript(struct trace *tr, FILE *f);  /* not owned */
void trace_set_buffer(struct trace *tr, struct strbuf *sb); /* JSONL into memory; not owned */
void trace_set_hook(struct trace *tr, trace_hook_fn fn, void *ud);
/* Only for tests of the writer itself: accept fields the kind does not
 * declare. The simulator never sets it. */
void trace_set_loose(struct trace *tr, bool loose);
/* Whether anything reads the events (a sink or a hook). When nothing does,
 * as in a headless benchmark, events are only counted: a caller may skip
 * preparing a costly field value (it is never checked or kept). */
bool trace_wanted(const struct trace *tr);
/* JSONL lines so far, the held one included (folded lines count once). */
uint64_t trace_count(const struct trace *tr);

/* Fields added after this must be ones the kind declares
 * (trace_kinds.h); anything else aborts: an undeclared field is our bug. */
void trace_begin(struct trace *tr, int64_t t, enum trace_kind kind);
void trace_node(struct trace *tr, const char *node);
void trace_peer(struct trace *tr, const char *peer);
void trace_conn(struct trace *tr, long conn);
void trace_msg(struct trace *tr, const char *msg);
void trace_rcpt(struct trace *tr, const char *rcpt);
void trace_str(struct trace *tr, const char *key, const char *val);
void trace_strn(struct trace *tr, const char *key, const char *val, size_t len);
void trace_int(struct trace *tr, const char *key, int64_t val);
/* trace_node, trace_peer and trace_str without the copy, for the hot
 * paths: the string is borrowed and must stay valid and unchanged until
 * trace_end (a host's name, a literal, the line being sent). Builds
 * without NDEBUG (the test builds) check that at trace_end and abort if a
 * borrowed string moved or changed. */
void trace_node_ref(struct trace *tr, const char *node);
void trace_peer_ref(struct trace *tr, const char *peer);
void trace_str_ref(struct trace *tr, const char *key, const char *val);
void trace_bool(struct trace *tr, const char *key, bool val);
/* One whole policy.decision event: msg, rcpt and folder when not NULL. The
 * one writer of the kind, for the MTA, its checks and its reputation. */
void trace_policy(struct trace *tr, int64_t t, const char *node, const char *msg,
		  const char *rcpt, enum policy_decision decision, const char *reason,
		  const char *folder);
/* A simulated time (µs) printed like "t": seconds, shortest exact form. */
void trace_time(struct trace *tr, const char *key, int64_t us);
void trace_strv(struct trace *tr, const char *key, const char *const *v, size_t n);
void trace_end(struct trace *tr);
/* Write the line event held back for folding (ARCHITECTURE.md, "Folded
 * lines"): the next event, a narration or a sink change also does. Call it
 * before reading a sink while the run goes on (sim_run, sim_run_until and
 * the live loop do). */
void trace_flush(struct trace *tr);

/* A narrate event at time t (written at once, outside any event). */
void trace_narrate(struct trace *tr, int64_t t, const char *text);

#endif
