/* dmarc.c — DMARC policy discovery and evaluation [RFC 7489] (see dmarc.h).
 *
 * Invariants:
 *  - The public-suffix table is a fixed, hand-picked SUBSET of the Public
 *    Suffix List (https://publicsuffix.org/list/), enough for teaching
 *    scenarios: generic TLDs, the RFC 2606/6761 reserved names scenarios use
 *    (example, test, invalid, localhost) and common two-level registries
 *    (co.uk, com.au, co.jp, ...). No wildcard or exception rules. A TLD not
 *    listed still counts as a public suffix (the PSL default rule "*").
 *  - The machine copies its inputs; its output is a pure function of those
 *    inputs and the DNS answers it is given. */
#include "dmarc.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "util.h"

/* ---- names -------------------------------------------------------------- */

static const char *const result_names[] = {
	[DMARC_NONE] = "none",
	[DMARC_PASS] = "pass",
	[DMARC_FAIL] = "fail",
	[DMARC_TEMPERROR] = "temperror",
	[DMARC_PERMERROR] = "permerror",
};

static const char *const policy_names[] = {
	[DMARC_POLICY_NONE] = "none",
	[DMARC_POLICY_QUARANTINE] = "quarantine",
	[DMARC_POLICY_REJECT] = "reject",
};

const char *dmarc_result_name(enum dmarc_result r)
{
	return (unsigned)r < ARRAY_LEN(result_names) ? result_names[r] : "unknown";
}

const char *dmarc_policy_name(enum dmarc_policy p)
{
	return (unsigned)p < ARRAY_LEN(policy_names) ? policy_names[p] : "unknown";
}

/* ---- organizational domain [RFC 7489 §3.2] ------------------------------ */

/* A subset of the Public Suffix List (ICANN section), sorted for reading. */
static const char *const public_suffixes[] = {
	"ac.jp", "ac.uk", "app", "arpa", "au", "biz", "br", "ca", "co.in", "co.jp",
	"co.nz", "co.uk", "co.za", "com", "com.au", "com.br", "de", "dev", "edu",
	"edu.au", "eu", "example", "fr", "gov", "gov.au", "gov.uk", "in", "info",
	"int", "invalid", "io", "it", "jp", "localhost", "ltd.uk", "me.uk", "mil",
	"ne.jp", "net", "net.au", "net.uk", "nhs.uk", "nl", "nz", "or.jp", "org",
	"org.au", "org.uk", "plc.uk", "test", "uk", "us", "za",
};

static bool is_public_suffix(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(public_suffixes); i++)
		if (strcmp(public_suffixes[i], name) == 0)
			return true;
	return false;
}

bool dmarc_org_domain(const char *domain, char *out, size_t cap)
{
	char name[DNS_NAME_MAX + 1];
	if (cap)
		out[0] = '\0';
	if (!domain || !dns_name_normalize(domain, name, sizeof name) || name[0] == '\0')
		return false;
	/* Walk the suffixes from the longest (the whole name) to the TLD; the
	 * first listed one is the longest match. Default rule "*": the TLD. */
	const char *suffix = strrchr(name, '.');
	suffix = suffix ? suffix + 1 : name;
	for (const char *p = name; p; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (is_public_suffix(p)) {
			suffix = p;
			break;
		}
	}
	/* One more label to the left of the suffix, if there is one. */
	const char *org = suffix;
	if (suffix != name) {
		org = suffix - 1; /* the dot before the suffix */
		while (org > name && org[-1] != '.')
			org--;
	}
	if (strlen(org) + 1 > cap)
		return false;
	strcpy(out, org);
	return true;
}

bool dmarc_aligned(const char *a, const char *b, enum dmarc_align m)
{
	char na[DNS_NAME_MAX + 1], nb[DNS_NAME_MAX + 1];
	if (!a || !b || !dns_name_normalize(a, na, sizeof na) || !dns_name_normalize(b, nb, sizeof nb))
		return false;
	if (na[0] == '\0' || nb[0] == '\0')
		return false;
	if (m == DMARC_ALIGN_STRICT) /* §3.1.1: exact match */
		return strcmp(na, nb) == 0;
	/* §3.1.1 relaxed: the organizational domains are equal. */
	char oa[DNS_NAME_MAX + 1], ob[DNS_NAME_MAX + 1];
	return dmarc_org_domain(na, oa, sizeof oa) && dmarc_org_domain(nb, ob, sizeof ob) &&
	       strcmp(oa, ob) == 0;
}

/* ---- record parsing [RFC 7489 §6.3-§6.4] -------------------------------- */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool parse_policy(const char *v, enum dmarc_policy *p)
{
	for (size_t i = 0; i < ARRAY_LEN(policy_names); i++)
		if (ascii_strcaseeq(v, policy_names[i])) {
			*p = (enum dmarc_policy)i;
			return true;
		}
	return false;
}

static bool parse_uint(const char *v, uint32_t max, uint32_t *out)
{
	uint64_t n = 0;
	if (!*v)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		n = n * 10 + (uint64_t)(*v - '0');
		if (n > max)
			return false;
	}
	*out = (uint32_t)n;
	return true;
}

/* One dmarc-uri [§6.4]: scheme ":" something, optional "!size". We only
 * need "syntactically valid" for the §6.6.3 step 6 rule. */
static bool uri_valid(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return false;
	while (i < n && s[i] != ':') {
		char c = s[i];
		bool ok = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') ||
			  c == '+' || c == '-' || c == '.';
		if (!ok)
			return false;
		i++;
	}
	return i < n && i + 1 < n && s[i + 1] != '!';
}

/* Comma-separated URI list; true if at least one is valid, and none is
 * empty. *any_valid reports the "at least one" part for step 6. */
static bool uri_list_valid(const char *v, bool *any_valid)
{
	bool all = true;
	*any_valid = false;
	while (*v) {
		const char *comma = strchr(v, ',');
		size_t n = comma ? (size_t)(comma - v) : strlen(v);
		while (n && is_wsp(*v)) {
			v++;
			n--;
		}
		while (n && is_wsp(v[n - 1]))
			n--;
		if (uri_valid(v, n))
			*any_valid = true;
		else
			all = false;
		v += n;
		while (*v && *v != ',')
			v++;
		if (*v == ',')
			v++;
	}
	return all && *any_valid;
}

static bool chars_in(const char *v, const char *set)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (!strchr(set, *v))
			return false;
	return true;
}

static void copy_trunc(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

/* What parsing one record found besides the record itself. */
struct parse_state {
	struct dmarc_record *rec;
	bool p_seen, p_bad, sp_bad, rua_any_valid;
};

typedef bool (*tag_fn)(struct parse_state *ps, const char *value);

static bool tag_p(struct parse_state *ps, const char *v)
{
	ps->p_seen = true;
	ps->p_bad = !parse_policy(v, &ps->rec->p);
	return true; /* judged at the end: §6.6.3 step 6 */
}

static bool tag_sp(struct parse_state *ps, const char *v)
{
	ps->rec->has_sp = true;
	ps->sp_bad = !parse_policy(v, &ps->rec->sp);
	return true;
}

static bool tag_pct(struct parse_state *ps, const char *v)
{
	uint32_t n;
	if (!parse_uint(v, 100, &n))
		return false;
	ps->rec->pct = (int)n;
	return true;
}

static bool parse_align(const char *v, enum dmarc_align *a)
{
	if (ascii_strcaseeq(v, "r"))
		*a = DMARC_ALIGN_RELAXED;
	else if (ascii_strcaseeq(v, "s"))
		*a = DMARC_ALIGN_STRICT;
	else
		return false;
	return true;
}

static bool tag_adkim(struct parse_state *ps, const char *v)
{
	return parse_align(v, &ps->rec->adkim);
}

static bool tag_aspf(struct parse_state *ps, const char *v)
{
	return parse_align(v, &ps->rec->aspf);
}

static bool tag_rua(struct parse_state *ps, const char *v)
{
	copy_trunc(ps->rec->rua, sizeof ps->rec->rua, v);
	return uri_list_valid(v, &ps->rua_any_valid);
}

static bool tag_ruf(struct parse_state *ps, const char *v)
{
	bool any;
	copy_trunc(ps->rec->ruf, sizeof ps->rec->ruf, v);
	return uri_list_valid(v, &any);
}

static bool tag_fo(struct parse_state *ps, const char *v)
{
	copy_trunc(ps->rec->fo, sizeof ps->rec->fo, v);
	return chars_in(v, "01ds:"); /* §6.3: 0, 1, d, s, colon-separated */
}

static bool tag_rf(struct parse_state *ps, const char *v)
{
	copy_trunc(ps->rec->rf, sizeof ps->rec->rf, v);
	return chars_in(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
}

static bool tag_ri(struct parse_state *ps, const char *v)
{
	return parse_uint(v, UINT32_MAX, &ps->rec->ri);
}

static const struct {
	const char *name;
	tag_fn fn;
} tag_table[] = {
	{"p", tag_p},         {"sp", tag_sp},   {"pct", tag_pct}, {"adkim", tag_adkim},
	{"aspf", tag_aspf},   {"rua", tag_rua}, {"ruf", tag_ruf}, {"fo", tag_fo},
	{"rf", tag_rf},       {"ri", tag_ri},
};

static void record_defaults(struct dmarc_record *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->pct = 100;
	rec->adkim = rec->aspf = DMARC_ALIGN_RELAXED;
	strcpy(rec->fo, "0");
	strcpy(rec->rf, "afrf");
	rec->ri = 86400;
}

static bool say(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool say(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errsz)
		vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return false;
}

/* Split "name = value" (trimmed) out of one tag-spec [RFC 6376 §3.2]. */
static bool split_tag(char *spec, char **name, char **value)
{
	char *eq = strchr(spec, '=');
	if (!eq)
		return false;
	*eq = '\0';
	char *n = spec, *v = eq + 1;
	while (is_wsp(*n))
		n++;
	for (char *e = n + strlen(n); e > n && is_wsp(e[-1]);)
		*--e = '\0';
	while (is_wsp(*v))
		v++;
	for (char *e = v + strlen(v); e > v && is_wsp(e[-1]);)
		*--e = '\0';
	*name = n;
	*value = v;
	return *n != '\0';
}

/* Apply one tag; duplicates invalidate the whole tag-list [RFC 6376 §3.2,
 * which RFC 7489 §6.4 adopts]; unknown tags are ignored [§6.3]. */
static bool apply_tag(struct parse_state *ps, const char *name, const char *value,
		      unsigned *seen, char *err, size_t errsz)
{
	for (size_t i = 0; i < ARRAY_LEN(tag_table); i++) {
		if (!ascii_strcaseeq(name, tag_table[i].name))
			continue;
		if (*seen & (1u << i))
			return say(err, errsz, "duplicate tag %s", tag_table[i].name);
		*seen |= 1u << i;
		if (!tag_table[i].fn(ps, value))
			return say(err, errsz, "invalid value for %s", tag_table[i].name);
		return true;
	}
	return true;
}

/* §6.6.3 step 6: a missing/invalid p or invalid sp makes the record
 * unusable, unless rua has a valid URI: then act as if p=none. */
static enum dmarc_parse judge_policy(struct parse_state *ps, char *err, size_t errsz)
{
	struct dmarc_record *rec = ps->rec;
	if (ps->p_seen && !ps->p_bad && !ps->sp_bad) {
		if (!rec->has_sp)
			rec->sp = rec->p;
		return DMARC_PARSE_OK;
	}
	if (ps->rua_any_valid) {
		rec->p = rec->sp = DMARC_POLICY_NONE;
		rec->p_assumed = true;
		return DMARC_PARSE_OK;
	}
	say(err, errsz, "%s", !ps->p_seen ? "missing p= tag" : ps->p_bad ? "invalid p= value" : "invalid sp= value");
	return DMARC_PARSE_INVALID;
}

enum dmarc_parse dmarc_record_parse(const char *txt, struct dmarc_record *rec, char *err,
				    size_t errsz)
{
	record_defaults(rec);
	if (err && errsz)
		err[0] = '\0';
	char *copy = xstrdup(txt ? txt : "");
	struct parse_state ps = {.rec = rec};
	enum dmarc_parse res = DMARC_PARSE_OK;
	unsigned seen = 0;
	size_t ntag = 0;
	for (char *save = NULL, *spec = strtok_r(copy, ";", &save); spec;
	     spec = strtok_r(NULL, ";", &save)) {
		char *name, *value;
		bool blank = true;
		for (const char *c = spec; *c; c++)
			blank = blank && is_wsp(*c);
		if (blank)
			continue; /* "a=b;;" or a trailing ";" */
		bool ok = split_tag(spec, &name, &value);
		if (ntag++ == 0) {
			/* §6.3: v=DMARC1 must come first; the value is case-sensitive. */
			if (!ok || !ascii_strcaseeq(name, "v") || strcmp(value, "DMARC1") != 0) {
				res = DMARC_PARSE_NOT_DMARC;
				break;
			}
			continue;
		}
		if (!ok) {
			say(err, errsz, "malformed tag \"%s\"", spec);
			res = DMARC_PARSE_INVALID;
			break;
		}
		if (!apply_tag(&ps, name, value, &seen, err, errsz)) {
			res = DMARC_PARSE_INVALID;
			break;
		}
	}
	free(copy);
	if (ntag == 0)
		res = DMARC_PARSE_NOT_DMARC;
	if (res == DMARC_PARSE_OK)
		res = judge_policy(&ps, err, errsz);
	return res;
}

/* ---- the RFC5322.From domain [RFC 7489 §6.6.1] -------------------------- */

/* Collects the domains of address-lists [RFC 5322 §3.4]: each mailbox's
 * addr-spec is rebuilt with quoted strings and comments dropped, which is
 * enough to find the domain after the last '@'. */
struct addr_walk {
	struct strbuf bare, angle;
	bool has_angle;
	char first[DNS_NAME_MAX + 1];
	size_t ndomains;
	bool differ;
};

static void walk_finish_item(struct addr_walk *w)
{
	const struct strbuf *src = w->has_angle ? &w->angle : &w->bare;
	const char *at = src->len ? strrchr(src->data, '@') : NULL;
	char dom[DNS_NAME_MAX + 1];
	/* A domain literal or garbage after '@' is no DNS domain: skipped. */
	if (at && dns_name_normalize(at + 1, dom, sizeof dom) && dom[0] != '\0') {
		if (w->ndomains++ == 0)
			strcpy(w->first, dom);
		else if (strcmp(w->first, dom) != 0)
			w->differ = true;
	}
	sb_clear(&w->bare);
	sb_clear(&w->angle);
	w->has_angle = false;
}

/* Index of the '"' closing the quoted string opened at s[i], or len.
 * Backslash quotes the next character [RFC 5322 §3.2.4]. */
static size_t skip_quoted(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i;
	}
	return len;
}

/* Index of the ')' closing the (nestable) comment opened at s[i], or len
 * [RFC 5322 §3.2.2]. */
static size_t skip_comment(const char *s, size_t len, size_t i)
{
	int depth = 0;
	for (; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i;
	}
	return len;
}

static void walk_address_list(struct addr_walk *w, const char *s, size_t len)
{
	bool in_angle = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '"') {
			i = skip_quoted(s, len, i);
		} else if (c == '(') {
			i = skip_comment(s, len, i);
		} else if (c == '<' && !in_angle) {
			in_angle = true;
			w->has_angle = true;
			sb_clear(&w->angle);
		} else if (c == '>' && in_angle) {
			in_angle = false;
		} else if (!in_angle && (c == ',' || c == ';')) {
			walk_finish_item(w);
		} else if (!in_angle && c == ':') {
			sb_clear(&w->bare); /* group "name:" [RFC 5322 §3.4] */
		} else if (!is_wsp(c)) {
			sb_putc(in_angle ? &w->angle : &w->bare, c);
		}
	}
	walk_finish_item(w);
}

/* Feed every From field of the header block (several From fields count
 * like several addresses) to the walker, unfolded [RFC 5322 §2.2.3]. */
static void walk_from_fields(const char *msg, size_t len, struct addr_walk *w)
{
	size_t end = msg_body_offset(msg, len);
	struct strbuf val;
	sb_init(&val);
	size_t i = 0;
	while (i < end) {
		size_t eol = i;
		while (eol < end && msg[eol] != '\n')
			eol++;
		bool is_from = eol - i >= 5 && ascii_strncaseeq(msg + i, "From", 4);
		size_t colon = i + 4;
		while (is_from && colon < eol && (msg[colon] == ' ' || msg[colon] == '\t'))
			colon++; /* obsolete "From :" [RFC 5322 §4.5.3] */
		is_from = is_from && colon < eol && msg[colon] == ':';
		sb_clear(&val);
		if (is_from)
			sb_append(&val, msg + colon + 1, eol - colon - 1);
		/* Continuation lines start with WSP. */
		while (eol < end && eol + 1 < end && (msg[eol + 1] == ' ' || msg[eol + 1] == '\t')) {
			size_t next = eol + 1;
			eol = next;
			while (eol < end && msg[eol] != '\n')
				eol++;
			if (is_from)
				sb_append(&val, msg + next, eol - next);
		}
		if (is_from)
			walk_address_list(w, val.data, val.len);
		i = eol + 1;
	}
	sb_free(&val);
}

enum dmarc_from dmarc_from_domain(const char *msg, size_t len, char *out, size_t cap)
{
	struct addr_walk w;
	memset(&w, 0, sizeof w);
	sb_init(&w.bare);
	sb_init(&w.angle);
	walk_from_fields(msg, len, &w);
	sb_free(&w.bare);
	sb_free(&w.angle);
	if (cap)
		out[0] = '\0';
	if (w.ndomains == 0)
		return DMARC_FROM_MISSING;
	/* §6.6.1 lets a receiver evaluate each domain and apply the strictest
	 * policy; like many receivers we treat differing domains as an error. */
	if (w.differ)
		return DMARC_FROM_MULTIPLE;
	if (strlen(w.first) + 1 > cap)
		return DMARC_FROM_MISSING;
	strcpy(out, w.first);
	return DMARC_FROM_OK;
}

/* ---- the evaluation machine [RFC 7489 §6.6.2-§6.6.4] -------------------- */

enum dmarc_state {
	ST_ASK_FROM, /* _dmarc.<From domain> */
	ST_ASK_ORG,  /* _dmarc.<organizational domain> */
	ST_DONE
};

struct dmarc_sig {
	char *domain; /* owned */
	bool pass;
};

struct dmarc {
	enum dmarc_state st;
	bool spf_pass;
	char *spf_domain;       /* owned, may be NULL */
	struct dmarc_sig *dkim; /* owned array */
	size_t ndkim;
	double u;
	struct dmarc_outcome out;
};

static void finish(struct dmarc *d, enum dmarc_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct dmarc *d, enum dmarc_result r, const char *fmt, ...)
{
	va_list ap;
	d->st = ST_DONE;
	d->out.result = r;
	d->out.policy = DMARC_POLICY_NONE;
	va_start(ap, fmt);
	vsnprintf(d->out.explain, sizeof d->out.explain, fmt, ap);
	va_end(ap);
}

struct dmarc *dmarc_new(const struct dmarc_input *in)
{
	struct dmarc *d = xcalloc(1, sizeof *d);
	d->spf_pass = in->spf_pass;
	d->spf_domain = in->spf_domain ? xstrdup(in->spf_domain) : NULL;
	d->dkim = xcalloc(in->ndkim ? in->ndkim : 1, sizeof *d->dkim);
	for (size_t i = 0; i < in->ndkim; i++) {
		d->dkim[i].domain = xstrdup(in->dkim[i].domain ? in->dkim[i].domain : "");
		d->dkim[i].pass = in->dkim[i].pass;
	}
	d->ndkim = in->ndkim;
	d->u = in->u;
	struct dmarc_outcome *o = &d->out;
	/* The query name must fit too: "_dmarc." + domain <= 253. */
	if (!in->from_domain || !dns_name_normalize(in->from_domain, o->from_domain, sizeof o->from_domain) ||
	    o->from_domain[0] == '\0' || strlen("_dmarc.") + strlen(o->from_domain) > DNS_NAME_MAX) {
		o->from_domain[0] = '\0';
		finish(d, DMARC_PERMERROR, "no usable RFC5322.From domain%s%s", "", "");
		return d;
	}
	dmarc_org_domain(o->from_domain, o->org_domain, sizeof o->org_domain);
	d->st = ST_ASK_FROM;
	return d;
}

void dmarc_free(struct dmarc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ndkim; i++)
		free(d->dkim[i].domain);
	free(d->dkim);
	free(d->spf_domain);
	free(d);
}

enum auth_step dmarc_step(struct dmarc *d, char *qname, size_t cap, enum dns_type *qtype)
{
	if (d->st == ST_DONE)
		return AUTH_DONE;
	const char *dom = d->st == ST_ASK_FROM ? d->out.from_domain : d->out.org_domain;
	snprintf(qname, cap, "_dmarc.%s", dom);
	*qtype = DNS_T_TXT;
	return AUTH_NEED_DNS;
}

const struct dmarc_outcome *dmarc_result(const struct dmarc *d)
{
	assert(d->st == ST_DONE);
	return &d->out;
}

/* §6.6.4: a message not selected by pct gets the next lower policy. */
static enum dmarc_policy policy_lower(enum dmarc_policy p)
{
	return p == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE : DMARC_POLICY_NONE;
}

static void check_alignment(struct dmarc *d)
{
	struct dmarc_outcome *o = &d->out;
	o->spf_aligned = d->spf_pass && d->spf_domain &&
			 dmarc_aligned(d->spf_domain, o->from_domain, o->rec.aspf);
	o->dkim_aligned = false;
	for (size_t i = 0; i < d->ndkim && !o->dkim_aligned; i++)
		o->dkim_aligned = d->dkim[i].pass &&
				  dmarc_aligned(d->dkim[i].domain, o->from_domain, o->rec.adkim);
}

static void evaluate(struct dmarc *d, bool from_org)
{
	struct dmarc_outcome *o = &d->out;
	o->have_record = true;
	/* §6.3 sp: the organizational domain's policy for its subdomains. */
	bool subdomain = from_org && strcmp(o->from_domain, o->org_domain) != 0;
	o->requested = subdomain ? o->rec.sp : o->rec.p;
	o->sampled = d->u * 100.0 < (double)o->rec.pct;
	check_alignment(d);
	d->st = ST_DONE;
	if (o->spf_aligned || o->dkim_aligned) {
		o->result = DMARC_PASS;
		o->policy = DMARC_POLICY_NONE;
		snprintf(o->explain, sizeof o->explain, "DMARC pass for %s: %s%s%s aligned",
			 o->from_domain, o->spf_aligned ? "SPF" : "",
			 o->spf_aligned && o->dkim_aligned ? " and " : "", o->dkim_aligned ? "DKIM" : "");
		return;
	}
	o->result = DMARC_FAIL;
	o->policy = o->sampled ? o->requested : policy_lower(o->requested);
	snprintf(o->explain, sizeof o->explain,
		 "DMARC fail for %s: no aligned SPF or DKIM pass; %s=%s%s, applying %s",
		 o->from_domain, subdomain ? "sp" : "p", dmarc_policy_name(o->requested),
		 o->sampled ? "" : " (not sampled by pct)", dmarc_policy_name(o->policy));
}

/* SERVFAIL and friends are transient [RFC 7489 §6.6.3: a "transient DNS
 * error" is not "no record"]; NXDOMAIN and NODATA mean no record. */
static bool rcode_is_transient(enum dns_rcode r)
{
	return r != DNS_R_NOERROR && r != DNS_R_NXDOMAIN;
}

void dmarc_answer(struct dmarc *d, const struct dns_answer *ans)
{
	if (d->st == ST_DONE)
		return;
	struct dmarc_outcome *o = &d->out;
	bool at_org = d->st == ST_ASK_ORG;
	snprintf(o->record_name, sizeof o->record_name, "_dmarc.%s",
		 at_org ? o->org_domain : o->from_domain);
	if (!ans || rcode_is_transient(ans->rcode)) {
		finish(d, DMARC_TEMPERROR, "DNS %s looking up %s", ans ? dns_rcode_name(ans->rcode) : "timeout",
		       o->record_name);
		return;
	}
	/* §6.6.3 steps 1-5: keep only records that start with v=DMARC1. */
	size_t found = 0;
	enum dmarc_parse first = DMARC_PARSE_NOT_DMARC;
	char err[96] = "";
	for (size_t i = 0; i < ans->n; i++) {
		struct dmarc_record rec;
		char e[96];
		if (ans->rrs[i].type != DNS_T_TXT)
			continue;
		enum dmarc_parse r = dmarc_record_parse(ans->rrs[i].txt, &rec, e, sizeof e);
		if (r == DMARC_PARSE_NOT_DMARC)
			continue;
		if (found++ == 0) {
			first = r;
			o->rec = rec;
			strcpy(err, e);
		}
	}
	if (found == 0 && !at_org && strcmp(o->from_domain, o->org_domain) != 0) {
		d->st = ST_ASK_ORG; /* step 3: fall back to the organizational domain */
		return;
	}
	if (found == 0)
		finish(d, DMARC_NONE, "no DMARC record at %s%s", o->record_name, "");
	else if (found > 1)
		finish(d, DMARC_PERMERROR, "several DMARC records at %s%s", o->record_name, "");
	else if (first == DMARC_PARSE_INVALID)
		finish(d, DMARC_PERMERROR, "unusable DMARC record at %s: %s", o->record_name, err);
	else
		evaluate(d, at_org);
}

void dmarc_ar_comment(const struct dmarc_outcome *o, char *out, size_t cap)
{
	if (!cap)
		return;
	out[0] = '\0';
	if (!o->have_record)
		return;
	struct strbuf sb;
	sb_init(&sb);
	sb_printf(&sb, "p=%s", dmarc_policy_name(o->rec.p));
	if (o->rec.has_sp)
		sb_printf(&sb, " sp=%s", dmarc_policy_name(o->rec.sp));
	if (o->rec.pct != 100)
		sb_printf(&sb, " pct=%d", o->rec.pct);
	sb_printf(&sb, " dis=%s", dmarc_policy_name(o->policy));
	snprintf(out, cap, "%s", sb.data);
	sb_free(&sb);
}
