/* bench_scale.c — how the simulator scales with the number of messages.
 * It builds the basic-delivery world (scenarios/basic-delivery.json)
 * with N generated messages — 80% to Bob (delivered), 10% to an unknown
 * user (bounced at once), 10% to a domain whose MX never answers
 * (deferred, still queued when the run stops --until seconds after the
 * last message is sent; default 600) —
 * and prints messages/s, events/s, trace bytes per message, peak RSS,
 * heap in use (heap_in_use.h, by tcmalloc or glibc: the line says which)
 * and the minor page faults of the run (fresh pages touched). With --hold
 * every message goes to the dead domain, to measure what a queued message
 * costs beyond its body. Each N runs in a
 * child process so peak RSS is its own. A benchmark: it reads the wall
 * clock to measure, which the simulator never does.
 *
 *   bench_scale [--trace] [--hold] [--until S] [--write FILE] N...
 *
 * --write FILE writes the generated scenario (for timing `mailsim check`). */
#define _GNU_SOURCE /* fopencookie */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "heap_in_use.h"
#include "scenario.h"
#include "sim.h"
#include "util.h"
#include "world.h"

struct opts {
	bool trace, hold;
	double until;
	const char *write;
};

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of this process: on a machine shared with other jobs the
 * wall clock measures them too. */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static cJSON *rr(const char *name, const char *type, const char *data)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "type", type);
	cJSON_AddStringToObject(r, "data", data);
	return r;
}

/* The dead domain: an MX whose address nobody answers at. */
static void add_dead_zone(cJSON *root)
{
	cJSON *hosts = cJSON_GetObjectItem(root, "hosts");
	for (cJSON *h = hosts->child; h; h = h->next) {
		cJSON *zones = cJSON_GetObjectItem(h, "zones");
		if (!zones)
			continue;
		cJSON *z = cJSON_CreateObject();
		cJSON_AddStringToObject(z, "origin", "dead.example");
		cJSON_AddNumberToObject(z, "ttl", 3600);
		cJSON *recs = cJSON_AddArrayToObject(z, "records");
		cJSON_AddItemToArray(recs, rr("@", "MX", "10 mx.dead.example."));
		cJSON_AddItemToArray(recs, rr("mx", "A", "203.0.113.99"));
		cJSON_AddItemToArray(zones, z);
		return;
	}
}

static char *generate(long n, const struct opts *o)
{
	struct strbuf src;
	sb_init(&src);
	const char *dir = getenv("MAILSIM_SOURCE_DIR");
	char *path = xasprintf("%s/scenarios/basic-delivery.json", dir ? dir : ".");
	if (!read_file(path, &src)) {
		fprintf(stderr, "bench_scale: cannot read %s (set MAILSIM_SOURCE_DIR)\n", path);
		exit(4);
	}
	free(path);
	cJSON *root = cJSON_Parse(src.data);
	sb_free(&src);
	cJSON_DeleteItemFromObject(root, "narration");
	add_dead_zone(root);
	cJSON *msgs = cJSON_CreateArray();
	for (long i = 0; i < n; i++) {
		cJSON *m = cJSON_CreateObject();
		char id[32], subj[64];
		snprintf(id, sizeof id, "m%ld", i + 1);
		snprintf(subj, sizeof subj, "Message %ld", i + 1);
		const char *to = o->hold || i % 10 == 9 ? "carol@dead.example"
				 : i % 10 == 8		? "nobody@example.net"
							: "bob@example.net";
		cJSON_AddStringToObject(m, "id", id);
		cJSON_AddNumberToObject(m, "at", 1.0 + (double)i * 0.01);
		cJSON_AddStringToObject(m, "from", "alice@example.org");
		cJSON *toa = cJSON_AddArrayToObject(m, "to");
		cJSON_AddItemToArray(toa, cJSON_CreateString(to));
		cJSON_AddStringToObject(m, "subject", subj);
		cJSON_AddStringToObject(m, "body", "Hello, this is a generated message.");
		cJSON_AddItemToArray(msgs, m);
	}
	cJSON_ReplaceItemInObject(root, "messages", msgs);
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}

/* Sums the bytes of the messages entering a queue (--hold: each enters
 * one, the sending MTA's, and stays there). */
static void count_bodies(void *ud, struct trace *tr, const struct trace_event *ev)
{
	(void)tr;
	int64_t bytes;
	if (ev->id == TK_QUEUE_ENTER && trace_event_int(ev, "bytes", &bytes))
		*(long *)ud += (long)bytes;
}

/* A FILE that counts what is written and throws it away: the trace's
 * size without the disk (ftell on /dev/null says 0). */
static ssize_t count_write(void *cookie, const char *buf, size_t len)
{
	(void)buf;
	*(long *)cookie += (long)len;
	return (ssize_t)len;
}

/* Minor page faults so far: each is a fresh page the run touched (on a
 * VM, an exit to the hypervisor). */
static long minor_faults(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static long rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int run_one(long n, const struct opts *o)
{
	char *text = generate(n, o);
	if (o->write) {
		FILE *f = fopen(o->write, "w");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
			perror(o->write);
			return 4;
		}
	}
	double t0 = now_s();
	struct scenario *s = scn_parse(text, strlen(text), "generated.json", stderr);
	free(text);
	if (!s)
		return 1;
	double t_load = now_s() - t0;
	struct world *w = world_new(s, NULL);
	long written = 0;
	FILE *devnull = fopencookie(&written, "w", (cookie_io_functions_t){.write = count_write});
	if (o->trace)
		trace_set_jsonl(world_sim(w)->trace, devnull);
	long bodies = 0;
	if (o->hold)
		trace_set_hook(world_sim(w)->trace, count_bodies, &bodies);
	size_t heap0 = heap_in_use();
	t0 = now_s();
	double c0 = cpu_s();
	long f0 = minor_faults();
	/* Messages go out every 10 ms from t = 1 s: run until the last one
	 * has had --until seconds, so every N is accounted the same way. */
	world_run(w, (int64_t)((1.0 + (double)n * 0.01 + o->until) * 1e6));
	double dt = now_s() - t0, dc = cpu_s() - c0;
	long faults = minor_faults() - f0;
	size_t heap1 = heap_in_use();
	fflush(devnull);
	struct world_summary sum;
	world_summary(w, &sum);
	uint64_t events = world_sim(w)->events_run, lines = trace_count(world_sim(w)->trace);
	printf("%8ld msgs %s%s load %6.2f s  run %7.2f s (cpu %7.2f s)  %9.0f msg/s (cpu %9.0f)"
	       "  %6.2f Mev/s (cpu %6.2f)  %9llu trace lines  %6.0f trace B/msg"
	       "  peak RSS %7.1f MiB  heap (%s) %6.1f MiB (%5.0f B/msg)  %8ld page faults"
	       "  inbox %ld bounced %ld queued %ld%s\n",
	       n, o->trace ? "trace " : "", o->hold ? "hold " : "", t_load, dt, dc, n / dt, n / dc,
	       events / dt / 1e6, events / dc / 1e6, (unsigned long long)lines,
	       (double)written / (double)n, rss_kib() / 1024.0, heap_counter, heap1 / 1048576.0,
	       ((double)heap1 - (double)heap0) / (double)n, faults, sum.fate[FATE_INBOX], sum.fate[FATE_BOUNCED],
	       sum.queued, sum.accounted ? "" : " NOT ACCOUNTED");
	if (o->hold && sum.queued)
		printf("%8ld msgs held: %.0f B per queued message beyond its body (%.0f B body)\n", n,
		       ((double)heap1 - (double)heap0 - (double)bodies) / (double)sum.queued,
		       (double)bodies / (double)sum.queued);
	fflush(stdout);
	fclose(devnull);
	world_free(w);
	scn_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.until = 600};
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--trace") == 0)
			o.trace = true;
		else if (strcmp(argv[i], "--hold") == 0)
			o.hold = true;
		else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc)
			o.until = atof(argv[++i]);
		else if (strcmp(argv[i], "--write") == 0 && i + 1 < argc)
			o.write = argv[++i];
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: bench_scale [--trace] [--hold] [--until S] [--write FILE] N...\n");
		return 2;
	}
	int rc = 0;
	for (; i < argc; i++) {
		long n = atol(argv[i]);
		if (n <= 0)
			return 2;
		/* Its own process, so peak RSS is this N's alone. */
		pid_t pid = fork();
		if (pid == 0)
			_exit(run_one(n, &o));
		int st = 0;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			rc = 1;
	}
	return rc;
}
