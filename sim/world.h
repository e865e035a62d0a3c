/* world.h — builds a running simulation from a scenario: hosts and their
 * roles (clients, MTAs, DNS servers), zones, mailboxes, links, the
 * scheduled messages and the narration hook; runs it; accounts for every
 * message at the end. */
#ifndef MAILSIM_WORLD_H
#define MAILSIM_WORLD_H

#include <stdbool.h>
#include <stdio.h>

#include "scenario.h"
#include "sim.h"

struct world;

/* The ledger's figures (fate_settle is their only source) and, to check
 * them, the recipients the queues still hold. */
struct world_summary {
	long messages, rcpts;
	long live_messages, live_rcpts; /* of those, from real clients (mailsim serve) */
	long fate[FATE_NFINAL];  /* inbox, filed, junk, quarantine, bounced, rejected, dropped, suppressed */
	long queued;             /* still in some queue when the run stopped */
	long dsn_stored, double_bounces;
	bool accounted;          /* every recipient has exactly one fate, or is queued */
};

/* seed: NULL to use the scenario's. */
struct world *world_new(const struct scenario *scn, const uint64_t *seed);
void world_free(struct world *w);
struct sim *world_sim(struct world *w);
/* Emit sim.start; run until nothing is left to do (or until t_end_us if
 * >= 0); emit sim.end with the summary. */
void world_run(struct world *w, int64_t t_end_us);
void world_summary(struct world *w, struct world_summary *out);
/* The run's trace, for its sinks. */
struct trace *world_trace(struct world *w);
/* The idle timeout of an MTA-like host's SMTP server (live mode's
 * --idle-timeout); false when no such host serves SMTP. */
bool world_set_idle_timeout(struct world *w, const char *host, int64_t us);
/* The sim.start event (world_run writes it; mailsim serve too). */
void world_trace_start(struct world *w);
void world_print_summary(struct world *w, FILE *f);
/* The sim.end event with the summary (mailsim run and serve). */
void world_trace_end(struct world *w);
/* The run's campaigns (campaign.h), or NULL when the scenario has none. */
const struct campaigns *world_campaigns(const struct world *w);
/* {host: {key: [{t, score, level, cause}]}} for the hosts that keep
 * sender reputation (reputation.h); the caller owns it. */
struct cJSON;
struct cJSON *world_receivers_json(const struct world *w);
bool world_export_maildir(struct world *w, const char *dir, char *err, size_t errsz);

#endif
