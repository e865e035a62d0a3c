/* trace_ends.c — see trace_ends.h. */
#include "trace_ends.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { TLS_BIT = 0x8000u, MAX_NAMES = 0x7FFE, MAX_CONN = 1L << 28 };

void tends_init(struct trace_ends *te)
{
	memset(te, 0, sizeof *te);
	strmap_init(&te->ids);
}

void tends_free(struct trace_ends *te)
{
	for (size_t i = 0; i < te->nnames; i++)
		free(te->names[i]);
	free(te->names);
	free(te->conn);
	free(te->port);
	strmap_free(&te->ids);
	memset(te, 0, sizeof *te);
}

/* The name's index, or -1 when the table is full. */
static long name_id(struct trace_ends *te, const char *name)
{
	size_t v;
	if (strmap_get(&te->ids, name, &v))
		return (long)v;
	if (te->nnames >= MAX_NAMES)
		return -1;
	if (te->nnames == te->capnames) {
		te->capnames = te->capnames ? 2 * te->capnames : 16;
		te->names = xrealloc(te->names, te->capnames * sizeof *te->names);
	}
	te->names[te->nnames] = xstrdup(name);
	strmap_put(&te->ids, te->names[te->nnames], te->nnames); /* key: the copy */
	return (long)te->nnames++;
}

bool tends_get(const struct trace_ends *te, long conn, const char **client,
	       const char **server, bool *tls)
{
	if (conn < 0 || (size_t)conn >= te->capconn || !te->conn[2 * conn])
		return false;
	unsigned c = te->conn[2 * conn], s = te->conn[2 * conn + 1];
	*client = te->names[(c & ~TLS_BIT) - 1];
	*server = te->names[s - 1];
	*tls = (c & TLS_BIT) != 0;
	return true;
}

void tends_learn(struct trace_ends *te, long conn, const char *client, const char *server)
{
	if (conn < 0 || conn >= MAX_CONN)
		return;
	if ((size_t)conn >= te->capconn) {
		size_t cap = te->capconn ? te->capconn : 256;
		while (cap <= (size_t)conn)
			cap *= 2;
		te->conn = xrealloc(te->conn, 2 * cap * sizeof *te->conn);
		memset(te->conn + 2 * te->capconn, 0, 2 * (cap - te->capconn) * sizeof *te->conn);
		te->port = xrealloc(te->port, cap * sizeof *te->port);
		memset(te->port + te->capconn, 0, (cap - te->capconn) * sizeof *te->port);
		te->capconn = cap;
	}
	if (te->conn[2 * conn])
		return;
	long c = name_id(te, client), s = name_id(te, server);
	if (c < 0 || s < 0)
		return;
	te->conn[2 * conn] = (uint16_t)(c + 1);
	te->conn[2 * conn + 1] = (uint16_t)(s + 1);
}

void tends_tls_up(struct trace_ends *te, long conn)
{
	if (conn >= 0 && (size_t)conn < te->capconn && te->conn[2 * conn])
		te->conn[2 * conn] = (uint16_t)(te->conn[2 * conn] | TLS_BIT);
}

bool tends_same_port(struct trace_ends *te, long conn, uint16_t port)
{
	if (conn < 0 || (size_t)conn >= te->capconn || !te->conn[2 * conn])
		return false;
	if (!te->port[conn]) {
		te->port[conn] = port;
		return false;
	}
	return te->port[conn] == port;
}

void tsaid_init(struct trace_said *ts)
{
	memset(ts, 0, sizeof *ts);
	strmap_init(&ts->ids);
}

void tsaid_free(struct trace_said *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->keys[i]);
		free(ts->vals[i]);
	}
	free(ts->keys);
	free(ts->vals);
	strmap_free(&ts->ids);
	memset(ts, 0, sizeof *ts);
}

bool tsaid_repeat(struct trace_said *ts, const char *key, const char *val, size_t len)
{
	size_t i;
	if (strmap_get(&ts->ids, key, &i)) {
		if (strlen(ts->vals[i]) == len && memcmp(ts->vals[i], val, len) == 0)
			return true;
		free(ts->vals[i]);
		ts->vals[i] = xstrndup(val, len);
		return false;
	}
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? 2 * ts->cap : 16;
		ts->keys = xrealloc(ts->keys, ts->cap * sizeof *ts->keys);
		ts->vals = xrealloc(ts->vals, ts->cap * sizeof *ts->vals);
	}
	ts->keys[ts->n] = xstrdup(key);
	ts->vals[ts->n] = xstrndup(val, len);
	strmap_put(&ts->ids, ts->keys[ts->n], ts->n); /* key: the copy */
	ts->n++;
	return false;
}
