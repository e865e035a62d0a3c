/* reputation.h — a receiving host's memory of senders (email-facts §11.4).
 *
 * A host with "sender_reputation" (scenario.h, scn_reputation) keeps a
 * score per key: the sending IP (`ip:ADDR`) and the authenticated domain
 * (`domain:NAME`: the DKIM d= that passed, else the SPF-passing MAIL FROM
 * domain); unauthenticated mail counts only against the IP. Scores run
 * from 0 (worst) to 100 (best); a sender never seen starts at `initial`
 * (neutral, 50) and every score decays back toward it with a half-life,
 * the way Google Postmaster Tools' reputation "changes over days,
 * decaying back slowly" (compressed to the scenario's time scale).
 *
 * Inputs, each one a rep.update event with its cause:
 *   unknown_rcpt  this host's own 550 5.1.1 (and 5.2.1) answers: -1 each, -3 once the
 *                 unknown-recipient rate is at or over 5 % (Amazon SES's
 *                 "under review" bounce rate), -5 at 10 % (SES pauses);
 *   spam_trap     a message to a trap address: -15 (nobody signed up);
 *   complaint     a reader pressed "report spam" (drawn from the world's
 *                 seeded PRNG at complaint_rate): -4, -8 at a complaint
 *                 rate of 0.1 % (SES review), -12 at 0.3 % (Gmail's line
 *                 bulk senders must never reach);
 *   volume        more than volume_factor x the sender's average per
 *                 window and more than volume_min messages: -8 once per
 *                 window (a spike over the sender's own history);
 *   auth          each message whose SPF/DKIM/DMARC results were checked:
 *                 authenticated +0.25 for the IP and +0.5 for the domain
 *                 (authentication is expected, it earns little),
 *                 unauthenticated -2 for the IP;
 *   decay         the drift back toward neutral.
 * auth and decay steps are shown (rep.update) when they move the rounded
 * score; the others always are.
 * Rates are over counters that decay with the same half-life, and only
 * judged over a minimum sample (REP_MIN_SAMPLE), as SES measures "over a
 * representative volume".
 *
 * Actions, in seed 002's order, as "below this score" thresholds:
 * connection-time throttling (throttle_below: a poor IP gets one
 * connection per 60/throttle_per_minute s, the others 421 4.7.0 as
 * Gmail's "Try again later, closing connection"), rejection
 * (reject_below: 550 5.7.1 naming the reputation), then content-time
 * placement: Junk (junk_below), Quarantine (quarantine_below), dropped
 * (drop_below: accepted with 250 and never shown). For placement and
 * rejection the worse of the IP and domain scores counts.
 *
 * Levels (Postmaster Tools' High/Medium/Low/Bad): good >= 70, neutral >=
 * junk_below, poor >= drop_below, bad below. Deterministic: no clock, the
 * only randomness is sim->rng (drawn only when complaint_rate > 0). */
#ifndef MAILSIM_REPUTATION_H
#define MAILSIM_REPUTATION_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"
#include "sim.h"

#define REP_MIN_SAMPLE 10 /* recipients or messages before a rate is judged */

enum rep_cause { REP_UNKNOWN_RCPT, REP_SPAM_TRAP, REP_COMPLAINT, REP_VOLUME, REP_AUTH, REP_DECAY };
enum rep_level { REP_GOOD, REP_NEUTRAL, REP_POOR, REP_BAD };
enum rep_auth { REP_AUTH_UNCHECKED, REP_AUTH_PASS, REP_AUTH_NONE };
/* Content-time placement, mildest first. */
enum rep_place { REP_PLACE_ASIS, REP_PLACE_JUNK, REP_PLACE_QUARANTINE, REP_PLACE_DROP };

const char *rep_cause_name(enum rep_cause c);
const char *rep_level_name(enum rep_level l);

/* Pure parts (unit-tested). */
enum rep_level rep_level_of(const struct scn_reputation *cfg, double score);
double rep_decayed(double score, double initial, int64_t dt, int64_t half_life);
/* The step down for one more unknown recipient / complaint: rates over
 * decayed counters, judged once seen (never decayed) reaches REP_MIN_SAMPLE. */
double rep_unknown_penalty(double unknown, double rcpts, long seen);
double rep_complaint_penalty(double complaints, double msgs, long seen);
enum rep_place rep_place_for(const struct scn_reputation *cfg, double score);

struct rep;

/* host: the receiving host's name (the trace's node); cfg not owned. */
struct rep *rep_new(struct sim *sim, const char *host, const struct scn_reputation *cfg);
void rep_free(struct rep *r);
const char *rep_host(const struct rep *r);

/* The score of a key now ("ip:ADDR" / "domain:NAME"); initial if unknown.
 * Decays the stored score (a decay event when it moved). */
double rep_score(struct rep *r, const char *key);

/* ---- signals (ip required; domain NULL when unauthenticated) ---- */
/* A RCPT for one of our domains; unknown: we answered 550 5.1.1. Counts
 * only for keys that have sent us a message before. */
void rep_rcpt(struct rep *r, const char *ip, const char *domain, const char *rcpt, bool unknown);
/* An accepted message: its authentication and how many trap addresses it reached. */
void rep_message(struct rep *r, const char *ip, const char *domain, const char *msg,
		 enum rep_auth auth, size_t ntraps);
/* A copy shown to a reader in folder (Inbox or Promotions): the reader
 * may complain (complaint_rate), complaint_delay later. */
void rep_shown(struct rep *r, const char *ip, const char *domain, const char *msg,
	       const char *rcpt, const char *user, const char *folder);

/* ---- actions (why: the reason text, naming the score) ---- */
/* At connect: true when this IP is throttled now (answer 421 4.7.0). */
bool rep_throttle(struct rep *r, const char *ip, char *why, size_t cap);
/* At RCPT: true when the sender is refused (550 5.7.1). */
bool rep_reject(struct rep *r, const char *ip, const char *domain, char *why, size_t cap);
/* At end of DATA: where reputation files the message. */
enum rep_place rep_place(struct rep *r, const char *ip, const char *domain, char *why, size_t cap);

/* ---- report ---- */
/* {key: [{t, score, level, cause}, ...]} in the order keys were first seen. */
cJSON *rep_report_json(const struct rep *r);
/* One line per key: the final score and level, the lowest, the updates. */
void rep_print_summary(const struct rep *r, FILE *f);

#endif
