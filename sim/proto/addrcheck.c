/* addrcheck.c — see addrcheck.h. */
#include "addrcheck.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define LOCAL_MAX 64   /* RFC 5321 §4.5.3.1.1 */
#define DOMAIN_MAX 255 /* RFC 5321 §4.5.3.1.2 */
#define PATH_MAX_ 256  /* RFC 5321 §4.5.3.1.3, without the brackets: 254 */
#define LABEL_MAX 63   /* RFC 1035 §2.3.4 */

/* RFC 5322 §3.2.3 atext. */
static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool is_letdig(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return false;
}

/* RFC 5321 Dot-string: Atom *("." Atom). */
static bool check_dot_string(const char *s, size_t n, char *why, size_t cap)
{
	if (s[0] == '.' || s[n - 1] == '.')
		return fail(why, cap, "the local part starts or ends with a dot (RFC 5322 section 3.4.1 dot-atom)");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' && s[i + 1] == '.')
			return fail(why, cap, "two dots in a row in the local part (RFC 5322 section 3.4.1 dot-atom)");
		if (c != '.' && !is_atext(c)) {
			if (c == ' ' || c == '\t')
				return fail(why, cap, "a space in the local part (only allowed inside quotes)");
			if (c < 0x20 || c >= 0x7f)
				return fail(why, cap, "byte 0x%02x in the local part (RFC 5321 allows ASCII only without SMTPUTF8)", c);
			return fail(why, cap, "character '%c' is not allowed in an unquoted local part (RFC 5322 atext)", c);
		}
	}
	return true;
}

/* RFC 5321 Quoted-string: DQUOTE *QcontentSMTP DQUOTE. */
static bool check_quoted(const char *s, size_t n, char *why, size_t cap)
{
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' && i + 2 < n && s[i + 1] >= 32 && s[i + 1] <= 126) {
			i++;
			continue;
		}
		if (c < 32 || c > 126 || c == '"' || c == '\\')
			return fail(why, cap, "a quoted local part holds a character it may not (RFC 5321 qtextSMTP)");
	}
	return true;
}

/* RFC 5321 Domain: sub-domain *("." sub-domain), sub-domain = Let-dig
 * [Ldh-str]. A verifier wants a name that DNS can answer: at least two
 * labels (a bare top-level name has no MX in practice). */
static bool check_domain(const char *d, size_t n, char *why, size_t cap)
{
	if (n == 0)
		return fail(why, cap, "nothing after the @: the domain is missing");
	if (n > DOMAIN_MAX)
		return fail(why, cap, "the domain is longer than %d octets (RFC 5321 section 4.5.3.1.2)", DOMAIN_MAX);
	size_t labels = 0;
	for (size_t i = 0; i < n;) {
		size_t e = i;
		while (e < n && d[e] != '.')
			e++;
		size_t len = e - i;
		if (len == 0)
			return fail(why, cap, "an empty label in the domain (a dot at its start or end, or two in a row)");
		if (len > LABEL_MAX)
			return fail(why, cap, "a domain label is longer than %d octets (RFC 1035 section 2.3.4)", LABEL_MAX);
		if (!is_letdig((unsigned char)d[i]) || !is_letdig((unsigned char)d[e - 1]))
			return fail(why, cap, "domain label '%.*s' must start and end with a letter or digit (RFC 5321 section 4.1.2)",
				    (int)len, d + i);
		for (size_t k = i; k < e; k++)
			if (!is_letdig((unsigned char)d[k]) && d[k] != '-')
				return fail(why, cap, "character '%c' is not allowed in a domain name (RFC 5321 section 4.1.2)", d[k]);
		labels++;
		i = e + 1;
		if (e == n - 1)
			return fail(why, cap, "the domain ends with a dot");
	}
	if (labels < 2)
		return fail(why, cap, "the domain '%.*s' has a single label: no mail domain is a bare top-level name", (int)n, d);
	return true;
}

bool addr_check_syntax(const char *input, char *user, size_t ucap, char *domain, size_t dcap,
		       bool *literal, char *why, size_t whycap)
{
	size_t n = strlen(input);
	*literal = false;
	if (n == 0)
		return fail(why, whycap, "the address is empty");
	if (n > PATH_MAX_ - 2)
		return fail(why, whycap, "the address is longer than 254 octets (RFC 5321 section 4.5.3.1.3)");
	/* The @ that separates: after a quoted local part, else the last one. */
	const char *at;
	if (input[0] == '"') {
		const char *q = input + 1;
		while (*q && *q != '"')
			q += (*q == '\\' && q[1]) ? 2 : 1;
		if (*q != '"')
			return fail(why, whycap, "the quoted local part is not closed");
		at = q + 1;
		if (*at != '@')
			return fail(why, whycap, "the quoted local part must be followed by @");
	} else {
		at = strrchr(input, '@');
		if (!at)
			return fail(why, whycap, "no @: an address is local-part@domain");
	}
	size_t ln = (size_t)(at - input), dn = n - ln - 1;
	if (ln == 0)
		return fail(why, whycap, "nothing before the @: the local part is missing");
	if (ln > LOCAL_MAX)
		return fail(why, whycap, "the local part is longer than %d octets (RFC 5321 section 4.5.3.1.1)", LOCAL_MAX);
	if (input[0] == '"' ? !check_quoted(input, ln, why, whycap) : !check_dot_string(input, ln, why, whycap))
		return false;
	const char *d = at + 1;
	if (d[0] == '[') { /* address literal, RFC 5321 §4.1.3 */
		if (dn < 3 || d[dn - 1] != ']')
			return fail(why, whycap, "an address literal must be closed by ]");
		*literal = true;
	} else if (!check_domain(d, dn, why, whycap)) {
		return false;
	}
	if (ln >= ucap || dn >= dcap)
		return fail(why, whycap, "the address is too long");
	memcpy(user, input, ln);
	user[ln] = '\0';
	for (size_t i = 0; i < dn; i++)
		domain[i] = (char)((d[i] >= 'A' && d[i] <= 'Z') ? d[i] + 32 : d[i]);
	domain[dn] = '\0';
	return true;
}

/* Reacher's list is in this spirit (email-facts §11.1); RFC 2142 names
 * the mailboxes every domain should have. */
static const char *const role_names[] = {
	"abuse", "admin", "administrator", "billing", "contact", "help", "hostmaster", "info",
	"marketing", "noc", "noreply", "no-reply", "office", "postmaster", "sales", "security",
	"support", "webmaster", "hello", "team", "jobs", "careers", "press", "mailer-daemon",
};

bool addr_is_role(const char *username)
{
	size_t n = strcspn(username, "+"); /* "support+tickets" is still support */
	for (size_t i = 0; i < ARRAY_LEN(role_names); i++)
		if (strlen(role_names[i]) == n && ascii_strncaseeq(username, role_names[i], n))
			return true;
	return false;
}

/* Well-known disposable providers (the public lists hold thousands). */
static const char *const disposable_domains[] = {
	"10minutemail.com", "guerrillamail.com", "guerrillamail.net", "mailinator.com",
	"maildrop.cc",      "sharklasers.com",   "trashmail.com",     "yopmail.com",
	"temp-mail.org",    "dispostable.com",   "getnada.com",       "throwawaymail.com",
	"mailnesia.com",    "mintemail.com",     "spamgourmet.com",   "tempmail.net",
};

/* domain is d or a subdomain of d. */
static bool under(const char *domain, const char *d)
{
	size_t n = strlen(domain), k = strlen(d);
	if (n < k || !ascii_strcaseeq(domain + n - k, d))
		return false;
	return n == k || domain[n - k - 1] == '.';
}

bool addr_is_disposable(const char *domain, const char *const *extra, size_t nextra)
{
	for (size_t i = 0; i < ARRAY_LEN(disposable_domains); i++)
		if (under(domain, disposable_domains[i]))
			return true;
	for (size_t i = 0; i < nextra; i++)
		if (under(domain, extra[i]))
			return true;
	return false;
}
