/* fmt.c — see fmt.h. */
#include "fmt.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Append s[0..len) to the text so far (*n bytes long), keeping what fits
 * in buf[0..cap-1). */
static void put(char *buf, size_t cap, size_t *n, const char *s, size_t len)
{
	if (*n + 1 < cap) {
		size_t room = cap - 1 - *n;
		memcpy(buf + *n, s, len < room ? len : room);
	}
	*n += len;
}

/* Decimal digits of v ending at end; returns the first. */
static char *digits(unsigned long long v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

enum lmod { LM_NONE, LM_L, LM_LL, LM_Z };

/* The hand-written pass; false (nothing decided) when fmt holds a
 * conversion it does not do. */
static bool fast(char *buf, size_t cap, size_t *out, const char *fmt, va_list ap)
{
	size_t n = 0;
	const char *p = fmt;
	for (;;) {
		const char *pct = strchr(p, '%');
		put(buf, cap, &n, p, pct ? (size_t)(pct - p) : strlen(p));
		if (!pct)
			break;
		p = pct + 1;
		enum lmod lm = LM_NONE;
		if (p[0] == 'l' && p[1] == 'l') {
			lm = LM_LL;
			p += 2;
		} else if (p[0] == 'l') {
			lm = LM_L;
			p++;
		} else if (p[0] == 'z') {
			lm = LM_Z;
			p++;
		}
		char num[24], *end = num + sizeof num;
		const char *s;
		size_t len;
		switch (*p) {
		case 's':
			if (lm != LM_NONE)
				return false;
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = strlen(s);
			break;
		case '%':
			if (lm != LM_NONE)
				return false;
			s = "%";
			len = 1;
			break;
		case 'c':
			if (lm != LM_NONE)
				return false;
			num[0] = (char)(unsigned char)va_arg(ap, int);
			s = num;
			len = 1;
			break;
		case 'd':
		case 'i': {
			long long v;
			if (lm == LM_NONE)
				v = va_arg(ap, int);
			else if (lm == LM_L)
				v = va_arg(ap, long);
			else if (lm == LM_LL)
				v = va_arg(ap, long long);
			else
				return false;
			unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			char *d = digits(a, end);
			if (v < 0)
				*--d = '-';
			s = d;
			len = (size_t)(end - d);
			break;
		}
		case 'u': {
			unsigned long long v;
			if (lm == LM_NONE)
				v = va_arg(ap, unsigned);
			else if (lm == LM_L)
				v = va_arg(ap, unsigned long);
			else if (lm == LM_LL)
				v = va_arg(ap, unsigned long long);
			else
				v = va_arg(ap, size_t);
			s = digits(v, end);
			len = (size_t)(end - s);
			break;
		}
		default:
			return false;
		}
		put(buf, cap, &n, s, len);
		p++;
	}
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	*out = n;
	return true;
}

int fmt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	va_list a;
	va_copy(a, ap);
	size_t n;
	bool ok = fast(buf, cap, &n, fmt, a);
	va_end(a);
	if (!ok)
		return vsnprintf(buf, cap, fmt, ap);
	return n > INT_MAX ? -1 : (int)n;
}

int fmt_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}
