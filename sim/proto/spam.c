/* spam.c — rule checks, the Bayes table, actions and report headers (see
 * spam.h).
 *
 * Invariants:
 *  - Every rule is one row in a table of check functions run in a fixed
 *    order; each rule adds a symbol at most once.
 *  - The Bayes table is a sorted array (binary search), so training order
 *    never changes what classification sees.
 *  - Floating point appears only inside the Bayes estimate, and only as
 *    multiplications and divisions (no libm), so it is reproducible. */
#include "spam.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "av.h"
#include "dns.h"
#include "msg.h"

/* ---- symbols ------------------------------------------------------------ */

enum sym {
	S_SPF_ALLOW, S_SPF_FAIL, S_SPF_SOFTFAIL, S_SPF_NEUTRAL, S_SPF_NA, S_SPF_DNSFAIL, S_SPF_PERMFAIL,
	S_DKIM_ALLOW, S_DKIM_REJECT, S_DKIM_TEMPFAIL, S_DKIM_PERMFAIL, S_DKIM_NA,
	S_DMARC_ALLOW, S_DMARC_REJECT, S_DMARC_QUARANTINE, S_DMARC_SOFTFAIL, S_DMARC_NA,
	S_DMARC_DNSFAIL, S_DMARC_BAD_POLICY,
	S_MISSING_DATE, S_MISSING_MID, S_MISSING_TO, S_MISSING_SUBJECT, S_MISSING_MIME_VERSION,
	S_INVALID_MSGID, S_SUBJ_ALL_CAPS, S_MANY_LINKS, S_URIBL_BLACK,
	S_RBL_SBL, S_RBL_CSS, S_RBL_XBL, S_RBL_PBL, S_RBL_DROP,
	S_RDNS_NONE, S_HELO_NOT_FQDN, S_BAYES_SPAM, S_BAYES_HAM,
	S_COUNT
};

static const struct {
	const char *name;
	int score; /* centipoints; Rspamd's default where email-facts §9.1 lists one */
	const char *desc;
} sym_table[S_COUNT] = {
	[S_SPF_ALLOW] = {"R_SPF_ALLOW", -20, "SPF allows the sending IP"},
	[S_SPF_FAIL] = {"R_SPF_FAIL", 100, "SPF says the sending IP is not allowed"},
	[S_SPF_SOFTFAIL] = {"R_SPF_SOFTFAIL", 0, "SPF soft-fails the sending IP"},
	[S_SPF_NEUTRAL] = {"R_SPF_NEUTRAL", 0, "SPF is neutral about the sending IP"},
	[S_SPF_NA] = {"R_SPF_NA", 0, "the sender domain has no SPF record"},
	[S_SPF_DNSFAIL] = {"R_SPF_DNSFAIL", 0, "the SPF lookup hit a DNS error"},
	[S_SPF_PERMFAIL] = {"R_SPF_PERMFAIL", 0, "the sender's SPF record is broken"},
	[S_DKIM_ALLOW] = {"R_DKIM_ALLOW", -20, "a DKIM signature verifies"},
	[S_DKIM_REJECT] = {"R_DKIM_REJECT", 100, "a DKIM signature does not verify"},
	[S_DKIM_TEMPFAIL] = {"R_DKIM_TEMPFAIL", 0, "the DKIM key lookup hit a DNS error"},
	[S_DKIM_PERMFAIL] = {"R_DKIM_PERMFAIL", 0, "a DKIM signature is unusable"},
	[S_DKIM_NA] = {"R_DKIM_NA", 0, "the message is not DKIM-signed"},
	[S_DMARC_ALLOW] = {"DMARC_POLICY_ALLOW", -50, "DMARC passes"},
	[S_DMARC_REJECT] = {"DMARC_POLICY_REJECT", 200, "DMARC fails and the domain asks to reject"},
	[S_DMARC_QUARANTINE] = {"DMARC_POLICY_QUARANTINE", 150,
				"DMARC fails and the domain asks to quarantine"},
	[S_DMARC_SOFTFAIL] = {"DMARC_POLICY_SOFTFAIL", 10, "DMARC fails under a p=none policy"},
	[S_DMARC_NA] = {"DMARC_NA", 0, "the sender domain publishes no DMARC policy"},
	[S_DMARC_DNSFAIL] = {"DMARC_DNSFAIL", 0, "the DMARC lookup hit a DNS error"},
	[S_DMARC_BAD_POLICY] = {"DMARC_BAD_POLICY", 0, "the sender's DMARC record is broken"},
	[S_MISSING_DATE] = {"MISSING_DATE", 100, "the Date header is missing"},
	[S_MISSING_MID] = {"MISSING_MID", 250, "the Message-ID header is missing"},
	[S_MISSING_TO] = {"MISSING_TO", 200, "the To header is missing"},
	[S_MISSING_SUBJECT] = {"MISSING_SUBJECT", 200, "the Subject header is missing"},
	[S_MISSING_MIME_VERSION] = {"MISSING_MIME_VERSION", 200,
				    "MIME headers are used without MIME-Version"},
	[S_INVALID_MSGID] = {"INVALID_MSGID", 170, "the Message-ID is not of the form <left@right>"},
	[S_SUBJ_ALL_CAPS] = {"SUBJ_ALL_CAPS", 300, "the subject is written in capitals"},
	[S_MANY_LINKS] = {"MANY_LINKS", 200, "the text has many links"},
	[S_URIBL_BLACK] = {"URIBL_BLACK", 750, "a link points to a blocklisted host"},
	[S_RBL_SBL] = {"RBL_SPAMHAUS_SBL", 400, "the sending IP is on the Spamhaus block list (SBL)"},
	[S_RBL_CSS] = {"RBL_SPAMHAUS_CSS", 200, "the sending IP is on the Spamhaus snowshoe list (CSS)"},
	[S_RBL_XBL] = {"RBL_SPAMHAUS_XBL", 400, "the sending IP is on the Spamhaus list of infected hosts (XBL)"},
	[S_RBL_PBL] = {"RBL_SPAMHAUS_PBL", 200, "the sending IP is in a Spamhaus end-user range (PBL)"},
	[S_RBL_DROP] = {"RBL_SPAMHAUS_DROP", 700, "the sending IP is in a Spamhaus hijacked range (DROP)"},
	[S_RDNS_NONE] = {"RDNS_NONE", 200, "the sending IP has no reverse DNS"},
	[S_HELO_NOT_FQDN] = {"HFILTER_HELO_NOT_FQDN", 200, "the HELO name is not a full domain name"},
	[S_BAYES_SPAM] = {"BAYES_SPAM", 510, "the Bayes classifier says spam"},
	[S_BAYES_HAM] = {"BAYES_HAM", -300, "the Bayes classifier says ham"},
};

static const char *const action_names[] = {
	[SPAM_NO_ACTION] = "no action",
	[SPAM_GREYLIST] = "greylist",
	[SPAM_ADD_HEADER] = "add header",
	[SPAM_REWRITE_SUBJECT] = "rewrite subject",
	[SPAM_REJECT] = "reject",
};

const char *spam_action_name(enum spam_action a)
{
	return (unsigned)a < ARRAY_LEN(action_names) ? action_names[a] : "unknown";
}

const char *spam_action_reply(enum spam_action a)
{
	if (a == SPAM_REJECT)
		return "554 5.7.1 Spam message rejected";
	if (a == SPAM_GREYLIST)
		return "451 4.7.1 Try again later";
	return NULL;
}

void spam_config_init(struct spam_config *c)
{
	memset(c, 0, sizeof *c);
	c->t.greylist = 400;
	c->t.add_header = 600;
	c->t.rewrite_subject = SPAM_OFF;
	c->t.reject = 1500;
	c->t.quarantine = SPAM_OFF;
	c->many_links = 5;
}

enum spam_action spam_action_for(int total, const struct spam_thresholds *t)
{
	/* Harshest action whose threshold the total reaches. */
	if (t->reject != SPAM_OFF && total >= t->reject)
		return SPAM_REJECT;
	if (t->rewrite_subject != SPAM_OFF && total >= t->rewrite_subject)
		return SPAM_REWRITE_SUBJECT;
	if (t->add_header != SPAM_OFF && total >= t->add_header)
		return SPAM_ADD_HEADER;
	if (t->greylist != SPAM_OFF && total >= t->greylist)
		return SPAM_GREYLIST;
	return SPAM_NO_ACTION;
}

/* ---- the Bayes table ---------------------------------------------------- */

#define BAYES_TOKEN_MIN 3
#define BAYES_TOKEN_MAX 24
#define BAYES_INTERESTING 15   /* Graham's 15 */
#define BAYES_MIN_DEV 0.1      /* Robinson: ignore words near 0.5 */
#define BAYES_S 1.0            /* Robinson's strength of the prior */
#define BAYES_X 0.5            /* Robinson's prior for an unseen word */

struct bayes_word {
	char *word; /* owned */
	unsigned spam, ham;
};

struct spam_bayes {
	struct bayes_word *w; /* owned, sorted by word */
	size_t n, cap;
	unsigned nspam, nham, min_learns;
};

struct spam_bayes *spam_bayes_new(void)
{
	struct spam_bayes *b = xcalloc(1, sizeof *b);
	b->min_learns = 5;
	return b;
}

void spam_bayes_free(struct spam_bayes *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->w[i].word);
	free(b->w);
	free(b);
}

void spam_bayes_set_min_learns(struct spam_bayes *b, unsigned n)
{
	b->min_learns = n;
}

unsigned spam_bayes_learned(const struct spam_bayes *b, bool spam)
{
	return spam ? b->nspam : b->nham;
}

size_t spam_bayes_size(const struct spam_bayes *b)
{
	return b->n;
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '$' || c == '\'';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct tokens of text, sorted; caller frees each and the array. */
static size_t tokenize(const char *text, char ***out)
{
	size_t n = 0, cap = 16;
	char **v = xmalloc(cap * sizeof *v);
	for (const char *p = text; *p;) {
		if (!is_token_char(*p)) {
			p++;
			continue;
		}
		const char *s = p;
		while (is_token_char(*p))
			p++;
		size_t len = (size_t)(p - s);
		if (len < BAYES_TOKEN_MIN || len > BAYES_TOKEN_MAX)
			continue;
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[n] = xstrndup(s, len);
		ascii_lower(v[n++]);
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u && strcmp(v[u - 1], v[i]) == 0)
			free(v[i]);
		else
			v[u++] = v[i];
	}
	*out = v;
	return u;
}

static void free_tokens(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Index of word, or where it would go (*found false). */
static size_t bayes_find(const struct spam_bayes *b, const char *word, bool *found)
{
	size_t lo = 0, hi = b->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->w[mid].word, word);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

void spam_bayes_train(struct spam_bayes *b, const char *text, bool is_spam)
{
	char **tok;
	size_t nt = tokenize(text, &tok);
	for (size_t i = 0; i < nt; i++) {
		bool found;
		size_t at = bayes_find(b, tok[i], &found);
		if (!found) {
			if (b->n == b->cap) {
				b->cap = b->cap ? b->cap * 2 : 64;
				b->w = xrealloc(b->w, b->cap * sizeof *b->w);
			}
			memmove(&b->w[at + 1], &b->w[at], (b->n - at) * sizeof *b->w);
			b->w[at] = (struct bayes_word){.word = tok[i]};
			tok[i] = NULL; /* now owned by the table */
			b->n++;
		}
		if (is_spam)
			b->w[at].spam++;
		else
			b->w[at].ham++;
	}
	free_tokens(tok, nt);
	if (is_spam)
		b->nspam++;
	else
		b->nham++;
}

/* Robinson's f(w), clamped; 0.5 for a word never seen. */
static double bayes_word_prob(const struct spam_bayes *b, const struct bayes_word *w)
{
	double sf = (double)w->spam / b->nspam, hf = (double)w->ham / b->nham;
	double n = (double)w->spam + w->ham;
	double p = sf / (sf + hf);
	double f = (BAYES_S * BAYES_X + n * p) / (BAYES_S + n);
	return f < 0.01 ? 0.01 : f > 0.99 ? 0.99 : f;
}

struct interesting {
	double f, dev;
	const char *word;
};

static int cmp_interesting(const void *pa, const void *pb)
{
	const struct interesting *a = pa, *b = pb;
	if (a->dev != b->dev)
		return a->dev > b->dev ? -1 : 1;
	return strcmp(a->word, b->word);
}

bool spam_bayes_classify(const struct spam_bayes *b, const char *text, double *prob)
{
	*prob = 0.5;
	unsigned need = b->min_learns ? b->min_learns : 1;
	if (b->nspam < need || b->nham < need)
		return false;
	char **tok;
	size_t nt = tokenize(text, &tok), ni = 0;
	struct interesting *iv = xcalloc(nt ? nt : 1, sizeof *iv);
	for (size_t i = 0; i < nt; i++) {
		bool found;
		size_t at = bayes_find(b, tok[i], &found);
		if (!found)
			continue;
		double f = bayes_word_prob(b, &b->w[at]);
		double dev = f > 0.5 ? f - 0.5 : 0.5 - f;
		if (dev >= BAYES_MIN_DEV)
			iv[ni++] = (struct interesting){f, dev, b->w[at].word};
	}
	if (ni)
		qsort(iv, ni, sizeof *iv, cmp_interesting);
	double ps = 1.0, ph = 1.0;
	for (size_t i = 0; i < ni && i < BAYES_INTERESTING; i++) {
		ps *= iv[i].f;
		ph *= 1.0 - iv[i].f;
	}
	if (ni)
		*prob = ps / (ps + ph);
	free(iv);
	free_tokens(tok, nt);
	return true;
}

/* ---- the checks --------------------------------------------------------- */

struct ctx {
	const char *msg;
	size_t len;
	const struct spam_auth *auth;
	const struct spam_config *cfg;
	struct strbuf text;    /* decoded text parts, for links and Bayes */
	struct spam_result *out;
	size_t cap;
};

static int sym_score(const struct ctx *c, enum sym s)
{
	for (size_t i = 0; i < c->cfg->noverrides; i++)
		if (strcmp(c->cfg->overrides[i].symbol, sym_table[s].name) == 0)
			return c->cfg->overrides[i].score;
	return sym_table[s].score;
}

static void add_hit(struct ctx *c, const char *name, int score, const char *desc)
{
	if (c->out->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->out->hits = xrealloc(c->out->hits, c->cap * sizeof *c->out->hits);
	}
	struct spam_hit *h = &c->out->hits[c->out->n++];
	snprintf(h->symbol, sizeof h->symbol, "%s", name);
	h->score = score;
	snprintf(h->desc, sizeof h->desc, "%s", desc);
	c->out->total += score;
}

/* A built-in symbol; fmt (may be NULL = the table's text) details it. */
static void hit(struct ctx *c, enum sym s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void hit(struct ctx *c, enum sym s, const char *fmt, ...)
{
	char desc[128];
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(desc, sizeof desc, fmt, ap);
		va_end(ap);
	} else {
		snprintf(desc, sizeof desc, "%s", sym_table[s].desc);
	}
	add_hit(c, sym_table[s].name, sym_score(c, s), desc);
}

/* Result word -> symbol, one table per method. */
struct word_sym {
	const char *word;
	enum sym s;
};

static const struct word_sym spf_syms[] = {
	{"pass", S_SPF_ALLOW},  {"fail", S_SPF_FAIL},         {"softfail", S_SPF_SOFTFAIL},
	{"neutral", S_SPF_NEUTRAL}, {"none", S_SPF_NA},       {"temperror", S_SPF_DNSFAIL},
	{"permerror", S_SPF_PERMFAIL},
};

static const struct word_sym dkim_syms[] = {
	{"pass", S_DKIM_ALLOW},        {"fail", S_DKIM_REJECT},         {"none", S_DKIM_NA},
	{"temperror", S_DKIM_TEMPFAIL}, {"permerror", S_DKIM_PERMFAIL},
};

static const struct word_sym dmarc_syms[] = {
	{"pass", S_DMARC_ALLOW},         {"none", S_DMARC_NA},
	{"temperror", S_DMARC_DNSFAIL},  {"permerror", S_DMARC_BAD_POLICY},
};

/* DMARC fail: the symbol follows the policy actually applied. */
static const struct word_sym dmarc_fail_syms[] = {
	{"reject", S_DMARC_REJECT}, {"quarantine", S_DMARC_QUARANTINE}, {"none", S_DMARC_SOFTFAIL},
};

static void hit_word(struct ctx *c, const struct word_sym *t, size_t n, const char *word)
{
	if (!word)
		return;
	for (size_t i = 0; i < n; i++)
		if (ascii_strcaseeq(t[i].word, word)) {
			hit(c, t[i].s, NULL);
			return;
		}
}

static void check_auth(struct ctx *c)
{
	const struct spam_auth *a = c->auth;
	hit_word(c, spf_syms, ARRAY_LEN(spf_syms), a->spf);
	hit_word(c, dkim_syms, ARRAY_LEN(dkim_syms), a->dkim);
	if (a->dmarc && ascii_strcaseeq(a->dmarc, "fail"))
		hit_word(c, dmarc_fail_syms, ARRAY_LEN(dmarc_fail_syms),
			 a->dmarc_policy ? a->dmarc_policy : "none");
	else
		hit_word(c, dmarc_syms, ARRAY_LEN(dmarc_syms), a->dmarc);
	if (a->rdns_none)
		hit(c, S_RDNS_NONE, NULL);
	if (a->helo_not_fqdn)
		hit(c, S_HELO_NOT_FQDN, NULL);
}

/* Spamhaus ZEN return codes (email-facts §7.3); 127.255.255.x are errors,
 * not listings, and anything outside 127.0.0.0/24 is ignored. */
static enum sym zen_symbol(const uint8_t a[4])
{
	if (a[0] != 127 || a[1] != 0 || a[2] != 0)
		return S_COUNT;
	switch (a[3]) {
	case 2: return S_RBL_SBL;
	case 3: return S_RBL_CSS;
	case 4: case 5: case 6: case 7: return S_RBL_XBL;
	case 9: return S_RBL_DROP;
	case 10: case 11: return S_RBL_PBL;
	default: return S_COUNT;
	}
}

static void check_dnsbl(struct ctx *c)
{
	bool done[S_COUNT] = {false};
	for (size_t i = 0; i < c->auth->ndnsbl; i++) {
		uint8_t addr[16];
		int fam;
		if (!c->auth->dnsbl[i] || !dns_parse_ip(c->auth->dnsbl[i], addr, &fam) || fam != 4)
			continue;
		enum sym s = zen_symbol(addr);
		if (s == S_COUNT || done[s])
			continue;
		done[s] = true;
		hit(c, s, NULL);
	}
}

static bool has_header(const struct ctx *c, const char *name, char *val, size_t cap)
{
	return msg_header(c->msg, c->len, name, val, cap);
}

/* <left@right> with no spaces and non-empty sides [RFC 5322 §3.6.4]. */
static bool msgid_valid(const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n < 5 || v[0] != '<' || v[n - 1] != '>')
		return false;
	const char *at = memchr(v, '@', n);
	if (!at || at == v + 1 || at == v + n - 2 || memchr(at + 1, '@', (size_t)(v + n - at - 1)))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '<' || v[i] == '>')
			return false;
	return true;
}

static void check_headers(struct ctx *c)
{
	char v[1024];
	if (!has_header(c, "Date", v, sizeof v))
		hit(c, S_MISSING_DATE, NULL);
	if (!has_header(c, "Message-ID", v, sizeof v))
		hit(c, S_MISSING_MID, NULL);
	else if (!msgid_valid(v))
		hit(c, S_INVALID_MSGID, NULL);
	if (!has_header(c, "To", v, sizeof v))
		hit(c, S_MISSING_TO, NULL);
	if (!has_header(c, "Subject", v, sizeof v))
		hit(c, S_MISSING_SUBJECT, NULL);
	bool mime_used = has_header(c, "Content-Type", v, sizeof v) ||
			 has_header(c, "Content-Transfer-Encoding", v, sizeof v);
	if (mime_used && !has_header(c, "MIME-Version", v, sizeof v))
		hit(c, S_MISSING_MIME_VERSION, NULL);
}

/* Ours: at least 5 letters and not one of them lower case. */
static void check_subject(struct ctx *c)
{
	char v[1024];
	if (!has_header(c, "Subject", v, sizeof v))
		return;
	size_t upper = 0;
	for (const char *p = v; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			return;
		upper += *p >= 'A' && *p <= 'Z';
	}
	if (upper >= 5)
		hit(c, S_SUBJ_ALL_CAPS, NULL);
}

/* Host of the URL whose "scheme://" ends at p, lower case, into out. */
static void url_host(const char *p, char *out, size_t cap)
{
	size_t n = strcspn(p, "/?#\"'<>()[] \t\r\n,");
	const char *h = p;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '@') /* userinfo@host */
			h = p + i + 1;
	n -= (size_t)(h - p);
	size_t colon = 0;
	while (colon < n && h[colon] != ':')
		colon++;
	while (colon && h[colon - 1] == '.')
		colon--;
	snprintf(out, cap, "%.*s", (int)colon, h);
	ascii_lower(out);
}

static bool host_is_bad(const struct spam_config *cfg, const char *host, const char **which)
{
	size_t hl = strlen(host);
	for (size_t i = 0; i < cfg->nbad_hosts; i++) {
		const char *b = cfg->bad_hosts[i];
		size_t bl = strlen(b);
		bool match = hl == bl ? ascii_strcaseeq(host, b)
				      : hl > bl && host[hl - bl - 1] == '.' && ascii_strcaseeq(host + hl - bl, b);
		if (match) {
			*which = b;
			return true;
		}
	}
	return false;
}

static void check_links(struct ctx *c)
{
	size_t nlinks = 0;
	char host[256], bad[256] = "";
	for (const char *p = c->text.data; (p = strstr(p, "://")) != NULL; p += 3) {
		bool http = (p - c->text.data >= 4 && ascii_strncaseeq(p - 4, "http", 4)) ||
			    (p - c->text.data >= 5 && ascii_strncaseeq(p - 5, "https", 5));
		if (!http)
			continue;
		nlinks++;
		url_host(p + 3, host, sizeof host);
		const char *which;
		if (!bad[0] && host[0] && host_is_bad(c->cfg, host, &which))
			snprintf(bad, sizeof bad, "%s", host);
	}
	if (nlinks > c->cfg->many_links)
		hit(c, S_MANY_LINKS, "the text has %zu links", nlinks);
	if (bad[0])
		hit(c, S_URIBL_BLACK, "a link points to blocklisted host %s", bad);
}

static void check_bayes(struct ctx *c)
{
	if (!c->cfg->bayes)
		return;
	char subj[1024] = "";
	has_header(c, "Subject", subj, sizeof subj);
	char *all = xasprintf("%s\n%s", subj, c->text.data);
	double p;
	c->out->bayes_ran = spam_bayes_classify(c->cfg->bayes, all, &p);
	c->out->bayes_prob = p;
	free(all);
	if (!c->out->bayes_ran)
		return;
	unsigned permille = (unsigned)(p * 1000.0 + 0.5);
	if (p >= SPAM_BAYES_SPAM_MIN)
		hit(c, S_BAYES_SPAM, "the Bayes classifier rates it %u.%u%% spam", permille / 10, permille % 10);
	else if (p <= SPAM_BAYES_HAM_MAX)
		hit(c, S_BAYES_HAM, "the Bayes classifier rates it %u.%u%% spam", permille / 10, permille % 10);
}

static void check_extra(struct ctx *c)
{
	for (size_t i = 0; i < c->cfg->nextra; i++) {
		const struct spam_extra *e = &c->cfg->extra[i];
		add_hit(c, e->symbol, e->score, e->desc ? e->desc : e->symbol);
	}
}

static void (*const checks[])(struct ctx *) = {
	check_auth, check_dnsbl, check_headers, check_subject, check_links, check_bayes, check_extra,
};

/* The decoded text parts (text/plain, text/html, ...): links and words come from them. */
static void collect_text(struct ctx *c)
{
	struct av_parts parts;
	av_parts_parse(c->msg, c->len, &parts);
	for (size_t i = 0; i < parts.n; i++) {
		if (!ascii_startswith_ci(parts.v[i].content_type, "text/"))
			continue;
		/* The decoded data may hold NULs; stop at the first like a C string. */
		sb_puts(&c->text, (const char *)parts.v[i].data);
		sb_putc(&c->text, '\n');
	}
	av_parts_clear(&parts);
}

static int cmp_hits(const void *pa, const void *pb)
{
	const struct spam_hit *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	int k = strcmp(a->symbol, b->symbol);
	return k ? k : strcmp(a->desc, b->desc);
}

void spam_check(const char *msg, size_t len, const struct spam_auth *auth,
		const struct spam_config *cfg, struct spam_result *out)
{
	static const struct spam_auth no_auth;
	memset(out, 0, sizeof *out);
	out->bayes_prob = 0.5;
	struct ctx c = {.msg = msg, .len = len, .auth = auth ? auth : &no_auth, .cfg = cfg, .out = out};
	sb_init(&c.text);
	sb_puts(&c.text, ""); /* text.data is a string from here on, even if empty */
	collect_text(&c);
	for (size_t i = 0; i < ARRAY_LEN(checks); i++)
		checks[i](&c);
	sb_free(&c.text);
	if (out->n)
		qsort(out->hits, out->n, sizeof *out->hits, cmp_hits);
	out->action = spam_action_for(out->total, &cfg->t);
	out->quarantine = cfg->t.quarantine != SPAM_OFF && out->total >= cfg->t.quarantine &&
			  (cfg->t.reject == SPAM_OFF || out->total < cfg->t.reject);
}

void spam_result_clear(struct spam_result *r)
{
	free(r->hits);
	memset(r, 0, sizeof *r);
}

/* ---- report headers ----------------------------------------------------- */

void spam_format_score(int centi, char *out, size_t cap)
{
	unsigned a = centi < 0 ? (unsigned)-(long)centi : (unsigned)centi;
	snprintf(out, cap, "%s%u.%02u", centi < 0 ? "-" : "", a / 100, a % 100);
}

void spam_header_score(const struct spam_result *r, struct strbuf *out)
{
	char s[32];
	spam_format_score(r->total, s, sizeof s);
	sb_puts(out, s);
}

static int cmp_hit_names(const void *pa, const void *pb)
{
	const struct spam_hit *const *a = pa, *const *b = pb;
	return strcmp((*a)->symbol, (*b)->symbol);
}

/* Append piece, folding before it (its leading space becomes CRLF+TAB)
 * when the line would pass 78 columns. */
static void put_folding(struct strbuf *out, size_t *col, const char *piece)
{
	size_t n = strlen(piece);
	if (*col + n > 78 && piece[0] == ' ') {
		sb_puts(out, "\r\n\t");
		piece++;
		n--;
		*col = 1;
	}
	sb_puts(out, piece);
	*col += n;
}

void spam_header_status(const struct spam_result *r, const struct spam_config *cfg,
			size_t first_col, struct strbuf *out)
{
	int required = cfg->t.add_header != SPAM_OFF ? cfg->t.add_header : cfg->t.reject;
	char s[32], q[32], piece[96];
	spam_format_score(r->total, s, sizeof s);
	spam_format_score(required, q, sizeof q);
	size_t col = first_col;
	put_folding(out, &col, r->total >= required ? "Yes," : "No,");
	snprintf(piece, sizeof piece, " score=%s", s);
	put_folding(out, &col, piece);
	snprintf(piece, sizeof piece, " required=%s", q);
	put_folding(out, &col, piece);
	if (r->n == 0) {
		put_folding(out, &col, " tests=none");
		return;
	}
	const struct spam_hit **byname = xmalloc(r->n * sizeof *byname);
	for (size_t i = 0; i < r->n; i++)
		byname[i] = &r->hits[i];
	qsort(byname, r->n, sizeof *byname, cmp_hit_names);
	for (size_t i = 0; i < r->n; i++) {
		snprintf(piece, sizeof piece, "%s%s%s", i == 0 ? " tests=" : " ", byname[i]->symbol,
			 i + 1 < r->n ? "," : "");
		/* Between tests there is no space in the unfolded form; a fold
		 * adds CRLF+TAB, which SpamAssassin's own headers do as well. */
		if (i > 0 && col + strlen(piece) - 1 <= 78)
			put_folding(out, &col, piece + 1);
		else
			put_folding(out, &col, piece);
	}
	free(byname);
}

static const char *verdict_words(enum spam_action a)
{
	switch (a) {
	case SPAM_REJECT: return "Spam";
	case SPAM_REWRITE_SUBJECT:
	case SPAM_ADD_HEADER: return "Probably spam";
	case SPAM_GREYLIST: return "Suspicious";
	default: return "Looks legitimate";
	}
}

void spam_header_explanation(const struct spam_result *r, struct strbuf *out)
{
	char s[32];
	spam_format_score(r->total, s, sizeof s);
	sb_printf(out, "%s (score %s, %s)", verdict_words(r->action), s, spam_action_name(r->action));
	/* Up to three hits pushing the way the total went: the first positive
	 * ones for a positive total, the most negative ones otherwise. */
	const struct spam_hit *pick[3];
	size_t np = 0;
	for (size_t k = 0; k < r->n && np < 3; k++) {
		const struct spam_hit *h = r->total > 0 ? &r->hits[k] : &r->hits[r->n - 1 - k];
		if (r->total > 0 ? h->score > 0 : h->score < 0)
			pick[np++] = h;
	}
	if (np == 0) {
		sb_puts(out, ": no rule changed the score.");
		return;
	}
	sb_puts(out, ": ");
	for (size_t i = 0; i < np; i++) {
		spam_format_score(pick[i]->score, s, sizeof s);
		sb_printf(out, "%s%s (%s%s)", i == 0 ? "" : i + 1 == np ? " and " : ", ", pick[i]->desc,
			  pick[i]->score > 0 ? "+" : "", s);
	}
	sb_putc(out, '.');
}

void spam_rewrite_subject(const char *subject, struct strbuf *out)
{
	sb_printf(out, "***SPAM*** %s", subject ? subject : "");
}
