/* bench_frame.c — frame time of the viewer (not a test: it prints figures).
 *
 *   bench_frame [--size WxH] [--speed Q] [--frames N] [--seeks S] [--play | --scrub]
 *               [--verify] [--split] [SCENARIO.json | TRACE.jsonl ...]
 *
 * For each scenario (default: scenarios/basic-delivery.json and
 * scenarios/dead-domain.json, under $MAILSIM_SOURCE_DIR or .), the trace
 * is made in memory and drawn with the software renderer on a WxH surface
 * (default 1920x1080), the same drawing code as the window, in two
 * patterns:
 *
 *  - play: from start to end at 1x (or Q quarters: 4 = 1x) in 60 Hz
 *    steps. --frames N samples a long trace instead of playing it whole:
 *    20 stretches of N/20 frames each, starting at evenly spaced display
 *    times; the first frame of a stretch follows a jump and is timed apart.
 *  - scrub, paused, as a hand drags the timeline: a sweep from start to
 *    end in 120 frames (each walks the part of the trace it passes over
 *    for the first time), then 400 (--seeks S: S) seeks to random display times,
 *    forwards and backwards (the same ones on every run), one frame each.
 *
 * Each frame's wall time (update + draw + flush) and the thread's CPU time
 * are recorded (a shared machine's load inflates wall time, not CPU time);
 * for each pattern the median, 99th percentile and maximum are printed.
 * --play or --scrub runs one pattern only. The software renderer is the
 * slow case: a window's GPU renderer only copies faster.
 *
 * A trace of 10,000 messages is a scenario too: `bench_scale --write FILE
 * 10000` writes it (the basic-delivery world with generated messages), and
 * `bench_frame --frames 1200 FILE` plays and scrubs it.
 *
 * --split also prints, per pattern, the CPU time of the snapshot's update
 * (app_update_state, timed apart before the drawing), and the slowest
 * sweep and scrub frames with their parts: the snapshot's update, the
 * events walked for the first time, checkpoints taken, layers drawn and
 * when (CLOCK_MONOTONIC, to pick the frame out of `perf record -k
 * CLOCK_MONOTONIC` samples).
 *
 * Before the frames it prints how long opening took (app_new: the trace
 * parsed, laid out and walked once; wall, and CPU of all threads).
 *
 * A FILE ending in .jsonl is a trace to open as it is (no scenario: no
 * host roles or positions); any other is a scenario, run first.
 *
 * --verify draws every timed frame a second time without the frame cache's
 * layers and counts the frames whose pixels differ (there should be none:
 * the cache must not change the picture). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include <SDL.h>
#include <SDL_ttf.h>

#include "scenario.h"
#include "scene.h"
#include "trace.h"
#include "util.h"
#include "world.h"

#define FRAME_US 16667

struct bench_input {
	struct scenario *scn;
	struct strbuf trace;
	struct view_host *hosts;
};

static bool bench_load(struct bench_input *b, const char *path)
{
	size_t n = strlen(path);

	memset(b, 0, sizeof *b);
	sb_init(&b->trace);
	if (n > 6 && strcmp(path + n - 6, ".jsonl") == 0) { /* a trace as it is */
		if (!read_file(path, &b->trace)) {
			fprintf(stderr, "bench_frame: %s: cannot read it\n", path);
			return false;
		}
		b->hosts = xcalloc(1, sizeof *b->hosts);
		return true;
	}
	b->scn = scn_load(path, stderr);
	if (!b->scn)
		return false;
	struct world *w = world_new(b->scn, NULL);
	trace_set_buffer(world_sim(w)->trace, &b->trace);
	world_run(w, -1);
	world_free(w);
	b->hosts = xcalloc(b->scn->nhosts + 1, sizeof *b->hosts);
	for (size_t i = 0; i < b->scn->nhosts; i++) {
		const struct scn_host *h = &b->scn->hosts[i];
		b->hosts[i] = (struct view_host){h->name, scn_role_names[h->role], h->ip, h->has_pos, h->x, h->y,
						 NULL, 0};
	}
	return true;
}

static void bench_free(struct bench_input *b)
{
	free(b->hosts);
	sb_free(&b->trace);
	scn_free(b->scn);
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Both threads' CPU: app_new walks the trace on a second thread. */
static int64_t process_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

#define BENCH_STRETCHES 20
#define BENCH_SWEEP 120   /* frames of the left-to-right drag */
#define BENCH_SEEKS 400   /* random seeks, unless --seeks says otherwise */

/* Wall and thread CPU time of a set of frames. */
struct bench_set {
	int64_t *wall, *cpu, *snap; /* snap: the CPU time of the snapshot's update */
	size_t n, cap;
};

struct bench_times {
	struct bench_set play, sweep, scrub;
	int64_t jump_max, jump_sum; /* play: the frames right after a jump */
	size_t njumps;
	size_t back;          /* scrub: seeks that went backwards */
	SDL_Surface *verify;  /* the target, when --verify */
	bool split;           /* --split: the slowest frames' parts */
	struct bench_slow {
		int64_t cpu, snap_cpu, t0, t1;
		long walked_new, ckpts, layers;
		char set;
	} slow[8];        /* the slowest timed sweep/scrub frames, slowest first */
	size_t differ;        /* frames whose pixels differ without the cache */
};

static void bench_set_add(struct bench_set *s, int64_t wall, int64_t cpu, int64_t snap)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->wall = xrealloc(s->wall, s->cap * sizeof *s->wall);
		s->cpu = xrealloc(s->cpu, s->cap * sizeof *s->cpu);
		s->snap = xrealloc(s->snap, s->cap * sizeof *s->snap);
	}
	s->snap[s->n] = snap;
	s->wall[s->n] = wall;
	s->cpu[s->n++] = cpu;
}

static void bench_set_free(struct bench_set *s)
{
	free(s->wall);
	free(s->cpu);
	free(s->snap);
}

/* Keep the frame among the slowest (by CPU time). */
static void bench_slow_add(struct bench_times *bt, struct bench_slow f)
{
	size_t n = ARRAY_LEN(bt->slow), i = n;

	while (i > 0 && bt->slow[i - 1].cpu < f.cpu)
		i--;
	if (i == n)
		return;
	memmove(&bt->slow[i + 1], &bt->slow[i], (n - i - 1) * sizeof f);
	bt->slow[i] = f;
}

/* Draw the frame again with the cache's layers off; compare the pixels. */
static void bench_verify(struct view_app *app, SDL_Renderer *r, struct bench_times *bt)
{
	SDL_Surface *s = bt->verify;
	size_t bytes = (size_t)s->pitch * (size_t)s->h;
	void *cached = xmalloc(bytes);

	memcpy(cached, s->pixels, bytes);
	app->fc->enabled = false;
	app_draw(app);
	SDL_RenderFlush(r);
	app->fc->enabled = true;
	bt->differ += memcmp(cached, s->pixels, bytes) != 0;
	free(cached);
}

/* One frame: advance the head by real_us, draw, flush; the times into
 * *into (none when NULL). Returns the wall time. */
static int64_t bench_draw(struct view_app *app, SDL_Renderer *r, struct bench_times *bt,
			  int64_t real_us, struct bench_set *into)
{
	int64_t t0 = now_us(), c0 = cpu_us();
	uint64_t miss0 = app->fc->misses;
	long hw0 = app->snap.walk_hw, ck0 = (long)app->snap.nckpt;

	pb_advance(&app->pb, app->tmap, real_us);
	app_update_state(app); /* what app_draw would do first, timed apart */
	int64_t c1 = cpu_us();
	app_draw(app);
	SDL_RenderFlush(r);
	int64_t wall = now_us() - t0, cpu = cpu_us() - c0;
	if (into)
		bench_set_add(into, wall, cpu, c1 - c0);
	if (into && bt->split && into != &bt->play)
		bench_slow_add(bt, (struct bench_slow){cpu, c1 - c0, t0, now_us(),
						       app->snap.walk_hw - hw0,
						       (long)app->snap.nckpt - ck0,
						       (long)(app->fc->misses - miss0),
						       into == &bt->sweep ? 'w' : 's'});
	if (into && bt->verify)
		bench_verify(app, r, bt);
	return wall;
}

/* A played frame right after pb_seek: the snapshot catches up with the
 * jump, timed apart from the played frames (separate, so a profiler
 * can tell them apart too). */
static void bench_jump_frame(struct view_app *app, SDL_Renderer *r, struct bench_times *bt)
{
	int64_t t = bench_draw(app, r, bt, FRAME_US, NULL);

	bt->jump_max = t > bt->jump_max ? t : bt->jump_max;
	bt->jump_sum += t;
	bt->njumps++;
}

/* Play the whole trace, or (max_frames > 0) BENCH_STRETCHES stretches
 * spread over it; frame times into bt->play. */
static void bench_play(struct view_app *app, SDL_Renderer *r, int speed_q, long max_frames,
		       struct bench_times *bt)
{
	while (app->pb.speed_idx > 0)
		pb_slower(&app->pb);
	while (pb_speed_quarters(&app->pb) < speed_q && app->pb.speed_idx < 6)
		pb_faster(&app->pb);
	if (max_frames <= 0) {
		pb_toggle(&app->pb, app->tmap);
		while (app->pb.playing)
			bench_draw(app, r, bt, FRAME_US, &bt->play);
		return;
	}
	long per = max_frames / BENCH_STRETCHES > 0 ? max_frames / BENCH_STRETCHES : 1;
	for (int s = 0; s < BENCH_STRETCHES; s++) {
		pb_seek(&app->pb, app->tmap, app->tmap->total * s / BENCH_STRETCHES);
		if (!app->pb.playing)
			pb_toggle(&app->pb, app->tmap);
		for (long k = 0; k < per && app->pb.playing; k++) {
			if (k == 0 && s > 0)
				bench_jump_frame(app, r, bt);
			else
				bench_draw(app, r, bt, FRAME_US, &bt->play);
		}
	}
}

/* xorshift64: the same seeks on every run. */
static uint64_t bench_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Scrubbing, paused, the way a hand drags the timeline: first from the
 * start to the end in BENCH_SWEEP frames (each frame walks the trace
 * that the drag passed over, seen for the first time) into bt->sweep;
 * then nseeks seeks to display times drawn at random over the whole
 * trace, forwards and backwards, one frame each, into bt->scrub. */
static void bench_scrub(struct view_app *app, SDL_Renderer *r, long nseeks,
			struct bench_times *bt)
{
	int64_t total = app->tmap->total;
	uint64_t seed = 0x9E3779B97F4A7C15ull;

	app->pb.playing = false;
	pb_home(&app->pb, app->tmap);
	bench_draw(app, r, bt, 0, NULL);
	for (int k = 1; k <= BENCH_SWEEP; k++) {
		pb_seek(&app->pb, app->tmap, total * k / BENCH_SWEEP);
		bench_draw(app, r, bt, 0, &bt->sweep);
	}
	for (long k = 0; k < nseeks; k++) {
		int64_t to = total > 0 ? (int64_t)(bench_rand(&seed) % (uint64_t)(total + 1)) : 0;
		bt->back += to < app->pb.d_us;
		pb_seek(&app->pb, app->tmap, to);
		bench_draw(app, r, bt, 0, &bt->scrub);
	}
}

/* "median   4.11 ms  p99  13.82 ms  max  88.57 ms  (cpu: ...)"; sorts. */
static void bench_print_set(const char *what, struct bench_set *s, bool split)
{
	size_t n = s->n;

	qsort(s->wall, n, sizeof *s->wall, cmp_i64);
	qsort(s->cpu, n, sizeof *s->cpu, cmp_i64);
	qsort(s->snap, n, sizeof *s->snap, cmp_i64);
	printf("%-28s %-6s %5zu frames  median %6.2f ms  p99 %6.2f ms  max %6.2f ms  "
	       "(cpu: median %6.2f p99 %6.2f max %6.2f)\n", "", what, n,
	       (double)s->wall[n / 2] / 1000, (double)s->wall[n * 99 / 100] / 1000,
	       (double)s->wall[n - 1] / 1000, (double)s->cpu[n / 2] / 1000,
	       (double)s->cpu[n * 99 / 100] / 1000, (double)s->cpu[n - 1] / 1000);
	if (split)
		printf("%-28s %-6s of which the snapshot's update: cpu median %6.2f p99 %6.2f max %6.2f\n",
		       "", "", (double)s->snap[n / 2] / 1000, (double)s->snap[n * 99 / 100] / 1000,
		       (double)s->snap[n - 1] / 1000);
}

/* app_new's time: parsing the trace, laying it out and walking it once. */
static int64_t bt_open_us, bt_open_cpu_us;

static void bench_print(const char *name, const struct view_app *app, struct bench_times *bt,
			int speed_q, long max_frames, int w, int h)
{
	printf("%-28s %7zu events, %zu messages, %.1f s of display at %.2gx, %dx%d%s\n", name,
	       app->model->nev, app->model->nmsgs, (double)app->tmap->total / 1e6,
	       speed_q / 4.0, w, h, max_frames > 0 ? ", play sampled" : "");
	printf("%-28s open   %.2f s (cpu %.2f s): the trace parsed, laid out and walked once\n", "",
	       (double)bt_open_us / 1e6, (double)bt_open_cpu_us / 1e6);
	if (bt->play.n)
		bench_print_set("play", &bt->play, bt->split);
	if (bt->sweep.n)
		bench_print_set("sweep", &bt->sweep, bt->split);
	if (bt->scrub.n)
		bench_print_set("scrub", &bt->scrub, bt->split);
	printf("%-28s layers: %llu copied, %llu drawn", "", (unsigned long long)app->fc->hits,
	       (unsigned long long)app->fc->misses);
	if (bt->njumps)
		printf("; %zu play jumps: mean %.2f ms, max %.2f ms", bt->njumps,
		       (double)bt->jump_sum / (double)bt->njumps / 1000, (double)bt->jump_max / 1000);
	if (bt->scrub.n)
		printf("; %zu of %zu seeks backwards", bt->back, bt->scrub.n);
	for (size_t i = 0; bt->split && i < ARRAY_LEN(bt->slow) && bt->slow[i].cpu; i++)
		printf("\n%-28s slow %s frame: cpu %.2f ms, snapshot %.2f ms, %ld events walked "
		       "first, %ld checkpoints taken, %ld layers drawn, at %.6f-%.6f s", "",
		       bt->slow[i].set == 'w' ? "sweep" : "scrub", (double)bt->slow[i].cpu / 1000,
		       (double)bt->slow[i].snap_cpu / 1000, bt->slow[i].walked_new,
		       bt->slow[i].ckpts, bt->slow[i].layers, (double)bt->slow[i].t0 / 1e6,
		       (double)bt->slow[i].t1 / 1e6);
	if (bt->verify)
		printf("; verify: %zu of %zu frames differ without the cache", bt->differ,
		       bt->play.n + bt->sweep.n + bt->scrub.n);
	double nev = app->model->nev ? (double)app->model->nev : 1.0;
	size_t rec = snap_rec_bytes(&app->snap);
	printf("\n%-28s snapshot: %zu checkpoints, one every %ld events, %.1f KiB (%.1f B/event); "
	       "walk records %.1f KiB (%.1f B/event)\n", "", app->snap.nckpt, app->snap.ckpt_every,
	       (double)app->snap.ckpt_bytes / 1024, (double)app->snap.ckpt_bytes / nev,
	       (double)rec / 1024, (double)rec / nev);
}

enum bench_mode { BENCH_BOTH, BENCH_PLAY_ONLY, BENCH_SCRUB_ONLY };

static int bench_one(const char *path, int w, int h, int speed_q, long max_frames, long nseeks,
		     bool verify, bool split, enum bench_mode mode)
{
	struct bench_input b;
	char err[256];

	if (!bench_load(&b, path))
		return 1;
	struct view_input in = {b.scn ? b.scn->title : path, b.hosts, b.scn ? b.scn->nhosts : 0,
				b.trace.data, b.trace.len, NULL};
	int64_t o0 = now_us(), oc0 = process_cpu_us();
	struct view_app *app = app_new(&in, err, sizeof err);
	bt_open_us = now_us() - o0;
	bt_open_cpu_us = process_cpu_us() - oc0;
	SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
	SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
	if (!app || !r) {
		fprintf(stderr, "bench_frame: %s: %s\n", path, app ? SDL_GetError() : err);
		return 1;
	}
	app_attach(app, r, NULL);
	if (!app_resize(app, w, h, err, sizeof err)) {
		fprintf(stderr, "bench_frame: %s\n", err);
		return 1;
	}
	struct bench_times bt = {0};
	bt.verify = verify ? surf : NULL;
	bt.split = split;
	if (mode != BENCH_SCRUB_ONLY)
		bench_play(app, r, speed_q, max_frames, &bt);
	if (mode != BENCH_PLAY_ONLY)
		bench_scrub(app, r, nseeks, &bt);
	bench_print(b.scn && b.scn->name ? b.scn->name : path, app, &bt, speed_q, max_frames, w, h);
	bench_set_free(&bt.play);
	bench_set_free(&bt.sweep);
	bench_set_free(&bt.scrub);
	app_free(app); /* before the renderer: its textures */
	SDL_DestroyRenderer(r);
	SDL_FreeSurface(surf);
	bench_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int w = 1920, h = 1080, speed_q = 4, rc = 0, nfiles = 0;
	long max_frames = 0;
	bool verify = false, split = false;
	enum bench_mode mode = BENCH_BOTH;
	long nseeks = BENCH_SEEKS;
	const char *files[64];
	const char *src = getenv("MAILSIM_SOURCE_DIR");

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			sscanf(argv[++i], "%dx%d", &w, &h);
		else if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc)
			speed_q = atoi(argv[++i]);
		else if (strcmp(argv[i], "--verify") == 0)
			verify = true;
		else if (strcmp(argv[i], "--split") == 0)
			split = true;
		else if (strcmp(argv[i], "--seeks") == 0 && i + 1 < argc)
			nseeks = atol(argv[++i]);
		else if (strcmp(argv[i], "--play") == 0)
			mode = BENCH_PLAY_ONLY;
		else if (strcmp(argv[i], "--scrub") == 0)
			mode = BENCH_SCRUB_ONLY;
		else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
			max_frames = atol(argv[++i]);
		else if (nfiles < 64)
			files[nfiles++] = argv[i];
	}
	char *defaults[2] = {
		xasprintf("%s/scenarios/basic-delivery.json", src && *src ? src : "."),
		xasprintf("%s/scenarios/dead-domain.json", src && *src ? src : "."),
	};
	if (nfiles == 0) {
		files[nfiles++] = defaults[0];
		files[nfiles++] = defaults[1];
	}
	if (TTF_Init() != 0) {
		fprintf(stderr, "bench_frame: %s\n", TTF_GetError());
		return 1;
	}
	for (int i = 0; i < nfiles; i++)
		rc |= bench_one(files[i], w, h, speed_q, max_frames, nseeks, verify, split, mode);
	TTF_Quit();
	free(defaults[0]);
	free(defaults[1]);
	return rc;
}


