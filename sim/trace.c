/* trace.c — see trace.h. */
#include "trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mime_enc.h"
#include "trace_ends.h"

enum { FIELD_CACHE = 8 };

struct trace {
	FILE *jsonl;             /* not owned */
	FILE *transcript;        /* not owned */
	struct strbuf *buffer;   /* not owned */
	trace_hook_fn hook;
	void *hook_ud;
	bool in_hook;
	uint64_t seq;
	bool building;
	bool loose;              /* fields not checked against the vocabulary */
	struct trace_event ev;   /* the event being built */
	struct strbuf line;      /* scratch */
	/* The strings of the event being built: bump-allocated from blocks
	 * that are reused for every event (no malloc/free per field). */
	struct scratch_block *blocks;
	size_t nblocks, cur;
	bool quiet;              /* no sink and no hook: fields are not kept */
	/* Keys already found in each kind's declaration: callers pass string
	 * literals, so a pointer match skips the text check. */
	const char *known[TK_COUNT][FIELD_CACHE];
	unsigned char known_next[TK_COUNT];
	struct trace_ends ends;  /* each conn's ends, for the fields the JSONL leaves out */
	/* Line folding ("Folded lines" in ARCHITECTURE.md): the last JSONL
	 * line, held back while the next event could join it. pend_at is
	 * where its "line" value ends (its closing quote); 0 when nothing is
	 * held. */
	struct strbuf pend;
	size_t pend_from, pend_at;
	size_t pend_tlen;        /* bytes of its "t":…, (0: left out) */
	int64_t pend_t;
	char pend_dir;           /* its dir's first letter: a left-out dir is not a match */
	/* What the last JSONL line said, for the next one to leave out:
	 * its t, and (a msg.header or msg.compose) its node and msg as written. */
	bool t_known;
	int64_t last_t;
	struct strbuf last_hdr;  /* ,"node":…,"msg":… of a msg.header or msg.compose; else empty */
	struct trace_said dns;   /* dns.cache answers by node, qname and qtype */
	struct trace_field discard; /* where a quiet event's fields are written */
};

struct scratch_block {
	char *data;
	size_t cap, used;
};

enum { SCRATCH_BLOCK = 8192 };

/* n bytes from the event's scratch, aligned for pointers; they stay put
 * until the event is reset. */
static void *scratch_alloc(struct trace *tr, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	while (tr->cur < tr->nblocks) {
		struct scratch_block *b = &tr->blocks[tr->cur];
		if (b->cap - b->used >= n) {
			void *p = b->data + b->used;
			b->used += n;
			return p;
		}
		tr->cur++;
	}
	tr->blocks = xrealloc(tr->blocks, (tr->nblocks + 1) * sizeof *tr->blocks);
	struct scratch_block *b = &tr->blocks[tr->nblocks++];
	b->cap = n > SCRATCH_BLOCK ? n : SCRATCH_BLOCK;
	b->data = xmalloc(b->cap);
	b->used = n;
	tr->cur = tr->nblocks - 1;
	return b->data;
}

static char *scratch_strndup(struct trace *tr, const char *s, size_t len)
{
	char *p = scratch_alloc(tr, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static char *scratch_strdup(struct trace *tr, const char *s)
{
	return scratch_strndup(tr, s, strlen(s));
}

/* A TF_STR field's value and its length (kept in n: the writer then
 * needs no second strlen). */
static void set_str(struct trace *tr, struct trace_field *f, const char *s, size_t len)
{
	f->str = scratch_strndup(tr, s, len);
	f->n = len;
}

struct trace *trace_new(void)
{
	struct trace *tr = xcalloc(1, sizeof *tr);
	tr->ev.conn = -1;
	sb_init(&tr->line);
	sb_init(&tr->pend);
	sb_init(&tr->last_hdr);
	tends_init(&tr->ends);
	tsaid_init(&tr->dns);
	return tr;
}

static void event_reset(struct trace *tr)
{
	struct trace_event *ev = &tr->ev;
	ev->node = ev->peer = ev->msg = ev->rcpt = NULL;
	ev->conn = -1;
	ev->nf = 0;
	for (size_t i = 0; i <= tr->cur && i < tr->nblocks; i++)
		tr->blocks[i].used = 0;
	tr->cur = 0;
}

void trace_free(struct trace *tr)
{
	if (!tr)
		return;
	for (size_t i = 0; i < tr->nblocks; i++)
		free(tr->blocks[i].data);
	free(tr->blocks);
	free(tr->ev.f);
	sb_free(&tr->line);
	sb_free(&tr->pend);
	sb_free(&tr->last_hdr);
	tends_free(&tr->ends);
	tsaid_free(&tr->dns);
	free(tr);
}

/* A new sink starts with a line that says its t, and says every DNS
 * answer once before leaving it out. */
static void sink_changed(struct trace *tr)
{
	trace_flush(tr);
	tr->t_known = false;
	sb_clear(&tr->last_hdr);
	tsaid_free(&tr->dns);
	tsaid_init(&tr->dns);
}

void trace_set_jsonl(struct trace *tr, FILE *f)
{
	sink_changed(tr);
	tr->jsonl = f;
}

void trace_set_transcript(struct trace *tr, FILE *f) { tr->transcript = f; }

void trace_set_buffer(struct trace *tr, struct strbuf *sb)
{
	sink_changed(tr);
	tr->buffer = sb;
}
void trace_set_loose(struct trace *tr, bool loose) { tr->loose = loose; }
uint64_t trace_count(const struct trace *tr) { return tr->seq; }

void trace_set_hook(struct trace *tr, trace_hook_fn fn, void *ud)
{
	tr->hook = fn;
	tr->hook_ud = ud;
}

void trace_begin(struct trace *tr, int64_t t, enum trace_kind kind)
{
	/* One event at a time: a half-built event is our bug, not input. */
	if (tr->building)
		abort();
	tr->building = true;
	event_reset(tr);
	/* Nothing will read this event (no sink, no hook, as in a headless
	 * benchmark): only count it, and check its fields. */
	tr->quiet = !tr->jsonl && !tr->transcript && !tr->buffer && !tr->hook;
	tr->ev.t = t;
	tr->ev.id = kind;
	tr->ev.kind = trace_kind_name(kind);
}

static void set_owned(struct trace *tr, char **slot, const char *v)
{
	*slot = v && !tr->quiet ? scratch_strdup(tr, v) : NULL;
}

void trace_node(struct trace *tr, const char *v) { set_owned(tr, &tr->ev.node, v); }
void trace_peer(struct trace *tr, const char *v) { set_owned(tr, &tr->ev.peer, v); }
void trace_msg(struct trace *tr, const char *v) { set_owned(tr, &tr->ev.msg, v); }
void trace_rcpt(struct trace *tr, const char *v) { set_owned(tr, &tr->ev.rcpt, v); }
void trace_conn(struct trace *tr, long conn) { tr->ev.conn = conn; }

static bool field_declared(struct trace *tr, enum trace_kind k, const char *key)
{
	if ((unsigned)k >= TK_COUNT)
		return trace_kind_has_field(k, key);
	for (int i = 0; i < FIELD_CACHE; i++)
		if (tr->known[k][i] == key)
			return true;
	if (!trace_kind_has_field(k, key))
		return false;
	tr->known[k][tr->known_next[k]] = key;
	tr->known_next[k] = (unsigned char)((tr->known_next[k] + 1) % FIELD_CACHE);
	return true;
}

static struct trace_field *add_field(struct trace *tr, const char *key, enum trace_ftype type)
{
	struct trace_event *ev = &tr->ev;
	/* Nothing reads a quiet event: its fields go nowhere. The vocabulary
	 * is checked on every run that has a sink or a hook (every test). */
	if (tr->quiet)
		return &tr->discard;
	if (ev->nf == ev->capf) {
		ev->capf = ev->capf ? ev->capf * 2 : 8;
		ev->f = xrealloc(ev->f, ev->capf * sizeof *ev->f);
	}
	if (!tr->loose && !field_declared(tr, ev->id, key)) {
		/* The vocabulary (trace_kinds.h) is the contract: extend it there. */
		fprintf(stderr, "mailsim: trace: kind %s has no field \"%s\"\n", ev->kind, key);
		abort();
	}
	struct trace_field *f = &ev->f[ev->nf++];
	memset(f, 0, sizeof *f);
	f->key = key;
	f->type = type;
	return f;
}

void trace_str(struct trace *tr, const char *key, const char *val)
{
	struct trace_field *f = add_field(tr, key, TF_STR);
	if (!tr->quiet) {
		const char *v = val ? val : "";
		set_str(tr, f, v, strlen(v));
	}
}

void trace_strn(struct trace *tr, const char *key, const char *val, size_t len)
{
	struct trace_field *f = add_field(tr, key, TF_STR);
	if (!tr->quiet)
		set_str(tr, f, val, len);
}

void trace_int(struct trace *tr, const char *key, int64_t val)
{
	add_field(tr, key, TF_INT)->num = val;
}

void trace_bool(struct trace *tr, const char *key, bool val)
{
	add_field(tr, key, TF_BOOL)->num = val;
}

void trace_policy(struct trace *tr, int64_t t, const char *node, const char *msg,
		  const char *rcpt, enum policy_decision decision, const char *reason,
		  const char *folder)
{
	trace_begin(tr, t, TK_POLICY_DECISION);
	trace_node(tr, node);
	if (msg)
		trace_msg(tr, msg);
	if (rcpt)
		trace_rcpt(tr, rcpt);
	trace_str(tr, "decision", policy_decision_name(decision));
	trace_str(tr, "reason", reason);
	if (folder)
		trace_str(tr, "folder", folder);
	trace_end(tr);
}

void trace_time(struct trace *tr, const char *key, int64_t us)
{
	add_field(tr, key, TF_TIME)->num = us;
}

void trace_strv(struct trace *tr, const char *key, const char *const *v, size_t n)
{
	struct trace_field *f = add_field(tr, key, TF_STRV);
	if (tr->quiet)
		return;
	f->strv = scratch_alloc(tr, (n ? n : 1) * sizeof *f->strv);
	f->n = n;
	for (size_t i = 0; i < n; i++)
		f->strv[i] = scratch_strdup(tr, v[i]);
}

/* Decimal digits of v into the end of buf[0..32); returns the first. A
 * hand-written conversion: the trace writes a few numbers per event and
 * the printf family was a third of the writer's time. */
static char *u64_digits(uint64_t v, char *end)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* Seconds from µs into buf (>= 32 bytes), "12.000150"; with `shortest`
 * the fraction loses its trailing zeros ("1.03", "2"), still exact.
 * Returns the length. */
static size_t format_time(int64_t t_us, char *buf, bool shortest)
{
	uint64_t a = t_us < 0 ? (uint64_t)(-(t_us + 1)) + 1 : (uint64_t)t_us;
	char tmp[32], *end = tmp + sizeof tmp, *p = end;
	uint64_t frac = a % 1000000;
	int digits = 6;
	if (shortest)
		for (; digits > 0 && frac % 10 == 0; digits--)
			frac /= 10;
	for (int i = 0; i < digits; i++) {
		*--p = (char)('0' + frac % 10);
		frac /= 10;
	}
	if (digits)
		*--p = '.';
	p = u64_digits(a / 1000000, p);
	if (t_us < 0)
		*--p = '-';
	size_t n = (size_t)(end - p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n;
}

void trace_format_time(int64_t t_us, char *buf, size_t cap)
{
	char tmp[32];
	format_time(t_us, tmp, false);
	snprintf(buf, cap, "%s", tmp);
}

/* Two field keys (or a key and a short constant) equal: the first bytes
 * differ for nearly every pair the writer compares, so most comparisons
 * end there without a call. */
static inline bool key_eq(const char *a, const char *b)
{
	return a[0] == b[0] && strcmp(a, b) == 0;
}

static void put_int(struct strbuf *sb, int64_t v)
{
	char tmp[32], *end = tmp + sizeof tmp;
	char *p = u64_digits(v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v, end);
	if (v < 0)
		*--p = '-';
	sb_append(sb, p, (size_t)(end - p));
}

/* Bytes that go into a JSON string as they are: printable ASCII but the
 * quote and the backslash. */
static const bool plain_tab[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20..0x2F, no '"' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,		/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,		/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,		/* 0x50, no '\\' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,		/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,		/* 0x70, no DEL */
};

static inline bool json_plain(unsigned char c)
{
	return plain_tab[c];
}

/* Room for extra more bytes (and the NUL); the growth out of line. */
static inline void room(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 > sb->cap)
		sb_reserve(sb, extra);
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Whether any of the eight bytes of w is not json_plain, without a branch
 * per byte (the classic "has a zero byte" test, Hacker's Delight §6-1):
 * a byte below 0x20, a byte with the high bit (0x80 and up, and 0x7F once
 * 1 is added), a quote or a backslash. May not say which; the caller then
 * looks byte by byte. */
static inline bool word_needs_escape(uint64_t w)
{
	uint64_t ctl = (w - ONES * 0x20) & ~w;		  /* a byte < 0x20 */
	uint64_t high = w | (w + ONES * 0x01);		  /* >= 0x80, or 0x7F */
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
	uint64_t quote = (q - ONES) & ~q, bslash = (b - ONES) & ~b;
	return ((ctl | high | quote | bslash) & HIGHS) != 0;
}

/* The length of the plain prefix of p[0..n). */
static inline size_t plain_run(const unsigned char *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (word_needs_escape(w))
			break;
	}
	while (i < n && json_plain(p[i]))
		i++;
	return i;
}

void json_put_string(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	/* The common case, nothing to escape: one reservation, one copy. */
	room(sb, len + 2);
	sb->data[sb->len++] = '"';
	size_t first = plain_run(p, len);
	if (first == len) {
		memcpy(sb->data + sb->len, s, len);
		sb->data[sb->len + len] = '"';
		sb->len += len + 1;
		sb->data[sb->len] = '\0';
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t run = i ? plain_run(p + i, len - i) : first;
		if (run) {
			sb_append(sb, s + i, run);
			i += run;
			continue;
		}
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			sb_append(sb, e, 2);
		} else if (c == '\n') {
			sb_append(sb, "\\n", 2);
		} else if (c == '\r') {
			sb_append(sb, "\\r", 2);
		} else if (c == '\t') {
			sb_append(sb, "\\t", 2);
		} else if (c < 0x20 || c == 0x7F) {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			sb_append(sb, e, 6);
		} else { /* c >= 0x80 */
			size_t n = utf8_seq(p + i, len - i);
			if (n == 0) {
				sb_append(sb, "\\ufffd", 6);
				i++;
				continue;
			}
			sb_append(sb, s + i, n);
			i += n;
			continue;
		}
		i++;
	}
	sb_append(sb, "\"", 1);
}

/* ,"key": — keys are the vocabulary's identifiers, so the escaping is
 * almost never needed; it is still checked (loose mode takes any key). */
static void put_key(struct strbuf *sb, const char *key)
{
	size_t n = strlen(key);
	if (plain_run((const unsigned char *)key, n) != n) {
		sb_append(sb, ",", 1);
		json_put_string(sb, key, n);
		sb_append(sb, ":", 1);
		return;
	}
	room(sb, n + 4);
	char *o = sb->data + sb->len;
	o[0] = ',';
	o[1] = '"';
	memcpy(o + 2, key, n);
	o[n + 2] = '"';
	o[n + 3] = ':';
	sb->len += n + 4;
	sb->data[sb->len] = '\0';
}

static void put_opt_str(struct strbuf *sb, const char *key, const char *v)
{
	if (!v)
		return;
	put_key(sb, key);
	json_put_string(sb, v, strlen(v));
}

/* The implied fields (ARCHITECTURE.md, "Implied fields"): what the conn's
 * first event already said. Sets *node and *peer to NULL for what can be left
 * out; *tls says whether the conn's lines are encrypted by now. */
static void imply_ends(struct trace *tr, const struct trace_event *ev, const char **node,
		       const char **peer, bool *tls)
{
	*node = ev->node;
	*peer = ev->peer;
	*tls = false;
	if (ev->conn < 0 || !ev->node || !ev->peer)
		return;
	const char *dir = trace_event_str(ev, "dir"), *cl, *sv;
	if (!tends_get(&tr->ends, ev->conn, &cl, &sv, tls)) {
		/* Its first event: names both ends, and fixes them. */
		bool at_server = ev->id == TK_NET_ACCEPT || (dir && strcmp(dir, "s2c") == 0);
		tends_learn(&tr->ends, ev->conn, at_server ? ev->peer : ev->node,
			    at_server ? ev->node : ev->peer);
	} else if (dir) { /* a line or a body: dir says which end sent it */
		bool c2s = strcmp(dir, "c2s") == 0;
		if (strcmp(ev->node, c2s ? cl : sv) == 0 && strcmp(ev->peer, c2s ? sv : cl) == 0)
			*node = *peer = NULL;
	} else {
		bool by_client = strcmp(ev->node, cl) == 0 && strcmp(ev->peer, sv) == 0;
		bool by_server = strcmp(ev->node, sv) == 0 && strcmp(ev->peer, cl) == 0;
		if (by_client || by_server)
			*peer = NULL; /* the other end of node */
		/* and node too where the kind implies it: net.accept is the
		 * server's, any other conn event without dir the client's */
		if (ev->id == TK_NET_ACCEPT ? by_server : by_client)
			*node = NULL;
	}
	if (ev->id == TK_TLS_OK)
		tends_tls_up(&tr->ends, ev->conn);
	*tls = *tls && dir;
}

/* Whether an smtp.send's dir is the one its line implies (trace_kinds.h). */
static bool dir_implied(const struct trace_event *ev, const char *dir)
{
	const char *line = trace_event_str(ev, "line");
	if (!line)
		return false;
	return trace_line_is_reply(line, strlen(line)) == (strcmp(dir, "s2c") == 0);
}

/* Whether an event may be folded with the next one of its conn: a
 * protocol line (not a live line longer than kept, whose octets are its
 * own). */
static bool foldable(const struct trace_event *ev)
{
	if ((ev->id != TK_SMTP_SEND && ev->id != TK_IMAP_SEND && ev->id != TK_POP3_SEND) ||
	    ev->conn < 0)
		return false;
	int64_t octets;
	return !trace_event_int(ev, "octets", &octets);
}

/* The fields left out when they hold their kind's usual value
 * (ARCHITECTURE.md, "Implied fields"); every reader has the same table. */
static const struct {
	enum trace_kind kind;
	const char *key, *value;
} defaults[] = {
	{TK_DNS_ANSWER, "rcode", "NOERROR"},
	{TK_DNS_CACHE, "rcode", "NOERROR"},
	{TK_TLS_OK, "version", "TLSv1.3"},
	{TK_QUEUE_DONE, "status", "2.0.0"},
};

/* Whether a field is left out: its kind's default, or a net.* event's
 * port that its conn's first one with a port said. */
static bool field_implied(struct trace *tr, const struct trace_event *ev,
			  const struct trace_field *f)
{
	if (f->type == TF_INT && ev->conn >= 0 && f->num > 0 && f->num <= 65535 &&
	    key_eq(f->key, "port") && strncmp(ev->kind, "net.", 4) == 0)
		return tends_same_port(&tr->ends, ev->conn, (uint16_t)f->num);
	if (f->type != TF_STR)
		return false;
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (ev->id == defaults[i].kind && key_eq(f->key, defaults[i].key) &&
		    key_eq(f->str, defaults[i].value))
			return true;
	return false;
}

/* A msg.header of the node and msg of the line before it (a msg.header
 * or the msg.compose) leaves both out: sb holds the event from its kind
 * on, ids_at where its node begins and ids_end where its msg ends. */
static void imply_header_ids(struct trace *tr, const struct trace_event *ev, struct strbuf *sb,
			     size_t ids_at, size_t ids_end)
{
	bool ids = ev->node && ev->msg && !ev->peer && ev->conn < 0 && !ev->rcpt;
	bool same = ev->id == TK_MSG_HEADER && ids && tr->last_hdr.len == ids_end - ids_at &&
		    memcmp(tr->last_hdr.data, sb->data + ids_at, ids_end - ids_at) == 0;
	sb_clear(&tr->last_hdr);
	if ((ev->id == TK_MSG_HEADER || ev->id == TK_MSG_COMPOSE) && ids)
		sb_append(&tr->last_hdr, sb->data + ids_at, ids_end - ids_at);
	if (same) {
		memmove(sb->data + ids_at, sb->data + ids_end, sb->len - ids_end + 1);
		sb->len -= ids_end - ids_at;
	}
}

/* A dns.cache that says what the last one of its node said for that name
 * and type leaves out its rcode, answers and ttl: sb's text from ids_at to
 * rest_at is the key, from rest_at on the answer. */
static void imply_dns_repeat(struct trace *tr, struct strbuf *sb, size_t ids_at, size_t rest_at)
{
	if (rest_at <= ids_at || rest_at >= sb->len)
		return;
	char c = sb->data[rest_at]; /* the key ends there: a NUL for a moment */
	sb->data[rest_at] = '\0';
	bool same = tsaid_repeat(&tr->dns, sb->data + ids_at, sb->data + rest_at + 1,
				 sb->len - rest_at - 1);
	sb->data[rest_at] = c;
	if (same) {
		sb->len = rest_at;
		sb->data[rest_at] = '\0';
	}
}

/* The event as one JSONL line into sb. For a foldable event, *from and *at
 * are the offsets of its "line" value's opening and closing quotes (else
 * both 0); *tlen is the length of its "t":…, (0 when left out: the line
 * before said the same t). */
static void format_jsonl(struct trace *tr, const struct trace_event *ev, struct strbuf *sb,
			 size_t *from, size_t *at, size_t *tlen)
{
	bool fold = foldable(ev);
	*from = *at = 0;
	char t[32];
	const char *node, *peer;
	bool tls_up, tls_said = false;
	imply_ends(tr, ev, &node, &peer, &tls_up);
	sb_append(sb, "{", 1);
	*tlen = 0;
	if (!tr->t_known || ev->t != tr->last_t) {
		size_t tn = format_time(ev->t, t, true);
		sb_append(sb, "\"t\":", 4);
		sb_append(sb, t, tn);
		sb_append(sb, ",", 1);
		*tlen = tn + 5;
	}
	tr->t_known = true;
	tr->last_t = ev->t;
	sb_append(sb, "\"kind\":", 7);
	json_put_string(sb, ev->kind, strlen(ev->kind));
	size_t ids_at = sb->len;
	put_opt_str(sb, "node", node);
	put_opt_str(sb, "peer", peer);
	if (ev->conn >= 0) {
		put_key(sb, "conn");
		put_int(sb, ev->conn);
	}
	put_opt_str(sb, "msg", ev->msg);
	size_t ids_end = sb->len;
	put_opt_str(sb, "rcpt", ev->rcpt);
	size_t rest_at = 0; /* dns.cache: where its answer begins */
	for (size_t i = 0; i < ev->nf; i++) {
		const struct trace_field *f = &ev->f[i];
		if (ev->id == TK_DNS_CACHE && !rest_at && !key_eq(f->key, "qname") &&
		    !key_eq(f->key, "qtype"))
			rest_at = sb->len;
		if (ev->id == TK_SMTP_SEND && f->type == TF_STR && key_eq(f->key, "dir") &&
		    dir_implied(ev, f->str))
			continue;
		if (field_implied(tr, ev, f))
			continue;
		if (tls_up && f->type == TF_BOOL && key_eq(f->key, "tls")) {
			tls_said = true;
			if (f->num)
				continue; /* implied by the conn's tls.ok */
		}
		put_key(sb, f->key);
		switch (f->type) {
		case TF_STR:
			if (fold && key_eq(f->key, "line"))
				*from = sb->len;
			json_put_string(sb, f->str, f->n);
			if (*from && !*at)
				*at = sb->len - 1;
			break;
		case TF_INT:
			put_int(sb, f->num);
			break;
		case TF_BOOL:
			sb_puts(sb, f->num ? "true" : "false");
			break;
		case TF_TIME: {
			char tb[32];
			sb_append(sb, tb, format_time(f->num, tb, true));
			break;
		}
		case TF_STRV:
			sb_append(sb, "[", 1);
			for (size_t k = 0; k < f->n; k++) {
				if (k)
					sb_append(sb, ",", 1);
				json_put_string(sb, f->strv[k], strlen(f->strv[k]));
			}
			sb_append(sb, "]", 1);
			break;
		}
	}
	if (tls_up && !tls_said) /* never so far: a clear line after tls.ok says so */
		sb_puts(sb, ",\"tls\":false");
	if (ev->id == TK_DNS_CACHE)
		imply_dns_repeat(tr, sb, ids_at, rest_at);
	imply_header_ids(tr, ev, sb, ids_at, ids_end);
	sb_append(sb, "}\n", 2);
}

const char *trace_event_str(const struct trace_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nf; i++)
		if (ev->f[i].type == TF_STR && key_eq(ev->f[i].key, key))
			return ev->f[i].str;
	return NULL;
}

bool trace_event_int(const struct trace_event *ev, const char *key, int64_t *out)
{
	for (size_t i = 0; i < ev->nf; i++)
		if (ev->f[i].type != TF_STR && ev->f[i].type != TF_STRV &&
		    key_eq(ev->f[i].key, key)) {
			*out = ev->f[i].num;
			return true;
		}
	return false;
}

static const struct trace_field *field(const struct trace_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nf; i++)
		if (key_eq(ev->f[i].key, key))
			return &ev->f[i];
	return NULL;
}

static void put_list(struct strbuf *sb, const struct trace_event *ev, const char *key,
		     const char *sep)
{
	const struct trace_field *f = field(ev, key);
	if (!f || f->type != TF_STRV)
		return;
	for (size_t i = 0; i < f->n; i++)
		sb_printf(sb, "%s%s", i ? sep : "", f->strv[i]);
}

static const char *S(const struct trace_event *ev, const char *key)
{
	const char *v = trace_event_str(ev, key);
	return v ? v : "";
}

static int64_t I(const struct trace_event *ev, const char *key)
{
	int64_t v = 0;
	trace_event_int(ev, key, &v);
	return v;
}

/* The human transcript: one line per event, "time  where  what". Each
 * kind family has a short formatter; unknown kinds print their fields. */
typedef void (*summary_fn)(struct strbuf *sb, const struct trace_event *ev);

static void sum_line(struct strbuf *sb, const struct trace_event *ev)
{
	const char *dir = S(ev, "dir");
	bool tls = false;
	int64_t v;
	if (trace_event_int(ev, "tls", &v))
		tls = v != 0;
	const char *arrow = strcmp(dir, "c2s") == 0 ? (tls ? "C~>" : "C->") : (tls ? "S<~" : "S<-");
	sb_printf(sb, "%s %s", arrow, S(ev, "line"));
}

static void sum_data(struct strbuf *sb, const struct trace_event *ev)
{
	bool c2s = strcmp(S(ev, "dir"), "c2s") == 0, tls = I(ev, "tls") != 0;
	/* SMTP and POP3 end a body with a lone "."; IMAP sends a counted literal. */
	bool literal = ev->id == TK_IMAP_DATA;
	sb_printf(sb, "%s [message: %" PRId64 " bytes, %" PRId64 " lines%s]  %s",
		  c2s ? (tls ? "C~>" : "C->") : (tls ? "S<~" : "S<-"), I(ev, "bytes"), I(ev, "lines"),
		  literal ? ", as a literal" : ", then \".\"", S(ev, "summary"));
}

static void sum_end(struct strbuf *sb, const struct trace_event *ev)
{
	/* sim.end's columns (outcome.h's fates), the non-zero ones. */
	static const char *const cols[] = {"inbox",   "filed",   "junk",	  "quarantined",
					   "bounced", "rejected", "dropped", "suppressed",
					   "queued"};
	sb_printf(sb, "end: %" PRId64 " recipient(s):", I(ev, "recipients"));
	bool any = false;
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		int64_t n = I(ev, cols[i]);
		if (n)
			sb_printf(sb, "%s %" PRId64 " %s", any ? "," : "", n, cols[i]);
		any = any || n;
	}
	int64_t dsn = I(ev, "dsn_stored"), dbl = I(ev, "double_bounces");
	if (dsn || dbl)
		sb_printf(sb, "; reports: %" PRId64 " stored, %" PRId64 " double bounces dropped", dsn, dbl);
}

static void sum_dns_query(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "DNS? %s %s", S(ev, "qtype"), S(ev, "qname"));
}

static void sum_dns_answer(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "DNS! %s %s -> %s", S(ev, "qtype"), S(ev, "qname"), S(ev, "rcode"));
	const struct trace_field *f = field(ev, "answers");
	if (f && f->n) {
		sb_putc(sb, ' ');
		put_list(sb, ev, "answers", ", ");
	}
}

static void sum_net(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "%s port %" PRId64, ev->kind + 4, I(ev, "port"));
}

static void sum_queue(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "%s", ev->kind);
	if (*S(ev, "queue_id"))
		sb_printf(sb, " %s", S(ev, "queue_id"));
	if (field(ev, "rcpts")) {
		sb_printf(sb, " from <%s> to ", S(ev, "from"));
		put_list(sb, ev, "rcpts", ", ");
	}
	if (*S(ev, "domain"))
		sb_printf(sb, " attempt %" PRId64 " for %s", I(ev, "attempt"), S(ev, "domain"));
	if (*S(ev, "result"))
		sb_printf(sb, " %s", S(ev, "result"));
	if (*S(ev, "status"))
		sb_printf(sb, " %s", S(ev, "status"));
	if (*S(ev, "reason"))
		sb_printf(sb, " (%s)", S(ev, "reason"));
	const struct trace_field *na = field(ev, "next_attempt");
	if (na && na->type == TF_TIME) {
		char tb[32];
		trace_format_time(na->num, tb, sizeof tb);
		sb_printf(sb, " next attempt at t=%s", tb);
	}
}

static void sum_check(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "CHECK %s: %s", S(ev, "filter"), S(ev, "result"));
	if (*S(ev, "symbol"))
		sb_printf(sb, " %s", S(ev, "symbol"));
	if (*S(ev, "score"))
		sb_printf(sb, " (%s)", S(ev, "score"));
	if (*S(ev, "detail"))
		sb_printf(sb, " -- %s", S(ev, "detail"));
}

static void sum_policy(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "POLICY %s: %s", S(ev, "decision"), S(ev, "reason"));
	if (*S(ev, "folder"))
		sb_printf(sb, " [%s]", S(ev, "folder"));
}

static void sum_route(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "ROUTE %s via ", S(ev, "domain"));
	put_list(sb, ev, "mx", ", ");
}

static void sum_store(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "STORE into %s of %s (%" PRId64 " bytes)", S(ev, "folder"), S(ev, "user"),
		  I(ev, "bytes"));
}

static void sum_header(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "HEADER %s: %s", S(ev, "name"), S(ev, "value"));
}

static void sum_dsn(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "DSN %s to <%s>: %s %s for ", S(ev, "dsn_msg"), S(ev, "to"), S(ev, "action"),
		  S(ev, "status"));
	put_list(sb, ev, "rcpts", ", ");
}

static void sum_fault(struct strbuf *sb, const struct trace_event *ev)
{
	sb_printf(sb, "FAULT %s", S(ev, "summary"));
}

static void sum_generic(struct strbuf *sb, const struct trace_event *ev)
{
	sb_puts(sb, ev->kind);
	for (size_t i = 0; i < ev->nf; i++) {
		const struct trace_field *f = &ev->f[i];
		sb_printf(sb, " %s=", f->key);
		if (f->type == TF_STR)
			sb_puts(sb, f->str);
		else if (f->type == TF_STRV)
			put_list(sb, ev, f->key, ",");
		else if (f->type == TF_BOOL)
			sb_puts(sb, f->num ? "true" : "false");
		else if (f->type == TF_TIME) {
			char tb[32];
			trace_format_time(f->num, tb, sizeof tb);
			sb_puts(sb, tb);
		} else
			sb_printf(sb, "%" PRId64, f->num);
	}
}

/* The short formatter of each kind; the rest print their fields. */
static const summary_fn summaries[TK_COUNT] = {
	[TK_SMTP_SEND] = sum_line,	 [TK_POP3_SEND] = sum_line,	   [TK_IMAP_SEND] = sum_line,
	[TK_SMTP_DATA] = sum_data,	 [TK_IMAP_DATA] = sum_data,	   [TK_POP3_DATA] = sum_data,
	[TK_SIM_END] = sum_end,		 [TK_FILTER_CHECK] = sum_check,	   [TK_POLICY_DECISION] = sum_policy,
	[TK_ROUTE_MX] = sum_route,	 [TK_MAILBOX_STORE] = sum_store,   [TK_MSG_HEADER] = sum_header,
	[TK_DSN_CREATE] = sum_dsn,	 [TK_FAULT_START] = sum_fault,	   [TK_FAULT_END] = sum_fault,
	[TK_DNS_QUERY] = sum_dns_query,	 [TK_DNS_ANSWER] = sum_dns_answer, [TK_DNS_CACHE] = sum_dns_answer,
	[TK_NET_CONNECT] = sum_net,	 [TK_NET_ACCEPT] = sum_net,	   [TK_NET_REFUSED] = sum_net,
	[TK_NET_TIMEOUT] = sum_net,	 [TK_QUEUE_ENTER] = sum_queue,	   [TK_QUEUE_ATTEMPT] = sum_queue,
	[TK_QUEUE_DEFER] = sum_queue,	 [TK_QUEUE_BOUNCE] = sum_queue,	   [TK_QUEUE_DONE] = sum_queue,
};

static void format_transcript(const struct trace_event *ev, struct strbuf *sb)
{
	char t[32];
	trace_format_time(ev->t, t, sizeof t);
	sb_printf(sb, "%12s  ", t);
	if (ev->node && ev->peer)
		sb_printf(sb, "%s -> %s  ", ev->node, ev->peer);
	else if (ev->node)
		sb_printf(sb, "%s  ", ev->node);
	if (ev->msg)
		sb_printf(sb, "[%s] ", ev->msg);
	if (ev->rcpt)
		sb_printf(sb, "<%s> ", ev->rcpt);
	summary_fn fn = (unsigned)ev->id < TK_COUNT && summaries[ev->id] ? summaries[ev->id] : sum_generic;
	fn(sb, ev);
	sb_putc(sb, '\n');
}

static void put_jsonl(struct trace *tr, const char *text, size_t len)
{
	if (tr->jsonl)
		fwrite(text, 1, len, tr->jsonl);
	if (tr->buffer)
		sb_append(tr->buffer, text, len);
}

void trace_flush(struct trace *tr)
{
	if (tr->pend_at)
		put_jsonl(tr, tr->pend.data, tr->pend.len);
	sb_clear(&tr->pend);
	tr->pend_at = tr->pend_from = 0;
}

/* Folded lines: a line event that says what the held one says but its
 * line (same t, kind, conn, dir, every other field) joins it, the lines
 * separated by \n. The text outside the line values is compared (past
 * the held line's "t", which the new one, at the same t, leaves out), and
 * the dir itself: both may have left it out, one line a reply, one a
 * command. */
static bool fold_into_pending(struct trace *tr, int64_t t, size_t from, size_t at, size_t tlen,
			      char dir)
{
	const struct strbuf *a = &tr->pend, *b = &tr->line;
	size_t skip = tr->pend_tlen;
	if (!tr->pend_at || !at || t != tr->pend_t || tlen || dir != tr->pend_dir ||
	    from + skip != tr->pend_from || memcmp(a->data + 1 + skip, b->data + 1, from - 1) != 0 ||
	    a->len - tr->pend_at != b->len - at ||
	    memcmp(a->data + tr->pend_at, b->data + at, b->len - at) != 0)
		return false;
	/* "\n" and the new line's text go in where the held line's value
	 * ends, the rest of the held event moved up to make room. */
	size_t ins = 2 + (at - from - 1), tail = a->len - tr->pend_at;
	sb_reserve(&tr->pend, ins);
	char *o = tr->pend.data + tr->pend_at;
	memmove(o + ins, o, tail + 1);
	o[0] = '\\';
	o[1] = 'n';
	memcpy(o + 2, b->data + from + 1, at - from - 1);
	tr->pend.len += ins;
	tr->pend_at += ins;
	return true;
}

static void write_event(struct trace *tr, struct trace_event *ev)
{
	ev->seq = tr->seq;
	bool folded = false;
	if (tr->jsonl || tr->buffer) {
		size_t from, at, tlen;
		sb_clear(&tr->line);
		format_jsonl(tr, ev, &tr->line, &from, &at, &tlen);
		const char *d = trace_event_str(ev, "dir");
		char dir = d ? d[0] : 0;
		folded = fold_into_pending(tr, ev->t, from, at, tlen, dir);
		if (folded) {
			ev->seq = tr->seq - 1; /* the line it joined */
		} else {
			trace_flush(tr);
			if (at) { /* held: the next line may join it */
				sb_append(&tr->pend, tr->line.data, tr->line.len);
				tr->pend_from = from;
				tr->pend_at = at;
				tr->pend_tlen = tlen;
				tr->pend_t = ev->t;
				tr->pend_dir = dir;
			} else {
				put_jsonl(tr, tr->line.data, tr->line.len);
			}
		}
	}
	if (!folded)
		tr->seq++;
	if (tr->transcript) {
		sb_clear(&tr->line);
		if (ev->id == TK_NARRATE) {
			sb_printf(&tr->line, "\n      >> %s\n\n", S(ev, "text"));
		} else {
			format_transcript(ev, &tr->line);
		}
		fwrite(tr->line.data, 1, tr->line.len, tr->transcript);
	}
}

void trace_end(struct trace *tr)
{
	if (tr->hook && !tr->in_hook) {
		tr->in_hook = true;
		tr->hook(tr->hook_ud, tr, &tr->ev);
		tr->in_hook = false;
	}
	write_event(tr, &tr->ev);
	tr->building = false;
	event_reset(tr);
}

void trace_narrate(struct trace *tr, int64_t t, const char *text)
{
	struct trace_event ev = {.t = t, .id = TK_NARRATE, .kind = trace_kind_name(TK_NARRATE), .conn = -1};
	struct trace_field f = {.key = "text", .type = TF_STR, .str = (char *)text, .n = strlen(text)};
	ev.f = &f;
	ev.nf = 1;
	write_event(tr, &ev);
}
