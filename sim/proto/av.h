/* av.h — a ClamAV-like virus scanner for the receiving MTA's filter chain.
 *
 * It knows exactly one signature: the EICAR anti-virus test file
 * (https://www.eicar.org/download-anti-malware-testfile/), reported under
 * the name ClamAV's official databases use, "Win.Test.EICAR_HDB-1". A file
 * matches when it STARTS with the 68-character EICAR string, optionally
 * followed by whitespace (space, tab, CR, LF, Ctrl-Z), 128 bytes at most in
 * total. The scanner splits the message into MIME parts [RFC 2046 §5.1],
 * undoes base64 and quoted-printable [RFC 2045 §6.7-§6.8] and tests each
 * decoded leaf part — or the whole decoded body of a non-multipart message.
 *
 * Invariants: pure functions of the message bytes; the EICAR string is
 * assembled at run time from two halves, so no source file holds it whole
 * (and no scanner flags our sources). Nesting is followed to AV_MAX_DEPTH
 * levels (multipart inside multipart, message/rfc822). */
#ifndef MAILSIM_AV_H
#define MAILSIM_AV_H

#include <stdbool.h>
#include <stddef.h>

#define AV_EICAR_LEN 68
#define AV_EICAR_MAX 128 /* EICAR: whole file at most 128 bytes */
#define AV_EICAR_NAME "Win.Test.EICAR_HDB-1"
#define AV_MAX_DEPTH 8

/* The 68-character EICAR test string, NUL-terminated. */
void av_eicar_string(char out[AV_EICAR_LEN + 1]);
/* Does this file content match the EICAR rule above? */
bool av_is_eicar(const unsigned char *data, size_t len);

/* One leaf MIME part after transfer decoding. */
struct av_part {
	char id[32];           /* IMAP-style section [RFC 3501 §6.4.5]: "1", "2", "2.1";
				* "1" for the body of a non-multipart message */
	bool whole_body;       /* it is the body of a non-multipart message */
	char *content_type;    /* owned, lower case "type/subtype"; default text/plain [RFC 2045 §5.2] */
	char *filename;        /* owned, Content-Disposition filename= or Content-Type name=; NULL if none */
	char *encoding;        /* owned, lower case; "7bit" when absent [RFC 2045 §6.1] */
	unsigned char *data;   /* owned, decoded, NUL-terminated (not counted in len) */
	size_t len;
};

struct av_parts {
	struct av_part *v;     /* owned array, document order */
	size_t n;
};

/* Split and decode a whole message (header block + body). A multipart
 * without a usable boundary, or nested deeper than AV_MAX_DEPTH, is kept as
 * one leaf. Undecodable base64 is kept as its raw text. */
void av_parts_parse(const char *msg, size_t len, struct av_parts *out);
void av_parts_clear(struct av_parts *p);

/* Decoders, exposed for tests and other filters. Both return a fresh
 * NUL-terminated buffer (length in *outlen). */
unsigned char *av_decode_qp(const char *in, size_t len, size_t *outlen);
/* Non-alphabet characters are ignored and the first '=' ends the data
 * [RFC 2045 §6.8]; NULL if nothing decodable. */
unsigned char *av_decode_base64(const char *in, size_t len, size_t *outlen);

enum av_verdict { AV_CLEAN, AV_FOUND };

struct av_result {
	enum av_verdict verdict;
	char signature[64];   /* AV_EICAR_NAME when found, else "" */
	char part_id[32];     /* section of the first infected part, e.g. "2" */
	char filename[128];   /* its filename, "" if none */
	bool whole_body;      /* the message is not multipart: its body was the file */
	size_t nparts;        /* leaf parts scanned */
};

void av_scan(const char *msg, size_t len, struct av_result *out);
/* clamd INSTREAM reply without terminator: "stream: OK" or
 * "stream: Win.Test.EICAR_HDB-1 FOUND" [clamd(8)]. */
void av_clamd_reply(const struct av_result *r, char *out, size_t cap);
/* Where it was: "attachment eicar.com" / "part 2" / "message body". */
void av_part_label(const struct av_result *r, char *out, size_t cap);
/* Header values as clamav-milter writes them (version omitted: the
 * simulator has none): X-Virus-Scanned "clamav-milter at <host>",
 * X-Virus-Status "Clean" / "Infected (Win.Test.EICAR_HDB-1)". */
void av_header_scanned(const char *host, char *out, size_t cap);
void av_header_status(const struct av_result *r, char *out, size_t cap);

#endif
