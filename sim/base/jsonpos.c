/* jsonpos.c — positions of cJSON nodes in their source text (see jsonpos.h).
 *
 * How: a small recursive reader walks the text with the same grammar cJSON
 * accepts (RFC 8259 values; whitespace is any byte <= 0x20, as cJSON
 * treats it; a leading UTF-8 BOM is skipped, as cJSON does) while walking
 * the tree. At every value it checks that the text and the node agree —
 * same kind, same member count, and strings and keys equal after decoding
 * escapes — so a wrong text is refused instead of yielding wrong positions.
 *
 * Invariants: records are appended in walk order, which is source order,
 * so their byte offsets only grow; one forward pass then turns all offsets
 * into line/column. Lookup by node goes through an open-addressing index
 * of record numbers keyed by node address (built in one pass; sorting a
 * million records by address was a tenth of checking a large scenario). */
#include "jsonpos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NO_KEY SIZE_MAX

struct jsonpos_rec {
	const cJSON *node;
	size_t key_off, val_off; /* byte offsets into the text; key_off may be NO_KEY */
	int key_line, key_col, val_line, val_col;
};

struct jsonpos {
	struct jsonpos_rec *recs;
	size_t n, cap;
	uint32_t *slot;  /* record number + 1, or 0 for an empty slot */
	size_t mask;     /* slots - 1; slots is a power of two >= 2 n */
};

struct walker {
	const unsigned char *text;
	size_t len, pos;
	struct jsonpos *out;
};

static bool has_bom(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0;
}

/* ---- offsets to line/column ---------------------------------------------- */

/* A forward-only cursor: converting ascending offsets costs one pass. */
struct linecol {
	const char *text;
	size_t len, pos, line_start;
	int line;
};

static void linecol_init(struct linecol *lc, const char *text, size_t len)
{
	lc->text = text;
	lc->len = len;
	lc->pos = 0;
	lc->line = 1;
	lc->line_start = has_bom(text, len) ? 3 : 0;
}

static void linecol_at(struct linecol *lc, size_t offset, int *line, int *col)
{
	if (offset > lc->len)
		offset = lc->len;
	for (; lc->pos < offset; lc->pos++)
		if (lc->text[lc->pos] == '\n') {
			lc->line++;
			lc->line_start = lc->pos + 1;
		}
	*line = lc->line;
	*col = offset >= lc->line_start ? (int)(offset - lc->line_start) + 1 : 1;
}

void jsonpos_offset_to_linecol(const char *text, size_t len, size_t offset, int *line, int *col)
{
	struct linecol lc;
	/* The whole length, never more: a text of 1 or 2 bytes is not read 3
	 * bytes far to look for a BOM. */
	linecol_init(&lc, text, len);
	linecol_at(&lc, offset, line, col);
}

/* ---- the lockstep walk --------------------------------------------------- */

static void record(struct walker *w, const cJSON *node, size_t key_off)
{
	struct jsonpos *p = w->out;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->recs = xrealloc(p->recs, p->cap * sizeof(*p->recs));
	}
	p->recs[p->n++] = (struct jsonpos_rec){ .node = node, .key_off = key_off, .val_off = w->pos };
}

static void skip_ws(struct walker *w)
{
	while (w->pos < w->len && w->text[w->pos] <= 0x20)
		w->pos++;
}

/* Consume c (after whitespace) if it is next. */
static bool eat(struct walker *w, unsigned char c)
{
	skip_ws(w);
	if (w->pos < w->len && w->text[w->pos] == c) {
		w->pos++;
		return true;
	}
	return false;
}

static int hex4(const unsigned char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Decode a \uXXXX escape (with its surrogate pair, RFC 8259 §7) at s, which
 * points at the 'u', into UTF-8. Returns the escape's length after the
 * backslash, 0 if malformed. */
static size_t decode_u_escape(const unsigned char *s, size_t avail, unsigned char *utf8,
                              size_t *n)
{
	if (avail < 5)
		return 0;
	long cp = hex4(s + 1);
	size_t used = 5;
	if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
		return 0;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (avail < 11 || s[5] != '\\' || s[6] != 'u')
			return 0;
		long lo = hex4(s + 7);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return 0;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		used = 11;
	}
	if (cp < 0x80) {
		utf8[0] = (unsigned char)cp;
		*n = 1;
	} else if (cp < 0x800) {
		utf8[0] = (unsigned char)(0xC0 | (cp >> 6));
		utf8[1] = (unsigned char)(0x80 | (cp & 0x3F));
		*n = 2;
	} else if (cp < 0x10000) {
		utf8[0] = (unsigned char)(0xE0 | (cp >> 12));
		utf8[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		utf8[2] = (unsigned char)(0x80 | (cp & 0x3F));
		*n = 3;
	} else {
		utf8[0] = (unsigned char)(0xF0 | (cp >> 18));
		utf8[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		utf8[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		utf8[3] = (unsigned char)(0x80 | (cp & 0x3F));
		*n = 4;
	}
	return used;
}

/* The single-character escapes of RFC 8259 §7: escape letter -> byte. */
static const unsigned char simple_escapes[][2] = {
	{ '"', '"' }, { '\\', '\\' }, { '/', '/' }, { 'b', '\b' },
	{ 'f', '\f' }, { 'n', '\n' }, { 'r', '\r' }, { 't', '\t' },
};

/* Decode one escape at s (just after the backslash) into out[*n]; returns
 * its length, 0 if malformed. */
static size_t decode_escape(const unsigned char *s, size_t avail, unsigned char *out, size_t *n)
{
	if (avail == 0)
		return 0;
	if (s[0] == 'u')
		return decode_u_escape(s, avail, out, n);
	for (size_t i = 0; i < ARRAY_LEN(simple_escapes); i++)
		if (s[0] == simple_escapes[i][0]) {
			out[0] = simple_escapes[i][1];
			*n = 1;
			return 1;
		}
	return 0;
}

/* The string literal at w->pos (its opening quote) must decode to want, as
 * cJSON stored it (so a decoded NUL ends the comparison). Consumes it. */
static bool match_string(struct walker *w, const char *want)
{
	const unsigned char *t = w->text, *k = (const unsigned char *)want;
	size_t p = w->pos + 1;
	bool cut = false; /* cJSON's copy ended at a decoded NUL */
	if (!want)
		return false;
	while (p < w->len && t[p] != '"') {
		unsigned char buf[4];
		size_t n = 1, used = 1;
		if (t[p] == '\\') {
			used = 1 + decode_escape(t + p + 1, w->len - p - 1, buf, &n);
			if (used == 1)
				return false;
		} else {
			buf[0] = t[p];
		}
		for (size_t i = 0; i < n && !cut; i++) {
			if (buf[i] == 0)
				cut = true;
			else if (*k++ != buf[i])
				return false;
		}
		p += used;
	}
	if (p >= w->len || *k != 0)
		return false;
	w->pos = p + 1;
	return true;
}

static bool walk_value(struct walker *w, const cJSON *node, size_t key_off);

static bool walk_object(struct walker *w, const cJSON *obj)
{
	const cJSON *child = obj->child;
	w->pos++; /* '{' */
	if (eat(w, '}'))
		return child == NULL;
	for (; child; child = child->next) {
		skip_ws(w);
		size_t key_off = w->pos;
		if (w->pos >= w->len || w->text[w->pos] != '"' || !match_string(w, child->string))
			return false;
		if (!eat(w, ':') || !walk_value(w, child, key_off))
			return false;
		if (eat(w, '}'))
			return child->next == NULL;
		if (!eat(w, ','))
			return false;
	}
	return false; /* the text has more members than the tree */
}

static bool walk_array(struct walker *w, const cJSON *arr)
{
	const cJSON *child = arr->child;
	w->pos++; /* '[' */
	if (eat(w, ']'))
		return child == NULL;
	for (; child; child = child->next) {
		if (!walk_value(w, child, NO_KEY))
			return false;
		if (eat(w, ']'))
			return child->next == NULL;
		if (!eat(w, ','))
			return false;
	}
	return false;
}

static bool walk_literal(struct walker *w, const char *word)
{
	size_t n = strlen(word);
	if (w->len - w->pos < n || memcmp(w->text + w->pos, word, n) != 0)
		return false;
	w->pos += n;
	return true;
}

static bool is_number_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E';
}

/* cJSON hands a number's characters to strtod; skipping the same set keeps
 * us in step for every text cJSON accepted. */
static bool walk_number(struct walker *w)
{
	size_t start = w->pos;
	while (w->pos < w->len && is_number_char(w->text[w->pos]))
		w->pos++;
	return w->pos > start;
}

static bool walk_value(struct walker *w, const cJSON *node, size_t key_off)
{
	skip_ws(w);
	if (w->pos >= w->len || !node)
		return false;
	record(w, node, key_off);
	unsigned char c = w->text[w->pos];
	switch (c) {
	case '{': return cJSON_IsObject(node) && walk_object(w, node);
	case '[': return cJSON_IsArray(node) && walk_array(w, node);
	case '"': return cJSON_IsString(node) && match_string(w, node->valuestring);
	case 't': return cJSON_IsTrue(node) && walk_literal(w, "true");
	case 'f': return cJSON_IsFalse(node) && walk_literal(w, "false");
	case 'n': return cJSON_IsNull(node) && walk_literal(w, "null");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return cJSON_IsNumber(node) && walk_number(w);
		return false;
	}
}

/* ---- the table ----------------------------------------------------------- */

static size_t count_nodes(const cJSON *node)
{
	size_t n = 1;
	for (const cJSON *c = node->child; c; c = c->next)
		n += count_nodes(c);
	return n;
}

static size_t node_hash(const cJSON *node, size_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)node;
	return (size_t)((x * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;
}

static void build_index(struct jsonpos *p)
{
	size_t slots = 16;
	while (slots < 2 * p->n)
		slots *= 2;
	p->mask = slots - 1;
	p->slot = xcalloc(slots, sizeof *p->slot);
	for (size_t i = 0; i < p->n; i++) {
		size_t h = node_hash(p->recs[i].node, p->mask);
		while (p->slot[h])
			h = (h + 1) & p->mask;
		p->slot[h] = (uint32_t)(i + 1);
	}
}

static void resolve_linecol(struct jsonpos *p, const char *text, size_t len)
{
	struct linecol lc;
	linecol_init(&lc, text, len);
	for (size_t i = 0; i < p->n; i++) {
		struct jsonpos_rec *r = &p->recs[i];
		if (r->key_off != NO_KEY)
			linecol_at(&lc, r->key_off, &r->key_line, &r->key_col);
		linecol_at(&lc, r->val_off, &r->val_line, &r->val_col);
	}
}

struct jsonpos *jsonpos_build_len(const char *text, size_t len, const cJSON *root)
{
	if (!text || !root)
		return NULL;
	struct jsonpos *p = xcalloc(1, sizeof(*p));
	p->cap = count_nodes(root); /* exact: a matching walk records each node once */
	if (p->cap >= UINT32_MAX) {
		jsonpos_free(p);
		return NULL;
	}
	p->recs = xcalloc(p->cap, sizeof(*p->recs));
	struct walker w = { (const unsigned char *)text, len, has_bom(text, len) ? 3 : 0, p };
	if (!walk_value(&w, root, NO_KEY)) {
		jsonpos_free(p);
		return NULL;
	}
	resolve_linecol(p, text, len);
	build_index(p);
	return p;
}

struct jsonpos *jsonpos_build(const char *text, const cJSON *root)
{
	return text ? jsonpos_build_len(text, strlen(text), root) : NULL;
}

void jsonpos_free(struct jsonpos *p)
{
	if (!p)
		return;
	free(p->recs);
	free(p->slot);
	free(p);
}

static const struct jsonpos_rec *find_rec(const struct jsonpos *p, const cJSON *node)
{
	if (!p || !node)
		return NULL;
	for (size_t h = node_hash(node, p->mask); p->slot[h]; h = (h + 1) & p->mask) {
		const struct jsonpos_rec *r = &p->recs[p->slot[h] - 1];
		if (r->node == node)
			return r;
	}
	return NULL;
}

bool jsonpos_value(const struct jsonpos *p, const cJSON *node, int *line, int *col)
{
	const struct jsonpos_rec *r = find_rec(p, node);
	if (!r)
		return false;
	*line = r->val_line;
	*col = r->val_col;
	return true;
}

bool jsonpos_value_offset(const struct jsonpos *p, const cJSON *node, size_t *offset)
{
	const struct jsonpos_rec *r = find_rec(p, node);
	if (!r)
		return false;
	*offset = r->val_off;
	return true;
}

bool jsonpos_key(const struct jsonpos *p, const cJSON *node, int *line, int *col)
{
	const struct jsonpos_rec *r = find_rec(p, node);
	if (!r || r->key_off == NO_KEY)
		return false;
	*line = r->key_line;
	*col = r->key_col;
	return true;
}

/* ---- duplicate keys ------------------------------------------------------ */

struct member_ref {
	const cJSON *node;
	size_t index; /* position among the object's members */
};

static const char *key_of(const cJSON *member)
{
	return member->string ? member->string : "";
}

static int member_cmp(const void *a, const void *b)
{
	const struct member_ref *x = a, *y = b;
	int c = strcmp(key_of(x->node), key_of(y->node));
	if (c)
		return c;
	return (x->index > y->index) - (x->index < y->index);
}

/* Index of obj's first member whose key repeats an earlier one's (SIZE_MAX
 * if none); *earlier gets the first member with that key. Sorting by (key,
 * index) keeps this O(n log n) on large objects. */
static size_t first_dup_index(const cJSON *obj, const cJSON **earlier)
{
	size_t n = 0, best = SIZE_MAX;
	for (const cJSON *c = obj->child; c; c = c->next)
		n++;
	if (n < 2)
		return SIZE_MAX;
	struct member_ref *m = xmalloc(n * sizeof(*m));
	n = 0;
	for (const cJSON *c = obj->child; c; c = c->next, n++)
		m[n] = (struct member_ref){ c, n };
	qsort(m, n, sizeof(*m), member_cmp);
	/* In each run of equal keys the first is the original and the second
	 * its earliest repeat; later ones repeat it later still. */
	for (size_t i = 1, run = 0; i < n; i++) {
		if (strcmp(key_of(m[run].node), key_of(m[i].node)) != 0)
			run = i;
		else if (i == run + 1 && m[i].index < best) {
			best = m[i].index;
			*earlier = m[run].node;
		}
	}
	free(m);
	return best;
}

const cJSON *jsonpos_find_duplicate_key(const cJSON *root, const cJSON **first)
{
	if (!root || !(cJSON_IsObject(root) || cJSON_IsArray(root)))
		return NULL;
	const cJSON *earlier = NULL;
	size_t dup = cJSON_IsObject(root) ? first_dup_index(root, &earlier) : SIZE_MAX;
	size_t i = 0;
	/* Source order: member i's key comes before anything inside its value. */
	for (const cJSON *c = root->child; c; c = c->next, i++) {
		if (i == dup) {
			if (first)
				*first = earlier;
			return c;
		}
		const cJSON *inner = jsonpos_find_duplicate_key(c, first);
		if (inner)
			return inner;
	}
	return NULL;
}
