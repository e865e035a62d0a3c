/* vm_traffic.c — resting and in-flight counts (see vm_traffic.h). */
#include "vm_traffic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util.h"

void vmt_free(struct vm_traffic *t)
{
	free(t->body);
	free(t->until);
	free(t->counts);
	free(t->flows);
	memset(t, 0, sizeof *t);
}

bool vmt_aggregate(const struct tm_model *m)
{
	return m->nmsgs > VM_AGGREGATE_MSGS;
}

const char *vmt_place_words(enum snap_place_kind k)
{
	switch (k) {
	case PLACE_OUTBOX: return "to send";
	case PLACE_QUEUE: return "queued";
	case PLACE_MAILBOX: return "in mailboxes";
	default: return "fetched";
	}
}

void vmt_fmt_count(long n, char *out, size_t outsz)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%ld", n < 0 ? -n : n), k = 0;
	char buf[48];

	if (n < 0)
		buf[k++] = '-';
	for (int i = 0; i < len; i++) {
		buf[k++] = digits[i];
		if ((len - i - 1) % 3 == 0 && i + 1 < len)
			buf[k++] = ',';
	}
	buf[k] = '\0';
	snprintf(out, outsz, "%s", buf);
}

/* Each body event and the next event of its connection (SIZE_MAX: none
 * before the trace ends). */
static void vmt_table(struct vm_traffic *t, const struct tm_model *m)
{
	int32_t maxc = -1;
	size_t nb = 0;

	for (size_t i = 0; i < m->nev; i++) {
		maxc = m->ev[i].conn > maxc ? m->ev[i].conn : maxc;
		nb += tm_kind_carries_message(m->ev[i].kind) && m->ev[i].msg_idx >= 0 &&
		      m->ev[i].peer >= 0 && m->ev[i].node >= 0;
	}
	size_t *open = xmalloc(((size_t)maxc + 2) * sizeof *open); /* per conn: waiting body */
	for (int32_t c = 0; c <= maxc; c++)
		open[c] = SIZE_MAX;
	free(t->body);
	free(t->until);
	t->body = xmalloc((nb ? nb : 1) * sizeof *t->body);
	t->until = xmalloc((nb ? nb : 1) * sizeof *t->until);
	t->nbody = 0;
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		int32_t c = e->conn;
		if (c >= 0 && open[c] != SIZE_MAX) { /* the next event of that connection */
			t->until[open[c]] = i;
			open[c] = SIZE_MAX;
		}
		if (!tm_kind_carries_message(e->kind) || e->msg_idx < 0 || e->peer < 0 || e->node < 0)
			continue;
		t->body[t->nbody] = i;
		t->until[t->nbody] = SIZE_MAX;
		if (c >= 0)
			open[c] = t->nbody;
		t->nbody++;
	}
	free(open);
	t->model = m;
}

static void vmt_add_flow(struct vm_traffic *t, int from, int to, bool flying)
{
	for (size_t i = 0; i < t->nflows; i++)
		if (t->flows[i].from == from && t->flows[i].to == to) {
			t->flows[i].n += flying;
			t->flows[i].carried++;
			return;
		}
	if (t->nflows == t->flowcap) {
		t->flowcap = t->flowcap ? 2 * t->flowcap : 16;
		t->flows = xrealloc(t->flows, t->flowcap * sizeof *t->flows);
	}
	t->flows[t->nflows++] = (struct vm_flow){from, to, flying, 1};
}

void vmt_build(struct vm_traffic *t, const struct tm_model *m, const struct snap *s,
	       long cursor, int skip_msg, int skip_host)
{
	if (t->model != m)
		vmt_table(t, m);
	t->ncounts = t->nflows = 0;
	size_t nk = (size_t)PLACE_FETCHED + 1, cells = m->nnodes * nk;
	long *per = xcalloc(cells ? cells : 1, sizeof *per);
	for (size_t i = 0; i < s->nplaces; i++) {
		const struct snap_place *p = &s->places[i];
		if (p->host < 0 || (size_t)p->host >= m->nnodes ||
		    (p->msg_idx == skip_msg && p->host == skip_host))
			continue;
		per[(size_t)p->host * nk + p->kind]++;
	}
	for (size_t c = 0; c < cells; c++) {
		if (!per[c])
			continue;
		if (t->ncounts == t->countcap) {
			t->countcap = t->countcap ? 2 * t->countcap : 16;
			t->counts = xrealloc(t->counts, t->countcap * sizeof *t->counts);
		}
		t->counts[t->ncounts++] = (struct vm_count){(int)(c / nk),
							    (enum snap_place_kind)(c % nk), per[c]};
	}
	free(per);
	for (size_t i = 0; i < t->nbody && cursor >= 0 && t->body[i] <= (size_t)cursor; i++) {
		if (t->body[i] == (size_t)cursor)
			continue; /* drawn travelling */
		const struct tm_event *e = &m->ev[t->body[i]];
		vmt_add_flow(t, e->node, e->peer,
			     t->until[i] == SIZE_MAX || t->until[i] > (size_t)cursor);
	}
}

void vmt_json(const struct vm_traffic *t, const struct tm_model *m, void *obj)
{
	static const char *const places[] = {
		[PLACE_OUTBOX] = "outbox", [PLACE_QUEUE] = "queue",
		[PLACE_MAILBOX] = "mailbox", [PLACE_FETCHED] = "fetched",
	};
	cJSON *o = obj, *q = cJSON_AddArrayToObject(o, "queues");
	cJSON *f = cJSON_AddArrayToObject(o, "in_flight");
	cJSON *c = cJSON_AddArrayToObject(o, "carried");

	for (size_t i = 0; i < t->ncounts; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "host", m->nodes[t->counts[i].host].name);
		cJSON_AddStringToObject(x, "place", places[t->counts[i].place]);
		cJSON_AddNumberToObject(x, "count", (double)t->counts[i].n);
		cJSON_AddItemToArray(q, x);
	}
	for (size_t i = 0; i < t->nflows; i++)
		for (int k = 0; k < 2; k++) {
			long n = k ? t->flows[i].carried : t->flows[i].n;
			if (n == 0)
				continue;
			cJSON *x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "from", m->nodes[t->flows[i].from].name);
			cJSON_AddStringToObject(x, "to", m->nodes[t->flows[i].to].name);
			cJSON_AddNumberToObject(x, "count", (double)n);
			cJSON_AddItemToArray(k ? c : f, x);
		}
}
