/* mta_int.h — what the three parts of the MTA share (not a public API):
 *   mta.c        set-up and the inbound SMTP session with its checks;
 *   mta_queue.c  the queue: entries, outcomes, DSNs, retries, local delivery;
 *   mta_out.c    remote delivery: MX routing and outbound SMTP sessions.
 * Names: mtaq_* for queue entries, mta_* for the rest. */
#ifndef MAILSIM_MTA_INT_H
#define MAILSIM_MTA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "mta.h"
#include "retry.h"
#include "scenario.h"

enum qr_state { QR_PENDING, QR_ACTIVE, QR_DONE, QR_FAILED };

struct qrcpt {
	char *addr;              /* owned */
	enum qr_state state;
	char status[16];         /* last enhanced status */
	char diag[1024];         /* last diagnostic (remote reply or local reason) */
	char remote[256];        /* remote MTA that answered, if any */
	int64_t last_attempt;    /* when its outcome was last decided */
	bool reported;           /* a failure DSN already names it */
};

struct qentry {
	struct qentry *next;
	struct mta *m;
	char qid[16];
	char *tag;               /* owned: scenario message id for the trace */
	char *sender;            /* owned: "" for <> */
	struct qrcpt *r;         /* owned */
	size_t nr;
	char *data;              /* owned */
	size_t len;
	int64_t arrival;
	int attempts;
	int active_jobs;
	evq_id retry_timer;
	bool is_dsn;             /* a DSN we generated (its sender is <>) */
	bool warned;             /* the delay warning went out */
	int64_t first_failure;   /* -1 until an attempt fails (Exim measures from it) */
	int64_t last_interval;
	int dsn_count;           /* DSNs sent about it (delay warnings included) */
	int fail_dsns;           /* failure DSNs: m1.dsn, m1.dsn2, ... */
	/* the receiving checks' verdict, for local delivery */
	char folder[64];
	unsigned flags;
	bool deny, quarantine;
	int64_t not_before;      /* snooze: no delivery before this time */
	char *forward;           /* owned: a filter rule forwards it here */
};

struct grey {
	char *ip, *sender, *rcpt; /* owned */
	int64_t first_seen;
};

struct rate_mark {
	char *ip; /* owned */
	int64_t t;
};

struct mta {
	struct sim *sim;
	struct host *host;           /* not owned */
	const struct scn_host *cfg;  /* not owned */
	struct mailstore *store;     /* owned */
	struct qentry *queue;        /* owned list */
	uint32_t qcounter;
	struct retry_policy retry;
	int64_t idle_timeout;
	struct grey *grey;           /* owned */
	size_t ngrey;
	struct rate_mark *rate;      /* owned */
	size_t nrate;
};

bool mta_is_local_domain(const struct mta *m, const char *domain);
const struct scn_user *mta_resolve_local(const struct mta *m, const char *rcpt);
void mta_policy_event(struct mta *m, const char *decision, const char *rcpt, const char *reason);

/* queue entries (mta_queue.c) */
struct qentry *mtaq_new(struct mta *m, const char *sender, const char *const *rcpts, size_t n,
			const char *data, size_t len, const char *tag);
void mtaq_free(struct qentry *q);
void mtaq_enqueue(struct mta *m, struct qentry *q);
void mtaq_trace(struct mta *m, struct qentry *q, const char *kind, const char *rcpt);
void mtaq_header(struct mta *m, const char *tag, const char *name, const char *value);
void mtaq_rcpt_done(struct mta *m, struct qentry *q, size_t i, const char *result,
		    const char *status, const char *reason);
void mtaq_rcpt_fail(struct mta *m, struct qentry *q, size_t i, const char *status,
		    const char *diag);
void mtaq_rcpt_defer(struct mta *m, struct qentry *q, size_t i, const char *status,
		     const char *diag);
void mtaq_attempt_finished(struct mta *m, struct qentry *q);

/* remote delivery (mta_out.c): one job for the recipients ridx (owned by
 * the job) of q at one domain; ends with mtaq_attempt_finished(). */
void mta_job_start(struct qentry *q, const char *domain, size_t *ridx, size_t nr);

#endif
