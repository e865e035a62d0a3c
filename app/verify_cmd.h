/* verify_cmd.h — `mailsim verify`: check addresses inside a scenario's
 * world the way an address verifier does on the internet (sim/verify.c),
 * and print Reacher-shaped JSON or a table. */
#ifndef MAILSIM_VERIFY_CMD_H
#define MAILSIM_VERIFY_CMD_H

/* The usage lines for the command (main.c puts them in its usage text). */
#define VERIFY_USAGE                                                                     \
	"  mailsim verify FILE [ADDRESS...] [--list FILE] [--json] [--from ADDRESS]\n"  \
	"                    [--trace OUT.jsonl] [--seed N]\n"

extern const char verify_help[];

/* argv holds the arguments after "verify". Exit codes: 0 every address
 * got a verdict, 1 invalid scenario or address list, 2 usage error, 4 I/O. */
int verify_main(int argc, char **argv);

#endif
