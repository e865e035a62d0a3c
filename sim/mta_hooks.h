/* mta_hooks.h — what the owner of a live-mode MTA plugs into it: the
 * durable store for accepted mail and the failed-AUTH gate (mta_live.h
 * says how they are used). A header of its own so that the MTA's state
 * (mta_ctx.h) can hold them without depending on mta_live. */
#ifndef MAILSIM_MTA_HOOKS_H
#define MAILSIM_MTA_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#define MTA_SPOOL_ID_MAX 64

/* One accepted message as the queue holds it. Strings are never NULL. */
struct mta_spooled {
	const char *id;               /* the spool's name for it ("" when storing) */
	const char *client_ip;
	const char *tag;              /* trace name (the queue id it got first) */
	const char *sender;           /* "" for <> */
	const char *const *rcpts;
	size_t nrcpts;
	const char *folder;           /* "" = INBOX */
	const char *forward;          /* "" = none */
	unsigned flags;
	bool deny, quarantine;
	const char *data;             /* the message, CRLF line ends */
	size_t len;
};

struct mta_spool_hooks {
	/* Store m durably and write its id (at most MTA_SPOOL_ID_MAX - 1
	 * characters: letters, digits, '.', '-') into id. False: not stored. */
	bool (*store)(void *ctx, const struct mta_spooled *m, char *id);
	void *ctx;
};

/* Failed AUTH from real clients, counted per address by the owner (Postfix
 * anvil, app/anvil.c). blocked: asked before credentials are checked;
 * failed: told of each failure. True: over the limit (count and max say
 * how far), and the client gets 421 4.7.0 and is closed instead of 535. */
struct mta_auth_gate {
	bool (*blocked)(void *ctx, const char *ip, long *count, long *max);
	bool (*failed)(void *ctx, const char *ip, long *count, long *max);
	void *ctx;
};

#endif
