/* scenario_run.h — shared by the scenario-level test programs: run a
 * scenario (from scenarios/ or an edited text) through the world API into
 * a parsed trace, and query its events and mailboxes. Header-only (static
 * functions): each test program is its own executable. */
#ifndef MAILSIM_TEST_SCENARIO_RUN_H
#define MAILSIM_TEST_SCENARIO_RUN_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "mailstore.h"
#include "mta.h"
#include "net.h"
#include "scenario.h"
#include "trace_expand.h"
#include "world.h"

struct run {
	struct scenario *scn;
	struct world *w;
	struct strbuf trace;
	cJSON **ev;      /* parsed events */
	size_t nev;
	struct world_summary sum;
};

static inline char *scenario_path(const char *name)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");
	return xasprintf("%s/scenarios/%s.json", src ? src : "..", name);
}

static inline void run_scenario(const char *name, struct run *r)
{
	memset(r, 0, sizeof *r);
	char *path = scenario_path(name);
	r->scn = scn_load(path, stderr);
	free(path);
	assert_non_null(r->scn);
	r->w = world_new(r->scn, NULL);
	sb_init(&r->trace);
	trace_set_buffer(world_sim(r->w)->trace, &r->trace);
	world_run(r->w, -1);
	world_summary(r->w, &r->sum);
	for (char *line = r->trace.data; line && *line;) {
		char *nl = strchr(line, '\n');
		r->ev = xrealloc(r->ev, (r->nev + 1) * sizeof *r->ev);
		r->ev[r->nev] = cJSON_ParseWithLength(line, (size_t)(nl - line));
		assert_non_null(r->ev[r->nev]);
		r->nev++;
		line = nl + 1;
	}
	trace_expand_events(&r->ev, &r->nev);
}

static inline void run_free(struct run *r)
{
	for (size_t i = 0; i < r->nev; i++)
		cJSON_Delete(r->ev[i]);
	free(r->ev);
	sb_free(&r->trace);
	world_free(r->w);
	scn_free(r->scn);
}

static inline const char *str(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static inline double num(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The k-th (0-based) event of a kind, optionally at a node; NULL if none. */
static inline const cJSON *nth(const struct run *r, const char *kind, const char *node, int k)
{
	for (size_t i = 0; i < r->nev; i++)
		if (strcmp(str(r->ev[i], "kind"), kind) == 0 &&
		    (!node || strcmp(str(r->ev[i], "node"), node) == 0) && k-- == 0)
			return r->ev[i];
	return NULL;
}

static inline int count(const struct run *r, const char *kind, const char *node)
{
	int n = 0;
	while (nth(r, kind, node, n))
		n++;
	return n;
}

static inline struct mfolder *inbox(struct run *r, const char *hostname, const char *user)
{
	struct host *h = sim_host_by_name(world_sim(r->w), hostname);
	assert_non_null(h);
	struct mbox_user *u = mailstore_user(mta_store(h->role_obj), user);
	assert_non_null(u);
	return mbox_folder(u, "INBOX", false);
}

/* The DSN in a mailbox: exactly one report whose blocks are as given. */
static inline void expect_dsn(struct run *r, const char *host, const char *user, const char *rcpt,
		       const char *action, const char *status)
{
	struct mfolder *f = inbox(r, host, user);
	int found = 0;
	for (size_t i = 0; i < f->n; i++) {
		char fr[4][256], ac[4][16], st[4][16];
		int n = dsn_parse_status(f->msgs[i].data, f->msgs[i].len, fr, ac, st, 4);
		if (n <= 0 || strcmp(ac[0], action) != 0)
			continue;
		found++;
		assert_int_equal(n, 1);
		if (strcmp(fr[0], rcpt) || strcmp(st[0], status))
			fail_msg("DSN names %s %s, want %s %s", fr[0], st[0], rcpt, status);
		assert_non_null(strstr(f->msgs[i].data, "Return-Path: <>"));
	}
	if (found != 1)
		fail_msg("%d DSNs with Action %s for %s, want 1", found, action, user);
}

static inline void assert_accounted(const struct run *r)
{
	if (!r->sum.accounted)
		fail_msg("not accounted: %ld rcpts, %ld delivered, %ld bounced, %ld rejected, %ld queued",
			 r->sum.rcpts, r->sum.fate[FATE_INBOX], r->sum.fate[FATE_BOUNCED], r->sum.fate[FATE_REJECTED], r->sum.queued);
}

/* ---- variants of the basic story, edited inline ---------------------------- */

static inline char *read_text(const char *path)
{
	struct strbuf sb;
	sb_init(&sb);
	assert_true(read_file(path, &sb));
	return sb_steal(&sb);
}

/* Replace the first occurrence of `from` (which must exist) with `to`. */
static inline char *edit(char *text, const char *from, const char *to)
{
	char *at = strstr(text, from);
	if (!at)
		fail_msg("edit: '%s' not found", from);
	char *out = xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	free(text);
	return out;
}

static inline void run_text(char *text, struct run *r)
{
	memset(r, 0, sizeof *r);
	/* Named as a file in scenarios/ so relative paths (keys/) resolve. */
	char *name = scenario_path("variant");
	r->scn = scn_parse(text, strlen(text), name, stderr);
	free(name);
	free(text);
	assert_non_null(r->scn);
	r->w = world_new(r->scn, NULL);
	sb_init(&r->trace);
	trace_set_buffer(world_sim(r->w)->trace, &r->trace);
	world_run(r->w, -1);
	world_summary(r->w, &r->sum);
	for (char *line = r->trace.data; line && *line;) {
		char *nl = strchr(line, '\n');
		r->ev = xrealloc(r->ev, (r->nev + 1) * sizeof *r->ev);
		r->ev[r->nev++] = cJSON_ParseWithLength(line, (size_t)(nl - line));
		line = nl + 1;
	}
	trace_expand_events(&r->ev, &r->nev);
}

static inline char *basic(void)
{
	char *p = scenario_path("basic-delivery");
	char *t = read_text(p);
	free(p);
	return t;
}


#endif
