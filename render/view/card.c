/* card.c — the decision card and the spam waterfall (see card.h). */
#include "card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "util.h"

#define CARD_LOOKAHEAD 80 /* events after a decision searched for its reply */

/* Copy s into out, cut at a UTF-8 character boundary with "…" when it
 * does not fit. */
static void card_copy(char *out, size_t outsz, const char *s)
{
	size_t n = strlen(s ? s : "");

	if (!s || outsz == 0) {
		if (outsz)
			out[0] = '\0';
		return;
	}
	if (n < outsz) {
		memcpy(out, s, n + 1);
		return;
	}
	size_t k = outsz > 4 ? outsz - 4 : 0;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	memcpy(out, s, k);
	memcpy(out + k, "…", 4);
}

static const char *card_str(const struct tm_event *e, const char *key)
{
	const char *v = tm_get(e, key);
	return v ? v : "";
}

static bool card_same_msg(const struct tm_event *a, const struct tm_event *b)
{
	return a->msg && b->msg && strcmp(a->msg, b->msg) == 0;
}

const char *card_th_name(enum card_th t)
{
	static const char *const names[CARD_TH_COUNT] = {"greylist", "add_header", "rewrite_subject",
							 "quarantine", "reject"};
	return t < CARD_TH_COUNT ? names[t] : "";
}

/* ---- the spam waterfall ---- */

static bool card_is_spam(const struct tm_event *e, bool total)
{
	const char *sym = tm_get(e, "symbol");
	return e->kind == TM_FILTER_CHECK && strcmp(card_str(e, "filter"), "spam") == 0 && sym &&
	       (strcmp(sym, "TOTAL") == 0) == total;
}

/* "greylist 4.00, add_header 6.00, rewrite_subject off, ..." */
static void card_parse_thresholds(struct card_waterfall *w, const char *s)
{
	for (int t = 0; t < CARD_TH_COUNT && s; t++) {
		const char *at = strstr(s, card_th_name((enum card_th)t));
		if (!at)
			continue;
		at += strlen(card_th_name((enum card_th)t));
		char *end;
		double v = strtod(at, &end);
		w->th_on[t] = end != at;
		w->th[t] = v;
	}
}

/* The TOTAL that scored this decision's message on its host: the last one
 * at or before the decision, else just after it (a symbol's card). */
static long card_find_total(const struct tm_model *m, size_t ev)
{
	const struct tm_event *e = &m->ev[ev];
	long best = -1;

	for (size_t i = 0; i < m->nev && i <= ev + CARD_LOOKAHEAD; i++) {
		const struct tm_event *t = &m->ev[i];
		if (!card_is_spam(t, true) || t->node != e->node || !card_same_msg(t, e))
			continue;
		if (i <= ev || best < 0)
			best = (long)i;
		if (i >= ev)
			break;
	}
	return best;
}

static void card_waterfall(struct card_waterfall *w, const struct tm_model *m, size_t ev)
{
	long total = card_find_total(m, ev);

	if (total < 0)
		return;
	const struct tm_event *t = &m->ev[total];
	long from = total;
	while (from > 0 && !card_is_spam(&m->ev[from - 1], true) &&
	       !(m->ev[from - 1].kind == TM_SMTP_DATA && m->ev[from - 1].node != t->node))
		from--;
	for (long i = from; i < total; i++) {
		const struct tm_event *s = &m->ev[i];
		if (!card_is_spam(s, false) || s->node != t->node || !card_same_msg(s, t))
			continue;
		w->bars = xrealloc(w->bars, (w->nbars + 1) * sizeof *w->bars);
		struct card_bar *b = &w->bars[w->nbars++];
		card_copy(b->symbol, sizeof b->symbol, card_str(s, "symbol"));
		b->score = strtod(card_str(s, "score"), NULL);
		card_copy(b->detail, sizeof b->detail, card_str(s, "detail"));
	}
	w->total = strtod(card_str(t, "score"), NULL);
	card_copy(w->action, sizeof w->action, card_str(t, "result"));
	card_parse_thresholds(w, tm_get(t, "thresholds"));
}

/* ---- what produced and what followed ---- */

/* The first reply line the deciding host sent after the decision on the
 * same connection: the refusal a rejection produced, or the acceptance. */
static void card_reply_after(struct card *c, const struct tm_model *m, size_t ev)
{
	const struct tm_event *e = &m->ev[ev];
	const char *first = NULL;

	for (size_t i = ev + 1; i < m->nev && i <= ev + CARD_LOOKAHEAD; i++) {
		const struct tm_event *r = &m->ev[i];
		if (r->kind != TM_SMTP_SEND || r->dir != TM_DIR_S2C || r->node != e->node || !tm_text(r))
			continue;
		if (e->cur_conn >= 0 && r->conn != e->cur_conn)
			continue;
		const char *hit = NULL;
		for (size_t l = 0; l < tm_text_lines(r) && !hit; l++) {
			const char *line = tm_text_line(r, l);
			if (!first)
				first = line;
			if (line[0] == '4' || line[0] == '5')
				hit = line;
		}
		if (hit) {
			first = hit;
			break;
		}
	}
	card_copy(c->reply, sizeof c->reply, first);
}

/* A queue event quotes the remote reply ("host mx said: 550 5.1.1 ..."). */
static void card_reply_quoted(struct card *c, const char *reason)
{
	const char *said = reason ? strstr(reason, " said: ") : NULL;
	card_copy(c->reply, sizeof c->reply, said ? said + 7 : "");
}

/* The answer a check rests on: SPF's TXT record, DKIM's key, DMARC's
 * policy; any answer for the other checks. */
static bool card_dns_fits(const char *filter, const struct tm_event *a)
{
	const char *q = card_str(a, "qname"), *ans = card_str(a, "answers");

	if (strcmp(filter, "spf") == 0)
		return strstr(ans, "v=spf1") != NULL;
	if (strcmp(filter, "dkim") == 0)
		return strstr(q, "._domainkey.") != NULL;
	if (strcmp(filter, "dmarc") == 0)
		return strncmp(q, "_dmarc.", 7) == 0;
	return true;
}

static bool card_dns_to(const struct tm_event *a, int node)
{
	return (a->kind == TM_DNS_ANSWER && a->peer == node) ||
	       (a->kind == TM_DNS_CACHE && a->node == node);
}

/* The DNS answer the deciding host last received before the decision:
 * the one its check rests on when there is one, else the last. */
static void card_dns_before(struct card *c, const struct tm_model *m, size_t ev)
{
	const struct tm_event *e = &m->ev[ev];
	const char *filter = e->kind == TM_FILTER_CHECK ? card_str(e, "filter") : "";
	long pick = -1, last = -1;

	for (size_t i = ev; i-- > 0 && pick < 0;) {
		if (!card_dns_to(&m->ev[i], e->node))
			continue;
		last = last < 0 ? (long)i : last;
		pick = card_dns_fits(filter, &m->ev[i]) ? (long)i : -1;
	}
	pick = pick >= 0 ? pick : last;
	if (pick < 0)
		return;
	const struct tm_event *a = &m->ev[pick];
	const char *ans = tm_get(a, "answers");
	snprintf(c->dns, sizeof c->dns, "%s %s: %s%s%s", card_str(a, "qname"), card_str(a, "qtype"),
		 card_str(a, "rcode"), ans && *ans ? " " : "", ans ? ans : "");
}

/* ---- the recipients' fates ---- */

/* The message a decision concerns: its own, else that of the next event
 * naming the same recipient with a message (a refusal at RCPT comes
 * before the queue names the message). */
static const char *card_msg_of(const struct tm_model *m, size_t ev)
{
	const struct tm_event *e = &m->ev[ev];

	if (e->msg)
		return e->msg;
	for (size_t i = ev + 1; e->rcpt && i < m->nev && i <= ev + CARD_LOOKAHEAD; i++)
		if (m->ev[i].msg && m->ev[i].rcpt && strcmp(m->ev[i].rcpt, e->rcpt) == 0)
			return m->ev[i].msg;
	return NULL;
}

static void card_fate(struct card_rcpt *r, const struct tm_event *e)
{
	const char *fate = NULL;

	r->permanent = r->temporary = false;
	switch (e->kind) {
	case TM_QUEUE_DONE: fate = card_str(e, "result"); break;
	case TM_QUEUE_DEFER: fate = "deferred"; r->temporary = true; break;
	case TM_QUEUE_BOUNCE: fate = "bounced"; r->permanent = true; break;
	case TM_POLICY_DECISION:
		fate = card_str(e, "decision");
		r->permanent = strcmp(fate, "reject") == 0 || strcmp(fate, "deny") == 0;
		r->temporary = strcmp(fate, "greylist") == 0 || strcmp(fate, "defer") == 0;
		break;
	default: return;
	}
	card_copy(r->fate, sizeof r->fate, fate);
	card_copy(r->status, sizeof r->status, card_str(e, "status"));
}

/* Each recipient of the message and the latest word on it up to the
 * cursor; kept only when there are several. */
static struct card_rcpt *card_rcpt_slot(struct card *c, const char *rcpt)
{
	for (size_t k = 0; k < c->nrcpts; k++)
		if (strcmp(c->rcpts[k].rcpt, rcpt) == 0)
			return &c->rcpts[k];
	c->rcpts = xrealloc(c->rcpts, (c->nrcpts + 1) * sizeof *c->rcpts);
	struct card_rcpt *r = &c->rcpts[c->nrcpts++];
	memset(r, 0, sizeof *r);
	card_copy(r->rcpt, sizeof r->rcpt, rcpt);
	card_copy(r->fate, sizeof r->fate, "on its way");
	return r;
}

/* The recipients a queue took the message for ("a, b, c"), in order. */
static void card_seed_rcpts(struct card *c, const struct tm_event *e)
{
	const char *list = tm_get(e, "rcpts");
	char one[256];

	while (list && *list) {
		size_t n = strcspn(list, ",");
		snprintf(one, sizeof one, "%.*s", (int)n, list);
		if (one[0])
			card_rcpt_slot(c, one);
		list += n;
		list += strspn(list, ", ");
	}
}

static void card_recipients(struct card *c, const struct tm_model *m, size_t ev, long cursor)
{
	const char *msg = card_msg_of(m, ev);

	for (long i = 0; msg && i <= cursor && (size_t)i < m->nev; i++)
		if (m->ev[i].kind == TM_QUEUE_ENTER && m->ev[i].msg && strcmp(m->ev[i].msg, msg) == 0)
			card_seed_rcpts(c, &m->ev[i]);

	for (long i = 0; msg && i <= cursor && (size_t)i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		if (!e->rcpt || !e->msg || strcmp(e->msg, msg) != 0)
			continue;
		card_fate(card_rcpt_slot(c, e->rcpt), e);
	}
	/* a refusal at RCPT names the recipient but not yet the message */
	for (long i = 0; msg && i <= cursor && (size_t)i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		if (e->kind != TM_POLICY_DECISION || e->msg || !e->rcpt ||
		    card_msg_of(m, (size_t)i) != msg)
			continue;
		struct card_rcpt *r = card_rcpt_slot(c, e->rcpt);
		if (strcmp(r->fate, "on its way") == 0)
			card_fate(r, e);
	}
	if (c->nrcpts < 2) {
		free(c->rcpts);
		c->rcpts = NULL;
		c->nrcpts = 0;
	}
}

/* ---- the rule, by kind ---- */

static const char *card_filter_rfc(const char *filter)
{
	static const struct { const char *f, *what; } t[] = {
		{"spf", "SPF (RFC 7208): is the sending IP allowed for the envelope sender's domain?"},
		{"dkim", "DKIM (RFC 6376): does a signature verify against the domain's public key?"},
		{"dmarc", "DMARC (RFC 7489): does SPF or DKIM pass for a domain aligned with From:?"},
		{"iprev", "iprev (RFC 8601): does the client's PTR name resolve back to its address?"},
		{"dnsbl", "DNSBL (RFC 5782): is the client's address listed by the blocklist?"},
		{"antivirus", "antivirus: does the content match a known signature?"},
		{"spam", "spam scoring: each symbol adds its score; the total meets the thresholds"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(filter, t[i].f) == 0)
			return t[i].what;
	return filter;
}

/* The highest threshold a total reached, "" when none. */
static void card_spam_rule(const struct card_waterfall *w, char *out, size_t outsz)
{
	int hit = -1, next = -1;

	for (int t = 0; t < CARD_TH_COUNT; t++) {
		if (!w->th_on[t])
			continue;
		if (w->total >= w->th[t])
			hit = t;
		else if (next < 0 || w->th[t] < w->th[next])
			next = t;
	}
	if (hit >= 0 && next >= 0)
		snprintf(out, outsz, "score %.2f reaches %s at %.2f (next: %s at %.2f): action %s",
			 w->total, card_th_name((enum card_th)hit), w->th[hit],
			 card_th_name((enum card_th)next), w->th[next], w->action);
	else if (hit >= 0)
		snprintf(out, outsz, "score %.2f reaches %s at %.2f: action %s", w->total,
			 card_th_name((enum card_th)hit), w->th[hit], w->action);
	else if (next >= 0)
		snprintf(out, outsz, "score %.2f stays under %s at %.2f: action %s", w->total,
			 card_th_name((enum card_th)next), w->th[next], w->action);
	else
		snprintf(out, outsz, "score %.2f: action %s", w->total, w->action);
}

static void card_rule(struct card *c, const struct tm_model *m, const struct tm_event *e)
{
	char sp[240] = "";

	if (c->spam.nbars || c->spam.total != 0)
		card_spam_rule(&c->spam, sp, sizeof sp);
	switch (e->kind) {
	case TM_FILTER_CHECK: {
		const char *sym = tm_get(e, "symbol");
		if (strcmp(card_str(e, "filter"), "spam") == 0 && sp[0]) {
			snprintf(c->rule, sizeof c->rule, "%s; %s", card_filter_rfc("spam"), sp);
			return;
		}
		snprintf(c->rule, sizeof c->rule, "%s Result: %s%s%s%s%s",
			 card_filter_rfc(card_str(e, "filter")), card_str(e, "result"),
			 sym ? " (symbol " : "", sym ? sym : "", sym && tm_get(e, "score") ? " " : "",
			 sym ? card_str(e, "score") : "");
		if (sym)
			snprintf(c->rule + strlen(c->rule), sizeof c->rule - strlen(c->rule), ")");
		return;
	}
	case TM_POLICY_DECISION:
		snprintf(c->rule, sizeof c->rule, "policy decision: %s%s%s%s%s", card_str(e, "decision"),
			 tm_get(e, "folder") ? ", into " : "", card_str(e, "folder"), sp[0] ? "; " : "",
			 sp);
		return;
	case TM_QUEUE_DEFER: {
		char at[48] = "later";
		int64_t us;
		if (tm_get_us(e, "next_attempt", &us))
			clk_fmt_elapsed(us, at, sizeof at);
		snprintf(c->rule, sizeof c->rule,
			 "status %s is temporary (4.x.x, RFC 3463): the queue keeps the message and "
			 "tries again at %s (after attempt %s)",
			 card_str(e, "status"), at, card_str(e, "attempt"));
		return;
	}
	case TM_QUEUE_BOUNCE:
		snprintf(c->rule, sizeof c->rule,
			 "status %s is permanent (class %s): no retry; the sender gets a failure report",
			 card_str(e, "status"), card_str(e, "class"));
		return;
	case TM_QUEUE_EXPIRE:
		snprintf(c->rule, sizeof c->rule,
			 "the queue lifetime ran out after %s s: the waiting recipients bounce",
			 card_str(e, "age"));
		return;
	case TM_QUEUE_DONE:
		snprintf(c->rule, sizeof c->rule, "status %s: %s", card_str(e, "status"),
			 card_str(e, "result"));
		return;
	case TM_DSN_CREATE:
		snprintf(c->rule, sizeof c->rule, "RFC 3464 report, action %s, status %s",
			 card_str(e, "action"), card_str(e, "status"));
		return;
	default:
		(void)m;
		snprintf(c->rule, sizeof c->rule, "%s", tm_kind_name(e));
		return;
	}
}

/* ---- the card ---- */

/* What a check's result means, in words a class reads (RFC 7208 §2.6,
 * RFC 6376 §6, RFC 7489 §6.6, RFC 8601 §3, RFC 5782). */
static const char *card_plain(const char *filter, const char *result)
{
	static const struct { const char *f, *r, *words; } t[] = {
		{"spf", "fail", "The sending server's address is not among the servers the sender's "
				"domain lets send its mail, and the domain asks that such mail be refused (-all)."},
		{"spf", "softfail", "The sending server's address is not among the servers the sender's "
				    "domain lets send its mail; the domain asks only for suspicion (~all)."},
		{"spf", "pass", "The sending server's address is one the sender's domain lets send its mail."},
		{"spf", "none", "The sender's domain publishes no SPF record: nothing can be said."},
		{"spf", "neutral", "The sender's domain says nothing either way about this server (?all)."},
		{"dkim", "fail", "A DKIM signature does not verify: the message changed after it was "
				 "signed, or the key does not match."},
		{"dkim", "pass", "The DKIM signature verifies: the signing domain vouches for this content."},
		{"dkim", "none", "The message carries no DKIM signature."},
		{"dmarc", "fail", "Neither SPF nor DKIM passed for a domain aligned with the From: address, "
				  "and that domain publishes a DMARC policy."},
		{"dmarc", "pass", "SPF or DKIM passed for a domain aligned with the From: address."},
		{"iprev", "fail", "The client's address has no reverse DNS name that points back to it."},
		{"dnsbl", "listed", "The client's address is on a DNS blocklist."},
		{"antivirus", "infected", "The attachment matches a virus signature."},
		{"spam", NULL, "The spam filter found signs of spam, each with a score, and added them up."},
	};
	for (size_t i = 0; filter && i < sizeof t / sizeof t[0]; i++)
		if (strcmp(filter, t[i].f) == 0 && (!t[i].r || (result && strcmp(result, t[i].r) == 0)))
			return t[i].words;
	return NULL;
}

static const char *card_reason_text(const struct tm_event *e)
{
	static const char *const keys[] = {"reason", "detail", "summary"};

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = tm_get(e, keys[i]);
		if (v && *v)
			return v;
	}
	return tm_summary(e);
}

void card_build(struct card *c, const struct tm_model *m, size_t ev, long cursor)
{
	const struct tm_event *e = &m->ev[ev];
	char node[160];

	memset(c, 0, sizeof *c);
	c->ev = ev;
	c->host = e->node;
	card_copy(c->kind, sizeof c->kind, tm_kind_name(e));
	snprintf(node, sizeof node, "%s", e->node >= 0 ? m->nodes[e->node].name : "");
	snprintf(c->title, sizeof c->title, "%s: %s", node, tm_summary(e)[0] ? tm_summary(e) : c->kind);
	card_copy(c->reason, sizeof c->reason, card_reason_text(e));
	const char *plain = e->kind == TM_FILTER_CHECK
				    ? card_plain(tm_get(e, "filter"), tm_get(e, "result")) : NULL;
	if (plain) {
		char detail[400];
		snprintf(detail, sizeof detail, "%s", c->reason);
		snprintf(c->reason, sizeof c->reason, "%s (%s)", plain, detail);
	}
	if (e->kind == TM_DSN_CREATE)
		snprintf(c->reason, sizeof c->reason,
			 "a delivery status report (%s) is written to %s about %s", card_str(e, "action"),
			 card_str(e, "to"), card_str(e, "rcpts"));
	if (e->kind == TM_FILTER_CHECK || e->kind == TM_POLICY_DECISION)
		card_waterfall(&c->spam, m, ev);
	card_rule(c, m, e);
	if (e->kind == TM_QUEUE_DEFER || e->kind == TM_QUEUE_BOUNCE || e->kind == TM_QUEUE_DONE)
		card_reply_quoted(c, tm_get(e, "reason"));
	else if (e->kind == TM_FILTER_CHECK || e->kind == TM_POLICY_DECISION)
		card_reply_after(c, m, ev);
	/* the checks that ask the DNS, and the routing a DNS answer decides */
	const char *f = e->kind == TM_FILTER_CHECK ? card_str(e, "filter") : "";
	if (strstr("spf dkim dmarc iprev dnsbl", f) && (f[0] || e->kind != TM_FILTER_CHECK))
		if (e->kind == TM_FILTER_CHECK || e->kind == TM_ROUTE_MX || e->kind == TM_DNS_TIMEOUT ||
		    ((e->kind == TM_QUEUE_DEFER || e->kind == TM_QUEUE_BOUNCE) && !c->reply[0]))
			card_dns_before(c, m, ev);
	card_recipients(c, m, ev, cursor < (long)ev ? (long)ev : cursor);
}

void card_free(struct card *c)
{
	free(c->rcpts);
	free(c->spam.bars);
	memset(c, 0, sizeof *c);
}

long card_decision_at(const struct tm_model *m, long cursor)
{
	if (cursor < 0 || (size_t)cursor >= m->nev)
		return -1;
	if (tm_kind_is_decision(m->ev[cursor].kind))
		return cursor;
	return tm_prev_decision(m, cursor);
}
