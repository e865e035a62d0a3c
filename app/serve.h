/* serve.h — `mailsim serve`: one MTA of a scenario on a real TCP socket.
 *
 * The whole simulated world of the scenario runs with its clock following
 * the wall clock; real clients are plugged into the served host's SMTP
 * listener through net_inject(), so the scenario's users, limits and
 * policy apply unchanged and every live line is in the trace. */
#ifndef MAILSIM_SERVE_H
#define MAILSIM_SERVE_H

#include "serve_opts.h" /* SERVE_USAGE */

/* argv holds the arguments after "serve". Runs until SIGINT/SIGTERM.
 * Exit codes as for the other commands: 0 ok (clean shutdown), 1 invalid
 * scenario, 2 usage error, 3 a message not accounted for, 4 I/O. */
int serve_main(int argc, char **argv);

#endif
