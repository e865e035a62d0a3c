/* spf_macro.c — RFC 7208 §7 macros: the syntax of macro-strings and
 * domain-specs (checked when a record is parsed, §4.6) and their expansion
 * for the current <domain> (§7.3: transformers, delimiters, %{p} from the
 * validated PTR names, URL escaping of upper-case letters). Pure: the
 * values come in a struct spf_macro_vars, nothing here sends a query. */
#include "spf_macro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "util.h"

#define MACRO_DELIMS ".-+,/_="
#define MACRO_KEEP_MAX 1000u /* parts kept; larger digits mean "all" anyway */

enum mtok { MT_END, MT_LIT, MT_ESCAPE, MT_MACRO, MT_ERROR };

struct macro {
	char letter;       /* lower case */
	bool upper;        /* URL-escape the result [§7.3] */
	unsigned keep;     /* rightmost parts kept; 0 = all */
	bool reverse;
	char delims[8];    /* "" = no delimiter given */
};

/* Parse the body of "%{...}" at p (just after the brace). */
static enum mtok macro_body(const char **pp, bool exp_text, struct macro *m)
{
	const char *p = *pp;
	const char *letters = exp_text ? "slodiphcrtv" : "slodiphv"; /* c r t: exp only */
	size_t nd = 0;
	memset(m, 0, sizeof *m);
	if (!*p || !strchr(letters, *p | 0x20) || !is_alpha(*p))
		return MT_ERROR;
	m->letter = (char)(*p | 0x20);
	m->upper = *p >= 'A' && *p <= 'Z';
	for (p++; is_digit(*p); p++)
		m->keep = m->keep >= MACRO_KEEP_MAX ? MACRO_KEEP_MAX : m->keep * 10 + (unsigned)(*p - '0');
	if (is_digit(p[-1]) && m->keep == 0)
		return MT_ERROR; /* "If a DIGIT is specified, the value MUST be nonzero" */
	if (*p == 'r' || *p == 'R') {
		m->reverse = true;
		p++;
	}
	for (; *p && strchr(MACRO_DELIMS, *p); p++) {
		if (nd < sizeof m->delims - 1 && !strchr(m->delims, *p))
			m->delims[nd++] = *p;
	}
	if (*p != '}')
		return MT_ERROR;
	*pp = p + 1;
	return MT_MACRO;
}

/* Next token of a macro-string [§7.1]: a literal byte, an escape (%% %_ %-,
 * text in lit) or a macro. exp text also allows spaces [§6.2]. */
static enum mtok macro_next(const char **pp, bool exp_text, char lit[4], struct macro *m)
{
	const char *p = *pp;
	if (!*p)
		return MT_END;
	if (*p != '%') {
		bool ok = (*p >= 0x21 && *p <= 0x7e) || (exp_text && *p == ' ');
		lit[0] = *p;
		lit[1] = '\0';
		*pp = p + 1;
		return ok ? MT_LIT : MT_ERROR;
	}
	static const char *const esc[][2] = { { "%", "%" }, { "_", " " }, { "-", "%20" } };
	for (size_t i = 0; i < ARRAY_LEN(esc); i++) {
		if (p[1] == esc[i][0][0]) {
			strcpy(lit, esc[i][1]);
			*pp = p + 2;
			return MT_ESCAPE;
		}
	}
	if (p[1] != '{')
		return MT_ERROR;
	*pp = p + 2;
	return macro_body(pp, exp_text, m);
}

bool spf_macro_string_ok(const char *str, bool exp_text)
{
	char lit[4];
	struct macro m;
	enum mtok k;
	while ((k = macro_next(&str, exp_text, lit, &m)) != MT_END) {
		if (k == MT_ERROR)
			return false;
	}
	return true;
}

bool spf_macro_uses_p(const char *str, bool exp_text)
{
	char lit[4];
	struct macro m;
	enum mtok k;
	while ((k = macro_next(&str, exp_text, lit, &m)) != MT_END) {
		if (k == MT_ERROR)
			return false;
		if (k == MT_MACRO && m.letter == 'p')
			return true;
	}
	return false;
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum )   [§7.1] */
static bool toplabel_ok(const char *p, size_t n)
{
	bool alpha = false, hyphen = false;
	if (n == 0 || !is_alnum(p[0]) || !is_alnum(p[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '-')
			hyphen = true;
		else if (is_alpha(p[i]))
			alpha = true;
		else if (!is_digit(p[i]))
			return false;
	}
	return alpha || hyphen;
}

/* domain-spec = macro-string domain-end;
 * domain-end  = ( "." toplabel [ "." ] ) / macro-expand   [§7.1] */
bool spf_domain_spec_ok(const char *spec)
{
	const char *p = spec, *tail = spec;
	char lit[4];
	struct macro m;
	enum mtok k;
	bool ends_in_macro = false;
	if (!*spec)
		return false;
	while ((k = macro_next(&p, false, lit, &m)) != MT_END) {
		if (k == MT_ERROR)
			return false;
		ends_in_macro = k != MT_LIT;
		if (ends_in_macro)
			tail = p;
	}
	if (ends_in_macro)
		return true;
	size_t n = strlen(tail);
	if (n > 0 && tail[n - 1] == '.')
		n--;
	const char *dot = NULL;
	for (size_t i = 0; i < n; i++) {
		if (tail[i] == '.')
			dot = tail + i;
	}
	return dot && toplabel_ok(dot + 1, (size_t)(tail + n - dot - 1));
}

static void url_escape(const char *in, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			sb_putc(out, c);
		else
			sb_printf(out, "%%%02X", (unsigned char)c);
	}
}

/* Split on the delimiters (default "."), reverse, keep the rightmost parts,
 * join with "." [§7.3]; then URL-escape for an upper-case letter. */
static void macro_transform(const char *val, const struct macro *m, struct strbuf *out)
{
	const char *delims = m->delims[0] ? m->delims : ".";
	size_t n = 1, len = strlen(val), from = 0;
	struct strbuf tmp;
	for (size_t i = 0; i < len; i++)
		n += strchr(delims, val[i]) != NULL;
	const char **part = xcalloc(n, sizeof *part);
	size_t *plen = xcalloc(n, sizeof *plen), k = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || strchr(delims, val[i])) {
			part[k] = val + start;
			plen[k++] = i - start;
			start = i + 1;
		}
	}
	if (m->keep && m->keep < n)
		from = n - m->keep;
	sb_init(&tmp);
	for (size_t j = from; j < n; j++) {
		size_t idx = m->reverse ? n - 1 - j : j;
		if (j > from)
			sb_putc(&tmp, '.');
		sb_append(&tmp, part[idx], plen[idx]);
	}
	if (m->upper)
		url_escape(tmp.data, tmp.len, out);
	else
		sb_append(out, tmp.data, tmp.len);
	sb_free(&tmp);
	free(part);
	free(plen);
}

/* %{p} [§7.3]: <domain> itself if validated, else a validated subdomain of
 * it, else any validated name, else "unknown". */
static const char *macro_p(const struct spf_macro_vars *v, const char *d, char *buf, size_t cap)
{
	if (!dns_name_normalize(d, buf, cap))
		buf[0] = '\0';
	for (size_t i = 0; i < v->npnames; i++) {
		if (strcmp(v->pnames[i], buf) == 0)
			return v->pnames[i];
	}
	for (size_t i = 0; i < v->npnames; i++) {
		if (buf[0] && dns_name_is_under(v->pnames[i], buf))
			return v->pnames[i];
	}
	return v->npnames ? v->pnames[0] : "unknown";
}

static const char *macro_value(const struct spf_macro_vars *v, char letter, const char *d,
			       char *buf, size_t cap)
{
	switch (letter) {
	case 's': return v->sender;
	case 'l': return v->local;
	case 'o': return v->sender_dom;
	case 'd': return d;
	case 'i': return v->ip_i;
	case 'p': return macro_p(v, d, buf, cap);
	case 'v': return v->ip6 ? "ip6" : "in-addr";
	case 'h': return v->helo;
	case 'c': return v->ip_c;
	case 'r': return v->receiver;
	case 't': snprintf(buf, cap, "%lld", (long long)v->now); return buf;
	default: return "";
	}
}

/* Expand a syntax-checked macro-string for current domain d. */
void spf_macro_expand(const struct spf_macro_vars *v, const char *in, const char *d, bool exp_text,
		      struct strbuf *out)
{
	char lit[4], buf[DNS_NAME_MAX + 32];
	struct macro m;
	enum mtok k;
	while ((k = macro_next(&in, exp_text, lit, &m)) != MT_END) {
		if (k == MT_MACRO)
			macro_transform(macro_value(v, m.letter, d, buf, sizeof buf), &m, out);
		else if (k != MT_ERROR)
			sb_puts(out, lit);
	}
}

/* A domain-spec's <target-name>: expanded, one trailing dot dropped, then
 * cut from the left label by label to at most 253 octets [§7.3]. */
char *spf_expand_domain(const struct spf_macro_vars *v, const char *spec, const char *d)
{
	struct strbuf sb;
	sb_init(&sb);
	spf_macro_expand(v, spec, d, false, &sb);
	if (sb.len > 0 && sb.data[sb.len - 1] == '.')
		sb.data[--sb.len] = '\0';
	while (sb.len > DNS_NAME_MAX) {
		char *dot = strchr(sb.data, '.');
		if (!dot)
			break;
		sb_consume(&sb, (size_t)(dot - sb.data) + 1);
	}
	return sb_steal(&sb);
}
