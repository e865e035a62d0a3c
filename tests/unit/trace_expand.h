/* trace_expand.h — the tests' reader of the trace's implied fields
 * (ARCHITECTURE.md, "Implied fields"): puts seq, the t of the line before,
 * a msg.header's node and msg from the msg.header or msg.compose before it, a DNS
 * answer's rcode NOERROR and a repeated dns.cache's answer, and the node,
 * peer, tls and net.* port a conn's first event implies, back into parsed
 * events, and gives
 * each line of a folded line event back as its own event (same seq), so
 * the tests can ask any event for them. Header-only; written from the contract, not
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
	double port; /* the first a net.* event of it said once its ends are known; 0 */
};

static inline const char *te_str(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An smtp.send without dir: a line starting with a three-digit code and
 * then a space, a hyphen or nothing is a reply (s2c), any other a command. */
static inline int te_smtp_reply(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[3] == '\0' || s[3] == ' ' || s[3] == '-';
}

/* A folded line event ("line" joining lines with \n) as one event per
 * line, each a copy with its own "line"; *out gets them, n returned. */
static inline size_t te_unfold(cJSON *e, cJSON ***out, size_t n)
{
	const char *kind = te_str(e, "kind"), *line = te_str(e, "line");
	if (!kind || !line || !strchr(line, '\n') ||
	    (strcmp(kind, "smtp.send") != 0 && strcmp(kind, "imap.send") != 0 &&
	     strcmp(kind, "pop3.send") != 0)) {
		*out = realloc(*out, (n + 1) * sizeof **out);
		(*out)[n++] = e;
		return n;
	}
	char *copy = strdup(line);
	for (char *p = copy, *nl; p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		cJSON *one = cJSON_Duplicate(e, 1);
		cJSON_ReplaceItemInObjectCaseSensitive(one, "line", cJSON_CreateString(p));
		*out = realloc(*out, (n + 1) * sizeof **out);
		(*out)[n++] = one;
	}
	free(copy);
	cJSON_Delete(e);
	return n;
}

/* ev's key set to a copy of from's, when ev does not have it. */
static inline void te_copy(cJSON *ev, const cJSON *from, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);
	if (v && !cJSON_HasObjectItem(ev, key))
		cJSON_AddItemToObject(ev, key, cJSON_Duplicate(v, 1));
}

/* What a line leaves out because the line before said it: its t (put
 * first), a msg.header's node and msg; and a DNS answer's defaults: rcode
 * NOERROR when answers are written, a dns.cache without answers the
 * rcode, answers and ttl of the last dns.cache of its node, qname and
 * qtype (*cache, *nc: those seen so far, borrowed from the events). */
static inline void te_imply_line(cJSON *e, const cJSON *prev, const cJSON ***cache, size_t *nc)
{
	const char *kind = te_str(e, "kind");
	if (prev && !cJSON_HasObjectItem(e, "t")) {
		cJSON_AddNumberToObject(e, "t", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(prev, "t")));
		cJSON *t = cJSON_DetachItemViaPointer(e, e->child->prev); /* the last: just added */
		cJSON_InsertItemInArray(e, 0, t);
	}
	if (kind && prev && strcmp(kind, "msg.header") == 0 && !te_str(e, "node") &&
	    !te_str(e, "msg") && te_str(prev, "kind") &&
	    (strcmp(te_str(prev, "kind"), "msg.header") == 0 ||
	     strcmp(te_str(prev, "kind"), "msg.compose") == 0)) {
		te_copy(e, prev, "node");
		te_copy(e, prev, "msg");
	}
	int is_cache = kind && strcmp(kind, "dns.cache") == 0;
	if (is_cache && !cJSON_HasObjectItem(e, "answers")) {
		for (size_t j = *nc; j-- > 0;) {
			const cJSON *c = (*cache)[j];
			const char *a[3] = {te_str(e, "node"), te_str(e, "qname"), te_str(e, "qtype")};
			const char *b[3] = {te_str(c, "node"), te_str(c, "qname"), te_str(c, "qtype")};
			int same = 1;
			for (int k = 0; k < 3; k++)
				same = same && ((!a[k] && !b[k]) || (a[k] && b[k] && strcmp(a[k], b[k]) == 0));
			if (same) {
				te_copy(e, c, "rcode");
				te_copy(e, c, "answers");
				te_copy(e, c, "ttl");
				break;
			}
		}
	}
	/* a kind's usual value of a field, left out (a DNS answer's: with answers) */
	static const char *const dflt[][3] = {{"dns.answer", "rcode", "NOERROR"},
					      {"dns.cache", "rcode", "NOERROR"},
					      {"tls.ok", "version", "TLSv1.3"},
					      {"queue.done", "status", "2.0.0"}};
	for (size_t j = 0; kind && j < sizeof dflt / sizeof dflt[0]; j++)
		if (strcmp(kind, dflt[j][0]) == 0 && !cJSON_HasObjectItem(e, dflt[j][1]) &&
		    (strncmp(kind, "dns.", 4) != 0 || cJSON_HasObjectItem(e, "answers")))
			cJSON_AddStringToObject(e, dflt[j][1], dflt[j][2]);
	if (is_cache) {
		*cache = realloc(*cache, (*nc + 1) * sizeof **cache);
		(*cache)[(*nc)++] = e;
	}
}

/* Events (*evp)[0..*np) in trace order, each a JSON object (NULL ones
 * skipped): numbered, unfolded (the array is replaced and may grow), then
 * given their implied fields. */
static inline void trace_expand_events(cJSON ***evp, size_t *np)
{
	cJSON **ev = NULL;
	size_t n = 0;
	const cJSON *prev = NULL, **cache = NULL;
	size_t ncache = 0;
	for (size_t i = 0; i < *np; i++) { /* first, line by line (before unfolding) */
		if ((*evp)[i]) {
			te_imply_line((*evp)[i], prev, &cache, &ncache);
			prev = (*evp)[i];
		}
	}
	free(cache);
	for (size_t i = 0; i < *np; i++) {
		cJSON *e = (*evp)[i];
		if (!e)
			continue;
		if (!cJSON_HasObjectItem(e, "seq"))
			cJSON_AddNumberToObject(e, "seq", (double)i);
		const char *kind = te_str(e, "kind"), *line = te_str(e, "line");
		if (kind && line && strcmp(kind, "smtp.send") == 0 && !cJSON_HasObjectItem(e, "dir")) {
			/* in its place, just before line: line and what follows
			 * it are taken off and put back after dir */
			const char *dir = te_smtp_reply(line) ? "s2c" : "c2s";
			cJSON *tail[16];
			int nt = 0;
			while (nt < 16) {
				cJSON *last = e->child ? e->child->prev : NULL; /* cJSON keeps the last here */
				if (!last || strcmp(last->string, "line") == 0) {
					if (last)
						tail[nt++] = cJSON_DetachItemViaPointer(e, last);
					break;
				}
				tail[nt++] = cJSON_DetachItemViaPointer(e, last);
			}
			cJSON_AddStringToObject(e, "dir", dir);
			while (nt > 0) {
				cJSON *f = tail[--nt];
				cJSON_AddItemToObject(e, f->string, f);
			}
		}
		n = te_unfold(e, &ev, n);
	}
	free(*evp);
	*evp = ev;
	*np = n;
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
					      strdup(at_server ? node : peer), 0, 0};
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
		} else if (!node && !peer) { /* the client's; net.accept the server's */
			int at_server = kind && strcmp(kind, "net.accept") == 0;
			cJSON_AddStringToObject(e, "node", at_server ? k->server : k->client);
			cJSON_AddStringToObject(e, "peer", at_server ? k->client : k->server);
		}
		if (kind && strncmp(kind, "net.", 4) == 0) { /* its conn's port */
			const cJSON *port = cJSON_GetObjectItemCaseSensitive(e, "port");
			if (cJSON_IsNumber(port) && !k->port)
				k->port = port->valuedouble;
			else if (!port && k->port)
				cJSON_AddNumberToObject(e, "port", k->port);
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
