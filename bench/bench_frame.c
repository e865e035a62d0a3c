/* bench_frame.c — frame time of the viewer (not a test: it prints figures).
 *
 *   bench_frame [--size WxH] [--speed Q] [--frames N] [--verify] [SCENARIO.json ...]
 *
 * For each scenario (default: scenarios/basic-delivery.json and
 * scenarios/dead-domain.json, the largest, under $MAILSIM_SOURCE_DIR or
 * .), the trace is made in memory, then played from start to end at 1x
 * (or Q quarters: 4 = 1x) in 60 Hz steps with the software renderer on a
 * WxH surface (default 1920x1080), the same drawing code as the window.
 * Each frame's wall time (update + draw + flush) is recorded; the median
 * and 99th percentile are printed with the frame count, and the same for
 * the thread's CPU time (a shared machine's load inflates wall time, not
 * CPU time). The software renderer is the slow case: a window's GPU
 * renderer only copies faster.
 *
 * --frames N samples a long trace instead of playing it whole: 20 stretches
 * of N/20 frames each, starting at evenly spaced display times. The first
 * frame of a stretch follows a jump (the snapshot walks the events skipped
 * over): it is timed apart, as a jump, not as a played frame. A trace of
 * 10,000 messages is a scenario too: `bench_scale --write FILE 10000`
 * writes it (the basic-delivery world with generated messages), and
 * `bench_frame --frames 1200 FILE` plays it.
 *
 * --verify draws every frame a second time without the frame cache's
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
	memset(b, 0, sizeof *b);
	b->scn = scn_load(path, stderr);
	if (!b->scn)
		return false;
	struct world *w = world_new(b->scn, NULL);
	sb_init(&b->trace);
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

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

#define BENCH_STRETCHES 20

struct bench_times {
	int64_t *wall, *cpu;
	size_t n, cap;
	int64_t jump_max, jump_sum; /* frames right after a jump */
	size_t njumps;
	SDL_Surface *verify;  /* the target, when --verify */
	size_t differ;        /* frames whose pixels differ without the cache */
};

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

static void bench_frame_once(struct view_app *app, SDL_Renderer *r, struct bench_times *bt,
			     bool jump)
{
	int64_t t0 = now_us(), c0 = cpu_us();

	pb_advance(&app->pb, app->tmap, FRAME_US);
	app_draw(app);
	SDL_RenderFlush(r);
	if (jump) {
		int64_t t = now_us() - t0;
		bt->jump_max = t > bt->jump_max ? t : bt->jump_max;
		bt->jump_sum += t;
		bt->njumps++;
		return;
	}
	if (bt->n == bt->cap) {
		bt->cap = bt->cap ? 2 * bt->cap : 4096;
		bt->wall = xrealloc(bt->wall, bt->cap * sizeof *bt->wall);
		bt->cpu = xrealloc(bt->cpu, bt->cap * sizeof *bt->cpu);
	}
	bt->wall[bt->n] = now_us() - t0;
	bt->cpu[bt->n++] = cpu_us() - c0;
	if (bt->verify)
		bench_verify(app, r, bt);
}

/* Play the whole trace, or (max_frames > 0) BENCH_STRETCHES stretches
 * spread over it; frame times into *bt. */
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
			bench_frame_once(app, r, bt, false);
		return;
	}
	long per = max_frames / BENCH_STRETCHES > 0 ? max_frames / BENCH_STRETCHES : 1;
	for (int s = 0; s < BENCH_STRETCHES; s++) {
		pb_seek(&app->pb, app->tmap, app->tmap->total * s / BENCH_STRETCHES);
		if (!app->pb.playing)
			pb_toggle(&app->pb, app->tmap);
		for (long k = 0; k < per && app->pb.playing; k++)
			bench_frame_once(app, r, bt, k == 0 && s > 0);
	}
}

static void bench_print(const char *name, const struct view_app *app, const struct bench_times *bt,
			int speed_q, long max_frames, int w, int h)
{
	size_t n = bt->n;

	qsort(bt->wall, n, sizeof *bt->wall, cmp_i64);
	qsort(bt->cpu, n, sizeof *bt->cpu, cmp_i64);
	printf("%-28s %7zu events  %5zu frames (%s%.1f s at %.2gx)  %dx%d  median %6.2f ms  "
	       "p99 %6.2f ms  max %6.2f ms  (cpu: median %6.2f p99 %6.2f max %6.2f)\n", name,
	       app->model->nev, n, max_frames > 0 ? "sampled from " : "",
	       (double)app->tmap->total / 1e6, speed_q / 4.0, w, h,
	       (double)bt->wall[n / 2] / 1000, (double)bt->wall[n * 99 / 100] / 1000,
	       (double)bt->wall[n - 1] / 1000, (double)bt->cpu[n / 2] / 1000,
	       (double)bt->cpu[n * 99 / 100] / 1000, (double)bt->cpu[n - 1] / 1000);
	printf("%-28s layers: %llu copied, %llu drawn", "", (unsigned long long)app->fc->hits,
	       (unsigned long long)app->fc->misses);
	if (bt->njumps)
		printf("; %zu jumps: mean %.2f ms, max %.2f ms", bt->njumps,
		       (double)bt->jump_sum / (double)bt->njumps / 1000, (double)bt->jump_max / 1000);
	if (bt->verify)
		printf("; verify: %zu of %zu frames differ without the cache", bt->differ, n);
	printf("\n");
}

static int bench_one(const char *path, int w, int h, int speed_q, long max_frames, bool verify)
{
	struct bench_input b;
	char err[256];

	if (!bench_load(&b, path))
		return 1;
	struct view_input in = {b.scn->title, b.hosts, b.scn->nhosts, b.trace.data, b.trace.len,
				NULL};
	struct view_app *app = app_new(&in, err, sizeof err);
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
	bench_play(app, r, speed_q, max_frames, &bt);
	if (bt.n)
		bench_print(b.scn->name ? b.scn->name : path, app, &bt, speed_q, max_frames, w, h);
	free(bt.wall);
	free(bt.cpu);
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
	bool verify = false;
	const char *files[64];
	const char *src = getenv("MAILSIM_SOURCE_DIR");

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			sscanf(argv[++i], "%dx%d", &w, &h);
		else if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc)
			speed_q = atoi(argv[++i]);
		else if (strcmp(argv[i], "--verify") == 0)
			verify = true;
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
		rc |= bench_one(files[i], w, h, speed_q, max_frames, verify);
	TTF_Quit();
	free(defaults[0]);
	free(defaults[1]);
	return rc;
}


