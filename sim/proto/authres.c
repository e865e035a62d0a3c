/* authres.c — the Authentication-Results header value [RFC 8601 §2.2]
 * (see authres.h).
 *
 * Invariants:
 *  - Each result is kept as its parts and laid out at format time in the
 *    grammar's order: method=result, comment, reason, properties
 *    [RFC 8601 §2.2 resinfo = methodspec [reasonspec] *propspec].
 *  - Folding only ever inserts CRLF+TAB where a single space would
 *    otherwise be, so unfolding [RFC 5322 §2.2.3] gives back the one-line
 *    form with that space replaced by a tab. */
#include "authres.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct ar_result {
	char *method, *result; /* owned */
	char *comment;         /* owned, NULL = none; already sanitised */
	char *reason;          /* owned, NULL = none; raw text */
	char **props;          /* owned "ptype.prop=value" words, already quoted */
	size_t nprops;
};

struct authres {
	char *authserv_id;         /* owned */
	struct ar_result *results; /* owned array */
	size_t n, cap;
};

struct authres *authres_new(const char *authserv_id)
{
	struct authres *ar = xcalloc(1, sizeof *ar);
	ar->authserv_id = xstrdup(authserv_id);
	return ar;
}

void authres_free(struct authres *ar)
{
	if (!ar)
		return;
	for (size_t i = 0; i < ar->n; i++) {
		struct ar_result *r = &ar->results[i];
		free(r->method);
		free(r->result);
		free(r->comment);
		free(r->reason);
		for (size_t k = 0; k < r->nprops; k++)
			free(r->props[k]);
		free(r->props);
	}
	free(ar->results);
	free(ar->authserv_id);
	free(ar);
}

size_t authres_count(const struct authres *ar)
{
	return ar->n;
}

void authres_add(struct authres *ar, const char *method, const char *result)
{
	if (ar->n == ar->cap) {
		ar->cap = ar->cap ? ar->cap * 2 : 4;
		ar->results = xrealloc(ar->results, ar->cap * sizeof *ar->results);
	}
	struct ar_result *r = &ar->results[ar->n++];
	memset(r, 0, sizeof *r);
	r->method = xstrdup(method);
	r->result = xstrdup(result);
}

static struct ar_result *last(struct authres *ar)
{
	assert(ar->n > 0 && "authres: comment/reason/prop before authres_add");
	return &ar->results[ar->n - 1];
}

void authres_comment(struct authres *ar, const char *text)
{
	struct ar_result *r = last(ar);
	free(r->comment);
	r->comment = xstrdup(text);
	/* Keep the comment one unbreakable word without nesting rules. */
	for (char *p = r->comment; *p; p++)
		if (*p == '(' || *p == ')' || *p == '\\' || *p == '\r' || *p == '\n')
			*p = ' ';
}

void authres_reason(struct authres *ar, const char *text)
{
	struct ar_result *r = last(ar);
	free(r->reason);
	r->reason = xstrdup(text);
}

/* RFC 2045 §5.1 token: CHAR except SPACE, CTLs and tspecials. */
static bool is_token_char(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_token_char((unsigned char)*s))
			return false;
	return true;
}

/* atext [RFC 5322 §3.2.3] plus '.' for a dot-atom local part. */
static bool is_atext_or_dot(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

/* pvalue may be [local-part] "@" domain-name [RFC 8601 §2.2]. */
static bool is_addr_value(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || strchr(at + 1, '@') || at[1] == '\0')
		return false;
	for (const char *p = s; p < at; p++)
		if (!is_atext_or_dot((unsigned char)*p))
			return false;
	for (const char *p = at + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.' || *p == '_'))
			return false;
	return true;
}

/* quoted-string [RFC 5322 §3.2.4]: '"' and '\' escaped, CR/LF dropped. */
static void put_quoted(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n')
			continue;
		if (*s == '"' || *s == '\\')
			sb_putc(sb, '\\');
		sb_putc(sb, *s);
	}
	sb_putc(sb, '"');
}

void authres_prop(struct authres *ar, const char *ptype_prop, const char *value)
{
	struct ar_result *r = last(ar);
	struct strbuf sb;
	sb_init(&sb);
	sb_printf(&sb, "%s=", ptype_prop);
	if (is_token(value) || is_addr_value(value))
		sb_puts(&sb, value);
	else
		put_quoted(&sb, value);
	r->props = xrealloc(r->props, (r->nprops + 1) * sizeof *r->props);
	r->props[r->nprops++] = sb_steal(&sb);
}

/* ---- layout ------------------------------------------------------------- */

/* The words of one result in grammar order; each is never split. */
static size_t result_words(const struct ar_result *r, char ***out)
{
	size_t n = 0;
	char **w = xcalloc(3 + r->nprops, sizeof *w);
	w[n++] = xasprintf("%s=%s", r->method, r->result);
	if (r->comment)
		w[n++] = xasprintf("(%s)", r->comment);
	if (r->reason) {
		struct strbuf sb;
		sb_init(&sb);
		sb_puts(&sb, "reason=");
		put_quoted(&sb, r->reason);
		w[n++] = sb_steal(&sb);
	}
	for (size_t k = 0; k < r->nprops; k++)
		w[n++] = xstrdup(r->props[k]);
	*out = w;
	return n;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

void authres_format(const struct authres *ar, struct strbuf *out)
{
	sb_puts(out, ar->authserv_id);
	if (ar->n == 0) {
		sb_puts(out, "; none"); /* RFC 8601 §2.2: no-result */
		return;
	}
	for (size_t i = 0; i < ar->n; i++) {
		char **w;
		size_t nw = result_words(&ar->results[i], &w);
		sb_putc(out, ';');
		for (size_t k = 0; k < nw; k++) {
			sb_putc(out, ' ');
			sb_puts(out, w[k]);
		}
		free_words(w, nw);
	}
}

/* Folding state: the column of the line being written. */
struct fold {
	struct strbuf *out;
	size_t col;
};

static void fold_break(struct fold *f)
{
	sb_puts(f->out, "\r\n\t");
	f->col = 1;
}

static void fold_put(struct fold *f, const char *s)
{
	sb_puts(f->out, s);
	f->col += strlen(s);
}

/* Lay out one result; tail is 1 when a ';' will follow it. */
static void fold_result(struct fold *f, char **w, size_t nw, size_t tail)
{
	size_t whole = 0;
	for (size_t k = 0; k < nw; k++)
		whole += 1 + strlen(w[k]);
	if (f->col + whole + tail > AUTHRES_LINE_MAX)
		fold_break(f); /* prefer to fold at the ';' boundary */
	for (size_t k = 0; k < nw; k++) {
		size_t need = strlen(w[k]) + (k + 1 == nw ? tail : 0);
		bool line_start = f->col == 1 && k == 0;
		if (!line_start && f->col + 1 + need > AUTHRES_LINE_MAX && f->col > 1)
			fold_break(f);
		else if (!line_start)
			fold_put(f, " ");
		fold_put(f, w[k]);
	}
}

void authres_format_folded(const struct authres *ar, size_t first_col, struct strbuf *out)
{
	struct fold f = {.out = out, .col = first_col};
	fold_put(&f, ar->authserv_id);
	if (ar->n == 0) {
		fold_put(&f, "; none");
		return;
	}
	for (size_t i = 0; i < ar->n; i++) {
		char **w;
		size_t nw = result_words(&ar->results[i], &w);
		fold_put(&f, ";");
		fold_result(&f, w, nw, i + 1 < ar->n ? 1 : 0);
		free_words(w, nw);
	}
}

bool authres_claims_id(const char *value, const char *authserv_id)
{
	const char *p = value;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	size_t n = strlen(authserv_id);
	if (n == 0 || !ascii_strncaseeq(p, authserv_id, n))
		return false;
	char c = p[n];
	return c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == '\0';
}
