/* dsn.c — RFC 3464 delivery status notifications in RFC 6522
 * multipart/report messages; see dsn.h.
 *
 * dsn_build writes each part (its MIME header and content, content ending
 * in CRLF) into its own buffer first, so the boundary can be checked
 * against everything it must not occur in before the message is put
 * together. */
#include "dsn.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#define FOLD_AT 78           /* RFC 5322 §2.1.1: SHOULD be no more than 78 */
#define LINE_MAX_OCTETS 998  /* RFC 5322 §2.1.1: MUST be no more than 998 */
#define TEXT_WIDTH 76        /* the human-readable part */
#define BOUNDARY_BASE_MAX 60 /* RFC 2046 §5.1.1 allows 70; room for ".N" */

/* ---- tables --------------------------------------------------------------- */

static const char *const action_names[] = {
	[DSN_FAILED] = "failed",   [DSN_DELAYED] = "delayed",   [DSN_DELIVERED] = "delivered",
	[DSN_RELAYED] = "relayed", [DSN_EXPANDED] = "expanded",
};

/* What happened to one recipient, for people. */
static const char *const action_texts[] = {
	[DSN_FAILED] = "Could not be delivered; the mail system has given up",
	[DSN_DELAYED] = "Not delivered yet; the mail system is still trying",
	[DSN_DELIVERED] = "Delivered",
	[DSN_RELAYED] = "Passed on to a mail system that sends no delivery reports",
	[DSN_EXPANDED] = "Delivered and forwarded to further addresses",
};

enum dsn_kind { KIND_FAILURE, KIND_DELAY, KIND_SUCCESS };

struct kind_text {
	const char *subject; /* Postfix bounce_templates.c */
	const char *intro;
	const char *orig_headers_desc, *orig_full_desc;
};

static const struct kind_text kind_texts[] = {
	[KIND_FAILURE] = {"Undelivered Mail Returned to Sender",
			  "I'm sorry to tell you that your message could not be delivered to one "
			  "or more recipients. The details are below.",
			  "Undelivered Message Headers", "Undelivered Message"},
	[KIND_DELAY] = {"Delayed Mail (still being retried)",
			"Your message has not been delivered yet to one or more recipients. "
			"There is no need to send it again: the mail system will keep trying. "
			"The details are below.",
			"Delayed Message Headers", "Delayed Message"},
	[KIND_SUCCESS] = {"Successful Mail Delivery Report",
			  "Your message was delivered to the recipients listed below, as you "
			  "asked.",
			  "Delivered Message Headers", "Delivered Message"},
};

const char *dsn_action_name(enum dsn_action a)
{
	if ((unsigned)a >= ARRAY_LEN(action_names))
		return "unknown";
	return action_names[a];
}

/* A failure anywhere makes it a bounce; otherwise a delay makes it a delay
 * warning; otherwise it reports success. */
static enum dsn_kind report_kind(const struct dsn_report *r)
{
	enum dsn_kind k = KIND_SUCCESS;
	for (size_t i = 0; i < r->nrcpts; i++) {
		if (r->rcpts[i].action == DSN_FAILED)
			return KIND_FAILURE;
		if (r->rcpts[i].action == DSN_DELAYED)
			k = KIND_DELAY;
	}
	return k;
}

/* ---- writing lines -------------------------------------------------------- */

/* Caller text as printable ASCII: line breaks and tabs become spaces (they
 * would end or fold the field), other controls and 8-bit bytes '?'. */
static void put_clean(struct strbuf *out, const char *s)
{
	size_t n = strlen(s);
	sb_reserve(out, n);
	char *d = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c >= 0x7f)
			c = '?';
		d[i] = (char)c;
	}
	out->len += n;
	out->data[out->len] = '\0';
}

/* Write n bytes, breaking with CRLF SP if the line would pass 998. */
static void put_hard(struct strbuf *out, const char *s, size_t n, size_t *col)
{
	while (n > 0) {
		if (*col >= LINE_MAX_OCTETS) {
			sb_puts(out, "\r\n ");
			*col = 1;
		}
		size_t k = LINE_MAX_OCTETS - *col; /* what fits before the break */
		if (k > n)
			k = n;
		sb_append(out, s, k);
		*col += k;
		s += k;
		n -= k;
	}
}

/* "Name: value" CRLF, folded before a space when the line would pass 78
 * (RFC 5322 §2.2.3: unfolding removes only the CRLF, so the value is
 * unchanged). value must already be clean. */
static void put_field(struct strbuf *out, const char *name, const char *value)
{
	size_t col = 0;
	bool has_word = false;
	put_hard(out, name, strlen(name), &col);
	put_hard(out, ": ", 2, &col);
	for (const char *p = value; *p;) {
		const char *w = p;
		while (*w == ' ')
			w++;
		const char *e = w;
		while (*e && *e != ' ')
			e++;
		size_t n = (size_t)(e - p);
		if (has_word && w > p && e > w && col + n > FOLD_AT) {
			sb_puts(out, "\r\n");
			col = 0;
		}
		put_hard(out, p, n, &col);
		has_word = has_word || e > w;
		p = e;
	}
	sb_puts(out, "\r\n");
}

/* put_field with the value cleaned first and an optional "type; " prefix
 * (RFC 3464 §2.1: address, MTA-name and diagnostic fields are typed). */
static void put_typed_field(struct strbuf *out, const char *name, const char *type,
			    const char *value)
{
	struct strbuf v;
	sb_init(&v);
	if (type) {
		sb_puts(&v, type);
		sb_puts(&v, "; ");
	}
	put_clean(&v, value);
	put_field(out, name, v.data);
	sb_free(&v);
}

/* A paragraph for people: clean, words re-flowed to TEXT_WIDTH columns,
 * every line starting with indent spaces. */
static void put_wrapped(struct strbuf *out, size_t indent, const char *text)
{
	struct strbuf t;
	sb_init(&t);
	put_clean(&t, text);
	size_t col = 0;
	bool has_word = false;
	for (const char *p = t.data; *p;) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		if (e == p)
			break;
		size_t n = (size_t)(e - p);
		if (has_word && col + 1 + n > TEXT_WIDTH) {
			sb_puts(out, "\r\n");
			has_word = false;
		}
		if (!has_word) {
			col = 0;
			for (size_t i = 0; i < indent; i++)
				put_hard(out, " ", 1, &col);
		} else {
			put_hard(out, " ", 1, &col);
		}
		put_hard(out, p, n, &col);
		has_word = true;
		p = e;
	}
	if (has_word)
		sb_puts(out, "\r\n");
	sb_free(&t);
}

/* ---- the three parts ------------------------------------------------------ */

static void put_rcpt_text(struct strbuf *out, const struct dsn_rcpt *rc)
{
	char *line;
	if (rc->original_recipient && !ascii_strcaseeq(rc->original_recipient, rc->final_recipient))
		line = xasprintf("<%s> (originally <%s>)", rc->final_recipient,
				 rc->original_recipient);
	else
		line = xasprintf("<%s>", rc->final_recipient);
	put_wrapped(out, 0, line);
	free(line);
	line = xasprintf("%s (status %s).", action_texts[rc->action], rc->status);
	put_wrapped(out, 4, line);
	free(line);
	if (rc->action == DSN_DELAYED && rc->will_retry_until) {
		line = xasprintf("It will keep trying until %s.", rc->will_retry_until);
		put_wrapped(out, 4, line);
		free(line);
	}
	if (rc->diagnostic) {
		if (rc->remote_mta) {
			line = xasprintf("The mail server %s answered:", rc->remote_mta);
			put_wrapped(out, 4, line);
			free(line);
		} else {
			put_wrapped(out, 4, "The reason given was:");
		}
		put_wrapped(out, 4, rc->diagnostic);
	}
}

static void build_text_part(const struct dsn_report *r, enum dsn_kind kind, struct strbuf *out)
{
	sb_puts(out, "Content-Description: Notification\r\n"
		     "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
	char *s = xasprintf("This is the mail system at host %s.", r->reporting_mta);
	put_wrapped(out, 0, s);
	free(s);
	sb_puts(out, "\r\n");
	put_wrapped(out, 0, kind_texts[kind].intro);
	for (size_t i = 0; i < r->nrcpts; i++) {
		sb_puts(out, "\r\n");
		put_rcpt_text(out, &r->rcpts[i]);
	}
	sb_puts(out, "\r\n");
	const char *note = !r->original      ? ""
			   : r->return_full ? "A copy of your message is attached below. "
					    : "The header of your message is attached below. ";
	s = xasprintf("%sIf you need help, please write to the postmaster of %s and include "
		      "this report.",
		      note, r->reporting_mta);
	put_wrapped(out, 0, s);
	free(s);
}

/* RFC 3464 §2.3, fields in the grammar's order. */
static void put_rcpt_status(struct strbuf *out, const struct dsn_rcpt *rc)
{
	if (rc->original_recipient)
		put_typed_field(out, "Original-Recipient", "rfc822", rc->original_recipient);
	put_typed_field(out, "Final-Recipient", "rfc822", rc->final_recipient);
	put_typed_field(out, "Action", NULL, dsn_action_name(rc->action));
	put_typed_field(out, "Status", NULL, rc->status);
	if (rc->remote_mta)
		put_typed_field(out, "Remote-MTA", "dns", rc->remote_mta);
	if (rc->diagnostic)
		put_typed_field(out, "Diagnostic-Code",
				rc->diagnostic_type ? rc->diagnostic_type : "smtp", rc->diagnostic);
	if (rc->last_attempt_date)
		put_typed_field(out, "Last-Attempt-Date", NULL, rc->last_attempt_date);
	/* §2.3.9: only meaningful for delayed recipients. */
	if (rc->action == DSN_DELAYED && rc->will_retry_until)
		put_typed_field(out, "Will-Retry-Until", NULL, rc->will_retry_until);
}

static void build_status_part(const struct dsn_report *r, struct strbuf *out)
{
	sb_puts(out, "Content-Description: Delivery report\r\n"
		     "Content-Type: message/delivery-status\r\n\r\n");
	/* §2.2 per-message fields, then §2.1: each recipient block after a
	 * blank line. */
	put_typed_field(out, "Reporting-MTA", "dns", r->reporting_mta);
	if (r->received_from_mta)
		put_typed_field(out, "Received-From-MTA", "dns", r->received_from_mta);
	if (r->arrival_date)
		put_typed_field(out, "Arrival-Date", NULL, r->arrival_date);
	for (size_t i = 0; i < r->nrcpts; i++) {
		sb_puts(out, "\r\n");
		put_rcpt_status(out, &r->rcpts[i]);
	}
}

/* Copy with bare CR or LF turned into CRLF; true if any 8-bit byte. */
static bool put_crlf(struct strbuf *out, const char *s, size_t n)
{
	bool eight = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		eight = eight || c >= 0x80;
		if (c == '\r' || c == '\n') {
			sb_puts(out, "\r\n");
			if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
		} else {
			sb_putc(out, (char)c);
		}
	}
	if (out->len && out->data[out->len - 1] != '\n')
		sb_puts(out, "\r\n");
	return eight;
}

/* Length of the original's header block without the empty line after it
 * (msg_body_offset points just past that line, or at len if there is none). */
static size_t header_block_len(const char *msg, size_t len)
{
	size_t off = msg_body_offset(msg, len);
	if (off >= 2 && msg[off - 1] == '\n' && msg[off - 2] == '\r' &&
	    (off == 2 || msg[off - 3] == '\n'))
		return off - 2;
	if (off >= 1 && msg[off - 1] == '\n' && (off == 1 || msg[off - 2] == '\n'))
		return off - 1;
	return len;
}

/* Part 3 (RFC 6522 §3, RFC 3461 §4.3); returns true if it is 8-bit. */
static bool build_original_part(const struct dsn_report *r, enum dsn_kind kind,
				struct strbuf *out)
{
	const struct kind_text *kt = &kind_texts[kind];
	size_t n = r->return_full ? r->original_len : header_block_len(r->original, r->original_len);
	struct strbuf content;
	sb_init(&content);
	bool eight = put_crlf(&content, r->original, n);
	sb_printf(out, "Content-Description: %s\r\n",
		  r->return_full ? kt->orig_full_desc : kt->orig_headers_desc);
	sb_printf(out, "Content-Type: %s\r\n",
		  r->return_full ? "message/rfc822" : "text/rfc822-headers");
	if (eight)
		sb_puts(out, "Content-Transfer-Encoding: 8bit\r\n");
	sb_puts(out, "\r\n");
	sb_append(out, content.data ? content.data : "", content.len);
	sb_free(&content);
	return eight;
}

/* ---- the boundary --------------------------------------------------------- */

static bool contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

/* RFC 2046 §5.1.1 bchars (space excluded, so it needs no care at the end). */
static bool is_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("'()+_,-./:=?", c));
}

/* The caller's boundary made legal, then suffixed ".1", ".2", ... until
 * "--boundary" is in none of the parts. */
static char *pick_boundary(const char *want, const struct strbuf *parts, size_t nparts)
{
	char base[BOUNDARY_BASE_MAX + 1];
	size_t n = 0;
	for (const char *p = want ? want : ""; *p && n < BOUNDARY_BASE_MAX; p++)
		base[n++] = is_bchar(*p) ? *p : '-';
	base[n] = '\0';
	if (!n)
		strcpy(base, "dsn-boundary");
	for (unsigned k = 0;; k++) {
		char *b = k ? xasprintf("%s.%u", base, k) : xstrdup(base);
		char *delim = xasprintf("--%s", b);
		bool clash = false;
		for (size_t i = 0; i < nparts && !clash; i++)
			clash = contains(parts[i].data, parts[i].len, delim);
		free(delim);
		if (!clash)
			return b;
		free(b);
	}
}

/* ---- the message ---------------------------------------------------------- */

static void put_top_header(const struct dsn_report *r, enum dsn_kind kind, const char *boundary,
			   bool eight, struct strbuf *out)
{
	put_typed_field(out, "Date", NULL, r->date);
	char *from = xasprintf("%s (Mail Delivery System)", r->postmaster);
	put_typed_field(out, "From", NULL, from);
	free(from);
	put_typed_field(out, "To", NULL, r->to);
	put_typed_field(out, "Subject", NULL, kind_texts[kind].subject);
	put_typed_field(out, "Message-ID", NULL, r->message_id);
	/* RFC 3834 §5: a machine's answer; auto-responders must not reply. */
	put_field(out, "Auto-Submitted", "auto-replied");
	put_field(out, "MIME-Version", "1.0");
	char *ct = xasprintf("multipart/report; report-type=delivery-status; boundary=\"%s\"",
			     boundary);
	put_field(out, "Content-Type", ct);
	free(ct);
	/* RFC 2045 §6.4: a multipart containing an 8bit part is 8bit too. */
	if (eight)
		put_field(out, "Content-Transfer-Encoding", "8bit");
	sb_puts(out, "\r\n");
}

void dsn_build(const struct dsn_report *r, struct strbuf *out)
{
	assert(r->reporting_mta && r->date && r->message_id && r->to && r->postmaster);
	assert(r->nrcpts > 0 && r->rcpts); /* RFC 3464 §2.1: at least one block */
	for (size_t i = 0; i < r->nrcpts; i++)
		assert(r->rcpts[i].final_recipient && r->rcpts[i].status &&
		       (unsigned)r->rcpts[i].action < ARRAY_LEN(action_names));
	enum dsn_kind kind = report_kind(r);
	struct strbuf parts[3];
	size_t nparts = r->original ? 3 : 2;
	for (size_t i = 0; i < ARRAY_LEN(parts); i++)
		sb_init(&parts[i]);
	build_text_part(r, kind, &parts[0]);
	build_status_part(r, &parts[1]);
	bool eight = r->original && build_original_part(r, kind, &parts[2]);
	char *boundary = pick_boundary(r->boundary, parts, nparts);

	put_top_header(r, kind, boundary, eight, out);
	/* RFC 2046 §5.1.1: a preamble for readers without MIME; the CRLF
	 * before each "--boundary" belongs to the delimiter. */
	sb_puts(out, "This is a MIME-encapsulated message.\r\n");
	for (size_t i = 0; i < nparts; i++) {
		sb_printf(out, "\r\n--%s\r\n", boundary);
		sb_append(out, parts[i].data, parts[i].len);
	}
	sb_printf(out, "\r\n--%s--\r\n", boundary);
	free(boundary);
	for (size_t i = 0; i < ARRAY_LEN(parts); i++)
		sb_free(&parts[i]);
}

/* ---- reading a report back ------------------------------------------------ */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Does the Content-Type value ct name type? Case-insensitive, parameters
 * ignored (RFC 2045 §5.1). */
static bool ctype_is(const char *ct, const char *type)
{
	while (is_wsp(*ct))
		ct++;
	size_t n = strlen(type);
	if (!ascii_strncaseeq(ct, type, n))
		return false;
	return ct[n] == '\0' || ct[n] == ';' || is_wsp(ct[n]) || ct[n] == '(';
}

/* Copy a parameter value, quoted-string or token, at p into out. */
static size_t copy_param_value(const char *p, char *out, size_t cap)
{
	size_t o = 0;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (o + 1 < cap)
				out[o++] = *p;
		}
	} else {
		for (; *p && *p != ';' && !is_wsp(*p); p++)
			if (o + 1 < cap)
				out[o++] = *p;
	}
	out[o] = '\0';
	return o;
}

/* The value of parameter name in a Content-Type value. */
static bool ctype_param(const char *ct, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	for (const char *p = strchr(ct, ';'); p; p = strchr(p, ';')) {
		p++;
		while (is_wsp(*p))
			p++;
		if (!ascii_strncaseeq(p, name, nlen))
			continue;
		const char *q = p + nlen;
		while (is_wsp(*q))
			q++;
		if (*q != '=')
			continue;
		for (q++; is_wsp(*q);)
			q++;
		return copy_param_value(q, out, cap) > 0;
	}
	return false;
}

/* Is [s, s+n) a delimiter line for boundary (RFC 2046 §5.1.1: "--"
 * boundary, "--" too if it is the close, then only transport padding)? */
static bool delimiter_line(const char *s, size_t n, const char *boundary, bool *close)
{
	size_t blen = strlen(boundary);
	if (n < 2 + blen || s[0] != '-' || s[1] != '-' || memcmp(s + 2, boundary, blen) != 0)
		return false;
	size_t i = 2 + blen;
	*close = n - i >= 2 && s[i] == '-' && s[i + 1] == '-';
	for (i += *close ? 2 : 0; i < n; i++)
		if (!is_wsp(s[i]) && s[i] != '\r')
			return false;
	return true;
}

static bool part_is_status(const char *part, size_t n)
{
	char ct[256];
	return msg_header(part, n, "Content-Type", ct, sizeof ct) &&
	       ctype_is(ct, "message/delivery-status");
}

/* The body of the message/delivery-status part of a multipart body. */
static bool find_status_part(const char *body, size_t n, const char *boundary, const char **sp,
			     size_t *sn)
{
	const char *part = NULL;
	for (size_t i = 0; i < n;) {
		size_t eol = i;
		while (eol < n && body[eol] != '\n')
			eol++;
		size_t next = eol < n ? eol + 1 : n;
		bool close;
		if (delimiter_line(body + i, eol - i, boundary, &close)) {
			if (part) {
				/* The CRLF before the delimiter is the delimiter's. */
				size_t end = i, start = (size_t)(part - body);
				if (end > start && body[end - 1] == '\n')
					end--;
				if (end > start && body[end - 1] == '\r')
					end--;
				if (part_is_status(part, end - start)) {
					size_t off = msg_body_offset(part, end - start);
					*sp = part + off;
					*sn = end - start - off;
					return true;
				}
			}
			if (close)
				return false;
			part = body + next;
		}
		i = next;
	}
	return false;
}

enum status_field { SF_FINAL, SF_ACTION, SF_STATUS };

static const struct {
	const char *name;
	enum status_field field;
} status_fields[] = {
	{"Final-Recipient", SF_FINAL},
	{"Action", SF_ACTION},
	{"Status", SF_STATUS},
};

struct status_reader {
	int blocks;    /* blocks begun; 1 = the per-message block */
	bool in_block; /* a field seen since the last blank line */
	struct strbuf name, value;
	char (*final_rcpt)[256];
	char (*action)[16];
	char (*status)[16];
	int max;
};

static void copy_trimmed(char *dst, size_t cap, const char *s, size_t n)
{
	while (n && is_wsp(*s))
		s++, n--;
	while (n && is_wsp(s[n - 1]))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Store the field just read if it is one we report. Final-Recipient keeps
 * what follows "type;" (§2.3.2); Action and Status their first word (a
 * Status may carry a comment). */
static void flush_field(struct status_reader *r)
{
	int k = r->blocks - 2;
	for (size_t i = 0; r->name.len && k >= 0 && k < r->max && i < ARRAY_LEN(status_fields);
	     i++) {
		if (!ascii_strcaseeq(r->name.data, status_fields[i].name))
			continue;
		const char *v = r->value.data;
		size_t n = r->value.len;
		if (status_fields[i].field == SF_FINAL) {
			const char *semi = memchr(v, ';', n);
			if (semi)
				n -= (size_t)(semi + 1 - v), v = semi + 1;
			copy_trimmed(r->final_rcpt[k], sizeof r->final_rcpt[k], v, n);
			break;
		}
		while (n && is_wsp(*v))
			v++, n--;
		size_t w = 0;
		while (w < n && !is_wsp(v[w]) && v[w] != '(')
			w++;
		char *dst = status_fields[i].field == SF_ACTION ? r->action[k] : r->status[k];
		copy_trimmed(dst, 16, v, w);
		break;
	}
	sb_clear(&r->name);
	sb_clear(&r->value);
}

static void begin_block(struct status_reader *r)
{
	r->in_block = true;
	int k = ++r->blocks - 2;
	if (k >= 0 && k < r->max) {
		r->final_rcpt[k][0] = '\0';
		r->action[k][0] = '\0';
		r->status[k][0] = '\0';
	}
}

/* One physical line of the delivery-status body (CR already removed). */
static void read_status_line(struct status_reader *r, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_wsp(s[i]))
		i++;
	if (i == n) { /* blank: ends the block (§2.1) */
		flush_field(r);
		r->in_block = false;
		return;
	}
	if (i > 0 && r->name.len) { /* folded continuation (RFC 5322 §2.2.3) */
		sb_append(&r->value, s, n);
		return;
	}
	flush_field(r);
	if (!r->in_block)
		begin_block(r);
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return;
	size_t nl = (size_t)(colon - s);
	while (nl && is_wsp(s[nl - 1]))
		nl--;
	sb_append(&r->name, s, nl);
	sb_append(&r->value, colon + 1, n - (size_t)(colon + 1 - s));
}

static int read_status_body(const char *s, size_t n, char (*final_rcpt)[256],
			    char (*action)[16], char (*status)[16], int max)
{
	struct status_reader r = {
		.final_rcpt = final_rcpt, .action = action, .status = status, .max = max,
	};
	sb_init(&r.name);
	sb_init(&r.value);
	for (size_t i = 0; i < n;) {
		size_t eol = i;
		while (eol < n && s[eol] != '\n')
			eol++;
		size_t len = eol - i;
		if (len && s[i + len - 1] == '\r')
			len--;
		read_status_line(&r, s + i, len);
		i = eol < n ? eol + 1 : n;
	}
	flush_field(&r);
	sb_free(&r.name);
	sb_free(&r.value);
	return r.blocks > 1 ? r.blocks - 1 : 0;
}

int dsn_parse_status(const char *msg, size_t len, char (*final_rcpt)[256], char (*action)[16],
		     char (*status)[16], int max)
{
	char ct[1024], boundary[256];
	if (!msg_header(msg, len, "Content-Type", ct, sizeof ct))
		return -1;
	size_t off = msg_body_offset(msg, len);
	const char *body = msg + off;
	size_t n = len - off;
	if (ctype_is(ct, "message/delivery-status"))
		return read_status_body(body, n, final_rcpt, action, status, max);
	if (!ctype_is(ct, "multipart/report") || !ctype_param(ct, "boundary", boundary, sizeof boundary))
		return -1;
	const char *sp;
	size_t sn;
	if (!find_status_part(body, n, boundary, &sp, &sn))
		return -1;
	return read_status_body(sp, sn, final_rcpt, action, status, max);
}
