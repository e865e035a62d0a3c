/* spf_macro.h — RFC 7208 §7 macro-strings: syntax checks and expansion
 * (spf_macro.c), and the ABNF character classes the record parser shares. */
#ifndef MAILSIM_SPF_MACRO_H
#define MAILSIM_SPF_MACRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* What the macro letters expand to [§7.3]; d is passed per call. */
struct spf_macro_vars {
	const char *sender;      /* %{s} */
	const char *local;       /* %{l} */
	const char *sender_dom;  /* %{o} */
	const char *ip_i;        /* %{i} */
	const char *ip_c;        /* %{c} */
	const char *helo;        /* %{h} */
	const char *receiver;    /* %{r} */
	bool ip6;                /* %{v}: "ip6" or "in-addr" */
	int64_t now;             /* %{t} */
	const char *const *pnames; /* validated PTR names, for %{p} */
	size_t npnames;
};

static inline bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

/* macro-string [§7.1] (exp_text: the explanation string's letters c r t
 * too); whether it uses %{p}; domain-spec = macro-string domain-end. */
bool spf_macro_string_ok(const char *str, bool exp_text);
bool spf_macro_uses_p(const char *str, bool exp_text);
bool spf_domain_spec_ok(const char *spec);
/* Expand a syntax-checked macro-string for the current <domain> d /
 * expand a domain-spec into a <target-name> (at most 253 octets). */
void spf_macro_expand(const struct spf_macro_vars *v, const char *in, const char *d, bool exp_text,
		      struct strbuf *out);
char *spf_expand_domain(const struct spf_macro_vars *v, const char *spec, const char *d);

#endif
