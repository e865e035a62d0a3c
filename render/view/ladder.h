/* ladder.h — the sequence (ladder) diagram of the current conversation, as
 * data: which rows show at a cursor, their direction, colour class and
 * whether they travel inside TLS.
 *
 * The current conversation is the connection of the latest event at or
 * before the cursor that has one. Rows are that connection's events up to
 * the cursor, in trace order. Invariants: row text is borrowed from the
 * model (valid while it lives); rows after tls.ok are marked encrypted. */
#ifndef MAILSIM_LADDER_H
#define MAILSIM_LADDER_H

#include <stdbool.h>
#include <stddef.h>

#include "trace_model.h"

enum lad_class {
	LAD_CMD,    /* a client command or the message body */
	LAD_2XX,    /* success: 2xx, IMAP OK, POP3 +OK */
	LAD_3XX,    /* go on: 3xx, IMAP/SASL "+" continuation */
	LAD_4XX,    /* transient failure: 4xx, IMAP NO, TLS failure */
	LAD_5XX,    /* permanent failure: 5xx, IMAP BAD, POP3 -ERR */
	LAD_INFO,   /* connection events, untagged data */
	LAD_CLASS_COUNT
};

enum lad_row_kind { LAD_ARROW, LAD_NOTE };

struct lad_row {
	size_t ev;          /* event index */
	enum lad_row_kind kind;
	bool c2s;           /* arrows: client (left) to server (right) */
	enum lad_class cls;
	bool encrypted;
	const char *text;   /* borrowed from the model */
};

struct lad_view {
	long conn;          /* -1: no conversation yet */
	int client, server; /* node indices, -1 when unknown */
	struct lad_row *rows; /* owned */
	size_t nrows, cap;
};

void lad_init(struct lad_view *v);
void lad_free(struct lad_view *v);
/* Rebuild v for the cursor (an event index; -1 = before the trace). */
void lad_build(struct lad_view *v, const struct tm_model *m, long cursor);

/* Colour class of a protocol line travelling server to client. */
enum lad_class lad_reply_class(enum tm_kind kind, const char *line);

#endif
