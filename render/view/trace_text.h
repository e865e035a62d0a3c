/* trace_text.h — text helpers private to the trace model: finding a raw
 * value in a JSON line, expanding the per-kind label templates, and keeping
 * labels on one line.
 *
 * Invariants: nothing here allocates except through util.h (never NULL);
 * templates are our own constants, so a bad template is our bug. */
#ifndef MAILSIM_TRACE_TEXT_H
#define MAILSIM_TRACE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util.h"

/* A kind-specific field (queue_id, rcpts, next_attempt, answers, name,
 * value ...), kept for the inspectors and badges. Numbers keep the text the
 * trace wrote ("331.210000"), so times read back exactly; strings keep
 * their bytes (a folded header value keeps its CRLF). */
struct tm_field {
	char *key;      /* owned */
	char *val;      /* owned; arrays joined with ", " */
	char **items;   /* owned; the elements of an array, else NULL */
	size_t nitems;
};


/* Find the raw text of a top-level key's scalar value in a JSON object line
 * that cJSON already accepted. The value runs to the next ',', '}' or
 * whitespace. False when the key is not a top-level key. */
bool tt_find_top_value(const char *line, size_t len, const char *key,
		       const char **val, size_t *vlen);

/* Expand a template: literal text with {field} placeholders, where
 * {a|b} takes the first of a, b that renders non-empty. Strings print as
 * they are, numbers without trailing zeros, arrays joined with ", ".
 * The result is owned by the caller, trimmed, and on one line. */
char *tt_expand(const char *tmpl, const cJSON *obj);
/* The same from a trace line without parsing it into a tree: what
 * tt_expand gives on the line's object, or NULL when a value needs cJSON
 * (a key the line leaves out, a string with escapes, an array or an
 * object); then parse and call tt_expand. */
char *tt_expand_line(const char *tmpl, const char *line, size_t len);
/* tt_expand_line into sb (cleared first, its text terminated): false
 * where tt_expand_line gives NULL. For a pass over every event. */
bool tt_expand_line_into(const char *tmpl, const char *line, size_t len, struct strbuf *sb);

/* A value as tm_get shows it (strings as they are, numbers without
 * trailing zeros, arrays joined with ", "); "" for NULL. Owned by the
 * caller. */
char *tt_value_text(const cJSON *v);

/* Replace control characters (CR, LF, TAB, ...) by spaces, in place. */
void tt_one_line(char *s);

/* Copy every top-level key of obj except those in `skip` (a list of names
 * each surrounded by spaces, " t seq kind ") into an owned field array.
 * line/len is the object's text, for numbers' exact digits. */
size_t tt_read_fields(const cJSON *obj, const char *line, size_t len,
		      const char *skip, struct tm_field **out);
void tt_free_fields(struct tm_field *f, size_t n);

#endif
