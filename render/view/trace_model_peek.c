/* trace_model_peek.c — an event's fields for a pass over many events (the
 * snapshot's walk), keeping nothing per event. See trace_model.h, tm_peek.
 *
 * Why: tm_get builds an event's fields, summary and label once and keeps
 * them with the event (tm_lazy), which suits the few events a frame shows.
 * The snapshot's walk visits every queue, DNS, mailbox, filter and policy
 * event; on a 10,000-message trace played to its end that kept about 800
 * bytes for each of half a million events. tm_peek reads the line again
 * with the scanner instead and interns the value in the model: a status,
 * folder, domain or DNS answer that repeats is stored once, and every
 * pointer handed out lives as long as the model.
 *
 * Invariants: the members of the last event peeked are remembered (their
 * raw slices of the line), so several peeks at one event scan its line
 * once; values are what tm_get gives (strings decoded, numbers as written,
 * arrays joined with ", "), including the fields a line leaves out
 * (ARCHITECTURE.md, "Implied fields"): a key the line does not have, on a
 * kind that may leave one out, is read from the line parsed with them put
 * back, as tm_get reads it. */
#include "trace_model.h"

#include <stdlib.h>
#include <string.h>

#include "trace_model_intern.h"
#include "trace_model_scan.h"
#include "trace_text.h"
#include "util.h"

enum { PEEK_MEMBERS = 48 }; /* a trace event has at most about 20 */

struct tm_peek_memo {
	const struct tm_event *ev;
	struct tms_member mb[PEEK_MEMBERS];
	size_t n;
	const char **items; /* the last tm_peek_items answer */
	size_t itemcap;
};

static bool memo_visit(void *ctx, const struct tms_member *mb)
{
	struct tm_peek_memo *pm = ctx;

	if (pm->n < PEEK_MEMBERS)
		pm->mb[pm->n++] = *mb;
	return true;
}

static const struct tms_member *peek_member(const struct tm_model *m, const struct tm_event *e,
					    const char *key)
{
	struct tm_intern *in = m->intern;

	if (!in->peek)
		in->peek = xcalloc(1, sizeof *in->peek);
	struct tm_peek_memo *pm = in->peek;
	if (pm->ev != e) {
		size_t col;
		pm->ev = e;
		pm->n = 0;
		if (tms_object(e->line, e->len, memo_visit, pm, &col) != TMS_OK)
			pm->n = 0; /* accepted when the trace was opened: never */
	}
	size_t kl = strlen(key);
	for (size_t i = 0; i < pm->n; i++) {
		const struct tms_member *mb = &pm->mb[i];
		if (mb->kesc ? tms_key_is(mb, key) : mb->klen == kl && memcmp(mb->key, key, kl) == 0)
			return mb;
	}
	return NULL;
}

static const char *intern(struct tm_intern *in, const char *s, size_t n)
{
	size_t len = strnlen(s, n); /* a "\u0000" cuts it short, as in tm_get */
	int32_t k = tm_tab_find(&in->vals, s, len);

	if (k < 0)
		k = tm_tab_add(&in->vals, s, len);
	return in->vals.str[k];
}

static const char *intern_owned(struct tm_intern *in, char *s)
{
	const char *v = intern(in, s, strlen(s));

	free(s);
	return v;
}

static bool may_imply(const struct tm_event *e)
{
	return e->kind == TM_DNS_ANSWER || e->kind == TM_DNS_CACHE || e->kind == TM_TLS_OK ||
	       e->kind == TM_QUEUE_DONE;
}

/* key from the line parsed with its implied fields put back; NULL, or an
 * object owned by the caller (free with cJSON_Delete(*root)). */
static const cJSON *implied_value(const struct tm_event *e, const char *key, cJSON **root)
{
	*root = may_imply(e) ? tm_parse_obj(e) : NULL;
	return *root ? cJSON_GetObjectItemCaseSensitive(*root, key) : NULL;
}

const char *tm_peek(const struct tm_model *m, const struct tm_event *e, const char *key)
{
	const struct tms_member *mb = peek_member(m, e, key);
	struct tm_intern *in = m->intern;

	if (!mb) {
		cJSON *root;
		const cJSON *v = implied_value(e, key, &root);
		const char *out = v ? intern_owned(in, tt_value_text(v)) : NULL;
		cJSON_Delete(root);
		return out;
	}
	switch (mb->type) {
	case TMS_STRING:
		return mb->vesc ? intern_owned(in, tms_unescape(mb)) : intern(in, mb->val + 1, mb->vlen - 2);
	case TMS_NUMBER: /* as written: a double would round microseconds */
	case TMS_TRUE:
	case TMS_FALSE: return intern(in, mb->val, mb->vlen);
	case TMS_NULL: return intern(in, "", 0);
	case TMS_ARRAY:
	case TMS_OBJECT: break;
	}
	cJSON *v = cJSON_ParseWithLength(mb->val, mb->vlen);
	const char *out = intern_owned(in, tt_value_text(v));
	cJSON_Delete(v);
	return out;
}

bool tm_peek_raw(const struct tm_model *m, const struct tm_event *e, const char *key,
		 const char **s, size_t *n)
{
	const struct tms_member *mb = peek_member(m, e, key);

	if (!mb || mb->type != TMS_STRING || mb->vesc)
		return false;
	*s = mb->val + 1;
	*n = strnlen(*s, mb->vlen - 2);
	return true;
}

static void items_push(struct tm_peek_memo *pm, size_t *n, const char *v)
{
	if (*n == pm->itemcap) {
		pm->itemcap = pm->itemcap ? 2 * pm->itemcap : 8;
		pm->items = xrealloc(pm->items, pm->itemcap * sizeof *pm->items);
	}
	pm->items[(*n)++] = v;
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* An array of plain strings (no escapes, the usual rcpts and answers),
 * interned straight from the line; false for anything else, which
 * cJSON then reads (the line was checked when the trace was opened). */
static bool plain_strings(struct tm_intern *in, struct tm_peek_memo *pm,
			  const struct tms_member *mb, size_t *n)
{
	const char *p = mb->val + 1, *end = mb->val + mb->vlen - 1; /* inside [ ] */

	*n = 0;
	p = skip_blank(p, end);
	while (p < end) {
		if (*p != '"')
			return false;
		const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
		if (!q || memchr(p + 1, '\\', (size_t)(q - p - 1)))
			return false;
		items_push(pm, n, intern(in, p + 1, (size_t)(q - p - 1)));
		p = skip_blank(q + 1, end);
		if (p < end && *p++ != ',')
			return false;
		p = skip_blank(p, end);
	}
	return true;
}

const char *const *tm_peek_items(const struct tm_model *m, const struct tm_event *e,
				 const char *key, size_t *n)
{
	const struct tms_member *mb = peek_member(m, e, key);
	struct tm_intern *in = m->intern;
	struct tm_peek_memo *pm = in->peek;

	if (mb && mb->type == TMS_ARRAY && plain_strings(in, pm, mb, n))
		return pm->items;
	*n = 0;
	cJSON *root = NULL, *arr = NULL;
	const cJSON *v = NULL, *it;
	if (!mb)
		v = implied_value(e, key, &root);
	else if (mb->type == TMS_ARRAY)
		v = arr = cJSON_ParseWithLength(mb->val, mb->vlen);
	if (!cJSON_IsArray(v)) {
		cJSON_Delete(root);
		cJSON_Delete(arr);
		return NULL;
	}
	cJSON_ArrayForEach(it, v)
		items_push(pm, n, intern_owned(in, tt_value_text(it)));
	cJSON_Delete(root);
	cJSON_Delete(arr);
	return pm->items;
}

/* A number's text as written, copied out of the line, without interning
 * it: a retry time or a size is different on nearly every event, and
 * interned each would grow the model by a string per event. False when
 * the value is not a number the line has (then tm_peek's text is read). */
static bool peek_number(const struct tm_model *m, const struct tm_event *e, const char *key,
			char *buf, size_t bufsz)
{
	const struct tms_member *mb = peek_member(m, e, key);

	if (!mb || mb->type != TMS_NUMBER || mb->vlen >= bufsz)
		return false;
	memcpy(buf, mb->val, mb->vlen);
	buf[mb->vlen] = '\0';
	return true;
}

long tm_peek_long(const struct tm_model *m, const struct tm_event *e, const char *key, long dflt)
{
	char buf[32], *end;
	const char *v = peek_number(m, e, key, buf, sizeof buf) ? buf : tm_peek(m, e, key);

	if (!v || !*v)
		return dflt;
	long n = strtol(v, &end, 10);
	return *end ? dflt : n;
}

bool tm_peek_us(const struct tm_model *m, const struct tm_event *e, const char *key,
		int64_t *out)
{
	char buf[32];
	const char *v = peek_number(m, e, key, buf, sizeof buf) ? buf : tm_peek(m, e, key);

	return v && tm_parse_seconds(v, strlen(v), out);
}

void tm_peek_free(struct tm_peek_memo *pm)
{
	if (!pm)
		return;
	free(pm->items);
	free(pm);
}
