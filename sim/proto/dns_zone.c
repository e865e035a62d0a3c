/* dns_zone.c — the authoritative zone database and its lookup (see
 * dns.h): RFC 1034 §4.3.2's algorithm over the zones one server holds.
 *
 * Invariants:
 *  - Zone data is a sorted array of owner nodes (strcmp order, for binary
 *    search); records inside a node keep insertion order, which is the
 *    order answers list them in. Zones keep insertion order; a name belongs
 *    to the deepest zone containing it.
 *  - Nothing here reads the clock or depends on pointer values. */
#include "dns.h"
#include "dns_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct dns_zone {
	char *origin;
	uint32_t neg_ttl;
	enum dns_rcode failure; /* DNS_R_NOERROR = healthy */
};

struct dns_node {
	char *name;
	struct dns_rr *rrs; /* insertion order */
	size_t n;
};

struct dns_db {
	struct dns_zone *zones; /* insertion order */
	size_t nzones;
	struct dns_node *nodes; /* sorted by strcmp(name) */
	size_t nnodes;
};

struct dns_db *dns_db_new(void)
{
	return xcalloc(1, sizeof(struct dns_db));
}

void dns_db_free(struct dns_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nzones; i++)
		free(db->zones[i].origin);
	for (size_t i = 0; i < db->nnodes; i++) {
		free(db->nodes[i].name);
		dns_rr_vec_free(db->nodes[i].rrs, db->nodes[i].n);
	}
	free(db->zones);
	free(db->nodes);
	free(db);
}

/* The deepest held zone containing name (canonical), or NULL. */
static struct dns_zone *find_zone(const struct dns_db *db, const char *name)
{
	struct dns_zone *best = NULL;
	for (size_t i = 0; i < db->nzones; i++) {
		struct dns_zone *z = &db->zones[i];
		if (dns_name_is_under(name, z->origin) &&
		    (!best || strlen(z->origin) > strlen(best->origin)))
			best = z;
	}
	return best;
}

/* Binary search; on a miss *pos is where the node would be inserted. */
static struct dns_node *find_node_pos(const struct dns_db *db, const char *name, size_t *pos)
{
	size_t lo = 0, hi = db->nnodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(db->nodes[mid].name, name);
		if (c == 0) {
			*pos = mid;
			return &db->nodes[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static const struct dns_node *find_node(const struct dns_db *db, const char *name)
{
	size_t pos;
	return find_node_pos(db, name, &pos);
}

static const struct dns_rr *node_first(const struct dns_node *node, enum dns_type t)
{
	for (size_t i = 0; node && i < node->n; i++) {
		if (node->rrs[i].type == t)
			return &node->rrs[i];
	}
	return NULL;
}

bool dns_db_add_zone(struct dns_db *db, const char *origin, uint32_t neg_ttl)
{
	char name[DNS_NAME_MAX + 1];
	struct dns_zone *z;
	if (!dns_name_normalize(origin, name, sizeof name))
		return false;
	for (size_t i = 0; i < db->nzones; i++) {
		if (strcmp(db->zones[i].origin, name) == 0) {
			db->zones[i].neg_ttl = neg_ttl;
			return true;
		}
	}
	db->zones = xrealloc(db->zones, (db->nzones + 1) * sizeof *db->zones);
	z = &db->zones[db->nzones++];
	z->origin = xstrdup(name);
	z->neg_ttl = neg_ttl;
	z->failure = DNS_R_NOERROR;
	return true;
}

bool dns_db_set_zone_failure(struct dns_db *db, const char *origin, enum dns_rcode rcode)
{
	char name[DNS_NAME_MAX + 1];
	if (!dns_name_normalize(origin, name, sizeof name))
		return false;
	for (size_t i = 0; i < db->nzones; i++) {
		if (strcmp(db->zones[i].origin, name) == 0) {
			db->zones[i].failure = rcode;
			return true;
		}
	}
	return false;
}

const char *dns_db_zone_of(const struct dns_db *db, const char *name)
{
	char buf[DNS_NAME_MAX + 1];
	const struct dns_zone *z;
	if (!dns_name_normalize(name, buf, sizeof buf))
		return NULL;
	z = find_zone(db, buf);
	return z ? z->origin : NULL;
}

/* CNAME exclusivity [RFC 1034 §3.6.2, RFC 2181 §10.1] and one SOA per
 * apex. node may be NULL (no data at the owner yet). */
static bool add_conflicts(const struct dns_node *node, const struct dns_rr *rr,
			  const struct dns_zone *z, const char *name, char *err, size_t errsz)
{
	bool at_apex = strcmp(name, z->origin) == 0;
	if (rr->type == DNS_T_SOA && !at_apex)
		return dns_fail(err, errsz, "SOA for '%s' is not at a zone apex", name);
	if (rr->type == DNS_T_CNAME && at_apex)
		return dns_fail(err, errsz, "CNAME at zone apex '%s' would conflict with its SOA",
			    name);
	for (size_t i = 0; node && i < node->n; i++) {
		const struct dns_rr *o = &node->rrs[i];
		if ((o->type == DNS_T_CNAME) != (rr->type == DNS_T_CNAME))
			return dns_fail(err, errsz, "CNAME at '%s' cannot coexist with other data",
				    name);
		if (o->type == rr->type && (rr->type == DNS_T_CNAME || rr->type == DNS_T_SOA))
			return dns_fail(err, errsz, "'%s' already has a %s record", name,
				    dns_type_name(rr->type));
	}
	return true;
}

static struct dns_node *node_insert(struct dns_db *db, size_t pos, const char *name)
{
	db->nodes = xrealloc(db->nodes, (db->nnodes + 1) * sizeof *db->nodes);
	memmove(&db->nodes[pos + 1], &db->nodes[pos], (db->nnodes - pos) * sizeof *db->nodes);
	db->nnodes++;
	memset(&db->nodes[pos], 0, sizeof db->nodes[pos]);
	db->nodes[pos].name = xstrdup(name);
	return &db->nodes[pos];
}

bool dns_db_add_checked(struct dns_db *db, const struct dns_rr *rr, char *err, size_t errsz)
{
	char name[DNS_NAME_MAX + 1];
	const struct dns_zone *z;
	struct dns_node *node;
	struct dns_rr *added;
	size_t pos;
	if (!rr->name || !dns_name_normalize(rr->name, name, sizeof name))
		return dns_fail(err, errsz, "owner name is not a valid domain name");
	if (!(z = find_zone(db, name)))
		return dns_fail(err, errsz, "'%s' is in none of this server's zones", name);
	node = find_node_pos(db, name, &pos);
	for (size_t i = 0; node && i < node->n; i++) {
		if (dns_rr_rdata_equal(&node->rrs[i], rr))
			return true; /* an RRset holds no duplicates [RFC 2181 §5] */
	}
	if (!add_conflicts(node, rr, z, name, err, errsz))
		return false;
	if (!node)
		node = node_insert(db, pos, name);
	added = dns_rr_vec_push(&node->rrs, &node->n, rr);
	free(added->name);
	added->name = xstrdup(name);
	return true;
}

bool dns_db_add(struct dns_db *db, const struct dns_rr *rr)
{
	return dns_db_add_checked(db, rr, NULL, 0);
}

/* Some node or held zone apex lies strictly below name. */
static bool has_descendant(const struct dns_db *db, const char *name)
{
	for (size_t i = 0; i < db->nnodes; i++) {
		if (strcmp(db->nodes[i].name, name) != 0 && dns_name_is_under(db->nodes[i].name, name))
			return true;
	}
	for (size_t i = 0; i < db->nzones; i++) {
		if (strcmp(db->zones[i].origin, name) != 0 && dns_name_is_under(db->zones[i].origin, name))
			return true;
	}
	return false;
}

static const char *parent_name(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot ? dot + 1 : name + strlen(name);
}

/* RFC 4592 §3.3.1: the source of synthesis for a non-existent name is
 * "*." + its closest encloser (the nearest existing ancestor). */
static const struct dns_node *find_wildcard(const struct dns_db *db, const struct dns_zone *z,
					    const char *name)
{
	char wild[DNS_NAME_MAX + 3];
	const char *anc = name;
	while (strcmp(anc, z->origin) != 0) {
		anc = parent_name(anc);
		if (find_node(db, anc) || has_descendant(db, anc))
			break;
	}
	if (snprintf(wild, sizeof wild, "*%s%s", anc[0] ? "." : "", anc) > DNS_NAME_MAX)
		return NULL;
	return find_node(db, wild);
}

/* The zone's SOA as a record: the one added at the apex, or a synthesized
 * one whose MINIMUM and TTL are the configured negative TTL. */
static void zone_soa(const struct dns_db *db, const struct dns_zone *z, struct dns_rr *out)
{
	const struct dns_rr *soa = node_first(find_node(db, z->origin), DNS_T_SOA);
	const char *dot = z->origin[0] ? "." : "";
	if (soa) {
		dns_rr_copy(out, soa);
		return;
	}
	memset(out, 0, sizeof *out);
	out->name = xstrdup(z->origin);
	out->type = DNS_T_SOA;
	out->ttl = z->neg_ttl;
	if (strlen(z->origin) + 11 <= DNS_NAME_MAX) {
		out->mname = xasprintf("ns1%s%s", dot, z->origin);
		out->rname = xasprintf("hostmaster%s%s", dot, z->origin);
	} else {
		out->mname = xstrdup(z->origin);
		out->rname = xstrdup(z->origin);
	}
	out->serial = 1;
	out->refresh = 7200;
	out->retry = 3600;
	out->expire = 1209600;
	out->minimum = z->neg_ttl;
}

/* NXDOMAIN or NODATA: the SOA goes in the authority section with its TTL
 * lowered to min(TTL, MINIMUM), which is also the negative TTL
 * [RFC 2308 §3, §5]. */
static void answer_negative(const struct dns_db *db, const struct dns_zone *z,
			    enum dns_rcode rcode, struct dns_answer *out)
{
	struct dns_rr soa;
	zone_soa(db, z, &soa);
	soa.ttl = dns_min_u32(soa.ttl, soa.minimum);
	out->rcode = rcode;
	out->neg_ttl = soa.ttl;
	dns_answer_push_auth(out, &soa);
	dns_rr_clear(&soa);
}

static void answer_fail(struct dns_answer *out, enum dns_rcode rcode)
{
	dns_answer_clear(out);
	out->rcode = rcode;
}

/* Copy rr into the answer under owner (differs for wildcard synthesis). */
static void answer_push_as(struct dns_answer *out, const struct dns_rr *rr, const char *owner)
{
	struct dns_rr *added = dns_rr_vec_push(&out->rrs, &out->n, rr);
	free(added->name);
	added->name = xstrdup(owner);
}

/* Records of qtype at name (synthesized SOA at an apex without one). */
static void answer_records(const struct dns_db *db, const struct dns_zone *z,
			   const struct dns_node *node, const char *name,
			   enum dns_type qtype, struct dns_answer *out)
{
	size_t before = out->n;
	for (size_t i = 0; node && i < node->n; i++) {
		if (node->rrs[i].type == qtype)
			answer_push_as(out, &node->rrs[i], name);
	}
	if (qtype == DNS_T_SOA && out->n == before && strcmp(name, z->origin) == 0) {
		struct dns_rr soa;
		zone_soa(db, z, &soa);
		answer_push_as(out, &soa, name);
		dns_rr_clear(&soa);
	}
	if (out->n == before)
		answer_negative(db, z, DNS_R_NOERROR, out); /* NODATA */
}

/* One step of resolution for name inside zone z. Returns the CNAME target
 * to continue with, or NULL when the answer is complete. */
static const char *lookup_step(const struct dns_db *db, const struct dns_zone *z,
			       const char *name, enum dns_type qtype, struct dns_answer *out)
{
	const struct dns_node *node = find_node(db, name);
	const struct dns_rr *cname;
	if (!node && strcmp(name, z->origin) != 0 && !has_descendant(db, name)) {
		node = find_wildcard(db, z, name);
		if (!node) {
			answer_negative(db, z, DNS_R_NXDOMAIN, out);
			return NULL;
		}
	}
	/* node == NULL here: the apex or an empty non-terminal [RFC 8020]. */
	cname = qtype == DNS_T_CNAME ? NULL : node_first(node, DNS_T_CNAME);
	if (cname) {
		answer_push_as(out, cname, name);
		return cname->target; /* RFC 1034 §4.3.2 step 3a: restart at the target */
	}
	answer_records(db, z, node, name, qtype, out);
	return NULL;
}

static bool chain_seen(char (*chain)[DNS_NAME_MAX + 1], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(chain[i], name) == 0)
			return true;
	}
	return false;
}

/* Follow CNAMEs across held zones. A target outside them ends the answer
 * with the chain so far (the client resolver would chase it); a loop or an
 * over-long chain is a resolution failure, which clients see as SERVFAIL. */
static void lookup_chain(const struct dns_db *db, const char *qname, enum dns_type qtype,
			 struct dns_answer *out)
{
	char chain[DNS_CNAME_MAX_CHAIN + 1][DNS_NAME_MAX + 1];
	size_t depth = 0;
	snprintf(chain[0], sizeof chain[0], "%s", qname);
	for (;;) {
		const struct dns_zone *z = find_zone(db, chain[depth]);
		const char *next;
		if (!z)
			return;
		if (z->failure != DNS_R_NOERROR) {
			answer_fail(out, z->failure);
			return;
		}
		next = lookup_step(db, z, chain[depth], qtype, out);
		if (!next)
			return;
		if (depth == DNS_CNAME_MAX_CHAIN || chain_seen(chain, depth + 1, next)) {
			answer_fail(out, DNS_R_SERVFAIL);
			return;
		}
		depth++;
		snprintf(chain[depth], sizeof chain[depth], "%s", next);
	}
}

void dns_db_lookup(const struct dns_db *db, const char *qname, enum dns_type qtype,
		   struct dns_answer *out)
{
	char name[DNS_NAME_MAX + 1];
	memset(out, 0, sizeof *out);
	if (!qname || !dns_name_normalize(qname, name, sizeof name)) {
		out->rcode = DNS_R_FORMERR;
		return;
	}
	if (!find_zone(db, name)) {
		out->rcode = DNS_R_REFUSED; /* not authoritative, not recursive */
		return;
	}
	out->authoritative = true;
	lookup_chain(db, name, qtype, out);
}
