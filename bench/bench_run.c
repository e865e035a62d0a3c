/* bench_run.c — whole-scenario speed: for each scenario file given, run
 * it `reps` times (default 20) and print simulated time, events, trace
 * events, wall time per run and events per second. A benchmark, not a
 * test: it reads the wall clock to measure, which the simulator never does.
 *
 *   bench_run [-n reps] SCENARIO.json... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario.h"
#include "sim.h"
#include "world.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench_one(const char *path, int reps)
{
	struct scenario *s = scn_load(path, stderr);
	if (!s)
		return 1;
	uint64_t events = 0, traced = 0;
	int64_t simulated = 0;
	double t0 = now_s();
	for (int i = 0; i < reps; i++) {
		struct world *w = world_new(s, NULL);
		struct strbuf sink;
		sb_init(&sink);
		trace_set_buffer(world_sim(w)->trace, &sink); /* format JSONL as a real run does */
		world_run(w, -1);
		events = world_sim(w)->events_run;
		traced = trace_count(world_sim(w)->trace);
		simulated = world_sim(w)->now;
		sb_free(&sink);
		world_free(w);
	}
	double per_run = (now_s() - t0) / reps;
	printf("%-36s simulated %10.1f s  %7llu events  %7llu trace lines  %8.3f ms/run  %6.2f Mev/s\n",
	       s->name, simulated / 1e6, (unsigned long long)events, (unsigned long long)traced,
	       per_run * 1e3, events / per_run / 1e6);
	scn_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = 20, first = 1, rc = 0;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		reps = atoi(argv[2]);
		first = 3;
	}
	if (first >= argc || reps <= 0) {
		fprintf(stderr, "usage: bench_run [-n reps] SCENARIO.json...\n");
		return 2;
	}
	for (int i = first; i < argc; i++)
		rc |= bench_one(argv[i], reps);
	return rc;
}
