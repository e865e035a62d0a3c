/* spf_eval.c — run our SPF evaluator (sim/proto/spf.c) over a JSON case file, for
 * the cross-check against pyspf (tests/spf_pyspf_check.py).
 *
 * Usage: spf_eval CASES.json
 * Each case: {"name", "ip", "sender", "helo", "mode": "mailfrom"|"helo",
 *   "records": [[owner, type, rdata], ...]  (TXT rdata: a string, or an
 *   array of the <character-string>s), "timeout": ["name" whose every query
 *   times out, or "name TYPE" for one type], "servfail": [zones answering
 *   SERVFAIL]}.
 * All records live in one root zone, so an absent name is NXDOMAIN.
 * Output, one line per case, tab-separated:
 *   name result mechanism lookups exp explanation
 * (exp is "" when there is none). Exit 0, or 2 on a bad case file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dns.h"
#include "spf.h"
#include "util.h"

static char *slurp(const char *path)
{
	struct strbuf sb;
	sb_init(&sb);
	if (!read_file(path, &sb)) {
		sb_free(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

static const char *jstr(const cJSON *obj, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* TXT given as an array of strings keeps its string boundaries. */
static bool add_txt_parts(struct dns_db *db, const char *owner, const cJSON *parts)
{
	struct dns_rr rr;
	char err[128];
	size_t n = (size_t)cJSON_GetArraySize(parts), i = 0;
	const cJSON *p;
	if (n == 0 || !dns_rr_init(&rr, owner, DNS_T_TXT, 300, "x", err, sizeof err))
		return false;
	char **v = xcalloc(n, sizeof *v);
	cJSON_ArrayForEach(p, parts) {
		v[i++] = xstrdup(cJSON_IsString(p) ? p->valuestring : "");
	}
	dns_rr_set_txt(&rr, v, n); /* rr owns v now */
	bool ok = dns_db_add(db, &rr);
	dns_rr_clear(&rr);
	return ok;
}

static bool add_record(struct dns_db *db, const cJSON *rec, const char *cname)
{
	const cJSON *owner = cJSON_GetArrayItem(rec, 0), *type = cJSON_GetArrayItem(rec, 1);
	const cJSON *rdata = cJSON_GetArrayItem(rec, 2);
	enum dns_type t;
	struct dns_rr rr;
	char err[128];
	if (!cJSON_IsString(owner) || !cJSON_IsString(type) || !dns_type_parse(type->valuestring, &t))
		return false;
	if (t == DNS_T_TXT && cJSON_IsArray(rdata))
		return add_txt_parts(db, owner->valuestring, rdata);
	if (!cJSON_IsString(rdata) ||
	    !dns_rr_init(&rr, owner->valuestring, t, 300, rdata->valuestring, err, sizeof err)) {
		fprintf(stderr, "%s: bad record %s %s: %s\n", cname, owner->valuestring,
			type->valuestring, cJSON_IsString(rdata) ? err : "rdata");
		return false;
	}
	bool ok = dns_db_add(db, &rr);
	dns_rr_clear(&rr);
	return ok;
}

static struct dns_db *build_db(const cJSON *c, const char *name)
{
	struct dns_db *db = dns_db_new();
	const cJSON *z, *rec;
	dns_db_add_zone(db, "", 300);
	cJSON_ArrayForEach(z, cJSON_GetObjectItemCaseSensitive(c, "servfail")) {
		if (!cJSON_IsString(z) || !dns_db_add_zone(db, z->valuestring, 300) ||
		    !dns_db_set_zone_failure(db, z->valuestring, DNS_R_SERVFAIL))
			goto bad;
	}
	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(c, "records")) {
		if (!add_record(db, rec, name))
			goto bad;
	}
	return db;
bad:
	fprintf(stderr, "%s: bad zone data\n", name);
	dns_db_free(db);
	return NULL;
}

/* "name" times out for every type, "name TYPE" for that type only. */
static bool times_out(const cJSON *c, const char *qname, enum dns_type qtype)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(c, "timeout")) {
		char name[DNS_NAME_MAX + 2], type[16] = "", canon[DNS_NAME_MAX + 1];
		enum dns_type tt;
		if (!cJSON_IsString(t) || sscanf(t->valuestring, "%254s %15s", name, type) < 1 ||
		    !dns_name_normalize(name, canon, sizeof canon) || strcmp(canon, qname) != 0)
			continue;
		if (!type[0] || (dns_type_parse(type, &tt) && tt == qtype))
			return true;
	}
	return false;
}

static void drive(struct spf *s, const struct dns_db *db, const cJSON *c)
{
	char q[DNS_NAME_MAX + 1];
	enum dns_type t;
	while (spf_step(s, q, sizeof q, &t) == AUTH_NEED_DNS) {
		struct dns_answer a;
		if (times_out(c, q, t)) {
			spf_answer(s, NULL);
			continue;
		}
		memset(&a, 0, sizeof a);
		dns_db_lookup(db, q, t, &a);
		spf_answer(s, &a);
		dns_answer_clear(&a);
	}
}

/* Tabs and newlines would break the line format. */
static void put_field(const char *s)
{
	putchar('\t');
	for (; s && *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static bool run_case(const cJSON *c)
{
	const char *name = jstr(c, "name", "?");
	struct dns_db *db = build_db(c, name);
	struct spf *s;
	if (!db)
		return false;
	if (strcmp(jstr(c, "mode", "mailfrom"), "helo") == 0)
		s = spf_new_helo(jstr(c, "ip", ""), jstr(c, "helo", ""));
	else
		s = spf_new(jstr(c, "ip", ""), jstr(c, "sender", ""), jstr(c, "helo", ""));
	drive(s, db, c);
	fputs(name, stdout);
	put_field(spf_result_name(spf_result(s)));
	put_field(spf_mechanism(s));
	printf("\t%d", spf_lookups(s));
	put_field(spf_exp(s));
	put_field(spf_explanation(s));
	putchar('\n');
	spf_free(s);
	dns_db_free(db);
	return true;
}

int main(int argc, char **argv)
{
	char *text;
	cJSON *root, *c;
	int rc = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: spf_eval CASES.json\n");
		return 2;
	}
	text = slurp(argv[1]);
	if (!text) {
		perror(argv[1]);
		return 2;
	}
	root = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "cases"))) {
		fprintf(stderr, "%s: want {\"cases\": [...]}\n", argv[1]);
		cJSON_Delete(root);
		return 2;
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases")) {
		if (!run_case(c))
			rc = 2;
	}
	cJSON_Delete(root);
	return rc;
}
