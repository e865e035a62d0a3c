/* msg.c — see msg.h. */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

#include "mime_enc.h"

/* Append text converting bare LF to CRLF (RFC 5322 §2.1: lines end in CRLF). */
static void put_crlf_text(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n' && (out->len == 0 || out->data[out->len - 1] != '\r'))
			sb_putc(out, '\r');
		sb_putc(out, *s);
	}
}

static bool omitted(const struct msg_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nomit; i++)
		if (ascii_strcaseeq(spec->omit[i], name))
			return true;
	return false;
}

/* The text part's body: as written when it is 7bit, else quoted-printable
 * (RFC 2045 §6.7), the choice of mutt and Thunderbird for mostly-Latin
 * text; the generated filler is plain ASCII in either case. */
static void put_body(const struct msg_spec *spec, bool qp, struct strbuf *out)
{
	const char *body = spec->body ? spec->body : "";
	size_t body_start = out->len;
	if (qp)
		mime_qp_encode(body, out);
	else
		put_crlf_text(out, body);
	if (out->len > body_start && out->data[out->len - 1] != '\n')
		sb_puts(out, "\r\n");
	/* A generated size: filler lines well under the 78-char advice. */
	static const char filler[] = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
				     "sed do eiusmod.\r\n";
	while (spec->pad_to && out->len + sizeof filler - 1 <= spec->pad_to)
		sb_puts(out, filler);
}

static void put_text_type(const struct msg_spec *spec, struct strbuf *out)
{
	bool qp = mime_needs_qp(spec->body ? spec->body : "");
	sb_printf(out, "Content-Type: text/plain; charset=utf-8\r\n"
		       "Content-Transfer-Encoding: %s\r\n\r\n",
		  qp ? "quoted-printable" : "7bit");
	put_body(spec, qp, out);
}

/* A parameter: a quoted-string when the value is printable ASCII, else
 * RFC 2231 §4 `name*=UTF-8''%XX...` (how Thunderbird names attachments). */
static void put_param(struct strbuf *out, const char *name, const char *value)
{
	bool plain = true;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		plain &= *p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\';
	if (plain) {
		sb_printf(out, "; %s=\"%s\"", name, value);
		return;
	}
	sb_printf(out, "; %s*=UTF-8''", name);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		bool lit = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_';
		if (lit)
			sb_putc(out, (char)*p);
		else
			sb_printf(out, "%%%02X", *p);
	}
}

/* An attachment part: base64 in 76-character lines (RFC 2045 §6.8). */
static void put_part(const struct msg_part *p, const char *boundary, struct strbuf *out)
{
	sb_printf(out, "--%s\r\nContent-Type: %s", boundary,
		  p->type ? p->type : "application/octet-stream");
	put_param(out, "name", p->filename);
	sb_puts(out, "\r\nContent-Disposition: attachment");
	put_param(out, "filename", p->filename);
	sb_puts(out, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	char *b = b64_encode(p->data, p->len);
	for (size_t i = 0, n = strlen(b); i < n; i += 76) {
		sb_append(out, b + i, n - i < 76 ? n - i : 76);
		sb_puts(out, "\r\n");
	}
	free(b);
}

static void put_to(const struct msg_spec *spec, struct strbuf *out)
{
	struct mime_mailbox *to = xcalloc(spec->nto + 1, sizeof *to);
	for (size_t i = 0; i < spec->nto; i++)
		to[i] = (struct mime_mailbox){spec->to_names ? spec->to_names[i] : NULL, spec->to[i]};
	mime_put_mailboxes(out, "To", to, spec->nto);
	free(to);
}

void msg_compose(const struct msg_spec *spec, struct strbuf *out)
{
	if (!omitted(spec, "Date"))
		sb_printf(out, "Date: %s\r\n", spec->date);
	struct mime_mailbox from = {spec->from_name, spec->from};
	mime_put_mailboxes(out, "From", &from, 1);
	if (!omitted(spec, "To"))
		put_to(spec, out);
	if (!omitted(spec, "Subject"))
		mime_put_unstructured(out, "Subject", spec->subject);
	if (!omitted(spec, "Message-ID"))
		sb_printf(out, "Message-ID: %s\r\n", spec->message_id);
	if (!omitted(spec, "MIME-Version"))
		sb_puts(out, "MIME-Version: 1.0\r\n");
	if (spec->nparts == 0) {
		put_text_type(spec, out);
		return;
	}
	/* RFC 2046 §5.1: the text first, then each attachment. */
	sb_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		       "This is a multi-part message in MIME format.\r\n"
		       "--%s\r\n",
		  spec->boundary, spec->boundary);
	put_text_type(spec, out);
	for (size_t i = 0; i < spec->nparts; i++)
		put_part(&spec->parts[i], spec->boundary, out);
	sb_printf(out, "--%s--\r\n", spec->boundary);
}

void msg_prepend_header(struct strbuf *msg, const char *name, const char *value)
{
	struct strbuf n;
	sb_init(&n);
	sb_reserve(&n, strlen(name) + strlen(value) + 4 + msg->len);
	sb_puts(&n, name);
	sb_append(&n, ": ", 2);
	sb_puts(&n, value);
	sb_append(&n, "\r\n", 2);
	sb_append(&n, msg->data ? msg->data : "", msg->len);
	sb_free(msg);
	*msg = n;
}

size_t msg_body_offset(const char *msg, size_t len)
{
	/* An empty line first: no header fields at all. */
	if (len >= 2 && msg[0] == '\r' && msg[1] == '\n')
		return 2;
	if (len >= 1 && msg[0] == '\n')
		return 1;
	const char *p = msg, *end = msg + len;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t i = (size_t)(p - msg);
		if (i + 1 >= len)
			break;
		if (msg[i + 1] == '\n')
			return i + 2;
		if (msg[i + 1] == '\r' && i + 2 < len && msg[i + 2] == '\n')
			return i + 3;
		p++;
	}
	return len;
}

bool msg_header(const char *msg, size_t len, const char *name, char *out, size_t cap)
{
	/* One pass over the header lines, up to the empty line that ends
	 * them (msg_body_offset's rule: "\n" or "\r\n" alone). */
	size_t nlen = strlen(name);
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(msg + i, '\n', len - i);
		size_t eol = nl ? (size_t)(nl - msg) : len;
		if (nl && (eol == i || (eol == i + 1 && msg[i] == '\r')))
			break;
		if (eol - i > nlen && msg[i + nlen] == ':' && ascii_strncaseeq(msg + i, name, nlen)) {
			/* Unfold: continuation lines start with WSP (RFC 5322 §2.2.3). */
			size_t o = 0, p = i + nlen + 1;
			while (p < len && (msg[p] == ' ' || msg[p] == '\t'))
				p++;
			for (; p < len; p++) {
				if (msg[p] == '\r')
					continue;
				if (msg[p] == '\n') {
					if (p + 1 < len && (msg[p + 1] == ' ' || msg[p + 1] == '\t'))
						continue;
					break;
				}
				if (o + 1 < cap)
					out[o++] = msg[p];
			}
			if (cap)
				out[o] = '\0';
			return true;
		}
		i = eol + 1;
	}
	return false;
}

size_t msg_count_lines(const char *msg, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += msg[i] == '\n';
	if (len && msg[len - 1] != '\n')
		n++;
	return n;
}

bool addr_split(const char *addr, char *local, size_t lcap, char *domain, size_t dcap)
{
	const char *at = strrchr(addr, '@');
	if (!at || at == addr || !at[1] || strchr(addr, '@') != at)
		return false;
	size_t ll = (size_t)(at - addr);
	if (ll >= lcap || strlen(at + 1) >= dcap)
		return false;
	memcpy(local, addr, ll);
	local[ll] = '\0';
	strcpy(domain, at + 1);
	return true;
}

const char *addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}
