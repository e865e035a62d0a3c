/* imap.c — sans-IO IMAP4rev1 server (imapd); the client is imapc.c, the
 * reader and tokenizer they share imap_parse.c (imap_int.h), BODYSTRUCTURE
 * and ENVELOPE imap_body.c.
 *
 * Invariants:
 *  - A selected mailbox is a snapshot of message numbers, UIDs, flags and
 *    \Recent, taken at SELECT and changed only by our own STORE/FETCH/
 *    EXPUNGE, or grown by NOOP/CHECK/IDLE/APPEND when new mail arrived
 *    (announced with EXISTS and RECENT).
 *  - \Recent belongs to the first session told about a message: SELECT
 *    and growth claim it from the store, EXAMINE only looks [RFC 3501
 *    §2.3.2, §6.3.2].
 *  - Flags go to the store as they change (set_flags); \Seen is set by a
 *    FETCH of body text that is not PEEK, never in an EXAMINEd mailbox.
 *  - Untagged data goes out only while a command runs, or while IDLE
 *    [RFC 2177 §3].
 *  - Every state change goes through imapd_enter_state.
 *
 * Over 800 lines on purpose: it is one server state machine. Every
 * command handler reads and changes the same selected-mailbox snapshot
 * (numbers, UIDs, flags, \Recent) under the invariants above, so the
 * handlers stay next to the snapshot they guard; the parts that do not
 * touch it already live apart (imap_parse.c, imap_body.c, imapc.c). */
#include "imap.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_body.h"
#include "imap_int.h"

/* A whole command, literals included: the server must not buffer forever. */
#define IMAPD_MAX_COMMAND (IMAP_MAX_CMD_LITERAL + 2 * 65536 + IMAP_MAX_CMD_LINE)
#define IMAPD_MAX_FETCH_ITEMS 32

/* Mailbox-name pattern match for LIST [RFC 3501 §6.3.8]: "*" matches
 * anything, "%" anything but the hierarchy delimiter "/". Dynamic
 * programming over the name, so hostile patterns stay O(pattern * name). */
static bool imap_wild_match(const char *pat, const char *name, bool ci)
{
	size_t n = strlen(name);
	bool *dp = xcalloc(n + 1, sizeof(*dp)), *nx = xcalloc(n + 1, sizeof(*nx));
	dp[0] = true;
	for (; *pat; pat++) {
		bool any = false;
		for (size_t j = 0; j <= n; j++) {
			char a = *pat, b = j ? name[j - 1] : '\0';
			if (ci && a >= 'a' && a <= 'z')
				a = (char)(a - 'a' + 'A');
			if (ci && b >= 'a' && b <= 'z')
				b = (char)(b - 'a' + 'A');
			any = any || dp[j];
			if (*pat == '*')
				nx[j] = any;
			else if (*pat == '%')
				nx[j] = dp[j] || (j > 0 && nx[j - 1] && b != '/');
			else
				nx[j] = j > 0 && dp[j - 1] && a == b;
		}
		bool *t = dp;
		dp = nx;
		nx = t;
	}
	bool ok = dp[n];
	free(dp);
	free(nx);
	return ok;
}

/* ---- server -------------------------------------------------------------- */

struct imapd_msg {
	uint32_t uid;
	unsigned flags;     /* MSTORE_* */
	bool recent;        /* \Recent in this session [RFC 3501 §2.3.2] */
};

struct imapd {
	char *hostname;                       /* owned */
	const struct imapd_callbacks *cb;     /* not owned */
	void *ud;
	const struct mstore_ops *store;       /* not owned */
	void *store_ud;
	enum imapd_state state;
	struct imap_rd rd;
	char *folder;                         /* owned: selected mailbox, NULL if none */
	bool read_only;                       /* selected with EXAMINE */
	struct imapd_msg *msgs;               /* owned snapshot, index = sequence - 1 */
	size_t n;
	struct strbuf line;                   /* scratch: a response being built */
	struct strbuf wire;                   /* scratch: CRLF form of a message */
	struct strbuf part;                   /* scratch: a HEADER.FIELDS subset */
	bool offer_starttls;
	bool tls;                             /* TLS is active */
	bool tls_wait;                        /* STARTTLS answered, handshake pending */
	char *idle_tag;                       /* owned: the IDLE in progress, or NULL */
};

/* One command being executed. */
struct imapd_req {
	const char *tag;
	const char *name;      /* the command as the table spells it */
	struct imap_p p;       /* positioned after the command name */
	bool uid;              /* UID FETCH / UID STORE [RFC 3501 §6.4.8] */
};

static const char *const imapd_state_names[] = {
	[IMAPD_NOT_AUTHENTICATED] = "not authenticated",
	[IMAPD_AUTHENTICATED] = "authenticated",
	[IMAPD_SELECTED] = "selected",
	[IMAPD_LOGOUT] = "logout",
};

const char *imapd_state_name(enum imapd_state st)
{
	return (size_t)st < ARRAY_LEN(imapd_state_names) ? imapd_state_names[st] : "?";
}

static void imapd_enter_state(struct imapd *s, enum imapd_state to)
{
	enum imapd_state from = s->state;
	s->state = to;
	if (s->cb->state && from != to)
		s->cb->state(s->ud, from, to);
}

__attribute__((format(printf, 2, 3)))
static void imapd_send(struct imapd *s, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	s->cb->send_line(s->ud, imap_str(&sb));
	sb_free(&sb);
}

/* Send s->line. Literals built into it ("{n}" CRLF n octets, imap_body.h)
 * go out through send_data, the text around them through send_line. */
static void imapd_flush_line(struct imapd *s)
{
	const char *b = imap_str(&s->line), *end = b + s->line.len;
	for (;;) {
		const char *crlf = memchr(b, '\r', (size_t)(end - b));
		if (!crlf) {
			s->cb->send_line(s->ud, b);
			break;
		}
		size_t n = 0;
		const char *brace = crlf;
		while (brace > b && brace[-1] != '{')
			brace--;
		n = (size_t)strtoull(brace, NULL, 10);
		char *line = xstrndup(b, (size_t)(crlf - b));
		s->cb->send_line(s->ud, line);
		free(line);
		b = crlf + 2;
		n = n < (size_t)(end - b) ? n : (size_t)(end - b);
		s->cb->send_data(s->ud, b, n, mstore_count_lines(b, n));
		b += n;
	}
	sb_clear(&s->line);
}

/* Before TLS on a server that offers it: no LOGIN [RFC 3501 §6.2.3]. */
static bool imapd_needs_tls(const struct imapd *s)
{
	return s->offer_starttls && !s->tls;
}

/* The capability list [RFC 3501 §7.2.1]; it changes with TLS. */
static void imapd_put_caps(const struct imapd *s, struct strbuf *sb)
{
	sb_puts(sb, "IMAP4rev1 LITERAL+ IDLE");
	if (s->store->append)
		sb_puts(sb, " UIDPLUS");
	if (imapd_needs_tls(s))
		sb_puts(sb, " STARTTLS LOGINDISABLED");
}

static void imapd_bad_args(struct imapd *s, const struct imapd_req *r)
{
	imapd_send(s, "%s BAD Invalid arguments for %s", r->tag, r->name);
}

static void imapd_completed(struct imapd *s, const struct imapd_req *r)
{
	imapd_send(s, "%s OK %s completed", r->tag, r->name);
}

/* INBOX is case-insensitive and always exists [RFC 3501 §5.1]. */
static const char *imapd_canon(const char *name)
{
	return ascii_strcaseeq(name, "INBOX") ? "INBOX" : name;
}

static bool imapd_exists(const struct imapd *s, const char *name)
{
	return strcmp(name, "INBOX") == 0 ||
	       (s->store->folder_exists && s->store->folder_exists(s->store_ud, name));
}

/* The store's id when it is a decimal number, else index+1 (mstore.h). */
static uint32_t imapd_uid_of(const struct imapd *s, const char *folder, size_t i)
{
	const char *u = s->store->uid(s->store_ud, folder, i);
	char *end;
	if (u && *u >= '1' && *u <= '9') {
		unsigned long v = strtoul(u, &end, 10);
		if (!*end && v <= UINT32_MAX)
			return (uint32_t)v;
	}
	return (uint32_t)(i + 1);
}

static unsigned imapd_flags_of(const struct imapd *s, const char *folder, size_t i)
{
	unsigned all = MSTORE_SEEN | MSTORE_ANSWERED | MSTORE_FLAGGED | MSTORE_DELETED |
		       MSTORE_DRAFT;
	return s->store->get_flags ? s->store->get_flags(s->store_ud, folder, i) & all : 0;
}

/* Message i of the selected mailbox in wire form (valid until next call). */
static const char *imapd_message(struct imapd *s, size_t i, size_t *len)
{
	size_t raw_len = 0;
	const char *raw = s->store->get(s->store_ud, s->folder, i, &raw_len);
	if (!raw) {
		raw = "";
		raw_len = 0;
	}
	return mstore_wire_form(raw, raw_len, &s->wire, len);
}

static void imapd_set_flags(struct imapd *s, size_t i, unsigned flags)
{
	if (s->msgs[i].flags == flags)
		return;
	s->msgs[i].flags = flags;
	if (s->store->set_flags)
		s->store->set_flags(s->store_ud, s->folder, i, flags);
}

static void imapd_deselect(struct imapd *s)
{
	free(s->folder);
	free(s->msgs);
	s->folder = NULL;
	s->msgs = NULL;
	s->n = 0;
}

/* Is message i of folder recent? With claim, this session takes the
 * \Recent flag for itself (SELECT; never EXAMINE [RFC 3501 §6.3.2]). */
static bool imapd_recent_of(const struct imapd *s, const char *folder, size_t i, bool claim)
{
	return s->store->recent && s->store->recent(s->store_ud, folder, i, claim);
}

static size_t imapd_count_recent(const struct imapd *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->msgs[i].recent;
	return n;
}

/* Append messages the store gained since the snapshot; true if any. */
static bool imapd_grow(struct imapd *s)
{
	size_t count = s->store->count(s->store_ud, s->folder);
	if (count <= s->n)
		return false;
	s->msgs = xrealloc(s->msgs, count * sizeof(*s->msgs));
	for (size_t i = s->n; i < count; i++) {
		s->msgs[i].uid = imapd_uid_of(s, s->folder, i);
		s->msgs[i].flags = imapd_flags_of(s, s->folder, i);
		s->msgs[i].recent = imapd_recent_of(s, s->folder, i, !s->read_only);
	}
	s->n = count;
	return true;
}

/* New mail in the selected mailbox: EXISTS, then RECENT whenever EXISTS
 * changes [RFC 3501 §7.3.1-2]. */
static void imapd_report_new(struct imapd *s)
{
	if (s->state != IMAPD_SELECTED || !imapd_grow(s))
		return;
	imapd_send(s, "* %zu EXISTS", s->n);
	imapd_send(s, "* %zu RECENT", imapd_count_recent(s));
}

static void imapd_load(struct imapd *s, const char *folder, bool read_only)
{
	imapd_deselect(s);
	s->folder = xstrdup(folder);
	s->read_only = read_only;
	imapd_grow(s);
}

/* Remove \Deleted messages (only those with a UID in uids, unless it is
 * NULL: UID EXPUNGE [RFC 4315 §2.1]); EXPUNGE announces each by its number
 * at that moment, as in the RFC 3501 §7.4.1 example; CLOSE does it
 * silently. */
static void imapd_expunge_deleted(struct imapd *s, bool announce, const struct seq_set *uids)
{
	size_t kept = 0, removed = 0;
	uint32_t max_uid = s->n ? s->msgs[s->n - 1].uid : 0;
	for (size_t i = 0; i < s->n; i++) {
		if ((s->msgs[i].flags & MSTORE_DELETED) &&
		    (!uids || seq_contains(uids, s->msgs[i].uid, max_uid))) {
			s->store->expunge(s->store_ud, s->folder, kept);
			removed++;
			if (announce)
				imapd_send(s, "* %zu EXPUNGE", kept + 1);
		} else {
			s->msgs[kept++] = s->msgs[i];
		}
	}
	s->n = kept;
	if (removed && s->store->expunged)
		s->store->expunged(s->store_ud, s->folder);
}

/* -- any state [RFC 3501 §6.1] -- */

static void imapd_cmd_capability(struct imapd *s, struct imapd_req *r)
{
	if (!ip_end(&r->p)) {
		imapd_bad_args(s, r);
		return;
	}
	sb_clear(&s->line);
	sb_puts(&s->line, "* CAPABILITY ");
	imapd_put_caps(s, &s->line);
	imapd_flush_line(s);
	imapd_completed(s, r);
}

/* NOOP and CHECK also report new mail [RFC 3501 §6.1.2, §7.3.1]. */
static void imapd_cmd_noop(struct imapd *s, struct imapd_req *r)
{
	if (!ip_end(&r->p)) {
		imapd_bad_args(s, r);
		return;
	}
	imapd_report_new(s);
	imapd_completed(s, r);
}

static void imapd_cmd_logout(struct imapd *s, struct imapd_req *r)
{
	if (!ip_end(&r->p)) {
		imapd_bad_args(s, r);
		return;
	}
	imapd_send(s, "* BYE %s IMAP4rev1 server logging out", s->hostname);
	imapd_completed(s, r);
	imapd_deselect(s);
	imapd_enter_state(s, IMAPD_LOGOUT);
	s->cb->close(s->ud);
}

/* -- not authenticated [RFC 3501 §6.2] -- */

/* STARTTLS [RFC 3501 §6.2.1]: the handshake starts right after our OK. */
static void imapd_cmd_starttls(struct imapd *s, struct imapd_req *r)
{
	if (!ip_end(&r->p)) {
		imapd_bad_args(s, r);
	} else if (!imapd_needs_tls(s)) {
		imapd_send(s, "%s BAD %s", r->tag, s->tls ? "TLS is already active" : "Unknown command");
	} else {
		imapd_send(s, "%s OK Begin TLS negotiation now", r->tag);
		s->tls_wait = true;
		s->cb->start_tls(s->ud);
	}
}

/* RFC 5530 §3's code for "not without TLS", as Dovecot answers. */
static void imapd_privacy_required(struct imapd *s, const struct imapd_req *r)
{
	imapd_send(s, "%s NO [PRIVACYREQUIRED] Plaintext authentication disallowed on "
		      "non-secure (SSL/TLS) connections", r->tag);
}

static void imapd_cmd_login(struct imapd *s, struct imapd_req *r)
{
	struct strbuf user, pass;
	sb_init(&user);
	sb_init(&pass);
	if (!ip_sp(&r->p) || !ip_astring(&r->p, &user) || !ip_sp(&r->p) ||
	    !ip_astring(&r->p, &pass) || !ip_end(&r->p))
		imapd_bad_args(s, r);
	else if (imapd_needs_tls(s))   /* LOGINDISABLED [RFC 3501 §6.2.3] */
		imapd_privacy_required(s, r);
	else if (!s->store->login(s->store_ud, imap_str(&user), imap_str(&pass)))
		/* [AUTHENTICATIONFAILED] is RFC 5530 §3's code for this. */
		imapd_send(s, "%s NO [AUTHENTICATIONFAILED] Authentication failed", r->tag);
	else {
		imapd_enter_state(s, IMAPD_AUTHENTICATED);
		imapd_completed(s, r);
	}
	sb_free(&user);
	sb_free(&pass);
}

/* We advertise no AUTH= mechanism, so every one is unsupported
 * [RFC 3501 §6.2.2]; before TLS the refusal says TLS comes first. */
static void imapd_cmd_authenticate(struct imapd *s, struct imapd_req *r)
{
	struct strbuf mech;
	sb_init(&mech);
	if (!ip_sp(&r->p) || !ip_atom(&r->p, &mech, NULL))
		imapd_bad_args(s, r);
	else if (imapd_needs_tls(s))
		imapd_privacy_required(s, r);
	else
		imapd_send(s, "%s NO Unsupported authentication mechanism", r->tag);
	sb_free(&mech);
}

/* -- authenticated [RFC 3501 §6.3] -- */

static void imapd_select_replies(struct imapd *s)
{
	size_t unseen = 0;
	for (size_t i = 0; i < s->n && !unseen; i++)
		if (!(s->msgs[i].flags & MSTORE_SEEN))
			unseen = i + 1;
	imapd_send(s, "* %zu EXISTS", s->n);
	imapd_send(s, "* %zu RECENT", imapd_count_recent(s));
	if (unseen)
		imapd_send(s, "* OK [UNSEEN %zu] Message %zu is first unseen", unseen, unseen);
	imapd_send(s, "* OK [UIDVALIDITY 1] UIDs valid");
	imapd_send(s, "* OK [UIDNEXT %lu] Predicted next UID",
		   s->n ? (unsigned long)s->msgs[s->n - 1].uid + 1 : 1ul);
	imapd_send(s, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
	if (s->store->set_flags && !s->read_only)
		imapd_send(s, "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
			      "\\Draft)] Flags permitted");
	else
		imapd_send(s, "* OK [PERMANENTFLAGS ()] No permanent flags permitted");
}

/* SELECT and EXAMINE [RFC 3501 §6.3.1-2]: a failed attempt leaves no
 * mailbox selected. */
static void imapd_open(struct imapd *s, struct imapd_req *r, bool read_only)
{
	struct strbuf name;
	sb_init(&name);
	if (!ip_sp(&r->p) || !ip_astring(&r->p, &name) || !ip_end(&r->p)) {
		imapd_bad_args(s, r);
		sb_free(&name);
		return;
	}
	const char *folder = imapd_canon(imap_str(&name));
	imapd_deselect(s);
	if (!imapd_exists(s, folder)) {
		imapd_enter_state(s, IMAPD_AUTHENTICATED);
		imapd_send(s, "%s NO [NONEXISTENT] Mailbox does not exist", r->tag);
	} else {
		imapd_load(s, folder, read_only);
		imapd_select_replies(s);
		imapd_enter_state(s, IMAPD_SELECTED);
		imapd_send(s, "%s OK [%s] %s completed", r->tag,
			   read_only ? "READ-ONLY" : "READ-WRITE", r->name);
	}
	sb_free(&name);
}

static void imapd_cmd_select(struct imapd *s, struct imapd_req *r)
{
	imapd_open(s, r, false);
}

static void imapd_cmd_examine(struct imapd *s, struct imapd_req *r)
{
	imapd_open(s, r, true);
}

/* The i-th mailbox LIST can show: INBOX first, then the store's folders
 * in the store's order (deterministic), INBOX not twice. */
static const char *imapd_folder_at(const struct imapd *s, size_t i)
{
	if (i == 0)
		return "INBOX";
	if (!s->store->list_folders)
		return NULL;
	for (size_t k = 0;; k++) {
		const char *f = s->store->list_folders(s->store_ud, k);
		if (!f)
			return NULL;
		if (!ascii_strcaseeq(f, "INBOX") && --i == 0)
			return f;
	}
}

/* LIST and LSUB [RFC 3501 §6.3.8-9]: every folder counts as subscribed. */
static void imapd_cmd_list(struct imapd *s, struct imapd_req *r)
{
	struct strbuf ref, pat;
	sb_init(&ref);
	sb_init(&pat);
	if (!ip_sp(&r->p) || !ip_astring(&r->p, &ref) || !ip_sp(&r->p) ||
	    !(ip_string(&r->p, &pat) || ip_atom(&r->p, &pat, "%*]")) || !ip_end(&r->p)) {
		imapd_bad_args(s, r);
	} else if (!*imap_str(&pat)) {
		/* An empty pattern asks for the delimiter and root. */
		imapd_send(s, "* %s (\\Noselect) \"/\" \"\"", r->name);
		imapd_completed(s, r);
	} else {
		char *full = xasprintf("%s%s", imap_str(&ref), imap_str(&pat));
		const char *f;
		for (size_t i = 0; (f = imapd_folder_at(s, i)) != NULL; i++) {
			if (!imap_wild_match(full, f, strcmp(f, "INBOX") == 0))
				continue;
			sb_clear(&s->line);
			sb_printf(&s->line, "* %s () \"/\" ", r->name);
			imap_put_astring(&s->line, f);
			imapd_flush_line(s);
		}
		free(full);
		imapd_completed(s, r);
	}
	sb_free(&ref);
	sb_free(&pat);
}

/* STATUS [RFC 3501 §6.3.10]: straight from the store, not the snapshot.
 * With folder NULL (it does not exist) only the item name is checked. */
static bool imapd_status_item(struct imapd *s, const char *folder, const char *item,
			      struct strbuf *out)
{
	static const char *const items[] = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY",
					    "UNSEEN"};
	size_t k = 0, n, unseen = 0;
	while (k < ARRAY_LEN(items) && !ascii_strcaseeq(item, items[k]))
		k++;
	if (k == ARRAY_LEN(items) || !folder)
		return k < ARRAY_LEN(items);
	n = s->store->count(s->store_ud, folder);
	if (k == 0)
		sb_printf(out, "MESSAGES %zu", n);
	else if (k == 1) {
		size_t recent = 0;
		for (size_t i = 0; i < n; i++)
			recent += imapd_recent_of(s, folder, i, false);
		sb_printf(out, "RECENT %zu", recent);
	}
	else if (k == 2)
		sb_printf(out, "UIDNEXT %lu",
			  n ? (unsigned long)imapd_uid_of(s, folder, n - 1) + 1 : 1ul);
	else if (k == 3)
		sb_puts(out, "UIDVALIDITY 1");
	else {
		for (size_t i = 0; i < n; i++)
			unseen += !(imapd_flags_of(s, folder, i) & MSTORE_SEEN);
		sb_printf(out, "UNSEEN %zu", unseen);
	}
	return true;
}

static void imapd_cmd_status(struct imapd *s, struct imapd_req *r)
{
	struct strbuf name, item, out;
	size_t nitems = 0;
	sb_init(&name);
	sb_init(&item);
	sb_init(&out);
	bool ok = ip_sp(&r->p) && ip_astring(&r->p, &name) && ip_sp(&r->p) && ip_eat(&r->p, '(');
	const char *folder = imapd_canon(imap_str(&name));
	bool exists = ok && imapd_exists(s, folder);
	for (; ok && !ip_eat(&r->p, ')'); nitems++) {
		ok = (nitems == 0 || ip_sp(&r->p)) && ip_atom(&r->p, &item, NULL);
		sb_puts(&out, nitems ? " " : "");
		ok = ok && imapd_status_item(s, exists ? folder : NULL, imap_str(&item), &out);
	}
	if (!ok || !ip_end(&r->p) || nitems == 0) {
		imapd_bad_args(s, r);
	} else if (!exists) {
		imapd_send(s, "%s NO [NONEXISTENT] Mailbox does not exist", r->tag);
	} else {
		sb_clear(&s->line);
		sb_puts(&s->line, "* STATUS ");
		imap_put_astring(&s->line, folder);
		sb_printf(&s->line, " (%s)", out.data);
		imapd_flush_line(s);
		imapd_completed(s, r);
	}
	sb_free(&name);
	sb_free(&item);
	sb_free(&out);
}

/* APPEND's arguments [RFC 3501 §6.3.11]: SP mailbox [SP flag-list]
 * [SP date-time] SP literal. */
static bool append_parse(struct imapd_req *r, struct strbuf *name, unsigned *flags,
			 bool *has_date, int64_t *date, struct strbuf *msg)
{
	struct strbuf d;
	bool ok = true;
	*flags = 0;
	*has_date = false;
	if (!ip_sp(&r->p) || !ip_astring(&r->p, name) || !ip_sp(&r->p))
		return false;
	if (ip_peek(&r->p) == '(' && (!ip_flags(&r->p, flags, false) || !ip_sp(&r->p)))
		return false;
	if (ip_peek(&r->p) == '"') {
		sb_init(&d);
		ok = ip_quoted(&r->p, &d) && imap_parse_date_time(imap_str(&d), date) &&
		     ip_sp(&r->p);
		*has_date = true;
		sb_free(&d);
	}
	return ok && ip_literal(&r->p, msg) && ip_end(&r->p);
}

static void imapd_cmd_append(struct imapd *s, struct imapd_req *r)
{
	struct strbuf name, msg;
	unsigned flags;
	bool has_date;
	int64_t date = 0;
	uint32_t uid = 0;
	sb_init(&name);
	sb_init(&msg);
	bool ok = append_parse(r, &name, &flags, &has_date, &date, &msg);
	const char *folder = imapd_canon(imap_str(&name));
	if (!ok)
		imapd_bad_args(s, r);
	else if (!s->store->append)
		imapd_send(s, "%s NO APPEND is not supported here", r->tag);
	else if (!imapd_exists(s, folder))   /* never created implicitly */
		imapd_send(s, "%s NO [TRYCREATE] Mailbox does not exist", r->tag);
	else if (msg.len == 0)
		imapd_send(s, "%s NO Cannot append an empty message", r->tag);
	else if (!s->store->append(s->store_ud, folder, msg.data, msg.len, flags, has_date, date,
				   &uid))
		imapd_send(s, "%s NO [OVERQUOTA] Cannot append the message", r->tag);
	else {
		/* the selected mailbox grew: say so before the OK [§6.3.11] */
		if (s->state == IMAPD_SELECTED && ascii_strcaseeq(s->folder, folder))
			imapd_report_new(s);
		imapd_send(s, "%s OK [APPENDUID 1 %lu] APPEND completed", r->tag,
			   (unsigned long)uid);
	}
	sb_free(&name);
	sb_free(&msg);
}

/* IDLE [RFC 2177]: "+ idling", then new mail as it comes, until DONE. */
static void imapd_cmd_idle(struct imapd *s, struct imapd_req *r)
{
	if (!ip_end(&r->p)) {
		imapd_bad_args(s, r);
		return;
	}
	s->idle_tag = xstrdup(r->tag);
	imapd_send(s, "+ idling");
	imapd_report_new(s);
}

/* The line that ends IDLE: DONE, or anything else as a protocol error
 * that ends it too (as Dovecot does). */
static void imapd_idle_line(struct imapd *s, const char *buf, size_t len)
{
	char *tag = s->idle_tag;
	s->idle_tag = NULL;
	if (len == 4 && ascii_strncaseeq(buf, "DONE", 4))
		imapd_send(s, "%s OK IDLE terminated", tag);
	else
		imapd_send(s, "%s BAD Expected DONE", tag);
	free(tag);
}

/* -- selected [RFC 3501 §6.4] -- */

static void imapd_cmd_close(struct imapd *s, struct imapd_req *r)
{
	if (!ip_end(&r->p)) {
		imapd_bad_args(s, r);
		return;
	}
	/* No expunge for an EXAMINEd mailbox [RFC 3501 §6.4.2]. */
	if (!s->read_only)
		imapd_expunge_deleted(s, false, NULL);
	imapd_deselect(s);
	imapd_enter_state(s, IMAPD_AUTHENTICATED);
	imapd_completed(s, r);
}

static void imapd_cmd_expunge(struct imapd *s, struct imapd_req *r)
{
	if (!ip_end(&r->p)) {
		imapd_bad_args(s, r);
		return;
	}
	if (s->read_only) {
		imapd_send(s, "%s NO Mailbox is read-only", r->tag);
		return;
	}
	imapd_expunge_deleted(s, true, NULL);
	imapd_completed(s, r);
}

/* A message sequence number beyond the mailbox is a client error and the
 * whole command is BAD, "*" on an empty mailbox included [RFC 3501 §9
 * seq-number]. UIDs that do not exist simply match nothing [§6.4.8]. */
static bool imapd_seq_valid(const struct imapd *s, const struct seq_set *set, bool uid)
{
	for (size_t i = 0; i < set->n && !uid; i++) {
		uint32_t a = set->r[i].a ? set->r[i].a : (uint32_t)s->n;
		uint32_t b = set->r[i].b ? set->r[i].b : (uint32_t)s->n;
		if (a == 0 || b == 0 || a > s->n || b > s->n)
			return false;
	}
	return true;
}

static bool imapd_in_set(const struct imapd *s, const struct seq_set *set, size_t i, bool uid)
{
	if (uid)
		return seq_contains(set, s->msgs[i].uid, s->n ? s->msgs[s->n - 1].uid : 0);
	return seq_contains(set, (uint32_t)(i + 1), (uint32_t)s->n);
}

/* Parse "SP sequence-set" and check it; replies BAD itself on failure. */
static bool imapd_parse_set(struct imapd *s, struct imapd_req *r, struct seq_set *set)
{
	set->r = NULL;
	set->n = 0;
	if (!ip_sp(&r->p) || !ip_seq_set(&r->p, set)) {
		imapd_bad_args(s, r);
		return false;
	}
	if (!imapd_seq_valid(s, set, r->uid)) {
		imapd_send(s, "%s BAD Invalid message sequence number", r->tag);
		return false;
	}
	return true;
}

/* -- FETCH [RFC 3501 §6.4.5] -- */

enum fetch_kind {
	FI_FLAGS, FI_UID, FI_SIZE, FI_BODY, FI_DATE, FI_ENVELOPE, FI_STRUCTURE, FI_STRUCTURE_EXT
};
enum fetch_sec { SEC_ALL, SEC_HEADER, SEC_TEXT, SEC_FIELDS, SEC_FIELDS_NOT };

struct fetch_item {
	enum fetch_kind kind;
	enum fetch_sec sec;     /* FI_BODY */
	bool peek;              /* leaves \Seen alone */
	bool partial;           /* <origin.count> */
	uint32_t origin, count;
	char **fields;          /* owned: HEADER.FIELDS names */
	size_t nfields;
	char *name;             /* owned: the name the response uses */
};

static const struct {
	const char *name;
	enum fetch_kind kind;
	enum fetch_sec sec;
	bool peek;
} fetch_simple[] = {
	{"FLAGS", FI_FLAGS, SEC_ALL, true},
	{"UID", FI_UID, SEC_ALL, true},
	{"RFC822.SIZE", FI_SIZE, SEC_ALL, true},
	{"RFC822", FI_BODY, SEC_ALL, false},          /* = BODY[] */
	{"RFC822.HEADER", FI_BODY, SEC_HEADER, true}, /* = BODY.PEEK[HEADER] */
	{"RFC822.TEXT", FI_BODY, SEC_TEXT, false},    /* = BODY[TEXT] */
	{"INTERNALDATE", FI_DATE, SEC_ALL, true},
	{"ENVELOPE", FI_ENVELOPE, SEC_ALL, true},
	{"BODYSTRUCTURE", FI_STRUCTURE_EXT, SEC_ALL, true},
};

/* The macros, valid only alone [RFC 3501 §6.4.5]. */
static const struct {
	const char *name;
	const char *items;
} fetch_macros[] = {
	{"ALL", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)"},
	{"FAST", "(FLAGS INTERNALDATE RFC822.SIZE)"},
	{"FULL", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)"},
};

static const struct {
	const char *name;
	enum fetch_sec sec;
} fetch_sections[] = {
	{"", SEC_ALL}, {"HEADER", SEC_HEADER}, {"TEXT", SEC_TEXT},
	{"HEADER.FIELDS", SEC_FIELDS}, {"HEADER.FIELDS.NOT", SEC_FIELDS_NOT},
};

static void fetch_items_free(struct fetch_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < items[i].nfields; k++)
			free(items[i].fields[k]);
		free(items[i].fields);
		free(items[i].name);
	}
}

/* " (" header-fld-name *(SP header-fld-name) ")" after HEADER.FIELDS[.NOT] */
static bool fetch_parse_fields(struct imap_p *p, struct fetch_item *it, struct strbuf *name)
{
	struct strbuf f;
	bool ok = ip_sp(p) && ip_eat(p, '(');
	sb_init(&f);
	sb_puts(name, " (");
	while (ok && ip_astring(p, &f)) {
		it->fields = xrealloc(it->fields, (it->nfields + 1) * sizeof(*it->fields));
		it->fields[it->nfields++] = xstrdup(imap_str(&f));
		sb_puts(name, it->nfields > 1 ? " " : "");
		sb_puts(name, imap_str(&f));
		if (!ip_sp(p))
			break;
	}
	sb_free(&f);
	sb_putc(name, ')');
	return ok && it->nfields > 0 && ip_eat(p, ')');
}

/* "[" section "]" ["<" number "." nz-number ">"] after BODY / BODY.PEEK. */
static bool fetch_parse_section(struct imap_p *p, struct fetch_item *it, struct strbuf *name)
{
	struct strbuf sec;
	bool ok = false;
	sb_init(&sec);
	ip_atom(p, &sec, NULL);     /* empty for BODY[] */
	for (size_t i = 0; i < ARRAY_LEN(fetch_sections); i++) {
		if (ascii_strcaseeq(imap_str(&sec), fetch_sections[i].name)) {
			it->sec = fetch_sections[i].sec;
			sb_printf(name, "[%s", fetch_sections[i].name);
			ok = true;
		}
	}
	sb_free(&sec);
	if (ok && (it->sec == SEC_FIELDS || it->sec == SEC_FIELDS_NOT))
		ok = fetch_parse_fields(p, it, name);
	if (!ok || !ip_eat(p, ']'))
		return false;
	sb_putc(name, ']');
	if (!ip_eat(p, '<'))
		return true;
	it->partial = true;
	if (!ip_number(p, &it->origin) || !ip_eat(p, '.') || !ip_number(p, &it->count) ||
	    it->count == 0 || !ip_eat(p, '>'))
		return false;
	sb_printf(name, "<%lu>", (unsigned long)it->origin);
	return true;
}

static bool fetch_parse_item(struct imap_p *p, struct fetch_item *it)
{
	struct strbuf word, name;
	bool ok = false;
	sb_init(&word);
	sb_init(&name);
	/* fetch-att names are letters, digits and dots; "[" starts a section */
	size_t start = p->pos;
	while (p->pos < p->len && (p->s[p->pos] == '.' || is_atom_char(ip_peek(p))) &&
	       p->s[p->pos] != '[')
		p->pos++;
	sb_append(&word, p->s + start, p->pos - start);
	for (size_t i = 0; i < ARRAY_LEN(fetch_simple) && !ok; i++) {
		if (ascii_strcaseeq(imap_str(&word), fetch_simple[i].name)) {
			it->kind = fetch_simple[i].kind;
			it->sec = fetch_simple[i].sec;
			it->peek = fetch_simple[i].peek;
			sb_puts(&name, fetch_simple[i].name);
			ok = true;
		}
	}
	bool peek = ascii_strcaseeq(imap_str(&word), "BODY.PEEK");
	if (!ok && ascii_strcaseeq(imap_str(&word), "BODY") && ip_peek(p) != '[') {
		/* BODY alone: BODYSTRUCTURE without the extension data */
		it->kind = FI_STRUCTURE;
		it->peek = true;
		sb_puts(&name, "BODY");
		ok = true;
	} else if (!ok && (peek || ascii_strcaseeq(imap_str(&word), "BODY")) && ip_eat(p, '[')) {
		it->kind = FI_BODY;
		it->peek = peek;
		sb_puts(&name, "BODY");   /* the response never says PEEK */
		ok = fetch_parse_section(p, it, &name);
	}
	it->name = sb_steal(&name);
	sb_free(&word);
	return ok;
}

static bool fetch_parse_list(struct imap_p *p, struct fetch_item *items, size_t *n);

/* A macro, a single fetch-att or a parenthesised list of them. */
static bool fetch_parse_items(struct imap_p *p, struct fetch_item *items, size_t *n)
{
	for (size_t i = 0; i < ARRAY_LEN(fetch_macros); i++) {
		size_t len = strlen(fetch_macros[i].name);
		if (p->len - p->pos >= len && ascii_strncaseeq(p->s + p->pos, fetch_macros[i].name, len) &&
		    (p->pos + len == p->len || p->s[p->pos + len] == ' ')) {
			struct imap_p m = {fetch_macros[i].items, strlen(fetch_macros[i].items), 0};
			p->pos += len;
			return fetch_parse_list(&m, items, n);
		}
	}
	return fetch_parse_list(p, items, n);
}

static bool fetch_parse_list(struct imap_p *p, struct fetch_item *items, size_t *n)
{
	bool list = ip_eat(p, '(');
	*n = 0;
	do {
		if (*n == IMAPD_MAX_FETCH_ITEMS)
			return false;
		(*n)++;
		if (!fetch_parse_item(p, &items[*n - 1]))
			return false;
	} while (list && ip_sp(p));
	return !list || ip_eat(p, ')');
}

static bool fetch_field_listed(const struct fetch_item *it, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t n = colon ? (size_t)(colon - line) : len;
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < it->nfields; i++)
		if (strlen(it->fields[i]) == n && ascii_strncaseeq(line, it->fields[i], n))
			return true;
	return false;
}

/* The header fields named (or, for .NOT, not named) with their folded
 * continuation lines, plus the blank line that ends the header
 * [RFC 3501 §6.4.5]. */
static void fetch_header_fields(struct imapd *s, const struct fetch_item *it, const char *b,
				size_t hlen)
{
	bool keep = false;
	sb_clear(&s->part);
	imap_str(&s->part);
	for (size_t at = 0; at < hlen;) {
		const char *lf = memchr(b + at, '\n', hlen - at);
		size_t end = lf ? (size_t)(lf - b) + 1 : hlen;
		bool blank = end - at <= 2 && (b[at] == '\r' || b[at] == '\n');
		if (!blank && b[at] != ' ' && b[at] != '\t')
			keep = fetch_field_listed(it, b + at, end - at) == (it->sec == SEC_FIELDS);
		if (blank || keep)
			sb_append(&s->part, b + at, end - at);
		at = end;
	}
}

static void fetch_section(struct imapd *s, const struct fetch_item *it, const char *b,
			  size_t len, const char **d, size_t *dlen)
{
	size_t h = mime_header_len(b, len);
	*d = b;
	*dlen = len;
	if (it->sec == SEC_HEADER) {
		*dlen = h;
	} else if (it->sec == SEC_TEXT) {
		*d = b + h;
		*dlen = len - h;
	} else if (it->sec == SEC_FIELDS || it->sec == SEC_FIELDS_NOT) {
		fetch_header_fields(s, it, b, h);
		*d = s->part.data;
		*dlen = s->part.len;
	}
	if (it->partial) {
		size_t o = it->origin < *dlen ? it->origin : *dlen;
		*d += o;
		*dlen -= o;
		if (*dlen > it->count)
			*dlen = it->count;
	}
}

/* INTERNALDATE: the store's date, shown in UTC [RFC 3501 §2.3.3]. */
static void fetch_put_date(struct imapd *s, size_t i)
{
	char d[40];
	int64_t t = s->store->internal_date ? s->store->internal_date(s->store_ud, s->folder, i) : 0;
	imap_format_date_time(t, 0, d, sizeof(d));
	sb_printf(&s->line, "INTERNALDATE \"%s\"", d);
}

/* Append one item to s->line; a body goes out as a literal, which ends
 * the current line [RFC 3501 §4.3]. */
static void fetch_put_item(struct imapd *s, const struct fetch_item *it, size_t i)
{
	const char *b, *d;
	size_t len, dlen;
	switch (it->kind) {
	case FI_FLAGS:
		sb_puts(&s->line, "FLAGS ");
		imap_put_flags(&s->line, s->msgs[i].flags, s->msgs[i].recent);
		break;
	case FI_UID:
		sb_printf(&s->line, "UID %lu", (unsigned long)s->msgs[i].uid);
		break;
	case FI_SIZE:
		imapd_message(s, i, &len);
		sb_printf(&s->line, "RFC822.SIZE %zu", len);
		break;
	case FI_DATE:
		fetch_put_date(s, i);
		break;
	case FI_ENVELOPE:
		b = imapd_message(s, i, &len);
		sb_puts(&s->line, "ENVELOPE ");
		imap_envelope(b, len, &s->line);
		break;
	case FI_STRUCTURE:
	case FI_STRUCTURE_EXT:
		b = imapd_message(s, i, &len);
		sb_puts(&s->line, it->kind == FI_STRUCTURE ? "BODY " : "BODYSTRUCTURE ");
		imap_bodystructure(b, len, it->kind == FI_STRUCTURE_EXT, &s->line);
		break;
	case FI_BODY:
		b = imapd_message(s, i, &len);
		fetch_section(s, it, b, len, &d, &dlen);
		sb_printf(&s->line, "%s {%zu}", it->name, dlen);
		imapd_flush_line(s);
		s->cb->send_data(s->ud, d, dlen, mstore_count_lines(d, dlen));
		break;
	}
}

static void fetch_one(struct imapd *s, const struct fetch_item *items, size_t n, size_t i,
		      bool uid)
{
	bool want_flags = false, want_uid = false, sets_seen = false;
	for (size_t k = 0; k < n; k++) {
		want_flags |= items[k].kind == FI_FLAGS;
		want_uid |= items[k].kind == FI_UID;
		sets_seen |= !items[k].peek;
	}
	/* Fetching body text sets \Seen; the new flags SHOULD be included
	 * [RFC 3501 §6.4.5]. EXAMINE forbids the change [§6.3.2]. */
	bool changed = sets_seen && !s->read_only && !(s->msgs[i].flags & MSTORE_SEEN);
	if (changed)
		imapd_set_flags(s, i, s->msgs[i].flags | MSTORE_SEEN);
	sb_clear(&s->line);
	sb_printf(&s->line, "* %zu FETCH (", i + 1);
	const char *sep = "";
	if (uid && !want_uid) {   /* UID FETCH always reports the UID [§6.4.8] */
		sb_printf(&s->line, "UID %lu", (unsigned long)s->msgs[i].uid);
		sep = " ";
	}
	for (size_t k = 0; k < n; k++, sep = " ") {
		sb_puts(&s->line, sep);
		fetch_put_item(s, &items[k], i);
	}
	if (changed && !want_flags) {
		sb_printf(&s->line, "%sFLAGS ", sep);
		imap_put_flags(&s->line, s->msgs[i].flags, s->msgs[i].recent);
	}
	sb_putc(&s->line, ')');
	imapd_flush_line(s);
}

static void imapd_cmd_fetch(struct imapd *s, struct imapd_req *r)
{
	struct seq_set set;
	struct fetch_item items[IMAPD_MAX_FETCH_ITEMS];
	size_t n = 0;
	memset(items, 0, sizeof(items));
	if (!imapd_parse_set(s, r, &set)) {
		free(set.r);
		return;
	}
	if (!ip_sp(&r->p) || !fetch_parse_items(&r->p, items, &n) || !ip_end(&r->p)) {
		imapd_bad_args(s, r);
	} else {
		for (size_t i = 0; i < s->n; i++)
			if (imapd_in_set(s, &set, i, r->uid))
				fetch_one(s, items, n, i, r->uid);
		imapd_completed(s, r);
	}
	fetch_items_free(items, n);
	free(set.r);
}

/* -- STORE [RFC 3501 §6.4.6] -- */

static const struct {
	const char *name;
	int op;          /* 0 replace, +1 add, -1 remove */
	bool silent;
} store_modes[] = {
	{"FLAGS", 0, false},  {"FLAGS.SILENT", 0, true},  {"+FLAGS", 1, false},
	{"+FLAGS.SILENT", 1, true}, {"-FLAGS", -1, false}, {"-FLAGS.SILENT", -1, true},
};

static int store_mode(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(store_modes); i++)
		if (ascii_strcaseeq(name, store_modes[i].name))
			return (int)i;
	return -1;
}

static void store_one(struct imapd *s, size_t i, int mode, unsigned bits, bool uid)
{
	unsigned f = s->msgs[i].flags;
	f = store_modes[mode].op > 0 ? f | bits : store_modes[mode].op < 0 ? f & ~bits : bits;
	imapd_set_flags(s, i, f);
	if (store_modes[mode].silent)
		return;
	sb_clear(&s->line);
	sb_printf(&s->line, "* %zu FETCH (", i + 1);
	if (uid)
		sb_printf(&s->line, "UID %lu ", (unsigned long)s->msgs[i].uid);
	sb_puts(&s->line, "FLAGS ");
	imap_put_flags(&s->line, f, s->msgs[i].recent);
	sb_putc(&s->line, ')');
	imapd_flush_line(s);
}

static void imapd_cmd_store(struct imapd *s, struct imapd_req *r)
{
	struct seq_set set;
	struct strbuf word;
	unsigned bits = 0;
	int mode = -1;
	sb_init(&word);
	if (!imapd_parse_set(s, r, &set))
		goto out;
	if (!ip_sp(&r->p) || !ip_atom(&r->p, &word, NULL) ||
	    (mode = store_mode(imap_str(&word))) < 0 || !ip_sp(&r->p) ||
	    !ip_flags(&r->p, &bits, true) || !ip_end(&r->p)) {
		imapd_bad_args(s, r);
	} else if (s->read_only) {
		imapd_send(s, "%s NO Mailbox is read-only", r->tag);
	} else {
		for (size_t i = 0; i < s->n; i++)
			if (imapd_in_set(s, &set, i, r->uid))
				store_one(s, i, mode, bits, r->uid);
		imapd_completed(s, r);
	}
out:
	free(set.r);
	sb_free(&word);
}

/* -- SEARCH [RFC 3501 §6.4.4] -- */

/* One message being tested; i == SIZE_MAX only checks the syntax (so an
 * empty mailbox still gets BAD for a malformed search). */
struct search_ctx {
	struct imapd *s;
	size_t i;
};

static bool ci_contains(const char *hay, size_t hlen, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n <= hlen && i <= hlen - n; i++)
		if (ascii_strncaseeq(hay + i, needle, n))
			return true;
	return false;
}

/* Does a header field named name (folded lines included) contain str? */
static bool search_header(struct search_ctx *c, const char *name, const char *str)
{
	size_t len, nlen = strlen(name);
	const char *b = imapd_message(c->s, c->i, &len);
	size_t h = mime_header_len(b, len);
	bool in_field = false;
	for (size_t at = 0; at < h;) {
		const char *lf = memchr(b + at, '\n', h - at);
		size_t end = lf ? (size_t)(lf - b) + 1 : h;
		if (b[at] != ' ' && b[at] != '\t')
			in_field = end - at > nlen && b[at + nlen] == ':' &&
				   ascii_strncaseeq(b + at, name, nlen);
		size_t from = b[at] != ' ' && b[at] != '\t' ? at + nlen + 1 : at;
		if (in_field && ci_contains(b + from, end - from, str))
			return true;
		at = end;
	}
	return false;
}

static const struct {
	const char *name;
	unsigned flag;
	bool set;
} search_flag_keys[] = {
	{"ANSWERED", MSTORE_ANSWERED, true}, {"UNANSWERED", MSTORE_ANSWERED, false},
	{"DELETED", MSTORE_DELETED, true},   {"UNDELETED", MSTORE_DELETED, false},
	{"DRAFT", MSTORE_DRAFT, true},       {"UNDRAFT", MSTORE_DRAFT, false},
	{"FLAGGED", MSTORE_FLAGGED, true},   {"UNFLAGGED", MSTORE_FLAGGED, false},
	{"SEEN", MSTORE_SEEN, true},         {"UNSEEN", MSTORE_SEEN, false},
	{"ALL", 0, false},
};

static const char *const search_string_keys[] = {"FROM", "TO", "CC", "BCC", "SUBJECT",
						 "BODY", "TEXT", "HEADER", "KEYWORD",
						 "UNKEYWORD"};

static bool search_key(struct search_ctx *c, struct imap_p *p, bool *m, int depth);

/* 1*(key) separated by SP, ANDed; inside "(...)" when list. */
static bool search_keys(struct search_ctx *c, struct imap_p *p, bool *m, int depth, bool list)
{
	*m = true;
	do {
		bool one;
		if (!search_key(c, p, &one, depth + 1))
			return false;
		*m = *m && one;
	} while (ip_sp(p));
	return list ? ip_eat(p, ')') : ip_end(p);
}

/* The keys that take a string argument. */
static bool search_string_key(struct search_ctx *c, struct imap_p *p, size_t k, bool *m)
{
	struct strbuf a, b;
	size_t len;
	sb_init(&a);
	sb_init(&b);
	bool ok = ip_sp(p) && ip_astring(p, &a) &&
		  (strcmp(search_string_keys[k], "HEADER") || (ip_sp(p) && ip_astring(p, &b)));
	const char *key = search_string_keys[k];
	if (ok && c->i != SIZE_MAX) {
		const char *msg = imapd_message(c->s, c->i, &len);
		size_t h = mime_header_len(msg, len);
		if (!strcmp(key, "BODY"))
			*m = ci_contains(msg + h, len - h, imap_str(&a));
		else if (!strcmp(key, "TEXT"))
			*m = ci_contains(msg, len, imap_str(&a));
		else if (!strcmp(key, "HEADER"))
			*m = search_header(c, imap_str(&a), imap_str(&b));
		else if (!strcmp(key, "KEYWORD") || !strcmp(key, "UNKEYWORD"))
			*m = key[0] == 'U';   /* keywords are never stored */
		else
			*m = search_header(c, key, imap_str(&a));
	}
	sb_free(&a);
	sb_free(&b);
	return ok;
}

/* A flag key (or ALL/OLD/NEW/RECENT); false if key is none of them. */
static bool search_flag_key(const struct search_ctx *c, const char *key, bool *m)
{
	const struct imapd_msg *msg = c->i != SIZE_MAX ? &c->s->msgs[c->i] : NULL;
	/* session flag \Recent: NEW is recent and unseen [RFC 3501 §6.4.4] */
	if (ascii_strcaseeq(key, "RECENT") || ascii_strcaseeq(key, "OLD")) {
		*m = msg && msg->recent == (key[0] == 'R' || key[0] == 'r');
		return true;
	}
	if (ascii_strcaseeq(key, "NEW")) {
		*m = msg && msg->recent && !(msg->flags & MSTORE_SEEN);
		return true;
	}
	for (size_t k = 0; k < ARRAY_LEN(search_flag_keys); k++) {
		if (!ascii_strcaseeq(key, search_flag_keys[k].name))
			continue;
		unsigned f = search_flag_keys[k].flag;
		bool want = search_flag_keys[k].set;
		*m = f ? msg && ((msg->flags & f) != 0) == want : !want;
		return true;
	}
	return false;
}

/* NOT, OR, UID, LARGER, SMALLER; false on bad syntax or an unknown key. */
static bool search_other_key(struct search_ctx *c, struct imap_p *p, const char *key, bool *m,
			     int depth)
{
	const struct imapd_msg *msg = c->i != SIZE_MAX ? &c->s->msgs[c->i] : NULL;
	struct seq_set set = {NULL, 0};
	bool ok = false, a = false, b = false;
	size_t len = 0;
	uint32_t n = 0;
	if (ascii_strcaseeq(key, "NOT")) {
		ok = ip_sp(p) && search_key(c, p, &a, depth + 1);
		*m = !a;
	} else if (ascii_strcaseeq(key, "OR")) {
		ok = ip_sp(p) && search_key(c, p, &a, depth + 1) && ip_sp(p) &&
		     search_key(c, p, &b, depth + 1);
		*m = a || b;
	} else if (ascii_strcaseeq(key, "UID")) {
		ok = ip_sp(p) && ip_seq_set(p, &set);
		*m = ok && msg && seq_contains(&set, msg->uid, c->s->msgs[c->s->n - 1].uid);
	} else if (ascii_strcaseeq(key, "LARGER") || ascii_strcaseeq(key, "SMALLER")) {
		ok = ip_sp(p) && ip_number(p, &n);
		if (ok && msg)
			imapd_message(c->s, c->i, &len);
		*m = msg && (ascii_strcaseeq(key, "LARGER") ? len > n : len < n);
	}
	free(set.r);
	return ok;
}

/* One search-key [RFC 3501 §9]; date keys are not supported (BAD). */
static bool search_key(struct search_ctx *c, struct imap_p *p, bool *m, int depth)
{
	struct strbuf w;
	struct seq_set set = {NULL, 0};
	bool ok = false;
	*m = false;
	if (depth > 16)
		return false;
	if (ip_eat(p, '('))
		return search_keys(c, p, m, depth, true);
	if (ip_peek(p) == '*' || (ip_peek(p) >= '0' && ip_peek(p) <= '9')) {
		ok = ip_seq_set(p, &set);
		*m = ok && c->i != SIZE_MAX &&
		     seq_contains(&set, (uint32_t)(c->i + 1), (uint32_t)c->s->n);
		free(set.r);
		return ok;
	}
	sb_init(&w);
	ip_atom(p, &w, NULL);
	const char *key = imap_str(&w);
	size_t k = 0;
	while (k < ARRAY_LEN(search_string_keys) && !ascii_strcaseeq(key, search_string_keys[k]))
		k++;
	if (search_flag_key(c, key, m))
		ok = true;
	else if (k < ARRAY_LEN(search_string_keys))
		ok = search_string_key(c, p, k, m);
	else
		ok = search_other_key(c, p, key, m, depth);
	sb_free(&w);
	return ok;
}

static void imapd_cmd_search(struct imapd *s, struct imapd_req *r)
{
	struct search_ctx c = {s, SIZE_MAX};
	struct strbuf cs;
	bool m;
	sb_init(&cs);
	if (!ip_sp(&r->p)) {
		imapd_bad_args(s, r);
		return;
	}
	/* CHARSET: US-ASCII and UTF-8 compare alike here [RFC 3501 §6.4.4]. */
	size_t keys_at = r->p.pos;
	struct imap_p probe = r->p;
	if (ip_atom(&probe, &cs, NULL) && ascii_strcaseeq(imap_str(&cs), "CHARSET")) {
		if (!ip_sp(&probe) || !ip_astring(&probe, &cs) || !ip_sp(&probe)) {
			imapd_bad_args(s, r);
			sb_free(&cs);
			return;
		}
		keys_at = probe.pos;
	}
	sb_free(&cs);
	r->p.pos = keys_at;
	if (!search_keys(&c, &r->p, &m, 0, false)) {
		imapd_bad_args(s, r);
		return;
	}
	sb_clear(&s->line);
	sb_puts(&s->line, "* SEARCH");
	for (c.i = 0; c.i < s->n; c.i++) {
		r->p.pos = keys_at;
		if (search_keys(&c, &r->p, &m, 0, false) && m)
			sb_printf(&s->line, " %lu", r->uid ? (unsigned long)s->msgs[c.i].uid
							   : (unsigned long)c.i + 1);
	}
	imapd_flush_line(s);
	imapd_completed(s, r);
}

/* UID EXPUNGE [RFC 4315 §2.1]: only the \Deleted messages in the set. */
static void imapd_cmd_uid_expunge(struct imapd *s, struct imapd_req *r)
{
	struct seq_set set;
	if (imapd_parse_set(s, r, &set)) {
		if (!ip_end(&r->p)) {
			imapd_bad_args(s, r);
		} else if (s->read_only) {
			imapd_send(s, "%s NO Mailbox is read-only", r->tag);
		} else {
			imapd_expunge_deleted(s, true, &set);
			imapd_completed(s, r);
		}
	}
	free(set.r);
}

/* UID FETCH / STORE / SEARCH / EXPUNGE [RFC 3501 §6.4.8, RFC 4315]. */
static void imapd_cmd_uid(struct imapd *s, struct imapd_req *r)
{
	struct strbuf sub;
	sb_init(&sub);
	bool ok = ip_sp(&r->p) && ip_atom(&r->p, &sub, NULL);
	r->uid = true;
	if (ok && ascii_strcaseeq(imap_str(&sub), "FETCH")) {
		r->name = "UID FETCH";
		imapd_cmd_fetch(s, r);
	} else if (ok && ascii_strcaseeq(imap_str(&sub), "STORE")) {
		r->name = "UID STORE";
		imapd_cmd_store(s, r);
	} else if (ok && ascii_strcaseeq(imap_str(&sub), "SEARCH")) {
		r->name = "UID SEARCH";
		imapd_cmd_search(s, r);
	} else if (ok && ascii_strcaseeq(imap_str(&sub), "EXPUNGE")) {
		r->name = "UID EXPUNGE";
		imapd_cmd_uid_expunge(s, r);
	} else {
		imapd_send(s, "%s BAD Unknown UID command", r->tag);
	}
	sb_free(&sub);
}

/* -- dispatch -- */

#define S_NOAUTH (1u << IMAPD_NOT_AUTHENTICATED)
#define S_AUTH (1u << IMAPD_AUTHENTICATED)
#define S_SEL (1u << IMAPD_SELECTED)

struct imapd_cmd {
	const char *name;
	unsigned states;     /* bit per enum imapd_state where it is valid [RFC 3501 §6] */
	void (*fn)(struct imapd *s, struct imapd_req *r);
};

static const struct imapd_cmd imapd_cmds[] = {
	{"CAPABILITY", S_NOAUTH | S_AUTH | S_SEL, imapd_cmd_capability},
	{"NOOP", S_NOAUTH | S_AUTH | S_SEL, imapd_cmd_noop},
	{"LOGOUT", S_NOAUTH | S_AUTH | S_SEL, imapd_cmd_logout},
	{"STARTTLS", S_NOAUTH, imapd_cmd_starttls},
	{"LOGIN", S_NOAUTH, imapd_cmd_login},
	{"AUTHENTICATE", S_NOAUTH, imapd_cmd_authenticate},
	{"SELECT", S_AUTH | S_SEL, imapd_cmd_select},
	{"EXAMINE", S_AUTH | S_SEL, imapd_cmd_examine},
	{"LIST", S_AUTH | S_SEL, imapd_cmd_list},
	{"LSUB", S_AUTH | S_SEL, imapd_cmd_list},
	{"STATUS", S_AUTH | S_SEL, imapd_cmd_status},
	{"APPEND", S_AUTH | S_SEL, imapd_cmd_append},
	{"IDLE", S_AUTH | S_SEL, imapd_cmd_idle},
	{"CHECK", S_SEL, imapd_cmd_noop},
	{"CLOSE", S_SEL, imapd_cmd_close},
	{"EXPUNGE", S_SEL, imapd_cmd_expunge},
	{"FETCH", S_SEL, imapd_cmd_fetch},
	{"STORE", S_SEL, imapd_cmd_store},
	{"SEARCH", S_SEL, imapd_cmd_search},
	{"UID", S_SEL, imapd_cmd_uid},
};

/* A command in the wrong state is a protocol error: tagged BAD
 * [RFC 3501 §6, §7.1.3]. The text says what is missing. */
static const char *imapd_state_complaint(const struct imapd *s, const struct imapd_cmd *cmd)
{
	if (s->state == IMAPD_NOT_AUTHENTICATED)
		return "Log in first";
	if (cmd->states == S_NOAUTH)
		return "Already logged in";
	return "No mailbox selected";
}

/* tag: 1*<any ASTRING-CHAR except "+"> [RFC 3501 §9]. */
static bool imapd_parse_tag(struct imap_p *p, struct strbuf *tag)
{
	return ip_atom(p, tag, "]") && !strchr(imap_str(tag), '+');
}

static void imapd_command(struct imapd *s, const char *buf, size_t len)
{
	struct imap_p p = {buf, len, 0};
	struct strbuf tag, name;
	const struct imapd_cmd *cmd = NULL;
	sb_init(&tag);
	sb_init(&name);
	if (len == 0) {
		imapd_send(s, "* BAD Empty command line");
	} else if (!imapd_parse_tag(&p, &tag)) {
		imapd_send(s, "* BAD Invalid tag");
	} else if (!ip_sp(&p) || !ip_atom(&p, &name, NULL)) {
		imapd_send(s, "%s BAD Missing command", tag.data);
	} else {
		for (size_t i = 0; i < ARRAY_LEN(imapd_cmds) && !cmd; i++)
			if (ascii_strcaseeq(name.data, imapd_cmds[i].name))
				cmd = &imapd_cmds[i];
		if (!cmd) {
			imapd_send(s, "%s BAD Unknown command", tag.data);
		} else if (!(cmd->states & (1u << s->state))) {
			imapd_send(s, "%s BAD %s", tag.data, imapd_state_complaint(s, cmd));
		} else {
			struct imapd_req r = {.tag = tag.data, .name = cmd->name, .p = p};
			cmd->fn(s, &r);
		}
	}
	sb_free(&tag);
	sb_free(&name);
}

struct imapd *imapd_new(const struct imapd_config *cfg, const struct imapd_callbacks *cb,
			void *ud, const struct mstore_ops *store, void *store_ud)
{
	assert(cb && cb->send_line && cb->send_data && cb->close);
	assert(store && store->login && store->count && store->get && store->uid &&
	       store->expunge);
	struct imapd *s = xcalloc(1, sizeof(*s));
	s->hostname = xstrdup(cfg && cfg->hostname ? cfg->hostname : "localhost");
	s->cb = cb;
	s->ud = ud;
	s->store = store;
	s->store_ud = store_ud;
	s->state = IMAPD_NOT_AUTHENTICATED;
	s->offer_starttls = cfg && cfg->offer_starttls;
	assert(!s->offer_starttls || cb->start_tls);
	rd_init(&s->rd, IMAP_MAX_CMD_LINE, IMAP_MAX_CMD_LITERAL, IMAPD_MAX_COMMAND);
	sb_init(&s->line);
	sb_init(&s->wire);
	sb_init(&s->part);
	return s;
}

void imapd_free(struct imapd *s)
{
	if (!s)
		return;
	imapd_deselect(s);
	free(s->idle_tag);
	free(s->hostname);
	sb_free(&s->rd.buf);
	sb_free(&s->line);
	sb_free(&s->wire);
	sb_free(&s->part);
	free(s);
}

void imapd_start(struct imapd *s)
{
	sb_clear(&s->line);
	sb_puts(&s->line, "* OK [CAPABILITY ");
	imapd_put_caps(s, &s->line);
	sb_printf(&s->line, "] %s IMAP4rev1 server ready", s->hostname);
	imapd_flush_line(s);
}

/* The command's tag for a refusal before it could be parsed, else "*". */
static char *imapd_early_tag(const struct imapd *s)
{
	struct imap_p p = {s->rd.buf.data, s->rd.buf.len, 0};
	struct strbuf tag;
	sb_init(&tag);
	if (!imapd_parse_tag(&p, &tag) || !ip_sp(&p)) {
		sb_clear(&tag);
		sb_putc(&tag, '*');
	}
	return sb_steal(&tag);
}

void imapd_feed(struct imapd *s, const char *bytes, size_t len)
{
	if (s->state == IMAPD_LOGOUT || s->tls_wait)
		return;
	sb_append(&s->rd.buf, bytes, len);
	while (s->state != IMAPD_LOGOUT) {
		size_t n, cmd_len;
		char *tag;
		switch (rd_next(&s->rd, &n)) {
		case RD_MORE:
			return;
		case RD_LITERAL:
			/* A synchronizing literal waits for our go-ahead [RFC 3501 §7.5]. */
			if (s->rd.lit_sync)
				imapd_send(s, "+ Ready for literal data");
			break;
		case RD_DONE:
			cmd_len = n - 1 - (n >= 2 && s->rd.buf.data[n - 2] == '\r');
			if (s->idle_tag)
				imapd_idle_line(s, s->rd.buf.data, cmd_len);
			else
				imapd_command(s, s->rd.buf.data, cmd_len);
			/* nothing sent before the TLS handshake counts [RFC 3501 §6.2.1] */
			rd_consume(&s->rd, s->tls_wait ? s->rd.buf.len : n);
			if (s->tls_wait)
				return;
			break;
		case RD_TOO_LONG:
			imapd_send(s, "* BAD Command line too long");
			rd_consume(&s->rd, n);
			break;
		case RD_TOO_BIG:
			tag = imapd_early_tag(s);
			imapd_send(s, "%s BAD Literal too large", tag);
			free(tag);
			rd_consume(&s->rd, n);
			break;
		}
	}
}

void imapd_tls_done(struct imapd *s, bool ok)
{
	if (!s->tls_wait)
		return;
	s->tls_wait = false;
	s->tls = ok;
	if (!ok) {
		imapd_deselect(s);
		imapd_enter_state(s, IMAPD_LOGOUT);
		s->cb->close(s->ud);
	}
}

void imapd_mailbox_changed(struct imapd *s, const char *folder)
{
	if (s->idle_tag && s->state == IMAPD_SELECTED && (!folder || ascii_strcaseeq(s->folder, folder)))
		imapd_report_new(s);
}

bool imapd_idling(const struct imapd *s)
{
	return s->idle_tag != NULL;
}

void imapd_disconnected(struct imapd *s)
{
	if (s->state == IMAPD_LOGOUT)
		return;
	imapd_deselect(s);
	imapd_enter_state(s, IMAPD_LOGOUT);
}

enum imapd_state imapd_get_state(const struct imapd *s)
{
	return s->state;
}
