/* pace.h — how long each event holds the screen, and how long each idle
 * gap between events lasts on screen: the input of the timeline map.
 *
 * The rules, in order:
 *  1. A base dwell by kind: narration 1 s, a travelling item 0.6 s (the eye
 *     follows an envelope across), a decision 0.8 s, anything else 0.2 s.
 *  2. Repetition plays faster. Each event has a signature (kind, hosts,
 *     port, direction and its summary with the digits taken out), and the
 *     r-th repeat of a signature gets 1/2^r of the base, down to 1/128: the
 *     first retry of a dead domain is told slowly, the hundredth flickers by.
 *  3. A burst (same time, same connection, same direction, same kind: a
 *     multi-line reply, pipelined commands) gets half.
 *  4. An idle gap longer than TL_GAP_THRESHOLD_US is shown as
 *     TL_GAP_SPAN_US, shortened like the event after it (rule 2), but not
 *     under PACE_GAP_MIN_US; shorter gaps keep their simulated length.
 *  5. When the whole exceeds the budget (a minute at 1x), every dwell and
 *     gap is scaled down by the same factor, so any scenario, five days of
 *     retries included, plays in about a minute.
 *
 *  6. After the fit, a caption is never hurried: from its narrate event to
 *     the next narrate (or the idle gap that ends its step) the screen
 *     holds at least its reading time at 1x — three words a second, never
 *     under 2.5 s (pace_hold_narration) — the deficit added to the
 *     narrate event's own dwell, so the caption is read before the step
 *     it announces plays.
 *
 * Invariants: pure integer arithmetic over the model (no clock, no
 * floating point, no pointer values); every dwell is >= PACE_MIN_DWELL_US;
 * gap[n-1] = 0. */
#ifndef MAILSIM_PACE_H
#define MAILSIM_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "trace_model.h"

#define PACE_BUDGET_US 60000000     /* about a minute at 1x */
#define PACE_NARRATE_US 1000000
#define PACE_TRAVEL_US 600000
#define PACE_DECISION_US 800000
#define PACE_OTHER_US 200000
#define PACE_MIN_PERMILLE 8         /* a repeat never drops under 1/128 */
#define PACE_GAP_MIN_US 50000
#define PACE_MIN_DWELL_US 1000

/* The event's repetition signature (a 64-bit hash of kind, ids and the
 * summary with its digit runs squeezed to one #: equal events, equal
 * values; two different steps share one with odds of about n^2 / 2^65). */
uint64_t pace_signature(const struct tm_event *e);
/* The share (in 1/1000) left for the r-th repeat: 1000, 500, 250 ... 8. */
int pace_repeat_permille(unsigned r);
/* The base dwell of a kind (rule 1). */
int64_t pace_base_us(enum tm_kind k);

/* Fill dwell[m->nev] and gap[m->nev] (gap[i] follows event i). budget_us
 * <= 0 means no budget. Returns the total display time. */
int64_t pace_compute(const struct tm_model *m, int64_t budget_us, int64_t *dwell,
		     int64_t *gap);

#define PACE_READ_MIN_US 2500000
#define PACE_WORDS_PER_S 3

/* The reading time of a caption: words / 3 per second, at least 2.5 s. */
int64_t pace_reading_us(const char *text);
/* Rule 6 over dwell/gap as pace_compute left them. Returns the new total. */
int64_t pace_hold_narration(const struct tm_model *m, int64_t *dwell, const int64_t *gap);

#endif
