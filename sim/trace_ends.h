/* trace_ends.h — what the JSONL writer remembers of each connection, so
 * later events of a conn can leave out what its first event said.
 *
 * The trace contract (ARCHITECTURE.md, "Implied fields"): the first event
 * of a conn that names both node and peer fixes its two ends — node is the
 * server when that event is net.accept or an s2c line, else the client.
 * After a conn's tls.ok, its lines are encrypted. Every reader (the
 * viewer's trace model, scripts/trace-expand, the Python tests) applies
 * the same rule, so nothing is lost.
 *
 * Node names are interned once (a run has few hosts); a conn costs 4
 * bytes. Conn ids are the simulator's, dense from 1. A conn the table
 * cannot hold (an id past 2^28, a name past the 32,767th) is not
 * remembered: its events are written whole. */
#ifndef MAILSIM_TRACE_ENDS_H
#define MAILSIM_TRACE_ENDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strmap.h"

struct trace_ends {
	struct strmap ids;   /* name -> index into names */
	char **names;        /* owned, interned node names */
	size_t nnames, capnames;
	uint16_t *conn;      /* owned; per conn id: 2 halves (client+1, server+1; 0 unknown),
			      * the top bit of the client half is "TLS is up" */
	uint16_t *port;      /* owned; per conn id: the port its events say (0 unknown) */
	size_t capconn;      /* conn ids held */
};

void tends_init(struct trace_ends *te);
void tends_free(struct trace_ends *te);
/* The ends of conn, or false when unknown. */
bool tends_get(const struct trace_ends *te, long conn, const char **client,
	       const char **server, bool *tls);
/* Fix the ends of a conn not known yet. */
void tends_learn(struct trace_ends *te, long conn, const char *client, const char *server);
/* The conn's TLS handshake succeeded (a known conn only). */
void tends_tls_up(struct trace_ends *te, long conn);
/* Whether port is the one the conn's events said first (a known conn);
 * the first one said becomes it. */
bool tends_same_port(struct trace_ends *te, long conn, uint16_t port);

/* What the writer said last under a key (ARCHITECTURE.md, "Implied
 * fields": a dns.cache that repeats the last one of its node for a name
 * and type). Keys and values are the JSONL text itself, so two are the
 * same exactly when they read the same. */
struct trace_said {
	struct strmap ids;   /* key -> index */
	char **keys, **vals; /* owned */
	size_t n, cap;
};

void tsaid_init(struct trace_said *ts);
void tsaid_free(struct trace_said *ts);
/* Whether val (len bytes) is what was said last under key; when not, it
 * becomes what was said. */
bool tsaid_repeat(struct trace_said *ts, const char *key, const char *val, size_t len);

#endif
