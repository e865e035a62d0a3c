/* jsonw.h — writing JSON text into a strbuf, fast: the trace writes a
 * few of these per event, millions of events per run. */
#ifndef MAILSIM_JSONW_H
#define MAILSIM_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* JSON string literal (with quotes) of s[0..len), appended to sb: valid
 * JSON whatever the bytes (invalid UTF-8 becomes U+FFFD, a NUL \u0000). */
void json_put_string(struct strbuf *sb, const char *s, size_t len);
/* ,"key": (the key escaped like a string when it needs to be). */
void json_put_key(struct strbuf *sb, const char *key);
/* A decimal integer. */
void json_put_int(struct strbuf *sb, int64_t v);
/* The decimal digits of v written backwards from end (room for 20);
 * returns the first. */
char *json_u64_digits(uint64_t v, char *end);

#endif
