/* card.h — decisions explained, not just named: the decision card (what
 * was decided, in plain words; the rule and threshold that decided it;
 * the SMTP reply or DNS answer it led to; for a message with several
 * recipients each one's fate so far; for scored mail the spam waterfall)
 * and the check chain of the receiving host (connection → HELO → sender
 * → recipient → content → policy → delivery, each lit as the trace
 * passes it).
 *
 * Invariants: no SDL; everything is read from the trace model up to the
 * cursor (nothing later leaks into a card); strings are owned copies in
 * fixed buffers sized for display (longer values are cut at a UTF-8
 * boundary with "…", the full text stays in the event list). */
#ifndef MAILSIM_CARD_H
#define MAILSIM_CARD_H

#include <stdbool.h>
#include <stddef.h>

#include "trace_model.h"

/* ---- the spam waterfall ---- */

struct card_bar {
	char symbol[48];
	double score;
	char detail[160];
};

/* Rspamd's actions in the order a rising score reaches them. */
enum card_th { CARD_TH_GREYLIST, CARD_TH_ADD_HEADER, CARD_TH_REWRITE_SUBJECT,
	       CARD_TH_QUARANTINE, CARD_TH_REJECT, CARD_TH_COUNT };

struct card_waterfall {
	struct card_bar *bars;     /* owned; in the order scored */
	size_t nbars;
	double total;
	char action[32];           /* "rewrite subject" */
	bool th_on[CARD_TH_COUNT];
	double th[CARD_TH_COUNT];
};

const char *card_th_name(enum card_th t); /* "greylist", "add_header", ... */

/* ---- the card ---- */

struct card_rcpt {
	char rcpt[128];
	char fate[48];             /* delivered, relayed, deferred, bounced, rejected, ... */
	char status[16];           /* "5.1.1", "" */
	bool permanent, temporary;
};

struct card {
	size_t ev;                 /* the decision's trace event */
	int host;                  /* the node that decided */
	char kind[32];             /* the event's kind name */
	char title[200];           /* "mx1.example.net: SPF fail" */
	char reason[400];          /* the full reason in plain words */
	char rule[300];            /* the rule and threshold that decided it */
	char reply[300];           /* the SMTP reply it produced, or "" */
	char dns[300];             /* the DNS answer it rested on, or "" */
	struct card_rcpt *rcpts;   /* owned; only for several recipients */
	size_t nrcpts;
	struct card_waterfall spam; /* nbars 0 when the message was not scored */
};

/* The card for decision event ev as of the cursor (ev <= cursor). */
void card_build(struct card *c, const struct tm_model *m, size_t ev, long cursor);
void card_free(struct card *c);
/* The decision a card opened by key D shows: the cursor event when it is a
 * decision, else the latest decision before it; -1 when none. */
long card_decision_at(const struct tm_model *m, long cursor);

/* ---- the check chain ---- */

enum chain_stage { CH_CONNECTION, CH_HELO, CH_SENDER, CH_RECIPIENT, CH_CONTENT, CH_POLICY,
		   CH_DELIVERY, CH_COUNT };
enum chain_state { CH_UNLIT, CH_PASS, CH_TEMP, CH_FAIL };

struct chain {
	int host;                  /* the receiving host, -1 = no SMTP connection */
	long conn;
	enum chain_state st[CH_COUNT];
};

const char *chain_stage_name(enum chain_stage s);  /* "connection", "HELO", ... */
const char *chain_state_name(enum chain_state s);  /* "unlit", "pass", "temp", "fail" */
/* The chain of the SMTP connection current at the cursor. */
void chain_build(struct chain *ch, const struct tm_model *m, long cursor);

#endif
