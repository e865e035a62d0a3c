/* auth.h — vocabulary shared by the sans-IO sender-authentication and
 * filtering checks (SPF, DKIM, DMARC, DNSBL ...).
 *
 * Each check is a small state machine the MTA drives: X_step() either says
 * which DNS query it needs next (AUTH_NEED_DNS, with qname/qtype filled in)
 * or that it has finished (AUTH_DONE). The MTA sends the query through its
 * resolver (a real dns.query trace event) and hands the answer back with
 * X_answer() — NULL meaning the query timed out (a temperror) — then calls
 * X_step() again. Nothing in a check touches sockets, the engine or a clock.
 *
 * Keep this header to this enum and tiny helpers: several modules share it. */
#ifndef MAILSIM_AUTH_H
#define MAILSIM_AUTH_H

enum auth_step {
	AUTH_NEED_DNS, /* make the query the step call filled in, then X_answer() */
	AUTH_DONE      /* the result is final; read it with X_result() */
};

#endif
