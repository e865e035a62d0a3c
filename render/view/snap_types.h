/* snap_types.h — the records of the snapshot (snapshot.h): queue entries
 * and their recipients, stored copies, DNS answers, faults, places,
 * badges, outboxes, and struct snap itself. Apart from snapshot.h so that
 * its checkpoints (snap_ckpt.h) can read and restore them without a
 * circle between the two modules. Invariants: see snapshot.h. */
#ifndef MAILSIM_SNAP_TYPES_H
#define MAILSIM_SNAP_TYPES_H

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
	uint32_t stamp;       /* SNAP_DEFERRED: names its retry clock entry (snap_count.h) */
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
	uint32_t pair;        /* its (host, message) in snap.pairs, or SNAP_NO_PAIR */
	uint32_t nwaiting;    /* recipients queued or deferred (snap_count.h) */
};

/* A copy of a message at rest: filed in a mailbox, or fetched by a reader. */
struct snap_stored {
	int host;
	const char *user, *folder; /* folder NULL for a fetched copy */
	int msg_idx;
	long bytes;
	size_t ev;
	uint32_t pair;        /* its (host, message) in snap.pairs, or SNAP_NO_PAIR */
};

/* What one DNS server answered to one question, the latest time. */
struct snap_answer {
	int host;
	const char *qname, *qtype, *rcode;
	const char *answers;  /* joined with ", " (model-owned); NULL when there were none */
	size_t nanswers;
	unsigned count;       /* how often it was asked */
	size_t ev;
};

struct snap_fault {
	int host;
	const char *fault, *summary;
	size_t ev;
};

enum snap_place_kind { PLACE_OUTBOX, PLACE_QUEUE, PLACE_MAILBOX, PLACE_FETCHED,
		       PLACE_KIND_COUNT };

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
	uint32_t pair;        /* its (host, message) in snap.pairs, or SNAP_NO_PAIR */
};

#define SNAP_NO_PAIR UINT32_MAX

/* One (host, message) the walk has met, and what rests there at the
 * walk's place (snap_count.h). */
struct snap_pair {
	int host, msg;
	uint32_t unsent;      /* outboxes composed there and not sent */
	uint32_t live;        /* queue entries there with a recipient waiting */
	uint32_t first_box;   /* the first stored copy there, or SNAP_NO_PAIR */
};

/* A deferred recipient on its host's retry clock (snap_count.h). */
struct snap_retry_ref {
	int64_t next_us;
	uint32_t entry, rcpt, stamp;
};

/* Per host, kept as the walk moves (snap_count.h). */
struct snap_host_count {
	long place[PLACE_KIND_COUNT]; /* places by kind */
	long anon_out;        /* of place[PLACE_OUTBOX]: outboxes with no message */
	long deferred;        /* recipients deferred in its queue */
	size_t first_q;       /* its first queue entry, or SIZE_MAX */
	struct snap_retry_ref *heap; size_t nheap, heapcap; /* owned; a min-heap on
				 * next_us, holding every deferred recipient's
				 * current entry and stale ones (lazy deletion) */
};

struct snap_ckpt; /* snap_ckpt.c */
struct snap_rec;  /* snap_walk.h */
struct snap_rblock; /* snap_walk.c */

struct snap {
	long cursor;
	/* the walk so far: events 0..walked of model applied */
	const struct tm_model *model;
	long walked;
	struct snx by_qid;         /* (host, queue id) -> newest q */
	struct snap_hm by_msg;     /* (host, message) -> newest q */
	struct snap_outbox *outbox; size_t nout, outcap; /* composed messages */
	struct snap_hm by_out;     /* (host, message) -> newest outbox */
	/* where messages rest and the retry clocks, kept as the walk moves
	 * (snap_count.h) */
	struct snap_pair *pairs;   size_t npairs, paircap; /* owned */
	struct snap_hm by_pair;    /* (host, message) -> its pair */
	struct snap_host_count *hc; size_t nhc;           /* owned; per host */
	uint32_t stamp;            /* the last retry clock stamp handed out */
	struct snap_rblock *rblocks; /* owned: the queue entries' recipients */
	/* per queue entry slot, the change that left it as it is: a value
	 * handed out once (gen), so a checkpoint holding the same value holds
	 * the same entry and is not copied back (snap_ckpt.h) */
	uint32_t *qgen; size_t qgencap; /* owned */
	uint32_t gen;
	/* what the first walk read from each event, for walking again
	 * (snap_walk.h): records of the events 0..walk_hw */
	struct snap_rec *rec;      size_t nrec, reccap;  /* owned */
	size_t rec_pos;            /* the next record the walk reads */
	long walk_hw;              /* the furthest event ever walked, or -1 */
	struct snap_entry *q;      size_t nq, qcap;      /* live and finished */
	size_t nq_hw;              /* slots of q ever filled (snap_ckpt.h) */
	struct snap_stored *box;   size_t nbox, boxcap;
	struct snap_answer *ans;   size_t nans, anscap;
	struct snap_fault *faults; size_t nfaults, faultcap;
	struct snap_badge *badges; size_t nbadges, badgecap;
	/* checkpoints of the walk (snap_ckpt.h), one every ckpt_every events */
	long ckpt_every_asked;     /* 0: chosen from the trace's length (tests set it) */
	long ckpt_every;
	struct snap_ckpt **ckpt;   size_t nckpt, ckptcap; /* owned */
	size_t ckpt_bytes;         /* their memory, all together */
};

#endif
