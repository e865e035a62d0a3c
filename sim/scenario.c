/* scenario.c — see scenario.h.
 *
 * Loading is two passes over the cJSON tree: a structural pass that checks
 * every object against its key table (unknown keys, wrong types, missing
 * required keys, duplicate keys) and copies values into owned structs,
 * then a reference pass (duplicate names, dangling references, DNS data).
 * Every problem is reported with its position; loading goes on after an
 * error so one run shows them all. Warnings (legal but probably not what
 * the author meant) are collected with the same positions and handed to
 * the caller with the scenario (scenario.warnings). */
#include "scenario.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "jsonpos.h"
#include "mailstore.h"
#include "msg.h"
#include "retry.h"

enum jt { JT_STR, JT_NUM, JT_INT, JT_BOOL, JT_ARR, JT_OBJ, JT_STR_OR_ARR, JT_STR_OR_NUM };

struct key_spec {
	const char *key;
	enum jt type;
	bool required;
};

struct ld {
	const char *path;
	const char *text;
	size_t len;
	struct jsonpos *pos;
	FILE *err;
	int nerr;
	struct strbuf warn;   /* the warnings so far, formatted */
	int nwarn;
	struct scenario *s;
};

static const char *const jt_names[] = {"a string", "a number", "an integer", "true or false",
				       "an array", "an object", "a string or an array of strings",
				       "a number or a string"};

static void where(struct ld *ld, const cJSON *node, bool key, int *line, int *col)
{
	*line = *col = 1;
	if (!node || !ld->pos)
		return;
	if (!(key && jsonpos_key(ld->pos, node, line, col)))
		jsonpos_value(ld->pos, node, line, col);
}

static void report(struct ld *ld, const cJSON *node, bool at_key, const char *jpath,
		   const char *hint, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void report(struct ld *ld, const cJSON *node, bool at_key, const char *jpath,
		   const char *hint, const char *fmt, ...)
{
	int line, col;
	where(ld, node, at_key, &line, &col);
	fprintf(ld->err, "%s:%d:%d: error: %s%s", ld->path, line, col, jpath ? jpath : "",
		jpath && *jpath ? ": " : "");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(ld->err, fmt, ap);
	va_end(ap);
	fputc('\n', ld->err);
	if (hint)
		fprintf(ld->err, "  hint: %s\n", hint);
	ld->nerr++;
}

/* A warning at a known position: "file:line:col: warning: path: what". */
static void warn_at(struct ld *ld, int line, int col, const char *jpath, const char *hint,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void warn_at(struct ld *ld, int line, int col, const char *jpath, const char *hint,
		    const char *fmt, ...)
{
	sb_printf(&ld->warn, "%s:%d:%d: warning: %s: ", ld->path, line, col, jpath);
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&ld->warn, fmt, ap);
	va_end(ap);
	sb_putc(&ld->warn, '\n');
	if (hint)
		sb_printf(&ld->warn, "  hint: %s\n", hint);
	ld->nwarn++;
}

static const char *type_of(const cJSON *n)
{
	if (cJSON_IsString(n))
		return "a string";
	if (cJSON_IsNumber(n))
		return "a number";
	if (cJSON_IsBool(n))
		return "a boolean";
	if (cJSON_IsArray(n))
		return "an array";
	if (cJSON_IsObject(n))
		return "an object";
	return "null";
}

static bool is_type(const cJSON *n, enum jt t)
{
	switch (t) {
	case JT_STR: return cJSON_IsString(n);
	case JT_NUM: return cJSON_IsNumber(n);
	case JT_INT: return cJSON_IsNumber(n) && n->valuedouble == floor(n->valuedouble) &&
			    fabs(n->valuedouble) < 9007199254740992.0;
	case JT_BOOL: return cJSON_IsBool(n);
	case JT_ARR: return cJSON_IsArray(n);
	case JT_OBJ: return cJSON_IsObject(n);
	case JT_STR_OR_ARR: return cJSON_IsString(n) || cJSON_IsArray(n);
	case JT_STR_OR_NUM: return cJSON_IsString(n) || cJSON_IsNumber(n);
	}
	return false;
}

/* Levenshtein distance, for "did you mean" hints on unknown keys. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t k = 0; k <= lb; k++)
		d[0][k] = k;
	for (size_t i = 1; i <= la; i++)
		for (size_t k = 1; k <= lb; k++) {
			size_t sub = d[i - 1][k - 1] + (a[i - 1] != b[k - 1]);
			size_t del = d[i - 1][k] + 1, ins = d[i][k - 1] + 1;
			d[i][k] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

static void hint_choices(char *out, size_t cap, const char *bad, const char *const *names,
			 size_t n, const char *what)
{
	const char *best = NULL;
	size_t bd = 3;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(bad, names[i]);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	size_t o = 0;
	if (best)
		o += (size_t)snprintf(out + o, cap - o, "did you mean \"%s\"? ", best);
	o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s: ", what);
	for (size_t i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? ", " : "", names[i]);
}

/* Check an object against its key table. Returns false if it is not an
 * object at all (nothing more can be read from it). */
static bool check_object(struct ld *ld, const cJSON *obj, const char *jpath,
			 const struct key_spec *spec, size_t n)
{
	if (!cJSON_IsObject(obj)) {
		report(ld, obj, false, jpath, NULL, "expected an object, got %s", type_of(obj));
		return false;
	}
	const char *names[32];
	for (size_t i = 0; i < n && i < 32; i++)
		names[i] = spec[i].key;
	for (const cJSON *m = obj->child; m; m = m->next) {
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(m->string, spec[i].key) == 0)
				break;
		char p[512];
		snprintf(p, sizeof p, "%s%s%s", jpath, *jpath ? "." : "", m->string);
		if (i == n) {
			char hint[1024];
			hint_choices(hint, sizeof hint, m->string, names, n < 32 ? n : 32, "known keys");
			report(ld, m, true, p, hint, "unknown key \"%s\"", m->string);
			continue;
		}
		for (const cJSON *e = obj->child; e != m; e = e->next)
			if (strcmp(e->string, m->string) == 0) {
				int l, c;
				where(ld, e, true, &l, &c);
				char hint[128];
				snprintf(hint, sizeof hint, "first defined at line %d, column %d", l, c);
				report(ld, m, true, p, hint, "duplicate key \"%s\"", m->string);
				break;
			}
		if (!is_type(m, spec[i].type))
			report(ld, m, false, p, NULL, "expected %s, got %s", jt_names[spec[i].type],
			       type_of(m));
	}
	for (size_t i = 0; i < n; i++)
		if (spec[i].required && !cJSON_GetObjectItemCaseSensitive(obj, spec[i].key))
			report(ld, obj, false, jpath, NULL, "missing required key \"%s\"", spec[i].key);
	return true;
}

/* Typed getters: only return a value of the right type (errors were
 * reported by check_object). */
static const cJSON *get(const cJSON *obj, const char *key, enum jt t)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);
	return n && is_type(n, t) ? n : NULL;
}

static char *get_str(const cJSON *obj, const char *key, const char *def)
{
	const cJSON *n = get(obj, key, JT_STR);
	return n ? xstrdup(n->valuestring) : (def ? xstrdup(def) : NULL);
}

static bool get_bool(const cJSON *obj, const char *key, bool def)
{
	const cJSON *n = get(obj, key, JT_BOOL);
	return n ? cJSON_IsTrue(n) : def;
}

/* A number within [lo, hi]; reports out-of-range values. */
static double get_num(struct ld *ld, const cJSON *obj, const char *key, const char *jpath,
		      double lo, double hi, double def, const char *unit)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!n || !cJSON_IsNumber(n))
		return def;
	if (n->valuedouble < lo || n->valuedouble > hi) {
		char p[512];
		snprintf(p, sizeof p, "%s.%s", jpath, key);
		report(ld, n, false, p, NULL, "%g is out of range (expected %g to %g%s%s)",
		       n->valuedouble, lo, hi, unit ? " " : "", unit ? unit : "");
		return def;
	}
	return n->valuedouble;
}

static int64_t secs_to_us(double s)
{
	return (int64_t)llround(s * 1e6);
}

/* A strict string-to-enum lookup; unknown values name the field. */
static bool check_enum(struct ld *ld, const cJSON *n, const char *jpath, const char *const *names)
{
	size_t count = 0;
	for (; names[count]; count++)
		if (strcmp(n->valuestring, names[count]) == 0)
			return true;
	char hint[1024];
	hint_choices(hint, sizeof hint, n->valuestring, names, count, "expected one of");
	report(ld, n, false, jpath, hint, "unknown value \"%s\"", n->valuestring);
	return false;
}

/* An optional string member that must be one of names. */
static void check_enum_key(struct ld *ld, const cJSON *o, const char *key, const char *jpath,
			   const char *const *names)
{
	const cJSON *n = get(o, key, JT_STR);
	char p[512];
	snprintf(p, sizeof p, "%s%s%s", jpath, *jpath ? "." : "", key);
	if (n)
		check_enum(ld, n, p, names);
}

static char **get_str_list(struct ld *ld, const cJSON *obj, const char *key, const char *jpath,
			   size_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
	*n = 0;
	if (!a)
		return NULL;
	if (cJSON_IsString(a)) {
		char **v = xcalloc(1, sizeof *v);
		v[0] = xstrdup(a->valuestring);
		*n = 1;
		return v;
	}
	if (!cJSON_IsArray(a))
		return NULL;
	char **v = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *v);
	size_t i = 0;
	for (const cJSON *e = a->child; e; e = e->next, i++) {
		if (!cJSON_IsString(e)) {
			char p[512];
			snprintf(p, sizeof p, "%s.%s[%zu]", jpath, key, i);
			report(ld, e, false, p, NULL, "expected a string, got %s", type_of(e));
			continue;
		}
		v[(*n)++] = xstrdup(e->valuestring);
	}
	return v;
}

static void free_str_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool valid_address(const char *a)
{
	const char *at = strchr(a, '@');
	char dom[256];
	return at && at != a && strchr(at + 1, '@') == NULL && (size_t)(at - a) <= 64 &&
	       !strpbrk(a, " <>,;\"") && dns_name_normalize(at + 1, dom, sizeof dom) &&
	       strchr(dom, '.');
}

static void check_address(struct ld *ld, const cJSON *n, const char *jpath, const char *addr)
{
	if (!valid_address(addr))
		report(ld, n, false, jpath, "write a plain address like bob@example.net",
		       "\"%s\" is not a valid mail address", addr);
}

/* cJSON ends a string at a "\u0000" escape; the source text still has it. */
static bool source_has_nul(struct ld *ld, const cJSON *n)
{
	size_t at;
	if (!jsonpos_value_offset(ld->pos, n, &at) || at >= ld->len || ld->text[at] != '"')
		return false;
	for (size_t i = at + 1; i < ld->len && ld->text[i] != '"'; i++) {
		if (ld->text[i] != '\\')
			continue;
		if (i + 5 < ld->len && ld->text[i + 1] == 'u' && memcmp(ld->text + i + 2, "0000", 4) == 0)
			return true;
		i++; /* the escaped character */
	}
	return false;
}

/* Mailbox addresses and folder names become directory and file names in
 * the Maildir and mbox exports: nothing in them may lead outside. */
static void check_path_name(struct ld *ld, const cJSON *n, const char *jpath, const char *what)
{
	const char *why = source_has_nul(ld, n) ? "contains a NUL character"
						: mailstore_name_problem(n->valuestring,
									 strlen(n->valuestring));
	if (why)
		report(ld, n, false, jpath,
		       "mailboxes are exported as directories and files named after the address "
		       "and the folder (--maildir, --mbox); use letters, digits, '-', '_', '+' and "
		       "single dots inside the name",
		       "this %s cannot be used as a file name: it %s", what, why);
}

/* A duration: a number of seconds, or a string like "300s", "5m", "4h",
 * "5d". Returns -1 when absent; reports bad values. */
static int64_t get_duration(struct ld *ld, const cJSON *obj, const char *key, const char *jpath)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!n)
		return -1;
	char p[512];
	snprintf(p, sizeof p, "%s.%s", jpath, key);
	int64_t us;
	if (cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble <= 365 * 86400.0)
		return secs_to_us(n->valuedouble);
	if (cJSON_IsString(n) && retry_parse_duration(n->valuestring, &us) && us >= 0)
		return us;
	report(ld, n, false, p, "write seconds (300) or a string like \"300s\", \"5m\", \"4h\", \"5d\"",
	       "expected a duration");
	return -1;
}

static const struct key_spec retry_keys[] = {
	{"schedule", JT_STR, false},    {"rules", JT_STR, false},    {"min_backoff", JT_STR_OR_NUM, false},
	{"max_backoff", JT_STR_OR_NUM, false}, {"lifetime", JT_STR_OR_NUM, false},
	{"delay_warning", JT_STR_OR_NUM, false},
};

static const char *const schedule_names[] = {"postfix", "exim", "sendmail", NULL};
static const char *const tls_policy_names[] = {"may", "encrypt", "none", NULL};

static void load_retry(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	if (!check_object(ld, o, jpath, retry_keys, ARRAY_LEN(retry_keys)))
		return;
	char sub[512];
	check_enum_key(ld, o, "schedule", jpath, schedule_names);
	h->retry_schedule = get_str(o, "schedule", "postfix");
	h->retry_rules = get_str(o, "rules", NULL);
	const cJSON *rules = get(o, "rules", JT_STR);
	if (rules) {
		struct retry_policy rp;
		char err[256];
		snprintf(sub, sizeof sub, "%s.rules", jpath);
		if (!retry_policy_exim(&rp, rules->valuestring, err, sizeof err))
			report(ld, rules, false, sub, "Exim syntax: \"F,2h,15m; G,16h,1h,1.5; F,4d,6h\"",
			       "%s", err);
	}
	if (strcmp(h->retry_schedule, "exim") == 0 && !rules)
		report(ld, o, false, jpath, "give the Exim rule list, e.g. \"F,2h,15m; G,16h,1h,1.5; F,4d,6h\"",
		       "schedule \"exim\" needs \"rules\"");
	h->min_backoff = get_duration(ld, o, "min_backoff", jpath);
	h->max_backoff = get_duration(ld, o, "max_backoff", jpath);
	h->queue_lifetime = get_duration(ld, o, "lifetime", jpath);
	h->delay_warning = get_duration(ld, o, "delay_warning", jpath);
	if (h->min_backoff > 0 && h->max_backoff > 0 && h->min_backoff > h->max_backoff)
		report(ld, o, false, jpath, NULL, "min_backoff is larger than max_backoff");
}

static const struct key_spec greylist_keys[] = {{"delay", JT_STR_OR_NUM, true}};
static const struct key_spec rate_keys[] = {
	{"messages", JT_INT, true},
	{"per", JT_STR_OR_NUM, true},
};


/* ---- filters (authentication, spam, antivirus, policy) --------------------- */

static const struct key_spec filter_keys[] = {
	{"iprev", JT_BOOL, false},     {"spf", JT_BOOL, false},        {"dkim", JT_BOOL, false},
	{"dmarc", JT_BOOL, false},     {"antivirus", JT_BOOL, false},  {"dnsbl", JT_ARR, false},
	{"dnsbl_reject", JT_BOOL, false}, {"spam", JT_OBJ, false},     {"policy", JT_OBJ, false},
	{"outbound_spam", JT_BOOL, false},
};

static const struct key_spec spam_keys[] = {
	{"greylist", JT_NUM, false},   {"add_header", JT_NUM, false}, {"rewrite_subject", JT_NUM, false},
	{"quarantine", JT_NUM, false}, {"reject", JT_NUM, false},     {"bad_urls", JT_ARR, false},
	{"bayes_spam", JT_ARR, false}, {"bayes_ham", JT_ARR, false},   {"reputation", JT_OBJ, false},
};

static const struct key_spec policy_keys[] = {
	{"blocked", JT_ARR, false},   {"whitelist", JT_ARR, false}, {"gatekeeper", JT_BOOL, false},
	{"rules", JT_ARR, false},     {"snooze", JT_OBJ, false},    {"approvals", JT_ARR, false},
};

static const struct key_spec approval_keys[] = {{"sender", JT_STR, true}, {"at", JT_NUM, true}};

static const struct key_spec rule_keys[] = {
	{"from", JT_STR, false},   {"to", JT_STR, false},    {"subject", JT_STR, false},
	{"action", JT_STR, true},  {"folder", JT_STR, false}, {"flags", JT_ARR, false},
	{"forward", JT_STR, false},
};

static const struct key_spec snooze_keys[] = {{"start", JT_STR, true}, {"end", JT_STR, true}};
static const char *const rule_actions[] = {"deny", "folder", "forward", NULL};

static int parse_hhmm(struct ld *ld, const cJSON *o, const char *key, const char *jpath)
{
	const cJSON *n = get(o, key, JT_STR);
	int h, m;
	char tail;
	if (n && sscanf(n->valuestring, "%d:%d%c", &h, &m, &tail) == 2 && h >= 0 && h < 24 && m >= 0 &&
	    m < 60)
		return h * 60 + m;
	if (n) {
		char p[512];
		snprintf(p, sizeof p, "%s.%s", jpath, key);
		report(ld, n, false, p, "for example \"08:00\"", "expected a time of day HH:MM (UTC)");
	}
	return -1;
}

static void load_rule(struct ld *ld, const cJSON *o, const char *jpath, struct scn_rule *r)
{
	if (!check_object(ld, o, jpath, rule_keys, ARRAY_LEN(rule_keys)))
		return;
	char sub[512];
	check_enum_key(ld, o, "action", jpath, rule_actions);
	r->action = get_str(o, "action", "folder");
	r->from = get_str(o, "from", NULL);
	r->to = get_str(o, "to", NULL);
	r->subject = get_str(o, "subject", NULL);
	r->folder = get_str(o, "folder", NULL);
	r->forward = get_str(o, "forward", NULL);
	r->flags = get_str_list(ld, o, "flags", jpath, &r->nflags);
	if (strcmp(r->action, "folder") == 0 && !r->folder)
		report(ld, o, false, jpath, NULL, "a \"folder\" rule needs \"folder\"");
	if (strcmp(r->action, "forward") == 0 && !r->forward)
		report(ld, o, false, jpath, NULL, "a \"forward\" rule needs \"forward\"");
	const cJSON *fw = get(o, "forward", JT_STR);
	snprintf(sub, sizeof sub, "%s.forward", jpath);
	if (fw)
		check_address(ld, fw, sub, r->forward);
	const cJSON *fo = get(o, "folder", JT_STR);
	snprintf(sub, sizeof sub, "%s.folder", jpath);
	if (fo)
		check_path_name(ld, fo, sub, "folder name");
}

static void load_policy(struct ld *ld, const cJSON *o, const char *jpath, struct scn_filters *f)
{
	if (!check_object(ld, o, jpath, policy_keys, ARRAY_LEN(policy_keys)))
		return;
	f->blocked = get_str_list(ld, o, "blocked", jpath, &f->nblocked);
	f->whitelist = get_str_list(ld, o, "whitelist", jpath, &f->nwhitelist);
	f->gatekeeper = get_bool(o, "gatekeeper", false);
	const cJSON *rules = get(o, "rules", JT_ARR);
	f->rules = xcalloc((size_t)cJSON_GetArraySize(rules) + 1, sizeof *f->rules);
	size_t i = 0;
	char sub[512];
	for (const cJSON *e = rules ? rules->child : NULL; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "%s.rules[%zu]", jpath, i);
		load_rule(ld, e, sub, &f->rules[f->nrules++]);
	}
	const cJSON *ap = get(o, "approvals", JT_ARR);
	f->approvals = xcalloc((size_t)cJSON_GetArraySize(ap) + 1, sizeof *f->approvals);
	i = 0;
	for (const cJSON *e = ap ? ap->child : NULL; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "%s.approvals[%zu]", jpath, i);
		if (!check_object(ld, e, sub, approval_keys, ARRAY_LEN(approval_keys)))
			continue;
		struct scn_approval *a = &f->approvals[f->napprovals++];
		a->sender = get_str(e, "sender", "");
		a->at = secs_to_us(get_num(ld, e, "at", sub, 0, 365 * 86400.0, 0, "seconds"));
	}
	if (ap && !f->gatekeeper) {
		snprintf(sub, sizeof sub, "%s.approvals", jpath);
		report(ld, ap, true, sub, "add \"gatekeeper\": true, or drop the approvals",
		       "approvals only answer the gatekeeper, which is off");
	}
	const cJSON *sn = get(o, "snooze", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.snooze", jpath);
	if (sn && check_object(ld, sn, sub, snooze_keys, ARRAY_LEN(snooze_keys))) {
		f->snooze_start = parse_hhmm(ld, sn, "start", sub);
		f->snooze_end = parse_hhmm(ld, sn, "end", sub);
	}
}

static void load_filters(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	struct scn_filters *f = &h->filters;
	f->snooze_start = f->snooze_end = -1;
	f->greylist = 4;       /* Rspamd actions.conf defaults (email-facts §9.1) */
	f->add_header = 6;
	f->rewrite_subject = 8;
	f->reject = 15;
	f->quarantine = 15;
	if (!check_object(ld, o, jpath, filter_keys, ARRAY_LEN(filter_keys)))
		return;
	h->has_filters = true;
	f->iprev = get_bool(o, "iprev", false);
	f->spf = get_bool(o, "spf", false);
	f->dkim = get_bool(o, "dkim", false);
	f->dmarc = get_bool(o, "dmarc", false);
	f->antivirus = get_bool(o, "antivirus", false);
	f->dnsbl = get_str_list(ld, o, "dnsbl", jpath, &f->ndnsbl);
	f->dnsbl_reject = get_bool(o, "dnsbl_reject", false);
	f->outbound_spam = get_bool(o, "outbound_spam", false);
	char sub[512];
	const cJSON *sp = get(o, "spam", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.spam", jpath);
	if (sp && check_object(ld, sp, sub, spam_keys, ARRAY_LEN(spam_keys))) {
		f->spam = true;
		f->greylist = get_num(ld, sp, "greylist", sub, -100, 1000, f->greylist, NULL);
		f->add_header = get_num(ld, sp, "add_header", sub, -100, 1000, f->add_header, NULL);
		f->rewrite_subject =
			get_num(ld, sp, "rewrite_subject", sub, -100, 1000, f->rewrite_subject, NULL);
		f->reject = get_num(ld, sp, "reject", sub, -100, 1000, f->reject, NULL);
		/* No quarantine band unless asked for: it starts at reject. */
		f->quarantine = get_num(ld, sp, "quarantine", sub, -100, 1000, f->reject, NULL);
		f->bad_urls = get_str_list(ld, sp, "bad_urls", sub, &f->nbad_urls);
		f->bayes_spam = get_str_list(ld, sp, "bayes_spam", sub, &f->nbayes_spam);
		f->bayes_ham = get_str_list(ld, sp, "bayes_ham", sub, &f->nbayes_ham);
		const cJSON *rep = get(sp, "reputation", JT_OBJ);
		f->rep_keys = xcalloc((size_t)cJSON_GetArraySize(rep) + 1, sizeof *f->rep_keys);
		f->rep_scores = xcalloc((size_t)cJSON_GetArraySize(rep) + 1, sizeof *f->rep_scores);
		for (const cJSON *e = rep ? rep->child : NULL; e; e = e->next) {
			if (!cJSON_IsNumber(e) || e->valuedouble < -100 || e->valuedouble > 100) {
				char p[600];
				snprintf(p, sizeof p, "%s.reputation.%s", sub, e->string);
				report(ld, e, false, p, "for example { \"203.0.113.77\": 3.0, \"@example.org\": -1.0 }",
				       "expected a score between -100 and 100");
				continue;
			}
			f->rep_keys[f->nrep] = xstrdup(e->string);
			f->rep_scores[f->nrep++] = e->valuedouble;
		}
		if (!(f->greylist <= f->add_header && f->add_header <= f->reject &&
		      f->quarantine <= f->reject))
			report(ld, sp, false, sub, "thresholds must rise: greylist <= add_header <= reject, quarantine <= reject",
			       "spam thresholds out of order");
	}
	const cJSON *pol = get(o, "policy", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.policy", jpath);
	if (pol)
		load_policy(ld, pol, sub, f);
}

static const struct key_spec dkim_sign_keys[] = {
	{"domain", JT_STR, true}, {"selector", JT_STR, true}, {"key", JT_STR, true},
	{"canon", JT_STR, false},
};
static const char *const canon_names[] = {"relaxed/relaxed", "relaxed/simple", "simple/relaxed",
					  "simple/simple", NULL};

static char *read_beside(const char *scenario_path, const char *rel, char *err, size_t errsz)
{
	char path[4096];
	const char *slash = strrchr(scenario_path, '/');
	if (rel[0] == '/' || !slash)
		snprintf(path, sizeof path, "%s", rel);
	else
		snprintf(path, sizeof path, "%.*s/%s", (int)(slash - scenario_path), scenario_path, rel);
	struct strbuf sb;
	sb_init(&sb);
	if (!read_file(path, &sb)) {
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
		sb_free(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

static void load_dkim_sign(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	if (!check_object(ld, o, jpath, dkim_sign_keys, ARRAY_LEN(dkim_sign_keys)))
		return;
	struct scn_dkim_sign *d = &h->dkim_sign;
	h->has_dkim_sign = true;
	d->domain = get_str(o, "domain", "");
	d->selector = get_str(o, "selector", "");
	d->key_path = get_str(o, "key", "");
	d->canon = get_str(o, "canon", "relaxed/relaxed");
	char sub[512], err[600];
	check_enum_key(ld, o, "canon", jpath, canon_names);
	const cJSON *k = get(o, "key", JT_STR);
	snprintf(sub, sizeof sub, "%s.key", jpath);
	if (k && !(d->key_pem = read_beside(ld->path, d->key_path, err, sizeof err)))
		report(ld, k, false, sub, "the path is relative to the scenario file, e.g. \"keys/example.org.s1.pem\"",
		       "%s", err);
}

/* ---- hosts ---------------------------------------------------------------- */

static const char *const service_names[] = {"smtp", "submission", "imap", "pop3", NULL};
static const char *const protocol_names[] = {"imap", "pop3", NULL};

static const struct key_spec fetch_keys[] = {
	{"protocol", JT_STR, true}, {"server", JT_STR, true}, {"at", JT_ARR, true},
	{"keep", JT_BOOL, false},
};

static void load_fetch(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	if (!check_object(ld, o, jpath, fetch_keys, ARRAY_LEN(fetch_keys)))
		return;
	h->has_fetch = true;
	const cJSON *p = get(o, "protocol", JT_STR);
	char sub[512];
	snprintf(sub, sizeof sub, "%s.protocol", jpath);
	if (p)
		check_enum(ld, p, sub, protocol_names);
	h->fetch.protocol = get_str(o, "protocol", "imap");
	h->fetch.server = get_str(o, "server", "");
	h->fetch.keep = get_bool(o, "keep", true);
	const cJSON *at = get(o, "at", JT_ARR);
	if (!at)
		return;
	h->fetch.at = xcalloc((size_t)cJSON_GetArraySize(at) + 1, sizeof *h->fetch.at);
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
	z->records = xrealloc(z->records, (z->nrecords + 1) * sizeof *z->records);
	struct scn_record *r = &z->records[z->nrecords++];
	r->name = xstrdup(norm);
	r->type = xstrdup(dns_type_name(t));
	r->data = xstrdup(data->valuestring);
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
	z->origin = xstrdup(norm);
	z->ttl = (uint32_t)get_num(ld, o, "ttl", jpath, 0, 2147483647.0, 3600, "seconds");
	z->neg_ttl = (uint32_t)get_num(ld, o, "neg_ttl", jpath, 0, 86400, 300, "seconds");
	const cJSON *recs = get(o, "records", JT_ARR);
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
	{"postmaster", JT_STR, false},
};

static const struct key_spec submit_keys[] = {
	{"server", JT_STR, true},
	{"port", JT_INT, false},
};

static const char *const role_names[] = {"client", "mta", "dns", "filter", "mailbox", NULL};

/* Keys that only make sense for some roles. */
static const struct {
	const char *key;
	const char *roles;
} role_keys[] = {
	{"services", "mta filter mailbox"}, {"domains", "mta filter mailbox"}, {"tls", "mta filter mailbox"},
	{"size_limit", "mta filter mailbox"}, {"max_rcpts", "mta filter mailbox"},
	{"vrfy", "mta filter mailbox"}, {"banner", "mta filter mailbox"}, {"user", "client"},
	{"submit", "client"}, {"fetch", "client"}, {"zones", "dns"},
	{"relay_domains", "mta filter mailbox"}, {"tls_policy", "mta filter mailbox"},
	{"retry", "mta filter mailbox"}, {"greylist", "mta filter mailbox"},
	{"rate_limit", "mta filter mailbox"}, {"idle_timeout", "mta filter mailbox"},
	{"filters", "mta filter mailbox"}, {"dkim_sign", "mta filter mailbox"},
	{"srs_secret", "mta filter mailbox"}, {"quota_full", "mta filter mailbox"},
	{"postmaster", "mta filter mailbox"},
};

static const char *const quota_full_names[] = {"reject", "tempfail", NULL};

static void check_role_keys(struct ld *ld, const cJSON *o, const char *jpath, const char *role)
{
	for (size_t i = 0; i < ARRAY_LEN(role_keys); i++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, role_keys[i].key);
		if (!n || strstr(role_keys[i].roles, role))
			continue;
		char p[512], hint[128];
		snprintf(p, sizeof p, "%s.%s", jpath, role_keys[i].key);
		snprintf(hint, sizeof hint, "\"%s\" applies to roles: %s", role_keys[i].key,
			 role_keys[i].roles);
		report(ld, n, true, p, hint, "a host with role \"%s\" takes no \"%s\"", role, role_keys[i].key);
	}
}

static void load_host_client(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	char sub[512];
	h->user = get_str(o, "user", NULL);
	const cJSON *sb = get(o, "submit", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.submit", jpath);
	if (sb && check_object(ld, sb, sub, submit_keys, ARRAY_LEN(submit_keys))) {
		h->submit_server = get_str(sb, "server", NULL);
		h->submit_port = (int)get_num(ld, sb, "port", sub, 1, 65535, 587, NULL);
	}
	const cJSON *f = get(o, "fetch", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.fetch", jpath);
	if (f)
		load_fetch(ld, f, sub, h);
	if (!h->user && (h->submit_server || h->has_fetch))
		report(ld, o, false, jpath, "add \"user\": \"someone@example.org\"",
		       "a client that submits or fetches mail needs a \"user\"");
}

static void load_host_mta(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	char sub[512];
	h->services = get_str_list(ld, o, "services", jpath, &h->nservices);
	const cJSON *sv = get(o, "services", JT_ARR);
	size_t i = 0;
	for (const cJSON *e = sv ? sv->child : NULL; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "%s.services[%zu]", jpath, i);
		if (cJSON_IsString(e))
			check_enum(ld, e, sub, service_names);
	}
	if (!h->services) { /* no list (a string is a list of one): mail on port 25 */
		h->services = xcalloc(1, sizeof *h->services);
		h->services[0] = xstrdup("smtp");
		h->nservices = 1;
	}
	h->domains = get_str_list(ld, o, "domains", jpath, &h->ndomains);
	for (size_t k = 0; k < h->ndomains; k++) {
		char norm[256];
		if (!dns_name_normalize(h->domains[k], norm, sizeof norm)) {
			snprintf(sub, sizeof sub, "%s.domains[%zu]", jpath, k);
			report(ld, cJSON_GetArrayItem(get(o, "domains", JT_ARR), (int)k), false, sub,
			       NULL, "\"%s\" is not a valid domain name", h->domains[k]);
			continue;
		}
		free(h->domains[k]);
		h->domains[k] = xstrdup(norm);
	}
	h->tls = get_bool(o, "tls", false);
	h->vrfy = get_bool(o, "vrfy", false);
	h->size_limit = (int64_t)get_num(ld, o, "size_limit", jpath, 0, 2e9, 10240000, "bytes");
	h->max_rcpts = (int)get_num(ld, o, "max_rcpts", jpath, 1, 100000, 100, NULL);
	h->banner = get_str(o, "banner", NULL);
	h->relay_domains = get_str_list(ld, o, "relay_domains", jpath, &h->nrelay_domains);
	check_enum_key(ld, o, "tls_policy", jpath, tls_policy_names);
	h->tls_policy = get_str(o, "tls_policy", "may");
	h->min_backoff = h->max_backoff = h->queue_lifetime = h->delay_warning = -1;
	h->retry_schedule = NULL;
	const cJSON *r = get(o, "retry", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.retry", jpath);
	if (r)
		load_retry(ld, r, sub, h);
	if (!h->retry_schedule)
		h->retry_schedule = xstrdup("postfix");
	const cJSON *g = get(o, "greylist", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.greylist", jpath);
	if (g && check_object(ld, g, sub, greylist_keys, ARRAY_LEN(greylist_keys)))
		h->greylist_delay = get_duration(ld, g, "delay", sub);
	if (h->greylist_delay < 0)
		h->greylist_delay = 0;
	const cJSON *rl = get(o, "rate_limit", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.rate_limit", jpath);
	if (rl && check_object(ld, rl, sub, rate_keys, ARRAY_LEN(rate_keys))) {
		h->rate_limit = (int)get_num(ld, rl, "messages", sub, 1, 1e6, 0, NULL);
		h->rate_window = get_duration(ld, rl, "per", sub);
	}
	h->idle_timeout = secs_to_us(get_num(ld, o, "idle_timeout", jpath, 1, 3600, 0, "seconds"));
	const cJSON *fl = get(o, "filters", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.filters", jpath);
	h->filters.snooze_start = h->filters.snooze_end = -1;
	if (fl)
		load_filters(ld, fl, sub, h);
	const cJSON *ds = get(o, "dkim_sign", JT_OBJ);
	snprintf(sub, sizeof sub, "%s.dkim_sign", jpath);
	if (ds)
		load_dkim_sign(ld, ds, sub, h);
	h->srs_secret = get_str(o, "srs_secret", NULL);
	check_enum_key(ld, o, "quota_full", jpath, quota_full_names);
	h->quota_full = get_str(o, "quota_full", "reject");
	h->postmaster = get_str(o, "postmaster", NULL);
}

static void load_host(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h)
{
	if (!check_object(ld, o, jpath, host_keys, ARRAY_LEN(host_keys)))
		return;
	char sub[512], norm[256];
	h->name = get_str(o, "name", "");
	h->ip = get_str(o, "ip", "");
	h->role = get_str(o, "role", "");
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
	if (role && !check_enum(ld, role, sub, role_names))
		return;
	h->resolver = get_str(o, "resolver", NULL);
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
	check_role_keys(ld, o, jpath, h->role);
	if (strcmp(h->role, "client") == 0)
		load_host_client(ld, o, jpath, h);
	if (strcmp(h->role, "mta") == 0 || strcmp(h->role, "mailbox") == 0 ||
	    strcmp(h->role, "filter") == 0)
		load_host_mta(ld, o, jpath, h);
	const cJSON *zones = get(o, "zones", JT_ARR);
	if (zones) {
		h->zones = xcalloc((size_t)cJSON_GetArraySize(zones) + 1, sizeof *h->zones);
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
	{"forward", JT_STR, false}, {"name", JT_STR, false},
};

static void load_user(struct ld *ld, const cJSON *o, const char *jpath, struct scn_user *u)
{
	if (!check_object(ld, o, jpath, user_keys, ARRAY_LEN(user_keys)))
		return;
	u->address = get_str(o, "address", "");
	u->password = get_str(o, "password", "");
	u->name = get_str(o, "name", NULL);
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
	u->forward = get_str(o, "forward", NULL);
	const cJSON *fw = get(o, "forward", JT_STR);
	snprintf(sub, sizeof sub, "%s.forward", jpath);
	if (fw)
		check_address(ld, fw, sub, u->forward);
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
static const char *const omittable[] = {"Date", "Message-ID", "To", "Subject", "MIME-Version", NULL};

static void load_attachments(struct ld *ld, const cJSON *a, const char *jpath, struct scn_message *m)
{
	m->attachments = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *m->attachments);
	size_t i = 0;
	for (const cJSON *e = a->child; e; e = e->next, i++) {
		char sub[512];
		snprintf(sub, sizeof sub, "%s.attachments[%zu]", jpath, i);
		if (!check_object(ld, e, sub, attachment_keys, ARRAY_LEN(attachment_keys)))
			continue;
		struct scn_attachment *at = &m->attachments[m->nattachments++];
		at->filename = get_str(e, "filename", "file");
		at->type = get_str(e, "type", NULL);
		at->text = get_str(e, "text", NULL);
		at->eicar = get_bool(e, "eicar", false);
		if (!at->text && !at->eicar)
			report(ld, e, false, sub, "give \"text\" or \"eicar\": true",
			       "an attachment needs content");
	}
}

static char *join_body(const cJSON *b)
{
	if (cJSON_IsString(b))
		return xstrdup(b->valuestring);
	struct strbuf sb;
	sb_init(&sb);
	for (const cJSON *e = b ? b->child : NULL; e; e = e->next)
		if (cJSON_IsString(e))
			sb_printf(&sb, "%s\n", e->valuestring);
	return sb_steal(&sb);
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
	m->id = get_str(o, "id", "");
	m->at = secs_to_us(get_num(ld, o, "at", jpath, 0, 365 * 86400.0, 0, "seconds"));
	m->from = get_str(o, "from", "");
	m->subject = get_str(o, "subject", "");
	m->body = join_body(cJSON_GetObjectItemCaseSensitive(o, "body"));
	m->size = (int64_t)get_num(ld, o, "size", jpath, 0, 1e9, 0, "bytes");
	m->to = get_str_list(ld, o, "to", jpath, &m->nto);
	m->spoof_from = get_str(o, "spoof_from", NULL);
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
			check_enum(ld, e, sub, omittable);
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

static const char *const narration_kinds[] = {
	"sim.start", "msg.compose", "msg.header", "dns.query", "dns.answer", "dns.cache",
	"dns.timeout", "net.connect", "net.accept", "net.refused", "net.timeout", "net.close",
	"tls.start", "tls.ok", "tls.fail", "smtp.send", "smtp.data", "imap.send", "pop3.send",
	"pop3.data", "imap.data", "route.mx", "queue.enter", "queue.attempt", "queue.defer",
	"queue.bounce", "queue.done", "queue.expire", "mailbox.store", "mailbox.fetch",
	"dsn.create", "policy.decision", "filter.check", "fault.start", "fault.end", "sim.end",
	NULL};

static void load_narration(struct ld *ld, const cJSON *o, const char *jpath,
			   struct scn_narration *n)
{
	if (!check_object(ld, o, jpath, narration_keys, ARRAY_LEN(narration_keys)))
		return;
	check_enum_key(ld, o, "before", jpath, narration_kinds);
	n->before = get_str(o, "before", "");
	n->node = get_str(o, "node", NULL);
	n->match = get_str(o, "match", NULL);
	n->text = get_str(o, "text", "");
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
		l->a = xstrdup(a0->valuestring);
		l->b = xstrdup(a1->valuestring);
	}
	l->latency = secs_to_us(get_num(ld, o, "latency_ms", jpath, 0, 600000, 10, "ms") / 1000.0);
}

static const char *const fault_names[] = {"host_down", "port_closed", "dns_timeout",
					   "dns_servfail", "link", "slow_server", "tls_failure",
					   "mailbox_full", "tamper", NULL};

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
	"type host delay_ms from until", "type host from until", "type user at",
	"type host what from until",
};

static void check_fault_keys(struct ld *ld, const cJSON *o, const char *jpath, int t)
{
	char need[64];
	snprintf(need, sizeof need, "%s", fault_needs[t]);
	for (char *w = strtok(need, " "); w; w = strtok(NULL, " "))
		if (!cJSON_GetObjectItemCaseSensitive(o, w))
			report(ld, o, false, jpath, NULL, "a %s fault needs \"%s\"", fault_names[t], w);
	for (const cJSON *m = o->child; m; m = m->next) {
		char key[80], hint[160];
		snprintf(key, sizeof key, " %s ", m->string);
		char acc[96];
		snprintf(acc, sizeof acc, " %s ", fault_accepts[t]);
		if (strstr(acc, key))
			continue;
		snprintf(hint, sizeof hint, "a %s fault takes: %s", fault_names[t], fault_accepts[t]);
		char p[512];
		snprintf(p, sizeof p, "%s.%s", jpath, m->string);
		report(ld, m, true, p, hint, "\"%s\" does not apply to a %s fault", m->string,
		       fault_names[t]);
	}
}

static void load_fault(struct ld *ld, const cJSON *o, const char *jpath, struct scn_fault *f)
{
	if (!check_object(ld, o, jpath, fault_keys, ARRAY_LEN(fault_keys)))
		return;
	const cJSON *t = get(o, "type", JT_STR);
	char sub[512];
	snprintf(sub, sizeof sub, "%s.type", jpath);
	if (!t || !check_enum(ld, t, sub, fault_names))
		return;
	int ti = 0;
	while (strcmp(fault_names[ti], t->valuestring) != 0)
		ti++;
	f->type = (enum scn_fault_type)ti;
	check_fault_keys(ld, o, jpath, ti);
	f->host = get_str(o, "host", NULL);
	f->user = get_str(o, "user", NULL);
	f->what = get_str(o, "what", NULL);
	static const char *const tamper_names[] = {"body", "subject", NULL};
	check_enum_key(ld, o, "what", jpath, tamper_names);
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
		f->a = xstrdup(b0->valuestring);
		f->b = xstrdup(b1->valuestring);
	}
}

/* ---- top level -------------------------------------------------------------- */

static const struct key_spec top_keys[] = {
	{"mailsim", JT_INT, true},    {"name", JT_STR, true},       {"title", JT_STR, false},
	{"description", JT_STR_OR_ARR, false}, {"seed", JT_INT, false}, {"start", JT_STR, false},
	{"latency_ms", JT_NUM, false}, {"hosts", JT_ARR, true},     {"users", JT_ARR, false},
	{"messages", JT_ARR, false},  {"narration", JT_ARR, false}, {"links", JT_ARR, false},
	{"faults", JT_ARR, false},
};

#define LOAD_ARRAY(ld, root, key, arr, count, fn)                                           \
	do {                                                                                \
		const cJSON *a_ = get(root, key, JT_ARR);                                   \
		size_t i_ = 0;                                                              \
		(arr) = xcalloc((size_t)cJSON_GetArraySize(a_) + 1, sizeof *(arr));         \
		for (const cJSON *e_ = a_ ? a_->child : NULL; e_; e_ = e_->next, i_++) {    \
			char p_[64];                                                        \
			snprintf(p_, sizeof p_, "%s[%zu]", key, i_);                        \
			fn(ld, e_, p_, &(arr)[(count)++]);                                  \
		}                                                                           \
	} while (0)

static void load_top(struct ld *ld, const cJSON *root)
{
	struct scenario *s = ld->s;
	if (!check_object(ld, root, "", top_keys, ARRAY_LEN(top_keys)))
		return;
	const cJSON *v = get(root, "mailsim", JT_INT);
	if (v && v->valuedouble != 1)
		report(ld, v, false, "mailsim", "this mailsim reads format version 1",
		       "unsupported format version %g", v->valuedouble);
	s->name = get_str(root, "name", "");
	s->title = get_str(root, "title", s->name);
	s->description = join_body(cJSON_GetObjectItemCaseSensitive(root, "description"));
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
}

/* ---- references ------------------------------------------------------------ */

static const cJSON *node_at(const cJSON *root, const char *arr, size_t i, const char *key)
{
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, arr), (int)i);
	const cJSON *k = key ? cJSON_GetObjectItemCaseSensitive(e, key) : NULL;
	return k ? k : e;
}

static void report_at(struct ld *ld, int line, int col, const char *jpath, const char *hint,
		      const char *msg)
{
	fprintf(ld->err, "%s:%d:%d: error: %s: %s\n", ld->path, line, col, jpath, msg);
	if (hint)
		fprintf(ld->err, "  hint: %s\n", hint);
	ld->nerr++;
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
		const struct scn_host *r = h->resolver ? scn_host(s, h->resolver) : NULL;
		if (h->resolver && (!r || strcmp(r->role, "dns") != 0)) {
			snprintf(p, sizeof p, "hosts[%zu].resolver", i);
			report(ld, node_at(root, "hosts", i, "resolver"), false, p,
			       "name a host whose role is \"dns\"",
			       "resolver \"%s\" is not a dns host of this scenario", h->resolver);
		}
		if (h->postmaster && !scn_user(s, h->postmaster)) {
			snprintf(p, sizeof p, "hosts[%zu].postmaster", i);
			report(ld, node_at(root, "hosts", i, "postmaster"), false, p,
			       "name one of the scenario's users, who reads postmaster mail",
			       "no user \"%s\"", h->postmaster);
		}
		if (strcmp(h->role, "client") != 0)
			continue;
		if (h->user && !scn_user(s, h->user)) {
			snprintf(p, sizeof p, "hosts[%zu].user", i);
			report(ld, node_at(root, "hosts", i, "user"), false, p,
			       "add it to \"users\" or fix the spelling",
			       "user \"%s\" is not in \"users\"", h->user);
		}
		const struct scn_host *sub = h->submit_server ? scn_host(s, h->submit_server) : NULL;
		if (h->submit_server && (!sub || !scn_host_has_service(sub, "submission"))) {
			snprintf(p, sizeof p, "hosts[%zu].submit.server", i);
			snprintf(msg, sizeof msg, sub ? "host \"%s\" offers no \"submission\" service"
						      : "no host named \"%s\"", h->submit_server);
			report(ld, node_at(root, "hosts", i, "submit"), false, p,
			       "the server must be an mta host with \"submission\" in its services",
			       "%s", msg);
		}
		const struct scn_host *fs = h->has_fetch ? scn_host(s, h->fetch.server) : NULL;
		if (h->has_fetch && (!fs || !scn_host_has_service(fs, h->fetch.protocol))) {
			snprintf(p, sizeof p, "hosts[%zu].fetch.server", i);
			snprintf(hint, sizeof hint, "add \"%s\" to the services of the server",
				 h->fetch.protocol);
			report(ld, node_at(root, "hosts", i, "fetch"), false, p, hint,
			       fs ? "host \"%s\" does not offer the fetch protocol" : "no host named \"%s\"",
			       h->fetch.server);
		}
	}
}

/* The first record of type at owner name in any zone of the scenario. */
static const struct scn_record *find_record(const struct scenario *s, const char *name,
					    const char *type)
{
	for (size_t i = 0; i < s->nhosts; i++)
		for (size_t z = 0; z < s->hosts[i].nzones; z++) {
			const struct scn_zone *zone = &s->hosts[i].zones[z];
			for (size_t r = 0; r < zone->nrecords; r++)
				if (ascii_strcaseeq(zone->records[r].name, name) &&
				    strcmp(zone->records[r].type, type) == 0)
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
		if (scn_host(s, cur) || find_record(s, cur, "A") || find_record(s, cur, "AAAA"))
			return true;
		const struct scn_record *c = find_record(s, cur, "CNAME");
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
	const struct scn_record *alias = find_record(ld->s, norm, "CNAME");
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
		need_dns |= strcmp(h->role, "mta") == 0;
		have_dns |= strcmp(h->role, "dns") == 0;
		for (size_t z = 0; z < h->nzones; z++) {
			const struct scn_zone *zone = &h->zones[z];
			for (size_t r = 0; r < zone->nrecords; r++) {
				const struct scn_record *rec = &zone->records[r];
				char p[160];
				snprintf(p, sizeof p, "hosts[%zu].zones[%zu].records[%zu].data", i, z, r);
				if (strcmp(rec->type, "MX") == 0)
					check_mx_record(ld, rec, p);
				else if (strcmp(rec->type, "A") == 0)
					check_a_record(ld, rec, p);
			}
		}
	}
	if (need_dns && !have_dns)
		report_at(ld, 1, 1, "hosts",
			  "add a host with \"role\": \"dns\" holding the zones (MX and A records)",
			  "MTAs need DNS to route mail, but no host has role \"dns\"");
}

static void check_user_refs(struct ld *ld, const cJSON *root)
{
	const struct scenario *s = ld->s;
	char p[128], hint[600];
	for (size_t i = 0; i < s->nusers; i++) {
		const struct scn_user *u = &s->users[i];
		for (size_t k = 0; k < i; k++)
			if (ascii_strcaseeq(s->users[k].address, u->address)) {
				snprintf(p, sizeof p, "users[%zu].address", i);
				report(ld, node_at(root, "users", i, "address"), false, p, NULL,
				       "duplicate user \"%s\" (also users[%zu])", u->address, k);
			}
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
		if (s->hosts[i].user && ascii_strcaseeq(s->hosts[i].user, user) &&
		    s->hosts[i].submit_server)
			return &s->hosts[i];
	return NULL;
}

static void check_message_refs(struct ld *ld, const cJSON *root)
{
	const struct scenario *s = ld->s;
	char p[128], hint[600];
	for (size_t i = 0; i < s->nmessages; i++) {
		const struct scn_message *m = &s->messages[i];
		for (size_t k = 0; k < i; k++)
			if (strcmp(s->messages[k].id, m->id) == 0) {
				snprintf(p, sizeof p, "messages[%zu].id", i);
				report(ld, node_at(root, "messages", i, "id"), false, p, NULL,
				       "duplicate message id \"%s\" (also messages[%zu])", m->id, k);
			}
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
}

static void check_misc_refs(struct ld *ld, const cJSON *root)
{
	const struct scenario *s = ld->s;
	char p[128];
	for (size_t i = 0; i < s->nnarration; i++)
		if (s->narration[i].node && !scn_host(s, s->narration[i].node)) {
			snprintf(p, sizeof p, "narration[%zu].node", i);
			report(ld, node_at(root, "narration", i, "node"), false, p, NULL,
			       "no host named \"%s\"", s->narration[i].node);
		}
	for (size_t i = 0; i < s->nlinks; i++) {
		const char *ends[2] = {s->links[i].a, s->links[i].b};
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
		const struct scn_host *h = f->host ? scn_host(s, f->host) : NULL;
		snprintf(p, sizeof p, "faults[%zu]", i);
		if (f->host && !h) {
			report(ld, node_at(root, "faults", i, "host"), false, p, NULL,
			       "no host named \"%s\"", f->host);
			continue;
		}
		bool dns_fault = f->type == FAULT_DNS_TIMEOUT || f->type == FAULT_DNS_SERVFAIL;
		if (h && dns_fault && strcmp(h->role, "dns") != 0)
			report(ld, node_at(root, "faults", i, "host"), false, p,
			       "DNS faults apply to a host whose role is \"dns\"",
			       "\"%s\" is not a DNS server", f->host);
		if (f->user && !scn_user(s, f->user))
			report(ld, node_at(root, "faults", i, "user"), false, p, NULL,
			       "no user \"%s\"", f->user);
		const char *ends[2] = {f->a, f->b};
		for (int k = 0; k < 2; k++)
			if (ends[k] && !scn_host(s, ends[k]))
				report(ld, node_at(root, "faults", i, "between"), false, p, NULL,
				       "no host named \"%s\"", ends[k]);
	}
}

static void check_refs(struct ld *ld, const cJSON *root)
{
	check_fault_refs(ld, root);
	check_host_refs(ld, root);
	check_dns_refs(ld);
	check_user_refs(ld, root);
	check_message_refs(ld, root);
	check_misc_refs(ld, root);
}

struct scenario *scn_parse(const char *text, size_t len, const char *path, FILE *err)
{
	struct ld ld = {.path = path, .text = text, .len = len, .err = err};
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!root) {
		int line, col;
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		jsonpos_offset_to_linecol(text, len, off, &line, &col);
		fprintf(err, "%s:%d:%d: error: malformed JSON near here\n", path, line, col);
		fprintf(err, "  hint: look for a missing comma, quote or bracket at or just before "
			     "this point\n");
		return NULL;
	}
	ld.pos = jsonpos_build_len(text, len, root);
	ld.s = xcalloc(1, sizeof *ld.s);
	ld.s->path = xstrdup(path);
	load_top(&ld, root);
	if (ld.nerr == 0)
		check_refs(&ld, root);
	jsonpos_free(ld.pos);
	cJSON_Delete(root);
	if (ld.nerr) {
		fputs(ld.warn.data ? ld.warn.data : "", err);
		fprintf(err, "%s: %d error%s\n", path, ld.nerr, ld.nerr == 1 ? "" : "s");
		sb_free(&ld.warn);
		scn_free(ld.s);
		return NULL;
	}
	ld.s->warnings = sb_steal(&ld.warn);
	ld.s->nwarnings = ld.nwarn;
	return ld.s;
}

struct scenario *scn_load(const char *path, FILE *err)
{
	struct strbuf sb;
	sb_init(&sb);
	if (!read_file(path, &sb)) {
		fprintf(err, "%s: error: cannot open: %s\n", path, strerror(errno));
		sb_free(&sb);
		return NULL;
	}
	struct scenario *s = scn_parse(sb.data ? sb.data : "", sb.len, path, err);
	sb_free(&sb);
	return s;
}

bool scn_unreadable(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return true;
	bool bad = fgetc(f) == EOF && ferror(f); /* a directory opens, then EISDIR */
	fclose(f);
	return bad;
}

static void free_host(struct scn_host *h)
{
	free(h->name);
	free(h->role);
	free(h->ip);
	free_str_list(h->services, h->nservices);
	free_str_list(h->domains, h->ndomains);
	free(h->banner);
	free(h->resolver);
	free(h->user);
	free(h->submit_server);
	free(h->fetch.protocol);
	free(h->fetch.server);
	free(h->fetch.at);
	free_str_list(h->relay_domains, h->nrelay_domains);
	free(h->tls_policy);
	free(h->retry_schedule);
	free(h->retry_rules);
	free(h->srs_secret);
	free(h->quota_full);
	free(h->postmaster);
	free(h->dkim_sign.domain);
	free(h->dkim_sign.selector);
	free(h->dkim_sign.key_path);
	free(h->dkim_sign.key_pem);
	free(h->dkim_sign.canon);
	struct scn_filters *f = &h->filters;
	free_str_list(f->dnsbl, f->ndnsbl);
	free_str_list(f->bad_urls, f->nbad_urls);
	free_str_list(f->bayes_spam, f->nbayes_spam);
	free_str_list(f->bayes_ham, f->nbayes_ham);
	free_str_list(f->rep_keys, f->nrep);
	free(f->rep_scores);
	free_str_list(f->blocked, f->nblocked);
	free_str_list(f->whitelist, f->nwhitelist);
	for (size_t a = 0; a < f->napprovals; a++)
		free(f->approvals[a].sender);
	free(f->approvals);
	for (size_t r = 0; r < f->nrules; r++) {
		free(f->rules[r].from);
		free(f->rules[r].to);
		free(f->rules[r].subject);
		free(f->rules[r].action);
		free(f->rules[r].folder);
		free(f->rules[r].forward);
		free_str_list(f->rules[r].flags, f->rules[r].nflags);
	}
	free(f->rules);
	for (size_t k = 0; k < h->nzones; k++) {
		struct scn_zone *z = &h->zones[k];
		for (size_t r = 0; r < z->nrecords; r++) {
			free(z->records[r].name);
			free(z->records[r].type);
			free(z->records[r].data);
		}
		free(z->records);
		free(z->origin);
	}
	free(h->zones);
}

void scn_free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nhosts; i++)
		free_host(&s->hosts[i]);
	free(s->hosts);
	for (size_t i = 0; i < s->nusers; i++) {
		free(s->users[i].address);
		free(s->users[i].password);
		free(s->users[i].name);
		free_str_list(s->users[i].aliases, s->users[i].naliases);
		free(s->users[i].forward);
	}
	free(s->users);
	for (size_t i = 0; i < s->nmessages; i++) {
		struct scn_message *m = &s->messages[i];
		free(m->id);
		free(m->from);
		free_str_list(m->to, m->nto);
		free(m->subject);
		free(m->body);
		free(m->spoof_from);
		free_str_list(m->omit, m->nomit);
		for (size_t k = 0; k < m->nattachments; k++) {
			free(m->attachments[k].filename);
			free(m->attachments[k].type);
			free(m->attachments[k].text);
		}
		free(m->attachments);
	}
	free(s->messages);
	for (size_t i = 0; i < s->nnarration; i++) {
		free(s->narration[i].before);
		free(s->narration[i].node);
		free(s->narration[i].match);
		free(s->narration[i].text);
	}
	free(s->narration);
	for (size_t i = 0; i < s->nlinks; i++) {
		free(s->links[i].a);
		free(s->links[i].b);
	}
	free(s->links);
	for (size_t i = 0; i < s->nfaults; i++) {
		free(s->faults[i].host);
		free(s->faults[i].a);
		free(s->faults[i].b);
		free(s->faults[i].user);
		free(s->faults[i].what);
	}
	free(s->faults);
	free(s->path);
	free(s->name);
	free(s->title);
	free(s->description);
	free(s->warnings);
	free(s);
}

const struct scn_host *scn_host(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->nhosts; i++)
		if (s->hosts[i].name && ascii_strcaseeq(s->hosts[i].name, name))
			return &s->hosts[i];
	return NULL;
}

const struct scn_user *scn_user(const struct scenario *s, const char *address)
{
	for (size_t i = 0; i < s->nusers; i++)
		if (s->users[i].address && ascii_strcaseeq(s->users[i].address, address))
			return &s->users[i];
	return NULL;
}

const struct scn_host *scn_mailbox_host(const struct scenario *s, const char *address)
{
	const char *dom = addr_domain(address);
	for (size_t i = 0; i < s->nhosts; i++)
		for (size_t k = 0; k < s->hosts[i].ndomains; k++)
			if (ascii_strcaseeq(s->hosts[i].domains[k], dom))
				return &s->hosts[i];
	return NULL;
}

bool scn_host_has_service(const struct scn_host *h, const char *service)
{
	for (size_t i = 0; i < h->nservices; i++)
		if (strcmp(h->services[i], service) == 0)
			return true;
	return false;
}
