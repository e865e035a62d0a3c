/* test_render_snapshot.c — the world as the trace tells it at a cursor
 * (render/snapshot.c): queue entries with recipients, attempts and next
 * retry; mailboxes; DNS answers; faults; where each message rests; and
 * the decision badges, their window and their cap. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_count.h"
#include "snap_walk.h"
#include "snapshot.h"
#include "test_render_fixture.h"
#include "test_render_world.h"
#include "trace_model.h"
#include "util.h"

#define FAILF(...) do { print_error(__VA_ARGS__); fail(); } while (0)

static void expect_str(const char *what, const char *got, const char *want)
{
	if (!got || strcmp(got, want) != 0)
		FAILF("%s: got \"%s\", want \"%s\"\n", what, got ? got : "(null)", want);
}

static void expect_long(const char *what, long got, long want)
{
	if (got != want)
		FAILF("%s: got %ld, want %ld\n", what, got, want);
}

static struct tm_model *parse_text(const char *text, const struct view_host *hosts,
				   size_t nhosts)
{
	char err[256] = "";
	struct tm_model *m = tm_parse(text, strlen(text), hosts, nhosts, err, sizeof err);

	if (!m)
		FAILF("trace did not parse: %s\n", err);
	return m;
}

static struct tm_model *parse_fixture(void)
{
	return parse_text(fixture_trace, fixture_hosts, ARRAY_LEN(fixture_hosts));
}

static int node(const struct tm_model *m, const char *name)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return (int)i;
	FAILF("no node %s\n", name);
	return -1;
}

static const char *const kind_names[BADGE_KIND_COUNT] = {
	[BADGE_RETRY] = "retry", [BADGE_BOUNCE] = "bounce", [BADGE_REJECT] = "reject",
	[BADGE_GREYLIST] = "greylist", [BADGE_DISCARD] = "discard", [BADGE_DEFER] = "defer",
	[BADGE_QUARANTINE] = "quarantine", [BADGE_SPAM] = "spam", [BADGE_EXPIRED] = "expired",
	[BADGE_DSN] = "dsn", [BADGE_DSN_DELAYED] = "dsn-delayed", [BADGE_FAULT] = "fault",
	[BADGE_CHECK] = "check",
};

/* The badges at a host, as "kind:text|kind:text". */
static void badges_at(const struct snap *s, int host, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < s->nbadges && len < n; i++)
		if (s->badges[i].host == host)
			len += (size_t)snprintf(out + len, n - len, "%s%s:%s", len ? "|" : "",
						kind_names[s->badges[i].kind], s->badges[i].text);
}

/* The snapshot's places (snap_count.h), listed again on each call. */
static struct snap_place *places_buf;
static size_t places_cap;

static const struct snap_place *place_of(const struct snap *s, int msg_idx, int host)
{
	size_t n = snap_places_fill(s, &places_buf, &places_cap);

	for (size_t i = 0; i < n; i++)
		if (places_buf[i].msg_idx == msg_idx && places_buf[i].host == host)
			return &places_buf[i];
	return NULL;
}

/* ---- the fixture: greylisted, retried 15 minutes later, filed ---- */

static void test_deferred_entry(void **state)
{
	struct tm_model *m = parse_fixture();
	struct snap s;
	char b[256];
	int mta = node(m, "mta.a.example"), mx1 = node(m, "mx1.b.example");

	snap_init(&s);
	snap_build(&s, m, -1, FIX_EV_DEFER);
	expect_long("queue entries", (long)s.nq, 1);
	const struct snap_entry *q = &s.q[0];
	expect_long("at the sender's MTA", q->host, mta);
	expect_str("queue id", q->queue_id, "4A1");
	expect_str("from", q->from, "alice@a.example");
	expect_long("attempts", q->attempts, 1);
	expect_long("recipients", (long)q->nrcpts, 1);
	expect_str("recipient", q->rcpts[0].addr, "bob@b.example");
	expect_long("deferred", q->rcpts[0].state, SNAP_DEFERRED);
	expect_long("next try (exact µs)", (long)q->rcpts[0].next_us, 900124000L);
	expect_str("reason", q->rcpts[0].reason, "450 4.2.0 Greylisted");
	expect_long("live", snap_entry_live(q), 1);
	badges_at(&s, mta, b, sizeof b);
	expect_str("badges at the MTA", b, "retry:retry at 0:15:00");
	badges_at(&s, mx1, b, sizeof b);
	expect_str("badges at mx1", b, "greylist:greylist");
	const struct snap_place *p = place_of(&s, 0, mta);
	expect_long("m1 rests in the MTA's queue", p ? (long)p->kind : -1, PLACE_QUEUE);
	snap_free(&s);
	tm_free(m);
}

static void test_retry_and_filing(void **state)
{
	struct tm_model *m = parse_fixture();
	struct snap s;
	char b[256];
	int mta = node(m, "mta.a.example"), mbox = node(m, "mbox.b.example");

	snap_init(&s);
	snap_build(&s, m, -1, FIX_EV_RETRY + 1); /* queue.attempt 2 */
	expect_long("attempts", s.q[0].attempts, 2);
	expect_long("being tried again", s.q[0].rcpts[0].state, SNAP_QUEUED);
	badges_at(&s, mta, b, sizeof b);
	expect_str("no retry clock during the attempt", b, "");
	snap_build(&s, m, -1, 74); /* mailbox.store */
	expect_long("done at the MTA", s.q[0].rcpts[0].state, SNAP_DELIVERED);
	expect_long("not live", snap_entry_live(&s.q[0]), 0);
	expect_long("filed copies", (long)s.nbox, 1);
	expect_long("in the mailbox host", s.box[0].host, mbox);
	expect_str("user", s.box[0].user, "bob");
	expect_str("folder", s.box[0].folder, "INBOX");
	expect_long("bytes", s.box[0].bytes, 720);
	expect_long("m1 has left the MTA", place_of(&s, 0, mta) == NULL, 1);
	const struct snap_place *p = place_of(&s, 0, mbox);
	expect_long("m1 rests in the mailbox", p ? (long)p->kind : -1, PLACE_MAILBOX);
	snap_free(&s);
	tm_free(m);
}

static void test_dns_answers(void **state)
{
	struct tm_model *m = parse_fixture();
	struct snap s;

	snap_init(&s);
	snap_build(&s, m, -1, FIX_EV_DNS_QUERY);
	expect_long("no answer before it is given", (long)s.nans, 0);
	snap_build(&s, m, -1, FIX_EV_DNS_ANSWER);
	expect_long("answers", (long)s.nans, 1);
	expect_long("at the DNS host", s.ans[0].host, node(m, "dns"));
	expect_str("qname", s.ans[0].qname, "b.example");
	expect_str("qtype", s.ans[0].qtype, "MX");
	expect_str("rcode", s.ans[0].rcode, "NOERROR");
	expect_str("answers", s.ans[0].answers, "10 mx1.b.example.");
	expect_long("one answer record", (long)s.ans[0].nanswers, 1);
	expect_long("asked", s.ans[0].count, 1);
	snap_free(&s);
	tm_free(m);
}

/* ---- synthetic traces for the edges ---- */

static const char outbox_trace[] =
	"{\"t\":1.0,\"kind\":\"msg.compose\",\"node\":\"pc\",\"msg\":\"m1\",\"from\":\"a@x\",\"to\":[\"b@y\"],\"subject\":\"Hi\",\"bytes\":10}\n"
	"{\"t\":1.0,\"kind\":\"msg.compose\",\"node\":\"pc\",\"msg\":\"m2\",\"from\":\"a@x\",\"to\":[\"c@y\"],\"subject\":\"Yo\",\"bytes\":10}\n"
	"{\"t\":1.1,\"kind\":\"smtp.data\",\"node\":\"pc\",\"peer\":\"mta\",\"conn\":1,\"dir\":\"c2s\",\"msg\":\"m1\",\"bytes\":10,\"lines\":1,\"summary\":\"Subject: Hi\"}\n"
	"{\"t\":1.2,\"kind\":\"queue.enter\",\"node\":\"mta\",\"msg\":\"m1\",\"queue_id\":\"Q1\",\"from\":\"a@x\",\"rcpts\":[\"b@y\",\"c@z\"],\"bytes\":10}\n"
	"{\"t\":1.3,\"kind\":\"queue.bounce\",\"node\":\"mta\",\"msg\":\"m1\",\"rcpt\":\"c@z\",\"queue_id\":\"Q1\",\"status\":\"5.1.1\",\"class\":\"hard\",\"reason\":\"no such user\"}\n"
	"{\"t\":1.3,\"kind\":\"dsn.create\",\"node\":\"mta\",\"msg\":\"m1\",\"dsn_msg\":\"m1.dsn\",\"to\":\"a@x\",\"action\":\"failed\",\"status\":\"5.1.1\",\"rcpts\":[\"c@z\"]}\n"
	"{\"t\":1.4,\"kind\":\"fault.start\",\"node\":\"mta\",\"fault\":\"host_down\",\"summary\":\"mta is down\",\"until\":9.0}\n"
	"{\"t\":9.0,\"kind\":\"fault.end\",\"node\":\"mta\",\"fault\":\"host_down\",\"summary\":\"over\"}\n";

static void test_outbox_bounce_fault(void **state)
{
	struct tm_model *m = parse_text(outbox_trace, NULL, 0);
	struct snap s;
	char b[256];
	int pc = node(m, "pc"), mta = node(m, "mta");

	snap_init(&s);
	snap_build(&s, m, -1, 1);
	expect_long("m1 in the outbox", place_of(&s, 0, pc) ? (long)place_of(&s, 0, pc)->kind : -1,
		    PLACE_OUTBOX);
	snap_build(&s, m, -1, 2);
	expect_long("m1 sent off", place_of(&s, 0, pc) == NULL, 1);
	expect_long("m2 still waits", place_of(&s, 1, pc) != NULL, 1);
	snap_build(&s, m, -1, 6);
	expect_long("one recipient bounced", s.q[0].rcpts[1].state, SNAP_BOUNCED);
	expect_str("its status", s.q[0].rcpts[1].status, "5.1.1");
	expect_long("the other still queued", s.q[0].rcpts[0].state, SNAP_QUEUED);
	badges_at(&s, mta, b, sizeof b);
	/* the fault first (a state), then the newest decisions first */
	expect_str("badges", b, "fault:host down|dsn:DSN failed 5.1.1|bounce:bounce 5.1.1");
	snap_build(&s, m, 6, 7);
	badges_at(&s, mta, b, sizeof b);
	expect_str("after the fault and outside the window", b, "");
	expect_long("DSN known as a report on m1", m->msgs[tm_msg_find(m, "m1.dsn")].dsn_of, 0);
	snap_free(&s);
	tm_free(m);
}

static void test_badge_cap(void **state)
{
	struct strbuf sb;
	static const char *const d[] = {"greylist", "reject", "discard", "defer", "reject"};

	sb_init(&sb);
	for (size_t i = 0; i < ARRAY_LEN(d); i++)
		sb_printf(&sb, "{\"t\":%zu.0,\"kind\":\"policy.decision\",\"node\":\"mx\","
			  "\"decision\":\"%s\",\"reason\":\"r\"}\n", i + 1, d[i]);
	struct tm_model *m = parse_text(sb.data, NULL, 0);
	struct snap s;
	char b[256];

	snap_init(&s);
	snap_build(&s, m, 0, 4);
	badges_at(&s, 0, b, sizeof b);
	expect_str("the three newest, newest first", b, "reject:reject|defer:defer|discard:discard");
	snap_build(&s, m, 4, 4);
	badges_at(&s, 0, b, sizeof b);
	expect_str("only the window", b, "reject:reject");
	snap_free(&s);
	tm_free(m);
	sb_free(&sb);
}

/* ---- shipped scenarios ---- */

static struct tm_model *scenario_model(struct rw_run *run, const char *name)
{
	if (!rw_load(run, name))
		FAILF("scenario %s does not load\n", name);
	struct view_input in = rw_input(run);
	return parse_text(in.trace, in.hosts, in.nhosts);
}

static long last_of(const struct tm_model *m, enum tm_kind k)
{
	for (size_t i = m->nev; i > 0; i--)
		if (m->ev[i - 1].kind == k)
			return (long)i - 1;
	return -1;
}

static void test_dead_domain_end(void **state)
{
	struct rw_run run;
	struct tm_model *m = scenario_model(&run, "dead-domain");
	struct snap s;
	int mail = node(m, "mail.example.org");
	long attempts = 0, expire = last_of(m, TM_QUEUE_EXPIRE);

	for (size_t i = 0; i < m->nev; i++)
		attempts += m->ev[i].kind == TM_QUEUE_ATTEMPT && m->ev[i].msg_idx == 0;
	snap_init(&s);
	snap_build(&s, m, -1, (long)m->nev - 1);
	const struct snap_entry *q = NULL;
	for (size_t i = 0; i < s.nq; i++)
		if (s.q[i].msg_idx == 0 && s.q[i].host == mail)
			q = &s.q[i];
	if (!q)
		FAILF("no queue entry for m1 at mail.example.org\n");
	expect_long("attempts", q->attempts, attempts);
	expect_long("expired", q->expired, 1);
	expect_long("bounced", q->rcpts[0].state, SNAP_BOUNCED);
	expect_long("not waiting", snap_entry_live(q), 0);
	snap_build(&s, m, expire, expire + 1);
	char b[256];
	badges_at(&s, mail, b, sizeof b);
	if (!strstr(b, "expired:expired"))
		FAILF("badges at the expiry: got \"%s\", want an expired badge\n", b);
	snap_free(&s);
	tm_free(m);
	rw_free(&run);
}

/* Two snapshots equal in what the panels read from them. */
static void expect_same_snap(const struct snap *a, const struct snap *b, long cursor)
{
	struct snap_place *pa = NULL, *pb = NULL;
	size_t capa = 0, capb = 0;
	size_t npa = snap_places_fill(a, &pa, &capa), npb = snap_places_fill(b, &pb, &capb);

	if (a->nq != b->nq || a->nbox != b->nbox || a->nans != b->nans ||
	    a->nfaults != b->nfaults || npa != npb || a->nbadges != b->nbadges)
		FAILF("cursor %ld: sizes q %zu/%zu box %zu/%zu ans %zu/%zu faults %zu/%zu "
		      "places %zu/%zu badges %zu/%zu\n", cursor, a->nq, b->nq, a->nbox, b->nbox,
		      a->nans, b->nans, a->nfaults, b->nfaults, npa, npb, a->nbadges,
		      b->nbadges);
	for (size_t i = 0; i < a->nq; i++) {
		if (a->q[i].host != b->q[i].host || a->q[i].msg_idx != b->q[i].msg_idx ||
		    a->q[i].attempts != b->q[i].attempts || a->q[i].expired != b->q[i].expired ||
		    a->q[i].nrcpts != b->q[i].nrcpts)
			FAILF("cursor %ld: queue entry %zu differs\n", cursor, i);
		for (size_t r = 0; r < a->q[i].nrcpts; r++)
			if (a->q[i].rcpts[r].state != b->q[i].rcpts[r].state ||
			    a->q[i].rcpts[r].next_us != b->q[i].rcpts[r].next_us ||
			    a->q[i].rcpts[r].status != b->q[i].rcpts[r].status ||
			    a->q[i].rcpts[r].reason != b->q[i].rcpts[r].reason)
				FAILF("cursor %ld: entry %zu recipient %zu differs\n", cursor, i, r);
	}
	for (size_t i = 0; i < a->nbox; i++) { /* strings: the same model's */
		const struct snap_stored *x = &a->box[i], *y = &b->box[i];
		if (x->host != y->host || x->user != y->user || x->folder != y->folder ||
		    x->msg_idx != y->msg_idx || x->bytes != y->bytes || x->ev != y->ev)
			FAILF("cursor %ld: stored copy %zu differs\n", cursor, i);
	}
	for (size_t i = 0; i < a->nans; i++) {
		const struct snap_answer *x = &a->ans[i], *y = &b->ans[i];
		if (x->host != y->host || x->qname != y->qname || x->qtype != y->qtype ||
		    x->rcode != y->rcode || x->answers != y->answers || x->count != y->count ||
		    x->ev != y->ev)
			FAILF("cursor %ld: DNS answer %zu differs\n", cursor, i);
	}
	for (size_t i = 0; i < a->nfaults; i++)
		if (a->faults[i].host != b->faults[i].host || a->faults[i].ev != b->faults[i].ev ||
		    a->faults[i].fault != b->faults[i].fault)
			FAILF("cursor %ld: fault %zu differs\n", cursor, i);
	for (size_t i = 0; i < npa; i++)
		if (pa[i].msg_idx != pb[i].msg_idx || pa[i].host != pb[i].host ||
		    pa[i].kind != pb[i].kind)
			FAILF("cursor %ld: place %zu differs\n", cursor, i);
	free(pa);
	free(pb);
	for (size_t i = 0; i < a->nbadges; i++)
		if (a->badges[i].host != b->badges[i].host || a->badges[i].kind != b->badges[i].kind ||
		    a->badges[i].ev != b->badges[i].ev || strcmp(a->badges[i].text, b->badges[i].text))
			FAILF("cursor %ld: badge %zu differs\n", cursor, i);
}

/* Walking on from the last cursor (forward, then a step back) gives the
 * snapshot a fresh walk from the first event gives, at every cursor. */
static void test_incremental_walk(void **state)
{
	static const char *const names[] = {"dead-domain", "greylisting", "campaign-reputation"};

	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		struct rw_run run;
		struct tm_model *m = scenario_model(&run, names[k]);
		struct snap walk, fresh;
		snap_init(&walk);
		for (long c = 0; c < (long)m->nev; c++) {
			long from = c > 30 ? c - 30 : 0;
			snap_build(&walk, m, from, c);
			snap_init(&fresh);
			snap_build(&fresh, m, from, c);
			expect_same_snap(&walk, &fresh, c);
			snap_free(&fresh);
		}
		long back = (long)m->nev / 2; /* a jump back walks again from the start */
		snap_build(&walk, m, -1, back);
		snap_init(&fresh);
		snap_build(&fresh, m, -1, back);
		expect_same_snap(&walk, &fresh, back);
		snap_free(&fresh);
		snap_free(&walk);
		tm_free(m);
		rw_free(&run);
	}
}

/* The events whose reading the walk keeps (snap_walk.h), 0..last. */
static size_t recorded_upto(const struct tm_model *m, long last)
{
	size_t n = 0;

	for (long i = 0; i <= last; i++)
		switch (m->ev[i].kind) {
		case TM_QUEUE_ATTEMPT: case TM_QUEUE_DEFER: case TM_QUEUE_DONE:
		case TM_QUEUE_BOUNCE: case TM_QUEUE_EXPIRE: case TM_DNS_ANSWER:
			n++;
			break;
		default:
			break;
		}
	return n;
}

/* Seeks to random cursors, backwards and forwards, on one snapshot
 * (restoring checkpoints taken every few events) give the snapshot a
 * fresh walk from the first event gives; the checkpoints stay one per
 * interval walked, and what the walk read stays one record per event
 * read (walking again reads the records, not the lines). */
static void test_checkpoint_seeks(void **state)
{
	/* srs-bounce and forwarded-breaks-spf queue one message twice at a host */
	static const char *const names[] = {"dead-domain", "dns-timeout", "greylisting",
					    "srs-bounce", "forwarded-breaks-spf",
					    "campaign-verified"};
	static const long every[] = {7, 64, 0};

	for (size_t k = 0; k < ARRAY_LEN(names); k++)
		for (size_t e = 0; e < ARRAY_LEN(every); e++) {
			struct rw_run run;
			struct tm_model *m = scenario_model(&run, names[k]);
			struct snap seek, fresh;
			uint64_t x = 0x2545F4914F6CDD1Dull + k;
			long most = -1;
			snap_init(&seek);
			seek.ckpt_every_asked = every[e];
			for (int n = 0; n < 120; n++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				long c = (long)(x % m->nev), from = c > 30 ? c - 30 : 0;
				snap_build(&seek, m, from, c);
				snap_init(&fresh);
				snap_build(&fresh, m, from, c);
				expect_same_snap(&seek, &fresh, c);
				snap_free(&fresh);
				most = c > most ? c : most;
			}
			if (every[e] && (long)seek.nckpt != (most + 1) / every[e])
				FAILF("%s every %ld: %zu checkpoints, want %ld\n", names[k], every[e],
				      seek.nckpt, (most + 1) / every[e]);
			if (seek.nrec != recorded_upto(m, most))
				FAILF("%s every %ld: %zu walk records, want one per event read "
				      "(%zu)\n", names[k], every[e], seek.nrec, recorded_upto(m, most));
			snap_free(&seek);
			tm_free(m);
			rw_free(&run);
		}
}

static void test_fault_window(void **state)
{
	struct rw_run run;
	struct tm_model *m = scenario_model(&run, "dns-timeout");
	struct snap s;
	long start = -1, end = last_of(m, TM_FAULT_END);
	char b[256];

	for (size_t i = 0; i < m->nev && start < 0; i++)
		start = m->ev[i].kind == TM_FAULT_START ? (long)i : -1;
	if (start < 0 || end < start)
		FAILF("dns-timeout: fault.start %ld, fault.end %ld\n", start, end);
	int ns = m->ev[start].node;
	snap_init(&s);
	snap_build(&s, m, start, start);
	badges_at(&s, ns, b, sizeof b);
	expect_str("during the fault", b, "fault:dns timeout");
	snap_build(&s, m, end, end);
	badges_at(&s, ns, b, sizeof b);
	expect_str("after it", b, "");
	snap_free(&s);
	tm_free(m);
	rw_free(&run);
}

static void test_hms(void **state)
{
	static const struct { int64_t us; const char *want; } c[] = {
		{0, "0:00:00"}, {900124000LL, "0:15:00"}, {22301970000LL, "6:11:41"},
		{433396090000LL, "120:23:16"},
	};

	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		char buf[32];
		snap_fmt_hms(c[i].us, buf, sizeof buf);
		expect_str("h:mm:ss", buf, c[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deferred_entry),
		cmocka_unit_test(test_retry_and_filing),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_outbox_bounce_fault),
		cmocka_unit_test(test_badge_cap),
		cmocka_unit_test(test_dead_domain_end),
		cmocka_unit_test(test_fault_window),
		cmocka_unit_test(test_incremental_walk),
		cmocka_unit_test(test_checkpoint_seeks),
		cmocka_unit_test(test_hms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
