/* clock.c — elapsed time and wall-clock dates (see clock.h). The date
 * arithmetic is Howard Hinnant's days_from_civil / civil_from_days
 * algorithms for the proleptic Gregorian calendar. */
#include "clock.h"

#include <stdio.h>
#include <string.h>

static const char *const clk_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const clk_wdays[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};

static int64_t clk_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void clk_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int clk_month(const char *name)
{
	for (int i = 0; i < 12; i++)
		if (strncmp(name, clk_months[i], 3) == 0)
			return i + 1;
	return 0;
}

bool clk_parse_rfc5322(const char *s, int64_t *out_secs)
{
	char mon[4] = "";
	int d, y, hh, mm, ss, zone = 0;
	const char *comma = s ? strchr(s, ',') : NULL;

	if (!s)
		return false;
	if (comma)
		s = comma + 1;
	if (sscanf(s, " %d %3s %d %d:%d:%d %d", &d, mon, &y, &hh, &mm, &ss, &zone) < 6)
		return false;
	int m = clk_month(mon);
	if (!m || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return false;
	/* RFC 5322 §3.3: the zone is +hhmm east of UTC */
	int zsecs = (zone / 100) * 3600 + (zone % 100) * 60;
	*out_secs = clk_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss - zsecs;
	return true;
}

void clk_fmt_elapsed(int64_t us, char *out, size_t outsz)
{
	int64_t ms = us < 0 ? 0 : us / 1000, s = ms / 1000;

	snprintf(out, outsz, "day %lld, %02lld:%02lld:%02lld.%03lld", (long long)(s / 86400 + 1),
		 (long long)(s / 3600 % 24), (long long)(s / 60 % 60), (long long)(s % 60),
		 (long long)(ms % 1000));
}

void clk_fmt_wall(int64_t secs, char *out, size_t outsz)
{
	int64_t days = (secs >= 0 ? secs : secs - 86399) / 86400, sod = secs - days * 86400, y;
	int m, d;

	clk_civil_from_days(days, &y, &m, &d);
	snprintf(out, outsz, "%s %d %s %lld, %02lld:%02lld UTC",
		 clk_wdays[((days % 7) + 7) % 7], d, clk_months[m - 1], (long long)y,
		 (long long)(sod / 3600), (long long)(sod / 60 % 60));
}

void clk_fmt_span(int64_t us, char *out, size_t outsz)
{
	int64_t s = us / 1000000, min = s / 60, h = min / 60, d = h / 24;

	if (d > 0)
		snprintf(out, outsz, h % 24 ? "%lld d %lld h" : "%lld d", (long long)d,
			 (long long)(h % 24));
	else if (h > 0)
		snprintf(out, outsz, min % 60 ? "%lld h %lld min" : "%lld h", (long long)h,
			 (long long)(min % 60));
	else if (min > 0)
		snprintf(out, outsz, s % 60 ? "%lld min %lld s" : "%lld min", (long long)min,
			 (long long)(s % 60));
	else
		snprintf(out, outsz, "%lld s", (long long)s);
}
