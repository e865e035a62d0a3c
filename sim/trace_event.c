/* trace_event.c — see trace_event.h. */
#include "trace_event.h"

#include <stdio.h>
#include <string.h>

#include "jsonw.h"

/* Seconds from µs into buf (>= 32 bytes), "12.000150"; with `shortest`
 * the fraction loses its trailing zeros ("1.03", "2"), still exact.
 * Returns the length. */
size_t trace_time_text(int64_t t_us, char *buf, bool shortest)
{
	uint64_t a = t_us < 0 ? (uint64_t)(-(t_us + 1)) + 1 : (uint64_t)t_us;
	char tmp[32], *end = tmp + sizeof tmp, *p = end;
	uint64_t frac = a % 1000000;
	int digits = 6;
	if (shortest)
		for (; digits > 0 && frac % 10 == 0; digits--)
			frac /= 10;
	for (int i = 0; i < digits; i++) {
		*--p = (char)('0' + frac % 10);
		frac /= 10;
	}
	if (digits)
		*--p = '.';
	p = json_u64_digits(a / 1000000, p);
	if (t_us < 0)
		*--p = '-';
	size_t n = (size_t)(end - p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n;
}

void trace_format_time(int64_t t_us, char *buf, size_t cap)
{
	char tmp[32];
	trace_time_text(t_us, tmp, false);
	snprintf(buf, cap, "%s", tmp);
}

const char *trace_event_str(const struct trace_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nf; i++)
		if (ev->f[i].type == TF_STR && trace_key_eq(ev->f[i].key, key))
			return ev->f[i].str;
	return NULL;
}

bool trace_event_int(const struct trace_event *ev, const char *key, int64_t *out)
{
	for (size_t i = 0; i < ev->nf; i++)
		if (ev->f[i].type != TF_STR && ev->f[i].type != TF_STRV &&
		    trace_key_eq(ev->f[i].key, key)) {
			*out = ev->f[i].num;
			return true;
		}
	return false;
}
