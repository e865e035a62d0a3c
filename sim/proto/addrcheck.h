/* addrcheck.h — the checks an address verifier makes without the network
 * (Reacher / check-if-email-exists' "syntax" and "misc" parts): RFC 5321
 * mailbox syntax with the reason when it is not, role accounts, and
 * disposable-address providers. Pure functions, no simulator types. */
#ifndef MAILSIM_ADDRCHECK_H
#define MAILSIM_ADDRCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 5321 §4.1.2 Mailbox = Local-part "@" Domain, within the §4.5.3.1
 * limits (local part 64 octets, domain 255, path 256). On success the
 * username and the lower-cased domain are copied out; else why says what
 * is wrong, in plain words with the rule. An address literal
 * ("user@[192.0.2.1]") is valid syntax; *literal is then set. */
bool addr_check_syntax(const char *input, char *user, size_t ucap, char *domain, size_t dcap,
		       bool *literal, char *why, size_t whycap);
/* A local part that names a function, not a person (postmaster, abuse,
 * info, noreply...), compared without case and without a "+tag". */
bool addr_is_role(const char *username);
/* A domain of a well-known disposable-address provider (built-in list),
 * or one of extra[] (the scenario's additions); subdomains count too. */
bool addr_is_disposable(const char *domain, const char *const *extra, size_t nextra);

#endif
