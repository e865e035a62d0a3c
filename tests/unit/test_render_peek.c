/* test_render_peek.c — tm_peek (render/view/trace_model_peek.c) gives what
 * tm_get gives, on every event of every golden trace: the snapshot's walk
 * reads with tm_peek, the inspectors and cards with tm_get, and the two
 * must never tell a different story. Covers fields the writer leaves out
 * (a DNS answer's rcode NOERROR, a repeated dns.cache's answers, tls.ok's
 * version, queue.done's status), escaped strings, numbers as written and
 * arrays; tm_peek_long and tm_peek_us as tm_get_long and tm_get_us. Also:
 * peeked values live as long as the model (pointers taken early still
 * read the same after many more peeks), and numbers read as numbers are
 * not interned. tm_peek_raw's text in the line is tm_peek's value; the
 * model's counts per kind add up to its events. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "trace_model.h"
#include "trace_text.h"
#include "trace_model_intern.h"
#include "trace_text.h"
#include "util.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

/* Every key the snapshot reads, and a few more of other kinds. */
static const char *const keys[] = {
	"queue_id", "from",   "rcpts",  "domain",  "attempt", "status", "reason",
	"next_attempt", "result", "user", "folder", "bytes",   "qname",  "qtype",
	"rcode",    "answers", "ttl",   "fault",   "summary", "decision", "symbol",
	"score",    "filter", "action", "version", "name",    "value",  "missing",
};

struct tally {
	size_t events, values, implied, items, numbers, raw;
};

static void check_event(const struct tm_model *m, const struct tm_event *e, const char *file,
			size_t idx, struct tally *t)
{
	/* Before anything reads the event's fields (they are kept then): the
	 * summary pacing reads, from the line without a tree when it can. */
	char *quick = tm_summary_dup(e);
	if (strcmp(quick, tm_summary(e)) != 0)
		FAILF("%s event %zu (%s): summary \"%s\", from the parsed line \"%s\"\n", file, idx,
		      tm_kind_name(e), quick, tm_summary(e));
	free(quick);
	for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
		const char *want = tm_get(e, keys[k]);
		const char *got = tm_peek(m, e, keys[k]);
		if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0))
			FAILF("%s event %zu (%s) key %s: tm_peek \"%s\", tm_get \"%s\"\n", file, idx,
			      tm_kind_name(e), keys[k], got ? got : "(null)", want ? want : "(null)");
		const char *raw;
		size_t rawlen;
		if (tm_peek_raw(m, e, keys[k], &raw, &rawlen)) { /* the same text, in the line */
			if (!got || strlen(got) != rawlen || strncmp(got, raw, rawlen) != 0 ||
			    raw < e->line || raw + rawlen > e->line + e->len)
				FAILF("%s event %zu key %s: tm_peek_raw \"%.*s\", tm_peek \"%s\"\n",
				      file, idx, keys[k], (int)rawlen, raw, got ? got : "(null)");
			t->raw++;
		}
		const struct tm_field *f = tm_get_field(e, keys[k]);
		size_t n;
		const char *const *items = tm_peek_items(m, e, keys[k], &n);
		size_t want_n = f && f->items ? f->nitems : 0;
		if (n != want_n)
			FAILF("%s event %zu key %s: %zu items, tm_get has %zu\n", file, idx, keys[k],
			      n, want_n);
		for (size_t i = 0; i < n && i < want_n; i++)
			if (strcmp(items[i], f->items[i]) != 0)
				FAILF("%s event %zu key %s item %zu: \"%s\", tm_get \"%s\"\n", file, idx,
				      keys[k], i, items[i], f->items[i]);
		if (got) {
			t->values++;
			t->implied += !strstr(e->line, keys[k]) ? 1 : 0;
		}
		t->items += n;
		long dflt = -424242, pl = tm_peek_long(m, e, keys[k], dflt);
		if (pl != tm_get_long(e, keys[k], dflt))
			FAILF("%s event %zu key %s: tm_peek_long %ld, tm_get_long %ld\n", file, idx,
			      keys[k], pl, tm_get_long(e, keys[k], dflt));
		int64_t pu = -1, gu = -1;
		bool hp = tm_peek_us(m, e, keys[k], &pu), hg = tm_get_us(e, keys[k], &gu);
		if (hp != hg || (hp && pu != gu))
			FAILF("%s event %zu key %s: tm_peek_us %d %lld, tm_get_us %d %lld\n", file,
			      idx, keys[k], hp, (long long)pu, hg, (long long)gu);
		t->numbers += pl != dflt;
	}
	t->events++;
}

static void test_goldens(void **state)
{
	(void)state;
	const char *src = getenv("MAILSIM_SOURCE_DIR");
	char *dir = xasprintf("%s/tests/golden", src ? src : ".");
	DIR *d = opendir(dir);
	struct tally t = {0};
	size_t files = 0;

	if (!d)
		FAILF("cannot open %s (set MAILSIM_SOURCE_DIR)\n", dir);
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		size_t len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".jsonl") != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		char err[256] = "";
		struct tm_model *m = tm_open(path, NULL, 0, err, sizeof err);
		if (!m)
			FAILF("%s: %s\n", path, err);
		for (size_t i = 0; i < m->nev; i++)
			check_event(m, &m->ev[i], de->d_name, i, &t);
		size_t per_kind = 0;
		for (size_t k = 0; k < TM_KIND_COUNT; k++)
			per_kind += m->kind_count[k];
		if (per_kind != m->nev)
			FAILF("%s: kind counts add up to %zu, %zu events\n", path, per_kind, m->nev);
		tm_free(m);
		free(path);
		files++;
	}
	closedir(d);
	free(dir);
	printf("peek: %zu goldens, %zu events, %zu values (%zu of them left out of the line, "
	       "%zu read raw), %zu array items: all as tm_get\n", files, t.events, t.values,
	       t.implied, t.raw, t.items);
	if (t.raw == 0)
		FAILF("tm_peek_raw never found a value\n");

	/* the comparison must have met what it is for */
	if (files < 40 || t.implied == 0 || t.items == 0 || t.numbers == 0)
		FAILF("too little compared: %zu files, %zu implied values, %zu items\n", files,
		      t.implied, t.items);
}

/* Values stay put: a pointer from the first event reads the same after a
 * peek at every other event, and equal values share one string. */
static void test_lifetime(void **state)
{
	(void)state;
	static const char trace[] =
		"{\"t\":1.0,\"seq\":1,\"kind\":\"queue.defer\",\"node\":\"a\",\"queue_id\":\"Q1\","
		"\"status\":\"4.4.1\",\"reason\":\"line one\\nline \\\"two\\\"\",\"next_attempt\":"
		"301.250000}\n"
		"{\"t\":2.0,\"seq\":2,\"kind\":\"queue.defer\",\"node\":\"a\",\"queue_id\":\"Q2\","
		"\"status\":\"4.4.1\"}\n";
	char err[256] = "";
	struct tm_model *m = tm_parse(trace, strlen(trace), NULL, 0, err, sizeof err);
	if (!m)
		FAILF("parse: %s\n", err);
	const char *s1 = tm_peek(m, &m->ev[0], "status");
	const char *r1 = tm_peek(m, &m->ev[0], "reason");
	const char *s2 = tm_peek(m, &m->ev[1], "status");
	if (s1 != s2)
		FAILF("equal values are interned once\n");
	if (!r1 || strcmp(r1, "line one\nline \"two\"") != 0)
		FAILF("escapes decoded: got \"%s\"\n", r1 ? r1 : "(null)");
	int64_t us = 0;
	size_t nvals = m->intern->vals.nstr;
	if (!tm_peek_us(m, &m->ev[0], "next_attempt", &us) || us != 301250000)
		FAILF("next_attempt read exactly: %lld\n", (long long)us);
	if (m->intern->vals.nstr != nvals) /* a retry time differs on nearly every defer */
		FAILF("a number read as a number is not interned: %zu values, were %zu\n",
		      m->intern->vals.nstr, nvals);
	if (tm_peek(m, &m->ev[1], "reason") != NULL)
		FAILF("an absent key is NULL\n");
	if (strcmp(tm_peek(m, &m->ev[0], "queue_id"), "Q1") != 0 || strcmp(r1, tm_get(&m->ev[0], "reason")) != 0)
		FAILF("a value taken early still reads the same\n");
	tm_free(m);
}

/* Arrays: plain strings are read from the line, anything else (escapes,
 * blanks a hand-edited trace may have, numbers) as tm_get reads it. */
static void test_items(void **state)
{
	(void)state;
	static const char trace[] =
		"{\"t\":1,\"kind\":\"queue.enter\",\"node\":\"a\",\"queue_id\":\"Q1\","
		"\"rcpts\":[\"x@b.example\",\"y@b.example\"]}\n"
		"{\"t\":2,\"kind\":\"queue.enter\",\"node\":\"a\",\"queue_id\":\"Q2\","
		"\"rcpts\": [ \"x@b.example\" , \"\\u0041@b.example\" ]}\n"
		"{\"t\":3,\"kind\":\"queue.enter\",\"node\":\"a\",\"queue_id\":\"Q3\","
		"\"rcpts\":[\"q\\\"uote@b.example\",7,true]}\n"
		"{\"t\":4,\"kind\":\"queue.enter\",\"node\":\"a\",\"queue_id\":\"Q4\","
		"\"rcpts\":[ ]}\n";
	static const char *const want[][3] = {
		{"x@b.example", "y@b.example", NULL},
		{"x@b.example", "A@b.example", NULL},
		{"q\"uote@b.example", "7", "true"},
		{NULL, NULL, NULL},
	};
	char err[256] = "";
	struct tm_model *m = tm_parse(trace, strlen(trace), NULL, 0, err, sizeof err);
	if (!m || m->nev != 4)
		FAILF("parse: %s\n", err);
	const char *first = NULL;
	for (size_t i = 0; i < 4; i++) {
		size_t n, wn = 0;
		const char *const *items = tm_peek_items(m, &m->ev[i], "rcpts", &n);
		while (wn < 3 && want[i][wn])
			wn++;
		if (n != wn)
			FAILF("event %zu: %zu items, want %zu\n", i, n, wn);
		for (size_t k = 0; k < n; k++)
			if (strcmp(items[k], want[i][k]) != 0)
				FAILF("event %zu item %zu: \"%s\", want \"%s\"\n", i, k, items[k], want[i][k]);
		if (i == 0)
			first = items[0];
		else if (i == 1 && items[0] != first)
			FAILF("an address in two arrays is interned once\n");
	}
	tm_free(m);
}

/* A template expanded from the line gives what it gives from cJSON's
 * tree of the line, or NULL where only the tree can tell. */
static void test_expand_line(void **state)
{
	(void)state;
	static const struct {
		const char *tmpl, *line;
		bool fast; /* expanded without the tree */
	} cases[] = {
		{"{a} to {b}", "{\"a\":\"x@y\",\"b\":\"z\"}", true},
		{"{n} bytes, {f}, {g}", "{\"n\":1.50,\"f\":2e3,\"g\":12.000150}", true},
		{"{big} {neg}", "{\"big\":123456789012345678,\"neg\":-0.5}", true},
		{"{t}/{f}/{z}.", "{\"t\":true,\"f\":false,\"z\":null}", true},
		{"{z|a}", "{\"z\":null,\"a\":\"second\"}", true},
		{"{e|a}", "{\"e\":\"\",\"a\":\"after empty\"}", true},
		{"x {a}  ", "{\"a\":\"\"}", true},
		{"{a|missing}", "{\"a\":\"found first\"}", true},
		{"{missing|a}", "{\"a\":\"x\"}", false},
		{"{s}", "{\"s\":\"tab\\there\"}", false},
		{"{v}", "{\"v\":[\"a\",\"b\"]}", false},
		{"{o}", "{\"o\":{\"k\":1}}", false},
		{"{d} {d}", "{\"d\":\"one\",\"d\":\"two\"}", true},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		cJSON *obj = cJSON_Parse(cases[i].line);
		char *want = tt_expand(cases[i].tmpl, obj);
		char *got = tt_expand_line(cases[i].tmpl, cases[i].line, strlen(cases[i].line));
		if ((got != NULL) != cases[i].fast)
			FAILF("case %zu: expanded from the line: %s, want %s\n", i, got ? "yes" : "no",
			      cases[i].fast ? "yes" : "no");
		if (got && strcmp(got, want) != 0)
			FAILF("case %zu: \"%s\" from the line, \"%s\" from the tree\n", i, got, want);
		free(got);
		free(want);
		cJSON_Delete(obj);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_lifetime),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_expand_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
