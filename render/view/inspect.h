/* inspect.h — the inspectors' content as lines of text: a host's queue,
 * its mailboxes or its DNS zone, and a message's header block as it has
 * accumulated hop by hop. Drawing only lays these lines out.
 *
 * Everything comes from the snapshot (snapshot.h) and the model, that is
 * from the trace. A DNS host's zone is the scenario's records when the
 * input carried them (view_host.records), else only what the server has
 * answered so far — the trace shows answers, not zone files.
 *
 * Invariants: lines are owned by the view; a header's folded lines become
 * continuation lines (indent + 1); message order follows RFC 5322 §3.6.7:
 * trace fields added on the way are prepended, so the newest is on top. */
#ifndef MAILSIM_INSPECT_H
#define MAILSIM_INSPECT_H

#include <stddef.h>

#include "snapshot.h"
#include "trace_model.h"

enum insp_tab { INSP_QUEUE, INSP_MAILBOX, INSP_ZONE, INSP_TAB_COUNT };

enum insp_style {
	INSP_HEAD,   /* a section heading */
	INSP_TEXT,
	INSP_DIM,    /* finished entries, explanations */
	INSP_OK,     /* delivered, relayed, NOERROR */
	INSP_WARN,   /* deferred, greylisted */
	INSP_BAD,    /* bounced, NXDOMAIN, expired */
	INSP_NEW,    /* what the cursor event just added */
};

struct insp_line {
	enum insp_style style;
	int indent;        /* in steps */
	int msg_idx;       /* the message a click on the line opens, or -1 */
	char *tag;         /* owned; a left column (a host name), or NULL */
	char *text;        /* owned */
};

struct insp_view {
	struct insp_line *lines; /* owned */
	size_t n, cap;
};

void insp_init(struct insp_view *v);
void insp_free(struct insp_view *v);

const char *insp_tab_name(enum insp_tab t);
/* The tab a click on a host opens: zone for DNS, mailboxes for a mailbox
 * host or a reader, else the queue. */
enum insp_tab insp_default_tab(const struct tm_model *m, int host);

/* Rebuild v with a host's tab as of the snapshot s (built for cursor). */
void insp_host(struct insp_view *v, const struct tm_model *m, const struct snap *s,
	       int host, enum insp_tab tab);
/* Rebuild v with message msg_idx's headers as of cursor. */
void insp_message(struct insp_view *v, const struct tm_model *m, int msg_idx,
		  long cursor);

/* The subject of a message (from its msg.compose), or NULL. */
const char *insp_subject(const struct tm_model *m, int msg_idx);

#endif
