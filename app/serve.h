/* serve.h — `mailsim serve`: one MTA of a scenario on a real TCP socket.
 *
 * The whole simulated world of the scenario runs with its clock following
 * the wall clock; real clients are plugged into the served host's SMTP
 * listener through net_inject(), so the scenario's users, limits and
 * policy apply unchanged and every live line is in the trace. */
#ifndef MAILSIM_SERVE_H
#define MAILSIM_SERVE_H

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

/* argv holds the arguments after "serve". Runs until SIGINT/SIGTERM.
 * Exit codes as for the other commands: 0 ok (clean shutdown), 1 invalid
 * scenario, 2 usage error, 3 a message not accounted for, 4 I/O. */
int serve_main(int argc, char **argv);

#endif
