/* srs.c — see srs.h. */
#include "srs.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char base32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static void timestamp(int64_t unix_day, char out[3])
{
	int t = (int)(((unix_day % 1024) + 1024) % 1024);
	out[0] = base32[t >> 5];
	out[1] = base32[t & 31];
	out[2] = '\0';
}

static int timestamp_value(const char *tt)
{
	int v = 0;
	for (int i = 0; i < 2; i++) {
		const char *p = strchr(base32, tt[i] >= 'a' && tt[i] <= 'z' ? tt[i] - 32 : tt[i]);
		if (!tt[i] || !p)
			return -1;
		v = v * 32 + (int)(p - base32);
	}
	return v;
}

/* HMAC-SHA1 over the concatenated fields (libsrs2 hashes the fields with
 * the address parts lower-cased), base64, first 4 characters. */
static void hash4(const char *secret, const char *tt, const char *domain, const char *local,
		  char out[5])
{
	struct strbuf data;
	sb_init(&data);
	sb_printf(&data, "%s%s%s", tt, domain, local);
	ascii_lower(data.data);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)data.data, data.len, mac,
	     &maclen);
	char *b = b64_encode(mac, maclen);
	memcpy(out, b, 4);
	out[4] = '\0';
	free(b);
	sb_free(&data);
}

bool srs_is_srs(const char *addr)
{
	return ascii_startswith_ci(addr, "SRS0=") || ascii_startswith_ci(addr, "SRS1=");
}

bool srs_forward(const char *secret, const char *sender, const char *alias_domain,
		 int64_t unix_day, char *out, size_t cap)
{
	const char *at = strrchr(sender, '@');
	if (!at || at == sender)
		return false;
	char local[256];
	snprintf(local, sizeof local, "%.*s", (int)(at - sender), sender);
	const char *domain = at + 1;
	if (ascii_startswith_ci(local, "SRS0=")) {
		/* Already rewritten once: SRS1=HHHH=first-forwarder==rest. */
		char h[5];
		hash4(secret, "", domain, local + 5, h);
		return snprintf(out, cap, "SRS1=%s=%s==%s@%s", h, domain, local + 5, alias_domain) <
		       (int)cap;
	}
	char tt[3], h[5];
	timestamp(unix_day, tt);
	hash4(secret, tt, domain, local, h);
	return snprintf(out, cap, "SRS0=%s=%s=%s=%s@%s", h, tt, domain, local, alias_domain) <
	       (int)cap;
}

bool srs_reverse(const char *secret, const char *srs_addr, int64_t unix_day, char *out, size_t cap,
		 const char **why)
{
	*why = "not an SRS0 address";
	if (!ascii_startswith_ci(srs_addr, "SRS0="))
		return false;
	char buf[512];
	snprintf(buf, sizeof buf, "%s", srs_addr + 5);
	char *at = strrchr(buf, '@');
	if (at)
		*at = '\0';
	/* HHHH=TT=domain=local (the local part may itself contain '='). */
	char *h = buf, *tt = strchr(h, '='), *dom, *local;
	if (!tt || !(dom = strchr(tt + 1, '=')) || !(local = strchr(dom + 1, '='))) {
		*why = "malformed SRS0 address";
		return false;
	}
	*tt++ = '\0';
	*dom++ = '\0';
	*local++ = '\0';
	char want[5];
	hash4(secret, tt, dom, local, want);
	if (!ascii_strcaseeq(h, want)) {
		*why = "hash does not match (forged or altered bounce address)";
		return false;
	}
	int then = timestamp_value(tt), today = (int)(((unix_day % 1024) + 1024) % 1024);
	if (then < 0 || ((today - then + 1024) % 1024) > SRS_MAX_AGE_DAYS) {
		*why = "timestamp too old";
		return false;
	}
	*why = "";
	return snprintf(out, cap, "%s@%s", local, dom) < (int)cap;
}
