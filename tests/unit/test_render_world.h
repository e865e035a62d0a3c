/* test_render_world.h — run a shipped scenario through the world API into
 * a memory trace and hand it to the viewer as `mailsim view` would (the
 * same host list and zone records as app/main.c's with_trace). Scenarios
 * are found under $MAILSIM_SOURCE_DIR/scenarios (ctest sets it), else
 * ./scenarios. */
#ifndef MAILSIM_TEST_RENDER_WORLD_H
#define MAILSIM_TEST_RENDER_WORLD_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "trace.h"
#include "util.h"
#include "view.h"
#include "world.h"

struct rw_run {
	struct scenario *scn;
	struct strbuf trace;
	struct view_host *hosts;
	struct view_record *records;
};

static __attribute__((unused)) char *rw_source_path(const char *rel)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");

	return xasprintf("%s/%s", src && *src ? src : ".", rel);
}

/* Every shipped scenario's base name, sorted; NULL-terminated, owned. */
static __attribute__((unused)) char **rw_scenarios(size_t *n)
{
	char *dir = rw_source_path("scenarios");
	DIR *d = opendir(dir);
	char **names = NULL;
	struct dirent *de;

	*n = 0;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		names = xrealloc(names, (*n + 2) * sizeof *names);
		names[(*n)++] = xstrndup(de->d_name, len - 5);
	}
	if (d)
		closedir(d);
	free(dir);
	for (size_t i = 1; i < *n; i++) /* insertion sort: a stable order */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	if (names)
		names[*n] = NULL;
	return names;
}

static __attribute__((unused)) void rw_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static __attribute__((unused)) void rw_fill_hosts(struct rw_run *r)
{
	const struct scenario *s = r->scn;
	size_t nrec = 0, k = 0;

	for (size_t i = 0; i < s->nhosts; i++)
		for (size_t z = 0; z < s->hosts[i].nzones; z++)
			nrec += s->hosts[i].zones[z].nrecords;
	r->records = xcalloc(nrec ? nrec : 1, sizeof *r->records);
	r->hosts = xcalloc(s->nhosts ? s->nhosts : 1, sizeof *r->hosts);
	for (size_t i = 0; i < s->nhosts; i++) {
		const struct scn_host *h = &s->hosts[i];
		r->hosts[i] = (struct view_host){h->name, scn_role_names[h->role], h->ip, h->has_pos, h->x, h->y,
						 NULL, 0};
		if (h->nzones)
			r->hosts[i].records = &r->records[k];
		for (size_t z = 0; z < h->nzones; z++)
			for (size_t j = 0; j < h->zones[z].nrecords; j++, r->hosts[i].nrecords++) {
				const struct scn_record *rec = &h->zones[z].records[j];
				r->records[k++] = (struct view_record){rec->name, rec->type, rec->data};
			}
	}
}

/* Load scenarios/<name>.json and run it; false (with a message) if the
 * scenario does not load. */
static __attribute__((unused)) bool rw_load(struct rw_run *r, const char *name)
{
	char *rel = xasprintf("scenarios/%s.json", name);
	char *path = rw_source_path(rel);

	memset(r, 0, sizeof *r);
	r->scn = scn_load(path, stderr);
	free(rel);
	free(path);
	if (!r->scn)
		return false;
	struct world *w = world_new(r->scn, NULL);
	sb_init(&r->trace);
	trace_set_buffer(world_sim(w)->trace, &r->trace);
	world_run(w, -1);
	world_free(w);
	rw_fill_hosts(r);
	return true;
}

static __attribute__((unused)) struct view_input rw_input(const struct rw_run *r)
{
	return (struct view_input){r->scn->title, r->hosts, r->scn->nhosts,
				   r->trace.data ? r->trace.data : "", r->trace.len, NULL};
}

static __attribute__((unused)) void rw_free(struct rw_run *r)
{
	sb_free(&r->trace);
	free(r->hosts);
	free(r->records);
	scn_free(r->scn);
	memset(r, 0, sizeof *r);
}

#endif
