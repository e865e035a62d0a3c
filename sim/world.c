/* world.c — see world.h. */
#include "world.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "export.h"
#include "mailstore.h"
#include "mta.h"
#include "mua.h"
#include "net.h"
#include "dnsd.h"
#include "resolver.h"
#include "util.h"
#include "verify.h"
#include "campaign.h"
#include "reputation.h"

struct world {
	struct sim *sim;              /* owned */
	const struct scenario *scn;   /* not owned */
	bool *fired;                  /* owned: one per narration rule */
	struct fault_run *faults;     /* owned: one per scenario fault */
	uint64_t seed;
	struct campaigns *campaigns;  /* owned, or NULL */
};

static enum host_role role_of(enum scn_role role)
{
	switch (role) {
	case SCN_ROLE_CLIENT: return ROLE_CLIENT;
	case SCN_ROLE_MTA: return ROLE_MTA;
	case SCN_ROLE_DNS: return ROLE_DNS;
	case SCN_ROLE_FILTER: return ROLE_FILTER;
	case SCN_ROLE_MAILBOX: return ROLE_MAILBOX;
	}
	return ROLE_MTA;
}

/* The simulator's host for a scenario host (same order). */
static struct host *sim_host(const struct world *w, const struct scn_host *cfg)
{
	return w->sim->hosts[scn_host_index(w->scn, cfg)];
}

/* ---- narration ------------------------------------------------------------- */

static bool rule_matches(const struct scn_narration *n, const struct trace_event *ev)
{
	if (strcmp(n->before, ev->kind) != 0)
		return false;
	if (n->node && !(ev->node && ascii_strcaseeq(n->node->name, ev->node)))
		return false;
	if (!n->match)
		return true;
	static const char *const keys[] = {"line",   "qname",  "summary", "reason",   "subject",
					   "domain", "folder", "status",  "detail",   "symbol",
					   "filter", "result", "decision", "name",    "value",
					   "campaign", "type", "cause", "level", "key"};
	if ((ev->peer && strstr(ev->peer, n->match)) || (ev->msg && strstr(ev->msg, n->match)))
		return true;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const char *v = trace_event_str(ev, keys[i]);
		if (v && strstr(v, n->match))
			return true;
	}
	return false;
}

static void narrate_hook(void *ud, struct trace *tr, const struct trace_event *ev)
{
	struct world *w = ud;
	for (size_t i = 0; i < w->scn->nnarration; i++) {
		const struct scn_narration *n = &w->scn->narration[i];
		if ((w->fired[i] && !n->every) || !rule_matches(n, ev))
			continue;
		w->fired[i] = true;
		trace_narrate(tr, ev->t, n->text);
	}
}

/* ---- faults ------------------------------------------------------------------- */

struct fault_run {
	struct world *w;
	const struct scn_fault *f;
	int64_t saved_latency;   /* link faults restore these */
	double saved_loss;
	int64_t saved_quota;     /* mailbox_full restores it */
};

static void describe_fault(const struct scn_fault *f, char *out, size_t cap)
{
	switch (f->type) {
	case FAULT_HOST_DOWN: snprintf(out, cap, "%s is down", f->host_name); break;
	case FAULT_PORT_CLOSED: snprintf(out, cap, "%s refuses connections on port %d", f->host_name, f->port); break;
	case FAULT_DNS_TIMEOUT: snprintf(out, cap, "DNS server %s stops answering", f->host_name); break;
	case FAULT_DNS_SERVFAIL: snprintf(out, cap, "DNS server %s answers SERVFAIL", f->host_name); break;
	case FAULT_LINK:
		snprintf(out, cap, "link %s <-> %s: latency %lld ms, loss %.0f%%", f->a_name, f->b_name,
			 (long long)(f->latency >= 0 ? f->latency / 1000 : -1), f->loss * 100);
		break;
	case FAULT_SLOW_SERVER: snprintf(out, cap, "%s answers %lld ms late", f->host_name, (long long)(f->delay / 1000)); break;
	case FAULT_TLS_FAILURE: snprintf(out, cap, "TLS handshakes with %s fail", f->host_name); break;
	case FAULT_MAILBOX_FULL: snprintf(out, cap, "the mailbox of %s is full", f->user_name); break;
	case FAULT_TAMPER:
		snprintf(out, cap, "%s alters the %s of the mail it relays", f->host_name,
			 scn_tamper_names[f->what]);
		break;
	}
}

static void fault_event(struct world *w, const struct scn_fault *f, enum trace_kind kind)
{
	struct sim *sim = w->sim;
	char d[600], desc[560];
	describe_fault(f, desc, sizeof desc);
	bool end = kind == TK_FAULT_END;
	snprintf(d, sizeof d, "%s%s", end ? "over: " : "", desc);
	trace_begin(sim->trace, sim->now, kind);
	trace_node(sim->trace, f->host_name ? f->host_name : f->a_name);
	trace_str(sim->trace, "fault", scn_fault_names[f->type]);
	trace_str(sim->trace, "summary", d);
	if (f->until >= 0 && kind == TK_FAULT_START)
		trace_time(sim->trace, "until", f->until);
	trace_end(sim->trace);
}

/* The mailbox of a scenario user, on its home host (the loader resolved it). */
static struct mbox_user *find_mailbox(struct world *w, const struct scn_user *su)
{
	return mailstore_user(mta_store(sim_host(w, su->home)->role_obj), su->address);
}

static void fault_apply(struct fault_run *r, bool on)
{
	struct sim *sim = r->w->sim;
	const struct scn_fault *f = r->f;
	struct host *h = f->host ? sim_host(r->w, f->host) : NULL;
	switch (f->type) {
	case FAULT_HOST_DOWN: h->down = on; break;
	case FAULT_PORT_CLOSED: host_set_port_closed(h, f->port, on); break;
	case FAULT_DNS_TIMEOUT:
	case FAULT_DNS_SERVFAIL: break; /* installed as a window in dnsd up front */
	case FAULT_LINK:
		if (on) {
			net_link_params(sim->net, f->a->name, f->b->name, &r->saved_latency, &r->saved_loss);
			net_update_link(sim->net, f->a->name, f->b->name, f->latency, f->loss);
		} else {
			net_update_link(sim->net, f->a->name, f->b->name, r->saved_latency, r->saved_loss);
		}
		break;
	case FAULT_SLOW_SERVER: h->slow = on ? f->delay : 0; break;
	case FAULT_TLS_FAILURE: h->tls_broken = on; break;
	case FAULT_TAMPER: h->tamper = on ? f : NULL; break;
	case FAULT_MAILBOX_FULL: {
		struct mbox_user *u = find_mailbox(r->w, f->user);
		if (u && on) { /* full: the quota is whatever is used now */
			r->saved_quota = u->quota;
			u->quota = mbox_usage(u) > 0 ? mbox_usage(u) : 1;
		} else if (u) { /* the user made room: the old quota again */
			u->quota = r->saved_quota;
		}
		break;
	}
	}
}

static void ev_fault_start(struct sim *sim, void *ctx, uint64_t arg)
{
	struct fault_run *r = ctx;
	fault_event(r->w, r->f, TK_FAULT_START);
	fault_apply(r, true);
}

static void ev_fault_end(struct sim *sim, void *ctx, uint64_t arg)
{
	struct fault_run *r = ctx;
	fault_apply(r, false);
	fault_event(r->w, r->f, TK_FAULT_END);
}

static void schedule_faults(struct world *w)
{
	struct sim *sim = w->sim;
	w->faults = xcalloc(w->scn->nfaults + 1, sizeof *w->faults);
	for (size_t i = 0; i < w->scn->nfaults; i++) {
		const struct scn_fault *f = &w->scn->faults[i];
		struct fault_run *r = &w->faults[i];
		r->w = w;
		r->f = f;
		if (f->type == FAULT_DNS_TIMEOUT || f->type == FAULT_DNS_SERVFAIL) {
			struct host *h = sim_host(w, f->host);
			dnsd_add_fault(h->role_obj, f->from, f->until >= 0 ? f->until : INT64_MAX,
				       f->type == FAULT_DNS_SERVFAIL);
		}
		sim_at(sim, f->from, ev_fault_start, r, 0);
		if (f->until >= 0)
			sim_at(sim, f->until, ev_fault_end, r, 0);
	}
}

/* ---- building ---------------------------------------------------------------- */

/* An MTA-like host's sender reputation, or NULL. */
static struct rep *host_reputation(const struct host *h)
{
	if (h->role == ROLE_DNS || h->role == ROLE_CLIENT || !h->role_obj)
		return NULL;
	return mta_reputation(h->role_obj);
}

static void load_zones(struct dnsd *d, const struct scn_host *cfg)
{
	struct dns_db *db = dnsd_db(d);
	for (size_t z = 0; z < cfg->nzones; z++) {
		const struct scn_zone *zone = &cfg->zones[z];
		dns_db_add_zone(db, zone->origin, zone->neg_ttl);
		for (size_t r = 0; r < zone->nrecords; r++) {
			const struct scn_record *rec = &zone->records[r];
			struct dns_rr rr;
			char err[256];
			/* Validated by the loader; a failure here is our bug. */
			if (!dns_rr_init(&rr, rec->name, rec->rtype, rec->ttl, rec->data, err, sizeof err))
				abort();
			dns_db_add(db, &rr);
			dns_rr_clear(&rr);
		}
	}
}

static void build_role(struct world *w, struct host *h, const struct scn_host *cfg)
{
	struct sim *sim = w->sim;
	switch (h->role) {
	case ROLE_DNS: {
		struct dnsd *d = dnsd_new(sim, h);
		load_zones(d, cfg);
		h->role_obj = d;
		h->role_free = dnsd_free;
		break;
	}
	case ROLE_CLIENT:
		h->role_obj = mua_new(sim, h, cfg, cfg->user);
		h->role_free = mua_free;
		break;
	default: {
		struct mta *m = mta_new(sim, h, cfg);
		for (size_t u = 0; u < w->scn->nusers; u++) {
			const struct scn_user *su = &w->scn->users[u];
			if (su->home == cfg)
				mailstore_add_user(mta_store(m), su->address, su->password, su->quota);
		}
		h->role_obj = m;
		h->role_free = mta_free;
		break;
	}
	}
}

/* The scenario's verify block: its verifier probes during the run. */
static void start_verify(struct world *w)
{
	const struct scn_verify *sv = &w->scn->verify;
	struct host *h = verify_host(w->sim, sv->client ? sv->client->name : NULL);
	struct verify_config cfg = {.from = sv->from,
				    .disposable = (const char *const *)sv->disposable,
				    .ndisposable = sv->ndisposable};
	struct verifier *v = verifier_new(w->sim, h, &cfg);
	for (size_t i = 0; i < sv->naddresses; i++)
		verifier_add(v, sv->addresses[i]);
	verifier_start(v, sv->at);
}

struct world *world_new(const struct scenario *scn, const uint64_t *seed)
{
	struct world *w = xcalloc(1, sizeof *w);
	w->scn = scn;
	w->fired = xcalloc(scn->nnarration + 1, sizeof *w->fired);
	w->seed = seed ? *seed : scn->seed;
	struct sim *sim = sim_new(w->seed, scn->start_unix_us);
	w->sim = sim;
	net_new(sim);
	sim->scn = scn;
	if (scn->nnarration) /* without one, a headless run builds no event */
		trace_set_hook(sim->trace, narrate_hook, w);
	net_set_default_latency(sim->net, scn->latency);
	for (size_t i = 0; i < scn->nlinks; i++)
		net_set_link_latency(sim->net, scn->links[i].a->name, scn->links[i].b->name,
				     scn->links[i].latency);
	sim->hosts = xcalloc(scn->nhosts + 1, sizeof *sim->hosts);
	for (size_t i = 0; i < scn->nhosts; i++) {
		const struct scn_host *c = &scn->hosts[i];
		struct host *h = host_new(c->name, c->ip, role_of(c->role));
		h->index = i;
		sim->hosts[sim->nhosts++] = h;
	}
	for (size_t i = 0; i < scn->nhosts; i++) {
		const struct scn_host *c = &scn->hosts[i];
		struct host *h = sim->hosts[i];
		const struct scn_host *ns = c->resolver; /* the first dns host unless named */
		if (ns && h->role != ROLE_DNS && h->role != ROLE_CLIENT)
			resolver_attach(h, resolver_new(sim, h, ns->ip));
		build_role(w, h, c);
	}
	schedule_faults(w);
	for (size_t i = 0; i < scn->nmessages; i++) {
		const struct scn_message *m = &scn->messages[i];
		if (m->client) /* the loader insists on one */
			mua_schedule_message(sim_host(w, m->client)->role_obj, m);
	}
	if (scn->has_verify)
		start_verify(w);
	w->campaigns = campaigns_new(sim, scn);
	return w;
}

void world_free(struct world *w)
{
	if (!w)
		return;
	sim_free(w->sim);
	campaigns_free(w->campaigns); /* after the clients that point at its messages */
	free(w->fired);
	free(w->faults);
	free(w);
}

struct sim *world_sim(struct world *w)
{
	return w->sim;
}

struct trace *world_trace(struct world *w)
{
	return w->sim->trace;
}

bool world_set_idle_timeout(struct world *w, const char *host, int64_t us)
{
	struct host *h = sim_host_by_name(w->sim, host);
	if (!h || !(h->role == ROLE_MTA || h->role == ROLE_MAILBOX || h->role == ROLE_FILTER))
		return false;
	mta_set_idle_timeout(h->role_obj, us);
	return true;
}

void world_summary(struct world *w, struct world_summary *out)
{
	const struct sim *sim = w->sim;
	const struct ledger *l = &sim->ledger;
	memset(out, 0, sizeof *out);
	out->messages = l->messages;
	out->rcpts = l->rcpts;
	out->live_messages = l->live_messages;
	out->live_rcpts = l->live_rcpts;
	memcpy(out->fate, l->n, sizeof out->fate);
	out->dsn_stored = l->dsn_stored;
	out->double_bounces = l->double_bounces;
	for (size_t i = 0; i < sim->nhosts; i++) {
		struct host *h = sim->hosts[i];
		if (h->role == ROLE_MTA || h->role == ROLE_MAILBOX || h->role == ROLE_FILTER)
			out->queued += mta_queued(h->role_obj);
	}
	out->queued += l->with_clients - l->handed;
	/* The funnel's count plus what the queues hold must be every
	 * recipient: a copy settled twice or lost on the way breaks it. */
	out->accounted = ledger_settled(l) + out->queued == out->rcpts;
}

/* sim.end's keys, in the ledger's order (outcome.h). */
static const char *const end_keys[FATE_NFINAL] = {
	[FATE_INBOX] = "inbox",		  [FATE_FILED] = "filed",     [FATE_JUNK] = "junk",
	[FATE_QUARANTINE] = "quarantined", [FATE_BOUNCED] = "bounced", [FATE_REJECTED] = "rejected",
	[FATE_DROPPED] = "dropped",	  [FATE_SUPPRESSED] = "suppressed",
};

void world_trace_end(struct world *w)
{
	struct sim *sim = w->sim;
	struct world_summary s;
	world_summary(w, &s);
	trace_begin(sim->trace, sim->now, TK_SIM_END);
	trace_int(sim->trace, "messages", s.messages);
	trace_int(sim->trace, "recipients", s.rcpts);
	for (int f = 0; f < FATE_NFINAL; f++)
		trace_int(sim->trace, end_keys[f], s.fate[f]);
	trace_int(sim->trace, "queued", s.queued);
	trace_int(sim->trace, "dsn_stored", s.dsn_stored);
	trace_int(sim->trace, "double_bounces", s.double_bounces);
	trace_bool(sim->trace, "accounted", s.accounted);
	trace_end(sim->trace);
}

void world_trace_start(struct world *w)
{
	struct sim *sim = w->sim;
	const struct scenario *scn = w->scn;
	char start[64];
	rfc5322_date(scn->start_unix_us, 0, start, sizeof start);
	trace_begin(sim->trace, sim->now, TK_SIM_START);
	trace_str(sim->trace, "scenario", scn->name);
	trace_str(sim->trace, "title", scn->title);
	trace_int(sim->trace, "seed", (int64_t)w->seed);
	trace_str(sim->trace, "start", start);
	trace_end(sim->trace);
}

void world_run(struct world *w, int64_t t_end_us)
{
	struct sim *sim = w->sim;
	world_trace_start(w);
	if (t_end_us >= 0)
		sim_run_until(sim, t_end_us);
	else
		sim_run(sim, 0);
	world_trace_end(w);
}

void world_print_summary(struct world *w, FILE *f)
{
	struct world_summary s;
	world_summary(w, &s);
	char t[32];
	trace_format_time(w->sim->now, t, sizeof t);
	fprintf(f, "summary: %ld message%s to %ld recipient%s after %s s simulated:\n", s.messages,
		s.messages == 1 ? "" : "s", s.rcpts, s.rcpts == 1 ? "" : "s", t);
	/* One column per fate: Junk and Quarantine are not the inbox. */
	static const char *const labels[FATE_NFINAL] = {
		[FATE_INBOX] = "delivered to Inbox", [FATE_FILED] = "filed in another folder",
		[FATE_JUNK] = "filed in Junk", [FATE_QUARANTINE] = "held in Quarantine",
		[FATE_BOUNCED] = "bounced (DSN to the sender)", [FATE_REJECTED] = "rejected at submission",
		[FATE_DROPPED] = "dropped by a rule", [FATE_SUPPRESSED] = "suppressed (never sent)",
	};
	/* The Inbox row always; the others when something ended there. */
	for (int k = 0; k < FATE_NFINAL; k++)
		if (k == FATE_INBOX || s.fate[k])
			fprintf(f, "  %6ld  %s\n", s.fate[k], labels[k]);
	if (s.queued)
		fprintf(f, "  %6ld  still queued\n", s.queued);
	if (s.dsn_stored || s.double_bounces)
		fprintf(f, "  delivery reports: %ld stored, %ld dropped as double bounces\n",
			s.dsn_stored, s.double_bounces);
	fprintf(f, "  %s\n", s.accounted ? "all recipients accounted for"
					: "NOT ALL ACCOUNTED FOR: a recipient was lost or counted twice");
	campaigns_print_summary(w->campaigns, f);
	bool head = false;
	for (size_t i = 0; i < w->sim->nhosts; i++) {
		struct rep *r = host_reputation(w->sim->hosts[i]);
		if (r && !head) {
			fprintf(f, "receivers' reputation of senders (0 worst .. 100 best):\n");
			head = true;
		}
		if (r)
			rep_print_summary(r, f);
	}
}

cJSON *world_receivers_json(const struct world *w)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < w->sim->nhosts; i++) {
		struct rep *r = host_reputation(w->sim->hosts[i]);
		if (r)
			cJSON_AddItemToObject(o, rep_host(r), rep_report_json(r));
	}
	return o;
}

const struct campaigns *world_campaigns(const struct world *w)
{
	return w->campaigns;
}

bool world_export_maildir(struct world *w, const char *dir, char *err, size_t errsz)
{
	return export_maildir(w->sim, dir, err, errsz);
}
