/* campaign_view.c — see campaign_view.h. */
#include "campaign_view.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounceclass.h"
#include "trace_kinds.h"
#include "trace_model_scan.h"
#include "util.h"

enum cv_op {
	CV_OP_START, CV_OP_SENT, CV_OP_PLACE, CV_OP_MOVE, CV_OP_HARD, CV_OP_SOFT,
	CV_OP_BLOCK, CV_OP_SUPPRESSED, CV_OP_LISTED, CV_OP_PAUSE, CV_OP_RESUME,
	CV_OP_END, CV_OP_GAUGE
};

/* One change: op on campaign (or gauge) idx at event ev; a and b are the
 * op's arguments (a placement and the one it replaces; a level and a
 * score). */
struct cv_delta {
	uint32_t ev;
	uint16_t idx;
	uint8_t op, a;
	int32_t b;
};

/* ---- reading fields without the model's cache ---- */

/* A string field copied into buf (cut to fit); false when absent. */
static bool cv_str(const struct tm_event *e, const char *key, char *buf, size_t n)
{
	struct tms_member mb;

	if (!tms_find(e->line, e->len, key, &mb) || mb.type != TMS_STRING || n == 0)
		return false;
	if (mb.vesc) {
		char *s = tms_unescape(&mb);
		snprintf(buf, n, "%s", s);
		free(s);
	} else {
		size_t len = mb.vlen - 2 < n - 1 ? mb.vlen - 2 : n - 1;
		memcpy(buf, mb.val + 1, len);
		buf[len] = '\0';
	}
	return true;
}

static long cv_num(const struct tm_event *e, const char *key, long dflt)
{
	struct tms_member mb;
	char tmp[24];

	if (!tms_find(e->line, e->len, key, &mb) || mb.type != TMS_NUMBER || mb.vlen >= sizeof tmp)
		return dflt;
	memcpy(tmp, mb.val, mb.vlen);
	tmp[mb.vlen] = '\0';
	return strtol(tmp, NULL, 10);
}

/* "10.0%" (as campaign.pause writes rates) to basis points; -1 if not. */
static int cv_parse_bp(const char *s)
{
	long whole = 0, frac = 0;
	int digits = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9' && whole < 100000)
		whole = whole * 10 + (*p++ - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits < 2) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
	if (*p != '%')
		return -1;
	while (digits++ < 2)
		frac *= 10;
	return (int)(whole * 100 + frac);
}

void cv_format_bp(int bp, char *out, size_t outsz)
{
	if (bp < 0)
		snprintf(out, outsz, "?");
	else if (bp % 100 == 0)
		snprintf(out, outsz, "%d%%", bp / 100);
	else
		snprintf(out, outsz, "%d.%d%%", bp / 100, (bp % 100) / 10);
}

/* The vocabulary's kind of an event the model calls TM_OTHER. */
static bool cv_other_kind(const struct tm_event *e, enum trace_kind *tk)
{
	char name[40];

	return e->kind == TM_OTHER && cv_str(e, "kind", name, sizeof name) &&
	       trace_kind_parse(name, tk);
}

/* ---- the one placement mapping ---- */

static const struct {
	const char *name;
	enum cv_place place;
} cv_results[] = {
	/* queue.done results (sim/trace_kinds.h) */
	{"delivered", CV_INBOX}, {"filed", CV_PROMOTIONS}, {"junk", CV_JUNK},
	{"quarantined", CV_QUARANTINE}, {"dropped", CV_DROPPED},
}, cv_folders[] = {
	/* mailbox.store folders; any other folder (a user's rule, a tab) is
	 * "filed", which the campaign report counts with Promotions */
	{"INBOX", CV_INBOX}, {"Promotions", CV_PROMOTIONS}, {"Junk", CV_JUNK},
	{"Spam", CV_JUNK}, {"Quarantine", CV_QUARANTINE},
};

int cv_place_of(const struct tm_event *e)
{
	char v[64];

	switch (e->kind) {
	case TM_QUEUE_DONE:
		if (cv_str(e, "result", v, sizeof v))
			for (size_t i = 0; i < sizeof cv_results / sizeof *cv_results; i++)
				if (strcmp(v, cv_results[i].name) == 0)
					return (int)cv_results[i].place;
		return -1;
	case TM_MAILBOX_STORE:
		if (!cv_str(e, "folder", v, sizeof v))
			return -1;
		for (size_t i = 0; i < sizeof cv_folders / sizeof *cv_folders; i++)
			if (strcasecmp(v, cv_folders[i].name) == 0)
				return (int)cv_folders[i].place;
		return CV_PROMOTIONS;
	case TM_POLICY_DECISION:
		/* silent filtering: accepted with 250 and never shown */
		if (!cv_str(e, "decision", v, sizeof v))
			return -1;
		if (strcmp(v, policy_decision_name(PD_DISCARD)) == 0)
			return CV_DROPPED;
		if (strcmp(v, policy_decision_name(PD_QUARANTINE)) == 0)
			return CV_QUARANTINE;
		return -1;
	default:
		return -1;
	}
}

const char *cv_place_name(enum cv_place p)
{
	static const char *const n[CV_NPLACE] = {"Inbox", "Promotions", "Junk", "Quarantine",
						 "dropped"};
	return p < CV_NPLACE ? n[p] : "";
}

const char *cv_level_name(enum cv_level l)
{
	static const char *const n[] = {"", "good", "neutral", "poor", "bad"};
	return l <= CV_BAD ? n[l] : "";
}

const char *cv_phase_name(enum cv_phase p)
{
	static const char *const n[] = {"waiting", "sending", "paused", "done"};
	return p <= CV_DONE ? n[p] : "";
}

static enum cv_level cv_parse_level(const char *s)
{
	for (int l = CV_GOOD; l <= CV_BAD; l++)
		if (strcmp(s, cv_level_name((enum cv_level)l)) == 0)
			return (enum cv_level)l;
	return CV_LEVEL_NONE;
}

/* ---- building ---- */

static void cv_push(struct cv_model *cv, size_t ev, size_t idx, enum cv_op op, int a, long b)
{
	if (cv->ndeltas == cv->dcap) {
		cv->dcap = cv->dcap ? cv->dcap * 2 : 256;
		cv->deltas = xrealloc(cv->deltas, cv->dcap * sizeof *cv->deltas);
	}
	cv->deltas[cv->ndeltas++] = (struct cv_delta){(uint32_t)ev, (uint16_t)idx, (uint8_t)op,
						      (uint8_t)a, (int32_t)b};
}

static int cv_camp_named(const struct cv_model *cv, const char *name)
{
	for (size_t i = 0; i < cv->ncamps; i++)
		if (strcmp(cv->camps[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void cv_add_campaign(struct cv_model *cv, const struct tm_event *e, size_t ev)
{
	char name[256], th[32];

	if (!cv_str(e, "campaign", name, sizeof name) || cv_camp_named(cv, name) >= 0 ||
	    cv->ncamps >= UINT16_MAX)
		return;
	cv->camps = xrealloc(cv->camps, (cv->ncamps + 1) * sizeof *cv->camps);
	struct cv_campaign *c = &cv->camps[cv->ncamps++];
	*c = (struct cv_campaign){.name = xstrdup(name), .node = e->node,
				  .recipients = cv_num(e, "recipients", 0), .threshold_bp = -1,
				  .start_ev = (long)ev, .pause_ev = -1, .resume_ev = -1,
				  .end_ev = -1};
	if (cv_str(e, "threshold", th, sizeof th))
		c->threshold_bp = cv_parse_bp(th);
}

/* A campaign message is NAME.N: the campaign's name, a dot, digits. */
static int cv_camp_of_msg(const struct cv_model *cv, const char *id)
{
	for (size_t i = 0; i < cv->ncamps; i++) {
		size_t n = strlen(cv->camps[i].name);
		const char *rest = id + n;
		if (strncmp(id, cv->camps[i].name, n) == 0 && rest[0] == '.' && rest[1] &&
		    strspn(rest + 1, "0123456789") == strlen(rest + 1))
			return (int)i;
	}
	return -1;
}

static int cv_gauge_for(struct cv_model *cv, int host, const char *key)
{
	for (size_t i = 0; i < cv->ngauges; i++)
		if (cv->gauges[i].host == host && strcmp(cv->gauges[i].key, key) == 0)
			return (int)i;
	if (cv->ngauges >= UINT16_MAX)
		return -1;
	cv->gauges = xrealloc(cv->gauges, (cv->ngauges + 1) * sizeof *cv->gauges);
	cv->gauges[cv->ngauges] = (struct cv_gauge){host, xstrdup(key), -1, CV_LEVEL_NONE, 0};
	return (int)cv->ngauges++;
}

static void cv_curve_add(struct cv_campaign *c, size_t ev, long sent, long hard)
{
	if (c->ncurve && c->curve[c->ncurve - 1].ev == ev) {
		c->curve[c->ncurve - 1].sent = (uint32_t)sent;
		c->curve[c->ncurve - 1].hard = (uint32_t)hard;
		return;
	}
	if (c->ncurve == c->curve_cap) {
		c->curve_cap = c->curve_cap ? c->curve_cap * 2 : 16;
		c->curve = xrealloc(c->curve, c->curve_cap * sizeof *c->curve);
	}
	c->curve[c->ncurve++] = (struct cv_point){(uint32_t)ev, (uint32_t)sent, (uint32_t)hard};
}

/* The bulk sender's class of a bounce: the basic code from "said: 550",
 * the enhanced status, the text (bounceclass.h decides); an expiry on
 * 4.x.x replies is soft whatever the last reply said. */
static enum cv_op cv_bounce_op(const struct tm_event *e)
{
	char cls[32], status[32] = "", reason[512] = "";

	if (cv_str(e, "class", cls, sizeof cls) && strcmp(cls, "suppressed") == 0)
		return CV_OP_SUPPRESSED;
	cv_str(e, "status", status, sizeof status);
	cv_str(e, "reason", reason, sizeof reason);
	const char *said = strstr(reason, "said: ");
	int code = said ? atoi(said + 6) : 0;
	struct bounce_class bc = bounce_classify(code >= 200 && code <= 599 ? code : 0, status, reason);
	if (bc.type == BOUNCE_NONE)
		bc.type = status[0] == '4' ? BOUNCE_SOFT : BOUNCE_HARD;
	return bc.type == BOUNCE_HARD ? CV_OP_HARD : bc.type == BOUNCE_SOFT ? CV_OP_SOFT
									   : CV_OP_BLOCK;
}

/* What we keep per message while building: its placement + 1 (0 none)
 * and whether it bounced, so each message counts once. */
struct cv_build {
	struct cv_model *cv;
	int *msg_camp;         /* per model message: its campaign, or -1 */
	uint8_t *msg_place;    /* placement + 1 */
	uint8_t *msg_bounced;
	long *sent, *hard;     /* per campaign, running totals for the curve */
};

static void cv_on_message(struct cv_build *b, const struct tm_event *e, size_t ev)
{
	int ci = e->msg_idx >= 0 ? b->msg_camp[e->msg_idx] : -1;
	if (ci < 0)
		return;
	struct cv_campaign *c = &b->cv->camps[ci];
	if (e->kind == TM_MSG_COMPOSE) {
		cv_push(b->cv, ev, (size_t)ci, CV_OP_SENT, 0, 0);
		cv_curve_add(c, ev, ++b->sent[ci], b->hard[ci]);
	} else if (e->kind == TM_QUEUE_BOUNCE) {
		if (b->msg_bounced[e->msg_idx]++)
			return;
		enum cv_op op = cv_bounce_op(e);
		cv_push(b->cv, ev, (size_t)ci, op, 0, 0);
		if (op == CV_OP_HARD)
			cv_curve_add(c, ev, b->sent[ci], ++b->hard[ci]);
	} else {
		int p = cv_place_of(e);
		uint8_t *had = &b->msg_place[e->msg_idx];
		if (p < 0 || *had == p + 1)
			return;
		cv_push(b->cv, ev, (size_t)ci, *had ? CV_OP_MOVE : CV_OP_PLACE, p, *had - 1);
		*had = (uint8_t)(p + 1);
	}
}

static void cv_on_other(struct cv_build *b, const struct tm_event *e, size_t ev,
			enum trace_kind tk)
{
	struct cv_model *cv = b->cv;
	char name[256], rate[32];

	if (tk == TK_REP_UPDATE) {
		char level[32] = "";
		int g = cv_str(e, "key", name, sizeof name) ? cv_gauge_for(cv, e->node, name) : -1;
		if (g < 0)
			return;
		cv_str(e, "level", level, sizeof level);
		long score = cv_num(e, "score", -1);
		cv_push(cv, ev, (size_t)g, CV_OP_GAUGE, cv_parse_level(level),
			score < 0 ? 0 : score > 100 ? 100 : score);
		return;
	}
	int ci = cv_str(e, "campaign", name, sizeof name) ? cv_camp_named(cv, name) : -1;
	if (ci < 0)
		return;
	struct cv_campaign *c = &cv->camps[ci];
	switch (tk) {
	case TK_CAMPAIGN_START: cv_push(cv, ev, (size_t)ci, CV_OP_START, 0, 0); break;
	case TK_CAMPAIGN_SUPPRESS: cv_push(cv, ev, (size_t)ci, CV_OP_LISTED, 0, 0); break;
	case TK_CAMPAIGN_RESUME:
		c->resume_ev = c->resume_ev < 0 ? (long)ev : c->resume_ev;
		cv_push(cv, ev, (size_t)ci, CV_OP_RESUME, 0, 0);
		break;
	case TK_CAMPAIGN_END:
		c->end_ev = (long)ev;
		cv_push(cv, ev, (size_t)ci, CV_OP_END, 0, 0);
		break;
	case TK_CAMPAIGN_PAUSE:
		if (c->pause_ev < 0) { /* the first pause is the one the curve marks */
			c->pause_ev = (long)ev;
			/* the first pause: its sample is the whole campaign so far
			 * (it is written just before that message's msg.compose) */
			c->pause_sent = cv_num(e, "sent", b->sent[ci]);
			c->pause_rate_bp = cv_str(e, "bounce_rate", rate, sizeof rate)
						   ? cv_parse_bp(rate) : -1;
			if (cv_str(e, "threshold", rate, sizeof rate))
				c->threshold_bp = cv_parse_bp(rate);
		}
		cv_push(cv, ev, (size_t)ci, CV_OP_PAUSE, 0, 0);
		break;
	default: break;
	}
}

struct cv_model *cv_build(const struct tm_model *m)
{
	struct cv_model *cv = xcalloc(1, sizeof *cv);
	enum trace_kind tk;

	cv->cursor = -1;
	for (size_t i = 0; i < m->nev; i++)
		if (cv_other_kind(&m->ev[i], &tk) && tk == TK_CAMPAIGN_START)
			cv_add_campaign(cv, &m->ev[i], i);
	struct cv_build b = {cv, xcalloc(m->nmsgs + 1, sizeof(int)),
			     xcalloc(m->nmsgs + 1, 1), xcalloc(m->nmsgs + 1, 1),
			     xcalloc(cv->ncamps + 1, sizeof(long)),
			     xcalloc(cv->ncamps + 1, sizeof(long))};
	for (size_t i = 0; i < m->nmsgs; i++)
		b.msg_camp[i] = cv->ncamps ? cv_camp_of_msg(cv, m->msgs[i].id) : -1;
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		if (e->kind == TM_OTHER) {
			if (cv_other_kind(e, &tk))
				cv_on_other(&b, e, i, tk);
		} else if (cv->ncamps && e->msg_idx >= 0) {
			cv_on_message(&b, e, i);
		}
	}
	free(b.msg_camp);
	free(b.msg_place);
	free(b.msg_bounced);
	free(b.sent);
	free(b.hard);
	cv_seek(cv, -1);
	return cv;
}

void cv_free(struct cv_model *cv)
{
	if (!cv)
		return;
	for (size_t i = 0; i < cv->ncamps; i++) {
		free(cv->camps[i].name);
		free(cv->camps[i].curve);
	}
	for (size_t i = 0; i < cv->ngauges; i++)
		free(cv->gauges[i].key);
	free(cv->camps);
	free(cv->gauges);
	free(cv->deltas);
	free(cv);
}

bool cv_has_content(const struct cv_model *cv)
{
	return cv && (cv->ncamps > 0 || cv->ngauges > 0);
}

/* ---- seeking ---- */

static void cv_reset(struct cv_model *cv)
{
	for (size_t i = 0; i < cv->ncamps; i++) {
		cv->camps[i].now = (struct cv_counts){.phase = CV_WAITING, .last_ev = -1};
		cv->camps[i].ncurve_now = 0;
	}
	for (size_t i = 0; i < cv->ngauges; i++) {
		cv->gauges[i].score = -1;
		cv->gauges[i].level = CV_LEVEL_NONE;
		cv->gauges[i].updates = 0;
	}
	cv->applied = 0;
	cv->cursor = -1;
}

static void cv_apply(struct cv_model *cv, const struct cv_delta *d)
{
	if (d->op == CV_OP_GAUGE) {
		struct cv_gauge *g = &cv->gauges[d->idx];
		g->score = d->b;
		g->level = (enum cv_level)d->a;
		g->updates++;
		return;
	}
	struct cv_counts *n = &cv->camps[d->idx].now;
	n->last_ev = d->ev;
	switch ((enum cv_op)d->op) {
	case CV_OP_START: n->phase = CV_SENDING; break;
	case CV_OP_SENT: n->sent++; break;
	case CV_OP_PLACE: n->accepted++; n->place[d->a]++; break;
	case CV_OP_MOVE: n->place[d->b]--; n->place[d->a]++; break;
	case CV_OP_HARD: n->hard++; break;
	case CV_OP_SOFT: n->soft++; break;
	case CV_OP_BLOCK: n->blocked++; break;
	case CV_OP_SUPPRESSED: n->suppressed++; break;
	case CV_OP_LISTED: n->listed++; break;
	case CV_OP_PAUSE: n->phase = CV_PAUSED; n->pause_seen = true; break;
	case CV_OP_RESUME: n->phase = CV_SENDING; break;
	case CV_OP_END: n->phase = CV_DONE; break;
	case CV_OP_GAUGE: break;
	}
}

void cv_seek(struct cv_model *cv, long cursor)
{
	if (cursor < cv->cursor || cv->cursor < 0)
		cv_reset(cv);
	while (cv->applied < cv->ndeltas && (long)cv->deltas[cv->applied].ev <= cursor)
		cv_apply(cv, &cv->deltas[cv->applied++]);
	for (size_t i = 0; i < cv->ncamps; i++) {
		struct cv_campaign *c = &cv->camps[i];
		while (c->ncurve_now < c->ncurve && (long)c->curve[c->ncurve_now].ev <= cursor)
			c->ncurve_now++;
	}
	cv->cursor = cursor;
}

int cv_rate_bp(const struct cv_point *p)
{
	return p->sent ? (int)(((int64_t)p->hard * 10000 + p->sent / 2) / p->sent) : 0;
}

size_t cv_focus(const struct cv_model *cv)
{
	size_t best = 0;

	for (size_t i = 1; i < cv->ncamps; i++)
		if (cv->camps[i].now.last_ev > cv->camps[best].now.last_ev)
			best = i;
	return best;
}

struct cJSON *cv_scene_json(const struct cv_model *cv, const struct tm_model *m,
			    const float box[4])
{
	cJSON *o = cJSON_CreateObject();
	cJSON *b = cJSON_AddArrayToObject(o, "box");
	for (int i = 0; i < 4; i++)
		cJSON_AddItemToArray(b, cJSON_CreateNumber(box[i]));
	cJSON *cs = cJSON_AddArrayToObject(o, "campaigns");
	for (size_t i = 0; i < cv->ncamps; i++) {
		const struct cv_campaign *c = &cv->camps[i];
		const struct cv_counts *n = &c->now;
		cJSON *co = cJSON_CreateObject();
		cJSON_AddStringToObject(co, "name", c->name);
		cJSON_AddStringToObject(co, "phase", cv_phase_name(n->phase));
		cJSON_AddNumberToObject(co, "sent", (double)n->sent);
		cJSON_AddNumberToObject(co, "accepted", (double)n->accepted);
		cJSON_AddNumberToObject(co, "hard_bounced", (double)n->hard);
		cJSON_AddNumberToObject(co, "soft_bounced", (double)n->soft);
		cJSON_AddNumberToObject(co, "suppressed", (double)n->suppressed);
		cJSON *pl = cJSON_AddObjectToObject(co, "placement");
		for (int p = 0; p < CV_NPLACE; p++)
			cJSON_AddNumberToObject(pl, cv_place_name((enum cv_place)p),
						(double)n->place[p]);
		cJSON_AddBoolToObject(co, "paused", n->pause_seen);
		cJSON_AddItemToArray(cs, co);
	}
	cJSON *gs = cJSON_AddArrayToObject(o, "reputation");
	for (size_t i = 0; i < cv->ngauges; i++) {
		const struct cv_gauge *g = &cv->gauges[i];
		cJSON *go = cJSON_CreateObject();
		cJSON_AddStringToObject(go, "host", g->host >= 0 && (size_t)g->host < m->nnodes
							    ? m->nodes[g->host].name : "");
		cJSON_AddStringToObject(go, "key", g->key);
		cJSON_AddNumberToObject(go, "score", g->score);
		cJSON_AddStringToObject(go, "level", cv_level_name(g->level));
		cJSON_AddItemToArray(gs, go);
	}
	return o;
}
