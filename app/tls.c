/* tls.c — see tls.h. OpenSSL 3 (Debian's libssl). */
#include "tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util.h"

#define CERT_DAYS 365

struct tls_server {
	SSL_CTX *ctx;          /* owned */
	char fingerprint[160];
	char subject[300];
};

struct tls_conn {
	SSL *ssl;              /* owned */
};

static void openssl_reason(char *out, size_t cap, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown error";
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	snprintf(out, cap, "%s: %s", what, buf);
	ERR_clear_error();
}

/* subjectAltName DNS:cn: clients match the name there, not in the CN
 * [RFC 6125 §6.4.4]. */
static bool add_san(X509 *x, const char *cn)
{
	char *v = xmalloc(strlen(cn) + 5);
	sprintf(v, "DNS:%s", cn);
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, v);
	free(v);
	bool ok = ext && X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* The CN holds at most 64 characters (RFC 5280 ub-common-name); a longer
 * host name is named only in the subjectAltName, which clients use. */
static const char *subject_cn(const char *host)
{
	return strlen(host) <= 64 ? host : "mailsim self-signed";
}

/* A P-256 key and a certificate signed by itself, CN = the host name. */
static bool make_self_signed(SSL_CTX *ctx, const char *cn, char *err, size_t cap)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name = NULL;
	bool ok = pk && x && X509_set_version(x, 2) &&
		  ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
		  X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
		  X509_gmtime_adj(X509_getm_notAfter(x), 60L * 60 * 24 * CERT_DAYS) &&
		  X509_set_pubkey(x, pk) && (name = X509_get_subject_name(x)) != NULL &&
		  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)subject_cn(cn),
					     -1, -1, 0) &&
		  X509_set_issuer_name(x, name) && add_san(x, cn) && X509_sign(x, pk, EVP_sha256()) &&
		  SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, pk) == 1;
	if (!ok)
		openssl_reason(err, cap, "cannot make a self-signed certificate");
	X509_free(x);
	EVP_PKEY_free(pk);
	return ok;
}

static bool load_files(SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t cap)
{
	char what[600];
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(what, sizeof what, "--tls-cert %s", cert);
		openssl_reason(err, cap, what);
		return false;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof what, "--tls-key %s", key);
		openssl_reason(err, cap, what);
		return false;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		openssl_reason(err, cap, "--tls-key does not match --tls-cert");
		return false;
	}
	return true;
}

static void describe(struct tls_server *ts)
{
	X509 *x = SSL_CTX_get0_certificate(ts->ctx);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t at = (size_t)snprintf(ts->fingerprint, sizeof ts->fingerprint, "SHA256 Fingerprint=");
	if (x && X509_digest(x, EVP_sha256(), md, &n))
		for (unsigned i = 0; i < n && at + 4 < sizeof ts->fingerprint; i++)
			at += (size_t)snprintf(ts->fingerprint + at, sizeof ts->fingerprint - at,
					       i ? ":%02X" : "%02X", md[i]);
	if (x)
		X509_NAME_oneline(X509_get_subject_name(x), ts->subject, (int)sizeof ts->subject);
}

struct tls_server *tls_server_new(const char *cert, const char *key, const char *cn, char *err,
				  size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		openssl_reason(err, cap, "cannot create a TLS context");
		return NULL;
	}
	/* TLS 1.2 at least [RFC 8996, RFC 8314 §4.1]. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Our output buffer may move between a write that wanted to be
	 * retried and its retry; partial writes are fine for a byte pump. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
	bool ok = cert ? load_files(ctx, cert, key, err, cap) : make_self_signed(ctx, cn, err, cap);
	if (!ok) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	struct tls_server *ts = xcalloc(1, sizeof *ts);
	ts->ctx = ctx;
	describe(ts);
	return ts;
}

void tls_server_free(struct tls_server *ts)
{
	if (!ts)
		return;
	SSL_CTX_free(ts->ctx);
	free(ts);
}

const char *tls_server_fingerprint(const struct tls_server *ts)
{
	return ts->fingerprint;
}

const char *tls_server_subject(const struct tls_server *ts)
{
	return ts->subject;
}

struct tls_conn *tls_conn_new(struct tls_server *ts, int fd)
{
	SSL *ssl = SSL_new(ts->ctx);
	if (!ssl)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	struct tls_conn *tc = xcalloc(1, sizeof *tc);
	tc->ssl = ssl;
	return tc;
}

void tls_conn_free(struct tls_conn *tc)
{
	if (!tc)
		return;
	SSL_free(tc->ssl);
	free(tc);
}

/* What a failed call means for the pump. */
static enum tls_io classify(struct tls_conn *tc, int rc, char *why, size_t cap)
{
	int e = SSL_get_error(tc->ssl, rc);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_IO_EOF;
	case SSL_ERROR_SYSCALL:
		if (why)
			snprintf(why, cap, "the client closed the connection");
		ERR_clear_error();
		return TLS_IO_EOF;
	default:
		if (why)
			openssl_reason(why, cap, "handshake failed");
		else
			ERR_clear_error();
		return TLS_IO_ERROR;
	}
}

enum tls_io tls_conn_handshake(struct tls_conn *tc, char *why, size_t cap)
{
	ERR_clear_error();
	int rc = SSL_do_handshake(tc->ssl);
	if (rc == 1)
		return TLS_IO_OK;
	enum tls_io r = classify(tc, rc, why, cap);
	return r == TLS_IO_EOF ? TLS_IO_ERROR : r; /* a handshake cut short failed */
}

const char *tls_conn_version(const struct tls_conn *tc)
{
	return SSL_get_version(tc->ssl);
}

enum tls_io tls_conn_read(struct tls_conn *tc, void *buf, size_t cap, size_t *n)
{
	ERR_clear_error();
	if (SSL_read_ex(tc->ssl, buf, cap, n) == 1)
		return TLS_IO_OK;
	return classify(tc, 0, NULL, 0);
}

enum tls_io tls_conn_write(struct tls_conn *tc, const void *buf, size_t len, size_t *n)
{
	ERR_clear_error();
	if (SSL_write_ex(tc->ssl, buf, len, n) == 1)
		return TLS_IO_OK;
	return classify(tc, 0, NULL, 0);
}

bool tls_conn_pending(const struct tls_conn *tc)
{
	return SSL_pending(tc->ssl) > 0;
}

void tls_conn_shutdown(struct tls_conn *tc)
{
	ERR_clear_error();
	(void)SSL_shutdown(tc->ssl);
	ERR_clear_error();
}
