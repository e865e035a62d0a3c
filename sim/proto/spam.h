/* spam.h — Rspamd-like content scoring for the receiving MTA's filter
 * chain: rules add named symbols with scores, the total picks an action
 * from thresholds, and the result is reported as headers.
 *
 * Scores are integers in hundredths of a point ("centipoints": 7.30 is
 * 730). Sums and threshold comparisons are then exact on every machine —
 * 1.7 + 2.3 lands on 4.00, never on 3.9999 — which the byte-for-byte
 * determinism of the simulator needs. SPAM_PTS(7.5) converts a literal.
 *
 * Symbol names and default scores follow Rspamd (email-facts §9.1) where it
 * has them; SUBJ_ALL_CAPS (3.00) and MANY_LINKS (2.00) and their conditions
 * are ours, as are the 0-score informational symbols' descriptions.
 *
 * Invariants:
 *  - spam_check() is a pure function of the message, the auth summary and
 *    the configuration (including the Bayes table's contents).
 *  - The hit list is ordered by score (highest first), then symbol name;
 *    nothing depends on hash order or pointer values. */
#ifndef MAILSIM_SPAM_H
#define MAILSIM_SPAM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Literal points -> centipoints, rounded half away from zero. */
#define SPAM_PTS(x) ((int)((x) < 0 ? (x) * 100 - 0.5 : (x) * 100 + 0.5))
#define SPAM_OFF INT_MAX /* a threshold that is never reached */

/* Rspamd actions, mildest first. greylist is Rspamd's "soft reject" band. */
enum spam_action {
	SPAM_NO_ACTION,
	SPAM_GREYLIST,
	SPAM_ADD_HEADER,
	SPAM_REWRITE_SUBJECT,
	SPAM_REJECT
};

const char *spam_action_name(enum spam_action a); /* "no action", "add header", ... */
/* The milter reply for an action that refuses the message, without CRLF:
 * reject "554 5.7.1 Spam message rejected", greylist "451 4.7.1 Try again
 * later" (Rspamd milter_internal.h); NULL for the others. */
const char *spam_action_reply(enum spam_action a);

/* Thresholds in centipoints; SPAM_OFF disables one. Defaults (Rspamd
 * actions.conf): greylist 4, add_header 6, reject 15; rewrite_subject has
 * no default score in Rspamd, so it is off; the quarantine band
 * [quarantine, reject) is a local policy (Cleanbox-like), off by default. */
struct spam_thresholds {
	int greylist;
	int add_header;
	int rewrite_subject;
	int reject;
	int quarantine;
};

/* ---- the Bayes-like word classifier ------------------------------------- */

/* A trainable table word -> (spam messages, ham messages) containing it,
 * kept sorted by word. Tokens: runs of ASCII letters, digits, '$' and '\'',
 * lower-cased, 3..24 characters, each counted once per text. */
struct spam_bayes;
struct spam_bayes *spam_bayes_new(void);
void spam_bayes_free(struct spam_bayes *b);
void spam_bayes_train(struct spam_bayes *b, const char *text, bool is_spam);
/* Classification needs at least this many spam AND ham texts learned
 * (default 5; Rspamd's is 200 — a teaching scenario trains a handful). */
void spam_bayes_set_min_learns(struct spam_bayes *b, unsigned n);
unsigned spam_bayes_learned(const struct spam_bayes *b, bool spam);
size_t spam_bayes_size(const struct spam_bayes *b); /* distinct words */
/* Spam probability of text in [0,1]: Robinson's per-word estimate
 *   f(w) = (s*x + n*p(w)) / (s + n),  s = 1, x = 0.5,
 *   p(w) = spamfreq / (spamfreq + hamfreq), n = messages seen with w,
 * clamped to [0.01, 0.99]; the 15 most interesting words (largest
 * |f - 0.5|, at least 0.1; ties by word) combined Graham-style:
 *   P = prod f / (prod f + prod (1 - f)).
 * Only multiplications and divisions: bit-identical everywhere. False (and
 * *prob = 0.5) when the table has not learned enough. */
bool spam_bayes_classify(const struct spam_bayes *b, const char *text, double *prob);

#define SPAM_BAYES_SPAM_MIN 0.95 /* P >= this: BAYES_SPAM */
#define SPAM_BAYES_HAM_MAX 0.05  /* P <= this: BAYES_HAM */

/* ---- inputs ------------------------------------------------------------- */

/* What the earlier checks found. Result words are RFC 8601 vocabulary
 * ("pass", "fail", "softfail", "neutral", "none", "temperror",
 * "permerror"); NULL = that check did not run (no symbol). The zero value
 * adds no symbols at all. */
struct spam_auth {
	const char *spf;
	const char *dkim;
	const char *dmarc;
	const char *dmarc_policy;  /* on dmarc "fail": the policy applied after pct,
				    * "none" | "quarantine" | "reject" */
	bool rdns_none;            /* the client IP has no PTR (RDNS_NONE) */
	bool helo_not_fqdn;        /* HELO/EHLO name is not a dotted name */
	const char *const *dnsbl;  /* A answers from zen.spamhaus.org, "127.0.0.2" */
	size_t ndnsbl;
};

/* A symbol the caller adds as is, e.g. its sender-reputation verdict
 * ("SENDER_REP_SPAM", SPAM_PTS(3.0), "the sender has a bad reputation"). */
struct spam_extra {
	const char *symbol;
	int score;
	const char *desc;
};

/* Replace a built-in symbol's default score. */
struct spam_override {
	const char *symbol;
	int score;
};

struct spam_config {
	struct spam_thresholds t;
	const char *const *bad_hosts;   /* URL hosts for URIBL_BLACK; subdomains match too */
	size_t nbad_hosts;
	const struct spam_bayes *bayes; /* NULL = no classifier */
	const struct spam_override *overrides;
	size_t noverrides;
	const struct spam_extra *extra; /* e.g. sender reputation */
	size_t nextra;
	unsigned many_links;            /* MANY_LINKS when more links than this (5) */
};

/* Defaults: thresholds as above, no lists, no classifier, many_links 5. */
void spam_config_init(struct spam_config *c);

/* ---- output ------------------------------------------------------------- */

struct spam_hit {
	char symbol[48];
	int score;       /* centipoints */
	char desc[128];  /* a clause: "the Message-ID header is missing" */
};

struct spam_result {
	struct spam_hit *hits; /* owned; highest score first, then by name */
	size_t n;
	int total;             /* centipoints */
	enum spam_action action;
	bool quarantine;       /* total in [t.quarantine, t.reject) */
	bool bayes_ran;
	double bayes_prob;     /* when bayes_ran */
};

void spam_check(const char *msg, size_t len, const struct spam_auth *auth,
		const struct spam_config *cfg, struct spam_result *out);
void spam_result_clear(struct spam_result *r);
/* The action for a total under thresholds t (the same rule spam_check uses). */
enum spam_action spam_action_for(int total, const struct spam_thresholds *t);

/* "7.30", "-0.90", "15.00". */
void spam_format_score(int centi, char *out, size_t cap);
/* Header values, appended to out:
 *   X-Spam-Score:  "7.30"
 *   X-Spam-Status: "Yes, score=7.30 required=6.00 tests=MISSING_DATE,MISSING_MID"
 *     (SpamAssassin's layout; Yes when score >= required = add_header, or
 *     reject if add_header is off; tests sorted by name, "none" if empty;
 *     folded with CRLF+TAB between tests past 78 columns, first_col being
 *     the width of "X-Spam-Status: ")
 *   X-Spam-Explanation: one sentence naming the biggest contributors. */
void spam_header_score(const struct spam_result *r, struct strbuf *out);
void spam_header_status(const struct spam_result *r, const struct spam_config *cfg,
			size_t first_col, struct strbuf *out);
void spam_header_explanation(const struct spam_result *r, struct strbuf *out);
/* Rspamd's rewrite_subject template "***SPAM*** %s". */
void spam_rewrite_subject(const char *subject, struct strbuf *out);

#endif
