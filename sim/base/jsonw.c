/* jsonw.c — see jsonw.h. */
#include "jsonw.h"

#include <stdbool.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mime_enc.h"

/* Hand-written: the trace writes a few numbers per event and the printf
 * family was a third of the writer's time. */
char *json_u64_digits(uint64_t v, char *end)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

void json_put_int(struct strbuf *sb, int64_t v)
{
	char tmp[32], *end = tmp + sizeof tmp;
	char *p = json_u64_digits(v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v, end);
	if (v < 0)
		*--p = '-';
	sb_append(sb, p, (size_t)(end - p));
}

/* Bytes that go into a JSON string as they are: printable ASCII but the
 * quote and the backslash. */
static const bool plain_tab[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20..0x2F, no '"' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,		/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,		/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,		/* 0x50, no '\\' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,		/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,		/* 0x70, no DEL */
};

static inline bool json_plain(unsigned char c)
{
	return plain_tab[c];
}

/* Room for extra more bytes (and the NUL); the growth out of line. */
static inline void room(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 > sb->cap)
		sb_reserve(sb, extra);
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Whether any of the eight bytes of w is not json_plain, without a branch
 * per byte (the classic "has a zero byte" test, Hacker's Delight §6-1):
 * a byte below 0x20, a byte with the high bit (0x80 and up, and 0x7F once
 * 1 is added), a quote or a backslash. May not say which; the caller then
 * looks byte by byte. */
static inline bool word_needs_escape(uint64_t w)
{
	uint64_t ctl = (w - ONES * 0x20) & ~w;		  /* a byte < 0x20 */
	uint64_t high = w | (w + ONES * 0x01);		  /* >= 0x80, or 0x7F */
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
	uint64_t quote = (q - ONES) & ~q, bslash = (b - ONES) & ~b;
	return ((ctl | high | quote | bslash) & HIGHS) != 0;
}

/* The length of the plain prefix of p[0..n). */
static inline size_t plain_run(const unsigned char *p, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	/* Sixteen bytes at a time where SSE2 is there (every x86-64). The
	 * compare is signed, so 0x80..0xFF (negative) count as below 0x20:
	 * one compare finds the control bytes and the non-ASCII ones. */
	const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
		      bslash = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7F);
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, quote)),
					   _mm_or_si128(_mm_cmpeq_epi8(v, bslash), _mm_cmpeq_epi8(v, del)));
		unsigned m = (unsigned)_mm_movemask_epi8(bad);
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (word_needs_escape(w))
			break;
	}
	while (i < n && json_plain(p[i]))
		i++;
	return i;
}

void json_put_string(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	/* The common case, nothing to escape: one reservation, one copy. */
	room(sb, len + 2);
	sb->data[sb->len++] = '"';
	size_t first = plain_run(p, len);
	if (first == len) {
		memcpy(sb->data + sb->len, s, len);
		sb->data[sb->len + len] = '"';
		sb->len += len + 1;
		sb->data[sb->len] = '\0';
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t run = i ? plain_run(p + i, len - i) : first;
		if (run) {
			sb_append(sb, s + i, run);
			i += run;
			continue;
		}
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			sb_append(sb, e, 2);
		} else if (c == '\n') {
			sb_append(sb, "\\n", 2);
		} else if (c == '\r') {
			sb_append(sb, "\\r", 2);
		} else if (c == '\t') {
			sb_append(sb, "\\t", 2);
		} else if (c < 0x20 || c == 0x7F) {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			sb_append(sb, e, 6);
		} else { /* c >= 0x80 */
			size_t n = utf8_seq(p + i, len - i);
			if (n == 0) {
				sb_append(sb, "\\ufffd", 6);
				i++;
				continue;
			}
			sb_append(sb, s + i, n);
			i += n;
			continue;
		}
		i++;
	}
	sb_append(sb, "\"", 1);
}

/* ,"key": — keys are the vocabulary's identifiers, so the escaping is
 * almost never needed; it is still checked (loose mode takes any key). */
void json_put_key(struct strbuf *sb, const char *key)
{
	size_t n = strlen(key);
	if (plain_run((const unsigned char *)key, n) != n) {
		sb_append(sb, ",", 1);
		json_put_string(sb, key, n);
		sb_append(sb, ":", 1);
		return;
	}
	room(sb, n + 4);
	char *o = sb->data + sb->len;
	o[0] = ',';
	o[1] = '"';
	memcpy(o + 2, key, n);
	o[n + 2] = '"';
	o[n + 3] = ':';
	sb->len += n + 4;
	sb->data[sb->len] = '\0';
}
