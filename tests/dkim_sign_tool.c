/* dkim_sign_tool.c — a command-line face on sim/proto/dkim.c so an independent
 * implementation (dkimpy, via tests/dkim_dkimpy_check.py) can check our
 * signatures and we can check its.
 *
 *   dkim_sign_tool sign <key.pem> <domain> <selector> <hcanon/bcanon> <t>
 *                  <message-file> [-h Name:Name:...] [-l] [-x <expire>]
 *       prints the message with our DKIM-Signature field on top.
 *   dkim_sign_tool verify <message-file> <now> <qname>=<txt-file> ...
 *       verifies every signature against the TXT values given (one file per
 *       key name, e.g. s1._domainkey.example.org=scenarios/keys/example.org.s1.txt);
 *       prints one "dkim=<result> (<reason>) header.d=.. header.s=.." line per
 *       signature. Exit 0 if there is at least one and all pass, 1 if not,
 *       2 on usage or input errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"
#include "dns.h"
#include "util.h"

/* The whole file, or exit 2 with a message. */
static char *slurp(const char *path, size_t *len)
{
	struct strbuf sb;
	sb_init(&sb);
	if (!read_file(path, &sb)) {
		fprintf(stderr, "dkim_sign_tool: cannot open %s\n", path);
		exit(2);
	}
	*len = sb.len;
	return sb_steal(&sb);
}

static enum dkim_canon canon_arg(const char *s, size_t n)
{
	if (n == 7 && strncmp(s, "relaxed", 7) == 0)
		return DKIM_RELAXED;
	if (n == 6 && strncmp(s, "simple", 6) == 0)
		return DKIM_SIMPLE;
	fprintf(stderr, "dkim_sign_tool: canonicalization must be simple or relaxed\n");
	exit(2);
}

static size_t split_names(char *list, const char **out, size_t cap)
{
	size_t n = 0;
	for (char *tok = strtok(list, ":"); tok && n < cap; tok = strtok(NULL, ":"))
		out[n++] = tok;
	return n;
}

static int cmd_sign(int argc, char **argv)
{
	if (argc < 8)
		return -1;
	size_t len;
	char *pem = slurp(argv[2], &len), err[160];
	struct dkim_key *k = dkim_key_load_pem(pem, err, sizeof err);
	free(pem);
	if (!k) {
		fprintf(stderr, "dkim_sign_tool: %s: %s\n", argv[2], err);
		return 2;
	}
	const char *slash = strchr(argv[5], '/');
	struct dkim_sign_opts o = { .domain = argv[3], .selector = argv[4] };
	o.header_canon = canon_arg(argv[5], slash ? (size_t)(slash - argv[5]) : strlen(argv[5]));
	o.body_canon = slash ? canon_arg(slash + 1, strlen(slash + 1)) : DKIM_SIMPLE;
	o.timestamp = strtoll(argv[6], NULL, 10);
	const char *names[64];
	for (int i = 8; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 && i + 1 < argc) {
			o.nheaders = split_names(argv[++i], names, ARRAY_LEN(names));
			o.headers = names;
		} else if (strcmp(argv[i], "-l") == 0) {
			o.body_length = true;
		} else if (strcmp(argv[i], "-x") == 0 && i + 1 < argc) {
			o.expire = strtoll(argv[++i], NULL, 10);
		} else {
			return -1;
		}
	}
	char *msg = slurp(argv[7], &len);
	char *value = dkim_sign(k, &o, msg, len, err, sizeof err);
	dkim_key_free(k);
	if (!value) {
		fprintf(stderr, "dkim_sign_tool: %s\n", err);
		free(msg);
		return 2;
	}
	printf("DKIM-Signature: %s\r\n", value);
	fwrite(msg, 1, len, stdout);
	free(value);
	free(msg);
	return 0;
}

/* A DNS database holding one TXT record per "<qname>=<file>" argument, in
 * a zone at the name after "._domainkey." (the signing domain). */
static struct dns_db *keys_db(int argc, char **argv, int first)
{
	struct dns_db *db = dns_db_new();
	for (int i = first; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char *zone = eq ? strstr(argv[i], "._domainkey.") : NULL;
		if (!eq || !zone || zone > eq) {
			fprintf(stderr, "dkim_sign_tool: want <s>._domainkey.<d>=<txt-file>: %s\n", argv[i]);
			exit(2);
		}
		*eq = '\0';
		size_t len;
		char *txt = slurp(eq + 1, &len), err[160];
		txt[strcspn(txt, "\r\n")] = '\0';
		struct dns_rr rr;
		dns_db_add_zone(db, zone + strlen("._domainkey."), 300);
		if (!dns_rr_init(&rr, argv[i], DNS_T_TXT, 300, txt, err, sizeof err) ||
		    !dns_db_add_checked(db, &rr, err, sizeof err)) {
			fprintf(stderr, "dkim_sign_tool: %s: %s\n", argv[i], err);
			exit(2);
		}
		dns_rr_clear(&rr);
		free(txt);
	}
	return db;
}

static int cmd_verify(int argc, char **argv)
{
	if (argc < 4)
		return -1;
	size_t len;
	char *msg = slurp(argv[2], &len);
	struct dns_db *db = keys_db(argc, argv, 4);
	struct dkim_verify *v = dkim_verify_new(msg, len, strtoll(argv[3], NULL, 10));
	char q[DNS_NAME_MAX + 1];
	enum dns_type t;
	while (dkim_verify_step(v, q, sizeof q, &t) == AUTH_NEED_DNS) {
		struct dns_answer a = { 0 };
		dns_db_lookup(db, q, t, &a);
		dkim_verify_answer(v, &a);
		dns_answer_clear(&a);
	}
	size_t n = dkim_verify_count(v), pass = 0;
	for (size_t i = 0; i < n; i++) {
		printf("dkim=%s (%s) header.d=%s header.s=%s\n",
		       dkim_result_name(dkim_verify_result(v, i)), dkim_verify_reason(v, i),
		       dkim_verify_domain(v, i), dkim_verify_selector(v, i));
		pass += dkim_verify_result(v, i) == DKIM_PASS;
	}
	if (n == 0)
		printf("dkim=none\n");
	dkim_verify_free(v);
	dns_db_free(db);
	free(msg);
	return n > 0 && pass == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	int rc = -1;
	if (argc > 1 && strcmp(argv[1], "sign") == 0)
		rc = cmd_sign(argc, argv);
	else if (argc > 1 && strcmp(argv[1], "verify") == 0)
		rc = cmd_verify(argc, argv);
	if (rc < 0)
		fprintf(stderr, "usage: dkim_sign_tool sign <key.pem> <domain> <selector> "
				"<hcanon/bcanon> <t> <message> [-h A:B] [-l] [-x expire]\n"
				"       dkim_sign_tool verify <message> <now> <qname>=<txt-file> ...\n");
	return rc < 0 ? 2 : rc;
}
