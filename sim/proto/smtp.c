/* smtp.c — shared SMTP helpers; see smtp.h. Grammar references are to
 * RFC 5321 §4.1.2 (Path, Mailbox, Domain, esmtp-param) unless noted. */
#include "smtp.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

enum smtp_class smtp_classify(int code)
{
	switch (code / 100) {
	case 2:
	case 3:
		return SMTP_CLASS_OK;
	case 5:
		return SMTP_CLASS_PERMFAIL;
	default: /* 4xx, and illegal codes: a protocol error is transient */
		return SMTP_CLASS_TEMPFAIL;
	}
}

const char *smtp_class_name(enum smtp_class cls)
{
	static const char *const names[] = {"ok", "tempfail", "permfail"};
	return (unsigned)cls < ARRAY_LEN(names) ? names[cls] : "?";
}

/* snprintf(dst, cap, "%s", src) without the formatting. */
static void copy_trunc(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Whether fmt has no conversion but "%s". */
static bool only_strings(const char *fmt)
{
	for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 2, '%'))
		if (p[1] != 's')
			return false;
	return true;
}

/* vsnprintf(dst, cap, fmt, ap) for such a format: its text and strings
 * (NULL shown as "(null)"), cut at cap - 1 octets. */
static void cat_strings(char *dst, size_t cap, const char *fmt, va_list ap)
{
	size_t n = 0;
	for (const char *p = fmt; *p && n + 1 < cap;) {
		const char *pct = strchr(p, '%');
		size_t lit = pct ? (size_t)(pct - p) : strlen(p);
		size_t k = lit < cap - 1 - n ? lit : cap - 1 - n;
		memcpy(dst + n, p, k);
		n += k;
		if (!pct)
			break;
		const char *v = va_arg(ap, const char *);
		if (!v)
			v = "(null)";
		size_t vl = strlen(v);
		k = vl < cap - 1 - n ? vl : cap - 1 - n;
		memcpy(dst + n, v, k);
		n += k;
		p = pct + 2;
	}
	dst[n] = '\0';
}

void smtp_reply_set(struct smtp_reply *r, int code, const char *enh, const char *fmt, ...)
{
	va_list ap;
	r->code = code;
	copy_trunc(r->enh, sizeof r->enh, enh ? enh : "");
	va_start(ap, fmt);
	/* Most replies are fixed text with "%s" at most ("%s %s" for a
	 * greeting, "Ok: queued as %s"): no printf for those (several per
	 * message on every hop). */
	if (!strchr(fmt, '%'))
		copy_trunc(r->text, sizeof r->text, fmt);
	else if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) {
		const char *t = va_arg(ap, const char *);
		copy_trunc(r->text, sizeof r->text, t ? t : "(null)");
	} else if (only_strings(fmt))
		cat_strings(r->text, sizeof r->text, fmt, ap);
	else
		fmt_vsnprintf(r->text, sizeof r->text, fmt, ap);
	va_end(ap);
	r->pending = false;
}

/* ---- path parsing ------------------------------------------------------ */

static bool is_atext(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str].
 * Underscores are not letters, digits or hyphens, so they fail [§4.1.2]. */
static const char *parse_domain_name(const char *p)
{
	const char *start = p;
	for (;;) {
		const char *label = p;
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
		size_t n = (size_t)(p - label);
		if (n == 0 || n > 63 || label[0] == '-' || p[-1] == '-')
			return NULL;
		if (*p != '.')
			break;
		p++;
	}
	return (size_t)(p - start) <= SMTP_DOMAIN_MAX ? p : NULL;
}

/* address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" dcontent ) "]" [§4.1.3];
 * we check the character set only — the host decides what it routes to. */
static const char *parse_domain(const char *p)
{
	if (*p != '[')
		return parse_domain_name(p);
	const char *q = p + 1;
	while (isalnum((unsigned char)*q) || *q == '.' || *q == ':')
		q++;
	if (q == p + 1 || *q != ']' || (size_t)(q + 1 - p) > SMTP_DOMAIN_MAX)
		return NULL;
	return q + 1;
}

/* Quoted-string or Dot-string local part. */
static const char *parse_local(const char *p)
{
	const char *start = p;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\\')
				p++;
			if ((unsigned char)*p < 32 || (unsigned char)*p > 126)
				return NULL;
		}
		p++;
	} else {
		for (;;) {
			const char *atom = p;
			while (is_atext((unsigned char)*p))
				p++;
			if (p == atom)
				return NULL;
			if (*p != '.')
				break;
			p++;
		}
	}
	return (size_t)(p - start) <= SMTP_LOCAL_MAX ? p : NULL;
}

/* A-d-l = At-domain *( "," At-domain ) ":" — accepted and ignored [§4.1.2, §C]. */
static const char *skip_source_route(const char *p)
{
	if (*p != '@')
		return p;
	for (;;) {
		p = parse_domain(p + 1);
		if (!p)
			return NULL;
		if (*p == ':')
			return p + 1;
		if (*p != ',' || p[1] != '@')
			return NULL;
		p++;
	}
}

bool smtp_parse_path(const char *arg, bool allow_null, char *mailbox, size_t cap, const char **params)
{
	const char *p = arg, *box, *box_end;
	if (cap == 0 || *p++ != '<')
		return false;
	if (*p == '>') {
		if (!allow_null)
			return false;
		box = box_end = p;
	} else {
		p = skip_source_route(p);
		box = p;
		const char *at = p ? parse_local(p) : NULL;
		if (!at)
			return false;
		if (*at == '@')
			p = parse_domain(at + 1);
		else if ((size_t)(at - box) == 10 && ascii_strncaseeq(box, "postmaster", 10))
			p = at; /* "<Postmaster>" without a domain [§4.5.1] */
		else
			return false;
		if (!p || *p != '>')
			return false;
		box_end = p;
	}
	p++; /* past '>' */
	if ((size_t)(p - arg) > SMTP_PATH_MAX || (size_t)(box_end - box) >= cap)
		return false;
	if (*p && *p != ' ' && *p != '\t')
		return false; /* parameters are separated by SP */
	memcpy(mailbox, box, (size_t)(box_end - box));
	mailbox[box_end - box] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (params)
		*params = p;
	return true;
}

int smtp_next_param(const char **cursor, char *key, size_t keycap, char *val, size_t valcap)
{
	const char *p = *cursor;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		*cursor = p;
		return 0;
	}
	/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
	size_t k = 0;
	if (!isalnum((unsigned char)*p))
		return -1;
	while (isalnum((unsigned char)*p) || *p == '-') {
		if (k + 1 >= keycap)
			return -1;
		key[k++] = *p++;
	}
	key[k] = '\0';
	size_t v = 0;
	if (*p == '=') {
		/* esmtp-value = 1*(%d33-60 / %d62-126) */
		for (p++; *p && *p != ' ' && *p != '\t'; p++) {
			unsigned char c = (unsigned char)*p;
			if (c < 33 || c > 126 || c == '=' || v + 1 >= valcap)
				return -1;
			val[v++] = *p;
		}
		if (v == 0)
			return -1;
	}
	if (*p && *p != ' ' && *p != '\t')
		return -1;
	val[v] = '\0';
	*cursor = p;
	return 1;
}

/* ---- dot-stuffing ------------------------------------------------------ */

/* Calls fn for every line of data (content without its line end). A line
 * ends at LF, with an optional CR before it; a final unterminated line is a
 * line too. */
static size_t for_each_line(const char *data, size_t len,
			    void (*fn)(void *arg, const char *line, size_t n), void *arg)
{
	size_t i = 0, lines = 0;
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t j = nl ? (size_t)(nl - data) : len;
		size_t k = (nl && j > i && data[j - 1] == '\r') ? j - 1 : j;
		fn(arg, data + i, k - i);
		lines++;
		i = nl ? j + 1 : len;
	}
	return lines;
}

/* What the stuffing callback fills: the output and the dots it added. */
struct stuffing {
	struct strbuf *out;
	size_t dots;
};

static void stuff_line(void *arg, const char *line, size_t n)
{
	struct stuffing *st = arg;
	if (n > 0 && line[0] == '.') {
		sb_putc(st->out, '.'); /* transparency [§4.5.2] */
		st->dots++;
	}
	sb_append(st->out, line, n);
	sb_append(st->out, "\r\n", 2);
}

/* Whether any octet of data has the high bit, eight at a time. */
static bool any_8bit(const char *data, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, data + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			return true;
	}
	for (; i < len; i++)
		if ((unsigned char)data[i] >= 0x80)
			return true;
	return false;
}

void smtp_dot_stuff_sized(const char *data, size_t len, struct strbuf *out, size_t *nlines,
			  size_t *size, bool *eightbit)
{
	size_t want = len + len / 32 + 8;
	if (!out->data) {
		/* Room for the usual body exactly, not rounded up to a power
		 * of two: a queued message's client keeps it until DATA. */
		out->data = xmalloc(want + 1);
		out->cap = want + 1;
		out->data[0] = '\0';
	}
	sb_reserve(out, want);
	size_t start = out->len;
	struct stuffing st = {out, 0};
	size_t n = for_each_line(data, len, stuff_line, &st);
	/* Each line went out as its text and CRLF, plus a dot when stuffed. */
	if (size)
		*size = out->len - start - st.dots;
	sb_append(out, ".\r\n", 3);
	if (nlines)
		*nlines = n;
	if (eightbit)
		*eightbit = any_8bit(data, len);
}

void smtp_dot_stuff(const char *data, size_t len, struct strbuf *out, size_t *nlines)
{
	smtp_dot_stuff_sized(data, len, out, nlines, NULL, NULL);
}

static void count_line(void *arg, const char *line, size_t n)
{
	(void)line;
	*(size_t *)arg += n + 2;
}

size_t smtp_message_size(const char *data, size_t len)
{
	size_t total = 0;
	for_each_line(data, len, count_line, &total);
	return total;
}

/* ---- replies ----------------------------------------------------------- */

size_t smtp_enh_len(const char *s)
{
	/* class "." subject "." detail; class 2/4/5, subject and detail 1-3 digits */
	if (!s[0] || !strchr("245", s[0]) || s[1] != '.')
		return 0;
	size_t i = 2;
	for (int part = 0; part < 2; part++) {
		size_t start = i;
		while (isdigit((unsigned char)s[i]) && i - start < 3)
			i++;
		if (i == start || isdigit((unsigned char)s[i]))
			return 0;
		if (part == 0 && s[i++] != '.')
			return 0;
	}
	return i;
}

bool smtp_parse_reply_line(const char *line, int *code, bool *more, const char **text)
{
	for (int i = 0; i < 3; i++)
		if (!isdigit((unsigned char)line[i]))
			return false;
	if (line[0] < '2' || line[0] > '5')
		return false;
	if (line[3] != '\0' && line[3] != ' ' && line[3] != '-')
		return false;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*more = line[3] == '-';
	*text = line[3] ? line + 4 : line + 3;
	return true;
}

void smtp_reply_from_text(struct smtp_reply *r, int code, const char *text)
{
	size_t n = smtp_enh_len(text);
	if (n > 0 && n < sizeof r->enh && text[0] - '0' == code / 100 &&
	    (text[n] == ' ' || text[n] == '\0')) {
		smtp_reply_set(r, code, NULL, "%s", text + n + (text[n] == ' '));
		memcpy(r->enh, text, n);
		r->enh[n] = '\0';
		return;
	}
	smtp_reply_set(r, code, NULL, "%s", text);
}
