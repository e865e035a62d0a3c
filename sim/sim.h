/* sim.h — the simulation context. All state of one run hangs off one
 * struct sim: the clock, the event queue, the one PRNG, the trace, the
 * network and the hosts. Several simulations may live in one process. The
 * engine (this file and evq.c) knows neither the network nor the hosts:
 * net_new() hangs them on the context and sets `teardown` to free them.
 *
 * Time is int64 µs of simulated time since the scenario's start; the
 * wall-clock date of t = 0 (for Date: and Received: headers) comes from
 * the scenario, never from the machine. */
#ifndef MAILSIM_SIM_H
#define MAILSIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "evq.h"
#include "ledger.h"
#include "rng.h"
#include "strmap.h"
#include "trace.h"

#define SIM_US(s) ((int64_t)(s) * 1000000)
#define SIM_MS(ms) ((int64_t)(ms) * 1000)

struct net;
struct scenario;
struct settle;
struct host;

/* Message fates, for the end-of-run summary that accounts for every one. */

struct sim {
	int64_t now;
	int64_t epoch_unix_us;   /* wall date of t = 0, from the scenario */
	struct evq *q;           /* owned */
	struct rng rng;
	struct trace *trace;     /* owned */
	struct net *net;         /* owned, through teardown (net_new) */
	const struct scenario *scn; /* not owned */
	struct host **hosts;     /* owned array of owned hosts, scenario order
				  * (through teardown) */
	size_t nhosts;
	struct ledger ledger;    /* fed by fate_settle only */
	/* Told every fate fate_settle records (campaign.c's bounce processing), or NULL. */
	void (*settle_hook)(void *ud, const struct settle *s);
	/* Told each deferral (a 4xx: the message stays queued), same ud. */
	void (*defer_hook)(void *ud, const char *msg, const char *rcpt);
	void *settle_ud;
	uint64_t events_run;
	long next_conn_id;
	/* Message-ID header -> scenario message id, so every hop's trace
	 * names the message the way the scenario does. */
	char **tag_mid, **tag_id; /* owned arrays; the strings live in tag_arena */
	struct arena *tag_arena;  /* owned: no malloc header per string */
	bool *tag_report;         /* owned: the tag names a generated DSN */
	size_t ntags, tagcap;
	struct strmap tag_by_mid, tag_by_id; /* first index with that Message-ID / tag */
	/* Frees what the layers above the engine hung on the context (the
	 * network and the hosts); sim_free calls it first. */
	void (*teardown)(struct sim *sim);
};

typedef void (*sim_fn)(struct sim *sim, void *ctx, uint64_t arg);

struct sim *sim_new(uint64_t seed, int64_t epoch_unix_us);
void sim_free(struct sim *sim);

/* Schedule fn at absolute time t (>= now) / after a delay. */
evq_id sim_at(struct sim *sim, int64_t t, sim_fn fn, void *ctx, uint64_t arg);
evq_id sim_after(struct sim *sim, int64_t delay, sim_fn fn, void *ctx, uint64_t arg);
/* An event known at set-up and never cancelled (evq_push_later): same
 * order as sim_at, without growing the event heap. */
void sim_at_later(struct sim *sim, int64_t t, sim_fn fn, void *ctx, uint64_t arg);
bool sim_cancel(struct sim *sim, evq_id id);
/* A lazily moved deadline (evq_reserve_seq): reserve the order position
 * of an event now, push it later with sim_at_seq. */
uint64_t sim_reserve_seq(struct sim *sim);
evq_id sim_at_seq(struct sim *sim, int64_t t, uint64_t seq, sim_fn fn, void *ctx, uint64_t arg);

/* Run one event; false when the queue is empty. */
bool sim_step(struct sim *sim);
/* Run events with time <= t; the clock ends at t (or earlier if empty). */
void sim_run_until(struct sim *sim, int64_t t);
/* Run until no events remain or max_events ran (0 = no limit). */
void sim_run(struct sim *sim, uint64_t max_events);

/* RFC 5322 date of the current simulated time. */
void sim_date(const struct sim *sim, char *out, size_t cap);
void sim_date_at(const struct sim *sim, int64_t t, char *out, size_t cap);

void sim_tag_add(struct sim *sim, const char *message_id, const char *tag);
/* The same for a DSN this world generated: its recipients are not
 * scenario recipients (the ledger counts them apart). */
void sim_tag_add_report(struct sim *sim, const char *message_id, const char *tag);
bool sim_tag_is_report(const struct sim *sim, const char *tag);
/* Register a composed message (by Message-ID, or From + Subject without one). */
void sim_tag_add_message(struct sim *sim, const char *msg, size_t len, const char *tag);
/* The scenario id of a message (by its Message-ID header), or NULL. */
const char *sim_tag_find(const struct sim *sim, const char *msg, size_t len);

/* The time of the next pending event; false when none is left. */
bool sim_next_event_time(const struct sim *sim, int64_t *t);

#endif
