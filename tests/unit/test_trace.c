/* test_trace.c — the trace's two formats, byte for byte.
 *
 * JSONL: fixed key order whatever order the common fields were set in,
 * times in their shortest exact form, no seq (the line number), the
 * fields a conn's first event implies left out, the lines of one instant
 * folded, string escaping (quotes, backslashes, control
 * characters, invalid UTF-8 -> \ufffd, valid UTF-8 untouched), string
 * arrays, TF_TIME fields, booleans, event counting and the narration hook.
 * Transcript: the smtp.send arrows (plain and TLS) and the DNS lines.
 *
 * JSONL goes to a strbuf (trace_set_buffer); the transcript to an
 * open_memstream, so every expectation is an exact string. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "trace.h"
#include "util.h"

/* ---- fixture ---------------------------------------------------------------- */

struct fx {
	struct trace *tr;
	struct strbuf jsonl;
	FILE *ts;          /* transcript sink (open_memstream) */
	char *ts_data;
	size_t ts_len;
};

static int setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof *fx);
	fx->tr = trace_new();
	/* These tests are about the writer's format, not the vocabulary. */
	trace_set_loose(fx->tr, true);
	sb_init(&fx->jsonl);
	sb_puts(&fx->jsonl, "");
	trace_set_buffer(fx->tr, &fx->jsonl);
	fx->ts = open_memstream(&fx->ts_data, &fx->ts_len);
	assert_non_null(fx->ts);
	trace_set_transcript(fx->tr, fx->ts);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	trace_free(fx->tr);
	fclose(fx->ts);
	free(fx->ts_data);
	sb_free(&fx->jsonl);
	free(fx);
	return 0;
}

static void expect_jsonl(struct fx *fx, const char *want)
{
	if (strcmp(fx->jsonl.data, want) != 0)
		fail_msg("jsonl:\n got: %s\nwant: %s", fx->jsonl.data, want);
}

static void expect_transcript(struct fx *fx, const char *want)
{
	fflush(fx->ts);
	const char *got = fx->ts_data ? fx->ts_data : "";
	if (strcmp(got, want) != 0)
		fail_msg("transcript:\n got: [%s]\nwant: [%s]", got, want);
}

/* One event of the given kind with a single string field. */
static void one_str_event(struct trace *tr, const char *key, const char *val)
{
	trace_begin(tr, 0, TK_NARRATE);
	trace_str(tr, key, val);
	trace_end(tr);
}

/* ---- key order and numbers ---------------------------------------------------- */

static void test_fixed_key_order_from_scrambled_calls(void **state)
{
	struct fx *fx = *state;
	trace_begin(fx->tr, 1500000, TK_SMTP_SEND);
	trace_str(fx->tr, "dir", "c2s");
	trace_rcpt(fx->tr, "bob@example.net");
	trace_int(fx->tr, "octets", -3);
	trace_msg(fx->tr, "m1");
	trace_conn(fx->tr, 7);
	trace_peer(fx->tr, "mx1.example.net");
	trace_str(fx->tr, "line", "RCPT TO:<bob@example.net>");
	trace_node(fx->tr, "mail.example.org");
	trace_end(fx->tr);
	expect_jsonl(fx, "{\"t\":1.5,\"kind\":\"smtp.send\","
			 "\"node\":\"mail.example.org\",\"peer\":\"mx1.example.net\",\"conn\":7,"
			 "\"msg\":\"m1\",\"rcpt\":\"bob@example.net\"," /* dir: implied */
			 "\"octets\":-3,\"line\":\"RCPT TO:<bob@example.net>\"}\n");
}

/* Keys and kinds are written once and copied after (a memo of short
 * texts, copied a fixed 40 bytes at a time): every length around the
 * memo's limit, one too long to keep, one that needs escaping, each
 * written three times across events of two kinds, must come out whole. */
static void test_key_and_kind_texts_repeat_exactly(void **state)
{
	struct fx *fx = *state;
	static const char *const keys[] = {
		"a",
		"k2345678901234567890123456789012",     /* 32: ,"…": is 36 bytes */
		"k23456789012345678901234567890123",    /* 33 */
		"k234567890123456789012345678901234",   /* 34: 38, the longest kept */
		"k2345678901234567890123456789012345",  /* 35: 39, written each time */
		"k23456789012345678901234567890123456789012345678901234567890", /* 60 */
		"q\"k",                                 /* escaped: ,"q\"k": */
	};
	enum { NKEYS = sizeof keys / sizeof keys[0] };
	struct strbuf want;
	sb_init(&want);
	for (int round = 0; round < 3; round++) {
		for (int kind = 0; kind < 2; kind++) {
			trace_begin(fx->tr, 0, kind ? TK_SIM_END : TK_NARRATE);
			sb_puts(&want, round || kind ? "{" : "{\"t\":0,");
			sb_puts(&want, kind ? "\"kind\":\"sim.end\"" : "\"kind\":\"narrate\"");
			for (int i = 0; i < NKEYS; i++) {
				trace_int(fx->tr, keys[i], i);
				sb_printf(&want, ",\"%s\":%d", i == NKEYS - 1 ? "q\\\"k" : keys[i], i);
			}
			trace_end(fx->tr);
			sb_puts(&want, "}\n");
		}
	}
	expect_jsonl(fx, want.data);
	sb_free(&want);
}

static void test_absent_common_fields_are_omitted(void **state)
{
	struct fx *fx = *state;
	trace_begin(fx->tr, 0, TK_SIM_START);
	trace_conn(fx->tr, 0); /* conn 0 is a real connection number */
	trace_end(fx->tr);
	trace_begin(fx->tr, 0, TK_SIM_END);
	trace_end(fx->tr);
	expect_jsonl(fx, "{\"t\":0,\"kind\":\"sim.start\",\"conn\":0}\n"
			 "{\"kind\":\"sim.end\"}\n"); /* at the t of the line before */
}

static void test_time_has_six_decimals(void **state)
{
	static const struct {
		int64_t us;
		const char *want;
	} cases[] = {
		{0, "0.000000"},          {1, "0.000001"},         {999999, "0.999999"},
		{1000000, "1.000000"},    {12345678, "12.345678"}, {12000150, "12.000150"},
		{432000000000, "432000.000000"}, {-1, "-0.000001"}, {-1500000, "-1.500000"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char buf[32];
		trace_format_time(cases[i].us, buf, sizeof buf);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("trace_format_time(%lld): got \"%s\", want \"%s\"",
				 (long long)cases[i].us, buf, cases[i].want);
	}
}

static void test_event_time_and_time_field(void **state)
{
	struct fx *fx = *state;
	trace_begin(fx->tr, 12345678, TK_QUEUE_DEFER);
	trace_time(fx->tr, "next_attempt", 312345678);
	trace_time(fx->tr, "zero", 0);
	trace_time(fx->tr, "tiny", 1);
	trace_end(fx->tr);
	expect_jsonl(fx, "{\"t\":12.345678,\"kind\":\"queue.defer\","
			 "\"next_attempt\":312.345678,\"zero\":0,\"tiny\":0.000001}\n");
}

static void test_ints_bools_and_string_arrays(void **state)
{
	struct fx *fx = *state;
	static const char *const mx[] = {"10 mx1.example.net.", "20 mx2.example.net."};
	trace_begin(fx->tr, 0, TK_ROUTE_MX);
	trace_strv(fx->tr, "mx", mx, 2);
	trace_strv(fx->tr, "none", NULL, 0);
	trace_bool(fx->tr, "yes", true);
	trace_bool(fx->tr, "no", false);
	trace_int(fx->tr, "big", INT64_MAX);
	trace_int(fx->tr, "small", INT64_MIN);
	trace_end(fx->tr);
	expect_jsonl(fx, "{\"t\":0,\"kind\":\"route.mx\","
			 "\"mx\":[\"10 mx1.example.net.\",\"20 mx2.example.net.\"],\"none\":[],"
			 "\"yes\":true,\"no\":false,\"big\":9223372036854775807,"
			 "\"small\":-9223372036854775808}\n");
}

/* ---- escaping --------------------------------------------------------------- */

static void test_string_escaping_table(void **state)
{
	static const struct {
		const char *in;
		const char *want; /* the JSON literal, quotes included */
	} cases[] = {
		{"plain", "\"plain\""},
		{"say \"hi\"", "\"say \\\"hi\\\"\""},
		{"C:\\dir\\", "\"C:\\\\dir\\\\\""},
		{"a\r\nb\tc", "\"a\\r\\nb\\tc\""},
		{"\x01\x08\x0c\x1f", "\"\\u0001\\u0008\\u000c\\u001f\""},
		{"del\x7f", "\"del\\u007f\""},
		{"/ stays", "\"/ stays\""},
		/* valid multi-byte UTF-8 passes through untouched */
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7\""},
		/* invalid bytes each become U+FFFD */
		{"x\xffy", "\"x\\ufffdy\""},
		{"\x80", "\"\\ufffd\""},
		{"\xc3(", "\"\\ufffd(\""},                 /* lead byte without continuation */
		{"\xc0\xaf", "\"\\ufffd\\ufffd\""},         /* overlong '/' */
		{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""}, /* UTF-16 surrogate D800 */
		{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* > U+10FFFF */
		{"end\xe2\x82", "\"end\\ufffd\\ufffd\""},   /* truncated at end of string */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct strbuf sb;
		sb_init(&sb);
		json_put_string(&sb, cases[i].in, strlen(cases[i].in));
		if (strcmp(sb.data, cases[i].want) != 0)
			fail_msg("case %zu: got %s, want %s", i, sb.data, cases[i].want);
		sb_free(&sb);
	}
}

static void test_embedded_nul_is_escaped(void **state)
{
	struct strbuf sb;
	sb_init(&sb);
	json_put_string(&sb, "a\0b", 3);
	assert_string_equal(sb.data, "\"a\\u0000b\"");
	sb_free(&sb);
}

/* Whatever goes in, a JSON parser reads back the same string (for valid
 * UTF-8) — so the escaper and a real decoder agree. */
static void test_escaped_strings_round_trip_through_cjson(void **state)
{
	static const char *const inputs[] = {
		"", "plain", "q\"b\\s/", "\x01\x1f\x7f\t\r\n", "caf\xc3\xa9 \xf0\x9f\x93\xa7",
		"RCPT TO:<bob@example.net>",
	};
	for (size_t i = 0; i < ARRAY_LEN(inputs); i++) {
		struct strbuf sb;
		sb_init(&sb);
		json_put_string(&sb, inputs[i], strlen(inputs[i]));
		cJSON *j = cJSON_Parse(sb.data);
		const char *back = cJSON_IsString(j) ? j->valuestring : NULL;
		if (!back || strcmp(back, inputs[i]) != 0)
			fail_msg("case %zu: %s parsed back as %s", i, sb.data, back ? back : "(invalid)");
		cJSON_Delete(j);
		sb_free(&sb);
	}
}

/* The escaper scans 16 and 8 bytes at a time: each byte that needs care,
 * at every offset of a 40-byte run (both wide loops, the tails, the
 * boundaries), comes out escaped exactly where it was and nowhere else. */
static void test_escaping_at_every_offset(void **state)
{
	static const struct {
		const char *in;   /* the byte (or UTF-8 sequence) put in */
		const char *want; /* its JSON text */
	} sp[] = {
		{"\"", "\\\""}, {"\\", "\\\\"}, {"\x01", "\\u0001"}, {"\x1f", "\\u001f"},
		{"\n", "\\n"},    {"\x7f", "\\u007f"}, {"\x80", "\\ufffd"}, {"\xff", "\\ufffd"},
		{"\xc3\xa9", "\xc3\xa9"}, {" ", " "}, {"~", "~"},
	};
	enum { RUN = 40 };
	for (size_t k = 0; k < ARRAY_LEN(sp); k++) {
		for (size_t at = 0; at < RUN; at++) {
			char in[RUN + 8], want[RUN + 16];
			size_t il = strlen(sp[k].in);
			memset(in, 'a', at);
			memcpy(in + at, sp[k].in, il);
			memset(in + at + il, 'b', RUN - at);
			size_t n = at + il + (RUN - at);
			int w = snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)at,
					 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", sp[k].want, (int)(RUN - at),
					 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
			assert_true(w > 0 && (size_t)w < sizeof want);
			struct strbuf sb;
			sb_init(&sb);
			json_put_string(&sb, in, n);
			if (strcmp(sb.data, want) != 0)
				fail_msg("special %zu at %zu: got %s, want %s", k, at, sb.data, want);
			sb_free(&sb);
		}
	}
}

static void test_escaping_applies_to_common_fields_and_arrays(void **state)
{
	struct fx *fx = *state;
	static const char *const v[] = {"q\"", "\xff"};
	trace_begin(fx->tr, 0, TK_DSN_CREATE);
	trace_node(fx->tr, "n\\1");
	trace_msg(fx->tr, "m\n");
	trace_strv(fx->tr, "rcpts", v, 2);
	trace_strn(fx->tr, "to", "abcdef", 3);
	trace_end(fx->tr);
	expect_jsonl(fx, "{\"t\":0,\"kind\":\"dsn.create\",\"node\":\"n\\\\1\","
			 "\"msg\":\"m\\n\",\"rcpts\":[\"q\\\"\",\"\\ufffd\"],\"to\":\"abc\"}\n");
}

/* ---- implied fields (ARCHITECTURE.md, "Implied fields") ---------------------- */

static void conn_event(struct trace *tr, int64_t t, enum trace_kind k, const char *node,
		       const char *peer, long conn, const char *dir, bool tls)
{
	trace_begin(tr, t, k);
	trace_node(tr, node);
	trace_peer(tr, peer);
	trace_conn(tr, conn);
	if (dir) {
		trace_str(tr, "dir", dir);
		trace_str(tr, "line", "x");
	}
	if (tls)
		trace_bool(tr, "tls", true);
	trace_end(tr);
}

static void test_conn_ends_and_tls_are_implied(void **state)
{
	struct fx *fx = *state;
	conn_event(fx->tr, 0, TK_NET_CONNECT, "c", "s", 3, NULL, false);
	conn_event(fx->tr, 10, TK_NET_ACCEPT, "s", "c", 3, NULL, false);
	conn_event(fx->tr, 20, TK_SMTP_SEND, "s", "c", 3, "s2c", false);
	conn_event(fx->tr, 30, TK_SMTP_SEND, "c", "s", 3, "c2s", false);
	conn_event(fx->tr, 40, TK_TLS_OK, "c", "s", 3, NULL, false);
	conn_event(fx->tr, 50, TK_SMTP_SEND, "c", "s", 3, "c2s", true);
	conn_event(fx->tr, 60, TK_SMTP_SEND, "s", "c", 3, "s2c", false); /* clear after tls.ok */
	conn_event(fx->tr, 70, TK_SMTP_SEND, "c", "x", 3, "c2s", true);  /* not the ends */
	conn_event(fx->tr, 80, TK_NET_CLOSE, "x", "s", 3, NULL, false);
	expect_jsonl(fx,
		"{\"t\":0,\"kind\":\"net.connect\",\"node\":\"c\",\"peer\":\"s\",\"conn\":3}\n"
		"{\"t\":0.00001,\"kind\":\"net.accept\",\"conn\":3}\n"      /* the server's */
		"{\"t\":0.00002,\"kind\":\"smtp.send\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"x\"}\n"
		"{\"t\":0.00003,\"kind\":\"smtp.send\",\"conn\":3,\"line\":\"x\"}\n" /* x: a command */
		"{\"t\":0.00004,\"kind\":\"tls.ok\",\"conn\":3}\n"          /* the client's */
		"{\"t\":0.00005,\"kind\":\"smtp.send\",\"conn\":3,\"line\":\"x\"}\n"
		"{\"t\":0.00006,\"kind\":\"smtp.send\",\"conn\":3,\"dir\":\"s2c\",\"line\":\"x\","
		"\"tls\":false}\n"
		"{\"t\":0.00007,\"kind\":\"smtp.send\",\"node\":\"c\",\"peer\":\"x\",\"conn\":3,"
		"\"line\":\"x\"}\n"
		"{\"t\":0.00008,\"kind\":\"net.close\",\"node\":\"x\",\"peer\":\"s\",\"conn\":3}\n");
}

static void test_first_event_of_a_conn_names_both_ends(void **state)
{
	struct fx *fx = *state;
	/* A sink attached late sees a conn first on a server's line. */
	conn_event(fx->tr, 0, TK_SMTP_SEND, "s", "c", 9, "s2c", false);
	conn_event(fx->tr, 0, TK_SMTP_SEND, "c", "s", 9, "c2s", false);
	conn_event(fx->tr, 0, TK_NET_CLOSE, "s", "c", 9, NULL, false);
	expect_jsonl(fx,
		"{\"t\":0,\"kind\":\"smtp.send\",\"node\":\"s\",\"peer\":\"c\",\"conn\":9,"
		"\"dir\":\"s2c\",\"line\":\"x\"}\n"
		"{\"kind\":\"smtp.send\",\"conn\":9,\"line\":\"x\"}\n"
		"{\"kind\":\"net.close\",\"node\":\"s\",\"conn\":9}\n");
}

/* ---- folded lines (ARCHITECTURE.md, "Folded lines") ----------------------- */

/* One smtp.send line on connection conn (tls: sent inside TLS). */
static void smtp_line(struct trace *tr, int conn, int64_t t, const char *node, const char *peer,
		      const char *dir, const char *line, bool tls)
{
	trace_begin(tr, t, TK_SMTP_SEND);
	trace_node(tr, node);
	trace_peer(tr, peer);
	trace_conn(tr, conn);
	trace_str(tr, "dir", dir);
	trace_str(tr, "line", line);
	if (tls)
		trace_bool(tr, "tls", true);
	trace_end(tr);
}

static void test_lines_of_one_instant_are_folded(void **state)
{
	struct fx *fx = *state;
	conn_event(fx->tr, 0, TK_NET_CONNECT, "c", "s", 4, NULL, false);
	smtp_line(fx->tr, 4, 10, "s", "c", "s2c", "250-a", false);
	smtp_line(fx->tr, 4, 10, "s", "c", "s2c", "250 b", false);          /* joins */
	smtp_line(fx->tr, 4, 10, "c", "s", "c2s", "MAIL", false);           /* other dir, both left out */
	smtp_line(fx->tr, 4, 10, "c", "s", "c2s", "RCPT", false);           /* joins */
	smtp_line(fx->tr, 4, 10, "c", "s", "c2s", "250 not a reply", false); /* dir written: not folded */
	trace_narrate(fx->tr, 10, "a caption");                    /* ends the fold */
	smtp_line(fx->tr, 4, 10, "c", "s", "c2s", "DATA", false);
	smtp_line(fx->tr, 4, 11, "c", "s", "c2s", "QUIT", false);           /* another instant */
	assert_int_equal(trace_count(fx->tr), 7);                  /* JSONL lines */
	trace_flush(fx->tr);
	expect_jsonl(fx,
		"{\"t\":0,\"kind\":\"net.connect\",\"node\":\"c\",\"peer\":\"s\",\"conn\":4}\n"
		"{\"t\":0.00001,\"kind\":\"smtp.send\",\"conn\":4,\"line\":\"250-a\\n250 b\"}\n"
		"{\"kind\":\"smtp.send\",\"conn\":4,\"line\":\"MAIL\\nRCPT\"}\n"
		"{\"kind\":\"smtp.send\",\"conn\":4,\"dir\":\"c2s\","
		"\"line\":\"250 not a reply\"}\n"
		"{\"kind\":\"narrate\",\"text\":\"a caption\"}\n"
		"{\"kind\":\"smtp.send\",\"conn\":4,\"line\":\"DATA\"}\n"
		"{\"t\":0.000011,\"kind\":\"smtp.send\",\"conn\":4,\"line\":\"QUIT\"}\n");
}

/* ---- what the line before said (ARCHITECTURE.md, "Implied fields") ------- */

static void header(struct trace *tr, int64_t t, const char *node, const char *msg,
		   const char *name)
{
	trace_begin(tr, t, TK_MSG_HEADER);
	trace_node(tr, node);
	trace_msg(tr, msg);
	trace_str(tr, "name", name);
	trace_str(tr, "value", "v");
	trace_end(tr);
}

static void cache(struct trace *tr, int64_t t, const char *node, const char *qname,
		  const char *rcode, const char *answer, int64_t ttl)
{
	trace_begin(tr, t, TK_DNS_CACHE);
	trace_node(tr, node);
	trace_str(tr, "qname", qname);
	trace_str(tr, "qtype", "A");
	trace_str(tr, "rcode", rcode);
	const char *v[] = {answer};
	trace_strv(tr, "answers", v, answer ? 1 : 0);
	trace_int(tr, "ttl", ttl);
	trace_end(tr);
}

static void test_header_ids_and_dns_repeats_are_implied(void **state)
{
	struct fx *fx = *state;
	trace_begin(fx->tr, 1, TK_MSG_COMPOSE);
	trace_node(fx->tr, "h");
	trace_msg(fx->tr, "m1");
	trace_end(fx->tr);
	header(fx->tr, 1, "h", "m1", "Date");  /* node and msg left out */
	header(fx->tr, 1, "h", "m1", "From");
	header(fx->tr, 2, "h", "m1", "To");    /* another t: still the header before's */
	header(fx->tr, 2, "h", "m2", "Date");  /* another msg: both written */
	cache(fx->tr, 2, "r", "a.example", "NOERROR", "192.0.2.1", 60); /* rcode left out */
	header(fx->tr, 2, "h", "m2", "From");  /* not after a header: written */
	cache(fx->tr, 2, "r", "a.example", "NOERROR", "192.0.2.1", 60); /* a repeat */
	cache(fx->tr, 2, "s", "a.example", "NOERROR", "192.0.2.1", 60); /* another node */
	cache(fx->tr, 2, "r", "b.example", "NXDOMAIN", NULL, 300);
	cache(fx->tr, 2, "r", "a.example", "NOERROR", "192.0.2.1", 59);  /* another ttl */
	cache(fx->tr, 2, "r", "a.example", "NOERROR", "192.0.2.1", 59);  /* a repeat */
	cache(fx->tr, 2, "r", "b.example", "NXDOMAIN", NULL, 300);       /* a repeat */
	expect_jsonl(fx,
		"{\"t\":0.000001,\"kind\":\"msg.compose\",\"node\":\"h\",\"msg\":\"m1\"}\n"
		"{\"kind\":\"msg.header\",\"name\":\"Date\",\"value\":\"v\"}\n"
		"{\"kind\":\"msg.header\",\"name\":\"From\",\"value\":\"v\"}\n"
		"{\"t\":0.000002,\"kind\":\"msg.header\",\"name\":\"To\",\"value\":\"v\"}\n"
		"{\"kind\":\"msg.header\",\"node\":\"h\",\"msg\":\"m2\","
		"\"name\":\"Date\",\"value\":\"v\"}\n"
		"{\"kind\":\"dns.cache\",\"node\":\"r\",\"qname\":\"a.example\",\"qtype\":\"A\","
		"\"answers\":[\"192.0.2.1\"],\"ttl\":60}\n"
		"{\"kind\":\"msg.header\",\"node\":\"h\",\"msg\":\"m2\","
		"\"name\":\"From\",\"value\":\"v\"}\n"
		"{\"kind\":\"dns.cache\",\"node\":\"r\",\"qname\":\"a.example\",\"qtype\":\"A\"}\n"
		"{\"kind\":\"dns.cache\",\"node\":\"s\",\"qname\":\"a.example\",\"qtype\":\"A\","
		"\"answers\":[\"192.0.2.1\"],\"ttl\":60}\n"
		"{\"kind\":\"dns.cache\",\"node\":\"r\",\"qname\":\"b.example\",\"qtype\":\"A\","
		"\"rcode\":\"NXDOMAIN\",\"answers\":[],\"ttl\":300}\n"
		"{\"kind\":\"dns.cache\",\"node\":\"r\",\"qname\":\"a.example\",\"qtype\":\"A\","
		"\"answers\":[\"192.0.2.1\"],\"ttl\":59}\n"
		"{\"kind\":\"dns.cache\",\"node\":\"r\",\"qname\":\"a.example\",\"qtype\":\"A\"}\n"
		"{\"kind\":\"dns.cache\",\"node\":\"r\",\"qname\":\"b.example\",\"qtype\":\"A\"}\n");
	/* A new sink starts with a line that says its t. */
	struct strbuf other;
	sb_init(&other);
	sb_puts(&other, "");
	trace_set_buffer(fx->tr, &other);
	header(fx->tr, 2, "h", "m2", "To");
	assert_string_equal(other.data, "{\"t\":0.000002,\"kind\":\"msg.header\",\"node\":\"h\","
				     "\"msg\":\"m2\",\"name\":\"To\",\"value\":\"v\"}\n");
	trace_set_buffer(fx->tr, &fx->jsonl);
	sb_free(&other);
}

static void net_event(struct trace *tr, enum trace_kind kind, const char *node,
		      const char *peer, int64_t port)
{
	trace_begin(tr, 0, kind);
	trace_node(tr, node);
	trace_peer(tr, peer);
	trace_conn(tr, 5);
	trace_int(tr, "port", port);
	trace_end(tr);
}

static void test_usual_values_and_a_conns_port_are_implied(void **state)
{
	struct fx *fx = *state;
	net_event(fx->tr, TK_NET_CONNECT, "c", "s", 25);
	net_event(fx->tr, TK_NET_ACCEPT, "s", "c", 25);  /* port left out */
	trace_begin(fx->tr, 0, TK_TLS_OK);
	trace_node(fx->tr, "c");
	trace_peer(fx->tr, "s");
	trace_conn(fx->tr, 5);
	trace_str(fx->tr, "version", "TLSv1.3");         /* left out */
	trace_end(fx->tr);
	net_event(fx->tr, TK_NET_CLOSE, "c", "s", 587); /* another port: written */
	net_event(fx->tr, TK_NET_CLOSE, "s", "c", 25);
	for (int i = 0; i < 2; i++) {
		trace_begin(fx->tr, 0, TK_QUEUE_DONE);
		trace_node(fx->tr, "s");
		trace_str(fx->tr, "result", "delivered");
		trace_str(fx->tr, "status", i ? "2.1.5" : "2.0.0"); /* 2.0.0 left out */
		trace_end(fx->tr);
	}
	expect_jsonl(fx,
		"{\"t\":0,\"kind\":\"net.connect\",\"node\":\"c\",\"peer\":\"s\",\"conn\":5,"
		"\"port\":25}\n"
		"{\"kind\":\"net.accept\",\"conn\":5}\n"
		"{\"kind\":\"tls.ok\",\"conn\":5}\n"
		"{\"kind\":\"net.close\",\"conn\":5,\"port\":587}\n"
		"{\"kind\":\"net.close\",\"node\":\"s\",\"conn\":5}\n"
		"{\"kind\":\"queue.done\",\"node\":\"s\",\"result\":\"delivered\"}\n"
		"{\"kind\":\"queue.done\",\"node\":\"s\",\"result\":\"delivered\","
		"\"status\":\"2.1.5\"}\n");
}

static void test_a_held_line_waits_for_flush(void **state)
{
	struct fx *fx = *state;
	conn_event(fx->tr, 0, TK_NET_CONNECT, "c", "s", 4, NULL, false);
	smtp_line(fx->tr, 4, 10, "s", "c", "s2c", "220 hi", false);
	/* held while a next line could join it; flushed on demand */
	expect_jsonl(fx, "{\"t\":0,\"kind\":\"net.connect\",\"node\":\"c\",\"peer\":\"s\",\"conn\":4}\n");
	trace_flush(fx->tr);
	expect_jsonl(fx, "{\"t\":0,\"kind\":\"net.connect\",\"node\":\"c\",\"peer\":\"s\",\"conn\":4}\n"
			 "{\"t\":0.00001,\"kind\":\"smtp.send\",\"conn\":4,\"line\":\"220 hi\"}\n");
}

/* ---- seq, narration, hook ----------------------------------------------------- */

static void test_seq_increments_across_events_and_narration(void **state)
{
	struct fx *fx = *state;
	one_str_event(fx->tr, "text", "1");
	trace_narrate(fx->tr, 5, "a caption");
	one_str_event(fx->tr, "text", "2");
	assert_int_equal(trace_count(fx->tr), 3);
	expect_jsonl(fx, "{\"t\":0,\"kind\":\"narrate\",\"text\":\"1\"}\n"
			 "{\"t\":0.000005,\"kind\":\"narrate\",\"text\":\"a caption\"}\n"
			 "{\"t\":0,\"kind\":\"narrate\",\"text\":\"2\"}\n");
}

struct hook_probe {
	struct strbuf *jsonl;
	size_t calls;
	size_t len_at_call;  /* buffer length when the hook ran */
	char kind[32];
	char line[64];
};

/* Narrates before every smtp.send and records what it could see. */
static void probe_hook(void *ud, struct trace *tr, const struct trace_event *ev)
{
	struct hook_probe *p = ud;
	p->calls++;
	p->len_at_call = p->jsonl->len;
	snprintf(p->kind, sizeof p->kind, "%s", ev->kind);
	const char *line = trace_event_str(ev, "line");
	snprintf(p->line, sizeof p->line, "%s", line ? line : "");
	if (strcmp(ev->kind, "smtp.send") == 0)
		trace_narrate(tr, ev->t, "The client says hello.");
}

static void test_hook_runs_before_event_and_narration_precedes_it(void **state)
{
	struct fx *fx = *state;
	struct hook_probe p = {.jsonl = &fx->jsonl};
	trace_set_hook(fx->tr, probe_hook, &p);
	trace_begin(fx->tr, 2000000, TK_SMTP_SEND);
	trace_node(fx->tr, "c");
	trace_str(fx->tr, "dir", "c2s");
	trace_str(fx->tr, "line", "EHLO c");
	trace_end(fx->tr);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.len_at_call, 0); /* nothing written yet when it ran */
	assert_string_equal(p.kind, "smtp.send");
	assert_string_equal(p.line, "EHLO c");
	expect_jsonl(fx, "{\"t\":2,\"kind\":\"narrate\","
			 "\"text\":\"The client says hello.\"}\n"
			 "{\"kind\":\"smtp.send\",\"node\":\"c\","
			 "\"line\":\"EHLO c\"}\n");
	expect_transcript(fx, "\n      >> The client says hello.\n\n"
			      "    2.000000  c  C-> EHLO c\n");
	/* trace_narrate itself does not call the hook. */
	trace_narrate(fx->tr, 3, "direct");
	assert_int_equal(p.calls, 1);
}

static void test_event_field_lookup(void **state)
{
	struct trace_event ev = {.kind = "k", .conn = -1};
	struct trace_field f[] = {
		{.key = "s", .type = TF_STR, .str = "v"},
		{.key = "i", .type = TF_INT, .num = 42},
		{.key = "b", .type = TF_BOOL, .num = 1},
	};
	ev.f = f;
	ev.nf = ARRAY_LEN(f);
	int64_t v = 0;
	assert_string_equal(trace_event_str(&ev, "s"), "v");
	assert_null(trace_event_str(&ev, "i"));
	assert_true(trace_event_int(&ev, "i", &v));
	assert_int_equal(v, 42);
	assert_true(trace_event_int(&ev, "b", &v));
	assert_int_equal(v, 1);
	assert_false(trace_event_int(&ev, "s", &v));
	assert_false(trace_event_int(&ev, "missing", &v));
}

/* ---- transcript ------------------------------------------------------------- */

static void test_transcript_smtp_arrows(void **state)
{
	struct fx *fx = *state;
	smtp_line(fx->tr, 3, 1500000, "mail.example.org", "mx1.example.net", "s2c",
		  "220 mx1.example.net ESMTP", false);
	smtp_line(fx->tr, 3, 1540000, "mx1.example.net", "mail.example.org", "c2s", "STARTTLS",
		  false);
	smtp_line(fx->tr, 3, 1620000, "mx1.example.net", "mail.example.org", "c2s",
		  "EHLO mail.example.org", true);
	smtp_line(fx->tr, 3, 1660000, "mail.example.org", "mx1.example.net", "s2c", "250 OK", true);
	expect_transcript(fx,
			  "    1.500000  mail.example.org -> mx1.example.net  S<- 220 mx1.example.net ESMTP\n"
			  "    1.540000  mx1.example.net -> mail.example.org  C-> STARTTLS\n"
			  "    1.620000  mx1.example.net -> mail.example.org  C~> EHLO mail.example.org\n"
			  "    1.660000  mail.example.org -> mx1.example.net  S<~ 250 OK\n");
}

static void test_transcript_dns_lines(void **state)
{
	struct fx *fx = *state;
	static const char *const answers[] = {"10 mx1.example.net.", "20 mx2.example.net."};
	trace_begin(fx->tr, 1010000, TK_DNS_QUERY);
	trace_node(fx->tr, "mail.example.org");
	trace_peer(fx->tr, "ns.example");
	trace_str(fx->tr, "qname", "example.net");
	trace_str(fx->tr, "qtype", "MX");
	trace_int(fx->tr, "id", 4242);
	trace_end(fx->tr);
	trace_begin(fx->tr, 1020000, TK_DNS_ANSWER);
	trace_node(fx->tr, "ns.example");
	trace_peer(fx->tr, "mail.example.org");
	trace_str(fx->tr, "qname", "example.net");
	trace_str(fx->tr, "qtype", "MX");
	trace_int(fx->tr, "id", 4242);
	trace_str(fx->tr, "rcode", "NOERROR");
	trace_strv(fx->tr, "answers", answers, 2);
	trace_end(fx->tr);
	expect_transcript(fx, "    1.010000  mail.example.org -> ns.example  DNS? MX example.net\n"
			      "    1.020000  ns.example -> mail.example.org  DNS! MX example.net -> "
			      "NOERROR 10 mx1.example.net., 20 mx2.example.net.\n");
}

static void test_transcript_msg_rcpt_and_generic(void **state)
{
	struct fx *fx = *state;
	/* A kind without its own formatter prints its fields. */
	trace_begin(fx->tr, 0, TK_MAILBOX_FETCH);
	trace_node(fx->tr, "mx1.example.net");
	trace_msg(fx->tr, "m1");
	trace_rcpt(fx->tr, "bob@example.net");
	trace_str(fx->tr, "folder", "INBOX");
	trace_int(fx->tr, "bytes", 612);
	trace_bool(fx->tr, "ok", true);
	trace_end(fx->tr);
	expect_transcript(fx, "    0.000000  mx1.example.net  [m1] <bob@example.net> mailbox.fetch "
			      "folder=INBOX bytes=612 ok=true\n");
}

static void test_transcript_store_line(void **state)
{
	struct fx *fx = *state;
	trace_begin(fx->tr, 0, TK_MAILBOX_STORE);
	trace_node(fx->tr, "mx1.example.net");
	trace_msg(fx->tr, "m1");
	trace_rcpt(fx->tr, "bob@example.net");
	trace_str(fx->tr, "user", "bob@example.net");
	trace_str(fx->tr, "folder", "Junk");
	trace_int(fx->tr, "bytes", 612);
	trace_end(fx->tr);
	expect_transcript(fx, "    0.000000  mx1.example.net  [m1] <bob@example.net> STORE into Junk of "
			      "bob@example.net (612 bytes)\n");
}

/* The vocabulary: every kind's name parses back, fields are declared. */
static void test_vocabulary(void **state)
{
	for (int k = 0; k < TK_COUNT; k++) {
		enum trace_kind back;
		assert_true(trace_kind_parse(trace_kind_name((enum trace_kind)k), &back));
		assert_int_equal(back, k);
		assert_true(trace_kind_meaning((enum trace_kind)k)[0] != '\0');
	}
	enum trace_kind k;
	assert_false(trace_kind_parse("smtp.sent", &k));
	assert_true(trace_kind_has_field(TK_QUEUE_DONE, "result"));
	assert_true(trace_kind_has_field(TK_MSG_COMPOSE, "spoofed_from")); /* optional, "?" */
	assert_false(trace_kind_has_field(TK_QUEUE_DONE, "resul"));
	assert_false(trace_kind_has_field(TK_QUEUE_DONE, "results"));
	assert_false(trace_kind_has_field(TK_TLS_START, ""));
}

/* The same events into a JSONL file and into a memory buffer (the
 * viewer's sink) give the same bytes, with and without a hook that
 * narrates: 30,000 events, a string of 40,000 octets, string arrays,
 * folded lines, implied fields, narrations between events. */
static void play(struct trace *tr, bool hook_narrates)
{
	char *big = xmalloc(40001);
	for (int i = 0; i < 40000; i++)
		big[i] = (char)('a' + i % 26);
	big[40000] = '\0';
	for (int i = 0; i < 30000; i++) {
		char line[64], peer[32];
		snprintf(line, sizeof line, "250-line %d of a reply", i);
		snprintf(peer, sizeof peer, "peer%d.test", i % 7);
		trace_begin(tr, 1000 * (i / 3), TK_SMTP_SEND);
		trace_node(tr, "mx.test");
		trace_peer(tr, peer);
		trace_conn(tr, i / 30);
		trace_str(tr, "dir", "s2c");
		trace_str(tr, "line", i % 5000 == 17 ? big : line);
		trace_end(tr);
		if (i % 1000 == 0) {
			const char *v[] = {"10 mx1.example.", "20 mx2.example.", big + 39990};
			trace_begin(tr, 1000 * (i / 3), TK_DNS_ANSWER);
			trace_node(tr, "ns.test");
			trace_str(tr, "qname", "example.test");
			trace_strv(tr, "answers", v, 3);
			trace_int(tr, "ttl", i);
			trace_end(tr);
		}
		if (hook_narrates && i % 4000 == 0)
			trace_narrate(tr, 1000 * (i / 3), "a narration between events");
	}
	trace_flush(tr);
	free(big);
}

static void narrate_hook(void *ud, struct trace *tr, const struct trace_event *ev)
{
	(void)ud;
	if (ev->id == TK_DNS_ANSWER)
		trace_narrate(tr, ev->t, "before the answer");
}

static void test_file_and_buffer_sinks_get_the_same_bytes(void **state)
{
	(void)state;
	for (int hook = 0; hook < 2; hook++) {
		struct strbuf want;
		sb_init(&want);
		struct trace *a = trace_new();
		trace_set_loose(a, true);
		trace_set_buffer(a, &want);
		if (hook)
			trace_set_hook(a, narrate_hook, NULL);
		play(a, hook);
		uint64_t lines = trace_count(a);
		trace_free(a);

		char *got = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&got, &len);
		assert_non_null(f);
		struct trace *b = trace_new();
		trace_set_loose(b, true);
		trace_set_jsonl(b, f);
		if (hook)
			trace_set_hook(b, narrate_hook, NULL);
		play(b, hook);
		assert_int_equal(trace_count(b), lines);
		trace_free(b);
		fclose(f);
		assert_true(want.len > 2 * 1024 * 1024);
		assert_int_equal(len, want.len);
		assert_memory_equal(got, want.data, len);
		free(got);
		sb_free(&want);
	}
}

/* trace_*_ref: the same bytes as the copying calls. In a build without
 * NDEBUG a borrowed string changed before trace_end aborts (checked in a
 * child process). */
static void test_borrowed_strings(void **state)
{
	struct fx *fx = *state;
	char line[32] = "EHLO a.example";
	trace_begin(fx->tr, 1000000, TK_SMTP_SEND);
	trace_node_ref(fx->tr, "a.example");
	trace_peer_ref(fx->tr, "b.example");
	trace_conn(fx->tr, 7);
	trace_str_ref(fx->tr, "dir", "c2s");
	trace_str_ref(fx->tr, "line", line);
	trace_end(fx->tr);
	strcpy(line, "QUIT"); /* after trace_end: allowed */
	trace_begin(fx->tr, 2000000, TK_SMTP_SEND);
	trace_node(fx->tr, "a.example");
	trace_peer(fx->tr, "b.example");
	trace_conn(fx->tr, 7);
	trace_str(fx->tr, "dir", "c2s");
	trace_str(fx->tr, "line", "EHLO a.example");
	trace_end(fx->tr);
	trace_flush(fx->tr);
	expect_jsonl(fx, "{\"t\":1,\"kind\":\"smtp.send\",\"node\":\"a.example\","
			 "\"peer\":\"b.example\",\"conn\":7,"
			 "\"line\":\"EHLO a.example\"}\n"
			 "{\"t\":2,\"kind\":\"smtp.send\",\"conn\":7,"
			 "\"line\":\"EHLO a.example\"}\n");
#ifndef NDEBUG
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fclose(stderr); /* the abort's message is expected */
		trace_begin(fx->tr, 3000000, TK_SMTP_SEND);
		trace_conn(fx->tr, 7);
		trace_str_ref(fx->tr, "line", line);
		strcpy(line, "RSET");
		trace_end(fx->tr);
		_exit(0); /* not reached when the check works */
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
#endif
}

/* trace_wanted: false only while nothing reads the events; each sink
 * and the hook alone make it true, and taking them away makes it false. */
static void test_wanted_follows_sinks_and_hook(void **state)
{
	(void)state;
	struct trace *tr = trace_new();
	assert_false(trace_wanted(tr));
	struct strbuf sb;
	sb_init(&sb);
	trace_set_buffer(tr, &sb);
	assert_true(trace_wanted(tr));
	trace_set_buffer(tr, NULL);
	assert_false(trace_wanted(tr));
	FILE *f = tmpfile();
	assert_non_null(f);
	trace_set_jsonl(tr, f);
	assert_true(trace_wanted(tr));
	trace_set_jsonl(tr, NULL);
	trace_set_transcript(tr, f);
	assert_true(trace_wanted(tr));
	trace_set_transcript(tr, NULL);
	struct hook_probe p = {.jsonl = &sb};
	trace_set_hook(tr, probe_hook, &p);
	assert_true(trace_wanted(tr));
	trace_set_hook(tr, NULL, NULL);
	assert_false(trace_wanted(tr));
	/* Quiet events are still counted. */
	trace_begin(tr, 0, TK_NARRATE);
	trace_str(tr, "text", "unread");
	trace_end(tr);
	assert_int_equal(trace_count(tr), 1);
	fclose(f);
	sb_free(&sb);
	trace_free(tr);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabulary),
		T(test_fixed_key_order_from_scrambled_calls),
		T(test_key_and_kind_texts_repeat_exactly),
		T(test_transcript_store_line),
		T(test_absent_common_fields_are_omitted),
		T(test_time_has_six_decimals),
		T(test_event_time_and_time_field),
		T(test_ints_bools_and_string_arrays),
		T(test_string_escaping_table),
		T(test_embedded_nul_is_escaped),
		T(test_escaped_strings_round_trip_through_cjson),
		T(test_escaping_at_every_offset),
		T(test_escaping_applies_to_common_fields_and_arrays),
		T(test_seq_increments_across_events_and_narration),
		T(test_conn_ends_and_tls_are_implied),
		T(test_first_event_of_a_conn_names_both_ends),
		T(test_lines_of_one_instant_are_folded),
		T(test_header_ids_and_dns_repeats_are_implied),
		T(test_usual_values_and_a_conns_port_are_implied),
		T(test_a_held_line_waits_for_flush),
		T(test_hook_runs_before_event_and_narration_precedes_it),
		T(test_event_field_lookup),
		T(test_transcript_smtp_arrows),
		T(test_transcript_dns_lines),
		T(test_transcript_msg_rcpt_and_generic),
		cmocka_unit_test(test_file_and_buffer_sinks_get_the_same_bytes),
		cmocka_unit_test(test_wanted_follows_sinks_and_hook),
		T(test_borrowed_strings),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
