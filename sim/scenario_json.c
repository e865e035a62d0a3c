/* scenario_json.c — the loader's JSON helpers: key tables, typed getters
 * that copy into the scenario's arena, enum look-ups with "did you mean"
 * hints, and the error and warning reporters (scenario_int.h). */
#include "scenario_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "mailstore.h"
#include "retry.h"

static const char *const jt_names[] = {"a string", "a number", "an integer", "true or false",
				       "an array", "an object", "a string or an array of strings",
				       "a number or a string", "an array or an object"};

void where(struct ld *ld, const cJSON *node, bool key, int *line, int *col)
{
	*line = *col = 1;
	if (!node || !ld->pos)
		return;
	if (!(key && jsonpos_key(ld->pos, node, line, col)))
		jsonpos_value(ld->pos, node, line, col);
}

void report(struct ld *ld, const cJSON *node, bool at_key, const char *jpath,
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

void warn_at(struct ld *ld, int line, int col, const char *jpath, const char *hint,
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

const char *type_of(const cJSON *n)
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
	case JT_ARR_OR_OBJ: return cJSON_IsArray(n) || cJSON_IsObject(n);
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
static void member_path(char *p, size_t cap, const char *jpath, const cJSON *m)
{
	snprintf(p, cap, "%s%s%s", jpath, *jpath ? "." : "", m->string);
}

bool check_object(struct ld *ld, const cJSON *obj, const char *jpath,
			 const struct key_spec *spec, size_t n)
{
	if (!cJSON_IsObject(obj)) {
		report(ld, obj, false, jpath, NULL, "expected an object, got %s", type_of(obj));
		return false;
	}
	const char *names[32];
	for (size_t i = 0; i < n && i < 32; i++)
		names[i] = spec[i].key;
	/* The member's path is formatted only for a report: on a 100,000-message
	 * scenario formatting it for every member was a quarter of a check. */
	char p[512];
	for (const cJSON *m = obj->child; m; m = m->next) {
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(m->string, spec[i].key) == 0)
				break;
		if (i == n) {
			char hint[1024];
			hint_choices(hint, sizeof hint, m->string, names, n < 32 ? n : 32, "known keys");
			member_path(p, sizeof p, jpath, m);
			report(ld, m, true, p, hint, "unknown key \"%s\"", m->string);
			continue;
		}
		for (const cJSON *e = obj->child; e != m; e = e->next)
			if (strcmp(e->string, m->string) == 0) {
				int l, c;
				where(ld, e, true, &l, &c);
				char hint[128];
				snprintf(hint, sizeof hint, "first defined at line %d, column %d", l, c);
				member_path(p, sizeof p, jpath, m);
				report(ld, m, true, p, hint, "duplicate key \"%s\"", m->string);
				break;
			}
		if (!is_type(m, spec[i].type)) {
			member_path(p, sizeof p, jpath, m);
			report(ld, m, false, p, NULL, "expected %s, got %s", jt_names[spec[i].type],
			       type_of(m));
		}
	}
	for (size_t i = 0; i < n; i++)
		if (spec[i].required && !cJSON_GetObjectItemCaseSensitive(obj, spec[i].key))
			report(ld, obj, false, jpath, NULL, "missing required key \"%s\"", spec[i].key);
	return true;
}

/* Typed getters: only return a value of the right type (errors were
 * reported by check_object). */
const cJSON *get(const cJSON *obj, const char *key, enum jt t)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);
	return n && is_type(n, t) ? n : NULL;
}

char *get_str(struct ld *ld, const cJSON *obj, const char *key, const char *def)
{
	const cJSON *n = get(obj, key, JT_STR);
	return arena_strdup_or_null(ld->a, n ? n->valuestring : def);
}

bool get_bool(const cJSON *obj, const char *key, bool def)
{
	const cJSON *n = get(obj, key, JT_BOOL);
	return n ? cJSON_IsTrue(n) : def;
}

/* A number within [lo, hi]; reports out-of-range values. */
double get_num(struct ld *ld, const cJSON *obj, const char *key, const char *jpath,
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

int64_t secs_to_us(double s)
{
	return (int64_t)llround(s * 1e6);
}

/* A strict string-to-enum lookup; unknown values name the field. */
int check_enum(struct ld *ld, const cJSON *n, const char *jpath, const char *const *names)
{
	size_t count = 0;
	for (; names[count]; count++)
		if (strcmp(n->valuestring, names[count]) == 0)
			return (int)count;
	char hint[1024];
	hint_choices(hint, sizeof hint, n->valuestring, names, count, "expected one of");
	report(ld, n, false, jpath, hint, "unknown value \"%s\"", n->valuestring);
	return -1;
}

int get_enum(struct ld *ld, const cJSON *o, const char *key, const char *jpath,
	     const char *const *names, int def)
{
	const cJSON *n = get(o, key, JT_STR);
	char p[512];
	snprintf(p, sizeof p, "%s%s%s", jpath, *jpath ? "." : "", key);
	int v = n ? check_enum(ld, n, p, names) : def;
	return v < 0 ? def : v;
}

char **get_str_list(struct ld *ld, const cJSON *obj, const char *key, const char *jpath, size_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
	*n = 0;
	if (!a)
		return NULL;
	if (cJSON_IsString(a)) {
		char **v = arena_calloc(ld->a, 1, sizeof *v);
		v[0] = arena_strdup(ld->a, a->valuestring);
		*n = 1;
		return v;
	}
	if (!cJSON_IsArray(a))
		return NULL;
	char **v = arena_calloc(ld->a, (size_t)cJSON_GetArraySize(a) + 1, sizeof *v);
	size_t i = 0;
	for (const cJSON *e = a->child; e; e = e->next, i++) {
		if (!cJSON_IsString(e)) {
			char p[512];
			snprintf(p, sizeof p, "%s.%s[%zu]", jpath, key, i);
			report(ld, e, false, p, NULL, "expected a string, got %s", type_of(e));
			continue;
		}
		v[(*n)++] = arena_strdup(ld->a, e->valuestring);
	}
	return v;
}

static bool valid_address(const char *a)
{
	const char *at = strchr(a, '@');
	char dom[256];
	return at && at != a && strchr(at + 1, '@') == NULL && (size_t)(at - a) <= 64 &&
	       !strpbrk(a, " <>,;\"") && dns_name_normalize(at + 1, dom, sizeof dom) &&
	       strchr(dom, '.');
}

void check_address(struct ld *ld, const cJSON *n, const char *jpath, const char *addr)
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
void check_path_name(struct ld *ld, const cJSON *n, const char *jpath, const char *what)
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
int64_t get_duration(struct ld *ld, const cJSON *obj, const char *key, const char *jpath)
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
const cJSON *node_at(const cJSON *root, const char *arr, size_t i, const char *key)
{
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, arr), (int)i);
	const cJSON *k = key ? cJSON_GetObjectItemCaseSensitive(e, key) : NULL;
	return k ? k : e;
}

void report_at(struct ld *ld, int line, int col, const char *jpath, const char *hint,
		      const char *msg)
{
	fprintf(ld->err, "%s:%d:%d: error: %s: %s\n", ld->path, line, col, jpath, msg);
	if (hint)
		fprintf(ld->err, "  hint: %s\n", hint);
	ld->nerr++;
}

/* A string, or an array of strings joined as lines; "" when absent. */
char *join_body(struct ld *ld, const cJSON *b)
{
	if (cJSON_IsString(b))
		return arena_strdup(ld->a, b->valuestring);
	struct strbuf sb;
	sb_init(&sb);
	for (const cJSON *e = b ? b->child : NULL; e; e = e->next)
		if (cJSON_IsString(e))
			sb_printf(&sb, "%s\n", e->valuestring);
	char *out = arena_strdup(ld->a, sb.data ? sb.data : "");
	sb_free(&sb);
	return out;
}
