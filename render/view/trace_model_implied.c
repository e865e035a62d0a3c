/* trace_model_implied.c — fields a line leaves out, put back for the
 * trace model (see trace_model_intern.h). The rules are the writer's
 * (sim/trace.c, ARCHITECTURE.md "Implied fields"): a kind's usual value
 * (a DNS answer's rcode NOERROR, tls.ok's version TLSv1.3, queue.done's
 * status 2.0.0); a dns.cache without answers repeats the last dns.cache of
 * its node for that qname and qtype. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "trace_kinds.h"
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

/* obj's key set to a string value, put before the first of `before` it
 * has (at the end when none): what follows is taken off and put back. */
static void add_before(cJSON *obj, const char *key, const char *value, const char *before)
{
	cJSON *after[16];
	size_t n = 0;
	bool has = false;
	for (const cJSON *v = obj->child; v && before; v = v->next)
		has = has || strcmp(v->string, before) == 0;
	while (has && n < 16 && obj->child) {
		cJSON *last = obj->child->prev; /* cJSON keeps the last item here */
		bool stop = strcmp(last->string, before) == 0;
		after[n++] = cJSON_DetachItemViaPointer(obj, last);
		if (stop)
			break;
	}
	cJSON_AddStringToObject(obj, key, value);
	while (n > 0) {
		cJSON *v = after[--n];
		cJSON_AddItemToObject(obj, v->string, v);
	}
}

static bool is_net(enum trace_kind k)
{
	return k == TK_NET_CONNECT || k == TK_NET_ACCEPT || k == TK_NET_REFUSED ||
	       k == TK_NET_TIMEOUT || k == TK_NET_CLOSE;
}

void tm_fill_implied(cJSON *obj, enum trace_kind kind, const char *from, size_t from_len,
		     unsigned port)
{
	static const char *const said[] = {"rcode", "answers", "ttl"};
	static const struct {
		enum trace_kind kind;
		const char *key, *value, *before;
	} dflt[] = {
		{TK_DNS_ANSWER, "rcode", "NOERROR", "answers"},
		{TK_DNS_CACHE, "rcode", "NOERROR", "answers"},
		{TK_TLS_OK, "version", "TLSv1.3", NULL},
		{TK_QUEUE_DONE, "status", "2.0.0", "reason"},
	};
	bool dns = kind == TK_DNS_ANSWER || kind == TK_DNS_CACHE;
	if (from && !cJSON_HasObjectItem(obj, "answers")) {
		cJSON *src = cJSON_ParseWithLength(from, from_len);
		for (size_t i = 0; src && i < sizeof said / sizeof said[0]; i++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(src, said[i]);
			if (v)
				cJSON_AddItemToObject(obj, said[i], cJSON_Duplicate(v, true));
		}
		cJSON_Delete(src);
	}
	for (size_t i = 0; i < sizeof dflt / sizeof dflt[0]; i++)
		if (kind == dflt[i].kind && !cJSON_HasObjectItem(obj, dflt[i].key) &&
		    (!dns || cJSON_HasObjectItem(obj, "answers")))
			add_before(obj, dflt[i].key, dflt[i].value, dflt[i].before);
	if (port && is_net(kind) && !cJSON_HasObjectItem(obj, "port"))
		cJSON_AddNumberToObject(obj, "port", port);
}
