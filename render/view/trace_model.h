/* trace_model.h — the viewer's read-only, compact copy of a trace.
 *
 * The JSONL text is borrowed, never copied, and scanned up front (no tree
 * is built) into an array of fixed-size tm_event records; the rest of each
 * event is read from its line when first asked for. Fields the trace
 * leaves out because a conn's first event implies them (node, peer; seq
 * is the event's index) are filled in. Everything the viewer shows
 * comes from here, so the renderer never looks at the simulator.
 *
 * Invariants:
 *  - t_us is parsed from the number's text (seconds with at most 6
 *    decimals), never through a double, so it is exact.
 *  - node/peer index model->nodes: the scenario's hosts first, in the order
 *    given, then any other name the trace mentions, in order of first use.
 *  - tm_summary is never NULL and holds no control characters; tm_bubble
 *    is non-NULL exactly for kinds that travel from node to peer.
 *  - Pointers the accessors return live as long as the model.
 *  - A malformed line is an error naming its 1-based line number. */
#ifndef MAILSIM_TRACE_MODEL_H
#define MAILSIM_TRACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_text.h"
#include "view.h"

enum tm_kind {
	TM_SIM_START, TM_SIM_END, TM_NARRATE, TM_MSG_COMPOSE, TM_MSG_HEADER,
	TM_DNS_QUERY, TM_DNS_ANSWER, TM_DNS_CACHE, TM_DNS_TIMEOUT,
	TM_NET_CONNECT, TM_NET_ACCEPT, TM_NET_REFUSED, TM_NET_TIMEOUT,
	TM_NET_CLOSE, TM_TLS_START, TM_TLS_OK, TM_TLS_FAIL,
	TM_SMTP_SEND, TM_SMTP_DATA, TM_POP3_SEND, TM_IMAP_SEND,
	TM_POP3_DATA, TM_IMAP_DATA, /* a fetched message, server to client */
	TM_ROUTE_MX, TM_QUEUE_ENTER, TM_QUEUE_ATTEMPT, TM_QUEUE_DEFER,
	TM_QUEUE_BOUNCE, TM_QUEUE_EXPIRE, TM_QUEUE_DONE,
	TM_MAILBOX_STORE, TM_MAILBOX_FETCH, TM_DSN_CREATE,
	TM_FILTER_CHECK, TM_POLICY_DECISION, TM_FAULT_START, TM_FAULT_END,
	TM_OTHER, /* a kind this viewer does not know: shown, not animated */
	TM_KIND_COUNT
};

enum tm_dir { TM_DIR_NONE, TM_DIR_C2S, TM_DIR_S2C };


/* One event: a fixed-size record. The line's text stays in the trace's
 * text (not copied); summary, bubble, text and the other fields are built
 * from it on first use (tm_summary, tm_bubble, tm_text, tm_get) and kept. */
struct tm_lazy;
struct tm_event {
	int64_t t_us;
	const char *msg;  /* interned (model-owned); NULL when absent */
	const char *rcpt; /* interned (model-owned); NULL when absent */
	const char *line; /* the event's JSON object inside the model's text */
	struct tm_lazy *lazy; /* owned; NULL until a lazy field is asked for */
	uint32_t len;     /* bytes of line */
	int32_t seq;      /* -1 when absent */
	int32_t node, peer; /* -1 when absent */
	int32_t conn;     /* -1 when absent */
	int32_t cur_conn; /* conn of the latest event at or before with one */
	int32_t narration; /* index of the latest narrate at or before, or -1 */
	int32_t msg_idx;  /* index into model->msgs of msg, or -1 */
	uint32_t dns_back; /* a dns.cache that repeats one (no answers): how many
			    * events back that one is; 0 otherwise */
	uint16_t port;    /* net.* events; 0 when absent */
	uint8_t kind;     /* enum tm_kind */
	uint8_t dir;      /* enum tm_dir */
};

struct tm_record {
	char *name, *type, *data; /* owned */
};

struct tm_node {
	char *name;       /* owned */
	char *role;       /* owned; "" when the scenario did not name the host */
	char *ip;         /* owned; "" when unknown */
	bool has_pos;
	double x, y;
	struct tm_record *records; /* owned; zone data when the input had it */
	size_t nrecords;
	bool has_zone;    /* the input supplied zone data (maybe empty) */
};

/* One connection's events in trace order, for the ladder diagram. */
struct tm_conn {
	long id;
	int client, server; /* -1 until an event shows which side is which */
	uint16_t port;      /* the port its first net.* event said once its ends are known; 0 */
	uint32_t *evs;      /* owned; event indices */
	size_t nevs, cap;
};

/* A message as the viewer tells messages apart: by id, in order of first
 * mention. A delivery report (named by a dsn.create's dsn_msg) records its
 * action and the message it reports on. */
struct tm_msg {
	char *id;          /* owned */
	int dsn_of;        /* index of the reported message, or -1 */
	bool dsn_failed;   /* action "failed" (a bounce), else "delayed" */
	long compose_ev;   /* its first msg.compose event, or -1 */
};

struct tm_model {
	struct tm_event *ev; /* owned */
	size_t nev, evcap;
	struct tm_node *nodes; /* owned */
	size_t nnodes, nodecap;
	struct tm_conn *conns; /* owned; in order of first appearance */
	size_t nconns, conncap;
	struct tm_msg *msgs;   /* owned; in order of first mention */
	size_t nmsgs;
	size_t kind_count[TM_KIND_COUNT]; /* events of each kind (the snapshot
				* sizes its tables from them, snapshot.c) */
	struct tm_intern *intern; /* owned; msg ids and rcpts, by hash */
	const char *text;      /* the trace's text, which events point into:
				* borrowed from tm_parse's caller, or what
				* tm_open mapped or read (then the model's) */
	size_t text_len;
	void *map;             /* owned (munmap) when tm_open mapped the file */
	char *read_buf;        /* owned when tm_open read a pipe */
};

/* Parse the whole trace. NULL on error with "trace line N: why" in err.
 * The text is not copied: it must stay unchanged until tm_free. */
struct tm_model *tm_parse(const char *text, size_t len,
			  const struct view_host *hosts, size_t nhosts,
			  char *err, size_t errsz);
/* A trace file ("-": standard input): a regular file is mapped read-only
 * and left there (the model holds ~80 bytes per event plus its tables);
 * a pipe is read into memory. NULL on error with the reason in err.
 * (trace_model_file.c) */
struct tm_model *tm_open(const char *path, const struct view_host *hosts, size_t nhosts,
			 char *err, size_t errsz);
/* What tm_open mapped or read (tm_free calls it). */
void tm_release_text(struct tm_model *m);
void tm_free(struct tm_model *m);

const char *tm_kind_name(const struct tm_event *e);
bool tm_kind_travels(enum tm_kind k);
bool tm_kind_is_decision(enum tm_kind k);
/* smtp.data, imap.data, pop3.data: a whole message travels (an envelope). */
bool tm_kind_carries_message(enum tm_kind k);

/* The one-line event-list summary; never NULL. */
const char *tm_summary(const struct tm_event *e);
/* The label of the travelling item; non-NULL exactly for travelling kinds. */
const char *tm_bubble(const struct tm_event *e);
/* The protocol line (*.send) or narration, on one line; else NULL. A line
 * event may carry several lines (ARCHITECTURE.md, "Folded lines"): this is
 * the first; tm_text_line(e, i) is line i of tm_text_lines(e) (0 for an
 * event without text), NULL past the end. */
const char *tm_text(const struct tm_event *e);
size_t tm_text_lines(const struct tm_event *e);
const char *tm_text_line(const struct tm_event *e, size_t i);
/* The summary built afresh without keeping it (for a pass over every
 * event that must not grow the model). Owned by the caller. */
char *tm_summary_dup(const struct tm_event *e);
/* The same into sb, replacing what it held: no allocation per event once
 * sb has grown (util.h's struct strbuf). */
void tm_summary_into(const struct tm_event *e, struct strbuf *sb);

/* A field's value (arrays joined with ", "), or NULL when absent. */
const char *tm_get(const struct tm_event *e, const char *key);
const struct tm_field *tm_get_field(const struct tm_event *e, const char *key);
/* An integer field; dflt when absent or not an integer. */
long tm_get_long(const struct tm_event *e, const char *key, long dflt);
/* A seconds field (next_attempt, until, age) as exact µs. */
bool tm_get_us(const struct tm_event *e, const char *key, int64_t *out);

/* The same values for a pass over many events (the snapshot's walk): read
 * from the line again each time and interned in the model, so nothing is
 * kept per event and every pointer lives as long as the model. */
const char *tm_peek(const struct tm_model *m, const struct tm_event *e, const char *key);
long tm_peek_long(const struct tm_model *m, const struct tm_event *e, const char *key, long dflt);
bool tm_peek_us(const struct tm_model *m, const struct tm_event *e, const char *key,
		int64_t *out);
/* A string field's text in the line itself, when it needs no decoding
 * (no escapes): *s and *n, not NUL-terminated, valid as long as the
 * model; nothing interned. False when it is absent, escaped or not a
 * string (tm_peek then gives its value). For lookups that only compare. */
bool tm_peek_raw(const struct tm_model *m, const struct tm_event *e, const char *key,
		 const char **s, size_t *n);
/* An array field's items, interned; *n gets their count. The array itself
 * is valid until the next tm_peek_items; NULL (and 0) when key is absent or
 * not an array. */
const char *const *tm_peek_items(const struct tm_model *m, const struct tm_event *e,
				 const char *key, size_t *n);

/* The message index of an id, or -1. */
int tm_msg_find(const struct tm_model *m, const char *id);

/* The connection record for id, or NULL. */
const struct tm_conn *tm_conn_find(const struct tm_model *m, long id);

/* Next decision strictly after `from` (-1 = before the start), or -1. */
long tm_next_decision(const struct tm_model *m, long from);
/* Previous decision strictly before `from`, or -1. */
long tm_prev_decision(const struct tm_model *m, long from);
/* The last event with t <= t_us, or -1 when t_us precedes them all. */
long tm_event_at_time(const struct tm_model *m, int64_t t_us);

/* "12.000150": seconds with 6 decimals, as the trace prints them. */
void tm_format_time(int64_t t_us, char *out, size_t outsz);
/* Parse that form (at most 6 decimals, no sign or exponent) exactly. */
bool tm_parse_seconds(const char *s, size_t len, int64_t *out_us);

#endif
