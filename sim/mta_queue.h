/* mta_queue.h — the MTA's queue, the one interface between accepting a
 * message (mta.c) and delivering it (mta_out.c, mta_append.c): entries,
 * each recipient's state machine and the funnel for its end. See
 * mta_ctx.h for how the MTA's parts depend on each other. */
#ifndef MAILSIM_MTA_QUEUE_H
#define MAILSIM_MTA_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "mta_ctx.h"
#include "outcome.h"

/* One recipient's way through an attempt. Remote delivery walks
 * resolving → connecting → in session, and every attempt ends in deferred
 * (tried again later), done or failed; local delivery goes straight from
 * queued or deferred to an end. qr_enter() refuses any other step. */
enum qr_state {
	QR_QUEUED,     /* waiting for its first attempt */
	QR_RESOLVING,  /* MX / address lookups for its domain */
	QR_CONNECTING, /* TCP connection to an MX host */
	QR_IN_SESSION, /* SMTP dialog with an MX host */
	QR_DEFERRED,   /* failed for now: waits for the next attempt */
	QR_DONE,       /* delivered, relayed, forwarded, filed, dropped */
	QR_FAILED,     /* bounced */
};

struct qrcpt {
	char *addr;              /* in the entry's own block (mtaq_adopt) */
	char *orig;              /* owned or NULL: the address it was sent to before
				  * forwarding (a DSN's Original-Recipient) */
	enum qr_state state;
	struct oc_note last;     /* the latest outcome: what a DSN quotes */
	int64_t last_attempt;    /* when its outcome was last decided */
	bool reported;           /* a failure DSN already names it */
};

struct qentry {
	struct qentry *next, *prev; /* the MTA's queue, doubly linked: O(1) unlink */
	struct mta *m;
	char qid[16];
	/* tag, sender, r and the recipients' addresses live in the entry's
	 * own allocation (one per entry, made by mtaq_adopt), freed with it */
	char *tag;               /* scenario message id for the trace */
	char *sender;            /* "" for <> */
	struct qrcpt *r;
	size_t nr;
	char *data;              /* owned */
	size_t len;
	int64_t arrival;
	int attempts;
	int active_jobs;
	evq_id retry_timer;
	bool report;             /* a DSN this world generated (not a scenario recipient) */
	bool warned;             /* the delay warning went out */
	int64_t first_failure;   /* -1 until an attempt fails (Exim measures from it) */
	int64_t last_interval;
	int dsn_count;           /* DSNs sent about it (delay warnings included) */
	int fail_dsns;           /* failure DSNs: m1.dsn, m1.dsn2, ... */
	/* the receiving checks' verdict, for local delivery */
	char *folder;            /* owned; NULL: INBOX */
	unsigned flags;
	bool deny, quarantine;
	int64_t not_before;      /* snooze: no delivery before this time */
	char *forward;           /* owned: a filter rule forwards it here */
	char *spool_id;          /* owned or NULL: live mode's durable copy (mta_live.h) */
	char *drop_reason;       /* owned or NULL: why deny drops it (reputation), else a rule */
	char *rep_ip, *rep_domain; /* owned or NULL: the sender's reputation keys (mta_rep.c) */
};

/* queue entries (mta_queue.c) */
struct qentry *mtaq_new(struct mta *m, const char *sender, const char *const *rcpts, size_t n,
			const char *data, size_t len, const char *tag);
/* mtaq_new taking data (a malloc'ed, NUL-terminated block of len bytes)
 * instead of copying it: the entry owns it from now on. */
struct qentry *mtaq_adopt(struct mta *m, const char *sender, const char *const *rcpts, size_t n,
			  char *data, size_t len, const char *tag);
void mtaq_free(struct qentry *q);
/* Take back an entry mtaq_new made that will not be enqueued. */
void mtaq_discard(struct mta *m, struct qentry *q);
void mtaq_enqueue(struct mta *m, struct qentry *q);
void mtaq_trace(struct mta *m, struct qentry *q, enum trace_kind kind, const char *rcpt);
void mtaq_header(struct mta *m, const char *tag, const char *name, const char *value);
/* Prepend "name: value" to the queued copy and show it (mtaq_header). */
void mtaq_prepend(struct mta *m, struct qentry *q, const char *name, const char *value);
/* Step recipient i to state to; a step the state machine does not allow
 * is a bug and aborts. */
void qr_enter(struct qentry *q, size_t i, enum qr_state to);
bool qr_pending(const struct qrcpt *r); /* not yet done or failed */
/* The funnel for an end: DONE (any fate but bounced) or FAILED (bounced),
 * counted and traced by fate_settle. */
void mtaq_settle(struct mta *m, struct qentry *q, size_t i, enum fate f, const struct outcome *o);
void mtaq_rcpt_defer(struct mta *m, struct qentry *q, size_t i, const struct outcome *o);
void mtaq_attempt_finished(struct mta *m, struct qentry *q);

#endif
