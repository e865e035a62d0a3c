/* trace_model_scan.c — see trace_model_scan.h. The grammar is RFC 8259's:
 * strings without raw control characters and with the escapes of its
 * section 7, numbers as in its section 6. Nesting deeper than
 * TMS_MAX_DEPTH is refused, as cJSON refuses it, so a hostile line cannot
 * exhaust the stack. */
#include "trace_model_scan.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define TMS_MAX_DEPTH 1000

struct tms {
	const char *s;
	size_t n, i;
	bool esc; /* the last string scanned had an escape */
};

static void tms_ws(struct tms *t)
{
	while (t->i < t->n && (t->s[t->i] == ' ' || t->s[t->i] == '\t' ||
			       t->s[t->i] == '\r' || t->s[t->i] == '\n'))
		t->i++;
}

static int tms_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* At the opening quote; on success i is past the closing one. */
static bool tms_string(struct tms *t)
{
	t->esc = false;
	for (t->i++; t->i < t->n; t->i++) {
		unsigned char c = (unsigned char)t->s[t->i];
		if (c == '"') {
			t->i++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		t->esc = true;
		if (++t->i >= t->n)
			return false;
		c = (unsigned char)t->s[t->i];
		if (c == 'u') {
			for (int k = 0; k < 4; k++)
				if (++t->i >= t->n || tms_hex(t->s[t->i]) < 0)
					return false;
		} else if (!strchr("\"\\/bfnrt", c) || c == 0) {
			return false;
		}
	}
	return false;
}

static bool tms_digits(struct tms *t)
{
	size_t start = t->i;

	while (t->i < t->n && t->s[t->i] >= '0' && t->s[t->i] <= '9')
		t->i++;
	return t->i > start;
}

static bool tms_number(struct tms *t)
{
	if (t->s[t->i] == '-')
		t->i++;
	if (t->i < t->n && t->s[t->i] == '0')
		t->i++;
	else if (!tms_digits(t))
		return false;
	if (t->i < t->n && t->s[t->i] == '.') {
		t->i++;
		if (!tms_digits(t))
			return false;
	}
	if (t->i < t->n && (t->s[t->i] == 'e' || t->s[t->i] == 'E')) {
		t->i++;
		if (t->i < t->n && (t->s[t->i] == '+' || t->s[t->i] == '-'))
			t->i++;
		if (!tms_digits(t))
			return false;
	}
	return true;
}

static bool tms_word(struct tms *t, const char *w)
{
	size_t wl = strlen(w);

	if (t->n - t->i < wl || memcmp(t->s + t->i, w, wl) != 0)
		return false;
	t->i += wl;
	return true;
}

static bool tms_value(struct tms *t, int depth, enum tms_type *type);

/* An object or array's members after its opening bracket. */
static bool tms_compound(struct tms *t, int depth, bool object)
{
	char close = object ? '}' : ']';
	enum tms_type ty;

	if (depth > TMS_MAX_DEPTH)
		return false;
	t->i++;
	tms_ws(t);
	if (t->i < t->n && t->s[t->i] == close) {
		t->i++;
		return true;
	}
	for (;;) {
		if (object) {
			if (t->i >= t->n || t->s[t->i] != '"' || !tms_string(t))
				return false;
			tms_ws(t);
			if (t->i >= t->n || t->s[t->i] != ':')
				return false;
			t->i++;
		}
		if (!tms_value(t, depth, &ty))
			return false;
		tms_ws(t);
		if (t->i >= t->n)
			return false;
		if (t->s[t->i] == close) {
			t->i++;
			return true;
		}
		if (t->s[t->i] != ',')
			return false;
		t->i++;
		tms_ws(t);
	}
}

static bool tms_value(struct tms *t, int depth, enum tms_type *type)
{
	tms_ws(t);
	if (t->i >= t->n)
		return false;
	switch (t->s[t->i]) {
	case '"': *type = TMS_STRING; return tms_string(t);
	case '{': *type = TMS_OBJECT; return tms_compound(t, depth + 1, true);
	case '[': *type = TMS_ARRAY; return tms_compound(t, depth + 1, false);
	case 't': *type = TMS_TRUE; return tms_word(t, "true");
	case 'f': *type = TMS_FALSE; return tms_word(t, "false");
	case 'n': *type = TMS_NULL; return tms_word(t, "null");
	default: *type = TMS_NUMBER; return tms_number(t);
	}
}

static bool tms_blank_rest(struct tms *t)
{
	while (t->i < t->n && (t->s[t->i] == ' ' || t->s[t->i] == '\t' || t->s[t->i] == '\r'))
		t->i++;
	return t->i == t->n;
}

enum tms_result tms_object(const char *line, size_t len, tms_visit visit, void *ctx,
			   size_t *col)
{
	struct tms t = {line, len, 0, false};
	struct tms_member mb;

	*col = 0;
	tms_ws(&t);
	if (t.i < t.n && line[t.i] != '{') {
		enum tms_type ty;
		bool ok = tms_value(&t, 0, &ty) && tms_blank_rest(&t);
		*col = t.i + 1;
		return ok ? TMS_NOT_OBJECT : TMS_BAD_JSON;
	}
	if (t.i >= t.n) {
		*col = t.i + 1;
		return TMS_BAD_JSON;
	}
	t.i++;
	tms_ws(&t);
	if (t.i < t.n && line[t.i] == '}') {
		t.i++;
		goto done;
	}
	for (;;) {
		size_t kstart = t.i;
		if (t.i >= t.n || line[t.i] != '"' || !tms_string(&t))
			goto bad;
		mb.key = line + kstart + 1;
		mb.klen = t.i - kstart - 2;
		mb.kesc = t.esc;
		tms_ws(&t);
		if (t.i >= t.n || line[t.i] != ':')
			goto bad;
		t.i++;
		tms_ws(&t);
		size_t vstart = t.i;
		if (!tms_value(&t, 1, &mb.type))
			goto bad;
		mb.vesc = mb.type == TMS_STRING && t.esc;
		mb.val = line + vstart;
		mb.vlen = t.i - vstart;
		if (visit && !visit(ctx, &mb))
			return TMS_STOPPED;
		tms_ws(&t);
		if (t.i >= t.n)
			goto bad;
		if (line[t.i] == '}') {
			t.i++;
			break;
		}
		if (line[t.i] != ',')
			goto bad;
		t.i++;
		tms_ws(&t);
	}
done:
	if (tms_blank_rest(&t))
		return TMS_OK;
	*col = t.i + 1;
	return TMS_TRAILING;
bad:
	*col = t.i + 1;
	return TMS_BAD_JSON;
}

/* Decode raw string content s[0..n) (already validated) into out. */
static size_t tms_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		char c = s[++i];
		if (c != 'u') {
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			out[o++] = to[strchr(from, c) - from];
			continue;
		}
		unsigned long cp = 0;
		for (int k = 0; k < 4; k++)
			cp = cp * 16 + (unsigned long)tms_hex(s[++i]);
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < n &&
		    s[i + 1] == '\\' && s[i + 2] == 'u') {
			unsigned long lo = 0;
			bool hex = true;
			for (int k = 0; k < 4; k++) {
				int h = tms_hex(s[i + 3 + k]);
				hex = hex && h >= 0;
				lo = lo * 16 + (unsigned long)(h < 0 ? 0 : h);
			}
			if (hex && lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i += 6;
			}
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xFFFD; /* a lone surrogate encodes no character */
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xC0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xE0 | (cp >> 12));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | (cp >> 18));
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	out[o] = '\0';
	return o;
}

bool tms_key_is(const struct tms_member *mb, const char *key)
{
	size_t kl = strlen(key);

	if (!mb->kesc)
		return mb->klen == kl && memcmp(mb->key, key, kl) == 0;
	/* escapes only shrink the text (UTF-8 of \uXXXX is at most 6 bytes) */
	char *buf = xmalloc(mb->klen + 1);
	size_t n = tms_decode(mb->key, mb->klen, buf);
	bool same = n == kl && memcmp(buf, key, kl) == 0;
	free(buf);
	return same;
}

char *tms_unescape(const struct tms_member *mb)
{
	char *buf = xmalloc(mb->vlen + 1);

	if (mb->vesc)
		tms_decode(mb->val + 1, mb->vlen - 2, buf);
	else {
		memcpy(buf, mb->val + 1, mb->vlen - 2);
		buf[mb->vlen - 2] = '\0';
	}
	return buf;
}

struct tms_find_ctx {
	const char *key;
	struct tms_member *out;
	bool found;
};

static bool tms_find_visit(void *ctx, const struct tms_member *mb)
{
	struct tms_find_ctx *f = ctx;

	if (!tms_key_is(mb, f->key))
		return true;
	*f->out = *mb;
	f->found = true;
	return false;
}

bool tms_find(const char *line, size_t len, const char *key, struct tms_member *out)
{
	struct tms_find_ctx f = {key, out, false};
	size_t col;

	tms_object(line, len, tms_find_visit, &f, &col);
	return f.found;
}
