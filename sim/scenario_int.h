/* scenario_int.h — what the scenario loader's files share (not a public
 * API: see scenario.h).
 *
 * One load is a `struct ld`: the text, its positions, the error stream,
 * the warnings so far and the arena the scenario is built in. The JSON
 * helpers (scenario_json.c) check an object against its key table, read
 * typed values and report problems as "file:line:col: error: path: what"
 * with a hint. */
#ifndef MAILSIM_SCENARIO_INT_H
#define MAILSIM_SCENARIO_INT_H

#include <cjson/cJSON.h>

#include "arena.h"
#include "jsonpos.h"
#include "scenario.h"

enum jt { JT_STR, JT_NUM, JT_INT, JT_BOOL, JT_ARR, JT_OBJ, JT_STR_OR_ARR, JT_STR_OR_NUM, JT_ARR_OR_OBJ };

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
	struct arena *a;      /* the scenario's arena: everything loaded goes here */
};

/* ---- reporting (scenario_json.c) ---- */
void where(struct ld *ld, const cJSON *node, bool key, int *line, int *col);
void report(struct ld *ld, const cJSON *node, bool at_key, const char *jpath, const char *hint,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void report_at(struct ld *ld, int line, int col, const char *jpath, const char *hint,
	       const char *msg);
/* A warning at a known position: "file:line:col: warning: path: what". */
void warn_at(struct ld *ld, int line, int col, const char *jpath, const char *hint,
	     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
const char *type_of(const cJSON *n);
/* root.arr[i].key, or root.arr[i] when it has no such key. */
const cJSON *node_at(const cJSON *root, const char *arr, size_t i, const char *key);

/* ---- reading (scenario_json.c) ---- */
bool check_object(struct ld *ld, const cJSON *obj, const char *jpath, const struct key_spec *spec,
		  size_t n);
const cJSON *get(const cJSON *obj, const char *key, enum jt t);
char *get_str(struct ld *ld, const cJSON *obj, const char *key, const char *def);
bool get_bool(const cJSON *obj, const char *key, bool def);
double get_num(struct ld *ld, const cJSON *obj, const char *key, const char *jpath, double lo,
	       double hi, double def, const char *unit);
int64_t secs_to_us(double s);
/* The value's index in names (a NULL-ended table), or -1 after reporting it. */
int check_enum(struct ld *ld, const cJSON *n, const char *jpath, const char *const *names);
/* An optional string member that must be one of names: its index, def
 * when absent, or def after reporting a bad value. */
int get_enum(struct ld *ld, const cJSON *o, const char *key, const char *jpath,
	     const char *const *names, int def);
char **get_str_list(struct ld *ld, const cJSON *obj, const char *key, const char *jpath, size_t *n);
void check_address(struct ld *ld, const cJSON *n, const char *jpath, const char *addr);
void check_path_name(struct ld *ld, const cJSON *n, const char *jpath, const char *what);
int64_t get_duration(struct ld *ld, const cJSON *obj, const char *key, const char *jpath);
char *join_body(struct ld *ld, const cJSON *b);

/* ---- the passes ---- */
/* scenario_mta.c: the keys of mta, filter and mailbox hosts. */
void load_host_mta(struct ld *ld, const cJSON *o, const char *jpath, struct scn_host *h);
/* scenario_load.c: the whole tree into ld->s. */
void load_top(struct ld *ld, const cJSON *root);
/* scenario_campaign.c: "campaigns", after "users" (a generated list adds users). */
void load_campaigns(struct ld *ld, const cJSON *root);
/* The address index scn_user() uses (after loading). */
void scn_index_users(struct scenario *s);
/* scenario_check.c: duplicates, dangling references, DNS sanity, warnings;
 * then, with no error, every name resolved to its object. */
void check_refs(struct ld *ld, const cJSON *root);
void resolve_refs(struct scenario *s);

#endif
