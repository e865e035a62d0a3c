/* vmodel_json.c — the view model of one frame written as the scene
 * description (vm_scene_json, see vmodel.h): what `mailsim render
 * --scene` prints and the tests read, one JSON object per frame. An
 * aggregated frame's resting messages are listed here from the snapshot
 * (the drawing shows counts instead). */
#include "vmodel.h"

#include <math.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "campaign_view.h"
#include "util.h"

static cJSON *vm_box_json(struct vm_box b)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateNumber(floorf(b.x + 0.5f)));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(floorf(b.y + 0.5f)));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(floorf(b.w + 0.5f)));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(floorf(b.h + 0.5f)));
	return a;
}

static void vm_add_msg(cJSON *o, const struct tm_model *m, int msg)
{
	if (msg >= 0)
		cJSON_AddStringToObject(o, "msg", m->msgs[msg].id);
	else
		cJSON_AddNullToObject(o, "msg");
}

static cJSON *vm_hosts_json(const struct vm_frame *f)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < f->nhosts; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", f->hosts[i].name);
		cJSON_AddStringToObject(o, "role", f->hosts[i].role);
		cJSON_AddItemToObject(o, "box", vm_box_json(f->hosts[i].box));
		cJSON_AddStringToObject(o, "label", f->hosts[i].label);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *vm_groups_json(const struct vm_frame *f)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < f->ngroups; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", f->groups[i].name);
		cJSON_AddItemToObject(o, "box", vm_box_json(f->groups[i].box));
		cJSON *hs = cJSON_AddArrayToObject(o, "hosts");
		for (size_t h = 0; h < f->nhosts; h++)
			if (f->hosts[h].group == (int)i)
				cJSON_AddItemToArray(hs, cJSON_CreateString(f->hosts[h].name));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *vm_links_json(const struct vm_frame *f, const struct tm_model *m)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < f->nlinks; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "from", m->nodes[f->links[i].from].name);
		cJSON_AddStringToObject(o, "to", m->nodes[f->links[i].to].name);
		cJSON_AddBoolToObject(o, "mail", f->links[i].flow);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *vm_moving_json(const struct vm_frame *f, const struct tm_model *m)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < f->nmoving; i++) {
		const struct vm_moving *mv = &f->moving[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", mv->kind);
		vm_add_msg(o, m, mv->msg);
		cJSON_AddStringToObject(o, "from_host", m->nodes[mv->from].name);
		cJSON_AddStringToObject(o, "to_host", m->nodes[mv->to].name);
		cJSON_AddNumberToObject(o, "pos", floorf(mv->pos * 1000 + 0.5f) / 1000);
		cJSON_AddNumberToObject(o, "trace_event", (double)mv->ev);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *vm_decisions_json(const struct vm_frame *f, const struct tm_model *m)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < f->ndec; i++) {
		const struct vm_decision *d = &f->dec[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "host", m->nodes[d->host].name);
		cJSON_AddStringToObject(o, "kind", d->kind);
		cJSON_AddStringToObject(o, "text", d->text);
		cJSON_AddNumberToObject(o, "trace_event", (double)d->ev);
		cJSON_AddBoolToObject(o, "current", d->current);
		cJSON_AddItemToObject(o, "box", vm_box_json(d->box));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *vm_resting_json(const struct vm_frame *f, const struct tm_model *m)
{
	cJSON *a = cJSON_CreateArray();
	struct vm_resting *rest = f->rest, *own = NULL;
	size_t n = f->nrest, cap = 0;

	if (f->aggregate && f->snap) /* not listed for the drawing: listed now */
		n = vm_resting_fill(f->snap, m, f->event, &own, &cap), rest = own;
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		vm_add_msg(o, m, rest[i].msg);
		cJSON_AddStringToObject(o, "host", m->nodes[rest[i].host].name);
		cJSON_AddStringToObject(o, "place", rest[i].place);
		cJSON_AddItemToArray(a, o);
	}
	free(own);
	return a;
}

static cJSON *vm_texts_json(const struct vm_frame *f)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < f->ntexts; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "text", f->texts[i].text);
		cJSON_AddItemToObject(o, "box", vm_box_json(f->texts[i].box));
		cJSON_AddNumberToObject(o, "px", f->texts[i].px);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *vm_chain_json(const struct vm_frame *f, const struct tm_model *m)
{
	if (f->chain.host < 0)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject(), *st = cJSON_AddArrayToObject(o, "stages");
	cJSON_AddStringToObject(o, "host", m->nodes[f->chain.host].name);
	cJSON_AddNumberToObject(o, "conn", (double)f->chain.conn);
	for (int s = 0; s < CH_COUNT; s++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", chain_stage_name((enum chain_stage)s));
		cJSON_AddStringToObject(x, "state", chain_state_name(f->chain.st[s]));
		cJSON_AddItemToArray(st, x);
	}
	cJSON_AddItemToObject(o, "box", vm_box_json(f->chain_box));
	return o;
}

static cJSON *vm_waterfall_json(const struct card_waterfall *w)
{
	cJSON *o = cJSON_CreateObject(), *bars = cJSON_AddArrayToObject(o, "bars");
	cJSON *th = cJSON_AddArrayToObject(o, "thresholds");

	for (size_t i = 0; i < w->nbars; i++) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "symbol", w->bars[i].symbol);
		cJSON_AddNumberToObject(b, "score", w->bars[i].score);
		cJSON_AddStringToObject(b, "detail", w->bars[i].detail);
		cJSON_AddItemToArray(bars, b);
	}
	for (int t = 0; t < CARD_TH_COUNT; t++) {
		if (!w->th_on[t])
			continue;
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", card_th_name((enum card_th)t));
		cJSON_AddNumberToObject(x, "score", w->th[t]);
		cJSON_AddItemToArray(th, x);
	}
	cJSON_AddNumberToObject(o, "total", w->total);
	cJSON_AddStringToObject(o, "action", w->action);
	return o;
}

static cJSON *vm_card_json(const struct vm_frame *f, const struct tm_model *m)
{
	const struct card *c = &f->card;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "trace_event", (double)c->ev);
	cJSON_AddStringToObject(o, "host", c->host >= 0 ? m->nodes[c->host].name : "");
	cJSON_AddStringToObject(o, "kind", c->kind);
	cJSON_AddStringToObject(o, "title", c->title);
	cJSON_AddStringToObject(o, "reason", c->reason);
	cJSON_AddStringToObject(o, "rule", c->rule);
	cJSON_AddStringToObject(o, "reply", c->reply);
	cJSON_AddStringToObject(o, "dns", c->dns);
	cJSON *rs = cJSON_AddArrayToObject(o, "recipients");
	for (size_t i = 0; i < c->nrcpts; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "rcpt", c->rcpts[i].rcpt);
		cJSON_AddStringToObject(r, "fate", c->rcpts[i].fate);
		cJSON_AddStringToObject(r, "status", c->rcpts[i].status);
		cJSON_AddItemToArray(rs, r);
	}
	if (c->spam.nbars)
		cJSON_AddItemToObject(o, "waterfall", vm_waterfall_json(&c->spam));
	else
		cJSON_AddNullToObject(o, "waterfall");
	cJSON_AddItemToObject(o, "box", vm_box_json(f->card_box));
	return o;
}

char *vm_scene_json(const struct vm_frame *f, const struct tm_model *m)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "event", (double)f->event);
	cJSON_AddStringToObject(o, "clock", f->clock);
	if (f->narration)
		cJSON_AddStringToObject(o, "narration", f->narration);
	else
		cJSON_AddNullToObject(o, "narration");
	cJSON_AddBoolToObject(o, "projector", f->projector);
	cJSON_AddBoolToObject(o, "legend", f->legend);
	cJSON *win = cJSON_AddArrayToObject(o, "window");
	cJSON_AddItemToArray(win, cJSON_CreateNumber(f->width));
	cJSON_AddItemToArray(win, cJSON_CreateNumber(f->height));
	cJSON_AddItemToObject(o, "hosts", vm_hosts_json(f));
	cJSON_AddItemToObject(o, "groups", vm_groups_json(f));
	cJSON_AddItemToObject(o, "links", vm_links_json(f, m));
	cJSON_AddItemToObject(o, "moving", vm_moving_json(f, m));
	cJSON_AddItemToObject(o, "decisions", vm_decisions_json(f, m));
	cJSON_AddItemToObject(o, "resting", vm_resting_json(f, m));
	cJSON_AddBoolToObject(o, "aggregate", f->aggregate);
	if (f->aggregate)
		vmt_json(&f->traffic, m, o);
	cJSON_AddItemToObject(o, "texts", vm_texts_json(f));
	cJSON_AddItemToObject(o, "checks", vm_chain_json(f, m));
	const struct vm_box *cb = &f->campaign_box;
	const float box[4] = {cb->x, cb->y, cb->w, cb->h};
	cJSON_AddItemToObject(o, "campaign", f->campaign ? cv_scene_json(f->campaign, m, box)
							 : cJSON_CreateNull());
	if (f->card_open)
		cJSON_AddItemToObject(o, "card", vm_card_json(f, m));
	else
		cJSON_AddNullToObject(o, "card");
	char *s = cJSON_Print(o);
	cJSON_Delete(o);
	char *out = xstrdup(s);
	cJSON_free(s);
	return out;
}
