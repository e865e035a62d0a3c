/* dkim.c — DKIM signing and verification (RFC 6376, RFC 8301) over
 * libcrypto. See dkim.h for the API and the result mapping.
 *
 * Structure: canonicalization (§3.4) and header-field splitting are plain
 * text functions; the signed data (§3.7) is built by one function used by
 * both the signer and the verifier, so the two cannot drift apart; the
 * crypto is EVP_Digest (body hash) and EVP_DigestSign/Verify (rsa-sha256 =
 * RSASSA-PKCS1-v1_5 with SHA-256, which is deterministic).
 *
 * Invariants:
 *  - Header fields are spans of the message copy: [off, off+len) without the
 *    final CRLF, folds included; name_len covers the name without the WSP
 *    that may precede the colon.
 *  - Each signature is either finished (result set) or waiting for exactly
 *    one TXT query; signatures are handled top to bottom, one at a time.
 *  - Nothing reads the clock: x= is compared with the `now` passed in.
 *
 * The tag=value lists (§3.2) are dkim_tags.c. Still about 1,000 lines on
 * purpose: signing and verification share the canonicalization, the
 * header-field spans, the key handling and the one function that builds
 * the signed data; keeping them in one file is what keeps the signer and
 * the verifier from drifting apart. */
#include "dkim.h"
#include "dkim_tags.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define DKIM_SHA256_LEN 32
#define DKIM_MIN_RSA_BITS 1024 /* RFC 8301 §3.2 */
#define DKIM_FOLD_WIDTH 76     /* signer's line length; a tab counts as 8 */
#define DKIM_SIG_FIELD "DKIM-Signature"

static const char *const default_sign_headers[] = {
	"From", "To", "Subject", "Date", "Message-ID", "MIME-Version"
};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* libcrypto failing on valid input means memory exhaustion; like x*alloc. */
static void crypto_fatal(const char *what)
{
	fprintf(stderr, "dkim: libcrypto %s failed\n", what);
	abort();
}

static void set_err(char *err, size_t errsz, const char *msg)
{
	if (err && errsz)
		snprintf(err, errsz, "%s", msg);
}

/* ---- canonicalization [RFC 6376 §3.4] ---------------------------------- */

/* Relaxed body line (§3.4.4): WSP runs -> one SP, WSP at line end dropped. */
static void canon_relaxed_line(const char *s, size_t len, struct strbuf *out)
{
	bool space = false;
	for (size_t i = 0; i < len; i++) {
		if (is_wsp(s[i])) {
			space = true;
			continue;
		}
		if (space)
			sb_putc(out, ' ');
		space = false;
		sb_putc(out, s[i]);
	}
}

void dkim_canon_body(enum dkim_canon c, const char *body, size_t len, struct strbuf *out)
{
	/* Empty lines are held back and only written when a non-empty line
	 * follows: both algorithms ignore empty lines at the end (§3.4.3-4).
	 * A last line without CRLF gets one. */
	size_t pending = 0, emitted = 0, i = 0;
	struct strbuf line;
	sb_init(&line);
	while (i < len) {
		const char *crlf = NULL;
		for (size_t j = i; j + 1 < len && !crlf; j++)
			if (body[j] == '\r' && body[j + 1] == '\n')
				crlf = body + j;
		size_t n = crlf ? (size_t)(crlf - (body + i)) : len - i;
		sb_clear(&line);
		if (c == DKIM_RELAXED)
			canon_relaxed_line(body + i, n, &line);
		else
			sb_append(&line, body + i, n);
		if (line.len == 0) {
			pending++;
		} else {
			for (; pending; pending--)
				sb_append(out, "\r\n", 2);
			sb_append(out, line.data, line.len);
			sb_append(out, "\r\n", 2);
			emitted++;
		}
		i += n + (crlf ? 2 : 0);
	}
	sb_free(&line);
	/* Simple: an empty body is one CRLF (§3.4.3); relaxed: nothing (§3.4.4). */
	if (c == DKIM_SIMPLE && emitted == 0)
		sb_append(out, "\r\n", 2);
}

/* Relaxed header (§3.4.2): name lower-cased without WSP before the colon;
 * value unfolded (CRLF removed), WSP runs -> one SP, WSP at both ends of the
 * value removed. */
static void canon_relaxed_header(const char *s, size_t len, struct strbuf *out)
{
	const char *colon = memchr(s, ':', len);
	size_t name_len = colon ? (size_t)(colon - s) : len;
	size_t name_end = name_len;
	while (name_end > 0 && is_wsp(s[name_end - 1]))
		name_end--;
	for (size_t i = 0; i < name_end; i++) {
		char ch = s[i];
		sb_putc(out, (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch);
	}
	if (!colon)
		return;
	sb_putc(out, ':');
	bool space = false, started = false;
	for (size_t i = name_len + 1; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			i++; /* unfold: the CRLF goes, the WSP after it stays */
			continue;
		}
		if (is_wsp(s[i])) {
			space = started;
			continue;
		}
		if (space)
			sb_putc(out, ' ');
		space = false;
		started = true;
		sb_putc(out, s[i]);
	}
}

static void canon_header_n(enum dkim_canon c, const char *s, size_t len, struct strbuf *out)
{
	if (c == DKIM_RELAXED)
		canon_relaxed_header(s, len, out);
	else
		sb_append(out, s, len); /* simple: unchanged (§3.4.1) */
}

void dkim_canon_header(enum dkim_canon c, const char *name_and_value, struct strbuf *out)
{
	canon_header_n(c, name_and_value, strlen(name_and_value), out);
}

/* ---- header fields ------------------------------------------------------- */

struct dkim_field {
	size_t off, len;  /* the field without its final CRLF, folds included */
	size_t name_len;  /* 0 if the line has no colon */
};

struct dkim_fields {
	struct dkim_field *f;
	size_t n;
	size_t body_off;  /* first byte after the empty line; len if none */
};

static size_t line_end(const char *msg, size_t len, size_t from)
{
	for (size_t i = from; i + 1 < len; i++)
		if (msg[i] == '\r' && msg[i + 1] == '\n')
			return i;
	return len;
}

static void field_set_name(const char *msg, struct dkim_field *fd)
{
	const char *colon = memchr(msg + fd->off, ':', fd->len);
	size_t n = colon ? (size_t)(colon - (msg + fd->off)) : 0;
	while (n > 0 && is_wsp(msg[fd->off + n - 1]))
		n--;
	fd->name_len = n;
}

/* Split the header block into fields; continuation lines start with WSP. */
static void fields_parse(const char *msg, size_t len, struct dkim_fields *out)
{
	size_t cap = 0, pos = 0;
	memset(out, 0, sizeof *out);
	out->body_off = len;
	while (pos < len) {
		if (pos + 1 < len && msg[pos] == '\r' && msg[pos + 1] == '\n') {
			out->body_off = pos + 2; /* the empty line ends the header */
			return;
		}
		size_t end = line_end(msg, len, pos);
		while (end + 2 < len && is_wsp(msg[end + 2]))
			end = line_end(msg, len, end + 2);
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->f = xrealloc(out->f, cap * sizeof *out->f);
		}
		struct dkim_field *fd = &out->f[out->n++];
		fd->off = pos;
		fd->len = end - pos;
		field_set_name(msg, fd);
		pos = end + 2;
	}
}

static bool field_is(const char *msg, const struct dkim_field *fd, const char *name)
{
	return fd->name_len == strlen(name) && fd->name_len > 0 &&
	       ascii_strncaseeq(msg + fd->off, name, fd->name_len);
}

/* The header part of the signed data [§3.7, §5.4.2]: for each h= name the
 * last not-yet-used instance, bottom up, canonicalized and CRLF-terminated;
 * a name with no instance left contributes nothing. The signature field
 * being verified (skip) is never selected. Then the DKIM-Signature field
 * itself (b= already emptied), canonicalized, without the final CRLF. */
static void signed_data(const char *msg, const struct dkim_fields *fl, size_t skip,
			const char *const *names, size_t nnames, enum dkim_canon c,
			const char *sig_field, size_t sig_len, struct strbuf *out)
{
	bool *used = xcalloc(fl->n ? fl->n : 1, sizeof *used);
	if (skip < fl->n)
		used[skip] = true;
	for (size_t i = 0; i < nnames; i++) {
		for (size_t j = fl->n; j-- > 0;) {
			if (used[j] || !field_is(msg, &fl->f[j], names[i]))
				continue;
			used[j] = true;
			canon_header_n(c, msg + fl->f[j].off, fl->f[j].len, out);
			sb_append(out, "\r\n", 2);
			break;
		}
	}
	free(used);
	canon_header_n(c, sig_field, sig_len, out);
}

/* ---- keys ---------------------------------------------------------------- */

struct dkim_key {
	EVP_PKEY *pkey;
};

/* Never prompt on a terminal for an encrypted key: there is no passphrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

struct dkim_key *dkim_key_load_pem(const char *pem, char *err, size_t errsz)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	if (!bio)
		crypto_fatal("BIO_new_mem_buf");
	EVP_PKEY *p = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!p) {
		set_err(err, errsz, "not a PEM private key (PKCS#1 or PKCS#8, unencrypted)");
		return NULL;
	}
	if (EVP_PKEY_get_base_id(p) != EVP_PKEY_RSA || EVP_PKEY_get_bits(p) < DKIM_MIN_RSA_BITS) {
		set_err(err, errsz, "DKIM needs an RSA key of at least 1024 bits (RFC 8301 3.2)");
		EVP_PKEY_free(p);
		return NULL;
	}
	struct dkim_key *k = xcalloc(1, sizeof *k);
	k->pkey = p;
	return k;
}

void dkim_key_free(struct dkim_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

char *dkim_key_txt(const struct dkim_key *k)
{
	int n = i2d_PUBKEY(k->pkey, NULL);
	if (n <= 0)
		crypto_fatal("i2d_PUBKEY");
	unsigned char *der = xmalloc((size_t)n), *p = der;
	if (i2d_PUBKEY(k->pkey, &p) != n)
		crypto_fatal("i2d_PUBKEY");
	char *b64 = b64_encode(der, (size_t)n);
	char *txt = xasprintf("v=DKIM1; k=rsa; p=%s", b64);
	free(b64);
	free(der);
	return txt;
}

/* ---- signing -------------------------------------------------------------- */

static const char *canon_name(enum dkim_canon c)
{
	return c == DKIM_RELAXED ? "relaxed" : "simple";
}

static void sha256(const char *data, size_t len, unsigned char out[DKIM_SHA256_LEN])
{
	unsigned int n = 0;
	if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) || n != DKIM_SHA256_LEN)
		crypto_fatal("EVP_Digest");
}

/* Folding writer: words separated by SP or, past the width, CRLF+TAB. */
struct folder {
	struct strbuf sb;
	size_t col;
};

static void fold_word(struct folder *f, const char *w, bool space)
{
	size_t n = strlen(w);
	if (f->col + (space ? 1 : 0) + n > DKIM_FOLD_WIDTH && f->col > 8) {
		sb_puts(&f->sb, "\r\n\t");
		f->col = 8;
	} else if (space) {
		sb_putc(&f->sb, ' ');
		f->col++;
	}
	sb_puts(&f->sb, w);
	f->col += n;
}

/* Long base64 (b=) is cut at the line width: FWS may sit anywhere in it. */
static void fold_b64(struct folder *f, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		if (f->col >= DKIM_FOLD_WIDTH) {
			sb_puts(&f->sb, "\r\n\t");
			f->col = 8;
		}
		size_t room = DKIM_FOLD_WIDTH - f->col, take = n < room ? n : room;
		sb_append(&f->sb, s, take);
		f->col += take;
		s += take;
		n -= take;
	}
}

static bool header_name_ok(const char *h)
{
	if (!*h || strlen(h) > 200)
		return false;
	for (const char *p = h; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == ':' || *p == ';')
			return false;
	return true;
}

static bool sign_opts_ok(const struct dkim_sign_opts *o, const char *const *h, size_t nh,
			 char *err, size_t errsz)
{
	char qname[DNS_NAME_MAX + 1];
	char *q = xasprintf("%s._domainkey.%s", o->selector ? o->selector : "",
			    o->domain ? o->domain : "");
	bool name_ok = o->domain && o->selector && *o->domain && *o->selector &&
		       dns_name_normalize(q, qname, sizeof qname);
	free(q);
	if (!name_ok) {
		set_err(err, errsz, "d= and s= must form a valid <s>._domainkey.<d> name");
		return false;
	}
	bool from = false, names_ok = true;
	for (size_t i = 0; i < nh; i++) {
		from = from || ascii_strcaseeq(h[i], "From");
		names_ok = names_ok && header_name_ok(h[i]);
	}
	if (!names_ok || !from) {
		set_err(err, errsz, names_ok ? "h= must include From (RFC 6376 5.4)"
					     : "h= has an invalid header field name");
		return false;
	}
	if (o->timestamp < 0 || (o->expire && o->expire <= o->timestamp)) {
		set_err(err, errsz, "t= must be >= 0 and x= later than t=");
		return false;
	}
	return true;
}

/* Everything of the header value up to and including "b=". */
static void sign_value_head(const struct dkim_sign_opts *o, const char *const *h, size_t nh,
			    const char *bh, size_t body_len, struct folder *f)
{
	char w[512];
	sb_init(&f->sb);
	f->col = strlen(DKIM_SIG_FIELD ": ");
	sb_puts(&f->sb, "v=1;");
	f->col += 4;
	fold_word(f, "a=rsa-sha256;", true);
	snprintf(w, sizeof w, "c=%s/%s;", canon_name(o->header_canon), canon_name(o->body_canon));
	fold_word(f, w, true);
	snprintf(w, sizeof w, "d=%s;", o->domain);
	fold_word(f, w, true);
	snprintf(w, sizeof w, "s=%s;", o->selector);
	fold_word(f, w, true);
	snprintf(w, sizeof w, "t=%lld;", (long long)o->timestamp);
	fold_word(f, w, true);
	if (o->expire) {
		snprintf(w, sizeof w, "x=%lld;", (long long)o->expire);
		fold_word(f, w, true);
	}
	if (o->body_length) {
		snprintf(w, sizeof w, "l=%zu;", body_len);
		fold_word(f, w, true);
	}
	snprintf(w, sizeof w, "bh=%s;", bh);
	fold_word(f, w, true);
	for (size_t i = 0; i < nh; i++) {
		snprintf(w, sizeof w, "%s%s%s", i ? "" : "h=", h[i], i + 1 < nh ? ":" : ";");
		fold_word(f, w, i == 0);
	}
	fold_word(f, "b=", true);
}

static unsigned char *rsa_sign(EVP_PKEY *pkey, const struct strbuf *data, size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, siglen, (const unsigned char *)data->data, data->len) != 1)
		crypto_fatal("EVP_DigestSign");
	unsigned char *sig = xmalloc(*siglen);
	if (EVP_DigestSign(ctx, sig, siglen, (const unsigned char *)data->data, data->len) != 1)
		crypto_fatal("EVP_DigestSign");
	EVP_MD_CTX_free(ctx);
	return sig;
}

char *dkim_sign(const struct dkim_key *k, const struct dkim_sign_opts *o,
		const char *msg, size_t len, char *err, size_t errsz)
{
	const char *const *h = o->headers ? o->headers : default_sign_headers;
	size_t nh = o->headers ? o->nheaders : ARRAY_LEN(default_sign_headers);
	if (!k || !sign_opts_ok(o, h, nh, err, errsz))
		return NULL;
	struct dkim_fields fl;
	fields_parse(msg, len, &fl);
	struct strbuf body;
	sb_init(&body);
	dkim_canon_body(o->body_canon, msg + fl.body_off, len - fl.body_off, &body);
	unsigned char bh[DKIM_SHA256_LEN];
	sha256(body.data, body.len, bh);
	char *bh64 = b64_encode(bh, sizeof bh);
	struct folder f;
	sign_value_head(o, h, nh, bh64, body.len, &f);
	/* §3.7: the signature field as it will appear, with b= empty. */
	char *field = xasprintf(DKIM_SIG_FIELD ": %s", f.sb.data);
	struct strbuf data;
	sb_init(&data);
	signed_data(msg, &fl, (size_t)-1, h, nh, o->header_canon, field, strlen(field), &data);
	size_t siglen = 0;
	unsigned char *sig = rsa_sign(k->pkey, &data, &siglen);
	char *sig64 = b64_encode(sig, siglen);
	fold_b64(&f, sig64);
	free(sig64);
	free(sig);
	sb_free(&data);
	free(field);
	free(bh64);
	sb_free(&body);
	free(fl.f);
	return sb_steal(&f.sb);
}

/* ---- verification: one signature ----------------------------------------- */

struct dkim_sig {
	size_t field;              /* index of its DKIM-Signature field */
	bool waiting_dns;          /* parsed fine, needs the key */
	bool done;
	enum dkim_result result;
	char reason[96];
	bool testing;              /* key t=y */
	char *domain, *selector;   /* as written; "" until read */
	char qname[DNS_NAME_MAX + 1];
	enum dkim_canon hc, bc;
	char **h;                  /* h= names */
	size_t nh;
	unsigned char *b;          /* decoded b= */
	size_t blen;
	unsigned char bh[DKIM_SHA256_LEN];
	bool has_l, has_t;
	uint64_t l;
	int64_t t, x;              /* x = 0: none */
	char *i_domain;            /* domain of i=, or NULL */
	size_t b_start, b_end;     /* raw b= value span within the field */
};

struct dkim_verify {
	char *msg;
	size_t len;
	int64_t now;
	struct dkim_fields fl;
	struct dkim_sig sig[DKIM_MAX_SIGS];
	size_t nsig;
	size_t cur;                /* first signature not finished */
	bool asked;                /* a query for sig[cur] is out */
};

static void sig_finish(struct dkim_sig *s, enum dkim_result r, const char *reason)
{
	s->result = r;
	snprintf(s->reason, sizeof s->reason, "%s", reason);
	s->waiting_dns = false;
	s->done = true;
}

/* Digits only, at most maxdig of them (l= allows 76, §3.5). Saturates. */
static bool parse_uint(const char *v, size_t maxdig, uint64_t *out)
{
	size_t n = strlen(v);
	if (n == 0 || n > maxdig)
		return false;
	uint64_t r = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		unsigned d = (unsigned)(*p - '0');
		r = r > (UINT64_MAX - d) / 10 ? UINT64_MAX : r * 10 + d;
	}
	*out = r;
	return true;
}

/* Each rule checks one tag's value and stores it; NULL = fine, else the
 * RFC 6376 §6.1.1 reason for a permerror. */
static const char *sig_v(struct dkim_sig *s, const char *v)
{
	(void)s;
	return strcmp(v, "1") == 0 ? NULL : "incompatible version";
}

static const char *sig_a(struct dkim_sig *s, const char *v)
{
	(void)s;
	if (ascii_strcaseeq(v, "rsa-sha256"))
		return NULL;
	if (ascii_strcaseeq(v, "rsa-sha1"))
		return "rsa-sha1 is not accepted (RFC 8301)";
	return "unsupported signature algorithm";
}

static const char *sig_b(struct dkim_sig *s, const char *v)
{
	long n = dkim_b64_decode_fws(v, &s->b);
	if (n <= 0)
		return "signature syntax error (b=)";
	s->blen = (size_t)n;
	return NULL;
}

static const char *sig_bh(struct dkim_sig *s, const char *v)
{
	unsigned char *d;
	long n = dkim_b64_decode_fws(v, &d);
	bool ok = n == DKIM_SHA256_LEN;
	if (ok)
		memcpy(s->bh, d, DKIM_SHA256_LEN);
	free(d);
	return ok ? NULL : "signature syntax error (bh=)";
}

static bool canon_parse(const char *s, size_t n, enum dkim_canon *c)
{
	if (n == 6 && ascii_strncaseeq(s, "simple", 6))
		*c = DKIM_SIMPLE;
	else if (n == 7 && ascii_strncaseeq(s, "relaxed", 7))
		*c = DKIM_RELAXED;
	else
		return false;
	return true;
}

static const char *sig_c(struct dkim_sig *s, const char *v)
{
	/* "header/body"; a lone "relaxed" means relaxed/simple (§3.5). */
	const char *slash = strchr(v, '/');
	size_t hn = slash ? (size_t)(slash - v) : strlen(v);
	bool ok = canon_parse(v, hn, &s->hc);
	s->bc = DKIM_SIMPLE;
	if (ok && slash)
		ok = canon_parse(slash + 1, strlen(slash + 1), &s->bc);
	return ok ? NULL : "unsupported canonicalization";
}

static const char *sig_d(struct dkim_sig *s, const char *v)
{
	free(s->domain);
	s->domain = xstrdup(v);
	return NULL; /* validated with s= when the key name is built */
}

static const char *sig_s(struct dkim_sig *s, const char *v)
{
	free(s->selector);
	s->selector = xstrdup(v);
	return NULL;
}

static const char *sig_h(struct dkim_sig *s, const char *v)
{
	s->nh = dkim_split_colon_list(v, &s->h);
	bool from = false;
	for (size_t i = 0; i < s->nh; i++) {
		if (!*s->h[i])
			return "signature syntax error (h=)";
		from = from || ascii_strcaseeq(s->h[i], "From");
	}
	return from ? NULL : "From field not signed";
}

static const char *sig_i(struct dkim_sig *s, const char *v)
{
	const char *at = strrchr(v, '@');
	if (!at)
		return "signature syntax error (i=)";
	s->i_domain = xstrdup(at + 1);
	return NULL;
}

static const char *sig_l(struct dkim_sig *s, const char *v)
{
	s->has_l = true;
	return parse_uint(v, 76, &s->l) ? NULL : "signature syntax error (l=)";
}

static const char *sig_q(struct dkim_sig *s, const char *v)
{
	(void)s;
	return dkim_list_has(v, "dns/txt") ? NULL : "unsupported query method";
}

static const char *sig_time(const char *v, int64_t *out)
{
	uint64_t u;
	if (!parse_uint(v, 12, &u)) /* 12 digits: good until year 33658 */
		return "signature syntax error (t= or x=)";
	*out = (int64_t)u;
	return NULL;
}

static const char *sig_t(struct dkim_sig *s, const char *v)
{
	s->has_t = true;
	return sig_time(v, &s->t);
}

static const char *sig_x(struct dkim_sig *s, const char *v)
{
	return sig_time(v, &s->x);
}

static const struct sig_rule {
	const char *tag;
	bool required;
	const char *(*check)(struct dkim_sig *s, const char *value);
} sig_rules[] = {
	/* v first: an unknown version means nothing else can be trusted. */
	{ "v", true, sig_v },   { "a", true, sig_a },   { "b", true, sig_b },
	{ "bh", true, sig_bh }, { "c", false, sig_c },  { "d", true, sig_d },
	{ "h", true, sig_h },   { "i", false, sig_i },  { "l", false, sig_l },
	{ "q", false, sig_q },  { "s", true, sig_s },   { "t", false, sig_t },
	{ "x", false, sig_x },
};

static const char *sig_apply_rules(struct dkim_sig *s, const struct dkim_tags *tl, char *buf,
				   size_t bufsz)
{
	for (size_t i = 0; i < ARRAY_LEN(sig_rules); i++) {
		if (!dkim_tags_find(tl, sig_rules[i].tag) && sig_rules[i].required) {
			snprintf(buf, bufsz, "signature missing required tag (%s=)", sig_rules[i].tag);
			return buf;
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(sig_rules); i++) {
		const char *v = dkim_tags_get(tl, sig_rules[i].tag);
		const char *why = v ? sig_rules[i].check(s, v) : NULL;
		if (why)
			return why;
	}
	return NULL;
}

/* i= domain equal to d= or a subdomain of it [§3.5], case-insensitive. */
static bool domain_within(const char *sub, const char *dom)
{
	size_t n = strlen(sub), m = strlen(dom);
	if (n == m)
		return ascii_strcaseeq(sub, dom);
	return n > m && sub[n - m - 1] == '.' && ascii_strcaseeq(sub + n - m, dom);
}

/* Checks across tags, then the key's name [§6.1.1]. */
static const char *sig_cross_checks(struct dkim_sig *s, int64_t now)
{
	if (s->i_domain && !domain_within(s->i_domain, s->domain))
		return "domain mismatch (i= not within d=)";
	if (s->x && s->has_t && s->x <= s->t)
		return "signature syntax error (x= not after t=)";
	if (s->x && now > s->x)
		return "signature expired";
	char *q = xasprintf("%s._domainkey.%s", s->selector, s->domain);
	bool ok = dns_name_normalize(q, s->qname, sizeof s->qname);
	free(q);
	return ok ? NULL : "signature syntax error (d= or s=)";
}

static void sig_parse(struct dkim_verify *v, struct dkim_sig *s, size_t field)
{
	const struct dkim_field *fd = &v->fl.f[field];
	size_t voff = fd->name_len;
	while (v->msg[fd->off + voff] != ':')
		voff++;
	voff++; /* the value starts after the colon */
	s->field = field;
	s->domain = xstrdup("");
	s->selector = xstrdup("");
	s->hc = s->bc = DKIM_SIMPLE; /* c= default simple/simple */
	struct dkim_tags tl;
	if (!dkim_tags_parse(v->msg + fd->off + voff, fd->len - voff, &tl)) {
		sig_finish(s, DKIM_PERMERROR, "signature syntax error");
		return;
	}
	char buf[96];
	const char *why = sig_apply_rules(s, &tl, buf, sizeof buf);
	if (!why)
		why = sig_cross_checks(s, v->now);
	const struct dkim_tag *b = dkim_tags_find(&tl, "b");
	if (b) {
		s->b_start = voff + b->vstart;
		s->b_end = voff + b->vend;
	}
	dkim_tags_free(&tl);
	if (why)
		sig_finish(s, DKIM_PERMERROR, why);
	else
		s->waiting_dns = true;
}

/* ---- verification: the key record [§3.6.1, §6.1.2] ------------------------ */

enum key_status { KEY_OK, KEY_DISCARD, KEY_ERROR };

static const char *key_flags(struct dkim_sig *s, const struct dkim_tags *tl)
{
	const char *t = dkim_tags_get(tl, "t");
	if (!t)
		return NULL;
	s->testing = dkim_list_has(t, "y");
	/* t=s: i= must use exactly d=, no subdomain. */
	if (dkim_list_has(t, "s") && s->i_domain && !ascii_strcaseeq(s->i_domain, s->domain))
		return "domain mismatch (key t=s forbids subdomains in i=)";
	return NULL;
}

static const char *key_policy(struct dkim_sig *s, const struct dkim_tags *tl)
{
	const char *h = dkim_tags_get(tl, "h"), *k = dkim_tags_get(tl, "k"), *sv = dkim_tags_get(tl, "s");
	if (h && !dkim_list_has(h, "sha256"))
		return "inappropriate hash algorithm";
	const char *p = dkim_tags_get(tl, "p");
	if (!p)
		return "key syntax error";
	bool empty = true;
	for (const char *c = p; *c; c++)
		empty = empty && is_fws(*c);
	if (empty)
		return "key revoked";
	if (k && !ascii_strcaseeq(k, "rsa"))
		return "inappropriate key algorithm";
	if (sv && !dkim_list_has(sv, "*") && !dkim_list_has(sv, "email"))
		return "key not for email (s=)";
	return key_flags(s, tl);
}

static enum key_status key_decode(const char *p, EVP_PKEY **out, const char **why)
{
	unsigned char *der;
	long n = dkim_b64_decode_fws(p, &der);
	const unsigned char *q = der;
	EVP_PKEY *pk = n > 0 ? d2i_PUBKEY(NULL, &q, n) : NULL;
	free(der);
	ERR_clear_error();
	if (!pk) {
		*why = "key syntax error";
		return KEY_ERROR;
	}
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pk) < DKIM_MIN_RSA_BITS) {
		*why = EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA ? "inappropriate key algorithm"
								 : "key too small (RFC 8301)";
		EVP_PKEY_free(pk);
		return KEY_ERROR;
	}
	*out = pk;
	return KEY_OK;
}

static enum key_status key_record(struct dkim_sig *s, const char *txt, EVP_PKEY **out,
				  const char **why)
{
	struct dkim_tags tl;
	*why = "key syntax error";
	if (!dkim_tags_parse(txt, strlen(txt), &tl))
		return KEY_DISCARD;
	const char *v = dkim_tags_get(&tl, "v");
	/* v=, if present, must be first and DKIM1, else the record is ignored. */
	if (v && (strcmp(tl.t[0].name, "v") != 0 || strcmp(v, "DKIM1") != 0)) {
		dkim_tags_free(&tl);
		return KEY_DISCARD;
	}
	enum key_status st = KEY_ERROR;
	*why = key_policy(s, &tl);
	if (!*why)
		st = key_decode(dkim_tags_get(&tl, "p"), out, why);
	dkim_tags_free(&tl);
	return st;
}

/* ---- verification: hashes [§6.1.3] --------------------------------------- */

static bool body_check(const struct dkim_verify *v, struct dkim_sig *s)
{
	struct strbuf body;
	sb_init(&body);
	dkim_canon_body(s->bc, v->msg + v->fl.body_off, v->len - v->fl.body_off, &body);
	size_t n = body.len;
	if (s->has_l && s->l > n) {
		sb_free(&body);
		sig_finish(s, DKIM_FAIL, "body shorter than l=");
		return false;
	}
	if (s->has_l)
		n = (size_t)s->l;
	unsigned char got[DKIM_SHA256_LEN];
	sha256(body.data, n, got);
	sb_free(&body);
	if (memcmp(got, s->bh, sizeof got) != 0) {
		sig_finish(s, DKIM_FAIL, "body hash did not verify");
		return false;
	}
	return true;
}

static void header_check(const struct dkim_verify *v, struct dkim_sig *s, EVP_PKEY *pk)
{
	const struct dkim_field *fd = &v->fl.f[s->field];
	struct strbuf sigf, data;
	sb_init(&sigf);
	sb_init(&data);
	/* §3.7: the field with the b= value (and the FWS around it) removed. */
	sb_append(&sigf, v->msg + fd->off, s->b_start);
	sb_append(&sigf, v->msg + fd->off + s->b_end, fd->len - s->b_end);
	signed_data(v->msg, &v->fl, s->field, (const char *const *)s->h, s->nh, s->hc,
		    sigf.data, sigf.len, &data);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk) != 1)
		crypto_fatal("EVP_DigestVerifyInit");
	int ok = EVP_DigestVerify(ctx, s->b, s->blen, (const unsigned char *)data.data, data.len);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	sb_free(&sigf);
	sb_free(&data);
	if (ok == 1)
		sig_finish(s, DKIM_PASS, "good signature");
	else
		sig_finish(s, DKIM_FAIL, "signature did not verify");
}

/* ---- verification: the state machine -------------------------------------- */

struct dkim_verify *dkim_verify_new(const char *msg, size_t len, int64_t now_unix_s)
{
	struct dkim_verify *v = xcalloc(1, sizeof *v);
	v->msg = xstrndup(msg, len);
	v->len = len;
	v->now = now_unix_s;
	fields_parse(v->msg, len, &v->fl);
	for (size_t i = 0; i < v->fl.n && v->nsig < DKIM_MAX_SIGS; i++)
		if (field_is(v->msg, &v->fl.f[i], DKIM_SIG_FIELD))
			sig_parse(v, &v->sig[v->nsig++], i);
	return v;
}

enum auth_step dkim_verify_step(struct dkim_verify *v, char *qname, size_t cap,
				enum dns_type *qtype)
{
	while (v->cur < v->nsig && v->sig[v->cur].done)
		v->cur++;
	if (v->cur == v->nsig)
		return AUTH_DONE;
	const struct dkim_sig *s = &v->sig[v->cur];
	assert(s->waiting_dns && cap > strlen(s->qname));
	snprintf(qname, cap, "%s", s->qname);
	*qtype = DNS_T_TXT;
	v->asked = true;
	return AUTH_NEED_DNS;
}

static void key_from_answer(const struct dkim_verify *v, struct dkim_sig *s,
			    const struct dns_answer *ans)
{
	const char *why = "key syntax error";
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->rrs[i].type != DNS_T_TXT)
			continue; /* the CNAME chain, if any */
		EVP_PKEY *pk = NULL;
		enum key_status st = key_record(s, ans->rrs[i].txt ? ans->rrs[i].txt : "", &pk, &why);
		if (st == KEY_DISCARD)
			continue; /* several records: use the first usable one */
		if (st == KEY_OK && body_check(v, s))
			header_check(v, s, pk);
		else if (st == KEY_ERROR)
			sig_finish(s, DKIM_PERMERROR, why);
		EVP_PKEY_free(pk);
		return;
	}
	sig_finish(s, DKIM_PERMERROR, why);
}

void dkim_verify_answer(struct dkim_verify *v, const struct dns_answer *ans)
{
	if (!v->asked || v->cur >= v->nsig)
		return; /* nothing was asked: ignore */
	struct dkim_sig *s = &v->sig[v->cur];
	v->asked = false;
	char why[64];
	if (!ans) {
		sig_finish(s, DKIM_TEMPERROR, "key unavailable (DNS timeout)");
	} else if (dns_answer_is_negative(ans, DNS_T_TXT)) {
		/* NXDOMAIN or NODATA: "no key for signature" (§6.1.2 step 3). */
		sig_finish(s, DKIM_PERMERROR, "no key for signature");
	} else if (ans->rcode != DNS_R_NOERROR) {
		snprintf(why, sizeof why, "key unavailable (%s)", dns_rcode_name(ans->rcode));
		sig_finish(s, DKIM_TEMPERROR, why);
	} else {
		key_from_answer(v, s, ans);
	}
}

size_t dkim_verify_count(const struct dkim_verify *v)
{
	return v->nsig;
}

enum dkim_result dkim_verify_result(const struct dkim_verify *v, size_t i)
{
	return i < v->nsig && v->sig[i].done ? v->sig[i].result : DKIM_NONE;
}

const char *dkim_verify_domain(const struct dkim_verify *v, size_t i)
{
	return i < v->nsig ? v->sig[i].domain : "";
}

const char *dkim_verify_selector(const struct dkim_verify *v, size_t i)
{
	return i < v->nsig ? v->sig[i].selector : "";
}

const char *dkim_verify_reason(const struct dkim_verify *v, size_t i)
{
	return i < v->nsig ? v->sig[i].reason : "";
}

bool dkim_verify_testing(const struct dkim_verify *v, size_t i)
{
	return i < v->nsig && v->sig[i].testing;
}

void dkim_verify_free(struct dkim_verify *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nsig; i++) {
		struct dkim_sig *s = &v->sig[i];
		dkim_free_list(s->h, s->nh);
		free(s->b);
		free(s->domain);
		free(s->selector);
		free(s->i_domain);
	}
	free(v->fl.f);
	free(v->msg);
	free(v);
}

const char *dkim_result_name(enum dkim_result r)
{
	static const char *const names[] = {
		[DKIM_NONE] = "none",       [DKIM_PASS] = "pass",
		[DKIM_FAIL] = "fail",       [DKIM_POLICY] = "policy",
		[DKIM_NEUTRAL] = "neutral", [DKIM_TEMPERROR] = "temperror",
		[DKIM_PERMERROR] = "permerror",
	};
	return (unsigned)r < ARRAY_LEN(names) ? names[r] : "unknown";
}
