/* spool.h — `mailsim serve`'s durable queue: what it answered 250 to is on
 * disk before the 250 (RFC 5321 §6.1), as Postfix's cleanup writes and
 * fsyncs the queue file before smtpd replies.
 *
 * Layout: DIR/lock (flock: one server per spool), DIR/tmp/ (files being
 * written), DIR/<id>.msg (one accepted message each). A file is written
 * under tmp/, fsync'ed, renamed into DIR and DIR fsync'ed: a crash leaves
 * either the whole file or none (a leftover in tmp/ was never answered
 * 250 and is removed at the next start).
 *
 * A spool file: text header lines "name value" (values never hold CR or
 * LF), a blank line, then the message octets exactly:
 *     mailsim-spool 1 / id / arrival (Unix seconds.micro) / host (the
 *     served MTA) / client (IP) / tag / from / rcpt (one per recipient) /
 *     folder / forward / flags / deny / quarantine / size (the octets after
 *     the blank line).
 *
 * Life: spool_store() at acceptance; at start spool_recover() queues every
 * file again (mta_live_recover); at a clean shutdown, once the mailboxes
 * are written out, spool_settle() removes each message the queue is done
 * with and rewrites one still waiting for some recipients to name only
 * those. */
#ifndef MAILSIM_SPOOL_H
#define MAILSIM_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "mta_live.h"

struct spool;

/* The default directory: "mailsim-spool" next to the Maildir when there is
 * one, else $XDG_STATE_HOME/mailsim/spool, else ~/.local/state/mailsim/spool.
 * Returns an allocated path. */
char *spool_default_dir(const char *maildir);

/* Create (if needed) and lock DIR for host; NULL with a message in err. */
struct spool *spool_open(const char *dir, const char *host, char *err, size_t errsz);
void spool_close(struct spool *sp);
const char *spool_dir(const struct spool *sp);

/* mta_spool_hooks.store: write m durably, its id into id. */
bool spool_store(void *sp, const struct mta_spooled *m, char *id);
/* The last store's failure (for the log), "" when none. */
const char *spool_error(const struct spool *sp);

/* Queue every spooled message of this host again in m. Returns how many
 * (-1 with a message in err when the directory cannot be read). Files that
 * do not parse are moved to DIR/corrupt/ with a warning on stderr. */
long spool_recover(struct spool *sp, struct mta *m, char *err, size_t errsz);

/* After the mailboxes are safely written: drop what m no longer queues. */
bool spool_settle(struct spool *sp, const struct mta *m, char *err, size_t errsz);
/* serve's two steps. At start: open DIR for the served host srv (an MTA),
 * hook it into its MTA and queue what a previous run left; *recovered says
 * how many. At a clean shutdown, after the mailboxes were written to
 * maildir (NULL: none): make them durable (syncfs), then settle. */
struct host;
struct spool *spool_attach(const char *dir, struct host *srv, long *recovered, char *err,
			   size_t errsz);
bool spool_finish(struct spool *sp, struct host *srv, const char *maildir, char *err,
		  size_t errsz);
/* Messages on disk now (stored or recovered, not yet settled). */
size_t spool_count(const struct spool *sp);

#endif
