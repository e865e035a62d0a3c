/* jsonpos.h — where in the source text each cJSON node came from, so that
 * scenario errors can say file:line:col.
 *
 * cJSON records no positions. jsonpos_build() re-reads the exact text the
 * tree was parsed from, in lockstep with the tree (cJSON keeps object
 * members and array elements in source order, duplicate keys included), and
 * records for every node where its value starts and, for object members,
 * where the key string starts.
 *
 * Conventions: lines and columns are 1-based; a column counts bytes from the
 * start of the line (a UTF-8 character of n bytes advances it by n; a tab by
 * 1); a UTF-8 byte-order mark at the start of the text is not counted, since
 * editors do not show it. Line breaks are "\n" (a "\r" before it is just a
 * byte at the end of the line).
 *
 * Lookup is keyed by node pointer. That is fine here and only here: the
 * table serves error messages and never influences simulation output. */
#ifndef MAILSIM_JSONPOS_H
#define MAILSIM_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct jsonpos; /* opaque table */

/* text: the NUL-terminated text root was parsed from (cJSON_Parse or
 * cJSON_ParseWithOpts). NULL only if text and tree disagree (a different
 * text, or a tree edited after parsing). */
struct jsonpos *jsonpos_build(const char *text, const cJSON *root);
/* The same for cJSON_ParseWithLength: text need not be NUL-terminated. */
struct jsonpos *jsonpos_build_len(const char *text, size_t len, const cJSON *root);
void jsonpos_free(struct jsonpos *p);

/* Where node's value starts (its '{', '[', '"', digit, '-', t, f or n).
 * False if node is not in the table (e.g. created after parsing). */
bool jsonpos_value(const struct jsonpos *p, const cJSON *node, int *line, int *col);
/* The same place as a byte offset into the text (for a string: its opening
 * quote), to read what cJSON does not keep, e.g. a "\u0000" escape. */
bool jsonpos_value_offset(const struct jsonpos *p, const cJSON *node, size_t *offset);
/* Where an object member's key string starts (its opening quote). False
 * for array elements, the root, and nodes not in the table. */
bool jsonpos_key(const struct jsonpos *p, const cJSON *node, int *line, int *col);

/* Line and column of a byte offset into text, with the conventions above.
 * For parse errors: offset = (return_parse_end or cJSON_GetErrorPtr()) -
 * text. text holds len bytes (it need not be NUL-terminated); an offset
 * past the end of text is taken as the end. */
void jsonpos_offset_to_linecol(const char *text, size_t len, size_t offset, int *line, int *col);

/* The first object member, in source order anywhere under root, whose key
 * equals (byte for byte, as cJSON_GetObjectItemCaseSensitive compares) the
 * key of an earlier member of the same object; *first (if not NULL) gets
 * that earlier member. NULL if there is none. Keys cut short by "\u0000"
 * compare as cJSON stores them, i.e. cut short. */
const cJSON *jsonpos_find_duplicate_key(const cJSON *root, const cJSON **first);

#endif
