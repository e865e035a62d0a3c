/* ledger.h — where a recipient ends (its fate) and the run's ledger that
 * counts the final fates. The engine's context (sim.h) holds the ledger;
 * outcome.c's fate_settle() is the only writer, the end-of-run summary
 * (world.c) the reader. A header of its own so that the engine does not
 * include the outcome module, which itself needs the engine. */
#ifndef MAILSIM_LEDGER_H
#define MAILSIM_LEDGER_H

enum fate {
	/* final: each counts a recipient of a scenario message once */
	FATE_INBOX,      /* stored in INBOX */
	FATE_FILED,      /* stored in a folder a rule chose */
	FATE_JUNK,       /* stored in Junk: delivered, but not to the inbox */
	FATE_QUARANTINE, /* held in Quarantine */
	FATE_BOUNCED,    /* failed after acceptance: a DSN goes back */
	FATE_REJECTED,   /* refused at submission: the sender saw the error */
	FATE_DROPPED,    /* accepted, then dropped by a rule (no bounce) */
	FATE_SUPPRESSED, /* never sent: the address was suppressed */
	FATE_NFINAL,
	/* hops: the copy passed on is counted where it ends */
	FATE_RELAYED = FATE_NFINAL, /* accepted by the next MTA */
	FATE_FORWARDED,             /* handed on to another address */
};

/* The run's ledger: fed by fate_settle only. */
struct ledger {
	long messages, rcpts;     /* scenario (and live) messages and recipients */
	long live_messages, live_rcpts; /* of those, taken from real clients (live mode) */
	long n[FATE_NFINAL];
	long dsn_stored;          /* DSNs this world generated that reached a mailbox */
	long double_bounces;      /* DSNs that could not be delivered: dropped */
	/* Not a fate: recipients a mail client has composed for and that its
	 * submission server has neither queued nor refused yet (the message
	 * is in the client's outbox). Up at compose (mua.c), down when the
	 * server queues it (mta.c) or the client settles a refusal. A run
	 * stopped then (--until, serve's shutdown) counts them as queued. */
	long with_clients;
	/* Not a fate either: recipients a next-hop MTA has queued while the
	 * MTA sending them still waits for the 250 (RFC 5321 §6.1: both hold
	 * the message for that moment). Up when the next hop queues (mta.c),
	 * down when the sender settles them relayed (mta_out.c); the summary
	 * counts such a recipient once. */
	long handed;
};


/* Recipients with a final fate. */
long ledger_settled(const struct ledger *l);

#endif
