/* av.c — MIME walking, transfer decoding and the EICAR check (see av.h).
 *
 * Invariants:
 *  - Every read stays inside [msg, msg+len); input need not be
 *    NUL-terminated and may be any garbage.
 *  - Parts come out in document order with IMAP-style section numbers, so
 *    reports are deterministic and match what an IMAP client would show. */
#include "av.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "util.h"

/* ---- EICAR -------------------------------------------------------------- */

/* Two halves, joined at run time (see the file-top comment). */
static const char eicar_head[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-";
static const char eicar_tail[] = "ANTIVIRUS-TEST-FILE!$H+H*";

void av_eicar_string(char out[AV_EICAR_LEN + 1])
{
	_Static_assert(sizeof eicar_head - 1 + sizeof eicar_tail - 1 == AV_EICAR_LEN,
		       "EICAR halves must join to 68 characters");
	memcpy(out, eicar_head, sizeof eicar_head - 1);
	memcpy(out + sizeof eicar_head - 1, eicar_tail, sizeof eicar_tail);
}

bool av_is_eicar(const unsigned char *data, size_t len)
{
	char sig[AV_EICAR_LEN + 1];
	if (len < AV_EICAR_LEN || len > AV_EICAR_MAX)
		return false;
	av_eicar_string(sig);
	if (memcmp(data, sig, AV_EICAR_LEN) != 0)
		return false;
	/* Only whitespace may follow: space, tab, CR, LF, Ctrl-Z (EICAR). */
	for (size_t i = AV_EICAR_LEN; i < len; i++)
		if (!memchr(" \t\r\n\x1a", data[i], 5))
			return false;
	return true;
}

/* ---- transfer decoding [RFC 2045 §6.7-§6.8] ----------------------------- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20); /* lower-case hex is not canonical but common */
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One encoded line without its line break into out: "=XX" -> byte, other
 * '=' sequences kept literally (§6.7 rule 1 robustness note). */
static void qp_line(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '=' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
		    (lo = hex_value(s[i + 2])) >= 0) {
			sb_putc(out, (char)(hi << 4 | lo));
			i += 2;
		} else {
			sb_putc(out, s[i]);
		}
	}
}

unsigned char *av_decode_qp(const char *in, size_t len, size_t *outlen)
{
	struct strbuf out;
	sb_init(&out);
	size_t i = 0;
	while (i < len) {
		size_t eol = i;
		while (eol < len && in[eol] != '\n')
			eol++;
		bool has_nl = eol < len;
		size_t end = eol;
		if (end > i && in[end - 1] == '\r')
			end--;
		/* §6.7 rule 3: trailing whitespace was added in transport; drop it. */
		while (end > i && (in[end - 1] == ' ' || in[end - 1] == '\t'))
			end--;
		bool soft = end > i && in[end - 1] == '='; /* rule 5: soft line break */
		qp_line(&out, in + i, soft ? end - 1 - i : end - i);
		if (has_nl && !soft)
			sb_puts(&out, "\r\n");
		i = eol + 1;
	}
	*outlen = out.len;
	return (unsigned char *)sb_steal(&out);
}

static bool is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '/';
}

unsigned char *av_decode_base64(const char *in, size_t len, size_t *outlen)
{
	struct strbuf clean;
	sb_init(&clean);
	/* §6.8: characters outside the alphabet are ignored; an '=' means the
	 * end of the data has been reached. */
	for (size_t i = 0; i < len && in[i] != '='; i++)
		if (is_b64_char(in[i]))
			sb_putc(&clean, in[i]);
	if (clean.len % 4 == 1)
		clean.data[--clean.len] = '\0'; /* a lone sextet carries no byte */
	while (clean.len % 4 != 0)
		sb_putc(&clean, '=');
	unsigned char *out = NULL;
	long n = clean.len ? b64_decode(clean.data, &out) : -1;
	sb_free(&clean);
	if (n < 0) {
		free(out);
		*outlen = 0;
		return NULL;
	}
	*outlen = (size_t)n;
	return out;
}

/* ---- header parameters [RFC 2045 §5.1] ---------------------------------- */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Lower-case "type/subtype" of a Content-Type value into out. */
static void main_value(const char *v, char *out, size_t cap)
{
	while (is_wsp(*v))
		v++;
	size_t n = 0;
	while (v[n] && v[n] != ';' && !is_wsp(v[n]))
		n++;
	snprintf(out, cap, "%.*s", (int)n, v);
	ascii_lower(out);
}

/* Read one parameter value (quoted-string or token) starting at p. */
static const char *param_value(const char *p, struct strbuf *val)
{
	sb_clear(val);
	while (is_wsp(*p))
		p++;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			sb_putc(val, *p);
		}
		return *p ? p + 1 : p;
	}
	while (*p && *p != ';' && !is_wsp(*p))
		sb_putc(val, *p++);
	return p;
}

/* Value of parameter name (case-insensitive) in a structured header value,
 * or NULL. "name*" (RFC 2231) is accepted with its charset'lang' prefix
 * dropped; no percent-decoding. Caller frees. */
static char *header_param(const char *hv, const char *name)
{
	size_t nlen = strlen(name);
	struct strbuf val;
	sb_init(&val);
	const char *p = strchr(hv, ';');
	while (p) {
		p++;
		while (is_wsp(*p))
			p++;
		const char *eq = strchr(p, '=');
		if (!eq)
			break;
		const char *ne = eq;
		while (ne > p && is_wsp(ne[-1]))
			ne--;
		bool ext = ne > p && ne[-1] == '*';
		bool match = (size_t)(ne - p) == nlen + ext && ascii_strncaseeq(p, name, nlen);
		p = param_value(eq + 1, &val);
		if (match) {
			const char *v = val.len ? val.data : ""; /* an empty strbuf has no data */
			const char *q = ext ? strchr(v, '\'') : NULL;
			const char *q2 = q ? strchr(q + 1, '\'') : NULL;
			char *r = xstrdup(q2 ? q2 + 1 : v);
			sb_free(&val);
			return r;
		}
		p = strchr(p, ';');
	}
	sb_free(&val);
	return NULL;
}

/* Unfolded header value of an entity, "" if absent. */
static void entity_header(const char *s, size_t len, const char *name, char *out, size_t cap)
{
	if (!msg_header(s, len, name, out, cap))
		out[0] = '\0';
}

/* ---- the MIME walk [RFC 2046 §5.1] -------------------------------------- */

struct walk {
	struct av_parts *out;
	size_t cap;
};

static void push_leaf(struct walk *w, const char *id, const char *ctype, const char *hdr_cte,
		      const char *cdisp, const char *ctval, const char *body, size_t blen)
{
	if (w->out->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->out->v = xrealloc(w->out->v, w->cap * sizeof *w->out->v);
	}
	struct av_part *p = &w->out->v[w->out->n++];
	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", id);
	p->content_type = xstrdup(ctype);
	char enc[64];
	main_value(hdr_cte, enc, sizeof enc);
	p->encoding = xstrdup(enc[0] ? enc : "7bit");
	p->filename = header_param(cdisp, "filename");
	if (!p->filename)
		p->filename = header_param(ctval, "name");
	if (strcmp(p->encoding, "base64") == 0)
		p->data = av_decode_base64(body, blen, &p->len);
	else if (strcmp(p->encoding, "quoted-printable") == 0)
		p->data = av_decode_qp(body, blen, &p->len);
	if (!p->data) { /* 7bit/8bit/binary, or base64 that would not decode */
		p->data = (unsigned char *)xstrndup(body, blen);
		p->len = blen;
	}
}

static void walk_entity(struct walk *w, const char *s, size_t len, const char *id, int depth);

/* Position just before the line break that ends at line_start (the CRLF
 * before a delimiter belongs to the delimiter, RFC 2046 §5.1.1). */
static size_t before_break(const char *s, size_t line_start, size_t floor)
{
	size_t e = line_start;
	if (e > floor && s[e - 1] == '\n')
		e--;
	if (e > floor && s[e - 1] == '\r')
		e--;
	return e;
}

/* Is the line [ls, le) "--boundary" or "--boundary--" plus optional
 * transport padding? Sets *close for the final delimiter. */
static bool is_delimiter(const char *s, size_t ls, size_t le, const char *b, size_t blen, bool *close)
{
	if (le - ls < blen + 2 || s[ls] != '-' || s[ls + 1] != '-' || memcmp(s + ls + 2, b, blen) != 0)
		return false;
	size_t p = ls + 2 + blen;
	*close = le - p >= 2 && s[p] == '-' && s[p + 1] == '-';
	if (*close)
		p += 2;
	for (; p < le; p++)
		if (!is_wsp(s[p]))
			return false;
	return true;
}

/* Split a multipart body; false if no delimiter was found. */
static bool walk_multipart(struct walk *w, const char *s, size_t len, const char *b, const char *id,
			   int depth)
{
	size_t blen = strlen(b), part_start = 0, nparts = 0;
	bool in_part = false;
	for (size_t ls = 0; ls < len;) {
		size_t le = ls;
		while (le < len && s[le] != '\n')
			le++;
		bool close = false;
		if (is_delimiter(s, ls, le, b, blen, &close)) {
			if (in_part) {
				char sub[32];
				snprintf(sub, sizeof sub, "%s%s%zu", id, id[0] ? "." : "", ++nparts);
				size_t end = before_break(s, ls, part_start);
				walk_entity(w, s + part_start, end - part_start, sub, depth + 1);
			}
			in_part = !close;
			part_start = le < len ? le + 1 : len;
			if (close)
				return true;
		}
		ls = le + 1;
	}
	if (in_part) { /* no closing delimiter: the last part runs to the end */
		char sub[32];
		snprintf(sub, sizeof sub, "%s%s%zu", id, id[0] ? "." : "", ++nparts);
		walk_entity(w, s + part_start, len - part_start, sub, depth + 1);
	}
	return nparts > 0;
}

static void walk_entity(struct walk *w, const char *s, size_t len, const char *id, int depth)
{
	char ctval[1024], cte[128], cdisp[1024], ctype[128];
	entity_header(s, len, "Content-Type", ctval, sizeof ctval);
	entity_header(s, len, "Content-Transfer-Encoding", cte, sizeof cte);
	entity_header(s, len, "Content-Disposition", cdisp, sizeof cdisp);
	main_value(ctval, ctype, sizeof ctype);
	if (!ctype[0])
		strcpy(ctype, "text/plain");
	size_t off = msg_body_offset(s, len);
	const char *body = s + off;
	size_t blen = len - off;
	if (depth < AV_MAX_DEPTH && ascii_startswith_ci(ctype, "multipart/")) {
		char *b = header_param(ctval, "boundary");
		bool ok = b && b[0] && walk_multipart(w, body, blen, b, id, depth);
		free(b);
		if (ok)
			return;
	}
	if (depth < AV_MAX_DEPTH && strcmp(ctype, "message/rfc822") == 0) {
		char sub[32];
		snprintf(sub, sizeof sub, "%s%s1", id, id[0] ? "." : "");
		walk_entity(w, body, blen, sub, depth + 1); /* the enclosed message */
		return;
	}
	push_leaf(w, id[0] ? id : "1", ctype, cte, cdisp, ctval, body, blen);
	w->out->v[w->out->n - 1].whole_body = depth == 0;
}

void av_parts_parse(const char *msg, size_t len, struct av_parts *out)
{
	struct walk w = {.out = out};
	memset(out, 0, sizeof *out);
	walk_entity(&w, msg, len, "", 0);
}

void av_parts_clear(struct av_parts *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].content_type);
		free(p->v[i].filename);
		free(p->v[i].encoding);
		free(p->v[i].data);
	}
	free(p->v);
	memset(p, 0, sizeof *p);
}

/* ---- scanning and reporting --------------------------------------------- */

void av_scan(const char *msg, size_t len, struct av_result *out)
{
	struct av_parts parts;
	memset(out, 0, sizeof *out);
	av_parts_parse(msg, len, &parts);
	out->nparts = parts.n;
	for (size_t i = 0; i < parts.n; i++) {
		const struct av_part *p = &parts.v[i];
		if (!av_is_eicar(p->data, p->len))
			continue;
		out->verdict = AV_FOUND;
		snprintf(out->signature, sizeof out->signature, "%s", AV_EICAR_NAME);
		snprintf(out->part_id, sizeof out->part_id, "%s", p->id);
		snprintf(out->filename, sizeof out->filename, "%s", p->filename ? p->filename : "");
		out->whole_body = p->whole_body;
		break;
	}
	av_parts_clear(&parts);
}

void av_clamd_reply(const struct av_result *r, char *out, size_t cap)
{
	if (r->verdict == AV_FOUND)
		snprintf(out, cap, "stream: %s FOUND", r->signature);
	else
		snprintf(out, cap, "stream: OK");
}

void av_part_label(const struct av_result *r, char *out, size_t cap)
{
	if (r->verdict != AV_FOUND)
		snprintf(out, cap, "%s", "");
	else if (r->filename[0])
		snprintf(out, cap, "attachment %s", r->filename);
	else if (r->whole_body)
		snprintf(out, cap, "message body");
	else
		snprintf(out, cap, "part %s", r->part_id);
}

void av_header_scanned(const char *host, char *out, size_t cap)
{
	snprintf(out, cap, "clamav-milter at %s", host);
}

void av_header_status(const struct av_result *r, char *out, size_t cap)
{
	if (r->verdict == AV_FOUND)
		snprintf(out, cap, "Infected (%s)", r->signature);
	else
		snprintf(out, cap, "Clean");
}
