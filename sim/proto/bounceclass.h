/* bounceclass.h — what a sender should make of a refusal: the bounce
 * classes bulk senders use on top of RFC 3463 enhanced status codes
 * (email-facts §11.2; ESP practice such as Amazon SES's and the common
 * "hard / soft / block" split).
 *
 * Input: the basic reply code (or 0 for a finding of our own, e.g. a DNS
 * lookup), the enhanced status code ("5.1.1", or "" when the server sent
 * none) and the reply text. Output: a type — hard (the address is bad:
 * suppress it at once), soft (try again; suppress only after repeated
 * soft bounces), block (the sender's reputation, authentication or
 * content, not the address: fix the sending, never suppress) — and a
 * category. Pure: no simulator types, no state. */
#ifndef MAILSIM_BOUNCECLASS_H
#define MAILSIM_BOUNCECLASS_H

#include <stdbool.h>

enum bounce_type { BOUNCE_NONE, BOUNCE_HARD, BOUNCE_SOFT, BOUNCE_BLOCK };

enum bounce_category {
	BC_NONE,          /* not a bounce: 2xx */
	BC_BAD_MAILBOX,   /* 5.1.1, 5.1.0, 5.1.3, 5.1.10 (null MX): no such mailbox */
	BC_BAD_DOMAIN,    /* 5.1.2, 5.4.4: the domain takes no mail (NXDOMAIN, no MX and no A) */
	BC_DISABLED,      /* 5.2.1: the mailbox exists but is disabled */
	BC_MAILBOX_FULL,  /* 4.2.2, 5.2.2: over quota (soft, as many ESPs treat it) */
	BC_TOO_LARGE,     /* 5.3.4, 5.2.3: fix the message, not the list */
	BC_GREYLISTED,    /* 4.7.1 "greylisted": come back later */
	BC_TEMPORARY,     /* any other 4.x.x, timeouts, 421 */
	BC_REPUTATION,    /* 4.7.0, 4.7.28, 5.7.1 with a block-list / client-host text */
	BC_AUTHENTICATION,/* 5.7.20-5.7.27: SPF/DKIM/DMARC requirements */
	BC_POLICY,        /* 5.7.x otherwise, 5.6.x: spam, content or relay policy */
	BC_PROTOCOL,      /* 5.5.x: a command the server did not like */
	BC_OTHER,         /* a permanent failure with nothing more specific */
	BC_COUNT
};

struct bounce_class {
	enum bounce_type type;
	enum bounce_category category;
};

/* Classify one refusal; code 0 means a local finding (use enh). */
struct bounce_class bounce_classify(int code, const char *enh, const char *text);
/* "none", "hard", "soft", "block". */
const char *bounce_type_name(enum bounce_type t);
/* "bad-mailbox", "bad-domain", "disabled", "mailbox-full", ... */
const char *bounce_category_name(enum bounce_category c);
/* Plain words for the category, for reports ("the mailbox does not exist"). */
const char *bounce_category_text(enum bounce_category c);
/* True when the address itself should leave the list at once (hard). */
bool bounce_suppress_now(struct bounce_class c);

#endif
