/* dns.h — the sans-IO DNS model: resource records, an authoritative zone
 * database with real lookup semantics, RFC 1035 wire format, presentation
 * format and a resolver cache keyed by simulated time.
 *
 * Nothing here knows about the event engine: the DNS server node calls
 * dns_db_lookup() and dns_msg_encode(); a resolver in an MTA encodes a
 * query, decodes the reply and keeps a dns_cache.
 *
 * Invariants:
 *  - Every name held in a struct (owner, target, qname, SOA names) is
 *    canonical: ASCII lower case, no trailing dot, "" is the root.
 *  - Record order is insertion order everywhere (zone data, answers, cache
 *    copies); nothing depends on hashing, pointer values or the clock.
 *  - A struct dns_rr / dns_answer / dns_msg owns its strings; *_clear frees
 *    them and leaves an all-zero struct that may be cleared again.
 *  - The decoder never reads outside [buf, buf+len) and terminates on any
 *    input (compression pointers must point strictly backwards).
 */
#ifndef MAILSIM_DNS_H
#define MAILSIM_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

/* RR TYPE values [RFC 1035 §3.2.2, RFC 3596 §2.1]. A decoded query may carry
 * a TYPE outside this list in qtype (the server then answers NODATA). */
enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28
};

/* RCODE values [RFC 1035 §4.1.1]. */
enum dns_rcode {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5
};

#define DNS_NAME_MAX 253       /* text form without trailing dot = 255 wire octets */
#define DNS_LABEL_MAX 63       /* RFC 1035 §2.3.4 */
#define DNS_TXT_STRING_MAX 255 /* one <character-string> [RFC 1035 §3.3] */
#define DNS_TTL_MAX 2147483647u /* RFC 2181 §8 */
#define DNS_CNAME_MAX_CHAIN 8  /* CNAMEs followed before giving up (SERVFAIL) */
#define DNS_UDP_MAX 512        /* classic UDP payload limit [RFC 1035 §4.2.1] */
#define DNS_PORT 53            /* servers listen here [RFC 1035 §4.2.1] */
#define DNS_SERVFAIL_TTL_MAX 300 /* RFC 2308 §7.1: at most five minutes */

const char *dns_type_name(enum dns_type t);     /* "MX"; "UNKNOWN" otherwise */
bool dns_type_parse(const char *s, enum dns_type *t); /* case-insensitive */
const char *dns_rcode_name(enum dns_rcode r);   /* "NXDOMAIN"; "UNKNOWN" otherwise */
bool dns_rcode_parse(const char *s, enum dns_rcode *r); /* case-insensitive */

/* Canonicalise a domain name: lower case, trailing dot dropped, "." -> "".
 * Validates: labels 1..63 octets of letters, digits, '-', '_' (service
 * labels such as _dmarc, _domainkey) or a label that is exactly "*"
 * (wildcard owner, RFC 4592); total <= 253 characters. in may equal out. */
bool dns_name_normalize(const char *in, char *out, size_t cap);
/* True if name equals zone or lies below it (both canonical). */
bool dns_name_is_under(const char *name, const char *zone);

struct dns_rr {
	char *name;          /* owner, canonical */
	enum dns_type type;
	uint32_t ttl;        /* seconds, 0..DNS_TTL_MAX */
	uint16_t pref;       /* MX preference */
	char *target;        /* MX exchange, CNAME/PTR/NS target; "" = root */
	uint8_t addr[16];    /* A (first 4 bytes) / AAAA */
	char *txt;           /* TXT: the strings joined without separator [RFC 7208 §3.3] */
	char **txt_parts;    /* TXT: the <character-string>s as on the wire */
	size_t txt_nparts;
	char *mname, *rname; /* SOA */
	uint32_t serial, refresh, retry, expire, minimum;
};

/* Parse presentation rdata for type into a fresh rr (rr need not be
 * initialised; on failure it is left zeroed and err says why):
 *   A "192.0.2.1", AAAA "2001:db8::1", MX "10 mx1.example.net.",
 *   CNAME/PTR/NS "host.example.", SOA "ns. hostmaster. 1 7200 3600 1209600 300",
 *   TXT either unquoted text taken whole ("v=spf1 -all"; split into 255-octet
 *   strings if longer) or master-file strings ("\"part1\" \"part2\"", with
 *   \" \\ \DDD escapes). Names are absolute, the trailing dot is optional. */
bool dns_rr_init(struct dns_rr *rr, const char *owner, enum dns_type type,
		 uint32_t ttl, const char *rdata, char *err, size_t errsz);
void dns_rr_clear(struct dns_rr *rr);
/* Deep copy; dst is overwritten without being freed first. */
void dns_rr_copy(struct dns_rr *dst, const struct dns_rr *src);
/* Same type and same rdata (owner and TTL ignored) — RFC 2181 §5 identity. */
bool dns_rr_rdata_equal(const struct dns_rr *a, const struct dns_rr *b);
/* TXT strings as on the wire: txt_parts, or txt cut into 255-octet pieces
 * for a record built by hand without parts (at least one string). */
size_t dns_rr_txt_count(const struct dns_rr *rr);
const char *dns_rr_txt_string(const struct dns_rr *rr, size_t i, size_t *len);
/* Give rr its TXT strings: ownership of parts and of each string passes to
 * rr; txt becomes their concatenation. Any previous TXT data is freed. */
void dns_rr_set_txt(struct dns_rr *rr, char **parts, size_t n);
/* Presentation rdata: "10 mx1.example.net.", "192.0.2.1", "\"v=spf1 -all\"",
 * "0 .". Always NUL-terminated; truncated if cap is too small. */
void dns_rr_rdata(const struct dns_rr *rr, char *out, size_t cap);
/* dns_rr_rdata's text appended to sb, whole (no cap). */
void dns_rr_put_rdata(const struct dns_rr *rr, struct strbuf *sb);
/* Whole master-file line: "example.com. 300 IN MX 10 mx1.example.net." */
void dns_rr_format(const struct dns_rr *rr, char *out, size_t cap);

/* The result of a lookup: what goes into a response. */
struct dns_answer {
	enum dns_rcode rcode;
	struct dns_rr *rrs;  /* answer section: CNAME chain first, then the records */
	size_t n;
	struct dns_rr *auth; /* authority section: the zone SOA on negative answers [RFC 2308 §3] */
	size_t nauth;
	uint32_t neg_ttl;    /* NXDOMAIN/NODATA cache time [RFC 2308 §5]; 0 otherwise */
	bool authoritative;  /* AA bit */
};

void dns_answer_clear(struct dns_answer *a);
/* Deep copy; dst is overwritten without being freed first. */
void dns_answer_copy(struct dns_answer *dst, const struct dns_answer *src);
void dns_answer_push(struct dns_answer *a, const struct dns_rr *rr);      /* copies */
void dns_answer_push_auth(struct dns_answer *a, const struct dns_rr *rr); /* copies */
/* NXDOMAIN, or NOERROR without a record of qtype (NODATA, possibly after a
 * CNAME chain) [RFC 2308 §1-2]. */
bool dns_answer_is_negative(const struct dns_answer *a, enum dns_type qtype);
/* Number of answer-section records of type t. */
size_t dns_answer_count(const struct dns_answer *a, enum dns_type t);
/* RFC 7505 §3: the only MX in the answer is preference 0 with exchange ".". */
bool dns_answer_is_null_mx(const struct dns_answer *a);
/* The first A record's address in dotted form into out (cap >= 16); false,
 * with out "", when a (which may be NULL) holds none. */
bool dns_answer_first_a(const struct dns_answer *a, char *out, size_t cap);

/* All the zones one DNS server holds. */
struct dns_db;
struct dns_db *dns_db_new(void);
void dns_db_free(struct dns_db *db);
/* Declare an authoritative zone apex with its negative-caching TTL. Adding an
 * existing zone updates neg_ttl. An SOA record later added at the apex takes
 * over: neg_ttl becomes min(SOA TTL, SOA MINIMUM) [RFC 2308 §5]. Without one,
 * the zone answers with a synthesized SOA (ns1.<origin>. hostmaster.<origin>.
 * 1 7200 3600 1209600 <neg_ttl>). False if origin is not a valid name. */
bool dns_db_add_zone(struct dns_db *db, const char *origin, uint32_t neg_ttl);
/* Make every lookup that lands in this zone fail with rcode (SERVFAIL for a
 * broken zone, REFUSED for a lame one); DNS_R_NOERROR restores it. */
bool dns_db_set_zone_failure(struct dns_db *db, const char *origin, enum dns_rcode rcode);
/* Copy rr into the deepest zone containing its owner. False (err says why,
 * err may be NULL) if the owner is in no zone, if a CNAME would share its
 * owner with other data or sit at an apex [RFC 1034 §3.6.2, RFC 2181 §10.1],
 * or for an SOA off the apex. An identical record is ignored [RFC 2181 §5]. */
bool dns_db_add_checked(struct dns_db *db, const struct dns_rr *rr, char *err, size_t errsz);
bool dns_db_add(struct dns_db *db, const struct dns_rr *rr);
/* Origin of the deepest zone holding name, or NULL. */
const char *dns_db_zone_of(const struct dns_db *db, const char *name);
/* Resolve (qname, qtype) against the zones; out is overwritten.
 *  - exact owner: its records of qtype (NOERROR) or none (NODATA)
 *  - a CNAME at the owner (qtype != CNAME) is followed across held zones;
 *    the answer is the chain then the target's records and the RCODE is
 *    that of the last name [RFC 6604]; a loop or more than
 *    DNS_CNAME_MAX_CHAIN links gives SERVFAIL with no records
 *  - absent owner with a descendant: NODATA (empty non-terminal, RFC 8020)
 *  - absent owner covered by "*.<closest encloser>": synthesized [RFC 4592]
 *  - otherwise NXDOMAIN; negative answers carry the SOA in auth
 *  - a name in no zone: REFUSED, not authoritative; an invalid name: FORMERR */
void dns_db_lookup(const struct dns_db *db, const char *qname, enum dns_type qtype,
		   struct dns_answer *out);

/* A whole DNS message with one question [RFC 1035 §4.1]. */
struct dns_msg {
	uint16_t id;
	uint8_t opcode;      /* 0 = QUERY */
	bool qr, aa, tc, rd, ra;
	enum dns_rcode rcode;
	char qname[256];     /* canonical */
	enum dns_type qtype; /* QCLASS is always IN */
	struct dns_answer ans; /* responses only; ans.rcode mirrors rcode */
};

void dns_msg_clear(struct dns_msg *m);
/* A recursive-desired query (RD=1) for (qname, qtype); false on a bad name. */
bool dns_msg_make_query(struct dns_msg *q, uint16_t id, const char *qname, enum dns_type qtype);
/* A response to query carrying a (copied): QR=1, same ID/question/RD, AA
 * from a->authoritative, RA=0 (the simulated server is authoritative only). */
void dns_msg_make_response(struct dns_msg *resp, const struct dns_msg *query,
			   const struct dns_answer *a);
/* Encode with name compression [RFC 1035 §4.1.4]; 0 if it does not fit. */
size_t dns_msg_encode(const struct dns_msg *m, uint8_t *buf, size_t cap);
/* UDP: as dns_msg_encode, but a response larger than DNS_UDP_MAX is sent as
 * header + question with TC=1 so the client retries over TCP [RFC 1035 §4.2.1]. */
size_t dns_msg_encode_udp(const struct dns_msg *m, uint8_t *buf, size_t cap);
/* TCP: 2-octet big-endian length prefix, then the message [RFC 1035 §4.2.2]. */
size_t dns_msg_encode_tcp(const struct dns_msg *m, uint8_t *buf, size_t cap);
/* Decode one message (QDCOUNT must be 1, QCLASS IN). Records of types this
 * model does not know, and the additional section, are skipped after bounds
 * checking. neg_ttl comes from an authority SOA: min(TTL, MINIMUM).
 * False on malformed input, with *m left cleared. */
bool dns_msg_decode(const uint8_t *buf, size_t len, struct dns_msg *m);

/* Resolver cache keyed by (qname, qtype), times in simulated µs.
 *  - positive answers live for the smallest TTL in the answer section;
 *  - negative answers (NXDOMAIN/NODATA) for min(neg_ttl, TTLs of any CNAME
 *    chain) [RFC 2308 §5]; no SOA, no caching;
 *  - SERVFAIL/REFUSED/FORMERR/NOTIMP for the servfail TTL, default 0 = not
 *    cached. RFC 2308 §7.1 allows up to 5 minutes, but in the simulator a
 *    cached failure would hide a repaired zone from the next queue run and
 *    make "temporary DNS error -> retry" [RFC 5321 §5.1] show nothing new;
 *    scenarios that want BIND-like servfail caching can set it.
 *  - an entry put at t with TTL s is returned for now < t + s*10^6 and is
 *    gone at exactly t + s*10^6; TTL 0 is never cached. */
struct dns_cache;
struct dns_cache *dns_cache_new(void);
void dns_cache_free(struct dns_cache *c);
void dns_cache_set_servfail_ttl(struct dns_cache *c, uint32_t seconds); /* clamped to 300 */
void dns_cache_put(struct dns_cache *c, const char *qname, enum dns_type qtype,
		   const struct dns_answer *a, int64_t now_us);
/* On a hit, out gets a copy whose TTLs (records and neg_ttl) are reduced by
 * the whole seconds elapsed and *remaining_ttl (may be NULL) the seconds
 * left, rounded up. Expired entries are dropped. */
bool dns_cache_get(struct dns_cache *c, const char *qname, enum dns_type qtype,
		   int64_t now_us, struct dns_answer *out, uint32_t *remaining_ttl);
void dns_cache_purge(struct dns_cache *c, int64_t now_us); /* drop expired entries */
size_t dns_cache_len(const struct dns_cache *c);

/* "192.0.2.10" -> "10.2.0.192.in-addr.arpa" [RFC 1035 §3.5]; IPv6 -> 32
 * nibbles under ip6.arpa [RFC 3596 §2.5]. */
bool dns_reverse_name(const char *ip, char *out, size_t cap);
/* DNSBL query name [RFC 5782 §2.1, §2.4]: reversed address + "." + zone. */
bool dns_dnsbl_name(const char *ip, const char *zone, char *out, size_t cap);
/* inet_pton for either family; family gets 4 or 6, unused bytes zeroed. */
bool dns_parse_ip(const char *s, uint8_t addr[16], int *family);
/* inet_ntop for either family (4 or 6). */
bool dns_format_ip(const uint8_t addr[16], int family, char *out, size_t cap);

#endif
