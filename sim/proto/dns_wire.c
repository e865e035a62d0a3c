/* dns_wire.c — RFC 1035 §4.1 message encoding and decoding (see dns.h).
 *
 * Invariants:
 *  - The encoder compresses every domain name it writes (owner names and
 *    the names inside NS/CNAME/PTR/MX/SOA rdata, which RFC 3597 §4 lists as
 *    compressible) by pointing at an identical suffix written earlier.
 *  - The decoder reads through a bounded cursor: every access is checked
 *    against the end, and a compression pointer must point before the start
 *    of the label run that contains it, so the offsets visited strictly
 *    decrease and decoding terminates on any input.
 *  - Output bytes depend only on the message contents. */
#include "dns.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define HEADER_LEN 12
#define CLASS_IN 1
#define COMP_MAX 128         /* remembered suffixes for compression */
#define COMP_OFFSET_MAX 0x3fff /* 14-bit pointer offset [RFC 1035 §4.1.4] */

/* ---- writer ------------------------------------------------------------- */

struct wbuf {
	uint8_t *buf;
	size_t cap, len;
	bool bad; /* overflow or unencodable data: the result is discarded */
	struct {
		const char *suffix; /* canonical name suffix, points into the message */
		uint16_t off;
	} comp[COMP_MAX];
	size_t ncomp;
};

static void put_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_u8(struct wbuf *w, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put_bytes(w, &b, 1);
}

static void put_u16(struct wbuf *w, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put_bytes(w, b, 2);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put_bytes(w, b, 4);
}

static int comp_find(const struct wbuf *w, const char *suffix)
{
	for (size_t i = 0; i < w->ncomp; i++) {
		if (strcmp(w->comp[i].suffix, suffix) == 0)
			return w->comp[i].off;
	}
	return -1;
}

/* A canonical name as labels; the longest suffix already in the message is
 * replaced by a pointer to it [RFC 1035 §4.1.4]. */
static void put_name(struct wbuf *w, const char *name)
{
	const char *p = name ? name : "";
	size_t wire = 1;
	while (*p) {
		int off = comp_find(w, p);
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (off >= 0) {
			put_u16(w, 0xc000u | (unsigned)off);
			return;
		}
		wire += l + 1;
		if (l == 0 || l > DNS_LABEL_MAX || wire > 255) {
			w->bad = true; /* not a canonical name: refuse to emit garbage */
			return;
		}
		if (w->len <= COMP_OFFSET_MAX && w->ncomp < COMP_MAX) {
			w->comp[w->ncomp].suffix = p;
			w->comp[w->ncomp].off = (uint16_t)w->len;
			w->ncomp++;
		}
		put_u8(w, (unsigned)l);
		put_bytes(w, p, l);
		p += l + (dot ? 1 : 0);
	}
	put_u8(w, 0);
}

/* ---- per-type rdata ----------------------------------------------------- */

struct rbuf {
	const uint8_t *buf;
	size_t len, pos;
};

static void enc_a(struct wbuf *w, const struct dns_rr *rr)
{
	put_bytes(w, rr->addr, 4);
}

static void enc_aaaa(struct wbuf *w, const struct dns_rr *rr)
{
	put_bytes(w, rr->addr, 16);
}

static void enc_target(struct wbuf *w, const struct dns_rr *rr)
{
	put_name(w, rr->target);
}

static void enc_mx(struct wbuf *w, const struct dns_rr *rr)
{
	put_u16(w, rr->pref);
	put_name(w, rr->target);
}

static void enc_soa(struct wbuf *w, const struct dns_rr *rr)
{
	put_name(w, rr->mname);
	put_name(w, rr->rname);
	put_u32(w, rr->serial);
	put_u32(w, rr->refresh);
	put_u32(w, rr->retry);
	put_u32(w, rr->expire);
	put_u32(w, rr->minimum);
}

/* One or more <character-string>s, each a length octet and data. */
static void enc_txt(struct wbuf *w, const struct dns_rr *rr)
{
	size_t n = dns_rr_txt_count(rr);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *s = dns_rr_txt_string(rr, i, &len);
		if (len > DNS_TXT_STRING_MAX) {
			w->bad = true;
			return;
		}
		put_u8(w, (unsigned)len);
		put_bytes(w, s, len);
	}
}

static bool get_bytes(struct rbuf *r, void *p, size_t n)
{
	if (r->len - r->pos < n)
		return false;
	memcpy(p, r->buf + r->pos, n);
	r->pos += n;
	return true;
}

static bool get_u8(struct rbuf *r, uint8_t *v)
{
	return get_bytes(r, v, 1);
}

static bool get_u16(struct rbuf *r, uint16_t *v)
{
	uint8_t b[2];
	if (!get_bytes(r, b, 2))
		return false;
	*v = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

static bool get_u32(struct rbuf *r, uint32_t *v)
{
	uint8_t b[4];
	if (!get_bytes(r, b, 4))
		return false;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return true;
}

/* Append one label to the text name; bytes the presentation model cannot
 * hold ('.', NUL) make the message undecodable here. */
static bool name_append_label(char *out, size_t *outlen, const uint8_t *p, size_t l)
{
	if (*outlen)
		out[(*outlen)++] = '.';
	for (size_t i = 0; i < l; i++) {
		if (p[i] == '.' || p[i] == 0)
			return false;
		out[(*outlen)++] = (char)p[i];
	}
	return true;
}

/* A possibly compressed name at the cursor into out[DNS_NAME_MAX + 1]. */
static bool get_name(struct rbuf *r, char *out)
{
	size_t pos = r->pos, run_start = r->pos, resume = 0, outlen = 0, wire = 1;
	bool jumped = false;
	for (;;) {
		uint8_t l;
		if (pos >= r->len)
			return false;
		l = r->buf[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;
			if (pos + 1 >= r->len)
				return false;
			target = (size_t)(l & 0x3f) << 8 | r->buf[pos + 1];
			if (target >= run_start)
				return false; /* forward or looping pointer */
			if (!jumped)
				resume = pos + 2;
			jumped = true;
			pos = run_start = target;
			continue;
		}
		if (l & 0xc0)
			return false; /* 01/10 label types are not in use [RFC 6891 §5] */
		pos++;
		if (l == 0)
			break;
		wire += (size_t)l + 1;
		if (wire > 255 || r->len - pos < l) /* 255-octet limit [RFC 1035 §2.3.4] */
			return false;
		if (!name_append_label(out, &outlen, r->buf + pos, l))
			return false;
		pos += l;
	}
	out[outlen] = '\0';
	r->pos = jumped ? resume : pos;
	return dns_name_normalize(out, out, DNS_NAME_MAX + 1);
}

/* A name inside rdata, heap-allocated. */
static bool get_name_dup(struct rbuf *r, char **out)
{
	char name[DNS_NAME_MAX + 1];
	if (!get_name(r, name))
		return false;
	*out = xstrdup(name);
	return true;
}

static bool dec_a(struct rbuf *r, struct dns_rr *rr)
{
	return get_bytes(r, rr->addr, 4);
}

static bool dec_aaaa(struct rbuf *r, struct dns_rr *rr)
{
	return get_bytes(r, rr->addr, 16);
}

static bool dec_target(struct rbuf *r, struct dns_rr *rr)
{
	return get_name_dup(r, &rr->target);
}

static bool dec_mx(struct rbuf *r, struct dns_rr *rr)
{
	return get_u16(r, &rr->pref) && get_name_dup(r, &rr->target);
}

static bool dec_soa(struct rbuf *r, struct dns_rr *rr)
{
	return get_name_dup(r, &rr->mname) && get_name_dup(r, &rr->rname) &&
	       get_u32(r, &rr->serial) && get_u32(r, &rr->refresh) && get_u32(r, &rr->retry) &&
	       get_u32(r, &rr->expire) && get_u32(r, &rr->minimum);
}

/* The rdata cursor ends at RDLENGTH, so the strings must fill it exactly. */
static bool dec_txt(struct rbuf *r, struct dns_rr *rr)
{
	char **v = NULL;
	size_t n = 0;
	while (r->pos < r->len) {
		uint8_t l;
		char s[DNS_TXT_STRING_MAX + 1];
		if (!get_u8(r, &l) || !get_bytes(r, s, l) || memchr(s, 0, l))
			goto bad;
		v = xrealloc(v, (n + 1) * sizeof *v);
		v[n++] = xstrndup(s, l);
	}
	if (n == 0)
		goto bad; /* TXT-DATA is one or more strings [RFC 1035 §3.3.14] */
	dns_rr_set_txt(rr, v, n);
	return true;
bad:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return false;
}

struct wire_type {
	enum dns_type type;
	void (*enc)(struct wbuf *w, const struct dns_rr *rr);
	bool (*dec)(struct rbuf *r, struct dns_rr *rr);
};

static const struct wire_type wire_types[] = {
	{ DNS_T_A, enc_a, dec_a },
	{ DNS_T_NS, enc_target, dec_target },
	{ DNS_T_CNAME, enc_target, dec_target },
	{ DNS_T_SOA, enc_soa, dec_soa },
	{ DNS_T_PTR, enc_target, dec_target },
	{ DNS_T_MX, enc_mx, dec_mx },
	{ DNS_T_TXT, enc_txt, dec_txt },
	{ DNS_T_AAAA, enc_aaaa, dec_aaaa },
};

static const struct wire_type *wire_type(unsigned type)
{
	for (size_t i = 0; i < ARRAY_LEN(wire_types); i++) {
		if ((unsigned)wire_types[i].type == type)
			return &wire_types[i];
	}
	return NULL;
}

/* ---- encoding ----------------------------------------------------------- */

/* NAME TYPE CLASS TTL RDLENGTH RDATA [RFC 1035 §4.1.3]. */
static void put_rr(struct wbuf *w, const struct dns_rr *rr)
{
	const struct wire_type *wt = wire_type((unsigned)rr->type);
	size_t rdlen_at, start;
	if (!wt) {
		w->bad = true;
		return;
	}
	put_name(w, rr->name);
	put_u16(w, (unsigned)rr->type);
	put_u16(w, CLASS_IN);
	put_u32(w, rr->ttl);
	rdlen_at = w->len;
	put_u16(w, 0);
	start = w->len;
	wt->enc(w, rr);
	if (w->bad || w->len - start > 0xffff) {
		w->bad = true;
		return;
	}
	w->buf[rdlen_at] = (uint8_t)((w->len - start) >> 8);
	w->buf[rdlen_at + 1] = (uint8_t)(w->len - start);
}

/* Header [RFC 1035 §4.1.1]; Z, AD and CD are sent as zero. */
static void put_header(struct wbuf *w, const struct dns_msg *m)
{
	unsigned flags = (m->qr ? 0x8000u : 0) | (unsigned)(m->opcode & 0xf) << 11 |
			 (m->aa ? 0x0400u : 0) | (m->tc ? 0x0200u : 0) |
			 (m->rd ? 0x0100u : 0) | (m->ra ? 0x0080u : 0) | ((unsigned)m->rcode & 0xf);
	put_u16(w, m->id);
	put_u16(w, flags);
	put_u16(w, 1);
	put_u16(w, (unsigned)m->ans.n);
	put_u16(w, (unsigned)m->ans.nauth);
	put_u16(w, 0);
}

size_t dns_msg_encode(const struct dns_msg *m, uint8_t *buf, size_t cap)
{
	char qname[DNS_NAME_MAX + 1];
	struct wbuf *w;
	size_t len;
	if (!dns_name_normalize(m->qname, qname, sizeof qname) || m->ans.n > 0xffff ||
	    m->ans.nauth > 0xffff)
		return 0;
	w = xcalloc(1, sizeof *w); /* the compression table is too big for the stack */
	w->buf = buf;
	w->cap = cap;
	put_header(w, m);
	put_name(w, qname);
	put_u16(w, (unsigned)m->qtype);
	put_u16(w, CLASS_IN);
	for (size_t i = 0; i < m->ans.n; i++)
		put_rr(w, &m->ans.rrs[i]);
	for (size_t i = 0; i < m->ans.nauth; i++)
		put_rr(w, &m->ans.auth[i]);
	len = w->bad ? 0 : w->len;
	free(w);
	return len;
}

size_t dns_msg_encode_udp(const struct dns_msg *m, uint8_t *buf, size_t cap)
{
	struct dns_msg t;
	size_t lim = cap < DNS_UDP_MAX ? cap : DNS_UDP_MAX;
	size_t n = dns_msg_encode(m, buf, lim);
	if (n > 0 || !m->qr)
		return n;
	/* RFC 1035 §4.2.1 / RFC 2181 §9: too big for UDP -> TC=1; like common
	 * servers we send no partial RRsets, so the client retries over TCP. */
	t = *m; /* shallow: only header fields change, nothing is freed */
	t.tc = true;
	t.ans.n = 0;
	t.ans.nauth = 0;
	return dns_msg_encode(&t, buf, lim);
}

size_t dns_msg_encode_tcp(const struct dns_msg *m, uint8_t *buf, size_t cap)
{
	size_t n;
	if (cap < 2)
		return 0;
	n = dns_msg_encode(m, buf + 2, cap - 2 < 0xffff ? cap - 2 : 0xffff);
	if (n == 0)
		return 0;
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	return n + 2;
}

/* ---- decoding ----------------------------------------------------------- */

/* One RR. *rr is filled only for a known type in class IN (*known=true);
 * others (OPT, RRSIG, ...) are bounds-checked and skipped. */
static bool get_rr(struct rbuf *r, struct dns_rr *rr, bool *known)
{
	char name[DNS_NAME_MAX + 1];
	uint16_t type, cls, rdlen;
	uint32_t ttl;
	const struct wire_type *wt;
	struct rbuf rd;
	*known = false;
	if (!get_name(r, name) || !get_u16(r, &type) || !get_u16(r, &cls) ||
	    !get_u32(r, &ttl) || !get_u16(r, &rdlen) || r->len - r->pos < rdlen)
		return false;
	rd = (struct rbuf){ r->buf, r->pos + rdlen, r->pos };
	r->pos += rdlen;
	wt = wire_type(type);
	if (!wt || cls != CLASS_IN)
		return true;
	memset(rr, 0, sizeof *rr);
	rr->type = wt->type;
	rr->ttl = ttl > DNS_TTL_MAX ? 0 : ttl; /* RFC 2181 §8 */
	if (!wt->dec(&rd, rr) || rd.pos != rd.len) {
		dns_rr_clear(rr);
		return false;
	}
	rr->name = xstrdup(name);
	*known = true;
	return true;
}

/* count RRs into (*v, *n); v == NULL only checks and skips them. */
static bool get_section(struct rbuf *r, unsigned count, struct dns_rr **v, size_t *n)
{
	for (unsigned i = 0; i < count; i++) {
		struct dns_rr rr;
		bool known;
		if (!get_rr(r, &rr, &known))
			return false;
		if (!known)
			continue;
		if (!v) {
			dns_rr_clear(&rr);
			continue;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = rr; /* ownership moves into the section */
	}
	return true;
}

static void decode_flags(struct dns_msg *m, uint16_t flags)
{
	m->qr = flags & 0x8000;
	m->opcode = (uint8_t)(flags >> 11 & 0xf);
	m->aa = flags & 0x0400;
	m->tc = flags & 0x0200;
	m->rd = flags & 0x0100;
	m->ra = flags & 0x0080;
	m->rcode = (enum dns_rcode)(flags & 0xf);
}

/* Negative TTL from the authority SOA: min(SOA TTL, MINIMUM) [RFC 2308 §5]. */
static void decode_neg_ttl(struct dns_msg *m)
{
	struct dns_answer *a = &m->ans;
	if (!dns_answer_is_negative(a, m->qtype))
		return;
	for (size_t i = 0; i < a->nauth; i++) {
		if (a->auth[i].type == DNS_T_SOA) {
			a->neg_ttl = a->auth[i].ttl < a->auth[i].minimum ? a->auth[i].ttl
									 : a->auth[i].minimum;
			return;
		}
	}
}

bool dns_msg_decode(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	struct rbuf r = { buf, len, 0 };
	uint16_t flags, qd, an, ns, ar, qtype, qclass;
	memset(m, 0, sizeof *m);
	if (!get_u16(&r, &m->id) || !get_u16(&r, &flags) || !get_u16(&r, &qd) ||
	    !get_u16(&r, &an) || !get_u16(&r, &ns) || !get_u16(&r, &ar))
		return false;
	if (qd != 1) /* one question per message in practice [RFC 9619] */
		return false;
	decode_flags(m, flags);
	if (!get_name(&r, m->qname) || !get_u16(&r, &qtype) || !get_u16(&r, &qclass) ||
	    qclass != CLASS_IN)
		goto bad;
	m->qtype = (enum dns_type)qtype;
	if (!get_section(&r, an, &m->ans.rrs, &m->ans.n) ||
	    !get_section(&r, ns, &m->ans.auth, &m->ans.nauth) ||
	    !get_section(&r, ar, NULL, NULL) || r.pos != len)
		goto bad;
	m->ans.rcode = m->rcode;
	m->ans.authoritative = m->aa;
	decode_neg_ttl(m);
	return true;
bad:
	dns_msg_clear(m);
	return false;
}

/* ---- message helpers ---------------------------------------------------- */

void dns_msg_clear(struct dns_msg *m)
{
	dns_answer_clear(&m->ans);
	memset(m, 0, sizeof *m);
}

bool dns_msg_make_query(struct dns_msg *q, uint16_t id, const char *qname, enum dns_type qtype)
{
	memset(q, 0, sizeof *q);
	if (!dns_name_normalize(qname, q->qname, sizeof q->qname))
		return false;
	q->id = id;
	q->qtype = qtype;
	q->rd = true; /* stub resolvers ask for recursion */
	return true;
}

void dns_msg_make_response(struct dns_msg *resp, const struct dns_msg *query,
			   const struct dns_answer *a)
{
	memset(resp, 0, sizeof *resp);
	resp->id = query->id;
	resp->opcode = query->opcode;
	resp->qr = true;
	resp->rd = query->rd; /* copied into the response [RFC 1035 §4.1.1] */
	resp->aa = a->authoritative;
	resp->rcode = a->rcode;
	memcpy(resp->qname, query->qname, sizeof resp->qname);
	resp->qtype = query->qtype;
	dns_answer_copy(&resp->ans, a);
}
