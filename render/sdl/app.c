/* app.c — building the viewer's state from its input, sizing it for a
 * renderer, and drawing a whole frame (see scene.h). */
#include "scene.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"
#include "util.h"

/* The pacing (pace.c) decides how long each event and gap holds the
 * screen; the timeline maps display time to events with it. */
static struct tl_map *app_build_timeline(const struct tm_model *m)
{
	size_t n = m->nev ? m->nev : 1;
	int64_t *t = xmalloc(n * sizeof *t);
	int64_t *dwell = xmalloc(n * sizeof *dwell), *gap = xmalloc(n * sizeof *gap);

	for (size_t i = 0; i < m->nev; i++)
		t[i] = m->ev[i].t_us;
	pace_compute(m, PACE_BUDGET_US, dwell, gap);
	pace_hold_narration(m, dwell, gap);
	struct tl_map *map = tl_adopt(t, dwell, gap, m->nev);
	free(gap);
	return map;
}

/* Links are unordered host pairs; the flow/ask edges carry direction we
 * do not draw. */
static void app_build_links(struct view_app *app)
{
	struct lay_edge *e;
	size_t n = lay_edges_from_trace(app->model, &e), k = 0;

	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = (e[j].from == e[i].from && e[j].to == e[i].to) ||
			      (e[j].from == e[i].to && e[j].to == e[i].from);
		if (!dup)
			e[k++] = e[i];
	}
	app->links = e;
	app->nlinks = k;
}

static int app_node_named(const struct tm_model *m, const char *name, size_t len)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (strlen(m->nodes[i].name) == len && strncmp(m->nodes[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* "host:NAME[/queue|/mailboxes|/zone]" or "msg:ID" (view_input.inspect). */
static bool app_open_inspector(struct view_app *app, const char *spec, char *err,
			       size_t errsz)
{
	static const char *const tabs[INSP_TAB_COUNT] = {
		[INSP_QUEUE] = "queue", [INSP_MAILBOX] = "mailboxes", [INSP_ZONE] = "zone",
	};

	if (strncmp(spec, "msg:", 4) == 0 && tm_msg_find(app->model, spec + 4) >= 0) {
		app_inspect_msg(app, tm_msg_find(app->model, spec + 4));
		return true;
	}
	const char *name = spec + 5, *slash = strchr(name, '/');
	size_t len = slash ? (size_t)(slash - name) : strlen(name);
	int host = strncmp(spec, "host:", 5) == 0 ? app_node_named(app->model, name, len) : -1;
	for (int t = 0; host >= 0 && t < INSP_TAB_COUNT; t++)
		if (!slash || strcmp(slash + 1, tabs[t]) == 0) {
			app_inspect_host(app, host);
			app->insp.tab = slash ? (enum insp_tab)t : app->insp.tab;
			return true;
		}
	snprintf(err, errsz, "inspect \"%s\": want host:NAME[/queue|/mailboxes|/zone] "
		 "or msg:ID naming a host or message of this trace", spec);
	return false;
}

/* The walk at open (see app_new) on a thread of its own. */
struct app_walk {
	struct snap *snap;
	struct tm_model *m;
};

static void *app_walk_run(void *arg)
{
	struct app_walk *w = arg;

	snap_build(w->snap, w->m, (long)w->m->nev - 1, (long)w->m->nev - 1);
	return NULL;
}

struct view_app *app_new(const struct view_input *in, char *err, size_t errsz)
{
	struct tm_model *m = tm_parse(in->trace, in->trace_len, in->hosts, in->nhosts,
				      err, errsz);
	if (!m)
		return NULL;
	struct view_app *app = xcalloc(1, sizeof *app);
	app->card_ev = -1;
	app->title = xstrdup(in->title ? in->title : "mailsim");
	app->model = m;
	snap_init(&app->snap);
	/* Walk the whole trace once while it opens. Dragging the timeline
	 * then finds a record and a checkpoint everywhere (a seek restores
	 * and replays: about 1 ms of a frame on campaign-100k) instead of
	 * reading each line it passes for the first time (about 200 ns an
	 * event: 40,000 events and 9 ms in each frame of a quick drag across
	 * that trace). The first frame seeks back to the start.
	 *
	 * The walk runs on a second thread while this one paces the timeline:
	 * on two cores the open then costs the longer of the two, not their
	 * sum. They share the model and write disjoint parts of it: the walk
	 * reads lines through tm_peek, which adds to the model's interned
	 * values (and nothing else reads them until the join); the pacing reads
	 * event records and lines, and builds the lazy fields of narrate and
	 * unknown-kind events (tm_text, tm_kind_name), which the walk never
	 * reads. Both may parse a line with cJSON, which is safe on several
	 * threads as long as nobody calls cJSON_GetErrorPtr or sets hooks
	 * meanwhile (cJSON's README); the hooks are set only while a scenario
	 * loads. Without a thread the walk runs here, after the pacing. */
	struct app_walk walk = {&app->snap, m};
	pthread_t walker; /* POSIX threads, not C11's: ThreadSanitizer sees these */
	bool threaded = m->nev && pthread_create(&walker, NULL, app_walk_run, &walk) == 0;
	app->tmap = app_build_timeline(m);
	if (threaded)
		pthread_join(walker, NULL);
	else if (m->nev)
		app_walk_run(&walk);
	app->gap_order = tl_gaps_by_length(app->tmap);
	app->nodes = lay_nodes_for_model(m);
	app_build_links(app);
	lad_init(&app->lad);
	pb_init(&app->pb);
	app->pal = &pal_high_contrast;
	app->user_scale = 1.0;
	app->snap_cursor = app->snap_from = -2;
	evf_init(&app->filter);
	app_refilter(app);
	app->ladder_conn = -1;
	app->last_cursor = -2;
	app->beat_paused = -1;
	insp_init(&app->insp.view);
	app->insp.built_for = -2;
	vm_init(&app->frame);
	app->camp = cv_build(m);
	app->camp_on = cv_has_content(app->camp);
	app->aggregate = vmt_aggregate(m);
	if (in->inspect && !app_open_inspector(app, in->inspect, err, errsz)) {
		app_free(app);
		return NULL;
	}
	return app;
}

void app_free(struct view_app *app)
{
	if (!app)
		return;
	fc_free(app->fc); /* its textures, before the renderer goes */
	dc_free(app->dc);
	cv_free(app->camp);
	lad_free(&app->lad);
	snap_free(&app->snap);
	vm_free(&app->frame);
	insp_free(&app->insp.view);
	free(app->rows);
	hits_free(&app->cx.hits);
	free(app->links);
	free(app->nodes);
	free(app->gap_order);
	tl_free(app->tmap);
	tm_free(app->model);
	free(app->title);
	free(app);
}

void app_attach(struct view_app *app, SDL_Renderer *r, SDL_Window *win)
{
	app->dc = dc_new(r);
	app->fc = fc_new(r);
	app->win = win;
	app->cx.dc = app->dc;
}

/* Text grows with the window and with the user's scale; projector mode
 * sets everything 1.4 times larger. */
static int app_font_px(int w, int h, double user_scale, bool projector)
{
	double auto_scale = (double)w / 1280 < (double)h / 800 ? (double)w / 1280
							      : (double)h / 800;
	auto_scale = auto_scale < 0.7 ? 0.7 : auto_scale > 2.5 ? 2.5 : auto_scale;
	int px = (int)(18 * auto_scale * user_scale * (projector ? 1.4 : 1) + 0.5);
	return px < 8 ? 8 : px > 120 ? 120 : px;
}

/* The smallest text anywhere: 16 px (28 px on a projector, readable from
 * the back of a classroom), larger with a user scale above 1. */
int app_min_px(const struct view_app *app)
{
	double s = app->user_scale > 1 ? app->user_scale : 1;
	return (int)((app->projector ? APP_MIN_PX_PROJECTOR : APP_MIN_PX) * s + 0.5);
}

bool app_resize(struct view_app *app, int w, int h, char *err, size_t errsz)
{
	app->w = w;
	app->h = h;
	app->fs = app_font_px(w, h, app->user_scale, app->projector);
	app->layout_epoch++;
	if (!dc_set_px(app->dc, app->fs, app_min_px(app), err, errsz))
		return false;
	(app->projector ? lay_panels_projector : lay_panels)(w, h, dc_line_h(app->dc, DC_SANS),
							       app->insp.mode != INSP_OFF,
							       &app->panels);
	if (app->camp_on && cv_has_content(app->camp))
		lay_panels_campaign(dc_line_h(app->dc, DC_SANS), app->projector, &app->panels);
	return true;
}

void app_refilter(struct view_app *app)
{
	free(app->rows);
	app->rows = evf_rows(&app->filter, app->model, &app->nrows);
	app->list_scroll = 0;
}

/* Decisions whose event started less than BADGE_LIFE_US of display time
 * ago stay pinned on their host. */
static long app_badge_from(const struct view_app *app)
{
	long from = tl_event_at(app->tmap, app->pb.d_us - BADGE_LIFE_US);

	return app->pb.d_us < BADGE_LIFE_US ? 0 : from + 1;
}

static void app_update_inspector(struct view_app *app, long cursor)
{
	struct insp_state *in = &app->insp;

	if (in->mode == INSP_OFF || in->built_for == cursor)
		return;
	if (in->mode == INSP_HOST_VIEW)
		insp_host(&in->view, app->model, &app->snap, in->host, in->tab);
	else
		insp_message(&in->view, app->model, in->msg, cursor);
	in->built_for = cursor;
}

void app_update_state(struct view_app *app)
{
	long cursor = pb_cursor(&app->pb, app->tmap), from = app_badge_from(app);

	if (cursor != app->snap_cursor || from != app->snap_from) {
		snap_build(&app->snap, app->model, from, cursor);
		app->snap_cursor = cursor;
		app->snap_from = from;
		app->insp.built_for = -2;
	}
	app_update_inspector(app, cursor);
}

static void app_relayout(struct view_app *app)
{
	char err[256];

	if (app->dc && app->w > 0 && !app_resize(app, app->w, app->h, err, sizeof err))
		fprintf(stderr, "mailsim: %s\n", err);
}

void app_inspect_host(struct view_app *app, int host)
{
	if (host < 0 || (size_t)host >= app->model->nnodes)
		return;
	app->insp = (struct insp_state){INSP_HOST_VIEW, host, -1,
					insp_default_tab(app->model, host), app->insp.view, -2, 0};
	app_relayout(app);
}

void app_inspect_msg(struct view_app *app, int msg_idx)
{
	if (msg_idx < 0 || (size_t)msg_idx >= app->model->nmsgs)
		return;
	app->insp = (struct insp_state){INSP_MSG_VIEW, -1, msg_idx, INSP_QUEUE,
					app->insp.view, -2, 0};
	app_relayout(app);
}

void app_inspect_close(struct view_app *app)
{
	app->insp.mode = INSP_OFF;
	app_relayout(app);
}

/* The view model first; the panels draw from it and record their texts
 * into it. */
static void app_build_frame(struct view_app *app, long cursor)
{
	struct vm_inputs in = {
		.model = app->model, .tmap = app->tmap, .nodes = app->nodes,
		.links = app->links, .nlinks = app->nlinks,
		.snap = &app->snap, .cursor = cursor,
		.progress_permille = pb_progress_permille(&app->pb, app->tmap),
		.clock_us = pb_clock(&app->pb, app->tmap), .width = app->w, .height = app->h,
		.topo = app->panels.topo,
		.topo_top = (float)app->panels.topo.y + (float)dc_line_h(app->dc, DC_SMALL) +
			    (float)app->fs * 0.5f,
		.fs = (float)app->fs, .line_h = (float)dc_line_h(app->dc, DC_SANS),
		.card_ev = app->card_ev, .aggregate = app->aggregate,
		.label_h = topo_label_h, .label_ctx = app->dc,
		.layout_epoch = app->layout_epoch,
	};

	if (app->card_ev > cursor) /* stepped back before the decision */
		in.card_ev = app->card_ev = -1;

	app->frame.record_texts = true;
	vm_build(&app->frame, &in);
	app->frame.projector = app->projector;
	app->frame.legend = app->legend;
	app->dc->rec = &app->frame;
	app->cx.dc = app->dc;
	app->cx.pal = app->pal;
	app->cx.fs = app->fs;
	app->cx.projector = app->projector;
	app->cx.frame = &app->frame;
	app->frame.campaign = NULL; /* scene_campaign sets it when it draws */
	app->frame.campaign_box = (struct vm_box){0, 0, 0, 0};
}

/* Do the panels about to be drawn cover the whole target? They never
 * overlap (lay_panels), so their areas add up to the target's exactly
 * when they do; then a clear first would only write every pixel twice. */
static bool app_panels_cover(const struct view_app *app)
{
	const struct lay_panels *p = &app->panels;
	const struct lay_rect *r[] = {&p->title,    &p->topo,     &p->list,
				      &p->ladder,   &p->caption,  &p->controls,
				      &p->timeline, &p->inspector, &p->campaign};
	long long area = 0;

	if (app->frame.card_open || (app->insp.mode == INSP_OFF && p->inspector.w > 0))
		return false;
	for (size_t i = 0; i < ARRAY_LEN(r); i++)
		if (r[i]->w > 0 && r[i]->h > 0)
			area += (long long)r[i]->w * r[i]->h;
	return area == (long long)app->w * app->h;
}

void app_draw(struct view_app *app)
{
	long cursor = pb_cursor(&app->pb, app->tmap);

	hits_clear(&app->cx.hits);
	if (cursor != app->last_cursor) {
		app->last_cursor = cursor;
		app->list_scroll = 0;
	}
	app_update_state(app);
	lad_build(&app->lad, app->model, cursor);
	app_build_frame(app, cursor);
	if (!app_panels_cover(app))
		dc_clear(app->dc, app->pal->bg);
	if (app->frame.card_open) {
		scene_card(app); /* in place of the network and the lists */
	} else {
		scene_topo(app);
		scene_chain(app);
		if (app->panels.list.w > 0)
			scene_list(app);
		if (app->panels.ladder.w > 0)
			scene_ladder(app);
		if (app->insp.mode != INSP_OFF)
			scene_inspector(app);
	}
	scene_campaign(app);
	scene_caption(app);
	scene_controls(app);
	scene_timeline(app);
	scene_title(app);
	dc_clip(app->dc, NULL);
	if (app->help)
		scene_help(app);
	else if (app->legend)
		scene_legend(app);
}
