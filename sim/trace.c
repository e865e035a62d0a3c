/* trace.c — see trace.h. */
#include "trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "trace_ends.h"
#include "trace_transcript.h"

enum { FIELD_CACHE = 8, KEY_MEMO = 256, KEY_TEXT_MAX = 38, KEY_COPY = 40, BORROW_CHECKED = 16 };

/* A short JSON text written once and copied after (put_memo). */
struct text_memo {
	unsigned char len;   /* 0: not yet written */
	char text[KEY_COPY]; /* at most KEY_TEXT_MAX used; copied KEY_COPY at a time */
};

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
	struct text_memo kind_text[TK_COUNT]; /* "kind":"…" of each kind, once written */
	/* ,"key": of the keys written lately, by the key's address (callers
	 * pass string literals), direct mapped. */
	struct key_memo {
		const char *key;
		struct text_memo t;
	} keys[KEY_MEMO];
#ifndef NDEBUG
	/* The strings the event borrows (trace_*_ref), as they were lent:
	 * trace_end checks they are still so. */
	struct borrow {
		const char *p;
		size_t n;
		uint64_t h;
	} lent[BORROW_CHECKED];
	size_t nlent;
#endif
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
#ifndef NDEBUG
	tr->nlent = 0;
#endif
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

bool trace_wanted(const struct trace *tr)
{
	return tr->jsonl || tr->transcript || tr->buffer || tr->hook;
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
	tr->quiet = !trace_wanted(tr);
	tr->ev.t = t;
	tr->ev.id = kind;
	tr->ev.kind = trace_kind_name(kind);
}

static void set_owned(struct trace *tr, char **slot, const char *v)
{
	*slot = v && !tr->quiet ? scratch_strdup(tr, v) : NULL;
}

#ifndef NDEBUG
static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * UINT64_C(0x100000001b3);
	return h;
}
#endif

/* Remember a borrowed string to check at trace_end (debug builds; a
 * release build does nothing here, not even measure it). */
static void lend(struct trace *tr, const char *p)
{
#ifndef NDEBUG
	size_t n = strlen(p);
	if (tr->nlent < BORROW_CHECKED)
		tr->lent[tr->nlent++] = (struct borrow){p, n, fnv1a(p, n)};
#else
	(void)tr, (void)p;
#endif
}

static void check_lent(const struct trace *tr)
{
#ifndef NDEBUG
	for (size_t i = 0; i < tr->nlent; i++) {
		const struct borrow *b = &tr->lent[i];
		if (strlen(b->p) != b->n || fnv1a(b->p, b->n) != b->h) {
			/* A caller broke trace_*_ref's contract: our bug. */
			fprintf(stderr, "mailsim: trace: a %s event's borrowed string changed before "
				"trace_end\n", tr->ev.kind);
			abort();
		}
	}
#else
	(void)tr;
#endif
}

static void set_borrowed(struct trace *tr, char **slot, const char *v)
{
	if (!v || tr->quiet) {
		*slot = NULL;
		return;
	}
	*slot = (char *)v; /* never written through: the writer only reads */
	lend(tr, v);
}

void trace_node(struct trace *tr, const char *v) { set_owned(tr, &tr->ev.node, v); }
void trace_node_ref(struct trace *tr, const char *v) { set_borrowed(tr, &tr->ev.node, v); }
void trace_peer_ref(struct trace *tr, const char *v) { set_borrowed(tr, &tr->ev.peer, v); }
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

void trace_str_ref(struct trace *tr, const char *key, const char *val)
{
	struct trace_field *f = add_field(tr, key, TF_STR);
	if (tr->quiet)
		return;
	const char *v = val ? val : "";
	f->str = (char *)v; /* never written through: the writer only reads */
	f->n = strlen(v);
	lend(tr, v);
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

/* The implied fields (ARCHITECTURE.md, "Implied fields"): what the conn's
 * first event already said. Sets *node and *peer to NULL for what can be left
 * out; *tls says whether the conn's lines are encrypted by now. */
static void imply_ends(struct trace *tr, const struct trace_event *ev, const char *dir,
		       const char **node,
		       const char **peer, bool *tls)
{
	*node = ev->node;
	*peer = ev->peer;
	*tls = false;
	if (ev->conn < 0 || !ev->node || !ev->peer)
		return;
	const char *cl, *sv;
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

/* The fields the writer itself reads, found in one pass over the event. */
struct ev_look {
	const char *dir, *line; /* NULL when absent */
	bool octets;            /* a live line longer than kept */
};

static void look_up(const struct trace_event *ev, struct ev_look *lk)
{
	*lk = (struct ev_look){0};
	for (size_t i = 0; i < ev->nf; i++) {
		const struct trace_field *f = &ev->f[i];
		if (f->type == TF_STR) {
			if (!lk->dir && trace_key_eq(f->key, "dir"))
				lk->dir = f->str;
			else if (!lk->line && trace_key_eq(f->key, "line"))
				lk->line = f->str;
		} else if (f->type != TF_STRV && trace_key_eq(f->key, "octets")) {
			lk->octets = true;
		}
	}
}

/* Whether an smtp.send's dir is the one its line implies (trace_kinds.h). */
static bool dir_implied(const struct ev_look *lk, const char *dir)
{
	if (!lk->line)
		return false;
	return trace_line_is_reply(lk->line, strlen(lk->line)) == (strcmp(dir, "s2c") == 0);
}

/* Whether an event may be folded with the next one of its conn: a
 * protocol line (not a live line longer than kept, whose octets are its
 * own). */
static bool foldable(const struct trace_event *ev, const struct ev_look *lk)
{
	if ((ev->id != TK_SMTP_SEND && ev->id != TK_IMAP_SEND && ev->id != TK_POP3_SEND) ||
	    ev->conn < 0)
		return false;
	return !lk->octets;
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
	    trace_key_eq(f->key, "port") && strncmp(ev->kind, "net.", 4) == 0)
		return tends_same_port(&tr->ends, ev->conn, (uint16_t)f->num);
	if (f->type != TF_STR)
		return false;
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (ev->id == defaults[i].kind && trace_key_eq(f->key, defaults[i].key) &&
		    trace_key_eq(f->str, defaults[i].value))
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

/* Append a memo's text: a fixed-size copy, a few vector moves, instead
 * of memcpy's call and its branches on the length. The bytes past len are
 * written and then overwritten by what follows (the NUL at least). */
static void put_memo(struct strbuf *sb, const struct text_memo *m)
{
	if (sb->len + KEY_COPY + 1 > sb->cap)
		sb_reserve(sb, KEY_COPY);
	memcpy(sb->data + sb->len, m->text, KEY_COPY);
	sb->len += m->len;
	sb->data[sb->len] = '\0';
}

/* Remember what sb holds from at on; false (and the memo empty) when it
 * does not fit. */
static bool memo_set(struct text_memo *m, const struct strbuf *sb, size_t at)
{
	size_t n = sb->len - at;
	m->len = n <= KEY_TEXT_MAX ? (unsigned char)n : 0;
	memcpy(m->text, sb->data + at, m->len);
	return m->len;
}

/* ,"key": from the memo, or written and remembered. */
static void put_field_key(struct trace *tr, struct strbuf *sb, const char *key)
{
	/* Fibonacci hashing (Knuth, TAOCP 6.4): literals sit a few bytes
	 * apart, and the top bits of the product spread them. */
	uint64_t h = (uint64_t)(uintptr_t)key * UINT64_C(0x9E3779B97F4A7C15);
	_Static_assert(KEY_MEMO == 256, "the index is the top 8 bits");
	struct key_memo *m = &tr->keys[h >> 56];
	if (m->key == key) {
		put_memo(sb, &m->t);
		return;
	}
	size_t at = sb->len;
	json_put_key(sb, key);
	m->key = memo_set(&m->t, sb, at) ? key : NULL;
}

static void put_opt_str(struct trace *tr, struct strbuf *sb, const char *key, const char *v)
{
	if (!v)
		return;
	put_field_key(tr, sb, key);
	json_put_string(sb, v, strlen(v));
}

/* "kind":"…", written once per kind and copied after (a kind outside the
 * table is escaped each time). */
static void put_kind(struct trace *tr, struct strbuf *sb, const struct trace_event *ev)
{
	unsigned k = (unsigned)ev->id;
	if (k >= TK_COUNT || ev->kind != trace_kind_name(ev->id)) {
		sb_append(sb, "\"kind\":", 7);
		json_put_string(sb, ev->kind, strlen(ev->kind));
		return;
	}
	if (tr->kind_text[k].len) {
		put_memo(sb, &tr->kind_text[k]);
		return;
	}
	size_t at = sb->len; /* the first time: written, and remembered if short */
	sb_append(sb, "\"kind\":", 7);
	json_put_string(sb, ev->kind, strlen(ev->kind));
	memo_set(&tr->kind_text[k], sb, at);
}

/* The event as one JSONL line into sb. For a foldable event, *from and *at
 * are the offsets of its "line" value's opening and closing quotes (else
 * both 0); *tlen is the length of its "t":…, (0 when left out: the line
 * before said the same t). */
static void format_jsonl(struct trace *tr, const struct trace_event *ev, const struct ev_look *lk,
			 struct strbuf *sb,
			 size_t *from, size_t *at, size_t *tlen)
{
	const char *dir = lk->dir;
	bool fold = foldable(ev, lk);
	*from = *at = 0;
	char t[32];
	const char *node, *peer;
	bool tls_up, tls_said = false;
	imply_ends(tr, ev, dir, &node, &peer, &tls_up);
	sb_append(sb, "{", 1);
	*tlen = 0;
	if (!tr->t_known || ev->t != tr->last_t) {
		size_t tn = trace_time_text(ev->t, t, true);
		sb_append(sb, "\"t\":", 4);
		sb_append(sb, t, tn);
		sb_append(sb, ",", 1);
		*tlen = tn + 5;
	}
	tr->t_known = true;
	tr->last_t = ev->t;
	put_kind(tr, sb, ev);
	size_t ids_at = sb->len;
	put_opt_str(tr, sb, "node", node);
	put_opt_str(tr, sb, "peer", peer);
	if (ev->conn >= 0) {
		put_field_key(tr, sb, "conn");
		json_put_int(sb, ev->conn);
	}
	put_opt_str(tr, sb, "msg", ev->msg);
	size_t ids_end = sb->len;
	put_opt_str(tr, sb, "rcpt", ev->rcpt);
	size_t rest_at = 0; /* dns.cache: where its answer begins */
	for (size_t i = 0; i < ev->nf; i++) {
		const struct trace_field *f = &ev->f[i];
		if (ev->id == TK_DNS_CACHE && !rest_at && !trace_key_eq(f->key, "qname") &&
		    !trace_key_eq(f->key, "qtype"))
			rest_at = sb->len;
		if (ev->id == TK_SMTP_SEND && f->type == TF_STR && trace_key_eq(f->key, "dir") &&
		    dir_implied(lk, f->str))
			continue;
		if (field_implied(tr, ev, f))
			continue;
		if (tls_up && f->type == TF_BOOL && trace_key_eq(f->key, "tls")) {
			tls_said = true;
			if (f->num)
				continue; /* implied by the conn's tls.ok */
		}
		put_field_key(tr, sb, f->key);
		switch (f->type) {
		case TF_STR:
			if (fold && trace_key_eq(f->key, "line"))
				*from = sb->len;
			json_put_string(sb, f->str, f->n);
			if (*from && !*at)
				*at = sb->len - 1;
			break;
		case TF_INT:
			json_put_int(sb, f->num);
			break;
		case TF_BOOL:
			sb_puts(sb, f->num ? "true" : "false");
			break;
		case TF_TIME: {
			char tb[32];
			sb_append(sb, tb, trace_time_text(f->num, tb, true));
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
		struct ev_look lk;
		look_up(ev, &lk);
		const char *d = lk.dir;
		format_jsonl(tr, ev, &lk, &tr->line, &from, &at, &tlen);
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
		trace_transcript_line(ev, &tr->line);
		fwrite(tr->line.data, 1, tr->line.len, tr->transcript);
	}
}

void trace_end(struct trace *tr)
{
	check_lent(tr);
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
