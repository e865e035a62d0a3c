/* fuzz_trace.c — the viewer's trace reader (render/trace_model.c) on
 * arbitrary JSON Lines, with a fixed host list, then the queries the
 * viewer makes of a model: fields, decisions, events by time, messages,
 * connections. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "trace_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct view_host hosts[] = {
	{.name = "laptop.example.org", .role = "client", .ip = "192.0.2.10"},
	{.name = "mail.example.org", .role = "mta", .ip = "192.0.2.25"},
	{.name = "ns.example", .role = "dns", .ip = "192.0.2.53"},
	{.name = "mx1.example.net", .role = "mta", .ip = "198.51.100.25"},
	{.name = "imap.example.net", .role = "mailbox", .ip = "198.51.100.143"},
};

static void query(const struct tm_model *m)
{
	for (size_t i = 0; i < m->nev; i++) {
		const struct tm_event *e = &m->ev[i];
		int64_t us;
		(void)tm_kind_name(e);
		(void)tm_get(e, "rcpts");
		(void)tm_get_long(e, "attempt", 0);
		(void)tm_get_us(e, "next_attempt", &us);
		if (e->msg)
			(void)tm_msg_find(m, e->msg);
		if (e->conn >= 0)
			(void)tm_conn_find(m, e->conn);
		char t[64];
		tm_format_time(e->t_us, t, sizeof(t));
	}
	long guard = 0;
	for (long d = tm_next_decision(m, -1); d >= 0; d = tm_next_decision(m, d))
		if (++guard > (long)m->nev)
			__builtin_trap(); /* decisions strictly advance */
	if (m->nev) {
		(void)tm_prev_decision(m, (long)m->nev - 1);
		(void)tm_event_at_time(m, m->ev[m->nev - 1].t_us);
		(void)tm_event_at_time(m, INT64_MIN);
		(void)tm_event_at_time(m, INT64_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct tm_model *m = tm_parse((const char *)data, size, hosts,
				      sizeof(hosts) / sizeof(hosts[0]), err, sizeof(err));
	if (m) {
		query(m);
		tm_free(m);
	}
	int64_t us;
	(void)tm_parse_seconds((const char *)data, size, &us);
	return 0;
}
