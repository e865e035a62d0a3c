/* snapshot.h — the simulated world as the trace tells it up to a cursor:
 * each host's queue (messages, recipients, attempts, next retry), its
 * mailboxes, what its DNS server has answered, its active faults; where
 * each message is; and the decision badges to pin on hosts.
 *
 * It is derived from trace events only (queue.enter/attempt/defer/done/
 * bounce/expire, mailbox.store, imap.data/pop3.data, dns.answer,
 * fault.start/end, policy.decision, filter.check, dsn.create), never from
 * the simulator, so it shows exactly what a reader of the trace can know.
 *
 * Invariants: strings are borrowed from the model (valid while it lives);
 * arrays are in trace order; snap_build() is a pure function of
 * (model, from, cursor): it walks on from the last cursor when the new one
 * is not before it (the queues, mailboxes and answers are kept between
 * calls, found through hash indexes), else from the latest checkpoint
 * before it (snap_ckpt.h: at most K events back); places and badges are
 * derived again on each call. A snap follows one model: free
 * it before building for another (one at the same address is not told
 * apart). */
#ifndef MAILSIM_SNAPSHOT_H
#define MAILSIM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snap_index.h"
#include "trace_model.h"

enum snap_rcpt_state { SNAP_QUEUED, SNAP_DEFERRED, SNAP_DELIVERED, SNAP_RELAYED,
		       SNAP_BOUNCED, SNAP_QUARANTINED };

struct snap_rcpt {
	const char *addr;
	enum snap_rcpt_state state;
	int64_t next_us;      /* SNAP_DEFERRED: the next attempt */
	const char *status;   /* the latest status ("4.4.1"), or NULL */
	const char *reason;   /* the latest reason, or NULL */
};

/* One message in one host's queue. */
struct snap_entry {
	int host;
	const char *queue_id, *from;
	int msg_idx;          /* -1 when the event named no message */
	struct snap_rcpt *rcpts; /* owned */
	size_t nrcpts;
	int attempts;
	bool expired;
	size_t enter_ev;
	size_t prev_qid, prev_msg; /* the older entry with the same (host, queue id) /
				    * (host, message), or SIZE_MAX (snap_ckpt.h) */
};

/* A copy of a message at rest: filed in a mailbox, or fetched by a reader. */
struct snap_stored {
	int host;
	const char *user, *folder; /* folder NULL for a fetched copy */
	int msg_idx;
	long bytes;
	size_t ev;
};

/* What one DNS server answered to one question, the latest time. */
struct snap_answer {
	int host;
	const char *qname, *qtype, *rcode;
	const struct tm_field *answers; /* NULL when there were none */
	unsigned count;       /* how often it was asked */
	size_t ev;
};

struct snap_fault {
	int host;
	const char *fault, *summary;
	size_t ev;
};

enum snap_place_kind { PLACE_OUTBOX, PLACE_QUEUE, PLACE_MAILBOX, PLACE_FETCHED };

/* Where a message is: at most one place per (message, host). */
struct snap_place {
	int msg_idx, host;
	enum snap_place_kind kind;
};

enum snap_badge_kind { BADGE_RETRY, BADGE_BOUNCE, BADGE_REJECT, BADGE_GREYLIST,
		       BADGE_DISCARD, BADGE_DEFER, BADGE_QUARANTINE, BADGE_SPAM,
		       BADGE_EXPIRED, BADGE_DSN, BADGE_DSN_DELAYED, BADGE_FAULT,
		       BADGE_CHECK, BADGE_KIND_COUNT };

struct snap_badge {
	int host;
	enum snap_badge_kind kind;
	char text[72];        /* "retry at 1:23:45", "bounce 5.1.1" ... */
	size_t ev;            /* the event that set it */
};

#define SNAP_BADGES_PER_HOST 3

/* A message composed at a host, until it is sent from there. */
struct snap_outbox {
	int msg_idx, host;
	bool sent;
	size_t prev;          /* the previous outbox with the same key, or SIZE_MAX */
};

struct snap_ckpt; /* snap_ckpt.c */

struct snap {
	long cursor;
	/* the walk so far: events 0..walked of model applied */
	const struct tm_model *model;
	long walked;
	struct snx by_qid, by_msg;  /* (host, queue id) / (host, message) -> newest q */
	struct snap_outbox *outbox; size_t nout, outcap; /* composed messages */
	struct snx by_out;         /* (host, message) -> newest outbox */
	/* (host, message) already placed, per build: per message the build
	 * (place_epoch) that placed it last and its newest place, linked to
	 * the older ones through place_next (parallel to places) */
	uint32_t *place_gen; size_t *place_head; size_t place_nmsgs;
	size_t *place_next; size_t place_nextcap;
	uint32_t place_epoch;
	struct snap_entry *q;      size_t nq, qcap;      /* live and finished */
	size_t nq_hw;              /* slots of q ever filled (snap_ckpt.h) */
	struct snap_stored *box;   size_t nbox, boxcap;
	struct snap_answer *ans;   size_t nans, anscap;
	struct snap_fault *faults; size_t nfaults, faultcap;
	struct snap_place *places; size_t nplaces, placecap;
	struct snap_badge *badges; size_t nbadges, badgecap;
	/* checkpoints of the walk (snap_ckpt.h), one every ckpt_every events */
	long ckpt_every_asked;     /* 0: chosen from the trace's length (tests set it) */
	long ckpt_every;
	struct snap_ckpt **ckpt;   size_t nckpt, ckptcap; /* owned */
	size_t ckpt_bytes;         /* their memory, all together */
};

void snap_init(struct snap *s);
void snap_free(struct snap *s);
/* Rebuild for the events 0..cursor. Decisions from `from` on (an event
 * index; the caller's notion of "recent") become badges; -1 = cursor - 40. */
void snap_build(struct snap *s, const struct tm_model *m, long from, long cursor);

/* A queue entry still has a recipient queued or deferred. */
bool snap_entry_live(const struct snap_entry *e);
const char *snap_rcpt_state_name(enum snap_rcpt_state st);
/* "1:23:45" (hours may exceed 24), for next-retry times. */
void snap_fmt_hms(int64_t us, char *out, size_t outsz);

#endif
