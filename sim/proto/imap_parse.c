/* imap_parse.c — see imap_int.h: the reader, the tokenizer, sequence
 * sets and flags shared by the IMAP server and client. */
#include "imap_int.h"

#include <stdlib.h>
#include <string.h>

#include "mstore.h"

/* ---- the reader ---------------------------------------------------------- */





void rd_init(struct imap_rd *r, size_t max_line, size_t max_literal, size_t max_total)
{
	memset(r, 0, sizeof(*r));
	sb_init(&r->buf);
	r->max_line = max_line;
	r->max_literal = max_literal;
	r->max_total = max_total;
}

void rd_consume(struct imap_rd *r, size_t len)
{
	sb_consume(&r->buf, len);
	r->scan = r->seg = r->lit_need = 0;
}

/* Does the segment end in "{digits}" or "{digits+}"? *n is SIZE_MAX when
 * the number is absurdly long. */
static bool rd_literal_suffix(const char *s, size_t len, size_t *n, bool *sync)
{
	if (len < 3 || s[len - 1] != '}')
		return false;
	size_t end = len - 1;
	*sync = s[end - 1] != '+';
	if (!*sync)
		end--;
	size_t start = end;
	while (start > 0 && s[start - 1] >= '0' && s[start - 1] <= '9')
		start--;
	if (start == end || start == 0 || s[start - 1] != '{')
		return false;
	*n = 0;
	for (size_t i = start; i < end; i++)
		*n = *n > SIZE_MAX / 10 - 10 ? SIZE_MAX : *n * 10 + (size_t)(s[i] - '0');
	return true;
}

/* Drop input up to and including the next LF; false while none came. */
static bool rd_discard(struct imap_rd *r)
{
	const char *lf = r->buf.len ? memchr(r->buf.data, '\n', r->buf.len) : NULL;
	if (!lf) {
		sb_clear(&r->buf);
		return false;
	}
	r->discarding = false;
	rd_consume(r, (size_t)(lf - r->buf.data) + 1);
	return true;
}

/* Examine a complete line segment ending at the LF at index end. */
static enum imap_rd_ev rd_segment(struct imap_rd *r, size_t end, size_t *len)
{
	size_t seglen = end - r->seg;
	if (seglen && r->buf.data[end - 1] == '\r')
		seglen--;
	size_t n;
	*len = end + 1;
	if (seglen > r->max_line)
		return RD_TOO_LONG;
	if (!rd_literal_suffix(r->buf.data + r->seg, seglen, &n, &r->lit_sync))
		return RD_DONE;
	if (n > r->max_literal)
		return RD_TOO_BIG;
	r->lit_len = r->lit_need = n;
	r->scan = r->seg = end + 1;
	return RD_LITERAL;
}

enum imap_rd_ev rd_next(struct imap_rd *r, size_t *len)
{
	*len = 0;
	for (;;) {
		if (r->discarding && !rd_discard(r))
			return RD_MORE;
		if (r->buf.len > r->max_total) {
			r->discarding = true;
			rd_consume(r, r->buf.len);
			return RD_TOO_LONG;
		}
		if (r->lit_need) {
			size_t take = r->buf.len - r->scan;
			take = take < r->lit_need ? take : r->lit_need;
			r->scan += take;
			r->lit_need -= take;
			if (r->lit_need)
				return RD_MORE;
			r->seg = r->scan;
		}
		const char *lf = r->buf.len > r->scan
					 ? memchr(r->buf.data + r->scan, '\n', r->buf.len - r->scan)
					 : NULL;
		if (lf)
			return rd_segment(r, (size_t)(lf - r->buf.data), len);
		r->scan = r->buf.len;
		if (r->buf.len - r->seg > r->max_line + 1) {
			r->discarding = true;
			rd_consume(r, r->buf.len);
			return RD_TOO_LONG;
		}
		return RD_MORE;
	}
}

/* ---- the tokenizer ------------------------------------------------------- */



int ip_peek(const struct imap_p *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

bool ip_end(const struct imap_p *p)
{
	return p->pos >= p->len;
}

bool ip_eat(struct imap_p *p, char c)
{
	if (ip_peek(p) != (unsigned char)c)
		return false;
	p->pos++;
	return true;
}

bool ip_sp(struct imap_p *p)
{
	return ip_eat(p, ' ');
}

/* ATOM-CHAR: any CHAR except atom-specials [RFC 3501 §9]. */
bool is_atom_char(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("(){%*\"\\]", c);
}

/* The string a parse left in sb ("" rather than NULL). */
const char *imap_str(struct strbuf *sb)
{
	if (!sb->data)
		sb_append(sb, "", 0);
	return sb->data;
}

/* 1*ATOM-CHAR, plus the characters in also (e.g. "]" for ASTRING-CHAR). */
bool ip_atom(struct imap_p *p, struct strbuf *out, const char *also)
{
	size_t start = p->pos;
	int c;
	while ((c = ip_peek(p)) >= 0 && (is_atom_char(c) || (c && also && strchr(also, c))))
		p->pos++;
	sb_clear(out);
	sb_append(out, p->s + start, p->pos - start);
	return p->pos > start;
}

bool ip_quoted(struct imap_p *p, struct strbuf *out)
{
	size_t save = p->pos;
	sb_clear(out);
	imap_str(out);
	if (!ip_eat(p, '"'))
		return false;
	for (int c; (c = ip_peek(p)) >= 0; p->pos++) {
		if (c == '"') {
			p->pos++;
			return true;
		}
		if (c == '\r' || c == '\n')
			break;
		if (c == '\\') {
			p->pos++;
			c = ip_peek(p);
			if (c != '"' && c != '\\')
				break;
		}
		sb_putc(out, (char)c);
	}
	p->pos = save;
	return false;
}

/* "{" number ["+"] "}" CRLF and that many octets [RFC 3501 §4.3]. The
 * reader has already checked that they are all there. */
bool ip_literal(struct imap_p *p, struct strbuf *out)
{
	size_t save = p->pos, n = 0;
	sb_clear(out);
	imap_str(out);
	if (!ip_eat(p, '{'))
		return false;
	size_t digits_at = p->pos;
	while (ip_peek(p) >= '0' && ip_peek(p) <= '9' && n < SIZE_MAX / 10 - 10)
		n = n * 10 + (size_t)(p->s[p->pos++] - '0');
	bool ok = p->pos > digits_at;
	ip_eat(p, '+');
	ok = ok && ip_eat(p, '}');
	ip_eat(p, '\r');
	if (!ok || !ip_eat(p, '\n') || p->len - p->pos < n) {
		p->pos = save;
		return false;
	}
	sb_append(out, p->s + p->pos, n);
	p->pos += n;
	return true;
}

bool ip_string(struct imap_p *p, struct strbuf *out)
{
	return ip_quoted(p, out) || ip_literal(p, out);
}

bool ip_astring(struct imap_p *p, struct strbuf *out)
{
	return ip_string(p, out) || ip_atom(p, out, "]");
}

/* number: 1*DIGIT fitting 32 bits [RFC 3501 §9]. */
bool ip_number(struct imap_p *p, uint32_t *v)
{
	uint64_t n = 0;
	size_t start = p->pos;
	while (ip_peek(p) >= '0' && ip_peek(p) <= '9' && n <= UINT32_MAX)
		n = n * 10 + (uint64_t)(p->s[p->pos++] - '0');
	if (p->pos == start || n > UINT32_MAX) {
		p->pos = start;
		return false;
	}
	*v = (uint32_t)n;
	return true;
}





static bool ip_seq_number(struct imap_p *p, uint32_t *v)
{
	if (ip_eat(p, '*')) {
		*v = 0;
		return true;
	}
	return ip_number(p, v) && *v != 0;
}

bool ip_seq_set(struct imap_p *p, struct seq_set *set)
{
	set->r = NULL;
	set->n = 0;
	do {
		struct seq_range rg;
		if (!ip_seq_number(p, &rg.a))
			return false;
		rg.b = rg.a;
		if (ip_eat(p, ':') && !ip_seq_number(p, &rg.b))
			return false;
		set->r = xrealloc(set->r, (set->n + 1) * sizeof(*set->r));
		set->r[set->n++] = rg;
	} while (ip_eat(p, ','));
	return true;
}

/* Is v in the set, with "*" meaning max (the largest number in use)? */
bool seq_contains(const struct seq_set *set, uint32_t v, uint32_t max)
{
	for (size_t i = 0; i < set->n; i++) {
		uint32_t a = set->r[i].a ? set->r[i].a : max;
		uint32_t b = set->r[i].b ? set->r[i].b : max;
		if ((a <= v && v <= b) || (b <= v && v <= a))
			return true;
	}
	return false;
}

/* ---- flags --------------------------------------------------------------- */

static const struct {
	unsigned bit;
	const char *name;
} imap_flags[] = {
	/* the order of RFC 3501's FLAGS examples */
	{MSTORE_ANSWERED, "\\Answered"}, {MSTORE_FLAGGED, "\\Flagged"},
	{MSTORE_DELETED, "\\Deleted"},   {MSTORE_SEEN, "\\Seen"},
	{MSTORE_DRAFT, "\\Draft"},
};

/* The flag list; \Recent last when the session has it [RFC 3501 §2.3.2]. */
void imap_put_flags(struct strbuf *sb, unsigned flags, bool recent)
{
	const char *sep = "";
	sb_putc(sb, '(');
	for (size_t i = 0; i < ARRAY_LEN(imap_flags); i++) {
		if (flags & imap_flags[i].bit) {
			sb_printf(sb, "%s%s", sep, imap_flags[i].name);
			sep = " ";
		}
	}
	if (recent)
		sb_printf(sb, "%s\\Recent", sep);
	sb_putc(sb, ')');
}

static unsigned imap_flag_bit(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(imap_flags); i++)
		if (ascii_strcaseeq(name, imap_flags[i].name))
			return imap_flags[i].bit;
	return 0;
}

/* flag-list "(" [flag *(SP flag)] ")"; bare flags too when parens is false
 * (STORE allows both [RFC 3501 §9 store-att-flags]). Keywords and flags we
 * do not store are accepted and ignored: PERMANENTFLAGS lists what sticks
 * [RFC 3501 §7.1]. */
bool ip_flags(struct imap_p *p, unsigned *bits, bool parens_optional)
{
	struct strbuf atom;
	bool parens = ip_eat(p, '(');
	bool ok = parens || parens_optional;
	*bits = 0;
	sb_init(&atom);
	if (parens && ip_eat(p, ')'))
		goto out;
	while (ok) {
		bool system = ip_eat(p, '\\');
		if (!ip_atom(p, &atom, NULL)) {
			ok = false;
			break;
		}
		if (system) {
			char *name = xasprintf("\\%s", imap_str(&atom));
			*bits |= imap_flag_bit(name);
			free(name);
		}
		if (!ip_sp(p))
			break;
	}
	if (ok && parens)
		ok = ip_eat(p, ')');
out:
	sb_free(&atom);
	return ok;
}

/* A mailbox name as an astring on output: an atom when it can be, else a
 * quoted string [RFC 3501 §9]. */
void imap_put_astring(struct strbuf *sb, const char *s)
{
	bool atom = *s != '\0';
	for (const char *c = s; *c; c++)
		atom = atom && (is_atom_char((unsigned char)*c) || *c == ']');
	if (atom) {
		sb_puts(sb, s);
		return;
	}
	sb_putc(sb, '"');
	for (const char *c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			sb_putc(sb, '\\');
		sb_putc(sb, *c);
	}
	sb_putc(sb, '"');
}
