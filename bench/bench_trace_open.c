/* bench_trace_open.c — what opening a trace costs the viewer (not a test:
 * it prints figures).
 *
 *   bench_trace_open TRACE.jsonl...
 *
 * Each file is opened with tm_open, which maps it read-only and leaves the
 * text there (a pipe, "-", is read in). Printed per file: events, open
 * wall time (mapping, reading the pages, scanning every line), heap bytes
 * the model holds per event (the allocator's in-use bytes after minus
 * before, heap_in_use.h: every allocation counted; the mapped text is not
 * heap), peak RSS growth
 * (which does count the mapped pages read), and the time of a first
 * pass that asks every event for one kind-specific field (tm_get), the
 * worst case of scrubbing through the whole trace once.
 *
 * Big traces: `bench_scale --write S.json N`, then
 * `mailsim run S.json --trace T.jsonl`, then `head -n EVENTS T.jsonl`. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "heap_in_use.h"
#include "trace_model.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int bench_one(const char *path)
{
	char err[256];
	size_t before = heap_in_use();
	long rss0 = peak_rss_kb();
	double t0 = now_s();
	struct tm_model *m = tm_open(path, NULL, 0, err, sizeof err);
	double t1 = now_s();
	if (!m) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	size_t after = heap_in_use();
	long rss1 = peak_rss_kb();
	size_t held = after - before;
	size_t n = m->nev ? m->nev : 1;

	volatile size_t sum = 0;
	double t2 = now_s();
	for (size_t i = 0; i < m->nev; i++)
		sum += tm_get(&m->ev[i], "queue_id") != NULL;
	double t3 = now_s();
	size_t held2 = heap_in_use() - before;

	printf("%s: %zu events, %.1f MB text (%s); open %.3f s (%.2f us/event); "
	       "model %zu B/event heap, peak RSS +%ld MB; "
	       "tm_get on every event %.3f s, then %zu B/event\n",
	       path, m->nev, (double)m->text_len / 1e6, m->map ? "mapped" : "read",
	       t1 - t0, (t1 - t0) * 1e6 / (double)n, held / n, (rss1 - rss0) / 1024, t3 - t2,
	       held2 / n);
	tm_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_trace_open TRACE.jsonl...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		rc |= bench_one(argv[i]);
	return rc;
}
