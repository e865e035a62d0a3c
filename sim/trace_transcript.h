/* trace_transcript.h — the human transcript of a trace: one line per
 * event, "time  where  what" (a narration as its own paragraph). Each
 * kind family has a short formatter; unknown kinds print their fields. */
#ifndef MAILSIM_TRACE_TRANSCRIPT_H
#define MAILSIM_TRACE_TRANSCRIPT_H

#include "trace_event.h"
#include "util.h"

/* The event's transcript text, appended to sb (ending in a newline). */
void trace_transcript_line(const struct trace_event *ev, struct strbuf *sb);

#endif
