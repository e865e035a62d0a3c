/* campaign.c — see campaign.h. */
#include "campaign.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bounceclass.h"
#include "compose.h"
#include "mta.h"
#include "mua.h"
#include "net.h"
#include "outcome.h"
#include "strmap.h"
#include "util.h"
#include "verify.h"

/* What the sending account remembers of an address across campaigns. */
struct addr_state {
	bool suppressed;
	int soft_campaigns;   /* campaigns in which it soft-bounced */
	size_t last_soft;     /* the campaign of the last soft bounce, +1 */
	size_t sup_campaign;  /* the campaign that suppressed it */
	bool sup_hard;        /* by a hard bounce (else repeated soft bounces) */
};

struct camp {
	struct campaigns *all;
	const struct scn_campaign *c;
	size_t index;
	struct mua *mua;            /* the sender's mail client, or */
	struct mta *mta;            /* the bulk-sending host */
	uint32_t counter;           /* the bulk host's messages (Message-ID) */
	struct host *client;
	char **ids;                 /* owned: message id per recipient ("name.N") */
	struct scn_message *msgs;   /* owned: one per recipient, filled when sent */
	bool *verified_out;         /* owned */
	bool *deferred;             /* owned: deferred at least once */
	struct verifier *ver;       /* owned by the client host */
	size_t next;                /* the next recipient to consider */
	int64_t started;            /* when sending began */
	bool done;
	bool halted;                /* paused and not (yet) resumed */
	bool resumed;
	size_t ver_base;            /* the list index of the verifier's first address */
	long base_sent, base_hard;  /* the pause's sample starts here (after a resume) */
	struct campaign_stats st;
	const char *hdr_names[4], *hdr_values[4];
	size_t nhdrs;
	char *unsub;                /* owned: List-Unsubscribe value */
};

struct campaigns {
	struct sim *sim;
	const struct scenario *scn;
	struct camp *v;
	size_t n;
	struct strmap by_id;        /* message id -> campaign index << 32 | recipient */
	struct strmap by_addr;      /* lower-case address -> index in addrs */
	char **addr_keys;           /* owned keys of by_addr */
	struct addr_state *addrs;
	size_t naddrs, addrcap;
};

static struct addr_state *addr_state(struct campaigns *cs, const char *addr)
{
	size_t n = strlen(addr), i;
	char *k = xmalloc(n + 1);
	for (size_t j = 0; j <= n; j++)
		k[j] = (char)tolower((unsigned char)addr[j]);
	if (strmap_get(&cs->by_addr, k, &i)) {
		free(k);
		return &cs->addrs[i];
	}
	if (cs->naddrs == cs->addrcap) {
		cs->addrcap = cs->addrcap ? cs->addrcap * 2 : 256;
		cs->addrs = xrealloc(cs->addrs, cs->addrcap * sizeof *cs->addrs);
		cs->addr_keys = xrealloc(cs->addr_keys, cs->addrcap * sizeof *cs->addr_keys);
	}
	cs->addrs[cs->naddrs] = (struct addr_state){0};
	cs->addr_keys[cs->naddrs] = k;
	strmap_put(&cs->by_addr, k, cs->naddrs);
	return &cs->addrs[cs->naddrs++];
}

/* ---- sending ---------------------------------------------------------------- */

/* Messages per minute at time now: a linear warm-up ramp, then the rate. */
static double rate_now(const struct camp *k, int64_t now)
{
	const struct scn_campaign *c = k->c;
	if (c->warmup <= 0 || c->warmup_from <= 0)
		return c->rate;
	double f = (double)(now - k->started) / (double)c->warmup;
	if (f >= 1)
		return c->rate;
	return c->warmup_from + (c->rate - c->warmup_from) * (f < 0 ? 0 : f);
}

static void trace_head(struct camp *k, enum trace_kind kind)
{
	struct sim *sim = k->all->sim;
	trace_begin(sim->trace, sim->now, kind);
	trace_node(sim->trace, k->client->name);
	trace_str(sim->trace, "campaign", k->c->name);
}

/* campaign.end: after the last message, or after campaign.pause said why it stopped. */
static void finish(struct camp *k)
{
	if (k->done)
		return;
	k->done = true;
	struct campaign_stats *st = &k->st;
	st->unsent = st->recipients - st->sent - st->suppressed - st->verified_out;
	struct trace *tr = k->all->sim->trace;
	trace_head(k, TK_CAMPAIGN_END);
	trace_int(tr, "sent", st->sent);
	trace_int(tr, "accepted", st->accepted);
	trace_int(tr, "hard_bounced", st->hard_bounced);
	trace_int(tr, "soft_bounced", st->soft_bounced);
	trace_int(tr, "suppressed", st->suppressed);
	trace_int(tr, "unsent", st->unsent);
	trace_end(tr);
}

/* A suppressed address is settled without a message: the ledger counts it
 * as a recipient whose fate is SUPPRESSED. */
static void settle_suppressed(struct camp *k, size_t i)
{
	struct sim *sim = k->all->sim;
	const struct addr_state *a = addr_state(k->all, k->c->rcpts[i]);
	struct outcome o;
	oc_local(&o, OC_HARD, "5.0.0", "suppressed: %s in campaign %s",
		 a->sup_hard ? "a hard bounce" : "soft bounces in too many campaigns",
		 k->all->v[a->sup_campaign].c->name);
	sim->ledger.rcpts++;
	k->st.suppressed++;
	fate_settle(sim, &(struct settle){.node = k->client->name, .msg = k->ids[i],
					  .rcpt = k->c->rcpts[i], .fate = FATE_SUPPRESSED, .o = &o});
}

static void check_pause(struct camp *k);

/* A bulk-sending host composes the message and hands it to its own
 * queue at once (its delivery, retries and DSNs are the MTA's). */
static void send_bulk(struct camp *k, const struct scn_message *m)
{
	struct sim *sim = k->all->sim;
	struct strbuf d;
	sb_init(&d);
	compose_message(sim, k->client, &k->counter, m, &d);
	compose_trace(sim, k->client, m, &d);
	mta_inject(k->mta, m->from, (const char *const *)m->to, m->nto, d.data, d.len);
	sb_free(&d);
}

/* The end is written once the last message's composition (scheduled for
 * this same moment) is in the trace: never "ended" above a message still
 * to come. */
static void ev_finish(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	(void)arg;
	finish(ctx);
}

static void ev_send(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct camp *k = ctx;
	const struct scn_campaign *c = k->c;
	/* Judged before the next message, on the messages already handed over
	 * (and so already in the trace): the pause never counts one it has not
	 * composed yet. */
	check_pause(k);
	if (k->halted || k->done)
		return;
	/* Skip what must not be sent (no rate slot spent), then send one. */
	while (k->next < c->nrcpts) {
		size_t i = k->next++;
		if (k->verified_out[i])
			continue;
		if (c->suppression && addr_state(k->all, c->rcpts[i])->suppressed) {
			settle_suppressed(k, i);
			continue;
		}
		struct scn_message *m = &k->msgs[i];
		m->id = k->ids[i];
		m->at = sim->now;
		m->from = c->from;
		m->to = &c->rcpts[i];
		m->nto = 1;
		m->subject = c->subject;
		m->body = c->body;
		m->client = c->client;
		m->hdr_names = k->hdr_names;
		m->hdr_values = k->hdr_values;
		m->nhdrs = k->nhdrs;
		k->st.sent++;
		k->st.in_flight++;
		if (k->mta)
			send_bulk(k, m);
		else
			mua_schedule_message(k->mua, m);
		break;
	}
	if (k->halted)
		return;
	if (k->next >= c->nrcpts) {
		sim_after(sim, 0, ev_finish, k, 0);
		return;
	}
	double per_min = rate_now(k, sim->now);
	int64_t gap = (int64_t)(60e6 / per_min);
	sim_after(sim, gap > 0 ? gap : 1, ev_send, k, 0);
}

static void start_sending(struct camp *k)
{
	struct sim *sim = k->all->sim;
	if (k->halted) { /* a resume: the warm-up is not started again */
		k->halted = false;
		k->resumed = true;
		k->st.resumed_t = sim->now;
		k->base_sent = k->st.sent;
		k->base_hard = k->st.hard_bounced;
		trace_head(k, TK_CAMPAIGN_RESUME);
		trace_int(sim->trace, "unsent",
			  k->st.recipients - k->st.sent - k->st.suppressed - k->st.verified_out);
		trace_int(sim->trace, "verified_out", k->st.verified_out);
		trace_end(sim->trace);
	} else {
		k->started = sim->now;
	}
	ev_send(sim, k, 0);
}

/* The verifier answers asynchronously; look once a simulated second. */
static void ev_verify_poll(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct camp *k = ctx;
	size_t n = verifier_count(k->ver);
	for (size_t i = 0; i < n; i++)
		if (!verifier_result(k->ver, i)->done) {
			sim_after(sim, SIM_US(1), ev_verify_poll, k, 0);
			return;
		}
	/* Reacher's practice: invalid addresses leave the list; risky and
	 * unknown ones stay (a full mailbox or a greylisting server is no
	 * reason to drop a subscriber). */
	long out = 0;
	for (size_t i = 0; i < n; i++)
		if (verifier_result(k->ver, i)->verdict == VERDICT_INVALID) {
			k->verified_out[k->ver_base + i] = true;
			out++;
		}
	k->st.verified_out += out;
	trace_head(k, TK_CAMPAIGN_VERIFIED);
	trace_int(sim->trace, "kept", (int64_t)n - out);
	trace_int(sim->trace, "verified_out", out);
	trace_end(sim->trace);
	start_sending(k);
}

/* Verify the list from index from on, then (re)start sending. */
static void verify_rest(struct camp *k, size_t from)
{
	struct sim *sim = k->all->sim;
	struct host *vh = verify_host(sim, k->client->name);
	struct verify_config cfg = {0};
	k->ver = verifier_new(sim, vh, &cfg);
	k->ver_base = from;
	for (size_t i = from; i < k->c->nrcpts; i++)
		verifier_add(k->ver, k->c->rcpts[i]);
	verifier_start(k->ver, sim->now);
	sim_after(sim, SIM_US(1), ev_verify_poll, k, 0);
}

/* The scenario cleans the list after a pause: the unsent part is
 * verified (as an ESP asks before it lifts a hold), then sending resumes. */
static void ev_resume(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	(void)arg;
	struct camp *k = ctx;
	if (k->c->resume_verify)
		verify_rest(k, k->next);
	else
		start_sending(k);
}

static void ev_start(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct camp *k = ctx;
	const struct scn_campaign *c = k->c;
	trace_head(k, TK_CAMPAIGN_START);
	trace_str(sim->trace, "from", c->from);
	trace_int(sim->trace, "recipients", (int64_t)c->nrcpts);
	char rate[64];
	snprintf(rate, sizeof rate, "%g/min", c->rate);
	trace_str(sim->trace, "rate", rate);
	trace_bool(sim->trace, "verify_first", c->verify_first);
	char th[32];
	snprintf(th, sizeof th, "%.1f%%", c->pause_threshold * 100);
	trace_str(sim->trace, "threshold", th);
	trace_int(sim->trace, "min_sample", (int64_t)c->min_sample);
	trace_end(sim->trace);
	if (!c->verify_first) {
		start_sending(k);
		return;
	}
	verify_rest(k, 0);
}

/* ---- bounce processing -------------------------------------------------------- */

/* The basic reply code at the start of an SMTP outcome's text, or 0. */
static int reply_code(const struct outcome *o)
{
	if (o->src != OC_SMTP)
		return 0;
	int code = atoi(o->text);
	return code >= 200 && code <= 599 ? code : 0;
}

static void suppress(struct camp *k, const char *rcpt, struct bounce_class bc, const char *why)
{
	struct addr_state *a = addr_state(k->all, rcpt);
	if (a->suppressed)
		return;
	a->suppressed = true;
	a->sup_campaign = k->index;
	a->sup_hard = bc.type == BOUNCE_HARD;
	struct trace *tr = k->all->sim->trace;
	trace_head(k, TK_CAMPAIGN_SUPPRESS);
	trace_rcpt(tr, rcpt);
	trace_str(tr, "type", bounce_type_name(bc.type));
	trace_str(tr, "category", bounce_category_name(bc.category));
	trace_str(tr, "reason", why);
	trace_end(tr);
}

static void check_pause(struct camp *k)
{
	struct campaign_stats *st = &k->st;
	const struct scn_campaign *c = k->c;
	long sent = st->sent - k->base_sent, hard = st->hard_bounced - k->base_hard;
	/* Nothing left to hold back once the last message is handed over. */
	if (k->halted || k->done || k->next >= c->nrcpts || sent < (long)c->min_sample)
		return;
	double rate = (double)hard / (double)sent;
	if (rate <= c->pause_threshold)
		return;
	struct sim *sim = k->all->sim;
	st->paused = true;
	k->halted = true;
	st->paused_t = sim->now;
	st->paused_sent = sent;
	st->paused_rate = rate;
	long unsent = st->recipients - st->sent - st->suppressed - st->verified_out;
	char r[32], th[32], why[300];
	snprintf(r, sizeof r, "%.1f%%", rate * 100);
	snprintf(th, sizeof th, "%.1f%%", c->pause_threshold * 100);
	snprintf(why, sizeof why,
		 "%ld hard bounces in %ld messages sent%s (%s) is over the %s threshold: sending stops "
		 "before the receivers and the service provider stop trusting this sender",
		 hard, sent, k->resumed ? " since the resume" : "", r, th);
	trace_head(k, TK_CAMPAIGN_PAUSE);
	trace_int(sim->trace, "sent", sent);
	trace_int(sim->trace, "hard_bounced", hard);
	trace_str(sim->trace, "bounce_rate", r);
	trace_str(sim->trace, "threshold", th);
	trace_int(sim->trace, "unsent", unsent);
	trace_str(sim->trace, "reason", why);
	trace_end(sim->trace);
	if (c->resume_after >= 0 && !k->resumed && k->next < c->nrcpts)
		sim_after(sim, c->resume_after, ev_resume, k, 0);
	else
		finish(k);
}

static void on_bounce(struct camp *k, const struct settle *s)
{
	const struct outcome *o = s->o;
	struct bounce_class bc = bounce_classify(reply_code(o), o->status, o->text);
	/* A queue that expired on 4.x.x replies is a soft bounce whatever
	 * the last reply's category. */
	if (bc.type == BOUNCE_NONE)
		bc.type = o->status[0] == '4' ? BOUNCE_SOFT : BOUNCE_HARD;
	char why[700];
	oc_reason(o, why, sizeof why);
	switch (bc.type) {
	case BOUNCE_HARD:
		k->st.hard_bounced++;
		if (k->c->suppression)
			suppress(k, s->rcpt, bc, why);
		check_pause(k);
		break;
	case BOUNCE_SOFT: {
		k->st.soft_bounced++;
		struct addr_state *a = addr_state(k->all, s->rcpt);
		if (a->last_soft != k->index + 1) {
			a->last_soft = k->index + 1;
			a->soft_campaigns++;
		}
		if (k->c->suppression && a->soft_campaigns >= k->c->soft_limit)
			suppress(k, s->rcpt, bc, why);
		break;
	}
	default: /* a block: the sending is at fault, not the address */
		k->st.blocked++;
		break;
	}
}

static void on_settle(void *ud, const struct settle *s)
{
	struct campaigns *cs = ud;
	size_t v;
	if (s->report || !s->msg || !strmap_get(&cs->by_id, s->msg, &v))
		return;
	struct camp *k = &cs->v[v >> 32];
	if (s->fate == FATE_SUPPRESSED)
		return; /* counted when settled */
	if (s->fate < FATE_NFINAL)
		k->st.in_flight--;
	switch (s->fate) {
	case FATE_INBOX: k->st.accepted++; k->st.inbox++; break;
	case FATE_FILED: k->st.accepted++; k->st.promotions++; break;
	case FATE_JUNK: k->st.accepted++; k->st.junk++; break;
	case FATE_QUARANTINE: k->st.accepted++; k->st.quarantine++; break;
	case FATE_DROPPED: k->st.accepted++; k->st.dropped++; break;
	case FATE_BOUNCED:
	case FATE_REJECTED: on_bounce(k, s); break;
	default: break; /* a hop: the copy is counted where it ends */
	}
}

/* A 4xx somewhere on the way (greylisting, a full mailbox answering 452,
 * a throttling receiver): the report counts messages deferred at least once. */
static void on_defer(void *ud, const char *msg, const char *rcpt)
{
	(void)rcpt;
	struct campaigns *cs = ud;
	size_t v;
	if (!msg || !strmap_get(&cs->by_id, msg, &v))
		return;
	struct camp *k = &cs->v[v >> 32];
	size_t i = (size_t)(v & 0xffffffffu);
	if (!k->deferred[i]) {
		k->deferred[i] = true;
		k->st.deferred++;
	}
}

/* ---- set-up --------------------------------------------------------------------- */

static void camp_init(struct campaigns *cs, struct camp *k, size_t index)
{
	const struct scn_campaign *c = &cs->scn->campaigns[index];
	k->all = cs;
	k->c = c;
	k->index = index;
	k->client = cs->sim->hosts[scn_host_index(cs->scn, c->client)];
	if (c->bulk)
		k->mta = k->client->role_obj;
	else
		k->mua = k->client->role_obj;
	k->ids = xcalloc(c->nrcpts + 1, sizeof *k->ids);
	k->msgs = xcalloc(c->nrcpts + 1, sizeof *k->msgs);
	k->verified_out = xcalloc(c->nrcpts + 1, sizeof *k->verified_out);
	k->deferred = xcalloc(c->nrcpts + 1, sizeof *k->deferred);
	k->st.name = c->name;
	k->st.recipients = (long)c->nrcpts;
	k->st.resumed_t = -1;
	for (size_t i = 0; i < c->nrcpts; i++) {
		k->ids[i] = xasprintf("%s.%zu", c->name, i + 1);
		strmap_put(&cs->by_id, k->ids[i], (index << 32) | i);
	}
	/* Bulk mail's headers: RFC 2369 List-Unsubscribe with RFC 8058
	 * one-click (Gmail and Yahoo require both of bulk senders since
	 * 2024), and Precedence: bulk for promotional mail. */
	if (c->unsubscribe) {
		k->unsub = xasprintf("<%s>", c->unsubscribe);
		k->hdr_names[k->nhdrs] = "List-Unsubscribe";
		k->hdr_values[k->nhdrs++] = k->unsub;
		k->hdr_names[k->nhdrs] = "List-Unsubscribe-Post";
		k->hdr_values[k->nhdrs++] = "List-Unsubscribe=One-Click";
	}
	if (c->promotional) {
		k->hdr_names[k->nhdrs] = "Precedence";
		k->hdr_values[k->nhdrs++] = "bulk";
	}
	sim_at(cs->sim, c->at, ev_start, k, 0);
}

struct campaigns *campaigns_new(struct sim *sim, const struct scenario *scn)
{
	if (!scn->ncampaigns)
		return NULL;
	struct campaigns *cs = xcalloc(1, sizeof *cs);
	cs->sim = sim;
	cs->scn = scn;
	strmap_init(&cs->by_id);
	strmap_init(&cs->by_addr);
	cs->n = scn->ncampaigns;
	cs->v = xcalloc(cs->n, sizeof *cs->v);
	for (size_t i = 0; i < cs->n; i++)
		camp_init(cs, &cs->v[i], i);
	sim->settle_hook = on_settle;
	sim->defer_hook = on_defer;
	sim->settle_ud = cs;
	return cs;
}

void campaigns_free(struct campaigns *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		struct camp *k = &cs->v[i];
		for (size_t r = 0; r < k->c->nrcpts; r++)
			free(k->ids[r]);
		free(k->ids);
		free(k->msgs);
		free(k->verified_out);
		free(k->deferred);
		free(k->unsub);
	}
	for (size_t i = 0; i < cs->naddrs; i++)
		free(cs->addr_keys[i]);
	free(cs->addr_keys);
	free(cs->addrs);
	strmap_free(&cs->by_id);
	strmap_free(&cs->by_addr);
	free(cs->v);
	free(cs);
}

size_t campaigns_count(const struct campaigns *cs)
{
	return cs ? cs->n : 0;
}

void campaigns_stats(const struct campaigns *cs, size_t i, struct campaign_stats *out)
{
	const struct camp *k = &cs->v[i];
	*out = k->st;
	out->unsent = out->recipients - out->sent - out->suppressed - out->verified_out;
}
