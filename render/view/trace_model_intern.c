/* trace_model_intern.c — see trace_model_intern.h. */
#include "trace_model_intern.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint32_t tm_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

int32_t tm_tab_find(const struct tm_strtab *t, const char *s, size_t n)
{
	if (!t->nslot)
		return -1;
	uint32_t h = tm_hash(s, n);
	for (size_t i = h & (t->nslot - 1);; i = (i + 1) & (t->nslot - 1)) {
		const struct tm_slot *sl = &t->slot[i];
		if (sl->k < 0)
			return -1;
		if (sl->hash == h && strncmp(t->str[sl->k], s, n) == 0 && t->str[sl->k][n] == '\0')
			return sl->k;
	}
}

static void tm_tab_place(struct tm_strtab *t, struct tm_slot sl)
{
	size_t i = sl.hash & (t->nslot - 1);

	while (t->slot[i].k >= 0)
		i = (i + 1) & (t->nslot - 1);
	t->slot[i] = sl;
}

int32_t tm_tab_add(struct tm_strtab *t, const char *s, size_t n)
{
	if (2 * (t->nstr + 1) > t->nslot) {
		struct tm_slot *old = t->slot;
		size_t nold = t->nslot;
		t->nslot = t->nslot ? 2 * t->nslot : 64;
		t->slot = xmalloc(t->nslot * sizeof *t->slot);
		memset(t->slot, 0xff, t->nslot * sizeof *t->slot);
		for (size_t i = 0; i < nold; i++)
			if (old[i].k >= 0)
				tm_tab_place(t, old[i]);
		free(old);
	}
	if ((t->nstr & (t->nstr - 1)) == 0) /* 0, 1, 2, 4 ...: grow at powers of two */
		t->str = xrealloc(t->str, (t->nstr ? 2 * t->nstr : 1) * sizeof *t->str);
	t->str[t->nstr] = xstrndup(s, n);
	tm_tab_place(t, (struct tm_slot){(int32_t)t->nstr, tm_hash(s, n)});
	return (int32_t)t->nstr++;
}

void tm_tab_free(struct tm_strtab *t, bool strings)
{
	for (size_t k = 0; strings && k < t->nstr; k++)
		free(t->str[k]);
	free(t->str);
	free(t->slot);
}

static size_t tm_conn_home(const struct tm_intern *in, long id)
{
	return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 20) & (in->nconn_slot - 1);
}

static void tm_conn_place(struct tm_intern *in, size_t k)
{
	size_t i = tm_conn_home(in, in->conn_id[k]);

	while (in->conn_slot[i] >= 0)
		i = (i + 1) & (in->nconn_slot - 1);
	in->conn_slot[i] = (int32_t)k;
}

int32_t tm_conn_lookup(const struct tm_intern *in, long id)
{
	if (!in->nconn_slot)
		return -1;
	for (size_t i = tm_conn_home(in, id);; i = (i + 1) & (in->nconn_slot - 1)) {
		int32_t k = in->conn_slot[i];
		if (k < 0 || in->conn_id[k] == id)
			return k;
	}
}

void tm_conn_add(struct tm_intern *in, long id)
{
	if ((in->nconn & (in->nconn - 1)) == 0) /* 0, 1, 2, 4 ...: grow at powers of two */
		in->conn_id = xrealloc(in->conn_id, (in->nconn ? 2 * in->nconn : 1) *
					       sizeof *in->conn_id);
	in->conn_id[in->nconn++] = id;
	if (2 * in->nconn > in->nconn_slot) {
		free(in->conn_slot);
		in->nconn_slot = in->nconn_slot ? 2 * in->nconn_slot : 64;
		in->conn_slot = xmalloc(in->nconn_slot * sizeof *in->conn_slot);
		memset(in->conn_slot, 0xff, in->nconn_slot * sizeof *in->conn_slot);
		for (size_t k = 0; k + 1 < in->nconn; k++)
			tm_conn_place(in, k);
	}
	tm_conn_place(in, in->nconn - 1);
}

void tm_intern_free(struct tm_intern *in)
{
	if (!in)
		return;
	tm_tab_free(&in->msgs, true);
	tm_tab_free(&in->rcpts, true);
	tm_tab_free(&in->dnskeys, true);
	tm_tab_free(&in->vals, true);
	tm_tab_free(&in->kinds, true);
	tm_tab_free(&in->nodes, true);
	tm_peek_free(in->peek);
	free(in->dns_last);
	free(in->conn_id);
	free(in->conn_slot);
	free(in);
}
