/* mime_enc.c — see mime_enc.h. */
#include "mime_enc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char hexdig[] = "0123456789ABCDEF";

/* ---- UTF-8 ----------------------------------------------------------------------- */

size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* One character: a valid sequence, else a single (invalid) octet. */
static size_t char_len(const unsigned char *s, size_t n)
{
	size_t k = utf8_seq(s, n);
	return k ? k : 1;
}

size_t utf8_prefix(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t k = char_len(u + i, n - i);
		if (i + k > max)
			break;
		i += k;
	}
	return i;
}

/* ---- the header line writer: folding at whitespace -------------------------------- */

struct hdr {
	struct strbuf *out;
	size_t col;     /* octets on the current line so far */
	bool fresh;     /* the line holds only the field name or the fold's whitespace */
	bool has_ew;    /* the line holds an encoded-word: RFC 2047 §2 caps it at 76 */
};

static void hdr_begin(struct hdr *h, struct strbuf *out, const char *name)
{
	*h = (struct hdr){.out = out, .col = strlen(name) + 1, .fresh = true};
	sb_printf(out, "%s:", name);
}

/* RFC 5322 §2.2.3: a fold is a CRLF inserted before whitespace, so the
 * whitespace written next starts the continuation line. */
static void hdr_fold(struct hdr *h)
{
	sb_puts(h->out, "\r\n");
	h->col = 0;
	h->fresh = true;
	h->has_ew = false;
}

/* The whitespace ws and then word w, on a new line when they would not fit
 * and there is whitespace to fold at. */
static void hdr_word(struct hdr *h, const char *ws, size_t wslen, const char *w, size_t wlen)
{
	size_t limit = h->has_ew ? MIME_EW_LINE : MIME_FOLD_WIDTH;
	if (!h->fresh && wslen && h->col + wslen + wlen > limit)
		hdr_fold(h);
	sb_append(h->out, ws, wslen);
	sb_append(h->out, w, wlen);
	h->col += wslen + wlen;
	h->fresh = false;
}

static void hdr_end(struct hdr *h)
{
	sb_puts(h->out, "\r\n");
}

/* ---- RFC 2047 encoded-words ---------------------------------------------------------- */

#define EW_OVERHEAD 12 /* "=?UTF-8?B?" and "?=" */

/* RFC 2047 §5 (3): the characters a Q-encoded word may carry as they are
 * wherever it stands, in a phrase too; space is written "_" (§4.2 (2)). */
static bool q_literal(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t q_len(const unsigned char *s, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += q_literal(s[i]) || s[i] == ' ' ? 1 : 3;
	return len;
}

static size_t b_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Octets of whole characters from s that encode into at most room characters. */
static size_t ew_fit(const unsigned char *s, size_t n, bool b64, size_t room)
{
	size_t take = 0, qlen = 0;
	while (take < n) {
		size_t k = char_len(s + take, n - take);
		size_t enc = b64 ? b_len(take + k) : qlen + q_len(s + take, k);
		if (enc > room)
			break;
		qlen = enc;
		take += k;
	}
	return take;
}

static void put_q(struct strbuf *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (q_literal(s[i])) {
			sb_putc(out, (char)s[i]);
		} else if (s[i] == ' ') {
			sb_putc(out, '_');
		} else {
			char e[3] = {'=', hexdig[s[i] >> 4], hexdig[s[i] & 15]};
			sb_append(out, e, 3);
		}
	}
}

static void put_ew(struct hdr *h, const unsigned char *s, size_t n, bool b64)
{
	size_t start = h->out->len;
	sb_puts(h->out, b64 ? "=?UTF-8?B?" : "=?UTF-8?Q?");
	if (b64) {
		char *e = b64_encode(s, n);
		sb_puts(h->out, e);
		free(e);
	} else {
		put_q(h->out, s, n);
	}
	sb_puts(h->out, "?=");
	h->col += h->out->len - start;
}

/* The text s (n octets) as a run of encoded-words, the first one after the
 * whitespace ws, the others after a single space: whitespace between two
 * encoded-words is not part of the text (RFC 2047 §6.2), so the text's own
 * spaces travel inside the encoding. B or Q, whichever is shorter. */
static void hdr_encoded(struct hdr *h, const char *ws, size_t wslen, const unsigned char *s,
			size_t n)
{
	bool b64 = b_len(n) < q_len(s, n);
	for (size_t i = 0; i < n;) {
		size_t used = h->col + wslen + EW_OVERHEAD;
		size_t room = used < MIME_EW_LINE ? MIME_EW_LINE - used : 0;
		if (room > MIME_EW_MAX - EW_OVERHEAD)
			room = MIME_EW_MAX - EW_OVERHEAD;
		size_t take = ew_fit(s + i, n - i, b64, room);
		if (take == 0 && !h->fresh) {
			hdr_fold(h);
			continue;
		}
		if (take == 0) /* only a very long field name leaves no room */
			take = char_len(s + i, n - i);
		sb_append(h->out, ws, wslen);
		h->col += wslen;
		put_ew(h, s + i, take, b64);
		h->fresh = false;
		h->has_ew = true;
		i += take;
		ws = " ";
		wslen = 1;
	}
}

/* ---- words ---------------------------------------------------------------------------- */

struct word {
	const char *ws, *w; /* the whitespace before the word, the word */
	size_t wslen, wlen;
	bool enc;           /* must travel as an encoded-word */
};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Not printable ASCII; or "=?", which a reader would take for the start of
 * an encoded-word (RFC 2047 §5 asks to encode such text); or longer than
 * any folded line can hold. */
static bool word_needs_ew(const char *w, size_t n)
{
	if (n + 1 > MIME_FOLD_WIDTH)
		return true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c < 0x21 || c > 0x7E || (c == '=' && i + 1 < n && w[i + 1] == '?'))
			return true;
	}
	return false;
}

/* Split s at runs of SP/HTAB (CR and LF belong to words, so they end up
 * encoded, never as a line break). Returns the count; *out is owned. */
static size_t split_words(const char *s, struct word **out)
{
	size_t n = 0, cap = 8;
	struct word *v = xcalloc(cap, sizeof *v);
	const char *p = s;
	for (;;) {
		const char *ws = p;
		while (is_wsp(*p))
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && !is_wsp(*p))
			p++;
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[n++] = (struct word){ws, w, (size_t)(w - ws), (size_t)(p - w),
				       word_needs_ew(w, (size_t)(p - w))};
	}
	*out = v;
	return n;
}

/* Words as they are, and each run of words that need encoding (with the
 * whitespace between them) as encoded-words. The first word follows the
 * field's colon after one space. */
static void put_words(struct hdr *h, const struct word *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		const char *ws = i == 0 ? " " : v[i].ws;
		size_t wslen = i == 0 ? 1 : v[i].wslen;
		if (!v[i].enc) {
			hdr_word(h, ws, wslen, v[i].w, v[i].wlen);
			i++;
			continue;
		}
		size_t j = i;
		while (j + 1 < n && v[j + 1].enc)
			j++;
		const char *end = v[j].w + v[j].wlen;
		hdr_encoded(h, ws, wslen, (const unsigned char *)v[i].w, (size_t)(end - v[i].w));
		i = j + 1;
	}
}

void mime_put_unstructured(struct strbuf *out, const char *name, const char *value)
{
	struct hdr h;
	hdr_begin(&h, out, name);
	struct word *v;
	size_t n = split_words(value ? value : "", &v);
	if (n == 0)
		sb_putc(out, ' ');
	put_words(&h, v, n);
	free(v);
	hdr_end(&h);
}

/* ---- display names and mailboxes --------------------------------------------------- */

/* RFC 5322 §3.2.3 atext. */
static bool is_atext(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A display name (RFC 5322 §3.4 phrase): atoms when every word is atext;
 * one quoted-string (§3.2.4, '"' and '\' escaped) when it holds specials
 * such as "," or "."; encoded-words for the whole name when any word needs
 * them (an encoded-word must not stand inside a quoted-string, RFC 2047
 * §5 (3)). A quoted-string may be folded at its spaces (§3.2.4 FWS). */
static void put_phrase(struct hdr *h, const char *name)
{
	struct word *v;
	size_t n = split_words(name, &v);
	bool enc = false, atoms = true;
	for (size_t i = 0; i < n; i++) {
		enc |= v[i].enc;
		for (size_t k = 0; k < v[i].wlen; k++)
			atoms &= is_atext((unsigned char)v[i].w[k]);
	}
	if (enc && n) {
		const char *end = v[n - 1].w + v[n - 1].wlen;
		hdr_encoded(h, " ", 1, (const unsigned char *)v[0].w, (size_t)(end - v[0].w));
	} else if (atoms) {
		put_words(h, v, n);
	} else {
		struct strbuf q;
		sb_init(&q);
		sb_putc(&q, '"');
		const char *end = v[n - 1].w + v[n - 1].wlen;
		for (const char *p = v[0].w; p < end; p++) {
			if (*p == '"' || *p == '\\')
				sb_putc(&q, '\\');
			sb_putc(&q, *p);
		}
		sb_putc(&q, '"');
		struct word *qv;
		size_t qn = split_words(q.data, &qv);
		for (size_t i = 0; i < qn; i++)
			qv[i].enc = false; /* printable ASCII already, quoted */
		put_words(h, qv, qn);
		free(qv);
		sb_free(&q);
	}
	free(v);
}

static void put_mailbox(struct hdr *h, const struct mime_mailbox *mb)
{
	bool named = false;
	for (const char *p = mb->name ? mb->name : ""; *p && !named; p++)
		named = !is_wsp(*p);
	if (!named) {
		hdr_word(h, " ", 1, mb->addr, strlen(mb->addr));
		return;
	}
	put_phrase(h, mb->name);
	char *angle = xasprintf("<%s>", mb->addr);
	hdr_word(h, " ", 1, angle, strlen(angle));
	free(angle);
}

void mime_put_mailboxes(struct strbuf *out, const char *name, const struct mime_mailbox *mb,
			size_t n)
{
	struct hdr h;
	hdr_begin(&h, out, name);
	if (n == 0)
		sb_putc(out, ' ');
	for (size_t i = 0; i < n; i++) {
		if (i) {
			hdr_word(&h, "", 0, ",", 1);
			hdr_fold(&h);
		}
		put_mailbox(&h, &mb[i]);
	}
	hdr_end(&h);
}

/* ---- quoted-printable bodies ---------------------------------------------------------- */

bool mime_needs_qp(const char *text)
{
	size_t line = 0;
	for (const char *p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x80 || (c == '\r' && p[1] != '\n'))
			return true;
		if (c == '\r')
			continue;
		line = c == '\n' ? 0 : line + 1;
		if (line > 998) /* RFC 5322 §2.1.1: 998 characters before the CRLF */
			return true;
	}
	return false;
}

/* Encoded length of the character at s: RFC 2045 §6.7 rule 2 keeps the
 * printable ASCII but "=" literal, rule 3 keeps SP and HTAB except at the
 * end of a line; everything else is =XX (rule 1) per octet. */
static size_t qp_unit(const unsigned char *s, size_t n, bool line_end, char *enc)
{
	size_t k = char_len(s, n);
	if (k == 1 && ((s[0] >= 33 && s[0] <= 126 && s[0] != '=') ||
		       ((s[0] == ' ' || s[0] == '\t') && !line_end))) {
		enc[0] = (char)s[0];
		return 1;
	}
	for (size_t i = 0; i < k; i++) {
		enc[3 * i] = '=';
		enc[3 * i + 1] = hexdig[s[i] >> 4];
		enc[3 * i + 2] = hexdig[s[i] & 15];
	}
	return 3 * k;
}

/* One line (without its line break), cut by soft line breaks "=" CRLF
 * (rule 5) so no encoded line is over 76 characters. */
static void qp_line(const unsigned char *s, size_t n, struct strbuf *out)
{
	size_t col = 0;
	for (size_t i = 0; i < n;) {
		size_t k = char_len(s + i, n - i);
		bool last = i + k == n;
		char enc[12];
		size_t elen = qp_unit(s + i, n - i, last, enc);
		/* The line's last character may use the 76th column; any other
		 * leaves it for the "=" of a soft break. */
		if (col + elen > (last ? MIME_QP_LINE : MIME_QP_LINE - 1)) {
			sb_puts(out, "=\r\n");
			col = 0;
		}
		sb_append(out, enc, elen);
		col += elen;
		i += k;
	}
	sb_puts(out, "\r\n");
}

void mime_qp_encode(const char *text, struct strbuf *out)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t content = len && p[len - 1] == '\r' ? len - 1 : len;
		qp_line((const unsigned char *)p, content, out);
		p += nl ? len + 1 : len;
	}
}
