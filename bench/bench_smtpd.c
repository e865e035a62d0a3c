/* bench_smtpd.c — commands per second through the sans-IO SMTP server
 * (a benchmark that prints figures, not a test).
 *
 * One session: EHLO, then CYCLES pipelined transactions
 *     MAIL FROM:<...> SIZE=n / RCPT TO / RCPT TO / DATA / message / "." / RSET
 * fed to smtpd_feed() in fixed-size chunks, as a socket would deliver them
 * (every chunk size splits lines somewhere else), then QUIT. The host side
 * is what an MTA's adapter does at minimum: a check hook that accepts and
 * takes the message at MESSAGE, a send_line that counts replies. Every
 * reply is checked, so the figures are for a dialog that went right.
 *
 * A second run feeds commands only (MAIL / RCPT / RSET / NOOP), the cost of
 * the verb table and argument parsing without message text.
 *
 * Usage: bench_smtpd [CYCLES]   (default 1,000,000 per run)
 * Benchmarks may read the clock; the simulator never does. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpd.h"
#include "util.h"

#define DEFAULT_CYCLES 1000000L
#define BLOCK_CYCLES 64          /* cycles per pre-built block of input */
#define MSG_LINES 12

struct bench {
	long replies, bad, messages;
	uint64_t msg_bytes;
	char first_bad[128];
};

static void b_send_line(void *ud, const char *line)
{
	struct bench *b = ud;
	b->replies++;
	/* Only 2xx, 354 and the 221 at the end are expected. */
	if (line[0] != '2' && strncmp(line, "354 ", 4) != 0) {
		if (!b->bad++)
			snprintf(b->first_bad, sizeof b->first_bad, "%s", line);
	}
}

static void b_close(void *ud)
{
}

static void b_check(void *ud, enum smtpd_hook hook, const struct smtpd_txn *txn, const char *arg,
		    const char *arg2, struct smtp_reply *reply)
{
	struct bench *b = ud;
	if (hook == SMTPD_HOOK_MESSAGE) {
		b->messages++;
		b->msg_bytes += txn->data_len;
	}
}

static const struct smtpd_callbacks bench_cb = {
	.send_line = b_send_line,
	.close = b_close,
	.check = b_check,
};

/* One transaction with a message of MSG_LINES lines (one dot-stuffed). */
static void add_transaction(struct strbuf *sb, long k)
{
	struct strbuf msg;
	sb_init(&msg);
	sb_printf(&msg, "From: <alice@example.org>\r\nTo: <bob@example.net>\r\n"
			"Subject: bench %ld\r\nMessage-ID: <bench-%ld@example.org>\r\n\r\n", k, k);
	for (int i = 0; i < MSG_LINES; i++)
		sb_printf(&msg, "%sline %02d of a message that is long enough to look like text.\r\n",
			  i == 3 ? ".." : "", i);
	sb_printf(sb, "MAIL FROM:<alice@example.org> SIZE=%zu\r\n", msg.len);
	sb_puts(sb, "RCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n");
	sb_append(sb, msg.data, msg.len);
	sb_puts(sb, ".\r\nRSET\r\n");
	sb_free(&msg);
}

static void add_commands(struct strbuf *sb, long k)
{
	sb_puts(sb, "MAIL FROM:<alice@example.org> SIZE=1000 BODY=8BITMIME\r\n"
		    "RCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\nRSET\r\nNOOP\r\n");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run {
	const char *name;
	void (*add)(struct strbuf *sb, long k);
	int commands, replies, messages;   /* per cycle */
	size_t chunk;
};

static int run_one(const struct run *r, long cycles)
{
	struct strbuf block;
	sb_init(&block);
	for (long k = 0; k < BLOCK_CYCLES; k++)
		r->add(&block, k);
	struct bench b = {0};
	struct smtpd_config cfg = {.hostname = "mx.bench.test", .size_limit = 10240000,
				   .max_errors = 1000000};
	struct smtpd *d = smtpd_new(&cfg, &bench_cb, &b);
	smtpd_start(d);
	smtpd_feed(d, "EHLO bench.test\r\n", 17);
	long rounds = (cycles + BLOCK_CYCLES - 1) / BLOCK_CYCLES;
	long before = b.replies;
	double t0 = now_s();
	for (long i = 0; i < rounds; i++)
		for (size_t off = 0; off < block.len; off += r->chunk)
			smtpd_feed(d, block.data + off,
				   block.len - off < r->chunk ? block.len - off : r->chunk);
	double dt = now_s() - t0;
	long replies = b.replies - before;
	smtpd_feed(d, "QUIT\r\n", 6);
	long done = rounds * BLOCK_CYCLES;
	double bytes = (double)block.len * (double)rounds;
	printf("%-9s chunk %6zu: %8ld cycles %6.3f s  %10.0f commands/s  %10.0f replies/s  "
	       "%9.0f messages/s  %7.1f MB/s in\n",
	       r->name, r->chunk, done, dt, done * r->commands / dt, done * r->replies / dt,
	       b.messages / dt, bytes / dt / 1e6);
	int ok = b.bad == 0 && smtpd_closed(d) && replies == done * r->replies &&
		 b.messages == done * r->messages;
	if (!ok)
		fprintf(stderr, "bench_smtpd: %ld replies (want %ld), %ld messages (want %ld), %ld "
				"unexpected (first: %s), closed=%d\n",
			replies, done * r->replies, b.messages, done * r->messages, b.bad, b.first_bad,
			smtpd_closed(d));
	smtpd_free(d);
	sb_free(&block);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	long cycles = argc > 1 ? atol(argv[1]) : DEFAULT_CYCLES;
	if (cycles <= 0) {
		fprintf(stderr, "usage: bench_smtpd [CYCLES]\n");
		return 2;
	}
	/* Per cycle: commands are client lines the verb table handles (the
	 * end-of-data dot counts as one: it gets its own reply). */
	static const struct run runs[] = {
		{"pipelined", add_transaction, 6, 6, 1, 512},
		{"pipelined", add_transaction, 6, 6, 1, 4096},
		{"pipelined", add_transaction, 6, 6, 1, 65536},
		{"commands", add_commands, 5, 5, 0, 4096},
	};
	printf("smtpd: one session, MAIL/RCPT/RCPT/DATA/%d-line message/./RSET per cycle, fed in "
	       "chunks\n",
	       MSG_LINES + 5);
	int rc = 0;
	for (size_t i = 0; i < ARRAY_LEN(runs); i++)
		rc |= run_one(&runs[i], cycles);
	return rc;
}
