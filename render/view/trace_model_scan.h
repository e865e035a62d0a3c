/* trace_model_scan.h — a small JSON scanner for one trace line: it checks
 * the line is one JSON object (RFC 8259 grammar) and reports each top-level
 * member's key and the raw extent of its value, without building a tree.
 * Nested objects and arrays in a value are checked and skipped.
 *
 * Invariants: nothing is allocated except by tms_unescape; a value's raw
 * text (val/vlen) is a slice of the line, strings with their quotes. */
#ifndef MAILSIM_TRACE_MODEL_SCAN_H
#define MAILSIM_TRACE_MODEL_SCAN_H

#include <stdbool.h>
#include <stddef.h>

enum tms_type { TMS_STRING, TMS_NUMBER, TMS_OBJECT, TMS_ARRAY, TMS_TRUE, TMS_FALSE, TMS_NULL };

struct tms_member {
	const char *key;  /* between the quotes, raw (escapes not decoded) */
	size_t klen;
	bool kesc;        /* the key has a backslash escape */
	enum tms_type type;
	const char *val;  /* the value's whole raw text; a string with its quotes */
	size_t vlen;
	bool vesc;        /* a string value with a backslash escape */
};

/* Called for each top-level member in order; returning false stops the scan
 * (tms_object then returns TMS_STOPPED). */
typedef bool (*tms_visit)(void *ctx, const struct tms_member *mb);

enum tms_result {
	TMS_OK,
	TMS_STOPPED,     /* the visitor said stop */
	TMS_BAD_JSON,    /* not valid JSON */
	TMS_NOT_OBJECT,  /* valid JSON, but not an object */
	TMS_TRAILING,    /* an object, then more than blanks */
};

/* Scan line[0..len). On TMS_BAD_JSON / TMS_TRAILING, *col is the 1-based
 * byte column of the first offending byte (len + 1 at the end of line). */
enum tms_result tms_object(const char *line, size_t len, tms_visit visit, void *ctx,
			   size_t *col);

/* Is the member's key `key` (decoding escapes when there are any)? */
bool tms_key_is(const struct tms_member *mb, const char *key);

/* A string value's content, decoded (\uXXXX to UTF-8, surrogate pairs
 * joined, a lone surrogate as U+FFFD). Owned by the caller. The member
 * must be a TMS_STRING from a successful scan. */
char *tms_unescape(const struct tms_member *mb);

/* The first top-level member named key of a line tms_object accepted. */
bool tms_find(const char *line, size_t len, const char *key, struct tms_member *out);

#endif
