/* serve_state.h — the state `mailsim serve` keeps (serve.c runs the poll
 * loop over it; serve_setup.c builds it from the options and the scenario).
 * Private to those two files. */
#ifndef MAILSIM_SERVE_STATE_H
#define MAILSIM_SERVE_STATE_H

#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "listen.h"
#include "serve_opts.h"
#include "tls_link.h"
#include "util.h"

#define RFC_IDLE_TIMEOUT_S 300.0 /* RFC 5321 §4.5.3.2.7, Postfix smtpd_timeout */

struct serve;

struct lconn {
	struct serve *sv;
	int fd;                  /* -1 once the socket is closed */
	struct tls_link link;    /* plaintext or TLS on fd (its TLS side owned) */
	struct conn *c;          /* the sim connection (owned by the net) */
	struct strbuf in;        /* read from the socket, not yet handed over */
	struct strbuf out;       /* from the server, not yet written */
	size_t out_pos;
	bool greeted;            /* the server has said something: start reading */
	bool eof;                /* the client will send nothing more */
	bool hup;                /* poll reported a hang-up */
	bool srv_closed;         /* the server closed its side */
	bool released;           /* we closed the sim connection's client side */
	bool expired;            /* the whole-session limit was applied */
	int64_t opened;          /* live_now() at accept */
	char ip[INET6_ADDRSTRLEN];
};

struct serve {
	struct serve_opts o;
	struct scenario *scn;
	bool adapted;            /* adapt_scenario() ran: restore before scn_free */
	size_t scn_nmessages;
	bool *scn_fetch;
	struct world *w;
	struct sim *sim;
	struct host *srv;
	struct host **live;      /* the live hosts (owned by the sim), one per peer IP */
	size_t nlive;
	struct listen_sock ls[MAX_LISTENERS]; /* ls[0]: --listen (SMTP), then retrieval */
	size_t nls;
	struct tls_server *tls;  /* owned */
	struct scn_host *srv_cfg; /* the served host's scenario entry (in scn) */
	unsigned saved_services; /* the served host's, before adapt_scenario */
	bool saved_tls;
	int64_t t0;              /* monotonic µs at start */
	int64_t accept_pause_until, last_flush;
	FILE *trace;
	struct spool *spool;     /* accepted mail, on disk until delivered (spool.h) */
	struct anvil *anvil;     /* per-address limits (anvil.h) */
	struct lconn **conns;
	size_t nconns, capconns;
	struct pollfd *pfd;
	struct lconn **pconn;    /* parallel to pfd[1..] */
	size_t cap_pfd;
	long accepted, turned_away, max_at_once;
};

/* Monotonic microseconds; the simulated "now" (µs since start). */
int64_t serve_mono_us(void);
int64_t serve_now(const struct serve *sv);

/* Loads the scenario, opens the listeners, TLS, the world, the trace, the
 * spool and the limits: 0, or the exit code (the message printed). */
int serve_setup(struct serve *sv);
/* Undoes serve_setup's changes to the scenario in memory (before scn_free). */
void serve_restore_scenario(struct serve *sv);

#endif
