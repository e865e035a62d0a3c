/* evfilter.c — event list filtering (see evfilter.h). */
#include "evfilter.h"

#include <stdlib.h>

#include "util.h"

static const int evf_kind_cat[TM_KIND_COUNT] = {
	[TM_SIM_START] = EVF_NONE, [TM_SIM_END] = EVF_NONE, [TM_NARRATE] = EVF_NONE,
	[TM_MSG_COMPOSE] = EVF_NONE, [TM_MSG_HEADER] = EVF_NONE,
	[TM_DNS_QUERY] = EVF_DNS, [TM_DNS_ANSWER] = EVF_DNS, [TM_DNS_CACHE] = EVF_DNS,
	[TM_DNS_TIMEOUT] = EVF_DNS,
	[TM_NET_CONNECT] = EVF_SMTP, [TM_NET_ACCEPT] = EVF_SMTP, [TM_NET_REFUSED] = EVF_SMTP,
	[TM_NET_TIMEOUT] = EVF_SMTP, [TM_NET_CLOSE] = EVF_SMTP, [TM_TLS_START] = EVF_SMTP,
	[TM_TLS_OK] = EVF_SMTP, [TM_TLS_FAIL] = EVF_SMTP, [TM_SMTP_SEND] = EVF_SMTP,
	[TM_SMTP_DATA] = EVF_SMTP,
	[TM_POP3_SEND] = EVF_MAILBOX, [TM_IMAP_SEND] = EVF_MAILBOX,
	[TM_POP3_DATA] = EVF_MAILBOX, [TM_IMAP_DATA] = EVF_MAILBOX,
	[TM_MAILBOX_STORE] = EVF_MAILBOX, [TM_MAILBOX_FETCH] = EVF_MAILBOX,
	[TM_ROUTE_MX] = EVF_QUEUE, [TM_QUEUE_ENTER] = EVF_QUEUE,
	[TM_QUEUE_ATTEMPT] = EVF_QUEUE, [TM_QUEUE_DEFER] = EVF_QUEUE,
	[TM_QUEUE_BOUNCE] = EVF_QUEUE, [TM_QUEUE_EXPIRE] = EVF_QUEUE,
	[TM_QUEUE_DONE] = EVF_QUEUE, [TM_DSN_CREATE] = EVF_QUEUE,
	[TM_FILTER_CHECK] = EVF_FILTER, [TM_POLICY_DECISION] = EVF_FILTER,
	[TM_FAULT_START] = EVF_NONE, [TM_FAULT_END] = EVF_NONE, [TM_OTHER] = EVF_NONE,
};

void evf_init(struct evf *f)
{
	f->hidden = 0;
	f->msg_idx = -1;
}

int evf_category(enum tm_kind k)
{
	return evf_kind_cat[k];
}

const char *evf_cat_name(enum evf_cat c)
{
	static const char *const names[EVF_CAT_COUNT] = {
		[EVF_DNS] = "DNS", [EVF_SMTP] = "SMTP", [EVF_QUEUE] = "Queue",
		[EVF_FILTER] = "Filter", [EVF_MAILBOX] = "Mailbox",
	};
	return names[c];
}

bool evf_active(const struct evf *f)
{
	return f->hidden != 0 || f->msg_idx >= 0;
}

/* Connections that carried the message (a data event naming it). */
static bool *evf_carriers(const struct tm_model *m, int msg_idx)
{
	bool *carried = xcalloc(m->nconns ? m->nconns : 1, sizeof *carried);

	for (size_t c = 0; c < m->nconns; c++)
		for (size_t k = 0; k < m->conns[c].nevs && !carried[c]; k++)
			carried[c] = m->ev[m->conns[c].evs[k]].msg_idx == msg_idx;
	return carried;
}

static bool evf_concerns(const struct tm_model *m, const struct tm_event *e,
			 int msg_idx, const bool *carried)
{
	if (e->msg_idx == msg_idx || e->kind == TM_NARRATE)
		return true;
	if (e->conn < 0)
		return false;
	for (size_t c = 0; c < m->nconns; c++)
		if (m->conns[c].id == e->conn)
			return carried[c];
	return false;
}

size_t *evf_rows(const struct evf *f, const struct tm_model *m, size_t *n)
{
	size_t *rows = xmalloc((m->nev ? m->nev : 1) * sizeof *rows), k = 0;
	bool *carried = f->msg_idx >= 0 ? evf_carriers(m, f->msg_idx) : NULL;

	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		int cat = evf_category(e->kind);
		if (cat != EVF_NONE && (f->hidden & (1u << cat)))
			continue;
		if (carried && !evf_concerns(m, e, f->msg_idx, carried))
			continue;
		rows[k++] = i;
	}
	free(carried);
	*n = k;
	return rows;
}

long evf_row_at(const size_t *rows, size_t n, long ev)
{
	size_t lo = 0, hi = n; /* first row with rows[r] > ev */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((long)rows[mid] <= ev)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

void evf_next_msg(struct evf *f, const struct tm_model *m)
{
	f->msg_idx = f->msg_idx + 1 >= (int)m->nmsgs ? -1 : f->msg_idx + 1;
}
