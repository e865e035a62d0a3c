/* scenario_parse.c — see scenario.h: scn_parse, scn_load, scn_free and the look-ups.
 *
 * Loading is two passes over the cJSON tree: a structural pass that checks
 * every object against its key table and copies values into typed structs
 * (scenario_load.c, scenario_mta.c), then a reference pass (duplicate
 * names, dangling references, DNS data; scenario_check.c) that ends by
 * resolving names to pointers. Every problem is reported with its
 * position; loading goes on after an error so one run shows them all.
 * Warnings (legal but probably not what the author meant) are collected
 * with the same positions and handed to the caller with the scenario
 * (scenario.warnings). Everything lives in one arena. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "scenario_int.h"
#include "strmap.h"

static struct scenario *scenario_new(const char *path)
{
	struct arena *a = arena_new();
	struct scenario *s = arena_alloc(a, sizeof *s);
	s->arena = a;
	s->path = arena_strdup(a, path);
	return s;
}

static void report_malformed(const char *text, size_t len, const char *end, const char *path,
			     FILE *err)
{
	int line, col;
	size_t off = end && end >= text ? (size_t)(end - text) : 0;
	jsonpos_offset_to_linecol(text, len, off, &line, &col);
	fprintf(err, "%s:%d:%d: error: malformed JSON near here\n", path, line, col);
	fprintf(err, "  hint: look for a missing comma, quote or bracket at or just before "
		     "this point\n");
}

/* The cJSON tree lives only while a scenario loads, and a 100,000-message
 * scenario has about a million nodes and key strings. They come from one
 * arena for the length of the load rather than from malloc one by one:
 * about a third less memory and no per-node free (cJSON_InitHooks; the
 * hooks are global, so they are set only around the parse and the delete,
 * and nothing else calls cJSON in between). */
static struct arena *tree_arena;

static void *tree_malloc(size_t n) { return arena_alloc(tree_arena, n); }
static void tree_free(void *p) { (void)p; }

static cJSON *tree_parse(const char *text, size_t len, const char **end)
{
	cJSON_Hooks hooks = {.malloc_fn = tree_malloc, .free_fn = tree_free};
	tree_arena = arena_new();
	cJSON_InitHooks(&hooks);
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, end, false);
	cJSON_InitHooks(NULL);
	return root;
}

static void tree_delete(void)
{
	arena_free(tree_arena);
	tree_arena = NULL;
}

struct scenario *scn_parse(const char *text, size_t len, const char *path, FILE *err)
{
	struct ld ld = {.path = path, .text = text, .len = len, .err = err};
	const char *end = NULL;
	cJSON *root = tree_parse(text, len, &end);
	if (!root) {
		tree_delete();
		report_malformed(text, len, end, path, err);
		return NULL;
	}
	ld.pos = jsonpos_build_len(text, len, root);
	ld.s = scenario_new(path);
	ld.a = ld.s->arena;
	load_top(&ld, root);
	if (ld.nerr == 0)
		check_refs(&ld, root);
	jsonpos_free(ld.pos);
	tree_delete(); /* root and every node under it */
	if (ld.nerr) {
		fputs(ld.warn.data ? ld.warn.data : "", err);
		fprintf(err, "%s: %d error%s\n", path, ld.nerr, ld.nerr == 1 ? "" : "s");
		sb_free(&ld.warn);
		scn_free(ld.s);
		return NULL;
	}
	resolve_refs(ld.s);
	ld.s->warnings = arena_strdup(ld.a, ld.warn.data ? ld.warn.data : "");
	ld.s->nwarnings = ld.nwarn;
	sb_free(&ld.warn);
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

void scn_free(struct scenario *s)
{
	if (!s)
		return;
	if (s->user_index)
		strmap_free(s->user_index);
	arena_free(s->arena); /* the scenario itself lives in its arena */
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
	if (s->user_index && address) {
		/* Built after loading: lower-case keys (RFC 5321 §2.4: we treat
		 * local parts as case-insensitive, as the linear search did). */
		size_t n = strlen(address), i;
		char stack[256], *k = n < sizeof stack ? stack : xmalloc(n + 1);
		for (size_t j = 0; j <= n; j++)
			k[j] = (char)tolower((unsigned char)address[j]);
		bool hit = strmap_get(s->user_index, k, &i);
		if (k != stack)
			free(k);
		return hit ? &s->users[i] : NULL;
	}
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

bool scn_unreadable(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return true;
	bool bad = fgetc(f) == EOF && ferror(f); /* a directory opens, then EISDIR */
	fclose(f);
	return bad;
}
