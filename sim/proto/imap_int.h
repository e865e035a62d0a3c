/* imap_int.h — what the IMAP server (imap.c) and client (imapc.c) share:
 * the reader that assembles one command or response, the RFC 3501 §9
 * tokenizer, sequence sets and system flags. Internal to sim/imap*.c.
 *
 *  - imap_rd assembles one complete command (server) or response (client)
 *    from arbitrarily chunked bytes. A line ending in "{n}" announces a
 *    literal: the next n octets belong to the same command/response, and
 *    the line goes on after them [RFC 3501 §4.3]. The assembled text keeps
 *    the literal in place ("{n}\r\n<n octets>"), so the tokenizer (imap_p)
 *    reads it by its length and never looks inside.
 *  - imap_p reads atoms, quoted strings, literals, numbers and sequence
 *    sets by the RFC 3501 §9 grammar. */
#ifndef MAILSIM_IMAP_INT_H
#define MAILSIM_IMAP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum imap_rd_ev {
	RD_MORE,       /* need more bytes */
	RD_DONE,       /* a complete command/response of *len octets (CRLF included) */
	RD_LITERAL,    /* a literal was announced (lit_len, lit_sync); keep reading */
	RD_TOO_LONG,   /* a line (or whole command) over the limit: refuse *len octets */
	RD_TOO_BIG,    /* a literal over the limit: refuse *len octets */
};

struct imap_rd {
	struct strbuf buf;      /* the command/response being assembled starts at 0 */
	size_t scan;            /* octets of buf already examined */
	size_t seg;             /* start of the current line segment */
	size_t lit_need;        /* literal octets still to come */
	bool discarding;        /* dropping an overlong input up to its LF */
	size_t max_line, max_literal, max_total;
	size_t lit_len;         /* the literal just announced (RD_LITERAL) */
	bool lit_sync;          /* "{n}" (the sender waits for "+") rather than "{n+}" */
};

struct imap_p {
	const char *s;
	size_t len, pos;
};

/* A sequence set [RFC 3501 §9 sequence-set]; 0 stands for "*". */
struct seq_range {
	uint32_t a, b;
};

struct seq_set {
	struct seq_range *r;   /* owned */
	size_t n;
};

/* The reader: rd_next says what the buffered input holds. */
void rd_init(struct imap_rd *r, size_t max_line, size_t max_literal, size_t max_total);
void rd_consume(struct imap_rd *r, size_t len);
enum imap_rd_ev rd_next(struct imap_rd *r, size_t *len);

/* The tokenizer: each reader of a token returns false when it is not
 * there (strings and literals leave the position unchanged). */
int ip_peek(const struct imap_p *p);
bool ip_end(const struct imap_p *p);
bool ip_eat(struct imap_p *p, char c);
bool ip_sp(struct imap_p *p);
bool is_atom_char(int c);
const char *imap_str(struct strbuf *sb);
bool ip_atom(struct imap_p *p, struct strbuf *out, const char *also);
bool ip_quoted(struct imap_p *p, struct strbuf *out);
bool ip_literal(struct imap_p *p, struct strbuf *out);
bool ip_string(struct imap_p *p, struct strbuf *out);
bool ip_astring(struct imap_p *p, struct strbuf *out);
bool ip_number(struct imap_p *p, uint32_t *v);
/* sequence-set; seq_contains with "*" standing for max */
bool ip_seq_set(struct imap_p *p, struct seq_set *set);
bool seq_contains(const struct seq_set *set, uint32_t v, uint32_t max);

/* System flags [RFC 3501 §2.3.2]: the list "(\\Seen ...)" (\\Recent last when
 * recent), the parser (keywords accepted and ignored; parens optional for
 * STORE), an astring on output (atom or quoted). */
void imap_put_flags(struct strbuf *sb, unsigned flags, bool recent);
bool ip_flags(struct imap_p *p, unsigned *bits, bool parens_optional);
void imap_put_astring(struct strbuf *sb, const char *s);

#endif
