/* retry.c — Postfix backoff and Exim retry rules; see retry.h.
 *
 * Nothing here keeps state between calls: the caller owns arrival, first
 * failure and the last interval, and supplies the random draw. */
#include "retry.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define US_PER_S INT64_C(1000000)
#define RETRY_INTERVAL_MAX (24 * 3600 * US_PER_S) /* Exim retry_interval_max */
/* Delay warnings by profile: Postfix delay_warning_time 0h (off), Exim
 * delay_warning 24h, Sendmail Timeout.queuewarn 4h. */
#define POSTFIX_DELAY_WARNING 0
#define EXIM_DELAY_WARNING (24 * 3600 * US_PER_S)
#define SENDMAIL_DELAY_WARNING (4 * 3600 * US_PER_S)

/* ---- durations ------------------------------------------------------------ */

struct time_unit {
	char letter;
	int64_t seconds;
};

static const struct time_unit time_units[] = {
	{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400},
};

static int64_t unit_seconds(char c)
{
	for (size_t i = 0; i < ARRAY_LEN(time_units); i++)
		if (time_units[i].letter == c)
			return time_units[i].seconds;
	return 0;
}

/* Digits at *s into *v; false if none or on overflow. */
static bool read_uint(const char **s, int64_t *v)
{
	const char *p = *s;
	int64_t n = 0;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (INT64_MAX - (*p - '0')) / 10)
			return false;
		n = n * 10 + (*p - '0');
	}
	*s = p;
	*v = n;
	return true;
}

bool retry_parse_duration(const char *s, int64_t *us)
{
	const int64_t max_s = INT64_MAX / US_PER_S;
	int64_t total = 0;
	if (!s || !*s)
		return false;
	while (*s) {
		int64_t n, mult = 1;
		if (!read_uint(&s, &n))
			return false;
		if (*s) {
			/* A bare number is seconds only as the last item ("1h30"
			 * is read as 1 h 30 s, like Exim's readconf_readtime). */
			mult = unit_seconds(*s++);
			if (!mult)
				return false;
		}
		if (n > (max_s - total) / mult)
			return false;
		total += n * mult;
	}
	*us = total * US_PER_S;
	return true;
}

/* ---- Exim rule lists ------------------------------------------------------ */

/* A factor like "1.5" into thousandths (Exim keeps it as an int × 1000);
 * digits past the third decimal are dropped. */
static bool parse_factor(const char *s, int64_t *milli)
{
	int64_t whole, frac = 0, scale = 100;
	if (!read_uint(&s, &whole) || whole > 1000000)
		return false;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	if (*s)
		return false;
	*milli = whole * 1000 + frac;
	return true;
}

/* Copy [b, e) without surrounding blanks into out; false if it does not fit
 * (out then holds a truncated copy, good enough for an error message). */
static bool trim_copy(const char *b, const char *e, char *out, size_t cap)
{
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	size_t len = (size_t)(e - b);
	size_t n = len < cap - 1 ? len : cap - 1;
	memcpy(out, b, n);
	out[n] = '\0';
	return n == len;
}

enum { RULE_TEXT_MAX = 128, RULE_MAX_FIELDS = 5 };

struct rule_ctx {
	size_t index;             /* 1-based, for messages */
	const char *b, *e;        /* the rule's span in the list */
	char text[RULE_TEXT_MAX]; /* the rule as written, trimmed, for messages */
	char *err;
	size_t errsz;
};

static bool rule_error(const struct rule_ctx *c, int field, const char *what, const char *msg)
{
	if (field)
		snprintf(c->err, c->errsz, "rule %zu (\"%s\") field %d (%s): %s", c->index, c->text,
			 field, what, msg);
	else
		snprintf(c->err, c->errsz, "rule %zu (\"%s\"): %s", c->index, c->text, msg);
	return false;
}

static bool rule_duration(const struct rule_ctx *c, const char *field_text, int field,
			  const char *what, int64_t *us)
{
	char msg[160];
	if (!*field_text)
		return rule_error(c, field, what, "empty");
	if (!retry_parse_duration(field_text, us)) {
		snprintf(msg, sizeof msg, "bad duration \"%.60s\" (want e.g. 15m, 2h, 4d)",
			 field_text);
		return rule_error(c, field, what, msg);
	}
	return true;
}

/* Split the rule's span at commas into trimmed fields; returns the count,
 * or -1 (and *bad = the field number) when a field is too long. */
static int split_fields(const struct rule_ctx *c, char fields[RULE_MAX_FIELDS][RULE_TEXT_MAX],
			int *bad)
{
	int n = 0;
	const char *b = c->b;
	for (;;) {
		const char *e = memchr(b, ',', (size_t)(c->e - b));
		const char *end = e ? e : c->e;
		if (n < RULE_MAX_FIELDS && !trim_copy(b, end, fields[n], RULE_TEXT_MAX)) {
			*bad = n + 1;
			return -1;
		}
		n++;
		if (!e)
			return n;
		b = e + 1;
	}
}

static bool parse_rule(const struct rule_ctx *c, struct retry_rule *r)
{
	char f[RULE_MAX_FIELDS][RULE_TEXT_MAX];
	int bad = 0;
	int n = split_fields(c, f, &bad);
	if (n < 0)
		return rule_error(c, bad, "field", "too long");
	if (strlen(f[0]) != 1 || !strchr("FGH", f[0][0]))
		return rule_error(c, 1, "type", "bad type (want F, G or H)");
	r->type = f[0][0];
	int want = r->type == 'F' ? 3 : 4;
	static const char *const names[] = {"type", "cutoff", "interval", "factor"};
	if (n < want)
		return rule_error(c, n + 1, names[n], "missing");
	if (n > want)
		return rule_error(c, want + 1, "extra", "unexpected field");
	if (!rule_duration(c, f[1], 2, "cutoff", &r->cutoff) ||
	    !rule_duration(c, f[2], 3, "interval", &r->interval))
		return false;
	if (r->interval <= 0)
		return rule_error(c, 3, "interval", "must be above 0");
	r->factor = 1.0;
	if (r->type == 'F')
		return true;
	int64_t milli;
	char msg[160];
	if (!parse_factor(f[3], &milli)) {
		snprintf(msg, sizeof msg, "bad number \"%.60s\" (want e.g. 1.5)", f[3]);
		return rule_error(c, 4, "factor", msg);
	}
	if (milli < 1000) {
		snprintf(msg, sizeof msg, "%.60s is below 1", f[3]);
		return rule_error(c, 4, "factor", msg);
	}
	r->factor = (double)milli / 1000.0;
	return true;
}

/* Is [b, e) only blanks? */
static bool blank_span(const char *b, const char *e)
{
	for (; b < e; b++)
		if (*b != ' ' && *b != '\t')
			return false;
	return true;
}

bool retry_policy_exim(struct retry_policy *p, const char *rules, char *err, size_t errsz)
{
	struct retry_policy np = {
		.kind = RETRY_EXIM,
		.min_backoff = 0,
		.max_backoff = RETRY_INTERVAL_MAX,
		.delay_warning = EXIM_DELAY_WARNING,
	};
	struct rule_ctx c = {.err = err, .errsz = errsz};
	const char *b = rules ? rules : RETRY_EXIM_DEFAULT_RULES;
	while (!blank_span(b, b + strlen(b))) {
		const char *e = strchr(b, ';');
		const char *end = e ? e : b + strlen(b);
		c.index++;
		c.b = b;
		c.e = end;
		trim_copy(b, end, c.text, sizeof c.text);
		if (blank_span(b, end))
			return rule_error(&c, 0, "", "empty rule");
		if (np.nrules == RETRY_MAX_RULES)
			return rule_error(&c, 0, "", "too many rules (at most 8)");
		if (!parse_rule(&c, &np.rules[np.nrules]))
			return false;
		np.nrules++;
		if (!e)
			break;
		b = e + 1;
	}
	if (np.nrules)
		np.queue_lifetime = np.rules[np.nrules - 1].cutoff;
	*p = np;
	return true;
}

void retry_policy_postfix(struct retry_policy *p)
{
	/* mail_params.h: DEF_MIN_BACKOFF_TIME 300s, DEF_MAX_BACKOFF_TIME 4000s,
	 * DEF_MAX_QUEUE_TIME 5d. */
	*p = (struct retry_policy){
		.kind = RETRY_POSTFIX,
		.min_backoff = 300 * US_PER_S,
		.max_backoff = 4000 * US_PER_S,
		.queue_lifetime = 5 * 86400 * US_PER_S,
		.delay_warning = POSTFIX_DELAY_WARNING,
	};
}

void retry_policy_sendmail(struct retry_policy *p)
{
	/* Sendmail retries at each queue run (-q1h, Red Hat's QUEUE=1h),
	 * warns after Timeout.queuewarn 4h and returns the message after
	 * Timeout.queuereturn 5d: a fixed 1 h gap is Postfix's clamp with
	 * min = max. */
	*p = (struct retry_policy){
		.kind = RETRY_POSTFIX,
		.min_backoff = 3600 * US_PER_S,
		.max_backoff = 3600 * US_PER_S,
		.queue_lifetime = 5 * 86400 * US_PER_S,
		.delay_warning = SENDMAIL_DELAY_WARNING,
	};
}

/* ---- the decision --------------------------------------------------------- */

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* v × milli / 1000 without overflow (saturates). */
static int64_t scale_milli(int64_t v, int64_t milli)
{
	if (v <= 0)
		return 0;
	if (v > INT64_MAX / milli)
		return INT64_MAX;
	return v * milli / 1000;
}

static int64_t exim_interval(const struct retry_rule *r, int64_t last, double u)
{
	if (r->type == 'F')
		return r->interval;
	int64_t milli = (int64_t)(r->factor * 1000.0 + 0.5);
	int64_t g = scale_milli(last, milli);
	if (r->type == 'G')
		return last < r->interval ? r->interval : g;
	/* H: Exim's randomized G (retry.c): uniform in [(start + g)/2, g). */
	if (g <= r->interval)
		return r->interval;
	int64_t span = g - r->interval;
	if (!(u >= 0.0))
		u = 0.0;
	int64_t draw = (int64_t)(u * (double)span);
	if (draw >= span)
		draw = span - 1;
	return r->interval + span / 2 + draw / 2;
}

static bool postfix_next(const struct retry_policy *p, int64_t now, int64_t arrival,
			 int64_t *interval)
{
	int64_t age = now - arrival;
	if (age >= p->queue_lifetime)
		return false;
	*interval = clamp64(age, p->min_backoff, p->max_backoff);
	return true;
}

static bool exim_next(const struct retry_policy *p, int64_t now, int64_t arrival,
		      int64_t first_failure, int64_t last, double u, int64_t *interval)
{
	if (p->nrules == 0)
		return false; /* no rules: temporary errors are permanent */
	int64_t failing = now - first_failure;
	int64_t final_cutoff = p->rules[p->nrules - 1].cutoff;
	/* Exim also times out a message older than the final cutoff, so
	 * successes to the same host cannot keep it queued forever. */
	if (arrival <= first_failure && now - arrival > final_cutoff)
		return false;
	for (size_t i = 0; i < p->nrules; i++) {
		if (failing <= p->rules[i].cutoff) {
			int64_t iv = exim_interval(&p->rules[i], last, u);
			*interval = p->max_backoff > 0 && iv > p->max_backoff ? p->max_backoff : iv;
			return true;
		}
	}
	return false;
}

bool retry_next(const struct retry_policy *p, int64_t now, int64_t arrival, int64_t first_failure,
		int64_t last_interval, double u, int64_t *next, int64_t *interval_used)
{
	int64_t iv = 0;
	bool again = p->kind == RETRY_POSTFIX
			     ? postfix_next(p, now, arrival, &iv)
			     : exim_next(p, now, arrival, first_failure, last_interval, u, &iv);
	if (again && iv < 1)
		iv = 1; /* never "retry now": the event loop must move on */
	if (again && iv > INT64_MAX - now)
		iv = INT64_MAX - now;
	*next = again ? now + iv : now;
	if (interval_used)
		*interval_used = again ? iv : 0;
	return again;
}

int64_t retry_give_up_time(const struct retry_policy *p, int64_t arrival, int64_t first_failure)
{
	if (p->kind == RETRY_POSTFIX)
		return arrival + p->queue_lifetime;
	if (p->nrules == 0)
		return INT64_MIN;
	int64_t from = arrival < first_failure ? arrival : first_failure;
	return from + p->rules[p->nrules - 1].cutoff;
}
