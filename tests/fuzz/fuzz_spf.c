/* fuzz_spf.c — SPF (RFC 7208) on arbitrary records: the record parser,
 * macro expansion, every mechanism and the lookup limits, with a canned
 * DNS that answers from the fuzz input.
 *
 * Input: byte 0 picks the identity (MAIL FROM or HELO) and the client
 * address (IPv4, IPv6, IPv4-mapped, unparsable); the first line is the
 * sender (or the HELO name); each further line is one record of the zone
 * the DNS answers from, "name TYPE rdata" in presentation form
 * ("example.org TXT v=spf1 a -all", "example.org MX 10 mx.example.org.");
 * rdata "!" makes that query time out, "?" answer SERVFAIL. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "fuzz_common.h"
#include "spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECS 64

struct rec {
	char *name, *type, *rdata; /* into the line, NUL-terminated */
};

struct zone {
	struct rec r[MAX_RECS];
	char *lines[MAX_RECS];
	size_t n;
};

/* "name TYPE rdata": the rdata is the rest of the line. */
static void zone_read(struct zone *z, struct fz *in)
{
	char *line;
	while (z->n < MAX_RECS && (line = fz_line(in)) != NULL) {
		struct rec *r = &z->r[z->n];
		z->lines[z->n++] = line;
		r->name = line;
		char *sp = strchr(line, ' ');
		r->type = sp ? sp + 1 : "";
		if (sp)
			*sp = '\0';
		sp = strchr(r->type, ' ');
		r->rdata = sp ? sp + 1 : "";
		if (sp)
			*sp = '\0';
		size_t len = strlen(r->name);
		if (len && r->name[len - 1] == '.')
			r->name[len - 1] = '\0';
	}
}

static void zone_free(struct zone *z)
{
	for (size_t i = 0; i < z->n; i++)
		free(z->lines[i]);
}

/* The canned DNS: the records at qname of type qt; "!" as rdata means the
 * query times out, "?" SERVFAIL; no record at the name NXDOMAIN. */
static void answer(struct spf *s, const struct zone *z, const char *qname, enum dns_type qt)
{
	struct dns_answer a;
	memset(&a, 0, sizeof(a));
	bool name_exists = false;
	for (size_t i = 0; i < z->n; i++) {
		const struct rec *r = &z->r[i];
		enum dns_type t;
		if (strcasecmp(r->name, qname) != 0)
			continue;
		name_exists = true;
		if (!dns_type_parse(r->type, &t) || t != qt)
			continue;
		if (strcmp(r->rdata, "!") == 0) {
			dns_answer_clear(&a);
			spf_answer(s, NULL);
			return;
		}
		if (strcmp(r->rdata, "?") == 0) {
			a.rcode = DNS_R_SERVFAIL;
			break;
		}
		struct dns_rr rr;
		char err[128];
		if (dns_rr_init(&rr, qname, qt, 300, r->rdata, err, sizeof(err))) {
			dns_answer_push(&a, &rr);
			dns_rr_clear(&rr);
		}
	}
	if (!name_exists)
		a.rcode = DNS_R_NXDOMAIN;
	spf_answer(s, &a);
	dns_answer_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ips[] = {"192.0.2.10", "2001:db8::10", "::ffff:192.0.2.10",
					  "not an address"};
	struct fz in = {data, size};
	uint8_t mode = fz_byte(&in);
	char *who = fz_line(&in);
	if (!who)
		return 0;
	const char *ip = ips[(mode >> 1) & 3];
	struct zone z = {.n = 0};
	zone_read(&z, &in);
	struct spf *s = (mode & 1) ? spf_new_helo(ip, who) : spf_new(ip, who, "mail.example.org");
	spf_set_receiver(s, "mx1.example.net", 1700000000);
	char qname[256];
	enum dns_type qt;
	int steps = 0;
	while (spf_step(s, qname, sizeof(qname), &qt) == AUTH_NEED_DNS) {
		/* 10 lookups, 10 names each for mx/ptr, exp=: far below this */
		if (++steps > 1000)
			__builtin_trap();
		answer(s, &z, qname, qt);
	}
	(void)spf_result_name(spf_result(s));
	(void)strlen(spf_domain(s));
	(void)strlen(spf_explanation(s));
	(void)strlen(spf_mechanism(s));
	spf_free(s);
	zone_free(&z);
	free(spf_expand_macros(who, ip, who, "mail.example.org", "example.org", mode & 0x10));
	free(who);
	return 0;
}
