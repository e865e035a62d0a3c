/* imap_body.c — see imap_body.h.
 *
 * The MIME tree follows RFC 2045/2046: a multipart body is split at its
 * boundary delimiter lines (the CRLF before a delimiter belongs to the
 * delimiter [RFC 2046 §5.1.1]); preamble and epilogue belong to no part;
 * a multipart whose close delimiter never comes ends at the end of its
 * body, as Dovecot and most readers do. A message/rfc822 body is one
 * encapsulated message. Content-Type defaults to text/plain;
 * charset=us-ascii [RFC 2045 §5.2], inside multipart/digest to
 * message/rfc822 [RFC 2046 §5.1.5]. */
#include "imap_body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mstore.h"

/* ---- header fields ------------------------------------------------------ */

static bool is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* The header block: up to and including the first empty line, or all of
 * it when there is none [RFC 5322 §2.1]. */
size_t mime_header_len(const char *b, size_t len)
{
	for (size_t at = 0; at < len;) {
		const char *lf = memchr(b + at, '\n', len - at);
		size_t end = lf ? (size_t)(lf - b) + 1 : len;
		if (b[at] == '\n' || (b[at] == '\r' && end - at <= 2 && lf))
			return end;
		at = end;
	}
	return len;
}

bool mime_header(const char *h, size_t hlen, const char *name, struct strbuf *out)
{
	size_t nlen = strlen(name);
	sb_clear(out);
	for (size_t at = 0; at < hlen;) {
		const char *lf = memchr(h + at, '\n', hlen - at);
		size_t end = lf ? (size_t)(lf - h) + 1 : hlen;
		size_t c = at + nlen;
		while (c < end && is_wsp(h[c]))
			c++;
		if (end - at > nlen && ascii_strncaseeq(h + at, name, nlen) && c < end && h[c] == ':') {
			/* unfold: a line starting with WSP continues the field [RFC 5322 §2.2.3] */
			for (size_t p = c + 1; p < hlen; p++) {
				if (h[p] == '\n' && !(p + 1 < hlen && is_wsp(h[p + 1])))
					break;
				if (h[p] != '\r' && h[p] != '\n')
					sb_putc(out, h[p]);
			}
			size_t s = 0, e = out->len;
			while (s < e && is_wsp(out->data[s]))
				s++;
			while (e > s && is_wsp(out->data[e - 1]))
				e--;
			memmove(out->data, out->data + s, e - s);
			out->len = e - s;
			out->data[out->len] = '\0';
			return true;
		}
		at = end;
	}
	return false;
}

/* ---- Content-Type and Content-Disposition [RFC 2045 §5.1, RFC 2183] ------ */

struct mime_param {
	char *name, *value;
};

struct mime_type {
	char *type, *subtype;     /* NULL for a disposition's subtype */
	struct mime_param *p;
	size_t np;
	bool present;             /* the field was there and parsed */
};

struct lex {
	const char *s;
	size_t pos;
};

/* Skip whitespace and (nested) comments [RFC 5322 §3.2.2]. */
static void lex_cfws(struct lex *l)
{
	int depth = 0;
	for (char c; (c = l->s[l->pos]) != '\0'; l->pos++) {
		if (c == '\\' && depth > 0 && l->s[l->pos + 1])
			l->pos++;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !is_wsp(c))
			return;
	}
}

/* token: no CTLs, space or tspecials [RFC 2045 §5.1]. */
static bool lex_token(struct lex *l, char **out)
{
	size_t start = l->pos;
	lex_cfws(l);
	start = l->pos;
	for (unsigned char c; (c = (unsigned char)l->s[l->pos]) > 0x20 && c < 0x7f &&
			       !strchr("()<>@,;:\\\"/[]?=", c);)
		l->pos++;
	if (l->pos == start)
		return false;
	*out = xstrndup(l->s + start, l->pos - start);
	return true;
}

static bool lex_quoted(struct lex *l, char **out)
{
	struct strbuf v;
	lex_cfws(l);
	if (l->s[l->pos] != '"')
		return false;
	sb_init(&v);
	sb_puts(&v, "");
	for (l->pos++; l->s[l->pos] && l->s[l->pos] != '"'; l->pos++) {
		if (l->s[l->pos] == '\\' && l->s[l->pos + 1])
			l->pos++;
		sb_putc(&v, l->s[l->pos]);
	}
	if (l->s[l->pos] == '"')
		l->pos++;
	*out = sb_steal(&v);
	return true;
}

static bool lex_eat(struct lex *l, char c)
{
	lex_cfws(l);
	if (l->s[l->pos] != c)
		return false;
	l->pos++;
	return true;
}

static void mtype_free(struct mime_type *t)
{
	free(t->type);
	free(t->subtype);
	for (size_t i = 0; i < t->np; i++) {
		free(t->p[i].name);
		free(t->p[i].value);
	}
	free(t->p);
	memset(t, 0, sizeof(*t));
}

/* *(";" attribute "=" value); stops quietly at the first malformed one. */
static void lex_params(struct lex *l, struct mime_type *t)
{
	while (lex_eat(l, ';')) {
		char *name = NULL, *value = NULL;
		if (!lex_token(l, &name))
			return;
		if (!lex_eat(l, '=') || !(lex_quoted(l, &value) || lex_token(l, &value))) {
			free(name);
			return;
		}
		t->p = xrealloc(t->p, (t->np + 1) * sizeof(*t->p));
		t->p[t->np].name = name;
		t->p[t->np++].value = value;
	}
}

static const char *mtype_param(const struct mime_type *t, const char *name)
{
	for (size_t i = 0; i < t->np; i++)
		if (ascii_strcaseeq(t->p[i].name, name))
			return t->p[i].value;
	return NULL;
}

/* Content-Type of an entity, with the defaults when it is absent or
 * unparsable. */
static void content_type(const char *h, size_t hlen, bool digest_child, struct mime_type *t)
{
	struct strbuf v;
	struct lex l;
	memset(t, 0, sizeof(*t));
	sb_init(&v);
	if (mime_header(h, hlen, "Content-Type", &v)) {
		l = (struct lex){v.data, 0};
		if (lex_token(&l, &t->type) && lex_eat(&l, '/') && lex_token(&l, &t->subtype)) {
			t->present = true;
			lex_params(&l, t);
		} else {
			mtype_free(t);
		}
	}
	sb_free(&v);
	if (t->present)
		return;
	t->type = xstrdup(digest_child ? "message" : "text");
	t->subtype = xstrdup(digest_child ? "rfc822" : "plain");
	if (!digest_child) {
		t->p = xcalloc(1, sizeof(*t->p));
		t->p[0].name = xstrdup("charset");
		t->p[0].value = xstrdup("us-ascii");
		t->np = 1;
	}
}

static void content_disposition(const char *h, size_t hlen, struct mime_type *t)
{
	struct strbuf v;
	memset(t, 0, sizeof(*t));
	sb_init(&v);
	if (mime_header(h, hlen, "Content-Disposition", &v)) {
		struct lex l = {v.data, 0};
		if (lex_token(&l, &t->type)) {
			t->present = true;
			lex_params(&l, t);
		}
	}
	sb_free(&v);
}

static bool mtype_is(const struct mime_type *t, const char *type, const char *subtype)
{
	return ascii_strcaseeq(t->type, type) && (!subtype || ascii_strcaseeq(t->subtype, subtype));
}

/* ---- the tree ------------------------------------------------------------ */

static void parse_entity(const char *m, size_t off, size_t len, bool digest_child, int depth,
			 struct mime_part *p);

static void add_kid(const char *m, struct mime_part *p, size_t off, size_t len, bool digest,
		    int depth)
{
	p->kids = xrealloc(p->kids, (p->nkids + 1) * sizeof(*p->kids));
	parse_entity(m, off, len, digest, depth, &p->kids[p->nkids++]);
}

/* Is the line [s, s+n) (LF excluded) "--boundary" or "--boundary--",
 * then only transport padding [RFC 2046 §5.1.1]? */
static bool is_delimiter(const char *s, size_t n, const char *b, size_t blen, bool *close)
{
	if (n && s[n - 1] == '\r')
		n--;
	if (n < 2 + blen || s[0] != '-' || s[1] != '-' || memcmp(s + 2, b, blen) != 0)
		return false;
	size_t i = 2 + blen;
	*close = n - i >= 2 && s[i] == '-' && s[i + 1] == '-';
	for (i += *close ? 2 : 0; i < n; i++)
		if (!is_wsp(s[i]))
			return false;
	return true;
}

/* The end of a part: the CRLF (or LF) before the delimiter line at d
 * belongs to the delimiter. */
static size_t part_end(const char *m, size_t start, size_t d)
{
	if (d > start && m[d - 1] == '\n')
		d--;
	if (d > start && m[d - 1] == '\r')
		d--;
	return d;
}

static void split_multipart(const char *m, struct mime_part *p, const char *boundary,
			    bool digest, int depth)
{
	size_t blen = strlen(boundary), end = p->body_off + p->body_len, start = 0;
	bool in_part = false, close = false;
	for (size_t at = p->body_off; at < end && !close;) {
		const char *lf = memchr(m + at, '\n', end - at);
		size_t next = lf ? (size_t)(lf - m) + 1 : end;
		if (is_delimiter(m + at, next - at - (lf != NULL), boundary, blen, &close)) {
			if (in_part)
				add_kid(m, p, start, part_end(m, start, at) - start, digest, depth + 1);
			in_part = !close;
			start = next;
		}
		at = next;
	}
	if (in_part)
		add_kid(m, p, start, end - start, digest, depth + 1);
}

static void parse_entity(const char *m, size_t off, size_t len, bool digest_child, int depth,
			 struct mime_part *p)
{
	struct mime_type t;
	memset(p, 0, sizeof(*p));
	p->hdr_off = off;
	p->hdr_len = mime_header_len(m + off, len);
	p->body_off = off + p->hdr_len;
	p->body_len = len - p->hdr_len;
	p->digest_child = digest_child;
	if (depth >= IMAP_MIME_MAX_DEPTH)
		return;
	content_type(m + off, p->hdr_len, digest_child, &t);
	const char *boundary = mtype_param(&t, "boundary");
	if (mtype_is(&t, "multipart", NULL) && boundary && *boundary)
		split_multipart(m, p, boundary, mtype_is(&t, "multipart", "digest"), depth);
	else if (mtype_is(&t, "message", "rfc822"))
		add_kid(m, p, p->body_off, p->body_len, false, depth + 1);
	mtype_free(&t);
}

void mime_parse(const char *msg, size_t len, struct mime_part *root)
{
	parse_entity(msg, 0, len, false, 0, root);
}

void mime_free(struct mime_part *p)
{
	for (size_t i = 0; i < p->nkids; i++)
		mime_free(&p->kids[i]);
	free(p->kids);
	p->kids = NULL;
	p->nkids = 0;
}

/* ---- IMAP strings -------------------------------------------------------- */

void imap_put_string(struct strbuf *out, const char *s, size_t len)
{
	bool quotable = true;
	for (size_t i = 0; i < len && quotable; i++) {
		unsigned char c = (unsigned char)s[i];
		quotable = c != 0 && c != '\r' && c != '\n' && c < 0x80;
	}
	if (!quotable) {
		sb_printf(out, "{%zu}\r\n", len);
		sb_append(out, s, len);
		return;
	}
	sb_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			sb_putc(out, '\\');
		sb_putc(out, s[i]);
	}
	sb_putc(out, '"');
}

void imap_put_nstring(struct strbuf *out, const char *s)
{
	if (s)
		imap_put_string(out, s, strlen(s));
	else
		sb_puts(out, "NIL");
}

/* A header field's value as an nstring: NIL when absent. */
static void put_field(struct strbuf *out, const char *h, size_t hlen, const char *name)
{
	struct strbuf v;
	sb_init(&v);
	imap_put_nstring(out, mime_header(h, hlen, name, &v) ? (v.data ? v.data : "") : NULL);
	sb_free(&v);
}

/* ---- ENVELOPE ------------------------------------------------------------- */

/* Text with comments removed and runs of whitespace made one space;
 * quoted strings are kept (quotes included) when keep_quotes, else
 * unquoted. */
static char *clean_text(const char *s, size_t n, bool keep_quotes)
{
	struct strbuf o;
	int depth = 0;
	bool quote = false, space = false;
	sb_init(&o);
	sb_puts(&o, "");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!quote && c == '(') {
			depth++;
			continue;
		}
		if (depth) {
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '"') {
			quote = !quote;
			if (keep_quotes)
				sb_putc(&o, c);
			continue;
		}
		if (quote && c == '\\' && i + 1 < n) {
			if (keep_quotes)
				sb_putc(&o, c);
			c = s[++i];
		} else if (!quote && is_wsp(c)) {
			space = o.len > 0;
			continue;
		}
		if (space)
			sb_putc(&o, ' ');
		space = false;
		sb_putc(&o, c);
	}
	return sb_steal(&o);
}

/* One mailbox [RFC 5322 §3.4]: name-addr or addr-spec, as
 * "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")". */
static void put_mailbox(struct strbuf *out, const char *s, size_t n)
{
	const char *lt = NULL, *gt = NULL;
	bool quote = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' && (i == 0 || s[i - 1] != '\\'))
			quote = !quote;
		else if (!quote && s[i] == '<' && !lt)
			lt = s + i;
		else if (!quote && s[i] == '>' && lt && !gt)
			gt = s + i;
	}
	char *name = lt ? clean_text(s, (size_t)(lt - s), false) : NULL;
	const char *spec = lt ? lt + 1 : s;
	size_t slen = lt ? (size_t)((gt ? gt : s + n) - spec) : n;
	char *addr = clean_text(spec, slen, true), *adl = NULL;
	char *colon = addr[0] == '@' ? strchr(addr, ':') : NULL;
	if (colon) {   /* obs-route "@a,@b:" [RFC 5322 §4.4] */
		adl = xstrndup(addr, (size_t)(colon - addr));
		memmove(addr, colon + 1, strlen(colon + 1) + 1);
	}
	char *at = strrchr(addr, '@');
	if (at)
		*at = '\0';
	sb_putc(out, '(');
	imap_put_nstring(out, name && *name ? name : NULL);
	sb_putc(out, ' ');
	imap_put_nstring(out, adl);
	sb_putc(out, ' ');
	imap_put_nstring(out, addr);
	sb_putc(out, ' ');
	/* a host is never NIL for a mailbox: NIL marks group syntax [RFC 3501 §7.4.2] */
	imap_put_nstring(out, at ? at + 1 : "");
	sb_putc(out, ')');
	free(name);
	free(addr);
	free(adl);
}

/* Anything left of [s, s+n) once comments and whitespace go? */
static bool has_content(const char *s, size_t n)
{
	char *t = clean_text(s, n, true);
	bool any = *t != '\0';
	free(t);
	return any;
}

/* An address list with groups: each mailbox as above, a group as
 * (NIL NIL "name" NIL) ... (NIL NIL NIL NIL) [RFC 3501 §7.4.2]; NIL when
 * there is no address at all. */
static void put_address_list(struct strbuf *out, const char *v)
{
	size_t mark = out->len, start = 0, n = strlen(v);
	int depth = 0, angle = 0;
	bool quote = false;
	sb_putc(out, '(');
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? v[i] : ',';
		if (quote) {
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == '"')
				quote = false;
			continue;
		}
		if (c == '"')
			quote = true;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (depth == 0 && c == '<')
			angle++;
		else if (depth == 0 && c == '>' && angle)
			angle--;
		if (depth || angle || (c != ',' && c != ':' && c != ';'))
			continue;
		if (c == ':') {
			char *g = clean_text(v + start, i - start, false);
			sb_puts(out, "(NIL NIL ");
			imap_put_nstring(out, g);
			sb_puts(out, " NIL)");
			free(g);
		} else if (has_content(v + start, i - start)) {
			put_mailbox(out, v + start, i - start);
		}
		if (c == ';')
			sb_puts(out, "(NIL NIL NIL NIL)");
		start = i + 1;
	}
	if (out->len == mark + 1) {
		out->len = mark;
		out->data[mark] = '\0';
		sb_puts(out, "NIL");
		return;
	}
	sb_putc(out, ')');
}

/* The address list of a field; for Sender and Reply-To, From's when the
 * field is absent or empty [RFC 3501 §7.4.2]. */
static void put_addr_field(struct strbuf *out, const char *h, size_t hlen, const char *name,
			   bool from_default)
{
	struct strbuf v;
	sb_init(&v);
	bool have = mime_header(h, hlen, name, &v) && has_content(v.data ? v.data : "", v.len);
	if (!have && from_default)
		have = mime_header(h, hlen, "From", &v);
	if (have)
		put_address_list(out, v.data ? v.data : "");
	else
		sb_puts(out, "NIL");
	sb_free(&v);
}

static void put_envelope(struct strbuf *out, const char *h, size_t hlen)
{
	static const struct {
		const char *name;
		bool addr, from_default;
	} fields[] = {
		{"Date", false, false},    {"Subject", false, false}, {"From", true, false},
		{"Sender", true, true},    {"Reply-To", true, true},  {"To", true, false},
		{"Cc", true, false},       {"Bcc", true, false},      {"In-Reply-To", false, false},
		{"Message-ID", false, false},
	};
	sb_putc(out, '(');
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		if (i)
			sb_putc(out, ' ');
		if (fields[i].addr)
			put_addr_field(out, h, hlen, fields[i].name, fields[i].from_default);
		else
			put_field(out, h, hlen, fields[i].name);
	}
	sb_putc(out, ')');
}

void imap_envelope(const char *msg, size_t len, struct strbuf *out)
{
	put_envelope(out, msg, mime_header_len(msg, len));
}

/* ---- BODYSTRUCTURE -------------------------------------------------------- */

/* body-fld-param: ("name" "value" ...) or NIL. */
static void put_params(struct strbuf *out, const struct mime_type *t)
{
	if (!t->np) {
		sb_puts(out, "NIL");
		return;
	}
	sb_putc(out, '(');
	for (size_t i = 0; i < t->np; i++) {
		if (i)
			sb_putc(out, ' ');
		imap_put_nstring(out, t->p[i].name);
		sb_putc(out, ' ');
		imap_put_nstring(out, t->p[i].value);
	}
	sb_putc(out, ')');
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc: the extension data both
 * kinds of body end with [RFC 3501 §9]. */
static void put_ext_tail(struct strbuf *out, const char *h, size_t hlen)
{
	struct mime_type d;
	content_disposition(h, hlen, &d);
	if (d.present) {
		sb_putc(out, '(');
		imap_put_nstring(out, d.type);
		sb_putc(out, ' ');
		put_params(out, &d);
		sb_putc(out, ')');
	} else {
		sb_puts(out, "NIL");
	}
	mtype_free(&d);
	sb_putc(out, ' ');
	put_field(out, h, hlen, "Content-Language");
	sb_putc(out, ' ');
	put_field(out, h, hlen, "Content-Location");
}

static void put_body(struct strbuf *out, const char *m, const struct mime_part *p, bool ext);

static void put_multipart(struct strbuf *out, const char *m, const struct mime_part *p,
			  const struct mime_type *t, bool ext)
{
	const char *h = m + p->hdr_off;
	sb_putc(out, '(');
	if (p->nkids == 0)   /* a body needs at least one part: an empty text one */
		sb_puts(out, "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
	for (size_t i = 0; i < p->nkids; i++)
		put_body(out, m, &p->kids[i], ext);   /* 1*body, no SP between [§9] */
	sb_putc(out, ' ');
	imap_put_nstring(out, t->subtype);
	if (ext) {
		sb_putc(out, ' ');
		put_params(out, t);
		sb_putc(out, ' ');
		put_ext_tail(out, h, p->hdr_len);
	}
	sb_putc(out, ')');
}

static void put_single(struct strbuf *out, const char *m, const struct mime_part *p,
		       const struct mime_type *t, bool ext)
{
	const char *h = m + p->hdr_off, *body = m + p->body_off;
	struct strbuf enc;
	sb_init(&enc);
	sb_putc(out, '(');
	imap_put_nstring(out, t->type);
	sb_putc(out, ' ');
	imap_put_nstring(out, t->subtype);
	sb_putc(out, ' ');
	put_params(out, t);
	sb_putc(out, ' ');
	put_field(out, h, p->hdr_len, "Content-ID");
	sb_putc(out, ' ');
	put_field(out, h, p->hdr_len, "Content-Description");
	sb_putc(out, ' ');
	/* 7bit is the default encoding [RFC 2045 §6.1] */
	imap_put_nstring(out, mime_header(h, p->hdr_len, "Content-Transfer-Encoding", &enc) &&
				      enc.len ? enc.data : "7bit");
	sb_printf(out, " %zu", p->body_len);
	if (mtype_is(t, "message", "rfc822") && p->nkids == 1) {
		const struct mime_part *k = &p->kids[0];
		sb_putc(out, ' ');
		put_envelope(out, m + k->hdr_off, k->hdr_len);
		sb_putc(out, ' ');
		put_body(out, m, k, ext);
		sb_printf(out, " %zu", mstore_count_lines(body, p->body_len));
	} else if (mtype_is(t, "text", NULL)) {
		sb_printf(out, " %zu", mstore_count_lines(body, p->body_len));
	}
	if (ext) {
		sb_putc(out, ' ');
		put_field(out, h, p->hdr_len, "Content-MD5");
		sb_putc(out, ' ');
		put_ext_tail(out, h, p->hdr_len);
	}
	sb_putc(out, ')');
	sb_free(&enc);
}

static void put_body(struct strbuf *out, const char *m, const struct mime_part *p, bool ext)
{
	struct mime_type t;
	content_type(m + p->hdr_off, p->hdr_len, p->digest_child, &t);
	if (mtype_is(&t, "multipart", NULL))
		put_multipart(out, m, p, &t, ext);
	else
		put_single(out, m, p, &t, ext);
	mtype_free(&t);
}

void imap_bodystructure(const char *msg, size_t len, bool ext, struct strbuf *out)
{
	struct mime_part root;
	mime_parse(msg, len, &root);
	put_body(out, msg, &root, ext);
	mime_free(&root);
}

/* ---- date-time [RFC 3501 §9] ---------------------------------------------- */

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void imap_format_date_time(int64_t unix_s, int tz_minutes, char *out, size_t cap)
{
	int64_t s = unix_s + (int64_t)tz_minutes * 60;
	int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	int64_t secs = s - days * 86400;
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	int off = tz_minutes < 0 ? -tz_minutes : tz_minutes;
	snprintf(out, cap, "%02u-%s-%04d %02d:%02d:%02d %c%02d%02d", d, months[m - 1], y,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		 tz_minutes < 0 ? '-' : '+', off / 60, off % 60);
}

static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool imap_parse_date_time(const char *s, int64_t *unix_s)
{
	int d, y, hh, mm, ss, zone;
	size_t n = strlen(s), i = s[0] == ' ' ? 1 : 0;
	if (n < i + 2)
		return false;
	size_t dl = s[i + 1] == '-' ? 1 : 2;
	/* day, "-", then "Mon-yyyy hh:mm:ss +zzzz" (23 characters) */
	if (n != i + dl + 1 + 23 || !digits(s + i, (int)dl, &d) || s[i + dl] != '-')
		return false;
	const char *p = s + i + dl + 1;
	unsigned mon = 0;
	while (mon < 12 && !ascii_strncaseeq(p, months[mon], 3))
		mon++;
	if (mon == 12 || p[3] != '-' || !digits(p + 4, 4, &y) || p[8] != ' ' ||
	    !digits(p + 9, 2, &hh) || p[11] != ':' || !digits(p + 12, 2, &mm) || p[14] != ':' ||
	    !digits(p + 15, 2, &ss) || p[17] != ' ' || (p[18] != '+' && p[18] != '-') ||
	    !digits(p + 19, 4, &zone))
		return false;
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (d < 1 || (unsigned)d > mdays[mon] || hh > 23 || mm > 59 || ss > 60 ||
	    zone % 100 > 59 || y < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mon == 1 && d == 29 && !leap)
		return false;
	int tz = (zone / 100 * 60 + zone % 100) * (p[18] == '-' ? -1 : 1);
	*unix_s = days_from_civil(y, mon + 1, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss -
		  (int64_t)tz * 60;
	return true;
}
