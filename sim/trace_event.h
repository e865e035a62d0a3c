/* trace_event.h — one trace event as built and as written: its common
 * fields and its kind-specific fields in the order added (trace.h builds
 * and writes them; trace_transcript.h describes them to a human). */
#ifndef MAILSIM_TRACE_EVENT_H
#define MAILSIM_TRACE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trace_kinds.h"

enum trace_ftype { TF_STR, TF_INT, TF_BOOL, TF_STRV, TF_TIME };

struct trace_field {
	const char *key;         /* static string */
	enum trace_ftype type;
	char *str;               /* TF_STR; the trace's, valid until the event is written */
	int64_t num;             /* TF_INT / TF_BOOL */
	char **strv;             /* TF_STRV; the trace's, like str */
	size_t n;                /* TF_STRV: entries; TF_STR: strlen(str) */
};

/* The event being built; hooks see it read-only before it is written. */
struct trace_event {
	int64_t t;
	uint64_t seq;
	enum trace_kind id;      /* the vocabulary's kind (trace_kinds.h) */
	const char *kind;        /* its name, from the table */
	char *node, *peer, *msg, *rcpt;   /* the trace's, may be NULL */
	long conn;               /* -1 when absent */
	struct trace_field *f;   /* owned; the strings live in the trace's
				  * per-event scratch, reused by the next event.
				  * With no sink and no hook the trace keeps no
				  * strings at all (they read as NULL). */
	size_t nf, capf;
};

/* Two field keys (or a key and a short constant) equal. Keys are string
 * literals, and the linker keeps one copy of equal literals, so a match
 * is nearly always the same address; a mismatch nearly always differs in
 * the first byte. strcmp only settles the rest (equal text at two
 * addresses, which C allows). */
static inline bool trace_key_eq(const char *a, const char *b)
{
	return a == b || (a[0] == b[0] && strcmp(a, b) == 0);
}

/* Field lookup on an event (NULL / false when absent). */
const char *trace_event_str(const struct trace_event *ev, const char *key);
bool trace_event_int(const struct trace_event *ev, const char *key, int64_t *out);

/* Seconds from µs into buf (>= 32 bytes), "12.000150"; with `shortest`
 * the fraction loses its trailing zeros ("1.03", "2"), still exact.
 * Returns the length. */
size_t trace_time_text(int64_t t_us, char *buf, bool shortest);
/* "12.000150" from µs (six decimals, for the transcript); buf >= 32. */
void trace_format_time(int64_t t_us, char *buf, size_t cap);

#endif
