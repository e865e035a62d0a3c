/* trace_model_dns.c — a DNS answer's left-out fields, for the trace
 * model (see trace_model_intern.h). The rules are the writer's
 * (sim/trace.c, ARCHITECTURE.md "Implied fields"): a dns.answer or
 * dns.cache with answers but no rcode says NOERROR; a dns.cache without
 * answers repeats the last dns.cache of its node for that qname and qtype. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "trace_model_intern.h"
#include "trace_model_scan.h"
#include "util.h"

/* node, qname and qtype as one key: the node's index and the two values
 * as written (JSON strings, so the key reads one way only). */
static bool dns_key(const char *line, size_t len, int32_t node, struct strbuf *key)
{
	struct tms_member qn, qt;
	if (!tms_find(line, len, "qname", &qn) || !tms_find(line, len, "qtype", &qt))
		return false;
	sb_printf(key, "%d", (int)node);
	sb_append(key, qn.val, qn.vlen);
	sb_append(key, qt.val, qt.vlen);
	return true;
}

uint32_t tm_dns_note(struct tm_intern *in, const char *line, size_t len, int32_t node, size_t idx)
{
	struct tms_member answers;
	struct strbuf key;
	uint32_t back = 0;
	sb_init(&key);
	if (!dns_key(line, len, node, &key)) {
		sb_free(&key);
		return 0;
	}
	int32_t k = tm_tab_find(&in->dnskeys, key.data, key.len);
	if (!tms_find(line, len, "answers", &answers)) {
		if (k >= 0)
			back = (uint32_t)(idx - in->dns_last[k]);
	} else {
		if (k < 0) {
			k = tm_tab_add(&in->dnskeys, key.data, key.len);
			in->dns_last = xrealloc(in->dns_last, in->dnskeys.nstr * sizeof *in->dns_last);
		}
		in->dns_last[k] = (uint32_t)idx;
	}
	sb_free(&key);
	return back;
}

void tm_dns_fill(cJSON *obj, const char *from, size_t from_len)
{
	static const char *const said[] = {"rcode", "answers", "ttl"};
	if (from && !cJSON_HasObjectItem(obj, "answers")) {
		cJSON *src = cJSON_ParseWithLength(from, from_len);
		for (size_t i = 0; src && i < sizeof said / sizeof said[0]; i++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(src, said[i]);
			if (v)
				cJSON_AddItemToObject(obj, said[i], cJSON_Duplicate(v, true));
		}
		cJSON_Delete(src);
	}
	if (!cJSON_HasObjectItem(obj, "answers") || cJSON_HasObjectItem(obj, "rcode"))
		return;
	/* in its place, before answers: what follows is taken off and put back */
	cJSON *after[8];
	size_t n = 0;
	while (n < 8 && obj->child) {
		cJSON *last = obj->child->prev; /* cJSON keeps the last item here */
		bool stop = strcmp(last->string, "answers") == 0;
		after[n++] = cJSON_DetachItemViaPointer(obj, last);
		if (stop)
			break;
	}
	cJSON_AddStringToObject(obj, "rcode", "NOERROR");
	while (n > 0) {
		cJSON *v = after[--n];
		cJSON_AddItemToObject(obj, v->string, v);
	}
}
