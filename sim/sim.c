/* sim.c — see sim.h. */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "trace.h"
#include "util.h"

struct sim *sim_new(uint64_t seed, int64_t epoch_unix_us)
{
	struct sim *sim = xcalloc(1, sizeof *sim);
	sim->q = evq_new();
	rng_seed(&sim->rng, seed, 0x6d61696c73696dULL); /* stream "mailsim" */
	sim->trace = trace_new();
	sim->epoch_unix_us = epoch_unix_us;
	sim->next_conn_id = 1;
	return sim;
}

void sim_free(struct sim *sim)
{
	if (!sim)
		return;
	if (sim->teardown)
		sim->teardown(sim);
	arena_free(sim->tag_arena);
	free(sim->tag_mid);
	free(sim->tag_id);
	free(sim->tag_report);
	strmap_free(&sim->tag_by_mid);
	strmap_free(&sim->tag_by_id);
	evq_free(sim->q);
	trace_free(sim->trace);
	free(sim);
}

evq_id sim_at(struct sim *sim, int64_t t, sim_fn fn, void *ctx, uint64_t arg)
{
	/* Scheduling into the past would break causality: our bug. */
	if (t < sim->now)
		abort();
	return evq_push(sim->q, t, (evq_fn)fn, ctx, arg);
}

evq_id sim_after(struct sim *sim, int64_t delay, sim_fn fn, void *ctx, uint64_t arg)
{
	return sim_at(sim, sim->now + (delay > 0 ? delay : 0), fn, ctx, arg);
}

void sim_at_later(struct sim *sim, int64_t t, sim_fn fn, void *ctx, uint64_t arg)
{
	if (t < sim->now)
		abort(); /* into the past: our bug */
	evq_push_later(sim->q, t, (evq_fn)fn, ctx, arg);
}

uint64_t sim_reserve_seq(struct sim *sim)
{
	return evq_reserve_seq(sim->q);
}

evq_id sim_at_seq(struct sim *sim, int64_t t, uint64_t seq, sim_fn fn, void *ctx, uint64_t arg)
{
	if (t < sim->now)
		abort(); /* into the past: our bug */
	return evq_push_seq(sim->q, t, seq, (evq_fn)fn, ctx, arg);
}

bool sim_cancel(struct sim *sim, evq_id id)
{
	return id && evq_cancel(sim->q, id);
}

bool sim_step(struct sim *sim)
{
	struct evq_event ev;
	if (!evq_pop(sim->q, &ev))
		return false;
	sim->now = ev.time;
	sim->events_run++;
	((sim_fn)ev.fn)(sim, ev.ctx, ev.arg);
	return true;
}

void sim_run_until(struct sim *sim, int64_t t)
{
	struct evq_event ev;
	while (evq_pop_until(sim->q, t, &ev)) {
		sim->now = ev.time;
		sim->events_run++;
		((sim_fn)ev.fn)(sim, ev.ctx, ev.arg);
	}
	if (sim->now < t)
		sim->now = t;
	trace_flush(sim->trace);
}

void sim_run(struct sim *sim, uint64_t max_events)
{
	uint64_t n = 0;
	while ((max_events == 0 || n < max_events) && sim_step(sim))
		n++;
	trace_flush(sim->trace);
}

void sim_date_at(const struct sim *sim, int64_t t, char *out, size_t cap)
{
	rfc5322_date(sim->epoch_unix_us + t, 0, out, cap);
}

void sim_date(const struct sim *sim, char *out, size_t cap)
{
	sim_date_at(sim, sim->now, out, cap);
}

bool sim_next_event_time(const struct sim *sim, int64_t *t)
{
	return evq_peek_time(sim->q, t);
}

static void tag_add(struct sim *sim, const char *message_id, const char *tag, bool report)
{
	if (sim->ntags == sim->tagcap) { /* grow geometrically: O(1) amortized */
		sim->tagcap = sim->tagcap ? sim->tagcap * 2 : 16;
		sim->tag_mid = xrealloc(sim->tag_mid, sim->tagcap * sizeof *sim->tag_mid);
		sim->tag_id = xrealloc(sim->tag_id, sim->tagcap * sizeof *sim->tag_id);
		sim->tag_report = xrealloc(sim->tag_report, sim->tagcap * sizeof *sim->tag_report);
	}
	if (!sim->tag_arena)
		sim->tag_arena = arena_new();
	sim->tag_mid[sim->ntags] = arena_strdup(sim->tag_arena, message_id);
	sim->tag_id[sim->ntags] = arena_strdup(sim->tag_arena, tag);
	sim->tag_report[sim->ntags] = report;
	size_t first;
	/* The first registration wins, as a scan from the start would find. */
	if (!strmap_get(&sim->tag_by_mid, sim->tag_mid[sim->ntags], &first))
		strmap_put(&sim->tag_by_mid, sim->tag_mid[sim->ntags], sim->ntags);
	if (!strmap_get(&sim->tag_by_id, sim->tag_id[sim->ntags], &first))
		strmap_put(&sim->tag_by_id, sim->tag_id[sim->ntags], sim->ntags);
	sim->ntags++;
}

void sim_tag_add(struct sim *sim, const char *message_id, const char *tag)
{
	tag_add(sim, message_id, tag, false);
}

void sim_tag_add_report(struct sim *sim, const char *message_id, const char *tag)
{
	tag_add(sim, message_id, tag, true);
}

bool sim_tag_is_report(const struct sim *sim, const char *tag)
{
	size_t i;
	if (tag && strmap_get(&sim->tag_by_id, tag, &i))
		return sim->tag_report[i];
	return false;
}

/* A message without a Message-ID (a sloppy sender) is known by its From
 * and Subject instead, so every hop still names it the same way. */
static void fallback_key(const char *msg, size_t len, char *out, size_t cap)
{
	char from[256] = "", subj[256] = "";
	msg_header(msg, len, "From", from, sizeof from);
	msg_header(msg, len, "Subject", subj, sizeof subj);
	snprintf(out, cap, "from:%s subject:%s", from, subj);
}

void sim_tag_add_message(struct sim *sim, const char *msg, size_t len, const char *tag)
{
	char mid[600];
	if (!msg_header(msg, len, "Message-ID", mid, sizeof mid))
		fallback_key(msg, len, mid, sizeof mid);
	sim_tag_add(sim, mid, tag);
}

const char *sim_tag_find(const struct sim *sim, const char *msg, size_t len)
{
	char mid[600];
	if (!msg_header(msg, len, "Message-ID", mid, sizeof mid))
		fallback_key(msg, len, mid, sizeof mid);
	size_t i;
	if (strmap_get(&sim->tag_by_mid, mid, &i))
		return sim->tag_id[i];
	return NULL;
}
