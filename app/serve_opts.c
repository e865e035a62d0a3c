/* serve_opts.c — see serve_opts.h. One table names every option, its
 * kind (flag, string, seconds, factor, count, limit, seed) and its field;
 * a kind carries its range and the message for a value out of it. */
#include "serve_opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The retrieval listeners' options, in the order of struct serve_opts. */
const char *const serve_retrieval_kinds[NRETRIEVAL] = {"imap", "imaps", "pop3", "pop3s"};

enum opt_kind { OPT_FLAG, OPT_STR, OPT_SECONDS, OPT_SCALE, OPT_COUNT, OPT_LIMIT, OPT_SEED };

struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t off;
};

#define OFF(f) offsetof(struct serve_opts, f)
static const struct opt_def opt_defs[] = {
	{"--host", OPT_STR, OFF(host)},
	{"--listen", OPT_STR, OFF(listen)},
	{"--port-kind", OPT_STR, OFF(port_kind)},
	{"--trace", OPT_STR, OFF(trace_path)},
	{"--maildir", OPT_STR, OFF(maildir)},
	{"--spool", OPT_STR, OFF(spool)},
	{"--transcript", OPT_FLAG, OFF(transcript)},
	{"--allow-remote", OPT_FLAG, OFF(allow_remote)},
	{"--no-scenario-traffic", OPT_FLAG, OFF(no_traffic)},
	{"--idle-timeout", OPT_SECONDS, OFF(idle_timeout)},
	{"--timeout-scale", OPT_SCALE, OFF(timeout_scale)},
	{"--max-clients", OPT_COUNT, OFF(max_clients)},
	{"--max-per-ip", OPT_LIMIT, OFF(max_per_ip)},
	{"--max-conn-rate", OPT_LIMIT, OFF(max_conn_rate)},
	{"--max-auth-failures", OPT_LIMIT, OFF(max_auth_failures)},
	{"--session-limit", OPT_SECONDS, OFF(session_limit)},
	{"--seed", OPT_SEED, OFF(seed)},
	{"--imap", OPT_STR, OFF(retrieval[0])},
	{"--imaps", OPT_STR, OFF(retrieval[1])},
	{"--pop3", OPT_STR, OFF(retrieval[2])},
	{"--pop3s", OPT_STR, OFF(retrieval[3])},
	{"--tls-cert", OPT_STR, OFF(tls_cert)},
	{"--tls-key", OPT_STR, OFF(tls_key)},
	{"--allow-plain-auth", OPT_FLAG, OFF(allow_plain_auth)},
};

int serve_usage(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mailsim: serve: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage:\n%s", SERVE_USAGE);
	return 2;
}

/* A number in [lo, hi]; false on anything else. */
static bool parse_range(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

static int set_opt(struct serve_opts *o, const struct opt_def *d, const char *v)
{
	char *field = (char *)o + d->off;
	double num = 0;
	switch (d->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_STR:
		*(const char **)field = v;
		return 0;
	case OPT_SECONDS:
		if (!parse_range(v, 0.001, 86400, &num))
			return serve_usage("%s needs seconds between 0.001 and 86400, not '%s'", d->name, v);
		break;
	case OPT_SCALE:
		if (!parse_range(v, 0.0001, 100, &num))
			return serve_usage("%s needs a factor between 0.0001 and 100, not '%s'", d->name, v);
		break;
	case OPT_COUNT:
		if (!parse_range(v, 1, 65536, &num) || num != (double)(long)num)
			return serve_usage("%s needs a whole number between 1 and 65536, not '%s'", d->name, v);
		break;
	case OPT_LIMIT:
		if (!parse_range(v, 0, 1000000, &num) || num != (double)(long)num)
			return serve_usage("%s needs a whole number between 0 (off) and 1000000, not '%s'",
					   d->name, v);
		break;
	case OPT_SEED: {
		char *end;
		errno = 0;
		o->seed = strtoull(v, &end, 10);
		if (errno || *end || !*v || v[0] == '-')
			return serve_usage("--seed needs a non-negative integer, not '%s'", v);
		o->has_seed = true;
		return 0;
	}
	}
	*(double *)field = num;
	return 0;
}

static const struct opt_def *find_opt(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(opt_defs); i++)
		if (strcmp(opt_defs[i].name, name) == 0)
			return &opt_defs[i];
	return NULL;
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

int serve_parse_opts(int argc, char **argv, struct serve_opts *o)
{
	*o = (struct serve_opts){.listen = DEFAULT_LISTEN, .port_kind = "smtp", .max_clients = 1024,
				 .max_per_ip = DEFAULT_MAX_PER_IP,
				 .max_auth_failures = DEFAULT_MAX_AUTH_FAILURES,
				 .session_limit = DEFAULT_SESSION_LIMIT_S};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			if (o->file)
				return serve_usage("unexpected argument '%s'", a);
			o->file = a;
			continue;
		}
		const struct opt_def *d = find_opt(a);
		if (!d)
			return serve_usage("unknown option '%s'", a);
		if (d->kind != OPT_FLAG && i + 1 >= argc)
			return serve_usage("option '%s' needs a value", a);
		int rc = set_opt(o, d, d->kind == OPT_FLAG ? NULL : argv[++i]);
		if (rc)
			return rc;
	}
	if (!o->file)
		return serve_usage("%s", "missing scenario FILE (or @default)");
	if (!o->host)
		return serve_usage("%s", "--host NAME is required: the scenario MTA to serve");
	static const char *const smtp_kinds[] = {"smtp", "submission", "submissions", NULL};
	if (!name_in(o->port_kind, smtp_kinds))
		return serve_usage("--port-kind is smtp, submission or submissions, not '%s'",
				   o->port_kind);
	if (!o->tls_cert != !o->tls_key)
		return serve_usage("%s", "give --tls-cert and --tls-key together");
	if (o->idle_timeout > 0 && o->timeout_scale > 0)
		return serve_usage("%s", "give --idle-timeout or --timeout-scale, not both");
	return 0;
}
