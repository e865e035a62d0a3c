/* bench_frame.c — frame time of the viewer (not a test: it prints figures).
 *
 *   bench_frame [--size WxH] [--speed Q] [SCENARIO.json ...]
 *
 * For each scenario (default: scenarios/basic-delivery.json and
 * scenarios/dead-domain.json, the largest, under $MAILSIM_SOURCE_DIR or
 * .), the trace is made in memory, then played from start to end at 1x
 * (or Q quarters: 4 = 1x) in 60 Hz steps with the software renderer on a
 * WxH surface (default 1920x1080), the same drawing code as the window.
 * Each frame's wall time (update + draw + flush) is recorded; the median
 * and 99th percentile are printed with the frame count. The software
 * renderer is the slow case: a window's GPU renderer only copies faster. */
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

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Play the whole trace; frame times into *out (owned), count returned. */
static size_t bench_play(struct view_app *app, SDL_Renderer *r, int speed_q,
			 int64_t **out)
{
	size_t n = 0, cap = 4096;
	int64_t *t = xmalloc(cap * sizeof *t);

	while (app->pb.speed_idx > 0)
		pb_slower(&app->pb);
	while (pb_speed_quarters(&app->pb) < speed_q && app->pb.speed_idx < 6)
		pb_faster(&app->pb);
	pb_toggle(&app->pb, app->tmap);
	while (app->pb.playing) {
		int64_t t0 = now_us();
		pb_advance(&app->pb, app->tmap, FRAME_US);
		app_draw(app);
		SDL_RenderFlush(r);
		if (n == cap)
			t = xrealloc(t, (cap *= 2) * sizeof *t);
		t[n++] = now_us() - t0;
	}
	*out = t;
	return n;
}

static int bench_one(const char *path, int w, int h, int speed_q)
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
	int64_t *t, play = app->tmap->total;
	size_t n = bench_play(app, r, speed_q, &t);
	qsort(t, n, sizeof *t, cmp_i64);
	printf("%-28s %5zu events  %5zu frames (%.1f s at %.2gx)  %dx%d  median %6.2f ms  "
	       "p99 %6.2f ms  max %6.2f ms\n", b.scn->name ? b.scn->name : path,
	       app->model->nev, n, (double)play / 1e6, speed_q / 4.0, w, h,
	       (double)t[n / 2] / 1000, (double)t[n * 99 / 100] / 1000, (double)t[n - 1] / 1000);
	free(t);
	app_free(app); /* before the renderer: its textures */
	SDL_DestroyRenderer(r);
	SDL_FreeSurface(surf);
	bench_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int w = 1920, h = 1080, speed_q = 4, rc = 0, nfiles = 0;
	const char *files[64];
	const char *src = getenv("MAILSIM_SOURCE_DIR");

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			sscanf(argv[++i], "%dx%d", &w, &h);
		else if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc)
			speed_q = atoi(argv[++i]);
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
		rc |= bench_one(files[i], w, h, speed_q);
	TTF_Quit();
	free(defaults[0]);
	free(defaults[1]);
	return rc;
}


