/* trace_kinds.c — see trace_kinds.h: the table and its lookups. */
#include "trace_kinds.h"

#include <string.h>

static const struct {
	const char *name, *fields, *meaning;
} kinds[TK_COUNT] = {
#define TRACE_KIND_ROW(id, name, fields, meaning) [TK_##id] = {name, fields, meaning},
	TRACE_KINDS(TRACE_KIND_ROW)
#undef TRACE_KIND_ROW
};

const char *trace_kind_name(enum trace_kind k)
{
	return (unsigned)k < TK_COUNT ? kinds[k].name : "?";
}

const char *trace_kind_fields(enum trace_kind k)
{
	return (unsigned)k < TK_COUNT ? kinds[k].fields : "";
}

const char *trace_kind_meaning(enum trace_kind k)
{
	return (unsigned)k < TK_COUNT ? kinds[k].meaning : "";
}

bool trace_kind_parse(const char *s, enum trace_kind *out)
{
	for (int k = 0; s && k < TK_COUNT; k++)
		if (strcmp(kinds[k].name, s) == 0) {
			*out = (enum trace_kind)k;
			return true;
		}
	return false;
}

bool trace_kind_has_field(enum trace_kind k, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = trace_kind_fields(k); *p;) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ?");
		if (w == n && n && memcmp(p, key, n) == 0)
			return true;
		p += w;
		while (*p == '?')
			p++;
	}
	return false;
}

const char *policy_decision_name(enum policy_decision d)
{
	static const char *const names[PD_COUNT] = {
#define POLICY_DECISION_ROW(id, name) [PD_##id] = name,
		POLICY_DECISIONS(POLICY_DECISION_ROW)
#undef POLICY_DECISION_ROW
	};
	return (unsigned)d < PD_COUNT ? names[d] : "?";
}
