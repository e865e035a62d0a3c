/* trace_model_tool.c — what the viewer's trace model reads from a trace
 * file (render/view/trace_model.c, opened with tm_open as a viewer would),
 * for tests/verify/golden_read.py to hold against its own reading: one
 * JSON line per event with its index, time (µs), kind, conn, the node and
 * peer the model resolved (null when it has none) and its msg; a DNS
 * answer's rcode, answers and ttl as the model's fields give them (what
 * the event card shows), and the model's summary of it; a net.* event's
 * port, a tls.ok's version and a queue.done's status.
 *
 *   trace_model_tool TRACE.jsonl
 *
 * Exit 1 with the model's message when the trace does not load. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace_model.h"

static void add_name(cJSON *o, const char *key, const struct tm_model *m, int idx)
{
	if (idx >= 0)
		cJSON_AddStringToObject(o, key, m->nodes[idx].name);
	else
		cJSON_AddNullToObject(o, key);
}

int main(int argc, char **argv)
{
	char err[512];
	if (argc != 2) {
		fprintf(stderr, "usage: trace_model_tool TRACE.jsonl\n");
		return 2;
	}
	struct tm_model *m = tm_open(argv[1], NULL, 0, err, sizeof err);
	if (!m) {
		fprintf(stderr, "trace_model_tool: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", e->seq);
		cJSON_AddNumberToObject(o, "t_us", (double)e->t_us);
		cJSON_AddStringToObject(o, "kind", tm_kind_name(e));
		if (e->conn >= 0)
			cJSON_AddNumberToObject(o, "conn", e->conn);
		add_name(o, "node", m, e->node);
		add_name(o, "peer", m, e->peer);
		if (e->msg)
			cJSON_AddStringToObject(o, "msg", e->msg);
		if (e->dir != TM_DIR_NONE)
			cJSON_AddStringToObject(o, "dir", e->dir == TM_DIR_C2S ? "c2s" : "s2c");
		if (tm_text_lines(e) && (e->kind == TM_SMTP_SEND || e->kind == TM_IMAP_SEND ||
					 e->kind == TM_POP3_SEND)) {
			cJSON *lines = cJSON_AddArrayToObject(o, "lines");
			for (size_t l = 0; l < tm_text_lines(e); l++)
				cJSON_AddItemToArray(lines, cJSON_CreateString(tm_text_line(e, l)));
		}
		if (e->kind == TM_DNS_ANSWER || e->kind == TM_DNS_CACHE) {
			static const char *const keys[] = {"rcode", "answers", "ttl"};
			for (size_t k = 0; k < 3; k++) {
				const struct tm_field *f = tm_get_field(e, keys[k]);
				if (f && f->items) {
					cJSON *a = cJSON_AddArrayToObject(o, keys[k]);
					for (size_t j = 0; j < f->nitems; j++)
						cJSON_AddItemToArray(a, cJSON_CreateString(f->items[j]));
				} else if (f) {
					cJSON_AddStringToObject(o, keys[k], f->val);
				}
			}
			cJSON_AddStringToObject(o, "summary", tm_summary(e));
		}
		if (e->kind >= TM_NET_CONNECT && e->kind <= TM_NET_CLOSE && e->port)
			cJSON_AddNumberToObject(o, "port", e->port);
		static const struct {
			enum tm_kind kind;
			const char *key;
		} usual[] = {{TM_TLS_OK, "version"}, {TM_QUEUE_DONE, "status"}};
		for (size_t k = 0; k < sizeof usual / sizeof usual[0]; k++)
			if (e->kind == usual[k].kind && tm_get(e, usual[k].key))
				cJSON_AddStringToObject(o, usual[k].key, tm_get(e, usual[k].key));
		char *s = cJSON_PrintUnformatted(o);
		puts(s);
		free(s);
		cJSON_Delete(o);
	}
	tm_free(m);
	return 0;
}
