/* serve_setup.c — `mailsim serve`'s set-up: the scenario adapted for live
 * mode, the listeners, the certificate, the world and its trace, the
 * spool (mail a previous run accepted goes back in the queue) and the
 * per-address limits. See serve.c for the loop that runs on it. */
#include "serve_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "anvil.h"
#include "mta_live.h"
#include "net.h"
#include "scenario.h"
#include "spool.h"
#include "tls.h"
#include "world.h"

/* Serve up to the descriptor limit: raise the soft limit to the hard one. */
static void raise_fd_limit(struct serve *sv)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	double room = (double)rl.rlim_cur - 32; /* stdio, trace, listener, maildir export */
	if (room >= 1 && sv->o.max_clients > room)
		sv->o.max_clients = room;
}

/* --listen (the SMTP kind --port-kind names), then --imap ... --pop3s. */
static int open_listeners(struct serve *sv)
{
	int rc = listen_open(&sv->ls[0], listen_kind_find(sv->o.port_kind), "--listen", sv->o.listen,
			     sv->o.allow_remote);
	sv->nls = rc == 0;
	for (size_t i = 0; rc == 0 && i < NRETRIEVAL; i++) {
		if (!sv->o.retrieval[i])
			continue;
		char opt[16];
		snprintf(opt, sizeof opt, "--%s", serve_retrieval_kinds[i]);
		rc = listen_open(&sv->ls[sv->nls], listen_kind_find(serve_retrieval_kinds[i]), opt,
				 sv->o.retrieval[i], sv->o.allow_remote);
		sv->nls += rc == 0;
	}
	/* Passwords in clear only where nobody else can listen. */
	for (size_t i = 0; rc == 0 && sv->o.allow_plain_auth && i < sv->nls; i++)
		if (!sv->ls[i].loopback)
			rc = serve_usage("--allow-plain-auth needs loopback listeners only, not %s",
					 sv->ls[i].addr);
	return rc;
}

static struct scenario *load_scenario(const char *path)
{
	if (strcmp(path, "@default") == 0)
		return scn_parse(mailsim_default_scenario, strlen(mailsim_default_scenario),
				 "basic-delivery.json (built in)", stderr);
	return scn_load(path, stderr);
}

/* Does the host offer what the listener stands for? An implicit TLS kind
 * is also served where the scenario lists only its STARTTLS twin
 * (submission for submissions, imap for imaps, pop3 for pop3s). */
static bool offers(const struct scn_host *h, const struct listen_kind *k)
{
	return scn_host_has_service(h, k->service) || scn_host_has_service(h, k->plain);
}

/* The kinds of listener the options ask for, --listen's first. */
static size_t wanted_kinds(const struct serve_opts *o, const struct listen_kind **out)
{
	size_t n = 0;
	out[n++] = listen_kind_find(o->port_kind);
	for (size_t i = 0; i < NRETRIEVAL; i++)
		if (o->retrieval[i])
			out[n++] = listen_kind_find(serve_retrieval_kinds[i]);
	return n;
}

/* The served host's scenario entry, checked: an MTA offering every port. */
static struct scn_host *served_host(struct serve *sv)
{
	struct scenario *s = sv->scn;
	for (size_t i = 0; i < s->nhosts; i++) {
		struct scn_host *h = &s->hosts[i];
		if (!ascii_strcaseeq(h->name, sv->o.host))
			continue;
		if (h->role == SCN_ROLE_CLIENT || h->role == SCN_ROLE_DNS) {
			fprintf(stderr, "mailsim: serve: %s is a %s host, not an MTA\n", h->name,
				scn_role_names[h->role]);
			return NULL;
		}
		const struct listen_kind *want[MAX_LISTENERS];
		size_t n = wanted_kinds(&sv->o, want);
		for (size_t k = 0; k < n; k++)
			if (!offers(h, want[k])) {
				fprintf(stderr,
					"mailsim: serve: %s does not offer %s (see its \"services\")\n",
					h->name, scn_service_names[want[k]->plain]);
				return NULL;
			}
		return h;
	}
	fprintf(stderr, "mailsim: serve: no host named '%s' in %s\n", sv->o.host, sv->o.file);
	return NULL;
}

/* Live mode changes the scenario in memory: the served host offers TLS
 * (real TLS, app/tls.c) and listens on the implicit TLS ports asked for;
 * --allow-plain-auth; optionally no scenario traffic runs. */
static void adapt_scenario(struct serve *sv, struct scn_host *h)
{
	struct scenario *s = sv->scn;
	sv->srv_cfg = h;
	sv->saved_tls = h->tls;
	sv->saved_services = h->services;
	h->tls = true;
	h->plain_auth = sv->o.allow_plain_auth;
	for (size_t k = 0; k < sv->nls; k++)
		h->services |= SCN_SVC(sv->ls[k].kind->service);
	sv->adapted = true;
	sv->scn_nmessages = s->nmessages;
	if (!sv->o.no_traffic)
		return;
	s->nmessages = 0;
	sv->scn_fetch = xcalloc(s->nhosts + 1, sizeof *sv->scn_fetch);
	for (size_t i = 0; i < s->nhosts; i++) {
		sv->scn_fetch[i] = s->hosts[i].has_fetch;
		s->hosts[i].has_fetch = false;
	}
}

void serve_restore_scenario(struct serve *sv)
{
	struct scenario *s = sv->scn;
	if (!sv->adapted)
		return;
	struct scn_host *h = sv->srv_cfg;
	h->tls = sv->saved_tls;
	h->services = sv->saved_services;
	h->plain_auth = false;
	s->nmessages = sv->scn_nmessages;
	for (size_t i = 0; sv->scn_fetch && i < s->nhosts; i++)
		s->hosts[i].has_fetch = sv->scn_fetch[i];
	free(sv->scn_fetch);
}

static int open_trace(struct serve *sv)
{
	const char *p = sv->o.trace_path;
	if (p) {
		sv->trace = strcmp(p, "-") == 0 ? stdout : fopen(p, "w");
		if (!sv->trace) {
			fprintf(stderr, "mailsim: serve: cannot open %s: %s\n", p, strerror(errno));
			return 4;
		}
		trace_set_jsonl(world_trace(sv->w), sv->trace);
	}
	if (sv->o.transcript)
		trace_set_transcript(world_trace(sv->w), stdout);
	return 0;
}

/* --idle-timeout sets it; --timeout-scale scales the host's own value (the
 * scenario's idle_timeout, else the RFC's 5 minutes); else it stands. */
static void set_idle_timeout(struct serve *sv, const struct scn_host *cfg)
{
	double base = cfg->idle_timeout > 0 ? (double)cfg->idle_timeout / 1e6 : RFC_IDLE_TIMEOUT_S;
	double s = sv->o.idle_timeout > 0 ? sv->o.idle_timeout
		 : sv->o.timeout_scale > 0 ? base * sv->o.timeout_scale : 0;
	if (s > 0)
		world_set_idle_timeout(sv->w, sv->srv->name, (int64_t)(s * 1e6));
}

/* The certificate: the given files, or a self-signed one for the host. */
static int setup_tls(struct serve *sv, const char *name)
{
	char err[512];
	sv->tls = tls_server_new(sv->o.tls_cert, sv->o.tls_key, name, err, sizeof err);
	if (!sv->tls) {
		fprintf(stderr, "mailsim: serve: %s\n", err);
		return 4;
	}
	fprintf(stderr, "mailsim: TLS certificate %s%s, %s\n", tls_server_subject(sv->tls),
		sv->o.tls_cert ? "" : " (self-signed, made at start)",
		tls_server_fingerprint(sv->tls));
	return 0;
}

/* The spool: messages a previous run accepted go back in the queue. */
static int open_spool(struct serve *sv)
{
	char err[1024];
	long n = 0;
	char *dir = sv->o.spool ? xstrdup(sv->o.spool) : spool_default_dir(sv->o.maildir);
	sv->spool = spool_attach(dir, sv->srv, &n, err, sizeof err);
	if (sv->spool && n > 0)
		fprintf(stderr, "mailsim: serve: recovered %ld message%s from the spool %s\n", n,
			n == 1 ? "" : "s", dir);
	else if (!sv->spool)
		fprintf(stderr, "mailsim: serve: %s\n", err);
	free(dir);
	return sv->spool ? 0 : 4;
}

static int64_t anvil_clock(void *ctx)
{
	return serve_now(ctx);
}

static void open_anvil(struct serve *sv)
{
	struct anvil_limits lim = {(long)sv->o.max_per_ip, (long)sv->o.max_conn_rate,
				   (long)sv->o.max_auth_failures};
	sv->anvil = anvil_new(&lim);
	anvil_set_clock(sv->anvil, anvil_clock, sv);
	struct mta_auth_gate gate = {anvil_auth_blocked, anvil_auth_failed, sv->anvil};
	mta_live_set_auth_gate(sv->srv->role_obj, &gate);
}

int serve_setup(struct serve *sv)
{
	sv->scn = load_scenario(sv->o.file);
	if (!sv->scn)
		return strcmp(sv->o.file, "@default") != 0 && scn_unreadable(sv->o.file) ? 4 : 1;
	struct scn_host *cfg = served_host(sv);
	if (!cfg)
		return 2;
	int rc = open_listeners(sv);
	if (rc == 0)
		rc = setup_tls(sv, cfg->name);
	if (rc)
		return rc;
	adapt_scenario(sv, cfg);
	sv->w = world_new(sv->scn, sv->o.has_seed ? &sv->o.seed : NULL);
	sv->sim = world_sim(sv->w);
	sv->srv = sim_host_by_name(sv->sim, cfg->name);
	set_idle_timeout(sv, cfg);
	rc = open_trace(sv);
	if (rc)
		return rc;
	world_trace_start(sv->w);
	rc = open_spool(sv);
	if (rc)
		return rc;
	open_anvil(sv);
	raise_fd_limit(sv);
	sv->t0 = serve_mono_us();
	for (size_t i = 0; i < sv->nls; i++)
		fprintf(stderr, "mailsim: serving %s (%s) on %s\n", sv->srv->name,
			sv->ls[i].kind->name, sv->ls[i].addr);
	fflush(stderr);
	return 0;
}
