/* campaign.h — bulk sending in the simulated world: a scenario's
 * "campaigns" (scenario.h, scn_campaign) run the way an email service
 * provider runs them (email-facts §11):
 *
 * - one message per recipient at the campaign's rate, optionally ramped
 *   up (warm-up): submitted by the sender's client host (mua.c), or
 *   composed by a bulk-sending MTA and injected into its own queue
 *   (mta_inject), which delivers by MX and retries by itself;
 * - the list verified first when the hygiene asks (sim/verify.c: the
 *   addresses Reacher calls invalid are taken out);
 * - every refusal classified (bounceclass.c, RFC 3463): a hard bounce
 *   puts the address on the suppression list at once, soft bounces in
 *   soft_limit campaigns do too, a block (reputation, policy) never does;
 *   later campaigns settle a suppressed address as FATE_SUPPRESSED
 *   without sending;
 * - the campaign pauses when the hard-bounce rate of the sent part
 *   crosses its threshold after min_sample messages (Amazon SES reviews
 *   an account at 5 %, places it on hold at 10 %): what is left stays
 *   unsent.
 *
 * The campaign learns each recipient's fate where the ledger does:
 * fate_settle calls campaigns_settled (sim->settle_hook). A refusal is
 * seen at the sender's own MTA when it gives up on the address — the
 * moment it writes the DSN a bulk sender's bounce processor would read.
 * Suppression lists are per world (one sending account). */
#ifndef MAILSIM_CAMPAIGN_H
#define MAILSIM_CAMPAIGN_H

#include <stdbool.h>
#include <stdio.h>

#include "scenario.h"
#include "sim.h"

struct campaigns;

/* The scenario's campaigns, scheduled; NULL when it has none. Hooks
 * itself into fate_settle. */
struct campaigns *campaigns_new(struct sim *sim, const struct scenario *scn);
/* After sim_free (the clients' scheduled submissions point at its messages). */
void campaigns_free(struct campaigns *cs);

/* Per campaign, the report's figures (mailsim run --report). */
struct campaign_stats {
	const char *name;
	long recipients, sent, accepted, hard_bounced, soft_bounced, blocked, deferred;
	long suppressed, verified_out, unsent, in_flight;
	bool paused;
	int64_t paused_t;
	long paused_sent;
	double paused_rate;
	int64_t resumed_t;  /* -1: never resumed */
	long inbox, promotions, junk, quarantine, dropped;
};
size_t campaigns_count(const struct campaigns *cs);
void campaigns_stats(const struct campaigns *cs, size_t i, struct campaign_stats *out);

/* The end-of-run table: delivery rate and inbox-placement rate side by side. */
void campaigns_print_summary(const struct campaigns *cs, FILE *f);
/* The report as JSON (a "campaigns" array, and "receivers": each
 * receiving host's reputation over time, taken over; NULL: {}); false
 * with errno on a write error. */
struct cJSON;
bool campaigns_write_report(const struct campaigns *cs, const char *scenario,
			    struct cJSON *receivers, FILE *f);

#endif
