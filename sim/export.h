/* export.h — the mailboxes of a simulation written as files that real mail
 * programs read (mutt, Dovecot, Python's mailbox module).
 *
 * Maildir (https://cr.yp.to/proto/maildir.html), sub-folders laid out the
 * Maildir++ way Courier and Dovecot use:
 *     DIR/<address>/{cur,new,tmp}             INBOX
 *     DIR/<address>/.<Folder>/{cur,new,tmp}   Junk, Quarantine, rule folders
 *   - a message no client has read is in new/ without an info suffix; one a
 *     POP3 or IMAP client has read, or that has flags, is in cur/ with
 *     ":2," and its flags in ASCII order (D draft, F flagged, R answered,
 *     S seen, T deleted but not expunged);
 *   - file names are "<seconds>.M<µs>P<n>Q<delivery>.<host>": the delivery
 *     date, the host's number in the scenario standing for the delivering
 *     process, the store's delivery counter, the host name ('/' and ':'
 *     escaped as \057 and \072) — unique per delivery, never a real pid or
 *     clock;
 *   - lines end in LF, as Maildir files do on Unix (no "^M" in mutt).
 *
 * mbox (RFC 4155), one file per folder, the layout of a mutt folder
 * directory (`mutt -f DIR/<address>/INBOX`; with `set folder=DIR/<address>`,
 * `c =Junk` opens the next):
 *     DIR/<address>/INBOX, DIR/<address>/Junk, ...
 *   - each message starts with "From <envelope sender> <asctime date>" (the
 *     sender from its Return-Path, MAILER-DAEMON for the null sender; the
 *     UTC delivery date in simulated time), lines end in LF, lines matching
 *     ^>*From  get one more '>' (mboxrd: a reader removes one and gets the
 *     message back exactly), and a blank line follows every message.
 *
 * Addresses and folder names become path components: a name that could
 * leave DIR (mailstore_name_problem) is refused before anything is
 * written, whatever the scenario loader let through. */
#ifndef MAILSIM_EXPORT_H
#define MAILSIM_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "mailstore.h"
#include "sim.h"
#include "util.h"

/* Every host that keeps mailboxes (mta, filter, mailbox roles). False with
 * a message in err on a refused name or an I/O error. */
bool export_maildir(struct sim *sim, const char *dir, char *err, size_t errsz);
bool export_mbox(struct sim *sim, const char *dir, char *err, size_t errsz);

/* One store; pid is the number in the Maildir names' "P" field. */
bool export_store_maildir(const struct mailstore *ms, unsigned pid, const char *dir, char *err,
			  size_t errsz);
bool export_store_mbox(const struct mailstore *ms, const char *dir, char *err, size_t errsz);

/* The text of one folder as an mbox file (appended to out). */
void export_mbox_folder(const struct mfolder *f, struct strbuf *out);

#endif
