/* test_render_snap_count.c — the places and retry clocks the snapshot
 * keeps as its walk moves (render/view/snap_count.h) against a count
 * from scratch, after random seeks forwards and backwards (checkpoints
 * restored) and steps the way playing takes them: on every golden trace
 * (the .jsonl files in tests/golden) and on a generated one of a few hundred
 * messages, a tenth of them to a dead domain (deferred, retried).
 *
 * The reference is the rule of snap_count.h applied to the snapshot's
 * arrays the direct way (each place checked against every place listed
 * before it), and snap_count_recount on the same arrays. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "snap_count.h"
#include "snapshot.h"
#include "test_render_world.h"
#include "trace_model.h"
#include "util.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

/* What the comparisons met, so a run that compared nothing fails. */
struct seen {
	long seeks, back, places[PLACE_KIND_COUNT], deferred, clocks;
};

/* ---- the reference: from scratch ---- */

static bool ref_placed(const struct snap_place *p, size_t n, int msg, int host)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].msg_idx == msg && p[i].host == host)
			return true;
	return false;
}

/* Outboxes not sent, then live queue entries, then stored copies; at
 * most one place per (message, host) beyond the outboxes. */
static size_t ref_places(const struct snap *s, struct snap_place *out)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nout; i++)
		if (!s->outbox[i].sent && s->outbox[i].host >= 0)
			out[n++] = (struct snap_place){s->outbox[i].msg_idx, s->outbox[i].host,
						       PLACE_OUTBOX};
	for (size_t i = 0; i < s->nq; i++) {
		const struct snap_entry *q = &s->q[i];
		if (snap_entry_live(q) && q->msg_idx >= 0 && q->host >= 0 &&
		    !ref_placed(out, n, q->msg_idx, q->host))
			out[n++] = (struct snap_place){q->msg_idx, q->host, PLACE_QUEUE};
	}
	for (size_t i = 0; i < s->nbox; i++) {
		const struct snap_stored *b = &s->box[i];
		if (b->msg_idx >= 0 && b->host >= 0 && !ref_placed(out, n, b->msg_idx, b->host))
			out[n++] = (struct snap_place){b->msg_idx, b->host,
						       b->folder ? PLACE_MAILBOX : PLACE_FETCHED};
	}
	return n;
}

struct ref_clock {
	long deferred;
	int64_t next;
	size_t first_ev;
	bool queued;
};

static void ref_clocks(const struct snap *s, size_t nnodes, struct ref_clock *c, int *order,
		       size_t *norder)
{
	*norder = 0;
	for (size_t h = 0; h < nnodes; h++)
		c[h] = (struct ref_clock){0, INT64_MAX, 0, false};
	for (size_t i = 0; i < s->nq; i++) {
		const struct snap_entry *q = &s->q[i];
		if (q->host < 0 || (size_t)q->host >= nnodes)
			continue;
		struct ref_clock *r = &c[q->host];
		if (!r->queued) {
			*r = (struct ref_clock){0, INT64_MAX, q->enter_ev, true};
			order[(*norder)++] = q->host;
		}
		for (size_t k = 0; k < q->nrcpts; k++)
			if (q->rcpts[k].state == SNAP_DEFERRED) {
				r->deferred++;
				r->next = q->rcpts[k].next_us < r->next ? q->rcpts[k].next_us : r->next;
			}
	}
}

/* ---- the comparison ---- */

static void expect_counts(struct snap *s, const struct tm_model *m, const char *name, long c,
			  const struct snap_place *ref, size_t nref, const char *when)
{
	enum snap_place_kind k;

	for (size_t h = 0; h < m->nnodes; h++)
		for (int kind = 0; kind < PLACE_KIND_COUNT; kind++) {
			long want = 0;
			for (size_t i = 0; i < nref; i++)
				want += ref[i].host == (int)h && ref[i].kind == (enum snap_place_kind)kind;
			long got = snap_count_at(s, (int)h, (enum snap_place_kind)kind);
			if (got != want)
				FAILF("%s cursor %ld %s: host %zu place %d: got %ld, want %ld\n", name,
				      c, when, h, kind, got, want);
		}
	for (size_t i = 0; i < nref; i++) { /* what a frame leaves out for the travelling copy */
		long want = 0;
		for (size_t j = 0; j < nref; j++)
			want += ref[j].host == ref[i].host && ref[j].msg_idx == ref[i].msg_idx;
		long got = snap_count_of(s, ref[i].host, ref[i].msg_idx, &k);
		if (got != want || k != ref[i].kind)
			FAILF("%s cursor %ld %s: (host %d, msg %d): got %ld of kind %d, want %ld of "
			      "%d\n", name, c, when, ref[i].host, ref[i].msg_idx, got, (int)k, want,
			      (int)ref[i].kind);
	}
}

static void expect_clocks(struct snap *s, const struct tm_model *m, const char *name, long c,
			  struct seen *seen)
{
	struct ref_clock *rc = xcalloc(m->nnodes + 1, sizeof *rc);
	int *order = xcalloc(m->nnodes + 1, sizeof *order), *got = xcalloc(m->nnodes + 1, sizeof *got);
	size_t norder, ngot = snap_count_queue_order(s, got);

	ref_clocks(s, m->nnodes, rc, order, &norder);
	if (ngot != norder || (norder && memcmp(got, order, norder * sizeof *order) != 0))
		FAILF("%s cursor %ld: %zu hosts in queue order, want %zu (or the order differs)\n",
		      name, c, ngot, norder);
	for (size_t h = 0; h < m->nnodes; h++) {
		long n = -1;
		int64_t next = -1;
		size_t first = 0;
		bool q = snap_count_retry(s, (int)h, &n, &next, &first);
		if (q != rc[h].queued || (q && (n != rc[h].deferred || first != rc[h].first_ev ||
						(n && next != rc[h].next))))
			FAILF("%s cursor %ld: host %zu clock: got %d %ld deferred, next %lld, first "
			      "event %zu; want %d %ld, %lld, %zu\n", name, c, h, q, n, (long long)next,
			      first, rc[h].queued, rc[h].deferred, (long long)rc[h].next,
			      rc[h].first_ev);
		seen->deferred += q ? n : 0;
		seen->clocks += q && n;
	}
	free(rc);
	free(order);
	free(got);
}

/* The kept counts and list at this cursor equal the reference's, and
 * a recount from the arrays changes nothing. */
static void expect_kept(struct snap *s, const struct tm_model *m, const char *name, long c,
			struct seen *seen)
{
	struct snap_place *ref = xcalloc(s->nout + s->nq + s->nbox + 1, sizeof *ref);
	size_t nref = ref_places(s, ref), cap = 0;
	struct snap_place *list = NULL;
	size_t n = snap_places_fill(s, &list, &cap);

	if (n != nref)
		FAILF("%s cursor %ld: %zu places listed, want %zu\n", name, c, n, nref);
	for (size_t i = 0; i < n; i++)
		if (list[i].msg_idx != ref[i].msg_idx || list[i].host != ref[i].host ||
		    list[i].kind != ref[i].kind)
			FAILF("%s cursor %ld: place %zu: got (msg %d, host %d, kind %d), want (%d, %d, "
			      "%d)\n", name, c, i, list[i].msg_idx, list[i].host, (int)list[i].kind,
			      ref[i].msg_idx, ref[i].host, (int)ref[i].kind);
	for (size_t i = 0; i < nref; i++)
		seen->places[ref[i].kind]++;
	expect_counts(s, m, name, c, ref, nref, "kept");
	expect_clocks(s, m, name, c, seen);
	snap_count_recount(s);
	expect_counts(s, m, name, c, ref, nref, "recounted");
	expect_clocks(s, m, name, c, seen);
	free(list);
	free(ref);
}

/* Random seeks (about half of them backwards, restoring checkpoints
 * taken every `every` events), each followed by a few single steps
 * forwards as playing takes them, and one step back. With walk_all, the
 * whole trace is walked first, as the viewer does when it opens one: then
 * every seek restores a checkpoint and replays records. */
static void seek_around(const struct tm_model *m, const char *name, long every, int nseeks,
			bool walk_all, struct seen *seen)
{
	struct snap s;
	uint64_t x = 0x9E3779B97F4A7C15ull ^ (uint64_t)m->nev;
	long at = -1;

	snap_init(&s);
	s.ckpt_every_asked = every;
	if (walk_all && m->nev) {
		snap_build(&s, m, (long)m->nev - 1, (long)m->nev - 1);
		at = (long)m->nev - 1;
	}
	for (int k = 0; k < nseeks && m->nev; k++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		long c = (long)(x % m->nev);
		seen->back += c < at;
		for (int step = 1; step <= 4 && c < (long)m->nev; c += step++) {
			snap_build(&s, m, -1, c);
			expect_kept(&s, m, name, c, seen);
			seen->seeks++;
			at = c;
		}
		if (at > 0) {
			snap_build(&s, m, -1, --at);
			expect_kept(&s, m, name, at, seen);
		}
	}
	snap_free(&s);
}

static void test_golden_traces(void **state)
{
	const char *src = getenv("MAILSIM_SOURCE_DIR");
	char *dir = xasprintf("%s/tests/golden", src ? src : ".");
	DIR *d = opendir(dir);
	struct seen seen = {0};
	size_t files = 0;

	if (!d)
		FAILF("cannot open %s (set MAILSIM_SOURCE_DIR)\n", dir);
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		size_t len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".jsonl") != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name), err[256] = "";
		struct tm_model *m = tm_open(path, NULL, 0, err, sizeof err);
		if (!m)
			FAILF("%s: %s\n", path, err);
		seek_around(m, de->d_name, 16, 24, false, &seen);
		seek_around(m, de->d_name, 16, 24, true, &seen);
		tm_free(m);
		free(path);
		files++;
	}
	closedir(d);
	free(dir);
	if (files < 40 || seen.back < 100 || seen.clocks == 0 || !seen.places[PLACE_OUTBOX] ||
	    !seen.places[PLACE_QUEUE] || !seen.places[PLACE_MAILBOX] || !seen.places[PLACE_FETCHED])
		FAILF("too little compared: %zu traces, %ld seeks back, %ld clocks, places %ld %ld "
		      "%ld %ld\n", files, seen.back, seen.clocks, seen.places[0], seen.places[1],
		      seen.places[2], seen.places[3]);
}

/* basic-delivery's world with n generated messages, every tenth to a
 * domain whose MX never answers (as bench_scale makes them). */
static char *generated_scenario(long n)
{
	char *path = rw_source_path("scenarios/basic-delivery.json");
	struct strbuf src;

	sb_init(&src);
	if (!read_file(path, &src))
		FAILF("cannot read %s\n", path);
	free(path);
	cJSON *root = cJSON_Parse(src.data), *msgs = cJSON_CreateArray();
	sb_free(&src);
	cJSON_DeleteItemFromObject(root, "narration");
	cJSON *hosts = cJSON_GetObjectItem(root, "hosts");
	for (cJSON *h = hosts ? hosts->child : NULL; h; h = h->next) {
		cJSON *zones = cJSON_GetObjectItem(h, "zones");
		if (!zones)
			continue;
		cJSON *z = cJSON_CreateObject(), *recs = cJSON_CreateArray();
		cJSON_AddStringToObject(z, "origin", "dead.example");
		cJSON_AddNumberToObject(z, "ttl", 3600);
		const char *rr[][3] = {{"@", "MX", "10 mx.dead.example."}, {"mx", "A", "203.0.113.99"}};
		for (size_t i = 0; i < 2; i++) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "name", rr[i][0]);
			cJSON_AddStringToObject(r, "type", rr[i][1]);
			cJSON_AddStringToObject(r, "data", rr[i][2]);
			cJSON_AddItemToArray(recs, r);
		}
		cJSON_AddItemToObject(z, "records", recs);
		cJSON_AddItemToArray(zones, z);
		break;
	}
	for (long i = 0; i < n; i++) {
		cJSON *msg = cJSON_CreateObject(), *to = cJSON_CreateArray();
		char id[32];
		snprintf(id, sizeof id, "g%ld", i + 1);
		cJSON_AddStringToObject(msg, "id", id);
		cJSON_AddNumberToObject(msg, "at", 1.0 + (double)i * 0.05);
		cJSON_AddStringToObject(msg, "from", "alice@example.org");
		cJSON_AddItemToArray(to, cJSON_CreateString(i % 10 == 9 ? "carol@dead.example"
								       : "bob@example.net"));
		cJSON_AddItemToObject(msg, "to", to);
		cJSON_AddStringToObject(msg, "subject", id);
		cJSON_AddStringToObject(msg, "body", "A generated message.");
		cJSON_AddItemToArray(msgs, msg);
	}
	cJSON_ReplaceItemInObject(root, "messages", msgs);
	char *text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

static void test_generated_trace(void **state)
{
	char *text = generated_scenario(300);
	struct rw_run run;
	char err[256] = "";
	struct seen seen = {0};

	memset(&run, 0, sizeof run);
	run.scn = scn_parse(text, strlen(text), "generated.json", stderr);
	free(text);
	if (!run.scn)
		FAILF("the generated scenario does not load\n");
	struct world *w = world_new(run.scn, NULL);
	sb_init(&run.trace);
	trace_set_buffer(world_sim(w)->trace, &run.trace);
	world_run(w, -1);
	world_free(w);
	rw_fill_hosts(&run);
	struct tm_model *m = tm_parse(run.trace.data, run.trace.len, run.hosts, run.scn->nhosts,
				      err, sizeof err);
	if (!m)
		FAILF("generated trace: %s\n", err);
	if (m->nmsgs < 300)
		FAILF("generated trace: %zu messages, want 300\n", m->nmsgs);
	seek_around(m, "generated", 512, 40, false, &seen);
	seek_around(m, "generated (default checkpoints)", 0, 10, true, &seen);
	if (seen.back < 10 || seen.clocks == 0 || seen.deferred < 2 || !seen.places[PLACE_QUEUE] ||
	    !seen.places[PLACE_MAILBOX])
		FAILF("too little compared: %ld seeks back, %ld clocks (%ld deferred), places %ld "
		      "%ld %ld %ld\n", seen.back, seen.clocks, seen.deferred, seen.places[0],
		      seen.places[1], seen.places[2], seen.places[3]);
	tm_free(m);
	rw_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_traces),
		cmocka_unit_test(test_generated_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
