/* mta_live.c — see mta_live.h. */
#include "mta_live.h"

#include <stdlib.h>
#include <string.h>

#include "mta_ctx.h"
#include "mta_queue.h"
#include "net.h"
#include "smtp.h"
#include "util.h"

void mta_live_set_spool(struct mta *m, const struct mta_spool_hooks *hooks)
{
	m->spool = *hooks;
}

void mta_live_set_auth_gate(struct mta *m, const struct mta_auth_gate *gate)
{
	m->auth_gate = *gate;
}

bool mta_live_auth_refused(struct mta *m, const char *ip, bool before, struct smtp_reply *reply)
{
	const struct mta_auth_gate *g = &m->auth_gate;
	long count = 0, max = 0;
	bool over = before ? g->blocked && g->blocked(g->ctx, ip, &count, &max)
			   : g->failed && g->failed(g->ctx, ip, &count, &max);
	if (!over)
		return false;
	net_trace_limit(m->sim, m->host, ip, "auth", count, max);
	/* 421 closes the connection (smtpd.h) */
	smtp_reply_set(reply, 421, "4.7.0", "%s Error: too many failed AUTH attempts from %s",
		       m->host->name, ip);
	return true;
}

bool mta_live_store(struct mta *m, struct qentry *q, const char *client_ip)
{
	if (!m->spool.store)
		return true;
	const char **rcpts = xcalloc(q->nr + 1, sizeof *rcpts);
	for (size_t i = 0; i < q->nr; i++)
		rcpts[i] = q->r[i].addr;
	struct mta_spooled s = {
		.id = "", .client_ip = client_ip, .tag = q->tag, .sender = q->sender,
		.rcpts = rcpts, .nrcpts = q->nr, .folder = q->folder ? q->folder : "",
		.forward = q->forward ? q->forward : "", .flags = q->flags, .deny = q->deny,
		.quarantine = q->quarantine, .data = q->data, .len = q->len,
	};
	char id[MTA_SPOOL_ID_MAX] = "";
	bool ok = m->spool.store(m->spool.ctx, &s, id);
	free(rcpts);
	if (ok)
		q->spool_id = xstrdup(id);
	return ok;
}

void mta_live_recover(struct mta *m, const struct mta_spooled *s)
{
	struct sim *sim = m->sim;
	struct qentry *q = mtaq_new(m, s->sender, s->rcpts, s->nrcpts, s->data, s->len,
				    s->tag[0] ? s->tag : NULL);
	q->spool_id = xstrdup(s->id);
	if (s->folder[0] && strcmp(s->folder, "INBOX") != 0)
		q->folder = xstrdup(s->folder);
	q->flags = s->flags;
	q->deny = s->deny;
	q->quarantine = s->quarantine;
	if (s->forward[0])
		q->forward = xstrdup(s->forward);
	sim->ledger.messages++;
	sim->ledger.rcpts += (long)s->nrcpts;
	sim->ledger.live_messages++;
	sim->ledger.live_rcpts += (long)s->nrcpts;
	trace_begin(sim->trace, sim->now, TK_SPOOL_RECOVER);
	trace_node(sim->trace, m->host->name);
	trace_msg(sim->trace, q->tag);
	trace_str(sim->trace, "queue_id", q->qid);
	trace_str(sim->trace, "spool_id", s->id);
	trace_int(sim->trace, "rcpts", (int64_t)s->nrcpts);
	trace_end(sim->trace);
	mtaq_enqueue(m, q);
}

size_t mta_live_pending(const struct mta *m, const char *id, const char **out, size_t cap)
{
	size_t n = 0;
	for (const struct qentry *q = m->queue; q; q = q->next) {
		if (!q->spool_id || strcmp(q->spool_id, id) != 0)
			continue;
		for (size_t i = 0; i < q->nr; i++)
			if (qr_pending(&q->r[i])) {
				if (n < cap)
					out[n] = q->r[i].addr;
				n++;
			}
	}
	return n;
}
