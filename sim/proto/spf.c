/* spf.c — RFC 7208 check_host() as a sans-IO state machine.
 *
 * Shape: a stack of frames, one per SPF record being evaluated. frames[0]
 * is the checked domain (redirect= replaces a frame's record in place, as
 * check_host() re-enters with a new <domain> [§6.1]); include: pushes a
 * child whose result the parent maps per §5.2. Only the top frame is ever
 * active, so the DNS work of the current term (MX names, the PTR walk)
 * lives in struct spf, not in the frame.
 *
 * Every wait for DNS is a continuation: spf_query() records the query and
 * the handler to run on its answer; spf_step() drives frame_advance() until
 * a query is outstanding or the result is final.
 *
 * Invariants:
 *  - phase == PH_DONE  => no query is pending and result/reason are final;
 *  - a pending query has a handler; spf_answer() clears pending first;
 *  - a record is fully parsed (every term syntax-checked, §4.6) before its
 *    first term is evaluated, so a later syntax error is a permerror even
 *    when an earlier term would have matched;
 *  - temperror/permerror anywhere end the whole evaluation at once (the
 *    §5.2 include mapping passes both through unchanged);
 *  - nothing depends on the clock, randomness or pointer values.
 *
 * Macro expansion [§7] is spf_macro.c. This file is still over 800 lines because it is one state machine: record
 * parsing shares the mechanism table with the evaluators (each entry is a
 * parser and an evaluator), and the frames, the DNS continuations, the
 * PTR walk and exp= all step the same struct spf.
 */
#include "spf.h"
#include "spf_macro.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- types ---------------------------------------------------------------- */

enum spf_mech { MECH_ALL, MECH_INCLUDE, MECH_A, MECH_MX, MECH_PTR, MECH_IP4, MECH_IP6, MECH_EXISTS };

struct spf_term {
	enum spf_result qual; /* the result when it matches [§4.6.2] */
	enum spf_mech mech;
	char *text;           /* the term as written: spf_mechanism() */
	char *spec;           /* domain-spec; NULL = the current <domain> */
	int cidr4, cidr6;     /* prefix lengths (defaults 32 / 128) */
	uint8_t net[16];      /* ip4/ip6 network */
	bool needs_p;         /* the domain-spec uses %{p} */
};

enum frame_state {
	FS_FETCH,    /* the record's TXT query is still to be sent */
	FS_FETCHING, /* ... and is in flight */
	FS_TERMS,    /* evaluate terms[pos] (pos == nterms: no match) */
	FS_WAIT      /* terms[pos] waits for DNS or for an include child */
};

struct spf_frame {
	char *domain;        /* <domain> as expanded: %{d} */
	char *name;          /* the same, canonical: what is queried */
	char *via;           /* "redirect=..." that led here, or NULL */
	struct spf_term *terms;
	size_t nterms, pos;
	char *redirect, *redirect_text, *exp; /* modifiers; NULL if absent */
	bool redirect_p, exp_p;               /* ... using %{p} */
	enum frame_state state;
};

/* Validated host names of the client address [§5.5], for the ptr
 * mechanism (filtered by target, stop at the first) and for %{p}. */
struct spf_walk {
	char **names;        /* PTR names still worth validating (<= 10) */
	size_t n, i;
	char **valid;
	size_t nvalid;
	char *filter;        /* canonical; NULL = every name */
	bool first_only;
	void (*done)(struct spf *s);
};

typedef void (*spf_answer_fn)(struct spf *s, const struct dns_answer *ans);

enum spf_phase { PH_EVAL, PH_EXP, PH_EXP_TEXT, PH_DONE };
enum spf_pstate { P_IDLE, P_RUNNING, P_READY };

struct spf {
	/* check_host() inputs and the fixed macro values [§4.1, §7.3] */
	uint8_t ip[16];
	int family;          /* 4 or 6; 0 if the address did not parse */
	char *ip_c;          /* %{c}: "192.0.2.3", "2001:db8::1" */
	char *ip_i;          /* %{i}: "192.0.2.3", 32 dotted nibbles */
	char *sender;        /* %{s} */
	char *local;         /* %{l} */
	char *sender_dom;    /* %{o} */
	char *helo;          /* %{h} */
	char *receiver;      /* %{r} */
	int64_t now;         /* %{t} */
	char *domain;        /* canonical checked domain: spf_domain() */

	struct spf_frame *frames;
	size_t depth, cap;
	int lookups, voids;

	/* the DNS work of the current term */
	char **names;        /* mx: exchanges in preference order */
	size_t nnames, iname;
	struct spf_walk walk;  /* ptr mechanism */
	struct spf_walk pwalk; /* %{p}, computed once on first use */
	struct spf_walk *active_walk;
	enum spf_pstate p_state;

	bool pending;
	char qname[DNS_NAME_MAX + 1];
	enum dns_type qtype;
	spf_answer_fn on_answer;

	enum spf_phase phase;
	enum spf_result result;
	char *reason, *mechanism, *inner, *exp_raw, *exp_text;
};

enum answer_kind { OUT_OK, OUT_VOID, OUT_ERR };

static void frame_advance(struct spf *s);
static void term_verdict(struct spf *s, bool match);

/* ---- small helpers ---------------------------------------------------------- */

const char *spf_result_name(enum spf_result r)
{
	static const char *const names[] = {
		[SPF_NONE] = "none",         [SPF_NEUTRAL] = "neutral",
		[SPF_PASS] = "pass",         [SPF_FAIL] = "fail",
		[SPF_SOFTFAIL] = "softfail", [SPF_TEMPERROR] = "temperror",
		[SPF_PERMERROR] = "permerror",
	};
	if ((unsigned)r >= ARRAY_LEN(names))
		return "unknown";
	return names[r];
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void set_str(char **dst, char *val)
{
	free(*dst);
	*dst = val;
}

/* NXDOMAIN and NODATA are "void" [§4.6.4]; a timeout (NULL) or any other
 * RCODE is a DNS error [§2.6.6]. */
static enum answer_kind answer_kind(const struct dns_answer *a, enum dns_type t)
{
	if (!a)
		return OUT_ERR;
	if (a->rcode == DNS_R_NXDOMAIN)
		return OUT_VOID;
	if (a->rcode != DNS_R_NOERROR)
		return OUT_ERR;
	return dns_answer_count(a, t) ? OUT_OK : OUT_VOID;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rem = bits % 8;
	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rem == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rem));
	return (a[full] & mask) == (b[full] & mask);
}

/* ---- macros [§7]: the values spf_macro.c expands ------------------------- */

static struct spf_macro_vars macro_vars(const struct spf *s)
{
	return (struct spf_macro_vars){
		.sender = s->sender, .local = s->local, .sender_dom = s->sender_dom,
		.ip_i = s->ip_i, .ip_c = s->ip_c, .helo = s->helo, .receiver = s->receiver,
		.ip6 = s->family == 6, .now = s->now,
		.pnames = (const char *const *)s->pwalk.valid, .npnames = s->pwalk.nvalid,
	};
}

static void macro_expand(const struct spf *s, const char *in, const char *d, bool exp_text,
			 struct strbuf *out)
{
	struct spf_macro_vars v = macro_vars(s);
	spf_macro_expand(&v, in, d, exp_text, out);
}

static char *expand_domain(const struct spf *s, const char *spec, const char *d)
{
	struct spf_macro_vars v = macro_vars(s);
	return spf_expand_domain(&v, spec, d);
}

/* ---- ending, queries, limits ---------------------------------------------- */

static struct spf_frame *top(struct spf *s)
{
	assert(s->depth > 0);
	return &s->frames[s->depth - 1];
}

static struct spf_term *cur_term(struct spf *s)
{
	struct spf_frame *f = top(s);
	assert(f->pos < f->nterms);
	return &f->terms[f->pos];
}

/* The top-level term responsible for where evaluation stands now. */
static const char *top_term(const struct spf *s)
{
	const struct spf_frame *f;
	if (s->depth == 0)
		return "";
	f = &s->frames[0];
	if (f->state == FS_FETCH || f->state == FS_FETCHING)
		return f->via ? f->via : "";
	if (f->pos < f->nterms)
		return f->terms[f->pos].text;
	return f->redirect_text ? f->redirect_text : "";
}

static void work_clear(struct spf *s)
{
	free_list(s->names, s->nnames);
	s->names = NULL;
	s->nnames = s->iname = 0;
}

static void spf_end(struct spf *s, enum spf_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Final result, reason and deciding term; evaluation stops here. */
static void spf_end(struct spf *s, enum spf_result r, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb;
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	set_str(&s->reason, sb_steal(&sb));
	set_str(&s->mechanism, xstrdup(top_term(s)));
	s->result = r;
	s->phase = PH_DONE;
	s->pending = false;
	work_clear(s);
}

static void spf_query(struct spf *s, const char *name, enum dns_type t, spf_answer_fn fn)
{
	assert(strlen(name) <= DNS_NAME_MAX);
	strcpy(s->qname, name);
	s->qtype = t;
	s->on_answer = fn;
	s->pending = true;
}

static void spf_dns_error(struct spf *s, const struct dns_answer *ans)
{
	spf_end(s, SPF_TEMPERROR, "DNS %s looking up %s %s",
		ans ? dns_rcode_name(ans->rcode) : "timeout", dns_type_name(s->qtype), s->qname);
}

/* §4.6.4: the 11th DNS-querying term is a permerror. */
static bool count_lookup(struct spf *s)
{
	if (++s->lookups > SPF_MAX_DNS_TERMS) {
		spf_end(s, SPF_PERMERROR, "too many DNS lookups (%d > %d)", s->lookups,
			SPF_MAX_DNS_TERMS);
		return false;
	}
	return true;
}

/* §4.6.4: a third void lookup is a permerror — but not while fetching the
 * exp= text, whose failures never change the result [§6.2]. */
static bool count_void(struct spf *s)
{
	if (++s->voids > SPF_MAX_VOID && s->phase == PH_EVAL) {
		spf_end(s, SPF_PERMERROR, "too many void lookups (%d > %d)", s->voids, SPF_MAX_VOID);
		return false;
	}
	return true;
}

static enum dns_type addr_type(const struct spf *s)
{
	return s->family == 6 ? DNS_T_AAAA : DNS_T_A;
}

static bool answer_has_ip(const struct spf *s, const struct dns_answer *ans, int bits)
{
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->rrs[i].type == addr_type(s) && prefix_match(ans->rrs[i].addr, s->ip, bits))
			return true;
	}
	return false;
}

/* A checked or included domain must be a well-formed multi-label name
 * [§4.3]; canon gets its canonical form. */
static bool domain_usable(const char *d, char canon[DNS_NAME_MAX + 1])
{
	return dns_name_normalize(d, canon, DNS_NAME_MAX + 1) && strchr(canon, '.') != NULL;
}

/* ---- the PTR walk [§5.5] ------------------------------------------------------ */

static void walk_clear(struct spf_walk *w)
{
	free_list(w->names, w->n);
	free_list(w->valid, w->nvalid);
	free(w->filter);
	memset(w, 0, sizeof *w);
}

static void walk_on_addr(struct spf *s, const struct dns_answer *ans);

static void walk_next(struct spf *s)
{
	struct spf_walk *w = s->active_walk;
	if (w->i < w->n && !(w->first_only && w->nvalid > 0)) {
		spf_query(s, w->names[w->i], addr_type(s), walk_on_addr);
		return;
	}
	s->active_walk = NULL;
	w->done(s);
}

/* A lookup error skips the name ("that domain name is skipped"). */
static void walk_on_addr(struct spf *s, const struct dns_answer *ans)
{
	struct spf_walk *w = s->active_walk;
	enum answer_kind o = answer_kind(ans, addr_type(s));
	if (o == OUT_VOID && !count_void(s))
		return;
	if (o == OUT_OK && answer_has_ip(s, ans, s->family == 6 ? 128 : 32)) {
		w->valid = xrealloc(w->valid, (w->nvalid + 1) * sizeof *w->valid);
		w->valid[w->nvalid++] = xstrdup(w->names[w->i]);
	}
	w->i++;
	walk_next(s);
}

/* At most SPF_MAX_PTR_NAMES PTR names are looked at, the rest ignored
 * [§4.6.4]; a PTR lookup error just yields no names [§5.5]. */
static void walk_on_ptr(struct spf *s, const struct dns_answer *ans)
{
	struct spf_walk *w = s->active_walk;
	enum answer_kind o = answer_kind(ans, DNS_T_PTR);
	size_t seen = 0;
	if (o == OUT_VOID && !count_void(s))
		return;
	for (size_t i = 0; o == OUT_OK && i < ans->n && seen < SPF_MAX_PTR_NAMES; i++) {
		const struct dns_rr *rr = &ans->rrs[i];
		if (rr->type != DNS_T_PTR)
			continue;
		seen++;
		if (!rr->target[0] || (w->filter && !dns_name_is_under(rr->target, w->filter)))
			continue;
		w->names = xrealloc(w->names, (w->n + 1) * sizeof *w->names);
		w->names[w->n++] = xstrdup(rr->target);
	}
	walk_next(s);
}

static void walk_start(struct spf *s, struct spf_walk *w, char *filter, bool first_only,
		       void (*done)(struct spf *s))
{
	char rev[DNS_NAME_MAX + 1];
	walk_clear(w);
	w->filter = filter;
	w->first_only = first_only;
	w->done = done;
	s->active_walk = w;
	if (!dns_reverse_name(s->ip_c, rev, sizeof rev)) {
		walk_next(s); /* cannot happen for a parsed address */
		return;
	}
	spf_query(s, rev, DNS_T_PTR, walk_on_ptr);
}

static void p_done(struct spf *s)
{
	s->p_state = P_READY;
}

/* True if %{p} can be expanded now; otherwise starts computing it. */
static bool p_ready(struct spf *s)
{
	if (s->p_state == P_READY)
		return true;
	assert(s->p_state == P_IDLE);
	s->p_state = P_RUNNING;
	walk_start(s, &s->pwalk, NULL, false, p_done);
	return false;
}

/* ---- record parsing [§4.5, §4.6, §12] ----------------------------------------- */

/* Cut a trailing "/" ip4-cidr-length or ip6-cidr-length: "0" or a number
 * without a leading zero, at most 3 digits. */
static bool cut_cidr(const char *s, size_t *n, int *value)
{
	size_t end = *n, i = end;
	while (i > 0 && is_digit(s[i - 1]) && end - i < 4)
		i--;
	if (i == end || end - i > 3 || i == 0 || s[i - 1] != '/')
		return false;
	if (s[i] == '0' && end - i > 1)
		return false;
	*value = atoi(s + i);
	*n = i - 1;
	return true;
}

/* dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] */
static bool cut_dual_cidr(struct spf_term *t, const char *rest, size_t *n)
{
	int v;
	if (cut_cidr(rest, n, &v)) {
		if (*n > 0 && rest[*n - 1] == '/') {
			(*n)--;
			t->cidr6 = v;
			if (cut_cidr(rest, n, &v))
				t->cidr4 = v;
		} else {
			t->cidr4 = v;
		}
	}
	return t->cidr4 <= 32 && t->cidr6 <= 128;
}

/* ":" domain-spec, stored in t->spec. */
static bool take_spec(struct spf_term *t, const char *rest, size_t n)
{
	if (n < 2 || rest[0] != ':')
		return false;
	t->spec = xstrndup(rest + 1, n - 1);
	return spf_domain_spec_ok(t->spec);
}

static bool parse_none(struct spf_term *t, const char *rest, size_t n)
{
	return n == 0;
}

static bool parse_spec(struct spf_term *t, const char *rest, size_t n)
{
	return take_spec(t, rest, n);
}

static bool parse_opt_spec(struct spf_term *t, const char *rest, size_t n)
{
	return n == 0 || take_spec(t, rest, n);
}

static bool parse_opt_spec_cidr(struct spf_term *t, const char *rest, size_t n)
{
	return cut_dual_cidr(t, rest, &n) && (n == 0 || take_spec(t, rest, n));
}

/* qnum = DIGIT / %x31-39 DIGIT / "1" 2DIGIT / "2" %x30-34 DIGIT / "25" %x30-35 */
static bool parse_ip4_strict(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;
	for (int q = 0; q < 4; q++) {
		size_t start = i;
		unsigned v = 0;
		while (i < n && is_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		out[q] = (uint8_t)v;
		if (q < 3 && (i >= n || s[i++] != '.'))
			return false;
	}
	return i == n;
}

static bool parse_ip(struct spf_term *t, const char *rest, size_t n, int family)
{
	char buf[64];
	int v, fam;
	if (n < 2 || rest[0] != ':')
		return false;
	if (cut_cidr(rest, &n, &v)) {
		if (v > (family == 4 ? 32 : 128))
			return false;
		if (family == 4)
			t->cidr4 = v;
		else
			t->cidr6 = v;
	}
	if (n - 1 >= sizeof buf)
		return false;
	if (family == 4)
		return parse_ip4_strict(rest + 1, n - 1, t->net);
	memcpy(buf, rest + 1, n - 1);
	buf[n - 1] = '\0';
	return dns_parse_ip(buf, t->net, &fam) && fam == 6;
}

static bool parse_ip4(struct spf_term *t, const char *rest, size_t n)
{
	return parse_ip(t, rest, n, 4);
}

static bool parse_ip6(struct spf_term *t, const char *rest, size_t n)
{
	return parse_ip(t, rest, n, 6);
}

static void eval_all(struct spf *s, const struct spf_term *t);
static void eval_include(struct spf *s, const struct spf_term *t);
static void eval_a(struct spf *s, const struct spf_term *t);
static void eval_mx(struct spf *s, const struct spf_term *t);
static void eval_ptr(struct spf *s, const struct spf_term *t);
static void eval_ip(struct spf *s, const struct spf_term *t);
static void eval_exists(struct spf *s, const struct spf_term *t);

/* The mechanisms of §5, indexed by enum spf_mech. */
static const struct mech_def {
	const char *name;
	bool dns; /* counts toward SPF_MAX_DNS_TERMS [§4.6.4] */
	bool (*parse)(struct spf_term *t, const char *rest, size_t n);
	void (*eval)(struct spf *s, const struct spf_term *t);
} mech_defs[] = {
	[MECH_ALL] = { "all", false, parse_none, eval_all },
	[MECH_INCLUDE] = { "include", true, parse_spec, eval_include },
	[MECH_A] = { "a", true, parse_opt_spec_cidr, eval_a },
	[MECH_MX] = { "mx", true, parse_opt_spec_cidr, eval_mx },
	[MECH_PTR] = { "ptr", true, parse_opt_spec, eval_ptr },
	[MECH_IP4] = { "ip4", false, parse_ip4, eval_ip },
	[MECH_IP6] = { "ip6", false, parse_ip6, eval_ip },
	[MECH_EXISTS] = { "exists", true, parse_spec, eval_exists },
};

static void term_clear(struct spf_term *t)
{
	free(t->text);
	free(t->spec);
}

static void frame_clear_record(struct spf_frame *f)
{
	for (size_t i = 0; i < f->nterms; i++)
		term_clear(&f->terms[i]);
	free(f->terms);
	free(f->redirect);
	free(f->redirect_text);
	free(f->exp);
	f->terms = NULL;
	f->nterms = f->pos = 0;
	f->redirect = f->redirect_text = f->exp = NULL;
	f->redirect_p = f->exp_p = false;
}

/* directive = [ qualifier ] mechanism [§4.6.1] */
static bool directive_parse(struct spf_frame *f, const char *term, size_t n)
{
	static const char quals[] = "+-~?";
	static const enum spf_result qres[] = { SPF_PASS, SPF_FAIL, SPF_SOFTFAIL, SPF_NEUTRAL };
	struct spf_term t = { .qual = SPF_PASS, .cidr4 = 32, .cidr6 = 128 };
	const char *p = term, *q = strchr(quals, *term);
	size_t len;
	if (q && *q) {
		t.qual = qres[q - quals];
		p++;
	}
	for (len = 0; p + len < term + n && p[len] != ':' && p[len] != '/'; len++)
		;
	for (size_t i = 0; i < ARRAY_LEN(mech_defs); i++) {
		const struct mech_def *d = &mech_defs[i];
		if (strlen(d->name) != len || !ascii_strncaseeq(p, d->name, len))
			continue;
		t.mech = (enum spf_mech)i;
		t.text = xstrndup(term, n);
		if (!d->parse(&t, p + len, n - (size_t)(p + len - term))) {
			term_clear(&t);
			return false;
		}
		t.needs_p = t.spec && spf_macro_uses_p(t.spec, false);
		f->terms = xrealloc(f->terms, (f->nterms + 1) * sizeof *f->terms);
		f->terms[f->nterms++] = t;
		return true;
	}
	return false;
}

/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ), then "="; 0 if the
 * term is not a modifier. */
static size_t modifier_name_len(const char *term, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_alpha(term[0]))
		return 0;
	while (i < n && (is_alnum(term[i]) || term[i] == '-' || term[i] == '_' || term[i] == '.'))
		i++;
	return i < n && term[i] == '=' ? i : 0;
}

/* redirect= and exp= at most once each, with a valid domain-spec [§6];
 * unknown modifiers are ignored but must still be macro-strings [§6]. */
static bool modifier_parse(struct spf_frame *f, const char *term, size_t n, size_t namelen)
{
	char *value = xstrndup(term + namelen + 1, n - namelen - 1);
	char **slot = NULL;
	bool ok;
	if (namelen == 8 && ascii_strncaseeq(term, "redirect", 8))
		slot = &f->redirect;
	else if (namelen == 3 && ascii_strncaseeq(term, "exp", 3))
		slot = &f->exp;
	if (!slot) {
		ok = spf_macro_string_ok(value, false);
		free(value);
		return ok;
	}
	if (*slot || !spf_domain_spec_ok(value)) {
		free(value);
		return false;
	}
	*slot = value;
	if (slot == &f->redirect) {
		f->redirect_text = xstrndup(term, n);
		f->redirect_p = spf_macro_uses_p(value, false);
	} else {
		f->exp_p = spf_macro_uses_p(value, false);
	}
	return true;
}

static bool term_parse(struct spf_frame *f, const char *term, size_t n)
{
	size_t namelen;
	for (size_t i = 0; i < n; i++) {
		if (term[i] < 0x21 || term[i] > 0x7e)
			return false;
	}
	namelen = modifier_name_len(term, n);
	if (namelen)
		return modifier_parse(f, term, n, namelen);
	return directive_parse(f, term, n);
}

/* record = version terms *SP; terms are separated by one or more spaces.
 * On failure bad gets the offending term. */
static bool record_parse(struct spf_frame *f, const char *txt, char **bad)
{
	const char *p = txt + 6; /* "v=spf1" */
	while (*p) {
		const char *e;
		if (*p == ' ') {
			p++;
			continue;
		}
		for (e = p; *e && *e != ' '; e++)
			;
		if (!term_parse(f, p, (size_t)(e - p))) {
			*bad = xstrndup(p, (size_t)(e - p));
			return false;
		}
		p = e;
	}
	return true;
}

/* "v=spf1" exactly, case-insensitive, then a space or the end [§4.5]. */
static bool is_spf_record(const char *txt)
{
	return txt && ascii_startswith_ci(txt, "v=spf1") && (txt[6] == ' ' || txt[6] == '\0');
}

/* ---- frames ------------------------------------------------------------------ */

static void frame_push(struct spf *s, char *domain, const char *canon)
{
	struct spf_frame *f;
	if (s->depth == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->frames = xrealloc(s->frames, s->cap * sizeof *s->frames);
	}
	f = &s->frames[s->depth++];
	memset(f, 0, sizeof *f);
	f->domain = domain;
	f->name = xstrdup(canon);
	f->state = FS_FETCH;
}

static void frame_free(struct spf_frame *f)
{
	frame_clear_record(f);
	free(f->domain);
	free(f->name);
	free(f->via);
}

/* How the top frame was reached, for messages: "include:x", "redirect=x". */
static const char *frame_via(struct spf *s)
{
	struct spf_frame *f = top(s);
	if (f->via)
		return f->via;
	if (s->depth > 1)
		return s->frames[s->depth - 2].terms[s->frames[s->depth - 2].pos].text;
	return "";
}

/* The top-level record gave r; a fail first fetches exp= [§6.2]. */
static void spf_final(struct spf *s, enum spf_result r)
{
	s->result = r;
	s->phase = (r == SPF_FAIL && s->frames[0].exp) ? PH_EXP : PH_DONE;
	work_clear(s);
}

/* An include child finished with r: map it per §5.2 (pass matches; fail,
 * softfail and neutral do not; errors and none never get here). */
static void frame_return(struct spf *s, enum spf_result r)
{
	frame_free(top(s));
	s->depth--;
	term_verdict(s, r == SPF_PASS);
}

static void frame_matched(struct spf *s, const struct spf_term *t)
{
	struct spf_frame *f = top(s);
	if (s->depth > 1) {
		if (t->mech != MECH_INCLUDE)
			set_str(&s->inner, xasprintf("%s at %s", t->text, f->name));
		frame_return(s, t->qual);
		return;
	}
	struct strbuf sb;
	sb_init(&sb);
	sb_printf(&sb, "matched %s at %s", t->text, f->name);
	if (t->mech == MECH_INCLUDE && s->inner)
		sb_printf(&sb, " (via %s)", s->inner);
	if (f->via)
		sb_printf(&sb, ", reached by %s", f->via);
	set_str(&s->reason, sb_steal(&sb));
	set_str(&s->mechanism, xstrdup(t->text));
	spf_final(s, t->qual);
}

static void term_verdict(struct spf *s, bool match)
{
	struct spf_frame *f = top(s);
	work_clear(s);
	if (match) {
		frame_matched(s, &f->terms[f->pos]);
		return;
	}
	f->pos++;
	f->state = FS_TERMS;
}

/* No term matched: redirect= if present [§6.1], else neutral [§4.7]. */
static void frame_nomatch(struct spf *s)
{
	struct spf_frame *f = top(s);
	char canon[DNS_NAME_MAX + 1];
	if (!f->redirect) {
		if (s->depth > 1) {
			frame_return(s, SPF_NEUTRAL);
			return;
		}
		set_str(&s->reason, xasprintf("no mechanism matched at %s: default neutral", f->name));
		set_str(&s->mechanism, xstrdup(""));
		spf_final(s, SPF_NEUTRAL);
		return;
	}
	if ((f->redirect_p && !p_ready(s)) || !count_lookup(s))
		return;
	char *target = expand_domain(s, f->redirect, f->domain);
	if (!domain_usable(target, canon)) {
		spf_end(s, SPF_PERMERROR, "%s: invalid domain \"%s\"", f->redirect_text, target);
		free(target);
		return;
	}
	char *via = f->redirect_text;
	f->redirect_text = NULL;
	frame_clear_record(f);
	set_str(&f->domain, target);
	set_str(&f->name, xstrdup(canon));
	set_str(&f->via, via);
	f->state = FS_FETCH;
}

/* No SPF record: none at the top [§4.5]; permerror for an include or a
 * redirect target [§5.2, §6.1]. */
static void frame_none(struct spf *s, bool nxdomain)
{
	struct spf_frame *f = top(s);
	if (s->depth == 1 && !f->via) {
		if (nxdomain)
			spf_end(s, SPF_NONE, "%s does not exist (NXDOMAIN)", f->name);
		else
			spf_end(s, SPF_NONE, "no SPF record at %s", f->name);
		return;
	}
	spf_end(s, SPF_PERMERROR, "%s: no SPF record at %s", frame_via(s), f->name);
}

static void on_record(struct spf *s, const struct dns_answer *ans)
{
	struct spf_frame *f = top(s);
	const char *rec = NULL;
	size_t nspf = 0;
	char *bad = NULL;
	enum answer_kind o = answer_kind(ans, DNS_T_TXT);
	if (o == OUT_ERR) {
		spf_dns_error(s, ans);
		return;
	}
	if (o == OUT_VOID) {
		if (count_void(s))
			frame_none(s, ans->rcode == DNS_R_NXDOMAIN);
		return;
	}
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->rrs[i].type == DNS_T_TXT && is_spf_record(ans->rrs[i].txt)) {
			rec = ans->rrs[i].txt;
			nspf++;
		}
	}
	if (nspf == 0) {
		frame_none(s, false);
	} else if (nspf > 1) {
		spf_end(s, SPF_PERMERROR, "%zu SPF records at %s", nspf, f->name);
	} else if (!record_parse(f, rec, &bad)) {
		spf_end(s, SPF_PERMERROR, "syntax error in SPF record at %s: bad term \"%s\"",
			f->name, bad);
		free(bad);
	} else {
		f->state = FS_TERMS;
		f->pos = 0;
	}
}

static void term_eval(struct spf *s)
{
	struct spf_frame *f = top(s);
	struct spf_term *t;
	if (f->pos == f->nterms) {
		frame_nomatch(s);
		return;
	}
	t = &f->terms[f->pos];
	if (t->needs_p && !p_ready(s))
		return;
	if (mech_defs[t->mech].dns && !count_lookup(s))
		return;
	f->state = FS_WAIT;
	mech_defs[t->mech].eval(s, t);
}

static void frame_advance(struct spf *s)
{
	struct spf_frame *f = top(s);
	switch (f->state) {
	case FS_FETCH:
		f->state = FS_FETCHING;
		spf_query(s, f->name, DNS_T_TXT, on_record);
		break;
	case FS_TERMS:
		term_eval(s);
		break;
	case FS_FETCHING:
	case FS_WAIT:
		assert(!"frame waits without a pending query");
		spf_end(s, SPF_TEMPERROR, "internal error: stalled");
		break;
	}
}

/* ---- mechanisms [§5] ----------------------------------------------------------- */

static void eval_all(struct spf *s, const struct spf_term *t)
{
	term_verdict(s, true);
}

static void eval_ip(struct spf *s, const struct spf_term *t)
{
	int fam = t->mech == MECH_IP4 ? 4 : 6;
	term_verdict(s, s->family == fam &&
			    prefix_match(t->net, s->ip, fam == 4 ? t->cidr4 : t->cidr6));
}

/* The term's <target-name>: its domain-spec expanded, or <domain>. */
static char *term_target(struct spf *s, const struct spf_term *t)
{
	struct spf_frame *f = top(s);
	return t->spec ? expand_domain(s, t->spec, f->domain) : xstrdup(f->domain);
}

/* Query the term's target, or — if the expansion is no valid name, which
 * no DNS server could hold — take it as a void lookup without asking. */
static void query_target(struct spf *s, const struct spf_term *t, enum dns_type type,
			 spf_answer_fn fn)
{
	char canon[DNS_NAME_MAX + 1];
	char *target = term_target(s, t);
	bool ok = dns_name_normalize(target, canon, sizeof canon) && canon[0];
	free(target);
	if (ok)
		spf_query(s, canon, type, fn);
	else if (count_void(s))
		term_verdict(s, false);
}

static int term_bits(const struct spf *s, const struct spf_term *t)
{
	return s->family == 6 ? t->cidr6 : t->cidr4;
}

/* Common answer handling: an error ends in temperror, a void lookup is
 * counted; true if the answer has records of type t. */
static bool answer_usable(struct spf *s, const struct dns_answer *ans, enum dns_type t,
			  bool *ended)
{
	enum answer_kind o = answer_kind(ans, t);
	*ended = false;
	if (o == OUT_ERR) {
		spf_dns_error(s, ans);
		*ended = true;
	} else if (o == OUT_VOID && !count_void(s)) {
		*ended = true;
	}
	return o == OUT_OK;
}

static void on_a(struct spf *s, const struct dns_answer *ans)
{
	bool ended;
	bool ok = answer_usable(s, ans, addr_type(s), &ended);
	if (!ended)
		term_verdict(s, ok && answer_has_ip(s, ans, term_bits(s, cur_term(s))));
}

static void eval_a(struct spf *s, const struct spf_term *t)
{
	query_target(s, t, addr_type(s), on_a);
}

static void on_exists(struct spf *s, const struct dns_answer *ans)
{
	bool ended;
	bool ok = answer_usable(s, ans, DNS_T_A, &ended);
	if (!ended)
		term_verdict(s, ok);
}

/* exists: always an A query, whatever the client's family [§5.7]. */
static void eval_exists(struct spf *s, const struct spf_term *t)
{
	query_target(s, t, DNS_T_A, on_exists);
}

static void mx_next(struct spf *s);

static void on_mx_addr(struct spf *s, const struct dns_answer *ans)
{
	bool ended;
	bool ok = answer_usable(s, ans, addr_type(s), &ended);
	if (ended)
		return;
	if (ok && answer_has_ip(s, ans, term_bits(s, cur_term(s)))) {
		term_verdict(s, true);
		return;
	}
	s->iname++;
	mx_next(s);
}

static void mx_next(struct spf *s)
{
	if (s->iname == s->nnames)
		term_verdict(s, false);
	else
		spf_query(s, s->names[s->iname], addr_type(s), on_mx_addr);
}

/* Exchanges in preference order (stable, so ties keep answer order); the
 * null MX target "." names no host [RFC 7505]. More than 10 MX records
 * is a permerror [§4.6.4]. */
static void on_mx(struct spf *s, const struct dns_answer *ans)
{
	const struct dns_rr *mx[SPF_MAX_MX_NAMES];
	size_t n = 0, total;
	bool ended;
	if (!answer_usable(s, ans, DNS_T_MX, &ended)) {
		if (!ended)
			term_verdict(s, false);
		return;
	}
	total = dns_answer_count(ans, DNS_T_MX);
	if (total > SPF_MAX_MX_NAMES) {
		spf_end(s, SPF_PERMERROR, "%s: too many MX records (%zu > %d)", cur_term(s)->text,
			total, SPF_MAX_MX_NAMES);
		return;
	}
	for (size_t i = 0; i < ans->n; i++) {
		size_t j = n;
		if (ans->rrs[i].type != DNS_T_MX || !ans->rrs[i].target[0])
			continue;
		for (; j > 0 && mx[j - 1]->pref > ans->rrs[i].pref; j--)
			mx[j] = mx[j - 1];
		mx[j] = &ans->rrs[i];
		n++;
	}
	work_clear(s);
	s->names = xcalloc(n ? n : 1, sizeof *s->names);
	for (size_t i = 0; i < n; i++)
		s->names[i] = xstrdup(mx[i]->target);
	s->nnames = n;
	mx_next(s);
}

static void eval_mx(struct spf *s, const struct spf_term *t)
{
	query_target(s, t, DNS_T_MX, on_mx);
}

static void ptr_done(struct spf *s)
{
	term_verdict(s, s->walk.nvalid > 0);
}

/* ptr: only names at or under the target need validating [§5.5]. */
static void eval_ptr(struct spf *s, const struct spf_term *t)
{
	char canon[DNS_NAME_MAX + 1];
	char *target = term_target(s, t);
	bool ok = dns_name_normalize(target, canon, sizeof canon) && canon[0];
	free(target);
	if (!ok) {
		term_verdict(s, false);
		return;
	}
	walk_start(s, &s->walk, xstrdup(canon), true, ptr_done);
}

static void eval_include(struct spf *s, const struct spf_term *t)
{
	char canon[DNS_NAME_MAX + 1];
	char *target = term_target(s, t);
	set_str(&s->inner, NULL);
	if (!domain_usable(target, canon)) {
		spf_end(s, SPF_PERMERROR, "%s: invalid domain \"%s\"", t->text, target);
		free(target);
		return;
	}
	frame_push(s, target, canon); /* t is invalid from here on */
}

/* ---- exp= [§6.2] ------------------------------------------------------------------ */

/* Any problem with the explanation just means there is none. */
static void on_exp(struct spf *s, const struct dns_answer *ans)
{
	const char *txt = NULL;
	if (answer_kind(ans, DNS_T_TXT) != OUT_OK || dns_answer_count(ans, DNS_T_TXT) != 1) {
		s->phase = PH_DONE;
		return;
	}
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->rrs[i].type == DNS_T_TXT)
			txt = ans->rrs[i].txt;
	}
	set_str(&s->exp_raw, xstrdup(txt ? txt : ""));
	s->phase = spf_macro_string_ok(s->exp_raw, true) ? PH_EXP_TEXT : PH_DONE;
}

static void exp_fetch(struct spf *s)
{
	struct spf_frame *f = &s->frames[0];
	char canon[DNS_NAME_MAX + 1];
	if (f->exp_p && !p_ready(s))
		return;
	char *name = expand_domain(s, f->exp, f->domain);
	bool ok = dns_name_normalize(name, canon, sizeof canon) && canon[0];
	free(name);
	if (ok)
		spf_query(s, canon, DNS_T_TXT, on_exp);
	else
		s->phase = PH_DONE;
}

static void exp_expand(struct spf *s)
{
	struct strbuf sb;
	if (spf_macro_uses_p(s->exp_raw, true) && !p_ready(s))
		return;
	sb_init(&sb);
	macro_expand(s, s->exp_raw, s->frames[0].domain, true, &sb);
	set_str(&s->exp_text, sb_steal(&sb));
	s->phase = PH_DONE;
}

/* ---- public API ---------------------------------------------------------------- */

/* %{i}: dotted quad, or 32 dotted lower-case nibbles for IPv6 [§7.3]. */
static char *ip_dotted(const uint8_t ip[16], int family)
{
	static const char hex[] = "0123456789abcdef";
	struct strbuf sb;
	if (family == 4)
		return xasprintf("%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
	sb_init(&sb);
	for (int i = 0; i < 16; i++)
		sb_printf(&sb, "%s%c.%c", i ? "." : "", hex[ip[i] >> 4], hex[ip[i] & 15]);
	return sb_steal(&sb);
}

/* An IPv4-mapped IPv6 address is the IPv4 client it stands for. */
static void set_ip(struct spf *s, const char *ip)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char buf[64];
	if (!ip || !dns_parse_ip(ip, s->ip, &s->family)) {
		s->family = 0;
		s->ip_c = xstrdup("");
		s->ip_i = xstrdup("");
		return;
	}
	if (s->family == 6 && memcmp(s->ip, mapped, sizeof mapped) == 0) {
		memmove(s->ip, s->ip + 12, 4);
		memset(s->ip + 4, 0, 12);
		s->family = 4;
	}
	dns_format_ip(s->ip, s->family, buf, sizeof buf);
	s->ip_c = xstrdup(buf);
	s->ip_i = ip_dotted(s->ip, s->family);
}

/* <sender> per §4.3: no local-part → "postmaster"; no "@" at all → the
 * whole string is the domain; "" → postmaster@<helo> [§2.4]. */
static void set_sender(struct spf *s, const char *sender, const char *helo)
{
	const char *at = sender ? strrchr(sender, '@') : NULL;
	if (!sender || !*sender) {
		s->local = xstrdup("postmaster");
		s->sender_dom = xstrdup(helo);
	} else if (!at) {
		s->local = xstrdup("postmaster");
		s->sender_dom = xstrdup(sender);
	} else {
		s->local = at == sender ? xstrdup("postmaster") : xstrndup(sender, (size_t)(at - sender));
		s->sender_dom = xstrdup(at + 1);
	}
	size_t n = strlen(s->sender_dom);
	if (n > 0 && s->sender_dom[n - 1] == '.')
		s->sender_dom[n - 1] = '\0';
	s->sender = xasprintf("%s@%s", s->local, s->sender_dom);
}

static struct spf *spf_create(const char *ip, const char *sender, const char *helo)
{
	struct spf *s = xcalloc(1, sizeof *s);
	char canon[DNS_NAME_MAX + 1];
	helo = helo ? helo : "";
	s->helo = xstrdup(helo);
	s->receiver = xstrdup("unknown");
	set_ip(s, ip);
	set_sender(s, sender, helo);
	s->phase = PH_EVAL;
	if (!domain_usable(s->sender_dom, canon)) {
		s->domain = xstrdup(s->sender_dom);
		ascii_lower(s->domain);
		spf_end(s, SPF_NONE, "malformed domain \"%s\"", s->sender_dom);
		return s;
	}
	s->domain = xstrdup(canon);
	if (!s->family) {
		spf_end(s, SPF_PERMERROR, "bad client address \"%s\"", ip ? ip : "");
		return s;
	}
	frame_push(s, xstrdup(s->sender_dom), canon);
	return s;
}

struct spf *spf_new(const char *ip, const char *sender, const char *helo)
{
	return spf_create(ip, sender, helo);
}

struct spf *spf_new_helo(const char *ip, const char *helo)
{
	return spf_create(ip, "", helo);
}

void spf_set_receiver(struct spf *s, const char *receiver, int64_t unix_time)
{
	set_str(&s->receiver, xstrdup(receiver && *receiver ? receiver : "unknown"));
	s->now = unix_time;
}

static void spf_advance(struct spf *s)
{
	switch (s->phase) {
	case PH_EVAL: frame_advance(s); break;
	case PH_EXP: exp_fetch(s); break;
	case PH_EXP_TEXT: exp_expand(s); break;
	case PH_DONE: break;
	}
}

enum auth_step spf_step(struct spf *s, char *qname, size_t cap, enum dns_type *qtype)
{
	while (!s->pending && s->phase != PH_DONE)
		spf_advance(s);
	if (s->phase == PH_DONE)
		return AUTH_DONE;
	if (cap <= strlen(s->qname)) {
		spf_end(s, SPF_TEMPERROR, "query name buffer too small");
		return AUTH_DONE;
	}
	strcpy(qname, s->qname);
	*qtype = s->qtype;
	return AUTH_NEED_DNS;
}

void spf_answer(struct spf *s, const struct dns_answer *ans)
{
	if (!s->pending)
		return; /* nothing asked: ignore */
	s->pending = false;
	s->on_answer(s, ans);
}

enum spf_result spf_result(const struct spf *s)
{
	return s->result;
}

const char *spf_domain(const struct spf *s)
{
	return s->domain;
}

const char *spf_explanation(const struct spf *s)
{
	return s->reason ? s->reason : "";
}

const char *spf_mechanism(const struct spf *s)
{
	return s->mechanism ? s->mechanism : "";
}

const char *spf_exp(const struct spf *s)
{
	return s->exp_text;
}

int spf_lookups(const struct spf *s)
{
	return s->lookups;
}

int spf_void_lookups(const struct spf *s)
{
	return s->voids;
}

void spf_free(struct spf *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->depth; i++)
		frame_free(&s->frames[i]);
	free(s->frames);
	work_clear(s);
	walk_clear(&s->walk);
	walk_clear(&s->pwalk);
	free(s->ip_c);
	free(s->ip_i);
	free(s->sender);
	free(s->local);
	free(s->sender_dom);
	free(s->helo);
	free(s->receiver);
	free(s->domain);
	free(s->reason);
	free(s->mechanism);
	free(s->inner);
	free(s->exp_raw);
	free(s->exp_text);
	free(s);
}

char *spf_expand_macros(const char *in, const char *ip, const char *sender, const char *helo,
			const char *d, int exp_text)
{
	struct spf *s;
	char *out;
	if (!spf_macro_string_ok(in, exp_text != 0))
		return NULL;
	s = spf_create(ip, sender, helo);
	s->p_state = P_READY; /* no PTR data here: %{p} is "unknown" */
	if (exp_text) {
		struct strbuf sb;
		sb_init(&sb);
		macro_expand(s, in, d, true, &sb);
		out = sb_steal(&sb);
	} else {
		out = expand_domain(s, in, d);
	}
	spf_free(s);
	return out;
}
