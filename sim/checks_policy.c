/* checks_policy.c — the recipient's policy (the seeds' step 9: sender
 * state, gatekeeper, spam threshold, filter rules, quarantine band, snooze
 * window) and the headers a delivered message gets (step 10:
 * Authentication-Results, X-Spam-*, X-Virus-*). checks.c runs the stages
 * that lead here; see checks_int.h. */
#include "checks_int.h"

#include <string.h>

#include "fmt.h"
#include "mailstore.h"
#include "msg.h"
#include "net.h"
#include "util.h"

/* ---- the recipient's policy (the seeds' step 9) ---------------------------------- */

static const struct scn_rule *match_rule(const struct chk *c)
{
	char subj[512] = "", from[512] = "";
	msg_header(c->msg, c->len, "Subject", subj, sizeof subj);
	msg_header(c->msg, c->len, "From", from, sizeof from);
	for (size_t i = 0; i < c->f->nrules; i++) {
		const struct scn_rule *r = &c->f->rules[i];
		bool to = !r->to;
		for (size_t k = 0; r->to && k < c->nrcpts; k++)
			to |= ascii_strcaseeq(r->to, c->rcpts[k]);
		if (to && (!r->from || strstr(from, r->from) || strstr(c->sender, r->from)) &&
		    (!r->subject || strstr(subj, r->subject)))
			return r;
	}
	return NULL;
}

static unsigned flag_bits(const struct scn_rule *r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} t[] = {{"\\Seen", MFLAG_SEEN}, {"\\Flagged", MFLAG_FLAGGED}, {"\\Answered", MFLAG_ANSWERED}};
	unsigned bits = 0;
	for (size_t i = 0; i < r->nflags; i++)
		for (size_t k = 0; k < ARRAY_LEN(t); k++)
			if (ascii_strcaseeq(r->flags[i], t[k].name))
				bits |= t[k].bit;
	return bits;
}

/* Outside the delivery window: the time the window next opens. */
static bool snoozed(const struct chk *c, int64_t *until)
{
	int s = c->f->snooze_start, e = c->f->snooze_end;
	if (s < 0 || e < 0)
		return false;
	int64_t unix_s = (c->sim->epoch_unix_us + c->sim->now) / 1000000;
	int minute = (int)((unix_s % 86400) / 60);
	bool open = s <= e ? (minute >= s && minute < e) : (minute >= s || minute < e);
	if (open)
		return false;
	int64_t day = unix_s - unix_s % 86400, start = day + (int64_t)s * 60;
	if (start <= unix_s)
		start += 86400;
	*until = start * 1000000 - c->sim->epoch_unix_us;
	return true;
}

static bool decide_auth(struct chk *c)
{
	if (c->dmarc_ran && c->dm.result == DMARC_FAIL && c->dm.policy == DMARC_POLICY_REJECT) {
		char why[400];
		fmt_snprintf(why, sizeof why,
			 "Unauthenticated email from %s is not accepted due to domain's DMARC policy",
			 c->dm.from_domain);
		chk_set_verdict(c, PD_REJECT, 550, "5.7.26", why);
		return true;
	}
	if (c->dmarc_ran && c->dm.result == DMARC_FAIL && c->dm.policy == DMARC_POLICY_QUARANTINE) {
		chk_set_verdict(c, PD_DELIVER, 0, NULL, "DMARC policy quarantine: filed as junk");
		fmt_snprintf(c->v.folder, sizeof c->v.folder, "Junk");
	}
	return false;
}

static bool decide_spam(struct chk *c)
{
	if (!c->spam_ran)
		return false;
	switch (c->spam.action) {
	case SPAM_REJECT:
		chk_set_verdict(c, PD_REJECT, 554, "5.7.1", "Spam message rejected");
		return true;
	case SPAM_GREYLIST:
		if (!chk_seen_before(c)) {
			chk_set_verdict(c, PD_GREYLIST, 451, "4.7.1", "Try again later");
			return true;
		}
		break;
	case SPAM_REWRITE_SUBJECT:
		/* Rspamd's rewrite_subject: the subject is marked and the
		 * message filed like add_header's. */
		fmt_snprintf(c->v.subject_prefix, sizeof c->v.subject_prefix, "***SPAM*** ");
		fmt_snprintf(c->v.folder, sizeof c->v.folder, "Junk");
		fmt_snprintf(c->v.reason, sizeof c->v.reason,
			 "spam score above the rewrite_subject threshold: Junk");
		break;
	case SPAM_ADD_HEADER:
		fmt_snprintf(c->v.folder, sizeof c->v.folder, "Junk");
		fmt_snprintf(c->v.reason, sizeof c->v.reason, "spam score above the add_header threshold: Junk");
		break;
	default:
		break;
	}
	if (c->spam.quarantine) {
		chk_set_verdict(c, PD_QUARANTINE, 0, NULL, "spam score in the quarantine band");
		fmt_snprintf(c->v.folder, sizeof c->v.folder, "Quarantine");
	}
	return false;
}

/* The decision, in the seeds' order: sender state, gatekeeper, spam
 * threshold, filter rules, quarantine band, snooze window. */
void chk_decide(struct chk *c)
{
	fmt_snprintf(c->v.folder, sizeof c->v.folder, "INBOX");
	chk_set_verdict(c, PD_DELIVER, 0, NULL, "passed every check");
	if (decide_auth(c))
		return;
	if (!c->whitelisted && c->f->gatekeeper && chk_approval(c)) {
		/* Approved later: held like a snoozed message, released to the
		 * inbox at the moment the recipient lets the sender in. */
		chk_set_verdict(c, PD_SNOOZE, 0, NULL,
			"the gatekeeper holds an unknown sender until the recipient approves it");
		c->v.snooze_until = chk_approval(c)->at;
		c->held_for_approval = true;
		return;
	}
	if (!c->whitelisted && c->f->gatekeeper) {
		chk_set_verdict(c, PD_QUARANTINE, 0, NULL, "the gatekeeper holds senders that are not on the whitelist");
		fmt_snprintf(c->v.folder, sizeof c->v.folder, "Quarantine");
		return;
	}
	if (decide_spam(c))
		return;
	const struct scn_rule *r = match_rule(c);
	if (r && r->action == SCN_RULE_DENY) {
		chk_set_verdict(c, PD_DENY, 0, NULL, "a filter rule of the recipient denies it (accepted, then dropped)");
		return;
	}
	if (r && r->action == SCN_RULE_FORWARD) {
		fmt_snprintf(c->v.forward, sizeof c->v.forward, "%s", r->forward);
		fmt_snprintf(c->v.reason, sizeof c->v.reason, "a filter rule forwards it to %s", r->forward);
	}
	if (r && r->action == SCN_RULE_FOLDER && c->v.decision == PD_DELIVER) {
		fmt_snprintf(c->v.folder, sizeof c->v.folder, "%s", r->folder);
		c->v.flags = flag_bits(r);
		fmt_snprintf(c->v.reason, sizeof c->v.reason, "a filter rule files it in %s", r->folder);
	}
	int64_t until;
	if (c->v.decision == PD_DELIVER && snoozed(c, &until)) {
		c->v.decision = PD_SNOOZE;
		c->v.snooze_until = until;
		fmt_snprintf(c->v.reason, sizeof c->v.reason, "outside the delivery window: held until it opens");
	}
}

/* ---- headers (the seeds' step 10) --------------------------------------------------- */

static void add_header(struct chk *c, const char *name, const char *value)
{
	sb_printf(&c->v.headers, "%s: %s\r\n", name, value);
}

static void build_authres(struct chk *c)
{
	if (!c->spf_ran && !c->dkim_ran && !c->dmarc_ran && strcmp(c->iprev, "none") == 0)
		return;
	struct authres *ar = authres_new(c->host->name);
	if (strcmp(c->iprev, "none") != 0) {
		authres_add(ar, "iprev", c->iprev);
		authres_prop(ar, "policy.iprev", c->ip);
	}
	if (c->spf_ran) {
		authres_add(ar, "spf", spf_result_name(c->spf));
		authres_prop(ar, "smtp.mailfrom", c->sender[0] ? c->sender : c->helo);
	}
	for (size_t i = 0; c->dkim && i < dkim_verify_count(c->dkim); i++) {
		authres_add(ar, "dkim", dkim_result_name(dkim_verify_result(c->dkim, i)));
		if (dkim_verify_result(c->dkim, i) != DKIM_PASS)
			authres_reason(ar, dkim_verify_reason(c->dkim, i));
		authres_prop(ar, "header.d", dkim_verify_domain(c->dkim, i));
		authres_prop(ar, "header.s", dkim_verify_selector(c->dkim, i));
	}
	if (c->dkim_ran && (!c->dkim || dkim_verify_count(c->dkim) == 0))
		authres_add(ar, "dkim", "none");
	if (c->dmarc_ran) {
		char comment[128];
		authres_add(ar, "dmarc", dmarc_result_name(c->dm.result));
		dmarc_ar_comment(&c->dm, comment, sizeof comment);
		if (comment[0])
			authres_comment(ar, comment);
		if (c->dm.from_domain[0])
			authres_prop(ar, "header.from", c->dm.from_domain);
	}
	struct strbuf v;
	sb_init(&v);
	authres_format_folded(ar, strlen(AUTHRES_HEADER) + 2, &v);
	add_header(c, AUTHRES_HEADER, v.data);
	sb_free(&v);
	authres_free(ar);
}

void chk_build_headers(struct chk *c)
{
	build_authres(c);
	if (c->spam_ran) {
		struct strbuf v;
		sb_init(&v);
		spam_header_score(&c->spam, &v);
		add_header(c, "X-Spam-Score", v.data);
		sb_clear(&v);
		spam_header_status(&c->spam, &c->spam_cfg, strlen("X-Spam-Status: "), &v);
		add_header(c, "X-Spam-Status", v.data);
		sb_clear(&v);
		spam_header_explanation(&c->spam, &v);
		add_header(c, "X-Spam-Explanation", v.data);
		sb_free(&v);
	}
	if (c->av_ran) {
		char v[300];
		av_header_scanned(c->host->name, v, sizeof v);
		add_header(c, "X-Virus-Scanned", v);
		av_header_status(&c->av, v, sizeof v);
		add_header(c, "X-Virus-Status", v);
	}
}
