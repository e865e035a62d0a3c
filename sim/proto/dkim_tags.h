/* dkim_tags.h — tag=value lists (RFC 6376 §3.2) for dkim.c; not part of
 * the DKIM API. */
#ifndef MAILSIM_DKIM_TAGS_H
#define MAILSIM_DKIM_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define DKIM_MAX_TAGS 32

/* FWS characters (RFC 5322 §3.2.2, as §2.8 uses them). */
static inline bool is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct dkim_tag {
	char name[16];
	size_t vstart, vend; /* raw value span incl. surrounding FWS (after '=' up to ';') */
	char *value;         /* trimmed copy */
};

struct dkim_tags {
	struct dkim_tag t[DKIM_MAX_TAGS];
	size_t n;
};

void dkim_tags_free(struct dkim_tags *tl);
const struct dkim_tag *dkim_tags_find(const struct dkim_tags *tl, const char *name);
const char *dkim_tags_get(const struct dkim_tags *tl, const char *name);
/* Parse s[0, len). Only the last tag-spec may be empty (a trailing ';'). */
bool dkim_tags_parse(const char *s, size_t len, struct dkim_tags *tl);
/* A colon-separated list (h=, q=, key h= s= t=) split and trimmed. */
size_t dkim_split_colon_list(const char *v, char ***out);
void dkim_free_list(char **l, size_t n);
bool dkim_list_has(const char *v, const char *want);
/* base64 with FWS anywhere in it (base64string, §2.4). */
long dkim_b64_decode_fws(const char *in, unsigned char **out);

#endif
