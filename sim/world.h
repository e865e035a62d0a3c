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

struct world_summary {
	long messages, rcpts;
	long delivered, bounced, rejected, quarantined, queued;
	long dsn_sent;
	bool accounted;   /* every recipient has exactly one fate */
};

/* seed: NULL to use the scenario's. */
struct world *world_new(const struct scenario *scn, const uint64_t *seed);
void world_free(struct world *w);
struct sim *world_sim(struct world *w);
/* Emit sim.start; run until nothing is left to do (or until t_end_us if
 * >= 0); emit sim.end with the summary. */
void world_run(struct world *w, int64_t t_end_us);
void world_summary(struct world *w, struct world_summary *out);
void world_print_summary(struct world *w, FILE *f);
bool world_export_maildir(struct world *w, const char *dir, char *err, size_t errsz);

#endif
