/* trace_expand.h — the tests' reader of the trace's implied fields
 * (ARCHITECTURE.md, "Implied fields"): puts seq, and the node, peer and
 * tls a conn's first event implies, back into parsed events, so the tests
 * can ask any event for them. Header-only; written from the contract, not
 * from the writer (sim/trace.c), so the tests check one against the other. */
#ifndef MAILSIM_TEST_TRACE_EXPAND_H
#define MAILSIM_TEST_TRACE_EXPAND_H

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct te_conn {
	long id;
	char *client, *server; /* copies */
	int tls;
};

static inline const char *te_str(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Events ev[0..n) in trace order, each a JSON object (NULL ones skipped). */
static inline void trace_expand_events(cJSON **ev, size_t n)
{
	struct te_conn *c = NULL;
	size_t nc = 0;
	for (size_t i = 0; i < n; i++) {
		cJSON *e = ev[i];
		if (!e)
			continue;
		if (!cJSON_HasObjectItem(e, "seq"))
			cJSON_AddNumberToObject(e, "seq", (double)i);
		const cJSON *conn = cJSON_GetObjectItemCaseSensitive(e, "conn");
		if (!cJSON_IsNumber(conn))
			continue;
		struct te_conn *k = NULL;
		for (size_t j = 0; j < nc && !k; j++)
			if (c[j].id == (long)conn->valuedouble)
				k = &c[j];
		const char *node = te_str(e, "node"), *peer = te_str(e, "peer"),
			   *dir = te_str(e, "dir"), *kind = te_str(e, "kind");
		if (!k) {
			if (!node || !peer)
				continue;
			int at_server = (kind && strcmp(kind, "net.accept") == 0) ||
					(dir && strcmp(dir, "s2c") == 0);
			c = realloc(c, (nc + 1) * sizeof *c);
			k = &c[nc++];
			*k = (struct te_conn){(long)conn->valuedouble,
					      strdup(at_server ? peer : node),
					      strdup(at_server ? node : peer), 0};
		} else if (dir) {
			int c2s = strcmp(dir, "c2s") == 0;
			if (!node)
				cJSON_AddStringToObject(e, "node", c2s ? k->client : k->server);
			if (!peer)
				cJSON_AddStringToObject(e, "peer", c2s ? k->server : k->client);
			if (k->tls && !cJSON_HasObjectItem(e, "tls"))
				cJSON_AddTrueToObject(e, "tls");
		} else if (node && !peer) {
			cJSON_AddStringToObject(e, "peer",
						strcmp(node, k->client) == 0 ? k->server : k->client);
		}
		if (kind && strcmp(kind, "tls.ok") == 0)
			k->tls = 1;
	}
	for (size_t j = 0; j < nc; j++) {
		free(c[j].client);
		free(c[j].server);
	}
	free(c);
}

#endif
