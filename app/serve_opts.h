/* serve_opts.h — `mailsim serve`'s options: the table, their ranges and
 * defaults, and the checks between them (serve.c runs the server). */
#ifndef MAILSIM_SERVE_OPTS_H
#define MAILSIM_SERVE_OPTS_H

#include <stdbool.h>
#include <stdint.h>

/* The usage lines for the command (main.c puts them in its usage text). */
#define SERVE_USAGE                                                                          \
	"  mailsim serve FILE --host NAME [--listen [HOST:]PORT]\n"                             \
	"                   [--port-kind smtp|submission|submissions]\n"                       \
	"                   [--imap [HOST:]PORT] [--imaps [HOST:]PORT]\n"                       \
	"                   [--pop3 [HOST:]PORT] [--pop3s [HOST:]PORT]\n"                       \
	"                   [--tls-cert FILE --tls-key FILE] [--allow-plain-auth]\n"            \
	"                   [--trace OUT.jsonl] [--transcript] [--maildir DIR] [--seed N]\n"    \
	"                   [--idle-timeout SECONDS | --timeout-scale F] [--max-clients N]\n"   \
	"                   [--spool DIR] [--max-per-ip N] [--max-conn-rate N]\n"              \
	"                   [--max-auth-failures N] [--session-limit SECONDS]\n"               \
	"                   [--no-scenario-traffic] [--allow-remote]\n"

#define DEFAULT_LISTEN "127.0.0.1:2525"
#define DEFAULT_MAX_PER_IP 50    /* Postfix smtpd_client_connection_count_limit */
#define DEFAULT_MAX_AUTH_FAILURES 5
#define DEFAULT_SESSION_LIMIT_S 1800.0

/* The retrieval listeners' options, in the order of struct serve_opts. */
extern const char *const serve_retrieval_kinds[];
#define NRETRIEVAL 4
#define MAX_LISTENERS (1 + NRETRIEVAL)

struct serve_opts {
	const char *file, *host, *listen, *trace_path, *maildir, *port_kind, *spool;
	const char *retrieval[NRETRIEVAL]; /* --imap --imaps --pop3 --pop3s, or NULL */
	const char *tls_cert, *tls_key;
	bool allow_remote, transcript, no_traffic, has_seed, allow_plain_auth;
	uint64_t seed;
	double idle_timeout;   /* seconds; 0 = not given */
	double timeout_scale;  /* 0 = not given */
	double max_clients;
	double max_per_ip, max_conn_rate, max_auth_failures; /* anvil.h; 0 = off */
	double session_limit;  /* seconds a client may stay connected */
};

/* Fills *o from argv (the arguments after "serve"): 0, or 2 after printing
 * what was wrong and the usage. */
int serve_parse_opts(int argc, char **argv, struct serve_opts *o);

/* Prints "mailsim: serve: " and the message, then the usage; returns 2. */
int serve_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
