/* test_scenario_check.c — the loader's warnings: an A record that
 * contradicts the IP of the host of that name, an MX naming a CNAME
 * (RFC 2181 §10.3, RFC 5321 §5.1), a recipient twice in one message
 * (domain without case, local part exact). Each warning must carry the
 * position of the offending value, and must not make the scenario invalid. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "util.h"

/* A valid scenario; %s: extra records of the example.net zone, the "to"
 * of the message. */
static const char base[] =
	"{\n"
	"  \"mailsim\": 1, \"name\": \"w\",\n"
	"  \"hosts\": [\n"
	"    { \"name\": \"alice-laptop.example.org\", \"role\": \"client\", \"ip\": \"192.0.2.10\",\n"
	"      \"user\": \"alice@example.org\",\n"
	"      \"submit\": { \"server\": \"mail.example.org\", \"port\": 587 } },\n"
	"    { \"name\": \"mail.example.org\", \"role\": \"mta\", \"ip\": \"192.0.2.25\",\n"
	"      \"services\": [\"smtp\", \"submission\"], \"domains\": [\"example.org\"] },\n"
	"    { \"name\": \"MX.example.net\", \"role\": \"mta\", \"ip\": \"198.51.100.25\",\n"
	"      \"domains\": [\"example.net\"] },\n"
	"    { \"name\": \"ns.example\", \"role\": \"dns\", \"ip\": \"203.0.113.53\",\n"
	"      \"zones\": [ { \"origin\": \"example.net\", \"records\": [\n"
	"%s"
	"        { \"name\": \"mx\", \"type\": \"A\", \"data\": \"198.51.100.25\" } ] } ] }\n"
	"  ],\n"
	"  \"users\": [ { \"address\": \"alice@example.org\" }, { \"address\": \"bob@example.net\" } ],\n"
	"  \"messages\": [ { \"id\": \"m1\", \"at\": 1, \"from\": \"alice@example.org\",\n"
	"                  \"to\": %s } ]\n"
	"}\n";

static const char mx_plain[] = "        { \"name\": \"@\", \"type\": \"MX\", \"data\": \"10 mx.example.net.\" },\n";

struct loaded {
	char *text;
	struct scenario *s;
};

static struct loaded load(const char *records, const char *to)
{
	struct loaded l;
	l.text = xasprintf(base, records, to);
	FILE *err = tmpfile();
	assert_non_null(err);
	l.s = scn_parse(l.text, strlen(l.text), "w.json", err);
	fclose(err);
	if (!l.s)
		fail_msg("the scenario must stay valid:\n%s", l.text);
	return l;
}

static void unload(struct loaded *l)
{
	scn_free(l->s);
	free(l->text);
}

/* "w.json:LINE:COL: warning: " where the n-th occurrence (0-based) of
 * needle starts in text. */
static char *at(const char *text, const char *needle, int n)
{
	const char *p = strstr(text, needle);
	for (; p && n > 0; n--)
		p = strstr(p + 1, needle);
	assert_non_null(p);
	int line = 1, col = 1;
	for (const char *c = text; c < p; c++) {
		col++;
		if (*c == '\n') {
			line++;
			col = 1;
		}
	}
	return xasprintf("w.json:%d:%d: warning: ", line, col);
}

static void expect_warning(const struct loaded *l, const char *needle, int n, const char *what)
{
	char *pos = at(l->text, needle, n);
	char *want = xasprintf("%s%s", pos, what);
	if (!strstr(l->s->warnings, want))
		fail_msg("missing warning\n  %s\nin:\n%s", want, l->s->warnings);
	free(pos);
	free(want);
}

static void test_clean(void **state)
{
	(void)state;
	/* Host names compare without case (MX.example.net vs the "mx" record);
	 * "Bob" and "bob" are different mailboxes. */
	struct loaded l = load(mx_plain, "[\"bob@example.net\", \"Bob@example.net\", \"carol@example.net\"]");
	assert_int_equal(l.s->nwarnings, 0);
	assert_string_equal(l.s->warnings, "");
	unload(&l);
}

/* One warning each: where it points and what it says. */
static void test_dns_warnings(void **state)
{
	(void)state;
	static const struct {
		const char *records, *needle, *warning;
	} cases[] = {
		{"        { \"name\": \"@\", \"type\": \"MX\", \"data\": \"10 mx.example.net.\" },\n"
		 "        { \"name\": \"mx\", \"type\": \"A\", \"data\": \"198.51.100.99\" },\n",
		 "\"198.51.100.99\"",
		 "hosts[3].zones[0].records[1].data: A record for mx.example.net says 198.51.100.99, "
		 "but host MX.example.net has the IP address 198.51.100.25\n"
		 "  hint: make the record say 198.51.100.25, or change the host's \"ip\"\n"},
		{"        { \"name\": \"@\", \"type\": \"MX\", \"data\": \"10 mail.example.net.\" },\n"
		 "        { \"name\": \"mail\", \"type\": \"CNAME\", \"data\": \"mx.example.net.\" },\n",
		 "\"10 mail.example.net.\"",
		 "hosts[3].zones[0].records[0].data: MX target \"mail.example.net\" is an alias "
		 "(CNAME); an MX must name a host directly (RFC 2181 §10.3, RFC 5321 §5.1)\n"
		 "  hint: point the MX at the canonical name mx.example.net.\n"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct loaded l = load(cases[i].records, "\"bob@example.net\"");
		assert_int_equal(l.s->nwarnings, 1);
		expect_warning(&l, cases[i].needle, 0, cases[i].warning);
		unload(&l);
	}
}

/* An MX whose CNAME leads nowhere is still an error, not a warning. */
static void test_mx_cname_dangling_is_error(void **state)
{
	(void)state;
	static const char recs[] =
		"        { \"name\": \"@\", \"type\": \"MX\", \"data\": \"10 mail.example.net.\" },\n"
		"        { \"name\": \"mail\", \"type\": \"CNAME\", \"data\": \"gone.example.net.\" },\n";
	char *text = xasprintf(base, recs, "\"bob@example.net\"");
	char buf[4096] = "";
	FILE *err = tmpfile();
	assert_non_null(err);
	struct scenario *s = scn_parse(text, strlen(text), "w.json", err);
	rewind(err);
	size_t n = fread(buf, 1, sizeof buf - 1, err);
	buf[n] = '\0';
	fclose(err);
	free(text);
	assert_null(s);
	if (!strstr(buf, "error: hosts[3].zones[0].records[0].data: MX target \"mail.example.net\" "
			 "does not exist"))
		fail_msg("got: %s", buf);
}

static void test_duplicate_recipients(void **state)
{
	(void)state;
	struct loaded l = load(mx_plain, "[\"bob@example.net\", \"carol@example.net\",\n"
					 "    \"bob@EXAMPLE.NET\", \"Bob@example.net\", \"carol@Example.net\"]");
	assert_int_equal(l.s->nwarnings, 2);
	expect_warning(&l, "\"bob@EXAMPLE.NET\"", 0,
		       "messages[0].to[2]: recipient \"bob@EXAMPLE.NET\" repeats to[0] "
		       "(\"bob@example.net\")\n"
		       "  hint: the message would go twice to one mailbox");
	expect_warning(&l, "\"carol@Example.net\"", 0,
		       "messages[0].to[4]: recipient \"carol@Example.net\" repeats to[1] "
		       "(\"carol@example.net\")\n");
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_dns_warnings),
		cmocka_unit_test(test_mx_cname_dangling_is_error),
		cmocka_unit_test(test_duplicate_recipients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
