/* scenario_mta.c — the keys of hosts that take mail (mta, filter,
 * mailbox): listeners, delivery and retry policy, greylisting and rate
 * limits, the receiving filters and their policy, DKIM signing. */
#include "scenario_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "retry.h"
#include "spam.h"

static const struct key_spec retry_keys[] = {
	{"schedule", JT_STR, false},    {"rules", JT_STR, false},    {"min_backoff", JT_STR_OR_NUM, false},
	{"max_backoff", JT_STR_OR_NUM, false}, {"lifetime", JT_STR_OR_NUM, false},
	{"delay_warning", JT_STR_OR_NUM, false},
};

static void load_retry(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	if (!check_object(ld, o, jpath, retry_keys, ARRAY_LEN(retry_keys)))
		return;
	char sub[512];
	h->retry_schedule = (enum scn_retry_schedule)get_enum(ld, o, "schedule", jpath,
							      scn_retry_schedule_names, SCN_RETRY_POSTFIX);
	h->retry_rules = get_str(ld, o, "rules", NULL);
	const cJSON *rules = get(o, "rules", JT_STR);
	if (rules) {
		struct retry_policy rp;
		char err[256];
		snprintf(sub, sizeof sub, "%s.rules", jpath);
		if (!retry_policy_exim(&rp, rules->valuestring, err, sizeof err))
			report(ld, rules, false, sub, "Exim syntax: \"F,2h,15m; G,16h,1h,1.5; F,4d,6h\"",
			       "%s", err);
	}
	if (h->retry_schedule == SCN_RETRY_EXIM && !rules)
		report(ld, o, false, jpath, "give the Exim rule list, e.g. \"F,2h,15m; G,16h,1h,1.5; F,4d,6h\"",
		       "schedule \"exim\" needs \"rules\"");
	h->min_backoff = get_duration(ld, o, "min_backoff", jpath);
	h->max_backoff = get_duration(ld, o, "max_backoff", jpath);
	h->queue_lifetime = get_duration(ld, o, "lifetime", jpath);
	h->delay_warning = get_duration(ld, o, "delay_warning", jpath);
	if (h->min_backoff > 0 && h->max_backoff > 0 && h->min_backoff > h->max_backoff)
		report(ld, o, false, jpath, NULL, "min_backoff is larger than max_backoff");
}

static const struct key_spec greylist_keys[] = {{"delay", JT_STR_OR_NUM, true}};
static const struct key_spec rate_keys[] = {
	{"messages", JT_INT, true},
	{"per", JT_STR_OR_NUM, true},
};

/* ---- filters (authentication, spam, antivirus, policy) --------------------- */

static const struct key_spec filter_keys[] = {
	{"iprev", JT_BOOL, false},     {"spf", JT_BOOL, false},        {"dkim", JT_BOOL, false},
	{"dmarc", JT_BOOL, false},     {"antivirus", JT_BOOL, false},  {"dnsbl", JT_ARR, false},
	{"dnsbl_reject", JT_BOOL, false}, {"spam", JT_OBJ, false},     {"policy", JT_OBJ, false},
	{"outbound_spam", JT_BOOL, false},
};

static const struct key_spec spam_keys[] = {
	{"greylist", JT_NUM, false},   {"add_header", JT_NUM, false}, {"rewrite_subject", JT_NUM, false},
	{"quarantine", JT_NUM, false}, {"reject", JT_NUM, false},     {"bad_urls", JT_ARR, false},
	{"bayes_spam", JT_ARR, false}, {"bayes_ham", JT_ARR, false},   {"reputation", JT_OBJ, false},
};

static const struct key_spec policy_keys[] = {
	{"blocked", JT_ARR, false},   {"whitelist", JT_ARR, false}, {"gatekeeper", JT_BOOL, false},
	{"rules", JT_ARR, false},     {"snooze", JT_OBJ, false},    {"approvals", JT_ARR, false},
};

static const struct key_spec approval_keys[] = {{"sender", JT_STR, true}, {"at", JT_NUM, true}};

static const struct key_spec rule_keys[] = {
	{"from", JT_STR, false},   {"to", JT_STR, false},    {"subject", JT_STR, false},
	{"action", JT_STR, true},  {"folder", JT_STR, false}, {"flags", JT_ARR, false},
	{"forward", JT_STR, false},
};

static const struct key_spec snooze_keys[] = {{"start", JT_STR, true}, {"end", JT_STR, true}};

static int parse_hhmm(struct ld *ld, const cJSON *o, const char *key, const char *jpath)
{
	const cJSON *n = get(o, key, JT_STR);
	int h, m;
	char tail;
	if (n && sscanf(n->valuestring, "%d:%d%c", &h, &m, &tail) == 2 && h >= 0 && h < 24 && m >= 0 &&
	    m < 60)
		return h * 60 + m;
	if (n) {
		char p[512];
		snprintf(p, sizeof p, "%s.%s", jpath, key);
		report(ld, n, false, p, "for example \"08:00\"", "expected a time of day HH:MM (UTC)");
	}
	return -1;
}

static void load_rule(struct ld *ld, const cJSON *o, const char *jpath, struct scn_rule *r)
{
	if (!check_object(ld, o, jpath, rule_keys, ARRAY_LEN(rule_keys)))
		return;
	char sub[512];
	r->action = (enum scn_rule_action)get_enum(ld, o, "action", jpath, scn_rule_action_names,
						   SCN_RULE_FOLDER);
	r->from = get_str(ld, o, "from", NULL);
	r->to = get_str(ld, o, "to", NULL);
	r->subject = get_str(ld, o, "subject", NULL);
	r->folder = get_str(ld, o, "folder", NULL);
	r->forward = get_str(ld, o, "forward", NULL);
	r->flags = get_str_list(ld, o, "flags", jpath, &r->nflags);
	if (r->action == SCN_RULE_FOLDER && !r->folder)
		report(ld, o, false, jpath, NULL, "a \"folder\" rule needs \"folder\"");
	if (r->action == SCN_RULE_FORWARD && !r->forward)
		report(ld, o, false, jpath, NULL, "a \"forward\" rule needs \"forward\"");
	const cJSON *fw = get(o, "forward", JT_STR);
	snprintf(sub, sizeof sub, "%s.forward", jpath);
	if (fw)
		check_address(ld, fw, sub, r->forward);
	const cJSON *fo = get(o, "folder", JT_STR);
	snprintf(sub, sizeof sub, "%s.folder", jpath);
	if (fo)
		check_path_name(ld, fo, sub, "folder name");
}

static void load_policy(struct ld *ld, const cJSON *o, const char *jpath, struct scn_filters *f)
{
	if (!check_object(ld, o, jpath, policy_keys, ARRAY_LEN(policy_keys)))
		return;
	f->blocked = get_str_list(ld, o, "blocked", jpath, &f->nblocked);
	f->whitelist = get_str_list(ld, o, "whitelist", jpath, &f->nwhitelist);
	f->gatekeeper = get_bool(o, "gatekeeper", false);
	const cJSON *rules = get(o, "rules", JT_ARR);
	f->rules = arena_calloc(ld->a, (size_t)cJSON_GetArraySize(rules) + 1, sizeof *f->rules);
	size_t i = 0;
	char sub[512];
	for (const cJSON *e = rules ? rules->child : NULL; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "%s.rules[%zu]", jpath, i);
		load_rule(ld, e, sub, &f->rules[f->nrules++]);
	}
	const cJSON *ap = get(o, "approvals", JT_ARR);
	f->approvals = arena_calloc(ld->a, (size_t)cJSON_GetArraySize(ap) + 1, sizeof *f->approvals);
	i = 0;
	for (const cJSON *e = ap ? ap->child : NULL; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "%s.approvals[%zu]", jpath, i);
		if (!check_object(ld, e, sub, approval_keys, ARRAY_LEN(approval_keys)))
			continue;
		struct scn_approval *a = &f->approvals[f->napprovals++];
		a->sender = get_str(ld, e, "sender", "");
		a->at = secs_to_us(get_num(ld, e, "at", sub, 0, 365 * 86400.0, 0, "seconds"));
	}
	if (ap && !f->gatekeeper) {
		snprintf(sub, sizeof sub, "%s.approvals", jpath);
		report(ld, ap, true, sub, "add \"gatekeeper\": true, or drop the approvals",
		       "approvals only answer the gatekeeper, which is off");
	}
	const cJSON *sn = get(o, "snooze", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.snooze", jpath);
	if (sn && check_object(ld, sn, sub, snooze_keys, ARRAY_LEN(snooze_keys))) {
		f->snooze_start = parse_hhmm(ld, sn, "start", sub);
		f->snooze_end = parse_hhmm(ld, sn, "end", sub);
	}
}

/* The spam thresholds as written, in points. */
struct spam_points {
	double greylist, add_header, rewrite_subject, reject, quarantine;
};

/* Defaults: Rspamd's actions.conf (email-facts §9.1); no quarantine band
 * unless asked for (it starts at reject). sp NULL: the defaults. */
static void read_spam_points(struct ld *ld, const cJSON *sp, const char *sub, struct spam_points *p)
{
	p->greylist = get_num(ld, sp, "greylist", sub, -100, 1000, 4, NULL);
	p->add_header = get_num(ld, sp, "add_header", sub, -100, 1000, 6, NULL);
	p->rewrite_subject = get_num(ld, sp, "rewrite_subject", sub, -100, 1000, 8, NULL);
	p->reject = get_num(ld, sp, "reject", sub, -100, 1000, 15, NULL);
	p->quarantine = get_num(ld, sp, "quarantine", sub, -100, 1000, p->reject, NULL);
}

/* Checked in points, kept as integer centipoints (SPAM_PTS): the scorer
 * never sees floating point. */
static void set_spam_thresholds(struct ld *ld, const cJSON *sp, const char *sub,
				const struct spam_points *p, struct scn_filters *f)
{
	if (sp && !(p->greylist <= p->add_header && p->add_header <= p->reject &&
		    p->quarantine <= p->reject))
		report(ld, sp, false, sub, "thresholds must rise: greylist <= add_header <= reject, quarantine <= reject",
		       "spam thresholds out of order");
	f->greylist = SPAM_PTS(p->greylist);
	f->add_header = SPAM_PTS(p->add_header);
	f->rewrite_subject = SPAM_PTS(p->rewrite_subject);
	f->reject = SPAM_PTS(p->reject);
	f->quarantine = SPAM_PTS(p->quarantine);
}

/* "reputation": client IP, sender or @domain -> a score in centipoints. */
static void load_reputation(struct ld *ld, const cJSON *sp, const char *sub, struct scn_filters *f)
{
	const cJSON *rep = get(sp, "reputation", JT_OBJ);
	size_t nrep = (size_t)cJSON_GetArraySize(rep) + 1;
	f->rep_keys = arena_calloc(ld->a, nrep, sizeof *f->rep_keys);
	f->rep_scores = arena_calloc(ld->a, nrep, sizeof *f->rep_scores);
	for (const cJSON *e = rep ? rep->child : NULL; e; e = e->next) {
		if (!cJSON_IsNumber(e) || e->valuedouble < -100 || e->valuedouble > 100) {
			char p[600];
			snprintf(p, sizeof p, "%s.reputation.%s", sub, e->string);
			report(ld, e, false, p, "for example { \"203.0.113.77\": 3.0, \"@example.org\": -1.0 }",
			       "expected a score between -100 and 100");
			continue;
		}
		f->rep_keys[f->nrep] = arena_strdup(ld->a, e->string);
		f->rep_scores[f->nrep++] = SPAM_PTS(e->valuedouble);
	}
}

static void load_filters(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	struct scn_filters *f = &h->filters;
	f->snooze_start = f->snooze_end = -1;
	if (!check_object(ld, o, jpath, filter_keys, ARRAY_LEN(filter_keys)))
		return;
	h->has_filters = true;
	f->iprev = get_bool(o, "iprev", false);
	f->spf = get_bool(o, "spf", false);
	f->dkim = get_bool(o, "dkim", false);
	f->dmarc = get_bool(o, "dmarc", false);
	f->antivirus = get_bool(o, "antivirus", false);
	f->dnsbl = get_str_list(ld, o, "dnsbl", jpath, &f->ndnsbl);
	f->dnsbl_reject = get_bool(o, "dnsbl_reject", false);
	f->outbound_spam = get_bool(o, "outbound_spam", false);
	char sub[512];
	const cJSON *sp = get(o, "spam", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.spam", jpath);
	struct spam_points pts;
	if (sp && check_object(ld, sp, sub, spam_keys, ARRAY_LEN(spam_keys))) {
		f->spam = true;
		read_spam_points(ld, sp, sub, &pts);
		f->bad_urls = get_str_list(ld, sp, "bad_urls", sub, &f->nbad_urls);
		f->bayes_spam = get_str_list(ld, sp, "bayes_spam", sub, &f->nbayes_spam);
		f->bayes_ham = get_str_list(ld, sp, "bayes_ham", sub, &f->nbayes_ham);
		load_reputation(ld, sp, sub, f);
		set_spam_thresholds(ld, sp, sub, &pts, f);
	} else {
		read_spam_points(ld, NULL, sub, &pts);
		set_spam_thresholds(ld, NULL, sub, &pts, f);
	}
	const cJSON *pol = get(o, "policy", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.policy", jpath);
	if (pol)
		load_policy(ld, pol, sub, f);
}

/* ---- sender reputation (sim/reputation.h) ------------------------------------ */

static const struct key_spec sender_rep_keys[] = {
	{"initial", JT_NUM, false},	  {"half_life", JT_STR_OR_NUM, false},
	{"complaint_rate", JT_NUM, false}, {"complaint_delay", JT_STR_OR_NUM, false},
	{"junk_below", JT_NUM, false},	  {"throttle_below", JT_NUM, false},
	{"quarantine_below", JT_NUM, false}, {"drop_below", JT_NUM, false},
	{"reject_below", JT_NUM, false},  {"throttle_per_minute", JT_NUM, false},
	{"volume_window", JT_STR_OR_NUM, false}, {"volume_factor", JT_NUM, false},
	{"volume_min", JT_INT, false},
};

/* A duration key with a default when absent. */
static int64_t duration_or(struct ld *ld, const cJSON *o, const char *key, const char *jpath,
			   int64_t def)
{
	if (!get(o, key, JT_STR_OR_NUM))
		return def;
	int64_t v = get_duration(ld, o, key, jpath);
	return v > 0 ? v : def;
}

static void load_sender_reputation(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	struct scn_reputation *r = &h->reputation;
	if (!check_object(ld, o, jpath, sender_rep_keys, ARRAY_LEN(sender_rep_keys)))
		return;
	h->has_reputation = true;
	struct scn_reputation d;
	scn_reputation_defaults(&d);
	r->initial = get_num(ld, o, "initial", jpath, 0, 100, d.initial, "a score 0..100");
	r->half_life = duration_or(ld, o, "half_life", jpath, d.half_life);
	r->complaint_rate = get_num(ld, o, "complaint_rate", jpath, 0, 1, d.complaint_rate, "a fraction");
	r->complaint_delay = duration_or(ld, o, "complaint_delay", jpath, d.complaint_delay);
	r->junk_below = get_num(ld, o, "junk_below", jpath, 0, 100, d.junk_below, "a score 0..100");
	r->throttle_below = get_num(ld, o, "throttle_below", jpath, 0, 100, d.throttle_below,
				    "a score 0..100");
	r->quarantine_below = get_num(ld, o, "quarantine_below", jpath, 0, 100, d.quarantine_below,
				      "a score 0..100");
	r->drop_below = get_num(ld, o, "drop_below", jpath, 0, 100, d.drop_below, "a score 0..100");
	r->reject_below = get_num(ld, o, "reject_below", jpath, 0, 100, d.reject_below, "a score 0..100");
	r->throttle_per_minute = get_num(ld, o, "throttle_per_minute", jpath, 0.01, 1e6,
					 d.throttle_per_minute, "connections per minute");
	r->volume_window = duration_or(ld, o, "volume_window", jpath, d.volume_window);
	r->volume_factor = get_num(ld, o, "volume_factor", jpath, 1, 1000, d.volume_factor, NULL);
	r->volume_min = (long)get_num(ld, o, "volume_min", jpath, 1, 1e9, (double)d.volume_min,
				      "messages");
	if (!(r->reject_below <= r->drop_below && r->drop_below <= r->quarantine_below &&
	      r->quarantine_below <= r->junk_below))
		report(ld, o, false, jpath, "reject_below <= drop_below <= quarantine_below <= junk_below",
		       "reputation thresholds out of order");
}

static const struct key_spec dkim_sign_keys[] = {
	{"domain", JT_STR, true}, {"selector", JT_STR, true}, {"key", JT_STR, true},
	{"canon", JT_STR, false},
};

/* The file's text, copied into the arena; NULL with err set when unreadable. */
static char *read_beside(struct ld *ld, const char *rel, char *err, size_t errsz)
{
	char path[4096];
	const char *slash = strrchr(ld->path, '/');
	if (rel[0] == '/' || !slash)
		snprintf(path, sizeof path, "%s", rel);
	else
		snprintf(path, sizeof path, "%.*s/%s", (int)(slash - ld->path), ld->path, rel);
	struct strbuf sb;
	sb_init(&sb);
	if (!read_file(path, &sb)) {
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
		sb_free(&sb);
		return NULL;
	}
	char *text = arena_strdup(ld->a, sb.data ? sb.data : "");
	sb_free(&sb);
	return text;
}

static void load_dkim_sign(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	if (!check_object(ld, o, jpath, dkim_sign_keys, ARRAY_LEN(dkim_sign_keys)))
		return;
	struct scn_dkim_sign *d = &h->dkim_sign;
	h->has_dkim_sign = true;
	d->domain = get_str(ld, o, "domain", "");
	d->selector = get_str(ld, o, "selector", "");
	d->key_path = get_str(ld, o, "key", "");
	d->canon = (enum scn_canon)get_enum(ld, o, "canon", jpath, scn_canon_names,
					    SCN_CANON_RELAXED_RELAXED);
	d->header_relaxed = d->canon == SCN_CANON_RELAXED_RELAXED || d->canon == SCN_CANON_RELAXED_SIMPLE;
	d->body_relaxed = d->canon == SCN_CANON_RELAXED_RELAXED || d->canon == SCN_CANON_SIMPLE_RELAXED;
	char sub[512], err[600];
	const cJSON *k = get(o, "key", JT_STR);
	snprintf(sub, sizeof sub, "%s.key", jpath);
	if (k && !(d->key_pem = read_beside(ld, d->key_path, err, sizeof err)))
		report(ld, k, false, sub, "the path is relative to the scenario file, e.g. \"keys/example.org.s1.pem\"",
		       "%s", err);
}

/* "services": a bit set; an MTA without a list listens for mail on port 25. */
static void load_services(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	const cJSON *sv = get(o, "services", JT_ARR);
	if (!sv) {
		h->services = SCN_SVC(SCN_SERVICE_SMTP);
		return;
	}
	size_t n;
	(void)get_str_list(ld, o, "services", jpath, &n); /* reports entries that are no strings */
	char sub[512];
	size_t i = 0;
	for (const cJSON *e = sv->child; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "%s.services[%zu]", jpath, i);
		int v = cJSON_IsString(e) ? check_enum(ld, e, sub, scn_service_names) : -1;
		if (v >= 0)
			h->services |= SCN_SVC(v);
	}
}

void load_host_mta(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	char sub[512];
	load_services(ld, o, jpath, h);
	h->domains = get_str_list(ld, o, "domains", jpath, &h->ndomains);
	for (size_t k = 0; k < h->ndomains; k++) {
		char norm[256];
		if (!dns_name_normalize(h->domains[k], norm, sizeof norm)) {
			snprintf(sub, sizeof sub, "%s.domains[%zu]", jpath, k);
			report(ld, cJSON_GetArrayItem(get(o, "domains", JT_ARR), (int)k), false, sub,
			       NULL, "\"%s\" is not a valid domain name", h->domains[k]);
			continue;
		}
		h->domains[k] = arena_strdup(ld->a, norm);
	}
	h->tls = get_bool(o, "tls", false);
	h->vrfy = get_bool(o, "vrfy", false);
	h->tabs = get_bool(o, "tabs", false);
	h->size_limit = (int64_t)get_num(ld, o, "size_limit", jpath, 0, 2e9, 10240000, "bytes");
	h->max_rcpts = (int)get_num(ld, o, "max_rcpts", jpath, 1, 100000, 100, NULL);
	h->banner = get_str(ld, o, "banner", NULL);
	h->relay_domains = get_str_list(ld, o, "relay_domains", jpath, &h->nrelay_domains);
	h->tls_policy = (enum scn_tls_policy)get_enum(ld, o, "tls_policy", jpath,
						      scn_tls_policy_names, SCN_TLS_MAY);
	h->min_backoff = h->max_backoff = h->queue_lifetime = h->delay_warning = -1;
	h->retry_schedule = SCN_RETRY_POSTFIX;
	const cJSON *r = get(o, "retry", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.retry", jpath);
	if (r)
		load_retry(ld, r, sub, h);
	const cJSON *g = get(o, "greylist", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.greylist", jpath);
	if (g && check_object(ld, g, sub, greylist_keys, ARRAY_LEN(greylist_keys)))
		h->greylist_delay = get_duration(ld, g, "delay", sub);
	if (h->greylist_delay < 0)
		h->greylist_delay = 0;
	const cJSON *rl = get(o, "rate_limit", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.rate_limit", jpath);
	if (rl && check_object(ld, rl, sub, rate_keys, ARRAY_LEN(rate_keys))) {
		h->rate_limit = (int)get_num(ld, rl, "messages", sub, 1, 1e6, 0, NULL);
		h->rate_window = get_duration(ld, rl, "per", sub);
	}
	h->idle_timeout = secs_to_us(get_num(ld, o, "idle_timeout", jpath, 1, 3600, 0, "seconds"));
	const cJSON *fl = get(o, "filters", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.filters", jpath);
	h->filters.snooze_start = h->filters.snooze_end = -1;
	if (fl)
		load_filters(ld, fl, sub, h);
	const cJSON *ds = get(o, "dkim_sign", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.dkim_sign", jpath);
	if (ds)
		load_dkim_sign(ld, ds, sub, h);
	h->srs_secret = get_str(ld, o, "srs_secret", NULL);
	h->quota_full = (enum scn_quota_full)get_enum(ld, o, "quota_full", jpath,
						      scn_quota_full_names, SCN_QUOTA_REJECT);
	h->postmaster_name = get_str(ld, o, "postmaster", NULL);
	h->refuse_probes_from = get_str_list(ld, o, "refuse_probes_from", jpath, &h->nrefuse_probes_from);
	const cJSON *sr = get(o, "sender_reputation", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.sender_reputation", jpath);
	if (sr)
		load_sender_reputation(ld, sr, sub, h);
}
