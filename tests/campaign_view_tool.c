/* campaign_view_tool.c — prints what the campaign panel's model
 * (render/view/campaign_view.c) holds at given trace times, one JSON
 * object per time, for tests/campaign/campaign_view_check.py to compare
 * with its own count from the same JSONL.
 *
 * usage: campaign_view_tool TRACE.jsonl SECONDS...   ("29.000000";
 * "-" means before the first event) */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_view.h"
#include "trace_model.h"
#include "util.h"

/* What the scene description says of the panel (cv_scene_json), plus
 * what only the model holds: blocks, suppression-list additions, the
 * curve, the threshold and the pause point, each gauge's update count. */
static cJSON *state_json(const struct cv_model *cv, const struct tm_model *m)
{
	static const float nobox[4] = {0, 0, 0, 0};
	cJSON *o = cv_scene_json(cv, m, nobox);
	cJSON *cs = cJSON_GetObjectItem(o, "campaigns"), *gs = cJSON_GetObjectItem(o, "reputation");

	for (size_t i = 0; i < cv->ncamps; i++) {
		const struct cv_campaign *c = &cv->camps[i];
		cJSON *co = cJSON_GetArrayItem(cs, (int)i);
		cJSON_AddNumberToObject(co, "blocked", (double)c->now.blocked);
		cJSON_AddNumberToObject(co, "listed", (double)c->now.listed);
		cJSON_AddNumberToObject(co, "curve_points", (double)c->ncurve_now);
		cJSON *last = cJSON_AddArrayToObject(co, "curve_last");
		if (c->ncurve_now) {
			const struct cv_point *p = &c->curve[c->ncurve_now - 1];
			cJSON_AddItemToArray(last, cJSON_CreateNumber(p->sent));
			cJSON_AddItemToArray(last, cJSON_CreateNumber(p->hard));
		}
		cJSON_AddNumberToObject(co, "threshold_bp", c->threshold_bp);
		cJSON_AddNumberToObject(co, "pause_sent", c->pause_ev >= 0 ? (double)c->pause_sent : -1);
		cJSON_AddNumberToObject(co, "pause_rate_bp", c->pause_ev >= 0 ? c->pause_rate_bp : -1);
	}
	for (size_t i = 0; i < cv->ngauges; i++)
		cJSON_AddNumberToObject(cJSON_GetArrayItem(gs, (int)i), "updates",
					(double)cv->gauges[i].updates);
	cJSON_DeleteItemFromObject(o, "box");
	return o;
}

int main(int argc, char **argv)
{
	char err[256];

	if (argc < 3) {
		fprintf(stderr, "usage: campaign_view_tool TRACE.jsonl SECONDS...\n");
		return 2;
	}
	/* The model borrows the text: tm_open maps the file and tm_free
	 * releases it. */
	struct tm_model *m = tm_open(argv[1], NULL, 0, err, sizeof err);
	if (!m) {
		fprintf(stderr, "campaign_view_tool: %s: %s\n", argv[1], err);
		return 2;
	}
	struct cv_model *cv = cv_build(m);
	for (int a = 2; a < argc; a++) {
		int64_t us = 0;
		long cursor = -1;
		if (strcmp(argv[a], "-") != 0) {
			if (!tm_parse_seconds(argv[a], strlen(argv[a]), &us)) {
				fprintf(stderr, "campaign_view_tool: bad time %s\n", argv[a]);
				return 2;
			}
			cursor = tm_event_at_time(m, us);
		}
		cv_seek(cv, cursor);
		cJSON *o = state_json(cv, m);
		cJSON_AddStringToObject(o, "t", argv[a]);
		cJSON_AddNumberToObject(o, "cursor", (double)cursor);
		char *s = cJSON_PrintUnformatted(o);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(o);
	}
	cv_free(cv);
	tm_free(m);
	return 0;
}
