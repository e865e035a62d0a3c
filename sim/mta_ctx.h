/* mta_ctx.h — the MTA's state and what every part of it asks of it (not a
 * public API). The MTA is five files, each depending only on those listed
 * before it:
 *   mta_ctx.c     struct mta, local domains and users, policy events;
 *   mta_queue.c   the queue (mta_queue.h, the one interface inbound and
 *                 outbound delivery use): entries, the recipient state
 *                 machine, outcomes, DSNs, retries, local delivery;
 *   mta_out.c     remote delivery: MX routing and outbound SMTP sessions;
 *   mta_append.c  delivery by IMAP APPEND into a remote mailbox;
 *   mta.c         set-up (it wires the two deliveries into the queue) and
 *                 the inbound SMTP session with its checks.
 * Names: mtaq_* for queue entries, mta_* for the rest. */
#ifndef MAILSIM_MTA_CTX_H
#define MAILSIM_MTA_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "mailstore.h"
#include "net.h"
#include "mta_hooks.h"
#include "retry.h"
#include "scenario.h"

struct qentry;
struct job;
struct append_job;
struct dkim_key;
struct rep;

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
	struct mta_spool_hooks spool;  /* live mode: where accepted mail is made durable */
	struct mta_auth_gate auth_gate; /* live mode: failed-AUTH limit per client address */
	struct job *jobs;            /* remote deliveries under way (mta_out.c) */
	struct append_job *appends;  /* IMAP APPEND deliveries under way (mta_append.c) */
	struct rep *rep;             /* owned: sender reputation (mta_rep.c), or NULL */
	/* The DKIM signing key, parsed from its PEM at the first signature
	 * and kept (owned); or why it could not be (sign_key_err). */
	struct dkim_key *sign_key;
	char *sign_key_err;
	/* How the queue starts a delivery (set by mta_new): remote SMTP
	 * (mta_out.c) or IMAP APPEND (mta_append.c); each ends with
	 * mtaq_attempt_finished(). The queue knows them only through these. */
	void (*deliver_remote)(struct qentry *q, const char *domain, size_t *ridx, size_t nr);
	void (*deliver_append)(struct qentry *q, size_t i, const struct scn_user *target,
			       const char *server, const char *password);
};

/* RFC 5321 §4.5.1: "postmaster", bare or at a domain. */
bool mta_is_postmaster(const char *rcpt);
bool mta_is_local_domain(const struct mta *m, const char *domain);
/* rcpt is ours to deliver: one of our domains, or a bare <postmaster>. */
bool mta_is_local_rcpt(const struct mta *m, const char *rcpt);
const struct scn_user *mta_resolve_local(const struct mta *m, const char *rcpt);
void mta_policy_event(struct mta *m, enum policy_decision decision, const char *rcpt,
		      const char *reason);

#endif
