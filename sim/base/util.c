/* util.c — see util.h. */
/* madvise(MADV_HUGEPAGE) is a Linux extension beyond POSIX. */
#define _DEFAULT_SOURCE
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fmt.h"

static void oom(size_t n)
{
	fprintf(stderr, "mailsim: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

#define HUGE_PAGE ((size_t)2 << 20)

void *xmalloc_big(size_t n, size_t align)
{
	void *p = NULL;

#ifdef MADV_HUGEPAGE
	if (n >= HUGE_PAGE) {
		n = (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
		if (posix_memalign(&p, HUGE_PAGE, n) != 0)
			oom(n);
		madvise(p, n, MADV_HUGEPAGE);
		return p;
	}
#endif
	if (posix_memalign(&p, align, n ? n : 1) != 0)
		oom(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		oom(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	return sb_steal(&sb);
}

char *str_pack(char **at, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = memcpy(*at, s, n);
	*at += n;
	return d;
}

void sb_init(struct strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->data);
	sb_init(sb);
}

void sb_clear(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->data)
		sb->data[0] = '\0';
}

void sb_reserve(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	sb->data = xrealloc(sb->data, cap);
	sb->cap = cap;
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	/* One pass in the common case: format straight into the spare room
	 * (at least 128 bytes of it), again only when the text is longer. */
	sb_reserve(sb, 128);
	size_t room = sb->cap - sb->len;
	va_list ap2;
	va_copy(ap2, ap);
	int n = fmt_vsnprintf(sb->data + sb->len, room, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		sb->data[sb->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		sb_reserve(sb, (size_t)n);
		fmt_vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	}
	sb->len += (size_t)n;
}

size_t u64_to_str(uint64_t v, char *buf)
{
	char tmp[U64_DIGITS_MAX], *end = tmp + sizeof tmp - 1, *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	size_t n = (size_t)(end - p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n;
}

void sb_put_u64(struct strbuf *sb, uint64_t v)
{
	char buf[U64_DIGITS_MAX];
	sb_append(sb, buf, u64_to_str(v, buf));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void sb_consume(struct strbuf *sb, size_t n)
{
	if (n >= sb->len) {
		sb_clear(sb);
		return;
	}
	memmove(sb->data, sb->data + n, sb->len - n);
	sb->len -= n;
	sb->data[sb->len] = '\0';
}

char *sb_steal(struct strbuf *sb)
{
	char *p = sb->data ? sb->data : xstrdup("");
	sb_init(sb);
	return p;
}

bool read_file(const char *path, struct strbuf *sb)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_append(sb, buf, n);
	int saved = errno;
	bool bad = ferror(f);
	fclose(f);
	errno = saved;
	return !bad;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const unsigned char *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

static int b64_value(char c)
{
	unsigned char u = (unsigned char)c;
	if (u >= 'A' && u <= 'Z')
		return u - 'A';
	if (u >= 'a' && u <= 'z')
		return u - 'a' + 26;
	if (u >= '0' && u <= '9')
		return u - '0' + 52;
	return u == '+' ? 62 : u == '/' ? 63 : -1;
}

long b64_decode(const char *in, unsigned char **out)
{
	size_t n = strlen(in);
	*out = NULL;
	if (n % 4 != 0)
		return -1;
	unsigned char *buf = xmalloc(n / 4 * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = in[i + k];
			if (c == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64_value(c)) < 0) {
				free(buf);
				return -1;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		buf[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			buf[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			buf[o++] = (unsigned char)w;
	}
	buf[o] = '\0';
	*out = buf;
	return (long)o;
}

/* ASCII case folding without the locale: tolower() is a call through
 * the locale tables per byte, and these compare names and keywords
 * (RFC 5321 §2.4, RFC 1035 §2.3.3) whose case rules are ASCII's alone. */
static inline unsigned char ascii_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

bool ascii_strcaseeq(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	for (;; x++, y++) {
		if (*x != *y && ascii_fold(*x) != ascii_fold(*y))
			return false;
		if (!*x)
			return true;
	}
}

bool addr_same(const char *a, const char *b)
{
	/* RFC 5321 §2.4: the local part is case-sensitive, the domain is not. */
	const char *ea = strrchr(a, '@'), *eb = strrchr(b, '@');
	size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
	if (la != lb || memcmp(a, b, la) != 0 || !ea != !eb)
		return false;
	return !ea || ascii_strcaseeq(ea + 1, eb + 1);
}

size_t addr_count_distinct(const char *const *v, size_t n)
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < i && !addr_same(v[k], v[i]))
			k++;
		d += k == i;
	}
	return d;
}

bool ascii_strncaseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x != y && ascii_fold(x) != ascii_fold(y))
			return false;
		if (!x)
			return true;
	}
	return true;
}

bool ascii_startswith_ci(const char *s, const char *prefix)
{
	return ascii_strncaseeq(s, prefix, strlen(prefix)) && strlen(s) >= strlen(prefix);
}

void ascii_lower(char *s)
{
	for (; *s; s++)
		*s = (char)ascii_fold((unsigned char)*s);
}

/* Days since 1970-01-01 to civil date (proleptic Gregorian), after
 * H. Hinnant's well-known algorithm; no libc time zone state involved. */
void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static const char *const week_days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Broken-down civil time of Unix seconds s. */
struct civil {
	int year;
	unsigned month, day, hour, min, sec;
	const char *wday, *mon;
};

static struct civil civil_of(int64_t s)
{
	struct civil c;
	int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	int64_t secs = s - days * 86400;
	civil_from_days(days, &c.year, &c.month, &c.day);
	c.hour = (unsigned)(secs / 3600);
	c.min = (unsigned)(secs / 60 % 60);
	c.sec = (unsigned)(secs % 60);
	c.wday = week_days[((days % 7) + 7) % 7];
	c.mon = month_names[c.month - 1];
	return c;
}

void rfc5322_date(int64_t unix_us, int tz_minutes, char *out, size_t outsz)
{
	struct civil c = civil_of(unix_us / 1000000 + (int64_t)tz_minutes * 60);
	int off = tz_minutes < 0 ? -tz_minutes : tz_minutes;
	if (c.year < 0 || c.year > 9999 || off / 60 > 99 || !outsz) {
		snprintf(out, outsz, "%s, %u %s %04d %02u:%02u:%02u %c%02d%02d", c.wday, c.day,
			 c.mon, c.year, c.hour, c.min, c.sec, tz_minutes < 0 ? '-' : '+', off / 60,
			 off % 60);
		return;
	}
	/* By hand, as the snprintf above would: every message and every hop
	 * writes one (Date:, Received:), so it is on the hot path. */
	char buf[40], *p = buf;
	memcpy(p, c.wday, 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	if (c.day >= 10)
		*p++ = (char)('0' + c.day / 10);
	*p++ = (char)('0' + c.day % 10);
	*p++ = ' ';
	memcpy(p, c.mon, 3);
	p += 3;
	*p++ = ' ';
	unsigned y = (unsigned)c.year;
	unsigned f[] = {y / 1000, y / 100 % 10, y / 10 % 10, y % 10, 10, c.hour / 10, c.hour % 10,
			11, c.min / 10, c.min % 10, 11, c.sec / 10, c.sec % 10, 10};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		*p++ = f[i] == 10 ? ' ' : f[i] == 11 ? ':' : (char)('0' + f[i]);
	*p++ = tz_minutes < 0 ? '-' : '+';
	unsigned oh = (unsigned)(off / 60), om = (unsigned)(off % 60);
	*p++ = (char)('0' + oh / 10);
	*p++ = (char)('0' + oh % 10);
	*p++ = (char)('0' + om / 10);
	*p++ = (char)('0' + om % 10);
	size_t n = (size_t)(p - buf);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, buf, n);
	out[n] = '\0';
}

void asctime_utc(int64_t unix_us, char *out, size_t outsz)
{
	struct civil c = civil_of(unix_us / 1000000);
	snprintf(out, outsz, "%s %s %2u %02u:%02u:%02u %d", c.wday, c.mon, c.day, c.hour, c.min,
		 c.sec, c.year);
}

bool parse_iso8601_utc(const char *s, int64_t *unix_s)
{
	int y, mo, d, h, mi, se;
	char z;
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &y, &mo, &d, &h, &mi, &se, &z, &n) != 7 ||
	    z != 'Z' || s[n] != '\0')
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1970 ||
	    h < 0 || mi < 0 || se < 0)
		return false;
	*unix_s = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
	return true;
}
