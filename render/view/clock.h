/* clock.h — the clock a class reads: elapsed simulated time in days,
 * hours and minutes ("day 3, 14:02:07") and the wall-clock date of that
 * moment, from the scenario's start date (the sim.start event's `start`,
 * an RFC 5322 date-time).
 *
 * Invariants: integer arithmetic only; the civil-date conversion is the
 * proleptic Gregorian calendar (days since 1970-01-01), never the
 * machine's time zone. */
#ifndef MAILSIM_CLOCK_H
#define MAILSIM_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse "Tue, 14 May 2024 08:15:00 +0000" (the day name optional) into
 * seconds since 1970-01-01 UTC. */
bool clk_parse_rfc5322(const char *s, int64_t *out_secs);

/* "day 1, 00:00:01.360" (elapsed; day 1 is the first 24 h). */
void clk_fmt_elapsed(int64_t us, char *out, size_t outsz);
/* "Tue 14 May 2024, 08:15 UTC" for a moment in seconds since 1970. */
void clk_fmt_wall(int64_t secs, char *out, size_t outsz);
/* "1 h 11 min", "3 d 2 h", "45 s": a length for "… later". */
void clk_fmt_span(int64_t us, char *out, size_t outsz);

#endif
