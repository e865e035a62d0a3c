/* trace_model_intern.h — the trace model's lookup tables, private to it:
 * interned strings (message ids in model->msgs order, recipients) and
 * connections by id, each an open-addressing hash table kept at most half
 * full, so opening a trace with 10^4 messages and 10^5 connections stays
 * linear.
 *
 * Invariants: a string's index never changes; str[k] is owned by the
 * table and stays put (only the array of pointers moves). */
#ifndef MAILSIM_TRACE_MODEL_INTERN_H
#define MAILSIM_TRACE_MODEL_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace_kinds.h"

struct tm_strtab {
	char **str;
	size_t nstr;
	/* A slot holds a string's index and its hash: a probe compares the
	 * hash before it reads the string (a cache miss on a big table), and
	 * growing places every string again without hashing it again. */
	struct tm_slot {
		int32_t k;     /* -1: empty */
		uint32_t hash;
	} *slot;
	size_t nslot;  /* a power of two, kept at most half full */
};

struct tm_peek_memo; /* trace_model_peek.c */

struct tm_intern {
	struct tm_strtab msgs, rcpts;
	struct tm_strtab vals;      /* values tm_peek handed out */
	struct tm_strtab kinds;     /* kind names; index = enum tm_kind */
	struct tm_strtab nodes;     /* node names; index = model->nodes' */
	struct tm_peek_memo *peek;  /* NULL until the first tm_peek */
	long *conn_id;      /* connection k's id (model->conns[k].id) */
	size_t nconn;
	int32_t *conn_slot; /* index into conn_id, -1: empty */
	size_t nconn_slot;  /* a power of two, kept at most half full */
	struct tm_strtab dnskeys; /* node, qname and qtype of a dns.cache */
	uint32_t *dns_last; /* per dnskey: the event index of its last written answer */
};

/* The index of s[0..n), or -1. */
int32_t tm_tab_find(const struct tm_strtab *t, const char *s, size_t n);
/* Add s[0..n), which is not present yet; its index. */
int32_t tm_tab_add(struct tm_strtab *t, const char *s, size_t n);
void tm_tab_free(struct tm_strtab *t, bool strings);

/* The index of connection id, or -1. */
int32_t tm_conn_lookup(const struct tm_intern *in, long id);
/* Add connection id (not present yet) as index nconn. */
void tm_conn_add(struct tm_intern *in, long id);
void tm_intern_free(struct tm_intern *in);
void tm_peek_free(struct tm_peek_memo *pm);
/* trace_model_detail.c: each kind's row (a kind is an enum tm_kind). */
enum {
	TMF_TRAVEL = 1 << 0,   /* animates from node to peer */
	TMF_DECISION = 1 << 1, /* a stop for next/previous decision */
	TMF_LINE = 1 << 2,     /* text is the required "line" field */
	TMF_NARRATE = 1 << 3,  /* text is the required "text" field */
	TMF_BODY = 1 << 4,     /* the event carries a whole message */
};
unsigned tm_kind_flags(int kind);
enum trace_kind tm_kind_tk(int kind);
/* What was read from an event's line on demand (tm_event.lazy). */
struct tm_lazy;
void tm_lazy_free(struct tm_lazy *z);
/* An event's line parsed, with the fields it left out put back
 * (trace_model_implied.c); NULL when cJSON refuses it. */
struct tm_event;
struct cJSON;
struct cJSON *tm_parse_obj(const struct tm_event *e);

/* trace_model_implied.c: what a line leaves out (ARCHITECTURE.md,
 * "Implied fields"). tm_dns_note is told of each dns.cache line, the
 * event idx of the model, in order; for one that repeats an earlier one
 * (no answers) it returns how many events back that one is, else 0. */
uint32_t tm_dns_note(struct tm_intern *in, const char *line, size_t len, int32_t node, size_t idx);
struct cJSON;
/* Put the left-out fields back into obj, a line of kind `kind` parsed: a
 * repeated dns.cache's rcode, answers and ttl from `from` (the line it
 * repeats, or NULL), a kind's usual values, a net.* event's port (0:
 * none known). */
void tm_fill_implied(struct cJSON *obj, enum trace_kind kind, const char *from, size_t from_len,
		     unsigned port);

#endif
