/* verify_cmd.c — `mailsim verify FILE [ADDRESS...] [--list FILE] [--json]
 * [--from ADDRESS] [--trace OUT.jsonl] [--seed N]`.
 *
 * Builds the scenario's world as it is (its messages and faults run: a
 * mailbox filled by earlier mail is full when probed), adds the verifier
 * (the scenario's verify client, else a host of its own), queues the
 * addresses (the command line's, then the list's; the scenario's verify
 * block when neither gives any), starts at the block's "at" (else 0), runs
 * the world to its end and prints one verdict per address in input order:
 * JSON Lines with Reacher's field names (--json), or a table. */
#include "verify_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "scenario.h"
#include "trace.h"
#include "util.h"
#include "verify.h"
#include "world.h"

const char verify_help[] =
	"usage:\n" VERIFY_USAGE
	"Verify addresses inside the world of scenario FILE, as an address verifier\n"
	"(Reacher / check-if-email-exists) does on the internet: syntax, the domain's\n"
	"MX records, an SMTP probe of the best MX (EHLO, MAIL FROM, RCPT TO the\n"
	"address and a random address at its domain, RSET, QUIT: never DATA), and\n"
	"whether it is a disposable or role address. Verdicts: safe, risky, invalid,\n"
	"unknown, with the reason and the SMTP reply that decided it.\n"
	"  ADDRESS...          addresses to verify\n"
	"  --list FILE         more addresses, one per line (# comments, blank lines skipped)\n"
	"  --json              one JSON object per address (Reacher's fields), one per line\n"
	"  --from ADDRESS      the probes' MAIL FROM (default: verify@<verifier host>)\n"
	"  --trace OUT.jsonl   the run's JSON Lines trace (\"-\" for stdout)\n"
	"  --seed N            the PRNG seed (the random catch-all probe addresses)\n"
	"Without ADDRESS or --list, the scenario's \"verify\" block gives the addresses.\n"
	"Exit codes: 0 done, 1 invalid scenario or address list, 2 usage error, 4 I/O.\n";

/* RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with its CRLF. */
#define LIST_LINE_MAX 998
#define LIST_MAX_ERRORS 20

struct vopts {
	const char *file, *list, *from, *trace;
	bool json, has_seed;
	uint64_t seed;
	const char **addrs; /* owned array, strings borrowed from argv */
	size_t naddrs;
};

/* what: the complaint, ending where arg goes (quoted). */
static int usage(const char *what, const char *arg)
{
	fprintf(stderr, "mailsim: verify: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "", verify_help);
	return 2;
}

static int parse_args(int argc, char **argv, struct vopts *o)
{
	o->addrs = xcalloc((size_t)argc + 1, sizeof *o->addrs);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = strcmp(a, "--list") == 0   ? &o->list
				   : strcmp(a, "--from") == 0  ? &o->from
				   : strcmp(a, "--trace") == 0 ? &o->trace
							       : NULL;
		if (dst || strcmp(a, "--seed") == 0) {
			if (i + 1 >= argc)
				return usage("this option needs a value:", a);
			const char *v = argv[++i];
			if (dst) {
				*dst = v;
				continue;
			}
			char *end;
			errno = 0;
			o->seed = strtoull(v, &end, 10);
			if (errno || *end || v[0] == '-' || !v[0])
				return usage("--seed needs a non-negative integer, not", v);
			o->has_seed = true;
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (a[0] == '-' && a[1] == '-') {
			return usage("unknown option", a);
		} else if (!o->file) {
			o->file = a;
		} else {
			o->addrs[o->naddrs++] = a;
		}
	}
	if (!o->file)
		return usage("missing scenario FILE (or @default)", NULL);
	return 0;
}

/* ---- the address list --------------------------------------------------------- */

/* What is wrong with one list line (trimmed), or NULL. Syntax errors of
 * the address itself are verdicts, not list errors; a line must hold
 * one address, as text. */
static const char *list_line_problem(const char *s, size_t n)
{
	if (n > LIST_LINE_MAX)
		return "line longer than 998 octets (RFC 5321 section 4.5.3.1.6)";
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' && (i == 0 || s[i - 1] != '\\'))
			quoted = !quoted;
		if (c == 0)
			return "a NUL byte in the line";
		if (c < 0x20 && c != '\t')
			return "a control character in the line";
		if ((c == ' ' || c == '\t' || c == ',' || c == ';') && !quoted)
			return "more than one field: one address per line";
	}
	return NULL;
}

/* Read the list into v; every bad line is reported as file:line: reason.
 * Returns 0, 1 (bad lines) or 4 (cannot read). */
static int read_list(const char *path, struct verifier *v)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "mailsim: verify: cannot open %s: %s\n", path, strerror(errno));
		return 4;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	long lineno = 0;
	int bad = 0;
	while ((got = getline(&line, &cap, f)) >= 0) {
		lineno++;
		size_t n = (size_t)got;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
				 line[n - 1] == '\t'))
			n--;
		size_t s = 0;
		while (s < n && (line[s] == ' ' || line[s] == '\t'))
			s++;
		if (s == n || line[s] == '#')
			continue;
		const char *why = list_line_problem(line + s, n - s);
		if (why) {
			if (bad++ < LIST_MAX_ERRORS)
				fprintf(stderr, "%s:%ld: %s\n", path, lineno, why);
			continue;
		}
		line[n] = '\0';
		verifier_add(v, line + s);
	}
	bool err = ferror(f);
	free(line);
	fclose(f);
	if (err) {
		fprintf(stderr, "mailsim: verify: cannot read %s\n", path);
		return 4;
	}
	if (bad > LIST_MAX_ERRORS)
		fprintf(stderr, "%s: %d more bad lines\n", path, bad - LIST_MAX_ERRORS);
	if (bad)
		fprintf(stderr, "mailsim: verify: %s: %d bad line%s; nothing verified\n", path, bad,
			bad == 1 ? "" : "s");
	return bad ? 1 : 0;
}

/* ---- output ------------------------------------------------------------------------ */

static void put_bool(struct strbuf *sb, const char *key, bool val, bool last)
{
	sb_printf(sb, "\"%s\":%s%s", key, val ? "true" : "false", last ? "" : ",");
}

static void put_str(struct strbuf *sb, const char *key, const char *val)
{
	sb_printf(sb, "\"%s\":", key);
	if (val)
		json_put_string(sb, val, strlen(val));
	else
		sb_puts(sb, "null");
}

/* Reacher's output object (check-if-email-exists' CheckEmailOutput),
 * keys in its order, plus reason, reply and bounce. */
static void print_json(FILE *out, const struct verify_result *r, struct strbuf *sb)
{
	sb_clear(sb);
	sb_puts(sb, "{");
	put_str(sb, "input", r->input);
	sb_puts(sb, ",");
	put_str(sb, "is_reachable", verify_verdict_name(r->verdict));
	sb_puts(sb, ",\"misc\":{");
	put_bool(sb, "is_disposable", r->is_disposable, false);
	put_bool(sb, "is_role_account", r->is_role_account, true);
	sb_puts(sb, "},\"mx\":{");
	put_bool(sb, "accepts_mail", r->accepts_mail, false);
	sb_puts(sb, "\"records\":[");
	for (size_t i = 0; i < r->nmx; i++) {
		if (i)
			sb_putc(sb, ',');
		json_put_string(sb, r->mx[i], strlen(r->mx[i]));
	}
	sb_puts(sb, "]},\"smtp\":{");
	put_bool(sb, "can_connect_smtp", r->can_connect_smtp, false);
	put_bool(sb, "has_full_inbox", r->has_full_inbox, false);
	put_bool(sb, "is_catch_all", r->is_catch_all, false);
	put_bool(sb, "is_deliverable", r->is_deliverable, false);
	put_bool(sb, "is_disabled", r->is_disabled, true);
	sb_puts(sb, "},\"syntax\":{");
	put_str(sb, "address", r->is_valid_syntax ? r->input : NULL);
	sb_puts(sb, ",");
	put_str(sb, "domain", r->domain);
	sb_puts(sb, ",");
	put_bool(sb, "is_valid_syntax", r->is_valid_syntax, false);
	put_str(sb, "username", r->username);
	sb_puts(sb, "},");
	put_str(sb, "reason", r->reason);
	sb_puts(sb, ",");
	put_str(sb, "reply", r->reply);
	sb_puts(sb, ",\"bounce\":{");
	put_str(sb, "type", bounce_type_name(r->bounce.type));
	sb_puts(sb, ",");
	put_str(sb, "category", bounce_category_name(r->bounce.category));
	sb_puts(sb, "}}\n");
	fputs(sb->data, out);
}

static void print_row(FILE *out, const struct verify_result *r)
{
	fprintf(out, "%-8s %-36s %s\n", verify_verdict_name(r->verdict), r->input, r->reason);
	if (r->reply)
		fprintf(out, "%-8s %-36s reply: %s\n", "", "", r->reply);
}

static void print_results(FILE *out, const struct verifier *v, bool json)
{
	size_t n = verifier_count(v), count[4] = {0};
	struct strbuf sb;
	sb_init(&sb);
	if (!json)
		fprintf(out, "%-8s %-36s %s\n", "VERDICT", "ADDRESS", "REASON");
	for (size_t i = 0; i < n; i++) {
		const struct verify_result *r = verifier_result(v, i);
		count[r->verdict]++;
		if (json)
			print_json(out, r, &sb);
		else
			print_row(out, r);
	}
	if (!json)
		fprintf(out, "%zu address%s: %zu safe, %zu risky, %zu invalid, %zu unknown\n", n,
			n == 1 ? "" : "es", count[VERDICT_SAFE], count[VERDICT_RISKY],
			count[VERDICT_INVALID], count[VERDICT_UNKNOWN]);
	sb_free(&sb);
}

/* ---- the command ---------------------------------------------------------------- */

static struct scenario *load_scenario(const char *path, int *rc)
{
	struct scenario *s = strcmp(path, "@default") == 0
				     ? scn_parse(mailsim_default_scenario, strlen(mailsim_default_scenario),
						 "basic-delivery.json (built in)", stderr)
				     : scn_load(path, stderr);
	if (!s)
		*rc = strcmp(path, "@default") != 0 && scn_unreadable(path) ? 4 : 1;
	return s;
}

static int run_verify(struct scenario *s, const struct vopts *o, FILE *tf)
{
	const struct scn_verify *sv = &s->verify;
	bool block = s->has_verify;
	s->has_verify = false; /* the world must not start the block's verifier too */
	struct world *w = world_new(s, o->has_seed ? &o->seed : NULL);
	struct sim *sim = world_sim(w);
	if (tf)
		trace_set_jsonl(sim->trace, tf);
	struct host *h = verify_host(sim, block ? sv->client_name : NULL);
	struct verify_config cfg = {
		.from = o->from ? o->from : (block ? sv->from : NULL),
		.disposable = block ? (const char *const *)sv->disposable : NULL,
		.ndisposable = block ? sv->ndisposable : 0,
	};
	struct verifier *v = verifier_new(sim, h, &cfg);
	for (size_t i = 0; i < o->naddrs; i++)
		verifier_add(v, o->addrs[i]);
	int rc = o->list ? read_list(o->list, v) : 0;
	if (rc == 0 && !o->naddrs && !o->list && block)
		for (size_t i = 0; i < sv->naddresses; i++)
			verifier_add(v, sv->addresses[i]);
	if (rc == 0 && verifier_count(v) == 0) {
		fprintf(stderr, "mailsim: verify: no address to verify (give ADDRESS..., --list FILE, "
				"or a scenario with a \"verify\" block)\n");
		rc = 2;
	}
	if (rc == 0) {
		verifier_start(v, block ? sv->at : 0);
		world_run(w, -1);
		print_results(tf == stdout ? stderr : stdout, v, o->json);
	}
	world_free(w);
	return rc;
}

int verify_main(int argc, char **argv)
{
	struct vopts o = {0};
	int rc = parse_args(argc, argv, &o);
	if (rc) {
		free(o.addrs);
		return rc;
	}
	struct scenario *s = load_scenario(o.file, &rc);
	FILE *tf = NULL;
	if (s && o.trace) {
		tf = strcmp(o.trace, "-") == 0 ? stdout : fopen(o.trace, "w");
		if (!tf) {
			fprintf(stderr, "mailsim: verify: cannot open %s: %s\n", o.trace, strerror(errno));
			rc = 4;
		}
	}
	if (s && s->nwarnings)
		fputs(s->warnings, stderr);
	if (s && rc == 0)
		rc = run_verify(s, &o, tf);
	if (tf && tf != stdout && fclose(tf) != 0 && rc == 0) {
		fprintf(stderr, "mailsim: verify: cannot write %s: %s\n", o.trace, strerror(errno));
		rc = 4;
	}
	scn_free(s);
	free(o.addrs);
	return rc;
}
