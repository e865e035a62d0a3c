/* vm_traffic.c — resting and in-flight counts (see vm_traffic.h). */
#include "vm_traffic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "snap_count.h"
#include "util.h"

static void vmt_free_table(struct vm_traffic *t)
{
	for (size_t i = 0; i < t->nlinks; i++) {
		free(t->links[i].body);
		free(t->links[i].until);
	}
	free(t->links);
	t->links = NULL;
	t->nlinks = 0;
}

void vmt_free(struct vm_traffic *t)
{
	vmt_free_table(t);
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

static bool vmt_is_body(const struct tm_event *e)
{
	return tm_kind_carries_message(e->kind) && e->msg_idx >= 0 && e->peer >= 0 && e->node >= 0;
}

static struct vmt_link *vmt_link_of(struct vm_traffic *t, int from, int to, size_t *cap)
{
	for (size_t i = 0; i < t->nlinks; i++)
		if (t->links[i].from == from && t->links[i].to == to)
			return &t->links[i];
	if (t->nlinks == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		t->links = xrealloc(t->links, *cap * sizeof *t->links);
	}
	t->links[t->nlinks] = (struct vmt_link){from, to, NULL, 0, NULL, 0};
	return &t->links[t->nlinks++];
}

static void vmt_push(size_t **arr, size_t *n, size_t v)
{
	if ((*n & (*n - 1)) == 0) /* 0, 1, 2, 4 ...: grow to the next power of two */
		*arr = xrealloc(*arr, (*n ? 2 * *n : 1) * sizeof **arr);
	(*arr)[(*n)++] = v;
}

static int vmt_cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* Per link: each body event, and the next event of its connection. */
static void vmt_table(struct vm_traffic *t, const struct tm_model *m)
{
	int32_t maxc = -1;
	size_t cap = 0;

	for (size_t i = 0; i < m->nev; i++)
		maxc = m->ev[i].conn > maxc ? m->ev[i].conn : maxc;
	/* per conn: 1 + the link of its body waiting for the next event, or 0 */
	size_t *open = xcalloc((size_t)maxc + 2, sizeof *open);
	vmt_free_table(t);
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		int32_t c = e->conn;
		if (c >= 0 && open[c]) { /* the next event of that connection */
			struct vmt_link *l = &t->links[open[c] - 1];
			vmt_push(&l->until, &l->nuntil, i);
			open[c] = 0;
		}
		if (!vmt_is_body(e))
			continue;
		struct vmt_link *l = vmt_link_of(t, e->node, e->peer, &cap);
		vmt_push(&l->body, &l->nbody, i);
		if (c >= 0)
			open[c] = (size_t)(l - t->links) + 1;
	}
	for (size_t i = 0; i < t->nlinks; i++)
		if (t->links[i].nuntil > 1)
			qsort(t->links[i].until, t->links[i].nuntil, sizeof *t->links[i].until,
			      vmt_cmp_size);
	free(open);
	t->model = m;
}

/* How many of a[0..n) (ascending) are <= x. */
static size_t vmt_upto(const size_t *a, size_t n, size_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Carried: the bodies sent up to the cursor; in flight: those less the
 * flights ended by then (an end always follows its body). The cursor's
 * own body is drawn travelling: left out of both (it is its link's
 * latest, so a link whose first body it is has none counted yet, and the
 * links stay in the order of their first body). */
static void vmt_flows(struct vm_traffic *t, const struct tm_model *m, long cursor)
{
	const struct tm_event *cur = cursor >= 0 ? &m->ev[cursor] : NULL;
	bool own = cur && vmt_is_body(cur);

	for (size_t i = 0; i < t->nlinks && cursor >= 0; i++) {
		const struct vmt_link *l = &t->links[i];
		size_t carried = vmt_upto(l->body, l->nbody, (size_t)cursor);
		size_t ended = vmt_upto(l->until, l->nuntil, (size_t)cursor);
		size_t flying = carried - ended;
		if (own && cur->node == l->from && cur->peer == l->to)
			carried--, flying--;
		if (carried == 0)
			continue;
		if (t->nflows == t->flowcap) {
			t->flowcap = t->flowcap ? 2 * t->flowcap : 16;
			t->flows = xrealloc(t->flows, t->flowcap * sizeof *t->flows);
		}
		t->flows[t->nflows++] = (struct vm_flow){l->from, l->to, (long)flying, (long)carried};
	}
}

void vmt_build(struct vm_traffic *t, const struct tm_model *m, const struct snap *s,
	       long cursor, int skip_msg, int skip_host)
{
	if (t->model != m)
		vmt_table(t, m);
	t->ncounts = t->nflows = 0;
	enum snap_place_kind skip_kind;
	long skip = snap_count_of(s, skip_host, skip_msg, &skip_kind);
	for (int h = 0; (size_t)h < m->nnodes; h++)
		for (int k = 0; k < PLACE_KIND_COUNT; k++) {
			long n = snap_count_at(s, h, (enum snap_place_kind)k);
			n -= h == skip_host && k == (int)skip_kind ? skip : 0;
			if (!n)
				continue;
			if (t->ncounts == t->countcap) {
				t->countcap = t->countcap ? 2 * t->countcap : 16;
				t->counts = xrealloc(t->counts, t->countcap * sizeof *t->counts);
			}
			t->counts[t->ncounts++] = (struct vm_count){h, (enum snap_place_kind)k, n};
		}
	vmt_flows(t, m, cursor);
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
