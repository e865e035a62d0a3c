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

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	do {
		if (cap - n < 65536)
			buf = xrealloc(buf, cap = cap * 2 + 65536);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

static cJSON *campaign_json(const struct cv_campaign *c)
{
	cJSON *o = cJSON_CreateObject();
	const struct cv_counts *n = &c->now;

	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "phase", cv_phase_name(n->phase));
	cJSON_AddNumberToObject(o, "sent", (double)n->sent);
	cJSON_AddNumberToObject(o, "accepted", (double)n->accepted);
	cJSON_AddNumberToObject(o, "hard", (double)n->hard);
	cJSON_AddNumberToObject(o, "soft", (double)n->soft);
	cJSON_AddNumberToObject(o, "blocked", (double)n->blocked);
	cJSON_AddNumberToObject(o, "suppressed", (double)n->suppressed);
	cJSON_AddNumberToObject(o, "listed", (double)n->listed);
	cJSON *pl = cJSON_AddObjectToObject(o, "placement");
	for (int p = 0; p < CV_NPLACE; p++)
		cJSON_AddNumberToObject(pl, cv_place_name((enum cv_place)p), (double)n->place[p]);
	cJSON_AddNumberToObject(o, "curve_points", (double)c->ncurve_now);
	cJSON *last = cJSON_AddArrayToObject(o, "curve_last");
	if (c->ncurve_now) {
		const struct cv_point *p = &c->curve[c->ncurve_now - 1];
		cJSON_AddItemToArray(last, cJSON_CreateNumber(p->sent));
		cJSON_AddItemToArray(last, cJSON_CreateNumber(p->hard));
	}
	cJSON_AddNumberToObject(o, "threshold_bp", c->threshold_bp);
	cJSON_AddBoolToObject(o, "pause_seen", n->pause_seen);
	cJSON_AddNumberToObject(o, "pause_sent", c->pause_ev >= 0 ? (double)c->pause_sent : -1);
	cJSON_AddNumberToObject(o, "pause_rate_bp", c->pause_ev >= 0 ? c->pause_rate_bp : -1);
	return o;
}

int main(int argc, char **argv)
{
	char err[256];
	size_t len = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: campaign_view_tool TRACE.jsonl SECONDS...\n");
		return 2;
	}
	char *text = slurp(argv[1], &len);
	if (!text) {
		fprintf(stderr, "campaign_view_tool: cannot read %s\n", argv[1]);
		return 2;
	}
	struct tm_model *m = tm_parse(text, len, NULL, 0, err, sizeof err);
	free(text);
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
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "t", argv[a]);
		cJSON_AddNumberToObject(o, "cursor", (double)cursor);
		cJSON *cs = cJSON_AddArrayToObject(o, "campaigns");
		for (size_t i = 0; i < cv->ncamps; i++)
			cJSON_AddItemToArray(cs, campaign_json(&cv->camps[i]));
		cJSON *gs = cJSON_AddArrayToObject(o, "gauges");
		for (size_t i = 0; i < cv->ngauges; i++) {
			const struct cv_gauge *g = &cv->gauges[i];
			cJSON *go = cJSON_CreateObject();
			cJSON_AddStringToObject(go, "host", g->host >= 0 ? m->nodes[g->host].name : "");
			cJSON_AddStringToObject(go, "key", g->key);
			cJSON_AddNumberToObject(go, "score", g->score);
			cJSON_AddStringToObject(go, "level", cv_level_name(g->level));
			cJSON_AddNumberToObject(go, "updates", (double)g->updates);
			cJSON_AddItemToArray(gs, go);
		}
		char *s = cJSON_PrintUnformatted(o);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(o);
	}
	cv_free(cv);
	tm_free(m);
	return 0;
}
