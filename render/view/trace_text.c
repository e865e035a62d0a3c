/* trace_text.c — see trace_text.h. The raw-value scan exists because the
 * event time must come from the number's text: going through cJSON's double
 * would round long traces' microseconds. */
#include "trace_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_model_scan.h"
#include "util.h"

/* Index just past the closing quote of the string starting at line[i]. */
static size_t tt_skip_string(const char *line, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (line[i] == '\\')
			i++;
		else if (line[i] == '"')
			return i + 1;
	}
	return len;
}

static size_t tt_skip_ws(const char *line, size_t len, size_t i)
{
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' ||
			   line[i] == '\n'))
		i++;
	return i;
}

/* A key string at depth 1 is followed by ':'; if it is `key`, return the
 * value's extent. */
static bool tt_match_key(const char *line, size_t len, size_t start, size_t end,
			 const char *key, const char **val, size_t *vlen)
{
	size_t klen = strlen(key);
	size_t colon = tt_skip_ws(line, len, end);

	if (colon >= len || line[colon] != ':')
		return false;
	if (end - start - 2 != klen || memcmp(line + start + 1, key, klen) != 0)
		return false;
	size_t v = tt_skip_ws(line, len, colon + 1), e = v;
	while (e < len && !strchr(",}] \t\r\n", line[e]))
		e++;
	*val = line + v;
	*vlen = e - v;
	return true;
}

bool tt_find_top_value(const char *line, size_t len, const char *key,
		       const char **val, size_t *vlen)
{
	int depth = 0;

	for (size_t i = 0; i < len;) {
		char c = line[i];
		if (c == '"') {
			size_t end = tt_skip_string(line, len, i);
			if (depth == 1 && tt_match_key(line, len, i, end, key, val, vlen))
				return true;
			i = end;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		i++;
	}
	return false;
}

static void tt_put_number(struct strbuf *sb, double v)
{
	char buf[64];

	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		sb_printf(sb, "%lld", (long long)v);
		return;
	}
	snprintf(buf, sizeof buf, "%.6f", v);
	size_t n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	sb_puts(sb, buf);
}

static void tt_put_value(struct strbuf *sb, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		sb_puts(sb, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		tt_put_number(sb, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		sb_puts(sb, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		const cJSON *it;
		bool first = true;
		cJSON_ArrayForEach(it, v) {
			if (!first)
				sb_puts(sb, ", ");
			tt_put_value(sb, it);
			first = false;
		}
	} else if (cJSON_IsObject(v)) {
		sb_puts(sb, "{…}");
	}
}

char *tt_value_text(const cJSON *v)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_puts(&sb, ""); /* never NULL, even for nothing */
	tt_put_value(&sb, v);
	return sb_steal(&sb);
}

enum { TT_MEMBERS = 48 }; /* a trace event has at most about 20 */

/* The members of one line, scanned once. */
struct tt_members {
	struct tms_member mb[TT_MEMBERS];
	size_t n;
};

/* Where a template's values come from: a parsed object, or a line's
 * members (then failed is set when only cJSON can tell a value). */
struct tt_src {
	const cJSON *obj;
	const struct tt_members *line; /* NULL: values from obj */
	bool failed;
};

static bool tt_collect(void *ctx, const struct tms_member *mb)
{
	struct tt_members *ms = ctx;

	if (ms->n == TT_MEMBERS)
		return false;
	ms->mb[ms->n++] = *mb;
	return true;
}

/* The line's top-level `name`, written as tt_put_value writes cJSON's
 * value of it; false when only cJSON can say: the key is absent (the kind
 * may imply it, tm_fill_implied puts it back), or the value is a string
 * with escapes, an array or an object. A number is read by strtod as
 * cJSON reads it (the viewer keeps the C locale). */
static bool tt_put_raw(struct strbuf *sb, const struct tt_members *ms, const char *name)
{
	const struct tms_member *mb = NULL;
	char buf[64];

	for (size_t i = 0; i < ms->n && !mb; i++)
		if (tms_key_is(&ms->mb[i], name))
			mb = &ms->mb[i];
	if (!mb)
		return false;
	switch (mb->type) {
	case TMS_STRING:
		if (mb->vesc)
			return false;
		sb_append(sb, mb->val + 1, mb->vlen - 2);
		return true;
	case TMS_NUMBER:
		if (mb->vlen >= sizeof buf)
			return false;
		memcpy(buf, mb->val, mb->vlen);
		buf[mb->vlen] = '\0';
		tt_put_number(sb, strtod(buf, NULL));
		return true;
	case TMS_TRUE:
	case TMS_FALSE:
		sb_puts(sb, mb->type == TMS_TRUE ? "true" : "false");
		return true;
	case TMS_NULL:
		return true; /* nothing, as cJSON's null */
	case TMS_ARRAY:
	case TMS_OBJECT:
		break;
	}
	return false;
}

/* Render the first non-empty alternative of "a|b|c" (no braces). */
static void tt_put_field(struct strbuf *sb, const char *spec, size_t n, struct tt_src *src)
{
	char name[64];

	while (n > 0 && !src->failed) {
		const char *bar = memchr(spec, '|', n);
		size_t k = bar ? (size_t)(bar - spec) : n;
		if (k < sizeof name) {
			memcpy(name, spec, k);
			name[k] = '\0';
			size_t before = sb->len;
			if (!src->line) /* NULL obj: every value absent */
				tt_put_value(sb, cJSON_GetObjectItemCaseSensitive(src->obj, name));
			else if (!tt_put_raw(sb, src->line, name))
				src->failed = true;
			if (sb->len > before)
				return;
		}
		spec += k;
		n -= k;
		if (bar) {
			spec++;
			n--;
		}
	}
}

/* Expand into sb (cleared first); false when src failed (sb then holds
 * nothing useful). The text is trimmed and on one line. */
static bool tt_expand_sb(const char *tmpl, struct tt_src *src, struct strbuf *sb)
{
	sb_clear(sb);
	for (const char *p = tmpl; *p && !src->failed;) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (close) {
			tt_put_field(sb, p + 1, (size_t)(close - p - 1), src);
			p = close + 1;
		} else {
			sb_putc(sb, *p++);
		}
	}
	if (src->failed)
		return false;
	while (sb->len > 0 && sb->data[sb->len - 1] == ' ')
		sb->len--;
	sb_append(sb, "", 0); /* terminates at the trimmed length, allocates if empty */
	tt_one_line(sb->data);
	return true;
}

static char *tt_expand_src(const char *tmpl, struct tt_src *src)
{
	struct strbuf sb;

	sb_init(&sb);
	if (!tt_expand_sb(tmpl, src, &sb)) {
		sb_free(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

char *tt_expand(const char *tmpl, const cJSON *obj)
{
	struct tt_src src = {.obj = obj};

	return tt_expand_src(tmpl, &src);
}

bool tt_expand_line_into(const char *tmpl, const char *line, size_t len, struct strbuf *sb)
{
	struct tt_members ms; /* only the first n are read */
	struct tt_src src = {.line = &ms};
	size_t col;

	ms.n = 0;
	/* A line with more members than kept: let cJSON read it. */
	if (tms_object(line, len, tt_collect, &ms, &col) != TMS_OK)
		return false;
	return tt_expand_sb(tmpl, &src, sb);
}

char *tt_expand_line(const char *tmpl, const char *line, size_t len)
{
	struct strbuf sb;

	sb_init(&sb);
	if (!tt_expand_line_into(tmpl, line, len, &sb)) {
		sb_free(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

void tt_one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* ---- kind-specific fields ---- */

static char *tt_scalar(const cJSON *v, const char *line, size_t len, const char *key)
{
	const char *raw;
	size_t rlen;
	struct strbuf sb;

	/* the number as written: cJSON's double would round microseconds */
	if (cJSON_IsNumber(v) && tt_find_top_value(line, len, key, &raw, &rlen))
		return xstrndup(raw, rlen);
	sb_init(&sb);
	tt_put_value(&sb, v);
	return sb_steal(&sb);
}

static void tt_field_items(struct tm_field *f, const cJSON *arr)
{
	const cJSON *it;
	size_t k = 0;

	f->nitems = (size_t)cJSON_GetArraySize(arr);
	f->items = xcalloc(f->nitems ? f->nitems : 1, sizeof *f->items);
	cJSON_ArrayForEach(it, arr) {
		struct strbuf sb;
		sb_init(&sb);
		tt_put_value(&sb, it);
		f->items[k++] = sb_steal(&sb);
	}
}

/* Is key one of the space-separated words of list? (Called for every
 * member of every event the viewer reads: no formatting, no copy.) */
static bool tt_key_listed(const char *list, const char *key)
{
	size_t n = strlen(key);

	for (const char *w = list; *w;) {
		while (*w == ' ')
			w++;
		size_t k = strcspn(w, " ");
		if (k == n && k > 0 && memcmp(w, key, n) == 0)
			return true;
		w += k;
	}
	return false;
}

size_t tt_read_fields(const cJSON *obj, const char *line, size_t len,
		      const char *skip, struct tm_field **out)
{
	const cJSON *v;
	size_t n = 0;

	*out = NULL;
	cJSON_ArrayForEach(v, obj) {
		if (!v->string || tt_key_listed(skip, v->string))
			continue;
		if (n % 8 == 0)
			*out = xrealloc(*out, (n + 8) * sizeof **out);
		struct tm_field *f = &(*out)[n++];
		*f = (struct tm_field){xstrdup(v->string), tt_scalar(v, line, len, v->string),
				       NULL, 0};
		if (cJSON_IsArray(v))
			tt_field_items(f, v);
	}
	return n;
}

void tt_free_fields(struct tm_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].key);
		free(f[i].val);
		for (size_t k = 0; k < f[i].nitems; k++)
			free(f[i].items[k]);
		free(f[i].items);
	}
	free(f);
}
