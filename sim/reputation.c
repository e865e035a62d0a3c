/* reputation.c — see reputation.h. Scores are doubles (the arithmetic is
 * the same on every run of the same binary: IEEE operations and exp2 in a
 * fixed order); the trace shows them rounded and every decision judges the
 * rounded score, so what a reader sees is what was applied. Keys live in an array in
 * the order they were first seen, found through a strmap: nothing is
 * written in hash order. */
#include "reputation.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "trace.h"
#include "util.h"

/* Score steps (reputation.h says where each comes from). */
#define REP_AUTH_IP_PASS 0.25
#define REP_AUTH_DOMAIN_PASS 0.5
#define REP_AUTH_IP_NONE (-2.0)
#define REP_TRAP (-15.0)
#define REP_VOLUME_SPIKE (-8.0)
#define REP_GOOD_FROM 70.0

struct rep_point {
	int64_t t;
	int score;
	enum rep_level level;
	enum rep_cause cause;
};

struct rep_entry {
	char *key;                 /* owned: "ip:..." or "domain:..." */
	double score;
	int64_t touched;           /* the time score and counters were decayed to */
	double rcpts, unknown;     /* decayed counters: RCPTs seen, 550 5.1.1 among them */
	double msgs, complaints;   /* messages accepted, complaints among them */
	long seen_rcpts, seen_msgs; /* the same, never decayed: the sample sizes */
	int64_t win_start;         /* volume: the current window */
	long win_count;
	double win_avg;            /* the average of the windows before (0: no history) */
	long windows;              /* windows seen before this one */
	bool win_flagged;          /* a spike already counted in this window */
	int64_t last_admit;        /* throttling: the last connection let through */
	bool admitted;
	double lowest;
	struct rep_point *hist;    /* owned */
	size_t nhist, caphist;
};

/* A complaint waiting to happen (complaint_delay after the copy was shown). */
struct rep_complaint {
	char *ip, *domain, *msg, *rcpt, *user, *folder; /* owned; domain may be NULL */
};

struct rep {
	struct sim *sim;
	char *host;                       /* owned */
	const struct scn_reputation *cfg; /* not owned */
	struct strmap by_key;             /* key -> index in v */
	struct rep_entry *v;              /* owned */
	size_t n, cap;
	struct rep_complaint *pending;    /* owned: complaints scheduled (freed at the end) */
	size_t npending, cappending;
};

static const char *const cause_names[] = {"unknown_rcpt", "spam_trap", "complaint",
					  "volume",	  "auth",      "decay"};
static const char *const level_names[] = {"good", "neutral", "poor", "bad"};

const char *rep_cause_name(enum rep_cause c) { return cause_names[c]; }
const char *rep_level_name(enum rep_level l) { return level_names[l]; }

/* ---- the pure parts ------------------------------------------------------------ */

enum rep_level rep_level_of(const struct scn_reputation *cfg, double score)
{
	if (score >= REP_GOOD_FROM)
		return REP_GOOD;
	if (score >= cfg->junk_below)
		return REP_NEUTRAL;
	return score >= cfg->drop_below ? REP_POOR : REP_BAD;
}

/* Exponential decay toward initial: half the distance every half_life. */
double rep_decayed(double score, double initial, int64_t dt, int64_t half_life)
{
	if (dt <= 0 || half_life <= 0)
		return score;
	return initial + (score - initial) * exp2(-(double)dt / (double)half_life);
}

/* Amazon SES reviews an account at a 5 % bounce rate and may pause it at
 * 10 % (email-facts §11.3); a receiver reads its own unknown-user answers
 * the same way. */
double rep_unknown_penalty(double unknown, double rcpts, long seen)
{
	if (seen < REP_MIN_SAMPLE || rcpts <= 0)
		return 1;
	double rate = unknown / rcpts;
	return rate >= 0.10 ? 5 : rate >= 0.05 ? 3 : 1;
}

/* SES: complaints at 0.1 % "under review"; Gmail: a user-reported spam
 * rate at 0.3 % or above is over the line (email-facts §11.3). */
double rep_complaint_penalty(double complaints, double msgs, long seen)
{
	if (seen < REP_MIN_SAMPLE || msgs <= 0)
		return 4;
	double rate = complaints / msgs;
	return rate >= 0.003 ? 12 : rate >= 0.001 ? 8 : 4;
}

enum rep_place rep_place_for(const struct scn_reputation *cfg, double score)
{
	if (score < cfg->drop_below)
		return REP_PLACE_DROP;
	if (score < cfg->quarantine_below)
		return REP_PLACE_QUARANTINE;
	return score < cfg->junk_below ? REP_PLACE_JUNK : REP_PLACE_ASIS;
}

/* ---- keys ------------------------------------------------------------------------- */

struct rep *rep_new(struct sim *sim, const char *host, const struct scn_reputation *cfg)
{
	struct rep *r = xcalloc(1, sizeof *r);
	r->sim = sim;
	r->host = xstrdup(host);
	r->cfg = cfg;
	strmap_init(&r->by_key);
	return r;
}

static void complaint_clear(struct rep_complaint *c)
{
	free(c->ip);
	free(c->domain);
	free(c->msg);
	free(c->rcpt);
	free(c->user);
	free(c->folder);
	*c = (struct rep_complaint){0};
}

void rep_free(struct rep *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].key);
		free(r->v[i].hist);
	}
	for (size_t i = 0; i < r->npending; i++)
		complaint_clear(&r->pending[i]);
	free(r->pending);
	free(r->v);
	strmap_free(&r->by_key);
	free(r->host);
	free(r);
}

const char *rep_host(const struct rep *r)
{
	return r->host;
}

static void make_key(char *out, size_t cap, const char *kind, const char *name)
{
	snprintf(out, cap, "%s:%s", kind, name);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
}

static struct rep_entry *find(struct rep *r, const char *key)
{
	size_t i;
	return strmap_get(&r->by_key, key, &i) ? &r->v[i] : NULL;
}

static struct rep_entry *entry(struct rep *r, const char *key)
{
	struct rep_entry *e = find(r, key);
	if (e)
		return e;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	e = &r->v[r->n];
	*e = (struct rep_entry){.key = xstrdup(key), .score = r->cfg->initial,
				.touched = r->sim->now, .win_start = r->sim->now,
				.lowest = r->cfg->initial};
	strmap_put(&r->by_key, e->key, r->n++);
	return e;
}

/* ---- updates ------------------------------------------------------------------------ */

static void emit(struct rep *r, struct rep_entry *e, enum rep_cause cause, const char *msg,
		 const char *rcpt)
{
	struct sim *sim = r->sim;
	int score = (int)lround(e->score);
	enum rep_level level = rep_level_of(r->cfg, score);
	if (e->nhist == e->caphist) {
		e->caphist = e->caphist ? e->caphist * 2 : 8;
		e->hist = xrealloc(e->hist, e->caphist * sizeof *e->hist);
	}
	e->hist[e->nhist++] = (struct rep_point){sim->now, score, level, cause};
	if (e->score < e->lowest)
		e->lowest = e->score;
	trace_begin(sim->trace, sim->now, TK_REP_UPDATE);
	trace_node(sim->trace, r->host);
	if (msg)
		trace_msg(sim->trace, msg);
	if (rcpt)
		trace_rcpt(sim->trace, rcpt);
	trace_str(sim->trace, "key", e->key);
	trace_int(sim->trace, "score", score);
	trace_str(sim->trace, "level", level_names[level]);
	trace_str(sim->trace, "cause", cause_names[cause]);
	trace_end(sim->trace);
}

/* Bring a key's score and counters to now; show the drift when it moved
 * the rounded score. */
static void decay(struct rep *r, struct rep_entry *e)
{
	int64_t dt = r->sim->now - e->touched;
	if (dt <= 0)
		return;
	e->touched = r->sim->now;
	long before = lround(e->score);
	e->score = rep_decayed(e->score, r->cfg->initial, dt, r->cfg->half_life);
	double f = rep_decayed(1, 0, dt, r->cfg->half_life);
	e->rcpts *= f;
	e->unknown *= f;
	e->msgs *= f;
	e->complaints *= f;
	if (lround(e->score) != before)
		emit(r, e, REP_DECAY, NULL, NULL);
}

static void adjust(struct rep *r, struct rep_entry *e, double delta, enum rep_cause cause,
		   const char *msg, const char *rcpt)
{
	double s = e->score + delta;
	s = s < 0 ? 0 : s > 100 ? 100 : s;
	if (s == e->score)
		return;
	long before = lround(e->score);
	e->score = s;
	/* A complaint, a trap hit, an unknown recipient or a spike is news
	 * even when it is a small step; authentication's small steps are
	 * shown when they move the rounded score. */
	if (cause != REP_AUTH || lround(s) != before)
		emit(r, e, cause, msg, rcpt);
}

/* What the trace shows and every decision judges: the whole score. The
 * steps are kept exactly (a quarter point of authentication adds up), but
 * a student who reads "score 45" next to "junk under 45" sees the rule
 * that was applied. */
static double shown(const struct rep_entry *e)
{
	return (double)lround(e->score);
}

double rep_score(struct rep *r, const char *key)
{
	struct rep_entry *e = find(r, key);
	if (!e)
		return (double)lround(r->cfg->initial);
	decay(r, e);
	return shown(e);
}

/* The keys a signal touches: the IP always, the domain when authenticated. */
static size_t keys_of(const char *ip, const char *domain, char keys[2][300])
{
	size_t n = 0;
	make_key(keys[n++], sizeof keys[0], "ip", ip);
	if (domain && *domain)
		make_key(keys[n++], sizeof keys[0], "domain", domain);
	return n;
}

void rep_rcpt(struct rep *r, const char *ip, const char *domain, const char *rcpt, bool unknown)
{
	char keys[2][300];
	size_t n = keys_of(ip, domain, keys);
	for (size_t i = 0; i < n; i++) {
		/* Only a sender whose mail we have taken has a reputation here
		 * (Postmaster Tools shows none without mail): a verifier's
		 * probes, which never send DATA, are not counted. */
		struct rep_entry *e = find(r, keys[i]);
		if (!e)
			continue;
		decay(r, e);
		e->rcpts += 1;
		e->seen_rcpts++;
		if (!unknown)
			continue;
		e->unknown += 1;
		adjust(r, e, -rep_unknown_penalty(e->unknown, e->rcpts, e->seen_rcpts), REP_UNKNOWN_RCPT, NULL, rcpt);
	}
}

/* Volume: a spike over the sender's own history, once per window. A
 * sender without history has an average of 0: its first big window is a
 * spike (why new IPs are warmed up, email-facts §11.3). */
static void count_volume(struct rep *r, struct rep_entry *e, const char *msg)
{
	const struct scn_reputation *c = r->cfg;
	int64_t now = r->sim->now;
	while (now - e->win_start >= c->volume_window) {
		e->win_avg = (e->win_avg * (double)e->windows + (double)e->win_count) /
			     (double)(e->windows + 1);
		e->windows++;
		e->win_count = 0;
		e->win_flagged = false;
		e->win_start += c->volume_window;
		if (e->win_avg == 0 && now - e->win_start >= c->volume_window) {
			/* idle windows: skip to the current one */
			int64_t skip = (now - e->win_start) / c->volume_window;
			e->windows += (long)skip;
			e->win_start += skip * c->volume_window;
		}
	}
	e->win_count++;
	if (!e->win_flagged && e->win_count > c->volume_min &&
	    (double)e->win_count > c->volume_factor * e->win_avg) {
		e->win_flagged = true;
		adjust(r, e, REP_VOLUME_SPIKE, REP_VOLUME, msg, NULL);
	}
}

void rep_message(struct rep *r, const char *ip, const char *domain, const char *msg,
		 enum rep_auth auth, size_t ntraps)
{
	char keys[2][300];
	size_t n = keys_of(ip, auth == REP_AUTH_PASS ? domain : NULL, keys);
	for (size_t i = 0; i < n; i++) {
		struct rep_entry *e = entry(r, keys[i]);
		bool is_ip = i == 0;
		decay(r, e);
		e->msgs += 1;
		e->seen_msgs++;
		if (auth == REP_AUTH_PASS)
			adjust(r, e, is_ip ? REP_AUTH_IP_PASS : REP_AUTH_DOMAIN_PASS, REP_AUTH, msg, NULL);
		else if (auth == REP_AUTH_NONE)
			adjust(r, e, REP_AUTH_IP_NONE, REP_AUTH, msg, NULL);
		for (size_t t = 0; t < ntraps; t++)
			adjust(r, e, REP_TRAP, REP_SPAM_TRAP, msg, NULL);
		count_volume(r, e, msg);
	}
}

static void ev_complaint(struct sim *sim, void *ctx, uint64_t arg)
{
	struct rep *r = ctx;
	struct rep_complaint *c = &r->pending[arg];
	char keys[2][300];
	size_t n = keys_of(c->ip, c->domain, keys);
	trace_begin(sim->trace, sim->now, TK_REP_COMPLAINT);
	trace_node(sim->trace, r->host);
	if (c->msg[0])
		trace_msg(sim->trace, c->msg);
	trace_rcpt(sim->trace, c->rcpt);
	trace_str(sim->trace, "user", c->user);
	trace_str(sim->trace, "folder", c->folder);
	trace_str(sim->trace, "keys", n == 2 ? keys[1] : keys[0]);
	trace_end(sim->trace);
	for (size_t i = 0; i < n; i++) {
		struct rep_entry *e = entry(r, keys[i]);
		decay(r, e);
		e->complaints += 1;
		adjust(r, e, -rep_complaint_penalty(e->complaints, e->msgs, e->seen_msgs), REP_COMPLAINT, c->msg,
		       c->rcpt);
	}
	complaint_clear(c);
}

void rep_shown(struct rep *r, const char *ip, const char *domain, const char *msg,
	       const char *rcpt, const char *user, const char *folder)
{
	if (r->cfg->complaint_rate <= 0)
		return; /* no draw: the world's PRNG sequence stays as it was */
	double u = rng_u32(&r->sim->rng) / 4294967296.0;
	if (u >= r->cfg->complaint_rate)
		return;
	if (r->npending == r->cappending) {
		r->cappending = r->cappending ? r->cappending * 2 : 8;
		r->pending = xrealloc(r->pending, r->cappending * sizeof *r->pending);
	}
	r->pending[r->npending] = (struct rep_complaint){
		xstrdup(ip), domain ? xstrdup(domain) : NULL, xstrdup(msg ? msg : ""),
		xstrdup(rcpt), xstrdup(user), xstrdup(folder)};
	sim_after(r->sim, r->cfg->complaint_delay, ev_complaint, r, r->npending++);
}

/* ---- actions ------------------------------------------------------------------------- */

/* The worse of the IP's and the domain's scores, and which key it is. */
static double worst(struct rep *r, const char *ip, const char *domain, char *key, size_t cap)
{
	char keys[2][300];
	size_t n = keys_of(ip, domain, keys);
	double s = rep_score(r, keys[0]);
	snprintf(key, cap, "%s", keys[0]);
	if (n == 2 && rep_score(r, keys[1]) < s) {
		s = rep_score(r, keys[1]);
		snprintf(key, cap, "%s", keys[1]);
	}
	return s;
}

bool rep_throttle(struct rep *r, const char *ip, char *why, size_t cap)
{
	char key[300];
	make_key(key, sizeof key, "ip", ip);
	struct rep_entry *e = find(r, key);
	if (!e)
		return false;
	decay(r, e);
	if (shown(e) >= r->cfg->throttle_below)
		return false;
	int64_t gap = (int64_t)(60e6 / r->cfg->throttle_per_minute);
	if (!e->admitted || r->sim->now - e->last_admit >= gap) {
		e->admitted = true;
		e->last_admit = r->sim->now;
		return false;
	}
	snprintf(why, cap,
		 "%s has a poor reputation here (score %ld/100, %s, under %g): throttled to %g "
		 "connection%s per minute",
		 key, lround(e->score), level_names[rep_level_of(r->cfg, shown(e))],
		 r->cfg->throttle_below, r->cfg->throttle_per_minute,
		 r->cfg->throttle_per_minute == 1 ? "" : "s");
	return true;
}

bool rep_reject(struct rep *r, const char *ip, const char *domain, char *why, size_t cap)
{
	char key[300];
	double s = worst(r, ip, domain, key, sizeof key);
	if (s >= r->cfg->reject_below)
		return false;
	snprintf(why, cap, "very low reputation of %s (score %ld/100, %s, under %g)", key, lround(s),
		 level_names[rep_level_of(r->cfg, s)], r->cfg->reject_below);
	return true;
}

enum rep_place rep_place(struct rep *r, const char *ip, const char *domain, char *why, size_t cap)
{
	char key[300];
	double s = worst(r, ip, domain, key, sizeof key);
	enum rep_place p = rep_place_for(r->cfg, s);
	static const char *const what[] = {"", "Junk", "Quarantine", "dropped (accepted, never shown)"};
	const double *below[] = {NULL, &r->cfg->junk_below, &r->cfg->quarantine_below,
				 &r->cfg->drop_below};
	if (p != REP_PLACE_ASIS)
		snprintf(why, cap, "reputation of %s is %s (score %ld/100, under %g): %s", key,
			 level_names[rep_level_of(r->cfg, s)], lround(s), *below[p], what[p]);
	return p;
}

/* ---- report -------------------------------------------------------------------------- */

cJSON *rep_report_json(const struct rep *r)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < r->n; i++) {
		const struct rep_entry *e = &r->v[i];
		cJSON *a = cJSON_AddArrayToObject(o, e->key);
		for (size_t k = 0; k < e->nhist; k++) {
			const struct rep_point *p = &e->hist[k];
			cJSON *pt = cJSON_CreateObject();
			cJSON_AddNumberToObject(pt, "t", (double)p->t / 1e6);
			cJSON_AddNumberToObject(pt, "score", p->score);
			cJSON_AddStringToObject(pt, "level", level_names[p->level]);
			cJSON_AddStringToObject(pt, "cause", cause_names[p->cause]);
			cJSON_AddItemToArray(a, pt);
		}
	}
	return o;
}

void rep_print_summary(const struct rep *r, FILE *f)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct rep_entry *e = &r->v[i];
		fprintf(f, "  %-22s %-28s %3ld/100 %-7s lowest %3ld, %zu update%s\n", r->host, e->key,
			lround(e->score), level_names[rep_level_of(r->cfg, shown(e))], lround(e->lowest),
			e->nhist, e->nhist == 1 ? "" : "s");
	}
}
