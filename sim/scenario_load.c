/* scenario_load.c — the structural pass: every object of the cJSON tree
 * checked against its key table (unknown keys, wrong types, missing
 * required keys, duplicate keys, bad values) and copied into the typed
 * structs of scenario.h, in the scenario's arena. Names of other objects
 * are kept as written; scenario_check.c resolves them. The keys of hosts
 * that take mail are in scenario_mta.c. */
#include "scenario_int.h"

#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "util.h"

/* ---- hosts ---------------------------------------------------------------- */

static const struct key_spec fetch_keys[] = {
	{"protocol", JT_STR, true}, {"server", JT_STR, true}, {"at", JT_ARR, true},
	{"keep", JT_BOOL, false}, {"idle", JT_NUM, false},
};

static void load_fetch(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	if (!check_object(ld, o, jpath, fetch_keys, ARRAY_LEN(fetch_keys)))
		return;
	h->has_fetch = true;
	const cJSON *p = get(o, "protocol", JT_STR);
	char sub[512];
	snprintf(sub, sizeof sub, "%s.protocol", jpath);
	int proto = p ? check_enum(ld, p, sub, scn_fetch_protocol_names) : SCN_FETCH_IMAP;
	h->fetch.protocol = proto >= 0 ? (enum scn_fetch_protocol)proto : SCN_FETCH_IMAP;
	h->fetch.server_name = get_str(ld, o, "server", "");
	h->fetch.keep = get_bool(o, "keep", true);
	/* IMAP IDLE [RFC 2177]: seconds to wait for new mail, up to a week */
	h->fetch.idle = secs_to_us(get_num(ld, o, "idle", jpath, 1, 7 * 86400.0, 0, "seconds"));
	const cJSON *idle = get(o, "idle", JT_NUM);
	if (idle && proto != SCN_FETCH_IMAP) {
		snprintf(sub, sizeof sub, "%s.idle", jpath);
		report(ld, idle, false, sub, "remove \"idle\" or use \"protocol\": \"imap\"",
		       "IDLE is an IMAP command; POP3 has no way to wait for new mail");
	}
	const cJSON *at = get(o, "at", JT_ARR);
	if (!at)
		return;
	h->fetch.at = arena_calloc(ld->a, (size_t)cJSON_GetArraySize(at) + 1, sizeof *h->fetch.at);
	size_t i = 0;
	for (const cJSON *e = at->child; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "%s.at[%zu]", jpath, i);
		if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > 365 * 86400.0) {
			report(ld, e, false, sub, NULL,
			       "expected a time in seconds from the start (0 to 31536000)");
			continue;
		}
		h->fetch.at[h->fetch.nat++] = secs_to_us(e->valuedouble);
	}
}

static const struct key_spec record_keys[] = {
	{"name", JT_STR, true}, {"type", JT_STR, true}, {"data", JT_STR, true}, {"ttl", JT_INT, false},
};

static void load_record(struct ld *ld, const cJSON *o, const char *jpath, struct scn_zone *z)
{
	if (!check_object(ld, o, jpath, record_keys, ARRAY_LEN(record_keys)))
		return;
	const cJSON *name = get(o, "name", JT_STR), *type = get(o, "type", JT_STR),
		    *data = get(o, "data", JT_STR);
	if (!name || !type || !data)
		return;
	char owner[300], norm[256], sub[512];
	if (strcmp(name->valuestring, "@") == 0)
		snprintf(owner, sizeof owner, "%s", z->origin);
	else if (name->valuestring[0] && name->valuestring[strlen(name->valuestring) - 1] == '.')
		snprintf(owner, sizeof owner, "%s", name->valuestring);
	else
		snprintf(owner, sizeof owner, "%s.%s", name->valuestring, z->origin);
	snprintf(sub, sizeof sub, "%s.name", jpath);
	if (!dns_name_normalize(owner, norm, sizeof norm)) {
		report(ld, name, false, sub, "use \"@\" for the zone apex, a relative name, or an "
					     "absolute name ending in \".\"",
		       "\"%s\" is not a valid domain name", name->valuestring);
		return;
	}
	if (!dns_name_is_under(norm, z->origin)) {
		report(ld, name, false, sub, NULL, "\"%s\" is outside the zone \"%s\"", norm, z->origin);
		return;
	}
	enum dns_type t;
	snprintf(sub, sizeof sub, "%s.type", jpath);
	if (!dns_type_parse(type->valuestring, &t)) {
		report(ld, type, false, sub, "expected one of: A, AAAA, MX, TXT, PTR, CNAME, NS, SOA",
		       "unknown record type \"%s\"", type->valuestring);
		return;
	}
	double ttl = get_num(ld, o, "ttl", jpath, 0, 2147483647.0, z->ttl, "seconds");
	struct dns_rr rr;
	char err[256];
	snprintf(sub, sizeof sub, "%s.data", jpath);
	if (!dns_rr_init(&rr, norm, t, (uint32_t)ttl, data->valuestring, err, sizeof err)) {
		report(ld, data, false, sub, NULL, "%s", err);
		return;
	}
	dns_rr_clear(&rr);
	struct scn_record *r = &z->records[z->nrecords++]; /* sized by load_zone */
	r->name = arena_strdup(ld->a, norm);
	r->rtype = t;
	r->type = arena_strdup(ld->a, dns_type_name(t));
	r->data = arena_strdup(ld->a, data->valuestring);
	r->ttl = (uint32_t)ttl;
	where(ld, data, false, &r->line, &r->col);
}

static const struct key_spec zone_keys[] = {
	{"origin", JT_STR, true}, {"ttl", JT_INT, false}, {"neg_ttl", JT_INT, false},
	{"records", JT_ARR, true},
};

static void load_zone(struct ld *ld, const cJSON *o, const char *jpath, struct scn_zone *z)
{
	if (!check_object(ld, o, jpath, zone_keys, ARRAY_LEN(zone_keys)))
		return;
	const cJSON *origin = get(o, "origin", JT_STR);
	char norm[256], sub[512];
	if (!origin)
		return;
	if (!dns_name_normalize(origin->valuestring, norm, sizeof norm)) {
		snprintf(sub, sizeof sub, "%s.origin", jpath);
		report(ld, origin, false, sub, NULL, "\"%s\" is not a valid domain name",
		       origin->valuestring);
		return;
	}
	z->origin = arena_strdup(ld->a, norm);
	z->ttl = (uint32_t)get_num(ld, o, "ttl", jpath, 0, 2147483647.0, 3600, "seconds");
	z->neg_ttl = (uint32_t)get_num(ld, o, "neg_ttl", jpath, 0, 86400, 300, "seconds");
	const cJSON *recs = get(o, "records", JT_ARR);
	z->records = arena_calloc(ld->a, (size_t)cJSON_GetArraySize(recs) + 1, sizeof *z->records);
	size_t i = 0;
	for (const cJSON *e = recs ? recs->child : NULL; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "%s.records[%zu]", jpath, i);
		load_record(ld, e, sub, z);
	}
}

static const struct key_spec host_keys[] = {
	{"name", JT_STR, true},      {"role", JT_STR, true},        {"ip", JT_STR, true},
	{"services", JT_ARR, false}, {"domains", JT_ARR, false},    {"tls", JT_BOOL, false},
	{"size_limit", JT_INT, false}, {"max_rcpts", JT_INT, false}, {"vrfy", JT_BOOL, false},
	{"banner", JT_STR, false},   {"resolver", JT_STR, false},   {"user", JT_STR, false},
	{"submit", JT_OBJ, false},   {"fetch", JT_OBJ, false},      {"zones", JT_ARR, false},
	{"pos", JT_ARR, false},      {"label", JT_STR, false},      {"relay_domains", JT_ARR, false},
	{"tls_policy", JT_STR, false}, {"retry", JT_OBJ, false},    {"greylist", JT_OBJ, false},
	{"rate_limit", JT_OBJ, false}, {"idle_timeout", JT_NUM, false}, {"filters", JT_OBJ, false},
	{"dkim_sign", JT_OBJ, false},  {"srs_secret", JT_STR, false},  {"quota_full", JT_STR, false},
	{"postmaster", JT_STR, false}, {"refuse_probes_from", JT_ARR, false},
	{"tabs", JT_BOOL, false},    {"sender_reputation", JT_OBJ, false},
};

static const struct key_spec submit_keys[] = {
	{"server", JT_STR, true},
	{"port", JT_INT, false},
};

#define ROLE(r) (1u << (r))
/* The roles of hosts that take mail: they share one set of keys. */
#define TAKES_MAIL (ROLE(SCN_ROLE_MTA) | ROLE(SCN_ROLE_FILTER) | ROLE(SCN_ROLE_MAILBOX))

static bool takes_mail(enum scn_role role)
{
	return (TAKES_MAIL & ROLE(role)) != 0;
}

/* Keys that only make sense for some roles. */
static const struct {
	const char *key;
	unsigned roles;    /* ROLE() bits */
} role_keys[] = {
	{"services", TAKES_MAIL}, {"domains", TAKES_MAIL}, {"tls", TAKES_MAIL},
	{"size_limit", TAKES_MAIL}, {"max_rcpts", TAKES_MAIL}, {"vrfy", TAKES_MAIL},
	{"banner", TAKES_MAIL}, {"user", ROLE(SCN_ROLE_CLIENT)}, {"submit", ROLE(SCN_ROLE_CLIENT)},
	{"fetch", ROLE(SCN_ROLE_CLIENT)}, {"zones", ROLE(SCN_ROLE_DNS)},
	{"relay_domains", TAKES_MAIL}, {"tls_policy", TAKES_MAIL}, {"retry", TAKES_MAIL},
	{"greylist", TAKES_MAIL}, {"rate_limit", TAKES_MAIL}, {"idle_timeout", TAKES_MAIL},
	{"filters", TAKES_MAIL}, {"dkim_sign", TAKES_MAIL}, {"srs_secret", TAKES_MAIL},
	{"quota_full", TAKES_MAIL}, {"postmaster", TAKES_MAIL}, {"refuse_probes_from", TAKES_MAIL},
	{"tabs", TAKES_MAIL},
};

/* "mta filter mailbox": the roles of a bit set, in the enum's order. */
static void role_list(unsigned roles, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t r = 0; scn_role_names[r] && o < cap; r++)
		if (roles & ROLE(r))
			o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? " " : "", scn_role_names[r]);
}

static void check_role_keys(struct ld *ld, const cJSON *o, const char *jpath, enum scn_role role)
{
	for (size_t i = 0; i < ARRAY_LEN(role_keys); i++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, role_keys[i].key);
		if (!n || (role_keys[i].roles & ROLE(role)))
			continue;
		char p[512], hint[128], roles[64];
		snprintf(p, sizeof p, "%s.%s", jpath, role_keys[i].key);
		role_list(role_keys[i].roles, roles, sizeof roles);
		snprintf(hint, sizeof hint, "\"%s\" applies to roles: %s", role_keys[i].key, roles);
		report(ld, n, true, p, hint, "a host with role \"%s\" takes no \"%s\"",
		       scn_role_names[role], role_keys[i].key);
	}
}

static void load_host_client(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	char sub[512];
	h->user_name = get_str(ld, o, "user", NULL);
	const cJSON *sb = get(o, "submit", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.submit", jpath);
	if (sb && check_object(ld, sb, sub, submit_keys, ARRAY_LEN(submit_keys))) {
		h->submit_name = get_str(ld, sb, "server", NULL);
		h->submit_port = (int)get_num(ld, sb, "port", sub, 1, 65535, 587, NULL);
	}
	const cJSON *f = get(o, "fetch", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.fetch", jpath);
	if (f)
		load_fetch(ld, f, sub, h);
	if (!h->user_name && (h->submit_name || h->has_fetch))
		report(ld, o, false, jpath, "add \"user\": \"someone@example.org\"",
		       "a client that submits or fetches mail needs a \"user\"");
}

static void load_host(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	if (!check_object(ld, o, jpath, host_keys, ARRAY_LEN(host_keys)))
		return;
	char sub[512], norm[256];
	h->name = get_str(ld, o, "name", "");
	h->ip = get_str(ld, o, "ip", "");
	const cJSON *n = get(o, "name", JT_STR);
	snprintf(sub, sizeof sub, "%s.name", jpath);
	if (n && !dns_name_normalize(h->name, norm, sizeof norm))
		report(ld, n, false, sub, "host names are DNS names like mx1.example.net",
		       "\"%s\" is not a valid host name", h->name);
	const cJSON *ip = get(o, "ip", JT_STR);
	uint8_t addr[16];
	int fam;
	snprintf(sub, sizeof sub, "%s.ip", jpath);
	if (ip && (!dns_parse_ip(h->ip, addr, &fam) || fam != 4))
		report(ld, ip, false, sub, "write an IPv4 address like 192.0.2.25",
		       "\"%s\" is not an IPv4 address", h->ip);
	const cJSON *role = get(o, "role", JT_STR);
	snprintf(sub, sizeof sub, "%s.role", jpath);
	int r = role ? check_enum(ld, role, sub, scn_role_names) : -1;
	if (role && r < 0)
		return;
	h->role = r >= 0 ? (enum scn_role)r : SCN_ROLE_MTA; /* missing: reported, not loaded */
	h->resolver_name = get_str(ld, o, "resolver", NULL);
	const cJSON *pos = get(o, "pos", JT_ARR);
	if (pos) {
		const cJSON *x = cJSON_GetArrayItem(pos, 0), *y = cJSON_GetArrayItem(pos, 1);
		snprintf(sub, sizeof sub, "%s.pos", jpath);
		if (cJSON_GetArraySize(pos) != 2 || !cJSON_IsNumber(x) || !cJSON_IsNumber(y) ||
		    x->valuedouble < 0 || x->valuedouble > 1 || y->valuedouble < 0 || y->valuedouble > 1)
			report(ld, pos, false, sub, "for example [0.25, 0.5]",
			       "expected [x, y] with both between 0 and 1");
		else {
			h->has_pos = true;
			h->x = x->valuedouble;
			h->y = y->valuedouble;
		}
	}
	if (role) {
		check_role_keys(ld, o, jpath, h->role);
		if (h->role == SCN_ROLE_CLIENT)
			load_host_client(ld, o, jpath, h);
		if (takes_mail(h->role))
			load_host_mta(ld, o, jpath, h);
	}
	const cJSON *zones = get(o, "zones", JT_ARR);
	if (zones) {
		h->zones = arena_calloc(ld->a, (size_t)cJSON_GetArraySize(zones) + 1, sizeof *h->zones);
		size_t i = 0;
		for (const cJSON *e = zones->child; e; e = e->next, i++) {
			snprintf(sub, sizeof sub, "%s.zones[%zu]", jpath, i);
			load_zone(ld, e, sub, &h->zones[h->nzones++]);
		}
	}
}

/* ---- users, messages, narration, links ------------------------------------ */

static const struct key_spec user_keys[] = {
	{"address", JT_STR, true}, {"password", JT_STR, false}, {"quota", JT_INT, false},
	{"aliases", JT_ARR, false}, {"disabled", JT_BOOL, false}, {"catch_all", JT_BOOL, false},
	{"forward", JT_STR, false}, {"name", JT_STR, false}, {"imap_server", JT_STR, false},
	{"imap_password", JT_STR, false},
};

static void load_user(struct ld *ld, const cJSON *o, const char *jpath, struct scn_user *u)
{
	if (!check_object(ld, o, jpath, user_keys, ARRAY_LEN(user_keys)))
		return;
	u->address = get_str(ld, o, "address", "");
	u->password = get_str(ld, o, "password", "");
	u->name = get_str(ld, o, "name", NULL);
	u->quota = (int64_t)get_num(ld, o, "quota", jpath, 0, 1e12, 0, "bytes");
	u->disabled = get_bool(o, "disabled", false);
	u->catch_all = get_bool(o, "catch_all", false);
	const cJSON *a = get(o, "address", JT_STR);
	char sub[512];
	snprintf(sub, sizeof sub, "%s.address", jpath);
	if (a) {
		check_address(ld, a, sub, u->address);
		check_path_name(ld, a, sub, "address");
	}
	u->forward = get_str(ld, o, "forward", NULL);
	const cJSON *fw = get(o, "forward", JT_STR);
	snprintf(sub, sizeof sub, "%s.forward", jpath);
	if (fw)
		check_address(ld, fw, sub, u->forward);
	u->imap_server_name = get_str(ld, o, "imap_server", NULL);
	u->imap_password = get_str(ld, o, "imap_password", NULL);
	const cJSON *is = get(o, "imap_server", JT_STR);
	snprintf(sub, sizeof sub, "%s.imap_server", jpath);
	if (is && !fw)
		report(ld, is, false, sub, "add \"forward\": the address whose mailbox it fills",
		       "\"imap_server\" needs \"forward\"");
	u->aliases = get_str_list(ld, o, "aliases", jpath, &u->naliases);
	const cJSON *al = get(o, "aliases", JT_ARR);
	for (size_t i = 0; i < u->naliases; i++) {
		snprintf(sub, sizeof sub, "%s.aliases[%zu]", jpath, i);
		check_address(ld, cJSON_GetArrayItem(al, (int)i), sub, u->aliases[i]);
	}
}

static const struct key_spec message_keys[] = {
	{"id", JT_STR, true},    {"at", JT_NUM, true},       {"from", JT_STR, true},
	{"to", JT_STR_OR_ARR, true}, {"subject", JT_STR, false}, {"body", JT_STR_OR_ARR, false},
	{"size", JT_INT, false},     {"spoof_from", JT_STR, false}, {"omit_headers", JT_ARR, false},
	{"attachments", JT_ARR, false},
};

static const struct key_spec attachment_keys[] = {
	{"filename", JT_STR, true}, {"type", JT_STR, false}, {"text", JT_STR, false},
	{"eicar", JT_BOOL, false},
};

static void load_attachments(struct ld *ld, const cJSON *a, const char *jpath, struct scn_message *m)
{
	m->attachments = arena_calloc(ld->a, (size_t)cJSON_GetArraySize(a) + 1, sizeof *m->attachments);
	size_t i = 0;
	for (const cJSON *e = a->child; e; e = e->next, i++) {
		char sub[512];
		snprintf(sub, sizeof sub, "%s.attachments[%zu]", jpath, i);
		if (!check_object(ld, e, sub, attachment_keys, ARRAY_LEN(attachment_keys)))
			continue;
		struct scn_attachment *at = &m->attachments[m->nattachments++];
		at->filename = get_str(ld, e, "filename", "file");
		at->type = get_str(ld, e, "type", NULL);
		at->text = get_str(ld, e, "text", NULL);
		at->eicar = get_bool(e, "eicar", false);
		if (!at->text && !at->eicar)
			report(ld, e, false, sub, "give \"text\" or \"eicar\": true",
			       "an attachment needs content");
	}
}

/* Two recipients naming one mailbox: the domain compared without case
 * (DNS names are), the local part exactly, since RFC 5321 §2.4 lets the
 * receiving host treat "Bob" and "bob" as different mailboxes. */
static bool same_recipient(const char *a, const char *b)
{
	const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');
	if (!at_a || !at_b || at_a - a != at_b - b)
		return false;
	return memcmp(a, b, (size_t)(at_a - a)) == 0 && ascii_strcaseeq(at_a, at_b);
}

static void warn_duplicate_rcpts(struct ld *ld, const cJSON *to, const char *jpath,
				 const struct scn_message *m)
{
	char sub[512];
	for (size_t i = 0; i < m->nto; i++)
		for (size_t k = 0; k < i; k++) {
			if (!same_recipient(m->to[k], m->to[i]))
				continue;
			int line, col;
			where(ld, cJSON_GetArrayItem(to, (int)i), false, &line, &col);
			snprintf(sub, sizeof sub, "%s.to[%zu]", jpath, i);
			warn_at(ld, line, col, sub,
				"the message would go twice to one mailbox; remove one (local parts "
				"are case-sensitive, RFC 5321 §2.4: only the domain's case is ignored)",
				"recipient \"%s\" repeats to[%zu] (\"%s\")",
				m->to[i], k, m->to[k]);
			break;
		}
}

static void load_message(struct ld *ld, const cJSON *o, const char *jpath, struct scn_message *m)
{
	if (!check_object(ld, o, jpath, message_keys, ARRAY_LEN(message_keys)))
		return;
	char sub[512];
	m->id = get_str(ld, o, "id", "");
	m->at = secs_to_us(get_num(ld, o, "at", jpath, 0, 365 * 86400.0, 0, "seconds"));
	m->from = get_str(ld, o, "from", "");
	m->subject = get_str(ld, o, "subject", "");
	m->body = join_body(ld, cJSON_GetObjectItemCaseSensitive(o, "body"));
	m->size = (int64_t)get_num(ld, o, "size", jpath, 0, 1e9, 0, "bytes");
	m->to = get_str_list(ld, o, "to", jpath, &m->nto);
	m->spoof_from = get_str(ld, o, "spoof_from", NULL);
	const cJSON *sf = get(o, "spoof_from", JT_STR);
	snprintf(sub, sizeof sub, "%s.spoof_from", jpath);
	if (sf)
		check_address(ld, sf, sub, m->spoof_from);
	m->omit = get_str_list(ld, o, "omit_headers", jpath, &m->nomit);
	const cJSON *om = get(o, "omit_headers", JT_ARR);
	size_t oi = 0;
	for (const cJSON *e = om ? om->child : NULL; e; e = e->next, oi++) {
		snprintf(sub, sizeof sub, "%s.omit_headers[%zu]", jpath, oi);
		if (cJSON_IsString(e))
			check_enum(ld, e, sub, scn_omittable_names);
	}
	const cJSON *at = get(o, "attachments", JT_ARR);
	if (at)
		load_attachments(ld, at, jpath, m);
	const cJSON *f = get(o, "from", JT_STR);
	snprintf(sub, sizeof sub, "%s.from", jpath);
	if (f)
		check_address(ld, f, sub, m->from);
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(o, "to");
	for (size_t i = 0; i < m->nto; i++) {
		snprintf(sub, sizeof sub, "%s.to[%zu]", jpath, i);
		check_address(ld, cJSON_IsArray(to) ? cJSON_GetArrayItem(to, (int)i) : to, sub, m->to[i]);
	}
	if (to && m->nto == 0)
		report(ld, to, false, jpath, NULL, "a message needs at least one recipient in \"to\"");
	if (cJSON_IsArray(to))
		warn_duplicate_rcpts(ld, to, jpath, m);
}

static const struct key_spec narration_keys[] = {
	{"before", JT_STR, true}, {"node", JT_STR, false}, {"match", JT_STR, false},
	{"text", JT_STR, true},   {"every", JT_BOOL, false},
};

static void load_narration(struct ld *ld, const cJSON *o, const char *jpath,
			   struct scn_narration *n)
{
	if (!check_object(ld, o, jpath, narration_keys, ARRAY_LEN(narration_keys)))
		return;
	(void)get_enum(ld, o, "before", jpath, scn_narration_kinds(), 0); /* checks the spelling */
	n->before = get_str(ld, o, "before", "");
	n->node_name = get_str(ld, o, "node", NULL);
	n->match = get_str(ld, o, "match", NULL);
	n->text = get_str(ld, o, "text", "");
	n->every = get_bool(o, "every", false);
}

static const struct key_spec link_keys[] = {
	{"between", JT_ARR, true},
	{"latency_ms", JT_NUM, true},
};

static void load_link(struct ld *ld, const cJSON *o, const char *jpath, struct scn_link *l)
{
	if (!check_object(ld, o, jpath, link_keys, ARRAY_LEN(link_keys)))
		return;
	const cJSON *b = get(o, "between", JT_ARR);
	const cJSON *a0 = cJSON_GetArrayItem(b, 0), *a1 = cJSON_GetArrayItem(b, 1);
	char sub[512];
	snprintf(sub, sizeof sub, "%s.between", jpath);
	if (b && (cJSON_GetArraySize(b) != 2 || !cJSON_IsString(a0) || !cJSON_IsString(a1)))
		report(ld, b, false, sub, "for example [\"mail.example.org\", \"mx1.example.net\"]",
		       "expected two host names");
	else if (b) {
		l->a_name = arena_strdup(ld->a, a0->valuestring);
		l->b_name = arena_strdup(ld->a, a1->valuestring);
	}
	l->latency = secs_to_us(get_num(ld, o, "latency_ms", jpath, 0, 600000, 10, "ms") / 1000.0);
}

static const struct key_spec fault_keys[] = {
	{"type", JT_STR, true},   {"host", JT_STR, false},       {"between", JT_ARR, false},
	{"user", JT_STR, false},  {"port", JT_INT, false},       {"from", JT_NUM, false},
	{"until", JT_NUM, false}, {"latency_ms", JT_NUM, false}, {"loss", JT_NUM, false},
	{"delay_ms", JT_NUM, false}, {"at", JT_NUM, false},      {"what", JT_STR, false},
};

/* Which keys each fault type needs (first word) and accepts. */
static const char *const fault_needs[] = {
	"host", "host port", "host", "host", "between", "host delay_ms", "host", "user", "host what",
};
static const char *const fault_accepts[] = {
	"type host from until", "type host port from until", "type host from until",
	"type host from until", "type between latency_ms loss from until",
	"type host delay_ms from until", "type host from until", "type user at until",
	"type host what from until",
};

static void check_fault_keys(struct ld *ld, const cJSON *o, const char *jpath, int t)
{
	char need[64];
	snprintf(need, sizeof need, "%s", fault_needs[t]);
	for (char *w = strtok(need, " "); w; w = strtok(NULL, " "))
		if (!cJSON_GetObjectItemCaseSensitive(o, w))
			report(ld, o, false, jpath, NULL, "a %s fault needs \"%s\"", scn_fault_names[t], w);
	for (const cJSON *m = o->child; m; m = m->next) {
		char key[80], hint[160];
		snprintf(key, sizeof key, " %s ", m->string);
		char acc[96];
		snprintf(acc, sizeof acc, " %s ", fault_accepts[t]);
		if (strstr(acc, key))
			continue;
		snprintf(hint, sizeof hint, "a %s fault takes: %s", scn_fault_names[t], fault_accepts[t]);
		char p[512];
		snprintf(p, sizeof p, "%s.%s", jpath, m->string);
		report(ld, m, true, p, hint, "\"%s\" does not apply to a %s fault", m->string,
		       scn_fault_names[t]);
	}
}

static void load_fault(struct ld *ld, const cJSON *o, const char *jpath, struct scn_fault *f)
{
	if (!check_object(ld, o, jpath, fault_keys, ARRAY_LEN(fault_keys)))
		return;
	const cJSON *t = get(o, "type", JT_STR);
	char sub[512];
	snprintf(sub, sizeof sub, "%s.type", jpath);
	int ti = t ? check_enum(ld, t, sub, scn_fault_names) : -1;
	if (ti < 0)
		return;
	f->type = (enum scn_fault_type)ti;
	check_fault_keys(ld, o, jpath, ti);
	f->host_name = get_str(ld, o, "host", NULL);
	f->user_name = get_str(ld, o, "user", NULL);
	f->what = (enum scn_tamper)get_enum(ld, o, "what", jpath, scn_tamper_names, SCN_TAMPER_BODY);
	f->port = (int)get_num(ld, o, "port", jpath, 1, 65535, 25, NULL);
	f->from = secs_to_us(get_num(ld, o, "from", jpath, 0, 365 * 86400.0, 0, "seconds"));
	f->from = f->type == FAULT_MAILBOX_FULL
			  ? secs_to_us(get_num(ld, o, "at", jpath, 0, 365 * 86400.0, 0, "seconds"))
			  : f->from;
	const cJSON *until = get(o, "until", JT_NUM);
	f->until = until ? secs_to_us(get_num(ld, o, "until", jpath, 0, 365 * 86400.0, 0, "seconds"))
			 : -1;
	if (until && f->until <= f->from)
		report(ld, until, false, jpath, NULL, "\"until\" must be later than \"from\"");
	const cJSON *lat = get(o, "latency_ms", JT_NUM);
	f->latency = lat ? secs_to_us(get_num(ld, o, "latency_ms", jpath, 0, 600000, 0, "ms") / 1000.0)
			 : -1;
	f->loss = get_num(ld, o, "loss", jpath, 0, 1, 0, NULL);
	f->delay = secs_to_us(get_num(ld, o, "delay_ms", jpath, 0, 3600000, 0, "ms") / 1000.0);
	const cJSON *b = get(o, "between", JT_ARR);
	const cJSON *b0 = cJSON_GetArrayItem(b, 0), *b1 = cJSON_GetArrayItem(b, 1);
	if (b && (cJSON_GetArraySize(b) != 2 || !cJSON_IsString(b0) || !cJSON_IsString(b1))) {
		snprintf(sub, sizeof sub, "%s.between", jpath);
		report(ld, b, false, sub, NULL, "expected two host names");
	} else if (b) {
		f->a_name = arena_strdup(ld->a, b0->valuestring);
		f->b_name = arena_strdup(ld->a, b1->valuestring);
	}
}

/* ---- top level -------------------------------------------------------------- */

static const struct key_spec top_keys[] = {
	{"mailsim", JT_INT, true},    {"name", JT_STR, true},       {"title", JT_STR, false},
	{"description", JT_STR_OR_ARR, false}, {"seed", JT_INT, false}, {"start", JT_STR, false},
	{"latency_ms", JT_NUM, false}, {"hosts", JT_ARR, true},     {"users", JT_ARR, false},
	{"messages", JT_ARR, false},  {"narration", JT_ARR, false}, {"links", JT_ARR, false},
	{"faults", JT_ARR, false},    {"verify", JT_OBJ, false},    {"campaigns", JT_ARR, false},
};

static const struct key_spec verify_keys[] = {
	{"client", JT_STR, false},    {"from", JT_STR, false},      {"at", JT_STR_OR_NUM, false},
	{"addresses", JT_ARR, true},  {"disposable_domains", JT_ARR, false},
};

static void load_verify(struct ld *ld, const cJSON *o, struct scn_verify *v)
{
	if (!check_object(ld, o, "verify", verify_keys, ARRAY_LEN(verify_keys)))
		return;
	v->client_name = get_str(ld, o, "client", NULL);
	v->from = get_str(ld, o, "from", NULL);
	if (v->from)
		check_address(ld, get(o, "from", JT_STR), "verify.from", v->from);
	v->at = get(o, "at", JT_STR_OR_NUM) ? get_duration(ld, o, "at", "verify") : 0;
	if (v->at < 0)
		v->at = 0;
	v->addresses = get_str_list(ld, o, "addresses", "verify", &v->naddresses);
	v->disposable = get_str_list(ld, o, "disposable_domains", "verify", &v->ndisposable);
}

#define LOAD_ARRAY(ld, root, key, arr, count, fn)                                           \
	do {                                                                                \
		const cJSON *a_ = get(root, key, JT_ARR);                                   \
		size_t i_ = 0;                                                              \
		(arr) = arena_calloc((ld)->a, (size_t)cJSON_GetArraySize(a_) + 1, sizeof *(arr)); \
		for (const cJSON *e_ = a_ ? a_->child : NULL; e_; e_ = e_->next, i_++) {    \
			char p_[64];                                                        \
			snprintf(p_, sizeof p_, "%s[%zu]", key, i_);                        \
			fn(ld, e_, p_, &(arr)[(count)++]);                                  \
		}                                                                           \
	} while (0)

void load_top(struct ld *ld, const cJSON *root)
{
	struct scenario *s = ld->s;
	if (!check_object(ld, root, "", top_keys, ARRAY_LEN(top_keys)))
		return;
	const cJSON *v = get(root, "mailsim", JT_INT);
	if (v && v->valuedouble != 1)
		report(ld, v, false, "mailsim", "this mailsim reads format version 1",
		       "unsupported format version %g", v->valuedouble);
	s->name = get_str(ld, root, "name", "");
	s->title = get_str(ld, root, "title", s->name);
	s->description = join_body(ld, cJSON_GetObjectItemCaseSensitive(root, "description"));
	s->seed = (uint64_t)get_num(ld, root, "seed", "", 0, 9007199254740991.0, 1, NULL);
	s->latency = secs_to_us(get_num(ld, root, "latency_ms", "", 0, 600000, 10, "ms") / 1000.0);
	const cJSON *st = get(root, "start", JT_STR);
	int64_t unix_s = 1715674500; /* 2024-05-14T08:15:00Z */
	if (st && !parse_iso8601_utc(st->valuestring, &unix_s))
		report(ld, st, false, "start", "for example \"2024-05-14T08:15:00Z\"",
		       "\"%s\" is not a UTC date and time", st->valuestring);
	s->start_unix_us = unix_s * 1000000;
	LOAD_ARRAY(ld, root, "hosts", s->hosts, s->nhosts, load_host);
	LOAD_ARRAY(ld, root, "users", s->users, s->nusers, load_user);
	LOAD_ARRAY(ld, root, "messages", s->messages, s->nmessages, load_message);
	LOAD_ARRAY(ld, root, "narration", s->narration, s->nnarration, load_narration);
	LOAD_ARRAY(ld, root, "links", s->links, s->nlinks, load_link);
	LOAD_ARRAY(ld, root, "faults", s->faults, s->nfaults, load_fault);
	const cJSON *vb = get(root, "verify", JT_OBJ);
	s->has_verify = vb != NULL;
	if (vb)
		load_verify(ld, vb, &s->verify);
	scn_index_users(s);
	load_campaigns(ld, root); /* a generated list adds users (and indexes them) */
}
