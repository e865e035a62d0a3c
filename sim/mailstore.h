/* mailstore.h — the mailboxes a host keeps for its local users: per user
 * a set of folders (INBOX first), each an ordered list of stored messages
 * with IMAP-style flags. export.c writes them out as Maildir and mbox.
 *
 * Invariants: messages are stored whole or not at all; folder and message
 * order is insertion order (deterministic output); every delivery gets the
 * next number of its store's counter (part of its Maildir name).
 *
 * Where the bytes live: a stored message is kept until the run ends (or
 * until it is expunged), while the simulator's other objects come and go
 * by the thousand per message. Stored messages are therefore written into
 * the store's own large blocks (MS_BLOCK_BYTES, one block of its own for a
 * larger message), not malloc'ed one by one among the short-lived objects:
 * at a million messages, a heap in which 800,000 kept messages sit between
 * the churning small objects spent a quarter of its time coalescing free
 * chunks. A block is freed when its last message is removed; when the
 * bytes of removed messages left in blocks outgrow the stored ones, the
 * survivors move to fresh blocks (so a pointer to a message's bytes is
 * good until the next removal). */
#ifndef MAILSIM_MAILSTORE_H
#define MAILSIM_MAILSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strmap.h"

enum {
	MFLAG_SEEN = 1 << 0,
	MFLAG_ANSWERED = 1 << 1,
	MFLAG_FLAGGED = 1 << 2,
	MFLAG_DELETED = 1 << 3,
	MFLAG_DRAFT = 1 << 4,
};

struct ms_block;

struct stored_msg {
	char *data;        /* in blk, CRLF line ends, NUL after len bytes */
	size_t len;
	unsigned flags;
	uint32_t uid;
	int64_t stored_at; /* simulated µs */
	int64_t unix_us;   /* wall date of delivery (Maildir name, mbox From_ line) */
	uint64_t seq;      /* the store's delivery counter at delivery: 1, 2, ... */
	bool noticed;      /* a retrieval client has read it: no longer new (Maildir cur/) */
	char *tag;         /* in blk: scenario message id for the trace */
	struct ms_block *blk; /* owned share: the block data and tag live in */
	bool recent;       /* no IMAP session has been told of it yet [RFC 3501 §2.3.2] */
	char *uniq;        /* owned or NULL: a fixed Maildir unique name (live mode: derived
			    * from the spool id, so a delivery replayed after a crash
			    * overwrites its first copy instead of adding one) */
};

struct mfolder {
	char *name;        /* owned */
	struct stored_msg *msgs; /* owned */
	size_t n, cap;
	uint32_t next_uid;
};

struct mailstore;

struct mbox_user {
	struct mailstore *ms; /* not owned: the store it belongs to */
	char *address;     /* owned */
	char *key;         /* owned: the address in lower case (the store's index) */
	char *password;    /* owned */
	int64_t quota;     /* 0 = none */
	int64_t usage;     /* octets of all its stored messages (kept, not counted) */
	struct mfolder *folders; /* owned, INBOX first */
	size_t nfolders;
};

/* Told after a message was stored in user u's folder (the host's new-mail
 * notification, e.g. for IMAP IDLE). It must not store into ms itself. */
typedef void (*mailstore_watch_fn)(void *ud, struct mbox_user *u, const char *folder);

struct mailstore_watch {
	mailstore_watch_fn fn;
	void *ud;
};

struct mailstore {
	char *hostname;    /* owned: for Maildir unique names */
	struct mbox_user *users; /* owned */
	size_t nusers, capusers;
	struct strmap by_key;    /* lower-case address -> index in users: a
				  * campaign's world holds 100,000 mailboxes */
	uint64_t counter;  /* deliveries so far */
	struct ms_block *fill; /* the block new messages go into; NULL at first */
	size_t live, dead;     /* bytes of stored messages in blocks; of removed ones
				* still there (compacted away when more than live) */
	unsigned long compactions;
	struct mailstore_watch *watch; /* owned array */
	size_t nwatch;
};

struct mailstore *mailstore_new(const char *hostname);
void mailstore_free(struct mailstore *ms);
struct mbox_user *mailstore_add_user(struct mailstore *ms, const char *address,
				     const char *password, int64_t quota);
struct mbox_user *mailstore_user(struct mailstore *ms, const char *address);
/* Subscribe to "message stored" notifications (in subscription order). */
void mailstore_watch(struct mailstore *ms, mailstore_watch_fn fn, void *ud);
/* Also accepts a bare local part when it is unique in the store. */
struct mbox_user *mailstore_login(struct mailstore *ms, const char *user, const char *pass);
struct mfolder *mbox_folder(struct mbox_user *u, const char *name, bool create);
/* Octets of all of u's stored messages (what a quota counts). */
int64_t mbox_usage(const struct mbox_user *u);
/* Store a copy of the message (recent, no flags) and tell the watchers. */
struct stored_msg *mbox_store(struct mbox_user *u, const char *folder, const char *data,
			      size_t len, int64_t now, int64_t unix_us, const char *tag);
/* The same with the message in two pieces, head then rest (a header
 * field the delivery adds, then the message it received), copied once. */
struct stored_msg *mbox_store2(struct mbox_user *u, const char *folder, const char *head,
			       size_t hlen, const char *rest, size_t rlen, int64_t now,
			       int64_t unix_us, const char *tag);
/* Remove message i of u's folder f (IMAP EXPUNGE, POP3 DELE). */
void mfolder_remove(struct mbox_user *u, struct mfolder *f, size_t i);

/* Mailbox addresses and folder names become file and directory names when
 * the store is exported. NULL when name (len bytes, which may hold a NUL)
 * is safe as one path component; else what is wrong with it ("contains
 * \"/\""...): empty, a NUL, '/', a backslash, a control character, "..",
 * or a leading '.' (hidden, and the Maildir++ folder separator). */
const char *mailstore_name_problem(const char *name, size_t len);

#endif
