/* inspect.c — inspector lines (see inspect.h). */
#include "inspect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void insp_init(struct insp_view *v)
{
	memset(v, 0, sizeof *v);
}

static void insp_clear(struct insp_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->lines[i].tag);
		free(v->lines[i].text);
	}
	v->n = 0;
}

void insp_free(struct insp_view *v)
{
	insp_clear(v);
	free(v->lines);
	insp_init(v);
}

static struct insp_line *insp_add(struct insp_view *v, enum insp_style st, int indent,
				  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct insp_line *insp_add(struct insp_view *v, enum insp_style st, int indent,
				  const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb;

	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 32;
		v->lines = xrealloc(v->lines, v->cap * sizeof *v->lines);
	}
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	struct insp_line *l = &v->lines[v->n++];
	*l = (struct insp_line){st, indent, -1, NULL, sb_steal(&sb)};
	return l;
}

const char *insp_tab_name(enum insp_tab t)
{
	static const char *const names[INSP_TAB_COUNT] = {
		[INSP_QUEUE] = "Queue", [INSP_MAILBOX] = "Mailboxes", [INSP_ZONE] = "DNS zone",
	};
	return names[t];
}

enum insp_tab insp_default_tab(const struct tm_model *m, int host)
{
	const char *role = host >= 0 && (size_t)host < m->nnodes ? m->nodes[host].role : "";

	if (strcmp(role, "dns") == 0)
		return INSP_ZONE;
	if (strcmp(role, "mailbox") == 0 || strcmp(role, "client") == 0)
		return INSP_MAILBOX;
	return INSP_QUEUE;
}

const char *insp_subject(const struct tm_model *m, int msg_idx)
{
	long c = msg_idx >= 0 && (size_t)msg_idx < m->nmsgs ? m->msgs[msg_idx].compose_ev : -1;

	return c >= 0 ? tm_get(&m->ev[c], "subject") : NULL;
}

static const char *insp_msg_id(const struct tm_model *m, int msg_idx)
{
	return msg_idx >= 0 ? m->msgs[msg_idx].id : "?";
}

/* "m1 “Lunch on Friday?”", or for a report "m1.dsn (report on m1)". */
static void insp_msg_label(const struct tm_model *m, int msg_idx, char *out, size_t n)
{
	const char *subj = insp_subject(m, msg_idx);

	if (msg_idx >= 0 && m->msgs[msg_idx].dsn_of >= 0)
		snprintf(out, n, "%s (%s report on %s)", insp_msg_id(m, msg_idx),
			 m->msgs[msg_idx].dsn_failed ? "failure" : "delay",
			 insp_msg_id(m, m->msgs[msg_idx].dsn_of));
	else if (subj)
		snprintf(out, n, "%s \"%s\"", insp_msg_id(m, msg_idx), subj);
	else
		snprintf(out, n, "%s", insp_msg_id(m, msg_idx));
}

/* ---- queue ---- */

static enum insp_style insp_rcpt_style(enum snap_rcpt_state st)
{
	static const enum insp_style styles[] = {
		[SNAP_QUEUED] = INSP_TEXT, [SNAP_DEFERRED] = INSP_WARN,
		[SNAP_DELIVERED] = INSP_OK, [SNAP_RELAYED] = INSP_OK,
		[SNAP_BOUNCED] = INSP_BAD, [SNAP_QUARANTINED] = INSP_WARN,
	};
	return styles[st];
}

static void insp_rcpt(struct insp_view *v, const struct snap_rcpt *r, bool live)
{
	char when[32] = "";

	if (r->state == SNAP_DEFERRED) {
		char hms[24];
		snap_fmt_hms(r->next_us, hms, sizeof hms);
		snprintf(when, sizeof when, ", next try %s", hms);
	}
	insp_add(v, live ? insp_rcpt_style(r->state) : INSP_DIM, 1, "%s  %s%s%s%s", r->addr,
		 snap_rcpt_state_name(r->state), r->status ? " " : "",
		 r->status ? r->status : "", when);
	if (r->reason && r->state != SNAP_DELIVERED)
		insp_add(v, INSP_DIM, 2, "%s", r->reason);
}

static void insp_entry(struct insp_view *v, const struct tm_model *m,
		       const struct snap_entry *q, long cursor)
{
	char label[200];
	bool live = snap_entry_live(q);

	insp_msg_label(m, q->msg_idx, label, sizeof label);
	struct insp_line *l = insp_add(v, (long)q->enter_ev == cursor ? INSP_NEW :
					  live ? INSP_TEXT : INSP_DIM, 0,
				       "%s  %s  from <%s>, %d attempt%s%s", q->queue_id, label,
				       q->from ? q->from : "", q->attempts,
				       q->attempts == 1 ? "" : "s", q->expired ? ", expired" : "");
	l->msg_idx = q->msg_idx;
	for (size_t r = 0; r < q->nrcpts; r++)
		insp_rcpt(v, &q->rcpts[r], live);
}

static void insp_queue(struct insp_view *v, const struct tm_model *m,
		       const struct snap *s, int host)
{
	size_t live = 0, done = 0;

	for (size_t i = 0; i < s->nq; i++)
		if (s->q[i].host == host)
			snap_entry_live(&s->q[i]) ? live++ : done++;
	insp_add(v, INSP_HEAD, 0, "Queue: %zu waiting, %zu finished", live, done);
	if (live + done == 0)
		insp_add(v, INSP_DIM, 0, "Nothing has entered this host's queue yet.");
	for (int pass = 0; pass < 2; pass++) /* waiting first, then finished */
		for (size_t i = 0; i < s->nq; i++)
			if (s->q[i].host == host && snap_entry_live(&s->q[i]) == (pass == 0))
				insp_entry(v, m, &s->q[i], s->cursor);
}

/* ---- mailboxes ---- */

static void insp_stored(struct insp_view *v, const struct tm_model *m,
			const struct snap_stored *b, long cursor)
{
	char label[200];

	insp_msg_label(m, b->msg_idx, label, sizeof label);
	struct insp_line *l = insp_add(v, (long)b->ev == cursor ? INSP_NEW : INSP_TEXT, 1,
				       "%s  (%ld bytes)", label, b->bytes);
	l->msg_idx = b->msg_idx;
}

static bool insp_box_seen(const struct snap *s, size_t upto, const struct snap_stored *b)
{
	for (size_t j = 0; j < upto; j++)
		if (s->box[j].host == b->host && s->box[j].folder && b->folder &&
		    strcmp(s->box[j].user, b->user) == 0 && strcmp(s->box[j].folder, b->folder) == 0)
			return true;
	return false;
}

static void insp_mailboxes(struct insp_view *v, const struct tm_model *m,
			   const struct snap *s, int host)
{
	size_t shown = 0;

	insp_add(v, INSP_HEAD, 0, "Mailboxes");
	for (size_t i = 0; i < s->nbox; i++) { /* one heading per user/folder */
		const struct snap_stored *b = &s->box[i];
		if (b->host != host || !b->folder || insp_box_seen(s, i, b))
			continue;
		insp_add(v, INSP_TEXT, 0, "%s / %s", b->user, b->folder);
		for (size_t j = i; j < s->nbox; j++)
			if (s->box[j].host == host && s->box[j].folder &&
			    strcmp(s->box[j].user, b->user) == 0 &&
			    strcmp(s->box[j].folder, b->folder) == 0)
				insp_stored(v, m, &s->box[j], s->cursor), shown++;
	}
	bool fetched = false;
	for (size_t i = 0; i < s->nbox; i++) {
		if (s->box[i].host != host || s->box[i].folder)
			continue;
		if (!fetched)
			insp_add(v, INSP_TEXT, 0, "Fetched by this client");
		fetched = true;
		insp_stored(v, m, &s->box[i], s->cursor);
		shown++;
	}
	if (shown == 0)
		insp_add(v, INSP_DIM, 0, "No message has been filed or fetched here yet.");
}

/* ---- DNS zone ---- */

static const struct snap_answer *insp_asked(const struct snap *s, int host,
					    const char *name, const char *type)
{
	for (size_t i = 0; i < s->nans; i++) {
		const struct snap_answer *a = &s->ans[i];
		size_t n = strlen(a->qname);
		if (n && a->qname[n - 1] == '.')
			n--;
		if (a->host == host && strcmp(a->qtype, type) == 0 &&
		    ascii_strncaseeq(a->qname, name, n) && name[n] == '\0')
			return a;
	}
	return NULL;
}

static void insp_records(struct insp_view *v, const struct tm_node *n,
			 const struct snap *s, int host)
{
	insp_add(v, INSP_HEAD, 0, "Zone data (%zu records; asked ones marked)", n->nrecords);
	for (size_t i = 0; i < n->nrecords; i++) {
		const struct tm_record *r = &n->records[i];
		const struct snap_answer *a = insp_asked(s, host, r->name, r->type);
		insp_add(v, a ? INSP_OK : INSP_TEXT, 1, "%s%s.  %s  %s", a ? "» " : "", r->name,
			 r->type, r->data);
	}
}

static enum insp_style insp_rcode_style(const char *rcode)
{
	if (strcmp(rcode, "NOERROR") == 0)
		return INSP_OK;
	return strcmp(rcode, "NXDOMAIN") == 0 ? INSP_BAD : INSP_WARN;
}

static void insp_zone(struct insp_view *v, const struct tm_model *m,
		      const struct snap *s, int host)
{
	const struct tm_node *n = &m->nodes[host];
	size_t asked = 0;

	if (n->has_zone)
		insp_records(v, n, s, host);
	insp_add(v, INSP_HEAD, 0, "Answers given so far");
	for (size_t i = 0; i < s->nans; i++) {
		const struct snap_answer *a = &s->ans[i];
		if (a->host != host)
			continue;
		asked++;
		insp_add(v, (long)a->ev == s->cursor ? INSP_NEW : insp_rcode_style(a->rcode), 1,
			 "%s %s  →  %s%s%s  (asked %u×)", a->qtype, a->qname, a->rcode,
			 a->answers && a->nanswers ? " " : "",
			 a->answers ? a->answers : "", a->count);
	}
	if (asked == 0)
		insp_add(v, INSP_DIM, 0, "No answer from this host yet.");
	if (!n->has_zone)
		insp_add(v, INSP_DIM, 0, "(The trace records answers, not zone files: this is "
			 "what the server has said so far.)");
}

void insp_host(struct insp_view *v, const struct tm_model *m, const struct snap *s,
	       int host, enum insp_tab tab)
{
	insp_clear(v);
	if (host < 0 || (size_t)host >= m->nnodes)
		return;
	switch (tab) {
	case INSP_QUEUE: insp_queue(v, m, s, host); break;
	case INSP_MAILBOX: insp_mailboxes(v, m, s, host); break;
	default: insp_zone(v, m, s, host); break;
	}
}

/* ---- message headers ---- */

/* One header, its folded lines (RFC 5322 §2.2.3) as continuation lines
 * without their leading whitespace. */
static void insp_header(struct insp_view *v, const struct tm_model *m,
			const struct tm_event *e, bool newest)
{
	const char *name = tm_get(e, "name"), *p = tm_get(e, "value");
	enum insp_style st = newest ? INSP_NEW : INSP_TEXT;

	p = p ? p : "";
	size_t k = strcspn(p, "\r\n");
	struct insp_line *l = insp_add(v, st, 0, "%s: %.*s", name ? name : "?", (int)k, p);
	l->tag = xstrdup(e->node >= 0 ? m->nodes[e->node].name : "");
	for (p += k; *p; p += k) {
		p += strspn(p, "\r\n");
		size_t ws = strspn(p, " \t");
		k = strcspn(p, "\r\n");
		if (k > ws)
			insp_add(v, st, 1, "%.*s", (int)(k - ws), p + ws);
	}
}

/* Headers written with the message (same node and time as its compose)
 * keep their order at the bottom; every later one is prepended. */
void insp_message(struct insp_view *v, const struct tm_model *m, int msg_idx,
		  long cursor)
{
	char label[200];
	size_t *later = xmalloc((m->nev ? m->nev : 1) * sizeof *later), nlater = 0;
	long last = -1, compose = -1;

	insp_clear(v);
	insp_msg_label(m, msg_idx, label, sizeof label);
	insp_add(v, INSP_HEAD, 0, "Message %s", label);
	for (long i = 0; msg_idx >= 0 && i <= cursor && i < (long)m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		if (e->msg_idx != msg_idx)
			continue;
		if (e->kind == TM_MSG_COMPOSE)
			compose = i;
		if (e->kind == TM_MSG_HEADER)
			last = i;
		if (e->kind == TM_MSG_HEADER && (compose < 0 || e->t_us != m->ev[compose].t_us ||
						 e->node != m->ev[compose].node))
			later[nlater++] = (size_t)i;
	}
	insp_add(v, INSP_DIM, 0, last < 0 ? "No header yet." :
		 "Header as it stands now; the newest is on top.");
	for (size_t k = nlater; k-- > 0;)
		insp_header(v, m, &m->ev[later[k]], (long)later[k] == last);
	for (long i = compose; compose >= 0 && i <= last; i++)
		if (m->ev[i].kind == TM_MSG_HEADER && m->ev[i].msg_idx == msg_idx &&
		    m->ev[i].t_us == m->ev[compose].t_us && m->ev[i].node == m->ev[compose].node)
			insp_header(v, m, &m->ev[i], i == last);
	free(later);
}
