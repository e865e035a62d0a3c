/* dns.c — records, names, presentation format, answers and addresses
 * (see dns.h). The zone database is dns_zone.c, the resolver cache
 * dns_cache.c, the wire format dns_wire.c. Nothing here reads the clock or
 * depends on pointer values. A little over 800 lines because each record
 * type (A, AAAA, MX, TXT, PTR, CNAME, NS, SOA, null MX) needs its parser,
 * its presentation form and its checks side by side. */
#include "dns.h"
#include "dns_int.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

#define US_PER_S 1000000

/* ---- small helpers ------------------------------------------------------ */

bool dns_fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	if (!err || errsz == 0)
		return false;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return false;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static bool str_eq_null(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Copy the strbuf into a caller buffer, truncating, always terminated. */
static void sb_copy_out(const struct strbuf *sb, char *out, size_t cap)
{
	size_t n;
	if (cap == 0)
		return;
	n = sb->len < cap - 1 ? sb->len : cap - 1;
	memcpy(out, sb->data, n);
	out[n] = '\0';
}

/* A fully qualified presentation name: "mx.example." or "." for the root. */
static void sb_put_fqdn(struct strbuf *sb, const char *name)
{
	if (name && name[0])
		sb_puts(sb, name);
	sb_putc(sb, '.');
}

/* Strict unsigned decimal (no sign, no spaces) not above max. */
static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* Whitespace-separated words of a presentation string (a private copy). */
struct words {
	char *copy;
	char *w[8];
	size_t n; /* may exceed ARRAY_LEN(w): then only the count is known */
};

static void words_split(struct words *ws, const char *s)
{
	char *save = NULL;
	ws->copy = xstrdup(s);
	ws->n = 0;
	for (char *t = strtok_r(ws->copy, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (ws->n < ARRAY_LEN(ws->w))
			ws->w[ws->n] = t;
		ws->n++;
	}
}

static void words_free(struct words *ws)
{
	free(ws->copy);
	ws->copy = NULL;
}

/* ---- type and rcode names ----------------------------------------------- */

static const char *const rcode_names[] = {
	[DNS_R_NOERROR] = "NOERROR", [DNS_R_FORMERR] = "FORMERR",
	[DNS_R_SERVFAIL] = "SERVFAIL", [DNS_R_NXDOMAIN] = "NXDOMAIN",
	[DNS_R_NOTIMP] = "NOTIMP", [DNS_R_REFUSED] = "REFUSED",
};

const char *dns_rcode_name(enum dns_rcode r)
{
	if ((unsigned)r < ARRAY_LEN(rcode_names))
		return rcode_names[r];
	return "UNKNOWN";
}

bool dns_rcode_parse(const char *s, enum dns_rcode *r)
{
	for (size_t i = 0; i < ARRAY_LEN(rcode_names); i++) {
		if (ascii_strcaseeq(s, rcode_names[i])) {
			*r = (enum dns_rcode)i;
			return true;
		}
	}
	return false;
}

/* ---- names -------------------------------------------------------------- */

static bool label_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* One label: 1..63 LDH/underscore characters, or exactly "*". */
static bool label_ok(const char *p, size_t n)
{
	if (n == 0 || n > DNS_LABEL_MAX)
		return false;
	if (n == 1 && p[0] == '*')
		return true;
	for (size_t i = 0; i < n; i++) {
		if (!label_char_ok(p[i]))
			return false;
	}
	return true;
}

/* LDH and underscore octets lower-cased; 0 for any other octet. */
static const unsigned char name_lower[256] = {
	['-'] = '-', ['_'] = '_',
	['0'] = '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
	['A'] = 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm',
	'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
	['a'] = 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm',
	'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
};

/* dns_name_normalize of a name already measured (len without the final
 * dot) into a different buffer: checking and lower-casing in one pass. */
static bool normalize_into(const char *in, size_t len, char *out)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (i == start || i - start > DNS_LABEL_MAX)
				return false;
			start = i + 1;
			out[i] = '.';
		} else if (name_lower[c]) {
			out[i] = (char)name_lower[c];
		} else if (c == '*' && i == start && (i + 1 == len || in[i + 1] == '.')) {
			out[i] = '*'; /* a label that is exactly "*" */
		} else {
			return false;
		}
	}
	if (len > 0 && (len == start || len - start > DNS_LABEL_MAX))
		return false;
	out[len] = '\0';
	return true;
}

bool dns_name_normalize(const char *in, char *out, size_t cap)
{
	size_t len = strlen(in), start = 0;
	if (in != out) {
		if (len > 0 && in[len - 1] == '.')
			len--;
		if (len > DNS_NAME_MAX || cap < len + 1)
			return false;
		return normalize_into(in, len, out);
	}
	if (len > 0 && in[len - 1] == '.')
		len--; /* absolute form; "." becomes the root "" */
	if (len > DNS_NAME_MAX || cap < len + 1)
		return false;
	for (size_t i = 0; i <= len && len > 0; i++) {
		if (i == len || in[i] == '.') {
			if (!label_ok(in + start, i - start))
				return false;
			start = i + 1;
		}
	}
	/* Same index in and out, so in == out is safe. */
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[len] = '\0';
	return true;
}

bool dns_name_is_under(const char *name, const char *zone)
{
	size_t nl = strlen(name), zl = strlen(zone);
	if (zl == 0)
		return true;
	if (nl == zl)
		return strcmp(name, zone) == 0;
	return nl > zl && name[nl - zl - 1] == '.' && strcmp(name + nl - zl, zone) == 0;
}

/* Canonical heap copy of a presentation name, or NULL if invalid. */
static char *name_dup(const char *s)
{
	char buf[DNS_NAME_MAX + 1];
	if (!dns_name_normalize(s, buf, sizeof buf))
		return NULL;
	return xstrdup(buf);
}

/* ---- TXT strings -------------------------------------------------------- */

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = s;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

size_t dns_rr_txt_count(const struct dns_rr *rr)
{
	size_t len;
	if (rr->txt_nparts > 0)
		return rr->txt_nparts;
	len = rr->txt ? strlen(rr->txt) : 0;
	return len == 0 ? 1 : (len + DNS_TXT_STRING_MAX - 1) / DNS_TXT_STRING_MAX;
}

const char *dns_rr_txt_string(const struct dns_rr *rr, size_t i, size_t *len)
{
	size_t total, off;
	if (rr->txt_nparts > 0) {
		*len = strlen(rr->txt_parts[i]);
		return rr->txt_parts[i];
	}
	total = rr->txt ? strlen(rr->txt) : 0;
	off = i * DNS_TXT_STRING_MAX;
	*len = total - off < DNS_TXT_STRING_MAX ? total - off : DNS_TXT_STRING_MAX;
	return rr->txt ? rr->txt + off : "";
}

void dns_rr_set_txt(struct dns_rr *rr, char **parts, size_t n)
{
	struct strbuf sb;
	strv_free(rr->txt_parts, rr->txt_nparts);
	free(rr->txt);
	sb_init(&sb);
	for (size_t i = 0; i < n; i++)
		sb_puts(&sb, parts[i]); /* RFC 7208 §3.3: joined without spaces */
	rr->txt = sb_steal(&sb);
	rr->txt_parts = parts;
	rr->txt_nparts = n;
}

/* One possibly escaped character of a master-file string [RFC 1035 §5.1]:
 * \DDD is a decimal octet, \X is X literally. */
static bool txt_unescape(const char **pp, struct strbuf *sb, char *err, size_t errsz)
{
	const char *p = *pp;
	if (*p != '\\') {
		sb_putc(sb, *p);
		*pp = p + 1;
		return true;
	}
	if (p[1] == '\0')
		return dns_fail(err, errsz, "TXT data ends with a lone backslash");
	if (p[1] >= '0' && p[1] <= '9') {
		int v = 0;
		for (int i = 1; i <= 3; i++) {
			if (p[i] < '0' || p[i] > '9')
				return dns_fail(err, errsz, "TXT escape must be \\DDD with three digits");
			v = v * 10 + (p[i] - '0');
		}
		if (v == 0 || v > 255)
			return dns_fail(err, errsz, "TXT escape \\%.3s is not an octet 1..255", p + 1);
		sb_putc(sb, (char)v);
		*pp = p + 4;
		return true;
	}
	sb_putc(sb, p[1]);
	*pp = p + 2;
	return true;
}

/* One <character-string>: "quoted" or a bare word. */
static bool txt_one_string(const char **pp, char **outp, char *err, size_t errsz)
{
	const char *p = *pp;
	bool quoted = (*p == '"');
	struct strbuf sb;
	sb_init(&sb);
	if (quoted)
		p++;
	while (*p && (quoted ? *p != '"' : (*p != ' ' && *p != '\t'))) {
		if (!txt_unescape(&p, &sb, err, errsz))
			goto bad;
	}
	if (quoted && *p != '"') {
		dns_fail(err, errsz, "TXT data has an unterminated quoted string");
		goto bad;
	}
	if (sb.len > DNS_TXT_STRING_MAX) {
		dns_fail(err, errsz, "TXT string is %zu octets; one string holds at most 255 "
		     "(split it into several quoted strings)", sb.len);
		goto bad;
	}
	*pp = quoted ? p + 1 : p;
	*outp = sb_steal(&sb);
	return true;
bad:
	sb_free(&sb);
	return false;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Master-file form: a sequence of strings separated by white space. */
static bool txt_parse_strings(const char *p, char ***v, size_t *n, char *err, size_t errsz)
{
	for (p = skip_ws(p); *p; p = skip_ws(p)) {
		char *s;
		if (!txt_one_string(&p, &s, err, errsz))
			return false;
		strv_push(v, n, s);
	}
	return true;
}

/* Unquoted text is taken whole (a scenario writes v=spf1 -all without
 * quoting); longer than one string allows, it is cut into 255-octet pieces
 * as zone tools do for long DKIM keys. */
static bool txt_parse_whole(const char *p, char ***v, size_t *n, char *err, size_t errsz)
{
	size_t len = strlen(p);
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' ||
			   p[len - 1] == '\n'))
		len--;
	if (len == 0)
		return dns_fail(err, errsz, "TXT data must not be empty (write \"\" for an empty string)");
	for (size_t off = 0; off < len; off += DNS_TXT_STRING_MAX) {
		size_t k = len - off < DNS_TXT_STRING_MAX ? len - off : DNS_TXT_STRING_MAX;
		strv_push(v, n, xstrndup(p + off, k));
	}
	return true;
}

/* ---- per-type presentation parsing and formatting ----------------------- */

static bool parse_a(struct dns_rr *rr, const char *rdata, char *err, size_t errsz)
{
	struct words ws;
	bool ok;
	words_split(&ws, rdata);
	ok = ws.n == 1 && inet_pton(AF_INET, ws.w[0], rr->addr) == 1;
	words_free(&ws);
	if (!ok)
		return dns_fail(err, errsz, "A data must be an IPv4 address like 192.0.2.1, got '%s'",
			    rdata);
	return true;
}

static bool parse_aaaa(struct dns_rr *rr, const char *rdata, char *err, size_t errsz)
{
	struct words ws;
	bool ok;
	words_split(&ws, rdata);
	ok = ws.n == 1 && inet_pton(AF_INET6, ws.w[0], rr->addr) == 1;
	words_free(&ws);
	if (!ok)
		return dns_fail(err, errsz,
			    "AAAA data must be an IPv6 address like 2001:db8::1, got '%s'", rdata);
	return true;
}

static bool parse_mx(struct dns_rr *rr, const char *rdata, char *err, size_t errsz)
{
	struct words ws;
	uint32_t pref;
	bool ok = false;
	words_split(&ws, rdata);
	if (ws.n != 2)
		dns_fail(err, errsz, "MX data must be '<preference> <host>'");
	else if (!parse_u32(ws.w[0], 65535, &pref)) /* 16-bit [RFC 1035 §3.3.9] */
		dns_fail(err, errsz, "MX preference must be a number 0..65535, got '%s'", ws.w[0]);
	else if (!(rr->target = name_dup(ws.w[1])))
		dns_fail(err, errsz, "MX host '%s' is not a valid domain name", ws.w[1]);
	else {
		rr->pref = (uint16_t)pref;
		ok = true;
	}
	words_free(&ws);
	return ok;
}

/* CNAME, NS and PTR: one domain name. */
static bool parse_target(struct dns_rr *rr, const char *rdata, char *err, size_t errsz)
{
	struct words ws;
	bool ok = false;
	const char *tn = dns_type_name(rr->type);
	words_split(&ws, rdata);
	if (ws.n != 1)
		dns_fail(err, errsz, "%s data must be one host name", tn);
	else if (!(rr->target = name_dup(ws.w[0])))
		dns_fail(err, errsz, "%s target '%s' is not a valid domain name", tn, ws.w[0]);
	else
		ok = true;
	words_free(&ws);
	return ok;
}

static bool parse_soa(struct dns_rr *rr, const char *rdata, char *err, size_t errsz)
{
	static const char *const fields[] = { "serial", "refresh", "retry", "expire", "minimum" };
	uint32_t *vals[] = { &rr->serial, &rr->refresh, &rr->retry, &rr->expire, &rr->minimum };
	struct words ws;
	bool ok = false;
	words_split(&ws, rdata);
	if (ws.n != 7) {
		dns_fail(err, errsz, "SOA data must be '<mname> <rname> <serial> <refresh> <retry> "
		     "<expire> <minimum>'");
		goto out;
	}
	if (!(rr->mname = name_dup(ws.w[0]))) {
		dns_fail(err, errsz, "SOA mname '%s' is not a valid domain name", ws.w[0]);
		goto out;
	}
	if (!(rr->rname = name_dup(ws.w[1]))) {
		dns_fail(err, errsz, "SOA rname '%s' is not a valid domain name", ws.w[1]);
		goto out;
	}
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		if (!parse_u32(ws.w[2 + i], UINT32_MAX, vals[i])) {
			dns_fail(err, errsz, "SOA %s must be a number 0..4294967295, got '%s'", fields[i],
			     ws.w[2 + i]);
			goto out;
		}
	}
	ok = true;
out:
	words_free(&ws);
	return ok;
}

static bool parse_txt(struct dns_rr *rr, const char *rdata, char *err, size_t errsz)
{
	const char *p = skip_ws(rdata);
	char **v = NULL;
	size_t n = 0;
	bool ok = (*p == '"') ? txt_parse_strings(p, &v, &n, err, errsz)
			      : txt_parse_whole(p, &v, &n, err, errsz);
	if (!ok) {
		strv_free(v, n);
		return false;
	}
	dns_rr_set_txt(rr, v, n);
	return true;
}

static void format_ip(const struct dns_rr *rr, struct strbuf *sb)
{
	char buf[64];
	if (dns_format_ip(rr->addr, rr->type == DNS_T_A ? 4 : 6, buf, sizeof buf))
		sb_puts(sb, buf);
}

static void format_mx(const struct dns_rr *rr, struct strbuf *sb)
{
	sb_put_u64(sb, rr->pref);
	sb_putc(sb, ' ');
	sb_put_fqdn(sb, rr->target);
}

static void format_target(const struct dns_rr *rr, struct strbuf *sb)
{
	sb_put_fqdn(sb, rr->target);
}

static void format_soa(const struct dns_rr *rr, struct strbuf *sb)
{
	sb_put_fqdn(sb, rr->mname);
	sb_putc(sb, ' ');
	sb_put_fqdn(sb, rr->rname);
	sb_printf(sb, " %lu %lu %lu %lu %lu", (unsigned long)rr->serial,
		  (unsigned long)rr->refresh, (unsigned long)rr->retry,
		  (unsigned long)rr->expire, (unsigned long)rr->minimum);
}

/* Quoted master-file strings; '"' and '\' escaped, other non-printing
 * octets as \DDD, so dns_rr_init() reads the output back unchanged. */
static void format_txt(const struct dns_rr *rr, struct strbuf *sb)
{
	size_t n = dns_rr_txt_count(rr);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *s = dns_rr_txt_string(rr, i, &len);
		sb_puts(sb, i ? " \"" : "\"");
		for (size_t k = 0; k < len; k++) {
			unsigned char c = (unsigned char)s[k];
			if (c == '"' || c == '\\')
				sb_printf(sb, "\\%c", c);
			else if (c < 0x20 || c >= 0x7f)
				sb_printf(sb, "\\%03u", (unsigned)c);
			else
				sb_putc(sb, (char)c);
		}
		sb_putc(sb, '"');
	}
}

struct type_info {
	enum dns_type type;
	const char *name;
	bool (*parse)(struct dns_rr *rr, const char *rdata, char *err, size_t errsz);
	void (*format)(const struct dns_rr *rr, struct strbuf *sb);
};

static const struct type_info type_table[] = {
	{ DNS_T_A, "A", parse_a, format_ip },
	{ DNS_T_NS, "NS", parse_target, format_target },
	{ DNS_T_CNAME, "CNAME", parse_target, format_target },
	{ DNS_T_SOA, "SOA", parse_soa, format_soa },
	{ DNS_T_PTR, "PTR", parse_target, format_target },
	{ DNS_T_MX, "MX", parse_mx, format_mx },
	{ DNS_T_TXT, "TXT", parse_txt, format_txt },
	{ DNS_T_AAAA, "AAAA", parse_aaaa, format_ip },
};

static const struct type_info *type_info(enum dns_type t)
{
	for (size_t i = 0; i < ARRAY_LEN(type_table); i++) {
		if (type_table[i].type == t)
			return &type_table[i];
	}
	return NULL;
}

const char *dns_type_name(enum dns_type t)
{
	const struct type_info *ti = type_info(t);
	return ti ? ti->name : "UNKNOWN";
}

bool dns_type_parse(const char *s, enum dns_type *t)
{
	for (size_t i = 0; i < ARRAY_LEN(type_table); i++) {
		if (ascii_strcaseeq(s, type_table[i].name)) {
			*t = type_table[i].type;
			return true;
		}
	}
	return false;
}

/* ---- records ------------------------------------------------------------ */

bool dns_rr_init(struct dns_rr *rr, const char *owner, enum dns_type type,
		 uint32_t ttl, const char *rdata, char *err, size_t errsz)
{
	const struct type_info *ti = type_info(type);
	char name[DNS_NAME_MAX + 1];
	memset(rr, 0, sizeof *rr);
	if (!ti)
		return dns_fail(err, errsz, "unsupported record type %d", (int)type);
	if (!owner || !dns_name_normalize(owner, name, sizeof name))
		return dns_fail(err, errsz, "owner name '%s' is not a valid domain name",
			    owner ? owner : "");
	if (ttl > DNS_TTL_MAX)
		return dns_fail(err, errsz, "TTL %lu is out of range 0..2147483647 (RFC 2181 §8)",
			    (unsigned long)ttl);
	rr->type = type;
	rr->ttl = ttl;
	if (!ti->parse(rr, rdata ? rdata : "", err, errsz)) {
		dns_rr_clear(rr);
		return false;
	}
	rr->name = xstrdup(name);
	return true;
}

void dns_rr_clear(struct dns_rr *rr)
{
	free(rr->name);
	free(rr->target);
	free(rr->txt);
	strv_free(rr->txt_parts, rr->txt_nparts);
	free(rr->mname);
	free(rr->rname);
	memset(rr, 0, sizeof *rr);
}

void dns_rr_copy(struct dns_rr *dst, const struct dns_rr *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->target = dup_or_null(src->target);
	dst->txt = dup_or_null(src->txt);
	dst->mname = dup_or_null(src->mname);
	dst->rname = dup_or_null(src->rname);
	dst->txt_parts = NULL;
	if (src->txt_nparts > 0) {
		dst->txt_parts = xcalloc(src->txt_nparts, sizeof *dst->txt_parts);
		for (size_t i = 0; i < src->txt_nparts; i++)
			dst->txt_parts[i] = xstrdup(src->txt_parts[i]);
	}
}

static bool txt_equal(const struct dns_rr *a, const struct dns_rr *b)
{
	size_t n = dns_rr_txt_count(a);
	if (n != dns_rr_txt_count(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t la, lb;
		const char *sa = dns_rr_txt_string(a, i, &la);
		const char *sb = dns_rr_txt_string(b, i, &lb);
		if (la != lb || memcmp(sa, sb, la) != 0)
			return false;
	}
	return true;
}

bool dns_rr_rdata_equal(const struct dns_rr *a, const struct dns_rr *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case DNS_T_A:
		return memcmp(a->addr, b->addr, 4) == 0;
	case DNS_T_AAAA:
		return memcmp(a->addr, b->addr, 16) == 0;
	case DNS_T_MX:
		return a->pref == b->pref && str_eq_null(a->target, b->target);
	case DNS_T_TXT:
		return txt_equal(a, b);
	case DNS_T_SOA:
		return str_eq_null(a->mname, b->mname) && str_eq_null(a->rname, b->rname) &&
		       a->serial == b->serial && a->refresh == b->refresh &&
		       a->retry == b->retry && a->expire == b->expire && a->minimum == b->minimum;
	default: /* NS, CNAME, PTR */
		return str_eq_null(a->target, b->target);
	}
}

void dns_rr_put_rdata(const struct dns_rr *rr, struct strbuf *sb)
{
	const struct type_info *ti = type_info(rr->type);
	if (ti)
		ti->format(rr, sb);
}

void dns_rr_rdata(const struct dns_rr *rr, char *out, size_t cap)
{
	const struct type_info *ti = type_info(rr->type);
	struct strbuf sb;
	sb_init(&sb);
	if (ti)
		ti->format(rr, &sb);
	sb_copy_out(&sb, out, cap);
	sb_free(&sb);
}

void dns_rr_format(const struct dns_rr *rr, char *out, size_t cap)
{
	const struct type_info *ti = type_info(rr->type);
	struct strbuf sb;
	sb_init(&sb);
	sb_put_fqdn(&sb, rr->name);
	sb_printf(&sb, " %lu IN %s ", (unsigned long)rr->ttl, dns_type_name(rr->type));
	if (ti)
		ti->format(rr, &sb);
	sb_copy_out(&sb, out, cap);
	sb_free(&sb);
}

/* ---- answers ------------------------------------------------------------ */

void dns_rr_vec_free(struct dns_rr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dns_rr_clear(&v[i]);
	free(v);
}

static struct dns_rr *rr_vec_copy(const struct dns_rr *v, size_t n)
{
	struct dns_rr *c;
	if (n == 0)
		return NULL;
	c = xcalloc(n, sizeof *c);
	for (size_t i = 0; i < n; i++)
		dns_rr_copy(&c[i], &v[i]);
	return c;
}

struct dns_rr *dns_rr_vec_push(struct dns_rr **v, size_t *n, const struct dns_rr *rr)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	dns_rr_copy(&(*v)[*n], rr);
	return &(*v)[(*n)++];
}

void dns_answer_clear(struct dns_answer *a)
{
	dns_rr_vec_free(a->rrs, a->n);
	dns_rr_vec_free(a->auth, a->nauth);
	memset(a, 0, sizeof *a);
}

void dns_answer_copy(struct dns_answer *dst, const struct dns_answer *src)
{
	*dst = *src;
	dst->rrs = rr_vec_copy(src->rrs, src->n);
	dst->auth = rr_vec_copy(src->auth, src->nauth);
}

void dns_answer_push(struct dns_answer *a, const struct dns_rr *rr)
{
	dns_rr_vec_push(&a->rrs, &a->n, rr);
}

void dns_answer_push_auth(struct dns_answer *a, const struct dns_rr *rr)
{
	dns_rr_vec_push(&a->auth, &a->nauth, rr);
}

size_t dns_answer_count(const struct dns_answer *a, enum dns_type t)
{
	size_t k = 0;
	for (size_t i = 0; i < a->n; i++)
		k += a->rrs[i].type == t;
	return k;
}

bool dns_answer_is_negative(const struct dns_answer *a, enum dns_type qtype)
{
	if (a->rcode == DNS_R_NXDOMAIN)
		return true;
	return a->rcode == DNS_R_NOERROR && dns_answer_count(a, qtype) == 0;
}

bool dns_answer_first_a(const struct dns_answer *a, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; a && i < a->n; i++)
		if (a->rrs[i].type == DNS_T_A)
			return dns_format_ip(a->rrs[i].addr, 4, out, cap);
	return false;
}

bool dns_answer_is_null_mx(const struct dns_answer *a)
{
	const struct dns_rr *mx = NULL;
	if (a->rcode != DNS_R_NOERROR || dns_answer_count(a, DNS_T_MX) != 1)
		return false; /* "0 ." among other MXes is not a null MX [RFC 7505 §3] */
	for (size_t i = 0; i < a->n; i++) {
		if (a->rrs[i].type == DNS_T_MX)
			mx = &a->rrs[i];
	}
	return mx->pref == 0 && mx->target && mx->target[0] == '\0';
}

/* ---- addresses and reverse names ---------------------------------------- */

bool dns_parse_ip(const char *s, uint8_t addr[16], int *family)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = 6;
		return true;
	}
	memset(addr, 0, 16);
	return false;
}

bool dns_format_ip(const uint8_t addr[16], int family, char *out, size_t cap)
{
	if (family != 4 && family != 6)
		return false;
	return inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, out, (socklen_t)cap) != NULL;
}

/* The address's labels in reverse order without a suffix:
 * "10.2.0.192", or 32 nibbles "b.a.9.8...." for IPv6. */
static bool reverse_labels(const char *ip, struct strbuf *sb, int *family)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t a[16];
	if (!dns_parse_ip(ip, a, family))
		return false;
	if (*family == 4) {
		for (int i = 3; i >= 0; i--) {
			sb_put_u64(sb, a[i]);
			if (i > 0)
				sb_putc(sb, '.');
		}
		return true;
	}
	for (int i = 15; i >= 0; i--) {
		sb_putc(sb, hex[a[i] & 0xf]);
		sb_putc(sb, '.');
		sb_putc(sb, hex[a[i] >> 4]);
		if (i > 0)
			sb_putc(sb, '.');
	}
	return true;
}

/* Append ".suffix" and hand the name out if it is valid and fits. */
static bool reverse_finish(struct strbuf *sb, const char *suffix, char *out, size_t cap)
{
	bool ok;
	if (suffix[0]) {
		sb_putc(sb, '.');
		sb_puts(sb, suffix);
	}
	ok = dns_name_normalize(sb->data, out, cap);
	sb_free(sb);
	return ok;
}

bool dns_reverse_name(const char *ip, char *out, size_t cap)
{
	struct strbuf sb;
	int family;
	sb_init(&sb);
	if (!reverse_labels(ip, &sb, &family)) {
		sb_free(&sb);
		return false;
	}
	return reverse_finish(&sb, family == 4 ? "in-addr.arpa" : "ip6.arpa", out, cap);
}

bool dns_dnsbl_name(const char *ip, const char *zone, char *out, size_t cap)
{
	struct strbuf sb;
	char z[DNS_NAME_MAX + 1];
	int family;
	if (!dns_name_normalize(zone, z, sizeof z))
		return false;
	sb_init(&sb);
	if (!reverse_labels(ip, &sb, &family)) {
		sb_free(&sb);
		return false;
	}
	return reverse_finish(&sb, z, out, cap);
}
