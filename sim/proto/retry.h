/* retry.h — when a sending MTA tries a deferred message again, and when it
 * gives up: Postfix's doubling backoff and Exim's retry rules. Pure
 * arithmetic on µs timestamps; the caller keeps the state (arrival, first
 * failure, the interval used last) and supplies any randomness, so the
 * schedule is a function of its arguments and runs stay deterministic.
 *
 * Invariants: every time is in µs; retry_next never returns a next attempt
 * at or before `now`; a policy that parsed is always usable. */
#ifndef MAILSIM_RETRY_H
#define MAILSIM_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RETRY_MAX_RULES 8
/* Exim's configure.default rule: every 15 min for 2 h, then from 1 h
 * growing ×1.5 up to 16 h, then every 6 h up to 4 days. */
#define RETRY_EXIM_DEFAULT_RULES "F,2h,15m; G,16h,1h,1.5; F,4d,6h"

enum retry_kind { RETRY_POSTFIX, RETRY_EXIM };

struct retry_rule {
	char type;        /* 'F' fixed, 'G' geometric, 'H' randomized geometric */
	int64_t cutoff;   /* µs after the first failure */
	int64_t interval; /* µs; for G and H the starting interval */
	double factor;    /* G and H only, >= 1; parsed to thousandths like Exim */
};

struct retry_policy {
	enum retry_kind kind;
	/* Postfix: minimal_backoff_time / maximal_backoff_time (300 s, 4000 s).
	 * Exim: min_backoff is 0 and max_backoff is retry_interval_max (24 h). */
	int64_t min_backoff, max_backoff;
	/* Postfix: maximal_queue_lifetime (5 d), the give-up age. Exim has no
	 * such option: its give-up point is the last rule's cutoff, so
	 * retry_policy_exim stores that cutoff here for display only and
	 * retry_next ignores the field for Exim. */
	int64_t queue_lifetime;
	/* Time in the queue before a "delayed" DSN; 0 = never. Each profile
	 * has its MTA's default: Postfix 0 (delay_warning_time off), Exim
	 * 24 h, Sendmail 4 h (Timeout.queuewarn). */
	int64_t delay_warning;
	struct retry_rule rules[RETRY_MAX_RULES];
	size_t nrules; /* Exim only */
};

/* The Postfix defaults above; no delay warning. */
void retry_policy_postfix(struct retry_policy *p);
/* Sendmail: a queue run every hour, a warning after 4 h, bounce at 5 d. */
void retry_policy_sendmail(struct retry_policy *p);

/* An Exim policy from a rule list like "F,2h,15m; G,16h,1h,1.5; F,4d,6h".
 * Rules are separated by ';', fields by ','; spaces around either are
 * ignored; one trailing ';' is allowed. rules == NULL means
 * RETRY_EXIM_DEFAULT_RULES; "" means no rules, which in Exim turns every
 * temporary failure into a permanent one. On bad input returns false, leaves
 * *p untouched and writes e.g. `rule 2 ("G,1h,1m,0.5") field 4 (factor):
 * 0.5 is below 1` to err. */
bool retry_policy_exim(struct retry_policy *p, const char *rules, char *err, size_t errsz);

/* A duration: a plain number of seconds ("300"), or one or more number+unit
 * pairs with units s m h d w, as in Exim ("300s", "5m", "4h", "5d", "1w",
 * "1h30m"). No sign, no spaces, no fractions. false on anything else or on
 * overflow. */
bool retry_parse_duration(const char *s, int64_t *us);

/* The decision after a failed attempt.
 *   now           time of the failure
 *   arrival       time the message entered the queue
 *   first_failure time the destination first failed (Exim measures from it)
 *   last_interval the interval used after the previous failure, 0 if none
 *                 (Exim uses the smaller of the planned gap and the gap that
 *                 actually passed; pass that)
 *   u             uniform draw in [0,1) from the simulator's PRNG (H rules)
 * Returns false when the message must give up (bounce); *next is then now and
 * *interval_used 0. Otherwise true, *next = absolute time of the next attempt
 * and *interval_used = next - now. interval_used may be NULL.
 *
 * Postfix (qmgr_active.c; email-facts §5.1): give up if now - arrival >=
 * queue_lifetime (expiry is only checked after a failed attempt); else
 * next = now + clamp(now - arrival, min_backoff, max_backoff). The real
 * qmgr only notices the message at the next deferred-queue scan (up to
 * queue_run_delay later); that slack is ignored here.
 *
 * Exim (retry.c retry_update; spec "Retry configuration"): failing =
 * now - first_failure; the rule used is the first with failing <= cutoff;
 * none left (or no rules at all) → give up. Exim also gives up when the
 * message itself has waited longer than the last cutoff (arrival <=
 * first_failure and now - arrival > last cutoff). Intervals:
 *   F  interval
 *   G  last < interval ? interval : last × factor
 *   H  g = last × factor; g <= interval ? interval :
 *      interval + (g - interval)/2 + floor(u × (g - interval))/2
 *      i.e. uniform in [(interval + g)/2, g), Exim's randomized G
 * then capped at max_backoff (retry_interval_max). × factor is done in
 * integer thousandths, as Exim does. */
bool retry_next(const struct retry_policy *p, int64_t now, int64_t arrival, int64_t first_failure,
		int64_t last_interval, double u, int64_t *next, int64_t *interval_used);

/* When the message gives up: for Postfix a failure at or after the returned
 * time bounces (arrival + queue_lifetime); for Exim a failure after it
 * bounces (min(arrival, first_failure) + last cutoff, per the two Exim
 * checks above; INT64_MIN with no rules: every failure bounces). For
 * Will-Retry-Until in "delayed" DSNs. */
int64_t retry_give_up_time(const struct retry_policy *p, int64_t arrival, int64_t first_failure);

#endif
