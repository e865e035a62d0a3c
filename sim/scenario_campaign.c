/* scenario_campaign.c — the scenario's "campaigns": loading, checking and
 * generating their lists (docs/scenario-format.md, "campaigns").
 *
 * A generated list is deterministic from the scenario's seed and the
 * campaign's name: each address draws its kind from the mix, and the
 * world gets what the kind needs — a mailbox for a valid, role or
 * spam-trap address, a disabled mailbox, a mailbox with a one-byte quota
 * (full), nothing for an unknown one, a domain that does not resolve for
 * a typo or an expired domain. Catch-all and disposable addresses use
 * domains the scenario declares (catch_all_domain, disposable_domain). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "rng.h"
#include "scenario_int.h"
#include "strmap.h"

const char *const scn_list_kind_names[] = {
	"valid",  "unknown", "disabled",   "full",	 "catch_all", "typo_domain", "expired_domain",
	"role",	  "disposable", "spam_trap", "inline", NULL,
};

static const struct key_spec campaign_keys[] = {
	{"name", JT_STR, true},	      {"from", JT_STR, true},	     {"at", JT_STR_OR_NUM, false},
	{"list", JT_ARR_OR_OBJ, true},	      {"subject", JT_STR, false},    {"body", JT_STR_OR_ARR, false},
	{"promotional", JT_BOOL, false}, {"list_unsubscribe", JT_STR, false},
	{"rate_per_minute", JT_NUM, false}, {"warmup", JT_OBJ, false}, {"hygiene", JT_OBJ, false},
	{"host", JT_STR, false},
};
static const struct key_spec list_keys[] = {
	{"generate", JT_INT, true},	 {"domain", JT_STR, true},     {"mix", JT_OBJ, true},
	{"catch_all_domain", JT_STR, false}, {"disposable_domain", JT_STR, false},
};
static const struct key_spec warmup_keys[] = {
	{"from_per_minute", JT_NUM, true}, {"minutes", JT_NUM, true},
};
static const struct key_spec hygiene_keys[] = {
	{"verify_first", JT_BOOL, false}, {"suppression", JT_BOOL, false},
	{"pause_threshold", JT_NUM, false}, {"min_sample", JT_INT, false},
	{"soft_bounce_limit", JT_INT, false}, {"resume_after", JT_STR_OR_NUM, false},
	{"verify_on_resume", JT_BOOL, false},
};

/* Role local parts a generated list uses (the verifier's list has more). */
static const char *const roles[] = {"info", "sales", "support", "admin", "contact", "billing"};

/* A new mailbox for a generated address. */
static struct scn_user *add_user(struct ld *ld, size_t *cap, const char *address)
{
	struct scenario *s = ld->s;
	if (s->nusers == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct scn_user *u = arena_calloc(ld->a, ncap + 1, sizeof *u);
		if (s->nusers)
			memcpy(u, s->users, s->nusers * sizeof *u);
		s->users = u;
		*cap = ncap;
	}
	struct scn_user *u = &s->users[s->nusers];
	u->address = arena_strdup(ld->a, address);
	char *k = arena_strdup(ld->a, address);
	for (char *q = k; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	strmap_put(s->user_index, k, s->nusers++);
	u->password = arena_strdup(ld->a, "");
	return u;
}

/* The domain with its first label's second and third letters swapped
 * ("bigmail.example" -> "bgimail.example"): a typo that does not resolve. */
static void typo_of(const char *d, char *out, size_t cap)
{
	snprintf(out, cap, "%s", d);
	if (strlen(out) > 3 && out[1] != out[2] && out[1] != '.' && out[2] != '.') {
		char c = out[1];
		out[1] = out[2];
		out[2] = c;
	} else {
		snprintf(out, cap, "x%s", d);
	}
}

/* Does a host keep mail for the domain? */
static bool domain_kept(const struct scenario *s, const char *dom)
{
	char probe[400];
	snprintf(probe, sizeof probe, "x@%s", dom);
	return scn_mailbox_host(s, probe) != NULL;
}

static void generate(struct ld *ld, const cJSON *o, const char *jpath, struct scn_campaign *c,
		     size_t *ucap)
{
	if (!check_object(ld, o, jpath, list_keys, ARRAY_LEN(list_keys)))
		return;
	double n = get_num(ld, o, "generate", jpath, 1, 10000000, 1, "addresses");
	const char *dom = get_str(ld, o, "domain", "");
	const char *ca = get_str(ld, o, "catch_all_domain", NULL);
	const char *disp = get_str(ld, o, "disposable_domain", NULL);
	char p[600];
	if (!domain_kept(ld->s, dom)) {
		snprintf(p, sizeof p, "%s.domain", jpath);
		report(ld, get(o, "domain", JT_STR), false, p, "list it in an MTA host's \"domains\"",
		       "no host keeps mail for \"%s\"", dom);
		return;
	}
	double w[LK_INLINE] = {0}, total = 0;
	const cJSON *mix = get(o, "mix", JT_OBJ);
	for (const cJSON *e = mix ? mix->child : NULL; e; e = e->next) {
		snprintf(p, sizeof p, "%s.mix.%s", jpath, e->string);
		int k = -1;
		for (int i = 0; i < LK_INLINE; i++)
			if (strcmp(e->string, scn_list_kind_names[i]) == 0)
				k = i;
		if (k < 0) {
			report(ld, e, true, p,
			       "valid, unknown, disabled, full, catch_all, typo_domain, expired_domain, role, "
			       "disposable, spam_trap",
			       "unknown address kind \"%s\"", e->string);
			continue;
		}
		if (!cJSON_IsNumber(e) || e->valuedouble < 0) {
			report(ld, e, false, p, NULL, "expected a weight (a number >= 0)");
			continue;
		}
		w[k] = e->valuedouble;
		total += w[k];
	}
	if (w[LK_CATCH_ALL] > 0 && !ca) {
		report(ld, mix, false, jpath, "add \"catch_all_domain\": a domain with a catch-all user",
		       "the mix has catch_all addresses but no catch_all_domain");
		return;
	}
	if (w[LK_DISPOSABLE] > 0 && !disp) {
		report(ld, mix, false, jpath, "add \"disposable_domain\": a domain a host keeps mail for",
		       "the mix has disposable addresses but no disposable_domain");
		return;
	}
	if (disp && !domain_kept(ld->s, disp)) {
		snprintf(p, sizeof p, "%s.disposable_domain", jpath);
		report(ld, get(o, "disposable_domain", JT_STR), false, p, NULL,
		       "no host keeps mail for \"%s\"", disp);
		return;
	}
	if (total <= 0) {
		report(ld, mix, false, jpath, NULL, "the mix has no weight above 0");
		return;
	}
	size_t count = (size_t)n;
	c->rcpts = arena_calloc(ld->a, count + 1, sizeof *c->rcpts);
	c->kinds = arena_calloc(ld->a, count + 1, 1);
	/* One PRNG stream per campaign name: the list does not change when
	 * another campaign is added. */
	uint64_t stream = 1469598103934665603ULL;
	for (const char *q = c->name; *q; q++)
		stream = (stream ^ (unsigned char)*q) * 1099511628211ULL;
	struct rng r;
	rng_seed(&r, ld->s->seed, stream);
	char typo[300], addr[600];
	typo_of(dom, typo, sizeof typo);
	size_t nrole = 0;
	for (size_t i = 0; i < count; i++) {
		double x = (double)rng_u32(&r) / 4294967296.0 * total;
		int k = 0;
		while (k < LK_INLINE - 1 && (x >= w[k] || w[k] == 0)) {
			x -= w[k];
			k++;
		}
		if (k == LK_ROLE && nrole >= ARRAY_LEN(roles))
			k = LK_VALID; /* each role address once */
		struct scn_user *u;
		switch (k) {
		case LK_VALID: snprintf(addr, sizeof addr, "reader%zu@%s", i, dom); break;
		case LK_UNKNOWN: snprintf(addr, sizeof addr, "gone%zu@%s", i, dom); break;
		case LK_DISABLED: snprintf(addr, sizeof addr, "closed%zu@%s", i, dom); break;
		case LK_FULL: snprintf(addr, sizeof addr, "full%zu@%s", i, dom); break;
		case LK_CATCH_ALL: snprintf(addr, sizeof addr, "anyone%zu@%s", i, ca); break;
		case LK_TYPO_DOMAIN: snprintf(addr, sizeof addr, "reader%zu@%s", i, typo); break;
		case LK_EXPIRED_DOMAIN: snprintf(addr, sizeof addr, "reader%zu@lapsed-shop.example", i); break;
		case LK_ROLE: snprintf(addr, sizeof addr, "%s@%s", roles[nrole++], dom); break;
		case LK_DISPOSABLE: snprintf(addr, sizeof addr, "temp%zu@%s", i, disp); break;
		default: snprintf(addr, sizeof addr, "trap%zu@%s", i, dom); break;
		}
		c->rcpts[c->nrcpts] = arena_strdup(ld->a, addr);
		c->kinds[c->nrcpts++] = (unsigned char)k;
		/* The world's side of the address. A mailbox may already exist
		 * when two campaigns generate the same list. */
		if (k == LK_UNKNOWN || k == LK_CATCH_ALL || k == LK_TYPO_DOMAIN || k == LK_EXPIRED_DOMAIN)
			continue;
		if (*ucap == 0 && ld->s->nusers) /* first growth: users came from the JSON array */
			*ucap = ld->s->nusers;
		if (scn_user(ld->s, addr))
			continue;
		u = add_user(ld, ucap, addr);
		u->disabled = k == LK_DISABLED;
		u->quota = k == LK_FULL ? 1 : 0;
		u->spam_trap = k == LK_SPAM_TRAP;
	}
}

static void load_campaign(struct ld *ld, const cJSON *o, const char *jpath, struct scn_campaign *c,
			  size_t *ucap)
{
	if (!check_object(ld, o, jpath, campaign_keys, ARRAY_LEN(campaign_keys)))
		return;
	where(ld, o, false, &c->line, &c->col);
	char p[600];
	c->name = get_str(ld, o, "name", "");
	c->from = get_str(ld, o, "from", "");
	c->host_name = get_str(ld, o, "host", NULL);
	snprintf(p, sizeof p, "%s.from", jpath);
	check_address(ld, get(o, "from", JT_STR), p, c->from);
	c->at = get(o, "at", JT_STR_OR_NUM) ? get_duration(ld, o, "at", jpath) : 0;
	if (c->at < 0)
		c->at = 0;
	c->subject = get_str(ld, o, "subject", "News from us");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "body");
	c->body = b ? join_body(ld, b) : arena_strdup(ld->a, "Our news this month.\n");
	c->promotional = get_bool(o, "promotional", true);
	c->unsubscribe = get_str(ld, o, "list_unsubscribe", NULL);
	c->rate = get_num(ld, o, "rate_per_minute", jpath, 0.01, 1e7, 60, "messages per minute");
	const cJSON *wu = get(o, "warmup", JT_OBJ);
	snprintf(p, sizeof p, "%s.warmup", jpath);
	if (wu && check_object(ld, wu, p, warmup_keys, ARRAY_LEN(warmup_keys))) {
		c->warmup_from = get_num(ld, wu, "from_per_minute", p, 0.01, 1e7, 1, "messages per minute");
		c->warmup = secs_to_us(60 * get_num(ld, wu, "minutes", p, 0, 525600, 0, "minutes"));
	}
	c->suppression = true;
	c->pause_threshold = 0.05;
	c->min_sample = 20;
	c->soft_limit = 3;
	c->resume_after = -1;
	c->resume_verify = true;
	const cJSON *hy = get(o, "hygiene", JT_OBJ);
	snprintf(p, sizeof p, "%s.hygiene", jpath);
	if (hy && check_object(ld, hy, p, hygiene_keys, ARRAY_LEN(hygiene_keys))) {
		c->verify_first = get_bool(hy, "verify_first", false);
		c->suppression = get_bool(hy, "suppression", true);
		c->pause_threshold = get_num(ld, hy, "pause_threshold", p, 0, 1, 0.05, "a fraction");
		c->min_sample = (size_t)get_num(ld, hy, "min_sample", p, 1, 1e7, 20, "messages");
		c->soft_limit = (int)get_num(ld, hy, "soft_bounce_limit", p, 1, 1000, 3, "campaigns");
		if (get(hy, "resume_after", JT_STR_OR_NUM))
			c->resume_after = get_duration(ld, hy, "resume_after", p);
		c->resume_verify = get_bool(hy, "verify_on_resume", true);
	}
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "list");
	snprintf(p, sizeof p, "%s.list", jpath);
	if (cJSON_IsArray(l)) {
		c->rcpts = get_str_list(ld, o, "list", jpath, &c->nrcpts);
		c->kinds = arena_calloc(ld->a, c->nrcpts + 1, 1);
		size_t i = 0;
		for (const cJSON *e = l->child; e && i < c->nrcpts; e = e->next, i++) {
			char q[640];
			snprintf(q, sizeof q, "%s[%zu]", p, i);
			check_address(ld, e, q, c->rcpts[i]);
			c->kinds[i] = LK_INLINE;
		}
	} else if (cJSON_IsObject(l)) {
		generate(ld, l, p, c, ucap);
	} /* else check_object said what is wrong with it */
	if (!c->rcpts)
		c->rcpts = arena_calloc(ld->a, 1, sizeof *c->rcpts);
}

void load_campaigns(struct ld *ld, const cJSON *root)
{
	struct scenario *s = ld->s;
	const cJSON *a = get(root, "campaigns", JT_ARR);
	if (!a)
		return;
	s->campaigns = arena_calloc(ld->a, (size_t)cJSON_GetArraySize(a) + 1, sizeof *s->campaigns);
	size_t ucap = 0, i = 0;
	for (const cJSON *e = a->child; e; e = e->next, i++) {
		char p[64];
		snprintf(p, sizeof p, "campaigns[%zu]", i);
		struct scn_campaign *c = &s->campaigns[s->ncampaigns++];
		load_campaign(ld, e, p, c, &ucap);
		for (size_t k = 0; k + 1 < s->ncampaigns; k++)
			if (strcmp(s->campaigns[k].name, c->name) == 0)
				report(ld, get(e, "name", JT_STR), false, p, NULL,
				       "duplicate campaign name \"%s\" (also campaigns[%zu])", c->name, k);
	}
}

void scn_index_users(struct scenario *s)
{
	s->user_index = arena_calloc(s->arena, 1, sizeof *s->user_index);
	strmap_init(s->user_index);
	for (size_t i = 0; i < s->nusers; i++) {
		if (!s->users[i].address)
			continue;
		char *k = arena_strdup(s->arena, s->users[i].address);
		for (char *q = k; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		size_t old;
		if (!strmap_get(s->user_index, k, &old))
			strmap_put(s->user_index, k, i);
	}
}
