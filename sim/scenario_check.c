/* scenario_check.c — the reference pass, once the structure is sound:
 * duplicate names and addresses, names that refer to nothing (or to the
 * wrong kind of host), DNS sanity (MX targets that do not exist or are
 * aliases, A records that contradict their host) and warnings. With no
 * error left, resolve_refs() turns every name that refers to another
 * object into a pointer, so the simulator never looks config up by name. */
#include "scenario_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "msg.h"
#include "strmap.h"
#include "util.h"

/* The listener a fetch protocol needs at its server. */
static enum scn_service fetch_service(enum scn_fetch_protocol p)
{
	return p == SCN_FETCH_IMAP ? SCN_SERVICE_IMAP : SCN_SERVICE_POP3;
}

static void check_host_refs(struct ld *ld, const cJSON *root)
{
	const struct scenario *s = ld->s;
	char p[128], msg[512], hint[512];
	for (size_t i = 0; i < s->nhosts; i++) {
		const struct scn_host *h = &s->hosts[i];
		for (size_t k = 0; k < i; k++) {
			if (ascii_strcaseeq(s->hosts[k].name, h->name)) {
				snprintf(p, sizeof p, "hosts[%zu].name", i);
				snprintf(hint, sizeof hint, "hosts[%zu] already uses it; names must be unique", k);
				report(ld, node_at(root, "hosts", i, "name"), false, p, hint,
				       "duplicate host name \"%s\"", h->name);
			}
			if (strcmp(s->hosts[k].ip, h->ip) == 0) {
				snprintf(p, sizeof p, "hosts[%zu].ip", i);
				snprintf(hint, sizeof hint, "hosts[%zu] (%s) already has it", k, s->hosts[k].name);
				report(ld, node_at(root, "hosts", i, "ip"), false, p, hint,
				       "duplicate IP address %s", h->ip);
			}
		}
		const struct scn_host *r = h->resolver_name ? scn_host(s, h->resolver_name) : NULL;
		if (h->resolver_name && (!r || r->role != SCN_ROLE_DNS)) {
			snprintf(p, sizeof p, "hosts[%zu].resolver", i);
			report(ld, node_at(root, "hosts", i, "resolver"), false, p,
			       "name a host whose role is \"dns\"",
			       "resolver \"%s\" is not a dns host of this scenario", h->resolver_name);
		}
		if (h->postmaster_name && !scn_user(s, h->postmaster_name)) {
			snprintf(p, sizeof p, "hosts[%zu].postmaster", i);
			report(ld, node_at(root, "hosts", i, "postmaster"), false, p,
			       "name one of the scenario's users, who reads postmaster mail",
			       "no user \"%s\"", h->postmaster_name);
		}
		if (h->role != SCN_ROLE_CLIENT)
			continue;
		if (h->user_name && !scn_user(s, h->user_name)) {
			snprintf(p, sizeof p, "hosts[%zu].user", i);
			report(ld, node_at(root, "hosts", i, "user"), false, p,
			       "add it to \"users\" or fix the spelling",
			       "user \"%s\" is not in \"users\"", h->user_name);
		}
		const struct scn_host *sub = h->submit_name ? scn_host(s, h->submit_name) : NULL;
		/* Port 465 is submission over implicit TLS [RFC 8314 §3.3]. */
		enum scn_service want = h->submit_port == 465 ? SCN_SERVICE_SUBMISSIONS
							      : SCN_SERVICE_SUBMISSION;
		const char *wname = scn_service_names[want];
		if (h->submit_name && (!sub || !scn_host_has_service(sub, want))) {
			snprintf(p, sizeof p, "hosts[%zu].submit.server", i);
			if (sub)
				snprintf(msg, sizeof msg, "host \"%s\" offers no \"%s\" service",
					 h->submit_name, wname);
			else
				snprintf(msg, sizeof msg, "no host named \"%s\"", h->submit_name);
			snprintf(hint, sizeof hint,
				 "the server must be an mta host with \"%s\" in its services", wname);
			report(ld, node_at(root, "hosts", i, "submit"), false, p, hint, "%s", msg);
		}
		const struct scn_host *fs = h->has_fetch ? scn_host(s, h->fetch.server_name) : NULL;
		if (h->has_fetch && (!fs || !scn_host_has_service(fs, fetch_service(h->fetch.protocol)))) {
			snprintf(p, sizeof p, "hosts[%zu].fetch.server", i);
			snprintf(hint, sizeof hint, "add \"%s\" to the services of the server",
				 scn_fetch_protocol_names[h->fetch.protocol]);
			report(ld, node_at(root, "hosts", i, "fetch"), false, p, hint,
			       fs ? "host \"%s\" does not offer the fetch protocol" : "no host named \"%s\"",
			       h->fetch.server_name);
		}
	}
}

/* The first record of type at owner name in any zone of the scenario. */
static const struct scn_record *find_record(const struct scenario *s, const char *name,
					    enum dns_type type)
{
	for (size_t i = 0; i < s->nhosts; i++)
		for (size_t z = 0; z < s->hosts[i].nzones; z++) {
			const struct scn_zone *zone = &s->hosts[i].zones[z];
			for (size_t r = 0; r < zone->nrecords; r++)
				if (ascii_strcaseeq(zone->records[r].name, name) &&
				    zone->records[r].rtype == type)
					return &zone->records[r];
		}
	return NULL;
}

/* A host of that name, or an A/AAAA record for it, possibly at the end of
 * a CNAME chain (our DNS servers follow CNAMEs inside their zones). */
static bool name_has_address(const struct scenario *s, const char *name)
{
	char cur[256];
	snprintf(cur, sizeof cur, "%s", name);
	for (int hop = 0; hop < 8; hop++) {
		if (scn_host(s, cur) || find_record(s, cur, DNS_T_A) || find_record(s, cur, DNS_T_AAAA))
			return true;
		const struct scn_record *c = find_record(s, cur, DNS_T_CNAME);
		if (!c || !dns_name_normalize(c->data, cur, sizeof cur))
			return false;
	}
	return false;
}

static void check_mx_record(struct ld *ld, const struct scn_record *rec, const char *p)
{
	char target[256] = "", norm[256], msg[600], hint[600];
	unsigned pref;
	if (sscanf(rec->data, "%u %255s", &pref, target) != 2 || strcmp(target, ".") == 0 ||
	    !dns_name_normalize(target, norm, sizeof norm))
		return; /* null MX (RFC 7505) points nowhere on purpose */
	if (!name_has_address(ld->s, norm)) {
		snprintf(msg, sizeof msg,
			 "MX target \"%s\" does not exist: no host has that name and no zone has "
			 "an A or AAAA record for it",
			 norm);
		report_at(ld, rec->line, rec->col, p,
			  "add the host, add an A record for it, or point the MX at an existing host",
			  msg);
		return;
	}
	const struct scn_record *alias = find_record(ld->s, norm, DNS_T_CNAME);
	if (!alias)
		return;
	snprintf(hint, sizeof hint, "point the MX at the canonical name %s", alias->data);
	warn_at(ld, rec->line, rec->col, p, hint,
		"MX target \"%s\" is an alias (CNAME); an MX must name a host directly "
		"(RFC 2181 §10.3, RFC 5321 §5.1)",
		norm);
}

/* An A record for a scenario host's name should give that host's address:
 * otherwise mail and connections for the name go somewhere else. */
static void check_a_record(struct ld *ld, const struct scn_record *rec, const char *p)
{
	const struct scn_host *h = scn_host(ld->s, rec->name);
	uint8_t want[16], got[16];
	int fw, fg;
	if (!h || !dns_parse_ip(h->ip, want, &fw) || !dns_parse_ip(rec->data, got, &fg) ||
	    (fw == fg && memcmp(want, got, fw == 4 ? 4 : 16) == 0))
		return;
	char hint[600];
	snprintf(hint, sizeof hint, "make the record say %s, or change the host's \"ip\"", h->ip);
	warn_at(ld, rec->line, rec->col, p, hint,
		"A record for %s says %s, but host %s has the IP address %s", rec->name, rec->data,
		h->name, h->ip);
}

static void check_dns_refs(struct ld *ld)
{
	const struct scenario *s = ld->s;
	bool need_dns = false, have_dns = false;
	for (size_t i = 0; i < s->nhosts; i++) {
		const struct scn_host *h = &s->hosts[i];
		need_dns |= h->role == SCN_ROLE_MTA;
		have_dns |= h->role == SCN_ROLE_DNS;
		for (size_t z = 0; z < h->nzones; z++) {
			const struct scn_zone *zone = &h->zones[z];
			for (size_t r = 0; r < zone->nrecords; r++) {
				const struct scn_record *rec = &zone->records[r];
				char p[160];
				snprintf(p, sizeof p, "hosts[%zu].zones[%zu].records[%zu].data", i, z, r);
				if (rec->rtype == DNS_T_MX)
					check_mx_record(ld, rec, p);
				else if (rec->rtype == DNS_T_A)
					check_a_record(ld, rec, p);
			}
		}
	}
	if (need_dns && !have_dns)
		report_at(ld, 1, 1, "hosts",
			  "add a host with \"role\": \"dns\" holding the zones (MX and A records)",
			  "MTAs need DNS to route mail, but no host has role \"dns\"");
}

/* IMAP delivery needs a host that serves IMAP and a user to log in as. */
static void check_imap_delivery(struct ld *ld, const cJSON *root, size_t i)
{
	const struct scenario *s = ld->s;
	const struct scn_user *u = &s->users[i];
	if (!u->imap_server_name || !u->forward)
		return;
	char p[128];
	snprintf(p, sizeof p, "users[%zu].imap_server", i);
	const struct scn_host *h = scn_host(s, u->imap_server_name);
	if (!h || !scn_host_has_service(h, SCN_SERVICE_IMAP))
		report(ld, node_at(root, "users", i, "imap_server"), false, p,
		       "name a host of the scenario whose \"services\" include \"imap\"",
		       "\"%s\" is not a host that serves IMAP", u->imap_server_name);
	if (!scn_user(s, u->forward)) {
		snprintf(p, sizeof p, "users[%zu].forward", i);
		report(ld, node_at(root, "users", i, "forward"), false, p,
		       "IMAP delivery logs in as that user: add it to \"users\" with its password",
		       "no user \"%s\"", u->forward);
	}
}

static void check_user_refs(struct ld *ld, const cJSON *root)
{
	const struct scenario *s = ld->s;
	char p[128], hint[600];
	for (size_t i = 0; i < s->nusers; i++) {
		const struct scn_user *u = &s->users[i];
		const struct scn_user *first = scn_user(s, u->address);
		size_t k = first ? (size_t)(first - s->users) : i;
		if (k < i) {
			snprintf(p, sizeof p, "users[%zu].address", i);
			report(ld, node_at(root, "users", i, "address"), false, p, NULL,
			       "duplicate user \"%s\" (also users[%zu])", u->address, k);
		}
		check_imap_delivery(ld, root, i);
		if (!scn_mailbox_host(s, u->address)) {
			snprintf(p, sizeof p, "users[%zu].address", i);
			snprintf(hint, sizeof hint,
				 "add \"%s\" to the \"domains\" of the mta host that keeps this mailbox",
				 addr_domain(u->address));
			report(ld, node_at(root, "users", i, "address"), false, p, hint,
			       "no host keeps mail for the domain of \"%s\"", u->address);
		}
	}
}

static const struct scn_host *client_of(const struct scenario *s, const char *user)
{
	for (size_t i = 0; i < s->nhosts; i++)
		if (s->hosts[i].user_name && ascii_strcaseeq(s->hosts[i].user_name, user) &&
		    s->hosts[i].submit_name)
			return &s->hosts[i];
	return NULL;
}

static void check_message_refs(struct ld *ld, const cJSON *root)
{
	const struct scenario *s = ld->s;
	char p[128], hint[600];
	/* Duplicate ids through a hash map (id -> latest index) and a chain of
	 * earlier equal ids, so a 100,000-message scenario is checked in linear
	 * time; each duplicate is still reported against every earlier one, in
	 * ascending order. */
	struct strmap last;
	strmap_init(&last);
	size_t *prev = xcalloc(s->nmessages ? s->nmessages : 1, sizeof *prev);
	for (size_t i = 0; i < s->nmessages; i++) {
		const struct scn_message *m = &s->messages[i];
		size_t k;
		prev[i] = SIZE_MAX;
		if (strmap_get(&last, m->id, &k)) {
			prev[i] = k;
			size_t nd = 0;
			for (size_t j = k; j != SIZE_MAX; j = prev[j])
				nd++;
			size_t *dups = xcalloc(nd, sizeof *dups);
			for (size_t j = k, at = nd; j != SIZE_MAX; j = prev[j])
				dups[--at] = j;
			for (size_t d = 0; d < nd; d++) {
				snprintf(p, sizeof p, "messages[%zu].id", i);
				report(ld, node_at(root, "messages", i, "id"), false, p, NULL,
				       "duplicate message id \"%s\" (also messages[%zu])", m->id, dups[d]);
			}
			free(dups);
		}
		strmap_put(&last, m->id, i);
		snprintf(p, sizeof p, "messages[%zu].from", i);
		if (!scn_user(s, m->from)) {
			snprintf(hint, sizeof hint, "add {\"address\": \"%s\"} to \"users\" and give it a client host",
				 m->from);
			report(ld, node_at(root, "messages", i, "from"), false, p, hint,
			       "the sender \"%s\" is not a user of this scenario", m->from);
		} else if (!client_of(s, m->from)) {
			report(ld, node_at(root, "messages", i, "from"), false, p,
			       "add a host with \"role\": \"client\", this \"user\" and a \"submit\" server",
			       "no client host sends mail for \"%s\"", m->from);
		}
	}
	free(prev);
	strmap_free(&last);
}

static void check_misc_refs(struct ld *ld, const cJSON *root)
{
	const struct scenario *s = ld->s;
	char p[128];
	const char *vc = s->has_verify ? s->verify.client_name : NULL;
	const struct scn_host *vh = vc ? scn_host(s, vc) : NULL;
	const cJSON *vn = vc ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "verify"), "client") : NULL;
	if (vc && !vh)
		report(ld, vn, false, "verify.client", NULL, "no host named \"%s\"", vc);
	else if (vh && vh->role != SCN_ROLE_CLIENT)
		report(ld, vn, false, "verify.client", "the verifier is a client host (\"role\": \"client\")",
		       "\"%s\" is not a client host (role %s)", vc, scn_role_names[vh->role]);
	for (size_t i = 0; i < s->nnarration; i++)
		if (s->narration[i].node_name && !scn_host(s, s->narration[i].node_name)) {
			snprintf(p, sizeof p, "narration[%zu].node", i);
			report(ld, node_at(root, "narration", i, "node"), false, p, NULL,
			       "no host named \"%s\"", s->narration[i].node_name);
		}
	for (size_t i = 0; i < s->nlinks; i++) {
		const char *ends[2] = {s->links[i].a_name, s->links[i].b_name};
		for (int k = 0; k < 2; k++)
			if (ends[k] && !scn_host(s, ends[k])) {
				snprintf(p, sizeof p, "links[%zu].between", i);
				report(ld, node_at(root, "links", i, "between"), false, p, NULL,
				       "no host named \"%s\"", ends[k]);
			}
	}
}

static void check_fault_refs(struct ld *ld, const cJSON *root)
{
	const struct scenario *s = ld->s;
	char p[128];
	for (size_t i = 0; i < s->nfaults; i++) {
		const struct scn_fault *f = &s->faults[i];
		const struct scn_host *h = f->host_name ? scn_host(s, f->host_name) : NULL;
		snprintf(p, sizeof p, "faults[%zu]", i);
		if (f->host_name && !h) {
			report(ld, node_at(root, "faults", i, "host"), false, p, NULL,
			       "no host named \"%s\"", f->host_name);
			continue;
		}
		bool dns_fault = f->type == FAULT_DNS_TIMEOUT || f->type == FAULT_DNS_SERVFAIL;
		if (h && dns_fault && h->role != SCN_ROLE_DNS)
			report(ld, node_at(root, "faults", i, "host"), false, p,
			       "DNS faults apply to a host whose role is \"dns\"",
			       "\"%s\" is not a DNS server", f->host_name);
		if (f->user_name && !scn_user(s, f->user_name))
			report(ld, node_at(root, "faults", i, "user"), false, p, NULL,
			       "no user \"%s\"", f->user_name);
		const char *ends[2] = {f->a_name, f->b_name};
		for (int k = 0; k < 2; k++)
			if (ends[k] && !scn_host(s, ends[k]))
				report(ld, node_at(root, "faults", i, "between"), false, p, NULL,
				       "no host named \"%s\"", ends[k]);
	}
}

void check_refs(struct ld *ld, const cJSON *root)
{
	check_fault_refs(ld, root);
	check_host_refs(ld, root);
	check_dns_refs(ld);
	check_user_refs(ld, root);
	check_message_refs(ld, root);
	check_misc_refs(ld, root);
	/* A campaign's sender submits like a message's, or its bulk-sending
	 * host (an MTA) injects the messages into its own queue. */
	for (size_t i = 0; i < ld->s->ncampaigns; i++) {
		const struct scn_campaign *c = &ld->s->campaigns[i];
		char p[64];
		if (c->host_name) {
			const struct scn_host *h = scn_host(ld->s, c->host_name);
			snprintf(p, sizeof p, "campaigns[%zu].host", i);
			if (!h)
				report(ld, node_at(root, "campaigns", i, "host"), false, p, NULL,
				       "no host named \"%s\"", c->host_name);
			else if (h->role != SCN_ROLE_MTA)
				report(ld, node_at(root, "campaigns", i, "host"), false, p,
				       "a bulk-sending host is an MTA (\"role\": \"mta\"); leave \"host\" out to "
				       "send through the user's mail client",
				       "\"%s\" is not an MTA (role %s)", c->host_name, scn_role_names[h->role]);
			continue;
		}
		snprintf(p, sizeof p, "campaigns[%zu].from", i);
		if (!client_of(ld->s, c->from))
			report(ld, node_at(root, "campaigns", i, "from"), false, p,
			       "add a host with \"role\": \"client\", this \"user\" and a \"submit\" server",
			       "no client host sends mail for \"%s\"", c->from);
	}
}

/* ---- resolution: names to pointers, once ------------------------------------ */

static const struct scn_host *first_dns(const struct scenario *s)
{
	for (size_t i = 0; i < s->nhosts; i++)
		if (s->hosts[i].role == SCN_ROLE_DNS)
			return &s->hosts[i];
	return NULL;
}

static const struct scn_host *host_or_null(const struct scenario *s, const char *name)
{
	return name ? scn_host(s, name) : NULL;
}

static const struct scn_user *user_or_null(const struct scenario *s, const char *address)
{
	return address ? scn_user(s, address) : NULL;
}

static void resolve_host(struct scenario *s, struct scn_host *h, const struct scn_host *dflt_dns)
{
	h->resolver = h->resolver_name ? scn_host(s, h->resolver_name) : dflt_dns;
	h->user = user_or_null(s, h->user_name);
	h->submit = host_or_null(s, h->submit_name);
	h->fetch.server = h->has_fetch ? host_or_null(s, h->fetch.server_name) : NULL;
	h->postmaster = user_or_null(s, h->postmaster_name);
}

static void resolve_user(struct scenario *s, struct scn_user *u)
{
	u->home = scn_mailbox_host(s, u->address);
	u->imap_server = host_or_null(s, u->imap_server_name);
	u->imap_user = u->imap_server ? user_or_null(s, u->forward) : NULL;
}

void resolve_refs(struct scenario *s)
{
	const struct scn_host *dflt_dns = first_dns(s);
	for (size_t i = 0; i < s->nhosts; i++)
		resolve_host(s, &s->hosts[i], dflt_dns);
	for (size_t i = 0; i < s->nusers; i++)
		resolve_user(s, &s->users[i]);
	for (size_t i = 0; i < s->nmessages; i++)
		s->messages[i].client = client_of(s, s->messages[i].from);
	for (size_t i = 0; i < s->nnarration; i++)
		s->narration[i].node = host_or_null(s, s->narration[i].node_name);
	for (size_t i = 0; i < s->nlinks; i++) {
		s->links[i].a = host_or_null(s, s->links[i].a_name);
		s->links[i].b = host_or_null(s, s->links[i].b_name);
	}
	s->verify.client = host_or_null(s, s->verify.client_name);
	for (size_t i = 0; i < s->ncampaigns; i++) {
		struct scn_campaign *c = &s->campaigns[i];
		c->bulk = c->host_name != NULL;
		c->client = c->bulk ? host_or_null(s, c->host_name) : client_of(s, c->from);
	}
	for (size_t i = 0; i < s->nfaults; i++) {
		struct scn_fault *f = &s->faults[i];
		f->host = host_or_null(s, f->host_name);
		f->user = user_or_null(s, f->user_name);
		f->a = host_or_null(s, f->a_name);
		f->b = host_or_null(s, f->b_name);
	}
}
