/* dkim_tags.c — DKIM's tag=value lists (RFC 6376 §3.2), the syntax of
 * both the DKIM-Signature field and the key record (§3.6.1): parsing with
 * the raw value spans the signed data needs, lookups, colon-separated
 * lists and base64 with folding white space (§2.4). Plain text, no crypto. */
#include "dkim_tags.h"

#include <stdlib.h>
#include <string.h>

void dkim_tags_free(struct dkim_tags *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		free(tl->t[i].value);
	tl->n = 0;
}

static bool tag_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= sizeof ((struct dkim_tag *)0)->name ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

const struct dkim_tag *dkim_tags_find(const struct dkim_tags *tl, const char *name)
{
	for (size_t i = 0; i < tl->n; i++)
		if (strcmp(tl->t[i].name, name) == 0) /* tag names are case-sensitive */
			return &tl->t[i];
	return NULL;
}

const char *dkim_tags_get(const struct dkim_tags *tl, const char *name)
{
	const struct dkim_tag *t = dkim_tags_find(tl, name);
	return t ? t->value : NULL;
}

/* One tag-spec s[a, b): [FWS] name [FWS] "=" [FWS] value [FWS]. */
static bool tag_add(const char *s, size_t a, size_t b, struct dkim_tags *tl)
{
	const char *eq = memchr(s + a, '=', b - a);
	if (!eq || tl->n == DKIM_MAX_TAGS)
		return false;
	size_t na = a, nb = (size_t)(eq - s);
	while (na < nb && is_fws(s[na]))
		na++;
	while (nb > na && is_fws(s[nb - 1]))
		nb--;
	if (!tag_name_ok(s + na, nb - na))
		return false;
	struct dkim_tag *t = &tl->t[tl->n];
	memcpy(t->name, s + na, nb - na);
	t->name[nb - na] = '\0';
	if (dkim_tags_find(tl, t->name))
		return false; /* duplicate names invalidate the whole list */
	t->vstart = (size_t)(eq - s) + 1;
	t->vend = b;
	size_t va = t->vstart, vb = b;
	while (va < vb && is_fws(s[va]))
		va++;
	while (vb > va && is_fws(s[vb - 1]))
		vb--;
	t->value = xstrndup(s + va, vb - va);
	tl->n++;
	return true;
}

/* Parse s[0, len). Only the last tag-spec may be empty (a trailing ';'). */
bool dkim_tags_parse(const char *s, size_t len, struct dkim_tags *tl)
{
	size_t a = 0;
	tl->n = 0;
	while (a <= len) {
		const char *semi = memchr(s + a, ';', len - a);
		size_t b = semi ? (size_t)(semi - s) : len;
		size_t k = a;
		while (k < b && is_fws(s[k]))
			k++;
		bool empty = k == b;
		if (empty ? semi != NULL || a == 0 : !tag_add(s, a, b, tl)) {
			dkim_tags_free(tl);
			return false;
		}
		a = b + 1;
	}
	return true;
}

/* A colon-separated list (h=, q=, key h= s= t=) split and trimmed. */
size_t dkim_split_colon_list(const char *v, char ***out)
{
	size_t n = 0;
	*out = NULL;
	for (const char *p = v;;) {
		const char *c = strchr(p, ':');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		const char *a = p, *b = p + len;
		while (a < b && is_fws(*a))
			a++;
		while (b > a && is_fws(b[-1]))
			b--;
		*out = xrealloc(*out, (n + 1) * sizeof **out);
		(*out)[n++] = xstrndup(a, (size_t)(b - a));
		if (!c)
			return n;
		p = c + 1;
	}
}

void dkim_free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

bool dkim_list_has(const char *v, const char *want)
{
	char **l;
	size_t n = dkim_split_colon_list(v, &l);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		found = found || ascii_strcaseeq(l[i], want);
	dkim_free_list(l, n);
	return found;
}

/* base64 with FWS anywhere in it (base64string, §2.4). */
long dkim_b64_decode_fws(const char *in, unsigned char **out)
{
	char *clean = xmalloc(strlen(in) + 1);
	size_t n = 0;
	for (const char *p = in; *p; p++)
		if (!is_fws(*p))
			clean[n++] = *p;
	clean[n] = '\0';
	long r = b64_decode(clean, out);
	free(clean);
	return r;
}
